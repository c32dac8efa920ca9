//! Model file round trip and every error path a user can hit.

use inkline::burn::tensor::Device;
use inkline::internals::collect_weights;
use inkline::{
    Charset, CnnDblstm, ErrorKind, InklineError, ModelFile, Network, Precision, Preset, Provenance,
    TuckerRanks,
};
use safetensors::{SafeTensors, tensor::TensorView};
use std::collections::HashMap;

fn tiny_file(network: Network) -> ModelFile {
    let cs = Charset::printable_ascii();
    let config = Preset::Tiny.config(network, &cs);
    let model = CnnDblstm::new(&config, &Device::flex()).unwrap();
    let prov = Provenance {
        preset: "tiny".into(),
        stage: "test".into(),
        steps: 7,
        seed: 3,
        ..Default::default()
    };
    let mut f = ModelFile::new(model, config, &cs, prov);
    f.meta.metrics.insert("val_cer".into(), 12.5);
    f
}

/// The file's own checksum as the format documents it (`inkline::CHECKSUM_KEY`), written out
/// independently of the library: SHA-256 over each tensor by name (name length and name, dtype,
/// rank and shape, data length and data; lengths as u64 little-endian), then the metadata JSON.
fn checksum(tensors: &[(String, TensorView)], meta: &str) -> String {
    use sha2::Digest;
    let mut sorted: Vec<_> = tensors.iter().collect();
    sorted.sort_by_key(|(name, _)| name.clone());
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

/// Serializes `tensors` with metadata `md` and a checksum that matches them.
fn sealed(tensors: Vec<(String, TensorView)>, mut md: HashMap<String, String>) -> Vec<u8> {
    let sum = checksum(&tensors, &md["inkline"]);
    md.insert(inkline::CHECKSUM_KEY.into(), sum);
    safetensors::serialize(tensors, Some(md)).unwrap()
}

/// Rewrites a model file's tensors and metadata (with a matching checksum).
fn rewrite(
    bytes: &[u8],
    edit_meta: impl FnOnce(&mut serde_json::Value),
    keep: impl Fn(&str) -> bool,
) -> Vec<u8> {
    let st = SafeTensors::deserialize(bytes).unwrap();
    let (_, md) = SafeTensors::read_metadata(bytes).unwrap();
    let mut md = md.metadata().clone().unwrap();
    let mut v: serde_json::Value = serde_json::from_str(&md["inkline"]).unwrap();
    edit_meta(&mut v);
    md.insert("inkline".into(), v.to_string());
    let tensors: Vec<(String, TensorView)> =
        st.tensors().into_iter().filter(|(k, _)| keep(k)).collect();
    sealed(tensors, md)
}

/// The error of loading `bytes`, which must be of the model kind.
fn load_err(bytes: &[u8]) -> InklineError {
    let e = ModelFile::from_bytes(bytes, &Device::flex()).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Model, "{e}");
    e
}

#[test]
fn round_trip_keeps_weights_outputs_and_metadata() {
    for network in [
        Network::Vgg,
        Network::Darknet,
        Network::Tucker(TuckerRanks::V2),
    ] {
        let f = tiny_file(network);
        let bytes = f.to_bytes().unwrap();
        let g = ModelFile::from_bytes(&bytes, &Device::flex()).unwrap();
        assert_eq!(g.meta, f.meta);
        assert_eq!(collect_weights(&g.model), collect_weights(&f.model));
        assert_eq!(
            ModelFile::read_meta(&bytes).unwrap().metrics["val_cer"],
            12.5
        );
    }
}

#[test]
fn one_model_always_serializes_to_the_same_bytes() {
    // safetensors writes its metadata map in hash order; a shipped file must be reproducible.
    let f = tiny_file(Network::Darknet);
    let first = f.to_bytes().unwrap();
    for _ in 0..8 {
        assert!(
            f.to_bytes().unwrap() == first,
            "two saves of one model differ"
        );
        assert!(f.to_bytes_as(Precision::F16).unwrap() == f.to_bytes_as(Precision::F16).unwrap());
    }
    // The sorted header is still one that safetensors and the loader read.
    let g = ModelFile::from_bytes(&first, &Device::flex()).unwrap();
    assert_eq!(g.meta, f.meta);
}

#[test]
fn half_precision_halves_the_weights_and_keeps_them_to_three_digits() {
    let f = tiny_file(Network::Darknet);
    let full = f.to_bytes().unwrap();
    let half = f.to_bytes_as(Precision::F16).unwrap();
    let header = |b: &[u8]| 8 + u64::from_le_bytes(b[..8].try_into().unwrap()) as usize;
    assert_eq!(
        (half.len() - header(&half)) * 2,
        full.len() - header(&full),
        "f16 data is half the f32 data"
    );
    let g = ModelFile::from_bytes(&half, &Device::flex()).unwrap();
    assert_eq!(g.meta, f.meta);
    let (a, b) = (collect_weights(&f.model), collect_weights(&g.model));
    assert_eq!(a.keys().collect::<Vec<_>>(), b.keys().collect::<Vec<_>>());
    for (name, t) in &a {
        assert_eq!(t.shape, b[name].shape, "{name}");
        for (x, y) in t.values.iter().zip(&b[name].values) {
            assert!(
                (x - y).abs() <= 1e-3 * x.abs().max(1e-2),
                "{name}: {x} vs {y}"
            );
        }
    }
    // Other dtypes are refused by name.
    let st = SafeTensors::deserialize(&full).unwrap();
    let (_, md) = SafeTensors::read_metadata(&full).unwrap();
    let data = [0u8; 8];
    let mut tensors: Vec<(String, TensorView)> = st.tensors();
    tensors[0].1 = TensorView::new(safetensors::Dtype::F64, vec![1], &data).unwrap();
    let bytes = sealed(tensors, md.metadata().clone().unwrap());
    let e = load_err(&bytes);
    assert!(e.to_string().contains("inkline stores f32 or f16"), "{e}");
}

#[test]
fn save_and_load_from_disk() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("m.inkline");
    let f = tiny_file(Network::Darknet);
    f.save(&path).unwrap();
    let g = ModelFile::load(&path, &Device::flex()).unwrap();
    assert_eq!(g.meta.provenance.steps, 7);
    assert!(matches!(
        ModelFile::load(dir.path().join("nope"), &Device::flex()),
        Err(InklineError::Io(_))
    ));
}

#[test]
fn truncated_files_say_so() {
    let bytes = tiny_file(Network::Darknet).to_bytes().unwrap();
    for cut in [0, 5, 20, bytes.len() / 2, bytes.len() - 1] {
        let e = load_err(&bytes[..cut]);
        assert!(
            matches!(e, InklineError::TruncatedModel(_)),
            "cut {cut}: {e}"
        );
        assert!(e.to_string().starts_with("model file is truncated"), "{e}");
    }
}

#[test]
fn foreign_files_say_so() {
    let png = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\0\x01\0\0\0\x01\x08\x06\0\0\0";
    assert!(matches!(load_err(png), InklineError::ForeignFile(_)));
    assert!(matches!(
        load_err(b"hello, this is a text file, not a model"),
        InklineError::ForeignFile(_)
    ));
    // A valid safetensors file that is not an inkline model.
    let data = [0u8; 8];
    let plain = safetensors::serialize(
        vec![(
            "w".to_string(),
            TensorView::new(safetensors::Dtype::F32, vec![2], &data).unwrap(),
        )],
        None,
    )
    .unwrap();
    let e = load_err(&plain);
    assert!(e.to_string().contains("without inkline metadata"), "{e}");
}

#[test]
fn the_files_own_checksum_is_the_documented_one_and_catches_any_flipped_byte() {
    let f = tiny_file(Network::Darknet);
    let bytes = f.to_bytes_as(Precision::F16).unwrap();
    let st = SafeTensors::deserialize(&bytes).unwrap();
    let (_, md) = SafeTensors::read_metadata(&bytes).unwrap();
    let md = md.metadata().clone().unwrap();
    assert_eq!(
        md[inkline::CHECKSUM_KEY],
        checksum(&st.tensors(), &md["inkline"])
    );
    // A flipped bit in the last weight byte, and one in the metadata.
    let mut flipped = bytes.clone();
    *flipped.last_mut().unwrap() ^= 1;
    let e = load_err(&flipped);
    assert!(matches!(e, InklineError::CorruptModel(_)), "{e}");
    assert!(
        e.to_string()
            .starts_with("model file is corrupt: the file's own checksum says"),
        "{e}"
    );
    let renamed = rewrite(
        &bytes,
        |v| v["provenance"]["stage"] = "edited".into(),
        |_| true,
    );
    assert!(ModelFile::from_bytes(&renamed, &Device::flex()).is_ok());
    let (_, md2) = SafeTensors::read_metadata(&renamed).unwrap();
    let mut md2 = md2.metadata().clone().unwrap();
    md2.insert(
        "inkline".into(),
        md["inkline"].replace("\"test\"", "\"tent\""),
    );
    let st2 = SafeTensors::deserialize(&renamed).unwrap();
    let stale = safetensors::serialize(st2.tensors(), Some(md2)).unwrap();
    assert!(matches!(load_err(&stale), InklineError::CorruptModel(_)));
    // No checksum at all.
    let mut bare = md.clone();
    bare.remove(inkline::CHECKSUM_KEY);
    let e = load_err(&safetensors::serialize(st.tensors(), Some(bare)).unwrap());
    assert!(
        e.to_string().contains("has no 'content_sha256' entry"),
        "{e}"
    );
}

#[test]
fn version_1_files_are_refused_with_the_fix_and_upgrade_reads_them() {
    let f = tiny_file(Network::Darknet);
    let bytes = f.to_bytes().unwrap();
    let st = SafeTensors::deserialize(&bytes).unwrap();
    let (_, md) = SafeTensors::read_metadata(&bytes).unwrap();
    let mut md = md.metadata().clone().unwrap();
    md.remove(inkline::CHECKSUM_KEY);
    let mut v: serde_json::Value = serde_json::from_str(&md["inkline"]).unwrap();
    v["format_version"] = 1.into();
    md.insert("inkline".into(), v.to_string());
    let old = safetensors::serialize(st.tensors(), Some(md)).unwrap();
    let e = load_err(&old);
    assert!(
        e.to_string().contains("version 1 carries no checksum")
            && e.to_string().contains("trainer convert"),
        "{e}"
    );
    let up = ModelFile::upgrade(&old, &Device::flex()).unwrap();
    assert_eq!(up.meta.format_version, 1);
    let again = ModelFile::from_bytes(&up.to_bytes().unwrap(), &Device::flex()).unwrap();
    assert_eq!(again.meta.format_version, inkline::FORMAT_VERSION);
    assert_eq!(collect_weights(&again.model), collect_weights(&f.model));
}

#[test]
fn unknown_architecture_is_named() {
    let bytes = tiny_file(Network::Darknet).to_bytes().unwrap();
    let bad = rewrite(&bytes, |v| v["config"]["arch"] = "resnet".into(), |_| true);
    let e = load_err(&bad);
    assert!(
        matches!(e, InklineError::UnknownName { what: "model architecture", ref name, .. } if name == "resnet"),
        "{e}"
    );
}

#[test]
fn shape_mismatch_names_the_tensor() {
    let bytes = tiny_file(Network::Darknet).to_bytes().unwrap();
    let bad = rewrite(&bytes, |v| v["config"]["feature_dim"] = 24.into(), |_| true);
    match load_err(&bad) {
        InklineError::ShapeMismatch {
            name,
            expected,
            found,
        } => {
            assert_eq!(name, "cnn.proj.weight");
            assert_eq!(expected, vec![24, 16, 1, 1]);
            assert_eq!(found, vec![32, 16, 1, 1]);
        }
        e => panic!("expected a shape mismatch, got: {e}"),
    }
}

#[test]
fn missing_and_extra_tensors_are_reported() {
    let bytes = tiny_file(Network::Darknet).to_bytes().unwrap();
    let missing = rewrite(&bytes, |_| {}, |k| k != "head.ip.bias");
    let e = load_err(&missing);
    assert!(matches!(e, InklineError::WeightsMismatch(_)), "{e}");
    assert!(e.to_string().contains("'head.ip.bias'"), "{e}");
    // A VGG file's tensors under a DarkNet config: names differ.
    let vgg = tiny_file(Network::Vgg).to_bytes().unwrap();
    let e = load_err(&rewrite(
        &vgg,
        |v| {
            v["config"]["cnn"] = serde_json::json!([
                {"conv3x3": 4}, {"pool": [2, 2]}, {"conv3x3": 8}, {"pool": [2, 2]}, {"pool": [2, 1]}, {"pool": [2, 1]}
            ])
        },
        |_| true,
    ));
    assert!(
        matches!(
            e,
            InklineError::ShapeMismatch { .. } | InklineError::WeightsMismatch(_)
        ),
        "{e}"
    );
}

#[test]
fn charset_mismatch_is_explained() {
    let bytes = tiny_file(Network::Darknet).to_bytes().unwrap();
    let bad = rewrite(&bytes, |v| v["charset"] = "abc".into(), |_| true);
    let e = load_err(&bad);
    assert!(matches!(e, InklineError::CharsetMismatch(_)), "{e}");
    assert!(
        e.to_string().contains("4 classes") && e.to_string().contains("96 classes"),
        "{e}"
    );
}

#[test]
fn metadata_marks_the_format() {
    // The metadata is a plain string map, as the safetensors format requires.
    let bytes = tiny_file(Network::Darknet).to_bytes().unwrap();
    let (_, md) = SafeTensors::read_metadata(&bytes).unwrap();
    let md: &HashMap<String, String> = md.metadata().as_ref().unwrap();
    assert_eq!(md["format"], "inkline-model");
}
