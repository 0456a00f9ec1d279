//! Phase 3's fallback: a simple layered placement when the engine can't be used (it refuses the
//! input, or would panic on it). Ranks by longest path in breadth-first order, rows left to
//! right; the placement and routing phases then treat it like the engine's output.

use super::COL_GAP;

/// A simple layered placement when the engine can't be used: ranks by longest path in BFS order.
pub(super) fn fallback_centers(sizes: &[(f64, f64)], edges: &[(usize, usize)]) -> Vec<(f64, f64)> {
    let n = sizes.len();
    let mut rank = vec![0usize; n];
    for _ in 0..n.min(64) {
        let mut changed = false;
        for &(a, b) in edges {
            let ra = rank.get(a).copied().unwrap_or(0);
            if let Some(rb) = rank.get_mut(b) {
                if *rb < ra + 1 && b > a {
                    *rb = ra + 1;
                    changed = true;
                }
            }
        }
        if !changed {
            break;
        }
    }
    let mut next_x: Vec<f64> = Vec::new();
    (0..n)
        .map(|i| {
            let r = rank.get(i).copied().unwrap_or(0);
            if next_x.len() <= r {
                next_x.resize(r + 1, 0.0);
            }
            let w = sizes.get(i).map_or(0.0, |s| s.0);
            let x = next_x.get(r).copied().unwrap_or(0.0);
            if let Some(nx) = next_x.get_mut(r) {
                *nx = x + w + COL_GAP;
            }
            (x + w / 2.0, r as f64 * 100.0)
        })
        .collect()
}
