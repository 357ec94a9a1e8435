//! Checks a local MNIST copy file by file: the SHA-256 of each file's decompressed contents
//! must be the one every faithful copy has, however the copy was compressed.

use super::mnist::{TEST_IMAGES, TEST_LABELS, TRAIN_IMAGES, TRAIN_LABELS};
use crate::error::{Error, Result};
use sha2::{Digest, Sha256};
use std::io::{BufReader, Read};
use std::path::{Path, PathBuf};

/// SHA-256 of the decompressed MNIST files.
pub const MNIST_SHA256: [(&str, &str); 4] = [
    (
        TRAIN_IMAGES,
        "ba891046e6505d7aadcbbe25680a0738ad16aec93bde7f9b65e87a2fc25776db",
    ),
    (
        TRAIN_LABELS,
        "65a50cbbf4e906d70832878ad85ccda5333a97f0f4c3dd2ef09a8a9eef7101c5",
    ),
    (
        TEST_IMAGES,
        "0fa7898d509279e482958e8ce81c8e77db3f2f8254e26661ceb7762c4d494ce7",
    ),
    (
        TEST_LABELS,
        "ff7bcfd416de33731a308c3f266cc351222c34898ecbeaf847f06e48f7ec33f2",
    ),
];

/// One file's verdict.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verdict {
    pub name: &'static str,
    /// The file found (`NAME.gz` or `NAME`), if any.
    pub path: Option<PathBuf>,
    /// SHA-256 of its decompressed contents.
    pub sha256: Option<String>,
    pub expected: &'static str,
}

impl Verdict {
    pub fn ok(&self) -> bool {
        self.sha256.as_deref() == Some(self.expected)
    }
}

/// Verifies the four MNIST files in `dir`. A missing or unreadable file is a failed verdict;
/// only a missing directory is an error.
pub fn verify_mnist(dir: &Path) -> Result<Vec<Verdict>> {
    if !dir.is_dir() {
        return Err(Error::NotFound {
            path: dir.to_path_buf(),
            hint: " (the MNIST directory to verify)".into(),
        });
    }
    let mut verdicts = Vec::new();
    for (name, expected) in MNIST_SHA256 {
        let path = [format!("{name}.gz"), name.to_string()]
            .into_iter()
            .map(|f| dir.join(f))
            .find(|p| p.is_file());
        let sha256 = path.as_deref().and_then(|p| decompressed_sha256(p).ok());
        verdicts.push(Verdict {
            name,
            path,
            sha256,
            expected,
        });
    }
    Ok(verdicts)
}

/// SHA-256 of a file's contents after gzip decompression (if it is gzipped, by its magic).
pub fn decompressed_sha256(path: &Path) -> Result<String> {
    let mut file = BufReader::new(crate::files::open_regular(path)?.0);
    let mut head = [0u8; 2];
    let got = file.read(&mut head).map_err(|e| Error::io(path, e))?;
    let start = std::io::Cursor::new(head[..got].to_vec());
    let reader: Box<dyn Read> = if got == 2 && head == [0x1f, 0x8b] {
        Box::new(flate2::read::MultiGzDecoder::new(start.chain(file)))
    } else {
        Box::new(start.chain(file))
    };
    hex_digest::<Sha256>(reader)
        .map_err(|e| Error::format(path, 0, format!("cannot be read or decompressed: {e}")))
}

/// The digest `D` (SHA-256, MD5, …) of everything `reader` yields, in lowercase hex.
pub fn hex_digest<D: Digest>(mut reader: impl Read) -> std::io::Result<String> {
    let mut hasher = D::new();
    let mut buf = vec![0u8; 1 << 16];
    loop {
        let n = reader.read(&mut buf)?;
        if n == 0 {
            break;
        }
        hasher.update(&buf[..n]);
    }
    Ok(hasher.finalize().iter().map(|b| format!("{b:02x}")).collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    #[test]
    fn hashes_the_decompressed_contents() {
        let tmp = tempfile::tempdir().unwrap();
        let (raw, gz) = (tmp.path().join("a"), tmp.path().join("a.gz"));
        std::fs::write(&raw, b"abc").unwrap();
        let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
        e.write_all(b"abc").unwrap();
        std::fs::write(&gz, e.finish().unwrap()).unwrap();
        let want = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"; // SHA-256("abc")
        assert_eq!(decompressed_sha256(&raw).unwrap(), want);
        assert_eq!(decompressed_sha256(&gz).unwrap(), want);
        let verdicts = verify_mnist(tmp.path()).unwrap();
        assert!(verdicts.iter().all(|v| !v.ok() && v.path.is_none()));
    }
}
