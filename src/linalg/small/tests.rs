//! The kernels against a naive product, and the AVX2 path against the AVX-512 path bit for bit.

use super::*;
use ndarray::Array2;

mod paths;

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

/// The small-kernel paths this processor runs; a message for each one it lacks (whose tests
/// are then skipped).
fn small_paths() -> Vec<Kernel> {
    [Kernel::Avx512, Kernel::Avx2]
        .into_iter()
        .filter(|k| {
            let here = k.available();
            if !here {
                eprintln!("skipped: this processor lacks the {} path", k.name());
            }
            here
        })
        .collect()
}

#[test]
fn both_forms_match_a_naive_product_on_every_edge_shape() {
    for path in small_paths() {
        edge_shapes_on(path);
    }
}

fn edge_shapes_on(path: Kernel) {
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
                try_gemm_on(path, alpha, a.view(), bt.t(), beta, &mut c.view_mut()),
                Some(true)
            );
            close(&c, &want);
            // nn: B row-major k×n, A as a transposed view (strided).
            let b = filled(k, n, 4);
            let at = filled(k, m, 5);
            let mut c = filled(m, n, 6);
            let want = naive(alpha, at.t(), b.view(), beta, &c);
            assert_eq!(
                try_gemm_on(path, alpha, at.t(), b.view(), beta, &mut c.view_mut()),
                Some(true)
            );
            close(&c, &want);
        }
    }
    // beta = 0 never reads C: NaN there must not leak.
    let mut c = Array2::from_elem((3, 4), f32::NAN);
    assert_eq!(
        try_gemm_on(
            path,
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
        try_gemm_on(
            path,
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
        try_gemm_on(path, 1.0, x.view(), filled(7, 9, 2).t(), 0.0, &mut c.view_mut()),
        Some(false)
    );
}

#[test]
fn blocks_of_zeros_are_skipped_without_changing_the_product() {
    for path in small_paths() {
        zero_blocks_on(path);
    }
}

fn zero_blocks_on(path: Kernel) {
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
            try_gemm_on(path, 0.5, a.view(), bt.t(), 1.0, &mut c.view_mut()),
            Some(true)
        );
        close(&c, &want);
        // The same values with the zeros made −0: the same blocks count as blank.
        let neg = a.mapv(|v| if v == 0.0 { -0.0 } else { v });
        let mut c2 = filled(m, n, 3);
        try_gemm_on(path, 0.5, neg.view(), bt.t(), 1.0, &mut c2.view_mut());
        assert_eq!(c2, c);
    }
}

#[cfg(target_arch = "x86_64")]
#[test]
fn all_sums_at_once_equal_sixteen_horizontal_sums() {
    use std::arch::x86_64::*;
    if !Kernel::Avx512.available() {
        eprintln!("skipped: this processor lacks AVX-512");
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
fn declines_large_products_and_the_gemm_path() {
    let a = Array2::<f32>::zeros((256, 256));
    let mut c = Array2::<f32>::zeros((256, 256));
    // 2²⁴ multiply-adds: beyond the AVX2 kernels, within the AVX-512 ones.
    for path in small_paths() {
        let took = try_gemm_on(path, 1.0, a.view(), a.view(), 0.0, &mut c.view_mut());
        assert_eq!(took.is_some(), path == Kernel::Avx512, "{}", path.name());
    }
    let (tall, square) = (
        Array2::<f32>::zeros((1025, 1024)),
        Array2::<f32>::zeros((1024, 1024)),
    );
    let mut out = Array2::<f32>::zeros((1025, 1024));
    for path in small_paths() {
        let took = try_gemm_on(path, 1.0, tall.view(), square.view(), 0.0, &mut out.view_mut());
        assert_eq!(took, None, "{}: more than 2³⁰ multiply-adds", path.name());
    }
    // The gemm path runs no hand kernel, not even for a product without multiply-adds.
    let (wide, flat) = (Array2::<f32>::zeros((4, 0)), Array2::<f32>::zeros((0, 4)));
    let took = try_gemm_on(
        Kernel::Gemm,
        1.0,
        wide.view(),
        flat.view(),
        0.0,
        &mut c.slice_mut(ndarray::s![..4, ..4]),
    );
    assert_eq!(took, None);
    let small = filled(4, 4, 0);
    assert_eq!(
        try_gemm_on(
            Kernel::Gemm,
            1.0,
            small.view(),
            small.view(),
            0.0,
            &mut c.slice_mut(ndarray::s![..4, ..4])
        ),
        None
    );
}

/// A product's name, `A` and `B` as stored, and whether each is used transposed.
type Operands = (&'static str, Array2<f32>, Array2<f32>, bool, bool);

/// The products of a 784-100-10 and a wide mini-batch step, in their three layouts: the
/// feedforward `Z·Wᵀ`, the deltas `Δ·W` and the weight update `β·W + α·Δᵀ·Z`.
fn medium_products() -> Vec<Operands> {
    vec![
        (
            "feedforward 128×784 · (100×784)ᵀ",
            filled(128, 784, 1),
            filled(100, 784, 2),
            false,
            true,
        ),
        (
            "deltas 128×100 · 100×784",
            filled(128, 100, 3),
            filled(100, 784, 4),
            false,
            false,
        ),
        (
            "update (128×100)ᵀ · 128×784",
            filled(128, 100, 5),
            filled(128, 784, 6),
            true,
            false,
        ),
        (
            "feedforward 300×700 · (47×700)ᵀ",
            filled(300, 700, 7),
            filled(47, 700, 8),
            false,
            true,
        ),
        (
            "update (64×520)ᵀ · 64×90",
            filled(64, 520, 9),
            filled(64, 90, 10),
            true,
            false,
        ),
    ]
}

fn operands<'a>(
    a: &'a Array2<f32>,
    b: &'a Array2<f32>,
    a_t: bool,
    b_t: bool,
) -> (ArrayView2<'a, f32>, ArrayView2<'a, f32>) {
    (
        if a_t { a.t() } else { a.view() },
        if b_t { b.t() } else { b.view() },
    )
}

#[test]
fn medium_products_on_two_cores_match_a_naive_product_and_one_core_bit_for_bit() {
    if !Kernel::Avx512.available() {
        eprintln!("skipped: this processor lacks the avx512 path");
        return;
    }
    for (what, a, b, a_t, b_t) in medium_products() {
        let (a, b) = operands(&a, &b, a_t, b_t);
        let (m, k, n) = (a.nrows(), a.ncols(), b.ncols());
        assert!(m * n * k > MAX_MACS, "{what} is small");
        let c = filled(m, n, 11);
        let (alpha, beta) = (-0.3, if a_t { 1.0 } else { 0.0 });
        let run = |threads| {
            let mut out = c.clone();
            let finite = crate::linalg::with_threads(threads, || {
                try_gemm_on(Kernel::Avx512, alpha, a, b, beta, &mut out.view_mut())
            });
            assert_eq!(finite, Some(true), "{what}");
            out
        };
        let (one, two) = (run(1), run(2));
        close(&one, &naive(alpha, a, b, beta, &c));
        assert!(
            one.iter().zip(&two).all(|(x, y)| x.to_bits() == y.to_bits()),
            "{what}: one core and two differ"
        );
    }
}
