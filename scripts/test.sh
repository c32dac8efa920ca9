#!/usr/bin/env bash
# Sets up a fresh machine and runs every check and test of the project.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh

echo "== format"
cargo fmt --all -- --check
echo "== clippy (native, and the wasm CPU build)"
cargo clippy --workspace --all-targets -- -D warnings
cargo clippy --lib --target wasm32-unknown-unknown --no-default-features --features flex -- -D warnings
echo "== cuda feature type-checks (DOCS_RS=1 skips the LLVM download of the CUDA compiler crate)"
DOCS_RS=1 cargo check -p trainer --features cuda
echo "== tests"
cargo test --workspace --release

echo "== the committed browser package was built from these sources"
bash scripts/build-pkg.sh --check
echo "== rebuild the browser package from scratch"
bash scripts/build-pkg.sh --force
# The build is reproducible (paths remapped): the rebuilt bytes must equal the committed ones.
if ! git diff --quiet -- pkg; then
  echo "the rebuilt pkg/ differs from the committed one:" >&2
  git diff --stat -- pkg >&2
  exit 1
fi
echo "pkg/ rebuilt byte for byte"
echo "== browser tests (headless Chromium: CPU and WebGPU through SwiftShader)"
node --test --test-reporter=spec --test-concurrency=1 tests/browser/
