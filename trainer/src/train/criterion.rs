//! The teacher-student criteria of the paper: where the student is compared with the teacher
//! and how, and their names. All but Softmax-CE are mean squared errors over real (unpadded) frames.

use anyhow::{Result, bail};
use inkline::ModelOutput;
use inkline::burn::tensor::activation::{log_softmax, softmax};
use inkline::burn::tensor::{Tensor, TensorData};

/// A distillation criterion.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Criterion {
    /// Cross entropy between teacher and student softmax outputs at a temperature.
    SoftmaxCe(f32),
    /// L2 distance between IP-layer outputs.
    IpL2,
    /// L2 distance between the last LSTM layer's outputs.
    LstmL2,
    /// L2 distance between the first LSTM layer's feed-forward inputs (frozen `W_ih x + b`).
    CnnMah,
    /// L2 distance between CNN outputs.
    CnnL2,
}

impl Criterion {
    /// Every criterion of the paper's table, in its order.
    pub const ALL: [Criterion; 8] = [
        Criterion::CnnL2,
        Criterion::CnnMah,
        Criterion::LstmL2,
        Criterion::IpL2,
        Criterion::SoftmaxCe(1.0),
        Criterion::SoftmaxCe(2.0),
        Criterion::SoftmaxCe(5.0),
        Criterion::SoftmaxCe(10.0),
    ];

    /// One of each kind, in the order of the paper's loss-analysis table (Softmax-CE at T = 1).
    pub const KINDS: [Criterion; 5] = [
        Criterion::SoftmaxCe(1.0),
        Criterion::IpL2,
        Criterion::LstmL2,
        Criterion::CnnMah,
        Criterion::CnnL2,
    ];

    /// The one table of names: (command-line name, table label) of the criterion's kind.
    pub fn kind_names(self) -> (&'static str, &'static str) {
        match self {
            Criterion::SoftmaxCe(_) => ("softmax-ce", "Softmax-CE"),
            Criterion::IpL2 => ("ip-l2", "IP-L2"),
            Criterion::LstmL2 => ("lstm-l2", "LSTM-L2"),
            Criterion::CnnMah => ("cnn-mah", "CNN-MAH"),
            Criterion::CnnL2 => ("cnn-l2", "CNN-L2"),
        }
    }

    /// Parses a command-line name (`softmax-ce`, `ip-l2`, ...); the temperature is separate.
    pub fn parse(name: &str, temperature: f32) -> Result<Self> {
        match Self::KINDS.iter().find(|c| c.kind_names().0 == name) {
            Some(Criterion::SoftmaxCe(_)) => Ok(Criterion::SoftmaxCe(temperature)),
            Some(&c) => Ok(c),
            None => {
                let known: Vec<&str> = Self::KINDS.iter().map(|c| c.kind_names().0).collect();
                bail!("unknown criterion '{name}' (known: {})", known.join(", "))
            }
        }
    }

    /// Stage-folder name: `softmax-ce-t2`, `cnn-mah`, ...
    pub fn name(self) -> String {
        match self {
            Criterion::SoftmaxCe(t) => format!("{}-t{t}", self.kind_names().0),
            _ => self.kind_names().0.into(),
        }
    }

    /// Table label: `Softmax-CE (T=2)`, `CNN-MAH`, ...
    pub fn label(self) -> String {
        match self {
            Criterion::SoftmaxCe(t) => format!("{} (T={t})", self.kind_names().1),
            _ => self.kind_names().1.into(),
        }
    }

    /// The loss between student and teacher outputs; `frames[b]` frames of line `b` are real.
    pub fn loss(self, student: &ModelOutput, teacher: &ModelOutput, frames: &[usize]) -> Tensor<1> {
        let pick = |o: &ModelOutput| match self {
            Criterion::SoftmaxCe(_) | Criterion::IpL2 => o.logits.clone(),
            Criterion::LstmL2 => o.lstm_out.clone(),
            Criterion::CnnMah => o.lstm1_input_proj.clone(),
            Criterion::CnnL2 => o.features.clone(),
        };
        let (s, t) = (pick(student), pick(teacher).detach());
        let [b, tt, _] = s.dims();
        let mask = frame_mask(frames, b, tt, &s.device());
        let real = frames.iter().map(|&f| f.min(tt)).sum::<usize>().max(1) as f64;
        match self {
            Criterion::SoftmaxCe(temp) => {
                let p = softmax(t / f64::from(temp), 2);
                let log_q = log_softmax(s / f64::from(temp), 2);
                let ce = (p * log_q).sum_dim(2).neg() * mask;
                ce.sum().div_scalar(real)
            }
            _ => {
                let d = s.dims()[2] as f64;
                let diff = (s - t) * mask;
                (diff.clone() * diff).sum().div_scalar(real * d)
            }
        }
    }
}

/// `[B, T, 1]` with 1 on real frames and 0 on padding.
pub fn frame_mask(
    frames: &[usize],
    b: usize,
    t: usize,
    device: &inkline::burn::tensor::Device,
) -> Tensor<3> {
    let mut m = vec![0f32; b * t];
    for (i, &f) in frames.iter().enumerate().take(b) {
        m[i * t..i * t + f.min(t)].fill(1.0);
    }
    Tensor::from_data(TensorData::new(m, [b, t, 1]), device)
}

#[cfg(test)]
mod tests {
    use super::*;
    use inkline::burn::tensor::Device;

    fn out(v: &[f32], shape: [usize; 3], device: &Device) -> ModelOutput {
        let t = Tensor::<3>::from_data(TensorData::new(v.to_vec(), shape), device);
        ModelOutput {
            features: t.clone(),
            lstm1_input_proj: t.clone(),
            lstm_out: t.clone(),
            logits: t,
        }
    }

    fn value(t: Tensor<1>) -> f32 {
        t.into_scalar::<f32>()
    }

    #[test]
    fn names_parse_back_and_unknown_names_are_listed() {
        for c in Criterion::ALL {
            let kind = c.kind_names().0;
            let t = if let Criterion::SoftmaxCe(t) = c {
                t
            } else {
                1.0
            };
            assert_eq!(Criterion::parse(kind, t).unwrap(), c);
        }
        assert_eq!(Criterion::SoftmaxCe(2.0).name(), "softmax-ce-t2");
        assert_eq!(Criterion::SoftmaxCe(2.0).label(), "Softmax-CE (T=2)");
        let err = Criterion::parse("kl", 1.0).unwrap_err().to_string();
        assert!(
            err.contains("softmax-ce, ip-l2, lstm-l2, cnn-mah, cnn-l2"),
            "{err}"
        );
    }

    #[test]
    fn l2_criteria_value_masks_padding() {
        let d = Device::flex();
        // One line, 3 frames of 2 dims; frame 3 is padding and differs wildly.
        let s = out(&[1.0, 2.0, 0.0, 0.0, 100.0, 100.0], [1, 3, 2], &d);
        let t = out(&[0.0, 0.0, 0.0, 1.0, -5.0, 7.0], [1, 3, 2], &d);
        for c in [
            Criterion::IpL2,
            Criterion::LstmL2,
            Criterion::CnnMah,
            Criterion::CnnL2,
        ] {
            // (1 + 4 + 0 + 1) / (2 frames * 2 dims)
            assert!((value(c.loss(&s, &t, &[2])) - 1.5).abs() < 1e-6, "{c:?}");
        }
        assert_eq!(value(Criterion::CnnL2.loss(&s, &s, &[3])), 0.0);
    }

    #[test]
    fn softmax_ce_is_entropy_at_match_and_higher_elsewhere() {
        let d = Device::flex();
        let z = [2.0f32, 0.0, -1.0];
        let t = out(&z, [1, 1, 3], &d);
        let p: Vec<f64> = {
            let e: Vec<f64> = z.iter().map(|&x| f64::from(x).exp()).collect();
            let s: f64 = e.iter().sum();
            e.iter().map(|x| x / s).collect()
        };
        let entropy: f64 = -p.iter().map(|x| x * x.ln()).sum::<f64>();
        let at_match = value(Criterion::SoftmaxCe(1.0).loss(&t, &t, &[1]));
        assert!((f64::from(at_match) - entropy).abs() < 1e-5);
        let other = out(&[-1.0, 0.0, 2.0], [1, 1, 3], &d);
        assert!(value(Criterion::SoftmaxCe(1.0).loss(&other, &t, &[1])) > at_match + 0.5);
        // Higher temperature softens both distributions: the gap shrinks.
        let gap = |temp: f32| {
            value(Criterion::SoftmaxCe(temp).loss(&other, &t, &[1]))
                - value(Criterion::SoftmaxCe(temp).loss(&t, &t, &[1]))
        };
        assert!(gap(5.0) < gap(1.0));
    }

    #[test]
    fn gradient_points_from_student_to_teacher() {
        let d = Device::flex().autodiff();
        for c in [
            Criterion::IpL2,
            Criterion::CnnMah,
            Criterion::SoftmaxCe(2.0),
        ] {
            let s = Tensor::<3>::from_data(TensorData::new(vec![1.0f32, -1.0, 0.5], [1, 1, 3]), &d)
                .require_grad();
            let t = out(&[-1.0, 1.0, 0.5], [1, 1, 3], &d);
            let so = ModelOutput {
                features: s.clone(),
                lstm1_input_proj: s.clone(),
                lstm_out: s.clone(),
                logits: s.clone(),
            };
            let grads = c.loss(&so, &t, &[1]).backward();
            let g = s
                .grad(&grads)
                .unwrap()
                .into_data()
                .try_to_vec::<f32>()
                .unwrap();
            // Descent (-grad) moves the student's first value down and second up, toward the teacher.
            assert!(g[0] > 0.0 && g[1] < 0.0, "{c:?}: {g:?}");
        }
    }
}
