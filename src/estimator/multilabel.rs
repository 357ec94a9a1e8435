//! [`MlpMultiLabel`]: several classes per sample — one sigmoid output neuron per label and the
//! cross-entropy cost `C_x = −Σ_j [y_j ln z_j + (1 − y_j) ln(1 − z_j)]` (scikit-learn's
//! `MLPClassifier` on a 0/1 indicator matrix: logistic outputs, binary log-loss).

use super::shared::{Core, OnEpoch, Params, Watch, blank, check_rows, weighted};
use crate::activation::Activation;
use crate::data::tabular::Task;
use crate::data::{Dataset, Features, Targets};
use crate::error::{Error, Result};
use crate::init::Init;
use crate::model::Model;
use crate::network::Network;
use crate::optim::Optimizer;
use ndarray::{Array2, ArrayView2};

/// A multilayer-perceptron multilabel classifier: `y[[x, j]]` is 1 when sample `x` has
/// label `j`, else 0; each label is predicted on its own (`z_j > ½`).
#[derive(Debug, Clone)]
pub struct MlpMultiLabel {
    core: Core,
}

params_builder!([] MlpMultiLabel);

impl Default for MlpMultiLabel {
    fn default() -> Self {
        Self::new()
    }
}

impl MlpMultiLabel {
    pub fn new() -> Self {
        MlpMultiLabel {
            core: Core {
                params: Params::default(),
                fitted: None,
            },
        }
    }

    /// `x` and the indicator matrix `y` as a data set; `y` must hold only 0s and 1s.
    fn dataset(x: ArrayView2<f32>, y: ArrayView2<f32>) -> Result<Dataset> {
        check_rows(x, y.nrows())?;
        if y.ncols() == 0 {
            return Err(Error::Invalid("y has no label columns".into()));
        }
        if let Some((i, v)) = y.iter().enumerate().find(|(_, v)| !(**v == 0.0 || **v == 1.0)) {
            return Err(Error::Invalid(format!(
                "y[{}, {}] is {v}; a multilabel target holds 0 (label absent) or 1 (present)",
                i / y.ncols(),
                i % y.ncols()
            )));
        }
        Ok(Dataset {
            features: Features::Values(x.to_owned()),
            labels: Vec::new(),
            n_classes: 0,
            targets: Targets::Labels(y.to_owned()),
            weights: None,
        })
    }

    /// Trains a new network on `x` (`n × d`) and the labels `y` (`n × k`), from scratch
    /// (with `warm_start`: up to `max_iter` more epochs of the fitted one).
    pub fn fit(&mut self, x: ArrayView2<f32>, y: ArrayView2<f32>) -> Result<&mut Self> {
        self.fit_watched(x, y, None, Box::new(|_| Ok(())))
    }

    /// [`fit`](Self::fit), each row counting in the cost by its `sample_weight` when given,
    /// calling `on_epoch` with each epoch's report (early stopping watches the held-out
    /// part's subset accuracy, as scikit-learn's score).
    pub fn fit_watched(
        &mut self,
        x: ArrayView2<f32>,
        y: ArrayView2<f32>,
        sample_weight: Option<&[f32]>,
        on_epoch: OnEpoch<'_>,
    ) -> Result<&mut Self> {
        let data = weighted(Self::dataset(x, y)?, sample_weight)?;
        let watch = Watch { test: None, on_epoch };
        self.core
            .fit_or_continue(data, blank(Task::MultiLabel), Some(watch))?;
        Ok(self)
    }

    /// One more epoch over `(x, y)`, the rows weighted by `sample_weight` when given; the
    /// first call sets up the network (one output neuron per column of `y`).
    pub fn partial_fit_watched(
        &mut self,
        x: ArrayView2<f32>,
        y: ArrayView2<f32>,
        sample_weight: Option<&[f32]>,
        on_epoch: OnEpoch<'_>,
    ) -> Result<&mut Self> {
        let data = weighted(Self::dataset(x, y)?, sample_weight)?;
        let watch = Watch { test: None, on_epoch };
        self.core
            .partial_fit(data, blank(Task::MultiLabel), Some(watch))?;
        Ok(self)
    }

    /// A fitted estimator around a trained multilabel model (a model file loaded back);
    /// further training starts a fresh optimizer state.
    pub fn from_model(params: Params, model: Model) -> Result<Self> {
        if model.task != Task::MultiLabel {
            return Err(Error::Mismatch(format!(
                "the model's task is {}, not multilabel",
                model.task.name()
            )));
        }
        let mut est = MlpMultiLabel::new().with_params(params);
        est.core.adopt(model);
        Ok(est)
    }

    /// The probability of each label for each row: `n × k`, each in (0, 1) on its own.
    pub fn predict_proba(&self, x: ArrayView2<f32>) -> Result<Array2<f32>> {
        self.core.outputs(x)
    }

    /// The labels of each row: 1 where the label's probability is above ½, else 0.
    pub fn predict(&self, x: ArrayView2<f32>) -> Result<Array2<u8>> {
        Ok(self.predict_proba(x)?.mapv(|p| u8::from(p > 0.5)))
    }

    /// Subset accuracy: the fraction of rows whose every label is predicted right.
    pub fn score(&self, x: ArrayView2<f32>, y: ArrayView2<f32>) -> Result<f64> {
        check_rows(x, y.nrows())?;
        let predicted = self.predict(x)?;
        if predicted.ncols() != y.ncols() {
            return Err(Error::Mismatch(format!(
                "y has {} label columns for {} output neurons",
                y.ncols(),
                predicted.ncols()
            )));
        }
        let right = predicted
            .rows()
            .into_iter()
            .zip(y.rows())
            .filter(|(p, t)| p.iter().zip(t).all(|(&p, &t)| f32::from(p) == t))
            .count();
        Ok(right as f64 / y.nrows() as f64)
    }

    /// Saves the fitted model, its labels named `0 … k − 1`; `mlp predict` then lists the
    /// labels each row has.
    pub fn save(&self, path: &std::path::Path) -> Result<()> {
        let mut model = self.core.fitted()?.model.clone();
        model.classes = (0..model.net.n_outputs()).map(|j| j.to_string()).collect();
        model.save(path, &[])
    }
}
