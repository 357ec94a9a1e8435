//! Properties that hold for random architectures, mini-batches and seeds.

use mlp::Architecture;
use mlp::activation::{self, Activation};
use mlp::cost;
use mlp::gradcheck::{check_architecture, compare};
use mlp::optim::{Optim, Optimizer};
use mlp::{Init, Network, Workspace, model_io};
use ndarray::Array2;
use proptest::prelude::*;
use proptest::test_runner::RngSeed;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use std::path::Path;

/// 2 to 4 layers of 1 to 12 neurons.
fn sizes() -> impl Strategy<Value = Vec<usize>> {
    prop::collection::vec(1usize..=12, 2..=4)
}

fn gzip(bytes: &[u8]) -> Vec<u8> {
    use std::io::Write;
    let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    e.write_all(bytes).unwrap();
    e.finish().unwrap()
}

fn batch(rng: &mut ChaCha8Rng, m: usize, n: usize) -> Array2<f64> {
    Array2::from_shape_simple_fn((m, n), || rng.random::<f64>())
}

proptest! {
    // A fixed seed: the same cases on every run, so CI cannot fail by chance.
    #![proptest_config(ProptestConfig { cases: 64, rng_seed: RngSeed::Fixed(20261128), ..ProptestConfig::default() })]

    #[test]
    fn backprop_agrees_with_numerical_gradients(sizes in sizes(), m in 1usize..=6, seed in any::<u64>()) {
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        let mut net: Network<f64> = Network::new(&sizes, Init::StandardNormal, &mut rng).unwrap();
        let x = batch(&mut rng, m, sizes[0]);
        let y = batch(&mut rng, m, sizes[sizes.len() - 1]);
        let mut ws = Workspace::new(&net, m);
        net.backprop(x.view(), y.view(), &mut ws);
        let (err, _) = compare(&mut net, x.view(), y.view(), &ws.grads);
        prop_assert!(err < 1e-6, "max relative error {}", err);
    }

    #[test]
    fn every_architecture_passes_the_gradient_check(
        sizes in sizes(), hidden in 0usize..5, output in 0usize..6, cost in 0usize..4, seed in any::<u64>(),
    ) {
        let (hidden, output, cost) = (activation::ALL[hidden], activation::ALL[output], cost::ALL[cost]);
        prop_assume!(hidden != Activation::Softmax && cost.check_output(output).is_ok());
        let arch = Architecture { sizes, hidden, output, cost };
        let g = check_architecture(&arch, seed).unwrap();
        prop_assert!(g.max_relative_error < 1e-6, "{:?}: {}", arch, g.max_relative_error);
    }

    #[test]
    fn batch_feedforward_equals_per_sample(sizes in sizes(), m in 1usize..=9, seed in any::<u64>()) {
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        let net: Network<f64> = Network::new(&sizes, Init::ScaledNormal, &mut rng).unwrap();
        let x = batch(&mut rng, m, sizes[0]);
        let mut ws = Workspace::new(&net, m + 3);
        let out = net.feedforward_batch(x.view(), &mut ws).to_owned();
        for (i, row) in x.rows().into_iter().enumerate() {
            for (b, s) in out.row(i).iter().zip(&net.feedforward(row)) {
                prop_assert!((b - s).abs() <= 1e-12, "{} vs {}", b, s);
            }
        }
    }

    #[test]
    fn training_keeps_shapes_and_stays_finite(
        sizes in sizes(), m in 1usize..=16, seed in any::<u64>(), eta in 0.01f64..10.0,
    ) {
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        let mut net: Network<f32> = Network::new(&sizes, Init::StandardNormal, &mut rng).unwrap();
        let x = Array2::from_shape_simple_fn((m, sizes[0]), || rng.random::<f32>());
        let y = Array2::from_shape_simple_fn((m, sizes[sizes.len() - 1]), || rng.random_range(0..2) as f32);
        let mut ws = Workspace::new(&net, m);
        let mut sgd = Optim::new(Optimizer::Sgd, eta, 0.0, &net);
        for _ in 0..20 {
            let (cost, finite) = sgd.step(&mut net, x.view(), y.view(), &mut ws);
            prop_assert!(cost.is_finite() && finite);
        }
        prop_assert_eq!(net.sizes(), sizes);
        prop_assert!(net.is_finite());
    }

    #[test]
    fn the_idx_reader_never_panics(bytes in prop::collection::vec(any::<u8>(), 0..64).prop_map(|mut v| { if v.len() >= 4 && v[0] % 2 == 0 { v[0] = 0; v[1] = 0; v[2] = 8; v[3] %= 4; } v }), gz in any::<bool>()) {
        let bytes = if gz { gzip(&bytes) } else { bytes };
        let _ = mlp::data::idx::from_bytes(&bytes, Path::new("fuzz"));
    }

    #[test]
    fn a_changed_model_file_never_loads_silently(flips in prop::collection::vec((any::<prop::sample::Index>(), 1u8..=255), 1..4)) {
        let mut rng = ChaCha8Rng::seed_from_u64(1);
        let net: Network<f32> = Network::new(&[5, 4, 3], Init::StandardNormal, &mut rng).unwrap();
        let good = model_io::to_bytes(&net);
        let mut bytes = good.clone();
        for (at, x) in flips {
            let i = at.index(bytes.len());
            bytes[i] ^= x;
        }
        if bytes != good {
            prop_assert!(model_io::from_bytes::<f32>(&bytes, Path::new("m")).is_err());
        }
    }
}
