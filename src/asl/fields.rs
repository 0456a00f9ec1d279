//! Which fields each state type may have, and which belong to one query language only.

use super::model::StateType;

/// Fields every state may have.
const COMMON: &[&str] = &["Type", "Comment", "QueryLanguage"];

pub fn allowed(type_name: &str) -> &'static [&'static str] {
    match type_name {
        "Task" => &[
            "Next",
            "End",
            "Resource",
            "Parameters",
            "Arguments",
            "ResultSelector",
            "ResultPath",
            "Output",
            "Assign",
            "Retry",
            "Catch",
            "TimeoutSeconds",
            "TimeoutSecondsPath",
            "HeartbeatSeconds",
            "HeartbeatSecondsPath",
            "Credentials",
            "InputPath",
            "OutputPath",
        ],
        "Pass" => &[
            "Next",
            "End",
            "Result",
            "ResultPath",
            "Parameters",
            "InputPath",
            "OutputPath",
            "Output",
            "Assign",
        ],
        "Wait" => &[
            "Next",
            "End",
            "Seconds",
            "Timestamp",
            "SecondsPath",
            "TimestampPath",
            "InputPath",
            "OutputPath",
            "Output",
            "Assign",
        ],
        "Choice" => &[
            "Choices",
            "Default",
            "InputPath",
            "OutputPath",
            "Output",
            "Assign",
        ],
        "Succeed" => &["InputPath", "OutputPath", "Output"],
        "Fail" => &["Error", "Cause", "ErrorPath", "CausePath"],
        "Parallel" => &[
            "Next",
            "End",
            "Branches",
            "Parameters",
            "Arguments",
            "ResultSelector",
            "ResultPath",
            "InputPath",
            "OutputPath",
            "Output",
            "Assign",
            "Retry",
            "Catch",
        ],
        "Map" => &[
            "Next",
            "End",
            "Iterator",
            "ItemProcessor",
            "ItemsPath",
            "Items",
            "ItemSelector",
            "Parameters",
            "MaxConcurrency",
            "MaxConcurrencyPath",
            "ItemReader",
            "ItemBatcher",
            "ResultWriter",
            "ToleratedFailureCount",
            "ToleratedFailureCountPath",
            "ToleratedFailurePercentage",
            "ToleratedFailurePercentagePath",
            "Label",
            "ResultSelector",
            "ResultPath",
            "InputPath",
            "OutputPath",
            "Output",
            "Assign",
            "Retry",
            "Catch",
        ],
        _ => &[],
    }
}

pub fn is_common(field: &str) -> bool {
    COMMON.contains(&field)
}

/// Every field name any state type defines.
pub fn is_known_state_field(field: &str) -> bool {
    is_common(field)
        || StateType::ALL
            .iter()
            .any(|t| allowed(t.as_str()).contains(&field))
}

/// Fields a JSONata state must not use.
pub fn jsonpath_only(field: &str) -> bool {
    matches!(
        field,
        "InputPath"
            | "OutputPath"
            | "Parameters"
            | "ResultSelector"
            | "ResultPath"
            | "ItemsPath"
            | "Result"
            | "Iterator"
    ) || (field.ends_with("Path") && field != "Path")
}

/// Fields a JSONPath state must not use.
pub fn jsonata_only(field: &str) -> bool {
    matches!(field, "Arguments" | "Output" | "Items" | "Condition")
}

/// The known field a misspelt one most likely meant, when it is close enough to be a typo.
pub fn did_you_mean<'a>(field: &str, candidates: impl Iterator<Item = &'a str>) -> Option<&'a str> {
    let lower = field.to_ascii_lowercase();
    let mut best: Option<(usize, &str)> = None;
    for c in candidates {
        let cl = c.to_ascii_lowercase();
        let d = if lower == cl {
            0
        } else if c.len() >= 6 && (lower.ends_with(&cl) || lower.starts_with(&cl)) {
            1
        } else {
            edit_distance(&lower, &cl)
        };
        let limit = if c.len() >= 8 { 2 } else { 1 };
        if d <= limit && best.is_none_or(|(bd, _)| d < bd) {
            best = Some((d, c));
        }
    }
    best.map(|(_, c)| c)
}

fn edit_distance(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    if a.len().abs_diff(b.len()) > 3 {
        return 4;
    }
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.iter().enumerate() {
        let mut cur = vec![i + 1; b.len() + 1];
        for (j, cb) in b.iter().enumerate() {
            let cost = usize::from(ca != cb);
            let v = (prev.get(j).copied().unwrap_or(0) + cost)
                .min(prev.get(j + 1).copied().unwrap_or(0) + 1)
                .min(cur.get(j).copied().unwrap_or(0) + 1);
            if let Some(slot) = cur.get_mut(j + 1) {
                *slot = v;
            }
        }
        prev = cur;
    }
    prev.last().copied().unwrap_or(0)
}
