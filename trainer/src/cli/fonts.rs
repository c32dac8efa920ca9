//! `trainer fonts [--json]`: every font family the synthesizer can use on this machine, with
//! its kind, style group, split, files and the charset characters a face lacks, and every file
//! refused (reserved for evaluation, or unreadable).

use crate::data::fonts::{Family, FontData, FontKind, FontSet, Split};
use crate::names::Named;
use anyhow::Result;
use inkline::Charset;
use serde::Serialize;
use std::collections::BTreeMap;

/// Arguments of `fonts`.
#[derive(clap::Args)]
pub struct Args {
    /// Print JSON: `{"families": [...], "refused": [...]}`.
    #[arg(long)]
    json: bool,
}

/// One family as listed.
#[derive(Serialize)]
struct Listed {
    family: String,
    kind: String,
    group: String,
    split: String,
    files: Vec<String>,
    glyphs_missing: Vec<char>,
}

/// Charset characters (space aside) that some face of `family` cannot draw.
fn glyphs_missing(family: &Family, charset: &Charset) -> Vec<char> {
    charset
        .chars()
        .iter()
        .copied()
        .filter(|&c| c != ' ')
        .filter(|&c| {
            family.faces.iter().any(|face| match face {
                FontData::Outline { bytes, index, .. } => ttf_parser::Face::parse(bytes, *index)
                    .map_or(true, |f| f.glyph_index(c).is_none()),
                FontData::Hershey(h) => h.glyph(c).is_none(),
            })
        })
        .collect()
}

/// Runs the command.
pub fn run(args: Args) -> Result<()> {
    let set = FontSet::discover()?;
    let charset = Charset::printable_ascii();
    let families: Vec<Listed> = set
        .families
        .iter()
        .map(|f| Listed {
            family: f.name.clone(),
            kind: f.kind.name(),
            group: f.group.clone(),
            split: f.split.name(),
            files: f.files.iter().map(|p| p.display().to_string()).collect(),
            glyphs_missing: glyphs_missing(f, &charset),
        })
        .collect();
    if args.json {
        #[derive(Serialize)]
        struct Listing<'a> {
            families: &'a [Listed],
            refused: &'a [crate::data::fonts::Refused],
        }
        let listing = Listing {
            families: &families,
            refused: &set.refused,
        };
        println!("{}", serde_json::to_string(&listing)?);
        return Ok(());
    }
    let mut counts: BTreeMap<(String, String), [usize; 3]> = BTreeMap::new();
    for f in &set.families {
        let c = counts.entry((f.kind.name(), f.group.clone())).or_default();
        c[match f.split {
            Split::Train => 0,
            Split::Val => 1,
            Split::Test => 2,
        }] += 1;
    }
    println!("| kind | group | train | val | test |\n|---|---|---:|---:|---:|");
    for ((kind, group), [tr, va, te]) in &counts {
        println!("| {kind} | {group} | {tr} | {va} | {te} |");
    }
    for kind in <FontKind as clap::ValueEnum>::value_variants() {
        let n = set.families.iter().filter(|f| f.kind == *kind).count();
        println!("{}: {n} families", kind.name());
    }
    println!("refused: {} files", set.refused.len());
    Ok(())
}
