//! [`MlpClassifier`]: softmax output, log-likelihood cost, classes of any ordered type.

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
use std::collections::BTreeSet;
use std::fmt::Display;

/// A multilayer-perceptron classifier: softmax output, log-likelihood cost.
#[derive(Debug, Clone)]
pub struct MlpClassifier<L = usize> {
    core: Core,
    classes: Vec<L>,
}

params_builder!([L: Clone + Ord] MlpClassifier<L>);

impl<L: Clone + Ord> Default for MlpClassifier<L> {
    fn default() -> Self {
        Self::new()
    }
}

impl<L: Clone + Ord> MlpClassifier<L> {
    pub fn new() -> Self {
        MlpClassifier {
            core: Core {
                params: Params::default(),
                fitted: None,
            },
            classes: Vec::new(),
        }
    }

    /// The classes, sorted; column `j` of [`predict_proba`](Self::predict_proba) is `classes()[j]`.
    pub fn classes(&self) -> &[L] {
        &self.classes
    }

    fn learn_classes(&mut self, y: &[L]) -> Result<()> {
        self.set_classes(y.iter().cloned().collect())
    }

    /// The classes a network will be built for, sorted and without repeats.
    fn set_classes(&mut self, classes: BTreeSet<L>) -> Result<()> {
        if classes.len() < 2 {
            return Err(Error::Invalid(format!(
                "y holds {} class(es); a classifier needs at least two",
                classes.len()
            )));
        }
        if classes.len() > 256 {
            return Err(Error::Invalid(format!(
                "y holds {} classes; at most 256 are supported",
                classes.len()
            )));
        }
        self.classes = classes.into_iter().collect();
        Ok(())
    }

    /// A fitted classifier around a trained model whose output neuron `j` is `classes[j]`
    /// (a model file loaded back); further training starts a fresh optimizer state.
    pub fn from_model(params: Params, model: Model, classes: Vec<L>) -> Result<Self> {
        if model.task != Task::Classify || model.net.n_outputs() != classes.len() {
            return Err(Error::Mismatch(format!(
                "the model has {} output neurons, not one for each of {} classes",
                model.net.n_outputs(),
                classes.len()
            )));
        }
        if !classes.windows(2).all(|w| w[0] < w[1]) {
            return Err(Error::Invalid("the classes must be sorted and distinct".into()));
        }
        let mut clf = MlpClassifier::new().with_params(params);
        clf.classes = classes;
        clf.core.adopt(model);
        Ok(clf)
    }

    fn labels(&self, y: &[L]) -> Result<Vec<u8>> {
        y.iter()
            .enumerate()
            .map(|(i, l)| {
                self.classes.binary_search(l).map(|c| c as u8).map_err(|_| {
                    Error::Invalid(format!(
                        "y[{i}] is a class the estimator was not fitted with; partial_fit learns \
                         the classes from its first call"
                    ))
                })
            })
            .collect()
    }

    fn dataset(&self, x: ArrayView2<f32>, y: &[L]) -> Result<Dataset> {
        check_rows(x, y.len())?;
        Ok(Dataset {
            features: Features::Values(x.to_owned()),
            labels: self.labels(y)?,
            n_classes: self.classes.len(),
            targets: Targets::Classes,
            weights: None,
        })
    }

    /// Trains a new network on `x` (`n × d`) and the class of each row `y`, from scratch
    /// (with `warm_start`: up to `max_iter` more epochs of the fitted one).
    pub fn fit(&mut self, x: ArrayView2<f32>, y: &[L]) -> Result<&mut Self> {
        self.fit_watched(x, y, None, None, Box::new(|_| Ok(())))
    }

    /// [`fit`](Self::fit), scoring `test` (features and classes) after every epoch and
    /// calling `on_epoch` with each epoch's report (a command line's progress lines).
    /// Each row counts in the cost by its `sample_weight` (scikit-learn's), when given.
    pub fn fit_watched(
        &mut self,
        x: ArrayView2<f32>,
        y: &[L],
        sample_weight: Option<&[f32]>,
        test: Option<(ArrayView2<f32>, &[L])>,
        on_epoch: OnEpoch<'_>,
    ) -> Result<&mut Self> {
        if !(self.core.params.warm_start && self.core.fitted.is_some()) {
            self.learn_classes(y)?;
        }
        let data = weighted(self.dataset(x, y)?, sample_weight)?;
        let test = test.map(|(xt, yt)| self.dataset(xt, yt)).transpose()?;
        self.core
            .fit_or_continue(data, blank(Task::Classify), Some(Watch { test, on_epoch }))?;
        Ok(self)
    }

    /// One more epoch over `(x, y)`; the first call sets up the network (and learns the
    /// classes and the standardisation from this data).
    pub fn partial_fit(&mut self, x: ArrayView2<f32>, y: &[L]) -> Result<&mut Self> {
        self.partial_fit_watched(x, y, None, None, Box::new(|_| Ok(())))
    }

    /// [`partial_fit`](Self::partial_fit) with the classes given up front (scikit-learn's
    /// `classes=`: the first batch need not hold every class), the rows weighted by
    /// `sample_weight` when given, telling `on_epoch`.
    pub fn partial_fit_watched(
        &mut self,
        x: ArrayView2<f32>,
        y: &[L],
        classes: Option<&[L]>,
        sample_weight: Option<&[f32]>,
        on_epoch: OnEpoch<'_>,
    ) -> Result<&mut Self> {
        if self.core.fitted.is_none() {
            match classes {
                Some(c) => self.set_classes(c.iter().cloned().collect())?,
                None => self.learn_classes(y)?,
            }
        } else if let Some(c) = classes
            && c.iter()
                .cloned()
                .collect::<BTreeSet<L>>()
                .into_iter()
                .ne(self.classes.iter().cloned())
        {
            return Err(Error::Invalid(
                "classes differ from those of the first partial_fit call".into(),
            ));
        }
        let data = weighted(self.dataset(x, y)?, sample_weight)?;
        let watch = Watch { test: None, on_epoch };
        self.core.partial_fit(data, blank(Task::Classify), Some(watch))?;
        Ok(self)
    }

    /// The probability of each class for each row: `n × classes().len()`, rows summing to 1.
    pub fn predict_proba(&self, x: ArrayView2<f32>) -> Result<Array2<f32>> {
        self.core.outputs(x)
    }

    /// The most probable class of each row.
    pub fn predict(&self, x: ArrayView2<f32>) -> Result<Vec<L>> {
        let idx = self.core.fitted()?.model.predict_indices(x)?;
        Ok(idx.into_iter().map(|j| self.classes[j].clone()).collect())
    }

    /// Accuracy: the fraction of rows whose predicted class is `y`'s.
    pub fn score(&self, x: ArrayView2<f32>, y: &[L]) -> Result<f64> {
        check_rows(x, y.len())?;
        let predicted = self.predict(x)?;
        let correct = predicted.iter().zip(y).filter(|(p, t)| p == t).count();
        Ok(correct as f64 / y.len() as f64)
    }
}

impl<L: Clone + Ord + Display> MlpClassifier<L> {
    /// Saves the fitted model; `mlp predict` then answers in these class names.
    pub fn save(&self, path: &std::path::Path) -> Result<()> {
        let mut model = self.core.fitted()?.model.clone();
        model.classes = self.classes.iter().map(ToString::to_string).collect();
        model.save(path, &[])
    }
}
