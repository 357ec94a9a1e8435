//! `mlp train`'s flags laid over the data source's defaults: one `RunSpec` for a new run,
//! or the checkpoint's, checked against the flags, for a resumed one.

use crate::flags::TrainArgs;
use crate::source::Source;
use mlp::activation::Activation;
use mlp::checkpoint;
use mlp::data::Dataset;
use mlp::optim::{Optim, RuleName, Schedule};
use mlp::train::{Progress, RunSpec};
use mlp::{Error, Init, Network};
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use std::path::Path;

type Run = (Network<f32>, RunSpec, Progress, Optim<f32>);

/// What a run uses where a flag is not given: the lecture's for MNIST, scikit-learn's
/// `MLPClassifier`/`MLPRegressor`'s for a table.
struct Defaults {
    hidden: Activation,
    epochs: usize,
    batch_size: usize,
    optimizer: RuleName,
    /// `None`: the optimizer's own default η.
    eta: Option<f64>,
    /// `None`: by the hidden activation ([`Init::for_activation`]).
    init: Option<Init>,
    /// Patience when `--early-stopping` is not given.
    early_stopping: Option<usize>,
    alpha: f64,
}

const LECTURE: Defaults = Defaults {
    hidden: Activation::Sigmoid,
    epochs: 30,
    batch_size: 10,
    optimizer: RuleName::Sgd,
    eta: None,
    init: None,
    early_stopping: None,
    alpha: 0.0,
};

const SCIKIT_LEARN: Defaults = Defaults {
    hidden: Activation::Relu,
    epochs: 200,
    batch_size: 200,
    optimizer: RuleName::Adam,
    eta: Some(0.001),
    init: Some(Init::Glorot),
    early_stopping: Some(10),
    alpha: 1e-4,
};

/// A new run from the flags (the source's defaults where none is given).
pub fn fresh(args: &TrainArgs, source: &Source, train: &Dataset) -> Result<Run, Error> {
    let table = !matches!(source, Source::Mnist(_));
    let d = if table { &SCIKIT_LEARN } else { &LECTURE };
    let n = train.len();
    let neurons = &args.neurons;
    let hidden = neurons.activation.unwrap_or(d.hidden);
    let sizes = match (&args.layers, table) {
        (Some(sizes), _) => sizes.0.clone(),
        (None, true) => {
            let hidden = args.table.hidden.as_ref().map_or(vec![100], |h| h.0.clone());
            [vec![train.n_features()], hidden, vec![train.n_targets()]].concat()
        }
        (None, false) if args.autoencoder => vec![784, 15, 784],
        (None, false) => vec![784, 30, 10],
    };
    // A table's output layer and cost follow from its task (clap refuses --output and --cost).
    let (output, cost) = match (table, train.is_classification()) {
        (true, true) => (Activation::Softmax, mlp::Cost::LogLikelihood),
        (true, false) => (Activation::Identity, mlp::Cost::Mse),
        (false, _) => (
            neurons.output.unwrap_or_default(),
            neurons.cost.unwrap_or_default(),
        ),
    };
    let optimizer = args.optimizer.unwrap_or(d.optimizer);
    let early_stopping = args.early_stopping.map(|n| n as usize).or(d.early_stopping);
    let alpha = args.table.alpha.unwrap_or(d.alpha);
    if !(alpha.is_finite() && alpha >= 0.0) {
        return Err(Error::Invalid(format!("--alpha must be 0 or more, got {alpha}")));
    }
    let batch_size = args.batch_size.map_or(d.batch_size, |m| m as usize);
    let spec = RunSpec {
        sizes,
        hidden,
        output,
        cost,
        init: args
            .init
            .or(d.init)
            .unwrap_or_else(|| Init::for_activation(hidden)),
        seed: args.seed.unwrap_or(0),
        epochs: args.epochs.map_or(d.epochs, |e| e as usize),
        // scikit-learn's mini-batches are min(batch_size, n); the lecture's walk clips its own.
        batch_size: if table {
            batch_size.min(n).max(1)
        } else {
            batch_size
        },
        eta: args.eta.or(d.eta).unwrap_or(optimizer.default_eta()),
        optimizer,
        momentum: args.momentum.unwrap_or(0.9),
        l2: args.l2.unwrap_or(0.0),
        alpha,
        dropout: args.dropout.unwrap_or(0.0),
        input_dropout: args.input_dropout.unwrap_or(0.0),
        lr_schedule: args.lr_schedule.unwrap_or(Schedule::Constant),
        early_stopping,
        validation_split: args.validation_split.unwrap_or(if args.early_stopping.is_some() {
            0.1
        } else {
            0.0
        }),
        autoencoder: args.autoencoder,
        augment: args.distortion.distortion()?,
        train_samples: n,
        features: train.n_features(),
    };
    if !(0.0..1.0).contains(&spec.validation_split) {
        return Err(Error::Invalid(format!(
            "--validation-split must be in [0, 1), got {}",
            spec.validation_split
        )));
    }
    // One generator for the weights and then each epoch's shuffle.
    let mut rng = ChaCha8Rng::seed_from_u64(spec.seed);
    crate::flags::check_architecture(&spec.architecture())?;
    let net: Network<f32> = Network::build(&spec.architecture(), spec.init, &mut rng)?;
    let optim = spec.optim(&net)?;
    Ok((net, spec, Progress::new(rng), optim))
}

/// Loads a checkpoint and checks that the flags given and the data agree with it.
pub fn resume(path: &Path, args: &TrainArgs, train_samples: usize, features: usize) -> Result<Run, Error> {
    let ck = checkpoint::load::<f32>(path)?;
    let mut spec = ck.spec;
    let n = &args.neurons;
    // Every flag given must agree with the run being resumed: the flags, laid over the saved
    // run, may differ from it only in the number of epochs.
    let asked = RunSpec {
        sizes: args.layers.clone().map_or(spec.sizes.clone(), |l| l.0),
        hidden: n.activation.unwrap_or(spec.hidden),
        output: n.output.unwrap_or(spec.output),
        cost: n.cost.unwrap_or(spec.cost),
        init: args.init.unwrap_or(spec.init),
        seed: args.seed.unwrap_or(spec.seed),
        batch_size: args.batch_size.map_or(spec.batch_size, |v| v as usize),
        eta: args.eta.unwrap_or(spec.eta),
        optimizer: args.optimizer.unwrap_or(spec.optimizer),
        momentum: args.momentum.unwrap_or(spec.momentum),
        l2: args.l2.unwrap_or(spec.l2),
        dropout: args.dropout.unwrap_or(spec.dropout),
        input_dropout: args.input_dropout.unwrap_or(spec.input_dropout),
        lr_schedule: args.lr_schedule.unwrap_or(spec.lr_schedule),
        early_stopping: args.early_stopping.map(|v| v as usize).or(spec.early_stopping),
        validation_split: args.validation_split.unwrap_or(spec.validation_split),
        augment: args.distortion.distortion()?.or(spec.augment),
        ..spec.clone()
    };
    if let Some(d) = asked.differences(&spec).first() {
        let option = flag_of(&d.field);
        return Err(Error::Mismatch(format!(
            "{option} {} contradicts the checkpoint {}, which was started with {option} {}; \
             leave the option out to continue that run, or start a new one without --resume",
            d.ours,
            path.display(),
            d.theirs
        )));
    }
    if args.autoencoder && !spec.autoencoder {
        return Err(Error::Mismatch(format!(
            "--autoencoder contradicts the checkpoint {}, which trains a classifier",
            path.display()
        )));
    }
    if (train_samples, features) != (spec.train_samples, spec.features) {
        return Err(Error::Mismatch(format!(
            "the training data has {train_samples} samples of {features} features, but the checkpoint {} \
             was trained on {} samples of {}; resume with the same data",
            path.display(),
            spec.train_samples,
            spec.features
        )));
    }
    if let Some(epochs) = args.epochs {
        spec.epochs = epochs as usize;
    }
    if spec.epochs < ck.progress.epoch {
        return Err(Error::Invalid(format!(
            "--epochs {} is fewer than the {} epochs the checkpoint {} has already trained",
            spec.epochs,
            ck.progress.epoch,
            path.display()
        )));
    }
    Ok((ck.net, spec, ck.progress, ck.optim))
}

/// The flag of `mlp train` that sets a field of the run description.
fn flag_of(field: &str) -> String {
    match field {
        "sizes" => "--layers".into(),
        "hidden" => "--activation".into(),
        other => format!("--{}", other.replace('_', "-")),
    }
}
