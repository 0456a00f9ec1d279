//! Browser adapters: canvas text measurement for layout, in the page or in the worker.

use crate::pipeline::{EstimateMeasure, TextMeasure};
use std::cell::RefCell;
use std::collections::HashMap;
use wasm_bindgen::JsCast;

enum Context {
    Page(web_sys::CanvasRenderingContext2d),
    Worker(web_sys::OffscreenCanvasRenderingContext2d),
}

/// Measures text with a canvas 2D context in the page's font; falls back to the estimate.
/// Widths are measured once per character and font size and then summed: a label costs no call
/// into the browser once its characters are known (kerning is ignored, a pixel at most).
pub struct CanvasMeasure {
    ctx: Option<Context>,
    widths: RefCell<HashMap<(u32, char), f64>>,
    font: RefCell<u32>,
}

impl CanvasMeasure {
    pub fn new() -> Self {
        let page = web_sys::window()
            .and_then(|w| w.document())
            .and_then(|d| d.create_element("canvas").ok())
            .and_then(|c| c.dyn_into::<web_sys::HtmlCanvasElement>().ok())
            .and_then(|c| c.get_context("2d").ok().flatten())
            .and_then(|c| c.dyn_into::<web_sys::CanvasRenderingContext2d>().ok())
            .map(Context::Page);
        let ctx = page.or_else(|| {
            web_sys::OffscreenCanvas::new(1, 1)
                .ok()
                .and_then(|c| c.get_context("2d").ok().flatten())
                .and_then(|c| {
                    c.dyn_into::<web_sys::OffscreenCanvasRenderingContext2d>()
                        .ok()
                })
                .map(Context::Worker)
        });
        CanvasMeasure {
            ctx,
            widths: RefCell::new(HashMap::new()),
            font: RefCell::new(0),
        }
    }

    fn char_width(&self, ctx: &Context, c: char, font_px: f64) -> f64 {
        let key = ((font_px * 16.0) as u32, c);
        if let Some(w) = self.widths.borrow().get(&key) {
            return *w;
        }
        if *self.font.borrow() != key.0 {
            let font =
                format!("{font_px}px system-ui, -apple-system, \"Segoe UI\", Roboto, sans-serif");
            match ctx {
                Context::Page(c) => c.set_font(&font),
                Context::Worker(c) => c.set_font(&font),
            }
            *self.font.borrow_mut() = key.0;
        }
        let mut buf = [0u8; 4];
        let s = c.encode_utf8(&mut buf);
        let measured = match ctx {
            Context::Page(c) => c.measure_text(s).map(|m| m.width()),
            Context::Worker(c) => c.measure_text(s).map(|m| m.width()),
        };
        let w = match measured {
            Ok(w) if w.is_finite() => w,
            _ => EstimateMeasure.width(s, font_px),
        };
        self.widths.borrow_mut().insert(key, w);
        w
    }
}

impl TextMeasure for CanvasMeasure {
    fn width(&self, text: &str, font_px: f64) -> f64 {
        let Some(ctx) = &self.ctx else {
            return EstimateMeasure.width(text, font_px);
        };
        text.chars().map(|c| self.char_width(ctx, c, font_px)).sum()
    }
}

thread_local! {
    static MEASURE: CanvasMeasure = CanvasMeasure::new();
    /// Scope layouts by content, so typing in one branch doesn't lay out the others again.
    static LAYOUT_CACHE: RefCell<crate::pipeline::LayoutCache> = RefCell::new(Default::default());
}

/// Draws a definition's graph with its problems, as the page shows it: laid out with the canvas
/// measure and the layout cache of this thread (the page's or the worker's).
pub fn draw(
    a: &crate::pipeline::Analysis,
    opts: &crate::pipeline::LayoutOptions,
) -> Option<String> {
    draw_with_prefix(a, opts, "g")
}

/// [`draw`], with the drawing's ids under `prefix` (the first view's stay clear of the app's).
pub fn draw_with_prefix(
    a: &crate::pipeline::Analysis,
    opts: &crate::pipeline::LayoutOptions,
    prefix: &str,
) -> Option<String> {
    rendered(a, opts).map(|r| r.svg_with_problems(prefix, a))
}

/// The laid-out graph of a definition, as the page shows it.
pub fn rendered(
    a: &crate::pipeline::Analysis,
    opts: &crate::pipeline::LayoutOptions,
) -> Option<crate::pipeline::Rendered> {
    MEASURE.with(|measure| {
        LAYOUT_CACHE.with(|c| crate::pipeline::render_cached(a, opts, measure, &mut c.borrow_mut()))
    })
}

/// Keeps `width` at the inner width of `el` (without its scroll bar) as its size changes. The
/// observer is disconnected when the calling component goes; until then a change that races the
/// cleanup finds the signal gone and does nothing.
pub fn track_width(el: &web_sys::Element, width: leptos::prelude::RwSignal<f64>) {
    use leptos::prelude::*;
    use wasm_bindgen::JsCast;
    let target = el.clone();
    let on_resize = wasm_bindgen::closure::Closure::<dyn FnMut()>::new(move || {
        width.try_set(f64::from(target.client_width()));
    });
    let Ok(observer) = web_sys::ResizeObserver::new(on_resize.as_ref().unchecked_ref()) else {
        return;
    };
    observer.observe(el);
    width.try_set(f64::from(el.client_width()));
    let keep = send_wrapper::SendWrapper::new((observer, on_resize));
    on_cleanup(move || keep.0.disconnect());
}

/// Drops the share fragment from the address bar, so a reload opens the saved work.
pub fn clear_fragment() {
    let Some(w) = web_sys::window() else { return };
    let (Ok(path), Ok(search), Ok(history)) =
        (w.location().pathname(), w.location().search(), w.history())
    else {
        return;
    };
    let _ = history.replace_state_with_url(
        &wasm_bindgen::JsValue::NULL,
        "",
        Some(&format!("{path}{search}")),
    );
}

/// The address of one of the page's own files, by its plain name (`stepscope-web.js`,
/// `worker.js`…). A release build names them by their content (`.ci/post-build.mjs`), so a
/// browser never mixes a cached file with a newer page, and lists the names in the page's
/// `<meta name="stepscope-files" content="plain=hashed …">`; without it, the plain name.
pub fn file(name: &str) -> String {
    let hashed = web_sys::window()
        .and_then(|w| w.document())
        .and_then(|d| {
            d.query_selector("meta[name=stepscope-files]")
                .ok()
                .flatten()
        })
        .and_then(|m| m.get_attribute("content"))
        .and_then(|list| {
            list.split_whitespace()
                .filter_map(|pair| pair.split_once('='))
                .find(|(plain, _)| *plain == name)
                .map(|(_, hashed)| hashed.to_string())
        });
    hashed.unwrap_or_else(|| name.to_string())
}

/// Runs `f` once what is in the page now has been painted: after the next frame, in a task of
/// its own (in the frame's callback it would be laid out and painted with what came before). A
/// hidden tab or an offscreen frame paints no frames, so a timer of `fallback` runs it too;
/// whichever comes first runs it, once.
pub fn after_paint(f: impl FnOnce() + 'static, fallback: std::time::Duration) {
    use leptos::prelude::{request_animation_frame, set_timeout};
    let f = std::rc::Rc::new(std::cell::Cell::new(Some(f)));
    let once = move || {
        if let Some(f) = f.take() {
            f();
        }
    };
    let by_frame = once.clone();
    request_animation_frame(move || set_timeout(by_frame, std::time::Duration::ZERO));
    set_timeout(once, fallback);
}

/// What a worker's `error` event says. A script error is an `ErrorEvent` with a message; a module
/// worker whose file did not load gets a plain `Event` with none (after a deploy, an open tab
/// asks for files that are gone), so that case is named.
pub fn worker_error(e: &web_sys::Event) -> String {
    js_sys::Reflect::get(e, &wasm_bindgen::JsValue::from_str("message"))
        .ok()
        .and_then(|m| m.as_string())
        .filter(|m| !m.is_empty())
        .unwrap_or_else(|| {
            "its file did not load (if Stepscope was just updated, reload the page)".to_string()
        })
}
