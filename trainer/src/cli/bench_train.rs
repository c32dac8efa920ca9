//! `trainer bench-train --preset P [--arch vgg|darknet] [--width W] [--batch B] [--threads N]
//! [--json]`: the speed of one CTC training step (forward, backward, clipped Adam) on a batch
//! of `B` lines `W` pixels wide, data generation excluded; and of training on the real data
//! stream (the trainer's batcher: mixed styles, bucketed widths), generation included.

use crate::data::Generator;
use crate::data::batcher::{BatchConfig, Batcher};
use crate::data::fonts::Split;
use crate::data::style::Style;
use crate::report::latency::median;
use crate::train::objective::Objective;
use crate::train::stage::{optimizer, step};
use anyhow::Result;
use inkline::burn::tensor::{Device, Tensor};
use inkline::internals::{batch_lines, prepare_line};
use inkline::{Arch, Charset, CnnDblstm, LineImage, Network, Preset};
use serde_json::json;
use std::sync::Arc;
use std::time::Instant;

/// Arguments of `bench-train`.
#[derive(clap::Args)]
pub struct Args {
    /// Model family size: paper, small or tiny.
    #[arg(long, default_value = "small")]
    preset: Preset,
    /// The network: vgg (teacher) or darknet (student).
    #[arg(long, default_value = "vgg")]
    arch: Arch,
    /// Line width in pixels of the fixed batch.
    #[arg(long, default_value_t = 600)]
    width: usize,
    /// Lines per batch.
    #[arg(long, default_value_t = 16)]
    batch: usize,
    /// Worker threads of the CPU backend.
    #[arg(long, default_value_t = 2)]
    threads: usize,
    /// Timed steps (after two warm-up steps); the median is reported.
    #[arg(long, default_value_t = 10)]
    steps: usize,
    /// Print JSON (the fixed-batch step, generation excluded).
    #[arg(long)]
    json: bool,
    /// Print the benchmarked model's config (JSON) and the fixed batch's text lengths, and
    /// exit: what a peer framework needs to build and time the same model
    /// (scripts/bench-train-peer.sh).
    #[arg(long)]
    print_model: bool,
}

/// `batch` real lines scaled to the model's height, cut or padded to `width` pixels, with their
/// texts cut in proportion.
fn fixed_batch(
    generator: &Generator,
    geometry: &inkline::InputGeometry,
    batch: usize,
    width: usize,
) -> Result<(Vec<LineImage>, Vec<String>)> {
    let (mut lines, mut texts) = (Vec::new(), Vec::new());
    let mut i = 0;
    while lines.len() < batch {
        let style = Style::all()[i % 2];
        let s = generator.sample(style, Split::Train, 3, i as u64)?;
        i += 1;
        let Some(mut line) = prepare_line(&s.image, geometry)? else {
            continue;
        };
        let w = line.image.width;
        let keep = ((s.text.chars().count() * width.min(w)) / w.max(1)).max(1);
        let mut image = inkline::GrayImage::filled(width, geometry.height, 0.0);
        for y in 0..geometry.height {
            let n = width.min(w);
            image.data[y * width..y * width + n]
                .copy_from_slice(&line.image.data[y * w..y * w + n]);
        }
        line.image = image;
        lines.push(line);
        texts.push(s.text.chars().take(keep).collect());
    }
    Ok((lines, texts))
}

/// Runs the command.
pub fn run(args: Args) -> Result<()> {
    let network = match args.arch {
        Arch::Vgg => Network::Vgg,
        Arch::Darknet => Network::Darknet,
        Arch::Tucker => anyhow::bail!("bench-train measures vgg or darknet"),
    };
    let charset = Charset::printable_ascii();
    let config = args.preset.config(network, &charset);
    let geometry = config.geometry();
    let generator = Arc::new(Generator::discover()?);
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(args.threads.max(1))
        .build()?;
    let device = Device::flex().autodiff();
    let objective = Objective::Ctc {
        charset: charset.clone(),
    };
    let (lines, texts) = fixed_batch(&generator, &geometry, args.batch, args.width)?;
    if args.print_model {
        let lengths: Vec<usize> = texts.iter().map(|t| t.chars().count()).collect();
        println!(
            "{}",
            json!({"config": config, "width": args.width, "text_lengths": lengths})
        );
        return Ok(());
    }
    let (fixed_ms, stream) = pool.install(|| -> Result<(f64, (f64, f64))> {
        let mut model = CnnDblstm::new(&config, &device)?;
        let mut optim = optimizer();
        let (x, frames) = batch_lines(&lines, &geometry, &device);
        let data = x.to_data();
        let mut times = Vec::new();
        for i in 0..args.steps + 2 {
            let x = Tensor::<4>::from_data(data.clone(), &device);
            let start = Instant::now();
            (model, _) = step(model, &mut optim, &objective, x, &frames, &texts, 1e-4)?;
            if i >= 2 {
                times.push(start.elapsed().as_secs_f64() * 1000.0);
            }
        }
        // The real stream: the trainer's batcher (one producer thread), mixed styles.
        let cfg = BatchConfig {
            mix: Style::all().iter().map(|&s| (s, 1.0)).collect(),
            split: Split::Train,
            batch_size: args.batch,
            per_chunk: 8,
            geometry,
            seed: 1,
            threads: 1,
        };
        let batcher = Batcher::spawn(generator.clone(), cfg, 0);
        let (mut n, start) = (0usize, Instant::now());
        for _ in 0..args.steps {
            let b = batcher.next_batch()?;
            let (x, frames) = batch_lines(&b.lines, &geometry, &device);
            (model, _) = step(model, &mut optim, &objective, x, &frames, &b.texts, 1e-4)?;
            n += b.lines.len();
        }
        let secs = start.elapsed().as_secs_f64();
        Ok((
            median(times),
            (secs * 1000.0 / args.steps.max(1) as f64, n as f64 / secs),
        ))
    })?;
    let lines_per_s = args.batch as f64 * 1000.0 / fixed_ms;
    if args.json {
        println!(
            "{}",
            json!({"ms_per_step": fixed_ms, "lines_per_s": lines_per_s, "width": args.width,
                   "batch": args.batch, "threads": args.threads, "preset": args.preset.name(),
                   "arch": args.arch.name(), "stream_ms_per_step": stream.0,
                   "stream_lines_per_s": stream.1})
        );
        return Ok(());
    }
    println!(
        "bench-train: {} {}, {} thread(s), batch {}\n",
        args.preset, args.arch, args.threads, args.batch
    );
    println!("| measure | ms/step | lines/s |\n|---|---:|---:|");
    println!(
        "| fixed batch, {}x{} px, generation excluded (median of {}) | {fixed_ms:.0} | {lines_per_s:.1} |",
        geometry.height, args.width, args.steps
    );
    println!(
        "| real data stream, generation included (mean of {}) | {:.0} | {:.1} |",
        args.steps, stream.0, stream.1
    );
    Ok(())
}
