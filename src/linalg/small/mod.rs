//! Hand-written float32 matrix products for the small shapes of mini-batch training (e.g.
//! 10×784 · 784×30), where the general GEMM crate spends more time packing and dispatching
//! than multiplying. AVX-512 ([`avx512`]) and AVX2 + FMA ([`avx2`]), which sum in the same
//! order and give the same bits; [`try_gemm`] declines (and the caller uses the crate) on the
//! gemm-only path ([`Kernel::Gemm`]: other processors, or `MLP_KERNEL=gemm`) and for large
//! products.
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

use super::cpu::{Kernel, kernel};
use ndarray::{ArrayView2, ArrayViewMut2};

/// Products with more multiply-adds than this go to the GEMM crate (packing pays off there,
/// and it can use both cores).
pub const MAX_MACS: usize = 1 << 21;

/// True when the kernel path ([`kernel`]) has small kernels (AVX-512 or AVX2).
pub fn available() -> bool {
    kernel() != Kernel::Gemm
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
/// process.
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
    #[cfg(target_arch = "x86_64")]
    {
        let (m, k) = a.dim();
        let n = b.ncols();
        if m * n * k > MAX_MACS || path == Kernel::Gemm {
            return None;
        }
        assert!(
            path.available(),
            "kernel path {} is not available here",
            path.name()
        );
        let (sa, sb, sc) = (a.strides(), b.strides(), c.strides());
        if sc[1] != 1 || sa.iter().chain(sb).chain(sc).any(|&s| s < 0) {
            return None;
        }
        let (sa, sb, ldc) = (
            [sa[0] as usize, sa[1] as usize],
            [sb[0] as usize, sb[1] as usize],
            sc[0] as usize,
        );
        let avx512 = path == Kernel::Avx512;
        // SAFETY: the pointers and strides describe live views of the checked shapes; `c` is
        // borrowed mutably so it overlaps neither input; the path's features (AVX-512F and DQ,
        // or AVX2 and FMA) were checked above.
        unsafe {
            if sb[1] == 1 {
                let (a, b, c) = (a.as_ptr(), b.as_ptr(), c.as_mut_ptr());
                return Some(if avx512 {
                    avx512::nn(m, n, k, alpha, a, sa, b, sb[0], beta, c, ldc)
                } else {
                    avx2::nn(m, n, k, alpha, a, sa, b, sb[0], beta, c, ldc)
                });
            }
            if sb[0] == 1 && sa[1] == 1 {
                // B is the transpose of an n×k row-major matrix with row stride sb[1].
                let (a, b, c) = (a.as_ptr(), b.as_ptr(), c.as_mut_ptr());
                return Some(if avx512 {
                    avx512::nt(m, n, k, alpha, a, sa[0], b, sb[1], beta, c, ldc)
                } else {
                    avx2::nt(m, n, k, alpha, a, sa[0], b, sb[1], beta, c, ldc)
                });
            }
        }
    }
    let _ = (path, alpha, a, b, beta, c);
    None
}

#[cfg(test)]
mod tests;
