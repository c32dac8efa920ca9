//! One LSTM direction over plain slices: the recurrence forward (keeping what the backward needs)
//! and its backward through time. Layouts are row-major: projected inputs `[B, T, 4H]` (gates in
//! the order input, forget, cell, output; input bias included), recurrent weight `[H, 4H]`
//! (`gates += h W`), hidden states `[B, T, H]`. Sequence `b` has `lengths[b]` real frames; its
//! padding frames get zero outputs and zero gradients. The reverse direction runs each sequence
//! from its own last real frame back to its first and writes outputs in place, so no reversal of
//! the tensors is needed.

use super::activation::{sigmoid, tanh};
use super::matmul::{MatRef, Panels, matmul};
use super::parallel;

/// Sizes of one call.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Dims {
    /// Sequences.
    pub batch: usize,
    /// Frames per (padded) sequence.
    pub steps: usize,
    /// Hidden units.
    pub hidden: usize,
}

impl Dims {
    fn gates(&self) -> usize {
        4 * self.hidden
    }
}

/// A direction's walk over the frames: which frame of sequence `b` is processed at step `s`.
#[derive(Debug, Clone)]
pub struct Walk {
    lengths: Vec<usize>,
    reverse: bool,
    longest: usize,
}

impl Walk {
    /// The walk of sequences of `lengths` (clamped to `steps`), left to right or reversed.
    pub fn new(lengths: &[usize], batch: usize, steps: usize, reverse: bool) -> Self {
        let lengths: Vec<usize> = (0..batch)
            .map(|b| lengths.get(b).copied().unwrap_or(steps).min(steps))
            .collect();
        let longest = lengths.iter().copied().max().unwrap_or(0);
        Self {
            lengths,
            reverse,
            longest,
        }
    }

    /// The walk of sequences `range` alone.
    fn part(&self, range: std::ops::Range<usize>) -> Self {
        let lengths = self.lengths[range].to_vec();
        let longest = lengths.iter().copied().max().unwrap_or(0);
        Self {
            lengths,
            reverse: self.reverse,
            longest,
        }
    }

    /// The frame of sequence `b` at step `s`, or `None` when `b` has ended.
    fn frame(&self, b: usize, s: usize) -> Option<usize> {
        let len = self.lengths[b];
        (s < len).then(|| if self.reverse { len - 1 - s } else { s })
    }
}

/// Groups of at most this many sequences take the packed recurrent weight ([`Panels`]).
const PANEL_ROWS: usize = 4;

/// What the forward keeps for the backward: the gate activations `[B, T, 4H]` and cell states
/// `[B, T, H]` of every real frame.
#[derive(Debug, Clone)]
pub struct Saved {
    /// Activated gates (sigmoid i, f, o; tanh g).
    pub gates: Vec<f32>,
    /// Cell states.
    pub cells: Vec<f32>,
}

/// The recurrence: hidden states `[B, T, H]` of projected inputs `proj` with recurrent weight
/// `weight`, and (when `keep`) what the backward needs. Groups of sequences run on the pool's
/// threads (see [`parallel`]).
pub fn forward(
    proj: &[f32],
    weight: &[f32],
    dims: &Dims,
    walk: &Walk,
    keep: bool,
) -> (Vec<f32>, Option<Saved>) {
    let Dims {
        batch,
        steps,
        hidden: h,
    } = *dims;
    let g4 = dims.gates();
    assert_eq!(proj.len(), batch * steps * g4, "projection size");
    assert_eq!(weight.len(), h * g4, "recurrent weight size");
    let mut out = vec![0.0f32; batch * steps * h];
    let mut saved = keep.then(|| Saved {
        gates: vec![0.0; batch * steps * g4],
        cells: vec![0.0; batch * steps * h],
    });
    let (gates, cells) = saved
        .as_mut()
        .map(|s| (&mut s.gates[..], &mut s.cells[..]))
        .unzip();
    let work: Vec<_> = parallel::pieces(&mut out, batch, steps * h)
        .into_iter()
        .zip(parallel::optional_pieces(gates, batch, steps * g4))
        .zip(parallel::optional_pieces(cells, batch, steps * h))
        .map(|(((seqs, out), gates), cells)| (seqs, out, gates.zip(cells)))
        .collect();
    parallel::map(work, |(seqs, out, kept)| {
        let part = Dims {
            batch: seqs.len(),
            ..*dims
        };
        let proj = &proj[seqs.start * steps * g4..seqs.end * steps * g4];
        forward_group(proj, weight, &part, &walk.part(seqs), out, kept);
    });
    (out, saved)
}

/// [`forward`] of one group of sequences, into its `out` and (when given) saved gates and cells.
fn forward_group(
    proj: &[f32],
    weight: &[f32],
    dims: &Dims,
    walk: &Walk,
    out: &mut [f32],
    mut saved: Option<(&mut [f32], &mut [f32])>,
) {
    let Dims {
        batch,
        steps,
        hidden: h,
    } = *dims;
    let g4 = dims.gates();
    let mut h_state = vec![0.0f32; batch * h];
    let mut c_state = vec![0.0f32; batch * h];
    let mut gates = vec![0.0f32; batch * g4];
    // A single line (inference) reads the weight once per step: packed into panels, it streams.
    let panels = (batch <= PANEL_ROWS).then(|| Panels::cached(weight, h, g4));
    let w = MatRef::new(weight, h, g4);
    for s in 0..walk.longest {
        for b in 0..batch {
            if let Some(t) = walk.frame(b, s) {
                let src = (b * steps + t) * g4;
                gates[b * g4..(b + 1) * g4].copy_from_slice(&proj[src..src + g4]);
            }
        }
        if s > 0 {
            match &panels {
                Some(p) => p.product(&mut gates, &h_state, batch, true),
                None => matmul(&mut gates, MatRef::new(&h_state, batch, h), w, true),
            }
        }
        for b in 0..batch {
            let Some(t) = walk.frame(b, s) else { continue };
            let row = &mut gates[b * g4..(b + 1) * g4];
            let c = &mut c_state[b * h..(b + 1) * h];
            let hs = &mut h_state[b * h..(b + 1) * h];
            cell_step(row, c, hs);
            let at = b * steps + t;
            out[at * h..(at + 1) * h].copy_from_slice(hs);
            if let Some((saved_gates, saved_cells)) = saved.as_mut() {
                saved_gates[at * g4..(at + 1) * g4].copy_from_slice(row_of(&gates, b, g4));
                saved_cells[at * h..(at + 1) * h].copy_from_slice(c);
            }
        }
    }
}

/// One cell update: activates the gate pre-activations `row` (`[i | f | g | o]`, in place) and
/// moves the cell `c` and hidden state `hs` one step.
#[inline(always)]
fn cell_step_body(row: &mut [f32], c: &mut [f32], hs: &mut [f32]) {
    let h = c.len();
    let (ifg, o) = row.split_at_mut(3 * h);
    let (i_f, g) = ifg.split_at_mut(2 * h);
    // Plain maps over contiguous slices, so each one vectorizes (a chained iterator does not).
    for v in i_f.iter_mut() {
        *v = sigmoid(*v);
    }
    for v in o.iter_mut() {
        *v = sigmoid(*v);
    }
    for v in g.iter_mut() {
        *v = tanh(*v);
    }
    let (i, f) = i_f.split_at(h);
    for (((cu, &iu), &fu), &gu) in c.iter_mut().zip(i).zip(f).zip(&*g) {
        *cu = fu * *cu + iu * gu;
    }
    for ((hu, &cu), &ou) in hs.iter_mut().zip(&*c).zip(&*o) {
        *hu = ou * tanh(cu);
    }
}

super::widest_vectors! {
    /// [`cell_step_body`] with the widest vectors this CPU has.
    fn cell_step = cell_step_body(row: &mut [f32], c: &mut [f32], hs: &mut [f32])
}

fn row_of(x: &[f32], r: usize, width: usize) -> &[f32] {
    &x[r * width..(r + 1) * width]
}

#[cfg(any(test, feature = "autodiff"))]
/// The backward through time: gradients of the projected inputs `[B, T, 4H]` and of the recurrent
/// weight `[H, 4H]`, given the gradient `grad_out` of the hidden states and the forward's
/// `hidden` outputs and `saved` state. Groups of sequences run on the pool's threads, each
/// with its part of the weight gradient, then the parts are added.
pub fn backward(
    grad_out: &[f32],
    hidden: &[f32],
    saved: &Saved,
    weight: &[f32],
    dims: &Dims,
    walk: &Walk,
) -> (Vec<f32>, Vec<f32>) {
    let Dims {
        batch,
        steps,
        hidden: h,
    } = *dims;
    let g4 = dims.gates();
    assert_eq!(grad_out.len(), batch * steps * h, "output gradient size");
    let mut grad_proj = vec![0.0f32; batch * steps * g4];
    // The recurrent weight transposed, `[4H, H]`, in panels, once for every group: each step
    // multiplies by it.
    let mut w_t = vec![0.0f32; g4 * h];
    for (r, row) in weight.chunks_exact(g4).enumerate() {
        for (c, &v) in row.iter().enumerate() {
            w_t[c * h + r] = v;
        }
    }
    let w_t = Panels::new(&w_t, g4, h);
    let work = parallel::pieces(&mut grad_proj, batch, steps * g4);
    let parts = parallel::map(work, |(seqs, grad_proj)| {
        let (per_h, per_g) = (steps * h, steps * g4);
        let rows = |per: usize| seqs.start * per..seqs.end * per;
        backward_group(
            &grad_out[rows(per_h)],
            &hidden[rows(per_h)],
            (&saved.gates[rows(per_g)], &saved.cells[rows(per_h)]),
            &w_t,
            &Dims {
                batch: seqs.len(),
                ..*dims
            },
            &walk.part(seqs.clone()),
            grad_proj,
        )
    });
    (grad_proj, parallel::sum(parts, h * g4))
}

#[cfg(any(test, feature = "autodiff"))]
/// [`backward`] of one group of sequences: writes its `grad_proj` and returns its part of the
/// recurrent weight's gradient.
fn backward_group(
    grad_out: &[f32],
    hidden: &[f32],
    (saved_gates, saved_cells): (&[f32], &[f32]),
    w_t: &Panels,
    dims: &Dims,
    walk: &Walk,
    grad_proj: &mut [f32],
) -> Vec<f32> {
    let Dims {
        batch,
        steps,
        hidden: h,
    } = *dims;
    let g4 = dims.gates();
    // The hidden state each frame's gates saw (zero at a sequence's first step), to form the
    // weight gradient in one product at the end.
    let mut h_prev = vec![0.0f32; batch * steps * h];
    let mut dh = vec![0.0f32; batch * h];
    let mut dc = vec![0.0f32; batch * h];
    let mut dgates = vec![0.0f32; batch * g4];
    for s in (0..walk.longest).rev() {
        for b in 0..batch {
            let row = &mut dgates[b * g4..(b + 1) * g4];
            let Some(t) = walk.frame(b, s) else {
                row.fill(0.0);
                continue;
            };
            let at = b * steps + t;
            let prev = (s > 0).then(|| b * steps + walk.frame(b, s - 1).expect("earlier step"));
            let gate = row_of(saved_gates, at, g4);
            let c = row_of(saved_cells, at, h);
            let dh_b = &dh[b * h..(b + 1) * h];
            let dc_b = &mut dc[b * h..(b + 1) * h];
            let go = row_of(grad_out, at, h);
            let (di, rest) = row.split_at_mut(h);
            let (df, rest) = rest.split_at_mut(h);
            let (dg, d_o) = rest.split_at_mut(h);
            for u in 0..h {
                let (iu, fu, gu, ou) = (gate[u], gate[h + u], gate[2 * h + u], gate[3 * h + u]);
                let c_prev = prev.map_or(0.0, |p| saved_cells[p * h + u]);
                let tc = tanh(c[u]);
                let dhu = go[u] + dh_b[u];
                let dcu = dhu * ou * (1.0 - tc * tc) + dc_b[u];
                d_o[u] = dhu * tc * ou * (1.0 - ou);
                di[u] = dcu * gu * iu * (1.0 - iu);
                df[u] = dcu * c_prev * fu * (1.0 - fu);
                dg[u] = dcu * iu * (1.0 - gu * gu);
                dc_b[u] = dcu * fu;
            }
            grad_proj[at * g4..(at + 1) * g4].copy_from_slice(row);
            if let Some(p) = prev {
                h_prev[at * h..(at + 1) * h].copy_from_slice(row_of(hidden, p, h));
            }
        }
        // The recurrent part of the next (earlier) step's hidden-state gradient: dgates W^T.
        w_t.product(&mut dh, &dgates, batch, false);
    }
    let mut grad_weight = vec![0.0f32; h * g4];
    matmul(
        &mut grad_weight,
        MatRef::new(&h_prev, batch * steps, h).t(),
        MatRef::new(grad_proj, batch * steps, g4),
        false,
    );
    grad_weight
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Deterministic values in [-1, 1).
    fn values(n: usize, seed: u32) -> Vec<f32> {
        let mut x = seed.wrapping_mul(2_654_435_761).wrapping_add(12_345);
        (0..n)
            .map(|_| {
                x ^= x << 13;
                x ^= x >> 17;
                x ^= x << 5;
                (x as f32 / u32::MAX as f32) * 2.0 - 1.0
            })
            .collect()
    }

    /// A scalar loss of the outputs: a fixed random weighting, so every output matters.
    fn loss(out: &[f32], weights: &[f32]) -> f64 {
        out.iter().zip(weights).map(|(o, w)| f64::from(o * w)).sum()
    }

    #[test]
    fn gradients_match_finite_differences_both_directions_with_padding() {
        let dims = Dims {
            batch: 3,
            steps: 5,
            hidden: 3,
        };
        let lengths = [5, 3, 1];
        for reverse in [false, true] {
            let walk = Walk::new(&lengths, dims.batch, dims.steps, reverse);
            let proj = values(dims.batch * dims.steps * 12, 1);
            let weight = values(3 * 12, 2);
            let weights = values(dims.batch * dims.steps * 3, 3);
            let (out, saved) = forward(&proj, &weight, &dims, &walk, true);
            let (gp, gw) = backward(&weights, &out, &saved.unwrap(), &weight, &dims, &walk);
            // Central differences in f32 agree to ~1e-5 here (gradients up to ~0.4).
            let eps = 1e-2f32;
            let numeric =
                |p: &[f32], w: &[f32]| loss(&forward(p, w, &dims, &walk, false).0, &weights);
            for k in 0..proj.len() {
                let (mut up, mut down) = (proj.clone(), proj.clone());
                up[k] += eps;
                down[k] -= eps;
                let fd = (numeric(&up, &weight) - numeric(&down, &weight)) / (2.0 * f64::from(eps));
                let g = f64::from(gp[k]);
                assert!(
                    (fd - g).abs() < 1e-4,
                    "proj[{k}] reverse={reverse}: {fd} vs {g}"
                );
            }
            for k in 0..weight.len() {
                let (mut up, mut down) = (weight.clone(), weight.clone());
                up[k] += eps;
                down[k] -= eps;
                let fd = (numeric(&proj, &up) - numeric(&proj, &down)) / (2.0 * f64::from(eps));
                let g = f64::from(gw[k]);
                assert!(
                    (fd - g).abs() < 1e-4,
                    "weight[{k}] reverse={reverse}: {fd} vs {g}"
                );
            }
            // Padding frames: zero output, zero gradient.
            for (b, &len) in lengths.iter().enumerate() {
                for t in len..dims.steps {
                    let at = b * dims.steps + t;
                    assert!(out[at * 3..(at + 1) * 3].iter().all(|&v| v == 0.0));
                    assert!(gp[at * 12..(at + 1) * 12].iter().all(|&v| v == 0.0));
                }
            }
        }
    }

    #[test]
    fn the_reverse_direction_reads_each_sequence_from_its_own_end() {
        // A sequence of length 2 padded to 4, reversed, equals the forward walk of its two real
        // frames swapped.
        let dims = Dims {
            batch: 1,
            steps: 4,
            hidden: 2,
        };
        let proj = values(4 * 8, 5);
        let weight = values(2 * 8, 6);
        let rev = forward(&proj, &weight, &dims, &Walk::new(&[2], 1, 4, true), false).0;
        let mut swapped = proj.clone();
        swapped[..8].copy_from_slice(&proj[8..16]);
        swapped[8..16].copy_from_slice(&proj[..8]);
        let fwd = forward(
            &swapped,
            &weight,
            &dims,
            &Walk::new(&[2], 1, 4, false),
            false,
        )
        .0;
        assert_eq!(&rev[..2], &fwd[2..4]);
        assert_eq!(&rev[2..4], &fwd[..2]);
        assert!(rev[4..].iter().all(|&v| v == 0.0));
    }
}
