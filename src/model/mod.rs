//! The CNN-DBLSTM character model: what a model is (`config`), its named sizes (`preset`,
//! `vgg`, `darknet`, `tucker`), its layers (`cnn`, `lstm`, `head`), and the whole network
//! ([`CnnDblstm`]) whose forward pass training, inference and profiling share.

pub mod cnn;
pub mod config;
pub mod darknet;
pub mod head;
pub mod lstm;
pub mod preset;
pub mod stages;
pub mod tucker;
pub mod vgg;

pub use config::{Arch, LayerSpec, ModelConfig};
pub use preset::{Network, Preset};
pub use stages::{Marks, Stage, StageClock, StageTimes};
pub use tucker::TuckerRanks;

use crate::error::Result;
use burn::module::Module;
use burn::tensor::activation::log_softmax;
use burn::tensor::{Device, Tensor};
use cnn::ConvStack;
use head::DblstmHead;

/// CNN (VGG, DarkNet or VGG-TK) + DBLSTM head + IP layer.
#[derive(Module, Debug)]
pub struct CnnDblstm {
    /// The convolutional feature extractor.
    pub cnn: ConvStack,
    /// Two BiLSTM layers and the IP layer.
    pub head: DblstmHead,
}

/// Every intermediate the distillation criteria need, plus the logits.
#[derive(Debug, Clone)]
pub struct ModelOutput {
    /// CNN output features, `[B, T, D]`.
    pub features: Tensor<3>,
    /// First LSTM layer's feed-forward inputs, `[B, T, 8H]`.
    pub lstm1_input_proj: Tensor<3>,
    /// Last LSTM layer's outputs, `[B, T, 2H]`.
    pub lstm_out: Tensor<3>,
    /// IP-layer outputs, `[B, T, C]`.
    pub logits: Tensor<3>,
}

impl CnnDblstm {
    /// A model of `config` with fresh weights; fails on an invalid config.
    pub fn new(config: &ModelConfig, device: &Device) -> Result<Self> {
        config.validate()?;
        Ok(Self {
            cnn: ConvStack::new(config, device),
            head: DblstmHead::new(
                config.feature_dim,
                config.lstm_hidden,
                config.num_classes,
                device,
            ),
        })
    }

    /// Runs images `[B, 1, H, W]`; `frames[b]` output frames of image `b` are real (the rest is padding).
    pub fn forward(&self, images: Tensor<4>, frames: &[usize]) -> ModelOutput {
        self.forward_marked(images, frames, &mut |_| {})
    }

    /// [`Self::forward`], calling `mark` after each stage (see [`stages`]).
    pub fn forward_marked(&self, images: Tensor<4>, frames: &[usize], mark: Marks) -> ModelOutput {
        let features = self.cnn.forward_marked(images, mark);
        let h = self.head.forward_marked(features.clone(), frames, mark);
        ModelOutput {
            features,
            lstm1_input_proj: h.lstm1_input_proj,
            lstm_out: h.lstm_out,
            logits: h.logits,
        }
    }

    /// Per-frame log-probabilities `[B, T, C]`.
    pub fn log_probs(&self, images: Tensor<4>, frames: &[usize]) -> Tensor<3> {
        self.log_probs_marked(images, frames, &mut |_| {})
    }

    /// [`Self::log_probs`], calling `mark` after each stage (the log-softmax is
    /// [`Stage::Output`]'s).
    pub fn log_probs_marked(&self, images: Tensor<4>, frames: &[usize], mark: Marks) -> Tensor<3> {
        let out = log_softmax(self.forward_marked(images, frames, mark).logits, 2);
        mark(Stage::Output);
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::charset::Charset;

    #[test]
    fn output_shapes_and_frame_counts_per_preset_and_cnn() {
        let device = Device::flex();
        let cs = Charset::printable_ascii();
        // (preset, input height, frames of a 64-pixel-wide line, D, LSTM units)
        for (preset, h, t, d, hid) in [
            (Preset::Tiny, 16, 32, 32, 32),
            (Preset::Small, 32, 16, 64, 128),
            (Preset::Paper, 32, 16, 64, 128),
        ] {
            for network in [
                Network::Vgg,
                Network::Darknet,
                Network::Tucker(TuckerRanks::V1),
            ] {
                let config = preset.config(network, &cs);
                let model = CnnDblstm::new(&config, &device).unwrap();
                let x = Tensor::<4>::zeros([2, 1, h, 64], &device);
                let out = model.forward(x, &[t, t / 2]);
                assert_eq!(
                    out.features.dims(),
                    [2, t, d],
                    "{preset:?} {:?}",
                    config.arch
                );
                assert_eq!(out.lstm1_input_proj.dims(), [2, t, 8 * hid]);
                assert_eq!(out.lstm_out.dims(), [2, t, 2 * hid]);
                assert_eq!(out.logits.dims(), [2, t, 96]);
            }
        }
    }

    #[test]
    fn padding_does_not_change_real_frames() {
        // The reverse LSTM direction must start at each sequence's own end.
        let device = Device::flex();
        let config = Preset::Tiny.config(Network::Darknet, &Charset::printable_ascii());
        let model = CnnDblstm::new(&config, &device).unwrap();
        let d = config.feature_dim;
        let feats: Vec<f32> = (0..8 * d)
            .map(|i| ((i * 37 % 11) as f32 - 5.0) / 5.0)
            .collect();
        let short = Tensor::<3>::from_data(
            burn::tensor::TensorData::new(feats.clone(), [1, 8, d]),
            &device,
        );
        let mut padded = feats;
        padded.extend(std::iter::repeat_n(0.7f32, 4 * d));
        let long =
            Tensor::<3>::from_data(burn::tensor::TensorData::new(padded, [1, 12, d]), &device);
        let a = model
            .head
            .forward(short, &[8])
            .logits
            .into_data()
            .try_to_vec::<f32>()
            .unwrap();
        let b = model
            .head
            .forward(long, &[8])
            .logits
            .narrow(1, 0, 8)
            .into_data()
            .try_to_vec::<f32>()
            .unwrap();
        for (x, y) in a.iter().zip(&b) {
            assert!((x - y).abs() < 1e-5, "{x} vs {y}");
        }
    }
}
