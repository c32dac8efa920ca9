//! Training: CTC loss, validation, checkpoints with exact resume, and the stage loop that every
//! training subcommand (teacher, scratch, distill, finetune, tucker) runs.

pub mod analysis;
pub mod checkpoint;
pub mod ctc;
pub mod distill;
pub mod plot;
pub mod stage;
pub mod tucker;
pub mod validate;
