//! Hershey vector fonts (`.jhf`): single-line glyphs as polylines, ideal for pen-stroke ink.

use anyhow::{Context, Result, bail};

/// Pixels per font unit at `em_px` pixels per em: Hershey capitals span about 21 units and are
/// drawn 0.7 em tall.
pub fn px_per_unit(em_px: f32) -> f32 {
    em_px * 0.7 / 21.0
}
/// The baseline's y in glyph units (y down).
pub const BASELINE: f32 = 9.0;

/// One glyph: horizontal extent and strokes (each a polyline in font units, y down).
#[derive(Debug, Clone, PartialEq)]
pub struct HersheyGlyph {
    /// Left bearing (negative, relative to the glyph origin).
    pub left: i32,
    /// Right bearing.
    pub right: i32,
    /// Pen-down polylines.
    pub strokes: Vec<Vec<(f32, f32)>>,
}

/// A Hershey font mapping ASCII 0x20.. to glyphs, in file order.
#[derive(Debug, Clone)]
pub struct HersheyFont {
    glyphs: Vec<HersheyGlyph>,
}

impl HersheyFont {
    /// Parses the text of a `.jhf` file. Records may wrap over several lines.
    pub fn parse(text: &str) -> Result<Self> {
        let mut glyphs = Vec::new();
        let mut lines = text.lines().peekable();
        while let Some(first) = lines.next() {
            if first.trim().is_empty() {
                continue;
            }
            if first.len() < 10 {
                bail!("short Hershey record: {first:?}");
            }
            let count: usize = first[5..8]
                .trim()
                .parse()
                .with_context(|| format!("bad vertex count in {first:?}"))?;
            let mut payload: String = first[8..].to_string();
            while payload.len() < 2 * count {
                let Some(next) = lines.next() else {
                    bail!("Hershey record ends early")
                };
                payload.push_str(next);
            }
            let b = payload.as_bytes();
            let coord = |c: u8| i32::from(c) - i32::from(b'R');
            let (left, right) = (coord(b[0]), coord(b[1]));
            let mut strokes: Vec<Vec<(f32, f32)>> = vec![Vec::new()];
            for pair in b[2..2 * count].chunks_exact(2) {
                if pair == b" R" {
                    strokes.push(Vec::new());
                } else {
                    let s = strokes.last_mut().expect("non-empty");
                    s.push((coord(pair[0]) as f32, coord(pair[1]) as f32));
                }
            }
            strokes.retain(|s| !s.is_empty());
            glyphs.push(HersheyGlyph {
                left,
                right,
                strokes,
            });
        }
        if glyphs.len() < 95 {
            bail!(
                "{} glyphs; an ASCII Hershey font has at least 95",
                glyphs.len()
            );
        }
        Ok(Self { glyphs })
    }

    /// The same font with only its first `n` glyphs (characters 0x20 .. 0x20 + n).
    #[cfg(test)]
    pub fn truncated(mut self, n: usize) -> Self {
        self.glyphs.truncate(n);
        self
    }

    /// The glyph of an ASCII character, if the font covers it.
    pub fn glyph(&self, c: char) -> Option<&HersheyGlyph> {
        let i = (c as usize).checked_sub(0x20)?;
        if c.is_ascii() {
            self.glyphs.get(i)
        } else {
            None
        }
    }

    /// The pen strokes of `text` written on one line, as polylines in pixels (y down): Hershey
    /// capitals (21 units) are 0.7 `em_px` tall, the line starts at `(margin, margin + em_px)`
    /// on the baseline. `None` if the font lacks a character. What a pen on a canvas would draw:
    /// the browser tests replay these strokes as pointer events.
    pub fn pen_strokes(&self, text: &str, em_px: f32, margin: f32) -> Option<Vec<Vec<(f32, f32)>>> {
        let k = px_per_unit(em_px);
        let mut x = margin;
        let mut out = Vec::new();
        for c in text.chars() {
            let g = self.glyph(c)?;
            for s in &g.strokes {
                out.push(
                    s.iter()
                        .map(|&(gx, gy)| {
                            (
                                x + (gx - g.left as f32) * k,
                                margin + em_px + (gy - BASELINE) * k,
                            )
                        })
                        .collect(),
                );
            }
            x += (g.right - g.left) as f32 * k;
        }
        Some(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_wrapped_records_and_pen_up() {
        // Space (no strokes) then 94 copies of a glyph with two strokes; one record wraps.
        let mut text = String::from("12345  1JZ\n");
        for i in 0..94 {
            let rec = format!("{:5}  6F^KFKW R[F[W", 2 + i);
            if i == 0 {
                text.push_str(&rec[..12]);
                text.push('\n');
                text.push_str(&rec[12..]);
            } else {
                text.push_str(&rec);
            }
            text.push('\n');
        }
        let f = HersheyFont::parse(&text).unwrap();
        let a = f.glyph('!').unwrap();
        assert_eq!((a.left, a.right), (-12, 12));
        assert_eq!(
            a.strokes,
            vec![
                vec![(-7.0, -12.0), (-7.0, 5.0)],
                vec![(9.0, -12.0), (9.0, 5.0)]
            ]
        );
        assert!(f.glyph(' ').unwrap().strokes.is_empty());
        assert!(f.glyph('é').is_none());
    }

    #[test]
    fn pen_strokes_lay_glyphs_left_to_right_in_pixels() {
        // Every glyph: bearings -12..12, a stroke from (-7,-12) to (-7,5) and one at x = 9.
        let mut text = String::from("12345  1JZ\n");
        for i in 0..94 {
            text.push_str(&format!("{:5}  6F^KFKW R[F[W\n", 2 + i));
        }
        let f = HersheyFont::parse(&text).unwrap();
        // 21 units = 0.7 em: with em 30 one unit is 1 px; margin 10, baseline at y = 40.
        let s = f.pen_strokes("!! !", 30.0, 10.0).unwrap();
        assert_eq!(s.len(), 6);
        assert_eq!(s[0], vec![(15.0, 19.0), (15.0, 36.0)]);
        assert_eq!(s[1], vec![(31.0, 19.0), (31.0, 36.0)]);
        // The second glyph starts one advance (24 px) later; the space advances 16 px.
        assert_eq!(s[2][0], (39.0, 19.0));
        assert_eq!(s[4][0], (15.0 + 24.0 + 24.0 + 16.0, 19.0));
        assert!(f.pen_strokes("é", 30.0, 10.0).is_none());
    }
}
