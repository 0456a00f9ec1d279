//! Phase 6: routing. Edges leave the bottom of a box and enter the top of the next (loops back
//! go from top to bottom), spread over slots along each side, and run orthogonally through the
//! engine's waypoints in the gaps between ranks, so they pass clear of other boxes. Each label
//! stands beside the box its edge enters, clear of the labels placed before it.

use super::flat::FlatGraph;
use super::place::Placement;
use super::scope::{LocalEdge, StubRef};
use super::{
    text_box, EdgePath, MarkerBox, Rect, TextMeasure, END_TAIL, LABEL_CLEAR, LABEL_GAP, MARKER,
    SELF_LOOP_LABEL_GAP, SELF_LOOP_W, SMALL_FONT,
};
use crate::graph::{ellipsize, EdgeKind, FlowGraph, MAX_LABEL};
use std::collections::HashMap;

/// Routes every edge of `flat`, and draws the Start marker's line. `ends_here[i]` tells whether
/// state `i` of the scope is terminal (its box carries an end tail below it).
pub(super) fn route(
    g: &FlowGraph,
    flat: &FlatGraph,
    place: &Placement,
    paths: &[Vec<(f64, f64)>],
    ends_here: &[bool],
    lr: bool,
    measure: &dyn TextMeasure,
) -> (Vec<LocalEdge>, Option<MarkerBox>) {
    let slots = Slots::new(flat);
    // The box proper of an engine node: a terminal state's box without its end tail.
    let box_of = |i: usize| -> Option<Rect> {
        let r = place.rects.get(i).copied()?;
        Some(if ends_here.get(i).copied().unwrap_or(false) {
            Rect {
                h: r.h - END_TAIL,
                ..r
            }
        } else {
            r
        })
    };
    let mut engine_index = 0usize;
    let mut labels = Labels::default();
    let mut edges = Vec::with_capacity(flat.ends.len());
    for (k, end) in flat.ends.iter().enumerate() {
        let (a, b) = (end.from, end.to);
        let (Some(ra), Some(rb)) = (box_of(a), box_of(b)) else {
            continue;
        };
        let points = if a == b {
            // A self-loop on the right side.
            let x = ra.x + ra.w;
            let y1 = ra.y + ra.h * 0.3;
            let y2 = ra.y + ra.h * 0.7;
            vec![
                (x, y1),
                (x + SELF_LOOP_W, y1),
                (x + SELF_LOOP_W, y2),
                (x, y2),
            ]
        } else {
            let path = paths
                .get(engine_index + usize::from(flat.marker.is_some()))
                .map_or(&[][..], |p| p.as_slice());
            engine_index += 1;
            let (exit_i, entry_i) = slots.place.get(k).copied().unwrap_or((0, 0));
            let sx = slots.exits.get(a).map_or(ra.cx(), |l| slot(l, exit_i, &ra));
            let tx = slots
                .entries
                .get(b)
                .map_or(rb.cx(), |l| slot(l, entry_i, &rb));
            orthogonal(place, path, (a, ra, sx), (b, rb, tx))
        };
        let label = g.edges.get(end.edge).and_then(|e| {
            if e.label.is_empty() || e.kind == EdgeKind::Next {
                return None;
            }
            let entry_x = points.last().map_or(rb.cx(), |p| p.0);
            let down = place.rank(b) > place.rank(a);
            Some(labels.place(measure, &e.label, lr, (a, ra), (b, rb), entry_x, down))
        });
        edges.push(LocalEdge {
            path: EdgePath {
                edge: end.edge,
                points,
                to_stub: None,
                label,
            },
            stub: end.stub.map(StubRef::Own),
        });
    }
    let marker = flat.marker.and_then(|m| {
        let r = place.rects.get(m)?;
        let t = place.rects.get(flat.start?)?;
        let cx = t.cx();
        let marker = Rect {
            x: cx - MARKER / 2.0,
            y: r.y,
            w: MARKER,
            h: MARKER,
        };
        Some(MarkerBox {
            start: true,
            rect: marker,
            points: vec![(cx, marker.y + marker.h), (cx, t.y)],
        })
    });
    (edges, marker)
}

/// Exit and entry slots spread over each box's bottom and top.
struct Slots {
    exits: Vec<Vec<usize>>,
    entries: Vec<Vec<usize>>,
    /// Each edge's place in its box's list of exits and of entries, found once (a search per
    /// edge was quadratic in a wide Choice).
    place: Vec<(usize, usize)>,
}

impl Slots {
    fn new(flat: &FlatGraph) -> Slots {
        let n = flat.sizes.len();
        let mut exits: Vec<Vec<usize>> = vec![Vec::new(); n];
        let mut entries: Vec<Vec<usize>> = vec![Vec::new(); n];
        for (k, end) in flat.ends.iter().enumerate() {
            if let Some(v) = exits.get_mut(end.from) {
                v.push(k);
            }
            if let Some(v) = entries.get_mut(end.to) {
                v.push(k);
            }
        }
        let mut place = vec![(0usize, 0usize); flat.ends.len()];
        for list in &exits {
            for (i, &k) in list.iter().enumerate() {
                if let Some(p) = place.get_mut(k) {
                    p.0 = i;
                }
            }
        }
        for list in &entries {
            for (i, &k) in list.iter().enumerate() {
                if let Some(p) = place.get_mut(k) {
                    p.1 = i;
                }
            }
        }
        Slots {
            exits,
            entries,
            place,
        }
    }
}

/// The x of slot `i` of the `list.len()` slots spread along `r`'s width.
fn slot(list: &[usize], i: usize, r: &Rect) -> f64 {
    let n = list.len().max(1) as f64;
    (r.x + r.w * (i as f64 + 1.0) / (n + 1.0)).round()
}

/// An orthogonal path from engine node `a` (box `ra`, leaving at x `sx`) to `b` (box `rb`,
/// entering at x `tx`) through the engine's waypoints `path` in the gaps between ranks.
fn orthogonal(
    place: &Placement,
    path: &[(f64, f64)],
    (a, ra, sx): (usize, Rect, f64),
    (b, rb, tx): (usize, Rect, f64),
) -> Vec<(f64, f64)> {
    let rank_a = place.rank(a);
    let rank_b = place.rank(b);
    if rank_a == rank_b {
        // Same rank (the fallback can do this): go round below.
        let gy = place.gap_between(rank_a, rank_a);
        let mut points = vec![(sx, ra.y + ra.h), (sx, gy), (tx, gy), (tx, rb.y + rb.h)];
        simplify(&mut points);
        return points;
    }
    let forward = rank_b > rank_a;
    let start = if forward {
        (sx, ra.y + ra.h)
    } else {
        (sx, ra.y)
    };
    let end = if forward {
        (tx, rb.y)
    } else {
        (tx, rb.y + rb.h)
    };
    // One waypoint in each rank strictly between the two, in order along the way: the engine's
    // where it gave one, else straight on from the last, moved clear of that rank's boxes.
    let mut engine: std::collections::HashMap<usize, f64> = std::collections::HashMap::new();
    for p in path {
        let r = place.rank_of_y(p.1);
        engine
            .entry(r)
            .or_insert_with(|| place.clear_x(r, p.0 + place.dx));
    }
    let between: Vec<usize> = if forward {
        (rank_a + 1..rank_b).collect()
    } else {
        (rank_b + 1..rank_a).rev().collect()
    };
    let mut mids = Vec::with_capacity(between.len());
    let mut last_x = start.0;
    for r in between {
        let x = engine
            .get(&r)
            .copied()
            .unwrap_or_else(|| place.clear_x(r, last_x));
        mids.push((x, r));
        last_x = x;
    }
    let mut points = vec![start];
    let mut cur_rank = rank_a;
    let mut cur_x = start.0;
    for (x, r) in mids {
        let gy = place.gap_between(cur_rank, r);
        points.push((cur_x, gy));
        points.push((x, gy));
        cur_rank = r;
        cur_x = x;
    }
    let gy = place.gap_between(cur_rank, rank_b);
    points.push((cur_x, gy));
    points.push((end.0, gy));
    points.push(end);
    simplify(&mut points);
    points
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

/// The labels placed so far in one scope.
#[derive(Default)]
struct Labels {
    /// How much of the room above and below each box its labels have taken.
    taken: HashMap<usize, (f64, f64)>,
    placed: LabelGrid,
}

impl Labels {
    /// Places the label of an edge from `a` to `b`: above `b`'s top, or below its bottom for a
    /// loop back, stacked away from the box when several end there; beside a self-loop.
    #[allow(clippy::too_many_arguments)]
    fn place(
        &mut self,
        measure: &dyn TextMeasure,
        label: &str,
        lr: bool,
        (a, ra): (usize, Rect),
        (b, rb): (usize, Rect),
        entry_x: f64,
        down: bool,
    ) -> (Rect, String) {
        let text = ellipsize(label, MAX_LABEL);
        let (w, h) = text_box(measure, &text, SMALL_FONT);
        let (w, h) = if lr { (h, w) } else { (w, h) };
        let (x, y) = if a == b {
            (ra.x + ra.w + SELF_LOOP_LABEL_GAP, ra.y + (ra.h - h) / 2.0)
        } else {
            let taken = self.taken.entry(b).or_insert((0.0, 0.0));
            if down {
                taken.0 += h + LABEL_GAP;
                (entry_x - w / 2.0, rb.y - LABEL_CLEAR + LABEL_GAP - taken.0)
            } else {
                let y = rb.y + rb.h + LABEL_CLEAR + taken.1;
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
        // Labels of neighbouring targets may meet in the gap: step away from the box until this
        // one is clear of those placed before it.
        // A self-loop's labels line up to its right (the room `place::self_loop_room` kept
        // there), never towards the rank before, where the boxes are.
        for _ in 0..8 {
            let Some(hit) = self.placed.hit(&r) else {
                break;
            };
            if a == b {
                r.x = hit.x + hit.w + LABEL_GAP;
            } else if down {
                r.y = hit.y - LABEL_GAP - r.h;
            } else {
                r.y = hit.y + hit.h + LABEL_GAP;
            }
        }
        self.placed.push(r);
        (r, text)
    }
}

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
