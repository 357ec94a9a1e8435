//! Builder-style setters and fitted-state accessors shared by both estimators.

/// Builder-style setters for the shared hyper-parameters.
macro_rules! params_builder {
    ([$($generics:tt)*] $t:ty) => {
        impl<$($generics)*> $t {
            /// The hyper-parameters.
            pub fn params(&self) -> &Params {
                &self.core.params
            }
            pub fn with_params(mut self, params: Params) -> Self {
                self.core.params = params;
                self
            }
            pub fn hidden_layer_sizes(mut self, sizes: &[usize]) -> Self {
                self.core.params.hidden_layer_sizes = sizes.to_vec();
                self
            }
            pub fn activation(mut self, activation: Activation) -> Self {
                self.core.params.activation = activation;
                self
            }
            pub fn solver(mut self, solver: Optimizer) -> Self {
                self.core.params.solver = solver;
                self
            }
            pub fn alpha(mut self, alpha: f64) -> Self {
                self.core.params.alpha = alpha;
                self
            }
            pub fn batch_size(mut self, batch_size: usize) -> Self {
                self.core.params.batch_size = Some(batch_size);
                self
            }
            pub fn learning_rate_init(mut self, eta: f64) -> Self {
                self.core.params.learning_rate_init = eta;
                self
            }
            pub fn max_iter(mut self, epochs: usize) -> Self {
                self.core.params.max_iter = epochs;
                self
            }
            pub fn tol(mut self, tol: f64) -> Self {
                self.core.params.tol = tol;
                self
            }
            pub fn n_iter_no_change(mut self, epochs: usize) -> Self {
                self.core.params.n_iter_no_change = epochs;
                self
            }
            pub fn early_stopping(mut self, on: bool) -> Self {
                self.core.params.early_stopping = on;
                self
            }
            pub fn validation_fraction(mut self, fraction: f64) -> Self {
                self.core.params.validation_fraction = fraction;
                self
            }
            pub fn standardize(mut self, on: bool) -> Self {
                self.core.params.standardize = on;
                self
            }
            pub fn init(mut self, init: Init) -> Self {
                self.core.params.init = init;
                self
            }
            /// Train on fresh distortions of the (square) training images in every epoch.
            pub fn augment(mut self, distortion: Option<crate::data::augment::Distortion>) -> Self {
                self.core.params.augment = distortion;
                self
            }
            pub fn random_state(mut self, seed: u64) -> Self {
                self.core.params.random_state = seed;
                self
            }
            /// Sets the hyper-parameters of a built estimator (its fitted state stays).
            pub fn set_params(&mut self, params: Params) {
                self.core.params = params;
            }
            /// The reports of every epoch trained (empty before fitting).
            pub fn history(&self) -> &[crate::train::EpochReport] {
                self.core.fitted.as_ref().map_or(&[], |f| &f.progress.history.epochs)
            }
            /// Gradient steps taken (Adam's `t`).
            pub fn steps(&self) -> u64 {
                self.core.fitted.as_ref().map_or(0, |f| f.optim.t)
            }
            /// Forgets the fitted state.
            pub fn clear(&mut self) {
                self.core.fitted = None;
            }
            /// The mean training loss of each epoch (empty before fitting).
            pub fn loss_curve(&self) -> Vec<f64> {
                self.core.loss_curve()
            }
            /// Epochs trained.
            pub fn n_iter(&self) -> usize {
                self.core.fitted.as_ref().map_or(0, |f| f.progress.epoch)
            }
            /// True when training stopped because the loss (or validation score) stopped
            /// improving, not because it reached `max_iter`.
            pub fn converged(&self) -> bool {
                self.core.fitted.as_ref().is_some_and(|f| f.progress.stopped_early)
            }
            /// The fitted network (`network().layers[l].weights`, `.biases`).
            pub fn network(&self) -> Result<&Network<f32>> {
                Ok(&self.core.fitted()?.model.net)
            }
            /// The fitted model (network, standardisation, names), to save or use directly.
            pub fn model(&self) -> Result<&Model> {
                Ok(&self.core.fitted()?.model)
            }
        }
    };
}
