//! The network's stages, for timing where a forward pass spends its time: the forward pass
//! calls a mark after each stage ([`Marks`]), which does nothing unless a [`StageClock`]
//! listens, so training, inference and profiling share one forward pass.

use burn::tensor::Device;
use serde::{Deserialize, Serialize};
use web_time::Instant;

/// A stage of the forward pass, in the order it runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Stage {
    /// The CNN's convolution blocks (convolutions, BatchNorm, ReLU).
    Convolution,
    /// The CNN's max pooling.
    Pooling,
    /// The Conv1x1 projection of the CNN's output to per-frame features.
    Features,
    /// The LSTM layers' input projections (`W_ih x + b`, every frame at once).
    LstmInput,
    /// The LSTM recurrences, frame by frame, both directions.
    Recurrence,
    /// The IP layer and the log-softmax.
    Output,
}

impl Stage {
    /// Every stage, in order.
    pub const ALL: [Stage; 6] = [
        Stage::Convolution,
        Stage::Pooling,
        Stage::Features,
        Stage::LstmInput,
        Stage::Recurrence,
        Stage::Output,
    ];

    /// The stage's name as serialized (`lstm_input`).
    pub fn name(self) -> &'static str {
        match self {
            Stage::Convolution => "convolution",
            Stage::Pooling => "pooling",
            Stage::Features => "features",
            Stage::LstmInput => "lstm_input",
            Stage::Recurrence => "recurrence",
            Stage::Output => "output",
        }
    }
}

/// What a forward pass calls when a stage's work has been issued.
pub type Marks<'a> = &'a mut dyn FnMut(Stage);

/// Milliseconds spent in each stage.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct StageTimes {
    /// [`Stage::Convolution`].
    pub convolution_ms: f64,
    /// [`Stage::Pooling`].
    pub pooling_ms: f64,
    /// [`Stage::Features`].
    pub features_ms: f64,
    /// [`Stage::LstmInput`].
    pub lstm_input_ms: f64,
    /// [`Stage::Recurrence`].
    pub recurrence_ms: f64,
    /// [`Stage::Output`].
    pub output_ms: f64,
}

impl StageTimes {
    fn slot(&mut self, stage: Stage) -> &mut f64 {
        match stage {
            Stage::Convolution => &mut self.convolution_ms,
            Stage::Pooling => &mut self.pooling_ms,
            Stage::Features => &mut self.features_ms,
            Stage::LstmInput => &mut self.lstm_input_ms,
            Stage::Recurrence => &mut self.recurrence_ms,
            Stage::Output => &mut self.output_ms,
        }
    }

    /// The milliseconds of `stage`.
    pub fn get(&self, stage: Stage) -> f64 {
        let mut times = *self;
        *times.slot(stage)
    }

    /// Adds `ms` to `stage`.
    pub fn add(&mut self, stage: Stage, ms: f64) {
        *self.slot(stage) += ms;
    }

    /// Every stage's milliseconds added up.
    pub fn total_ms(&self) -> f64 {
        Stage::ALL.iter().map(|&s| self.get(s)).sum()
    }
}

/// Times the stages of forward passes: each mark waits for the device, then charges the time
/// since the previous mark to its stage. Restart it right before each pass.
#[derive(Debug)]
pub struct StageClock {
    device: Device,
    last: Instant,
    times: StageTimes,
}

impl StageClock {
    /// A clock for passes on `device`, started now, every stage at 0 ms.
    pub fn new(device: &Device) -> Self {
        Self {
            device: device.clone(),
            last: Instant::now(),
            times: StageTimes::default(),
        }
    }

    /// Restarts the clock (the time since the last mark is charged to no stage).
    pub fn restart(&mut self) {
        self.last = Instant::now();
    }

    /// Charges the time since the last mark (after the device has finished) to `stage`.
    pub fn mark(&mut self, stage: Stage) {
        // A device that cannot wait (an asynchronous backend) charges what was issued.
        let _ = self.device.sync();
        let now = Instant::now();
        self.times
            .add(stage, (now - self.last).as_secs_f64() * 1000.0);
        self.last = now;
    }

    /// Milliseconds charged to each stage so far.
    pub fn times(&self) -> StageTimes {
        self.times
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_stage_has_its_own_slot_and_name() {
        let mut t = StageTimes::default();
        for (i, &s) in Stage::ALL.iter().enumerate() {
            t.add(s, (i + 1) as f64);
        }
        let got: Vec<f64> = Stage::ALL.iter().map(|&s| t.get(s)).collect();
        assert_eq!(got, [1.0, 2.0, 3.0, 4.0, 5.0, 6.0]);
        assert_eq!(t.total_ms(), 21.0);
        let names: Vec<&str> = Stage::ALL.iter().map(|s| s.name()).collect();
        assert_eq!(
            names,
            [
                "convolution",
                "pooling",
                "features",
                "lstm_input",
                "recurrence",
                "output"
            ]
        );
        assert_eq!(
            serde_json::to_string(&Stage::LstmInput).unwrap(),
            "\"lstm_input\""
        );
    }
}
