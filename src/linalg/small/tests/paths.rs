//! The AVX2 path gives the AVX-512 path's bits, on every shape the tiles cut differently.

use super::*;

/// Values of mixed signs and magnitudes (so that another order of additions rounds
/// otherwise), with whole 16-value blocks of zeros in about a third of them.
struct Values(u32);

impl Values {
    fn next(&mut self) -> f32 {
        let s = &mut self.0;
        *s ^= *s << 13;
        *s ^= *s >> 17;
        *s ^= *s << 5;
        let mantissa = (*s >> 8) as f32 / (1u32 << 24) as f32 - 0.5;
        mantissa * 10f32.powi((*s % 7) as i32 - 3)
    }

    fn below(&mut self, n: usize) -> usize {
        self.next();
        (self.0 as usize) % n
    }

    /// rows × cols, blank blocks of 16 columns where `blank` says.
    fn matrix(&mut self, rows: usize, cols: usize, blank: bool) -> Array2<f32> {
        let mut x = Array2::from_shape_fn((rows, cols), |_| self.next());
        if blank {
            for i in 0..rows {
                for q in 0..cols.div_ceil(16) {
                    if self.below(3) == 0 {
                        x.row_mut(i)
                            .slice_mut(ndarray::s![q * 16..(q * 16 + 16).min(cols)])
                            .fill(0.0);
                    }
                }
            }
        }
        x
    }
}

fn same_bits(a: &Array2<f32>, b: &Array2<f32>) -> bool {
    a.iter().zip(b).all(|(x, y)| x.to_bits() == y.to_bits())
}

/// Runs the product on both paths from the same `C` and asserts the same bits and the same
/// finiteness report; returns the AVX-512 result.
fn both(
    alpha: f32,
    a: ArrayView2<f32>,
    b: ArrayView2<f32>,
    beta: f32,
    c: &Array2<f32>,
    what: &str,
) -> Array2<f32> {
    let (mut c512, mut c2) = (c.clone(), c.clone());
    let f512 = try_gemm_on(Kernel::Avx512, alpha, a, b, beta, &mut c512.view_mut());
    let f2 = try_gemm_on(Kernel::Avx2, alpha, a, b, beta, &mut c2.view_mut());
    assert!(f512.is_some(), "{what}: the AVX-512 kernel declined");
    assert_eq!(f512, f2, "{what}: finiteness");
    assert!(same_bits(&c512, &c2), "{what}: AVX-512 and AVX2 differ");
    c512
}

fn paths_here() -> bool {
    for k in [Kernel::Avx512, Kernel::Avx2] {
        if !k.available() {
            eprintln!(
                "skipped: this processor lacks the {} path, so the two cannot be compared",
                k.name()
            );
            return false;
        }
    }
    true
}

#[test]
fn avx2_gives_the_avx512_bits_on_many_shapes() {
    if !paths_here() {
        return;
    }
    let mut v = Values(0x2545_f491);
    // The lecture's products (feedforward, deltas, weight gradients), then random shapes that
    // end tiles and blocks everywhere, k past 64 blocks and m past 128 rows included.
    let mut shapes = vec![
        (10, 30, 784),
        (10, 10, 30),
        (30, 784, 10),
        (10, 30, 10),
        (1, 1, 1),
        (130, 5, 40),
        (9, 4, 1100),
    ];
    for _ in 0..300 {
        shapes.push((1 + v.below(40), 1 + v.below(90), 1 + v.below(300)));
    }
    let mut order_matters = 0;
    for (t, &(m, n, k)) in shapes.iter().enumerate() {
        let (alpha, beta) = [(1.0, 0.0), (-0.03, 1.0), (0.7, 0.999)][t % 3];
        let c = v.matrix(m, n, false);
        // nt: A·Bᵀ, A with a row stride beyond k every other time.
        let wide = v.matrix(m, k + (t % 2) * 5, t % 4 != 0);
        let a = wide.slice(ndarray::s![.., ..k]);
        let bt = v.matrix(n, k, false);
        let got = both(alpha, a, bt.t(), beta, &c, &format!("nt {m}×{n}×{k}"));
        // How often summing left to right would round otherwise: the check has teeth.
        for i in 0..m {
            for j in 0..n {
                let plain: f32 = (0..k).map(|p| a[[i, p]] * bt[[j, p]]).sum();
                let plain = if beta == 0.0 {
                    alpha * plain
                } else {
                    beta * c[[i, j]] + alpha * plain
                };
                order_matters += (plain.to_bits() != got[[i, j]].to_bits()) as usize;
            }
        }
        // nn: A·B with A strided (a transposed view) or contiguous.
        let b = v.matrix(k, n, false);
        let at = v.matrix(k, m, t % 4 == 1);
        both(alpha, at.t(), b.view(), beta, &c, &format!("nn Aᵀ {m}×{n}×{k}"));
        let a = v.matrix(m, k, false);
        both(alpha, a.view(), b.view(), beta, &c, &format!("nn {m}×{n}×{k}"));
    }
    assert!(
        order_matters > 1000,
        "only {order_matters} results depend on the order"
    );
}

#[test]
fn avx2_gives_the_avx512_bits_for_non_finite_values() {
    if !paths_here() {
        return;
    }
    let mut v = Values(7);
    // ∞ in B where A's block is blank for some rows of a 4-row tile but not others: both paths
    // must walk (or skip) the same blocks for every row.
    let mut a = v.matrix(10, 64, false);
    a.row_mut(1).slice_mut(ndarray::s![16..32]).fill(0.0);
    let mut bt = v.matrix(7, 64, false);
    bt[[3, 20]] = f32::INFINITY;
    let c = Array2::zeros((10, 7));
    both(1.0, a.view(), bt.t(), 0.0, &c, "nt with ∞");
    let mut w = v.matrix(30, 50, false);
    w[[7, 44]] = f32::NAN;
    let d = v.matrix(6, 30, false);
    let x = v.matrix(6, 50, false);
    both(-0.1, d.t(), x.view(), 1.0, &w, "nn with NaN");
    let mut x = v.matrix(6, 50, false);
    x[[2, 3]] = f32::NEG_INFINITY;
    both(
        -0.1,
        d.t(),
        x.view(),
        1.0,
        &v.matrix(30, 50, false),
        "nn with −∞ in B",
    );
}

#[test]
fn eight_lane_halves_sum_as_the_sixteen_lane_reduction() {
    use std::arch::x86_64::*;
    if !paths_here() {
        return;
    }
    let mut v = Values(99);
    for _ in 0..5000 {
        let x: [f32; 16] = std::array::from_fn(|_| v.next());
        // SAFETY: both paths' features were detected above; loads read 16 floats of `x`.
        let (want, got) = unsafe {
            (
                _mm512_reduce_add_ps(_mm512_loadu_ps(x.as_ptr())),
                avx2::reduce16(_mm256_loadu_ps(x.as_ptr()), _mm256_loadu_ps(x.as_ptr().add(8))),
            )
        };
        assert_eq!(got.to_bits(), want.to_bits(), "{x:?}");
    }
}
