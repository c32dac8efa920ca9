//! What a stage minimizes: CTC against the text, or a distillation criterion against a frozen
//! teacher. The one place where a stage's loss is computed.

use super::criterion::Criterion;
use super::ctc_loss::{ctc_loss, targets};
use anyhow::Result;
use inkline::burn::tensor::Tensor;
use inkline::burn::tensor::activation::log_softmax;
use inkline::{Charset, CnnDblstm};

/// A stage's objective.
pub enum Objective {
    /// CTC loss of the model's output against the line's text.
    Ctc {
        /// Charset that encodes the texts.
        charset: Charset,
    },
    /// A criterion between the student and the teacher's outputs on the same lines; the student
    /// reuses the teacher's DBLSTM and IP, frozen.
    Distill {
        /// Where and how the two are compared.
        criterion: Criterion,
        /// The teacher in inference mode (BatchNorm running statistics), on the stage's
        /// autodiff device; no gradient reaches it.
        teacher: Box<CnnDblstm>,
    },
}

impl Objective {
    /// The loss on a batch `x` whose line `b` has `frames[b]` real frames and text `texts[b]`.
    pub fn loss(
        &self,
        model: &CnnDblstm,
        x: Tensor<4>,
        frames: &[usize],
        texts: &[String],
    ) -> Result<Tensor<1>> {
        match self {
            Objective::Ctc { charset } => {
                let lp = log_softmax(model.forward(x, frames).logits, 2);
                let t = targets(texts, charset, &lp.device())?;
                Ok(ctc_loss(lp, frames, &t))
            }
            Objective::Distill { criterion, teacher } => {
                let t = teacher.forward(x.clone(), frames);
                let s = model.forward(x, frames);
                Ok(criterion.loss(&s, &t, frames))
            }
        }
    }

    /// Whether the model's DBLSTM head stays frozen (distillation keeps the teacher's).
    pub fn frozen_head(&self) -> bool {
        matches!(self, Objective::Distill { .. })
    }
}
