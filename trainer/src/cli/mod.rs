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
pub mod lm;
pub mod recognize;
pub mod strokes;
pub mod synth;
pub mod train;

use crate::train::criterion::Criterion;
use anyhow::{Context, Result};
use inkline::burn::tensor::Device;
use inkline::{CharLm, Decoder, Recognizer};
use std::path::Path;

/// Loads a recognizer from a model file with the chosen decoder (`recognize`, `eval`); with a
/// language model file, beam search (width `beam`, default 16) fuses it.
pub fn load_recognizer(model: &Path, beam: Option<usize>, lm: Option<&Path>) -> Result<Recognizer> {
    let bytes =
        std::fs::read(model).with_context(|| format!("cannot read model {}", model.display()))?;
    let r = Recognizer::from_bytes(&bytes, Device::flex())
        .with_context(|| format!("cannot load {}", model.display()))?;
    let beam = if lm.is_some() {
        beam.or(Some(16))
    } else {
        beam
    };
    let mut r = r.with_decoder(beam.map_or(Decoder::BestPath, Decoder::Beam))?;
    if let Some(path) = lm {
        let bytes =
            std::fs::read(path).with_context(|| format!("cannot read {}", path.display()))?;
        r = r
            .with_lm(CharLm::from_bytes(&bytes)?)
            .with_context(|| format!("cannot use {}", path.display()))?;
    }
    Ok(r)
}

/// The accepted `--criterion` names, from the criteria's one name table.
pub fn criterion_names() -> clap::builder::PossibleValuesParser {
    clap::builder::PossibleValuesParser::new(Criterion::KINDS.map(|c| c.kind_names().0))
}
