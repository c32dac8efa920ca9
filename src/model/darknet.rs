//! The DarkNet-DBLSTM student's CNN at each size: narrow Conv3x3 layers alternating with
//! Conv1x1 bottlenecks, downsampling early so most work happens at low resolution; the same
//! frame rate as the teacher of its size.

use super::config::LayerSpec;
use LayerSpec::{Conv1x1 as C1, Conv3x3 as C3, Pool as P};

/// The paper's size.
#[rustfmt::skip]
pub const PAPER: &[LayerSpec] = &[
    C3(16), P(2, 2),
    C3(32), P(2, 2),
    C3(64), C1(32), C3(64), P(2, 1),
    C3(128), C1(64), C3(128), P(2, 1),
    C3(192), C1(96), C3(256), P(2, 1),
];

/// The browser model's size.
#[rustfmt::skip]
pub const SMALL: &[LayerSpec] = &[
    C3(8), P(2, 2),
    C3(16), P(2, 2),
    C3(32), C1(16), C3(32), P(2, 1),
    C3(64), C1(32), C3(64), P(2, 1),
    C3(96), C1(48), C3(128), P(2, 1),
];

/// For tests.
#[rustfmt::skip]
pub const TINY: &[LayerSpec] = &[C3(4), P(2, 2), C3(8), P(2, 1), C3(12), C1(6), C3(12), P(2, 1), C3(16), P(2, 1)];
