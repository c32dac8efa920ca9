//! Columns of a page: blocks of text side by side (a second column, a note in the margin),
//! told apart by the empty vertical strips between them, so that each is split into lines on
//! its own and read in turn, the main column first, instead of a line of one column being
//! joined to the line beside it.

use crate::image::GrayImage;

/// A part beyond a gap holding less than this share of the page's ink is no column (a stray
/// mark, a page number): it stays with its neighbour.
const MIN_SHARE: f32 = 0.01;

/// The columns of `ink` (ink above `threshold`) as ranges of x, the one holding most ink first
/// and the others left to right; the whole width when there is one. Columns are apart where a
/// run of at least `min_gap` image columns holds no ink at all, with ink on both sides; each
/// range reaches half-way into the gaps beside it.
pub fn columns(ink: &GrayImage, threshold: f32, min_gap: usize) -> Vec<(usize, usize)> {
    let mut counts = vec![0u32; ink.width];
    for row in ink.data.chunks_exact(ink.width.max(1)) {
        for (n, &v) in counts.iter_mut().zip(row) {
            *n += u32::from(v > threshold);
        }
    }
    let total: u64 = counts.iter().map(|&n| u64::from(n)).sum();
    let whole = vec![(0, ink.width)];
    let (Some(first), Some(last)) = (
        counts.iter().position(|&n| n > 0),
        counts.iter().rposition(|&n| n > 0),
    ) else {
        return whole;
    };
    // Cut at the middle of every wide enough empty run between the first and last ink.
    let mut cuts = Vec::new();
    let mut x = first;
    while x <= last {
        if counts[x] > 0 {
            x += 1;
            continue;
        }
        let start = x;
        while counts[x] == 0 {
            x += 1;
        }
        if x - start >= min_gap.max(1) {
            cuts.push((start + x) / 2);
        }
    }
    let bounds: Vec<usize> = std::iter::once(0)
        .chain(cuts)
        .chain(std::iter::once(ink.width))
        .collect();
    let share = |a: usize, b: usize| {
        counts[a..b].iter().map(|&n| u64::from(n)).sum::<u64>() as f32 / total.max(1) as f32
    };
    // Parts with too little ink join the part to their left (the first one, the next).
    let mut parts: Vec<(usize, usize)> = Vec::new();
    for w in bounds.windows(2) {
        let (a, b) = (w[0], w[1]);
        match parts.last_mut() {
            Some(prev) if share(a, b) < MIN_SHARE || share(prev.0, prev.1) < MIN_SHARE => {
                prev.1 = b;
            }
            _ => parts.push((a, b)),
        }
    }
    if parts.len() < 2 {
        return whole;
    }
    let main = (0..parts.len())
        .max_by(|&i, &j| share(parts[i].0, parts[i].1).total_cmp(&share(parts[j].0, parts[j].1)))
        .unwrap_or(0);
    let mut ordered = vec![parts[main]];
    ordered.extend(
        parts
            .iter()
            .enumerate()
            .filter(|&(i, _)| i != main)
            .map(|(_, &p)| p),
    );
    ordered
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A page of `w x h` with ink in the x ranges `blocks` (every other row, so it is text-like).
    fn blocks(w: usize, h: usize, blocks: &[(usize, usize)]) -> GrayImage {
        let mut img = GrayImage::filled(w, h, 0.0);
        for y in (10..h - 10).step_by(2) {
            for &(a, b) in blocks {
                for x in a..b {
                    img.data[y * w + x] = 1.0;
                }
            }
        }
        img
    }

    #[test]
    fn two_columns_are_found_and_the_main_one_comes_first() {
        // A margin note on the left, the main column on the right.
        let img = blocks(500, 200, &[(10, 90), (150, 480)]);
        assert_eq!(columns(&img, 0.5, 40), vec![(120, 500), (0, 120)]);
        // Three columns, the middle one the largest.
        let img = blocks(700, 200, &[(10, 150), (220, 500), (560, 690)]);
        assert_eq!(
            columns(&img, 0.5, 40),
            vec![(185, 530), (0, 185), (530, 700)]
        );
    }

    #[test]
    fn narrow_gaps_specks_and_blank_pages_make_one_column() {
        let whole = vec![(0, 500)];
        // A gap narrower than asked for (a space between words).
        let img = blocks(500, 200, &[(10, 200), (230, 480)]);
        assert_eq!(columns(&img, 0.5, 40), whole);
        // A speck beyond a wide gap is no column.
        let mut img = blocks(500, 200, &[(10, 300)]);
        img.data[100 * 500 + 450] = 1.0;
        assert_eq!(columns(&img, 0.5, 40), whole);
        assert_eq!(columns(&GrayImage::filled(500, 200, 0.0), 0.5, 40), whole);
    }
}
