//! Perceptrons as logic gates, and Rosenblatt's rule learning them.
//!
//!     cargo run --release --example gates

use mlp::perceptron::{self, INPUTS_2, Perceptron};

/// A two-input boolean function, the truth to learn.
type Gate = fn(u8, u8) -> u8;

fn main() {
    let nand = Perceptron::nand();
    println!("NAND perceptron: w = {:?}, b = {}", nand.weights, nand.bias);
    println!(" x1 x2 | NAND XOR sum carry");
    for [a, b] in INPUTS_2 {
        let (sum, carry) = perceptron::half_adder(a, b);
        println!(
            "  {a}  {b} |  {}    {}    {}    {}",
            nand.output(&[a, b]),
            perceptron::xor(a, b),
            sum,
            carry
        );
    }

    println!("\nRosenblatt's rule (eta 0.1, at most 100 epochs):");
    let gates: [(&str, Gate); 4] = [
        ("AND", |a, b| a & b),
        ("OR", |a, b| a | b),
        ("NAND", |a, b| 1 - (a & b)),
        ("XOR", |a, b| a ^ b),
    ];
    for (name, f) in gates {
        let learned = perceptron::learn(&perceptron::samples(f), 0.1, 100);
        if learned.converged {
            println!(
                "  {name:<4} learned in {} epochs: w = {:?}, b = {:.1}",
                learned.errors_per_epoch.len(),
                learned.perceptron.weights,
                learned.perceptron.bias
            );
        } else {
            println!(
                "  {name:<4} not learned: still {} errors after 100 epochs (not linearly separable)",
                learned.errors_per_epoch.last().unwrap()
            );
        }
    }
}
