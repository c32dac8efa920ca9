//! The inkline trainer as a library: `data` (synthetic lines and datasets on disk), `train`
//! (runs, stages, objectives, the loop, curves), `report` (the pipeline's tables, cost,
//! latency, analysis, confusions), `metrics` (CER / WER), `onnx` (a model as an ONNX graph), and `cli`, the subcommands that
//! `main.rs` exposes. Dependencies run one way: cli -> report -> train -> data.

pub mod cli;
pub mod data;
pub mod device;
pub mod metrics;
pub mod names;
pub mod onnx;
pub mod report;
pub mod train;
