//! `trainer init --preset P --arch A [--ranks R] --out FILE`: a model file with fresh weights.

use anyhow::{Result, bail};
use inkline::burn::tensor::Device;
use inkline::{Arch, Charset, CnnDblstm, ModelFile, Network, Preset, Provenance, TuckerRanks};
use std::path::PathBuf;

/// Arguments of `init`.
#[derive(clap::Args)]
pub struct Args {
    /// Model family size: paper, small or tiny.
    #[arg(long, default_value = "tiny")]
    preset: Preset,
    /// Architecture: vgg, darknet or tucker.
    #[arg(long, default_value = "darknet")]
    arch: Arch,
    /// Tucker ranks (v1, v2 or v3): required with `--arch tucker`.
    #[arg(long)]
    ranks: Option<TuckerRanks>,
    /// Output model file.
    #[arg(long)]
    out: PathBuf,
}

/// Runs the command.
pub fn run(args: Args) -> Result<()> {
    let network = match (args.arch, args.ranks) {
        (Arch::Vgg, None) => Network::Vgg,
        (Arch::Darknet, None) => Network::Darknet,
        (Arch::Tucker, Some(r)) => Network::Tucker(r),
        (Arch::Tucker, None) => bail!("--arch tucker needs --ranks v1, v2 or v3"),
        (arch, Some(_)) => bail!("--ranks applies to --arch tucker, not {arch}"),
    };
    let charset = Charset::printable_ascii();
    let config = args.preset.config(network, &charset);
    let model = CnnDblstm::new(&config, &Device::flex())?;
    let provenance = Provenance {
        preset: args.preset.name(),
        stage: "init".into(),
        command: std::env::args().collect::<Vec<_>>().join(" "),
        ..Provenance::default()
    };
    ModelFile::new(model, config, &charset, provenance).save(&args.out)?;
    println!("wrote {}", args.out.display());
    Ok(())
}
