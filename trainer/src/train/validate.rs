//! Fixed validation sets (held-out font families; real writers never trained on, where the
//! real ink is loaded) and CER / WER of a model on them.

use crate::data::Generator;
use crate::data::fonts::Split;
use crate::data::style::Style;
use crate::metrics::ErrorCounter;
use crate::names::Named;
use anyhow::Result;
use inkline::burn::module::Module;
use inkline::burn::tensor::Device;
use inkline::internals::{BatchOutput, batch_lines, prepare_line, width_sorted_batches};
use inkline::{Charset, CnnDblstm, Decoder, InputGeometry, LineImage};
use rayon::prelude::*;
use std::collections::BTreeMap;

/// Preprocessed lines of one style and source.
pub struct ValSet {
    /// The set's name: the style (`handwriting`), or `real-` and the style for real writers.
    pub name: String,
    /// Lines at the model's height.
    pub lines: Vec<LineImage>,
    /// Their texts.
    pub texts: Vec<String>,
}

/// The styles real ink is drawn in (real validation sets are named `real-<style>`).
pub const REAL_STYLES: [Style; 3] = [Style::Strokes, Style::Handwriting, Style::Whiteboard];

/// Builds up to `count` lines in each style of `styles` that real ink is drawn in, from the
/// real validation writers (deterministic in `seed`); none without real ink.
pub fn build_real(
    generator: &Generator,
    styles: &[Style],
    count: u64,
    geometry: &InputGeometry,
    seed: u64,
) -> Result<Vec<ValSet>> {
    let Some(real) = generator.real() else {
        return Ok(vec![]);
    };
    let count = count.min(real.val_count(generator.max_chars()) as u64);
    REAL_STYLES
        .iter()
        .filter(|s| styles.contains(s))
        .map(|&style| {
            set(format!("real-{}", style.name()), count, geometry, |i| {
                generator.real_val_sample(style, seed, i)
            })
        })
        .collect()
}

/// Builds `count` lines per style from `split` (deterministic in `seed`).
pub fn build(
    generator: &Generator,
    styles: &[Style],
    split: Split,
    count: u64,
    geometry: &InputGeometry,
    seed: u64,
) -> Result<Vec<ValSet>> {
    styles
        .iter()
        .map(|&style| {
            set(style.name(), count, geometry, |i| {
                generator.sample(style, split, seed, i)
            })
        })
        .collect()
}

/// The set `name` of samples `0..count` made by `sample`, preprocessed (lines with nothing
/// visible left out).
fn set(
    name: String,
    count: u64,
    geometry: &InputGeometry,
    sample: impl Fn(u64) -> Result<crate::data::Sample> + Sync,
) -> Result<ValSet> {
    let items: Vec<(LineImage, String)> = (0..count)
        .into_par_iter()
        .map(|i| {
            let s = sample(i)?;
            Ok(prepare_line(&s.image, geometry)?.map(|l| (l, s.text)))
        })
        .collect::<Result<Vec<_>>>()?
        .into_iter()
        .flatten()
        .collect();
    let (lines, texts) = items.into_iter().unzip();
    Ok(ValSet { name, lines, texts })
}

impl ValSet {
    /// The set in width-sorted batches of at most `size` lines: `(lines, texts)`.
    pub fn batches(&self, size: usize) -> impl Iterator<Item = (Vec<LineImage>, Vec<&str>)> {
        width_sorted_batches(&self.lines, size)
            .into_iter()
            .map(|chunk| {
                let lines = chunk.iter().map(|&i| self.lines[i].clone()).collect();
                let texts = chunk.iter().map(|&i| self.texts[i].as_str()).collect();
                (lines, texts)
            })
    }
}

/// CER and WER per set (percent) and their mean.
#[derive(Debug, Clone, Default)]
pub struct ValScores {
    /// (CER, WER) by set name (style, or `real-<style>`).
    pub per_style: BTreeMap<String, (f64, f64)>,
    /// Mean CER over sets.
    pub mean_cer: f64,
}

/// Lines per validation batch.
const BATCH: usize = 16;

/// Decodes every line with best path on an inference-mode copy of the model on `device`.
pub fn evaluate(
    model: &CnnDblstm,
    sets: &[ValSet],
    charset: &Charset,
    geometry: &InputGeometry,
    device: &Device,
) -> Result<ValScores> {
    let model = model.valid().to_device(device);
    let mut scores = ValScores::default();
    for set in sets {
        let mut counter = ErrorCounter::default();
        for (lines, texts) in set.batches(BATCH) {
            let (x, frames) = batch_lines(&lines, geometry, device);
            let out = BatchOutput::new(model.log_probs(x, &frames).into_data())?;
            for (d, text) in out
                .decode(&frames, Decoder::BestPath, None)?
                .iter()
                .zip(texts)
            {
                counter.add(&charset.decode(&d.labels), text);
            }
        }
        scores
            .per_style
            .insert(set.name.clone(), (counter.cer(), counter.wer()));
    }
    scores.mean_cer =
        scores.per_style.values().map(|v| v.0).sum::<f64>() / scores.per_style.len().max(1) as f64;
    Ok(scores)
}
