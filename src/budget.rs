//! The one size budget: what a network, a data file or a decoded array may take in memory,
//! checked before it is allocated. Without it a header or a layer size typed by mistake asks
//! the allocator for terabytes and the process aborts.
//!
//! The limit is a process-wide setting (the front ends set it once, from the user), 1 GiB by
//! default: the largest run in the README (784-800-800-10 with Adam, MNIST) needs ~150 MB.

use crate::error::{Error, Result};
use std::sync::atomic::{AtomicU64, Ordering};

/// The default limit, in bytes.
pub const DEFAULT_LIMIT: u64 = 1 << 30;

static LIMIT: AtomicU64 = AtomicU64::new(DEFAULT_LIMIT);

/// The limit now in force, in bytes.
pub fn limit() -> u64 {
    LIMIT.load(Ordering::Relaxed)
}

/// Sets the limit, in bytes.
pub fn set_limit(bytes: u64) {
    LIMIT.store(bytes, Ordering::Relaxed);
}

/// Errs when `what` needs more than the limit; `bytes` is `None` when the size overflows.
pub fn check(what: impl FnOnce() -> String, bytes: Option<u64>) -> Result<()> {
    let limit = limit();
    match bytes {
        Some(b) if b <= limit => Ok(()),
        _ => Err(Error::TooLarge {
            what: what(),
            bytes,
            limit,
        }),
    }
}

/// `count` values of `size` bytes each, `None` on overflow.
pub fn bytes_of(count: u64, size: usize) -> Option<u64> {
    count.checked_mul(size as u64)
}

/// Parses "4G", "512M", "100k", "1T" or a plain number of bytes (units are powers of 1024).
pub fn parse(text: &str) -> Result<u64, String> {
    let t = text.trim();
    let split = t
        .find(|c: char| !c.is_ascii_digit() && c != '.')
        .unwrap_or(t.len());
    let (number, unit) = t.split_at(split);
    let shift = match unit
        .trim()
        .to_ascii_lowercase()
        .trim_end_matches("ib")
        .trim_end_matches('b')
    {
        "" => 0,
        "k" => 10,
        "m" => 20,
        "g" => 30,
        "t" => 40,
        _ => return Err(format!("'{text}': expected a size like 512M, 4G or 1T")),
    };
    let n: f64 = number
        .parse()
        .map_err(|_| format!("'{text}': expected a size like 512M, 4G or 1T"))?;
    let bytes = n * (1u64 << shift) as f64;
    if !(bytes >= 1.0 && bytes < u64::MAX as f64) {
        return Err(format!("'{text}': expected a size from 1 byte to 16 EiB"));
    }
    Ok(bytes as u64)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::human;

    #[test]
    fn sizes_parse_with_binary_units() {
        assert_eq!(parse("4G"), Ok(4 << 30));
        assert_eq!(parse("512MiB"), Ok(512 << 20));
        assert_eq!(parse("1.5k"), Ok(1536));
        assert_eq!(parse("100"), Ok(100));
        assert!(parse("4X").is_err() && parse("").is_err() && parse("0").is_err() && parse("-1G").is_err());
        assert_eq!(human(3 << 29), "1.5 GiB");
    }
}
