//! The trainer's command line, driven as a user would.

mod common;

use common::trainer;
use std::path::Path;
use std::process::Command;

/// A white PNG with dark bars standing in for words.
fn write_png(path: &Path, w: u32, h: u32, bars: &[(u32, u32, u32, u32)]) {
    let mut img = image::GrayImage::from_pixel(w, h, image::Luma([250]));
    for &(x, y, bw, bh) in bars {
        for yy in y..y + bh {
            for xx in x..x + bw {
                img.put_pixel(xx, yy, image::Luma([20]));
            }
        }
    }
    img.save(path).unwrap();
}

fn norm(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

#[test]
fn init_recognize_json_and_eval_with_known_cer() {
    let dir = tempfile::tempdir().unwrap();
    let model = dir.path().join("tiny.inkline");
    trainer(&[
        "init",
        "--preset",
        "tiny",
        "--arch",
        "darknet",
        "--out",
        model.to_str().unwrap(),
    ]);
    let data = dir.path().join("data");
    std::fs::create_dir(&data).unwrap();
    let mut names = Vec::new();
    for i in 0..3u32 {
        let name = format!("line{i}.png");
        write_png(
            &data.join(&name),
            200,
            40,
            &[(10, 10, 30 + 20 * i, 18), (80 + 10 * i, 12, 40, 16)],
        );
        names.push(name);
    }
    // Predictions of the (untrained) model, read back through --json.
    let paths: Vec<String> = names
        .iter()
        .map(|n| data.join(n).to_str().unwrap().to_string())
        .collect();
    let mut args = vec!["recognize", "--json", "--model", model.to_str().unwrap()];
    args.extend(paths.iter().map(String::as_str));
    let out = trainer(&args);
    let preds: Vec<serde_json::Value> = out
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(preds.len(), 3);
    for p in &preds {
        for key in ["file", "text", "confidence", "lines"] {
            assert!(p.get(key).is_some(), "missing {key} in {p}");
        }
        for key in ["preprocessMs", "inferenceMs", "decodeMs", "totalMs"] {
            assert!(p["timing"][key].as_f64().unwrap() >= 0.0);
        }
        assert_eq!(p["lines"].as_array().unwrap().len(), 1);
    }
    // What the model reads: one line image per line found, at the model's input height.
    let seen = dir.path().join("seen");
    let mut args = vec!["recognize", "--model", model.to_str().unwrap(), "--lines"];
    args.push(seen.to_str().unwrap());
    args.extend(paths.iter().map(String::as_str));
    trainer(&args);
    let mut written: Vec<String> = std::fs::read_dir(&seen)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    written.sort();
    assert_eq!(
        written,
        ["line0_line00.png", "line1_line00.png", "line2_line00.png"]
    );
    // The tiny preset reads lines 16 px high.
    assert_eq!(
        image::image_dimensions(seen.join(&written[0])).unwrap().1,
        16
    );
    // Ground truth = "xyz" + prediction: exactly 3 character edits and 1 word edit per line.
    let texts: Vec<String> = preds
        .iter()
        .map(|p| norm(p["text"].as_str().unwrap()))
        .collect();
    let gt: String = names
        .iter()
        .zip(&texts)
        .map(|(n, t)| format!("{n}\txyz{t}\n"))
        .collect();
    std::fs::write(data.join("gt.tsv"), gt).unwrap();
    let ref_chars: usize = texts.iter().map(|t| t.chars().count() + 3).sum();
    let ref_words: usize = texts
        .iter()
        .map(|t| t.split(' ').filter(|w| !w.is_empty()).count().max(1))
        .sum();
    let expected_cer = 100.0 * 9.0 / ref_chars as f64;
    let expected_wer = 100.0 * 3.0 / ref_words as f64;
    let out = trainer(&[
        "eval",
        "--json",
        "--model",
        model.to_str().unwrap(),
        "--data",
        data.to_str().unwrap(),
    ]);
    let v: serde_json::Value = serde_json::from_str(out.trim()).unwrap();
    assert!(
        (v["cer"].as_f64().unwrap() - expected_cer).abs() < 1e-9,
        "{v} vs {expected_cer}"
    );
    assert!(
        (v["wer"].as_f64().unwrap() - expected_wer).abs() < 1e-9,
        "{v} vs {expected_wer}"
    );
    assert_eq!(v["lines"], 3);
    assert!(v["ms_per_line"].as_f64().unwrap() > 0.0);
    let text = trainer(&[
        "eval",
        "--model",
        model.to_str().unwrap(),
        "--data",
        data.to_str().unwrap(),
    ]);
    assert!(
        text.starts_with(&format!("CER {expected_cer:.2}%")),
        "{text}"
    );
    // --errors: each misread line, then the confusion listing (9 missing characters).
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_trainer"))
        .args(["eval", "--errors", "--model", model.to_str().unwrap()])
        .args(["--data", data.to_str().unwrap()])
        .output()
        .unwrap();
    assert!(out.status.success());
    let err = String::from_utf8(out.stderr).unwrap();
    assert_eq!(err.matches("  ref: xyz").count(), 3, "{err}");
    assert!(err.contains("9 character errors; most frequent:"), "{err}");
    let listed: usize = err
        .lines()
        .skip_while(|l| !l.starts_with("9 character errors"))
        .skip(1)
        .map(|l| {
            assert!(l.ends_with("(missing)"), "{l}");
            l.split_whitespace()
                .next()
                .unwrap()
                .parse::<usize>()
                .unwrap()
        })
        .sum();
    assert_eq!(listed, 9, "{err}");
}

#[test]
fn complexity_json_lists_the_five_models() {
    let out = trainer(&["complexity", "--preset", "tiny", "--json", "--repeats", "1"]);
    let v: serde_json::Value = serde_json::from_str(out.trim()).unwrap();
    assert_eq!(v["reference_line"], serde_json::json!([16, 256]));
    let models = v["models"].as_array().unwrap();
    let names: Vec<&str> = models.iter().map(|m| m["name"].as_str().unwrap()).collect();
    assert_eq!(
        names,
        [
            "VGG-DBLSTM",
            "DarkNet-DBLSTM",
            "VGG-TK-DBLSTM-v1",
            "VGG-TK-DBLSTM-v2",
            "VGG-TK-DBLSTM-v3"
        ]
    );
    assert!(
        models
            .iter()
            .all(|m| m["ms_per_line"].as_f64().unwrap() > 0.0 && m["params"].as_u64().unwrap() > 0)
    );
    // At another input height the reference line keeps its 16:1 shape and the models get
    // more frames (tiny: 2 pixel columns per frame) and more operations, not more parameters.
    let tall = trainer(&[
        "complexity",
        "--preset",
        "tiny",
        "--height",
        "32",
        "--json",
        "--repeats",
        "1",
    ]);
    let t: serde_json::Value = serde_json::from_str(tall.trim()).unwrap();
    assert_eq!(t["reference_line"], serde_json::json!([32, 512]));
    assert_eq!(t["frames"], 256);
    let (a, b) = (&models[0], &t["models"][0]);
    assert_eq!(a["params"], b["params"]);
    assert!(b["gflops"].as_f64().unwrap() > 2.0 * a["gflops"].as_f64().unwrap());
}

#[test]
fn bad_model_file_is_a_clear_error_not_a_panic() {
    let dir = tempfile::tempdir().unwrap();
    let bogus = dir.path().join("bogus.inkline");
    std::fs::write(&bogus, b"definitely not a model").unwrap();
    let png = dir.path().join("x.png");
    write_png(&png, 20, 20, &[]);
    let out = Command::new(env!("CARGO_BIN_EXE_trainer"))
        .args([
            "recognize",
            "--model",
            bogus.to_str().unwrap(),
            png.to_str().unwrap(),
        ])
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("not an inkline model file"), "{err}");
    assert!(!err.contains("panicked"), "{err}");
}

#[test]
fn synth_writes_a_dataset_that_eval_reads() {
    let dir = tempfile::tempdir().unwrap();
    let model = dir.path().join("tiny.inkline");
    trainer(&["init", "--preset", "tiny", "--out", model.to_str().unwrap()]);
    let data = dir.path().join("printed");
    let out = trainer(&[
        "synth",
        "--style",
        "printed",
        "--count",
        "6",
        "--split",
        "train",
        "--seed",
        "3",
        "--out",
        data.to_str().unwrap(),
    ]);
    assert!(out.starts_with("wrote 6 printed lines"), "{out}");
    assert!(data.join("contact_sheet.png").exists());
    let gt = std::fs::read_to_string(data.join("gt.tsv")).unwrap();
    assert_eq!(gt.lines().count(), 6);
    assert!(gt.lines().all(|l| {
        l.split_once('\t')
            .is_some_and(|(f, t)| f.ends_with(".png") && !t.is_empty())
    }));
    let v: serde_json::Value = serde_json::from_str(
        trainer(&[
            "eval",
            "--json",
            "--model",
            model.to_str().unwrap(),
            "--data",
            data.to_str().unwrap(),
        ])
        .trim(),
    )
    .unwrap();
    assert_eq!(v["lines"], 6);
    // An untrained model gets (almost) everything wrong.
    assert!(v["cer"].as_f64().unwrap() > 50.0, "{v}");
    // Per family: every line's family is listed once, and the lines add up.
    let families = std::fs::read_to_string(data.join("families.tsv")).unwrap();
    assert_eq!(families.lines().count(), 6);
    let by: serde_json::Value = serde_json::from_str(
        trainer(&[
            "eval",
            "--json",
            "--by-family",
            "--model",
            model.to_str().unwrap(),
            "--data",
            data.to_str().unwrap(),
        ])
        .trim(),
    )
    .unwrap();
    let rows = by["families"].as_array().unwrap();
    let mut names: Vec<&str> = families
        .lines()
        .map(|l| l.split('\t').nth(1).unwrap())
        .collect();
    names.sort_unstable();
    names.dedup();
    assert_eq!(rows.len(), names.len(), "{by}");
    let lines: u64 = rows.iter().map(|r| r["lines"].as_u64().unwrap()).sum();
    assert_eq!(lines, 6);
    let cers: Vec<f64> = rows.iter().map(|r| r["cer"].as_f64().unwrap()).collect();
    assert!(
        cers.windows(2).all(|w| w[0] >= w[1]),
        "worst first: {cers:?}"
    );
    // Same seed, same bytes.
    let again = dir.path().join("again");
    trainer(&[
        "synth",
        "--style",
        "printed",
        "--count",
        "6",
        "--split",
        "train",
        "--seed",
        "3",
        "--out",
        again.to_str().unwrap(),
    ]);
    for f in ["printed_000000.png", "printed_000005.png", "gt.tsv"] {
        assert_eq!(
            std::fs::read(data.join(f)).unwrap(),
            std::fs::read(again.join(f)).unwrap(),
            "{f}"
        );
    }
}

#[test]
fn synth_pages_are_scored_per_effect_beside_their_lines() {
    let dir = tempfile::tempdir().unwrap();
    let model = dir.path().join("tiny.inkline");
    trainer(&["init", "--preset", "tiny", "--out", model.to_str().unwrap()]);
    let data = dir.path().join("pages");
    let out = trainer(&[
        "synth",
        "--pages",
        "--style",
        "printed",
        "--count",
        "4",
        "--split",
        "train",
        "--seed",
        "5",
        "--out",
        data.to_str().unwrap(),
    ]);
    assert!(out.starts_with("wrote 4 printed pages"), "{out}");
    // Every page has one of each pair of effects; its lines carry the page's.
    let effects = std::fs::read_to_string(data.join("effects.tsv")).unwrap();
    assert_eq!(effects.lines().count(), 4);
    for line in effects.lines() {
        let (_, list) = line.split_once('\t').unwrap();
        let list: Vec<&str> = list.split(',').collect();
        assert_eq!(list.len(), 3, "{line}");
        assert!(["ruled", "plain paper"].contains(&list[0]), "{line}");
        assert!(["bent", "flat"].contains(&list[1]), "{line}");
        assert!(["tilted", "level"].contains(&list[2]), "{line}");
    }
    let line_effects = std::fs::read_to_string(data.join("lines/effects.tsv")).unwrap();
    let line_gt = std::fs::read_to_string(data.join("lines/gt.tsv")).unwrap();
    assert_eq!(line_effects.lines().count(), line_gt.lines().count());
    for dir in [data.clone(), data.join("lines")] {
        let by: serde_json::Value = serde_json::from_str(
            trainer(&[
                "eval",
                "--json",
                "--by-effect",
                "--model",
                model.to_str().unwrap(),
                "--data",
                dir.to_str().unwrap(),
            ])
            .trim(),
        )
        .unwrap();
        // Each sample counts once in each of its three effects.
        let rows = by["effects"].as_array().unwrap();
        let counted: u64 = rows.iter().map(|r| r["lines"].as_u64().unwrap()).sum();
        assert_eq!(counted, 3 * by["lines"].as_u64().unwrap(), "{by}");
    }
    // A folder without effects.tsv is told so.
    std::fs::remove_file(data.join("effects.tsv")).unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_trainer"))
        .args([
            "eval",
            "--by-effect",
            "--model",
            model.to_str().unwrap(),
            "--data",
        ])
        .arg(&data)
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("has no effects.tsv"), "{err}");
}

#[test]
fn eval_reads_with_tesseract_as_the_peer_and_needs_a_reader() {
    let fixtures = concat!(env!("CARGO_MANIFEST_DIR"), "/../tests/fixtures");
    let v: serde_json::Value = serde_json::from_str(
        trainer(&["eval", "--tesseract", "--json", "--data", fixtures]).trim(),
    )
    .unwrap();
    assert_eq!(v["lines"], 1);
    // A clean printed line: Tesseract reads it (almost) exactly.
    assert!(v["cer"].as_f64().unwrap() < 10.0, "{v}");
    let out = Command::new(env!("CARGO_BIN_EXE_trainer"))
        .args(["eval", "--data", fixtures])
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("--model"));
}

#[test]
fn bench_train_json_reports_a_step() {
    let out = trainer(&[
        "bench-train",
        "--preset",
        "tiny",
        "--arch",
        "darknet",
        "--width",
        "64",
        "--batch",
        "2",
        "--threads",
        "1",
        "--steps",
        "1",
        "--json",
    ]);
    let v: serde_json::Value = serde_json::from_str(out.trim()).unwrap();
    let ms = v["ms_per_step"].as_f64().unwrap();
    assert!(ms > 0.0, "{v}");
    let lps = v["lines_per_s"].as_f64().unwrap();
    assert!((lps - 2.0 * 1000.0 / ms).abs() < 1e-6 * lps, "{v}");
    assert_eq!(
        (
            v["width"].as_u64(),
            v["batch"].as_u64(),
            v["threads"].as_u64()
        ),
        (Some(64), Some(2), Some(1))
    );
}

#[test]
fn a_language_model_is_built_tuned_and_used_by_eval() {
    let dir = tempfile::tempdir().unwrap();
    let model = dir.path().join("tiny.inkline");
    trainer(&["init", "--preset", "tiny", "--out", model.to_str().unwrap()]);
    let lm = dir.path().join("tiny.lm");
    let lm_args = |real: &[&str]| {
        let mut a = vec![
            "lm",
            "--out",
            lm.to_str().unwrap(),
            "--order",
            "3",
            "--min-count",
            "1000",
            "--tune",
            model.to_str().unwrap(),
            "--val-lines",
            "2",
            "--beam",
            "2",
        ];
        a.extend_from_slice(real);
        trainer(&a)
    };
    // With real writers' ink at hand, its validation writers join the tuning in three looks.
    let unipen = dir.path().join("unipen");
    std::fs::create_dir(&unipen).unwrap();
    write_unipen(&unipen, &["abc/writer0", "abc/writer2"], 2);
    let out = lm_args(&["--unipen", unipen.to_str().unwrap()]);
    assert!(
        out.contains("tuning on 7 sets (3 of real writers)"),
        "{out}"
    );
    let out = lm_args(&["--no-unipen"]);
    assert!(
        out.contains("tuning on 4 sets (0 of real writers)"),
        "{out}"
    );
    assert!(out.contains("alpha") && out.contains("wrote"), "{out}");
    let bytes = std::fs::read(&lm).unwrap();
    assert!(bytes.starts_with(b"inkline-lm-1\n"));
    let lm_file = inkline::CharLm::from_bytes(&bytes).unwrap();
    assert_eq!((lm_file.order, lm_file.lexicon().len()), (3, 0));
    // With a lexicon (the dictionary's words, or the glosses' where none is installed), its
    // weight is tuned too.
    let out = lm_args(&["--no-unipen", "--lexicon-min-count", "1000"]);
    assert!(out.contains("gamma") && out.contains("words"), "{out}");
    let lm_file = inkline::CharLm::from_bytes(&std::fs::read(&lm).unwrap()).unwrap();
    assert!(lm_file.lexicon().len() > 100, "{out}");
    let data = dir.path().join("data");
    trainer(&[
        "synth",
        "--style",
        "printed",
        "--count",
        "2",
        "--out",
        data.to_str().unwrap(),
    ]);
    let v: serde_json::Value = serde_json::from_str(
        trainer(&[
            "eval",
            "--json",
            "--model",
            model.to_str().unwrap(),
            "--lm",
            lm.to_str().unwrap(),
            "--gamma",
            "0.5",
            "--data",
            data.to_str().unwrap(),
        ])
        .trim(),
    )
    .unwrap();
    assert_eq!(v["lines"], 2);
}

/// Writes a UNIPEN-format folder: `lines.jsonl.gz` with `n` two-word lines for each writer
/// (zigzag letters 40 units high), and an empty `words.jsonl.gz`.
fn write_unipen(dir: &Path, writers: &[&str], n: usize) {
    use std::io::Write;
    let letters = |count: i64, x: i64| -> Vec<Vec<i64>> {
        (0..count)
            .map(|k| {
                let x0 = x + 50 * k;
                (0..=6)
                    .flat_map(|i| [x0 + 6 * i, if i % 2 == 0 { 0 } else { -40 }])
                    .collect()
            })
            .collect()
    };
    let mut lines = flate2::write::GzEncoder::new(
        std::fs::File::create(dir.join("lines.jsonl.gz")).unwrap(),
        flate2::Compression::fast(),
    );
    for w in writers {
        for i in 0..n {
            let mut strokes = letters(3, 0);
            strokes.extend(letters(2, 220));
            let rec = serde_json::json!({"writer": w, "label": format!("abc d{i}"), "source": "t", "strokes": strokes});
            writeln!(lines, "{rec}").unwrap();
        }
    }
    lines.finish().unwrap();
    flate2::write::GzEncoder::new(
        std::fs::File::create(dir.join("words.jsonl.gz")).unwrap(),
        flate2::Compression::fast(),
    )
    .finish()
    .unwrap();
}

#[test]
fn real_validation_writers_export_and_score_per_writer_and_source() {
    let dir = tempfile::tempdir().unwrap();
    let unipen = dir.path().join("unipen");
    std::fs::create_dir(&unipen).unwrap();
    // The split is a fixed hash of the person: writer2 and writer11 are validation writers,
    // writer0 and writer1 train.
    write_unipen(
        &unipen,
        &["abc/writer0", "abc/writer2", "xyz/writer11", "xyz/writer1"],
        3,
    );
    let out = dir.path().join("real");
    let printed = trainer(&[
        "synth",
        "--real",
        "--unipen",
        unipen.to_str().unwrap(),
        "--style",
        "strokes",
        "--split",
        "val",
        "--count",
        "100",
        "--pad-ink",
        "--out",
        out.to_str().unwrap(),
    ]);
    assert!(printed.contains("wrote 6 real strokes lines"), "{printed}");
    // With --pad-ink, each line's ink as the app's pad records it: on the pad's first rule.
    let pad = &out;
    let records: Vec<serde_json::Value> = std::fs::read_to_string(pad.join("pad-ink.jsonl"))
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(records.len(), 6);
    for r in &records {
        assert!(pad.join(r["file"].as_str().unwrap()).exists());
        assert!(r["text"].as_str().unwrap().starts_with("abc d"));
        let points: Vec<&serde_json::Value> = r["strokes"]
            .as_array()
            .unwrap()
            .iter()
            .flat_map(|s| s.as_array().unwrap())
            .collect();
        assert!(points.iter().all(|p| p.as_array().unwrap().len() == 3));
        // The zigzags' lowest points sit on the rule, 59.5 px down.
        let bottom = points
            .iter()
            .map(|p| p[1].as_f64().unwrap())
            .fold(f64::MIN, f64::max);
        assert!((bottom - 59.5).abs() < 3.0, "{bottom}");
    }
    let families = std::fs::read_to_string(out.join("families.tsv")).unwrap();
    let mut writers: Vec<&str> = families
        .lines()
        .map(|l| l.split('\t').nth(1).unwrap())
        .collect();
    writers.sort_unstable();
    writers.dedup();
    assert_eq!(writers, ["abc/writer2", "xyz/writer11"]);
    let gt = std::fs::read_to_string(out.join("gt.tsv")).unwrap();
    assert_eq!(gt.lines().filter(|l| l.ends_with("\tabc d0")).count(), 2);
    let model = dir.path().join("tiny.inkline");
    trainer(&[
        "init",
        "--preset",
        "tiny",
        "--arch",
        "darknet",
        "--out",
        model.to_str().unwrap(),
    ]);
    let v: serde_json::Value = serde_json::from_str(
        trainer(&[
            "eval",
            "--json",
            "--by-source",
            "--by-family",
            "--model",
            model.to_str().unwrap(),
            "--data",
            out.to_str().unwrap(),
        ])
        .trim(),
    )
    .unwrap();
    let sources: Vec<&str> = v["sources"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["source"].as_str().unwrap())
        .collect();
    assert_eq!(sources.len(), 2, "{v}");
    assert!(sources.contains(&"abc") && sources.contains(&"xyz"), "{v}");
    assert_eq!(v["families"].as_array().unwrap().len(), 2, "{v}");
    // The test split has no real writers here, and printed is not handwriting.
    for (style, split, says) in [
        ("strokes", "test", "no test writers"),
        ("printed", "val", "real ink is handwriting"),
    ] {
        let o = std::process::Command::new(env!("CARGO_BIN_EXE_trainer"))
            .args(["synth", "--real", "--unipen", unipen.to_str().unwrap()])
            .args(["--style", style, "--split", split, "--count", "2", "--out"])
            .arg(dir.path().join("x"))
            .output()
            .unwrap();
        assert!(!o.status.success());
        let e = String::from_utf8_lossy(&o.stderr);
        assert!(e.contains(says), "{e}");
    }
}
