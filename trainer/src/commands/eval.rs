//! `trainer eval --model FILE --data DIR [--json]`: CER and WER over a dataset folder.

use crate::commands::recognize::load_recognizer;
use crate::{dataset, imageio};
use anyhow::{Result, bail};
use inkline::metrics::ErrorCounter;
use serde_json::json;
use std::path::PathBuf;

/// Arguments of `eval`.
#[derive(clap::Args)]
pub struct Args {
    /// Model file.
    #[arg(long)]
    model: PathBuf,
    /// Dataset folder holding images and gt.tsv.
    #[arg(long)]
    data: PathBuf,
    /// Print `{"cer", "wer", "lines", "ms_per_line"}`.
    #[arg(long)]
    json: bool,
    /// Prefix beam search of this width instead of best path.
    #[arg(long)]
    beam: Option<usize>,
    /// Also list each misread line (reference, hypothesis).
    #[arg(long)]
    errors: bool,
}

/// Runs the command.
pub fn run(args: Args) -> Result<()> {
    let rec = load_recognizer(&args.model, args.beam)?;
    let samples = dataset::read(&args.data)?;
    if samples.is_empty() {
        bail!("{} has no samples", args.data.display());
    }
    let mut counter = ErrorCounter::default();
    let mut total_ms = 0.0;
    for s in &samples {
        let r = rec.recognize(&imageio::load(&s.path)?)?;
        total_ms += r.timing.total;
        let hyp = r.text.replace('\n', " ");
        if args.errors
            && inkline::metrics::normalize_whitespace(&hyp)
                != inkline::metrics::normalize_whitespace(&s.text)
        {
            eprintln!("{}\n  ref: {}\n  hyp: {}", s.path.display(), s.text, hyp);
        }
        counter.add(&hyp, &s.text);
    }
    let ms_per_line = total_ms / samples.len() as f64;
    if args.json {
        println!(
            "{}",
            json!({"cer": counter.cer(), "wer": counter.wer(), "lines": counter.lines, "ms_per_line": ms_per_line})
        );
    } else {
        println!(
            "CER {:.2}%  WER {:.2}%  lines {}  ms/line {:.2}",
            counter.cer(),
            counter.wer(),
            counter.lines,
            ms_per_line
        );
    }
    Ok(())
}
