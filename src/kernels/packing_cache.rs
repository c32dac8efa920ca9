//! Weights packed for a kernel, kept per thread and reused while the weight is the same byte for
//! byte: a model's layers are packed once, not on every call; a weight that changed (a training
//! step) is packed anew.

use std::rc::Rc;

/// Values (weights and their packings) one cache keeps, at most: 16 MB, over eight times the
/// browser model's convolutions or recurrences.
const CACHED_FLOATS: usize = 1 << 22;

/// A per-thread cache of packings `T` (keep it in a `thread_local!`).
pub struct PackingCache<T> {
    entries: Vec<Entry<T>>,
}

/// A weight, what told its packing apart (block widths, shapes), its packing and its size.
struct Entry<T> {
    weight: Vec<f32>,
    shape: [usize; 2],
    packed: Rc<T>,
    values: usize,
}

impl<T> PackingCache<T> {
    /// An empty cache.
    pub const fn new() -> Self {
        Self {
            entries: Vec::new(),
        }
    }

    /// The packing of `weight` with `shape` (whatever else the packing depends on), made by
    /// `pack` unless one was kept; `values` says how many values a packing holds.
    pub fn get(
        &mut self,
        weight: &[f32],
        shape: [usize; 2],
        pack: impl FnOnce() -> T,
        values: impl Fn(&T) -> usize,
    ) -> Rc<T> {
        if let Some(hit) = self
            .entries
            .iter()
            .find(|e| e.shape == shape && bytes(&e.weight) == bytes(weight))
        {
            return Rc::clone(&hit.packed);
        }
        let packed = Rc::new(pack());
        let size = weight.len() + values(&packed);
        if size <= CACHED_FLOATS {
            // The oldest go first.
            let mut held: usize = self.entries.iter().map(|e| e.values).sum();
            while held + size > CACHED_FLOATS {
                held -= self.entries.remove(0).values;
            }
            self.entries.push(Entry {
                weight: weight.to_vec(),
                shape,
                packed: Rc::clone(&packed),
                values: size,
            });
        }
        packed
    }
}

/// The bytes of `values` (compared as bytes: one `memcmp`, not a float comparison per value).
fn bytes(values: &[f32]) -> &[u8] {
    // SAFETY: an f32 is 4 bytes with no padding, any byte is a valid u8, and u8 needs no
    // alignment: the slice's memory read as `4 len` bytes, borrowed as long as `values`.
    unsafe {
        std::slice::from_raw_parts(values.as_ptr().cast::<u8>(), std::mem::size_of_val(values))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_packing_is_reused_only_for_an_equal_weight_and_shape() {
        let mut cache = PackingCache::new();
        let packs = std::cell::Cell::new(0);
        let mut get = |w: &[f32], shape| {
            cache.get(
                w,
                shape,
                || {
                    packs.set(packs.get() + 1);
                    w.iter().map(|v| v * 2.0).collect::<Vec<f32>>()
                },
                Vec::len,
            )
        };
        let w: Vec<f32> = (0..90).map(|i| i as f32).collect();
        let first = get(&w, [4, 0]);
        assert!(Rc::ptr_eq(&first, &get(&w.clone(), [4, 0])));
        assert_eq!(packs.get(), 1);
        // One value changed (a training step): packed again, from the new values.
        let mut changed = w.clone();
        changed[89] = -1.0;
        let again = get(&changed, [4, 0]);
        assert!(!Rc::ptr_eq(&first, &again));
        assert_eq!(again[89], -2.0);
        // Another shape is another packing; -0.0 is not 0.0 (bytes, not values, are compared).
        assert!(!Rc::ptr_eq(&first, &get(&w, [8, 0])));
        let (zero, negative) = (vec![0.0f32; 4], vec![-0.0f32; 4]);
        assert!(!Rc::ptr_eq(&get(&zero, [1, 1]), &get(&negative, [1, 1])));
        assert_eq!(packs.get(), 5);
    }

    #[test]
    fn the_oldest_packings_go_when_the_cache_is_full() {
        let mut cache = PackingCache::new();
        let big = vec![1.0f32; CACHED_FLOATS / 4];
        let first = cache.get(&big, [0, 0], || big.clone(), Vec::len);
        for i in 1..4 {
            let mut other = big.clone();
            other[0] = i as f32;
            cache.get(&other, [0, 0], || other.clone(), Vec::len);
        }
        // Four entries of half the limit each: only the last two are kept.
        assert_eq!(cache.entries.len(), 2);
        assert!(!Rc::ptr_eq(
            &first,
            &cache.get(&big, [0, 0], || big.clone(), Vec::len)
        ));
        // A packing larger than the whole cache is made, not kept.
        let huge = vec![0.5f32; CACHED_FLOATS];
        cache.get(&huge, [0, 0], || vec![0.0; 1], Vec::len);
        assert!(cache.entries.iter().all(|e| e.weight.len() < CACHED_FLOATS));
    }
}
