//! The seed's loss analysis: every criterion's value and the CTC loss of a student against
//! the teacher, averaged over validation lines.

use super::ctc::{ctc_loss, targets};
use super::distill::Criterion;
use super::validate::ValSet;
use anyhow::Result;
use inkline::burn::module::Module;
use inkline::burn::tensor::Device;
use inkline::burn::tensor::activation::log_softmax;
use inkline::preprocess::InputGeometry;
use inkline::recognizer::batch_lines;
use inkline::{Charset, CnnDblstm, LineImage};

/// Mean of each criterion (seed order, Softmax-CE at T = 1) and of CTC over `sets`.
pub fn losses(
    student: &CnnDblstm,
    teacher: &CnnDblstm,
    sets: &[ValSet],
    charset: &Charset,
    geometry: &InputGeometry,
) -> Result<Vec<(String, f64)>> {
    let device = Device::flex();
    let (s, t) = (
        student.valid().to_device(&device),
        teacher.valid().to_device(&device),
    );
    let criteria = [
        Criterion::SoftmaxCe(1.0),
        Criterion::IpL2,
        Criterion::LstmL2,
        Criterion::CnnMah,
        Criterion::CnnL2,
    ];
    let mut sums = vec![0f64; criteria.len() + 1];
    let mut n = 0usize;
    for set in sets {
        let mut order: Vec<usize> = (0..set.lines.len()).collect();
        order.sort_by_key(|&i| set.lines[i].image.width);
        for chunk in order.chunks(16) {
            let lines: Vec<LineImage> = chunk.iter().map(|&i| set.lines[i].clone()).collect();
            let texts: Vec<String> = chunk.iter().map(|&i| set.texts[i].clone()).collect();
            let (x, frames) = batch_lines(&lines, geometry, &device);
            let so = s.forward(x.clone(), &frames);
            let to = t.forward(x, &frames);
            let w = chunk.len() as f64;
            for (k, c) in criteria.iter().enumerate() {
                sums[k] += w * f64::from(c.loss(&so, &to, &frames).into_scalar::<f32>());
            }
            let tg = targets(&texts, charset, &device)?;
            sums[criteria.len()] += w * f64::from(
                ctc_loss(log_softmax(so.logits, 2), &frames, &tg).into_scalar::<f32>(),
            );
            n += chunk.len();
        }
    }
    let names = ["Softmax-CE", "IP-L2", "LSTM-L2", "CNN-MAH", "CNN-L2", "CTC"];
    Ok(names
        .iter()
        .zip(sums)
        .map(|(k, v)| (k.to_string(), v / n.max(1) as f64))
        .collect())
}
