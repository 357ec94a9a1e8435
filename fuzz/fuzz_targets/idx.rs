//! The IDX reader on arbitrary bytes (raw, and gzipped when they start with the gzip magic):
//! an error or a well-formed array, never a panic or an allocation beyond the input's size.
#![no_main]

use libfuzzer_sys::fuzz_target;
use std::path::Path;

fuzz_target!(|data: &[u8]| {
    if let Ok(idx) = mlp::data::idx::from_bytes(data, Path::new("fuzz")) {
        assert_eq!(idx.data.len(), idx.dims.iter().product::<usize>());
    }
});
