//! `trainer init --preset P --arch A --out FILE`: a model file with fresh weights.

use anyhow::Result;
use inkline::burn::tensor::Device;
use inkline::{Arch, Charset, CnnDblstm, ModelFile, Preset, Provenance};
use std::path::PathBuf;

/// Arguments of `init`.
#[derive(clap::Args)]
pub struct Args {
    /// Preset: paper, small or tiny.
    #[arg(long, default_value = "tiny")]
    preset: String,
    /// Architecture: vgg, darknet or tucker.
    #[arg(long, default_value = "darknet")]
    arch: String,
    /// Output model file.
    #[arg(long)]
    out: PathBuf,
}

/// Runs the command.
pub fn run(args: Args) -> Result<()> {
    let preset = Preset::parse(&args.preset)?;
    let arch = Arch::parse(&args.arch)?;
    let charset = Charset::printable_ascii();
    let config = preset.config(arch, &charset);
    let model = CnnDblstm::new(&config, &Device::flex())?;
    let provenance = Provenance {
        preset: preset.name().into(),
        stage: "init".into(),
        command: std::env::args().collect::<Vec<_>>().join(" "),
        ..Provenance::default()
    };
    ModelFile::new(model, config, &charset, provenance).save(&args.out)?;
    println!("wrote {}", args.out.display());
    Ok(())
}
