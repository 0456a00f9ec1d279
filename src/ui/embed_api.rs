//! The postMessage API of an embedded view, modelled on draw.io's. The host sends
//! `{action: "load", definition?, history?}`, `{action: "seek", t}`, `{action: "select", state}` and
//! `{action: "setTheme", theme: "light" | "dark"}`; the frame sends `{event: "ready"}`,
//! `{event: "selectionChanged", state}`, `{event: "timeChanged", t}` and `{event: "error", message}`
//! (a `select` of a state the definition lacks). `ready` comes before any other event. The page
//! listens only with `embed=1`: framed without it, it hears nothing. Messages may be objects or
//! JSON strings. Only the parent window is heard, and only from the origin it loaded the frame from
//! (`document.referrer`), the frame's own origin, or the one a link names with `origin=`; anything
//! else, and anything malformed, is ignored with a console warning.

use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

/// A message from the host, read.
pub enum Action {
    Load {
        definition: Option<String>,
        history: Option<String>,
        /// `simulation: {input?, mocks?, testCase?, seed?}`: simulate instead of a history.
        simulation: Option<crate::pipeline::SimCase>,
    },
    Seek(i64),
    Select(Option<String>),
    SetTheme(String),
}

fn warn(text: &str) {
    web_sys::console::warn_1(&JsValue::from_str(&format!("stepscope: {text}")));
}

fn origin_of(url: &str) -> Option<String> {
    let url = web_sys::Url::new(url).ok()?;
    Some(url.origin()).filter(|o| o != "null")
}

/// The origins the frame listens to, and the one it answers.
fn origins() -> (Vec<String>, String) {
    let Some(w) = web_sys::window() else {
        return (Vec::new(), "*".into());
    };
    let doc = w.document();
    let parent = doc
        .as_ref()
        .map(|d| d.referrer())
        .and_then(|r| origin_of(&r));
    let own = w.location().origin().ok();
    let named = w.location().hash().ok().and_then(|h| {
        h.trim_start_matches('#')
            .split('&')
            .find_map(|p| p.strip_prefix("origin="))
            .and_then(|o| crate::pipeline::percent_decode(o).ok())
    });
    let answer = named
        .clone()
        .or(parent.clone())
        .unwrap_or_else(|| "*".into());
    (parent.into_iter().chain(own).chain(named).collect(), answer)
}

fn read(data: &JsValue) -> Result<Action, String> {
    let data = match data.as_string() {
        Some(s) => {
            js_sys::JSON::parse(&s).map_err(|_| "a string message that is not JSON".to_string())?
        }
        None => data.clone(),
    };
    if !data.is_object() {
        return Err("a message that is not an object".into());
    }
    let get =
        |k: &str| js_sys::Reflect::get(&data, &JsValue::from_str(k)).unwrap_or(JsValue::UNDEFINED);
    let text = |k: &str| -> Result<Option<String>, String> {
        let v = get(k);
        if v.is_undefined() || v.is_null() {
            Ok(None)
        } else {
            v.as_string()
                .map(Some)
                .ok_or_else(|| format!("'{k}' must be a string"))
        }
    };
    match get("action").as_string().as_deref() {
        Some("load") => {
            let (definition, history) = (text("definition")?, text("history")?);
            for (what, t) in [("the definition", &definition), ("the history", &history)] {
                let len = t.as_ref().map_or(0, String::len);
                crate::pipeline::check_input(&format!("load: {what}"), len)?;
            }
            if definition.is_none() && history.is_none() {
                return Err("load needs a definition or a history".into());
            }
            let sim = get("simulation");
            let simulation = if sim.is_undefined() || sim.is_null() {
                None
            } else {
                let field = |k: &str| {
                    let v = js_sys::Reflect::get(&sim, &JsValue::from_str(k))
                        .unwrap_or(JsValue::UNDEFINED);
                    if v.is_undefined() || v.is_null() {
                        Ok(None)
                    } else {
                        v.as_string()
                            .map(Some)
                            .ok_or_else(|| format!("'simulation.{k}' must be a string"))
                    }
                };
                let (input, mocks) = (field("input")?, field("mocks")?);
                for (what, t) in [("the input", &input), ("the mocks", &mocks)] {
                    let len = t.as_ref().map_or(0, String::len);
                    crate::pipeline::check_input(&format!("load: {what}"), len)?;
                }
                let seed = js_sys::Reflect::get(&sim, &JsValue::from_str("seed"))
                    .ok()
                    .and_then(|v| v.as_f64())
                    .filter(|s| s.is_finite() && *s >= 0.0)
                    .map_or(1, |s| s as u64);
                Some(crate::pipeline::SimCase {
                    input: input.unwrap_or_else(|| "{}".into()),
                    mocks: mocks.unwrap_or_default(),
                    test_case: field("testCase")?,
                    seed,
                    overrides: String::new(),
                })
            };
            Ok(Action::Load {
                definition,
                history,
                simulation,
            })
        }
        Some("seek") => get("t")
            .as_f64()
            .filter(|t| t.is_finite())
            .map(|t| Action::Seek(t.round() as i64))
            .ok_or_else(|| "seek needs t, in milliseconds".into()),
        Some("select") => Ok(Action::Select(text("state")?)),
        Some("setTheme") => match text("theme")?.as_deref() {
            Some(t @ ("light" | "dark")) => Ok(Action::SetTheme(t.to_string())),
            _ => Err("setTheme needs theme: light or dark".into()),
        },
        Some(other) => Err(format!("unknown action '{other}'")),
        None => Err("a message without an action".into()),
    }
}

/// True when this page runs in a frame.
pub fn framed() -> bool {
    web_sys::window()
        .and_then(|w| {
            w.parent()
                .ok()
                .flatten()
                .map(|p| !js_sys::Object::is(&p, &w))
        })
        .unwrap_or(false)
}

/// Sends an event to the host.
pub fn post(event: &str, key: Option<(&str, JsValue)>) {
    let Some(parent) = web_sys::window().and_then(|w| w.parent().ok().flatten()) else {
        return;
    };
    let o = js_sys::Object::new();
    let _ = js_sys::Reflect::set(&o, &JsValue::from_str("event"), &JsValue::from_str(event));
    if let Some((k, v)) = key {
        let _ = js_sys::Reflect::set(&o, &JsValue::from_str(k), &v);
    }
    let _ = parent.post_message(&o, &origins().1);
}

/// Listens to the host; `on` runs for each message that passes the checks.
pub fn listen(on: impl Fn(Action) + 'static) {
    let Some(w) = web_sys::window() else { return };
    let (allowed, _) = origins();
    let closure =
        Closure::<dyn FnMut(web_sys::MessageEvent)>::new(move |ev: web_sys::MessageEvent| {
            let from_parent = match (
                ev.source(),
                web_sys::window().and_then(|w| w.parent().ok().flatten()),
            ) {
                (Some(src), Some(parent)) => js_sys::Object::is(&src, &parent),
                _ => false,
            };
            if !from_parent {
                warn(&format!(
                    "ignored a message from {}: it did not come from the page that embeds this one",
                    ev.origin()
                ));
                return;
            }
            if !allowed.iter().any(|o| *o == ev.origin()) {
                warn(&format!(
                    "ignored a message from {}, which did not load this frame",
                    ev.origin()
                ));
                return;
            }
            match read(&ev.data()) {
                Ok(action) => on(action),
                Err(e) => warn(&format!("ignored a message: {e}")),
            }
        });
    let _ = w.add_event_listener_with_callback("message", closure.as_ref().unchecked_ref());
    closure.forget();
}
