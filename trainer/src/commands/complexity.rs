//! `trainer complexity --preset NAME [--threads 1] [--json]`: the seed's two complexity tables.

use anyhow::Result;
use inkline::burn::tensor::{Device, Tensor};
use inkline::complexity::{LayerKind, costs, median_ms, profile_once, total};
use inkline::{Arch, Charset, CnnDblstm, ModelConfig, Preset, TuckerRanks};
use serde_json::json;
use std::collections::BTreeMap;

/// Arguments of `complexity`.
#[derive(clap::Args)]
pub struct Args {
    /// Preset: paper, small or tiny.
    #[arg(long, default_value = "paper")]
    preset: String,
    /// Timed runs per model (after two warm-up runs); the median is reported.
    #[arg(long, default_value_t = 5)]
    repeats: usize,
    /// Print JSON instead of tables.
    #[arg(long)]
    json: bool,
}

/// The models of the seed's tables at `preset`, by display name.
pub fn models(preset: Preset, charset: &Charset) -> Vec<(String, ModelConfig)> {
    let mut v = vec![
        ("VGG-DBLSTM".to_string(), preset.config(Arch::Vgg, charset)),
        (
            "DarkNet-DBLSTM".to_string(),
            preset.config(Arch::Darknet, charset),
        ),
    ];
    for r in TuckerRanks::ALL {
        v.push((
            format!("VGG-TK-DBLSTM-{}", r.name()),
            preset.tucker_config(r, charset),
        ));
    }
    v
}

/// Median wall time in ms of one `1 x 1 x height x width` line through `model` (forward pass
/// and readback of the log-probabilities), over `repeats` runs after `warmup` runs.
pub fn line_ms(
    model: &CnnDblstm,
    config: &ModelConfig,
    (height, width): (usize, usize),
    (warmup, repeats): (usize, usize),
    device: &Device,
) -> f64 {
    median_ms(warmup, repeats, || {
        let x = Tensor::<4>::ones([1, 1, height, width], device);
        let _ = model
            .log_probs(x, &[width / config.frame_stride()])
            .into_data();
    })
}

/// Runs the command.
pub fn run(args: Args, threads: usize) -> Result<()> {
    let preset = Preset::parse(&args.preset)?;
    let charset = Charset::printable_ascii();
    let device = Device::flex();
    let configs = models(preset, &charset);
    let h = configs[0].1.input_height;
    let w = 16 * h;
    let mut rows = Vec::new();
    let mut breakdowns = Vec::new();
    for (name, config) in &configs {
        let model = CnnDblstm::new(config, &device)?;
        let cost = costs(config, w);
        let t = total(&cost);
        let ms = line_ms(&model, config, (h, w), (2, args.repeats), &device);
        if breakdowns.len() < 2 {
            let mut per_kind: BTreeMap<LayerKind, Vec<f64>> = BTreeMap::new();
            for _ in 0..args.repeats.max(1) {
                for (k, v) in profile_once(&model, h, w, &device) {
                    per_kind.entry(k).or_default().push(v);
                }
            }
            let med: BTreeMap<LayerKind, f64> = per_kind
                .into_iter()
                .map(|(k, mut v)| {
                    v.sort_by(f64::total_cmp);
                    (k, v[v.len() / 2])
                })
                .collect();
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
            json!({"preset": preset.name(), "threads": threads, "reference_line": [h, w], "models": models})
        );
        return Ok(());
    }
    println!(
        "Complexity, preset {}: reference line {h}x{w} px (height x width), {} frames, {threads} thread(s), random weights, median of {} runs after 2 warm-ups.\n",
        preset.name(),
        w / 4,
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
