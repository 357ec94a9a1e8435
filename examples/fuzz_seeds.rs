//! Writes one valid input of each format `mlp` reads, as starting points for the fuzzers:
//! `DIR/idx/` (raw and gzipped IDX), `DIR/model/` (a model file), `DIR/checkpoint/`, `DIR/csv/`,
//! `DIR/npy/` (two arrays), `DIR/image/` (a PNG and a JPEG of a digit) and `DIR/onnx/` (an
//! exported model, standardised).
//!
//!     cargo run --release --example fuzz_seeds -- DIR

use mlp::checkpoint::{self, RunSpec};
use mlp::data::idx::encode_idx;
use mlp::optim::{Optim, Optimizer, RuleName, Schedule};
use mlp::train::{EpochReport, Progress};
use mlp::{Activation, Cost, Init, Network, model_io};
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use std::io::Write;
use std::path::PathBuf;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let dir = PathBuf::from(std::env::args().nth(1).ok_or("usage: fuzz_seeds DIR")?);
    for sub in ["idx", "model", "checkpoint", "csv", "npy", "image", "onnx"] {
        std::fs::create_dir_all(dir.join(sub))?;
    }
    let images = encode_idx(&[3, 4, 4], &(0..48).map(|i| (i * 5) as u8).collect::<Vec<_>>());
    let labels = encode_idx(&[3], &[7, 0, 9]);
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    gz.write_all(&images)?;
    std::fs::write(dir.join("idx/images"), &images)?;
    std::fs::write(dir.join("idx/labels"), &labels)?;
    std::fs::write(dir.join("idx/images.gz"), gz.finish()?)?;

    let mut rng = ChaCha8Rng::seed_from_u64(0);
    let net: Network<f32> = Network::new(&[4, 3, 2], Init::StandardNormal, &mut rng)?;
    model_io::save(&net, &dir.join("model/small.safetensors"))?;

    let spec = RunSpec {
        sizes: vec![4, 3, 2],
        hidden: Activation::Sigmoid,
        output: Activation::Sigmoid,
        cost: Cost::Quadratic,
        init: Init::StandardNormal,
        seed: 0,
        epochs: 3,
        batch_size: 2,
        eta: 1.0,
        optimizer: RuleName::Adam,
        momentum: 0.9,
        l2: 0.0,
        alpha: 0.0,
        dropout: 0.0,
        input_dropout: 0.0,
        lr_schedule: Schedule::Constant,
        early_stopping: None,
        validation_split: 0.0,
        autoencoder: false,
        augment: None,
        train_samples: 10,
        features: 4,
    };
    let optim = Optim::new(Optimizer::ADAM, 1.0, 0.0, &net);
    let mut progress = Progress::new(rng);
    progress.epoch = 1;
    progress.step = 2;
    progress.history.epochs.push(EpochReport {
        epoch: 1,
        train_cost: 0.25,
        test_accuracy: Some(0.5),
        test_correct: Some(5),
        test_total: 10,
        validation_accuracy: None,
        test_error: None,
        validation_error: None,
        eta: 1.0,
        seconds: 0.01,
    });
    checkpoint::save(
        &dir.join("checkpoint/small.safetensors"),
        &net,
        &spec,
        &progress,
        &optim,
    )?;
    std::fs::write(
        dir.join("csv/iris.csv"),
        "sepal_length,sepal_width,species\n5.1,3.5,setosa\n7.0,3.2,versicolor\n6.3,NA,virginica\n",
    )?;
    std::fs::write(
        dir.join("csv/numbers.csv"),
        "a,b,y\n1,2,0.5\n3,4,1.5\n\"5\",6,2\n",
    )?;
    #[cfg(feature = "onnx")]
    {
        let mut model = mlp::Model::digits(Network::new(
            &[4, 3, 2],
            Init::StandardNormal,
            &mut ChaCha8Rng::seed_from_u64(0),
        )?);
        model.standardizer = Some(mlp::data::standardize::Standardizer {
            mean: ndarray::array![0.0, 1.0, 2.0, 3.0],
            scale: ndarray::array![1.0, 2.0, 0.5, 4.0],
        });
        mlp::onnx::save(&model, &dir.join("onnx/small.onnx"))?;
    }
    {
        use ndarray_npy::WriteNpyExt;
        ndarray::array![[1.0f32, 2.0], [3.0, 4.0]]
            .write_npy(std::fs::File::create(dir.join("npy/f4.npy"))?)?;
        ndarray::array![[1u8, 2, 3]].write_npy(std::fs::File::create(dir.join("npy/u1.npy"))?)?;
    }
    let digit = image::DynamicImage::ImageLuma8(image::ImageBuffer::from_fn(24, 32, |x, y| {
        image::Luma([if (8..14).contains(&x) && (4..28).contains(&y) {
            0u8
        } else {
            255
        }])
    }));
    digit.save(dir.join("image/one.png"))?;
    digit.save(dir.join("image/one.jpg"))?;
    Ok(())
}
