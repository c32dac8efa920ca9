//! The CNN module built from a list of [`LayerSpec`]s (VGG, DarkNet and VGG-TK all use it),
//! and its forward pass as a sequence of [`Op`]s that the profiler times one by one.

use super::config::{LayerSpec, ModelConfig};
use super::stages::{Marks, Stage};
use burn::module::Module;
use burn::nn::conv::{Conv2d, Conv2dConfig};
use burn::nn::pool::{MaxPool2d, MaxPool2dConfig};
use burn::nn::{BatchNorm, BatchNormConfig, PaddingConfig2d};
use burn::tensor::activation::relu;
use burn::tensor::{Device, Tensor};

/// Convolution (plain or Tucker-factorized) followed by BatchNorm and ReLU.
#[derive(Module, Debug)]
pub struct ConvBlock {
    /// The convolution factors applied in order (one for a plain conv, three for Tucker).
    pub convs: Vec<Conv2d>,
    /// Batch normalization after the (last) convolution.
    pub bn: BatchNorm,
}

impl ConvBlock {
    fn new(factors: &[(usize, usize, usize)], device: &Device) -> Self {
        let convs = factors
            .iter()
            .map(|&(cin, cout, k)| {
                Conv2dConfig::new([cin, cout], [k, k])
                    .with_padding(PaddingConfig2d::Same)
                    .with_bias(false)
                    .init(device)
            })
            .collect();
        let out = factors.last().map_or(1, |f| f.1);
        Self {
            convs,
            bn: BatchNormConfig::new(out).init(device),
        }
    }

    /// The block's steps: its convolutions, BatchNorm, ReLU.
    fn ops(&self) -> Vec<Op<'_>> {
        let kernel = self.convs.last().map_or([1, 1], |c| c.kernel_size);
        let mut ops: Vec<Op<'_>> = self.convs.iter().map(Op::Conv).collect();
        ops.extend([
            Op::BatchNorm {
                bn: &self.bn,
                kernel,
            },
            Op::Relu,
        ]);
        ops
    }

    /// The block on `x`: at inference on the CPU backend with BatchNorm folded into the
    /// convolution ([`ConvBlock::infer`]), otherwise step by step.
    fn apply(&self, x: Tensor<4>) -> Tensor<4> {
        #[cfg(feature = "flex")]
        if crate::ops::runs_on(&x.device()) && !x.device().is_autodiff() {
            return self.infer(x);
        }
        self.ops().into_iter().fold(x, |x, op| op.apply(x))
    }
}

/// One layer of the CNN.
// A CNN has a handful of layers: boxing the conv variant would buy nothing.
#[allow(clippy::large_enum_variant)]
#[derive(Module, Debug)]
pub enum CnnLayer {
    /// A convolution block.
    Conv(ConvBlock),
    /// A max-pooling layer.
    Pool(MaxPool2d),
}

/// One step of the CNN's forward pass.
#[derive(Debug, Clone, Copy)]
pub enum Op<'a> {
    /// A convolution (one factor of a Tucker block, or a plain conv).
    Conv(&'a Conv2d),
    /// BatchNorm after a block's convolutions; `kernel` is the last convolution's size.
    BatchNorm {
        /// The normalization.
        bn: &'a BatchNorm,
        /// Kernel size of the convolution it follows.
        kernel: [usize; 2],
    },
    /// ReLU.
    Relu,
    /// Max pooling.
    Pool(&'a MaxPool2d),
}

impl Op<'_> {
    /// Applies the step: on the CPU backend, the conv blocks' convolutions and the pools run
    /// as the fast operations of `crate::ops`; elsewhere (and for other shapes) burn's modules.
    pub fn apply(self, x: Tensor<4>) -> Tensor<4> {
        #[cfg(feature = "flex")]
        if crate::ops::runs_on(&x.device()) {
            match self {
                Op::Conv(c) if is_same_conv(c) => {
                    return crate::ops::conv::conv2d_same(x, c.weight.val());
                }
                Op::Pool(p) if is_window_pool(p) => {
                    return crate::ops::pool::max_pool_windows(x, p.kernel_size);
                }
                Op::BatchNorm { bn, .. }
                    if x.device().is_autodiff() && bn.training.is_enabled() =>
                {
                    return batch_norm_train(bn, x);
                }
                _ => {}
            }
        }
        self.apply_reference(x)
    }

    /// [`Self::apply`] with burn's modules on every backend.
    pub fn apply_reference(self, x: Tensor<4>) -> Tensor<4> {
        match self {
            Op::Conv(c) => c.forward(x),
            Op::BatchNorm { bn, .. } => bn.forward(x),
            Op::Relu => relu(x),
            Op::Pool(p) => p.forward(x),
        }
    }
}

/// BatchNorm in training with the fast operations: the output from the batch's statistics, and
/// the running statistics moved towards them by the momentum, as burn's `BatchNorm` does.
#[cfg(feature = "flex")]
fn batch_norm_train(bn: &BatchNorm, x: Tensor<4>) -> Tensor<4> {
    let device = x.device();
    let (out, (mean, var)) = crate::ops::batch_norm::batch_norm_batch_stats(
        x,
        bn.gamma.val(),
        bn.beta.val(),
        bn.epsilon,
    );
    let m = bn.momentum;
    let running_mean = bn.running_mean.value_sync().to_device(&device) * (1.0 - m) + mean * m;
    let running_var = bn.running_var.value_sync().to_device(&device) * (1.0 - m) + var * m;
    bn.running_mean.update(running_mean.detach());
    bn.running_var.update(running_var.detach());
    out
}

/// A stride-1, size-keeping convolution of odd kernel, without bias or groups.
#[cfg(feature = "flex")]
fn is_same_conv(c: &Conv2d) -> bool {
    c.bias.is_none()
        && c.stride == [1, 1]
        && c.dilation == [1, 1]
        && c.groups == 1
        && matches!(c.padding, PaddingConfig2d::Same)
        && c.kernel_size.iter().all(|k| k % 2 == 1)
}

/// A pool whose windows do not overlap and need no padding.
#[cfg(feature = "flex")]
fn is_window_pool(p: &MaxPool2d) -> bool {
    p.stride == p.kernel_size
        && p.dilation == [1, 1]
        && !p.ceil_mode
        && matches!(p.padding, PaddingConfig2d::Valid)
}

/// The CNN: layers, then a Conv1x1 projection to the feature size; collapses the height to 1.
#[derive(Module, Debug)]
pub struct ConvStack {
    /// Layers in order.
    pub layers: Vec<CnnLayer>,
    /// Conv1x1 from the last layer's channels to the feature size D.
    pub proj: Conv2d,
}

impl ConvStack {
    /// Builds the CNN of `config` with fresh weights. The config must be valid.
    pub fn new(config: &ModelConfig, device: &Device) -> Self {
        let mut cin = 1;
        let layers = config
            .cnn
            .iter()
            .map(|spec| match *spec {
                LayerSpec::Pool(h, w) => {
                    CnnLayer::Pool(MaxPool2dConfig::new([h, w]).with_strides([h, w]).init())
                }
                LayerSpec::Conv3x3(out) => CnnLayer::Conv(ConvBlock::new(
                    &[(std::mem::replace(&mut cin, out), out, 3)],
                    device,
                )),
                LayerSpec::Conv1x1(out) => CnnLayer::Conv(ConvBlock::new(
                    &[(std::mem::replace(&mut cin, out), out, 1)],
                    device,
                )),
                LayerSpec::Tucker { r1, r2, out } => CnnLayer::Conv(ConvBlock::new(
                    &[
                        (std::mem::replace(&mut cin, out), r1, 1),
                        (r1, r2, 3),
                        (r2, out, 1),
                    ],
                    device,
                )),
            })
            .collect();
        let proj = Conv2dConfig::new([cin, config.feature_dim], [1, 1]).init(device);
        Self { layers, proj }
    }

    /// The forward pass up to the projection, step by step.
    pub fn ops(&self) -> impl Iterator<Item = Op<'_>> {
        self.layers.iter().flat_map(|layer| -> Vec<Op<'_>> {
            match layer {
                CnnLayer::Conv(b) => b.ops(),
                CnnLayer::Pool(p) => vec![Op::Pool(p)],
            }
        })
    }

    /// The Conv1x1 projection of the last layer's `[B, C, 1, T]` output to `[B, T, D]` features.
    pub fn project(&self, x: Tensor<4>) -> Tensor<3> {
        let x = self.proj.forward(x);
        let [b, d, _, t] = x.dims();
        x.reshape([b, d, t]).swap_dims(1, 2)
    }

    /// `[B, 1, H, W]` images to `[B, W / stride, D]` features. Inference on the CPU backend
    /// folds each block's BatchNorm into its convolution ([`ConvBlock::infer`]).
    pub fn forward(&self, x: Tensor<4>) -> Tensor<3> {
        self.forward_marked(x, &mut |_| {})
    }

    /// [`Self::forward`], marking each layer's stage (convolution, pooling) and the features.
    pub fn forward_marked(&self, x: Tensor<4>, mark: Marks) -> Tensor<3> {
        let x = self.layers.iter().fold(x, |x, layer| {
            let (y, stage) = match layer {
                CnnLayer::Conv(b) => (b.apply(x), Stage::Convolution),
                CnnLayer::Pool(p) => (Op::Pool(p).apply(x), Stage::Pooling),
            };
            mark(stage);
            y
        });
        let features = self.project(x);
        mark(Stage::Features);
        features
    }
}

#[cfg(feature = "flex")]
impl ConvBlock {
    /// The block at inference on the CPU backend with BatchNorm folded in: the last
    /// convolution's weights scaled per output channel by `gamma / sqrt(var + eps)`, then
    /// `beta - mean * scale` added and ReLU in the convolution's own pass over its output.
    fn infer(&self, x: Tensor<4>) -> Tensor<4> {
        let Some((last, first)) = self.convs.split_last() else {
            return relu(
                Op::BatchNorm {
                    bn: &self.bn,
                    kernel: [1, 1],
                }
                .apply(x),
            );
        };
        if !is_same_conv(last) {
            let x = self.convs.iter().fold(x, |x, c| Op::Conv(c).apply(x));
            return relu(self.bn.forward(x));
        }
        let x = first.iter().fold(x, |x, c| Op::Conv(c).apply(x));
        let bn = &self.bn;
        let scale = bn.gamma.val() / (bn.running_var.value() + bn.epsilon).sqrt();
        let shift = bn.beta.val() - bn.running_mean.value() * scale.clone();
        let channels = scale.dims()[0];
        let weight = last.weight.val() * scale.reshape([channels, 1, 1, 1]);
        crate::ops::conv::conv2d_same_shift_relu(x, weight, shift)
    }
}

#[cfg(all(test, feature = "flex"))]
mod tests {
    use super::*;
    use crate::charset::Charset;
    use crate::model::{Network, Preset};
    use burn::tensor::Distribution;

    /// Every preset's CNN (VGG, DarkNet, Tucker) on an odd width: the fast ops against burn's.
    fn stacks(device: &Device) -> Vec<ConvStack> {
        let charset = Charset::printable_ascii();
        let mut out = Vec::new();
        for preset in [Preset::Tiny, Preset::Small] {
            for network in [Network::Vgg, Network::Darknet] {
                out.push(ConvStack::new(&preset.config(network, &charset), device));
            }
        }
        out.push(ConvStack::new(
            &Preset::Small.config(Network::Tucker(crate::model::TuckerRanks::V3), &charset),
            device,
        ));
        out
    }

    /// The input height the stack's pools reduce to 1.
    fn stack_height(stack: &ConvStack) -> usize {
        stack
            .layers
            .iter()
            .map(|l| match l {
                CnnLayer::Pool(p) => p.kernel_size[0],
                CnnLayer::Conv(_) => 1,
            })
            .product()
    }

    /// The stack with the fast operations (`fast`) or burn's (BatchNorm, which has its own test
    /// below, stays burn's).
    fn run(stack: &ConvStack, x: Tensor<4>, fast: bool) -> Tensor<4> {
        stack.ops().fold(x, |x, op| match op {
            Op::Conv(_) | Op::Pool(_) if fast => op.apply(x),
            _ => op.apply_reference(x),
        })
    }

    /// The stack with random BatchNorm parameters and running statistics (fresh ones are an
    /// identity, which would hide a wrong fold).
    fn with_random_norms(stack: ConvStack, device: &Device) -> ConvStack {
        use burn::module::{Param, RunningState};
        let layers = stack
            .layers
            .into_iter()
            .map(|layer| match layer {
                CnnLayer::Conv(mut b) => {
                    let c = b.bn.gamma.dims()[0];
                    let r = |lo: f64, hi: f64| {
                        Tensor::<1>::random([c], Distribution::Uniform(lo, hi), device)
                    };
                    b.bn.gamma = Param::from_tensor(r(0.5, 1.5));
                    b.bn.beta = Param::from_tensor(r(-0.5, 0.5));
                    b.bn.running_mean = RunningState::new(r(-0.3, 0.3));
                    b.bn.running_var = RunningState::new(r(0.2, 2.0));
                    CnnLayer::Conv(b)
                }
                pool => pool,
            })
            .collect();
        ConvStack { layers, ..stack }
    }

    #[test]
    fn inference_with_folded_batch_norm_matches_burn_forward() {
        let device = Device::flex();
        for stack in stacks(&device) {
            let stack = with_random_norms(stack, &device);
            let h = stack_height(&stack);
            let x = Tensor::<4>::random([2, 1, h, 37], Distribution::Default, &device);
            let reference =
                stack.project(stack.ops().fold(x.clone(), |x, op| op.apply_reference(x)));
            let fused = stack.forward(x);
            let scale: f32 = reference.clone().abs().max().into_scalar();
            let d: f32 = (fused - reference).abs().max().into_scalar();
            assert!(
                d <= 1e-4 * scale.max(1.0),
                "max difference {d} (scale {scale})"
            );
        }
    }

    #[test]
    fn the_fast_cnn_ops_match_burn_forward() {
        let device = Device::flex();
        assert!(crate::ops::runs_on(&device));
        for stack in stacks(&device) {
            let h = stack_height(&stack);
            let x = Tensor::<4>::random([2, 1, h, 37], Distribution::Default, &device);
            let d: f32 = (run(&stack, x.clone(), true) - run(&stack, x, false))
                .abs()
                .max()
                .into_scalar();
            assert!(d <= 1e-4, "max difference {d}");
        }
    }

    /// Gradients are compared op by op (here the convolution; pooling, BatchNorm and the LSTM
    /// in their own tests): through a whole stack, a pooling window whose two largest values
    /// differ by a rounding error may route its gradient to either (both valid subgradients).
    #[cfg(feature = "autodiff")]
    #[test]
    fn the_fast_convolution_matches_burn_gradients() {
        let device = Device::flex().autodiff();
        assert!(crate::ops::runs_on(&device));
        for (cin, cout, k, h, w) in [(1, 8, 3, 32, 37), (5, 7, 3, 4, 9), (6, 3, 1, 3, 5)] {
            let conv = Conv2dConfig::new([cin, cout], [k, k])
                .with_padding(PaddingConfig2d::Same)
                .with_bias(false)
                .init(&device);
            assert!(is_same_conv(&conv));
            let x =
                Tensor::<4>::random([2, cin, h, w], Distribution::Default, &device).require_grad();
            let weights = Tensor::<4>::random([2, cout, h, w], Distribution::Default, &device);
            let grads = |fast: bool| {
                let op = Op::Conv(&conv);
                let out = if fast {
                    op.apply(x.clone())
                } else {
                    op.apply_reference(x.clone())
                };
                let g = (out.clone() * weights.clone()).sum().backward();
                [
                    out.inner().into_data(),
                    x.grad(&g).expect("input gradient").into_data(),
                    conv.weight
                        .val()
                        .grad(&g)
                        .expect("weight gradient")
                        .into_data(),
                ]
            };
            let names = ["output", "input gradient", "weight gradient"];
            crate::testing::assert_close(
                grads(true).into_iter().zip(grads(false)),
                &names,
                1e-4,
                &format!("{cin}->{cout} k{k} {h}x{w}"),
            );
        }
    }

    #[cfg(feature = "autodiff")]
    #[test]
    fn batch_norm_training_matches_burn_output_gradients_and_running_statistics() {
        let device = Device::flex().autodiff();
        let (fast, reference) = (
            BatchNormConfig::new(3).init(&device),
            BatchNormConfig::new(3).init(&device),
        );
        // ReLU'd values: plateaus of zeros, as a conv block's input has.
        let x = burn::tensor::activation::relu(Tensor::<4>::random(
            [2, 3, 4, 5],
            Distribution::Normal(0.0, 2.0),
            &device,
        ))
        .detach()
        .require_grad();
        let weights = Tensor::<4>::random([2, 3, 4, 5], Distribution::Default, &device);
        let run = |bn: &BatchNorm, fast: bool| {
            let out = if fast {
                batch_norm_train(bn, x.clone())
            } else {
                bn.forward(x.clone())
            };
            let g = (out.clone() * weights.clone()).sum().backward();
            [
                out.inner().into_data(),
                x.grad(&g).unwrap().into_data(),
                bn.gamma.val().grad(&g).unwrap().into_data(),
                bn.beta.val().grad(&g).unwrap().into_data(),
                bn.running_mean.value_sync().inner().into_data(),
                bn.running_var.value_sync().inner().into_data(),
            ]
        };
        let names = [
            "output",
            "input grad",
            "gamma grad",
            "beta grad",
            "running mean",
            "running var",
        ];
        crate::testing::assert_close(
            run(&fast, true).into_iter().zip(run(&reference, false)),
            &names,
            1e-4,
            "BatchNorm",
        );
    }
}
