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

/// Dropout masks: each value from its index and the mini-batch's key alone, so the same key
/// draws the same masks (a resumed run's), another key others, on every kernel path the same
/// bits; about the rate asked for, and the kept values scaled by 1/(1 − p).
#[test]
fn dropout_masks_are_keyed_uniform_and_the_same_on_every_path() {
    let mut rng = ChaCha8Rng::seed_from_u64(0);
    let net = Network::<f32>::new(&[400, 300, 10], Init::ScaledNormal, &mut rng).unwrap();
    let masks = |key: u64| {
        let mut ws = Workspace::new(&net, 128);
        ws.set_dropout(&net, 0.2, 0.5);
        ws.draw_dropout(key);
        let d = ws.dropout.as_ref().unwrap();
        assert!(d.active);
        d.keep.clone()
    };
    let first = masks(7);
    assert_eq!(first, masks(7));
    assert_ne!(first[0], masks(8)[0]);
    for (keep, (p, width)) in first.iter().zip([(0.2, 400), (0.5, 300)]) {
        assert_eq!(keep.dim(), (128, width));
        let scale = 1.0 / (1.0 - p as f32);
        assert!(keep.iter().all(|&k| k == 0.0 || k == scale));
        let dropped = keep.iter().filter(|&&k| k == 0.0).count() as f64 / keep.len() as f64;
        assert!((dropped - p).abs() < 0.01, "rate {p}: {dropped} dropped");
        // Neighbouring values are independent: a dropped value is followed by a dropped one
        // about p of the time.
        let values = keep.as_slice().unwrap();
        let (mut pairs, mut both) = (0, 0);
        for w in values.windows(2) {
            if w[0] == 0.0 {
                pairs += 1;
                both += (w[1] == 0.0) as usize;
            }
        }
        let follow = both as f64 / pairs as f64;
        assert!(
            (follow - p).abs() < 0.02,
            "rate {p}: {follow} after a dropped one"
        );
    }
    for path in crate::linalg::Kernel::ALL.into_iter().filter(|k| k.available()) {
        let on_path = crate::linalg::with_kernel(path, || masks(7));
        assert_eq!(on_path, first, "{}", path.name());
    }
}
