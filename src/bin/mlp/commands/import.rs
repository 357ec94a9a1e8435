//! `mlp import FILE.onnx -o MODEL`: a network from elsewhere as an mlp model file.

use clap::Args;
use mlp::Error;
use std::path::PathBuf;

#[derive(Args)]
pub struct ImportArgs {
    /// An ONNX file holding an MLP: Gemm (or MatMul + Add) layers and their activations, as
    /// `torch.onnx.export` writes for an nn.Sequential and skl2onnx for MLPClassifier and
    /// MLPRegressor (class labels kept), or as `mlp export --onnx` writes.
    input: PathBuf,
    /// The model file to write (safetensors, as `mlp train --save` writes).
    #[arg(short, long, value_name = "FILE")]
    output: PathBuf,
}

pub fn run(args: &ImportArgs) -> Result<(), Error> {
    let model = mlp::onnx::load(&args.input)?;
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
