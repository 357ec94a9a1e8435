//! The `.npy` reader on arbitrary bytes: an error or an array no larger than the input (the
//! header's declared shape is checked against the bytes present), never a panic or an
//! allocation of what a hostile header claims.
#![no_main]

use libfuzzer_sys::fuzz_target;
use std::path::Path;

fuzz_target!(|data: &[u8]| {
    if let Ok(a) = mlp::data::tabular::npy_2d_from_bytes(data, Path::new("fuzz.npy")) {
        assert!(a.len() <= data.len());
    }
});
