//! Preprocessing shared by the browser and the trainer: polarity, contrast, uneven light
//! (`light`), page skew (`skew`), line splitting (`lines`), crop and scale to the model's input geometry, and
//! batching (`batch`).
//!
//! The model sees ink as 1.0 and background as 0.0, at a fixed height, with the width scaled
//! by the same factor so the aspect ratio is kept.

mod batch;
mod columns;
mod density;
mod follow;
mod light;
mod lines;
mod pieces;
mod rule;
mod skew;

pub use batch::{batch_lines, pixel_budget_batches, width_sorted_batches};
pub use pieces::{Join, MAX_RATIO};

use crate::error::{InklineError, Result};
use crate::image::GrayImage;
use lines::{cut_between_bodies, cut_touching, line_pitch, split_lines};
use serde::{Deserialize, Serialize};

/// How a line is scaled to the input height.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum LineNorm {
    /// The ink box plus a margin fills the height (ascenders and descenders set the scale).
    #[default]
    InkBox,
    /// The body of the line (its x-height band, estimated from the ink's spread about its
    /// centre row) fills half the height, centred; ascenders and descenders get a quarter each
    /// and what reaches beyond is cut.
    Body,
}

crate::names::serde_names!(LineNorm, "line scaling", [InkBox, Body]);

impl LineNorm {
    pub(crate) fn is_ink_box(&self) -> bool {
        *self == LineNorm::InkBox
    }
}

/// Geometry of the model input.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct InputGeometry {
    /// Input height in pixels.
    pub height: usize,
    /// Widths are padded to a multiple of this (the CNN's horizontal downsampling).
    pub width_multiple: usize,
    /// Widest accepted line after scaling; wider lines are squeezed horizontally.
    pub max_width: usize,
    /// How a line is scaled to the height.
    pub norm: LineNorm,
    /// Writing narrower than this stroke density (see [`line_density`]) is stretched
    /// horizontally to it, at most [`MAX_WIDTH_STRETCH`] times, in training and reading alike;
    /// `None`: lines keep their written width.
    #[serde(default)]
    pub density: Option<f32>,
}

/// The most a line's width is stretched to reach its geometry's density.
pub const MAX_WIDTH_STRETCH: f32 = 2.0;

impl InputGeometry {
    /// Geometry for a model of input height `height` and horizontal stride `width_multiple`.
    pub fn new(height: usize, width_multiple: usize) -> Self {
        Self {
            height,
            width_multiple: width_multiple.max(1),
            max_width: 64 * height,
            norm: LineNorm::InkBox,
            density: None,
        }
    }

    /// The same geometry with line scaling `norm`.
    pub fn with_norm(self, norm: LineNorm) -> Self {
        Self { norm, ..self }
    }

    /// The same geometry with narrow writing stretched to stroke density `density`.
    pub fn with_density(self, density: Option<f32>) -> Self {
        Self { density, ..self }
    }
}

/// Axis-aligned box in source-image pixels.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct BBox {
    /// Left edge.
    pub x: usize,
    /// Top edge.
    pub y: usize,
    /// Width.
    pub width: usize,
    /// Height.
    pub height: usize,
}

impl BBox {
    /// The smallest box holding both.
    pub fn union(self, other: BBox) -> BBox {
        let (x, y) = (self.x.min(other.x), self.y.min(other.y));
        let right = (self.x + self.width).max(other.x + other.width);
        let bottom = (self.y + self.height).max(other.y + other.height);
        BBox {
            x,
            y,
            width: right - x,
            height: bottom - y,
        }
    }
}

/// Four corners `[x, y]` in source pixels: top left, top right, bottom right, bottom left.
pub type Quad = [[f32; 2]; 4];

/// The corners of a box.
fn corners(b: BBox) -> Quad {
    let (x0, y0) = (b.x as f32, b.y as f32);
    let (x1, y1) = ((b.x + b.width) as f32, (b.y + b.height) as f32);
    [[x0, y0], [x1, y0], [x1, y1], [x0, y1]]
}

/// A page tilted less than this (degrees) is read as it is.
const MIN_SKEW_DEG: f32 = 0.5;

/// One text line (or a piece of a long one) ready for the model, with where it came from.
#[derive(Debug, Clone, PartialEq)]
pub struct LineImage {
    /// `geometry.height` rows, ink 1.0 on background 0.0.
    pub image: GrayImage,
    /// Where the line (or piece) lies in the source image.
    pub bbox: BBox,
    /// The whole line's box in the source image as four corners (top left, top right, bottom
    /// right, bottom left): turned with the line on a tilted page.
    pub quad: Quad,
    /// How it attaches to the image before it: a new line, or a piece of the same line.
    pub join: Join,
}

/// Most text lines read in one image; a page has a few dozen, and work grows with each.
pub const MAX_LINES: usize = 200;

/// Ink below this (after normalization) counts as background for cropping and splitting.
pub const INK_THRESHOLD: f32 = 0.5;

/// Maps an image to ink intensity: detects the polarity (dark ink on light paper or light ink
/// on a dark board) and stretches contrast so background is 0 and ink 1.
/// Returns `None` when the image holds no visible ink.
pub fn ink_map(img: &GrayImage) -> Option<GrayImage> {
    if img.data.is_empty() {
        return None;
    }
    let dark_background = dark_background(img);
    let mut ink: Vec<f32> = img
        .data
        .iter()
        .map(|&l| if dark_background { l } else { 1.0 - l })
        .collect();
    let bg = percentile(&ink, 0.5);
    let max = ink.iter().copied().fold(0.0f32, f32::max);
    if max - bg < 0.08 {
        return None;
    }
    // The strong ink, all of it unless there is more than the sample size (noise).
    let is_strong = |v: f32| v > bg + (max - bg) * 0.5;
    let count = ink.iter().filter(|&&v| is_strong(v)).count();
    let strong: Vec<f32> = ink
        .iter()
        .copied()
        .filter(|&v| is_strong(v))
        .step_by(sample_step(count))
        .collect();
    let hi = percentile(&strong, 0.9).max(bg + 0.05);
    let scale = 1.0 / (hi - bg);
    for v in &mut ink {
        *v = ((*v - bg) * scale).clamp(0.0, 1.0);
    }
    Some(GrayImage {
        width: img.width,
        height: img.height,
        data: ink,
    })
}

/// Whether [`ink_map`] finds ink in `img` (it is `None` exactly when this is false), without
/// making the map: the median it compares with the strongest ink is the (n - 1) / 2-th of the
/// sampled values, so it lies within 0.08 of the strongest exactly when at most that many
/// sampled values lie 0.08 or more below it.
fn has_ink(img: &GrayImage) -> bool {
    if img.data.is_empty() {
        return false;
    }
    let dark_background = dark_background(img);
    let ink = |l: f32| if dark_background { l } else { 1.0 - l };
    let max = img.data.iter().map(|&l| ink(l)).fold(0.0f32, f32::max);
    let sampled = img.data.iter().step_by(sample_step(img.data.len()));
    let k = ((sampled.len() - 1) as f32 * 0.5).round() as usize;
    let far = sampled.filter(|&&l| max - ink(l) >= 0.08).count();
    far > k
}

/// Whether the image is light ink on a dark background: its median luminance is under 0.5.
fn dark_background(img: &GrayImage) -> bool {
    // The median luminance is below 0.5 exactly when more of the sampled values than the
    // median's rank are: one counting pass instead of a selection.
    let sampled = img.data.iter().step_by(sample_step(img.data.len()));
    let n = sampled.len();
    let dark = sampled.filter(|&&l| l < 0.5).count();
    dark > ((n.max(1) - 1) as f32 * 0.5).round() as usize
}

/// Statistics of a large image are taken over at most this many evenly spaced pixels.
const MAX_SAMPLES: usize = 1 << 20;

/// The stride that samples at most [`MAX_SAMPLES`] of `len` values (1: all of them).
fn sample_step(len: usize) -> usize {
    len.div_ceil(MAX_SAMPLES).max(1)
}

/// Prepares an image holding one text line: normalize, crop to the ink, scale to the input
/// height, in one piece however long (what training sees; [`prepare_page`] reads long lines in
/// pieces).
pub fn prepare_line(img: &GrayImage, geometry: &InputGeometry) -> Result<Option<LineImage>> {
    let Some(ink) = ink_map(img) else {
        return Ok(None);
    };
    Ok(ink_box(&ink, 0, ink.height).map(|b| {
        let v = vertical(&ink, b, geometry);
        crop_and_scale(&ink, b, (b.x, b.x + b.width), v, (0, ink.height), geometry)
    }))
}

/// The stroke density of the line in `img` (see [`density`]); `None` for an image without
/// ink.
pub fn line_density(img: &GrayImage) -> Option<f32> {
    let ink = ink_map(img)?;
    let b = ink_box(&ink, 0, ink.height)?;
    Some(box_density(&ink, b))
}

/// Prepares a page: normalize, undo the page's skew (a tilted page of two or more lines is
/// turned level first), split into lines by projection profile (a rule alone is no line),
/// then crop and scale each (a line wider than [`MAX_RATIO`] input heights in pieces,
/// see [`Join`]); boxes are in the input's pixels. Lines come top to bottom; more than
/// [`MAX_LINES`] is an error.
pub fn prepare_page(img: &GrayImage, geometry: &InputGeometry) -> Result<Vec<LineImage>> {
    if geometry.height < 4 {
        return Err(InklineError::InvalidConfig(format!(
            "input height {} is too small",
            geometry.height
        )));
    }
    if !has_ink(img) {
        return Ok(Vec::new());
    }
    // Page analysis runs on the ink with the light made even (a shadow across a photographed
    // page is no ink); what is not a page of two or more lines reads as it always has (its ink
    // map made only then: a page never needs it).
    if let Some(page) = ink_map(&light::flatten(img, dark_background(img)))
        && let Some(lines) = read_as_page(&page, geometry)?
    {
        return Ok(lines);
    }
    let Some(ink) = ink_map(img) else {
        return Ok(Vec::new());
    };
    let bands = split_lines(&ink, INK_THRESHOLD);
    read_bands(&ink, &bands, geometry, None, &ink, 0)
}

/// The lines of `ink` read as a page: turned level when tilted, split into columns (see
/// [`columns`]) and each into lines; `None` when it holds fewer than two lines.
fn read_as_page(ink: &GrayImage, geometry: &InputGeometry) -> Result<Option<Vec<LineImage>>> {
    // A page is lines seen apart at the sharpest angle, or lines that touch everywhere but
    // repeat three times or more (turned level all the same; their rows are cut by pitch).
    let estimate = skew::estimate_angle(ink, INK_THRESHOLD);
    let lines_apart = estimate.is_some_and(|e| e.apart);
    let lines_seen = estimate.is_some_and(|e| e.apart || e.repeats);
    let angle = estimate
        .filter(|e| e.apart || e.repeats)
        .map_or(0.0, |e| e.angle);
    // Only the ink's box (and a margin for the bilinear samples at its edge) is turned: the
    // rest of the turned page is blank.
    let level = (angle.to_degrees().abs() >= MIN_SKEW_DEG).then(|| {
        let inked = ink_box(ink, 0, ink.height).map(|b| {
            let (x, y) = (
                b.x.saturating_sub(LEVEL_MARGIN),
                b.y.saturating_sub(LEVEL_MARGIN),
            );
            BBox {
                x,
                y,
                width: (b.x + b.width + LEVEL_MARGIN).min(ink.width) - x,
                height: (b.y + b.height + LEVEL_MARGIN).min(ink.height) - y,
            }
        });
        skew::Levelled::new(ink, angle, inked)
    });
    let work = level.as_ref().map_or(ink, |l| &l.image);
    // Columns are apart by one and a half line pitches at least, all the way down: wider
    // than any space between words.
    let parts = line_pitch(work, INK_THRESHOLD).map_or_else(
        || vec![(0, work.width)],
        |pitch| columns::columns(work, INK_THRESHOLD, pitch * 3 / 2),
    );
    let mut found = Vec::with_capacity(parts.len());
    for &(x0, x1) in &parts {
        let part = if parts.len() == 1 {
            std::borrow::Cow::Borrowed(work)
        } else {
            std::borrow::Cow::Owned(work.crop(x0, 0, x1 - x0, work.height))
        };
        let bands = match &level {
            None => cut_page_lines(&part, split_lines(&part, INK_THRESHOLD), lines_apart),
            Some(level) => level_bands(&part, level, x0, ink.height),
        };
        // Where the input's edges lie in the part's rows: a line's ink at them is cut by them.
        let at_edge = |q: Quad| {
            q.iter().any(|&[x, y]| {
                let y = level
                    .as_ref()
                    .map_or(y, |l| l.to_input([x + x0 as f32, y])[1]);
                y <= 2.0 || y >= ink.height as f32 - 2.0
            })
        };
        let strips = followed_lines(&part, &bands, lines_seen, &at_edge);
        found.push((part, x0, bands, strips));
    }
    let count: usize = found
        .iter()
        .map(|f| f.3.as_ref().map_or(f.2.len(), Vec::len))
        .sum();
    if count < 2 {
        return Ok(None);
    }
    if count > MAX_LINES {
        return Err(too_many_lines(count));
    }
    let mut lines = Vec::new();
    for (part, x0, bands, strips) in &found {
        lines.extend(match strips {
            Some(strips) => {
                let sources: Vec<Source> = strips.iter().map(Source::Strip).collect();
                read_sources(part, &sources, geometry, level.as_ref(), ink, *x0)?
            }
            None => read_bands(part, bands, geometry, level.as_ref(), ink, *x0)?,
        });
    }
    Ok(Some(lines))
}

/// Pixels of margin kept around a tilted page's ink when it is turned level.
const LEVEL_MARGIN: usize = 8;

/// The least share of its columns a followed line's ink covers where two bands of text might
/// be one line (see [`followed_lines`]).
const MIN_COVER: f32 = 0.2;

/// The lines of `part` followed along it (see [`follow`]) and drawn straight, when its rows
/// (`bands`) hold two lines of text or more, or one band holds several lines that touch
/// everywhere (where the skew estimate saw lines: `lines_seen`); `None` to read the bands
/// (one line, or no line pitch).
/// Specks (under a quarter of a typical line's height both ways) are no lines, a lone "+"
/// or "i" is; nor are slivers of lines cut by the input's edge (`at_edge` says whether a quad
/// of the part reaches it), under half the tallest line's height.
fn followed_lines(
    part: &GrayImage,
    bands: &[(usize, usize)],
    lines_seen: bool,
    at_edge: &dyn Fn(Quad) -> bool,
) -> Option<Vec<follow::Straightened>> {
    // Bands under 0.3 of the tallest are no lines of text (a rule, an underline, a speck):
    // one line among such reads as before.
    let tallest = bands.iter().map(|b| b.1 - b.0).max().unwrap_or(0);
    let text: Vec<usize> = bands
        .iter()
        .map(|b| b.1 - b.0)
        .filter(|&h| 10 * h >= 3 * tallest)
        .collect();
    // One band of text is one line, unless the page's skew estimate saw lines (`lines_seen`)
    // and the band's rows repeat at a line pitch (however faintly) three times or more within
    // it: a page whose lines touch everywhere, or climb into each other.
    let (sliced, touching) = match text[..] {
        [band] => {
            if !lines_seen {
                return None;
            }
            let p = follow::slice_pitch(part, INK_THRESHOLD, follow::FAINT_REPEAT)?;
            // A faint repeat of lines spaced unevenly may be a multiple of their pitch (the
            // distance between pairs): the distances between peaks in slices correct it.
            let p = follow::refine_pitch(part, INK_THRESHOLD, p).0;
            if band < 3 * p {
                return None;
            }
            (Some(p), true)
        }
        [] => return None,
        _ => (
            follow::slice_pitch(part, INK_THRESHOLD, follow::REPEAT),
            false,
        ),
    };
    let spacing = {
        let mut d: Vec<usize> = bands
            .windows(2)
            .map(|w| (w[1].0 + w[1].1) / 2 - (w[0].0 + w[0].1) / 2)
            .collect();
        d.sort_unstable();
        d.get(d.len() / 2).copied()
    };
    // The bands' spacing also bounds a repeat found in slices: where some lines are short,
    // slices that miss them repeat at twice the pitch (a ruled page of long and short lines).
    let pitch = least(sliced.or_else(|| line_pitch(part, INK_THRESHOLD)), spacing)?;
    // Lines lie at least a third as far apart as the lowest band of text is tall (a band
    // holds one line or more: two that touch, where a hand writes lines close; the one band
    // of touching lines holds them all).
    let lowest = if touching {
        0
    } else {
        text.iter().copied().min().unwrap_or(0)
    };
    let lines = follow::follow(part, INK_THRESHOLD, pitch, lowest / 3)?;
    // A short line between long ones is traced as nobody's: it lands apart in a neighbour's
    // rows, and is made a line of its own.
    let mut strips: Vec<follow::Straightened> = lines
        .iter()
        .flat_map(|l| l.straighten(part, pitch * 3 / 2).split_apart(INK_THRESHOLD))
        .collect();
    let boxes: Vec<Option<BBox>> = strips
        .iter()
        .map(|s| ink_box(&s.image, 0, s.image.height))
        .collect();
    let mut heights: Vec<usize> = boxes.iter().flatten().map(|b| b.height).collect();
    heights.sort_unstable();
    let typical = heights.get(heights.len() / 2).copied().unwrap_or(0);
    let tallest = heights.last().copied().unwrap_or(0);
    let keep: Vec<bool> = strips
        .iter()
        .zip(&boxes)
        .map(|(s, b)| {
            let Some(b) = *b else { return false };
            let speck = 4 * b.width < typical && 4 * b.height < typical;
            // A sliver of a neighbouring line cut by the input's edge (what a line cropped from
            // a page holds).
            let sliver = 2 * b.height < tallest && at_edge(s.to_page(corners(b)));
            !(speck || sliver)
        })
        .collect();
    let mut keep = keep.into_iter();
    strips.retain(|_| keep.next().unwrap_or(false));
    // Two bands of text whose slices repeat nowhere may be one line cut apart (a line crop:
    // its ascenders or descenders a band of their own): a traced line whose ink covers under
    // MIN_COVER of its columns is no line of text, and the bands are read as they are.
    if text.len() == 2
        && sliced.is_none()
        && strips.iter().any(|s| s.cover(INK_THRESHOLD) < MIN_COVER)
    {
        return None;
    }
    Some(strips)
}

/// The smaller of two distances, either of which may be unknown.
fn least(a: Option<usize>, b: Option<usize>) -> Option<usize> {
    match (a, b) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, b) => a.or(b),
    }
}

/// The lines of `part` of a page turned level (`level`; `part` starts at column `x0` of the
/// turned image, the input is `input_height` rows high): split, without slivers of
/// neighbouring lines cut by the input's edge and specks, and cut where lines touch.
fn level_bands(
    part: &GrayImage,
    level: &skew::Levelled,
    x0: usize,
    input_height: usize,
) -> Vec<(usize, usize)> {
    let mut bands = split_lines(part, INK_THRESHOLD);
    // Slivers of neighbouring lines cut by the input's top or bottom edge (what a line
    // cropped from a page holds) no longer touch the turned image's edge: drop them here.
    // Specks (smaller than half a typical line's height both ways) are no lines of their own
    // either; a short line (a last word, a number) is.
    let tallest = bands.iter().map(|b| b.1 - b.0).max().unwrap_or(0);
    let boxes: Vec<Option<BBox>> = bands
        .iter()
        .map(|&(y0, y1)| ink_box(part, y0, y1))
        .collect();
    let mut heights: Vec<usize> = boxes.iter().flatten().map(|b| b.height).collect();
    heights.sort_unstable();
    let typical = heights.get(heights.len() / 2).copied().unwrap_or(0);
    let keep: Vec<bool> = bands
        .iter()
        .zip(&boxes)
        .map(|(&(y0, y1), b)| {
            let Some(b) = *b else { return false };
            let ys = corners(b).map(|[x, y]| level.to_input([x + x0 as f32, y])[1]);
            let at_edge = ys
                .iter()
                .any(|&y| y <= 2.0 || y >= input_height as f32 - 2.0);
            let sliver = at_edge && 2 * (y1 - y0) < tallest;
            let speck = 2 * b.width < typical && 2 * b.height < typical;
            !(sliver || speck)
        })
        .collect();
    let mut k = keep.iter();
    bands.retain(|_| *k.next().unwrap_or(&false));
    cut_page_lines(part, bands, true)
}

/// The error for an image with `count` text lines, more than [`MAX_LINES`].
fn too_many_lines(count: usize) -> InklineError {
    InklineError::InvalidImage(format!(
        "the image has {count} text lines; at most {MAX_LINES} are read per call (split it)"
    ))
}

/// A page's bands with lines that touch cut apart: at the page's line pitch where the profile
/// repeats clearly and the bands are already two or more, or one band holds three pitches or
/// more (a page whose lines all touch); then between the bodies of lines in one band where the
/// bands are two or more or the skew estimate saw lines apart (`lines_apart`), so that one
/// line alone is never cut.
fn cut_page_lines(
    ink: &GrayImage,
    bands: Vec<(usize, usize)>,
    lines_apart: bool,
) -> Vec<(usize, usize)> {
    let bands = match line_pitch(ink, INK_THRESHOLD) {
        Some(pitch) if bands.len() >= 2 || bands.iter().any(|b| b.1 - b.0 >= 3 * pitch) => {
            cut_touching(ink, &bands, INK_THRESHOLD, pitch)
        }
        _ => bands,
    };
    if bands.len() >= 2 || lines_apart {
        cut_between_bodies(ink, &bands, INK_THRESHOLD)
    } else {
        bands
    }
}

/// Where a text line of a page is read from: rows of the page, or a line followed along it.
enum Source<'a> {
    /// Rows `[y0, y1)` of the page, borrowing margin up to rows `[lo, hi)`.
    Band {
        rows: (usize, usize),
        limits: (usize, usize),
    },
    /// A followed line drawn straight.
    Strip(&'a follow::Straightened),
}

/// The lines of `bands` of `work` (the ink map, or it turned level: `level`; or the part of
/// either from column `left` on), with boxes in the pixels of the input's ink map `input`.
/// Every piece of a line carries the whole line's quad.
fn read_bands(
    work: &GrayImage,
    bands: &[(usize, usize)],
    geometry: &InputGeometry,
    level: Option<&skew::Levelled>,
    input: &GrayImage,
    left: usize,
) -> Result<Vec<LineImage>> {
    if bands.len() > MAX_LINES {
        return Err(too_many_lines(bands.len()));
    }
    let sources: Vec<Source> = bands
        .iter()
        .enumerate()
        .map(|(i, &(y0, y1))| {
            // A line may borrow margin up to half-way to its neighbours, never into them.
            let lo = if i == 0 { 0 } else { (bands[i - 1].1 + y0) / 2 };
            let hi = if i + 1 == bands.len() {
                work.height
            } else {
                (y1 + bands[i + 1].0).div_ceil(2)
            };
            Source::Band {
                rows: (y0, y1),
                limits: (lo, hi),
            }
        })
        .collect();
    read_sources(work, &sources, geometry, level, input, left)
}

/// The lines of `sources` of `work` (as [`read_bands`] says), top to bottom.
fn read_sources(
    work: &GrayImage,
    sources: &[Source],
    geometry: &InputGeometry,
    level: Option<&skew::Levelled>,
    input: &GrayImage,
    left: usize,
) -> Result<Vec<LineImage>> {
    // Corners of a box of `work` in the input, and the input box around them.
    let back = |q: Quad| -> Quad {
        q.map(|[x, y]| {
            let p = [x + left as f32, y];
            level.map_or(p, |l| l.to_input(p))
        })
    };
    let around = |q: &Quad| -> BBox {
        let clamp = |v: f32, max: usize| (v.max(0.0) as usize).min(max);
        let xs = q.iter().map(|p| p[0]);
        let ys = q.iter().map(|p| p[1]);
        let x0 = clamp(xs.clone().fold(f32::MAX, f32::min).floor(), input.width);
        let x1 = clamp(xs.fold(f32::MIN, f32::max).ceil(), input.width);
        let y0 = clamp(ys.clone().fold(f32::MAX, f32::min).floor(), input.height);
        let y1 = clamp(ys.fold(f32::MIN, f32::max).ceil(), input.height);
        BBox {
            x: x0,
            y: y0,
            width: x1.saturating_sub(x0).max(1),
            height: y1.saturating_sub(y0).max(1),
        }
    };
    let mut out = Vec::with_capacity(sources.len());
    for source in sources {
        // The image the line is cut from, its rows, their limits, and where its pixels lie
        // in `work`.
        let (image, found, limits) = match source {
            Source::Band { rows, limits } => (work, ink_box(work, rows.0, rows.1), *limits),
            Source::Strip(s) => (
                &s.image,
                ink_box(&s.image, 0, s.image.height),
                (0, s.image.height),
            ),
        };
        let Some(b) = found else { continue };
        let to_work = |q: Quad| -> Quad {
            match source {
                Source::Band { .. } => q,
                Source::Strip(s) => s.to_page(q),
            }
        };
        let v = vertical(image, b, geometry);
        let quad = back(to_work(corners(b)));
        for (x0, x1, join) in pieces::pieces(image, b, v.x_scale, geometry.height) {
            let mut line = crop_and_scale(image, b, (x0, x1), v, limits, geometry);
            line.join = join;
            line.bbox = around(&back(to_work(corners(line.bbox))));
            line.quad = quad;
            out.push(line);
        }
    }
    Ok(out)
}

/// Bounding box of pixels above the ink threshold within rows `[y0, y1)`.
fn ink_box(ink: &GrayImage, y0: usize, y1: usize) -> Option<BBox> {
    let (mut x_min, mut x_max, mut y_min, mut y_max) = (usize::MAX, 0, usize::MAX, 0);
    for y in y0..y1 {
        for x in 0..ink.width {
            if ink.get(x, y) > INK_THRESHOLD {
                x_min = x_min.min(x);
                x_max = x_max.max(x);
                y_min = y_min.min(y);
                y_max = y_max.max(y);
            }
        }
    }
    (x_min != usize::MAX).then(|| BBox {
        x: x_min,
        y: y_min,
        width: x_max - x_min + 1,
        height: y_max - y_min + 1,
    })
}

/// The source rows a line fills the input height with, and the scale that takes them there.
#[derive(Debug, Clone, Copy)]
struct Vertical {
    /// First source row (may lie outside the image).
    top: isize,
    /// Source rows.
    rows: usize,
    /// Margin in source pixels around the ink box.
    margin: usize,
    /// Input columns per source column: input rows per source row, times the stretch of
    /// narrow writing.
    x_scale: f32,
}

/// The vertical window of the line in box `b` as `g.norm` says.
fn vertical(ink: &GrayImage, b: BBox, g: &InputGeometry) -> Vertical {
    let margin = (b.height as f32 * 0.12).round().max(1.0) as usize;
    let (top, rows) = match g.norm {
        // The ink box plus an equal margin on every side.
        LineNorm::InkBox => (b.y as isize - margin as isize, b.height + 2 * margin),
        // Twice the body, centred on it.
        LineNorm::Body => {
            let (centre, body) = body_band(ink, b);
            let rows = (2.0 * body).round().max(1.0);
            ((centre - rows / 2.0).round() as isize, rows as usize)
        }
    };
    Vertical {
        top,
        rows,
        margin,
        x_scale: g.height as f32 / rows as f32 * width_stretch(ink, b, g),
    }
}

/// How much wider the line in box `b` is drawn: as much as brings its stroke density down to
/// the geometry's (between 1 and [`MAX_WIDTH_STRETCH`]); 1 when the geometry keeps widths.
fn width_stretch(ink: &GrayImage, b: BBox, g: &InputGeometry) -> f32 {
    let Some(target) = g.density.filter(|&d| d > 0.0) else {
        return 1.0;
    };
    (box_density(ink, b) / target).clamp(1.0, MAX_WIDTH_STRETCH)
}

/// Strokes per body height of written width of the ink in box `b`.
fn box_density(ink: &GrayImage, b: BBox) -> f32 {
    let (centre, body) = body_band(ink, b);
    density::stroke_density(ink, b, centre, body)
}

/// Crops columns `[x0, x1)` of the line in box `b` (its rows limited to `[lo, hi)`, so
/// neighbouring lines never intrude) with the vertical window `v`, scales it to the input
/// height and pads the width to the stride. A new line, until the caller says otherwise.
fn crop_and_scale(
    ink: &GrayImage,
    b: BBox,
    (x0, x1): (usize, usize),
    v: Vertical,
    (lo, hi): (usize, usize),
    g: &InputGeometry,
) -> LineImage {
    let left = x0 as isize - v.margin as isize;
    let src_w = x1 - x0 + 2 * v.margin;
    let w = ((src_w as f32 * v.x_scale).round() as usize).clamp(1, g.max_width);
    let window = window(ink, (left, v.top), (src_w, v.rows), (lo, hi));
    let scaled = window.resize(w, g.height);
    let padded_w = w.div_ceil(g.width_multiple) * g.width_multiple;
    LineImage {
        image: pad(&scaled, 0, 0, padded_w - w, 0),
        bbox: BBox {
            x: x0,
            width: x1 - x0,
            ..b
        },
        quad: corners(b),
        join: Join::NewLine,
    }
}

/// The centre row and the height of the body (x-height band) of the line in box `b`: the
/// ink-weighted mean row, and four times the ink's mean absolute deviation from it (exactly
/// the band's height for ink spread evenly over a band), never under a third of the box.
fn body_band(ink: &GrayImage, b: BBox) -> (f32, f32) {
    let (mut mass, mut moment) = (0.0f64, 0.0f64);
    let rows: Vec<f64> = (b.y..b.y + b.height)
        .map(|y| (b.x..b.x + b.width).map(|x| ink.get(x, y) as f64).sum())
        .collect();
    for (i, &r) in rows.iter().enumerate() {
        mass += r;
        moment += r * (b.y + i) as f64;
    }
    if mass <= 0.0 {
        return (b.y as f32 + b.height as f32 / 2.0, b.height as f32);
    }
    // Centre of the pixel rows: row y covers [y, y + 1).
    let centre = moment / mass + 0.5;
    let mad = rows
        .iter()
        .enumerate()
        .map(|(i, &r)| r * ((b.y + i) as f64 + 0.5 - centre).abs())
        .sum::<f64>()
        / mass;
    let body = (4.0 * mad).max(b.height as f64 / 3.0).max(1.0);
    (centre as f32, body as f32)
}

/// The `size` window of `ink` at `origin`, reading rows outside `[rows.0, rows.1)` and pixels
/// outside the image as background.
fn window(
    ink: &GrayImage,
    origin: (isize, isize),
    size: (usize, usize),
    rows: (usize, usize),
) -> GrayImage {
    let (w, h) = size;
    let mut out = GrayImage::filled(w, h, 0.0);
    let rows = (rows.0 as isize, rows.1.min(ink.height) as isize);
    let xs = origin.0.max(0)..(origin.0 + w as isize).min(ink.width as isize);
    if xs.is_empty() {
        return out;
    }
    let dx = (xs.start - origin.0) as usize;
    for oy in 0..h {
        let y = origin.1 + oy as isize;
        if y < rows.0 || y >= rows.1 {
            continue;
        }
        let src = y as usize * ink.width;
        out.data[oy * w + dx..oy * w + dx + xs.len()]
            .copy_from_slice(&ink.data[src + xs.start as usize..src + xs.end as usize]);
    }
    out
}

fn pad(img: &GrayImage, left: usize, top: usize, right: usize, bottom: usize) -> GrayImage {
    if left + top + right + bottom == 0 {
        return img.clone();
    }
    let mut out = GrayImage::filled(img.width + left + right, img.height + top + bottom, 0.0);
    for y in 0..img.height {
        let dst = (y + top) * out.width + left;
        out.data[dst..dst + img.width]
            .copy_from_slice(&img.data[y * img.width..(y + 1) * img.width]);
    }
    out
}

/// The `q`-quantile (0..=1) of `values` (of at most [`MAX_SAMPLES`] evenly spaced ones); 0 for
/// an empty slice.
fn percentile(values: &[f32], q: f32) -> f32 {
    if values.is_empty() {
        return 0.0;
    }
    let mut v: Vec<f32> = values
        .iter()
        .step_by(sample_step(values.len()))
        .copied()
        .collect();
    let k = ((v.len() - 1) as f32 * q).round() as usize;
    *v.select_nth_unstable_by(k, f32::total_cmp).1
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn has_ink_is_whether_the_ink_map_exists() {
        let mut images = vec![
            GrayImage::filled(40, 10, 1.0),
            GrayImage::filled(40, 10, 0.0),
            GrayImage {
                width: 0,
                height: 0,
                data: Vec::new(),
            },
        ];
        // Contrast around the 0.08 the ink map asks for, light and dark backgrounds, a lot of
        // ink and a little.
        for (paper, ink) in [
            (1.0, 0.921),
            (1.0, 0.919),
            (0.9, 0.8),
            (0.1, 0.185),
            (0.1, 0.175),
        ] {
            images.push(page(40, 10, &[(5, 2, 20, 6)], paper, ink));
            images.push(page(40, 10, &[(0, 0, 30, 10)], paper, ink));
            images.push(page(40, 10, &[(0, 0, 20, 10)], paper, ink));
            images.push(page(41, 10, &[(0, 0, 20, 10)], paper, ink));
        }
        // Noise.
        let mut seed = 7u32;
        images.push(GrayImage {
            width: 64,
            height: 64,
            data: (0..64 * 64)
                .map(|_| {
                    seed = seed.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
                    0.5 + 0.05 * (seed >> 8) as f32 / (1u32 << 24) as f32
                })
                .collect(),
        });
        let mut both = [0, 0];
        for img in &images {
            let has = has_ink(img);
            assert_eq!(has, ink_map(img).is_some(), "{}x{}", img.width, img.height);
            both[usize::from(has)] += 1;
        }
        assert!(both[0] >= 4 && both[1] >= 4, "{both:?}");
    }

    /// A light image with a dark rectangle ("ink") at the given place.
    fn page(
        w: usize,
        h: usize,
        rects: &[(usize, usize, usize, usize)],
        paper: f32,
        ink: f32,
    ) -> GrayImage {
        let mut img = GrayImage::filled(w, h, paper);
        for &(x, y, rw, rh) in rects {
            for yy in y..y + rh {
                for xx in x..x + rw {
                    img.data[yy * w + xx] = ink;
                }
            }
        }
        img
    }

    #[test]
    fn polarity_is_detected_both_ways() {
        let dark_on_light = page(50, 20, &[(10, 5, 30, 10)], 0.9, 0.1);
        let light_on_dark = page(50, 20, &[(10, 5, 30, 10)], 0.15, 0.85);
        for img in [dark_on_light, light_on_dark] {
            let ink = ink_map(&img).unwrap();
            assert_eq!(ink.get(20, 10), 1.0);
            assert_eq!(ink.get(2, 2), 0.0);
        }
    }

    #[test]
    fn the_background_is_the_median_side_next_to_the_boundary() {
        // 20 pixels, the median is the 11th smallest (rank round(19 / 2) = 10): 11 dark
        // pixels make a dark background (light ink), 9 a light one (dark ink).
        for (dark, light_is_ink) in [(11, true), (9, false)] {
            let data = (0..20).map(|i| if i < dark { 0.2 } else { 0.8 }).collect();
            let img = GrayImage {
                width: 20,
                height: 1,
                data,
            };
            let ink = ink_map(&img).unwrap();
            assert_eq!(ink.get(19, 0) == 1.0, light_is_ink, "{dark} dark pixels");
            assert_eq!(ink.get(0, 0) == 1.0, !light_is_ink, "{dark} dark pixels");
        }
    }

    #[test]
    fn low_contrast_is_stretched_and_blank_is_none() {
        let faint = page(40, 20, &[(5, 5, 20, 8)], 0.6, 0.45);
        let ink = ink_map(&faint).unwrap();
        assert_eq!(ink.get(10, 8), 1.0);
        assert_eq!(ink.get(1, 1), 0.0);
        assert!(ink_map(&GrayImage::filled(30, 30, 0.7)).is_none());
    }

    #[test]
    fn line_is_cropped_and_scaled_to_height_keeping_aspect() {
        let img = page(200, 60, &[(50, 20, 100, 20)], 1.0, 0.0);
        let g = InputGeometry::new(32, 4);
        let line = prepare_line(&img, &g).unwrap().unwrap();
        assert_eq!(line.image.height, 32);
        // Ink 100x20 plus a 2 px margin on each side: 104x24 scaled by 32/24.
        assert_eq!(line.image.width, 140); // round(104*4/3)=139 padded to 140
        assert_eq!(
            line.bbox,
            BBox {
                x: 50,
                y: 20,
                width: 100,
                height: 20
            }
        );
        assert_eq!(line.image.width % 4, 0);
    }

    #[test]
    fn narrow_writing_is_stretched_to_the_geometry_density() {
        // 30 strokes 2 px wide, 20 tall, every `pitch` px.
        let strokes = |pitch: usize| {
            let rects: Vec<_> = (0..30).map(|k| (20 + k * pitch, 20, 2, 20)).collect();
            page(40 + 30 * pitch, 60, &rects, 1.0, 0.0)
        };
        let plain = InputGeometry::new(32, 4);
        let stretched = plain.with_density(Some(2.5));
        let widths = |img: &GrayImage| {
            let w = |g| prepare_line(img, g).unwrap().unwrap().image.width as f32;
            (w(&plain), w(&stretched))
        };
        // Every 4 px in a 20 px body: density 5, twice the target: drawn twice as wide.
        let (a, b) = widths(&strokes(4));
        assert!((b / a - 2.0).abs() < 0.05, "{a} -> {b}");
        // Every 6 px: density 3.3: 1.33x.
        let (a, b) = widths(&strokes(6));
        assert!((b / a - 10.0 / 7.5).abs() < 0.05, "{a} -> {b}");
        // Every 10 px: density 2, under the target: as written.
        let (a, b) = widths(&strokes(10));
        assert_eq!(a, b);
        // A model file's geometry without the setting reads widths as written.
        assert_eq!(plain.density, None);
    }

    #[test]
    fn body_scaling_ignores_ascenders_and_centres_the_body() {
        // A 100x12 body alone, and the same body with a tall narrow ascender.
        let plain = page(200, 80, &[(50, 40, 100, 12)], 1.0, 0.0);
        let tall = page(200, 80, &[(50, 40, 100, 12), (60, 22, 3, 18)], 1.0, 0.0);
        let g = InputGeometry::new(32, 4).with_norm(LineNorm::Body);
        let a = prepare_line(&plain, &g).unwrap().unwrap();
        let b = prepare_line(&tall, &g).unwrap().unwrap();
        // Ink box scaling would shrink the tall line to 40% of the plain one; the body keeps
        // both at the same scale within a few percent: 12 body rows -> 16 of 32.
        let ratio = b.image.width as f32 / a.image.width as f32;
        assert!(
            (0.9..=1.1).contains(&ratio),
            "{} vs {}",
            a.image.width,
            b.image.width
        );
        // The plain body fills rows 8..24 (a pixel of resampling blur at each edge).
        let row = |img: &GrayImage, y: usize| (0..img.width).map(|x| img.get(x, y)).sum::<f32>();
        assert_eq!(row(&a.image, 4), 0.0);
        assert!(
            row(&a.image, 12) > 0.9 * (a.image.width as f32 - 8.0),
            "body row not full"
        );
        assert_eq!(row(&a.image, 28), 0.0);
        // The ascender reaches the top rows and is cut there, not squeezed.
        assert!(row(&b.image, 0) > 0.0);
    }

    #[test]
    fn two_lines_are_split_top_to_bottom() {
        let img = page(
            300,
            120,
            &[(20, 15, 200, 25), (40, 75, 150, 25)],
            0.95,
            0.05,
        );
        let lines = prepare_page(&img, &InputGeometry::new(32, 4)).unwrap();
        assert_eq!(lines.len(), 2);
        assert_eq!(
            lines[0].bbox,
            BBox {
                x: 20,
                y: 15,
                width: 200,
                height: 25
            }
        );
        assert_eq!(
            lines[1].bbox,
            BBox {
                x: 40,
                y: 75,
                width: 150,
                height: 25
            }
        );
        assert!(lines.iter().all(|l| l.image.height == 32));
        // A level page: quads are the boxes' corners.
        assert!(lines.iter().all(|l| l.quad == corners(l.bbox)));
    }

    /// An ink map of text lines of letters (strokes 3 px wide, 8 apart) whose bodies fill rows
    /// `bodies`, with a descender below each at the columns `descenders`: a stroke apart from
    /// the body, `depth` rows deep, ending in a hook 10 px wide.
    fn lines_of_strokes(
        w: usize,
        h: usize,
        bodies: &[(usize, usize)],
        descenders: &[usize],
        depth: usize,
    ) -> GrayImage {
        let mut ink = GrayImage::filled(w, h, 0.0);
        for &(y0, y1) in bodies {
            for x in (20..w - 20).filter(|x| x % 8 < 3) {
                for y in y0..y1 {
                    ink.data[y * w + x] = 1.0;
                }
            }
            for &x in descenders {
                for d in 0..depth {
                    let width = if d + 4 >= depth { 10 } else { 2 };
                    for dx in 0..width {
                        ink.data[(y1 + 4 + d) * w + x + dx] = 1.0;
                    }
                }
            }
        }
        ink
    }

    #[test]
    fn a_line_whose_descenders_are_a_band_of_their_own_is_not_followed() {
        // One line with a few descenders apart below it: two bands of text to the rows, but
        // the descenders' traced line covers few of its columns.
        let descenders: Vec<usize> = (30..370).step_by(60).collect();
        let ink = lines_of_strokes(400, 64, &[(8, 38)], &descenders, 14);
        let bands = split_lines(&ink, INK_THRESHOLD);
        assert_eq!(bands.len(), 2, "{bands:?}");
        assert!(followed_lines(&ink, &bands, true, &|_| false).is_none());
        // Two lines of text are followed, each its own strip.
        let ink = lines_of_strokes(400, 130, &[(8, 38), (70, 100)], &[], 14);
        let bands = split_lines(&ink, INK_THRESHOLD);
        let strips = followed_lines(&ink, &bands, true, &|_| false).expect("followed");
        assert_eq!(strips.len(), 2);
    }

    /// Lines of handwritten "letters" (strokes 3 px wide, 9 apart, a body 12 rows tall that
    /// wanders up and down by up to `jitter` rows, some letters with an ascender or a
    /// descender, words apart): line `i` at `lines[i].0` rows below the first at the page's
    /// centre, at slope `lines[i].1`.
    fn climbing_lines(w: usize, lines: &[(usize, f32)], jitter: f32) -> GrayImage {
        let span = lines.last().map_or(0, |l| l.0);
        let h = span + 40 + 2 * w / 10;
        let mut ink = GrayImage::filled(w, h, 0.0);
        let mut seed = 11u32;
        let mut random = move || {
            seed = seed.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
            (seed >> 8) as f32 / (1u32 << 24) as f32
        };
        let top = (h / 2) as f32 - span as f32 / 2.0;
        for &(offset, slope) in lines {
            for x0 in (30..w - 30).step_by(9) {
                let (r, wander) = (random(), jitter * (2.0 * random() - 1.0));
                if r < 0.12 {
                    continue; // a space between words
                }
                let c = top + offset as f32 + slope * (x0 as f32 - w as f32 / 2.0);
                let c = c + wander;
                let up = if r > 0.8 { 18.0 } else { 6.0 };
                let down = if (0.65..0.8).contains(&r) { 18.0 } else { 6.0 };
                for y in (c - up) as usize..(c + down) as usize {
                    for x in x0..x0 + 3 {
                        ink.data[y * w + x] = 1.0;
                    }
                }
            }
        }
        ink
    }

    #[test]
    fn lines_spaced_unevenly_in_one_band_are_followed_at_their_pitch() {
        // Six lines that wander into one band, spaced 38-50 rows apart: their rows repeat
        // faintly at about twice the pitch (pairs), too long to hold three repeats in the
        // band; the distances between peaks within slices give the pitch, and six lines.
        for (rows, jitter) in [
            (
                [
                    (0, 0.0),
                    (38, 0.02),
                    (76, -0.01),
                    (126, 0.03),
                    (164, 0.0),
                    (214, 0.015),
                ],
                3.0,
            ),
            (
                [
                    (0, 0.0),
                    (40, 0.01),
                    (80, -0.01),
                    (140, 0.02),
                    (180, 0.0),
                    (240, 0.01),
                ],
                8.0,
            ),
        ] {
            let ink = climbing_lines(900, &rows, jitter);
            let bands = split_lines(&ink, INK_THRESHOLD);
            assert_eq!(bands.len(), 1, "{rows:?}");
            let faint = follow::slice_pitch(&ink, INK_THRESHOLD, follow::FAINT_REPEAT);
            assert!(faint.is_some_and(|p| p > 80), "{faint:?}");
            let strips = followed_lines(&ink, &bands, true, &|_| false).expect("followed");
            assert_eq!(strips.len(), 6, "{rows:?}");
        }
    }

    #[test]
    fn the_pitch_followed_is_the_least_of_the_distances_known() {
        // A repeat in slices of twice the bands' spacing (long and short lines) gives way.
        assert_eq!(least(Some(112), Some(57)), Some(57));
        assert_eq!(least(Some(50), Some(57)), Some(50));
        assert_eq!(least(None, Some(57)), Some(57));
        assert_eq!(least(Some(40), None), Some(40));
        assert_eq!(least(None, None), None);
    }

    #[test]
    fn lines_that_wander_into_each_other_repeat_faintly() {
        // Three lines whose letters wander 15 rows up and down, at slopes of their own: one
        // band of ink, its rows repeating too faintly to call it lines unprompted, but at
        // their pitch once the skew estimate has seen lines.
        let ink = climbing_lines(900, &[(0, 0.0), (40, 0.02), (80, -0.005)], 15.0);
        assert_eq!(split_lines(&ink, INK_THRESHOLD).len(), 1);
        assert_eq!(
            follow::slice_pitch(&ink, INK_THRESHOLD, follow::REPEAT),
            None
        );
        let faint = follow::slice_pitch(&ink, INK_THRESHOLD, follow::FAINT_REPEAT);
        assert!(faint.is_some_and(|p| p.abs_diff(40) <= 3), "{faint:?}");
        // Level lines that keep to their rows repeat clearly.
        let ink = climbing_lines(900, &[(0, 0.0), (40, 0.0), (80, 0.0)], 3.0);
        let clear = follow::slice_pitch(&ink, INK_THRESHOLD, follow::REPEAT);
        assert!(clear.is_some_and(|p| p.abs_diff(40) <= 2), "{clear:?}");
    }

    /// An ink map (ink 1 on 0) as a picture: dark ink on light paper.
    fn picture(ink: GrayImage) -> GrayImage {
        GrayImage {
            data: ink.data.iter().map(|v| 0.95 - 0.9 * v).collect(),
            ..ink
        }
    }

    #[test]
    fn a_tilted_page_is_read_level_with_boxes_turned_back_onto_the_input() {
        for deg in [-8.0f32, -3.0, 4.0, 10.0] {
            let img = picture(skew::tests::page(900, 650, 5, deg));
            let lines = prepare_page(&img, &InputGeometry::new(32, 4)).unwrap();
            let starts: Vec<&LineImage> =
                lines.iter().filter(|l| l.join == Join::NewLine).collect();
            assert_eq!(starts.len(), 5, "{deg} degrees");
            for pair in starts.windows(2) {
                assert!(
                    pair[0].quad[0][1] < pair[1].quad[0][1],
                    "{deg}: top to bottom"
                );
            }
            for l in &starts {
                let q = l.quad;
                // The top edge runs at the page's angle, within the estimate's slack.
                let slope = ((q[1][1] - q[0][1]) / (q[1][0] - q[0][0]))
                    .atan()
                    .to_degrees();
                assert!((slope - deg).abs() < 0.5, "{deg}: edge at {slope}");
                // The quad lies on the input (a turned box's corner may stick out a little
                // where ink reaches the edge), around the first piece's box.
                for [x, y] in q {
                    assert!(
                        (-20.0..920.0).contains(&x) && (-20.0..670.0).contains(&y),
                        "{q:?}"
                    );
                }
                let b = l.bbox;
                assert!(b.x + b.width <= 900 && b.y + b.height <= 650);
                let (cx, cy) = ((b.x + b.width / 2) as f32, (b.y + b.height / 2) as f32);
                let (top, bottom) = (q[0][1].min(q[1][1]), q[2][1].max(q[3][1]));
                assert!(cy > top && cy < bottom && cx > q[0][0] - 1.0, "{b:?} {q:?}");
            }
        }
    }

    #[test]
    fn a_second_column_is_read_after_the_main_one_not_joined_to_it() {
        for deg in [0.0f32, 4.0] {
            // The main column (5 lines) and, some 300 px to its right, a note of 3 lines at
            // other heights: read row by row they would be joined line to line.
            let main = skew::tests::page(700, 500, 5, deg);
            let note = skew::tests::page(300, 500, 3, deg);
            let w = 700 + 300 + 300;
            let mut ink = GrayImage::filled(w, 500, 0.0);
            for y in 0..500 {
                ink.data[y * w..y * w + 700].copy_from_slice(&main.data[y * 700..(y + 1) * 700]);
                ink.data[y * w + 1000..(y + 1) * w]
                    .copy_from_slice(&note.data[y * 300..(y + 1) * 300]);
            }
            let lines = prepare_page(&picture(ink), &InputGeometry::new(32, 4)).unwrap();
            let starts: Vec<&LineImage> =
                lines.iter().filter(|l| l.join == Join::NewLine).collect();
            assert_eq!(starts.len(), 8, "{deg} degrees");
            for (i, l) in starts.iter().enumerate() {
                let b = l.bbox;
                if i < 5 {
                    assert!(
                        b.x + b.width <= 720,
                        "{deg}: line {i} of the main column: {b:?}"
                    );
                } else {
                    assert!(b.x >= 980, "{deg}: line {i} of the note: {b:?}");
                }
            }
            for (i, pair) in starts.windows(2).enumerate() {
                if i != 4 {
                    assert!(
                        pair[0].quad[0][1] < pair[1].quad[0][1],
                        "{deg}: top to bottom"
                    );
                }
            }
        }
    }

    #[test]
    fn a_single_tilted_line_reads_as_before() {
        // One tilted line is not turned: one line, its box the ink's box.
        let img = picture(skew::tests::page(700, 120, 1, 4.0));
        let lines = prepare_page(&img, &InputGeometry::new(32, 4)).unwrap();
        let g = InputGeometry::new(32, 4);
        let single = prepare_line(&img, &g).unwrap().unwrap();
        assert_eq!(lines.len(), 1);
        assert_eq!(lines[0].bbox, single.bbox);
        assert_eq!(lines[0].image, single.image);
    }

    #[test]
    fn a_short_last_line_of_a_tilted_page_is_read() {
        // A paragraph's last line of one word is far narrower than the others: a line, not a
        // speck.
        for deg in [-6.0f32, 4.0] {
            let img = picture(skew::tests::page_ending_short(900, 650, 5, deg, 1));
            let lines = prepare_page(&img, &InputGeometry::new(32, 4)).unwrap();
            let starts: Vec<&LineImage> =
                lines.iter().filter(|l| l.join == Join::NewLine).collect();
            assert_eq!(starts.len(), 5, "{deg} degrees");
            let last = starts[4].bbox;
            assert!(last.width < 250, "{deg}: {last:?}");
        }
    }

    #[test]
    fn noise_is_no_page_of_many_lines() {
        // Uniform noise has no text lines: its row profile repeats nowhere, so it is not cut
        // into lines at a made-up pitch (seeded; sizes of a small crop).
        let mut seed = 12345u32;
        let mut rand = || {
            seed = seed.wrapping_mul(1_103_515_245).wrapping_add(12345);
            (seed >> 8) as f32 / (1 << 24) as f32
        };
        let mut many = Vec::new();
        for _ in 0..200 {
            let w = 16 + (rand() * 48.0) as usize;
            let h = 8 + (rand() * 56.0) as usize;
            let img = GrayImage {
                width: w,
                height: h,
                data: (0..w * h).map(|_| rand()).collect(),
            };
            let n = prepare_page(&img, &InputGeometry::new(48, 4))
                .unwrap()
                .len();
            if n > 1 {
                many.push((w, h, n));
            }
        }
        assert!(
            many.is_empty(),
            "noise read as several lines (w, h, lines): {many:?}"
        );
        // Any small image, however narrow or flat, is prepared without a panic.
        for w in 1..24 {
            for h in 1..40 {
                let img = GrayImage {
                    width: w,
                    height: h,
                    data: (0..w * h)
                        .map(|_| if rand() < 0.5 { 0.0 } else { 1.0 })
                        .collect(),
                };
                assert!(
                    prepare_page(&img, &InputGeometry::new(48, 4)).is_ok(),
                    "{w}x{h}"
                );
            }
        }
    }

    #[test]
    fn a_rule_alone_is_no_line_and_rules_between_lines_are_dropped() {
        let g = InputGeometry::new(48, 4);
        // A ruled line on paper, level and tilted: nothing to read.
        for rise in [0, 20] {
            let mut img = GrayImage::filled(640, 60, 0.95);
            for i in 0..600 {
                let y = 30 - rise * i / 600;
                img.data[y * 640 + 20 + i] = 0.2;
                img.data[(y + 1) * 640 + 20 + i] = 0.2;
            }
            assert_eq!(prepare_page(&img, &g).unwrap(), Vec::new(), "rise {rise}");
        }
        // Three lines of words with a rule under each, half-way to the next: the same lines.
        let mut img = skew::tests::page(600, 240, 3, 0.0);
        let lines = prepare_page(&img, &g).unwrap();
        assert_eq!(lines.len(), 3);
        for y in [84, 148, 212] {
            for x in 20..580 {
                img.data[y * 600 + x] = 1.0;
                img.data[(y + 1) * 600 + x] = 1.0;
            }
        }
        let ruled = prepare_page(&img, &g).unwrap();
        let tops = |ls: &[LineImage]| ls.iter().map(|l| l.bbox.y).collect::<Vec<_>>();
        assert_eq!(tops(&ruled), tops(&lines));
    }

    #[test]
    fn blank_page_has_no_lines() {
        let lines =
            prepare_page(&GrayImage::filled(64, 64, 1.0), &InputGeometry::new(32, 4)).unwrap();
        assert!(lines.is_empty());
    }
}
