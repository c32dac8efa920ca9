//! `trainer info FILE`: a model file's manifest as JSON: file name, byte size, SHA-256 and the
//! file's metadata as stored (architecture, charset, provenance, validation metrics). The
//! browser package's `model.json` is this output.

use anyhow::{Context, Result};
use inkline::{ModelFile, ModelMeta, sha256_hex};
use serde::Serialize;
use std::path::PathBuf;

/// Arguments of `info`.
#[derive(clap::Args)]
pub struct Args {
    /// Model file.
    model: PathBuf,
}

/// The manifest of a model file.
#[derive(Serialize)]
struct Manifest {
    file: String,
    bytes: usize,
    sha256: String,
    meta: ModelMeta,
}

/// Runs the command.
pub fn run(args: Args) -> Result<()> {
    let bytes = std::fs::read(&args.model)
        .with_context(|| format!("cannot read {}", args.model.display()))?;
    let meta = ModelFile::read_meta(&bytes)
        .with_context(|| format!("{} is not a usable model file", args.model.display()))?;
    let manifest = Manifest {
        file: args
            .model
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default(),
        bytes: bytes.len(),
        sha256: sha256_hex(&bytes),
        meta,
    };
    println!("{}", serde_json::to_string_pretty(&manifest)?);
    Ok(())
}
