//! Execution histories: every form users paste, read into one list of events.
//!
//! Forms: `get-execution-history` output from CLI v1 (epoch seconds as floats), CLI v2 (ISO-8601
//! strings) and SDK dumps (ISO with a space, or `Z`); several pages, concatenated or as an array;
//! `--reverse-order` output; `{"events": [...]}` or a bare array; CloudWatch Logs records of Express
//! workflows (snake_case envelope, millisecond timestamps as strings; JSON lines, an array, or a
//! `get-log-events` wrapper); and `describe-execution` output, merged in when given. The reader never
//! fails: what it can't use becomes a diagnostic.

mod event_type;

pub use event_type::{details_key, EventType, Phase, Worker};

use crate::diag::Diagnostic;
use crate::diag::DiagnosticCode;
use serde_json::Value;

/// The detected form of a history, for display.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum HistoryForm {
    CliV1,
    CliV2,
    Sdk,
    CloudWatchLogs,
    NoTimestamps,
    Unknown,
}

impl HistoryForm {
    pub fn label(self) -> &'static str {
        match self {
            HistoryForm::CliV1 => "CLI v1 history",
            HistoryForm::CliV2 => "CLI v2 history",
            HistoryForm::Sdk => "SDK history",
            HistoryForm::CloudWatchLogs => "CloudWatch Logs records",
            HistoryForm::NoTimestamps => "history without timestamps",
            HistoryForm::Unknown => "unrecognised history",
        }
    }
}

/// One history event, normalised.
#[derive(Debug, Clone, PartialEq)]
pub struct Event {
    pub id: u64,
    pub previous: u64,
    /// Milliseconds since the Unix epoch, when the event had a real timestamp.
    pub at: Option<i64>,
    /// The type as written (`TaskStateEntered`), for display.
    pub kind: String,
    /// The type, parsed once from `kind`.
    pub ty: EventType,
    /// The `*EventDetails` object (or CloudWatch's `details`), or Null.
    pub details: Value,
}

impl Event {
    pub fn detail(&self, key: &str) -> Option<&Value> {
        self.details.get(key)
    }
    pub fn detail_str(&self, key: &str) -> Option<&str> {
        self.details.get(key).and_then(Value::as_str)
    }
}

/// A detail as the history holds it, decoded: JSON strings holding JSON become that JSON (AWS
/// writes inputs and outputs as JSON text; some recordings decoded them already), other values
/// are kept as they are.
pub fn decode_json_text(v: Option<&Value>) -> Option<Value> {
    match v? {
        Value::String(s) => {
            Some(serde_json::from_str(s).unwrap_or_else(|_| Value::String(s.clone())))
        }
        other => Some(other.clone()),
    }
}

/// What `describe-execution` says, when given.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ExecutionInfo {
    pub name: Option<String>,
    pub status: Option<String>,
    pub input: Option<Value>,
    pub output: Option<Value>,
    pub error: Option<String>,
    pub cause: Option<String>,
    pub redrive_count: Option<u64>,
    pub redrive_status: Option<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct History {
    pub form: HistoryForm,
    /// Sorted by id, without duplicates.
    pub events: Vec<Event>,
    pub execution: Option<ExecutionInfo>,
    /// True when events are missing: gaps in ids, a `nextToken`, or ERROR/FATAL-level logs.
    pub partial: bool,
}

/// Parses a history text. Returns `None` (with diagnostics) when no event could be read.
pub fn parse_history(text: &str) -> (Option<History>, Vec<Diagnostic>) {
    if let Err(message) = crate::limits::check_input("this history", text.len()) {
        return (
            None,
            vec![Diagnostic::error(DiagnosticCode::TooBig, message, "", None)],
        );
    }
    if let Some(fast) = fast::parse(text) {
        return finish(fast.events, None, fast.partial, fast.stamps, Vec::new());
    }
    let mut diags = Vec::new();
    let mut values = Vec::new();
    for item in serde_json::Deserializer::from_str(text).into_iter::<Value>() {
        match item {
            Ok(v) => values.push(v),
            Err(e) => {
                // Report the place; keep whatever was read before it.
                let offset = line_col_to_offset(text, e.line(), e.column());
                diags.push(Diagnostic::error(
                    DiagnosticCode::Syntax,
                    format!("{e}"),
                    "",
                    Some(crate::source::Span::new(offset, offset + 1)),
                ));
                break;
            }
        }
    }
    let mut events = Vec::new();
    let mut execution = None;
    let mut partial = false;
    let mut cloudwatch = false;
    let mut stamps = HistoryForm::Unknown;
    for v in values {
        collect(
            v,
            &mut Collected {
                events: &mut events,
                exec: &mut execution,
                partial: &mut partial,
                cw: &mut cloudwatch,
                stamps: &mut stamps,
            },
            0,
        );
    }
    if cloudwatch {
        stamps = HistoryForm::CloudWatchLogs;
    }
    finish(events, execution, partial, stamps, diags)
}

/// Sorts, de-duplicates and checks the events. `stamps` is the form their timestamps had (see
/// [`note_form`]), or CloudWatch Logs.
fn finish(
    mut events: Vec<Event>,
    execution: Option<ExecutionInfo>,
    mut partial: bool,
    stamps: HistoryForm,
    mut diags: Vec<Diagnostic>,
) -> (Option<History>, Vec<Diagnostic>) {
    if events.len() > crate::limits::MAX_EVENTS {
        diags.push(Diagnostic::error(
            DiagnosticCode::TooBig,
            format!(
                "this history has {} events; Stepscope reads runs of up to {}",
                crate::limits::count(events.len()),
                crate::limits::count(crate::limits::MAX_EVENTS)
            ),
            "",
            None,
        ));
        return (None, diags);
    }
    if events.is_empty() {
        if diags.is_empty() {
            diags.push(Diagnostic::error(DiagnosticCode::NoEvents, "no execution history events found: expected get-execution-history output, an array of events, or CloudWatch Logs records", "", None));
        }
        return (None, diags);
    }
    // Events whose id could not be read keep their place: each takes the id after the event
    // before it (in the order given), shifting nothing else; ids are display keys, not arithmetic.
    if events.iter().any(|e| e.id == 0) {
        partial = true;
        diags.push(Diagnostic::warning(
            DiagnosticCode::NormalisedIds,
            "some events have no numeric id; they are placed in the order given",
            "",
            None,
        ));
        let mut last = 0u64;
        let mut shifted: Vec<Event> = Vec::with_capacity(events.len());
        for mut e in events {
            if e.id == 0 {
                e.id = last + 1;
            }
            last = last.max(e.id);
            shifted.push(e);
        }
        // Real ids later in the list must stay above the synthetic ones.
        let mut next = 0u64;
        for e in shifted.iter_mut() {
            if e.id <= next {
                e.id = next + 1;
            }
            next = e.id;
        }
        events = shifted;
    }
    events.sort_by_key(|e: &Event| e.id);
    events.dedup_by(|a, b| a.id == b.id && a.kind == b.kind);
    // Gaps in ids mean pages or log records are missing.
    if events
        .windows(2)
        .any(|w| matches!(w, [a, b] if b.id != a.id + 1))
        || events.first().is_some_and(|e| e.id > 1)
    {
        partial = true;
        diags.push(Diagnostic::warning(
            DiagnosticCode::PartialHistory,
            "some events are missing (their ids skip); the timeline shows what is there",
            "",
            None,
        ));
    }
    clamp_outliers(&mut events, &mut diags);
    let timed = events.iter().filter(|e| e.at.is_some()).count();
    let form = if stamps == HistoryForm::CloudWatchLogs {
        HistoryForm::CloudWatchLogs
    } else if timed == 0 {
        HistoryForm::NoTimestamps
    } else {
        stamps
    };
    (
        Some(History {
            form,
            events,
            execution,
            partial,
        }),
        diags,
    )
}

/// The farthest an event may be from the middle of its run: a Standard run lasts at most a year.
const MAX_SPREAD_MS: i64 = 366 * 86_400_000;

/// Moves timestamps more than a year from the run's median (a far-future date, 1e300 seconds, a
/// negative epoch) to the time of the event before them, with a warning, so that every time the
/// timeline, the axis and the durations work with stays within two years.
fn clamp_outliers(events: &mut [Event], diags: &mut Vec<Diagnostic>) {
    let mut times: Vec<i64> = events.iter().filter_map(|e| e.at).collect();
    if times.is_empty() {
        return;
    }
    let mid = times.len() / 2;
    let median = *times.select_nth_unstable(mid).1;
    let ok = |t: i64| t.abs_diff(median) <= MAX_SPREAD_MS as u64;
    let mut last = None;
    let mut moved: Vec<u64> = Vec::new();
    for e in events.iter_mut() {
        match e.at {
            Some(t) if ok(t) => last = Some(t),
            Some(_) => {
                e.at = Some(last.unwrap_or(median));
                moved.push(e.id);
            }
            None => {}
        }
    }
    if let Some(first) = moved.first() {
        let more = match moved.len() {
            1 => String::new(),
            n => format!(" (and {} more)", n - 1),
        };
        diags.push(Diagnostic::warning(
            DiagnosticCode::ClockOutlier,
            format!("event {first}{more}: its timestamp is more than a year from the rest of the run, so it is shown at the time of the event before it"),
            "",
            None,
        ));
    }
}

/// What `collect` fills in as it walks the values.
struct Collected<'a> {
    events: &'a mut Vec<Event>,
    exec: &'a mut Option<ExecutionInfo>,
    partial: &'a mut bool,
    cw: &'a mut bool,
    /// The form the timestamps seen so far had.
    stamps: &'a mut HistoryForm,
}

fn line_col_to_offset(text: &str, line: usize, col: usize) -> usize {
    let idx = crate::source::LineIndex::new(text);
    idx.offset_of(text, line, col)
}

fn collect(v: Value, out: &mut Collected, depth: usize) {
    if depth > 4 {
        return;
    }
    match v {
        Value::Array(items) => {
            for item in items {
                collect(item, out, depth + 1);
            }
        }
        Value::Object(mut map) => {
            if map.contains_key("nextToken") || map.contains_key("NextToken") {
                *out.partial = true;
            }
            if let Some(list) = map.remove("events").or_else(|| map.remove("Events")) {
                collect(list, out, depth + 1);
                return;
            }
            if map.contains_key("executionArn")
                && map.contains_key("status")
                && !map.contains_key("type")
            {
                *out.exec = Some(ExecutionInfo {
                    name: map.get("name").and_then(Value::as_str).map(String::from),
                    status: map.get("status").and_then(Value::as_str).map(String::from),
                    input: map.get("input").cloned(),
                    output: map.get("output").cloned(),
                    error: map.get("error").and_then(Value::as_str).map(String::from),
                    cause: map.get("cause").and_then(Value::as_str).map(String::from),
                    redrive_count: map.get("redriveCount").and_then(Value::as_u64),
                    redrive_status: map
                        .get("redriveStatus")
                        .and_then(Value::as_str)
                        .map(String::from),
                });
                return;
            }
            // A get-log-events record: the CloudWatch event is JSON inside `message`.
            if let Some(Value::String(msg)) = map.get("message") {
                if let Ok(inner) = serde_json::from_str::<Value>(msg) {
                    collect(inner, out, depth + 1);
                }
                return;
            }
            if let Some(e) = event(map, out.cw, out.stamps) {
                out.events.push(e);
            }
        }
        _ => {}
    }
}

fn as_u64(v: Option<&Value>) -> Option<u64> {
    match v? {
        Value::Number(n) => n.as_u64(),
        Value::String(s) => s.parse().ok(),
        _ => None,
    }
}

fn event(
    mut map: serde_json::Map<String, Value>,
    cw: &mut bool,
    stamps: &mut HistoryForm,
) -> Option<Event> {
    let kind = map.get("type").and_then(Value::as_str)?.to_string();
    // A non-numeric id (LocalStack's normalised "[0]") gets id 0 here and a synthetic one later.
    let id = as_u64(map.get("id")).unwrap_or(0);
    let cloudwatch = map.contains_key("event_timestamp")
        || map.contains_key("execution_arn")
        || map.contains_key("previous_event_id");
    if cloudwatch {
        *cw = true;
        let previous = as_u64(map.get("previous_event_id")).unwrap_or(0);
        let at = match map.get("event_timestamp") {
            Some(Value::String(s)) => s.parse::<i64>().ok(),
            Some(Value::Number(n)) => n.as_i64(),
            _ => None,
        };
        let details = map.remove("details").unwrap_or(Value::Null);
        return Some(Event {
            id,
            previous,
            at,
            ty: EventType::parse(&kind),
            kind,
            details,
        });
    }
    let previous = as_u64(map.get("previousEventId")).unwrap_or(0);
    let at = map.get("timestamp").and_then(|t| timestamp(t, stamps));
    let details = map
        .iter()
        .find(|(k, _)| k.ends_with("EventDetails"))
        .map(|(k, _)| k.clone())
        .and_then(|k| map.remove(&k))
        .unwrap_or(Value::Null);
    Some(Event {
        id,
        previous,
        at,
        ty: EventType::parse(&kind),
        kind,
        details,
    })
}

/// Epoch milliseconds from a number (seconds, or milliseconds above 1e11) or an ISO-8601 string;
/// `stamps` notes the form it was written in (see [`note_form`]).
fn timestamp(v: &Value, stamps: &mut HistoryForm) -> Option<i64> {
    match v {
        Value::Number(n) => {
            let f = n.as_f64()?;
            note_form(stamps, HistoryForm::CliV1);
            Some(if f > 1e11 {
                f.round() as i64
            } else {
                (f * 1000.0).round() as i64
            })
        }
        Value::String(s) => {
            let ms = parse_iso(s)?;
            let form = if s.contains(' ') || s.ends_with('Z') {
                HistoryForm::Sdk
            } else {
                HistoryForm::CliV2
            };
            note_form(stamps, form);
            Some(ms)
        }
        _ => None,
    }
}

/// The form a history's timestamps say it has, given one more: the latest wins, except that
/// SDK dumps (a space, or JavaScript's `Z`) win over CLI v2 once seen in any event.
fn note_form(stamps: &mut HistoryForm, seen: HistoryForm) {
    if !(*stamps == HistoryForm::Sdk && seen == HistoryForm::CliV2) {
        *stamps = seen;
    }
}

/// Parses `2023-11-14T22:13:20.123000+00:00`, `2023-11-14 22:13:20.123+00:00`, `...Z`.
pub fn parse_iso(s: &str) -> Option<i64> {
    let b = s.as_bytes();
    let num =
        |from: usize, len: usize| -> Option<i64> { s.get(from..from + len)?.parse::<i64>().ok() };
    if b.len() < 19
        || b.get(4) != Some(&b'-')
        || b.get(7) != Some(&b'-')
        || !matches!(b.get(10), Some(b'T' | b' ' | b't'))
    {
        return None;
    }
    let (y, mo, d) = (num(0, 4)?, num(5, 2)?, num(8, 2)?);
    let (h, mi, sec) = (num(11, 2)?, num(14, 2)?, num(17, 2)?);
    let mut i = 19;
    let mut millis = 0i64;
    if b.get(i) == Some(&b'.') {
        i += 1;
        let start = i;
        while b.get(i).is_some_and(u8::is_ascii_digit) {
            i += 1;
        }
        let frac = s.get(start..i).unwrap_or("0");
        let padded: String = frac.chars().chain(std::iter::repeat('0')).take(3).collect();
        millis = padded.parse().unwrap_or(0);
    }
    let offset_min = match b.get(i) {
        Some(b'Z' | b'z') | None => 0,
        Some(sign @ (b'+' | b'-')) => {
            let oh = num(i + 1, 2)?;
            let om = if b.get(i + 3) == Some(&b':') {
                num(i + 4, 2)?
            } else {
                num(i + 3, 2).unwrap_or(0)
            };
            let m = oh * 60 + om;
            if *sign == b'-' {
                -m
            } else {
                m
            }
        }
        _ => return None,
    };
    let days = days_from_civil(y, mo, d);
    Some(((days * 86_400 + h * 3_600 + mi * 60 + sec - offset_min * 60) * 1000) + millis)
}

/// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm).
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = if y >= 0 { y } else { y - 399 } / 400;
    let yoe = y - era * 400;
    let doy = (153 * (m + if m > 2 { -3 } else { 9 }) + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// Formats epoch milliseconds as `2026-11-20T09:14:03.218Z`.
pub fn format_iso(ms: i64) -> String {
    let days = ms.div_euclid(86_400_000);
    let rem = ms.rem_euclid(86_400_000);
    let z = days + 719_468;
    let era = if z >= 0 { z } else { z - 146_096 } / 146_097;
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}.{:03}Z",
        rem / 3_600_000,
        rem / 60_000 % 60,
        rem / 1000 % 60,
        rem % 1000
    )
}

/// The fast path for the common, big case: one `{"events": [...]}` object (or a bare array) of
/// `get-execution-history` events, read straight into [`Event`]s without building a JSON tree for
/// each envelope. Anything else returns `None`, and the general reader takes over.
mod fast {
    use super::{timestamp, Event, HistoryForm};
    use serde::de::{self, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
    use serde_json::Value;
    use std::fmt;

    pub struct Fast {
        pub events: Vec<Event>,
        pub partial: bool,
        /// The form the timestamps had.
        pub stamps: HistoryForm,
    }

    pub fn parse(text: &str) -> Option<Fast> {
        let mut de = serde_json::Deserializer::from_str(text);
        let mut stamps = HistoryForm::Unknown;
        let (events, partial) = de.deserialize_any(TopVisitor(&mut stamps)).ok()?;
        de.end().ok()?;
        (!events.is_empty()).then_some(Fast {
            events,
            partial,
            stamps,
        })
    }

    struct TopVisitor<'s>(&'s mut HistoryForm);
    impl<'de> Visitor<'de> for TopVisitor<'_> {
        type Value = (Vec<Event>, bool);
        fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
            f.write_str("a history")
        }
        fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<Self::Value, A::Error> {
            Ok((EventsVisitor(self.0).visit_seq(seq)?, false))
        }
        fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
            let mut events = None;
            let mut partial = false;
            while let Some(key) = map.next_key::<String>()? {
                match key.as_str() {
                    "events" | "Events" => {
                        events = Some(map.next_value_seed(EventsSeed(&mut *self.0))?)
                    }
                    "nextToken" | "NextToken" => {
                        partial = true;
                        map.next_value::<IgnoredAny>()?;
                    }
                    "ResponseMetadata" | "ExecutionArn" | "executionArn_" => {
                        map.next_value::<IgnoredAny>()?;
                    }
                    // Anything else (describe-execution, log wrappers): the general reader.
                    _ => return Err(de::Error::custom("not the fast form")),
                }
            }
            events
                .map(|events| (events, partial))
                .ok_or_else(|| de::Error::custom("no events"))
        }
    }

    struct EventsSeed<'s>(&'s mut HistoryForm);
    impl<'de> de::DeserializeSeed<'de> for EventsSeed<'_> {
        type Value = Vec<Event>;
        fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Vec<Event>, D::Error> {
            d.deserialize_seq(EventsVisitor(self.0))
        }
    }

    struct EventsVisitor<'s>(&'s mut HistoryForm);
    impl<'de> Visitor<'de> for EventsVisitor<'_> {
        type Value = Vec<Event>;
        fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
            f.write_str("an array of events")
        }
        fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Vec<Event>, A::Error> {
            let mut out = Vec::with_capacity(seq.size_hint().unwrap_or(256));
            while let Some(e) = seq.next_element_seed(EventSeed(&mut *self.0))? {
                out.push(e);
            }
            Ok(out)
        }
    }

    struct EventSeed<'s>(&'s mut HistoryForm);
    impl<'de> de::DeserializeSeed<'de> for EventSeed<'_> {
        type Value = Event;
        fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Event, D::Error> {
            d.deserialize_map(EventVisitor(self.0))
        }
    }

    struct EventVisitor<'s>(&'s mut HistoryForm);
    impl<'de> Visitor<'de> for EventVisitor<'_> {
        type Value = Event;
        fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
            f.write_str("an event")
        }
        fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Event, A::Error> {
            let (mut id, mut previous, mut at, mut kind, mut details) =
                (None, 0u64, None, None, Value::Null);
            while let Some(key) = map.next_key::<std::borrow::Cow<'de, str>>()? {
                match key.as_ref() {
                    "id" => id = Some(map.next_value::<u64>()?),
                    "previousEventId" => previous = map.next_value::<u64>()?,
                    "type" => kind = Some(map.next_value::<String>()?),
                    "timestamp" => at = timestamp(&map.next_value::<Value>()?, self.0),
                    k if k.ends_with("EventDetails") => details = map.next_value::<Value>()?,
                    // CloudWatch records and anything unusual go to the general reader.
                    _ => return Err(de::Error::custom("not a plain history event")),
                }
            }
            match (id, kind) {
                (Some(id), Some(kind)) => Ok(Event {
                    id,
                    previous,
                    at,
                    ty: crate::history::EventType::parse(&kind),
                    kind,
                    details,
                }),
                _ => Err(de::Error::custom("an event needs an id and a type")),
            }
        }
    }
}
