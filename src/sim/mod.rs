//! The simulator: runs a definition without AWS, on a virtual clock, from an input and mocks,
//! into the history AWS would write (ASL-REFERENCE §7), so `build_timeline`, the replay, the
//! Gantt, heat and the critical path read it unchanged. The same case and seed give the same
//! run, event for event.
//!
//! Files: `engine.rs` interprets states (data flow, Retry and Catch, Parallel and Map, the
//! clock) and writes the events; `paths.rs` is JSONPath as Step Functions reads it;
//! `intrinsics.rs` the `States.*` functions; `jsonata.rs` JSONata with `$states`; `mock.rs` the
//! MockConfigFile; `record.rs` turns a recorded run into a case that replays it.

mod engine;
pub mod intrinsics;
pub mod jsonata;
pub mod mock;
pub mod paths;
pub mod record;
pub mod request;
pub mod table;

pub use engine::{simulate, SimRun, MAX_VALUE_DEPTH};
pub use mock::MockConfig;

use serde_json::Value;

/// Why a state (or the run) failed: an error name and a cause.
#[derive(Debug, Clone, PartialEq)]
pub struct Failure {
    pub error: String,
    pub cause: String,
}

impl Failure {
    pub fn new(error: impl Into<String>, cause: impl Into<String>) -> Self {
        Failure {
            error: error.into(),
            cause: cause.into(),
        }
    }

    pub fn runtime(cause: impl Into<String>) -> Self {
        Failure::new("States.Runtime", cause)
    }

    /// Errors no `States.ALL` catches or retries: they end the run. (`States.DataLimitExceeded`
    /// is caught by `States.ALL`: the corpus's recordings show it.)
    pub fn is_terminal(&self) -> bool {
        self.error == "States.Runtime"
    }
}

/// A seeded xorshift generator: the run's only source of chance.
#[derive(Debug, Clone)]
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Self {
        Rng(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1)
    }

    pub fn next_u64(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        self.0 = x;
        x
    }

    /// A number in [0, 1).
    pub fn unit(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }

    /// A number in [lo, hi].
    pub fn range(&mut self, lo: i64, hi: i64) -> i64 {
        lo + (self.next_u64() % ((hi - lo).max(0) as u64 + 1)) as i64
    }

    /// A version 4 UUID.
    pub fn uuid(&mut self) -> String {
        let (a, b) = (self.next_u64(), self.next_u64());
        let hex = format!("{a:016x}{b:016x}");
        let h = |r: std::ops::Range<usize>| hex.get(r).unwrap_or("0").to_string();
        format!(
            "{}-{}-4{}-{:x}{}-{}",
            h(0..8),
            h(8..12),
            h(13..16),
            8 + (b >> 62),
            h(17..20),
            h(20..32)
        )
    }
}

/// Everything one simulated run starts from.
#[derive(Debug, Clone, Default)]
pub struct Case {
    /// The execution's input.
    pub input: Value,
    /// Context values a recording holds (`RoleArn`, `StartTime`, `Name`, ...).
    pub context: Value,
    pub mocks: Option<MockConfig>,
    pub test_case: Option<String>,
    /// The state machine's name in the MockConfigFile.
    pub state_machine: Option<String>,
    /// The items a Map's ItemReader would read (from S3), by the Map state's name.
    pub item_reader: std::collections::HashMap<String, Value>,
    /// What-ifs by state name (the page's inspector): a state fails, takes longer, or sees
    /// another input.
    pub overrides: std::collections::BTreeMap<String, Override>,
}

/// A what-if on one state.
#[derive(Debug, Clone, Default, PartialEq, serde::Deserialize, serde::Serialize)]
#[serde(rename_all = "camelCase", default)]
pub struct Override {
    /// A Task fails with this error (and cause) at every invocation, whatever its mock says.
    pub error: Option<String>,
    pub cause: Option<String>,
    /// A Task's every invocation takes this long.
    pub latency_ms: Option<u64>,
    /// The state is entered with this input instead (for a Choice: what its rules see).
    pub input: Option<Value>,
}

/// How to run.
#[derive(Debug, Clone, Copy)]
pub struct SimOptions {
    pub seed: u64,
    /// Virtual epoch milliseconds the run starts at (a case's `StartTime` wins).
    pub start_ms: i64,
    /// At most this many events (the service's 25,000).
    pub max_events: usize,
    /// Keep what each visit did with its data (input, InputPath, Parameters, result, ...), for
    /// the page's data-flow inspector. Off for the CLI and benchmarks: it copies every payload.
    pub data_flow: bool,
}

impl Default for SimOptions {
    fn default() -> Self {
        SimOptions {
            seed: 1,
            // 2026-01-01T00:00:00Z.
            start_ms: 1_767_225_600_000,
            max_events: 25_000,
            data_flow: false,
        }
    }
}

/// The case file: `{"stepscopeCase": 1, "input", "context", "mockConfig", "testCase",
/// "stateMachine"}`, and optionally `"itemReader": {MAP_STATE: [items]}`.
pub fn case_from_json(v: &Value) -> Result<Case, String> {
    if v.get("stepscopeCase").and_then(Value::as_u64) != Some(1) {
        return Err("a case file starts with \"stepscopeCase\": 1".into());
    }
    let mocks = match v.get("mockConfig") {
        Some(m) if !m.is_null() => Some(MockConfig::parse(m)?),
        _ => None,
    };
    Ok(Case {
        input: v
            .get("input")
            .cloned()
            .unwrap_or(Value::Object(Default::default())),
        context: v.get("context").cloned().unwrap_or(Value::Null),
        mocks,
        test_case: v.get("testCase").and_then(Value::as_str).map(String::from),
        state_machine: v
            .get("stateMachine")
            .and_then(Value::as_str)
            .map(String::from),
        item_reader: v
            .get("itemReader")
            .and_then(Value::as_object)
            .map(|m| m.iter().map(|(k, x)| (k.clone(), x.clone())).collect())
            .unwrap_or_default(),
        overrides: v
            .get("overrides")
            .and_then(|o| serde_json::from_value(o.clone()).ok())
            .unwrap_or_default(),
    })
}
