//! Plain-Rust kernels over row-major `f32` slices, for what burn's per-op tensors make slow on
//! the CPU: matrix products, the LSTM recurrence, batch normalization in training, convolution weight
//! gradients, max pooling.
//! Each is tested against its definition here and against burn's reference in `crate::ops`.

pub mod activation;
pub mod batch_norm;
pub mod conv;
pub mod lstm;
pub mod matmul;
pub mod parallel;
pub mod pool;

/// Defines `fn $name(args) -> ret` that runs the `#[inline(always)]` function `$body` compiled
/// for AVX2 when this CPU has it (checked at run time), and as the build's own vectors
/// otherwise (e.g. wasm simd128): one place for the unsafe dispatch. With `avx512` first, AVX-512
/// is tried before AVX2: for kernels that stream their operands (on this EPYC, AVX-512 made the
/// strided ones slower and the streaming ones faster).
macro_rules! widest_vectors {
    (avx512 $(#[$m:meta])* $vis:vis fn $name:ident = $body:ident($($arg:ident: $ty:ty),* $(,)?) $(-> $ret:ty)?) => {
        $(#[$m])*
        $vis fn $name($($arg: $ty),*) $(-> $ret)? {
            #[cfg(target_arch = "x86_64")]
            {
                #[target_feature(enable = "avx512f")]
                fn avx512($($arg: $ty),*) $(-> $ret)? {
                    $body($($arg),*)
                }
                if std::is_x86_feature_detected!("avx512f") {
                    // SAFETY: the CPU has AVX-512F, checked just above.
                    return unsafe { avx512($($arg),*) };
                }
            }
            $crate::kernels::widest_vectors!(@avx2 $body($($arg: $ty),*) $(-> $ret)?)
        }
    };
    ($(#[$m:meta])* $vis:vis fn $name:ident = $body:ident($($arg:ident: $ty:ty),* $(,)?) $(-> $ret:ty)?) => {
        $(#[$m])*
        $vis fn $name($($arg: $ty),*) $(-> $ret)? {
            $crate::kernels::widest_vectors!(@avx2 $body($($arg: $ty),*) $(-> $ret)?)
        }
    };
    (@avx2 $body:ident($($arg:ident: $ty:ty),*) $(-> $ret:ty)?) => {{
        #[cfg(target_arch = "x86_64")]
        {
            #[target_feature(enable = "avx2")]
            fn avx2($($arg: $ty),*) $(-> $ret)? {
                $body($($arg),*)
            }
            if std::is_x86_feature_detected!("avx2") {
                // SAFETY: the CPU has AVX2, checked just above.
                return unsafe { avx2($($arg),*) };
            }
        }
        $body($($arg),*)
    }};
}
pub(crate) use widest_vectors;
