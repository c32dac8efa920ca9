//! Training batches made on the fly in background threads: lines are generated, preprocessed
//! exactly as at inference, and grouped by width (bucketing) so little padding is wasted.
//!
//! Batch `n` depends only on the seed and `n`: chunk `n / per_chunk` holds lines
//! `[chunk * size, (chunk + 1) * size)`, sorted by width and cut into batches. A resumed run
//! that asks for batch `n` again gets the same lines.

use super::Generator;
use super::fonts::Split;
use super::style::Style;
use anyhow::Result;
use inkline::InputGeometry;
use inkline::LineImage;
use inkline::internals::prepare_line;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rayon::prelude::*;
use std::sync::Arc;
use std::sync::mpsc::{Receiver, SyncSender, sync_channel};

/// A batch of preprocessed lines and their texts.
pub struct Batch {
    /// Index of the batch in the stream.
    pub index: u64,
    /// Lines scaled to the model's height, similar widths.
    pub lines: Vec<LineImage>,
    /// Texts, in the same order.
    pub texts: Vec<String>,
}

/// What to generate.
#[derive(Clone)]
pub struct BatchConfig {
    /// Styles and their weights.
    pub mix: Vec<(Style, f32)>,
    /// Font split to draw from.
    pub split: Split,
    /// Lines per batch.
    pub batch_size: usize,
    /// Batches cut from one width-sorted chunk.
    pub per_chunk: usize,
    /// Model input geometry.
    pub geometry: InputGeometry,
    /// Data seed.
    pub seed: u64,
    /// Generator threads.
    pub threads: usize,
}

impl BatchConfig {
    fn style_of(&self, line: u64) -> Style {
        let mut rng =
            ChaCha8Rng::seed_from_u64(self.seed ^ line.wrapping_mul(0xD1B5_4A32_D192_ED03));
        let total: f32 = self.mix.iter().map(|m| m.1).sum();
        let mut x = rng.random_range(0.0..total.max(f32::MIN_POSITIVE));
        for &(s, w) in &self.mix {
            if x < w {
                return s;
            }
            x -= w;
        }
        self.mix.last().map_or(Style::Printed, |m| m.0)
    }
}

/// Makes one chunk's batches: generate, preprocess, sort by width, cut.
pub fn chunk(
    generator: &Generator,
    cfg: &BatchConfig,
    chunk: u64,
    pool: &rayon::ThreadPool,
) -> Result<Vec<Batch>> {
    let size = (cfg.batch_size * cfg.per_chunk) as u64;
    let lines: Vec<(u64, Style, LineImage, String)> = pool.install(|| {
        (chunk * size..(chunk + 1) * size)
            .into_par_iter()
            .map(|i| {
                let style = cfg.style_of(i);
                let mut s = generator.sample(style, cfg.split, cfg.seed, i)?;
                loop {
                    if let Some(l) = prepare_line(&s.image, &cfg.geometry)? {
                        return Ok((i, style, l, s.text));
                    }
                    // Nothing visible was drawn (can happen with extreme degradation): next variant.
                    s = generator.sample(style, cfg.split, cfg.seed.wrapping_add(1), i)?;
                }
            })
            .collect::<Result<_>>()
    })?;
    let mut lines = lines;
    lines.sort_by_key(|l| (l.2.image.width, l.0));
    let mut out = Vec::with_capacity(cfg.per_chunk);
    let mut it = lines.into_iter();
    for b in 0..cfg.per_chunk {
        let part: Vec<_> = it.by_ref().take(cfg.batch_size).collect();
        let mut batch = Batch {
            index: chunk * cfg.per_chunk as u64 + b as u64,
            lines: vec![],
            texts: vec![],
        };
        for (_, _, l, t) in part {
            batch.lines.push(l);
            batch.texts.push(t);
        }
        out.push(batch);
    }
    // Shuffle batch order inside the chunk so widths do not rise steadily.
    let mut rng = ChaCha8Rng::seed_from_u64(cfg.seed ^ chunk);
    for i in (1..out.len()).rev() {
        out.swap(i, rng.random_range(0..=i));
    }
    Ok(out)
}

/// A background producer of batches, starting at a given batch index.
pub struct Batcher {
    rx: Receiver<Result<Batch>>,
}

impl Batcher {
    /// Starts producing from batch `start` (for resume) with `cfg.threads` generator threads.
    pub fn spawn(generator: Arc<Generator>, cfg: BatchConfig, start: u64) -> Self {
        let (tx, rx): (SyncSender<Result<Batch>>, _) = sync_channel(2 * cfg.per_chunk.max(1));
        std::thread::spawn(move || {
            let pool = match rayon::ThreadPoolBuilder::new()
                .num_threads(cfg.threads.max(1))
                .build()
            {
                Ok(p) => p,
                Err(e) => {
                    let _ = tx.send(Err(e.into()));
                    return;
                }
            };
            let per = cfg.per_chunk as u64;
            let mut c = start / per;
            loop {
                match chunk(&generator, &cfg, c, &pool) {
                    Ok(batches) => {
                        for b in batches.into_iter().filter(|b| b.index >= start) {
                            if tx.send(Ok(b)).is_err() {
                                return;
                            }
                        }
                    }
                    Err(e) => {
                        let _ = tx.send(Err(e));
                        return;
                    }
                }
                c += 1;
            }
        });
        Self { rx }
    }

    /// The next batch (blocks until ready).
    pub fn next_batch(&self) -> Result<Batch> {
        self.rx
            .recv()
            .map_err(|_| anyhow::anyhow!("the batch producer stopped"))?
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::generator::test_support::embedded;

    fn cfg() -> BatchConfig {
        BatchConfig {
            mix: Style::all().iter().map(|&s| (s, 1.0)).collect(),
            split: Split::Train,
            batch_size: 4,
            per_chunk: 3,
            geometry: InputGeometry::new(16, 4),
            seed: 9,
            threads: 2,
        }
    }

    #[test]
    fn batches_are_bucketed_deterministic_and_resumable() {
        let g = Arc::new(embedded());
        let b = Batcher::spawn(g.clone(), cfg(), 0);
        let first: Vec<Batch> = (0..6).map(|_| b.next_batch().unwrap()).collect();
        let mut idx: Vec<u64> = first.iter().map(|b| b.index).collect();
        idx.sort_unstable();
        assert_eq!(idx, vec![0, 1, 2, 3, 4, 5]);
        for batch in &first {
            assert_eq!(batch.lines.len(), 4);
            assert!(
                batch
                    .lines
                    .iter()
                    .all(|l| l.image.height == 16 && l.image.width % 4 == 0)
            );
            // Within a chunk lines are sorted by width, so a batch spans a narrow range of widths.
            let widths: Vec<usize> = batch.lines.iter().map(|l| l.image.width).collect();
            assert!(widths.windows(2).all(|w| w[0] <= w[1]), "{widths:?}");
        }
        // Resume at batch 4: the same batches come again.
        let resumed = Batcher::spawn(g, cfg(), 4);
        let again: Vec<Batch> = (0..2).map(|_| resumed.next_batch().unwrap()).collect();
        for a in &again {
            let orig = first
                .iter()
                .find(|b| b.index == a.index)
                .expect("same index");
            assert_eq!(a.texts, orig.texts);
            assert_eq!(a.lines, orig.lines);
        }
    }
}
