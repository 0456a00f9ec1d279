//! The graph pane: shows the laid-out SVG, with pan, zoom and fit, and selection both ways
//! between nodes and the definition editor.

use leptos::prelude::*;
use wasm_bindgen::JsCast;

/// The graph of the current definition. `svg` is the last good drawing; `selected` the state name.
#[component]
pub fn GraphView(
    svg: Signal<String>,
    selected: RwSignal<Option<String>>,
    on_pick: Callback<String>,
    /// Counts drawings that are wholly in the page (big ones arrive over several frames).
    drawn: RwSignal<u64>,
    /// The state a drawing too big to read whole opens on: the link's selection, the run's first
    /// failure, or the start state.
    focus: Signal<Option<String>>,
) -> impl IntoView {
    let graph = NodeRef::<leptos::html::Div>::new();
    let generation = StoredValue::new(0u64);
    // Small drawings go in at once; big ones in slices, one per frame, so the browser's own
    // parsing, styling and layout of thousands of elements never holds the page for long.
    Effect::new(move |_| {
        let text = svg.get();
        generation.update_value(|g| *g += 1);
        let current = generation.get_value();
        let Some(el) = graph.get() else { return };
        // The part the opening view shows goes in first: the pane's size at the reading scale
        // around the focus state (or the top middle).
        let pane = el
            .parent_element()
            .map(|p| (f64::from(p.client_width()), f64::from(p.client_height())))
            .filter(|(w, h)| *w > 0.0 && *h > 0.0)
            .unwrap_or((1440.0, 900.0));
        let view = (pane.0 / READ_SCALE, pane.1 / READ_SCALE);
        let cut = (text.len() > PROGRESSIVE)
            .then(|| {
                let name = focus.try_get_untracked().flatten();
                crate::pipeline::progressive(&text, name.as_deref(), view, SLICE_BYTES)
            })
            .flatten();
        match cut {
            None => {
                el.set_inner_html(&text);
                finish(&el, drawn);
            }
            Some(crate::pipeline::Progressive { shell, slices }) => {
                el.set_inner_html(&shell);
                feed(
                    el.into(),
                    std::rc::Rc::new(slices),
                    0,
                    current,
                    generation,
                    drawn,
                );
            }
        }
    });
    let scale = RwSignal::new(1.0f64);
    let offset = RwSignal::new((0.0f64, 0.0f64));
    let drag = RwSignal::new(None::<(f64, f64, f64, f64)>);
    let host = NodeRef::<leptos::html::Div>::new();
    // How the view was last set: a change of the pane's size sets it the same way again.
    let fitted = StoredValue::new(Framing::Default);
    // The overview: every state's box, in drawing units, and the drawing's size.
    let overview = RwSignal::new(None::<(String, f64, f64)>);
    let pane = RwSignal::new((0.0f64, 0.0f64));

    // Brings a state to the middle of the view (when `only_if_hidden`, only if it is out of it).
    let centre = move |name: &str, only_if_hidden: bool| {
        let Some(el) = host.get_untracked() else {
            return;
        };
        let Some((cx, top, bh)) = box_of(&el, name) else {
            return;
        };
        let cy = top + bh / 2.0;
        let s = scale.get_untracked();
        let (w, h) = (f64::from(el.client_width()), f64::from(el.client_height()));
        let (ox, oy) = offset.get_untracked();
        let (x, y) = (ox + cx * s, oy + cy * s);
        if only_if_hidden && x > 20.0 && x < w - 20.0 && y > 20.0 && y < h - 20.0 {
            return;
        }
        offset.set((w / 2.0 - cx * s, h / 2.0 - cy * s));
        fitted.set_value(Framing::Moved);
    };
    // The pane's size and the drawing's, when both are there.
    let sizes = move || -> Option<(f64, f64, f64, f64)> {
        let el = host.try_get_untracked().flatten()?;
        let svg_el = el.query_selector("svg").ok().flatten()?;
        let (w, h) = (f64::from(el.client_width()), f64::from(el.client_height()));
        let attr = |a: &str| svg_el.get_attribute(a).and_then(|v| v.parse::<f64>().ok());
        Some((w, h, attr("width")?, attr("height")?))
    };
    // The whole drawing in the pane, however small its text gets (the `0` key and Fit).
    let fit = move || {
        let Some((w, h, sw, sh)) = sizes() else {
            return;
        };
        let s = ((w - 32.0) / sw).min((h - 32.0) / sh).clamp(0.1, MAX_FIT);
        scale.set(s);
        offset.set(((w - sw * s) / 2.0, 16.0));
        fitted.set_value(Framing::Whole);
    };
    // The view a drawing opens with: the whole drawing when its names are legible that way;
    // otherwise names at a readable size, on the focus state.
    let default_view = move || {
        let Some((w, h, sw, sh)) = sizes() else {
            return;
        };
        if opening_frame(w, h, sw, sh).whole {
            fit();
            fitted.set_value(Framing::Default);
            return;
        }
        let s = READ_SCALE;
        let target = focus
            .try_get_untracked()
            .flatten()
            .and_then(|name| host.get_untracked().and_then(|el| box_of(&el, &name)));
        // Across: the focus state in the middle, unless the whole width fits.
        let (cx, top, bh) = target.unwrap_or((sw / 2.0, 0.0, 0.0));
        let ox = if sw * s <= w - 32.0 {
            (w - sw * s) / 2.0
        } else {
            (w / 2.0 - cx * s).clamp(w - 16.0 - sw * s, 16.0)
        };
        // Down: the focus state mid-pane, never leaving room above the drawing's top (so the
        // start state stays near the top); a focus taller than the pane (a big container) shows
        // its top.
        let oy = if target.is_none() || bh * s > h - 80.0 {
            16.0 - (top - 40.0).max(0.0) * s
        } else {
            (h / 2.0 - (top + bh / 2.0) * s).min(16.0)
        };
        scale.set(s);
        offset.set((ox, oy));
        fitted.set_value(Framing::Default);
    };
    // Sets the view again the way it was set, for a pane of a new size.
    let reframe = move || match fitted.try_get_value() {
        Some(Framing::Whole) => fit(),
        Some(Framing::Default) => default_view(),
        _ => {}
    };
    // Keep the `selected` class on the chosen node (and only there), in view.
    Effect::new(move |_| {
        let name = selected.get();
        let _ = drawn.get();
        let Some(el) = host.get() else { return };
        if let Ok(list) = el.query_selector_all(".state.selected") {
            for i in 0..list.length() {
                if let Some(e) = list
                    .item(i)
                    .and_then(|n| n.dyn_into::<web_sys::Element>().ok())
                {
                    let _ = e.class_list().remove_1("selected");
                }
            }
        }
        // After this frame's drawing is in the page (a new SVG replaces the nodes), and the
        // inspector has opened or closed: a fitted view fits the new pane, a moved one keeps the
        // selected state in view.
        request_animation_frame(move || {
            let Some(el) = host.try_get_untracked().flatten() else {
                return;
            };
            if let Some(name) = &name {
                if let Some(e) = find_state(&el, name) {
                    let _ = e.class_list().add_1("selected");
                }
            }
            match (fitted.try_get_value(), &name) {
                (Some(Framing::Whole), _) => fit(),
                (Some(_), Some(name)) => centre(name, true),
                _ => {}
            }
        });
    });

    // When the pane changes size (the inspector opens, the run's panels appear), a fitted view
    // fits again.
    Effect::new(move |done: Option<bool>| {
        if done == Some(true) {
            return true;
        }
        let Some(el) = host.get() else { return false };
        let on_resize = wasm_bindgen::closure::Closure::<dyn FnMut()>::new(move || {
            if let Some(el) = host.try_get_untracked().flatten() {
                pane.try_set((f64::from(el.client_width()), f64::from(el.client_height())));
            }
            reframe();
        });
        if let Ok(observer) = web_sys::ResizeObserver::new(on_resize.as_ref().unchecked_ref()) {
            observer.observe(&el);
        }
        // The graph pane lives as long as the page.
        on_resize.forget();
        true
    });
    // Fit whenever a new drawing arrives for a different machine size.
    Effect::new(move |prev: Option<(String, String)>| {
        let current = svg.with(|s| {
            let head: String = s.chars().take(200).collect();
            (head.clone(), head)
        });
        if prev.as_ref().map(|p| &p.0) != Some(&current.0) {
            request_animation_frame(move || {
                fitted.try_set_value(Framing::Default);
                default_view();
            });
        }
        current
    });
    // A new focus (a failed run arriving after its drawing) frames the default view again.
    Effect::new(move |_| {
        focus.track();
        request_animation_frame(move || {
            if fitted.try_get_value() == Some(Framing::Default) {
                default_view();
            }
        });
    });
    // The overview's boxes, once per complete drawing.
    Effect::new(move |_| {
        drawn.track();
        let Some(el) = host.get() else { return };
        overview.set(minimap_boxes(&el));
    });

    let on_click = move |ev: web_sys::MouseEvent| {
        let Some(target) = ev
            .target()
            .and_then(|t| t.dyn_into::<web_sys::Element>().ok())
        else {
            return;
        };
        if let Ok(Some(stub)) = target.closest("[data-stub-for]") {
            if let Some(name) = stub.get_attribute("data-stub-for") {
                selected.set(Some(name.clone()));
                on_pick.run(name.clone());
                // Jump: bring the real node to the middle of the view.
                centre(&name, false);
            }
            return;
        }
        if let Ok(Some(node)) = target.closest("[data-state]") {
            if let Some(name) = node.get_attribute("data-state") {
                selected.set(Some(name.clone()));
                on_pick.run(name);
            }
        }
    };
    // Hovering a stub highlights the state it stands for.
    let on_over = move |ev: web_sys::MouseEvent| {
        let Some(el) = host.get_untracked() else {
            return;
        };
        if let Ok(list) = el.query_selector_all(".state.stub-target") {
            for i in 0..list.length() {
                if let Some(e) = list
                    .item(i)
                    .and_then(|n| n.dyn_into::<web_sys::Element>().ok())
                {
                    let _ = e.class_list().remove_1("stub-target");
                }
            }
        }
        let stub = ev
            .target()
            .and_then(|t| t.dyn_into::<web_sys::Element>().ok())
            .and_then(|t| t.closest("[data-stub-for]").ok().flatten());
        if let Some(name) = stub.and_then(|s| s.get_attribute("data-stub-for")) {
            if let Some(node) = find_state(&el, &name) {
                let _ = node.class_list().add_1("stub-target");
            }
        }
    };
    let on_wheel = move |ev: web_sys::WheelEvent| {
        ev.prevent_default();
        let factor = if ev.delta_y() < 0.0 { 1.1 } else { 1.0 / 1.1 };
        let (ox, oy) = offset.get_untracked();
        let s = scale.get_untracked();
        let ns = (s * factor).clamp(0.1, 4.0);
        // Zoom about the pointer: the drawing point under it stays under it.
        let (px, py) = host
            .get_untracked()
            .map(|h| {
                let r = h.get_bounding_client_rect();
                (
                    f64::from(ev.client_x()) - r.left(),
                    f64::from(ev.client_y()) - r.top(),
                )
            })
            .unwrap_or((0.0, 0.0));
        offset.set((px - (px - ox) * ns / s, py - (py - oy) * ns / s));
        scale.set(ns);
        fitted.set_value(Framing::Moved);
    };
    let on_down = move |ev: web_sys::MouseEvent| {
        let (ox, oy) = offset.get_untracked();
        drag.set(Some((
            f64::from(ev.client_x()),
            f64::from(ev.client_y()),
            ox,
            oy,
        )));
    };
    let on_move = move |ev: web_sys::MouseEvent| {
        if let Some((x0, y0, ox, oy)) = drag.get_untracked() {
            if ev.buttons() == 1 {
                fitted.set_value(Framing::Moved);
                offset.set((
                    ox + f64::from(ev.client_x()) - x0,
                    oy + f64::from(ev.client_y()) - y0,
                ));
            }
        }
    };
    let on_up = move |_| drag.set(None);
    let on_key = move |ev: web_sys::KeyboardEvent| match ev.key().as_str() {
        "+" | "=" => {
            fitted.set_value(Framing::Moved);
            scale.update(|s| *s = (*s * 1.2).min(4.0))
        }
        "-" | "_" => {
            fitted.set_value(Framing::Moved);
            scale.update(|s| *s = (*s / 1.2).max(0.1))
        }
        "0" => fit(),
        _ => {}
    };
    // Dragging in the overview moves the view so the pointer's point is in the middle.
    let mm_drag = StoredValue::new(false);
    let mm_move = move |ev: &web_sys::MouseEvent| {
        let Some((_, sw, sh)) = overview.get_untracked() else {
            return;
        };
        let Some(target) = ev
            .current_target()
            .and_then(|t| t.dyn_into::<web_sys::Element>().ok())
        else {
            return;
        };
        let r = target.get_bounding_client_rect();
        let (dx, dy) = (
            (f64::from(ev.client_x()) - r.left()) / r.width().max(1.0) * sw,
            (f64::from(ev.client_y()) - r.top()) / r.height().max(1.0) * sh,
        );
        let s = scale.get_untracked();
        let (w, h) = pane.get_untracked();
        offset.set((w / 2.0 - dx * s, h / 2.0 - dy * s));
        fitted.set_value(Framing::Moved);
    };
    // The part of the drawing in view, in drawing units; None when all of it is. The overview is
    // built when it appears; panning and zooming then move only its viewport rectangle.
    let in_view = Memo::new(move |_| {
        let sizes = overview.with(|o| o.as_ref().map(|o| (o.1, o.2)));
        let (sw, sh) = sizes?;
        let (w, h) = pane.get();
        let s = scale.get();
        let (ox, oy) = offset.get();
        let (x, y, vw, vh) = (-ox / s, -oy / s, w / s, h / s);
        let all_in = x <= 0.5 && y <= 0.5 && x + vw >= sw - 0.5 && y + vh >= sh - 0.5;
        (!all_in).then_some((x, y, vw, vh))
    });
    let shows = Memo::new(move |_| in_view.with(Option::is_some));
    let transform = move || {
        let (x, y) = offset.get();
        format!(
            "transform: translate({x:.1}px, {y:.1}px) scale({:.3}); transform-origin: 0 0;",
            scale.get()
        )
    };
    view! {
        <div class="graph-host" node_ref=host tabindex="0" aria-label="Workflow graph: + and - zoom, 0 fits"
            on:click=on_click on:mouseover=on_over on:wheel=on_wheel on:mousedown=on_down on:mousemove=on_move on:mouseup=on_up on:mouseleave=on_up on:keydown=on_key>
            <div class="graph" data-testid="graph" style=transform node_ref=graph></div>
            {move || shows.get().then(|| {
                // A new drawing rebuilds the overview; moving the view does not.
                let (boxes, sw, sh) = overview.get().unwrap_or_default();
                let (mw, mh) = minimap_size(sw, sh);
                // The part in view is at least MINIMAP_MARK px each way, so it is seen on a
                // drawing thousands of times the overview's size.
                let (ux, uy) = (sw / mw.max(1.0) * MINIMAP_MARK, sh / mh.max(1.0) * MINIMAP_MARK);
                let part = move |k: usize| {
                    in_view.with(|v| {
                        v.map_or(0.0, |(x, y, w, h)| {
                            let (w2, h2) = (w.max(ux), h.max(uy));
                            // Only the added size is kept inside the drawing: a view past
                            // its edge is drawn where it is.
                            let grow = |at: f64, len: f64, len2: f64, whole: f64| {
                                (at - (len2 - len) / 2.0)
                                    .min((at + len).max(whole) - len2)
                                    .max(at.min(0.0))
                            };
                            [grow(x, w, w2, sw), grow(y, h, h2, sh), w2, h2][k]
                        })
                    })
                };
                view! {
                    <div class="minimap" data-testid="minimap" aria-hidden="true"
                        style=format!("width:{mw:.0}px;height:{mh:.0}px")
                        on:mousedown=move |ev: web_sys::MouseEvent| { ev.stop_propagation(); ev.prevent_default(); mm_drag.set_value(true); mm_move(&ev); }
                        on:mousemove=move |ev: web_sys::MouseEvent| { ev.stop_propagation(); if mm_drag.get_value() && ev.buttons() == 1 { mm_move(&ev); } }
                        on:mouseup=move |_| mm_drag.set_value(false)
                        on:mouseleave=move |_| mm_drag.set_value(false)
                        on:click=move |ev: web_sys::MouseEvent| ev.stop_propagation()>
                        <svg viewBox=format!("0 0 {sw:.0} {sh:.0}") width="100%" height="100%" preserveAspectRatio="none">
                            <g inner_html=boxes></g>
                            <rect class="minimap-view" data-testid="minimap-view" x=move || format!("{:.1}", part(0)) y=move || format!("{:.1}", part(1)) width=move || format!("{:.1}", part(2)) height=move || format!("{:.1}", part(3)) />
                        </svg>
                    </div>
                }
            })}
            <div class="zoom-controls">
                <button title="Zoom in (+)" on:click=move |_| { fitted.set_value(Framing::Moved); scale.update(|s| *s = (*s * 1.2).min(4.0)) }>"+"</button>
                <button title="Zoom out (-)" on:click=move |_| { fitted.set_value(Framing::Moved); scale.update(|s| *s = (*s / 1.2).max(0.1)) }>"−"</button>
                <button title="Fit (0)" on:click=move |_| fit()>"Fit"</button>
            </div>
        </div>
    }
}

/// How the view was last set.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Framing {
    /// The view a drawing opens with (see `default_view`).
    Default,
    /// The whole drawing.
    Whole,
    /// Panned or zoomed by hand.
    Moved,
}

/// The whole drawing is shown only up to this zoom.
const MAX_FIT: f64 = 1.5;
/// State names are 13 px in the drawing: below this scale they'd be under 11 px on screen.
const LEGIBLE_SCALE: f64 = 11.0 / 13.0;
/// The scale a drawing too big to read whole opens at.
const READ_SCALE: f64 = 1.0;

/// How a drawing opens when no state is in focus: the whole drawing when its names are legible
/// that way, otherwise names at a readable size with the top in view. The first view
/// (`first_view`) opens the same way, so the app's drawing replaces it in place.
pub struct OpeningFrame {
    pub whole: bool,
    pub scale: f64,
    pub x: f64,
    pub y: f64,
}

/// The opening frame of a drawing `sw`×`sh` in a pane `w`×`h`.
pub fn opening_frame(w: f64, h: f64, sw: f64, sh: f64) -> OpeningFrame {
    let whole = ((w - 32.0) / sw).min((h - 32.0) / sh).min(MAX_FIT);
    if whole >= LEGIBLE_SCALE {
        let s = whole.max(0.1);
        return OpeningFrame {
            whole: true,
            scale: s,
            x: (w - sw * s) / 2.0,
            y: 16.0,
        };
    }
    let s = READ_SCALE;
    let x = if sw * s <= w - 32.0 {
        (w - sw * s) / 2.0
    } else {
        (w / 2.0 - sw / 2.0 * s).clamp(w - 16.0 - sw * s, 16.0)
    };
    OpeningFrame {
        whole: false,
        scale: s,
        x,
        y: 16.0,
    }
}

/// The overview's largest size in CSS pixels.
const MINIMAP_W: f64 = 180.0;
const MINIMAP_H: f64 = 150.0;
/// The smallest the part in view is drawn in the overview, in CSS pixels.
const MINIMAP_MARK: f64 = 8.0;

fn minimap_size(sw: f64, sh: f64) -> (f64, f64) {
    let k = (MINIMAP_W / sw.max(1.0)).min(MINIMAP_H / sh.max(1.0));
    ((sw * k).max(24.0), (sh * k).max(24.0))
}

/// A state's box in drawing units: its centre across, its top, its height.
fn box_of(root: &web_sys::HtmlDivElement, name: &str) -> Option<(f64, f64, f64)> {
    let rect = find_state(root, name)?.query_selector(".box").ok()??;
    let num = |a: &str| {
        rect.get_attribute(a)
            .and_then(|v| v.parse::<f64>().ok())
            .unwrap_or(0.0)
    };
    Some((num("x") + num("width") / 2.0, num("y"), num("height")))
}

/// The overview of the drawing in `root`: a rectangle per state box, and the drawing's size.
fn minimap_boxes(root: &web_sys::HtmlDivElement) -> Option<(String, f64, f64)> {
    let svg = root.query_selector("svg").ok()??;
    let attr =
        |e: &web_sys::Element, a: &str| e.get_attribute(a).and_then(|v| v.parse::<f64>().ok());
    let (sw, sh) = (attr(&svg, "width")?, attr(&svg, "height")?);
    let list = root.query_selector_all("[data-state] > .box").ok()?;
    let mut out = String::new();
    for i in 0..list.length() {
        let Some(e) = list
            .item(i)
            .and_then(|n| n.dyn_into::<web_sys::Element>().ok())
        else {
            continue;
        };
        let container = e
            .parent_element()
            .is_some_and(|p| p.class_list().contains("container"));
        if let (Some(x), Some(y), Some(w), Some(h)) = (
            attr(&e, "x"),
            attr(&e, "y"),
            attr(&e, "width"),
            attr(&e, "height"),
        ) {
            out.push_str(&format!(
                r#"<rect class="{}" x="{x:.0}" y="{y:.0}" width="{w:.0}" height="{h:.0}"/>"#,
                if container {
                    "mm-container"
                } else {
                    "mm-state"
                }
            ));
        }
    }
    Some((out, sw, sh))
}

fn find_state(root: &web_sys::HtmlDivElement, name: &str) -> Option<web_sys::Element> {
    let list = root.query_selector_all("[data-state]").ok()?;
    for i in 0..list.length() {
        if let Some(e) = list
            .item(i)
            .and_then(|n| n.dyn_into::<web_sys::Element>().ok())
        {
            if e.get_attribute("data-state").as_deref() == Some(name) {
                return Some(e);
            }
        }
    }
    None
}

/// Drawings larger than this are put in the page progressively.
const PROGRESSIVE: usize = 256 * 1024;
/// About this much markup goes in the frame after the first (what the opening view shows), and
/// twice as much in each frame after that. Each slice waits for a frame and has a style and
/// layout pass of its own, so fewer, bigger slices finish sooner, while the frames right after
/// the opening view stay short.
const SLICE_BYTES: usize = 256 * 1024;

/// Puts slice `k` in the drawing's root, then the next one once it is painted, unless a newer
/// drawing has started meanwhile.
fn feed(
    el: web_sys::Element,
    slices: std::rc::Rc<Vec<Vec<(usize, String)>>>,
    k: usize,
    current: u64,
    generation: StoredValue<u64>,
    drawn: RwSignal<u64>,
) {
    if generation.try_get_value() != Some(current) {
        return;
    }
    let Some(root) = el.first_element_child() else {
        return;
    };
    for (layer, parts) in slices.get(k).into_iter().flatten() {
        if let Ok(Some(marker)) = root.query_selector(&format!("g[data-layer=\"{layer}\"]")) {
            let _ = marker.insert_adjacent_html("beforebegin", parts);
        }
    }
    if k == 0 {
        // What the opening view shows is in: the rest follows, a slice a frame.
        let _ = root.set_attribute("data-shown", "true");
        if let Some(p) = web_sys::window().and_then(|w| w.performance()) {
            let _ = p.mark("stepscope-drawing-shown");
        }
    }
    if k + 1 >= slices.len() {
        finish(&el, drawn);
        return;
    }
    // The next slice goes in after this one is painted (or after 250 ms in a hidden tab).
    super::browser::after_paint(
        move || feed(el, slices, k + 1, current, generation, drawn),
        std::time::Duration::from_millis(250),
    );
}

/// Marks the drawing complete: the overlay paints only complete drawings.
fn finish(el: &web_sys::Element, drawn: RwSignal<u64>) {
    if let Some(root) = el.first_element_child() {
        let _ = root.set_attribute("data-complete", "true");
    }
    // The app's drawing is in the page: the first view gives way to it.
    super::first_view::leave();
    drawn.try_update(|d| *d += 1);
}
