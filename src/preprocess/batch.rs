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

/// Padding a batch may add to its lines' own pixels: the network's time follows the padded
/// width, so a short line batched with long ones (a page's "3" beside its full lines) would
/// cost as much as the longest.
const MAX_PADDING: f32 = 0.15;

/// Indices of `lines` in batches of similar widths, each at most `budget` padded input pixels
/// (a single wider line is a batch of its own: memory bounded however many lines there are)
/// and at most [`MAX_PADDING`] more than its lines' own.
pub fn pixel_budget_batches(lines: &[LineImage], budget: usize) -> Vec<Vec<usize>> {
    let mut batches: Vec<Vec<usize>> = Vec::new();
    let mut current: Vec<usize> = Vec::new();
    let mut own = 0usize;
    for i in by_width(lines) {
        let img = &lines[i].image;
        // Sorted by width: this line is the widest so far, so it sets the padded width.
        let padded = (current.len() + 1) * img.width * img.height;
        let with = own + img.width * img.height;
        if !current.is_empty()
            && (padded > budget || padded as f32 > (1.0 + MAX_PADDING) * with as f32)
        {
            batches.push(std::mem::take(&mut current));
            own = 0;
        }
        current.push(i);
        own += img.width * img.height;
    }
    if !current.is_empty() {
        batches.push(current);
    }
    batches
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::image::GrayImage;

    fn lines(widths: &[usize]) -> Vec<LineImage> {
        widths
            .iter()
            .map(|&w| {
                let bbox = super::super::BBox {
                    x: 0,
                    y: 0,
                    width: w,
                    height: 48,
                };
                LineImage {
                    image: GrayImage::filled(w, 48, 0.0),
                    bbox,
                    quad: super::super::corners(bbox),
                    join: super::super::Join::NewLine,
                }
            })
            .collect()
    }

    #[test]
    fn batches_hold_similar_widths_within_the_budget() {
        // Widths 1000, 1050, 1100 pad to 3 x 1100 = 3300 columns for 3150 of their own (5 %).
        let l = lines(&[1100, 1000, 1050]);
        assert_eq!(pixel_budget_batches(&l, 1 << 19), vec![vec![1, 2, 0]]);
        // A budget of two lines' pixels: the third starts a batch of its own.
        assert_eq!(
            pixel_budget_batches(&l, 2 * 1050 * 48),
            vec![vec![1, 2], vec![0]]
        );
    }

    #[test]
    fn a_short_line_is_not_padded_to_long_ones() {
        // A page's lone "3" (100 px) and two full lines: padding it to 1000 px would read
        // 3000 columns for 2100 of ink.
        let l = lines(&[1000, 100, 1000]);
        assert_eq!(pixel_budget_batches(&l, 1 << 19), vec![vec![1], vec![0, 2]]);
    }
}
