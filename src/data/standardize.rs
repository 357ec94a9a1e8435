//! Standardisation: `x' = (x − μ) / s`, with each column's mean `μ` and standard deviation
//! `s` learned on the training data (scikit-learn's `StandardScaler`) and stored with the
//! model, so predictions see inputs scaled exactly as training did. A regressor's targets are
//! standardised the same way, and its outputs mapped back by `y = s·y' + μ`
//! (scikit-learn's `TransformedTargetRegressor`).

use crate::error::{Error, Result};
use ndarray::{Array1, ArrayView2, ArrayViewMut2, Zip};

#[derive(Debug, Clone, PartialEq)]
pub struct Standardizer {
    pub mean: Array1<f32>,
    /// The standard deviation (population, `ddof = 0`); 1 for a constant feature, which is
    /// then only centred.
    pub scale: Array1<f32>,
}

impl Standardizer {
    /// Learns each column's mean and standard deviation (accumulated in `f64`).
    pub fn fit(x: ArrayView2<f32>) -> Result<Self> {
        if x.nrows() == 0 {
            return Err(Error::Invalid("cannot standardise zero samples".into()));
        }
        let n = x.nrows() as f64;
        // Row by row, each column's running sum in f64: the same additions in the same order
        // as a walk down the column, but reading memory in order (a column of a row-major
        // array is one cache line per value: 1.4 s instead of 0.1 s for MNIST's 60 000 × 784).
        let mut sum = Array1::<f64>::zeros(x.ncols());
        for row in x.rows() {
            Zip::from(&mut sum).and(&row).for_each(|s, &v| *s += v as f64);
        }
        let mu = sum / n;
        let mut squares = Array1::<f64>::zeros(x.ncols());
        for row in x.rows() {
            Zip::from(&mut squares)
                .and(&row)
                .and(&mu)
                .for_each(|s, &v, &m| *s += (v as f64 - m).powi(2));
        }
        let mean = mu.mapv(|m| m as f32);
        let scale = Zip::from(&squares).and(&mu).map_collect(|&sq, &m| {
            let sd = (sq / n).sqrt();
            // A constant column would divide by zero; like scikit-learn, leave it unscaled.
            if sd > 10.0 * f64::EPSILON * m.abs().max(1.0) {
                sd as f32
            } else {
                1.0
            }
        });
        Ok(Standardizer { mean, scale })
    }

    /// Standardises the rows of `x` in place.
    pub fn transform_inplace(&self, x: ArrayViewMut2<f32>) -> Result<()> {
        self.each(x, |v, m, s| (v - m) / s)
    }

    /// Maps standardised rows back to the original units in place: `x = s·x' + μ`.
    pub fn inverse_inplace(&self, x: ArrayViewMut2<f32>) -> Result<()> {
        self.each(x, |v, m, s| v * s + m)
    }

    /// `v ← f(v, μ_j, s_j)` for every value of column `j` of `x`.
    fn each(&self, mut x: ArrayViewMut2<f32>, f: impl Fn(f32, f32, f32) -> f32) -> Result<()> {
        if x.ncols() != self.mean.len() {
            return Err(Error::Mismatch(format!(
                "the standardiser was fitted on {} columns but the data has {}",
                self.mean.len(),
                x.ncols()
            )));
        }
        for mut row in x.rows_mut() {
            Zip::from(&mut row)
                .and(&self.mean)
                .and(&self.scale)
                .for_each(|v, &m, &s| *v = f(*v, m, s));
        }
        Ok(())
    }

    /// A standardised copy of `x`.
    pub fn transform(&self, x: ArrayView2<f32>) -> Result<ndarray::Array2<f32>> {
        let mut out = x.to_owned();
        self.transform_inplace(out.view_mut())?;
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::array;

    #[test]
    fn columns_get_zero_mean_and_unit_variance() {
        let x = array![[1.0f32, 10.0, 5.0], [3.0, 30.0, 5.0], [5.0, 20.0, 5.0]];
        let s = Standardizer::fit(x.view()).unwrap();
        assert_eq!(s.mean, array![3.0, 20.0, 5.0]);
        assert_eq!(s.scale[2], 1.0, "a constant column is only centred");
        let t = s.transform(x.view()).unwrap();
        for j in 0..2 {
            let c = t.column(j);
            let mean = c.sum() / 3.0;
            let var = c.iter().map(|v| (v - mean).powi(2)).sum::<f32>() / 3.0;
            assert!(
                mean.abs() < 1e-6 && (var - 1.0).abs() < 1e-5,
                "column {j}: {mean} {var}"
            );
        }
        assert_eq!(t.column(2), array![0.0, 0.0, 0.0]);
        let mut back = t.clone();
        s.inverse_inplace(back.view_mut()).unwrap();
        assert!(
            back.iter()
                .zip(&x)
                .all(|(b, x)| (b - x).abs() <= 1e-5 * x.abs().max(1.0))
        );
        assert!(s.transform(array![[1.0f32, 2.0]].view()).is_err());
    }
}
