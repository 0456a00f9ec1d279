//! The Gantt pane: the chart of the run with a playhead synced to the time cursor. Containers
//! fold and unfold, a Map's iterations sort by start, duration or status, and the chart zooms and
//! pans (Ctrl+wheel or + − 0 to zoom, Shift+wheel, drag or [ ] to pan). Clicking a lane selects
//! its state and moves the cursor to the visit.

use leptos::prelude::*;
use std::collections::BTreeSet;
use wasm_bindgen::JsCast;

use crate::pipeline::Replay;
use crate::pipeline::{gantt, GanttOptions, SortBy, LABEL_W};

#[component]
pub fn TimelineView(
    replayed: RwSignal<Option<Replay>>,
    t: RwSignal<i64>,
    playing: RwSignal<bool>,
    selected: RwSignal<Option<String>>,
) -> impl IntoView {
    // The chart is drawn as wide as its pane, so Fit shows the whole run without scrolling.
    let width = RwSignal::new(0.0f64);
    let bars = NodeRef::<leptos::html::Div>::new();
    Effect::new(move |_| {
        if let Some(el) = bars.get() {
            super::browser::track_width(&el, width);
        }
    });
    let toggled = RwSignal::new(BTreeSet::<usize>::new());
    let sort = RwSignal::new(SortBy::Start);
    let window = RwSignal::new(None::<(i64, i64)>);
    let duration = move || {
        replayed.with_untracked(|r| r.as_ref().map_or(1, |r| r.timeline.duration_ms.max(1)))
    };
    // Drawn again only when the width, folds, sort or window change; the playhead moves over it.
    let chart = Memo::new(move |_| {
        let w = width.get();
        if w <= 0.0 {
            return None;
        }
        let opts = GanttOptions {
            width: w,
            window: window.get(),
            toggled: toggled.get(),
            sort: sort.get(),
        };
        replayed.with(|r| r.as_ref().map(|r| gantt(&r.timeline, &opts)))
    });
    let span = move || window.get_untracked().unwrap_or((0, duration()));
    let set_window = move |from: i64, to: i64| {
        let d = duration();
        let len = (to - from).clamp(10.min(d), d);
        let from = from.clamp(0, d - len);
        window.set(if len >= d {
            None
        } else {
            Some((from, from + len))
        });
    };
    let zoom = move |factor: f64, anchor: i64| {
        let (from, to) = span();
        let len = ((to - from) as f64 * factor).round() as i64;
        let k = (anchor - from) as f64 / (to - from).max(1) as f64;
        let from = anchor - (len as f64 * k).round() as i64;
        set_window(from, from + len);
    };
    let pan = move |by: i64| {
        let (from, to) = span();
        set_window(from + by, to + by);
    };
    // While playing, the window follows the playhead.
    Effect::new(move |_| {
        let now = t.get();
        if let Some((from, to)) = window.get_untracked() {
            if playing.get_untracked() && (now > to || now < from) {
                let len = to - from;
                set_window(now - len / 10, now - len / 10 + len);
            }
        }
    });
    let time_at = move |client_x: i32| -> Option<i64> {
        chart.with_untracked(|c| {
            let c = c.as_ref()?;
            let host = web_sys::window()?
                .document()?
                .query_selector("[data-testid=timeline] svg")
                .ok()??;
            let left = host.get_bounding_client_rect().left();
            let x = f64::from(client_x) - left;
            (x > LABEL_W).then(|| c.from_ms + ((x - c.x0) / c.scale).round() as i64)
        })
    };
    let drag = StoredValue::new(None::<(i32, i64, bool)>);
    let on_down = move |ev: web_sys::MouseEvent| {
        if ev.button() == 0 && time_at(ev.client_x()).is_some() {
            drag.set_value(Some((ev.client_x(), span().0, false)));
        }
    };
    let on_move = move |ev: web_sys::MouseEvent| {
        let Some((x0, from0, _)) = drag.get_value() else {
            return;
        };
        let dx = ev.client_x() - x0;
        if dx.abs() > 4 {
            drag.set_value(Some((x0, from0, true)));
            let scale = chart.with_untracked(|c| c.as_ref().map_or(1.0, |c| c.scale));
            let (from, to) = span();
            let from_new = from0 - (f64::from(dx) / scale).round() as i64;
            set_window(from_new, from_new + (to - from));
        }
    };
    let on_up = move |_| {
        // A drag that moved is not a click on a lane: the click handler checks this.
        if let Some((x, f, moved)) = drag.get_value() {
            drag.set_value(moved.then_some((x, f, true)));
        }
    };
    let on_click = move |ev: web_sys::MouseEvent| {
        if drag.get_value().is_some_and(|d| d.2) {
            drag.set_value(None);
            return;
        }
        drag.set_value(None);
        let target = ev
            .target()
            .and_then(|t| t.dyn_into::<web_sys::Element>().ok());
        let fold = target
            .as_ref()
            .and_then(|e| e.closest("[data-fold]").ok().flatten())
            .and_then(|e| e.get_attribute("data-fold"))
            .and_then(|v| v.parse::<usize>().ok());
        if let Some(i) = fold {
            toggled.update(|s| {
                if !s.remove(&i) {
                    s.insert(i);
                }
            });
            return;
        }
        let lane = target.and_then(|e| e.closest("[data-lane-state]").ok().flatten());
        if let Some(lane) = lane {
            let name = lane.get_attribute("data-lane-state");
            let visit = lane
                .get_attribute("data-visit")
                .and_then(|v| v.parse::<usize>().ok());
            let at = visit.and_then(|v| {
                replayed.with_untracked(|r| {
                    r.as_ref()
                        .and_then(|r| r.timeline.visits.get(v).map(|x| x.entered_ms))
                })
            });
            if let Some(at) = at {
                playing.set(false);
                t.set(at);
            }
            selected.set(name);
        }
    };
    let on_wheel = move |ev: web_sys::WheelEvent| {
        if ev.ctrl_key() || ev.meta_key() {
            ev.prevent_default();
            let anchor = time_at(ev.client_x()).unwrap_or_else(|| t.get_untracked());
            zoom(if ev.delta_y() > 0.0 { 1.25 } else { 0.8 }, anchor);
        } else if ev.shift_key() || ev.delta_x().abs() > ev.delta_y().abs() {
            ev.prevent_default();
            let d = if ev.delta_x() != 0.0 {
                ev.delta_x()
            } else {
                ev.delta_y()
            };
            let (from, to) = span();
            pan(((to - from) as f64 * d.signum() * 0.1).round() as i64);
        }
    };
    let on_key = move |ev: web_sys::KeyboardEvent| {
        let (from, to) = span();
        match ev.key().as_str() {
            "+" | "=" => zoom(0.8, t.get_untracked().clamp(from, to)),
            "-" | "_" => zoom(1.25, t.get_untracked().clamp(from, to)),
            "0" => window.set(None),
            "[" => pan(-(to - from) / 5),
            "]" => pan((to - from) / 5),
            _ => return,
        }
        ev.prevent_default();
        ev.stop_propagation();
    };
    view! {
        <div class="timeline-pane">
            <div class="timeline-tools">
                <span class="muted" data-testid="gantt-summary">{move || {
                    let timed = replayed.with(|r| r.as_ref().is_none_or(|r| r.timeline.timed));
                    chart.with(|c| c.as_ref().map(|c| if timed {
                        format!("{} lanes · +{:.2} s to +{:.2} s", c.lanes, c.from_ms as f64 / 1000.0, c.to_ms as f64 / 1000.0)
                    } else {
                        format!("{} lanes · events {} to {} · {}", c.lanes, c.from_ms, c.to_ms, crate::pipeline::UNTIMED)
                    }).unwrap_or_default())
                }}</span>
                <label>"Iterations by "
                    <select data-testid="gantt-sort" aria-label="Sort iterations" on:change=move |ev| sort.set(match event_target_value(&ev).as_str() {
                        "duration" => SortBy::Duration,
                        "status" => SortBy::Status,
                        _ => SortBy::Start,
                    })>
                        <option value="start">"start"</option>
                        <option value="duration">"duration"</option>
                        <option value="status">"status"</option>
                    </select>
                </label>
                <button class="toggle" title="Zoom out (−)" aria-label="Zoom out" on:click=move |_| { let (f, to) = span(); zoom(1.25, t.get_untracked().clamp(f, to)); }>"−"</button>
                <button class="toggle" title="Zoom in (+)" aria-label="Zoom in" data-testid="gantt-zoom-in" on:click=move |_| { let (f, to) = span(); zoom(0.8, t.get_untracked().clamp(f, to)); }>"+"</button>
                <button class="toggle" title="Whole run (0)" data-testid="gantt-fit" on:click=move |_| window.set(None)>"Fit"</button>
            </div>
            <div class="timeline" data-testid="timeline" tabindex="0" aria-label="Timeline: Ctrl+wheel or + − 0 to zoom, Shift+wheel, drag or [ ] to pan"
                on:click=on_click on:wheel=on_wheel on:mousedown=on_down on:mousemove=on_move on:mouseup=on_up on:keydown=on_key>
                <div class="gantt-bars" data-testid="gantt-bars" node_ref=bars>
                <div class="timeline-inner">
                    <div inner_html=move || chart.with(|c| c.as_ref().map(|c| c.svg.clone()).unwrap_or_default())></div>
                    <div class="playhead" style=move || {
                        let now = t.get();
                        chart.with(|c| match c {
                            Some(c) if now >= c.from_ms && now <= c.to_ms => format!("left:{:.1}px", c.x0 + (now - c.from_ms) as f64 * c.scale),
                            _ => "display:none".to_string(),
                        })
                    }></div>
                </div>
                </div>
            </div>
        </div>
    }
}
