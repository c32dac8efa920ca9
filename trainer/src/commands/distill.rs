//! `trainer distill --criterion C [--temperature T]`: a DarkNet student that reuses the
//! teacher's frozen DBLSTM head learns to match the teacher under one criterion; and
//! `trainer tucker --ranks v1|v2|v3`: the teacher's Conv3x3 layers Tucker-decomposed, then
//! fine-tuned with CTC.

use crate::commands::train::{Setup, TrainArgs, report};
use crate::train::distill::Criterion;
use crate::train::stage::{self, StageResult};
use crate::train::tucker;
use anyhow::{Context, Result, bail};
use inkline::burn::module::Module;
use inkline::burn::tensor::Device;
use inkline::{Arch, CnnDblstm, ModelFile, TuckerRanks};
use std::path::{Path, PathBuf};

/// The teacher model file of a run (or an explicit one).
pub fn teacher_file(run: &Path, explicit: Option<PathBuf>) -> Result<(PathBuf, ModelFile)> {
    let path = explicit.unwrap_or_else(|| run.join(super::train::TEACHER).join("best.inkline"));
    let file = ModelFile::load(&path, &Device::flex()).with_context(|| {
        format!(
            "cannot load the teacher {} (train it with `trainer teacher` first)",
            path.display()
        )
    })?;
    if file.meta.config.arch != Arch::Vgg {
        bail!(
            "{} is a {:?} model, not a VGG teacher",
            path.display(),
            file.meta.config.arch
        );
    }
    Ok((path, file))
}

/// The student: fresh DarkNet CNN, the teacher's head copied and frozen.
pub fn student_from(teacher: &CnnDblstm, setup: &Setup, device: &Device) -> Result<CnnDblstm> {
    let config = setup.config(Arch::Darknet)?;
    let mut student = CnnDblstm::new(&config, device)?;
    student.head = teacher.head.clone().to_device(device).freeze();
    Ok(student)
}

/// Runs distillation with `criterion`; returns the stage result and the teacher path.
pub fn run_distill(
    setup: &Setup,
    criterion: Criterion,
    teacher: Option<PathBuf>,
) -> Result<StageResult> {
    let (tpath, tfile) = teacher_file(&setup.args.run, teacher)?;
    let ad = setup.device.clone().autodiff();
    let student = student_from(&tfile.model, setup, &ad)?;
    // Inference-mode teacher on the autodiff device: no gradients, BatchNorm running statistics.
    let teacher = tfile.model.valid().to_device(&ad);
    let config = setup.config(Arch::Darknet)?;
    let name = format!("distill-{}", criterion.name());
    let cfg = setup.stage(&name, &config, Some(tpath.display().to_string()));
    let mut objective = |m: &CnnDblstm,
                         x: inkline::burn::tensor::Tensor<4>,
                         frames: &[usize],
                         _texts: &[String]| {
        let t = teacher.forward(x.clone(), frames);
        let s = m.forward(x, frames);
        Ok(criterion.loss(&s, &t, frames))
    };
    let refreeze = |mut m: CnnDblstm| {
        m.head = m.head.freeze();
        m
    };
    stage::run(
        &cfg,
        student,
        setup.generator.clone(),
        &setup.val,
        &mut objective,
        &refreeze,
    )
}

/// `trainer distill`.
pub fn distill(
    args: TrainArgs,
    criterion: String,
    temperature: f32,
    teacher: Option<PathBuf>,
) -> Result<()> {
    let setup = Setup::new(&args)?;
    let c = Criterion::parse(&criterion, temperature)?;
    report(
        run_distill(&setup, c, teacher)?,
        &format!("distill-{}", c.name()),
    )
}

/// Builds VGG-TK at `ranks` from the teacher and fine-tunes it with CTC.
pub fn run_tucker(
    setup: &Setup,
    ranks: TuckerRanks,
    teacher: Option<PathBuf>,
) -> Result<StageResult> {
    let (tpath, tfile) = teacher_file(&setup.args.run, teacher)?;
    let config = setup.tucker_config(ranks)?;
    let ad = setup.device.clone().autodiff();
    let model = tucker::from_teacher(&tfile.model, &config, &Device::flex())?
        .to_device(&ad)
        .train();
    setup.ctc_stage(
        &format!("tucker-{}", ranks.name()),
        &config,
        model,
        Some(tpath.display().to_string()),
    )
}

/// `trainer tucker`.
pub fn tucker(args: TrainArgs, ranks: String, teacher: Option<PathBuf>) -> Result<()> {
    let setup = Setup::new(&args)?;
    let r = run_tucker(&setup, TuckerRanks::parse(&ranks)?, teacher)?;
    report(r, &format!("tucker-{ranks}"))
}
