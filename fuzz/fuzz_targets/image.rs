//! The picture reader on arbitrary bytes: an error, or a decoded picture within the pixel
//! bound that becomes 784 grey levels in [0, 1]; never a panic, a truncated image taken as
//! whole, or a decoder allocation beyond its limits.
#![no_main]

use libfuzzer_sys::fuzz_target;
use mlp::data::digit_image::{MAX_PIXELS, decode, digit_from_image};

fuzz_target!(|data: &[u8]| {
    let Ok(img) = decode(data) else {
        return;
    };
    assert!(u64::from(img.width()) * u64::from(img.height()) <= MAX_PIXELS);
    if let Ok(digit) = digit_from_image(&img) {
        assert_eq!(digit.pixels.len(), 784);
        assert!(digit.pixels.iter().all(|v| (0.0..=1.0).contains(v)));
    }
});
