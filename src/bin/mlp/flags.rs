//! The flags, parsed once into typed values: those more than one command takes (where MNIST
//! is, layer sizes, the network's neurons and cost, how much to print) and `mlp train`'s.

use crate::fetch;
use clap::Args;
use mlp::activation::Activation;
use mlp::cost::Cost;
use mlp::data::augment::Distortion;
use mlp::data::mnist;
use mlp::optim::{RuleName, Schedule};
use mlp::{Architecture, Error, Init};
use std::path::PathBuf;

#[derive(Args)]
pub struct DataArgs {
    /// Directory holding the four MNIST IDX files (train-images-idx3-ubyte, train-labels-idx1-ubyte,
    /// t10k-images-idx3-ubyte, t10k-labels-idx1-ubyte; each raw or .gz).
    #[arg(long, env = mnist::DATA_DIR_ENV, value_name = "DIR")]
    pub data_dir: Option<PathBuf>,
}

impl DataArgs {
    /// The MNIST directory: `--data-dir`, else `MLP_DATA_DIR`, else where `mlp data fetch
    /// mnist` puts it (the user's cache directory).
    pub fn dir(&self) -> Result<PathBuf, Error> {
        if let Some(dir) = &self.data_dir {
            return Ok(dir.clone());
        }
        let cache = fetch::destination("mnist", None).ok();
        match cache {
            Some(dir) if dir.is_dir() => Ok(dir),
            _ => Err(Error::Invalid(format!(
                "no MNIST found: run `mlp data fetch mnist` to download it{}, or pass --data-dir DIR \
                 (or set {}) to use a copy you have",
                cache.map_or(String::new(), |d| format!(" into {}", d.display())),
                mnist::DATA_DIR_ENV
            ))),
        }
    }
}

/// The kinds of neuron and the cost, as `train` and `gradcheck` take them.
#[derive(Args, Clone, Copy)]
pub struct NeuronArgs {
    /// Activation of the hidden layers: sigmoid, tanh, relu, leaky-relu, identity.
    /// [default: sigmoid]
    #[arg(long, value_name = "NAME")]
    pub activation: Option<Activation>,
    /// Activation of the output layer: sigmoid, tanh, relu, leaky-relu, identity, softmax.
    /// [default: sigmoid]
    #[arg(long, value_name = "NAME")]
    pub output: Option<Activation>,
    /// Cost: quadratic, cross-entropy (sigmoid output), log-likelihood (softmax output), mse.
    /// [default: quadratic]
    #[arg(long, value_name = "NAME")]
    pub cost: Option<Cost>,
}

/// The library's checks of a network's shape, with the flag that fixes a cost/output mismatch
/// added (the library names the layer the cost needs, not the flag that sets it).
pub fn check_architecture(arch: &Architecture) -> Result<(), Error> {
    arch.validate().map_err(|e| match arch.cost.requires() {
        Some(needed) if needed != arch.output => Error::Invalid(format!("{e} (use --output {needed})")),
        _ => e,
    })
}

impl NeuronArgs {
    /// The network of `sizes` with these neurons (the lecture's where none is given), checked
    /// by the library's own rules (which cost needs which output layer).
    pub fn architecture(&self, sizes: &[usize]) -> Result<Architecture, Error> {
        let arch = Architecture {
            sizes: sizes.to_vec(),
            hidden: self.activation.unwrap_or_default(),
            output: self.output.unwrap_or_default(),
            cost: self.cost.unwrap_or_default(),
        };
        check_architecture(&arch)?;
        Ok(arch)
    }
}

/// How much a command prints: `-qq` nothing, `-q` the one-line result, by default a line per
/// epoch (or every few epochs, see [`Verbosity::shows_epoch`]) and the summary, `-v` every epoch.
#[derive(Args, Clone, Copy)]
pub struct VerbosityArgs {
    /// Print only the one-line result (on standard error, so standard output stays empty);
    /// twice (-qq) print nothing but errors.
    #[arg(short, long, action = clap::ArgAction::Count, conflicts_with = "verbose")]
    pub quiet: u8,
    /// Print every epoch's line, however many and however short the epochs are.
    #[arg(short, long)]
    pub verbose: bool,
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Verbosity {
    Silent,
    Result,
    Normal,
    EveryEpoch,
}

/// Runs of up to this many epochs print every epoch by default.
const EVERY_EPOCH_UP_TO: usize = 30;
/// An epoch that trained at least this long is always printed: its line is worth the wait.
const LONG_EPOCH_SECONDS: f64 = 0.5;
/// Longer runs of short epochs print about this many epoch lines.
const LINES_PER_RUN: usize = 20;

impl VerbosityArgs {
    pub fn level(self) -> Verbosity {
        match (self.quiet, self.verbose) {
            (0, true) => Verbosity::EveryEpoch,
            (0, false) => Verbosity::Normal,
            (1, _) => Verbosity::Result,
            _ => Verbosity::Silent,
        }
    }
}

impl Verbosity {
    /// Whether epoch `epoch` of `epochs`, which trained for `seconds`, gets its own line: every
    /// epoch with `-v`, and by default in runs of at most 30 epochs (the lecture's) or when it
    /// took at least 0.5 s; otherwise the first, every `⌈epochs/20⌉`-th and the last.
    pub fn shows_epoch(self, epoch: usize, epochs: usize, seconds: f64) -> bool {
        match self {
            Verbosity::EveryEpoch => true,
            Verbosity::Normal => {
                epochs <= EVERY_EPOCH_UP_TO
                    || seconds >= LONG_EPOCH_SECONDS
                    || epoch == 1
                    || epoch == epochs
                    || epoch.is_multiple_of(epochs.div_ceil(LINES_PER_RUN))
            }
            Verbosity::Result | Verbosity::Silent => false,
        }
    }

    /// Headers, summaries and the epoch lines' neighbours.
    pub fn chatty(self) -> bool {
        matches!(self, Verbosity::Normal | Verbosity::EveryEpoch)
    }
}

#[derive(Args)]
#[command(group(clap::ArgGroup::new("checkpoint_target").args(["checkpoint", "resume"]).multiple(true)))]
pub struct TrainArgs {
    #[command(flatten)]
    pub data: DataArgs,
    /// Neurons per layer, inputs first: 784 pixels in, 10 digits out. [default: 784,30,10]
    #[arg(long, value_parser = parse_layers)]
    pub layers: Option<Sizes>,
    /// Passes over the 60 000 training images (with --resume: the total to reach). [default: 30]
    #[arg(long, value_parser = clap::value_parser!(u64).range(1..))]
    pub epochs: Option<u64>,
    /// Samples per gradient step (m). [default: 10]
    #[arg(long, value_parser = clap::value_parser!(u64).range(1..))]
    pub batch_size: Option<u64>,
    /// Learning rate η (positive). [default: 3 for sgd (the lecture's), 0.3 for momentum and
    /// nesterov (the same effective step, 3·(1 − μ) at μ = 0.9), 0.001 for adam (scikit-learn's)]
    #[arg(long, value_parser = parse_eta, allow_negative_numbers = true)]
    pub eta: Option<f64>,
    /// Weight initialisation: standard-normal (N(0,1), the lecture's), scaled-normal
    /// (N(0,1/n_in)), glorot (uniform ±√(6/(n_in+n_out))), he (N(0,2/n_in)). The one used is
    /// printed and recorded in the model file and the history. [default: by the hidden
    /// activation: standard-normal for sigmoid (the lecture's), he for relu and leaky-relu,
    /// glorot for tanh and identity; glorot with --csv or --npy (scikit-learn's)]
    #[arg(long)]
    pub init: Option<Init>,
    /// Seed of the random initial weights and of the shuffling; same seed, same model file.
    /// [default: 0]
    #[arg(long)]
    pub seed: Option<u64>,
    #[command(flatten)]
    pub neurons: NeuronArgs,
    /// Optimizer: sgd, momentum, nesterov, adam (β₁ 0.9, β₂ 0.999, ε 1e-8). [default: sgd]
    #[arg(long, value_name = "NAME")]
    pub optimizer: Option<RuleName>,
    /// Momentum coefficient μ of the momentum and nesterov optimizers. [default: 0.9]
    #[arg(long, value_name = "MU")]
    pub momentum: Option<f64>,
    /// L2 weight decay λ: the cost gains λ/(2n) Σ w² over the n training samples. [default: 0]
    #[arg(long, value_name = "LAMBDA")]
    pub l2: Option<f64>,
    /// Dropout probability of the hidden neurons while training (inverted dropout).
    /// [default: 0]
    #[arg(long, value_name = "P")]
    pub dropout: Option<f64>,
    /// Dropout probability of the inputs while training. [default: 0]
    #[arg(long, value_name = "P")]
    pub input_dropout: Option<f64>,
    /// Learning-rate schedule: constant, step:EPOCHS:FACTOR (η ← FACTOR·η every EPOCHS), or
    /// adaptive (η ← η/5 when the score stalls for two epochs). [default: constant]
    #[arg(long, value_name = "SCHEDULE")]
    pub lr_schedule: Option<Schedule>,
    /// Stop when the validation accuracy has not improved for N epochs (needs a validation
    /// split; 0.1 unless --validation-split says otherwise).
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u64).range(1..))]
    pub early_stopping: Option<u64>,
    /// Hold out this fraction of the training images (a seeded random draw) for validation,
    /// reported after each epoch and watched by early stopping and the adaptive schedule.
    /// [default: 0]
    #[arg(long, value_name = "F")]
    pub validation_split: Option<f64>,
    /// Train an autoencoder (the lecture's compressor): the targets are the inputs, the test
    /// report is the reconstruction error. Layers default to 784,15,784.
    #[arg(long)]
    pub autoencoder: bool,
    /// Save a checkpoint (weights, training position, random state) to this file at the end of
    /// every epoch, and every --checkpoint-every mini-batches. Written atomically.
    #[arg(long, value_name = "FILE")]
    pub checkpoint: Option<PathBuf>,
    /// Also checkpoint every N mini-batches within an epoch.
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u64).range(1..), requires = "checkpoint_target")]
    pub checkpoint_every: Option<u64>,
    /// Continue the run saved in this checkpoint, exactly where it stopped; the layers,
    /// mini-batch size, eta, init and seed come from it (giving other values is an error).
    /// Checkpoints keep going to this file unless --checkpoint names another.
    #[arg(long, value_name = "FILE")]
    pub resume: Option<PathBuf>,
    /// Write the trained model (after the last epoch) to this safetensors file.
    #[arg(long, value_name = "FILE")]
    pub save: Option<PathBuf>,
    /// Also write the model of the epoch with the best validation score (accuracy; an
    /// autoencoder's lowest reconstruction error) to this file: the model chosen on data
    /// held out of training, never on the test set. Needs --validation-split.
    #[arg(long, value_name = "FILE")]
    pub save_best: Option<PathBuf>,
    /// Write the per-epoch history as JSON: {"epochs": [{"epoch", "train_cost", "test_accuracy", "seconds"}, ...]}.
    #[arg(long, value_name = "FILE")]
    pub history: Option<PathBuf>,
    #[command(flatten)]
    pub verbosity: VerbosityArgs,
    #[command(flatten)]
    pub distortion: DistortionArgs,
    #[command(flatten)]
    pub table: TableArgs,
}

/// Fresh random distortions of the training images in every epoch.
#[derive(Args, Clone, Copy)]
pub struct DistortionArgs {
    /// Train on freshly distorted training images in every epoch: an affine map and an elastic
    /// field (Simard et al. 2003, Cireşan et al. 2010), drawn from (seed, epoch, image)
    /// alone. Validation and test images are never distorted.
    #[arg(long)]
    pub augment: bool,
    #[command(flatten)]
    pub ranges: DistortionRanges,
}

impl DistortionArgs {
    /// The distortion asked for, if any; a range without `--augment` is an error.
    pub fn distortion(&self) -> Result<Option<Distortion>, Error> {
        if !self.augment && self.ranges.any() {
            return Err(Error::Invalid(
                "distortion ranges (--rotate, --scale, --shear, --shift, --elastic-sigma, --elastic-alpha) \
                 act only with --augment"
                    .into(),
            ));
        }
        Ok(self.augment.then(|| self.ranges.distortion()))
    }
}

/// The ranges of the distortions: each parameter drawn uniformly from −R … R per image and
/// epoch.
#[derive(Args, Clone, Copy)]
#[command(
    next_help_heading = "Distortions (each a range R: a value is drawn from −R … R per image and epoch)"
)]
pub struct DistortionRanges {
    /// Largest rotation, degrees. [default: 15]
    #[arg(long, value_name = "DEG")]
    pub rotate: Option<f64>,
    /// Largest change of each axis' scale, a fraction. [default: 0.15]
    #[arg(long, value_name = "F")]
    pub scale: Option<f64>,
    /// Largest horizontal shear (x moves by shear·y). [default: 0]
    #[arg(long, value_name = "F")]
    pub shear: Option<f64>,
    /// Largest translation of each axis, pixels. [default: 0]
    #[arg(long, value_name = "PX")]
    pub shift: Option<f64>,
    /// σ of the Gaussian smoothing the elastic field, pixels (0: no elastic part). [default: 6]
    #[arg(long, value_name = "PX")]
    pub elastic_sigma: Option<f64>,
    /// α, the scale of the smoothed elastic field, pixels. [default: 36]
    #[arg(long, value_name = "PX")]
    pub elastic_alpha: Option<f64>,
}

impl DistortionRanges {
    fn any(&self) -> bool {
        [
            self.rotate,
            self.scale,
            self.shear,
            self.shift,
            self.elastic_sigma,
            self.elastic_alpha,
        ]
        .iter()
        .any(Option::is_some)
    }

    /// The ranges given, the library's defaults for the rest.
    pub fn distortion(&self) -> Distortion {
        let d = Distortion::default();
        Distortion {
            rotate: self.rotate.unwrap_or(d.rotate),
            scale: self.scale.unwrap_or(d.scale),
            shear: self.shear.unwrap_or(d.shear),
            shift: self.shift.unwrap_or(d.shift),
            sigma: self.elastic_sigma.unwrap_or(d.sigma),
            alpha: self.elastic_alpha.unwrap_or(d.alpha),
        }
    }
}

/// Options not about MNIST: tabular data. The network's first and last layers come from the
/// data; the defaults are scikit-learn's MLPClassifier/MLPRegressor's.
#[derive(Args)]
#[command(
    next_help_heading = "Tabular data (scikit-learn's defaults: --hidden 100 --activation relu \
    --optimizer adam --eta 0.001 --alpha 0.0001 --init glorot, mini-batches of min(200, n), up \
    to 200 epochs, stop after 10 epochs without the training loss falling by 1e-4)",
    group(clap::ArgGroup::new("table_data").args(["csv", "npy"]))
)]
pub struct TableArgs {
    /// Train on this CSV file (a header row naming the columns; every column but --target
    /// is a numeric feature) instead of MNIST.
    #[arg(long, value_name = "FILE", requires = "target", conflicts_with_all = NOT_TABULAR)]
    pub csv: Option<PathBuf>,
    /// The CSV column to predict.
    #[arg(long, value_name = "COLUMN", requires = "csv")]
    pub target: Option<String>,
    /// Train on features from this 2-D .npy array (one row per sample) instead of MNIST.
    #[arg(long, value_name = "X.npy", requires = "npy_target", conflicts_with_all = NOT_TABULAR)]
    pub npy: Option<PathBuf>,
    /// The targets for --npy: a 1-D .npy array, one value per row (integers are classes).
    #[arg(long, value_name = "Y.npy", requires = "npy")]
    pub npy_target: Option<PathBuf>,
    /// classify (one output neuron per class) or regress (predict the number). [default:
    /// classify when the targets are text or at most 20 distinct whole numbers, else regress]
    #[arg(long, value_name = "TASK", value_parser = ["classify", "regress"], requires = "table_data")]
    pub task: Option<String>,
    /// Leave out rows with a missing value (empty, NA, NaN, null, ?) instead of stopping with
    /// an error.
    #[arg(long, requires = "csv")]
    pub drop_missing: bool,
    /// Neurons per hidden layer, e.g. 100 or 64,32 (the input and output layers come from the
    /// data). [default: 100]
    #[arg(long, value_name = "SIZES", value_parser = parse_hidden, requires = "table_data")]
    pub hidden: Option<Sizes>,
    /// L2 penalty α: each mini-batch's mean cost gains α/(2m) Σ w² (scikit-learn's alpha).
    /// [default: 0.0001]
    #[arg(long, value_name = "ALPHA", requires = "table_data")]
    pub alpha: Option<f64>,
    /// Hold out this seeded random fraction of the rows to test on after every epoch (0: no
    /// test). [default: 0.2]
    #[arg(long, value_name = "F", conflicts_with = "test_csv", requires = "table_data")]
    pub test_split: Option<f64>,
    /// Test on this CSV file (same columns) instead of a split of the training file.
    #[arg(long, value_name = "FILE", requires = "csv")]
    pub test_csv: Option<PathBuf>,
    /// Use the features as they are: do not standardise them to mean 0 and standard
    /// deviation 1 (the training data's, kept in the model file).
    #[arg(long, requires = "table_data")]
    pub no_standardize: bool,
    /// Regression: predict the target as it is, rather than learning it standardised to mean
    /// 0 and standard deviation 1 (the training rows', kept in the model file; predictions
    /// are always in the target's own units).
    #[arg(long, requires = "table_data")]
    pub no_standardize_target: bool,
}

/// MNIST-only options (checked by clap: giving one with --csv or --npy is an error).
const NOT_TABULAR: [&str; 12] = [
    "layers",
    "augment",
    "output",
    "cost",
    "dropout",
    "input_dropout",
    "lr_schedule",
    "autoencoder",
    "checkpoint",
    "checkpoint_every",
    "resume",
    "l2",
];

/// Layer sizes from `--layers` (a newtype, so clap takes one value, not a list).
#[derive(Clone)]
pub struct Sizes(pub Vec<usize>);

pub fn parse_layers(s: &str) -> Result<Sizes, String> {
    let sizes = s
        .split(',')
        .map(|p| p.trim().parse::<usize>())
        .collect::<Result<Vec<_>, _>>()
        .map_err(|_| format!("expected comma-separated neuron counts like 784,30,10, got '{s}'"))?;
    mlp::network::validate_sizes(&sizes).map_err(|e| e.to_string())?;
    Ok(Sizes(sizes))
}

/// Hidden layer sizes from `--hidden` (the input and output layers come from the data).
pub fn parse_hidden(s: &str) -> Result<Sizes, String> {
    let sizes = s
        .split(',')
        .map(|p| p.trim().parse::<usize>())
        .collect::<Result<Vec<_>, _>>()
        .ok()
        .filter(|v| !v.is_empty() && !v.contains(&0))
        .ok_or_else(|| format!("expected comma-separated neuron counts like 100 or 64,32, got '{s}'"))?;
    Ok(Sizes(sizes))
}

pub fn parse_eta(s: &str) -> Result<f64, String> {
    match s.parse::<f64>() {
        Ok(v) if v.is_finite() && v > 0.0 => Ok(v),
        _ => Err(format!("expected a positive number like 3.0, got '{s}'")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_lectures_runs_print_every_epoch_long_runs_of_short_epochs_a_few() {
        let n = Verbosity::Normal;
        assert!((1..=30).all(|e| n.shows_epoch(e, 30, 0.01)));
        let shown = (1..=200).filter(|&e| n.shows_epoch(e, 200, 0.01)).count();
        assert_eq!(shown, 21, "the first and every tenth");
        assert!(n.shows_epoch(200, 200, 0.01) && n.shows_epoch(7, 200, 0.6));
        assert!((1..=200).all(|e| Verbosity::EveryEpoch.shows_epoch(e, 200, 0.01)));
        assert!(!Verbosity::Result.shows_epoch(1, 1, 9.0));
    }
}
