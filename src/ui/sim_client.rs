//! The page's side of the simulator's Web Worker (`sim-worker.js`, which loads the simulator's own
//! wasm). The worker starts the first time someone runs a simulation, so the first view carries
//! no engine. Only the latest request's answer is delivered: a run asked for while another is
//! going replaces it.

use std::cell::RefCell;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

type Done = Box<dyn FnOnce(Result<String, String>)>;

struct Client {
    worker: web_sys::Worker,
    next: u32,
    /// The latest request and what to do with its answer.
    waiting: Option<(u32, Done)>,
    _on_message: Closure<dyn FnMut(web_sys::MessageEvent)>,
    _on_error: Closure<dyn FnMut(web_sys::ErrorEvent)>,
}

thread_local! {
    static CLIENT: RefCell<Option<Client>> = const { RefCell::new(None) };
}

fn field(o: &JsValue, key: &str) -> Option<JsValue> {
    js_sys::Reflect::get(o, &JsValue::from_str(key))
        .ok()
        .filter(|v| !v.is_undefined())
}

fn on_message(ev: web_sys::MessageEvent) {
    let data = ev.data();
    let Some(id) = field(&data, "id").and_then(|v| v.as_f64()) else {
        return;
    };
    let done = CLIENT.with(|c| {
        let mut c = c.borrow_mut();
        let client = c.as_mut()?;
        match client.waiting.take() {
            Some((want, done)) if want == id as u32 => Some(done),
            other => {
                client.waiting = other;
                None
            }
        }
    });
    let error = field(&data, "error").and_then(|v| v.as_string());
    if let Some(done) = done {
        match &error {
            Some(e) => done(Err(format!("the simulator stopped: {e}"))),
            None => done(
                field(&data, "result")
                    .and_then(|v| v.as_string())
                    .ok_or_else(|| "the simulator gave no answer".to_string()),
            ),
        }
    }
    if error.is_some() {
        // The worker closed itself after a trap: the next run starts a new one.
        stop();
    }
}

fn stop() {
    let client = CLIENT.with(|c| c.borrow_mut().take());
    if let Some(c) = client {
        c.worker.terminate();
        if let Some((_, done)) = c.waiting {
            done(Err("the simulator stopped".into()));
        }
    }
}

fn start() -> Result<Client, String> {
    let opts = web_sys::WorkerOptions::new();
    opts.set_type(web_sys::WorkerType::Module);
    let worker = web_sys::Worker::new_with_options(&super::browser::file("sim-worker.js"), &opts)
        .map_err(|e| format!("the simulator could not start: {e:?}"))?;
    let on_message = Closure::<dyn FnMut(web_sys::MessageEvent)>::new(on_message);
    worker.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
    let on_error = Closure::<dyn FnMut(web_sys::ErrorEvent)>::new(|e: web_sys::ErrorEvent| {
        e.prevent_default();
        let message = e.message();
        let client = CLIENT.with(|c| c.borrow_mut().take());
        if let Some(c) = client {
            c.worker.terminate();
            if let Some((_, done)) = c.waiting {
                done(Err(format!("the simulator could not load: {message}")));
            }
        }
    });
    worker.set_onerror(Some(on_error.as_ref().unchecked_ref()));
    Ok(Client {
        worker,
        next: 1,
        waiting: None,
        _on_message: on_message,
        _on_error: on_error,
    })
}

/// Sends a simulation request (JSON text) to the worker, started on first use; `done` gets the
/// response's JSON text, or why there is none. A later request replaces an unanswered one.
pub fn simulate(request: String, done: impl FnOnce(Result<String, String>) + 'static) {
    let mut done: Option<Done> = Some(Box::new(done));
    let sent = CLIENT.with(|c| {
        let mut c = c.borrow_mut();
        if c.is_none() {
            *c = Some(start()?);
        }
        let client = c.as_mut().ok_or("the simulator could not start")?;
        let id = client.next;
        client.next += 1;
        let msg = js_sys::Object::new();
        let _ = js_sys::Reflect::set(&msg, &JsValue::from_str("id"), &JsValue::from(id));
        let _ = js_sys::Reflect::set(
            &msg,
            &JsValue::from_str("request"),
            &JsValue::from_str(&request),
        );
        client
            .worker
            .post_message(&msg)
            .map_err(|e| format!("the simulator refused the run: {e:?}"))?;
        // The answer to an older request, if it comes, is not wanted any more.
        client.waiting = done.take().map(|d| (id, d));
        Ok::<(), String>(())
    });
    if let (Err(e), Some(done)) = (sent, done) {
        done(Err(e));
    }
}
