//! The one description of a training run: what the model file's metadata (`training`), a
//! checkpoint, the history's `config` and the resume check all read and write.

use super::config::TrainConfig;
use crate::activation::Activation;
use crate::cost::Cost;
use crate::data::augment::Distortion;
use crate::error::Result;
use crate::init::Init;
use crate::linalg::Float;
use crate::network::{Architecture, Network};
use crate::optim::{Optim, Optimizer, RuleName, Schedule};
use serde::{Deserialize, Serialize};

/// The options a training run was started with; a resumed run must agree with them. Every
/// choice is typed and written by the name the command line takes (`"relu"`, `"step:10:0.5"`),
/// as files written before it was typed have them.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RunSpec {
    pub sizes: Vec<usize>,
    pub hidden: Activation,
    pub output: Activation,
    pub cost: Cost,
    pub init: Init,
    pub seed: u64,
    pub epochs: usize,
    pub batch_size: usize,
    /// `η₀`, the learning rate the run starts with.
    pub eta: f64,
    pub optimizer: RuleName,
    /// `μ` of the momentum and Nesterov rules.
    pub momentum: f64,
    /// `λ` of L2 weight decay, `C = C₀ + λ/(2n) Σ w²` over the `n` training samples.
    pub l2: f64,
    /// scikit-learn's L2 penalty `α`: each mini-batch's mean cost gains `α/(2m) Σ w²`
    /// (tabular data; 0 and left out of the file otherwise, so older files load).
    #[serde(default, skip_serializing_if = "is_zero")]
    pub alpha: f64,
    pub dropout: f64,
    pub input_dropout: f64,
    pub lr_schedule: Schedule,
    pub early_stopping: Option<usize>,
    pub validation_split: f64,
    /// Trained to reproduce its inputs (the targets are the inputs).
    #[serde(default)]
    pub autoencoder: bool,
    /// The ranges of the training images' fresh distortions in every epoch (none: the images
    /// as they are; left out of the file then, so older files load).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub augment: Option<Distortion>,
    /// Samples and features of the training data, to catch a resume on other data.
    pub train_samples: usize,
    pub features: usize,
}

/// A field in which two run descriptions differ, with both values as the command line writes
/// them (`784,30,10`, `relu`, `off` for no early stopping).
#[derive(Debug, Clone, PartialEq)]
pub struct Difference {
    pub field: String,
    pub ours: String,
    pub theirs: String,
}

impl RunSpec {
    pub fn architecture(&self) -> Architecture {
        Architecture {
            sizes: self.sizes.clone(),
            hidden: self.hidden,
            output: self.output,
            cost: self.cost,
        }
    }

    /// The weight decay `g += decay · w`: `λ/n` of the L2 decay, where `n` counts the samples
    /// trained on (the validation split held out), plus scikit-learn's `α/m`, where `m` is the
    /// mini-batch size (at most the number of samples).
    pub fn decay(&self) -> f64 {
        let held_out = (self.validation_split * self.train_samples as f64).round() as usize;
        let m = self.batch_size.min(self.train_samples).max(1);
        self.l2 / self.train_samples.saturating_sub(held_out).max(1) as f64 + self.alpha / m as f64
    }

    pub fn optimizer(&self) -> Optimizer {
        self.optimizer.with_momentum(self.momentum)
    }

    /// The optimizer the run starts with: its rule, `η`, `λ/n`, and zero state.
    pub fn optim<T: Float>(&self, net: &Network<T>) -> Result<Optim<T>> {
        let optim = Optim::new(self.optimizer(), self.eta, self.decay(), net);
        optim.validate()?;
        Ok(optim)
    }

    /// How the run walks its data and when it stops.
    pub fn config(&self, checkpoint_every: Option<usize>) -> TrainConfig {
        TrainConfig {
            epochs: self.epochs,
            batch_size: self.batch_size,
            checkpoint_every,
            dropout: self.dropout,
            input_dropout: self.input_dropout,
            schedule: self.lr_schedule,
            early_stopping: self.early_stopping,
            seed: self.seed,
            augment: self.augment,
            ..TrainConfig::default()
        }
    }

    /// Every field whose value differs from `other`'s, by field name.
    pub fn differences(&self, other: &RunSpec) -> Vec<Difference> {
        let fields = |s: &RunSpec| match serde_json::to_value(s).expect("plain data") {
            serde_json::Value::Object(map) => map,
            _ => unreachable!("a struct serialises to an object"),
        };
        let theirs = fields(other);
        fields(self)
            .into_iter()
            .filter_map(|(field, ours)| {
                let theirs = theirs.get(&field).cloned().unwrap_or_default();
                (ours != theirs).then(|| Difference {
                    field,
                    ours: as_typed(&ours),
                    theirs: as_typed(&theirs),
                })
            })
            .collect()
    }
}

fn is_zero(v: &f64) -> bool {
    *v == 0.0
}

/// A field's value as one would type it: names bare, lists comma-separated, nothing as `off`.
fn as_typed(value: &serde_json::Value) -> String {
    match value {
        serde_json::Value::String(s) => s.clone(),
        serde_json::Value::Null => "off".into(),
        serde_json::Value::Array(items) => items.iter().map(as_typed).collect::<Vec<_>>().join(","),
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lecture() -> RunSpec {
        RunSpec {
            sizes: vec![784, 30, 10],
            hidden: Activation::Sigmoid,
            output: Activation::Sigmoid,
            cost: Cost::Quadratic,
            init: Init::StandardNormal,
            seed: 0,
            epochs: 30,
            batch_size: 10,
            eta: 3.0,
            optimizer: RuleName::Sgd,
            momentum: 0.9,
            l2: 0.0,
            alpha: 0.0,
            dropout: 0.0,
            input_dropout: 0.0,
            lr_schedule: Schedule::Step {
                every: 10,
                gamma: 0.5,
            },
            early_stopping: None,
            validation_split: 0.0,
            autoencoder: false,
            augment: None,
            train_samples: 60000,
            features: 784,
        }
    }

    #[test]
    fn choices_are_written_by_their_command_line_names() {
        let json = serde_json::to_value(lecture()).unwrap();
        assert_eq!(json["hidden"], "sigmoid");
        assert_eq!(json["init"], "standard-normal");
        assert_eq!(json["optimizer"], "sgd");
        assert_eq!(json["lr_schedule"], "step:10:0.5");
        let back: RunSpec = serde_json::from_value(json).unwrap();
        assert_eq!(back, lecture());
    }

    #[test]
    fn an_unknown_name_is_an_error_naming_the_choices() {
        let mut json = serde_json::to_value(lecture()).unwrap();
        json["hidden"] = "swish".into();
        let err = serde_json::from_value::<RunSpec>(json).unwrap_err().to_string();
        assert!(err.contains("unknown activation 'swish'"), "{err}");
    }

    #[test]
    fn decay_is_lambda_over_n_plus_alpha_over_m() {
        let mut spec = lecture();
        spec.l2 = 6.0;
        spec.validation_split = 0.5;
        assert_eq!(
            spec.decay(),
            6.0 / 30000.0,
            "n: the samples left after the validation split"
        );
        assert!(
            !serde_json::to_string(&spec).unwrap().contains("alpha"),
            "no alpha, no field"
        );
        spec.l2 = 0.0;
        spec.alpha = 1e-4;
        spec.batch_size = 200;
        assert_eq!(spec.decay(), 1e-4 / 200.0);
        spec.train_samples = 150;
        assert_eq!(spec.decay(), 1e-4 / 150.0, "m: at most the samples");
        let json = serde_json::to_value(&spec).unwrap();
        assert_eq!(json["alpha"], 1e-4);
        assert_eq!(serde_json::from_value::<RunSpec>(json).unwrap(), spec);
    }

    #[test]
    fn differences_name_each_field_and_both_values() {
        let mut other = lecture();
        other.batch_size = 32;
        other.hidden = Activation::Relu;
        other.sizes = vec![784, 100, 10];
        other.early_stopping = Some(3);
        let d = lecture().differences(&other);
        let fields: Vec<&str> = d.iter().map(|d| d.field.as_str()).collect();
        assert_eq!(fields, ["batch_size", "early_stopping", "hidden", "sizes"]);
        let values: Vec<(&str, &str)> = d.iter().map(|d| (d.ours.as_str(), d.theirs.as_str())).collect();
        assert_eq!(
            values,
            [
                ("10", "32"),
                ("off", "3"),
                ("sigmoid", "relu"),
                ("784,30,10", "784,100,10")
            ]
        );
        assert!(lecture().differences(&lecture()).is_empty());
    }
}
