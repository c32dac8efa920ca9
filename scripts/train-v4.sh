#!/usr/bin/env bash
# The wide-student study (#23): the v3 student trails its teacher by 1.5-1.9 points on real
# writers and by 2.5 on synthetic handwriting, with the teacher's head copied in and frozen, so
# the student's CNN is the suspect. v4 distills a DarkNet student whose convolutions are
# WIDTH times as wide (every one but the first; `trainer distill --student-width`) from the v3
# teacher with the v3 recipe, at v3's real share:
#   distill-wide   CNN-L2 distillation, the teacher's DBLSTM + IP frozen (DISTILL steps)
#   finetune-wide  CTC fine-tune (FINETUNE steps at FINETUNE_LR, 1e-4 stepping down)
#   app-wide       CTC at APP_LR for APP steps (half the real pad ink drawn as the app draws it,
#                  as in every stage since v3's finetune-app)
# Every stage validates on the same seven sets as the v3 run (its metrics.csv is comparable
# step for step with runs/v3/distill-cnn-l2 and finetune-cnn-l2).
# Resumable (checkpoints every 2 minutes; run it again after any interruption); one thread at
# low priority.
#   bash scripts/train-v4.sh   (RUN=runs/v4 WIDTH=1.5 DISTILL=10000 FINETUNE=5000 APP=4000
#                               THREADS=1 UNIPEN=../shared/data/unipen)
#   bash scripts/train-v4.sh --save DIR | --restore DIR   (models/v4-run)
set -euo pipefail
cd "$(dirname "$0")/.."
RUN=${RUN:-runs/v4}
WIDTH=${WIDTH:-1.5}
DISTILL=${DISTILL:-10000}
FINETUNE=${FINETUNE:-5000}
FINETUNE_LR=${FINETUNE_LR:-1e-4}
APP=${APP:-4000}
APP_LR=${APP_LR:-5e-5}
UNIPEN=${UNIPEN:-../shared/data/unipen}
TEACHER=${TEACHER:-models/v3-run/teacher/best.inkline}
STAGES="distill-wide finetune-wide app-wide"
# shellcheck source=lib/run-stages.sh
. scripts/lib/run-stages.sh
run_store "$@"
need_real_ink
build_private_trainer
REAL=$(cat models/v3-run/real-share)
COMMON=(--preset small --run "$RUN" --threads "${THREADS:-1}" --height 48 --norm ink-box
  --patience 1000000 --quiet --unipen "$UNIPEN" --real "$REAL" --val-every 500)
stage distill-wide distill --criterion cnn-l2 --teacher "$TEACHER" --student-width "$WIDTH" \
  --name distill-wide "${COMMON[@]}" --steps "$DISTILL"
stage finetune-wide finetune --from "$RUN/distill-wide/best.inkline" --name finetune-wide \
  "${COMMON[@]}" --steps "$FINETUNE" --lr "$FINETUNE_LR"
stage app-wide finetune --from "$RUN/finetune-wide/best.inkline" --name app-wide \
  "${COMMON[@]}" --steps "$APP" --lr "$APP_LR"
[ -n "${ONLY:-}" ] && exit 0
echo "v4: every stage done in $RUN" >&2
