//! Paints a run's overlay on the drawn graph: status, heat and critical-path classes on states,
//! `taken` and `critical` on edges, time badges, container progress and moving tokens. Element
//! references are gathered once per drawing; a frame changes only the classes and texts that
//! differ from the last frame, and moves the tokens. Nothing is parsed or laid out again.

use std::collections::{BTreeSet, HashMap};
use wasm_bindgen::JsCast;

use crate::pipeline::{Overlay, OverlayIndex, VisitStatus};

const SVG_NS: &str = "http://www.w3.org/2000/svg";

/// What the state boxes show beside their status.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Default)]
pub enum Mode {
    #[default]
    Status,
    /// Fill by share of the run's time.
    Heat,
    /// The chain of visits that set the run's length.
    Critical,
}

impl Mode {
    /// The mode a link's `mode=` names (`share::MODES`); status when it names none.
    pub fn from_link(name: Option<&str>) -> Self {
        match name {
            Some("heat") => Mode::Heat,
            Some("critical") => Mode::Critical,
            _ => Mode::Status,
        }
    }

    /// The `mode=` a link carries for this mode; none for status, the default.
    pub fn link_name(self) -> Option<&'static str> {
        match self {
            Mode::Status => None,
            Mode::Heat => Some("heat"),
            Mode::Critical => Some("critical"),
        }
    }
}

struct StateEl {
    el: web_sys::Element,
    /// The box's corners, for placing the badges when they are first needed.
    corner: (f64, f64, f64, f64),
    badge: Option<web_sys::Element>,
    progress: Option<web_sys::Element>,
    container: bool,
    status: &'static str,
    extra: String,
    badge_text: String,
    progress_text: String,
    /// The comparison views' marks (see `compare::marks`): classes, badge and tooltip.
    mark_class: String,
    mark_badge: Option<web_sys::Element>,
    mark_text: String,
    /// The state's own tooltip, while a mark's text is added to it.
    title_base: Option<String>,
}

struct EdgeEl {
    el: web_sys::Element,
    /// The path and its length, looked up when a token first travels along it.
    path: Option<Option<(web_sys::SvgGeometryElement, f32)>>,
    from: String,
    to: String,
    class: &'static str,
    mark_class: String,
    mark_width: Option<f64>,
}

/// The painter for one drawing.
pub struct Painter {
    /// The `<svg>` element this painter holds references into.
    drawing: Option<web_sys::Element>,
    states: HashMap<String, StateEl>,
    edges: Vec<EdgeEl>,
    layer: Option<web_sys::Element>,
    tokens: Vec<web_sys::Element>,
}

fn attr(el: &web_sys::Element, name: &str) -> f64 {
    el.get_attribute(name)
        .and_then(|v| v.parse().ok())
        .unwrap_or(0.0)
}

fn svg_el(doc: &web_sys::Document, tag: &str, class: &str) -> Option<web_sys::Element> {
    let el = doc.create_element_ns(Some(SVG_NS), tag).ok()?;
    let _ = el.set_attribute("class", class);
    Some(el)
}

fn all(root: &web_sys::Element, selector: &str) -> Vec<web_sys::Element> {
    let Ok(list) = root.query_selector_all(selector) else {
        return Vec::new();
    };
    (0..list.length())
        .filter_map(|i| {
            list.item(i)
                .and_then(|n| n.dyn_into::<web_sys::Element>().ok())
        })
        .collect()
}

#[derive(Clone, Copy)]
enum TextKind {
    Badge,
    Progress,
}

impl StateEl {
    /// The badge or progress text of this state, made on first use.
    fn text(&mut self, kind: TextKind, x: f64, y: f64) -> Option<&web_sys::Element> {
        let (slot, class) = match kind {
            TextKind::Badge => (&mut self.badge, "run-badge"),
            TextKind::Progress => (&mut self.progress, "run-progress"),
        };
        if slot.is_none() {
            let doc = web_sys::window()?.document()?;
            let t = svg_el(&doc, "text", class)?;
            let _ = t.set_attribute("x", &format!("{x:.1}"));
            let _ = t.set_attribute("y", &format!("{y:.1}"));
            let _ = t.set_attribute("text-anchor", "end");
            let _ = self.el.append_child(&t);
            *slot = Some(t);
        }
        slot.as_ref()
    }
}

const STATUS: [VisitStatus; 7] = [
    VisitStatus::NotRun,
    VisitStatus::Running,
    VisitStatus::Retrying,
    VisitStatus::Succeeded,
    VisitStatus::Failed,
    VisitStatus::Caught,
    VisitStatus::Aborted,
];

impl Painter {
    /// Gathers the states and edges of the graph in `root` (drawn from `svg`), and adds a badge
    /// to each state and a layer for tokens.
    pub fn new(root: &web_sys::Element) -> Self {
        let doc = web_sys::window().and_then(|w| w.document());
        let mut states = HashMap::new();
        for el in all(root, ".state[data-state]") {
            let Some(name) = el.get_attribute("data-state") else {
                continue;
            };
            let Some(rect) = el.query_selector(":scope > .box").ok().flatten() else {
                continue;
            };
            let corner = (
                attr(&rect, "x"),
                attr(&rect, "y"),
                attr(&rect, "width"),
                attr(&rect, "height"),
            );
            // Stubs repeat a name; the real node is the one with a box and no stub class.
            if el.class_list().contains("stub") {
                continue;
            }
            states.insert(
                name,
                StateEl {
                    container: el.class_list().contains("container"),
                    el,
                    corner,
                    badge: None,
                    progress: None,
                    status: "",
                    extra: String::new(),
                    badge_text: String::new(),
                    progress_text: String::new(),
                    mark_class: String::new(),
                    mark_badge: None,
                    mark_text: String::new(),
                    title_base: None,
                },
            );
        }
        let mut edges = Vec::new();
        let mut layer = None;
        for el in all(root, ".edge[data-from]") {
            if layer.is_none() {
                if let (Some(doc), Some(parent)) = (doc.as_ref(), el.parent_element()) {
                    layer = svg_el(doc, "g", "tokens");
                    if let Some(l) = &layer {
                        let _ = l.set_attribute("aria-hidden", "true");
                        let _ = parent.append_child(l);
                    }
                }
            }
            edges.push(EdgeEl {
                path: None,
                from: el.get_attribute("data-from").unwrap_or_default(),
                to: el.get_attribute("data-to").unwrap_or_default(),
                el,
                class: "",
                mark_class: String::new(),
                mark_width: None,
            });
        }
        Painter {
            drawing: root.first_element_child(),
            states,
            edges,
            layer,
            tokens: Vec::new(),
        }
    }

    /// True when this painter was made for the drawing now in `root`. The same SVG text drawn
    /// again is new elements: the painter's references would point at detached ones.
    pub fn is_for(&self, root: &web_sys::Element) -> bool {
        match (&self.drawing, root.first_element_child()) {
            (Some(a), Some(b)) => js_sys::Object::is(a, &b),
            _ => false,
        }
    }

    /// Applies the overlay (None: no run, every class and badge off).
    pub fn paint(&mut self, ov: Option<&Overlay>, ix: Option<&OverlayIndex>, mode: Mode) {
        let empty = Overlay::default();
        let o = ov.unwrap_or(&empty);
        let at: HashMap<&str, &crate::pipeline::StateAt> =
            o.states.iter().map(|s| (s.name.as_str(), s)).collect();
        let heat: HashMap<&str, &crate::pipeline::Heat> = match (mode, ix) {
            (Mode::Heat, Some(ix)) => ix.heat.iter().map(|h| (h.name.as_str(), h)).collect(),
            _ => HashMap::new(),
        };
        for (name, s) in self.states.iter_mut() {
            let now = at.get(name.as_str());
            let status = match (ov, now) {
                (None, _) => "",
                (Some(_), Some(x)) => x.status.class(),
                (Some(_), None) => VisitStatus::NotRun.class(),
            };
            if status != s.status {
                let list = s.el.class_list();
                for c in STATUS.map(VisitStatus::class) {
                    let _ = list.remove_1(c);
                }
                if !status.is_empty() {
                    let _ = list.add_1(status);
                }
                s.status = status;
            }
            let extra = match (mode, ix) {
                (Mode::Heat, _) if ov.is_some() => {
                    format!("heat-{}", heat.get(name.as_str()).map_or(0, |h| h.level))
                }
                (Mode::Critical, Some(ix)) if ov.is_some() => {
                    if ix.critical_states.contains(name) {
                        "critical".to_string()
                    } else {
                        "off-path".to_string()
                    }
                }
                _ => String::new(),
            };
            if extra != s.extra {
                let list = s.el.class_list();
                if !s.extra.is_empty() {
                    let _ = list.remove_1(&s.extra);
                }
                if !extra.is_empty() {
                    let _ = list.add_1(&extra);
                }
                s.extra = extra;
            }
            let badge = match (mode, now, ix) {
                (Mode::Heat, Some(_), Some(_)) => heat
                    .get(name.as_str())
                    .map(|h| format!("{:.0}% of the time", h.share * 100.0))
                    .unwrap_or_default(),
                (_, Some(x), _) => x.badge.clone(),
                _ => String::new(),
            };
            if badge != s.badge_text {
                let (x, y, w, h) = s.corner;
                // Below the box's right corner: the top edge holds the retry badge.
                if let Some(b) = s.text(TextKind::Badge, x + w, y + h + 9.0) {
                    b.set_text_content(Some(&badge));
                }
                s.badge_text = badge;
            }
            let progress = now.and_then(|x| x.progress.clone()).unwrap_or_default();
            if s.container && progress != s.progress_text {
                let (x, y, w, _) = s.corner;
                if let Some(p) = s.text(TextKind::Progress, x + w - 10.0, y + 13.0) {
                    p.set_text_content(Some(&progress));
                }
                s.progress_text = progress;
            }
        }
        let taken: BTreeSet<(&str, &str)> = o
            .taken
            .iter()
            .map(|(a, b)| (a.as_str(), b.as_str()))
            .collect();
        for e in &mut self.edges {
            let key = (e.from.as_str(), e.to.as_str());
            let critical = mode == Mode::Critical
                && ix.is_some_and(|ix| ix.critical_edges.contains(&(e.from.clone(), e.to.clone())));
            let class = if critical {
                "critical"
            } else if taken.contains(&key) {
                "taken"
            } else {
                ""
            };
            if class != e.class {
                let list = e.el.class_list();
                let _ = list.remove_2("taken", "critical");
                if !class.is_empty() {
                    let _ = list.add_1(class);
                }
                e.class = class;
            }
        }
        self.paint_tokens(o);
    }

    /// Applies the comparison views' marks (None: every mark off). Independent of `paint`: the
    /// run's own overlay stays underneath.
    pub fn paint_marks(&mut self, marks: Option<&crate::pipeline::Marks>) {
        if marks.is_some() {
            self.ensure_patterns();
        }
        let by: HashMap<&str, &crate::pipeline::compare_marks::StateMark> = marks
            .map(|m| m.states.iter().map(|s| (s.state.as_str(), s)).collect())
            .unwrap_or_default();
        let doc = web_sys::window().and_then(|w| w.document());
        for (name, s) in self.states.iter_mut() {
            let m = by.get(name.as_str());
            let class = m.map(|m| m.class.clone()).unwrap_or_default();
            if class != s.mark_class {
                let list = s.el.class_list();
                for c in s.mark_class.split(' ').filter(|c| !c.is_empty()) {
                    let _ = list.remove_1(c);
                }
                for c in class.split(' ').filter(|c| !c.is_empty()) {
                    let _ = list.add_1(c);
                }
                s.mark_class = class;
            }
            let text = m.map(|m| m.badge.clone()).unwrap_or_default();
            if text != s.mark_text {
                if s.mark_badge.is_none() && !text.is_empty() {
                    // Below the box, starting just right of its centre: clear of the retry badge
                    // on the top edge, and of the edge or end marker that leaves the bottom centre.
                    let (x, y, w, h) = s.corner;
                    if let Some(t) = doc.as_ref().and_then(|d| svg_el(d, "text", "mark-badge")) {
                        let _ = t.set_attribute("x", &format!("{:.1}", x + w / 2.0 + 9.0));
                        let _ = t.set_attribute("y", &format!("{:.1}", y + h + 10.0));
                        let _ = s.el.append_child(&t);
                        s.mark_badge = Some(t);
                    }
                }
                if let Some(b) = &s.mark_badge {
                    b.set_text_content(Some(&text));
                }
                s.mark_text = text;
            }
            // The mark's longer text joins the state's tooltip (its `<title>`).
            let title = m.map(|m| m.title.as_str()).unwrap_or("");
            if let Some(t) = s.el.query_selector(":scope > title").ok().flatten() {
                if title.is_empty() {
                    if let Some(base) = s.title_base.take() {
                        t.set_text_content(Some(&base));
                    }
                } else {
                    let base = s
                        .title_base
                        .get_or_insert_with(|| t.text_content().unwrap_or_default())
                        .clone();
                    t.set_text_content(Some(&format!("{base}\n{title}")));
                }
            }
        }
        let edges: HashMap<(&str, &str), &crate::pipeline::compare_marks::EdgeMark> = marks
            .map(|m| {
                m.edges
                    .iter()
                    .map(|e| ((e.from.as_str(), e.to.as_str()), e))
                    .collect()
            })
            .unwrap_or_default();
        for e in &mut self.edges {
            let m = edges.get(&(e.from.as_str(), e.to.as_str()));
            // In a marked view an edge no run took is marked as such.
            let class = match (marks, m) {
                (None, _) => String::new(),
                (Some(_), Some(m)) => m.class.clone(),
                (Some(_), None) => "mark-untaken".to_string(),
            };
            if class != e.mark_class {
                let list = e.el.class_list();
                if !e.mark_class.is_empty() {
                    let _ = list.remove_1(&e.mark_class);
                }
                if !class.is_empty() {
                    let _ = list.add_1(&class);
                }
                e.mark_class = class;
            }
            let width = m.and_then(|m| m.width);
            if width != e.mark_width {
                match width {
                    Some(w) => {
                        let _ = e.el.set_attribute("style", &format!("--mark-width:{w:.2}"));
                    }
                    None => {
                        let _ = e.el.remove_attribute("style");
                    }
                }
                e.mark_width = width;
            }
        }
    }

    /// The fills that tell "only A" from "only B" by pattern as well as colour.
    fn ensure_patterns(&self) {
        let Some(svg) = &self.drawing else { return };
        if svg.query_selector("#cmp-patterns").ok().flatten().is_some() {
            return;
        }
        let Some(doc) = web_sys::window().and_then(|w| w.document()) else {
            return;
        };
        let Some(defs) = svg_el(&doc, "defs", "") else {
            return;
        };
        defs.set_id("cmp-patterns");
        defs.set_inner_html(concat!(
            r#"<pattern id="cmp-hatch-a" width="8" height="8" patternUnits="userSpaceOnUse" patternTransform="rotate(45)"><rect width="8" height="8" class="cmp-fill-a"/><line x1="0" y1="0" x2="0" y2="8" class="cmp-line-a"/></pattern>"#,
            r#"<pattern id="cmp-dots-b" width="8" height="8" patternUnits="userSpaceOnUse"><rect width="8" height="8" class="cmp-fill-b"/><circle cx="4" cy="4" r="1.6" class="cmp-dot-b"/></pattern>"#,
            // Wide edges keep arrowheads of one size: the drawing's own scale with the stroke.
            r#"<marker id="mark-arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="10" markerHeight="10" markerUnits="userSpaceOnUse" orient="auto-start-reverse"><path class="arrowhead" d="M0,0 L10,5 L0,10 z"/></marker>"#
        ));
        let _ = svg.insert_before(&defs, svg.first_child().as_ref());
    }

    fn paint_tokens(&mut self, o: &Overlay) {
        let Some(layer) = &self.layer else { return };
        let doc = web_sys::window().and_then(|w| w.document());
        let mut used = 0;
        for tk in &o.tokens {
            let Some(e) = self
                .edges
                .iter_mut()
                .find(|e| e.from == tk.from && e.to == tk.to)
            else {
                continue;
            };
            let el = &e.el;
            let path = e.path.get_or_insert_with(|| {
                let p = el
                    .query_selector("path")
                    .ok()
                    .flatten()
                    .and_then(|p| p.dyn_into::<web_sys::SvgGeometryElement>().ok())?;
                let len = p.get_total_length();
                Some((p, len))
            });
            let Some(Ok(pt)) = path
                .as_ref()
                .map(|(p, len)| p.get_point_at_length(len * tk.at as f32))
            else {
                continue;
            };
            let (x, y) = (pt.x(), pt.y());
            if used == self.tokens.len() {
                let Some(c) = doc.as_ref().and_then(|d| svg_el(d, "circle", "token")) else {
                    break;
                };
                let _ = c.set_attribute("r", "5");
                let _ = layer.append_child(&c);
                self.tokens.push(c);
            }
            let c = &self.tokens[used];
            let _ = c.set_attribute("data-edge", &format!("{}→{}", tk.from, tk.to));
            let _ = c.set_attribute("cx", &format!("{x:.1}"));
            let _ = c.set_attribute("cy", &format!("{y:.1}"));
            let _ = c.remove_attribute("display");
            used += 1;
        }
        for c in &self.tokens[used..] {
            let _ = c.set_attribute("display", "none");
        }
    }
}
