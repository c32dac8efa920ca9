#!/usr/bin/env bash
# Sets up a fresh machine and runs every check and test of the project.
set -euo pipefail
cd "$(dirname "$0")/.."
# Each stage prints the minutes since the start, and the end (pass or fail) prints every
# stage's length, so the tail of a CI log shows where its time went.
STAGES=()
stage() {
  STAGES+=("$SECONDS $*")
  echo "== [$((SECONDS / 60)) min] $*"
}
summary() {
  local rc=$? i start next
  echo "== stage times (exit $rc)"
  for ((i = 0; i < ${#STAGES[@]}; i++)); do
    start=${STAGES[i]%% *}
    next=$SECONDS
    ((i + 1 < ${#STAGES[@]})) && next=${STAGES[i + 1]%% *}
    printf '%5d s  %s\n' $((next - start)) "${STAGES[i]#* }"
  done
}
trap summary EXIT
stage "setup (apt, npm, wasm-bindgen-cli)"
bash scripts/setup.sh

stage "format"
cargo fmt --all -- --check
stage "clippy (native with the trainer's cuda feature, and the wasm CPU build)"
# One native pass lints and type-checks the cuda code too (a separate `cargo check --features
# cuda` re-checked burn with other features: ~7 min of a cold 2-core machine). DOCS_RS=1 skips
# the LLVM download of the CUDA compiler crate.
DOCS_RS=1 cargo clippy --workspace --all-targets --features trainer/cuda -- -D warnings
cargo clippy --lib --target wasm32-unknown-unknown --no-default-features --features flex -- -D warnings
stage "tests"
cargo test --workspace --release

stage "the committed browser package was built from these sources"
# The input hashes recorded at its build, and every copied file byte for byte. (Rebuilding both
# wasm builds from scratch to compare bytes, `build-pkg.sh --force`, takes ~15 min of a cold
# 2-core machine: it is run when the package is rebuilt, not in every CI run.)
bash scripts/build-pkg.sh --check
stage "browser tests (headless Chromium: CPU and WebGPU through SwiftShader)"
node --test --test-reporter=spec --test-concurrency=1 tests/browser/
stage "done"
