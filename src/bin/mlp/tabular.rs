//! `mlp train --csv` / `--npy`: tabular data through the scikit-learn-style estimators, and
//! `mlp eval MODEL --csv`.

use super::{Sizes, TrainArgs};
use clap::Args;
use mlp::data::tabular::{Csv, Tabular, Task};
use mlp::data::{Dataset, Features, Targets};
use mlp::estimator::{MlpClassifier, MlpRegressor, OnEpoch, Params};
use mlp::optim::RuleName;
use mlp::train;
use mlp::train::EpochReport;
use mlp::{Error, Model};
use ndarray::Axis;
use serde_json::json;
use std::path::{Path, PathBuf};

/// Options not about MNIST: tabular data. The network's first and last layers come from the
/// data; the defaults are scikit-learn's MLPClassifier/MLPRegressor's.
#[derive(Args)]
#[command(
    next_help_heading = "Tabular data (scikit-learn's defaults: --hidden 100 --activation relu \
    --optimizer adam --eta 0.001 --alpha 0.0001, mini-batches of min(200, n), up to 200 epochs, \
    stop after 10 epochs without the training loss falling by 1e-4)"
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
    #[arg(long, value_name = "TASK", value_parser = ["classify", "regress"])]
    pub task: Option<String>,
    /// Leave out rows with a missing value (empty, NA, NaN, null, ?) instead of stopping with
    /// an error.
    #[arg(long)]
    pub drop_missing: bool,
    /// Neurons per hidden layer, e.g. 100 or 64,32 (the input and output layers come from the
    /// data). [default: 100]
    #[arg(long, value_name = "SIZES", value_parser = parse_hidden)]
    pub hidden: Option<Sizes>,
    /// L2 penalty α: each mini-batch's mean cost gains α/(2m) Σ w² (scikit-learn's alpha).
    /// [default: 0.0001]
    #[arg(long, value_name = "ALPHA")]
    pub alpha: Option<f64>,
    /// Hold out this seeded random fraction of the rows to test on after every epoch (0: no
    /// test). [default: 0.2]
    #[arg(long, value_name = "F", conflicts_with = "test_csv")]
    pub test_split: Option<f64>,
    /// Test on this CSV file (same columns) instead of a split of the training file.
    #[arg(long, value_name = "FILE", requires = "csv")]
    pub test_csv: Option<PathBuf>,
    /// Use the features as they are: do not standardise them to mean 0 and standard
    /// deviation 1 (the training data's, kept in the model file).
    #[arg(long)]
    pub no_standardize: bool,
}

/// MNIST-only options (checked by clap: giving one with --csv or --npy is an error).
const NOT_TABULAR: [&str; 11] = [
    "layers",
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

impl TableArgs {
    pub fn is_given(&self) -> bool {
        self.csv.is_some() || self.npy.is_some()
    }
}

fn parse_hidden(s: &str) -> Result<Sizes, String> {
    let sizes = s
        .split(',')
        .map(|p| p.trim().parse::<usize>())
        .collect::<Result<Vec<_>, _>>()
        .ok()
        .filter(|v| !v.is_empty() && !v.contains(&0))
        .ok_or_else(|| format!("expected comma-separated neuron counts like 100 or 64,32, got '{s}'"))?;
    Ok(Sizes(sizes))
}

/// The estimator's hyper-parameters from the command line (scikit-learn's where none given).
fn params(args: &TrainArgs) -> Result<Params, Error> {
    let t = &args.table;
    let solver = args
        .optimizer
        .unwrap_or(RuleName::Adam)
        .with_momentum(args.momentum.unwrap_or(0.9));
    let mut p = Params {
        solver,
        ..Params::default()
    };
    if let Some(h) = &t.hidden {
        p.hidden_layer_sizes = h.0.clone();
    }
    if let Some(a) = args.activation {
        p.activation = a;
    }
    if let Some(alpha) = t.alpha {
        if !(alpha.is_finite() && alpha >= 0.0) {
            return Err(Error::Invalid(format!("--alpha must be 0 or more, got {alpha}")));
        }
        p.alpha = alpha;
    }
    p.batch_size = args.batch_size.map(|m| m as usize);
    if let Some(eta) = args.eta {
        p.learning_rate_init = eta;
    }
    if let Some(epochs) = args.epochs {
        p.max_iter = epochs as usize;
    }
    if let Some(n) = args.early_stopping {
        p.early_stopping = true;
        p.n_iter_no_change = n as usize;
    }
    if let Some(f) = args.validation_split {
        if !(f > 0.0 && f < 1.0) {
            return Err(Error::Invalid(format!(
                "--validation-split must be in (0, 1), got {f}"
            )));
        }
        p.early_stopping = true;
        p.validation_fraction = f;
    }
    if let Some(init) = args.init {
        p.init = init;
    }
    p.random_state = args.seed.unwrap_or(0);
    p.standardize = !t.no_standardize;
    Ok(p)
}

/// The training and test tables from the options.
fn tables(args: &TrainArgs) -> Result<(Tabular, Option<Tabular>), Error> {
    let t = &args.table;
    let all = match (&t.csv, &t.npy, &t.npy_target) {
        (Some(csv), _, _) => Tabular::from_csv(csv, t.target.as_deref().unwrap_or_default(), t.drop_missing)?,
        (None, Some(x), Some(y)) => Tabular::from_npy(x, y)?,
        _ => unreachable!("clap requires --target with --csv and --npy-target with --npy"),
    };
    if let Some(path) = &t.test_csv {
        let test =
            Csv::read(path)?.extract_named(&all.feature_names, Some(&all.target_name), t.drop_missing)?;
        return Ok((all, Some(test)));
    }
    match t.test_split.unwrap_or(0.2) {
        0.0 => Ok((all, None)),
        f => {
            let (train, test) = all.split(f, args.seed.unwrap_or(0))?;
            Ok((train, Some(test)))
        }
    }
}

pub fn train(args: &TrainArgs) -> Result<(), Error> {
    let (train, test) = tables(args)?;
    let task = match args.table.task.as_deref() {
        Some(name) => name.parse().map_err(Error::Invalid)?,
        None => Task::infer(&train.y),
    };
    let params = params(args)?;
    let quiet = args.quiet;
    let source = args
        .table
        .csv
        .as_ref()
        .or(args.table.npy.as_ref())
        .expect("tabular");
    if !quiet {
        println!(
            "Training on {} ({} rows{} of {} features; target '{}'; task {}{}), testing on {}",
            source.display(),
            train.x.nrows(),
            if train.dropped > 0 {
                format!(", {} with missing values left out", train.dropped)
            } else {
                String::new()
            },
            train.x.ncols(),
            train.target_name,
            task.name(),
            if args.table.task.is_none() {
                " (inferred; --task to choose)"
            } else {
                ""
            },
            test.as_ref()
                .map_or("nothing".into(), |t| format!("{} rows", t.x.nrows())),
        );
        let hidden: Vec<String> = params.hidden_layer_sizes.iter().map(usize::to_string).collect();
        println!(
            "Hidden layers {} ({}), {} eta {}, alpha {}, up to {} epochs, seed {}{}",
            hidden.join(","),
            params.activation.name(),
            params.solver.name(),
            params.learning_rate_init,
            params.alpha,
            params.max_iter,
            params.random_state,
            if params.standardize {
                ", features standardised"
            } else {
                ""
            }
        );
    }
    let history = std::cell::RefCell::new(Vec::<EpochReport>::new());
    let test_variance = test
        .as_ref()
        .and_then(|t| t.y_values().ok())
        .map(|y| y.var(0.0) as f64);
    let on_epoch: OnEpoch<'_> = Box::new(|r: &EpochReport| {
        if !quiet {
            print_epoch(r, test_variance);
        }
        history.borrow_mut().push(r.clone());
        Ok(())
    });
    let (model, converged, summary) = match task {
        Task::Classify => {
            let mut clf = MlpClassifier::<String>::new().with_params(params.clone());
            let y: Vec<String> = train.y.iter().map(|v| v.trim().to_string()).collect();
            let test_y: Option<Vec<String>> = test
                .as_ref()
                .map(|t| t.y.iter().map(|v| v.trim().to_string()).collect());
            let test_view = test.as_ref().zip(test_y.as_deref()).map(|(t, y)| (t.x.view(), y));
            clf.fit_watched(train.x.view(), &y, test_view, on_epoch)?;
            let summary = match (&test, &test_y) {
                (Some(t), Some(y)) => {
                    let acc = clf.score(t.x.view(), y)?;
                    format!(
                        "Test accuracy: {}/{} ({:.2}%)",
                        (acc * y.len() as f64).round(),
                        y.len(),
                        100.0 * acc
                    )
                }
                _ => String::new(),
            };
            let mut model = clf.model()?.clone();
            model.classes = clf.classes().to_vec();
            (model, clf.converged(), summary)
        }
        Task::Regress => {
            let mut reg = MlpRegressor::new().with_params(params.clone());
            let y = train.y_values()?;
            let test_y = test.as_ref().map(Tabular::y_values).transpose()?;
            let test_view = test
                .as_ref()
                .zip(test_y.as_ref())
                .map(|(t, y)| (t.x.view(), y.view()));
            reg.fit_watched(train.x.view(), y.view(), test_view, on_epoch)?;
            let summary = match (&test, &test_y) {
                (Some(t), Some(y)) => format!("Test R²: {:.4}", reg.score(t.x.view(), y.view())?),
                _ => String::new(),
            };
            (reg.model()?.clone(), reg.converged(), summary)
        }
    };
    let mut model = model;
    model.features = train.feature_names.clone();
    model.target = train.target_name.clone();
    let n_epochs = history.borrow().len();
    let config = json!({
        "data": source,
        "target": train.target_name,
        "task": task.name(),
        "hidden": params.hidden_layer_sizes,
        "activation": params.activation.name(),
        "optimizer": params.solver.name(),
        "eta": params.learning_rate_init,
        "alpha": params.alpha,
        "batch_size": params.batch_size,
        "max_epochs": params.max_iter,
        "tol": params.tol,
        "n_iter_no_change": params.n_iter_no_change,
        "early_stopping": params.early_stopping,
        "validation_split": params.early_stopping.then_some(params.validation_fraction),
        "standardize": params.standardize,
        "init": params.init.name(),
        "seed": params.random_state,
    });
    if let Some(path) = &args.save {
        model.save(path, &[("training", &config.to_string())])?;
    }
    if let Some(path) = &args.history {
        let json = json!({"config": config, "epochs": *history.borrow()});
        mlp::model_io::write_atomic(path, &serde_json::to_vec_pretty(&json).expect("plain data"))?;
    }
    if !quiet {
        if converged {
            println!(
                "Stopped after epoch {n_epochs}: no improvement of more than {} in {} epochs",
                params.tol, params.n_iter_no_change
            );
        } else {
            println!(
                "Reached the last epoch ({n_epochs}) before the loss stopped improving; more --epochs may help"
            );
        }
        if !summary.is_empty() {
            println!("{summary}");
        }
        if let Some(path) = &args.save {
            println!("Saved the model to {}", path.display());
        }
    }
    Ok(())
}

fn print_epoch(r: &EpochReport, test_variance: Option<f64>) {
    let test = match (r.test_accuracy, r.test_error, test_variance) {
        (Some(acc), _, _) => format!(
            ", test {}/{} ({:.2}%)",
            r.test_correct.unwrap_or(0),
            r.test_total,
            100.0 * acc
        ),
        (None, Some(mse), Some(var)) if var > 0.0 => {
            format!(", test R² {:.4} (MSE {mse:.5})", 1.0 - mse / var)
        }
        _ => String::new(),
    };
    let validation = match (r.validation_accuracy, r.validation_error) {
        (Some(acc), _) => format!(", validation {:.2}%", 100.0 * acc),
        (None, Some(mse)) => format!(", validation MSE {mse:.5}"),
        _ => String::new(),
    };
    println!(
        "Epoch {:>3}: loss {:.5}{test}{validation}, {:.2} s",
        r.epoch, r.train_cost, r.seconds
    );
}

/// `mlp eval MODEL --csv FILE`: accuracy and confusion matrix, or R² and the mean squared
/// error, on a CSV file with the model's feature columns and its target column.
pub fn eval(
    model_path: &Path,
    csv_path: &Path,
    json: bool,
    drop_missing: bool,
    confusion_png: Option<&Path>,
) -> Result<(), Error> {
    let model = Model::load(model_path)?;
    if model.features.is_empty() {
        return Err(Error::Invalid(format!(
            "{} was not trained on a CSV file (it names no feature columns); evaluate it on MNIST without --csv",
            model_path.display()
        )));
    }
    let table = Csv::read(csv_path)?.extract_named(&model.features, Some(&model.target), drop_missing)?;
    let n = table.y.len();
    let x = model.prepare(table.x.view())?;
    match model.task {
        Task::Classify => {
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
            };
            let e = train::evaluate(&model.net, &known)?;
            let unknown = n - rows.len();
            let accuracy = e.correct as f64 / n as f64;
            if let Some(path) = confusion_png {
                let figure = mlp::plot::ConfusionMatrix {
                    classes: &model.classes,
                    counts: &e.confusion,
                    title: format!("{}: accuracy {:.2}%", csv_path.display(), 100.0 * accuracy),
                };
                mlp::plot::save(&figure, path)?;
            }
            if json {
                let out = json!({"accuracy": accuracy, "classes": model.classes, "confusion": e.confusion, "unknown_classes": unknown});
                println!("{out}");
                return Ok(());
            }
            println!("Accuracy: {}/{n} ({:.2}%)", e.correct, 100.0 * accuracy);
            if unknown > 0 {
                println!("({unknown} rows have a class the model was not trained on)");
            }
            println!("\nConfusion matrix (rows: true class, columns: predicted)");
            super::print_confusion(&model.classes, &e.confusion);
        }
        Task::Regress => {
            if confusion_png.is_some() {
                return Err(Error::Invalid(
                    "--confusion-png draws a classifier's confusion matrix; this model is a regressor".into(),
                ));
            }
            let y = table.y_values()?;
            let variance = y.var(0.0) as f64;
            let data = Dataset {
                features: Features::Values(x),
                labels: Vec::new(),
                n_classes: 0,
                targets: Targets::Values(y.insert_axis(Axis(1))),
            };
            let mse = train::reconstruction_error(&model.net, &data)?;
            // R² = 1 − Σ(y − ŷ)² / Σ(y − ȳ)², for the one target column.
            let r2 = if variance > 0.0 {
                1.0 - mse / variance
            } else {
                f64::from(mse == 0.0)
            };
            if json {
                println!("{}", json!({"r2": r2, "mse": mse, "rows": n}));
                return Ok(());
            }
            println!("R²: {r2:.4}, mean squared error {mse:.5} over {n} rows");
        }
    }
    Ok(())
}
