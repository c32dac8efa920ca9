//! The character set: index 0 is the CTC blank, the others are characters.

use crate::error::{InklineError, Result};
use serde::{Deserialize, Serialize};

/// Ordered characters a model can emit; class `i + 1` is `chars[i]`, class 0 is the blank.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Charset {
    chars: Vec<char>,
}

impl Charset {
    /// Index of the CTC blank class.
    pub const BLANK: usize = 0;

    /// Printable ASCII 0x20..=0x7E (95 characters, space included).
    pub fn printable_ascii() -> Self {
        Self {
            chars: (0x20u8..=0x7E).map(char::from).collect(),
        }
    }

    /// A charset from explicit characters; rejects duplicates, control characters and an empty set.
    pub fn from_chars(chars: impl IntoIterator<Item = char>) -> Result<Self> {
        let chars: Vec<char> = chars.into_iter().collect();
        if chars.is_empty() {
            return Err(InklineError::CharsetMismatch("the charset is empty".into()));
        }
        for (i, c) in chars.iter().enumerate() {
            if c.is_control() {
                return Err(InklineError::CharsetMismatch(format!(
                    "control character U+{:04X} in charset",
                    *c as u32
                )));
            }
            if chars[..i].contains(c) {
                return Err(InklineError::CharsetMismatch(format!(
                    "character '{c}' appears twice"
                )));
            }
        }
        Ok(Self { chars })
    }

    /// Number of output classes including the blank.
    pub fn num_classes(&self) -> usize {
        self.chars.len() + 1
    }

    /// The characters, in class order (without the blank).
    pub fn chars(&self) -> &[char] {
        &self.chars
    }

    /// Class index of `c`, if the charset has it.
    pub fn index_of(&self, c: char) -> Option<usize> {
        self.chars.iter().position(|&x| x == c).map(|i| i + 1)
    }

    /// Character of class `index`; `None` for the blank or out of range.
    pub fn char_of(&self, index: usize) -> Option<char> {
        index
            .checked_sub(1)
            .and_then(|i| self.chars.get(i).copied())
    }

    /// Encodes text as class indices; fails on a character outside the charset.
    pub fn encode(&self, text: &str) -> Result<Vec<usize>> {
        text.chars()
            .map(|c| {
                self.index_of(c).ok_or_else(|| {
                    InklineError::InvalidArgument(format!(
                        "character '{c}' (U+{:04X}) is not in the charset",
                        c as u32
                    ))
                })
            })
            .collect()
    }

    /// Decodes class indices (blanks skipped) to text.
    pub fn decode(&self, indices: &[usize]) -> String {
        indices.iter().filter_map(|&i| self.char_of(i)).collect()
    }

    /// The charset as one string, the form stored in model files.
    pub fn as_string(&self) -> String {
        self.chars.iter().collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn printable_ascii_has_95_chars_and_blank_first() {
        let cs = Charset::printable_ascii();
        assert_eq!(cs.num_classes(), 96);
        assert_eq!(cs.index_of(' '), Some(1));
        assert_eq!(cs.index_of('~'), Some(95));
        assert_eq!(cs.char_of(0), None);
        assert_eq!(cs.char_of(34), Some('A'));
    }

    #[test]
    fn encode_decode_round_trip_and_unknown_char() {
        let cs = Charset::printable_ascii();
        let ids = cs.encode("Hello, world! 42").unwrap();
        assert_eq!(cs.decode(&ids), "Hello, world! 42");
        let err = cs.encode("café").unwrap_err().to_string();
        assert!(err.contains("'é'"), "{err}");
    }

    #[test]
    fn duplicates_and_empty_are_rejected() {
        assert!(Charset::from_chars("abca".chars()).is_err());
        assert!(Charset::from_chars("".chars()).is_err());
        assert_eq!(Charset::from_chars("abc".chars()).unwrap().num_classes(), 4);
    }
}
