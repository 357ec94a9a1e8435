//! scikit-learn-style estimators: [`MlpClassifier`], [`MlpRegressor`] and [`MlpMultiLabel`]
//! (several classes per sample, one sigmoid output each), with `fit`,
//! `partial_fit`, `predict`, `predict_proba` and `score`, and scikit-learn's
//! `MLPClassifier`/`MLPRegressor` defaults (one hidden layer of 100 ReLU neurons, Adam with
//! η = 0.001, L2 α = 1e-4, mini-batches of min(200, n), up to 200 epochs, stop after 10 epochs
//! without the training loss falling by 1e-4) — plus input standardisation, on by default.
//!
//! ```
//! use mlp::estimator::MlpClassifier;
//! use ndarray::array;
//!
//! // XOR: not linearly separable, so it needs the hidden layer.
//! let x = array![[0.0f32, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]];
//! let y = ["no", "yes", "yes", "no"];
//! let mut clf = MlpClassifier::new()
//!     .hidden_layer_sizes(&[8])
//!     .learning_rate_init(0.05)
//!     .max_iter(500)
//!     .standardize(false);
//! clf.fit(x.view(), &y)?;
//! assert_eq!(clf.predict(x.view())?, y);
//! assert_eq!(clf.score(x.view(), &y)?, 1.0);
//! let p = clf.predict_proba(x.view())?; // one column per class, in clf.classes() order
//! assert!(p[[1, 1]] > 0.5);
//! # Ok::<(), mlp::Error>(())
//! ```

// The shared core sits in its own file so that the estimators below depend on it and this
// façade depends on them, with no import circle.
mod shared;
pub use shared::*;

#[macro_use]
mod builder;
mod classifier;
mod multilabel;
mod regressor;

pub use classifier::MlpClassifier;
pub use multilabel::MlpMultiLabel;
pub use regressor::MlpRegressor;

#[cfg(test)]
mod tests;
