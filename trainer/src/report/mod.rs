//! Reports: the pipeline that runs every stage and writes the paper's tables (`pipeline`),
//! model cost (`cost`) and measured latency (`latency`), the loss analysis (`analysis`),
//! CER / WER (`metrics`), the character confusion listing (`confusion`) and training curves
//! (`plot`).

pub mod analysis;
pub mod confusion;
pub mod cost;
pub mod latency;
pub mod metrics;
pub mod pipeline;
pub mod plot;
