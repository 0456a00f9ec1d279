//! This module contains optimization passes that transform the graphs in different
//! phases of the program. Here you can find things like optimizations for
//! sinking or hoisting nodes to reduce the number of live edges, and
//! optimizations that move nodes within a row to reduce edge crossing.

use crate::adt::dag::NodeHandle;
use crate::adt::dag::DAG;
use crate::core::base::Direction;

/// A row and, when it is wide, each node's position in it.
struct RowIndex {
    row: Vec<NodeHandle>,
    positions: Option<std::collections::HashMap<NodeHandle, usize>>,
}

/// Rows up to this wide are scanned, as the original did; wider ones are indexed.
const SCAN: usize = 32;

impl RowIndex {
    fn new() -> Self {
        RowIndex {
            row: Vec::new(),
            positions: None,
        }
    }

    fn get(&self, n: &NodeHandle) -> Option<usize> {
        match &self.positions {
            Some(p) => p.get(n).copied(),
            None => self.row.iter().position(|x| x == n),
        }
    }
}

fn row_index(row: &[NodeHandle]) -> RowIndex {
    RowIndex {
        row: row.to_vec(),
        positions: (row.len() > SCAN)
            .then(|| row.iter().enumerate().map(|(i, &n)| (n, i)).collect()),
    }
}

/// This optimizations changes the order of nodes within a rank (ordering along
/// the x-axis). The transformation tries to reduce the number of edges that
/// cross each other.
#[derive(Debug)]
pub struct EdgeCrossOptimizer<'a> {
    dag: &'a mut DAG,
}
impl<'a> EdgeCrossOptimizer<'a> {
    pub fn new(dag: &'a mut DAG) -> Self {
        Self { dag }
    }

    /// Given two nodes that may have connections in \p row, check how many of
    /// these edges intersect. Check both successors and predecessors.
    ///               A   B
    ///             /   \/ \
    ///            /    /\  \
    ///  Row: [][][][][][][][][][]
    fn num_crossing(&self, a: NodeHandle, b: NodeHandle, row: &RowIndex) -> usize {
        // Stepscope's patch: positions from the row's index instead of a scan
        // of the whole row per pair (quadratic, then cubic, in wide rows). The
        // count is the same: pairs of a neighbour of A after a neighbour of B.
        // A narrow row is still scanned, as the original did.
        if row.positions.is_none() {
            let mut sum = 0;
            let mut num_b = 0;
            let (a1, a2) = (self.dag.successors(a), self.dag.predecessors(a));
            let (b1, b2) = (self.dag.successors(b), self.dag.predecessors(b));
            for node in &row.row {
                if a1.contains(node) || a2.contains(node) {
                    sum += num_b;
                }
                if b1.contains(node) || b2.contains(node) {
                    num_b += 1;
                }
            }
            return sum;
        }
        let pa = self.neighbour_positions(a, row);
        let pb = self.neighbour_positions(b, row);
        pa.iter().map(|&x| pb.partition_point(|&y| y < x)).sum()
    }

    /// The sorted, distinct positions in `row` of `n`'s successors and
    /// predecessors.
    fn neighbour_positions(&self, n: NodeHandle, row: &RowIndex) -> Vec<usize> {
        let mut out: Vec<usize> = self
            .dag
            .successors(n)
            .iter()
            .chain(self.dag.predecessors(n).iter())
            .filter_map(|x| row.get(x))
            .collect();
        out.sort_unstable();
        out.dedup();
        out
    }

    // Shuffle the nodes in all of the ranks.
    pub fn perturb_rank(&mut self) {
        for i in 0..self.dag.num_levels() {
            let row = self.dag.row_mut(i);
            let len = row.len();
            for j in 0..len {
                row.swap((j * 17) % len, j);
            }
        }
    }

    // Move the elements in the rank to the left, to perturb the graph.
    pub fn rotate_rank(&mut self) {
        for i in 0..self.dag.num_levels() {
            let row = self.dag.row_mut(i);
            row.rotate_left(1);
        }
    }

    pub fn optimize(&mut self) {
        self.dag.verify();
        #[cfg(feature = "log")]
        log::info!("Optimizing edge crossing.");
        let mut best_rank = self.dag.ranks().clone();
        let mut best_cnt = self.count_crossed_edges();
        #[cfg(feature = "log")]
        log::info!("Starting with {} crossings.", best_cnt);
        for i in 0..50 {
            let dir = match i % 4 {
                0 => Direction::Both,
                1 => Direction::Up,
                _ => Direction::Down,
            };
            self.swap_crossed_edges(dir);
            let new_cnt = self.count_crossed_edges();
            if new_cnt < best_cnt {
                #[cfg(feature = "log")]
                log::info!("Found a rank with {} crossings.", new_cnt);
                best_rank = self.dag.ranks().clone();
                best_cnt = new_cnt;
            }
            self.rotate_rank();
            if i % 10 == 0 {
                self.perturb_rank();
            }
        }
        *self.dag.ranks_mut() = best_rank;
    }

    fn count_crossed_edges(&self) -> usize {
        let mut sum = 0;
        // Compare each row to the row afterwards.
        for row_idx in 0..self.dag.num_levels() - 1 {
            let first_row = self.dag.row(row_idx);
            let second_row = self.dag.row(row_idx + 1);
            sum += self.count_crossing_in_rows(first_row, second_row);
        }
        sum
    }

    fn count_crossing_in_rows(
        &self,
        first: &[NodeHandle],
        second: &[NodeHandle],
    ) -> usize {
        if first.len() < 2 {
            return 0;
        }
        // Stepscope's patch: the sum over all pairs (a before b) of
        // `num_crossing(a, b, second)`, as one inversion count over a Fenwick
        // tree: O(E log n) instead of O(n^2) pairs each scanning the row.
        let index = row_index(second);
        let mut tree = vec![0usize; second.len() + 1];
        let mut inserted = 0usize;
        let mut sum = 0;
        for &node in first {
            let positions = self.neighbour_positions(node, &index);
            for &q in &positions {
                // Earlier neighbours at positions greater than q.
                let mut at_most = 0;
                let mut k = q + 1;
                while k > 0 {
                    at_most += tree[k];
                    k &= k - 1;
                }
                sum += inserted - at_most;
            }
            for &q in &positions {
                let mut k = q + 1;
                while k < tree.len() {
                    tree[k] += 1;
                    k += k & k.wrapping_neg();
                }
                inserted += 1;
            }
        }
        sum
    }

    /// Scan all of the node pairs in the module and count the number of crossed
    /// edges. If \p allow_swap is set then swap the edges if it reduces the
    /// number of crossing.
    fn swap_crossed_edges(&mut self, dir: Direction) {
        let mut changed = true;
        while changed {
            changed = false;
            if dir.is_down() {
                for i in 0..self.dag.num_levels() {
                    changed |= self.swap_crossed_edges_on_row(i, dir);
                }
            }
            if dir.is_up() {
                for i in (0..self.dag.num_levels()).rev() {
                    changed |= self.swap_crossed_edges_on_row(i, dir);
                }
            }
        }
    }

    /// See swap_crossed_edges.
    fn swap_crossed_edges_on_row(
        &mut self,
        row_idx: usize,
        dir: Direction,
    ) -> bool {
        let mut changed = false;

        let num_rows = self.dag.num_levels();

        let prev_row = if row_idx > 0 && dir.is_up() {
            row_index(self.dag.row(row_idx - 1))
        } else {
            RowIndex::new()
        };
        let next_row = if row_idx + 1 < num_rows && dir.is_down() {
            row_index(self.dag.row(row_idx + 1))
        } else {
            RowIndex::new()
        };

        let mut row = self.dag.row(row_idx).clone();

        if row.len() < 2 {
            return false;
        }

        // For each two consecutive elements in the row:
        for i in 0..row.len() - 1 {
            let a = row[i];
            let b = row[i + 1];

            let mut ab = 0;
            let mut ba = 0;
            // Figure out if A crosses the edges of B, and vice versa, on both
            // the edges pointing up and down.
            ab += self.num_crossing(a, b, &prev_row);
            ba += self.num_crossing(b, a, &prev_row);
            ab += self.num_crossing(a, b, &next_row);
            ba += self.num_crossing(b, a, &next_row);

            // Swap the edges.
            if ab > ba {
                row[i] = b;
                row[i + 1] = a;
                changed = true;
            }
        }

        if changed {
            *self.dag.row_mut(row_idx) = row;
        }
        changed
    }
}

/// This optimization sinks nodes in an attempt to shorten the length of edges
/// that run through the graph.
#[derive(Debug)]
pub struct RankOptimizer<'a> {
    dag: &'a mut DAG,
}

impl<'a> RankOptimizer<'a> {
    pub fn new(dag: &'a mut DAG) -> Self {
        Self { dag }
    }

    pub fn try_to_sink_node(&mut self, node: NodeHandle) -> bool {
        let backs = self.dag.predecessors(node);
        let fwds = self.dag.successors(node);

        // Don't try to sink if we increase the number of live edges,
        // or if there are no forward edges.
        if backs.len() > fwds.len() || backs.len() + fwds.len() == 0 {
            return false;
        }

        let curr_rank = self.dag.level(node);
        let mut highest_next = self.dag.len();
        for elem in fwds {
            let next_rank = self.dag.level(*elem);
            highest_next = highest_next.min(next_rank);
        }

        // We found an opportunity to sink a node.
        if highest_next > curr_rank + 1 {
            self.dag
                .update_node_rank_level(node, highest_next - 1, None);
            return true;
        }
        false
    }

    // Try to sink nodes to shorten the length of edges.
    pub fn optimize(&mut self) {
        self.dag.verify();

        #[cfg(feature = "log")]
        log::info!("Optimizing the ranks.");
        #[cfg(feature = "log")]
        let mut cnt = 0;
        #[cfg(feature = "log")]
        let mut iter = 0;

        loop {
            let mut c = 0;
            for node in self.dag.iter() {
                if self.try_to_sink_node(node) {
                    c += 1;
                }
            }
            #[cfg(feature = "log")]
            {
                cnt += c;
                iter += 1;
            }
            if c == 0 {
                break;
            }
        }

        #[cfg(feature = "log")]
        log::info!("Sank {} nodes in {} iteration.", cnt, iter);
    }
}
