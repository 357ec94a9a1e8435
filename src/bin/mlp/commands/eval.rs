//! `mlp eval MODEL`: test accuracy and confusion matrix on MNIST's test set, or accuracy (R²
//! for a regressor) on a CSV file with the model's columns.

use super::print_confusion;
use crate::flags::DataArgs;
use clap::Args;
use mlp::data::mnist;
use mlp::data::tabular::{Csv, Task};
use mlp::data::{Dataset, Features, Targets};
use mlp::train;
use mlp::{Error, Model};
use ndarray::Axis;
use serde_json::json;
use std::path::{Path, PathBuf};

#[derive(Args)]
pub struct EvalArgs {
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
}

pub fn run(args: &EvalArgs) -> Result<(), Error> {
    let model = Model::load(&args.model)?;
    if model.task == Task::MultiLabel {
        return Err(multilabel(args));
    }
    match &args.csv {
        Some(csv) => on_csv(args, model, csv),
        None => on_mnist(args, model),
    }
}

fn multilabel(args: &EvalArgs) -> Error {
    Error::Invalid(format!(
        "{} is a multilabel model (one 0/1 output per label); eval scores a model with one \
         class or value per row — score it with the Python package (subset accuracy)",
        args.model.display()
    ))
}

fn on_mnist(args: &EvalArgs, model: Model) -> Result<(), Error> {
    if !model.features.is_empty() {
        return Err(Error::Invalid(format!(
            "{} was trained on tabular data (features {}); evaluate it with --csv FILE",
            args.model.display(),
            model.features.join(", ")
        )));
    }
    let test_set = mnist::load_test(&args.data.dir()?)?;
    let e = train::evaluate(&model.net, &test_set)?;
    let digits: Vec<String> = (0..e.confusion.len()).map(|d| d.to_string()).collect();
    if let Some(path) = &args.confusion_png {
        let title = format!(
            "{}: MNIST test accuracy {:.2}%",
            args.model
                .file_name()
                .map_or(String::new(), |n| n.to_string_lossy().into_owned()),
            100.0 * e.accuracy()
        );
        draw_confusion(&digits, &e.confusion, title, path)?;
    }
    if args.json {
        println!("{}", json!({"accuracy": e.accuracy(), "confusion": e.confusion}));
        return Ok(());
    }
    println!(
        "Test accuracy: {}/{} ({:.2}%)",
        e.correct,
        e.total,
        100.0 * e.accuracy()
    );
    println!("\nConfusion matrix (rows: true digit, columns: predicted)");
    print_confusion(&digits, &e.confusion);
    Ok(())
}

fn draw_confusion(
    classes: &[String],
    counts: &[Vec<usize>],
    title: String,
    path: &Path,
) -> Result<(), Error> {
    let figure = mlp::plot::ConfusionMatrix {
        classes,
        counts,
        title,
    };
    mlp::plot::save(&figure, path)
}

/// Accuracy and confusion matrix, or R² and the mean squared error, on a CSV file with the
/// model's feature columns and its target column.
fn on_csv(args: &EvalArgs, model: Model, csv_path: &Path) -> Result<(), Error> {
    if model.features.is_empty() {
        return Err(Error::Invalid(format!(
            "{} was not trained on a CSV file (it names no feature columns); evaluate it on MNIST without --csv",
            args.model.display()
        )));
    }
    let table =
        Csv::read(csv_path)?.extract_named(&model.features, Some(&model.target), args.drop_missing)?;
    let n = table.y.len();
    match model.task {
        Task::Classify => {
            let x = model.prepare(table.x.view())?;
            // Rows whose class the model never saw are counted as wrong.
            let (mut rows, mut labels) = (Vec::new(), Vec::new());
            for (r, y) in table.y.iter().enumerate() {
                if let Some(c) = model.classes.iter().position(|c| c == y.trim()) {
                    rows.push(r);
                    labels.push(c as u8);
                }
            }
            let known = Dataset {
                features: Features::Values(x.select(Axis(0), &rows)),
                labels,
                n_classes: model.classes.len(),
                targets: Targets::Classes,
                weights: None,
            };
            let e = train::evaluate(&model.net, &known)?;
            let unknown = n - rows.len();
            let accuracy = e.correct as f64 / n as f64;
            if let Some(path) = &args.confusion_png {
                let title = format!("{}: accuracy {:.2}%", csv_path.display(), 100.0 * accuracy);
                draw_confusion(&model.classes, &e.confusion, title, path)?;
            }
            if args.json {
                let out = json!({"accuracy": accuracy, "classes": model.classes, "confusion": e.confusion, "unknown_classes": unknown});
                println!("{out}");
                return Ok(());
            }
            println!("Accuracy: {}/{n} ({:.2}%)", e.correct, 100.0 * accuracy);
            if unknown > 0 {
                println!("({unknown} rows have a class the model was not trained on)");
            }
            println!("\nConfusion matrix (rows: true class, columns: predicted)");
            print_confusion(&model.classes, &e.confusion);
        }
        Task::MultiLabel => return Err(multilabel(args)),
        Task::Regress => {
            if args.confusion_png.is_some() {
                return Err(Error::Invalid(
                    "--confusion-png draws a classifier's confusion matrix; this model is a regressor".into(),
                ));
            }
            let y = table.y_values()?;
            let variance = f64::from(y.var(0.0));
            // In the target's own units: `outputs` maps a standardised target back.
            let mse = model.mean_squared_error(table.x.view(), y.insert_axis(Axis(1)).view())?;
            let r2 = train::r_squared(mse, variance);
            if args.json {
                println!("{}", json!({"r2": r2, "mse": mse, "rows": n}));
                return Ok(());
            }
            println!("R²: {r2:.4}, mean squared error {mse:.5} over {n} rows");
            if r2 < 0.0 {
                println!("(below 0: the model predicts worse than the mean of these targets would)");
            }
        }
    }
    Ok(())
}
