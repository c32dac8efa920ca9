//! Convolution gradients by im2col / col2im and one matrix product per image, for stride-1
//! convolutions with zero padding that keeps the size ("same"): `x` is `[B, C, H, W]`, the
//! weight `[O, C, KH, KW]`, the output gradient `[B, O, H, W]`.

use super::activation::max;
use super::direct_conv::DirectConv;
use super::matmul::{MatRef, matmul};
use super::parallel;

/// Sizes of one convolution.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConvDims {
    /// Images.
    pub batch: usize,
    /// Input channels.
    pub channels: usize,
    /// Output channels.
    pub out: usize,
    /// Image height (input and output).
    pub height: usize,
    /// Image width (input and output).
    pub width: usize,
    /// Kernel height and width (odd).
    pub kernel: [usize; 2],
}

/// The columns of image `x` `[C, H, W]`: row `(c, i, j)` holds, for every output position, the
/// input value under kernel tap `(i, j)` of channel `c` (zero outside the image).
fn im2col(x: &[f32], d: &ConvDims, cols: &mut [f32]) {
    let [kh, kw] = d.kernel;
    let (h, w) = (d.height, d.width);
    let (ph, pw) = (kh / 2, kw / 2);
    for c in 0..d.channels {
        let image = &x[c * h * w..(c + 1) * h * w];
        for i in 0..kh {
            for j in 0..kw {
                let row = &mut cols[((c * kh + i) * kw + j) * h * w..][..h * w];
                for y in 0..h {
                    let out = &mut row[y * w..(y + 1) * w];
                    let sy = y + i;
                    if sy < ph || sy - ph >= h {
                        out.fill(0.0);
                        continue;
                    }
                    let src = &image[(sy - ph) * w..(sy - ph + 1) * w];
                    // Output column xo reads input column xo + j - pw.
                    let lo = pw.saturating_sub(j).min(w);
                    let hi = (w + pw).saturating_sub(j).min(w).max(lo);
                    out[..lo].fill(0.0);
                    out[hi..].fill(0.0);
                    out[lo..hi].copy_from_slice(&src[lo + j - pw..hi + j - pw]);
                }
            }
        }
    }
}

impl ConvDims {
    /// Values per image and channel.
    fn plane(&self) -> usize {
        self.height * self.width
    }

    /// Rows of the columns matrix: channels x kernel taps.
    fn taps(&self) -> usize {
        self.channels * self.kernel[0] * self.kernel[1]
    }

    fn one_by_one(&self) -> bool {
        self.kernel == [1, 1]
    }
}

/// The columns matrix `[C KH KW, H W]` of one image at a time: a buffer reused across images,
/// or the image itself for a 1x1 kernel (its columns are its pixels).
struct Columns<'d> {
    dims: &'d ConvDims,
    buffer: Vec<f32>,
}

impl<'d> Columns<'d> {
    fn new(dims: &'d ConvDims) -> Self {
        let size = if dims.one_by_one() {
            0
        } else {
            dims.taps() * dims.plane()
        };
        Self {
            dims,
            buffer: vec![0.0; size],
        }
    }

    /// The columns of `image` `[C, H, W]`.
    fn of<'a>(&'a mut self, image: &'a [f32]) -> MatRef<'a> {
        let d = self.dims;
        if d.one_by_one() {
            return MatRef::new(image, d.taps(), d.plane());
        }
        im2col(image, d, &mut self.buffer);
        MatRef::new(&self.buffer, d.taps(), d.plane())
    }
}

/// Image `b`'s `per` values of `x`.
fn image(x: &[f32], b: usize, per: usize) -> &[f32] {
    &x[b * per..(b + 1) * per]
}

/// The convolution `[B, O, H, W]` of `x` with `weight`, then, when `shift_relu` is given, per
/// output channel `o` the value `max(v + shift_relu[o], 0)` (BatchNorm folded into the weights
/// and ReLU, at inference), while the image's output is in cache. Per image, the weight
/// `[O, CK]` times the image's columns `[CK, HW]`; groups of images on the pool's threads (see
/// [`parallel`]).
pub fn forward(x: &[f32], weight: &[f32], d: &ConvDims, shift_relu: Option<&[f32]>) -> Vec<f32> {
    let (hw, ck) = (d.plane(), d.taps());
    assert_eq!(x.len(), d.batch * d.channels * hw, "input size");
    assert_eq!(weight.len(), d.out * ck, "weight size");
    if let Some(shift) = shift_relu {
        assert_eq!(shift.len(), d.out, "shift size");
    }
    let mut out = vec![0.0f32; d.batch * d.out * hw];
    let w = MatRef::new(weight, d.out, ck);
    parallel::map(
        parallel::pieces(&mut out, d.batch, d.out * hw),
        |(images, out)| {
            if !d.one_by_one() {
                let mut conv = DirectConv::new(weight, d);
                for (b, out) in images.zip(out.chunks_exact_mut(d.out * hw)) {
                    conv.image(image(x, b, d.channels * hw), shift_relu, out);
                }
                return;
            }
            let mut cols = Columns::new(d);
            for (b, out) in images.zip(out.chunks_exact_mut(d.out * hw)) {
                matmul(out, w, cols.of(image(x, b, d.channels * hw)), false);
                if let Some(shift) = shift_relu {
                    for (plane, &s) in out.chunks_exact_mut(hw).zip(shift) {
                        for v in plane {
                            *v = max(*v + s, 0.0);
                        }
                    }
                }
            }
        },
    );
    out
}

/// Adds columns `cols` (laid out as [`im2col`] makes them) back into image `dx` `[C, H, W]`.
#[cfg(any(test, feature = "autodiff"))]
fn col2im(cols: &[f32], d: &ConvDims, dx: &mut [f32]) {
    let [kh, kw] = d.kernel;
    let (h, w) = (d.height, d.width);
    let (ph, pw) = (kh / 2, kw / 2);
    for c in 0..d.channels {
        let image = &mut dx[c * h * w..(c + 1) * h * w];
        for i in 0..kh {
            for j in 0..kw {
                let row = &cols[((c * kh + i) * kw + j) * h * w..][..h * w];
                for y in 0..h {
                    let sy = y + i;
                    if sy < ph || sy - ph >= h {
                        continue;
                    }
                    let lo = pw.saturating_sub(j).min(w);
                    let hi = (w + pw).saturating_sub(j).min(w).max(lo);
                    let dst = &mut image[(sy - ph) * w..(sy - ph + 1) * w];
                    for (t, &v) in dst[lo + j - pw..hi + j - pw]
                        .iter_mut()
                        .zip(&row[y * w + lo..y * w + hi])
                    {
                        *t += v;
                    }
                }
            }
        }
    }
}

/// The input gradient `[B, C, H, W]` of a "same" stride-1 convolution with `weight`, given the
/// output gradient `grad`.
#[cfg(any(test, feature = "autodiff"))]
pub fn input_grad(weight: &[f32], grad: &[f32], d: &ConvDims) -> Vec<f32> {
    let (hw, ck) = (d.plane(), d.taps());
    assert_eq!(weight.len(), d.out * ck, "weight size");
    assert_eq!(grad.len(), d.batch * d.out * hw, "output gradient size");
    let mut dx = vec![0.0f32; d.batch * d.channels * hw];
    let w_t = MatRef::new(weight, d.out, ck).t();
    parallel::map(
        parallel::pieces(&mut dx, d.batch, d.channels * hw),
        |(images, dx)| {
            let mut cols = Columns::new(d);
            for (b, dx) in images.zip(dx.chunks_exact_mut(d.channels * hw)) {
                let g = MatRef::new(image(grad, b, d.out * hw), d.out, hw);
                if d.one_by_one() {
                    matmul(dx, w_t, g, false);
                } else {
                    matmul(&mut cols.buffer, w_t, g, false);
                    col2im(&cols.buffer, d, dx);
                }
            }
        },
    );
    dx
}

/// The weight gradient `[O, C, KH, KW]` of a "same" stride-1 convolution of `x` given the output
/// gradient `grad`: each group of images sums its own part, then the parts are added.
#[cfg(any(test, feature = "autodiff"))]
pub fn weight_grad(x: &[f32], grad: &[f32], d: &ConvDims) -> Vec<f32> {
    let (hw, ck) = (d.plane(), d.taps());
    assert_eq!(x.len(), d.batch * d.channels * hw, "input size");
    assert_eq!(grad.len(), d.batch * d.out * hw, "output gradient size");
    let parts = parallel::map(parallel::thread_groups(d.batch), |images| {
        let mut dw = vec![0.0f32; d.out * ck];
        let mut cols = Columns::new(d);
        let first = images.start;
        for b in images {
            let g = MatRef::new(image(grad, b, d.out * hw), d.out, hw);
            matmul(
                &mut dw,
                g,
                cols.of(image(x, b, d.channels * hw)).t(),
                b > first,
            );
        }
        dw
    });
    parallel::sum(parts, d.out * ck)
}

#[cfg(test)]
pub(super) mod tests {
    use super::*;

    /// The definition: dW[o, c, i, j] = sum over b, y, x of grad[b, o, y, x] * x[b, c, y+i-ph, x+j-pw].
    fn naive(x: &[f32], grad: &[f32], d: &ConvDims) -> Vec<f32> {
        let [kh, kw] = d.kernel;
        let (h, w) = (d.height as isize, d.width as isize);
        let mut out = vec![0.0f32; d.out * d.channels * kh * kw];
        for o in 0..d.out {
            for c in 0..d.channels {
                for i in 0..kh {
                    for j in 0..kw {
                        let mut s = 0.0;
                        for b in 0..d.batch {
                            for y in 0..h {
                                for xo in 0..w {
                                    let sy = y + i as isize - (kh / 2) as isize;
                                    let sx = xo + j as isize - (kw / 2) as isize;
                                    if sy < 0 || sy >= h || sx < 0 || sx >= w {
                                        continue;
                                    }
                                    let g = grad[((b * d.out + o) * d.height + y as usize)
                                        * d.width
                                        + xo as usize];
                                    let v = x[((b * d.channels + c) * d.height + sy as usize)
                                        * d.width
                                        + sx as usize];
                                    s += g * v;
                                }
                            }
                        }
                        out[((o * d.channels + c) * kh + i) * kw + j] = s;
                    }
                }
            }
        }
        out
    }

    /// The definition: dx[b, c, sy, sx] = sum over o, i, j of grad[b, o, sy-i+ph, sx-j+pw] w[o, c, i, j].
    fn naive_input(weight: &[f32], grad: &[f32], d: &ConvDims) -> Vec<f32> {
        let [kh, kw] = d.kernel;
        let (h, w) = (d.height as isize, d.width as isize);
        let mut out = vec![0.0f32; d.batch * d.channels * d.height * d.width];
        for b in 0..d.batch {
            for c in 0..d.channels {
                for sy in 0..h {
                    for sx in 0..w {
                        let mut s = 0.0;
                        for o in 0..d.out {
                            for i in 0..kh {
                                for j in 0..kw {
                                    let y = sy - i as isize + (kh / 2) as isize;
                                    let x = sx - j as isize + (kw / 2) as isize;
                                    if y < 0 || y >= h || x < 0 || x >= w {
                                        continue;
                                    }
                                    s += grad[((b * d.out + o) * d.height + y as usize) * d.width
                                        + x as usize]
                                        * weight[((o * d.channels + c) * kh + i) * kw + j];
                                }
                            }
                        }
                        out[((b * d.channels + c) * d.height + sy as usize) * d.width
                            + sx as usize] = s;
                    }
                }
            }
        }
        out
    }

    #[test]
    fn the_forward_matches_the_definition_on_both_paths_with_and_without_the_epilogue() {
        // Odd widths and channel counts; kernels 3x3 and 1x5 (odd, not square).
        for (channels, width, kernel) in [
            (3, 6, [3, 3]),
            (3, 70, [3, 3]),
            (12, 70, [3, 3]),
            (2, 9, [1, 5]),
        ] {
            let d = ConvDims {
                batch: 2,
                channels,
                out: 4,
                height: 5,
                width,
                kernel,
            };
            let [kh, kw] = kernel;
            let x: Vec<f32> = (0..2 * channels * 5 * width)
                .map(|i| (i as f32 * 0.37).sin())
                .collect();
            let weight: Vec<f32> = (0..4 * channels * kh * kw)
                .map(|i| (i as f32 * 0.53).sin())
                .collect();
            let shift = [0.5, -0.25, 0.0, -3.0];
            let plain = forward(&x, &weight, &d, None);
            let fused = forward(&x, &weight, &d, Some(&shift));
            let want = reference(&x, &weight, &d);
            for (at, (&got, &s)) in plain.iter().zip(&want).enumerate() {
                assert!((got - s).abs() < 1e-4, "{got} vs {s} ({d:?})");
                let o = at / (5 * width) % 4;
                let want = (s + shift[o]).max(0.0);
                assert!((fused[at] - want).abs() < 1e-4, "{} vs {want}", fused[at]);
            }
        }
    }

    /// The convolution by its definition, one output value at a time.
    pub(in crate::kernels) fn reference(x: &[f32], weight: &[f32], d: &ConvDims) -> Vec<f32> {
        let [kh, kw] = d.kernel;
        let (h, w) = (d.height as isize, d.width as isize);
        let mut out = vec![0.0; d.batch * d.out * d.plane()];
        for b in 0..d.batch {
            for o in 0..d.out {
                for y in 0..h {
                    for xo in 0..w {
                        let mut s = 0.0;
                        for c in 0..d.channels {
                            for i in 0..kh {
                                for j in 0..kw {
                                    let sy = y + i as isize - kh as isize / 2;
                                    let sx = xo + j as isize - kw as isize / 2;
                                    if (0..h).contains(&sy) && (0..w).contains(&sx) {
                                        let at = ((b * d.channels + c) as isize * h + sy) * w + sx;
                                        s += x[at as usize]
                                            * weight[((o * d.channels + c) * kh + i) * kw + j];
                                    }
                                }
                            }
                        }
                        out[((b * d.out + o) as isize * h + y) as usize * d.width + xo as usize] =
                            s;
                    }
                }
            }
        }
        out
    }

    #[test]
    fn gradients_match_the_definition() {
        for (kernel, height, width) in [
            ([3, 3], 4, 7),
            ([1, 1], 3, 5),
            ([3, 3], 1, 2),
            ([3, 3], 5, 1),
        ] {
            let d = ConvDims {
                batch: 2,
                channels: 3,
                out: 4,
                height,
                width,
                kernel,
            };
            let x: Vec<f32> = (0..2 * 3 * height * width)
                .map(|i| (i as f32 * 0.37).sin())
                .collect();
            let g: Vec<f32> = (0..2 * 4 * height * width)
                .map(|i| (i as f32 * 0.91).cos())
                .collect();
            let got = weight_grad(&x, &g, &d);
            for (a, b) in got.iter().zip(naive(&x, &g, &d)) {
                assert!(
                    (a - b).abs() < 1e-4,
                    "{kernel:?} {height}x{width}: {a} vs {b}"
                );
            }
            let weight: Vec<f32> = (0..4 * 3 * kernel[0] * kernel[1])
                .map(|i| (i as f32 * 0.53).sin())
                .collect();
            let got = input_grad(&weight, &g, &d);
            for (a, b) in got.iter().zip(naive_input(&weight, &g, &d)) {
                assert!(
                    (a - b).abs() < 1e-4,
                    "input {kernel:?} {height}x{width}: {a} vs {b}"
                );
            }
        }
    }
}
