//! Model cost: parameters and FLOPs per layer type of the paper's complexity table, computed
//! from a config.

use inkline::{LayerSpec, ModelConfig};
use serde::Serialize;
use std::collections::BTreeMap;

/// Layer types of the paper's complexity table.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub enum LayerKind {
    /// 3x3 convolutions (BatchNorm folded in).
    Conv3x3,
    /// 1x1 convolutions (BatchNorm folded in), the projection included.
    Conv1x1,
    /// ReLU activations.
    ReLU,
    /// Max-pooling layers.
    MaxPooling,
    /// The two BiLSTM layers.
    Dblstm,
    /// The inner-product layer.
    Ip,
}

impl LayerKind {
    /// All kinds in table order.
    pub const ALL: [LayerKind; 6] = [
        LayerKind::Conv3x3,
        LayerKind::Conv1x1,
        LayerKind::ReLU,
        LayerKind::MaxPooling,
        LayerKind::Dblstm,
        LayerKind::Ip,
    ];

    /// Name as printed in tables.
    pub fn name(self) -> &'static str {
        match self {
            LayerKind::Conv3x3 => "Conv3x3",
            LayerKind::Conv1x1 => "Conv1x1",
            LayerKind::ReLU => "ReLU",
            LayerKind::MaxPooling => "MaxPooling",
            LayerKind::Dblstm => "DBLSTM",
            LayerKind::Ip => "IP",
        }
    }
}

/// Parameters and floating-point operations (a multiply-add counts 2) of some layers.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize)]
pub struct Cost {
    /// Trainable parameters.
    pub params: usize,
    /// FLOPs for one line of the reference size.
    pub flops: f64,
}

impl std::ops::AddAssign for Cost {
    fn add_assign(&mut self, o: Cost) {
        self.params += o.params;
        self.flops += o.flops;
    }
}

/// Cost per layer type of `config` on a line of the input height and `width` pixels.
pub fn costs(config: &ModelConfig, width: usize) -> BTreeMap<LayerKind, Cost> {
    let mut out: BTreeMap<LayerKind, Cost> = LayerKind::ALL
        .iter()
        .map(|&k| (k, Cost::default()))
        .collect();
    let mut add = |k: LayerKind, params: usize, flops: f64| {
        *out.get_mut(&k).expect("all kinds") += Cost { params, flops }
    };
    let (mut h, mut w, mut c) = (config.input_height, width, 1usize);
    let conv = |k: usize, cin: usize, cout: usize, px: usize| {
        (k * k * cin * cout, 2.0 * (k * k * cin * cout * px) as f64)
    };
    for spec in &config.cnn {
        let px = h * w;
        match *spec {
            LayerSpec::Conv3x3(o) | LayerSpec::Conv1x1(o) => {
                let (k, kind) = if matches!(spec, LayerSpec::Conv3x3(_)) {
                    (3, LayerKind::Conv3x3)
                } else {
                    (1, LayerKind::Conv1x1)
                };
                let (p, f) = conv(k, c, o, px);
                add(kind, p + 2 * o, f);
                add(LayerKind::ReLU, 0, (o * px) as f64);
                c = o;
            }
            LayerSpec::Tucker { r1, r2, out } => {
                let (p1, f1) = conv(1, c, r1, px);
                let (p2, f2) = conv(3, r1, r2, px);
                let (p3, f3) = conv(1, r2, out, px);
                add(LayerKind::Conv1x1, p1 + p3 + 2 * out, f1 + f3);
                add(LayerKind::Conv3x3, p2, f2);
                add(LayerKind::ReLU, 0, (out * px) as f64);
                c = out;
            }
            LayerSpec::Pool(ph, pw) => {
                add(LayerKind::MaxPooling, 0, (c * px) as f64);
                h /= ph;
                w /= pw;
            }
        }
    }
    let t = w;
    let (d, hd, classes) = (config.feature_dim, config.lstm_hidden, config.num_classes);
    let (p, f) = conv(1, c, d, t);
    add(LayerKind::Conv1x1, p + d, f);
    for d_in in [d, 2 * hd] {
        // Two directions: input and recurrent projections, biases, and ~10 element-wise ops per unit.
        let params = 2 * (d_in * 4 * hd + 4 * hd + hd * 4 * hd);
        let flops = 2.0 * (2.0 * ((d_in + hd) * 4 * hd) as f64 + 10.0 * hd as f64) * t as f64;
        add(LayerKind::Dblstm, params, flops);
    }
    add(
        LayerKind::Ip,
        2 * hd * classes + classes,
        2.0 * (2 * hd * classes * t) as f64,
    );
    out
}

/// Sum over layer types.
pub fn total(costs: &BTreeMap<LayerKind, Cost>) -> Cost {
    let mut c = Cost::default();
    for v in costs.values() {
        c += *v;
    }
    c
}

#[cfg(test)]
mod tests {
    use super::*;
    use inkline::burn::tensor::Device;
    use inkline::internals::collect_weights;
    use inkline::{Charset, CnnDblstm, Network, Preset, TuckerRanks};

    fn model_params(config: &ModelConfig) -> usize {
        let m = CnnDblstm::new(config, &Device::flex()).unwrap();
        collect_weights(&m)
            .iter()
            .filter(|(k, _)| !k.contains("running_"))
            .map(|(_, t)| t.values.len())
            .sum()
    }

    #[test]
    fn analytic_params_match_the_built_models() {
        let cs = Charset::printable_ascii();
        for network in [
            Network::Vgg,
            Network::Darknet,
            Network::Tucker(TuckerRanks::V2),
        ] {
            let c = Preset::Tiny.config(network, &cs);
            assert_eq!(
                total(&costs(&c, 64)).params,
                model_params(&c),
                "{network:?}"
            );
        }
    }

    #[test]
    fn parameter_counts_per_preset() {
        let cs = Charset::printable_ascii();
        let count = |c: ModelConfig| total(&costs(&c, 64)).params;
        let expected = [
            (
                Preset::Paper,
                [8_286_176, 1_295_248, 997_280, 1_121_168, 1_761_776],
            ),
            (Preset::Small, [943_952, 790_936, 640_320, 647_280, 674_640]),
            (Preset::Tiny, [55_624, 52_008, 49_528, 49_528, 49_768]),
        ];
        for (preset, want) in expected {
            let got = Network::TABLE.map(|n| count(preset.config(n, &cs)));
            assert_eq!(got, want, "{preset:?}");
        }
    }

    #[test]
    fn paper_preset_matches_the_paper_sizes() {
        let cs = Charset::printable_ascii();
        let within = |x: f64, target: f64| (x / target - 1.0).abs() <= 0.15;
        let vgg = costs(&Preset::Paper.config(Network::Vgg, &cs), 512);
        let dark = costs(&Preset::Paper.config(Network::Darknet, &cs), 512);
        let conv3 = vgg[&LayerKind::Conv3x3].params as f64;
        let dblstm = vgg[&LayerKind::Dblstm].params as f64;
        let (tv, td) = (total(&vgg), total(&dark));
        assert!(within(conv3, 7.64e6), "Conv3x3 {conv3}");
        assert!(within(dblstm, 0.62e6), "DBLSTM {dblstm}");
        assert!(within(tv.params as f64, 8.26e6), "VGG {}", tv.params);
        assert!(within(td.params as f64, 1.47e6), "DarkNet {}", td.params);
        let cr = tv.params as f64 / td.params as f64;
        let sr = tv.flops / td.flops;
        assert!(cr >= 5.0, "Cr {cr}");
        assert!(sr >= 15.0, "Sr {sr}");
    }
}
