//! Prepared lines of different widths stacked into one input tensor.

use super::{InputGeometry, LineImage};
use burn::tensor::{Device, Tensor, TensorData};

/// Stacks lines into `[B, 1, H, Wmax]` (right-padded with background) and returns each line's
/// frame count.
pub fn batch_lines(
    lines: &[LineImage],
    geometry: &InputGeometry,
    device: &Device,
) -> (Tensor<4>, Vec<usize>) {
    let h = geometry.height;
    let w = lines
        .iter()
        .map(|l| l.image.width)
        .max()
        .unwrap_or(geometry.width_multiple);
    let mut data = vec![0.0f32; lines.len() * h * w];
    for (i, l) in lines.iter().enumerate() {
        for y in 0..h {
            let dst = (i * h + y) * w;
            data[dst..dst + l.image.width]
                .copy_from_slice(&l.image.data[y * l.image.width..(y + 1) * l.image.width]);
        }
    }
    let frames = lines
        .iter()
        .map(|l| (l.image.width / geometry.width_multiple).max(1))
        .collect();
    (
        Tensor::<4>::from_data(TensorData::new(data, [lines.len(), 1, h, w]), device),
        frames,
    )
}

/// Indices of `lines` sorted by width and cut into chunks of at most `batch`: batches of
/// similar widths waste little padding.
pub fn width_sorted_batches(lines: &[LineImage], batch: usize) -> Vec<Vec<usize>> {
    let mut order: Vec<usize> = (0..lines.len()).collect();
    order.sort_by_key(|&i| lines[i].image.width);
    order.chunks(batch.max(1)).map(<[usize]>::to_vec).collect()
}
