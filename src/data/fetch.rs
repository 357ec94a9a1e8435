//! Downloads MNIST and Fashion-MNIST from the public mirrors (the ones torchvision uses, tried
//! in turn), checking every file against the MD5 published for it.
//!
//! A file is first written to a hidden `.NAME.part-PID` beside its final name and only renamed
//! to `NAME` once complete and verified, so an interrupted or corrupted download never leaves a
//! file that passes as complete. Files already present and verified are not fetched again.

use crate::error::{Error, Result};
use md5::Md5;
use std::fs::File;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::time::Duration;

/// No data set file is near this size; a server sending more is not sending it.
const MAX_BYTES: u64 = 200 << 20;
/// After the first timeout, a download slower on average than this is abandoned: a server that
/// drips a byte just within each read timeout would otherwise hold it for ever.
const MIN_BYTES_PER_SECOND: f64 = 4096.0;
/// However fast the bytes come, no download takes longer than this.
const DEADLINE: Duration = Duration::from_secs(30 * 60);

/// One file of a data set and what it must hash to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RemoteFile {
    /// The file name on the mirrors and on disk (`train-images-idx3-ubyte.gz`).
    pub name: String,
    /// The MD5 published for the file as the mirrors serve it.
    pub md5: String,
    /// The SHA-256 of its decompressed contents, when known: a faithful copy compressed
    /// differently passes by this instead.
    pub sha256_decompressed: Option<String>,
}

/// A data set: its files and the mirrors that serve them (base URLs ending in `/`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Source {
    pub name: String,
    pub mirrors: Vec<String>,
    pub files: Vec<RemoteFile>,
}

impl Source {
    /// MNIST, from the mirrors and with the MD5s torchvision uses.
    pub fn mnist() -> Source {
        let sha = |name: &str| {
            super::verify::MNIST_SHA256
                .iter()
                .find(|(n, _)| name.starts_with(n))
                .map(|(_, s)| s.to_string())
        };
        let files = [
            ("train-images-idx3-ubyte.gz", "f68b3c2dcbeaaa9fbdd348bbdeb94873"),
            ("train-labels-idx1-ubyte.gz", "d53e105ee54ea40749a09fcbcd1e9432"),
            ("t10k-images-idx3-ubyte.gz", "9fb629c4189551a2d022fa330f9573f3"),
            ("t10k-labels-idx1-ubyte.gz", "ec29112dd5afa0611ce80d1b7f02629c"),
        ];
        Source {
            name: "mnist".into(),
            mirrors: vec![
                "https://ossci-datasets.s3.amazonaws.com/mnist/".into(),
                "https://storage.googleapis.com/cvdf-datasets/mnist/".into(),
                "http://yann.lecun.com/exdb/mnist/".into(),
            ],
            files: files
                .iter()
                .map(|(name, md5)| RemoteFile {
                    name: name.to_string(),
                    md5: md5.to_string(),
                    sha256_decompressed: sha(name),
                })
                .collect(),
        }
    }

    /// Fashion-MNIST (Zalando), with the MD5s its authors publish.
    pub fn fashion_mnist() -> Source {
        let files = [
            ("train-images-idx3-ubyte.gz", "8d4fb7e6c68d591d4c3dfef9ec88bf0d"),
            ("train-labels-idx1-ubyte.gz", "25c81989df183df01b3e8a0aad5dffbe"),
            ("t10k-images-idx3-ubyte.gz", "bef4ecab320f06d8554ea6380940ec79"),
            ("t10k-labels-idx1-ubyte.gz", "bb300cfdad3c16e7a12a480ee83cd310"),
        ];
        Source {
            name: "fashion-mnist".into(),
            mirrors: vec![
                "http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/".into(),
                "https://raw.githubusercontent.com/zalandoresearch/fashion-mnist/master/data/fashion/".into(),
            ],
            files: files
                .iter()
                .map(|(name, md5)| RemoteFile {
                    name: name.to_string(),
                    md5: md5.to_string(),
                    sha256_decompressed: None,
                })
                .collect(),
        }
    }

    /// The data set called `name` (`mnist` or `fashion-mnist`).
    pub fn named(name: &str) -> Result<Source> {
        match name {
            "mnist" => Ok(Source::mnist()),
            "fashion-mnist" => Ok(Source::fashion_mnist()),
            _ => Err(Error::Invalid(format!(
                "unknown data set '{name}'; expected mnist or fashion-mnist"
            ))),
        }
    }
}

/// The cache directory for a data set: `$XDG_CACHE_HOME/mlp/NAME` (`~/.cache/mlp/NAME` on
/// Linux, the platform's cache folder elsewhere).
pub fn cache_dir(name: &str) -> Option<PathBuf> {
    dirs::cache_dir().map(|d| d.join("mlp").join(name))
}

/// What a download is doing, for a progress display.
#[derive(Debug, Clone, PartialEq)]
pub enum FetchEvent<'a> {
    /// The file is already there and verified.
    Present { file: &'a str },
    /// Downloading `file` from `url` (`total` bytes, when the server says).
    Start {
        file: &'a str,
        url: &'a str,
        total: Option<u64>,
    },
    /// `done` bytes received so far.
    Bytes { file: &'a str, done: u64 },
    /// This mirror failed; the next is tried.
    Failed {
        file: &'a str,
        url: &'a str,
        reason: &'a str,
    },
    /// Downloaded and verified.
    Done { file: &'a str, url: &'a str },
}

/// Downloads every file of `source` missing (or failing its checksum) in `dir`, trying the
/// mirrors in turn; `timeout` bounds connecting and each wait for more data.
pub fn fetch(source: &Source, dir: &Path, timeout: Duration, on: &mut dyn FnMut(FetchEvent)) -> Result<()> {
    std::fs::create_dir_all(dir).map_err(|e| Error::io(dir, e))?;
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .timeout_connect(Some(timeout))
        .timeout_per_read(Some(timeout))
        .timeout_recv_response(Some(timeout))
        .timeout_global(Some(DEADLINE))
        .build()
        .into();
    for file in &source.files {
        let target = dir.join(&file.name);
        if target.is_file() && verify(&target, file)?.is_ok() {
            on(FetchEvent::Present { file: &file.name });
            continue;
        }
        let mut failures = Vec::new();
        for mirror in &source.mirrors {
            let url = format!("{mirror}{}", file.name);
            match download(&agent, timeout, &url, dir, file, on) {
                Ok(()) => {
                    on(FetchEvent::Done {
                        file: &file.name,
                        url: &url,
                    });
                    failures.clear();
                    break;
                }
                Err(reason) => {
                    on(FetchEvent::Failed {
                        file: &file.name,
                        url: &url,
                        reason: &reason,
                    });
                    failures.push(format!("{url}: {reason}"));
                }
            }
        }
        if !failures.is_empty() {
            return Err(Error::Invalid(format!(
                "could not fetch {} from any mirror:\n  {}\nnothing was written to {} for it; check the \
                 network and run the command again (files already fetched are kept)",
                file.name,
                failures.join("\n  "),
                target.display()
            )));
        }
    }
    Ok(())
}

/// Downloads `url` into a temporary file, verifies it and renames it into place. The error is
/// the reason, for the list of failed mirrors.
fn download(
    agent: &ureq::Agent,
    timeout: Duration,
    url: &str,
    dir: &Path,
    file: &RemoteFile,
    on: &mut dyn FnMut(FetchEvent),
) -> Result<(), String> {
    let response = agent.get(url).call().map_err(|e| e.to_string())?;
    let total = response.body().content_length();
    on(FetchEvent::Start {
        file: &file.name,
        url,
        total,
    });
    let target = dir.join(&file.name);
    // The download goes through the one safe writer: into a temporary file, verified there,
    // and renamed over the target only if that is a regular file or absent.
    let fail = |m: String| Error::Invalid(m);
    crate::files::write_with(&target, |out, part| {
        let mut reader = response.into_body().into_with_config().limit(MAX_BYTES).reader();
        let mut buf = vec![0u8; 1 << 16];
        let mut done = 0u64;
        let started = std::time::Instant::now();
        loop {
            let n = reader.read(&mut buf).map_err(|e| {
                let timed_out = e.kind() == std::io::ErrorKind::TimedOut || e.to_string().contains("timeout");
                fail(match total {
                    _ if timed_out => format!("timed out: no data for the timeout after {done} bytes ({e})"),
                    Some(total) => format!("truncated: received {done} of {total} bytes ({e})"),
                    None => format!("failed after {done} bytes: {e}"),
                })
            })?;
            if n == 0 {
                break;
            }
            out.write_all(&buf[..n]).map_err(|e| Error::io(part, e))?;
            done += n as u64;
            let elapsed = started.elapsed();
            if elapsed > timeout && (done as f64) < MIN_BYTES_PER_SECOND * elapsed.as_secs_f64() {
                return Err(fail(format!(
                    "too slow: {done} bytes in {:.1} s, less than {MIN_BYTES_PER_SECOND} bytes per second",
                    elapsed.as_secs_f64()
                )));
            }
            on(FetchEvent::Bytes {
                file: &file.name,
                done,
            });
        }
        if let Some(total) = total
            && done != total
        {
            return Err(fail(format!("truncated: received {done} of {total} bytes")));
        }
        out.flush().map_err(|e| Error::io(part, e))?;
        verify(part, file)?.map_err(fail)
    })
    .map_err(|e| e.to_string())
}

/// `Ok(Ok(()))` when the file has its published MD5 (or its decompressed contents their
/// known SHA-256), `Ok(Err(why))` when not.
fn verify(path: &Path, file: &RemoteFile) -> Result<Result<(), String>> {
    let md5 = md5_hex(path)?;
    if md5 == file.md5 {
        return Ok(Ok(()));
    }
    if let Some(expected) = &file.sha256_decompressed
        && super::verify::decompressed_sha256(path).ok().as_ref() == Some(expected)
    {
        return Ok(Ok(()));
    }
    Ok(Err(format!(
        "checksum mismatch: MD5 {md5}, published {}{}",
        file.md5,
        if file.sha256_decompressed.is_some() {
            ", and the decompressed contents differ from MNIST's"
        } else {
            ""
        }
    )))
}

fn md5_hex(path: &Path) -> Result<String> {
    let file = File::open(path).map_err(|e| Error::io(path, e))?;
    super::verify::hex_digest::<Md5>(file).map_err(|e| Error::io(path, e))
}
