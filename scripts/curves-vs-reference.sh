#!/usr/bin/env bash
# Training with inkline's fast CPU kernels against burn's own ops (the reference they are tested
# against): the same short run twice, same seed, same data, and their curves side by side. The
# kernels sum in another order, so the runs are not bit-identical; their curves must agree
# within the noise of a run.
#   bash scripts/curves-vs-reference.sh   (FROM=models/inkline.inkline STEPS=500 OUT=target/curves)
# FROM: fine-tune that model with CTC (a run that learns from the first step; the default);
# FROM= (empty) with STAGE=scratch|teacher: a run from fresh weights (500 steps stay on CTC's
# plateau at the small preset, so it only compares the plateau).
set -euo pipefail
cd "$(dirname "$0")/.."
FROM=${FROM-models/inkline.inkline}
STAGE=${STAGE:-scratch}
[ -n "$FROM" ] && STAGE=finetune
PRESET=${PRESET:-small}
STEPS=${STEPS:-500}
OUT=${OUT:-target/curves}
cargo build --release -p trainer >&2
T=target/release/trainer
for ops in fast reference; do
  flag=()
  [ "$ops" = reference ] && flag=(--reference-ops)
  rm -rf "${OUT:?}/$ops"
  start=$(date +%s)
  what=("$STAGE")
  [ -n "$FROM" ] && what=(finetune --from "$FROM" --name finetune)
  RAYON_NUM_THREADS=1 $T --threads 1 "${what[@]}" --preset "$PRESET" --run "$OUT/$ops" --steps "$STEPS" \
    --teacher-steps "$STEPS" --seed 1 --val-every 100 --val-lines 50 --patience 1000000 --quiet \
    "${flag[@]}" >&2
  echo "$ops: $(( $(date +%s) - start )) s" >&2
done
python3 - "$OUT" "$STAGE" "$STEPS" <<'PY'
import csv, sys
out, stage, steps = sys.argv[1], sys.argv[2], int(sys.argv[3])
def read(ops):
    rows = list(csv.DictReader(open(f"{out}/{ops}/{stage}/metrics.csv")))
    return rows
fast, ref = read("fast"), read("reference")
keys = list(fast[0].keys())
loss_key, cer_key = keys[1], next(k for k in keys if "cer" in k)
def window(rows, lo, hi):
    xs = [float(r[loss_key]) for r in rows if lo < int(r[keys[0]]) <= hi and r[loss_key]]
    return sum(xs) / len(xs) if xs else float("nan")
print(f"{stage}, {steps} steps, seed 1: mean training loss per 100 steps, mean validation CER (50 lines per style)\n")
print("| steps | loss, fast kernels | loss, burn reference | difference | val CER fast | val CER reference |")
print("|---|---:|---:|---:|---:|---:|")
cer = lambda rows, s: next((r[cer_key] for r in rows if int(r[keys[0]]) == s and r[cer_key]), "")
for lo in range(0, steps, 100):
    a, b = window(fast, lo, lo + 100), window(ref, lo, lo + 100)
    fc, rc = cer(fast, lo + 100), cer(ref, lo + 100)
    fc = f"{float(fc):.2f}" if fc else "-"
    rc = f"{float(rc):.2f}" if rc else "-"
    print(f"| {lo + 1}-{lo + 100} | {a:.4f} | {b:.4f} | {100 * (a - b) / b:+.1f}% | {fc} | {rc} |")
PY
