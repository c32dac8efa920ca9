//! JS images to [`GrayImage`]: `ImageData`, or any object with `width`, `height` and RGBA
//! `data` (what a worker message or a test sends). Every problem is an error, never a panic.

use crate::image::{GrayImage, PixelFormat};
use crate::{InklineError, Result};
use wasm_bindgen::{JsCast, JsValue};

/// Reads an RGBA image from `value`.
pub fn gray_image(value: &JsValue) -> Result<GrayImage> {
    if let Some(img) = value.dyn_ref::<web_sys::ImageData>() {
        let data = img.data();
        return GrayImage::from_bytes(
            img.width() as usize,
            img.height() as usize,
            &data,
            PixelFormat::Rgba8,
        );
    }
    if !value.is_object() {
        return Err(not_an_image(value));
    }
    let width = dimension(value, "width")?;
    let height = dimension(value, "height")?;
    let data =
        js_sys::Reflect::get(value, &JsValue::from_str("data")).map_err(|_| not_an_image(value))?;
    let bytes = if let Some(a) = data.dyn_ref::<js_sys::Uint8ClampedArray>() {
        a.to_vec()
    } else if let Some(a) = data.dyn_ref::<js_sys::Uint8Array>() {
        a.to_vec()
    } else {
        return Err(InklineError::InvalidImage(
            "`data` must be a Uint8ClampedArray or Uint8Array of RGBA pixels".into(),
        ));
    };
    GrayImage::from_bytes(width, height, &bytes, PixelFormat::Rgba8)
}

fn dimension(value: &JsValue, key: &str) -> Result<usize> {
    let v = js_sys::Reflect::get(value, &JsValue::from_str(key))
        .ok()
        .and_then(|v| v.as_f64())
        .ok_or_else(|| not_an_image(value))?;
    if !(v >= 0.0 && v.fract() == 0.0 && v <= u32::MAX as f64) {
        return Err(InklineError::InvalidImage(format!(
            "`{key}` must be a whole number of pixels, got {v}"
        )));
    }
    Ok(v as usize)
}

fn not_an_image(value: &JsValue) -> InklineError {
    let kind = value.js_typeof().as_string().unwrap_or_default();
    InklineError::InvalidImage(format!(
        "expected ImageData (or {{ width, height, data }} with RGBA bytes), got {}",
        if value.is_null() { "null".into() } else { kind }
    ))
}
