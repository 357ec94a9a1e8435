//! `mlp data verify` (and the dispatch of `mlp data fetch`, in `fetch.rs`).

use crate::fetch;
use clap::Subcommand;
use mlp::Error;
use std::path::{Path, PathBuf};

#[derive(Subcommand)]
pub enum DataCommand {
    /// Download MNIST or Fashion-MNIST (the four .gz files) from the public mirrors, tried in
    /// turn, checking each file against its published MD5. Files are renamed into place only
    /// when complete and verified; files already there and verified are kept.
    Fetch {
        /// The data set.
        #[arg(value_parser = ["mnist", "fashion-mnist"])]
        name: String,
        /// Where to store the files. [default: for mnist $MLP_DATA_DIR if set; else the user's
        /// cache directory, ~/.cache/mlp/NAME on Linux]
        #[arg(long, value_name = "DIR")]
        dir: Option<PathBuf>,
        /// Use this mirror (a base URL the file names are appended to) instead of the built-in
        /// list; repeat to try several in turn.
        #[arg(long, value_name = "URL")]
        mirror: Vec<String>,
        /// Seconds to wait for a connection, or for more data, before trying the next mirror.
        #[arg(long, value_name = "SECS", default_value_t = 30, value_parser = clap::value_parser!(u64).range(1..))]
        timeout: u64,
        /// Print nothing but errors.
        #[arg(long)]
        quiet: bool,
    },
    /// Check the four MNIST files in DIR by the SHA-256 of their decompressed contents (any
    /// faithful copy passes, however it was compressed); exit 1 if one is missing or differs.
    Verify {
        /// Directory holding the MNIST files (raw or .gz).
        dir: PathBuf,
    },
}

pub fn run(command: &DataCommand) -> Result<(), Error> {
    match command {
        DataCommand::Verify { dir } => verify(dir),
        DataCommand::Fetch {
            name,
            dir,
            mirror,
            timeout,
            quiet,
        } => fetch::fetch(name, dir.as_deref(), mirror, *timeout, *quiet),
    }
}

fn verify(dir: &Path) -> Result<(), Error> {
    let verdicts = mlp::data::verify::verify_mnist(dir)?;
    for v in &verdicts {
        match (&v.path, &v.sha256) {
            (None, _) => println!(
                "MISSING   {} (neither {0} nor {0}.gz in {})",
                v.name,
                dir.display()
            ),
            (Some(p), None) => println!("UNREADABLE {}", p.display()),
            (Some(p), Some(sum)) if v.ok() => println!("OK        {} (sha256 {sum})", p.display()),
            (Some(p), Some(sum)) => println!(
                "MISMATCH  {} (sha256 {sum}, expected {})",
                p.display(),
                v.expected
            ),
        }
    }
    let bad = verdicts.iter().filter(|v| !v.ok()).count();
    if bad > 0 {
        return Err(Error::Mismatch(format!(
            "{bad} of {} MNIST files in {} failed verification",
            verdicts.len(),
            dir.display()
        )));
    }
    println!("All {} files match MNIST.", verdicts.len());
    Ok(())
}
