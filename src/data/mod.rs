//! Data sets: samples as rows of features, with class labels; the readers that make them.

pub mod augment;
pub mod digit_image;
pub mod fetch;
pub mod idx;
pub mod mnist;
pub mod npy;
pub mod prepare;
pub mod standardize;
pub mod tabular;
pub mod toy;
pub mod verify;

use crate::error::{Error, Result};
use crate::linalg::Float;
use ndarray::{Array2, ArrayView2, ArrayViewMut2};
use rand::SeedableRng;
use rand::seq::SliceRandom;
use rand_chacha::ChaCha8Rng;

/// A sample's features. Images stay as bytes in memory (a quarter of the size of `f32`) and
/// are scaled to [0, 1] as each mini-batch is filled.
#[derive(Debug, Clone, PartialEq)]
pub enum Features {
    /// `n × d` bytes; the feature value is `byte / 255`.
    Pixels(Array2<u8>),
    /// `n × d` values used as they are.
    Values(Array2<f32>),
}

/// What a network learns to output for a sample.
#[derive(Debug, Clone, PartialEq, Default)]
pub enum Targets {
    /// The sample's class, one-hot: 1 for its label, 0 elsewhere.
    #[default]
    Classes,
    /// The sample's own features (an autoencoder, the lecture's "compressor").
    Inputs,
    /// Numbers to predict (regression): `n × k`, one row per sample.
    Values(Array2<f32>),
    /// Several classes per sample (multilabel): `n × k`, `y[[x, j]]` 1 when sample `x` has
    /// label `j`, else 0.
    Labels(Array2<f32>),
}

/// `n` samples with `d` features each and a class label in `0 … n_classes − 1` (no labels
/// and no classes for regression, whose targets are [`Targets::Values`]).
#[derive(Debug, Clone, PartialEq)]
pub struct Dataset {
    pub features: Features,
    pub labels: Vec<u8>,
    pub n_classes: usize,
    pub targets: Targets,
    /// Each sample's weight `s_x` in the cost (scikit-learn's `sample_weight`): a mini-batch's
    /// cost is `Σ_x s_x C_x / Σ_x s_x`. `None`: every sample counts the same.
    pub weights: Option<Vec<f32>>,
}

impl Dataset {
    pub fn len(&self) -> usize {
        match &self.features {
            Features::Pixels(p) => p.nrows(),
            Features::Values(v) => v.nrows(),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// True when the targets are class labels.
    pub fn is_classification(&self) -> bool {
        matches!(self.targets, Targets::Classes)
    }

    /// Outputs a network needs for these targets: the classes, or the features.
    pub fn n_targets(&self) -> usize {
        match &self.targets {
            Targets::Classes => self.n_classes,
            Targets::Inputs => self.n_features(),
            Targets::Values(v) | Targets::Labels(v) => v.ncols(),
        }
    }

    /// The same samples, with their own features as targets.
    pub fn autoencoding(mut self) -> Dataset {
        self.targets = Targets::Inputs;
        self
    }

    pub fn n_features(&self) -> usize {
        match &self.features {
            Features::Pixels(p) => p.ncols(),
            Features::Values(v) => v.ncols(),
        }
    }

    /// Copies the samples `indices` into the first rows of `x` (features) and `y` (one-hot
    /// targets: 1 for the sample's class, 0 elsewhere).
    pub fn fill_batch<T: Float>(&self, indices: &[usize], mut x: ArrayViewMut2<T>, y: ArrayViewMut2<T>) {
        self.fill_inputs(indices, x.view_mut());
        self.fill_targets(indices, x.view(), y);
    }

    /// The first rows of `y` ← the targets of the samples `indices`, whose inputs are the
    /// first rows of `x` (an autoencoder's targets are its inputs).
    pub fn fill_targets<T: Float>(&self, indices: &[usize], x: ArrayView2<T>, mut y: ArrayViewMut2<T>) {
        for (r, &i) in indices.iter().enumerate() {
            let mut y_row = y.row_mut(r);
            match &self.targets {
                Targets::Classes => {
                    y_row.fill(T::zero());
                    y_row[self.labels[i] as usize] = T::one();
                }
                Targets::Inputs => y_row.assign(&x.row(r)),
                Targets::Values(v) | Targets::Labels(v) => {
                    y_row.zip_mut_with(&v.row(i), |y, &t| *y = T::from_f32(t).unwrap())
                }
            }
        }
    }

    /// The first rows of `x` ← the inputs of the samples `indices` (pixels scaled to [0, 1]).
    pub fn fill_inputs<T: Float>(&self, indices: &[usize], mut x: ArrayViewMut2<T>) {
        let scale = T::from_f64_lossy(1.0 / 255.0);
        for (r, &i) in indices.iter().enumerate() {
            let mut x_row = x.row_mut(r);
            match &self.features {
                Features::Pixels(p) => {
                    let (src, dst) = (p.row(i), x_row.as_slice_mut());
                    match (src.as_slice(), dst) {
                        // Contiguous rows (always, for our own buffers): a loop LLVM vectorises.
                        (Some(src), Some(dst)) => pixels_to_values(src, dst, scale),
                        _ => x_row.zip_mut_with(&p.row(i), |x, &b| *x = T::from_byte(b) * scale),
                    }
                }
                Features::Values(v) => x_row.zip_mut_with(&v.row(i), |x, &f| *x = T::from_f32(f).unwrap()),
            }
        }
    }

    /// Asks the processor to start loading the samples `indices` into its caches, so that the
    /// next [`fill_batch`](Self::fill_batch) of them does not wait for memory: a shuffled
    /// mini-batch reads rows scattered over the whole (47 MB for MNIST) data set.
    pub fn prefetch(&self, indices: &[usize]) {
        fn rows<T>(x: &Array2<T>, indices: &[usize]) {
            // Whole-array slices: no view is built per row.
            if let Some(all) = x.as_slice() {
                let d = x.ncols();
                for &i in indices {
                    crate::linalg::prefetch(&all[i * d..(i + 1) * d]);
                }
            }
        }
        match &self.features {
            Features::Pixels(p) => rows(p, indices),
            Features::Values(v) => rows(v, indices),
        }
    }

    /// The samples `indices`, in that order.
    pub fn select(&self, indices: &[usize]) -> Dataset {
        let features = match &self.features {
            Features::Pixels(p) => Features::Pixels(p.select(ndarray::Axis(0), indices)),
            Features::Values(v) => Features::Values(v.select(ndarray::Axis(0), indices)),
        };
        Dataset {
            features,
            labels: indices
                .iter()
                .filter_map(|&i| self.labels.get(i).copied())
                .collect(),
            n_classes: self.n_classes,
            targets: match &self.targets {
                Targets::Values(v) => Targets::Values(v.select(ndarray::Axis(0), indices)),
                Targets::Labels(v) => Targets::Labels(v.select(ndarray::Axis(0), indices)),
                t => t.clone(),
            },
            weights: self
                .weights
                .as_ref()
                .map(|w| indices.iter().map(|&i| w[i]).collect()),
        }
    }

    /// Splits off a seeded random `fraction` of the samples for validation: `(training,
    /// validation)`, each in the original order; no validation set for a fraction of 0.
    pub fn split_validation(&self, fraction: f64, seed: u64) -> Result<(Dataset, Option<Dataset>)> {
        if fraction <= 0.0 {
            return Ok((self.clone(), None));
        }
        let n_val = (fraction * self.len() as f64).round() as usize;
        if !(fraction < 1.0 && n_val > 0 && n_val < self.len()) {
            return Err(Error::Invalid(format!(
                "a validation split of {fraction} leaves {} of {} samples for training and {n_val} for validation; \
                 use a fraction that leaves some of each",
                self.len() - n_val.min(self.len()),
                self.len()
            )));
        }
        let mut order: Vec<usize> = (0..self.len()).collect();
        // Its own stream, so the split does not shift the weights' or the shuffles' draws.
        order.shuffle(&mut ChaCha8Rng::seed_from_u64(seed ^ 0x9e37_79b9_7f4a_7c15));
        let (val, train) = order.split_at(n_val);
        let (mut train, mut val) = (train.to_vec(), val.to_vec());
        train.sort_unstable();
        val.sort_unstable();
        Ok((self.select(&train), Some(self.select(&val))))
    }

    /// The first `n` samples (or all, if fewer): for quick runs and tests.
    pub fn truncated(&self, n: usize) -> Dataset {
        self.select(&(0..n.min(self.len())).collect::<Vec<_>>())
    }
}

crate::linalg::simd_fn! {
    /// `dst[i] = src[i] · scale`: bytes to feature values.
    fn pixels_to_values<T: Float>(src: &[u8], dst: &mut [T], scale: T) {
        for (x, &b) in dst.iter_mut().zip(src) {
            *x = T::from_byte(b) * scale;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::array;

    #[test]
    fn validation_split_is_seeded_disjoint_and_complete() {
        let d = Dataset {
            features: Features::Pixels(Array2::from_shape_fn((20, 2), |(i, j)| (i * 2 + j) as u8)),
            labels: (0..20).map(|i| (i % 3) as u8).collect(),
            n_classes: 3,
            targets: Targets::Classes,
            weights: None,
        };
        let (train, val) = d.split_validation(0.25, 7).unwrap();
        let val = val.unwrap();
        assert_eq!((train.len(), val.len()), (15, 5));
        let first = |d: &Dataset| match &d.features {
            Features::Pixels(p) => p.column(0).to_vec(),
            Features::Values(_) => unreachable!(),
        };
        let mut all: Vec<u8> = first(&train).into_iter().chain(first(&val)).collect();
        all.sort_unstable();
        assert_eq!(
            all,
            (0..20).map(|i| (2 * i) as u8).collect::<Vec<_>>(),
            "every sample once"
        );
        assert_eq!(
            d.split_validation(0.25, 7).unwrap().1.unwrap(),
            val,
            "same seed, same split"
        );
        assert!(d.split_validation(1.0, 7).is_err());
        assert!(d.split_validation(0.0, 7).unwrap().1.is_none());
    }

    #[test]
    fn fill_batch_scales_pixels_and_one_hot_encodes() {
        let d = Dataset {
            features: Features::Pixels(array![[0, 255], [51, 102], [255, 0]]),
            labels: vec![2, 0, 1],
            n_classes: 3,
            targets: Targets::Classes,
            weights: None,
        };
        let mut x = Array2::<f64>::from_elem((3, 2), 9.0);
        let mut y = Array2::<f64>::from_elem((3, 3), 9.0);
        d.fill_batch(&[1, 2], x.view_mut(), y.view_mut());
        assert_eq!(x.row(0), array![0.2, 0.4]);
        assert_eq!(x.row(1), array![1.0, 0.0]);
        assert_eq!(x.row(2), array![9.0, 9.0], "rows past the batch are untouched");
        assert_eq!(y.row(0), array![1.0, 0.0, 0.0]);
        assert_eq!(y.row(1), array![0.0, 1.0, 0.0]);
    }
}
