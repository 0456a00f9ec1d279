//! Share links: the whole view in the URL fragment, never in the path or query.
//!
//! The fragment is `&`-separated `key=value` pairs. The view pairs are readable and can be written
//! by hand: `t=` (ms from the start), `sel=` (a state name, percent-encoded), `view=graph|timeline|
//! split`, `theme=light|dark`, `mode=heat|critical` (the overlay), `title=` (the machine's title,
//! percent-encoded), `embed=1`. The data pairs `d=` (definition) and `h=` (history) carry
//! a versioned payload: a version character, then base64url of raw deflate primed with a preset
//! dictionary of ASL and history vocabulary. The definition travels minified; the history in a
//! compact form that keeps only what replay needs (inputs and outputs optional), rebuilt into CLI
//! v2 JSON when opened. Every earlier version keeps decoding: `tests/fixtures/links/` pins them.

use crate::limits::{self, MAX_EVENTS, MAX_INPUT_BYTES, MAX_LINK_RUN_BYTES};
use serde_json::{Map, Value};

mod tree;

/// Version 1 of the data payloads: text, deflated.
const V1: char = '1';
/// Version 2, for JSON definitions: the JSON's tokens (`tree`), deflated.
const V2: char = '2';

/// How the view is arranged.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ViewMode {
    Graph,
    Timeline,
    Split,
}

impl ViewMode {
    pub fn as_str(self) -> &'static str {
        match self {
            ViewMode::Graph => "graph",
            ViewMode::Timeline => "timeline",
            ViewMode::Split => "split",
        }
    }
}

/// Everything a link carries.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Shared {
    pub definition: Option<String>,
    pub history: Option<String>,
    pub t: Option<i64>,
    pub sel: Option<String>,
    pub view: Option<ViewMode>,
    /// `light` or `dark`.
    pub theme: Option<String>,
    pub embed: bool,
    /// The overlay: `heat` or `critical` (status when absent).
    pub mode: Option<String>,
    /// The machine's title as its sharer saw it (a template's machine name, the demo's name).
    pub title: Option<String>,
    /// A simulated run travels as what made it (issue 17): the page simulates it again on open,
    /// with the same seed, so the run is the same. A link then carries no history.
    pub sim: Option<SimCase>,
}

/// What a simulated run was made from: the Simulate panel's texts and seed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SimCase {
    /// The execution input, as JSON text.
    pub input: String,
    /// The MockConfigFile, as JSON text (empty: none).
    pub mocks: String,
    pub test_case: Option<String>,
    pub seed: u64,
    /// The what-ifs, as JSON text (`{STATE: {"error", "cause", "latencyMs", "input"}}`; empty:
    /// none).
    pub overrides: String,
}

impl SimCase {
    /// The case as one compact JSON object: `{"i", "m", "c", "r"}` (input and mocks minified).
    fn to_json(&self) -> Value {
        let mini = |t: &str| {
            serde_json::from_str::<Value>(t)
                .ok()
                .and_then(|v| serde_json::to_string(&v).ok())
                .unwrap_or_else(|| t.to_string())
        };
        let mut o = Map::new();
        o.insert("i".into(), mini(&self.input).into());
        if !self.mocks.trim().is_empty() {
            o.insert("m".into(), mini(&self.mocks).into());
        }
        if let Some(c) = &self.test_case {
            o.insert("c".into(), c.clone().into());
        }
        o.insert("r".into(), self.seed.into());
        if let Ok(Value::Object(w)) = serde_json::from_str::<Value>(&self.overrides) {
            if !w.is_empty() {
                o.insert("o".into(), Value::Object(w));
            }
        }
        Value::Object(o)
    }

    fn from_json(v: &Value) -> Option<SimCase> {
        let text = |k: &str| v.get(k).and_then(Value::as_str).map(String::from);
        Some(SimCase {
            input: text("i").unwrap_or_else(|| "{}".into()),
            mocks: text("m").unwrap_or_default(),
            test_case: text("c"),
            seed: v.get("r").and_then(Value::as_u64).unwrap_or(1),
            overrides: v
                .get("o")
                .filter(|o| o.is_object())
                .map(|o| o.to_string())
                .unwrap_or_default(),
        })
        .filter(|_| v.is_object())
    }
}

/// The overlay modes a link may ask for besides status.
pub const MODES: [&str; 2] = ["heat", "critical"];

/// What to leave out of a link.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Redaction {
    /// Drop inputs and outputs from the history.
    pub payloads: bool,
    /// Replace 12-digit account ids (in ARNs and elsewhere) with zeros.
    pub accounts: bool,
}

impl Redaction {
    /// On by default when a history is included.
    pub fn all() -> Self {
        Redaction {
            payloads: true,
            accounts: true,
        }
    }
}

// ---- The preset dictionary -------------------------------------------------------------------

/// Text a link's deflate stream may refer back to without carrying it: the vocabulary of ASL and of
/// the compact history form, most frequent last (nearest to the data, cheapest to reach).
/// It is part of payload version 1: changing it is a new version (the fixtures would catch it).
const DICTIONARY: &str = concat!(
    r#"{"QueryLanguage":"JSONata","Arguments":{"Payload":"{% $states.input %}"},"Output":"{% $states.result.Payload %}","Assign":{},"Condition":"{% $states.input. %}","#,
    r#""Type":"Wait","Seconds":10,"Timestamp":"SecondsPath":"$.","TimestampPath":"$.","#,
    r#""Type":"Parallel","Branches":[{"StartAt":"","States":{"#,
    r#""Type":"Map","ItemProcessor":{"ProcessorConfig":{"Mode":"INLINE"},"StartAt":"","Iterator":{"ItemsPath":"$.","ItemSelector":{"MaxConcurrency":10,"ToleratedFailurePercentage":"ItemReader":{"Resource":"arn:aws:states:::s3:getObject","ReaderConfig":{"InputType":"CSV","#,
    r#""Type":"Choice","Choices":[{"Variable":"$.","StringEquals":"","NumericEquals":"NumericGreaterThan":"NumericLessThan":"BooleanEquals":true,"IsPresent":true,"And":[{"Or":[{"Not":{"Default":"","#,
    r#""Type":"Succeed"},"Type":"Fail","Error":"","Cause":"","Type":"Pass","Result":{"ResultPath":"$.","OutputPath":"$.","InputPath":"$.","ResultSelector":{"#,
    r#""TimeoutSeconds":300,"HeartbeatSeconds":60,"Retry":[{"ErrorEquals":["States.TaskFailed","States.Timeout","Lambda.ServiceException","Lambda.AWSLambdaException","Lambda.SdkClientException","Lambda.TooManyRequestsException"],"IntervalSeconds":1,"MaxAttempts":3,"BackoffRate":2,"MaxDelaySeconds":"JitterStrategy":"FULL"}],"Catch":[{"ErrorEquals":["States.ALL"],"ResultPath":"$.error","Next":"","#,
    r#""Resource":"arn:aws:states:::dynamodb:putItem","arn:aws:states:::sns:publish","arn:aws:states:::sqs:sendMessage","arn:aws:states:::events:putEvents","arn:aws:states:::states:startExecution.sync:2","arn:aws:states:::ecs:runTask.sync","arn:aws:states:::glue:startJobRun.sync","arn:aws:states:::lambda:invoke.waitForTaskToken","#,
    r#""Parameters":{"FunctionName":"arn:aws:lambda:us-east-1:000000000000:function:","Payload.$":"$","TableName":"","Item":{"TopicArn":"","Message.$":"$","QueueUrl":"","MessageBody.$":"$","#,
    r#"arn:aws:lambda:eu-west-1:000000000000:function:arn:aws:lambda:us-west-2:000000000000:function:"#,
    r#"{"Comment":"","StartAt":"","States":{"":{"Type":"Task","Resource":"arn:aws:states:::lambda:invoke","OutputPath":"$.Payload","Parameters":{"Payload.$":"$","FunctionName":"arn:aws:lambda:us-east-1:000000000000:function:"},"Retry":[{"ErrorEquals":["Lambda.ServiceException","Lambda.AWSLambdaException","Lambda.SdkClientException","Lambda.TooManyRequestsException"],"IntervalSeconds":1,"MaxAttempts":3,"BackoffRate":2}],"Next":""},"ResultSelector":{"Payload.$":"$.Payload"},"Type":"Choice","Choices":[{"Variable":"$.","BooleanEquals":true,"Next":""}],"Default":""},"End":true}}}"#,
    r#"{"s":0,"e":[[0,"ExecutionStarted",0,{"input":"{}"}],"ExecutionSucceeded","ExecutionFailed","ExecutionAborted","ExecutionTimedOut","ExecutionRedriven","MapRunStarted","MapRunSucceeded","MapRunFailed","MapStateStarted","MapStateSucceeded","MapStateFailed","MapIterationStarted","MapIterationSucceeded","MapIterationFailed","MapIterationAborted","ParallelStateStarted","ParallelStateSucceeded","ParallelStateFailed","WaitStateEntered","WaitStateExited","ChoiceStateEntered","ChoiceStateExited","PassStateEntered","PassStateExited","SucceedStateEntered","SucceedStateExited","FailStateEntered","MapStateEntered","MapStateExited","ParallelStateEntered","ParallelStateExited","LambdaFunctionScheduled","LambdaFunctionStarted","LambdaFunctionSucceeded","LambdaFunctionFailed","TaskScheduled","TaskStarted","TaskSubmitted","TaskFailed","TaskTimedOut","TaskSucceeded","TaskStateExited","TaskStateEntered","#,
    r#"{"name":"","index":0,"length":3,"resource":"invoke","resourceType":"lambda","error":"States.TaskFailed","cause":"","output":"{}"}],[1,"TaskStateEntered",1,{"name":""}],[2,"TaskScheduled",1,{"resource":"invoke","resourceType":"lambda"}],[3,"TaskStarted",1,0],[4,"TaskSucceeded",1,0],[5,"TaskStateExited",1,{"name":""}]"#,
);

/// A compressor that has taken in the dictionary and flushed it to a byte boundary, and the
/// bytes it wrote for it. Both ends make the same prefix: the writer drops it, the reader prepends it.
fn primed(dictionary: &[u8]) -> (miniz_oxide::deflate::core::CompressorOxide, Vec<u8>) {
    use miniz_oxide::deflate::core::{
        compress, create_comp_flags_from_zip_params, CompressorOxide, TDEFLFlush,
    };
    let mut c = CompressorOxide::new(create_comp_flags_from_zip_params(9, -15, 0));
    let mut out = vec![0u8; 64 * 1024];
    let (_, _, n) = compress(&mut c, dictionary, &mut out, TDEFLFlush::Sync);
    out.truncate(n);
    (c, out)
}

/// Payload version 2's dictionary: version 1's text, then the tokens of an ASL skeleton
/// (`tree::SKELETON`), nearest to the data.
fn dictionary_v2() -> &'static [u8] {
    static D: std::sync::OnceLock<Vec<u8>> = std::sync::OnceLock::new();
    D.get_or_init(|| {
        let mut d = DICTIONARY.as_bytes().to_vec();
        if let Ok(v) = serde_json::from_str::<Value>(tree::SKELETON) {
            d.extend(tree::encode(&v));
        }
        d
    })
}

/// Deflates `data` as if `dictionary` came before it; only what follows the dictionary is kept.
fn deflate(data: &[u8], dictionary: &[u8]) -> Vec<u8> {
    use miniz_oxide::deflate::core::{compress, TDEFLFlush, TDEFLStatus};
    let (mut c, _) = primed(dictionary);
    let mut out = vec![0u8; 1024 + data.len() * 2];
    let (mut pos, mut input) = (0, data);
    loop {
        let (status, read, wrote) = compress(&mut c, input, &mut out[pos..], TDEFLFlush::Finish);
        pos += wrote;
        input = &input[read..];
        if status == TDEFLStatus::Done || (read == 0 && wrote == 0) {
            break;
        }
        if pos >= out.len() {
            out.resize(out.len() * 2, 0);
        }
    }
    out.truncate(pos);
    out
}

/// Inflates a payload, stopping at `limit` bytes: a deflate bomb ends there, never allocating more.
/// The dictionary is the window the payload's back-references reach into: it is put in the output
/// first, so reading needs no compressor (the first view reads links and has none).
fn inflate(data: &[u8], dict: &[u8], limit: usize, what: &str) -> Result<Vec<u8>, String> {
    use miniz_oxide::inflate::core::{
        decompress, inflate_flags::TINFL_FLAG_USING_NON_WRAPPING_OUTPUT_BUF, DecompressorOxide,
    };
    use miniz_oxide::inflate::TINFLStatus;
    let cap = dict.len() + limit;
    let mut out = vec![0u8; (dict.len() + data.len().saturating_mul(4) + 1024).min(cap)];
    out[..dict.len()].copy_from_slice(dict);
    let mut r = DecompressorOxide::new();
    let (mut pos, mut input) = (dict.len(), data);
    loop {
        let (status, read, wrote) = decompress(
            &mut r,
            input,
            &mut out,
            pos,
            TINFL_FLAG_USING_NON_WRAPPING_OUTPUT_BUF,
        );
        input = &input[read..];
        pos += wrote;
        match status {
            TINFLStatus::Done => break,
            TINFLStatus::HasMoreOutput if out.len() < cap => {
                let grown = out.len().saturating_mul(2).min(cap);
                out.resize(grown, 0);
            }
            TINFLStatus::HasMoreOutput => {
                return Err(format!(
                    "it expands past {}, the limit for {what} in links",
                    limits::size(limit)
                ))
            }
            TINFLStatus::FailedCannotMakeProgress | TINFLStatus::NeedsMoreInput => {
                return Err("the data is cut short".to_string())
            }
            status => return Err(format!("the data is damaged ({status:?})")),
        }
    }
    out.truncate(pos);
    Ok(out.split_off(dict.len()))
}

// ---- base64url and percent-encoding --------------------------------------------------------------

const B64: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

pub fn base64url(data: &[u8]) -> String {
    let mut out = String::with_capacity(data.len().div_ceil(3) * 4);
    for chunk in data.chunks(3) {
        let b = [
            chunk[0],
            *chunk.get(1).unwrap_or(&0),
            *chunk.get(2).unwrap_or(&0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for k in 0..=chunk.len() {
            out.push(char::from(B64[((n >> (18 - 6 * k)) & 63) as usize]));
        }
    }
    out
}

pub fn unbase64url(text: &str) -> Result<Vec<u8>, String> {
    let mut out = Vec::with_capacity(text.len() * 3 / 4);
    let (mut acc, mut bits) = (0u32, 0u32);
    for c in text.bytes() {
        let v = B64
            .iter()
            .position(|&x| x == c)
            .ok_or_else(|| format!("'{}' is not base64url", char::from(c)))?;
        acc = (acc << 6) | v as u32;
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
            acc &= (1 << bits) - 1;
        }
    }
    Ok(out)
}

/// Percent-encodes everything but unreserved characters.
pub fn percent_encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

pub fn percent_decode(s: &str) -> Result<String, String> {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'%' => {
                let hex = s.get(i + 1..i + 3).ok_or("a % escape is cut short")?;
                out.push(
                    u8::from_str_radix(hex, 16).map_err(|_| format!("%{hex} is not an escape"))?,
                );
                i += 3;
            }
            b'+' => {
                out.push(b' ');
                i += 1;
            }
            b => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8(out).map_err(|_| "an escape is not UTF-8".to_string())
}

// ---- Redaction -----------------------------------------------------------------------------------

/// Replaces every run of exactly 12 digits (an AWS account id) with zeros.
pub fn mask_accounts(text: &str) -> String {
    let b = text.as_bytes();
    let mut out = String::with_capacity(text.len());
    let mut i = 0;
    while i < b.len() {
        if b[i].is_ascii_digit() {
            let start = i;
            while i < b.len() && b[i].is_ascii_digit() {
                i += 1;
            }
            if i - start == 12 {
                out.push_str("000000000000");
            } else {
                out.push_str(&text[start..i]);
            }
        } else {
            let ch = text[i..].chars().next().unwrap_or(' ');
            out.push(ch);
            i += ch.len_utf8();
        }
    }
    out
}

// ---- The compact history -------------------------------------------------------------------------

/// The details a replay reads; with payloads, inputs and outputs too.
const KEPT: &[&str] = &[
    "name",
    "index",
    "length",
    "resource",
    "resourceType",
    "error",
    "cause",
    "mapRunArn",
    "state",
];
const PAYLOADS: &[&str] = &["input", "output"];

/// The compact form: `{"s": start epoch ms, "e": [[+ms, type, id - previousEventId, details or 0]]}`,
/// event ids counting up from 1. Linear in the events: ids are looked up in a map.
fn compact_history(h: &crate::history::History, redact: Redaction) -> Option<String> {
    let start = h.events.iter().find_map(|e| e.at);
    let mut events = Vec::with_capacity(h.events.len());
    let mut place = std::collections::HashMap::with_capacity(h.events.len());
    for (k, e) in h.events.iter().enumerate() {
        place.entry(e.id).or_insert(k);
    }
    for (k, e) in h.events.iter().enumerate() {
        let dt = match (e.at, start) {
            (Some(a), Some(s)) => a.saturating_sub(s),
            _ => k as i64,
        };
        let mut details = Map::new();
        if let Value::Object(m) = &e.details {
            for (key, v) in m {
                let keep = KEPT.contains(&key.as_str())
                    || (!redact.payloads && PAYLOADS.contains(&key.as_str()));
                if keep {
                    details.insert(key.clone(), v.clone());
                }
            }
        }
        let id = k as u64 + 1;
        // Ids are renumbered from 1; previousEventId follows through the same mapping.
        let prev = place
            .get(&e.previous)
            .map_or(0, |&p| id.saturating_sub(p as u64 + 1));
        events.push(Value::Array(vec![
            Value::from(dt),
            Value::from(e.kind.clone()),
            Value::from(prev),
            if details.is_empty() {
                Value::from(0)
            } else {
                Value::Object(details)
            },
        ]));
    }
    let mut root = Map::new();
    root.insert("s".into(), start.map_or(Value::Null, Value::from));
    root.insert("e".into(), Value::Array(events));
    let text = serde_json::to_string(&Value::Object(root)).ok()?;
    Some(if redact.accounts {
        mask_accounts(&text)
    } else {
        text
    })
}

/// Rebuilds CLI v2 JSON from the compact form, one event per line, within the budgets: at most
/// `MAX_EVENTS` events and `MAX_INPUT_BYTES` of text (what the history reader then reads), checked
/// as it is written.
fn expand_history(compact: &str) -> Result<String, String> {
    let v: Value = serde_json::from_str(compact)
        .map_err(|e| format!("the history payload is not readable: {e}"))?;
    let start = v.get("s").and_then(Value::as_i64);
    let list = v
        .get("e")
        .and_then(Value::as_array)
        .ok_or("the history payload has no events")?;
    if list.len() > MAX_EVENTS {
        return Err(format!(
            "this link's run has {} events; Stepscope reads runs of up to {}",
            limits::count(list.len()),
            limits::count(MAX_EVENTS)
        ));
    }
    let mut out = String::with_capacity(compact.len().saturating_mul(2).min(MAX_INPUT_BYTES));
    out.push_str("{\n  \"events\": [");
    for (k, e) in list.iter().enumerate() {
        let (Some(dt), Some(kind), Some(prev)) = (
            e.get(0).and_then(Value::as_i64),
            e.get(1).and_then(Value::as_str),
            e.get(2).and_then(Value::as_u64),
        ) else {
            return Err(format!("event {} of the history payload is damaged", k + 1));
        };
        let id = k as u64 + 1;
        let mut ev = Map::new();
        if let Some(s) = start {
            ev.insert(
                "timestamp".into(),
                Value::from(crate::history::format_iso(s.saturating_add(dt))),
            );
        }
        ev.insert("type".into(), Value::from(kind));
        ev.insert("id".into(), Value::from(id));
        ev.insert(
            "previousEventId".into(),
            Value::from(id.saturating_sub(prev).min(id)),
        );
        if let Some(d @ Value::Object(_)) = e.get(3) {
            ev.insert(crate::history::details_key(kind), d.clone());
        }
        out.push_str(if k == 0 { "\n    " } else { ",\n    " });
        out.push_str(&Value::Object(ev).to_string());
        if out.len() > MAX_INPUT_BYTES {
            return Err(format!(
                "this link's run expands past {}, the limit for runs in links",
                limits::size(MAX_INPUT_BYTES)
            ));
        }
    }
    out.push_str("\n  ]\n}\n");
    Ok(out)
}

// ---- Payloads and fragments ----------------------------------------------------------------------

/// A `d=` or `h=` value: the version, then base64url of dictionary-primed raw deflate of `text`.
pub fn payload(text: &str) -> String {
    format!(
        "{V1}{}",
        base64url(&deflate(text.as_bytes(), DICTIONARY.as_bytes()))
    )
}

/// A `d=` value: version 2 when the definition is JSON and that is shorter, else version 1.
pub fn definition_payload(text: &str) -> String {
    let v1 = payload(text);
    let Ok(v) = serde_json::from_str::<Value>(text) else {
        return v1;
    };
    let v2 = format!(
        "{V2}{}",
        base64url(&deflate(&tree::encode(&v), dictionary_v2()))
    );
    if v2.len() < v1.len() {
        v2
    } else {
        v1
    }
}

/// Opens a `d=` or `h=` payload, inflating at most `limit` bytes.
fn open_payload(p: &str, limit: usize, what: &str) -> Result<String, String> {
    let mut chars = p.chars();
    match chars.next() {
        Some(V1) => {
            let bytes = inflate(
                &unbase64url(chars.as_str())?,
                DICTIONARY.as_bytes(),
                limit,
                what,
            )?;
            String::from_utf8(bytes).map_err(|_| "the data is not UTF-8 text".to_string())
        }
        Some(V2) => {
            let bytes = inflate(&unbase64url(chars.as_str())?, dictionary_v2(), limit, what)?;
            let v = tree::decode(&bytes, limit)?;
            serde_json::to_string(&v).map_err(|e| e.to_string())
        }
        Some(v) => Err(format!(
            "payload version '{v}' is newer than this Stepscope"
        )),
        None => Err("an empty payload".into()),
    }
}

/// The definition as it travels: minified when it is JSON, as written otherwise (YAML, templates).
pub fn definition_text(definition: &str, redact: Redaction) -> String {
    let text = serde_json::from_str::<Value>(definition)
        .ok()
        .and_then(|v| serde_json::to_string(&v).ok())
        .unwrap_or_else(|| definition.to_string());
    if redact.accounts {
        mask_accounts(&text)
    } else {
        text
    }
}

/// Writes the fragment (without `#`) for a view.
pub fn encode_fragment(s: &Shared, redact: Redaction) -> String {
    let mut pairs: Vec<String> = Vec::new();
    if let Some(d) = &s.definition {
        pairs.push(format!(
            "d={}",
            definition_payload(&definition_text(d, redact))
        ));
    }
    match (&s.sim, &s.history) {
        // A simulated run: what made it, not its history.
        (Some(case), _) => pairs.push(format!("s={}", payload(&case.to_json().to_string()))),
        (None, Some(h)) => {
            let compact = crate::history::parse_history(h)
                .0
                .and_then(|h| compact_history(&h, redact));
            if let Some(c) = compact {
                pairs.push(format!("h={}", payload(&c)));
            }
        }
        (None, None) => {}
    }
    if let Some(t) = s.t {
        pairs.push(format!("t={t}"));
    }
    if let Some(sel) = &s.sel {
        pairs.push(format!("sel={}", percent_encode(sel)));
    }
    if let Some(v) = s.view {
        pairs.push(format!("view={}", v.as_str()));
    }
    if let Some(theme) = s
        .theme
        .as_deref()
        .filter(|t| matches!(*t, "light" | "dark"))
    {
        pairs.push(format!("theme={theme}"));
    }
    if let Some(m) = s.mode.as_deref().filter(|m| MODES.contains(m)) {
        pairs.push(format!("mode={m}"));
    }
    if let Some(title) = s.title.as_deref().filter(|t| !t.is_empty()) {
        pairs.push(format!("title={}", percent_encode(title)));
    }
    if s.embed {
        pairs.push("embed=1".into());
    }
    pairs.join("&")
}

/// Reads a fragment (with or without `#`). Unknown keys are ignored; a damaged pair is an error
/// that says which.
pub fn decode_fragment(fragment: &str) -> Result<Shared, String> {
    let mut s = Shared::default();
    for pair in fragment
        .trim_start_matches('#')
        .split('&')
        .filter(|p| !p.is_empty())
    {
        let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
        match key {
            "d" => {
                // A definition is held to the limit pastes and files have.
                s.definition = Some(
                    open_payload(value, MAX_INPUT_BYTES, "definitions")
                        .map_err(|e| format!("the definition in this link: {e}"))?,
                )
            }
            "h" => {
                let compact = open_payload(value, MAX_LINK_RUN_BYTES, "runs")
                    .map_err(|e| format!("the history in this link: {e}"))?;
                s.history = Some(expand_history(&compact)?);
            }
            "s" => {
                let text = open_payload(value, MAX_INPUT_BYTES, "simulations")
                    .map_err(|e| format!("the simulation in this link: {e}"))?;
                s.sim = serde_json::from_str::<Value>(&text)
                    .ok()
                    .and_then(|v| SimCase::from_json(&v));
                if s.sim.is_none() {
                    return Err("the simulation in this link is damaged".into());
                }
            }
            "t" => {
                s.t = Some(
                    value
                        .parse()
                        .map_err(|_| format!("t={value} is not a number of milliseconds"))?,
                )
            }
            "sel" => s.sel = Some(percent_decode(value)?),
            "view" => {
                s.view = Some(match value {
                    "graph" => ViewMode::Graph,
                    "timeline" => ViewMode::Timeline,
                    "split" => ViewMode::Split,
                    other => return Err(format!("view={other} is not graph, timeline or split")),
                })
            }
            "theme" => {
                if matches!(value, "light" | "dark") {
                    s.theme = Some(value.to_string());
                }
            }
            "embed" => s.embed = value == "1",
            "mode" if MODES.contains(&value) => s.mode = Some(value.to_string()),
            "title" => s.title = Some(percent_decode(value)?).filter(|t| !t.is_empty()),
            _ => {}
        }
    }
    Ok(s)
}

/// A whole link: `base` (up to any `#`) and the fragment.
pub fn link(base: &str, s: &Shared, redact: Redaction) -> String {
    let base = base.split('#').next().unwrap_or(base);
    format!("{base}#{}", encode_fragment(s, redact))
}

/// What a link of this length is good for.
pub fn length_advice(chars: usize) -> &'static str {
    match chars {
        0..=2000 => "safe everywhere",
        2001..=4000 => "long: some tools cut links over 2,000 characters",
        4001..=32000 => "too long for chat: tools split messages over 4,000 characters",
        _ => "too long for a link: browsers stop showing links over 32,000 characters; download a replay file instead",
    }
}

/// Plain deflate and base64url of a text, as Mermaid's `pako:` links do: the yardstick for ours.
pub fn plain_deflate_base64(text: &str) -> String {
    base64url(&miniz_oxide::deflate::compress_to_vec(text.as_bytes(), 9))
}

// ---- Replay files and exported SVGs ---------------------------------------------------------------

/// A replay file (`*.stepscope.json`): everything a link would carry, as JSON, nothing left out.
pub fn replay_file(s: &Shared) -> String {
    let mut o = Map::new();
    o.insert("stepscope".into(), 1.into());
    if let Some(d) = &s.definition {
        o.insert("definition".into(), d.clone().into());
    }
    if let Some(h) = &s.history {
        o.insert("history".into(), h.clone().into());
    }
    if let Some(t) = s.t {
        o.insert("t".into(), t.into());
    }
    if let Some(sel) = &s.sel {
        o.insert("sel".into(), sel.clone().into());
    }
    if let Some(m) = &s.mode {
        o.insert("mode".into(), m.clone().into());
    }
    if let Some(title) = &s.title {
        o.insert("title".into(), title.clone().into());
    }
    if s.history.is_some() || s.sim.is_some() {
        let source = if s.sim.is_some() {
            "simulated"
        } else {
            "recorded"
        };
        o.insert("runSource".into(), source.into());
    }
    if let Some(case) = &s.sim {
        o.insert(
            "simulation".into(),
            serde_json::json!({"input": case.input, "mocks": case.mocks,
                "testCase": case.test_case, "seed": case.seed,
                "overrides": serde_json::from_str::<Value>(&case.overrides).unwrap_or(Value::Null)}),
        );
    }
    serde_json::to_string_pretty(&Value::Object(o)).unwrap_or_default()
}

/// The element an exported SVG keeps its source in: a share fragment, so it reopens the view.
pub const SVG_SOURCE_OPEN: &str = r#"<metadata id="stepscope-source">"#;

/// Reads what a dropped file holds when it is a replay file or an SVG that Stepscope exported.
pub fn open_file(text: &str) -> Option<Result<Shared, String>> {
    if let Some(start) = text.find(SVG_SOURCE_OPEN) {
        let rest = &text[start + SVG_SOURCE_OPEN.len()..];
        let end = rest.find("</metadata>")?;
        let fragment = crate::svg::unescape(&rest[..end]);
        return Some(decode_fragment(fragment.trim()));
    }
    let v: Value = serde_json::from_str(text).ok()?;
    v.get("stepscope")?;
    let s = |k: &str| v.get(k).and_then(Value::as_str).map(String::from);
    Some(Ok(Shared {
        definition: s("definition"),
        history: s("history"),
        t: v.get("t").and_then(Value::as_i64),
        sel: s("sel"),
        mode: s("mode").filter(|m| MODES.contains(&m.as_str())),
        title: s("title"),
        sim: v.get("simulation").filter(|c| c.is_object()).map(|c| {
            let text = |k: &str| c.get(k).and_then(Value::as_str).map(String::from);
            SimCase {
                input: text("input").unwrap_or_else(|| "{}".into()),
                mocks: text("mocks").unwrap_or_default(),
                test_case: text("testCase"),
                seed: c.get("seed").and_then(Value::as_u64).unwrap_or(1),
                overrides: c
                    .get("overrides")
                    .filter(|o| o.is_object())
                    .map(|o| o.to_string())
                    .unwrap_or_default(),
            }
        }),
        ..Default::default()
    }))
}
