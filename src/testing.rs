//! Test helpers shared by the modules' tests.

use burn::tensor::TensorData;

/// The largest difference between `got` and `want`, relative to the largest magnitude of
/// `want` (at least 1e-3, so near-zero tensors compare absolutely).
pub fn relative_difference(got: &TensorData, want: &TensorData) -> f32 {
    let a = got.clone().try_into_vec::<f32>().expect("f32 values");
    let b = want.clone().try_into_vec::<f32>().expect("f32 values");
    assert_eq!(a.len(), b.len(), "sizes differ");
    let scale = b.iter().fold(1e-3f32, |m, v| m.max(v.abs()));
    a.iter()
        .zip(&b)
        .fold(0.0f32, |m, (p, q)| m.max((p - q).abs()))
        / scale
}

/// Asserts that each named pair of tensors agrees within `tolerance` (relative, see
/// [`relative_difference`]).
pub fn assert_close(
    pairs: impl IntoIterator<Item = (TensorData, TensorData)>,
    names: &[&str],
    tolerance: f32,
    context: &str,
) {
    for ((got, want), name) in pairs.into_iter().zip(names) {
        let d = relative_difference(&got, &want);
        assert!(d <= tolerance, "{context} {name}: relative difference {d}");
    }
}
