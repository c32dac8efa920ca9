//! A word list for beam search: the words of the language model's training text, so that a
//! prefix spelling a known word (or on its way to one) ranks above a near miss ("cumpletely",
//! "flar") that the character n-gram alone finds about as likely. Words are runs of ASCII
//! letters and apostrophes, compared in lower case.

use serde::{Deserialize, Serialize};

/// Sorted, distinct lower-case words.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Lexicon {
    words: Vec<String>,
    /// The words as a trie of their bytes, built on first use.
    #[serde(skip)]
    trie: std::sync::OnceLock<Trie>,
}

impl PartialEq for Lexicon {
    fn eq(&self, other: &Self) -> bool {
        self.words == other.words
    }
}

/// A node of the lexicon's trie: the words that start with its path.
pub type Node = u32;

/// The root of the trie (the empty prefix).
pub const ROOT: Node = 0;

/// The lexicon's words as a trie, nodes numbered breadth first: node `n`'s edges are
/// `edges[first[n]..first[n + 1]]`, sorted by byte.
#[derive(Debug, Clone, Default)]
struct Trie {
    first: Vec<u32>,
    edges: Vec<(u8, Node)>,
    word: Vec<bool>,
}

impl Trie {
    /// The trie of sorted, distinct `words`.
    fn new(words: &[String]) -> Self {
        let mut t = Trie::default();
        // (range of words sharing the node's path, its length), in node order.
        let mut queue = std::collections::VecDeque::from([(0..words.len(), 0usize)]);
        let mut next: Node = 1;
        while let Some((range, depth)) = queue.pop_front() {
            t.first.push(t.edges.len() as u32);
            let mut i = range.start;
            // Sorted: the word that is the path itself comes first.
            t.word.push(
                words
                    .get(i)
                    .is_some_and(|w| i < range.end && w.len() == depth),
            );
            while i < range.end {
                let Some(&b) = words[i].as_bytes().get(depth) else {
                    i += 1;
                    continue;
                };
                let end = i + words[i..range.end].partition_point(|w| w.as_bytes()[depth] <= b);
                t.edges.push((b, next));
                next += 1;
                queue.push_back((i..end, depth + 1));
                i = end;
            }
        }
        t.first.push(t.edges.len() as u32);
        t
    }
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
        Self {
            words,
            trie: Default::default(),
        }
    }

    fn trie(&self) -> &Trie {
        self.trie.get_or_init(|| Trie::new(&self.words))
    }

    /// The node of `node`'s path plus byte `b` (lower case), if some word goes on that way.
    pub fn step(&self, node: Node, b: u8) -> Option<Node> {
        let t = self.trie();
        let edges = &t.edges[t.first[node as usize] as usize..t.first[node as usize + 1] as usize];
        edges
            .binary_search_by_key(&b, |e| e.0)
            .ok()
            .map(|i| edges[i].1)
    }

    /// Whether `node`'s path is one of the words.
    pub fn is_word(&self, node: Node) -> bool {
        self.trie().word[node as usize]
    }

    /// The words of both.
    pub fn union(mut self, other: Lexicon) -> Self {
        self.words.extend(other.words);
        self.words.sort_unstable();
        self.words.dedup();
        Self {
            words: self.words,
            trie: Default::default(),
        }
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
        // The trie walks the same prefixes and words.
        let walk = |w: &str| w.bytes().try_fold(ROOT, |n, b| lex.step(n, b));
        for w in [
            "",
            "c",
            "comp",
            "complete",
            "completel",
            "completely",
            "fl",
            "flour",
        ] {
            let node = walk(w).unwrap_or_else(|| panic!("{w}"));
            assert_eq!(lex.is_word(node), lex.contains(w), "{w}");
        }
        for w in ["cump", "floors", "x", "completelyy"] {
            assert_eq!(walk(w), None, "{w}");
        }
        assert_eq!(Lexicon::default().step(ROOT, b'a'), None);
        assert!(!Lexicon::default().is_word(ROOT));
        assert_eq!(lex.known_prefix_len("flé"), 2);
    }
}
