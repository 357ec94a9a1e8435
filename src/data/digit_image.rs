//! A picture of a handwritten digit (PNG, JPEG) turned into what MNIST's networks read: 28×28
//! grey levels in [0, 1], a white digit on black, as MNIST made its images.
//!
//! The steps, each MNIST's own:
//! 1. grey levels (transparent pixels count as background), inverted when the border is
//!    lighter than the middle (a dark digit on light paper);
//! 2. the background level (the border's median) subtracted and the ink stretched to [0, 1];
//! 3. cropped to the ink's bounding box and scaled, keeping its aspect ratio, so its longer
//!    side is 20 pixels (area-averaged);
//! 4. placed in a 28×28 black field with its centre of mass at the centre.

use crate::error::{Error, Result};
use image::{DynamicImage, GenericImageView, ImageBuffer, Luma, imageops};
use std::path::Path;

/// MNIST's image side, and the box its digits are fitted into.
pub const SIDE: usize = 28;
const BOX: f32 = 20.0;
/// Grey levels below this (after stretching) are paper, not ink, for the bounding box.
const INK: f32 = 0.2;

/// The largest picture decoded, in pixels (4096 × 4096): the conversion below holds ~24 bytes
/// a pixel, so this keeps a hostile file's picture under ~400 MB. A phone photo is ~12 M.
pub const MAX_PIXELS: u64 = 1 << 24;
/// The largest image file read (a 12-megapixel JPEG is ~5 MB, a PNG of 4096² grey levels
/// at most ~17 MB).
const MAX_FILE_BYTES: u64 = 64 << 20;
/// The decoder's own allocation bound, beyond the pixels themselves.
const MAX_DECODER_ALLOC: u64 = 256 << 20;
/// Fewer ink pixels than this (a speck, a stray dot) is not a digit the network can read.
const MIN_INK_PIXELS: usize = 20;

/// A picture turned into MNIST's form.
#[derive(Debug, Clone, PartialEq)]
pub struct Digit {
    /// 784 grey levels, row by row.
    pub pixels: Vec<f32>,
    /// The picture holds almost no ink (fewer than 20 pixels of it, or ink spanning less than
    /// a twentieth of the picture): whatever the network answers is no reading of a digit.
    pub little_ink: bool,
}

/// Reads a PNG or JPEG file and converts it to MNIST's form. The picture's size is read from
/// its header and checked before any pixel is decoded; a truncated file is an error.
pub fn load_digit(path: &Path) -> Result<Digit> {
    let bytes = crate::files::read_regular(path, MAX_FILE_BYTES)?;
    let img = decode(&bytes).map_err(|m| Error::Invalid(format!("{}: {m}", path.display())))?;
    digit_from_image(&img).map_err(|m| Error::Invalid(format!("{}: {m}", path.display())))
}

/// Converts grey levels (`width × height`, row by row, ink = 1, paper = 0: a drawing on a
/// canvas) to MNIST's form by the same steps as a picture file.
pub fn digit_from_pixels(pixels: &[f32], width: u32, height: u32) -> Result<Digit, String> {
    if pixels.len() != width as usize * height as usize {
        return Err(format!(
            "expected {width}×{height} = {} pixels, got {}",
            width as usize * height as usize,
            pixels.len()
        ));
    }
    if let Some(i) = pixels.iter().position(|p| !(0.0..=1.0).contains(p)) {
        return Err(format!("pixel {i} is {}; grey levels are in [0, 1]", pixels[i]));
    }
    let img = ImageBuffer::from_fn(width, height, |x, y| {
        let v = pixels[(y * width + x) as usize];
        image::Rgb([v, v, v])
    });
    digit_from_image(&DynamicImage::ImageRgb32F(img))
}

/// Decodes a PNG or JPEG image held in `bytes`, within [`MAX_PIXELS`] and the decoder's
/// allocation bound.
pub fn decode(bytes: &[u8]) -> Result<DynamicImage, String> {
    use image::{ImageFormat, ImageReader, Limits};
    let expected = |e: image::ImageError| format!("expected a PNG or JPEG image: {e}");
    let reader = || {
        ImageReader::new(std::io::Cursor::new(bytes))
            .with_guessed_format()
            .map_err(|e| format!("expected a PNG or JPEG image: {e}"))
    };
    let format = reader()?.format();
    let (w, h) = reader()?.into_dimensions().map_err(expected)?;
    if u64::from(w) * u64::from(h) > MAX_PIXELS {
        return Err(format!(
            "the image is {w}×{h} pixels, more than the {MAX_PIXELS} pixels (4096×4096) read; \
             scale it down"
        ));
    }
    if format == Some(ImageFormat::Jpeg) && !jpeg_complete(bytes) {
        return Err("the JPEG file is truncated: its image data has no end marker (FF D9)".into());
    }
    // Every 8×8 block's DC coefficient costs at least one bit, and a minimum coded unit (at
    // most 32×32 pixels) holds at least one block of each component: a whole image of w·h
    // pixels needs at least w·h/8192 bytes. Fewer, and the decoder would fill the rest.
    let least = u64::from(w) * u64::from(h) / 8192;
    if format == Some(ImageFormat::Jpeg) && (bytes.len() as u64) < least {
        return Err(format!(
            "the JPEG file is truncated: {w}×{h} pixels need at least {least} bytes of image \
             data, but the file has {}",
            bytes.len()
        ));
    }
    let mut limits = Limits::default();
    limits.max_image_width = Some(w);
    limits.max_image_height = Some(h);
    limits.max_alloc = Some(MAX_DECODER_ALLOC);
    let mut reader = reader()?;
    reader.limits(limits);
    reader.decode().map_err(expected)
}

/// Whether a JPEG's image data (after its first start-of-scan marker FF DA) is followed by an
/// end-of-image marker FF D9: in entropy-coded data a byte FF is always followed by 00 or a
/// restart marker, so FF D9 there is the real end. A truncated file has none, and the decoder
/// would fill the missing part with grey.
fn jpeg_complete(bytes: &[u8]) -> bool {
    let Some(sos) = bytes.windows(2).position(|w| w == [0xff, 0xda]) else {
        return false;
    };
    bytes[sos..].windows(2).any(|w| w == [0xff, 0xd9])
}

/// Converts a decoded image to MNIST's form; the error says why it could not.
pub fn digit_from_image(img: &DynamicImage) -> Result<Digit, String> {
    let (w, h) = img.dimensions();
    if w < 2 || h < 2 {
        return Err(format!(
            "the image is {w}×{h} pixels; expected a picture of a digit"
        ));
    }
    // 1. Grey levels in [0, 1]; transparency shows the background (white paper).
    let rgba = img.to_rgba32f();
    let mut grey: ImageBuffer<Luma<f32>, Vec<f32>> = ImageBuffer::from_fn(w, h, |x, y| {
        let p = rgba.get_pixel(x, y).0;
        let luma = 0.299 * p[0] + 0.587 * p[1] + 0.114 * p[2];
        Luma([p[3] * luma + (1.0 - p[3])])
    });
    let border: Vec<f32> = (0..w)
        .flat_map(|x| [(x, 0), (x, h - 1)])
        .chain((0..h).flat_map(|y| [(0, y), (w - 1, y)]))
        .map(|(x, y)| grey.get_pixel(x, y).0[0])
        .collect();
    let background = median(border);
    let centre = grey.get_pixel(w / 2, h / 2).0[0];
    let mean = grey.pixels().map(|p| p.0[0]).sum::<f32>() / (w * h) as f32;
    // Dark ink on light paper: the border is lighter than the picture on average.
    let light_paper = background > mean || (background == mean && background > centre);
    let (background, ink_level) = if light_paper {
        grey.pixels_mut().for_each(|p| p.0[0] = 1.0 - p.0[0]);
        (
            1.0 - background,
            grey.pixels().map(|p| p.0[0]).fold(0.0, f32::max),
        )
    } else {
        (background, grey.pixels().map(|p| p.0[0]).fold(0.0, f32::max))
    };
    // 2. Paper to 0, the darkest ink to 1.
    let range = ink_level - background;
    if range < 0.1 {
        return Err("no digit found: the image is (nearly) one flat shade".into());
    }
    grey.pixels_mut()
        .for_each(|p| p.0[0] = ((p.0[0] - background) / range).clamp(0.0, 1.0));

    // 3. The ink's bounding box, scaled so its longer side is 20 pixels.
    let ink = |x: u32, y: u32| grey.get_pixel(x, y).0[0] > INK;
    let cols: Vec<u32> = (0..w).filter(|&x| (0..h).any(|y| ink(x, y))).collect();
    let rows: Vec<u32> = (0..h).filter(|&y| (0..w).any(|x| ink(x, y))).collect();
    let (Some(&x0), Some(&x1), Some(&y0), Some(&y1)) = (cols.first(), cols.last(), rows.first(), rows.last())
    else {
        return Err("no digit found: no pixel stands out from the background".into());
    };
    let (bw, bh) = (x1 - x0 + 1, y1 - y0 + 1);
    let ink_pixels = grey.pixels().filter(|p| p.0[0] > INK).count();
    let little_ink = ink_pixels < MIN_INK_PIXELS || 20 * bw.max(bh) < w.min(h);
    let crop = imageops::crop_imm(&grey, x0, y0, bw, bh).to_image();
    let scale = BOX / bw.max(bh) as f32;
    let (sw, sh) = (
        ((bw as f32 * scale).round() as u32).max(1),
        ((bh as f32 * scale).round() as u32).max(1),
    );
    let small = area_resize(&crop, sw, sh);

    // 4. Centre of mass to the middle of the 28×28 field.
    let mass: f32 = small.pixels().map(|p| p.0[0]).sum();
    let (mut cx, mut cy) = (0.0, 0.0);
    for (x, y, p) in small.enumerate_pixels() {
        cx += x as f32 * p.0[0];
        cy += y as f32 * p.0[0];
    }
    let (cx, cy) = (cx / mass, cy / mass);
    let half = (SIDE as f32 - 1.0) / 2.0;
    let place =
        |c: f32, size: u32| ((half - c).round() as i64).clamp(0, (SIDE as u32 - size) as i64) as usize;
    let (ox, oy) = (place(cx, sw), place(cy, sh));
    let mut out = vec![0.0f32; SIDE * SIDE];
    for (x, y, p) in small.enumerate_pixels() {
        out[(oy + y as usize) * SIDE + ox + x as usize] = p.0[0];
    }
    Ok(Digit {
        pixels: out,
        little_ink,
    })
}

/// Downscales by averaging the source area under each target pixel (exact box filter), the way
/// a scanner would see a smaller picture; upscales bilinearly.
fn area_resize(src: &ImageBuffer<Luma<f32>, Vec<f32>>, w: u32, h: u32) -> ImageBuffer<Luma<f32>, Vec<f32>> {
    let (sw, sh) = src.dimensions();
    if w >= sw && h >= sh {
        return imageops::resize(src, w, h, imageops::FilterType::Triangle);
    }
    let (fx, fy) = (sw as f32 / w as f32, sh as f32 / h as f32);
    ImageBuffer::from_fn(w, h, |x, y| {
        // The source rectangle [x·fx, (x+1)·fx) × [y·fy, (y+1)·fy), weighting partial pixels.
        let (ax, bx, ay, by) = (
            x as f32 * fx,
            (x + 1) as f32 * fx,
            y as f32 * fy,
            (y + 1) as f32 * fy,
        );
        let (mut sum, mut area) = (0.0, 0.0);
        for sy in ay.floor() as u32..(by.ceil() as u32).min(sh) {
            let wy = (by.min(sy as f32 + 1.0) - ay.max(sy as f32)).max(0.0);
            for sx in ax.floor() as u32..(bx.ceil() as u32).min(sw) {
                let wx = (bx.min(sx as f32 + 1.0) - ax.max(sx as f32)).max(0.0);
                sum += wx * wy * src.get_pixel(sx, sy).0[0];
                area += wx * wy;
            }
        }
        Luma([if area > 0.0 { sum / area } else { 0.0 }])
    })
}

fn median(mut v: Vec<f32>) -> f32 {
    v.sort_by(f32::total_cmp);
    v[v.len() / 2]
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A dark bar on white paper, off-centre and large.
    fn bar_picture() -> DynamicImage {
        let img = ImageBuffer::from_fn(200, 100, |x, y| {
            let ink = (20..40).contains(&x) && (10..90).contains(&y);
            image::Rgb(if ink { [10u8, 10, 10] } else { [250, 245, 240] })
        });
        DynamicImage::ImageRgb8(img)
    }

    #[test]
    fn dark_ink_on_paper_becomes_a_centred_white_digit_20_pixels_tall() {
        let d = digit_from_image(&bar_picture()).unwrap().pixels;
        assert_eq!(d.len(), 784);
        let ink_rows: Vec<usize> = (0..28)
            .filter(|&r| (0..28).any(|c| d[r * 28 + c] > 0.5))
            .collect();
        let ink_cols: Vec<usize> = (0..28)
            .filter(|&c| (0..28).any(|r| d[r * 28 + c] > 0.5))
            .collect();
        assert_eq!(ink_rows.len(), 20, "the longer side is 20 pixels");
        assert_eq!(ink_cols.len(), 5, "aspect ratio kept: 20 × 80 → 5 × 20");
        assert_eq!(
            (ink_rows[0], ink_cols[0]),
            (4, 12),
            "centred: {ink_rows:?} {ink_cols:?}"
        );
        assert!(
            d[0] == 0.0 && d.iter().cloned().fold(0.0, f32::max) > 0.99,
            "black field, white ink"
        );
    }

    #[test]
    fn white_on_black_is_kept_and_blank_images_are_errors() {
        let inverted = {
            let mut img = bar_picture().to_rgb8();
            img.pixels_mut().for_each(|p| p.0 = p.0.map(|v| 255 - v));
            DynamicImage::ImageRgb8(img)
        };
        let (a, b) = (
            digit_from_image(&inverted).unwrap().pixels,
            digit_from_image(&bar_picture()).unwrap().pixels,
        );
        let diff = a.iter().zip(&b).map(|(x, y)| (x - y).abs()).fold(0.0, f32::max);
        assert!(diff < 1e-4, "the same digit either way round: {diff}");
        let blank = DynamicImage::ImageLuma8(ImageBuffer::from_pixel(50, 50, Luma([255u8])));
        assert!(digit_from_image(&blank).unwrap_err().contains("no digit"));
    }

    fn encode(img: &DynamicImage, format: image::ImageFormat) -> Vec<u8> {
        let mut bytes = std::io::Cursor::new(Vec::new());
        img.write_to(&mut bytes, format).unwrap();
        bytes.into_inner()
    }

    #[test]
    fn a_speck_of_ink_is_flagged_and_a_real_stroke_is_not() {
        assert!(!digit_from_image(&bar_picture()).unwrap().little_ink);
        let speck = ImageBuffer::from_fn(200, 200, |x, y| {
            Luma([if (100..103).contains(&x) && (100..103).contains(&y) {
                0u8
            } else {
                255
            }])
        });
        assert!(
            digit_from_image(&DynamicImage::ImageLuma8(speck))
                .unwrap()
                .little_ink
        );
    }

    /// Found by the fuzzer: 444 bytes ending in FF D9 that declare 3840×4352 pixels, which the
    /// decoder filled in from almost no data.
    #[test]
    fn a_jpeg_with_too_little_data_for_its_size_is_truncated() {
        let bytes = include_bytes!("../../fuzz/regressions/image/jpeg-too-short-for-its-size");
        let e = decode(bytes).unwrap_err();
        assert!(e.contains("truncated") && e.contains("3840×4352"), "{e}");
    }

    #[test]
    fn truncated_jpegs_are_errors_whole_ones_decode() {
        let jpeg = encode(&bar_picture(), image::ImageFormat::Jpeg);
        assert!(decode(&jpeg).is_ok());
        for cut in [jpeg.len() - 2, jpeg.len() / 2, jpeg.len() * 3 / 4] {
            let e = decode(&jpeg[..cut]).unwrap_err();
            assert!(
                e.contains("truncated") || e.contains("expected a PNG or JPEG"),
                "{cut}: {e}"
            );
        }
    }
}
