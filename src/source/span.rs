//! Byte spans and conversion from byte offsets to lines, columns and UTF-16 offsets.
//!
//! The core stores byte offsets only. The CLI prints 1-based lines and columns counted in
//! characters; the browser's textarea needs UTF-16 code units, which [`LineIndex::utf16_offset`] gives.

/// A half-open range of byte offsets into a source text.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Default, Hash, serde::Serialize, serde::Deserialize,
)]
pub struct Span {
    pub start: usize,
    pub end: usize,
}

impl Span {
    pub fn new(start: usize, end: usize) -> Self {
        Span {
            start,
            end: end.max(start),
        }
    }
}

/// Line starts of a text, for offset to line/column conversion.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LineIndex {
    line_starts: Vec<usize>,
    /// (byte offset, characters before it) about every `STRIDE` bytes, so a column on a long
    /// line (minified JSON is one line) counts at most `STRIDE` bytes, not the whole line.
    marks: Vec<(usize, usize)>,
}

const STRIDE: usize = 4096;

impl LineIndex {
    pub fn new(text: &str) -> Self {
        let mut line_starts = vec![0];
        for (i, b) in text.bytes().enumerate() {
            if b == b'\n' {
                line_starts.push(i + 1);
            }
        }
        let mut marks = vec![(0, 0)];
        let mut next = STRIDE;
        for (chars, (i, _)) in text.char_indices().enumerate() {
            if i >= next {
                marks.push((i, chars));
                next = i + STRIDE;
            }
        }
        LineIndex { line_starts, marks }
    }

    /// How many characters come before byte `offset` (a character boundary).
    fn chars_before(&self, text: &str, offset: usize) -> usize {
        let k = self
            .marks
            .partition_point(|m| m.0 <= offset)
            .saturating_sub(1);
        let (at, chars) = self.marks.get(k).copied().unwrap_or((0, 0));
        chars + text.get(at..offset).map_or(0, |s| s.chars().count())
    }

    /// 0-based line of a byte offset.
    fn line_of(&self, offset: usize) -> usize {
        match self.line_starts.binary_search(&offset) {
            Ok(line) => line,
            Err(next) => next.saturating_sub(1),
        }
    }

    /// 1-based line and column (in characters) of a byte offset. Offsets past the end or inside
    /// a character are clamped.
    pub fn line_col(&self, text: &str, offset: usize) -> (usize, usize) {
        let offset = floor_char_boundary(text, offset);
        let line = self.line_of(offset);
        let start = self.line_starts.get(line).copied().unwrap_or(0).min(offset);
        let col = self.chars_before(text, offset) - self.chars_before(text, start);
        (line + 1, col + 1)
    }

    /// The byte offset of a 1-based line and column (characters), clamped to the text.
    pub fn offset_of(&self, text: &str, line: usize, col: usize) -> usize {
        let Some(&start) = self.line_starts.get(line.saturating_sub(1)) else {
            return text.len();
        };
        let rest = text.get(start..).unwrap_or("");
        let mut offset = start;
        for (i, (byte, ch)) in rest.char_indices().enumerate() {
            if i + 1 >= col || ch == '\n' {
                return start + byte;
            }
            offset = start + byte + ch.len_utf8();
        }
        offset
    }

    /// The UTF-16 offset of a byte offset, for browser text controls.
    pub fn utf16_offset(text: &str, offset: usize) -> usize {
        let offset = floor_char_boundary(text, offset);
        text.get(..offset)
            .map_or(0, |s| s.chars().map(char::len_utf16).sum())
    }

    /// The byte offset of a UTF-16 offset (clamped).
    pub fn byte_of_utf16(text: &str, utf16: usize) -> usize {
        let mut units = 0;
        for (byte, ch) in text.char_indices() {
            if units >= utf16 {
                return byte;
            }
            units += ch.len_utf16();
        }
        text.len()
    }

    pub fn line_count(&self) -> usize {
        self.line_starts.len()
    }
}

fn floor_char_boundary(text: &str, offset: usize) -> usize {
    let mut offset = offset.min(text.len());
    while offset > 0 && !text.is_char_boundary(offset) {
        offset -= 1;
    }
    offset
}
