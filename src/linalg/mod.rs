//! The matrix products and the number type. The only place that talks to the GEMM crate and
//! knows about memory layout, SIMD and threads.

mod cpu;
mod sink;
pub mod small;

use ndarray::{ArrayView2, ArrayViewMut2, ScalarOperand};
use std::fmt::{Debug, Display};
use std::iter::Sum;
use std::ops::{AddAssign, MulAssign, SubAssign};

/// The float types a network computes in: `f32` for training, `f64` for gradient checks.
pub trait Float:
    num_traits::Float
    + num_traits::FromPrimitive
    + ScalarOperand
    + AddAssign
    + SubAssign
    + MulAssign
    + Sum
    + Default
    + Debug
    + Display
    + Send
    + Sync
    + 'static
{
    /// The safetensors dtype name (`F32`, `F64`).
    const DTYPE: &'static str;
    fn from_f64_lossy(x: f64) -> Self;
    /// The byte's value (`b as Self`).
    fn from_byte(b: u8) -> Self;
    /// `e^x`, written so that loops over it vectorise (f32: a polynomial with ≤ 2 ulp of error;
    /// f64: the standard library's, for gradient checks).
    fn exp_vec(self) -> Self;
    fn write_le(self, out: &mut Vec<u8>);
    /// Reads one value from exactly `size_of::<Self>()` little-endian bytes.
    fn read_le(bytes: &[u8]) -> Self;
    /// `C ← β·C + α·A·B` by a hand-written kernel, if one fits, and whether every value written
    /// is finite; `None` if none did anything.
    fn small_gemm(
        _alpha: Self,
        _a: ArrayView2<Self>,
        _b: ArrayView2<Self>,
        _beta: Self,
        _c: &mut ArrayViewMut2<Self>,
    ) -> Option<bool> {
        None
    }
    /// True when [`Float::small_gemm`] has kernels for this processor.
    fn has_small_kernels() -> bool {
        false
    }
    /// `α·A·B` handed to `sink` row by row instead of stored, by a hand-written kernel if one
    /// fits ([`gemm_then`]); `None` (having done nothing) otherwise.
    fn small_gemm_then<S: RowSink<Self>>(
        _alpha: Self,
        _a: ArrayView2<Self>,
        _b: ArrayView2<Self>,
        _sink: S,
    ) -> Option<bool> {
        None
    }
}

/// `α·A·B` for `A: m×k`, `B: k×n` with contiguous rows, each row of the product handed to
/// `sink` once computed and never stored in full; whether every value the sink wrote is
/// finite, or `None` where no hand-written kernel fits (the caller then stores the product
/// and goes on from there). Every value is the one [`gemm`] with `β = 0` computes, bit for
/// bit, on one thread or two.
pub fn gemm_then<T: Float, S: RowSink<T>>(
    alpha: T,
    a: ArrayView2<T>,
    b: ArrayView2<T>,
    sink: S,
) -> Option<bool> {
    assert_eq!(a.ncols(), b.nrows(), "gemm_then: inner dimensions");
    T::small_gemm_then(alpha, a, b, sink)
}

impl Float for f32 {
    const DTYPE: &'static str = "F32";
    fn from_f64_lossy(x: f64) -> Self {
        x as f32
    }
    fn from_byte(b: u8) -> Self {
        b as f32
    }
    #[inline(always)]
    fn exp_vec(self) -> Self {
        exp_f32(self)
    }
    fn write_le(self, out: &mut Vec<u8>) {
        out.extend_from_slice(&self.to_le_bytes());
    }
    fn read_le(bytes: &[u8]) -> Self {
        f32::from_le_bytes(bytes.try_into().expect("4 bytes"))
    }
    fn small_gemm(
        alpha: f32,
        a: ArrayView2<f32>,
        b: ArrayView2<f32>,
        beta: f32,
        c: &mut ArrayViewMut2<f32>,
    ) -> Option<bool> {
        small::try_gemm(alpha, a, b, beta, c)
    }
    fn has_small_kernels() -> bool {
        small::available()
    }
    fn small_gemm_then<S: RowSink<f32>>(
        alpha: f32,
        a: ArrayView2<f32>,
        b: ArrayView2<f32>,
        sink: S,
    ) -> Option<bool> {
        small::try_gemm_then(kernel(), alpha, a, b, sink)
    }
}

impl Float for f64 {
    const DTYPE: &'static str = "F64";
    fn from_f64_lossy(x: f64) -> Self {
        x
    }
    fn from_byte(b: u8) -> Self {
        b as f64
    }
    #[inline(always)]
    fn exp_vec(self) -> Self {
        self.exp()
    }
    fn write_le(self, out: &mut Vec<u8>) {
        out.extend_from_slice(&self.to_le_bytes());
    }
    fn read_le(bytes: &[u8]) -> Self {
        f64::from_le_bytes(bytes.try_into().expect("8 bytes"))
    }
}

/// `e^x` in f32 without branches or calls, so that a loop of them compiles to vector code
/// (the standard library's `exp` is a call per element). Cephes' `expf`: `x = n·ln2 + r` with
/// `|r| ≤ ln2/2`, `e^r` by a degree-6 polynomial, `2^n` put straight into the exponent bits.
/// Inputs are clamped to [−87, 88], where `2^n` stays a normal float; NaN stays NaN.
#[inline(always)]
pub fn exp_f32(x: f32) -> f32 {
    const LOG2E: f32 = std::f32::consts::LOG2_E;
    // 1.5·2²³: adding and subtracting it rounds to the nearest integer.
    const ROUND: f32 = 12_582_912.0;
    // ln 2 split in two, so that n·LN2_HI is exact.
    const LN2_HI: f32 = 0.693_359_4;
    const LN2_LO: f32 = -2.121_944_4e-4;
    let x = x.clamp(-87.0, 88.0); // NaN stays NaN

    let shifted = x * LOG2E + ROUND;
    let n = shifted - ROUND;
    // n as an integer, read from the low bits of `shifted` (|n| ≤ 127 < 2²²): a float-to-int
    // `as` cast saturates and maps NaN to 0, which LLVM does one element at a time.
    let n_int = shifted.to_bits().wrapping_sub(ROUND.to_bits()) as i32;
    let r = x - n * LN2_HI - n * LN2_LO;
    let p = 1.987_569_1e-4;
    let p = p * r + 1.398_199_9e-3;
    let p = p * r + 8.333_452e-3;
    let p = p * r + 4.166_579_6e-2;
    let p = p * r + 1.666_666_5e-1;
    let p = p * r + 0.5;
    let e_r = p * r * r + r + 1.0;
    e_r * f32::from_bits((n_int.wrapping_add(127) << 23) as u32)
}

/// Defines a function whose body is compiled three times, for AVX-512, for AVX2 and for the
/// baseline, and runs the copy of the kernel path ([`kernel`]), so that its plain loops
/// (element-wise activations, byte conversions) vectorise 16 or 8 wide instead of SSE2's 4.
/// The arithmetic is the same in every copy: each lane computes the body's scalar formula, and
/// the compiler fuses no multiply-adds (Rust does not contract `a * b + c`), so results do not
/// depend on the path (tested: `linalg::tests::element_wise_passes_give_the_same_bits_on_every_path`).
/// The body is a named function because a closure handed to a `#[target_feature]` function
/// is not reliably inlined into it: the bias-and-activation pass stayed SSE that way.
macro_rules! simd_fn {
    ($(#[$attr:meta])* $vis:vis fn $name:ident<T: Float>($($arg:ident: $ty:ty),* $(,)?) $(-> $ret:ty)? $body:block) => {
        $(#[$attr])*
        $vis fn $name<T: $crate::linalg::Float>($($arg: $ty),*) $(-> $ret)? {
            #[inline(always)]
            fn body<T: $crate::linalg::Float>($($arg: $ty),*) $(-> $ret)? $body
            #[cfg(target_arch = "x86_64")]
            {
                #[target_feature(enable = "avx512f,avx512bw,avx512vl,avx512dq,avx2,fma")]
                unsafe fn wide<T: $crate::linalg::Float>($($arg: $ty),*) $(-> $ret)? {
                    body($($arg),*)
                }
                #[target_feature(enable = "avx2,fma")]
                unsafe fn avx2<T: $crate::linalg::Float>($($arg: $ty),*) $(-> $ret)? {
                    body($($arg),*)
                }
                match $crate::linalg::kernel() {
                    // SAFETY: a path is chosen only where the processor has its features
                    // (`Kernel::available`).
                    $crate::linalg::Kernel::Avx512 => return unsafe { wide($($arg),*) },
                    // SAFETY: as above.
                    $crate::linalg::Kernel::Avx2 => return unsafe { avx2($($arg),*) },
                    $crate::linalg::Kernel::Gemm => {}
                }
            }
            body($($arg),*)
        }
    };
}
pub(crate) use simd_fn;

pub use cpu::{KERNEL_ENV, Kernel, has_avx2_fma, has_avx512, kernel, threads, with_kernel, with_threads};
pub use sink::RowSink;

/// The kernel path this process runs ([`kernel`]), for a run's header and figures. A seed
/// gives the same model bit for bit on one path whatever the thread count, and the same on the
/// AVX-512 and AVX2 paths (the same summation order and fused multiply-adds); the gemm-only
/// path sums in another order, so its bits (and a run's later epochs) differ.
pub fn kernel_path() -> &'static str {
    kernel().describe()
}

/// Rows per chunk when many samples are fed forward on one thread: enough for the GEMM crate's
/// packing to pay off, few enough that a chunk's activations stay small.
pub const INFERENCE_ROWS: usize = 1000;

/// How to feed `n` samples forward through layers of at most `widest` weights: on how many
/// threads, in chunks of how many rows. Small networks run on two threads, each over half of
/// the samples in chunks the single-threaded small kernels take (89 rows for 784-30-10; each
/// output row is computed on its own, so the split changes no number); large ones on one
/// thread in chunks of [`INFERENCE_ROWS`], where the matrix product uses both cores itself.
pub fn inference_plan(widest: usize, n: usize) -> (usize, usize) {
    let small_rows = small::MAX_MACS / widest.max(1);
    if small_rows >= 16 && threads() >= 2 && n >= 16 * small_rows {
        (2, small_rows.min(256))
    } else {
        (1, INFERENCE_ROWS)
    }
}

/// `y[i] = f(x[i])` in blocks of 16, the last one through a padded copy, so that every element
/// goes through vector code (rows of 10 or 30 would otherwise leave most to a scalar tail).
#[inline(always)]
pub fn map16<T: Float>(x: &[T], y: &mut [T], f: impl Fn(T) -> T) {
    let full = x.len() / 16 * 16;
    for (x, y) in x[..full].iter().zip(&mut y[..full]) {
        *y = f(*x);
    }
    let tail = x.len() - full;
    if tail > 0 {
        y[full..].copy_from_slice(&padded16(&x[full..], &f)[..tail]);
    }
}

/// [`map16`] in place: `y[i] = f(y[i])`.
#[inline(always)]
pub fn map16_mut<T: Float>(y: &mut [T], f: impl Fn(T) -> T) {
    let full = y.len() / 16 * 16;
    for y in &mut y[..full] {
        *y = f(*y);
    }
    let tail = y.len() - full;
    if tail > 0 {
        let out = padded16(&y[full..], &f);
        y[full..].copy_from_slice(&out[..tail]);
    }
}

/// `f` of the (at most 16) values `tail`, zero-padded to a whole vector.
#[inline(always)]
fn padded16<T: Float>(tail: &[T], f: &impl Fn(T) -> T) -> [T; 16] {
    let mut buf = [T::zero(); 16];
    buf[..tail.len()].copy_from_slice(tail);
    for v in &mut buf {
        *v = f(*v);
    }
    buf
}

/// Products of at least this many multiply-adds use both cores; below it a second thread
/// costs more in synchronisation than it saves.
const PARALLEL_MIN_FLOPS: usize = 1 << 21;

/// `C ← β·C + α·A·B` for `A: m×k`, `B: k×n`, `C: m×n`, any strides (pass `x.t()` for a
/// transpose: it is a view, nothing is copied). With `beta == 0` the old `C` is not read.
pub fn gemm<T: Float>(alpha: T, a: ArrayView2<T>, b: ArrayView2<T>, beta: T, c: &mut ArrayViewMut2<T>) {
    product(alpha, a, b, beta, c);
}

/// [`gemm`], then whether every value of `C` is finite: checked inside the kernel, at no extra
/// pass over memory, where a hand-written kernel did the work. Training checks each weight
/// update this way, so that a diverging step is caught at once.
pub fn gemm_finite<T: Float>(
    alpha: T,
    a: ArrayView2<T>,
    b: ArrayView2<T>,
    beta: T,
    c: &mut ArrayViewMut2<T>,
) -> bool {
    match product(alpha, a, b, beta, c) {
        Some(finite) => finite,
        None => all_finite(c.view()),
    }
}

/// True when no value is NaN or infinite. `x − x` is 0 for finite `x` and NaN for NaN and
/// ±∞, and a NaN poisons a sum; 16 independent sums (no early exit) run as vector code.
pub fn all_finite<T: Float>(x: ArrayView2<T>) -> bool {
    match x.as_slice_memory_order() {
        Some(values) => all_finite_slice(values),
        None => x.iter().all(|v| v.is_finite()),
    }
}

simd_fn! {
    #[allow(clippy::eq_op)] // x − x is the test itself
    pub fn all_finite_slice<T: Float>(values: &[T]) -> bool {
        let mut lanes = [T::zero(); 16];
        let mut chunks = values.chunks_exact(16);
        for chunk in &mut chunks {
            for (lane, &v) in lanes.iter_mut().zip(chunk) {
                *lane += v - v;
            }
        }
        let tail = chunks.remainder().iter().fold(T::zero(), |acc, &v| acc + (v - v));
        lanes.iter().fold(tail, |acc, &l| acc + l) == T::zero()
    }
}

/// The product; `Some(finite)` if a hand-written kernel did it, `None` if the crate did.
fn product<T: Float>(
    alpha: T,
    a: ArrayView2<T>,
    b: ArrayView2<T>,
    beta: T,
    c: &mut ArrayViewMut2<T>,
) -> Option<bool> {
    let (m, k) = a.dim();
    let (k2, n) = b.dim();
    assert_eq!(k, k2, "gemm: inner dimensions");
    assert_eq!(c.dim(), (m, n), "gemm: output shape");
    if m == 0 || n == 0 {
        return Some(true);
    }
    if let Some(finite) = T::small_gemm(alpha, a, b, beta, c) {
        return Some(finite);
    }
    let parallelism = if m * n * k >= PARALLEL_MIN_FLOPS && threads() >= 2 {
        gemm::Parallelism::Rayon(threads())
    } else {
        gemm::Parallelism::None
    };
    let (cs, as_, bs) = (strides(c.view()), strides(a), strides(b));
    // SAFETY: the shapes are checked above, and the pointers and element strides come from
    // live ndarray views of exactly those shapes; `c` is borrowed mutably, so it aliases
    // neither `a` nor `b`.
    unsafe {
        // The crate computes dst := alpha·dst + beta·lhs·rhs; our β is its alpha.
        gemm::gemm(
            m,
            n,
            k,
            c.as_mut_ptr(),
            cs[1],
            cs[0],
            beta != T::zero(),
            a.as_ptr(),
            as_[1],
            as_[0],
            b.as_ptr(),
            bs[1],
            bs[0],
            beta,
            alpha,
            false,
            false,
            false,
            parallelism,
        );
    }
    None
}

/// Hints the processor to load `data` into its caches (no effect where unsupported).
pub fn prefetch<T>(data: &[T]) {
    #[cfg(target_arch = "x86_64")]
    {
        use std::arch::x86_64::{_MM_HINT_T1, _mm_prefetch};
        let bytes = std::mem::size_of_val(data);
        let base = data.as_ptr() as *const i8;
        for offset in (0..bytes).step_by(64) {
            // SAFETY: a prefetch never faults, and the address lies inside `data`.
            unsafe { _mm_prefetch(base.add(offset), _MM_HINT_T1) };
        }
    }
    #[cfg(not(target_arch = "x86_64"))]
    let _ = data;
}

fn strides<T>(x: ArrayView2<T>) -> [isize; 2] {
    let s = x.strides();
    [s[0], s[1]]
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::{Array2, array};

    fn naive(a: ArrayView2<f64>, b: ArrayView2<f64>) -> Array2<f64> {
        let mut c = Array2::zeros((a.nrows(), b.ncols()));
        for i in 0..a.nrows() {
            for j in 0..b.ncols() {
                c[[i, j]] = (0..a.ncols()).map(|p| a[[i, p]] * b[[p, j]]).sum();
            }
        }
        c
    }

    #[test]
    fn matches_naive_product_with_transposes_and_accumulation() {
        let a = array![[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]];
        let b = array![[1.0, -1.0], [0.5, 2.0], [3.0, 0.0]];
        let mut c = Array2::from_elem((2, 2), 7.0);
        gemm(2.0, a.view(), b.view(), 1.0, &mut c.view_mut());
        assert_eq!(c, naive(a.view(), b.view()) * 2.0 + 7.0);

        // Aᵀ·A through a transposed view.
        let mut d = Array2::from_elem((3, 3), f64::NAN);
        gemm(1.0, a.t(), a.view(), 0.0, &mut d.view_mut());
        assert_eq!(d, naive(a.t(), a.view()));
    }

    #[test]
    fn exp_f32_is_accurate_and_keeps_nan() {
        let mut worst = 0.0f64;
        let mut x = -87.0f32;
        while x <= 88.0 {
            let want = (x as f64).exp();
            worst = worst.max(((exp_f32(x) as f64 - want) / want).abs());
            x += 0.01;
        }
        assert!(worst < 3e-7, "max relative error {worst}");
        assert!(exp_f32(f32::NAN).is_nan());
        assert_eq!(exp_f32(-1000.0), exp_f32(-87.0));
        assert!(exp_f32(1000.0).is_finite());
        assert_eq!(exp_f32(0.0), 1.0);
    }

    #[test]
    fn large_products_use_threads_and_stay_exact_enough() {
        let a = Array2::from_shape_fn((64, 300), |(i, j)| ((i * 7 + j * 3) % 11) as f64 - 5.0);
        let b = Array2::from_shape_fn((300, 128), |(i, j)| ((i * 5 + j) % 13) as f64 - 6.0);
        let mut c = Array2::zeros((64, 128));
        gemm(1.0, a.view(), b.view(), 0.0, &mut c.view_mut());
        // Small integers: every partial sum is exact in f64.
        assert_eq!(c, naive(a.view(), b.view()));
    }

    #[test]
    fn one_thread_and_two_give_the_same_product() {
        // Sizes of the large benchmark network's layers, values whose sums round.
        let a = Array2::from_shape_fn((128, 800), |(i, j)| ((i * 31 + j * 17) % 101) as f32 / 37.0 - 1.3);
        let b = Array2::from_shape_fn((800, 800), |(i, j)| ((i * 13 + j * 7) % 89) as f32 / 29.0 - 1.5);
        let product = || {
            let mut c = Array2::zeros((128, 800));
            gemm(0.7, a.view(), b.t(), 0.0, &mut c.view_mut());
            c
        };
        let one = with_threads(1, product);
        let two = with_threads(2, product);
        assert_eq!(one, two);
    }

    #[test]
    fn element_wise_passes_give_the_same_bits_on_every_path() {
        use crate::data::{Dataset, Features, Targets};
        let paths: Vec<Kernel> = Kernel::ALL
            .into_iter()
            .filter(|k| {
                if !k.available() {
                    eprintln!("skipped: this processor lacks the {} path", k.name());
                }
                k.available()
            })
            .collect();
        // Rows of 30 (the lecture's hidden layer) and 13 (a ragged tail), values of every
        // magnitude: where the exponential clamps, near 0, and NaN and ±∞.
        let mut state = 0x1234_5678_u32;
        let mut next = move || {
            state ^= state << 13;
            state ^= state >> 17;
            state ^= state << 5;
            ((state >> 8) as f32 / (1u32 << 24) as f32 - 0.5) * 10f32.powi((state % 6) as i32 - 2)
        };
        for width in [30, 13] {
            let mut a: Vec<f32> = (0..10 * width).map(|_| next()).collect();
            a[3] = f32::NAN;
            a[width + 1] = f32::INFINITY;
            a[2 * width + 2] = f32::NEG_INFINITY;
            let biases: Vec<f32> = (0..width).map(|_| next()).collect();
            for act in crate::activation::ALL {
                let runs: Vec<Vec<u32>> = paths
                    .iter()
                    .map(|&k| {
                        with_kernel(k, || {
                            let (mut a, mut z) = (a.clone(), vec![0.0f32; a.len()]);
                            crate::network::add_bias_activate(act, &biases, &mut a, &mut z);
                            a.iter().chain(&z).map(|v| v.to_bits()).collect()
                        })
                    })
                    .collect();
                for (k, run) in paths.iter().zip(&runs) {
                    assert_eq!(
                        run,
                        &runs[0],
                        "{act:?}, rows of {width}: {} vs {}",
                        k.name(),
                        paths[0].name()
                    );
                }
            }
        }
        // Bytes to feature values, and the finiteness check.
        let pixels = Array2::from_shape_fn((7, 37), |(i, j)| ((i * 37 + j) * 97 % 256) as u8);
        let data = Dataset {
            features: Features::Pixels(pixels),
            labels: vec![0; 7],
            n_classes: 1,
            targets: Targets::Classes,
            weights: None,
        };
        let inputs: Vec<Vec<u32>> = paths
            .iter()
            .map(|&k| {
                with_kernel(k, || {
                    let mut x = Array2::<f32>::zeros((7, 37));
                    data.fill_inputs(&[6, 0, 3, 3, 1, 2, 5], x.view_mut());
                    x.iter().map(|v| v.to_bits()).collect()
                })
            })
            .collect();
        assert!(inputs.iter().all(|x| x == &inputs[0]));
        for k in &paths {
            let mut x = vec![1.5f32; 45];
            assert!(with_kernel(*k, || all_finite_slice(&x)));
            x[44] = f32::NAN;
            assert!(!with_kernel(*k, || all_finite_slice(&x)), "{}", k.name());
            x[44] = 0.0;
            x[17] = f32::NEG_INFINITY;
            assert!(!with_kernel(*k, || all_finite_slice(&x)), "{}", k.name());
        }
    }
}
