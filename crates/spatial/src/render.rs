//! The elevation-change map (change.png): mean change per pixel of a downsampled grid, coloured red for
//! cut and blue for fill, with the licence boundary, outside patches and faces drawn on it and a colour
//! legend with its scale in metres.
//!
//! The map is accumulated while the engine streams the rows ([`ChangeMap::add`]), so it costs one
//! addition per cell and at most a few megabytes, whatever the raster's size.

use std::io::Write;

/// Longest side of the map in pixels.
pub const MAX_SIDE_PX: usize = 1200;

/// Mean elevation change per map pixel.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ChangeMap {
    /// Grid cells per pixel along each axis.
    pub factor: usize,
    pub width: usize,
    pub height: usize,
    sum: Vec<f64>,
    count: Vec<u32>,
    /// Pixel column of each grid column (a division per cell is measurable at 10⁸ cells).
    pixel_of_col: Vec<u32>,
}

impl ChangeMap {
    /// A map for a grid of `width` × `height` cells.
    pub fn new(width: usize, height: usize) -> Self {
        let factor = width.max(height).div_ceil(MAX_SIDE_PX).max(1);
        let (w, h) = (width.div_ceil(factor), height.div_ceil(factor));
        Self {
            factor,
            width: w,
            height: h,
            sum: vec![0.0; w * h],
            count: vec![0; w * h],
            pixel_of_col: (0..width).map(|c| (c / factor) as u32).collect(),
        }
    }

    /// Where the pixels of grid row `row` start (pass it to [`ChangeMap::add`]).
    #[inline]
    pub fn row_start(&self, row: usize) -> usize {
        (row / self.factor) * self.width
    }

    /// Adds the change `d` of the cell in column `col` of the row starting at `row_start`.
    #[inline]
    pub fn add(&mut self, row_start: usize, col: usize, d: f64) {
        let Some(&px) = self.pixel_of_col.get(col) else {
            return;
        };
        let index = row_start + px as usize;
        if let (Some(s), Some(n)) = (self.sum.get_mut(index), self.count.get_mut(index)) {
            *s += d;
            *n += 1;
        }
    }

    /// Mean change of a pixel, `None` where no cell had values.
    pub fn mean(&self, x: usize, y: usize) -> Option<f64> {
        let index = y * self.width + x;
        match (self.sum.get(index), self.count.get(index)) {
            (Some(s), Some(&n)) if n > 0 => Some(s / f64::from(n)),
            _ => None,
        }
    }
}

/// An RGB image being drawn.
struct Canvas {
    width: usize,
    height: usize,
    pixels: Vec<[u8; 3]>,
}

impl Canvas {
    fn set(&mut self, x: i64, y: i64, colour: [u8; 3]) {
        if x >= 0 && y >= 0 && (x as usize) < self.width && (y as usize) < self.height {
            if let Some(p) = self.pixels.get_mut(y as usize * self.width + x as usize) {
                *p = colour;
            }
        }
    }

    /// A line of `thickness` pixels (Bresenham).
    fn line(&mut self, a: (f64, f64), b: (f64, f64), colour: [u8; 3], thickness: i64) {
        let (mut x0, mut y0) = (a.0.round() as i64, a.1.round() as i64);
        let (x1, y1) = (b.0.round() as i64, b.1.round() as i64);
        let (dx, dy) = ((x1 - x0).abs(), -(y1 - y0).abs());
        let (sx, sy) = (if x0 < x1 { 1 } else { -1 }, if y0 < y1 { 1 } else { -1 });
        let mut err = dx + dy;
        let half = thickness / 2;
        for _ in 0..=(dx - dy + 1).min(100_000) {
            for ox in -half..=half {
                for oy in -half..=half {
                    self.set(x0 + ox, y0 + oy, colour);
                }
            }
            if x0 == x1 && y0 == y1 {
                break;
            }
            let e2 = 2 * err;
            if e2 >= dy {
                err += dy;
                x0 += sx;
            }
            if e2 <= dx {
                err += dx;
                y0 += sy;
            }
        }
    }

    fn rect(&mut self, x: i64, y: i64, w: i64, h: i64, colour: [u8; 3]) {
        for yy in y..y + h {
            for xx in x..x + w {
                self.set(xx, yy, colour);
            }
        }
    }

    /// Text in a 3×5 pixel font, scaled (digits, sign, point, 'm' and a few more).
    fn text(&mut self, x: i64, y: i64, text: &str, scale: i64, colour: [u8; 3]) {
        let mut cx = x;
        for ch in text.chars() {
            let glyph = glyph(ch);
            for (row, bits) in glyph.iter().enumerate() {
                for col in 0..3 {
                    if bits & (0b100 >> col) != 0 {
                        self.rect(cx + col * scale, y + row as i64 * scale, scale, scale, colour);
                    }
                }
            }
            cx += 4 * scale;
        }
    }
}

/// Rows of a 3-pixel-wide glyph, top to bottom (bit 2 is the left pixel).
fn glyph(ch: char) -> [u8; 5] {
    match ch {
        '0' => [0b111, 0b101, 0b101, 0b101, 0b111],
        '1' => [0b010, 0b110, 0b010, 0b010, 0b111],
        '2' => [0b111, 0b001, 0b111, 0b100, 0b111],
        '3' => [0b111, 0b001, 0b111, 0b001, 0b111],
        '4' => [0b101, 0b101, 0b111, 0b001, 0b001],
        '5' => [0b111, 0b100, 0b111, 0b001, 0b111],
        '6' => [0b111, 0b100, 0b111, 0b101, 0b111],
        '7' => [0b111, 0b001, 0b010, 0b010, 0b010],
        '8' => [0b111, 0b101, 0b111, 0b101, 0b111],
        '9' => [0b111, 0b101, 0b111, 0b001, 0b111],
        '-' => [0b000, 0b000, 0b111, 0b000, 0b000],
        '+' => [0b000, 0b010, 0b111, 0b010, 0b000],
        '.' => [0b000, 0b000, 0b000, 0b000, 0b010],
        'm' => [0b000, 0b000, 0b111, 0b111, 0b101],
        _ => [0; 5],
    }
}

/// Colour of a change `d` on a scale of ±`range` metres; |d| under `min_change` is pale grey.
fn colour(d: f64, range: f64, min_change: f64) -> [u8; 3] {
    if d.abs() < min_change {
        return [236, 236, 236];
    }
    let t = (d.abs() / range).clamp(0.0, 1.0);
    let fade = |full: f64| (255.0 + (full - 255.0) * (0.25 + 0.75 * t)).round() as u8;
    if d < 0.0 {
        [fade(178.0), fade(24.0), fade(43.0)]
    } else {
        [fade(33.0), fade(102.0), fade(172.0)]
    }
}

/// What to draw over the change colours, in map pixel coordinates.
#[derive(Debug, Default)]
pub struct Overlay {
    pub boundary: Vec<Vec<(f64, f64)>>,
    pub patches: Vec<Vec<(f64, f64)>>,
    pub faces: Vec<Vec<(f64, f64)>>,
}

/// Height of the legend under the map, px.
const LEGEND_HEIGHT: usize = 40;
/// Narrowest image, px (the legend's width).
const MIN_WIDTH: usize = 260;

/// The size of [`change_png`]'s image: the map, at least as wide as the legend, with the legend below.
pub fn png_size(map: &ChangeMap) -> (usize, usize) {
    (map.width.max(MIN_WIDTH), map.height + LEGEND_HEIGHT)
}

/// Renders the map as PNG bytes.
pub fn change_png(
    map: &ChangeMap,
    overlay: &Overlay,
    min_change: f64,
) -> Result<Vec<u8>, png::EncodingError> {
    let (width, height) = png_size(map);
    let mut canvas = Canvas {
        width,
        height,
        pixels: vec![[255, 255, 255]; width * height],
    };
    // A symmetric scale: the 99th percentile of |mean change|, rounded up to a whole metre.
    let mut magnitudes: Vec<f64> = (0..map.height)
        .flat_map(|y| (0..map.width).filter_map(move |x| map.mean(x, y)))
        .map(f64::abs)
        .filter(|v| *v >= min_change)
        .collect();
    magnitudes.sort_by(f64::total_cmp);
    let p99 = magnitudes
        .get(magnitudes.len().saturating_sub(1) * 99 / 100)
        .copied()
        .unwrap_or(1.0);
    let range = p99.ceil().max(1.0);
    for y in 0..map.height {
        for x in 0..map.width {
            let c = match map.mean(x, y) {
                Some(d) => colour(d, range, min_change),
                None => [150, 150, 150],
            };
            canvas.set(x as i64, y as i64, c);
        }
    }
    for (rings, colour, thickness) in [
        (&overlay.boundary, [20, 20, 20], 2),
        (&overlay.patches, [200, 0, 200], 2),
        (&overlay.faces, [255, 140, 0], 1),
    ] {
        for ring in rings {
            for (i, &a) in ring.iter().enumerate() {
                if let Some(&b) = ring.get((i + 1) % ring.len()) {
                    canvas.line(a, b, colour, thickness);
                }
            }
        }
    }
    // Legend: a colour bar from −range to +range with labels at both ends and zero.
    let (bar_x, bar_y, bar_w) = (10i64, map.height as i64 + 8, 200i64);
    for i in 0..bar_w {
        let d = -range + 2.0 * range * (i as f64 + 0.5) / bar_w as f64;
        canvas.rect(bar_x + i, bar_y, 1, 12, colour(d, range, min_change));
    }
    let label = |v: f64| format!("{v:+.0}m");
    canvas.text(bar_x, bar_y + 16, &label(-range), 2, [0, 0, 0]);
    canvas.text(bar_x + bar_w / 2 - 4, bar_y + 16, "0", 2, [0, 0, 0]);
    canvas.text(bar_x + bar_w - 28, bar_y + 16, &label(range), 2, [0, 0, 0]);
    let mut bytes = Vec::new();
    {
        let mut encoder = png::Encoder::new(&mut bytes, width as u32, height as u32);
        encoder.set_color(png::ColorType::Rgb);
        encoder.set_depth(png::BitDepth::Eight);
        let mut writer = encoder.write_header()?;
        let flat: Vec<u8> = canvas.pixels.iter().flat_map(|p| p.iter().copied()).collect();
        writer.write_image_data(&flat)?;
        writer.finish()?;
    }
    bytes.flush().ok();
    Ok(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pixels_average_the_cells_they_cover() {
        let mut map = ChangeMap::new(2400, 1000);
        assert_eq!((map.factor, map.width, map.height), (2, 1200, 500));
        map.add(map.row_start(0), 0, -2.0);
        map.add(map.row_start(1), 1, -4.0);
        map.add(map.row_start(0), 2, 1.0);
        assert_eq!(map.mean(0, 0), Some(-3.0));
        assert_eq!(map.mean(1, 0), Some(1.0));
        assert_eq!(map.mean(2, 0), None);
    }

    #[test]
    fn the_png_decodes_with_the_map_and_legend() {
        let mut map = ChangeMap::new(40, 30);
        for r in 0..30 {
            for c in 0..40 {
                map.add(map.row_start(r), c, if c < 20 { -3.0 } else { 0.0 });
            }
        }
        let overlay = Overlay {
            boundary: vec![vec![(5.0, 5.0), (35.0, 5.0), (35.0, 25.0), (5.0, 25.0)]],
            ..Overlay::default()
        };
        let bytes = change_png(&map, &overlay, 0.5).unwrap();
        let decoder = png::Decoder::new(std::io::Cursor::new(bytes));
        let mut reader = decoder.read_info().unwrap();
        let mut buf = vec![0; reader.output_buffer_size().unwrap()];
        let info = reader.next_frame(&mut buf).unwrap();
        assert_eq!((info.width, info.height), (260, 70));
        let at = |x: usize, y: usize| &buf[(y * 260 + x) * 3..(y * 260 + x) * 3 + 3];
        assert_eq!(at(1, 1), &[178, 24, 43], "full cut colour at the scale's end");
        assert_eq!(at(30, 10), &[236, 236, 236], "no change");
        assert_eq!(at(5, 15), &[20, 20, 20], "boundary line");
    }
}
