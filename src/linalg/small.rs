//! Hand-written float32 matrix products for the small shapes of mini-batch training (e.g.
//! 10×784 · 784×30), where the general GEMM crate spends more time packing and dispatching
//! than multiplying. AVX-512 only; [`try_gemm`] declines (and the caller uses the crate) on
//! other processors and for large products.
//!
//! Two forms, after the layout of the operands (all row-major, `C` with unit column stride):
//! - `nt`: `C = β·C + α·A·Bᵀ` with the rows of `A` and `B` both contiguous: every `C[i][j]`
//!   is a dot product of two rows (feedforward: `A = Z_prev · Wᵀ`).
//! - `nn`: `C = β·C + α·A·B` with the rows of `B` contiguous: every row of `C` is a weighted
//!   sum of rows of `B` (weight gradients `Δᵀ·Z_prev`, deltas `Δ·W`). `A` may have any strides.

use ndarray::{ArrayView2, ArrayViewMut2};

/// Products with more multiply-adds than this go to the GEMM crate (packing pays off there,
/// and it can use both cores).
pub const MAX_MACS: usize = 1 << 21;

/// True when the processor has what the kernels need (the AVX-512 of [`super::cpu::has_avx512`]).
pub fn available() -> bool {
    #[cfg(target_arch = "x86_64")]
    return super::cpu::has_avx512();
    #[cfg(not(target_arch = "x86_64"))]
    false
}

/// Computes `C ← β·C + α·A·B` if a kernel here fits the shapes and layouts and the processor
/// has AVX-512, and tells whether every value it wrote is finite (checked in registers, before
/// the store); returns `None` (having done nothing) otherwise.
pub fn try_gemm(
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
        if m * n * k > MAX_MACS || !available() {
            return None;
        }
        let (sa, sb, sc) = (a.strides(), b.strides(), c.strides());
        if sc[1] != 1 || sa.iter().chain(sb).chain(sc).any(|&s| s < 0) {
            return None;
        }
        let (sa, sb, ldc) = (
            [sa[0] as usize, sa[1] as usize],
            [sb[0] as usize, sb[1] as usize],
            sc[0] as usize,
        );
        // SAFETY: the pointers and strides describe live views of the checked shapes; `c` is
        // borrowed mutably so it overlaps neither input; AVX-512F and DQ were detected above.
        unsafe {
            if sb[1] == 1 {
                return Some(avx512::nn(
                    m,
                    n,
                    k,
                    alpha,
                    a.as_ptr(),
                    sa,
                    b.as_ptr(),
                    sb[0],
                    beta,
                    c.as_mut_ptr(),
                    ldc,
                ));
            }
            if sb[0] == 1 && sa[1] == 1 {
                // B is the transpose of an n×k row-major matrix with row stride sb[1].
                return Some(avx512::nt(
                    m,
                    n,
                    k,
                    alpha,
                    a.as_ptr(),
                    sa[0],
                    b.as_ptr(),
                    sb[1],
                    beta,
                    c.as_mut_ptr(),
                    ldc,
                ));
            }
        }
    }
    let _ = (alpha, a, b, beta, c);
    None
}

#[cfg(target_arch = "x86_64")]
mod avx512 {
    use std::arch::x86_64::*;

    /// Calls `$tile::<MR, NR>(…)` for a tile shape `(MR, NR)` of at most 4 × 4: each shape is
    /// compiled on its own, so that its accumulators stay in registers.
    macro_rules! by_shape {
        ($shape:expr, $tile:ident($($arg:expr),*)) => {
            match $shape {
                (1, 1) => $tile::<1, 1>($($arg),*),
                (1, 2) => $tile::<1, 2>($($arg),*),
                (1, 3) => $tile::<1, 3>($($arg),*),
                (1, 4) => $tile::<1, 4>($($arg),*),
                (2, 1) => $tile::<2, 1>($($arg),*),
                (2, 2) => $tile::<2, 2>($($arg),*),
                (2, 3) => $tile::<2, 3>($($arg),*),
                (2, 4) => $tile::<2, 4>($($arg),*),
                (3, 1) => $tile::<3, 1>($($arg),*),
                (3, 2) => $tile::<3, 2>($($arg),*),
                (3, 3) => $tile::<3, 3>($($arg),*),
                (3, 4) => $tile::<3, 4>($($arg),*),
                (4, 1) => $tile::<4, 1>($($arg),*),
                (4, 2) => $tile::<4, 2>($($arg),*),
                (4, 3) => $tile::<4, 3>($($arg),*),
                (4, 4) => $tile::<4, 4>($($arg),*),
                _ => unreachable!("tiles are at most 4 × 4"),
            }
        };
    }

    /// Lanes of a 512-bit register.
    const L: usize = 16;

    /// Where [`sum_lanes`] puts the sum of its `i`-th vector.
    pub(super) const SUM_LANE: [usize; 16] = [0, 4, 8, 12, 1, 5, 9, 13, 2, 6, 10, 14, 3, 7, 11, 15];

    /// The sums of the 16 lanes of each of 16 vectors, in one vector (the sum of `v[i]` in lane
    /// `SUM_LANE[i]`): 15 additions and 30 shuffles instead of 16 horizontal sums of 4 of each.
    /// Every sum pairs its lanes as `_mm512_reduce_add_ps` does (lanes `j` and `j + 8`, then
    /// `j + 4`, `j + 2`, `j + 1`), so the results are the same bit for bit (tested).
    #[target_feature(enable = "avx512f")]
    #[inline]
    pub(super) fn sum_lanes(v: [__m512; 16]) -> __m512 {
        // Two vectors at a time: their low halves side by side, plus their high halves.
        let halves: [__m512; 8] = std::array::from_fn(|i| {
            let (a, b) = (v[2 * i], v[2 * i + 1]);
            _mm512_add_ps(
                _mm512_shuffle_f32x4::<0b01_00_01_00>(a, b),
                _mm512_shuffle_f32x4::<0b11_10_11_10>(a, b),
            )
        });
        // Then quarters: each 128-bit lane holds 4 partial sums of one vector.
        let quarters: [__m512; 4] = std::array::from_fn(|i| {
            let (a, b) = (halves[2 * i], halves[2 * i + 1]);
            _mm512_add_ps(
                _mm512_shuffle_f32x4::<0b10_00_10_00>(a, b),
                _mm512_shuffle_f32x4::<0b11_01_11_01>(a, b),
            )
        });
        // Then within each 128-bit lane: elements j and j + 2, then j and j + 1.
        let pairs: [__m512; 2] = std::array::from_fn(|i| {
            let (a, b) = (quarters[2 * i], quarters[2 * i + 1]);
            _mm512_add_ps(
                _mm512_shuffle_ps::<0b01_00_01_00>(a, b),
                _mm512_shuffle_ps::<0b11_10_11_10>(a, b),
            )
        });
        _mm512_add_ps(
            _mm512_shuffle_ps::<0b10_00_10_00>(pairs[0], pairs[1]),
            _mm512_shuffle_ps::<0b11_01_11_01>(pairs[0], pairs[1]),
        )
    }

    /// The first `n` lanes (`n ≤ 16`).
    #[inline(always)]
    fn mask(n: usize) -> __mmask16 {
        if n >= L {
            0xffff
        } else {
            ((1u32 << n) - 1) as __mmask16
        }
    }

    /// `C[i][j] ← β·C[i][j] + α·Σ_p A[i][p]·B[j][p]`; `A`: m×k (row stride lda), `B`: n×k
    /// (row stride ldb), `C`: m×n (row stride ldc).
    #[target_feature(enable = "avx512f")]
    #[allow(clippy::too_many_arguments)]
    pub unsafe fn nt(
        m: usize,
        n: usize,
        k: usize,
        alpha: f32,
        a: *const f32,
        lda: usize,
        b: *const f32,
        ldb: usize,
        beta: f32,
        c: *mut f32,
        ldc: usize,
    ) -> bool {
        let mut finite = true;
        // Which 16-value blocks of each row of A hold a non-zero (most blocks of an MNIST digit
        // are blank paper); a tile skips the blocks that are zero in all its rows of A. Adding
        // exactly zero is what the skipped products would do, so no result changes.
        let blocks = k.div_ceil(L);
        let mut rows = [u64::MAX; MAX_ROWS];
        if blocks <= 64 && m <= MAX_ROWS {
            for (i, bits) in rows.iter_mut().enumerate().take(m) {
                *bits = 0;
                for q in 0..blocks {
                    let zero = unsafe { block_is_zero(a.add(i * lda + q * L), mask(k - q * L)) };
                    *bits |= (!zero as u64) << q;
                }
            }
        }
        // Tiles of up to 4 rows of A × 4 rows of B: 16 accumulators + 4 + 1 registers of 32
        // (5×4 tiles made LLVM spill accumulators to the stack).
        let mut i = 0;
        while i < m {
            let mr = (m - i).min(4);
            // Beyond 64 blocks the masks are all ones and cover only the first 64: walk all.
            let all = if blocks >= 64 {
                u64::MAX
            } else {
                (1u64 << blocks) - 1
            };
            let bits = if blocks <= 64 && m <= MAX_ROWS {
                rows[i..i + mr].iter().fold(0, |acc, b| acc | b)
            } else {
                all
            };
            let mut j = 0;
            while j < n {
                let nr = (n - j).min(4);
                let (ap, bp, cp) = unsafe { (a.add(i * lda), b.add(j * ldb), c.add(i * ldc + j)) };
                finite &=
                    unsafe { by_shape!((mr, nr), nt_tile(bits, k, alpha, ap, lda, bp, ldb, beta, cp, ldc)) };
                j += nr;
            }
            i += mr;
        }
        finite
    }

    #[target_feature(enable = "avx512f")]
    #[allow(clippy::too_many_arguments)]
    #[inline(never)] // its own function: a clean register allocation for the accumulators
    unsafe fn nt_tile<const MR: usize, const NR: usize>(
        bits: u64,
        k: usize,
        alpha: f32,
        a: *const f32,
        lda: usize,
        b: *const f32,
        ldb: usize,
        beta: f32,
        c: *mut f32,
        ldc: usize,
    ) -> bool {
        // Index loops with constant bounds: LLVM unrolls them and keeps `acc` in registers
        // (iterator adaptors over the arrays made it spill them to the stack).
        let mut acc = [[_mm512_setzero_ps(); NR]; MR];
        // acc += A[:, p..p+16] ⊗ B[:, p..p+16], lane by lane.
        macro_rules! block {
            ($p:expr) => {{
                let p = $p;
                let mk = mask(k - p);
                let mut bv = [_mm512_setzero_ps(); NR];
                #[allow(clippy::needless_range_loop)]
                for jj in 0..NR {
                    bv[jj] = unsafe { _mm512_maskz_loadu_ps(mk, b.add(jj * ldb + p)) };
                }
                #[allow(clippy::needless_range_loop)]
                for ii in 0..MR {
                    let av = unsafe { _mm512_maskz_loadu_ps(mk, a.add(ii * lda + p)) };
                    for jj in 0..NR {
                        acc[ii][jj] = _mm512_fmadd_ps(av, bv[jj], acc[ii][jj]);
                    }
                }
            }};
        }
        // The first 64 blocks: those `bits` marks, in order; any further ones (k > 1024): all.
        let mut rest = bits;
        while rest != 0 {
            block!(rest.trailing_zeros() as usize * L);
            rest &= rest - 1;
        }
        let mut p = 64 * L;
        while p < k {
            block!(p);
            p += L;
        }
        // The dot products: each accumulator's 16 lanes summed, all of a tile's at once when
        // it has 8 or more.
        let mut dots = [0.0f32; 16];
        if MR * NR >= 8 {
            let mut all = [_mm512_setzero_ps(); 16];
            for ii in 0..MR {
                for jj in 0..NR {
                    all[ii * NR + jj] = acc[ii][jj];
                }
            }
            unsafe { _mm512_storeu_ps(dots.as_mut_ptr(), sum_lanes(all)) };
            dots = std::array::from_fn(|i| dots[SUM_LANE[i]]);
        } else {
            for ii in 0..MR {
                for jj in 0..NR {
                    dots[ii * NR + jj] = _mm512_reduce_add_ps(acc[ii][jj]);
                }
            }
        }
        let mut finite = true;
        for ii in 0..MR {
            for jj in 0..NR {
                let dst = unsafe { c.add(ii * ldc + jj) };
                let dot = dots[ii * NR + jj];
                let value = if beta == 0.0 {
                    alpha * dot
                } else {
                    beta * unsafe { *dst } + alpha * dot
                };
                finite &= value.is_finite();
                unsafe { *dst = value };
            }
        }
        finite
    }

    /// Rows of `A` whose blocks [`nt`] maps (more rows: every block is walked).
    const MAX_ROWS: usize = 128;

    /// True when the 16 values at `p` (the first lanes of `mk`) are all ±0.
    #[target_feature(enable = "avx512f")]
    #[inline]
    unsafe fn block_is_zero(p: *const f32, mk: __mmask16) -> bool {
        let v = unsafe { _mm512_maskz_loadu_epi32(mk, p as *const i32) };
        _mm512_mask_test_epi32_mask(mk, v, _mm512_set1_epi32(0x7fff_ffff)) == 0
    }

    /// `C[i][:] ← β·C[i][:] + α·Σ_s A[i][s]·B[s][:]`; `A`: m×s with element strides `sa`,
    /// `B`: s×n (row stride ldb), `C`: m×n (row stride ldc).
    #[target_feature(enable = "avx512f,avx512dq")]
    #[allow(clippy::too_many_arguments)]
    pub unsafe fn nn(
        m: usize,
        n: usize,
        s: usize,
        alpha: f32,
        a: *const f32,
        sa: [usize; 2],
        b: *const f32,
        ldb: usize,
        beta: f32,
        c: *mut f32,
        ldc: usize,
    ) -> bool {
        // Tiles of up to 4 rows of C × 4 vectors of 16 columns: 16 accumulators.
        const COLS: usize = 4 * L;
        let mut finite = true;
        // α·A[i][p] for every row tile (4 rows, sample-major within it): each is then one
        // broadcast from memory, computed once for all the column tiles.
        // Left uninitialised (zeroing 16 KB on every call cost 3 % of training): every entry
        // a tile reads is written below.
        let row_tiles = m.div_ceil(4);
        let needed = 4 * s * row_tiles;
        let mut on_stack = [std::mem::MaybeUninit::<f32>::uninit(); 4096];
        let mut on_heap = Vec::new();
        let coef: *mut f32 = if needed <= on_stack.len() {
            on_stack.as_mut_ptr().cast()
        } else {
            on_heap.resize(needed, 0.0f32);
            on_heap.as_mut_ptr()
        };
        for i in 0..m {
            for p in 0..s {
                let at = (i / 4) * 4 * s + p * 4 + i % 4;
                unsafe { *coef.add(at) = alpha * *a.add(i * sa[0] + p * sa[1]) };
            }
        }
        // Column tiles outside, row tiles inside: the tile's columns of B (s × 64 values) stay
        // in the level-1 cache for every row tile, instead of all of B passing through it once
        // per row tile.
        let mut j = 0;
        while j < n {
            let nc = (n - j).min(COLS);
            let mut i = 0;
            while i < m {
                let mr = (m - i).min(4);
                let (kp, bp, cp) = (
                    unsafe { coef.add((i / 4) * 4 * s).cast_const() },
                    unsafe { b.add(j) },
                    unsafe { c.add(i * ldc + j) },
                );
                finite &=
                    unsafe { by_shape!((mr, nc.div_ceil(L)), nn_tile(s, nc, kp, bp, ldb, beta, cp, ldc)) };
                i += mr;
            }
            j += nc;
        }
        finite
    }

    #[target_feature(enable = "avx512f,avx512dq")]
    #[allow(clippy::too_many_arguments)]
    #[inline(never)] // its own function: a clean register allocation for the accumulators
    unsafe fn nn_tile<const MR: usize, const NV: usize>(
        s: usize,
        nc: usize,
        coef: *const f32,
        b: *const f32,
        ldb: usize,
        beta: f32,
        c: *mut f32,
        ldc: usize,
    ) -> bool {
        let mut masks = [0 as __mmask16; NV];
        for (v, m) in masks.iter_mut().enumerate() {
            *m = mask(nc - v * L);
        }
        let mut acc = [[_mm512_setzero_ps(); NV]; MR];
        if beta != 0.0 {
            let vb = _mm512_set1_ps(beta);
            for (ii, row) in acc.iter_mut().enumerate() {
                for (v, acc) in row.iter_mut().enumerate() {
                    let old = unsafe { _mm512_maskz_loadu_ps(masks[v], c.add(ii * ldc + v * L)) };
                    // β = 1 (SGD without weight decay): 1·x is x, so skip the multiply.
                    *acc = if beta == 1.0 { old } else { _mm512_mul_ps(vb, old) };
                }
            }
        }
        for p in 0..s {
            let mut bv = [_mm512_setzero_ps(); NV];
            #[allow(clippy::needless_range_loop)]
            for v in 0..NV {
                bv[v] = unsafe { _mm512_maskz_loadu_ps(masks[v], b.add(p * ldb + v * L)) };
            }
            #[allow(clippy::needless_range_loop)]
            for ii in 0..MR {
                let k = _mm512_set1_ps(unsafe { *coef.add(p * 4 + ii) });
                for v in 0..NV {
                    acc[ii][v] = _mm512_fmadd_ps(k, bv[v], acc[ii][v]);
                }
            }
        }
        // One classification per vector: the lanes that are NaN or ±∞ (lanes outside the
        // mask hold 0).
        const NOT_FINITE: i32 = 0x01 | 0x08 | 0x10 | 0x80; // QNaN, +∞, −∞, SNaN
        let mut bad: __mmask16 = 0;
        for (ii, row) in acc.iter().enumerate() {
            for (v, &x) in row.iter().enumerate() {
                bad |= _mm512_fpclass_ps_mask::<NOT_FINITE>(x);
                unsafe { _mm512_mask_storeu_ps(c.add(ii * ldc + v * L), masks[v], x) };
            }
        }
        bad == 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::Array2;

    fn naive(alpha: f32, a: ArrayView2<f32>, b: ArrayView2<f32>, beta: f32, c: &Array2<f32>) -> Array2<f64> {
        Array2::from_shape_fn(c.dim(), |(i, j)| {
            let dot: f64 = (0..a.ncols()).map(|p| a[[i, p]] as f64 * b[[p, j]] as f64).sum();
            beta as f64 * c[[i, j]] as f64 + alpha as f64 * dot
        })
    }

    fn close(got: &Array2<f32>, want: &Array2<f64>) {
        for (g, w) in got.iter().zip(want) {
            assert!((*g as f64 - w).abs() <= 1e-4 * (1.0 + w.abs()), "{g} vs {w}");
        }
    }

    fn filled(rows: usize, cols: usize, seed: usize) -> Array2<f32> {
        Array2::from_shape_fn((rows, cols), |(i, j)| {
            (((i * 31 + j * 17 + seed) % 23) as f32 - 11.0) / 7.0
        })
    }

    #[test]
    fn both_forms_match_a_naive_product_on_every_edge_shape() {
        if !cfg!(target_arch = "x86_64") || !std::arch::is_x86_feature_detected!("avx512f") {
            eprintln!("no AVX-512: the kernels are not used on this processor");
            return;
        }
        for (m, n, k) in [
            (1, 1, 1),
            (10, 30, 784),
            (10, 10, 30),
            (7, 13, 17),
            (5, 4, 16),
            (6, 5, 33),
            (3, 70, 5),
        ] {
            for (alpha, beta) in [(1.0, 0.0), (-0.3, 1.0), (2.0, 0.5)] {
                let a = filled(m, k, 1);
                // nt: B given as the transpose of an n×k matrix.
                let bt = filled(n, k, 2);
                let mut c = filled(m, n, 3);
                let want = naive(alpha, a.view(), bt.t(), beta, &c);
                assert_eq!(
                    try_gemm(alpha, a.view(), bt.t(), beta, &mut c.view_mut()),
                    Some(true)
                );
                close(&c, &want);
                // nn: B row-major k×n, A as a transposed view (strided).
                let b = filled(k, n, 4);
                let at = filled(k, m, 5);
                let mut c = filled(m, n, 6);
                let want = naive(alpha, at.t(), b.view(), beta, &c);
                assert_eq!(
                    try_gemm(alpha, at.t(), b.view(), beta, &mut c.view_mut()),
                    Some(true)
                );
                close(&c, &want);
            }
        }
        // beta = 0 never reads C: NaN there must not leak.
        let mut c = Array2::from_elem((3, 4), f32::NAN);
        assert_eq!(
            try_gemm(
                1.0,
                filled(3, 5, 0).view(),
                filled(5, 4, 1).view(),
                0.0,
                &mut c.view_mut()
            ),
            Some(true)
        );
        assert!(c.iter().all(|v| v.is_finite()));
        // A non-finite result is reported, in both forms.
        let mut w = filled(6, 20, 1);
        w[[4, 17]] = f32::INFINITY;
        assert_eq!(
            try_gemm(
                1.0,
                filled(6, 3, 2).view(),
                filled(3, 20, 3).view(),
                1.0,
                &mut w.view_mut()
            ),
            Some(false)
        );
        let mut x = filled(4, 9, 1);
        x[[2, 5]] = f32::NAN;
        let mut c = Array2::zeros((4, 7));
        assert_eq!(
            try_gemm(1.0, x.view(), filled(7, 9, 2).t(), 0.0, &mut c.view_mut()),
            Some(false)
        );
    }

    #[test]
    fn blocks_of_zeros_are_skipped_without_changing_the_product() {
        if !cfg!(target_arch = "x86_64") || !std::arch::is_x86_feature_detected!("avx512f") {
            return;
        }
        // Rows with whole blank blocks, like digits on paper; past 64 blocks (k > 1024) and
        // past 128 rows every block is walked.
        for (m, n, k) in [(10, 30, 784), (9, 5, 1100), (130, 3, 40), (4, 4, 16)] {
            let a = Array2::from_shape_fn((m, k), |(i, p)| {
                if (p / 16 + i) % 3 == 0 {
                    ((i + p) % 7) as f32 - 3.0
                } else {
                    0.0
                }
            });
            let bt = filled(n, k, 2);
            let mut c = filled(m, n, 3);
            let want = naive(0.5, a.view(), bt.t(), 1.0, &c);
            assert_eq!(
                try_gemm(0.5, a.view(), bt.t(), 1.0, &mut c.view_mut()),
                Some(true)
            );
            close(&c, &want);
            // The same values with the zeros made −0: the same blocks count as blank.
            let neg = a.mapv(|v| if v == 0.0 { -0.0 } else { v });
            let mut c2 = filled(m, n, 3);
            try_gemm(0.5, neg.view(), bt.t(), 1.0, &mut c2.view_mut());
            assert_eq!(c2, c);
        }
    }

    #[cfg(target_arch = "x86_64")]
    #[test]
    fn all_sums_at_once_equal_sixteen_horizontal_sums() {
        use std::arch::x86_64::*;
        if !available() {
            return;
        }
        // Mixed signs and magnitudes, so that any other order of additions rounds otherwise.
        let mut state = 0x9e37_79b9_u32;
        let mut next = move || {
            state ^= state << 13;
            state ^= state >> 17;
            state ^= state << 5;
            let mantissa = (state >> 8) as f32 / (1u32 << 24) as f32 - 0.5;
            mantissa * 10f32.powi((state % 9) as i32 - 4)
        };
        let mut differ = 0;
        for _ in 0..2000 {
            let lanes: Vec<[f32; 16]> = (0..16).map(|_| std::array::from_fn(|_| next())).collect();
            // SAFETY: AVX-512F was detected above; loads read 16 floats from 16-float arrays.
            let (all, one_by_one) = unsafe {
                let v: [__m512; 16] = std::array::from_fn(|i| _mm512_loadu_ps(lanes[i].as_ptr()));
                let mut out = [0.0f32; 16];
                _mm512_storeu_ps(out.as_mut_ptr(), avx512::sum_lanes(v));
                let one_by_one: Vec<f32> = v.iter().map(|&x| _mm512_reduce_add_ps(x)).collect();
                (out, one_by_one)
            };
            for (i, &want) in one_by_one.iter().enumerate() {
                assert_eq!(all[avx512::SUM_LANE[i]].to_bits(), want.to_bits(), "vector {i}");
                // How often a plain left-to-right sum differs: the check has teeth.
                differ += (lanes[i].iter().sum::<f32>() != want) as usize;
            }
        }
        assert!(differ > 1000, "only {differ} sums depend on the order");
    }

    #[test]
    fn declines_large_products() {
        let a = Array2::<f32>::zeros((256, 256));
        let mut c = Array2::<f32>::zeros((256, 256));
        assert_eq!(try_gemm(1.0, a.view(), a.view(), 0.0, &mut c.view_mut()), None);
    }
}
