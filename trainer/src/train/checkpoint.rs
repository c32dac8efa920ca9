//! Checkpoints that survive `kill -9`: model record (with parameter ids), optimizer state and
//! loop state, written to a temporary folder and renamed into place.

use anyhow::{Context, Result};
use inkline::CnnDblstm;
use inkline::burn::module::Module;
use inkline::burn::optim::ModuleOptimizer;
use serde::{Deserialize, Serialize};
use std::path::Path;

/// Loop state saved beside the weights.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct LoopState {
    /// Optimizer steps done; the next batch index equals this.
    pub step: u64,
    /// Best validation CER seen (mean over styles), percent.
    pub best_cer: Option<f64>,
    /// Step of the best validation CER.
    pub best_step: u64,
    /// Validations since the best one (early stopping).
    pub since_best: u32,
    /// Whether the stage has finished.
    pub done: bool,
}

/// Writes `dir` atomically: everything goes to `dir.tmp`, which then replaces `dir`.
pub fn save(
    dir: &Path,
    model: &CnnDblstm,
    optim: &ModuleOptimizer,
    state: &LoopState,
) -> Result<()> {
    let tmp = dir.with_extension("tmp");
    let old = dir.with_extension("old");
    let _ = std::fs::remove_dir_all(&tmp);
    std::fs::create_dir_all(&tmp)?;
    model
        .clone()
        .save_file(tmp.join("model"))
        .context("saving model record")?;
    optim
        .save(tmp.join("optim"))
        .context("saving optimizer state")?;
    std::fs::write(tmp.join("state.json"), serde_json::to_string_pretty(state)?)?;
    let _ = std::fs::remove_dir_all(&old);
    if dir.exists() {
        std::fs::rename(dir, &old)?;
    }
    std::fs::rename(&tmp, dir)?;
    let _ = std::fs::remove_dir_all(&old);
    Ok(())
}

/// Restores a checkpoint into `model` and `optim`, if `dir` (or a half-renamed `dir.old`) holds one.
pub fn load(
    dir: &Path,
    model: CnnDblstm,
    optim: ModuleOptimizer,
) -> Result<(CnnDblstm, ModuleOptimizer, Option<LoopState>)> {
    let dir = if dir.join("state.json").exists() {
        dir.to_path_buf()
    } else {
        dir.with_extension("old")
    };
    if !dir.join("state.json").exists() {
        return Ok((model, optim, None));
    }
    let state: LoopState = serde_json::from_str(&std::fs::read_to_string(dir.join("state.json"))?)?;
    let model = model
        .try_load_file(dir.join("model"))
        .context("loading model record")?;
    let optim = optim
        .load(dir.join("optim"))
        .context("loading optimizer state")?;
    Ok((model, optim, Some(state)))
}
