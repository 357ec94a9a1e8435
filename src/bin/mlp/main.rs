//! The `mlp` command: parses options, calls the library, prints. No numerics live here.

use clap::{Args, Parser, Subcommand};
use mlp::activation::Activation;
use mlp::autoencoder;
use mlp::checkpoint::{self, RunSpec};
use mlp::cost::Cost;
use mlp::data::mnist;
use mlp::gradcheck::gradient_check;
use mlp::optim::{Optim, RuleName, Schedule};
use mlp::perceptron::{self, Perceptron};
use mlp::train::{self, EpochReport, Event, Progress, Sets};
use mlp::{Error, Init, Network, model_io};
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use serde::Serialize;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

mod fetch;
mod pictures;
mod predict;
mod tabular;

/// Multilayer perceptrons from first principles: perceptron gates, sigmoid networks trained by
/// backpropagation and mini-batch stochastic gradient descent, MNIST digits, tabular data.
/// Start with `mlp data fetch mnist`, then `mlp train`.
#[derive(Parser)]
#[command(name = "mlp", version, about, long_about = None)]
struct Cli {
    #[command(subcommand)]
    command: Command,
    /// Most threads to use [default: every core]. Small networks train on two cores by
    /// splitting the first layer's neurons, large ones split their matrix products; the
    /// numbers computed are the same with any count, so 1 changes only the speed.
    #[arg(long, global = true, value_name = "N", value_parser = clap::value_parser!(u64).range(1..))]
    threads: Option<u64>,
}

#[derive(Subcommand)]
enum Command {
    /// Truth tables of NAND, AND, OR, XOR (four NANDs) and the half adder, computed by perceptrons.
    Gates {
        /// Print one JSON object instead of tables.
        #[arg(long)]
        json: bool,
    },
    /// Train a network on MNIST (or on a CSV / .npy table with --csv / --npy) with mini-batch
    /// SGD; report test accuracy after each epoch.
    Train(Box<TrainArgs>),
    /// Test accuracy and confusion matrix of a saved model on the MNIST test set, or on a CSV
    /// file (accuracy, or R² for a regressor).
    Eval {
        /// Model file written by `mlp train --save`.
        model: PathBuf,
        #[command(flatten)]
        data: DataArgs,
        /// Evaluate on this CSV file (with the model's feature and target columns) instead of
        /// MNIST.
        #[arg(long, value_name = "FILE")]
        csv: Option<PathBuf>,
        /// With --csv: leave out rows with missing values instead of stopping with an error.
        #[arg(long, requires = "csv")]
        drop_missing: bool,
        /// Print {"accuracy": ..., "confusion": [[...], ...]} (rows: true digit, columns: predicted).
        #[arg(long)]
        json: bool,
        /// Also draw the confusion matrix into this PNG (or .svg) file.
        #[arg(long, value_name = "FILE.png")]
        confusion_png: Option<PathBuf>,
    },
    /// Draw the cost and accuracy (or error) per epoch from a `mlp train --history` file.
    Plot {
        /// History file written by `mlp train --history`.
        history: PathBuf,
        /// Picture to write: .svg or .png.
        #[arg(short = 'o', long = "output", value_name = "FILE")]
        output: PathBuf,
    },
    /// Draw a network like the lecture's figures: neurons as circles in columns, arrows from
    /// every neuron to every neuron of the next layer (layers of more than 10 neurons are
    /// shortened with ⋮).
    Draw {
        /// Neurons per layer, inputs first, e.g. 2,3,3,2 (or take them from --model).
        #[arg(long, value_parser = parse_layers)]
        layers: Option<Sizes>,
        /// A model file: connections are drawn by their weight (blue positive, red negative,
        /// bolder when larger).
        #[arg(long, value_name = "FILE")]
        model: Option<PathBuf>,
        /// Label each connection with its weight (needs --model; readable for small networks).
        #[arg(long)]
        weights: bool,
        /// Shade one weight layer's connections, layer:N for W^N (N = 1 feeds the first hidden
        /// layer), as the lecture steps through feedforward and backpropagation.
        #[arg(long, value_name = "layer:N")]
        highlight: Option<mlp::plot::Highlight>,
        /// Picture to write: .svg or .png.
        #[arg(short = 'o', long = "output", value_name = "FILE")]
        output: PathBuf,
    },
    /// Classify pictures of digits (PNG, JPEG), CSV rows, .npy rows or the images of an IDX
    /// file with a saved model; print the class and its probability (or the predicted value).
    ///
    /// A picture is converted as MNIST made its images: grey levels, inverted if the digit is
    /// dark on light paper, the background subtracted and the ink stretched to [0, 1], cropped to
    /// the ink and scaled (aspect kept) into 20×20 pixels, then centred by its centre of mass
    /// in 28×28.
    Predict {
        /// Model file written by `mlp train --save`.
        model: PathBuf,
        /// Files to predict for: .png/.jpg/.jpeg (one digit each), .csv (a header row; the
        /// model's feature columns are taken by name), .npy (rows), anything else is read as IDX.
        #[arg(required = true, value_name = "INPUT")]
        inputs: Vec<PathBuf>,
        /// Show the K most probable classes (default 1; with --json, all of them).
        #[arg(long, value_name = "K", value_parser = clap::value_parser!(u64).range(1..))]
        top: Option<u64>,
        /// Print one JSON array: [{"input", "prediction", "top": [{"class", "probability"}]}]
        /// ("activation" instead of "probability" when the output layer is not softmax).
        #[arg(long)]
        json: bool,
    },
    /// Reconstruct test images with a trained autoencoder: a picture of originals over their
    /// reconstructions, the reconstruction error, and optionally the codes.
    Autoencode {
        /// Model file written by `mlp train --autoencoder --save`.
        model: PathBuf,
        #[command(flatten)]
        data: DataArgs,
        /// PNG to write: the first --count test images (top row) over their reconstructions.
        #[arg(short = 'o', long = "output", value_name = "FILE.png")]
        output: PathBuf,
        /// How many test images to draw.
        #[arg(long, default_value_t = 12, value_parser = clap::value_parser!(u64).range(1..=100))]
        count: u64,
        /// Also write the codes (the narrowest layer's activations) of all 10 000 test images
        /// as CSV, one row per image.
        #[arg(long, value_name = "FILE.csv")]
        codes: Option<PathBuf>,
    },
    /// Data sets: download MNIST or Fashion-MNIST, check a local copy.
    #[command(subcommand)]
    Data(DataCommand),
    /// Compare backpropagation's gradient with central differences on a random network (f64).
    Gradcheck {
        /// Layer sizes of the random network, inputs first.
        #[arg(long, value_parser = parse_layers, default_value = "5,4,3")]
        layers: Sizes,
        /// Seed of the random weights, inputs and targets.
        #[arg(long, default_value_t = 0)]
        seed: u64,
        /// Print {"max_relative_error": ..., "numerical_seconds": ..., "backprop_seconds": ...}.
        #[arg(long)]
        json: bool,
    },
}

#[derive(Subcommand)]
enum DataCommand {
    /// Download MNIST or Fashion-MNIST (the four .gz files) from the public mirrors, tried in
    /// turn, checking each file against its published MD5. Files are renamed into place only
    /// when complete and verified; files already there and verified are kept.
    Fetch {
        /// The data set.
        #[arg(value_parser = ["mnist", "fashion-mnist"])]
        name: String,
        /// Where to store the files. [default: for mnist $MLP_DATA_DIR if set; else the user's
        /// cache directory, ~/.cache/mlp/NAME on Linux]
        #[arg(long, value_name = "DIR")]
        dir: Option<PathBuf>,
        /// Use this mirror (a base URL the file names are appended to) instead of the built-in
        /// list; repeat to try several in turn.
        #[arg(long, value_name = "URL")]
        mirror: Vec<String>,
        /// Seconds to wait for a connection, or for more data, before trying the next mirror.
        #[arg(long, value_name = "SECS", default_value_t = 30, value_parser = clap::value_parser!(u64).range(1..))]
        timeout: u64,
        /// Print nothing but errors.
        #[arg(long)]
        quiet: bool,
    },
    /// Check the four MNIST files in DIR by the SHA-256 of their decompressed contents (any
    /// faithful copy passes, however it was compressed); exit 1 if one is missing or differs.
    Verify {
        /// Directory holding the MNIST files (raw or .gz).
        dir: PathBuf,
    },
}

#[derive(Args)]
struct DataArgs {
    /// Directory holding the four MNIST IDX files (train-images-idx3-ubyte, train-labels-idx1-ubyte,
    /// t10k-images-idx3-ubyte, t10k-labels-idx1-ubyte; each raw or .gz).
    #[arg(long, env = mnist::DATA_DIR_ENV, value_name = "DIR")]
    data_dir: Option<PathBuf>,
}

#[derive(Args)]
#[command(group(clap::ArgGroup::new("checkpoint_target").args(["checkpoint", "resume"]).multiple(true)))]
struct TrainArgs {
    #[command(flatten)]
    data: DataArgs,
    /// Neurons per layer, inputs first: 784 pixels in, 10 digits out. [default: 784,30,10]
    #[arg(long, value_parser = parse_layers)]
    layers: Option<Sizes>,
    /// Passes over the 60 000 training images (with --resume: the total to reach). [default: 30]
    #[arg(long, value_parser = clap::value_parser!(u64).range(1..))]
    epochs: Option<u64>,
    /// Samples per gradient step (m). [default: 10]
    #[arg(long, value_parser = clap::value_parser!(u64).range(1..))]
    batch_size: Option<u64>,
    /// Learning rate η (positive). [default: 3 for sgd (the lecture's), 0.3 for momentum and
    /// nesterov (the same effective step, 3·(1 − μ) at μ = 0.9), 0.001 for adam (scikit-learn's)]
    #[arg(long, value_parser = parse_eta, allow_negative_numbers = true)]
    eta: Option<f64>,
    /// Weight initialisation: standard-normal (N(0,1), the lecture's), scaled-normal
    /// (N(0,1/n_in)), glorot (uniform ±√(6/(n_in+n_out))), he (N(0,2/n_in)).
    /// [default: standard-normal]
    #[arg(long)]
    init: Option<Init>,
    /// Seed of the random initial weights and of the shuffling; same seed, same model file.
    /// [default: 0]
    #[arg(long)]
    seed: Option<u64>,
    /// Activation of the hidden layers: sigmoid, tanh, relu, leaky-relu, identity.
    /// [default: sigmoid]
    #[arg(long, value_name = "NAME")]
    activation: Option<Activation>,
    /// Activation of the output layer: sigmoid, tanh, relu, leaky-relu, identity, softmax.
    /// [default: sigmoid]
    #[arg(long, value_name = "NAME")]
    output: Option<Activation>,
    /// Cost: quadratic, cross-entropy (sigmoid output), log-likelihood (softmax output), mse.
    /// [default: quadratic]
    #[arg(long, value_name = "NAME")]
    cost: Option<Cost>,
    /// Optimizer: sgd, momentum, nesterov, adam (β₁ 0.9, β₂ 0.999, ε 1e-8). [default: sgd]
    #[arg(long, value_name = "NAME")]
    optimizer: Option<RuleName>,
    /// Momentum coefficient μ of the momentum and nesterov optimizers. [default: 0.9]
    #[arg(long, value_name = "MU")]
    momentum: Option<f64>,
    /// L2 weight decay λ: the cost gains λ/(2n) Σ w² over the n training samples. [default: 0]
    #[arg(long, value_name = "LAMBDA")]
    l2: Option<f64>,
    /// Dropout probability of the hidden neurons while training (inverted dropout).
    /// [default: 0]
    #[arg(long, value_name = "P")]
    dropout: Option<f64>,
    /// Dropout probability of the inputs while training. [default: 0]
    #[arg(long, value_name = "P")]
    input_dropout: Option<f64>,
    /// Learning-rate schedule: constant, step:EPOCHS:FACTOR (η ← FACTOR·η every EPOCHS), or
    /// adaptive (η ← η/5 when the score stalls for two epochs). [default: constant]
    #[arg(long, value_name = "SCHEDULE")]
    lr_schedule: Option<Schedule>,
    /// Stop when the validation accuracy has not improved for N epochs (needs a validation
    /// split; 0.1 unless --validation-split says otherwise).
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u64).range(1..))]
    early_stopping: Option<u64>,
    /// Hold out this fraction of the training images (a seeded random draw) for validation,
    /// reported after each epoch and watched by early stopping and the adaptive schedule.
    /// [default: 0]
    #[arg(long, value_name = "F")]
    validation_split: Option<f64>,
    /// Train an autoencoder (the lecture's compressor): the targets are the inputs, the test
    /// report is the reconstruction error. Layers default to 784,15,784.
    #[arg(long)]
    autoencoder: bool,
    /// Save a checkpoint (weights, training position, random state) to this file at the end of
    /// every epoch, and every --checkpoint-every mini-batches. Written atomically.
    #[arg(long, value_name = "FILE")]
    checkpoint: Option<PathBuf>,
    /// Also checkpoint every N mini-batches within an epoch.
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u64).range(1..), requires = "checkpoint_target")]
    checkpoint_every: Option<u64>,
    /// Continue the run saved in this checkpoint, exactly where it stopped; the layers,
    /// mini-batch size, eta, init and seed come from it (giving other values is an error).
    /// Checkpoints keep going to this file unless --checkpoint names another.
    #[arg(long, value_name = "FILE")]
    resume: Option<PathBuf>,
    /// Write the trained model (after the last epoch) to this safetensors file.
    #[arg(long, value_name = "FILE")]
    save: Option<PathBuf>,
    /// Write the per-epoch history as JSON: {"epochs": [{"epoch", "train_cost", "test_accuracy", "seconds"}, ...]}.
    #[arg(long, value_name = "FILE")]
    history: Option<PathBuf>,
    /// Print nothing but errors.
    #[arg(long)]
    quiet: bool,
    #[command(flatten)]
    table: tabular::TableArgs,
}

/// Layer sizes from `--layers` (a newtype, so clap takes one value, not a list).
#[derive(Clone)]
struct Sizes(Vec<usize>);

fn parse_layers(s: &str) -> Result<Sizes, String> {
    let sizes = s
        .split(',')
        .map(|p| p.trim().parse::<usize>())
        .collect::<Result<Vec<_>, _>>()
        .map_err(|_| format!("expected comma-separated neuron counts like 784,30,10, got '{s}'"))?;
    mlp::network::validate_sizes(&sizes).map_err(|e| e.to_string())?;
    Ok(Sizes(sizes))
}

fn parse_eta(s: &str) -> Result<f64, String> {
    match s.parse::<f64>() {
        Ok(v) if v.is_finite() && v > 0.0 => Ok(v),
        _ => Err(format!("expected a positive number like 3.0, got '{s}'")),
    }
}

fn main() -> ExitCode {
    // Like other Unix tools, end quietly when the reader of our output goes away (`| head`)
    // instead of failing to print.
    #[cfg(unix)]
    // SAFETY: restores the default action of one signal before any thread starts.
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_DFL);
    }
    let cli = Cli::parse();
    let threads = cli.threads.map_or(usize::MAX, |n| n as usize);
    let result = mlp::linalg::with_threads(threads, || run(cli.command));
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}

/// Runs one command.
fn run(command: Command) -> Result<(), Error> {
    match command {
        Command::Gates { json } => gates(json),
        Command::Train(args) => train_cmd(*args),
        Command::Eval {
            model,
            data: _,
            csv: Some(csv),
            drop_missing,
            json,
            confusion_png,
        } => tabular::eval(&model, &csv, json, drop_missing, confusion_png.as_deref()),
        Command::Eval {
            model,
            data,
            json,
            confusion_png,
            ..
        } => eval(&model, &data, json, confusion_png.as_deref()),
        Command::Plot { history, output } => pictures::plot_history(&history, &output),
        Command::Draw {
            layers,
            model,
            weights,
            highlight,
            output,
        } => pictures::draw(
            layers.as_ref().map(|s| s.0.as_slice()),
            model.as_deref(),
            weights,
            highlight,
            &output,
        ),
        Command::Autoencode {
            model,
            data,
            output,
            count,
            codes,
        } => autoencode(&model, &data, &output, count as usize, codes.as_deref()),
        Command::Predict {
            model,
            inputs,
            top,
            json,
        } => predict::predict(&model, &inputs, top.map(|k| k as usize), json),
        Command::Data(DataCommand::Verify { dir }) => verify(&dir),
        Command::Data(DataCommand::Fetch {
            name,
            dir,
            mirror,
            timeout,
            quiet,
        }) => fetch::fetch(&name, dir.as_deref(), &mirror, timeout, quiet),
        Command::Gradcheck { layers, seed, json } => gradcheck(&layers.0, seed, json),
    }
}

/// The MNIST directory: `--data-dir`, else `MLP_DATA_DIR`, else where `mlp data fetch mnist`
/// puts it (the user's cache directory).
fn data_dir(args: &DataArgs) -> Result<PathBuf, Error> {
    if let Some(dir) = &args.data_dir {
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

#[derive(Serialize)]
struct Gates {
    #[serde(rename = "NAND")]
    nand: Vec<[u8; 3]>,
    #[serde(rename = "AND")]
    and: Vec<[u8; 3]>,
    #[serde(rename = "OR")]
    or: Vec<[u8; 3]>,
    #[serde(rename = "XOR")]
    xor: Vec<[u8; 3]>,
    half_adder: Vec<[u8; 4]>,
}

fn gates(json: bool) -> Result<(), Error> {
    let gate = |p: Perceptron| perceptron::truth_table(move |a, b| p.output(&[a, b]));
    let g = Gates {
        nand: gate(Perceptron::nand()),
        and: gate(Perceptron::and()),
        or: gate(Perceptron::or()),
        xor: perceptron::truth_table(perceptron::xor),
        half_adder: perceptron::INPUTS_2
            .iter()
            .map(|&[a, b]| {
                let (sum, carry) = perceptron::half_adder(a, b);
                [a, b, sum, carry]
            })
            .collect(),
    };
    if json {
        println!("{}", serde_json::to_string(&g).expect("plain data"));
        return Ok(());
    }
    let nand = Perceptron::nand();
    println!(
        "NAND is one perceptron: w = [{}, {}], b = {}; XOR is four NANDs; half adder: sum = XOR, carry = AND.",
        nand.weights[0], nand.weights[1], nand.bias
    );
    for (name, table) in [("NAND", &g.nand), ("AND", &g.and), ("OR", &g.or), ("XOR", &g.xor)] {
        println!("\n{name}\n x1 x2 | out");
        for [a, b, o] in table {
            println!("  {a}  {b} |  {o}");
        }
    }
    println!("\nhalf adder\n x1 x2 | sum carry");
    for [a, b, s, c] in &g.half_adder {
        println!("  {a}  {b} |  {s}    {c}");
    }
    Ok(())
}

fn train_cmd(args: TrainArgs) -> Result<(), Error> {
    if args.table.is_given() {
        return tabular::train(&args);
    }
    let dir = &data_dir(&args.data)?;
    let (all_train, test_set) = mnist::load(dir)?;
    let (mut net, spec, mut progress, mut optim) = match &args.resume {
        Some(path) => resume(path, &args, all_train.len(), all_train.n_features())?,
        None => fresh(&args, all_train.len(), all_train.n_features())?,
    };
    let config = spec.config(args.checkpoint_every.map(|n| n as usize));
    config.validate()?;
    let (mut train_set, mut validation) = all_train.split_validation(spec.validation_split, spec.seed)?;
    let mut test_set = test_set;
    if spec.autoencoder {
        train_set = train_set.autoencoding();
        validation = validation.map(mlp::Dataset::autoencoding);
        test_set = test_set.autoencoding();
    }
    train::check_compatible(&net, &train_set, "MNIST")?;

    let quiet = args.quiet;
    if !quiet {
        let layers: Vec<String> = spec.sizes.iter().map(usize::to_string).collect();
        println!(
            "Training {} ({} parameters; {} hidden, {} output, {} cost) on {} images{}, testing on {}: \
             {} epochs, mini-batch {}, {} eta {}, seed {}",
            layers.join("-"),
            net.n_parameters(),
            spec.hidden,
            spec.output,
            spec.cost,
            train_set.len(),
            validation
                .as_ref()
                .map_or(String::new(), |v| format!(" (validating on {})", v.len())),
            test_set.len(),
            config.epochs,
            config.batch_size,
            spec.optimizer,
            optim.eta,
            spec.seed
        );
        if let Some(path) = &args.resume {
            println!(
                "Resuming {} after epoch {}, mini-batch {}",
                path.display(),
                progress.epoch,
                progress.step
            );
            progress.history.epochs.iter().for_each(print_epoch);
        }
    }
    let checkpoint_path = args.checkpoint.as_ref().or(args.resume.as_ref());
    let sets = Sets {
        train: &train_set,
        validation: validation.as_ref(),
        test: Some(&test_set),
    };
    let mut bar = EpochBar::new(quiet);
    train::train(&mut net, sets, &config, &mut optim, &mut progress, |event| {
        match event {
            Event::Batches { epoch, done, total } => bar.update(epoch, done, total),
            Event::Epoch(r) if !quiet => {
                bar.finish();
                print_epoch(r)
            }
            Event::Checkpoint(net, p, o) => {
                if let Some(path) = checkpoint_path {
                    checkpoint::save(path, net, &spec, p, o)?;
                }
            }
            _ => {}
        }
        Ok(())
    })?;

    let record = serde_json::to_string(&spec).expect("plain data");
    if let Some(path) = &args.save {
        model_io::save_with(&net, path, &[("training", record.as_str())])?;
    }
    let history = &progress.history;
    if let Some(path) = &args.history {
        let json = serde_json::json!({"config": &spec, "epochs": &history.epochs});
        model_io::write_atomic(path, &serde_json::to_vec_pretty(&json).expect("plain data"))?;
    }
    if !quiet {
        if progress.stopped_early {
            println!(
                "Stopped early after epoch {}: no better validation accuracy for {} epochs",
                progress.epoch,
                config.early_stopping.unwrap_or(0)
            );
        }
        if let Some(best) = history.best() {
            println!(
                "Best: epoch {}, {}/{} ({:.2}%)",
                best.epoch,
                best.test_correct.unwrap_or(0),
                best.test_total,
                100.0 * best.test_accuracy.unwrap_or(0.0)
            );
        }
        if let Some(path) = &args.save {
            println!("Saved the model to {}", path.display());
        }
    }
    Ok(())
}

/// A new run from the options (defaults where none is given).
fn fresh(
    args: &TrainArgs,
    train_samples: usize,
    features: usize,
) -> Result<(Network<f32>, RunSpec, Progress, Optim<f32>), Error> {
    let validation_split =
        args.validation_split
            .unwrap_or(if args.early_stopping.is_some() { 0.1 } else { 0.0 });
    let hidden = args.activation.unwrap_or_default();
    let optimizer = args.optimizer.unwrap_or(RuleName::Sgd);
    let spec = RunSpec {
        sizes: args.layers.clone().map_or_else(
            || {
                if args.autoencoder {
                    vec![784, 15, 784]
                } else {
                    vec![784, 30, 10]
                }
            },
            |s| s.0,
        ),
        hidden,
        output: args.output.unwrap_or_default(),
        cost: args.cost.unwrap_or_default(),
        init: args.init.unwrap_or_else(|| Init::for_activation(hidden)),
        seed: args.seed.unwrap_or(0),
        epochs: args.epochs.unwrap_or(30) as usize,
        batch_size: args.batch_size.unwrap_or(10) as usize,
        eta: args.eta.unwrap_or(optimizer.default_eta()),
        optimizer,
        momentum: args.momentum.unwrap_or(0.9),
        l2: args.l2.unwrap_or(0.0),
        dropout: args.dropout.unwrap_or(0.0),
        input_dropout: args.input_dropout.unwrap_or(0.0),
        lr_schedule: args.lr_schedule.unwrap_or(Schedule::Constant),
        early_stopping: args.early_stopping.map(|n| n as usize),
        validation_split,
        autoencoder: args.autoencoder,
        train_samples,
        features,
    };
    if !(0.0..1.0).contains(&spec.validation_split) {
        return Err(Error::Invalid(format!(
            "--validation-split must be in [0, 1), got {}",
            spec.validation_split
        )));
    }
    // One generator for the weights and then each epoch's shuffle.
    let mut rng = ChaCha8Rng::seed_from_u64(spec.seed);
    let net: Network<f32> = Network::build(&spec.architecture(), spec.init, &mut rng)?;
    let optim = spec.optim(&net)?;
    Ok((net, spec, Progress::new(rng), optim))
}

/// Loads a checkpoint and checks that the options given and the data agree with it.
fn resume(
    path: &Path,
    args: &TrainArgs,
    train_samples: usize,
    features: usize,
) -> Result<(Network<f32>, RunSpec, Progress, Optim<f32>), Error> {
    let ck = checkpoint::load::<f32>(path)?;
    let mut spec = ck.spec;
    // Every option given must agree with the run being resumed: the options given, laid over
    // the saved run, may differ from it only in the number of epochs.
    let asked = RunSpec {
        sizes: args.layers.clone().map_or(spec.sizes.clone(), |l| l.0),
        hidden: args.activation.unwrap_or(spec.hidden),
        output: args.output.unwrap_or(spec.output),
        cost: args.cost.unwrap_or(spec.cost),
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

/// The option of `mlp train` that sets a field of the run description.
fn flag_of(field: &str) -> String {
    match field {
        "sizes" => "--layers".into(),
        "hidden" => "--activation".into(),
        "lr_schedule" => "--lr-schedule".into(),
        other => format!("--{}", other.replace('_', "-")),
    }
}

/// A progress bar with the ETA of the current epoch, on standard error when it is a terminal
/// (hidden otherwise and with --quiet); cleared before each epoch's summary line.
struct EpochBar {
    on: bool,
    bar: Option<indicatif::ProgressBar>,
}

impl EpochBar {
    fn new(quiet: bool) -> Self {
        use std::io::IsTerminal;
        EpochBar {
            on: !quiet && std::io::stderr().is_terminal(),
            bar: None,
        }
    }

    fn update(&mut self, epoch: usize, done: usize, total: usize) {
        if !self.on {
            return;
        }
        let bar = self.bar.get_or_insert_with(|| {
            let bar = indicatif::ProgressBar::new(total as u64);
            bar.set_style(
                indicatif::ProgressStyle::with_template(
                    "Epoch {prefix:>3} [{bar:40}] {pos}/{len} mini-batches, {elapsed} elapsed, ETA {eta}",
                )
                .expect("a valid template")
                .progress_chars("=> "),
            );
            bar.set_prefix(epoch.to_string());
            bar
        });
        bar.set_position(done as u64);
    }

    fn finish(&mut self) {
        if let Some(bar) = self.bar.take() {
            bar.finish_and_clear();
        }
    }
}

fn print_epoch(r: &EpochReport) {
    if let Some(error) = r.test_error {
        println!(
            "Epoch {:>3}: cost {:.5}, test reconstruction error {:.5} per pixel, {:.2} s",
            r.epoch, r.train_cost, error, r.seconds
        );
        return;
    }
    println!(
        "Epoch {:>3}: cost {:.5}, test {}/{} ({:.2}%), {:.2} s",
        r.epoch,
        r.train_cost,
        r.test_correct.unwrap_or(0),
        r.test_total,
        100.0 * r.test_accuracy.unwrap_or(0.0),
        r.seconds
    );
}

#[derive(Serialize)]
struct EvalJson<'a> {
    accuracy: f64,
    confusion: &'a [Vec<usize>],
}

fn eval(model: &Path, data: &DataArgs, json: bool, confusion_png: Option<&Path>) -> Result<(), Error> {
    let loaded = mlp::Model::load(model)?;
    if !loaded.features.is_empty() {
        return Err(Error::Invalid(format!(
            "{} was trained on tabular data (features {}); evaluate it with --csv FILE",
            model.display(),
            loaded.features.join(", ")
        )));
    }
    let net = loaded.net;
    let test_set = mnist::load_test(&data_dir(data)?)?;
    let e = train::evaluate(&net, &test_set)?;
    if let Some(path) = confusion_png {
        let digits: Vec<String> = (0..e.confusion.len()).map(|d| d.to_string()).collect();
        let title = format!(
            "{}: MNIST test accuracy {:.2}%",
            model
                .file_name()
                .map_or(String::new(), |n| n.to_string_lossy().into_owned()),
            100.0 * e.accuracy()
        );
        let figure = mlp::plot::ConfusionMatrix {
            classes: &digits,
            counts: &e.confusion,
            title,
        };
        mlp::plot::save(&figure, path)?;
    }
    if json {
        let out = EvalJson {
            accuracy: e.accuracy(),
            confusion: &e.confusion,
        };
        println!("{}", serde_json::to_string(&out).expect("plain data"));
        return Ok(());
    }
    println!(
        "Test accuracy: {}/{} ({:.2}%)",
        e.correct,
        e.total,
        100.0 * e.accuracy()
    );
    println!("\nConfusion matrix (rows: true digit, columns: predicted)");
    let digits: Vec<String> = (0..e.confusion.len()).map(|d| d.to_string()).collect();
    print_confusion(&digits, &e.confusion);
    Ok(())
}

/// A confusion matrix as a table, classes as row and column headings.
fn print_confusion(classes: &[String], confusion: &[Vec<usize>]) {
    let width = classes
        .iter()
        .map(|c| c.chars().count())
        .max()
        .unwrap_or(1)
        .max(5)
        + 1;
    print!("{:width$} ", "");
    for c in classes {
        print!("{c:>width$}");
    }
    println!();
    for (name, row) in classes.iter().zip(confusion) {
        print!("{name:>width$} ");
        for n in row {
            print!("{n:>width$}");
        }
        println!();
    }
}

fn autoencode(
    model: &Path,
    data: &DataArgs,
    output: &Path,
    count: usize,
    codes: Option<&Path>,
) -> Result<(), Error> {
    let net: Network<f32> = model_io::load(model)?;
    let test_set = mnist::load_test(&data_dir(data)?)?.autoencoding();
    train::check_compatible(&net, &test_set, "MNIST test")?;
    let all: Vec<usize> = (0..test_set.len()).collect();
    let (reconstructions, code_values) = autoencoder::reconstruct(&net, &test_set, &all)?;
    let shown: Vec<usize> = (0..count.min(test_set.len())).collect();
    let mut originals = ndarray::Array2::<f32>::zeros((shown.len(), test_set.n_features()));
    let mut targets = originals.clone();
    test_set.fill_batch(&shown, originals.view_mut(), targets.view_mut());
    let side = (test_set.n_features() as f64).sqrt() as usize;
    autoencoder::write_grid(
        output,
        &originals,
        &reconstructions.slice(ndarray::s![..shown.len(), ..]).to_owned(),
        side,
        4,
    )?;
    let error = train::reconstruction_error(&net, &test_set)?;
    println!(
        "Reconstruction error on the {} test images: {error:.5} per pixel (mean squared, pixels in [0, 1]); \
         {} numbers per image in the code",
        test_set.len(),
        code_values.ncols()
    );
    println!(
        "Wrote {} (top: originals, bottom: reconstructions)",
        output.display()
    );
    if let Some(path) = codes {
        autoencoder::write_codes_csv(path, &code_values)?;
        println!("Wrote the codes to {}", path.display());
    }
    Ok(())
}

fn verify(dir: &Path) -> Result<(), Error> {
    let verdicts = mlp::data::verify::verify_mnist(dir)?;
    for v in &verdicts {
        match (&v.path, &v.sha256) {
            (None, _) => println!(
                "MISSING   {} (neither {0} nor {0}.gz in {})",
                v.name,
                dir.display()
            ),
            (Some(p), None) => println!("UNREADABLE {}", p.display()),
            (Some(p), Some(sum)) if v.ok() => println!("OK        {} (sha256 {sum})", p.display()),
            (Some(p), Some(sum)) => println!(
                "MISMATCH  {} (sha256 {sum}, expected {})",
                p.display(),
                v.expected
            ),
        }
    }
    let bad = verdicts.iter().filter(|v| !v.ok()).count();
    if bad > 0 {
        return Err(Error::Mismatch(format!(
            "{bad} of {} MNIST files in {} failed verification",
            verdicts.len(),
            dir.display()
        )));
    }
    println!("All {} files match MNIST.", verdicts.len());
    Ok(())
}

fn gradcheck(layers: &[usize], seed: u64, json: bool) -> Result<(), Error> {
    let g = gradient_check(layers, seed)?;
    if json {
        println!("{}", serde_json::to_string(&g).expect("plain data"));
        return Ok(());
    }
    println!(
        "{} parameters; max relative error {:.3e}\nnumerical ({} feedforward passes): {:.6} s\nbackpropagation (1 forward + 1 backward pass): {:.6} s",
        g.parameters, g.max_relative_error, g.numerical_passes, g.numerical_seconds, g.backprop_seconds
    );
    Ok(())
}
