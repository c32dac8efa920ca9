//! `trainer strokes --family NAME --text TEXT`: the pen strokes of a line in a Hershey font as
//! JSON, for replaying handwriting on a canvas (the browser tests draw them as pointer events).

use crate::data::fonts::{FontData, FontSet};
use anyhow::{Context, Result, bail};
use serde_json::json;

/// Arguments.
#[derive(clap::Args)]
pub struct Args {
    /// Hershey font family (as in trainer/assets/fonts.tsv, e.g. "Hershey scripts").
    #[arg(long)]
    family: String,
    /// Text to write.
    #[arg(long)]
    text: String,
    /// Pixels per em (capitals are 0.7 em tall).
    #[arg(long, default_value_t = 40.0)]
    em: f32,
    /// Margin around the line, in pixels.
    #[arg(long, default_value_t = 12.0)]
    margin: f32,
}

/// Runs the command.
pub fn run(a: Args) -> Result<()> {
    let fonts = FontSet::discover()?;
    let want = a.family.to_lowercase();
    let family = fonts
        .families
        .iter()
        .find(|f| f.name.to_lowercase() == want)
        .with_context(|| format!("no font family '{}'", a.family))?;
    let Some(FontData::Hershey(font)) = family.faces.first() else {
        bail!("'{}' is not a Hershey stroke font", a.family);
    };
    let strokes = font
        .pen_strokes(&a.text, a.em, a.margin)
        .with_context(|| format!("'{}' cannot write {:?}", a.family, a.text))?;
    let round = |v: f32| (f64::from(v) * 10.0).round() / 10.0;
    let strokes: Vec<Vec<[f64; 2]>> = strokes
        .iter()
        .map(|s| s.iter().map(|&(x, y)| [round(x), round(y)]).collect())
        .collect();
    let json = json!({
        "family": family.name,
        "split": format!("{:?}", family.split).to_lowercase(),
        "text": a.text,
        "strokes": strokes,
    });
    println!("{json}");
    Ok(())
}
