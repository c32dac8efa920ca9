//! Real modern English prose for synthesized lines: the paragraphs of installed documentation
//! (Debian packages: the Debian Administrator's Handbook, the Python documentation, the Debian
//! Reference), cut into sentences and cached. Fortune databases are reserved for evaluation and
//! refused as a source.

use super::corpus::to_charset;
use anyhow::{Context, Result, bail};
use scraper::{Html, Selector};
use sha2::{Digest, Sha256};
use std::path::{Path, PathBuf};

/// The prose sources: (Debian package, glob of its HTML files).
pub const SOURCES: &[(&str, &str)] = &[
    (
        "debian-handbook",
        "/usr/share/doc/debian-handbook/html/en-US/*.html",
    ),
    ("python3.11-doc", "/usr/share/doc/python3.11/html/**/*.html"),
    (
        "debian-reference-en",
        "/usr/share/debian-reference/*.en.html",
    ),
];

/// Refuses text reserved for evaluation: any fortune database.
pub fn check_source(path: &Path) -> Result<()> {
    if path.to_string_lossy().to_lowercase().contains("fortune") {
        bail!(
            "{} is a fortune database, reserved for evaluation, and may not be used for training",
            path.display()
        );
    }
    Ok(())
}

/// The sentences of an HTML page's paragraphs (`<p>`, never code, tables or menus).
pub fn sentences_of_html(html: &str) -> Vec<String> {
    let doc = Html::parse_document(html);
    let p = Selector::parse("p").expect("a valid selector");
    doc.select(&p)
        .flat_map(|e| sentences(&to_charset(&e.text().collect::<String>())))
        .collect()
}

/// Cuts a paragraph into sentences (at `.`, `?` or `!` followed by a space and a capital) and
/// keeps those that read as prose: 15 to 200 characters, mostly letters, not a shell line.
pub fn sentences(paragraph: &str) -> Vec<String> {
    let chars: Vec<char> = paragraph.chars().collect();
    let mut out = Vec::new();
    let mut start = 0;
    for i in 0..chars.len() {
        let end = matches!(chars[i], '.' | '?' | '!')
            && chars.get(i + 1) == Some(&' ')
            && chars.get(i + 2).is_some_and(|c| c.is_ascii_uppercase());
        if end || i + 1 == chars.len() {
            let s: String = chars[start..=i].iter().collect();
            let s = s.trim().to_string();
            if reads_as_prose(&s) {
                out.push(s);
            }
            start = i + 1;
        }
    }
    out
}

fn reads_as_prose(s: &str) -> bool {
    let n = s.chars().count();
    let letters = s
        .chars()
        .filter(|c| c.is_ascii_alphabetic() || *c == ' ')
        .count();
    (15..=200).contains(&n)
        && letters * 100 >= n * 85
        && s.split(' ').count() >= 4
        && !s.starts_with('$')
        && !s.contains(">>>")
}

/// The source files installed on this machine, sorted.
fn files() -> Result<Vec<PathBuf>> {
    let mut out = Vec::new();
    for (_, pattern) in SOURCES {
        for path in glob::glob(pattern)?.flatten() {
            check_source(&path)?;
            out.push(path);
        }
    }
    out.sort();
    Ok(out)
}

/// Every sentence of the installed sources, read from `cache` when it was made from the same
/// files (names and sizes), else extracted and written there. Empty when none is installed.
pub fn load(cache: &Path) -> Result<Vec<String>> {
    let files = files()?;
    if files.is_empty() {
        return Ok(Vec::new());
    }
    let mut h = Sha256::new();
    for f in &files {
        h.update(f.to_string_lossy().as_bytes());
        let len = std::fs::metadata(f)
            .with_context(|| format!("cannot read {}", f.display()))?
            .len();
        h.update(len.to_le_bytes());
    }
    let key = format!("# inkline prose cache {:x}", h.finalize());
    if let Ok(text) = std::fs::read_to_string(cache)
        && let Some(rest) = text.strip_prefix(&key)
    {
        return Ok(rest
            .lines()
            .filter(|l| !l.is_empty())
            .map(String::from)
            .collect());
    }
    let mut sentences: Vec<String> = Vec::new();
    for f in &files {
        let html = String::from_utf8_lossy(
            &std::fs::read(f).with_context(|| format!("cannot read {}", f.display()))?,
        )
        .into_owned();
        sentences.extend(sentences_of_html(&html));
    }
    sentences.sort();
    sentences.dedup();
    write_cache(cache, &format!("{key}\n{}\n", sentences.join("\n")))?;
    Ok(sentences)
}

/// Writes the cache atomically: to a temporary file unique to this process and call (tests load
/// the corpus from several threads at once), then renamed over `cache`.
fn write_cache(cache: &Path, text: &str) -> Result<()> {
    static CALLS: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    if let Some(dir) = cache.parent() {
        std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    }
    let call = CALLS.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let tmp = cache.with_extension(format!("tmp{}-{call}", std::process::id()));
    std::fs::write(&tmp, text).with_context(|| format!("cannot write {}", tmp.display()))?;
    std::fs::rename(&tmp, cache)
        .with_context(|| format!("cannot move {} to {}", tmp.display(), cache.display()))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paragraphs_become_sentences_and_code_is_left_out() {
        let html = "<html><body><p>The quick brown fox jumps over the lazy dog. \
            Is this a second sentence? Yes, it is a sentence too!</p>\
            <pre>for i in range(10): print(i)</pre><p>$ sudo apt-get install foo bar</p>\
            <p>x = [1, 2, 3]; y = {a: b} # code-like text here</p></body></html>";
        assert_eq!(
            sentences_of_html(html),
            [
                "The quick brown fox jumps over the lazy dog.",
                "Is this a second sentence?",
                "Yes, it is a sentence too!",
            ]
        );
    }

    #[test]
    fn fortune_databases_are_refused() {
        let err = check_source(Path::new("/usr/share/games/fortunes/literature"))
            .unwrap_err()
            .to_string();
        assert!(err.contains("reserved for evaluation"), "{err}");
        assert!(
            SOURCES
                .iter()
                .all(|(_, p)| check_source(Path::new(p)).is_ok())
        );
    }

    #[test]
    fn threads_writing_the_cache_at_once_all_succeed() {
        let dir = tempfile::tempdir().unwrap();
        let cache = dir.path().join("sub/prose-cache.txt");
        let writers: Vec<_> = (0..8)
            .map(|i| {
                let cache = cache.clone();
                std::thread::spawn(move || write_cache(&cache, &format!("# key\nline {i}\n")))
            })
            .collect();
        for w in writers {
            w.join().unwrap().unwrap();
        }
        let text = std::fs::read_to_string(&cache).unwrap();
        assert!(text.starts_with("# key\nline "), "{text}");
        assert_eq!(
            std::fs::read_dir(cache.parent().unwrap()).unwrap().count(),
            1
        );
    }
}
