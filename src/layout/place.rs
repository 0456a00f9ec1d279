//! Phase 4: placement. Ranks come from the engine's y (its rows), spaced by our own gaps, which
//! grow to hold the labels that stand in them; x comes from the engine's order, compacted so that
//! neighbours in a row don't overlap.

use super::flat::FlatGraph;
use super::{
    text_box, Rect, TextMeasure, COL_GAP, LABEL_CLEAR, LABEL_GAP, MARGIN, RANK_GAP,
    SELF_LOOP_LABEL_GAP, SELF_LOOP_W, SMALL_FONT,
};
use crate::graph::{ellipsize, EdgeKind, FlowGraph, MAX_LABEL};
use std::collections::HashMap;

/// Where every engine node of one scope goes, and the bands of ranks the router runs between.
pub(super) struct Placement {
    /// The engine's row ys, sorted.
    ys: Vec<f64>,
    /// Each engine node's rank.
    pub node_rank: Vec<usize>,
    /// Each rank's band: its top and its height.
    pub band_top: Vec<f64>,
    pub band_h: Vec<f64>,
    /// The gap below each rank.
    gaps: Vec<f64>,
    /// Each engine node's box.
    pub rects: Vec<Rect>,
    /// Each rank's boxes as x spans, left to right.
    rows: Vec<Vec<(f64, f64)>>,
    /// How far the engine's x moved to start at the margin (waypoints move with it).
    pub dx: f64,
    pub width: f64,
    pub height: f64,
}

impl Placement {
    /// The rank nearest to engine y `y`, by binary search (a scan per node was quadratic).
    pub fn rank_of_y(&self, y: f64) -> usize {
        let ys = &self.ys;
        let i = ys.partition_point(|&r| r < y);
        match (i.checked_sub(1).and_then(|lo| ys.get(lo)), ys.get(i)) {
            (Some(&lo), Some(&hi)) if (y - lo).abs() <= (hi - y).abs() => i - 1,
            (_, Some(_)) => i,
            (Some(_), None) => i - 1,
            (None, None) => 0,
        }
    }

    pub fn gap_after(&self, r: usize) -> f64 {
        self.gaps.get(r).copied().unwrap_or(RANK_GAP)
    }

    /// The middle of the gap below the upper of two ranks.
    pub fn gap_between(&self, r1: usize, r2: usize) -> f64 {
        let lo = r1.min(r2);
        self.band_top.get(lo).copied().unwrap_or(0.0)
            + self.band_h.get(lo).copied().unwrap_or(0.0)
            + self.gap_after(lo) / 2.0
    }

    pub fn rank(&self, node: usize) -> usize {
        self.node_rank.get(node).copied().unwrap_or(0)
    }

    /// A waypoint's x in rank `r`, moved out of any box of that rank into the nearer gap beside
    /// it: the engine placed waypoints before rows were compacted, so one may sit on a box that
    /// moved (a vertical run through it would cross the box).
    pub fn clear_x(&self, r: usize, x: f64) -> f64 {
        let Some(row) = self.rows.get(r) else {
            return x;
        };
        let i = row.partition_point(|&(x0, _)| x0 <= x);
        let Some(&(x0, x1)) = i.checked_sub(1).and_then(|k| row.get(k)) else {
            return x;
        };
        if x >= x1 {
            return x;
        }
        let left = x0 - COL_GAP / 2.0;
        let right = x1 + COL_GAP / 2.0;
        let free = |c: f64| !row.iter().any(|&(a, b)| c > a && c < b);
        match (x - x0 <= x1 - x, free(left), free(right)) {
            (true, true, _) | (false, true, false) => left,
            (_, _, true) => right,
            _ => x,
        }
    }
}

/// Places the engine nodes of `flat`, given the engine's centres and waypoints.
pub(super) fn place(
    g: &FlowGraph,
    flat: &FlatGraph,
    centers: &[(f64, f64)],
    paths: &[Vec<(f64, f64)>],
    lr: bool,
    measure: &dyn TextMeasure,
) -> Placement {
    let sizes = &flat.sizes;
    let mut ys: Vec<f64> = centers.iter().map(|c| c.1).collect();
    ys.sort_by(|a, b| a.total_cmp(b));
    ys.dedup_by(|a, b| (*a - *b).abs() < 1.0);
    let mut p = Placement {
        ys,
        node_rank: Vec::new(),
        band_top: Vec::new(),
        band_h: Vec::new(),
        gaps: Vec::new(),
        rects: Vec::new(),
        rows: Vec::new(),
        dx: 0.0,
        width: 0.0,
        height: 0.0,
    };
    p.node_rank = centers.iter().map(|c| p.rank_of_y(c.1)).collect();
    let mut band_h = vec![0.0f64; p.ys.len().max(1)];
    for (i, r) in p.node_rank.iter().enumerate() {
        if let (Some(b), Some(s)) = (band_h.get_mut(*r), sizes.get(i)) {
            *b = b.max(s.1);
        }
    }
    p.gaps = label_gaps(g, flat, &p.node_rank, band_h.len(), lr, measure);
    let mut y = MARGIN;
    for (r, h) in band_h.iter().enumerate() {
        p.band_top.push(y);
        y += h + p.gap_after(r);
    }
    p.height = y - p.gap_after(band_h.len().saturating_sub(1)) + MARGIN;
    p.band_h = band_h;
    let room = self_loop_room(g, flat, lr, measure);
    let xs = compact_rows(centers, sizes, &room, &p.node_rank, p.band_h.len());
    // Waypoints of long edges must not land on boxes either: they're part of the rows above.
    let min_left = xs
        .iter()
        .zip(sizes.iter())
        .map(|(x, s)| x - s.0 / 2.0)
        .fold(f64::INFINITY, f64::min);
    let mut dx = MARGIN - if min_left.is_finite() { min_left } else { 0.0 };
    let path_min = paths
        .iter()
        .flatten()
        .map(|p| p.0)
        .fold(f64::INFINITY, f64::min);
    if path_min.is_finite() && path_min + dx < MARGIN {
        dx += MARGIN - (path_min + dx);
    }
    p.rects = (0..sizes.len())
        .map(|i| {
            let (w, h) = sizes.get(i).copied().unwrap_or((0.0, 0.0));
            let r = p.rank(i);
            let mid = p.band_top.get(r).copied().unwrap_or(0.0)
                + p.band_h.get(r).copied().unwrap_or(0.0) / 2.0;
            let cx = xs.get(i).copied().unwrap_or(0.0) + dx;
            Rect {
                x: (cx - w / 2.0).round(),
                y: (mid - h / 2.0).round(),
                w,
                h,
            }
        })
        .collect();
    let mut rows = vec![Vec::new(); p.band_h.len()];
    for (i, r) in p.rects.iter().enumerate() {
        if let Some(row) = rows.get_mut(p.rank(i)) {
            row.push((r.x, r.x + r.w));
        }
    }
    for row in &mut rows {
        row.sort_by(|a: &(f64, f64), b| a.0.total_cmp(&b.0));
    }
    p.rows = rows;
    p.width = p
        .rects
        .iter()
        .map(|r| r.x + r.w)
        .fold(0.0, f64::max)
        .max(paths.iter().flatten().map(|p| p.0 + dx).fold(0.0, f64::max))
        + MARGIN;
    p.dx = dx;
    p
}

/// The gap below each rank. Each gap holds the labels of the edges that end beside it, stacked:
/// above a box for edges entering its top, below one for loops entering its bottom. Left to
/// right, a label's width lies across the gap, so the gap grows to fit it.
fn label_gaps(
    g: &FlowGraph,
    flat: &FlatGraph,
    node_rank: &[usize],
    ranks: usize,
    lr: bool,
    measure: &dyn TextMeasure,
) -> Vec<f64> {
    let label_extent = |ei: usize| -> Option<f64> {
        let e = g.edges.get(ei)?;
        if e.label.is_empty() || e.kind == EdgeKind::Next {
            return None;
        }
        let (w, h) = text_box(measure, &ellipsize(&e.label, MAX_LABEL), SMALL_FONT);
        Some(if lr { w } else { h } + LABEL_GAP)
    };
    let mut stacks: HashMap<usize, (f64, f64)> = HashMap::new();
    for end in &flat.ends {
        let Some(ext) = label_extent(end.edge).filter(|_| end.from != end.to) else {
            continue;
        };
        let down = node_rank.get(end.to) > node_rank.get(end.from);
        let st = stacks.entry(end.to).or_default();
        if down {
            st.0 += ext;
        } else {
            st.1 += ext;
        }
    }
    let mut above = vec![0.0f64; ranks];
    let mut below = vec![0.0f64; ranks];
    for (b, (up, down)) in &stacks {
        if let Some(r) = node_rank.get(*b).copied() {
            if let Some(x) = above.get_mut(r) {
                *x = x.max(*up);
            }
            if let Some(x) = below.get_mut(r) {
                *x = x.max(*down);
            }
        }
    }
    (0..ranks)
        .map(|r| {
            let need = below.get(r).copied().unwrap_or(0.0)
                + above.get(r + 1).copied().unwrap_or(0.0)
                + 2.0 * LABEL_CLEAR
                + 12.0;
            need.max(RANK_GAP)
        })
        .collect()
}

/// The room each engine node needs right of its box for its self-loop's arc and label (the
/// router draws them there), so its right-hand neighbour keeps clear of them.
fn self_loop_room(
    g: &FlowGraph,
    flat: &FlatGraph,
    lr: bool,
    measure: &dyn TextMeasure,
) -> Vec<f64> {
    // The labels of a node's self-loops line up right of it: their widths add up.
    let mut labels = vec![0.0f64; flat.sizes.len()];
    let mut room = vec![0.0f64; flat.sizes.len()];
    for end in flat.ends.iter().filter(|e| e.from == e.to) {
        let label = g
            .edges
            .get(end.edge)
            .filter(|e| !e.label.is_empty() && e.kind != EdgeKind::Next)
            .map(|e| {
                let (w, h) = text_box(measure, &ellipsize(&e.label, MAX_LABEL), SMALL_FONT);
                if lr {
                    h
                } else {
                    w
                }
            });
        if let (Some(r), Some(l)) = (room.get_mut(end.from), labels.get_mut(end.from)) {
            if let Some(w) = label {
                *l += if *l > 0.0 {
                    LABEL_GAP + w
                } else {
                    SELF_LOOP_LABEL_GAP + w
                };
            }
            *r = r.max(SELF_LOOP_W.max(*l));
        }
    }
    room
}

/// Centre xs: rows keep the engine's order, and overlapping neighbours are pushed apart (`room`
/// is what each node needs right of its box besides the column gap).
fn compact_rows(
    centers: &[(f64, f64)],
    sizes: &[(f64, f64)],
    room: &[f64],
    node_rank: &[usize],
    ranks: usize,
) -> Vec<f64> {
    let mut xs: Vec<f64> = centers.iter().map(|c| c.0).collect();
    // Each rank's nodes, bucketed once (filtering every node per rank was quadratic in a chain).
    let mut rows: Vec<Vec<usize>> = vec![Vec::new(); ranks];
    for (i, &r) in node_rank.iter().enumerate().take(xs.len()) {
        if let Some(row) = rows.get_mut(r) {
            row.push(i);
        }
    }
    for mut row in rows {
        row.sort_by(|&a, &b| {
            xs.get(a)
                .copied()
                .unwrap_or(0.0)
                .total_cmp(&xs.get(b).copied().unwrap_or(0.0))
        });
        for k in 1..row.len() {
            let (Some(&p), Some(&c)) = (row.get(k - 1), row.get(k)) else {
                continue;
            };
            let min = xs.get(p).copied().unwrap_or(0.0)
                + sizes.get(p).map_or(0.0, |s| s.0) / 2.0
                + room.get(p).copied().unwrap_or(0.0)
                + COL_GAP
                + sizes.get(c).map_or(0.0, |s| s.0) / 2.0;
            if let Some(x) = xs.get_mut(c) {
                if *x < min {
                    *x = min;
                }
            }
        }
    }
    xs
}
