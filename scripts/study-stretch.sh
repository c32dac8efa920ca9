#!/usr/bin/env bash
# The stretch study (#23): real validation writers whose hands are far narrower than most
# (hpp/hpb2-an: a fifth of the validation lines, 66 % CER; its letters 0.4x as wide for their
# height as the median writer's) read badly, and real training ink is stretched only 0.85x to
# 1.15x. Two CTC fine-tunes of ship v4's student (runs/v4/app-wide), alike but for the stretch
# of real training ink: `stretch-15` (the default, 0.15) and `stretch-50` (`--ink-stretch 0.5`:
# 0.5x to 1.5x), STEPS steps at LR each, validated on the run's seven sets every 500 steps.
# Run both at once (one thread each):
#   ONLY=stretch-15 bash scripts/study-stretch.sh & ONLY=stretch-50 bash scripts/study-stretch.sh
#   (RUN=runs/v5study STEPS=2000 LR=5e-5 FROM=runs/v4/app-wide/best.inkline)
#   bash scripts/study-stretch.sh --save DIR | --restore DIR
set -euo pipefail
cd "$(dirname "$0")/.."
RUN=${RUN:-runs/v5study}
STEPS=${STEPS:-2000}
LR=${LR:-5e-5}
FROM=${FROM:-runs/v4/app-wide/best.inkline}
UNIPEN=${UNIPEN:-../shared/data/unipen}
STAGES="stretch-15 stretch-50"
# shellcheck source=lib/run-stages.sh
. scripts/lib/run-stages.sh
run_store "$@"
need_real_ink
build_private_trainer
REAL=$(cat models/v3-run/real-share)
COMMON=(--from "$FROM" --preset small --run "$RUN" --threads 1 --height 48 --norm ink-box
  --patience 1000000 --quiet --unipen "$UNIPEN" --real "$REAL" --val-every 500 --steps "$STEPS"
  --lr "$LR")
stage stretch-15 finetune --name stretch-15 "${COMMON[@]}" --ink-stretch 0.15
stage stretch-50 finetune --name stretch-50 "${COMMON[@]}" --ink-stretch 0.5
