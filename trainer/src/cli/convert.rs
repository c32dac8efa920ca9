//! `trainer convert --model IN --out OUT [--precision f16|f32]`: the same model with its weights
//! stored at another precision (f16 halves the download; weights are f32 in memory either way),
//! and in the current file format: files of format version 1 (no checksum) are read and
//! rewritten with one.

use anyhow::{Context, Result};
use inkline::burn::tensor::Device;
use inkline::{ModelFile, Precision};
use std::path::PathBuf;

/// Arguments of `convert`.
#[derive(clap::Args)]
pub struct Args {
    /// Model file to read.
    #[arg(long)]
    model: PathBuf,
    /// Model file to write.
    #[arg(long)]
    out: PathBuf,
    /// Weight precision of the written file: f32 or f16 (default: as the input stores it).
    #[arg(long)]
    precision: Option<Precision>,
}

/// Runs the command.
pub fn run(args: Args) -> Result<()> {
    let bytes = std::fs::read(&args.model)
        .with_context(|| format!("cannot read {}", args.model.display()))?;
    let file = ModelFile::upgrade(&bytes, &Device::flex())
        .with_context(|| format!("cannot load {}", args.model.display()))?;
    let precision = args.precision.unwrap_or(file.precision);
    file.save_as(&args.out, precision)
        .with_context(|| format!("cannot write {}", args.out.display()))?;
    let size = |p: &PathBuf| std::fs::metadata(p).map(|m| m.len()).unwrap_or(0);
    println!(
        "wrote {} ({} bytes, {}; was {} bytes)",
        args.out.display(),
        size(&args.out),
        precision,
        size(&args.model)
    );
    Ok(())
}
