//! `mlp serve [MODEL]`: the flags; the server is the library's `mlp::serve`.

use crate::flags::DataArgs;
use clap::Args;
use mlp::Error;
use std::net::IpAddr;
use std::path::PathBuf;

#[derive(Args)]
pub struct ServeArgs {
    /// Model file for the canvas (as `mlp train --save` writes); without one, train it on the page.
    model: Option<PathBuf>,
    /// Port to listen on; 0 takes any free one (the URL printed says which).
    #[arg(long, default_value_t = 8000, value_name = "N")]
    port: u16,
    /// Address to listen on. Anyone who can reach it can use the page and start training.
    #[arg(long, default_value = "127.0.0.1", value_name = "ADDR")]
    host: IpAddr,
    #[command(flatten)]
    data: DataArgs,
}

pub fn run(args: &ServeArgs) -> Result<(), Error> {
    mlp::serve::run(&mlp::serve::Options {
        model: args.model.clone(),
        host: args.host,
        port: args.port,
        // Without MNIST the page still predicts with MODEL; training then says what is missing.
        data_dir: args.data.dir().ok(),
        no_data_hint: "; start mlp serve with --data-dir DIR (or MLP_DATA_DIR), or run `mlp data fetch \
                       mnist` first"
            .into(),
    })
}
