//! `mlp export MODEL --onnx FILE --torch-safetensors FILE`: a saved model in another format, through the library.

use clap::Args;
use mlp::data::tabular::Task;
use mlp::{Error, Model};
use std::path::{Path, PathBuf};

#[derive(Args)]
#[command(group(clap::ArgGroup::new("format").args(["onnx", "torch_safetensors"]).required(true).multiple(true)))]
pub struct ExportArgs {
    /// Model file written by `mlp train --save` (or `mlp import`).
    model: PathBuf,
    /// Write an ONNX graph (opset 13): input `input` float32 [N, features] in the units `mlp
    /// predict` reads, outputs `probabilities` and `label` (classifiers) or `output`.
    #[arg(long, value_name = "FILE")]
    onnx: Option<PathBuf>,
    /// Write the weights as a PyTorch state_dict (safetensors): `0.weight`, `0.bias`,
    /// `2.weight`, … for nn.Sequential(Linear, activation, Linear, …); any standardisation
    /// folded into the first Linear.
    #[arg(long, value_name = "FILE")]
    torch_safetensors: Option<PathBuf>,
}

pub fn run(args: &ExportArgs) -> Result<(), Error> {
    let model = load(&args.model)?;
    if let Some(path) = &args.onnx {
        mlp::onnx::save(&model, path)?;
        println!("wrote {}", path.display());
    }
    if let Some(path) = &args.torch_safetensors {
        mlp::state_dict::save(&model, path)?;
        println!("wrote {}", path.display());
    }
    Ok(())
}

/// The model, an autoencoder (its file says so in the training record) as a regressor of its
/// own inputs: its outputs are pixels, not class probabilities.
fn load(path: &Path) -> Result<Model, Error> {
    let bytes = mlp::files::read_regular(path, mlp::model_io::MAX_FILE_BYTES)?;
    let mut model = Model::from_bytes(&bytes, path)?;
    let (_, meta, _) = mlp::model_io::from_bytes_with::<f32>(&bytes, path)?;
    let autoencoder = meta
        .get("training")
        .and_then(|t| serde_json::from_str::<serde_json::Value>(t).ok())
        .is_some_and(|t| t["autoencoder"] == true);
    if autoencoder {
        model.task = Task::Regress;
        model.classes.clear();
    }
    Ok(model)
}
