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

/// Writes a grayscale PNG: the `originals` (one image of `side × side` values in [0, 1] per row)
/// in the top row and the `reconstructions` below them, each pixel drawn `scale` times larger,
/// on a dark grey background with 2-pixel gaps.
pub fn write_grid<T: Float>(
    path: &Path,
    originals: &Array2<T>,
    reconstructions: &Array2<T>,
    side: usize,
    scale: usize,
) -> Result<()> {
    let (n, gap) = (originals.nrows(), 2 * scale);
    let cell = side * scale;
    let (width, height) = (gap + n * (cell + gap), gap + 2 * (cell + gap));
    let mut pixels = vec![40u8; width * height];
    for (row, images) in [originals, reconstructions].into_iter().enumerate() {
        for (i, image) in images.rows().into_iter().enumerate() {
            let (x0, y0) = (gap + i * (cell + gap), gap + row * (cell + gap));
            for (p, &v) in image.iter().enumerate() {
                let value = (v.to_f64().unwrap_or(0.0).clamp(0.0, 1.0) * 255.0).round() as u8;
                let (px, py) = (p % side, p / side);
                for dy in 0..scale {
                    let start = (y0 + py * scale + dy) * width + x0 + px * scale;
                    pixels[start..start + scale].fill(value);
                }
            }
        }
    }
    let mut bytes = Vec::new();
    {
        let mut encoder = png::Encoder::new(&mut bytes, width as u32, height as u32);
        encoder.set_color(png::ColorType::Grayscale);
        encoder.set_depth(png::BitDepth::Eight);
        let mut writer = encoder
            .write_header()
            .map_err(|e| Error::Invalid(format!("PNG: {e}")))?;
        writer
            .write_image_data(&pixels)
            .map_err(|e| Error::Invalid(format!("PNG: {e}")))?;
    }
    write_atomic(path, &bytes)
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

    #[test]
    fn grid_is_a_png_of_the_right_size() {
        let tmp = tempfile::tempdir().unwrap();
        let path = tmp.path().join("g.png");
        let a = Array2::<f32>::from_elem((3, 16), 0.5);
        write_grid(&path, &a, &a, 4, 2).unwrap();
        let decoder = png::Decoder::new(std::fs::File::open(&path).unwrap());
        let reader = decoder.read_info().unwrap();
        let info = reader.info();
        // 3 cells of 8 px with 4-px gaps; 2 rows.
        assert_eq!((info.width, info.height), (4 + 3 * 12, 4 + 2 * 12));
    }
}
