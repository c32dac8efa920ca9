//! Bidirectional LSTM layer with per-sequence lengths.
//!
//! The input projection `W_ih x` of all time steps is one matmul (it is also what the CNN-MAH
//! criterion compares); the reverse direction runs over each sequence's own length, so padding
//! at the end of shorter sequences never reaches their real frames. On the CPU backend the
//! recurrence is one fused operation (`crate::ops::recurrence`, with its own backward for
//! training); elsewhere it is the reference composition of tensor ops
//! ([`LstmDirection::recur_reference`]).

use super::stages::{Marks, Stage};
use burn::module::Module;
use burn::nn::{Linear, LinearConfig};
use burn::tensor::activation::sigmoid;
use burn::tensor::{Device, Int, Tensor, TensorData};

/// One direction: input projection (with bias) and recurrent projection (without).
#[derive(Module, Debug)]
pub struct LstmDirection {
    /// `W_ih x + b`: input to the four gates (input, forget, cell, output).
    pub input: Linear,
    /// `W_hh h`: previous hidden state to the four gates.
    pub recurrent: Linear,
}

impl LstmDirection {
    fn new(d_in: usize, hidden: usize, device: &Device) -> Self {
        let input = LinearConfig::new(d_in, 4 * hidden).init(device);
        // Forget-gate bias 1: remember by default, the usual start for LSTMs.
        let input = Linear {
            bias: input.bias.map(|b| {
                b.map(|t| {
                    let mut v = vec![0.0f32; 4 * hidden];
                    v[hidden..2 * hidden].fill(1.0);
                    Tensor::<1>::from_data(TensorData::new(v, [4 * hidden]), &t.device())
                })
            }),
            ..input
        };
        Self {
            input,
            recurrent: LinearConfig::new(hidden, 4 * hidden)
                .with_bias(false)
                .init(device),
        }
    }

    fn hidden(&self) -> usize {
        self.recurrent.weight.dims()[0].min(self.recurrent.weight.dims()[1])
    }

    /// Runs the recurrence over projected inputs `[B, T, 4H]` of sequences of `lengths` frames
    /// (walked from each one's last real frame back when `reverse`), returning hidden states
    /// `[B, T, H]`; outputs at padding frames are not meaningful.
    pub fn recur(&self, proj: Tensor<3>, lengths: &[usize], reverse: bool) -> Tensor<3> {
        #[cfg(feature = "flex")]
        if crate::ops::runs_on(&proj.device()) {
            return crate::ops::recurrence::recurrence(
                proj,
                self.recurrent.weight.val(),
                lengths,
                reverse,
            );
        }
        self.recur_reference(proj, lengths, reverse)
    }

    /// [`Self::recur`] as a composition of burn tensor ops, step by step (any backend).
    pub fn recur_reference(&self, proj: Tensor<3>, lengths: &[usize], reverse: bool) -> Tensor<3> {
        if reverse {
            return reverse_within(
                self.recur_reference(reverse_within(proj, lengths), lengths, false),
                lengths,
            );
        }
        let [b, t, _] = proj.dims();
        let h_size = self.hidden();
        let device = proj.device();
        let mut h = Tensor::<2>::zeros([b, h_size], &device);
        let mut c = Tensor::<2>::zeros([b, h_size], &device);
        let mut outs = Vec::with_capacity(t);
        for step in 0..t {
            let gates = proj.clone().narrow(1, step, 1).reshape([b, 4 * h_size])
                + self.recurrent.forward(h);
            let g = gates.chunk(4, 1);
            let (i, f, cell, o) = (
                sigmoid(g[0].clone()),
                sigmoid(g[1].clone()),
                stable_tanh(g[2].clone()),
                sigmoid(g[3].clone()),
            );
            c = f * c + i * cell;
            h = o * stable_tanh(c.clone());
            outs.push(h.clone());
        }
        Tensor::stack(outs, 1)
    }
}

/// `tanh(x) = 2 sigmoid(2x) - 1`: burn-wgpu's tanh returns NaN for large |x| on WebGPU (it
/// divides two overflowing exponentials); the LSTM cell state reaches such values on long lines.
fn stable_tanh(x: Tensor<2>) -> Tensor<2> {
    sigmoid(x * 2.0) * 2.0 - 1.0
}

/// Outputs of a bidirectional layer.
#[derive(Debug, Clone)]
pub struct BiLstmOutput {
    /// Input projections of the forward and the backward direction, `[B, T, 4H]` each (joined
    /// only where a criterion asks for them: [`BiLstmOutput::joined_input_proj`]).
    pub input_proj: [Tensor<3>; 2],
    /// Hidden states of both directions, `[B, T, 2H]`.
    pub hidden: Tensor<3>,
}

impl BiLstmOutput {
    /// Input projections of both directions side by side, `[B, T, 8H]` (forward then backward).
    pub fn joined_input_proj(&self) -> Tensor<3> {
        Tensor::cat(self.input_proj.to_vec(), 2)
    }
}

/// A bidirectional LSTM layer.
#[derive(Module, Debug)]
pub struct BiLstm {
    /// Left-to-right direction.
    pub forward: LstmDirection,
    /// Right-to-left direction.
    pub backward: LstmDirection,
}

impl BiLstm {
    /// A layer from `d_in` features to `2 * hidden`.
    pub fn new(d_in: usize, hidden: usize, device: &Device) -> Self {
        Self {
            forward: LstmDirection::new(d_in, hidden, device),
            backward: LstmDirection::new(d_in, hidden, device),
        }
    }

    /// Applies the layer to `[B, T, D]`; `lengths[b]` frames of sequence `b` are real.
    pub fn forward(&self, x: Tensor<3>, lengths: &[usize]) -> BiLstmOutput {
        self.forward_marked(x, lengths, &mut |_| {})
    }

    /// [`Self::forward`], marking the input projections and the recurrences.
    pub fn forward_marked(&self, x: Tensor<3>, lengths: &[usize], mark: Marks) -> BiLstmOutput {
        let pf = self.forward.input.forward(x.clone());
        let pb = self.backward.input.forward(x);
        mark(Stage::LstmInput);
        let hf = self.forward.recur(pf.clone(), lengths, false);
        let hb = self.backward.recur(pb.clone(), lengths, true);
        let hidden = Tensor::cat(vec![hf, hb], 2);
        mark(Stage::Recurrence);
        BiLstmOutput {
            input_proj: [pf, pb],
            hidden,
        }
    }
}

/// Reverses the first `lengths[b]` steps of each sequence `b` along dim 1, leaving padding in place.
pub fn reverse_within(x: Tensor<3>, lengths: &[usize]) -> Tensor<3> {
    let [b, t, f] = x.dims();
    if lengths.iter().all(|&l| l >= t) {
        return x.flip([1]);
    }
    let mut idx = Vec::with_capacity(b * t * f);
    for s in 0..b {
        let len = lengths.get(s).copied().unwrap_or(t).min(t);
        for step in 0..t {
            let src = if step < len { len - 1 - step } else { step } as i64;
            idx.extend(std::iter::repeat_n(src, f));
        }
    }
    let idx = Tensor::<3, Int>::from_data(TensorData::new(idx, [b, t, f]), &x.device());
    x.gather(1, idx)
}

#[cfg(all(test, feature = "flex"))]
mod tests {
    use super::*;
    use burn::tensor::Distribution;

    fn max_abs_diff(a: Tensor<3>, b: Tensor<3>) -> f32 {
        (a - b).abs().max().into_scalar()
    }

    /// Zeroes the padding frames of `[B, T, F]`, where the two recurrences need not agree.
    fn real_frames(x: Tensor<3>, lengths: &[usize]) -> Tensor<3> {
        let [b, t, _] = x.dims();
        let mask: Vec<f32> = (0..b)
            .flat_map(|s| (0..t).map(move |step| f32::from(u8::from(step < lengths[s]))))
            .collect();
        let mask = Tensor::<3>::from_data(TensorData::new(mask, [b, t, 1]), &x.device());
        x * mask
    }

    #[test]
    fn the_fused_recurrence_matches_the_reference_with_padding_and_odd_sizes() {
        let device = Device::flex();
        assert!(crate::ops::runs_on(&device));
        for (hidden, steps, lengths) in [
            (8, 7, vec![7, 4, 1]),
            (5, 13, vec![13]),
            (16, 3, vec![2, 3]),
        ] {
            let dir = LstmDirection::new(6, hidden, &device);
            let x = Tensor::<3>::random(
                [lengths.len(), steps, 6],
                Distribution::Normal(0.0, 2.0),
                &device,
            );
            let proj = dir.input.forward(x);
            for reverse in [false, true] {
                let fused = dir.recur(proj.clone(), &lengths, reverse);
                let reference = dir.recur_reference(proj.clone(), &lengths, reverse);
                let d = max_abs_diff(
                    real_frames(fused, &lengths),
                    real_frames(reference, &lengths),
                );
                assert!(d <= 1e-4, "hidden {hidden} reverse {reverse}: max diff {d}");
            }
        }
    }

    #[cfg(feature = "autodiff")]
    #[test]
    fn the_fused_backward_matches_the_reference_gradients() {
        let device = Device::flex().autodiff();
        assert!(crate::ops::runs_on(&device));
        let lengths = [9, 5, 2];
        let layer = BiLstm::new(4, 6, &device);
        let x =
            Tensor::<3>::random([3, 9, 4], Distribution::Normal(0.0, 1.5), &device).require_grad();
        let weights = Tensor::<3>::random([3, 9, 12], Distribution::Normal(0.0, 1.0), &device);
        let loss_of = |hidden: Tensor<3>| (real_frames(hidden, &lengths) * weights.clone()).sum();
        let fused = layer.forward(x.clone(), &lengths).hidden;
        let reference = {
            let pf = layer.forward.input.forward(x.clone());
            let pb = layer.backward.input.forward(x.clone());
            Tensor::cat(
                vec![
                    layer.forward.recur_reference(pf, &lengths, false),
                    layer.backward.recur_reference(pb, &lengths, true),
                ],
                2,
            )
        };
        let g_fused = loss_of(fused).backward();
        let g_ref = loss_of(reference).backward();
        let grads = |g: &burn::tensor::Gradients| {
            [
                x.grad(g).map(|t| t.into_data()),
                layer
                    .forward
                    .recurrent
                    .weight
                    .val()
                    .grad(g)
                    .map(|t| t.into_data()),
                layer
                    .backward
                    .recurrent
                    .weight
                    .val()
                    .grad(g)
                    .map(|t| t.into_data()),
                layer
                    .forward
                    .input
                    .weight
                    .val()
                    .grad(g)
                    .map(|t| t.into_data()),
            ]
        };
        let names = ["input", "forward W_hh", "backward W_hh", "forward W_ih"];
        let pairs = grads(&g_fused)
            .into_iter()
            .zip(grads(&g_ref))
            .map(|(a, b)| {
                (
                    a.expect("gradient of the fused graph"),
                    b.expect("gradient of the reference graph"),
                )
            });
        crate::testing::assert_close(pairs, &names, 1e-3, "BiLSTM");
    }
}
