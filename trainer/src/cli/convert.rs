//! `trainer convert --model IN --out OUT --precision f16|f32`: the same model with its weights
//! stored at another precision (f16 halves the download; weights are f32 in memory either way).

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
    /// Weight precision of the written file: f32 or f16.
    #[arg(long)]
    precision: Precision,
}

/// Runs the command.
pub fn run(args: Args) -> Result<()> {
    let file = ModelFile::load(&args.model, &Device::flex())
        .with_context(|| format!("cannot load {}", args.model.display()))?;
    file.save_as(&args.out, args.precision)
        .with_context(|| format!("cannot write {}", args.out.display()))?;
    let size = |p: &PathBuf| std::fs::metadata(p).map(|m| m.len()).unwrap_or(0);
    println!(
        "wrote {} ({} bytes, {}; was {} bytes)",
        args.out.display(),
        size(&args.out),
        args.precision,
        size(&args.model)
    );
    Ok(())
}
