//! The AWS MockConfigFile, as Step Functions Local and LocalStack read it:
//! `{"StateMachines": {NAME: {"TestCases": {CASE: {STATE: RESPONSE}}}}, "MockedResponses":
//! {RESPONSE: {"0": {"Return": …}, "1-2": {"Throw": {"Error", "Cause"}}}}}`. Keys are zero-based
//! invocation indexes or inclusive ranges; one counter per state per execution advances on every
//! invocation. An optional `"Latency"` (ms) on a response is Stepscope's: the AWS readers ignore
//! unknown fields.

use serde_json::Value;
use std::collections::BTreeMap;

/// What one invocation of a mocked state gives back.
#[derive(Debug, Clone, PartialEq)]
pub enum Response {
    Return(Value),
    Throw { error: String, cause: String },
}

/// One numbered entry of a mocked response.
#[derive(Debug, Clone, PartialEq)]
pub struct Entry {
    pub from: u64,
    pub to: u64,
    pub response: Response,
    pub latency_ms: Option<i64>,
}

/// A parsed MockConfigFile.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct MockConfig {
    /// State machine → test case → state → response name.
    pub machines: BTreeMap<String, BTreeMap<String, BTreeMap<String, String>>>,
    /// Response name → entries.
    pub responses: BTreeMap<String, Vec<Entry>>,
}

impl MockConfig {
    /// Reads a MockConfigFile; the message says what is wrong with one that isn't.
    pub fn parse(v: &Value) -> Result<MockConfig, String> {
        let machines = v
            .get("StateMachines")
            .and_then(Value::as_object)
            .ok_or("a MockConfigFile needs a 'StateMachines' object")?;
        let responses = v
            .get("MockedResponses")
            .and_then(Value::as_object)
            .ok_or("a MockConfigFile needs a 'MockedResponses' object")?;
        let mut out = MockConfig::default();
        for (name, m) in machines {
            let cases = m
                .get("TestCases")
                .and_then(Value::as_object)
                .ok_or_else(|| format!("state machine '{name}' needs a 'TestCases' object"))?;
            let mut by_case = BTreeMap::new();
            for (case, states) in cases {
                let states = states
                    .as_object()
                    .ok_or_else(|| format!("test case '{case}' must map states to responses"))?;
                let mut map = BTreeMap::new();
                for (state, resp) in states {
                    let resp = resp.as_str().ok_or_else(|| {
                        format!("test case '{case}': state '{state}' must name a response")
                    })?;
                    if !responses.contains_key(resp) {
                        return Err(format!(
                            "test case '{case}': state '{state}' names the response '{resp}', which MockedResponses lacks"
                        ));
                    }
                    map.insert(state.clone(), resp.to_string());
                }
                by_case.insert(case.clone(), map);
            }
            out.machines.insert(name.clone(), by_case);
        }
        for (name, entries) in responses {
            let entries = entries.as_object().ok_or_else(|| {
                format!("response '{name}' must be an object of numbered entries")
            })?;
            let mut list = Vec::new();
            for (key, e) in entries {
                let (from, to) = parse_range(key).ok_or_else(|| {
                    format!("response '{name}': '{key}' is not an index or a range such as 1-2")
                })?;
                let response = match (e.get("Return"), e.get("Throw")) {
                    (Some(r), None) => Response::Return(r.clone()),
                    (None, Some(t)) => Response::Throw {
                        error: t
                            .get("Error")
                            .and_then(Value::as_str)
                            .unwrap_or("")
                            .to_string(),
                        cause: t
                            .get("Cause")
                            .and_then(Value::as_str)
                            .unwrap_or("")
                            .to_string(),
                    },
                    _ => {
                        return Err(format!(
                            "response '{name}', entry '{key}': give exactly one of 'Return' and 'Throw'"
                        ))
                    }
                };
                let latency_ms = e
                    .get("Latency")
                    .and_then(Value::as_f64)
                    .map(|l| l.clamp(0.0, 31_622_400_000.0) as i64); // at most a year
                list.push(Entry {
                    from,
                    to,
                    response,
                    latency_ms,
                });
            }
            list.sort_by_key(|e| e.from);
            out.responses.insert(name.clone(), list);
        }
        Ok(out)
    }

    /// The states a test case mocks, and their responses, for state machine `machine` (or the
    /// only one, or any that has the case).
    pub fn case(&self, machine: Option<&str>, case: &str) -> Option<&BTreeMap<String, String>> {
        match machine {
            Some(m) => self.machines.get(m)?.get(case),
            None => self.machines.values().find_map(|cases| cases.get(case)),
        }
    }

    /// Every test case, as (state machine, case), sorted.
    pub fn cases(&self) -> Vec<(String, String)> {
        let mut out: Vec<(String, String)> = self
            .machines
            .iter()
            .flat_map(|(m, cases)| cases.keys().map(move |c| (m.clone(), c.clone())))
            .collect();
        out.sort();
        out
    }

    /// The entry for invocation `n` (zero-based) of response `name`.
    pub fn entry(&self, name: &str, n: u64) -> Option<&Entry> {
        self.responses
            .get(name)?
            .iter()
            .find(|e| e.from <= n && n <= e.to)
    }
}

fn parse_range(key: &str) -> Option<(u64, u64)> {
    match key.split_once('-') {
        Some((a, b)) => {
            let (a, b) = (a.trim().parse().ok()?, b.trim().parse().ok()?);
            (a <= b).then_some((a, b))
        }
        None => {
            let n = key.trim().parse().ok()?;
            Some((n, n))
        }
    }
}
