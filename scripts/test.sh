#!/usr/bin/env bash
# Sets up a fresh machine and runs every check and test of the project.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh

echo "== format"
cargo fmt --all -- --check
echo "== clippy"
cargo clippy --workspace --all-targets -- -D warnings
echo "== cuda feature type-checks (DOCS_RS=1 skips the LLVM download of the CUDA compiler crate)"
DOCS_RS=1 cargo check -p trainer --features cuda
echo "== tests"
cargo test --workspace --release
