//! The whole recipe and its report: every stage in order (each resumable, skipped when done),
//! then `RUN/report.md` with the paper's tables on our data (accuracy on the held-out test
//! sets, the loss analysis, complexity).

use super::analysis;
use super::cost::{costs, total};
use super::latency::line_ms;
use crate::data::fonts::Split;
use crate::data::style::Style;
use crate::names::Named;
use crate::train::criterion::Criterion;
use crate::train::run::{Session, TEACHER};
use crate::train::stages;
use crate::train::validate::{self, ValScores};
use anyhow::Result;
use inkline::burn::module::Module;
use inkline::{CnnDblstm, ModelConfig, Network, TuckerRanks};
use std::fmt::Write as _;

/// Runs of the complexity table's latency median.
const LATENCY_REPEATS: usize = 21;

/// One trained model of the report's tables.
struct Row {
    network: Network,
    /// Row label: the network's name, with "(teacher-student)" for distilled students.
    name: String,
    loss: String,
    config: ModelConfig,
    model: CnnDblstm,
}

/// The loss analysis of one distilled student: each loss by label.
type AnalysisRow = (Criterion, Vec<(String, f64)>);

/// Trains every stage (or finds it done) and returns the report's rows and the loss analysis.
fn train_all(session: &Session) -> Result<(Vec<Row>, Vec<AnalysisRow>)> {
    let run = &session.config.run;
    let row =
        |network: Network, loss: &str, name: Option<String>, model: CnnDblstm| -> Result<Row> {
            Ok(Row {
                network,
                name: name.unwrap_or_else(|| network.display_name()),
                loss: loss.into(),
                config: session.model_config(network)?,
                model,
            })
        };
    let mut rows = vec![
        row(
            Network::Vgg,
            "CTC",
            None,
            stages::fresh(session, TEACHER, Network::Vgg)?.model,
        )?,
        row(
            Network::Darknet,
            "CTC (from scratch)",
            None,
            stages::fresh(session, "scratch", Network::Darknet)?.model,
        )?,
    ];
    let (_, teacher) = stages::teacher_file(run, None)?;
    let mut analysis_rows = Vec::new();
    for c in Criterion::ALL {
        let distilled = stages::distill(session, c, None, &Default::default())?;
        let losses = analysis::losses(
            &distilled.model,
            &teacher.model,
            &session.val,
            &session.charset,
            &session.geometry,
            &session.device,
        )?;
        analysis_rows.push((c, losses));
        let from = run
            .join(format!("distill-{}", c.name()))
            .join("best.inkline");
        let tuned = stages::finetune(session, &from, &format!("finetune-{}", c.name()))?;
        let name = format!("{} (teacher-student)", Network::Darknet.display_name());
        rows.push(row(Network::Darknet, &c.label(), Some(name), tuned.model)?);
    }
    for r in TuckerRanks::ALL.iter().copied() {
        let model = stages::tucker(session, r, None)?.model;
        rows.push(row(Network::Tucker(r), "Tucker + CTC", None, model)?);
    }
    Ok((rows, analysis_rows))
}

/// Runs the pipeline and writes `RUN/report.md`; returns the report.
pub fn run(session: &Session) -> Result<String> {
    let (rows, analysis_rows) = train_all(session)?;
    let test = validate::build(
        &session.generator,
        Style::all(),
        Split::Test,
        session.config.test_lines,
        &session.geometry,
        7,
    )?;
    let mut report = String::new();
    let (preset, run) = (session.config.preset, &session.config.run);
    writeln!(report, "# inkline report: preset {preset}\n")?;
    writeln!(
        report,
        "Made by `trainer pipeline --preset {preset} --run {}`. Test sets: {} lines per style from held-out font families (`Split::Test`), best-path decoding. CER / WER in percent.\n",
        run.display(),
        session.config.test_lines
    )?;
    accuracy_table(&mut report, session, &rows, &test)?;
    analysis_table(&mut report, &analysis_rows)?;
    complexity_table(&mut report, session, &rows)?;
    writeln!(
        report,
        "\n## Curves\n\nPer-stage metrics (loss, learning rate, lines/s, validation CER by style): `{}/<stage>/metrics.csv`.",
        run.display()
    )?;
    std::fs::write(run.join("report.md"), &report)?;
    Ok(report)
}

fn accuracy_table(
    report: &mut String,
    session: &Session,
    rows: &[Row],
    test: &[validate::ValSet],
) -> Result<()> {
    writeln!(report, "## Accuracy\n")?;
    let styles: Vec<String> = Style::all().iter().map(|s| s.name()).collect();
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
    for r in rows {
        let s: ValScores = validate::evaluate(
            &r.model,
            test,
            &session.charset,
            &session.geometry,
            &session.device,
        )?;
        let cells: Vec<String> = styles
            .iter()
            .map(|st| {
                s.per_style
                    .get(st)
                    .map_or("- | -".into(), |(c, w)| format!("{c:.2} | {w:.2}"))
            })
            .collect();
        writeln!(
            report,
            "| {} | {} | {} |",
            r.name,
            r.loss,
            cells.join(" | ")
        )?;
    }
    Ok(())
}

fn analysis_table(report: &mut String, analysis_rows: &[AnalysisRow]) -> Result<()> {
    writeln!(
        report,
        "\n## Analysis (validation, after distillation, before fine-tuning)\n"
    )?;
    let header: Vec<String> = analysis_rows
        .first()
        .map(|(_, v)| v.iter().map(|(k, _)| format!("L({k})")).collect())
        .unwrap_or_default();
    writeln!(
        report,
        "| Criterion | {} |\n|---|{}",
        header.join(" | "),
        "---:|".repeat(header.len())
    )?;
    for (c, values) in analysis_rows {
        writeln!(
            report,
            "| {} | {} |",
            c.label(),
            values
                .iter()
                .map(|(_, v)| format!("{v:.4}"))
                .collect::<Vec<_>>()
                .join(" | ")
        )?;
    }
    Ok(())
}

fn complexity_table(report: &mut String, session: &Session, rows: &[Row]) -> Result<()> {
    writeln!(report, "\n## Complexity\n")?;
    let h = session.geometry.height;
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
    let mut measured: Vec<(Network, f64)> = Vec::new();
    for r in rows {
        let t = total(&costs(&r.config, w));
        let ms = match measured.iter().find(|(n, _)| *n == r.network) {
            Some(&(_, ms)) => ms,
            None => {
                let m = r.model.valid().to_device(&session.device);
                let stride = r.config.frame_stride();
                let ms = one_thread
                    .install(|| line_ms(&m, (h, w), stride, (3, LATENCY_REPEATS), &session.device));
                measured.push((r.network, ms));
                ms
            }
        };
        let (bp, bf, bm) = *base.get_or_insert((t.params as f64, t.flops, ms));
        writeln!(
            report,
            "| {} | {} | {:.3}M | {:.2} | {:.3} | {:.2} | {ms:.2} | {:.2} |",
            r.name,
            r.loss,
            t.params as f64 / 1e6,
            bp / t.params as f64,
            t.flops / 1e9,
            bf / t.flops,
            bm / ms
        )?;
    }
    Ok(())
}
