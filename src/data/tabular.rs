//! Tabular data: a CSV file with a header row, or `.npy` arrays, turned into a [`Dataset`] for
//! classification (the target column's values become classes) or regression (numbers).

use super::{Dataset, Features, Targets};
use crate::error::{Error, Remedy, Result, quote};
use ndarray::{Array1, Array2};
use rand::SeedableRng;
use rand::seq::SliceRandom;
use rand_chacha::ChaCha8Rng;
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

/// What the network learns from the target column.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Task {
    /// One output neuron per class; predicts the class.
    Classify,
    /// One output neuron per target; predicts the number.
    Regress,
    /// Several classes per sample (multilabel): one sigmoid output neuron per label, each
    /// predicting whether the sample has it. Trained from a 0/1 indicator matrix
    /// ([`crate::estimator::MlpMultiLabel`]), never from a CSV file's one target column.
    #[serde(rename = "multilabel")]
    MultiLabel,
}

impl std::str::FromStr for Task {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "classify" => Ok(Task::Classify),
            "regress" => Ok(Task::Regress),
            _ => Err(format!("expected classify or regress, got '{s}'")),
        }
    }
}

impl Task {
    pub fn name(self) -> &'static str {
        match self {
            Task::Classify => "classify",
            Task::Regress => "regress",
            Task::MultiLabel => "multilabel",
        }
    }

    /// The task when the user names none: classification when a target value is not a
    /// number, or when they are at most 20 distinct whole numbers; regression otherwise.
    pub fn infer(values: &[String]) -> Task {
        let numbers: Option<Vec<f64>> = values.iter().map(|v| v.trim().parse::<f64>().ok()).collect();
        match numbers {
            None => Task::Classify,
            Some(n) => {
                let whole = n.iter().all(|v| v.fract() == 0.0);
                let distinct: BTreeSet<i64> = n.iter().map(|&v| v as i64).collect();
                if whole && distinct.len() <= 20 {
                    Task::Classify
                } else {
                    Task::Regress
                }
            }
        }
    }
}

/// The most classes a classifier's target may have: labels are kept as `u8`.
const MAX_CLASSES: usize = 256;

/// Spellings of a missing value in a CSV cell (compared without case).
const MISSING: [&str; 7] = ["", "na", "n/a", "nan", "null", "none", "?"];

fn is_missing(cell: &str) -> bool {
    let cell = cell.trim();
    MISSING.iter().any(|m| cell.eq_ignore_ascii_case(m))
}

/// Features as numbers and the target column as text, read from a CSV or `.npy` files.
#[derive(Debug, Clone, PartialEq)]
pub struct Tabular {
    pub feature_names: Vec<String>,
    /// `n × d` feature values.
    pub x: Array2<f32>,
    pub target_name: String,
    /// The target column's cells, one per sample.
    pub y: Vec<String>,
    /// Rows of the file left out because a cell was missing (only with `drop_missing`).
    pub dropped: usize,
    /// Where each row came from, so that an error about a row can point at it.
    pub origin: Origin,
}

/// The file a table was read from and each row's place in it.
#[derive(Debug, Clone, PartialEq)]
pub enum Origin {
    /// A CSV file and each row's line in it (the header is line 1).
    Csv { path: PathBuf, lines: Vec<u64> },
    /// A `.npy` target array and each row's index in it (from 0).
    Npy { path: PathBuf, rows: Vec<usize> },
}

impl Origin {
    /// The rows `rows` of this origin, in that order.
    fn select(&self, rows: &[usize]) -> Origin {
        match self {
            Origin::Csv { path, lines } => Origin::Csv {
                path: path.clone(),
                lines: rows.iter().map(|&r| lines[r]).collect(),
            },
            Origin::Npy { path, rows: index } => Origin::Npy {
                path: path.clone(),
                rows: rows.iter().map(|&r| index[r]).collect(),
            },
        }
    }

    /// An error about row `i`'s cell in `column`.
    pub(crate) fn error(&self, i: usize, column: &str, message: String, remedy: Option<Remedy>) -> Error {
        match self {
            Origin::Csv { path, lines } => Error::Csv {
                path: path.clone(),
                line: lines[i],
                column: Some(column.to_string()),
                message,
                remedy,
            },
            Origin::Npy { path, rows } => Error::Invalid(format!(
                "{}: row {}: {message}{}",
                path.display(),
                rows[i],
                remedy.map_or(String::new(), |r| format!("; {r}"))
            )),
        }
    }
}

/// A CSV file held as text: its header and its records with their line numbers.
pub struct Csv {
    pub path: PathBuf,
    pub header: Vec<String>,
    records: Vec<(u64, csv::StringRecord)>,
}

impl Csv {
    /// Reads a comma-separated file whose first row names the columns.
    pub fn read(path: &Path) -> Result<Csv> {
        let (file, _) = crate::files::open_regular(path)?;
        Self::from_reader(file, path)
    }

    /// Reads CSV text from `reader`; `path` names it in errors.
    pub fn from_reader(reader: impl std::io::Read, path: &Path) -> Result<Csv> {
        let mut reader = csv::ReaderBuilder::new().trim(csv::Trim::All).from_reader(reader);
        let bad = |e: csv::Error| {
            let line = e.position().map_or(0, |p| p.line());
            let message = match e.kind() {
                csv::ErrorKind::UnequalLengths {
                    expected_len, len, ..
                } => {
                    format!("expected {expected_len} fields like the header, found {len}")
                }
                csv::ErrorKind::Utf8 { .. } => "expected UTF-8 text".into(),
                _ => e.to_string(),
            };
            Error::Csv {
                path: path.to_path_buf(),
                line,
                column: None,
                message,
                remedy: None,
            }
        };
        let header: Vec<String> = reader
            .headers()
            .map_err(bad)?
            .iter()
            .map(str::to_string)
            .collect();
        for (i, name) in header.iter().enumerate() {
            if let Some(first) = header[..i].iter().position(|h| h == name) {
                return Err(Error::Csv {
                    path: path.to_path_buf(),
                    line: 1,
                    column: Some(name.clone()),
                    message: format!(
                        "the header names this column twice, as columns {} and {}; column names must differ",
                        first + 1,
                        i + 1
                    ),
                    remedy: None,
                });
            }
        }
        if header.is_empty() || header.iter().all(String::is_empty) {
            return Err(Error::Csv {
                path: path.to_path_buf(),
                line: 1,
                column: None,
                message: "expected a header row naming the columns".into(),
                remedy: None,
            });
        }
        let mut records = Vec::new();
        for record in reader.records() {
            let record = record.map_err(bad)?;
            let line = record.position().map_or(0, |p| p.line());
            records.push((line, record));
        }
        if records.is_empty() {
            return Err(Error::Csv {
                path: path.to_path_buf(),
                line: 2,
                column: None,
                message: "expected at least one row of data after the header".into(),
                remedy: None,
            });
        }
        Ok(Csv {
            path: path.to_path_buf(),
            header,
            records,
        })
    }

    /// The index of the column called `name`.
    pub fn column(&self, name: &str) -> Result<usize> {
        self.header.iter().position(|h| h == name).ok_or_else(|| {
            Error::Invalid(format!(
                "{}: no column '{}'; the columns are: {}",
                self.path.display(),
                quote(name),
                quote(&self.header.join(", "))
            ))
        })
    }

    /// The columns `features` as numbers and the column `target` (if any) as text, one row
    /// per record. A missing cell is an error naming its line and column, unless
    /// `drop_missing`, which leaves its row out.
    pub fn extract(&self, features: &[usize], target: Option<usize>, drop_missing: bool) -> Result<Tabular> {
        let mut values = Vec::with_capacity(self.records.len() * features.len());
        let mut y = Vec::new();
        let mut lines = Vec::with_capacity(self.records.len());
        let mut dropped = 0;
        for (line, record) in &self.records {
            let used = features.iter().chain(target.iter());
            if let Some(&c) = used.clone().find(|&&c| is_missing(&record[c])) {
                if drop_missing {
                    dropped += 1;
                    continue;
                }
                return Err(self.error(
                    *line,
                    c,
                    format!("missing value '{}'", quote(&record[c])),
                    Some(Remedy::LeaveOutMissing),
                ));
            }
            for &c in features {
                let cell = &record[c];
                match cell.parse::<f32>() {
                    Ok(v) if v.is_finite() => values.push(v),
                    _ => {
                        return Err(self.error(
                            *line,
                            c,
                            format!(
                                "expected a number, found '{}' (only the target column may hold text)",
                                quote(cell)
                            ),
                            None,
                        ));
                    }
                }
            }
            if let Some(t) = target {
                y.push(record[t].to_string());
            }
            lines.push(*line);
        }
        let n = values.len() / features.len().max(1);
        if n == 0 {
            return Err(Error::Invalid(format!(
                "{}: every row has a missing value; no data is left",
                self.path.display()
            )));
        }
        Ok(Tabular {
            feature_names: features.iter().map(|&c| self.header[c].clone()).collect(),
            x: Array2::from_shape_vec((n, features.len()), values).expect("n rows of d values"),
            target_name: target.map_or(String::new(), |t| self.header[t].clone()),
            y,
            dropped,
            origin: Origin::Csv {
                path: self.path.clone(),
                lines,
            },
        })
    }

    /// [`extract`](Self::extract) with the columns given by name (all columns when `features`
    /// is empty).
    pub fn extract_named(
        &self,
        features: &[String],
        target: Option<&str>,
        drop_missing: bool,
    ) -> Result<Tabular> {
        let features: Vec<usize> = if features.is_empty() {
            (0..self.header.len()).collect()
        } else {
            features.iter().map(|f| self.column(f)).collect::<Result<_>>()?
        };
        let target = target.map(|t| self.column(t)).transpose()?;
        self.extract(&features, target, drop_missing)
    }

    fn error(&self, line: u64, column: usize, message: String, remedy: Option<Remedy>) -> Error {
        Error::Csv {
            path: self.path.clone(),
            line,
            column: Some(self.header[column].clone()),
            message,
            remedy,
        }
    }
}

impl Tabular {
    /// Reads a CSV file: the column `target` is the target, every other column a feature.
    pub fn from_csv(path: &Path, target: &str, drop_missing: bool) -> Result<Tabular> {
        let csv = Csv::read(path)?;
        let t = csv.column(target)?;
        let features: Vec<usize> = (0..csv.header.len()).filter(|&c| c != t).collect();
        if features.is_empty() {
            return Err(Error::Invalid(format!(
                "{}: the target '{target}' is the only column; there are no features",
                path.display()
            )));
        }
        csv.extract(&features, Some(t), drop_missing)
    }

    /// Reads features from a 2-D `.npy` array and targets from a 1-D one (any integer or
    /// float type).
    pub fn from_npy(x_path: &Path, y_path: &Path) -> Result<Tabular> {
        let x = read_npy_2d(x_path)?;
        let y = read_npy_1d(y_path)?;
        if y.len() != x.nrows() {
            return Err(Error::Mismatch(format!(
                "{} has {} rows but {} has {} targets; expected one target per row",
                x_path.display(),
                x.nrows(),
                y_path.display(),
                y.len()
            )));
        }
        if let Some(i) = x.iter().position(|v| !v.is_finite()) {
            return Err(Error::Invalid(format!(
                "{}: row {}, column {}: expected a finite number, found {} (missing values are not allowed in .npy input)",
                x_path.display(),
                i / x.ncols(),
                i % x.ncols(),
                x.as_slice().map_or(f32::NAN, |s| s[i])
            )));
        }
        Ok(Tabular {
            feature_names: (0..x.ncols()).map(|j| format!("x{j}")).collect(),
            x,
            target_name: "y".into(),
            origin: Origin::Npy {
                path: y_path.to_path_buf(),
                rows: (0..y.len()).collect(),
            },
            y,
            dropped: 0,
        })
    }

    /// The rows `rows`, in that order.
    pub fn select(&self, rows: &[usize]) -> Tabular {
        Tabular {
            feature_names: self.feature_names.clone(),
            x: self.x.select(ndarray::Axis(0), rows),
            target_name: self.target_name.clone(),
            y: rows.iter().map(|&r| self.y[r].clone()).collect(),
            dropped: self.dropped,
            origin: self.origin.select(rows),
        }
    }

    /// A seeded random `fraction` of the rows held out for testing: `(train, test)`, each in
    /// the file's order (scikit-learn's `train_test_split`).
    pub fn split(&self, fraction: f64, seed: u64) -> Result<(Tabular, Tabular)> {
        let n = self.x.nrows();
        let n_test = (fraction * n as f64).round() as usize;
        if !(fraction > 0.0 && fraction < 1.0 && n_test > 0 && n_test < n) {
            return Err(Error::Invalid(format!(
                "a test split of {fraction} of {n} rows leaves {} for training and {n_test} for testing; \
                 use a fraction that leaves some of each",
                n - n_test.min(n)
            )));
        }
        let mut order: Vec<usize> = (0..n).collect();
        order.shuffle(&mut ChaCha8Rng::seed_from_u64(seed ^ 0x7465_7374));
        let (test, train) = order.split_at(n_test);
        let (mut train, mut test) = (train.to_vec(), test.to_vec());
        train.sort_unstable();
        test.sort_unstable();
        Ok((self.select(&train), self.select(&test)))
    }

    /// The target column as numbers (regression), with an error naming the file, line and
    /// column of the first that is not.
    pub fn y_values(&self) -> Result<Array1<f32>> {
        self.y
            .iter()
            .enumerate()
            .map(|(i, v)| match v.trim().parse::<f32>() {
                Ok(t) if t.is_finite() => Ok(t),
                _ => Err(self.origin.error(
                    i,
                    &self.target_name,
                    format!("expected a finite number to regress on, found '{}'", quote(v)),
                    Some(Remedy::Classify),
                )),
            })
            .collect()
    }

    /// The samples as a [`Dataset`] for `task`; for classification also the class names
    /// (sorted: numerically when every label is a number, else as text).
    pub fn into_dataset(self, task: Task) -> Result<(Dataset, Vec<String>)> {
        match task {
            Task::Classify => {
                let classes = class_names(&self.y);
                if classes.len() < 2 {
                    return Err(Error::Invalid(format!(
                        "the target '{}' has only one class ({}); a classifier needs at least two",
                        self.target_name,
                        classes.first().map_or("none", String::as_str)
                    )));
                }
                if classes.len() > MAX_CLASSES {
                    return Err(Error::TooManyClasses {
                        target: self.target_name.clone(),
                        n: classes.len(),
                        max: MAX_CLASSES,
                    });
                }
                let labels = self
                    .y
                    .iter()
                    .map(|v| classes.iter().position(|c| c == v.trim()).expect("a class of y") as u8)
                    .collect();
                let n_classes = classes.len();
                let data = Dataset {
                    features: Features::Values(self.x),
                    labels,
                    n_classes,
                    targets: Targets::Classes,
                    weights: None,
                };
                Ok((data, classes))
            }
            Task::Regress => {
                let values = self.y_values()?.to_vec();
                let n = values.len();
                let data = Dataset {
                    features: Features::Values(self.x),
                    labels: Vec::new(),
                    n_classes: 0,
                    targets: Targets::Values(Array2::from_shape_vec((n, 1), values).expect("n values")),
                    weights: None,
                };
                Ok((data, Vec::new()))
            }
            Task::MultiLabel => Err(Error::Invalid(format!(
                "the target '{}' is one column, one value per row; a multilabel model learns \
                 from a 0/1 column per label (mlp::estimator::MlpMultiLabel, or the Python package)",
                self.target_name
            ))),
        }
    }
}

/// The distinct values, sorted numerically when all are numbers, else as text.
pub fn class_names(values: &[String]) -> Vec<String> {
    let distinct: BTreeSet<&str> = values.iter().map(|v| v.trim()).collect();
    let mut names: Vec<String> = distinct.into_iter().map(str::to_string).collect();
    let numbers: Option<Vec<f64>> = names.iter().map(|v| v.parse::<f64>().ok()).collect();
    if let Some(numbers) = numbers {
        let mut pairs: Vec<(f64, String)> = numbers.into_iter().zip(names).collect();
        pairs.sort_by(|a, b| a.0.total_cmp(&b.0));
        names = pairs.into_iter().map(|(_, n)| n).collect();
    }
    names
}

/// A 2-D `.npy` array of any common numeric type, as `f32`.
pub fn read_npy_2d(path: &Path) -> Result<Array2<f32>> {
    read_npy::<ndarray::Ix2>(path, &npy_bytes(path)?)
}

/// [`read_npy_2d`] on the bytes of a file already in memory; `path` names it in errors.
pub fn npy_2d_from_bytes(bytes: &[u8], path: &Path) -> Result<Array2<f32>> {
    super::npy::check(bytes, path)?;
    read_npy::<ndarray::Ix2>(path, bytes)
}

/// A 1-D `.npy` array of any common numeric type, each value as text (integers without a
/// decimal point, so they read as class labels).
fn read_npy_1d(path: &Path) -> Result<Vec<String>> {
    use ndarray_npy::ReadNpyExt;
    let bytes = npy_bytes(path)?;
    macro_rules! try_int {
        ($($t:ty),*) => {$(
            if let Ok(a) = ndarray::Array1::<$t>::read_npy(&bytes[..]) {
                return Ok(a.iter().map(|v| v.to_string()).collect());
            }
        )*};
    }
    try_int!(i64, i32, i16, i8, u64, u32, u16, u8, bool);
    let y = read_npy::<ndarray::Ix1>(path, &bytes)?;
    Ok(y.iter().map(|v| v.to_string()).collect())
}

/// The largest `.npy` file read.
const MAX_NPY_BYTES: u64 = 16 << 30;

/// The bytes of a `.npy` file whose header declares no more data than the file holds.
fn npy_bytes(path: &Path) -> Result<Vec<u8>> {
    let bytes = crate::files::read_regular(path, MAX_NPY_BYTES)?;
    super::npy::check(&bytes, path)?;
    Ok(bytes)
}

fn read_npy<D: ndarray::Dimension>(path: &Path, bytes: &[u8]) -> Result<ndarray::Array<f32, D>> {
    use ndarray_npy::{ReadNpyError, ReadNpyExt};
    let fail = |e: ReadNpyError| {
        let dims = D::NDIM.unwrap_or(0);
        Error::Invalid(format!(
            "{}: expected a {dims}-dimensional .npy array of numbers: {e}",
            path.display()
        ))
    };
    macro_rules! try_type {
        ($($t:ty),*) => {$(
            match ndarray::Array::<$t, D>::read_npy(bytes) {
                Ok(a) => return Ok(a.mapv(|v| v as f32)),
                Err(ReadNpyError::WrongDescriptor(_)) => {}
                Err(e) => return Err(fail(e)),
            }
        )*};
    }
    try_type!(f32, f64, i64, i32, i16, i8, u64, u32, u16, u8);
    match ndarray::Array::<f32, D>::read_npy(bytes) {
        Ok(a) => Ok(a),
        Err(e) => Err(fail(e)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn csv_file(text: &str) -> tempfile::NamedTempFile {
        let mut f = tempfile::NamedTempFile::new().unwrap();
        std::io::Write::write_all(&mut f, text.as_bytes()).unwrap();
        f
    }

    #[test]
    fn classes_are_sorted_numerically_or_as_text() {
        let v = |s: &[&str]| s.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        assert_eq!(class_names(&v(&["10", "2", "2", "1"])), v(&["1", "2", "10"]));
        assert_eq!(class_names(&v(&["b", "a", "c", "a"])), v(&["a", "b", "c"]));
        assert_eq!(Task::infer(&v(&["1", "0", "1"])), Task::Classify);
        assert_eq!(Task::infer(&v(&["1.5", "0", "1"])), Task::Regress);
        assert_eq!(Task::infer(&v(&["cat", "dog"])), Task::Classify);
    }

    #[test]
    fn csv_with_text_labels_becomes_a_classification_dataset() {
        let f = csv_file("a,species,b\n1,setosa,2\n3,virginica,4\n5,setosa,6\n");
        let t = Tabular::from_csv(f.path(), "species", false).unwrap();
        assert_eq!(t.feature_names, ["a", "b"]);
        assert_eq!(t.x, ndarray::array![[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]]);
        let (d, classes) = t.into_dataset(Task::Classify).unwrap();
        assert_eq!(classes, ["setosa", "virginica"]);
        assert_eq!(d.labels, [0, 1, 0]);
        assert_eq!(d.n_targets(), 2);
    }

    #[test]
    fn missing_values_are_errors_naming_line_and_column_unless_dropped() {
        let f = csv_file("a,b,y\n1,2,0\n3,,1\n5,6,1\n");
        let e = Tabular::from_csv(f.path(), "y", false).unwrap_err().to_string();
        assert!(
            e.contains("line 3")
                && e.contains("column 'b'")
                && e.contains("can be left out")
                && !e.contains("--"),
            "{e}"
        );
        let t = Tabular::from_csv(f.path(), "y", true).unwrap();
        assert_eq!((t.x.nrows(), t.dropped), (2, 1));
    }

    #[test]
    fn bad_cells_and_columns_are_named() {
        let f = csv_file("a,y\n1,0\nabc,1\n");
        let e = Tabular::from_csv(f.path(), "y", false).unwrap_err().to_string();
        assert!(
            e.contains("line 3") && e.contains("expected a number, found 'abc'"),
            "{e}"
        );
        let e = Tabular::from_csv(f.path(), "z", false).unwrap_err().to_string();
        assert!(e.contains("no column 'z'") && e.contains("a, y"), "{e}");
        let f = csv_file("a,y\n1,0\n2\n");
        let e = Tabular::from_csv(f.path(), "y", false).unwrap_err().to_string();
        assert!(e.contains("line 3") && e.contains("expected 2 fields"), "{e}");
    }

    #[test]
    fn regression_targets_must_be_numbers_and_errors_name_their_line() {
        let f = csv_file("a,y\n1,0.5\n2,x\n3,1\n4,inf\n");
        let t = Tabular::from_csv(f.path(), "y", false).unwrap();
        let e = t.clone().into_dataset(Task::Regress).unwrap_err().to_string();
        let name = f.path().display().to_string();
        assert!(
            e.contains(&name)
                && e.contains("line 3, column 'y'")
                && e.contains("found 'x'")
                && !e.contains("--"),
            "{e}"
        );
        // After a split the rows keep the lines they came from: row 3 of the file is line 5.
        let kept = t.select(&[0, 3]);
        let e = kept.y_values().unwrap_err().to_string();
        assert!(e.contains("line 5") && e.contains("found 'inf'"), "{e}");
    }

    #[test]
    fn npy_arrays_of_any_numeric_type_are_read() {
        use ndarray_npy::WriteNpyExt;
        let dir = tempfile::tempdir().unwrap();
        let (xp, yp) = (dir.path().join("x.npy"), dir.path().join("y.npy"));
        ndarray::array![[1.0f64, 2.0], [3.0, 4.0]]
            .write_npy(std::fs::File::create(&xp).unwrap())
            .unwrap();
        ndarray::array![3i64, 7]
            .write_npy(std::fs::File::create(&yp).unwrap())
            .unwrap();
        let t = Tabular::from_npy(&xp, &yp).unwrap();
        assert_eq!(t.x, ndarray::array![[1.0f32, 2.0], [3.0, 4.0]]);
        assert_eq!(t.y, ["3", "7"]);
        let e = Tabular::from_npy(&yp, &yp).unwrap_err().to_string();
        assert!(e.contains("2-dimensional"), "{e}");
    }
}
