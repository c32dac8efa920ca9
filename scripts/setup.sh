#!/usr/bin/env bash
# Installs what inkline needs on a fresh Debian machine with rustup: system packages and the
# wasm target. Idempotent: skips what is already there.
set -euo pipefail
cd "$(dirname "$0")/.."

APT_PACKAGES=(pkg-config)

missing=()
for p in "${APT_PACKAGES[@]}"; do
  dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "setup: installing ${missing[*]}"
  SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO=sudo
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${missing[@]}"
fi

# rust-toolchain.toml pins the compiler; make sure the wasm target and lints are present.
rustup show active-toolchain >/dev/null
rustup target add wasm32-unknown-unknown >/dev/null
rustup component add rustfmt clippy >/dev/null
