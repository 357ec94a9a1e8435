//! `mlp autoencode MODEL`: a trained autoencoder's test reconstructions, drawn, with the
//! reconstruction error and optionally the codes.

use crate::flags::DataArgs;
use clap::Args;
use mlp::data::mnist;
use mlp::{Error, Network, autoencoder, model_io, train};
use std::path::PathBuf;

#[derive(Args)]
pub struct AutoencodeArgs {
    /// Model file written by `mlp train --autoencoder --save`.
    model: PathBuf,
    #[command(flatten)]
    data: DataArgs,
    /// PNG to write: the first --count test images (top row) over their reconstructions.
    #[arg(short = 'o', long = "output", value_name = "FILE.png")]
    output: PathBuf,
    /// How many test images to draw.
    #[arg(long, default_value_t = 12, value_parser = clap::value_parser!(u64).range(1..=100))]
    count: u64,
    /// Also write the codes (the narrowest layer's activations) of all 10 000 test images
    /// as CSV, one row per image.
    #[arg(long, value_name = "FILE.csv")]
    codes: Option<PathBuf>,
}

pub fn run(args: &AutoencodeArgs) -> Result<(), Error> {
    let net: Network<f32> = model_io::load(&args.model)?;
    let test_set = mnist::load_test(&args.data.dir()?)?.autoencoding();
    train::check_compatible(&net, &test_set, "MNIST test")?;
    let all: Vec<usize> = (0..test_set.len()).collect();
    let (reconstructions, code_values) = autoencoder::reconstruct(&net, &test_set, &all)?;
    let shown: Vec<usize> = (0..(args.count as usize).min(test_set.len())).collect();
    let mut originals = ndarray::Array2::<f32>::zeros((shown.len(), test_set.n_features()));
    let mut targets = originals.clone();
    test_set.fill_batch(&shown, originals.view_mut(), targets.view_mut());
    let side = (test_set.n_features() as f64).sqrt() as usize;
    mlp::picture::write_grid(
        &args.output,
        &[
            originals.view(),
            reconstructions.slice(ndarray::s![..shown.len(), ..]),
        ],
        side,
        4,
    )?;
    let error = train::reconstruction_error(&net, &test_set)?;
    println!(
        "Reconstruction error on the {} test images: {error:.5} per pixel (mean squared, pixels in [0, 1]); \
         {} numbers per image in the code",
        test_set.len(),
        code_values.ncols()
    );
    println!(
        "Wrote {} (top: originals, bottom: reconstructions)",
        args.output.display()
    );
    if let Some(path) = &args.codes {
        autoencoder::write_codes_csv(path, &code_values)?;
        println!("Wrote the codes to {}", path.display());
    }
    Ok(())
}
