//! Pictures, drawn with plotters to SVG or PNG (by the file's extension) and written
//! atomically: learning curves from a training history, a confusion matrix, and a network
//! drawn like the lecture's figures (neurons as circles in columns, arrows between layers, one
//! layer's connections highlighted).

use crate::error::{Error, Result};
use crate::files::write_atomic;
use crate::network::Network;
use crate::train::EpochReport;
use plotters::coord::Shift;
use plotters::coord::types::RangedCoordf64;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};
use std::path::Path;
use std::sync::Once;

/// The font every picture uses, compiled in (DejaVu Sans), so PNGs need no system fonts.
const FONT: &str = "sans-serif";

fn register_font() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        let _ = plotters::style::register_font(FONT, FontStyle::Normal, dejavu::sans::regular());
        let _ = plotters::style::register_font(FONT, FontStyle::Bold, dejavu::sans::bold());
    });
}

/// Something that draws itself on any plotters backend.
pub trait Figure {
    /// Width and height in pixels.
    fn size(&self) -> (u32, u32);
    /// Why the figure cannot be drawn (too much to show), before any pixel is.
    fn check(&self) -> Result<(), String> {
        Ok(())
    }
    fn draw<DB: DrawingBackend>(&self, area: &DrawingArea<DB, Shift>) -> Result<(), String>;
}

/// Writes `figure` to `path`: SVG for `.svg`, PNG for `.png`.
pub fn save(figure: &impl Figure, path: &Path) -> Result<()> {
    register_font();
    let fail = |e: String| Error::Invalid(format!("{}: drawing failed: {e}", path.display()));
    figure.check().map_err(fail)?;
    let (w, h) = figure.size();
    if w > MAX_SIDE || h > MAX_SIDE {
        return Err(fail(format!(
            "the picture would be {w}×{h} pixels, more than {MAX_SIDE} on a side"
        )));
    }
    let ext = path
        .extension()
        .and_then(|e| e.to_str())
        .map(str::to_ascii_lowercase);
    let bytes = match ext.as_deref() {
        Some("svg") => {
            let mut svg = String::new();
            {
                let root = SVGBackend::with_string(&mut svg, (w, h)).into_drawing_area();
                figure.draw(&root).map_err(fail)?;
                root.present().map_err(|e| fail(e.to_string()))?;
            }
            svg.into_bytes()
        }
        Some("png") => {
            let mut rgb = vec![0u8; (w * h * 3) as usize];
            {
                let root = BitMapBackend::with_buffer(&mut rgb, (w, h)).into_drawing_area();
                figure.draw(&root).map_err(fail)?;
                root.present().map_err(|e| fail(e.to_string()))?;
            }
            let mut png_bytes = Vec::new();
            let mut encoder = png::Encoder::new(&mut png_bytes, w, h);
            encoder.set_color(png::ColorType::Rgb);
            encoder.set_depth(png::BitDepth::Eight);
            encoder.set_compression(png::Compression::Best);
            let mut writer = encoder.write_header().map_err(|e| fail(e.to_string()))?;
            writer.write_image_data(&rgb).map_err(|e| fail(e.to_string()))?;
            writer.finish().map_err(|e| fail(e.to_string()))?;
            png_bytes
        }
        _ => {
            return Err(Error::Invalid(format!(
                "{}: expected a file name ending in .svg or .png",
                path.display()
            )));
        }
    };
    write_atomic(path, &bytes)
}

/// The largest side of a picture drawn, in pixels: a 8192×8192 PNG is a 200 MB buffer.
pub const MAX_SIDE: u32 = 8192;

/// `?` for plotters' errors, which differ by backend.
macro_rules! t {
    ($e:expr) => {
        $e.map_err(|e| e.to_string())?
    };
}

fn text_style(size: f64, pos: Pos) -> TextStyle<'static> {
    TextStyle::from((FONT, size).into_font()).pos(pos)
}

fn centre() -> Pos {
    Pos::new(HPos::Center, VPos::Center)
}

const COLOURS: [RGBColor; 3] = [
    RGBColor(31, 119, 180),
    RGBColor(214, 39, 40),
    RGBColor(44, 160, 44),
];

/// Cost and score per epoch, side by side.
pub struct LearningCurves<'a> {
    pub epochs: &'a [EpochReport],
    /// A line under the title (the network and its hyper-parameters).
    pub subtitle: String,
}

/// The largest cost or error drawn: near f64's limit an axis's ticks cannot be computed (their
/// spacing overflows) and such a value is no measurement anyway; the squared error of
/// unscaled targets in the millions is still far below it.
const MAX_PLOTTED: f64 = 1e30;

impl Figure for LearningCurves<'_> {
    fn size(&self) -> (u32, u32) {
        (1100, 480)
    }

    fn check(&self) -> Result<(), String> {
        for e in self.epochs {
            let fields = [
                ("train_cost", Some(e.train_cost), MAX_PLOTTED),
                ("test_accuracy", e.test_accuracy, 1.0),
                ("validation_accuracy", e.validation_accuracy, 1.0),
                ("test_error", e.test_error, MAX_PLOTTED),
                ("validation_error", e.validation_error, MAX_PLOTTED),
            ];
            for (name, value, max) in fields {
                if let Some(v) = value
                    && !(0.0..=max).contains(&v)
                {
                    return Err(format!(
                        "epoch {}: {name} is {v:e}; expected a number from 0 to {max:e}",
                        e.epoch
                    ));
                }
            }
        }
        if let Some(e) = self.epochs.iter().find(|e| e.epoch > 1_000_000_000) {
            return Err(format!("epoch number {} is not plausible", e.epoch));
        }
        Ok(())
    }

    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Result<(), String> {
        t!(root.fill(&WHITE));
        let (header, body) = root.split_vertically(50);
        t!(header.draw(&Text::new(
            self.subtitle.clone(),
            (550, 25),
            text_style(17.0, centre())
        )));
        let (left, right) = body.split_horizontally(550);
        let epochs = self.epochs;
        let last = epochs.last().map_or(1, |e| e.epoch).max(2) as f64;
        let first = epochs.first().map_or(1, |e| e.epoch) as f64;

        let cost: Vec<(f64, f64)> = epochs.iter().map(|e| (e.epoch as f64, e.train_cost)).collect();
        let top = cost.iter().map(|c| c.1).fold(0.0, f64::max) * 1.05;
        let mut chart = epoch_chart(
            &left,
            "training cost per sample",
            first..last,
            0.0..top.max(1e-9),
            "cost",
        )?;
        t!(chart.draw_series(LineSeries::new(cost, COLOURS[0].stroke_width(2))));

        // Classification: accuracy in %; regression and autoencoders: the error.
        type Series = (&'static str, fn(&EpochReport) -> Option<f64>);
        let accuracy: [Series; 2] = [
            ("test", |e| e.test_accuracy.map(|a| 100.0 * a)),
            ("validation", |e| e.validation_accuracy.map(|a| 100.0 * a)),
        ];
        let error: [Series; 2] = [("test", |e| e.test_error), ("validation", |e| e.validation_error)];
        let classifying = epochs
            .iter()
            .any(|e| e.test_accuracy.is_some() || e.validation_accuracy.is_some());
        let (series, title, unit) = if classifying {
            (accuracy, "accuracy after each epoch", "accuracy (%)")
        } else {
            (error, "mean squared error after each epoch", "error")
        };
        let lines: Vec<(&str, Vec<(f64, f64)>)> = series
            .iter()
            .map(|(name, f)| {
                (
                    *name,
                    epochs
                        .iter()
                        .filter_map(|e| f(e).map(|v| (e.epoch as f64, v)))
                        .collect(),
                )
            })
            .filter(|(_, points): &(&str, Vec<(f64, f64)>)| !points.is_empty())
            .collect();
        let values = lines.iter().flat_map(|(_, p)| p.iter().map(|v| v.1));
        let (lo, hi) = values.fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), v| {
            (lo.min(v), hi.max(v))
        });
        let (lo, hi) = if lo.is_finite() {
            let pad = ((hi - lo) * 0.08).max(if classifying { 0.1 } else { 1e-6 });
            (lo - pad, hi + pad)
        } else {
            (0.0, 1.0)
        };
        let mut chart = epoch_chart(&right, title, first..last, lo..hi, unit)?;
        for (i, (name, points)) in lines.into_iter().enumerate() {
            let colour = COLOURS[i + 1];
            t!(chart.draw_series(LineSeries::new(points, colour.stroke_width(2))))
                .label(name)
                .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 20, y)], colour.stroke_width(2)));
        }
        t!(chart
            .configure_series_labels()
            .position(if classifying {
                SeriesLabelPosition::LowerRight
            } else {
                SeriesLabelPosition::UpperRight
            })
            .label_font((FONT, 14))
            .background_style(WHITE.mix(0.9))
            .border_style(BLACK.mix(0.4))
            .draw());
        Ok(())
    }
}

/// Axes with the epochs across and `y_desc` up, ready for lines.
fn epoch_chart<'a, DB: DrawingBackend>(
    area: &'a DrawingArea<DB, Shift>,
    caption: &str,
    epochs: std::ops::Range<f64>,
    y: std::ops::Range<f64>,
    y_desc: &str,
) -> Result<ChartContext<'a, DB, Cartesian2d<RangedCoordf64, RangedCoordf64>>, String> {
    let mut chart = t!(ChartBuilder::on(area)
        .caption(caption, (FONT, 18))
        .margin(15)
        .x_label_area_size(45)
        .y_label_area_size(65)
        .build_cartesian_2d(epochs, y));
    t!(chart
        .configure_mesh()
        .x_desc("epoch")
        .x_label_formatter(&|x| format!("{x:.0}"))
        .y_desc(y_desc)
        .label_style((FONT, 14))
        .axis_desc_style((FONT, 15))
        .draw());
    Ok(chart)
}

/// A confusion matrix: rows the true class, columns the predicted one, each cell shaded by
/// the share of its row and labelled with its count.
pub struct ConfusionMatrix<'a> {
    pub classes: &'a [String],
    pub counts: &'a [Vec<usize>],
    pub title: String,
}

impl Figure for ConfusionMatrix<'_> {
    fn size(&self) -> (u32, u32) {
        (760, 760)
    }

    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Result<(), String> {
        t!(root.fill(&WHITE));
        let k = self.classes.len().max(1);
        let (x0, y0, side) = (130i32, 110i32, 600i32);
        let cell = side / k as i32;
        t!(root.draw(&Text::new(
            self.title.clone(),
            (380, 30),
            text_style(20.0, centre())
        )));
        t!(root.draw(&Text::new(
            "predicted class",
            (x0 + side / 2, 75),
            text_style(17.0, centre())
        )));
        t!(root.draw(&Text::new(
            "true class",
            (30, y0 + side / 2),
            TextStyle::from((FONT, 17).into_font().transform(FontTransform::Rotate270)).pos(centre())
        )));
        let label_size = if k > 12 { 11.0 } else { 14.0 };
        for (i, name) in self.classes.iter().enumerate() {
            let mid = i as i32 * cell + cell / 2;
            t!(root.draw(&Text::new(
                name.clone(),
                (x0 + mid, y0 - 14),
                text_style(label_size, centre())
            )));
            t!(root.draw(&Text::new(
                name.clone(),
                (x0 - 8, y0 + mid),
                text_style(label_size, Pos::new(HPos::Right, VPos::Center))
            )));
        }
        for (t, row) in self.counts.iter().enumerate() {
            let total = row.iter().sum::<usize>().max(1) as f64;
            for (p, &n) in row.iter().enumerate() {
                let share = n as f64 / total;
                // White to deep blue by the share of the row; errors in red tones.
                let (r, g, b) = if t == p {
                    (255.0 - 225.0 * share, 255.0 - 160.0 * share, 255.0 - 75.0 * share)
                } else {
                    (
                        255.0 - 20.0 * share.sqrt(),
                        255.0 - 200.0 * share.sqrt(),
                        255.0 - 200.0 * share.sqrt(),
                    )
                };
                let colour = RGBColor(r as u8, g as u8, b as u8);
                let (cx, cy) = (x0 + p as i32 * cell, y0 + t as i32 * cell);
                t!(root.draw(&Rectangle::new(
                    [(cx, cy), (cx + cell, cy + cell)],
                    colour.filled()
                )));
                t!(root.draw(&Rectangle::new(
                    [(cx, cy), (cx + cell, cy + cell)],
                    BLACK.mix(0.15)
                )));
                if n > 0 && cell >= 24 {
                    let ink = if t == p && share > 0.5 { WHITE } else { BLACK };
                    let style = TextStyle::from((FONT, (cell as f64 / 3.2).min(15.0)).into_font())
                        .color(&ink)
                        .pos(centre());
                    t!(root.draw(&Text::new(n.to_string(), (cx + cell / 2, cy + cell / 2), style)));
                }
            }
        }
        Ok(())
    }
}

/// Which connections a network diagram highlights.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Highlight {
    None,
    /// Weight layer `l` (1-based, the lecture's `W^l`): the connections into neuron layer `l`.
    Layer(usize),
}

/// A network drawn like the lecture's figures.
pub struct NetworkDiagram<'a> {
    /// Neurons per layer, inputs first.
    pub sizes: Vec<usize>,
    /// Weights to label the connections with, and to draw by sign and size.
    pub net: Option<&'a Network<f32>>,
    pub weight_labels: bool,
    pub highlight: Highlight,
}

/// A drawn neuron (its index in the layer, `None` for the ellipsis) and its centre.
type Placed = (Option<usize>, (f64, f64));

/// At most this many neurons of a layer are drawn; the rest are an ellipsis.
const MAX_DRAWN: usize = 10;
/// Each layer is a column this many pixels wide, plus a margin.
const COLUMN: u32 = 220;
/// The most layers drawn: as many columns as fit [`MAX_SIDE`].
pub const MAX_LAYERS: usize = ((MAX_SIDE - 40) / COLUMN) as usize;

impl NetworkDiagram<'_> {
    /// The drawn neurons of a layer: indices into the layer (`None` for the ellipsis).
    fn shown(n: usize) -> Vec<Option<usize>> {
        if n <= MAX_DRAWN {
            (0..n).map(Some).collect()
        } else {
            let half = (MAX_DRAWN - 1) / 2;
            (0..half)
                .map(Some)
                .chain([None])
                .chain((n - (MAX_DRAWN - 1 - half)..n).map(Some))
                .collect()
        }
    }
}

impl Figure for NetworkDiagram<'_> {
    fn check(&self) -> Result<(), String> {
        if self.sizes.len() > MAX_LAYERS {
            return Err(format!(
                "a network of {} layers is too long to draw; at most {MAX_LAYERS} layers fit a picture",
                self.sizes.len()
            ));
        }
        Ok(())
    }

    fn size(&self) -> (u32, u32) {
        let columns = u32::try_from(self.sizes.len()).unwrap_or(u32::MAX);
        let tallest = self
            .sizes
            .iter()
            .map(|&n| Self::shown(n).len())
            .max()
            .unwrap_or(1) as u32;
        let caption = if self.highlight == Highlight::None { 0 } else { 70 };
        (
            COLUMN.saturating_mul(columns.max(2)).saturating_add(40),
            (190u32 + caption).saturating_add(64u32.saturating_mul(tallest)),
        )
    }

    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Result<(), String> {
        t!(root.fill(&WHITE));
        let (w, h) = self.size();
        let n_layers = self.sizes.len();
        let caption = if self.highlight == Highlight::None {
            0.0
        } else {
            70.0
        };
        let (top, bottom) = (110.0, h as f64 - 60.0 - caption);
        let column_x = |l: usize| 20.0 + f64::from(COLUMN) * (l as f64 + 0.5);
        let positions: Vec<Vec<Placed>> = self
            .sizes
            .iter()
            .enumerate()
            .map(|(l, &n)| {
                let shown = Self::shown(n);
                let gap = ((bottom - top) / shown.len() as f64).min(64.0);
                let start = (top + bottom) / 2.0 - gap * (shown.len() as f64 - 1.0) / 2.0;
                shown
                    .into_iter()
                    .enumerate()
                    .map(|(i, j)| (j, (column_x(l), start + gap * i as f64)))
                    .collect()
            })
            .collect();
        let radius = 18.0;
        let max_weight = self.net.map_or(1.0, |net| {
            net.layers
                .iter()
                .flat_map(|l| l.weights.iter())
                .fold(0.0f32, |m, w| m.max(w.abs()))
                .max(1e-6)
        });
        let lit = RGBColor(230, 85, 13);

        // Connections: from every neuron k of layer l−1 to every neuron j of layer l.
        for l in 1..n_layers {
            let highlighted = self.highlight == Highlight::Layer(l);
            for &(j, to) in &positions[l] {
                for &(k, from) in &positions[l - 1] {
                    let (Some(j), Some(k)) = (j, k) else { continue };
                    let weight = self.net.map(|net| net.layers[l - 1].weights[[j, k]]);
                    let (colour, width) = match (highlighted, weight) {
                        (true, _) => (lit.to_rgba(), 2),
                        (false, Some(w)) => {
                            let base = if w >= 0.0 {
                                RGBColor(31, 119, 180)
                            } else {
                                RGBColor(214, 39, 40)
                            };
                            let s = (w.abs() / max_weight) as f64;
                            (base.mix(0.25 + 0.75 * s), 1 + (2.0 * s) as u32)
                        }
                        (false, None) => (
                            if matches!(self.highlight, Highlight::Layer(_)) {
                                BLACK.mix(0.15)
                            } else {
                                BLACK.mix(0.45)
                            },
                            1,
                        ),
                    };
                    arrow(root, from, to, radius, colour, width)?;
                    if self.weight_labels
                        && let Some(w) = weight
                    {
                        let at = (from.0 + 0.72 * (to.0 - from.0), from.1 + 0.72 * (to.1 - from.1));
                        let style = TextStyle::from((FONT, 11).into_font())
                            .color(&BLACK)
                            .pos(centre());
                        let at = (at.0 as i32, at.1 as i32 - 6);
                        t!(root.draw(&Text::new(format!("{w:.2}"), at, style)));
                    }
                }
            }
        }

        // Neurons, and each layer's name and size.
        for (l, layer) in positions.iter().enumerate() {
            let role = if l == 0 {
                "input layer".to_string()
            } else if l == n_layers - 1 {
                "output layer".to_string()
            } else if n_layers > 3 {
                format!("hidden layer {l}")
            } else {
                "hidden layer".to_string()
            };
            let x = column_x(l) as i32;
            let bold = TextStyle::from((FONT, 17).into_font().style(FontStyle::Bold)).pos(centre());
            t!(root.draw(&Text::new(role, (x, 40), bold)));
            let note = if l == 0 {
                format!("{} inputs", self.sizes[0])
            } else {
                format!("{} neurons", self.sizes[l])
            };
            t!(root.draw(&Text::new(note, (x, 66), text_style(14.0, centre()))));
            for &(j, (cx, cy)) in layer {
                let at = (cx as i32, cy as i32);
                match j {
                    None => t!(root.draw(&Text::new("⋮", at, text_style(30.0, centre())))),
                    Some(_) => {
                        let fill = match self.highlight {
                            Highlight::Layer(h) if h == l => RGBColor(253, 208, 162),
                            _ if l == 0 => RGBColor(235, 235, 235),
                            _ => WHITE,
                        };
                        t!(root.draw(&Circle::new(at, radius as i32, fill.filled())));
                        t!(root.draw(&Circle::new(at, radius as i32, BLACK.stroke_width(2))));
                    }
                }
            }
        }
        if self.net.is_some() && self.highlight == Highlight::None {
            let grey = BLACK.mix(0.7);
            let style = TextStyle::from((FONT, 14).into_font()).color(&grey).pos(centre());
            let line = "connections: blue positive weights, red negative, bolder when larger";
            t!(root.draw(&Text::new(line, (w as i32 / 2, h as i32 - 30), style)));
        }
        if let Highlight::Layer(l) = self.highlight {
            let (l_, prev) = (sup(l), sup(l - 1));
            let lines = [
                format!(
                    "W{l_}: the weights w_jk from neuron k of layer {} to neuron j of layer {l}",
                    l - 1
                ),
                format!(
                    "feedforward  a{l_} = W{l_} z{prev} + b{l_}        backpropagation  δ{prev} = ((W{l_})ᵀ δ{l_}) ⊙ σ′(a{prev})"
                ),
            ];
            for (i, line) in lines.into_iter().enumerate() {
                let style = TextStyle::from((FONT, 16).into_font()).color(&lit).pos(centre());
                t!(root.draw(&Text::new(
                    line,
                    (w as i32 / 2, h as i32 - 52 + 26 * i as i32),
                    style
                )));
            }
        }
        Ok(())
    }
}

/// `n` in superscript digits.
fn sup(n: usize) -> String {
    const DIGITS: [char; 10] = ['⁰', '¹', '²', '³', '⁴', '⁵', '⁶', '⁷', '⁸', '⁹'];
    n.to_string()
        .chars()
        .map(|c| DIGITS[c.to_digit(10).unwrap_or(0) as usize])
        .collect()
}

/// An arrow from the edge of the circle at `from` to the edge of the circle at `to`.
fn arrow<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    from: (f64, f64),
    to: (f64, f64),
    radius: f64,
    colour: RGBAColor,
    width: u32,
) -> Result<(), String> {
    let (dx, dy) = (to.0 - from.0, to.1 - from.1);
    let len = (dx * dx + dy * dy).sqrt().max(1e-9);
    let (ux, uy) = (dx / len, dy / len);
    let start = (from.0 + ux * radius, from.1 + uy * radius);
    let tip = (to.0 - ux * (radius + 1.0), to.1 - uy * (radius + 1.0));
    let p = |x: f64, y: f64| (x.round() as i32, y.round() as i32);
    t!(area.draw(&PathElement::new(
        vec![p(start.0, start.1), p(tip.0, tip.1)],
        colour.stroke_width(width)
    )));
    // The head: a small triangle pointing along the line.
    let (size, half) = (9.0, 4.0);
    let base = (tip.0 - ux * size, tip.1 - uy * size);
    let head = vec![
        p(tip.0, tip.1),
        p(base.0 - uy * half, base.1 + ux * half),
        p(base.0 + uy * half, base.1 - ux * half),
    ];
    t!(area.draw(&Polygon::new(head, colour.filled())));
    Ok(())
}

impl std::str::FromStr for Highlight {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        s.strip_prefix("layer:")
            .and_then(|n| n.parse::<usize>().ok())
            .filter(|&n| n >= 1)
            .map(Highlight::Layer)
            .ok_or_else(|| format!("expected layer:N with N ≥ 1 (weight layer W^N), got '{s}'"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn figures_are_written_as_svg_and_png_and_other_names_are_refused() {
        let dir = tempfile::tempdir().unwrap();
        let diagram = NetworkDiagram {
            sizes: vec![2, 3, 3, 2],
            net: None,
            weight_labels: false,
            highlight: Highlight::Layer(2),
        };
        save(&diagram, &dir.path().join("n.svg")).unwrap();
        let svg = std::fs::read_to_string(dir.path().join("n.svg")).unwrap();
        assert!(
            svg.starts_with("<svg") && svg.matches("<circle").count() >= 10,
            "{}",
            &svg[..200]
        );
        assert!(svg.contains("hidden layer 1") && svg.contains("output layer"));
        save(&diagram, &dir.path().join("n.png")).unwrap();
        let png = std::fs::read(dir.path().join("n.png")).unwrap();
        assert_eq!(&png[1..4], b"PNG");
        let e = save(&diagram, &dir.path().join("n.pdf")).unwrap_err().to_string();
        assert!(e.contains(".svg or .png"), "{e}");
        assert_eq!("layer:2".parse::<Highlight>(), Ok(Highlight::Layer(2)));
        assert!("layer:0".parse::<Highlight>().is_err() && "2".parse::<Highlight>().is_err());
        assert_eq!(NetworkDiagram::shown(784).len(), MAX_DRAWN);
        assert!(NetworkDiagram::shown(784).contains(&Some(783)));
    }
}
