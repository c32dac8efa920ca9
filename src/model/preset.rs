//! Named sizes of the model family (`paper`, `small`, `tiny`) and the networks of the paper's
//! tables at each size: teacher, student and the VGG-TK variants share one DBLSTM head.

use super::config::{Arch, ModelConfig};
use super::tucker::TuckerRanks;
use super::{darknet, tucker, vgg};
use crate::charset::Charset;
use crate::preprocess::LineNorm;
use serde::{Deserialize, Serialize};

/// A named size of the whole family.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Preset {
    /// The paper's sizes (VGG-DBLSTM 8.26M, DarkNet-DBLSTM 1.47M parameters).
    Paper,
    /// Trains teacher -> student on a 2-core machine in a few hours; ships to the browser.
    Small,
    /// For tests: trains in seconds.
    Tiny,
}

crate::names::serde_names!(Preset, "preset", [Paper, Small, Tiny]);

/// One network of the paper's tables.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Network {
    /// VGG-DBLSTM, the teacher.
    Vgg,
    /// DarkNet-DBLSTM, the student.
    Darknet,
    /// VGG-TK-DBLSTM: the teacher's Conv3x3 layers Tucker-factorized at these ranks.
    Tucker(TuckerRanks),
}

impl Network {
    /// The paper's table order: VGG, DarkNet, VGG-TK v1..v3.
    pub const TABLE: [Network; 5] = [
        Network::Vgg,
        Network::Darknet,
        Network::Tucker(TuckerRanks::V1),
        Network::Tucker(TuckerRanks::V2),
        Network::Tucker(TuckerRanks::V3),
    ];

    /// The CNN family stored in model files.
    pub fn arch(self) -> Arch {
        match self {
            Network::Vgg => Arch::Vgg,
            Network::Darknet => Arch::Darknet,
            Network::Tucker(_) => Arch::Tucker,
        }
    }

    /// The paper's name: `VGG-DBLSTM`, `DarkNet-DBLSTM`, `VGG-TK-DBLSTM-v2`.
    pub fn display_name(self) -> String {
        match self {
            Network::Vgg => "VGG-DBLSTM".into(),
            Network::Darknet => "DarkNet-DBLSTM".into(),
            Network::Tucker(r) => format!("VGG-TK-DBLSTM-{r}"),
        }
    }
}

impl Preset {
    /// (input height, feature size D, LSTM hidden units per direction).
    fn head(self) -> (usize, usize, usize) {
        match self {
            Preset::Paper => (32, 64, 128),
            Preset::Small => (32, 64, 128),
            Preset::Tiny => (16, 32, 32),
        }
    }

    /// The configuration of `network` at this size, for `charset`.
    pub fn config(self, network: Network, charset: &Charset) -> ModelConfig {
        let [vgg, darknet] = match self {
            Preset::Paper => [vgg::PAPER, darknet::PAPER],
            Preset::Small => [vgg::SMALL, darknet::SMALL],
            Preset::Tiny => [vgg::TINY, darknet::TINY],
        };
        let cnn = match network {
            Network::Vgg => vgg.to_vec(),
            Network::Darknet => darknet.to_vec(),
            Network::Tucker(ranks) => tucker::layers(vgg, ranks),
        };
        let (input_height, feature_dim, lstm_hidden) = self.head();
        ModelConfig {
            arch: network.arch(),
            input_height,
            line_norm: LineNorm::InkBox,
            width_density: None,
            cnn,
            feature_dim,
            lstm_hidden,
            num_classes: charset.num_classes(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_preset_and_network_validates() {
        let cs = Charset::printable_ascii();
        for &p in Preset::ALL {
            for n in Network::TABLE {
                let c = p.config(n, &cs);
                c.validate().unwrap();
                assert_eq!(c.arch, n.arch());
                let stride = if p == Preset::Tiny { 2 } else { 4 };
                assert_eq!(c.frame_stride(), stride, "{p:?} {n:?}");
            }
        }
    }

    #[test]
    fn names_round_trip_and_unknown_names_are_listed() {
        for &p in Preset::ALL {
            assert_eq!(p.name().parse::<Preset>().unwrap(), p);
        }
        assert_eq!(Preset::Small.to_string(), "small");
        let err = "huge".parse::<Preset>().unwrap_err().to_string();
        assert_eq!(err, "unknown preset 'huge' (known: paper, small, tiny)");
        assert_eq!(
            Network::Tucker(TuckerRanks::V2).display_name(),
            "VGG-TK-DBLSTM-v2"
        );
    }
}
