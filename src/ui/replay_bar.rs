//! The replay controls: a time cursor (play, pause, speed, scrubber) that drives the graph's
//! status classes. Only classes change per frame: nothing is parsed or laid out again.

use leptos::prelude::*;

use super::overlay::Mode;

const SPEEDS: [f64; 7] = [0.25, 0.5, 1.0, 2.0, 5.0, 20.0, 100.0];

fn fmt_offset(ms: i64) -> String {
    if ms.abs() < 60_000 {
        format!("+{:.2} s", ms as f64 / 1000.0)
    } else {
        format!("+{}m {:05.2}s", ms / 60_000, (ms % 60_000) as f64 / 1000.0)
    }
}

#[component]
pub fn ReplayBar(
    duration: Signal<i64>,
    /// False when the history's timestamps are placeholders: times are then event order.
    timed: Signal<bool>,
    start_ms: Signal<Option<i64>>,
    t: RwSignal<i64>,
    playing: RwSignal<bool>,
    speed: RwSignal<f64>,
    mode: RwSignal<Mode>,
    /// Sorted times of the run's events, for compressing idle gaps.
    event_times: Memo<Vec<i64>>,
) -> impl IntoView {
    let compress = RwSignal::new(true);
    // The clock: while playing, advance t by real time × speed.
    let last_tick = StoredValue::new(None::<f64>);
    // The interval belongs to this bar: it is cleared when the bar goes (a new run makes a new
    // bar), and it reads its signals with `try_` so a tick that races the cleanup does nothing.
    let tick = leptos::leptos_dom::helpers::set_interval_with_handle(
        move || {
            if !playing.try_get_untracked().unwrap_or(false) {
                last_tick.set_value(None);
                return;
            }
            let now = web_sys::window()
                .and_then(|w| w.performance())
                .map_or(0.0, |p| p.now());
            let dt = last_tick
                .try_get_value()
                .flatten()
                .map_or(16.0, |l| now - l);
            last_tick.set_value(Some(now));
            let end = duration.get_untracked();
            let now_t = t.get_untracked();
            let step = (dt * speed.get_untracked()).round() as i64;
            let mut next = now_t + step;
            if compress.get_untracked() {
                // Nothing happens for more than a second and a half of wall time: skip ahead to
                // a quarter second before the next event.
                let upcoming = event_times
                    .with_untracked(|ts| ts.get(ts.partition_point(|&x| x <= now_t)).copied());
                if let Some(u) = upcoming {
                    let quarter = (250.0 * speed.get_untracked()) as i64;
                    if u - now_t > step.max(1) * 90 {
                        next = next.max(u - quarter);
                    }
                }
            }
            if next >= end {
                t.set(end);
                playing.set(false);
            } else {
                t.set(next);
            }
        },
        std::time::Duration::from_millis(16),
    )
    .ok();
    on_cleanup(move || {
        if let Some(h) = tick {
            h.clear();
        }
    });
    let toggle = move || {
        if !playing.get_untracked() && t.get_untracked() >= duration.get_untracked() {
            t.set(0);
        }
        playing.update(|p| *p = !*p);
    };
    let clock = move || {
        if !timed.get() {
            return format!(
                "event {} of {} · {}",
                t.get(),
                duration.get(),
                crate::pipeline::UNTIMED
            );
        }
        let off = fmt_offset(t.get());
        match start_ms.get() {
            Some(s) => format!("{off} · {}", crate::pipeline::format_iso(s + t.get())),
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
            <label class="compress" title="Skip stretches where nothing happens, such as long Waits">
                <input type="checkbox" data-testid="compress" prop:checked=move || compress.get() on:change=move |ev| compress.set(event_target_checked(&ev)) />
                " compress idle gaps"
            </label>
            <div class="modes" role="group" aria-label="Overlay">
                {[(Mode::Status, "Status", "mode-status", "Status of each state at t"), (Mode::Heat, "Heat", "mode-heat", "Colour by share of the run's time (h)"), (Mode::Critical, "Critical path", "mode-critical", "The visits that set the run's length (c)")]
                    .into_iter()
                    .map(|(m, label, id, title)| view! {
                        <button class="mode" data-testid=id title=title aria-pressed=move || (mode.get() == m).to_string()
                            on:click=move |_| mode.set(m)>{label}</button>
                    })
                    .collect_view()}
            </div>
            <select class="speed" aria-label="Speed" on:change=move |ev| { if let Ok(v) = event_target_value(&ev).parse::<f64>() { speed.set(v); } }>
                {SPEEDS.iter().map(|s| view! { <option value=s.to_string() selected=*s == 1.0>{format!("{s}×")}</option> }).collect_view()}
            </select>
        </div>
    }
}
