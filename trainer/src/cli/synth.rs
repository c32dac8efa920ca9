//! `trainer synth --style STYLE --count N --out DIR [--seed S] [--split SPLIT] [--real]`:
//! writes PNGs, `gt.tsv`, `families.tsv` (the font family, or the real writer) and a contact
//! sheet of the first lines. `--real` draws real writers' ink instead of fonts: the validation
//! writers' lines as written (`--split val`), or training lines as the trainer makes them.

use crate::data::corpus::Corpus;
use crate::data::fonts::{FontSet, Split};
use crate::data::real::RealInk;
use crate::data::style::Style;
use crate::data::{Generator, dataset, imageio, page, unipen};
use crate::names::Named;
use anyhow::{Context, Result, bail};
use rayon::prelude::*;
use std::path::PathBuf;
use std::sync::Arc;

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
    /// Real writers' ink instead of fonts (handwriting, whiteboard or strokes): `--split val`
    /// exports the validation writers' lines (at most --count; fewer if the data has fewer),
    /// `--split train` lines as training draws them (real lines and lines composed of one
    /// writer's words, varied).
    #[arg(long)]
    real: bool,
    /// Folder of the real ink (default ../shared/data/unipen).
    #[arg(long)]
    unipen: Option<PathBuf>,
    /// With --real --style strokes --split val: also write `pad-ink.jsonl`, each line's ink as
    /// the notes app's pad records it (`{"file", "text", "writer", "strokes"}`, points
    /// `[x, y, pressure]` in CSS px on the pad's first ruled line), for
    /// `scripts/bench-pad.mjs`, which reads the same lines through the app's pad.
    #[arg(long, requires = "real")]
    pad_ink: bool,
    /// With --real --style strokes: the pen at most this many bodies wide, as the notes app
    /// draws its pad's ink for reading (www/pad.js's PEN_CAP).
    #[arg(long, requires = "real")]
    pen_cap: Option<f32>,
    /// Pages instead of lines: 3-7 lines of one hand or face per page, skewed up to 10
    /// degrees, ruled or bent now and then, with the style's photo effects. Writes the pages
    /// (gt.tsv: lines joined by spaces in reading order; families.tsv: the skew bucket;
    /// pages.tsv: family, skew, ruled, bent; effects.tsv) and, in `lines/`, every line alone
    /// (families.tsv: its page's bucket; effects.tsv: its page's), so that `trainer eval
    /// --by-family` / `--by-effect` on each gives CER per bucket / effect.
    #[arg(long, conflicts_with = "real")]
    pages: bool,
    /// With --pages: every page also holds a note of 1-3 short lines in its right margin,
    /// read after the main column (its lines last in gt.tsv; effect `margin note`).
    #[arg(long, requires = "pages")]
    notes: bool,
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
    if args.pages {
        return pages(&generator, &args);
    }
    let mut count = args.count;
    let generator = if args.real {
        if style == Style::Printed {
            bail!("real ink is handwriting: use --style handwriting, whiteboard or strokes");
        }
        if split == Split::Test {
            bail!(
                "the real ink has no test writers here (its owners hold them out): use --split val"
            );
        }
        let Some(dir) = unipen::locate(args.unipen.as_deref()) else {
            bail!("no real ink at {} (give --unipen DIR)", unipen::DEFAULT_DIR)
        };
        let mut real = RealInk::load(&dir)?;
        eprint!("{}", real.report());
        if args.pad_ink && (style != Style::Strokes || split != Split::Val) {
            bail!(
                "--pad-ink is for the strokes look of the validation writers (--style strokes --split val)"
            );
        }
        if let Some(cap) = args.pen_cap {
            if style != Style::Strokes || cap.is_nan() || cap <= 0.0 {
                bail!("--pen-cap takes a width in bodies over 0, for the strokes look");
            }
            real = real.with_pen_cap(cap);
        }
        if split == Split::Val {
            count = count.min(real.val_count(generator.max_chars()) as u64);
        }
        generator.with_real(Arc::new(real), 1.0)
    } else {
        generator
    };
    std::fs::create_dir_all(&args.out)
        .with_context(|| format!("cannot create {}", args.out.display()))?;
    let rows: Vec<(String, String, crate::data::Sample, Option<serde_json::Value>)> = (0..count)
        .into_par_iter()
        .map(|i| {
            let mut pad = None;
            let s = match (args.real, split) {
                (true, Split::Val) => {
                    let l = generator.real_val_line(style, args.seed, i)?;
                    pad = l.pad.filter(|_| args.pad_ink).map(|strokes| {
                        let round = |v: f32| (f64::from(v) * 100.0).round() / 100.0;
                        let strokes: Vec<Vec<[f64; 3]>> = strokes
                            .iter()
                            .map(|s| s.iter().map(|p| p.map(round)).collect())
                            .collect();
                        serde_json::json!({ "text": l.text, "writer": l.writer, "strokes": strokes })
                    });
                    crate::data::Sample {
                        image: l.image,
                        text: l.text,
                        family: l.writer,
                    }
                }
                _ => generator.sample(style, split, args.seed, i)?,
            };
            let name = if args.real {
                format!("real-{}_{i:06}.png", style.name())
            } else {
                format!("{}_{i:06}.png", style.name())
            };
            imageio::save_png(&s.image, &args.out.join(&name))?;
            let pad = pad.map(|mut p| {
                p["file"] = name.clone().into();
                p
            });
            Ok((name, s.text.clone(), s, pad))
        })
        .collect::<Result<_>>()?;
    if args.pad_ink {
        let lines: Vec<String> = rows
            .iter()
            .filter_map(|r| r.3.as_ref().map(|p| p.to_string()))
            .collect();
        let path = args.out.join("pad-ink.jsonl");
        std::fs::write(&path, lines.join("\n") + "\n")
            .with_context(|| format!("cannot write {}", path.display()))?;
    }
    let gt: Vec<(String, String)> = rows
        .iter()
        .map(|(n, t, _, _)| (n.clone(), t.clone()))
        .collect();
    dataset::write_gt(&args.out, &gt)?;
    let families: Vec<(String, String)> = rows
        .iter()
        .map(|(n, _, s, _)| (n.clone(), s.family.clone()))
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
        "wrote {} {}{} lines ({:?} split, {} {}: {}) to {}",
        rows.len(),
        if args.real { "real " } else { "" },
        style.name(),
        split,
        families.len(),
        if args.real { "writers" } else { "families" },
        families.join(", "),
        args.out.display()
    );
    Ok(())
}

/// `synth --pages`: pages, and their lines alone in `lines/`.
fn pages(generator: &Generator, args: &Args) -> Result<()> {
    let alone_dir = args.out.join("lines");
    std::fs::create_dir_all(&alone_dir)
        .with_context(|| format!("cannot create {}", alone_dir.display()))?;
    let made: Vec<(String, page::Page)> = (0..args.count)
        .into_par_iter()
        .map(|i| {
            let p = page::page(generator, args.style, args.split, args.seed, i, args.notes)?;
            let name = format!("page_{i:06}.png");
            imageio::save_png(&p.image, &args.out.join(&name))?;
            for (k, img) in p.alone.iter().enumerate() {
                imageio::save_png(img, &alone_dir.join(format!("page_{i:06}_line{k}.png")))?;
            }
            Ok((name, p))
        })
        .collect::<Result<_>>()?;
    let gt: Vec<(String, String)> = made
        .iter()
        .map(|(n, p)| (n.clone(), p.lines.join(" ")))
        .collect();
    dataset::write_gt(&args.out, &gt)?;
    let buckets: Vec<(String, String)> = made
        .iter()
        .map(|(n, p)| (n.clone(), p.bucket().to_string()))
        .collect();
    dataset::write_families(&args.out, &buckets)?;
    let effects: Vec<(String, Vec<String>)> =
        made.iter().map(|(n, p)| (n.clone(), p.effects())).collect();
    dataset::write_effects(&args.out, &effects)?;
    let mut table = String::from("file\tfamily\tskew_deg\truled\tbent\tlines\n");
    for (n, p) in &made {
        table += &format!(
            "{n}\t{}\t{:.2}\t{}\t{}\t{}\n",
            p.family,
            p.skew_deg,
            p.ruled,
            p.curved,
            p.lines.len()
        );
    }
    std::fs::write(args.out.join("pages.tsv"), table)?;
    let mut line_gt = Vec::new();
    let mut line_buckets = Vec::new();
    let mut line_effects = Vec::new();
    for (i, (_, p)) in made.iter().enumerate() {
        for (k, text) in p.lines.iter().enumerate() {
            let name = format!("page_{i:06}_line{k}.png");
            line_gt.push((name.clone(), text.clone()));
            line_buckets.push((name.clone(), p.bucket().to_string()));
            line_effects.push((name, p.effects()));
        }
    }
    dataset::write_gt(&alone_dir, &line_gt)?;
    dataset::write_families(&alone_dir, &line_buckets)?;
    dataset::write_effects(&alone_dir, &line_effects)?;
    println!(
        "wrote {} {} pages ({} lines, {:?} split) to {}",
        made.len(),
        args.style.name(),
        line_gt.len(),
        args.split,
        args.out.display()
    );
    Ok(())
}
