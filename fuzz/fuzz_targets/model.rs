//! The model-file loader on arbitrary bytes: an error or a network whose file round-trips.
#![no_main]

use libfuzzer_sys::fuzz_target;
use std::path::Path;

fuzz_target!(|data: &[u8]| {
    if let Ok(net) = mlp::model_io::from_bytes::<f32>(data, Path::new("fuzz")) {
        assert!(net.is_finite());
        let again = mlp::model_io::to_bytes(&net);
        assert_eq!(mlp::model_io::from_bytes::<f32>(&again, Path::new("again")).unwrap(), net);
    }
});
