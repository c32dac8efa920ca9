#!/usr/bin/env bash
# The peer benchmark: inkline against ONNX Runtime natively and against onnxruntime-web and
# tesseract.js in headless Chromium, one thread each, on the same lines, interleaved. Exports
# the model to ONNX (`trainer export`), checks that ONNX Runtime reads the same text, and prints
# a Markdown table, with the native network time split by stage beside ONNX Runtime's profile,
# and the CPU and vector path named. Installs its peers on first use: ONNX Runtime from PyPI into
# target/peer-venv, onnxruntime-web / tesseract.js (+ English data) from npm into target/peer.
#   bash scripts/bench-peer.sh    (MODEL=models/inkline.inkline STYLE=printed LINES=60 ROUNDS=5
#                                  NATIVE_ONLY=1 skips Chromium)
set -euo pipefail
cd "$(dirname "$0")/.."
MODEL=${MODEL:-models/inkline.inkline}
STYLE=${STYLE:-printed}
LINES=${LINES:-60}
ROUNDS=${ROUNDS:-5}
PEER=target/peer
if [ ! -x target/peer-venv/bin/python ]; then
  python3 -m venv target/peer-venv
  target/peer-venv/bin/pip install -q onnxruntime numpy onnx
fi
if [ ! -d "$PEER/node_modules/onnxruntime-web" ]; then
  mkdir -p "$PEER"
  echo '{ "private": true }' > "$PEER/package.json"
  (cd "$PEER" && npm install --no-audit --no-fund onnxruntime-web tesseract.js @tesseract.js-data/eng >&2)
fi
[ -d node_modules/playwright-core ] || npm ci --no-audit --no-fund >&2
cargo build --release -p trainer >&2
T=target/release/trainer
DATA=$PEER/data-$STYLE-$LINES
[ -f "$DATA/gt.tsv" ] || $T synth --style "$STYLE" --split test --count "$LINES" --seed 7 --out "$DATA" >&2
rm -rf "$PEER/inputs"
$T export --model "$MODEL" --onnx "$PEER/inkline.onnx" --inputs "$DATA" --inputs-out "$PEER/inputs" >&2
echo "native: ONNX Runtime vs trainer eval, $ROUNDS rounds..." >&2
target/peer-venv/bin/python scripts/bench_peer_ort.py "$PEER/inkline.onnx" "$PEER/inputs" "$T" "$MODEL" "$DATA" \
  --rounds "$ROUNDS" > "$PEER/native.json"
rm -f "$PEER/browser.json"
if [ -z "${NATIVE_ONLY:-}" ]; then
  echo "browser: inkline, onnxruntime-web, tesseract.js, $ROUNDS rounds..." >&2
  node scripts/bench-peer-browser.mjs "$PEER" "$DATA" --rounds "$ROUNDS" > "$PEER/browser.json"
fi
target/peer-venv/bin/python scripts/bench_peer_table.py "$PEER/native.json" "$PEER/browser.json" "$MODEL" "$STYLE"
