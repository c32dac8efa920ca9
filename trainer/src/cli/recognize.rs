//! `trainer recognize --model FILE IMAGE... [--json]`.

use crate::data::imageio;
use anyhow::{Context, Result};
use inkline::burn::tensor::Device;
use inkline::{Decoder, Recognizer};
use std::path::PathBuf;

/// Arguments of `recognize`.
#[derive(clap::Args)]
pub struct Args {
    /// Model file.
    #[arg(long)]
    model: PathBuf,
    /// Images to read (PNG or JPEG).
    #[arg(required = true)]
    images: Vec<PathBuf>,
    /// One JSON object per image instead of plain text.
    #[arg(long)]
    json: bool,
    /// Prefix beam search of this width instead of best path.
    #[arg(long)]
    beam: Option<usize>,
}

/// Loads a recognizer from a model file with the chosen decoder.
pub fn load_recognizer(model: &PathBuf, beam: Option<usize>) -> Result<Recognizer> {
    let bytes =
        std::fs::read(model).with_context(|| format!("cannot read model {}", model.display()))?;
    let r = Recognizer::from_bytes(&bytes, Device::flex())
        .with_context(|| format!("cannot load {}", model.display()))?;
    Ok(r.with_decoder(beam.map_or(Decoder::BestPath, Decoder::Beam))?)
}

/// Runs the command.
pub fn run(args: Args) -> Result<()> {
    let rec = load_recognizer(&args.model, args.beam)?;
    for path in &args.images {
        let img = imageio::load(path)?;
        let r = rec
            .recognize(&img)
            .with_context(|| format!("cannot recognize {}", path.display()))?;
        if args.json {
            /// One image's result: the file and the library's `Recognition` fields.
            #[derive(serde::Serialize)]
            struct FileRecognition<'a> {
                file: String,
                #[serde(flatten)]
                recognition: &'a inkline::Recognition,
            }
            let obj = FileRecognition {
                file: path.display().to_string(),
                recognition: &r,
            };
            println!("{}", serde_json::to_string(&obj)?);
        } else {
            println!("{}", r.text);
        }
    }
    Ok(())
}
