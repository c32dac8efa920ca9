//! One module per subcommand.

pub mod bench_synth;
pub mod complexity;
pub mod distill;
pub mod eval;
pub mod init;
pub mod pipeline;
pub mod recognize;
pub mod strokes;
pub mod synth;
pub mod train;
