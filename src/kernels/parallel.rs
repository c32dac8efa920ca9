//! Work split across threads: in builds with the `parallel` feature (the trainer) a kernel
//! splits its batch into contiguous groups, one per thread of rayon's current pool (the CPU
//! backend's `--threads`); elsewhere (the browser, plain inference) everything runs in turn on
//! the calling thread.

use std::ops::Range;

/// Threads a kernel may use now.
pub fn threads() -> usize {
    #[cfg(feature = "parallel")]
    {
        rayon::current_num_threads()
    }
    #[cfg(not(feature = "parallel"))]
    {
        1
    }
}

/// `items` split into at most `parts` contiguous, non-empty ranges of near-equal size.
pub fn groups(items: usize, parts: usize) -> Vec<Range<usize>> {
    let parts = parts.clamp(1, items.max(1));
    (0..parts)
        .map(|p| p * items / parts..(p + 1) * items / parts)
        .filter(|r| !r.is_empty())
        .collect()
}

/// `items` split into one group per thread of the pool (see [`groups`]).
pub fn thread_groups(items: usize) -> Vec<Range<usize>> {
    groups(items, threads())
}

/// `items` split as [`thread_groups`] does, each group with its own piece of `data` (`per`
/// values per item, in order): what each thread writes.
pub fn pieces<T>(data: &mut [T], items: usize, per: usize) -> Vec<(Range<usize>, &mut [T])> {
    let groups = thread_groups(items);
    let mut rest = data;
    let mut out = Vec::with_capacity(groups.len());
    for g in groups {
        let (head, tail) = rest.split_at_mut(g.len() * per);
        out.push((g, head));
        rest = tail;
    }
    out
}

/// [`pieces`] of a buffer that may be absent: each group's piece, or `None` for every group.
pub fn optional_pieces<T>(
    data: Option<&mut [T]>,
    items: usize,
    per: usize,
) -> Vec<Option<&mut [T]>> {
    match data {
        Some(d) => pieces(d, items, per)
            .into_iter()
            .map(|(_, p)| Some(p))
            .collect(),
        None => thread_groups(items).iter().map(|_| None).collect(),
    }
}

/// Runs `f` on every item, on the pool's threads where the build allows, and returns the results
/// in order.
pub fn map<T: Send, R: Send>(items: Vec<T>, f: impl Fn(T) -> R + Sync + Send) -> Vec<R> {
    #[cfg(feature = "parallel")]
    {
        use rayon::prelude::*;
        if items.len() > 1 {
            return items.into_par_iter().map(f).collect();
        }
    }
    items.into_iter().map(f).collect()
}

/// The element-wise sum of `parts` (the partial sums [`map`] returns), `len` values: zeros
/// when there are no parts (an empty batch).
#[cfg(any(test, feature = "autodiff"))]
pub fn sum(parts: Vec<Vec<f32>>, len: usize) -> Vec<f32> {
    let mut total = vec![0.0f32; len];
    for p in parts {
        for (t, v) in total.iter_mut().zip(p) {
            *t += v;
        }
    }
    total
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn groups_cover_every_item_once_in_order() {
        for (items, parts) in [(16, 2), (5, 3), (3, 8), (1, 4), (7, 1)] {
            let g = groups(items, parts);
            assert!(g.len() <= parts.min(items));
            assert_eq!(g.first().map(|r| r.start), Some(0));
            assert_eq!(g.last().map(|r| r.end), Some(items));
            for w in g.windows(2) {
                assert_eq!(w[0].end, w[1].start);
            }
            assert!(g.iter().all(|r| !r.is_empty()));
        }
        assert!(groups(0, 2).is_empty());
    }

    #[test]
    fn pieces_give_each_group_its_rows() {
        let mut data: Vec<u32> = (0..10).collect();
        let pieces = pieces(&mut data, 5, 2);
        let groups = thread_groups(5);
        assert_eq!(pieces.len(), groups.len());
        for ((range, piece), g) in pieces.iter().zip(&groups) {
            assert_eq!(range, g);
            let want: Vec<u32> = (2 * g.start as u32..2 * g.end as u32).collect();
            assert_eq!(&piece[..], &want[..]);
        }
        assert!(
            optional_pieces::<u32>(None, 5, 2)
                .iter()
                .all(Option::is_none)
        );
        let mut data: Vec<u32> = (0..10).collect();
        assert_eq!(
            optional_pieces(Some(&mut data[..]), 5, 2).len(),
            groups.len()
        );
        assert_eq!(sum(vec![vec![1.0, 2.0], vec![3.0, 4.0]], 2), vec![4.0, 6.0]);
        assert_eq!(sum(Vec::new(), 3), vec![0.0; 3]);
        assert_eq!(map(vec![1, 2, 3], |x| x * 2), vec![2, 4, 6]);
    }
}
