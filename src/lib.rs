//! inkline: a CNN-DBLSTM text-line recognizer (CTC) that trains natively and runs in the browser.
//!
//! The library holds what the browser module and the trainer share: the model zoo (VGG teacher,
//! DarkNet student, VGG-TK), preprocessing, CTC decoding, model files and the recognizer API.

pub mod charset;
pub mod cnn;
pub mod complexity;
pub mod config;
pub mod ctc;
pub mod darknet;
pub mod dblstm;
pub mod error;
pub mod image;
pub mod lines;
pub mod lstm;
pub mod metrics;
pub mod model;
pub mod model_file;
pub mod preprocess;
pub mod recognizer;
pub mod tucker;
pub mod vgg;
#[cfg(target_arch = "wasm32")]
pub mod web;
pub mod weights;

pub use charset::Charset;
pub use config::{Arch, LayerSpec, LineNorm, ModelConfig, Preset, TuckerRanks};
pub use error::{InklineError, Result};
pub use image::{GrayImage, PixelFormat};
pub use model::{CnnDblstm, ModelOutput};
pub use model_file::{ModelFile, ModelMeta, Provenance};
pub use preprocess::{BBox, InputGeometry, LineImage};
pub use recognizer::{Decoder, LineResult, Recognition, Recognizer, Timing};

/// Re-export of the tensor library, so users build devices and tensors with the same version.
pub use burn;
