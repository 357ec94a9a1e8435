//! One error type for the library. Every variant that comes from a file names the file; parse
//! errors also name the byte offset and what was expected there.

use std::path::PathBuf;

pub type Result<T, E = Error> = std::result::Result<T, E>;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The operating system refused a read or write.
    #[error("{}: {source}", path.display())]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },

    /// A data file (IDX, ...) is not what it claims to be.
    #[error("{}: at byte {offset}: {message}", path.display())]
    Format {
        path: PathBuf,
        offset: u64,
        message: String,
    },

    /// A CSV file's cell or row is not what it should be.
    #[error("{}: line {line}{}: {message}", path.display(), column.as_ref().map_or(String::new(), |c| format!(", column '{c}'")))]
    Csv {
        path: PathBuf,
        line: u64,
        column: Option<String>,
        message: String,
    },

    /// A file or directory that should exist does not.
    #[error("{}: not found{hint}", path.display())]
    NotFound { path: PathBuf, hint: String },

    /// Training produced a non-finite cost or weight.
    #[error(
        "training diverged at epoch {epoch}, mini-batch {batch}: {what} is not finite; \
         try a smaller learning rate"
    )]
    Diverged {
        epoch: usize,
        batch: usize,
        what: &'static str,
    },

    /// A whole epoch changed no weight: every gradient vanished.
    #[error(
        "training stalled: no weight changed in any mini-batch of epoch {epoch}; the sigmoid neurons \
         saturated (σ'(a) ≈ 0), so every gradient vanishes; try a smaller learning rate"
    )]
    Stalled { epoch: usize },

    /// A model file cannot be loaded.
    #[error("{}: not a valid mlp model file: {message}", path.display())]
    Model { path: PathBuf, message: String },

    /// An ONNX file that is not a graph mlp can read.
    #[error("{}: not an ONNX graph mlp can read: {message}", path.display())]
    Onnx { path: PathBuf, message: String },

    /// A hyper-parameter or an architecture is not usable.
    #[error("{0}")]
    Invalid(String),

    /// The data and the network disagree (sizes, class counts).
    #[error("{0}")]
    Mismatch(String),
}

impl Error {
    pub fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        Error::Io {
            path: path.into(),
            source,
        }
    }

    pub fn format(path: impl Into<PathBuf>, offset: u64, message: impl Into<String>) -> Self {
        Error::Format {
            path: path.into(),
            offset,
            message: message.into(),
        }
    }

    pub fn model(path: impl Into<PathBuf>, message: impl Into<String>) -> Self {
        Error::Model {
            path: path.into(),
            message: message.into(),
        }
    }
}
