//! Uneven light on a page: the paper's brightness estimated block by block (a high percentile
//! of each block, spread over blocks that are all ink, smoothed) and divided out, so that a
//! shadow or a light gradient across a photographed page is not read as ink.

use crate::image::GrayImage;

/// Blocks are this many pixels square at least (larger than a letter's strokes).
const MIN_BLOCK: usize = 16;

/// The image with its background made even: dark ink on paper keeps paper at 1, light ink on
/// a dark board keeps the board at 0. `dark_background` says which.
pub fn flatten(img: &GrayImage, dark_background: bool) -> GrayImage {
    let block = (img.width.max(img.height) / 48).max(MIN_BLOCK);
    let (bw, bh) = (img.width.div_ceil(block), img.height.div_ceil(block));
    // Work on "paper brightness": luminance for light paper, its inverse for a dark board.
    let paper = |l: f32| if dark_background { 1.0 - l } else { l };
    let mut grid = vec![0f32; bw * bh];
    let mut values = Vec::with_capacity(block * block);
    for by in 0..bh {
        for bx in 0..bw {
            values.clear();
            for y in (by * block..((by + 1) * block).min(img.height)).step_by(2) {
                for x in (bx * block..((bx + 1) * block).min(img.width)).step_by(2) {
                    values.push(paper(img.get(x, y)));
                }
            }
            // The paper is the bright majority of a block: its 80th percentile.
            let k = (values.len() * 4 / 5).min(values.len().saturating_sub(1));
            grid[by * bw + bx] = *values.select_nth_unstable_by(k, f32::total_cmp).1;
        }
    }
    // A block that is mostly ink reads darker than the paper around it: take the brightest of
    // each 3x3 neighbourhood, then smooth it.
    let spread = |g: &[f32], pick: fn(&[f32]) -> f32| -> Vec<f32> {
        (0..bw * bh)
            .map(|i| {
                let (x, y) = ((i % bw) as isize, (i / bw) as isize);
                let mut n = Vec::with_capacity(9);
                for dy in -1..=1 {
                    for dx in -1..=1 {
                        let (xx, yy) = (x + dx, y + dy);
                        if xx >= 0 && yy >= 0 && (xx as usize) < bw && (yy as usize) < bh {
                            n.push(g[yy as usize * bw + xx as usize]);
                        }
                    }
                }
                pick(&n)
            })
            .collect()
    };
    let grid = spread(&grid, |n| n.iter().copied().fold(0.0, f32::max));
    let grid = spread(&grid, |n| n.iter().sum::<f32>() / n.len() as f32);
    let at = |x: usize, y: usize| grid[y.min(bh - 1) * bw + x.min(bw - 1)];
    let mut out = GrayImage::filled(img.width, img.height, 0.0);
    // Block centres at (i + 0.5) * block; each column's cell and weight worked out once.
    let columns: Vec<(usize, f32)> = (0..img.width)
        .map(|x| {
            let fx = (x as f32 / block as f32 - 0.5).max(0.0);
            (fx as usize, fx.fract())
        })
        .collect();
    // The paper's brightness along the block rows above and below a row, interpolated across
    // the columns: the same for every row between two block centres.
    let (mut top, mut bottom) = (vec![0f32; img.width], vec![0f32; img.width]);
    let mut cached = None;
    for y in 0..img.height {
        let fy = (y as f32 / block as f32 - 0.5).max(0.0);
        let (y0, ty) = (fy as usize, fy.fract());
        if cached != Some(y0) {
            for (x, &(x0, tx)) in columns.iter().enumerate() {
                top[x] = at(x0, y0) * (1.0 - tx) + at(x0 + 1, y0) * tx;
                bottom[x] = at(x0, y0 + 1) * (1.0 - tx) + at(x0 + 1, y0 + 1) * tx;
            }
            cached = Some(y0);
        }
        let row = &img.data[y * img.width..(y + 1) * img.width];
        let out_row = &mut out.data[y * img.width..(y + 1) * img.width];
        for (((o, &l), &t), &b) in out_row.iter_mut().zip(row).zip(&top).zip(&bottom) {
            let bg = (t * (1.0 - ty) + b * ty).max(0.05);
            let p = (paper(l) / bg).min(1.0);
            *o = if dark_background { 1.0 - p } else { p };
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_shadow_is_lifted_and_ink_stays_ink() {
        // Paper at 0.9 with its right half in shadow (0.45), ink strokes at a third of the
        // paper's brightness in both halves.
        let (w, h) = (400, 200);
        let mut img = GrayImage::filled(w, h, 0.0);
        for y in 0..h {
            for x in 0..w {
                let paper = if x < 200 { 0.9 } else { 0.45 };
                let ink = (y % 40 == 20 || y % 40 == 21) && x % 50 < 30;
                img.data[y * w + x] = if ink { paper / 3.0 } else { paper };
            }
        }
        let flat = flatten(&img, false);
        // Paper reads as paper on both sides, well away from the shadow's edge.
        assert!(flat.get(50, 5) > 0.95 && flat.get(350, 5) > 0.95);
        // Ink is as dark against its paper on both sides.
        assert!((flat.get(10, 20) - flat.get(360, 20)).abs() < 0.05);
        assert!(flat.get(10, 20) < 0.45);
    }

    #[test]
    fn a_dark_board_keeps_its_polarity() {
        let (w, h) = (200, 100);
        let mut img = GrayImage::filled(w, h, 0.1);
        for x in 20..180 {
            img.data[50 * w + x] = 0.9;
        }
        let flat = flatten(&img, true);
        assert!(flat.get(5, 5) < 0.05);
        assert!(flat.get(100, 50) > 0.8);
    }
}
