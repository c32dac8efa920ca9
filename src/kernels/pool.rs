//! Max pooling with kernel = stride (non-overlapping windows, no padding; a remainder that does
//! not fill a window is dropped), over `[N, H, W]` planes (N = batch x channels). The forward
//! can keep, per output, the input position of its maximum for the backward.

use super::activation::max;
use super::parallel;

/// Output height and width of pooling `[h, w]` planes with window `[ph, pw]`.
pub fn output_size(h: usize, w: usize, window: [usize; 2]) -> [usize; 2] {
    [h / window[0].max(1), w / window[1].max(1)]
}

/// Pools `planes` planes of `h x w` values in `x`: the outputs, and when `keep` the index in `x`
/// of each output's maximum (the first one on ties).
pub fn forward(
    x: &[f32],
    planes: usize,
    h: usize,
    w: usize,
    window: [usize; 2],
    keep: bool,
) -> (Vec<f32>, Option<Vec<u32>>) {
    let [ph, pw] = window;
    let [oh, ow] = output_size(h, w, window);
    assert_eq!(x.len(), planes * h * w, "input size");
    let mut out = vec![f32::NEG_INFINITY; planes * oh * ow];
    let mut arg = keep.then(|| vec![0u32; planes * oh * ow]);
    let work: Vec<_> = parallel::pieces(&mut out, planes, oh * ow)
        .into_iter()
        .zip(parallel::optional_pieces(
            arg.as_deref_mut(),
            planes,
            oh * ow,
        ))
        .collect();
    parallel::map(work, |((range, out), mut arg)| {
        let first = range.start;
        for p in range {
            let plane = &x[p * h * w..(p + 1) * h * w];
            let o_plane = &mut out[(p - first) * oh * ow..(p - first + 1) * oh * ow];
            let Some(arg) = arg.as_mut() else {
                pool_plane(plane, o_plane, w, [oh, ow], window);
                continue;
            };
            let a_plane = &mut arg[(p - first) * oh * ow..(p - first + 1) * oh * ow];
            for oy in 0..oh {
                for ox in 0..ow {
                    let (mut best, mut at) = (f32::NEG_INFINITY, oy * ph * w + ox * pw);
                    for i in 0..ph {
                        let row = (oy * ph + i) * w + ox * pw;
                        for (j, &v) in plane[row..row + pw].iter().enumerate() {
                            if v > best {
                                (best, at) = (v, row + j);
                            }
                        }
                    }
                    o_plane[oy * ow + ox] = best;
                    a_plane[oy * ow + ox] = (p * h * w + at) as u32;
                }
            }
        }
    });
    (out, arg)
}

/// One plane's maxima without positions, row by row: each input row folds into its output
/// row; windows 1 and 2 wide as plain maps over the row, which vectorize (a fold over chunks
/// did not: 10x slower on a 2x2 pool).
#[inline(always)]
fn pool_plane_body(
    plane: &[f32],
    out: &mut [f32],
    w: usize,
    [oh, ow]: [usize; 2],
    [ph, pw]: [usize; 2],
) {
    for oy in 0..oh {
        let o_row = &mut out[oy * ow..(oy + 1) * ow];
        for i in 0..ph {
            let start = (oy * ph + i) * w;
            let row = &plane[start..start + ow * pw];
            match pw {
                1 => {
                    for (o, &v) in o_row.iter_mut().zip(row) {
                        *o = max(*o, v);
                    }
                }
                2 => {
                    for (x, o) in o_row.iter_mut().enumerate() {
                        *o = max(*o, max(row[2 * x], row[2 * x + 1]));
                    }
                }
                _ => {
                    for (o, chunk) in o_row.iter_mut().zip(row.chunks_exact(pw)) {
                        *o = chunk.iter().fold(*o, |m, &v| max(m, v));
                    }
                }
            }
        }
    }
}

super::widest_vectors! {
    /// [`pool_plane_body`] with the widest vectors this CPU has.
    fn pool_plane = pool_plane_body(
        plane: &[f32],
        out: &mut [f32],
        w: usize,
        size: [usize; 2],
        window: [usize; 2],
    )
}

#[cfg(any(test, feature = "autodiff"))]
/// The input gradient (`len` values) of the outputs' gradient `grad`, given the forward's
/// maximum positions `arg`.
pub fn backward(grad: &[f32], arg: &[u32], len: usize) -> Vec<f32> {
    assert_eq!(
        grad.len(),
        arg.len(),
        "gradient and positions differ in size"
    );
    let mut dx = vec![0.0f32; len];
    for (&g, &a) in grad.iter().zip(arg) {
        dx[a as usize] += g;
    }
    dx
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_fast_path_without_positions_gives_the_same_maxima_for_every_window() {
        let (planes, h, w) = (3, 7, 23);
        let x: Vec<f32> = (0..planes * h * w)
            .map(|i| ((i * 7919) % 211) as f32 - 100.0)
            .collect();
        for window in [[2, 2], [2, 1], [1, 2], [3, 3], [1, 1], [2, 5]] {
            let (with, _) = forward(&x, planes, h, w, window, true);
            let (without, none) = forward(&x, planes, h, w, window, false);
            assert!(none.is_none());
            assert_eq!(with, without, "window {window:?}");
        }
    }

    #[test]
    fn pools_windows_and_routes_gradients_to_the_maxima() {
        // One 3x5 plane, window 2x2: a 1x2 output; row 2 and column 4 are dropped.
        #[rustfmt::skip]
        let x = [
            1.0, 5.0, 2.0, 2.0, 9.0,
            3.0, 4.0, 7.0, 0.0, 9.0,
            8.0, 8.0, 8.0, 8.0, 9.0,
        ];
        let (out, arg) = forward(&x, 1, 3, 5, [2, 2], true);
        assert_eq!(out, [5.0, 7.0]);
        assert_eq!(arg.as_deref(), Some(&[1u32, 7][..]));
        assert_eq!(forward(&x, 1, 3, 5, [2, 2], false).0, out);
        let dx = backward(&[10.0, 20.0], &arg.unwrap(), 15);
        let mut want = [0.0; 15];
        (want[1], want[7]) = (10.0, 20.0);
        assert_eq!(dx, want);
        // Window 2x1 (the vertical pools), two planes.
        let (out, _) = forward(
            &[1.0, 6.0, 3.0, 2.0, -1.0, -2.0, -3.0, -4.0],
            2,
            2,
            2,
            [2, 1],
            false,
        );
        assert_eq!(out, [3.0, 6.0, -1.0, -2.0]);
    }
}
