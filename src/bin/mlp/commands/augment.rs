//! `mlp augment-preview -o grid.png`: training images beside several of their distortions,
//! drawn as `mlp train --augment` would make them in successive epochs.

use crate::flags::{DataArgs, DistortionRanges};
use clap::Args;
use mlp::Error;
use mlp::data::augment::Distorter;
use mlp::data::{Features, mnist};
use ndarray::Array2;
use std::path::PathBuf;

#[derive(Args)]
pub struct AugmentPreviewArgs {
    #[command(flatten)]
    data: DataArgs,
    /// PNG to write: one row per training image, the original first, then its distortions.
    #[arg(short = 'o', long = "output", value_name = "FILE.png")]
    output: PathBuf,
    /// How many training images (rows).
    #[arg(long, default_value_t = 8, value_parser = clap::value_parser!(u64).range(1..=60))]
    count: u64,
    /// Distortions of each (columns after the original): those of epochs 1, 2, ….
    #[arg(long, default_value_t = 8, value_parser = clap::value_parser!(u64).range(1..=30))]
    variants: u64,
    /// The run's seed, as `mlp train --seed`.
    #[arg(long, default_value_t = 0)]
    seed: u64,
    #[command(flatten)]
    ranges: DistortionRanges,
}

pub fn run(args: &AugmentPreviewArgs) -> Result<(), Error> {
    let (train, _) = mnist::load(&args.data.dir()?)?;
    let distortion = args.ranges.distortion();
    let mut distorter = Distorter::for_images(distortion, &train)?;
    let Features::Pixels(pixels) = &train.features else {
        unreachable!("MNIST images are pixels")
    };
    let d = train.n_features();
    let side = (d as f64).sqrt() as usize;
    let (count, variants) = (args.count as usize, args.variants as usize);
    let mut rows = Vec::with_capacity(count);
    let mut distorted = vec![0u8; d];
    for index in 0..count.min(train.len()) {
        let original = pixels.row(index);
        let src = original.as_slice().expect("rows of a standard array");
        let mut row = Array2::<f32>::zeros((1 + variants, d));
        row.row_mut(0)
            .iter_mut()
            .zip(src)
            .for_each(|(v, &p)| *v = f32::from(p) / 255.0);
        for epoch in 1..=variants {
            distorter.distort(src, &mut distorted, args.seed, epoch, index);
            row.row_mut(epoch)
                .iter_mut()
                .zip(&distorted)
                .for_each(|(v, &p)| *v = f32::from(p) / 255.0);
        }
        rows.push(row);
    }
    let views: Vec<_> = rows.iter().map(Array2::view).collect();
    mlp::picture::write_grid(&args.output, &views, side, 3)?;
    println!(
        "Wrote {} ({} training images, each followed by its distortions in epochs 1–{variants}: \
         rotation ±{}°, scaling ±{}, shear ±{}, shift ±{} px, elastic σ {} α {})",
        args.output.display(),
        rows.len(),
        distortion.rotate,
        distortion.scale,
        distortion.shear,
        distortion.shift,
        distortion.sigma,
        distortion.alpha
    );
    Ok(())
}
