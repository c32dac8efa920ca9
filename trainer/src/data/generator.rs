//! The line generator: sample `i` of a style and split, drawn from fonts and text with the
//! sample's own RNG, so any thread makes any sample byte for byte the same.

use super::corpus::{self, Corpus};
use super::fonts::{self, FontSet, Split};
use super::real::{RealInk, RealLine};
use super::style::{self, Style};
use anyhow::{Result, bail};
use inkline::GrayImage;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use std::sync::Arc;

/// One synthesized line.
pub struct Sample {
    /// The rendered image (luminance, 1 = white), before preprocessing.
    pub image: GrayImage,
    /// Its text.
    pub text: String,
    /// Font family used.
    pub family: String,
}

/// Makes lines from fonts and text. Sample `i` depends only on (seed, style, split, i), so
/// any thread can make any sample and the result is the same byte for byte.
pub struct Generator {
    fonts: FontSet,
    corpus: Corpus,
    max_chars: usize,
    /// Real writers' ink, and the share of training lines of the pen styles drawn from it.
    real: Option<(Arc<RealInk>, f64)>,
}

impl Generator {
    /// A generator over the given fonts and text.
    pub fn new(fonts: FontSet, corpus: Corpus) -> Self {
        Self {
            fonts,
            corpus,
            max_chars: corpus::MAX_CHARS,
            real: None,
        }
    }

    /// Draws `share` (0..=1) of the training lines of the handwriting, whiteboard and strokes
    /// styles from real writers' ink instead of fonts.
    pub fn with_real(mut self, real: Arc<RealInk>, share: f64) -> Self {
        self.real = Some((real, share.clamp(0.0, 1.0)));
        self
    }

    /// The real ink, if any.
    pub fn real(&self) -> Option<&RealInk> {
        self.real.as_ref().map(|r| r.0.as_ref())
    }

    /// Longest line in characters.
    pub fn max_chars(&self) -> usize {
        self.max_chars
    }

    /// Real validation line `index` in `style`'s look (see [`RealInk::val_line`]); the look
    /// depends only on (seed, style, index).
    pub fn real_val_sample(&self, style: Style, seed: u64, index: u64) -> Result<Sample> {
        let l = self.real_val_line(style, seed, index)?;
        Ok(Sample {
            image: l.image,
            text: l.text,
            family: l.writer,
        })
    }

    /// The real validation line behind [`Generator::real_val_sample`], with what it was drawn
    /// from (the pad's copy of its ink, for the strokes look).
    pub fn real_val_line(&self, style: Style, seed: u64, index: u64) -> Result<RealLine> {
        let Some(real) = self.real() else {
            bail!("no real ink loaded (--unipen DIR)")
        };
        let mut rng = ChaCha8Rng::seed_from_u64(sample_key(seed, style, Split::Val, index) ^ REAL);
        real.val_line(style, index as usize, self.max_chars, &mut rng)
    }

    /// Caps line length at `max_chars` characters (whole words; at least 1), e.g. for a
    /// short-line curriculum or a quick run.
    pub fn with_max_chars(mut self, max_chars: usize) -> Self {
        self.max_chars = max_chars.clamp(1, corpus::MAX_CHARS);
        self
    }

    /// The default fonts and text of this machine.
    pub fn discover() -> Result<Self> {
        Ok(Self::new(FontSet::discover()?, Corpus::load()?))
    }

    /// Sample `index` of `style` in `split`.
    pub fn sample(&self, style: Style, split: Split, seed: u64, index: u64) -> Result<Sample> {
        let mut rng = ChaCha8Rng::seed_from_u64(sample_key(seed, style, split, index));
        if let Some((real, share)) = &self.real
            && split == Split::Train
            && *share > 0.0
            && style != Style::Printed
            && rng.random_bool(*share)
        {
            let l = real.train_line(style, self.max_chars, &mut rng)?;
            return Ok(Sample {
                image: l.image,
                text: l.text,
                family: l.writer,
            });
        }
        let (family, face) = self.choose(style, split, &mut rng)?;
        let (image, text) = self.draw_text(face, split, &mut rng, &family.name, |text, rng| {
            style::draw(style, face, text, rng)
        })?;
        Ok(Sample {
            image,
            text,
            family: family.name.clone(),
        })
    }

    /// A font family of `style`'s kind in `split`, and one of its faces.
    pub fn choose(
        &self,
        style: Style,
        split: Split,
        rng: &mut impl Rng,
    ) -> Result<(&fonts::Family, &fonts::FontData)> {
        let kind = style.font_kind(rng);
        let mut families = self.fonts.select(kind, split);
        if families.is_empty() {
            // A style that borrows another kind of face (whiteboards printed faces, pen ink
            // outline hands) falls back to its own kind where the split has none.
            let own = match style {
                Style::Whiteboard => fonts::FontKind::Handwriting,
                Style::Strokes => fonts::FontKind::Strokes,
                _ => kind,
            };
            families = self.fonts.select(own, split);
        }
        if families.is_empty() {
            bail!(
                "no {kind:?} fonts in the {split:?} split; install the font packages (scripts/setup.sh)"
            );
        }
        let family = families[rng.random_range(0..families.len())];
        let face = &family.faces[rng.random_range(0..family.faces.len())];
        Ok((family, face))
    }

    /// Draws a text of `split` with `face` by `draw`: the text is redrawn while the face lacks
    /// one of its characters; after 20 tries the characters it lacks are left out. Either way
    /// the text returned is exactly what was drawn.
    pub fn draw_text<T, R: Rng>(
        &self,
        face: &fonts::FontData,
        split: Split,
        rng: &mut R,
        family: &str,
        mut draw: impl FnMut(&str, &mut R) -> Result<Option<T>>,
    ) -> Result<(T, String)> {
        let caps = matches!(
            face,
            fonts::FontData::Outline {
                caps_only: true,
                ..
            }
        );
        for attempt in 0..40 {
            let mut text = self.corpus.line(rng, self.max_chars, split);
            if caps {
                text = text.to_uppercase();
            }
            if attempt >= 20 {
                let kept: String = text
                    .chars()
                    .filter(|&c| c == ' ' || has_glyph(face, c))
                    .collect();
                text = corpus::to_charset(&kept);
                if text.is_empty() {
                    continue;
                }
            }
            if let Some(out) = draw(&text, rng)? {
                return Ok((out, text));
            }
        }
        bail!("font family {family} cannot draw the corpus text")
    }
}

/// Salt of the real validation lines' seeds.
const REAL: u64 = 0x5245_414C;

/// The seed of sample `index` of a style and split.
fn sample_key(seed: u64, style: Style, split: Split, index: u64) -> u64 {
    seed.wrapping_mul(0x9E37_79B9_7F4A_7C15)
        .wrapping_add((style as u64) << 56 | (split as u64) << 48)
        .wrapping_add(index)
}

/// Whether the face can draw `c`.
pub fn has_glyph(face: &fonts::FontData, c: char) -> bool {
    match face {
        fonts::FontData::Outline { bytes, index, .. } => rustybuzz::Face::from_slice(bytes, *index)
            .is_some_and(|f| super::render::missing_outline_chars(&f, &c.to_string()).is_empty()),
        fonts::FontData::Hershey(h) => h.glyph(c).is_some(),
    }
}

/// Helpers for tests: a generator over the committed fonts only.
#[cfg(test)]
pub mod test_support {
    use super::*;

    /// A generator over the embedded fonts (all in the train split: too few families to hold out).
    pub fn embedded() -> Generator {
        let manifest: String = fonts::MANIFEST
            .lines()
            .filter(|l| l.contains("embedded:"))
            .collect::<Vec<_>>()
            .join("\n");
        let set = FontSet::load(
            &manifest,
            std::path::Path::new("/nonexistent"),
            &fonts::Reserved::builtin(),
        )
        .unwrap();
        Generator::new(set, Corpus::load().unwrap())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::hershey::HersheyFont;
    use fonts::{Family, FontData, FontKind};

    use test_support::embedded;

    #[test]
    fn same_seed_same_images_byte_for_byte() {
        let (a, b) = (embedded(), embedded());
        for &style in Style::all() {
            for i in [0u64, 7, 123] {
                let (x, y) = (
                    a.sample(style, Split::Train, 5, i).unwrap(),
                    b.sample(style, Split::Train, 5, i).unwrap(),
                );
                assert_eq!(x.text, y.text);
                assert_eq!(x.image, y.image, "{style:?} {i}");
            }
        }
        let other = a.sample(Style::Printed, Split::Train, 6, 0).unwrap();
        assert_ne!(
            other.image,
            a.sample(Style::Printed, Split::Train, 5, 0).unwrap().image
        );
    }

    #[test]
    fn a_missing_glyph_never_mislabels() {
        // A stroke font that has only ASCII 0x20..=0x5F: no lowercase letters and no `{|}~`.
        let jhf = std::fs::read_to_string(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/assets/fonts/futural.jhf"
        ))
        .unwrap();
        let font = Arc::new(HersheyFont::parse(&jhf).unwrap().truncated(0x40));
        let family = Family {
            name: "caps only".into(),
            kind: FontKind::Strokes,
            group: "test".into(),
            split: Split::Train,
            display: false,
            cluster: None,
            derived_from: None,
            faces: vec![FontData::Hershey(font)],
            files: vec![],
        };
        let g = Generator::new(
            FontSet {
                families: vec![family],
                refused: vec![],
            },
            Corpus::load().unwrap(),
        );
        for i in 0..60 {
            let s = g.sample(Style::Strokes, Split::Train, 1, i).unwrap();
            assert!(!s.text.is_empty());
            assert!(
                s.text.chars().all(|c| (' '..='_').contains(&c)),
                "{:?}",
                s.text
            );
        }
    }
}
