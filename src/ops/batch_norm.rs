//! BatchNorm in training (the batch's own statistics) as backend operations: one pass for the
//! statistics and one for the output, and a fused backward, instead of burn's composition of
//! reductions and broadcasts. The caller computes the statistics once
//! ([`BatchNormOps::channel_stats`]), for the normalization and for its running statistics.

use super::{contiguous, slice, tensor};
use crate::kernels::batch_norm as kernel;
use burn::backend::tensor::FloatTensor;
use burn::backend::{Backend, Flex, TensorMetadata, backend_extension};
use burn::tensor::Tensor;

/// The batch normalization as backend operations.
#[backend_extension(Flex, Autodiff: cfg(feature = "autodiff"))]
pub trait BatchNormOps: Backend {
    /// `x` `[B, C, ...]` normalized per channel by its own mean and biased variance, then scaled
    /// by `gamma` and shifted by `beta` (`[C]`). `stats` must be [`Self::channel_stats`] of `x`
    /// (the backward differentiates through the statistics as functions of `x`).
    fn batch_norm_batch_stats(
        x: FloatTensor<Self>,
        gamma: FloatTensor<Self>,
        beta: FloatTensor<Self>,
        stats: FloatTensor<Self>,
        epsilon: f64,
    ) -> FloatTensor<Self>;

    /// Per-channel mean and biased variance of `x` `[B, C, ...]`, as `[2, C]` (a constant under
    /// autodiff).
    fn channel_stats(x: FloatTensor<Self>) -> FloatTensor<Self>;
}

/// The normalized output (see [`BatchNormOps::batch_norm_batch_stats`]) and the batch's
/// (mean, biased variance); the device must satisfy [`super::runs_on`].
pub fn batch_norm_batch_stats(
    x: Tensor<4>,
    gamma: Tensor<1>,
    beta: Tensor<1>,
    eps: f64,
) -> (Tensor<4>, (Tensor<1>, Tensor<1>)) {
    let stats: Tensor<2> =
        Tensor::from_dispatch(<burn::backend::Dispatch as BatchNormOps>::channel_stats(
            x.clone().detach().into_dispatch(),
        ));
    let out = Tensor::from_dispatch(
        <burn::backend::Dispatch as BatchNormOps>::batch_norm_batch_stats(
            x.into_dispatch(),
            gamma.into_dispatch(),
            beta.into_dispatch(),
            stats.clone().into_dispatch(),
            eps,
        ),
    );
    let [_, c] = stats.dims();
    let mean = stats.clone().narrow(0, 0, 1).reshape([c]);
    (out, (mean, stats.narrow(0, 1, 1).reshape([c])))
}

/// (batch, channels, values per channel and image) of `x`.
fn sizes(x: &FloatTensor<Flex>) -> (usize, usize, usize) {
    let s = x.shape();
    let (b, c) = (s[0], s[1]);
    (b, c, s.num_elements() / (b * c).max(1))
}

/// The forward on contiguous tensors, with `stats` `[2, C]` (mean, then variance).
fn forward(
    x: &FloatTensor<Flex>,
    gamma: &FloatTensor<Flex>,
    beta: &FloatTensor<Flex>,
    stats: &FloatTensor<Flex>,
    eps: f64,
) -> FloatTensor<Flex> {
    let (b, c, hw) = sizes(x);
    let (mean, var) = slice(stats).split_at(c);
    let out = kernel::normalize(slice(x), slice(gamma), slice(beta), (mean, var), eps, b, hw);
    tensor(out, x.shape())
}

impl BatchNormOps for Flex {
    fn batch_norm_batch_stats(
        x: FloatTensor<Self>,
        gamma: FloatTensor<Self>,
        beta: FloatTensor<Self>,
        stats: FloatTensor<Self>,
        epsilon: f64,
    ) -> FloatTensor<Self> {
        let (x, gamma, beta) = (contiguous(x), contiguous(gamma), contiguous(beta));
        forward(&x, &gamma, &beta, &contiguous(stats), epsilon)
    }

    fn channel_stats(x: FloatTensor<Self>) -> FloatTensor<Self> {
        let x = contiguous(x);
        let (b, c, hw) = sizes(&x);
        let (mut mean, var) = kernel::stats(slice(&x), b, c, hw);
        mean.extend(var);
        tensor(mean, [2, c])
    }
}

#[cfg(feature = "autodiff")]
mod autodiff {
    use super::*;
    use burn::backend::autodiff::checkpoint::base::Checkpointer;
    use burn::backend::autodiff::checkpoint::strategy::CheckpointStrategy;
    use burn::backend::autodiff::grads::Gradients;
    use burn::backend::autodiff::ops::{Backward, Ops, OpsKind};
    use burn::backend::{Autodiff, AutodiffBackend};
    use std::sync::Arc;

    /// What the backward needs: the input, gamma, the batch statistics and epsilon.
    #[derive(Debug)]
    struct State {
        x: FloatTensor<Flex>,
        gamma: FloatTensor<Flex>,
        stats: FloatTensor<Flex>,
        eps: f64,
    }

    /// The backward of [`BatchNormOps::batch_norm_batch_stats`].
    #[derive(Debug)]
    struct BatchNormBackward;

    impl Backward<Flex, 3> for BatchNormBackward {
        type State = Arc<State>;

        fn backward(self, ops: Ops<Self::State, 3>, grads: &mut Gradients, _: &mut Checkpointer) {
            let [node_x, node_gamma, node_beta] = ops.parents;
            let grad = contiguous(grads.consume::<Flex>(&ops.node));
            let s = &ops.state;
            let (b, c, hw) = sizes(&s.x);
            let (dx, dgamma, dbeta) = kernel::backward(
                slice(&grad),
                slice(&s.x),
                slice(&s.gamma),
                slice(&s.stats).split_at(c),
                s.eps,
                b,
                hw,
            );
            if let Some(node) = node_x {
                grads.register::<Flex>(node.id, tensor(dx, s.x.shape()));
            }
            if let Some(node) = node_gamma {
                grads.register::<Flex>(node.id, tensor(dgamma, [c]));
            }
            if let Some(node) = node_beta {
                grads.register::<Flex>(node.id, tensor(dbeta, [c]));
            }
        }
    }

    impl<C: CheckpointStrategy> BatchNormOps for Autodiff<Flex, C> {
        fn batch_norm_batch_stats(
            x: FloatTensor<Self>,
            gamma: FloatTensor<Self>,
            beta: FloatTensor<Self>,
            stats: FloatTensor<Self>,
            epsilon: f64,
        ) -> FloatTensor<Self> {
            let nodes = [x.node(), gamma.node(), beta.node()];
            let x = contiguous(x.into_primitive());
            let gamma = contiguous(gamma.into_primitive());
            let beta = contiguous(beta.into_primitive());
            // A constant: the statistics' dependence on `x` is in the backward's formula.
            let stats = contiguous(stats.into_primitive());
            let out = forward(&x, &gamma, &beta, &stats, epsilon);
            match BatchNormBackward
                .prepare::<C>(nodes)
                .compute_bound()
                .stateful()
            {
                OpsKind::Tracked(prep) => {
                    let state = State {
                        x,
                        gamma,
                        stats,
                        eps: epsilon,
                    };
                    prep.finish(Arc::new(state), out)
                }
                OpsKind::UnTracked(prep) => prep.finish(out),
            }
        }

        fn channel_stats(x: FloatTensor<Self>) -> FloatTensor<Self> {
            Self::from_inner(Flex::channel_stats(x.into_primitive()))
        }
    }
}
