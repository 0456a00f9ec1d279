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

//!
//! Phases, one file each, run per scope by `scope.rs`:
//! 0. `cache.rs`: a scope's key, so unchanged scopes are reused;
//! 1. `scope.rs`: box sizes, nested scopes first;
//! 2. `flat.rs`: the flat graph (ranks from StartAt, each target's primary edge, stubs, Start);
//! 3. `layout_rs.rs`: the engine, or `fallback.rs`;
//! 4. `place.rs`: ranks, gaps that hold labels, compacted rows;
//! 5. `scope.rs`: states, end tails, containers' content;
//! 6. `route.rs`: orthogonal edges through the engine's waypoints, and labels.
//!
//! This file holds the output types and assembles the root scope into a [`Layout`].

mod cache;
mod fallback;
mod flat;
mod layout_rs;
mod measure;
mod place;
mod route;
mod scope;

pub use cache::{EngineInput, LayoutCache};
pub use measure::{EstimateMeasure, TextMeasure};

use crate::asl::{ScopeId, StateId};
use crate::graph::{ellipsize, FlowGraph};

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
/// How far a self-loop's arc reaches right of its box, and where its label starts.
const SELF_LOOP_W: f64 = 16.0;
const SELF_LOOP_LABEL_GAP: f64 = 20.0;

impl EdgePath {
    /// Moves the edge's points and label by (dx, dy).
    fn translate(&mut self, dx: f64, dy: f64) {
        for p in &mut self.points {
            p.0 += dx;
            p.1 += dy;
        }
        if let Some((r, _)) = self.label.as_mut() {
            r.translate(dx, dy);
        }
    }
}

impl MarkerBox {
    /// Moves the marker's box and line by (dx, dy).
    fn translate(&mut self, dx: f64, dy: f64) {
        self.rect.translate(dx, dy);
        for p in &mut self.points {
            p.0 += dx;
            p.1 += dy;
        }
    }
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
    let (mut root, _) = scope::scope_layout(g, ScopeId(0), None, lr, measure, 0, cache);
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
    out.edges = root.finish_edges();
    out.markers = root.markers;
    out.branches = root.branches;
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
        for e in &mut l.edges {
            e.translate(dx, dy);
        }
        for m in &mut l.markers {
            m.translate(dx, dy);
        }
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
