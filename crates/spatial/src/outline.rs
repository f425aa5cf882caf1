//! The outline of a set of grid cells given as runs: rings along the cell edges, outer rings and holes.
//!
//! Method: every cell edge between a cell of the set and one outside it becomes a directed edge, walked
//! clockwise around the cells in image coordinates (column right, row down): top edges left to right,
//! right edges down, bottom edges right to left, left edges up. Chaining the edges gives closed rings;
//! where two cells of the set touch only at a corner, the walk turns to keep hugging the same cell, so
//! rings touch at that corner but never cross. Collinear vertices are dropped. Outer rings run
//! clockwise as seen (positive [`signed_area2`] with rows downward) and holes counterclockwise; reverse
//! them for RFC 7946's right-hand rule on a north-up map.

use std::collections::HashMap;

/// A run of cells: row, first and last column (inclusive).
pub type CellRun = (usize, usize, usize);

/// A ring of grid-corner points (column, row), closed implicitly (the first point is not repeated).
pub type GridRing = Vec<(i64, i64)>;

/// Intervals `[start, end)` of `a` not covered by `b` (both sorted, non-overlapping, half-open).
fn subtract(a: &[(i64, i64)], b: &[(i64, i64)]) -> Vec<(i64, i64)> {
    let mut out = Vec::new();
    for &(s, e) in a {
        let mut cursor = s;
        for &(bs, be) in b {
            if be <= cursor || bs >= e {
                continue;
            }
            if bs > cursor {
                out.push((cursor, bs));
            }
            cursor = cursor.max(be);
        }
        if cursor < e {
            out.push((cursor, e));
        }
    }
    out
}

/// The rings around the cells of `runs` (any order; runs of one row must not overlap).
pub fn rings(runs: &[CellRun]) -> Vec<GridRing> {
    let mut by_row: HashMap<i64, Vec<(i64, i64)>> = HashMap::new();
    for &(row, start, end) in runs {
        by_row
            .entry(row as i64)
            .or_default()
            .push((start as i64, end as i64 + 1));
    }
    // Runs that touch (split by a stripe edge) become one interval, or the edge between them would
    // be drawn as a wall.
    for intervals in by_row.values_mut() {
        intervals.sort_unstable();
        let mut merged: Vec<(i64, i64)> = Vec::with_capacity(intervals.len());
        for &(s, e) in intervals.iter() {
            match merged.last_mut() {
                Some(last) if s <= last.1 => last.1 = last.1.max(e),
                _ => merged.push((s, e)),
            }
        }
        *intervals = merged;
    }
    // Directed edges: start point → (end point), several may leave one corner.
    let mut edges: HashMap<(i64, i64), Vec<(i64, i64)>> = HashMap::new();
    let mut count = 0usize;
    let empty = Vec::new();
    for (&row, intervals) in &by_row {
        let above = by_row.get(&(row - 1)).unwrap_or(&empty);
        let below = by_row.get(&(row + 1)).unwrap_or(&empty);
        for (s, e) in subtract(intervals, above) {
            for x in s..e {
                edges.entry((x, row)).or_default().push((x + 1, row));
                count += 1;
            }
        }
        for (s, e) in subtract(intervals, below) {
            for x in s..e {
                edges.entry((x + 1, row + 1)).or_default().push((x, row + 1));
                count += 1;
            }
        }
        for &(s, e) in intervals {
            edges.entry((e, row)).or_default().push((e, row + 1));
            edges.entry((s, row + 1)).or_default().push((s, row));
            count += 2;
        }
    }
    let mut out = Vec::new();
    let mut starts: Vec<(i64, i64)> = edges.keys().copied().collect();
    starts.sort_unstable();
    let mut used = 0usize;
    for start in starts {
        while let Some(next) = edges.get_mut(&start).and_then(Vec::pop) {
            used += 1;
            let mut ring = vec![start];
            let (mut from, mut to) = (start, next);
            while to != start {
                ring.push(to);
                let heading = (to.0 - from.0, to.1 - from.1);
                let Some(choices) = edges.get_mut(&to) else { break };
                // Prefer the right turn (keeps hugging the same cell at a corner touch), then straight,
                // then left.
                let right = (-heading.1, heading.0);
                let pick = [right, heading, (heading.1, -heading.0)]
                    .iter()
                    .find_map(|d| choices.iter().position(|c| (c.0 - to.0, c.1 - to.1) == *d));
                let Some(index) = pick.or(if choices.is_empty() { None } else { Some(0) }) else {
                    break;
                };
                let after = choices.swap_remove(index);
                used += 1;
                from = to;
                to = after;
            }
            out.push(simplify(ring));
        }
        if used >= count {
            break;
        }
    }
    out
}

/// Drops vertices in the middle of straight runs.
fn simplify(ring: GridRing) -> GridRing {
    let n = ring.len();
    if n < 4 {
        return ring;
    }
    let mut out = Vec::with_capacity(n);
    for i in 0..n {
        let (Some(&prev), Some(&here), Some(&next)) =
            (ring.get((i + n - 1) % n), ring.get(i), ring.get((i + 1) % n))
        else {
            continue;
        };
        let (d1, d2) = (
            (here.0 - prev.0, here.1 - prev.1),
            (next.0 - here.0, next.1 - here.1),
        );
        if d1.0 * d2.1 - d1.1 * d2.0 != 0 {
            out.push(here);
        }
    }
    out
}

/// Twice the signed area in grid units (positive = clockwise in image coordinates, an outer ring).
pub fn signed_area2(ring: &GridRing) -> i64 {
    let n = ring.len();
    (0..n)
        .filter_map(|i| Some((ring.get(i)?, ring.get((i + 1) % n)?)))
        .map(|(a, b)| a.0 * b.1 - b.0 * a.1)
        .sum()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn runs_of(mask: &str) -> Vec<CellRun> {
        let mut runs = Vec::new();
        for (r, line) in mask.lines().enumerate() {
            let cells: Vec<bool> = line.chars().map(|c| c == '#').collect();
            let mut c = 0;
            while c < cells.len() {
                if cells[c] {
                    let s = c;
                    while c + 1 < cells.len() && cells[c + 1] {
                        c += 1;
                    }
                    runs.push((r, s, c));
                }
                c += 1;
            }
        }
        runs
    }

    #[test]
    fn a_rectangle_is_one_ring_of_four_corners() {
        let rings = rings(&runs_of("###\n###\n"));
        assert_eq!(rings.len(), 1);
        let mut ring = rings[0].clone();
        ring.sort_unstable();
        assert_eq!(ring, vec![(0, 0), (0, 2), (3, 0), (3, 2)]);
        assert_eq!(signed_area2(&rings[0]), 12);
    }

    #[test]
    fn a_ring_of_cells_has_an_outer_ring_and_a_hole() {
        let rings = rings(&runs_of("###\n#.#\n###\n"));
        assert_eq!(rings.len(), 2);
        let mut areas: Vec<i64> = rings.iter().map(signed_area2).collect();
        areas.sort_unstable();
        assert_eq!(areas, vec![-2, 18], "hole of one cell, outer of nine");
    }

    #[test]
    fn cells_touching_at_a_corner_give_two_rings_that_do_not_cross() {
        let rings = rings(&runs_of("#.\n.#\n"));
        assert_eq!(rings.len(), 2);
        assert!(rings.iter().all(|r| r.len() == 4 && signed_area2(r) == 2));
    }

    #[test]
    fn runs_split_by_a_stripe_edge_outline_as_one() {
        let rings = rings(&[(0, 0, 3), (0, 4, 6), (1, 0, 6)]);
        assert_eq!(rings.len(), 1);
        assert_eq!(rings[0].len(), 4);
        assert_eq!(signed_area2(&rings[0]), 28);
    }

    #[test]
    fn an_l_shape_keeps_its_six_corners() {
        let rings = rings(&runs_of("#..\n#..\n###\n"));
        assert_eq!(rings.len(), 1);
        assert_eq!(rings[0].len(), 6);
        assert_eq!(signed_area2(&rings[0]), 10);
    }

    proptest::proptest! {
        /// Outer rings minus holes enclose exactly the cells, and every ring is axis-parallel.
        #[test]
        fn rings_enclose_exactly_the_cells(mask in proptest::collection::vec(proptest::collection::vec(proptest::bool::ANY, 9), 1..9)) {
            let text: Vec<String> = mask.iter().map(|r| r.iter().map(|&b| if b { '#' } else { '.' }).collect()).collect();
            let runs = runs_of(&text.join("\n"));
            let cells: i64 = runs.iter().map(|&(_, s, e)| (e - s + 1) as i64).sum();
            let rings = rings(&runs);
            proptest::prop_assert_eq!(rings.iter().map(signed_area2).sum::<i64>(), 2 * cells);
            for ring in &rings {
                for i in 0..ring.len() {
                    let (a, b) = (ring[i], ring[(i + 1) % ring.len()]);
                    proptest::prop_assert!(a.0 == b.0 || a.1 == b.1, "diagonal edge {:?} {:?}", a, b);
                }
            }
        }
    }
}
