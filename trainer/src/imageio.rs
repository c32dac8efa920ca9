//! Reading and writing image files as [`GrayImage`]s.

use anyhow::{Context, Result};
use inkline::{GrayImage, PixelFormat};
use std::path::Path;

/// Loads any PNG or JPEG file as RGBA and converts it like the browser does.
pub fn load(path: &Path) -> Result<GrayImage> {
    let img = image::open(path)
        .with_context(|| format!("cannot read image {}", path.display()))?
        .into_rgba8();
    let (w, h) = img.dimensions();
    Ok(GrayImage::from_bytes(
        w as usize,
        h as usize,
        img.as_raw(),
        PixelFormat::Rgba8,
    )?)
}
