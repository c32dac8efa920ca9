//! Training stages driven through the CLI: the tiny pipeline end to end (the teacher learns, the
//! shared head stays frozen), frozen head under distillation, resume after kill -9.

use inkline::ModelFile;
use inkline::burn::tensor::Device;
use inkline::internals::collect_weights;
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
    let (tw, sw) = (collect_weights(&t.model), collect_weights(&s.model));
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

    // Going on distilling that student (`--from`, its own stage name, other training lines):
    // at a vanishing learning rate its CNN stays where the first stage left it, the head
    // stays the teacher's, and the run records both seeds and where the student came from.
    let first = dir.path().join("distill-cnn-mah/last.inkline");
    trainer(&[
        "distill",
        "--criterion",
        "cnn-mah",
        "--preset",
        "tiny",
        "--run",
        run,
        "--steps",
        "4",
        "--lr",
        "1e-12",
        "--val-lines",
        "4",
        "--val-every",
        "4",
        "--quiet",
        "--from",
        first.to_str().unwrap(),
        "--name",
        "distill-more",
        "--seed",
        "2",
        "--val-seed",
        "1001",
    ]);
    let more = ModelFile::load(
        dir.path().join("distill-more/last.inkline"),
        &Device::flex(),
    )
    .unwrap();
    let mw = collect_weights(&more.model);
    for (k, v) in &sw {
        let close = v
            .values
            .iter()
            .zip(&mw[k].values)
            .all(|(a, b)| (a - b).abs() < 1e-6);
        assert!(
            close || k.contains("running"),
            "{k} did not start from the --from student"
        );
    }
    let parent = more.meta.provenance.parent.clone().unwrap_or_default();
    assert!(parent.contains("distill-cnn-mah/last.inkline"), "{parent}");
    let runj: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(dir.path().join("distill-more/run.json")).unwrap(),
    )
    .unwrap();
    assert_eq!(
        (runj["seed"].as_u64(), runj["val_seed"].as_u64()),
        (Some(2), Some(1001))
    );

    // A student file that is not a DarkNet at the teacher's geometry is refused.
    let out = Command::new(env!("CARGO_BIN_EXE_trainer"))
        .args([
            "distill",
            "--criterion",
            "cnn-mah",
            "--preset",
            "tiny",
            "--run",
            run,
        ])
        .args(["--steps", "2", "--quiet", "--name", "bad", "--from"])
        .arg(&teacher)
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("is not a DarkNet student at the teacher's geometry"),
        "{err}"
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
        "--teacher-steps",
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

/// Mean of the `val_cer_*` metrics of a model file.
fn mean_val_cer(file: &ModelFile) -> f64 {
    let cers: Vec<f64> = file
        .meta
        .metrics
        .iter()
        .filter(|(k, _)| k.starts_with("val_cer_"))
        .map(|(_, v)| *v)
        .collect();
    assert_eq!(cers.len(), 4, "{:?}", file.meta.metrics);
    cers.iter().sum::<f64>() / cers.len() as f64
}

#[test]
fn the_tiny_pipeline_runs_every_stage_and_the_teacher_learns() {
    let dir = tempfile::tempdir().unwrap();
    let run = dir.path();
    trainer(&[
        "pipeline",
        "--preset",
        "tiny",
        "--run",
        run.to_str().unwrap(),
        "--quiet",
    ]);
    let load = |stage: &str| {
        ModelFile::load(run.join(stage).join("best.inkline"), &Device::flex()).unwrap()
    };
    // An untrained model emits only blanks (100% CER); the teacher reads part of the lines.
    let teacher = load("teacher");
    let cer = mean_val_cer(&teacher);
    assert!(
        cer < 90.0,
        "teacher validation CER {cer:.1}%: it did not learn"
    );
    // Every distilled student kept the teacher's head bit for bit.
    let tw = collect_weights(&teacher.model);
    let criteria = [
        "softmax-ce-t1",
        "softmax-ce-t2",
        "softmax-ce-t5",
        "softmax-ce-t10",
        "ip-l2",
        "lstm-l2",
        "cnn-mah",
        "cnn-l2",
    ];
    for c in criteria {
        let sw = collect_weights(&load(&format!("distill-{c}")).model);
        for k in tw.keys().filter(|k| k.starts_with("head.")) {
            assert_eq!(tw[k].values, sw[k].values, "{k} changed in distill-{c}");
        }
        assert!(run.join(format!("finetune-{c}/best.inkline")).exists());
    }
    for r in ["v1", "v2", "v3"] {
        assert!(run.join(format!("tucker-{r}/best.inkline")).exists());
    }
    let report = std::fs::read_to_string(run.join("report.md")).unwrap();
    for section in ["## Accuracy", "## Analysis", "## Complexity"] {
        assert!(report.contains(section), "{report}");
    }
    // 13 models in the accuracy and complexity tables, 8 criteria in the analysis table.
    assert_eq!(report.matches("| VGG-TK-DBLSTM-").count(), 6, "{report}");
    assert_eq!(
        report
            .matches("| DarkNet-DBLSTM (teacher-student) |")
            .count(),
        16,
        "{report}"
    );
}
