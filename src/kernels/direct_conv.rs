//! Direct convolution for the forward pass of kernels wider than 1x1: each tile of output
//! pixels (a run of one row, for a block of output channels) is summed in registers from the
//! input rows under it, with no columns matrix. im2col + gemm wrote every input value nine
//! times and packed it again, and few channels (1 -> 8, 8 -> 16) left the products too small to
//! run at speed; here every input value loaded feeds a block of output channels at once.

use super::activation::max;
use super::conv::ConvDims;
use super::mul_add;
use super::packing_cache::PackingCache;
use super::tune::Isa;
use std::cell::RefCell;
use std::rc::Rc;

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

    /// [`Packed::new`], or the same packing made before on this thread for a weight equal to
    /// `weight` byte for byte (see [`PackingCache`]).
    fn cached(weight: &[f32], d: &ConvDims, block: usize) -> Rc<Self> {
        PACKED.with_borrow_mut(|cache| {
            cache.get(
                weight,
                [block, d.out],
                || Packed::new(weight, d, block),
                |p| p.data.len(),
            )
        })
    }
}

thread_local! {
    /// The packings of the weights convolved last on this thread.
    static PACKED: RefCell<PackingCache<Packed>> = const { RefCell::new(PackingCache::new()) };
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

thread_local! {
    /// The buffer of the last [`Padded`] dropped on this thread, for the next one: a page of
    /// lines convolves layer after layer, and a fresh buffer each time cost its zeroing and its
    /// pages' first touches.
    static SPARE: std::cell::Cell<Vec<f32>> = const { std::cell::Cell::new(Vec::new()) };
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
        // Whatever the spare buffer holds is overwritten: `fill` writes every value.
        let mut data = SPARE.take();
        data.resize(d.channels * height * width, 0.0);
        Self {
            data,
            width,
            height,
            taps,
        }
    }

    /// Copies `image` `[C, H, W]` in, and zeros around it (every value is written).
    fn fill(&mut self, image: &[f32], d: &ConvDims) {
        let [kh, kw] = d.kernel;
        let (ph, pw) = (kh / 2, kw / 2);
        let (width, height) = (self.width, self.height);
        let planes = self.data.chunks_exact_mut(height * width);
        for (plane, src) in planes.zip(image.chunks_exact(d.height * d.width)) {
            let (top, rest) = plane.split_at_mut(ph * width);
            let (rows, bottom) = rest.split_at_mut(d.height * width);
            top.fill(0.0);
            bottom.fill(0.0);
            for (row, src) in rows.chunks_exact_mut(width).zip(src.chunks_exact(d.width)) {
                let (left, rest) = row.split_at_mut(pw);
                let (middle, right) = rest.split_at_mut(d.width);
                left.fill(0.0);
                middle.copy_from_slice(src);
                right.fill(0.0);
            }
        }
    }
}

impl Drop for Padded {
    fn drop(&mut self) {
        SPARE.set(std::mem::take(&mut self.data));
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

/// [`tile`] in AVX-512 registers by hand: `NX` vectors of 16 pixels (`XT = 16 NX`) for each of
/// `OB` channels. LLVM's vectorizer kept this tile in registers for some shapes and spilled it
/// to the stack for others; written out it cannot.
#[cfg(target_arch = "x86_64")]
#[inline]
#[target_feature(enable = "avx512f,fma")]
fn tile_avx512<const OB: usize, const XT: usize, const NX: usize>(
    input: &[f32],
    taps: &[usize],
    weights: &[f32],
) -> [[f32; XT]; OB] {
    use std::arch::x86_64::*;
    debug_assert_eq!(XT, 16 * NX);
    let mut acc = [[_mm512_setzero_ps(); NX]; OB];
    for (t, &at) in taps.iter().enumerate() {
        let v_src = &input[at..at + XT];
        let w_src: &[f32; OB] = weights[t * OB..(t + 1) * OB].try_into().expect("a block");
        let mut v = [_mm512_setzero_ps(); NX];
        for (q, vq) in v.iter_mut().enumerate() {
            // SAFETY: `v_src` holds XT = 16 NX values, so 16 from 16 q are in it.
            *vq = unsafe { _mm512_loadu_ps(v_src.as_ptr().add(16 * q)) };
        }
        for (a, &wo) in acc.iter_mut().zip(w_src) {
            let wo = _mm512_set1_ps(wo);
            for (aq, &vq) in a.iter_mut().zip(&v) {
                *aq = _mm512_fmadd_ps(wo, vq, *aq);
            }
        }
    }
    let mut out = [[0.0f32; XT]; OB];
    for (dst, a) in out.iter_mut().zip(&acc) {
        for (q, &aq) in a.iter().enumerate() {
            // SAFETY: `dst` holds XT = 16 NX values, so 16 from 16 q are in it.
            unsafe { _mm512_storeu_ps(dst.as_mut_ptr().add(16 * q), aq) };
        }
    }
    out
}

/// One image's convolution into `out` `[O, H, W]` from its padded input, tiles of `OB` output
/// channels by `XT` pixels of a row (`XH` for a row's last tile when that is all it needs:
/// `half`), with per-channel `shift` + ReLU when given.
#[inline(always)]
#[allow(clippy::too_many_arguments)]
fn image_body<const OB: usize, const XT: usize, const XH: usize>(
    padded: &Padded,
    packed: &Packed,
    d: &ConvDims,
    shift_relu: Option<&[f32]>,
    out: &mut [f32],
    tile: impl Fn(&[f32], &[usize], &[f32]) -> [[f32; XT]; OB],
    half: impl Fn(&[f32], &[usize], &[f32]) -> [[f32; XH]; OB],
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
                let at = Tile { d, blk, y, x0, n };
                if n <= XH {
                    at.store(
                        &half(&padded.data[base..], &padded.taps, weights),
                        shift_relu,
                        out,
                    );
                } else {
                    at.store(
                        &tile(&padded.data[base..], &padded.taps, weights),
                        shift_relu,
                        out,
                    );
                }
            }
        }
    }
}

/// Where a tile's sums go: block `blk` of output channels, row `y`, `n` pixels from `x0`.
struct Tile<'a> {
    d: &'a ConvDims,
    blk: usize,
    y: usize,
    x0: usize,
    n: usize,
}

impl Tile<'_> {
    /// Writes the tile's sums `acc` (`OB` channels of `X` pixels, `n` of them real) into
    /// `out`, shifted and through ReLU when `shift_relu` is given.
    #[inline(always)]
    fn store<const OB: usize, const X: usize>(
        &self,
        acc: &[[f32; X]; OB],
        shift_relu: Option<&[f32]>,
        out: &mut [f32],
    ) {
        let (h, w) = (self.d.height, self.d.width);
        let channels = OB.min(self.d.out - self.blk * OB);
        for (o, a) in acc.iter().enumerate().take(channels) {
            let oc = self.blk * OB + o;
            let dst = &mut out[(oc * h + self.y) * w + self.x0..][..self.n];
            match shift_relu {
                Some(shift) => {
                    for (t, &s) in dst.iter_mut().zip(a) {
                        *t = max(s + shift[oc], 0.0);
                    }
                }
                None => dst.copy_from_slice(&a[..self.n]),
            }
        }
    }
}

/// (output channels, pixels) per tile with AVX-512: 24 of its 32 registers accumulate. 12
/// channels divide ship v4's layers (24 to 192 channels) evenly; it beat 8 x 32 there by 6 %.
#[cfg(target_arch = "x86_64")]
const AVX512: (usize, usize) = (12, 32);
/// With AVX2: 12 of 16 registers.
#[cfg(target_arch = "x86_64")]
const AVX2: (usize, usize) = (4, 24);
/// With 128-bit vectors (wasm simd128, x86 without AVX2): 12 of 16 registers.
const PLAIN: (usize, usize) = (4, 12);

/// (output channels, pixels) per tile with instruction set `isa`.
fn tile_of(isa: Isa) -> (usize, usize) {
    match isa {
        #[cfg(target_arch = "x86_64")]
        Isa::Avx512 => AVX512,
        #[cfg(target_arch = "x86_64")]
        Isa::Avx2 => AVX2,
        Isa::Plain => PLAIN,
    }
}

/// [`image_body`] with instruction set `isa` (which this CPU must have), its tile shape
/// [`tile_of`].
fn run(isa: Isa, p: &Padded, k: &Packed, d: &ConvDims, s: Option<&[f32]>, out: &mut [f32]) {
    match isa {
        #[cfg(target_arch = "x86_64")]
        Isa::Avx512 => {
            #[target_feature(enable = "avx512f,fma")]
            fn avx512(p: &Padded, k: &Packed, d: &ConvDims, s: Option<&[f32]>, o: &mut [f32]) {
                image_body::<{ AVX512.0 }, { AVX512.1 }, { AVX512.1 / 2 }>(
                    p,
                    k,
                    d,
                    s,
                    o,
                    |i, t, w| tile_avx512::<{ AVX512.0 }, { AVX512.1 }, { AVX512.1 / 16 }>(i, t, w),
                    |i, t, w| {
                        tile_avx512::<{ AVX512.0 }, { AVX512.1 / 2 }, { AVX512.1 / 32 }>(i, t, w)
                    },
                )
            }
            // SAFETY: `isa` is one of `Isa::available()`: this CPU has AVX-512F and FMA.
            unsafe { avx512(p, k, d, s, out) }
        }
        #[cfg(target_arch = "x86_64")]
        Isa::Avx2 => {
            #[target_feature(enable = "avx2,fma")]
            fn avx2(p: &Padded, k: &Packed, d: &ConvDims, s: Option<&[f32]>, o: &mut [f32]) {
                image_body::<{ AVX2.0 }, { AVX2.1 }, { AVX2.1 / 2 }>(
                    p,
                    k,
                    d,
                    s,
                    o,
                    tile::<{ AVX2.0 }, { AVX2.1 }, true>,
                    tile::<{ AVX2.0 }, { AVX2.1 / 2 }, true>,
                )
            }
            // SAFETY: `isa` is one of `Isa::available()`: this CPU has AVX2 and FMA.
            unsafe { avx2(p, k, d, s, out) }
        }
        Isa::Plain => image_body::<{ PLAIN.0 }, { PLAIN.1 }, { PLAIN.1 / 2 }>(
            p,
            k,
            d,
            s,
            out,
            tile::<{ PLAIN.0 }, { PLAIN.1 }, false>,
            tile::<{ PLAIN.0 }, { PLAIN.1 / 2 }, false>,
        ),
    }
}

/// What [`super::tune`] times for the convolutions: a 16 -> 32 channel 3x3 layer on a 6 x 96
/// image (a middle layer of a short line).
pub(super) fn probe_convolution(isa: Isa) {
    let d = ConvDims {
        batch: 1,
        channels: 16,
        out: 32,
        height: 6,
        width: 96,
        kernel: [3, 3],
    };
    let weight: Vec<f32> = (0..32 * 16 * 9).map(|i| (i % 5) as f32 * 0.1).collect();
    let x = vec![0.5f32; 16 * 6 * 96];
    let (block, tile) = tile_of(isa);
    let mut padded = Padded::new(&d, tile);
    padded.fill(&x, &d);
    let packed = Packed::new(&weight, &d, block);
    let mut out = vec![0.0f32; 32 * 6 * 96];
    for _ in 0..4 {
        run(isa, &padded, &packed, &d, None, &mut out);
    }
    std::hint::black_box(&out);
}

/// A convolution of one weight over images, its buffers reused from image to image.
pub struct DirectConv<'d> {
    dims: &'d ConvDims,
    isa: Isa,
    packed: Rc<Packed>,
    padded: Padded,
}

impl<'d> DirectConv<'d> {
    /// Ready to convolve images of `dims` with `weight` `[O, C, KH, KW]`.
    pub fn new(weight: &[f32], dims: &'d ConvDims) -> Self {
        let isa = super::tune::choices().convolution;
        let (block, tile) = tile_of(isa);
        Self {
            dims,
            isa,
            packed: Packed::cached(weight, dims, block),
            padded: Padded::new(dims, tile),
        }
    }

    /// `out` `[O, H, W]` = `image` `[C, H, W]` convolved ("same", stride 1, no bias), then
    /// `max(v + shift_relu[o], 0)` per output channel `o` when given.
    pub fn image(&mut self, image: &[f32], shift_relu: Option<&[f32]>, out: &mut [f32]) {
        self.padded.fill(image, self.dims);
        run(
            self.isa,
            &self.padded,
            &self.packed,
            self.dims,
            shift_relu,
            out,
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kernels::conv::tests::reference;

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
            let mut fused: Option<Vec<f32>> = None;
            for isa in Isa::available() {
                let (block, tile) = tile_of(isa);
                // A reused buffer holds whatever came before: none of it may leak into a sum.
                SPARE.set(vec![f32::NAN; 4096]);
                let mut padded = Padded::new(&d, tile);
                padded.fill(&x, &d);
                let packed = Packed::new(&weight, &d, block);
                let mut got = vec![f32::NAN; want.len()];
                run(isa, &padded, &packed, &d, None, &mut got);
                for (g, w) in got.iter().zip(&want) {
                    assert!((g - w).abs() < 1e-4, "{isa:?} {d:?}: {g} vs {w}");
                }
                // Every width with FMA sums each output in the same order: the same bits, so
                // which width the start-up timing picks never changes a result.
                if isa != Isa::Plain {
                    match &fused {
                        Some(first) => assert_eq!(first, &got, "{isa:?} {d:?}"),
                        None => fused = Some(got.clone()),
                    }
                }
                run(isa, &padded, &packed, &d, Some(&shift), &mut got);
                for (at, (g, w)) in got.iter().zip(&want).enumerate() {
                    let w = (w + shift[at / (height * width)]).max(0.0);
                    assert!((g - w).abs() < 1e-4, "{isa:?} {d:?}: {g} vs {w}");
                }
            }
        }
    }
}
