//! One file per subcommand: its flags and what it does, through the library.

pub mod augment;
pub mod autoencode;
pub mod data;
pub mod eval;
#[cfg(feature = "onnx")]
pub mod export;
pub mod gates;
pub mod gradcheck;
#[cfg(feature = "onnx")]
pub mod import;
pub mod pictures;
pub mod predict;
#[cfg(feature = "serve")]
pub mod serve;
pub mod train;

/// A confusion matrix as a table, classes as row and column headings.
pub fn print_confusion(classes: &[String], confusion: &[Vec<usize>]) {
    let width = classes
        .iter()
        .map(|c| c.chars().count())
        .max()
        .unwrap_or(1)
        .max(5)
        + 1;
    print!("{:width$} ", "");
    for c in classes {
        print!("{c:>width$}");
    }
    println!();
    for (name, row) in classes.iter().zip(confusion) {
        print!("{name:>width$} ");
        for n in row {
            print!("{n:>width$}");
        }
        println!();
    }
}
