//! Draws a digit the way a person would with a thick pen in a paint program — dark strokes on a
//! white 280×280 canvas — and saves it as a PNG, for `mlp predict` to read.
//!
//! `cargo run --release --example draw_digit -- 7 seven.png`

use std::path::PathBuf;

/// Each digit as pen strokes: polylines in a unit square (x right, y down).
fn strokes(digit: char) -> Option<Vec<Vec<(f32, f32)>>> {
    let arc = |cx: f32, cy: f32, rx: f32, ry: f32, from: f32, to: f32| -> Vec<(f32, f32)> {
        (0..=24)
            .map(|i| {
                let t = (from + (to - from) * i as f32 / 24.0).to_radians();
                (cx + rx * t.cos(), cy + ry * t.sin())
            })
            .collect()
    };
    Some(match digit {
        '0' => vec![arc(0.5, 0.5, 0.24, 0.36, 0.0, 360.0)],
        '1' => vec![vec![(0.38, 0.28), (0.54, 0.14), (0.52, 0.86)]],
        '2' => {
            let mut top = arc(0.5, 0.34, 0.22, 0.2, 200.0, 380.0);
            top.extend([(0.62, 0.52), (0.3, 0.84), (0.76, 0.84)]);
            vec![top]
        }
        '3' => vec![
            arc(0.48, 0.32, 0.2, 0.18, 210.0, 450.0),
            arc(0.48, 0.66, 0.24, 0.2, 270.0, 510.0),
        ],
        '4' => vec![
            vec![(0.6, 0.14), (0.24, 0.62), (0.8, 0.62)],
            vec![(0.62, 0.36), (0.6, 0.88)],
        ],
        '5' => {
            let mut s = vec![(0.74, 0.16), (0.36, 0.16), (0.32, 0.46)];
            s.extend(arc(0.5, 0.62, 0.24, 0.22, 230.0, 500.0));
            vec![s]
        }
        '6' => {
            let mut s = arc(0.66, 0.5, 0.36, 0.38, 245.0, 160.0);
            s.extend(arc(0.5, 0.66, 0.2, 0.19, 180.0, 540.0));
            vec![s]
        }
        '7' => vec![
            vec![(0.26, 0.16), (0.76, 0.16), (0.62, 0.42), (0.46, 0.86)],
            vec![(0.42, 0.5), (0.7, 0.5)],
        ],
        '8' => vec![
            arc(0.5, 0.3, 0.18, 0.16, 0.0, 360.0),
            arc(0.5, 0.66, 0.22, 0.2, 0.0, 360.0),
        ],
        '9' => {
            let mut s = arc(0.5, 0.34, 0.2, 0.19, 0.0, 360.0);
            s.extend([(0.66, 0.6), (0.58, 0.88)]);
            vec![s]
        }
        _ => return None,
    })
}

/// Distance from `p` to the segment `a`–`b`.
fn distance(p: (f32, f32), a: (f32, f32), b: (f32, f32)) -> f32 {
    let (dx, dy) = (b.0 - a.0, b.1 - a.1);
    let t = (((p.0 - a.0) * dx + (p.1 - a.1) * dy) / (dx * dx + dy * dy).max(1e-12)).clamp(0.0, 1.0);
    ((p.0 - a.0 - t * dx).powi(2) + (p.1 - a.1 - t * dy).powi(2)).sqrt()
}

fn main() -> Result<(), String> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [digit, out] = args.as_slice() else {
        return Err("usage: draw_digit DIGIT OUT.png".into());
    };
    let lines = digit
        .chars()
        .next()
        .and_then(strokes)
        .ok_or_else(|| format!("expected a digit 0-9, got '{digit}'"))?;
    const SIDE: u32 = 280;
    // Pen radius in canvas pixels; a one-pixel soft edge, as a paint program's brush has.
    let radius = 11.0;
    let mut pixels = Vec::with_capacity((SIDE * SIDE) as usize);
    for y in 0..SIDE {
        for x in 0..SIDE {
            let p = (x as f32 / SIDE as f32, y as f32 / SIDE as f32);
            let d = lines
                .iter()
                .flat_map(|l| l.windows(2).map(move |w| distance(p, w[0], w[1])))
                .fold(f32::INFINITY, f32::min)
                * SIDE as f32;
            let ink = (radius + 0.5 - d).clamp(0.0, 1.0);
            pixels.push((255.0 - ink * 230.0).round() as u8);
        }
    }
    let path = PathBuf::from(out);
    let file = std::fs::File::create(&path).map_err(|e| format!("{}: {e}", path.display()))?;
    let mut encoder = png::Encoder::new(std::io::BufWriter::new(file), SIDE, SIDE);
    encoder.set_color(png::ColorType::Grayscale);
    encoder.set_depth(png::BitDepth::Eight);
    let mut writer = encoder.write_header().map_err(|e| e.to_string())?;
    writer.write_image_data(&pixels).map_err(|e| e.to_string())?;
    println!("Drew {digit} into {}", path.display());
    Ok(())
}
