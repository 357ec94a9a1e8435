//! The lecture's network on MNIST through the library: 784-30-10 sigmoid neurons, quadratic
//! cost, mini-batch SGD (m = 10, eta = 3.0).
//!
//!     MLP_DATA_DIR=../shared/data/mnist cargo run --release --example mnist [EPOCHS]

use mlp::data::mnist;
use mlp::optim::{Optim, Optimizer};
use mlp::train::{self, Event, Progress, Sets, TrainConfig};
use mlp::{Init, Network};
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use std::path::PathBuf;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let dir = std::env::var_os(mnist::DATA_DIR_ENV)
        .map(PathBuf::from)
        .ok_or("set MLP_DATA_DIR to the directory holding the MNIST files")?;
    let epochs = std::env::args().nth(1).map_or(Ok(5), |s| s.parse())?;
    let (train_set, test_set) = mnist::load(&dir)?;

    let mut rng = ChaCha8Rng::seed_from_u64(0);
    let mut net: Network<f32> = Network::new(&[784, 30, 10], Init::StandardNormal, &mut rng)?;
    let config = TrainConfig {
        epochs,
        ..TrainConfig::default()
    };
    // The lecture's gradient descent: plain SGD with η = 3.
    let mut optim = Optim::new(Optimizer::Sgd, 3.0, 0.0, &net);
    let mut progress = Progress::new(rng);
    let sets = Sets {
        train: &train_set,
        validation: None,
        test: Some(&test_set),
    };
    train::train(&mut net, sets, &config, &mut optim, &mut progress, |event| {
        if let Event::Epoch(r) = event {
            println!(
                "epoch {:>2}: cost {:.4}, accuracy {:.2}%",
                r.epoch,
                r.train_cost,
                100.0 * r.test_accuracy.unwrap_or(0.0)
            );
        }
        Ok(())
    })?;

    // Classify the first test digit, one sample through the lecture's per-sample feedforward.
    let mut x = ndarray::Array2::<f32>::zeros((1, 784));
    let mut y = ndarray::Array2::<f32>::zeros((1, 10));
    test_set.fill_batch(&[0], x.view_mut(), y.view_mut());
    let out = net.feedforward(x.row(0));
    let guess = out
        .iter()
        .enumerate()
        .fold(0, |b, (i, &v)| if v > out[b] { i } else { b });
    println!(
        "first test image: label {}, network says {guess}",
        test_set.labels[0]
    );
    Ok(())
}
