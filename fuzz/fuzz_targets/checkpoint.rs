//! The checkpoint loader on arbitrary bytes: an error or a consistent checkpoint.
#![no_main]

use libfuzzer_sys::fuzz_target;
use std::path::Path;

fuzz_target!(|data: &[u8]| {
    if let Ok(ck) = mlp::checkpoint::from_bytes::<f32>(data, Path::new("fuzz")) {
        assert_eq!(ck.net.sizes(), ck.spec.sizes);
        assert_eq!(ck.progress.history.epochs.len(), ck.progress.epoch);
    }
});
