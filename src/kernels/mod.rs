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
pub mod parallel;
pub mod pool;

/// Defines `fn $name(args) -> ret` that runs the `#[inline(always)]` function `$body` compiled
/// for AVX2 (with FMA) when this CPU has it (checked at run time), and as the build's own
/// vectors otherwise (e.g. wasm simd128): one place for the unsafe dispatch. With `avx512`
/// first, AVX-512 is tried before AVX2: for kernels that stream their operands (on an AMD EPYC,
/// AVX-512 made the strided ones slower and the streaming ones faster). With `fma`, `$body`
/// takes `<const FUSED: bool>`, true where the CPU fuses multiply-adds (x86 with FMA: one
/// instruction where a multiply and an add took two, which on Intel share the same ports),
/// false elsewhere (wasm has no fused multiply-add: `mul_add` there is a slow libm call).
macro_rules! widest_vectors {
    (avx512 fma $($rest:tt)*) => {
        $crate::kernels::widest_vectors!(@def [avx512] [::<true>] [::<false>] $($rest)*);
    };
    (avx512 $($rest:tt)*) => {
        $crate::kernels::widest_vectors!(@def [avx512] [] [] $($rest)*);
    };
    (fma $($rest:tt)*) => {
        $crate::kernels::widest_vectors!(@def [avx2] [::<true>] [::<false>] $($rest)*);
    };
    (@def [$widest:ident] [$($fused:tt)*] [$($plain:tt)*]
        $(#[$m:meta])* $vis:vis fn $name:ident = $body:ident($($arg:ident: $ty:ty),* $(,)?) $(-> $ret:ty)?) => {
        $(#[$m])*
        $vis fn $name($($arg: $ty),*) $(-> $ret)? {
            #[cfg(target_arch = "x86_64")]
            {
                $crate::kernels::widest_vectors!(@$widest $body [$($fused)*] ($($arg: $ty),*) $(-> $ret)?);
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
    (@avx512 $body:ident [$($fused:tt)*] ($($arg:ident: $ty:ty),*) $(-> $ret:ty)?) => {
        #[target_feature(enable = "avx512f,fma")]
        fn avx512($($arg: $ty),*) $(-> $ret)? {
            $body $($fused)* ($($arg),*)
        }
        if std::is_x86_feature_detected!("avx512f") && std::is_x86_feature_detected!("fma") {
            // SAFETY: the CPU has AVX-512F and FMA, checked just above.
            return unsafe { avx512($($arg),*) };
        }
    };
    (@avx2 $($rest:tt)*) => {};
    ($($rest:tt)*) => {
        $crate::kernels::widest_vectors!(@def [avx2] [] [] $($rest)*);
    };
}

/// `a b + c`, as one fused instruction when `FUSED` (see [`widest_vectors`]).
#[inline(always)]
pub(crate) fn mul_add<const FUSED: bool>(a: f32, b: f32, c: f32) -> f32 {
    if FUSED { a.mul_add(b, c) } else { a * b + c }
}
pub(crate) use widest_vectors;

/// The vector instructions the kernels run with on this CPU, in words: on x86-64 the widest
/// path the run-time checks pick (AVX-512F for the kernels that stream their operands, the
/// direct convolutions and the gemm crate's products, AVX2 for the rest; both with FMA), wasm
/// simd128 in a browser build.
pub fn vector_path() -> &'static str {
    #[cfg(target_arch = "x86_64")]
    {
        let fma = std::is_x86_feature_detected!("fma");
        if std::is_x86_feature_detected!("avx512f") && fma {
            return "x86-64 AVX-512F + FMA (streaming kernels, convolutions, gemm), AVX2 + FMA (the rest)";
        }
        if std::is_x86_feature_detected!("avx2") && fma {
            return "x86-64 AVX2 + FMA";
        }
        "x86-64 SSE2 (no AVX2 + FMA: 128-bit kernels)"
    }
    #[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
    {
        "wasm simd128"
    }
    #[cfg(all(target_arch = "wasm32", not(target_feature = "simd128")))]
    {
        "wasm (no SIMD)"
    }
    #[cfg(target_arch = "aarch64")]
    {
        "aarch64 NEON"
    }
    #[cfg(not(any(
        target_arch = "x86_64",
        target_arch = "wasm32",
        target_arch = "aarch64"
    )))]
    {
        "the build's own vectors"
    }
}
