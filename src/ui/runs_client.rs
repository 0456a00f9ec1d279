//! The page's side of reading many runs: the files go to a Web Worker of their own (the second
//! module's, `sim-worker.js`), which reads each file, adds it to its set and reports progress;
//! the answer is the [`crate::pipeline::RunsView`] of them all. The page's thread never reads the
//! files' text, so a thousand big histories leave it free. A new set replaces one being read.

use std::cell::RefCell;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

type Done = Box<dyn FnOnce(Result<String, String>)>;
type Progress = Box<dyn Fn(usize, usize)>;

struct Client {
    worker: web_sys::Worker,
    next: u32,
    waiting: Option<(u32, Progress, Done)>,
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
    let id = id as u32;
    if let Some(p) = field(&data, "progress") {
        let arr = js_sys::Array::from(&p);
        let (done, total) = (
            arr.get(0).as_f64().unwrap_or(0.0) as usize,
            arr.get(1).as_f64().unwrap_or(0.0) as usize,
        );
        CLIENT.with(|c| {
            if let Some((want, progress, _)) = c.borrow().as_ref().and_then(|c| c.waiting.as_ref())
            {
                if *want == id {
                    progress(done, total);
                }
            }
        });
        return;
    }
    let done = CLIENT.with(|c| {
        let mut c = c.borrow_mut();
        let client = c.as_mut()?;
        match client.waiting.take() {
            Some((want, _, done)) if want == id => Some(done),
            other => {
                client.waiting = other;
                None
            }
        }
    });
    let error = field(&data, "error").and_then(|v| v.as_string());
    if let Some(done) = done {
        match &error {
            Some(e) => done(Err(format!("reading the runs stopped: {e}"))),
            None => done(
                field(&data, "result")
                    .and_then(|v| v.as_string())
                    .ok_or_else(|| "the runs' reader gave no answer".to_string()),
            ),
        }
    }
    if error.is_some() {
        stop();
    }
}

/// Stops the worker (a set being read is dropped).
pub fn stop() {
    let client = CLIENT.with(|c| c.borrow_mut().take());
    if let Some(c) = client {
        c.worker.terminate();
        if let Some((_, _, done)) = c.waiting {
            done(Err("reading the runs was stopped".into()));
        }
    }
}

fn start() -> Result<Client, String> {
    let opts = web_sys::WorkerOptions::new();
    opts.set_type(web_sys::WorkerType::Module);
    let worker = web_sys::Worker::new_with_options(&super::browser::file("sim-worker.js"), &opts)
        .map_err(|e| format!("the runs' reader could not start: {e:?}"))?;
    let on_message = Closure::<dyn FnMut(web_sys::MessageEvent)>::new(on_message);
    worker.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
    let on_error = Closure::<dyn FnMut(web_sys::ErrorEvent)>::new(|e: web_sys::ErrorEvent| {
        e.prevent_default();
        let message = e.message();
        let client = CLIENT.with(|c| c.borrow_mut().take());
        if let Some(c) = client {
            c.worker.terminate();
            if let Some((_, _, done)) = c.waiting {
                done(Err(format!("the runs' reader could not load: {message}")));
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

/// Sends the files to the worker; `progress` hears (read, total) as it goes, `done` gets the
/// view's JSON text or why there is none.
pub fn read(
    files: &[(String, web_sys::File)],
    progress: impl Fn(usize, usize) + 'static,
    done: impl FnOnce(Result<String, String>) + 'static,
) {
    // A set still being read is dropped, unanswered: its worker may be deep in a big file.
    if let Some(c) = CLIENT.with(|c| c.borrow_mut().take()) {
        c.worker.terminate();
    }
    let mut handlers: Option<(Progress, Done)> = Some((Box::new(progress), Box::new(done)));
    let (list, paths) = (js_sys::Array::new(), js_sys::Array::new());
    for (p, f) in files {
        list.push(f);
        paths.push(&JsValue::from_str(p));
    }
    let sent = CLIENT.with(|c| {
        let mut c = c.borrow_mut();
        if c.is_none() {
            *c = Some(start()?);
        }
        let client = c.as_mut().ok_or("the runs' reader could not start")?;
        let id = client.next;
        client.next += 1;
        let msg = js_sys::Object::new();
        let _ = js_sys::Reflect::set(&msg, &JsValue::from_str("id"), &JsValue::from(id));
        let _ = js_sys::Reflect::set(&msg, &JsValue::from_str("runs"), &list);
        let _ = js_sys::Reflect::set(&msg, &JsValue::from_str("paths"), &paths);
        client
            .worker
            .post_message(&msg)
            .map_err(|e| format!("the runs' reader refused the files: {e:?}"))?;
        if let Some((p, d)) = handlers.take() {
            client.waiting = Some((id, p, d));
        }
        Ok::<(), String>(())
    });
    if let (Err(e), Some((_, done))) = (sent, handlers) {
        done(Err(e));
    }
}
