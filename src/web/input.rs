//! JS images to [`GrayImage`]: `ImageData`, or any object with `width`, `height` and RGBA
//! `data` (what a worker message or a test sends). Every problem is an error, never a panic.
//! The size is checked before any pixel is copied, and pixels are converted in blocks of rows,
//! so the module never holds a copy of the RGBA bytes.

use crate::image::{GrayImage, PixelFormat, check_pixel_bytes, check_size, push_rgba};
use crate::{InklineError, Result};
use wasm_bindgen::{JsCast, JsValue};

/// Pixels copied into the module per block (1 MiB).
const BLOCK_BYTES: u32 = 1 << 20;

/// Reads an RGBA image from `value`.
pub fn gray_image(value: &JsValue) -> Result<GrayImage> {
    if let Some(img) = value.dyn_ref::<web_sys::ImageData>() {
        let (width, height) = (img.width() as usize, img.height() as usize);
        check_size(width, height)?;
        // `img.data()` would copy every byte at once; read the same buffer in blocks instead.
        let data = js_sys::Reflect::get(value, &JsValue::from_str("data"))
            .map_err(|_| not_an_image(value))?;
        return from_typed(width, height, &data);
    }
    if !value.is_object() {
        return Err(not_an_image(value));
    }
    let width = dimension(value, "width")?;
    let height = dimension(value, "height")?;
    check_size(width, height)?;
    let data =
        js_sys::Reflect::get(value, &JsValue::from_str("data")).map_err(|_| not_an_image(value))?;
    from_typed(width, height, &data)
}

/// Converts the RGBA bytes of a `Uint8ClampedArray` or `Uint8Array` of a checked size.
fn from_typed(width: usize, height: usize, data: &JsValue) -> Result<GrayImage> {
    let array = if let Some(a) = data.dyn_ref::<js_sys::Uint8ClampedArray>() {
        js_sys::Uint8Array::new_with_byte_offset_and_length(
            &a.buffer(),
            a.byte_offset(),
            a.byte_length(),
        )
    } else if let Some(a) = data.dyn_ref::<js_sys::Uint8Array>() {
        a.clone()
    } else {
        return Err(InklineError::InvalidImage(
            "`data` must be a Uint8ClampedArray or Uint8Array of RGBA pixels".into(),
        ));
    };
    let len = array.length() as usize;
    check_pixel_bytes(width, height, len, PixelFormat::Rgba8)?;
    let mut gray = Vec::with_capacity(width * height);
    let mut block = vec![0u8; (BLOCK_BYTES as usize).min(len)];
    let mut at = 0u32;
    while (at as usize) < len {
        let end = (at + BLOCK_BYTES).min(len as u32);
        let buf = &mut block[..(end - at) as usize];
        array.subarray(at, end).copy_to(buf);
        push_rgba(&mut gray, buf);
        at = end;
    }
    Ok(GrayImage {
        width,
        height,
        data: gray,
    })
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
