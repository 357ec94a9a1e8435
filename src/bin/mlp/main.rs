//! The `mlp` command: parses the flags once into typed values, hands each subcommand to its
//! file in `commands/`, prints the error once. No numerics live here.

use clap::{Parser, Subcommand};
use commands::augment::AugmentPreviewArgs;
use commands::autoencode::AutoencodeArgs;
use commands::data::DataCommand;
use commands::eval::EvalArgs;
#[cfg(feature = "onnx")]
use commands::export::ExportArgs;
use commands::gates::GatesArgs;
use commands::gradcheck::GradcheckArgs;
#[cfg(feature = "onnx")]
use commands::import::ImportArgs;
use commands::pictures::{DrawArgs, PlotArgs};
use commands::predict::PredictArgs;
#[cfg(feature = "serve")]
use commands::serve::ServeArgs;
use flags::TrainArgs;
use mlp::Error;
use mlp::error::Remedy;
use std::process::ExitCode;

mod commands;
mod fetch;
mod flags;
mod pictures;
mod predict;
mod report;
mod signals;
mod source;
mod spec;

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
    /// Most memory a network, a data file or a decoded array may take, checked before it is
    /// allocated: 512M, 4G, 1T [default: 1G].
    #[arg(long, global = true, env = "MLP_MEMORY_LIMIT", value_name = "SIZE", value_parser = mlp::budget::parse)]
    memory_limit: Option<u64>,
}

#[derive(Subcommand)]
enum Command {
    /// Truth tables of NAND, AND, OR, XOR (four NANDs) and the half adder, computed by perceptrons.
    Gates(GatesArgs),
    /// Train a network on MNIST (or on a CSV / .npy table with --csv / --npy) with mini-batch
    /// SGD; report test accuracy after each epoch.
    Train(Box<TrainArgs>),
    /// Test accuracy and confusion matrix of a saved model on the MNIST test set, or on a CSV
    /// file (accuracy, or R² for a regressor).
    Eval(EvalArgs),
    /// Draw the cost and accuracy (or error) per epoch from a `mlp train --history` file.
    Plot(PlotArgs),
    /// Draw a network like the lecture's figures: neurons as circles in columns, arrows from
    /// every neuron to every neuron of the next layer (layers of more than 10 neurons are
    /// shortened with ⋮).
    Draw(DrawArgs),
    /// Classify pictures of digits (PNG, JPEG), CSV rows, .npy rows or the images of an IDX
    /// file with a saved model; print the class and its probability (or the predicted value).
    ///
    /// A picture is converted as MNIST made its images: grey levels, inverted if the digit is
    /// dark on light paper, the background subtracted and the ink stretched to [0, 1], cropped to
    /// the ink and scaled (aspect kept) into 20×20 pixels, then centred by its centre of mass
    /// in 28×28.
    Predict(PredictArgs),
    /// Reconstruct test images with a trained autoencoder: a picture of originals over their
    /// reconstructions, the reconstruction error, and optionally the codes.
    Autoencode(AutoencodeArgs),
    /// Draw training images beside several of their distortions (what `train --augment`
    /// trains on in successive epochs) as one PNG grid.
    AugmentPreview(AugmentPreviewArgs),
    /// Data sets: download MNIST or Fashion-MNIST, check a local copy.
    #[command(subcommand)]
    Data(DataCommand),
    /// Compare backpropagation's gradient with central differences on a random network (f64).
    Gradcheck(GradcheckArgs),
    /// Write a saved model as an ONNX graph, for ONNX Runtime and the other runtimes.
    #[cfg(feature = "onnx")]
    Export(ExportArgs),
    /// Read an MLP from an ONNX file (torch.onnx.export, skl2onnx, mlp export) into a model file.
    #[cfg(feature = "onnx")]
    Import(ImportArgs),
    /// A web page on this machine: draw a digit and watch the network classify it, train the
    /// lecture's network on MNIST and watch its curves and weights grow. Prints the URL.
    #[cfg(feature = "serve")]
    Serve(ServeArgs),
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
    if let Some(bytes) = cli.memory_limit {
        mlp::budget::set_limit(bytes);
    }
    match mlp::linalg::with_threads(threads, || run(&cli.command)) {
        Ok(()) => ExitCode::SUCCESS,
        // `train` has said what it kept.
        Err(Error::Interrupted { .. }) => ExitCode::from(signals::EXIT_INTERRUPTED),
        Err(e) => {
            eprintln!("error: {e}{}", flag_hint(&e));
            ExitCode::FAILURE
        }
    }
}

/// The flag that acts on an error the library describes in its own words (a library user
/// never typed a flag).
fn flag_hint(e: &Error) -> &'static str {
    match e {
        Error::Diverged { .. } | Error::Stalled { .. } | Error::Saturated { .. } => " (--eta)",
        Error::Csv {
            remedy: Some(Remedy::LeaveOutMissing),
            ..
        } => " (--drop-missing)",
        Error::Csv {
            remedy: Some(Remedy::Classify),
            ..
        } => " (--task classify)",
        Error::TooManyClasses { .. } => " (--task regress)",
        Error::NoMnist { .. } => "; give it with --data-dir DIR or MLP_DATA_DIR",
        Error::TooLarge { .. } => {
            "; raise the limit with --memory-limit SIZE (or MLP_MEMORY_LIMIT) if this is meant"
        }
        _ => "",
    }
}

/// Runs one command.
fn run(command: &Command) -> Result<(), Error> {
    match command {
        Command::Gates(args) => commands::gates::run(args),
        Command::Train(args) => commands::train::run(args),
        Command::Eval(args) => commands::eval::run(args),
        Command::Plot(args) => commands::pictures::plot(args),
        Command::Draw(args) => commands::pictures::draw(args),
        Command::Predict(args) => commands::predict::run(args),
        Command::Autoencode(args) => commands::autoencode::run(args),
        Command::AugmentPreview(args) => commands::augment::run(args),
        Command::Data(command) => commands::data::run(command),
        Command::Gradcheck(args) => commands::gradcheck::run(args),
        #[cfg(feature = "onnx")]
        Command::Export(args) => commands::export::run(args),
        #[cfg(feature = "onnx")]
        Command::Import(args) => commands::import::run(args),
        #[cfg(feature = "serve")]
        Command::Serve(args) => commands::serve::run(args),
    }
}
