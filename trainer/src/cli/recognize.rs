//! `trainer recognize --model FILE IMAGE... [--json]`.

use crate::data::imageio;
use anyhow::{Context, Result};
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
    /// Character language model file (`trainer lm`): beam search fuses it (width 16 unless
    /// `--beam` says otherwise).
    #[arg(long)]
    lm: Option<PathBuf>,
}

/// Runs the command.
pub fn run(args: Args) -> Result<()> {
    let rec = super::load_recognizer(&args.model, args.beam, args.lm.as_deref())?;
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
