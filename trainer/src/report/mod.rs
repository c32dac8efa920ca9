//! Reports: the pipeline that runs every stage and writes the paper's tables (`pipeline`),
//! model cost (`cost`) and measured latency (`latency`), the loss analysis (`analysis`) and
//! the character confusion listing (`confusion`).

pub mod analysis;
pub mod confusion;
pub mod cost;
pub mod latency;
pub mod pipeline;
