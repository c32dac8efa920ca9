//! A character n-gram language model (interpolated Witten-Bell) over the model's charset, and
//! its weights for shallow fusion in CTC beam search: `log p_ctc + alpha * log p_lm + beta *
//! length`. Every context's distribution sums to 1 over the charset; rare contexts are pruned
//! (they back off to their shorter context), which keeps the file small.

use crate::charset::Charset;
use crate::error::{InklineError, Result};
use crate::lexicon::Lexicon;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashMap};
use std::hash::{BuildHasherDefault, Hasher};

/// The longest n-gram (a context of up to 7 characters packs into 112 bits).
pub const MAX_ORDER: usize = 8;

/// The counts after one context: (total, distinct next characters, per character).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
struct Followers {
    total: u32,
    next: Vec<(char, u32)>,
}

/// A character n-gram model with its fusion weights.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct CharLm {
    /// n: a character is predicted from the n - 1 before it.
    pub order: usize,
    /// Weight of the LM's log-probability in beam search.
    pub alpha: f32,
    /// Bonus per character in beam search (offsets the LM's preference for short text).
    pub beta: f32,
    /// Bonus per character of a known word in beam search (see [`Lexicon`]): 0 without one.
    #[serde(default)]
    pub gamma: f32,
    /// The characters it predicts (the model's charset, blank excluded).
    charset: String,
    /// The words of its training text (files written before it had one hold none).
    #[serde(default)]
    lexicon: Lexicon,
    /// Kept contexts (0 to n - 1 characters) and what followed them; ordered, so the same
    /// model always serializes to the same bytes.
    contexts: BTreeMap<String, Followers>,
    /// The same contexts for lookups without strings (built on load).
    #[serde(skip)]
    index: Index,
}

/// A context's kept levels (see [`CharLm::context`]): (total, followers by id) each.
#[derive(Debug, Clone)]
pub struct Context<'a> {
    lm: &'a CharLm,
    levels: Vec<(u32, &'a [(u32, u32)])>,
}

impl Context<'_> {
    /// log P(`c` | this context), natural log.
    pub fn log_prob(&self, c: char) -> f32 {
        let v = self.lm.index.size.max(1) as f64;
        let c = self.lm.index.id(c);
        // From the empty context up: P_k = (C(h_k, c) + T(h_k) P_{k-1}) / (C(h_k) + T(h_k)).
        let mut p = 1.0 / v;
        for &(total, next) in &self.levels {
            let types = next.len() as f64;
            let count = c.map_or(0, |c| {
                next.binary_search_by(|(x, _)| x.cmp(&c))
                    .map_or(0, |i| next[i].1)
            }) as f64;
            p = (count + types * p) / (f64::from(total) + types);
        }
        p.ln() as f32
    }
}

impl PartialEq for CharLm {
    fn eq(&self, other: &Self) -> bool {
        (
            self.order,
            self.alpha,
            self.beta,
            self.gamma,
            &self.lexicon,
            &self.charset,
            &self.contexts,
        ) == (
            other.order,
            other.alpha,
            other.beta,
            other.gamma,
            &other.lexicon,
            &other.charset,
            &other.contexts,
        )
    }
}

/// Hashes the packed context keys (one multiply-xorshift; the keys are not adversarial).
#[derive(Default)]
struct KeyHasher(u64);

impl Hasher for KeyHasher {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 = (self.0.rotate_left(8) ^ u64::from(b)).wrapping_mul(0x9E37_79B9_7F4A_7C15);
        }
    }

    fn write_u128(&mut self, v: u128) {
        let x = (v as u64) ^ ((v >> 64) as u64).rotate_left(29);
        let x = (x ^ (x >> 31)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        self.0 = x ^ (x >> 29);
    }
}

/// A kept context's total count and its followers as (id, count), sorted by id.
type Level = (u32, Vec<(u32, u32)>);

/// The contexts keyed by their characters' ids (position in the charset + 1, 16 bits each,
/// the newest character lowest), with the followers' ids.
#[derive(Debug, Clone, Default)]
struct Index {
    /// Id of each ASCII character (0: not in the charset).
    ascii: Vec<u32>,
    /// Ids of the other characters.
    other: HashMap<char, u32>,
    /// Characters in the charset.
    size: usize,
    /// Packed context -> (total count, followers as (id, count) sorted by id).
    contexts: HashMap<u128, Level, BuildHasherDefault<KeyHasher>>,
}

impl Index {
    fn new(charset: &str, contexts: &BTreeMap<String, Followers>) -> Self {
        let mut index = Self {
            ascii: vec![0; 128],
            ..Self::default()
        };
        for (i, c) in charset.chars().enumerate() {
            index.size += 1;
            let id = i as u32 + 1;
            match index.ascii.get_mut(c as usize) {
                Some(slot) => *slot = id,
                None => {
                    index.other.insert(c, id);
                }
            }
        }
        for (ctx, f) in contexts {
            let chars: Vec<char> = ctx.chars().collect();
            let Some(key) = index.key(&chars) else {
                continue;
            };
            let mut next: Vec<(u32, u32)> = f
                .next
                .iter()
                .filter_map(|&(c, n)| Some((index.id(c)?, n)))
                .collect();
            next.sort_unstable();
            index.contexts.insert(key, (f.total, next));
        }
        index
    }

    fn id(&self, c: char) -> Option<u32> {
        let id = match self.ascii.get(c as usize) {
            Some(&id) => id,
            None => self.other.get(&c).copied().unwrap_or(0),
        };
        (id != 0).then_some(id)
    }

    /// The packed key of `chars` (oldest first), if every one is in the charset.
    fn key(&self, chars: &[char]) -> Option<u128> {
        chars
            .iter()
            .rev()
            .enumerate()
            .try_fold(0u128, |key, (j, &c)| {
                Some(key | u128::from(self.id(c)?) << (16 * j))
            })
    }
}

/// Marks an LM file.
const MAGIC: &str = "inkline-lm-1";

impl CharLm {
    /// Counts `lines` (characters outside `charset` skipped; each line starts after a space)
    /// for an order-`order` model, keeping contexts seen at least `min_count` times (the empty
    /// and one-character contexts always).
    pub fn train<'a>(
        lines: impl IntoIterator<Item = &'a str>,
        charset: &Charset,
        order: usize,
        min_count: u32,
    ) -> Result<Self> {
        if order == 0 || order > MAX_ORDER {
            return Err(InklineError::InvalidArgument(format!(
                "LM order must be 1 to {MAX_ORDER}, not {order}"
            )));
        }
        let mut counts: HashMap<String, HashMap<char, u32>> = HashMap::new();
        for line in lines {
            let chars: Vec<char> = std::iter::once(' ')
                .chain(line.chars().filter(|&c| charset.index_of(c).is_some()))
                .collect();
            for i in 1..chars.len() {
                for n in 0..order.min(i + 1) {
                    let ctx: String = chars[i - n..i].iter().collect();
                    *counts.entry(ctx).or_default().entry(chars[i]).or_default() += 1;
                }
            }
        }
        let contexts = counts
            .into_iter()
            .filter_map(|(ctx, next)| {
                let total: u32 = next.values().sum();
                (ctx.chars().count() <= 1 || total >= min_count).then(|| {
                    let mut next: Vec<(char, u32)> = next.into_iter().collect();
                    next.sort_unstable();
                    (ctx, Followers { total, next })
                })
            })
            .collect();
        Ok(Self {
            order,
            alpha: 0.5,
            beta: 1.0,
            gamma: 0.0,
            charset: charset.as_string(),
            lexicon: Lexicon::default(),
            contexts,
            index: Index::default(),
        }
        .indexed())
    }

    /// The model with `lexicon` as its known words (beam search credits them by `gamma`).
    pub fn with_lexicon(mut self, lexicon: Lexicon) -> Self {
        self.lexicon = lexicon;
        self
    }

    /// Its known words.
    pub fn lexicon(&self) -> &Lexicon {
        &self.lexicon
    }

    /// Builds the lookup index of the contexts.
    fn indexed(mut self) -> Self {
        self.index = Index::new(&self.charset, &self.contexts);
        self
    }

    /// log P(`c` | `context`), natural log; the context's last n - 1 characters are used.
    pub fn log_prob(&self, context: &[char], c: char) -> f32 {
        self.context(context).log_prob(c)
    }

    /// The kept contexts that end `context` (its last n - 1 characters at most), shortest
    /// first: what [`Context::log_prob`] needs for any next character.
    pub fn context(&self, context: &[char]) -> Context<'_> {
        let start = context.len().saturating_sub(self.order - 1);
        let mut levels = Vec::with_capacity(self.order);
        let mut key = 0u128;
        for n in 0..=context.len() - start {
            if n > 0 {
                let Some(id) = self.index.id(context[context.len() - n]) else {
                    break;
                };
                key |= u128::from(id) << (16 * (n - 1));
            }
            let Some((total, next)) = self.index.contexts.get(&key) else {
                break;
            };
            levels.push((*total, next.as_slice()));
        }
        Context { lm: self, levels }
    }

    /// Number of kept contexts.
    pub fn contexts(&self) -> usize {
        self.contexts.len()
    }

    /// The file's bytes.
    pub fn to_bytes(&self) -> Result<Vec<u8>> {
        let mut out = MAGIC.as_bytes().to_vec();
        out.push(b'\n');
        serde_json::to_writer(&mut out, self)
            .map_err(|e| InklineError::InvalidArgument(e.to_string()))?;
        Ok(out)
    }

    /// Reads an LM file.
    pub fn from_bytes(bytes: &[u8]) -> Result<Self> {
        let body = bytes
            .strip_prefix(MAGIC.as_bytes())
            .and_then(|b| b.strip_prefix(b"\n"))
            .ok_or_else(|| InklineError::ForeignFile("not an inkline language model".into()))?;
        let lm: Self = serde_json::from_slice(body)
            .map_err(|e| InklineError::ForeignFile(format!("language model unreadable ({e})")))?;
        if lm.order == 0 || lm.order > MAX_ORDER {
            return Err(InklineError::ForeignFile(format!(
                "language model of order {} (1 to {MAX_ORDER} are read)",
                lm.order
            )));
        }
        Ok(lm.indexed())
    }

    /// Checks that the LM predicts exactly `charset`'s characters.
    pub fn check_charset(&self, charset: &Charset) -> Result<()> {
        if self.charset != charset.as_string() {
            return Err(InklineError::CharsetMismatch(
                "the language model was built for another charset".into(),
            ));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn abc() -> Charset {
        Charset::from_chars("ab ".chars()).unwrap()
    }

    #[test]
    fn every_context_sums_to_one_over_the_charset() {
        let lm = CharLm::train(["abab ab", "ba", "aab b"], &abc(), 3, 1).unwrap();
        for ctx in ["", "a", "b", "ab", " a", "zz", "bbbb"] {
            let ctx: Vec<char> = ctx.chars().collect();
            let sum: f64 = "ab "
                .chars()
                .map(|c| f64::from(lm.log_prob(&ctx, c)).exp())
                .sum();
            assert!((sum - 1.0).abs() < 1e-5, "{ctx:?}: {sum}");
        }
    }

    #[test]
    fn the_same_text_makes_the_same_bytes() {
        // Hash maps iterate in another order in every instance; the file must not.
        let text = ["abab ab", "ba", "aab b", "bbba a"];
        let first = CharLm::train(text, &abc(), 4, 1)
            .unwrap()
            .to_bytes()
            .unwrap();
        for _ in 0..8 {
            let again = CharLm::train(text, &abc(), 4, 1)
                .unwrap()
                .to_bytes()
                .unwrap();
            assert!(
                again == first,
                "two builds of one LM serialized differently"
            );
        }
    }

    #[test]
    fn witten_bell_by_hand() {
        // One line "ab": after the line's leading space, 'a' then 'b'.
        // Unigram context "": counts a 1, b 1 (total 2, types 2); V = 3 -> base 1/3.
        // P("a" | "") = (1 + 2/3) / (2 + 2) = 5/12. Context "a": b 1 (total 1, types 1):
        // P("b" | "a") = (1 + 1 * P("b" | "")) / 2 with P("b"|"") = 5/12 -> 17/24.
        let lm = CharLm::train(["ab"], &abc(), 2, 1).unwrap();
        let p = |ctx: &str, c| f64::from(lm.log_prob(&ctx.chars().collect::<Vec<_>>(), c)).exp();
        assert!((p("", 'a') - 5.0 / 12.0).abs() < 1e-6);
        assert!((p("a", 'b') - 17.0 / 24.0).abs() < 1e-6);
        // An unseen context backs off: P(" " | "b") = P(" " | "") = (0 + 2/3) / 4.
        assert!((p("b", ' ') - 1.0 / 6.0).abs() < 1e-6);
    }

    #[test]
    fn file_round_trip_and_errors() {
        let lm = CharLm::train(["abab ab"], &abc(), 3, 1).unwrap();
        let back = CharLm::from_bytes(&lm.to_bytes().unwrap()).unwrap();
        assert_eq!(back, lm);
        // With a lexicon and its weight; a file from before lexicons reads as one without.
        let mut with = lm.clone().with_lexicon(Lexicon::from_text(["ab ba"], 1));
        with.gamma = 0.5;
        let back = CharLm::from_bytes(&with.to_bytes().unwrap()).unwrap();
        assert_eq!((back.lexicon().len(), back.gamma), (2, 0.5));
        assert_eq!(back, with);
        let old = String::from_utf8(lm.to_bytes().unwrap())
            .unwrap()
            .replace(r#""gamma":0.0,"#, "")
            .replace(r#","lexicon":{"words":[]}"#, "");
        assert!(!old.contains("gamma") && !old.contains("lexicon"), "{old}");
        assert_eq!(CharLm::from_bytes(old.as_bytes()).unwrap(), lm);
        let e = CharLm::from_bytes(b"{}").unwrap_err().to_string();
        assert!(e.contains("not an inkline language model"), "{e}");
        let e = CharLm::from_bytes(b"inkline-lm-1\n{")
            .unwrap_err()
            .to_string();
        assert!(e.contains("unreadable"), "{e}");
        assert!(lm.check_charset(&Charset::printable_ascii()).is_err());
        assert!(CharLm::train(["a"], &abc(), 0, 1).is_err());
        assert!(CharLm::train(["a"], &abc(), MAX_ORDER + 1, 1).is_err());
    }
}
