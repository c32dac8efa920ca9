#!/usr/bin/env bash
# The accuracy table of the shipped models and the peer: writes the held-out test sets (test-split
# font families, the same lines as `trainer pipeline`'s report: seed 7, 200 lines per style) as
# image folders with gt.tsv, then reads each with `trainer eval` for every model given and with
# Tesseract 5 (`--psm 7`), and prints a Markdown table of CER / WER in percent.
#   bash scripts/results.sh [MODEL...]   (default: models/teacher-small.inkline models/inkline.inkline)
set -euo pipefail
cd "$(dirname "$0")/.."
DATA=${DATA:-runs/testsets}
COUNT=${COUNT:-200}
SEED=${SEED:-7}
STYLES="printed handwriting whiteboard strokes"
if [ $# -eq 0 ]; then
  set -- models/teacher-small.inkline models/inkline.inkline
fi
cargo build --release -p trainer >&2
T=target/release/trainer
NSTYLES=$(echo $STYLES | wc -w)
for style in $STYLES; do
  # Regenerated when missing or made with another seed or count (`.made` records them).
  if [ "$(cat "$DATA/$style/.made" 2>/dev/null)" != "$SEED $COUNT" ]; then
    rm -rf "${DATA:?}/$style"
    $T synth --style "$style" --split test --count "$COUNT" --seed "$SEED" --out "$DATA/$style" >&2
    echo "$SEED $COUNT" > "$DATA/$style/.made"
  fi
done
# One table row: the reader's name, then the eval arguments that select it.
row() {
  local name=$1
  shift
  local cells="" ms=0
  for style in $STYLES; do
    local out
    out=$($T eval "$@" --data "$DATA/$style")
    cells+=$(echo "$out" | awk '{gsub("%",""); printf " %s / %s |", $2, $4}')
    ms=$(echo "$out" | awk -v acc="$ms" '{print acc + $8}')
  done
  echo "| $name |$cells $(awk -v m="$ms" -v n="$NSTYLES" 'BEGIN{printf "%.1f", m / n}') |"
}
echo "Test sets: $COUNT lines per style from held-out font families (\`trainer synth --split test --seed $SEED\`); CER / WER in percent, best-path decoding."
echo
echo "| Reader | printed | handwriting | whiteboard | strokes | ms/line |"
echo "|---|---:|---:|---:|---:|---:|"
for model in "$@"; do
  row "$(basename "$model")" --model "$model"
done
row "Tesseract $(tesseract --version 2>&1 | head -1 | cut -d' ' -f2) (--psm 7)" --tesseract
