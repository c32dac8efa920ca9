#!/usr/bin/env bash
# Builds pkg/, the browser package: the CPU build (burn-flex, wasm simd128) and the WebGPU build
# (burn-wgpu) of the root crate, each through the pinned wasm-bindgen-cli (--target web) and
# wasm-opt when Debian's binaryen is installed, the JS API from src/js/, the shipped model and
# its manifest (`trainer info`), and pkg/BUILD.json with a hash of the wasm inputs and one of
# the JS and model inputs (CI fails when either is stale). The wasm builds are redone only when
# their inputs changed, so a JS-only edit copies JS.
#
#   scripts/build-pkg.sh            build what is stale in pkg/
#   scripts/build-pkg.sh --force    rebuild everything (the bytes equal the committed ones: the
#                                   build is reproducible; ~15 min cold, so CI only checks)
#   scripts/build-pkg.sh --check    exit 1 if pkg/ was built from other inputs than these, or
#                                   a copied file (JS API, model, LM) differs from its source
set -euo pipefail
cd "$(dirname "$0")/.."

WASM_BINDGEN_VERSION=0.2.130
MODEL=models/inkline.inkline
LM=models/inkline.lm

# hash FILES...: one SHA-256 over the named tracked (or new, unignored) files.
hash_of() {
  git ls-files -co --exclude-standard -- "$@" | LC_ALL=C sort | while read -r f; do
    [ -f "$f" ] && printf '%s %s\n' "$(sha256sum < "$f" | cut -d' ' -f1)" "$f"
  done | sha256sum | cut -d' ' -f1
}
# The wasm builds' inputs: the crate's Rust sources and build settings (not src/js).
wasm_hash() { hash_of Cargo.toml Cargo.lock rust-toolchain.toml 'src/*.rs' scripts/build-pkg.sh; }
# What is copied: the JS API, the model, and how its manifest is written.
js_hash() { hash_of src/js "$MODEL" "$LM" trainer/src/cli/info.rs scripts/build-pkg.sh; }
recorded() { sed -n "s/.*\"$1\": *\"\([0-9a-f]*\)\".*/\1/p" pkg/BUILD.json 2>/dev/null || true; }

if [ "${1:-}" = "--check" ]; then
  stale=0
  for part in wasm js; do
    want=$(${part}_hash)
    have=$(recorded "${part}_inputs_sha256")
    if [ "$want" != "$have" ]; then
      echo "pkg/ is stale: its $part part was built from inputs ${have:-?}, the tree has $want; run scripts/build-pkg.sh" >&2
      stale=1
    fi
  done
  # What is copied must be what the tree has, byte for byte (a hand edit of pkg/ shows here).
  for f in src/js/*; do
    cmp -s "$f" "pkg/$(basename "$f")" || { echo "pkg/$(basename "$f") differs from $f" >&2; stale=1; }
  done
  cmp -s "$MODEL" pkg/inkline.inkline || { echo "pkg/inkline.inkline differs from $MODEL" >&2; stale=1; }
  cmp -s "$LM" pkg/inkline.lm || { echo "pkg/inkline.lm differs from $LM" >&2; stale=1; }
  [ $stale -eq 0 ] && echo "pkg/ is up to date (wasm inputs $(wasm_hash), js inputs $(js_hash))"
  exit $stale
fi
FORCE=0
[ "${1:-}" = "--force" ] && FORCE=1

if [ "$(wasm-bindgen --version 2>/dev/null | cut -d' ' -f2)" != "$WASM_BINDGEN_VERSION" ]; then
  echo "build-pkg: wasm-bindgen-cli $WASM_BINDGEN_VERSION is needed (bash scripts/setup.sh installs it)" >&2
  exit 1
fi

# Reproducible bytes: no machine paths in panic locations.
REMAP="--remap-path-prefix=$HOME/.cargo/registry/src=/cargo --remap-path-prefix=$PWD=/inkline"
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT

# build NAME FEATURES OPT_LEVEL: one wasm build into $TMP/NAME. OPT_LEVEL is 3 (speed, the CPU
# build) or z (size, the WebGPU build: its time is on the GPU).
build() {
  local name=$1 features=$2 opt=$3 level=$3
  [ "$opt" = z ] && level='"z"'
  echo "build-pkg: $name build (features $features)"
  RUSTFLAGS="-C target-feature=+simd128 $REMAP" cargo build --lib --target wasm32-unknown-unknown \
    --profile wasm --no-default-features --features "$features" \
    --config "profile.wasm.opt-level=$level" --target-dir target/wasm-$name
  local wasm="target/wasm-$name/wasm32-unknown-unknown/wasm/inkline.wasm"
  mkdir -p "$TMP/opt-$name"
  if command -v wasm-opt >/dev/null; then
    # Before wasm-bindgen: Debian's binaryen breaks the externref table wasm-bindgen adds.
    wasm-opt "-O$opt" --enable-simd --enable-bulk-memory --enable-nontrapping-float-to-int \
      --enable-sign-ext --enable-mutable-globals --enable-reference-types --enable-multivalue \
      "$wasm" -o "$TMP/opt-$name/inkline.wasm"
  else
    cp "$wasm" "$TMP/opt-$name/inkline.wasm"
  fi
  wasm-bindgen --target web --no-typescript --remove-name-section --remove-producers-section \
    --out-dir "$TMP/$name" "$TMP/opt-$name/inkline.wasm"
  release_hook "$TMP/$name/inkline.js"
}

# release_hook GLUE: the JS API runs each wasm instance in its own copy of wasm-bindgen's glue
# (which keeps its instance in module scope; a module is never unloaded) and retires instances
# that a huge image grew (src/js/inkline.js). This adds `__inkline_release()` to the glue: it lets
# go of the instance and its cached memory views, so the browser can take the memory back, and
# makes every later call into that copy (a finalizer of an engine already freed) do nothing.
release_hook() {
  local glue=$1 views
  grep -q '^let wasmModule, wasmInstance, wasm;$' "$glue" ||
    { echo "build-pkg: $glue does not keep its instance where release_hook expects" >&2; exit 1; }
  # The cached memory views, and the init promise (it resolves to the instance's exports).
  views=$(sed -n -e 's/^let \(cached[A-Za-z0-9]*\) = null;$/    \1 = null;/p' \
    -e 's/^let \(__wbg_init_promise\);$/    \1 = undefined;/p' "$glue")
  cat >> "$glue" <<JS

/** inkline: lets go of this copy's wasm instance (see scripts/build-pkg.sh); later calls do nothing. */
export function __inkline_release() {
    wasm = new Proxy({}, { get: () => () => 0 });
    wasmInstance = undefined;
    wasmModule = undefined;
$views
}
JS
}

mkdir -p pkg
if [ $FORCE -eq 1 ] || [ "$(wasm_hash)" != "$(recorded wasm_inputs_sha256)" ] \
    || [ ! -d pkg/cpu ] || [ ! -d pkg/webgpu ]; then
  build cpu flex 3
  build webgpu webgpu z
  rm -rf pkg/cpu pkg/webgpu
  cp -r "$TMP/cpu" "$TMP/webgpu" pkg/
else
  echo "build-pkg: the wasm builds are up to date; copying JS and the model"
fi
find pkg -maxdepth 1 -type f -delete
cp src/js/* pkg/
cp "$MODEL" pkg/inkline.inkline
cp "$LM" pkg/inkline.lm
cargo run --release -q -p trainer -- info pkg/inkline.inkline > pkg/model.json
cat > pkg/BUILD.json <<JSON
{
  "wasm_inputs_sha256": "$(wasm_hash)",
  "js_inputs_sha256": "$(js_hash)",
  "rustc": "$(rustc --version)",
  "wasm_bindgen": "$WASM_BINDGEN_VERSION",
  "wasm_opt": "$(wasm-opt --version 2>/dev/null || echo none)"
}
JSON
ls -l pkg pkg/cpu pkg/webgpu
