//! The estimators' tests.

use super::*;
use crate::error::Error;
use ndarray::{Array1, Array2, ArrayView2, array};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

/// Two noisy blobs per class in 2-D, three classes named by strings.
fn blobs(n: usize, seed: u64) -> (Array2<f32>, Vec<String>) {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let centres = [(-2.0, 0.0), (2.0, 0.0), (0.0, 3.0)];
    let names = ["red", "green", "blue"];
    let mut x = Array2::zeros((n, 2));
    let mut y = Vec::new();
    for i in 0..n {
        let c = i % 3;
        x[[i, 0]] = centres[c].0 + rng.random_range(-1.0..1.0);
        x[[i, 1]] = centres[c].1 + rng.random_range(-1.0..1.0);
        y.push(names[c].to_string());
    }
    (x * 10.0 + 50.0, y)
}

#[test]
fn classifier_learns_string_classes_and_reports_its_fit() {
    let (x, y) = blobs(300, 1);
    let mut clf = MlpClassifier::new().hidden_layer_sizes(&[16]).max_iter(300);
    clf.fit(x.view(), &y).unwrap();
    assert_eq!(clf.classes(), ["blue", "green", "red"]);
    let (xt, yt) = blobs(150, 2);
    let acc = clf.score(xt.view(), &yt).unwrap();
    assert!(acc > 0.95, "accuracy {acc}");
    let p = clf.predict_proba(xt.view()).unwrap();
    assert_eq!(p.dim(), (150, 3));
    for row in p.rows() {
        assert!((row.sum() - 1.0).abs() < 1e-5);
    }
    let curve = clf.loss_curve();
    assert_eq!(curve.len(), clf.n_iter());
    assert!(curve.last().unwrap() < &(curve[0] * 0.5), "loss fell: {curve:?}");
    assert_eq!(clf.network().unwrap().sizes(), [2, 16, 3]);
}

#[test]
fn standardisation_is_what_lets_unscaled_features_learn_quickly() {
    let (x, y) = blobs(300, 3);
    let x = x * 100.0;
    let fit = |standardize| {
        let mut clf = MlpClassifier::new()
            .hidden_layer_sizes(&[8])
            .learning_rate_init(0.01)
            .max_iter(50)
            .standardize(standardize);
        clf.fit(x.view(), &y).unwrap();
        clf.score(x.view(), &y).unwrap()
    };
    let (with, without) = (fit(true), fit(false));
    assert!(with > 0.95, "standardised: {with}");
    assert!(with > without, "standardised {with} vs raw {without}");
}

#[test]
fn partial_fit_continues_where_fit_left_off() {
    let (x, y) = blobs(90, 4);
    let mut a = MlpClassifier::new().hidden_layer_sizes(&[4]);
    a.partial_fit(x.view(), &y).unwrap();
    a.partial_fit(x.view(), &y).unwrap();
    assert_eq!(a.n_iter(), 2);
    let mut b = MlpClassifier::new()
        .hidden_layer_sizes(&[4])
        .max_iter(2)
        .tol(-1.0);
    b.fit(x.view(), &y).unwrap();
    assert_eq!(
        a.network().unwrap(),
        b.network().unwrap(),
        "two partial fits = fit of 2 epochs"
    );
    let e = a
        .partial_fit(x.view(), &vec!["purple".to_string(); 90])
        .unwrap_err();
    assert!(e.to_string().contains("not fitted with"), "{e}");
}

#[test]
fn regressor_fits_a_smooth_function() {
    let mut rng = ChaCha8Rng::seed_from_u64(5);
    let x = Array2::from_shape_fn((400, 2), |_| rng.random_range(-1.0f32..1.0));
    let y: Array1<f32> = x.rows().into_iter().map(|r| r[0] * r[0] + 0.5 * r[1]).collect();
    let mut reg = MlpRegressor::new()
        .hidden_layer_sizes(&[32])
        .learning_rate_init(0.01);
    reg.fit(x.view(), y.view()).unwrap();
    let r2 = reg.score(x.view(), y.view()).unwrap();
    assert!(r2 > 0.95, "R² {r2}");
    assert_eq!(reg.predict(x.view()).unwrap().dim(), (400, 1));
}

#[test]
fn r2_matches_its_definition() {
    let y = array![[1.0f32], [2.0], [3.0]];
    assert_eq!(r2_score(y.view(), y.view()), 1.0);
    assert_eq!(r2_score(y.view(), array![[2.0f32], [2.0], [2.0]].view()), 0.0);
    let r = r2_score(y.view(), array![[1.0f32], [2.0], [4.0]].view());
    assert!((r - 0.5).abs() < 1e-12);
}

#[test]
fn bad_input_is_an_error_not_a_panic() {
    let mut clf = MlpClassifier::<u8>::new();
    assert!(clf.predict(array![[1.0f32]].view()).is_err(), "not fitted");
    assert!(
        clf.fit(array![[1.0f32], [2.0]].view(), &[1, 1]).is_err(),
        "one class"
    );
    assert!(
        clf.fit(array![[1.0f32], [2.0]].view(), &[1]).is_err(),
        "rows ≠ targets"
    );
    assert!(clf.fit(array![[f32::NAN], [2.0]].view(), &[0, 1]).is_err(), "NaN");
    clf.fit(array![[1.0f32], [2.0]].view(), &[0, 1]).unwrap();
    assert!(clf.predict(array![[1.0f32, 2.0]].view()).is_err(), "wrong width");
}

#[test]
fn warm_start_trains_max_iter_more_epochs_of_the_same_network() {
    let (x, y) = blobs(90, 6);
    let mut a = MlpClassifier::new()
        .hidden_layer_sizes(&[4])
        .max_iter(2)
        .tol(-1.0);
    a.set_params(Params {
        warm_start: true,
        ..a.params().clone()
    });
    a.fit(x.view(), &y).unwrap();
    a.fit(x.view(), &y).unwrap();
    assert_eq!(a.n_iter(), 4);
    let mut b = MlpClassifier::new()
        .hidden_layer_sizes(&[4])
        .max_iter(4)
        .tol(-1.0);
    b.fit(x.view(), &y).unwrap();
    assert_eq!(
        a.network().unwrap(),
        b.network().unwrap(),
        "2 + 2 epochs = 4 epochs"
    );
}

#[test]
fn partial_fit_takes_classes_absent_from_the_first_batch() {
    let (x, y) = blobs(90, 7);
    let mut clf = MlpClassifier::new().hidden_layer_sizes(&[4]);
    let classes = ["blue", "green", "red", "yellow"].map(String::from);
    clf.partial_fit_watched(x.view(), &y, Some(&classes), None, Box::new(|_| Ok(())))
        .unwrap();
    assert_eq!(clf.classes(), classes);
    assert_eq!(clf.predict_proba(x.view()).unwrap().ncols(), 4);
    let e = clf
        .partial_fit_watched(x.view(), &y, Some(&classes[..3]), None, Box::new(|_| Ok(())))
        .unwrap_err();
    assert!(e.to_string().contains("classes differ"), "{e}");
}

#[test]
fn an_error_from_on_epoch_stops_training_and_keeps_the_finished_epochs() {
    let (x, y) = blobs(90, 8);
    let mut clf = MlpClassifier::new().hidden_layer_sizes(&[4]).max_iter(50);
    let mut seen = 0;
    let e = clf
        .fit_watched(
            x.view(),
            &y,
            None,
            None,
            Box::new(|tick| match tick {
                Tick::Epoch(r) if r.epoch == 3 => {
                    seen = r.epoch;
                    Err(Error::Invalid("interrupted".into()))
                }
                Tick::Epoch(r) => {
                    seen = r.epoch;
                    Ok(())
                }
                Tick::Batches { .. } => Ok(()),
            }),
        )
        .unwrap_err();
    assert!(e.to_string().contains("interrupted"));
    assert_eq!((seen, clf.n_iter()), (3, 3));
    assert_eq!(clf.predict(x.view()).unwrap().len(), 90, "still usable");
}

#[test]
fn a_saved_model_adopted_predicts_the_same() {
    let (x, y) = blobs(90, 9);
    let mut clf = MlpClassifier::new().hidden_layer_sizes(&[4]).max_iter(20);
    clf.fit(x.view(), &y).unwrap();
    let model = clf.model().unwrap().clone();
    let back = MlpClassifier::from_model(Params::default(), model, clf.classes().to_vec()).unwrap();
    assert_eq!(
        back.predict_proba(x.view()).unwrap(),
        clf.predict_proba(x.view()).unwrap()
    );
    let reg = MlpRegressor::from_model(Params::default(), clf.model().unwrap().clone());
    assert!(reg.is_err(), "a classifier's model is not a regressor");
}

#[test]
fn sample_weights_count_each_row_as_that_many_copies_in_the_cost() {
    // L-BFGS over the whole set is deterministic: weighting rows by 2 minimises the same
    // objective as listing them twice (α = 0: no penalty to scale). Ten iterations: later
    // ones amplify the different summation orders of the two.
    let (x, y) = blobs(60, 11);
    let twice: Vec<usize> = (0..60).chain(0..20).collect();
    let x2 = x.select(ndarray::Axis(0), &twice);
    let y2: Vec<String> = twice.iter().map(|&i| y[i].clone()).collect();
    let w: Vec<f32> = (0..60).map(|i| if i < 20 { 2.0 } else { 1.0 }).collect();
    let fit = |x: ArrayView2<f32>, y: &[String], w: Option<&[f32]>| {
        // Standardisation off: it would otherwise be fitted on the copies too.
        let mut clf = MlpClassifier::new().with_params(Params {
            hidden_layer_sizes: vec![5],
            alpha: 0.0,
            max_iter: 10,
            lbfgs: true,
            standardize: false,
            ..Params::default()
        });
        clf.fit_watched(x, y, w, None, Box::new(|_| Ok(()))).unwrap();
        clf.predict_proba(x.slice(ndarray::s![..60, ..])).unwrap()
    };
    let weighted = fit(x.view(), &y, Some(&w));
    let copied = fit(x2.view(), &y2, None);
    let unweighted = fit(x.view(), &y, None);
    let gap =
        |a: &Array2<f32>, b: &Array2<f32>| a.iter().zip(b).map(|(p, q)| (p - q).abs()).fold(0.0f32, f32::max);
    assert!(
        gap(&weighted, &copied) < 1e-3,
        "weighted vs copied: {}",
        gap(&weighted, &copied)
    );
    assert!(gap(&weighted, &unweighted) > 1e-3, "the weights changed nothing");

    let mut clf = MlpClassifier::new();
    for (bad, needle) in [
        (vec![1.0; 59], "59 values for 60 rows"),
        ([vec![-1.0], vec![1.0; 59]].concat(), "sample_weight[0] is -1"),
        (vec![0.0; 60], "every sample_weight is 0"),
    ] {
        let e = clf
            .fit_watched(x.view(), &y, Some(&bad), None, Box::new(|_| Ok(())))
            .unwrap_err();
        assert!(e.to_string().contains(needle), "{e}");
    }
}

/// Two labels read off a point in the plane: `x₀ > 0` and `x₁ > 0`, each on its own.
fn quadrants(n: usize, seed: u64) -> (Array2<f32>, Array2<f32>) {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let x = Array2::from_shape_fn((n, 2), |_| rng.random_range(-1.0f32..1.0));
    let y = x.mapv(|v| f32::from(u8::from(v > 0.0)));
    (x, y)
}

#[test]
fn a_multilabel_fit_learns_each_label_and_its_file_says_multilabel() {
    let (x, y) = quadrants(400, 11);
    let mut est = MlpMultiLabel::new()
        .hidden_layer_sizes(&[16])
        .learning_rate_init(0.01)
        .max_iter(200)
        .early_stopping(true);
    est.fit(x.view(), y.view()).unwrap();
    let (xt, yt) = quadrants(200, 12);
    let predicted = est.predict(xt.view()).unwrap();
    assert_eq!(predicted.dim(), (200, 2));
    // Both labels right on most rows, each label scored on its own (rows with both, one or
    // neither label).
    let score = est.score(xt.view(), yt.view()).unwrap();
    assert!(score > 0.9, "subset accuracy {score}");
    let p = est.predict_proba(xt.view()).unwrap();
    assert!(
        p.rows().into_iter().any(|r| (r.sum() - 1.0).abs() > 0.5),
        "not a softmax"
    );
    // The held-out score early stopping watched is the subset accuracy, in [0, 1].
    let scores: Vec<f64> = est
        .history()
        .iter()
        .filter_map(|e| e.validation_accuracy)
        .collect();
    assert!(!scores.is_empty() && scores.iter().all(|s| (0.0..=1.0).contains(s)));
    let model = est.model().unwrap().clone();
    let back = crate::Model::from_bytes(&model.to_bytes(&[]), std::path::Path::new("m.st")).unwrap();
    assert_eq!(back.task, crate::data::tabular::Task::MultiLabel);
    assert_eq!(back.outputs(xt.view()).unwrap(), p);
    let bad = array![[0.0f32, 2.0]];
    let e = est
        .fit(array![[0.0f32, 0.0]].view(), bad.view())
        .unwrap_err()
        .to_string();
    assert!(e.contains("y[0, 1] is 2"), "{e}");
}

/// 8×8 "digits" with values 0–16 (scikit-learn's `load_digits` scale): a vertical or a
/// horizontal bar at a random place, with noise.
fn bars(n: usize, seed: u64) -> (Array2<f32>, Vec<String>) {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let mut x = Array2::zeros((n, 64));
    let mut y = Vec::new();
    for i in 0..n {
        let (c, at) = (i % 2, rng.random_range(2..6));
        for p in 0..64 {
            let (col, row) = (p % 8, p / 8);
            let ink = if c == 0 { col == at } else { row == at };
            x[[i, p]] = if ink { 16.0 } else { 0.0 } * rng.random_range(0.6..1.0);
        }
        y.push(["vertical", "horizontal"][c].to_string());
    }
    (x, y)
}

#[test]
fn augment_is_reproducible_changes_the_fit_and_keeps_predicting() {
    let (x, y) = bars(120, 4);
    let distortion = crate::data::augment::Distortion {
        rotate: 10.0,
        scale: 0.1,
        sigma: 0.0,
        ..Default::default()
    };
    let fit = |augment| {
        let mut clf = MlpClassifier::new()
            .hidden_layer_sizes(&[16])
            .learning_rate_init(0.01)
            .batch_size(20)
            .max_iter(20)
            .random_state(3)
            .augment(augment);
        clf.fit(x.view(), &y).unwrap();
        let w = clf.network().unwrap().layers[0].weights.clone();
        (w, clf.score(x.view(), &y).unwrap())
    };
    let (a, score) = fit(Some(distortion));
    let (b, _) = fit(Some(distortion));
    assert_eq!(
        a.iter().map(|v| v.to_bits()).collect::<Vec<_>>(),
        b.iter().map(|v| v.to_bits()).collect::<Vec<_>>(),
        "the same random_state distorts the same way"
    );
    let (plain, plain_score) = fit(None);
    assert_ne!(a, plain, "the distortions changed the training");
    assert!(score > 0.9, "still learns: {score} (undistorted {plain_score})");
}

#[test]
fn augment_refuses_non_square_features_and_lbfgs() {
    let on = Some(crate::data::augment::Distortion::default());
    let (x, y) = blobs(30, 1);
    let e = MlpClassifier::new()
        .max_iter(2)
        .augment(on)
        .fit(x.view(), &y)
        .map(|_| ())
        .unwrap_err();
    assert!(
        matches!(e, Error::Invalid(_)) && e.to_string().contains("2 features"),
        "{e}"
    );
    let (x, y) = bars(30, 1);
    let mut lbfgs = MlpClassifier::new().with_params(Params {
        max_iter: 2,
        lbfgs: true,
        augment: on,
        ..Params::default()
    });
    let e = lbfgs.fit(x.view(), &y).map(|_| ()).unwrap_err();
    assert!(
        matches!(e, Error::Invalid(_)) && e.to_string().contains("L-BFGS"),
        "{e}"
    );
    let bad = Some(crate::data::augment::Distortion {
        scale: 2.0,
        ..Default::default()
    });
    assert!(MlpClassifier::new().augment(bad).fit(x.view(), &y).is_err());
}
