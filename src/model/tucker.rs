//! VGG-TK: every Conv3x3 of a VGG CNN replaced by a Tucker-2 factorization
//! Conv1x1 (Cin->R1) - Conv3x3 (R1->R2) - Conv1x1 (R2->Cout).

use super::config::LayerSpec;
use serde::{Deserialize, Serialize};

/// Rank presets of rising rank (the paper's VGG-TK-DBLSTM v1..v3).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TuckerRanks {
    /// Lowest rank.
    V1,
    /// Middle rank.
    V2,
    /// Highest rank.
    V3,
}

crate::names::serde_names!(TuckerRanks, "Tucker ranks", [V1, V2, V3]);

impl TuckerRanks {
    /// Fraction of each mode's channels kept as rank.
    pub fn fraction(self) -> f64 {
        match self {
            TuckerRanks::V1 => 0.125,
            TuckerRanks::V2 => 0.15625,
            TuckerRanks::V3 => 0.28125,
        }
    }
}

/// Rank kept for a mode of `channels` channels: a multiple of 4, at least 4, at most `channels`.
pub fn rank(channels: usize, fraction: f64) -> usize {
    let r = ((channels as f64 * fraction) / 4.0).round() as usize * 4;
    r.clamp(4.min(channels), channels)
}

/// Factorizes every Conv3x3 of `vgg` whose input has more than one channel.
pub fn layers(vgg: &[LayerSpec], ranks: TuckerRanks) -> Vec<LayerSpec> {
    let f = ranks.fraction();
    let mut cin = 1;
    vgg.iter()
        .map(|&l| match l {
            LayerSpec::Conv3x3(out) if cin > 1 => {
                let spec = LayerSpec::Tucker {
                    r1: rank(cin, f),
                    r2: rank(out, f),
                    out,
                };
                cin = out;
                spec
            }
            LayerSpec::Conv3x3(out) | LayerSpec::Conv1x1(out) | LayerSpec::Tucker { out, .. } => {
                cin = out;
                l
            }
            LayerSpec::Pool(..) => l,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranks_rise_from_v1_to_v3_and_first_conv_is_kept() {
        let vgg = super::super::vgg::PAPER;
        let v1 = layers(vgg, TuckerRanks::V1);
        let v3 = layers(vgg, TuckerRanks::V3);
        assert_eq!(v1[0], LayerSpec::Conv3x3(64));
        assert_eq!(
            v1[1],
            LayerSpec::Tucker {
                r1: 8,
                r2: 8,
                out: 64
            }
        );
        assert_eq!(
            v3[1],
            LayerSpec::Tucker {
                r1: 20,
                r2: 20,
                out: 64
            }
        );
        assert_eq!(rank(512, 0.125), 64);
        assert_eq!(rank(8, 0.1), 4);
        assert_eq!(rank(3, 0.1), 3);
    }
}
