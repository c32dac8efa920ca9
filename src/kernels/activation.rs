//! Branch-free `max`, `exp`, `sigmoid` and `tanh` for `f32` that vectorize in loops (the LSTM gates):
//! `exp` by range reduction with ln 2 and a degree-6 polynomial, within ~1e-7 relative of the
//! exact value over the whole `f32` range it does not overflow.

const LOG2_E: f32 = std::f32::consts::LOG2_E;
const LN2_HI: f32 = 0.693_145_75;
const LN2_LO: f32 = 1.428_606_8e-6;
/// 1.5 * 2^23: adding it rounds an `f32` of magnitude below 2^22 to an integer.
const ROUND: f32 = 12_582_912.0;

/// e^x, for x clamped to [-87.3, 88] (the normal `f32` range of the result).
#[inline(always)]
pub fn exp(x: f32) -> f32 {
    let x = x.clamp(-87.3, 88.0);
    let t = x * LOG2_E + ROUND;
    let n = t - ROUND;
    let r = x - n * LN2_HI - n * LN2_LO;
    let p = 1.0
        + r * (1.0
            + r * (0.5
                + r * (1.0 / 6.0 + r * (1.0 / 24.0 + r * (1.0 / 120.0 + r * (1.0 / 720.0))))));
    // 2^n, n in [-126, 127], from the integer in t's low mantissa bits.
    let k = (t.to_bits() as i32).wrapping_sub(ROUND.to_bits() as i32);
    p * f32::from_bits(((k + 127) as u32) << 23)
}

/// The larger of `a` and `b` as a compare and select (`b` when either is NaN). `f32::max`
/// (IEEE maxNum) has no wasm instruction: in the browser build every call was a call into
/// libm's `fmaxf`, 16% of a line's time; a select vectorizes everywhere.
#[inline(always)]
pub fn max(a: f32, b: f32) -> f32 {
    if a > b { a } else { b }
}

/// 1 / (1 + e^-x).
#[inline(always)]
pub fn sigmoid(x: f32) -> f32 {
    1.0 / (1.0 + exp(-x))
}

/// tanh x = 2 sigmoid(2x) - 1.
#[inline(always)]
pub fn tanh(x: f32) -> f32 {
    2.0 * sigmoid(2.0 * x) - 1.0
}

#[cfg(test)]
mod tests {
    #[test]
    fn agree_with_the_standard_library() {
        let mut worst = [0.0f64; 3];
        for i in -200_000..=200_000 {
            let x = i as f32 * 4.4e-4; // -88 .. 88
            let e = f64::from(x).exp();
            if x.abs() <= 87.0 {
                worst[0] = worst[0].max(((f64::from(super::exp(x)) - e) / e).abs());
            }
            let s = 1.0 / (1.0 + (-f64::from(x)).exp());
            worst[1] = worst[1].max((f64::from(super::sigmoid(x)) - s).abs());
            worst[2] = worst[2].max((f64::from(super::tanh(x)) - f64::from(x).tanh()).abs());
        }
        assert!(worst[0] < 5e-7, "exp relative error {}", worst[0]);
        assert!(worst[1] < 2e-7, "sigmoid error {}", worst[1]);
        assert!(worst[2] < 5e-7, "tanh error {}", worst[2]);
        assert!(super::exp(-200.0) < 2e-38 && super::sigmoid(-200.0) < 2e-38);
        assert!(super::exp(200.0).is_finite());
        assert_eq!(super::sigmoid(200.0), 1.0);
        assert_eq!(super::tanh(50.0), 1.0);
        assert_eq!(super::tanh(-50.0), -1.0);
    }

    #[test]
    fn max_picks_the_larger_and_the_second_on_nan() {
        assert_eq!(super::max(1.0, 2.0), 2.0);
        assert_eq!(super::max(2.0, 1.0), 2.0);
        assert_eq!(super::max(-0.5, 0.0), 0.0);
        assert_eq!(super::max(f32::NEG_INFINITY, -3.0), -3.0);
        assert_eq!(super::max(f32::NAN, 1.5), 1.5);
        assert!(super::max(1.5, f32::NAN).is_nan());
    }
}
