//! The replay controls: a time cursor (play, pause, speed, scrubber) that drives the graph's
//! status classes. Only classes change per frame: nothing is parsed or laid out again.

use leptos::prelude::*;

use crate::replay::{SnapshotIndex, Timeline};

const SPEEDS: [f64; 7] = [0.25, 0.5, 1.0, 2.0, 5.0, 20.0, 100.0];

fn fmt_offset(ms: i64) -> String {
    if ms.abs() < 60_000 {
        format!("+{:.2} s", ms as f64 / 1000.0)
    } else {
        format!("+{}m {:05.2}s", ms / 60_000, (ms % 60_000) as f64 / 1000.0)
    }
}

/// Per state, the status class of its latest visit entered by t.
pub fn state_classes(tl: &Timeline, index: &SnapshotIndex, t: i64) -> Vec<(String, &'static str)> {
    let snap = index.snapshot_at(t);
    let mut out: Vec<(String, &'static str)> = Vec::new();
    for (v, s) in tl.visits.iter().zip(snap.status.iter()) {
        if v.entered_ms > t {
            continue;
        }
        match out.iter_mut().find(|(n, _)| *n == v.state) {
            Some(slot) => slot.1 = s.class(),
            None => out.push((v.state.clone(), s.class())),
        }
    }
    out
}

#[component]
pub fn ReplayBar(
    duration: Signal<i64>,
    start_ms: Signal<Option<i64>>,
    t: RwSignal<i64>,
    playing: RwSignal<bool>,
    speed: RwSignal<f64>,
) -> impl IntoView {
    // The clock: while playing, advance t by real time × speed.
    let last_tick = StoredValue::new(None::<f64>);
    let _ = leptos::leptos_dom::helpers::set_interval_with_handle(
        move || {
            if !playing.get_untracked() {
                last_tick.set_value(None);
                return;
            }
            let now = web_sys::window()
                .and_then(|w| w.performance())
                .map_or(0.0, |p| p.now());
            let dt = last_tick.get_value().map_or(16.0, |l| now - l);
            last_tick.set_value(Some(now));
            let end = duration.get_untracked();
            let next = t.get_untracked() + (dt * speed.get_untracked()).round() as i64;
            if next >= end {
                t.set(end);
                playing.set(false);
            } else {
                t.set(next);
            }
        },
        std::time::Duration::from_millis(16),
    );
    let toggle = move || {
        if !playing.get_untracked() && t.get_untracked() >= duration.get_untracked() {
            t.set(0);
        }
        playing.update(|p| *p = !*p);
    };
    let clock = move || {
        let off = fmt_offset(t.get());
        match start_ms.get() {
            Some(s) => format!("{off} · {}", crate::history::format_iso(s + t.get())),
            None => off,
        }
    };
    view! {
        <div class="replay-bar" data-testid="replay-bar">
            <button class="play" data-testid="play" title="Play or pause (Space)" aria-label=move || if playing.get() { "Pause" } else { "Play" }
                on:click=move |_| toggle()>
                {move || if playing.get() { "❚❚" } else { "▶" }}
            </button>
            <input class="scrubber" type="range" min="0" aria-label="Time"
                prop:max=move || duration.get().to_string()
                prop:value=move || t.get().to_string()
                on:input=move |ev| {
                    playing.set(false);
                    if let Ok(v) = event_target_value(&ev).parse::<i64>() { t.set(v); }
                } />
            <span class="clock" data-testid="clock">{clock}</span>
            <select class="speed" aria-label="Speed" on:change=move |ev| { if let Ok(v) = event_target_value(&ev).parse::<f64>() { speed.set(v); } }>
                {SPEEDS.iter().map(|s| view! { <option value=s.to_string() selected=*s == 1.0>{format!("{s}×")}</option> }).collect_view()}
            </select>
        </div>
    }
}
