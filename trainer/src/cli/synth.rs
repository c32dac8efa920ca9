//! `trainer synth --style STYLE --count N --out DIR [--seed S] [--split SPLIT]`: writes PNGs,
//! `gt.tsv` and a contact sheet of the first lines.

use crate::data::corpus::Corpus;
use crate::data::fonts::{FontSet, Split};
use crate::data::style::Style;
use crate::data::{Generator, dataset, imageio};
use crate::names::Named;
use anyhow::{Context, Result, bail};
use rayon::prelude::*;
use std::path::PathBuf;

/// Arguments of `synth`.
#[derive(clap::Args)]
pub struct Args {
    /// Kind of writing.
    #[arg(long, value_enum)]
    style: Style,
    /// Number of lines.
    #[arg(long)]
    count: u64,
    /// Output folder (created).
    #[arg(long)]
    out: PathBuf,
    /// Random seed: the same seed gives the same images, byte for byte.
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Font split to draw from (test: held-out families).
    #[arg(long, value_enum, default_value_t = Split::Test)]
    split: Split,
    /// Lines shown in the contact sheet.
    #[arg(long, default_value_t = 24)]
    sheet: usize,
    /// Draw only from the families of this style group (e.g. `school`, `serif`).
    #[arg(long)]
    group: Option<String>,
}

/// Runs the command.
pub fn run(args: Args) -> Result<()> {
    let (style, split) = (args.style, args.split);
    let generator = match &args.group {
        None => Generator::discover()?,
        Some(group) => {
            let mut fonts = FontSet::discover()?;
            fonts.families.retain(|f| &f.group == group);
            if fonts.families.is_empty() {
                bail!("no font family in group '{group}' (see `trainer fonts`)");
            }
            Generator::new(fonts, Corpus::load()?)
        }
    };
    std::fs::create_dir_all(&args.out)
        .with_context(|| format!("cannot create {}", args.out.display()))?;
    let rows: Vec<(String, String, crate::data::Sample)> = (0..args.count)
        .into_par_iter()
        .map(|i| {
            let s = generator.sample(style, split, args.seed, i)?;
            let name = format!("{}_{i:06}.png", style.name());
            imageio::save_png(&s.image, &args.out.join(&name))?;
            Ok((name, s.text.clone(), s))
        })
        .collect::<Result<_>>()?;
    let gt: Vec<(String, String)> = rows
        .iter()
        .map(|(n, t, _)| (n.clone(), t.clone()))
        .collect();
    dataset::write_gt(&args.out, &gt)?;
    let families: Vec<(String, String)> = rows
        .iter()
        .map(|(n, _, s)| (n.clone(), s.family.clone()))
        .collect();
    dataset::write_families(&args.out, &families)?;
    let firsts: Vec<&inkline::GrayImage> =
        rows.iter().take(args.sheet).map(|r| &r.2.image).collect();
    imageio::save_png(
        &imageio::contact_sheet(&firsts, 40, 1000),
        &args.out.join("contact_sheet.png"),
    )?;
    let mut families: Vec<&str> = rows.iter().map(|r| r.2.family.as_str()).collect();
    families.sort_unstable();
    families.dedup();
    println!(
        "wrote {} {} lines ({:?} split, {} families: {}) to {}",
        rows.len(),
        style.name(),
        split,
        families.len(),
        families.join(", "),
        args.out.display()
    );
    Ok(())
}
