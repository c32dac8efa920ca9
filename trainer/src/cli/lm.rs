//! `trainer lm --out FILE [--order N] [--min-count K] [--lexicon-min-count L] [--text FILE...]
//! [--tune MODEL]`: a character n-gram language model of the training split's text
//! (documentation prose and WordNet glosses; never validation or test text, never the reserved
//! fortune databases), plus any text files given, optionally with a lexicon (the dictionary's
//! words and the text's words seen L times), with its fusion weights alpha and beta (and the
//! lexicon's gamma) chosen on validation lines read by `MODEL` (beam search: the lowest mean
//! CER that makes no set worse by over 0.1 point):
//! the four synthetic styles and, where the real writers' ink is at hand (`--unipen`), the real
//! validation writers in the three pen looks, so that the weights suit real hands too.

use crate::data::Generator;
use crate::data::corpus::Corpus;
use crate::data::fonts::Split;
use crate::data::real::RealInk;
use crate::data::style::Style;
use crate::data::unipen;
use crate::metrics::ErrorCounter;
use anyhow::{Context, Result};
use inkline::burn::tensor::Device;
use inkline::internals::{BatchOutput, Fusion, batch_lines, prepare_line};
use inkline::{CharLm, Charset, Decoder, Lexicon, ModelFile};
use std::path::PathBuf;
use std::sync::Arc;

/// Arguments of `lm`.
#[derive(clap::Args)]
pub struct Args {
    /// Output file.
    #[arg(long)]
    out: PathBuf,
    /// n of the n-gram.
    #[arg(long, default_value_t = 6)]
    order: usize,
    /// Keep contexts of two or more characters seen at least this often.
    #[arg(long, default_value_t = 8)]
    min_count: u32,
    /// Give the LM a lexicon, which beam search credits per letter of a known word (`gamma`,
    /// tuned with `--tune`): the dictionary's words and the text's words seen at least this
    /// often.
    #[arg(long)]
    lexicon_min_count: Option<u32>,
    /// More text to count (UTF-8 files, one line per line); reserved sources are refused.
    #[arg(long, num_args = 1..)]
    text: Vec<PathBuf>,
    /// Choose alpha and beta for this model on validation lines (else 0.5 and 1.0).
    #[arg(long)]
    tune: Option<PathBuf>,
    /// Validation lines per style for the tuning.
    #[arg(long, default_value_t = 60)]
    val_lines: u64,
    /// Beam width of the tuning.
    #[arg(long, default_value_t = 16)]
    beam: usize,
    /// Folder of the real writers' ink whose validation writers join the tuning (default
    /// ../shared/data/unipen when it exists).
    #[arg(long)]
    unipen: Option<PathBuf>,
    /// Tune on the synthetic styles only.
    #[arg(long, conflicts_with = "unipen")]
    no_unipen: bool,
}

/// Runs the command.
pub fn run(args: Args) -> Result<()> {
    let charset = Charset::printable_ascii();
    let corpus = Corpus::load()?;
    let mut extra = String::new();
    for path in &args.text {
        crate::data::prose::check_source(path)?;
        extra.push_str(
            &std::fs::read_to_string(path)
                .with_context(|| format!("cannot read {}", path.display()))?,
        );
        extra.push('\n');
    }
    let text = || corpus.sentences(Split::Train).chain(extra.lines());
    let mut lm = CharLm::train(text(), &charset, args.order, args.min_count)?;
    if let Some(min) = args.lexicon_min_count {
        let lexicon = Lexicon::from_text(corpus.words(), 1).union(Lexicon::from_text(text(), min));
        lm = lm.with_lexicon(lexicon);
    }
    println!(
        "order {}, {} contexts, {} words",
        lm.order,
        lm.contexts(),
        lm.lexicon().len()
    );
    if let Some(model) = &args.tune {
        let (alpha, beta, gamma, cer) = tune(&mut lm, model, &args)?;
        println!(
            "alpha {alpha}, beta {beta}, gamma {gamma}: validation mean CER {cer:.2}% (beam {})",
            args.beam
        );
    }
    let bytes = lm.to_bytes()?;
    std::fs::write(&args.out, &bytes)
        .with_context(|| format!("cannot write {}", args.out.display()))?;
    println!("wrote {} ({} bytes)", args.out.display(), bytes.len());
    Ok(())
}

/// Grid search of alpha and beta (then, with a lexicon, gamma) on validation lines: the lowest
/// mean CER that makes no style worse than plain beam search by more than 0.1 point; sets them
/// on `lm`.
fn tune(lm: &mut CharLm, model: &PathBuf, args: &Args) -> Result<(f32, f32, f32, f64)> {
    let device = Device::flex();
    let file = ModelFile::load(model, &device)
        .with_context(|| format!("cannot load {}", model.display()))?;
    let charset = file.charset()?;
    let geometry = file.meta.config.geometry();
    let mut generator = Generator::discover()?;
    let real_dir = if args.no_unipen {
        None
    } else {
        unipen::locate(args.unipen.as_deref())
    };
    let mut real_lines = 0;
    if let Some(dir) = real_dir {
        let real = RealInk::load(&dir)?;
        real_lines = args
            .val_lines
            .min(real.val_count(generator.max_chars()) as u64);
        generator = generator.with_real(Arc::new(real), 1.0);
    }
    // Each set's lines, read once: per line the log-probabilities and its text. The synthetic
    // styles, then the real validation writers in each pen look.
    let sets_of = Style::all()
        .iter()
        .map(|&s| (s, false, args.val_lines))
        .chain(
            [Style::Strokes, Style::Handwriting, Style::Whiteboard]
                .into_iter()
                .filter(|_| real_lines > 0)
                .map(|s| (s, true, real_lines)),
        );
    let mut sets = Vec::new();
    for (style, real, count) in sets_of {
        let mut lines = Vec::new();
        for i in 0..count {
            let s = if real {
                generator.real_val_sample(style, 2000, i)?
            } else {
                generator.sample(style, Split::Val, 2000, i)?
            };
            if let Some(l) = prepare_line(&s.image, &geometry)? {
                let (x, frames) = batch_lines(std::slice::from_ref(&l), &geometry, &device);
                let out = BatchOutput::new(file.model.log_probs(x, &frames).into_data())?;
                lines.push((out, frames, s.text));
            }
        }
        sets.push(lines);
    }
    let chars: Vec<char> = std::iter::once(' ')
        .chain(charset.chars().iter().copied())
        .collect();
    // Per style CER of the LM with its weights as set.
    let per_style = |lm: &CharLm| -> Result<Vec<f64>> {
        let fusion = Fusion { lm, chars: &chars };
        let mut per_style = Vec::new();
        for lines in &sets {
            let mut counter = ErrorCounter::default();
            for (out, frames, text) in lines {
                let d = out.decode(frames, Decoder::Beam(args.beam), Some(&fusion))?;
                counter.add(&charset.decode(&d[0].labels), text);
            }
            per_style.push(counter.cer());
        }
        Ok(per_style)
    };
    // Every grid point (alpha, beta, gamma) with its CER per style; (0, 0, 0) is plain beam
    // search, the baseline.
    let mut grid: Vec<([f32; 3], Vec<f64>)> = Vec::new();
    lm.gamma = 0.0;
    for alpha in [0.0f32, 0.2, 0.4, 0.6, 0.8, 1.0] {
        for beta in [0.0f32, 0.5, 1.0, 1.5, 2.0, 3.0] {
            (lm.alpha, lm.beta) = (alpha, beta);
            grid.push(([alpha, beta, 0.0], per_style(lm)?));
        }
    }
    println!(
        "tuning on {} sets ({} of real writers)",
        sets.len(),
        if real_lines > 0 { 3 } else { 0 }
    );
    // The lowest mean CER among the points that cost no set more than 0.1 point against
    // plain beam search (the baseline itself always qualifies).
    let baseline = grid[0].1.clone();
    let mean = |v: &[f64]| v.iter().sum::<f64>() / v.len().max(1) as f64;
    let pick = |grid: &[([f32; 3], Vec<f64>)]| {
        grid.iter()
            .filter(|(_, cer)| cer.iter().zip(&baseline).all(|(c, b)| *c <= b + 0.1))
            .min_by(|a, b| mean(&a.1).total_cmp(&mean(&b.1)))
            .map(|(w, cer)| (*w, mean(cer)))
            .expect("the baseline qualifies")
    };
    let mut best = pick(&grid);
    // With a lexicon, its credit per letter at the best alpha, with beta (a credit per
    // character too) moved half a step either way.
    if !lm.lexicon().is_empty() {
        let [alpha, beta, _] = best.0;
        println!(
            "without the lexicon: alpha {alpha}, beta {beta}: validation mean CER {:.2}%",
            best.1
        );
        for gamma in [0.25f32, 0.5, 1.0, 1.5, 2.0, 3.0] {
            for beta in [beta - 0.5, beta, beta + 0.5]
                .into_iter()
                .filter(|&b| b >= 0.0)
            {
                (lm.alpha, lm.beta, lm.gamma) = (alpha, beta, gamma);
                grid.push(([alpha, beta, gamma], per_style(lm)?));
            }
        }
        best = pick(&grid);
    }
    [lm.alpha, lm.beta, lm.gamma] = best.0;
    Ok((best.0[0], best.0[1], best.0[2], best.1))
}
