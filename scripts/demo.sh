#!/usr/bin/env bash
# Sets up a fresh machine and runs the main job: the inkline notes PWA on the shipped model,
# served on localhost (the committed pkg/ is used as is; rebuilt only if its sources changed).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
bash scripts/build-pkg.sh --check || bash scripts/build-pkg.sh
exec node scripts/serve.mjs "${PORT:-8080}"
