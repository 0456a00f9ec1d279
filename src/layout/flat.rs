//! Phase 2: the flat graph one scope hands to the engine. Its states (sized in phase 1), a Start
//! marker in the machine's root, and a stub box for each long edge into a shared target, which
//! keeps the engine fast and the drawing readable (many Catches into one Fail).

use super::{text_box, TextMeasure, MARKER, SMALL_FONT, STUB_H};
use crate::asl::{ScopeId, ScopeKind, StateId};
use crate::graph::{ellipsize, EdgeKind, FlowGraph, GraphScope};
use std::collections::HashMap;

/// One graph edge of the scope as the router sees it: its two ends as engine nodes.
#[derive(Debug, Clone, Copy)]
pub(super) struct EdgeEnd {
    /// Index into `FlowGraph::edges`.
    pub edge: usize,
    pub from: usize,
    /// The engine node the edge ends at: its target state's, or its stub's.
    pub to: usize,
    /// Index into `FlatGraph::stubs` when the edge ends at a stub.
    pub stub: Option<usize>,
}

/// A stub box: the state it stands for, and its engine node.
#[derive(Debug, Clone, Copy)]
pub(super) struct Stub {
    pub target: StateId,
    pub node: usize,
}

/// One scope as a flat graph. Engine nodes are the scope's states (in `GraphScope::states`
/// order), then stubs, then the Start marker.
pub(super) struct FlatGraph {
    /// Box sizes of all engine nodes, top-to-bottom.
    pub sizes: Vec<(f64, f64)>,
    /// Edges the engine lays out: the marker's first, then the edges in breadth-first order of
    /// their sources (self-loops left out: the router draws them as a small arc).
    pub engine_edges: Vec<(usize, usize)>,
    /// Every edge of the scope, in breadth-first order of its source.
    pub ends: Vec<EdgeEnd>,
    pub stubs: Vec<Stub>,
    /// The Start marker's engine node.
    pub marker: Option<usize>,
    /// StartAt's engine node.
    pub start: Option<usize>,
}

/// Builds the flat graph of `scope` (`sc`), whose states have box sizes `sizes`.
pub(super) fn flat_graph(
    g: &FlowGraph,
    scope: ScopeId,
    sc: &GraphScope,
    sizes: Vec<(f64, f64)>,
    lr: bool,
    measure: &dyn TextMeasure,
) -> FlatGraph {
    // ScopeLayout indexes and adjacency, built once: everything below is linear in the scope's size.
    let index: HashMap<StateId, usize> =
        sc.states.iter().enumerate().map(|(i, &s)| (s, i)).collect();
    let index_of = |s: StateId| index.get(&s).copied();
    let n_states = sc.states.len();
    let start = sc.start.and_then(index_of);
    let mut out_edges: Vec<Vec<usize>> = vec![Vec::new(); n_states];
    for (i, e) in g.edges.iter().enumerate() {
        if e.scope == scope {
            if let Some(list) = index_of(e.from).and_then(|a| out_edges.get_mut(a)) {
                list.push(i);
            }
        }
    }
    let (rank, order) = bfs_ranks(g, &out_edges, start, &index);
    // Edges in BFS order of their sources.
    let ordered: Vec<usize> = order
        .iter()
        .flat_map(|&i| out_edges.get(i).cloned().unwrap_or_default())
        .collect();
    let primary = primary_edges(g, &ordered, &rank, &index);
    let mut flat = FlatGraph {
        sizes,
        engine_edges: Vec::new(),
        ends: Vec::new(),
        stubs: Vec::new(),
        marker: None,
        start,
    };
    for &ei in &ordered {
        let Some(e) = g.edges.get(ei) else { continue };
        let (Some(a), Some(b)) = (index_of(e.from), index_of(e.to)) else {
            continue;
        };
        if a == b {
            // Self-loops are drawn by the router as a small arc; the engine never sees them.
            flat.ends.push(EdgeEnd {
                edge: ei,
                from: a,
                to: b,
                stub: None,
            });
            continue;
        }
        let ra = rank.get(a).copied().unwrap_or(0);
        let rb = rank.get(b).copied().unwrap_or(0);
        // Every target keeps exactly one real incoming edge (see `primary_edges`). Other Catches,
        // forward edges that skip ranks and long loops back end at a stub: each real long edge
        // costs the engine dummy nodes and crossings, and many of them make it collapse.
        let is_primary = primary.get(b).copied().flatten() == Some(ei);
        let stub = !is_primary
            && (e.kind == EdgeKind::Catch
                || (rb > ra && rb - ra >= 2)
                || (rb <= ra && ra - rb > 3));
        if stub {
            let label = format!(
                "→ {}",
                ellipsize(g.node(e.to).map_or("", |n| n.name.as_str()), 24)
            );
            let (w, h) = text_box(measure, &label, SMALL_FONT);
            let (w, h) = (w.max(60.0), h.max(STUB_H));
            let (w, h) = if lr { (h, w) } else { (w, h) };
            flat.sizes.push((w, h));
            let node = flat.sizes.len() - 1;
            flat.stubs.push(Stub { target: e.to, node });
            flat.engine_edges.push((a, node));
            flat.ends.push(EdgeEnd {
                edge: ei,
                from: a,
                to: node,
                stub: Some(flat.stubs.len() - 1),
            });
        } else {
            flat.engine_edges.push((a, b));
            flat.ends.push(EdgeEnd {
                edge: ei,
                from: a,
                to: b,
                stub: None,
            });
        }
    }
    if matches!(sc.kind, ScopeKind::Machine) {
        if let Some(si) = start {
            flat.sizes.push((MARKER, MARKER));
            let m = flat.sizes.len() - 1;
            flat.engine_edges.insert(0, (m, si));
            flat.marker = Some(m);
        }
    }
    flat
}

/// Breadth-first ranks from StartAt, and the order states were reached in (states StartAt
/// doesn't reach come last, at rank 0).
fn bfs_ranks(
    g: &FlowGraph,
    out_edges: &[Vec<usize>],
    start: Option<usize>,
    index: &HashMap<StateId, usize>,
) -> (Vec<usize>, Vec<usize>) {
    let n = out_edges.len();
    let mut rank = vec![usize::MAX; n];
    let mut order: Vec<usize> = Vec::with_capacity(n);
    if let Some(si) = start {
        if let Some(r) = rank.get_mut(si) {
            *r = 0;
        }
        order.push(si);
        let mut head = 0;
        while let Some(&i) = order.get(head) {
            head += 1;
            for &ei in out_edges.get(i).map_or(&[][..], |v| v.as_slice()) {
                let Some(t) = g.edges.get(ei).and_then(|e| index.get(&e.to).copied()) else {
                    continue;
                };
                if rank.get(t) == Some(&usize::MAX) {
                    let r = rank.get(i).copied().unwrap_or(0) + 1;
                    if let Some(slot) = rank.get_mut(t) {
                        *slot = r;
                    }
                    order.push(t);
                }
            }
        }
    }
    for i in 0..n {
        if rank.get(i) == Some(&usize::MAX) {
            order.push(i);
            if let Some(r) = rank.get_mut(i) {
                *r = 0;
            }
        }
    }
    (rank, order)
}

/// The real incoming edge of each target: not a Catch if it can help it, forward rather than
/// back, the shortest, then the first in breadth-first order.
fn primary_edges(
    g: &FlowGraph,
    ordered: &[usize],
    rank: &[usize],
    index: &HashMap<StateId, usize>,
) -> Vec<Option<usize>> {
    let n = rank.len();
    let mut primary: Vec<Option<usize>> = vec![None; n];
    let mut best: Vec<(bool, bool, usize, usize)> = vec![(true, true, usize::MAX, usize::MAX); n];
    for (order_i, &ei) in ordered.iter().enumerate() {
        let Some(e) = g.edges.get(ei) else { continue };
        let (Some(a), Some(b)) = (index.get(&e.from).copied(), index.get(&e.to).copied()) else {
            continue;
        };
        if a == b {
            continue;
        }
        let (ra, rb) = (
            rank.get(a).copied().unwrap_or(0),
            rank.get(b).copied().unwrap_or(0),
        );
        let forward = rb > ra;
        let key = (
            e.kind == EdgeKind::Catch,
            !forward,
            if forward { rb - ra } else { ra - rb + n },
            order_i,
        );
        if best.get(b).is_some_and(|cur| key < *cur) {
            if let (Some(bs), Some(p)) = (best.get_mut(b), primary.get_mut(b)) {
                *bs = key;
                *p = Some(ei);
            }
        }
    }
    primary
}
