//! Fixed validation sets (held-out font families) and CER / WER of a model on them.

use crate::synth::Generator;
use crate::synth::fonts::Split;
use crate::synth::style::Style;
use anyhow::Result;
use inkline::burn::module::Module;
use inkline::burn::tensor::Device;
use inkline::ctc::{LogProbs, best_path};
use inkline::metrics::ErrorCounter;
use inkline::preprocess::{InputGeometry, prepare_line};
use inkline::recognizer::batch_lines;
use inkline::{Charset, CnnDblstm, LineImage};
use rayon::prelude::*;
use std::collections::BTreeMap;

/// Preprocessed lines of one style.
pub struct ValSet {
    /// Style of every line.
    pub style: Style,
    /// Lines at the model's height.
    pub lines: Vec<LineImage>,
    /// Their texts.
    pub texts: Vec<String>,
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
            let items: Vec<(LineImage, String)> = (0..count)
                .into_par_iter()
                .map(|i| {
                    let s = generator.sample(style, split, seed, i)?;
                    Ok(prepare_line(&s.image, geometry)?.map(|l| (l, s.text)))
                })
                .collect::<Result<Vec<_>>>()?
                .into_iter()
                .flatten()
                .collect();
            let (lines, texts) = items.into_iter().unzip();
            Ok(ValSet {
                style,
                lines,
                texts,
            })
        })
        .collect()
}

/// CER and WER per style (percent) and their mean.
#[derive(Debug, Clone, Default)]
pub struct ValScores {
    /// (CER, WER) by style name.
    pub per_style: BTreeMap<String, (f64, f64)>,
    /// Mean CER over styles.
    pub mean_cer: f64,
}

/// Decodes every line with best path on a plain (non-autodiff) copy of the model.
pub fn evaluate(
    model: &CnnDblstm,
    sets: &[ValSet],
    charset: &Charset,
    geometry: &InputGeometry,
    batch: usize,
) -> Result<ValScores> {
    let device = Device::flex();
    let model = model.valid().to_device(&device);
    let mut scores = ValScores::default();
    for set in sets {
        let mut order: Vec<usize> = (0..set.lines.len()).collect();
        order.sort_by_key(|&i| set.lines[i].image.width);
        let mut counter = ErrorCounter::default();
        for chunk in order.chunks(batch.max(1)) {
            let lines: Vec<LineImage> = chunk.iter().map(|&i| set.lines[i].clone()).collect();
            let (x, frames) = batch_lines(&lines, geometry, &device);
            let lp = model.log_probs(x, &frames);
            let [_, t, c] = lp.dims();
            let data = lp
                .into_data()
                .try_to_vec::<f32>()
                .map_err(|e| anyhow::anyhow!("{e:?}"))?;
            for (k, &i) in chunk.iter().enumerate() {
                let slice = &data[k * t * c..k * t * c + frames[k] * c];
                let d = best_path(LogProbs::new(slice, c)?);
                counter.add(&charset.decode(&d.labels), &set.texts[i]);
            }
        }
        scores
            .per_style
            .insert(set.style.name().to_string(), (counter.cer(), counter.wer()));
    }
    scores.mean_cer =
        scores.per_style.values().map(|v| v.0).sum::<f64>() / scores.per_style.len().max(1) as f64;
    Ok(scores)
}
