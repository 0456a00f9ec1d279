//! Every budget an input is held to, in one place.
//!
//! Each reader checks its input against these before it allocates in proportion to it, so a
//! hostile or unlucky input gets a message naming the limit and its size, never a crash, a hang
//! or a runaway allocation. The same limits hold for pastes, files, links, replay files and the
//! CLI. `tests/it/limits.rs` holds one test per budget and `tests/fuzz.rs` checks that no
//! reader goes past them.

/// The most bytes read from one input: a paste, a file, or one payload of a link once inflated.
/// Fifty times the service's 1 MB limit for a definition, and room for long histories.
pub const MAX_INPUT_BYTES: usize = 50 * 1024 * 1024;

/// The most bytes any expansion may produce: YAML aliases, `DefinitionSubstitutions`, a link's
/// deflate stream, and a link's compact history rebuilt into CLI JSON.
pub const MAX_EXPANDED_BYTES: usize = 64 * 1024 * 1024;

/// The most a link's compact run may inflate to before it is rebuilt. Its JSON tree costs many
/// times its text, and no real run's compact form comes near this (the demo's is 6 KB).
pub const MAX_LINK_RUN_BYTES: usize = 16 * 1024 * 1024;

/// The deepest nesting read, in every syntax: JSON, flow YAML (`[[[`) and block YAML (`- - -`).
pub const MAX_DEPTH: usize = 256;

/// The most events in one history: ten times the service's 25,000 for a Standard run.
pub const MAX_EVENTS: usize = 250_000;

/// The most states in one definition, counting nested ones. A definition within the service's
/// 1 MB limit holds at most about 35,000 (`"S1":{"Type":"Pass","Next":"S2"},` is 30 bytes).
pub const MAX_STATES: usize = 50_000;

/// The most ticks a time axis draws, whatever its timestamps.
pub const MAX_TICKS: usize = 400;

/// A size as people read it: "64 MB", "1.5 MB", "900 KB", "12 bytes" (binary units).
pub fn size(bytes: usize) -> String {
    const MB: f64 = 1024.0 * 1024.0;
    let b = bytes as f64;
    if b >= MB {
        let v = b / MB;
        if (v - v.round()).abs() < 0.05 {
            format!("{v:.0} MB")
        } else {
            format!("{v:.1} MB")
        }
    } else if bytes >= 1024 {
        format!("{:.0} KB", b / 1024.0)
    } else {
        format!("{bytes} bytes")
    }
}

/// A count with thousands separators: "250,000".
pub fn count(n: usize) -> String {
    let s = n.to_string();
    let mut out = String::with_capacity(s.len() + s.len() / 3);
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// "… is 72 MB; Stepscope reads inputs up to 50 MB".
pub fn input_too_big(what: &str, bytes: usize) -> String {
    format!(
        "{what} is {}; Stepscope reads inputs up to {}",
        size(bytes),
        size(MAX_INPUT_BYTES)
    )
}

/// Checks an input's size before anything reads it.
pub fn check_input(what: &str, bytes: usize) -> Result<(), String> {
    if bytes > MAX_INPUT_BYTES {
        Err(input_too_big(what, bytes))
    } else {
        Ok(())
    }
}
