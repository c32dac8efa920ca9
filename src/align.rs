//! CTC forced alignment: the frames each decoded character holds (the most probable CTC path
//! that spells exactly the decoded labels), and from them how sure the network was of each
//! character, whatever decoder (best path, beam search, a language model) chose the labels.

use crate::decode::LogProbs;

/// Each label's confidence in `[0, 1]`: the highest probability the network gives the label on
/// the frames the alignment assigns it. A character the network was torn on (or one a language
/// model chose against it) scores low. All 0 when the labels cannot be aligned to the frames
/// (too few frames); empty for no labels.
pub fn label_confidences(lp: LogProbs<'_>, labels: &[usize]) -> Vec<f32> {
    let frames = lp.frames();
    let states = 2 * labels.len() + 1;
    if labels.is_empty() {
        return Vec::new();
    }
    if labels.iter().any(|&k| k == 0 || k >= lp.classes()) {
        return vec![0.0; labels.len()];
    }
    // State s: even = blank, odd = labels[s / 2].
    let class = |s: usize| {
        if s.is_multiple_of(2) {
            0
        } else {
            labels[s / 2]
        }
    };
    if frames == 0 {
        return vec![0.0; labels.len()];
    }
    let mut score = vec![f32::NEG_INFINITY; states];
    let mut next = vec![f32::NEG_INFINITY; states];
    // How many states back each (frame, state) came from: 0, 1 or 2.
    let mut back = vec![0u8; frames * states];
    let first = lp.frame(0);
    score[0] = first[0];
    score[1] = first[class(1)];
    for t in 1..frames {
        let frame = lp.frame(t);
        // A path advances at most two states a frame: states beyond 2t + 1 are unreachable.
        let reach = states.min(2 * t + 2);
        for s in 0..reach {
            let (mut best, mut from) = (score[s], 0u8);
            if s >= 1 && score[s - 1] > best {
                (best, from) = (score[s - 1], 1);
            }
            // Skipping the blank between two labels is allowed unless they are the same.
            if s >= 2 && s % 2 == 1 && class(s) != class(s - 2) && score[s - 2] > best {
                (best, from) = (score[s - 2], 2);
            }
            next[s] = best + frame[class(s)];
            back[t * states + s] = from;
        }
        next[reach..].fill(f32::NEG_INFINITY);
        std::mem::swap(&mut score, &mut next);
    }
    let end = if states >= 2 && score[states - 2] > score[states - 1] {
        states - 2
    } else {
        states - 1
    };
    if score[end] == f32::NEG_INFINITY {
        return vec![0.0; labels.len()];
    }
    let mut best = vec![0f32; labels.len()];
    let mut s = end;
    for t in (0..frames).rev() {
        if s % 2 == 1 {
            let p = lp.frame(t)[class(s)].exp();
            best[s / 2] = best[s / 2].max(p);
        }
        s -= back[t * states + s] as usize;
    }
    best.iter().map(|p| p.clamp(0.0, 1.0)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Log-probabilities from per-frame probability rows.
    fn logs(rows: &[&[f32]]) -> Vec<f32> {
        rows.iter().flat_map(|r| r.iter().map(|p| p.ln())).collect()
    }

    #[test]
    fn each_character_gets_its_peak_on_its_own_frames() {
        // Classes [blank, a, b]: "a" peaks at 0.9, "b" is a 0.55 / 0.45 call against "a".
        let data = logs(&[
            &[0.05, 0.9, 0.05],
            &[0.8, 0.1, 0.1],
            &[0.05, 0.45, 0.5],
            &[0.05, 0.4, 0.55],
            &[0.9, 0.05, 0.05],
        ]);
        let lp = LogProbs::new(&data, 3).unwrap();
        let c = label_confidences(lp, &[1, 2]);
        assert_eq!(c.len(), 2);
        assert!((c[0] - 0.9).abs() < 1e-5, "{c:?}");
        assert!((c[1] - 0.55).abs() < 1e-5, "{c:?}");
    }

    #[test]
    fn repeats_take_a_blank_between_them_and_what_cannot_fit_scores_zero() {
        // Two "a"s in three frames: a, blank, a (the only alignment).
        let data = logs(&[&[0.1, 0.9], &[0.1, 0.9], &[0.1, 0.9]]);
        let lp = LogProbs::new(&data, 2).unwrap();
        assert_eq!(label_confidences(lp, &[1, 1]), vec![0.9, 0.9]);
        // A label that cannot fit: three "a"s need five frames.
        assert_eq!(label_confidences(lp, &[1, 1, 1]), vec![0.0, 0.0, 0.0]);
        // A class the network has no column for.
        assert_eq!(label_confidences(lp, &[5]), vec![0.0]);
        assert!(label_confidences(lp, &[]).is_empty());
    }
}
