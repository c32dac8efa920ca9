#!/usr/bin/env bash
# The geometry study of ship v2 (pixels per letter): the small VGG-DBLSTM teacher trained from
# scratch with CTC at one fixed budget under each input geometry, then a table of validation
# CER per style (what the choice is made on) and test CER per style with ms per line.
#   bash scripts/geometry-study.sh            (resumable: a finished variant is skipped)
# Variants: NAME:HEIGHT:STRIDE:NORM. STEPS (default 2500) is the budget of every variant, on
# lines of at most MAX_CHARS (default 40) characters, which leave CTC's all-blank plateau
# sooner than long lines and cost less per step; THREADS (default 1) the threads of each run
# (two one-thread runs use this machine best).
set -euo pipefail
cd "$(dirname "$0")/.."
RUN=${RUN:-runs/geometry}
STEPS=${STEPS:-2500}
MAX_CHARS=${MAX_CHARS:-40}
THREADS=${THREADS:-1}
VARIANTS=${VARIANTS:-"h32-s4-ink:32:4:ink-box h32-s4-body:32:4:body h48-s4-ink:48:4:ink-box h32-s2-ink:32:2:ink-box"}
STYLES="printed handwriting whiteboard strokes"
mkdir -p "$RUN"
# A private copy of the trainer, so rebuilding the working tree never changes a running study.
if [ ! -x "$RUN/trainer" ]; then
  cargo build --release -p trainer >&2
  cp target/release/trainer "$RUN/trainer"
fi
T=$RUN/trainer
for v in $VARIANTS; do
  IFS=: read -r name height stride norm <<<"$v"
  RAYON_NUM_THREADS=$THREADS $T teacher --preset small --run "$RUN/$name" --teacher-steps "$STEPS" \
    --height "$height" --stride "$stride" --norm "$norm" --max-chars "$MAX_CHARS" --val-every 250 --quiet
done
# Test sets of results.sh (held-out families, seed 7, 200 lines per style).
DATA=${DATA:-runs/testsets}
for style in $STYLES; do
  if [ "$(cat "$DATA/$style/.made" 2>/dev/null)" != "7 200" ]; then
    rm -rf "${DATA:?}/$style"
    $T synth --style "$style" --split test --count 200 --seed 7 --out "$DATA/$style" >&2
    echo "7 200" > "$DATA/$style/.made"
  fi
done
{
  echo "Geometry study: small VGG-DBLSTM teacher, $STEPS CTC steps of 16 lines of at most $MAX_CHARS characters per variant ($THREADS thread(s))."
  echo "Validation: best mean CER over the validation families (choice made on these); test: held-out families, CER %."
  echo
  echo "| variant | best val mean CER (step) | test printed | test handwriting | test whiteboard | test strokes | ms/line (test mean, 1 thread) |"
  echo "|---|---:|---:|---:|---:|---:|---:|"
  for v in $VARIANTS; do
    IFS=: read -r name _ <<<"$v"
    best=$(python3 -c "import json;s=json.load(open('$RUN/$name/teacher/checkpoint/state.json'));print('%.2f (%d)'%(s['best_cer'],s['best_step']))")
    cells="" ms=0
    for style in $STYLES; do
      out=$(RAYON_NUM_THREADS=1 $T eval --model "$RUN/$name/teacher/best.inkline" --data "$DATA/$style")
      cells+=$(echo "$out" | awk '{gsub("%",""); printf " %s |", $2}')
      ms=$(echo "$out" | awk -v acc="$ms" '{print acc + $8}')
    done
    echo "| $name | $best |$cells $(awk -v m="$ms" 'BEGIN{printf "%.1f", m / 4}') |"
  done
} | tee "$RUN/report.md"
