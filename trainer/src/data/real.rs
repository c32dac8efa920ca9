//! Real writers' ink as lines to train and validate on: a writer's real text lines, or lines
//! composed from one writer's real words (sized by that writer's scale, baselines matched,
//! spaced as that writer spaces words in their text lines), varied as another writing of the
//! same hand ([`ink::augment`]) and drawn in a style's look: pen ink as the notes app's pad
//! draws it, pen on paper (ballpoint, felt-tip, pencil) or marker on a board; then the style's
//! surface and degradations ([`style::finish`]).

use super::augment::smooth_field;
use super::ink::{self, Ink, InkVariation};
use super::render::{InkPen, render_ink};
use super::style::{self, Style};
use super::unipen::{RealData, RealSample, Segment, WriterSplit, split_of};
use anyhow::{Result, bail};
use inkline::GrayImage;
use rand::Rng;
use std::collections::BTreeMap;
use std::path::Path;

/// One real line, drawn.
#[derive(Debug)]
pub struct RealLine {
    /// The image (luminance, 1 = white).
    pub image: GrayImage,
    /// Its text.
    pub text: String,
    /// The writer key (`contributor/id`).
    pub writer: String,
    /// For the strokes look: the ink as the notes app's pad records it, at the size and
    /// pressure drawn (points `[x, y, pressure]` in CSS pixels, the baseline on the pad's first
    /// rule, 59.5 px down), so that the app's own rendering can be measured on the same line.
    pub pad: Option<Vec<Vec<[f32; 3]>>>,
}

/// Where the pad's first rule lies (CSS px from its top; `www/pad.js`'s RULE).
const PAD_RULE: f32 = 59.5;
/// Where the pad ink's first point lies from the pad's left edge (CSS px).
const PAD_LEFT: f32 = 20.0;

/// One writer's words and habits.
struct Writer {
    /// Indices of the writer's words.
    words: Vec<usize>,
    /// Median body height of the words, in the device's units.
    body: f32,
    /// Median gap between words in the writer's text lines, in body heights.
    gap: Option<f32>,
}

/// The real ink of one data folder, indexed by split for sampling.
pub struct RealInk {
    samples: Vec<RealSample>,
    /// Line samples of the train writers, shortest label first (so that the lines up to a
    /// length are a prefix).
    train_lines: Vec<usize>,
    /// Line samples of the validation writers, the writers taken in turn (each writer's lines
    /// in file order), so that any first part of the set holds every writer alike.
    val_lines: Vec<usize>,
    /// Writers with words, per split.
    writers: BTreeMap<WriterSplit, Vec<Writer>>,
    /// Median word gap over every writer, for writers with no text lines.
    gap: f32,
    /// The widest pen of the strokes look, in bodies ([`RealInk::with_pen_cap`]).
    pen_cap: Option<f32>,
    /// How training lines are varied ([`RealInk::with_stretch`]).
    variation: InkVariation,
    report: String,
}

/// Narrowest word gap of a composed line, in body heights: narrower gaps in a writer's lines
/// are real, but a composed line has no context to tell them from letter spacing.
const MIN_GAP: f32 = 0.7;

/// The notes app's widest pen for reading, in bodies (`www/pad.js`'s PEN_CAP).
const APP_PEN_CAP: f32 = 0.16;

/// Share of the training pad ink drawn with the app's pen.
const APP_PEN_SHARE: f64 = 0.5;

/// Share of training samples that are real text lines (the rest are composed from words).
const LINE_SHARE: f64 = 0.4;

fn median(mut v: Vec<f32>) -> Option<f32> {
    v.sort_by(f32::total_cmp);
    v.get(v.len() / 2).copied()
}

impl RealInk {
    /// Reads and indexes the data in `dir` (see [`RealData::load`]).
    pub fn load(dir: &Path) -> Result<Self> {
        Ok(Self::new(RealData::load(dir)?))
    }

    /// Indexes loaded data.
    pub fn new(data: RealData) -> Self {
        let report = data.report();
        let samples = data.samples;
        let mut lines: BTreeMap<WriterSplit, Vec<usize>> = BTreeMap::new();
        let mut by_writer: BTreeMap<&str, (Vec<usize>, Vec<f32>)> = BTreeMap::new();
        for (i, s) in samples.iter().enumerate() {
            match s.segment {
                Segment::Line => {
                    lines.entry(split_of(&s.person)).or_default().push(i);
                    let words = s.label.split(' ').count();
                    let (clusters, gaps) = s.ink.clusters(0.5);
                    if words > 1 && clusters.len() == words {
                        by_writer.entry(&s.writer).or_default().1.extend(gaps);
                    }
                }
                Segment::Word => by_writer.entry(&s.writer).or_default().0.push(i),
            }
        }
        let mut train_lines = lines.remove(&WriterSplit::Train).unwrap_or_default();
        train_lines.sort_by_key(|&i| samples[i].label.len());
        let mut val_by_writer: BTreeMap<&str, Vec<usize>> = BTreeMap::new();
        for &i in lines.get(&WriterSplit::Val).into_iter().flatten() {
            val_by_writer.entry(&samples[i].writer).or_default().push(i);
        }
        let rounds = val_by_writer.values().map(Vec::len).max().unwrap_or(0);
        let val_lines = (0..rounds)
            .flat_map(|r| {
                val_by_writer
                    .values()
                    .filter_map(move |l| l.get(r).copied())
            })
            .collect();
        let all_gaps: Vec<f32> = by_writer.values().flat_map(|w| w.1.clone()).collect();
        let gap = median(all_gaps).unwrap_or(0.9);
        let mut writers: BTreeMap<WriterSplit, Vec<Writer>> = BTreeMap::new();
        for (words, gaps) in by_writer.into_values() {
            let Some(&first) = words.first() else {
                continue;
            };
            let body = median(words.iter().map(|&i| samples[i].body).collect()).unwrap_or(1.0);
            writers
                .entry(split_of(&samples[first].person))
                .or_default()
                .push(Writer {
                    words,
                    body,
                    gap: (gaps.len() >= 3).then(|| median(gaps).unwrap_or(gap)),
                });
        }
        Self {
            samples,
            train_lines,
            val_lines,
            writers,
            gap,
            pen_cap: None,
            variation: InkVariation::default(),
            report,
        }
    }

    /// Stretches training lines horizontally by up to `stretch` either way (0.5: 0.5x to
    /// 1.5x; [`InkVariation::stretch`]), for hands much narrower or wider than most.
    pub fn with_stretch(mut self, stretch: f32) -> Self {
        self.variation.stretch = stretch;
        self
    }

    /// Draws the strokes look with its pen at most `cap` bodies wide, as the notes app
    /// renders its pad's ink for reading (`www/pad.js`), so that a validation export measures
    /// what the app reads.
    pub fn with_pen_cap(mut self, cap: f32) -> Self {
        self.pen_cap = Some(cap);
        self
    }

    /// What was read, kept and skipped, in words.
    pub fn report(&self) -> &str {
        &self.report
    }

    /// The validation lines of at most `max_chars` characters, in their fixed order.
    fn val_lines(&self, max_chars: usize) -> impl Iterator<Item = usize> + '_ {
        self.val_lines
            .iter()
            .copied()
            .filter(move |&i| self.samples[i].label.len() <= max_chars)
    }

    /// How many validation lines of at most `max_chars` characters there are.
    pub fn val_count(&self, max_chars: usize) -> usize {
        self.val_lines(max_chars).count()
    }

    /// Validation line `index` (of [`RealInk::val_count`]) drawn in `style`'s look; the ink
    /// as written, not varied.
    pub fn val_line(
        &self,
        style: Style,
        index: usize,
        max_chars: usize,
        rng: &mut impl Rng,
    ) -> Result<RealLine> {
        let Some(i) = self.val_lines(max_chars).nth(index) else {
            bail!(
                "real validation line {index} of {}: there are no more",
                self.val_count(max_chars)
            )
        };
        let s = &self.samples[i];
        draw(style, &s.ink, &s.label, &s.writer, self.pen_cap, rng)
    }

    /// A training line of the train writers in `style`'s look: a real text line or one
    /// composed from a writer's words, varied.
    pub fn train_line(
        &self,
        style: Style,
        max_chars: usize,
        rng: &mut impl Rng,
    ) -> Result<RealLine> {
        let short = self
            .train_lines
            .partition_point(|&i| self.samples[i].label.len() <= max_chars);
        let lines = &self.train_lines[..short];
        let writers = self
            .writers
            .get(&WriterSplit::Train)
            .map_or(&[][..], Vec::as_slice);
        if lines.is_empty() && writers.is_empty() {
            bail!("the real ink has no training writers");
        }
        let (ink, text, writer) =
            if writers.is_empty() || (!lines.is_empty() && rng.random_bool(LINE_SHARE)) {
                let s = &self.samples[lines[rng.random_range(0..lines.len())]];
                (s.ink.clone(), s.label.clone(), s.writer.clone())
            } else {
                self.compose(&writers[rng.random_range(0..writers.len())], max_chars, rng)
            };
        let ink = if rng.random_bool(0.9) {
            ink::augment(&ink, &self.variation, rng)
        } else {
            ink
        };
        // Half the pad ink is drawn as the notes app reads it (its pen capped at the writing's
        // size), half as a screen shows it (the pen the page drew, which other pages pass).
        let pen_cap = self.pen_cap.or_else(|| {
            (style == Style::Strokes && rng.random_bool(APP_PEN_SHARE)).then_some(APP_PEN_CAP)
        });
        draw(style, &ink, &text, &writer, pen_cap, rng)
    }

    /// A line of `writer`'s words: random words up to a random length, each sized by its
    /// body against the writer's, on one baseline, spaced by the writer's word gap.
    fn compose(
        &self,
        writer: &Writer,
        max_chars: usize,
        rng: &mut impl Rng,
    ) -> (Ink, String, String) {
        let target = rng.random_range(4..=max_chars.max(4)).min(max_chars.max(1));
        let gap = writer.gap.unwrap_or(self.gap);
        let mut ink = Ink::default();
        let mut words: Vec<&str> = Vec::new();
        let mut len = 0;
        let mut x = 0.0;
        let mut last_inner = 0.0f32;
        for _ in 0..40 {
            let s = &self.samples[writer.words[rng.random_range(0..writer.words.len())]];
            let add = s.label.len() + usize::from(!words.is_empty());
            if !words.is_empty() && len + add > target {
                break;
            }
            if words.is_empty() && s.label.len() > max_chars {
                continue;
            }
            // The word's size in the device's units over the writer's body: one writer on one
            // device, so sizes agree whatever each word's own body measured.
            let k = (s.body / writer.body).clamp(0.3, 3.0);
            let Some(b) = s.ink.bounds() else { continue };
            // A space must read as one: at least a third wider than the gaps inside the words
            // on either side (letters written apart).
            let inner = s.ink.clusters(0.15).1.into_iter().fold(0.0f32, f32::max) * k;
            if !words.is_empty() {
                x += (gap * rng.random_range(0.8..1.25))
                    .max(1.35 * inner.max(last_inner))
                    .max(MIN_GAP);
            }
            let dy = super::render::gauss(rng, 0.05);
            ink.strokes
                .extend(s.ink.affine(k, k, x - b.x0 * k, dy).strokes);
            x += b.width() * k;
            last_inner = inner;
            words.push(&s.label);
            len += add;
        }
        let first = &self.samples[writer.words[0]];
        (ink, words.join(" "), first.writer.clone())
    }
}

fn u(rng: &mut impl Rng, a: f32, b: f32) -> f32 {
    rng.random_range(a..b)
}

/// `ink` drawn in `style`'s look (the strokes look's pen at most `pen_cap` bodies wide), then
/// the style's surface and degradations.
fn draw(
    style: Style,
    ink: &Ink,
    text: &str,
    writer: &str,
    pen_cap: Option<f32>,
    rng: &mut impl Rng,
) -> Result<RealLine> {
    // The strokes look's CSS body height and pen pressure, for the pad's copy of the ink.
    let mut pad_look = None;
    let (body, pen, grain) = match style {
        // The notes app's pad: a 72 px ruled line, a round pen 1.5 + 3 x pressure CSS pixels
        // wide (0.5 for mouse and touch), at the screen's pixel ratio, straight segments.
        Style::Strokes => {
            let dpr = [1.0, 1.25, 1.5, 2.0, 2.625, 3.0][rng.random_range(0..6)];
            let body = u(rng, 9.0, 22.0) * dpr;
            let stylus = rng.random_bool(0.3);
            let p = if stylus { u(rng, 0.2, 0.9) } else { 0.5 };
            let pressure = if stylus { u(rng, 0.0, 0.3) } else { 0.0 };
            pad_look = Some((dpr, p));
            let width = dpr * (1.5 + 3.0 * p);
            let pen = InkPen {
                width: pen_cap.map_or(width, |cap| width.min(cap * body)),
                speed_gain: 0.0,
                pressure,
            };
            (body, pen, false)
        }
        // Pen on paper: ballpoint (thin, blots where slow), felt-tip (wide), pencil (grain).
        Style::Handwriting | Style::Printed => {
            let body = u(rng, 8.0, 17.0);
            let kind = rng.random_range(0..10);
            let (w, gain, pressure) = match kind {
                0..5 => (u(rng, 0.07, 0.13), u(rng, 0.1, 0.5), u(rng, 0.0, 0.15)),
                5..8 => (u(rng, 0.13, 0.25), u(rng, 0.0, 0.3), u(rng, 0.0, 0.1)),
                _ => (u(rng, 0.07, 0.14), 0.2, u(rng, 0.0, 0.2)),
            };
            let pen = InkPen {
                width: (body * w).max(0.8),
                speed_gain: gain,
                pressure,
            };
            (body, pen, kind >= 8)
        }
        // Marker on a board: wide and even.
        Style::Whiteboard => {
            let body = u(rng, 8.0, 16.0);
            let pen = InkPen {
                width: (body * u(rng, 0.2, 0.4)).max(1.5),
                speed_gain: 0.0,
                pressure: u(rng, 0.0, 0.1),
            };
            (body, pen, false)
        }
    };
    // A long line at a large size is drawn smaller rather than refused (a screen is only so
    // wide).
    let width = ink.bounds().map_or(1.0, |b| b.width()).max(1.0);
    let body = body.min(4000.0 / width);
    let pad = pad_look.and_then(|(dpr, p)| {
        let b = ink.bounds()?;
        let css = body / dpr;
        Some(
            ink.strokes
                .iter()
                .map(|s| {
                    s.iter()
                        .map(|&[x, y]| [PAD_LEFT + (x - b.x0) * css, PAD_RULE + y * css, p])
                        .collect()
                })
                .collect(),
        )
    });
    let Some(mut mask) = render_ink(ink, body, &pen, rng) else {
        bail!("the ink of {writer} ({text:?}) does not fit a canvas")
    };
    if grain {
        let field = smooth_field(mask.width, mask.height, u(rng, 1.5, 3.0), rng);
        for (m, f) in mask.data.iter_mut().zip(field) {
            *m *= 0.7 + 0.3 * f;
        }
    }
    Ok(RealLine {
        image: style::finish(style, mask, 2.0 * body, rng),
        text: text.to_string(),
        writer: writer.to_string(),
        pad,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::unipen::test_support::{word_strokes, write};
    use rand::SeedableRng;

    #[test]
    fn the_app_pen_is_the_notes_apps() {
        let pad =
            std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../www/pad.js")).unwrap();
        let line = pad
            .lines()
            .find(|l| l.starts_with("export const PEN_CAP = "))
            .expect("www/pad.js exports PEN_CAP");
        let value: f32 = line["export const PEN_CAP = ".len()..]
            .trim_end_matches(';')
            .parse()
            .unwrap();
        assert_eq!(value, APP_PEN_CAP);
    }

    /// Writers whose split is known: found by trying names (the split is a fixed hash).
    fn writers_of(split: WriterSplit, n: usize) -> Vec<String> {
        (0..)
            .map(|i| format!("tst/w{i}"))
            .filter(|w| split_of(&crate::data::unipen::person(w)) == split)
            .take(n)
            .collect()
    }

    fn data() -> RealInk {
        let dir = tempfile::tempdir().unwrap();
        let train = writers_of(WriterSplit::Train, 2);
        let val = writers_of(WriterSplit::Val, 1);
        let mut line = word_strokes(4, 0, 0);
        line.extend(word_strokes(3, 300, 0));
        let mut recs: Vec<(&str, &str, Vec<Vec<i64>>, bool)> = vec![
            (&val[0], "abcd efg", line.clone(), true),
            (&train[0], "hijk lmn", line.clone(), true),
        ];
        for (k, w) in ["one", "two", "three", "four"].iter().enumerate() {
            // Train writer 1 writes at twice the scale of writer 0.
            recs.push((&train[0], w, word_strokes(w.len(), 7 * k as i64, 0), false));
            let big: Vec<Vec<i64>> = word_strokes(w.len(), 0, 0)
                .into_iter()
                .map(|s| s.into_iter().map(|v| v * 2).collect())
                .collect();
            recs.push((&train[1], w, big, false));
        }
        write(dir.path(), &recs);
        RealInk::load(dir.path()).unwrap()
    }

    #[test]
    fn validation_lines_are_the_val_writers_as_written() {
        let real = data();
        assert_eq!(real.val_count(80), 1);
        assert_eq!(real.val_count(5), 0);
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(1);
        for &style in Style::all() {
            let l = real.val_line(style, 0, 80, &mut rng).unwrap();
            assert_eq!(l.text, "abcd efg");
            assert_eq!(
                split_of(&crate::data::unipen::person(&l.writer)),
                WriterSplit::Val
            );
            assert!(l.image.width > l.image.height, "{style:?}");
        }
        let e = real.val_line(Style::Strokes, 1, 80, &mut rng).unwrap_err();
        assert!(e.to_string().contains("there are no more"), "{e}");
    }

    #[test]
    fn training_lines_come_from_train_writers_only_with_matching_labels() {
        let real = data();
        let val = writers_of(WriterSplit::Val, 1);
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(2);
        let mut composed = 0;
        for _ in 0..60 {
            let l = real.train_line(Style::Handwriting, 20, &mut rng).unwrap();
            assert_ne!(l.writer, val[0]);
            assert!(l.text.len() <= 20, "{}", l.text);
            if l.text != "hijk lmn" {
                composed += 1;
                assert!(
                    l.text
                        .split(' ')
                        .all(|w| ["one", "two", "three", "four"].contains(&w)),
                    "{}",
                    l.text
                );
            }
        }
        assert!(composed > 20, "{composed}");
    }

    #[test]
    fn composed_words_share_the_writers_scale_and_baseline() {
        let real = data();
        let writers = &real.writers[&WriterSplit::Train];
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(3);
        for w in writers {
            let (ink, text, _) = real.compose(w, 80, &mut rng);
            let (clusters, _) = ink.clusters(0.5);
            assert_eq!(clusters.len(), text.split(' ').count(), "{text}");
            // Every word's body sits on the baseline and is one unit high.
            let b = ink.bounds().unwrap();
            assert!(b.y1.abs() < 0.3 && (b.y0 + 1.0).abs() < 0.3, "{b:?}");
        }
    }
}
