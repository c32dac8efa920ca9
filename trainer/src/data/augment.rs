//! Image degradations applied after rendering: paper and board backgrounds, illumination,
//! warps, blur, noise, JPEG, ghosting and polarity inversion. Images are luminance, 1 = white.

use inkline::GrayImage;
use rand::Rng;

/// A smooth random field in `[-1, 1]` (bilinear interpolation of a coarse random grid).
pub fn smooth_field(w: usize, h: usize, cell: f32, rng: &mut impl Rng) -> Vec<f32> {
    let gw = (w as f32 / cell).ceil() as usize + 2;
    let gh = (h as f32 / cell).ceil() as usize + 2;
    let grid: Vec<f32> = (0..gw * gh).map(|_| rng.random_range(-1.0..1.0)).collect();
    let mut out = Vec::with_capacity(w * h);
    for y in 0..h {
        let fy = y as f32 / cell;
        let (y0, ty) = (fy as usize, fy.fract());
        for x in 0..w {
            let fx = x as f32 / cell;
            let (x0, tx) = (fx as usize, fx.fract());
            let g = |xx: usize, yy: usize| grid[yy * gw + xx];
            let top = g(x0, y0) * (1.0 - tx) + g(x0 + 1, y0) * tx;
            let bot = g(x0, y0 + 1) * (1.0 - tx) + g(x0 + 1, y0 + 1) * tx;
            out.push(top * (1.0 - ty) + bot * ty);
        }
    }
    out
}

/// Samples `img` at `(x, y)` bilinearly, 0 outside.
pub fn sample(img: &GrayImage, x: f32, y: f32) -> f32 {
    if x < 0.0 || y < 0.0 {
        return 0.0;
    }
    let (x0, y0) = (x as usize, y as usize);
    if x0 + 1 >= img.width || y0 + 1 >= img.height {
        return 0.0;
    }
    let (tx, ty) = (x.fract(), y.fract());
    let a = img.get(x0, y0) * (1.0 - tx) + img.get(x0 + 1, y0) * tx;
    let b = img.get(x0, y0 + 1) * (1.0 - tx) + img.get(x0 + 1, y0 + 1) * tx;
    a * (1.0 - ty) + b * ty
}

/// Warps an ink mask in one resampling pass: a smooth elastic displacement of up to `amp`
/// pixels, and a keystone whose vertical scale changes linearly along the line by `keystone`.
pub fn warp(mask: &GrayImage, amp: f32, cell: f32, keystone: f32, rng: &mut impl Rng) -> GrayImage {
    let (w, h) = (mask.width, mask.height);
    let dx = smooth_field(w, h, cell, rng);
    let dy = smooth_field(w, h, cell, rng);
    let cy = h as f32 / 2.0;
    let mut out = GrayImage::filled(w, h, 0.0);
    for x in 0..w {
        let s = 1.0 / (1.0 + keystone * (x as f32 / w as f32 - 0.5));
        for y in 0..h {
            let i = y * w + x;
            out.data[i] = sample(
                mask,
                x as f32 + amp * dx[i],
                cy + (y as f32 - cy) * s + amp * dy[i],
            );
        }
    }
    out
}

/// Separable box blur of radius `r` pixels (repeated twice, close to Gaussian).
pub fn blur(img: &mut GrayImage, r: usize) {
    if r == 0 {
        return;
    }
    for _ in 0..2 {
        let (w, h) = (img.width, img.height);
        let mut tmp = img.data.clone();
        for y in 0..h {
            let row = &img.data[y * w..(y + 1) * w];
            for x in 0..w {
                let (a, b) = (x.saturating_sub(r), (x + r + 1).min(w));
                tmp[y * w + x] = row[a..b].iter().sum::<f32>() / (b - a) as f32;
            }
        }
        for x in 0..w {
            for y in 0..h {
                let (a, b) = (y.saturating_sub(r), (y + r + 1).min(h));
                img.data[y * w + x] =
                    (a..b).map(|yy| tmp[yy * w + x]).sum::<f32>() / (b - a) as f32;
            }
        }
    }
}

/// Background and ink of a composition.
pub struct Surface {
    /// Mean paper / board luminance.
    pub paper: f32,
    /// Ink luminance.
    pub ink: f32,
    /// Amplitude of the low-frequency background texture.
    pub texture: f32,
    /// Illumination gradient strength (0 = even light).
    pub gradient: f32,
    /// Faint ruled lines every this many pixels (0 = none).
    pub ruling: usize,
}

/// Paints ink coverage `mask` on a textured background; returns luminance.
pub fn compose(mask: &GrayImage, s: &Surface, rng: &mut impl Rng) -> GrayImage {
    let (w, h) = (mask.width, mask.height);
    let tex = smooth_field(w, h, rng.random_range(8.0..40.0), rng);
    let (gx, gy) = (
        rng.random_range(-1.0..1.0f32),
        rng.random_range(-1.0..1.0f32),
    );
    let ruling_offset = if s.ruling > 0 {
        rng.random_range(0..s.ruling)
    } else {
        0
    };
    let mut out = GrayImage::filled(w, h, 0.0);
    for y in 0..h {
        for x in 0..w {
            let i = y * w + x;
            let mut bg = s.paper + s.texture * tex[i];
            if s.ruling > 0 && (y + ruling_offset) % s.ruling == 0 {
                bg -= 0.12;
            }
            let light = 1.0
                + s.gradient
                    * (gx * (x as f32 / w as f32 - 0.5) + gy * (y as f32 / h as f32 - 0.5));
            let a = mask.data[i];
            out.data[i] = ((bg * (1.0 - a) + s.ink * a) * light).clamp(0.0, 1.0);
        }
    }
    out
}

/// Adds Gaussian noise of standard deviation `sd`.
pub fn noise(img: &mut GrayImage, sd: f32, rng: &mut impl Rng) {
    if sd <= 0.0 {
        return;
    }
    // Sum of three uniforms (Irwin-Hall): close to Gaussian, far cheaper per pixel.
    let k = sd * 2.0;
    for v in &mut img.data {
        let r: [f32; 3] = rng.random();
        *v = (*v + k * (r[0] + r[1] + r[2] - 1.5)).clamp(0.0, 1.0);
    }
}

/// Round-trips the image through JPEG at `quality`.
pub fn jpeg(img: &GrayImage, quality: u8) -> GrayImage {
    let bytes: Vec<u8> = img
        .data
        .iter()
        .map(|&v| (v * 255.0).round() as u8)
        .collect();
    let mut buf = Vec::new();
    let enc = image::codecs::jpeg::JpegEncoder::new_with_quality(&mut buf, quality);
    if image::ImageEncoder::write_image(
        enc,
        &bytes,
        img.width as u32,
        img.height as u32,
        image::ExtendedColorType::L8,
    )
    .is_err()
    {
        return img.clone();
    }
    match image::load_from_memory(&buf) {
        Ok(d) => GrayImage {
            width: img.width,
            height: img.height,
            data: d
                .into_luma8()
                .into_raw()
                .iter()
                .map(|&b| f32::from(b) / 255.0)
                .collect(),
        },
        Err(_) => img.clone(),
    }
}

/// Adds a faint, blurred, shifted copy of `mask` (the ghost of erased writing).
pub fn ghost(mask: &GrayImage, strength: f32, rng: &mut impl Rng) -> GrayImage {
    let (w, h) = (mask.width, mask.height);
    let (ox, oy) = (
        rng.random_range(-(w as i64) / 3..=(w as i64) / 3),
        rng.random_range(-(h as i64) / 2..=(h as i64) / 2),
    );
    let mut g = GrayImage::filled(w, h, 0.0);
    for y in 0..h {
        for x in 0..w {
            let (sx, sy) = (x as i64 + ox, y as i64 + oy);
            if sx >= 0 && sy >= 0 && (sx as usize) < w && (sy as usize) < h {
                g.data[y * w + x] = mask.get(sx as usize, sy as usize);
            }
        }
    }
    blur(&mut g, 1);
    let mut out = mask.clone();
    for (o, gv) in out.data.iter_mut().zip(&g.data) {
        *o = (*o + strength * gv).min(1.0);
    }
    out
}

/// Light ink on dark: `1 - v`.
pub fn invert(img: &mut GrayImage) {
    for v in &mut img.data {
        *v = 1.0 - *v;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;
    use rand_chacha::ChaCha8Rng;

    #[test]
    fn compose_puts_ink_where_the_mask_is() {
        let mut mask = GrayImage::filled(20, 10, 0.0);
        mask.data[5 * 20 + 5] = 1.0;
        let s = Surface {
            paper: 0.9,
            ink: 0.1,
            texture: 0.0,
            gradient: 0.0,
            ruling: 0,
        };
        let img = compose(&mask, &s, &mut ChaCha8Rng::seed_from_u64(0));
        assert!((img.get(5, 5) - 0.1).abs() < 1e-6);
        assert!((img.get(0, 0) - 0.9).abs() < 1e-6);
    }

    #[test]
    fn blur_keeps_constant_images() {
        let mut img = GrayImage::filled(9, 7, 0.3);
        blur(&mut img, 2);
        assert!(img.data.iter().all(|v| (v - 0.3).abs() < 1e-6));
    }
}

/// Darkens the image under a soft-edged shadow by up to `depth`: a straight edge at a random
/// angle across the line (a hand or a phone over the page), blurred over a tenth of the width.
pub fn shadow(img: &mut GrayImage, depth: f32, rng: &mut impl Rng) {
    let (w, h) = (img.width as f32, img.height as f32);
    let angle = rng.random_range(0.0..std::f32::consts::TAU);
    let (nx, ny) = (angle.cos(), angle.sin());
    // The edge passes through a random point of the image; the shadow lies on its positive side.
    let (px, py) = (rng.random_range(0.0..w), rng.random_range(0.0..h));
    let soft = (0.1 * w).max(4.0);
    for y in 0..img.height {
        for x in 0..img.width {
            let d = (x as f32 - px) * nx + (y as f32 - py) * ny;
            let t = (d / soft + 0.5).clamp(0.0, 1.0);
            let i = y * img.width + x;
            img.data[i] *= 1.0 - depth * t;
        }
    }
}

/// The rows `[top, bottom)` of `mask` that hold ink, if any.
fn ink_rows(mask: &GrayImage) -> Option<(usize, usize)> {
    let row_has_ink = |y: usize| {
        mask.data[y * mask.width..(y + 1) * mask.width]
            .iter()
            .any(|&v| v > 0.5)
    };
    let top = (0..mask.height).find(|&y| row_has_ink(y))?;
    let bottom = (0..mask.height).rev().find(|&y| row_has_ink(y))? + 1;
    Some((top, bottom))
}

/// Draws a hand-ruled underline (slightly wavy, 1-2.5 px) through the lower part of the ink,
/// under most or all of the line, as a writer underlines a word or a title.
pub fn underline(mask: &mut GrayImage, rng: &mut impl Rng) {
    let Some((top, bottom)) = ink_rows(mask) else {
        return;
    };
    let (w, h) = (mask.width, mask.height);
    let y0 = top as f32 + (bottom - top) as f32 * rng.random_range(0.72..0.95);
    let x0 = rng.random_range(0.0..0.25) * w as f32;
    let x1 = w as f32 * rng.random_range(0.75..1.0);
    let half = rng.random_range(0.5..1.25f32);
    let (tilt, wave, phase) = (
        rng.random_range(-0.02..0.02f32),
        rng.random_range(0.0..1.5f32),
        rng.random_range(0.0..6.3f32),
    );
    for x in x0 as usize..(x1 as usize).min(w) {
        let yc = y0 + tilt * (x as f32 - x0) + wave * (x as f32 / 40.0 + phase).sin();
        for y in (yc - half - 1.0).max(0.0) as usize..((yc + half + 2.0) as usize).min(h) {
            let cover = (half + 0.5 - (y as f32 - yc).abs()).clamp(0.0, 1.0);
            let i = y * w + x;
            mask.data[i] = mask.data[i].max(cover);
        }
    }
}

/// The line of `mask` with the neighbouring lines' strokes intruding: the bottom of `above`
/// (its descenders) over the top margin, the top of `below` (its ascenders) under the bottom,
/// each reaching `reach` of the line's ink height, as in a photo of a page of notes.
pub fn intrude(mask: &GrayImage, above: &GrayImage, below: &GrayImage, reach: f32) -> GrayImage {
    let Some((top, bottom)) = ink_rows(mask) else {
        return mask.clone();
    };
    let band = (((bottom - top) as f32) * reach).round().max(1.0) as usize;
    let (w, h) = (mask.width, mask.height + 2 * band);
    let mut out = GrayImage::filled(w, h, 0.0);
    let mut paste = |src: &GrayImage, src_y: usize, rows: usize, dst_y: usize| {
        for r in 0..rows.min(src.height.saturating_sub(src_y)) {
            for x in 0..w.min(src.width) {
                let i = (dst_y + r) * w + x;
                out.data[i] = out.data[i].max(src.data[(src_y + r) * src.width + x]);
            }
        }
    };
    paste(mask, 0, mask.height, band);
    // The last `band` rows of the line above, the first `band` rows of the line below.
    if let Some((_, a_bottom)) = ink_rows(above) {
        let from = a_bottom.saturating_sub(band);
        paste(above, from, a_bottom - from, band - (a_bottom - from));
    }
    if let Some((b_top, _)) = ink_rows(below) {
        paste(below, b_top, band, h - band);
    }
    out
}

#[cfg(test)]
mod writer_tests {
    use super::*;
    use rand::SeedableRng;

    fn bar(w: usize, h: usize, y0: usize, y1: usize) -> GrayImage {
        let mut m = GrayImage::filled(w, h, 0.0);
        for y in y0..y1 {
            for x in 5..w - 5 {
                m.data[y * w + x] = 1.0;
            }
        }
        m
    }

    #[test]
    fn a_shadow_darkens_one_side_and_keeps_the_other() {
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(5);
        let mut img = GrayImage::filled(100, 40, 1.0);
        shadow(&mut img, 0.3, &mut rng);
        let (lo, hi) = img
            .data
            .iter()
            .fold((1.0f32, 0.0f32), |(lo, hi), &v| (lo.min(v), hi.max(v)));
        assert!(
            (lo - 0.7).abs() < 1e-4 || lo > 0.7,
            "never darker than the depth: {lo}"
        );
        assert!(lo < 0.95 && hi == 1.0, "{lo} {hi}");
    }

    #[test]
    fn neighbours_intrude_only_into_the_margins() {
        let line = bar(50, 30, 10, 20);
        let other = bar(50, 30, 10, 20);
        let out = intrude(&line, &other, &other, 0.3);
        // 3 rows of band above and below; the line itself keeps its rows.
        assert_eq!(out.height, 36);
        assert_eq!(ink_rows(&out), Some((0, 36)));
        let row = |y: usize| out.data[y * 50 + 20];
        assert_eq!(row(3 + 10), 1.0);
        assert_eq!(
            row(3 + 5),
            0.0,
            "the margin between line and neighbour stays clear"
        );
    }

    #[test]
    fn an_underline_lies_in_the_lower_part_of_the_ink() {
        let mut m = bar(200, 40, 10, 30);
        for y in 10..30 {
            for x in 0..200 {
                m.data[y * 200 + x] = 0.0;
            }
        }
        // Ink only at rows 10 and 29 (a tall, hollow line).
        for x in 5..195 {
            m.data[10 * 200 + x] = 1.0;
            m.data[29 * 200 + x] = 1.0;
        }
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(3);
        underline(&mut m, &mut rng);
        let inked: Vec<usize> = (11..29)
            .filter(|&y| (0..200).any(|x| m.data[y * 200 + x] > 0.5))
            .collect();
        assert!(
            !inked.is_empty() && inked.iter().all(|&y| y >= 22),
            "{inked:?}"
        );
    }
}
