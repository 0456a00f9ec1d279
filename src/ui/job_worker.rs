//! The page's side of the second module's Web Worker (`sim-worker.js`, which loads the
//! simulator's own wasm). The simulator ([`super::sim_client`]) and the reader of many runs
//! ([`super::runs_client`]) each start one the first time they are used, so the first view
//! carries neither engine. Only the latest request's answer is delivered: a request sent while
//! another is unanswered replaces it.

use std::cell::RefCell;
use std::thread::LocalKey;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

pub type Done = Box<dyn FnOnce(Result<String, String>)>;
pub type Progress = std::rc::Rc<dyn Fn(usize, usize)>;

/// A started worker and the request it is answering.
pub struct Client {
    worker: web_sys::Worker,
    next: u32,
    waiting: Option<Waiting>,
    _on_message: Closure<dyn FnMut(web_sys::MessageEvent)>,
    _on_error: Closure<dyn FnMut(web_sys::Event)>,
}

struct Waiting {
    id: u32,
    progress: Option<Progress>,
    done: Done,
}

/// Where a channel keeps its worker: a `thread_local!` of its own.
pub type Slot = LocalKey<RefCell<Option<Client>>>;

/// One use of the worker: where it is kept, and what it is called in messages ("the
/// simulator").
pub struct Channel {
    pub slot: &'static Slot,
    pub what: &'static str,
}

fn field(o: &JsValue, key: &str) -> Option<JsValue> {
    js_sys::Reflect::get(o, &JsValue::from_str(key))
        .ok()
        .filter(|v| !v.is_undefined())
}

impl Channel {
    fn take(&self) -> Option<Client> {
        self.slot.with(|c| c.borrow_mut().take())
    }

    fn on_message(&'static self, ev: web_sys::MessageEvent) {
        let data = ev.data();
        let Some(id) = field(&data, "id").and_then(|v| v.as_f64()) else {
            return;
        };
        let id = id as u32;
        if let Some(p) = field(&data, "progress") {
            let arr = js_sys::Array::from(&p);
            let (read, total) = (
                arr.get(0).as_f64().unwrap_or(0.0) as usize,
                arr.get(1).as_f64().unwrap_or(0.0) as usize,
            );
            // Called with nothing borrowed: it may start another request.
            let progress = self.slot.with(|c| {
                let c = c.borrow();
                let w = c.as_ref().and_then(|c| c.waiting.as_ref())?;
                w.progress.clone().filter(|_| w.id == id)
            });
            if let Some(progress) = progress {
                progress(read, total);
            }
            return;
        }
        let done = self.slot.with(|c| {
            let mut c = c.borrow_mut();
            let client = c.as_mut()?;
            match client.waiting.take() {
                Some(w) if w.id == id => Some(w.done),
                other => {
                    client.waiting = other;
                    None
                }
            }
        });
        let error = field(&data, "error").and_then(|v| v.as_string());
        if error.is_some() {
            // The worker closed itself after a trap: it goes before `done` hears of it, so a
            // request `done` sends starts a new one.
            if let Some(c) = self.take() {
                c.worker.terminate();
                if let Some(w) = c.waiting {
                    (w.done)(Err(format!(
                        "{} stopped while answering an earlier request",
                        self.what
                    )));
                }
            }
        }
        if let Some(done) = done {
            match &error {
                Some(e) => done(Err(format!("{} stopped: {e}", self.what))),
                None => done(
                    field(&data, "result")
                        .and_then(|v| v.as_string())
                        .ok_or_else(|| format!("{} gave no answer", self.what)),
                ),
            }
        }
    }

    /// Stops the worker without answering its request: it may be deep in a big job.
    pub fn drop_unanswered(&self) {
        if let Some(c) = self.take() {
            c.worker.terminate();
        }
    }

    fn start(&'static self) -> Result<Client, String> {
        let opts = web_sys::WorkerOptions::new();
        opts.set_type(web_sys::WorkerType::Module);
        let worker =
            web_sys::Worker::new_with_options(&super::browser::file("sim-worker.js"), &opts)
                .map_err(|e| format!("{} could not start: {e:?}", self.what))?;
        let on_message =
            Closure::<dyn FnMut(web_sys::MessageEvent)>::new(move |ev| self.on_message(ev));
        worker.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
        let on_error = Closure::<dyn FnMut(web_sys::Event)>::new(move |e: web_sys::Event| {
            e.prevent_default();
            let message = super::browser::worker_error(&e);
            if let Some(c) = self.take() {
                c.worker.terminate();
                if let Some(w) = c.waiting {
                    (w.done)(Err(format!("{} could not load: {message}", self.what)));
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

    /// Sends a message of these fields (and an `id`) to the worker, started on first use.
    /// `progress` hears its `{ id, progress: [done, total] }` reports; `done` gets its
    /// `{ id, result }` text, or why there is none. An older unanswered request is dropped.
    pub fn send(&'static self, fields: &[(&str, JsValue)], progress: Option<Progress>, done: Done) {
        let mut handlers = Some((progress, done));
        let sent = self.slot.with(|c| {
            let mut c = c.borrow_mut();
            if c.is_none() {
                *c = Some(self.start()?);
            }
            let client = c
                .as_mut()
                .ok_or_else(|| format!("{} could not start", self.what))?;
            let id = client.next;
            client.next += 1;
            let msg = js_sys::Object::new();
            let _ = js_sys::Reflect::set(&msg, &JsValue::from_str("id"), &JsValue::from(id));
            for (k, v) in fields {
                let _ = js_sys::Reflect::set(&msg, &JsValue::from_str(k), v);
            }
            client
                .worker
                .post_message(&msg)
                .map_err(|e| format!("{} refused the request: {e:?}", self.what))?;
            if let Some((progress, done)) = handlers.take() {
                client.waiting = Some(Waiting { id, progress, done });
            }
            Ok::<(), String>(())
        });
        if let (Err(e), Some((_, done))) = (sent, handlers) {
            done(Err(e));
        }
    }
}
