//! Character and word error rates (edit distance over reference length).

/// Levenshtein distance between two token sequences.
pub fn edit_distance<T: PartialEq>(a: &[T], b: &[T]) -> usize {
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, x) in a.iter().enumerate() {
        let mut diag = row[0];
        row[0] = i + 1;
        for (j, y) in b.iter().enumerate() {
            let sub = diag + usize::from(x != y);
            diag = row[j + 1];
            row[j + 1] = sub.min(row[j] + 1).min(diag + 1);
        }
    }
    row[b.len()]
}

/// Trims and collapses runs of whitespace to one space.
pub fn normalize_whitespace(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Accumulates edit distances over a set of lines.
#[derive(Debug, Default, Clone, Copy, PartialEq)]
pub struct ErrorCounter {
    /// Character edits summed over lines.
    pub char_edits: usize,
    /// Reference characters summed over lines.
    pub char_total: usize,
    /// Word edits summed over lines.
    pub word_edits: usize,
    /// Reference words summed over lines.
    pub word_total: usize,
    /// Lines added.
    pub lines: usize,
}

impl ErrorCounter {
    /// Adds one (hypothesis, reference) pair, both whitespace-normalized first.
    pub fn add(&mut self, hypothesis: &str, reference: &str) {
        let h = normalize_whitespace(hypothesis);
        let r = normalize_whitespace(reference);
        let hc: Vec<char> = h.chars().collect();
        let rc: Vec<char> = r.chars().collect();
        self.char_edits += edit_distance(&hc, &rc);
        self.char_total += rc.len();
        let hw: Vec<&str> = h.split(' ').filter(|w| !w.is_empty()).collect();
        let rw: Vec<&str> = r.split(' ').filter(|w| !w.is_empty()).collect();
        self.word_edits += edit_distance(&hw, &rw);
        self.word_total += rw.len();
        self.lines += 1;
    }

    /// Character error rate in percent.
    pub fn cer(&self) -> f64 {
        percent(self.char_edits, self.char_total)
    }

    /// Word error rate in percent.
    pub fn wer(&self) -> f64 {
        percent(self.word_edits, self.word_total)
    }
}

fn percent(edits: usize, total: usize) -> f64 {
    if total == 0 {
        if edits == 0 { 0.0 } else { 100.0 }
    } else {
        100.0 * edits as f64 / total as f64
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn edit_distance_known_values() {
        let d = |a: &str, b: &str| {
            edit_distance(
                &a.chars().collect::<Vec<_>>(),
                &b.chars().collect::<Vec<_>>(),
            )
        };
        assert_eq!(d("kitten", "sitting"), 3);
        assert_eq!(d("", "abc"), 3);
        assert_eq!(d("abc", "abc"), 0);
        assert_eq!(d("flaw", "lawn"), 2);
    }

    #[test]
    fn cer_and_wer_sum_over_lines() {
        let mut c = ErrorCounter::default();
        c.add("  the  cat ", "the cat"); // whitespace normalized: 0 edits
        c.add("the bat", "the cat"); // 1 char, 1 word
        assert_eq!(c.char_edits, 1);
        assert_eq!(c.char_total, 14);
        assert!((c.cer() - 100.0 / 14.0).abs() < 1e-9);
        assert!((c.wer() - 25.0).abs() < 1e-9);
        assert_eq!(c.lines, 2);
    }
}
