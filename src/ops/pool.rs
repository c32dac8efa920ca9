//! Max pooling with kernel = stride as a backend operation: [`crate::kernels::pool`] without
//! per-element index bookkeeping at inference, and with the maxima's positions kept for the
//! backward under autodiff.

use super::{contiguous, slice, tensor};
use crate::kernels::pool;
use burn::backend::tensor::FloatTensor;
use burn::backend::{Backend, Flex, TensorMetadata, backend_extension};
use burn::tensor::Tensor;

/// The pooling as a backend operation.
#[backend_extension(Flex, Autodiff: cfg(feature = "autodiff"))]
pub trait PoolOps: Backend {
    /// `x` `[B, C, H, W]` max-pooled over non-overlapping `window_h x window_w` windows:
    /// `[B, C, H / window_h, W / window_w]`.
    fn max_pool_windows(
        x: FloatTensor<Self>,
        window_h: usize,
        window_w: usize,
    ) -> FloatTensor<Self>;
}

/// The operation on tensors; the device must satisfy [`super::runs_on`].
pub fn max_pool_windows(x: Tensor<4>, window: [usize; 2]) -> Tensor<4> {
    Tensor::from_dispatch(<burn::backend::Dispatch as PoolOps>::max_pool_windows(
        x.into_dispatch(),
        window[0],
        window[1],
    ))
}

/// Pools a Flex tensor; with `keep`, also the input positions of the maxima.
fn run(
    x: FloatTensor<Flex>,
    window: [usize; 2],
    keep: bool,
) -> (FloatTensor<Flex>, Option<Vec<u32>>) {
    let x = contiguous(x);
    let s = x.shape();
    let [b, c, h, w] = [s[0], s[1], s[2], s[3]];
    let (out, arg) = pool::forward(slice(&x), b * c, h, w, window, keep);
    let [oh, ow] = pool::output_size(h, w, window);
    (tensor(out, [b, c, oh, ow]), arg)
}

impl PoolOps for Flex {
    fn max_pool_windows(
        x: FloatTensor<Self>,
        window_h: usize,
        window_w: usize,
    ) -> FloatTensor<Self> {
        run(x, [window_h, window_w], false).0
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
    use std::sync::Arc;

    /// The backward of [`PoolOps::max_pool_windows`]: gradients go to the maxima.
    #[derive(Debug)]
    struct PoolBackward;

    impl Backward<Flex, 1> for PoolBackward {
        /// The maxima's positions and the input shape.
        type State = (Arc<Vec<u32>>, Shape);

        fn backward(self, ops: Ops<Self::State, 1>, grads: &mut Gradients, _: &mut Checkpointer) {
            let [node_x] = ops.parents;
            let grad = contiguous(grads.consume::<Flex>(&ops.node));
            if let Some(node) = node_x {
                let (arg, shape) = ops.state;
                let dx = pool::backward(slice(&grad), &arg, shape.num_elements());
                grads.register::<Flex>(node.id, tensor(dx, shape));
            }
        }
    }

    impl<C: CheckpointStrategy> PoolOps for Autodiff<Flex, C> {
        fn max_pool_windows(
            x: FloatTensor<Self>,
            window_h: usize,
            window_w: usize,
        ) -> FloatTensor<Self> {
            let nodes = [x.node()];
            let x = x.into_primitive();
            let window = [window_h, window_w];
            match PoolBackward.prepare::<C>(nodes).compute_bound().stateful() {
                OpsKind::Tracked(prep) => {
                    let shape = x.shape();
                    let (out, arg) = run(x, window, true);
                    prep.finish((Arc::new(arg.expect("kept when asked")), shape), out)
                }
                OpsKind::UnTracked(prep) => prep.finish(run(x, window, false).0),
            }
        }
    }
}

#[cfg(all(test, feature = "autodiff"))]
mod tests {
    use super::*;
    use burn::nn::pool::MaxPool2dConfig;
    use burn::tensor::{Device, TensorData};

    #[test]
    fn ties_and_gradients_match_burns_pool() {
        let device = Device::flex().autodiff();
        for window in [[2, 2], [2, 1], [4, 1]] {
            // Values from a small set: many ties in every window.
            let values: Vec<f32> = (0..2 * 3 * 8 * 9).map(|i| ((i * 7) % 3) as f32).collect();
            let x = Tensor::<4>::from_data(TensorData::new(values, [2, 3, 8, 9]), &device)
                .require_grad();
            let pool = MaxPool2dConfig::new(window).with_strides(window).init();
            let ours = max_pool_windows(x.clone(), window);
            let theirs = pool.forward(x.clone());
            let weights = Tensor::<4>::from_data(
                TensorData::new(
                    (0..ours.dims().iter().product::<usize>())
                        .map(|i| i as f32)
                        .collect::<Vec<_>>(),
                    ours.dims(),
                ),
                &device,
            );
            ours.clone()
                .inner()
                .into_data()
                .assert_eq(&theirs.clone().inner().into_data(), true);
            let g1 = x
                .grad(&(ours * weights.clone()).sum().backward())
                .unwrap()
                .into_data();
            let g2 = x
                .grad(&(theirs * weights).sum().backward())
                .unwrap()
                .into_data();
            g1.assert_eq(&g2, true);
        }
    }
}
