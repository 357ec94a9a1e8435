//! The estimators in the linfa ecosystem (cargo feature `linfa`): [`Fit`] on a linfa
//! `Dataset` gives a fitted estimator, which predicts through linfa's `Predict`.
//!
//! ```
//! use linfa::prelude::*;
//! use mlp::MlpClassifier;
//! use ndarray::array;
//!
//! let x = array![[0.0f32, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]];
//! let data = Dataset::new(x.clone(), array![0usize, 1, 1, 0]);
//! let params = MlpClassifier::new().hidden_layer_sizes(&[8]).learning_rate_init(0.05).max_iter(500);
//! let model = params.fit(&data)?;
//! // The estimator's own `predict` returns a Result; linfa's is reached through its trait.
//! let predicted: ndarray::Array1<usize> = Predict::predict(&model, &x);
//! assert_eq!(predicted, array![0, 1, 1, 0]);
//! # Ok::<(), mlp::Error>(())
//! ```
//!
//! linfa's `predict` cannot return an error: predicting with an unfitted estimator, or with
//! the wrong number of features, panics there (as linfa's own models do); the estimators' own
//! `predict` methods return the error instead.

use crate::error::Error;
use crate::estimator::{MlpClassifier, MlpRegressor};
use linfa::DatasetBase;
use linfa::dataset::{AsSingleTargets, AsTargets};
use linfa::traits::{Fit, PredictInplace};
use ndarray::{Array1, Array2, ArrayBase, Data, Ix2};

impl From<linfa::Error> for Error {
    fn from(e: linfa::Error) -> Self {
        Error::Invalid(format!("linfa: {e}"))
    }
}

impl<D, T, L> Fit<ArrayBase<D, Ix2>, T, Error> for MlpClassifier<L>
where
    D: Data<Elem = f32>,
    T: AsSingleTargets<Elem = L>,
    L: Clone + Ord,
{
    type Object = MlpClassifier<L>;

    fn fit(&self, dataset: &DatasetBase<ArrayBase<D, Ix2>, T>) -> Result<Self::Object, Error> {
        let mut fitted = self.clone();
        let y = dataset.targets.as_single_targets().to_vec();
        MlpClassifier::fit(&mut fitted, dataset.records.view(), &y)?;
        Ok(fitted)
    }
}

impl<D, L> PredictInplace<ArrayBase<D, Ix2>, Array1<L>> for MlpClassifier<L>
where
    D: Data<Elem = f32>,
    L: Clone + Ord + Default,
{
    fn predict_inplace(&self, x: &ArrayBase<D, Ix2>, y: &mut Array1<L>) {
        let predicted = self
            .predict(x.view())
            .unwrap_or_else(|e| panic!("MlpClassifier::predict: {e}"));
        assert_eq!(y.len(), predicted.len(), "one target per row");
        y.iter_mut().zip(predicted).for_each(|(t, p)| *t = p);
    }

    fn default_target(&self, x: &ArrayBase<D, Ix2>) -> Array1<L> {
        Array1::default(x.nrows())
    }
}

impl<D, T> Fit<ArrayBase<D, Ix2>, T, Error> for MlpRegressor
where
    D: Data<Elem = f32>,
    T: AsTargets<Elem = f32>,
{
    type Object = MlpRegressor;

    fn fit(&self, dataset: &DatasetBase<ArrayBase<D, Ix2>, T>) -> Result<Self::Object, Error> {
        let mut fitted = self.clone();
        MlpRegressor::fit(&mut fitted, dataset.records.view(), dataset.targets.as_targets())?;
        Ok(fitted)
    }
}

impl<D: Data<Elem = f32>> PredictInplace<ArrayBase<D, Ix2>, Array1<f32>> for MlpRegressor {
    fn predict_inplace(&self, x: &ArrayBase<D, Ix2>, y: &mut Array1<f32>) {
        let predicted = self
            .predict(x.view())
            .unwrap_or_else(|e| panic!("MlpRegressor::predict: {e}"));
        assert_eq!(
            predicted.ncols(),
            1,
            "a 1-D target needs a regressor with one output"
        );
        y.assign(&predicted.column(0));
    }

    fn default_target(&self, x: &ArrayBase<D, Ix2>) -> Array1<f32> {
        Array1::zeros(x.nrows())
    }
}

impl<D: Data<Elem = f32>> PredictInplace<ArrayBase<D, Ix2>, Array2<f32>> for MlpRegressor {
    fn predict_inplace(&self, x: &ArrayBase<D, Ix2>, y: &mut Array2<f32>) {
        let predicted = self
            .predict(x.view())
            .unwrap_or_else(|e| panic!("MlpRegressor::predict: {e}"));
        y.assign(&predicted);
    }

    fn default_target(&self, x: &ArrayBase<D, Ix2>) -> Array2<f32> {
        let outputs = self.network().map_or(1, |n| n.n_outputs());
        Array2::zeros((x.nrows(), outputs))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use linfa::prelude::*;
    use rand::{Rng, SeedableRng};

    #[test]
    fn regressor_fits_and_scores_through_linfa() {
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(3);
        let x = Array2::from_shape_fn((300, 2), |_| rng.random_range(-1.0f32..1.0));
        let y: Array1<f32> = x.rows().into_iter().map(|r| r[0] - 2.0 * r[1]).collect();
        let data = Dataset::new(x.clone(), y.clone());
        let model = MlpRegressor::new()
            .hidden_layer_sizes(&[16])
            .learning_rate_init(0.01)
            .fit(&data)
            .unwrap();
        let predicted: Array1<f32> = Predict::predict(&model, &x);
        let r2 = predicted.r2(&y).unwrap();
        assert!(r2 > 0.95, "R² {r2}");
    }
}
