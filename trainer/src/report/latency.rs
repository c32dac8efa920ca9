//! Measured latency: the median of repeated runs, one whole line through the network, and one
//! forward pass timed step by step per layer type (the real forward pass, op by op).

use super::cost::LayerKind;
use inkline::CnnDblstm;
use inkline::burn::tensor::{Device, Tensor};
use inkline::internals::Op;
use std::collections::BTreeMap;
use std::time::Instant;

/// The median of `values` (the upper one of an even count); 0 for none.
pub fn median(mut values: Vec<f64>) -> f64 {
    if values.is_empty() {
        return 0.0;
    }
    values.sort_by(f64::total_cmp);
    values[values.len() / 2]
}

/// Median wall time in ms of `f` over `repeats` runs after `warmup` runs.
pub fn median_ms(warmup: usize, repeats: usize, mut f: impl FnMut()) -> f64 {
    for _ in 0..warmup {
        f();
    }
    median(
        (0..repeats.max(1))
            .map(|_| {
                let s = Instant::now();
                f();
                s.elapsed().as_secs_f64() * 1000.0
            })
            .collect(),
    )
}

/// Median wall time in ms of one `1 x 1 x H x width` line through `model` (forward pass and
/// readback of the log-probabilities), over `repeats` runs after `warmup` runs.
pub fn line_ms(
    model: &CnnDblstm,
    (height, width): (usize, usize),
    stride: usize,
    (warmup, repeats): (usize, usize),
    device: &Device,
) -> f64 {
    median_ms(warmup, repeats, || {
        let x = Tensor::<4>::ones([1, 1, height, width], device);
        let _ = model.log_probs(x, &[width / stride]).into_data();
    })
}

/// Wall time in ms of one forward pass of a `1 x 1 x H x width` line, split by layer type.
/// Each step is synchronized before its clock stops, so the split is real, not estimated.
pub fn profile_once(
    model: &CnnDblstm,
    height: usize,
    width: usize,
    device: &Device,
) -> BTreeMap<LayerKind, f64> {
    let mut times: BTreeMap<LayerKind, f64> = LayerKind::ALL.iter().map(|&k| (k, 0.0)).collect();
    let mut timed = |kind: LayerKind, f: &mut dyn FnMut()| {
        let s = Instant::now();
        f();
        let _ = device.sync();
        *times.get_mut(&kind).expect("all kinds") += s.elapsed().as_secs_f64() * 1000.0;
    };
    let conv_kind = |kernel: [usize; 2]| {
        if kernel == [3, 3] {
            LayerKind::Conv3x3
        } else {
            LayerKind::Conv1x1
        }
    };
    let mut x = Tensor::<4>::ones([1, 1, height, width], device);
    for op in model.cnn.ops() {
        let kind = match op {
            Op::Conv(c) => conv_kind(c.kernel_size),
            // BatchNorm folds into the convolution it follows.
            Op::BatchNorm { kernel, .. } => conv_kind(kernel),
            Op::Relu => LayerKind::ReLU,
            Op::Pool(_) => LayerKind::MaxPooling,
        };
        timed(kind, &mut || x = op.apply(x.clone()));
    }
    let mut feats = Tensor::<3>::zeros([1, 1, 1], device);
    timed(LayerKind::Conv1x1, &mut || {
        feats = model.cnn.project(x.clone())
    });
    let frames = [feats.dims()[1]];
    let mut hidden = feats.clone();
    timed(LayerKind::Dblstm, &mut || {
        hidden = model.head.recur(feats.clone(), &frames).1;
    });
    timed(LayerKind::Ip, &mut || {
        let _ = model.head.classify(hidden.clone());
    });
    times
}

#[cfg(test)]
mod tests {
    use super::*;
    use inkline::{Charset, Network, Preset, TuckerRanks};

    #[test]
    fn profile_covers_every_layer_kind() {
        let cs = Charset::printable_ascii();
        let c = Preset::Tiny.config(Network::Tucker(TuckerRanks::V1), &cs);
        let m = CnnDblstm::new(&c, &Device::flex()).unwrap();
        let t = profile_once(&m, 16, 64, &Device::flex());
        assert_eq!(t.len(), 6);
        assert!(t.values().all(|&v| v > 0.0), "{t:?}");
    }

    #[test]
    fn median_takes_the_middle() {
        assert_eq!(median(vec![3.0, 1.0, 2.0]), 2.0);
        assert_eq!(median(vec![4.0, 1.0, 3.0, 2.0]), 3.0);
        assert_eq!(median(vec![]), 0.0);
    }
}
