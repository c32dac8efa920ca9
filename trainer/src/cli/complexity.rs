//! `trainer complexity --preset NAME [--height H] [--threads 1] [--json]`: the paper's two complexity tables
//! (cost and measured latency per layer type, and per model with Cr, Sr and speed-up).

use crate::report::cost::{LayerKind, costs, total};
use crate::report::latency::{line_ms, median, profile_once};
use anyhow::Result;
use inkline::burn::tensor::Device;
use inkline::{Charset, CnnDblstm, Network, Preset};
use serde_json::json;
use std::collections::BTreeMap;

/// Arguments of `complexity`.
#[derive(clap::Args)]
pub struct Args {
    /// Model family size: paper, small or tiny.
    #[arg(long, default_value = "paper")]
    preset: Preset,
    /// Input height of every model (default: the preset's; the CNN's last vertical pool takes up
    /// the change, as in training with `--height`). The reference line stays 16:1.
    #[arg(long)]
    height: Option<usize>,
    /// Timed runs per model (after two warm-up runs); the median is reported.
    #[arg(long, default_value_t = 5)]
    repeats: usize,
    /// Print JSON instead of tables.
    #[arg(long)]
    json: bool,
}

/// Runs the command.
pub fn run(args: Args, threads: usize) -> Result<()> {
    let preset = args.preset;
    let charset = Charset::printable_ascii();
    let device = Device::flex();
    let configs = Network::TABLE
        .iter()
        .map(|n| {
            let config = preset.config(*n, &charset);
            let height = args.height.unwrap_or(config.input_height);
            let config = config.with_geometry(height, config.frame_stride(), config.line_norm)?;
            Ok((n.display_name(), config))
        })
        .collect::<Result<Vec<(String, _)>>>()?;
    let h = configs[0].1.input_height;
    let w = 16 * h;
    let frames = w / configs[0].1.frame_stride();
    let mut rows = Vec::new();
    let mut breakdowns = Vec::new();
    for (name, config) in &configs {
        let model = CnnDblstm::new(config, &device)?;
        let cost = costs(config, w);
        let t = total(&cost);
        let stride = config.frame_stride();
        let ms = line_ms(&model, (h, w), stride, (2, args.repeats), &device);
        if breakdowns.len() < 2 {
            let mut per_kind: BTreeMap<LayerKind, Vec<f64>> = BTreeMap::new();
            for _ in 0..args.repeats.max(1) {
                for (k, v) in profile_once(&model, h, w, &device) {
                    per_kind.entry(k).or_default().push(v);
                }
            }
            let med: BTreeMap<LayerKind, f64> =
                per_kind.into_iter().map(|(k, v)| (k, median(v))).collect();
            breakdowns.push((name.clone(), cost.clone(), med));
        }
        rows.push((name.clone(), t.params, t.flops / 1e9, ms));
    }
    let (base_params, base_gflops, base_ms) = (rows[0].1 as f64, rows[0].2, rows[0].3);
    if args.json {
        let models: Vec<_> = rows
            .iter()
            .map(|(n, p, g, ms)| {
                json!({"name": n, "params": p, "gflops": g, "ms_per_line": ms,
                       "cr": base_params / *p as f64, "sr": base_gflops / g, "speedup": base_ms / ms})
            })
            .collect();
        println!(
            "{}",
            json!({"preset": preset.name(), "threads": threads, "reference_line": [h, w], "frames": frames, "models": models})
        );
        return Ok(());
    }
    println!(
        "Complexity, preset {preset}: reference line {h}x{w} px (height x width), {frames} frames, {threads} thread(s), random weights, median of {} runs after 2 warm-ups.\n",
        args.repeats
    );
    for (name, cost, ms) in &breakdowns {
        let total_ms: f64 = ms.values().sum();
        let total_p = total(cost).params as f64;
        println!("{name} by layer type\n");
        println!("| Layer | Latency (ms/line) | % | Params | % |\n|---|---:|---:|---:|---:|");
        for k in LayerKind::ALL {
            let p = cost[&k].params;
            let ps = if p == 0 {
                "\\ | \\".to_string()
            } else {
                format!("{} | {:.2}", fmt_params(p), 100.0 * p as f64 / total_p)
            };
            println!(
                "| {} | {:.3} | {:.2} | {ps} |",
                k.name(),
                ms[&k],
                100.0 * ms[&k] / total_ms
            );
        }
        println!(
            "| Total | {:.3} | 100 | {} | 100 |\n",
            total_ms,
            fmt_params(total_p as usize)
        );
    }
    println!(
        "| Model | Params | Cr | GFLOPs | Sr | Latency (ms/line) | Speed-up |\n|---|---:|---:|---:|---:|---:|---:|"
    );
    for (n, p, g, ms) in &rows {
        println!(
            "| {n} | {} | {:.2} | {:.3} | {:.2} | {:.2} | {:.2} |",
            fmt_params(*p),
            base_params / *p as f64,
            g,
            base_gflops / g,
            ms,
            base_ms / ms
        );
    }
    Ok(())
}

fn fmt_params(p: usize) -> String {
    if p >= 100_000 {
        format!("{:.2}M", p as f64 / 1e6)
    } else {
        format!("{:.1}k", p as f64 / 1e3)
    }
}
