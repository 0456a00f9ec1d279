//! JSONPath as Step Functions reads it, over serde_json_path (RFC 9535): the thin layer that gives
//! the service's semantics. A definite path (names and indexes only) yields its one value and
//! fails with `States.Runtime` when nothing matches; an indefinite one (wildcards, filters,
//! slices, unions, deep scans) yields the array of its matches. `$$` reads the context object,
//! `$name` a variable. The AWS bracket form with a space, `$.a.['b c']`, is normalised first.

use super::Failure;
use serde_json::{Map, Value};

/// One step of a definite path.
#[derive(Debug, Clone, PartialEq)]
pub enum Step {
    Name(String),
    Index(usize),
}

/// Where a path reads from.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Root {
    Input,
    Context,
    Variable,
}

/// Splits a path into its root and the rest (`$.a` → Input `.a`; `$$.x` → Context `.x`;
/// `$v.a` → Variable `v`, `.a`).
fn split_root(path: &str) -> Option<(Root, String, &str)> {
    if let Some(rest) = path.strip_prefix("$$") {
        return Some((Root::Context, String::new(), rest));
    }
    let rest = path.strip_prefix('$')?;
    if rest.is_empty() || rest.starts_with('.') || rest.starts_with('[') {
        return Some((Root::Input, String::new(), rest));
    }
    let end = rest.find(['.', '[']).unwrap_or(rest.len());
    Some((Root::Variable, rest[..end].to_string(), &rest[end..]))
}

/// The steps of a definite path's tail (`.a.b[0]['c d']`), or None when it is not definite.
pub fn definite_steps(tail: &str) -> Option<Vec<Step>> {
    let b = tail.as_bytes();
    let mut i = 0;
    let mut out = Vec::new();
    while i < b.len() {
        match b.get(i) {
            Some(b'.') => {
                i += 1;
                if b.get(i) == Some(&b'[') {
                    continue;
                }
                let start = i;
                while i < b.len() && !matches!(b.get(i), Some(b'.' | b'[')) {
                    i += 1;
                }
                let name = tail.get(start..i)?;
                if name.is_empty() || name == "*" || name.starts_with('.') {
                    return None;
                }
                out.push(Step::Name(name.to_string()));
            }
            Some(b'[') => {
                let rest = tail.get(i + 1..)?;
                let quote = rest.trim_start().chars().next()?;
                if quote == '\'' || quote == '"' {
                    // A quoted name, read as the service reads it: a backslash escapes the quote
                    // that opened the name, and any other backslash is itself.
                    let body = rest.trim_start().get(1..)?;
                    let mut name = String::new();
                    let mut chars = body.char_indices();
                    let end = loop {
                        match chars.next()? {
                            (_, '\\') => match chars.next()? {
                                (_, c) if c == quote => name.push(c),
                                (_, c) => {
                                    name.push('\\');
                                    name.push(c);
                                }
                            },
                            (k, c) if c == quote => break k,
                            (_, c) => name.push(c),
                        }
                    };
                    let after = body.get(end + 1..)?.trim_start();
                    let after = after.strip_prefix(']')?;
                    out.push(Step::Name(name));
                    i = tail.len() - after.len();
                } else {
                    let close = rest.find(']')?;
                    let n = rest.get(..close)?.trim().parse::<usize>().ok()?;
                    out.push(Step::Index(n));
                    i += close + 2;
                }
            }
            _ => return None,
        }
    }
    Some(out)
}

/// The AWS form `$.a.['b c']` as RFC 9535 writes it (`$.a['b c']`).
fn normalise(path: &str) -> String {
    path.replace(".[", "[")
}

fn follow<'a>(mut v: &'a Value, steps: &[Step]) -> Option<&'a Value> {
    for s in steps {
        v = match (s, v) {
            (Step::Name(n), Value::Object(m)) => m.get(n)?,
            (Step::Index(i), Value::Array(a)) => a.get(*i)?,
            _ => return None,
        };
    }
    Some(v)
}

/// What a path reads.
pub struct Sources<'a> {
    pub input: &'a Value,
    pub context: &'a Value,
    pub variables: &'a Map<String, Value>,
}

/// Reads `path` from `src`: its value for a definite path, the array of its matches for an
/// indefinite one.
pub fn read(path: &str, src: &Sources) -> Result<Value, Failure> {
    let missing = || {
        Failure::runtime(format!(
            "The JSONPath '{path}' could not be found in the input '{}'",
            src.input
        ))
    };
    let Some((root, var, tail)) = split_root(path.trim()) else {
        return Err(Failure::runtime(format!(
            "'{path}' is not a valid JSONPath"
        )));
    };
    let base = match root {
        Root::Input => src.input,
        Root::Context => src.context,
        Root::Variable => src
            .variables
            .get(&var)
            .ok_or_else(|| Failure::runtime(format!("the variable '{var}' is not defined")))?,
    };
    if let Some(steps) = definite_steps(tail) {
        return follow(base, &steps).cloned().ok_or_else(missing);
    }
    let query = normalise(&format!("${tail}"));
    let parsed = serde_json_path::JsonPath::parse(&query)
        .map_err(|e| Failure::runtime(format!("'{path}' is not a valid JSONPath: {e}")))?;
    Ok(Value::Array(
        parsed.query(base).all().into_iter().cloned().collect(),
    ))
}

/// Writes `value` at a reference path into `target` (ResultPath): `$` replaces it; `$.a.b`
/// sets `b` in `a`, creating objects on the way.
pub fn write(target: Value, path: &str, value: Value) -> Result<Value, Failure> {
    let fail = || {
        Failure::runtime(format!(
            "Invalid path '{path}': the result can't be written into the input"
        ))
    };
    let tail = path.trim().strip_prefix('$').ok_or_else(fail)?;
    let steps = definite_steps(tail).ok_or_else(fail)?;
    if steps.is_empty() {
        return Ok(value);
    }
    let mut root = target;
    let mut value = Some(value);
    {
        let mut cur = &mut root;
        for (k, s) in steps.iter().enumerate() {
            let last = k + 1 == steps.len();
            match s {
                Step::Name(n) => {
                    if cur.is_null() {
                        *cur = Value::Object(Map::new());
                    }
                    let Value::Object(m) = cur else {
                        return Err(fail());
                    };
                    if last {
                        m.insert(n.clone(), value.take().unwrap_or(Value::Null));
                        break;
                    }
                    cur = m
                        .entry(n.clone())
                        .or_insert_with(|| Value::Object(Map::new()));
                }
                Step::Index(i) => {
                    let Value::Array(a) = cur else {
                        return Err(fail());
                    };
                    let Some(slot) = a.get_mut(*i) else {
                        return Err(fail());
                    };
                    if last {
                        *slot = value.take().unwrap_or(Value::Null);
                        break;
                    }
                    cur = slot;
                }
            }
        }
    }
    Ok(root)
}
