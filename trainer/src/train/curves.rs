//! A PNG of a stage's curves from its `metrics.csv`: training loss (top) and mean validation
//! CER (bottom), each panel titled with the value range, drawn with tiny-skia.

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

/// Reads the loss and validation-CER curves of a metrics file, by its header's column names.
fn read(csv: &str) -> (Curve, Curve) {
    let mut lines = csv.lines();
    let header: Vec<&str> = lines.next().unwrap_or_default().split(',').collect();
    let col = |name: &str| header.iter().position(|h| *h == name);
    let (step, loss_col, cer_col) = (col("step"), col("loss"), col("val_mean_cer"));
    let (mut loss, mut cer) = (Vec::new(), Vec::new());
    let value = |cols: &[&str], i: Option<usize>| i.and_then(|i| cols.get(i)?.parse::<f64>().ok());
    for line in lines {
        let cols: Vec<&str> = line.split(',').collect();
        let Some(s) = value(&cols, step) else {
            continue;
        };
        if let Some(v) = value(&cols, loss_col) {
            loss.push((s, v));
        }
        if let Some(v) = value(&cols, cer_col) {
            cer.push((s, v));
        }
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
}
