//! The header of a `.npy` file, checked before the array is read: the reader allocates what the
//! header declares, so a declared shape of (2⁴⁰, 784), or a header length of 4 GiB, in a small
//! file must be refused by comparing it with the bytes really there.
//!
//! Layout: `\x93NUMPY`, major and minor version bytes, the header length (u16 little-endian in
//! version 1, u32 in versions 2 and 3), then the header, a Python dict such as
//! `{'descr': '<f4', 'fortran_order': False, 'shape': (3, 4), }`, then the data.

use crate::error::{Error, Result};
use std::path::Path;

const MAGIC: &[u8] = b"\x93NUMPY";
/// numpy itself writes headers of a few hundred bytes; this is generous.
const MAX_HEADER: usize = 1 << 16;

/// Checks that the array `bytes` declares fits in `bytes`; the error names the file and byte.
pub fn check(bytes: &[u8], path: &Path) -> Result<()> {
    let err = |offset: usize, msg: String| Error::format(path, offset as u64, msg);
    if !bytes.starts_with(MAGIC) {
        return Err(err(0, "expected the .npy magic \\x93NUMPY".into()));
    }
    let (len_at, len_size) = match bytes.get(6) {
        Some(1) => (8, 2),
        Some(2 | 3) => (8, 4),
        Some(v) => return Err(err(6, format!("expected .npy version 1, 2 or 3, found {v}"))),
        None => return Err(err(bytes.len(), "file ends inside the .npy preamble".into())),
    };
    let Some(len_bytes) = bytes.get(len_at..len_at + len_size) else {
        return Err(err(bytes.len(), "file ends inside the .npy preamble".into()));
    };
    let header_len = len_bytes
        .iter()
        .rev()
        .fold(0usize, |acc, &b| (acc << 8) | b as usize);
    let start = len_at + len_size;
    let available = bytes.len() - start;
    if header_len > available.min(MAX_HEADER) {
        return Err(err(
            len_at,
            format!(
                "the header length is {header_len} bytes; the file has {available} after the preamble \
                 (and a header is at most {MAX_HEADER})"
            ),
        ));
    }
    let header = String::from_utf8_lossy(&bytes[start..start + header_len]);
    let descr = value_after(&header, "'descr'")
        .and_then(|v| v.strip_prefix('\'')?.split('\'').next())
        .ok_or_else(|| err(start, "expected 'descr' (the value type) in the header".into()))?;
    let item_size: u64 = descr
        .trim_start_matches(['<', '>', '|', '='])
        .get(1..)
        .and_then(|n| n.parse().ok())
        .ok_or_else(|| {
            err(
                start,
                format!("expected a numeric 'descr' like '<f4', found '{descr}'"),
            )
        })?;
    let shape_text = value_after(&header, "'shape'")
        .and_then(|v| v.strip_prefix('(')?.split(')').next())
        .ok_or_else(|| err(start, "expected 'shape' (a tuple) in the header".into()))?;
    let shape: Vec<u64> = shape_text
        .split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::parse)
        .collect::<Result<_, _>>()
        .map_err(|_| {
            err(
                start,
                format!("expected a shape of whole numbers, found ({shape_text})"),
            )
        })?;
    let need = shape
        .iter()
        .try_fold(item_size, |acc, &d| acc.checked_mul(d))
        .ok_or_else(|| err(start, format!("the shape {shape:?} overflows a 64-bit size")))?;
    let data = (available - header_len) as u64;
    if need > data {
        return Err(err(
            start + header_len,
            format!(
                "truncated: shape {shape:?} of '{descr}' needs {need} bytes of data, the file has {data}"
            ),
        ));
    }
    Ok(())
}

/// The text after `key:` in the header dict.
fn value_after<'a>(header: &'a str, key: &str) -> Option<&'a str> {
    let at = header.find(key)? + key.len();
    Some(header[at..].trim_start().strip_prefix(':')?.trim_start())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn npy(version: u8, header: &str, data: usize) -> Vec<u8> {
        let mut b = MAGIC.to_vec();
        b.extend([version, 0]);
        if version == 1 {
            b.extend((header.len() as u16).to_le_bytes());
        } else {
            b.extend((header.len() as u32).to_le_bytes());
        }
        b.extend(header.as_bytes());
        b.extend(vec![0u8; data]);
        b
    }

    #[test]
    fn declared_sizes_beyond_the_file_are_refused_before_reading() {
        let p = Path::new("x.npy");
        let ok = "{'descr': '<f4', 'fortran_order': False, 'shape': (3, 4), }";
        check(&npy(1, ok, 48), p).unwrap();
        let e = check(&npy(1, ok, 47), p).unwrap_err().to_string();
        assert!(e.contains("needs 48 bytes") && e.contains("has 47"), "{e}");
        let huge = "{'descr': '<f4', 'fortran_order': False, 'shape': (1099511627776, 784), }";
        let e = check(&npy(1, huge, 48), p).unwrap_err().to_string();
        assert!(e.contains("x.npy") && e.contains("truncated"), "{e}");
        let overflow = "{'descr': '<f8', 'shape': (18446744073709551615, 3), }";
        assert!(
            check(&npy(1, overflow, 0), p)
                .unwrap_err()
                .to_string()
                .contains("overflows")
        );
        let mut long = npy(2, ok, 48);
        long[8..12].copy_from_slice(&u32::MAX.to_le_bytes());
        let e = check(&long, p).unwrap_err().to_string();
        assert!(e.contains("header length is 4294967295"), "{e}");
        for cut in 0..12 {
            assert!(check(&npy(2, ok, 48)[..cut], p).is_err(), "cut at {cut}");
        }
    }
}
