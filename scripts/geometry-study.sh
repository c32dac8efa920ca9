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
# Test sets of results.sh's shape (held-out families, seed 7, 200 lines per style), made by this
# study's trainer copy, so they match the data the variants trained on.
DATA=${DATA:-$RUN/testsets}
for style in $STYLES; do
  if [ ! -f "$DATA/$style/gt.tsv" ]; then
    $T synth --style "$style" --split test --count 200 --seed 7 --out "$DATA/$style" >&2
  fi
done
{
  echo "Geometry study: small VGG-DBLSTM teacher, $STEPS CTC steps of 16 lines of at most $MAX_CHARS characters per variant ($THREADS thread(s))."
  echo
  echo "Validation mean CER (%) by step (the choice is made on these):"
  echo
  node - "$RUN" $VARIANTS <<'JS'
const fs = require('node:fs');
const [run, ...variants] = process.argv.slice(2);
const rows = variants.map((v) => {
  const name = v.split(':')[0];
  const csv = fs.readFileSync(`${run}/${name}/teacher/metrics.csv`, 'utf8').trim().split('\n');
  const head = csv[0].split(',');
  const [si, ci] = [head.indexOf('step'), head.indexOf('val_mean_cer')];
  const at = new Map(csv.slice(1).map((l) => l.split(',')).filter((c) => c[ci]).map((c) => [+c[si], +c[ci]]));
  return { name, at };
});
const steps = [...new Set(rows.flatMap((r) => [...r.at.keys()]))].sort((a, b) => a - b).filter((s) => s >= 1000);
console.log(`| variant | ${steps.join(' | ')} |`);
console.log(`|---|${steps.map(() => '---:|').join('')}`);
for (const r of rows) console.log(`| ${r.name} | ${steps.map((s) => (r.at.has(s) ? r.at.get(s).toFixed(1) : '-')).join(' | ')} |`);
JS
  echo
  echo "Test CER (%) of each variant's best model (held-out families; reported, not chosen on), ms/line (1 thread):"
  echo
  echo "| variant | printed | handwriting | whiteboard | strokes | ms/line |"
  echo "|---|---:|---:|---:|---:|---:|"
  for v in $VARIANTS; do
    IFS=: read -r name _ <<<"$v"
    cells="" ms=0
    for style in $STYLES; do
      out=$(RAYON_NUM_THREADS=1 $T eval --json --model "$RUN/$name/teacher/best.inkline" --data "$DATA/$style")
      cells+=" $(node -e 'const d = JSON.parse(process.argv[1]); process.stdout.write(d.cer.toFixed(2))' "$out") |"
      ms=$(node -e 'const d = JSON.parse(process.argv[1]); process.stdout.write(String(+process.argv[2] + d.ms_per_line / 4))' "$out" "$ms")
    done
    echo "| $name |$cells $(node -e 'process.stdout.write((+process.argv[1]).toFixed(1))' "$ms") |"
  done
} | tee "$RUN/report.md"
