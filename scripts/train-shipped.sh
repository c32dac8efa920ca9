#!/usr/bin/env bash
# Trains the shipped model (long: hours on 2 cores; every stage checkpoints and resumes, so run
# it again after an interruption): the small VGG-DBLSTM teacher with CTC, the DarkNet-DBLSTM
# student distilled with CNN-MAH (the paper's best criterion) from it, then fine-tuned with CTC.
# The result is copied to models/inkline.inkline; rebuild pkg/ with scripts/build-pkg.sh.
set -euo pipefail
cd "$(dirname "$0")/.."
RUN=${RUN:-runs/small}
STEPS=${STEPS:-2500}
cargo build --release -p trainer
T=target/release/trainer
$T teacher --preset small --run "$RUN" --quiet
$T distill --criterion cnn-mah --preset small --run "$RUN" --steps "$STEPS" --quiet
$T finetune --from "$RUN/distill-cnn-mah/best.inkline" --name finetune-cnn-mah --preset small \
  --run "$RUN" --steps "$STEPS" --quiet
cp "$RUN/finetune-cnn-mah/best.inkline" models/inkline.inkline
echo "shipped model: models/inkline.inkline (from $RUN/finetune-cnn-mah)"
