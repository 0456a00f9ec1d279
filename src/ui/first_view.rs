//! The first view: what the page shows before the app has loaded. It is the page's first wasm
//! module (`stepscope-view`, `src/view_main.rs`), about a third of the app's size: it reads what
//! the page opens with (`state::opening`: a link, the saved work or the demo), draws its graph as
//! the app does (the same analysis, canvas measure, layout and framing), and then loads the app
//! (`stepscope-web`, `load_app.js`). The app mounts beneath this view and removes it
//! ([`leave`]) once its own drawing is in the page, so the swap shows no gap. Nothing here
//! replays, shares, exports or simulates: that is the rest of the app, fetched after the graph.

use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

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
    let html = page(
        embed,
        title.as_deref().unwrap_or_default(),
        count.as_deref().unwrap_or_default(),
        &status,
        &preview(&text),
        svg.as_deref().unwrap_or_default(),
    );
    let doc = web_sys::window().and_then(|w| w.document());
    if let Some(body) = doc.as_ref().and_then(|d| d.body()) {
        let _ = body.insert_adjacent_html("beforeend", &html);
    }
    if let Some(host) = doc
        .and_then(|d| d.query_selector(".first-view .first-graph").ok().flatten())
        .and_then(|e| e.dyn_into::<web_sys::HtmlElement>().ok())
    {
        frame(&host);
    }
    // The app is fetched once the graph has been painted (or after 200 ms in a hidden tab).
    browser::after_paint(load_app, std::time::Duration::from_millis(200));
}

/// The first view's markup: a copy of the app's header and panes (none in an embed), the
/// definition's first lines and the drawing. Written as text, not as Leptos elements: nothing in
/// it changes, and the app replaces it whole.
fn page(embed: bool, title: &str, count: &str, status: &str, preview: &str, svg: &str) -> String {
    let e = crate::pipeline::escape_xml;
    let class = if embed {
        "first-view embed"
    } else {
        "first-view"
    };
    let mut out =
        format!(r#"<div id="{ROOT}" class="{class}" data-testid="first-view" aria-busy="true">"#);
    if !embed {
        out.push_str(&format!(
            concat!(
                r#"<header class="topbar"><div class="brand"><span class="logo" aria-hidden="true">◆</span>"#,
                r#"<span class="brand-name">Stepscope</span></div><div class="machine-title">"#,
                r#"<span class="machine-name">{}</span><span class="muted">{}</span></div>"#,
                r#"<span class="status muted" role="status" data-testid="first-view-status">{}</span></header>"#
            ),
            e(title),
            e(count),
            e(status)
        ));
    }
    out.push_str(r#"<main class="workspace">"#);
    if !embed {
        out.push_str(&format!(
            // A newline just after `<pre>` is dropped by the HTML parser: this one, not the text's.
            "<div class=\"editors\"><div class=\"pane-title\">Definition</div><pre class=\"editor\">\n{}</pre></div>",
            e(preview)
        ));
    }
    out.push_str(&format!(
        r#"<div class="first-graph"><div class="graph">{svg}</div></div></main></div>"#
    ));
    out
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
fn frame(host: &web_sys::HtmlElement) {
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
