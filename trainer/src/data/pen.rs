//! Pen ink from any outline font: the rendered glyphs are thinned to their centre lines
//! (Zhang-Suen) and redrawn with a round pen whose width varies smoothly along the line, as a
//! finger or stylus with pressure draws on a canvas. So every handwriting family also exists as
//! canvas ink, not only the single-line fonts.

use super::augment::smooth_field;
use inkline::GrayImage;
use rand::Rng;

/// Ink coverage above this counts as ink when thinning.
const INK: f32 = 0.5;

/// The one-pixel centre lines of the ink of `mask` (ink 1, paper 0), by Zhang-Suen thinning.
pub fn skeleton(mask: &GrayImage) -> Vec<bool> {
    let (w, h) = (mask.width, mask.height);
    let mut on: Vec<bool> = mask.data.iter().map(|&v| v > INK).collect();
    let at = |on: &[bool], x: isize, y: isize| -> bool {
        x >= 0 && y >= 0 && (x as usize) < w && (y as usize) < h && on[y as usize * w + x as usize]
    };
    loop {
        let mut changed = false;
        for pass in 0..2 {
            let mut clear = Vec::new();
            for y in 0..h as isize {
                for x in 0..w as isize {
                    if !at(&on, x, y) {
                        continue;
                    }
                    // Neighbours P2..P9, clockwise from north.
                    let p = [
                        at(&on, x, y - 1),
                        at(&on, x + 1, y - 1),
                        at(&on, x + 1, y),
                        at(&on, x + 1, y + 1),
                        at(&on, x, y + 1),
                        at(&on, x - 1, y + 1),
                        at(&on, x - 1, y),
                        at(&on, x - 1, y - 1),
                    ];
                    let b = p.iter().filter(|&&v| v).count();
                    let a = (0..8).filter(|&i| !p[i] && p[(i + 1) % 8]).count();
                    let (c1, c2) = if pass == 0 {
                        (p[0] && p[2] && p[4], p[2] && p[4] && p[6])
                    } else {
                        (p[0] && p[2] && p[6], p[0] && p[4] && p[6])
                    };
                    if (2..=6).contains(&b) && a == 1 && !c1 && !c2 {
                        clear.push(y as usize * w + x as usize);
                    }
                }
            }
            changed |= !clear.is_empty();
            for i in clear {
                on[i] = false;
            }
        }
        if !changed {
            return on;
        }
    }
}

/// Redraws the ink of `mask` as pen strokes along its centre lines: a round pen `pen_px` wide
/// whose width varies by up to `pressure` (a fraction) over a smooth random field.
pub fn pen_ink(mask: &GrayImage, pen_px: f32, pressure: f32, rng: &mut impl Rng) -> GrayImage {
    let (w, h) = (mask.width, mask.height);
    let centre = skeleton(mask);
    let field = smooth_field(w, h, (h as f32 / 2.0).max(4.0), rng);
    let mut out = GrayImage::filled(w, h, 0.0);
    for y in 0..h {
        for x in 0..w {
            if !centre[y * w + x] {
                continue;
            }
            let r = (0.5 * pen_px * (1.0 + pressure * field[y * w + x])).max(0.5);
            let reach = r.ceil() as isize + 1;
            for dy in -reach..=reach {
                for dx in -reach..=reach {
                    let (xx, yy) = (x as isize + dx, y as isize + dy);
                    if xx < 0 || yy < 0 || xx as usize >= w || yy as usize >= h {
                        continue;
                    }
                    let d = ((dx * dx + dy * dy) as f32).sqrt();
                    let cover = (r + 0.5 - d).clamp(0.0, 1.0);
                    let i = yy as usize * w + xx as usize;
                    out.data[i] = out.data[i].max(cover);
                }
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;

    #[test]
    fn a_thick_bar_thins_to_a_line_and_is_redrawn_with_the_pen() {
        // A 40x7 bar of ink.
        let mut mask = GrayImage::filled(60, 21, 0.0);
        for y in 7..14 {
            for x in 10..50 {
                mask.data[y * 60 + x] = 1.0;
            }
        }
        let centre = skeleton(&mask);
        let rows: Vec<usize> = (0..21)
            .filter(|&y| (0..60).any(|x| centre[y * 60 + x]))
            .collect();
        assert_eq!(rows, vec![10], "a 7-pixel bar thins to its middle row");
        assert!(
            (15..45).all(|x| centre[10 * 60 + x]),
            "the line is unbroken"
        );
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(1);
        let inked = pen_ink(&mask, 3.0, 0.0, &mut rng);
        let ink_rows: Vec<usize> = (0..21)
            .filter(|&y| (0..60).any(|x| inked.data[y * 60 + x] > 0.5))
            .collect();
        // A 3-pixel pen: the middle row and one row on each side.
        assert_eq!(ink_rows, vec![9, 10, 11]);
    }
}
