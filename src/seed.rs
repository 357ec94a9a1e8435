//! Independent random streams from one seed. Each use (a mini-batch's dropout masks, an
//! image's distortion) seeds its own stream from the run's seed and its place in the run, so
//! what it draws depends on that place alone and a resumed run draws the same.

/// SplitMix64's increment (2⁶⁴/φ): its `i`-th output from `s` is `splitmix(s + i·GOLDEN)`.
pub(crate) const GOLDEN: u64 = 0x9e37_79b9_7f4a_7c15;

/// Mixes 64 bits into 64 well-spread bits (SplitMix64's step and finaliser), to seed
/// independent streams.
pub(crate) fn splitmix(mut z: u64) -> u64 {
    z = z.wrapping_add(GOLDEN);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}
