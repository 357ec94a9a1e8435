//! `mlp plot` and `mlp draw`: the flags; the drawing is in `pictures.rs`.

use crate::flags::{Sizes, parse_layers};
use clap::Args;
use mlp::Error;
use std::path::PathBuf;

#[derive(Args)]
pub struct PlotArgs {
    /// History file written by `mlp train --history`.
    history: PathBuf,
    /// Picture to write: .svg or .png.
    #[arg(short = 'o', long = "output", value_name = "FILE")]
    output: PathBuf,
}

#[derive(Args)]
pub struct DrawArgs {
    /// Neurons per layer, inputs first, e.g. 2,3,3,2 (or take them from --model).
    #[arg(long, value_parser = parse_layers)]
    layers: Option<Sizes>,
    /// A model file: connections are drawn by their weight (blue positive, red negative,
    /// bolder when larger).
    #[arg(long, value_name = "FILE")]
    model: Option<PathBuf>,
    /// Label each connection with its weight (needs --model; readable for small networks).
    #[arg(long)]
    weights: bool,
    /// Shade one weight layer's connections, layer:N for W^N (N = 1 feeds the first hidden
    /// layer), as the lecture steps through feedforward and backpropagation.
    #[arg(long, value_name = "layer:N")]
    highlight: Option<mlp::plot::Highlight>,
    /// Picture to write: .svg or .png.
    #[arg(short = 'o', long = "output", value_name = "FILE")]
    output: PathBuf,
}

pub fn plot(args: &PlotArgs) -> Result<(), Error> {
    crate::pictures::plot_history(&args.history, &args.output)
}

pub fn draw(args: &DrawArgs) -> Result<(), Error> {
    crate::pictures::draw(
        args.layers.as_ref().map(|s| s.0.as_slice()),
        args.model.as_deref(),
        args.weights,
        args.highlight,
        &args.output,
    )
}
