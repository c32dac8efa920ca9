//! English text for synthesized lines: real prose (sentences of installed documentation, see
//! `prose`; WordNet glosses and examples; or the committed sample), dictionary words, and
//! generated strings (numbers, dates, prices, e-mail / URL-like tokens, code-ish symbols) so
//! every charset character is common enough. Sentences are split into train / validation /
//! test by a stable hash, so held-out lines also hold text no model trained on.

use super::fonts::Split;
use anyhow::Result;
use rand::Rng;
use rand::seq::IndexedRandom;
use sha2::{Digest, Sha256};

/// The longest line the corpus makes, in characters.
pub const MAX_CHARS: usize = 80;

/// Sentences and words to draw lines from.
pub struct Corpus {
    /// Documentation prose by split (train, val, test).
    prose: [Vec<String>; 3],
    /// WordNet glosses (or the committed sample) by split.
    glosses: [Vec<String>; 3],
    words: Vec<String>,
}

/// The split a sentence belongs to: a tenth each to test and validation, by its hash.
fn split_of(sentence: &str) -> usize {
    match Sha256::digest(sentence.as_bytes())[0] % 10 {
        0 => 2,
        1 => 1,
        _ => 0,
    }
}

fn by_split(sentences: Vec<String>) -> [Vec<String>; 3] {
    let mut out: [Vec<String>; 3] = Default::default();
    for s in sentences {
        out[split_of(&s)].push(s);
    }
    out
}

fn split_index(split: Split) -> usize {
    match split {
        Split::Train => 0,
        Split::Val => 1,
        Split::Test => 2,
    }
}

const SAMPLE: &str = include_str!("../../assets/corpus-sample.txt");
const WORDNET: &[&str] = &[
    "/usr/share/wordnet/data.noun",
    "/usr/share/wordnet/data.verb",
    "/usr/share/wordnet/data.adj",
    "/usr/share/wordnet/data.adv",
];
const WORDLIST: &str = "/usr/share/dict/american-english-large";

/// Reduces text to the model's charset: typographic quotes and dashes to ASCII, other
/// non-printable-ASCII characters dropped, whitespace collapsed.
pub fn to_charset(s: &str) -> String {
    let mapped: String = s
        .chars()
        .filter_map(|c| match c {
            '\u{2018}' | '\u{2019}' | '\u{201A}' => Some('\''),
            '\u{201C}' | '\u{201D}' | '\u{201E}' => Some('"'),
            '\u{2013}' | '\u{2014}' => Some('-'),
            '\u{2026}' => Some('.'),
            c if (' '..='~').contains(&c) => Some(c),
            c if c.is_whitespace() => Some(' '),
            _ => None,
        })
        .collect();
    mapped.split_whitespace().collect::<Vec<_>>().join(" ")
}

impl Corpus {
    /// Installed documentation prose, WordNet glosses and word list where present, else the
    /// committed sample. The prose is cached in the build folder (`target/prose-cache.txt`).
    pub fn load() -> Result<Self> {
        let cache =
            std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../target/prose-cache.txt");
        Self::load_with(super::prose::load(&cache)?)
    }

    /// Like [`Corpus::load`], with these documentation sentences.
    pub fn load_with(prose: Vec<String>) -> Result<Self> {
        let mut sentences = Vec::new();
        for path in WORDNET {
            if let Ok(bytes) = std::fs::read(path) {
                let text = String::from_utf8_lossy(&bytes);
                for line in text.lines().filter(|l| !l.starts_with("  ")) {
                    if let Some((_, gloss)) = line.split_once('|') {
                        sentences.extend(
                            gloss
                                .split(';')
                                .map(|p| to_charset(p.trim().trim_matches('"')))
                                .filter(|p| p.len() > 12),
                        );
                    }
                }
            }
        }
        if sentences.is_empty() {
            sentences = SAMPLE
                .lines()
                .filter(|l| !l.starts_with('#'))
                .map(to_charset)
                .collect();
        }
        let mut words: Vec<String> = std::fs::read_to_string(WORDLIST)
            .map(|t| {
                t.lines()
                    .map(to_charset)
                    .filter(|w| !w.is_empty() && !w.ends_with("'s"))
                    .collect()
            })
            .unwrap_or_default();
        if words.is_empty() {
            words = sentences
                .iter()
                .flat_map(|s| s.split(' ').map(str::to_string))
                .collect();
        }
        Ok(Self {
            prose: by_split(prose),
            glosses: by_split(sentences),
            words,
        })
    }

    /// Every sentence of `split` (documentation prose, then glosses): the text a language
    /// model may learn from is the training split's.
    pub fn sentences(&self, split: Split) -> impl Iterator<Item = &str> {
        let i = split_index(split);
        self.prose[i]
            .iter()
            .chain(&self.glosses[i])
            .map(String::as_str)
    }

    /// The dictionary's words (or, without one, the glosses' words), in every split alike.
    pub fn words(&self) -> impl Iterator<Item = &str> {
        self.words.iter().map(String::as_str)
    }

    /// A line of 1..=`max` (at most [`MAX_CHARS`]) characters with a realistic length mix,
    /// its prose from `split`'s sentences.
    pub fn line(&self, rng: &mut impl Rng, max: usize, split: Split) -> String {
        let split = split_index(split);
        let target = match rng.random_range(0..100) {
            0..10 => rng.random_range(1..=10),
            10..35 => rng.random_range(10..=30),
            35..80 => rng.random_range(30..=60),
            _ => rng.random_range(60..=80),
        };
        let mut line = match rng.random_range(0..100) {
            0..55 => self.prose(rng, target, split),
            55..72 => self.mixed(rng, target, split),
            72..87 => fill(rng, target, |r| token(r)),
            _ => fill(rng, target, |r| {
                self.words.choose(r).cloned().unwrap_or_default()
            }),
        };
        match rng.random_range(0..100) {
            0..5 => line = line.to_uppercase(),
            5..10 => line = title_case(&line),
            _ => {}
        }
        truncate_words(&line, max.min(MAX_CHARS))
    }

    /// Sentences of real prose: documentation where installed (four in five), else glosses.
    fn prose(&self, rng: &mut impl Rng, target: usize, split: usize) -> String {
        let mut s = String::new();
        while s.len() < target {
            let pool = if !self.prose[split].is_empty() && rng.random_bool(0.8) {
                &self.prose[split]
            } else {
                &self.glosses[split]
            };
            let mut sentence = pool.choose(rng).cloned().unwrap_or_default();
            if rng.random_bool(0.6) {
                sentence = capitalize(&sentence)
                    + if rng.random_bool(0.8) {
                        "."
                    } else {
                        [";", ":", "!", "?", ","][rng.random_range(0..5)]
                    };
            }
            if !s.is_empty() {
                s.push(' ');
            }
            s.push_str(&sentence);
        }
        // Start at a random word so lines do not all begin sentences.
        let words: Vec<&str> = s.split(' ').collect();
        let start = if rng.random_bool(0.5) {
            rng.random_range(0..words.len().max(1))
        } else {
            0
        };
        truncate_words(&words[start..].join(" "), target.max(1))
    }

    fn mixed(&self, rng: &mut impl Rng, target: usize, split: usize) -> String {
        let prose = self.prose(rng, target, split);
        let mut words: Vec<String> = prose.split(' ').map(str::to_string).collect();
        for _ in 0..rng.random_range(1..=3) {
            let at = rng.random_range(0..=words.len());
            words.insert(at, token(rng));
        }
        truncate_words(&words.join(" "), target.max(8))
    }
}

fn fill(
    rng: &mut impl Rng,
    target: usize,
    mut next: impl FnMut(&mut dyn rand::RngCore) -> String,
) -> String {
    let mut s = String::new();
    while s.len() < target {
        if !s.is_empty() {
            s.push(' ');
        }
        s.push_str(&next(rng));
    }
    truncate_words(&s, target.max(1))
}

/// Cuts at the last word boundary within `max` characters (or hard-cuts one long word).
fn truncate_words(s: &str, max: usize) -> String {
    let s = s.trim();
    if s.len() <= max {
        return s.to_string();
    }
    match s[..=max].rfind(' ') {
        Some(i) if i > 0 => s[..i].trim_end().to_string(),
        _ => s[..max].to_string(),
    }
}

fn capitalize(s: &str) -> String {
    let mut c = s.chars();
    c.next()
        .map(|f| f.to_uppercase().collect::<String>() + c.as_str())
        .unwrap_or_default()
}

fn title_case(s: &str) -> String {
    s.split(' ').map(capitalize).collect::<Vec<_>>().join(" ")
}

const MONTHS: &[&str] = &[
    "Jan", "Feb", "Mar", "Apr", "May", "June", "July", "Aug", "Sept", "Oct", "Nov", "Dec",
    "January", "March", "October",
];
const TLDS: &[&str] = &["com", "org", "net", "io", "edu", "co.uk", "de"];
const NAMES: &[&str] = &[
    "anna", "j.smith", "info", "team", "m_jones", "bob42", "support", "kim-lee", "office", "x.y",
];
const SYMBOLS: &[&str] = &[
    "a[i]",
    "{x}",
    "x^2",
    "a|b",
    "C:\\temp",
    "<b>",
    "snake_case",
    "#tag",
    "@home",
    "50%",
    "R&D",
    "2*3",
    "x+y=z",
    "`ls`",
    "~/notes",
    "(see p. 4)",
    "[1]",
    "$HOME",
    "a<b",
    "b>c",
    "f(x)",
    "~5",
    "#42",
    "50/50",
    "100%",
    "&c.",
    "\"quoted\"",
    "'single'",
    "e.g.",
    "i.e.",
    "etc.",
    "Q&A",
    "A+",
    "-->",
    "=>",
    "<=",
    "{a, b}",
    "a_b_c",
    "x|y|z",
    "^_^",
    ":-)",
    "!!",
    "??",
    "...",
    "1/2",
    "3:1",
    "#1",
    "*",
    "**bold**",
    "_under_",
    "a\\b",
];

/// One generated token: number, date, time, price, e-mail, URL, phone, code-ish symbol, or quoted word.
pub fn token(rng: &mut dyn rand::RngCore) -> String {
    match rng.random_range(0..12) {
        0 => rng.random_range(0..100000).to_string(),
        1 => format!(
            "{}.{:02}",
            rng.random_range(0..1000),
            rng.random_range(0..100)
        ),
        2 => format!(
            "{}/{}/{}",
            rng.random_range(1..=12),
            rng.random_range(1..=31),
            rng.random_range(1950..2040)
        ),
        3 => format!(
            "{} {}, {}",
            MONTHS.choose(rng).expect("months"),
            rng.random_range(1..=31),
            rng.random_range(1900..2040)
        ),
        4 => format!(
            "{}:{:02}{}",
            rng.random_range(0..24),
            rng.random_range(0..60),
            [" am", " pm", "", ""][rng.random_range(0..4)]
        ),
        5 => format!(
            "{}{}.{:02}",
            ["$", "$", "EUR ", "GBP "][rng.random_range(0..4)],
            rng.random_range(0..5000),
            rng.random_range(0..100)
        ),
        6 => format!(
            "{}@{}.{}",
            NAMES.choose(rng).expect("names"),
            ["mail", "example", "uni-x", "home"][rng.random_range(0..4)],
            TLDS.choose(rng).expect("tlds")
        ),
        7 => format!(
            "{}://{}.{}/{}",
            ["http", "https"][rng.random_range(0..2)],
            ["www.example", "docs.site", "my-page"][rng.random_range(0..3)],
            TLDS.choose(rng).expect("tlds"),
            ["index.html", "a/b?q=1&x=2", "~user/", "path_to/file"][rng.random_range(0..4)]
        ),
        8 => format!(
            "+{} {}-{:04}",
            rng.random_range(1..99),
            rng.random_range(100..999),
            rng.random_range(0..10000)
        ),
        9 | 10 => SYMBOLS.choose(rng).expect("symbols").to_string(),
        _ => format!(
            "{}{}%",
            ["", "-", "+", "~"][rng.random_range(0..4)],
            rng.random_range(0..100)
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;
    use rand_chacha::ChaCha8Rng;

    #[test]
    fn lines_cover_the_charset_and_respect_lengths() {
        let corpus = Corpus::load().unwrap();
        let mut rng = ChaCha8Rng::seed_from_u64(1);
        let mut seen = std::collections::HashSet::new();
        for _ in 0..10_000 {
            let l = corpus.line(&mut rng, MAX_CHARS, Split::Train);
            assert!(!l.is_empty() && l.len() <= 80, "{l:?}");
            assert!(l.chars().all(|c| (' '..='~').contains(&c)), "{l:?}");
            seen.extend(l.chars());
        }
        let missing: String = (' '..='~').filter(|c| !seen.contains(c)).collect();
        assert!(missing.is_empty(), "never sampled: {missing:?}");
    }

    #[test]
    fn charset_mapping() {
        assert_eq!(
            to_charset("\u{201C}caf\u{e9}\u{201D} \u{2014}  ok\u{2026}"),
            "\"caf\" - ok."
        );
        assert_eq!(truncate_words("hello brave new world", 12), "hello brave");
    }
}
