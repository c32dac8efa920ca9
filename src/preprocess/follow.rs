//! Text lines followed along a page: where straight rows cannot part them (a bent page, a hand
//! that climbs, descenders that reach into the next line's body), each line is traced across
//! the page by the peaks of its ink in narrow vertical slices, parted from its neighbours by
//! the emptiest path between them (a seam), and drawn straight: every column shifted so the
//! line's centre runs along one row.

use crate::image::GrayImage;

/// A text line followed across a page (or a column of one): its centre row and the rows it
/// owns, at every column.
#[derive(Debug, Clone, PartialEq)]
pub struct Followed {
    /// Centre row at each column (the traced path, held flat beyond its ends).
    pub centre: Vec<f32>,
    /// First row the line owns at each column (below the seam above it).
    pub top: Vec<usize>,
    /// One past the last row it owns at each column (the seam below it).
    pub bottom: Vec<usize>,
}

/// A followed line drawn straight: its ink with every column shifted by `shift[x]` rows, so
/// that row `y` of `image` is row `y + shift[x]` of the page.
#[derive(Debug, Clone, PartialEq)]
pub struct Straightened {
    /// The line's ink alone (what other lines own is background), its centre on one row.
    pub image: GrayImage,
    /// Page row of the strip's row 0, per column.
    pub shift: Vec<isize>,
}

/// A slice's peak: a line's body crossing it.
#[derive(Debug, Clone, Copy)]
struct Peak {
    x: f32,
    y: f32,
}

/// Lines followed across `ink` (ink above `threshold`) whose lines lie about `pitch` rows
/// apart, top to bottom; `None` when fewer than two are found or more than [`MAX_LINES`]
/// (noise), or when they would lie closer than `min_pitch` (rows of one line's letters, rules
/// under it).
///
/// [`MAX_LINES`]: super::MAX_LINES
pub fn follow(
    ink: &GrayImage,
    threshold: f32,
    pitch: usize,
    min_pitch: usize,
) -> Option<Vec<Followed>> {
    let (w, h) = (ink.width, ink.height);
    if pitch < 4 || w < 2 || h < 2 {
        return None;
    }
    let (pitch, probed) = refine_pitch(ink, threshold, pitch);
    // Bands that a probe at half the pitch found several lines in hold more than two each.
    if pitch < if probed { min_pitch / 2 } else { min_pitch } {
        return None;
    }
    let p = pitch as f32;
    let peaks = slice_peaks(ink, threshold, pitch, 0.35, true);
    let mut tracks = link(&peaks, p);
    tracks.sort_by(|a, b| mean_y(a).total_cmp(&mean_y(b)));
    // More lines than a page is read with is noise, not text: its rows decide.
    if tracks.len() < 2 || tracks.len() > super::MAX_LINES {
        return None;
    }
    // Each line spans its slices (a slice reaches a pitch and a half either side of its
    // centre). Beyond, its path is held flat and it is still there, owning what lies between
    // its neighbours (a line's first word may come before its first peak), except where
    // another line spans those columns within 0.6 pitch of it: in the same row (a note
    // beside a line's end, a line that goes on after a gap), where that line owns the ink.
    let half = p * 1.5;
    let spans: Vec<(usize, usize)> = tracks
        .iter()
        .map(|t| {
            let x0 = (t[0].x - half).max(0.0) as usize;
            let x1 = ((t[t.len() - 1].x + half).ceil() as usize).min(w);
            (x0, x1)
        })
        .collect();
    let centres: Vec<Vec<f32>> = tracks.iter().map(|t| centre_curve(t, w)).collect();
    let spans_at = |i: usize, x: usize| x >= spans[i].0 && x < spans[i].1;
    let present = |a: usize, x: usize| {
        spans_at(a, x)
            || !(0..centres.len()).any(|b| {
                b != a && spans_at(b, x) && (centres[a][x] - centres[b][x]).abs() < 0.6 * p
            })
    };
    let mut lines: Vec<Followed> = centres
        .iter()
        .enumerate()
        .map(|(i, centre)| Followed {
            top: vec![0; w],
            bottom: (0..w).map(|x| if present(i, x) { h } else { 0 }).collect(),
            centre: centre.clone(),
        })
        .collect();
    // At every column, the lines there in order of their centres; each two neighbours are
    // parted by a seam along the columns where they are neighbours.
    let mut pairs: std::collections::BTreeMap<(usize, usize), Vec<usize>> = Default::default();
    for x in 0..w {
        let mut here: Vec<usize> = (0..lines.len())
            .filter(|&i| lines[i].bottom[x] > 0)
            .collect();
        here.sort_by(|&a, &b| lines[a].centre[x].total_cmp(&lines[b].centre[x]));
        for pair in here.windows(2) {
            pairs.entry((pair[0], pair[1])).or_default().push(x);
        }
    }
    for ((a, b), columns) in pairs {
        for run in columns.chunk_by(|x, y| x + 1 == *y) {
            let (x0, x1) = (run[0], run[run.len() - 1] + 1);
            let rows = seam(
                ink,
                threshold,
                x0,
                &lines[a].centre[x0..x1],
                &lines[b].centre[x0..x1],
            );
            for (i, y) in rows.into_iter().enumerate() {
                let x = x0 + i;
                lines[a].bottom[x] = lines[a].bottom[x].min(y + 1);
                lines[b].top[x] = lines[b].top[x].max(y + 1);
            }
        }
    }
    Some(lines)
}

/// How well slices' rows must repeat (their ink-weighted autocorrelation at the pitch) for
/// [`slice_pitch`] to call them lines, where nothing else says the page holds lines.
pub const REPEAT: f32 = 0.2;
/// [`REPEAT`] where the page's skew estimate saw lines apart or repeating and the rows hold
/// one band of ink: a few lines whose hand climbs or drifts, each at a slope of its own, into
/// each other repeat faintly, and noise there has already been ruled out.
pub const FAINT_REPEAT: f32 = 0.07;

/// The distance between text lines in rows, bent or drifting ones too: the row profiles of
/// vertical slices (a tenth of the width, at least 64 columns: a bent line is about straight
/// within one) autocorrelated one by one and summed, weighted by their ink (a repeat does not
/// depend on where in its slice a line lies); the first peak past the sum's first dip below
/// zero that reaches 70 % of its highest (a multiple of the pitch repeats about as well).
/// `None` when nothing repeats (under `min_repeat` of the ink-weighted whole).
pub fn slice_pitch(ink: &GrayImage, threshold: f32, min_repeat: f32) -> Option<usize> {
    let (w, h) = (ink.width, ink.height);
    if h < 16 || w == 0 {
        return None;
    }
    let width = (w / 10).max(64).min(w);
    let max_lag = h / 2;
    let mut sum = vec![0.0f32; max_lag];
    let mut weight = 0.0f32;
    for x0 in (0..w).step_by(width) {
        let x1 = (x0 + width).min(w);
        let profile: Vec<f32> = (0..h)
            .map(|y| {
                ink.data[y * w + x0..y * w + x1]
                    .iter()
                    .filter(|&&v| v > threshold)
                    .count() as f32
            })
            .collect();
        // Only the rows from the slice's first ink to its last: blank margins would make
        // the whole block of lines the strongest repeat.
        let (Some(first), Some(last)) = (
            profile.iter().position(|&v| v > 0.0),
            profile.iter().rposition(|&v| v > 0.0),
        ) else {
            continue;
        };
        let profile = &profile[first..=last];
        let n = profile.len();
        let ink_count: f32 = profile.iter().sum();
        let mean = ink_count / n as f32;
        let centred: Vec<f32> = profile.iter().map(|v| v - mean).collect();
        let energy: f32 = centred.iter().map(|v| v * v).sum();
        if energy <= 0.0 {
            continue;
        }
        for (lag, acc) in sum.iter_mut().enumerate().skip(1).take(n.saturating_sub(1)) {
            let ac: f32 = centred[..n - lag]
                .iter()
                .zip(&centred[lag..])
                .map(|(a, b)| a * b)
                .sum();
            *acc += ink_count * ac / energy;
        }
        weight += ink_count;
    }
    if weight <= 0.0 {
        return None;
    }
    let ac: Vec<f32> = sum.iter().map(|v| v / weight).collect();
    let mut lag = 4;
    while lag < max_lag && ac[lag] > 0.0 {
        lag += 1;
    }
    let highest = ac[lag.min(max_lag)..]
        .iter()
        .copied()
        .fold(f32::MIN, f32::max);
    if highest < min_repeat {
        return None;
    }
    (lag + 1..max_lag.saturating_sub(1))
        .find(|&l| ac[l] >= 0.7 * highest && ac[l] >= ac[l - 1] && ac[l] >= ac[l + 1])
        .filter(|&l| l >= 8)
}

/// `pitch` or, where the lines lie closer (a guess from rows that hold two lines as one, or
/// from lines that only some slices hold: short ones between long ones), the distance
/// between neighbouring peaks within slices (peaks found at least 0.2 of `pitch` apart) that
/// 30 % of them are under; at least three such distances, under 0.8 of `pitch`. Where slices
/// three pitches wide show almost no distances at all (a guess several times too large: bands
/// of several lines each, their slices so wide that a bent or drifting page's lines blur into
/// one), the same at half the pitch, with twice the evidence (then `true`).
pub(crate) fn refine_pitch(ink: &GrayImage, threshold: f32, pitch: usize) -> (usize, bool) {
    match shorter_pitch(ink, threshold, pitch, 3) {
        Ok(short) => (short, false),
        Err(gaps) if gaps < 3 && pitch >= 32 => shorter_pitch(ink, threshold, pitch / 2, 6)
            .map_or((pitch, false), |short| (short, true)),
        Err(_) => (pitch, false),
    }
}

/// [`refine_pitch`]'s shorter distance at a guess of `pitch`, from `least` distances or more;
/// or how many distances there were.
fn shorter_pitch(
    ink: &GrayImage,
    threshold: f32,
    pitch: usize,
    least: usize,
) -> Result<usize, usize> {
    let mut gaps: Vec<f32> = slice_peaks(ink, threshold, pitch, 0.2, true)
        .iter()
        .flat_map(|s| s.windows(2).map(|w| w[1].y - w[0].y).collect::<Vec<_>>())
        .collect();
    if gaps.len() < least {
        return Err(gaps.len());
    }
    gaps.sort_by(f32::total_cmp);
    let short = gaps[gaps.len() * 3 / 10];
    if short < 0.8 * pitch as f32 && short >= 8.0 {
        Ok(short.round() as usize)
    } else {
        Err(gaps.len())
    }
}

/// Mean row of a track's peaks.
fn mean_y(track: &[Peak]) -> f32 {
    track.iter().map(|p| p.y).sum::<f32>() / track.len().max(1) as f32
}

/// The peaks of every slice: slices three pitches wide every one and a half pitches, each
/// slice's row profile (ink per row, long horizontal runs left out: rules) smoothed over a
/// quarter pitch; a peak is a row fuller than every row within `apart` pitches, at least a
/// twelfth of its slice's fullest and a twentieth of the page's, parted from the next by a
/// valley (when `merge`), and more than a few rows thick (not a rule).
fn slice_peaks(
    ink: &GrayImage,
    threshold: f32,
    pitch: usize,
    apart: f32,
    merge: bool,
) -> Vec<Vec<Peak>> {
    let (w, h) = (ink.width, ink.height);
    let step = (pitch * 3 / 2).max(2);
    let chunks = w.div_ceil(step);
    // Ink per row per chunk of `step` columns, without runs longer than 1.5 pitches.
    let mut counts = vec![0u32; h * chunks];
    let long = pitch * 3 / 2;
    for y in 0..h {
        let row = &ink.data[y * w..(y + 1) * w];
        let mut x = 0;
        while x < w {
            if row[x] <= threshold {
                x += 1;
                continue;
            }
            let start = x;
            while x < w && row[x] > threshold {
                x += 1;
            }
            if x - start > long {
                continue;
            }
            for xi in start..x {
                counts[y * chunks + xi / step] += 1;
            }
        }
    }
    let radius = (pitch / 8).max(1);
    let raws: Vec<Vec<f32>> = (0..chunks)
        .map(|k| {
            let raw: Vec<f32> = (0..h)
                .map(|y| {
                    let a = counts[y * chunks + k];
                    let b = if k + 1 < chunks {
                        counts[y * chunks + k + 1]
                    } else {
                        0
                    };
                    (a + b) as f32
                })
                .collect();
            raw
        })
        .collect();
    let profiles: Vec<Vec<f32>> = raws.iter().map(|raw| smooth(raw, radius)).collect();
    // A peak only a few rows thick is a rule (ruled paper, an underline), not a line's body:
    // rows within a quarter pitch holding at least half the fullest row's ink there.
    let thin = (pitch / 8).max(3);
    let thick = |raw: &[f32], y: usize| {
        let rows = y.saturating_sub(pitch / 4)..(y + pitch / 4 + 1).min(h);
        let top = raw[rows.clone()].iter().copied().fold(0.0f32, f32::max);
        raw[rows].iter().filter(|&&v| v >= 0.5 * top).count() > thin
    };
    let page_max = profiles
        .iter()
        .flat_map(|p| p.iter().copied())
        .fold(0.0f32, f32::max);
    if page_max <= 0.0 {
        return Vec::new();
    }
    let reach = (pitch as f32 * apart) as usize;
    profiles
        .iter()
        .enumerate()
        .map(|(k, prof)| {
            let slice_max = prof.iter().copied().fold(0.0f32, f32::max);
            let floor = (slice_max / 12.0).max(page_max / 20.0);
            let x = ((k * step + (step * 2).min(w - k * step) / 2) as f32).min(w as f32 - 1.0);
            let mut peaks: Vec<usize> = (0..h)
                .filter(|&y| {
                    let v = prof[y];
                    v >= floor
                        && v > 0.0
                        && (y.saturating_sub(reach)..(y + reach + 1).min(h))
                            .all(|o| prof[o] < v || (prof[o] == v && o >= y))
                })
                .collect();
            // Two peaks with no valley between them (under 70 % of the lower) are one line's
            // (the top and bottom bars of capitals): the fuller stays.
            let mut i = 1;
            while merge && i < peaks.len() {
                let (a, b) = (peaks[i - 1], peaks[i]);
                let valley = prof[a..=b].iter().copied().fold(f32::MAX, f32::min);
                if valley >= 0.7 * prof[a].min(prof[b]) {
                    peaks.remove(if prof[a] >= prof[b] { i } else { i - 1 });
                } else {
                    i += 1;
                }
            }
            peaks
                .into_iter()
                .filter(|&y| thick(&raws[k], y))
                .map(|y| Peak { x, y: y as f32 })
                .collect()
        })
        .collect()
}

/// `v` averaged over `2 * radius + 1` rows.
fn smooth(v: &[f32], radius: usize) -> Vec<f32> {
    let mut prefix = vec![0.0f32; v.len() + 1];
    for (i, &x) in v.iter().enumerate() {
        prefix[i + 1] = prefix[i] + x;
    }
    (0..v.len())
        .map(|i| {
            let lo = i.saturating_sub(radius);
            let hi = (i + radius + 1).min(v.len());
            (prefix[hi] - prefix[lo]) / (hi - lo) as f32
        })
        .collect()
}

/// Peaks linked slice to slice into lines: each peak joins the line whose path, carried on
/// from its last two peaks, passes nearest (within a third of a pitch), nearest pairs first;
/// a line missed by two slices in a row ends. Lines that end where another begins, in line,
/// are one.
fn link(slices: &[Vec<Peak>], p: f32) -> Vec<Vec<Peak>> {
    let near = p / 3.0;
    let mut done: Vec<Vec<Peak>> = Vec::new();
    let mut open: Vec<(Vec<Peak>, usize)> = Vec::new();
    for (k, peaks) in slices.iter().enumerate() {
        let mut pairs: Vec<(f32, usize, usize)> = Vec::new();
        for (t, (track, _)) in open.iter().enumerate() {
            for (j, peak) in peaks.iter().enumerate() {
                let d = distance(track, *peak);
                if d <= near {
                    pairs.push((d, t, j));
                }
            }
        }
        pairs.sort_by(|a, b| a.0.total_cmp(&b.0));
        let (mut track_taken, mut peak_taken) = (vec![false; open.len()], vec![false; peaks.len()]);
        for (_, t, j) in pairs {
            if !track_taken[t] && !peak_taken[j] {
                track_taken[t] = true;
                peak_taken[j] = true;
                open[t].0.push(peaks[j]);
                open[t].1 = k;
            }
        }
        let (keep, ended): (Vec<_>, Vec<_>) = open.into_iter().partition(|(_, last)| k - last < 2);
        done.extend(ended.into_iter().map(|(t, _)| t));
        open = keep;
        open.extend(
            peaks
                .iter()
                .zip(&peak_taken)
                .filter(|(_, taken)| !**taken)
                .map(|(&peak, _)| (vec![peak], k)),
        );
    }
    done.extend(open.into_iter().map(|(t, _)| t));
    // Join a line that begins where one ended, in line with it (a gap wider than two slices).
    done.sort_by(|a, b| a[0].x.total_cmp(&b[0].x));
    let mut joined: Vec<Vec<Peak>> = Vec::new();
    for track in done {
        let first = track[0];
        let best = joined
            .iter_mut()
            .filter(|j| j.last().is_some_and(|l| l.x < first.x))
            .map(|j| (distance(j, first), j))
            .filter(|(d, _)| *d <= near)
            .min_by(|a, b| a.0.total_cmp(&b.0));
        match best {
            Some((_, j)) => j.extend(track),
            None => joined.push(track),
        }
    }
    joined
}

/// How far `peak` lies from `track`'s path: from where the path, carried on from its last
/// peaks (a slope over up to four, at most one row in ten), or held flat from its last peak,
/// passes its column, whichever is nearer.
fn distance(track: &[Peak], peak: Peak) -> f32 {
    let last = track[track.len() - 1];
    let tail = &track[track.len().saturating_sub(4)..];
    let slope = if tail.len() < 2 {
        0.0
    } else {
        let n = tail.len() as f32;
        let (mx, my) = (
            tail.iter().map(|p| p.x).sum::<f32>() / n,
            tail.iter().map(|p| p.y).sum::<f32>() / n,
        );
        let sxx: f32 = tail.iter().map(|p| (p.x - mx) * (p.x - mx)).sum();
        let sxy: f32 = tail.iter().map(|p| (p.x - mx) * (p.y - my)).sum();
        (sxy / sxx.max(1.0)).clamp(-0.1, 0.1)
    };
    let carried = last.y + slope * (peak.x - last.x);
    (carried - peak.y).abs().min((last.y - peak.y).abs())
}

/// A track's centre row at every column of a `w`-column page: the least-squares parabola
/// through its peaks (a line through two, flat through one), held flat beyond its ends; a
/// smooth path, so that drawing the line straight does not jolt its letters by a row here
/// and there.
fn centre_curve(track: &[Peak], w: usize) -> Vec<f32> {
    let (first, last) = (track[0].x, track[track.len() - 1].x);
    // Centred and scaled x, for a well-conditioned fit.
    let mid = (first + last) / 2.0;
    let scale = ((last - first) / 2.0).max(1.0);
    let u = |x: f32| (x.clamp(first, last) - mid) / scale;
    let degree = (track.len() - 1).min(2);
    let coef = fit(track.iter().map(|p| (u(p.x), p.y)), degree);
    (0..w)
        .map(|x| {
            let t = u(x as f32);
            coef[0] + coef[1] * t + coef[2] * t * t
        })
        .collect()
}

/// Least-squares polynomial of `degree` (0-2) through `points` (at least `degree + 1`
/// distinct x): its coefficients, lowest first (those above `degree` zero). Where the system
/// is singular, the points' mean row.
fn fit(points: impl Iterator<Item = (f32, f32)>, degree: usize) -> [f32; 3] {
    let n = degree + 1;
    // Normal equations in f64.
    let mut a = [[0.0f64; 4]; 3];
    let (mut count, mut sum) = (0.0f64, 0.0f64);
    for (x, y) in points {
        let (x, y) = (x as f64, y as f64);
        count += 1.0;
        sum += y;
        let pow = [1.0, x, x * x];
        for i in 0..n {
            for j in 0..n {
                a[i][j] += pow[i] * pow[j];
            }
            a[i][3] += pow[i] * y;
        }
    }
    let mean = [(sum / count.max(1.0)) as f32, 0.0, 0.0];
    // Gauss-Jordan elimination with partial pivoting.
    for col in 0..n {
        let pivot = (col..n)
            .max_by(|&i, &j| a[i][col].abs().total_cmp(&a[j][col].abs()))
            .unwrap_or(col);
        a.swap(col, pivot);
        if a[col][col].abs() < 1e-9 {
            return mean;
        }
        let pivot_row = a[col];
        for (row, r) in a.iter_mut().enumerate().take(n) {
            if row != col {
                let f = r[col] / pivot_row[col];
                for (v, p) in r.iter_mut().zip(&pivot_row).skip(col) {
                    *v -= f * p;
                }
            }
        }
    }
    let mut out = [0.0f32; 3];
    for (i, c) in out.iter_mut().enumerate().take(n) {
        *c = (a[i][3] / a[i][i]) as f32;
    }
    out
}

/// The path between two lines' centres (`above` over `below`, from column `x0` on) crossing
/// the least ink, one row up or down at most from column to column: its row at every column.
fn seam(ink: &GrayImage, threshold: f32, x0: usize, above: &[f32], below: &[f32]) -> Vec<usize> {
    let (w, h) = (above.len(), ink.height);
    // Rows strictly between the two centres (at least one row) at each column.
    let range = |x: usize| -> (usize, usize) {
        let lo = (above[x].floor() as isize + 1).clamp(0, h as isize - 1) as usize;
        let hi = (below[x].ceil() as isize - 1).clamp(lo as isize, h as isize - 1) as usize;
        (lo, hi)
    };
    // Ink costs 1; a step up or down a little, so the path keeps to a gap once in it; the
    // middle between the centres is preferred a little, so an empty stretch parts evenly.
    let cost = |x: usize, y: usize| -> f32 {
        let ink_cost = if ink.get(x0 + x, y) > threshold {
            1.0
        } else {
            0.0
        };
        let mid = (above[x] + below[x]) / 2.0;
        let gap = (below[x] - above[x]).max(1.0);
        ink_cost + 0.02 * ((y as f32 - mid).abs() / gap)
    };
    let mut ranges = Vec::with_capacity(w);
    let mut from: Vec<Vec<i8>> = Vec::with_capacity(w);
    let (lo0, hi0) = range(0);
    let mut best: Vec<f32> = (lo0..=hi0).map(|y| cost(0, y)).collect();
    ranges.push((lo0, hi0));
    from.push(vec![0; best.len()]);
    for x in 1..w {
        let (plo, phi) = ranges[x - 1];
        let (lo, hi) = range(x);
        let mut next = Vec::with_capacity(hi - lo + 1);
        let mut moves = Vec::with_capacity(hi - lo + 1);
        for y in lo..=hi {
            let mut pick = (f32::INFINITY, 0i8);
            for d in -1i8..=1 {
                let py = y as isize + d as isize;
                if py < plo as isize || py > phi as isize {
                    continue;
                }
                let step = if d == 0 { 0.0 } else { 0.01 };
                let c = best[py as usize - plo] + step;
                if c < pick.0 {
                    pick = (c, d);
                }
            }
            if pick.0.is_infinite() {
                // The ranges do not touch: come from the nearest row of the last column.
                let py = y.clamp(plo, phi);
                pick = (
                    best[py - plo] + 1.0,
                    (py as isize - y as isize).clamp(-1, 1) as i8,
                );
                if (py as isize - y as isize).abs() > 1 {
                    pick.1 = i8::MAX;
                }
            }
            next.push(pick.0 + cost(x, y));
            moves.push(pick.1);
        }
        best = next;
        ranges.push((lo, hi));
        from.push(moves);
    }
    // Walk back from the cheapest end.
    let mut rows = vec![0usize; w];
    let (lo, _) = ranges[w - 1];
    let mut y = lo
        + best
            .iter()
            .enumerate()
            .min_by(|a, b| a.1.total_cmp(b.1))
            .map_or(0, |(i, _)| i);
    for x in (0..w).rev() {
        rows[x] = y;
        if x == 0 {
            break;
        }
        let (lo, _) = ranges[x];
        let (plo, phi) = ranges[x - 1];
        let d = from[x][y - lo];
        y = if d == i8::MAX {
            y.clamp(plo, phi)
        } else {
            (y as isize + d as isize).clamp(plo as isize, phi as isize) as usize
        };
    }
    rows
}

impl Followed {
    /// The line drawn straight: at most `reach` rows above and below its centre, each column
    /// shifted so the centre lies on one row; what lies outside the rows the line owns is
    /// background.
    pub fn straighten(&self, ink: &GrayImage, reach: usize) -> Straightened {
        let w = ink.width;
        let owned = || (0..w).filter(|&x| self.top[x] < self.bottom[x]);
        let up = owned()
            .map(|x| (self.centre[x].round() as isize - self.top[x] as isize).max(0) as usize)
            .max()
            .unwrap_or(0)
            .min(reach);
        let down = owned()
            .map(|x| (self.bottom[x] as isize - self.centre[x].round() as isize).max(0) as usize)
            .max()
            .unwrap_or(0)
            .min(reach);
        let rows = (up + down).max(1);
        let mut image = GrayImage::filled(w, rows, 0.0);
        let shift: Vec<isize> = (0..w)
            .map(|x| self.centre[x].round() as isize - up as isize)
            .collect();
        for (x, &s) in shift.iter().enumerate() {
            for r in 0..rows {
                let y = s + r as isize;
                if y < self.top[x] as isize
                    || y >= self.bottom[x] as isize
                    || y >= ink.height as isize
                {
                    continue;
                }
                image.data[r * w + x] = ink.get(x, y as usize);
            }
        }
        Straightened { image, shift }
    }
}

impl Straightened {
    /// The share of the columns between the strip's first and last inked ones that hold ink:
    /// most of them for a line of text, few for the tops of one line's ascenders or the
    /// ends of its descenders. 0 for a blank strip.
    pub fn cover(&self, threshold: f32) -> f32 {
        let w = self.image.width;
        let inked: Vec<bool> = (0..w)
            .map(|x| (0..self.image.height).any(|y| self.image.data[y * w + x] > threshold))
            .collect();
        let (Some(first), Some(last)) = (
            inked.iter().position(|&c| c),
            inked.iter().rposition(|&c| c),
        ) else {
            return 0.0;
        };
        inked[first..=last].iter().filter(|&&c| c).count() as f32 / (last + 1 - first) as f32
    }

    /// A quad of the strip's pixels in the page's: each corner moved by its column's shift.
    pub fn to_page(&self, q: super::Quad) -> super::Quad {
        q.map(|[x, y]| {
            let col = (x.max(0.0) as usize).min(self.shift.len().saturating_sub(1));
            [x, y + self.shift.get(col).copied().unwrap_or(0) as f32]
        })
    }

    /// The strip, with each run of inked rows apart from its fullest one whose ink is at least
    /// 0.3 of that one's height high and wide, and at least a tenth of it away, made a line of
    /// its own: a short line (a lone word, a "+") too small to be traced between long ones
    /// lands in a neighbour's rows. Smaller runs (the cut-off end of a descender, an i's dot)
    /// stay. Top to bottom.
    pub fn split_apart(self, threshold: f32) -> Vec<Straightened> {
        let (w, h) = (self.image.width, self.image.height);
        let rows: Vec<(usize, usize, usize)> = (0..h)
            .map(|y| {
                let row = &self.image.data[y * w..(y + 1) * w];
                let first = row.iter().position(|&v| v > threshold);
                let last = row.iter().rposition(|&v| v > threshold);
                let count = row.iter().filter(|&&v| v > threshold).count();
                (first.unwrap_or(usize::MAX), last.unwrap_or(0), count)
            })
            .collect();
        // Runs of inked rows: (first row, end row, ink, first column, last column).
        let mut runs: Vec<(usize, usize, usize, usize, usize)> = Vec::new();
        for (y, &(first, last, count)) in rows.iter().enumerate() {
            if count == 0 {
                continue;
            }
            match runs.last_mut() {
                Some(r) if r.1 == y => {
                    r.1 = y + 1;
                    r.2 += count;
                    r.3 = r.3.min(first);
                    r.4 = r.4.max(last);
                }
                _ => runs.push((y, y + 1, count, first, last)),
            }
        }
        let Some(main) = (0..runs.len()).max_by_key(|&i| runs[i].2) else {
            return vec![self];
        };
        let tall = runs[main].1 - runs[main].0;
        let min = (tall * 3 / 10).max(2);
        let away = (tall / 10).max(2);
        let apart: Vec<usize> = (0..runs.len())
            .filter(|&i| {
                let r = runs[i];
                let gap = if i < main {
                    runs[main].0 - r.1
                } else {
                    r.0.saturating_sub(runs[main].1)
                };
                i != main && r.1 - r.0 >= min && r.4 + 1 - r.3 >= min && gap >= away
            })
            .collect();
        if apart.is_empty() {
            return vec![self];
        }
        // Each part: its own run, or (the main part) every row no other part took.
        let keep = |rows: &dyn Fn(usize) -> bool| {
            let mut image = self.image.clone();
            for y in 0..h {
                if !rows(y) {
                    image.data[y * w..(y + 1) * w].fill(0.0);
                }
            }
            Straightened {
                image,
                shift: self.shift.clone(),
            }
        };
        let taken = |y: usize| apart.iter().any(|&i| y >= runs[i].0 && y < runs[i].1);
        let mut parts: Vec<(usize, Straightened)> = apart
            .iter()
            .map(|&i| (runs[i].0, keep(&|y| y >= runs[i].0 && y < runs[i].1)))
            .collect();
        parts.push((runs[main].0, keep(&|y| !taken(y))));
        parts.sort_by_key(|p| p.0);
        parts.into_iter().map(|p| p.1).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cover_is_the_share_of_inked_columns_between_the_ends() {
        let mut image = GrayImage::filled(100, 10, 0.0);
        assert_eq!(
            Straightened {
                image: image.clone(),
                shift: vec![0; 100]
            }
            .cover(0.5),
            0.0
        );
        // Ink in columns 10..20 and 60..70: 20 of the 60 columns from 10 to 69.
        for x in (10..20).chain(60..70) {
            image.data[5 * 100 + x] = 1.0;
        }
        let strip = Straightened {
            image,
            shift: vec![0; 100],
        };
        assert!((strip.cover(0.5) - 20.0 / 60.0).abs() < 1e-6);
    }

    /// A page of `lines` lines of "letters" (vertical strokes a body tall, 9 px apart) along
    /// `y = base + i * pitch + bend * (x - w/2)^2 / (w/2)^2`, descenders every fourth letter
    /// reaching into the next line's body.
    fn bent_page(lines: usize, pitch: usize, bend: f32) -> GrayImage {
        let w = 900;
        let h = pitch * (lines + 2);
        let mut img = GrayImage::filled(w, h, 0.0);
        let half = w as f32 / 2.0;
        for i in 0..lines {
            for (k, x0) in (40..w - 40).step_by(9).enumerate() {
                let dx = (x0 as f32 - half) / half;
                let c = (pitch + i * pitch) as f32 + bend * dx * dx;
                let body = (pitch as f32 * 0.3) as isize;
                let (top, bottom) = if k % 4 == 0 {
                    (
                        c as isize - body / 2,
                        c as isize + body / 2 + pitch as isize * 3 / 4,
                    )
                } else {
                    (c as isize - body / 2, c as isize + body / 2)
                };
                for y in top.max(0)..bottom.min(h as isize) {
                    for x in x0..x0 + 3 {
                        img.data[y as usize * w + x] = 1.0;
                    }
                }
            }
        }
        img
    }

    #[test]
    fn bent_lines_that_touch_are_followed_one_by_one_in_order() {
        let pitch = 40;
        let page = bent_page(4, pitch, 25.0);
        let lines = follow(&page, 0.5, pitch, 0).expect("lines");
        assert_eq!(lines.len(), 4);
        for (i, l) in lines.iter().enumerate() {
            // The centre follows the bend (25 rows between the middle and the ends) within a
            // fifth of a pitch.
            let expect = |x: usize| {
                let dx = (x as f32 - 450.0) / 450.0;
                (pitch + i * pitch) as f32 + 25.0 * dx * dx
            };
            for x in [100, 450, 800] {
                assert!(
                    (l.centre[x] - expect(x)).abs() < 8.0,
                    "line {i} at {x}: {}",
                    l.centre[x]
                );
            }
        }
    }

    #[test]
    fn a_straightened_line_holds_its_own_ink_on_one_row() {
        let pitch = 40;
        let page = bent_page(3, pitch, 25.0);
        let lines = follow(&page, 0.5, pitch, 0).unwrap();
        let s = lines[1].straighten(&page, 2 * pitch);
        // The tops of the letters without a descender above them (the line above's descenders
        // reach in every fourth letter) lie within a few rows of each other: the bend is gone.
        let tops: Vec<usize> = (40..900 - 40)
            .step_by(9)
            .enumerate()
            .filter(|(k, _)| k % 4 == 2)
            .filter_map(|(_, x)| (0..s.image.height).find(|&y| s.image.get(x + 1, y) > 0.5))
            .collect();
        assert!(tops.len() > 20);
        let (min, max) = (tops.iter().min().unwrap(), tops.iter().max().unwrap());
        assert!(max - min <= 3, "tops {min}..{max}");
        // Its ink is its own: 3 of 4 letters a body tall, the fourth with its descender, never
        // the next line's body.
        let ink: usize = s.image.data.iter().filter(|&&v| v > 0.5).count();
        let letters = (40..900 - 40).step_by(9).count();
        let body = 12;
        let expected = letters * 3 * body + letters / 4 * 3 * 30;
        assert!(
            (ink as f32 - expected as f32).abs() < 0.15 * expected as f32,
            "{ink} vs {expected}"
        );
    }

    #[test]
    fn the_pitch_of_bent_lines_is_found_where_rows_smear_it() {
        for (pitch, bend) in [(40, 0.0), (40, 60.0), (56, 90.0)] {
            let page = bent_page(6, pitch, bend);
            let found = slice_pitch(&page, 0.5, REPEAT).expect("a pitch");
            assert!(
                found.abs_diff(pitch) <= 2,
                "pitch {pitch} bend {bend}: {found}"
            );
        }
        assert_eq!(slice_pitch(&bent_page(1, 40, 0.0), 0.5, REPEAT), None);
    }

    #[test]
    fn a_pitch_guessed_several_times_too_large_is_found_at_half_the_guess() {
        // Six bent lines 40 rows apart, guessed 120 apart (bands of three lines each).
        let page = bent_page(6, 40, 60.0);
        let (pitch, probed) = refine_pitch(&page, 0.5, 120);
        assert!(probed && pitch.abs_diff(40) <= 4, "{pitch} {probed}");
        assert_eq!(follow(&page, 0.5, 120, 0).expect("lines").len(), 6);
        // A right guess stands.
        let (pitch, probed) = refine_pitch(&page, 0.5, 40);
        assert!(!probed && pitch.abs_diff(40) <= 2, "{pitch} {probed}");
    }

    #[test]
    fn a_parabola_is_fitted_exactly() {
        let pts = [(-1.0f32, 3.0f32), (0.0, 1.0), (0.5, 1.5), (1.0, 5.0)];
        // Points of y = 1 + x + 3x^2 give back its coefficients.
        let exact: Vec<(f32, f32)> = [-1.0f32, -0.3, 0.2, 1.0]
            .iter()
            .map(|&x| (x, 1.0 + x + 3.0 * x * x))
            .collect();
        let c = fit(exact.into_iter(), 2);
        assert!(
            (c[0] - 1.0).abs() < 1e-4 && (c[1] - 1.0).abs() < 1e-4 && (c[2] - 3.0).abs() < 1e-4,
            "{c:?}"
        );
        let c = fit(pts[..1].iter().copied(), 0);
        assert_eq!(c, [3.0, 0.0, 0.0]);
        let c = fit(pts[1..3].iter().copied(), 1);
        assert!(
            (c[0] - 1.0).abs() < 1e-5 && (c[1] - 1.0).abs() < 1e-5,
            "{c:?}"
        );
    }

    #[test]
    fn noise_is_not_followed() {
        // Dots scattered at random: no run of peaks is a line, and it ends quickly.
        let (w, h) = (600, 600);
        let mut img = GrayImage::filled(w, h, 0.0);
        let mut state = 12345u32;
        for _ in 0..20000 {
            state = state.wrapping_mul(1664525).wrapping_add(1013904223);
            let i = (state >> 8) as usize % (w * h);
            img.data[i] = 1.0;
        }
        let lines = follow(&img, 0.5, 20, 0);
        assert!(lines.is_none_or(|l| l.len() <= crate::preprocess::MAX_LINES));
    }

    #[test]
    fn one_line_is_not_followed() {
        let page = bent_page(1, 40, 10.0);
        assert!(follow(&page, 0.5, 40, 0).is_none());
        assert!(follow(&GrayImage::filled(50, 50, 0.0), 0.5, 40, 0).is_none());
    }
}
