//! Stride-1 "same" convolution without bias (the conv blocks' convolutions, BatchNorm follows)
//! as a backend operation: [`crate::kernels::conv`]'s im2col / col2im products, forward and
//! backward (burn's backward convolves with the whole output gradient as a kernel for the
//! weight, and transposes a convolution for the input).

use super::{contiguous, slice, tensor};
use crate::kernels::conv::{self, ConvDims};
use burn::backend::tensor::FloatTensor;
use burn::backend::{Backend, Flex, TensorMetadata, backend_extension};
use burn::tensor::Tensor;

/// The convolution as a backend operation.
#[backend_extension(Flex, Autodiff: cfg(feature = "autodiff"))]
pub trait ConvOps: Backend {
    /// `x` `[B, C, H, W]` convolved with `weight` `[O, C, KH, KW]` (odd kernel, stride 1, zero
    /// padding KH/2, KW/2), without bias: `[B, O, H, W]`.
    fn conv2d_same(x: FloatTensor<Self>, weight: FloatTensor<Self>) -> FloatTensor<Self>;

    /// [`ConvOps::conv2d_same`], then per output channel `shift` `[O]` added and ReLU, in one
    /// pass over each image's output while it is in cache (inference with BatchNorm folded).
    fn conv2d_same_shift_relu(
        x: FloatTensor<Self>,
        weight: FloatTensor<Self>,
        shift: FloatTensor<Self>,
    ) -> FloatTensor<Self>;
}

/// The operation on tensors; the device must satisfy [`super::runs_on`].
pub fn conv2d_same(x: Tensor<4>, weight: Tensor<4>) -> Tensor<4> {
    Tensor::from_dispatch(<burn::backend::Dispatch as ConvOps>::conv2d_same(
        x.into_dispatch(),
        weight.into_dispatch(),
    ))
}

impl ConvOps for Flex {
    fn conv2d_same(x: FloatTensor<Self>, weight: FloatTensor<Self>) -> FloatTensor<Self> {
        run(x, weight, None)
    }

    fn conv2d_same_shift_relu(
        x: FloatTensor<Self>,
        weight: FloatTensor<Self>,
        shift: FloatTensor<Self>,
    ) -> FloatTensor<Self> {
        run(x, weight, Some(shift))
    }
}

/// [`conv::forward`] on Flex tensors, with the shift + ReLU epilogue when `shift` is given.
fn run(
    x: FloatTensor<Flex>,
    weight: FloatTensor<Flex>,
    shift: Option<FloatTensor<Flex>>,
) -> FloatTensor<Flex> {
    let (x, weight, shift) = (contiguous(x), contiguous(weight), shift.map(contiguous));
    let d = dims(&x, &weight);
    let out = conv::forward(slice(&x), slice(&weight), &d, shift.as_ref().map(slice));
    tensor(out, [d.batch, d.out, d.height, d.width])
}

/// [`ConvOps::conv2d_same_shift_relu`] on tensors; the device must satisfy [`super::runs_on`].
pub fn conv2d_same_shift_relu(x: Tensor<4>, weight: Tensor<4>, shift: Tensor<1>) -> Tensor<4> {
    Tensor::from_dispatch(
        <burn::backend::Dispatch as ConvOps>::conv2d_same_shift_relu(
            x.into_dispatch(),
            weight.into_dispatch(),
            shift.into_dispatch(),
        ),
    )
}

/// The sizes of the convolution of `x` with `weight` (odd kernel).
fn dims(x: &FloatTensor<Flex>, weight: &FloatTensor<Flex>) -> ConvDims {
    let (xs, ws) = (x.shape(), weight.shape());
    assert!(
        xs.num_dims() == 4 && ws.num_dims() == 4 && xs[1] == ws[1],
        "conv2d_same: input {xs:?} and weight {ws:?} do not match"
    );
    assert!(
        ws[2] % 2 == 1 && ws[3] % 2 == 1,
        "conv2d_same: kernel {ws:?} is not odd"
    );
    ConvDims {
        batch: xs[0],
        channels: xs[1],
        out: ws[0],
        height: xs[2],
        width: xs[3],
        kernel: [ws[2], ws[3]],
    }
}

#[cfg(feature = "autodiff")]
mod autodiff {
    use super::*;
    use burn::backend::Autodiff;
    use burn::backend::autodiff::checkpoint::base::Checkpointer;
    use burn::backend::autodiff::checkpoint::strategy::CheckpointStrategy;
    use burn::backend::autodiff::grads::Gradients;
    use burn::backend::autodiff::ops::{Backward, Ops, OpsKind};
    use burn::tensor::Shape;

    /// The backward of [`ConvOps::conv2d_same`]; its state is the forward's input and weight.
    #[derive(Debug)]
    struct ConvBackward;

    impl Backward<Flex, 2> for ConvBackward {
        type State = (FloatTensor<Flex>, FloatTensor<Flex>);

        fn backward(self, ops: Ops<Self::State, 2>, grads: &mut Gradients, _: &mut Checkpointer) {
            let [node_x, node_weight] = ops.parents;
            let grad = contiguous(grads.consume::<Flex>(&ops.node));
            let (x, weight) = ops.state;
            let d = dims(&x, &weight);
            let weight_shape = [d.out, d.channels, d.kernel[0], d.kernel[1]];
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

        /// Composed of tracked operations (training never asks for it; gradients stay right).
        fn conv2d_same_shift_relu(
            x: FloatTensor<Self>,
            weight: FloatTensor<Self>,
            shift: FloatTensor<Self>,
        ) -> FloatTensor<Self> {
            use burn::backend::ops::{ActivationOps, FloatTensorOps};
            let channels = shift.shape()[0];
            let y = Self::conv2d_same(x, weight);
            let shift = Self::float_reshape(shift, Shape::new([1, channels, 1, 1]));
            Self::relu(Self::float_add(y, shift))
        }
    }
}
