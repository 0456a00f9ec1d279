//! What the user pasted survives a reload: localStorage, never the network.

const PREFIX: &str = "stepscope.";

fn storage() -> Option<web_sys::Storage> {
    web_sys::window().and_then(|w| w.local_storage().ok().flatten())
}

pub fn load(key: &str) -> Option<String> {
    storage().and_then(|s| s.get_item(&format!("{PREFIX}{key}")).ok().flatten())
}

pub fn save(key: &str, value: &str) {
    if let Some(s) = storage() {
        // A full storage (5 MB) just means no persistence for this input.
        let _ = s.set_item(&format!("{PREFIX}{key}"), value);
    }
}

pub fn clear() {
    if let Some(s) = storage() {
        for key in ["definition", "history", "theme"] {
            let _ = s.remove_item(&format!("{PREFIX}{key}"));
        }
    }
}
