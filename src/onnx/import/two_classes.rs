//! scikit-learn's two-class `MLPClassifier` has one logistic output neuron, `p = σ(z)` the
//! probability of the second class; skl2onnx then writes both classes' probabilities as
//! `Concat([Sub(1, p), p], axis 1)`. mlp's classifiers have one output neuron per class, so
//! the neuron becomes two softmax neurons with weighted inputs `0` and `z`:
//! `softmax(0, z) = (1/(1 + eᶻ), eᶻ/(1 + eᶻ)) = (1 − σ(z), σ(z))`, the same probabilities.

use super::{Fallible, Reader};
use crate::activation::Activation;
use crate::network::Layer;
use ndarray::{Array1, Array2, concatenate, s};

impl Reader<'_> {
    /// Checks that `sub` (reading `p`, the output `current` of `layer`) and `concat`, the node
    /// after it, are exactly that pattern, turns `layer` into its two softmax neurons and
    /// returns the name of the two probabilities.
    pub(super) fn two_classes(
        &self,
        sub: &super::NodeProto,
        concat: Option<&super::NodeProto>,
        current: &str,
        layer: &mut Layer<f32>,
        here: &str,
    ) -> Fallible<String> {
        let pattern = "after a one-neuron sigmoid output mlp reads only skl2onnx's two-class \
            pattern Sub(1, p) then Concat([1 - p, p], axis 1)";
        if layer.activation != Activation::Sigmoid || layer.neurons() != 1 {
            return Err(format!(
                "{here} is not supported: {pattern}, and the output layer is {} {} neuron(s)",
                layer.neurons(),
                layer.activation.name()
            ));
        }
        let (shape, one) = self.constant(sub, 0, here)?;
        if sub.input.len() != 2 || shape.iter().any(|&d| d != 1) || one != [1.0] {
            return Err(format!(
                "{here}: {pattern}; it does not subtract p from the scalar 1"
            ));
        }
        let [negative] = &sub.output[..] else {
            return Err(format!("{here} has {} outputs, expected one", sub.output.len()));
        };
        let Some(concat) = concat else {
            return Err(format!("{here}: {pattern}; the graph ends after it"));
        };
        let op = concat.op_type.as_deref().unwrap_or("");
        let name = concat.name.as_deref().filter(|n| !n.is_empty()).unwrap_or(op);
        let axis = super::int_attribute(concat, "axis");
        if op != "Concat" || concat.input != [negative.as_str(), current] || !matches!(axis, Some(1 | -1)) {
            return Err(format!(
                "node '{name}' ({op}) after {here} is not supported: {pattern}"
            ));
        }
        let [probabilities] = &concat.output[..] else {
            return Err(format!(
                "node '{name}' ({op}) has {} outputs, expected one",
                concat.output.len()
            ));
        };
        // Neuron 0 (the first class) has zero weights and bias: its weighted input is 0.
        let zeros = Array2::zeros((1, layer.inputs()));
        layer.weights = concatenate![ndarray::Axis(0), zeros, layer.weights.slice(s![..1, ..])];
        layer.biases = concatenate![ndarray::Axis(0), Array1::zeros(1), layer.biases.slice(s![..1])];
        layer.activation = Activation::Softmax;
        Ok(probabilities.clone())
    }
}
