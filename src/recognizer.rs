//! The recognizer: image in, [`Recognition`] out (text, per-line boxes and confidences, stage
//! timings). The one result shape: the CLI's `--json`, the wasm module and `inkline.d.ts` all
//! carry it as serde writes it (camelCase).

use crate::charset::Charset;
use crate::decode::{BatchOutput, Decoder, Fusion};
use crate::error::{InklineError, Result};
use crate::file::{ModelFile, ModelMeta};
use crate::image::GrayImage;
use crate::lm::CharLm;
use crate::model::CnnDblstm;
use crate::preprocess::{BBox, InputGeometry, LineImage, batch_lines, prepare_page};
use burn::tensor::{Device, Tensor};
use serde::{Deserialize, Serialize};
use web_time::Instant;

/// The widest beam search the recognizer runs (its cost grows with the width).
pub const MAX_BEAM: usize = 128;

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
}

/// One recognized line.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LineResult {
    /// Decoded text.
    pub text: String,
    /// Confidence in `[0, 1]`.
    pub confidence: f32,
    /// Where the line lies in the input image.
    pub bbox: BBox,
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
        let start = Instant::now();
        let lines = prepare_page(image, &self.geometry)?;
        let t_pre = Instant::now();
        let outputs = match self.forward(&lines) {
            Some((lp, frames)) => Some((BatchOutput::new(lp.into_data())?, frames)),
            None => None,
        };
        self.finish(&lines, outputs, start, t_pre)
    }

    /// Like [`Recognizer::recognize`], reading the network's output asynchronously: the only
    /// way on WebGPU in a browser, where synchronous readback is not supported.
    pub async fn recognize_async(&self, image: &GrayImage) -> Result<Recognition> {
        let start = Instant::now();
        let lines = prepare_page(image, &self.geometry)?;
        let t_pre = Instant::now();
        let outputs = match self.forward(&lines) {
            Some((lp, frames)) => {
                let data = lp.into_data_async().await.map_err(|e| {
                    InklineError::Backend(format!("reading the model output failed: {e:?}"))
                })?;
                Some((BatchOutput::new(data)?, frames))
            }
            None => None,
        };
        self.finish(&lines, outputs, start, t_pre)
    }

    /// Runs the network on prepared lines: `[B, T, C]` log-probabilities and each line's frame
    /// count, or `None` for no lines.
    fn forward(&self, lines: &[LineImage]) -> Option<(Tensor<3>, Vec<usize>)> {
        if lines.is_empty() {
            return None;
        }
        let (batch, frames) = batch_lines(lines, &self.geometry, &self.device);
        Some((self.model.log_probs(batch, &frames), frames))
    }

    /// Decodes the read-back network output and assembles the result and timings.
    fn finish(
        &self,
        lines: &[LineImage],
        outputs: Option<(BatchOutput, Vec<usize>)>,
        start: Instant,
        t_pre: Instant,
    ) -> Result<Recognition> {
        let t_inf = Instant::now();
        let mut results = Vec::with_capacity(lines.len());
        if let Some((out, frames)) = outputs {
            let chars: Vec<char> = std::iter::once(' ')
                .chain(self.charset.chars().iter().copied())
                .collect();
            let fusion = self.lm.as_ref().map(|lm| Fusion { lm, chars: &chars });
            for (line, d) in lines
                .iter()
                .zip(out.decode(&frames, self.decoder, fusion.as_ref())?)
            {
                results.push(LineResult {
                    text: self.charset.decode(&d.labels),
                    confidence: d.confidence,
                    bbox: line.bbox,
                });
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
                inference_ms: ms(t_pre, t_inf),
                decode_ms: ms(t_inf, end),
                total_ms: ms(start, end),
            },
        })
    }
}
