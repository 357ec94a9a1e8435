//! The kernels that dominate training, at each benchmark configuration's shapes: feedforward,
//! backpropagation and a whole SGD step for one mini-batch, and the two matrix-product forms,
//! on every kernel path the processor has (`avx512`, `avx2`, `gemm`), one after the other in
//! one run, so that their ratios are measured under the same load.
//!
//!     cargo bench --bench kernels

use criterion::{Criterion, Throughput, black_box, criterion_group, criterion_main};
use mlp::linalg::{Kernel, gemm, with_kernel};
use mlp::optim::{Optim, Optimizer};
use mlp::{Init, Network, Workspace};
use ndarray::Array2;
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;

const CONFIGS: [(&str, &[usize], usize); 3] = [
    ("784-30-10 m10", &[784, 30, 10], 10),
    ("784-100-10 m10", &[784, 100, 10], 10),
    ("784-800-800-10 m128", &[784, 800, 800, 10], 128),
];

/// The kernel paths this processor runs.
fn paths() -> impl Iterator<Item = Kernel> {
    Kernel::ALL.into_iter().filter(|k| k.available())
}

fn network(c: &mut Criterion) {
    for ((name, sizes, m), path) in CONFIGS.into_iter().flat_map(|c| paths().map(move |p| (c, p))) {
        let mut rng = ChaCha8Rng::seed_from_u64(0);
        let mut net: Network<f32> = Network::new(sizes, Init::ScaledNormal, &mut rng).unwrap();
        let x = Array2::from_shape_fn((m, sizes[0]), |(i, j)| ((i * 7 + j) % 255) as f32 / 255.0);
        let y = Array2::from_shape_fn((m, sizes[sizes.len() - 1]), |(i, j)| (i % 10 == j) as u8 as f32);
        let mut ws = Workspace::new(&net, m);
        let macs: usize = sizes.windows(2).map(|w| w[0] * w[1]).sum::<usize>() * m;
        let mut g = c.benchmark_group(format!("{name} {}", path.name()));
        g.throughput(Throughput::Elements(2 * macs as u64));
        with_kernel(path, || {
            g.bench_function("feedforward", |b| {
                b.iter(|| {
                    net.feedforward_batch(x.view(), &mut ws);
                })
            });
            g.bench_function("backprop", |b| {
                b.iter(|| black_box(net.backprop(x.view(), y.view(), &mut ws)))
            });
            g.bench_function("sgd step", |b| {
                // A tiny eta keeps the weights (and so the work) the same from step to step.
                let mut sgd = Optim::new(Optimizer::Sgd, 1e-9, 0.0, &net);
                b.iter(|| black_box(sgd.step(&mut net, x.view(), y.view(), &mut ws)))
            });
        });
        g.finish();
    }
}

fn products(c: &mut Criterion) {
    // The lecture network's two big products for a mini-batch of 10.
    let x = Array2::from_elem((10, 784), 0.5f32);
    let w = Array2::from_elem((30, 784), 0.25f32);
    let delta = Array2::from_elem((10, 30), 0.125f32);
    let mut a = Array2::<f32>::zeros((10, 30));
    let mut w2 = w.clone();
    for path in paths() {
        let mut g = c.benchmark_group(format!("products 10x784x30 {}", path.name()));
        g.throughput(Throughput::Elements(2 * 10 * 784 * 30));
        with_kernel(path, || {
            g.bench_function("feedforward X·Wᵀ", |b| {
                b.iter(|| gemm(1.0, x.view(), w.t(), 0.0, &mut a.view_mut()))
            });
            g.bench_function("update W -= s·Δᵀ·X", |b| {
                b.iter(|| gemm(-1e-9, delta.t(), x.view(), 1.0, &mut w2.view_mut()))
            });
        });
        g.finish();
    }
}

criterion_group!(benches, network, products);
criterion_main!(benches);
