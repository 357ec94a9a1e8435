//! What the processor can do, asked once per call site's need (the standard library caches
//! the answer). The kernels that need a feature ask here, so that the dispatching module and
//! the kernels do not depend on each other.

/// True when the processor has the AVX-512 parts [`super::simd_fn`] and the small kernels
/// compile for.
#[cfg(target_arch = "x86_64")]
#[inline]
pub fn has_avx512() -> bool {
    std::arch::is_x86_feature_detected!("avx512bw") && std::arch::is_x86_feature_detected!("avx512dq")
}
