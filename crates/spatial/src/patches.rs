//! Connected patches (8-connected components) of a mask streamed row by row.
//!
//! Method: each row's mask is given as runs of consecutive cells, each run with its accumulated
//! figures ([`Blob`]). A run joins every run of the row above that it touches, including diagonally
//! (8-connectivity: rows `[a, b]` and `[c, d]` touch when `a ≤ d + 1` and `c ≤ b + 1`); joins are
//! resolved with a small union-find over the runs of the two rows, so memory holds two rows of runs,
//! never the raster. A component that no run of the new row touches is complete and handed to the
//! caller, who keeps what matters (e.g. patches of at least the minimum area).

/// Figures of a set of cells. Positions are cell indexes of the grid being labelled.
#[derive(Debug, Clone, PartialEq)]
pub struct Blob {
    pub cells: u64,
    /// Cells also cut this period (for faces).
    pub cut_cells: u64,
    /// Σ(−d)·cell area over cut cells, m³.
    pub cut_m3: f64,
    /// Largest −d, m.
    pub max_depth_m: f64,
    pub sum_slope_deg: f64,
    pub min_z_m: f64,
    pub max_z_m: f64,
    pub sum_col: f64,
    pub sum_row: f64,
    pub min_col: usize,
    pub max_col: usize,
    pub min_row: usize,
    pub max_row: usize,
    /// The cells as runs (row, first column, last column), for drawing the outline.
    pub runs: Vec<crate::outline::CellRun>,
}

impl Default for Blob {
    fn default() -> Self {
        Self {
            cells: 0,
            cut_cells: 0,
            cut_m3: 0.0,
            max_depth_m: f64::NEG_INFINITY,
            sum_slope_deg: 0.0,
            min_z_m: f64::INFINITY,
            max_z_m: f64::NEG_INFINITY,
            sum_col: 0.0,
            sum_row: 0.0,
            min_col: usize::MAX,
            max_col: 0,
            min_row: usize::MAX,
            max_row: 0,
            runs: Vec::new(),
        }
    }
}

impl Blob {
    /// Adds one cell at (`row`, `col`).
    #[inline]
    pub fn add_cell(&mut self, row: usize, col: usize) {
        self.cells += 1;
        self.sum_col += col as f64;
        self.sum_row += row as f64;
        self.min_col = self.min_col.min(col);
        self.max_col = self.max_col.max(col);
        self.min_row = self.min_row.min(row);
        self.max_row = self.max_row.max(row);
    }

    /// Adds another blob's figures and cells.
    pub fn merge(&mut self, mut other: Blob) {
        self.runs.append(&mut other.runs);
        self.cells += other.cells;
        self.cut_cells += other.cut_cells;
        self.cut_m3 += other.cut_m3;
        self.max_depth_m = self.max_depth_m.max(other.max_depth_m);
        self.sum_slope_deg += other.sum_slope_deg;
        self.min_z_m = self.min_z_m.min(other.min_z_m);
        self.max_z_m = self.max_z_m.max(other.max_z_m);
        self.sum_col += other.sum_col;
        self.sum_row += other.sum_row;
        self.min_col = self.min_col.min(other.min_col);
        self.max_col = self.max_col.max(other.max_col);
        self.min_row = self.min_row.min(other.min_row);
        self.max_row = self.max_row.max(other.max_row);
    }

    /// Mean column and row of the cells.
    pub fn mean_col_row(&self) -> (f64, f64) {
        let n = self.cells.max(1) as f64;
        (self.sum_col / n, self.sum_row / n)
    }
}

/// A run of mask cells in one row: columns `start..=end`.
#[derive(Debug, Clone, PartialEq)]
pub struct Run {
    pub start: usize,
    pub end: usize,
    pub blob: Blob,
}

/// Builds the runs of one row while its cells are visited left to right.
#[derive(Debug, Default)]
pub struct RowRuns {
    runs: Vec<Run>,
    open: Option<Run>,
}

impl RowRuns {
    /// The blob of the run containing `col` (opening one if the previous cell was not in the mask).
    /// Cells must come in increasing column order; a gap closes the open run.
    #[inline]
    pub fn cell(&mut self, row: usize, col: usize) -> &mut Blob {
        let continues = matches!(&self.open, Some(run) if run.end + 1 == col);
        if !continues {
            if let Some(done) = self.open.take() {
                self.runs.push(done);
            }
            self.open = Some(Run {
                start: col,
                end: col,
                blob: Blob::default(),
            });
        }
        let run = self.open.get_or_insert_with(|| Run {
            start: col,
            end: col,
            blob: Blob::default(),
        });
        run.end = col;
        run.blob.add_cell(row, col);
        &mut run.blob
    }

    /// The runs of the row, in column order; the builder is empty again.
    pub fn take(&mut self) -> Vec<Run> {
        if let Some(done) = self.open.take() {
            self.runs.push(done);
        }
        let mut runs = std::mem::take(&mut self.runs);
        for run in &mut runs {
            run.blob.runs.push((run.blob.min_row, run.start, run.end));
        }
        runs
    }
}

/// The streaming labeller.
#[derive(Debug, Default)]
pub struct Labeller {
    /// Runs of the previous row with the index of their component in `components`.
    previous: Vec<(usize, usize, usize)>,
    components: Vec<Blob>,
}

/// Union-find: the root of `k`, halving the path on the way.
pub(crate) fn find(parent: &mut [usize], mut k: usize) -> usize {
    while let Some(&p) = parent.get(k) {
        if p == k {
            break;
        }
        let grand = parent.get(p).copied().unwrap_or(p);
        if let Some(slot) = parent.get_mut(k) {
            *slot = grand;
        }
        k = p;
    }
    k
}

/// Union-find: joins the sets of `a` and `b` under the smaller root.
pub(crate) fn union(parent: &mut [usize], a: usize, b: usize) {
    let (ra, rb) = (find(parent, a), find(parent, b));
    if ra != rb {
        let (low, high) = (ra.min(rb), ra.max(rb));
        if let Some(slot) = parent.get_mut(high) {
            *slot = low;
        }
    }
}

impl Labeller {
    /// Adds the next row's runs (in column order); completed components go to `done`.
    pub fn push_row(&mut self, runs: Vec<Run>, done: &mut impl FnMut(Blob)) {
        let n_prev = self.components.len();
        let total = n_prev + runs.len();
        let mut parent: Vec<usize> = (0..total).collect();
        // Two-pointer sweep over both rows' runs, both sorted by start.
        let mut i = 0;
        for (j, run) in runs.iter().enumerate() {
            while let Some(&(_, end, _)) = self.previous.get(i) {
                if end + 1 < run.start {
                    i += 1;
                } else {
                    break;
                }
            }
            let mut k = i;
            while let Some(&(start, _, comp)) = self.previous.get(k) {
                if start > run.end + 1 {
                    break;
                }
                union(&mut parent, comp, n_prev + j);
                k += 1;
            }
        }
        // Gather each set's figures at its root.
        let mut sets: Vec<Option<Blob>> = vec![None; total];
        let mut has_new = vec![false; total];
        let previous_blobs = std::mem::take(&mut self.components);
        let mut run_bounds = Vec::with_capacity(runs.len());
        let figures = previous_blobs
            .into_iter()
            .chain(runs.into_iter().map(|run| {
                run_bounds.push((run.start, run.end));
                run.blob
            }))
            .enumerate();
        for (k, blob) in figures {
            let root = find(&mut parent, k);
            if k >= n_prev {
                if let Some(flag) = has_new.get_mut(root) {
                    *flag = true;
                }
            }
            if let Some(slot) = sets.get_mut(root) {
                match slot {
                    Some(acc) => acc.merge(blob),
                    None => *slot = Some(blob),
                }
            }
        }
        let mut new_index = vec![usize::MAX; total];
        for (root, slot) in sets.iter_mut().enumerate() {
            let Some(blob) = slot.take() else { continue };
            if has_new.get(root).copied().unwrap_or(false) {
                if let Some(index) = new_index.get_mut(root) {
                    *index = self.components.len();
                }
                self.components.push(blob);
            } else {
                done(blob);
            }
        }
        self.previous.clear();
        for (j, (start, end)) in run_bounds.into_iter().enumerate() {
            let root = find(&mut parent, n_prev + j);
            let comp = new_index.get(root).copied().unwrap_or(usize::MAX);
            self.previous.push((start, end, comp));
        }
    }

    /// Ends the raster: every open component is complete.
    pub fn finish(&mut self, done: &mut impl FnMut(Blob)) {
        self.previous.clear();
        for blob in std::mem::take(&mut self.components) {
            done(blob);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Labels a small mask given as text ('#' = in the mask) and returns the components' cell counts,
    /// sorted, with their bounding boxes.
    fn label(mask: &str) -> Vec<(u64, usize, usize, usize, usize)> {
        let mut labeller = Labeller::default();
        let mut found = Vec::new();
        let mut done = |b: Blob| found.push((b.cells, b.min_row, b.min_col, b.max_row, b.max_col));
        for (row, line) in mask.lines().enumerate() {
            let mut runs = RowRuns::default();
            for (col, ch) in line.chars().enumerate() {
                if ch == '#' {
                    runs.cell(row, col);
                }
            }
            labeller.push_row(runs.take(), &mut done);
        }
        labeller.finish(&mut done);
        found.sort();
        found
    }

    #[test]
    fn diagonal_neighbours_join_and_gaps_separate() {
        let found = label("#..#\n.#..\n...#\n");
        assert_eq!(found, vec![(1, 0, 3, 0, 3), (1, 2, 3, 2, 3), (2, 0, 0, 1, 1)]);
    }

    #[test]
    fn a_u_shape_joins_its_arms_at_the_bottom() {
        let found = label("#...#\n#...#\n#####\n");
        assert_eq!(found, vec![(9, 0, 0, 2, 4)]);
    }

    #[test]
    fn a_v_that_splits_downward_stays_one_component() {
        let found = label("#####\n#...#\n#...#\n..#..\n");
        assert_eq!(found, vec![(1, 3, 2, 3, 2), (9, 0, 0, 2, 4)]);
    }

    #[test]
    fn a_spiral_merging_many_times_is_one_component() {
        let mask = "#######\n#.....#\n#.###.#\n#.#.#.#\n#.#...#\n#.#####\n";
        let found = label(mask);
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].0, mask.chars().filter(|&c| c == '#').count() as u64);
    }

    #[test]
    fn a_finished_component_is_reported_before_the_raster_ends() {
        let mut labeller = Labeller::default();
        let mut count = 0;
        let mut runs = RowRuns::default();
        runs.cell(0, 0);
        labeller.push_row(runs.take(), &mut |_| count += 1);
        labeller.push_row(Vec::new(), &mut |_| count += 1);
        assert_eq!(count, 1);
    }

    /// Flood fill on the whole mask: the obvious answer to compare with.
    fn flood(mask: &[Vec<bool>]) -> Vec<u64> {
        let (h, w) = (mask.len(), mask.first().map_or(0, Vec::len));
        let mut seen = vec![vec![false; w]; h];
        let mut sizes = Vec::new();
        for r in 0..h {
            for c in 0..w {
                if !mask[r][c] || seen[r][c] {
                    continue;
                }
                let (mut stack, mut size) = (vec![(r, c)], 0);
                seen[r][c] = true;
                while let Some((y, x)) = stack.pop() {
                    size += 1;
                    for dy in -1i64..=1 {
                        for dx in -1i64..=1 {
                            let (ny, nx) = (y as i64 + dy, x as i64 + dx);
                            if ny < 0 || nx < 0 || ny >= h as i64 || nx >= w as i64 {
                                continue;
                            }
                            let (ny, nx) = (ny as usize, nx as usize);
                            if mask[ny][nx] && !seen[ny][nx] {
                                seen[ny][nx] = true;
                                stack.push((ny, nx));
                            }
                        }
                    }
                }
                sizes.push(size);
            }
        }
        sizes.sort();
        sizes
    }

    proptest::proptest! {
        #[test]
        fn streaming_labels_agree_with_a_flood_fill(mask in proptest::collection::vec(proptest::collection::vec(proptest::bool::weighted(0.45), 12), 1..12)) {
            let mut labeller = Labeller::default();
            let mut sizes = Vec::new();
            for (row, cells) in mask.iter().enumerate() {
                let mut runs = RowRuns::default();
                for (col, &on) in cells.iter().enumerate() {
                    if on {
                        runs.cell(row, col);
                    }
                }
                labeller.push_row(runs.take(), &mut |b| sizes.push(b.cells));
            }
            labeller.finish(&mut |b| sizes.push(b.cells));
            sizes.sort();
            proptest::prop_assert_eq!(sizes, flood(&mask));
        }
    }
}
