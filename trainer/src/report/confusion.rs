//! Character confusions: a minimum-edit alignment of hypothesis against reference, and the
//! counts of each substitution, deletion and insertion over a dataset (`trainer eval --errors`).

use std::collections::HashMap;
use std::fmt::Write as _;

/// One step of an alignment of a reference against a hypothesis.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Edit {
    /// The same character in both.
    Match(char),
    /// Reference character read as another.
    Substitute(char, char),
    /// Reference character missing from the hypothesis.
    Delete(char),
    /// Hypothesis character not in the reference.
    Insert(char),
}

/// A minimum-edit alignment (Levenshtein, ties broken towards substitutions) of `hypothesis`
/// against `reference`, in reading order. Its edit count equals `metrics::edit_distance`.
pub fn align(reference: &str, hypothesis: &str) -> Vec<Edit> {
    let r: Vec<char> = reference.chars().collect();
    let h: Vec<char> = hypothesis.chars().collect();
    let w = h.len() + 1;
    let mut d = vec![0usize; (r.len() + 1) * w];
    for (i, row) in d.chunks_mut(w).enumerate() {
        row[0] = i;
    }
    for (j, cell) in d.iter_mut().take(w).enumerate() {
        *cell = j;
    }
    for i in 1..=r.len() {
        for j in 1..=h.len() {
            let sub = d[(i - 1) * w + j - 1] + usize::from(r[i - 1] != h[j - 1]);
            let del = d[(i - 1) * w + j] + 1;
            let ins = d[i * w + j - 1] + 1;
            d[i * w + j] = sub.min(del).min(ins);
        }
    }
    let (mut i, mut j) = (r.len(), h.len());
    let mut out = Vec::with_capacity(r.len().max(h.len()));
    while i > 0 || j > 0 {
        let here = d[i * w + j];
        if i > 0 && j > 0 && here == d[(i - 1) * w + j - 1] + usize::from(r[i - 1] != h[j - 1]) {
            out.push(if r[i - 1] == h[j - 1] {
                Edit::Match(r[i - 1])
            } else {
                Edit::Substitute(r[i - 1], h[j - 1])
            });
            i -= 1;
            j -= 1;
        } else if i > 0 && here == d[(i - 1) * w + j] + 1 {
            out.push(Edit::Delete(r[i - 1]));
            i -= 1;
        } else {
            out.push(Edit::Insert(h[j - 1]));
            j -= 1;
        }
    }
    out.reverse();
    out
}

/// Counts of each kind of character error over many lines.
#[derive(Debug, Default, Clone)]
pub struct Confusions {
    counts: HashMap<Edit, usize>,
}

impl Confusions {
    /// Adds the errors of one line (matches are not counted).
    pub fn add(&mut self, reference: &str, hypothesis: &str) {
        for e in align(reference, hypothesis) {
            if !matches!(e, Edit::Match(_)) {
                *self.counts.entry(e).or_default() += 1;
            }
        }
    }

    /// The errors, most frequent first (ties in a fixed order), with their counts.
    pub fn ranked(&self) -> Vec<(Edit, usize)> {
        let mut v: Vec<(Edit, usize)> = self.counts.iter().map(|(e, n)| (*e, *n)).collect();
        v.sort_by(|a, b| {
            b.1.cmp(&a.1)
                .then_with(|| describe(a.0).cmp(&describe(b.0)))
        });
        v
    }

    /// The `top` most frequent errors, one per line, as `count  'ref' -> 'hyp'`.
    pub fn listing(&self, top: usize) -> String {
        let total: usize = self.counts.values().sum();
        let mut s = format!("{total} character errors; most frequent:\n");
        for (e, n) in self.ranked().into_iter().take(top) {
            let _ = writeln!(s, "{n:6}  {}", describe(e));
        }
        s
    }
}

/// `'a' -> 'o'`, `'a' -> (missing)`, `(extra) -> 'o'`; a space shows as `' '`.
fn describe(e: Edit) -> String {
    match e {
        Edit::Match(c) => format!("'{c}' = '{c}'"),
        Edit::Substitute(a, b) => format!("'{a}' -> '{b}'"),
        Edit::Delete(a) => format!("'{a}' -> (missing)"),
        Edit::Insert(b) => format!("(extra) -> '{b}'"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn edits(a: &[Edit]) -> usize {
        a.iter().filter(|e| !matches!(e, Edit::Match(_))).count()
    }

    #[test]
    fn alignment_of_known_pairs() {
        assert_eq!(
            align("cat", "cot"),
            vec![
                Edit::Match('c'),
                Edit::Substitute('a', 'o'),
                Edit::Match('t')
            ]
        );
        assert_eq!(
            align("cart", "cat"),
            vec![
                Edit::Match('c'),
                Edit::Match('a'),
                Edit::Delete('r'),
                Edit::Match('t')
            ]
        );
        assert_eq!(align("", "ab"), vec![Edit::Insert('a'), Edit::Insert('b')]);
        assert_eq!(align("ab", ""), vec![Edit::Delete('a'), Edit::Delete('b')]);
    }

    #[test]
    fn alignment_cost_is_the_edit_distance() {
        for (r, h) in [
            ("kitten", "sitting"),
            ("flaw", "lawn"),
            ("the quick brown fox", "tne qiuck brwn fox."),
            ("rn", "m"),
        ] {
            let rc: Vec<char> = r.chars().collect();
            let hc: Vec<char> = h.chars().collect();
            let a = align(r, h);
            assert_eq!(
                edits(&a),
                crate::metrics::edit_distance(&rc, &hc),
                "{r} / {h}"
            );
            let back: String = a
                .iter()
                .filter_map(|e| match *e {
                    Edit::Match(c) | Edit::Delete(c) | Edit::Substitute(c, _) => Some(c),
                    Edit::Insert(_) => None,
                })
                .collect();
            assert_eq!(back, r);
        }
    }

    #[test]
    fn confusions_rank_by_count() {
        let mut c = Confusions::default();
        c.add("rn rn", "m rn");
        c.add("lot", "1ot");
        c.add("l", "1");
        let ranked = c.ranked();
        assert_eq!(ranked[0], (Edit::Substitute('l', '1'), 2));
        assert_eq!(ranked.iter().map(|r| r.1).sum::<usize>(), 4);
        let listing = c.listing(1);
        assert!(listing.starts_with("4 character errors"), "{listing}");
        assert!(listing.contains("     2  'l' -> '1'"), "{listing}");
    }
}
