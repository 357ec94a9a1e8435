//! The IDX format of MNIST: a 4-byte magic `00 00 TYPE NDIM`, `NDIM` big-endian u32 sizes,
//! then the values. Raw or gzip-compressed (recognised by the gzip magic, not the name).
//!
//! Sizes from the header are trusted only after they are checked against the data really
//! present: a raw file's length is compared first, and a compressed stream is read with a limit,
//! so a hostile header cannot make us allocate more than the file holds; and whatever the
//! header declares must fit the memory limit (`budget`) before any data is read.

use crate::error::{Error, Result};
use std::io::{BufReader, Read};
use std::path::Path;

/// The only IDX value type MNIST uses: unsigned bytes.
const TYPE_U8: u8 = 0x08;
const GZIP_MAGIC: [u8; 2] = [0x1f, 0x8b];

/// An IDX array of unsigned bytes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Idx {
    pub dims: Vec<usize>,
    pub data: Vec<u8>,
}

impl Idx {
    /// Byte offset of the first value in the (decompressed) file.
    pub fn header_len(&self) -> u64 {
        4 + 4 * self.dims.len() as u64
    }
}

/// Reads an IDX file of unsigned bytes, raw or gzipped.
pub fn read_idx(path: &Path) -> Result<Idx> {
    let (file, file_len) = crate::files::open_regular(path)?;
    let mut reader = BufReader::new(file);
    let mut head = [0u8; 2];
    let got = read_full(&mut reader, &mut head).map_err(|e| Error::io(path, e))?;
    let start = std::io::Cursor::new(head[..got].to_vec());
    if got == 2 && head == GZIP_MAGIC {
        let stream = flate2::read::MultiGzDecoder::new(start.chain(reader));
        parse(path, stream, None, " of the decompressed data")
    } else {
        parse(path, start.chain(reader), Some(file_len), "")
    }
}

/// Parses an IDX file already in memory (raw or gzipped); `path` is named in errors.
pub fn from_bytes(bytes: &[u8], path: &Path) -> Result<Idx> {
    if bytes.starts_with(&GZIP_MAGIC) {
        parse(
            path,
            flate2::read::MultiGzDecoder::new(bytes),
            None,
            " of the decompressed data",
        )
    } else {
        parse(path, bytes, Some(bytes.len() as u64), "")
    }
}

/// Parses IDX bytes from `r`. `known_len` is the total length when it is known up front.
fn parse(path: &Path, mut r: impl Read, known_len: Option<u64>, where_: &str) -> Result<Idx> {
    let err = |offset: u64, msg: String| Error::format(path, offset, format!("{msg}{where_}"));
    let read_err = |e: std::io::Error| {
        if e.kind() == std::io::ErrorKind::InvalidInput || e.kind() == std::io::ErrorKind::InvalidData {
            Error::format(path, 0, format!("corrupt gzip stream: {e}"))
        } else {
            Error::io(path, e)
        }
    };

    let mut magic = [0u8; 4];
    let got = read_full(&mut r, &mut magic).map_err(read_err)?;
    if got < 4 {
        return Err(err(
            got as u64,
            format!("file ends after {got} bytes; expected a 4-byte IDX magic number"),
        ));
    }
    if magic[0] != 0 || magic[1] != 0 {
        return Err(err(
            0,
            format!(
                "expected an IDX magic number 00 00 08 NN, found {:02x} {:02x} {:02x} {:02x}",
                magic[0], magic[1], magic[2], magic[3]
            ),
        ));
    }
    if magic[2] != TYPE_U8 {
        return Err(err(
            2,
            format!(
                "expected value type 0x08 (unsigned byte), found 0x{:02x}",
                magic[2]
            ),
        ));
    }
    let ndim = magic[3] as usize;
    if ndim == 0 {
        return Err(err(3, "expected at least one dimension, found 0".into()));
    }

    let mut dims = Vec::with_capacity(ndim);
    for i in 0..ndim {
        let mut b = [0u8; 4];
        let offset = 4 + 4 * i as u64;
        if read_full(&mut r, &mut b).map_err(read_err)? < 4 {
            return Err(err(
                offset,
                format!("file ends inside the header; expected {ndim} dimension sizes"),
            ));
        }
        dims.push(u32::from_be_bytes(b) as usize);
    }
    let header_len = 4 + 4 * ndim as u64;
    let expected = dims
        .iter()
        .try_fold(1u64, |acc, &d| acc.checked_mul(d as u64))
        .ok_or_else(|| err(4, format!("dimensions {dims:?} overflow a 64-bit size")))?;

    if let Some(len) = known_len {
        let have = len.saturating_sub(header_len);
        if have != expected {
            let what = if have < expected { "truncated" } else { "too long" };
            return Err(err(
                header_len + have.min(expected),
                format!("{what}: dimensions {dims:?} need {expected} bytes of data, the file has {have}"),
            ));
        }
    }

    // Refused here, before a byte of data is read: a gzip stream can expand a thousandfold,
    // so a small compressed file may truthfully declare more than memory holds.
    crate::budget::check(
        || format!("{}: IDX data of dimensions {dims:?}", path.display()),
        Some(expected),
    )?;
    // Reads at most one byte past what the header promises: the vector grows with the data
    // actually present, never with the header's claim.
    let mut data = Vec::new();
    (&mut r)
        .take(expected.saturating_add(1))
        .read_to_end(&mut data)
        .map_err(read_err)?;
    let have = data.len() as u64;
    if have < expected {
        return Err(err(
            header_len + have,
            format!("truncated: dimensions {dims:?} need {expected} bytes of data, found {have}"),
        ));
    }
    if have > expected {
        return Err(err(
            header_len + expected,
            format!("too long: data continues after the {expected} bytes that dimensions {dims:?} describe"),
        ));
    }
    Ok(Idx { dims, data })
}

/// Like `read_exact`, but returns how many bytes were read before the end of the stream.
fn read_full(r: &mut impl Read, buf: &mut [u8]) -> std::io::Result<usize> {
    let mut n = 0;
    while n < buf.len() {
        match r.read(&mut buf[n..]) {
            Ok(0) => break,
            Ok(k) => n += k,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(n)
}

/// Writes an IDX file of unsigned bytes (raw). Used by tests and tools that make small data sets.
pub fn encode_idx(dims: &[usize], data: &[u8]) -> Vec<u8> {
    let mut out = vec![0, 0, TYPE_U8, dims.len() as u8];
    for &d in dims {
        out.extend_from_slice(&(d as u32).to_be_bytes());
    }
    out.extend_from_slice(data);
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    fn write(dir: &Path, name: &str, bytes: &[u8]) -> std::path::PathBuf {
        let p = dir.join(name);
        std::fs::write(&p, bytes).unwrap();
        p
    }

    fn gzip(bytes: &[u8]) -> Vec<u8> {
        let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        e.write_all(bytes).unwrap();
        e.finish().unwrap()
    }

    fn message(r: Result<Idx>) -> String {
        r.unwrap_err().to_string()
    }

    #[test]
    fn round_trip_raw_and_gzip() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path();
        let bytes = encode_idx(&[2, 3], &[1, 2, 3, 4, 5, 6]);
        let want = Idx {
            dims: vec![2, 3],
            data: vec![1, 2, 3, 4, 5, 6],
        };
        assert_eq!(read_idx(&write(dir, "a", &bytes)).unwrap(), want);
        assert_eq!(read_idx(&write(dir, "a.gz", &gzip(&bytes))).unwrap(), want);
    }

    #[test]
    fn rejects_bad_files_with_position() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path();
        let good = encode_idx(&[2, 3], &[1, 2, 3, 4, 5, 6]);

        let mut bad_magic = good.clone();
        bad_magic[0] = 7;
        assert!(message(read_idx(&write(dir, "m", &bad_magic))).contains("at byte 0: expected an IDX magic"));

        let mut bad_type = good.clone();
        bad_type[2] = 0x0d;
        assert!(
            message(read_idx(&write(dir, "t", &bad_type))).contains("at byte 2: expected value type 0x08")
        );

        let m = message(read_idx(&write(dir, "short", &good[..14])));
        assert!(m.contains("at byte 14: truncated"), "{m}");
        let m = message(read_idx(&write(dir, "short.gz", &gzip(&good[..14]))));
        assert!(
            m.contains("at byte 14: truncated") && m.contains("decompressed"),
            "{m}"
        );

        let mut long = good.clone();
        long.push(9);
        assert!(message(read_idx(&write(dir, "long", &long))).contains("too long"));
        assert!(message(read_idx(&write(dir, "long.gz", &gzip(&long)))).contains("too long"));

        assert!(message(read_idx(&write(dir, "hdr", &good[..6]))).contains("inside the header"));
        assert!(message(read_idx(&write(dir, "empty", &[]))).contains("file ends after 0 bytes"));
    }

    #[test]
    fn hostile_header_does_not_allocate_its_claim() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path();
        // Claims 4 G × 4 G values but holds three bytes.
        let bytes = encode_idx(&[u32::MAX as usize, u32::MAX as usize], &[1, 2, 3]);
        assert!(message(read_idx(&write(dir, "h", &bytes))).contains("truncated"));
        // Compressed, the length cannot be compared: the claim is refused by the memory limit
        // before any data is read.
        let m = message(read_idx(&write(dir, "h.gz", &gzip(&bytes))));
        assert!(m.contains("h.gz") && m.contains("memory limit"), "{m}");
    }

    #[test]
    fn a_gzip_bomb_is_refused_after_its_header_however_much_it_holds() {
        let tmp = tempfile::tempdir().unwrap();
        // 2 GiB of zeros claimed, the first 64 MiB of them present (64 KB compressed).
        let dims = [2048usize, 1024, 1024];
        let mut z = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        z.write_all(&encode_idx(&dims, &[])).unwrap();
        let block = vec![0u8; 1 << 20];
        for _ in 0..64 {
            z.write_all(&block).unwrap();
        }
        let path = write(tmp.path(), "bomb.gz", &z.finish().unwrap());
        let m = message(read_idx(&path));
        assert!(m.contains("memory limit") && m.contains("2.0 GiB"), "{m}");
    }

    #[test]
    fn corrupt_gzip_is_a_format_error() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path();
        let mut z = gzip(&encode_idx(&[100], &[7; 100]));
        let n = z.len();
        z[n / 2] ^= 0xff;
        z[n - 5] ^= 0xff; // and the CRC
        let m = message(read_idx(&write(dir, "c.gz", &z)));
        assert!(m.contains("c.gz"), "{m}");
    }
}
