//! The keyboard: shortcuts work wherever the focus is, the page body included, except while
//! typing in an editor or a control. Which state an arrow key goes to is the core's decision
//! (`view::neighbour`).

use leptos::prelude::*;
use wasm_bindgen::JsCast;

use super::overlay;
use super::state::AppState;

/// Handles one key press on the window.
pub fn on_key(app: AppState, ev: web_sys::KeyboardEvent) {
    let AppState {
        selected,
        shown,
        replayed,
        t,
        playing,
        mode,
        snapshot_index,
        event_times,
        duration,
        dialog,
        show_help,
        ..
    } = app;
    let key = ev.key();
    if key == "Escape" {
        if dialog.get_untracked().is_some() {
            dialog.set(None);
            return;
        }
        selected.set(None);
        show_help.set(false);
        return;
    }
    // Typing in an editor or a control is not a shortcut.
    let typing = ev
        .target()
        .and_then(|t| t.dyn_into::<web_sys::Element>().ok())
        .is_some_and(|e| matches!(e.tag_name().as_str(), "TEXTAREA" | "INPUT" | "SELECT"));
    if typing {
        return;
    }
    match key.as_str() {
        "?" => show_help.update(|h| *h = !*h),
        " " if replayed.with_untracked(|r| r.is_some()) => {
            ev.prevent_default();
            if !playing.get_untracked() && t.get_untracked() >= duration.get_untracked() {
                t.set(0);
            }
            playing.update(|p| *p = !*p);
        }
        "f" => {
            // Jump to the first failure (or caught error) and select its state.
            let first = replayed.with_untracked(|r| {
                r.as_ref()
                    .and_then(|r| crate::pipeline::first_failure(&r.timeline))
            });
            if let Some((name, at)) = first {
                playing.set(false);
                t.set(at);
                selected.set(Some(name));
            }
        }
        "ArrowLeft" | "ArrowRight" if replayed.with_untracked(|r| r.is_some()) => {
            // With a run: the previous or next event; with Shift, state change.
            ev.prevent_default();
            let forward = key == "ArrowRight";
            let now = t.get_untracked();
            let next = if ev.shift_key() {
                snapshot_index.with_untracked(|ix| {
                    ix.as_ref()
                        .and_then(|ix| step_time(ix.change_times(), now, forward))
                })
            } else {
                // The run's event times, already sorted for the replay bar.
                event_times.with_untracked(|ts| step_time(ts.iter().copied(), now, forward))
            };
            if let Some(at) = next {
                playing.set(false);
                t.set(at);
            }
        }
        "h" if replayed.with_untracked(|r| r.is_some()) => mode.update(|m| {
            *m = if *m == overlay::Mode::Heat {
                overlay::Mode::Status
            } else {
                overlay::Mode::Heat
            }
        }),
        "c" if replayed.with_untracked(|r| r.is_some()) => mode.update(|m| {
            *m = if *m == overlay::Mode::Critical {
                overlay::Mode::Status
            } else {
                overlay::Mode::Critical
            }
        }),
        "ArrowDown" | "ArrowRight" | "ArrowUp" | "ArrowLeft" => {
            let forward = key == "ArrowDown" || key == "ArrowRight";
            let next = shown.with_untracked(|a| {
                a.machine.as_ref().and_then(|m| {
                    crate::pipeline::neighbour(m, selected.get_untracked().as_deref(), forward)
                })
            });
            if next.is_some() {
                ev.prevent_default();
                selected.set(next);
            }
        }
        "Enter" if selected.get_untracked().is_some() => {
            // Focus the panel, not its close button: Enter would press it.
            ev.prevent_default();
            if let Some(el) = web_sys::window()
                .and_then(|w| w.document())
                .and_then(|d| d.query_selector("[data-testid=inspector]").ok().flatten())
            {
                if let Ok(h) = el.dyn_into::<web_sys::HtmlElement>() {
                    let _ = h.focus();
                }
            }
        }
        _ => {}
    }
}

/// The first time after `now` (or the last before it) in a sorted sequence of times.
fn step_time(times: impl Iterator<Item = i64>, now: i64, forward: bool) -> Option<i64> {
    if forward {
        times.into_iter().find(|&x| x > now)
    } else {
        times.into_iter().filter(|&x| x < now).last()
    }
}
