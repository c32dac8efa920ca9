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
            // Sorted: the word that is the path itself comes first.
            t.word.push(
                words[range.clone()]
                    .first()
                    .is_some_and(|w| w.len() == depth),
            );
            let mut i = range.start;
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
        Self::sorted(
            counts
                .into_iter()
                .filter(|&(_, n)| n >= min_count.max(1))
                .map(|(w, _)| w)
                .collect(),
        )
    }

    /// The lexicon of `words`, sorted and made distinct here.
    fn sorted(mut words: Vec<String>) -> Self {
        words.sort_unstable();
        words.dedup();
        Self {
            words,
            trie: Default::default(),
        }
    }

    fn trie(&self) -> &Trie {
        self.trie.get_or_init(|| {
            // A file's list that is not sorted and distinct (edited by hand) is made so.
            if self.words.is_sorted_by(|a, b| a < b) {
                Trie::new(&self.words)
            } else {
                Trie::new(&Self::sorted(self.words.clone()).words)
            }
        })
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
        Self::sorted(self.words)
    }

    /// Number of words.
    pub fn len(&self) -> usize {
        self.words.len()
    }

    /// Whether it holds no word.
    pub fn is_empty(&self) -> bool {
        self.words.is_empty()
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
        // The node of a prefix of some word, if it is one.
        let walk = |lex: &Lexicon, w: &str| w.bytes().try_fold(ROOT, |n, b| lex.step(n, b));
        let contains = |w: &str| walk(&lex, w).is_some_and(|n| lex.is_word(n));
        let is_prefix = |w: &str| walk(&lex, w).is_some();
        // How many leading bytes of `w` walk the trie.
        let known_prefix_len = |lex: &Lexicon, w: &str| {
            (0..=w.len())
                .take_while(|&k| walk(lex, &w[..k]).is_some())
                .last()
                .unwrap_or(0)
        };
        assert!(contains("complete") && contains("flour"));
        assert!(!contains("comp") && !contains("completel"));
        assert!(is_prefix("comp") && is_prefix("completel") && is_prefix(""));
        assert!(!is_prefix("cump") && !is_prefix("floors"));
        assert_eq!(known_prefix_len(&lex, "cumpletely"), 1);
        assert_eq!(known_prefix_len(&lex, "flar"), 2);
        assert_eq!(known_prefix_len(&lex, "completely"), 10);
        assert_eq!(known_prefix_len(&lex, "zzz"), 0);
        assert_eq!(known_prefix_len(&Lexicon::default(), "a"), 0);
        for w in ["", "c", "comp", "completel", "fl"] {
            assert!(!contains(w), "{w}");
        }
        for w in ["complete", "completely", "flour"] {
            assert!(contains(w), "{w}");
        }
        for w in ["cump", "floors", "x", "completelyy"] {
            assert_eq!(walk(&lex, w), None, "{w}");
        }
        assert_eq!(Lexicon::default().step(ROOT, b'a'), None);
        assert!(!Lexicon::default().is_word(ROOT));
        assert_eq!(walk(&lex, "fl\u{e9}"), None);
        // A list read from a file unsorted, with a repeat, walks as the sorted one.
        let unsorted: Lexicon =
            serde_json::from_str(r#"{"words":["flour","complete","flour","c"]}"#).unwrap();
        let node = walk(&unsorted, "flour").unwrap();
        assert!(
            unsorted.is_word(node) && walk(&unsorted, "c").is_some_and(|n| unsorted.is_word(n))
        );
    }
}
