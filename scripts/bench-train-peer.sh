#!/usr/bin/env bash
# The training step of inkline (burn, `trainer bench-train`) beside PyTorch's on the same model,
# batch, width and thread count, interleaved on this machine; prints a Markdown table of median
# ms per step and the ratio. PyTorch (pip, CPU build of the PyPI wheel) goes into a virtual
# environment under target/ the first time (a large download).
#   bash scripts/bench-train-peer.sh        (THREADS=1 2, WIDTHS=600, ROUNDS=3, STEPS=8)
set -euo pipefail
cd "$(dirname "$0")/.."
THREADS=${THREADS:-"1 2"}
WIDTHS=${WIDTHS:-600}
ROUNDS=${ROUNDS:-3}
STEPS=${STEPS:-8}
ARCHS=${ARCHS:-"vgg darknet"}
TORCH_VERSION=${TORCH_VERSION:-2.9.0}
VENV=target/torch-venv
if ! "$VENV/bin/python" -c "import torch" 2>/dev/null; then
  python3 -m venv "$VENV"
  "$VENV/bin/pip" install -q "torch==$TORCH_VERSION"
fi
cargo build --release -p trainer >&2
T=target/release/trainer
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
field() { node -e 'const o = JSON.parse(require("fs").readFileSync(0, "utf8").trim().split("\n").pop()); console.log(o[process.argv[1]])' "$1"; }
echo "| model | width | threads | inkline ms/step | PyTorch $TORCH_VERSION ms/step | inkline / PyTorch |"
echo "|---|---:|---:|---:|---:|---:|"
for arch in $ARCHS; do
  for width in $WIDTHS; do
    $T bench-train --arch "$arch" --width "$width" --print-model 2>/dev/null > "$TMP/model.json"
    for threads in $THREADS; do
      ours=() theirs=()
      for _ in $(seq "$ROUNDS"); do
        ours+=("$($T bench-train --arch "$arch" --width "$width" --threads "$threads" --steps "$STEPS" --json 2>/dev/null | field ms_per_step)")
        theirs+=("$(OMP_NUM_THREADS=$threads "$VENV/bin/python" scripts/bench_train_torch.py "$TMP/model.json" --threads "$threads" --steps "$STEPS" | field ms_per_step)")
      done
      node -e '
        const med = (a) => { const s = a.map(Number).sort((x, y) => x - y); return s[Math.floor(s.length / 2)]; };
        const [arch, width, threads, ours, theirs] = process.argv.slice(1);
        const o = med(ours.split(" ")), t = med(theirs.split(" "));
        console.log(`| small ${arch} | ${width} | ${threads} | ${o.toFixed(0)} | ${t.toFixed(0)} | ${(o / t).toFixed(2)} |`);
      ' "$arch" "$width" "$threads" "${ours[*]}" "${theirs[*]}"
    done
  done
done
