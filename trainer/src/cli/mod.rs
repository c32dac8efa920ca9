//! The command line: one module per subcommand (the training subcommands share `train`), and
//! the few helpers two commands share. Arguments and printing only; what a command does lives
//! in `data`, `train` and `report`; no command imports a sibling.

pub mod bench_synth;
pub mod bench_train;
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
use anyhow::{Context, Result};
use inkline::burn::tensor::Device;
use inkline::{Decoder, Recognizer};
use std::path::Path;

/// Loads a recognizer from a model file with the chosen decoder (`recognize`, `eval`).
pub fn load_recognizer(model: &Path, beam: Option<usize>) -> Result<Recognizer> {
    let bytes =
        std::fs::read(model).with_context(|| format!("cannot read model {}", model.display()))?;
    let r = Recognizer::from_bytes(&bytes, Device::flex())
        .with_context(|| format!("cannot load {}", model.display()))?;
    Ok(r.with_decoder(beam.map_or(Decoder::BestPath, Decoder::Beam))?)
}

/// The accepted `--criterion` names, from the criteria's one name table.
pub fn criterion_names() -> clap::builder::PossibleValuesParser {
    clap::builder::PossibleValuesParser::new(Criterion::KINDS.map(|c| c.kind_names().0))
}
