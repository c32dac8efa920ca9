//! The CNN module built from a list of [`LayerSpec`]s (VGG, DarkNet and VGG-TK all use it),
//! and its forward pass as a sequence of [`Op`]s that the profiler times one by one.

use super::config::{LayerSpec, ModelConfig};
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
    /// Applies the step.
    pub fn apply(self, x: Tensor<4>) -> Tensor<4> {
        match self {
            Op::Conv(c) => c.forward(x),
            Op::BatchNorm { bn, .. } => bn.forward(x),
            Op::Relu => relu(x),
            Op::Pool(p) => p.forward(x),
        }
    }
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
                CnnLayer::Conv(b) => {
                    let kernel = b.convs.last().map_or([1, 1], |c| c.kernel_size);
                    let mut ops: Vec<Op<'_>> = b.convs.iter().map(Op::Conv).collect();
                    ops.extend([Op::BatchNorm { bn: &b.bn, kernel }, Op::Relu]);
                    ops
                }
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

    /// `[B, 1, H, W]` images to `[B, W / stride, D]` features.
    pub fn forward(&self, x: Tensor<4>) -> Tensor<3> {
        self.project(self.ops().fold(x, |x, op| op.apply(x)))
    }
}
