#!/usr/bin/env bash
# Installs what inkline needs on a fresh Debian machine with rustup: system packages and the
# wasm target. Idempotent: skips what is already there.
set -euo pipefail
cd "$(dirname "$0")/.."

# Fonts and text for synthesized training data (../shared/fonts.md), never the reserved ones.
APT_PACKAGES=(
  pkg-config
  fonts-dejavu fonts-liberation2 fonts-noto-core fonts-roboto fonts-roboto-slab
  fonts-open-sans fonts-lato fonts-crosextra-carlito fonts-crosextra-caladea fonts-ebgaramond
  fonts-linuxlibertine fonts-sil-gentiumplus fonts-sil-charis fonts-sil-andika
  fonts-cantarell fonts-firacode fonts-hack fonts-inconsolata fonts-paratype
  fonts-breip fonts-bwht fonts-humor-sans fonts-comic-neue fonts-dancingscript fonts-kaushanscript
  fonts-sjfonts fonts-rufscript fonts-tomsontalks fonts-tlwg-purisa-ttf fonts-linex fonts-dustin
  hershey-fonts-data wordnet-base wamerican-large
  # Real prose for the text of synthesized lines (never the reserved fortune databases).
  debian-handbook python3.11-doc debian-reference-en
  # Browser package and its tests: wasm-opt, headless Chromium (WebGPU through SwiftShader).
  binaryen chromium
  # The peer OCR engine of the accuracy table.
  tesseract-ocr tesseract-ocr-eng
)

missing=()
for p in "${APT_PACKAGES[@]}"; do
  dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p")
done
command -v node >/dev/null || missing+=(nodejs)
command -v npm >/dev/null || missing+=(npm)
if [ ${#missing[@]} -gt 0 ]; then
  echo "setup: installing ${missing[*]}"
  SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO=sudo
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${missing[@]}"
fi

# npm packages: handwriting and printed fonts (@fontsource/*, @expo-google-fonts/*) and playwright-core (drives
# the system Chromium; never downloads a browser), pinned by package-lock.json.
if [ ! -d node_modules/playwright-core ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  npm ci --no-audit --no-fund --ignore-scripts --loglevel=error
fi

# rust-toolchain.toml pins the compiler; make sure the wasm target and lints are present.
rustup show active-toolchain >/dev/null
rustup target add wasm32-unknown-unknown >/dev/null
rustup component add rustfmt clippy >/dev/null

# The pinned wasm-bindgen-cli (must equal the wasm-bindgen crate in Cargo.lock).
WASM_BINDGEN_VERSION=$(sed -n 's/^WASM_BINDGEN_VERSION=//p' scripts/build-pkg.sh)
if [ "$(wasm-bindgen --version 2>/dev/null | cut -d' ' -f2)" != "$WASM_BINDGEN_VERSION" ]; then
  cargo install wasm-bindgen-cli --version "$WASM_BINDGEN_VERSION"
fi
