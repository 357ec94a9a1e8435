//! A classifier for a CSV file in a few lines: Fisher's iris measurements (examples/data/iris.csv),
//! the species predicted from four lengths, with scikit-learn's defaults.
//!
//!     cargo run --release --example tabular [FILE.csv TARGET]

use mlp::MlpClassifier;
use mlp::data::tabular::Tabular;
use std::path::PathBuf;

fn main() -> mlp::Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (path, target) = match args.as_slice() {
        [path, target] => (PathBuf::from(path), target.clone()),
        _ => (
            PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("examples/data/iris.csv"),
            "species".to_string(),
        ),
    };
    let table = Tabular::from_csv(&path, &target, false)?;
    // A seeded 75/25 split: train on one part, score on rows the network never saw.
    let (train, test) = table.split(0.25, 0)?;
    let mut clf = MlpClassifier::new(); // 100 ReLU neurons, Adam, standardised inputs
    clf.fit(train.x.view(), &train.y)?;
    println!(
        "{}: {} rows, features {:?}, classes {:?}",
        path.display(),
        table.x.nrows(),
        table.feature_names,
        clf.classes()
    );
    println!(
        "trained {} epochs (final loss {:.4}); test accuracy {:.1}% on {} rows",
        clf.n_iter(),
        clf.loss_curve().last().copied().unwrap_or(f64::NAN),
        100.0 * clf.score(test.x.view(), &test.y)?,
        test.x.nrows()
    );
    let p = clf.predict_proba(test.x.slice(ndarray::s![..3, ..]))?;
    for (row, probabilities) in p.rows().into_iter().enumerate() {
        println!(
            "test row {row}: true {}, probabilities {probabilities:.3}",
            test.y[row]
        );
    }
    Ok(())
}
