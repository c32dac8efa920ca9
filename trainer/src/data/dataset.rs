//! Datasets on disk: a folder of images plus `gt.tsv` (`file<TAB>text`, UTF-8).

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
    let mut s = String::new();
    for (file, text) in rows {
        if text.contains(['\t', '\n', '\r']) {
            bail!("text of {file} holds a tab or newline");
        }
        s.push_str(file);
        s.push('\t');
        s.push_str(text);
        s.push('\n');
    }
    std::fs::write(dir.join("gt.tsv"), s)
        .with_context(|| format!("cannot write {}/gt.tsv", dir.display()))
}
