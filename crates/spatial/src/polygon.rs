//! Polygons in projected coordinates: a licence boundary as parts with holes, which cell centres lie
//! inside it (row by row), and its area.
//!
//! Inside means the even-odd rule within a part (so holes cut out) and the union over parts. A point on
//! a left or bottom edge counts as inside, on a right or top edge as outside, so that two parts sharing
//! an edge never both claim a cell. What must not live here: parsing ([`crate::corners`]).

use crate::corners::{CornerPoint, CornerPoints};

/// A ring of (easting, northing) vertices, not repeating the first at the end.
pub type Ring = Vec<(f64, f64)>;

/// A polygon with holes.
#[derive(Debug, Clone, PartialEq)]
pub struct PolygonPart {
    pub outer: Ring,
    pub holes: Vec<Ring>,
}

/// A multi-part boundary in one projected CRS.
#[derive(Debug, Clone, PartialEq)]
pub struct Boundary {
    pub parts: Vec<PolygonPart>,
}

fn ring_of(points: &[CornerPoint], easting_offset_m: f64) -> Ring {
    points
        .iter()
        .map(|p| (p.easting_m + easting_offset_m, p.northing_m))
        .collect()
}

impl Boundary {
    /// The boundary of parsed corner points, with `easting_offset_m` added to every easting (to move
    /// eastings without the zone prefix into the CRS of a grid).
    pub fn from_corner_points(points: &CornerPoints, easting_offset_m: f64) -> Self {
        Self {
            parts: points
                .parts
                .iter()
                .map(|part| PolygonPart {
                    outer: ring_of(&part.outer, easting_offset_m),
                    holes: part.holes.iter().map(|h| ring_of(h, easting_offset_m)).collect(),
                })
                .collect(),
        }
    }

    /// (min easting, min northing, max easting, max northing).
    pub fn bbox(&self) -> (f64, f64, f64, f64) {
        let mut b = (f64::INFINITY, f64::INFINITY, f64::NEG_INFINITY, f64::NEG_INFINITY);
        for &(x, y) in self.parts.iter().flat_map(|p| p.outer.iter()) {
            b = (b.0.min(x), b.1.min(y), b.2.max(x), b.3.max(y));
        }
        b
    }

    /// The x intervals `[start, end)` inside the boundary along the horizontal line at `y`, sorted and
    /// merged. A cell centre at `x` is inside when some interval holds it.
    pub fn intervals_at(&self, y: f64) -> Vec<(f64, f64)> {
        let mut all: Vec<(f64, f64)> = Vec::new();
        let mut crossings: Vec<f64> = Vec::new();
        for part in &self.parts {
            crossings.clear();
            for ring in std::iter::once(&part.outer).chain(part.holes.iter()) {
                ring_crossings(ring, y, &mut crossings);
            }
            crossings.sort_by(f64::total_cmp);
            for pair in crossings.chunks_exact(2) {
                if let [a, b] = pair {
                    if a < b {
                        all.push((*a, *b));
                    }
                }
            }
        }
        all.sort_by(|a, b| a.0.total_cmp(&b.0));
        let mut merged: Vec<(f64, f64)> = Vec::with_capacity(all.len());
        for (start, end) in all {
            match merged.last_mut() {
                Some(last) if start <= last.1 => last.1 = last.1.max(end),
                _ => merged.push((start, end)),
            }
        }
        merged
    }

    /// Whether the point is inside (same rule as [`Boundary::intervals_at`]).
    pub fn contains(&self, x: f64, y: f64) -> bool {
        self.intervals_at(y).iter().any(|&(a, b)| x >= a && x < b)
    }

    /// Planar (shoelace) area in m², holes subtracted.
    pub fn planar_area_m2(&self) -> f64 {
        self.parts
            .iter()
            .map(|p| shoelace(&p.outer).abs() - p.holes.iter().map(|h| shoelace(h).abs()).sum::<f64>())
            .sum()
    }
}

/// Where the ring's edges cross the horizontal line at `y` (half-open in y, so a vertex on the line
/// is counted once).
fn ring_crossings(ring: &[(f64, f64)], y: f64, out: &mut Vec<f64>) {
    let n = ring.len();
    for i in 0..n {
        let (Some(&(x1, y1)), Some(&(x2, y2))) = (ring.get(i), ring.get((i + 1) % n)) else {
            continue;
        };
        if (y1 > y) != (y2 > y) {
            out.push(x1 + (y - y1) * (x2 - x1) / (y2 - y1));
        }
    }
}

/// Whether (`x`, `y`) is inside one ring (even-odd; the same edge rule as [`Boundary::intervals_at`]).
/// Whether two bounding boxes `[min_x, min_y, max_x, max_y]` meet (touching counts).
pub fn bbox_meets(a: [f64; 4], b: [f64; 4]) -> bool {
    a[0] <= b[2] && b[0] <= a[2] && a[1] <= b[3] && b[1] <= a[3]
}

/// The bounding box of two bounding boxes.
pub fn bbox_union(a: [f64; 4], b: [f64; 4]) -> [f64; 4] {
    [a[0].min(b[0]), a[1].min(b[1]), a[2].max(b[2]), a[3].max(b[3])]
}

pub fn ring_contains(ring: &[(f64, f64)], x: f64, y: f64) -> bool {
    let mut crossings = Vec::new();
    ring_crossings(ring, y, &mut crossings);
    crossings.iter().filter(|&&c| c > x).count() % 2 == 1
}

/// Signed shoelace area (positive when the ring runs counterclockwise with y up).
pub fn shoelace(ring: &[(f64, f64)]) -> f64 {
    let n = ring.len();
    let mut sum = 0.0;
    for i in 0..n {
        if let (Some(&(x1, y1)), Some(&(x2, y2))) = (ring.get(i), ring.get((i + 1) % n)) {
            sum += x1 * y2 - x2 * y1;
        }
    }
    sum / 2.0
}

/// Pairs of edges (by index of their first vertex) that cross, other than neighbours sharing a vertex.
pub fn self_intersections(ring: &[(f64, f64)]) -> Vec<(usize, usize)> {
    let n = ring.len();
    let edge = |i: usize| (ring.get(i).copied(), ring.get((i + 1) % n).copied());
    // Sweep the edges by their west end, keeping those whose x-range still reaches the sweep line: only
    // edges that overlap in x are compared, so a layer's ring of a million vertices is checked in about
    // n log n rather than n² steps.
    let mut order: Vec<(f64, f64, usize)> = (0..n)
        .filter_map(|i| match edge(i) {
            (Some(a), Some(b)) => Some((a.0.min(b.0), a.0.max(b.0), i)),
            _ => None,
        })
        .collect();
    order.sort_by(|x, y| x.0.total_cmp(&y.0));
    let mut active: Vec<(f64, usize)> = Vec::new();
    let mut found = Vec::new();
    for &(x_min, x_max, i) in &order {
        active.retain(|&(reach, _)| reach >= x_min);
        for &(_, j) in &active {
            let (lo, hi) = (i.min(j), i.max(j));
            if hi == lo + 1 || (lo == 0 && hi == n - 1) {
                continue;
            }
            if let ((Some(a), Some(b)), (Some(c), Some(d))) = (edge(lo), edge(hi)) {
                if segments_cross(a, b, c, d) {
                    found.push((lo, hi));
                }
            }
        }
        active.push((x_max, i));
    }
    found.sort_unstable();
    found
}

fn orient(a: (f64, f64), b: (f64, f64), c: (f64, f64)) -> f64 {
    (b.0 - a.0) * (c.1 - a.1) - (b.1 - a.1) * (c.0 - a.0)
}

fn segments_cross(a: (f64, f64), b: (f64, f64), c: (f64, f64), d: (f64, f64)) -> bool {
    let (d1, d2) = (orient(c, d, a), orient(c, d, b));
    let (d3, d4) = (orient(a, b, c), orient(a, b, d));
    ((d1 > 0.0 && d2 < 0.0) || (d1 < 0.0 && d2 > 0.0)) && ((d3 > 0.0 && d4 < 0.0) || (d3 < 0.0 && d4 > 0.0))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn square(x0: f64, y0: f64, side: f64) -> Ring {
        vec![(x0, y0), (x0 + side, y0), (x0 + side, y0 + side), (x0, y0 + side)]
    }

    #[test]
    fn self_intersections_are_found_by_the_sweep_as_by_brute_force() {
        let brute = |ring: &[(f64, f64)]| {
            let n = ring.len();
            let mut out = Vec::new();
            for i in 0..n {
                for j in (i + 1)..n {
                    if j == i + 1 || (i == 0 && j == n - 1) {
                        continue;
                    }
                    if segments_cross(ring[i], ring[(i + 1) % n], ring[j], ring[(j + 1) % n]) {
                        out.push((i, j));
                    }
                }
            }
            out
        };
        let mut seed = 7_u64;
        let mut next = || {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            (seed % 1000) as f64
        };
        for n in [4, 5, 9, 30] {
            let ring: Vec<(f64, f64)> = (0..n).map(|_| (next(), next())).collect();
            assert_eq!(self_intersections(&ring), brute(&ring), "{ring:?}");
        }
        // A bow tie crosses once; a square does not.
        let bow = [(0.0, 0.0), (1.0, 1.0), (1.0, 0.0), (0.0, 1.0)];
        assert_eq!(self_intersections(&bow), vec![(0, 2)]);
        assert!(self_intersections(&square(0.0, 0.0, 1.0)).is_empty());
    }

    #[test]
    fn a_square_with_a_hole() {
        let b = Boundary {
            parts: vec![PolygonPart {
                outer: square(0.0, 0.0, 10.0),
                holes: vec![square(4.0, 4.0, 2.0)],
            }],
        };
        assert_eq!(b.planar_area_m2(), 96.0);
        assert_eq!(b.intervals_at(5.0), vec![(0.0, 4.0), (6.0, 10.0)]);
        assert!(b.contains(1.0, 1.0));
        assert!(!b.contains(5.0, 5.0));
        assert!(!b.contains(11.0, 5.0));
        assert!(b.contains(0.0, 5.0), "left edge is inside");
        assert!(!b.contains(10.0, 5.0), "right edge is outside");
    }

    #[test]
    fn parts_sharing_an_edge_merge_into_one_interval() {
        let b = Boundary {
            parts: vec![
                PolygonPart {
                    outer: square(0.0, 0.0, 10.0),
                    holes: vec![],
                },
                PolygonPart {
                    outer: square(10.0, 0.0, 10.0),
                    holes: vec![],
                },
            ],
        };
        assert_eq!(b.intervals_at(3.0), vec![(0.0, 20.0)]);
        assert_eq!(b.bbox(), (0.0, 0.0, 20.0, 10.0));
    }

    #[test]
    fn one_ring_contains_by_the_even_odd_rule() {
        let ring = square(0.0, 0.0, 10.0);
        assert!(ring_contains(&ring, 5.0, 5.0));
        assert!(!ring_contains(&ring, 15.0, 5.0));
        assert!(!ring_contains(&ring, 5.0, -1.0));
    }

    #[test]
    fn a_bow_tie_crosses_itself() {
        let bow = vec![(0.0, 0.0), (10.0, 10.0), (10.0, 0.0), (0.0, 10.0)];
        assert_eq!(self_intersections(&bow), vec![(0, 2)]);
        assert!(self_intersections(&square(0.0, 0.0, 1.0)).is_empty());
    }
}
