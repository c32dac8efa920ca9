//! `trainer eval --model FILE --data DIR [--json]`: CER and WER over a dataset folder; with
//! `--tesseract` instead of `--model`, the same figures for Tesseract (`--psm 7`, one line).

use crate::data::{dataset, imageio};
use crate::metrics::{ErrorCounter, normalize_whitespace};
use crate::report::confusion::Confusions;
use anyhow::{Context, Result, bail};
use inkline::internals::line_density;
use inkline::{Stage, StageTimes};
use serde_json::json;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

/// Arguments of `eval`.
#[derive(clap::Args)]
pub struct Args {
    /// Model file.
    #[arg(
        long,
        required_unless_present = "tesseract",
        conflicts_with = "tesseract"
    )]
    model: Option<PathBuf>,
    /// Read with Tesseract (`tesseract IMG stdout --psm 7`, Debian's tesseract-ocr and
    /// tesseract-ocr-eng) instead of a model: the peer row of the accuracy table.
    #[arg(long)]
    tesseract: bool,
    /// Dataset folder holding images and gt.tsv.
    #[arg(long)]
    data: PathBuf,
    /// Print `{"cer", "wer", "lines", "ms_per_line", "preprocess_ms_per_line",
    /// "inference_ms_per_line", "decode_ms_per_line"}` (the preparation of the lines, the network
    /// alone, and the decoding stage alone: best path, or beam search with the LM; the three
    /// absent for Tesseract).
    #[arg(long)]
    json: bool,
    #[command(flatten)]
    decoder: super::DecoderArgs,
    /// Also list each misread line (reference, hypothesis) and, at the end, the most frequent
    /// character confusions (substitutions, missing and extra characters).
    #[arg(long)]
    errors: bool,
    /// Also give CER / WER per font family (from the dataset's `families.tsv`, which
    /// `trainer synth` writes), worst first.
    #[arg(long)]
    by_family: bool,
    /// Also give CER / WER per source: the part of the family before `/` (the contributor of a
    /// real writers' set, whose families.tsv names `contributor/writer`), worst first.
    #[arg(long)]
    by_source: bool,
    /// Also give CER / WER per effect (from the dataset's `effects.tsv`, which `trainer synth
    /// --pages` writes: ruled, bent, tilted and their opposites), worst first; a page counts
    /// under each of its effects.
    #[arg(long)]
    by_effect: bool,
    /// Also give CER / WER per stroke density of the line (ink runs along the middle of its
    /// body per body of written width, in half-unit buckets: how narrow the writing is).
    #[arg(long)]
    by_density: bool,
    /// Also time the network's stages (convolution, pooling, features, LSTM input
    /// projections, recurrence, output), waiting for the device after each: `--json` adds
    /// `"stages_ms_per_line"` and `"kernels"` (the CPU's vector path).
    #[arg(long, requires = "model")]
    stages: bool,
    /// Tesseract's page segmentation mode: 7 reads one line (the line sets), 3 finds the
    /// lines of a page itself (the page sets).
    #[arg(long, default_value_t = 7)]
    psm: u8,
}

/// Runs the command.
pub fn run(args: Args) -> Result<()> {
    let rec = match &args.model {
        Some(m) => Some(args.decoder.load(m)?.with_stage_times(args.stages)),
        None => None,
    };
    let samples = dataset::read(&args.data)?;
    if samples.is_empty() {
        bail!("{} has no samples", args.data.display());
    }
    let families = if args.by_family || args.by_source {
        let f = dataset::read_families(&args.data)?;
        if f.is_empty() {
            bail!(
                "{} has no families.tsv (trainer synth writes one)",
                args.data.display()
            );
        }
        f
    } else {
        Default::default()
    };
    let effects = if args.by_effect {
        let e = dataset::read_effects(&args.data)?;
        if e.is_empty() {
            bail!(
                "{} has no effects.tsv (trainer synth --pages writes one)",
                args.data.display()
            );
        }
        e
    } else {
        Default::default()
    };
    let mut by_effect: BTreeMap<String, ErrorCounter> = BTreeMap::new();
    let mut by_family: BTreeMap<String, ErrorCounter> = BTreeMap::new();
    let mut by_source: BTreeMap<String, ErrorCounter> = BTreeMap::new();
    let mut by_density: BTreeMap<String, ErrorCounter> = BTreeMap::new();
    let mut counter = ErrorCounter::default();
    let mut confusions = Confusions::default();
    let mut total_ms = 0.0;
    let mut decode_ms = 0.0;
    let mut inference_ms = 0.0;
    let mut preprocess_ms = 0.0;
    let mut stages = StageTimes::default();
    for s in &samples {
        // Decoded only where something reads the pixels (Tesseract reads the file itself).
        let image = (rec.is_some() || args.by_density)
            .then(|| imageio::load(&s.path))
            .transpose()?;
        let (hyp, ms) = match (&rec, &image) {
            (Some(rec), Some(image)) => {
                let r = rec.recognize(image)?;
                decode_ms += r.timing.decode_ms;
                inference_ms += r.timing.inference_ms;
                preprocess_ms += r.timing.preprocess_ms;
                for (stage, ms) in r.timing.network.iter().flat_map(stage_list) {
                    stages.add(stage, ms);
                }
                (r.text.replace('\n', " "), r.timing.total_ms)
            }
            _ => tesseract(&s.path, args.psm)?,
        };
        total_ms += ms;
        if args.errors {
            let (h, r) = (normalize_whitespace(&hyp), normalize_whitespace(&s.text));
            if h != r {
                eprintln!("{}\n  ref: {}\n  hyp: {}", s.path.display(), s.text, hyp);
                confusions.add(&r, &h);
            }
        }
        counter.add(&hyp, &s.text);
        if args.by_density {
            by_density
                .entry(density_bucket(image.as_ref().and_then(line_density)))
                .or_default()
                .add(&hyp, &s.text);
        }
        for e in effects.get(&s.path).into_iter().flatten() {
            by_effect.entry(e.clone()).or_default().add(&hyp, &s.text);
        }
        if let Some(f) = families.get(&s.path) {
            by_family.entry(f.clone()).or_default().add(&hyp, &s.text);
            let source = f.split('/').next().unwrap_or(f);
            by_source
                .entry(source.to_string())
                .or_default()
                .add(&hyp, &s.text);
        }
    }
    // Worst first.
    let worst_of = |groups: &BTreeMap<String, ErrorCounter>| {
        let mut w: Vec<(String, ErrorCounter)> =
            groups.iter().map(|(k, v)| (k.clone(), *v)).collect();
        w.sort_by(|a, b| b.1.cer().total_cmp(&a.1.cer()).then(a.0.cmp(&b.0)));
        w
    };
    let mut groups: Vec<(&str, Vec<(String, ErrorCounter)>)> = Vec::new();
    if args.by_source {
        groups.push(("source", worst_of(&by_source)));
    }
    if args.by_family {
        groups.push(("family", worst_of(&by_family)));
    }
    if args.by_effect {
        groups.push(("effect", worst_of(&by_effect)));
    }
    if args.by_density {
        groups.push(("density", by_density.into_iter().collect()));
    }
    let n = samples.len() as f64;
    let ms_per_line = total_ms / n;
    if args.errors {
        eprint!("{}", confusions.listing(30));
    }
    if args.json {
        let mut out = json!({"cer": counter.cer(), "wer": counter.wer(), "lines": counter.lines, "ms_per_line": ms_per_line});
        if rec.is_some() {
            out["decode_ms_per_line"] = json!(decode_ms / n);
            out["inference_ms_per_line"] = json!(inference_ms / n);
            out["preprocess_ms_per_line"] = json!(preprocess_ms / n);
        }
        if args.stages {
            out["kernels"] = json!(inkline::internals::vector_path());
            out["stages_ms_per_line"] = stage_list(&stages)
                .map(|(stage, ms)| (stage.name().to_string(), json!(ms / n)))
                .collect::<serde_json::Map<_, _>>()
                .into();
        }
        for (kind, worst) in &groups {
            let key = match *kind {
                "family" => "families",
                "effect" => "effects",
                "density" => "densities",
                _ => "sources",
            };
            out[key] = worst
                .iter()
                .map(|(f, c)| json!({*kind: f, "cer": c.cer(), "wer": c.wer(), "lines": c.lines}))
                .collect();
        }
        println!("{out}");
    } else {
        println!(
            "CER {:.2}%  WER {:.2}%  lines {}  ms/line {:.2}",
            counter.cer(),
            counter.wer(),
            counter.lines,
            ms_per_line
        );
        if args.stages {
            println!(
                "network stages, ms/line ({}):",
                inkline::internals::vector_path()
            );
            for (stage, ms) in stage_list(&stages) {
                println!("  {:<12} {:.3}", stage.name(), ms / n);
            }
        }
        for (kind, worst) in &groups {
            println!("per {kind}, worst first:");
            for (f, c) in worst {
                println!(
                    "  {f}: CER {:.2}%  WER {:.2}%  lines {}",
                    c.cer(),
                    c.wer(),
                    c.lines
                );
            }
        }
    }
    Ok(())
}

/// The half-unit bucket of a stroke density ("2.5-3.0"; everything from 6 in "6.0+").
fn density_bucket(density: Option<f32>) -> String {
    match density {
        None => "no ink".into(),
        Some(d) if d >= 6.0 => "6.0+".into(),
        Some(d) => {
            let lo = (d * 2.0).floor() / 2.0;
            format!("{lo:.1}-{:.1}", lo + 0.5)
        }
    }
}

/// Each stage with its milliseconds, in order.
fn stage_list(times: &StageTimes) -> impl Iterator<Item = (Stage, f64)> + '_ {
    Stage::ALL.iter().map(|&s| (s, times.get(s)))
}

/// Reads an image with Tesseract in page segmentation mode `psm`; the text (lines joined by spaces) and the time in ms.
fn tesseract(path: &Path, psm: u8) -> Result<(String, f64)> {
    let start = Instant::now();
    let out = Command::new("tesseract")
        .arg(path)
        .arg("stdout")
        .args(["--psm", &psm.to_string(), "-l", "eng"])
        .output()
        .context("cannot run tesseract; install Debian's tesseract-ocr and tesseract-ocr-eng")?;
    if !out.status.success() {
        bail!(
            "tesseract failed on {}: {}",
            path.display(),
            String::from_utf8_lossy(&out.stderr).trim()
        );
    }
    let text = String::from_utf8_lossy(&out.stdout)
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ");
    Ok((text, start.elapsed().as_secs_f64() * 1000.0))
}
