//! The AVX2 + FMA kernels, summing in the AVX-512 kernels' order so that both give the same
//! bits: every 16-lane accumulator of [`super::avx512`] is two 8-lane registers here (lanes
//! 0–7 and 8–15), each lane gets the same fused multiply-adds in the same order (the same
//! blocks of 16, the same blank blocks skipped), and a dot product's 16 lanes are summed with
//! `_mm512_reduce_add_ps`'s pairing (lanes `j` and `j + 8`, then `j + 4`, `j + 2`, `j + 1`).
//! In `nn` every column is its own sum over `p`, so any column tiling gives the same bits.
//! Tiles are smaller than AVX-512's, for 16 registers of 8 lanes instead of 32 of 16.

use std::arch::x86_64::*;

/// Lanes of a 256-bit register.
const L: usize = 8;
/// Lanes of the AVX-512 accumulator whose order is kept: a block of `k`.
const BLOCK: usize = 16;

/// Rows of `A` whose blocks [`nt`] maps (more rows: every block is walked), as in AVX-512.
const MAX_ROWS: usize = 128;

/// Lanes `0..n` of a mask for `_mm256_maskload_ps` (`n` may be ≤ 0 or ≥ 8).
#[target_feature(enable = "avx2")]
#[inline]
fn mask(n: isize) -> __m256i {
    let n = n.clamp(0, L as isize) as i32;
    _mm256_cmpgt_epi32(_mm256_set1_epi32(n), _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7))
}

/// The 16 values at `p` (the first `n` of them; the rest read as 0) as two registers.
#[target_feature(enable = "avx2")]
#[inline]
unsafe fn load16(p: *const f32, n: usize) -> (__m256, __m256) {
    // SAFETY (both branches): the caller guarantees `n` readable values at `p`; masked-off
    // lanes are not read.
    unsafe {
        if n >= BLOCK {
            (_mm256_loadu_ps(p), _mm256_loadu_ps(p.add(L)))
        } else {
            (
                _mm256_maskload_ps(p, mask(n as isize)),
                _mm256_maskload_ps(p.add(L), mask(n as isize - L as isize)),
            )
        }
    }
}

/// The sum of the 16 lanes `lo ‖ hi`, paired as `_mm512_reduce_add_ps` pairs them
/// (`j + 8`, then `j + 4`, `j + 2`, `j + 1`), so the result is the same bit for bit (tested).
#[target_feature(enable = "avx2")]
#[inline]
pub(super) fn reduce16(lo: __m256, hi: __m256) -> f32 {
    let s = _mm256_add_ps(lo, hi);
    let q = _mm_add_ps(_mm256_castps256_ps128(s), _mm256_extractf128_ps::<1>(s));
    let q = _mm_add_ps(q, _mm_movehl_ps(q, q));
    _mm_cvtss_f32(_mm_add_ss(q, _mm_movehdup_ps(q)))
}

/// True when the 16 values at `p` (the first `n`) are all ±0.
#[target_feature(enable = "avx2")]
#[inline]
unsafe fn block_is_zero(p: *const f32, n: usize) -> bool {
    // SAFETY: `n` values are readable at `p` (the caller's guarantee).
    let (lo, hi) = unsafe { load16(p, n) };
    let magnitude = _mm256_castsi256_ps(_mm256_set1_epi32(0x7fff_ffff));
    let any = _mm256_or_ps(_mm256_and_ps(lo, magnitude), _mm256_and_ps(hi, magnitude));
    _mm256_testz_si256(_mm256_castps_si256(any), _mm256_castps_si256(any)) == 1
}

/// `C[i][j] ← β·C[i][j] + α·Σ_p A[i][p]·B[j][p]`; `A`: m×k (row stride lda), `B`: n×k
/// (row stride ldb), `C`: m×n (row stride ldc). The same sums as [`super::avx512::nt`].
///
/// # Safety
/// AVX2 and FMA present; the pointers and strides describe valid matrices of these shapes,
/// `C` overlapping neither input.
#[target_feature(enable = "avx2,fma")]
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
    // Which 16-value blocks of each row of A hold a non-zero, exactly as in AVX-512: a tile
    // skips the blocks that are zero in all its rows of A.
    let blocks = k.div_ceil(BLOCK);
    let mapped = blocks <= 64 && m <= MAX_ROWS;
    let mut rows = [u64::MAX; MAX_ROWS];
    if mapped {
        for (i, bits) in rows.iter_mut().enumerate().take(m) {
            *bits = 0;
            for q in 0..blocks {
                // SAFETY: block q of row i lies inside A; only its `k − 16q` values are read.
                let zero = unsafe { block_is_zero(a.add(i * lda + q * BLOCK), k - q * BLOCK) };
                *bits |= (!zero as u64) << q;
            }
        }
    }
    let all = if blocks >= 64 {
        u64::MAX
    } else {
        (1u64 << blocks) - 1
    };
    // Tiles of up to 2 rows of A × 3 rows of B: 12 accumulator registers, 3 of B, 1 of A.
    let mut i = 0;
    while i < m {
        let mr = (m - i).min(2);
        // The blocks of the AVX-512 tile these rows belong to (rows 4t..4t+4), so that each
        // row skips exactly the blocks it skips there: skipping is exact only for finite B.
        let group = (i / 4) * 4..((i / 4) * 4 + 4).min(m);
        let bits = if mapped {
            rows[group].iter().fold(0, |acc, b| acc | b)
        } else {
            all
        };
        let mut j = 0;
        while j < n {
            let nr = (n - j).min(3);
            // SAFETY: the tile's corners lie inside A, B and C.
            let (ap, bp, cp) = unsafe { (a.add(i * lda), b.add(j * ldb), c.add(i * ldc + j)) };
            // SAFETY: the tile's mr rows of A, nr rows of B and mr × nr values of C are valid.
            finite &= unsafe {
                match (mr, nr) {
                    (1, 1) => nt_tile::<1, 1>(bits, k, alpha, ap, lda, bp, ldb, beta, cp, ldc),
                    (1, 2) => nt_tile::<1, 2>(bits, k, alpha, ap, lda, bp, ldb, beta, cp, ldc),
                    (1, 3) => nt_tile::<1, 3>(bits, k, alpha, ap, lda, bp, ldb, beta, cp, ldc),
                    (2, 1) => nt_tile::<2, 1>(bits, k, alpha, ap, lda, bp, ldb, beta, cp, ldc),
                    (2, 2) => nt_tile::<2, 2>(bits, k, alpha, ap, lda, bp, ldb, beta, cp, ldc),
                    (2, 3) => nt_tile::<2, 3>(bits, k, alpha, ap, lda, bp, ldb, beta, cp, ldc),
                    _ => unreachable!("tiles are at most 2 × 3"),
                }
            };
            j += nr;
        }
        i += mr;
    }
    finite
}

#[target_feature(enable = "avx2,fma")]
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
    // Lanes 0–7 and 8–15 of each AVX-512 accumulator.
    let mut lo = [[_mm256_setzero_ps(); NR]; MR];
    let mut hi = [[_mm256_setzero_ps(); NR]; MR];
    // acc += A[:, p..p+16] ⊗ B[:, p..p+16], lane by lane: one FMA per lane, as AVX-512.
    macro_rules! block {
        ($p:expr) => {{
            let p = $p;
            let mut blo = [_mm256_setzero_ps(); NR];
            let mut bhi = [_mm256_setzero_ps(); NR];
            #[allow(clippy::needless_range_loop)]
            for jj in 0..NR {
                // SAFETY: row jj of B has k − p values from p on.
                (blo[jj], bhi[jj]) = unsafe { load16(b.add(jj * ldb + p), k - p) };
            }
            #[allow(clippy::needless_range_loop)]
            for ii in 0..MR {
                // SAFETY: row ii of A has k − p values from p on.
                let (alo, ahi) = unsafe { load16(a.add(ii * lda + p), k - p) };
                for jj in 0..NR {
                    lo[ii][jj] = _mm256_fmadd_ps(alo, blo[jj], lo[ii][jj]);
                    hi[ii][jj] = _mm256_fmadd_ps(ahi, bhi[jj], hi[ii][jj]);
                }
            }
        }};
    }
    // The first 64 blocks: those `bits` marks, in order; any further ones (k > 1024): all.
    let mut rest = bits;
    while rest != 0 {
        block!(rest.trailing_zeros() as usize * BLOCK);
        rest &= rest - 1;
    }
    let mut p = 64 * BLOCK;
    while p < k {
        block!(p);
        p += BLOCK;
    }
    let mut finite = true;
    for ii in 0..MR {
        for jj in 0..NR {
            let dot = reduce16(lo[ii][jj], hi[ii][jj]);
            // SAFETY: C[ii][jj] is inside the tile.
            let dst = unsafe { c.add(ii * ldc + jj) };
            let value = if beta == 0.0 {
                alpha * dot
            } else {
                // SAFETY: as above.
                beta * unsafe { *dst } + alpha * dot
            };
            finite &= value.is_finite();
            // SAFETY: as above.
            unsafe { *dst = value };
        }
    }
    finite
}

/// `C[i][:] ← β·C[i][:] + α·Σ_s A[i][s]·B[s][:]`; `A`: m×s with element strides `sa`,
/// `B`: s×n (row stride ldb), `C`: m×n (row stride ldc). The same sums as
/// [`super::avx512::nn`]: `β·C` (or `C` when `β = 1`), then one FMA per `s` in order.
///
/// # Safety
/// As [`nt`].
#[target_feature(enable = "avx2,fma")]
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
    // Tiles of up to 4 rows of C × 3 vectors of 8 columns: 12 accumulators, 3 of B, 1
    // broadcast.
    const COLS: usize = 3 * L;
    let mut finite = true;
    // α·A[i][p] for every row tile (4 rows, sample-major within it), as in AVX-512 (the
    // product α·a rounds the same here and there). Uninitialised: every entry read is written.
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
            // SAFETY: `at < needed`; A[i][p] is inside A.
            unsafe { *coef.add(at) = alpha * *a.add(i * sa[0] + p * sa[1]) };
        }
    }
    // Column tiles outside, row tiles inside: the tile's columns of B stay in the level-1
    // cache for every row tile.
    let mut j = 0;
    while j < n {
        let nc = (n - j).min(COLS);
        let mut i = 0;
        while i < m {
            let mr = (m - i).min(4);
            // SAFETY: the tile's corners lie inside the coefficients, B and C.
            let (kp, bp, cp) = unsafe {
                (
                    coef.add((i / 4) * 4 * s).cast_const(),
                    b.add(j),
                    c.add(i * ldc + j),
                )
            };
            // SAFETY: the tile's s × nc values of B and mr × nc of C are valid.
            finite &= unsafe {
                match (mr, nc.div_ceil(L)) {
                    (1, 1) => nn_tile::<1, 1>(s, nc, kp, bp, ldb, beta, cp, ldc),
                    (1, 2) => nn_tile::<1, 2>(s, nc, kp, bp, ldb, beta, cp, ldc),
                    (1, 3) => nn_tile::<1, 3>(s, nc, kp, bp, ldb, beta, cp, ldc),
                    (2, 1) => nn_tile::<2, 1>(s, nc, kp, bp, ldb, beta, cp, ldc),
                    (2, 2) => nn_tile::<2, 2>(s, nc, kp, bp, ldb, beta, cp, ldc),
                    (2, 3) => nn_tile::<2, 3>(s, nc, kp, bp, ldb, beta, cp, ldc),
                    (3, 1) => nn_tile::<3, 1>(s, nc, kp, bp, ldb, beta, cp, ldc),
                    (3, 2) => nn_tile::<3, 2>(s, nc, kp, bp, ldb, beta, cp, ldc),
                    (3, 3) => nn_tile::<3, 3>(s, nc, kp, bp, ldb, beta, cp, ldc),
                    (4, 1) => nn_tile::<4, 1>(s, nc, kp, bp, ldb, beta, cp, ldc),
                    (4, 2) => nn_tile::<4, 2>(s, nc, kp, bp, ldb, beta, cp, ldc),
                    (4, 3) => nn_tile::<4, 3>(s, nc, kp, bp, ldb, beta, cp, ldc),
                    _ => unreachable!("tiles are at most 4 × 3 vectors"),
                }
            };
            i += mr;
        }
        j += nc;
    }
    finite
}

#[target_feature(enable = "avx2,fma")]
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
    let masks: [__m256i; NV] = std::array::from_fn(|v| mask(nc as isize - (v * L) as isize));
    let full = nc == NV * L;
    // Vector v of a row of the tile at `p`: `nc` values there are valid, and masked-off
    // lanes are not read.
    macro_rules! load {
        ($p:expr, $v:expr) => {{
            let (p, v) = ($p, $v);
            // SAFETY: as above.
            unsafe {
                if full {
                    _mm256_loadu_ps(p)
                } else {
                    _mm256_maskload_ps(p, masks[v])
                }
            }
        }};
    }
    let mut acc = [[_mm256_setzero_ps(); NV]; MR];
    if beta != 0.0 {
        let vb = _mm256_set1_ps(beta);
        for (ii, row) in acc.iter_mut().enumerate() {
            for (v, acc) in row.iter_mut().enumerate() {
                // SAFETY: row ii of C's tile.
                let old = load!(unsafe { c.add(ii * ldc + v * L) }, v);
                // β = 1 (SGD without weight decay): 1·x is x, so skip the multiply.
                *acc = if beta == 1.0 { old } else { _mm256_mul_ps(vb, old) };
            }
        }
    }
    for p in 0..s {
        // SAFETY: row p of B's tile.
        let mut bv = [_mm256_setzero_ps(); NV];
        for (v, bv) in bv.iter_mut().enumerate() {
            *bv = load!(unsafe { b.add(p * ldb + v * L) }, v);
        }
        #[allow(clippy::needless_range_loop)]
        for ii in 0..MR {
            // SAFETY: entry (p, ii) of the tile's coefficients.
            let k = _mm256_set1_ps(unsafe { *coef.add(p * 4 + ii) });
            for v in 0..NV {
                acc[ii][v] = _mm256_fmadd_ps(k, bv[v], acc[ii][v]);
            }
        }
    }
    // x − x is NaN exactly where x is NaN or ±∞ (lanes outside the mask hold 0, as in
    // AVX-512, whose classification sees them too).
    let mut bad = _mm256_setzero_ps();
    for (ii, row) in acc.iter().enumerate() {
        for (v, &x) in row.iter().enumerate() {
            bad = _mm256_or_ps(bad, _mm256_cmp_ps::<_CMP_UNORD_Q>(_mm256_sub_ps(x, x), x));
            // SAFETY: row ii of C's tile; masked-off lanes are not written.
            unsafe {
                let dst = c.add(ii * ldc + v * L);
                if full {
                    _mm256_storeu_ps(dst, x)
                } else {
                    _mm256_maskstore_ps(dst, masks[v], x)
                }
            }
        }
    }
    _mm256_testz_ps(bad, bad) == 1
}
