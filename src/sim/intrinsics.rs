//! The 18 `States.*` intrinsic functions of JSONPath mode: a parser for the call syntax
//! (`States.Format('{} is {}', $.a, States.ArrayLength($.b))`) and an evaluator with the
//! service's errors (`States.IntrinsicFailure`).

use super::paths::{self, Sources};
use super::{Failure, Rng};
use serde_json::{json, Value};

/// An argument of an intrinsic call.
#[derive(Debug, Clone, PartialEq)]
enum Arg {
    Literal(Value),
    Path(String),
    Call(String, Vec<Arg>),
}

fn fail(msg: impl Into<String>) -> Failure {
    Failure::new("States.IntrinsicFailure", msg)
}

/// Whether `text` is an intrinsic call (`States.X(...)`).
pub fn is_call(text: &str) -> bool {
    text.trim_start().starts_with("States.")
}

/// Evaluates an intrinsic call.
pub fn eval(text: &str, src: &Sources, rng: &mut Rng) -> Result<Value, Failure> {
    let mut p = Parser {
        s: text.trim().as_bytes(),
        i: 0,
        text: text.trim(),
    };
    let call = p.call(0)?;
    p.ws();
    if p.i != p.s.len() {
        return Err(fail(format!("unexpected text after the call in '{text}'")));
    }
    run(&call, src, rng)
}

struct Parser<'a> {
    s: &'a [u8],
    i: usize,
    text: &'a str,
}

impl Parser<'_> {
    fn ws(&mut self) {
        while self.s.get(self.i).is_some_and(|c| c.is_ascii_whitespace()) {
            self.i += 1;
        }
    }

    fn call(&mut self, depth: usize) -> Result<Arg, Failure> {
        if depth > 32 {
            return Err(fail("intrinsic calls nested too deeply"));
        }
        self.ws();
        let start = self.i;
        while self
            .s
            .get(self.i)
            .is_some_and(|c| c.is_ascii_alphanumeric() || *c == b'.')
        {
            self.i += 1;
        }
        let name = self.text.get(start..self.i).unwrap_or("").to_string();
        self.ws();
        if self.s.get(self.i) != Some(&b'(') {
            return Err(fail(format!("'{name}' must be followed by '('")));
        }
        self.i += 1;
        let mut args = Vec::new();
        self.ws();
        if self.s.get(self.i) == Some(&b')') {
            self.i += 1;
            return Ok(Arg::Call(name, args));
        }
        loop {
            args.push(self.arg(depth)?);
            self.ws();
            match self.s.get(self.i) {
                Some(b',') => self.i += 1,
                Some(b')') => {
                    self.i += 1;
                    return Ok(Arg::Call(name, args));
                }
                _ => return Err(fail(format!("expected ',' or ')' in '{}'", self.text))),
            }
        }
    }

    fn arg(&mut self, depth: usize) -> Result<Arg, Failure> {
        self.ws();
        match self.s.get(self.i) {
            Some(b'\'') => {
                self.i += 1;
                let mut out = Vec::new();
                loop {
                    match self.s.get(self.i) {
                        None => return Err(fail("an unclosed string in an intrinsic call")),
                        Some(b'\\') => {
                            if let Some(&c) = self.s.get(self.i + 1) {
                                // `\{` and `\}` stay escaped for States.Format to read.
                                if c == b'{' || c == b'}' {
                                    out.push(b'\\');
                                }
                                out.push(c);
                            }
                            self.i += 2;
                        }
                        Some(b'\'') => {
                            self.i += 1;
                            break;
                        }
                        Some(&c) => {
                            out.push(c);
                            self.i += 1;
                        }
                    }
                }
                Ok(Arg::Literal(Value::String(
                    String::from_utf8_lossy(&out).into_owned(),
                )))
            }
            Some(b'$') => {
                let start = self.i;
                let mut bracket = 0i32;
                let mut quote = false;
                while let Some(&c) = self.s.get(self.i) {
                    if quote {
                        if c == b'\'' {
                            quote = false;
                        }
                    } else if c == b'\'' {
                        quote = true;
                    } else if c == b'[' || c == b'(' {
                        bracket += 1;
                    } else if c == b']' || c == b')' {
                        if bracket == 0 {
                            break;
                        }
                        bracket -= 1;
                    } else if c == b',' && bracket == 0 {
                        break;
                    }
                    self.i += 1;
                }
                Ok(Arg::Path(
                    self.text
                        .get(start..self.i)
                        .unwrap_or("")
                        .trim()
                        .to_string(),
                ))
            }
            Some(b'S') => self.call(depth + 1),
            _ => {
                let start = self.i;
                while self
                    .s
                    .get(self.i)
                    .is_some_and(|c| !matches!(c, b',' | b')') && !c.is_ascii_whitespace())
                {
                    self.i += 1;
                }
                let word = self.text.get(start..self.i).unwrap_or("");
                serde_json::from_str::<Value>(word)
                    .ok()
                    .filter(|v| !v.is_object() && !v.is_array())
                    .map(Arg::Literal)
                    .ok_or_else(|| fail(format!("'{word}' is not a valid argument")))
            }
        }
    }
}

fn value_of(a: &Arg, src: &Sources, rng: &mut Rng) -> Result<Value, Failure> {
    match a {
        Arg::Literal(v) => Ok(v.clone()),
        Arg::Path(p) => paths::read(p, src),
        Arg::Call(..) => run(a, src, rng),
    }
}

fn as_int(v: &Value, f: &str) -> Result<i64, Failure> {
    match v.as_f64() {
        Some(n) if n.fract() == 0.0 && n.abs() < 9.0e15 => Ok(n as i64),
        _ => Err(fail(format!("{f} needs whole numbers, not {v}"))),
    }
}

/// A value as the service's States.Format writes it: objects and arrays as Java prints maps
/// and lists (`{a=1, b=x}`, `[1, 2]`), strings bare.
fn java_text(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Array(a) => format!(
            "[{}]",
            a.iter().map(java_text).collect::<Vec<_>>().join(", ")
        ),
        Value::Object(m) => format!(
            "{{{}}}",
            m.iter()
                .map(|(k, x)| format!("{k}={}", java_text(x)))
                .collect::<Vec<_>>()
                .join(", ")
        ),
        other => other.to_string(),
    }
}

fn text_of(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

fn run(call: &Arg, src: &Sources, rng: &mut Rng) -> Result<Value, Failure> {
    let Arg::Call(name, args) = call else {
        return value_of(call, src, rng);
    };
    let vals = args
        .iter()
        .map(|a| value_of(a, src, rng))
        .collect::<Result<Vec<Value>, Failure>>()?;
    let n = vals.len();
    let arity = |lo: usize, hi: usize| -> Result<(), Failure> {
        if n < lo || n > hi {
            Err(fail(format!(
                "{name} takes {} argument{}, not {n}",
                if lo == hi {
                    lo.to_string()
                } else {
                    format!("{lo} to {hi}")
                },
                if hi == 1 { "" } else { "s" }
            )))
        } else {
            Ok(())
        }
    };
    let arg = |i: usize| vals.get(i).cloned().unwrap_or(Value::Null);
    let array = |i: usize| -> Result<Vec<Value>, Failure> {
        match vals.get(i) {
            Some(Value::Array(a)) => Ok(a.clone()),
            other => Err(fail(format!(
                "{name} needs an array, not {}",
                other.map_or("nothing".to_string(), |v| v.to_string())
            ))),
        }
    };
    let string = |i: usize| -> Result<String, Failure> {
        match vals.get(i) {
            Some(Value::String(s)) => Ok(s.clone()),
            other => Err(fail(format!(
                "{name} needs a string, not {}",
                other.map_or("nothing".to_string(), |v| v.to_string())
            ))),
        }
    };
    match name.as_str() {
        "States.Format" => {
            if n == 0 {
                return Err(fail("States.Format needs a template"));
            }
            let template = string(0)?;
            let mut out = String::new();
            let mut next = 1;
            let mut chars = template.chars().peekable();
            while let Some(c) = chars.next() {
                match c {
                    '\\' => {
                        if let Some(e) = chars.next() {
                            out.push(e);
                        }
                    }
                    '{' if chars.peek() == Some(&'}') => {
                        chars.next();
                        let v = vals
                            .get(next)
                            .ok_or_else(|| fail("States.Format has more {} than arguments"))?;
                        out.push_str(&java_text(v));
                        next += 1;
                    }
                    c => out.push(c),
                }
            }
            if next != n {
                return Err(fail(format!(
                    "States.Format's template has {} placeholders for {} arguments",
                    next - 1,
                    n - 1
                )));
            }
            Ok(Value::String(out))
        }
        "States.StringToJson" => {
            arity(1, 1)?;
            let s = string(0)?;
            if s.trim().is_empty() {
                return Ok(Value::Null);
            }
            serde_json::from_str(&s)
                .map_err(|e| fail(format!("States.StringToJson: '{s}' is not JSON: {e}")))
        }
        "States.JsonToString" => {
            arity(1, 1)?;
            Ok(Value::String(arg(0).to_string()))
        }
        "States.Array" => Ok(Value::Array(vals.clone())),
        "States.ArrayPartition" => {
            arity(2, 2)?;
            let a = array(0)?;
            let size = as_int(&arg(1), name)?;
            if size <= 0 {
                return Err(fail("States.ArrayPartition needs a chunk size above 0"));
            }
            Ok(Value::Array(
                a.chunks(size as usize)
                    .map(|c| Value::Array(c.to_vec()))
                    .collect(),
            ))
        }
        "States.ArrayContains" => {
            arity(2, 2)?;
            Ok(Value::Bool(array(0)?.contains(&arg(1))))
        }
        "States.ArrayRange" => {
            arity(3, 3)?;
            let (a, b, step) = (
                as_int(&arg(0), name)?,
                as_int(&arg(1), name)?,
                as_int(&arg(2), name)?,
            );
            if step == 0 {
                return Err(fail("States.ArrayRange needs a step other than 0"));
            }
            let mut out = Vec::new();
            let mut x = a;
            while (step > 0 && x <= b) || (step < 0 && x >= b) {
                out.push(json!(x));
                if out.len() > 1000 {
                    return Err(fail("States.ArrayRange makes at most 1000 items"));
                }
                x += step;
            }
            Ok(Value::Array(out))
        }
        "States.ArrayGetItem" => {
            arity(2, 2)?;
            let a = array(0)?;
            let i = as_int(&arg(1), name)?;
            usize::try_from(i)
                .ok()
                .and_then(|i| a.get(i).cloned())
                .ok_or_else(|| fail(format!("States.ArrayGetItem: index {i} is out of bounds")))
        }
        "States.ArrayLength" => {
            arity(1, 1)?;
            Ok(json!(array(0)?.len()))
        }
        "States.ArrayUnique" => {
            arity(1, 1)?;
            let mut out: Vec<Value> = Vec::new();
            for v in array(0)? {
                if !out.contains(&v) {
                    out.push(v);
                }
            }
            Ok(Value::Array(out))
        }
        "States.Base64Encode" => {
            arity(1, 1)?;
            use base64::Engine;
            Ok(Value::String(
                base64::engine::general_purpose::STANDARD.encode(string(0)?.as_bytes()),
            ))
        }
        "States.Base64Decode" => {
            arity(1, 1)?;
            use base64::Engine;
            let s = string(0)?;
            let bytes = base64::engine::general_purpose::STANDARD
                .decode(s.as_bytes())
                .map_err(|e| fail(format!("States.Base64Decode: {e}")))?;
            Ok(Value::String(String::from_utf8_lossy(&bytes).into_owned()))
        }
        "States.Hash" => {
            arity(2, 2)?;
            let data = text_of(&arg(0));
            let algo = string(1)?;
            Ok(Value::String(hash_text(&data, &algo).ok_or_else(|| {
                fail(format!(
                    "States.Hash: '{algo}' is not one of MD5, SHA-1, SHA-256, SHA-384, SHA-512"
                ))
            })?))
        }
        "States.JsonMerge" => {
            arity(3, 3)?;
            let (Value::Object(mut a), Value::Object(b)) = (arg(0), arg(1)) else {
                return Err(fail("States.JsonMerge merges two objects"));
            };
            if arg(2) != Value::Bool(false) {
                return Err(fail(
                    "States.JsonMerge supports only a shallow merge (false)",
                ));
            }
            for (k, v) in b {
                a.insert(k, v);
            }
            Ok(Value::Object(a))
        }
        "States.MathRandom" => {
            arity(2, 3)?;
            let (lo, hi) = (as_int(&arg(0), name)?, as_int(&arg(1), name)?);
            if hi < lo {
                return Err(fail("States.MathRandom's end is before its start"));
            }
            let mut local;
            let r: &mut Rng = if n == 3 {
                local = Rng::new(as_int(&arg(2), name)? as u64);
                &mut local
            } else {
                rng
            };
            let span = (hi - lo) as u64;
            Ok(json!(lo + (r.next_u64() % span.max(1)) as i64))
        }
        "States.MathAdd" => {
            arity(2, 2)?;
            // Each argument is rounded half up first, as the service does (1.5 → 2, -1.5 → -1).
            let round = |v: &Value| -> Result<i64, Failure> {
                v.as_f64()
                    .filter(|n| n.is_finite() && n.abs() < 9.0e15)
                    .map(|n| (n + 0.5).floor() as i64)
                    .ok_or_else(|| fail(format!("States.MathAdd needs numbers, not {v}")))
            };
            Ok(json!(round(&arg(0))? + round(&arg(1))?))
        }
        "States.StringSplit" => {
            arity(2, 2)?;
            let (s, d) = (string(0)?, string(1)?);
            let parts: Vec<Value> = if d.is_empty() {
                s.chars().map(|c| Value::String(c.to_string())).collect()
            } else {
                s.split(|c| d.contains(c))
                    .filter(|p| !p.is_empty())
                    .map(|p| Value::String(p.to_string()))
                    .collect()
            };
            Ok(Value::Array(parts))
        }
        "States.UUID" => {
            arity(0, 0)?;
            Ok(Value::String(rng.uuid()))
        }
        other => Err(fail(format!("'{other}' is not an intrinsic function"))),
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// The hex digest of `data` by one of the five algorithms Step Functions names.
pub fn hash_text(data: &str, algo: &str) -> Option<String> {
    use sha2::Digest;
    Some(match algo {
        "MD5" => hex(&md5::Md5::digest(data.as_bytes())),
        "SHA-1" => hex(&sha1::Sha1::digest(data.as_bytes())),
        "SHA-256" => hex(&sha2::Sha256::digest(data.as_bytes())),
        "SHA-384" => hex(&sha2::Sha384::digest(data.as_bytes())),
        "SHA-512" => hex(&sha2::Sha512::digest(data.as_bytes())),
        _ => return None,
    })
}
