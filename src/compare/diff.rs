//! What changed between two JSON values, for the inspector's A/B view: each difference as a
//! path (`$.order.items[2].qty`) and the two values. Hand-written rather than a crate: the JSON
//! Patch crates give the operations without the old value, and this is a short walk.

use serde::{Deserialize, Serialize};
use serde_json::Value;

/// Past this many differences the list stops and says so.
pub const MAX_CHANGES: usize = 200;

/// One difference: the value at `path` in A and in B (`None`: not there).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Change {
    pub path: String,
    pub a: Option<Value>,
    pub b: Option<Value>,
}

/// The differences from `a` to `b`, in document order, at most [`MAX_CHANGES`]; the flag says
/// whether the list was cut.
pub fn diff(a: &Value, b: &Value) -> (Vec<Change>, bool) {
    let mut out = Vec::new();
    let mut cut = false;
    walk("$".to_string(), a, b, &mut out, &mut cut);
    (out, cut)
}

fn key_path(path: &str, key: &str) -> String {
    let plain = !key.is_empty()
        && key.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
        && !key.starts_with(|c: char| c.is_ascii_digit());
    if plain {
        format!("{path}.{key}")
    } else {
        format!("{path}[{}]", Value::String(key.to_string()))
    }
}

fn push(out: &mut Vec<Change>, cut: &mut bool, c: Change) {
    if out.len() < MAX_CHANGES {
        out.push(c);
    } else {
        *cut = true;
    }
}

fn walk(path: String, a: &Value, b: &Value, out: &mut Vec<Change>, cut: &mut bool) {
    if *cut {
        return;
    }
    match (a, b) {
        (Value::Object(x), Value::Object(y)) => {
            for (k, va) in x {
                match y.get(k) {
                    Some(vb) => walk(key_path(&path, k), va, vb, out, cut),
                    None => push(
                        out,
                        cut,
                        Change {
                            path: key_path(&path, k),
                            a: Some(va.clone()),
                            b: None,
                        },
                    ),
                }
            }
            for (k, vb) in y {
                if !x.contains_key(k) {
                    push(
                        out,
                        cut,
                        Change {
                            path: key_path(&path, k),
                            a: None,
                            b: Some(vb.clone()),
                        },
                    );
                }
            }
        }
        (Value::Array(x), Value::Array(y)) => {
            for i in 0..x.len().max(y.len()) {
                let p = format!("{path}[{i}]");
                match (x.get(i), y.get(i)) {
                    (Some(va), Some(vb)) => walk(p, va, vb, out, cut),
                    (va, vb) => push(
                        out,
                        cut,
                        Change {
                            path: p,
                            a: va.cloned(),
                            b: vb.cloned(),
                        },
                    ),
                }
            }
        }
        _ if a == b => {}
        _ => push(
            out,
            cut,
            Change {
                path,
                a: Some(a.clone()),
                b: Some(b.clone()),
            },
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn finds_changed_added_and_removed_values_by_path() {
        let a = json!({"order": {"id": 1, "items": [{"qty": 1}, {"qty": 2}]}, "gone": true});
        let b =
            json!({"order": {"id": 1, "items": [{"qty": 1}, {"qty": 3}, {"qty": 4}]}, "a b": 0});
        let (c, cut) = diff(&a, &b);
        assert!(!cut);
        let paths: Vec<&str> = c.iter().map(|c| c.path.as_str()).collect();
        assert_eq!(
            paths,
            [
                "$.order.items[1].qty",
                "$.order.items[2]",
                "$.gone",
                "$[\"a b\"]"
            ]
        );
        assert_eq!(c[0].a, Some(json!(2)));
        assert_eq!(c[0].b, Some(json!(3)));
        assert_eq!(c[2].b, None);
        assert_eq!(diff(&a, &a).0, vec![]);
    }

    #[test]
    fn stops_at_the_cap() {
        let a = Value::Array((0..500).map(|i| json!(i)).collect());
        let b = Value::Array((0..500).map(|i| json!(i + 1)).collect());
        let (c, cut) = diff(&a, &b);
        assert_eq!(c.len(), MAX_CHANGES);
        assert!(cut);
    }
}
