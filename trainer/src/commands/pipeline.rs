//! `trainer pipeline --preset tiny|small|paper [--run DIR]`: every stage in order (each
//! resumable, skipped when done), then `DIR/report.md` with the seed's tables on our data.

use crate::commands::distill::{run_distill, run_tucker, teacher_file};
use crate::commands::train::{Setup, TrainArgs};
use crate::synth::fonts::Split;
use crate::synth::style::Style;
use crate::train::analysis;
use crate::train::distill::Criterion;
use crate::train::validate::{self, ValScores};
use anyhow::Result;
use inkline::burn::module::Module;
use inkline::burn::tensor::{Device, Tensor};
use inkline::complexity::{costs, median_ms, total};
use inkline::{CnnDblstm, ModelFile, TuckerRanks};
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
    let teacher = setup.ctc_stage(
        "teacher",
        &setup.preset.config(inkline::Arch::Vgg, &setup.charset),
        fresh(&setup, inkline::Arch::Vgg)?,
        None,
    )?;
    let scratch = setup.ctc_stage(
        "scratch",
        &setup.preset.config(inkline::Arch::Darknet, &setup.charset),
        fresh(&setup, inkline::Arch::Darknet)?,
        None,
    )?;
    let mut rows: Vec<(String, String, CnnDblstm)> = vec![
        ("VGG-DBLSTM".into(), "CTC".into(), teacher.model),
        (
            "DarkNet-DBLSTM".into(),
            "CTC (from scratch)".into(),
            scratch.model,
        ),
    ];
    let (_, tfile) = teacher_file(&run, None)?;
    let mut analysis_rows = Vec::new();
    for c in Criterion::ALL {
        let distilled = run_distill(&setup, c, None)?;
        analysis_rows.push((
            c,
            analysis::losses(
                &distilled.model,
                &tfile.model,
                &setup.val,
                &setup.charset,
                &setup.geometry,
            )?,
        ));
        let from = run
            .join(format!("distill-{}", c.name()))
            .join("best.inkline");
        let file = ModelFile::load(&from, &Device::flex())?;
        let config = file.meta.config.clone();
        let model = file.model.to_device(&Device::flex().autodiff()).train();
        let tuned = setup.ctc_stage(
            &format!("finetune-{}", c.name()),
            &config,
            model,
            Some(from.display().to_string()),
        )?;
        rows.push((
            "DarkNet-DBLSTM (teacher-student)".into(),
            label(c),
            tuned.model,
        ));
    }
    for r in TuckerRanks::ALL {
        rows.push((
            format!("VGG-TK-DBLSTM-{}", r.name()),
            "Tucker + CTC".into(),
            run_tucker(&setup, r, None)?.model,
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
    for (name, loss, model) in &rows {
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
        "Reference line {h}x{w} px; latency: one thread of this machine's pool, median of 5 runs.\n"
    )?;
    writeln!(
        report,
        "| Model | Loss | Params | Cr | GFLOPs | Sr | Latency (ms/line) | Speed-up |\n|---|---|---:|---:|---:|---:|---:|---:|"
    )?;
    let mut base: Option<(f64, f64, f64)> = None;
    for (name, loss, model) in &rows {
        let file_cfg = model_config(&setup, name);
        let t = total(&costs(&file_cfg, w));
        let device = Device::flex();
        let m = model.valid().to_device(&device);
        let ms = median_ms(1, 5, || {
            let x = Tensor::<4>::ones([1, 1, h, w], &device);
            let _ = m.log_probs(x, &[w / file_cfg.frame_stride()]).into_data();
        });
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

fn fresh(setup: &Setup, arch: inkline::Arch) -> Result<CnnDblstm> {
    Ok(CnnDblstm::new(
        &setup.preset.config(arch, &setup.charset),
        &Device::flex().autodiff(),
    )?)
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

fn model_config(setup: &Setup, name: &str) -> inkline::ModelConfig {
    use inkline::Arch;
    if name.starts_with("VGG-TK") {
        let r =
            TuckerRanks::parse(name.rsplit('-').next().unwrap_or("v2")).unwrap_or(TuckerRanks::V2);
        setup.preset.tucker_config(r, &setup.charset)
    } else if name.starts_with("VGG") {
        setup.preset.config(Arch::Vgg, &setup.charset)
    } else {
        setup.preset.config(Arch::Darknet, &setup.charset)
    }
}
