//! The reader of real writers' pen trajectories (UNIPEN train_r01_v07 as JSON lines, see
//! `../shared/data/unipen/README.md`): each sample normalized ([`Ink::normalize`]), labels
//! detokenized, a fixed writer-disjoint validation split (about a tenth of the people, by a
//! hash of who they are), and a report of what was skipped and why.

use super::ink::Ink;
use anyhow::{Context, Result};
use rayon::prelude::*;
use serde::Deserialize;
use std::collections::BTreeMap;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};

/// Credit owed by every model and dataset made from this data (CC BY 4.0).
pub const ATTRIBUTION: &str = "UNIPEN train_r01_v07, The International Unipen Foundation / \
Consortium (1999), Zenodo, doi:10.5281/zenodo.1195803, CC BY 4.0 (converted to JSON lines, \
segments selected, y axis flipped)";

/// Where the data lives on the team's machines, relative to the repository root.
pub const DEFAULT_DIR: &str = "../shared/data/unipen";

/// One in this many people is a validation writer.
const VAL_EVERY: u64 = 10;

/// The validation writers' share of the data, in tenths; the rest trains.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum WriterSplit {
    /// Writers trained on.
    Train,
    /// Writers never trained on.
    Val,
}

/// A segment's kind: a line of text, or an isolated word.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Segment {
    /// TEXT segments (lines.jsonl.gz).
    Line,
    /// WORD segments (words.jsonl.gz).
    Word,
}

/// One usable sample.
#[derive(Debug, Clone)]
pub struct RealSample {
    /// The writer key as given (`contributor/id`).
    pub writer: String,
    /// Who the writer is across keys (the person the split is made by).
    pub person: String,
    /// Its transcription, detokenized.
    pub label: String,
    /// Normalized ink: baseline at y = 0, body one unit, upright.
    pub ink: Ink,
    /// The body height in the contributor's units (one writer's words on one device share a
    /// scale, so words of a composed line are sized by it).
    pub body: f32,
    /// Line or word.
    pub segment: Segment,
}

impl RealSample {
    /// The contributor (UNIPEN's 3-letter code): the data's source.
    pub fn source(&self) -> &str {
        self.writer.split('/').next().unwrap_or("")
    }
}

/// Why a record was left out.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Skip {
    /// Contributor cee lower-cases every label whatever the ink's case.
    CaseFolded,
    /// Nothing left of the label, or a character outside printable ASCII.
    Label,
    /// Under 2 points of ink, or no extent.
    NoInk,
    /// Written over more than one line (names under each other, a wrapped sentence).
    MultiLine,
    /// The ink is far too narrow or too wide for the number of characters.
    WidthMismatch,
}

impl Skip {
    /// Words for the report.
    pub fn reason(self) -> &'static str {
        match self {
            Skip::CaseFolded => "labels lower-cased whatever the ink's case (contributor cee)",
            Skip::Label => "empty label or a character outside printable ASCII",
            Skip::NoInk => "fewer than 2 points of ink, or no extent",
            Skip::MultiLine => "written over more than one line",
            Skip::WidthMismatch => "ink width does not fit the label's length",
        }
    }
}

/// Every usable sample of the data, split by writer, with the skip counts.
#[derive(Debug, Default)]
pub struct RealData {
    /// Usable samples, in file order (lines, then words).
    pub samples: Vec<RealSample>,
    /// Records skipped, by segment kind and reason.
    pub skipped: BTreeMap<(Segment, Skip), usize>,
    /// Records skipped, by segment kind, reason and contributor.
    pub skipped_by_source: BTreeMap<(Segment, Skip, String), usize>,
    /// Records read, by segment kind.
    pub read: BTreeMap<Segment, usize>,
}

#[derive(Deserialize)]
struct Record {
    writer: String,
    label: String,
    strokes: Vec<Vec<i64>>,
}

/// The person behind a writer key: the id without contributor, session suffixes (`_1`,
/// `.A`, `.dat`) or HP's batch prefix (`hpb2-`), lower case. Keys of one person under two
/// contributors (apb/apd/ape, ced/cee, hpb/hpp/sta) meet here; merging two people who share
/// an id only makes the split more conservative.
pub fn person(writer: &str) -> String {
    let id = writer
        .rsplit('/')
        .next()
        .unwrap_or(writer)
        .to_ascii_lowercase();
    let mut id = id.as_str();
    for suffix in [".dat", ".a", ".b", ".c"] {
        id = id.strip_suffix(suffix).unwrap_or(id);
    }
    if let Some((head, tail)) = id.rsplit_once('_')
        && !tail.is_empty()
        && tail.len() <= 2
        && tail.chars().all(|c| c.is_ascii_digit())
    {
        id = head;
    }
    if let Some(rest) = id.strip_prefix("hpb") {
        let rest = rest.trim_start_matches(|c: char| c.is_ascii_digit());
        if let Some(r) = rest.strip_prefix('-') {
            id = r;
        }
    }
    id.to_string()
}

/// The split a person belongs to: fixed by a hash of the person key (FNV-1a), one in ten
/// validation.
pub fn split_of(person: &str) -> WriterSplit {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in person.bytes() {
        h = (h ^ b as u64).wrapping_mul(0x0100_0000_01b3);
    }
    if h.is_multiple_of(VAL_EVERY) {
        WriterSplit::Val
    } else {
        WriterSplit::Train
    }
}

/// A tokenized transcription as written: no space before `. , ! ? ; : ) ' n't 's`, none
/// after `(`, runs of spaces collapsed, and a number spelled out digit by digit (three digits
/// or more, as UNIPEN spells phone numbers) written as one.
pub fn detokenize(label: &str) -> String {
    let words: Vec<&str> = label.split_whitespace().collect();
    let mut out = String::with_capacity(label.len());
    let digit = |w: &str| w.len() == 1 && w.chars().all(|c| c.is_ascii_digit());
    // A number spelled out digit by digit ("( 9 0 1 ) 2 3 4 - 5 6 7 8"), written as one.
    let spelled = words.iter().filter(|w| digit(w)).count() >= 3;
    let ends_digit = |w: &str| w.ends_with(|c: char| c.is_ascii_digit());
    for (i, w) in words.iter().enumerate() {
        let in_number = spelled
            && i > 0
            && ((digit(w) && (ends_digit(words[i - 1]) || words[i - 1] == "-"))
                || (*w == "-"
                    && ends_digit(words[i - 1])
                    && words.get(i + 1).is_some_and(|n| digit(n))));
        let glue_left = in_number
            || i > 0
                && (w.chars().all(|c| ".,!?;:)%".contains(c))
                    || *w == "'"
                    || *w == "n't"
                    || (w.starts_with('\'')
                        && w.len() <= 3
                        && w[1..].chars().all(char::is_alphabetic)))
            || (i > 0 && (words[i - 1] == "(" || words[i - 1] == "'"));
        if i > 0 && !glue_left {
            out.push(' ');
        }
        out.push_str(w);
    }
    out
}

/// The directory given, or the default one when it exists; `None` when there is no data.
pub fn locate(dir: Option<&Path>) -> Option<PathBuf> {
    match dir {
        Some(d) => Some(d.to_path_buf()),
        None => {
            let d = Path::new(DEFAULT_DIR);
            d.join("lines.jsonl.gz").exists().then(|| d.to_path_buf())
        }
    }
}

impl RealData {
    /// Reads `lines.jsonl.gz` and `words.jsonl.gz` of `dir` (either may be missing, not both).
    pub fn load(dir: &Path) -> Result<Self> {
        let mut data = RealData::default();
        let mut found = false;
        for (file, segment) in [
            ("lines.jsonl.gz", Segment::Line),
            ("words.jsonl.gz", Segment::Word),
        ] {
            let path = dir.join(file);
            if !path.exists() {
                continue;
            }
            found = true;
            let f = std::fs::File::open(&path)
                .with_context(|| format!("cannot open {}", path.display()))?;
            let text: Vec<String> = BufReader::new(flate2::read::GzDecoder::new(f))
                .lines()
                .collect::<std::io::Result<_>>()
                .with_context(|| format!("cannot read {}", path.display()))?;
            data.read.insert(segment, text.len());
            let parsed: Vec<std::result::Result<RealSample, (Skip, String)>> = text
                .par_iter()
                .enumerate()
                .map(|(n, line)| {
                    let r: Record = serde_json::from_str(line).with_context(|| {
                        format!("{} line {}: not a UNIPEN record", path.display(), n + 1)
                    })?;
                    let source = r.writer.split('/').next().unwrap_or("").to_string();
                    Ok(sample(r, segment).map_err(|skip| (skip, source)))
                })
                .collect::<Result<_>>()?;
            for p in parsed {
                match p {
                    Ok(s) => data.samples.push(s),
                    Err((skip, source)) => {
                        *data.skipped.entry((segment, skip)).or_default() += 1;
                        *data
                            .skipped_by_source
                            .entry((segment, skip, source))
                            .or_default() += 1;
                    }
                }
            }
        }
        if !found {
            anyhow::bail!(
                "no lines.jsonl.gz or words.jsonl.gz in {} (the UNIPEN data, see {DEFAULT_DIR}/README.md)",
                dir.display()
            );
        }
        Ok(data)
    }

    /// The samples of one split.
    pub fn split(&self, split: WriterSplit) -> impl Iterator<Item = &RealSample> {
        self.samples
            .iter()
            .filter(move |s| split_of(&s.person) == split)
    }

    /// What was read, kept and skipped, per kind and split, in words.
    pub fn report(&self) -> String {
        let mut out = String::new();
        for seg in [Segment::Line, Segment::Word] {
            let read = self.read.get(&seg).copied().unwrap_or(0);
            let kept: Vec<&RealSample> = self.samples.iter().filter(|s| s.segment == seg).collect();
            let people = |split| {
                let mut p: Vec<&str> = kept
                    .iter()
                    .filter(|s| split_of(&s.person) == split)
                    .map(|s| s.person.as_str())
                    .collect();
                p.sort_unstable();
                p.dedup();
                p.len()
            };
            let count = |split| kept.iter().filter(|s| split_of(&s.person) == split).count();
            out += &format!(
                "{seg:?}s: {read} read, {} kept (train {} from {} people, val {} from {} people)\n",
                kept.len(),
                count(WriterSplit::Train),
                people(WriterSplit::Train),
                count(WriterSplit::Val),
                people(WriterSplit::Val),
            );
            for ((s, skip), n) in &self.skipped {
                if *s == seg {
                    let mut by: Vec<(usize, &str)> = self
                        .skipped_by_source
                        .iter()
                        .filter(|((s2, k, _), _)| s2 == s && k == skip)
                        .map(|((_, _, src), &m)| (m, src.as_str()))
                        .collect();
                    by.sort_unstable_by(|a, b| b.cmp(a));
                    let top: Vec<String> = by
                        .iter()
                        .take(6)
                        .map(|(m, src)| format!("{src} {m}"))
                        .collect();
                    out += &format!("  skipped {n}: {} ({})\n", skip.reason(), top.join(", "));
                }
            }
        }
        out
    }
}

/// A record checked and normalized, or why it is skipped.
fn sample(r: Record, segment: Segment) -> std::result::Result<RealSample, Skip> {
    if r.writer.starts_with("cee/") {
        return Err(Skip::CaseFolded);
    }
    let label = detokenize(&r.label);
    if label.is_empty() || !label.chars().all(|c| (' '..='~').contains(&c)) {
        return Err(Skip::Label);
    }
    let raw = Ink::from_flat(&r.strokes);
    let b = raw.bounds().ok_or(Skip::NoInk)?;
    if raw.len() < 2 || (b.width() <= 0.0 && b.height() <= 0.0) {
        return Err(Skip::NoInk);
    }
    let (ink, n) = raw.normalize().ok_or(Skip::NoInk)?;
    // Words under each other (names, addresses) stack to over five bodies.
    let stacked = label.contains(' ') && ink.bounds().is_some_and(|b| b.height() > 5.0);
    if segment == Segment::Line && (stacked || ink.is_multiline(0.6)) {
        return Err(Skip::MultiLine);
    }
    let width = ink.bounds().map_or(0.0, |b| b.width());
    let chars = label.chars().filter(|c| *c != ' ').count().max(1) as f32;
    let per_char = width / chars;
    // Body heights per character: a narrow "l" is about 0.2, a wide "W" about 2; flourishes
    // and mislabelled segments fall far outside.
    let single_ok = chars == 1.0 && per_char <= 6.0;
    if !(0.15..=6.0).contains(&per_char) && !single_ok {
        return Err(Skip::WidthMismatch);
    }
    Ok(RealSample {
        person: person(&r.writer),
        writer: r.writer,
        label,
        ink,
        body: n.body,
        segment,
    })
}

#[cfg(test)]
pub mod test_support {
    //! A small UNIPEN-format data folder written from made-up ink, for tests.
    use std::io::Write;
    use std::path::Path;

    /// One made-up word's ink as a flat stroke list: zigzag letters of x-height 40 units,
    /// `letters` long, starting at `x`, baseline at `y`.
    pub fn word_strokes(letters: usize, x: i64, y: i64) -> Vec<Vec<i64>> {
        (0..letters)
            .map(|k| {
                let x0 = x + 50 * k as i64;
                (0..=6)
                    .flat_map(|i| [x0 + 6 * i, if i % 2 == 0 { y } else { y - 40 }])
                    .collect()
            })
            .collect()
    }

    /// Writes `lines.jsonl.gz` and `words.jsonl.gz` with `records` (writer, label, strokes,
    /// is_line).
    pub fn write(dir: &Path, records: &[(&str, &str, Vec<Vec<i64>>, bool)]) {
        for (file, lines) in [("lines.jsonl.gz", true), ("words.jsonl.gz", false)] {
            let f = std::fs::File::create(dir.join(file)).unwrap();
            let mut gz = flate2::write::GzEncoder::new(f, flate2::Compression::fast());
            for (w, l, s, is_line) in records {
                if *is_line == lines {
                    let rec = serde_json::json!({"writer": w, "label": l, "source": "test", "strokes": s});
                    writeln!(gz, "{rec}").unwrap();
                }
            }
            gz.finish().unwrap();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::test_support::{word_strokes, write};
    use super::*;

    #[test]
    fn persons_meet_across_keys_and_sessions() {
        assert_eq!(person("apb/Laura_Holloway"), person("apd/Laura_Holloway"));
        assert_eq!(person("ced/NATY7589.A"), "naty7589");
        assert_eq!(person("rim/wd137.dat"), "wd137");
        assert_eq!(person("x/jo_1"), person("y/jo_2"));
        assert_eq!(person("sta/hpb0-dlm"), "dlm");
        assert_eq!(person("hpp/hpb2-do"), "do");
        assert_eq!(person("kar/mbk_0039"), "mbk_0039");
    }

    #[test]
    fn the_split_is_fixed_and_about_a_tenth() {
        let people: Vec<String> = (0..2000).map(|i| format!("writer{i}")).collect();
        let val = people
            .iter()
            .filter(|p| split_of(p) == WriterSplit::Val)
            .count();
        assert!((150..250).contains(&val), "{val}");
        // Fixed forever (a changed hash would move writers between splits): the validation
        // writers among the first sixty, as first defined.
        assert_eq!(
            (0..60)
                .filter(|i| split_of(&format!("writer{i}")) == WriterSplit::Val)
                .collect::<Vec<_>>(),
            vec![2, 11, 37, 39, 51]
        );
    }

    #[test]
    fn labels_read_as_written() {
        assert_eq!(detokenize("it ' s home ."), "it's home.");
        assert_eq!(detokenize("What a dirty trick !"), "What a dirty trick!");
        assert_eq!(
            detokenize("I do n't ( really ) know , ok"),
            "I don't (really) know, ok"
        );
        assert_eq!(detokenize("he 's  here"), "he's here");
        assert_eq!(detokenize("flying to Boston"), "flying to Boston");
        // A number spelled out digit by digit is written as one; a lone number is left alone.
        assert_eq!(detokenize("( 9 0 1 ) 2 3 4 - 5 6 7 8"), "(901) 234-5678");
        assert_eq!(detokenize("1 2 3 4 5"), "12345");
        assert_eq!(detokenize("room 4 - 5 pm"), "room 4 - 5 pm");
        assert_eq!(detokenize("7 days"), "7 days");
    }

    #[test]
    fn a_data_folder_is_read_normalized_split_and_reported() {
        let dir = tempfile::tempdir().unwrap();
        let mut two_lines = word_strokes(4, 0, 0);
        two_lines.extend(word_strokes(4, 0, 200));
        let mut line = word_strokes(4, 0, 0);
        line.extend(word_strokes(3, 260, 0));
        write(
            dir.path(),
            &[
                ("abc/anna", "abcd efg", line.clone(), true),
                ("abc/anna", "abcd efgh", two_lines, true),
                ("cee/bob", "abcd", word_strokes(4, 0, 0), false),
                ("def/carl", "word", word_strokes(4, 10, 10), false),
                (
                    "def/carl",
                    "a much longer label than this",
                    word_strokes(2, 0, 0),
                    false,
                ),
                ("def/carl", "caf\u{e9}", word_strokes(4, 0, 0), false),
                ("def/carl", "x", vec![vec![5, 5]], false),
            ],
        );
        let data = RealData::load(dir.path()).unwrap();
        assert_eq!(data.samples.len(), 2);
        let s = &data.samples[0];
        assert_eq!((s.label.as_str(), s.segment), ("abcd efg", Segment::Line));
        assert!((s.body - 40.0).abs() < 6.0, "{}", s.body);
        let b = s.ink.bounds().unwrap();
        assert!(b.y1.abs() < 0.2 && (b.y0 + 1.0).abs() < 0.2, "{b:?}");
        assert_eq!(data.samples[1].source(), "def");
        let skipped = |seg, skip| data.skipped.get(&(seg, skip)).copied().unwrap_or(0);
        assert_eq!(skipped(Segment::Line, Skip::MultiLine), 1);
        assert_eq!(skipped(Segment::Word, Skip::CaseFolded), 1);
        assert_eq!(skipped(Segment::Word, Skip::WidthMismatch), 1);
        assert_eq!(skipped(Segment::Word, Skip::Label), 1);
        assert_eq!(skipped(Segment::Word, Skip::NoInk), 1);
        let report = data.report();
        assert!(report.contains("Lines: 2 read, 1 kept"), "{report}");
        assert!(
            report.contains("skipped 1: written over more than one line"),
            "{report}"
        );
    }

    #[test]
    fn a_folder_without_data_is_an_error_that_says_so() {
        let dir = tempfile::tempdir().unwrap();
        let e = RealData::load(dir.path()).unwrap_err().to_string();
        assert!(e.contains("no lines.jsonl.gz or words.jsonl.gz"), "{e}");
    }
}
