#!/usr/bin/env bash
# Ship v3's training: real writers' ink (UNIPEN, ../shared/data/unipen) beside the fonts.
#  1. The mix study: the v2 teacher (models/teacher-small.inkline) trained on for STUDY steps
#     with CTC at STUDY_LR, with 0 (the control: fonts only), 25, 50 and 75 % of the
#     handwriting, whiteboard and strokes lines drawn from real writers' ink (study-real-NN).
#     Every stage validates on the same lines: the four synthetic styles (validation font
#     families) and the real validation writers in three looks (real-strokes: the pad's pen
#     ink, real-handwriting: pen on paper, real-whiteboard: marker on a board).
#  2. The share with the lowest validation mean CER over those seven sets wins (read from each
#     study stage's checkpoint/state.json; no test data is read) and is written to
#     $RUN/real-share.
#  3. The v2 recipe at that share: the teacher trained on from the v2 teacher for TEACHER
#     steps (teacher), the DarkNet student distilled with CNN-L2 (DISTILL steps), then
#     fine-tuned with CTC (FINETUNE steps at FINETUNE_LR).
#  4. finetune-app: the fine-tuned student trained on for APP steps at APP_LR with half its real
#     pad ink drawn as the notes app reads it (the pen capped at 0.16 bodies, www/pad.js); the
#     validation lines are unchanged, so scripts/ship.sh compares it with finetune-cnn-l2.
# Resumable: run it again after any interruption and it goes on from the last checkpoint
# (every 2 minutes); finished stages are skipped. One thread at low priority.
#   bash scripts/train-v3.sh   (RUN=runs/v3 STUDY=1000 TEACHER=20000 DISTILL=10000
#                               FINETUNE=5000 THREADS=1 UNIPEN=../shared/data/unipen)
#   bash scripts/train-v3.sh --save DIR   copy every stage's checkpoint and models to DIR,
#                                         and --restore DIR back (models/v3-run)
set -euo pipefail
cd "$(dirname "$0")/.."
RUN=${RUN:-runs/v3}
STUDY=${STUDY:-1000}
STUDY_LR=${STUDY_LR:-3e-4}
TEACHER=${TEACHER:-20000}
TEACHER_LR=${TEACHER_LR:-3e-4}
DISTILL=${DISTILL:-10000}
FINETUNE=${FINETUNE:-5000}
FINETUNE_LR=${FINETUNE_LR:-1e-4}
APP=${APP:-4000}
APP_LR=${APP_LR:-5e-5}
UNIPEN=${UNIPEN:-../shared/data/unipen}
SHARES="0 25 50 75"
STAGES="study-real-0 study-real-25 study-real-50 study-real-75 teacher distill-cnn-l2 finetune-cnn-l2 finetune-app"
# The study's weights are never loaded again: --save keeps its figures only.
LIGHT="study-real-0 study-real-25 study-real-50 study-real-75"
RUN_FILES=real-share
# shellcheck source=lib/run-stages.sh
. scripts/lib/run-stages.sh
run_store "$@"
need_real_ink
build_private_trainer
V2_TEACHER=models/teacher-small.inkline
COMMON=(--preset small --run "$RUN" --threads "${THREADS:-1}" --height 48 --norm ink-box
  --patience 1000000 --quiet --unipen "$UNIPEN")
# Once the share is chosen, the study is not run again (a restored run holds its figures only).
[ -f "$RUN/real-share" ] || for share in $SHARES; do
  stage "study-real-$share" finetune --from "$V2_TEACHER" --name "study-real-$share" "${COMMON[@]}" \
    --steps "$STUDY" --lr "$STUDY_LR" --val-every 500 --real "$(awk -v s="$share" 'BEGIN { print s / 100 }')"
done
[ -n "${ONLY:-}" ] && [ "${ONLY#study}" != "$ONLY" ] && exit 0
if [ ! -f "$RUN/real-share" ]; then
  studies=""
  for share in $SHARES; do
    grep -qs '"done": true' "$RUN/study-real-$share/checkpoint/state.json" ||
      { echo "study-real-$share is not finished" >&2; exit 1; }
    studies="$studies study-real-$share"
  done
  read -r best best_cer < <(best_stage $studies)
  awk -v s="${best#study-real-}" 'BEGIN { print s / 100 }' > "$RUN/real-share"
  echo "real share: ${best#study-real-} % (validation mean CER $best_cer)" >&2
fi
REAL=$(cat "$RUN/real-share")
stage teacher finetune --from "$V2_TEACHER" --name teacher "${COMMON[@]}" --teacher-steps "$TEACHER" \
  --lr "$TEACHER_LR" --real "$REAL" --val-every 1000
stage distill-cnn-l2 distill --criterion cnn-l2 "${COMMON[@]}" --steps "$DISTILL" --real "$REAL" \
  --val-every 500
stage finetune-cnn-l2 finetune --from "$RUN/distill-cnn-l2/best.inkline" --name finetune-cnn-l2 \
  "${COMMON[@]}" --steps "$FINETUNE" --lr "$FINETUNE_LR" --real "$REAL" --val-every 500
stage finetune-app finetune --from "$RUN/finetune-cnn-l2/best.inkline" --name finetune-app \
  "${COMMON[@]}" --steps "$APP" --lr "$APP_LR" --real "$REAL" --val-every 500
[ -n "${ONLY:-}" ] && exit 0
echo "ship v3: every stage done in $RUN" >&2
