#!/usr/bin/env bash
# The long fine-tune (#23): ship v4's student (runs/v4/app-wide's best, the v3 teacher's head
# frozen in it as in every student) trained on with CTC for STEPS more steps at LR stepping
# down, as app-wide was (half real writers' ink in the pen styles, half the real pad ink drawn
# with the app's pen), validated on the run's seven sets every 500 steps. The stretch study's
# two 2000-step fine-tunes (models/stretch-study) read real pad ink about 0.4 better than ship
# v4 whatever their stretch: this measures how much more steps give.
#   bash scripts/train-v5.sh   (RUN=runs/v5 STEPS=12000 LR=3e-5 THREADS=1
#                               FROM=runs/v4/app-wide/best.inkline UNIPEN=../shared/data/unipen)
#   bash scripts/train-v5.sh --save DIR | --restore DIR   (models/v5-run)
set -euo pipefail
cd "$(dirname "$0")/.."
RUN=${RUN:-runs/v5}
STEPS=${STEPS:-12000}
LR=${LR:-3e-5}
FROM=${FROM:-runs/v4/app-wide/best.inkline}
UNIPEN=${UNIPEN:-../shared/data/unipen}
STAGES="longer"
# shellcheck source=lib/run-stages.sh
. scripts/lib/run-stages.sh
run_store "$@"
need_real_ink
need_file "$FROM" "bash scripts/train-v4.sh --restore models/v4-run first"
build_private_trainer
REAL=$(cat models/v3-run/real-share)
stage longer finetune --from "$FROM" --name longer --preset small --run "$RUN" \
  --threads "${THREADS:-1}" --height 48 --norm ink-box --patience 1000000 --quiet \
  --unipen "$UNIPEN" --real "$REAL" --val-every 500 --steps "$STEPS" --lr "$LR"
echo "v5: done in $RUN" >&2
