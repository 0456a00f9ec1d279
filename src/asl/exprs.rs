//! Syntax checks for the small languages inside ASL strings: JSONPath reference paths,
//! intrinsic functions (`States.Format(...)`), and JSONata `{% ... %}` expressions.
//!
//! Each check returns `Err(reason)` with a short lowercase reason. They never panic.

/// Intrinsic functions the service knows.
const INTRINSICS: &[&str] = &[
    "States.Format",
    "States.StringToJson",
    "States.JsonToString",
    "States.Array",
    "States.ArrayPartition",
    "States.ArrayContains",
    "States.ArrayRange",
    "States.ArrayGetItem",
    "States.ArrayLength",
    "States.ArrayUnique",
    "States.Base64Encode",
    "States.Base64Decode",
    "States.Hash",
    "States.JsonMerge",
    "States.MathRandom",
    "States.MathAdd",
    "States.StringSplit",
    "States.UUID",
];

/// True for template placeholders users paste before deployment: `${Name}`, `__tbd__`, `<<x>>`.
pub fn is_placeholder(s: &str) -> bool {
    let percent_token = s.len() > 2
        && s.starts_with('%')
        && s.ends_with('%')
        && s[1..s.len() - 1]
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_');
    percent_token
        || (s.contains("${") && s.contains('}'))
        || s == "_tbd_"
        || s.contains("__tbd__")
        || s.contains("<<")
        || (s.starts_with('<') && s.ends_with('>'))
        || s.contains("#{")
}

fn is_ident_start(c: char) -> bool {
    c.is_ascii_alphabetic() || c == '_'
}

/// Checks a JSONPath reference path: `$`, `$.a.b[0]`, `$$.Execution.Id`, `$var.x`, `$['k']`.
pub fn check_path(path: &str) -> Result<(), String> {
    let mut chars = path.char_indices().peekable();
    match chars.next() {
        Some((_, '$')) => {}
        _ => return Err("a path must start with '$'".into()),
    }
    // The root: `$`, `$$` (context object) or `$name` (a variable).
    match chars.peek().map(|&(_, c)| c) {
        Some('$') => {
            chars.next();
        }
        Some(c) if is_ident_start(c) => {
            while chars
                .peek()
                .is_some_and(|&(_, c)| c.is_ascii_alphanumeric() || c == '_')
            {
                chars.next();
            }
        }
        _ => {}
    }
    while let Some((_, c)) = chars.next() {
        match c {
            '.' => {
                if chars.peek().map(|&(_, c)| c) == Some('.') {
                    chars.next();
                }
                // `$.[0]` and `$.[?(...)]`: a bracket may follow the dot directly.
                if chars.peek().map(|&(_, c)| c) == Some('[') {
                    continue;
                }
                let mut name_len = 0;
                while let Some(&(_, c)) = chars.peek() {
                    if c == '.' || c == '[' {
                        break;
                    }
                    if c.is_whitespace() && name_len == 0 {
                        return Err("a space where a field name should be".into());
                    }
                    if c == '(' || c == ')' {
                        return Err(format!("unexpected '{c}' in a path"));
                    }
                    name_len += 1;
                    chars.next();
                }
                if name_len == 0 {
                    return Err("an empty field name after '.'".into());
                }
            }
            '[' => {
                let mut depth = 1;
                let mut quote: Option<char> = None;
                let mut content = 0;
                for (_, c) in chars.by_ref() {
                    match (quote, c) {
                        (Some(q), c) if c == q => quote = None,
                        (Some(_), _) => {}
                        (None, '\'' | '"') => quote = Some(c),
                        (None, '[') => depth += 1,
                        (None, ']') => {
                            depth -= 1;
                            if depth == 0 {
                                break;
                            }
                        }
                        _ => {}
                    }
                    content += 1;
                }
                if depth != 0 {
                    return Err("an unclosed '['".into());
                }
                if content == 0 {
                    return Err("an empty '[]'".into());
                }
            }
            c => return Err(format!("unexpected '{c}' in a path (use '.' or '[')")),
        }
    }
    Ok(())
}

/// Checks a `.$` template value: a path, or an intrinsic function call.
pub fn check_path_or_intrinsic(s: &str) -> Result<(), String> {
    if s.starts_with("States.") {
        check_intrinsic(s)
    } else if s.starts_with('$') {
        check_path(s)
    } else {
        Err("not a JSONPath or intrinsic function expression".into())
    }
}

/// Checks an intrinsic function call such as `States.Format('{}', $.a)`.
pub fn check_intrinsic(s: &str) -> Result<(), String> {
    let mut p = IntrinsicParser {
        s: s.as_bytes(),
        text: s,
        pos: 0,
        depth: 0,
    };
    p.call()?;
    p.ws();
    if p.pos != s.len() {
        return Err("unexpected text after the intrinsic function call".into());
    }
    Ok(())
}

struct IntrinsicParser<'a> {
    s: &'a [u8],
    text: &'a str,
    pos: usize,
    depth: usize,
}

impl IntrinsicParser<'_> {
    fn ws(&mut self) {
        while self
            .s
            .get(self.pos)
            .is_some_and(|b| b.is_ascii_whitespace())
        {
            self.pos += 1;
        }
    }

    fn call(&mut self) -> Result<(), String> {
        self.depth += 1;
        if self.depth > 32 {
            return Err("intrinsic functions nested too deeply".into());
        }
        let start = self.pos;
        while self
            .s
            .get(self.pos)
            .is_some_and(|b| b.is_ascii_alphanumeric() || *b == b'.')
        {
            self.pos += 1;
        }
        let name = self.text.get(start..self.pos).unwrap_or("");
        if !INTRINSICS.contains(&name) {
            return Err(format!("unknown intrinsic function '{name}'"));
        }
        if self.s.get(self.pos) != Some(&b'(') {
            return Err(format!("'{name}' must be followed by '('"));
        }
        self.pos += 1;
        self.ws();
        if self.s.get(self.pos) == Some(&b')') {
            self.pos += 1;
            self.depth -= 1;
            return Ok(());
        }
        // Arithmetic intrinsics take numbers (or paths to them), never string literals.
        let numeric = matches!(
            name,
            "States.MathAdd" | "States.MathRandom" | "States.ArrayRange"
        );
        loop {
            self.ws();
            if numeric && self.s.get(self.pos) == Some(&b'\'') {
                return Err(format!("'{name}' takes numbers or paths, not strings"));
            }
            self.arg()?;
            self.ws();
            match self.s.get(self.pos) {
                Some(b',') => self.pos += 1,
                Some(b')') => {
                    self.pos += 1;
                    self.depth -= 1;
                    return Ok(());
                }
                _ => return Err(format!("expected ',' or ')' in the arguments of '{name}'")),
            }
        }
    }

    fn arg(&mut self) -> Result<(), String> {
        match self.s.get(self.pos) {
            Some(b'\'') => {
                self.pos += 1;
                loop {
                    match self.s.get(self.pos) {
                        None => return Err("unterminated string in intrinsic function".into()),
                        Some(b'\\') => self.pos += 2,
                        Some(b'\'') => {
                            self.pos += 1;
                            return Ok(());
                        }
                        Some(_) => self.pos += 1,
                    }
                }
            }
            Some(b'$') => {
                let start = self.pos;
                let mut depth = 0i32;
                while let Some(&b) = self.s.get(self.pos) {
                    match b {
                        b'[' => depth += 1,
                        b']' => depth -= 1,
                        b',' | b')' if depth <= 0 => break,
                        _ => {}
                    }
                    self.pos += 1;
                }
                let path = self.text.get(start..self.pos).unwrap_or("").trim_end();
                check_path(path)
            }
            Some(b'S') => self.call(),
            Some(b'-' | b'0'..=b'9') => {
                self.pos += 1;
                while self.s.get(self.pos).is_some_and(|b| {
                    b.is_ascii_digit() || matches!(b, b'.' | b'e' | b'E' | b'-' | b'+')
                }) {
                    self.pos += 1;
                }
                Ok(())
            }
            Some(b'n' | b't' | b'f') => {
                for word in ["null", "true", "false"] {
                    if self
                        .text
                        .get(self.pos..)
                        .is_some_and(|r| r.starts_with(word))
                    {
                        self.pos += word.len();
                        return Ok(());
                    }
                }
                Err("unexpected argument in intrinsic function".into())
            }
            _ => Err("unexpected argument in intrinsic function".into()),
        }
    }
}

/// What [`check_jsonata`] makes of a string.
#[derive(Debug, Clone, PartialEq)]
pub enum Jsonata {
    /// Not meant as an expression: no `{%` and no `%}`.
    NotExpression,
    Valid,
    /// Meant as one, but wrongly wrapped or written: why.
    Invalid(String),
}

/// If `s` is meant as a JSONata expression (`{% ... %}`), checks its wrapping and syntax.
pub fn check_jsonata(s: &str) -> Jsonata {
    let invalid = |why: &str| Jsonata::Invalid(why.to_string());
    let opens = s.starts_with("{%");
    let closes = s.ends_with("%}");
    if !opens && !closes {
        return Jsonata::NotExpression;
    }
    if !opens {
        return invalid("a JSONata expression must start with '{%'");
    }
    if !closes || s.len() < 4 {
        return invalid("a JSONata expression must end with '%}'");
    }
    let body = s.get(2..s.len() - 2).unwrap_or("");
    // asl-validator insists on `{% x %}`; published machines that AWS accepts have a space on
    // one side only, so only a body touching both delimiters is refused.
    let spaced = |c: Option<char>| c.is_some_and(char::is_whitespace);
    if !spaced(body.chars().next()) && !spaced(body.chars().last()) {
        return invalid(
            "write a JSONata expression as '{% expression %}', with a space inside each delimiter",
        );
    }
    if body.trim().is_empty() {
        return invalid("empty JSONata expression");
    }
    match super::jsonata_syntax::check(body) {
        Ok(()) => Jsonata::Valid,
        Err(_) if body.contains("[?(") => Jsonata::Invalid(
            "'[?(...)]' is a JSONPath filter, not JSONata; write the condition as '[price < 10]'"
                .into(),
        ),
        Err(why) => Jsonata::Invalid(format!("invalid JSONata: {why}")),
    }
}
