//! Splitting a page into text lines by its horizontal projection profile, and cutting apart
//! lines that touch (ascenders and descenders leave no empty row between them) at the line
//! pitch the profile repeats with.

use super::rule::is_rule_band;
use crate::image::GrayImage;

/// Row bands `[y0, y1)` holding text lines, top to bottom, from an ink map (ink 1, paper 0).
///
/// Rows with ink form runs (a row counts from one ink pixel per 500 columns, and a run takes in
/// the thinner inked rows next to it). A run cut by the top or bottom edge and much shorter than the
/// tallest run is a sliver of a neighbouring line (what a line cropped from a page holds) and is
/// dropped; runs much thinner than a typical line (i-dots, accents, stray descenders) join
/// their nearest neighbour, and runs separated by a tiny gap merge.
/// A run whose ink is only a rule (a ruled line, an underline apart from its words) is dropped.
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
    // A rule alone (a ruled line, an underline apart from its words) is no line, and would
    // join a neighbour below as a thin run.
    runs.retain(|&(s, e)| !is_rule_band(ink, s, e, threshold));
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

/// Rows with ink above `threshold`, per row.
fn row_profile(ink: &GrayImage, threshold: f32) -> Vec<f32> {
    (0..ink.height)
        .map(|y| {
            ink.data[y * ink.width..(y + 1) * ink.width]
                .iter()
                .filter(|&&v| v > threshold)
                .count() as f32
        })
        .collect()
}

/// The distance between text lines in rows: the strongest repeat of the row profile (its
/// autocorrelation's highest peak past the first dip below zero); `None` when the profile
/// repeats nowhere (one line, or none). The peak must be at least 0.2 and stand out from what
/// a profile of `n` rows of noise reaches by chance (its autocorrelation spreads about
/// 1/sqrt(n)): three times that, so a small crop of noise is no page of lines.
pub fn line_pitch(ink: &GrayImage, threshold: f32) -> Option<usize> {
    profile_pitch(&row_profile(ink, threshold))
}

/// [`line_pitch`] of a row profile.
pub fn profile_pitch(profile: &[f32]) -> Option<usize> {
    let n = profile.len();
    if n < 16 {
        return None;
    }
    let mean = profile.iter().sum::<f32>() / n as f32;
    let centred: Vec<f32> = profile.iter().map(|v| v - mean).collect();
    let energy: f32 = centred.iter().map(|v| v * v).sum();
    if energy <= 0.0 {
        return None;
    }
    let ac = |lag: usize| -> f32 {
        centred[..n - lag]
            .iter()
            .zip(&centred[lag..])
            .map(|(a, b)| a * b)
            .sum::<f32>()
            / energy
    };
    let max_lag = n / 2;
    let mut lag = 4;
    while lag < max_lag && ac(lag) > 0.0 {
        lag += 1;
    }
    let (best, value) = (lag..max_lag)
        .map(|l| (l, ac(l)))
        .fold((0, f32::MIN), |b, x| if x.1 > b.1 { x } else { b });
    let chance = 3.0 / (n as f32).sqrt();
    (value >= chance.max(0.2) && best >= 8).then_some(best)
}

/// `bands` with every band over 1.6 pitches tall cut into as many lines as it holds, each cut
/// at the emptiest row (profile smoothed over a fifth of a pitch) within a third of a pitch of
/// where an even split would put it; each part trimmed to its inked rows.
pub fn cut_touching(
    ink: &GrayImage,
    bands: &[(usize, usize)],
    threshold: f32,
    pitch: usize,
) -> Vec<(usize, usize)> {
    let profile = row_profile(ink, threshold);
    let r = (pitch / 10).max(1);
    let smooth = |y: usize| -> f32 {
        let (a, b) = (y.saturating_sub(r), (y + r + 1).min(profile.len()));
        profile[a..b].iter().sum::<f32>() / (b - a) as f32
    };
    let mut out = Vec::with_capacity(bands.len());
    for &(y0, y1) in bands {
        let height = y1 - y0;
        if (height as f32) <= 1.6 * pitch as f32 {
            out.push((y0, y1));
            continue;
        }
        let n = ((height as f32 / pitch as f32).round() as usize).max(2);
        let mut start = y0;
        for k in 1..n {
            let expect = y0 + k * height / n;
            let reach = pitch / 3;
            let (a, b) = (
                expect.saturating_sub(reach).max(start + 1),
                (expect + reach).min(y1 - 1),
            );
            let Some(cut) = (a..b.max(a + 1)).min_by(|&u, &v| smooth(u).total_cmp(&smooth(v)))
            else {
                continue;
            };
            out.push((start, cut));
            start = cut;
        }
        out.push((start, y1));
    }
    trim_to_ink(&profile, out)
}

/// `bands` with every band that holds the bodies of two or more lines cut between them, found
/// by [`body_cuts`] on the band's row profile over the whole width, or where that finds none,
/// over each quarter of it (a short line under a long one fills only part of the width; a
/// bent line lies at other rows in each quarter, so the whole width's cuts come first); cuts
/// that several quarters find within a sixth of the band of each other are one, at their
/// median. Works without a line pitch: a page of two or three lines has none.
pub fn cut_between_bodies(
    ink: &GrayImage,
    bands: &[(usize, usize)],
    threshold: f32,
) -> Vec<(usize, usize)> {
    const STRIPS: usize = 4;
    let profile = row_profile(ink, threshold);
    let strip_w = ink.width.div_ceil(STRIPS).max(1);
    let mut out = Vec::with_capacity(bands.len());
    for &(y0, y1) in bands {
        let mut cuts = body_cuts(&profile[y0..y1], 1.0);
        for s in 0..STRIPS {
            if !cuts.is_empty() {
                break;
            }
            // A narrow image has fewer strips than four.
            let (x0, x1) = (s * strip_w, ((s + 1) * strip_w).min(ink.width));
            if x0 >= x1 {
                break;
            }
            let strip: Vec<f32> = (y0..y1)
                .map(|y| {
                    ink.data[y * ink.width + x0..y * ink.width + x1]
                        .iter()
                        .filter(|&&v| v > threshold)
                        .count() as f32
                })
                .collect();
            // A strip's runs count where text fills a tenth of it at least.
            cuts.extend(body_cuts(&strip, (x1 - x0) as f32 / 10.0));
        }
        cuts.sort_unstable();
        let near = ((y1 - y0) / 6).max(1);
        let mut start = y0;
        let mut k = 0;
        while k < cuts.len() {
            let mut e = k;
            while e + 1 < cuts.len() && cuts[e + 1] - cuts[k] <= near {
                e += 1;
            }
            let cut = y0 + cuts[(k + e) / 2];
            if cut > start {
                out.push((start, cut));
                start = cut;
            }
            k = e + 1;
        }
        out.push((start, y1));
    }
    trim_to_ink(&profile, out)
}

/// `parts` trimmed to their inked rows of `profile`; parts with none are dropped.
fn trim_to_ink(profile: &[f32], parts: Vec<(usize, usize)>) -> Vec<(usize, usize)> {
    parts
        .into_iter()
        .filter_map(|(a, b)| {
            let first = (a..b).find(|&y| profile[y] > 0.0)?;
            let last = (a..b).rev().find(|&y| profile[y] > 0.0)?;
            Some((first, last + 1))
        })
        .collect()
}

/// Rows (offsets into `profile`, one band's ink per row) where one line's body ends and the
/// next one's begins: the profile, smoothed over a twentieth of its length, has runs of rows
/// over `PEAK` of its fullest row, each at least a twelfth of the band tall (a rule or an
/// underline is thinner); between two of them it falls under `VALLEY` of the lower one's peak
/// (where one line's descenders meet the next one's ascenders), and the cut is the emptiest
/// row there. None when the fullest row holds less than `min_peak`.
fn body_cuts(profile: &[f32], min_peak: f32) -> Vec<usize> {
    const PEAK: f32 = 0.5;
    const VALLEY: f32 = 0.35;
    let height = profile.len();
    let r = (height / 40).max(1);
    let smooth: Vec<f32> = (0..height)
        .map(|y| {
            let (a, b) = (y.saturating_sub(r), (y + r + 1).min(height));
            profile[a..b].iter().sum::<f32>() / (b - a) as f32
        })
        .collect();
    let max = smooth.iter().copied().fold(0.0f32, f32::max);
    if max <= 0.0 || max < min_peak {
        return Vec::new();
    }
    // Runs of full rows: (start, end, their peak).
    let mut runs: Vec<(usize, usize, f32)> = Vec::new();
    let mut i = 0;
    while i < height {
        if smooth[i] >= PEAK * max {
            let s = i;
            let mut peak = 0.0f32;
            while i < height && smooth[i] >= PEAK * max {
                peak = peak.max(smooth[i]);
                i += 1;
            }
            if (i - s) * 12 >= height {
                runs.push((s, i, peak));
            }
        } else {
            i += 1;
        }
    }
    runs.windows(2)
        .filter_map(|pair| {
            let cut = (pair[0].1..pair[1].0).min_by(|&u, &v| smooth[u].total_cmp(&smooth[v]))?;
            (smooth[cut] < VALLEY * pair[0].2.min(pair[1].2)).then_some(cut)
        })
        .collect()
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
        // 2000 columns: a row needs 4 ink pixels to start a line. Rows 20-40 hold letters (7
        // columns in 10; a solid bar would be a rule), rows 40-46 hold 3 pixels of descenders
        // each, a 2-pixel speck sits alone at row 80.
        let mut img = GrayImage::filled(2000, 100, 0.0);
        for y in 20..40 {
            for x in (0..2000).filter(|x| x % 10 < 7) {
                img.data[y * 2000 + x] = 1.0;
            }
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
    fn touching_lines_are_cut_at_the_pitch_they_repeat_with() {
        // Five lines 40 rows apart: bodies of 14 rows, ascenders (a third of the columns) 16
        // rows higher and descenders (a quarter) 12 rows lower, into the next line: no empty
        // row from top to bottom.
        let mut img = GrayImage::filled(60, 230, 0.0);
        for k in 0..5 {
            let base = 30 + 40 * k;
            for y in base - 14..base {
                img.data[y * 60..(y + 1) * 60].fill(1.0);
            }
            for y in base - 30..base - 14 {
                for x in (0..60).step_by(3) {
                    img.data[y * 60 + x] = 1.0;
                }
            }
            for y in base..(base + 12).min(230) {
                for x in (1..60).step_by(4) {
                    img.data[y * 60 + x] = 1.0;
                }
            }
        }
        let bands = split_lines(&img, 0.5);
        assert_eq!(bands.len(), 1, "touching: {bands:?}");
        let pitch = line_pitch(&img, 0.5).unwrap();
        assert!((38..=42).contains(&pitch), "{pitch}");
        let cut = cut_touching(&img, &bands, 0.5, pitch);
        assert_eq!(cut.len(), 5, "{cut:?}");
        for (k, &(a, b)) in cut.iter().enumerate() {
            // Every part holds its line's body (rows base-14..base).
            let base = 30 + 40 * k;
            assert!(a <= base - 14 && b >= base, "line {k}: {a}..{b}");
        }
        // One line repeats nowhere.
        assert_eq!(line_pitch(&rows(60, &[(10, 40)]), 0.5), None);
    }

    /// A line of `width` columns with its baseline at `base`: a body of 14 full rows,
    /// ascenders (every fifth column) 16 rows above it, descenders (every sixth) `down` rows
    /// below.
    fn draw_line(img: &mut GrayImage, base: usize, down: usize) {
        let w = img.width;
        for y in base - 14..base {
            img.data[y * w..(y + 1) * w].fill(1.0);
        }
        for y in base - 30..base - 14 {
            for x in (0..w).step_by(5) {
                img.data[y * w + x] = 1.0;
            }
        }
        for y in base..(base + down).min(img.height) {
            for x in (2..w).step_by(6) {
                img.data[y * w + x] = 1.0;
            }
        }
    }

    #[test]
    fn two_touching_lines_are_cut_between_their_bodies_without_a_pitch() {
        // Two lines whose descenders reach the next line's ascenders: one band, no pitch.
        let mut img = GrayImage::filled(60, 90, 0.0);
        draw_line(&mut img, 35, 20);
        draw_line(&mut img, 75, 12);
        let bands = split_lines(&img, 0.5);
        assert_eq!(bands.len(), 1, "{bands:?}");
        let cut = cut_between_bodies(&img, &bands, 0.5);
        assert_eq!(cut.len(), 2, "{cut:?}");
        assert!(cut[0].0 <= 21 && cut[0].1 >= 35 && cut[0].1 < 61, "{cut:?}");
        assert!(cut[1].0 <= 61 && cut[1].1 >= 75, "{cut:?}");
        // A short last line (a quarter of the width) under a long one, touching it.
        let mut short = GrayImage::filled(80, 90, 0.0);
        draw_line(&mut short, 35, 20);
        let mut tail = GrayImage::filled(20, 90, 0.0);
        draw_line(&mut tail, 75, 12);
        for y in 0..90 {
            for x in 0..20 {
                let v = tail.data[y * 20 + x];
                short.data[y * 80 + x] = short.data[y * 80 + x].max(v);
            }
        }
        let bands = split_lines(&short, 0.5);
        assert_eq!(bands.len(), 1, "{bands:?}");
        let cut = cut_between_bodies(&short, &bands, 0.5);
        assert_eq!(cut.len(), 2, "{cut:?}");
        assert!(cut[0].1 >= 35 && cut[1].0 <= 61, "{cut:?}");
        // Images narrower than four columns have fewer strips (no empty one to slice).
        for w in 1..=9 {
            let mut narrow = GrayImage::filled(w, 90, 0.0);
            draw_line(&mut narrow, 35, 20);
            draw_line(&mut narrow, 75, 12);
            assert!(
                !cut_between_bodies(&narrow, &[(0, 90)], 0.5).is_empty(),
                "{w}"
            );
        }
        // One line, with an underline two rows thick below its descenders: one line.
        let mut one = GrayImage::filled(60, 70, 0.0);
        draw_line(&mut one, 40, 12);
        one.data[54 * 60..56 * 60].fill(1.0);
        let band = [(0, 70)];
        assert_eq!(cut_between_bodies(&one, &band, 0.5).len(), 1);
    }

    #[test]
    fn single_line_and_empty() {
        assert_eq!(split_lines(&rows(40, &[(5, 30)]), 0.5), vec![(5, 30)]);
        assert!(split_lines(&rows(40, &[]), 0.5).is_empty());
    }
}
