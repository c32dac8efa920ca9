//! Splitting a page into text lines by its horizontal projection profile.

use crate::image::GrayImage;

/// Row bands `[y0, y1)` holding text lines, top to bottom, from an ink map (ink 1, paper 0).
///
/// Rows with ink form runs (a row counts from one ink pixel per 500 columns, and a run takes in
/// the thinner inked rows next to it). A run cut by the top or bottom edge and much shorter than the
/// tallest run is a sliver of a neighbouring line (what a line cropped from a page holds) and is
/// dropped; runs much thinner than a typical line (i-dots, accents, stray descenders) join
/// their nearest neighbour, and runs separated by a tiny gap merge.
pub fn split_lines(ink: &GrayImage, threshold: f32) -> Vec<(usize, usize)> {
    let min_count = (ink.width / 500).max(1);
    let profile: Vec<usize> = (0..ink.height)
        .map(|y| {
            ink.data[y * ink.width..(y + 1) * ink.width]
                .iter()
                .filter(|&&v| v > threshold)
                .count()
        })
        .collect();
    let mut runs: Vec<(usize, usize)> = Vec::new();
    let mut start = None;
    for (y, &c) in profile.iter().enumerate() {
        match (c >= min_count, start) {
            (true, None) => start = Some(y),
            (false, Some(s)) => {
                runs.push((s, y));
                start = None;
            }
            _ => {}
        }
    }
    if let Some(s) = start {
        runs.push((s, ink.height));
    }
    // A wide page needs `min_count` ink pixels for a row to start a line, so that specks do
    // not; the thin rows of descenders and ascenders next to a run belong to it all the same.
    for i in 0..runs.len() {
        let floor = if i == 0 { 0 } else { runs[i - 1].1 };
        let ceiling = runs.get(i + 1).map_or(ink.height, |r| r.0);
        let (mut s, mut e) = runs[i];
        while s > floor && profile[s - 1] > 0 {
            s -= 1;
        }
        while e < ceiling && profile[e] > 0 {
            e += 1;
        }
        runs[i] = (s, e);
    }
    drop_edge_slivers(&mut runs, ink.height);
    if runs.len() < 2 {
        return runs;
    }
    let mut heights: Vec<usize> = runs.iter().map(|r| r.1 - r.0).collect();
    heights.sort_unstable();
    let typical = heights[heights.len() / 2]
        .max(heights[heights.len() - 1] / 2)
        .max(1) as f32;
    while let Some(i) = mergeable(&runs, typical) {
        // Merge run i with its nearer neighbour.
        let gap_up = if i > 0 {
            Some(runs[i].0 - runs[i - 1].1)
        } else {
            None
        };
        let gap_down = runs.get(i + 1).map(|n| n.0 - runs[i].1);
        let j = match (gap_up, gap_down) {
            (Some(u), Some(d)) => {
                if u <= d {
                    i - 1
                } else {
                    i + 1
                }
            }
            (Some(_), None) => i - 1,
            _ => i + 1,
        };
        let (a, b) = (i.min(j), i.max(j));
        runs[a] = (runs[a].0, runs[b].1);
        runs.remove(b);
    }
    runs
}

/// Drops runs that touch the image's top or bottom rows (within 2) and are under 70% of the
/// tallest run's height, when another run remains.
fn drop_edge_slivers(runs: &mut Vec<(usize, usize)>, height: usize) {
    let Some(tallest) = runs.iter().map(|r| r.1 - r.0).max() else {
        return;
    };
    let sliver = |r: &(usize, usize)| {
        (r.0 <= 2 || r.1 + 2 >= height) && ((r.1 - r.0) as f32) < 0.7 * tallest as f32
    };
    if runs.iter().any(|r| !sliver(r)) {
        runs.retain(|r| !sliver(r));
    }
}

/// A run that should not stand alone: too thin to be a line, or too close to a neighbour.
fn mergeable(runs: &[(usize, usize)], typical: f32) -> Option<usize> {
    if runs.len() < 2 {
        return None;
    }
    let thin = |r: &(usize, usize)| ((r.1 - r.0) as f32) < 0.4 * typical;
    if let Some(i) = runs.iter().position(thin) {
        return Some(i);
    }
    (1..runs.len()).find(|&i| ((runs[i].0 - runs[i - 1].1) as f32) < 0.12 * typical)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rows(h: usize, inked: &[(usize, usize)]) -> GrayImage {
        let mut img = GrayImage::filled(10, h, 0.0);
        for &(a, b) in inked {
            for y in a..b {
                for x in 0..10 {
                    img.data[y * 10 + x] = 1.0;
                }
            }
        }
        img
    }

    #[test]
    fn dots_join_their_line_and_lines_stay_apart() {
        // A dot row (i-dot) 3 px above line one, then line two well below.
        let img = rows(100, &[(10, 12), (15, 35), (55, 75)]);
        assert_eq!(split_lines(&img, 0.5), vec![(10, 35), (55, 75)]);
    }

    #[test]
    fn slivers_of_neighbouring_lines_at_the_edges_are_dropped() {
        // Descenders of the line above (rows 0-9), the line (20-45), ascenders of the line
        // below cut by the bottom edge (55-60).
        let img = rows(60, &[(0, 9), (20, 45), (55, 60)]);
        assert_eq!(split_lines(&img, 0.5), vec![(20, 45)]);
        // Two full lines, each touching an edge, both stay.
        let img = rows(60, &[(0, 25), (35, 60)]);
        assert_eq!(split_lines(&img, 0.5), vec![(0, 25), (35, 60)]);
        // A lone short line at the edge stays.
        assert_eq!(split_lines(&rows(60, &[(0, 9)]), 0.5), vec![(0, 9)]);
    }

    #[test]
    fn thin_descender_rows_of_a_wide_page_stay_with_their_line() {
        // 2000 columns: a row needs 4 ink pixels to start a line. Rows 20-40 are full, rows
        // 40-46 hold 3 pixels of descenders each, a 2-pixel speck sits alone at row 80.
        let mut img = GrayImage::filled(2000, 100, 0.0);
        for y in 20..40 {
            img.data[y * 2000..(y + 1) * 2000].fill(1.0);
        }
        for y in 40..46 {
            for x in [100, 700, 1500] {
                img.data[y * 2000 + x] = 1.0;
            }
        }
        img.data[80 * 2000 + 10] = 1.0;
        img.data[80 * 2000 + 11] = 1.0;
        assert_eq!(split_lines(&img, 0.5), vec![(20, 46)]);
    }

    #[test]
    fn single_line_and_empty() {
        assert_eq!(split_lines(&rows(40, &[(5, 30)]), 0.5), vec![(5, 30)]);
        assert!(split_lines(&rows(40, &[]), 0.5).is_empty());
    }
}
