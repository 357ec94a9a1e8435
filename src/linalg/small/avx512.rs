//! The AVX-512 kernels: a 16-lane accumulator per dot product (`nt`) or per 16 columns (`nn`).

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

/// [`by_shape!`] for the taller tiles of at most 8 rows × 2 vectors that [`nn`] uses for
/// narrow products (16 accumulators either way).
macro_rules! by_tall_shape {
    ($shape:expr, $tile:ident($($arg:expr),*)) => {
        match $shape {
            (5, 1) => $tile::<5, 1>($($arg),*),
            (5, 2) => $tile::<5, 2>($($arg),*),
            (6, 1) => $tile::<6, 1>($($arg),*),
            (6, 2) => $tile::<6, 2>($($arg),*),
            (7, 1) => $tile::<7, 1>($($arg),*),
            (7, 2) => $tile::<7, 2>($($arg),*),
            (8, 1) => $tile::<8, 1>($($arg),*),
            (8, 2) => $tile::<8, 2>($($arg),*),
            shape => by_shape!(shape, $tile($($arg),*)),
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
    // Beyond 64 blocks the masks are all ones and cover only the first 64: walk all.
    let all = if blocks >= 64 {
        u64::MAX
    } else {
        (1u64 << blocks) - 1
    };
    // Tiles of up to 4 rows of A × 4 rows of B: 16 accumulators + 4 + 1 registers of 32
    // (5×4 tiles made LLVM spill accumulators to the stack). The rows of B go in panels of
    // about 160 KB, each panel against every row of A, so that a panel is read from memory
    // once and then from the level-2 cache (reading a 800×800 layer's 2.5 MB of weights once
    // per 4 rows of A held its feedforward at 300 GFLOP/s on two cores; 96, 160, 256, 512 KB
    // panels: 357, 365, 332, 279 for 128×800·800×800, `examples/gemm_shapes.rs`). A panel's
    // height is a multiple of 4, so the tiles, and every sum, are the same as without panels.
    let panel = ((PANEL_BYTES / (4 * k.max(1))) / 4 * 4).max(4);
    let mut j0 = 0;
    while j0 < n {
        let j1 = (j0 + panel).min(n);
        let mut i = 0;
        while i < m {
            let mr = (m - i).min(4);
            let bits = if blocks <= 64 && m <= MAX_ROWS {
                rows[i..i + mr].iter().fold(0, |acc, b| acc | b)
            } else {
                all
            };
            let mut j = j0;
            while j < j1 {
                let nr = (j1 - j).min(4);
                let (ap, bp, cp) = unsafe { (a.add(i * lda), b.add(j * ldb), c.add(i * ldc + j)) };
                finite &=
                    unsafe { by_shape!((mr, nr), nt_tile(bits, k, alpha, ap, lda, bp, ldb, beta, cp, ldc)) };
                j += nr;
            }
            i += mr;
        }
        j0 = j1;
    }
    finite
}

/// The bytes of the rows of `B` that [`nt`] runs against all of `A` at a time.
const PANEL_BYTES: usize = 160 * 1024;

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
    // Tiles of up to 4 rows of C × 4 vectors of 16 columns: 16 accumulators; when C has at
    // most 2 vectors of columns (a weight gradient of 30 inputs), 8 rows × 2: with 8
    // accumulators, 4 × 2 tiles waited for the FMA latency (`examples/gemm_shapes.rs
    // --threads 1 --shape 100,200,30,tn`: 100 GFLOP/s, 114 in 8 × 2 tiles).
    const COLS: usize = 4 * L;
    let tall_rows = if n <= 2 * L { 8 } else { 4 };
    let mut finite = true;
    // α·A[i][p] for every group of 4 rows (sample-major within it): each is then one
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
            let mr = (m - i).min(tall_rows);
            let (kp, bp, cp) = (
                unsafe { coef.add((i / 4) * 4 * s).cast_const() },
                unsafe { b.add(j) },
                unsafe { c.add(i * ldc + j) },
            );
            finite &=
                unsafe { by_tall_shape!((mr, nc.div_ceil(L)), nn_tile(s, nc, kp, bp, ldb, beta, cp, ldc)) };
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
            // Row ii's α·A in its group of 4 rows.
            let k = _mm512_set1_ps(unsafe { *coef.add((ii / 4) * 4 * s + p * 4 + ii % 4) });
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
