//! Matrix products over plain row-major `f32` slices (the `gemm` crate, one thread), for the
//! kernels that burn's per-op tensors make slow: the LSTM recurrence step by step.

use super::mul_add;
use super::packing_cache::PackingCache;
use super::tune::Isa;
use std::cell::RefCell;
use std::rc::Rc;

/// A row-major matrix view: `rows x cols` elements of `data`, optionally read transposed.
#[derive(Debug, Clone, Copy)]
pub struct MatRef<'a> {
    data: &'a [f32],
    rows: usize,
    cols: usize,
    transposed: bool,
}

impl<'a> MatRef<'a> {
    /// The `rows x cols` row-major matrix in `data` (which holds at least `rows * cols` values).
    pub fn new(data: &'a [f32], rows: usize, cols: usize) -> Self {
        assert!(data.len() >= rows * cols, "matrix data too short");
        Self {
            data,
            rows,
            cols,
            transposed: false,
        }
    }

    /// The transpose, without copying.
    #[cfg(any(test, feature = "autodiff"))]
    pub fn t(self) -> Self {
        Self {
            transposed: !self.transposed,
            ..self
        }
    }

    /// (rows, cols) as read.
    fn shape(&self) -> (usize, usize) {
        if self.transposed {
            (self.cols, self.rows)
        } else {
            (self.rows, self.cols)
        }
    }

    /// (row stride, column stride) as read.
    fn strides(&self) -> (isize, isize) {
        if self.transposed {
            (1, self.cols as isize)
        } else {
            (self.cols as isize, 1)
        }
    }
}

/// Rows of `a` at most this many, with `a` and `b` read as stored, take [`rows_times`]: a few
/// vector-matrix products (the LSTM step of one line) cost less as row sweeps than through a
/// general product's packing.
const FEW_ROWS: usize = 4;

/// Output columns one sweep keeps in registers (8 AVX vectors).
#[cfg(not(target_arch = "wasm32"))]
const CHUNK: usize = 64;
/// Output columns one sweep keeps in registers: 8 of wasm's 128-bit vectors (the engine maps
/// them onto 16 machine registers; 16 vectors spilled).
#[cfg(target_arch = "wasm32")]
const CHUNK: usize = 32;

/// `dst[i] (+)= a[i] b` for each of the few rows `i` of `a`: for each chunk of output columns,
/// accumulators held in registers over all of `b`'s rows scaled by `a[i][p]` (loads only, no
/// stores in the inner loop).
#[inline(always)]
fn few_rows_body<const FUSED: bool>(
    dst: &mut [f32],
    a: &[f32],
    b: &[f32],
    m: usize,
    k: usize,
    n: usize,
    accumulate: bool,
) {
    for i in 0..m {
        let out = &mut dst[i * n..(i + 1) * n];
        let row = &a[i * k..(i + 1) * k];
        let mut j = 0;
        while j + CHUNK <= n {
            let mut acc = [0.0f32; CHUNK];
            if accumulate {
                acc.copy_from_slice(&out[j..j + CHUNK]);
            }
            for (p, &ap) in row.iter().enumerate() {
                let bp: &[f32; CHUNK] =
                    b[p * n + j..p * n + j + CHUNK].try_into().expect("a chunk");
                for (x, &bv) in acc.iter_mut().zip(bp) {
                    *x = mul_add::<FUSED>(ap, bv, *x);
                }
            }
            out[j..j + CHUNK].copy_from_slice(&acc);
            j += CHUNK;
        }
        let tail = &mut out[j..];
        if !accumulate {
            tail.fill(0.0);
        }
        for (p, &ap) in row.iter().enumerate() {
            for (o, &bv) in tail.iter_mut().zip(&b[p * n + j..(p + 1) * n]) {
                *o = mul_add::<FUSED>(ap, bv, *o);
            }
        }
    }
}

super::widest_vectors! {
    fma
    /// [`few_rows_body`] with the widest vectors this CPU has.
    fn rows_times = few_rows_body(
        dst: &mut [f32],
        a: &[f32],
        b: &[f32],
        m: usize,
        k: usize,
        n: usize,
        accumulate: bool,
    )
}

thread_local! {
    /// The panels of the matrices multiplied last on this thread.
    static PANELS: RefCell<PackingCache<Panels>> = const { RefCell::new(PackingCache::new()) };
}

/// A `k x n` matrix stored as column panels `CHUNK` wide (each panel's `k` rows of `CHUNK`
/// values one after another, the last panel padded with zeros), for many few-row products
/// with the same right-hand side (the LSTM's recurrent weight at every step): a panel is read
/// front to back, which the prefetcher follows, where the row-major matrix is read in strips.
#[derive(Debug, Clone)]
pub struct Panels {
    data: Vec<f32>,
    k: usize,
    n: usize,
}

impl Panels {
    /// The panels of the row-major `k x n` matrix `b`.
    pub fn new(b: &[f32], k: usize, n: usize) -> Self {
        assert!(b.len() >= k * n, "matrix data too short");
        let panels = n.div_ceil(CHUNK);
        let mut data = vec![0.0f32; panels * k * CHUNK];
        for (q, panel) in data.chunks_exact_mut(k * CHUNK).enumerate() {
            let (j, width) = (q * CHUNK, CHUNK.min(n - q * CHUNK));
            for (p, row) in panel.chunks_exact_mut(CHUNK).enumerate() {
                row[..width].copy_from_slice(&b[p * n + j..p * n + j + width]);
            }
        }
        Self { data, k, n }
    }

    /// [`Panels::new`], or the same panels made before on this thread of a matrix equal to `b`
    /// byte for byte (see [`PackingCache`]): an LSTM's recurrent weights are packed once, not
    /// on every line.
    pub fn cached(b: &[f32], k: usize, n: usize) -> Rc<Self> {
        assert!(b.len() >= k * n, "matrix data too short");
        let b = &b[..k * n];
        PANELS.with_borrow_mut(|cache| {
            cache.get(b, [k, n], || Panels::new(b, k, n), |p| p.data.len())
        })
    }

    /// `dst (+)= a self` for the `m` rows of `a` (row-major `m x k`), `dst` row-major `m x n`.
    pub fn product(&self, dst: &mut [f32], a: &[f32], m: usize, accumulate: bool) {
        assert!(a.len() >= m * self.k, "left matrix too short");
        assert!(dst.len() >= m * self.n, "output too short");
        let isa = super::tune::choices().recurrence;
        panels_on(isa, dst, a, &self.data, (m, self.k, self.n), accumulate);
    }
}

/// [`Panels::product`]: per row of `a` and per panel, `CHUNK` accumulators in registers over
/// the panel's rows.
#[inline(always)]
fn panels_body<const FUSED: bool>(
    dst: &mut [f32],
    a: &[f32],
    panels: &[f32],
    m: usize,
    k: usize,
    n: usize,
    accumulate: bool,
) {
    for i in 0..m {
        let out = &mut dst[i * n..(i + 1) * n];
        let row = &a[i * k..(i + 1) * k];
        for (q, panel) in panels.chunks_exact(k * CHUNK).enumerate() {
            let (j, width) = (q * CHUNK, CHUNK.min(n - q * CHUNK));
            let mut acc = [0.0f32; CHUNK];
            if accumulate {
                acc[..width].copy_from_slice(&out[j..j + width]);
            }
            for (&ap, bp) in row.iter().zip(panel.chunks_exact(CHUNK)) {
                let bp: &[f32; CHUNK] = bp.try_into().expect("a chunk");
                for (x, &bv) in acc.iter_mut().zip(bp) {
                    *x = mul_add::<FUSED>(ap, bv, *x);
                }
            }
            out[j..j + width].copy_from_slice(&acc[..width]);
        }
    }
}

/// [`panels_body`] with instruction set `isa` (which this CPU must have).
fn panels_on(
    isa: Isa,
    dst: &mut [f32],
    a: &[f32],
    panels: &[f32],
    (m, k, n): (usize, usize, usize),
    accumulate: bool,
) {
    match isa {
        #[cfg(target_arch = "x86_64")]
        Isa::Avx512 => {
            #[target_feature(enable = "avx512f,fma")]
            fn avx512(
                d: &mut [f32],
                a: &[f32],
                p: &[f32],
                m: usize,
                k: usize,
                n: usize,
                acc: bool,
            ) {
                panels_body::<true>(d, a, p, m, k, n, acc)
            }
            // SAFETY: `isa` is one of `Isa::available()`: this CPU has AVX-512F and FMA.
            unsafe { avx512(dst, a, panels, m, k, n, accumulate) }
        }
        #[cfg(target_arch = "x86_64")]
        Isa::Avx2 => {
            #[target_feature(enable = "avx2,fma")]
            fn avx2(d: &mut [f32], a: &[f32], p: &[f32], m: usize, k: usize, n: usize, acc: bool) {
                panels_body::<true>(d, a, p, m, k, n, acc)
            }
            // SAFETY: `isa` is one of `Isa::available()`: this CPU has AVX2 and FMA.
            unsafe { avx2(dst, a, panels, m, k, n, accumulate) }
        }
        Isa::Plain => panels_body::<false>(dst, a, panels, m, k, n, accumulate),
    }
}

/// What [`super::tune`] times for the recurrence: one line's steps of a 128-unit LSTM
/// direction (a `1 x 128` row times `128 x 512` panels, 64 times).
pub(super) fn probe_recurrence(isa: Isa) {
    let (k, n) = (128, 512);
    let b: Vec<f32> = (0..k * n).map(|i| (i % 7) as f32 * 0.01).collect();
    let panels = Panels::new(&b, k, n);
    let row = vec![0.5f32; k];
    let mut out = vec![0.0f32; n];
    for _ in 0..64 {
        panels_on(isa, &mut out, &row, &panels.data, (1, k, n), true);
    }
    std::hint::black_box(&out);
}

/// `dst = a b` (or `dst += a b` when `accumulate`), `dst` row-major `m x n`.
pub fn matmul(dst: &mut [f32], a: MatRef, b: MatRef, accumulate: bool) {
    let (m, k) = a.shape();
    let (kb, n) = b.shape();
    assert_eq!(k, kb, "inner dimensions differ");
    assert!(dst.len() >= m * n, "output too short");
    if m == 0 || n == 0 {
        return;
    }
    if m <= FEW_ROWS && !a.transposed && !b.transposed {
        rows_times(dst, a.data, b.data, m, k, n, accumulate);
        return;
    }
    if k == 0 {
        if !accumulate {
            dst[..m * n].fill(0.0);
        }
        return;
    }
    let (a_rs, a_cs) = a.strides();
    let (b_rs, b_cs) = b.strides();
    // SAFETY: the asserts above bound every index the product reads or writes: `a` holds
    // `m x k` values at strides within `a.data`, `b` `k x n` within `b.data`, `dst` `m x n`.
    unsafe {
        gemm::gemm(
            m,
            n,
            k,
            dst.as_mut_ptr(),
            1,
            n as isize,
            accumulate,
            a.data.as_ptr(),
            a_cs,
            a_rs,
            b.data.as_ptr(),
            b_cs,
            b_rs,
            1.0,
            1.0,
            false,
            false,
            false,
            gemm::Parallelism::None,
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn naive(a: &[f32], b: &[f32], m: usize, k: usize, n: usize) -> Vec<f32> {
        let mut out = vec![0.0; m * n];
        for i in 0..m {
            for j in 0..n {
                out[i * n + j] = (0..k).map(|p| a[i * k + p] * b[p * n + j]).sum();
            }
        }
        out
    }

    fn transpose(x: &[f32], rows: usize, cols: usize) -> Vec<f32> {
        let mut out = vec![0.0; x.len()];
        for r in 0..rows {
            for c in 0..cols {
                out[c * rows + r] = x[r * cols + c];
            }
        }
        out
    }

    #[test]
    fn products_match_the_definition_in_every_orientation() {
        for (m, k, n) in [(5, 7, 3), (1, 9, 33), (3, 4, 17), (2, 5, 150)] {
            check(m, k, n);
        }
    }

    #[test]
    fn panel_products_match_the_definition_with_a_ragged_last_panel() {
        for (m, k, n) in [(1, 9, 33), (3, 4, 64), (2, 5, 150), (4, 128, 512)] {
            let a: Vec<f32> = (0..m * k).map(|i| (i as f32 * 0.37).sin()).collect();
            let b: Vec<f32> = (0..k * n).map(|i| (i as f32 * 0.71).cos()).collect();
            let want = naive(&a, &b, m, k, n);
            let panels = Panels::new(&b, k, n);
            let mut got = vec![7.0; m * n];
            panels.product(&mut got, &a, m, false);
            for (g, w) in got.iter().zip(&want) {
                assert!((g - w).abs() < 1e-4, "{g} vs {w}");
            }
            panels.product(&mut got, &a, m, true);
            for (g, w) in got.iter().zip(&want) {
                assert!((g - 2.0 * w).abs() < 1e-4, "{g} vs {}", 2.0 * w);
            }
        }
    }

    #[test]
    fn panel_products_match_on_every_instruction_set() {
        let (m, k, n) = (2, 37, 150);
        let a: Vec<f32> = (0..m * k).map(|i| (i as f32 * 0.37).sin()).collect();
        let b: Vec<f32> = (0..k * n).map(|i| (i as f32 * 0.71).cos()).collect();
        let want = naive(&a, &b, m, k, n);
        let panels = Panels::new(&b, k, n);
        let mut fused: Option<Vec<f32>> = None;
        for isa in Isa::available() {
            let mut got = vec![f32::NAN; m * n];
            panels_on(isa, &mut got, &a, &panels.data, (m, k, n), false);
            for (g, w) in got.iter().zip(&want) {
                assert!((g - w).abs() < 1e-4, "{isa:?}: {g} vs {w}");
            }
            // The widths with FMA agree to the bit (each output summed in the same order).
            if isa != Isa::Plain {
                match &fused {
                    Some(first) => assert_eq!(first, &got, "{isa:?}"),
                    None => fused = Some(got),
                }
            }
        }
    }

    fn check(m: usize, k: usize, n: usize) {
        let a: Vec<f32> = (0..m * k).map(|i| (i as f32 * 0.37).sin()).collect();
        let b: Vec<f32> = (0..k * n).map(|i| (i as f32 * 0.71).cos()).collect();
        let want = naive(&a, &b, m, k, n);
        let at = transpose(&a, m, k);
        let bt = transpose(&b, k, n);
        for (lhs, rhs) in [
            (MatRef::new(&a, m, k), MatRef::new(&b, k, n)),
            (MatRef::new(&at, k, m).t(), MatRef::new(&b, k, n)),
            (MatRef::new(&a, m, k), MatRef::new(&bt, n, k).t()),
            (MatRef::new(&at, k, m).t(), MatRef::new(&bt, n, k).t()),
        ] {
            let mut got = vec![0.0; m * n];
            matmul(&mut got, lhs, rhs, false);
            for (g, w) in got.iter().zip(&want) {
                assert!((g - w).abs() < 1e-5, "{g} vs {w}");
            }
            // Accumulating adds the product once more.
            matmul(&mut got, lhs, rhs, true);
            for (g, w) in got.iter().zip(&want) {
                assert!((g - 2.0 * w).abs() < 1e-5, "{g} vs {}", 2.0 * w);
            }
        }
    }
}
