//! Big inputs are parsed and laid out off the main thread. The worker is this same wasm, started
//! by `worker.js` without the UI (`src/main.rs` mounts nothing when there is no window), so it
//! costs no second download. Jobs go out as plain objects; a rebuilt run comes back in
//! [`crate::wire`]'s binary form, a drawing as its SVG text. The worker reports stages as it goes.

use std::cell::RefCell;
use std::collections::HashMap;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

use crate::pipeline;
use crate::pipeline::SourceText;
use crate::pipeline::{Direction, LayoutOptions};

/// A job for the worker.
pub enum Job {
    /// Rebuild a run; the definition (and machine pick) lets the timeline check it.
    Replay {
        definition: String,
        pick: Option<String>,
        history: String,
    },
    /// Parse, lay out and draw a definition.
    Draw {
        definition: String,
        pick: Option<String>,
        direction: Direction,
    },
}

fn get(o: &JsValue, key: &str) -> Option<String> {
    js_sys::Reflect::get(o, &JsValue::from_str(key))
        .ok()
        .and_then(|v| v.as_string())
}

fn set(o: &js_sys::Object, key: &str, value: &JsValue) {
    let _ = js_sys::Reflect::set(o, &JsValue::from_str(key), value);
}

impl Job {
    fn to_js(&self, id: u32) -> js_sys::Object {
        let o = js_sys::Object::new();
        set(&o, "id", &JsValue::from(id));
        let (kind, definition, pick) = match self {
            Job::Replay {
                definition,
                pick,
                history,
            } => {
                set(&o, "history", &JsValue::from_str(history));
                ("replay", definition, pick)
            }
            Job::Draw {
                definition,
                pick,
                direction,
            } => {
                let d = if *direction == Direction::LeftToRight {
                    "lr"
                } else {
                    "tb"
                };
                set(&o, "direction", &JsValue::from_str(d));
                ("draw", definition, pick)
            }
        };
        set(&o, "kind", &JsValue::from_str(kind));
        set(&o, "definition", &JsValue::from_str(definition));
        if let Some(p) = pick {
            set(&o, "pick", &JsValue::from_str(p));
        }
        o
    }
}

// ---- In the worker ----------------------------------------------------------------------------

fn post_stage(id: f64, stage: &str) {
    if let Ok(scope) = js_sys::global().dyn_into::<web_sys::DedicatedWorkerGlobalScope>() {
        let o = js_sys::Object::new();
        set(&o, "id", &JsValue::from(id));
        set(&o, "stage", &JsValue::from_str(stage));
        let _ = scope.post_message(&o);
    }
}

/// Runs one job inside the worker: a `Uint8Array` for a replay, a string for a drawing, or
/// undefined for a job it can't read.
pub fn run_job(job: &JsValue) -> JsValue {
    let id = js_sys::Reflect::get(job, &JsValue::from_str("id"))
        .ok()
        .and_then(|v| v.as_f64())
        .unwrap_or(0.0);
    let definition = get(job, "definition").unwrap_or_default();
    let pick = get(job, "pick");
    let analyze = |stage: &str| {
        post_stage(id, stage);
        pipeline::analyze_machine(
            &SourceText::new("definition", definition.clone()),
            pick.as_deref(),
        )
    };
    match get(job, "kind").as_deref() {
        Some("replay") => {
            let history = get(job, "history").unwrap_or_default();
            let a = (!definition.trim().is_empty()).then(|| analyze("reading the definition"));
            let machine = a.as_ref().and_then(|a| a.machine.as_ref());
            let r = pipeline::replay_with_progress(
                &SourceText::new("history", history),
                machine,
                &mut |stage| post_stage(id, stage),
            );
            match r {
                Ok(r) => {
                    post_stage(id, "sending");
                    js_sys::Uint8Array::from(crate::pipeline::encode_replay(&r).as_slice()).into()
                }
                // Why nothing could be read, for the page to show.
                Err(diags) => JsValue::from_str(
                    &diags
                        .iter()
                        .map(|d| d.message.as_str())
                        .collect::<Vec<_>>()
                        .join("\n"),
                ),
            }
        }
        Some("draw") => {
            let a = analyze("parsing");
            post_stage(id, "laying out");
            let opts = LayoutOptions {
                direction: if get(job, "direction").as_deref() == Some("lr") {
                    Direction::LeftToRight
                } else {
                    Direction::TopToBottom
                },
            };
            // The analysis too: the page never parses a big definition itself.
            let svg = super::browser::draw(&a, &opts);
            post_stage(id, "sending");
            let out = js_sys::Object::new();
            let bytes = js_sys::Uint8Array::from(crate::pipeline::encode_analysis(&a).as_slice());
            set(&out, "analysis", &bytes);
            set(
                &out,
                "svg",
                &svg.map_or(JsValue::NULL, |s| JsValue::from_str(&s)),
            );
            out.into()
        }
        _ => JsValue::UNDEFINED,
    }
}

// ---- In the page ------------------------------------------------------------------------------

type Progress = Box<dyn Fn(String)>;
type Done = Box<dyn FnOnce(Result<JsValue, String>)>;

struct Client {
    worker: web_sys::Worker,
    next: u32,
    waiting: HashMap<u32, (Progress, Done)>,
    _on_message: Closure<dyn FnMut(web_sys::MessageEvent)>,
    _on_error: Closure<dyn FnMut(web_sys::Event)>,
}

thread_local! {
    static CLIENT: RefCell<Option<Client>> = const { RefCell::new(None) };
}

/// The address of one of the app's files (the worker runs the app's own wasm).
fn app_file(name: &str) -> Option<String> {
    let base = web_sys::window()?.document()?.base_uri().ok()??;
    web_sys::Url::new_with_base(name, &base)
        .ok()
        .map(|u| u.href())
}

fn on_message(ev: web_sys::MessageEvent) {
    let data = ev.data();
    let Some(id) = js_sys::Reflect::get(&data, &JsValue::from_str("id"))
        .ok()
        .and_then(|v| v.as_f64())
    else {
        return;
    };
    let id = id as u32;
    if let Some(stage) = get(&data, "stage") {
        // Call the handler outside the borrow: it may start another job.
        let handlers = CLIENT.with(|c| c.borrow_mut().as_mut().and_then(|c| c.waiting.remove(&id)));
        if let Some((progress, done)) = handlers {
            progress(stage);
            CLIENT.with(|c| {
                if let Some(c) = c.borrow_mut().as_mut() {
                    c.waiting.insert(id, (progress, done));
                }
            });
        }
        return;
    }
    let handlers = CLIENT.with(|c| c.borrow_mut().as_mut().and_then(|c| c.waiting.remove(&id)));
    let error = get(&data, "error");
    if let Some((_, done)) = handlers {
        match &error {
            Some(e) => done(Err(e.clone())),
            None => done(Ok(js_sys::Reflect::get(
                &data,
                &JsValue::from_str("result"),
            )
            .unwrap_or(JsValue::NULL))),
        }
    }
    if let Some(e) = error {
        // The worker closed itself after a trap.
        fail_all(format!("the background worker stopped: {e}"));
    }
}

/// A failed worker fails every job it held and is dropped; the next job starts a new one.
fn fail_all(message: String) {
    let client = CLIENT.with(|c| c.borrow_mut().take());
    if let Some(c) = client {
        c.worker.terminate();
        for (_, (_, done)) in c.waiting {
            done(Err(message.clone()));
        }
    }
}

fn start() -> Result<Client, String> {
    let glue =
        app_file(&super::browser::file("stepscope-web.js")).ok_or("the page has no address")?;
    let wasm = app_file(&super::browser::file("stepscope-web_bg.wasm"))
        .ok_or("the page has no address")?;
    let opts = web_sys::WorkerOptions::new();
    opts.set_type(web_sys::WorkerType::Module);
    let worker = web_sys::Worker::new_with_options(&super::browser::file("worker.js"), &opts)
        .map_err(|e| format!("no worker: {e:?}"))?;
    let on_message = Closure::<dyn FnMut(web_sys::MessageEvent)>::new(on_message);
    worker.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
    let on_error = Closure::<dyn FnMut(web_sys::Event)>::new(|e: web_sys::Event| {
        fail_all(format!(
            "the background worker stopped: {}",
            super::browser::worker_error(&e)
        ));
    });
    worker.set_onerror(Some(on_error.as_ref().unchecked_ref()));
    let boot = js_sys::Object::new();
    let urls = js_sys::Object::new();
    set(&urls, "glue", &JsValue::from_str(&glue));
    set(&urls, "wasm", &JsValue::from_str(&wasm));
    set(&boot, "boot", &urls);
    worker
        .post_message(&boot)
        .map_err(|e| format!("no worker: {e:?}"))?;
    Ok(Client {
        worker,
        next: 1,
        waiting: HashMap::new(),
        _on_message: on_message,
        _on_error: on_error,
    })
}

/// Starts the worker ahead of its first job, so a big paste or drop doesn't wait for it to load
/// its wasm (about 300 ms here). The app calls it half a second after it starts (not in embeds).
pub fn warm_up() {
    CLIENT.with(|c| {
        let mut c = c.borrow_mut();
        if c.is_none() {
            *c = start().ok();
        }
    });
}

/// Sends a job to the worker (started on first use). `progress` hears each stage; `done` gets
/// the result, or the reason there is none (then the caller does the work itself).
pub fn submit(
    job: Job,
    progress: impl Fn(String) + 'static,
    done: impl FnOnce(Result<JsValue, String>) + 'static,
) {
    let mut handlers: Option<(Progress, Done)> = Some((Box::new(progress), Box::new(done)));
    let sent = CLIENT.with(|c| {
        let mut c = c.borrow_mut();
        if c.is_none() {
            *c = Some(start()?);
        }
        let client = c.as_mut().ok_or("no worker")?;
        let id = client.next;
        client.next += 1;
        client
            .worker
            .post_message(&job.to_js(id))
            .map_err(|e| format!("the worker refused the job: {e:?}"))?;
        if let Some(h) = handlers.take() {
            client.waiting.insert(id, h);
        }
        Ok::<(), String>(())
    });
    if let (Err(e), Some((_, done))) = (sent, handlers) {
        done(Err(e));
    }
}
