#!/usr/bin/env bash
# Sets up a fresh machine and runs the main job: for now the seed's complexity tables for the
# paper-sized teacher, student and Tucker models, measured on one CPU thread.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
cargo run --release -p trainer -- --threads 1 complexity --preset paper
