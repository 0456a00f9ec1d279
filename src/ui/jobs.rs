//! The jobs: what runs behind the view. The history is rebuilt into a run (here, or in the Web
//! Worker when it is big), the definition is drawn (likewise), what was pasted is saved, the time
//! cursor and the overlay follow the run, and an embedded view talks to its host. Each job is an
//! effect over the app's state; callbacks that outlive a frame read it with `try_` accessors.

use leptos::prelude::*;
use std::time::Duration;
use wasm_bindgen::JsCast;

use super::editors::BIG;
use super::state::{apply_theme, AppState, Theme};
use super::{browser, embed_api, overlay, storage, worker};
use crate::pipeline;
use crate::pipeline::LayoutOptions;
use crate::pipeline::SourceText;

/// Starts every job. `first_history` is loaded a task after the first drawing, so the graph
/// shows first and the run a moment later (the editor has the text at once).
pub fn start(app: AppState, first_history: String) {
    let AppState {
        embed,
        definition,
        history,
        machine_pick,
        analysed,
        selected,
        notice,
        theme,
        pending_t,
        analysis,
        inferred,
        shown,
        replayed,
        busy,
        drawing,
        last_svg,
        drawn,
        mismatch_kept,
        t,
        playing,
        speed,
        mode,
        snapshot_index,
        overlay_index,
        duration,
        graph_text,
        direction,
        ..
    } = app;
    set_timeout(
        move || {
            // Unless something (a host's `load`, a drop) came first.
            if history.draft.with_untracked(|d| *d == first_history) {
                history.set_now(first_history);
            }
        },
        Duration::ZERO,
    );
    Effect::new(move |_| apply_theme(theme.get()));
    let replay_job = StoredValue::new(0u32);
    Effect::new(move |_| {
        let pick = machine_pick.get();
        let big = history.value.with(|h| h.len() > BIG);
        replay_job.update_value(|n| *n += 1);
        let job = replay_job.get_value();
        if history.value.with(|h| h.trim().is_empty()) {
            busy.set(None);
            replayed.set(None);
            app.history_problems.set(Vec::new());
            return;
        }
        let here = move || {
            let run = history.value.with_untracked(|h| {
                analysis.with_untracked(|a| {
                    pipeline::replay(&SourceText::new("history", h.clone()), a.machine.as_ref())
                })
            });
            app.history_problems.set(match &run {
                Ok(r) => r.diagnostics.clone(),
                Err(why) => why.clone(),
            });
            run.ok()
        };
        if !big {
            // A big definition still with the worker: the run waits for its machine, so it is
            // rebuilt once (a link's `t=` and a host's `seek` are not undone by a second replay).
            if app.reading.get() {
                return;
            }
            analysis.track();
            replayed.set(here());
            return;
        }
        let mb = history.value.with_untracked(|h| h.len() as f64 / 1e6);
        busy.set(Some(format!(
            "Reading the {mb:.1} MB history in the background…"
        )));
        let job_text = worker::Job::Replay {
            definition: definition.value.get(),
            pick,
            history: history.value.get_untracked(),
        };
        worker::submit(
            job_text,
            move |stage| {
                if replay_job.get_value() == job {
                    busy.set(Some(format!(
                        "Reading the {mb:.1} MB history in the background: {stage}…"
                    )));
                }
            },
            move |result| {
                if replay_job.get_value() != job {
                    return;
                }
                busy.set(None);
                let run = match result {
                    Ok(v) => {
                        let run = v
                            .clone()
                            .dyn_into::<js_sys::Uint8Array>()
                            .ok()
                            .and_then(|b| crate::pipeline::decode_replay(&b.to_vec()));
                        app.history_problems.set(match (&run, v.as_string()) {
                            (Some(r), _) => r.diagnostics.clone(),
                            (None, Some(why)) => {
                                vec![crate::pipeline::Diagnostic::error(
                                    crate::pipeline::DiagnosticCode::History,
                                    why,
                                    "",
                                    None,
                                )]
                            }
                            (None, None) => Vec::new(),
                        });
                        run
                    }
                    Err(e) => {
                        notice.set(Some(format!("{e}; reading the history here instead")));
                        here()
                    }
                };
                replayed.set(run);
            },
        );
    });
    let save_job = StoredValue::new(0u32);
    let save_pending = StoredValue::new(false);
    // Leaving the page with a save still waiting: it is written now.
    if !embed && !app.framed {
        let on_hide = window_event_listener(leptos::ev::pagehide, move |_| {
            if save_pending.try_get_value() == Some(true) && !app.other_tab.get_untracked() {
                save_pending.set_value(false);
                app.save_now();
            }
        });
        // A phone may discard a hidden tab without `pagehide`.
        let on_hidden = window_event_listener(leptos::ev::visibilitychange, move |_| {
            let hidden = web_sys::window()
                .and_then(|w| w.document())
                .is_some_and(|d| d.hidden());
            if hidden
                && save_pending.try_get_value() == Some(true)
                && !app.other_tab.get_untracked()
            {
                save_pending.set_value(false);
                app.save_now();
            }
        });
        on_cleanup(move || {
            on_hide.remove();
            on_hidden.remove();
        });
    }
    // Persist what was pasted, the definition and its run as one record. An embedded or framed
    // view never writes over what the user keeps here; a link's view starts saving once it is
    // edited (or kept). Writing megabytes to localStorage takes a while: in a task of its own.
    Effect::new(move |_| {
        definition.value.track();
        history.value.track();
        if embed || app.framed {
            return;
        }
        if !app.persist.get_untracked() {
            // Drafts, not values: the link's run reaches `history.value` a task after the first
            // drawing, and that is not an edit.
            let edited = app.link_texts.with_value(|l| {
                l.as_ref().is_some_and(|(d, h)| {
                    definition.draft.with_untracked(|v| v != d)
                        || history.draft.with_untracked(|v| v != h)
                })
            });
            if !edited {
                return;
            }
            // The link's view is the work now: a reload opens it as saved, not as the link.
            app.link_view.set(false);
            app.link_texts.set_value(None);
            app.persist.set(true);
            browser::clear_fragment();
        }
        if !app.other_tab.get_untracked() {
            // A big text waits until its drawing is in (its JSON and storage write take tens of
            // milliseconds); a newer edit restarts the wait.
            let big = definition.value.with_untracked(|d| d.len() > BIG)
                || history.value.with_untracked(|h| h.len() > BIG);
            save_job.update_value(|n| *n += 1);
            let job = save_job.get_value();
            let wait = if big {
                Duration::from_millis(2000)
            } else {
                Duration::ZERO
            };
            save_pending.set_value(true);
            set_timeout(
                move || {
                    if save_job.try_get_value() == Some(job) {
                        save_pending.try_set_value(false);
                        app.save_now();
                    }
                },
                wait,
            );
        }
    });
    // Another tab's save is announced, never mixed in: this tab holds its own until the user
    // picks (reload it here, or keep mine).
    if !embed && !app.framed {
        let listener = window_event_listener(leptos::ev::storage, move |ev| {
            if ev.key().as_deref() != Some(storage::WORK_KEY) || !app.persist.get_untracked() {
                return;
            }
            let Some(work) = ev.new_value().and_then(|v| storage::parse_work(&v)) else {
                return;
            };
            let theirs = storage::digest(&work.definition, &work.history);
            let ours = storage::digest(
                &definition.value.get_untracked(),
                &history.value.get_untracked(),
            );
            if work.tab != app.tab.get_value() && theirs != ours {
                app.other_tab.set(true);
            }
        });
        on_cleanup(move || listener.remove());
    }

    // The selection goes when its state does: the inspector never shows a state the graph lacks.
    Effect::new(move |_| {
        // While a big definition is with the worker the machine shown is the last one.
        if app.reading.get() {
            return;
        }
        let gone = shown.with(|a| {
            selected.with_untracked(|s| {
                s.as_ref()
                    .zip(a.machine.as_ref())
                    .is_some_and(|(n, m)| m.find(n).is_none())
            })
        });
        if gone {
            selected.set(None);
        }
    });
    // A new run is a new question: the mismatch note asks it again.
    Effect::new(move |_| {
        replayed.track();
        mismatch_kept.set(false);
    });
    let draw_job = StoredValue::new(0u32);
    Effect::new(move |_| {
        let opts = LayoutOptions {
            direction: direction.get(),
        };
        // A history pasted without a definition draws the states and transitions it shows.
        let from_run = inferred.with(Option::is_some);
        let big = !from_run && definition.value.with(|d| d.len() > BIG);
        draw_job.update_value(|n| *n += 1);
        if !big {
            let svg = shown.with(|a| browser::draw(a, &opts));
            match svg {
                Some(svg) => last_svg.set(svg),
                // Nothing to draw (the problems say why): the first view has nothing to wait for.
                None => request_animation_frame(super::first_view::leave),
            }
            drawing.set(None);
            return;
        }
        // The app's progress bar takes over from the first view's.
        request_animation_frame(super::first_view::leave);
        let job = draw_job.get_value();
        let kb = definition.value.with_untracked(|d| d.len() / 1024);
        let pick = machine_pick.get();
        drawing.set(Some(format!(
            "Drawing the {kb} KB definition in the background…"
        )));
        // What the worker found, or what this thread finds when the worker can't.
        let found = move |analysis: crate::pipeline::Analysis, pick: Option<String>| {
            analysed.set(Some(super::state::Analysed {
                definition: definition.value.get_untracked(),
                pick,
                analysis,
            }));
        };
        worker::submit(
            worker::Job::Draw {
                definition: definition.value.get_untracked(),
                pick: pick.clone(),
                direction: opts.direction,
            },
            move |stage| {
                if draw_job.get_value() == job {
                    drawing.set(Some(format!(
                        "Drawing the {kb} KB definition in the background: {stage}…"
                    )));
                }
            },
            move |result| {
                if draw_job.get_value() != job {
                    return;
                }
                drawing.set(None);
                let part = |v: &wasm_bindgen::JsValue, key: &str| {
                    js_sys::Reflect::get(v, &wasm_bindgen::JsValue::from_str(key)).ok()
                };
                let answer = result.and_then(|v| {
                    let a = part(&v, "analysis")
                        .and_then(|b| b.dyn_into::<js_sys::Uint8Array>().ok())
                        .and_then(|b| crate::pipeline::decode_analysis(&b.to_vec()))
                        .ok_or("the worker's analysis could not be read")?;
                    Ok((a, part(&v, "svg").and_then(|s| s.as_string())))
                });
                match answer {
                    Ok((a, svg)) => {
                        found(a, pick);
                        if let Some(svg) = svg {
                            last_svg.set(svg);
                        }
                    }
                    Err(e) => {
                        notice.set(Some(format!("{e}; drawing here instead")));
                        let a = definition.value.with_untracked(|text| {
                            crate::pipeline::analyze_machine(
                                &crate::pipeline::SourceText::new("definition", text.clone()),
                                pick.as_deref(),
                            )
                        });
                        if let Some(svg) = browser::draw(&a, &opts) {
                            last_svg.set(svg);
                        }
                        found(a, pick);
                    }
                }
            },
        );
    });
    // The time cursor: a new run opens at its end, showing how it finished.
    Effect::new(move |_| {
        playing.set(false);
        let end = duration.get();
        let from_link = if replayed.with_untracked(|r| r.is_some()) {
            pending_t.try_update_value(|p| p.take()).flatten()
        } else {
            None
        };
        t.set(from_link.map_or(end, |at| at.clamp(0, end)));
    });
    // The overlay at t: status, badges, progress, taken edges and tokens (not reached: dimmed).
    Effect::new(move |_| {
        drawn.track();
        let now = t.get();
        let m = mode.get();
        // Tokens take about a third of a second of wall time along their edge, at any speed.
        let token_ms = (350.0 * speed.get()).round() as i64;
        // Many runs shown: their marks take the graph, not the one run underneath.
        let many = app.cmp.many();
        let ov = replayed.with(|r| {
            snapshot_index.with(|ix| {
                overlay_index.with(|oi| match (r, ix, oi) {
                    (Some(r), Some(ix), Some(oi)) if !many => {
                        Some(oi.at(&r.timeline, ix, &ix.snapshot_at(now), now, token_ms))
                    }
                    _ => None,
                })
            })
        });
        request_animation_frame(move || {
            let perf = web_sys::window().and_then(|w| w.performance());
            let _ = perf.as_ref().map(|p| p.mark("stepscope-paint-start"));
            overlay_index.with_untracked(|oi| paint_overlay(ov.as_ref(), oi.as_ref(), m));
            if let Some(p) = perf {
                let _ = p.measure_with_start_mark("stepscope-paint", "stepscope-paint-start");
                p.clear_marks_with_mark_name("stepscope-paint-start");
                if p.get_entries_by_name("stepscope-paint").length() > 2000 {
                    p.clear_measures_with_measure_name("stepscope-paint");
                }
            }
        });
    });

    // The graph's text alternative, built in a task of its own. A machine of thousands waits for
    // its drawing to be wholly in (the list's layout would hold up the first slice's paint): the
    // next complete drawing after its analysis, or five seconds.
    let build_text = move || {
        set_timeout(
            move || {
                let list = analysis.with_untracked(|a| {
                    a.machine.as_ref().map_or_else(Vec::new, |m| {
                        m.states
                            .iter()
                            .map(|st| (st.name.clone(), crate::pipeline::describe_state(st)))
                            .collect()
                    })
                });
                graph_text.try_set(list);
            },
            Duration::ZERO,
        );
    };
    let text_waits = StoredValue::new(None::<(u64, u32)>);
    let text_job = StoredValue::new(0u32);
    Effect::new(move |_| {
        analysis.track();
        text_job.update_value(|n| *n += 1);
        let many =
            analysis.with_untracked(|a| a.machine.as_ref().is_some_and(|m| m.states.len() > 300));
        if !many {
            text_waits.set_value(None);
            build_text();
            return;
        }
        let job = text_job.get_value();
        text_waits.set_value(Some((drawn.get_untracked(), job)));
        set_timeout(
            move || {
                if text_waits
                    .try_get_value()
                    .flatten()
                    .is_some_and(|(_, j)| j == job)
                {
                    text_waits.set_value(None);
                    build_text();
                }
            },
            Duration::from_secs(5),
        );
    });
    Effect::new(move |_| {
        let now = drawn.get();
        if text_waits.get_value().is_some_and(|(at, _)| now > at) {
            text_waits.set_value(None);
            build_text();
        }
    });
    // Embedded (`embed=1`) in a frame: the host drives the view through postMessage (see
    // embed_api). Framed without it, the page listens to nothing and tells nothing.
    if embed && embed_api::framed() {
        embed_api::listen(move |action| match action {
            embed_api::Action::Load {
                definition: d,
                history: h,
                simulation: None,
            } => app.load(d.unwrap_or_default(), h.unwrap_or_default()),
            embed_api::Action::Load {
                definition: d,
                simulation: Some(case),
                ..
            } => {
                app.load(d.unwrap_or_default(), String::new());
                app.sim.fill(case);
                super::simulate::run(app, app.sim);
            }
            embed_api::Action::Seek(at) => {
                playing.set(false);
                t.set(at.clamp(0, duration.get_untracked()));
            }
            embed_api::Action::Select(name) => {
                // Without a drawing yet (a run alone, still being read) no name is refused.
                // Nor while a big definition is with the worker (the machine shown is the last one).
                let known = name.as_ref().is_none_or(|n| {
                    app.reading.get_untracked()
                        || shown.with_untracked(|a| {
                            a.machine.as_ref().is_none_or(|m| m.find(n).is_some())
                        })
                });
                if known {
                    selected.set(name);
                } else {
                    // The name is not echoed back: the host learns only that it is unknown.
                    embed_api::post(
                        "error",
                        Some((
                            "message",
                            "select: no state of that name in this definition".into(),
                        )),
                    );
                }
            }
            embed_api::Action::SetTheme(name) => theme.set(if name == "dark" {
                Theme::Dark
            } else {
                Theme::Light
            }),
        });
        // `ready` goes first: nothing else is sent before it.
        let ready = StoredValue::new(false);
        Effect::new(move |_| {
            let name = selected.get();
            if !ready.get_value() {
                return;
            }
            embed_api::post(
                "selectionChanged",
                Some((
                    "state",
                    name.map_or(wasm_bindgen::JsValue::NULL, |n| n.into()),
                )),
            );
        });
        // Time: every change while paused, at most ten a second while playing.
        let last_sent = StoredValue::new(0.0f64);
        Effect::new(move |_| {
            let now = t.get();
            if !ready.get_value() {
                return;
            }
            let clock = web_sys::window()
                .and_then(|w| w.performance())
                .map_or(0.0, |p| p.now());
            if playing.get_untracked() && clock - last_sent.get_value() < 100.0 {
                return;
            }
            last_sent.set_value(clock);
            embed_api::post("timeChanged", Some(("t", (now as f64).into())));
        });
        // After the first drawing and run: a host's `load` must come after them.
        set_timeout(
            move || {
                embed_api::post("ready", None);
                ready.set_value(true);
            },
            Duration::ZERO,
        );
    }
}

thread_local! {
    static PAINTER: std::cell::RefCell<Option<overlay::Painter>> = const { std::cell::RefCell::new(None) };
}

/// Runs `paint` with the painter of the drawing now in the graph pane, made once per drawing.
/// A fresh drawing carries no overlay and no marks: with nothing to paint (`something` false)
/// no painter is made for it.
fn with_painter(something: bool, paint: impl FnOnce(&mut overlay::Painter)) {
    let Some(root) = web_sys::window()
        .and_then(|w| w.document())
        .and_then(|d| d.query_selector("[data-testid=graph]").ok().flatten())
    else {
        return;
    };
    // A big drawing still arriving is painted once it is all there (the pane bumps `drawn`).
    let complete = root
        .first_element_child()
        .is_some_and(|svg| svg.has_attribute("data-complete"));
    if !complete {
        return;
    }
    PAINTER.with(|p| {
        let mut p = p.borrow_mut();
        if !p.as_ref().is_some_and(|p| p.is_for(&root)) {
            if !something {
                *p = None;
                return;
            }
            *p = Some(overlay::Painter::new(&root));
        }
        if let Some(p) = p.as_mut() {
            paint(p);
        }
    });
}

/// Paints the overlay on the graph.
fn paint_overlay(
    ov: Option<&crate::pipeline::Overlay>,
    oi: Option<&crate::pipeline::OverlayIndex>,
    mode: overlay::Mode,
) {
    with_painter(ov.is_some(), |p| p.paint(ov, oi, mode));
}

/// Paints the comparison views' marks on the graph (None: off), with the same painter.
pub fn paint_marks(marks: Option<&crate::pipeline::Marks>) {
    with_painter(marks.is_some(), |p| p.paint_marks(marks));
}
