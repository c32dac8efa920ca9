//! Training stages driven through the CLI: frozen head under distillation, resume after kill -9.

use inkline::burn::tensor::Device;
use inkline::{ModelFile, weights};
mod common;

use common::trainer;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

fn state_step(dir: &Path) -> Option<u64> {
    let s = std::fs::read_to_string(dir.join("checkpoint/state.json")).ok()?;
    serde_json::from_str::<serde_json::Value>(&s).ok()?["step"].as_u64()
}

#[test]
fn distillation_keeps_the_shared_head_bit_identical() {
    let dir = tempfile::tempdir().unwrap();
    let run = dir.path().to_str().unwrap();
    std::fs::create_dir_all(dir.path().join("teacher")).unwrap();
    let teacher = dir.path().join("teacher/best.inkline");
    trainer(&[
        "init",
        "--preset",
        "tiny",
        "--arch",
        "vgg",
        "--out",
        teacher.to_str().unwrap(),
    ]);
    trainer(&[
        "distill",
        "--criterion",
        "cnn-mah",
        "--preset",
        "tiny",
        "--run",
        run,
        "--steps",
        "12",
        "--val-lines",
        "4",
        "--val-every",
        "6",
        "--quiet",
    ]);
    let t = ModelFile::load(&teacher, &Device::flex()).unwrap();
    let s = ModelFile::load(
        dir.path().join("distill-cnn-mah/last.inkline"),
        &Device::flex(),
    )
    .unwrap();
    assert_eq!(s.meta.config.arch, inkline::Arch::Darknet);
    assert_eq!(s.meta.provenance.steps, 12);
    let (tw, sw) = (weights::collect(&t.model), weights::collect(&s.model));
    let head: Vec<&String> = tw.keys().filter(|k| k.starts_with("head.")).collect();
    assert!(head.len() >= 10);
    for k in head {
        assert_eq!(
            tw[k].values, sw[k].values,
            "{k} changed during distillation"
        );
    }
    // The student's CNN is its own (DarkNet), not the teacher's.
    assert!(
        sw.keys()
            .any(|k| k.starts_with("cnn.") && !tw.contains_key(k)
                || tw.get(k).is_some_and(|v| v.shape != sw[k].shape))
    );
}

#[test]
fn a_killed_run_resumes_from_its_checkpoint() {
    let dir = tempfile::tempdir().unwrap();
    let run = dir.path().to_str().unwrap();
    let args = [
        "teacher",
        "--preset",
        "tiny",
        "--run",
        run,
        "--steps",
        "60",
        "--val-lines",
        "4",
        "--val-every",
        "30",
        "--checkpoint-secs",
        "0",
        "--quiet",
    ];
    let mut child = Command::new(env!("CARGO_BIN_EXE_trainer"))
        .args(args)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let stage = dir.path().join("teacher");
    let start = Instant::now();
    while state_step(&stage).unwrap_or(0) < 5 {
        assert!(
            start.elapsed() < Duration::from_secs(120),
            "no checkpoint written"
        );
        assert!(
            child.try_wait().unwrap().is_none(),
            "the run ended before it could be killed"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    child.kill().unwrap(); // SIGKILL
    child.wait().unwrap();
    let killed_at = state_step(&stage).unwrap();
    assert!(killed_at < 60, "{killed_at}");
    let out = trainer(&args);
    assert!(out.contains("teacher: 60 steps"), "{out}");
    assert_eq!(state_step(&stage), Some(60));
    // The metrics log continues after the kill instead of starting over.
    let csv = std::fs::read_to_string(stage.join("metrics.csv")).unwrap();
    let steps: Vec<u64> = csv
        .lines()
        .skip(1)
        .filter_map(|l| l.split(',').next()?.parse().ok())
        .collect();
    assert_eq!(steps.last(), Some(&60));
    assert!(steps.iter().filter(|&&s| s == 10).count() <= 2, "{steps:?}");
    let last = ModelFile::load(stage.join("last.inkline"), &Device::flex()).unwrap();
    assert_eq!(last.meta.provenance.steps, 60);
}
