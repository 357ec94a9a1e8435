//! A trained network with what it takes to use it: the input standardisation learned on the
//! training data, the names of the features it reads and of the classes its output neurons
//! stand for. Saved in the model file: the standardisation as tensors `input.mean` and
//! `input.scale` (a regressor's target standardisation as `target.mean`, `target.scale`), the
//! names as JSON in the metadata (`task`, `classes`, `features`, `target`).

use crate::data::standardize::Standardizer;
use crate::data::tabular::{Csv, Tabular, Task};
use crate::error::{Error, Result};
use crate::model_io::{self, Extras};
use crate::network::Network;
use ndarray::{Array1, Array2, ArrayView2};
use std::collections::BTreeMap;
use std::path::Path;

#[derive(Debug, Clone, PartialEq)]
pub struct Model {
    pub net: Network<f32>,
    pub task: Task,
    /// What each output neuron stands for (classification); empty for regression.
    pub classes: Vec<String>,
    /// The features the first layer reads, in order (empty when they have no names, as for
    /// MNIST's pixels).
    pub features: Vec<String>,
    /// The name of the target column (regression and tabular classification).
    pub target: String,
    pub standardizer: Option<Standardizer>,
    /// A regressor trained on standardised targets: its outputs are mapped back to the
    /// target's own units by [`Model::outputs`].
    pub target_standardizer: Option<Standardizer>,
}

impl Model {
    /// A classifier whose output neuron `j` is class `j` (MNIST's digits), with no
    /// standardisation.
    pub fn digits(net: Network<f32>) -> Model {
        let classes = (0..net.n_outputs()).map(|j| j.to_string()).collect();
        Model {
            net,
            task: Task::Classify,
            classes,
            features: Vec::new(),
            target: String::new(),
            standardizer: None,
            target_standardizer: None,
        }
    }

    /// The inputs as the first layer wants them: standardised when the model was trained so.
    pub fn prepare(&self, x: ArrayView2<f32>) -> Result<Array2<f32>> {
        if x.ncols() != self.net.n_inputs() {
            return Err(Error::Mismatch(format!(
                "the model reads {} features per sample but the input has {}",
                self.net.n_inputs(),
                x.ncols()
            )));
        }
        match &self.standardizer {
            Some(s) => s.transform(x),
            None => Ok(x.to_owned()),
        }
    }

    /// The rows of a CSV file as the model's inputs: its feature columns taken by name, or,
    /// for a model whose features have no names (MNIST's pixels), every column, which must
    /// then be as many as the first layer reads. The count is checked before any cell, so a
    /// file of other data is named as such rather than by its first odd cell.
    pub fn read_csv(&self, path: &Path) -> Result<Tabular> {
        let csv = Csv::read(path)?;
        let d = self.net.n_inputs();
        if self.features.is_empty() && csv.header.len() != d {
            let what = if d == crate::data::digit_image::SIDE * crate::data::digit_image::SIDE {
                "pixels"
            } else {
                "unnamed"
            };
            return Err(Error::Mismatch(format!(
                "the model reads {d} features ({what}); {} has {} columns: {}",
                path.display(),
                csv.header.len(),
                list_some(&csv.header)
            )));
        }
        csv.extract_named(&self.features, None, false)
    }

    /// The output layer's activations for each sample (class probabilities for a softmax
    /// classifier), or a regressor's predicted values in the target's own units.
    pub fn outputs(&self, x: ArrayView2<f32>) -> Result<Array2<f32>> {
        let x = self.prepare(x)?;
        let mut out = self.net.predict(x.view());
        self.net.check_outputs(x.view(), out.view(), 1)?;
        if let Some(s) = &self.target_standardizer {
            s.inverse_inplace(out.view_mut())?;
        }
        Ok(out)
    }

    /// A regressor's mean squared error over the rows of `x` against `y` (one column per
    /// output), in the target's own units: `(1/n) Σ_x ‖y − ŷ‖² / k` for `k` outputs.
    pub fn mean_squared_error(&self, x: ArrayView2<f32>, y: ArrayView2<f32>) -> Result<f64> {
        let predicted = self.outputs(x)?;
        if predicted.dim() != y.dim() {
            return Err(Error::Mismatch(format!(
                "{} targets per row for {} outputs",
                y.ncols(),
                predicted.ncols()
            )));
        }
        let sum: f64 = predicted
            .iter()
            .zip(y)
            .map(|(&p, &t)| (f64::from(p) - f64::from(t)).powi(2))
            .sum();
        Ok(sum / y.len().max(1) as f64)
    }

    /// The index of the winning output neuron for each sample.
    pub fn predict_indices(&self, x: ArrayView2<f32>) -> Result<Vec<usize>> {
        let out = self.outputs(x)?;
        Ok(crate::network::argmax_rows(out.view()).collect())
    }

    /// The model file's bytes, with `extra` metadata entries (how it was trained).
    pub fn to_bytes(&self, extra: &[(&str, &str)]) -> Vec<u8> {
        let mut meta: BTreeMap<String, String> = extra
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        let json = |v: &[String]| serde_json::to_string(v).expect("strings");
        meta.insert("task".into(), self.task.name().into());
        if !self.classes.is_empty() {
            meta.insert("classes".into(), json(&self.classes));
        }
        if !self.features.is_empty() {
            meta.insert("features".into(), json(&self.features));
        }
        if !self.target.is_empty() {
            meta.insert("target".into(), self.target.clone());
        }
        let mut tensors = Extras::new();
        for (name, standardizer) in [
            ("input", &self.standardizer),
            ("target", &self.target_standardizer),
        ] {
            if let Some(s) = standardizer {
                tensors.insert(format!("{name}.mean"), (vec![s.mean.len()], s.mean.to_vec()));
                tensors.insert(format!("{name}.scale"), (vec![s.scale.len()], s.scale.to_vec()));
            }
        }
        model_io::to_bytes_with(&self.net, &meta, &tensors)
    }

    /// Writes the model file atomically.
    pub fn save(&self, path: &Path, extra: &[(&str, &str)]) -> Result<()> {
        crate::files::write_atomic(path, &self.to_bytes(extra))
    }

    /// Reads a model file. Files without a `task` (MNIST classifiers) are digit classifiers.
    pub fn load(path: &Path) -> Result<Model> {
        let bytes = crate::files::read_regular(path, model_io::MAX_FILE_BYTES)?;
        Self::from_bytes(&bytes, path)
    }

    pub fn from_bytes(bytes: &[u8], path: &Path) -> Result<Model> {
        let (net, meta, mut tensors) = model_io::from_bytes_with::<f32>(bytes, path)?;
        let bad = |m: String| Error::model(path, m);
        let names = |key: &str| -> Result<Vec<String>> {
            meta.get(key).map_or(Ok(Vec::new()), |v| {
                serde_json::from_str(v)
                    .map_err(|e| bad(format!("metadata '{key}': expected a JSON list of names: {e}")))
            })
        };
        let task = match meta.get("task").map(String::as_str) {
            None | Some("classify") => Task::Classify,
            Some("regress") => Task::Regress,
            Some("multilabel") => Task::MultiLabel,
            Some(other) => {
                return Err(bad(format!(
                    "metadata 'task' is '{other}', expected classify, regress or multilabel"
                )));
            }
        };
        let output = net.layers.last().map(|l| l.activation);
        if task == Task::MultiLabel && output != Some(crate::activation::Activation::Sigmoid) {
            return Err(bad(format!(
                "metadata 'task' is multilabel, whose labels are independent sigmoid outputs, but \
                 the output layer's activation is {}",
                output.map_or("missing".to_string(), |a| a.to_string())
            )));
        }
        let mut model = Model::digits(net);
        model.task = task;
        if task == Task::Regress {
            model.classes.clear();
        }
        let classes = names("classes")?;
        if !classes.is_empty() {
            if classes.len() != model.net.n_outputs() {
                return Err(bad(format!(
                    "metadata names {} classes but the output layer has {} neurons",
                    classes.len(),
                    model.net.n_outputs()
                )));
            }
            model.classes = classes;
        }
        model.features = names("features")?;
        if !model.features.is_empty() && model.features.len() != model.net.n_inputs() {
            return Err(bad(format!(
                "metadata names {} features but the first layer reads {}",
                model.features.len(),
                model.net.n_inputs()
            )));
        }
        model.target = meta.get("target").cloned().unwrap_or_default();
        // `name.mean` and `name.scale`, both of `d` values, or neither.
        let mut standardizer = |name: &str, d: usize| -> Result<Option<Standardizer>> {
            let mut vector = |part: &str| -> Result<Option<Array1<f32>>> {
                match tensors.remove(&format!("{name}.{part}")) {
                    None => Ok(None),
                    Some((shape, v)) if shape == [d] => Ok(Some(Array1::from(v))),
                    Some((shape, _)) => Err(bad(format!(
                        "tensor '{name}.{part}' has shape {shape:?}, expected [{d}]"
                    ))),
                }
            };
            match (vector("mean")?, vector("scale")?) {
                (Some(mean), Some(scale)) => {
                    // A subnormal scale divides an ordinary input into infinity.
                    if let Some(i) = scale
                        .iter()
                        .position(|&s| !(s.is_normal() && s > 0.0 && (1.0 / s).is_finite()))
                    {
                        return Err(bad(format!(
                            "tensor '{name}.scale' holds {:e} at index {i}; a scale must be a positive normal number",
                            scale[i]
                        )));
                    }
                    if mean.iter().any(|m| !m.is_finite()) {
                        return Err(bad(format!(
                            "tensor '{name}.mean' holds a value that is not finite"
                        )));
                    }
                    Ok(Some(Standardizer { mean, scale }))
                }
                (None, None) => Ok(None),
                _ => Err(bad(format!("has only one of '{name}.mean' and '{name}.scale'"))),
            }
        };
        model.standardizer = standardizer("input", model.net.n_inputs())?;
        model.target_standardizer = standardizer("target", model.net.n_outputs())?;
        if model.target_standardizer.is_some() && task != Task::Regress {
            return Err(bad(
                "holds 'target.mean' and 'target.scale', but only a regressor's targets are standardised and this model is a classifier".into(),
            ));
        }
        Ok(model)
    }
}

/// Up to ten names, then how many more.
fn list_some(names: &[String]) -> String {
    const SHOWN: usize = 10;
    let mut list = names.iter().take(SHOWN).cloned().collect::<Vec<_>>().join(", ");
    if names.len() > SHOWN {
        list.push_str(&format!(" and {} more", names.len() - SHOWN));
    }
    list
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::network::Architecture;
    use crate::{Activation, Cost, Init};
    use rand::SeedableRng;

    #[test]
    fn names_and_standardisation_survive_a_round_trip() {
        let arch = Architecture {
            sizes: vec![3, 4, 2],
            hidden: Activation::Relu,
            output: Activation::Softmax,
            cost: Cost::LogLikelihood,
        };
        let net = Network::build(
            &arch,
            Init::Glorot,
            &mut rand_chacha::ChaCha8Rng::seed_from_u64(1),
        )
        .unwrap();
        let model = Model {
            net,
            task: Task::Classify,
            classes: vec!["no".into(), "yes".into()],
            features: vec!["a".into(), "b".into(), "c".into()],
            target: "answer".into(),
            standardizer: Some(Standardizer {
                mean: ndarray::array![1.0, 2.0, 3.0],
                scale: ndarray::array![0.5, 1.0, 2.0],
            }),
            target_standardizer: None,
        };
        let bytes = model.to_bytes(&[]);
        let back = Model::from_bytes(&bytes, Path::new("m.safetensors")).unwrap();
        assert_eq!(back, model);
        let x = ndarray::array![[1.0f32, 2.0, 3.0]];
        assert_eq!(
            back.prepare(x.view()).unwrap(),
            ndarray::array![[0.0f32, 0.0, 0.0]]
        );
    }

    #[test]
    fn a_regressor_predicts_in_its_targets_units() {
        let arch = Architecture {
            sizes: vec![2, 3, 1],
            hidden: Activation::Relu,
            output: Activation::Identity,
            cost: Cost::Mse,
        };
        let net = Network::build(
            &arch,
            Init::Glorot,
            &mut rand_chacha::ChaCha8Rng::seed_from_u64(2),
        )
        .unwrap();
        let mut model = Model::digits(net);
        model.task = Task::Regress;
        model.classes.clear();
        let x = ndarray::array![[0.5f32, -1.0], [2.0, 0.25]];
        let standardised = model.outputs(x.view()).unwrap();
        model.target_standardizer = Some(Standardizer {
            mean: ndarray::array![500.0],
            scale: ndarray::array![40.0],
        });
        let back = Model::from_bytes(&model.to_bytes(&[]), Path::new("m.safetensors")).unwrap();
        assert_eq!(back, model);
        let prices = back.outputs(x.view()).unwrap();
        for (p, z) in prices.iter().zip(&standardised) {
            assert!((p - (40.0 * z + 500.0)).abs() < 1e-3, "{p} for {z}");
        }
        let mse = back.mean_squared_error(x.view(), prices.view()).unwrap();
        assert_eq!(mse, 0.0);

        // The same tensors on a classifier are refused.
        let mut classifier = back.clone();
        classifier.task = Task::Classify;
        classifier.classes = vec!["only".into()];
        let e = Model::from_bytes(&classifier.to_bytes(&[]), Path::new("c.st")).unwrap_err();
        assert!(e.to_string().contains("target.mean"), "{e}");
    }
}
