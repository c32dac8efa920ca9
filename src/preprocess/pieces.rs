//! Long lines read in pieces. The model is trained on lines up to about 40 times as wide as
//! high; squeezing a longer line to fit degrades it (7.9 % CER at 280 characters, garbage at
//! 8192x32). A line scaled wider than [`MAX_RATIO`] input heights is cut into pieces of about
//! [`PIECE_RATIO`] heights, each cut at the widest blank gap (a word space) near its end, and
//! the pieces' texts are joined again after decoding.

use super::{BBox, INK_THRESHOLD};
use crate::image::GrayImage;

/// Widest line, in input heights, that is read in one piece.
pub const MAX_RATIO: f32 = 48.0;

/// Widest piece, in input heights, when a line is cut.
const PIECE_RATIO: f32 = 32.0;

/// A blank gap at least this fraction of the line's height is a space between the pieces.
const SPACE_GAP: f32 = 0.12;

/// How a prepared line image attaches to the one before it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Join {
    /// It starts a new text line.
    NewLine,
    /// It continues the previous piece after a word space.
    Space,
    /// It continues the previous piece directly (cut through ink: no gap was found).
    Glued,
}

/// The column ranges `[x0, x1)` of the pieces of the line in box `b`, with how each joins the
/// one before; `scale` is input pixels per source pixel, `height` the input height. A line no
/// wider than [`MAX_RATIO`] heights is one piece.
pub fn pieces(ink: &GrayImage, b: BBox, scale: f32, height: usize) -> Vec<(usize, usize, Join)> {
    let end = b.x + b.width;
    let max_src = ((PIECE_RATIO * height as f32 / scale) as usize).max(2);
    let one_piece = (MAX_RATIO * height as f32 / scale) as usize;
    if b.width <= one_piece {
        return vec![(b.x, end, Join::NewLine)];
    }
    let inked: Vec<bool> = (b.x..end)
        .map(|x| (b.y..b.y + b.height).any(|y| ink.get(x, y) > INK_THRESHOLD))
        .collect();
    let ink_at = |x: usize| inked[x - b.x];
    let space_gap = ((SPACE_GAP * b.height as f32).ceil() as usize).max(1);
    let mut out = Vec::new();
    let (mut start, mut join) = (b.x, Join::NewLine);
    while end - start > max_src {
        let window = start + max_src / 2..start + max_src;
        // The widest run of blank columns that starts in the window.
        let (mut best, mut x) = (None::<(usize, usize)>, window.start);
        while x < window.end {
            if ink_at(x) {
                x += 1;
                continue;
            }
            let run_end = (x..end).find(|&i| ink_at(i)).unwrap_or(end);
            if best.is_none_or(|(s, e)| run_end - x > e - s) {
                best = Some((x, run_end));
            }
            x = run_end;
        }
        let (cut, next, next_join) = match best {
            Some((s, e)) if e < end => (
                s,
                e,
                if e - s >= space_gap {
                    Join::Space
                } else {
                    Join::Glued
                },
            ),
            // Blank to the end: the line ends here.
            Some((s, _)) => {
                out.push((start, s, join));
                return out;
            }
            None => {
                // No gap: cut at the column with the least ink.
                let column = |x: usize| (b.y..b.y + b.height).map(|y| ink.get(x, y)).sum::<f32>();
                let cut = window
                    .clone()
                    .min_by(|&p, &q| column(p).total_cmp(&column(q)))
                    .unwrap_or(window.end);
                (cut, cut, Join::Glued)
            }
        };
        out.push((start, cut, join));
        (start, join) = (next, next_join);
    }
    out.push((start, end, join));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A 1000x10 line of 10x10 ink blocks ("words") with the given gaps between them.
    fn words(gaps: &[usize]) -> (GrayImage, BBox) {
        let width: usize = 10 * (gaps.len() + 1) + gaps.iter().sum::<usize>();
        let mut img = GrayImage::filled(width, 10, 0.0);
        let mut x = 0;
        for i in 0..=gaps.len() {
            for y in 0..10 {
                for xx in x..x + 10 {
                    img.data[y * width + xx] = 1.0;
                }
            }
            x += 10 + gaps.get(i).copied().unwrap_or(0);
        }
        let b = BBox {
            x: 0,
            y: 0,
            width,
            height: 10,
        };
        (img, b)
    }

    #[test]
    fn a_short_line_is_one_piece() {
        let (img, b) = words(&[5; 20]);
        // 310 px at scale 1 and height 10: 31 heights, under 48.
        assert_eq!(pieces(&img, b, 1.0, 10), vec![(0, 310, Join::NewLine)]);
    }

    #[test]
    fn a_long_line_is_cut_at_the_widest_gaps_and_every_column_is_kept() {
        // 60 words with 1-px letter gaps, and a 4-px word gap after every third word.
        let gaps: Vec<usize> = (0..59).map(|i| if i % 3 == 2 { 4 } else { 1 }).collect();
        let (img, b) = words(&gaps);
        let p = pieces(&img, b, 1.0, 10);
        assert!(p.len() >= 3, "{p:?}");
        assert_eq!(p[0].0, 0);
        assert_eq!(p.last().unwrap().1, b.width);
        assert_eq!(p[0].2, Join::NewLine);
        for w in p.windows(2) {
            let (a, c) = (w[0], w[1]);
            // Each cut spans exactly one 4-px word gap: a space, no ink dropped.
            assert_eq!(c.0 - a.1, 4, "{p:?}");
            assert_eq!(c.2, Join::Space);
            assert!(img.get(a.1 - 1, 5) == 1.0 && img.get(a.1, 5) == 0.0 && img.get(c.0, 5) == 1.0);
        }
        for &(x0, x1, _) in &p {
            assert!(x1 - x0 <= 320, "piece {x0}..{x1} wider than 32 heights");
        }
    }

    #[test]
    fn a_line_without_gaps_is_cut_through_and_glued() {
        let (img, b) = words(&[0; 99]);
        let p = pieces(&img, b, 1.0, 10);
        assert!(p.len() >= 4, "{p:?}");
        assert!(p[1..].iter().all(|&(_, _, j)| j == Join::Glued));
        for w in p.windows(2) {
            assert_eq!(w[0].1, w[1].0, "glued pieces must be contiguous");
        }
    }
}
