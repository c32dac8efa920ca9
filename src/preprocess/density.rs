//! How narrow a line's writing is: the strokes a body's width of it holds. Most lines of the
//! real validation writers hold 1.5-2.5; capitals, spaced digits and pens thick for the
//! writing's size fewer, narrow cursive more (`trainer eval --by-density`: CER per density).

use super::{BBox, INK_THRESHOLD};
use crate::image::GrayImage;

/// Ink runs crossed along the middle half of the body band (rows `centre +- body / 4`), per
/// row, per body height of the line's written width (the columns from the first to the last
/// ink of each word: gaps over half a body wide are left out). About 2-3 for print and most
/// hands; narrow cursive reaches twice that. 0 when the band holds no ink.
pub(crate) fn stroke_density(ink: &GrayImage, b: BBox, centre: f32, body: f32) -> f32 {
    if b.width == 0 || b.height == 0 {
        return 0.0;
    }
    let quarter = body / 4.0;
    let top = ((centre - quarter).floor().max(b.y as f32) as usize).min(b.y + b.height - 1);
    let bottom = ((centre + quarter).ceil() as usize).clamp(top + 1, b.y + b.height);
    let mut runs = 0usize;
    for y in top..bottom {
        let mut was = false;
        for x in b.x..b.x + b.width {
            let is = ink.get(x, y) > INK_THRESHOLD;
            runs += usize::from(is && !was);
            was = is;
        }
    }
    if runs == 0 {
        return 0.0;
    }
    let per_row = runs as f32 / (bottom - top) as f32;
    per_row * body.max(1.0) / written_width(ink, b, body / 2.0) as f32
}

/// Columns of box `b` from the first to the last ink of each word, words being parted by
/// gaps wider than `gap` columns.
fn written_width(ink: &GrayImage, b: BBox, gap: f32) -> usize {
    let inked =
        (b.x..b.x + b.width).map(|x| (b.y..b.y + b.height).any(|y| ink.get(x, y) > INK_THRESHOLD));
    let (mut width, mut last) = (0usize, None::<usize>);
    for (i, is) in inked.enumerate() {
        if !is {
            continue;
        }
        width += match last {
            Some(l) if ((i - l - 1) as f32) <= gap => i - l,
            _ => 1,
        };
        last = Some(i);
    }
    width.max(1)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A line of `letters` vertical strokes `pitch` px apart, `stroke` px wide, in a body of
    /// 20 rows (rows 10..30 of a 40-row image), with a connecting hairline along the bottom.
    fn strokes(letters: usize, pitch: usize, stroke: usize) -> (GrayImage, BBox) {
        let w = letters * pitch + 10;
        let mut img = GrayImage::filled(w, 40, 0.0);
        for k in 0..letters {
            for y in 10..30 {
                for x in 5 + k * pitch..5 + k * pitch + stroke {
                    img.data[y * w + x] = 1.0;
                }
            }
        }
        for x in 5..5 + (letters - 1) * pitch + stroke {
            img.data[29 * w + x] = 1.0;
        }
        let b = BBox {
            x: 5,
            y: 10,
            width: (letters - 1) * pitch + stroke,
            height: 20,
        };
        (img, b)
    }

    #[test]
    fn density_counts_strokes_per_body_of_inked_width() {
        // Strokes every 10 px in a 20 px body: 2 per body.
        let (img, b) = strokes(30, 10, 2);
        let d = stroke_density(&img, b, 20.0, 20.0);
        assert!((d - 2.0).abs() < 0.1, "{d}");
        // Every 4 px: 5 per body.
        let (img, b) = strokes(30, 4, 2);
        let d = stroke_density(&img, b, 20.0, 20.0);
        assert!((d - 5.0).abs() < 0.25, "{d}");
    }

    #[test]
    fn gaps_between_words_do_not_dilute_the_density() {
        let (mut img, b) = strokes(30, 10, 2);
        // Clear every column of the middle ten strokes (a word gap).
        for y in 0..img.height {
            for x in 5 + 10 * 10..5 + 20 * 10 {
                img.data[y * img.width + x] = 0.0;
            }
        }
        let d = stroke_density(&img, b, 20.0, 20.0);
        assert!((d - 2.0).abs() < 0.2, "{d}");
    }

    #[test]
    fn empty_band_has_no_density() {
        let img = GrayImage::filled(20, 20, 0.0);
        let b = BBox {
            x: 0,
            y: 0,
            width: 20,
            height: 20,
        };
        assert_eq!(stroke_density(&img, b, 10.0, 10.0), 0.0);
    }
}
