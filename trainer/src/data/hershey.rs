//! Single-line vector fonts: Hershey fonts (`.jhf`) and SVG fonts of polylines (npm
//! `hersheytext`'s EMS fonts), glyphs as pen-down polylines, ideal for pen-stroke ink.

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
    pub left: f32,
    /// Right bearing.
    pub right: f32,
    /// Pen-down polylines.
    pub strokes: Vec<Vec<(f32, f32)>>,
}

/// A single-line font mapping ASCII 0x20.. to glyphs (in Hershey units: capitals 21 units
/// tall, baseline at y = 9, y down); `None` where the font has no glyph.
#[derive(Debug, Clone)]
pub struct HersheyFont {
    glyphs: Vec<Option<HersheyGlyph>>,
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
            let (left, right) = (coord(b[0]) as f32, coord(b[1]) as f32);
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
            glyphs.push(Some(HersheyGlyph {
                left,
                right,
                strokes,
            }));
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

    /// Parses an SVG font whose glyphs are polylines (`d` of `M` and `L` commands only, font
    /// units y up, baseline 0), scaled so its cap height is Hershey's 21 units.
    pub fn parse_svg(text: &str) -> Result<Self> {
        let options = roxmltree::ParsingOptions {
            allow_dtd: true,
            ..Default::default()
        };
        let doc = roxmltree::Document::parse_with_options(text, options).context("not XML")?;
        let face = doc
            .descendants()
            .find(|n| n.has_tag_name("font-face"))
            .context("no <font-face>")?;
        let cap = face
            .attribute("cap-height")
            .and_then(|v| v.parse::<f32>().ok())
            .filter(|&v| v > 0.0)
            .context("no cap-height")?;
        let k = 21.0 / cap;
        let default_adv = doc
            .descendants()
            .find(|n| n.has_tag_name("font"))
            .and_then(|n| n.attribute("horiz-adv-x"))
            .and_then(|v| v.parse::<f32>().ok())
            .unwrap_or(cap);
        let mut glyphs: Vec<Option<HersheyGlyph>> = vec![None; 95];
        for g in doc.descendants().filter(|n| n.has_tag_name("glyph")) {
            let mut chars = g.attribute("unicode").unwrap_or("").chars();
            let (Some(c), None) = (chars.next(), chars.next()) else {
                continue;
            };
            if !(' '..='~').contains(&c) {
                continue;
            }
            let adv = g
                .attribute("horiz-adv-x")
                .and_then(|v| v.parse::<f32>().ok())
                .unwrap_or(default_adv);
            let strokes = polylines(g.attribute("d").unwrap_or(""))
                .with_context(|| format!("glyph {c:?}"))?
                .into_iter()
                .map(|s| {
                    s.into_iter()
                        .map(|(x, y)| (x * k, BASELINE - y * k))
                        .collect()
                })
                .collect();
            glyphs[c as usize - 0x20] = Some(HersheyGlyph {
                left: 0.0,
                right: adv * k,
                strokes,
            });
        }
        if glyphs[0].is_none() || glyphs.iter().filter(|g| g.is_some()).count() < 62 {
            bail!("an SVG stroke font needs a space and at least 62 ASCII glyphs");
        }
        Ok(Self { glyphs })
    }

    /// The glyph of an ASCII character, if the font covers it.
    pub fn glyph(&self, c: char) -> Option<&HersheyGlyph> {
        let i = (c as usize).checked_sub(0x20)?;
        if c.is_ascii() {
            self.glyphs.get(i)?.as_ref()
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
                            (x + (gx - g.left) * k, margin + em_px + (gy - BASELINE) * k)
                        })
                        .collect(),
                );
            }
            x += (g.right - g.left) * k;
        }
        Some(out)
    }
}

/// The polylines of SVG path data made of `M x y` and `L x y` commands.
fn polylines(d: &str) -> Result<Vec<Vec<(f32, f32)>>> {
    let mut out: Vec<Vec<(f32, f32)>> = Vec::new();
    let mut tokens = d.split_whitespace();
    while let Some(cmd) = tokens.next() {
        let mut number = || -> Result<f32> {
            Ok(tokens
                .next()
                .context("path ends inside a command")?
                .parse::<f32>()?)
        };
        let p = (number()?, number()?);
        match cmd {
            "M" => out.push(vec![p]),
            "L" => out.last_mut().context("a line before any move")?.push(p),
            other => bail!("path command {other:?}; stroke fonts use M and L"),
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn svg_stroke_fonts_parse_to_hershey_units() {
        let svg = r#"<svg><defs><font horiz-adv-x="500"><font-face cap-height="700"/>
            <glyph unicode=" " horiz-adv-x="300"/>
            <glyph unicode="I" d="M 100 0 L 100 700 M 50 0 L 150 0"/>
            GLYPHS</font></defs></svg>"#;
        let more: String = ('a'..='z')
            .chain('A'..='H')
            .chain('J'..='Z')
            .chain('0'..='9')
            .map(|c| format!(r#"<glyph unicode="{c}" d="M 0 0 L 10 10"/>"#))
            .collect();
        let font = HersheyFont::parse_svg(&svg.replace("GLYPHS", &more)).unwrap();
        let i = font.glyph('I').unwrap();
        let k = 21.0 / 700.0;
        assert_eq!(i.strokes.len(), 2);
        // Baseline y 0 -> 9, cap height 700 -> 9 - 21 = -12 (y down).
        assert_eq!(i.strokes[0], vec![(100.0 * k, 9.0), (100.0 * k, -12.0)]);
        assert!((i.right - 500.0 * k).abs() < 1e-5);
        assert!((font.glyph(' ').unwrap().right - 300.0 * k).abs() < 1e-5);
        assert!(font.glyph('~').is_none());
        assert!(HersheyFont::parse_svg("<svg><font-face cap-height=\"1\"/></svg>").is_err());
        assert!(polylines("M 1 2 C 3 4").is_err());
    }

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
        assert_eq!((a.left, a.right), (-12.0, 12.0));
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
