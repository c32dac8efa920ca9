#!/usr/bin/env bash
# Ship v2's training, every stage in order, each for a length fixed up front: the small
# VGG-DBLSTM teacher from scratch with CTC on the writers data at the geometry the study picked
# (STEPS optimizer steps of 16 lines; the learning rate warms up, then steps down at 60% and 85%
# of a stage), then the DarkNet-DBLSTM student distilled from it with CNN-L2 (the comparison's
# best criterion; DISTILL steps), fine-tuned with CTC (FINETUNE steps) twice: with the teacher's
# style mix, and with a mix that leans on the styles where the distilled student trails its
# teacher most on validation (finetune-cnn-l2-hard: HARD_MIX); and a from-scratch student for the
# same DISTILL + FINETUNE steps as the baseline. scripts/ship.sh picks the student by validation.
# Then distill-cnn-l2-more goes on distilling the distilled student for DISTILL_MORE steps from
# MORE_LR (its first schedule ended while validation was still falling), on other lines (data
# seed 2) and validated on the same lines as every other stage.
# The fine-tunes start at FINETUNE_LR (1e-4, the rate distillation ended at): at the stages'
# 1e-3 they undid the distillation (validation mean CER 14.7 -> 18.9 after 500 steps). Resumable: run it again after
# any interruption and it goes on from the last checkpoint (every 2 minutes); finished stages
# are skipped; early stopping is off. One thread at low priority, so the other core stays free.
#   bash scripts/train-v2.sh   (RUN=runs/v2 STEPS=31250 DISTILL=10000 FINETUNE=5000 HEIGHT=48 NORM=ink-box
#                               THREADS=1)
#   ONLY=scratch bash scripts/train-v2.sh  one stage alone (e.g. the scratch student on the other
#                                         core beside the chain; each stage holds a lock, so the
#                                         chain waits for it instead of running it twice at once)
#   bash scripts/train-v2.sh --save DIR   copy every stage's checkpoint and models to DIR (to
#                                         keep them across machines), and --restore DIR back
set -euo pipefail
cd "$(dirname "$0")/.."
RUN=${RUN:-runs/v2}
STEPS=${STEPS:-31250}
DISTILL=${DISTILL:-10000}
FINETUNE=${FINETUNE:-5000}
FINETUNE_LR=${FINETUNE_LR:-1e-4}
DISTILL_MORE=${DISTILL_MORE:-12000}
MORE_LR=${MORE_LR:-3e-4}
HEIGHT=${HEIGHT:-48}
NORM=${NORM:-ink-box}
STAGES="teacher distill-cnn-l2 finetune-cnn-l2 finetune-cnn-l2-hard scratch distill-cnn-l2-more"
HARD_MIX=${HARD_MIX:-printed=0.5,handwriting=2,whiteboard=1.75,strokes=1}
# shellcheck source=lib/run-stages.sh
. scripts/lib/run-stages.sh
run_store "$@"
build_private_trainer
COMMON=(--preset small --run "$RUN" --threads "${THREADS:-1}" --height "$HEIGHT" --norm "$NORM" --val-every 500
  --patience 1000000 --quiet --no-unipen)
ONLY=${ONLY:-}
stage teacher teacher "${COMMON[@]}" --teacher-steps "$STEPS"
stage distill-cnn-l2 distill --criterion cnn-l2 "${COMMON[@]}" --steps "$DISTILL"
stage finetune-cnn-l2 finetune --from "$RUN/distill-cnn-l2/best.inkline" --name finetune-cnn-l2 \
  "${COMMON[@]}" --steps "$FINETUNE" --lr "$FINETUNE_LR"
stage finetune-cnn-l2-hard finetune --from "$RUN/distill-cnn-l2/best.inkline" \
  --name finetune-cnn-l2-hard "${COMMON[@]}" --steps "$FINETUNE" --lr "$FINETUNE_LR" --mix "$HARD_MIX"
stage scratch scratch "${COMMON[@]}" --steps $((DISTILL + FINETUNE))
stage distill-cnn-l2-more distill --criterion cnn-l2 --from "$RUN/distill-cnn-l2/best.inkline" \
  --name distill-cnn-l2-more "${COMMON[@]}" --steps "$DISTILL_MORE" --lr "$MORE_LR" \
  --seed 2 --val-seed 1001
[ -n "$ONLY" ] && exit 0
echo "ship v2: every stage done in $RUN" >&2
