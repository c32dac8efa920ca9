//! CTC loss over a batch of lines, from the model's `[B, T, C]` outputs.

use anyhow::{Result, bail};
use inkline::Charset;
use inkline::burn::nn::loss::{CTCLossConfig, Reduction};
use inkline::burn::tensor::{Device, Int, Tensor, TensorData};

/// Targets of a batch: padded class indices `[B, S]` and their lengths.
pub struct Targets {
    /// Class indices, padded with the blank.
    pub indices: Tensor<2, Int>,
    /// Length of each target.
    pub lengths: Tensor<1, Int>,
}

/// Encodes texts (which must fit the charset) as CTC targets on `device`.
pub fn targets(texts: &[String], charset: &Charset, device: &Device) -> Result<Targets> {
    let encoded: Vec<Vec<usize>> = texts
        .iter()
        .map(|t| charset.encode(t))
        .collect::<inkline::Result<_>>()?;
    let s = encoded.iter().map(Vec::len).max().unwrap_or(0).max(1);
    let mut flat = vec![0i64; texts.len() * s];
    for (i, e) in encoded.iter().enumerate() {
        if e.is_empty() {
            bail!("empty target text in batch");
        }
        for (j, &c) in e.iter().enumerate() {
            flat[i * s + j] = c as i64;
        }
    }
    let lengths: Vec<i64> = encoded.iter().map(|e| e.len() as i64).collect();
    Ok(Targets {
        indices: Tensor::from_data(TensorData::new(flat, [texts.len(), s]), device),
        lengths: Tensor::from_data(TensorData::new(lengths, [texts.len()]), device),
    })
}

/// Mean over the batch of the CTC loss divided by target length. `log_probs` is `[B, T, C]`.
pub fn ctc_loss(log_probs: Tensor<3>, frames: &[usize], targets: &Targets) -> Tensor<1> {
    let device = log_probs.device();
    let input_lengths: Vec<i64> = frames.iter().map(|&f| f as i64).collect();
    let input_lengths =
        Tensor::<1, Int>::from_data(TensorData::new(input_lengths, [frames.len()]), &device);
    CTCLossConfig::new()
        .with_zero_infinity(true)
        .init()
        .forward_with_reduction(
            log_probs.swap_dims(0, 1),
            targets.indices.clone(),
            input_lengths,
            targets.lengths.clone(),
            Reduction::Mean,
        )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::fonts::Split;
    use crate::data::generator::test_support::embedded;
    use crate::data::style::Style;
    use inkline::burn::optim::{AdamConfig, GradientsParams};
    use inkline::burn::tensor::activation::log_softmax;
    use inkline::internals::{batch_lines, prepare_line};
    use inkline::{CnnDblstm, Network, Preset};

    #[test]
    fn a_tiny_model_overfits_one_batch() {
        let g = embedded();
        let cs = Charset::printable_ascii();
        let config = Preset::Tiny.config(Network::Darknet, &cs);
        let geometry = config.geometry();
        let mut lines = Vec::new();
        let mut texts = Vec::new();
        for i in 0..4 {
            let s = g.sample(Style::Printed, Split::Train, 3, i).unwrap();
            lines.push(prepare_line(&s.image, &geometry).unwrap().unwrap());
            texts.push(s.text);
        }
        let device = Device::flex().autodiff();
        let mut model = CnnDblstm::new(&config, &device).unwrap();
        let mut optim = AdamConfig::new().init();
        let (x, frames) = batch_lines(&lines, &geometry, &device);
        let t = targets(&texts, &cs, &device).unwrap();
        let mut losses = Vec::new();
        for _ in 0..400 {
            let lp = log_softmax(model.forward(x.clone(), &frames).logits, 2);
            let loss = ctc_loss(lp, &frames, &t);
            losses.push(loss.clone().into_scalar::<f32>());
            let grads = GradientsParams::from_grads(loss.backward(), &model);
            model = optim.step(3e-3, model, grads);
        }
        let (first, last) = (losses[0], *losses.last().unwrap());
        assert!(
            last < 0.3 * first,
            "loss {first} -> {last}: {:?}",
            losses.iter().step_by(20).collect::<Vec<_>>()
        );
    }
}
