//! Font discovery from the manifest, the train / validation / test split by family, and the
//! refusal of fonts reserved for evaluation.

use super::hershey::HersheyFont;
use crate::names::Named;
use anyhow::{Context, Result, bail};
use sha2::{Digest, Sha256};
use std::collections::{BTreeMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// What kind of writing a family stands for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, clap::ValueEnum)]
pub enum FontKind {
    /// Typefaces of documents and screens.
    Printed,
    /// Handwriting-style outline fonts.
    Handwriting,
    /// Single-line Hershey fonts drawn as pen strokes.
    Strokes,
}

/// Which part of the data a family belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, clap::ValueEnum)]
pub enum Split {
    /// Training data.
    Train,
    /// Validation during training (early stopping).
    Val,
    /// Held-out test sets.
    Test,
}

/// A loaded font file.
#[derive(Clone)]
pub enum FontData {
    /// An outline font (TrueType / OpenType).
    Outline {
        /// The font file's bytes.
        bytes: Arc<Vec<u8>>,
        /// Face index within the file.
        index: u32,
        /// Whether the font draws lowercase as capitals (its lines get upper-case text).
        caps_only: bool,
        /// Its x-height as a fraction of the em (0.2-0.7; 0.5 where the font does not say):
        /// lines are sized by it.
        x_height: f32,
    },
    /// A Hershey stroke font.
    Hershey(Arc<HersheyFont>),
}

/// A family with its files (regular, bold, italic...).
#[derive(Clone)]
pub struct Family {
    /// Family name from the manifest.
    pub name: String,
    /// Kind of writing.
    pub kind: FontKind,
    /// Style group (`print-casual`, `serif`, ...): families are split within their group.
    pub group: String,
    /// Split this family belongs to.
    pub split: Split,
    /// A display face (blackletter, ornamental): always trained on, never held out, because it
    /// does not stand for the unseen writing that validation and test measure.
    pub display: bool,
    /// The design team's cluster (`playwrite`, ...): a cluster's families share one split.
    pub cluster: Option<String>,
    /// The family this one was derived from (an EMS stroke font from its outline original): it
    /// takes that family's split, so a held-out design never trains in another form.
    pub derived_from: Option<String>,
    /// Loaded faces.
    pub faces: Vec<FontData>,
    /// The files of the faces.
    pub files: Vec<PathBuf>,
}

/// A font file the loader would not use, and why.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Refused {
    /// The file (or manifest path).
    pub file: String,
    /// Why: reserved for evaluation, or unreadable.
    pub reason: String,
}

/// The reserved evaluation fonts: SHA-256 of each file and family names.
pub struct Reserved {
    hashes: HashSet<String>,
    families: Vec<String>,
}

/// Families reserved for evaluation (`../shared/fonts.md`), matched ignoring case, spaces,
/// hyphens and underscores, as a prefix of the family name.
const RESERVED_FAMILIES: &[&str] = &[
    // The URW base 35 and every font derived from them.
    "Nimbus",
    "URW",
    "C059",
    "P052",
    "Z003",
    "TeX Gyre",
    "FreeSerif",
    "FreeSans",
    "FreeMono",
    // Reserved hands, from any package.
    "dkg",
    "DKG Handwriting",
    "Femkeklaver",
    "Ecolier",
    "Reenie Beanie",
    "La Belle Aurore",
    "Nanum",
    "Shadows Into Light",
    "Gochi Hand",
    // Reserved printed faces.
    "Lora",
    "IBM Plex Sans",
    "IBMPlexSans",
    // Reserved Hershey faces and their copies (hersheytext's Hershey Script / Sans).
    "Hershey scriptc",
    "Hershey cursive",
    "Hershey futuram",
    "Hershey Script Med",
    "Hershey Sans Med",
    "scriptc",
    "cursive",
    "futuram",
];

fn squash(s: &str) -> String {
    s.chars()
        .filter(|c| c.is_alphanumeric())
        .flat_map(char::to_lowercase)
        .collect()
}

impl Reserved {
    /// The project's list (`trainer/assets/reserved-fonts.sha256`) and family names.
    pub fn builtin() -> Self {
        Self::from_sha256_list(include_str!("../../assets/reserved-fonts.sha256"))
    }

    /// Reserved hashes from `sha256sum`-style text.
    pub fn from_sha256_list(text: &str) -> Self {
        Self {
            hashes: text
                .lines()
                .filter_map(|l| l.split_whitespace().next())
                .map(str::to_lowercase)
                .collect(),
            families: RESERVED_FAMILIES.iter().map(|f| squash(f)).collect(),
        }
    }

    /// Fails when the family name or the file's bytes are reserved for evaluation.
    pub fn check(&self, family: &str, path: &Path, bytes: &[u8]) -> Result<()> {
        let name = squash(family);
        if let Some(r) = self.families.iter().find(|r| name.starts_with(r.as_str())) {
            bail!(
                "font family '{family}' ({}) is reserved for evaluation (matches '{r}') and may not be used for training or validation",
                path.display()
            );
        }
        let hash = format!("{:x}", Sha256::digest(bytes));
        if self.hashes.contains(&hash) {
            bail!(
                "font file {} is reserved for evaluation (sha256 {hash}) and may not be used for training or validation",
                path.display()
            );
        }
        Ok(())
    }
}

/// Fonts committed in the repository, used where no font package is installed.
pub const EMBEDDED: &[(&str, &[u8])] = &[
    (
        "Cantarell-Regular.otf",
        include_bytes!("../../assets/fonts/Cantarell-Regular.otf"),
    ),
    (
        "LiberationSerif-Regular.ttf",
        include_bytes!("../../assets/fonts/LiberationSerif-Regular.ttf"),
    ),
    (
        "ComicNeue-Regular.otf",
        include_bytes!("../../assets/fonts/ComicNeue-Regular.otf"),
    ),
    (
        "DancingScript-Regular.otf",
        include_bytes!("../../assets/fonts/DancingScript-Regular.otf"),
    ),
    (
        "KaushanScript-Regular.otf",
        include_bytes!("../../assets/fonts/KaushanScript-Regular.otf"),
    ),
    (
        "Humor-Sans.ttf",
        include_bytes!("../../assets/fonts/Humor-Sans.ttf"),
    ),
    (
        "futural.jhf",
        include_bytes!("../../assets/fonts/futural.jhf"),
    ),
    (
        "scripts.jhf",
        include_bytes!("../../assets/fonts/scripts.jhf"),
    ),
];

/// The manifest committed with the trainer.
pub const MANIFEST: &str = include_str!("../../assets/fonts.tsv");

/// All usable families, by kind, and the files refused.
pub struct FontSet {
    /// Families in manifest order.
    pub families: Vec<Family>,
    /// Files refused: reserved for evaluation, or not readable as a font.
    pub refused: Vec<Refused>,
}

/// One manifest line.
struct Entry<'a> {
    kind: FontKind,
    family: &'a str,
    group: &'a str,
    pattern: &'a str,
    display: bool,
    cluster: Option<&'a str>,
    derived_from: Option<&'a str>,
}

fn parse_entry(n: usize, line: &str) -> Result<Entry<'_>> {
    let cols: Vec<&str> = line.split('\t').collect();
    let (kind, family, group, pattern, flags) = match cols[..] {
        [k, f, g, p] => (k, f, g, p, ""),
        [k, f, g, p, flags] => (k, f, g, p, flags),
        _ => bail!(
            "fonts manifest line {}: expected kind<TAB>family<TAB>group<TAB>path[<TAB>flags]",
            n + 1
        ),
    };
    let mut entry = Entry {
        kind: FontKind::parse_name(kind)?,
        family,
        group,
        pattern,
        display: false,
        cluster: None,
        derived_from: None,
    };
    for flag in flags.split(',').filter(|f| !f.is_empty()) {
        match flag.split_once(':') {
            None if flag == "display" => entry.display = true,
            Some(("cluster", name)) => entry.cluster = Some(name),
            Some(("derived", name)) => entry.derived_from = Some(name),
            _ => bail!(
                "fonts manifest line {}: unknown flag '{flag}' (expected 'display', 'cluster:NAME' or 'derived:FAMILY')",
                n + 1
            ),
        }
    }
    Ok(entry)
}

/// Reads a font file's bytes as a face: Hershey `.jhf`, an SVG stroke font, WOFF2 / WOFF
/// (decoded), or sfnt.
fn decode(path: &Path, bytes: Vec<u8>) -> Result<FontData> {
    let ext = path
        .extension()
        .map(|e| e.to_string_lossy().to_lowercase())
        .unwrap_or_default();
    if ext == "jhf" || ext == "svg" {
        let text =
            String::from_utf8(bytes).with_context(|| format!("{} is not text", path.display()))?;
        let font = if ext == "jhf" {
            HersheyFont::parse(&text)
        } else {
            HersheyFont::parse_svg(&text)
        };
        return Ok(FontData::Hershey(Arc::new(
            font.with_context(|| format!("cannot parse {}", path.display()))?,
        )));
    }
    let bytes = match ext.as_str() {
        "woff2" => wuff::decompress_woff2(&bytes)
            .map_err(|e| anyhow::anyhow!("cannot decode the WOFF2 file: {e:?}"))?,
        "woff" => wuff::decompress_woff1(&bytes)
            .map_err(|e| anyhow::anyhow!("cannot decode the WOFF file: {e:?}"))?,
        _ => bytes,
    };
    let Ok(face) = ttf_parser::Face::parse(&bytes, 0) else {
        bail!("not a font file");
    };
    let caps_only = caps_only(&face);
    let x_height = x_height_em(&face).unwrap_or(0.5).clamp(0.2, 0.7);
    Ok(FontData::Outline {
        bytes: Arc::new(bytes),
        index: 0,
        caps_only,
        x_height,
    })
}

/// The x-height of a face as a fraction of its em: the OS/2 value, else the height of `x`.
fn x_height_em(face: &ttf_parser::Face) -> Option<f32> {
    let em = f32::from(face.units_per_em());
    let x = face
        .x_height()
        .map(f32::from)
        .filter(|&v| v > 0.0)
        .or_else(|| {
            let b = face.glyph_bounding_box(face.glyph_index('x')?)?;
            Some(f32::from(b.y_max))
        })?;
    Some(x / em)
}

impl FontSet {
    /// Loads the manifest's families whose files exist (relative paths resolve against `root`).
    /// Reserved fonts (by family name or file hash) and unreadable files are refused, with
    /// the reason, and never loaded. `embedded:NAME` entries always load.
    pub fn load(manifest: &str, root: &Path, reserved: &Reserved) -> Result<Self> {
        // Families are keyed by kind and squashed name, so "PT Sans" from two packages is one family.
        let mut families: Vec<Family> = Vec::new();
        let mut index: BTreeMap<(FontKind, String), usize> = BTreeMap::new();
        let mut refused = Vec::new();
        for (n, line) in manifest.lines().enumerate() {
            let line = line.trim();
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            let e = parse_entry(n, line)?;
            for (path, bytes) in resolve(e.pattern, root)? {
                let face = reserved
                    .check(e.family, &path, &bytes)
                    .and_then(|()| decode(&path, bytes));
                let face = match face {
                    Ok(face) => face,
                    Err(err) => {
                        refused.push(Refused {
                            file: path.display().to_string(),
                            reason: format!("{err:#}"),
                        });
                        continue;
                    }
                };
                let key = (e.kind, squash(e.family));
                let i = *index.entry(key).or_insert_with(|| {
                    families.push(Family {
                        name: e.family.to_string(),
                        kind: e.kind,
                        group: e.group.to_string(),
                        split: Split::Train,
                        display: false,
                        cluster: None,
                        derived_from: None,
                        faces: Vec::new(),
                        files: Vec::new(),
                    });
                    families.len() - 1
                });
                let f = &mut families[i];
                f.display |= e.display;
                f.cluster = f.cluster.take().or(e.cluster.map(str::to_string));
                f.derived_from = f.derived_from.take().or(e.derived_from.map(str::to_string));
                f.faces.push(face);
                f.files.push(path);
            }
        }
        assign_splits(&mut families);
        Ok(Self { families, refused })
    }

    /// The default fonts: the committed manifest, reading system and npm fonts where installed.
    pub fn discover() -> Result<Self> {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
        Self::load(MANIFEST, &root, &Reserved::builtin())
    }

    /// Families of `kind` in `split`.
    pub fn select(&self, kind: FontKind, split: Split) -> Vec<&Family> {
        self.families
            .iter()
            .filter(|f| f.kind == kind && f.split == split)
            .collect()
    }
}

/// Whether a face draws lowercase as (small) capitals: its `x` is nearly as tall as its `X`,
/// or its `g`, `p` and `y` do not descend below the `x`. Such fonts get upper-case text, so
/// labels always match what is drawn.
pub fn caps_only(face: &ttf_parser::Face) -> bool {
    let upem = f32::from(face.units_per_em());
    let bbox = |c: char| face.glyph_index(c).and_then(|g| face.glyph_bounding_box(g));
    let (Some(x), Some(cap)) = (bbox('x'), bbox('X')) else {
        return false;
    };
    let x_height = f32::from(x.y_max) - f32::from(x.y_min);
    let cap_height = f32::from(cap.y_max) - f32::from(cap.y_min);
    let descends =
        |c: char| bbox(c).is_some_and(|b| f32::from(b.y_min) < f32::from(x.y_min) - 0.1 * upem);
    x_height >= 0.85 * cap_height || !(descends('g') || descends('p') || descends('y'))
}

/// Files matching a manifest path: `embedded:NAME`, or a glob (absolute, or relative to root).
fn resolve(pattern: &str, root: &Path) -> Result<Vec<(PathBuf, Vec<u8>)>> {
    if let Some(name) = pattern.strip_prefix("embedded:") {
        let Some((_, bytes)) = EMBEDDED.iter().find(|(n, _)| *n == name) else {
            bail!("no embedded font named {name}");
        };
        return Ok(vec![(PathBuf::from(pattern), bytes.to_vec())]);
    }
    let full = if Path::new(pattern).is_absolute() {
        PathBuf::from(pattern)
    } else {
        root.join(pattern)
    };
    let mut out = Vec::new();
    for entry in
        glob::glob(&full.to_string_lossy()).with_context(|| format!("bad glob {pattern}"))?
    {
        let path = entry?;
        let bytes =
            std::fs::read(&path).with_context(|| format!("cannot read {}", path.display()))?;
        out.push((path, bytes));
    }
    out.sort();
    Ok(out)
}

/// Splits each style group's families by a stable hash: about 10% test, 10% validation, the
/// rest training. A unit is a family, or a cluster of one design team's families (which share a
/// split). Each group's largest unit always trains (it is most of the group's data), and of the
/// others at least one is held out for test (two units or more) and one for validation (three
/// or more). Display faces always train; a derived family takes its original's split.
fn assign_splits(families: &mut [Family]) {
    // (kind, group) -> unit key -> family indices.
    let mut groups: BTreeMap<(FontKind, String), BTreeMap<String, Vec<usize>>> = BTreeMap::new();
    for (i, f) in families.iter().enumerate() {
        if f.display || f.derived_from.is_some() {
            continue;
        }
        let unit = f
            .cluster
            .as_ref()
            .map_or_else(|| squash(&f.name), |c| format!("cluster:{c}"));
        groups
            .entry((f.kind, f.group.clone()))
            .or_default()
            .entry(unit)
            .or_default()
            .push(i);
    }
    for units in groups.into_values() {
        let mut units: Vec<(String, Vec<usize>)> = units.into_iter().collect();
        // The largest unit trains (ties: the first by name); the rest go by hash.
        let largest = (0..units.len())
            .max_by_key(|&u| (units[u].1.len() > 1, units[u].1.len(), std::cmp::Reverse(u)))
            .filter(|&u| units[u].1.len() > 1);
        if let Some(u) = largest {
            units.remove(u);
        }
        units.sort_by_key(|(k, _)| Sha256::digest(k.as_bytes()).to_vec());
        let n = units.len();
        if n < 2 {
            continue;
        }
        let test = ((n as f64) * 0.1).round().max(1.0) as usize;
        let val = if n >= 3 { test } else { 0 };
        for (rank, (_, members)) in units.iter().enumerate() {
            let split = if rank < test {
                Split::Test
            } else if rank < test + val {
                Split::Val
            } else {
                Split::Train
            };
            for &i in members {
                families[i].split = split;
            }
        }
    }
    // Derived families follow their original (training when it is not in the set).
    for i in 0..families.len() {
        if let Some(original) = &families[i].derived_from {
            let key = squash(original);
            let split = families
                .iter()
                .find(|f| f.derived_from.is_none() && squash(&f.name) == key)
                .map_or(Split::Train, |f| f.split);
            families[i].split = split;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn embedded_only() -> String {
        MANIFEST
            .lines()
            .filter(|l| l.contains("embedded:"))
            .collect::<Vec<_>>()
            .join("\n")
    }

    #[test]
    fn embedded_fonts_load_and_every_kind_is_present() {
        let set = FontSet::load(
            &embedded_only(),
            Path::new("/nonexistent"),
            &Reserved::builtin(),
        )
        .unwrap();
        for kind in [FontKind::Printed, FontKind::Handwriting, FontKind::Strokes] {
            assert!(set.families.iter().any(|f| f.kind == kind), "{kind:?}");
        }
        assert_eq!(
            set.families.iter().map(|f| f.faces.len()).sum::<usize>(),
            EMBEDDED.len()
        );
    }

    #[test]
    fn caps_only_fonts_are_detected() {
        let face = |name: &str| EMBEDDED.iter().find(|(n, _)| *n == name).unwrap().1;
        for (name, caps) in [
            ("Humor-Sans.ttf", true),
            ("Cantarell-Regular.otf", false),
            ("DancingScript-Regular.otf", false),
        ] {
            let f = ttf_parser::Face::parse(face(name), 0).unwrap();
            assert_eq!(caps_only(&f), caps, "{name}");
        }
    }

    /// The refusal reasons of loading `manifest`, which loads no family.
    fn refusals(manifest: &str, reserved: &Reserved) -> Vec<String> {
        let set = FontSet::load(manifest, Path::new("."), reserved).unwrap();
        assert!(set.families.is_empty());
        set.refused.into_iter().map(|r| r.reason).collect()
    }

    #[test]
    fn reserved_family_names_are_refused() {
        let reserved = Reserved::builtin();
        for (kind, family, file) in [
            ("handwriting", "La Belle Aurore", "ComicNeue-Regular.otf"),
            ("handwriting", "Reenie Beanie", "ComicNeue-Regular.otf"),
            (
                "handwriting",
                "Shadows Into Light Two",
                "ComicNeue-Regular.otf",
            ),
            ("handwriting", "Nanum Brush Script", "ComicNeue-Regular.otf"),
            ("printed", "TeX Gyre Pagella", "Cantarell-Regular.otf"),
            ("printed", "FreeSerif", "Cantarell-Regular.otf"),
            ("printed", "Nimbus Sans Narrow", "Cantarell-Regular.otf"),
            ("printed", "URW Bookman", "Cantarell-Regular.otf"),
            ("strokes", "Hershey cursive", "futural.jhf"),
            ("strokes", "Hershey Script Med", "futural.jhf"),
        ] {
            let manifest = format!("{kind}\t{family}\tg\tembedded:{file}");
            let reasons = refusals(&manifest, &reserved);
            assert_eq!(reasons.len(), 1, "{family}");
            assert!(
                reasons[0].contains("reserved for evaluation"),
                "{family}: {reasons:?}"
            );
        }
        // Our own Hershey simplex script is not the reserved complex script.
        let ok = "strokes\tHershey scripts\tg\tembedded:scripts.jhf";
        let set = FontSet::load(ok, Path::new("."), &reserved).unwrap();
        assert_eq!((set.families.len(), set.refused.len()), (1, 0));
    }

    #[test]
    fn reserved_file_hashes_are_refused() {
        let bytes = EMBEDDED[0].1;
        let list = format!("{:x}  print/Whatever.otf\n", Sha256::digest(bytes));
        let reserved = Reserved::from_sha256_list(&list);
        let manifest = format!("printed\tInnocent Name\tsans\tembedded:{}", EMBEDDED[0].0);
        let reasons = refusals(&manifest, &reserved);
        assert!(reasons[0].contains("sha256"), "{reasons:?}");
    }

    #[test]
    fn project_list_holds_the_shared_reserved_hashes() {
        let r = Reserved::builtin();
        assert_eq!(r.hashes.len(), 97);
        // Lora Regular and Hershey cursive, from ../shared/reserved-fonts.sha256.
        assert!(
            r.hashes
                .contains("7ed00e7c9cdf16ab7e2fd2361fe45d4f0b61263cd60aae398b27b7ee08108827")
        );
        assert!(
            r.hashes
                .contains("9667a2c6424bc89f992738ff97de204a8580d92ef353e32b8014d9d7b106cd0b")
        );
        // TeX Gyre Pagella and FreeSerif, derived from the reserved URW fonts.
        for h in [
            "44e64260716d8f2bbe412baa1ee99b7c995190ac4573177c24def0b9200438c7",
            "12ee050384c99c97a6873708a3aebde3d795de8d8ed069b1a0e3274ab3e5be03",
        ] {
            assert!(r.hashes.contains(h), "{h}");
        }
    }

    #[test]
    fn display_faces_always_train_and_unknown_flags_are_refused() {
        let manifest = "strokes\tA\tg\tembedded:futural.jhf\n\
                        strokes\tB\tg\tembedded:scripts.jhf\n\
                        strokes\tC\tg\tembedded:futural.jhf\n\
                        strokes\tD\tg\tembedded:scripts.jhf\tdisplay\n";
        let none = Reserved::from_sha256_list("");
        let set = FontSet::load(manifest, Path::new("."), &none).unwrap();
        let d = set.families.iter().find(|f| f.name == "D").unwrap();
        assert!(d.display && d.split == Split::Train);
        let held: Vec<Split> = set
            .families
            .iter()
            .filter(|f| !f.display)
            .map(|f| f.split)
            .collect();
        assert_eq!(held.iter().filter(|s| **s == Split::Test).count(), 1);
        assert_eq!(held.iter().filter(|s| **s == Split::Val).count(), 1);
        let bad = "strokes\tA\tg\tembedded:futural.jhf\tbogus\n";
        let err = FontSet::load(bad, Path::new("."), &none)
            .err()
            .unwrap()
            .to_string();
        assert!(err.contains("unknown flag 'bogus'"), "{err}");
    }
}
