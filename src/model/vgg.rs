//! The VGG-DBLSTM teacher's CNN at each size: stacks of Conv3x3 (+ BatchNorm + ReLU) with
//! max-pooling. Pools reduce the height to 1 and the width by 4 (2 at the tiny size, whose
//! 16-pixel lines would otherwise leave too few frames per character).

use super::config::LayerSpec;
use LayerSpec::{Conv3x3 as C3, Pool as P};

/// The paper's size: Conv3x3 parameters 7.63M, as the paper's 7.64M.
#[rustfmt::skip]
pub const PAPER: &[LayerSpec] = &[
    C3(64), C3(64), P(2, 2),
    C3(128), C3(128), P(2, 2),
    C3(256), C3(256), C3(256), P(2, 1),
    C3(512), C3(512), P(2, 1),
    C3(512), P(2, 1),
];

/// Trains on two cores in hours.
#[rustfmt::skip]
pub const SMALL: &[LayerSpec] = &[
    C3(16), P(2, 2),
    C3(32), C3(32), P(2, 2),
    C3(64), C3(64), P(2, 1),
    C3(96), C3(96), P(2, 1),
    C3(128), P(2, 1),
];

/// For tests.
#[rustfmt::skip]
pub const TINY: &[LayerSpec] = &[C3(8), P(2, 2), C3(16), P(2, 1), C3(16), P(2, 1), C3(24), P(2, 1)];
