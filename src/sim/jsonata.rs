//! JSONata, as Step Functions runs it, over jsonata-core: `{% … %}` strings anywhere in a
//! field's value, `$states` and the workflow's variables bound, and the service's own functions
//! (`$partition`, `$range`, `$hash`, `$random`, `$uuid`, `$parse`). The clock and the random
//! functions are the run's (virtual, seeded), so a run is the same every time; `$eval` gives the
//! service's error. Every error is `States.QueryEvaluationError`.

use super::{Failure, Rng};
use jsonata_core::evaluator::{Context, Evaluator, EvaluatorError, EvaluatorOptions};
use jsonata_core::value::JValue;
use serde_json::{Map, Value};
use std::cell::RefCell;
use std::rc::Rc;

fn fail(msg: impl Into<String>) -> Failure {
    Failure::new("States.QueryEvaluationError", msg)
}

/// The body of a `{% … %}` string, or None for a plain string.
pub fn expression(s: &str) -> Option<&str> {
    s.trim()
        .strip_prefix("{%")
        .and_then(|r| r.strip_suffix("%}"))
        .map(str::trim)
}

/// What an expression sees.
pub struct Scope<'a> {
    pub states: &'a Value,
    pub variables: &'a Map<String, Value>,
    pub now_ms: i64,
}

fn to_json(v: &JValue) -> Option<Value> {
    if matches!(v, JValue::Undefined) {
        return None;
    }
    Some(whole(Value::from(v)))
}

/// JSONata's numbers are doubles; the service writes whole ones as integers (`3`, not `3.0`).
fn whole(v: Value) -> Value {
    match v {
        Value::Number(n) => match n.as_f64() {
            Some(f) if n.is_f64() && f.fract() == 0.0 && f.abs() < 9.0e15 => Value::from(f as i64),
            _ => Value::Number(n),
        },
        Value::Array(a) => Value::Array(a.into_iter().map(whole).collect()),
        Value::Object(m) => Value::Object(m.into_iter().map(|(k, x)| (k, whole(x))).collect()),
        other => other,
    }
}

fn number(args: &[JValue], i: usize) -> Option<f64> {
    match args.get(i) {
        Some(JValue::Number(n)) => Some(*n),
        _ => None,
    }
}

/// Bounds on one evaluation: its stack and its sequences everywhere, its time natively. (The
/// browser has no clock jsonata-core can read; there the simulator runs in a worker the page
/// can stop.)
fn limits() -> EvaluatorOptions {
    EvaluatorOptions {
        #[cfg(not(target_arch = "wasm32"))]
        timeout_ms: Some(2_000),
        max_stack_depth: Some(5_000),
        max_sequence_length: Some(1_000_000),
        ..EvaluatorOptions::default()
    }
}

/// Evaluates one expression; None when its result is undefined.
pub fn eval(body: &str, scope: &Scope, rng: &Rc<RefCell<Rng>>) -> Result<Option<Value>, Failure> {
    if body.contains("$eval(") {
        return Err(fail(
            "The JSONata function $eval is not supported by Step Functions",
        ));
    }
    let ast = jsonata_core::parser::parse(body)
        .map_err(|e| fail(format!("{e} in the JSONata expression '{body}'")))?;
    let mut ctx = Context::new();
    ctx.bind("states".to_string(), JValue::from(scope.states.clone()));
    for (k, v) in scope.variables {
        ctx.bind(k.clone(), JValue::from(v.clone()));
    }
    let mut ev = Evaluator::with_options(ctx, limits());
    let now = scope.now_ms;
    let r = rng.clone();
    let _ = ev.register_fn_override(
        "millis",
        move |_: &[JValue]| -> Result<JValue, EvaluatorError> { Ok(JValue::Number(now as f64)) },
    );
    let _ = ev.register_fn_override(
        "now",
        move |_: &[JValue]| -> Result<JValue, EvaluatorError> {
            Ok(JValue::from(Value::String(crate::history::format_iso(now))))
        },
    );
    let r2 = r.clone();
    let _ = ev.register_fn_override(
        "random",
        move |args: &[JValue]| -> Result<JValue, EvaluatorError> {
            let x = match number(args, 0) {
                Some(seed) => Rng::new(seed as u64).unit(),
                None => r2.borrow_mut().unit(),
            };
            Ok(JValue::Number(x))
        },
    );
    let r3 = r.clone();
    let _ = ev.register_fn(
        "uuid",
        move |_: &[JValue]| -> Result<JValue, EvaluatorError> {
            Ok(JValue::from(Value::String(r3.borrow_mut().uuid())))
        },
    );
    let _ = ev.register_fn(
        "partition",
        |args: &[JValue]| -> Result<JValue, EvaluatorError> {
            let items = args.first().and_then(to_json);
            let size = number(args, 1).unwrap_or(0.0);
            match items {
                Some(Value::Array(a)) if size >= 1.0 => Ok(JValue::from(Value::Array(
                    a.chunks(size as usize)
                        .map(|c| Value::Array(c.to_vec()))
                        .collect(),
                ))),
                _ => Err(EvaluatorError::EvaluationError(
                    "$partition needs an array and a chunk size of at least 1".into(),
                )),
            }
        },
    );
    let _ = ev.register_fn(
        "range",
        |args: &[JValue]| -> Result<JValue, EvaluatorError> {
            let (a, b, s) = (
                number(args, 0).unwrap_or(0.0),
                number(args, 1).unwrap_or(0.0),
                number(args, 2).unwrap_or(1.0),
            );
            if s == 0.0 {
                return Err(EvaluatorError::EvaluationError(
                    "$range needs a step other than 0".into(),
                ));
            }
            let mut out = Vec::new();
            let mut x = a;
            while (s > 0.0 && x <= b) || (s < 0.0 && x >= b) {
                out.push(serde_json::json!(x));
                if out.len() > 1000 {
                    return Err(EvaluatorError::EvaluationError(
                        "$range makes at most 1000 items".into(),
                    ));
                }
                x += s;
            }
            // A sequence of one is its one value, as JSONata's sequences are.
            Ok(JValue::from(match <[Value; 1]>::try_from(out) {
                Ok([one]) => one,
                Err(out) => Value::Array(out),
            }))
        },
    );
    let _ = ev.register_fn(
        "hash",
        |args: &[JValue]| -> Result<JValue, EvaluatorError> {
            let data = args.first().and_then(to_json).map(|v| match v {
                Value::String(s) => s,
                other => other.to_string(),
            });
            let algo = args.get(1).and_then(to_json);
            match (data, algo) {
                (Some(d), Some(Value::String(a))) => super::intrinsics::hash_text(&d, &a)
                    .map(|h| JValue::from(Value::String(h)))
                    .ok_or_else(|| {
                        EvaluatorError::EvaluationError(format!(
                            "$hash: '{a}' is not a hash algorithm Step Functions knows"
                        ))
                    }),
                _ => Err(EvaluatorError::EvaluationError(
                    "$hash needs a string and an algorithm".into(),
                )),
            }
        },
    );
    let _ = ev.register_fn(
        "parse",
        |args: &[JValue]| -> Result<JValue, EvaluatorError> {
            match args.first().and_then(to_json) {
                Some(Value::String(s)) => serde_json::from_str::<Value>(&s)
                    .map(JValue::from)
                    .map_err(|e| EvaluatorError::EvaluationError(format!("$parse: {e}"))),
                _ => Err(EvaluatorError::EvaluationError(
                    "$parse needs a JSON string".into(),
                )),
            }
        },
    );
    let out = ev
        .evaluate(&ast, &JValue::Null)
        .map_err(|e| fail(format!("{e}")))?;
    Ok(to_json(&out))
}

/// A field's value with every `{% … %}` string inside it evaluated (objects and arrays walked).
/// An expression that gives nothing is an error naming its field (`Arguments/FunctionName`).
pub fn resolve(
    v: &Value,
    scope: &Scope,
    rng: &Rc<RefCell<Rng>>,
    field: &str,
    depth: usize,
) -> Result<Option<Value>, Failure> {
    if depth > 64 {
        return Err(fail("a template nested too deeply"));
    }
    Ok(Some(match v {
        Value::String(s) => match expression(s) {
            Some(body) => match eval(body, scope, rng).map_err(|f| {
                let why = ["Reference error: ", "Type error: ", "Evaluation error: "]
                    .iter()
                    .find_map(|p| f.cause.strip_prefix(p))
                    .unwrap_or(&f.cause);
                // The service does not name the function it could not call.
                let why = match why.split_once("Attempted to invoke a non-function: ") {
                    Some((head, _)) => format!("{head}Attempted to invoke a non-function"),
                    None => why.to_string(),
                };
                fail(format!(
                    "The JSONata expression '{body}' specified for the field '{field}' threw an error during evaluation. {why}"
                ))
            })? {
                Some(x) => x,
                None => {
                    return Err(fail(format!(
                        "The JSONata expression '{body}' specified for the field '{field}' returned nothing (undefined)."
                    )))
                }
            },
            None => v.clone(),
        },
        Value::Object(m) => {
            let mut out = Map::new();
            for (k, x) in m {
                if let Some(r) = resolve(x, scope, rng, &format!("{field}/{k}"), depth + 1)? {
                    out.insert(k.clone(), r);
                }
            }
            Value::Object(out)
        }
        Value::Array(a) => {
            let mut out = Vec::new();
            for (i, x) in a.iter().enumerate() {
                if let Some(r) = resolve(x, scope, rng, &format!("{field}[{i}]"), depth + 1)? {
                    out.push(r);
                }
            }
            Value::Array(out)
        }
        other => other.clone(),
    }))
}
