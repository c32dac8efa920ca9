//! Batch normalization with the batch's own statistics (training), over `[B, C, HW]` values:
//! per-channel mean and biased variance, the normalized output, and the backward.

/// Sum of `values` in f32 over 16 interleaved lanes (vectorizes; the lanes keep the rounding
/// error of a long sum small), with the lanes added in f64.
fn lane_sum(values: &[f32], f: impl Fn(f32) -> f32) -> f64 {
    let mut lanes = [0.0f32; 16];
    let mut chunks = values.chunks_exact(16);
    for chunk in &mut chunks {
        for (l, &v) in lanes.iter_mut().zip(chunk) {
            *l += f(v);
        }
    }
    let tail: f64 = chunks.remainder().iter().map(|&v| f64::from(f(v))).sum();
    lanes.iter().map(|&l| f64::from(l)).sum::<f64>() + tail
}

/// Per-channel mean and biased variance of `x` (`batch` images of `channels x hw` values).
pub fn stats(x: &[f32], batch: usize, channels: usize, hw: usize) -> (Vec<f32>, Vec<f32>) {
    assert_eq!(x.len(), batch * channels * hw, "input size");
    let n = (batch * hw).max(1) as f64;
    let plane = |b: usize, c: usize| &x[(b * channels + c) * hw..][..hw];
    let mut mean = vec![0.0f32; channels];
    let mut var = vec![0.0f32; channels];
    for c in 0..channels {
        let sum: f64 = (0..batch).map(|b| lane_sum(plane(b, c), |v| v)).sum();
        let m = (sum / n) as f32;
        let sq: f64 = (0..batch)
            .map(|b| lane_sum(plane(b, c), |v| (v - m) * (v - m)))
            .sum();
        mean[c] = m;
        var[c] = (sq / n) as f32;
    }
    (mean, var)
}

/// `gamma (x - mean) / sqrt(var + eps) + beta` per channel.
pub fn normalize(
    x: &[f32],
    gamma: &[f32],
    beta: &[f32],
    (mean, var): (&[f32], &[f32]),
    eps: f64,
    batch: usize,
    hw: usize,
) -> Vec<f32> {
    let channels = gamma.len();
    let mut out = vec![0.0f32; x.len()];
    for b in 0..batch {
        for c in 0..channels {
            let inv_std = (1.0 / (f64::from(var[c]) + eps).sqrt()) as f32;
            let scale = gamma[c] * inv_std;
            let shift = beta[c] - mean[c] * scale;
            let at = (b * channels + c) * hw;
            for (o, &v) in out[at..at + hw].iter_mut().zip(&x[at..at + hw]) {
                *o = v * scale + shift;
            }
        }
    }
    out
}

/// Gradients of [`normalize`] with the batch's own [`stats`] (input, gamma, beta), given the
/// output gradient `grad`.
#[cfg(any(test, feature = "autodiff"))]
pub fn backward(
    grad: &[f32],
    x: &[f32],
    gamma: &[f32],
    (mean, var): (&[f32], &[f32]),
    eps: f64,
    batch: usize,
    hw: usize,
) -> (Vec<f32>, Vec<f32>, Vec<f32>) {
    use super::parallel;
    let channels = gamma.len();
    let n = (batch * hw).max(1) as f64;
    let inv_std = |c: usize| 1.0 / (f64::from(var[c]) + eps).sqrt();
    // Per channel, the sums of g and of g xhat (groups of channels on the pool's threads)...
    let sums: Vec<(f64, f64)> = parallel::map(parallel::thread_groups(channels), |cs| {
        cs.map(|c| {
            let (s, m) = (inv_std(c), f64::from(mean[c]));
            let (mut sum_g, mut sum_gx) = (0.0f64, 0.0f64);
            for b in 0..batch {
                let at = (b * channels + c) * hw;
                for (&g, &v) in grad[at..at + hw].iter().zip(&x[at..at + hw]) {
                    sum_g += f64::from(g);
                    sum_gx += f64::from(g) * (f64::from(v) - m) * s;
                }
            }
            (sum_g, sum_gx)
        })
        .collect::<Vec<_>>()
    })
    .concat();
    let dbeta: Vec<f32> = sums.iter().map(|s| s.0 as f32).collect();
    let dgamma: Vec<f32> = sums.iter().map(|s| s.1 as f32).collect();
    // ... then dx = gamma inv_std (g - mean(g) - xhat mean(g xhat)), groups of images in turn.
    let mut dx = vec![0.0f32; x.len()];
    parallel::map(
        parallel::pieces(&mut dx, batch, channels * hw),
        |(images, dx)| {
            for (b, dx) in images.zip(dx.chunks_exact_mut(channels * hw)) {
                for (c, dx) in dx.chunks_exact_mut(hw).enumerate() {
                    let s = inv_std(c);
                    let scale = (f64::from(gamma[c]) * s) as f32;
                    let (mg, mgx) = ((sums[c].0 / n) as f32, (sums[c].1 / n) as f32);
                    let (m, s) = (mean[c], s as f32);
                    let at = (b * channels + c) * hw;
                    for ((d, &g), &v) in dx.iter_mut().zip(&grad[at..at + hw]).zip(&x[at..at + hw])
                    {
                        *d = scale * (g - mg - (v - m) * s * mgx);
                    }
                }
            }
        },
    );
    (dx, dgamma, dbeta)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalizes_per_channel_and_gradients_match_finite_differences() {
        let (batch, channels, hw) = (2, 3, 5);
        let x: Vec<f32> = (0..batch * channels * hw)
            .map(|i| (i as f32 * 0.77).sin() * 3.0)
            .collect();
        let gamma = [0.5f32, 1.5, -1.0];
        let beta = [0.1f32, -0.2, 0.3];
        let eps = 1e-5;
        let (mean, var) = stats(&x, batch, channels, hw);
        let out = normalize(&x, &gamma, &beta, (&mean, &var), eps, batch, hw);
        // Each channel's output has mean beta and variance gamma^2 (up to eps).
        let (om, ov) = stats(&out, batch, channels, hw);
        for c in 0..channels {
            assert!((om[c] - beta[c]).abs() < 1e-5, "{om:?}");
            assert!((ov[c] - gamma[c] * gamma[c]).abs() < 1e-3, "{ov:?}");
        }
        let weights: Vec<f32> = (0..x.len()).map(|i| (i as f32 * 1.3).cos()).collect();
        let loss = |x: &[f32], gamma: &[f32], beta: &[f32]| -> f64 {
            let s = stats(x, batch, channels, hw);
            normalize(x, gamma, beta, (&s.0, &s.1), eps, batch, hw)
                .iter()
                .zip(&weights)
                .map(|(o, w)| f64::from(o * w))
                .sum()
        };
        let (dx, dgamma, dbeta) = backward(&weights, &x, &gamma, (&mean, &var), eps, batch, hw);
        let h = 1e-2f32;
        for k in 0..x.len() {
            let (mut up, mut down) = (x.clone(), x.clone());
            up[k] += h;
            down[k] -= h;
            let fd = (loss(&up, &gamma, &beta) - loss(&down, &gamma, &beta)) / f64::from(2.0 * h);
            assert!(
                (fd - f64::from(dx[k])).abs() < 2e-3,
                "dx[{k}]: {fd} vs {}",
                dx[k]
            );
        }
        for c in 0..channels {
            let (mut up, mut down) = (gamma, gamma);
            up[c] += h;
            down[c] -= h;
            let fd = (loss(&x, &up, &beta) - loss(&x, &down, &beta)) / f64::from(2.0 * h);
            assert!(
                (fd - f64::from(dgamma[c])).abs() < 2e-3,
                "dgamma[{c}]: {fd} vs {}",
                dgamma[c]
            );
            let (mut up, mut down) = (beta, beta);
            up[c] += h;
            down[c] -= h;
            let fd = (loss(&x, &gamma, &up) - loss(&x, &gamma, &down)) / f64::from(2.0 * h);
            assert!(
                (fd - f64::from(dbeta[c])).abs() < 2e-3,
                "dbeta[{c}]: {fd} vs {}",
                dbeta[c]
            );
        }
    }
}
