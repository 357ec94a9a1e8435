//! Fresh distortions of the training images in every epoch (Simard, Steinkraus & Platt 2003;
//! Cireşan, Meier, Gambardella & Schmidhuber 2010): a random affine map (rotation, scaling of
//! each axis, shear, translation) plus an elastic field, and bilinear resampling.
//!
//! Output pixel `p` (coordinates from the image's centre `c`) takes the source image's value at
//!
//!   `q = A (p − c) + c + t + α · (G_σ ∗ u)(p)`,
//!
//! where `A = R(θ) · H(shear) · diag(1/s_x, 1/s_y)`, `t` a translation, and `u` a field of
//! independent uniform(−1, 1) displacements smoothed by a Gaussian of σ pixels (separable,
//! zero beyond the border) and scaled by α. Every number is drawn from a stream seeded by
//! (seed, epoch, image index) alone: a run is bit-reproducible and a resumed epoch distorts
//! its images exactly as the first run did. Only training images are distorted.

use super::standardize::Standardizer;
use super::{Dataset, Features};
use crate::error::{Error, Result};
use crate::seed::splitmix;
use ndarray::Array2;
use serde::{Deserialize, Serialize};

/// The ranges of the random distortions. Each parameter is drawn uniformly from `[−r, r]`.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Distortion {
    /// Largest rotation θ, degrees either way.
    pub rotate: f64,
    /// Largest change of each axis' scale, as a fraction (0.15: 85 % … 115 %).
    pub scale: f64,
    /// Largest horizontal shear (x moves by shear · y).
    pub shear: f64,
    /// Largest translation of each axis, pixels (sub-pixel amounts included).
    pub shift: f64,
    /// σ of the Gaussian that smooths the elastic field, pixels (0: no elastic part).
    pub sigma: f64,
    /// α, the scale of the smoothed elastic field, pixels.
    pub alpha: f64,
}

impl Default for Distortion {
    /// Cireşan et al.'s ranges for MNIST (rotation 15°, scaling 15 %, elastic σ = 6, α = 36),
    /// with translation and shear off (the elastic field already moves the strokes).
    fn default() -> Self {
        Distortion {
            rotate: 15.0,
            scale: 0.15,
            shear: 0.0,
            shift: 0.0,
            sigma: 6.0,
            alpha: 36.0,
        }
    }
}

impl Distortion {
    pub fn validate(&self) -> Result<()> {
        let fields = [
            ("rotation", self.rotate, 0.0..=180.0),
            ("scaling", self.scale, 0.0..=0.9),
            ("shear", self.shear, 0.0..=2.0),
            ("translation", self.shift, 0.0..=64.0),
            ("elastic sigma", self.sigma, 0.0..=32.0),
            ("elastic alpha", self.alpha, 0.0..=1000.0),
        ];
        for (name, v, range) in fields {
            if !range.contains(&v) {
                return Err(Error::Invalid(format!(
                    "the {name} range must be in [{}, {}], got {v}",
                    range.start(),
                    range.end()
                )));
            }
        }
        Ok(())
    }
}

/// Keeps the drawing apart from every other stream of the run (shuffles, dropout masks).
const DOMAIN: u64 = 0x6175_676d_656e_7400; // "augment\0"

/// The random numbers of one image's distortion: SplitMix64 from a key seeded by (seed,
/// epoch, image index). A counter, not a state machine, so it is cheap to start per image.
struct Draws {
    key: u64,
    counter: u64,
}

impl Draws {
    fn new(seed: u64, epoch: usize, index: usize) -> Draws {
        let place = (epoch as u64) << 32 | index as u64;
        Draws {
            key: splitmix(seed ^ splitmix(DOMAIN ^ splitmix(place))),
            counter: 0,
        }
    }

    fn next(&mut self) -> u64 {
        self.counter += 1;
        splitmix(
            self.key
                .wrapping_add(self.counter.wrapping_mul(0x9e37_79b9_7f4a_7c15)),
        )
    }

    /// Uniform in [−r, r] (53 bits).
    fn symmetric(&mut self, r: f64) -> f64 {
        let unit = (self.next() >> 11) as f64 / (1u64 << 53) as f64;
        r * (2.0 * unit - 1.0)
    }

    /// `out` ← uniform values in [−1, 1), two from each 64 random bits (24 bits each).
    fn fill_symmetric(&mut self, out: &mut [f32]) {
        const STEP: f32 = 1.0 / (1u32 << 23) as f32;
        for pair in out.chunks_mut(2) {
            let bits = self.next();
            for (k, v) in pair.iter_mut().enumerate() {
                *v = ((bits >> (8 + 32 * k)) as u32 & 0xff_ffff) as f32 * STEP - 1.0;
            }
        }
    }
}

/// A pixel as the resampling reads and writes it: bytes are rounded back to bytes, values
/// are kept as they come out.
trait Sample: Copy {
    fn load(self) -> f32;
    fn store(v: f32) -> Self;
}

impl Sample for u8 {
    fn load(self) -> f32 {
        f32::from(self)
    }

    fn store(v: f32) -> u8 {
        // Between 0 and 255, so adding ½ and truncating rounds.
        (v + 0.5) as u8
    }
}

impl Sample for f32 {
    fn load(self) -> f32 {
        self
    }

    fn store(v: f32) -> f32 {
        v
    }
}

/// Distorts square images of one side, with its buffers kept between images.
#[derive(Debug, Clone)]
pub struct Distorter {
    distortion: Distortion,
    side: usize,
    /// Row stride of the field buffers: the side rounded up to whole vectors of 16.
    stride: usize,
    /// `K`, the Gaussian blur as a `side × stride` matrix: `K[i][j] = G_σ(i − j)` (normalised
    /// taps, zero beyond the image and in the padding). Symmetric on its `side × side` part.
    blur: Vec<f32>,
    /// The elastic field's two components, and the product between the two passes.
    ux: Vec<f32>,
    uy: Vec<f32>,
    between: Vec<f32>,
    /// The source image as numbers, with a blank border one pixel wide.
    padded: Vec<f32>,
    /// Set when the values [`Distorter::distorted_set`] gets are standardised by it: each
    /// image is mapped back to raw units, distorted there, and standardised again.
    standardizer: Option<Standardizer>,
    /// One image in raw units, and its distortion (for the standardised path).
    raw: Vec<f32>,
    raw_out: Vec<f32>,
}

impl Distorter {
    /// A distorter of `side × side` images.
    pub fn new(distortion: Distortion, side: usize) -> Result<Distorter> {
        distortion.validate()?;
        let stride = side.next_multiple_of(16);
        let n = side * stride;
        let taps = gaussian(distortion.sigma);
        let r = (taps.len() / 2) as isize;
        let mut blur = vec![0.0; n];
        for i in 0..side {
            for j in 0..side {
                let t = j as isize - i as isize + r;
                if (0..taps.len() as isize).contains(&t) {
                    blur[i * stride + j] = taps[t as usize];
                }
            }
        }
        Ok(Distorter {
            distortion,
            side,
            stride,
            blur,
            ux: vec![0.0; n],
            uy: vec![0.0; n],
            between: vec![0.0; n],
            padded: vec![0.0; (side + 2) * (side + 2)],
            standardizer: None,
            raw: Vec::new(),
            raw_out: Vec::new(),
        })
    }

    /// This distorter, for values standardised by `s` (`x' = (x − μ) / s` per pixel): a
    /// distortion moves pixels, and pixels of different scales cannot be moved as they are,
    /// so [`Distorter::distorted_set`] undoes the standardisation of each image, distorts it
    /// in raw units (blank is a raw 0) and standardises the result. Pixels are never
    /// standardised, so a byte image set keeps its path.
    pub fn with_standardizer(mut self, s: Standardizer) -> Result<Distorter> {
        let d = self.side * self.side;
        if s.mean.len() != d {
            return Err(Error::Mismatch(format!(
                "the standardiser has {} columns but the images have {d} pixels",
                s.mean.len()
            )));
        }
        self.raw = vec![0.0; d];
        self.raw_out = vec![0.0; d];
        self.standardizer = Some(s);
        Ok(self)
    }

    /// A distorter for the images of `data`: its features (pixels, or values such as
    /// pixels / 255) must be `side × side` images.
    pub fn for_images(distortion: Distortion, data: &Dataset) -> Result<Distorter> {
        let d = data.n_features();
        let side = (d as f64).sqrt().round() as usize;
        if side * side != d || d == 0 {
            return Err(Error::Invalid(format!(
                "distortions apply to square images, side × side features per sample (such \
                 as MNIST's 28×28 = 784); this data set has {d} {} features per sample, not a \
                 square number",
                if matches!(data.features, Features::Pixels(_)) {
                    "pixel"
                } else {
                    "numeric"
                }
            )));
        }
        Distorter::new(distortion, side)
    }

    /// `dst` ← image `index` of `epoch` distorted, from the bytes `src` (row-major).
    pub fn distort(&mut self, src: &[u8], dst: &mut [u8], seed: u64, epoch: usize, index: usize) {
        self.resample(src, dst, seed, epoch, index);
    }

    /// `dst` ← image `index` of `epoch` distorted, from the values `src` (row-major, raw
    /// units: blank beyond the border is 0). The same map and the same bilinear sums as
    /// [`Distorter::distort`], only neither rounded nor clamped to bytes.
    pub fn distort_values(&mut self, src: &[f32], dst: &mut [f32], seed: u64, epoch: usize, index: usize) {
        self.resample(src, dst, seed, epoch, index);
    }

    /// The one resampling of both kinds of images.
    fn resample<P: Sample>(&mut self, src: &[P], dst: &mut [P], seed: u64, epoch: usize, index: usize) {
        let (s, w, d) = (self.side, self.stride, self.distortion);
        assert_eq!((src.len(), dst.len()), (s * s, s * s), "one image in, one out");
        let mut draws = Draws::new(seed, epoch, index);
        let theta = draws.symmetric(d.rotate).to_radians();
        let (sx, sy) = (1.0 + draws.symmetric(d.scale), 1.0 + draws.symmetric(d.scale));
        let shear = draws.symmetric(d.shear);
        let (tx, ty) = (draws.symmetric(d.shift) as f32, draws.symmetric(d.shift) as f32);
        // A = R(θ) · H(shear) · diag(1/s_x, 1/s_y): output offsets to source offsets.
        let (cos, sin) = (theta.cos(), theta.sin());
        let (h00, h01, h11) = (1.0 / sx, shear / sy, 1.0 / sy);
        let a = [
            (cos * h00) as f32,
            (cos * h01 - sin * h11) as f32,
            (sin * h00) as f32,
            (sin * h01 + cos * h11) as f32,
        ];
        let elastic = d.sigma > 0.0 && d.alpha > 0.0;
        if elastic {
            let alpha = d.alpha as f32;
            for u in [&mut self.ux, &mut self.uy] {
                for row in u.chunks_exact_mut(w) {
                    draws.fill_symmetric(&mut row[..s]);
                }
                smooth(u, &mut self.between, &self.blur, s, w);
                u.iter_mut().for_each(|v| *v *= alpha);
            }
        }
        // The source with a blank border of one pixel, so that every neighbour read is inside.
        let p = s + 2;
        self.padded.fill(0.0);
        for (row, out) in src.chunks_exact(s).zip(self.padded[p + 1..].chunks_mut(p)) {
            out[..s].iter_mut().zip(row).for_each(|(o, &v)| *o = v.load());
        }
        let c = (s as f32 - 1.0) / 2.0;
        // Beyond one pixel outside the image every neighbour is blank: positions are clamped
        // to [−1, s), where the padded source answers 0 there.
        let (lo, hi) = (-1.0f32, s as f32 - 1e-3);
        for y in 0..s {
            let oy = y as f32 - c;
            for x in 0..s {
                let ox = x as f32 - c;
                let (ex, ey) = if elastic {
                    (self.ux[y * w + x], self.uy[y * w + x])
                } else {
                    (0.0, 0.0)
                };
                let qx = (a[0] * ox + a[1] * oy + c + tx + ex).clamp(lo, hi) + 1.0;
                let qy = (a[2] * ox + a[3] * oy + c + ty + ey).clamp(lo, hi) + 1.0;
                // Truncation is the floor here: qx, qy ≥ 0 in padded coordinates.
                let (x0, y0) = (qx as usize, qy as usize);
                let (fx, fy) = (qx - x0 as f32, qy - y0 as f32);
                let at = |i: usize| self.padded[i];
                let i = y0 * p + x0;
                let top = at(i) + fx * (at(i + 1) - at(i));
                let bottom = at(i + p) + fx * (at(i + p + 1) - at(i + p));
                dst[y * s + x] = P::store(top + fy * (bottom - top));
            }
        }
    }

    /// The training images of `data` as `epoch` distorts them (labels, targets and weights
    /// as they are): [`Features::Pixels`] or [`Features::Values`] of this distorter's side
    /// (checked by [`Distorter::for_images`]); values standardised if the distorter was
    /// given a standardiser ([`Distorter::with_standardizer`]).
    pub fn distorted_set(&mut self, data: &Dataset, seed: u64, epoch: usize) -> Dataset {
        let features = match &data.features {
            Features::Pixels(pixels) => Features::Pixels(map_rows(pixels, |index, src, dst| {
                self.distort(src, dst, seed, epoch, index)
            })),
            Features::Values(values) => Features::Values(map_rows(values, |index, src, dst| {
                self.distort_standardized(src, dst, seed, epoch, index)
            })),
        };
        Dataset {
            features,
            labels: data.labels.clone(),
            n_classes: data.n_classes,
            targets: data.targets.clone(),
            weights: data.weights.clone(),
        }
    }

    /// [`Distorter::distort_values`] in raw units when there is a standardiser: `x = s·x' + μ`
    /// (as [`Standardizer::inverse_inplace`]), distorted, then `(x − μ) / s` again.
    fn distort_standardized(&mut self, src: &[f32], dst: &mut [f32], seed: u64, epoch: usize, index: usize) {
        let Some(st) = self.standardizer.take() else {
            return self.distort_values(src, dst, seed, epoch, index);
        };
        let (mut raw, mut out) = (std::mem::take(&mut self.raw), std::mem::take(&mut self.raw_out));
        let (mean, scale) = (st.mean.iter(), st.scale.iter());
        for (((r, &v), &m), &s) in raw.iter_mut().zip(src).zip(mean.clone()).zip(scale.clone()) {
            *r = v * s + m;
        }
        self.distort_values(&raw, &mut out, seed, epoch, index);
        for (((d, &v), &m), &s) in dst.iter_mut().zip(&out).zip(mean).zip(scale) {
            *d = (v - m) / s;
        }
        (self.raw, self.raw_out, self.standardizer) = (raw, out, Some(st));
    }
}

/// A new array of `src`'s shape whose row `i` is written by `f(i, src row, out row)`.
fn map_rows<A: Copy + num_traits::Zero>(
    src: &Array2<A>,
    mut f: impl FnMut(usize, &[A], &mut [A]),
) -> Array2<A> {
    let mut out = Array2::<A>::zeros(src.dim());
    for (index, (row, mut dst)) in src.rows().into_iter().zip(out.rows_mut()).enumerate() {
        let row = row.to_slice().expect("rows of a standard array");
        f(index, row, dst.as_slice_mut().expect("rows of a standard array"));
    }
    out
}

/// The Gaussian of σ pixels on the taps `−⌈3σ⌉ … ⌈3σ⌉`, summing to 1 (empty for σ = 0).
fn gaussian(sigma: f64) -> Vec<f32> {
    if sigma <= 0.0 {
        return Vec::new();
    }
    let r = (3.0 * sigma).ceil() as isize;
    let taps: Vec<f64> = (-r..=r)
        .map(|t| (-((t * t) as f64) / (2.0 * sigma * sigma)).exp())
        .collect();
    let sum: f64 = taps.iter().sum();
    taps.iter().map(|t| (t / sum) as f32).collect()
}

/// `U ← K U K`: the field smoothed by the Gaussian along its rows and then its columns (zero
/// beyond the border), with `between` holding `U K`. Every output value is the same sum in
/// the same order on every processor (multiplies and adds, never fused), so the distortion
/// of a seed is the same everywhere; the AVX2 build of the loops only runs more lanes at once.
fn smooth(u: &mut [f32], between: &mut [f32], k: &[f32], side: usize, stride: usize) {
    #[cfg(target_arch = "x86_64")]
    if std::is_x86_feature_detected!("avx2") {
        // SAFETY: the processor has AVX2, the only feature `smooth_avx2` is compiled for.
        unsafe { smooth_avx2(u, between, k, side, stride) };
        return;
    }
    smooth_body(u, between, k, side, stride);
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
fn smooth_avx2(u: &mut [f32], between: &mut [f32], k: &[f32], side: usize, stride: usize) {
    smooth_body(u, between, k, side, stride);
}

#[inline(always)]
fn smooth_body(u: &mut [f32], between: &mut [f32], k: &[f32], side: usize, stride: usize) {
    // U K: row y is Σ_x U[y][x] · (row x of K), whole padded rows at a time.
    for (row, out) in u.chunks_exact(stride).zip(between.chunks_exact_mut(stride)) {
        out.fill(0.0);
        for (x, &c) in row[..side].iter().enumerate() {
            for (o, &kk) in out.iter_mut().zip(&k[x * stride..][..stride]) {
                *o += c * kk;
            }
        }
    }
    // K (U K): row y is Σ_y' K[y][y'] · (row y' of U K).
    for (y, out) in u.chunks_exact_mut(stride).enumerate() {
        out.fill(0.0);
        for (yy, &c) in k[y * stride..][..side].iter().enumerate() {
            for (o, &v) in out.iter_mut().zip(&between[yy * stride..][..stride]) {
                *o += c * v;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A 28×28 "digit": a bar of ink down the middle.
    fn bar() -> Vec<u8> {
        (0..784)
            .map(|i| {
                if (12..16).contains(&(i % 28)) && (4..24).contains(&(i / 28)) {
                    255
                } else {
                    0
                }
            })
            .collect()
    }

    fn none() -> Distortion {
        Distortion {
            rotate: 0.0,
            scale: 0.0,
            shear: 0.0,
            shift: 0.0,
            sigma: 0.0,
            alpha: 0.0,
        }
    }

    #[test]
    fn no_distortion_is_the_identity() {
        let mut d = Distorter::new(none(), 28).unwrap();
        let (src, mut dst) = (bar(), vec![0u8; 784]);
        d.distort(&src, &mut dst, 1, 1, 0);
        assert_eq!(src, dst);
    }

    #[test]
    fn a_quarter_turn_turns_the_bar() {
        let mut d = Distorter::new(
            Distortion {
                rotate: 90.0,
                ..none()
            },
            28,
        )
        .unwrap();
        let src = bar();
        // Some image's θ is close to ±90°: its bar lies across; θ near 0 keeps it upright.
        let turned = (0..200).any(|i| {
            let mut dst = vec![0u8; 784];
            d.distort(&src, &mut dst, 0, 1, i);
            // Ink across row 13 outside the bar's columns, none at its old top.
            let across = (0..28).filter(|&x| dst[13 * 28 + x] > 128).count();
            across >= 18 && dst[5 * 28 + 13] < 64
        });
        assert!(turned);
    }

    #[test]
    fn the_same_place_gives_the_same_distortion_and_others_differ() {
        let mut d = Distorter::new(Distortion::default(), 28).unwrap();
        let src = bar();
        let run = |d: &mut Distorter, epoch, index| {
            let mut dst = vec![0u8; 784];
            d.distort(&src, &mut dst, 7, epoch, index);
            dst
        };
        let first = run(&mut d, 3, 41);
        let _ = run(&mut d, 9, 2);
        assert_eq!(first, run(&mut d, 3, 41), "(seed, epoch, index) alone decide");
        assert_ne!(first, run(&mut d, 4, 41), "another epoch");
        assert_ne!(first, run(&mut d, 3, 42), "another image");
        assert_ne!(first, src);
        // Ink is kept roughly: the bar's 80 pixels of 255 become about as much ink.
        let ink = |img: &[u8]| img.iter().map(|&v| f64::from(v)).sum::<f64>() / 255.0;
        assert!((40.0..160.0).contains(&ink(&first)), "{}", ink(&first));
    }

    #[test]
    fn the_blur_keeps_a_constant_field_inside_and_sums_to_one() {
        let k = gaussian(2.0);
        assert_eq!(k.len(), 13);
        assert!((k.iter().sum::<f32>() - 1.0).abs() < 1e-6);
        let mut d = Distorter::new(Distortion { sigma: 2.0, ..none() }, 28).unwrap();
        let w = d.stride;
        let mut u = vec![0.0f32; 28 * w];
        u.chunks_exact_mut(w).for_each(|r| r[..28].fill(1.0));
        smooth(&mut u, &mut d.between, &d.blur, 28, w);
        // Six pixels from every border the whole kernel lies inside: the field stays 1.
        assert!((u[14 * w + 14] - 1.0).abs() < 1e-5);
        // At a corner about half the kernel is outside in each direction: about 1/4 remains.
        assert!(u[0] > 0.2 && u[0] < 0.4, "{}", u[0]);
        // The padding beyond the image stays empty.
        assert_eq!(u[14 * w + 28], 0.0);
        // The vector build and the plain loops give the same bits.
        let mut noise = vec![0.0f32; 28 * w];
        Draws::new(1, 2, 3).fill_symmetric(&mut noise);
        noise.chunks_exact_mut(w).for_each(|r| r[28..].fill(0.0));
        let (mut a, mut b) = (noise.clone(), noise);
        smooth(&mut a, &mut d.between, &d.blur, 28, w);
        smooth_body(&mut b, &mut d.between, &d.blur, 28, w);
        assert_eq!(a, b);
    }

    #[test]
    fn ranges_out_of_bounds_are_errors() {
        for bad in [
            Distortion {
                rotate: -1.0,
                ..none()
            },
            Distortion { scale: 1.0, ..none() },
            Distortion {
                sigma: f64::NAN,
                ..none()
            },
        ] {
            assert!(Distorter::new(bad, 28).is_err(), "{bad:?}");
        }
    }

    /// MNIST-like 28×28 images: the bar, a ring, a diagonal stroke with a soft edge, and
    /// speckle (every pixel its own value).
    fn images() -> Vec<Vec<u8>> {
        let ring = (0..784)
            .map(|i| {
                let (x, y) = ((i % 28) as f64 - 13.5, (i / 28) as f64 - 13.5);
                let r = (x * x + y * y).sqrt();
                (255.0 * (1.0 - (r - 8.0).abs() / 3.0).clamp(0.0, 1.0)) as u8
            })
            .collect();
        let stroke = (0..784i32)
            .map(|i| {
                let (x, y) = (i % 28, i / 28);
                (255 - 60 * (x - y).abs()).clamp(0, 255) as u8
            })
            .collect();
        let mut draws = Draws::new(5, 0, 0);
        let speckle = (0..784).map(|_| (draws.next() >> 56) as u8).collect();
        vec![bar(), ring, stroke, speckle]
    }

    #[test]
    fn values_are_distorted_as_bytes_are_before_rounding() {
        let mut d = Distorter::new(
            Distortion {
                shift: 2.0,
                shear: 0.3,
                ..Distortion::default()
            },
            28,
        )
        .unwrap();
        for (k, img) in images().iter().enumerate() {
            let values: Vec<f32> = img.iter().map(|&v| f32::from(v) / 255.0).collect();
            for (epoch, index) in [(1, k), (2, 40 + k), (7, 1000 + k)] {
                let (mut bytes, mut out) = (vec![0u8; 784], vec![0.0f32; 784]);
                d.distort(img, &mut bytes, 3, epoch, index);
                d.distort_values(&values, &mut out, 3, epoch, index);
                for (&b, &v) in bytes.iter().zip(&out) {
                    let gap = (f32::from(b) / 255.0 - v).abs();
                    assert!(gap <= 0.5 / 255.0 + 1e-6, "image {k}: {b} vs {v}");
                }
                assert_ne!(bytes, *img, "image {k} was distorted");
            }
        }
    }

    #[test]
    fn standardised_values_are_distorted_in_raw_units() {
        let imgs = images();
        let mut raw = Array2::<f32>::zeros((imgs.len() * 3, 784));
        // Each image at three intensities, so every pixel has a scale of its own.
        for (r, mut row) in raw.rows_mut().into_iter().enumerate() {
            let gain = [1.0, 0.5, 0.2][r % 3] / 255.0;
            row.iter_mut()
                .zip(&imgs[r / 3])
                .for_each(|(o, &v)| *o = f32::from(v) * gain);
        }
        let st = Standardizer::fit(raw.view()).unwrap();
        let set = |x: Array2<f32>| Dataset {
            features: Features::Values(x),
            labels: vec![0; imgs.len() * 3],
            n_classes: 1,
            targets: super::super::Targets::Classes,
            weights: None,
        };
        let plain_set = set(raw.clone());
        let standardised = set(st.transform(raw.view()).unwrap());
        let plain = Distorter::for_images(Distortion::default(), &plain_set).unwrap();
        let mut with = plain.clone().with_standardizer(st.clone()).unwrap();
        for epoch in [1, 2] {
            let Features::Values(expected) = plain.clone().distorted_set(&plain_set, 9, epoch).features
            else {
                unreachable!()
            };
            let expected = st.transform(expected.view()).unwrap();
            let Features::Values(got) = with.distorted_set(&standardised, 9, epoch).features else {
                unreachable!()
            };
            let worst = got
                .iter()
                .zip(&expected)
                .map(|(a, b)| (a - b).abs())
                .fold(0.0f32, f32::max);
            assert!(worst < 1e-4, "epoch {epoch}: {worst}");
            assert_ne!(Features::Values(got), standardised.features, "distorted");
        }
        assert!(
            plain
                .with_standardizer(Standardizer::fit(raw.slice(ndarray::s![.., ..9]).view()).unwrap())
                .is_err()
        );
    }

    #[test]
    fn only_square_images_are_distorted() {
        let set = |d: usize| Dataset {
            features: Features::Values(Array2::zeros((2, d))),
            labels: vec![0, 0],
            n_classes: 1,
            targets: super::super::Targets::Classes,
            weights: None,
        };
        assert!(Distorter::for_images(Distortion::default(), &set(64)).is_ok());
        let e = Distorter::for_images(Distortion::default(), &set(63))
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("63 numeric features") && e.contains("side × side"),
            "{e}"
        );
    }
}
