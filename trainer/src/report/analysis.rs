//! The paper's loss analysis: every criterion's value and the CTC loss of a student against
//! the teacher, averaged over validation lines.

use crate::train::criterion::Criterion;
use crate::train::ctc_loss::{ctc_loss, targets};
use crate::train::validate::ValSet;
use anyhow::Result;
use inkline::burn::module::Module;
use inkline::burn::tensor::Device;
use inkline::burn::tensor::activation::log_softmax;
use inkline::internals::batch_lines;
use inkline::{Charset, CnnDblstm, InputGeometry};

/// Mean of each criterion kind (`Criterion::KINDS`, labelled) and of CTC over `sets`.
pub fn losses(
    student: &CnnDblstm,
    teacher: &CnnDblstm,
    sets: &[ValSet],
    charset: &Charset,
    geometry: &InputGeometry,
    device: &Device,
) -> Result<Vec<(String, f64)>> {
    let (s, t) = (
        student.valid().to_device(device),
        teacher.valid().to_device(device),
    );
    let criteria = Criterion::KINDS;
    let mut sums = vec![0f64; criteria.len() + 1];
    let mut n = 0usize;
    for set in sets {
        for (lines, texts) in set.batches(16) {
            let texts: Vec<String> = texts.into_iter().map(String::from).collect();
            let (x, frames) = batch_lines(&lines, geometry, device);
            let so = s.forward(x.clone(), &frames);
            let to = t.forward(x, &frames);
            let w = lines.len() as f64;
            for (k, c) in criteria.iter().enumerate() {
                sums[k] += w * f64::from(c.loss(&so, &to, &frames).into_scalar::<f32>());
            }
            let tg = targets(&texts, charset, device)?;
            sums[criteria.len()] += w * f64::from(
                ctc_loss(log_softmax(so.logits, 2), &frames, &tg).into_scalar::<f32>(),
            );
            n += lines.len();
        }
    }
    let names = criteria
        .iter()
        .map(|c| c.kind_names().1.to_string())
        .chain(["CTC".to_string()]);
    Ok(names
        .zip(sums)
        .map(|(k, v)| (k, v / n.max(1) as f64))
        .collect())
}
