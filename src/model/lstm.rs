//! Bidirectional LSTM layer with per-sequence lengths.
//!
//! The input projection `W_ih x` of all time steps is one matmul (it is also what the CNN-MAH
//! criterion compares); the reverse direction runs over each sequence's own length, so padding
//! at the end of shorter sequences never reaches their real frames.

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

    /// Runs the recurrence over projected inputs `[B, T, 4H]`, returning hidden states `[B, T, H]`.
    pub fn recur(&self, proj: Tensor<3>) -> Tensor<3> {
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
    /// Input projections of both directions, `[B, T, 8H]` (forward then backward).
    pub input_proj: Tensor<3>,
    /// Hidden states of both directions, `[B, T, 2H]`.
    pub hidden: Tensor<3>,
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
        let pf = self.forward.input.forward(x.clone());
        let pb = self.backward.input.forward(x);
        let hf = self.forward.recur(pf.clone());
        let hb = reverse_within(
            self.backward.recur(reverse_within(pb.clone(), lengths)),
            lengths,
        );
        BiLstmOutput {
            input_proj: Tensor::cat(vec![pf, pb], 2),
            hidden: Tensor::cat(vec![hf, hb], 2),
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
