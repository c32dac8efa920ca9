//! The WebAssembly module: what the JavaScript package (`pkg/inkline.js`) calls.
//!
//! One crate, two builds: the CPU build (burn-flex with simd128) and the WebGPU build
//! (burn-wgpu on the browser's WebGPU). The JS layer picks a build, falls back from WebGPU to
//! the CPU build, converts canvases and blobs to `ImageData`, and restarts an instance that
//! trapped. Here: model loading with checksum, image checks, recognition and its JS result.

mod engine;
mod input;

use wasm_bindgen::prelude::*;

#[cfg(feature = "webgpu")]
unsafe extern "C" {
    /// Static constructors of the wasm module (cubecl registers kernels with `inventory`).
    fn __wasm_call_ctors();
}

/// Runs once when the module is instantiated: installs the panic hook that logs a Rust panic
/// to the console, and runs the static constructors once, so that the linker does not re-run
/// them on every call from JavaScript (that made WebGPU inference ~40x slower).
#[wasm_bindgen(start)]
pub fn start() {
    console_error_panic_hook::set_once();
    #[cfg(feature = "webgpu")]
    // SAFETY: called once at start-up, before any other export runs, as `inventory` documents.
    unsafe {
        __wasm_call_ctors();
    }
}

/// Turns a library error into a JS `Error` with its message and a machine-readable `kind`
/// (`model`, `image`, `argument`, `backend`, `io`; see `ErrorKind`).
fn js_error(e: crate::InklineError) -> JsValue {
    error_of_kind(e.kind(), &e.to_string())
}

/// A JS `Error` with `message` and `kind`.
fn error_of_kind(kind: crate::ErrorKind, message: &str) -> JsValue {
    let err = js_sys::Error::new(message);
    // Setting a property on a fresh Error object cannot fail.
    let _ = js_sys::Reflect::set(&err, &"kind".into(), &kind.name().into());
    err.into()
}

/// Throws the recognizer's own `image` error unless `width x height` is an accepted size:
/// the JS layer asks before it draws a canvas or an `<img>` to read its pixels.
#[wasm_bindgen(js_name = checkSize)]
pub fn check_size(width: f64, height: f64) -> Result<(), JsValue> {
    let side = |v: f64| {
        if v >= 0.0 && v.is_finite() {
            v as usize
        } else {
            0
        }
    };
    crate::check_size(side(width), side(height)).map_err(js_error)
}

/// The limits the module enforces: `{ maxSide, maxPixels, maxLines, maxBeam }` (the largest
/// accepted image side and pixel count, the most text lines read per call, the widest beam
/// search).
#[wasm_bindgen]
pub fn limits() -> JsValue {
    let obj = js_sys::Object::new();
    for (key, value) in [
        ("maxSide", crate::MAX_SIDE),
        ("maxPixels", crate::MAX_PIXELS),
        ("maxLines", crate::MAX_LINES),
        ("maxBeam", crate::MAX_BEAM),
    ] {
        // Setting a property on a fresh plain object cannot fail.
        let _ = js_sys::Reflect::set(&obj, &key.into(), &(value as u32).into());
    }
    obj.into()
}
