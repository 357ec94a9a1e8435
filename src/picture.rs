//! Grids of small grey images as one PNG: the autoencoder's originals over their
//! reconstructions, a digit beside its distortions.

use crate::error::{Error, Result};
use crate::files::write_atomic;
use crate::linalg::Float;
use ndarray::ArrayView2;
use std::path::Path;

/// Writes a grayscale PNG with one row of the grid per element of `rows`: each of its rows
/// one image of `side × side` values in [0, 1], drawn left to right, each pixel `scale` times
/// larger, on a dark grey background with gaps of `2·scale` pixels.
pub fn write_grid<T: Float>(path: &Path, rows: &[ArrayView2<T>], side: usize, scale: usize) -> Result<()> {
    let n = rows.iter().map(|r| r.nrows()).max().unwrap_or(0);
    let (cell, gap) = (side * scale, 2 * scale);
    let (width, height) = (gap + n * (cell + gap), gap + rows.len() * (cell + gap));
    let mut pixels = vec![40u8; width * height];
    for (row, images) in rows.iter().enumerate() {
        for (i, image) in images.rows().into_iter().enumerate() {
            let (x0, y0) = (gap + i * (cell + gap), gap + row * (cell + gap));
            for (p, &v) in image.iter().enumerate() {
                let value = (v.to_f64().unwrap_or(0.0).clamp(0.0, 1.0) * 255.0).round() as u8;
                let (px, py) = (p % side, p / side);
                for dy in 0..scale {
                    let start = (y0 + py * scale + dy) * width + x0 + px * scale;
                    pixels[start..start + scale].fill(value);
                }
            }
        }
    }
    let mut bytes = Vec::new();
    {
        let mut encoder = png::Encoder::new(&mut bytes, width as u32, height as u32);
        encoder.set_color(png::ColorType::Grayscale);
        encoder.set_depth(png::BitDepth::Eight);
        let mut writer = encoder
            .write_header()
            .map_err(|e| Error::Invalid(format!("PNG: {e}")))?;
        writer
            .write_image_data(&pixels)
            .map_err(|e| Error::Invalid(format!("PNG: {e}")))?;
    }
    write_atomic(path, &bytes)
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::Array2;

    #[test]
    fn grid_is_a_png_of_the_right_size() {
        let tmp = tempfile::tempdir().unwrap();
        let path = tmp.path().join("g.png");
        let a = Array2::<f32>::from_elem((3, 16), 0.5);
        write_grid(&path, &[a.view(), a.view()], 4, 2).unwrap();
        let decoder = png::Decoder::new(std::fs::File::open(&path).unwrap());
        let reader = decoder.read_info().unwrap();
        let info = reader.info();
        // 3 cells of 8 px with 4-px gaps; 2 rows.
        assert_eq!((info.width, info.height), (4 + 3 * 12, 4 + 2 * 12));
    }
}
