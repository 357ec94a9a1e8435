//! [`MlpRegressor`]: identity output, mean squared error, one or more targets.

use super::shared::{Core, OnEpoch, Params, Watch, blank, check_rows, r2_score, targets_2d, weighted};
use crate::activation::Activation;
use crate::data::tabular::Task;
use crate::data::{Dataset, Features, Targets};
use crate::error::{Error, Result};
use crate::init::Init;
use crate::model::Model;
use crate::network::Network;
use crate::optim::Optimizer;
use ndarray::{Array2, ArrayView, ArrayView2, Dimension};

/// A multilayer-perceptron regressor: identity output, mean squared error
/// (`½ · mean over outputs of (ŷ − y)²`, scikit-learn's squared loss).
#[derive(Debug, Clone)]
pub struct MlpRegressor {
    core: Core,
}

params_builder!([] MlpRegressor);

impl Default for MlpRegressor {
    fn default() -> Self {
        Self::new()
    }
}

impl MlpRegressor {
    pub fn new() -> Self {
        MlpRegressor {
            core: Core {
                params: Params::default(),
                fitted: None,
            },
        }
    }

    fn dataset<D: Dimension>(x: ArrayView2<f32>, y: ArrayView<f32, D>) -> Result<Dataset> {
        let y = targets_2d(y)?;
        check_rows(x, y.nrows())?;
        if y.iter().any(|v| !v.is_finite()) {
            return Err(Error::Invalid(
                "y holds a value that is not a finite number".into(),
            ));
        }
        Ok(Dataset {
            features: Features::Values(x.to_owned()),
            labels: Vec::new(),
            n_classes: 0,
            targets: Targets::Values(y),
            weights: None,
        })
    }

    /// Trains a new network on `x` (`n × d`) and targets `y` (`n` values, or `n × k`).
    pub fn fit<D: Dimension>(&mut self, x: ArrayView2<f32>, y: ArrayView<f32, D>) -> Result<&mut Self> {
        let data = Self::dataset(x, y)?;
        self.core.fit_or_continue(data, blank(Task::Regress), None)?;
        Ok(self)
    }

    /// [`fit`](Self::fit), scoring `test` after every epoch (the report's `test_error` is
    /// the mean squared error per output) and calling `on_epoch` with each epoch's report.
    /// Each row counts in the cost by its `sample_weight` (scikit-learn's), when given.
    pub fn fit_watched<D: Dimension>(
        &mut self,
        x: ArrayView2<f32>,
        y: ArrayView<f32, D>,
        sample_weight: Option<&[f32]>,
        test: Option<(ArrayView2<f32>, ArrayView<f32, D>)>,
        on_epoch: OnEpoch<'_>,
    ) -> Result<&mut Self> {
        let data = weighted(Self::dataset(x, y)?, sample_weight)?;
        let test = test.map(|(xt, yt)| Self::dataset(xt, yt)).transpose()?;
        self.core
            .fit_or_continue(data, blank(Task::Regress), Some(Watch { test, on_epoch }))?;
        Ok(self)
    }

    /// One more epoch over `(x, y)`; the first call sets up the network.
    pub fn partial_fit<D: Dimension>(
        &mut self,
        x: ArrayView2<f32>,
        y: ArrayView<f32, D>,
    ) -> Result<&mut Self> {
        self.partial_fit_watched(x, y, None, Box::new(|_| Ok(())))
    }

    /// [`partial_fit`](Self::partial_fit), the rows weighted by `sample_weight` when given,
    /// telling `on_epoch` of the epoch.
    pub fn partial_fit_watched<D: Dimension>(
        &mut self,
        x: ArrayView2<f32>,
        y: ArrayView<f32, D>,
        sample_weight: Option<&[f32]>,
        on_epoch: OnEpoch<'_>,
    ) -> Result<&mut Self> {
        let data = weighted(Self::dataset(x, y)?, sample_weight)?;
        let watch = Watch { test: None, on_epoch };
        self.core.partial_fit(data, blank(Task::Regress), Some(watch))?;
        Ok(self)
    }

    /// A fitted regressor around a trained model (a model file loaded back); further
    /// training starts a fresh optimizer state.
    pub fn from_model(params: Params, model: Model) -> Result<Self> {
        if model.task != Task::Regress {
            return Err(Error::Mismatch(
                "the model is a classifier, not a regressor".into(),
            ));
        }
        let mut reg = MlpRegressor::new().with_params(params);
        reg.core.adopt(model);
        Ok(reg)
    }

    /// The predicted values: `n × k` (one column for a 1-D `y`).
    pub fn predict(&self, x: ArrayView2<f32>) -> Result<Array2<f32>> {
        self.core.outputs(x)
    }

    /// The coefficient of determination R² = 1 − Σ(y − ŷ)² / Σ(y − ȳ)², averaged over the
    /// target columns (scikit-learn's `r2_score`).
    pub fn score<D: Dimension>(&self, x: ArrayView2<f32>, y: ArrayView<f32, D>) -> Result<f64> {
        let y = targets_2d(y)?;
        check_rows(x, y.nrows())?;
        Ok(r2_score(y.view(), self.predict(x)?.view()))
    }

    /// Saves the fitted model.
    pub fn save(&self, path: &std::path::Path) -> Result<()> {
        self.core.fitted()?.model.save(path, &[])
    }
}
