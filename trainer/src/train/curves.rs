//! A PNG of a stage's curves from its `metrics.csv`: training loss (top) and mean validation
//! CER (bottom), each panel titled with the value range, drawn with tiny-skia; and the stage's
//! summary from the same file (steps, lines, hours of training, best validation).

use crate::data::fonts::EMBEDDED;
use crate::data::render::{Placement, render_outline};
use anyhow::{Context, Result};
use rand::SeedableRng;
use std::path::Path;
use tiny_skia::{Color, Paint, PathBuilder, Pixmap, Rect, Stroke, Transform};

const W: u32 = 900;
const PANEL: u32 = 260;
const MARGIN: f32 = 50.0;

/// `(step, value)` points of one curve.
type Curve = Vec<(f64, f64)>;

/// The rows of a metrics file with the named columns parsed (`None` where a cell is empty or
/// the column is missing); rows without a step are skipped.
fn rows<'a, const N: usize>(
    csv: &'a str,
    names: [&str; N],
) -> impl Iterator<Item = (f64, [Option<f64>; N])> + 'a {
    let mut lines = csv.lines();
    let header: Vec<&str> = lines.next().unwrap_or_default().split(',').collect();
    let col = |name: &str| header.iter().position(|h| *h == name);
    let step = col("step");
    let cols = names.map(col);
    lines.filter_map(move |line| {
        let cells: Vec<&str> = line.split(',').collect();
        let value = |i: Option<usize>| i.and_then(|i| cells.get(i)?.parse::<f64>().ok());
        Some((value(step)?, cols.map(value)))
    })
}

/// Reads the loss and validation-CER curves of a metrics file, by its header's column names.
fn read(csv: &str) -> (Curve, Curve) {
    let (mut loss, mut cer) = (Vec::new(), Vec::new());
    for (s, [l, c]) in rows(csv, ["loss", "val_mean_cer"]) {
        loss.extend(l.map(|v| (s, v)));
        cer.extend(c.map(|v| (s, v)));
    }
    (loss, cer)
}

fn label(pixmap: &mut Pixmap, text: &str, x: f32, y: f32) {
    let Some((_, bytes)) = EMBEDDED.iter().find(|(n, _)| n.starts_with("Cantarell")) else {
        return;
    };
    let Some(face) = rustybuzz::Face::from_slice(bytes, 0) else {
        return;
    };
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(0);
    let Some(mask) = render_outline(&face, text, &Placement::plain(16.0), &mut rng) else {
        return;
    };
    for yy in 0..mask.height {
        for xx in 0..mask.width {
            let a = mask.data[yy * mask.width + xx];
            let (px, py) = (x as i64 + xx as i64, y as i64 + yy as i64 - 12);
            if a > 0.0
                && px >= 0
                && py >= 0
                && (px as u32) < pixmap.width()
                && (py as u32) < pixmap.height()
            {
                let i = (py as u32 * pixmap.width() + px as u32) as usize;
                let v = ((1.0 - a) * 255.0) as u8;
                let c = tiny_skia::PremultipliedColorU8::from_rgba(v, v, v, 255).expect("opaque");
                pixmap.pixels_mut()[i] = c;
            }
        }
    }
}

fn panel(pixmap: &mut Pixmap, top: f32, points: &[(f64, f64)], title: &str, color: Color) {
    let (x0, x1, y0, y1) = (
        MARGIN,
        W as f32 - 20.0,
        top + 30.0,
        top + PANEL as f32 - 10.0,
    );
    let mut axis = Paint::default();
    axis.set_color(Color::from_rgba8(120, 120, 120, 255));
    if let Some(r) = Rect::from_ltrb(x0, y0, x1, y1) {
        let path = PathBuilder::from_rect(r);
        pixmap.stroke_path(
            &path,
            &axis,
            &Stroke::default(),
            Transform::identity(),
            None,
        );
    }
    let (lo, hi) = points
        .iter()
        .fold((f64::MAX, f64::MIN), |(a, b), p| (a.min(p.1), b.max(p.1)));
    let smax = points.iter().map(|p| p.0).fold(1.0, f64::max);
    label(
        pixmap,
        &format!(
            "{title}: {:.3} .. {:.3} over {} steps",
            lo.min(hi),
            hi.max(lo),
            smax
        ),
        x0,
        top + 14.0,
    );
    if points.len() < 2 || hi <= lo {
        return;
    }
    let mut pb = PathBuilder::new();
    for (i, &(s, v)) in points.iter().enumerate() {
        let x = x0 + (s / smax) as f32 * (x1 - x0);
        let y = y1 - ((v - lo) / (hi - lo)) as f32 * (y1 - y0);
        if i == 0 {
            pb.move_to(x, y)
        } else {
            pb.line_to(x, y)
        }
    }
    if let Some(path) = pb.finish() {
        let mut paint = Paint::default();
        paint.set_color(color);
        paint.anti_alias = true;
        pixmap.stroke_path(
            &path,
            &paint,
            &Stroke {
                width: 1.5,
                ..Stroke::default()
            },
            Transform::identity(),
            None,
        );
    }
}

/// Draws `dir/metrics.csv` into `dir/curves.png`.
pub fn plot_stage(dir: &Path) -> Result<()> {
    let csv = std::fs::read_to_string(dir.join("metrics.csv"))
        .with_context(|| format!("no metrics in {}", dir.display()))?;
    let (loss, cer) = read(&csv);
    let mut pixmap = Pixmap::new(W, 2 * PANEL + 10).context("pixmap")?;
    pixmap.fill(Color::WHITE);
    panel(
        &mut pixmap,
        0.0,
        &loss,
        "training loss",
        Color::from_rgba8(30, 80, 200, 255),
    );
    panel(
        &mut pixmap,
        PANEL as f32,
        &cer,
        "validation CER %",
        Color::from_rgba8(200, 60, 30, 255),
    );
    pixmap
        .save_png(dir.join("curves.png"))
        .context("writing curves.png")?;
    Ok(())
}

/// What a stage's `metrics.csv` says about its run.
#[derive(Debug, Clone, PartialEq)]
pub struct StageSummary {
    /// The last step reached.
    pub steps: u64,
    /// Lines trained on, steps redone after a resume included.
    pub lines: u64,
    /// Seconds spent in training steps (data waits included, validation excluded), summed over
    /// every row from its step count and lines per second.
    pub train_secs: f64,
    /// The best validation mean CER and its step.
    pub best: Option<(u64, f64)>,
}

/// Summarizes a metrics file of a stage trained on batches of `batch` lines. A row stands for
/// the steps since the row before it (10 where a resume went back).
pub fn summarize(csv: &str, batch: usize) -> StageSummary {
    let mut out = StageSummary {
        steps: 0,
        lines: 0,
        train_secs: 0.0,
        best: None,
    };
    let mut prev = 0u64;
    for (step, [lps, cer]) in rows(csv, ["lines_per_s", "val_mean_cer"]) {
        let step = step as u64;
        let done = if step > prev { step - prev } else { 10 };
        let row_lines = done * batch as u64;
        out.lines += row_lines;
        if let Some(lps) = lps.filter(|&l| l > 0.0) {
            out.train_secs += row_lines as f64 / lps;
        }
        if let Some(cer) = cer
            && out.best.is_none_or(|(_, b)| cer < b)
        {
            out.best = Some((step, cer));
        }
        out.steps = out.steps.max(step);
        prev = step;
    }
    out
}

impl std::fmt::Display for StageSummary {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} steps, {} lines, {:.2} h of training steps ({:.1} lines/s)",
            self.steps,
            self.lines,
            self.train_secs / 3600.0,
            self.lines as f64 / self.train_secs.max(1e-9)
        )?;
        if let Some((step, cer)) = self.best {
            write!(f, ", best validation mean CER {cer:.2} at step {step}")?;
        }
        Ok(())
    }
}

/// Redraws `dir/curves.png` and prints the stage's summary (batch size from `dir/run.json`).
pub fn plot_and_summarize(dir: &Path) -> Result<()> {
    plot_stage(dir)?;
    let csv = std::fs::read_to_string(dir.join("metrics.csv"))?;
    let batch = std::fs::read_to_string(dir.join("run.json"))
        .ok()
        .and_then(|s| serde_json::from_str::<serde_json::Value>(&s).ok())
        .and_then(|v| v["batch"].as_u64())
        .context("no batch size in run.json beside metrics.csv")?;
    println!("{}: {}", dir.display(), summarize(&csv, batch as usize));
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plots_a_metrics_file() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join("metrics.csv"),
            "step,loss,lr,lines_per_s,val_mean_cer,val_cer_by_style\n10,5.0,0.001,9,,\n20,3.0,0.001,9,80.0,a=80\n30,2.0,0.001,9,,\n40,1.0,0.001,9,40.0,a=40\n",
        )
        .unwrap();
        assert_eq!(
            read(&std::fs::read_to_string(dir.path().join("metrics.csv")).unwrap()),
            (
                vec![(10.0, 5.0), (20.0, 3.0), (30.0, 2.0), (40.0, 1.0)],
                vec![(20.0, 80.0), (40.0, 40.0)],
            )
        );
        plot_stage(dir.path()).unwrap();
        let img = image::open(dir.path().join("curves.png"))
            .unwrap()
            .into_luma8();
        assert_eq!(img.dimensions(), (W, 2 * PANEL + 10));
        // Some pixels are ink (curves, axes, labels), most are white.
        let dark = img.pixels().filter(|p| p.0[0] < 128).count();
        assert!(dark > 500 && dark < (W * PANEL) as usize, "{dark}");
    }

    #[test]
    fn summarizes_steps_time_and_best_across_a_resume() {
        // Rows every 10 steps; a resume from step 20 redoes step 30 at another speed.
        let csv = "step,loss,lr,lines_per_s,val_mean_cer,val_cer_by_style\n\
                   10,5.0,0.001,16,,\n20,3.0,0.001,32,50.0,a=50\n30,2.5,0.001,32,,\n\
                   30,2.4,0.001,16,,\n40,1.0,0.001,32,40.0,a=40\n45,0.9,0.001,8,45.0,a=45\n";
        let s = summarize(csv, 4);
        assert_eq!(s.steps, 45);
        assert_eq!(s.lines, (10 + 10 + 10 + 10 + 10 + 5) * 4);
        // 40/16 + 40/32 + 40/32 + 40/16 + 40/32 + 20/8 seconds.
        assert!((s.train_secs - 11.25).abs() < 1e-9, "{}", s.train_secs);
        assert_eq!(s.best, Some((40, 40.0)));
        assert_eq!(
            s.to_string(),
            "45 steps, 220 lines, 0.00 h of training steps (19.6 lines/s), best validation mean CER 40.00 at step 40"
        );
    }
}
