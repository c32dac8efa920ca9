#!/usr/bin/env bash
# How well the per-word confidences (LineResult.words) point at misread words: real validation
# writers' pad ink drawn as the notes app draws it for reading (its pen capped at 0.16 bodies),
# read as the app reads (the shipped LM, beam 16) by `trainer recognize --json`; on the lines
# whose word count matches the truth, per threshold: the share of misread words underlined
# (recall), of underlined words misread (precision), and of correct words underlined. The app
# underlines below 0.6 (www/app.js UNSURE).
#   bash scripts/bench-word-confidence.sh   (COUNT=400 UNIPEN=../shared/data/unipen)
set -euo pipefail
cd "$(dirname "$0")/.."
COUNT=${COUNT:-400}
cargo build --release -q -p trainer
T=target/release/trainer
DIR=$(mktemp -d)
trap 'rm -rf "$DIR"' EXIT
$T synth --real --style strokes --split val --count "$COUNT" --seed 3 --pen-cap 0.16 \
  ${UNIPEN:+--unipen "$UNIPEN"} --out "$DIR/lines" > /dev/null
cut -f1 "$DIR/lines/gt.tsv" | sed "s|^|$DIR/lines/|" > "$DIR/files"
xargs -a "$DIR/files" $T recognize --model models/inkline.inkline --lm models/inkline.lm --json \
  > "$DIR/read.jsonl"
python3 - "$DIR/lines/gt.tsv" "$DIR/read.jsonl" <<'PY'
import json, sys
truth = [l.rstrip('\n').split('\t')[1] for l in open(sys.argv[1], encoding='utf-8')]
read = [json.loads(l) for l in open(sys.argv[2], encoding='utf-8')]
pairs, used = [], 0
for text, r in zip(truth, read):
    words = [w for line in r['lines'] for w in line['words']]
    ref = text.split()
    if len(words) != len(ref):
        continue
    used += 1
    pairs += [(w['text'] != t, w['confidence']) for w, t in zip(words, ref)]
wrong = sum(1 for w, _ in pairs if w)
print(f'{used} of {len(truth)} lines (word counts match), {len(pairs)} words, {wrong} misread')
print('| underlined below | misread words underlined % | underlined words misread % | correct words underlined % |')
print('|---:|---:|---:|---:|')
for th in (0.3, 0.4, 0.5, 0.6, 0.7):
    tp = sum(1 for w, c in pairs if w and c < th)
    fp = sum(1 for w, c in pairs if not w and c < th)
    print(f'| {th} | {100 * tp / max(1, wrong):.1f} | {100 * tp / max(1, tp + fp):.1f} | '
          f'{100 * fp / max(1, len(pairs) - wrong):.1f} |')
PY
