//! One scope's layout, phase by phase: sizes (nested scopes first), the flat graph, the engine
//! or its fallback, placement, the states and their nested content, routing. Each phase is a
//! function of the ones before; this file runs them in order and merges nested scopes.

use super::cache::{EngineInput, LayoutCache, ScopeKey};
use super::fallback::fallback_centers;
use super::flat::flat_graph;
use super::place::{place, Placement};
use super::route::route;
use super::{
    layout_rs, node_size, EdgePath, MarkerBox, Rect, TextMeasure, BRANCH_GAP, CONTAINER_HEADER,
    CONTAINER_PAD, END_TAIL, MARGIN, NODE_H, NODE_MIN_W,
};
use crate::asl::{ScopeId, StateId, StateType};
use crate::graph::{EdgeKind, FlowGraph, GraphScope};
use std::collections::HashSet;

/// Scopes nest at most this deep in a drawing; deeper ones are left empty.
const MAX_NESTING: usize = 64;

/// Which stub an edge ends at, while scopes are merged: one of its own scope's stubs, or one
/// of the stubs nested scopes brought in (`ScopeLayout::nested_stubs`). The root's are resolved to
/// `Layout::stubs` indexes by [`ScopeLayout::finish_stubs`].
#[derive(Debug, Clone, Copy, PartialEq)]
pub(super) enum StubRef {
    Own(usize),
    Nested(usize),
}

/// An edge of a scope's layout, with the stub it ends at.
#[derive(Debug, Clone)]
pub(super) struct LocalEdge {
    pub path: EdgePath,
    pub stub: Option<StubRef>,
}

/// One scope's layout in its own coordinates.
#[derive(Default, Clone)]
pub(super) struct ScopeLayout {
    pub w: f64,
    pub h: f64,
    pub nodes: Vec<(StateId, Rect)>,
    pub stubs: Vec<(StateId, Rect)>,
    pub edges: Vec<LocalEdge>,
    pub markers: Vec<MarkerBox>,
    pub branches: Vec<(StateId, Rect)>,
    /// Boxes of nested scopes, already placed in this scope's coordinates, with their parents.
    pub nested: Vec<(StateId, Rect, Option<StateId>)>,
    pub nested_stubs: Vec<(StateId, Rect, Option<StateId>)>,
    pub fallback: bool,
}

/// A state's box size (top-to-bottom), and the layout of the scopes drawn inside it.
struct Sized {
    size: (f64, f64),
    inner: Option<ScopeLayout>,
}

/// Lays out `scope` (owned by the Parallel or Map state `owner`), nested scopes first. Returns
/// the layout and its cache key, which goes into the parent's key.
pub(super) fn scope_layout(
    g: &FlowGraph,
    scope: ScopeId,
    owner: Option<StateId>,
    lr: bool,
    measure: &dyn TextMeasure,
    depth: usize,
    cache: &mut LayoutCache,
) -> (ScopeLayout, u64) {
    let Some(sc) = g.scopes.get(scope.0 as usize) else {
        return (ScopeLayout::default(), 0);
    };
    if sc.states.is_empty() || depth > MAX_NESTING {
        return (ScopeLayout::default(), 0);
    }
    let ends_here = terminals(g, scope, sc);
    // 1. Sizes, laying out nested scopes first; the key follows what they hold.
    let mut key = ScopeKey::new(scope, owner, lr, sc.start);
    let mut items = size_states(g, sc, &ends_here, lr, measure, depth, cache, &mut key);
    let key = key.finish(g, scope);
    if let Some(hit) = cache.get(key) {
        return (hit, key);
    }
    // 2. The flat graph.
    let flat = flat_graph(
        g,
        scope,
        sc,
        items.iter().map(|it| it.size).collect(),
        lr,
        measure,
    );
    // 3. The engine, or the fallback.
    cache.record(|| EngineInput {
        depth,
        sizes: flat.sizes.clone(),
        edges: flat.engine_edges.clone(),
    });
    let mut local = ScopeLayout::default();
    let (centers, paths) = match layout_rs::run(&flat.sizes, &flat.engine_edges) {
        Some(out) => (out.centers, out.paths),
        None => {
            local.fallback = true;
            (
                fallback_centers(&flat.sizes, &flat.engine_edges),
                vec![Vec::new(); flat.engine_edges.len()],
            )
        }
    };
    // 4. Placement.
    let placement = place(g, &flat, &centers, &paths, lr, measure);
    // 5. The states and their nested content.
    put_states(
        &mut local, sc, &mut items, &ends_here, &placement, owner, lr,
    );
    for stub in &flat.stubs {
        if let Some(r) = placement.rects.get(stub.node) {
            local.stubs.push((stub.target, *r));
        }
    }
    // 6. Routing.
    let (edges, marker) = route(g, &flat, &placement, &paths, &ends_here, lr, measure);
    // After the nested scopes' edges (put_states took them in): inner edges first, as drawn.
    local.edges.extend(edges);
    local.markers.extend(marker);
    fit_labels(&mut local, placement.width);
    local.h = placement.height;
    cache.entries.insert(key, local.clone());
    (local, key)
}

/// Which of the scope's states end a path (in `GraphScope::states` order): Succeed and Fail,
/// and states with no way on other than a Catch, Choices aside.
fn terminals(g: &FlowGraph, scope: ScopeId, sc: &GraphScope) -> Vec<bool> {
    // States with an outgoing transition, found in one pass over the edges (asking per state
    // was quadratic in a long chain). An edge belongs to the scope of the state it leaves.
    let leaving: HashSet<StateId> = g
        .edges
        .iter()
        .filter(|e| e.scope == scope && e.kind != EdgeKind::Catch)
        .map(|e| e.from)
        .collect();
    sc.states
        .iter()
        .map(|&s| {
            let kind = g.node(s).map_or(StateType::Unknown, |n| n.kind);
            matches!(kind, StateType::Succeed | StateType::Fail)
                || (!leaving.contains(&s) && kind != StateType::Choice)
        })
        .collect()
}

/// Phase 1: each state's box size. A Parallel's branches or a Map's processor are laid out
/// first, side by side, and the state becomes a container around them.
#[allow(clippy::too_many_arguments)]
fn size_states(
    g: &FlowGraph,
    sc: &GraphScope,
    ends_here: &[bool],
    lr: bool,
    measure: &dyn TextMeasure,
    depth: usize,
    cache: &mut LayoutCache,
    key: &mut ScopeKey,
) -> Vec<Sized> {
    let mut items: Vec<Sized> = Vec::with_capacity(sc.states.len());
    for (i, &s) in sc.states.iter().enumerate() {
        let Some(n) = g.node(s) else {
            items.push(Sized {
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
            let content = nested_content(g, s, &n.children, lr, measure, depth, cache, key);
            let header_w = node_size(g, s, measure).0;
            let hw = if lr { CONTAINER_HEADER } else { 0.0 };
            let hh = if lr { 0.0 } else { CONTAINER_HEADER };
            w = (content.w + 2.0 * CONTAINER_PAD + hw).max(if lr { NODE_H } else { header_w });
            h = content.h + 2.0 * CONTAINER_PAD + hh;
            if lr {
                h = h.max(header_w);
            }
            inner = Some(content);
        }
        if ends_here.get(i).copied().unwrap_or(false) {
            h += END_TAIL;
        }
        key.state(s, n, (w, h));
        items.push(Sized {
            size: (w, h),
            inner,
        });
    }
    items
}

/// The scopes drawn inside container `s`, side by side; several get dashed frames of one height.
#[allow(clippy::too_many_arguments)]
fn nested_content(
    g: &FlowGraph,
    s: StateId,
    children: &[ScopeId],
    lr: bool,
    measure: &dyn TextMeasure,
    depth: usize,
    cache: &mut LayoutCache,
    key: &mut ScopeKey,
) -> ScopeLayout {
    let mut content = ScopeLayout::default();
    let framed = children.len() > 1;
    let frame_pad = if framed { 8.0 } else { 0.0 };
    let mut cursor = 0.0;
    let mut content_h: f64 = 0.0;
    for (i, &child) in children.iter().enumerate() {
        let (mut sub, sub_key) = scope_layout(g, child, Some(s), lr, measure, depth + 1, cache);
        key.nested(sub_key);
        sub.shift(cursor + frame_pad, frame_pad);
        if framed {
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
        cursor += sub.w + 2.0 * frame_pad;
        if i + 1 < children.len() {
            cursor += BRANCH_GAP;
        }
        content_h = content_h.max(sub.h + 2.0 * frame_pad);
        content.take_nested(sub, Some(s));
    }
    content.w = cursor;
    // Frames of branches all get the full content height.
    for (_, r) in content.branches.iter_mut() {
        r.h = content_h;
    }
    content.h = content_h;
    content
}

/// Phase 5: the states' boxes, with their end tails, and the content of containers centred in
/// them.
fn put_states(
    local: &mut ScopeLayout,
    sc: &GraphScope,
    items: &mut [Sized],
    ends_here: &[bool],
    placement: &Placement,
    owner: Option<StateId>,
    lr: bool,
) {
    for (i, (&s, item)) in sc.states.iter().zip(items.iter_mut()).enumerate() {
        let Some(mut r) = placement.rects.get(i).copied() else {
            continue;
        };
        if ends_here.get(i).copied().unwrap_or(false) {
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
            inner.shift(ox, oy);
            local.take_nested(inner, owner);
        }
    }
}

/// Labels wider than the boxes they stand by may reach past the scope's edges: the scope grows
/// to hold them (the root's bounds are settled in `include_everything`).
fn fit_labels(local: &mut ScopeLayout, width: f64) {
    let mut total_w = width;
    let (lo, hi) = local
        .edges
        .iter()
        .filter_map(|e| e.path.label.as_ref().map(|(r, _)| (r.x, r.x + r.w)))
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), (a, b)| {
            (lo.min(a), hi.max(b))
        });
    if lo.is_finite() && lo < MARGIN / 2.0 {
        let dx = MARGIN / 2.0 - lo;
        local.shift(dx, 0.0);
        total_w += dx;
    }
    if hi.is_finite() {
        let hi = hi + (MARGIN / 2.0 - lo).max(0.0);
        total_w = total_w.max(hi + MARGIN / 2.0);
    }
    local.w = total_w;
}

impl ScopeLayout {
    /// Moves everything by (dx, dy).
    pub fn shift(&mut self, dx: f64, dy: f64) {
        for (_, r) in self
            .nodes
            .iter_mut()
            .chain(self.stubs.iter_mut())
            .chain(self.branches.iter_mut())
        {
            r.translate(dx, dy);
        }
        for (_, r, _) in self.nested.iter_mut().chain(self.nested_stubs.iter_mut()) {
            r.translate(dx, dy);
        }
        for e in &mut self.edges {
            e.path.translate(dx, dy);
        }
        for m in &mut self.markers {
            m.translate(dx, dy);
        }
    }

    /// Moves a nested scope's content into this one's lists, its stubs after the nested stubs
    /// already here.
    fn take_nested(&mut self, from: ScopeLayout, parent: Option<StateId>) {
        let base = self.nested_stubs.len();
        let own = from.stubs.len();
        self.nested
            .extend(from.nodes.into_iter().map(|(s, r)| (s, r, parent)));
        self.nested.extend(from.nested);
        self.nested_stubs
            .extend(from.stubs.into_iter().map(|(s, r)| (s, r, parent)));
        self.nested_stubs.extend(from.nested_stubs);
        self.edges.extend(from.edges.into_iter().map(|mut e| {
            e.stub = e.stub.map(|s| match s {
                StubRef::Own(i) => StubRef::Nested(base + i),
                StubRef::Nested(i) => StubRef::Nested(base + own + i),
            });
            e
        }));
        self.markers.extend(from.markers);
        self.branches.extend(from.branches);
        self.fallback |= from.fallback;
    }

    /// The root's edges with `Layout::stubs` indexes: its own stubs first, then nested ones.
    pub fn finish_edges(&mut self) -> Vec<EdgePath> {
        let own = self.stubs.len();
        std::mem::take(&mut self.edges)
            .into_iter()
            .map(|e| EdgePath {
                to_stub: e.stub.map(|s| match s {
                    StubRef::Own(i) => i,
                    StubRef::Nested(i) => own + i,
                }),
                ..e.path
            })
            .collect()
    }
}
