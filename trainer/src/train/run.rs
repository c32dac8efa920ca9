//! A training run's settings: the per-preset defaults, the resolved options of a run (saved as
//! `run.json` in each stage folder, beside its models), and the session its stages share
//! (data generator, validation sets, device).

use super::stage::StageConfig;
use super::validate::{self, ValSet};
use crate::data::Generator;
use crate::data::batcher::BatchConfig;
use crate::data::corpus::MAX_CHARS;
use crate::data::fonts::Split;
use crate::data::ink::InkVariation;
use crate::data::real::RealInk;
use crate::data::style::Style;
use crate::names::Named;
use anyhow::{Result, bail};
use inkline::burn::tensor::Device;
use inkline::{Charset, InputGeometry, LineNorm, ModelConfig, Network, Preset, Provenance};
use serde::{Deserialize, Serialize};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

/// Stage name (and run subfolder) of the teacher: the one stage with its own step count.
pub const TEACHER: &str = "teacher";

/// Every option of a run, resolved: what the stages of one run share.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RunConfig {
    /// Model family size.
    pub preset: Preset,
    /// Run folder; each stage writes a subfolder.
    pub run: PathBuf,
    /// Optimizer steps of every stage but the teacher (scratch, distillation, fine-tuning,
    /// Tucker get the same, so that the comparison is fair).
    pub steps: u64,
    /// Optimizer steps of the teacher.
    pub teacher_steps: u64,
    /// Lines per batch.
    pub batch: usize,
    /// Peak learning rate.
    pub lr: f64,
    /// Longest training and validation line, in characters.
    pub max_chars: usize,
    /// Data seed.
    pub seed: u64,
    /// Seed of the validation lines.
    pub val_seed: u64,
    /// Validation lines per style.
    pub val_lines: u64,
    /// Test lines per style of the pipeline's report.
    pub test_lines: u64,
    /// Validate every this many steps.
    pub val_every: u64,
    /// Early stopping patience, in validations.
    pub patience: u32,
    /// Checkpoint at least this often, in seconds.
    pub checkpoint_secs: u64,
    /// Input height (`None`: the preset's).
    pub height: Option<usize>,
    /// Input pixel columns per frame (`None`: the preset's).
    pub stride: Option<usize>,
    /// How lines are scaled to the height.
    pub norm: LineNorm,
    /// Training mix, `style=weight,...`.
    pub mix: String,
    /// Compute device name (`cpu`, `wgpu`, `cuda`).
    pub device: String,
    /// Show a progress bar.
    pub progress: bool,
    /// Folder of real writers' ink (UNIPEN JSON lines); `None`: none (fonts only).
    #[serde(default)]
    pub unipen: Option<PathBuf>,
    /// Share of the training lines of handwriting, whiteboard and strokes drawn from real
    /// writers' ink (0..=1).
    #[serde(default)]
    pub real: f64,
    /// Validation lines of real writers per style (fewer when the data has fewer).
    #[serde(default = "default_real_val_lines")]
    pub real_val_lines: u64,
    /// Largest horizontal stretch of real training ink away from 1 (0.15: 0.85x..1.15x).
    #[serde(default = "default_ink_stretch")]
    pub ink_stretch: f32,
    /// Narrow writing stretched to this stroke density in training and reading (the models'
    /// `width_density`); `None`: lines keep their written width.
    #[serde(default)]
    pub width_density: Option<f32>,
}

fn default_ink_stretch() -> f32 {
    InkVariation::default().stretch
}

fn default_real_val_lines() -> u64 {
    400
}

impl RunConfig {
    /// The defaults of `preset`. `tiny` proves the machinery in a few minutes: short lines, a
    /// higher learning rate, a teacher trained past the CTC plateau (it leaves it after ~1500
    /// steps) and short later stages.
    pub fn new(preset: Preset) -> Self {
        let (steps, teacher_steps, batch, val_lines, val_every, lr, max_chars) = match preset {
            Preset::Tiny => (60, 4000, 8, 16, 250, 3e-3, 12),
            Preset::Small => (6000, 6000, 16, 100, 250, 1e-3, MAX_CHARS),
            Preset::Paper => (20000, 20000, 32, 200, 500, 1e-3, MAX_CHARS),
        };
        Self {
            preset,
            run: PathBuf::from(format!("runs/{preset}")),
            steps,
            teacher_steps,
            batch,
            lr,
            max_chars,
            seed: 1,
            val_seed: 1001,
            val_lines,
            test_lines: if preset == Preset::Tiny {
                val_lines
            } else {
                200
            },
            val_every,
            patience: 8,
            checkpoint_secs: 120,
            height: None,
            stride: None,
            norm: LineNorm::InkBox,
            mix: "printed=1,handwriting=1.5,whiteboard=1,strokes=1".into(),
            device: "cpu".into(),
            progress: true,
            unipen: None,
            real: 0.0,
            real_val_lines: default_real_val_lines(),
            ink_stretch: default_ink_stretch(),
            width_density: None,
        }
    }

    /// Optimizer steps of stage `name`: the teacher has its own count.
    pub fn steps_of(&self, name: &str) -> u64 {
        if name == TEACHER {
            self.teacher_steps
        } else {
            self.steps
        }
    }

    /// The configuration of `network` at the preset, at this run's geometry.
    pub fn model_config(&self, network: Network, charset: &Charset) -> Result<ModelConfig> {
        let config = self.preset.config(network, charset);
        let height = self.height.unwrap_or(config.input_height);
        let stride = self.stride.unwrap_or(config.frame_stride());
        Ok(self.with_width_density(config.with_geometry(height, stride, self.norm)?))
    }

    /// `config` reading narrow writing as this run trains on it (a model trained on from a
    /// file takes the run's setting: its lines are drawn the run's way).
    pub fn with_width_density(&self, mut config: ModelConfig) -> ModelConfig {
        config.width_density = self.width_density;
        config
    }

    /// The stretch of real training ink: 0 to under 0.9 (a stretch of 1 would squash a line
    /// to nothing).
    pub fn checked_ink_stretch(&self) -> Result<f32> {
        if !(0.0..0.9).contains(&self.ink_stretch) {
            bail!(
                "--ink-stretch {} is outside 0..0.9 (the largest stretch away from 1)",
                self.ink_stretch
            );
        }
        Ok(self.ink_stretch)
    }

    /// The training mix, parsed.
    pub fn parsed_mix(&self) -> Result<Vec<(Style, f32)>> {
        self.mix
            .split(',')
            .map(|p| {
                let (k, v) = p.split_once('=').unwrap_or((p, "1"));
                Ok((Style::parse_name(k.trim())?, v.trim().parse::<f32>()?))
            })
            .collect()
    }
}

/// What every stage of a run shares: settings, data, validation sets and device.
pub struct Session {
    /// The run's settings.
    pub config: RunConfig,
    /// Charset of every model.
    pub charset: Charset,
    /// Data generator.
    pub generator: Arc<Generator>,
    /// Fixed validation sets (validation font families).
    pub val: Vec<ValSet>,
    /// Input geometry of the run's models.
    pub geometry: InputGeometry,
    /// Training style mix.
    pub mix: Vec<(Style, f32)>,
    /// Compute device of training and validation.
    pub device: Device,
}

impl Session {
    /// Loads fonts and text and builds the validation sets.
    pub fn new(config: RunConfig) -> Result<Self> {
        let charset = Charset::printable_ascii();
        let geometry = config.model_config(Network::Vgg, &charset)?.geometry();
        let mut generator = Generator::discover()?.with_max_chars(config.max_chars);
        let stretch = config.checked_ink_stretch()?;
        if let Some(dir) = &config.unipen {
            let real = RealInk::load(dir)?.with_stretch(stretch);
            if config.progress {
                eprint!("real ink from {}:\n{}", dir.display(), real.report());
            }
            generator = generator.with_real(Arc::new(real), config.real);
        } else if config.real > 0.0 {
            bail!("--real {} needs the real ink (--unipen DIR)", config.real);
        }
        let generator = Arc::new(generator);
        let mix = config.parsed_mix()?;
        let styles: Vec<Style> = mix.iter().map(|m| m.0).collect();
        let device = crate::device::parse(&config.device)?;
        let mut val = validate::build(
            &generator,
            &styles,
            Split::Val,
            config.val_lines,
            &geometry,
            config.val_seed,
        )?;
        val.extend(validate::build_real(
            &generator,
            &styles,
            config.real_val_lines,
            &geometry,
            config.val_seed,
        )?);
        Ok(Self {
            config,
            charset,
            generator,
            val,
            geometry,
            mix,
            device,
        })
    }

    /// The configuration of `network` in this run.
    pub fn model_config(&self, network: Network) -> Result<ModelConfig> {
        self.config.model_config(network, &self.charset)
    }

    /// The settings of stage `name` training a `config` model; `parent` is the model file it
    /// starts from.
    pub fn stage(&self, name: &str, config: &ModelConfig, parent: Option<String>) -> StageConfig {
        let c = &self.config;
        StageConfig {
            name: name.to_string(),
            dir: c.run.join(name),
            steps: c.steps_of(name),
            lr: c.lr,
            val_every: c.val_every,
            patience: c.patience,
            checkpoint_every: Duration::from_secs(c.checkpoint_secs),
            batches: BatchConfig {
                mix: self.mix.clone(),
                split: Split::Train,
                batch_size: c.batch,
                per_chunk: 8,
                geometry: self.geometry,
                seed: c.seed,
                threads: 1,
            },
            config: config.clone(),
            charset: self.charset.clone(),
            provenance: Provenance {
                preset: c.preset.name(),
                stage: name.into(),
                seed: c.seed,
                data: if c.real > 0.0 {
                    format!(
                        "synthetic lines ({}), up to {} characters, train font families; {:.0}% of \
                         the pen styles' lines from real writers' ink (train writers): {}",
                        c.mix,
                        c.max_chars,
                        100.0 * c.real,
                        crate::data::unipen::ATTRIBUTION
                    )
                } else {
                    format!(
                        "synthetic lines ({}), up to {} characters, train font families",
                        c.mix, c.max_chars
                    )
                },
                parent,
                command: std::env::args().collect::<Vec<_>>().join(" "),
                ..Provenance::default()
            },
            run: c.clone(),
            device: self.device.clone(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_ink_stretch_outside_its_range_is_refused() {
        let mut c = RunConfig::new(Preset::Tiny);
        assert_eq!(c.checked_ink_stretch().unwrap(), 0.15);
        c.ink_stretch = 0.5;
        assert_eq!(c.checked_ink_stretch().unwrap(), 0.5);
        for bad in [0.9, 1.5, -0.1, f32::NAN] {
            c.ink_stretch = bad;
            let e = c.checked_ink_stretch().unwrap_err().to_string();
            assert!(e.contains("outside 0..0.9"), "{bad}: {e}");
        }
    }
}
