//! The stages of the paper's recipe, each a [`stage::run`] with its model and objective:
//! a fresh model with CTC (the teacher, the scratch baseline), CTC fine-tuning of a model file,
//! distillation of a DarkNet student that reuses the teacher's frozen head, and VGG-TK built
//! from the teacher by Tucker decomposition and fine-tuned with CTC.

use super::criterion::Criterion;
use super::objective::Objective;
use super::run::{Session, TEACHER};
use super::stage::{self, StageResult};
use super::tucker_init;
use anyhow::{Context, Result, bail};
use inkline::burn::module::Module;
use inkline::burn::tensor::Device;
use inkline::{Arch, CnnDblstm, ModelConfig, ModelFile, Network, TuckerRanks};
use std::path::{Path, PathBuf};

/// The teacher model file of a run (`RUN/teacher/best.inkline`), or an explicit one.
pub fn teacher_file(run: &Path, explicit: Option<PathBuf>) -> Result<(PathBuf, ModelFile)> {
    let path = explicit.unwrap_or_else(|| run.join(TEACHER).join("best.inkline"));
    let file = ModelFile::load(&path, &Device::flex()).with_context(|| {
        format!(
            "cannot load the teacher {} (train it with `trainer teacher` first)",
            path.display()
        )
    })?;
    if file.meta.config.arch != Arch::Vgg {
        bail!(
            "{} is a {} model, not a VGG teacher",
            path.display(),
            file.meta.config.arch
        );
    }
    Ok((path, file))
}

/// Trains `model` (on the session's autodiff device) with CTC as stage `name`.
fn ctc(
    session: &Session,
    name: &str,
    config: &ModelConfig,
    model: CnnDblstm,
    parent: Option<String>,
) -> Result<StageResult> {
    let objective = Objective::Ctc {
        charset: session.charset.clone(),
    };
    stage::run(
        &session.stage(name, config, parent),
        model,
        session.generator.clone(),
        &session.val,
        &objective,
    )
}

/// CTC training of a fresh `network` model, as stage `name` (the teacher, the scratch baseline).
pub fn fresh(session: &Session, name: &str, network: Network) -> Result<StageResult> {
    let config = session.model_config(network)?;
    let model = CnnDblstm::new(&config, &session.device.clone().autodiff())?;
    ctc(session, name, &config, model, None)
}

/// CTC fine-tuning of the model file `from`, every layer trainable, as stage `name`.
pub fn finetune(session: &Session, from: &Path, name: &str) -> Result<StageResult> {
    let file = ModelFile::load(from, &Device::flex())?;
    let config = session.config.with_width_density(file.meta.config.clone());
    let model = file
        .model
        .to_device(&session.device.clone().autodiff())
        .train();
    ctc(
        session,
        name,
        &config,
        model,
        Some(from.display().to_string()),
    )
}

/// Where a distillation starts: a fresh DarkNet student, or a student model file to go on
/// training (a longer distillation than its first stage's fixed schedule).
#[derive(Debug, Clone)]
pub struct DistillStart {
    /// Student model file to continue from (a DarkNet at the teacher's geometry).
    pub from: Option<PathBuf>,
    /// Stage name (default `distill-<criterion>`).
    pub name: Option<String>,
    /// The student's CNN this many times as wide as the preset's (see
    /// [`ModelConfig::widened`]).
    pub width: f32,
}

impl Default for DistillStart {
    fn default() -> Self {
        Self {
            from: None,
            name: None,
            width: 1.0,
        }
    }
}

impl DistillStart {
    /// The stage's name: the one given, or `distill-<criterion>`.
    pub fn stage_name(&self, criterion: Criterion) -> String {
        self.name
            .clone()
            .unwrap_or_else(|| format!("distill-{}", criterion.name()))
    }
}

/// Distillation with `criterion` into a DarkNet student at the teacher's geometry (fresh, or
/// `start.from`), the teacher's DBLSTM and IP copied in and frozen; stage `distill-<criterion>`
/// unless `start.name` says otherwise.
pub fn distill(
    session: &Session,
    criterion: Criterion,
    teacher: Option<PathBuf>,
    start: &DistillStart,
) -> Result<StageResult> {
    let (tpath, tfile) = teacher_file(&session.config.run, teacher)?;
    let ad = session.device.clone().autodiff();
    let t = &tfile.meta.config;
    let config = session
        .model_config(Network::Darknet)?
        .widened(start.width)
        .with_geometry(t.input_height, t.frame_stride(), t.line_norm)?;
    let mut student = match &start.from {
        None => CnnDblstm::new(&config, &ad)?,
        Some(from) => {
            let file = ModelFile::load(from, &Device::flex())?;
            if file.meta.config != config {
                bail!(
                    "{} is not a DarkNet student at the teacher's geometry ({} px, stride {}) \
                     and width {}",
                    from.display(),
                    t.input_height,
                    t.frame_stride(),
                    start.width
                );
            }
            file.model.to_device(&ad).train()
        }
    };
    student.head = tfile.model.head.clone().to_device(&ad).freeze();
    let objective = Objective::Distill {
        criterion,
        // Inference mode: no gradients, BatchNorm running statistics.
        teacher: Box::new(tfile.model.valid().to_device(&ad)),
    };
    let name = start.stage_name(criterion);
    let parent = match &start.from {
        Some(from) => format!("{} (student {})", tpath.display(), from.display()),
        None => tpath.display().to_string(),
    };
    stage::run(
        &session.stage(&name, &config, Some(parent)),
        student,
        session.generator.clone(),
        &session.val,
        &objective,
    )
}

/// VGG-TK at `ranks` built from the teacher by Tucker decomposition, then CTC fine-tuning;
/// stage `tucker-<ranks>`.
pub fn tucker(
    session: &Session,
    ranks: TuckerRanks,
    teacher: Option<PathBuf>,
) -> Result<StageResult> {
    let (tpath, tfile) = teacher_file(&session.config.run, teacher)?;
    let config = session.model_config(Network::Tucker(ranks))?;
    let model = tucker_init::from_teacher(&tfile.model, &config, &Device::flex())?
        .to_device(&session.device.clone().autodiff())
        .train();
    ctc(
        session,
        &format!("tucker-{ranks}"),
        &config,
        model,
        Some(tpath.display().to_string()),
    )
}
