//! The lecture's "compressor": a network trained to reproduce its input through a narrow
//! hidden layer. Its codes (the narrowest layer's activations) and a picture of what it does.

use crate::data::Dataset;
use crate::error::{Error, Result};
use crate::files::write_atomic;
use crate::linalg::Float;
use crate::network::{Network, Workspace};
use ndarray::{Array2, s};
use std::path::Path;

/// The index `k` in `Network::layers` of the narrowest hidden layer (the lecture's layer `k + 1`), or an
/// error if the network has no hidden layer or does not map its inputs to as many outputs.
pub fn bottleneck<T: Float>(net: &Network<T>) -> Result<usize> {
    if net.n_outputs() != net.n_inputs() || net.layers.len() < 2 {
        return Err(Error::Mismatch(format!(
            "not an autoencoder: a {:?} network (an autoencoder has a hidden layer and as many outputs as inputs)",
            net.sizes()
        )));
    }
    let hidden = &net.layers[..net.layers.len() - 1];
    Ok((0..hidden.len())
        .min_by_key(|&k| hidden[k].neurons())
        .expect("a hidden layer"))
}

/// The outputs for the samples `indices` (row per sample), and the codes: the bottleneck's
/// activations.
pub fn reconstruct<T: Float>(
    net: &Network<T>,
    data: &Dataset,
    indices: &[usize],
) -> Result<(Array2<T>, Array2<T>)> {
    let k = bottleneck(net)?;
    let mut out = Array2::zeros((indices.len(), net.n_outputs()));
    let mut codes = Array2::zeros((indices.len(), net.layers[k].neurons()));
    let rows = crate::linalg::INFERENCE_ROWS.min(indices.len()).max(1);
    let mut ws = Workspace::new(net, rows);
    let mut x = Array2::<T>::zeros((rows, net.n_inputs()));
    let mut y = Array2::<T>::zeros((rows, data.n_targets()));
    for (c, chunk) in indices.chunks(rows).enumerate() {
        let n = chunk.len();
        data.fill_batch(chunk, x.view_mut(), y.view_mut());
        let z = net.feedforward_batch(x.slice(s![..n, ..]), &mut ws);
        out.slice_mut(s![c * rows..c * rows + n, ..]).assign(&z);
        codes
            .slice_mut(s![c * rows..c * rows + n, ..])
            .assign(&ws.activation(k + 1, n));
    }
    Ok((out, codes))
}

/// Writes the codes as CSV (a header `code0,code1,…`, then one row per sample).
pub fn write_codes_csv<T: Float>(path: &Path, codes: &Array2<T>) -> Result<()> {
    let mut text: String = (0..codes.ncols())
        .map(|j| format!("code{j}"))
        .collect::<Vec<_>>()
        .join(",");
    text.push('\n');
    for row in codes.rows() {
        let cells: Vec<String> = row.iter().map(|v| format!("{v}")).collect();
        text.push_str(&cells.join(","));
        text.push('\n');
    }
    write_atomic(path, text.as_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::network::Init;
    use rand::SeedableRng;
    use rand_chacha::ChaCha8Rng;

    #[test]
    fn finds_the_bottleneck_and_rejects_other_networks() {
        let mut rng = ChaCha8Rng::seed_from_u64(0);
        let ae: Network<f32> = Network::new(&[16, 8, 3, 8, 16], Init::ScaledNormal, &mut rng).unwrap();
        assert_eq!(bottleneck(&ae).unwrap(), 1);
        let classifier: Network<f32> = Network::new(&[16, 8, 10], Init::ScaledNormal, &mut rng).unwrap();
        assert!(
            bottleneck(&classifier)
                .unwrap_err()
                .to_string()
                .contains("not an autoencoder")
        );
    }
}
