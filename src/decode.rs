//! CTC decoding: the network's batched output read back to the host, and per line best path
//! or prefix beam search. The recognizer and the trainer's validation both decode here.

use crate::align::label_confidences;
use crate::error::{InklineError, Result};
use crate::lm::CharLm;
use burn::tensor::TensorData;
use serde::{Deserialize, Serialize};
use std::collections::HashMap;

/// How per-frame probabilities become text.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Decoder {
    /// Greedy best path.
    BestPath,
    /// Prefix beam search of this width.
    Beam(usize),
}

/// The network's output for a batch, read back to the host: `[B, T, C]` log-probabilities.
#[derive(Debug, Clone)]
pub struct BatchOutput {
    data: Vec<f32>,
    frames: usize,
    classes: usize,
}

impl BatchOutput {
    /// Takes read-back tensor data of shape `[B, T, C]`.
    pub fn new(data: TensorData) -> Result<Self> {
        let (frames, classes) = match data.shape().as_slice() {
            [_, t, c] => (*t, *c),
            other => {
                return Err(InklineError::Backend(format!(
                    "model output has shape {other:?}, expected [batch, frames, classes]"
                )));
            }
        };
        let data = data.try_into_vec::<f32>().map_err(|e| {
            InklineError::Backend(format!("reading the model output failed: {e:?}"))
        })?;
        Ok(Self {
            data,
            frames,
            classes,
        })
    }

    /// Decodes line `b` of the batch, whose first `frames[b]` frames are real, for every line;
    /// beam search fuses the language model when one is given.
    pub fn decode(
        &self,
        frames: &[usize],
        decoder: Decoder,
        fusion: Option<&Fusion<'_>>,
    ) -> Result<Vec<Decoded>> {
        let row = self.frames * self.classes;
        frames
            .iter()
            .enumerate()
            .map(|(b, &n)| {
                let start = b * row;
                let line = self
                    .data
                    .get(start..start + n.min(self.frames) * self.classes)
                    .ok_or_else(|| {
                        InklineError::Backend(format!("the model output has no line {b}"))
                    })?;
                let lp = LogProbs::new(line, self.classes)?;
                match decoder {
                    Decoder::BestPath => Ok(best_path(lp)),
                    Decoder::Beam(w) => beam_search_fused(lp, w, fusion),
                }
            })
            .collect()
    }
}

/// Per-frame log-probabilities of one line, `frames x classes`, row-major; class 0 is the blank.
#[derive(Debug, Clone, Copy)]
pub struct LogProbs<'a> {
    data: &'a [f32],
    classes: usize,
}

impl<'a> LogProbs<'a> {
    /// Wraps `data` (length a multiple of `classes`, classes >= 2).
    pub fn new(data: &'a [f32], classes: usize) -> Result<Self> {
        if classes < 2 || !data.len().is_multiple_of(classes) {
            return Err(InklineError::InvalidArgument(format!(
                "log-probabilities of length {} do not split into frames of {classes} classes",
                data.len()
            )));
        }
        Ok(Self { data, classes })
    }

    /// Number of frames.
    pub fn frames(&self) -> usize {
        self.data.len() / self.classes
    }

    /// Number of classes (blank included).
    pub fn classes(&self) -> usize {
        self.classes
    }

    /// The log-probabilities of frame `t`.
    pub fn frame(&self, t: usize) -> &'a [f32] {
        &self.data[t * self.classes..(t + 1) * self.classes]
    }
}

/// A decoded label sequence and its confidence in `[0, 1]`.
#[derive(Debug, Clone, PartialEq)]
pub struct Decoded {
    /// Class indices (no blanks, no CTC repeats).
    pub labels: Vec<usize>,
    /// Geometric mean over frames of the probability of the chosen path.
    pub confidence: f32,
    /// Each label's confidence ([`crate::align::label_confidences`]).
    pub label_confidence: Vec<f32>,
}

/// Greedy best-path decoding: argmax per frame, merge repeats, drop blanks.
pub fn best_path(lp: LogProbs<'_>) -> Decoded {
    let mut labels = Vec::new();
    let mut prev = usize::MAX;
    let mut sum = 0.0f64;
    for t in 0..lp.frames() {
        let (k, v) = argmax(lp.frame(t));
        sum += f64::from(v);
        if k != 0 && k != prev {
            labels.push(k);
        }
        prev = k;
    }
    Decoded {
        label_confidence: label_confidences(lp, &labels),
        labels,
        confidence: mean_prob(sum, lp.frames()),
    }
}

/// A character language model as beam search uses it: the LM and the character of each
/// class (index 0, the blank, unused).
#[derive(Debug, Clone, Copy)]
pub struct Fusion<'a> {
    /// The language model, with its weights alpha and beta.
    pub lm: &'a CharLm,
    /// The character of each class.
    pub chars: &'a [char],
}

impl<'a> Fusion<'a> {
    /// alpha * log P(class `c` | `context`) + beta.
    fn score(&self, context: &crate::lm::Context<'a>, c: usize) -> f32 {
        let ch = self.chars.get(c).copied().unwrap_or(' ');
        self.lm.alpha * context.log_prob(ch) + self.lm.beta
    }

    /// The lexicon's part of the score of class `c` after a prefix whose last word is in
    /// state `word`, and the state after `c`: `gamma` for a letter that keeps the word a
    /// prefix of a known word; at the character after a word, back what its letters were
    /// credited unless it is a known word. So a finished prefix holds `gamma` per letter of
    /// its known words.
    fn word_credit(&self, word: WordState, c: usize) -> (f32, WordState) {
        let lexicon = self.lm.lexicon();
        if self.lm.gamma == 0.0 || lexicon.is_empty() {
            return (0.0, WordState::EMPTY);
        }
        match self.chars.get(c).copied() {
            Some(ch) if c != 0 && crate::lexicon::is_word_char(ch) => {
                let known = word.known.saturating_add(1);
                match word
                    .node
                    .and_then(|n| lexicon.step(n, ch.to_ascii_lowercase() as u8))
                {
                    Some(n) => (
                        self.lm.gamma,
                        WordState {
                            node: Some(n),
                            known,
                        },
                    ),
                    None => (0.0, WordState { node: None, ..word }),
                }
            }
            _ => (self.word_end(word), WordState::EMPTY),
        }
    }

    /// What ending the word in state `word` takes back of its letters' credit: nothing for a
    /// known word (or no word).
    fn word_end(&self, word: WordState) -> f32 {
        let known = word.node.is_some_and(|n| self.lm.lexicon().is_word(n));
        if word.known == 0 || known {
            0.0
        } else {
            -self.lm.gamma * f32::from(word.known)
        }
    }

    /// The LM context of `node`'s prefix in `trie`: its last order - 1 characters.
    fn context(&self, trie: &Prefixes, node: u32, chars: &mut Vec<char>) -> crate::lm::Context<'a> {
        chars.clear();
        let mut at = node;
        while at != 0 && chars.len() + 1 < self.lm.order {
            let k = trie.label[at as usize] as usize;
            chars.push(self.chars.get(k).copied().unwrap_or(' '));
            at = trie.parent[at as usize];
        }
        chars.reverse();
        self.lm.context(chars)
    }
}

/// The prefixes a beam search has reached, as a trie: node 0 is the empty prefix, every other
/// node its parent's prefix plus one class. A prefix is a node id, so extending, keying and
/// comparing prefixes costs no copies; each node's LM score is computed once.
struct Prefixes {
    parent: Vec<u32>,
    label: Vec<u32>,
    /// Sum of the LM scores of the prefix's characters.
    lm: Vec<f32>,
    /// Where the prefix's last word stands in the LM's lexicon.
    word: Vec<WordState>,
    children: HashMap<(u32, u32), u32>,
}

impl Prefixes {
    fn new() -> Self {
        Self {
            parent: vec![0],
            label: vec![0],
            lm: vec![0.0],
            word: vec![WordState::EMPTY],
            children: HashMap::new(),
        }
    }

    fn len(&self) -> usize {
        self.parent.len()
    }

    /// The last class of `node`'s prefix (none for the empty one).
    fn last(&self, node: u32) -> Option<usize> {
        (node != 0).then(|| self.label[node as usize] as usize)
    }

    /// The node of `node`'s prefix plus class `c`, made on first use with its LM score from
    /// `score` (called only then).
    fn child(&mut self, node: u32, c: usize, score: impl FnOnce(&Self) -> (f32, WordState)) -> u32 {
        if let Some(&n) = self.children.get(&(node, c as u32)) {
            return n;
        }
        let (score, word) = score(self);
        let lm = self.lm[node as usize] + score;
        let id = self.len() as u32;
        self.parent.push(node);
        self.label.push(c as u32);
        self.lm.push(lm);
        self.word.push(word);
        self.children.insert((node, c as u32), id);
        id
    }

    /// The classes of `node`'s prefix.
    fn labels(&self, mut node: u32) -> Vec<usize> {
        let mut out = Vec::new();
        while node != 0 {
            out.push(self.label[node as usize] as usize);
            node = self.parent[node as usize];
        }
        out.reverse();
        out
    }
}

/// Where a prefix's last word stands in the LM's lexicon: the trie node of its letters while
/// they spell the start of a known word (`None` once they left it), and how many of its
/// letters were credited.
#[derive(Debug, Clone, Copy, PartialEq)]
struct WordState {
    node: Option<crate::lexicon::Node>,
    known: u16,
}

impl WordState {
    /// No word yet (after a space, a digit, punctuation, or at the start).
    const EMPTY: Self = Self {
        node: Some(crate::lexicon::ROOT),
        known: 0,
    };
}

/// ln(1e-4): beam search does not extend prefixes by a class less probable than this at a frame.
const MIN_LOG_PROB: f32 = -9.2103;

/// CTC prefix beam search keeping the `width` most probable prefixes at each frame.
pub fn beam_search(lp: LogProbs<'_>, width: usize) -> Result<Decoded> {
    beam_search_fused(lp, width, None)
}

/// CTC prefix beam search with an optional language model in shallow fusion: a prefix's score
/// is its CTC log-probability plus, per character, alpha * log P_lm + beta.
pub fn beam_search_fused(
    lp: LogProbs<'_>,
    width: usize,
    fusion: Option<&Fusion<'_>>,
) -> Result<Decoded> {
    if width == 0 {
        return Err(InklineError::InvalidArgument(
            "beam width must be at least 1".into(),
        ));
    }
    let mut trie = Prefixes::new();
    // The beam: prefixes with their CTC log-probabilities (ending in blank, in non-blank).
    let mut beams: Vec<(u32, f32, f32)> = vec![(0, 0.0, f32::NEG_INFINITY)];
    // This frame's scores per node, valid where `stamp` equals the frame.
    let mut scores: Vec<(f32, f32)> = Vec::new();
    let mut stamp: Vec<u32> = Vec::new();
    let mut touched: Vec<u32> = Vec::new();
    let mut ranked: Vec<(f32, u32)> = Vec::new();
    let mut candidates: Vec<usize> = Vec::new();
    let mut context: Vec<char> = Vec::new();
    for t in 0..lp.frames() {
        let frame = lp.frame(t);
        let now = t as u32 + 1;
        touched.clear();
        // Only expand characters that could matter at this frame: the most probable few, and
        // of those only the ones with a probability of at least 1e-4 (a path through a less
        // probable frame cannot rise to the top of the beam).
        top_classes(frame, width.max(2) + 1, &mut candidates);
        candidates.retain(|&c| c != 0 && frame[c] >= MIN_LOG_PROB);
        let mut add = |node: u32, blank: f32, non_blank: f32, trie_len: usize| {
            if scores.len() < trie_len {
                scores.resize(trie_len, (f32::NEG_INFINITY, f32::NEG_INFINITY));
                stamp.resize(trie_len, 0);
            }
            let i = node as usize;
            if stamp[i] != now {
                stamp[i] = now;
                scores[i] = (f32::NEG_INFINITY, f32::NEG_INFINITY);
                touched.push(node);
            }
            scores[i].0 = log_add(scores[i].0, blank);
            scores[i].1 = log_add(scores[i].1, non_blank);
        };
        for &(node, pb, pnb) in &beams {
            let total = log_add(pb, pnb);
            let last = trie.last(node);
            // The LM context of this prefix, looked up once for all its new children.
            let mut lm_context = None;
            // Blank: prefix unchanged, now ends in blank.
            add(node, total + frame[0], f32::NEG_INFINITY, trie.len());
            for &c in &candidates {
                let p = frame[c];
                let ext = trie.child(node, c, |trie| {
                    fusion.map_or((0.0, WordState::EMPTY), |f| {
                        let ctx =
                            lm_context.get_or_insert_with(|| f.context(trie, node, &mut context));
                        let (credit, word) = f.word_credit(trie.word[node as usize], c);
                        (f.score(ctx, c) + credit, word)
                    })
                });
                if Some(c) == last {
                    // Repeat without a blank between collapses onto the same prefix; after a
                    // blank the same character starts a new symbol.
                    add(node, f32::NEG_INFINITY, pnb + p, trie.len());
                    add(ext, f32::NEG_INFINITY, pb + p, trie.len());
                } else {
                    add(ext, f32::NEG_INFINITY, total + p, trie.len());
                }
            }
        }
        let rank = |node: u32| {
            let (b, nb) = scores[node as usize];
            log_add(b, nb) + trie.lm[node as usize]
        };
        ranked.clear();
        ranked.extend(
            touched
                .iter()
                .map(|&n| (rank(n), n))
                .filter(|&(r, _)| r > f32::NEG_INFINITY),
        );
        let order = |a: &(f32, u32), b: &(f32, u32)| {
            b.0.total_cmp(&a.0)
                .then_with(|| trie.labels(a.1).cmp(&trie.labels(b.1)))
        };
        if ranked.len() > width {
            ranked.select_nth_unstable_by(width, order);
            ranked.truncate(width);
        }
        ranked.sort_by(order);
        beams.clear();
        beams.extend(ranked.iter().map(|&(_, n)| {
            let (b, nb) = scores[n as usize];
            (n, b, nb)
        }));
    }
    // The line's last word ends with it: beams that end in a word the lexicon does not know
    // give back what its letters were credited. The beams are in rank order, so without that
    // the first wins, as before; with it, the first of the best.
    let mut best: Option<(f32, (u32, f32, f32))> = None;
    for &(node, pb, pnb) in &beams {
        let end = fusion.map_or(0.0, |f| f.word_end(trie.word[node as usize]));
        let rank = log_add(pb, pnb) + trie.lm[node as usize] + end;
        if best.is_none_or(|(r, _)| rank > r) {
            best = Some((rank, (node, pb, pnb)));
        }
    }
    let (node, pb, pnb) = best.map_or((0, 0.0, 0.0), |(_, b)| b);
    let score = if lp.frames() == 0 {
        0.0
    } else {
        log_add(pb, pnb)
    };
    let labels = trie.labels(node);
    Ok(Decoded {
        label_confidence: label_confidences(lp, &labels),
        labels,
        confidence: mean_prob(f64::from(score), lp.frames()),
    })
}

fn argmax(v: &[f32]) -> (usize, f32) {
    v.iter()
        .copied()
        .enumerate()
        .fold((0, f32::NEG_INFINITY), |best, (i, x)| {
            if x > best.1 { (i, x) } else { best }
        })
}

/// The `k` most probable classes of `frame` into `idx` (in no particular order).
fn top_classes(frame: &[f32], k: usize, idx: &mut Vec<usize>) {
    idx.clear();
    idx.extend(0..frame.len());
    if k < idx.len() {
        idx.select_nth_unstable_by(k, |&a, &b| frame[b].total_cmp(&frame[a]));
        idx.truncate(k);
    }
}

fn log_add(a: f32, b: f32) -> f32 {
    if a == f32::NEG_INFINITY {
        return b;
    }
    if b == f32::NEG_INFINITY {
        return a;
    }
    let (hi, lo) = if a > b { (a, b) } else { (b, a) };
    hi + (lo - hi).exp().ln_1p()
}

fn mean_prob(log_sum: f64, frames: usize) -> f32 {
    if frames == 0 {
        return 1.0;
    }
    (log_sum / frames as f64).exp().clamp(0.0, 1.0) as f32
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Builds log-probs where frame t puts probability `p` on `path[t]` and spreads the rest.
    fn frames(path: &[usize], classes: usize, p: f32) -> Vec<f32> {
        let rest = (1.0 - p) / (classes - 1) as f32;
        path.iter()
            .flat_map(|&k| (0..classes).map(move |c| if c == k { p.ln() } else { rest.ln() }))
            .collect()
    }

    #[test]
    fn best_path_merges_repeats_and_drops_blanks() {
        let data = frames(&[1, 1, 0, 1, 2, 2, 0, 0, 3], 4, 0.9);
        let d = best_path(LogProbs::new(&data, 4).unwrap());
        assert_eq!(d.labels, vec![1, 1, 2, 3]);
        assert!((d.confidence - 0.9).abs() < 1e-5, "{}", d.confidence);
    }

    #[test]
    fn beam_search_finds_the_prefix_best_path_misses() {
        // Classic case: best path says blank-blank (""), but "a" has more total probability.
        // Frame probs over [blank, a]: (0.6, 0.4) twice. P("") = 0.36, P("a") = 0.64.
        let data: Vec<f32> = [0.6f32, 0.4, 0.6, 0.4].iter().map(|p| p.ln()).collect();
        let lp = LogProbs::new(&data, 2).unwrap();
        assert_eq!(best_path(lp).labels, Vec::<usize>::new());
        let d = beam_search(lp, 4).unwrap();
        assert_eq!(d.labels, vec![1]);
        assert!((d.confidence - 0.64f32.sqrt()).abs() < 1e-5);
    }

    #[test]
    fn beam_search_width_one_agrees_with_best_path_on_peaked_input() {
        let data = frames(&[2, 0, 2, 3, 3, 0, 1], 4, 0.97);
        let lp = LogProbs::new(&data, 4).unwrap();
        assert_eq!(beam_search(lp, 1).unwrap().labels, best_path(lp).labels);
        assert_eq!(beam_search(lp, 8).unwrap().labels, vec![2, 2, 3, 1]);
    }

    #[test]
    fn bad_shapes_and_widths_are_errors() {
        assert!(LogProbs::new(&[0.0; 5], 2).is_err());
        let data = [0.0f32; 4];
        assert!(beam_search(LogProbs::new(&data, 2).unwrap(), 0).is_err());
    }

    #[test]
    fn the_language_model_flips_an_ambiguous_letter() {
        // Classes: blank, 'a', 'b', ' '. Frame 2 is nearly a tie of 'a' (ahead) and 'b'.
        let p = |v: [f32; 4]| v.map(f32::ln);
        let data: Vec<f32> = [
            p([0.05, 0.9, 0.025, 0.025]),
            p([0.9, 0.05, 0.025, 0.025]),
            p([0.05, 0.5, 0.44, 0.01]),
        ]
        .concat();
        let lp = LogProbs::new(&data, 4).unwrap();
        assert_eq!(beam_search(lp, 8).unwrap().labels, vec![1, 1]);
        let cs = crate::charset::Charset::from_chars("ab ".chars()).unwrap();
        let mut lm = CharLm::train(["ab ab ab ab ab abab ab"; 5], &cs, 3, 1).unwrap();
        (lm.alpha, lm.beta) = (1.0, 0.0);
        let chars = [' ', 'a', 'b', ' '];
        let fusion = Fusion {
            lm: &lm,
            chars: &chars,
        };
        let d = beam_search_fused(lp, 8, Some(&fusion)).unwrap();
        assert_eq!(
            d.labels,
            vec![1, 2],
            "'a' is never followed by 'a' in the LM's text"
        );
        // With alpha 0 the LM is silent again.
        lm.alpha = 0.0;
        let fusion = Fusion {
            lm: &lm,
            chars: &chars,
        };
        assert_eq!(
            beam_search_fused(lp, 8, Some(&fusion)).unwrap().labels,
            vec![1, 1]
        );
    }

    #[test]
    fn the_lexicon_turns_a_near_miss_into_a_known_word() {
        // Classes: blank, 'c', 'a', 't', 'r', ' '. The third letter is nearly a tie of 'r'
        // (ahead) and 't'; then the line ends, or a space and another letter follow.
        let p = |v: [f32; 6]| v.map(f32::ln);
        let letter = |k: usize, q: f32| {
            let mut v = [(1.0 - q) / 5.0; 6];
            v[k] = q;
            p(v)
        };
        let tie = p([0.03, 0.01, 0.01, 0.44, 0.5, 0.01]);
        let word: Vec<f32> = [letter(1, 0.9), letter(0, 0.9), letter(2, 0.9), tie].concat();
        let line: Vec<f32> = [&word[..], &letter(5, 0.9), &letter(2, 0.9)].concat();
        let cs = crate::charset::Charset::from_chars("catr ".chars()).unwrap();
        let lexicon = crate::lexicon::Lexicon::from_text(["cat a"], 1);
        let mut lm = CharLm::train(["cat car rat tar a"], &cs, 1, 1)
            .unwrap()
            .with_lexicon(lexicon);
        (lm.alpha, lm.beta) = (0.0, 0.0);
        let chars = [' ', 'c', 'a', 't', 'r', ' '];
        let decode = |lm: &CharLm, data: &[f32]| {
            let fusion = Fusion { lm, chars: &chars };
            let lp = LogProbs::new(data, 6).unwrap();
            beam_search_fused(lp, 8, Some(&fusion)).unwrap().labels
        };
        // Without credit: "car", "car a".
        assert_eq!(decode(&lm, &word), vec![1, 2, 4]);
        assert_eq!(decode(&lm, &line), vec![1, 2, 4, 5, 2]);
        lm.gamma = 1.0;
        assert_eq!(decode(&lm, &word), vec![1, 2, 3], "the line's last word");
        assert_eq!(
            decode(&lm, &line),
            vec![1, 2, 3, 5, 2],
            "a word before a space"
        );
    }

    #[test]
    fn empty_input_decodes_to_nothing() {
        let lp = LogProbs::new(&[], 3).unwrap();
        assert!(best_path(lp).labels.is_empty());
        assert!(beam_search(lp, 3).unwrap().labels.is_empty());
    }
}
