#!/usr/bin/env bash
# The v6 run (#23): a better teacher, since ship v4's student reads real writers within 0.3-0.8
# points of its teacher (the teacher is the ceiling) and the v3 teacher's real-ink validation
# CER was still falling when its run ended (real pad ink 17.43 -> 17.17 over its last 3000
# steps). Stages:
#   teacher        the v3 teacher trained on with CTC for TEACHER steps at TEACHER_LR (stepping
#                  down), real share as v3, half the real pad ink drawn as the app draws it
#   distill-wide   ship v5's student (1.5x wide) distilled on from the new teacher with CNN-L2
#                  (the new teacher's DBLSTM + IP copied in and frozen) for DISTILL steps
#   finetune-wide  CTC fine-tune, FINETUNE steps at FINETUNE_LR
#   app-wide       CTC, APP steps at APP_LR
# Every stage validates on the seven sets of the v3-v5 runs (comparable step for step with
# their metrics.csv). Planned length on one thread here: teacher ~4-5.5 h, distillation ~1.3 h,
# the two fine-tunes ~0.8 h each: ~7-8.5 h. Ship only if the student beats ship v5 on the real
# writers' table and on the synthetic test styles (scripts/ship.sh with
# TEACHER=runs/v6/teacher/best.inkline).
# Resumable (checkpoints every 2 minutes; run it again after any interruption).
#   bash scripts/train-v6.sh   (RUN=runs/v6 TEACHER=16000 TEACHER_LR=1e-4 DISTILL=5000
#                               FINETUNE=5000 APP=4000 THREADS=1 UNIPEN=../shared/data/unipen)
#   bash scripts/train-v6.sh --save DIR | --restore DIR   (models/v6-run)
set -euo pipefail
cd "$(dirname "$0")/.."
RUN=${RUN:-runs/v6}
TEACHER=${TEACHER:-16000}
TEACHER_LR=${TEACHER_LR:-1e-4}
DISTILL=${DISTILL:-5000}
FINETUNE=${FINETUNE:-5000}
FINETUNE_LR=${FINETUNE_LR:-1e-4}
APP=${APP:-4000}
APP_LR=${APP_LR:-5e-5}
UNIPEN=${UNIPEN:-../shared/data/unipen}
FROM_TEACHER=${FROM_TEACHER:-models/v3-run/teacher/best.inkline}
FROM_STUDENT=${FROM_STUDENT:-runs/v5/longer/best.inkline}
STAGES="teacher distill-wide finetune-wide app-wide"
# shellcheck source=lib/run-stages.sh
. scripts/lib/run-stages.sh
run_store "$@"
need_real_ink
need_file "$FROM_STUDENT" "bash scripts/train-v5.sh --restore models/v5-run first"
build_private_trainer
REAL=$(cat models/v3-run/real-share)
COMMON=(--preset small --run "$RUN" --threads "${THREADS:-1}" --height 48 --norm ink-box
  --patience 1000000 --quiet --unipen "$UNIPEN" --real "$REAL")
stage teacher finetune --from "$FROM_TEACHER" --name teacher "${COMMON[@]}" \
  --teacher-steps "$TEACHER" --lr "$TEACHER_LR" --val-every 1000
stage distill-wide distill --criterion cnn-l2 --teacher "$RUN/teacher/best.inkline" \
  --from "$FROM_STUDENT" --student-width 1.5 --name distill-wide "${COMMON[@]}" --steps "$DISTILL" --val-every 500
stage finetune-wide finetune --from "$RUN/distill-wide/best.inkline" --name finetune-wide \
  "${COMMON[@]}" --steps "$FINETUNE" --lr "$FINETUNE_LR" --val-every 500
stage app-wide finetune --from "$RUN/finetune-wide/best.inkline" --name app-wide \
  "${COMMON[@]}" --steps "$APP" --lr "$APP_LR" --val-every 500
[ -n "${ONLY:-}" ] && exit 0
echo "v6: every stage done in $RUN" >&2
