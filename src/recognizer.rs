//! The recognizer: image in, [`Recognition`] out (text, per-line boxes and confidences, stage
//! timings). The one result shape: the CLI's `--json`, the wasm module and `inkline.d.ts` all
//! carry it as serde writes it (camelCase).

use crate::charset::Charset;
use crate::decode::{BatchOutput, Decoded, Decoder, Fusion};
use crate::error::{InklineError, Result};
use crate::file::{ModelFile, ModelMeta};
use crate::image::GrayImage;
use crate::lm::CharLm;
use crate::model::{CnnDblstm, StageClock, StageTimes};
use crate::preprocess::{
    BBox, InputGeometry, Join, LineImage, Quad, batch_lines, pixel_budget_batches, prepare_page,
};
use burn::tensor::{Device, Tensor, TensorData};
use serde::{Deserialize, Serialize};
use std::time::Duration;
use web_time::Instant;

/// The widest beam search the recognizer runs (its cost grows with the width).
pub const MAX_BEAM: usize = 128;

/// Most input pixels (lines x height x padded width) run through the network at once; a
/// page's lines go in several batches, so memory does not grow with their number.
pub const BATCH_PIXELS: usize = 1 << 19;

/// The beam width used with a language model when none is asked for.
pub const DEFAULT_LM_BEAM: usize = 16;

/// Time spent in each stage, in milliseconds.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Timing {
    /// Grayscale, polarity, contrast, line split, crop and resize.
    pub preprocess_ms: f64,
    /// The network.
    pub inference_ms: f64,
    /// CTC decoding.
    pub decode_ms: f64,
    /// Everything.
    pub total_ms: f64,
    /// The network's time split by stage, when asked for ([`Recognizer::with_stage_times`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub network: Option<StageTimes>,
}

/// One recognized line.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LineResult {
    /// Decoded text.
    pub text: String,
    /// Confidence in `[0, 1]`.
    pub confidence: f32,
    /// The line's words (its text split at spaces), each with its confidence: the least sure
    /// of its characters, so that one doubtful letter marks its word.
    pub words: Vec<WordResult>,
    /// Where the line lies in the input image.
    pub bbox: BBox,
    /// The line's corners in the input image (top left, top right, bottom right, bottom
    /// left): a turned box where the page was tilted, the box's corners otherwise.
    pub quad: Quad,
}

/// One recognized word.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WordResult {
    /// Its text (no spaces).
    pub text: String,
    /// Confidence in `[0, 1]`: the lowest of its characters' ([`crate::align`]).
    pub confidence: f32,
}

/// The words of decoded labels: split at spaces, each word as sure as its least sure
/// character.
fn words_of(charset: &Charset, d: &Decoded) -> Vec<WordResult> {
    let mut words: Vec<WordResult> = Vec::new();
    let mut open = false;
    for (&k, &c) in d.labels.iter().zip(&d.label_confidence) {
        match charset.char_of(k) {
            Some(' ') | None => open = false,
            Some(ch) => {
                match words.last_mut() {
                    Some(w) if open => {
                        w.text.push(ch);
                        w.confidence = w.confidence.min(c);
                    }
                    _ => words.push(WordResult {
                        text: ch.to_string(),
                        confidence: c,
                    }),
                }
                open = true;
            }
        }
    }
    words
}

/// The result of recognizing an image.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Recognition {
    /// Lines joined by `\n`, top to bottom.
    pub text: String,
    /// Mean line confidence (1 for an image without text).
    pub confidence: f32,
    /// Each line.
    pub lines: Vec<LineResult>,
    /// Stage timings.
    pub timing: Timing,
}

/// A loaded model ready to read images.
#[derive(Debug)]
pub struct Recognizer {
    model: CnnDblstm,
    meta: ModelMeta,
    charset: Charset,
    geometry: InputGeometry,
    device: Device,
    decoder: Decoder,
    lm: Option<CharLm>,
    stage_times: bool,
}

impl Recognizer {
    /// A recognizer for a loaded model file on `device`.
    pub fn new(file: ModelFile, device: Device) -> Result<Self> {
        let charset = file.charset()?;
        let config = &file.meta.config;
        let geometry = config.geometry();
        Ok(Self {
            model: file.model,
            meta: file.meta,
            charset,
            geometry,
            device,
            decoder: Decoder::BestPath,
            lm: None,
            stage_times: false,
        })
    }

    /// Parses model bytes and builds a recognizer on `device`.
    pub fn from_bytes(bytes: &[u8], device: Device) -> Result<Self> {
        let file = ModelFile::from_bytes(bytes, &device)?;
        Self::new(file, device)
    }

    /// Chooses the decoder (best path by default).
    pub fn with_decoder(mut self, decoder: Decoder) -> Result<Self> {
        if let Decoder::Beam(w) = decoder
            && !(1..=MAX_BEAM).contains(&w)
        {
            return Err(InklineError::InvalidArgument(format!(
                "beam width must be from 1 to {MAX_BEAM}, got {w}"
            )));
        }
        self.decoder = decoder;
        Ok(self)
    }

    /// Adds a character language model, fused into beam search (best path ignores it); it
    /// must be built for the model's charset.
    pub fn with_lm(mut self, lm: CharLm) -> Result<Self> {
        lm.check_charset(&self.charset)?;
        self.lm = Some(lm);
        Ok(self)
    }

    /// Times the network's stages in every call ([`Timing::network`]): the device is waited
    /// for after each stage, which costs a little on the CPU and much on a GPU.
    pub fn with_stage_times(mut self, on: bool) -> Self {
        self.stage_times = on;
        self
    }

    /// The model's metadata.
    pub fn meta(&self) -> &ModelMeta {
        &self.meta
    }

    /// The input geometry lines are scaled to.
    pub fn geometry(&self) -> &InputGeometry {
        &self.geometry
    }

    /// Recognizes every text line of `image`.
    pub fn recognize(&self, image: &GrayImage) -> Result<Recognition> {
        // The only await is the read-back, which is ready at once when read synchronously.
        let run = self.run(image, |t| std::future::ready(Ok(t.into_data())));
        let mut run = std::pin::pin!(run);
        match run
            .as_mut()
            .poll(&mut std::task::Context::from_waker(std::task::Waker::noop()))
        {
            std::task::Poll::Ready(result) => result,
            std::task::Poll::Pending => Err(InklineError::Backend(
                "synchronous recognition did not complete".into(),
            )),
        }
    }

    /// Like [`Recognizer::recognize`], reading the network's output asynchronously: the only
    /// way on WebGPU in a browser, where synchronous readback is not supported.
    pub async fn recognize_async(&self, image: &GrayImage) -> Result<Recognition> {
        self.run(image, |t| async move {
            t.into_data_async().await.map_err(|e| {
                InklineError::Backend(format!("reading the model output failed: {e:?}"))
            })
        })
        .await
    }

    /// The stages: prepare the lines, run the network on batches of similar widths (at most
    /// [`BATCH_PIXELS`] input pixels each, so memory stays bounded however many lines),
    /// reading each batch's output with `read`, decode, and join the pieces of long lines.
    async fn run<F, Fut>(&self, image: &GrayImage, read: F) -> Result<Recognition>
    where
        F: Fn(Tensor<3>) -> Fut,
        Fut: std::future::Future<Output = Result<TensorData>>,
    {
        let start = Instant::now();
        let lines = prepare_page(image, &self.geometry)?;
        let t_pre = Instant::now();
        let (mut infer, mut decode) = (Duration::ZERO, Duration::ZERO);
        let mut decoded: Vec<Option<Decoded>> = vec![None; lines.len()];
        let chars: Vec<char> = std::iter::once(' ')
            .chain(self.charset.chars().iter().copied())
            .collect();
        let fusion = self.lm.as_ref().map(|lm| Fusion { lm, chars: &chars });
        let mut clock = self.stage_times.then(|| StageClock::new(&self.device));
        for batch in pixel_budget_batches(&lines, BATCH_PIXELS) {
            let t0 = Instant::now();
            let picked: Vec<&LineImage> = batch.iter().map(|&i| &lines[i]).collect();
            let (input, frames) = batch_lines(&picked, &self.geometry, &self.device);
            let log_probs = match clock.as_mut() {
                Some(clock) => {
                    clock.restart();
                    self.model
                        .log_probs_marked(input, &frames, &mut |s| clock.mark(s))
                }
                None => self.model.log_probs(input, &frames),
            };
            let out = BatchOutput::new(read(log_probs).await?)?;
            let t1 = Instant::now();
            for (&i, d) in batch
                .iter()
                .zip(out.decode(&frames, self.decoder, fusion.as_ref())?)
            {
                decoded[i] = Some(d);
            }
            infer += t1 - t0;
            decode += t1.elapsed();
        }
        let t_dec = Instant::now();
        let mut results: Vec<LineResult> = Vec::new();
        for (line, d) in lines.iter().zip(decoded) {
            let d = d.ok_or_else(|| InklineError::Backend("a line was not decoded".into()))?;
            let text = self.charset.decode(&d.labels);
            let mut words = words_of(&self.charset, &d);
            match (line.join, results.last_mut()) {
                (Join::Space | Join::Glued, Some(prev)) => {
                    if line.join == Join::Space && !prev.text.is_empty() && !text.is_empty() {
                        prev.text.push(' ');
                    }
                    // A piece glued on without a space continues the last word.
                    let glued = line.join == Join::Glued
                        && !prev.text.ends_with(' ')
                        && !text.starts_with(' ');
                    if let (true, Some(last), Some(first)) =
                        (glued, prev.words.last_mut(), words.first())
                    {
                        last.text.push_str(&first.text);
                        last.confidence = last.confidence.min(first.confidence);
                        words.remove(0);
                    }
                    prev.words.extend(words);
                    prev.text.push_str(&text);
                    prev.confidence = prev.confidence.min(d.confidence);
                    prev.bbox = prev.bbox.union(line.bbox);
                }
                _ => results.push(LineResult {
                    text,
                    confidence: d.confidence,
                    words,
                    bbox: line.bbox,
                    quad: line.quad,
                }),
            }
        }
        let end = Instant::now();
        let ms = |a: Instant, b: Instant| (b - a).as_secs_f64() * 1000.0;
        let confidence = if results.is_empty() {
            1.0
        } else {
            results.iter().map(|l| l.confidence).sum::<f32>() / results.len() as f32
        };
        Ok(Recognition {
            text: results
                .iter()
                .map(|l| l.text.as_str())
                .collect::<Vec<_>>()
                .join("\n"),
            confidence,
            lines: results,
            timing: Timing {
                preprocess_ms: ms(start, t_pre),
                inference_ms: infer.as_secs_f64() * 1000.0,
                decode_ms: (decode + (end - t_dec)).as_secs_f64() * 1000.0,
                total_ms: ms(start, end),
                network: clock.map(|c| c.times()),
            },
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_split_at_spaces_and_take_their_least_sure_letter() {
        let cs = Charset::printable_ascii();
        let labels = cs.encode(" ab  c ").unwrap();
        let d = Decoded {
            labels,
            confidence: 0.7,
            label_confidence: vec![0.1, 0.9, 0.5, 0.2, 0.3, 0.8, 0.05],
        };
        let words = words_of(&cs, &d);
        let got: Vec<(&str, f32)> = words
            .iter()
            .map(|w| (w.text.as_str(), w.confidence))
            .collect();
        assert_eq!(got, vec![("ab", 0.5), ("c", 0.8)]);
    }
}
