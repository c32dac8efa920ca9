//! The DBLSTM head shared by teacher and student: two bidirectional LSTM layers and the IP layer.

use super::lstm::BiLstm;
use super::stages::{Marks, Stage};
use burn::module::Module;
use burn::nn::{Linear, LinearConfig};
use burn::tensor::{Device, Tensor};

/// Two BiLSTM layers and the inner-product layer giving per-frame logits.
#[derive(Module, Debug)]
pub struct DblstmHead {
    /// First BiLSTM layer (input: CNN features).
    pub lstm1: BiLstm,
    /// Second BiLSTM layer.
    pub lstm2: BiLstm,
    /// Inner-product layer to the classes (blank included).
    pub ip: Linear,
}

/// Every tensor of the head the distillation criteria compare.
#[derive(Debug, Clone)]
pub struct HeadOutput {
    /// Feed-forward inputs of the first LSTM layer (`W_ih x + b`, both directions), `[B, T, 8H]`.
    pub lstm1_input_proj: Tensor<3>,
    /// Outputs of the last LSTM layer, `[B, T, 2H]`.
    pub lstm_out: Tensor<3>,
    /// IP-layer outputs (logits), `[B, T, C]`.
    pub logits: Tensor<3>,
}

impl DblstmHead {
    /// A head from features of size `d` with `hidden` units per direction to `classes` outputs.
    pub fn new(d: usize, hidden: usize, classes: usize, device: &Device) -> Self {
        Self {
            lstm1: BiLstm::new(d, hidden, device),
            lstm2: BiLstm::new(2 * hidden, hidden, device),
            ip: LinearConfig::new(2 * hidden, classes).init(device),
        }
    }

    /// The two BiLSTM layers on features `[B, T, D]` with per-sequence frame counts: the first
    /// layer's feed-forward inputs and the last layer's outputs.
    pub fn recur(&self, features: Tensor<3>, lengths: &[usize]) -> (Tensor<3>, Tensor<3>) {
        self.recur_marked(features, lengths, &mut |_| {})
    }

    /// [`Self::recur`], marking each layer's input projections and recurrences.
    pub fn recur_marked(
        &self,
        features: Tensor<3>,
        lengths: &[usize],
        mark: Marks,
    ) -> (Tensor<3>, Tensor<3>) {
        let l1 = self.lstm1.forward_marked(features, lengths, mark);
        let proj = l1.joined_input_proj();
        let out = self.lstm2.forward_marked(l1.hidden, lengths, mark).hidden;
        (proj, out)
    }

    /// The IP layer: per-frame logits `[B, T, C]` of the last LSTM layer's outputs.
    pub fn classify(&self, lstm_out: Tensor<3>) -> Tensor<3> {
        self.ip.forward(lstm_out)
    }

    /// Runs the head on features `[B, T, D]` with per-sequence frame counts.
    pub fn forward(&self, features: Tensor<3>, lengths: &[usize]) -> HeadOutput {
        self.forward_marked(features, lengths, &mut |_| {})
    }

    /// [`Self::forward`], marking its stages (the IP layer as [`Stage::Output`]).
    pub fn forward_marked(
        &self,
        features: Tensor<3>,
        lengths: &[usize],
        mark: Marks,
    ) -> HeadOutput {
        let (lstm1_input_proj, lstm_out) = self.recur_marked(features, lengths, mark);
        let logits = self.classify(lstm_out.clone());
        mark(Stage::Output);
        HeadOutput {
            lstm1_input_proj,
            logits,
            lstm_out,
        }
    }
}
