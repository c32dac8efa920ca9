//! Datasets on disk: a folder of images plus `gt.tsv` (`file<TAB>text`, UTF-8), and for
//! synthesized sets `families.tsv` (`file<TAB>font family`) for per-family results.

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
    let path = dir.join("families.tsv");
    let Ok(content) = std::fs::read_to_string(&path) else {
        return Ok(Default::default());
    };
    content
        .lines()
        .filter(|l| !l.trim().is_empty())
        .enumerate()
        .map(|(n, line)| match line.split_once('\t') {
            Some((file, family)) => Ok((dir.join(file), family.to_string())),
            None => bail!("{}:{}: expected 'file<TAB>family'", path.display(), n + 1),
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
