//! `trainer pipeline --preset tiny|small|paper [--run DIR]`: every stage in order (each
//! resumable, skipped when done), then `DIR/report.md` with the seed's tables on our data.

use crate::commands::complexity::line_ms;
use crate::commands::distill::{run_distill, run_tucker, teacher_file};
use crate::commands::train::{Setup, TEACHER, TrainArgs};
use crate::synth::fonts::Split;
use crate::synth::style::Style;
use crate::train::analysis;
use crate::train::distill::Criterion;
use crate::train::stage::StageResult;
use crate::train::validate::{self, ValScores};
use anyhow::Result;
use inkline::burn::module::Module;
use inkline::burn::tensor::Device;
use inkline::complexity::{costs, total};
use inkline::{Arch, CnnDblstm, ModelConfig, TuckerRanks};
use std::fmt::Write as _;

/// Lines per style in the held-out test sets of the report.
fn test_lines(setup: &Setup) -> u64 {
    setup.args.val_lines.unwrap_or(match setup.preset {
        inkline::Preset::Tiny => 16,
        _ => 200,
    })
}

/// Runs the command.
pub fn run(args: TrainArgs) -> Result<()> {
    let setup = Setup::new(&args)?;
    let run = args.run.clone();
    let vgg = setup.config(Arch::Vgg)?;
    let darknet = setup.config(Arch::Darknet)?;
    let mut rows: Vec<Row> = vec![
        Row::new(
            "VGG-DBLSTM",
            "CTC",
            &vgg,
            setup.fresh_stage(TEACHER, Arch::Vgg)?,
        ),
        Row::new(
            "DarkNet-DBLSTM",
            "CTC (from scratch)",
            &darknet,
            setup.fresh_stage("scratch", Arch::Darknet)?,
        ),
    ];
    let (_, tfile) = teacher_file(&run, None)?;
    let mut analysis_rows = Vec::new();
    for c in Criterion::ALL {
        let distilled = run_distill(&setup, c, None)?;
        let losses = analysis::losses(
            &distilled.model,
            &tfile.model,
            &setup.val,
            &setup.charset,
            &setup.geometry,
        )?;
        analysis_rows.push((c, losses));
        let from = run
            .join(format!("distill-{}", c.name()))
            .join("best.inkline");
        let tuned = setup.finetune_stage(&from, &format!("finetune-{}", c.name()))?;
        rows.push(Row::new(
            "DarkNet-DBLSTM (teacher-student)",
            &label(c),
            &darknet,
            tuned,
        ));
    }
    for r in TuckerRanks::ALL {
        let config = setup.tucker_config(r)?;
        rows.push(Row::new(
            &format!("VGG-TK-DBLSTM-{}", r.name()),
            "Tucker + CTC",
            &config,
            run_tucker(&setup, r, None)?,
        ));
    }
    let test = validate::build(
        &setup.generator,
        &Style::ALL,
        Split::Test,
        test_lines(&setup),
        &setup.geometry,
        7,
    )?;
    let mut report = String::new();
    writeln!(report, "# inkline report: preset {}\n", setup.preset.name())?;
    writeln!(
        report,
        "Made by `trainer pipeline --preset {} --run {}`. Test sets: {} lines per style from held-out font families (`Split::Test`), best-path decoding. CER / WER in percent.\n",
        setup.preset.name(),
        run.display(),
        test_lines(&setup)
    )?;
    writeln!(report, "## Accuracy\n")?;
    let styles: Vec<&str> = Style::ALL.iter().map(|s| s.name()).collect();
    writeln!(
        report,
        "| Model | Loss | {} |",
        styles
            .iter()
            .map(|s| format!("{s} CER | {s} WER"))
            .collect::<Vec<_>>()
            .join(" | ")
    )?;
    writeln!(report, "|---|---|{}", "---:|".repeat(2 * styles.len()))?;
    let mut scored: Vec<(String, ValScores)> = Vec::new();
    for Row {
        name, loss, model, ..
    } in &rows
    {
        let s = validate::evaluate(model, &test, &setup.charset, &setup.geometry, 16)?;
        let cells: Vec<String> = styles
            .iter()
            .map(|st| {
                s.per_style
                    .get(*st)
                    .map_or("- | -".into(), |(c, w)| format!("{c:.2} | {w:.2}"))
            })
            .collect();
        writeln!(report, "| {name} | {loss} | {} |", cells.join(" | "))?;
        scored.push((name.clone(), s));
    }
    writeln!(
        report,
        "\n## Analysis (validation, after distillation, before fine-tuning)\n"
    )?;
    writeln!(
        report,
        "| Criterion | L(Softmax-CE) | L(IP-L2) | L(LSTM-L2) | L(CNN-MAH) | L(CNN-L2) | L(CTC) |\n|---|---:|---:|---:|---:|---:|---:|"
    )?;
    for (c, values) in &analysis_rows {
        writeln!(
            report,
            "| {} | {} |",
            label(*c),
            values
                .iter()
                .map(|(_, v)| format!("{v:.4}"))
                .collect::<Vec<_>>()
                .join(" | ")
        )?;
    }
    writeln!(report, "\n## Complexity\n")?;
    let h = setup.geometry.height;
    let w = 16 * h;
    writeln!(
        report,
        "Reference line {h}x{w} px; latency: one thread, median of {LATENCY_REPEATS} runs after 3 warm-ups, measured once per architecture (rows that share one have the same cost).\n"
    )?;
    writeln!(
        report,
        "| Model | Loss | Params | Cr | GFLOPs | Sr | Latency (ms/line) | Speed-up |\n|---|---|---:|---:|---:|---:|---:|---:|"
    )?;
    let mut base: Option<(f64, f64, f64)> = None;
    let one_thread = rayon::ThreadPoolBuilder::new().num_threads(1).build()?;
    let mut measured: Vec<(&ModelConfig, f64)> = Vec::new();
    for Row {
        name,
        loss,
        config: file_cfg,
        model,
    } in &rows
    {
        let t = total(&costs(file_cfg, w));
        let ms = match measured.iter().find(|(c, _)| *c == file_cfg) {
            Some(&(_, ms)) => ms,
            None => {
                let device = Device::flex();
                let m = model.valid().to_device(&device);
                let ms = one_thread
                    .install(|| line_ms(&m, file_cfg, (h, w), (3, LATENCY_REPEATS), &device));
                measured.push((file_cfg, ms));
                ms
            }
        };
        let (bp, bf, bm) = *base.get_or_insert((t.params as f64, t.flops, ms));
        writeln!(
            report,
            "| {name} | {loss} | {:.3}M | {:.2} | {:.3} | {:.2} | {ms:.2} | {:.2} |",
            t.params as f64 / 1e6,
            bp / t.params as f64,
            t.flops / 1e9,
            bf / t.flops,
            bm / ms
        )?;
    }
    writeln!(
        report,
        "\n## Curves\n\nPer-stage metrics (loss, learning rate, lines/s, validation CER by style): `{}/<stage>/metrics.csv`.",
        run.display()
    )?;
    std::fs::write(run.join("report.md"), &report)?;
    println!("{report}");
    Ok(())
}

/// Runs of the complexity table's latency median.
const LATENCY_REPEATS: usize = 21;

/// One model of the report's tables.
struct Row {
    name: String,
    loss: String,
    config: ModelConfig,
    model: CnnDblstm,
}

impl Row {
    fn new(name: &str, loss: &str, config: &ModelConfig, stage: StageResult) -> Self {
        Self {
            name: name.into(),
            loss: loss.into(),
            config: config.clone(),
            model: stage.model,
        }
    }
}

fn label(c: Criterion) -> String {
    match c {
        Criterion::SoftmaxCe(t) => format!("Softmax-CE (T={t})"),
        Criterion::IpL2 => "IP-L2".into(),
        Criterion::LstmL2 => "LSTM-L2".into(),
        Criterion::CnnMah => "CNN-MAH".into(),
        Criterion::CnnL2 => "CNN-L2".into(),
    }
}
