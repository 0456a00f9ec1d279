//! The Share and Embed dialogs: a link to this exact view (data in the fragment, which browsers
//! never send to a server), its length against what chat tools and browsers accept, redaction,
//! an `<iframe>` snippet, and a replay file for runs too big for a link.

use leptos::prelude::*;

use crate::pipeline::{length_advice, Redaction, Shared, ViewMode};

/// The page's address without its fragment: where links point.
pub fn base_url() -> String {
    web_sys::window()
        .and_then(|w| w.location().href().ok())
        .map(|h| h.split('#').next().unwrap_or("").to_string())
        .unwrap_or_default()
}

/// Starts a download of `text` as `name`.
pub fn download(name: &str, mime: &str, text: &str) {
    use wasm_bindgen::JsCast;
    let parts = js_sys::Array::of1(&wasm_bindgen::JsValue::from_str(text));
    let opts = web_sys::BlobPropertyBag::new();
    opts.set_type(mime);
    let Ok(blob) = web_sys::Blob::new_with_str_sequence_and_options(&parts, &opts) else {
        return;
    };
    let Ok(url) = web_sys::Url::create_object_url_with_blob(&blob) else {
        return;
    };
    if let Some(a) = web_sys::window()
        .and_then(|w| w.document())
        .and_then(|d| d.create_element("a").ok())
        .and_then(|a| a.dyn_into::<web_sys::HtmlAnchorElement>().ok())
    {
        a.set_href(&url);
        a.set_download(name);
        a.click();
    }
    let _ = web_sys::Url::revoke_object_url(&url);
}

/// Histories over this size are not offered for links.
const TOO_BIG: usize = 512 * 1024;

#[component]
pub fn ShareDialog(
    /// What the link would carry, without redaction.
    shared: Signal<Shared>,
    embed_snippet: bool,
    on_close: Callback<()>,
) -> impl IntoView {
    let has_run = shared.with_untracked(|s| s.history.is_some() || s.sim.is_some());
    let simulated = shared.with_untracked(|s| s.sim.is_some());
    // A run of megabytes can't go in a link (and compressing it would stall the page): it goes in
    // a replay file.
    let run_too_big =
        shared.with_untracked(|s| s.history.as_ref().is_some_and(|h| h.len() > TOO_BIG));
    let include_run = RwSignal::new(has_run && !run_too_big);
    let drop_payloads = RwSignal::new(true);
    let mask = RwSignal::new(true);
    let link = Memo::new(move |_| {
        let mut s = shared.get();
        if !include_run.get() {
            s.history = None;
            s.sim = None;
        }
        if embed_snippet {
            s.embed = true;
        }
        // Redaction is on by default when a history is included.
        let redact = if s.history.is_some() {
            Redaction {
                payloads: drop_payloads.get(),
                accounts: mask.get(),
            }
        } else {
            Redaction {
                payloads: false,
                accounts: mask.get() && include_run.get(),
            }
        };
        crate::pipeline::share_link(&base_url(), &s, redact)
    });
    let text = move || {
        let url = link.get();
        if embed_snippet {
            format!(
                r#"<iframe src="{}" width="100%" height="520" style="border:0" title="Stepscope" loading="lazy"></iframe>"#,
                url.replace('&', "&amp;").replace('"', "&quot;")
            )
        } else {
            url
        }
    };
    let length = move || link.with(|l| l.len());
    let length_class = move || match length() {
        0..=2000 => "length ok",
        2001..=4000 => "length warn",
        _ => "length bad",
    };
    let copy = move |_| {
        if let Some(w) = web_sys::window() {
            let _ = w.navigator().clipboard().write_text(&text());
        }
    };
    let download_file = move |_| {
        let s = shared.get_untracked();
        download(
            "run.stepscope.json",
            "application/json",
            &crate::pipeline::replay_file(&s),
        );
    };
    view! {
        <div class="dialog" role="dialog" aria-modal="true"
            aria-label=if embed_snippet { "Embed" } else { "Share" }
            data-testid=if embed_snippet { "embed-dialog" } else { "share-dialog" }>
            <div class="dialog-head">
                <h2>{if embed_snippet { "Embed this view" } else { "Share this view" }}</h2>
                <button class="close" title="Close (Esc)" on:click=move |_| on_close.run(())>"×"</button>
            </div>
            <p class="muted">"Everything is in the link's fragment (after #), which browsers never send to a server."</p>
            {simulated.then(|| view! {
                <label class="options"><input type="checkbox" prop:checked=move || include_run.get() on:change=move |ev| include_run.set(event_target_checked(&ev)) />" include the simulation"</label>
                <p class="muted" data-testid="share-simulated">"A simulated run: the link carries the definition, the input, the mocks and the seed, not the history, and simulates the run again when it is opened."</p>
            })}
            {(has_run && !simulated).then(|| view! {
                <fieldset class="options">
                    <label><input type="checkbox" prop:checked=move || include_run.get() prop:disabled=run_too_big on:change=move |ev| include_run.set(event_target_checked(&ev)) />
                        {if run_too_big { " include the run (too big for a link: download the replay file)" } else { " include the run" }}</label>
                    <label><input type="checkbox" data-testid="share-drop-payloads" prop:checked=move || drop_payloads.get() prop:disabled=move || !include_run.get() on:change=move |ev| drop_payloads.set(event_target_checked(&ev)) />" drop inputs and outputs"</label>
                    <label><input type="checkbox" prop:checked=move || mask.get() prop:disabled=move || !include_run.get() on:change=move |ev| mask.set(event_target_checked(&ev)) />" mask account ids"</label>
                </fieldset>
            })}
            <textarea class="share-text" readonly data-testid=if embed_snippet { "embed-snippet" } else { "share-link" } prop:value=text rows="4"></textarea>
            <div class="share-foot">
                <span data-testid="share-length" class=length_class>
                    {move || format!("{} characters: {}", length(), length_advice(length()))}
                </span>
                <button class="toggle" on:click=copy>"Copy"</button>
                {(has_run && !embed_snippet).then(|| view! { <button class="toggle" data-testid="download-replay" on:click=download_file>"Download replay file"</button> })}
            </div>
        </div>
    }
}

/// The view modes a link can ask for, as the app applies them.
pub fn view_class(v: ViewMode) -> &'static str {
    match v {
        ViewMode::Graph => "canvas view-graph",
        ViewMode::Timeline => "canvas view-timeline",
        ViewMode::Split => "canvas",
    }
}

/// Downloads a PNG of an SVG, drawn at twice its size.
pub fn download_png(name: String, svg: String) {
    use wasm_bindgen::JsCast;
    leptos::task::spawn_local(async move {
        let parts = js_sys::Array::of1(&wasm_bindgen::JsValue::from_str(&svg));
        let opts = web_sys::BlobPropertyBag::new();
        opts.set_type("image/svg+xml");
        let Ok(blob) = web_sys::Blob::new_with_str_sequence_and_options(&parts, &opts) else {
            return;
        };
        let Ok(url) = web_sys::Url::create_object_url_with_blob(&blob) else {
            return;
        };
        let Some(doc) = web_sys::window().and_then(|w| w.document()) else {
            return;
        };
        let Some(img) = doc
            .create_element("img")
            .ok()
            .and_then(|i| i.dyn_into::<web_sys::HtmlImageElement>().ok())
        else {
            return;
        };
        img.set_src(&url);
        let _ = wasm_bindgen_futures::JsFuture::from(img.decode()).await;
        let _ = web_sys::Url::revoke_object_url(&url);
        let (w, h) = (img.natural_width().max(1), img.natural_height().max(1));
        let Some(canvas) = doc
            .create_element("canvas")
            .ok()
            .and_then(|c| c.dyn_into::<web_sys::HtmlCanvasElement>().ok())
        else {
            return;
        };
        canvas.set_width(w * 2);
        canvas.set_height(h * 2);
        let Some(ctx) = canvas
            .get_context("2d")
            .ok()
            .flatten()
            .and_then(|c| c.dyn_into::<web_sys::CanvasRenderingContext2d>().ok())
        else {
            return;
        };
        let _ = ctx.draw_image_with_html_image_element_and_dw_and_dh(
            &img,
            0.0,
            0.0,
            f64::from(w * 2),
            f64::from(h * 2),
        );
        if let Ok(data) = canvas.to_data_url_with_type("image/png") {
            if let Some(a) = doc
                .create_element("a")
                .ok()
                .and_then(|a| a.dyn_into::<web_sys::HtmlAnchorElement>().ok())
            {
                a.set_href(&data);
                a.set_download(&name);
                a.click();
            }
        }
    });
}
