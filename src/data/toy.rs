//! Two-dimensional toy problems, the TensorFlow Playground's: points of the plane with a class
//! each, generated from a seed (circle, XOR, two Gaussians, a spiral) or read from a small CSV
//! table, and the input features a network reads from a point (x, y, x², y², xy, sin x, sin y).

use super::{Dataset, Features, Targets};
use crate::error::{Error, Result};
use ndarray::Array2;
use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rand_distr::{Distribution, Normal};

/// Generated points lie in `[−EXTENT, EXTENT]²` (the Playground's plane), before noise.
pub const EXTENT: f32 = 6.0;
/// Rows a CSV table may have: enough for any 2-D picture, small enough to train live.
pub const MAX_ROWS: usize = 10_000;
/// Classes a CSV table may have (labels 0 to 9).
pub const MAX_CLASSES: usize = 10;

/// A generated data set.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Deserialize, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Shape {
    /// Class 1 inside a disc, class 0 on a ring around it.
    Circle,
    /// Class 1 where x and y have the same sign.
    Xor,
    /// Two round clouds, one per class.
    Gaussians,
    /// Two arms winding around each other.
    Spiral,
}

/// Points with a class each.
#[derive(Clone, Debug, PartialEq, Default)]
pub struct Points {
    pub xy: Vec<[f32; 2]>,
    pub labels: Vec<u8>,
    pub n_classes: usize,
}

impl Points {
    pub fn len(&self) -> usize {
        self.xy.len()
    }

    pub fn is_empty(&self) -> bool {
        self.xy.is_empty()
    }

    /// The largest |coordinate|: the plane `[−s, s]²` shows every point.
    pub fn extent(&self) -> f32 {
        self.xy
            .iter()
            .flatten()
            .fold(0.0f32, |m, v| m.max(v.abs()))
            .max(f32::MIN_POSITIVE)
    }

    fn select(&self, indices: &[usize]) -> Points {
        Points {
            xy: indices.iter().map(|&i| self.xy[i]).collect(),
            labels: indices.iter().map(|&i| self.labels[i]).collect(),
            n_classes: self.n_classes,
        }
    }

    /// A shuffled split into training and test points, `test_ratio` of them for testing.
    pub fn split(&self, test_ratio: f64, seed: u64) -> (Points, Points) {
        let mut order: Vec<usize> = (0..self.len()).collect();
        order.shuffle(&mut ChaCha8Rng::seed_from_u64(seed));
        let n_test = ((self.len() as f64) * test_ratio.clamp(0.0, 1.0)).round() as usize;
        let (test, train) = order.split_at(n_test.min(self.len()));
        (self.select(train), self.select(test))
    }
}

/// `n` points of `shape`, half per class, moved by Gaussian noise of standard deviation
/// `noise · EXTENT / 6` (noise 0 to 1 covers clean to heavily overlapping).
pub fn generate(shape: Shape, n: usize, noise: f64, seed: u64) -> Points {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let jitter = Normal::new(0.0f32, (noise.max(0.0) as f32) * EXTENT / 6.0).expect("sd ≥ 0");
    let r = EXTENT * 5.0 / 6.0;
    let mut points = Points {
        n_classes: 2,
        ..Points::default()
    };
    for i in 0..n {
        let label = (i % 2) as u8;
        let [x, y] = match shape {
            Shape::Circle => {
                // Inside: radius 0 to r/2; the ring: 0.7 r to r, the Playground's gap between.
                let radius = if label == 1 {
                    rng.random_range(0.0..0.5 * r)
                } else {
                    rng.random_range(0.7 * r..r)
                };
                let angle = rng.random_range(0.0..std::f32::consts::TAU);
                [radius * angle.cos(), radius * angle.sin()]
            }
            Shape::Xor => {
                // Kept off the axes a little, where the class flips.
                let pad = 0.05 * r;
                let mut side = || rng.random_range(pad..r) * if rng.random() { 1.0 } else { -1.0 };
                let (x, y) = (side(), side());
                if (x * y > 0.0) == (label == 1) {
                    [x, y]
                } else {
                    [x, -y]
                }
            }
            Shape::Gaussians => {
                let centre = if label == 1 { r / 2.5 } else { -r / 2.5 };
                let spread = Normal::new(centre, r / 5.0).expect("sd > 0");
                [spread.sample(&mut rng), spread.sample(&mut rng)]
            }
            Shape::Spiral => {
                let t = (i / 2) as f32 / (n / 2).max(1) as f32;
                let angle = 1.75 * t * std::f32::consts::TAU + f32::from(label) * std::f32::consts::PI;
                [r * t * angle.sin(), r * t * angle.cos()]
            }
        };
        points
            .xy
            .push([x + jitter.sample(&mut rng), y + jitter.sample(&mut rng)]);
        points.labels.push(label);
    }
    points
}

/// A table of `x,y,label` rows: an optional header line, numbers for x and y, whole-number
/// labels 0 to 9, at most [`MAX_ROWS`] rows. Errors name the line and column.
pub fn parse_csv(text: &str) -> Result<Points> {
    let mut points = Points::default();
    for (i, line) in text.lines().enumerate() {
        let line_no = i + 1;
        let line = line.trim();
        if line.is_empty() {
            continue;
        }
        let fields: Vec<&str> = line.split(',').map(str::trim).collect();
        if fields.len() != 3 {
            return Err(Error::Invalid(format!(
                "line {line_no}: {} columns; the table has three, x,y,label",
                fields.len()
            )));
        }
        // A first line whose x is not a number is the header.
        if line_no == 1 && fields[0].parse::<f32>().is_err() {
            continue;
        }
        let number = |column: usize| -> Result<f32> {
            match fields[column].parse::<f32>() {
                Ok(v) if v.is_finite() => Ok(v),
                _ => Err(Error::Invalid(format!(
                    "line {line_no}, column {}: {:?} is not a finite number",
                    column + 1,
                    fields[column]
                ))),
            }
        };
        let (x, y) = (number(0)?, number(1)?);
        let label = match fields[2].parse::<u8>() {
            Ok(l) if usize::from(l) < MAX_CLASSES => l,
            _ => {
                return Err(Error::Invalid(format!(
                    "line {line_no}, column 3: the label {:?} is not a whole number 0 to {}",
                    fields[2],
                    MAX_CLASSES - 1
                )));
            }
        };
        if points.len() == MAX_ROWS {
            return Err(Error::Invalid(format!(
                "line {line_no}: more than {MAX_ROWS} rows"
            )));
        }
        points.xy.push([x, y]);
        points.labels.push(label);
    }
    points.n_classes = points.labels.iter().max().map_or(0, |&l| usize::from(l) + 1);
    if points.n_classes < 2 {
        return Err(Error::Invalid(
            "the table needs rows of at least two classes (labels 0 and 1)".into(),
        ));
    }
    Ok(points)
}

/// What a network reads from a point.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Deserialize, serde::Serialize)]
pub enum Feature {
    #[serde(rename = "x")]
    X,
    #[serde(rename = "y")]
    Y,
    #[serde(rename = "x2")]
    XSquared,
    #[serde(rename = "y2")]
    YSquared,
    #[serde(rename = "xy")]
    XTimesY,
    #[serde(rename = "sinx")]
    SinX,
    #[serde(rename = "siny")]
    SinY,
}

impl Feature {
    /// The feature of the point `(x, y)` of a plane `[−scale, scale]²`. The coordinates are
    /// divided by `scale` first, so that every feature lies in [−1, 1] and one η suits them
    /// all; sin reads the coordinates as they are, as the Playground does.
    pub fn value(self, x: f32, y: f32, scale: f32) -> f32 {
        let (u, v) = (x / scale, y / scale);
        match self {
            Feature::X => u,
            Feature::Y => v,
            Feature::XSquared => u * u,
            Feature::YSquared => v * v,
            Feature::XTimesY => u * v,
            Feature::SinX => x.sin(),
            Feature::SinY => y.sin(),
        }
    }

    /// Its name in a model file: the formula in the raw coordinates.
    pub fn name(self, scale: f32) -> String {
        match self {
            Feature::X => format!("x/{scale}"),
            Feature::Y => format!("y/{scale}"),
            Feature::XSquared => format!("(x/{scale})^2"),
            Feature::YSquared => format!("(y/{scale})^2"),
            Feature::XTimesY => format!("x*y/{}", scale * scale),
            Feature::SinX => "sin(x)".into(),
            Feature::SinY => "sin(y)".into(),
        }
    }
}

/// One row of features per point.
pub fn inputs(xy: &[[f32; 2]], features: &[Feature], scale: f32) -> Array2<f32> {
    Array2::from_shape_fn((xy.len(), features.len()), |(i, j)| {
        features[j].value(xy[i][0], xy[i][1], scale)
    })
}

/// The points as a data set. `binary`: one target per point, its class (0 or 1), for a single
/// sigmoid output neuron; otherwise the classes one-hot, one output neuron each.
pub fn dataset(points: &Points, features: &[Feature], scale: f32, binary: bool) -> Result<Dataset> {
    if binary && points.n_classes != 2 {
        return Err(Error::Invalid(format!(
            "a single output neuron tells two classes apart; these points have {}",
            points.n_classes
        )));
    }
    let targets = if binary {
        Targets::Values(Array2::from_shape_fn((points.len(), 1), |(i, _)| {
            f32::from(points.labels[i])
        }))
    } else {
        Targets::Classes
    };
    Ok(Dataset {
        features: Features::Values(inputs(&points.xy, features, scale)),
        labels: points.labels.clone(),
        n_classes: points.n_classes,
        targets,
        weights: None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generation_is_deterministic_and_balanced() {
        for shape in [Shape::Circle, Shape::Xor, Shape::Gaussians, Shape::Spiral] {
            let a = generate(shape, 200, 0.1, 3);
            assert_eq!(a, generate(shape, 200, 0.1, 3));
            assert_eq!(a.labels.iter().filter(|&&l| l == 1).count(), 100);
        }
        let circle = generate(Shape::Circle, 100, 0.0, 1);
        for (p, &l) in circle.xy.iter().zip(&circle.labels) {
            let r = p[0].hypot(p[1]);
            assert!(if l == 1 { r < 2.6 } else { r > 3.4 }, "{p:?} {l}");
        }
    }

    #[test]
    fn csv_errors_name_the_line_and_column() {
        assert_eq!(parse_csv("x,y,label\n1,2,0\n3,4,1\n").unwrap().len(), 2);
        let e = parse_csv("1,2,0\n3,oops,1\n").unwrap_err().to_string();
        assert!(e.contains("line 2, column 2"), "{e}");
        let e = parse_csv("1,2,0\n3,4,12\n").unwrap_err().to_string();
        assert!(e.contains("line 2, column 3"), "{e}");
        assert!(parse_csv("1,2\n").is_err());
        assert!(parse_csv("1,2,0\n").is_err(), "one class");
    }
}
