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
    #[command(flatten)]
    decoder: super::DecoderArgs,
}

/// Runs the command.
pub fn run(args: Args) -> Result<()> {
    let rec = args.decoder.load(&args.model)?;
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
