//! Plain-Rust kernels over row-major `f32` slices, for what burn's per-op tensors make slow on
//! the CPU: matrix products, the LSTM recurrence, batch normalization in training, convolution weight
//! gradients, max pooling.
//! Each is tested against its definition here and against burn's reference in `crate::ops`.

pub mod activation;
pub mod batch_norm;
pub mod conv;
pub mod direct_conv;
pub mod lstm;
pub mod matmul;
pub mod packing_cache;
pub mod parallel;
pub mod pool;
pub mod tune;

/// Defines `fn $name(args) -> ret` that runs the `#[inline(always)]` function `$body` compiled
/// for AVX2 (with FMA) when this CPU has it (checked at run time), and as the build's own
/// vectors otherwise (e.g. wasm simd128): one place for the unsafe dispatch of the small
/// kernels (the two large ones choose their width by timing: [`tune`]). With `fma`, `$body`
/// takes `<const FUSED: bool>`, true where the CPU fuses multiply-adds (x86 with FMA: one
/// instruction where a multiply and an add took two, which on Intel share the same ports),
/// false elsewhere (wasm has no fused multiply-add: `mul_add` there is a slow libm call).
macro_rules! widest_vectors {
    (fma $($rest:tt)*) => {
        $crate::kernels::widest_vectors!(@def [::<true>] [::<false>] $($rest)*);
    };
    (@def [$($fused:tt)*] [$($plain:tt)*]
        $(#[$m:meta])* $vis:vis fn $name:ident = $body:ident($($arg:ident: $ty:ty),* $(,)?) $(-> $ret:ty)?) => {
        $(#[$m])*
        $vis fn $name($($arg: $ty),*) $(-> $ret)? {
            #[cfg(target_arch = "x86_64")]
            {
                #[target_feature(enable = "avx2,fma")]
                fn avx2($($arg: $ty),*) $(-> $ret)? {
                    $body $($fused)* ($($arg),*)
                }
                if std::is_x86_feature_detected!("avx2") && std::is_x86_feature_detected!("fma") {
                    // SAFETY: the CPU has AVX2 and FMA, checked just above.
                    return unsafe { avx2($($arg),*) };
                }
            }
            $body $($plain)* ($($arg),*)
        }
    };
    ($($rest:tt)*) => {
        $crate::kernels::widest_vectors!(@def [] [] $($rest)*);
    };
}

/// `a b + c`, as one fused instruction when `FUSED` (see [`widest_vectors`]).
#[inline(always)]
pub(crate) fn mul_add<const FUSED: bool>(a: f32, b: f32, c: f32) -> f32 {
    if FUSED { a.mul_add(b, c) } else { a * b + c }
}
pub(crate) use widest_vectors;

/// The vector instructions the kernels run with on this CPU, in words: the recurrence's and
/// the convolutions' choice ([`tune`]), AVX2 with FMA for the small kernels where the CPU has
/// it, wasm simd128 in a browser build.
pub fn vector_path() -> String {
    let c = tune::choices();
    let how = if c.timed {
        "timed at start-up"
    } else {
        "the only or the fixed choice"
    };
    let small = if cfg!(target_arch = "wasm32") {
        "wasm simd128"
    } else if tune::Isa::available().len() > 1 {
        "avx2"
    } else {
        "plain"
    };
    format!(
        "{}: recurrence {}, convolutions {} ({how}); small kernels {small}",
        std::env::consts::ARCH,
        c.recurrence.name(),
        c.convolution.name(),
    )
}
