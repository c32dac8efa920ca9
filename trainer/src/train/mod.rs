//! Training: a run's settings and shared session (`run`), the paper's stages (`stages`), what
//! each stage minimizes (`objective`, with the CTC loss in `ctc_loss` and the distillation
//! criteria in `criterion`), the loop every stage runs (`stage`) with its checkpoints
//! (`checkpoint`), validation (`validate`) and curves (`curves`), and the Tucker
//! initialization of VGG-TK (`tucker_init`).

pub mod checkpoint;
pub mod criterion;
pub mod ctc_loss;
pub mod curves;
pub mod objective;
pub mod run;
pub mod stage;
pub mod stages;
pub mod tucker_init;
pub mod validate;
