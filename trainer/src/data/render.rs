//! Rasterizing text into an ink-coverage mask: outline fonts (shaped with rustybuzz, drawn with
//! tiny-skia, per-glyph jitter for handwriting), Hershey fonts drawn as pen strokes, and real
//! pen trajectories drawn with a pen whose width follows the writing's speed.

use super::hershey::HersheyFont;
use inkline::GrayImage;
use rand::Rng;
use rand_distr_free::normal;
use tiny_skia::{FillRule, LineCap, LineJoin, Paint, PathBuilder, Pixmap, Stroke, Transform};

/// How glyphs are placed and deformed. Lengths are in em unless noted.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Placement {
    /// Font size (em) in pixels.
    pub size_px: f32,
    /// Horizontal shear (positive leans right).
    pub slant: f32,
    /// Extra space after each glyph.
    pub tracking: f32,
    /// Std-dev of each glyph's baseline offset.
    pub jitter_y: f32,
    /// Std-dev of each glyph's horizontal offset.
    pub jitter_x: f32,
    /// Std-dev of each glyph's rotation (radians).
    pub jitter_rot: f32,
    /// Std-dev of each glyph's relative size change.
    pub jitter_scale: f32,
    /// Std-dev of extra width of each space.
    pub word_space: f32,
    /// Amplitude of a slow baseline wave.
    pub baseline_wave: f32,
    /// Whole-line rotation (radians).
    pub rotation: f32,
    /// Outline stroke width in pixels added to fills (0 = none): bolder ink, marker pens.
    pub embolden_px: f32,
}

impl Placement {
    /// Upright, unjittered text of `size_px`.
    pub fn plain(size_px: f32) -> Self {
        Self {
            size_px,
            slant: 0.0,
            tracking: 0.0,
            jitter_y: 0.0,
            jitter_x: 0.0,
            jitter_rot: 0.0,
            jitter_scale: 0.0,
            word_space: 0.0,
            baseline_wave: 0.0,
            rotation: 0.0,
            embolden_px: 0.0,
        }
    }
}

/// Small helper to draw normal deviates without another dependency.
mod rand_distr_free {
    use rand::Rng;
    /// A normal deviate with mean 0 and standard deviation `sd` (Box-Muller).
    pub fn normal(rng: &mut impl Rng, sd: f32) -> f32 {
        if sd == 0.0 {
            return 0.0;
        }
        let u1: f32 = rng.random_range(f32::EPSILON..1.0);
        let u2: f32 = rng.random();
        sd * (-2.0 * u1.ln()).sqrt() * (std::f32::consts::TAU * u2).cos()
    }
}

/// One positioned glyph: where its origin goes and how it is deformed.
struct Slot {
    x: f32,
    y: f32,
    rot: f32,
    scale: f32,
}

/// Places `n` glyphs with advances (pixels) and returns each glyph's slot and the line width.
fn place(advances: &[(f32, bool)], p: &Placement, rng: &mut impl Rng) -> (Vec<Slot>, f32) {
    let em = p.size_px;
    let phase: f32 = rng.random_range(0.0..std::f32::consts::TAU);
    let period = em * rng.random_range(6.0..14.0);
    let mut x = 0.0;
    let mut slots = Vec::with_capacity(advances.len());
    for &(adv, is_space) in advances {
        let scale = 1.0 + normal(rng, p.jitter_scale);
        slots.push(Slot {
            x: x + normal(rng, p.jitter_x * em),
            y: normal(rng, p.jitter_y * em)
                + p.baseline_wave * em * (x / period * std::f32::consts::TAU + phase).sin(),
            rot: normal(rng, p.jitter_rot),
            scale,
        });
        x += adv * scale + p.tracking * em;
        if is_space {
            x += (normal(rng, p.word_space) * em).max(-0.5 * adv);
        }
    }
    (slots, x.max(1.0))
}

/// A pixmap big enough for a line of `width` px at `em` px, and the baseline position.
fn canvas(width: f32, em: f32, p: &Placement) -> Option<(Pixmap, f32, f32)> {
    let pad = em * (0.6 + p.slant.abs() + p.baseline_wave + 3.0 * p.jitter_y) + p.embolden_px;
    let rot_extra = (width * p.rotation.abs().sin()).min(em * 4.0);
    let w = (width + 2.0 * pad).ceil() as u32;
    let h = (em * 1.6 + 2.0 * pad + rot_extra).ceil() as u32;
    Some((
        Pixmap::new(w.max(1), h.max(1))?,
        pad,
        pad + em * 1.05 + rot_extra / 2.0,
    ))
}

/// Glyph slots on a fresh canvas, with the line transform and an anti-aliased black paint.
struct Sheet {
    slots: Vec<Slot>,
    pixmap: Pixmap,
    x0: f32,
    baseline: f32,
    line: Transform,
    paint: Paint<'static>,
}

/// Places glyphs of the given advances and makes the canvas they are drawn on.
fn lay_out(advances: &[(f32, bool)], p: &Placement, rng: &mut impl Rng) -> Option<Sheet> {
    let (slots, width) = place(advances, p, rng);
    let (pixmap, x0, baseline) = canvas(width, p.size_px, p)?;
    let line = line_transform(p, x0 + width / 2.0, baseline);
    let mut paint = Paint::default();
    paint.set_color_rgba8(0, 0, 0, 255);
    paint.anti_alias = true;
    Some(Sheet {
        slots,
        pixmap,
        x0,
        baseline,
        line,
        paint,
    })
}

fn line_transform(p: &Placement, cx: f32, cy: f32) -> Transform {
    Transform::from_translate(cx, cy)
        .pre_concat(Transform::from_rotate(p.rotation.to_degrees()))
        .pre_translate(-cx, -cy)
}

fn coverage(pixmap: &Pixmap) -> GrayImage {
    GrayImage {
        width: pixmap.width() as usize,
        height: pixmap.height() as usize,
        data: pixmap
            .pixels()
            .iter()
            .map(|px| f32::from(px.alpha()) / 255.0)
            .collect(),
    }
}

struct PathSink(PathBuilder);

impl ttf_parser::OutlineBuilder for PathSink {
    fn move_to(&mut self, x: f32, y: f32) {
        self.0.move_to(x, y);
    }
    fn line_to(&mut self, x: f32, y: f32) {
        self.0.line_to(x, y);
    }
    fn quad_to(&mut self, x1: f32, y1: f32, x: f32, y: f32) {
        self.0.quad_to(x1, y1, x, y);
    }
    fn curve_to(&mut self, x1: f32, y1: f32, x2: f32, y2: f32, x: f32, y: f32) {
        self.0.cubic_to(x1, y1, x2, y2, x, y);
    }
    fn close(&mut self) {
        self.0.close();
    }
}

/// Characters of `text` the outline font cannot draw (spaces excepted).
pub fn missing_outline_chars(face: &rustybuzz::Face, text: &str) -> Vec<char> {
    text.chars()
        .filter(|&c| c != ' ' && face.glyph_index(c).is_none_or(|g| g.0 == 0))
        .collect()
}

/// Renders `text` with an outline font; `None` if the font lacks a glyph of the text.
pub fn render_outline(
    face: &rustybuzz::Face,
    text: &str,
    p: &Placement,
    rng: &mut impl Rng,
) -> Option<GrayImage> {
    if !missing_outline_chars(face, text).is_empty() {
        return None;
    }
    let mut buf = rustybuzz::UnicodeBuffer::new();
    buf.push_str(text);
    let features: Vec<rustybuzz::Feature> = ["liga", "clig", "dlig", "hlig"]
        .iter()
        .filter_map(|t| {
            let tag = ttf_parser::Tag::from_bytes(t.as_bytes().try_into().ok()?);
            Some(rustybuzz::Feature::new(tag, 0, ..))
        })
        .collect();
    let shaped = rustybuzz::shape(face, &features, buf);
    let upem = face.units_per_em() as f32;
    let k = p.size_px / upem;
    let chars: Vec<char> = text.chars().collect();
    let byte_to_char: Vec<usize> = text.char_indices().map(|(b, _)| b).collect();
    let glyphs: Vec<(u16, f32, f32, bool)> = shaped
        .glyph_infos()
        .iter()
        .zip(shaped.glyph_positions())
        .map(|(info, pos)| {
            let ci = byte_to_char
                .iter()
                .position(|&b| b == info.cluster as usize)
                .unwrap_or(0);
            (
                info.glyph_id as u16,
                pos.x_advance as f32 * k,
                pos.y_offset as f32 * k,
                chars.get(ci) == Some(&' '),
            )
        })
        .collect();
    let advances: Vec<(f32, bool)> = glyphs.iter().map(|g| (g.1, g.3)).collect();
    let Sheet {
        slots,
        mut pixmap,
        x0,
        baseline,
        line,
        paint,
    } = lay_out(&advances, p, rng)?;
    let stroke = Stroke {
        width: p.embolden_px,
        line_join: LineJoin::Round,
        ..Stroke::default()
    };
    for ((gid, _, y_off, _), slot) in glyphs.iter().zip(&slots) {
        let mut sink = PathSink(PathBuilder::new());
        if face
            .outline_glyph(ttf_parser::GlyphId(*gid), &mut sink)
            .is_none()
        {
            continue;
        }
        let Some(path) = sink.0.finish() else {
            continue;
        };
        let s = k * slot.scale;
        let t = line
            .pre_translate(x0 + slot.x, baseline + slot.y - y_off)
            .pre_concat(Transform::from_rotate(slot.rot.to_degrees()))
            .pre_scale(s, -s)
            .pre_concat(Transform::from_row(1.0, 0.0, p.slant, 1.0, 0.0, 0.0));
        pixmap.fill_path(&path, &paint, FillRule::Winding, t, None);
        if p.embolden_px > 0.0 {
            // Stroke width is in path units: convert from pixels.
            let st = Stroke {
                width: p.embolden_px / s,
                ..stroke.clone()
            };
            pixmap.stroke_path(&path, &paint, &st, t, None);
        }
    }
    Some(coverage(&pixmap))
}

/// Renders `text` with a Hershey font as pen strokes of `pen_px` width with point jitter
/// (pixels); `None` if the font lacks a character.
pub fn render_hershey(
    font: &HersheyFont,
    text: &str,
    p: &Placement,
    pen_px: f32,
    point_jitter: f32,
    rng: &mut impl Rng,
) -> Option<GrayImage> {
    let glyphs: Vec<_> = text.chars().map(|c| font.glyph(c)).collect::<Option<_>>()?;
    let k = super::hershey::px_per_unit(p.size_px);
    let advances: Vec<(f32, bool)> = glyphs
        .iter()
        .zip(text.chars())
        .map(|(g, c)| ((g.right - g.left) * k, c == ' '))
        .collect();
    let mut sheet = lay_out(&advances, p, rng)?;
    for (g, slot) in glyphs.iter().zip(&sheet.slots) {
        let s = k * slot.scale;
        // Glyph coordinates: origin at the left bearing, baseline at y = 9, y down.
        let t = sheet
            .line
            .pre_translate(sheet.x0 + slot.x, sheet.baseline + slot.y)
            .pre_concat(Transform::from_rotate(slot.rot.to_degrees()))
            .pre_scale(s, s)
            .pre_concat(Transform::from_row(1.0, 0.0, -p.slant, 1.0, 0.0, 0.0))
            .pre_translate(-g.left, -super::hershey::BASELINE);
        for stroke in &g.strokes {
            let mut pb = PathBuilder::new();
            for (i, &(x, y)) in stroke.iter().enumerate() {
                let (x, y) = (
                    x + normal(rng, point_jitter / s),
                    y + normal(rng, point_jitter / s),
                );
                if i == 0 {
                    pb.move_to(x, y)
                } else {
                    pb.line_to(x, y)
                }
            }
            if stroke.len() == 1 {
                let (x, y) = stroke[0];
                pb.line_to(x + 0.01, y);
            }
            if let Some(path) = pb.finish() {
                let st = Stroke {
                    width: pen_px / s,
                    line_cap: LineCap::Round,
                    line_join: LineJoin::Round,
                    ..Stroke::default()
                };
                sheet.pixmap.stroke_path(&path, &sheet.paint, &st, t, None);
            }
        }
    }
    Some(coverage(&sheet.pixmap))
}

/// A pen drawing a trajectory: its width, how much slow writing widens it, how much a
/// smooth pressure field varies it.
#[derive(Debug, Clone, Copy)]
pub struct InkPen {
    /// Width in pixels at the writing's mean speed.
    pub width: f32,
    /// Width gained where the pen moves slower than its median speed, lost where faster
    /// (0: none; 0.5: half the width at a standstill).
    pub speed_gain: f32,
    /// Width variation along the line from pressure (a fraction).
    pub pressure: f32,
}

/// Largest canvas side for a trajectory (pixels); longer lines are refused.
const INK_MAX_SIDE: f32 = 6000.0;

/// Draws a normalized trajectory (body one unit, baseline at y = 0) with the body `body_px`
/// pixels high, with round caps and joins; `None` when it would not fit a canvas.
pub fn render_ink(
    ink: &super::ink::Ink,
    body_px: f32,
    pen: &InkPen,
    rng: &mut impl Rng,
) -> Option<GrayImage> {
    let b = ink.bounds()?;
    let margin = pen.width * (1.0 + pen.speed_gain + pen.pressure) + 2.0;
    let (w, h) = (
        b.width() * body_px + 2.0 * margin,
        b.height() * body_px + 2.0 * margin,
    );
    if !(w.is_finite() && h.is_finite()) || w > INK_MAX_SIDE || h > INK_MAX_SIDE {
        return None;
    }
    let mut pixmap = Pixmap::new(w.ceil() as u32, h.ceil() as u32)?;
    let mut paint = Paint::default();
    paint.set_color_rgba8(0, 0, 0, 255);
    paint.anti_alias = true;
    let to_px = |p: [f32; 2]| {
        (
            (p[0] - b.x0) * body_px + margin,
            (p[1] - b.y0) * body_px + margin,
        )
    };
    // Segment lengths stand for speed: the digitizers sample at a fixed rate.
    let mut lens: Vec<f32> = ink
        .strokes
        .iter()
        .flat_map(|s| s.windows(2))
        .map(|w| ((w[1][0] - w[0][0]).powi(2) + (w[1][1] - w[0][1]).powi(2)).sqrt())
        .filter(|&l| l > 0.0)
        .collect();
    lens.sort_by(f32::total_cmp);
    let median = lens.get(lens.len() / 2).copied().unwrap_or(1.0).max(1e-6);
    let phase = rng.random_range(0.0..std::f32::consts::TAU);
    let period = rng.random_range(1.5..4.0f32);
    let width_at = |seg_len: f32, x: f32| {
        let slow = (1.0 - seg_len / median).clamp(-1.0, 1.0);
        let press = 1.0 + pen.pressure * (x / period + phase).sin();
        // Quarter-pixel steps, so runs of one width draw as one path.
        ((pen.width * (1.0 + pen.speed_gain * slow) * press).max(0.4) * 4.0).round() / 4.0
    };
    let draw = |pixmap: &mut Pixmap, pts: &[(f32, f32)], width: f32| {
        let mut pb = PathBuilder::new();
        pb.move_to(pts[0].0, pts[0].1);
        for &(x, y) in &pts[1..] {
            pb.line_to(x, y);
        }
        if pts.len() == 1 {
            pb.line_to(pts[0].0 + 0.01, pts[0].1);
        }
        if let Some(path) = pb.finish() {
            let st = Stroke {
                width,
                line_cap: LineCap::Round,
                line_join: LineJoin::Round,
                ..Stroke::default()
            };
            pixmap.stroke_path(&path, &paint, &st, Transform::identity(), None);
        }
    };
    for s in &ink.strokes {
        if s.len() == 1 {
            draw(&mut pixmap, &[to_px(s[0])], width_at(median, s[0][0]));
            continue;
        }
        let mut run: Vec<(f32, f32)> = vec![to_px(s[0])];
        let mut run_width = None;
        for w in s.windows(2) {
            let len = ((w[1][0] - w[0][0]).powi(2) + (w[1][1] - w[0][1]).powi(2)).sqrt();
            let width = width_at(len, w[1][0]);
            if run_width.is_some_and(|rw| rw != width) {
                draw(&mut pixmap, &run, run_width.unwrap_or(width));
                run = vec![*run.last().unwrap_or(&to_px(w[0]))];
            }
            run_width = Some(width);
            run.push(to_px(w[1]));
        }
        draw(&mut pixmap, &run, run_width.unwrap_or(pen.width));
    }
    Some(coverage(&pixmap))
}

/// Re-exported normal deviate for the other synthesis modules.
pub fn gauss(rng: &mut impl Rng, sd: f32) -> f32 {
    normal(rng, sd)
}
