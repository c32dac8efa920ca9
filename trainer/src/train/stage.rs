//! The training loop every stage runs: batches from the generator, the stage's objective,
//! Adam, validation with early stopping, best / last model files with the run's settings
//! beside them (`run.json`), CSV metrics, and checkpoints every few minutes so that `kill -9`
//! loses little and resume is exact.

use super::checkpoint::{self, LoopState};
use super::objective::Objective;
use super::run::RunConfig;
use super::validate::{ValSet, evaluate};
use crate::data::Generator;
use crate::data::batcher::{BatchConfig, Batcher};
use anyhow::{Context, Result};
use inkline::burn::module::Module;
use inkline::burn::optim::grad_clipping::GradientClippingConfig;
use inkline::burn::optim::{AdamConfig, GradientsParams, ModuleOptimizer};
use inkline::burn::tensor::{Device, Tensor};
use inkline::internals::batch_lines;
use inkline::{Charset, CnnDblstm, InputGeometry, ModelConfig, ModelFile, Provenance};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// Settings of one stage.
#[derive(Clone)]
pub struct StageConfig {
    /// Stage name (folder under the run directory, and provenance).
    pub name: String,
    /// Folder of this stage's outputs.
    pub dir: PathBuf,
    /// Optimizer steps.
    pub steps: u64,
    /// Peak learning rate.
    pub lr: f64,
    /// Validate every this many steps.
    pub val_every: u64,
    /// Stop after this many validations without improvement.
    pub patience: u32,
    /// Checkpoint at least this often.
    pub checkpoint_every: Duration,
    /// Training batches.
    pub batches: BatchConfig,
    /// Architecture (for model files).
    pub config: ModelConfig,
    /// Charset.
    pub charset: Charset,
    /// How the model was made, for its model files.
    pub provenance: Provenance,
    /// The run's settings (progress bar, and saved as `run.json` beside the models).
    pub run: RunConfig,
    /// Compute device of training (on its autodiff twin) and validation.
    pub device: Device,
}

/// The outcome of a stage.
pub struct StageResult {
    /// The trained model (best validation checkpoint when validation ran).
    pub model: CnnDblstm,
    /// Final loop state.
    pub state: LoopState,
}

/// Learning rate at `step`: linear warm-up over 100 steps (a tenth of short runs), then steps
/// down to 30% at 60% and 10% at 85% of the run.
pub fn learning_rate(peak: f64, step: u64, steps: u64) -> f64 {
    let warm = (step as f64 + 1.0) / (steps / 10).clamp(1, 100) as f64;
    let f = step as f64 / steps.max(1) as f64;
    peak * warm.min(1.0)
        * if f < 0.6 {
            1.0
        } else if f < 0.85 {
            0.3
        } else {
            0.1
        }
}

/// The optimizer of every stage: Adam with the gradient norm clipped at 5.
pub fn optimizer() -> ModuleOptimizer {
    AdamConfig::new()
        .with_grad_clipping(Some(GradientClippingConfig::Norm(5.0)))
        .init()
}

/// One training step on batch `x` (line `b` has `frames[b]` real frames and text `texts[b]`):
/// the objective's loss, its gradients, an optimizer step at `lr`. Returns the updated model
/// and the loss.
pub fn step(
    model: CnnDblstm,
    optim: &mut ModuleOptimizer,
    objective: &Objective,
    x: Tensor<4>,
    frames: &[usize],
    texts: &[String],
    lr: f64,
) -> Result<(CnnDblstm, f64)> {
    let loss = objective.loss(&model, x, frames, texts)?;
    let value = f64::from(loss.clone().into_scalar::<f32>());
    let grads = GradientsParams::from_grads(loss.backward(), &model);
    Ok((optim.step(lr, model, grads), value))
}

/// Runs (or resumes, or skips when done) a stage. `model` lives on an autodiff device; frozen
/// parameters (`Module::freeze`) are neither updated nor in the optimizer, and the objective
/// says whether the head stays frozen.
pub fn run(
    cfg: &StageConfig,
    model: CnnDblstm,
    generator: Arc<Generator>,
    val: &[ValSet],
    objective: &Objective,
) -> Result<StageResult> {
    std::fs::create_dir_all(&cfg.dir)
        .with_context(|| format!("cannot create {}", cfg.dir.display()))?;
    std::fs::write(
        cfg.dir.join("run.json"),
        serde_json::to_string_pretty(&cfg.run)? + "\n",
    )?;
    let ckpt = cfg.dir.join("checkpoint");
    let (mut model, mut optim, state) = checkpoint::load(&ckpt, model, optimizer())?;
    if objective.frozen_head() {
        // A checkpoint's record does not keep the freeze.
        model.head = model.head.freeze();
    }
    let mut state = state.unwrap_or_default();
    if state.done {
        return Ok(StageResult {
            model: best_or(&cfg.dir, model, &cfg.device)?,
            state,
        });
    }
    let device = cfg.device.clone().autodiff();
    let geometry: InputGeometry = cfg.batches.geometry;
    let batcher = Batcher::spawn(generator, cfg.batches.clone(), state.step);
    let mut csv = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(cfg.dir.join("metrics.csv"))?;
    if csv.metadata()?.len() == 0 {
        writeln!(
            csv,
            "step,loss,lr,lines_per_s,val_mean_cer,val_cer_by_style"
        )?;
    }
    let bar = if cfg.run.progress {
        indicatif::ProgressBar::new(cfg.steps)
    } else {
        indicatif::ProgressBar::hidden()
    };
    bar.set_style(
        indicatif::ProgressStyle::with_template("{prefix} [{bar:30}] {pos}/{len} {msg} eta {eta}")
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
    );
    bar.set_prefix(cfg.name.clone());
    bar.set_position(state.step);
    let mut last_ckpt = Instant::now();
    let mut loss_ema: Option<f64> = None;
    let (mut lines_done, mut t_lines) = (0usize, Instant::now());
    let mut last_val = String::from("-");
    while state.step < cfg.steps {
        let batch = batcher.next_batch()?;
        let (x, frames) = batch_lines(&batch.lines, &geometry, &device);
        let lr = learning_rate(cfg.lr, state.step, cfg.steps);
        let value;
        (model, value) = step(model, &mut optim, objective, x, &frames, &batch.texts, lr)?;
        state.step += 1;
        lines_done += batch.lines.len();
        loss_ema = Some(loss_ema.map_or(value, |e| 0.95 * e + 0.05 * value));
        let lps = lines_done as f64 / t_lines.elapsed().as_secs_f64().max(1e-9);
        bar.set_position(state.step);
        bar.set_message(format!(
            "loss {:.3} val CER {last_val} {lps:.1} lines/s",
            loss_ema.unwrap_or(value)
        ));
        let validate_now =
            !val.is_empty() && (state.step % cfg.val_every == 0 || state.step == cfg.steps);
        let mut val_cols = (String::new(), String::new());
        if validate_now {
            let scores = evaluate(&model, val, &cfg.charset, &geometry, &cfg.device)?;
            last_val = format!("{:.2}%", scores.mean_cer);
            val_cols = (
                format!("{:.4}", scores.mean_cer),
                scores
                    .per_style
                    .iter()
                    .map(|(k, v)| format!("{k}={:.3}", v.0))
                    .collect::<Vec<_>>()
                    .join(";"),
            );
            if state.best_cer.is_none_or(|b| scores.mean_cer < b) {
                state.best_cer = Some(scores.mean_cer);
                state.best_step = state.step;
                state.since_best = 0;
                save_model(cfg, &model, &state, &scores.per_style, "best.inkline")?;
            } else {
                state.since_best += 1;
            }
            if state.since_best >= cfg.patience {
                bar.println(format!(
                    "{}: early stop at step {} (best {:.2}% at {})",
                    cfg.name,
                    state.step,
                    state.best_cer.unwrap_or(0.0),
                    state.best_step
                ));
                break;
            }
        }
        if state.step % 10 == 0 || validate_now {
            writeln!(
                csv,
                "{},{:.5},{:.6},{:.2},{},{}",
                state.step, value, lr, lps, val_cols.0, val_cols.1
            )?;
        }
        if validate_now {
            csv.flush()?;
            super::curves::plot_stage(&cfg.dir)?;
        }
        if last_ckpt.elapsed() >= cfg.checkpoint_every || validate_now {
            checkpoint::save(&ckpt, &model, &optim, &state)?;
            last_ckpt = Instant::now();
            (lines_done, t_lines) = (0, Instant::now());
        }
    }
    state.done = true;
    csv.flush()?;
    super::curves::plot_stage(&cfg.dir)?;
    save_model(cfg, &model, &state, &Default::default(), "last.inkline")?;
    checkpoint::save(&ckpt, &model, &optim, &state)?;
    bar.finish_and_clear();
    Ok(StageResult {
        model: best_or(&cfg.dir, model, &cfg.device)?,
        state,
    })
}

/// The stage's best validation model (`best.inkline`) on `device`, or `last` in inference
/// mode when the stage never validated.
fn best_or(dir: &Path, last: CnnDblstm, device: &Device) -> Result<CnnDblstm> {
    let best = dir.join("best.inkline");
    Ok(if best.exists() {
        ModelFile::load(&best, device)?.model
    } else {
        last.valid()
    })
}

fn save_model(
    cfg: &StageConfig,
    model: &CnnDblstm,
    state: &LoopState,
    per_style: &std::collections::BTreeMap<String, (f64, f64)>,
    file: &str,
) -> Result<()> {
    let mut prov = cfg.provenance.clone();
    prov.steps = state.step;
    let mut f = ModelFile::new(model.valid(), cfg.config.clone(), &cfg.charset, prov);
    for (style, (cer, wer)) in per_style {
        f.meta.metrics.insert(format!("val_cer_{style}"), *cer);
        f.meta.metrics.insert(format!("val_wer_{style}"), *wer);
    }
    f.save(cfg.dir.join(file))?;
    Ok(())
}
