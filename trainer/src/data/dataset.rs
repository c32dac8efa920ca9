//! Datasets on disk: a folder of images plus `gt.tsv` (`file<TAB>text`, UTF-8), and for
//! synthesized sets `families.tsv` (`file<TAB>font family`) for per-family results and, for
//! pages, `effects.tsv` (`file<TAB>effect,effect,...`) for per-effect results.

use anyhow::{Context, Result, bail};
use std::path::{Path, PathBuf};

/// One labelled line image.
#[derive(Debug, Clone, PartialEq)]
pub struct Sample {
    /// Image path.
    pub path: PathBuf,
    /// Ground-truth text.
    pub text: String,
}

/// Reads `dir/gt.tsv`; image paths are relative to `dir`.
pub fn read(dir: &Path) -> Result<Vec<Sample>> {
    let gt = dir.join("gt.tsv");
    let content =
        std::fs::read_to_string(&gt).with_context(|| format!("cannot read {}", gt.display()))?;
    let mut out = Vec::new();
    for (n, line) in content.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        let Some((file, text)) = line.split_once('\t') else {
            bail!("{}:{}: expected 'file<TAB>text'", gt.display(), n + 1);
        };
        out.push(Sample {
            path: dir.join(file),
            text: text.to_string(),
        });
    }
    Ok(out)
}

/// Writes `dir/gt.tsv` from (file name, text) pairs; texts must not hold tabs or newlines.
pub fn write_gt(dir: &Path, rows: &[(String, String)]) -> Result<()> {
    write_tsv(&dir.join("gt.tsv"), rows)
}

/// Writes `dir/families.tsv` from (file name, font family) pairs.
pub fn write_families(dir: &Path, rows: &[(String, String)]) -> Result<()> {
    write_tsv(&dir.join("families.tsv"), rows)
}

/// The font family of each image file, from `dir/families.tsv` (empty when absent).
pub fn read_families(dir: &Path) -> Result<std::collections::HashMap<PathBuf, String>> {
    read_labels(&dir.join("families.tsv"), "family")
}

/// Writes `dir/effects.tsv` from (file name, effects) pairs.
pub fn write_effects(dir: &Path, rows: &[(String, Vec<String>)]) -> Result<()> {
    let joined: Vec<(String, String)> =
        rows.iter().map(|(f, e)| (f.clone(), e.join(","))).collect();
    write_tsv(&dir.join("effects.tsv"), &joined)
}

/// The effects of each image file, from `dir/effects.tsv` (empty when absent).
pub fn read_effects(dir: &Path) -> Result<std::collections::HashMap<PathBuf, Vec<String>>> {
    Ok(read_labels(&dir.join("effects.tsv"), "effect,effect")?
        .into_iter()
        .map(|(f, e)| (f, e.split(',').map(str::to_string).collect()))
        .collect())
}

/// `file<TAB>label` rows of `path` keyed by `dir/file` (empty when the file is absent).
fn read_labels(path: &Path, what: &str) -> Result<std::collections::HashMap<PathBuf, String>> {
    let Ok(content) = std::fs::read_to_string(path) else {
        return Ok(Default::default());
    };
    let dir = path.parent().unwrap_or(Path::new(""));
    content
        .lines()
        .filter(|l| !l.trim().is_empty())
        .enumerate()
        .map(|(n, line)| match line.split_once('\t') {
            Some((file, label)) => Ok((dir.join(file), label.to_string())),
            None => bail!("{}:{}: expected 'file<TAB>{what}'", path.display(), n + 1),
        })
        .collect()
}

fn write_tsv(path: &Path, rows: &[(String, String)]) -> Result<()> {
    let mut s = String::new();
    for (file, value) in rows {
        if value.contains(['\t', '\n', '\r']) {
            bail!("the entry of {file} holds a tab or newline");
        }
        s.push_str(file);
        s.push('\t');
        s.push_str(value);
        s.push('\n');
    }
    std::fs::write(path, s).with_context(|| format!("cannot write {}", path.display()))
}
