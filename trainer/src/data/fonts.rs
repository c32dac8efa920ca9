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
    /// Split this family belongs to.
    pub split: Split,
    /// A display face (blackletter, ornamental): always trained on, never held out, because it
    /// does not stand for the unseen writing that validation and test measure.
    pub display: bool,
    /// Loaded faces.
    pub faces: Vec<FontData>,
}

/// The reserved evaluation fonts: SHA-256 of each file and family names.
pub struct Reserved {
    hashes: HashSet<String>,
    families: Vec<String>,
}

/// Families reserved for evaluation (`../shared/fonts.md`), matched ignoring case, spaces,
/// hyphens and underscores, as a prefix of the family name.
const RESERVED_FAMILIES: &[&str] = &[
    "Nimbus Roman",
    "Nimbus Sans",
    "Nimbus Mono",
    "URW Bookman",
    "URW Gothic",
    "C059",
    "P052",
    "Z003",
    "dkg",
    "DKG Handwriting",
    "Femkeklaver",
    "Ecolier",
    "Lora",
    "IBM Plex Sans",
    "IBMPlexSans",
    "Reenie Beanie",
    "La Belle Aurore",
    "Nanum Pen Script",
    "Shadows Into Light",
    "Gochi Hand",
    "Hershey scriptc",
    "Hershey cursive",
    "Hershey futuram",
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

/// All usable families, by kind.
pub struct FontSet {
    /// Families in manifest order.
    pub families: Vec<Family>,
}

impl FontSet {
    /// Loads the manifest's families whose files exist (relative paths resolve against `root`),
    /// refusing reserved fonts. `embedded:NAME` entries always load.
    pub fn load(manifest: &str, root: &Path, reserved: &Reserved) -> Result<Self> {
        // Families are keyed by kind and squashed name, so "PT Sans" from two packages is one family.
        let mut by_family: BTreeMap<(FontKind, String), Vec<FontData>> = BTreeMap::new();
        let mut order: Vec<((FontKind, String), String)> = Vec::new();
        let mut display: std::collections::HashSet<(FontKind, String)> = Default::default();
        for (n, line) in manifest.lines().enumerate() {
            let line = line.trim();
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            let cols: Vec<&str> = line.split('\t').collect();
            let (kind, family, pattern, flag) = match cols[..] {
                [k, f, p] => (k, f, p, None),
                [k, f, p, flag] => (k, f, p, Some(flag)),
                _ => bail!(
                    "fonts manifest line {}: expected kind<TAB>family<TAB>path[<TAB>display]",
                    n + 1
                ),
            };
            let kind = FontKind::parse_name(kind)?;
            match flag {
                None => {}
                Some("display") => {
                    display.insert((kind, squash(family)));
                }
                Some(other) => bail!(
                    "fonts manifest line {}: unknown flag '{other}' (expected 'display')",
                    n + 1
                ),
            }
            for (path, bytes) in resolve(pattern, root)? {
                reserved.check(family, &path, &bytes)?;
                let data = if path.extension().is_some_and(|e| e == "jhf") {
                    let text = String::from_utf8(bytes)
                        .with_context(|| format!("{} is not text", path.display()))?;
                    FontData::Hershey(Arc::new(
                        HersheyFont::parse(&text)
                            .with_context(|| format!("cannot parse {}", path.display()))?,
                    ))
                } else {
                    let Ok(face) = ttf_parser::Face::parse(&bytes, 0) else {
                        bail!("{} is not a font file", path.display());
                    };
                    let caps = caps_only(&face);
                    FontData::Outline {
                        bytes: Arc::new(bytes),
                        index: 0,
                        caps_only: caps,
                    }
                };
                let key = (kind, squash(family));
                if !by_family.contains_key(&key) {
                    order.push((key.clone(), family.to_string()));
                }
                by_family.entry(key).or_default().push(data);
            }
        }
        let mut families: Vec<Family> = order
            .into_iter()
            .map(|(key, name)| {
                let faces = by_family.remove(&key).unwrap_or_default();
                Family {
                    name,
                    kind: key.0,
                    split: Split::Train,
                    display: display.contains(&key),
                    faces,
                }
            })
            .collect();
        assign_splits(&mut families);
        Ok(Self { families })
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

/// Splits each kind's families by a stable hash of their names: about 10% test, 10% validation
/// (at least one each when a kind has three or more families), the rest training. Display
/// faces always train.
fn assign_splits(families: &mut [Family]) {
    for kind in [FontKind::Printed, FontKind::Handwriting, FontKind::Strokes] {
        let mut idx: Vec<usize> = (0..families.len())
            .filter(|&i| families[i].kind == kind && !families[i].display)
            .collect();
        idx.sort_by_key(|&i| {
            (
                Sha256::digest(squash(&families[i].name).as_bytes()).to_vec(),
                i,
            )
        });
        let n = idx.len();
        if n < 3 {
            continue;
        }
        let held = (n / 10).max(1);
        for (rank, &i) in idx.iter().enumerate() {
            families[i].split = if rank < held {
                Split::Test
            } else if rank < 2 * held {
                Split::Val
            } else {
                Split::Train
            };
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

    #[test]
    fn reserved_family_names_are_refused() {
        let manifest = "handwriting\tLa Belle Aurore\tembedded:ComicNeue-Regular.otf";
        let err = FontSet::load(manifest, Path::new("."), &Reserved::builtin())
            .err()
            .unwrap()
            .to_string();
        assert!(err.contains("reserved for evaluation"), "{err}");
        let manifest = "strokes\tHershey cursive\tembedded:futural.jhf";
        assert!(FontSet::load(manifest, Path::new("."), &Reserved::builtin()).is_err());
    }

    #[test]
    fn reserved_file_hashes_are_refused() {
        let bytes = EMBEDDED[0].1;
        let list = format!("{:x}  print/Whatever.otf\n", Sha256::digest(bytes));
        let reserved = Reserved::from_sha256_list(&list);
        let manifest = format!("printed\tInnocent Name\tembedded:{}", EMBEDDED[0].0);
        let err = FontSet::load(&manifest, Path::new("."), &reserved)
            .err()
            .unwrap()
            .to_string();
        assert!(err.contains("sha256"), "{err}");
    }

    #[test]
    fn project_list_holds_the_shared_reserved_hashes() {
        let r = Reserved::builtin();
        assert_eq!(r.hashes.len(), 52);
        // Lora Regular and Hershey cursive, from ../shared/reserved-fonts.sha256.
        assert!(
            r.hashes
                .contains("7ed00e7c9cdf16ab7e2fd2361fe45d4f0b61263cd60aae398b27b7ee08108827")
        );
        assert!(
            r.hashes
                .contains("9667a2c6424bc89f992738ff97de204a8580d92ef353e32b8014d9d7b106cd0b")
        );
    }

    #[test]
    fn display_faces_always_train_and_unknown_flags_are_refused() {
        let manifest = "strokes\tA\tembedded:futural.jhf\n\
                        strokes\tB\tembedded:scripts.jhf\n\
                        strokes\tC\tembedded:futural.jhf\n\
                        strokes\tD\tembedded:scripts.jhf\tdisplay\n";
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
        let bad = "strokes\tA\tembedded:futural.jhf\tbogus\n";
        let err = FontSet::load(bad, Path::new("."), &none)
            .err()
            .unwrap()
            .to_string();
        assert!(err.contains("unknown flag 'bogus'"), "{err}");
    }
}
