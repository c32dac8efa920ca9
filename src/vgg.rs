//! VGG-style teacher CNN: stacks of Conv3x3 + ReLU with max-pooling.

use crate::config::{LayerSpec, Preset};
use LayerSpec::{Conv3x3 as C3, Pool as P};

/// The teacher's layers at `preset`: pools reduce the height to 1 and the width by 4 (2 for
/// `tiny`, whose 16-pixel lines would otherwise leave too few frames per character).
#[rustfmt::skip]
pub fn layers(preset: Preset) -> Vec<LayerSpec> {
    match preset {
        // Conv3x3 parameters 7.63M, as the seed's 7.64M.
        Preset::Paper => vec![
            C3(64),
            C3(64),
            P(2, 2),
            C3(128),
            C3(128),
            P(2, 2),
            C3(256),
            C3(256),
            C3(256),
            P(2, 1),
            C3(512),
            C3(512),
            P(2, 1),
            C3(512),
            P(2, 1),
        ],
        Preset::Small => vec![
            C3(16),
            P(2, 2),
            C3(32),
            C3(32),
            P(2, 2),
            C3(64),
            C3(64),
            P(2, 1),
            C3(96),
            C3(96),
            P(2, 1),
            C3(128),
            P(2, 1),
        ],
        Preset::Tiny => vec![C3(8), P(2, 2), C3(16), P(2, 1), C3(16), P(2, 1), C3(24), P(2, 1)],
    }
}
