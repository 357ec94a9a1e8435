//! MNIST from a directory holding the four standard IDX files, raw or gzipped.

use super::idx::{Idx, read_idx};
use super::{Dataset, Features};
use crate::error::{Error, Result};
use ndarray::Array2;
use std::path::{Path, PathBuf};

pub const TRAIN_IMAGES: &str = "train-images-idx3-ubyte";
pub const TRAIN_LABELS: &str = "train-labels-idx1-ubyte";
pub const TEST_IMAGES: &str = "t10k-images-idx3-ubyte";
pub const TEST_LABELS: &str = "t10k-labels-idx1-ubyte";
pub const N_CLASSES: usize = 10;

/// The environment variable that names the data directory when no option does.
pub const DATA_DIR_ENV: &str = "MLP_DATA_DIR";

/// The training (60 000) and test (10 000) sets of the MNIST files in `dir`.
pub fn load(dir: &Path) -> Result<(Dataset, Dataset)> {
    Ok((load_split(dir, TRAIN_IMAGES, TRAIN_LABELS)?, load_test(dir)?))
}

/// Only the test set.
pub fn load_test(dir: &Path) -> Result<Dataset> {
    load_split(dir, TEST_IMAGES, TEST_LABELS)
}

fn load_split(dir: &Path, images: &str, labels: &str) -> Result<Dataset> {
    if !dir.is_dir() {
        return Err(Error::NoMnist {
            dir: dir.to_path_buf(),
            files: [TRAIN_IMAGES, TRAIN_LABELS, TEST_IMAGES, TEST_LABELS],
        });
    }
    let images_path = find(dir, images)?;
    let labels_path = find(dir, labels)?;
    from_idx(
        &images_path,
        read_idx(&images_path)?,
        &labels_path,
        read_idx(&labels_path)?,
    )
}

/// `dir/name.gz` if it exists, else `dir/name`.
fn find(dir: &Path, name: &str) -> Result<PathBuf> {
    let gz = dir.join(format!("{name}.gz"));
    if gz.is_file() {
        return Ok(gz);
    }
    let raw = dir.join(name);
    if raw.is_file() {
        return Ok(raw);
    }
    Err(Error::NotFound {
        path: raw,
        hint: " (nor with .gz); expected one of the four MNIST IDX files (`mlp data fetch mnist --dir DIR` downloads them)".into(),
    })
}

/// Pairs an image file (`n × rows × cols`) with a label file (`n`, values 0–9).
pub fn from_idx(images_path: &Path, images: Idx, labels_path: &Path, labels: Idx) -> Result<Dataset> {
    if images.dims.len() != 3 {
        return Err(Error::format(
            images_path,
            3,
            format!(
                "expected 3 dimensions (images × rows × columns), found {}",
                images.dims.len()
            ),
        ));
    }
    if labels.dims.len() != 1 {
        return Err(Error::format(
            labels_path,
            3,
            format!("expected 1 dimension (labels), found {}", labels.dims.len()),
        ));
    }
    let (n, pixels) = (images.dims[0], images.dims[1] * images.dims[2]);
    if labels.dims[0] != n {
        return Err(Error::Mismatch(format!(
            "{} holds {n} images but {} holds {} labels; expected one label per image",
            images_path.display(),
            labels_path.display(),
            labels.dims[0]
        )));
    }
    if let Some(i) = labels.data.iter().position(|&l| l as usize >= N_CLASSES) {
        return Err(Error::format(
            labels_path,
            labels.header_len() + i as u64,
            format!("label {} of sample {i}: expected a digit 0–9", labels.data[i]),
        ));
    }
    let features =
        Array2::from_shape_vec((n, pixels), images.data).expect("length checked by the IDX reader");
    Ok(Dataset {
        features: Features::Pixels(features),
        labels: labels.data,
        n_classes: N_CLASSES,
        targets: super::Targets::Classes,
        weights: None,
    })
}
