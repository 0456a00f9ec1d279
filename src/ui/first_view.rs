//! The first view: what the page shows before the app has loaded. It is the page's first wasm
//! module (`stepscope-view`, `src/view_main.rs`), about a third of the app's size: it reads what
//! the page opens with (`state::opening`: a link, the saved work or the demo), draws its graph as
//! the app does (the same analysis, canvas measure, layout and framing), and then loads the app
//! (`stepscope-web`, `load_app.js`). The app mounts beneath this view and removes it
//! ([`leave`]) once its own drawing is in the page, so the swap shows no gap. Nothing here
//! replays, shares, exports or simulates: that is the rest of the app, fetched after the graph.

use leptos::prelude::*;
use wasm_bindgen::prelude::*;

use super::editors::BIG;
use super::{browser, graph_view, state};
use crate::pipeline;
use crate::pipeline::{Direction, LayoutOptions, SourceText};

#[wasm_bindgen(module = "/src/ui/load_app.js")]
extern "C" {
    /// Imports the app's module and starts it (its `main` mounts the app).
    fn load_app();
}

/// The root's id: the app removes it (see [`leave`]).
const ROOT: &str = "first-view";
/// The definition's first lines shown in the editors' place, as a preview: at most this many
/// lines and bytes (a minified definition is one long line).
const PREVIEW_LINES: usize = 80;
const PREVIEW_BYTES: usize = 16 * 1024;

/// Draws the first view, then loads the app once the graph has been painted.
pub fn start() {
    let open = state::opening();
    state::apply_theme(state::opening_theme(&open.link));
    let text = open.definition;
    let embed = open.embed;
    let big = text.len() > BIG;
    let empty = text.trim().is_empty();
    // A big definition is parsed and drawn in the app's worker, never on this thread.
    let analysis = (!big && !empty)
        .then(|| pipeline::analyze_machine(&SourceText::new("definition", text.clone()), None));
    let svg = analysis.as_ref().and_then(|a| {
        browser::draw_with_prefix(
            a,
            &LayoutOptions {
                direction: Direction::TopToBottom,
            },
            "f",
        )
    });
    let given = open.link.title.clone().filter(|_| open.from_link);
    let title = analysis.as_ref().map(|a| state::title_for(&text, given, a));
    let count = analysis.as_ref().and_then(|a| a.machine.as_ref()).map(|m| {
        let n = m.states.len();
        format!(" · {n} state{}", if n == 1 { "" } else { "s" })
    });
    let status = if big {
        format!(
            "Drawing the {} KB definition in the background…",
            text.len() / 1024
        )
    } else {
        "Loading…".to_string()
    };
    let preview = preview(&text);
    let host = NodeRef::<leptos::html::Div>::new();
    let drawing = svg.unwrap_or_default();
    let view = view! {
        <div id=ROOT class="first-view" class:embed=embed data-testid="first-view" aria-busy="true">
            {(!embed).then(|| view! {
                <header class="topbar">
                    <div class="brand">
                        <span class="logo" aria-hidden="true">"◆"</span>
                        <span class="brand-name">"Stepscope"</span>
                    </div>
                    <div class="machine-title">
                        <span class="machine-name">{title.clone()}</span>
                        <span class="muted">{count.clone()}</span>
                    </div>
                    <span class="status muted" role="status" data-testid="first-view-status">{status.clone()}</span>
                </header>
            })}
            <main class="workspace">
                {(!embed).then(|| view! {
                    <div class="editors">
                        <div class="pane-title">"Definition"</div>
                        <pre class="editor">{preview.clone()}</pre>
                    </div>
                })}
                <div class="first-graph" node_ref=host>
                    <div class="graph" inner_html=drawing.clone()></div>
                </div>
            </main>
        </div>
    };
    leptos::mount::mount_to_body(move || view);
    if let Some(el) = host.get_untracked() {
        frame(&el);
    }
    // The app is fetched once the graph has been painted (or after 200 ms in a hidden tab).
    browser::after_paint(load_app, std::time::Duration::from_millis(200));
}

/// The first lines of the definition, cut at [`PREVIEW_LINES`] lines or [`PREVIEW_BYTES`] bytes.
fn preview(text: &str) -> String {
    let mut end = text
        .match_indices('\n')
        .nth(PREVIEW_LINES - 1)
        .map_or(text.len(), |(i, _)| i);
    end = end.min(PREVIEW_BYTES);
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    text[..end].to_string()
}

/// Sets the drawing in its pane the way the app opens it (see `graph_view::opening_frame`).
fn frame(host: &web_sys::HtmlDivElement) {
    let Ok(Some(svg)) = host.query_selector("svg") else {
        return;
    };
    let attr = |a: &str| svg.get_attribute(a).and_then(|v| v.parse::<f64>().ok());
    let (Some(sw), Some(sh)) = (attr("width"), attr("height")) else {
        return;
    };
    let (w, h) = (
        f64::from(host.client_width()),
        f64::from(host.client_height()),
    );
    let graph_view::OpeningFrame { scale: s, x, y, .. } = graph_view::opening_frame(w, h, sw, sh);
    if let Ok(Some(g)) = host.query_selector(".graph") {
        let _ = g.set_attribute(
            "style",
            &format!(
                "transform: translate({x:.1}px, {y:.1}px) scale({s:.3}); transform-origin: 0 0;"
            ),
        );
    }
}

/// Takes the first view away, if it is still there: the app calls it once its drawing is in
/// the page, or once it knows it has none to make.
pub fn leave() {
    if let Some(el) = web_sys::window()
        .and_then(|w| w.document())
        .and_then(|d| d.get_element_by_id(ROOT))
    {
        el.remove();
    }
}
