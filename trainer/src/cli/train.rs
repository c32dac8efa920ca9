//! The training subcommands: `teacher`, `scratch`, `finetune`, `distill`, `tucker` and
//! `pipeline` share [`TrainArgs`], which resolve against the preset's defaults into the run's
//! settings (`train::run::RunConfig`); each then runs its stages and prints the outcome.

use crate::report::pipeline;
use crate::train::criterion::Criterion;
use crate::train::run::{RunConfig, Session, TEACHER};
use crate::train::stage::StageResult;
use crate::train::stages;
use anyhow::Result;
use inkline::{LineNorm, Network, Preset, TuckerRanks};
use std::path::PathBuf;

/// Options shared by every training stage; unset ones take the preset's defaults.
#[derive(clap::Args, Clone)]
pub struct TrainArgs {
    /// Model family size: paper, small or tiny.
    #[arg(long, default_value = "small")]
    pub preset: Preset,
    /// Run folder; each stage writes a subfolder (checkpoint, best / last model, metrics.csv,
    /// run.json).
    #[arg(long, default_value = "runs/small")]
    pub run: PathBuf,
    /// Optimizer steps of every stage but the teacher: the scratch baseline, distillation,
    /// fine-tuning, Tucker, so that the comparison is fair.
    #[arg(long)]
    pub steps: Option<u64>,
    /// Optimizer steps of the teacher.
    #[arg(long)]
    pub teacher_steps: Option<u64>,
    /// Lines per batch.
    #[arg(long)]
    pub batch: Option<usize>,
    /// Peak learning rate.
    #[arg(long)]
    pub lr: Option<f64>,
    /// Longest training and validation line, in characters.
    #[arg(long)]
    pub max_chars: Option<usize>,
    /// Data seed.
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// Seed of the validation lines (default: 1000 + the data seed), to train a stage on
    /// other lines (`--seed`) while validating on the same lines as the run's other stages.
    #[arg(long)]
    pub val_seed: Option<u64>,
    /// Validation lines per style (also the test lines per style of the pipeline's report).
    #[arg(long)]
    pub val_lines: Option<u64>,
    /// Validate every N steps.
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
    /// How lines are scaled to the height: ink-box, or body (the x-height band fills half).
    #[arg(long, default_value = "ink-box")]
    pub norm: LineNorm,
    /// Run every operation as burn's own ops instead of inkline's fast CPU kernels (the
    /// reference they are tested against; slower), e.g. to compare training curves.
    #[arg(long)]
    pub reference_ops: bool,
    /// Training mix as style=weight pairs.
    #[arg(
        long,
        default_value = "printed=1,handwriting=1.5,whiteboard=1,strokes=1"
    )]
    pub mix: String,
    /// Folder of real writers' pen trajectories (UNIPEN JSON lines; default
    /// ../shared/data/unipen when it exists): real validation writers join every run's
    /// validation, and `--real` draws training lines from it.
    #[arg(long)]
    pub unipen: Option<PathBuf>,
    /// Leave the real ink out, even where the default folder exists.
    #[arg(long, conflicts_with = "unipen")]
    pub no_unipen: bool,
    /// Share (0..=1) of the handwriting, whiteboard and strokes training lines drawn from real
    /// writers' ink.
    #[arg(long, default_value_t = 0.0)]
    pub real: f64,
    /// Real validation lines per style.
    #[arg(long)]
    pub real_val_lines: Option<u64>,
    /// Largest horizontal stretch of real training ink away from 1 (default 0.15: 0.85x to
    /// 1.15x; 0.5: 0.5x to 1.5x, for hands far narrower or wider than most).
    #[arg(long)]
    pub ink_stretch: Option<f32>,
    /// Stretch narrow writing to this stroke density (strokes per body height of written
    /// width; most hands write 1.5-2.5, narrow cursive twice that), at most 2x, in training and
    /// in every model the run writes, which reads the same way (default: widths as written).
    #[arg(long)]
    pub width_density: Option<f32>,
}

impl TrainArgs {
    /// The run's settings: the preset's defaults, overridden by what was given.
    pub fn config(&self) -> RunConfig {
        let mut c = RunConfig::new(self.preset);
        c.run = self.run.clone();
        c.steps = self.steps.unwrap_or(c.steps);
        c.teacher_steps = self.teacher_steps.unwrap_or(c.teacher_steps);
        c.batch = self.batch.unwrap_or(c.batch);
        c.lr = self.lr.unwrap_or(c.lr);
        c.max_chars = self.max_chars.unwrap_or(c.max_chars);
        c.seed = self.seed;
        c.val_seed = self.val_seed.unwrap_or(1000 + self.seed);
        if let Some(n) = self.val_lines {
            (c.val_lines, c.test_lines) = (n, n);
        }
        c.val_every = self.val_every.unwrap_or(c.val_every);
        c.patience = self.patience;
        c.checkpoint_secs = self.checkpoint_secs;
        c.progress = !self.quiet;
        c.device = self.device.clone();
        (c.height, c.stride, c.norm) = (self.height, self.stride, self.norm);
        c.mix = self.mix.clone();
        c.unipen = if self.no_unipen {
            None
        } else {
            crate::data::unipen::locate(self.unipen.as_deref())
        };
        c.real = self.real;
        c.real_val_lines = self.real_val_lines.unwrap_or(c.real_val_lines);
        c.ink_stretch = self.ink_stretch.unwrap_or(c.ink_stretch);
        c.width_density = self.width_density;
        c
    }

    fn session(&self) -> Result<Session> {
        inkline::internals::use_reference_ops(self.reference_ops);
        Session::new(self.config())
    }
}

/// Prints a stage's outcome.
fn report(r: StageResult, name: &str) -> Result<()> {
    println!(
        "{name}: {} steps, best validation CER {} at step {}",
        r.state.step,
        r.state.best_cer.map_or("-".into(), |c| format!("{c:.2}%")),
        r.state.best_step
    );
    Ok(())
}

/// `trainer teacher`: VGG-DBLSTM from scratch with CTC.
pub fn teacher(args: TrainArgs) -> Result<()> {
    report(
        stages::fresh(&args.session()?, TEACHER, Network::Vgg)?,
        TEACHER,
    )
}

/// `trainer scratch`: DarkNet-DBLSTM from scratch with CTC (the baseline distillation beats).
pub fn scratch(args: TrainArgs) -> Result<()> {
    report(
        stages::fresh(&args.session()?, "scratch", Network::Darknet)?,
        "scratch",
    )
}

/// `trainer finetune --from FILE --name NAME`: CTC fine-tuning of a model file, all unfrozen.
pub fn finetune(args: TrainArgs, from: PathBuf, name: String) -> Result<()> {
    report(stages::finetune(&args.session()?, &from, &name)?, &name)
}

/// `trainer distill --criterion C [--temperature T]`.
pub fn distill(
    args: TrainArgs,
    criterion: String,
    temperature: f32,
    teacher: Option<PathBuf>,
    start: stages::DistillStart,
) -> Result<()> {
    let c = Criterion::parse(&criterion, temperature)?;
    report(
        stages::distill(&args.session()?, c, teacher, &start)?,
        &start.stage_name(c),
    )
}

/// `trainer tucker --ranks v1|v2|v3`.
pub fn tucker(args: TrainArgs, ranks: TuckerRanks, teacher: Option<PathBuf>) -> Result<()> {
    report(
        stages::tucker(&args.session()?, ranks, teacher)?,
        &format!("tucker-{ranks}"),
    )
}

/// `trainer pipeline`: every stage, then `RUN/report.md`.
pub fn pipeline(args: TrainArgs) -> Result<()> {
    println!("{}", pipeline::run(&args.session()?)?);
    Ok(())
}
