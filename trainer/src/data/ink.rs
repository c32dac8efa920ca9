//! A pen trajectory (strokes of points, y down) and the geometry done on it: bounds and affine
//! maps, the normalization of a real writer's sample (baseline levelled by projection
//! profiles, slant made upright from the near-vertical strokes, the body of the writing one
//! unit high with its baseline at y = 0), word clusters, the single-line test, and the
//! augmentations of training (slant, rotation, stretch, per-word scale and baseline jitter,
//! resampling, point noise, elastic warp).

use super::render::gauss;
use rand::Rng;

/// A point `[x, y]`, y down.
pub type Point = [f32; 2];

/// Pen-down strokes in writing order.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Ink {
    /// Each stroke's points in order.
    pub strokes: Vec<Vec<Point>>,
}

/// An axis-aligned box `[x0, x1] x [y0, y1]`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Bounds {
    /// Left.
    pub x0: f32,
    /// Top.
    pub y0: f32,
    /// Right.
    pub x1: f32,
    /// Bottom.
    pub y1: f32,
}

impl Bounds {
    /// Width.
    pub fn width(&self) -> f32 {
        self.x1 - self.x0
    }
    /// Height.
    pub fn height(&self) -> f32 {
        self.y1 - self.y0
    }
}

/// What [`Ink::normalize`] found and undid.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Normalization {
    /// Rotation applied to level the baseline (radians).
    pub rotation: f32,
    /// Slant removed (horizontal shift per unit of height; positive leaned right).
    pub slant: f32,
    /// Body height (x-height band) in the input's units.
    pub body: f32,
}

impl Ink {
    /// Strokes from flat integer lists `x0, y0, x1, y1, ...` (a trailing odd value is dropped).
    pub fn from_flat(strokes: &[Vec<i64>]) -> Self {
        Self {
            strokes: strokes
                .iter()
                .map(|s| {
                    s.chunks_exact(2)
                        .map(|p| [p[0] as f32, p[1] as f32])
                        .collect::<Vec<_>>()
                })
                .filter(|s| !s.is_empty())
                .collect(),
        }
    }

    /// Every point, stroke after stroke.
    pub fn points(&self) -> impl Iterator<Item = Point> + '_ {
        self.strokes.iter().flatten().copied()
    }

    /// Number of points.
    pub fn len(&self) -> usize {
        self.strokes.iter().map(Vec::len).sum()
    }

    /// Whether there is no point.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The box around every point; `None` when empty.
    pub fn bounds(&self) -> Option<Bounds> {
        let mut it = self.points();
        let [x, y] = it.next()?;
        let mut b = Bounds {
            x0: x,
            y0: y,
            x1: x,
            y1: y,
        };
        for [x, y] in it {
            b.x0 = b.x0.min(x);
            b.x1 = b.x1.max(x);
            b.y0 = b.y0.min(y);
            b.y1 = b.y1.max(y);
        }
        Some(b)
    }

    /// Every point mapped by `f`.
    pub fn map(&self, f: impl Fn(Point) -> Point) -> Ink {
        Ink {
            strokes: self
                .strokes
                .iter()
                .map(|s| s.iter().map(|&p| f(p)).collect())
                .collect(),
        }
    }

    /// Rotated by `angle` radians about the origin (positive turns clockwise on screen).
    pub fn rotate(&self, angle: f32) -> Ink {
        let (s, c) = angle.sin_cos();
        self.map(|[x, y]| [x * c - y * s, x * s + y * c])
    }

    /// Sheared so that a point `h` above the baseline (y = -h) moves `slant * h` to the right.
    pub fn shear(&self, slant: f32) -> Ink {
        self.map(|[x, y]| [x - slant * y, y])
    }

    /// Scaled by `sx`, `sy`, then moved by `dx`, `dy`.
    pub fn affine(&self, sx: f32, sy: f32, dx: f32, dy: f32) -> Ink {
        self.map(|[x, y]| [x * sx + dx, y * sy + dy])
    }

    /// The strokes resampled to points `step` apart along each stroke (first and last point
    /// kept; a stroke shorter than `step` keeps its ends).
    pub fn resampled(&self, step: f32) -> Ink {
        let step = step.max(1e-6);
        let strokes = self
            .strokes
            .iter()
            .map(|s| {
                let mut out = vec![s[0]];
                let mut carry = 0.0f32;
                for w in s.windows(2) {
                    let (a, b) = (w[0], w[1]);
                    let len = ((b[0] - a[0]).powi(2) + (b[1] - a[1]).powi(2)).sqrt();
                    let mut t = step - carry;
                    while t <= len {
                        let f = t / len;
                        out.push([a[0] + f * (b[0] - a[0]), a[1] + f * (b[1] - a[1])]);
                        t += step;
                    }
                    carry = len - (t - step);
                }
                if s.len() > 1 && out.last() != s.last() {
                    out.push(*s.last().unwrap_or(&s[0]));
                }
                out
            })
            .collect();
        Ink { strokes }
    }

    /// Total length of the strokes.
    pub fn length(&self) -> f32 {
        self.strokes
            .iter()
            .flat_map(|s| s.windows(2))
            .map(|w| ((w[1][0] - w[0][0]).powi(2) + (w[1][1] - w[0][1]).powi(2)).sqrt())
            .sum()
    }

    /// The rotation (radians, within `±max`) that makes the writing's horizontal projection
    /// sharpest: applied with [`Ink::rotate`] it levels the baseline. Best on ink resampled
    /// evenly (each point then weighs the same length of line).
    pub fn level_angle(&self, max: f32) -> f32 {
        let Some(b) = self.bounds() else { return 0.0 };
        let pts: Vec<Point> = self.points().collect();
        let size = b.width().max(b.height()).max(1e-6);
        let bin = b.height().max(size / 20.0) / 40.0;
        // Projections reach at most `size` from the origin corner; one bin array fits all.
        let (cx, cy) = ((b.x0 + b.x1) / 2.0, (b.y0 + b.y1) / 2.0);
        let bins = (2.0 * size / bin).ceil() as usize + 2;
        let mut hist = vec![0u32; bins];
        let mut sharpness = |angle: f32| -> f64 {
            let (s, c) = angle.sin_cos();
            hist.iter_mut().for_each(|h| *h = 0);
            for &[x, y] in &pts {
                let v = ((x - cx) * s + (y - cy) * c) / bin + bins as f32 / 2.0;
                hist[(v.max(0.0) as usize).min(bins - 1)] += 1;
            }
            hist.iter().map(|&n| (n as f64).powi(2)).sum()
        };
        let mut search = |from: f32, to: f32, steps: usize| -> f32 {
            (0..=steps)
                .map(|i| from + (to - from) * i as f32 / steps as f32)
                .map(|a| (a, sharpness(a)))
                .fold(
                    (0.0, f64::MIN),
                    |best, x| if x.1 > best.1 { x } else { best },
                )
                .0
        };
        let coarse = search(-max, max, 20);
        let d = max / 10.0;
        search(coarse - d, coarse + d, 10)
    }

    /// The slant of the writing (positive leans right): the length-weighted median of the
    /// horizontal lean of its near-vertical pieces (best on evenly resampled ink).
    pub fn slant(&self) -> f32 {
        let mut leans: Vec<(f32, f32)> = self
            .strokes
            .iter()
            .flat_map(|s| s.windows(2))
            .filter_map(|w| {
                let (dx, dy) = (w[1][0] - w[0][0], w[1][1] - w[0][1]);
                // Within 45 degrees of vertical.
                (dy.abs() > dx.abs() && dy != 0.0).then(|| (-dx / dy, dy.abs()))
            })
            .collect();
        if leans.is_empty() {
            return 0.0;
        }
        leans.sort_by(|a, b| a.0.total_cmp(&b.0));
        let half = leans.iter().map(|l| l.1).sum::<f32>() / 2.0;
        let mut acc = 0.0;
        for (lean, w) in &leans {
            acc += w;
            if acc >= half {
                return lean.clamp(-1.0, 1.0);
            }
        }
        0.0
    }

    /// The body of the writing (the x-height band): `(top, bottom)` in y, from the
    /// horizontal projection of the ink, where it stays above 40% of its peak (best on evenly
    /// resampled ink).
    pub fn body_band(&self) -> Option<(f32, f32)> {
        let b = self.bounds()?;
        let h = b.height();
        if h <= 0.0 {
            return Some((b.y0 - 0.5, b.y1 + 0.5));
        }
        const BINS: usize = 60;
        let mut hist = [0f32; BINS];
        for [_, y] in self.points() {
            let i = (((y - b.y0) / h) * BINS as f32) as usize;
            hist[i.min(BINS - 1)] += 1.0;
        }
        // Smooth over 3 bins.
        let smooth: Vec<f32> = (0..BINS)
            .map(|i| {
                let lo = i.saturating_sub(1);
                let hi = (i + 1).min(BINS - 1);
                hist[lo..=hi].iter().sum::<f32>() / (hi - lo + 1) as f32
            })
            .collect();
        let (peak, &max) = smooth
            .iter()
            .enumerate()
            .max_by(|a, b| a.1.total_cmp(b.1))?;
        let (mut top, mut bot) = (peak, peak);
        while top > 0 && smooth[top - 1] >= 0.4 * max {
            top -= 1;
        }
        while bot + 1 < BINS && smooth[bot + 1] >= 0.4 * max {
            bot += 1;
        }
        let to_y = |i: usize| b.y0 + h * i as f32 / BINS as f32;
        let (mut y0, mut y1) = (to_y(top), to_y(bot + 1));
        // A body under a fifth of the ink's height is a measuring accident (a long flourish):
        // widen it about its middle.
        let min = 0.2 * h;
        if y1 - y0 < min {
            let mid = (y0 + y1) / 2.0;
            (y0, y1) = (mid - min / 2.0, mid + min / 2.0);
        }
        Some((y0, y1))
    }

    /// The baseline: the median height of the points where a stroke turns from going down to
    /// going up (most lie on the baseline; descenders are few); `None` under three such turns.
    pub fn baseline(&self) -> Option<f32> {
        let b = self.bounds()?;
        // Turns smaller than this are the digitizer's noise.
        let eps = b.height() / 50.0;
        let mut turns = Vec::new();
        for s in &self.strokes {
            // Walk the stroke, keeping the lowest point since the last rise.
            let mut low: Option<f32> = None;
            let mut descending = false;
            let mut prev = s.first()?[1];
            for p in s {
                let y = p[1];
                if y > prev + eps {
                    descending = true;
                    low = Some(y);
                    prev = y;
                } else if y < prev - eps {
                    if descending {
                        turns.extend(low);
                    }
                    descending = false;
                    prev = y;
                } else if descending {
                    low = Some(low.map_or(y, |l| l.max(y)));
                }
            }
            if descending {
                turns.extend(low);
            }
        }
        if turns.len() < 3 {
            return None;
        }
        median_of(turns)
    }

    /// The sample normalized: baseline level at y = 0, slant upright, body one unit high, ink
    /// starting at x = 0; with what was undone. `None` for empty ink.
    pub fn normalize(&self) -> Option<(Ink, Normalization)> {
        let b = self.bounds()?;
        // Measured on a copy resampled evenly (a fixed number of points per ink height, so the
        // digitizer's rate and the writing's speed weigh nothing), near the origin.
        let ink = self.affine(1.0, 1.0, -b.x0, -b.y0);
        let probe = ink.resampled(b.height().max(b.width() / 50.0).max(1e-3) / 40.0);
        let rotation = probe.level_angle(0.2);
        let level = probe.rotate(rotation);
        let slant = level.slant();
        let upright_probe = level.shear(-slant);
        let (top, band_bottom) = upright_probe.body_band()?;
        let body = (band_bottom - top).max(1e-3);
        // The baseline where most strokes turn at the bottom; the band's bottom when too few
        // do (a dot, a dash).
        let bottom = upright_probe.baseline().unwrap_or(band_bottom);
        let upright = ink.rotate(rotation).shear(-slant);
        let x0 = upright.bounds()?.x0;
        let out = upright.affine(1.0 / body, 1.0 / body, -x0 / body, -bottom / body);
        Some((
            out,
            Normalization {
                rotation,
                slant,
                body,
            },
        ))
    }

    /// Clusters of strokes separated by horizontal gaps wider than `gap` (words of a
    /// normalized line): stroke indices per cluster, left to right, and the gaps between them.
    pub fn clusters(&self, gap: f32) -> (Vec<Vec<usize>>, Vec<f32>) {
        let mut spans: Vec<(f32, f32, usize)> = self
            .strokes
            .iter()
            .enumerate()
            .filter_map(|(i, s)| {
                let x0 = s.iter().map(|p| p[0]).fold(f32::MAX, f32::min);
                let x1 = s.iter().map(|p| p[0]).fold(f32::MIN, f32::max);
                (x0 <= x1).then_some((x0, x1, i))
            })
            .collect();
        spans.sort_by(|a, b| a.0.total_cmp(&b.0));
        let mut clusters: Vec<Vec<usize>> = Vec::new();
        let mut gaps = Vec::new();
        let mut right = f32::MIN;
        for (x0, x1, i) in spans {
            match clusters.last_mut() {
                Some(c) if x0 <= right + gap => c.push(i),
                _ => {
                    if !clusters.is_empty() {
                        gaps.push(x0 - right);
                    }
                    clusters.push(vec![i]);
                }
            }
            right = right.max(x1);
        }
        (clusters, gaps)
    }

    /// Whether a normalized sample (body one unit) holds more than one line of writing: ink
    /// over seven bodies high, an empty horizontal band of at least `gap` units with a sizeable share of the ink on each
    /// side, or a stroke that starts back at the left over 1.2 bodies below the previous one (a
    /// wrap; 2 bodies let stacked words and wrapped sentences through).
    pub fn is_multiline(&self, gap: f32) -> bool {
        let Some(b) = self.bounds() else { return false };
        // Ascender, body and descender span about three bodies; seven is two lines or more.
        if b.height() > 7.0 {
            return true;
        }
        let r = self.resampled(0.1);
        let total = r.len().max(1) as f32;
        let mut ys: Vec<f32> = r.points().map(|p| p[1]).collect();
        ys.sort_by(f32::total_cmp);
        let mut below = 0usize;
        for w in ys.windows(2) {
            below += 1;
            let share = below as f32 / total;
            if w[1] - w[0] >= gap && share > 0.15 && share < 0.85 {
                return true;
            }
        }
        let width = b.width().max(1e-3);
        let mut prev: Option<(f32, f32)> = None;
        for s in &self.strokes {
            let x0 = s.iter().map(|p| p[0]).fold(f32::MAX, f32::min);
            let ymid = s.iter().map(|p| p[1]).sum::<f32>() / s.len() as f32;
            if let Some((px, py)) = prev
                && px - x0 > 0.4 * width
                && ymid - py > 1.2
            {
                return true;
            }
            let x1 = s.iter().map(|p| p[0]).fold(f32::MIN, f32::max);
            prev = Some((x1, ymid));
        }
        false
    }
}

fn median_of(mut v: Vec<f32>) -> Option<f32> {
    v.sort_by(f32::total_cmp);
    v.get(v.len() / 2).copied()
}

/// How much a training trajectory is varied ([`augment`]); lengths in body heights.
#[derive(Debug, Clone, Copy)]
pub struct InkVariation {
    /// Std-dev of the added slant.
    pub slant: f32,
    /// Std-dev of the rotation (radians).
    pub rotation: f32,
    /// Largest horizontal stretch away from 1 (0.15: 0.85..1.15).
    pub stretch: f32,
    /// Largest per-word scale change away from 1.
    pub word_scale: f32,
    /// Std-dev of each word's baseline shift.
    pub word_shift: f32,
    /// Largest std-dev of the point noise.
    pub point_noise: f32,
    /// Largest amplitude of the elastic warp.
    pub warp: f32,
}

impl Default for InkVariation {
    fn default() -> Self {
        Self {
            slant: 0.15,
            rotation: 0.02,
            stretch: 0.15,
            word_scale: 0.1,
            word_shift: 0.08,
            point_noise: 0.03,
            warp: 0.12,
        }
    }
}

/// A normalized trajectory varied as another writing of the same hand could be.
pub fn augment(ink: &Ink, v: &InkVariation, rng: &mut impl Rng) -> Ink {
    let mut out = ink.clone();
    // Per word: scale about its middle on the baseline (so that a grown word takes from both
    // gaps beside it, at most a quarter of each), shift the baseline.
    let (clusters, gaps) = ink.clusters(0.5);
    if clusters.len() > 1 {
        for (k, c) in clusters.iter().enumerate() {
            let xs = c
                .iter()
                .flat_map(|&i| out.strokes[i].iter().map(|p| p[0]))
                .fold((f32::MAX, f32::MIN), |(a, b), x| (a.min(x), b.max(x)));
            let room = [k.checked_sub(1).map(|j| gaps[j]), gaps.get(k).copied()]
                .into_iter()
                .flatten()
                .fold(f32::MAX, f32::min);
            let grow = (room / 2.0 / (xs.1 - xs.0).max(1e-3)).min(v.word_scale);
            let s = 1.0 + rng.random_range(-v.word_scale..=grow.max(0.0));
            let dy = gauss(rng, v.word_shift);
            let mid = (xs.0 + xs.1) / 2.0;
            for &i in c {
                for p in &mut out.strokes[i] {
                    *p = [mid + (p[0] - mid) * s, p[1] * s + dy];
                }
            }
        }
    }
    // Resampling as another digitizer would: coarser or finer.
    match rng.random_range(0..10) {
        0..3 => {
            let k = rng.random_range(2..4);
            for s in &mut out.strokes {
                let last = *s.last().unwrap_or(&[0.0, 0.0]);
                let mut kept: Vec<Point> = s.iter().step_by(k).copied().collect();
                if kept.last() != Some(&last) {
                    kept.push(last);
                }
                *s = kept;
            }
        }
        3..5 => out = out.resampled(rng.random_range(0.03..0.12)),
        _ => {}
    }
    let noise = rng.random_range(0.0..=v.point_noise);
    if noise > 0.0 {
        for s in &mut out.strokes {
            for p in s.iter_mut() {
                p[0] += gauss(rng, noise);
                p[1] += gauss(rng, noise);
            }
        }
    }
    // A smooth displacement: two sine waves per axis with random phases and wavelengths of
    // 2-6 body heights.
    let amp = rng.random_range(0.0..=v.warp);
    let waves: Vec<(f32, f32, f32, f32)> = (0..4)
        .map(|_| {
            (
                std::f32::consts::TAU / rng.random_range(2.0..6.0f32),
                std::f32::consts::TAU / rng.random_range(2.0..6.0f32),
                rng.random_range(0.0..std::f32::consts::TAU),
                amp * rng.random_range(0.3..1.0f32),
            )
        })
        .collect();
    let stretch = 1.0 + rng.random_range(-v.stretch..=v.stretch);
    let slant = gauss(rng, v.slant);
    let rotation = gauss(rng, v.rotation);
    out.map(|[x, y]| {
        let mut d = [0.0f32; 2];
        for (k, &(fx, fy, ph, a)) in waves.iter().enumerate() {
            d[k / 2] += a * (fx * x + fy * y + ph).sin();
        }
        [(x + d[0]) * stretch, y + d[1]]
    })
    .shear(slant)
    .rotate(rotation)
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;

    /// A line of "letters": x-height bodies (zigzags 1 unit high) with ascenders on some, in
    /// words, baseline at y = 0.
    fn line() -> Ink {
        let mut strokes = Vec::new();
        let mut x = 0.0;
        for word in 0..4 {
            for letter in 0..5 {
                let mut s = Vec::new();
                for k in 0..=8 {
                    let t = k as f32 / 8.0;
                    let y = if k % 2 == 0 { 0.0 } else { -1.0 };
                    s.push([x + 0.8 * t, y]);
                }
                strokes.push(s);
                if (word + letter) % 3 == 0 {
                    strokes.push(vec![[x, 0.0], [x, -2.0]]);
                }
                x += 1.0;
            }
            x += 1.2;
        }
        Ink { strokes }
    }

    #[test]
    fn normalization_undoes_rotation_slant_and_scale() {
        let truth = line();
        for (deg, slant, scale) in [
            (5.0f32, 0.3f32, 37.0f32),
            (-4.0, -0.1, 3.0),
            (0.0, 0.5, 120.0),
        ] {
            let bent = truth
                .shear(slant)
                .rotate(-deg.to_radians())
                .affine(scale, scale, 1000.0, -5000.0);
            let (norm, n) = bent.normalize().unwrap();
            assert!(
                (n.rotation.to_degrees() - deg).abs() < 0.5,
                "rotation {} for {deg}",
                n.rotation.to_degrees()
            );
            assert!(
                (n.slant - slant).abs() < 0.05,
                "slant {} for {slant}",
                n.slant
            );
            assert!(
                (n.body / scale - 1.0).abs() < 0.15,
                "body {} for {scale}",
                n.body
            );
            let b = norm.bounds().unwrap();
            assert!(b.x0.abs() < 1e-3);
            // Baseline at 0 and ascenders two bodies up, within the measuring's slack.
            assert!((b.y1).abs() < 0.2, "{b:?}");
            assert!((b.y0 + 2.0).abs() < 0.35, "{b:?}");
        }
    }

    #[test]
    fn clusters_are_words_and_gaps_measured() {
        let (clusters, gaps) = line().clusters(0.5);
        assert_eq!(clusters.len(), 4);
        assert_eq!(gaps.len(), 3);
        for g in gaps {
            assert!((g - 1.4).abs() < 1e-4, "{g}");
        }
    }

    #[test]
    fn two_lines_are_told_from_one() {
        let one = line();
        assert!(!one.is_multiline(0.5));
        let mut two = one.clone();
        two.strokes.extend(one.affine(1.0, 1.0, 0.0, 3.5).strokes);
        assert!(two.is_multiline(0.5));
        // A wrap: the second half of the words written under the first.
        let mut wrap = Ink::default();
        let n = one.strokes.len();
        wrap.strokes.extend(one.strokes[..n / 2].iter().cloned());
        let right = one.strokes[n / 2][0][0];
        wrap.strokes.extend(
            one.strokes[n / 2..]
                .iter()
                .map(|s| s.iter().map(|p| [p[0] - right, p[1] + 2.6]).collect()),
        );
        assert!(wrap.is_multiline(0.5));
        // A wrap whose second line starts only a little lower (the lines touch; a two-line
        // sample's body estimate is inflated, so the drop is under two bodies).
        let mut close = Ink::default();
        close.strokes.extend(one.strokes[..n / 2].iter().cloned());
        close.strokes.extend(
            one.strokes[n / 2..]
                .iter()
                .map(|s| s.iter().map(|p| [p[0] - right, p[1] + 1.4]).collect()),
        );
        assert!(close.is_multiline(0.5));
    }

    #[test]
    fn resampling_spaces_points_evenly() {
        let ink = Ink {
            strokes: vec![vec![[0.0, 0.0], [10.0, 0.0]]],
        };
        let r = ink.resampled(1.0);
        assert_eq!(r.strokes[0].len(), 11);
        assert!((r.length() - 10.0).abs() < 1e-4);
    }

    #[test]
    fn augmentation_keeps_the_ink_near_its_size() {
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(3);
        let ink = line();
        let b = ink.bounds().unwrap();
        for _ in 0..20 {
            let a = augment(&ink, &InkVariation::default(), &mut rng);
            let c = a.bounds().unwrap();
            assert!((c.width() / b.width() - 1.0).abs() < 0.35, "{c:?}");
            // Measured again, the writing is still level-ish and of its size.
            let (_, n) = a.normalize().unwrap();
            assert!(n.rotation.abs() < 0.1, "{n:?}");
            assert!((0.4..1.6).contains(&n.body), "{n:?}");
            assert_eq!(a.strokes.len(), ink.strokes.len());
        }
    }
}
