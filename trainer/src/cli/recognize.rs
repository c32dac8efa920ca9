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
    /// Also write what the model reads of each image to this folder: every line (or piece of
    /// a long line) as the page analysis found, straightened and scaled it
    /// (`STEM_lineNN.png`, ink light on dark).
    #[arg(long)]
    lines: Option<PathBuf>,
    #[command(flatten)]
    decoder: super::DecoderArgs,
}

/// Runs the command.
pub fn run(args: Args) -> Result<()> {
    let rec = args.decoder.load(&args.model)?;
    for path in &args.images {
        let img = imageio::load(path)?;
        if let Some(dir) = &args.lines {
            write_lines(&img, rec.geometry(), path, dir)?;
        }
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

/// Writes the model's inputs for image `img` (read from `path`) into `dir`.
fn write_lines(
    img: &inkline::GrayImage,
    geometry: &inkline::InputGeometry,
    path: &std::path::Path,
    dir: &std::path::Path,
) -> Result<()> {
    std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    let stem = path
        .file_stem()
        .map_or("image".into(), |s| s.to_string_lossy());
    let lines = inkline::internals::prepare_page(img, geometry)?;
    for (k, line) in lines.iter().enumerate() {
        imageio::save_png(&line.image, &dir.join(format!("{stem}_line{k:02}.png")))?;
    }
    Ok(())
}
