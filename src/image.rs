//! Grayscale image buffer, conversion from RGBA / gray bytes, and resampling.

use crate::error::{InklineError, Result};

/// Largest accepted input side, in pixels (larger images are rejected, not silently shrunk).
pub const MAX_SIDE: usize = 8192;

/// Most pixels accepted in one image (16 Mpx: a 300-dpi A4 page is 8.7 Mpx, a 12-Mpx photo
/// fits). The work and memory of a call grow with it.
pub const MAX_PIXELS: usize = 1 << 24;

/// Fails unless `width x height` is a size the recognizer accepts: not empty, no side over
/// [`MAX_SIDE`], at most [`MAX_PIXELS`] pixels. The browser layer asks this before it copies
/// pixels.
pub fn check_size(width: usize, height: usize) -> Result<()> {
    if width == 0 || height == 0 {
        return Err(InklineError::InvalidImage(format!(
            "image is empty ({width}x{height})"
        )));
    }
    if width > MAX_SIDE || height > MAX_SIDE {
        return Err(InklineError::InvalidImage(format!(
            "image is {width}x{height}; the largest accepted side is {MAX_SIDE} pixels"
        )));
    }
    if width * height > MAX_PIXELS {
        return Err(InklineError::InvalidImage(format!(
            "image is {width}x{height} = {} pixels; at most {MAX_PIXELS} (4096x4096) are read per call (scale it down or crop it)",
            width * height
        )));
    }
    Ok(())
}

/// A single-channel image, row-major, values in `[0, 1]`.
#[derive(Debug, Clone, PartialEq)]
pub struct GrayImage {
    /// Width in pixels.
    pub width: usize,
    /// Height in pixels.
    pub height: usize,
    /// `width * height` values.
    pub data: Vec<f32>,
}

/// Pixel layout of raw input bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PixelFormat {
    /// One byte per pixel, 0 black .. 255 white.
    Gray8,
    /// Four bytes per pixel, red, green, blue, alpha (as in the browser's ImageData).
    Rgba8,
}

impl PixelFormat {
    fn bytes_per_pixel(self) -> usize {
        match self {
            PixelFormat::Gray8 => 1,
            PixelFormat::Rgba8 => 4,
        }
    }
}

impl GrayImage {
    /// A `width x height` image filled with `value`.
    pub fn filled(width: usize, height: usize, value: f32) -> Self {
        Self {
            width,
            height,
            data: vec![value; width * height],
        }
    }

    /// Converts raw bytes to luminance in `[0, 1]`; transparent pixels are composited on white.
    pub fn from_bytes(
        width: usize,
        height: usize,
        bytes: &[u8],
        format: PixelFormat,
    ) -> Result<Self> {
        check_size(width, height)?;
        check_pixel_bytes(width, height, bytes.len(), format)?;
        let mut data = Vec::with_capacity(width * height);
        match format {
            PixelFormat::Gray8 => data.extend(bytes.iter().map(|&b| f32::from(b) / 255.0)),
            PixelFormat::Rgba8 => push_rgba(&mut data, bytes),
        }
        Ok(Self {
            width,
            height,
            data,
        })
    }

    /// Value at `(x, y)`.
    pub fn get(&self, x: usize, y: usize) -> f32 {
        self.data[y * self.width + x]
    }

    /// The sub-image `[x0, x0 + w) x [y0, y0 + h)`, which must lie inside the image.
    pub fn crop(&self, x0: usize, y0: usize, w: usize, h: usize) -> Self {
        let mut data = Vec::with_capacity(w * h);
        for y in y0..y0 + h {
            data.extend_from_slice(&self.data[y * self.width + x0..y * self.width + x0 + w]);
        }
        Self {
            width: w,
            height: h,
            data,
        }
    }

    /// Resamples to `w x h`: area averaging when shrinking, linear interpolation when enlarging.
    pub fn resize(&self, w: usize, h: usize) -> Self {
        let wx = axis_weights(self.width, w);
        let wy = axis_weights(self.height, h);
        let mut rows = vec![0.0f32; w * self.height];
        for y in 0..self.height {
            let src = &self.data[y * self.width..(y + 1) * self.width];
            for (x, taps) in wx.iter().enumerate() {
                rows[y * w + x] = taps.iter().map(|&(i, k)| src[i] * k).sum();
            }
        }
        let mut data = vec![0.0f32; w * h];
        for (y, taps) in wy.iter().enumerate() {
            for &(i, k) in taps {
                let src = &rows[i * w..(i + 1) * w];
                for (d, s) in data[y * w..(y + 1) * w].iter_mut().zip(src) {
                    *d += s * k;
                }
            }
        }
        Self {
            width: w,
            height: h,
            data,
        }
    }
}

/// Fails unless `len` bytes are exactly the pixels of a `width x height` image in `format`.
pub(crate) fn check_pixel_bytes(
    width: usize,
    height: usize,
    len: usize,
    format: PixelFormat,
) -> Result<()> {
    let expected = width * height * format.bytes_per_pixel();
    if len != expected {
        return Err(InklineError::InvalidImage(format!(
            "pixel data has {len} bytes, but a {width}x{height} {format:?} image needs {expected}"
        )));
    }
    Ok(())
}

/// Appends the luminance in `[0, 1]` of RGBA pixels to `out`; transparent pixels are
/// composited on white. A trailing partial pixel is ignored.
pub fn push_rgba(out: &mut Vec<f32>, bytes: &[u8]) {
    out.extend(bytes.chunks_exact(4).map(|p| {
        let lum =
            (0.299 * f32::from(p[0]) + 0.587 * f32::from(p[1]) + 0.114 * f32::from(p[2])) / 255.0;
        let a = f32::from(p[3]) / 255.0;
        lum * a + (1.0 - a)
    }));
}

/// For each output index, the source indices and weights (summing to 1) that produce it.
fn axis_weights(src: usize, dst: usize) -> Vec<Vec<(usize, f32)>> {
    let scale = src as f64 / dst as f64;
    (0..dst)
        .map(|o| {
            if scale >= 1.0 {
                // Box filter over the source interval covered by this output pixel.
                let a = o as f64 * scale;
                let b = ((o + 1) as f64 * scale).min(src as f64);
                let mut taps = Vec::new();
                let mut i = a.floor() as usize;
                while (i as f64) < b && i < src {
                    let lo = a.max(i as f64);
                    let hi = b.min((i + 1) as f64);
                    if hi > lo {
                        taps.push((i, ((hi - lo) / (b - a)) as f32));
                    }
                    i += 1;
                }
                taps
            } else {
                let c = ((o as f64 + 0.5) * scale - 0.5).clamp(0.0, (src - 1) as f64);
                let i = c.floor() as usize;
                let f = (c - i as f64) as f32;
                if i + 1 < src && f > 0.0 {
                    vec![(i, 1.0 - f), (i + 1, f)]
                } else {
                    vec![(i, 1.0)]
                }
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rgba_alpha_composites_on_white_and_bad_lengths_fail() {
        let img =
            GrayImage::from_bytes(2, 1, &[0, 0, 0, 255, 0, 0, 0, 0], PixelFormat::Rgba8).unwrap();
        assert_eq!(img.data, vec![0.0, 1.0]);
        let err = GrayImage::from_bytes(2, 2, &[0; 15], PixelFormat::Rgba8).unwrap_err();
        assert!(err.to_string().contains("needs 16"), "{err}");
        assert!(GrayImage::from_bytes(0, 3, &[], PixelFormat::Gray8).is_err());
        assert!(
            GrayImage::from_bytes(MAX_SIDE + 1, 1, &vec![0; MAX_SIDE + 1], PixelFormat::Gray8)
                .is_err()
        );
        assert!(check_size(4096, 4096).is_ok());
        let err = check_size(4096, 4097).unwrap_err().to_string();
        assert!(err.contains("= 16781312 pixels; at most 16777216"), "{err}");
    }

    #[test]
    fn resize_preserves_mean_when_shrinking_and_constants_always() {
        let img = GrayImage {
            width: 4,
            height: 2,
            data: vec![0.0, 1.0, 0.0, 1.0, 1.0, 1.0, 0.0, 0.0],
        };
        let small = img.resize(2, 1);
        assert_eq!(small.data, vec![0.75, 0.25]);
        let flat = GrayImage::filled(3, 5, 0.4).resize(7, 11);
        assert!(flat.data.iter().all(|v| (v - 0.4).abs() < 1e-6));
        let odd = GrayImage::filled(10, 10, 0.2).resize(3, 7);
        assert!(odd.data.iter().all(|v| (v - 0.2).abs() < 1e-6));
    }
}
