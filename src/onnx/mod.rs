//! ONNX files: a model written as a standard ONNX graph for other runtimes (`export`), and an
//! MLP-shaped ONNX graph from elsewhere (PyTorch, scikit-learn via skl2onnx) read into a model
//! (`import`).
//!
//! The graph mlp writes: input `input`, float32 `[N, n_features]` in the units `mlp predict`
//! reads; the standardisation, when the model has one, as `Sub` then `Div`; each layer a `Gemm`
//! with `transB = 1` (its weights stay `n_out × n_in`, as mlp stores them) and its activation
//! op; output `probabilities` (classifiers; also `label`, the int64 `ArgMax`) or `output`.
//! The model's task, class, feature and target names are in `metadata_props`, so an exported
//! model imports back whole.

mod export;
mod import;
// Generated code: clippy's style lints are not ours to follow there.
#[allow(clippy::all, clippy::pedantic)]
mod proto;

pub use export::{INPUT, LABEL, OUTPUT, PROBABILITIES, to_bytes};
pub use import::from_bytes;

use crate::error::Result;
use crate::model::Model;
use std::path::Path;

/// Writes `model` as an ONNX file, atomically.
pub fn save(model: &Model, path: &Path) -> Result<()> {
    crate::files::write_atomic(path, &to_bytes(model))
}

/// Reads an ONNX file as a model, and any external data files its tensors name beside it.
pub fn load(path: &Path) -> Result<Model> {
    let bytes = crate::files::read_regular(path, crate::model_io::MAX_FILE_BYTES)?;
    import::from_file_bytes(&bytes, path)
}

#[cfg(test)]
mod tests;
