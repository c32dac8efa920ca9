//! CTC training stages: `teacher` (VGG-DBLSTM from scratch), `scratch` (DarkNet-DBLSTM from
//! scratch, the baseline) and `finetune` (a distilled student, everything unfrozen).

use crate::synth::Generator;
use crate::synth::batcher::BatchConfig;
use crate::synth::corpus::MAX_CHARS;
use crate::synth::fonts::Split;
use crate::synth::style::Style;
use crate::train::ctc::{ctc_loss, targets};
use crate::train::stage::{self, StageConfig, StageResult};
use crate::train::validate::{self, ValSet};
use anyhow::Result;
use inkline::burn::module::Module;
use inkline::burn::tensor::Device;
use inkline::burn::tensor::activation::log_softmax;
use inkline::preprocess::InputGeometry;
use inkline::{
    Arch, Charset, CnnDblstm, LineNorm, ModelConfig, ModelFile, Preset, Provenance, TuckerRanks,
};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

/// Stage name (and run subfolder) of the teacher.
pub const TEACHER: &str = "teacher";

/// Options shared by every training stage.
#[derive(clap::Args, Clone)]
pub struct TrainArgs {
    /// Preset: paper, small or tiny.
    #[arg(long, default_value = "small")]
    pub preset: String,
    /// Run folder; each stage writes a subfolder (checkpoint, best / last model, metrics.csv).
    #[arg(long, default_value = "runs/small")]
    pub run: PathBuf,
    /// Optimizer steps of every stage but the teacher: the scratch baseline, distillation,
    /// fine-tuning, Tucker, so that the comparison is fair (default: by preset).
    #[arg(long)]
    pub steps: Option<u64>,
    /// Optimizer steps of the teacher (default: by preset).
    #[arg(long)]
    pub teacher_steps: Option<u64>,
    /// Lines per batch (default: by preset).
    #[arg(long)]
    pub batch: Option<usize>,
    /// Peak learning rate (default: by preset).
    #[arg(long)]
    pub lr: Option<f64>,
    /// Longest training and validation line, in characters (default: by preset).
    #[arg(long)]
    pub max_chars: Option<usize>,
    /// Data seed.
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// Validation lines per style (default: by preset).
    #[arg(long)]
    pub val_lines: Option<u64>,
    /// Validate every N steps (default: by preset).
    #[arg(long)]
    pub val_every: Option<u64>,
    /// Early stopping patience, in validations.
    #[arg(long, default_value_t = 8)]
    pub patience: u32,
    /// Checkpoint at least every N seconds.
    #[arg(long, default_value_t = 120)]
    pub checkpoint_secs: u64,
    /// Hide the progress bar.
    #[arg(long)]
    pub quiet: bool,
    /// Compute device: cpu (burn-flex), or wgpu / cuda when built with that feature.
    #[arg(long, default_value = "cpu")]
    pub device: String,
    /// Input height of the models (default: the preset's); the CNN's last vertical pool
    /// takes up the change.
    #[arg(long)]
    pub height: Option<usize>,
    /// Input pixel columns per output frame (default: the preset's).
    #[arg(long)]
    pub stride: Option<usize>,
    /// How lines are scaled to the height: ink-box (default) or body (x-height band).
    #[arg(long, value_enum, default_value_t = NormArg::InkBox)]
    pub norm: NormArg,
    /// Training mix as style=weight pairs.
    #[arg(
        long,
        default_value = "printed=1,handwriting=1.5,whiteboard=1,strokes=1"
    )]
    pub mix: String,
}

/// How lines are scaled to the input height (`inkline::LineNorm`).
#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum NormArg {
    /// The ink box fills the height.
    InkBox,
    /// The x-height band fills half the height.
    Body,
}

impl From<NormArg> for LineNorm {
    fn from(n: NormArg) -> Self {
        match n {
            NormArg::InkBox => LineNorm::InkBox,
            NormArg::Body => LineNorm::Body,
        }
    }
}

/// Parses `style=weight,...`.
fn parse_mix(s: &str) -> Result<Vec<(Style, f32)>> {
    s.split(',')
        .map(|p| {
            let (k, v) = p.split_once('=').unwrap_or((p, "1"));
            Ok((Style::parse(k.trim())?, v.trim().parse::<f32>()?))
        })
        .collect()
}

/// Per-preset defaults of the training options.
pub struct Defaults {
    /// Optimizer steps of every stage but the teacher.
    pub steps: u64,
    /// Optimizer steps of the teacher.
    pub teacher_steps: u64,
    /// Lines per batch.
    pub batch: usize,
    /// Validation lines per style.
    pub val_lines: u64,
    /// Validate every N steps.
    pub val_every: u64,
    /// Peak learning rate.
    pub lr: f64,
    /// Longest line in characters.
    pub max_chars: usize,
}

impl Defaults {
    /// The defaults of `preset`. `tiny` proves the machinery in a few minutes: short lines, a
    /// higher learning rate, a teacher trained past the CTC plateau (it leaves it after ~1500
    /// steps) and short later stages.
    pub fn of(preset: Preset) -> Self {
        match preset {
            Preset::Tiny => Self {
                steps: 60,
                teacher_steps: 4000,
                batch: 8,
                val_lines: 16,
                val_every: 250,
                lr: 3e-3,
                max_chars: 12,
            },
            Preset::Small => Self {
                steps: 6000,
                teacher_steps: 6000,
                batch: 16,
                val_lines: 100,
                val_every: 250,
                lr: 1e-3,
                max_chars: MAX_CHARS,
            },
            Preset::Paper => Self {
                steps: 20000,
                teacher_steps: 20000,
                batch: 32,
                val_lines: 200,
                val_every: 500,
                lr: 1e-3,
                max_chars: MAX_CHARS,
            },
        }
    }
}

/// Everything a stage needs besides its objective.
pub struct Setup {
    /// Preset.
    pub preset: Preset,
    /// Charset of every model.
    pub charset: Charset,
    /// Data generator.
    pub generator: Arc<Generator>,
    /// Fixed validation sets.
    pub val: Vec<ValSet>,
    /// Input geometry of the preset.
    pub geometry: InputGeometry,
    /// Arguments.
    pub args: TrainArgs,
    /// Training style mix.
    pub mix: Vec<(Style, f32)>,
    /// Compute device of training.
    pub device: Device,
}

impl Setup {
    /// Loads fonts and text and builds the validation sets.
    pub fn new(args: &TrainArgs) -> Result<Self> {
        let preset = Preset::parse(&args.preset)?;
        let charset = Charset::printable_ascii();
        let geometry = with_geometry(preset.config(Arch::Vgg, &charset), args)?.geometry();
        let d = Defaults::of(preset);
        let generator =
            Arc::new(Generator::discover()?.with_max_chars(args.max_chars.unwrap_or(d.max_chars)));
        let mix = parse_mix(&args.mix)?;
        let styles: Vec<Style> = mix.iter().map(|m| m.0).collect();
        let val = validate::build(
            &generator,
            &styles,
            Split::Val,
            args.val_lines.unwrap_or(d.val_lines),
            &geometry,
            1000 + args.seed,
        )?;
        Ok(Self {
            preset,
            charset,
            generator,
            val,
            geometry,
            args: args.clone(),
            mix,
            device: crate::device::parse(&args.device)?,
        })
    }

    /// The configuration of `arch` at the preset and the chosen geometry.
    pub fn config(&self, arch: Arch) -> Result<ModelConfig> {
        with_geometry(self.preset.config(arch, &self.charset), &self.args)
    }

    /// The VGG-TK configuration with `ranks` at the preset and the chosen geometry.
    pub fn tucker_config(&self, ranks: TuckerRanks) -> Result<ModelConfig> {
        with_geometry(self.preset.tucker_config(ranks, &self.charset), &self.args)
    }

    /// The stage settings for `name` with architecture `config`; `parent` is the model file it
    /// starts from.
    pub fn stage(&self, name: &str, config: &ModelConfig, parent: Option<String>) -> StageConfig {
        let d = Defaults::of(self.preset);
        let a = &self.args;
        let steps = if name == TEACHER {
            a.teacher_steps.unwrap_or(d.teacher_steps)
        } else {
            a.steps.unwrap_or(d.steps)
        };
        StageConfig {
            name: name.to_string(),
            dir: a.run.join(name),
            steps,
            lr: a.lr.unwrap_or(d.lr),
            val_every: a.val_every.unwrap_or(d.val_every),
            patience: a.patience,
            checkpoint_every: Duration::from_secs(a.checkpoint_secs),
            batches: BatchConfig {
                mix: self.mix.clone(),
                split: Split::Train,
                batch_size: a.batch.unwrap_or(d.batch),
                per_chunk: 8,
                geometry: self.geometry,
                seed: a.seed,
                threads: 1,
            },
            config: config.clone(),
            charset: self.charset.clone(),
            provenance: Provenance {
                preset: self.preset.name().into(),
                stage: name.into(),
                seed: a.seed,
                data: format!(
                    "synthetic lines ({}), up to {} characters, train font families",
                    a.mix,
                    a.max_chars.unwrap_or(d.max_chars)
                ),
                parent,
                command: std::env::args().collect::<Vec<_>>().join(" "),
                ..Provenance::default()
            },
            progress: !a.quiet,
            device: self.device.clone(),
        }
    }

    /// Trains `model` with CTC as stage `name`.
    pub fn ctc_stage(
        &self,
        name: &str,
        config: &ModelConfig,
        model: CnnDblstm,
        parent: Option<String>,
    ) -> Result<StageResult> {
        let cfg = self.stage(name, config, parent);
        let charset = self.charset.clone();
        let mut objective = move |m: &CnnDblstm, x, frames: &[usize], texts: &[String]| {
            let lp = log_softmax(m.forward(x, frames).logits, 2);
            let t = targets(texts, &charset, &lp.device())?;
            Ok(ctc_loss(lp, frames, &t))
        };
        stage::run(
            &cfg,
            model,
            self.generator.clone(),
            &self.val,
            &mut objective,
            &|m| m,
        )
    }
}

impl Setup {
    /// CTC training of a fresh `arch` model of the preset, as stage `name`.
    pub fn fresh_stage(&self, name: &str, arch: Arch) -> Result<StageResult> {
        let config = self.config(arch)?;
        let model = CnnDblstm::new(&config, &self.device.clone().autodiff())?;
        self.ctc_stage(name, &config, model, None)
    }

    /// CTC fine-tuning of the model file `from`, every layer trainable, as stage `name`.
    pub fn finetune_stage(&self, from: &Path, name: &str) -> Result<StageResult> {
        let file = ModelFile::load(from, &Device::flex())?;
        let config = file.meta.config.clone();
        let model = file
            .model
            .to_device(&self.device.clone().autodiff())
            .train();
        self.ctc_stage(name, &config, model, Some(from.display().to_string()))
    }
}

/// `config` at the height, stride and line scaling of `args` (the preset's where not given).
fn with_geometry(config: ModelConfig, args: &TrainArgs) -> Result<ModelConfig> {
    let height = args.height.unwrap_or(config.input_height);
    let stride = args.stride.unwrap_or(config.frame_stride());
    Ok(config.with_geometry(height, stride, args.norm.into())?)
}

/// `trainer teacher`: VGG-DBLSTM from scratch with CTC.
pub fn teacher(args: TrainArgs) -> Result<()> {
    report(Setup::new(&args)?.fresh_stage(TEACHER, Arch::Vgg)?, TEACHER)
}

/// `trainer scratch`: DarkNet-DBLSTM from scratch with CTC (the baseline distillation beats).
pub fn scratch(args: TrainArgs) -> Result<()> {
    report(
        Setup::new(&args)?.fresh_stage("scratch", Arch::Darknet)?,
        "scratch",
    )
}

/// `trainer finetune --from FILE --name NAME`: CTC fine-tuning of a model file, all unfrozen.
pub fn finetune(args: TrainArgs, from: PathBuf, name: String) -> Result<()> {
    let setup = Setup::new(&args)?;
    report(setup.finetune_stage(&from, &name)?, &name)
}

/// Prints a stage's outcome.
pub fn report(r: StageResult, name: &str) -> Result<()> {
    println!(
        "{name}: {} steps, best validation CER {} at step {}",
        r.state.step,
        r.state.best_cer.map_or("-".into(), |c| format!("{c:.2}%")),
        r.state.best_step
    );
    Ok(())
}
