//! VGG-TK: every Conv3x3 of a VGG CNN replaced by a Tucker-2 factorization
//! Conv1x1 (Cin->R1) - Conv3x3 (R1->R2) - Conv1x1 (R2->Cout).

use crate::config::{LayerSpec, TuckerRanks};

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
    use crate::config::Preset;

    #[test]
    fn ranks_rise_from_v1_to_v3_and_first_conv_is_kept() {
        let vgg = crate::vgg::layers(Preset::Paper);
        let v1 = layers(&vgg, TuckerRanks::V1);
        let v3 = layers(&vgg, TuckerRanks::V3);
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
