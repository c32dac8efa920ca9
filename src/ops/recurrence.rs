//! The LSTM recurrence of one direction as a single backend operation: the kernel runs over
//! plain slices instead of ~23 tensor ops per time step, and under autodiff a hand-written
//! backward through time replaces the per-step graph.

use super::{contiguous, slice, tensor};
use crate::kernels::lstm::{self as kernel, Dims, Walk};
use burn::backend::tensor::FloatTensor;
use burn::backend::{Backend, Flex, TensorMetadata, backend_extension};
use burn::tensor::Tensor;

/// The recurrence as a backend operation (see [`kernel`] for the layouts).
#[backend_extension(Flex, Autodiff: cfg(feature = "autodiff"))]
pub trait RecurrenceOps: Backend {
    /// Hidden states `[B, T, H]` of projected inputs `proj` `[B, T, 4H]` with the recurrent
    /// weight `[H, 4H]`; sequence `b` has `lengths[b]` real frames, walked backwards if `reverse`.
    fn lstm_recurrence(
        proj: FloatTensor<Self>,
        weight: FloatTensor<Self>,
        lengths: Vec<usize>,
        reverse: bool,
    ) -> FloatTensor<Self>;
}

/// The fused recurrence on tensors; `device` must satisfy [`runs_on`].
pub fn recurrence(
    proj: Tensor<3>,
    weight: Tensor<2>,
    lengths: &[usize],
    reverse: bool,
) -> Tensor<3> {
    Tensor::from_dispatch(<burn::backend::Dispatch as RecurrenceOps>::lstm_recurrence(
        proj.into_dispatch(),
        weight.into_dispatch(),
        lengths.to_vec(),
        reverse,
    ))
}

/// Sizes and walk of a call, from the input shapes.
fn geometry(
    proj: &FloatTensor<Flex>,
    weight: &FloatTensor<Flex>,
    lengths: &[usize],
    reverse: bool,
) -> (Dims, Walk) {
    let p = proj.shape();
    let w = weight.shape();
    assert!(
        p.num_dims() == 3 && w.num_dims() == 2 && p[2] == w[1] && w[1] == 4 * w[0],
        "lstm_recurrence: projections {p:?} and recurrent weight {w:?} do not match"
    );
    let dims = Dims {
        batch: p[0],
        steps: p[1],
        hidden: w[0],
    };
    let walk = Walk::new(lengths, dims.batch, dims.steps, reverse);
    (dims, walk)
}

impl RecurrenceOps for Flex {
    fn lstm_recurrence(
        proj: FloatTensor<Self>,
        weight: FloatTensor<Self>,
        lengths: Vec<usize>,
        reverse: bool,
    ) -> FloatTensor<Self> {
        let (proj, weight) = (contiguous(proj), contiguous(weight));
        let (dims, walk) = geometry(&proj, &weight, &lengths, reverse);
        let hidden = kernel::forward(slice(&proj), slice(&weight), &dims, &walk, false).0;
        tensor(hidden, [dims.batch, dims.steps, dims.hidden])
    }
}

#[cfg(feature = "autodiff")]
mod autodiff {
    use super::*;
    use crate::kernels::lstm::Saved;
    use burn::backend::Autodiff;
    use burn::backend::autodiff::checkpoint::base::Checkpointer;
    use burn::backend::autodiff::checkpoint::strategy::CheckpointStrategy;
    use burn::backend::autodiff::grads::Gradients;
    use burn::backend::autodiff::ops::{Backward, Ops, OpsKind};
    use std::sync::Arc;

    /// What the backward needs: the forward's weight, outputs and gate/cell states.
    #[derive(Debug)]
    struct State {
        /// The recurrent weight and the hidden states (shared with the graph, not copied).
        weight: FloatTensor<Flex>,
        hidden: FloatTensor<Flex>,
        saved: Saved,
        dims: Dims,
        walk: Walk,
    }

    /// The backward through time of [`RecurrenceOps::lstm_recurrence`].
    #[derive(Debug)]
    struct RecurrenceBackward;

    impl Backward<Flex, 2> for RecurrenceBackward {
        type State = Arc<State>;

        fn backward(self, ops: Ops<Self::State, 2>, grads: &mut Gradients, _: &mut Checkpointer) {
            let [node_proj, node_weight] = ops.parents;
            let grad = contiguous(grads.consume::<Flex>(&ops.node));
            let s = &ops.state;
            let (grad_proj, grad_weight) = kernel::backward(
                slice(&grad),
                slice(&s.hidden),
                &s.saved,
                slice(&s.weight),
                &s.dims,
                &s.walk,
            );
            let Dims {
                batch,
                steps,
                hidden,
            } = s.dims;
            if let Some(node) = node_proj {
                grads.register::<Flex>(node.id, tensor(grad_proj, [batch, steps, 4 * hidden]));
            }
            if let Some(node) = node_weight {
                grads.register::<Flex>(node.id, tensor(grad_weight, [hidden, 4 * hidden]));
            }
        }
    }

    impl<C: CheckpointStrategy> RecurrenceOps for Autodiff<Flex, C> {
        fn lstm_recurrence(
            proj: FloatTensor<Self>,
            weight: FloatTensor<Self>,
            lengths: Vec<usize>,
            reverse: bool,
        ) -> FloatTensor<Self> {
            let nodes = [proj.node(), weight.node()];
            let (proj, weight) = (proj.into_primitive(), weight.into_primitive());
            match RecurrenceBackward
                .prepare::<C>(nodes)
                .compute_bound()
                .stateful()
            {
                OpsKind::Tracked(prep) => {
                    let (proj, weight) = (contiguous(proj), contiguous(weight));
                    let (dims, walk) = geometry(&proj, &weight, &lengths, reverse);
                    let (hidden, saved) =
                        kernel::forward(slice(&proj), slice(&weight), &dims, &walk, true);
                    let out = tensor(hidden, [dims.batch, dims.steps, dims.hidden]);
                    let state = State {
                        weight,
                        hidden: out.clone(),
                        saved: saved.expect("kept when asked"),
                        dims,
                        walk,
                    };
                    prep.finish(Arc::new(state), out)
                }
                OpsKind::UnTracked(prep) => {
                    prep.finish(Flex::lstm_recurrence(proj, weight, lengths, reverse))
                }
            }
        }
    }
}
