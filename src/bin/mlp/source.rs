//! Where `mlp train` reads its data: MNIST's IDX files, a CSV file or `.npy` arrays. Each
//! source becomes the same thing — a training set, perhaps a test set, and for a table what a
//! model of it must keep — so that one pipeline trains on any of them.

use crate::flags::TrainArgs;
use mlp::data::prepare::{PreparedTable, Scaling, prepare};
use mlp::data::standardize::Standardizer;
use mlp::data::tabular::{Csv, Tabular, Task};
use mlp::data::{Dataset, mnist};
use mlp::train::RunSpec;
use mlp::{Error, Model, Network};
use serde_json::{Value, json};
use std::path::{Path, PathBuf};

/// The data a run trains on, as the flags name it.
pub enum Source {
    Mnist(PathBuf),
    Csv { path: PathBuf, target: String },
    Npy { x: PathBuf, y: PathBuf },
}

/// A source's data sets (the training set before any validation split).
pub struct Loaded {
    pub train: Dataset,
    pub test: Option<Dataset>,
    pub table: Option<Table>,
}

/// What a table's model keeps, and what the report says about the table.
pub struct Table {
    pub task: Task,
    pub task_inferred: bool,
    pub classes: Vec<String>,
    pub features: Vec<String>,
    pub target: String,
    pub standardizer: Option<Standardizer>,
    pub target_standardizer: Option<Standardizer>,
    pub test_variance: Option<f64>,
    /// Rows left out for a missing value.
    pub dropped: usize,
}

impl Source {
    pub fn from_flags(args: &TrainArgs) -> Result<Source, Error> {
        let t = &args.table;
        Ok(match (&t.csv, &t.npy, &t.npy_target) {
            (Some(path), _, _) => Source::Csv {
                path: path.clone(),
                target: t.target.clone().unwrap_or_default(),
            },
            (None, Some(x), Some(y)) => Source::Npy {
                x: x.clone(),
                y: y.clone(),
            },
            _ => Source::Mnist(args.data.dir()?),
        })
    }

    /// How errors about the data name it.
    pub fn name(&self) -> &'static str {
        match self {
            Source::Mnist(_) => "MNIST",
            Source::Csv { .. } => "CSV",
            Source::Npy { .. } => ".npy",
        }
    }

    /// The file a table came from.
    pub fn path(&self) -> &Path {
        match self {
            Source::Mnist(dir) => dir,
            Source::Csv { path, .. } => path,
            Source::Npy { x, .. } => x,
        }
    }

    /// What one sample is called in the report.
    pub fn samples(&self) -> &'static str {
        match self {
            Source::Mnist(_) => "images",
            _ => "rows",
        }
    }

    pub fn load(&self, args: &TrainArgs) -> Result<Loaded, Error> {
        let t = &args.table;
        let all = match self {
            Source::Mnist(dir) => {
                let (train, test) = mnist::load(dir)?;
                return Ok(Loaded {
                    train,
                    test: Some(test),
                    table: None,
                });
            }
            Source::Csv { path, target } => Tabular::from_csv(path, target, t.drop_missing)?,
            Source::Npy { x, y } => Tabular::from_npy(x, y)?,
        };
        let (train, test) = match (&t.test_csv, t.test_split.unwrap_or(0.2)) {
            (Some(path), _) => {
                let test = Csv::read(path)?.extract_named(
                    &all.feature_names,
                    Some(&all.target_name),
                    t.drop_missing,
                )?;
                (all, Some(test))
            }
            (None, 0.0) => (all, None),
            (None, f) => {
                let (train, test) = all.split(f, args.seed.unwrap_or(0))?;
                (train, Some(test))
            }
        };
        let task = match t.task.as_deref() {
            Some(name) => name.parse().map_err(Error::Invalid)?,
            None => Task::infer(&train.y),
        };
        let (features, target, dropped) = (
            train.feature_names.clone(),
            train.target_name.clone(),
            train.dropped,
        );
        let PreparedTable {
            train,
            test,
            classes,
            standardizer,
            target_standardizer,
            test_variance,
        } = prepare(
            train,
            test,
            task,
            Scaling {
                features: !t.no_standardize,
                target: !t.no_standardize_target,
            },
        )
        .map_err(|e| match e {
            // The library's table knows its columns, not its file.
            Error::Invalid(m) => Error::Invalid(format!("{}: {m}", self.path().display())),
            e => e,
        })?;
        Ok(Loaded {
            train,
            test,
            table: Some(Table {
                task,
                task_inferred: t.task.is_none(),
                classes,
                features,
                target,
                standardizer,
                target_standardizer,
                test_variance,
                dropped,
            }),
        })
    }
}

impl Table {
    /// The trained network with the table's names and standardisation.
    pub fn model(&self, net: Network<f32>) -> Model {
        Model {
            net,
            task: self.task,
            classes: self.classes.clone(),
            features: self.features.clone(),
            target: self.target.clone(),
            standardizer: self.standardizer.clone(),
            target_standardizer: self.target_standardizer.clone(),
        }
    }

    /// The run as a table's model file and history record it, in scikit-learn's words.
    pub fn record(&self, spec: &RunSpec, data: &Path) -> Value {
        let n = spec.sizes.len();
        json!({
            "data": data,
            "target": self.target,
            "task": self.task.name(),
            "hidden": spec.sizes[1..n - 1],
            "activation": spec.hidden.name(),
            "optimizer": spec.optimizer.name(),
            "eta": spec.eta,
            "alpha": spec.alpha,
            "batch_size": spec.batch_size,
            "max_epochs": spec.epochs,
            "tol": mlp::TrainConfig::default().tol,
            "n_iter_no_change": spec.early_stopping,
            "early_stopping": spec.validation_split > 0.0,
            "validation_split": (spec.validation_split > 0.0).then_some(spec.validation_split),
            "standardize": self.standardizer.is_some(),
            "standardize_target": self.target_standardizer.is_some(),
            "init": spec.init.name(),
            "seed": spec.seed,
        })
    }
}
