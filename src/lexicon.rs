//! A word list for beam search: the words of the language model's training text, so that a
//! prefix spelling a known word (or on its way to one) ranks above a near miss ("cumpletely",
//! "flar") that the character n-gram alone finds about as likely. Words are runs of ASCII
//! letters and apostrophes, compared in lower case.

use serde::{Deserialize, Serialize};

/// Sorted, distinct lower-case words.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Lexicon {
    words: Vec<String>,
}

/// Whether `c` belongs to a word (letters and the apostrophe of "o'clock", "isn't").
pub fn is_word_char(c: char) -> bool {
    c.is_ascii_alphabetic() || c == '\''
}

impl Lexicon {
    /// The words of `lines` (runs of word characters, apostrophes at their ends dropped, lower
    /// case) seen at least `min_count` times.
    pub fn from_text<'a>(lines: impl IntoIterator<Item = &'a str>, min_count: u32) -> Self {
        let mut counts: std::collections::HashMap<String, u32> = Default::default();
        for line in lines {
            for run in line.split(|c: char| !is_word_char(c)) {
                let word = run.trim_matches('\'');
                if !word.is_empty() {
                    *counts.entry(word.to_ascii_lowercase()).or_default() += 1;
                }
            }
        }
        let mut words: Vec<String> = counts
            .into_iter()
            .filter(|&(_, n)| n >= min_count.max(1))
            .map(|(w, _)| w)
            .collect();
        words.sort_unstable();
        Self { words }
    }

    /// The words of both.
    pub fn union(mut self, other: Lexicon) -> Self {
        self.words.extend(other.words);
        self.words.sort_unstable();
        self.words.dedup();
        self
    }

    /// Number of words.
    pub fn len(&self) -> usize {
        self.words.len()
    }

    /// Whether it holds no word.
    pub fn is_empty(&self) -> bool {
        self.words.is_empty()
    }

    /// Whether `word` (lower case) is one of the words.
    pub fn contains(&self, word: &str) -> bool {
        self.words
            .binary_search_by(|w| w.as_str().cmp(word))
            .is_ok()
    }

    /// Whether some word starts with `prefix` (lower case; the empty prefix starts every
    /// word of a non-empty lexicon).
    pub fn is_prefix(&self, prefix: &str) -> bool {
        let i = self.words.partition_point(|w| w.as_str() < prefix);
        self.words.get(i).is_some_and(|w| w.starts_with(prefix))
    }

    /// The length (in bytes) of `word`'s longest beginning that is a prefix of some word: all of
    /// it for a word on its way to a known one.
    pub fn known_prefix_len(&self, word: &str) -> usize {
        // A prefix of a prefix is a prefix: the known lengths are 0 up to one length.
        word.char_indices()
            .map(|(i, c)| i + c.len_utf8())
            .take_while(|&end| self.is_prefix(&word[..end]))
            .last()
            .unwrap_or(0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_are_counted_in_lower_case_without_quotes() {
        let lex = Lexicon::from_text(
            ["The floor, 'the' FLOOR o'clock 42x", "isn't the floor-mat"],
            2,
        );
        assert_eq!(lex.words, ["floor", "the"]);
        let all = Lexicon::from_text(["The floor, 'the' FLOOR o'clock 42x"], 1);
        assert_eq!(all.words, ["floor", "o'clock", "the", "x"]);
        assert_eq!(lex.union(all.clone()), all);
    }

    #[test]
    fn prefixes_and_words_are_told_apart() {
        let lex = Lexicon::from_text(["complete completely floor flour"], 1);
        assert!(lex.contains("complete") && lex.contains("flour"));
        assert!(!lex.contains("comp") && !lex.contains("completel"));
        assert!(lex.is_prefix("comp") && lex.is_prefix("completel") && lex.is_prefix(""));
        assert!(!lex.is_prefix("cump") && !lex.is_prefix("floors"));
        assert_eq!(lex.known_prefix_len("cumpletely"), 1);
        assert_eq!(lex.known_prefix_len("flar"), 2);
        assert_eq!(lex.known_prefix_len("completely"), 10);
        assert_eq!(lex.known_prefix_len("zzz"), 0);
        assert_eq!(Lexicon::default().known_prefix_len("a"), 0);
        assert_eq!(lex.known_prefix_len("flé"), 2);
    }
}
