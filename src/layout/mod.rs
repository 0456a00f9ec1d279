//! Layout: where every box and edge of a [`FlowGraph`] goes.
//!
//! Each scope (the machine, each Parallel branch, each Map processor) is laid out as its own flat
//! graph, innermost first; a Parallel or Map state is then a sized box in its parent. The engine
//! (layout-rs, behind `layout_rs.rs`) ranks and orders boxes; we then place ranks ourselves with
//! fixed gaps, attach edges to the top and bottom of boxes, and route them orthogonally through
//! the engine's waypoints in the gaps between ranks, so they pass clear of other boxes.
//! Long edges into shared targets (many Catches into one Fail) end at a small stub of the target
//! instead, which keeps the engine fast and the drawing readable. Left-to-right is the same
//! layout computed top-to-bottom on transposed boxes, then transposed back.

mod layout_rs;
mod measure;

pub use measure::{EstimateMeasure, TextMeasure};

use crate::asl::{ScopeId, ScopeKind, StateId, StateType};
use crate::graph::{ellipsize, EdgeKind, FlowGraph, MAX_LABEL};
use std::collections::HashMap;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Direction {
    #[default]
    TopToBottom,
    LeftToRight,
}

#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct LayoutOptions {
    pub direction: Direction,
}

#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Rect {
    pub x: f64,
    pub y: f64,
    pub w: f64,
    pub h: f64,
}

impl Rect {
    pub fn intersects(&self, o: &Rect) -> bool {
        self.x < o.x + o.w && o.x < self.x + self.w && self.y < o.y + o.h && o.y < self.y + self.h
    }
    pub fn contains(&self, o: &Rect) -> bool {
        o.x >= self.x - 0.01
            && o.y >= self.y - 0.01
            && o.x + o.w <= self.x + self.w + 0.01
            && o.y + o.h <= self.y + self.h + 0.01
    }
    fn cx(&self) -> f64 {
        self.x + self.w / 2.0
    }
    fn translate(&mut self, dx: f64, dy: f64) {
        self.x += dx;
        self.y += dy;
    }
    fn transpose(&mut self) {
        *self = Rect {
            x: self.y,
            y: self.x,
            w: self.h,
            h: self.w,
        };
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct NodeBox {
    pub state: StateId,
    pub rect: Rect,
    /// The enclosing Parallel or Map state.
    pub parent: Option<StateId>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct StubBox {
    /// The state this stub stands for.
    pub target: StateId,
    pub rect: Rect,
    pub parent: Option<StateId>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct EdgePath {
    /// Index into `FlowGraph::edges`.
    pub edge: usize,
    pub points: Vec<(f64, f64)>,
    /// Index into `Layout::stubs` when the edge ends at a stub.
    pub to_stub: Option<usize>,
    /// Centre of the label box, and its size, when the edge has a label.
    pub label: Option<(Rect, String)>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct MarkerBox {
    pub start: bool,
    pub rect: Rect,
    /// The edge from a Start marker to its state, or from a terminal state to its End marker.
    pub points: Vec<(f64, f64)>,
}

#[derive(Debug, Clone, PartialEq, Default)]
pub struct Layout {
    pub width: f64,
    pub height: f64,
    /// One per state, indexed by `StateId`.
    pub nodes: Vec<NodeBox>,
    pub stubs: Vec<StubBox>,
    pub edges: Vec<EdgePath>,
    pub markers: Vec<MarkerBox>,
    /// The dashed frame of each Parallel branch, with its owner.
    pub branches: Vec<(StateId, Rect)>,
    /// True when the engine could not be used and the simple fallback laid this out.
    pub fallback: bool,
}

pub const FONT: f64 = 13.0;
pub const SMALL_FONT: f64 = 11.0;
const NODE_PAD_X: f64 = 14.0;
const NODE_MIN_W: f64 = 110.0;
const NODE_H: f64 = 36.0;
const NODE_H_DETAIL: f64 = 48.0;
const RANK_GAP: f64 = 58.0;
/// Space between an edge label and the box it stands by, and between stacked labels.
const LABEL_GAP: f64 = 4.0;
/// Space between an edge label and the box it stands by: room for the arrowhead.
const LABEL_CLEAR: f64 = 9.0;
const COL_GAP: f64 = 28.0;
const MARGIN: f64 = 16.0;
const CONTAINER_PAD: f64 = 14.0;
const CONTAINER_HEADER: f64 = 44.0;
const BRANCH_GAP: f64 = 16.0;
const STUB_H: f64 = 24.0;
const MARKER: f64 = 14.0;
const END_TAIL: f64 = 18.0;

/// Layouts of scopes by content, so a redraw lays out only the scopes that changed.
#[derive(Default)]
pub struct LayoutCache {
    entries: std::collections::HashMap<u64, Local>,
    pub hits: usize,
    pub misses: usize,
    /// When set, every flat graph handed to the engine is recorded (sizes, edges, scope depth),
    /// so benchmarks can give other engines exactly the same input.
    pub trace: Option<Vec<EngineInput>>,
}

/// One flat graph as the engine saw it.
#[derive(Debug, Clone, PartialEq)]
pub struct EngineInput {
    pub depth: usize,
    pub sizes: Vec<(f64, f64)>,
    pub edges: Vec<(usize, usize)>,
}

impl LayoutCache {
    /// A cache that also records every engine input (see `trace`).
    pub fn tracing() -> Self {
        LayoutCache {
            trace: Some(Vec::new()),
            ..LayoutCache::default()
        }
    }

    /// Forgets everything when it grows past `max` scopes.
    pub fn trim(&mut self, max: usize) {
        if self.entries.len() > max {
            self.entries.clear();
        }
    }
}

/// One scope's layout in its own coordinates.
#[derive(Default, Clone)]
struct Local {
    w: f64,
    h: f64,
    nodes: Vec<(StateId, Rect)>,
    stubs: Vec<(StateId, Rect)>,
    edges: Vec<EdgePath>,
    markers: Vec<MarkerBox>,
    branches: Vec<(StateId, Rect)>,
    /// Boxes of nested scopes, already placed in this scope's coordinates.
    nested: Vec<(StateId, Rect, Option<StateId>)>,
    nested_stubs: Vec<(StateId, Rect, Option<StateId>)>,
    fallback: bool,
}

/// Lays out a flow graph.
pub fn layout(g: &FlowGraph, opts: &LayoutOptions, measure: &dyn TextMeasure) -> Layout {
    layout_cached(g, opts, measure, &mut LayoutCache::default())
}

/// Lays out a flow graph, reusing scopes whose content is unchanged since an earlier call.
pub fn layout_cached(
    g: &FlowGraph,
    opts: &LayoutOptions,
    measure: &dyn TextMeasure,
    cache: &mut LayoutCache,
) -> Layout {
    let lr = opts.direction == Direction::LeftToRight;
    let mut out = Layout {
        nodes: g
            .nodes
            .iter()
            .map(|n| NodeBox {
                state: n.state,
                rect: Rect::default(),
                parent: None,
            })
            .collect(),
        ..Layout::default()
    };
    if g.scopes.is_empty() {
        return out;
    }
    let (root, _) = scope_layout(g, ScopeId(0), None, lr, measure, 0, cache);
    out.fallback = root.fallback;
    for (id, rect, parent) in root
        .nodes
        .iter()
        .map(|(i, r)| (*i, *r, None))
        .chain(root.nested.iter().copied())
    {
        if let Some(n) = out.nodes.get_mut(id.0 as usize) {
            n.rect = rect;
            n.parent = parent;
        }
    }
    // Stubs: the root's own, then nested ones (their edges refer to per-scope indexes).
    let mut stubs: Vec<StubBox> = root
        .stubs
        .iter()
        .map(|(t, r)| StubBox {
            target: *t,
            rect: *r,
            parent: None,
        })
        .collect();
    stubs.extend(root.nested_stubs.iter().map(|(t, r, p)| StubBox {
        target: *t,
        rect: *r,
        parent: *p,
    }));
    out.stubs = stubs;
    out.edges = root.edges;
    out.markers = root.markers;
    out.branches = root.branches;
    finish_stub_indexes(&mut out, root.stubs.len());
    out.width = root.w;
    out.height = root.h;
    if lr {
        for n in &mut out.nodes {
            n.rect.transpose();
        }
        for s in &mut out.stubs {
            s.rect.transpose();
        }
        for e in &mut out.edges {
            for p in &mut e.points {
                *p = (p.1, p.0);
            }
            if let Some((r, _)) = e.label.as_mut() {
                // The box was reserved transposed (its text's height across the rank gap), so
                // transposing it back gives the text its width again: text reads left to right.
                r.transpose();
            }
        }
        for m in &mut out.markers {
            m.rect.transpose();
            for p in &mut m.points {
                *p = (p.1, p.0);
            }
        }
        for (_, r) in &mut out.branches {
            r.transpose();
        }
        std::mem::swap(&mut out.width, &mut out.height);
    }
    include_everything(&mut out);
    out
}

/// Room around a state box for the badges drawn on its corners (problems, retries) and the run's
/// time badge below it.
const BADGE_ROOM: f64 = 12.0;
/// The least room the drawing keeps around everything in it.
const EDGE_ROOM: f64 = 4.0;

/// Grows the drawing's bounds (shifting it when something sits left of or above the origin) so
/// that every box, label, stub, marker and badge is inside them.
fn include_everything(l: &mut Layout) {
    let mut lo = (f64::INFINITY, f64::INFINITY);
    let mut hi = (f64::NEG_INFINITY, f64::NEG_INFINITY);
    let mut add = |r: &Rect, room: f64| {
        lo = (lo.0.min(r.x - room), lo.1.min(r.y - room));
        hi = (hi.0.max(r.x + r.w + room), hi.1.max(r.y + r.h + room));
    };
    for n in &l.nodes {
        add(&n.rect, BADGE_ROOM);
    }
    for s in &l.stubs {
        add(&s.rect, 0.0);
    }
    for e in &l.edges {
        if let Some((r, _)) = &e.label {
            add(r, 0.0);
        }
        for p in &e.points {
            add(
                &Rect {
                    x: p.0,
                    y: p.1,
                    w: 0.0,
                    h: 0.0,
                },
                4.0,
            );
        }
    }
    for m in &l.markers {
        add(&m.rect, 0.0);
    }
    for (_, r) in &l.branches {
        add(r, 0.0);
    }
    if !lo.0.is_finite() {
        return;
    }
    let dx = if lo.0 < EDGE_ROOM {
        EDGE_ROOM - lo.0
    } else {
        0.0
    };
    let dy = if lo.1 < EDGE_ROOM {
        EDGE_ROOM - lo.1
    } else {
        0.0
    };
    if dx > 0.0 || dy > 0.0 {
        for n in &mut l.nodes {
            n.rect.translate(dx, dy);
        }
        for s in &mut l.stubs {
            s.rect.translate(dx, dy);
        }
        translate_paths(&mut l.edges, &mut l.markers, dx, dy);
        for (_, r) in &mut l.branches {
            r.translate(dx, dy);
        }
    }
    l.width = (l.width + dx).max(hi.0 + dx + EDGE_ROOM);
    l.height = (l.height + dy).max(hi.1 + dy + EDGE_ROOM);
}

fn text_box(measure: &dyn TextMeasure, text: &str, font: f64) -> (f64, f64) {
    (measure.width(text, font) + 10.0, font + 7.0)
}

/// The size of a plain (non-container) state box, in top-to-bottom space.
fn node_size(g: &FlowGraph, id: StateId, measure: &dyn TextMeasure) -> (f64, f64) {
    let Some(n) = g.node(id) else {
        return (NODE_MIN_W, NODE_H);
    };
    let name = ellipsize(&n.name, 40);
    let detail = ellipsize(&n.detail, 40);
    // Names are bold: about 8% wider than the regular face the estimate models.
    let mut w = (measure.width(&name, FONT) * 1.08).max(measure.width(&detail, SMALL_FONT));
    if let Some(crate::graph::RetryBadge { text: badge, .. }) = &n.retry {
        w = w.max(measure.width(badge, SMALL_FONT));
    }
    let w = (w + 2.0 * NODE_PAD_X).max(NODE_MIN_W);
    let h = if n.detail.is_empty() {
        NODE_H
    } else {
        NODE_H_DETAIL
    };
    (w.round(), h)
}

fn is_terminal(id: StateId, terminals: &std::collections::HashSet<StateId>) -> bool {
    terminals.contains(&id)
}

#[allow(clippy::too_many_lines)]
fn scope_layout(
    g: &FlowGraph,
    scope: ScopeId,
    owner: Option<StateId>,
    lr: bool,
    measure: &dyn TextMeasure,
    depth: usize,
    cache: &mut LayoutCache,
) -> (Local, u64) {
    use std::hash::{Hash, Hasher};
    let mut local = Local::default();
    let Some(crate::graph::GraphScope {
        start,
        states,
        kind,
    }) = g.scopes.get(scope.0 as usize)
    else {
        return (local, 0);
    };
    if states.is_empty() || depth > 64 {
        return (local, 0);
    }
    let mut key = std::collections::hash_map::DefaultHasher::new();
    (scope.0, owner.map(|o| o.0), lr, start.map(|s| s.0)).hash(&mut key);
    // States with an outgoing transition, found in one pass over the edges (asking per state
    // was quadratic in a long chain).
    // (An edge belongs to the scope of the state it leaves.)
    let leaving: std::collections::HashSet<StateId> = g
        .edges
        .iter()
        .filter(|e| e.scope == scope && e.kind != EdgeKind::Catch)
        .map(|e| e.from)
        .collect();
    let terminals: std::collections::HashSet<StateId> = states
        .iter()
        .copied()
        .filter(|&s| {
            let kind = g.node(s).map_or(StateType::Unknown, |n| n.kind);
            matches!(kind, StateType::Succeed | StateType::Fail)
                || (!leaving.contains(&s) && kind != StateType::Choice)
        })
        .collect();
    // 1. Sizes, laying out nested scopes first.
    struct Item {
        size: (f64, f64),
        inner: Option<Local>,
    }
    let mut items: Vec<Item> = Vec::with_capacity(states.len());
    for &s in states {
        let Some(n) = g.node(s) else {
            items.push(Item {
                size: (NODE_MIN_W, NODE_H),
                inner: None,
            });
            continue;
        };
        let (mut w, mut h) = node_size(g, s, measure);
        if lr {
            std::mem::swap(&mut w, &mut h);
        }
        let mut inner = None;
        if !n.children.is_empty() {
            let mut content = Local::default();
            let mut cursor = 0.0;
            let mut content_h: f64 = 0.0;
            for (i, &child) in n.children.iter().enumerate() {
                let (mut sub, sub_key) =
                    scope_layout(g, child, Some(s), lr, measure, depth + 1, cache);
                sub_key.hash(&mut key);
                let frame_pad = if n.children.len() > 1 { 8.0 } else { 0.0 };
                let dx = cursor + frame_pad;
                shift(&mut sub, dx, frame_pad);
                if n.children.len() > 1 {
                    content.branches.push((
                        s,
                        Rect {
                            x: cursor,
                            y: 0.0,
                            w: sub.w + 2.0 * frame_pad,
                            h: sub.h + 2.0 * frame_pad,
                        },
                    ));
                }
                cursor += sub.w
                    + 2.0 * frame_pad
                    + if i + 1 < n.children.len() {
                        BRANCH_GAP
                    } else {
                        0.0
                    };
                content_h = content_h.max(sub.h + 2.0 * frame_pad);
                absorb(&mut content, sub, Some(s));
            }
            content.w = cursor;
            // Frames of branches all get the full content height.
            for (_, r) in content.branches.iter_mut() {
                r.h = content_h;
            }
            content.h = content_h;
            let header_w = node_size(g, s, measure).0;
            let (hw, hh) = if lr {
                (CONTAINER_HEADER, 0.0)
            } else {
                (0.0, CONTAINER_HEADER)
            };
            w = (content.w + 2.0 * CONTAINER_PAD + hw).max(if lr { NODE_H } else { header_w });
            h = content.h + 2.0 * CONTAINER_PAD + hh;
            if lr {
                h = h.max(header_w);
            }
            inner = Some(content);
        }
        if is_terminal(s, &terminals) {
            h += END_TAIL;
        }
        (
            s.0,
            &n.name,
            &n.kind,
            &n.detail,
            n.retry.as_ref().map(|r| &r.text),
            w.to_bits(),
            h.to_bits(),
        )
            .hash(&mut key);
        items.push(Item {
            size: (w, h),
            inner,
        });
    }
    for (i, e) in g.edges.iter().enumerate().filter(|(_, e)| e.scope == scope) {
        (i, e.from.0, e.to.0, e.kind.as_str(), &e.label).hash(&mut key);
    }
    let key = key.finish();
    if let Some(hit) = cache.entries.get(&key) {
        cache.hits += 1;
        return (hit.clone(), key);
    }
    cache.misses += 1;
    // 2. The flat graph: states, a Start marker in the root, stubs for long edges into shared targets.
    // Local indexes and adjacency, built once: everything below is linear in the scope's size.
    let local_index: std::collections::HashMap<StateId, usize> =
        states.iter().enumerate().map(|(i, &s)| (s, i)).collect();
    let index_of = |s: StateId| local_index.get(&s).copied();
    let n_states = states.len();
    let mut out_edges: Vec<Vec<usize>> = vec![Vec::new(); n_states];
    for (i, e) in g.edges.iter().enumerate() {
        if e.scope == scope {
            if let Some(list) = index_of(e.from).and_then(|a| out_edges.get_mut(a)) {
                list.push(i);
            }
        }
    }
    // Breadth-first order and ranks from StartAt.
    let mut rank = vec![usize::MAX; n_states];
    let mut order: Vec<usize> = Vec::with_capacity(n_states);
    if let Some(si) = start.and_then(index_of) {
        if let Some(r) = rank.get_mut(si) {
            *r = 0;
        }
        order.push(si);
        let mut head = 0;
        while let Some(&i) = order.get(head) {
            head += 1;
            for &ei in out_edges.get(i).map_or(&[][..], |v| v.as_slice()) {
                let Some(t) = g.edges.get(ei).and_then(|e| index_of(e.to)) else {
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
    for i in 0..n_states {
        if rank.get(i) == Some(&usize::MAX) {
            order.push(i);
            if let Some(r) = rank.get_mut(i) {
                *r = 0;
            }
        }
    }
    // Edges in BFS order of their sources.
    let ordered_edges: Vec<usize> = order
        .iter()
        .flat_map(|&i| out_edges.get(i).cloned().unwrap_or_default())
        .collect();
    // The real incoming edge of each target: not a Catch if it can help it, forward rather
    // than back, the shortest, then the first in breadth-first order.
    let mut primary: Vec<Option<usize>> = vec![None; n_states];
    let mut best: Vec<(bool, bool, usize, usize)> =
        vec![(true, true, usize::MAX, usize::MAX); n_states];
    for (order_i, &ei) in ordered_edges.iter().enumerate() {
        let Some(e) = g.edges.get(ei) else { continue };
        let (Some(a), Some(b)) = (index_of(e.from), index_of(e.to)) else {
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
            if forward { rb - ra } else { ra - rb + n_states },
            order_i,
        );
        if best.get(b).is_some_and(|cur| key < *cur) {
            if let (Some(bs), Some(p)) = (best.get_mut(b), primary.get_mut(b)) {
                *bs = key;
                *p = Some(ei);
            }
        }
    }
    // Decide stubs.
    let mut sizes: Vec<(f64, f64)> = items.iter().map(|it| it.size).collect();
    let mut engine_edges: Vec<(usize, usize)> = Vec::new();
    // (graph edge, engine node of its end, stub index)
    let mut edge_ends: Vec<(usize, usize, usize, Option<usize>)> = Vec::new();
    let mut stub_targets: Vec<(StateId, usize)> = Vec::new();
    for &ei in &ordered_edges {
        let Some(e) = g.edges.get(ei) else { continue };
        let (Some(a), Some(b)) = (index_of(e.from), index_of(e.to)) else {
            continue;
        };
        if a == b {
            // Self-loops are drawn by the router as a small arc; the engine never sees them.
            edge_ends.push((ei, a, b, None));
            continue;
        }
        let ra = rank.get(a).copied().unwrap_or(0);
        let rb = rank.get(b).copied().unwrap_or(0);
        // Every target keeps exactly one real incoming edge (see `primary`). Other Catches,
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
            sizes.push((w, h));
            let node = sizes.len() - 1;
            stub_targets.push((e.to, node));
            engine_edges.push((a, node));
            edge_ends.push((ei, a, node, Some(stub_targets.len() - 1)));
        } else {
            engine_edges.push((a, b));
            edge_ends.push((ei, a, b, None));
        }
    }
    let start_marker = matches!(kind, ScopeKind::Machine) && start.and_then(index_of).is_some();
    let marker_node = if start_marker {
        sizes.push((MARKER, MARKER));
        let m = sizes.len() - 1;
        if let Some(si) = start.and_then(index_of) {
            engine_edges.insert(0, (m, si));
        }
        Some(m)
    } else {
        None
    };
    // 3. The engine, or the fallback.
    if let Some(trace) = cache.trace.as_mut() {
        trace.push(EngineInput {
            depth,
            sizes: sizes.clone(),
            edges: engine_edges.clone(),
        });
    }
    let engine = layout_rs::run(&sizes, &engine_edges);
    let (centers, paths) = match engine {
        Some(out) => (out.centers, out.paths),
        None => {
            local.fallback = true;
            (
                fallback_centers(&sizes, &engine_edges),
                vec![Vec::new(); engine_edges.len()],
            )
        }
    };
    // 4. Ranks from engine y, then our own rank spacing; x from the engine, compacted.
    let mut ys: Vec<f64> = centers.iter().map(|c| c.1).collect();
    ys.sort_by(|a, b| a.total_cmp(b));
    ys.dedup_by(|a, b| (*a - *b).abs() < 1.0);
    // The nearest rank, by binary search (ys is sorted): a scan per node was quadratic.
    let rank_of_y = |y: f64| {
        let i = ys.partition_point(|&r| r < y);
        match (i.checked_sub(1).and_then(|lo| ys.get(lo)), ys.get(i)) {
            (Some(&lo), Some(&hi)) if (y - lo).abs() <= (hi - y).abs() => i - 1,
            (_, Some(_)) => i,
            (Some(_), None) => i - 1,
            (None, None) => 0,
        }
    };
    let node_rank: Vec<usize> = centers.iter().map(|c| rank_of_y(c.1)).collect();
    let mut band_h = vec![0.0f64; ys.len().max(1)];
    for (i, r) in node_rank.iter().enumerate() {
        if let (Some(b), Some(s)) = (band_h.get_mut(*r), sizes.get(i)) {
            *b = b.max(s.1);
        }
    }
    // Each gap between ranks holds the labels of the edges that end beside it, stacked: above a
    // box for edges entering its top, below one for loops entering its bottom. Left to right, a
    // label's width lies across the gap, so the gap grows to fit it.
    let label_extent = |ei: usize| -> Option<f64> {
        let e = g.edges.get(ei)?;
        if e.label.is_empty() || e.kind == EdgeKind::Next {
            return None;
        }
        let (w, h) = text_box(measure, &ellipsize(&e.label, MAX_LABEL), SMALL_FONT);
        Some(if lr { w } else { h } + LABEL_GAP)
    };
    let mut stacks: HashMap<usize, (f64, f64)> = HashMap::new();
    for &(ei, a, b, _) in &edge_ends {
        let Some(ext) = label_extent(ei).filter(|_| a != b) else {
            continue;
        };
        let down = node_rank.get(b) > node_rank.get(a);
        let st = stacks.entry(b).or_default();
        if down {
            st.0 += ext;
        } else {
            st.1 += ext;
        }
    }
    let mut above = vec![0.0f64; band_h.len()];
    let mut below = vec![0.0f64; band_h.len()];
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
    let gaps: Vec<f64> = (0..band_h.len())
        .map(|r| {
            let need = below.get(r).copied().unwrap_or(0.0)
                + above.get(r + 1).copied().unwrap_or(0.0)
                + 2.0 * LABEL_CLEAR
                + 12.0;
            need.max(RANK_GAP)
        })
        .collect();
    let gap_after = |r: usize| gaps.get(r).copied().unwrap_or(RANK_GAP);
    let mut band_top = Vec::with_capacity(band_h.len());
    let mut y = MARGIN;
    for (r, h) in band_h.iter().enumerate() {
        band_top.push(y);
        y += h + gap_after(r);
    }
    let total_h = y - gap_after(band_h.len().saturating_sub(1)) + MARGIN;
    let band_mid = |r: usize| {
        band_top.get(r).copied().unwrap_or(0.0) + band_h.get(r).copied().unwrap_or(0.0) / 2.0
    };
    // Rows keep the engine's order; overlapping neighbours are pushed apart.
    let mut xs: Vec<f64> = centers.iter().map(|c| c.0).collect();
    // Each rank's nodes, bucketed once (filtering every node per rank was quadratic in a chain).
    let mut rows: Vec<Vec<usize>> = vec![Vec::new(); band_h.len()];
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
                + COL_GAP
                + sizes.get(c).map_or(0.0, |s| s.0) / 2.0;
            if let Some(x) = xs.get_mut(c) {
                if *x < min {
                    *x = min;
                }
            }
        }
    }
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
    let rects: Vec<Rect> = (0..sizes.len())
        .map(|i| {
            let (w, h) = sizes.get(i).copied().unwrap_or((0.0, 0.0));
            let r = node_rank.get(i).copied().unwrap_or(0);
            let cx = xs.get(i).copied().unwrap_or(0.0) + dx;
            Rect {
                x: (cx - w / 2.0).round(),
                y: (band_mid(r) - h / 2.0).round(),
                w,
                h,
            }
        })
        .collect();
    let total_w = rects
        .iter()
        .map(|r| r.x + r.w)
        .fold(0.0, f64::max)
        .max(paths.iter().flatten().map(|p| p.0 + dx).fold(0.0, f64::max))
        + MARGIN;
    // 5. Place the states and their nested content.
    for (i, (&s, item)) in states.iter().zip(items.iter_mut()).enumerate() {
        let Some(mut r) = rects.get(i).copied() else {
            continue;
        };
        if is_terminal(s, &terminals) {
            // The end tail sits below the box; the box itself is the top part.
            r.h -= END_TAIL;
            let cx = r.cx();
            let tail = Rect {
                x: cx - 5.0,
                y: r.y + r.h + END_TAIL - 10.0,
                w: 10.0,
                h: 10.0,
            };
            local.markers.push(MarkerBox {
                start: false,
                rect: tail,
                points: vec![(cx, r.y + r.h), (cx, tail.y)],
            });
        }
        local.nodes.push((s, r));
        if let Some(mut inner) = item.inner.take() {
            let (ox, oy) = if lr {
                (r.x + CONTAINER_PAD + CONTAINER_HEADER, r.y + CONTAINER_PAD)
            } else {
                (r.x + CONTAINER_PAD, r.y + CONTAINER_PAD + CONTAINER_HEADER)
            };
            // Centre the content in the container's width.
            let avail = if lr {
                r.h - 2.0 * CONTAINER_PAD
            } else {
                r.w - 2.0 * CONTAINER_PAD
            };
            let extra = ((avail - if lr { inner.h } else { inner.w }) / 2.0).max(0.0);
            let (ox, oy) = if lr {
                (ox, oy + extra)
            } else {
                (ox + extra, oy)
            };
            shift(&mut inner, ox, oy);
            absorb(&mut local, inner, owner);
        }
    }
    for (t, node) in &stub_targets {
        if let Some(r) = rects.get(*node) {
            local.stubs.push((*t, *r));
        }
    }
    // 6. Route edges.
    let gap_between = |r1: usize, r2: usize| -> f64 {
        let lo = r1.min(r2);
        band_top.get(lo).copied().unwrap_or(0.0)
            + band_h.get(lo).copied().unwrap_or(0.0)
            + gap_after(lo) / 2.0
    };
    // Exit and entry slots spread over each box's bottom and top.
    let mut exits: Vec<Vec<usize>> = vec![Vec::new(); sizes.len()];
    let mut entries: Vec<Vec<usize>> = vec![Vec::new(); sizes.len()];
    for (k, &(_, a, b, _)) in edge_ends.iter().enumerate() {
        if let Some(v) = exits.get_mut(a) {
            v.push(k);
        }
        if let Some(v) = entries.get_mut(b) {
            v.push(k);
        }
    }
    // Each edge's place in its box's list of exits and of entries, found once (a search per
    // edge was quadratic in a wide Choice).
    let mut place_in = vec![(0usize, 0usize); edge_ends.len()];
    for list in &exits {
        for (i, &k) in list.iter().enumerate() {
            if let Some(p) = place_in.get_mut(k) {
                p.0 = i;
            }
        }
    }
    for list in &entries {
        for (i, &k) in list.iter().enumerate() {
            if let Some(p) = place_in.get_mut(k) {
                p.1 = i;
            }
        }
    }
    let slot = |list: &Vec<usize>, i: usize, r: &Rect| -> f64 {
        let n = list.len().max(1) as f64;
        (r.x + r.w * (i as f64 + 1.0) / (n + 1.0)).round()
    };
    let mut engine_index = 0usize;
    let mut label_stack: HashMap<usize, (f64, f64)> = HashMap::new();
    let mut placed = LabelGrid::default();
    for (k, &(ei, a, b, stub)) in edge_ends.iter().enumerate() {
        let (Some(ra), Some(rb)) = (rects.get(a).copied(), rects.get(b).copied()) else {
            continue;
        };
        let ra_box = if is_terminal(states.get(a).copied().unwrap_or(StateId(0)), &terminals)
            && a < n_states
        {
            Rect {
                h: ra.h - END_TAIL,
                ..ra
            }
        } else {
            ra
        };
        let rb_box = if b < n_states
            && is_terminal(states.get(b).copied().unwrap_or(StateId(0)), &terminals)
        {
            Rect {
                h: rb.h - END_TAIL,
                ..rb
            }
        } else {
            rb
        };
        let mut points = Vec::new();
        if a == b {
            // A self-loop on the right side.
            let x = ra_box.x + ra_box.w;
            let y1 = ra_box.y + ra_box.h * 0.3;
            let y2 = ra_box.y + ra_box.h * 0.7;
            points = vec![(x, y1), (x + 16.0, y1), (x + 16.0, y2), (x, y2)];
        } else {
            let path = paths
                .get(engine_index + usize::from(marker_node.is_some()))
                .cloned()
                .unwrap_or_default();
            engine_index += 1;
            let rank_a = node_rank.get(a).copied().unwrap_or(0);
            let rank_b = node_rank.get(b).copied().unwrap_or(0);
            let forward = rank_b > rank_a;
            let (exit_i, entry_i) = place_in.get(k).copied().unwrap_or((0, 0));
            let sx = exits
                .get(a)
                .map_or(ra_box.cx(), |l| slot(l, exit_i, &ra_box));
            let tx = entries
                .get(b)
                .map_or(rb_box.cx(), |l| slot(l, entry_i, &rb_box));
            let start_pt = if forward {
                (sx, ra_box.y + ra_box.h)
            } else {
                (sx, ra_box.y)
            };
            let end_pt = if forward {
                (tx, rb_box.y)
            } else {
                (tx, rb_box.y + rb_box.h)
            };
            // Waypoints strictly between the two ranks, ordered along the way.
            let mut mids: Vec<(f64, usize)> = path
                .iter()
                .map(|p| (p.0 + dx, rank_of_y(p.1)))
                .filter(|(_, r)| {
                    if forward {
                        *r > rank_a && *r < rank_b
                    } else {
                        *r < rank_a && *r > rank_b
                    }
                })
                .collect();
            mids.sort_by_key(|m| if forward { m.1 } else { usize::MAX - m.1 });
            mids.dedup_by_key(|m| m.1);
            points.push(start_pt);
            let mut cur_rank = rank_a;
            let mut cur_x = start_pt.0;
            for (x, r) in mids {
                let gy = gap_between(cur_rank, r);
                points.push((cur_x, gy));
                points.push((x, gy));
                cur_rank = r;
                cur_x = x;
            }
            if rank_a == rank_b {
                // Same rank (the fallback can do this): go round below.
                let gy = band_top.get(rank_a).copied().unwrap_or(0.0)
                    + band_h.get(rank_a).copied().unwrap_or(0.0)
                    + gap_after(rank_a) / 2.0;
                points = vec![
                    (sx, ra_box.y + ra_box.h),
                    (sx, gy),
                    (tx, gy),
                    (tx, rb_box.y + rb_box.h),
                ];
            } else {
                let gy = gap_between(cur_rank, rank_b);
                points.push((cur_x, gy));
                points.push((end_pt.0, gy));
                points.push(end_pt);
            }
            simplify(&mut points);
        }
        // The label sits beside the box the edge enters: above its top, or below its bottom for
        // a loop back, stacked away from the box when several end there; beside a self-loop.
        let label = g.edges.get(ei).and_then(|e| {
            if e.label.is_empty() || e.kind == EdgeKind::Next {
                return None;
            }
            let text = ellipsize(&e.label, MAX_LABEL);
            let (w, h) = text_box(measure, &text, SMALL_FONT);
            let (w, h) = if lr { (h, w) } else { (w, h) };
            let entry_x = points.last().map_or(rb_box.cx(), |p| p.0);
            let down = node_rank.get(b) > node_rank.get(a);
            let (x, y) = if a == b {
                (ra_box.x + ra_box.w + 20.0, ra_box.y + (ra_box.h - h) / 2.0)
            } else {
                let taken = label_stack.entry(b).or_insert((0.0, 0.0));
                if down {
                    taken.0 += h + LABEL_GAP;
                    (
                        entry_x - w / 2.0,
                        rb_box.y - LABEL_CLEAR + LABEL_GAP - taken.0,
                    )
                } else {
                    let y = rb_box.y + rb_box.h + LABEL_CLEAR + taken.1;
                    taken.1 += h + LABEL_GAP;
                    (entry_x - w / 2.0, y)
                }
            };
            let mut r = Rect {
                x: x.round(),
                y: y.round(),
                w: w.round(),
                h: h.round(),
            };
            // Labels of neighbouring targets may meet in the gap: step away from the box until
            // this one is clear of those placed before it.
            for _ in 0..8 {
                let Some(hit) = placed.hit(&r) else {
                    break;
                };
                r.y = if down || a == b {
                    hit.y - LABEL_GAP - r.h
                } else {
                    hit.y + hit.h + LABEL_GAP
                };
            }
            placed.push(r);
            Some((r, text))
        });
        local.edges.push(EdgePath {
            edge: ei,
            points,
            to_stub: stub.map(|s| s + usize::MAX / 2),
            label,
        });
    }
    if let Some(m) = marker_node {
        if let (Some(r), Some(si)) = (rects.get(m).copied(), start.and_then(index_of)) {
            if let Some(t) = rects.get(si) {
                let cx = t.cx();
                let marker = Rect {
                    x: cx - MARKER / 2.0,
                    y: r.y,
                    w: MARKER,
                    h: MARKER,
                };
                local.markers.push(MarkerBox {
                    start: true,
                    rect: marker,
                    points: vec![(cx, marker.y + marker.h), (cx, t.y)],
                });
            }
        }
    }
    // Labels wider than the boxes they stand by may reach past the scope's edges: the scope
    // grows to hold them (the root's bounds are settled in `include_everything`).
    let mut total_w = total_w;
    let (lo, hi) = local
        .edges
        .iter()
        .filter_map(|e| e.label.as_ref().map(|(r, _)| (r.x, r.x + r.w)))
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), (a, b)| {
            (lo.min(a), hi.max(b))
        });
    if lo.is_finite() && lo < MARGIN / 2.0 {
        let dx = MARGIN / 2.0 - lo;
        shift(&mut local, dx, 0.0);
        total_w += dx;
    }
    if hi.is_finite() {
        let hi = hi + (MARGIN / 2.0 - lo).max(0.0);
        total_w = total_w.max(hi + MARGIN / 2.0);
    }
    local.w = total_w;
    local.h = total_h;
    cache.entries.insert(key, local.clone());
    (local, key)
}

/// Drops points that repeat or sit on a straight line.
fn simplify(points: &mut Vec<(f64, f64)>) {
    points.dedup_by(|a, b| (a.0 - b.0).abs() < 0.5 && (a.1 - b.1).abs() < 0.5);
    let mut i = 1;
    while i + 1 < points.len() {
        let (Some(a), Some(b), Some(c)) = (points.get(i - 1), points.get(i), points.get(i + 1))
        else {
            break;
        };
        let collinear = ((a.0 - b.0).abs() < 0.5 && (b.0 - c.0).abs() < 0.5)
            || ((a.1 - b.1).abs() < 0.5 && (b.1 - c.1).abs() < 0.5);
        if collinear {
            points.remove(i);
        } else {
            i += 1;
        }
    }
}

fn shift(l: &mut Local, dx: f64, dy: f64) {
    for (_, r) in l
        .nodes
        .iter_mut()
        .chain(l.stubs.iter_mut())
        .chain(l.branches.iter_mut())
    {
        r.translate(dx, dy);
    }
    for (_, r, _) in l.nested.iter_mut().chain(l.nested_stubs.iter_mut()) {
        r.translate(dx, dy);
    }
    translate_paths(&mut l.edges, &mut l.markers, dx, dy);
}

/// Moves edges (their points and labels) and markers (their boxes and lines) by (dx, dy).
fn translate_paths(edges: &mut [EdgePath], markers: &mut [MarkerBox], dx: f64, dy: f64) {
    for e in edges {
        for p in &mut e.points {
            p.0 += dx;
            p.1 += dy;
        }
        if let Some((r, _)) = e.label.as_mut() {
            r.translate(dx, dy);
        }
    }
    for m in markers {
        m.rect.translate(dx, dy);
        for p in &mut m.points {
            p.0 += dx;
            p.1 += dy;
        }
    }
}

/// Moves a nested scope's content into its parent's lists. Stub indexes are renumbered.
fn absorb(into: &mut Local, from: Local, parent: Option<StateId>) {
    let stub_base = into.nested_stubs.len();
    let own_stubs = from.stubs.len();
    into.nested
        .extend(from.nodes.into_iter().map(|(s, r)| (s, r, parent)));
    into.nested.extend(from.nested);
    into.nested_stubs
        .extend(from.stubs.into_iter().map(|(s, r)| (s, r, parent)));
    into.nested_stubs.extend(from.nested_stubs);
    for mut e in from.edges {
        e.to_stub = e.to_stub.map(|s| {
            if s >= usize::MAX / 2 {
                NESTED + stub_base + (s - usize::MAX / 2)
            } else {
                NESTED + stub_base + own_stubs + (s - NESTED)
            }
        });
        into.edges.push(e);
    }
    into.markers.extend(from.markers);
    into.branches.extend(from.branches);
    into.fallback |= from.fallback;
}

const NESTED: usize = usize::MAX / 4;

/// Labels already placed in a scope, bucketed on a coarse grid, so that finding one a new label
/// overlaps looks at its neighbours, not at every label (a wide Choice has thousands).
#[derive(Default)]
struct LabelGrid {
    rects: Vec<Rect>,
    cells: HashMap<(i64, i64), Vec<usize>>,
}

impl LabelGrid {
    const CELL: f64 = 64.0;

    fn cells_of(r: &Rect) -> impl Iterator<Item = (i64, i64)> {
        let (x0, x1) = (
            (r.x / Self::CELL).floor() as i64,
            ((r.x + r.w) / Self::CELL).floor() as i64,
        );
        let (y0, y1) = (
            (r.y / Self::CELL).floor() as i64,
            ((r.y + r.h) / Self::CELL).floor() as i64,
        );
        // A label spans a few cells; an absurd one is capped rather than walked cell by cell.
        let x1 = x1.min(x0 + 64);
        let y1 = y1.min(y0 + 64);
        (x0..=x1).flat_map(move |x| (y0..=y1).map(move |y| (x, y)))
    }

    /// The first placed label `r` overlaps, in placing order.
    fn hit(&self, r: &Rect) -> Option<Rect> {
        Self::cells_of(r)
            .filter_map(|c| self.cells.get(&c))
            .flatten()
            .copied()
            .filter(|&i| self.rects.get(i).is_some_and(|p| p.intersects(r)))
            .min()
            .and_then(|i| self.rects.get(i).copied())
    }

    fn push(&mut self, r: Rect) {
        let i = self.rects.len();
        self.rects.push(r);
        for c in Self::cells_of(&r) {
            self.cells.entry(c).or_default().push(i);
        }
    }
}

/// A simple layered placement when the engine can't be used: ranks by longest path in BFS order.
fn fallback_centers(sizes: &[(f64, f64)], edges: &[(usize, usize)]) -> Vec<(f64, f64)> {
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

/// Resolves the stub index encoding used while scopes are merged into final `Layout::stubs` indexes.
pub(crate) fn finish_stub_indexes(l: &mut Layout, root_stubs: usize) {
    for e in &mut l.edges {
        e.to_stub = e.to_stub.map(|s| {
            if s >= usize::MAX / 2 {
                s - usize::MAX / 2
            } else if s >= NESTED {
                root_stubs + (s - NESTED)
            } else {
                s
            }
        });
    }
}
