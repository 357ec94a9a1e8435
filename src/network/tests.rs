//! Batched feedforward against one sample at a time; size checks.

use super::*;
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;

#[test]
fn batch_feedforward_equals_per_sample() {
    let mut rng = ChaCha8Rng::seed_from_u64(3);
    let net: Network<f64> = Network::new(&[6, 5, 4, 3], Init::StandardNormal, &mut rng).unwrap();
    let x = Array2::from_shape_fn((7, 6), |(i, j)| ((i * 6 + j) as f64 * 0.37).sin());
    let mut ws = Workspace::new(&net, 8);
    let batch = net.feedforward_batch(x.view(), &mut ws).to_owned();
    for (i, row) in x.rows().into_iter().enumerate() {
        let single = net.feedforward(row);
        for (b, s) in batch.row(i).iter().zip(&single) {
            assert!((b - s).abs() < 1e-12);
        }
    }
    assert_eq!(net.predict(x.view()), batch);
}

#[test]
fn sizes_are_validated() {
    let mut rng = ChaCha8Rng::seed_from_u64(0);
    assert!(Network::<f32>::new(&[3], Init::StandardNormal, &mut rng).is_err());
    assert!(Network::<f32>::new(&[3, 0, 2], Init::StandardNormal, &mut rng).is_err());
    let net = Network::<f32>::new(&[3, 4, 2], Init::ScaledNormal, &mut rng).unwrap();
    assert_eq!(net.sizes(), vec![3, 4, 2]);
    assert_eq!(net.n_parameters(), 3 * 4 + 4 + 4 * 2 + 2);
}
