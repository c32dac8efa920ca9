#!/usr/bin/env bash
# The v7 run (#23): narrow writing read wider. Real validation lines denser than 2.5 strokes per
# body of written width (88 of 1015 pad-ink lines) read at 30-55 % CER against 15 % for 1.5-2.5
# (`trainer eval --model models/inkline.inkline --data runs/realval/strokes --by-density`):
# narrow hands leave about two frames a letter. Ship v5's student is trained on with CTC with
# every line denser than WIDTH_DENSITY stretched to it (at most 2x) in training and validation,
# and the models it writes read the same way (the model file's `width_density`). Same data,
# real share and validation sets as v5, so its metrics.csv compares step for step with
# runs/v5/longer's.
#   width   ship v5's student, STEPS steps at LR (stepping down)
#   settle  width's best, SETTLE steps at SETTLE_LR (as v4's app stage settled its fine-tune)
# Planned length on one thread here: ~1 h + ~40 min. Ship only if it beats ship v5 on the real writers'
# table and the synthetic test styles. Resumable (checkpoints every 2 minutes).
#   bash scripts/train-v7.sh   (RUN=runs/v7 STEPS=6000 LR=5e-5 SETTLE=4000 SETTLE_LR=2e-5
#                               WIDTH_DENSITY=2.5 THREADS=1
#                               FROM=runs/v5/longer/best.inkline UNIPEN=../shared/data/unipen)
#   bash scripts/train-v7.sh --save DIR | --restore DIR   (models/v7-run)
set -euo pipefail
cd "$(dirname "$0")/.."
RUN=${RUN:-runs/v7}
STEPS=${STEPS:-6000}
LR=${LR:-5e-5}
SETTLE=${SETTLE:-4000}
SETTLE_LR=${SETTLE_LR:-2e-5}
WIDTH_DENSITY=${WIDTH_DENSITY:-2.5}
FROM=${FROM:-runs/v5/longer/best.inkline}
UNIPEN=${UNIPEN:-../shared/data/unipen}
STAGES="width settle"
# shellcheck source=lib/run-stages.sh
. scripts/lib/run-stages.sh
run_store "$@"
need_real_ink
need_file "$FROM" "bash scripts/train-v5.sh --restore models/v5-run first"
build_private_trainer
REAL=$(cat models/v3-run/real-share)
COMMON=(--preset small --run "$RUN" --threads "${THREADS:-1}" --height 48 --norm ink-box
  --patience 1000000 --quiet --unipen "$UNIPEN" --real "$REAL" --val-every 500
  --width-density "$WIDTH_DENSITY")
stage width finetune --from "$FROM" --name width "${COMMON[@]}" --steps "$STEPS" --lr "$LR"
stage settle finetune --from "$RUN/width/best.inkline" --name settle "${COMMON[@]}" \
  --steps "$SETTLE" --lr "$SETTLE_LR"
echo "v7: done in $RUN" >&2
