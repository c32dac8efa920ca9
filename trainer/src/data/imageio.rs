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

/// Writes a gray image (values 0..1, 1 white) as an 8-bit PNG.
pub fn save_png(img: &GrayImage, path: &Path) -> Result<()> {
    let bytes: Vec<u8> = img
        .data
        .iter()
        .map(|&v| (v.clamp(0.0, 1.0) * 255.0).round() as u8)
        .collect();
    image::GrayImage::from_raw(img.width as u32, img.height as u32, bytes)
        .context("image buffer size")?
        .save(path)
        .with_context(|| format!("cannot write {}", path.display()))
}

/// Stacks images, each scaled to `row_h` pixels high (at most `max_w` wide), on a mid-gray sheet.
pub fn contact_sheet(images: &[&GrayImage], row_h: usize, max_w: usize) -> GrayImage {
    let gap = 6;
    let rows: Vec<GrayImage> = images
        .iter()
        .map(|img| {
            let w = ((img.width * row_h) as f32 / img.height as f32).round() as usize;
            img.resize(w.clamp(1, max_w), row_h)
        })
        .collect();
    let width = rows.iter().map(|r| r.width).max().unwrap_or(1) + 2 * gap;
    let height = rows.len() * (row_h + gap) + gap;
    let mut sheet = GrayImage::filled(width, height, 0.5);
    for (i, r) in rows.iter().enumerate() {
        let y0 = gap + i * (row_h + gap);
        for y in 0..r.height {
            let dst = (y0 + y) * width + gap;
            sheet.data[dst..dst + r.width].copy_from_slice(&r.data[y * r.width..(y + 1) * r.width]);
        }
    }
    sheet
}
