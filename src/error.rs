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

    /// The bytes do not hash to the checksum they must have.
    #[error("model file is corrupt: {0}")]
    CorruptModel(String),
    /// A name (an architecture in a model file, a preset on a command line) this build does
    /// not know.
    #[error("unknown {what} '{name}' (known: {known})")]
    UnknownName {
        /// What was named: `model architecture`, `preset`, ...
        what: &'static str,
        /// The name given.
        name: String,
        /// The names this build knows, comma-separated.
        known: String,
    },
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

/// What [`InklineError::UnknownName`] calls an architecture.
pub(crate) const MODEL_ARCHITECTURE: &str = "model architecture";

/// What kind of error, as a stable machine-readable name (the JS layer reads it as
/// `error.kind`; it decides, e.g., whether a WebGPU failure moves the work to the CPU).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorKind {
    /// The model bytes are cut off, foreign, or do not match their architecture or charset.
    Model,
    /// The input image cannot be recognized.
    Image,
    /// A caller's parameter or name is out of range or unknown.
    Argument,
    /// The compute backend failed.
    Backend,
    /// Reading or writing a file failed.
    Io,
}

impl ErrorKind {
    /// The name JS sees: `model`, `image`, `argument`, `backend`, `io`.
    pub fn name(self) -> &'static str {
        match self {
            ErrorKind::Model => "model",
            ErrorKind::Image => "image",
            ErrorKind::Argument => "argument",
            ErrorKind::Backend => "backend",
            ErrorKind::Io => "io",
        }
    }
}

impl InklineError {
    /// The kind of this error.
    pub fn kind(&self) -> ErrorKind {
        use InklineError as E;
        match self {
            E::TruncatedModel(_)
            | E::ForeignFile(_)
            | E::CorruptModel(_)
            | E::ShapeMismatch { .. }
            | E::WeightsMismatch(_)
            | E::CharsetMismatch(_)
            | E::InvalidConfig(_) => ErrorKind::Model,
            // A model file naming an architecture this build lacks is a model problem.
            E::UnknownName { what, .. } if *what == MODEL_ARCHITECTURE => ErrorKind::Model,
            E::UnknownName { .. } | E::InvalidArgument(_) => ErrorKind::Argument,
            E::InvalidImage(_) => ErrorKind::Image,
            E::Backend(_) => ErrorKind::Backend,
            E::Io(_) => ErrorKind::Io,
        }
    }
}

/// Result alias of the library.
pub type Result<T> = std::result::Result<T, InklineError>;
