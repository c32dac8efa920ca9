//! The model file: one safetensors file holding the weights (`weights`: named tensor access)
//! and, in its metadata, the architecture, charset, provenance and validation metrics, and a
//! SHA-256 of all of that ([`CHECKSUM_KEY`]), verified on every load: a flipped byte anywhere
//! in the weights or the metadata is refused even when no outside checksum is given.

pub mod weights;

use crate::charset::Charset;
use crate::error::{InklineError, Result};
use crate::model::{Arch, CnnDblstm, ModelConfig};
use burn::tensor::Device;
use safetensors::{Dtype, SafeTensors, tensor::TensorView};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashMap};
use std::path::Path;
use weights::NamedTensor;

/// Value of the `format` metadata key that marks an inkline model.
pub const FORMAT: &str = "inkline-model";
/// Version of the metadata layout this build writes and reads (2: with [`CHECKSUM_KEY`]).
pub const FORMAT_VERSION: u32 = 2;

/// Metadata key of the file's own checksum: SHA-256 (hex) of every tensor (name, dtype,
/// shape, bytes; by name) and the inkline metadata.
pub const CHECKSUM_KEY: &str = "content_sha256";

/// Whether a load verifies the file's own checksum or also reads files written before it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Checks {
    /// Current files only, checksum verified.
    Verified,
    /// Also format version 1 (no checksum), for `trainer convert` to rewrite.
    AllowUnchecked,
}

/// SHA-256 of model bytes as lower-case hex, as recorded in a package manifest.
pub fn sha256_hex(bytes: &[u8]) -> String {
    use sha2::Digest;
    sha2::Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// How a model file stores its weights (they are f32 in memory either way).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Precision {
    /// 32-bit floats: exactly the trained weights.
    #[default]
    F32,
    /// 16-bit floats (IEEE half): half the size, ~3 significant digits.
    F16,
}

crate::names::serde_names!(Precision, "weight precision", [F32, F16]);

/// How a model was trained.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Provenance {
    /// Preset name (`paper`, `small`, `tiny`).
    pub preset: String,
    /// Training stage that produced it (`teacher`, `distill:cnn-mah`, `finetune`, ...).
    pub stage: String,
    /// Optimizer steps taken in this stage.
    pub steps: u64,
    /// Random seed.
    pub seed: u64,
    /// Training data description.
    pub data: String,
    /// The model this one was derived from, if any.
    pub parent: Option<String>,
    /// The command that produced it.
    pub command: String,
}

/// Everything in a model file except the weights.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ModelMeta {
    /// Metadata layout version.
    pub format_version: u32,
    /// Architecture.
    pub config: ModelConfig,
    /// Characters of classes 1.. (class 0 is the blank).
    pub charset: String,
    /// How it was trained.
    pub provenance: Provenance,
    /// Validation metrics by name (e.g. `val_cer_printed`).
    pub metrics: BTreeMap<String, f64>,
}

/// A model and its metadata.
#[derive(Debug)]
pub struct ModelFile {
    /// Metadata.
    pub meta: ModelMeta,
    /// The network.
    pub model: CnnDblstm,
    /// How the file it was read from stored the weights (f32 for a new model).
    pub precision: Precision,
}

impl ModelFile {
    /// Pairs a model with its metadata.
    pub fn new(
        model: CnnDblstm,
        config: ModelConfig,
        charset: &Charset,
        provenance: Provenance,
    ) -> Self {
        Self {
            meta: ModelMeta {
                format_version: FORMAT_VERSION,
                config,
                charset: charset.as_string(),
                provenance,
                metrics: BTreeMap::new(),
            },
            model,
            precision: Precision::F32,
        }
    }

    /// The charset stored in the metadata.
    pub fn charset(&self) -> Result<Charset> {
        Charset::from_chars(self.meta.charset.chars())
    }

    /// Serializes weights (f32) and metadata.
    pub fn to_bytes(&self) -> Result<Vec<u8>> {
        self.to_bytes_as(Precision::F32)
    }

    /// Serializes weights at `precision` and metadata.
    pub fn to_bytes_as(&self, precision: Precision) -> Result<Vec<u8>> {
        let tensors = weights::collect(&self.model);
        let bytes: Vec<(String, Vec<u8>, Vec<usize>)> = tensors
            .into_iter()
            .map(|(k, t)| {
                let b = match precision {
                    Precision::F32 => t.values.iter().flat_map(|v| v.to_le_bytes()).collect(),
                    Precision::F16 => t
                        .values
                        .iter()
                        .flat_map(|&v| half::f16::from_f32(v).to_le_bytes())
                        .collect(),
                };
                (k, b, t.shape)
            })
            .collect();
        let dtype = match precision {
            Precision::F32 => Dtype::F32,
            Precision::F16 => Dtype::F16,
        };
        let views = bytes
            .iter()
            .map(|(k, b, s)| {
                TensorView::new(dtype, s.clone(), b)
                    .map(|v| (k.clone(), v))
                    .map_err(|e| InklineError::InvalidConfig(e.to_string()))
            })
            .collect::<Result<Vec<_>>>()?;
        let meta = ModelMeta {
            format_version: FORMAT_VERSION,
            ..self.meta.clone()
        };
        let meta =
            serde_json::to_string(&meta).map_err(|e| InklineError::InvalidConfig(e.to_string()))?;
        let checksum = content_sha256(views.iter().map(|(k, v)| (k.as_str(), v)), &meta);
        let info = HashMap::from([
            ("format".to_string(), FORMAT.to_string()),
            ("inkline".to_string(), meta),
            (CHECKSUM_KEY.to_string(), checksum),
        ]);
        safetensors::serialize(views, Some(info))
            .map(sorted_header)
            .map_err(|e| InklineError::InvalidConfig(e.to_string()))
    }

    /// Reads metadata only (no weights are built).
    pub fn read_meta(bytes: &[u8]) -> Result<ModelMeta> {
        check_header(bytes)?;
        let (_, md) = SafeTensors::read_metadata(bytes).map_err(map_st_error)?;
        parse_meta(md.metadata().as_ref(), Checks::AllowUnchecked)
    }

    /// Parses a model file, verifies its checksum and builds the model on `device`.
    pub fn from_bytes(bytes: &[u8], device: &Device) -> Result<Self> {
        Self::parse(bytes, device, Checks::Verified)
    }

    /// Like [`ModelFile::from_bytes`], also reading files of format version 1 (written before
    /// files carried a checksum), so that they can be saved again in the current format.
    pub fn upgrade(bytes: &[u8], device: &Device) -> Result<Self> {
        Self::parse(bytes, device, Checks::AllowUnchecked)
    }

    fn parse(bytes: &[u8], device: &Device, checks: Checks) -> Result<Self> {
        check_header(bytes)?;
        let st = SafeTensors::deserialize(bytes).map_err(map_st_error)?;
        let (_, md) = SafeTensors::read_metadata(bytes).map_err(map_st_error)?;
        let md = md.metadata().clone();
        let meta = parse_meta(md.as_ref(), checks)?;
        // `parse_meta` refuses version 1 unless asked to read it; every later one is verified.
        if let Some(md) = &md
            && meta.format_version >= 2
        {
            verify_checksum(&st, md)?;
        }
        let charset = Charset::from_chars(meta.charset.chars())?;
        if charset.num_classes() != meta.config.num_classes {
            return Err(InklineError::CharsetMismatch(format!(
                "the charset has {} characters + blank = {} classes, but the model outputs {} classes",
                charset.chars().len(),
                charset.num_classes(),
                meta.config.num_classes
            )));
        }
        let mut tensors = BTreeMap::new();
        let mut precision = Precision::F32;
        for (name, view) in st.tensors() {
            if view.dtype() == Dtype::F16 {
                precision = Precision::F16;
            }
            let values = match view.dtype() {
                Dtype::F32 => view
                    .data()
                    .chunks_exact(4)
                    .map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]]))
                    .collect(),
                Dtype::F16 => view
                    .data()
                    .chunks_exact(2)
                    .map(|b| half::f16::from_le_bytes([b[0], b[1]]).to_f32())
                    .collect(),
                other => {
                    return Err(InklineError::ForeignFile(format!(
                        "tensor '{name}' is {other:?}; inkline stores f32 or f16"
                    )));
                }
            };
            tensors.insert(
                name,
                NamedTensor {
                    shape: view.shape().to_vec(),
                    values,
                },
            );
        }
        let model = CnnDblstm::new(&meta.config, device)?;
        let model = weights::apply(model, &tensors)?;
        Ok(Self {
            meta,
            model,
            precision,
        })
    }

    /// Loads a model file from disk.
    pub fn load(path: impl AsRef<Path>, device: &Device) -> Result<Self> {
        Self::from_bytes(&std::fs::read(path)?, device)
    }

    /// Writes the model file (f32 weights) atomically (temporary file, then rename).
    pub fn save(&self, path: impl AsRef<Path>) -> Result<()> {
        self.save_as(path, Precision::F32)
    }

    /// Writes the model file with weights at `precision`, atomically.
    pub fn save_as(&self, path: impl AsRef<Path>, precision: Precision) -> Result<()> {
        let path = path.as_ref();
        let tmp = path.with_extension("tmp");
        std::fs::write(&tmp, self.to_bytes_as(precision)?)?;
        std::fs::rename(&tmp, path)?;
        Ok(())
    }
}

/// The file's own checksum over `tensors` (name, view) and the metadata JSON `meta`.
fn content_sha256<'a>(
    tensors: impl Iterator<Item = (&'a str, &'a TensorView<'a>)>,
    meta: &str,
) -> String {
    use sha2::Digest;
    let mut sorted: Vec<_> = tensors.collect();
    sorted.sort_by_key(|(name, _)| *name);
    let mut h = sha2::Sha256::new();
    for (name, view) in sorted {
        h.update((name.len() as u64).to_le_bytes());
        h.update(name.as_bytes());
        h.update(format!("{:?}", view.dtype()).as_bytes());
        h.update((view.shape().len() as u64).to_le_bytes());
        for &d in view.shape() {
            h.update((d as u64).to_le_bytes());
        }
        h.update((view.data().len() as u64).to_le_bytes());
        h.update(view.data());
    }
    h.update(meta.as_bytes());
    h.finalize().iter().map(|b| format!("{b:02x}")).collect()
}

/// Fails unless the file's tensors and metadata hash to its stored checksum.
fn verify_checksum(st: &SafeTensors, md: &HashMap<String, String>) -> Result<()> {
    let stored = md.get(CHECKSUM_KEY).ok_or_else(|| {
        InklineError::CorruptModel(format!("its metadata has no '{CHECKSUM_KEY}' entry"))
    })?;
    let meta = md.get("inkline").map(String::as_str).unwrap_or_default();
    let views = st.tensors();
    let actual = content_sha256(views.iter().map(|(k, v)| (k.as_str(), v)), meta);
    if !stored.eq_ignore_ascii_case(&actual) {
        return Err(InklineError::CorruptModel(format!(
            "the file's own checksum says {stored}, its contents hash to {actual} (damaged in transfer or storage?)"
        )));
    }
    Ok(())
}

/// Distinguishes a cut-off inkline file from bytes of another format before parsing.
fn check_header(bytes: &[u8]) -> Result<()> {
    if bytes.len() < 8 {
        return Err(InklineError::TruncatedModel(format!(
            "{} bytes; even the header length needs 8",
            bytes.len()
        )));
    }
    let n = u64::from_le_bytes(bytes[..8].try_into().expect("8 bytes"));
    if n > 100_000_000 || bytes.get(8).is_some_and(|&b| b != b'{') {
        return Err(InklineError::ForeignFile(
            "the bytes do not start with a safetensors header".into(),
        ));
    }
    if 8 + n > bytes.len() as u64 {
        return Err(InklineError::TruncatedModel(format!(
            "the header announces {n} bytes but only {} follow",
            bytes.len() - 8
        )));
    }
    Ok(())
}

fn map_st_error(e: safetensors::SafeTensorError) -> InklineError {
    use safetensors::SafeTensorError as E;
    match e {
        E::MetadataIncompleteBuffer | E::InvalidHeaderLength | E::HeaderTooSmall => {
            InklineError::TruncatedModel(format!("the tensor data is incomplete ({e})"))
        }
        other => InklineError::ForeignFile(format!("unreadable safetensors data ({other})")),
    }
}

fn parse_meta(md: Option<&HashMap<String, String>>, checks: Checks) -> Result<ModelMeta> {
    let md = md.ok_or_else(|| {
        InklineError::ForeignFile("a safetensors file without inkline metadata".into())
    })?;
    if md.get("format").map(String::as_str) != Some(FORMAT) {
        return Err(InklineError::ForeignFile(
            "a safetensors file whose metadata does not say format=inkline-model".into(),
        ));
    }
    let raw = md
        .get("inkline")
        .ok_or_else(|| InklineError::ForeignFile("the inkline metadata entry is missing".into()))?;
    let value: serde_json::Value = serde_json::from_str(raw)
        .map_err(|e| InklineError::ForeignFile(format!("metadata is not JSON ({e})")))?;
    let version = value
        .get("format_version")
        .and_then(|v| v.as_u64())
        .unwrap_or(0);
    if version == 1 && checks == Checks::Verified {
        return Err(InklineError::ForeignFile(format!(
            "model format version 1 carries no checksum; this build reads version {FORMAT_VERSION} (rewrite it: trainer convert --model FILE --out NEW)"
        )));
    }
    if version != u64::from(FORMAT_VERSION) && version != 1 {
        return Err(InklineError::ForeignFile(format!(
            "model format version {version}; this build reads version {FORMAT_VERSION}"
        )));
    }
    if let Some(arch) = value.pointer("/config/arch").and_then(|v| v.as_str()) {
        arch.parse::<Arch>()?;
    }
    serde_json::from_value(value)
        .map_err(|e| InklineError::ForeignFile(format!("metadata is incomplete ({e})")))
}

/// The same safetensors bytes with the JSON header's keys in sorted order: safetensors writes
/// its metadata map in hash order, so one model would otherwise serialize to different bytes
/// on every save. The header keeps its length (same entries, compact JSON); anything
/// unexpected leaves the bytes as they are.
fn sorted_header(mut bytes: Vec<u8>) -> Vec<u8> {
    let Some(n) = bytes
        .get(..8)
        .and_then(|b| <[u8; 8]>::try_from(b).ok())
        .map(u64::from_le_bytes)
        .and_then(|n| usize::try_from(n).ok())
    else {
        return bytes;
    };
    let Some(header) = bytes.get(8..8 + n) else {
        return bytes;
    };
    let json = header.trim_ascii_end();
    let sorted = serde_json::from_slice::<serde_json::Value>(json)
        .ok()
        .and_then(|v| serde_json::to_vec(&v).ok());
    if let Some(sorted) = sorted.filter(|s| s.len() == json.len()) {
        bytes[8..8 + sorted.len()].copy_from_slice(&sorted);
    }
    bytes
}
