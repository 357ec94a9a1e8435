//! What the processor can do, and the two decisions every kernel asks about: which kernel path
//! runs ([`kernel`]: the best the processor has, or the one `MLP_KERNEL` names) and how many
//! threads work may use ([`threads`]). The small kernels, the
//! element-wise passes ([`super::simd_fn`]) and the two-core stepper all ask here, so that
//! the dispatching module and the kernels do not depend on each other.

use std::cell::Cell;
use std::sync::OnceLock;

/// The environment variable that forces a kernel path: `avx512`, `avx2` or `gemm`.
pub const KERNEL_ENV: &str = "MLP_KERNEL";

/// A kernel path: which hand-written code computes the small matrix products and the
/// element-wise passes. `Avx512` and `Avx2` sum every product in the same order with the
/// same fused multiply-adds, so they give the same bits (tested); `Gemm` leaves every product
/// to the GEMM crate, whose order differs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kernel {
    /// AVX-512 small kernels; element-wise passes compiled for AVX-512.
    Avx512,
    /// AVX2 + FMA small kernels (a 16-lane accumulator as two 8-lane registers);
    /// element-wise passes compiled for AVX2.
    Avx2,
    /// Every product through the GEMM crate; element-wise passes for the baseline (SSE2).
    Gemm,
}

impl Kernel {
    /// Every path, fastest first.
    pub const ALL: [Kernel; 3] = [Kernel::Avx512, Kernel::Avx2, Kernel::Gemm];

    /// The name `MLP_KERNEL` takes.
    pub fn name(self) -> &'static str {
        match self {
            Kernel::Avx512 => "avx512",
            Kernel::Avx2 => "avx2",
            Kernel::Gemm => "gemm",
        }
    }

    /// A line for a run's header and figures.
    pub fn describe(self) -> &'static str {
        match self {
            Kernel::Avx512 => "AVX-512 (small kernels + gemm)",
            Kernel::Avx2 => "AVX2+FMA (small kernels + gemm)",
            Kernel::Gemm => "gemm crate only",
        }
    }

    /// True when this processor can run the path.
    pub fn available(self) -> bool {
        match self {
            Kernel::Avx512 => has_avx512(),
            Kernel::Avx2 => has_avx2_fma(),
            Kernel::Gemm => true,
        }
    }

    /// The path for a value of `MLP_KERNEL` (unset or empty: the best available). An unknown
    /// name, or a path this processor lacks, is an error naming the choices.
    pub fn from_setting(value: Option<&str>) -> Result<Kernel, String> {
        let choices = || {
            let here: Vec<_> = Kernel::ALL
                .iter()
                .filter(|k| k.available())
                .map(|k| k.name())
                .collect();
            format!(
                "choose one of avx512, avx2, gemm (this processor runs: {})",
                here.join(", ")
            )
        };
        match value.map(str::trim) {
            None | Some("") => Ok(Kernel::ALL
                .into_iter()
                .find(|k| k.available())
                .expect("gemm runs anywhere")),
            Some(name) => match Kernel::ALL.into_iter().find(|k| k.name() == name) {
                Some(k) if k.available() => Ok(k),
                Some(_) => Err(format!(
                    "{KERNEL_ENV}={name}: this processor lacks it; {}",
                    choices()
                )),
                None => Err(format!("{KERNEL_ENV}={name}: unknown kernel path; {}", choices())),
            },
        }
    }
}

thread_local! {
    /// A path forced for work started on this thread (see [`with_kernel`]).
    static FORCED: Cell<Option<Kernel>> = const { Cell::new(None) };
}

/// The kernel path work on this thread runs: the one [`with_kernel`] set, else the process's
/// (`MLP_KERNEL`, read once; unset: the best the processor has).
///
/// # Panics
/// On the first call, if `MLP_KERNEL` names an unknown path or one this processor lacks
/// (front ends call [`Kernel::from_setting`] first to report it as an error).
pub fn kernel() -> Kernel {
    static PROCESS: OnceLock<Kernel> = OnceLock::new();
    FORCED.get().unwrap_or_else(|| {
        *PROCESS.get_or_init(|| {
            let value = std::env::var(KERNEL_ENV).ok();
            Kernel::from_setting(value.as_deref()).unwrap_or_else(|e| panic!("{e}"))
        })
    })
}

/// Runs `f` with the work it starts on this thread on the kernel path `k` (to compare paths in
/// one process; the two-core stepper hands the path to its helper thread).
///
/// # Panics
/// If this processor cannot run `k`.
pub fn with_kernel<R>(k: Kernel, f: impl FnOnce() -> R) -> R {
    assert!(
        k.available(),
        "kernel path {} is not available on this processor",
        k.name()
    );
    let before = FORCED.replace(Some(k));
    // Restored on the way out, also by a panic.
    struct Restore(Option<Kernel>);
    impl Drop for Restore {
        fn drop(&mut self) {
            FORCED.set(self.0);
        }
    }
    let _restore = Restore(before);
    f()
}

/// True when the processor has the AVX-512 parts [`super::simd_fn`] and the small kernels
/// compile for.
pub fn has_avx512() -> bool {
    #[cfg(target_arch = "x86_64")]
    return std::arch::is_x86_feature_detected!("avx512f")
        && std::arch::is_x86_feature_detected!("avx512bw")
        && std::arch::is_x86_feature_detected!("avx512dq")
        && std::arch::is_x86_feature_detected!("avx512vl")
        && has_avx2_fma();
    #[cfg(not(target_arch = "x86_64"))]
    false
}

/// True when the processor has AVX2 and FMA (every x86-64 since Haswell and Zen 1).
pub fn has_avx2_fma() -> bool {
    #[cfg(target_arch = "x86_64")]
    return std::arch::is_x86_feature_detected!("avx2") && std::arch::is_x86_feature_detected!("fma");
    #[cfg(not(target_arch = "x86_64"))]
    false
}

thread_local! {
    /// The most threads work started on this thread may use (see [`with_threads`]).
    static MAX_THREADS: Cell<usize> = const { Cell::new(usize::MAX) };
}

/// Runs `f` with the work it starts on this thread (matrix products, training steps,
/// evaluation) using at most `n` threads; `1` keeps it all on this thread. Without it, work
/// uses every core where that pays. The numbers computed are the same either way.
pub fn with_threads<R>(n: usize, f: impl FnOnce() -> R) -> R {
    let before = MAX_THREADS.replace(n.max(1));
    // Restored on the way out, also by a panic.
    struct Restore(usize);
    impl Drop for Restore {
        fn drop(&mut self) {
            MAX_THREADS.set(self.0);
        }
    }
    let _restore = Restore(before);
    f()
}

/// The threads work started on this thread may use: the cores, or fewer under
/// [`with_threads`].
pub fn threads() -> usize {
    static CORES: OnceLock<usize> = OnceLock::new();
    let cores = *CORES.get_or_init(|| std::thread::available_parallelism().map_or(1, |n| n.get()));
    MAX_THREADS.get().min(cores)
}
