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
for style in $STYLES; do
  if [ ! -f "$DATA/$style/gt.tsv" ] || [ "$(wc -l < "$DATA/$style/gt.tsv")" -ne "$COUNT" ]; then
    rm -rf "${DATA:?}/$style" "$DATA/rows"
    $T synth --style "$style" --split test --count "$COUNT" --seed "$SEED" --out "$DATA/$style" >&2
  fi
done
# One table row: the reader's name, a cache key, then the eval arguments that select it. Rows are
# kept in $DATA/rows/ by key (a model's SHA-256) until the test sets change.
row() {
  local name=$1 key=$2
  shift 2
  mkdir -p "$DATA/rows"
  if [ -f "$DATA/rows/$key" ]; then
    echo "| $name |$(cat "$DATA/rows/$key")"
    return
  fi
  local cells="" ms=0
  for style in $STYLES; do
    local out
    out=$($T eval "$@" --data "$DATA/$style")
    cells+=$(echo "$out" | awk '{gsub("%",""); printf " %s / %s |", $2, $4}')
    ms=$(echo "$out" | awk -v acc="$ms" '{print acc + $8}')
  done
  echo "$cells $(awk -v m="$ms" 'BEGIN{printf "%.1f", m / 4}') |" > "$DATA/rows/$key"
  echo "| $name |$(cat "$DATA/rows/$key")"
}
echo "Test sets: $COUNT lines per style from held-out font families (\`trainer synth --split test --seed $SEED\`); CER / WER in percent, best-path decoding."
echo
echo "| Reader | printed | handwriting | whiteboard | strokes | ms/line |"
echo "|---|---:|---:|---:|---:|---:|"
for model in "$@"; do
  row "$(basename "$model")" "$(sha256sum "$model" | cut -c1-16)" --model "$model"
done
row "Tesseract $(tesseract --version 2>&1 | head -1 | cut -d' ' -f2) (--psm 7)" tesseract --tesseract
