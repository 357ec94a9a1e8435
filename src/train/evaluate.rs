//! Scoring a network on held-out data: accuracy and confusion (classes), mean squared error
//! (values, reconstructions).

use crate::data::{Dataset, Targets};
use crate::error::{Error, Result};
use crate::linalg::Float;
use crate::network::{Network, Workspace, argmax_rows};
use ndarray::{Array2, ArrayView2, s};

/// Checks that a network can be trained or evaluated on a data set.
pub fn check_compatible<T: Float>(net: &Network<T>, data: &Dataset, what: &str) -> Result<()> {
    if net.n_inputs() != data.n_features() {
        return Err(Error::Mismatch(format!(
            "the network's first layer has {} inputs but the {what} data has {} features per sample; \
             the first layer size must be {}",
            net.n_inputs(),
            data.n_features(),
            data.n_features()
        )));
    }
    if net.n_outputs() != data.n_targets() {
        let targets = match data.targets {
            Targets::Classes => "classes",
            Targets::Inputs => "features to reproduce",
            Targets::Values(_) => "target values",
            Targets::Labels(_) => "labels",
        };
        return Err(Error::Mismatch(format!(
            "the network's last layer has {} neurons but the {what} data has {} {targets}; \
             the last layer size must be {}",
            net.n_outputs(),
            data.n_targets(),
            data.n_targets()
        )));
    }
    Ok(())
}

/// Classification results on a data set.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Evaluation {
    pub correct: usize,
    pub total: usize,
    /// `confusion[true][predicted]`: how many samples of each class went to each prediction.
    pub confusion: Vec<Vec<usize>>,
}

impl Evaluation {
    pub fn accuracy(&self) -> f64 {
        if self.total == 0 {
            0.0
        } else {
            self.correct as f64 / self.total as f64
        }
    }
}

/// Classifies every sample (the output neuron with the highest activation wins); for
/// multilabel targets, see [`subset_accuracy`].
pub fn evaluate<T: Float>(net: &Network<T>, data: &Dataset) -> Result<Evaluation> {
    check_compatible(net, data, "evaluation")?;
    if let Targets::Labels(_) = data.targets {
        return subset_accuracy(net, data);
    }
    let k = net.n_outputs();
    let parts = over_samples(
        net,
        data,
        || vec![vec![0usize; k]; k],
        |confusion, indices, outputs, _| {
            for (&i, predicted) in indices.iter().zip(argmax_rows(outputs)) {
                confusion[data.labels[i] as usize][predicted] += 1;
            }
        },
    )?;
    let mut confusion = vec![vec![0usize; k]; k];
    for part in parts {
        for (row, part_row) in confusion.iter_mut().zip(part) {
            row.iter_mut().zip(part_row).for_each(|(c, p)| *c += p);
        }
    }
    let correct = (0..k).map(|c| confusion[c][c]).sum();
    Ok(Evaluation {
        correct,
        total: data.len(),
        confusion,
    })
}

/// Multilabel targets: a sample is correct when every label's prediction (output `z_j > ½`)
/// is its target's (scikit-learn's subset accuracy). No confusion matrix: it is empty.
fn subset_accuracy<T: Float>(net: &Network<T>, data: &Dataset) -> Result<Evaluation> {
    let half = T::from_f64_lossy(0.5);
    let parts = over_samples(
        net,
        data,
        || 0usize,
        |correct, _, outputs, targets| {
            *correct += outputs
                .rows()
                .into_iter()
                .zip(targets.rows())
                .filter(|(z, y)| z.iter().zip(y).all(|(&z, &y)| (z > half) == (y > half)))
                .count();
        },
    )?;
    Ok(Evaluation {
        correct: parts.iter().sum(),
        total: data.len(),
        confusion: Vec::new(),
    })
}

/// Mean squared error per output between the network's outputs and the samples' targets
/// (for an autoencoder: how well it reproduces its inputs).
pub fn reconstruction_error<T: Float>(net: &Network<T>, data: &Dataset) -> Result<f64> {
    check_compatible(net, data, "evaluation")?;
    let parts = over_samples(
        net,
        data,
        || 0.0f64,
        |sum, _, outputs, targets| {
            ndarray::Zip::from(outputs).and(targets).for_each(|&z, &t| {
                let d = (z - t).to_f64().unwrap_or(f64::NAN);
                *sum += d * d;
            });
        },
    )?;
    Ok(parts.iter().sum::<f64>() / (data.len() * data.n_targets()).max(1) as f64)
}

/// The coefficient of determination of one target column, `R² = 1 − Σ(y − ŷ)²/Σ(y − ȳ)² =
/// 1 − mse/variance`, from the mean squared error and the targets' (population) variance; a
/// constant target scores 1 when predicted exactly and 0 otherwise (scikit-learn's convention).
pub fn r_squared(mse: f64, variance: f64) -> f64 {
    if variance > 0.0 {
        1.0 - mse / variance
    } else {
        f64::from(mse == 0.0)
    }
}

/// Feeds every sample forward, a chunk of rows at a time, and lets `visit` fold each chunk's
/// sample indices, outputs and targets into an accumulator made by `init`; returns one
/// accumulator per thread; threads and chunk size as [`crate::linalg::inference_plan`] says.
/// A non-finite output is an error naming the sample and layer.
fn over_samples<T: Float, A: Send>(
    net: &Network<T>,
    data: &Dataset,
    init: impl Fn() -> A + Sync,
    visit: impl Fn(&mut A, &[usize], ArrayView2<T>, ArrayView2<T>) + Sync,
) -> Result<Vec<A>> {
    let widest = net.layers.iter().map(|l| l.weights.len()).max().unwrap_or(1);
    let (threads, chunk) = crate::linalg::inference_plan(widest, data.len());
    let indices: Vec<usize> = (0..data.len()).collect();
    let run = |part: &[usize]| {
        let rows = chunk.min(part.len()).max(1);
        let mut ws = Workspace::new(net, rows);
        let mut x = Array2::<T>::zeros((rows, net.n_inputs()));
        let mut y = Array2::<T>::zeros((rows, data.n_targets()));
        let mut acc = init();
        for c in part.chunks(rows) {
            data.fill_batch(c, x.view_mut(), y.view_mut());
            let out = net.feedforward_batch(x.slice(s![..c.len(), ..]), &mut ws);
            if out.iter().any(|v| !v.is_finite()) {
                let out = out.to_owned();
                net.check_outputs(x.slice(s![..c.len(), ..]), out.view(), c[0] + 1)?;
            }
            visit(&mut acc, c, out, y.slice(s![..c.len(), ..]));
        }
        Ok::<A, Error>(acc)
    };
    if threads == 1 {
        return Ok(vec![run(&indices)?]);
    }
    let (first, second) = indices.split_at(indices.len() / 2);
    std::thread::scope(|scope| {
        let other = scope.spawn(|| run(second));
        let mine = run(first)?;
        Ok(vec![mine, other.join().expect("evaluation thread")?])
    })
}
