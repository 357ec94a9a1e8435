//! One error type for the library. Every variant that comes from a file names the file; parse
//! errors also name the byte offset and what was expected there.

use std::path::PathBuf;

pub type Result<T, E = Error> = std::result::Result<T, E>;

/// A choice the user has about a CSV error, said in the library's words; the binary and the
/// bindings name their own flag or argument for it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Remedy {
    /// Rows with a missing cell can be left out.
    LeaveOutMissing,
    /// A target that is not a number can be classified rather than regressed on.
    Classify,
}

impl std::fmt::Display for Remedy {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Remedy::LeaveOutMissing => "rows with a missing value can be left out instead",
            Remedy::Classify => "class labels are classified instead",
        })
    }
}

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
    #[error("{}: line {line}{}: {message}{}", path.display(), column.as_ref().map_or(String::new(), |c| format!(", column '{}'", quote(c))), remedy.map_or(String::new(), |r| format!("; {r}")))]
    Csv {
        path: PathBuf,
        line: u64,
        column: Option<String>,
        message: String,
        /// What the user can do instead, when there is a choice.
        remedy: Option<Remedy>,
    },

    /// A classifier's target holds more distinct values than it has room for classes.
    #[error(
        "the target '{}' has {n} distinct values; at most {max} classes are supported; \
         numbers can be regressed on instead",
        quote(target)
    )]
    TooManyClasses { target: String, n: usize, max: usize },

    /// The MNIST data directory does not exist; `files` are what it must hold.
    #[error(
        "{}: not found (the MNIST data directory: it must hold {}, each optionally .gz)",
        dir.display(),
        files.join(", ")
    )]
    NoMnist { dir: PathBuf, files: [&'static str; 4] },

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

    /// After an epoch every output neuron is pinned at its activation's limit for every sample
    /// tried: the network no longer depends on its input and its gradients vanish.
    #[error(
        "training stalled: after epoch {epoch} every output neuron is pinned at the same limit (0 or 1) \
         for every sample, so every gradient vanishes; try a smaller learning rate"
    )]
    Saturated { epoch: usize },

    /// Training was asked to stop (a signal) and did, after mini-batch `batch` of epoch
    /// `epoch` (0: at the end of the epoch), with a checkpoint moment first.
    #[error("interrupted {}", if *batch == 0 { format!("at the end of epoch {epoch}") } else { format!("after mini-batch {batch} of epoch {epoch}") })]
    Interrupted { epoch: usize, batch: usize },

    /// A model file cannot be loaded.
    #[error("{}: not a valid mlp model file: {message}", path.display())]
    Model { path: PathBuf, message: String },

    /// An ONNX file that is not a graph mlp can read.
    #[error("{}: not an ONNX graph mlp can read: {message}", path.display())]
    Onnx { path: PathBuf, message: String },
    /// Something would need more memory than the limit allows (`budget::check`).
    #[error(
        "{what} needs {}, more than the memory limit of {}",
        bytes.map_or("more than 16 EiB".to_string(), human),
        human(*limit)
    )]
    TooLarge {
        what: String,
        bytes: Option<u64>,
        limit: u64,
    },

    /// A hyper-parameter or an architecture is not usable.
    #[error("{0}")]
    Invalid(String),

    /// The data and the network disagree (sizes, class counts).
    #[error("{0}")]
    Mismatch(String),
}

/// A size in words: "1.5 GiB", "300 MiB", "512 bytes".
pub fn human(bytes: u64) -> String {
    const UNITS: [(&str, u64); 4] = [
        ("TiB", 1 << 40),
        ("GiB", 1 << 30),
        ("MiB", 1 << 20),
        ("KiB", 1 << 10),
    ];
    for (unit, size) in UNITS {
        if bytes >= size {
            return format!("{:.1} {unit}", bytes as f64 / size as f64);
        }
    }
    format!("{bytes} bytes")
}

/// The most characters of an input quoted in a message: a 10 MB cell must not become a 10 MB
/// error.
pub const MAX_QUOTED: usize = 80;

/// `text` as quoted in messages: whole if short, else its first [`MAX_QUOTED`] characters and
/// how many more there are.
pub fn quote(text: &str) -> String {
    match text.char_indices().nth(MAX_QUOTED) {
        None => text.to_string(),
        Some((end, _)) => format!(
            "{}… ({} more characters)",
            &text[..end],
            text[end..].chars().count()
        ),
    }
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
