//! The command line: one module per subcommand (the training subcommands share `train`), and
//! the few helpers two commands share. Arguments and printing only; what a command does lives
//! in `data`, `train` and `report`; no command imports a sibling.

pub mod bench_synth;
pub mod bench_train;
pub mod complexity;
pub mod convert;
pub mod eval;
pub mod export;
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

/// How `recognize` and `eval` decode: beam width and language model.
#[derive(clap::Args)]
pub struct DecoderArgs {
    /// Prefix beam search of this width instead of best path.
    #[arg(long)]
    beam: Option<usize>,
    /// Character language model file (`trainer lm`): beam search fuses it (width 16 unless
    /// `--beam` says otherwise).
    #[arg(long)]
    lm: Option<std::path::PathBuf>,
    /// Weight of the LM's log-probability (default: the one stored in the LM file).
    #[arg(long, requires = "lm")]
    alpha: Option<f32>,
    /// Bonus per character with the LM (default: the one stored in the LM file).
    #[arg(long, requires = "lm")]
    beta: Option<f32>,
    /// Bonus per letter of a word the LM's lexicon knows (default: the one stored in the LM
    /// file; 0 turns the lexicon off).
    #[arg(long, requires = "lm")]
    gamma: Option<f32>,
}

impl DecoderArgs {
    /// Loads a recognizer from a model file with this decoder.
    pub fn load(&self, model: &Path) -> Result<Recognizer> {
        let bytes = std::fs::read(model)
            .with_context(|| format!("cannot read model {}", model.display()))?;
        let r = Recognizer::from_bytes(&bytes, Device::flex())
            .with_context(|| format!("cannot load {}", model.display()))?;
        let beam = if self.lm.is_some() {
            self.beam.or(Some(inkline::DEFAULT_LM_BEAM))
        } else {
            self.beam
        };
        let mut r = r.with_decoder(beam.map_or(Decoder::BestPath, Decoder::Beam))?;
        if let Some(path) = &self.lm {
            let bytes =
                std::fs::read(path).with_context(|| format!("cannot read {}", path.display()))?;
            let mut lm = CharLm::from_bytes(&bytes)?;
            lm.alpha = self.alpha.unwrap_or(lm.alpha);
            lm.beta = self.beta.unwrap_or(lm.beta);
            lm.gamma = self.gamma.unwrap_or(lm.gamma);
            r = r
                .with_lm(lm)
                .with_context(|| format!("cannot use {}", path.display()))?;
        }
        Ok(r)
    }
}

/// The accepted `--criterion` names, from the criteria's one name table.
pub fn criterion_names() -> clap::builder::PossibleValuesParser {
    clap::builder::PossibleValuesParser::new(Criterion::KINDS.map(|c| c.kind_names().0))
}
