//! The native recognizer: image in, text with per-line boxes, confidences and stage timings out.

use crate::charset::Charset;
use crate::ctc::{LogProbs, beam_search, best_path};
use crate::error::{InklineError, Result};
use crate::image::GrayImage;
use crate::model::CnnDblstm;
use crate::model_file::{ModelFile, ModelMeta};
use crate::preprocess::{BBox, InputGeometry, LineImage, prepare_page};
use burn::tensor::{Device, Tensor, TensorData};
use serde::{Deserialize, Serialize};
use web_time::Instant;

/// How per-frame probabilities become text.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Decoder {
    /// Greedy best path.
    BestPath,
    /// Prefix beam search of this width.
    Beam(usize),
}

/// Time spent in each stage, in milliseconds.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
pub struct Timing {
    /// Grayscale, polarity, contrast, line split, crop and resize.
    pub preprocess: f64,
    /// The network.
    pub inference: f64,
    /// CTC decoding.
    pub decode: f64,
    /// Everything.
    pub total: f64,
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
        })
    }

    /// Parses model bytes and builds a recognizer on `device`.
    pub fn from_bytes(bytes: &[u8], device: Device) -> Result<Self> {
        let file = ModelFile::from_bytes(bytes, &device)?;
        Self::new(file, device)
    }

    /// Chooses the decoder (best path by default).
    pub fn with_decoder(mut self, decoder: Decoder) -> Result<Self> {
        if decoder == Decoder::Beam(0) {
            return Err(InklineError::InvalidArgument(
                "beam width must be at least 1".into(),
            ));
        }
        self.decoder = decoder;
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
            Some((lp, frames)) => Some((read_output(lp.into_data())?, frames)),
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
                Some((read_output(data)?, frames))
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
        outputs: Option<(Output, Vec<usize>)>,
        start: Instant,
        t_pre: Instant,
    ) -> Result<Recognition> {
        let t_inf = Instant::now();
        let classes = self.charset.num_classes();
        let mut results = Vec::with_capacity(lines.len());
        if let Some((out, frames)) = outputs {
            for (i, (line, &n)) in lines.iter().zip(&frames).enumerate() {
                let row = &out.data[i * out.frames * out.classes..];
                let lp = LogProbs::new(&row[..n * classes], classes)?;
                let d = match self.decoder {
                    Decoder::BestPath => best_path(lp),
                    Decoder::Beam(w) => beam_search(lp, w)?,
                };
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
                preprocess: ms(start, t_pre),
                inference: ms(t_pre, t_inf),
                decode: ms(t_inf, end),
                total: ms(start, end),
            },
        })
    }
}

/// Network output read back to the host: `[B, T, C]` row-major.
struct Output {
    data: Vec<f32>,
    frames: usize,
    classes: usize,
}

fn read_output(data: TensorData) -> Result<Output> {
    let (frames, classes) = match data.shape().as_slice() {
        [_, t, c] => (*t, *c),
        other => {
            return Err(InklineError::Backend(format!(
                "model output has shape {other:?}, expected [batch, frames, classes]"
            )));
        }
    };
    let data = data
        .try_into_vec::<f32>()
        .map_err(|e| InklineError::Backend(format!("reading the model output failed: {e:?}")))?;
    Ok(Output {
        data,
        frames,
        classes,
    })
}

/// Stacks lines of different widths into `[B, 1, H, Wmax]` (right-padded with background) and
/// returns each line's frame count.
pub fn batch_lines(
    lines: &[LineImage],
    geometry: &InputGeometry,
    device: &Device,
) -> (Tensor<4>, Vec<usize>) {
    let h = geometry.height;
    let w = lines
        .iter()
        .map(|l| l.image.width)
        .max()
        .unwrap_or(geometry.width_multiple);
    let mut data = vec![0.0f32; lines.len() * h * w];
    for (i, l) in lines.iter().enumerate() {
        for y in 0..h {
            let dst = (i * h + y) * w;
            data[dst..dst + l.image.width]
                .copy_from_slice(&l.image.data[y * l.image.width..(y + 1) * l.image.width]);
        }
    }
    let frames = lines
        .iter()
        .map(|l| (l.image.width / geometry.width_multiple).max(1))
        .collect();
    (
        Tensor::<4>::from_data(TensorData::new(data, [lines.len(), 1, h, w]), device),
        frames,
    )
}
