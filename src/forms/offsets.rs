//! The offset map: byte offsets of a text extracted from the paste (a JSON string's content, a
//! YAML scalar) back to the pasted text, so diagnostics point at the right line and column.

use crate::source::{Node, Span};

/// Maps byte offsets of an extracted text back to the pasted text.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct OffsetMap {
    /// (offset in the extracted text, offset in the pasted text), sorted by the first.
    segments: Vec<(usize, usize)>,
}

impl OffsetMap {
    pub fn identity() -> Self {
        OffsetMap {
            segments: vec![(0, 0)],
        }
    }

    pub fn map(&self, inner: usize) -> usize {
        let i = self.segments.partition_point(|&(s, _)| s <= inner);
        match i.checked_sub(1).and_then(|i| self.segments.get(i)) {
            Some(&(s, o)) => o + (inner - s),
            None => 0,
        }
    }

    pub fn map_span(&self, span: Span) -> Span {
        let start = self.map(span.start);
        // The end maps like an offset of its own: the place right after the last character,
        // which for an escaped character is after its whole escape sequence.
        let end = self.map(span.end);
        Span::new(start, end.max(start))
    }

    pub(super) fn push(&mut self, inner: usize, outer: usize) {
        if let Some(&(s, o)) = self.segments.last() {
            if inner >= s && o + (inner - s) == outer {
                return; // already continuous
            }
        }
        self.segments.push((inner, outer));
    }
}

/// The text of a string node and a map back to the pasted text. JSON string literals are
/// decoded escape by escape; YAML scalars are matched line by line.
pub fn string_with_offsets(outer: &str, node: &Node) -> (String, OffsetMap) {
    let value = node.as_str().unwrap_or("").to_string();
    let mut map = OffsetMap::default();
    let start = node.span.start;
    if outer.as_bytes().get(start) == Some(&b'"')
        && outer
            .get(start..node.span.end)
            .is_some_and(|s| s.len() >= 2)
    {
        // A JSON string literal: walk the raw text, one decoded character at a time.
        let raw = outer
            .get(start + 1..node.span.end.saturating_sub(1))
            .unwrap_or("");
        let mut decoded = String::with_capacity(raw.len());
        let bytes = raw.as_bytes();
        let mut i = 0;
        while i < bytes.len() {
            let outer_at = start + 1 + i;
            map.push(decoded.len(), outer_at);
            if bytes.get(i) == Some(&b'\\') {
                match crate::source::decode_escape(bytes.get(i + 1..).unwrap_or(&[])) {
                    Ok((c, used)) => {
                        decoded.push(c);
                        i += 1 + used;
                    }
                    // Not JSON (YAML's `\ ` and `\<TAB>`): the character itself, as YAML reads it.
                    Err(_) => {
                        let ch = raw
                            .get(i + 1..)
                            .and_then(|r| r.chars().next())
                            .unwrap_or('\u{fffd}');
                        decoded.push(ch);
                        i += 1 + ch.len_utf8();
                    }
                }
                // Keep every decoded char mapped to its escape's start.
                map.push(decoded.len(), start + 1 + i);
            } else {
                let ch = raw
                    .get(i..)
                    .and_then(|r| r.chars().next())
                    .unwrap_or('\u{fffd}');
                decoded.push(ch);
                i += ch.len_utf8().max(1);
            }
        }
        if decoded == value {
            return (decoded, map);
        }
        return (value, OffsetMap::identity_at(start));
    }
    // YAML (block or flow scalar): find each line in the pasted text after the previous one.
    let mut search_from = start;
    let mut inner = 0;
    let mut map = OffsetMap::default();
    for line in value.split_inclusive('\n') {
        let content = line.trim_end_matches('\n');
        let trimmed = content.trim_start();
        let lead = content.len() - trimmed.len();
        let found = if trimmed.is_empty() {
            None
        } else {
            // The next line starts within a few bytes of the last (indentation, a line break, an
            // escape): a bounded window keeps a scalar whose lines aren't found linear.
            let mut window = (search_from + 2 * trimmed.len() + 1024).min(outer.len());
            while !outer.is_char_boundary(window) {
                window += 1;
            }
            outer
                .get(search_from..window)
                .or_else(|| outer.get(search_from..))
                .and_then(|rest| rest.find(trimmed))
                .map(|p| search_from + p)
        };
        match found {
            Some(at) => {
                map.push(inner + lead, at);
                search_from = at + trimmed.len();
            }
            None => map.push(inner, search_from.min(outer.len())),
        }
        inner += line.len();
    }
    if map.segments.is_empty() {
        map.push(0, start);
    }
    (value, map)
}

impl OffsetMap {
    pub(super) fn identity_at(outer: usize) -> Self {
        OffsetMap {
            segments: vec![(0, outer)],
        }
    }
}
