//! The command line: one module per subcommand (the training subcommands share `train`).
//! Arguments and printing only; what a command does lives in `data`, `train` and `report`.

pub mod bench_synth;
pub mod complexity;
pub mod eval;
pub mod fonts;
pub mod info;
pub mod init;
pub mod recognize;
pub mod strokes;
pub mod synth;
pub mod train;

use crate::train::criterion::Criterion;

/// The accepted `--criterion` names, from the criteria's one name table.
pub fn criterion_names() -> clap::builder::PossibleValuesParser {
    clap::builder::PossibleValuesParser::new(Criterion::KINDS.map(|c| c.kind_names().0))
}
