#!/usr/bin/env bash
# The paper's full comparison on our data at the small preset (~2 h on 2 cores; resumable):
# the trained small teacher of ship v2 (runs/v2, height 48) is reused, then the scratch baseline, every distillation criterion
# (Softmax-CE T = 1, 2, 5, 10, IP-L2, LSTM-L2, CNN-MAH, CNN-L2) each with its CTC fine-tune, and
# VGG-TK v1-v3, all with the same steps, ending with runs/compare/report.md.
set -euo pipefail
cd "$(dirname "$0")/.."
TEACHER_RUN=${TEACHER_RUN:-runs/v2}
HEIGHT=${HEIGHT:-48}
RUN=${RUN:-runs/compare}
STEPS=${STEPS:-200}
if ! grep -q '"done": true' "$TEACHER_RUN/teacher/checkpoint/state.json" 2>/dev/null; then
  echo "finish the teacher first: bash scripts/train-v2.sh (or --restore models/v2-run)" >&2
  exit 1
fi
mkdir -p "$RUN"
[ -d "$RUN/teacher" ] || cp -r "$TEACHER_RUN/teacher" "$RUN/teacher"
cargo build --release -p trainer
target/release/trainer pipeline --preset small --height "$HEIGHT" --run "$RUN" --steps "$STEPS" \
  --val-every 100 --quiet
