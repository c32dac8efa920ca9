//! Page skew: the angle of a page's text lines, estimated by projection profiles over angles
//! (the angle at which the ink's row profile is sharpest), and the ink map turned level, with
//! the map from the levelled image back to the input's pixels.

use super::BBox;
use crate::image::GrayImage;

/// Largest skew looked for, in degrees either way.
pub const MAX_SKEW_DEG: f32 = 15.0;

/// Side of the square tiles [`Levelled::new`] turns one at a time.
const TILE: usize = 64;

/// The estimate works on a copy at most this many pixels on its longer side.
const WORK_SIDE: usize = 800;

/// The skew of the text lines of `ink` (ink 1, paper 0) in radians, within
/// ±[`MAX_SKEW_DEG`]: positive when lines descend to the right (y down). Ink above
/// `threshold` counts. `None` when the image holds no lines apart (at its sharpest angle the
/// profile has no gap between lines): a single line, noise, a picture, a blank image.
#[cfg(test)]
pub fn estimate(ink: &GrayImage, threshold: f32) -> Option<f32> {
    estimate_angle(ink, threshold).and_then(|e| e.apart.then_some(e.angle))
}

/// What [`estimate_angle`] finds.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Estimate {
    /// The angle at which the row profile is sharpest (radians, as [`estimate`]).
    pub angle: f32,
    /// At that angle the profile falls to a gap between two lines.
    pub apart: bool,
    /// At that angle the profile repeats (a line pitch) three times or more within its ink:
    /// three or more lines, even where they touch everywhere.
    pub repeats: bool,
}

/// The sharpest angle of `ink`'s row profile, whether lines lie apart at it, and whether they
/// repeat; `None` for too little ink.
pub fn estimate_angle(ink: &GrayImage, threshold: f32) -> Option<Estimate> {
    let step = ink.width.max(ink.height).div_ceil(WORK_SIDE).max(1);
    // Ink pixels of a reduced copy (a cell is ink if any of its pixels is), about the centre.
    let (w, h) = (ink.width.div_ceil(step), ink.height.div_ceil(step));
    let mut cells = vec![false; w * h];
    for y in 0..ink.height {
        let row = &ink.data[y * ink.width..(y + 1) * ink.width];
        for (x, &v) in row.iter().enumerate() {
            if v > threshold {
                cells[(y / step) * w + x / step] = true;
            }
        }
    }
    let (cx, cy) = (w as f32 / 2.0, h as f32 / 2.0);
    let pts: Vec<(f32, f32)> = cells
        .iter()
        .enumerate()
        .filter(|c| *c.1)
        .map(|(i, _)| ((i % w) as f32 - cx, (i / w) as f32 - cy))
        .collect();
    if pts.len() < 16 {
        return None;
    }
    let reach = ((w * w + h * h) as f32).sqrt() as usize + 2;
    let mut hist = vec![0u32; reach * 2];
    let sharpness = |hist: &mut [u32], angle: f32| -> f64 {
        let (s, c) = angle.sin_cos();
        hist.iter_mut().for_each(|v| *v = 0);
        for &(x, y) in &pts {
            let r = (y * c - x * s + reach as f32) as usize;
            hist[r.min(2 * reach - 1)] += 1;
        }
        hist.iter().map(|&n| (n as f64) * (n as f64)).sum()
    };
    let max = MAX_SKEW_DEG.to_radians();
    // Coarse, every half degree; then finer around each angle whose sharpness is a peak of
    // the coarse pass within NEAR of the sharpest (lines of different tilts, or a long line
    // and a few short ones, can make two such peaks), down to about a twentieth of a degree.
    let coarse: Vec<(f32, f64)> = (0..=COARSE_STEPS)
        .map(|i| {
            let a = -max + 2.0 * max * i as f32 / COARSE_STEPS as f32;
            (a, sharpness(&mut hist, a))
        })
        .collect();
    let sharpest = coarse.iter().map(|c| c.1).fold(0.0, f64::max);
    let peaks = (0..coarse.len()).filter(|&i| {
        let v = coarse[i].1;
        v >= NEAR * sharpest
            && (i == 0 || coarse[i - 1].1 <= v)
            && (i + 1 == coarse.len() || coarse[i + 1].1 < v)
    });
    // Of those, the angle at which the lines come apart most (the most gaps between lines in
    // its profile), then the sharpest.
    let mut best: Option<(usize, f64, f32)> = None;
    for i in peaks {
        let mut found = coarse[i];
        let mut span = 2.0 * max / COARSE_STEPS as f32;
        for steps in [20, 20] {
            let centre = found.0;
            for k in 0..=steps {
                let a = (centre - span + 2.0 * span * k as f32 / steps as f32).clamp(-max, max);
                let v = sharpness(&mut hist, a);
                if v > found.1 {
                    found = (a, v);
                }
            }
            span = 2.0 * span / steps as f32;
        }
        sharpness(&mut hist, found.0);
        let gaps = gaps_between_lines(&hist);
        if best.is_none_or(|(g, v, _)| (gaps, found.1) > (g, v)) {
            best = Some((gaps, found.1, found.0));
        }
    }
    let (gaps, _, angle) = best?;
    // Only lines make a tilt: at their angle the profile falls to a gap between two of them,
    // or (lines that touch) repeats.
    sharpness(&mut hist, angle);
    let apart = gaps > 0;
    let first = hist.iter().position(|&n| n > 0).unwrap_or(0);
    let last = hist.iter().rposition(|&n| n > 0).unwrap_or(0);
    let profile: Vec<f32> = hist[first..=last.max(first)]
        .iter()
        .map(|&n| n as f32)
        .collect();
    let repeats = super::lines::profile_pitch(&profile).is_some_and(|p| profile.len() >= 3 * p);
    Some(Estimate {
        angle,
        apart,
        repeats,
    })
}

/// Angles of the coarse pass of [`estimate_angle`], over the whole range (half a degree apart).
const COARSE_STEPS: usize = 60;

/// A peak of the coarse pass this near the sharpest (as a share of its sharpness) is refined
/// and weighed by the gaps between lines it shows.
const NEAR: f64 = 0.90;

/// A full row of a text line holds at least this much ink (pixels of the reduced copy): with
/// less, a gap between lines cannot be told from chance.
const MIN_FULL_ROW: u32 = 16;

/// How many gaps between lines a row profile holds: runs of rows with less than a quarter of
/// the ink of the fuller rows on both sides of them (the smaller of the two sides' fullest
/// rows, at least [`MIN_FULL_ROW`]), rows summed in threes (a turned grid of pixels falls into
/// rows unevenly). Noise, a picture or a single line has none, whatever angle sharpens its
/// profile most.
fn gaps_between_lines(rows: &[u32]) -> usize {
    let profile: Vec<u32> = (0..rows.len())
        .map(|i| {
            rows[i.saturating_sub(1)..(i + 2).min(rows.len())]
                .iter()
                .sum::<u32>()
        })
        .collect();
    // The fullest row above each row, and below it.
    let above: Vec<u32> = profile
        .iter()
        .scan(0, |m, &n| {
            let before = *m;
            *m = (*m).max(n);
            Some(before)
        })
        .collect();
    let mut below = vec![0; profile.len()];
    for i in (0..profile.len().saturating_sub(1)).rev() {
        below[i] = below[i + 1].max(profile[i + 1]);
    }
    // A gap is rows under a quarter of the fuller rows on both sides; it ends only at a row of
    // text (half as full or more), so a shallow stretch between two lines is one gap.
    let mut gaps = 0;
    let mut in_gap = false;
    for (&n, (&a, &b)) in profile.iter().zip(above.iter().zip(&below)) {
        let full = a.min(b);
        if full >= 3 * MIN_FULL_ROW && 4 * n < full {
            gaps += usize::from(!in_gap);
            in_gap = true;
        } else if 2 * n >= full {
            in_gap = false;
        }
    }
    gaps
}

/// An image turned by an angle, and how its pixels map back to the input's.
#[derive(Debug, Clone)]
pub struct Levelled {
    /// The turned ink map (large enough to hold the whole input).
    pub image: GrayImage,
    /// Centre of the input.
    from_centre: (f32, f32),
    /// Centre of the turned image.
    to_centre: (f32, f32),
    /// Sine and cosine of the angle the input's lines had (radians; see [`estimate`]).
    sin_cos: (f32, f32),
}

impl Levelled {
    /// `ink` turned by `-angle` so that lines at `angle` become level (bilinear; paper
    /// outside the input, and outside box `within` of it when given: where its ink lies, the
    /// rest of a page being blank, which is then not turned).
    pub fn new(ink: &GrayImage, angle: f32, within: Option<BBox>) -> Self {
        let (s, c) = angle.sin_cos();
        let (iw, ih) = (ink.width as f32, ink.height as f32);
        let w = (iw * c.abs() + ih * s.abs()).ceil() as usize;
        let h = (iw * s.abs() + ih * c.abs()).ceil() as usize;
        let mut out = Levelled {
            image: GrayImage::filled(w.max(1), h.max(1), 0.0),
            from_centre: (iw / 2.0, ih / 2.0),
            to_centre: (w as f32 / 2.0, h as f32 / 2.0),
            sin_cos: (s, c),
        };
        let (iw, ih) = (ink.width, ink.height);
        let mut data = std::mem::take(&mut out.image.data);
        // Tile by tile: a tile's pixels read a small turned patch of the input, which stays in
        // cache (row by row, each output row crossed a hundred input rows at once, and the
        // loads waited on memory).
        let tiles = |n: usize| (0..n).step_by(TILE).map(move |a| a..(a + TILE).min(n));
        let whole = BBox {
            x: 0,
            y: 0,
            width: iw,
            height: ih,
        };
        let b = within.unwrap_or(whole);
        for (ys, xs) in tiles(h).flat_map(|ys| tiles(w).map(move |xs| (ys.clone(), xs))) {
            for y in ys {
                let span = out.columns_within(y, b);
                let xs = xs.start.max(span.start)..xs.end.min(span.end);
                if xs.is_empty() {
                    continue;
                }
                let row = &mut data[y * w + xs.start..y * w + xs.end];
                for (x, v) in xs.clone().zip(row.iter_mut()) {
                    let [sx, sy] = out.to_input([x as f32 + 0.5, y as f32 + 0.5]);
                    let (x, y) = (sx - 0.5, sy - 0.5);
                    // Inside, all four neighbours exist: the same sums without the edge checks, and
                    // `floor` by truncation (the same for values >= 0; x86-64's baseline has no
                    // rounding instruction, so `f32::floor` is a libm call).
                    *v = if x >= 0.0
                        && y >= 0.0
                        && x < iw.saturating_sub(1) as f32
                        && y < ih.saturating_sub(1) as f32
                    {
                        let (x0, y0) = (x as usize, y as usize);
                        let (tx, ty) = (x - x0 as f32, y - y0 as f32);
                        let i = y0 * iw + x0;
                        let (p, q) = (&ink.data[i..i + 2], &ink.data[i + iw..i + iw + 2]);
                        let a = p[0] * (1.0 - tx) + p[1] * tx;
                        let b = q[0] * (1.0 - tx) + q[1] * tx;
                        a * (1.0 - ty) + b * ty
                    } else {
                        bilinear(ink, x, y)
                    };
                }
            }
        }
        out.image.data = data;
        out
    }

    /// The columns of row `y` of the turned image whose pixel centres map into box `b` of the
    /// input (widened by a pixel each way, for the bilinear samples' edges).
    fn columns_within(&self, y: usize, b: BBox) -> std::ops::Range<usize> {
        let w = self.image.width;
        // Along the row the input point moves by (cos, sin) per column from column 0's.
        let [x0, y0] = self.to_input([0.5, y as f32 + 0.5]);
        let (s, c) = self.sin_cos;
        let (mut lo, mut hi) = (f32::MIN, f32::MAX);
        for (start, step, min, max) in [
            (x0, c, b.x as f32 - 1.0, (b.x + b.width) as f32 + 1.0),
            (y0, s, b.y as f32 - 1.0, (b.y + b.height) as f32 + 1.0),
        ] {
            if step.abs() < 1e-9 {
                if start < min || start > max {
                    return 0..0;
                }
                continue;
            }
            let (a, z) = ((min - start) / step, (max - start) / step);
            lo = lo.max(a.min(z));
            hi = hi.min(a.max(z));
        }
        let first = lo.floor().max(0.0) as usize;
        let end = (hi.ceil() + 1.0).clamp(0.0, w as f32) as usize;
        first.min(end)..end
    }

    /// A point of the turned image in the input's pixels.
    pub fn to_input(&self, [x, y]: [f32; 2]) -> [f32; 2] {
        let (s, c) = self.sin_cos;
        let (dx, dy) = (x - self.to_centre.0, y - self.to_centre.1);
        // The turned image is the input rotated by -angle: rotate back by +angle.
        [
            self.from_centre.0 + dx * c - dy * s,
            self.from_centre.1 + dx * s + dy * c,
        ]
    }
}

/// `img` at `(x, y)` (pixel centres at integers), 0 outside.
fn bilinear(img: &GrayImage, x: f32, y: f32) -> f32 {
    if x <= -1.0 || y <= -1.0 || x >= img.width as f32 || y >= img.height as f32 {
        return 0.0;
    }
    let (x0, y0) = (x.floor(), y.floor());
    let (tx, ty) = (x - x0, y - y0);
    let at = |xx: f32, yy: f32| {
        if xx < 0.0 || yy < 0.0 || xx >= img.width as f32 || yy >= img.height as f32 {
            0.0
        } else {
            img.get(xx as usize, yy as usize)
        }
    };
    let a = at(x0, y0) * (1.0 - tx) + at(x0 + 1.0, y0) * tx;
    let b = at(x0, y0 + 1.0) * (1.0 - tx) + at(x0 + 1.0, y0 + 1.0) * tx;
    a * (1.0 - ty) + b * ty
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    #[test]
    fn the_turned_image_is_the_bilinear_sample_of_every_pixel() {
        let ink = page(300, 200, 4, 3.0);
        for deg in [-7.0f32, 2.5, 12.0] {
            let level = Levelled::new(&ink, deg.to_radians(), None);
            for y in 0..level.image.height {
                for x in 0..level.image.width {
                    let [sx, sy] = level.to_input([x as f32 + 0.5, y as f32 + 0.5]);
                    let want = bilinear(&ink, sx - 0.5, sy - 0.5);
                    assert_eq!(level.image.get(x, y), want, "({x}, {y}) at {deg} degrees");
                }
            }
        }
    }

    /// A page of `lines` text lines of "words" (x-height blocks with a few ascenders), its
    /// lines descending at `deg` degrees, ink 1 on 0.
    pub(crate) fn page(w: usize, h: usize, lines: usize, deg: f32) -> GrayImage {
        page_ending_short(w, h, lines, deg, usize::MAX)
    }

    /// [`page`] with its last line cut after `last_words` words.
    pub(crate) fn page_ending_short(
        w: usize,
        h: usize,
        lines: usize,
        deg: f32,
        last_words: usize,
    ) -> GrayImage {
        let mut img = GrayImage::filled(w, h, 0.0);
        let (s, c) = deg.to_radians().sin_cos();
        let (cx, cy) = (w as f32 / 2.0, h as f32 / 2.0);
        let pitch = h as f32 * 0.8 / lines as f32;
        let body = pitch * 0.3;
        // Level page coordinates of every ink pixel, rotated about the centre.
        for k in 0..lines {
            let base = h as f32 * 0.1 + pitch * (k as f32 + 0.75);
            let mut x = w as f32 * 0.12;
            let mut word = 0usize;
            while x < w as f32 * 0.85 && (k + 1 < lines || word < last_words) {
                let len = body * (2.0 + ((word * 7 + k * 3) % 5) as f32);
                for letter in 0..(len / (body * 0.7)) as usize {
                    let lx = x + letter as f32 * body * 0.7;
                    let top = if (letter + word + k).is_multiple_of(4) {
                        base - 2.0 * body
                    } else {
                        base - body
                    };
                    let mut yy = top;
                    while yy < base {
                        let mut xx = lx;
                        while xx < lx + body * 0.4 {
                            let (dx, dy) = (xx - cx, yy - cy);
                            let (px, py) = (cx + dx * c - dy * s, cy + dx * s + dy * c);
                            if px >= 0.0 && py >= 0.0 && (px as usize) < w && (py as usize) < h {
                                img.data[py as usize * w + px as usize] = 1.0;
                            }
                            xx += 0.5;
                        }
                        yy += 0.5;
                    }
                }
                x += len + body * 1.2;
                word += 1;
            }
        }
        img
    }

    #[test]
    fn known_angles_are_found_within_a_few_tenths_of_a_degree() {
        for deg in [0.0f32, 0.7, -1.5, 3.0, -4.2, 5.0, 8.0, -10.0, 14.0] {
            let p = page(900, 700, 6, deg);
            let got = estimate(&p, 0.5).unwrap().to_degrees();
            assert!((got - deg).abs() < 0.3, "{deg}: estimated {got}");
        }
        // A large page is estimated on a reduced copy, as well.
        let p = page(3000, 2200, 8, -6.5);
        let got = estimate(&p, 0.5).unwrap().to_degrees();
        assert!((got + 6.5).abs() < 0.3, "estimated {got}");
    }

    #[test]
    fn a_shallow_stretch_between_two_lines_is_one_gap() {
        let rows = |runs: &[(u32, usize)]| -> Vec<u32> {
            runs.iter()
                .flat_map(|&(n, len)| std::iter::repeat_n(n, len))
                .collect()
        };
        // Two lines, and between them rows under a quarter of a line's, then a third as full,
        // then under a quarter again: one gap (no row of text between).
        let shallow = rows(&[
            (0, 2),
            (100, 6),
            (20, 3),
            (35, 3),
            (20, 3),
            (100, 6),
            (0, 2),
        ]);
        assert_eq!(gaps_between_lines(&shallow), 1);
        // Three lines apart: two gaps; one line: none.
        let three = rows(&[(100, 6), (5, 3), (100, 6), (5, 3), (100, 6)]);
        assert_eq!(gaps_between_lines(&three), 2);
        assert_eq!(gaps_between_lines(&rows(&[(0, 3), (100, 8), (0, 3)])), 0);
        // Too little ink for a line: no gap.
        assert_eq!(gaps_between_lines(&rows(&[(10, 6), (0, 3), (10, 6)])), 0);
    }

    #[test]
    fn lines_that_touch_everywhere_repeat_without_a_gap() {
        // Six tilted lines whose bands of ink overlap: bodies full, the rows between them a
        // third full (ascenders meeting descenders), so no row is a gap.
        let (w, h, pitch) = (900usize, 400usize, 40usize);
        let mut img = GrayImage::filled(w, h, 0.0);
        let tilt = 4.0f32.to_radians().tan();
        for x in 50..850 {
            for k in 0..6 {
                let c = 60.0 + (k * pitch) as f32 + (x as f32 - 450.0) * tilt;
                for dy in -20i32..20 {
                    let y = (c + dy as f32) as usize;
                    let body = dy.abs() < 8;
                    if body || x % 3 == 0 {
                        img.data[y * w + x] = 1.0;
                    }
                }
            }
        }
        let e = estimate_angle(&img, 0.5).unwrap();
        assert!(!e.apart, "{e:?}");
        assert!(e.repeats, "{e:?}");
        assert!((e.angle.to_degrees() - 4.0).abs() < 0.3, "{e:?}");
        // One line of them repeats nothing.
        let one = page(900, 160, 1, 4.0);
        assert!(!estimate_angle(&one, 0.5).unwrap().repeats);
    }

    #[test]
    fn turning_only_the_inked_box_turns_the_same_page() {
        // A page of lines in the middle of a wide blank margin.
        let lines = page(400, 240, 4, 6.0);
        let mut ink = GrayImage::filled(700, 500, 0.0);
        for y in 0..240 {
            for x in 0..400 {
                ink.data[(y + 130) * 700 + x + 170] = lines.get(x, y);
            }
        }
        let (mut x0, mut y0, mut x1, mut y1) = (usize::MAX, usize::MAX, 0, 0);
        for (i, _) in ink.data.iter().enumerate().filter(|(_, v)| **v > 0.0) {
            let (x, y) = (i % 700, i / 700);
            (x0, y0, x1, y1) = (x0.min(x), y0.min(y), x1.max(x), y1.max(y));
        }
        let inked = BBox {
            x: x0,
            y: y0,
            width: x1 - x0 + 1,
            height: y1 - y0 + 1,
        };
        for deg in [-6.0f32, 3.0, 12.0] {
            let all = Levelled::new(&ink, deg.to_radians(), None);
            let part = Levelled::new(&ink, deg.to_radians(), Some(inked));
            assert_eq!(all.image, part.image, "{deg} degrees");
            assert!(all.image.data.iter().any(|&v| v > 0.5));
        }
    }

    #[test]
    fn blank_and_speck_images_have_no_skew() {
        assert_eq!(estimate(&GrayImage::filled(300, 200, 0.0), 0.5), None);
        let mut specks = GrayImage::filled(300, 200, 0.0);
        specks.data[50 * 300 + 40] = 1.0;
        assert_eq!(estimate(&specks, 0.5), None);
    }

    #[test]
    fn noise_and_a_single_line_have_no_skew() {
        // Noise: some angle always sharpens its profile a little; it holds no lines.
        let mut seed = 99u32;
        for (w, h) in [(18, 36), (17, 25), (46, 28), (300, 200)] {
            let noise = GrayImage {
                width: w,
                height: h,
                data: (0..w * h)
                    .map(|_| {
                        seed = seed.wrapping_mul(1_103_515_245).wrapping_add(12345);
                        ((seed >> 8) % 2) as f32
                    })
                    .collect(),
            };
            assert_eq!(estimate(&noise, 0.5), None, "{w}x{h}");
        }
        // One tilted line: there is no gap between lines to level.
        assert_eq!(estimate(&page(700, 120, 1, 4.0), 0.5), None);
    }

    #[test]
    fn levelling_maps_points_back_to_the_input() {
        let ink = page(600, 400, 4, 5.0);
        let l = Levelled::new(&ink, 5.0f32.to_radians(), None);
        // The turned image holds the whole input.
        assert!(l.image.width >= 600 && l.image.height >= 400);
        // Its centre is the input's centre, and a point a distance d right of it maps to a
        // point d along the line's direction.
        let c = l.to_input([l.image.width as f32 / 2.0, l.image.height as f32 / 2.0]);
        assert!((c[0] - 300.0).abs() < 1e-3 && (c[1] - 200.0).abs() < 1e-3);
        let p = l.to_input([
            l.image.width as f32 / 2.0 + 100.0,
            l.image.height as f32 / 2.0,
        ]);
        let (s, co) = 5.0f32.to_radians().sin_cos();
        assert!((p[0] - (300.0 + 100.0 * co)).abs() < 1e-3);
        assert!((p[1] - (200.0 + 100.0 * s)).abs() < 1e-3);
        // Levelled, the page's lines are level: its skew is now about zero.
        assert!(estimate(&l.image, 0.5).unwrap().to_degrees().abs() < 0.3);
    }
}
