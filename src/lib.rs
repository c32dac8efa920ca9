//! inkline: a CNN-DBLSTM text-line recognizer (CTC) that trains natively and runs in the browser.
//!
//! The public API is what a user needs to read text: load a [`ModelFile`] into a
//! [`Recognizer`] and call [`Recognizer::recognize`] for a [`Recognition`]. Model
//! configurations ([`Preset`], [`Network`], [`ModelConfig`]) and the network itself
//! ([`CnnDblstm`]) are public for building and training models; the layers, preprocessing
//! steps, decoding primitives and weight access beneath them are in [`internals`].
//!
//! Modules: `model` (config, presets, CNNs, LSTM, head), `preprocess` (ink map, page analysis,
//! line split, crop and scale, batching), `decode` (CTC, with a language model in beam search),
//! `align` (CTC forced alignment: each character's confidence), `lm` (character n-gram
//! language model), `file` (model file format, weights), `recognizer` (the staged engine),
//! `web` (the wasm exports).

mod align;
mod charset;
mod decode;
mod error;
mod file;
mod image;
#[cfg(feature = "flex")]
mod kernels;
mod lexicon;
mod lm;
mod model;
mod names;
#[cfg(feature = "flex")]
mod ops;
mod preprocess;
mod recognizer;
#[cfg(all(test, feature = "autodiff"))]
mod testing;
#[cfg(target_arch = "wasm32")]
mod web;

pub use charset::Charset;
pub use decode::Decoder;
pub use error::{ErrorKind, InklineError, Result};
pub use file::{
    CHECKSUM_KEY, FORMAT_VERSION, ModelFile, ModelMeta, Precision, Provenance, sha256_hex,
};
pub use image::{GrayImage, MAX_PIXELS, MAX_SIDE, PixelFormat, check_size};
pub use lexicon::Lexicon;
pub use lm::CharLm;
pub use model::{
    Arch, CnnDblstm, LayerSpec, ModelConfig, ModelOutput, Network, Preset, Stage, StageClock,
    StageTimes, TuckerRanks,
};
pub use preprocess::{BBox, InputGeometry, Join, LineImage, LineNorm, MAX_LINES, MAX_RATIO, Quad};
pub use recognizer::{
    DEFAULT_LM_BEAM, LineResult, MAX_BEAM, Recognition, Recognizer, Timing, WordResult,
};

/// The building blocks beneath the API, for the trainer and profilers: the network's layers,
/// preprocessing steps, CTC decoding primitives and named weight access. Not needed to read text.
pub mod internals {
    pub use crate::decode::{
        BatchOutput, Decoded, Fusion, LogProbs, beam_search, beam_search_fused, best_path,
    };
    pub use crate::file::weights::{
        NamedTensor, apply as apply_weights, collect as collect_weights,
    };
    #[cfg(feature = "flex")]
    pub use crate::kernels::vector_path;
    pub use crate::model::cnn::{CnnLayer, ConvBlock, ConvStack, Op};
    pub use crate::model::head::{DblstmHead, HeadOutput};
    pub use crate::model::lstm::{BiLstm, BiLstmOutput, LstmDirection};
    #[cfg(feature = "flex")]
    pub use crate::ops::use_reference_ops;
    pub use crate::preprocess::{
        INK_THRESHOLD, batch_lines, ink_map, line_density, prepare_line, prepare_page,
        width_sorted_batches,
    };
}

/// Re-export of the tensor library, so users build devices and tensors with the same version.
pub use burn;
