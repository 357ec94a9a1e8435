//! Hand-written float32 matrix products for the small shapes of mini-batch training (e.g.
//! 10×784 · 784×30), where the general GEMM crate spends more time packing and dispatching
//! than multiplying. AVX-512 ([`avx512`]) and AVX2 + FMA ([`avx2`]), which sum in the same
//! order and give the same bits; [`try_gemm`] declines (and the caller uses the crate) on the
//! gemm-only path ([`Kernel::Gemm`]: other processors, or `MLP_KERNEL=gemm`) and for large
//! products ([`max_macs`]); the AVX-512 ones take medium products too, on two cores.
//!
//! Two forms, after the layout of the operands (all row-major, `C` with unit column stride):
//! - `nt`: `C = β·C + α·A·Bᵀ` with the rows of `A` and `B` both contiguous: every `C[i][j]`
//!   is a dot product of two rows (feedforward: `A = Z_prev · Wᵀ`).
//! - `nn`: `C = β·C + α·A·B` with the rows of `B` contiguous: every row of `C` is a weighted
//!   sum of rows of `B` (weight gradients `Δᵀ·Z_prev`, deltas `Δ·W`). `A` may have any strides.

#[cfg(target_arch = "x86_64")]
mod avx2;
#[cfg(target_arch = "x86_64")]
mod avx512;

use super::cpu::{Kernel, kernel, threads};
use super::sink::RowSink;
use ndarray::{ArrayView2, ArrayViewMut2, Axis};

/// Products of at most this many multiply-adds take one core: a second thread costs more in
/// hand-over than it saves. Every path's kernels take them, and the AVX-512 and AVX2 kernels
/// give the same bits for them.
pub const MAX_MACS: usize = 1 << 21;

/// The AVX-512 kernels also take products up to this size, split between two cores: measured
/// (`cargo run --release --example gemm_shapes`, a 2-core Zen 5) at 184–262 GFLOP/s on one
/// core for the shapes of 784-100-10 and 784-800-800-10 mini-batches of 128, where the `gemm`
/// crate reaches 112–134 with its AVX2 micro-kernels, and 320–450 on two cores against its
/// 120–250. (Its AVX-512 ones need its `x86-v4` feature, left off: the crate would choose them
/// by itself, whatever `MLP_KERNEL` says.) The AVX2 kernels stop at [`MAX_MACS`]: at these
/// sizes they reach only 55–70 GFLOP/s a core, half the crate's, so that path leaves them to
/// the crate (which sums in another order: the two paths' bits differ for such products).
/// Beyond it (4096³) the crate's packing of panels into the caches pays off.
pub const AVX512_MAX_MACS: usize = 1 << 30;

/// True when the kernel path ([`kernel`]) has small kernels (AVX-512 or AVX2).
pub fn available() -> bool {
    kernel() != Kernel::Gemm
}

/// The largest product (in multiply-adds) that `path`'s kernels take.
pub fn max_macs(path: Kernel) -> usize {
    match path {
        Kernel::Avx512 => AVX512_MAX_MACS,
        Kernel::Avx2 => MAX_MACS,
        Kernel::Gemm => 0,
    }
}

/// Computes `C ← β·C + α·A·B` if a kernel of the path ([`kernel`]) fits the shapes and
/// layouts, and tells whether every value it wrote is finite (checked in registers, before
/// the store); returns `None` (having done nothing) otherwise.
pub fn try_gemm(
    alpha: f32,
    a: ArrayView2<f32>,
    b: ArrayView2<f32>,
    beta: f32,
    c: &mut ArrayViewMut2<f32>,
) -> Option<bool> {
    try_gemm_on(kernel(), alpha, a, b, beta, c)
}

/// [`try_gemm`] on the path `path` (`None` for [`Kernel::Gemm`]), to compare paths in one
/// process. A product of more than [`MAX_MACS`] is split in two halves of `C` computed on two
/// threads (when [`threads`] allows two): every value of `C` is one kernel's sum over the
/// same `k` in the same order wherever the cut falls, so the bits do not depend on the split.
///
/// # Panics
/// If the processor cannot run `path`.
pub fn try_gemm_on(
    path: Kernel,
    alpha: f32,
    a: ArrayView2<f32>,
    b: ArrayView2<f32>,
    beta: f32,
    c: &mut ArrayViewMut2<f32>,
) -> Option<bool> {
    let (m, k) = a.dim();
    let n = b.ncols();
    if path == Kernel::Gemm || m * n * k > max_macs(path) {
        return None;
    }
    assert!(
        path.available(),
        "kernel path {} is not available here",
        path.name()
    );
    let form = Form::of(a, b, c)?;
    if !on_two_cores(m, n, k) {
        return Some(form.run(path, alpha, a, b, beta, c));
    }
    // Halve the larger input: the rows of `A` (and `C`), or the columns of `B` (and `C`),
    // cut at a multiple of 16 so that every vector of a row of `C` stays whole.
    let finite = if m * k >= k * n || n < 32 {
        let (a0, a1) = a.split_at(Axis(0), m / 2);
        let (mut c0, mut c1) = c.view_mut().split_at(Axis(0), m / 2);
        let (f0, f1) = rayon::join(
            || form.run(path, alpha, a0, b, beta, &mut c0),
            || form.run(path, alpha, a1, b, beta, &mut c1),
        );
        f0 && f1
    } else {
        let cut = n / 2 / 16 * 16;
        let (b0, b1) = b.split_at(Axis(1), cut);
        let (mut c0, mut c1) = c.view_mut().split_at(Axis(1), cut);
        let (f0, f1) = rayon::join(
            || form.run(path, alpha, a, b0, beta, &mut c0),
            || form.run(path, alpha, a, b1, beta, &mut c1),
        );
        f0 && f1
    };
    Some(finite)
}

/// Whether an `m×k · k×n` product is halved between two threads: beyond [`MAX_MACS`], when
/// [`threads`] allows two.
fn on_two_cores(m: usize, n: usize, k: usize) -> bool {
    m * n * k > MAX_MACS && threads() >= 2
}

/// `α·A·B` in strips of rows, each strip computed into a buffer that stays in the level-2
/// cache and handed to `sink` row by row ([`super::gemm_then`]), on `path`'s kernels (the
/// `nn` form: `B`'s rows contiguous); halved between two threads as [`try_gemm_on`] halves a
/// product. `None` (having done nothing) where the kernels do not take the product, or it is
/// small enough to store ([`FUSE_MIN_BYTES`]).
pub fn try_gemm_then<S: RowSink<f32>>(
    path: Kernel,
    alpha: f32,
    a: ArrayView2<f32>,
    b: ArrayView2<f32>,
    sink: S,
) -> Option<bool> {
    let (m, k) = a.dim();
    let n = b.ncols();
    let declined = path == Kernel::Gemm || m * n * k > max_macs(path) || m * n * 4 < FUSE_MIN_BYTES;
    if declined || !matches!(Form::of_inputs(a, b), Some(Form::Nn)) {
        return None;
    }
    assert!(
        path.available(),
        "kernel path {} is not available here",
        path.name()
    );
    if !on_two_cores(m, n, k) || m < 8 {
        return Some(strips(path, alpha, a, b, sink));
    }
    let half = m / 2;
    let (a0, a1) = a.split_at(Axis(0), half);
    let (s0, s1) = sink.split_at(half);
    let (f0, f1) = rayon::join(
        || strips(path, alpha, a0, b, s0),
        || strips(path, alpha, a1, b, s1),
    );
    Some(f0 && f1)
}

/// The smallest product [`try_gemm_then`] takes, in bytes: a smaller one, stored and read
/// again from the level-2 cache, costs less than the strips' calls. Measured (`scripts/bench.sh
/// --configs 5,6`, a 2-core Zen 5): Adam over the halves of 784-100-10's first layer (157 KB
/// each) 0.066–0.068 s per epoch stored, 0.068–0.070 fused; Nesterov over 784-800-800-10's
/// layers (2.5 MB) 1.38–1.45 s stored, 1.17–1.24 fused.
const FUSE_MIN_BYTES: usize = 512 * 1024;

/// Bytes of a strip of [`try_gemm_then`]'s product: small enough for the level-2 cache
/// beside `B`, large enough that `B` is read few times.
const STRIP_BYTES: usize = 128 * 1024;

thread_local! {
    /// Each thread's strip buffer, kept between products (a fresh one of this size would be
    /// mapped, and its pages faulted in, on every call).
    static STRIP: std::cell::RefCell<Vec<f32>> = const { std::cell::RefCell::new(Vec::new()) };
}

fn strips<S: RowSink<f32>>(
    path: Kernel,
    alpha: f32,
    a: ArrayView2<f32>,
    b: ArrayView2<f32>,
    mut sink: S,
) -> bool {
    let (m, n) = (a.nrows(), b.ncols());
    if m == 0 || n == 0 {
        return true;
    }
    let rows = (STRIP_BYTES / (4 * n)).clamp(1, m);
    STRIP.with_borrow_mut(|buffer| {
        buffer.resize(rows * n, 0.0);
        let mut finite = true;
        let mut i0 = 0;
        while i0 < m {
            let r = rows.min(m - i0);
            let mut strip = ArrayViewMut2::from_shape((r, n), &mut buffer[..r * n]).expect("r × n values");
            // β = 0: the strip's old values are never read.
            Form::Nn.run(
                path,
                alpha,
                a.slice(ndarray::s![i0..i0 + r, ..]),
                b,
                0.0,
                &mut strip,
            );
            for (i, row) in buffer[..r * n].chunks_exact(n).enumerate() {
                finite &= sink.take_row(i0 + i, row);
            }
            i0 += r;
        }
        finite
    })
}

/// The two layouts the kernels take (see the module's notes); a part of `C` cut along either
/// axis keeps its form.
#[derive(Clone, Copy)]
enum Form {
    /// The rows of `B` are contiguous.
    Nn,
    /// `B` is the transpose of a row-major matrix, and the rows of `A` are contiguous.
    Nt,
}

impl Form {
    fn of(a: ArrayView2<f32>, b: ArrayView2<f32>, c: &ArrayViewMut2<f32>) -> Option<Form> {
        let sc = c.strides();
        if sc[1] != 1 || sc[0] < 0 {
            return None;
        }
        Form::of_inputs(a, b)
    }

    /// The form of `A·B` from the inputs alone (the output is the caller's own buffer).
    fn of_inputs(a: ArrayView2<f32>, b: ArrayView2<f32>) -> Option<Form> {
        if !cfg!(target_arch = "x86_64") {
            return None;
        }
        let (sa, sb) = (a.strides(), b.strides());
        if sa.iter().chain(sb).any(|&s| s < 0) {
            return None;
        }
        if sb[1] == 1 {
            Some(Form::Nn)
        } else if sb[0] == 1 && sa[1] == 1 {
            Some(Form::Nt)
        } else {
            None
        }
    }

    /// The product on one thread, by `path`'s kernel of this form.
    fn run(
        self,
        path: Kernel,
        alpha: f32,
        a: ArrayView2<f32>,
        b: ArrayView2<f32>,
        beta: f32,
        c: &mut ArrayViewMut2<f32>,
    ) -> bool {
        let (m, k) = a.dim();
        let n = b.ncols();
        if m == 0 || n == 0 {
            return true;
        }
        #[cfg(target_arch = "x86_64")]
        {
            let (sa, sb, ldc) = (a.strides(), b.strides(), c.strides()[0] as usize);
            let sa = [sa[0] as usize, sa[1] as usize];
            let avx512 = path == Kernel::Avx512;
            let (a, b, c) = (a.as_ptr(), b.as_ptr(), c.as_mut_ptr());
            // SAFETY: the pointers and (non-negative, checked by `Form::of`) strides describe
            // live views of the checked shapes; `c` is borrowed mutably so it overlaps neither
            // input; the path's features (AVX-512F and DQ, or AVX2 and FMA) were checked by the
            // caller (`Kernel::available`).
            unsafe {
                match self {
                    Form::Nn => {
                        let ldb = sb[0] as usize;
                        if avx512 {
                            avx512::nn(m, n, k, alpha, a, sa, b, ldb, beta, c, ldc)
                        } else {
                            avx2::nn(m, n, k, alpha, a, sa, b, ldb, beta, c, ldc)
                        }
                    }
                    Form::Nt => {
                        // B is the transpose of an n×k row-major matrix with row stride sb[1].
                        let ldb = sb[1] as usize;
                        if avx512 {
                            avx512::nt(m, n, k, alpha, a, sa[0], b, ldb, beta, c, ldc)
                        } else {
                            avx2::nt(m, n, k, alpha, a, sa[0], b, ldb, beta, c, ldc)
                        }
                    }
                }
            }
        }
        #[cfg(not(target_arch = "x86_64"))]
        {
            let _ = (self, path, alpha, a, b, beta, c, m, k, n);
            unreachable!("no kernel form off x86_64")
        }
    }
}

#[cfg(test)]
mod tests;
