//! Simplifying and clipping rings for drawing — never for measuring: areas and overlaps are always
//! computed on the full geometry.
//!
//! - [`simplify_ring`]: Visvalingam–Whyatt with a tolerance in metres, keeping at least a triangle.
//! - [`simplify_to_budget`]: a whole layer brought under a vertex budget by doubling the tolerance,
//!   so a 600,000-vertex protected area does not make every county map megabytes long.
//! - [`clip_ring`]: Sutherland–Hodgman clipping of a ring to a rectangle (a mine page draws only the
//!   part of a large protected area that falls in its frame).

use crate::polygon::Ring;
use geo::{LineString, SimplifyVw};

/// A ring simplified for drawing at `tolerance` metres: Visvalingam–Whyatt (geo's `SimplifyVw`), which
/// drops a vertex while the triangle it makes with its neighbours is smaller than `tolerance`² — about
/// a bump `tolerance` high and wide. The original when simplifying would leave less than a triangle.
///
/// Not Ramer–Douglas–Peucker: its splits can go one vertex at a time, quadratic in the ring's length
/// (2.3 s on a saw-toothed outline of 100,000 vertices, against 5 ms here), and geo's recursive version
/// overflowed the thread's stack on that outline — an abort of the server, not an error.
pub fn simplify_ring(ring: &Ring, tolerance: f64) -> Ring {
    if ring.len() <= 4 || tolerance <= 0.0 {
        return ring.clone();
    }
    let closed = LineString::from(ring.iter().chain(ring.first()).copied().collect::<Vec<_>>());
    let simplified = closed.simplify_vw(tolerance * tolerance);
    let mut out: Ring = simplified.0.iter().map(|c| (c.x, c.y)).collect();
    out.pop();
    if out.len() < 3 {
        ring.clone()
    } else {
        out
    }
}

/// Rings simplified together until they hold at most `budget` vertices: the tolerance starts at
/// `tolerance` and doubles (at most 16 times), each time simplifying the previous result further.
/// Returns the rings and the tolerance used.
pub fn simplify_to_budget(rings: &[Ring], tolerance: f64, budget: usize) -> (Vec<Ring>, f64) {
    let mut t = tolerance;
    let mut out: Vec<Ring> = rings.iter().map(|r| simplify_ring(r, t)).collect();
    for _ in 0..16 {
        if out.iter().map(Vec::len).sum::<usize>() <= budget {
            break;
        }
        t *= 2.0;
        // Each pass works on the last one's result: a pass costs what is left, not the whole layer.
        out = out.iter().map(|r| simplify_ring(r, t)).collect();
    }
    (out, t)
}

/// The part of a ring inside the rectangle `[min_x, min_y, max_x, max_y]` (Sutherland–Hodgman); empty
/// when none is. Edges along the rectangle's sides may appear where the ring leaves and re-enters it,
/// which is fine for a drawing.
pub fn clip_ring(ring: &Ring, rect: [f64; 4]) -> Ring {
    let [x0, y0, x1, y1] = rect;
    let mut out: Ring = ring.clone();
    for side in [Side::West(x0), Side::East(x1), Side::South(y0), Side::North(y1)] {
        let inside = |p| side.inside(p);
        let cross = |a, b| side.cross(a, b);
        let input = std::mem::take(&mut out);
        let Some(&last) = input.last() else { break };
        let mut prev = last;
        for &p in &input {
            match (inside(p), inside(prev)) {
                (true, true) => out.push(p),
                (true, false) => {
                    out.push(cross(prev, p));
                    out.push(p);
                }
                (false, true) => out.push(cross(prev, p)),
                (false, false) => {}
            }
            prev = p;
        }
    }
    if out.len() < 3 {
        Vec::new()
    } else {
        out
    }
}

/// A side of the clipping rectangle: the line it lies on.
#[derive(Debug, Clone, Copy)]
enum Side {
    West(f64),
    East(f64),
    South(f64),
    North(f64),
}

impl Side {
    fn inside(self, p: (f64, f64)) -> bool {
        match self {
            Side::West(x) => p.0 >= x,
            Side::East(x) => p.0 <= x,
            Side::South(y) => p.1 >= y,
            Side::North(y) => p.1 <= y,
        }
    }

    /// Where the segment from `a` to `b` crosses the side's line.
    fn cross(self, a: (f64, f64), b: (f64, f64)) -> (f64, f64) {
        match self {
            Side::West(x) | Side::East(x) => cross_x(a, b, x),
            Side::South(y) | Side::North(y) => cross_y(a, b, y),
        }
    }
}

fn cross_x(a: (f64, f64), b: (f64, f64), x: f64) -> (f64, f64) {
    let t = (x - a.0) / (b.0 - a.0);
    (x, a.1 + t * (b.1 - a.1))
}

fn cross_y(a: (f64, f64), b: (f64, f64), y: f64) -> (f64, f64) {
    let t = (y - a.1) / (b.1 - a.1);
    (a.0 + t * (b.0 - a.0), y)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::polygon::shoelace;

    /// A circle of radius 1000 m with `n` vertices.
    fn circle(n: usize) -> Ring {
        (0..n)
            .map(|i| {
                let a = std::f64::consts::TAU * i as f64 / n as f64;
                (1000.0 * a.cos(), 1000.0 * a.sin())
            })
            .collect()
    }

    #[test]
    fn a_dense_ring_loses_vertices_but_not_its_shape() {
        let ring = circle(100_000);
        let simple = simplify_ring(&ring, 1.0);
        assert!(simple.len() < 500, "{}", simple.len());
        let (a, b) = (shoelace(&ring).abs(), shoelace(&simple).abs());
        assert!((a - b).abs() / a < 0.002, "{a} {b}");
    }

    #[test]
    fn a_layer_is_brought_under_its_budget() {
        let rings: Vec<Ring> = (0..10).map(|_| circle(60_000)).collect();
        let (out, tolerance) = simplify_to_budget(&rings, 0.01, 2_000);
        assert!(out.iter().map(Vec::len).sum::<usize>() <= 2_000);
        assert!(tolerance > 0.01);
        assert!(out.iter().all(|r| r.len() >= 3));
    }

    #[test]
    fn a_ring_is_clipped_to_the_frame() {
        let square: Ring = vec![(0.0, 0.0), (10.0, 0.0), (10.0, 10.0), (0.0, 10.0)];
        let clipped = clip_ring(&square, [5.0, -5.0, 20.0, 5.0]);
        assert!((shoelace(&clipped).abs() - 25.0).abs() < 1e-9, "{clipped:?}");
        assert!(clip_ring(&square, [20.0, 20.0, 30.0, 30.0]).is_empty());
    }
}

#[cfg(test)]
mod deep {
    use super::*;

    #[test]
    fn a_saw_toothed_outline_of_100000_vertices_simplifies_without_overflowing_the_stack_or_taking_seconds() {
        let n = 100_000;
        let ring: Ring = (0..n)
            .map(|i| {
                let t = std::f64::consts::TAU * i as f64 / n as f64;
                let r = 8_000.0 + if i % 2 == 0 { 200.0 } else { -200.0 };
                (r * t.cos(), r * t.sin())
            })
            .collect();
        // Every tooth is 400 m deep: nothing can go at 14 m.
        assert_eq!(simplify_ring(&ring, 14.0).len(), n);
        // At 300 m the teeth go and the circle stays.
        let smooth = simplify_ring(&ring, 300.0);
        assert!(smooth.len() < n / 10 && smooth.len() > 8, "{}", smooth.len());
    }
}
