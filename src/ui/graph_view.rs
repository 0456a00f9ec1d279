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
        match split_drawing(&text).filter(|_| text.len() > PROGRESSIVE) {
            None => {
                el.set_inner_html(&text);
                finish(&el, drawn);
            }
            Some((shell, slices)) => {
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
    // True while the view is as "fit" left it: then a change of the pane's size fits again.
    let fitted = StoredValue::new(true);

    // Brings a state to the middle of the view (when `only_if_hidden`, only if it is out of it).
    let centre = move |name: &str, only_if_hidden: bool| {
        let Some(el) = host.get_untracked() else {
            return;
        };
        let Some(rect) =
            find_state(&el, name).and_then(|n| n.query_selector(".box").ok().flatten())
        else {
            return;
        };
        let num = |a: &str| {
            rect.get_attribute(a)
                .and_then(|v| v.parse::<f64>().ok())
                .unwrap_or(0.0)
        };
        let (cx, cy) = (
            num("x") + num("width") / 2.0,
            num("y") + num("height") / 2.0,
        );
        let s = scale.get_untracked();
        let (w, h) = (f64::from(el.client_width()), f64::from(el.client_height()));
        let (ox, oy) = offset.get_untracked();
        let (x, y) = (ox + cx * s, oy + cy * s);
        if only_if_hidden && x > 20.0 && x < w - 20.0 && y > 20.0 && y < h - 20.0 {
            return;
        }
        offset.set((w / 2.0 - cx * s, h / 2.0 - cy * s));
        fitted.set_value(false);
    };
    let fit = move || {
        let Some(el) = host.get_untracked() else {
            return;
        };
        let Some(svg_el) = el.query_selector("svg").ok().flatten() else {
            return;
        };
        let (w, h) = (f64::from(el.client_width()), f64::from(el.client_height()));
        let sw: f64 = svg_el
            .get_attribute("width")
            .and_then(|v| v.parse().ok())
            .unwrap_or(w);
        let sh: f64 = svg_el
            .get_attribute("height")
            .and_then(|v| v.parse().ok())
            .unwrap_or(h);
        let s = ((w - 32.0) / sw).min((h - 32.0) / sh).clamp(0.1, 1.5);
        scale.set(s);
        offset.set(((w - sw * s) / 2.0, 16.0));
        fitted.set_value(true);
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
            if fitted.try_get_value().unwrap_or(false) {
                fit();
            } else if let Some(name) = &name {
                centre(name, true);
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
            if fitted.try_get_value().unwrap_or(false) {
                fit();
            }
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
            request_animation_frame(fit);
        }
        current
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
        // Zoom about the pointer.
        let (px, py) = (f64::from(ev.offset_x()), f64::from(ev.offset_y()));
        let _ = (px, py);
        offset.set((ox, oy));
        scale.set(ns);
        fitted.set_value(false);
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
                fitted.set_value(false);
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
            fitted.set_value(false);
            scale.update(|s| *s = (*s * 1.2).min(4.0))
        }
        "-" | "_" => {
            fitted.set_value(false);
            scale.update(|s| *s = (*s / 1.2).max(0.1))
        }
        "0" => fit(),
        _ => {}
    };
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
            <div class="zoom-controls">
                <button title="Zoom in (+)" on:click=move |_| { fitted.set_value(false); scale.update(|s| *s = (*s * 1.2).min(4.0)) }>"+"</button>
                <button title="Zoom out (-)" on:click=move |_| { fitted.set_value(false); scale.update(|s| *s = (*s / 1.2).max(0.1)) }>"−"</button>
                <button title="Fit (0)" on:click=move |_| fit()>"Fit"</button>
            </div>
        </div>
    }
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
/// Top-level elements per frame.
const SLICE: usize = 150;

fn split_drawing(svg: &str) -> Option<(String, Vec<String>)> {
    let (shell, parts) = crate::svg::split_top_level(svg)?;
    Some((shell, parts.chunks(SLICE).map(|c| c.concat()).collect()))
}

/// Appends slice `k` to the drawing's root, then the next one a frame later, unless a newer
/// drawing has started meanwhile.
fn feed(
    el: web_sys::Element,
    slices: std::rc::Rc<Vec<String>>,
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
    if let Some(slice) = slices.get(k) {
        let _ = root.insert_adjacent_html("beforeend", slice);
    }
    if k + 1 >= slices.len() {
        finish(&el, drawn);
        return;
    }
    request_animation_frame(move || feed(el, slices, k + 1, current, generation, drawn));
}

/// Marks the drawing complete: the overlay paints only complete drawings.
fn finish(el: &web_sys::Element, drawn: RwSignal<u64>) {
    if let Some(root) = el.first_element_child() {
        let _ = root.set_attribute("data-complete", "true");
    }
    drawn.try_update(|d| *d += 1);
}
