//! Typed errors of the inkline library.

use thiserror::Error;

/// Everything that can go wrong in the library, each with a message a user understands.
#[derive(Debug, Error)]
pub enum InklineError {
    /// The model file ends before its header or data is complete.
    #[error("model file is truncated: {0}")]
    TruncatedModel(String),
    /// The bytes are not an inkline model file (wrong format or missing metadata).
    #[error("not an inkline model file: {0}")]
    ForeignFile(String),
    /// The model file names an architecture this build does not know.
    #[error("unknown model architecture '{0}' (known: vgg, darknet, tucker)")]
    UnknownArchitecture(String),
    /// A weight tensor has a different shape than the architecture expects.
    #[error("weight '{name}' has shape {found:?}, but the architecture expects {expected:?}")]
    ShapeMismatch {
        /// Parameter path inside the model.
        name: String,
        /// Shape the architecture expects.
        expected: Vec<usize>,
        /// Shape found in the file.
        found: Vec<usize>,
    },
    /// A weight tensor is missing from the file, or the file has one the model does not.
    #[error("weights do not match the architecture: {0}")]
    WeightsMismatch(String),
    /// The charset stored in the file does not fit the model's output layer.
    #[error("charset mismatch: {0}")]
    CharsetMismatch(String),
    /// The architecture configuration is inconsistent.
    #[error("invalid model configuration: {0}")]
    InvalidConfig(String),
    /// The input image cannot be recognized.
    #[error("invalid image: {0}")]
    InvalidImage(String),
    /// A parameter given by the caller is out of range.
    #[error("invalid argument: {0}")]
    InvalidArgument(String),
    /// The compute backend failed (device lost, readback error).
    #[error("backend error: {0}")]
    Backend(String),
    /// Reading or writing a file failed.
    #[error("i/o error: {0}")]
    Io(#[from] std::io::Error),
}

/// Result alias of the library.
pub type Result<T> = std::result::Result<T, InklineError>;
