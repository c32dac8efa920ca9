//! The four writing styles: which fonts they use, how glyphs are placed, and how the image
//! is degraded. Each style draws all of its random choices from the sample's own RNG.

use super::augment::{self, Surface};
use super::fonts::{FontData, FontKind};
use super::render::{Placement, gauss, render_hershey, render_outline};
use anyhow::{Result, bail};
use inkline::GrayImage;
use rand::Rng;

/// A kind of writing to synthesize.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, clap::ValueEnum)]
pub enum Style {
    /// Documents, scans, screenshots.
    Printed,
    /// Handwriting fonts made to look written by a person, ink on paper.
    Handwriting,
    /// Marker on a whiteboard: thick strokes, uneven light, ghosts, low contrast.
    Whiteboard,
    /// Pen strokes as a canvas draws them (Hershey single-line fonts).
    Strokes,
}

impl Style {
    /// All styles in report order.
    pub fn all() -> &'static [Style] {
        <Style as clap::ValueEnum>::value_variants()
    }

    /// Font kind the style draws with (whiteboards also use printed faces now and then).
    pub fn font_kind(self, rng: &mut impl Rng) -> FontKind {
        match self {
            Style::Printed => FontKind::Printed,
            Style::Handwriting => FontKind::Handwriting,
            Style::Whiteboard if rng.random_bool(0.15) => FontKind::Printed,
            Style::Whiteboard => FontKind::Handwriting,
            // Half the pen ink comes from single-line fonts, half from outline hands
            // thinned to their centre lines.
            Style::Strokes if rng.random_bool(0.5) => FontKind::Handwriting,
            Style::Strokes => FontKind::Strokes,
        }
    }
}

fn u(rng: &mut impl Rng, a: f32, b: f32) -> f32 {
    rng.random_range(a..b)
}

/// The ink coverage of `text` in `face` placed by `p`; pen ink (centre lines redrawn with a
/// pressure pen) for outline faces in the strokes style. `None` if a glyph is missing.
fn render_face(
    style: Style,
    face: &FontData,
    text: &str,
    p: &Placement,
    rng: &mut impl Rng,
) -> Result<Option<GrayImage>> {
    Ok(match face {
        FontData::Outline { bytes, index, .. } => {
            let Some(f) = rustybuzz::Face::from_slice(bytes, *index) else {
                bail!("unreadable font face")
            };
            let mask = render_outline(&f, text, p, rng);
            if style == Style::Strokes {
                let pen = u(rng, 1.4, 4.0);
                mask.map(|m| super::pen::pen_ink(&m, pen, u(rng, 0.0, 0.5), rng))
            } else {
                mask
            }
        }
        FontData::Hershey(font) => {
            let pen = u(rng, 1.4, 4.0);
            let jitter = u(rng, 0.1, 0.7);
            render_hershey(font, text, p, pen, jitter, rng)
        }
    })
}

/// A size (em, pixels) to draw `face` at: about the model's scale (a 32 px line is ~1.2 em of
/// ink), little resampling, fast to draw. Outline faces are sized by their x-height (10-17 px),
/// so that a formal script whose lowercase is a quarter em is not drawn at a third of the size
/// of a print hand.
pub fn face_size(face: &FontData, rng: &mut impl Rng) -> f32 {
    match face {
        FontData::Outline { x_height, .. } => (u(rng, 10.0, 17.0) / x_height).min(80.0),
        FontData::Hershey(_) => u(rng, 20.0, 34.0),
    }
}

/// The ink coverage of `text` in `style` at em `size` placed as the style places glyphs
/// (slant, jitter, spacing, pen), with the em size in pixels and the placement; `Ok(None)`
/// when the face lacks a glyph of the text.
pub fn line_mask(
    style: Style,
    face: &FontData,
    text: &str,
    size: f32,
    rng: &mut impl Rng,
) -> Result<Option<(GrayImage, f32, Placement)>> {
    let mut p = Placement::plain(size);
    match style {
        Style::Printed => {
            p.tracking = gauss(rng, 0.015);
            p.rotation = gauss(rng, 0.008);
            if rng.random_bool(0.1) {
                p.slant = u(rng, -0.05, 0.2);
            }
            if rng.random_bool(0.1) {
                p.embolden_px = u(rng, 0.3, 1.0);
            }
        }
        Style::Handwriting | Style::Whiteboard | Style::Strokes => {
            p.slant = 0.08 + gauss(rng, 0.12);
            // Letter spacing from overlapping to wide.
            p.tracking = match rng.random_range(0..100) {
                0..10 => u(rng, -0.08, -0.02),
                10..85 => gauss(rng, 0.02),
                _ => u(rng, 0.05, 0.2),
            };
            p.jitter_y = u(rng, 0.0, 0.04);
            p.jitter_x = u(rng, 0.0, 0.02);
            p.jitter_rot = u(rng, 0.0, 0.07);
            p.jitter_scale = u(rng, 0.0, 0.06);
            p.word_space = u(rng, 0.0, 0.18);
            p.baseline_wave = u(rng, 0.0, 0.06);
            p.rotation = gauss(rng, 0.02);
            p.embolden_px = match style {
                Style::Whiteboard => u(rng, 1.5, 4.5),
                _ => u(rng, 0.0, 1.0),
            };
        }
    }
    Ok(render_face(style, face, text, &p, rng)?.map(|m| (m, size, p)))
}

/// Renders `text` in `style` with `face`; `Ok(None)` when the face lacks a glyph of the text.
pub fn draw(
    style: Style,
    face: &FontData,
    text: &str,
    rng: &mut impl Rng,
) -> Result<Option<GrayImage>> {
    let size = face_size(face, rng);
    let Some((mut mask, size, p)) = line_mask(style, face, text, size, rng)? else {
        return Ok(None);
    };
    if style == Style::Handwriting {
        if rng.random_bool(0.15) {
            // The lines above and below in the same hand: other words of the text.
            let words: Vec<&str> = text.split(' ').collect();
            let turn = |k: usize| {
                let k = k % words.len().max(1);
                [&words[k..], &words[..k]].concat().join(" ")
            };
            let above = render_face(style, face, &turn(1), &p, rng)?;
            let below = render_face(style, face, &turn(2), &p, rng)?;
            if let (Some(a), Some(b)) = (above, below) {
                mask = augment::intrude(&mask, &a, &b, u(rng, 0.1, 0.35));
            }
        }
        if rng.random_bool(0.08) {
            augment::underline(&mut mask, rng);
        }
    }
    Ok(Some(finish(style, mask, size, rng)))
}

/// The ink coverage `mask` on the style's surface with its degradations (paper, board or
/// canvas; warps, light, blur, noise, JPEG, polarity). `em` is the writing's size in pixels
/// (about twice its body height), which spaces ruled lines.
pub fn finish(style: Style, mask: GrayImage, em: f32, rng: &mut impl Rng) -> GrayImage {
    let mut mask = mask;
    let size = em;
    let img = match style {
        Style::Printed => {
            let s = Surface {
                paper: u(rng, 0.82, 1.0),
                ink: u(rng, 0.0, 0.3),
                texture: u(rng, 0.0, 0.03),
                gradient: u(rng, 0.0, 0.12),
                ruling: 0,
            };
            let mut img = augment::compose(&mask, &s, rng);
            if rng.random_bool(0.4) {
                augment::blur(&mut img, 1);
            }
            augment::noise(&mut img, u(rng, 0.0, 0.04), rng);
            if rng.random_bool(0.3) {
                augment::jpeg(&img, rng.random_range(30..90))
            } else {
                img
            }
        }
        Style::Handwriting | Style::Strokes => {
            // A page photographed by a phone: perspective, a hand's or a fold's shadow, JPEG.
            let photo = style == Style::Handwriting && rng.random_bool(0.25);
            if style == Style::Handwriting || rng.random_bool(0.3) {
                let keystone = if photo { gauss(rng, 0.12) } else { 0.0 };
                mask = augment::warp(&mask, u(rng, 0.5, 2.5), u(rng, 10.0, 26.0), keystone, rng);
            }
            let ruling = if style == Style::Handwriting && rng.random_bool(0.2) {
                (size * u(rng, 1.3, 1.8)) as usize
            } else {
                0
            };
            let s = if style == Style::Strokes {
                Surface {
                    paper: u(rng, 0.94, 1.0),
                    ink: u(rng, 0.0, 0.25),
                    texture: 0.0,
                    gradient: 0.0,
                    ruling: 0,
                }
            } else {
                Surface {
                    paper: u(rng, 0.75, 1.0),
                    ink: u(rng, 0.03, 0.45),
                    texture: u(rng, 0.01, 0.07),
                    gradient: u(rng, 0.0, 0.2),
                    ruling,
                }
            };
            let mut img = augment::compose(&mask, &s, rng);
            if photo {
                augment::shadow(&mut img, u(rng, 0.1, 0.35), rng);
            }
            if rng.random_bool(0.3) {
                augment::blur(&mut img, 1);
            }
            augment::noise(&mut img, u(rng, 0.0, 0.03), rng);
            if style == Style::Strokes && rng.random_bool(0.3) {
                augment::invert(&mut img);
            }
            if photo && rng.random_bool(0.6) {
                img = augment::jpeg(&img, rng.random_range(35..85));
            }
            img
        }
        Style::Whiteboard => {
            let keystone = gauss(rng, 0.15);
            mask = augment::warp(&mask, u(rng, 0.5, 2.0), u(rng, 12.0, 30.0), keystone, rng);
            // Seen in `trainer eval --errors`: strong ghosts, contrast below the light gradient
            // and radius-2 blur together made lines no reader could read (label noise). Ghosts
            // stay faint, ink stays darker than the light varies, heavy blur is rare.
            if rng.random_bool(0.5) {
                mask = augment::ghost(&mask, u(rng, 0.05, 0.18), rng);
            }
            let paper = u(rng, 0.6, 0.97);
            let contrast = u(rng, 0.35, 0.8);
            let ink = (paper - contrast).max(0.0);
            let s = Surface {
                paper,
                ink,
                texture: u(rng, 0.02, 0.1),
                gradient: u(rng, 0.1, 0.6 * contrast),
                ruling: 0,
            };
            let mut img = augment::compose(&mask, &s, rng);
            let radius = match rng.random_range(0..100) {
                0..40 => 0,
                40..88 => 1,
                _ => 2,
            };
            augment::blur(&mut img, radius);
            augment::noise(&mut img, u(rng, 0.01, 0.05), rng);
            if rng.random_bool(0.6) {
                augment::jpeg(&img, rng.random_range(20..75))
            } else {
                img
            }
        }
    };
    let mut img = img;
    if style != Style::Strokes && rng.random_bool(0.12) {
        augment::invert(&mut img);
    }
    img
}
