//! The event list, in step with the time cursor: events up to t are marked, the latest one is
//! kept in view while following, and clicking an event moves the cursor to it. Filters by event
//! type and by state. Long runs show a window of events around the cursor.

use leptos::prelude::*;
use wasm_bindgen::JsCast;

use crate::pipeline::Replay;

/// How many events around the cursor are in the page at once.
const WINDOW: usize = 150;

type Row = (u64, i64, String, String);

/// The rows from `from` as one HTML string: scrubbing far moves the window every frame, and one
/// `innerHTML` costs far less than building a hundred elements with listeners.
fn rows_html(rs: &[Row], from: usize, cur: Option<usize>) -> String {
    use crate::pipeline::escape_xml as escape;
    use std::fmt::Write as _;
    let to = (from + WINDOW).min(rs.len());
    let mut out = String::with_capacity((to.saturating_sub(from)) * 160);
    for (k, (id, at, kind, state)) in rs.get(from..to).unwrap_or(&[]).iter().enumerate() {
        let i = from + k;
        let class = match cur {
            Some(c) if c == i => "event current",
            Some(c) if i < c => "event past",
            _ => "event",
        };
        let _ = write!(
            out,
            r#"<li class="{class}" data-event="{id}" data-at="{at}"><span class="ev-id">{id}</span><span class="ev-at">+{:.3} s</span><span class="ev-kind" title="{k}">{k}</span><span class="ev-state" title="{st}">{st}</span></li>"#,
            *at as f64 / 1000.0,
            k = escape(kind),
            st = escape(state)
        );
    }
    out
}

#[component]
pub fn EventList(
    replayed: RwSignal<Option<Replay>>,
    t: RwSignal<i64>,
    playing: RwSignal<bool>,
    /// Open, or folded to a narrow strip that gives its width to the chart.
    open: RwSignal<bool>,
) -> impl IntoView {
    let kind_filter = RwSignal::new(String::new());
    let state_filter = RwSignal::new(String::new());
    let follow = RwSignal::new(true);
    let list = NodeRef::<leptos::html::Ol>::new();
    // (index, id, +ms, type, state) of the events that pass the filters.
    let rows = Memo::new(move |_| {
        let kind = kind_filter.get().to_lowercase();
        let state = state_filter.get().to_lowercase();
        replayed.with(|r| {
            let Some(r) = r else { return Vec::new() };
            let tl = &r.timeline;
            tl.events
                .iter()
                .map(|e| {
                    (
                        e,
                        e.visit
                            .and_then(|v| tl.visits.get(v))
                            .map(|v| v.state.clone())
                            .unwrap_or_default(),
                    )
                })
                .filter(|(e, s)| {
                    (kind.is_empty() || e.kind.to_lowercase().contains(&kind))
                        && (state.is_empty() || s.to_lowercase().contains(&state))
                })
                .map(|(e, s)| (e.id, e.at_ms, e.kind.clone(), s))
                .collect::<Vec<_>>()
        })
    });
    // The last event at or before t, among the filtered ones.
    let current = Memo::new(move |_| {
        let now = t.get();
        rows.with(|rs| rs.partition_point(|r| r.1 <= now).checked_sub(1))
    });
    // The rows in the page change only when the cursor moves to another stretch of the list;
    // in between, a frame just moves the `current` and `past` classes.
    let window_start = Memo::new(move |_| {
        current
            .get()
            .map_or(0, |c| (c / (WINDOW / 3)) * (WINDOW / 3))
            .saturating_sub(WINDOW / 3)
    });
    Effect::new(move |_| {
        let cur = current.get();
        let from = window_start.get();
        request_animation_frame(move || {
            // The list may be gone by the next frame (a new run rebuilds it).
            let Some(ol) = list.try_get_untracked().flatten() else {
                return;
            };
            let items = ol.children();
            for k in 0..items.length() {
                let Some(li) = items.item(k) else { continue };
                let i = from + k as usize;
                let want = match cur {
                    Some(c) if c == i => "event current",
                    Some(c) if i < c => "event past",
                    _ => "event",
                };
                if li.class_name() != want {
                    li.set_class_name(want);
                }
            }
            if !follow.try_get_untracked().unwrap_or(false) {
                return;
            }
            if let Some(el) = ol
                .query_selector(".event.current")
                .ok()
                .flatten()
                .and_then(|e| e.dyn_into::<web_sys::HtmlElement>().ok())
            {
                let top = el.offset_top() - ol.client_height() / 2;
                ol.set_scroll_top(top.max(0));
            }
        });
    });
    // One listener for every row: the row says when it happened.
    let on_row = move |ev: web_sys::MouseEvent| {
        let at = ev
            .target()
            .and_then(|t| t.dyn_into::<web_sys::Element>().ok())
            .and_then(|e| e.closest("[data-at]").ok().flatten())
            .and_then(|e| e.get_attribute("data-at"))
            .and_then(|v| v.parse::<i64>().ok());
        if let Some(at) = at {
            playing.set(false);
            t.set(at);
        }
    };
    view! {
        <div class="event-list" data-testid="event-list" class:folded=move || !open.get()>
            <button class="fold-events" data-testid="events-toggle" title=move || if open.get() { "Fold the event list" } else { "Show the event list" }
                aria-expanded=move || open.get().to_string() on:click=move |_| open.update(|o| *o = !*o)>
                {move || if open.get() { "Events ⟩" } else { "⟨ Events" }}
            </button>
            <div class="event-filters">
                <input type="search" placeholder="Event type" aria-label="Filter by event type" on:input=move |ev| kind_filter.set(event_target_value(&ev)) />
                <input type="search" placeholder="State" aria-label="Filter by state" on:input=move |ev| state_filter.set(event_target_value(&ev)) />
                <label><input type="checkbox" prop:checked=move || follow.get() on:change=move |ev| follow.set(event_target_checked(&ev)) />" follow"</label>
            </div>
            <ol class="events" node_ref=list on:click=on_row
                inner_html=move || {
                    rows.track();
                    let cur = current.get_untracked();
                    let from = window_start.get();
                    rows.with(|rs| rows_html(rs, from, cur))
                }>
            </ol>
        </div>
    }
}
