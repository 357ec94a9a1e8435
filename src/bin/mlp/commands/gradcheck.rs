//! `mlp gradcheck`: backpropagation against numerical derivatives on a random network.

use crate::flags::{NeuronArgs, Sizes, parse_layers};
use clap::Args;
use mlp::Error;
use mlp::gradcheck::check_architecture;

#[derive(Args)]
pub struct GradcheckArgs {
    /// Layer sizes of the random network, inputs first.
    #[arg(long, value_parser = parse_layers, default_value = "5,4,3")]
    layers: Sizes,
    /// The network's neurons and cost, paired as `mlp train` pairs them (log-likelihood needs
    /// a softmax output, cross-entropy a sigmoid one).
    #[command(flatten)]
    neurons: NeuronArgs,
    /// Seed of the random weights, inputs and targets.
    #[arg(long, default_value_t = 0)]
    seed: u64,
    /// Print {"max_relative_error": ..., "numerical_seconds": ..., "backprop_seconds": ...}.
    #[arg(long)]
    json: bool,
}

pub fn run(args: &GradcheckArgs) -> Result<(), Error> {
    let arch = args.neurons.architecture(&args.layers.0)?;
    let g = check_architecture(&arch, args.seed)?;
    if args.json {
        println!("{}", serde_json::to_string(&g).expect("plain data"));
        return Ok(());
    }
    let sizes: Vec<String> = arch.sizes.iter().map(usize::to_string).collect();
    println!(
        "{} ({} hidden, {} output, {} cost): {} parameters; max relative error {:.3e}\n\
         numerical ({} feedforward passes): {:.6} s\nbackpropagation (1 forward + 1 backward pass): {:.6} s",
        sizes.join("-"),
        arch.hidden,
        arch.output,
        arch.cost,
        g.parameters,
        g.max_relative_error,
        g.numerical_passes,
        g.numerical_seconds,
        g.backprop_seconds
    );
    Ok(())
}
