//! `mlp gates`: the truth tables of perceptron gates and the half adder.

use clap::Args;
use mlp::Error;
use mlp::perceptron::{self, Perceptron};
use serde::Serialize;

#[derive(Args)]
pub struct GatesArgs {
    /// Print one JSON object instead of tables.
    #[arg(long)]
    json: bool,
}

#[derive(Serialize)]
struct Gates {
    #[serde(rename = "NAND")]
    nand: Vec<[u8; 3]>,
    #[serde(rename = "AND")]
    and: Vec<[u8; 3]>,
    #[serde(rename = "OR")]
    or: Vec<[u8; 3]>,
    #[serde(rename = "XOR")]
    xor: Vec<[u8; 3]>,
    half_adder: Vec<[u8; 4]>,
}

pub fn run(args: &GatesArgs) -> Result<(), Error> {
    let gate = |p: Perceptron| perceptron::truth_table(move |a, b| p.output(&[a, b]));
    let g = Gates {
        nand: gate(Perceptron::nand()),
        and: gate(Perceptron::and()),
        or: gate(Perceptron::or()),
        xor: perceptron::truth_table(perceptron::xor),
        half_adder: perceptron::INPUTS_2
            .iter()
            .map(|&[a, b]| {
                let (sum, carry) = perceptron::half_adder(a, b);
                [a, b, sum, carry]
            })
            .collect(),
    };
    if args.json {
        println!("{}", serde_json::to_string(&g).expect("plain data"));
        return Ok(());
    }
    let nand = Perceptron::nand();
    println!(
        "NAND is one perceptron: w = [{}, {}], b = {}; XOR is four NANDs; half adder: sum = XOR, carry = AND.",
        nand.weights[0], nand.weights[1], nand.bias
    );
    for (name, table) in [("NAND", &g.nand), ("AND", &g.and), ("OR", &g.or), ("XOR", &g.xor)] {
        println!("\n{name}\n x1 x2 | out");
        for [a, b, o] in table {
            println!("  {a}  {b} |  {o}");
        }
    }
    println!("\nhalf adder\n x1 x2 | sum carry");
    for [a, b, s, c] in &g.half_adder {
        println!("  {a}  {b} |  {s}    {c}");
    }
    Ok(())
}
