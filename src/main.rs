//! The `mlp` command: parses options, calls the library, prints. No numerics live here.

use clap::{Args, Parser, Subcommand};
use mlp::data::mnist;
use mlp::gradcheck::gradient_check;
use mlp::perceptron::{self, Perceptron};
use mlp::train::{self, EpochReport, TrainConfig};
use mlp::{Error, Init, Network, model_io};
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use serde::Serialize;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

/// Multilayer perceptrons from first principles: perceptron gates, sigmoid networks trained by
/// backpropagation and mini-batch stochastic gradient descent, MNIST digits.
#[derive(Parser)]
#[command(name = "mlp", version, about, long_about = None)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Truth tables of NAND, AND, OR, XOR (four NANDs) and the half adder, computed by perceptrons.
    Gates {
        /// Print one JSON object instead of tables.
        #[arg(long)]
        json: bool,
    },
    /// Train a network on MNIST with mini-batch SGD; report test accuracy after each epoch.
    Train(TrainArgs),
    /// Test accuracy and confusion matrix of a saved model on the MNIST test set.
    Eval {
        /// Model file written by `mlp train --save`.
        model: PathBuf,
        #[command(flatten)]
        data: DataArgs,
        /// Print {"accuracy": ..., "confusion": [[...], ...]} (rows: true digit, columns: predicted).
        #[arg(long)]
        json: bool,
    },
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

#[derive(Args)]
struct DataArgs {
    /// Directory holding the four MNIST IDX files (train-images-idx3-ubyte, train-labels-idx1-ubyte,
    /// t10k-images-idx3-ubyte, t10k-labels-idx1-ubyte; each raw or .gz).
    #[arg(long, env = mnist::DATA_DIR_ENV, value_name = "DIR")]
    data_dir: Option<PathBuf>,
}

#[derive(Args)]
struct TrainArgs {
    #[command(flatten)]
    data: DataArgs,
    /// Neurons per layer, inputs first: 784 pixels in, 10 digits out.
    #[arg(long, value_parser = parse_layers, default_value = "784,30,10")]
    layers: Sizes,
    /// Passes over the 60 000 training images.
    #[arg(long, default_value_t = 30, value_parser = clap::value_parser!(u64).range(1..))]
    epochs: u64,
    /// Samples per gradient step (m).
    #[arg(long, default_value_t = 10, value_parser = clap::value_parser!(u64).range(1..))]
    batch_size: u64,
    /// Learning rate η (positive).
    #[arg(long, default_value_t = 3.0, value_parser = parse_eta, allow_negative_numbers = true)]
    eta: f64,
    /// Weight initialisation: standard-normal (N(0,1), the lecture's) or scaled-normal (N(0,1/n_in)).
    #[arg(long, default_value = "standard-normal")]
    init: Init,
    /// Seed of the random initial weights and of the shuffling; same seed, same model file.
    #[arg(long, default_value_t = 0)]
    seed: u64,
    /// Write the trained model (after the last epoch) to this safetensors file.
    #[arg(long, value_name = "FILE")]
    save: Option<PathBuf>,
    /// Write the per-epoch history as JSON: {"epochs": [{"epoch", "train_cost", "test_accuracy", "seconds"}, ...]}.
    #[arg(long, value_name = "FILE")]
    history: Option<PathBuf>,
    /// Print nothing but errors.
    #[arg(long)]
    quiet: bool,
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
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Gates { json } => gates(json),
        Command::Train(args) => train_cmd(args),
        Command::Eval { model, data, json } => eval(&model, &data, json),
        Command::Gradcheck { layers, seed, json } => gradcheck(&layers.0, seed, json),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}

fn data_dir(args: &DataArgs) -> Result<&Path, Error> {
    args.data_dir.as_deref().ok_or_else(|| {
        Error::Invalid(format!(
            "no MNIST directory given: pass --data-dir DIR or set {}",
            mnist::DATA_DIR_ENV
        ))
    })
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
    let config = TrainConfig {
        epochs: args.epochs as usize,
        batch_size: args.batch_size as usize,
        eta: args.eta,
    };
    config.validate()?;
    let dir = data_dir(&args.data)?;
    let (train_set, test_set) = mnist::load(dir)?;
    // One generator for everything random: first the weights, then each epoch's shuffle.
    let mut rng = ChaCha8Rng::seed_from_u64(args.seed);
    let mut net: Network<f32> = Network::new(&args.layers.0, args.init, &mut rng)?;
    train::check_compatible(&net, &train_set, "MNIST")?;

    if !args.quiet {
        println!(
            "Training {} ({} parameters) on {} images, testing on {}: {} epochs, mini-batch {}, eta {}, seed {}",
            args.layers
                .0
                .iter()
                .map(usize::to_string)
                .collect::<Vec<_>>()
                .join("-"),
            net.n_parameters(),
            train_set.len(),
            test_set.len(),
            config.epochs,
            config.batch_size,
            config.eta,
            args.seed
        );
    }
    let quiet = args.quiet;
    let history = train::train(&mut net, &train_set, Some(&test_set), &config, &mut rng, |r| {
        if !quiet {
            print_epoch(r);
        }
    })?;

    if let Some(path) = &args.save {
        model_io::save(&net, path)?;
    }
    if let Some(path) = &args.history {
        let json = serde_json::to_vec_pretty(&history).expect("plain data");
        model_io::write_atomic(path, &json)?;
    }
    if !quiet {
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

fn print_epoch(r: &EpochReport) {
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

fn eval(model: &Path, data: &DataArgs, json: bool) -> Result<(), Error> {
    let net: Network<f32> = model_io::load(model)?;
    let test_set = mnist::load_test(data_dir(data)?)?;
    let e = train::evaluate(&net, &test_set)?;
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
    print!("     ");
    for c in 0..e.confusion.len() {
        print!("{c:>6}");
    }
    println!();
    for (t, row) in e.confusion.iter().enumerate() {
        print!("{t:>4} ");
        for n in row {
            print!("{n:>6}");
        }
        println!();
    }
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
