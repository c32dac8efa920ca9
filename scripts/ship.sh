#!/usr/bin/env bash
# Ships a finished training run: the student with the lowest validation mean CER among the run's
# DarkNet stages (`best_cer` in each stage's checkpoint/state.json; the test split is never
# looked at) goes into models/inkline.inkline with f16 weights, the run's teacher (f32) into
# models/teacher-small.inkline, the character LM is rebuilt with fusion weights tuned for the
# new student on validation lines, and pkg/ is rebuilt around them.
#   bash scripts/ship.sh   (RUN=runs/v2 STUDENTS="finetune-cnn-l2 ... scratch"
#                           TEACHER=$RUN/teacher/best.inkline: a run that distilled from an
#                           earlier run's teacher names it)
set -euo pipefail
cd "$(dirname "$0")/.."
RUN=${RUN:-runs/v2}
STUDENTS=${STUDENTS:-"finetune-cnn-l2 finetune-cnn-l2-hard distill-cnn-l2 distill-cnn-l2-more scratch"}
# shellcheck source=lib/run-stages.sh
. scripts/lib/run-stages.sh
read -r best best_cer < <(best_stage $STUDENTS) || { echo "no finished student in $RUN" >&2; exit 1; }
echo "shipping $best (validation mean CER $best_cer)" >&2
cargo build --release -p trainer >&2
T=target/release/trainer
$T convert --model "$RUN/$best/best.inkline" --out models/inkline.inkline --precision f16
$T convert --model "${TEACHER:-$RUN/teacher/best.inkline}" --out models/teacher-small.inkline --precision f32
$T lm --out models/inkline.lm --order 6 --min-count 30 --lexicon-min-count 3 --tune models/inkline.inkline --val-lines 200
bash scripts/build-pkg.sh
