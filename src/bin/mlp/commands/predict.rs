//! `mlp predict MODEL INPUT...`: the flags; the work is in `predict.rs`.

use clap::Args;
use mlp::Error;
use std::path::PathBuf;

#[derive(Args)]
pub struct PredictArgs {
    /// Model file written by `mlp train --save`.
    model: PathBuf,
    /// Files to predict for: .png/.jpg/.jpeg (one digit each), .csv (a header row; the
    /// model's feature columns are taken by name), .npy (rows), anything else is read as IDX.
    #[arg(required = true, value_name = "INPUT")]
    inputs: Vec<PathBuf>,
    /// Show the K most probable classes (default 1; with --json, all of them).
    #[arg(long, value_name = "K", value_parser = clap::value_parser!(u64).range(1..))]
    top: Option<u64>,
    /// Print one JSON array: [{"input", "prediction", "top": [{"class", "probability"}]}]
    /// ("activation" instead of "probability" when the output layer is not softmax), and
    /// "low_confidence": true for a picture with almost no ink.
    #[arg(long)]
    json: bool,
}

pub fn run(args: &PredictArgs) -> Result<(), Error> {
    crate::predict::predict(&args.model, &args.inputs, args.top.map(|k| k as usize), args.json)
}
