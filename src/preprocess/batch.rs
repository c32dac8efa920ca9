//! Prepared lines of different widths stacked into one input tensor.

use super::{InputGeometry, LineImage};
use burn::tensor::{Device, Tensor, TensorData};
use std::borrow::Borrow;

/// Stacks lines into `[B, 1, H, Wmax]` (right-padded with background) and returns each line's
/// frame count.
pub fn batch_lines<L: Borrow<LineImage>>(
    lines: &[L],
    geometry: &InputGeometry,
    device: &Device,
) -> (Tensor<4>, Vec<usize>) {
    let lines: Vec<&LineImage> = lines.iter().map(Borrow::borrow).collect();
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

/// Indices of `lines` from the narrowest to the widest.
fn by_width(lines: &[LineImage]) -> Vec<usize> {
    let mut order: Vec<usize> = (0..lines.len()).collect();
    order.sort_by_key(|&i| lines[i].image.width);
    order
}

/// Indices of `lines` sorted by width and cut into chunks of at most `batch`: batches of
/// similar widths waste little padding.
pub fn width_sorted_batches(lines: &[LineImage], batch: usize) -> Vec<Vec<usize>> {
    by_width(lines)
        .chunks(batch.max(1))
        .map(<[usize]>::to_vec)
        .collect()
}

/// Indices of `lines` in batches of similar widths, each at most `budget` padded input pixels
/// (a single wider line is a batch of its own): memory bounded however many lines there are.
pub fn pixel_budget_batches(lines: &[LineImage], budget: usize) -> Vec<Vec<usize>> {
    let mut batches: Vec<Vec<usize>> = Vec::new();
    let mut current: Vec<usize> = Vec::new();
    for i in by_width(lines) {
        let img = &lines[i].image;
        // Sorted by width: this line is the widest so far, so it sets the padded width.
        if !current.is_empty() && (current.len() + 1) * img.width * img.height > budget {
            batches.push(std::mem::take(&mut current));
        }
        current.push(i);
    }
    if !current.is_empty() {
        batches.push(current);
    }
    batches
}
