//! A strict JSON reader that records a byte span for every value and key.
//!
//! serde_json does not give spans per value, and our diagnostics need them, so we read JSON
//! ourselves. It is a plain recursive-descent parser with a depth limit, so hostile input can
//! neither panic it nor overflow the (small, in wasm) stack.

use super::{Member, Node, Span, SyntaxError, Value};

/// Nesting deeper than this is refused rather than risking the stack.
use crate::limits::MAX_DEPTH;

pub fn parse(text: &str) -> Result<Node, SyntaxError> {
    let mut p = Parser {
        src: text.as_bytes(),
        text,
        pos: 0,
        depth: 0,
    };
    if text.starts_with('\u{feff}') {
        p.pos = 3;
    }
    p.skip_ws();
    let node = p.value()?;
    p.skip_ws();
    if p.pos < p.src.len() {
        return Err(p.error_here("unexpected text after the end of the JSON value"));
    }
    Ok(node)
}

struct Parser<'a> {
    src: &'a [u8],
    text: &'a str,
    pos: usize,
    depth: usize,
}

impl Parser<'_> {
    fn peek(&self) -> Option<u8> {
        self.src.get(self.pos).copied()
    }

    fn error_at(&self, start: usize, message: impl Into<String>) -> SyntaxError {
        let mut end = (start + 1).min(self.src.len());
        while end < self.src.len() && !self.text.is_char_boundary(end) {
            end += 1;
        }
        SyntaxError {
            message: message.into(),
            span: Span::new(start.min(self.src.len()), end),
        }
    }

    fn error_here(&self, message: impl Into<String>) -> SyntaxError {
        self.error_at(self.pos, message)
    }

    fn unexpected(&self, expected: &str) -> SyntaxError {
        match self.text.get(self.pos..).and_then(|s| s.chars().next()) {
            None => self.error_here(format!("unexpected end of input, expected {expected}")),
            Some(c) => self.error_here(format!("unexpected {}, expected {expected}", describe(c))),
        }
    }

    fn skip_ws(&mut self) {
        while let Some(b' ' | b'\t' | b'\n' | b'\r') = self.peek() {
            self.pos += 1;
        }
    }

    fn value(&mut self) -> Result<Node, SyntaxError> {
        match self.peek() {
            Some(b'{') => self.object(),
            Some(b'[') => self.array(),
            Some(b'"') => {
                let start = self.pos;
                let s = self.string()?;
                Ok(Node::new(Value::String(s), Span::new(start, self.pos)))
            }
            Some(b't') => self.literal("true", Value::Bool(true)),
            Some(b'f') => self.literal("false", Value::Bool(false)),
            Some(b'n') => self.literal("null", Value::Null),
            Some(b'-' | b'0'..=b'9') => self.number(),
            _ => Err(self.unexpected("a value")),
        }
    }

    fn enter(&mut self) -> Result<(), SyntaxError> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return Err(self.error_here(format!("nesting deeper than {MAX_DEPTH} levels")));
        }
        Ok(())
    }

    fn object(&mut self) -> Result<Node, SyntaxError> {
        let start = self.pos;
        self.enter()?;
        self.pos += 1;
        let mut members = Vec::new();
        self.skip_ws();
        if self.peek() == Some(b'}') {
            self.pos += 1;
            self.depth -= 1;
            return Ok(Node::new(
                Value::Object(members),
                Span::new(start, self.pos),
            ));
        }
        loop {
            self.skip_ws();
            if self.peek() != Some(b'"') {
                if self.peek() == Some(b'}') {
                    return Err(self.error_here("trailing comma before '}'"));
                }
                return Err(self.unexpected("a quoted key"));
            }
            let key_start = self.pos;
            let key = self.string()?;
            let key_span = Span::new(key_start, self.pos);
            self.skip_ws();
            if self.peek() != Some(b':') {
                return Err(self.unexpected("':' after the key"));
            }
            self.pos += 1;
            self.skip_ws();
            let value = self.value()?;
            members.push(Member {
                key,
                key_span,
                value,
            });
            self.skip_ws();
            match self.peek() {
                Some(b',') => self.pos += 1,
                Some(b'}') => {
                    self.pos += 1;
                    break;
                }
                _ => return Err(self.unexpected("',' or '}'")),
            }
        }
        self.depth -= 1;
        Ok(Node::new(
            Value::Object(members),
            Span::new(start, self.pos),
        ))
    }

    fn array(&mut self) -> Result<Node, SyntaxError> {
        let start = self.pos;
        self.enter()?;
        self.pos += 1;
        let mut items = Vec::new();
        self.skip_ws();
        if self.peek() == Some(b']') {
            self.pos += 1;
            self.depth -= 1;
            return Ok(Node::new(Value::Array(items), Span::new(start, self.pos)));
        }
        loop {
            self.skip_ws();
            if self.peek() == Some(b']') {
                return Err(self.error_here("trailing comma before ']'"));
            }
            items.push(self.value()?);
            self.skip_ws();
            match self.peek() {
                Some(b',') => self.pos += 1,
                Some(b']') => {
                    self.pos += 1;
                    break;
                }
                _ => return Err(self.unexpected("',' or ']'")),
            }
        }
        self.depth -= 1;
        Ok(Node::new(Value::Array(items), Span::new(start, self.pos)))
    }

    fn literal(&mut self, word: &str, value: Value) -> Result<Node, SyntaxError> {
        let start = self.pos;
        if self.src.get(start..start + word.len()) == Some(word.as_bytes()) {
            self.pos += word.len();
            Ok(Node::new(value, Span::new(start, self.pos)))
        } else {
            Err(self.unexpected("a value"))
        }
    }

    fn number(&mut self) -> Result<Node, SyntaxError> {
        let start = self.pos;
        if self.peek() == Some(b'-') {
            self.pos += 1;
        }
        match self.peek() {
            Some(b'0') => self.pos += 1,
            Some(b'1'..=b'9') => {
                while let Some(b'0'..=b'9') = self.peek() {
                    self.pos += 1;
                }
            }
            _ => return Err(self.unexpected("a digit")),
        }
        if self.peek() == Some(b'.') {
            self.pos += 1;
            if !matches!(self.peek(), Some(b'0'..=b'9')) {
                return Err(self.unexpected("a digit after '.'"));
            }
            while let Some(b'0'..=b'9') = self.peek() {
                self.pos += 1;
            }
        }
        if let Some(b'e' | b'E') = self.peek() {
            self.pos += 1;
            if let Some(b'+' | b'-') = self.peek() {
                self.pos += 1;
            }
            if !matches!(self.peek(), Some(b'0'..=b'9')) {
                return Err(self.unexpected("a digit in the exponent"));
            }
            while let Some(b'0'..=b'9') = self.peek() {
                self.pos += 1;
            }
        }
        let raw = self.text.get(start..self.pos).unwrap_or("0");
        let n = raw.parse::<f64>().unwrap_or(0.0);
        Ok(Node::new(
            Value::Number(n, raw.to_string()),
            Span::new(start, self.pos),
        ))
    }

    fn string(&mut self) -> Result<String, SyntaxError> {
        let start = self.pos;
        self.pos += 1;
        let mut out = String::new();
        loop {
            // Copy the run of plain characters in one go.
            let run_start = self.pos;
            while let Some(b) = self.peek() {
                if b == b'"' || b == b'\\' || b < 0x20 {
                    break;
                }
                self.pos += 1;
            }
            if let Some(run) = self.text.get(run_start..self.pos) {
                out.push_str(run);
            }
            match self.peek() {
                None => return Err(self.error_at(start, "unterminated string")),
                Some(b'"') => {
                    self.pos += 1;
                    return Ok(out);
                }
                Some(b'\\') => {
                    self.pos += 1;
                    match decode_escape(self.src.get(self.pos..).unwrap_or(&[])) {
                        Ok((c, used)) => {
                            out.push(c);
                            self.pos += used;
                        }
                        Err((what, at)) => {
                            self.pos += at;
                            return Err(self.error_here(what));
                        }
                    }
                }
                Some(b'\n') => {
                    return Err(self.error_here("line break inside a string (use \\n)"));
                }
                Some(_) => return Err(self.error_here("control character inside a string")),
            }
        }
    }
}

/// Decodes the escape after a backslash in a JSON string: `rest` starts at the escape letter.
/// Returns the character and how many bytes of `rest` it took (surrogate pairs whole), or what is
/// wrong and where in `rest`. The one JSON unescape: the reader and `forms`' offset map use it.
pub fn decode_escape(rest: &[u8]) -> Result<(char, usize), (&'static str, usize)> {
    let hex4 = |at: usize| -> Result<u32, (&'static str, usize)> {
        let digits = rest
            .get(at..at + 4)
            .and_then(|d| std::str::from_utf8(d).ok())
            .ok_or(("incomplete \\u escape", at))?;
        u32::from_str_radix(digits, 16).map_err(|_| ("invalid \\u escape", at))
    };
    let c = match rest.first() {
        Some(b'"') => '"',
        Some(b'\\') => '\\',
        Some(b'/') => '/',
        Some(b'b') => '\u{8}',
        Some(b'f') => '\u{c}',
        Some(b'n') => '\n',
        Some(b'r') => '\r',
        Some(b't') => '\t',
        Some(b'u') => {
            let hi = hex4(1)?;
            if (0xD800..0xDC00).contains(&hi) {
                if rest.get(5..7) == Some(b"\\u") {
                    let lo = hex4(7)?;
                    if (0xDC00..0xE000).contains(&lo) {
                        let c = 0x10000 + ((hi - 0xD800) << 10) + (lo - 0xDC00);
                        return Ok((char::from_u32(c).unwrap_or('\u{fffd}'), 11));
                    }
                }
                return Ok(('\u{fffd}', 5));
            }
            return Ok((char::from_u32(hi).unwrap_or('\u{fffd}'), 5));
        }
        _ => return Err(("invalid escape in string", 0)),
    };
    Ok((c, 1))
}

fn describe(c: char) -> String {
    match c {
        '\'' => "single quote (JSON strings use double quotes)".to_string(),
        c if c.is_control() => format!("control character U+{:04X}", c as u32),
        c => format!("'{c}'"),
    }
}
