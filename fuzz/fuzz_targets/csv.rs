//! The CSV reader on arbitrary bytes, then every column as the target of a classification and
//! of a regression: an error or a consistent data set, never a panic.
#![no_main]

use libfuzzer_sys::fuzz_target;
use mlp::data::tabular::{Csv, Task};
use std::path::Path;

fuzz_target!(|data: &[u8]| {
    let Ok(csv) = Csv::from_reader(data, Path::new("fuzz.csv")) else {
        return;
    };
    for t in 0..csv.header.len().min(4) {
        let features: Vec<usize> = (0..csv.header.len()).filter(|&c| c != t).collect();
        for drop in [false, true] {
            let Ok(table) = csv.extract(&features, Some(t), drop) else {
                continue;
            };
            assert_eq!(table.x.nrows(), table.y.len());
            assert!(table.x.iter().all(|v| v.is_finite()));
            for task in [Task::Classify, Task::Regress] {
                if let Ok((set, classes)) = table.clone().into_dataset(task) {
                    assert_eq!(set.len(), table.y.len());
                    assert!(set.labels.iter().all(|&l| (l as usize) < classes.len().max(1)));
                }
            }
        }
    }
});
