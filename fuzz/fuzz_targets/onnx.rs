//! The ONNX importer on arbitrary bytes: an error or a model whose export imports back equal.
#![no_main]

use libfuzzer_sys::fuzz_target;
use std::path::Path;

fuzz_target!(|data: &[u8]| {
    if let Ok(model) = mlp::onnx::from_bytes(data, Path::new("fuzz")) {
        assert!(model.net.is_finite());
        let again = mlp::onnx::to_bytes(&model);
        assert_eq!(mlp::onnx::from_bytes(&again, Path::new("again")).unwrap(), model);
    }
});
