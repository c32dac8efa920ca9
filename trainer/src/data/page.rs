//! Pages to measure page reading on: several lines of one hand or face (one writer per page),
//! line spacing, margins, ruled paper, a skew, a bent page and the style's photo effects;
//! with each line also drawn alone, so that a page's CER stands beside its lines'.

use super::Generator;
use super::augment;
use super::fonts::Split;
use super::render::gauss;
use super::style::{self, Style};
use anyhow::Result;
use inkline::GrayImage;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

/// One page and what it holds.
pub struct Page {
    /// A note of 1-3 short lines stands in the right margin (its lines come last in `lines`).
    pub note: bool,
    /// The page image (luminance, 1 = white).
    pub image: GrayImage,
    /// Its lines' texts, top to bottom.
    pub lines: Vec<String>,
    /// Each line drawn alone with the same ink, surface and effects' kind.
    pub alone: Vec<GrayImage>,
    /// The skew of its lines in degrees (positive descends to the right).
    pub skew_deg: f32,
    /// Ruled paper.
    pub ruled: bool,
    /// A bent page: lines curve.
    pub curved: bool,
    /// Font family.
    pub family: String,
}

impl Page {
    /// What the page's lines must be found through: `ruled` or `plain paper`, `bent` or
    /// `flat`, `tilted` (over 1 degree) or `level`, and `margin note` where there is one.
    pub fn effects(&self) -> Vec<String> {
        let pick = |on: bool, yes: &str, no: &str| if on { yes } else { no }.to_string();
        let mut out = vec![
            pick(self.ruled, "ruled", "plain paper"),
            pick(self.curved, "bent", "flat"),
            pick(self.skew_deg.abs() >= 1.0, "tilted", "level"),
        ];
        if self.note {
            out.push("margin note".into());
        }
        out
    }

    /// The page's skew bucket, as the README's page table has them.
    pub fn bucket(&self) -> &'static str {
        match self.skew_deg.abs() {
            a if a < 1.0 => "skew 0-1",
            a if a < 3.0 => "skew 1-3",
            a if a < 5.0 => "skew 3-5",
            a if a < 8.0 => "skew 5-8",
            _ => "skew 8-10",
        }
    }
}

/// Largest skew of a page, in degrees either way.
pub const MAX_SKEW_DEG: f32 = 10.0;

/// The row where a line mask's body ends (its baseline): below the row of most ink, where the
/// row's ink falls under a third of that.
fn baseline(mask: &GrayImage) -> usize {
    let rows: Vec<f32> = (0..mask.height)
        .map(|y| mask.data[y * mask.width..(y + 1) * mask.width].iter().sum())
        .collect();
    let (peak, &max) = rows
        .iter()
        .enumerate()
        .max_by(|a, b| a.1.total_cmp(b.1))
        .unwrap_or((0, &0.0));
    (peak..mask.height)
        .find(|&y| rows[y] < max / 3.0)
        .unwrap_or(mask.height)
}

/// Mask pixels at least this dark are a glyph's ink (fainter ones are its rim).
const GLYPH_INK: f32 = 0.25;

/// Per column of `mask`, the first and last rows of glyph ink, from its baseline.
fn column_extents(mask: &GrayImage) -> Vec<Option<(isize, isize)>> {
    let base = baseline(mask) as isize;
    (0..mask.width)
        .map(|x| {
            let mut rows = (0..mask.height).filter(|&y| mask.get(x, y) >= GLYPH_INK);
            let first = rows.next()? as isize;
            let last = rows.next_back().map_or(first, |y| y as isize);
            Some((first - base, last - base))
        })
        .collect()
}

/// The least pitch at which no two lines' glyphs share a pixel, the masks placed with their
/// left edges at `lefts` and their baselines `slots` pitches down (touching is allowed: a
/// row's rounding either way is allowed for).
fn pitch_apart(masks: &[GrayImage], lefts: &[usize], slots: &[f32]) -> f32 {
    let extents: Vec<_> = masks.iter().map(column_extents).collect();
    let mut least = 0.0f32;
    for a in 0..masks.len() {
        for b in 0..masks.len() {
            let apart = slots[b] - slots[a];
            if apart <= 0.0 {
                continue;
            }
            // How far b's baseline must lie below a's in the columns they share.
            let need = (0..extents[a].len())
                .filter_map(|x| {
                    let (_, low) = extents[a][x]?;
                    let xb = (lefts[a] + x).checked_sub(lefts[b])?;
                    let (high, _) = (*extents[b].get(xb)?)?;
                    Some(low - high + 2)
                })
                .max();
            if let Some(need) = need {
                least = least.max(need as f32 / apart);
            }
        }
    }
    least
}

/// Page `index` of `style` in `split` (deterministic in `seed` and `index`), with a note of 1-3
/// short lines (1-3 words each) in its right margin when `note` (without, the same page as
/// ever: the note draws its random numbers only when asked for).
pub fn page(
    generator: &Generator,
    style: Style,
    split: Split,
    seed: u64,
    index: u64,
    note: bool,
) -> Result<Page> {
    let mut rng = ChaCha8Rng::seed_from_u64(
        seed.wrapping_mul(0xA076_1D64_78BD_642F) ^ index ^ ((style as u64) << 40),
    );
    let (family, face) = generator.choose(style, split, &mut rng)?;
    let n = rng.random_range(3..=7);
    // One writer, one size.
    let size = style::face_size(face, &mut rng);
    let mut masks = Vec::new();
    let mut lines = Vec::new();
    let mut em = 0.0f32;
    for _ in 0..n {
        let ((mask, size, _), text) =
            generator.draw_text(face, split, &mut rng, &family.name, |t, r| {
                style::line_mask(style, face, t, size, r)
            })?;
        em = em.max(size);
        masks.push(mask);
        lines.push(text);
    }
    let mut pitch = em * rng.random_range(1.3..1.8f32);
    let margin = em * rng.random_range(0.6..2.0f32);
    let main_width = masks.iter().map(|m| m.width).max().unwrap_or(1) as f32;
    // Each mask's baseline goes to its line's slot on the page, a pitch apart.
    let mut slots: Vec<f32> = (0..n).map(|k| k as f32).collect();
    // Per line, its left edge; the note's lines stand beyond the main column, beside a
    // main line of their own, as far from it as 3-5 line heights.
    let mut lefts = vec![margin; n];
    let mut width = main_width + 2.0 * margin;
    if note {
        let words = |t: &str, k: usize| t.split(' ').take(k).collect::<Vec<_>>().join(" ");
        let count = rng.random_range(1..=3usize);
        let first = rng.random_range(0..n);
        let x = margin + main_width + em * rng.random_range(3.0..5.0f32);
        let mut note_width = 0.0f32;
        for j in 0..count {
            let k = rng.random_range(1..=3usize);
            let ((mask, text), _) =
                generator.draw_text(face, split, &mut rng, &family.name, |t, r| {
                    let short = words(t, k);
                    Ok(style::line_mask(style, face, &short, size, r)?.map(|m| (m.0, short)))
                })?;
            note_width = note_width.max(mask.width as f32);
            slots.push((first + j) as f32);
            lefts.push(x);
            masks.push(mask);
            lines.push(text);
        }
        width = x + note_width + margin;
    }
    let n = masks.len();
    let lefts: Vec<usize> = lefts
        .iter()
        .map(|&l| (l + gauss(&mut rng, 0.15 * em)).max(0.0) as usize)
        .collect();
    // Lines may touch but their glyphs never overlap: the pitch grows where a line (with its
    // own slope or drift) would run into the next.
    pitch = pitch.max(pitch_apart(&masks, &lefts, &slots));
    let bases: Vec<f32> = slots.iter().map(|s| margin + pitch * (s + 0.8)).collect();
    let tops: Vec<f32> = masks
        .iter()
        .zip(&bases)
        .map(|(m, b)| b - baseline(m) as f32)
        .collect();
    let height = masks
        .iter()
        .zip(&tops)
        .map(|(m, t)| t + m.height as f32)
        .fold(bases[n - 1], f32::max)
        + margin;
    let top_shift = tops.iter().copied().fold(0.0f32, f32::min).min(0.0);
    let (w, h) = (width.ceil() as usize, (height - top_shift).ceil() as usize);
    let mut flat = GrayImage::filled(w, h, 0.0);
    for (k, m) in masks.iter().enumerate() {
        let x0 = lefts[k];
        let y0 = (tops[k] - top_shift).max(0.0) as usize;
        for y in 0..m.height.min(h.saturating_sub(y0)) {
            for x in 0..m.width.min(w.saturating_sub(x0)) {
                let i = (y0 + y) * w + x0 + x;
                flat.data[i] = flat.data[i].max(m.get(x, y));
            }
        }
    }
    let ruled = rng.random_bool(0.35);
    if ruled {
        // Faint rules under every line, across the page, and on down to its foot.
        let mut y = bases[0] - top_shift + 0.08 * em;
        while (y as usize) < h {
            for x in 0..w {
                let i = y as usize * w + x;
                flat.data[i] = flat.data[i].max(0.35);
            }
            y += pitch;
        }
    }
    let skew_deg = rng.random_range(-MAX_SKEW_DEG..MAX_SKEW_DEG);
    let curved = rng.random_bool(0.3);
    let bend = if curved {
        em * rng.random_range(0.3..1.0f32) * if rng.random_bool(0.5) { 1.0 } else { -1.0 }
    } else {
        0.0
    };
    // Turned by the skew (about the centre, on a canvas that holds it all) and bent: each
    // output pixel samples the flat page.
    let (s, c) = skew_deg.to_radians().sin_cos();
    let (ow, oh) = (
        (w as f32 * c.abs() + h as f32 * s.abs()).ceil() as usize,
        (w as f32 * s.abs() + h as f32 * c.abs()).ceil() as usize,
    );
    let mut out = GrayImage::filled(ow, oh, 0.0);
    let (cx, cy, ocx, ocy) = (
        w as f32 / 2.0,
        h as f32 / 2.0,
        ow as f32 / 2.0,
        oh as f32 / 2.0,
    );
    for y in 0..oh {
        for x in 0..ow {
            let (dx, dy) = (x as f32 - ocx, y as f32 - ocy);
            let fx = cx + dx * c + dy * s;
            let fy = cy - dx * s + dy * c;
            let fy = fy - bend * (std::f32::consts::PI * fx / w as f32).sin();
            out.data[y * ow + x] = augment::sample(&flat, fx, fy);
        }
    }
    let image = style::finish(style, out, em, &mut rng);
    let alone = masks
        .into_iter()
        .map(|m| style::finish(style, m, em, &mut rng))
        .collect();
    Ok(Page {
        note,
        image,
        lines,
        alone,
        skew_deg,
        ruled,
        curved,
        family: family.name.clone(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::generator::test_support::embedded;

    #[test]
    fn a_page_holds_its_lines_and_is_deterministic() {
        let g = embedded();
        let a = page(&g, Style::Printed, Split::Train, 3, 5, false).unwrap();
        let b = page(&g, Style::Printed, Split::Train, 3, 5, false).unwrap();
        assert_eq!(a.image, b.image);
        assert_eq!(a.lines, b.lines);
        assert!((3..=7).contains(&a.lines.len()));
        assert_eq!(a.alone.len(), a.lines.len());
        assert!(a.skew_deg.abs() <= MAX_SKEW_DEG);
        // Taller than any of its lines alone: the lines stack.
        let tallest = a.alone.iter().map(|l| l.height).max().unwrap();
        assert!(
            a.image.height > 2 * tallest,
            "{} vs {tallest}",
            a.image.height
        );
        let other = page(&g, Style::Printed, Split::Train, 3, 6, false).unwrap();
        assert_ne!(other.lines, a.lines);
    }

    /// Rendered pages on ruled paper or bent, tilted up to 10 degrees, are split into as many
    /// lines as they hold, top to bottom (the left ends of left-aligned lines go down the
    /// page whichever way it is tilted). Before lines were followed (`follow.rs`), 5 of these
    /// pages were split wrong.
    #[test]
    fn ruled_and_bent_pages_are_split_into_their_lines_in_order() {
        use inkline::internals::prepare_page;
        use inkline::{InputGeometry, Join};
        let g = embedded();
        let geometry = InputGeometry::new(48, 4);
        let (mut ruled, mut bent) = (0, 0);
        let (mut wrong, mut checked) = (Vec::new(), 0usize);
        for index in 0..16 {
            for style in [Style::Printed, Style::Handwriting] {
                let p = page(&g, style, Split::Train, 11, index, false).unwrap();
                if !(p.ruled || p.curved) {
                    continue;
                }
                ruled += usize::from(p.ruled);
                bent += usize::from(p.curved);
                let found = prepare_page(&p.image, &geometry).unwrap();
                let starts: Vec<_> = found.iter().filter(|l| l.join == Join::NewLine).collect();
                let what = format!("{style:?} page {index} ({:?})", p.effects());
                let left_mid: Vec<f32> = starts
                    .iter()
                    .map(|l| (l.quad[0][1] + l.quad[3][1]) / 2.0)
                    .collect();
                checked += 1;
                if starts.len() != p.lines.len() || left_mid.windows(2).any(|w| w[0] >= w[1]) {
                    wrong.push(format!(
                        "{what}: {} lines found of {:?}, left ends at {left_mid:?}",
                        starts.len(),
                        p.lines
                    ));
                }
            }
        }
        assert!(ruled >= 4 && bent >= 4, "ruled {ruled}, bent {bent}");
        // Hard pages stay (lines of different hands that touch, a lone word against the next
        // line): at most one in six is split wrong.
        assert!(
            wrong.len() * 6 <= checked,
            "{} of {checked}:\n{}",
            wrong.len(),
            wrong.join("\n")
        );
    }

    /// A body band 10 rows high across a mask 40 wide, with an ascender (rows 0-9) or a
    /// descender (rows 20-29) in column 5.
    fn stroke_line(ascender: bool, descender: bool) -> GrayImage {
        let mut m = GrayImage::filled(40, 30, 0.0);
        for y in 0..30 {
            for x in 0..40 {
                let body = (10..20).contains(&y);
                let stem = x == 5 && ((ascender && y < 10) || (descender && y >= 20));
                if body || stem {
                    m.data[y * 40 + x] = 1.0;
                }
            }
        }
        m
    }

    #[test]
    fn lines_are_spaced_so_that_their_glyphs_never_overlap() {
        let (a, b) = (stroke_line(false, true), stroke_line(true, false));
        assert_eq!(baseline(&a), 20);
        // The descender ends 9 rows under a's baseline, the ascender starts 20 over b's: b's
        // baseline goes at least 29 rows (and a row's rounding each way) under a's.
        let masks = [a, b];
        assert_eq!(pitch_apart(&masks, &[0, 0], &[0.0, 1.0]), 31.0);
        assert_eq!(pitch_apart(&masks, &[0, 0], &[0.0, 2.0]), 15.5);
        // Shifted so that the stems miss each other: the descender still reaches b's body.
        assert_eq!(pitch_apart(&masks, &[0, 3], &[0.0, 1.0]), 21.0);
        // Side by side (a margin note beside a main line): nothing to keep apart.
        assert_eq!(pitch_apart(&masks, &[0, 50], &[0.0, 1.0]), 0.0);
        // Upside down order: b above a.
        assert_eq!(pitch_apart(&masks, &[0, 0], &[1.0, 0.0]), 11.0);
    }

    #[test]
    fn buckets_follow_the_skew() {
        let g = embedded();
        let mut p = page(&g, Style::Handwriting, Split::Train, 1, 0, false).unwrap();
        for (deg, bucket) in [
            (0.5, "skew 0-1"),
            (-2.0, "skew 1-3"),
            (4.9, "skew 3-5"),
            (-7.0, "skew 5-8"),
            (9.5, "skew 8-10"),
        ] {
            p.skew_deg = deg;
            assert_eq!(p.bucket(), bucket);
        }
    }

    #[test]
    fn a_margin_note_adds_short_lines_beside_the_main_column() {
        let g = embedded();
        let plain = page(&g, Style::Printed, Split::Train, 3, 5, false).unwrap();
        let noted = page(&g, Style::Printed, Split::Train, 3, 5, true).unwrap();
        let main = plain.lines.len();
        assert!(!plain.note && noted.note);
        // The same main lines, then 1-3 note lines of 1-3 words each.
        assert_eq!(noted.lines[..main], plain.lines[..]);
        let extra = &noted.lines[main..];
        assert!((1..=3).contains(&extra.len()), "{extra:?}");
        assert!(
            extra
                .iter()
                .all(|t| (1..=3).contains(&t.split(' ').count())),
            "{extra:?}"
        );
        assert_eq!(noted.alone.len(), noted.lines.len());
        assert!(noted.effects().contains(&"margin note".to_string()));
        assert!(!plain.effects().contains(&"margin note".to_string()));
    }
}
