//! `mlp data fetch`: downloads with a progress bar per file (on a terminal) or a line per file.

use mlp::Error;
use mlp::data::fetch::{self, FetchEvent, Source};
use mlp::data::mnist;
use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::time::Duration;

/// Where `data fetch NAME` stores the files: `--dir`, else (for MNIST) `MLP_DATA_DIR`, else the
/// user's cache directory.
pub fn destination(name: &str, dir: Option<&Path>) -> Result<PathBuf, Error> {
    if let Some(d) = dir {
        return Ok(d.to_path_buf());
    }
    if name == "mnist"
        && let Some(d) = std::env::var_os(mnist::DATA_DIR_ENV)
    {
        return Ok(PathBuf::from(d));
    }
    fetch::cache_dir(name)
        .ok_or_else(|| Error::Invalid("no cache directory is known for this user: pass --dir DIR".into()))
}

pub fn fetch(
    name: &str,
    dir: Option<&Path>,
    mirrors: &[String],
    timeout: u64,
    quiet: bool,
) -> Result<(), Error> {
    let mut source = Source::named(name)?;
    if !mirrors.is_empty() {
        source.mirrors = mirrors
            .iter()
            .map(|m| {
                if m.ends_with('/') {
                    m.clone()
                } else {
                    format!("{m}/")
                }
            })
            .collect();
    }
    let dir = destination(name, dir)?;
    let terminal = !quiet && std::io::stderr().is_terminal();
    let mut bar: Option<indicatif::ProgressBar> = None;
    let mut on = |event: FetchEvent| match event {
        FetchEvent::Present { file } if !quiet => {
            println!("{file}: already in {}, checksum OK", dir.display())
        }
        FetchEvent::Start { file, url, total } if terminal => {
            let b = indicatif::ProgressBar::new(total.unwrap_or(0));
            b.set_style(
                indicatif::ProgressStyle::with_template(
                    "{msg} [{bar:30}] {bytes}/{total_bytes} {bytes_per_sec}, ETA {eta}",
                )
                .expect("a valid template")
                .progress_chars("=> "),
            );
            b.set_message(format!("{file} from {url}"));
            bar = Some(b);
        }
        FetchEvent::Bytes { done, .. } => {
            if let Some(b) = &bar {
                b.set_position(done);
            }
        }
        FetchEvent::Failed { file, url, reason } => {
            if let Some(b) = bar.take() {
                b.finish_and_clear();
            }
            if !quiet {
                eprintln!("{file}: {url} failed ({reason}); trying the next mirror");
            }
        }
        FetchEvent::Done { file, url } => {
            if let Some(b) = bar.take() {
                b.finish_and_clear();
            }
            if !quiet {
                println!("{file}: fetched from {url}, checksum OK");
            }
        }
        _ => {}
    };
    fetch::fetch(&source, &dir, Duration::from_secs(timeout), &mut on)?;
    if !quiet {
        println!(
            "{} is in {}; train with: mlp train --data-dir {}",
            source.name,
            dir.display(),
            dir.display()
        );
    }
    Ok(())
}
