//! Direct convolution for the forward pass of kernels wider than 1x1: each tile of output
//! pixels (a run of one row, for a block of output channels) is summed in registers from the
//! input rows under it, with no columns matrix. im2col + gemm wrote every input value nine
//! times and packed it again, and few channels (1 -> 8, 8 -> 16) left the products too small to
//! run at speed; here every input value loaded feeds a block of output channels at once.

use super::activation::max;
use super::conv::ConvDims;
use super::mul_add;

/// The weight `[O, C, KH, KW]` rearranged for tiles of `block` output channels: per block, per
/// tap `(c, i, j)`, the block's `block` weights side by side (zeros past the last channel).
#[derive(Debug, Clone)]
struct Packed {
    data: Vec<f32>,
}

impl Packed {
    fn new(weight: &[f32], d: &ConvDims, block: usize) -> Self {
        let taps = d.channels * d.kernel[0] * d.kernel[1];
        let blocks = d.out.div_ceil(block);
        let mut data = vec![0.0f32; blocks * taps * block];
        for o in 0..d.out {
            let (b, lane) = (o / block, o % block);
            for t in 0..taps {
                data[(b * taps + t) * block + lane] = weight[o * taps + t];
            }
        }
        Self { data }
    }
}

/// The input image `[C, H, W]` with a zero border: `KH/2` rows above and below, `KW/2` columns
/// left, and on the right enough to read whole tiles of `tile` pixels past the last column.
struct Padded {
    data: Vec<f32>,
    /// Row length.
    width: usize,
    /// Rows per channel.
    height: usize,
    /// Per tap `(c, i, j)` of the kernel, in the weight's order, where the input under the
    /// first output pixel `(0, 0)` is.
    taps: Vec<usize>,
}

impl Padded {
    fn new(d: &ConvDims, tile: usize) -> Self {
        let [kh, kw] = d.kernel;
        let width = d.width.div_ceil(tile) * tile + kw - 1;
        let height = d.height + kh - 1;
        let taps = (0..d.channels)
            .flat_map(|c| (0..kh).flat_map(move |i| (0..kw).map(move |j| (c, i, j))))
            .map(|(c, i, j)| (c * height + i) * width + j)
            .collect();
        Self {
            data: vec![0.0; d.channels * height * width],
            width,
            height,
            taps,
        }
    }

    /// Copies `image` `[C, H, W]` in (the border stays zero).
    fn fill(&mut self, image: &[f32], d: &ConvDims) {
        let [kh, kw] = d.kernel;
        let (ph, pw) = (kh / 2, kw / 2);
        for (c, plane) in image.chunks_exact(d.height * d.width).enumerate() {
            for (y, row) in plane.chunks_exact(d.width).enumerate() {
                let at = (c * self.height + y + ph) * self.width + pw;
                self.data[at..at + d.width].copy_from_slice(row);
            }
        }
    }
}

/// One tile: `OB` output channels by `XT` pixels summed over the kernel's taps, from the
/// input at the tile's first pixel (`input`) and the block's weights (`OB` per tap).
#[inline(always)]
fn tile<const OB: usize, const XT: usize, const FUSED: bool>(
    input: &[f32],
    taps: &[usize],
    weights: &[f32],
) -> [[f32; XT]; OB] {
    let mut acc = [[0.0f32; XT]; OB];
    for (t, &at) in taps.iter().enumerate() {
        let v: &[f32; XT] = input[at..at + XT].try_into().expect("a tile");
        let wt: &[f32; OB] = weights[t * OB..(t + 1) * OB].try_into().expect("a block");
        // Pixel outer, channel inner: what LLVM turns into one vector load and a broadcast
        // weight per channel (the other order it vectorized across channels, with gathers).
        for (x, &vx) in v.iter().enumerate() {
            for (a, &wo) in acc.iter_mut().zip(wt) {
                a[x] = mul_add::<FUSED>(wo, vx, a[x]);
            }
        }
    }
    acc
}

/// One image's convolution into `out` `[O, H, W]` from its padded input, tiles of `OB` output
/// channels by `XT` pixels of a row, with per-channel `shift` + ReLU when given.
#[inline(always)]
fn image_body<const OB: usize, const XT: usize, const FUSED: bool>(
    padded: &Padded,
    packed: &Packed,
    d: &ConvDims,
    shift_relu: Option<&[f32]>,
    out: &mut [f32],
) {
    let (h, w) = (d.height, d.width);
    let taps = padded.taps.len();
    // Tile by tile, every block of output channels while the tile's input is in L1; the
    // weights stream through in order.
    for y in 0..h {
        for x0 in (0..w).step_by(XT) {
            let base = y * padded.width + x0;
            let n = XT.min(w - x0);
            for (blk, weights) in packed.data.chunks_exact(taps * OB).enumerate() {
                let acc = tile::<OB, XT, FUSED>(&padded.data[base..], &padded.taps, weights);
                let channels = OB.min(d.out - blk * OB);
                for (o, a) in acc.iter().enumerate().take(channels) {
                    let oc = blk * OB + o;
                    let dst = &mut out[(oc * h + y) * w + x0..][..n];
                    match shift_relu {
                        Some(shift) => {
                            for (t, &s) in dst.iter_mut().zip(a) {
                                *t = max(s + shift[oc], 0.0);
                            }
                        }
                        None => dst.copy_from_slice(&a[..n]),
                    }
                }
            }
        }
    }
}

/// (output channels, pixels) per tile with AVX-512: 16 of its 32 registers accumulate.
#[cfg(target_arch = "x86_64")]
const AVX512: (usize, usize) = (8, 32);
/// With AVX2: 12 of 16 registers.
#[cfg(target_arch = "x86_64")]
const AVX2: (usize, usize) = (4, 24);
/// With 128-bit vectors (wasm simd128, x86 without AVX2): 12 of 16 registers.
const PLAIN: (usize, usize) = (4, 12);

/// The tile shape of this CPU's widest vectors: output channels per tile and pixels per tile,
/// chosen so the tile's accumulators fill most of the vector registers (32 with AVX-512, 16
/// with AVX2 and in wasm) and leave room for the input vectors.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Path {
    #[cfg(target_arch = "x86_64")]
    Avx512,
    #[cfg(target_arch = "x86_64")]
    Avx2,
    Plain,
}

impl Path {
    fn detect() -> Self {
        #[cfg(target_arch = "x86_64")]
        {
            if std::is_x86_feature_detected!("avx512f") && std::is_x86_feature_detected!("fma") {
                return Path::Avx512;
            }
            if std::is_x86_feature_detected!("avx2") && std::is_x86_feature_detected!("fma") {
                return Path::Avx2;
            }
        }
        Path::Plain
    }

    /// (output channels, pixels) per tile.
    fn tile(self) -> (usize, usize) {
        match self {
            #[cfg(target_arch = "x86_64")]
            Path::Avx512 => AVX512,
            #[cfg(target_arch = "x86_64")]
            Path::Avx2 => AVX2,
            Path::Plain => PLAIN,
        }
    }

    fn run(self, p: &Padded, k: &Packed, d: &ConvDims, s: Option<&[f32]>, out: &mut [f32]) {
        match self {
            #[cfg(target_arch = "x86_64")]
            Path::Avx512 => {
                #[target_feature(enable = "avx512f,fma")]
                fn avx512(p: &Padded, k: &Packed, d: &ConvDims, s: Option<&[f32]>, o: &mut [f32]) {
                    image_body::<{ AVX512.0 }, { AVX512.1 }, true>(p, k, d, s, o)
                }
                // SAFETY: `detect` found AVX-512F and FMA on this CPU.
                unsafe { avx512(p, k, d, s, out) }
            }
            #[cfg(target_arch = "x86_64")]
            Path::Avx2 => {
                #[target_feature(enable = "avx2,fma")]
                fn avx2(p: &Padded, k: &Packed, d: &ConvDims, s: Option<&[f32]>, o: &mut [f32]) {
                    image_body::<{ AVX2.0 }, { AVX2.1 }, true>(p, k, d, s, o)
                }
                // SAFETY: `detect` found AVX2 and FMA on this CPU.
                unsafe { avx2(p, k, d, s, out) }
            }
            Path::Plain => image_body::<{ PLAIN.0 }, { PLAIN.1 }, false>(p, k, d, s, out),
        }
    }
}

/// A convolution of one weight over images, its buffers reused from image to image.
pub struct DirectConv<'d> {
    dims: &'d ConvDims,
    path: Path,
    packed: Packed,
    padded: Padded,
}

impl<'d> DirectConv<'d> {
    /// Ready to convolve images of `dims` with `weight` `[O, C, KH, KW]`.
    pub fn new(weight: &[f32], dims: &'d ConvDims) -> Self {
        let path = Path::detect();
        let (block, tile) = path.tile();
        Self {
            dims,
            path,
            packed: Packed::new(weight, dims, block),
            padded: Padded::new(dims, tile),
        }
    }

    /// `out` `[O, H, W]` = `image` `[C, H, W]` convolved ("same", stride 1, no bias), then
    /// `max(v + shift_relu[o], 0)` per output channel `o` when given.
    pub fn image(&mut self, image: &[f32], shift_relu: Option<&[f32]>, out: &mut [f32]) {
        self.padded.fill(image, self.dims);
        self.path
            .run(&self.padded, &self.packed, self.dims, shift_relu, out);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kernels::conv::tests::reference;

    /// Every path this CPU can run, the plain one always.
    fn paths() -> Vec<Path> {
        let mut paths = vec![Path::Plain];
        #[cfg(target_arch = "x86_64")]
        {
            if std::is_x86_feature_detected!("avx2") && std::is_x86_feature_detected!("fma") {
                paths.push(Path::Avx2);
            }
            if std::is_x86_feature_detected!("avx512f") && std::is_x86_feature_detected!("fma") {
                paths.push(Path::Avx512);
            }
        }
        paths
    }

    #[test]
    fn every_path_matches_the_definition_on_ragged_tiles_and_blocks() {
        // Output channels that fill no block (3), one and a bit (9, 13); widths shorter than a
        // tile, and one past whole tiles; 3x3, 1x5 and 5x3 kernels.
        for (channels, out, height, width, kernel) in [
            (1, 3, 4, 5, [3, 3]),
            (2, 9, 3, 33, [3, 3]),
            (5, 13, 6, 97, [3, 3]),
            (3, 8, 2, 25, [1, 5]),
            (2, 4, 7, 13, [5, 3]),
        ] {
            let d = ConvDims {
                batch: 1,
                channels,
                out,
                height,
                width,
                kernel,
            };
            let x: Vec<f32> = (0..channels * height * width)
                .map(|i| (i as f32 * 0.37).sin())
                .collect();
            let weight: Vec<f32> = (0..out * channels * kernel[0] * kernel[1])
                .map(|i| (i as f32 * 0.53).cos())
                .collect();
            let shift: Vec<f32> = (0..out).map(|o| o as f32 * 0.3 - 1.0).collect();
            let want = reference(&x, &weight, &d);
            for path in paths() {
                let (block, tile) = path.tile();
                let mut padded = Padded::new(&d, tile);
                padded.fill(&x, &d);
                let packed = Packed::new(&weight, &d, block);
                let mut got = vec![f32::NAN; want.len()];
                path.run(&padded, &packed, &d, None, &mut got);
                for (g, w) in got.iter().zip(&want) {
                    assert!((g - w).abs() < 1e-4, "{path:?} {d:?}: {g} vs {w}");
                }
                path.run(&padded, &packed, &d, Some(&shift), &mut got);
                for (at, (g, w)) in got.iter().zip(&want).enumerate() {
                    let w = (w + shift[at / (height * width)]).max(0.0);
                    assert!((g - w).abs() < 1e-4, "{path:?} {d:?}: {g} vs {w}");
                }
            }
        }
    }
}
