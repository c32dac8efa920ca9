//! DarkNet-style student CNN: narrow Conv3x3 layers alternating with Conv1x1 bottlenecks,
//! downsampling early so most work happens at low resolution.

use crate::config::{LayerSpec, Preset};
use LayerSpec::{Conv1x1 as C1, Conv3x3 as C3, Pool as P};

/// The student's layers at `preset`, with the teacher's frame rate.
#[rustfmt::skip]
pub fn layers(preset: Preset) -> Vec<LayerSpec> {
    match preset {
        Preset::Paper => vec![
            C3(16),
            P(2, 2),
            C3(32),
            P(2, 2),
            C3(64),
            C1(32),
            C3(64),
            P(2, 1),
            C3(128),
            C1(64),
            C3(128),
            P(2, 1),
            C3(192),
            C1(96),
            C3(256),
            P(2, 1),
        ],
        Preset::Small => vec![
            C3(8),
            P(2, 2),
            C3(16),
            P(2, 2),
            C3(32),
            C1(16),
            C3(32),
            P(2, 1),
            C3(64),
            C1(32),
            C3(64),
            P(2, 1),
            C3(96),
            C1(48),
            C3(128),
            P(2, 1),
        ],
        Preset::Tiny => vec![C3(4), P(2, 2), C3(8), P(2, 1), C3(12), C1(6), C3(12), P(2, 1), C3(16), P(2, 1)],
    }
}
