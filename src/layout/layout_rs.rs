//! The only file that knows layout-rs. It lays out one flat graph of sized boxes and reports
//! box centres and each edge's waypoints, captured through layout-rs's `RenderBackend` seam.
//!
//! Guards, from what we measured of layout-rs 0.1.3: it panics on an empty graph, on edges to a
//! `Connector`, and on foreign handles, and NaN sizes give NaN coordinates, so callers get `None`
//! instead of a call that could panic. Cycle validation after every edge is switched off
//! (`set_validate(false)`): it is quadratic. Edges must come in breadth-first order from the
//! start (the caller's job), which keeps its cycle breaking fast.

use ::layout::core::base::Orientation;
use ::layout::core::format::{ClipHandle, RenderBackend};
use ::layout::core::geometry::Point;
use ::layout::core::style::StyleAttr;
use ::layout::std_shapes::shapes::{Arrow, Element, ShapeKind};
use ::layout::topo::layout::VisualGraph;

/// What the engine gives back: centres of the input boxes, and for each input edge the
/// waypoints from its source to its target (dummy nodes of long edges included).
pub struct EngineOutput {
    pub centers: Vec<(f64, f64)>,
    pub paths: Vec<Vec<(f64, f64)>>,
}

/// Lays out boxes of `sizes` joined by `edges` (indexes into `sizes`), top to bottom.
pub fn run(sizes: &[(f64, f64)], edges: &[(usize, usize)]) -> Option<EngineOutput> {
    if sizes.is_empty()
        || sizes
            .iter()
            .any(|&(w, h)| !w.is_finite() || !h.is_finite() || w <= 0.0 || h <= 0.0)
    {
        return None;
    }
    if edges
        .iter()
        .any(|&(a, b)| a >= sizes.len() || b >= sizes.len() || a == b)
    {
        return None;
    }
    let mut vg = VisualGraph::new(Orientation::TopToBottom);
    vg.dag.set_validate(false);
    let handles: Vec<_> = sizes
        .iter()
        .map(|&(w, h)| {
            let el = Element::create(
                ShapeKind::new_box(""),
                StyleAttr::simple(),
                Orientation::TopToBottom,
                Point::new(w, h),
            );
            vg.add_node(el)
        })
        .collect();
    for (i, &(a, b)) in edges.iter().enumerate() {
        let (Some(&ha), Some(&hb)) = (handles.get(a), handles.get(b)) else {
            return None;
        };
        // Only our own numeric ids go into `properties`, which layout-rs pastes raw.
        vg.add_edge(Arrow::simple_with_properties("", format!("{i}")), ha, hb);
    }
    let mut capture = Capture {
        paths: vec![Vec::new(); edges.len()],
    };
    vg.do_it(false, false, false, &mut capture);
    let mut centers = Vec::with_capacity(handles.len());
    for h in &handles {
        let c = vg.pos(*h).center();
        if !c.x.is_finite() || !c.y.is_finite() {
            return None;
        }
        centers.push((c.x, c.y));
    }
    Some(EngineOutput {
        centers,
        paths: capture.paths,
    })
}

struct Capture {
    paths: Vec<Vec<(f64, f64)>>,
}

impl RenderBackend for Capture {
    fn draw_rect(
        &mut self,
        _: Point,
        _: Point,
        _: &StyleAttr,
        _: Option<String>,
        _: Option<ClipHandle>,
    ) {
    }
    fn draw_line(&mut self, _: Point, _: Point, _: &StyleAttr, _: Option<String>) {}
    fn draw_circle(&mut self, _: Point, _: Point, _: &StyleAttr, _: Option<String>) {}
    fn draw_text(&mut self, _: Point, _: &str, _: &StyleAttr) {}
    fn draw_arrow(
        &mut self,
        path: &[(Point, Point)],
        _: bool,
        _: (bool, bool),
        _: &StyleAttr,
        properties: Option<String>,
        _: &str,
    ) {
        let Some(i) = properties.and_then(|p| p.parse::<usize>().ok()) else {
            return;
        };
        // The first pair is (exit point, control); later pairs are (control, point).
        let mut pts: Vec<(f64, f64)> = Vec::with_capacity(path.len());
        for (k, (a, b)) in path.iter().enumerate() {
            let p = if k == 0 { a } else { b };
            if p.x.is_finite() && p.y.is_finite() {
                pts.push((p.x, p.y));
            }
        }
        if let Some(slot) = self.paths.get_mut(i) {
            *slot = pts;
        }
    }
    fn create_clip(&mut self, _: Point, _: Point, _: usize) -> ClipHandle {
        0
    }
}
