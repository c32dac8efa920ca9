//! The inkline trainer as a library: `data` (synthetic lines and datasets on disk), `train`
//! (runs, stages, objectives, the loop), `report` (the pipeline's tables, cost, latency,
//! analysis, metrics, plots), and `cli`, the subcommands that `main.rs` exposes.

pub mod cli;
pub mod data;
pub mod device;
pub mod names;
pub mod report;
pub mod train;
