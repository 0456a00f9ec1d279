//! The page's side of reading many runs: the files go to a Web Worker of their own (the second
//! module's, [`super::job_worker`]), which reads each file, adds it to its set and reports
//! progress; the answer is the [`crate::pipeline::RunsView`] of them all. The page's thread never
//! reads the files' text, so a thousand big histories leave it free. A new set replaces one
//! being read.

use super::job_worker::{Channel, Client};
use std::cell::RefCell;
use wasm_bindgen::JsValue;

thread_local! {
    static SLOT: RefCell<Option<Client>> = const { RefCell::new(None) };
}

static READER: Channel = Channel {
    slot: &SLOT,
    what: "the runs' reader",
};

/// Sends the files to the worker; `progress` hears (read, total) as it goes, `done` gets the
/// view's JSON text or why there is none.
pub fn read(
    files: &[(String, web_sys::File)],
    progress: impl Fn(usize, usize) + 'static,
    done: impl FnOnce(Result<String, String>) + 'static,
) {
    // A set still being read is dropped, unanswered: its worker may be deep in a big file.
    READER.drop_unanswered();
    let (list, paths) = (js_sys::Array::new(), js_sys::Array::new());
    for (p, f) in files {
        list.push(f);
        paths.push(&JsValue::from_str(p));
    }
    READER.send(
        &[("runs", list.into()), ("paths", paths.into())],
        Some(std::rc::Rc::new(progress)),
        Box::new(done),
    );
}
