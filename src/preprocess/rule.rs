//! Rules: a ruled line, an underline or a stroke across the image with no writing on it. A band
//! whose ink is only a rule is no text line: it reads as nothing, at once (the model would read
//! it as dashes, and slowly: scaled to the input height, a thin rule is a very long line).

use super::BBox;
use crate::image::GrayImage;

/// A rule's ink covers at least this share of its box's columns...
const MIN_COVER: f32 = 0.9;
/// ...and this share of those columns hold one vertical run of ink (its thickness)...
const MIN_SINGLE: f32 = 0.9;
/// ...and its box is at least this many times as wide as its typical run is tall (a line of
/// small, blurred words on a board, whose letters run together, is 50-60 times).
const MIN_LENGTH: usize = 80;

/// Whether the ink (over `threshold`) in rows `[y0, y1)` of `ink` is a rule alone (see
/// [`is_rule`]); false when the rows hold no ink.
pub(super) fn is_rule_band(ink: &GrayImage, y0: usize, y1: usize, threshold: f32) -> bool {
    let (mut x_min, mut x_max, mut y_min, mut y_max) = (usize::MAX, 0, usize::MAX, 0);
    for y in y0..y1 {
        let row = &ink.data[y * ink.width..(y + 1) * ink.width];
        if let Some(first) = row.iter().position(|&v| v > threshold) {
            let last = row.iter().rposition(|&v| v > threshold).unwrap_or(first);
            (x_min, x_max) = (x_min.min(first), x_max.max(last));
            (y_min, y_max) = (y_min.min(y), y);
        }
    }
    x_min != usize::MAX
        && is_rule(
            ink,
            BBox {
                x: x_min,
                y: y_min,
                width: x_max - x_min + 1,
                height: y_max - y_min + 1,
            },
            threshold,
        )
}

/// Whether the ink (over `threshold`) in box `b` of `ink` is a rule: ink in nearly every
/// column of the box, one short vertical run per column (the stroke's thickness, level or
/// tilted), no taller strokes (letters have stems and loops), and long for its thickness (an
/// underline or a ruled line, never a dash).
fn is_rule(ink: &GrayImage, b: BBox, threshold: f32) -> bool {
    let mut inked = 0usize;
    let mut runs = Vec::with_capacity(b.width);
    for x in b.x..b.x + b.width {
        let (mut count, mut length, mut inside) = (0usize, 0usize, false);
        for y in b.y..b.y + b.height {
            let on = ink.get(x, y) > threshold;
            if on && !inside {
                count += 1;
            }
            length += usize::from(on);
            inside = on;
        }
        if count > 0 {
            inked += 1;
        }
        if count == 1 {
            runs.push(length);
        }
    }
    if (inked as f32) < MIN_COVER * b.width as f32
        || (runs.len() as f32) < MIN_SINGLE * inked as f32
    {
        return false;
    }
    runs.sort_unstable();
    let typical = runs[runs.len() / 2];
    let tall = runs[(runs.len() - 1) * 9 / 10];
    tall <= typical + (typical / 2).max(2) && typical * MIN_LENGTH <= b.width
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A `w` x `h` image with a rule `thickness` px thick across `length` px from x = 10,
    /// rising `rise` px over its length about the middle row.
    fn rule(w: usize, h: usize, length: usize, thickness: usize, rise: usize) -> GrayImage {
        let mut img = GrayImage::filled(w, h, 0.0);
        for i in 0..length {
            let y0 = h / 2 + rise / 2 - rise * i / length.max(1);
            for y in y0..y0 + thickness {
                img.data[y * w + 10 + i] = 1.0;
            }
        }
        img
    }

    fn whole(img: &GrayImage) -> BBox {
        let (mut x0, mut y0, mut x1, mut y1) = (usize::MAX, usize::MAX, 0, 0);
        for y in 0..img.height {
            for x in 0..img.width {
                if img.get(x, y) > 0.5 {
                    (x0, y0, x1, y1) = (x0.min(x), y0.min(y), x1.max(x), y1.max(y));
                }
            }
        }
        BBox {
            x: x0,
            y: y0,
            width: x1 - x0 + 1,
            height: y1 - y0 + 1,
        }
    }

    #[test]
    fn level_and_tilted_rules_of_any_thickness_are_rules() {
        for (thickness, rise) in [(1, 0), (2, 0), (4, 0), (7, 0), (2, 30), (3, 52)] {
            let img = rule(620, 80, 600, thickness, rise);
            assert!(
                is_rule(&img, whole(&img), 0.5),
                "thickness {thickness}, rise {rise}"
            );
        }
    }

    #[test]
    fn a_dash_and_a_line_of_words_are_not_rules() {
        // An em dash: 40 x 4.
        let dash = rule(60, 20, 40, 4, 0);
        assert!(!is_rule(&dash, whole(&dash), 0.5));
        // Words: letters with stems (runs as tall as the line) and gaps between them.
        let words = crate::preprocess::skew::tests::page(600, 60, 1, 0.0);
        assert!(!is_rule(&words, whole(&words), 0.5));
        // An underlined word: the rule's columns under the word hold two runs.
        let mut underlined = rule(620, 80, 600, 2, 0);
        for y in 20..36 {
            for x in (40..400).filter(|x| x % 9 < 4) {
                underlined.data[y * 620 + x] = 1.0;
            }
        }
        assert!(!is_rule(&underlined, whole(&underlined), 0.5));
    }
}
