//! Stride-1 "same" convolution without bias (the conv blocks' convolutions, BatchNorm follows)
//! as a backend operation: burn-flex computes the forward; the gradients are
//! [`crate::kernels::conv`]'s im2col / col2im products (burn's backward convolves with the whole
//! output gradient as a kernel for the weight, and transposes a convolution for the input).

use burn::backend::ops::{ConvOptions, ModuleOps};
use burn::backend::tensor::FloatTensor;
use burn::backend::{Backend, Flex, TensorMetadata, backend_extension};
use burn::tensor::Tensor;

/// The convolution as a backend operation.
#[backend_extension(Flex, Autodiff: cfg(feature = "autodiff"))]
pub trait ConvOps: Backend {
    /// `x` `[B, C, H, W]` convolved with `weight` `[O, C, KH, KW]` (odd kernel, stride 1, zero
    /// padding KH/2, KW/2), without bias: `[B, O, H, W]`.
    fn conv2d_same(x: FloatTensor<Self>, weight: FloatTensor<Self>) -> FloatTensor<Self>;
}

/// The operation on tensors; the device must satisfy [`super::runs_on`].
pub fn conv2d_same(x: Tensor<4>, weight: Tensor<4>) -> Tensor<4> {
    Tensor::from_dispatch(<burn::backend::Dispatch as ConvOps>::conv2d_same(
        x.into_dispatch(),
        weight.into_dispatch(),
    ))
}

fn options(weight: &FloatTensor<Flex>) -> ConvOptions<2> {
    let s = weight.shape();
    assert!(
        s[2] % 2 == 1 && s[3] % 2 == 1,
        "conv2d_same: kernel {s:?} is not odd"
    );
    ConvOptions::new([1, 1], [s[2] / 2, s[3] / 2], [1, 1], 1)
}

impl ConvOps for Flex {
    fn conv2d_same(x: FloatTensor<Self>, weight: FloatTensor<Self>) -> FloatTensor<Self> {
        let options = options(&weight);
        Flex::conv2d(x, weight, None, options)
    }
}

#[cfg(feature = "autodiff")]
mod autodiff {
    use super::super::{contiguous, slice, tensor};
    use super::*;
    use crate::kernels::conv::{self, ConvDims};
    use burn::backend::Autodiff;
    use burn::backend::autodiff::checkpoint::base::Checkpointer;
    use burn::backend::autodiff::checkpoint::strategy::CheckpointStrategy;
    use burn::backend::autodiff::grads::Gradients;
    use burn::backend::autodiff::ops::{Backward, Ops, OpsKind};

    /// The sizes of the convolution of `x` with a weight of `weight_shape`.
    fn dims(x: &FloatTensor<Flex>, weight_shape: [usize; 4]) -> ConvDims {
        let xs = x.shape();
        ConvDims {
            batch: xs[0],
            channels: xs[1],
            out: weight_shape[0],
            height: xs[2],
            width: xs[3],
            kernel: [weight_shape[2], weight_shape[3]],
        }
    }

    /// The backward of [`ConvOps::conv2d_same`]; its state is the forward's input and weight.
    #[derive(Debug)]
    struct ConvBackward;

    impl Backward<Flex, 2> for ConvBackward {
        type State = (FloatTensor<Flex>, FloatTensor<Flex>);

        fn backward(self, ops: Ops<Self::State, 2>, grads: &mut Gradients, _: &mut Checkpointer) {
            let [node_x, node_weight] = ops.parents;
            let grad = contiguous(grads.consume::<Flex>(&ops.node));
            let (x, weight) = ops.state;
            let shape = weight.shape();
            let weight_shape = [shape[0], shape[1], shape[2], shape[3]];
            let d = dims(&x, weight_shape);
            if let Some(node) = node_weight {
                let x = contiguous(x.clone());
                let dw = conv::weight_grad(slice(&x), slice(&grad), &d);
                grads.register::<Flex>(node.id, tensor(dw, weight_shape));
            }
            if let Some(node) = node_x {
                let weight = contiguous(weight);
                let dx = conv::input_grad(slice(&weight), slice(&grad), &d);
                grads.register::<Flex>(node.id, tensor(dx, x.shape()));
            }
        }
    }

    impl<C: CheckpointStrategy> ConvOps for Autodiff<Flex, C> {
        fn conv2d_same(x: FloatTensor<Self>, weight: FloatTensor<Self>) -> FloatTensor<Self> {
            let nodes = [x.node(), weight.node()];
            let (x, weight) = (x.into_primitive(), weight.into_primitive());
            match ConvBackward.prepare::<C>(nodes).compute_bound().stateful() {
                OpsKind::Tracked(prep) => {
                    let out = Flex::conv2d_same(x.clone(), weight.clone());
                    prep.finish((x, weight), out)
                }
                OpsKind::UnTracked(prep) => prep.finish(Flex::conv2d_same(x, weight)),
            }
        }
    }
}
