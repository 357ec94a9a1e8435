//! Tables made ready to train on: the target column turned into classes or values, the
//! features (and a regressor's targets) standardised with the training rows' mean and
//! deviation, the test rows mapped the same way. The command line's `train --csv` / `--npy` reads through here; the
//! estimators do the same steps on arrays.

use super::standardize::Standardizer;
use super::tabular::{Tabular, Task};
use super::{Dataset, Features, Targets};
use crate::error::{Result, quote};

/// A training table (and perhaps a test table) as data sets, with what a model of them keeps.
#[derive(Debug, Clone)]
pub struct PreparedTable {
    pub train: Dataset,
    pub test: Option<Dataset>,
    /// The class each output neuron stands for (classification), sorted as
    /// [`super::tabular::class_names`] sorts them; empty for regression.
    pub classes: Vec<String>,
    /// Fitted on the training rows' features; applied to both sets.
    pub standardizer: Option<Standardizer>,
    /// Fitted on the training rows' targets (regression); applied to both sets, so the
    /// network learns and is scored in standardised units.
    pub target_standardizer: Option<Standardizer>,
    /// The test targets' variance (regression), in the units the network is scored in, for
    /// `R² = 1 − mse/variance`.
    pub test_variance: Option<f64>,
}

/// What [`prepare`] standardises.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Scaling {
    pub features: bool,
    /// A regressor's targets (no effect on a classifier's).
    pub target: bool,
}

/// `train` and `test` as data sets for `task`, standardised by the training rows as
/// `scaling` asks. A test row whose class the training rows do not have is an error naming it.
pub fn prepare(train: Tabular, test: Option<Tabular>, task: Task, scaling: Scaling) -> Result<PreparedTable> {
    let (mut train_set, classes) = train.into_dataset(task)?;
    let mut test_set = match test {
        None => None,
        Some(t) => Some(match task {
            Task::Classify => {
                let labels =
                    t.y.iter()
                        .enumerate()
                        .map(|(i, v)| {
                            classes
                                .iter()
                                .position(|c| c == v.trim())
                                .map(|c| c as u8)
                                .ok_or_else(|| {
                                    t.origin.error(
                                        i,
                                        &t.target_name,
                                        format!(
                                            "the class '{}' does not occur in the training rows",
                                            quote(v.trim())
                                        ),
                                        None,
                                    )
                                })
                        })
                        .collect::<Result<Vec<u8>>>()?;
                Dataset {
                    features: Features::Values(t.x),
                    labels,
                    n_classes: classes.len(),
                    targets: Targets::Classes,
                    weights: None,
                }
            }
            Task::Regress | Task::MultiLabel => t.into_dataset(task)?.0,
        }),
    };
    let target_standardizer = match &mut train_set.targets {
        Targets::Values(y) if scaling.target => {
            let s = Standardizer::fit(y.view())?;
            s.transform_inplace(y.view_mut())?;
            if let Some(Targets::Values(yt)) = test_set.as_mut().map(|t| &mut t.targets) {
                s.transform_inplace(yt.view_mut())?;
            }
            Some(s)
        }
        _ => None,
    };
    let test_variance = match test_set.as_ref().map(|t| &t.targets) {
        Some(Targets::Values(y)) => Some(f64::from(y.var(0.0))),
        _ => None,
    };
    let standardizer = if scaling.features {
        let Features::Values(x) = &mut train_set.features else {
            unreachable!("tables hold values")
        };
        let s = Standardizer::fit(x.view())?;
        s.transform_inplace(x.view_mut())?;
        if let Some(Features::Values(xt)) = test_set.as_mut().map(|t| &mut t.features) {
            s.transform_inplace(xt.view_mut())?;
        }
        Some(s)
    } else {
        None
    };
    Ok(PreparedTable {
        train: train_set,
        test: test_set,
        classes,
        standardizer,
        target_standardizer,
        test_variance,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::tabular::Origin;
    use ndarray::array;

    const BOTH: Scaling = Scaling {
        features: true,
        target: true,
    };
    const NEITHER: Scaling = Scaling {
        features: false,
        target: false,
    };

    fn table(x: ndarray::Array2<f32>, y: &[&str]) -> Tabular {
        Tabular {
            feature_names: (0..x.ncols()).map(|j| format!("x{j}")).collect(),
            x,
            target_name: "kind".into(),
            y: y.iter().map(|s| s.to_string()).collect(),
            dropped: 0,
            origin: Origin::Csv {
                path: "t.csv".into(),
                lines: (2..).take(y.len()).collect(),
            },
        }
    }

    #[test]
    fn test_rows_take_the_training_classes_and_standardisation() {
        let train = table(array![[0.0, 10.0], [2.0, 30.0], [4.0, 20.0]], &["b", "a", "b"]);
        let test = table(array![[2.0, 20.0]], &["a"]);
        let p = prepare(train, Some(test), Task::Classify, BOTH).unwrap();
        assert_eq!(p.classes, ["a", "b"]);
        assert_eq!(p.train.labels, [1, 0, 1]);
        let test = p.test.unwrap();
        assert_eq!(test.labels, [0]);
        assert_eq!(
            test.features,
            Features::Values(array![[0.0, 0.0]]),
            "the training mean"
        );

        let train = table(array![[0.0], [1.0]], &["x", "y"]);
        let test = table(array![[0.5]], &["z"]);
        let e = prepare(train, Some(test), Task::Classify, NEITHER)
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("t.csv: line 2, column 'kind'") && e.contains("'z'"),
            "{e}"
        );
    }

    #[test]
    fn regression_keeps_the_test_variance() {
        let train = table(array![[0.0], [1.0]], &["1", "3"]);
        let test = table(array![[0.0], [1.0]], &["2", "4"]);
        let p = prepare(train, Some(test), Task::Regress, NEITHER).unwrap();
        assert_eq!(p.test_variance, Some(1.0));
        assert!(p.classes.is_empty() && p.standardizer.is_none() && p.target_standardizer.is_none());
    }

    #[test]
    fn regression_targets_are_standardised_by_the_training_rows() {
        let train = table(array![[0.0], [1.0]], &["100", "300"]);
        let test = table(array![[0.0], [1.0]], &["200", "400"]);
        let p = prepare(train, Some(test), Task::Regress, BOTH).unwrap();
        let s = p.target_standardizer.unwrap();
        assert_eq!((s.mean[0], s.scale[0]), (200.0, 100.0));
        assert_eq!(p.train.targets, Targets::Values(array![[-1.0], [1.0]]));
        assert_eq!(p.test.unwrap().targets, Targets::Values(array![[0.0], [2.0]]));
        // (0, 2) around their mean 1: the variance R² divides by, in the network's units.
        assert_eq!(p.test_variance, Some(1.0));
    }
}
