//! `mlp import FILE.onnx -o MODEL`: a network from elsewhere as an mlp model file.

use clap::Args;
use mlp::activation::Activation;
use mlp::{Error, Model};
use std::path::PathBuf;

#[derive(Args)]
pub struct ImportArgs {
    /// An ONNX file holding an MLP: Gemm (or MatMul + Add) layers and their activations, as
    /// `torch.onnx.export` writes for an nn.Sequential and skl2onnx for MLPClassifier and
    /// MLPRegressor (class labels kept), or as `mlp export --onnx` writes. Or a PyTorch
    /// state_dict in safetensors (any other extension): `0.weight`, `0.bias`, `2.weight`, …
    input: PathBuf,
    /// The activation after each Linear of a state_dict, e.g. relu,softmax (files written by
    /// `mlp export --torch-safetensors` name them).
    #[arg(long, value_name = "LIST", value_delimiter = ',')]
    activations: Option<Vec<Activation>>,
    /// The model file to write (safetensors, as `mlp train --save` writes).
    #[arg(short, long, value_name = "FILE")]
    output: PathBuf,
}

pub fn run(args: &ImportArgs) -> Result<(), Error> {
    let model = if args
        .input
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("onnx"))
    {
        mlp::onnx::load(&args.input)?
    } else {
        let bytes = mlp::files::read_regular(&args.input, mlp::model_io::MAX_FILE_BYTES)?;
        mlp::state_dict::from_bytes(&bytes, &args.input, args.activations.as_deref())?
    };
    report(&model, args)
}

fn report(model: &Model, args: &ImportArgs) -> Result<(), Error> {
    let source = args.input.display().to_string();
    model.save(&args.output, &[("imported_from", source.as_str())])?;
    let sizes: Vec<String> = model.net.sizes().iter().map(usize::to_string).collect();
    let activations: Vec<&str> = model.net.layers.iter().map(|l| l.activation.name()).collect();
    println!(
        "wrote {}: layers {}, activations {}, {}",
        args.output.display(),
        sizes.join(","),
        activations.join(","),
        match model.classes.len() {
            0 => "regression".to_string(),
            n => format!("{n} classes"),
        }
    );
    Ok(())
}
