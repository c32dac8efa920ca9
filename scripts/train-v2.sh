#!/usr/bin/env bash
# Ship v2's long teacher run: the small VGG-DBLSTM teacher from scratch with CTC on the writers
# data, at the geometry the study picked, for a length fixed up front (STEPS optimizer steps of
# 16 lines; the learning rate warms up, then steps down at 60% and 85% of it). Resumable: run it
# again after any interruption and it goes on from its last checkpoint (every 2 minutes);
# early stopping is off (the schedule decides the length). One thread at low priority, so the
# machine's other core stays free.
#   bash scripts/train-v2.sh              (RUN=runs/v2 STEPS=31250 HEIGHT=48 NORM=ink-box)
#   bash scripts/train-v2.sh --save DIR   copy the run's checkpoint and models to DIR (to keep
#                                         them across machines), and --restore DIR back
set -euo pipefail
cd "$(dirname "$0")/.."
RUN=${RUN:-runs/v2}
STEPS=${STEPS:-31250}
HEIGHT=${HEIGHT:-48}
NORM=${NORM:-ink-box}
STAGE=$RUN/teacher
case "${1:-}" in
  --save)
    mkdir -p "$2"
    cp "$STAGE/checkpoint/"* "$STAGE/metrics.csv" "$STAGE/run.json" "$2/"
    [ -f "$STAGE/best.inkline" ] && cp "$STAGE/best.inkline" "$2/"
    exit 0
    ;;
  --restore)
    mkdir -p "$STAGE/checkpoint"
    for f in model.bpk optim.bpk state.json; do cp "$2/$f" "$STAGE/checkpoint/"; done
    cp "$2/metrics.csv" "$2/run.json" "$STAGE/"
    [ -f "$2/best.inkline" ] && cp "$2/best.inkline" "$STAGE/"
    exit 0
    ;;
esac
mkdir -p "$RUN"
# A private copy of the trainer, so rebuilding the working tree never changes a running run.
if [ ! -x "$RUN/trainer" ]; then
  cargo build --release -p trainer >&2
  cp target/release/trainer "$RUN/trainer"
fi
exec nice -n 5 "$RUN/trainer" teacher --preset small --run "$RUN" --threads 1 \
  --teacher-steps "$STEPS" --height "$HEIGHT" --norm "$NORM" --val-every 500 --patience 1000000 --quiet
