//! What the user pasted survives a reload: localStorage, never the network.
//!
//! The definition and its run are kept together, atomically, under one versioned key
//! (`stepscope.work.v2`): a reload never pairs one tab's definition with another's run. Each
//! write names the tab that made it, so the `storage` event another tab receives can tell a
//! change made elsewhere from its own. When the browser's storage is full, or the run is too big
//! to keep, the definition is kept alone and the caller is told, so it can say so.

use serde_json::{json, Value};

const PREFIX: &str = "stepscope.";
/// The key that holds the saved work, and the version of its format.
pub const WORK_KEY: &str = "stepscope.work.v2";
const VERSION: u64 = 2;

fn storage() -> Option<web_sys::Storage> {
    web_sys::window().and_then(|w| w.local_storage().ok().flatten())
}

/// A small setting (the theme).
pub fn load(key: &str) -> Option<String> {
    storage().and_then(|s| s.get_item(&format!("{PREFIX}{key}")).ok().flatten())
}

pub fn save(key: &str, value: &str) {
    if let Some(s) = storage() {
        // A setting that can't be kept just isn't kept.
        let _ = s.set_item(&format!("{PREFIX}{key}"), value);
    }
}

/// The saved work: a definition, its run, and whether the run had to be left out.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Work {
    pub definition: String,
    pub history: String,
    /// The run was too big to keep; the definition was saved alone.
    pub run_dropped: bool,
    /// The tab that wrote it.
    pub tab: String,
}

/// Reads a stored work record.
pub fn parse_work(text: &str) -> Option<Work> {
    let v: Value = serde_json::from_str(text).ok()?;
    if v.get("v").and_then(Value::as_u64) != Some(VERSION) {
        return None;
    }
    let s = |k: &str| v.get(k).and_then(Value::as_str).unwrap_or("").to_string();
    Some(Work {
        definition: s("definition"),
        history: s("history"),
        run_dropped: v.get("runDropped").and_then(Value::as_bool) == Some(true),
        tab: s("tab"),
    })
}

/// True when the versioned key holds something this version can't read.
pub fn has_unreadable_work() -> bool {
    storage()
        .and_then(|s| s.get_item(WORK_KEY).ok().flatten())
        .is_some_and(|t| parse_work(&t).is_none())
}

/// The saved work, from the versioned key, or from the separate keys of earlier versions.
pub fn load_work() -> Option<Work> {
    let s = storage()?;
    if let Some(w) = s
        .get_item(WORK_KEY)
        .ok()
        .flatten()
        .and_then(|t| parse_work(&t))
    {
        return Some(w);
    }
    let old = |k: &str| s.get_item(&format!("{PREFIX}{k}")).ok().flatten();
    let definition = old("definition")?;
    Some(Work {
        definition,
        history: old("history").unwrap_or_default(),
        ..Work::default()
    })
}

/// How a save went.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Saved {
    Both,
    /// The run could not be kept (too big for what the browser allows); the definition was.
    DefinitionOnly,
    /// Nothing could be written; what was saved before is still there.
    Nothing,
    /// There is no storage here (a private window, a sandboxed frame).
    NoStorage,
}

fn record(definition: &str, history: Option<&str>, tab: &str) -> String {
    json!({
        "v": VERSION,
        "tab": tab,
        "definition": definition,
        "history": history.unwrap_or(""),
        "runDropped": history.is_none(),
    })
    .to_string()
}

/// Saves a definition and its run as one record; the definition alone when both won't fit.
pub fn save_work(definition: &str, history: &str, tab: &str) -> Saved {
    let Some(s) = storage() else {
        return Saved::NoStorage;
    };
    let saved = if s
        .set_item(WORK_KEY, &record(definition, Some(history), tab))
        .is_ok()
    {
        Saved::Both
    } else if s.set_item(WORK_KEY, &record(definition, None, tab)).is_ok() {
        Saved::DefinitionOnly
    } else {
        Saved::Nothing
    };
    if saved != Saved::Nothing {
        // The separate keys of earlier versions are now stale.
        for key in ["definition", "history"] {
            let _ = s.remove_item(&format!("{PREFIX}{key}"));
        }
    }
    saved
}

pub fn clear() {
    if let Some(s) = storage() {
        let _ = s.remove_item(WORK_KEY);
        for key in ["definition", "history", "theme"] {
            let _ = s.remove_item(&format!("{PREFIX}{key}"));
        }
    }
}

/// A name for this tab, different in every tab and every load.
pub fn tab_id() -> String {
    format!("{:x}", (js_sys::Math::random() * 9.0e15) as u64)
}

/// A digest of a definition and its run, to tell whether a save or another tab's write changes
/// anything.
pub fn digest(definition: &str, history: &str) -> u64 {
    use std::hash::{Hash, Hasher};
    let mut h = std::collections::hash_map::DefaultHasher::new();
    definition.hash(&mut h);
    history.hash(&mut h);
    h.finish()
}
