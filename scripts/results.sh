#!/usr/bin/env bash
# The accuracy table of the shipped models and the peer: writes the held-out test sets (test-split
# font families and test-split text; seed 7, 200 lines per style) as image folders with gt.tsv
# and families.tsv, then reads each with `trainer eval --json --by-family` for every model given,
# the last one also with the character LM (LM=models/inkline.lm; its stored fusion weights,
# beam 16; LM= skips it), and with Tesseract 5 (`--psm 7`), and prints Markdown tables: CER / WER
# in percent per style, then CER per family of handwriting, whiteboard and pen strokes (worst
# first for the last model's best path).
#   bash scripts/results.sh [MODEL...]   (default: models/teacher-small.inkline models/inkline.inkline)
set -euo pipefail
cd "$(dirname "$0")/.."
DATA=${DATA:-runs/testsets}
COUNT=${COUNT:-200}
SEED=${SEED:-7}
STYLES="printed handwriting whiteboard strokes"
LM=${LM-models/inkline.lm}
if [ $# -eq 0 ]; then
  set -- models/teacher-small.inkline models/inkline.inkline
fi
cargo build --release -p trainer >&2
T=target/release/trainer
# What a test set depends on: seed, count, the fonts manifest and the generator's sources.
MADE="$SEED $COUNT $(cat trainer/assets/fonts.tsv trainer/src/data/*.rs | sha256sum | cut -c1-16)"
for style in $STYLES; do
  if [ "$(cat "$DATA/$style/.made" 2>/dev/null)" != "$MADE" ]; then
    rm -rf "${DATA:?}/$style"
    $T synth --style "$style" --split test --count "$COUNT" --seed "$SEED" --out "$DATA/$style" >&2
    echo "$MADE" > "$DATA/$style/.made"
  fi
done
OUT=$(mktemp -d)
trap 'rm -rf "$OUT"' EXIT
# eval NAME ARGS...: one JSON result per style in $OUT/NAME.STYLE.json.
n=0
names=()
readers=("$@")
last=$((${#readers[@]} - 1))
[ -n "$LM" ] && readers+=("${readers[$last]}+lm")
for model in "${readers[@]}" tesseract; do
  name="r$n"
  n=$((n + 1))
  for style in $STYLES; do
    case "$model" in
      tesseract) args=(--tesseract) ;;
      *+lm) args=(--model "${model%+lm}" --lm "$LM") ;;
      *) args=(--model "$model") ;;
    esac
    $T eval --json --by-family "${args[@]}" --data "$DATA/$style" > "$OUT/$name.$style.json"
  done
  case "$model" in
    tesseract) names+=("Tesseract $(tesseract --version 2>&1 | head -1 | cut -d' ' -f2) (--psm 7)") ;;
    *+lm) names+=("$(basename "${model%+lm}") + $(basename "$LM")") ;;
    *) names+=("$(basename "$model")") ;;
  esac
done
node - "$OUT" "$STYLES" "$last" "${names[@]}" <<'JS'
const [dir, styles, lastArg, ...names] = process.argv.slice(2);
const fs = require('node:fs');
const read = (i, s) => JSON.parse(fs.readFileSync(`${dir}/r${i}.${s}.json`, 'utf8'));
const st = styles.split(' ');
console.log('Test sets: held-out font families and text (`trainer synth --split test --seed 7`); CER / WER in percent, best-path decoding unless the row names the LM (prefix beam 16 + LM).\n');
console.log(`| Reader | ${st.join(' | ')} | ms/line |`);
console.log(`|---|${st.map(() => '---:|').join('')}---:|`);
names.forEach((name, i) => {
  const cells = st.map((s) => { const r = read(i, s); return `${r.cer.toFixed(2)} / ${r.wer.toFixed(2)}`; });
  const ms = st.reduce((a, s) => a + read(i, s).ms_per_line, 0) / st.length;
  console.log(`| ${name} | ${cells.join(' | ')} | ${ms.toFixed(1)} |`);
});
for (const s of ['handwriting', 'whiteboard', 'strokes']) {
  const last = Number(lastArg); // the last model's best path
  const fams = read(last, s).families.map((f) => f.family);
  console.log(`\nCER per ${s} family (test split; worst first for ${names[last]}):\n`);
  console.log(`| family | lines | ${names.join(' | ')} |`);
  console.log(`|---|---:|${names.map(() => '---:|').join('')}`);
  for (const fam of fams) {
    const cells = names.map((_, i) => {
      const f = read(i, s).families.find((x) => x.family === fam);
      return f ? f.cer.toFixed(1) : '-';
    });
    const lines = read(last, s).families.find((x) => x.family === fam).lines;
    console.log(`| ${fam} | ${lines} | ${cells.join(' | ')} |`);
  }
}
JS
