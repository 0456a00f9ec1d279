//! One simulation as the page asks for it: the texts of the Simulate panel in, the run's history
//! and what the panel says about it out, as JSON. The simulator's own wasm (`src/sim_main.rs`,
//! loaded in a Web Worker on first use) calls [`run`]; it is plain Rust, so it is tested natively.

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::{MockConfig, SimOptions};
use crate::source::SourceText;

/// What the panel sends.
#[derive(Debug, Default, Clone, Deserialize, Serialize, PartialEq)]
#[serde(rename_all = "camelCase", default)]
pub struct Request {
    pub definition: String,
    /// The state machine picked in a template that holds several.
    pub machine: Option<String>,
    /// The execution input, as JSON text (empty: `{}`).
    pub input: String,
    /// A MockConfigFile, as JSON text (empty: no mocks, every task defaulted).
    pub mocks: String,
    pub test_case: Option<String>,
    pub state_machine: Option<String>,
    pub seed: u64,
    /// What-ifs by state name.
    pub overrides: std::collections::BTreeMap<String, super::Override>,
}

/// A problem with one of the panel's texts, where it is.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Problem {
    /// `definition`, `input` or `mocks`.
    pub field: String,
    pub line: usize,
    pub column: usize,
    pub message: String,
}

/// What the panel gets back: a history to replay, or the problem that stopped the run.
#[derive(Debug, Default, Clone, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase", default)]
pub struct Response {
    /// The run, as `get-execution-history` JSON.
    pub history: Option<String>,
    pub status: Option<String>,
    /// Why a failed run failed: its error and cause, as ExecutionFailed says them.
    pub error: Option<String>,
    pub cause: Option<String>,
    /// The task states no mock answered, which returned a default result.
    pub defaulted: Vec<String>,
    pub problem: Option<Problem>,
    /// What each visit did with its data, by its Entered event's id (the data-flow inspector).
    pub flow: Vec<(u64, serde_json::Map<String, Value>)>,
}

fn problem(field: &str, line: usize, column: usize, message: impl Into<String>) -> Response {
    Response {
        problem: Some(Problem {
            field: field.into(),
            line,
            column,
            message: message.into(),
        }),
        ..Response::default()
    }
}

/// A JSON text of the panel, or where it breaks; empty is `empty`.
fn json_field(field: &str, text: &str, empty: Value) -> Result<Value, Box<Response>> {
    if text.trim().is_empty() {
        return Ok(empty);
    }
    serde_json::from_str(text).map_err(|e| {
        let what = e.to_string();
        let what = what.split(" at line ").next().unwrap_or(&what).to_string();
        Box::new(problem(field, e.line(), e.column(), what))
    })
}

/// The test cases of a MockConfigFile text, as (state machine, case), sorted; none when the text
/// is empty or not a MockConfigFile. The page fills its picker with them, so this reads only
/// the names (the mock reader stays in the simulator's wasm).
pub fn test_cases(mocks: &str) -> Vec<(String, String)> {
    let Ok(v) = serde_json::from_str::<Value>(mocks) else {
        return Vec::new();
    };
    let out: Vec<(String, String)> = v
        .get("StateMachines")
        .and_then(Value::as_object)
        .into_iter()
        .flatten()
        .flat_map(|(m, sm)| {
            sm.get("TestCases")
                .and_then(Value::as_object)
                .into_iter()
                .flatten()
                .map(move |(c, _)| (m.clone(), c.clone()))
        })
        .collect();
    // In the file's order: its first case is the one a run takes when none is picked.
    out
}

/// Simulates `req` into its response.
pub fn simulate(req: &Request) -> Response {
    let src = SourceText::new("definition", req.definition.clone());
    let (analysis, def) = crate::pipeline::definition_value(&src, req.machine.as_deref());
    let Some(def) = def else {
        let first = analysis
            .diagnostics
            .iter()
            .find(|d| d.severity == crate::diag::Severity::Error);
        return match first {
            Some(d) => {
                let index = crate::source::LineIndex::new(&src.text);
                let (line, column) = d.line_col(&src.text, &index);
                problem(
                    "definition",
                    line,
                    column,
                    format!("the definition has errors: {}", d.message),
                )
            }
            None => problem("definition", 1, 1, "there is no state machine to simulate"),
        };
    };
    let input = match json_field("input", &req.input, serde_json::json!({})) {
        Ok(v) => v,
        Err(r) => return *r,
    };
    let mut case = super::Case {
        input,
        overrides: req.overrides.clone(),
        ..super::Case::default()
    };
    if !req.mocks.trim().is_empty() {
        let v = match json_field("mocks", &req.mocks, Value::Null) {
            Ok(v) => v,
            Err(r) => return *r,
        };
        let config = match MockConfig::parse(&v) {
            Ok(c) => c,
            Err(e) => return problem("mocks", 1, 1, e),
        };
        let cases = test_cases(&req.mocks);
        let picked = req
            .test_case
            .clone()
            .filter(|c| cases.iter().any(|(_, n)| n == c))
            .or_else(|| cases.first().map(|(_, n)| n.clone()));
        if let Some(asked) = req
            .test_case
            .as_ref()
            .filter(|c| Some(*c) != picked.as_ref())
        {
            return problem(
                "mocks",
                1,
                1,
                format!("the mock file has no test case '{asked}'"),
            );
        }
        case.test_case = picked;
        case.state_machine = req.state_machine.clone();
        case.mocks = Some(config);
    }
    let run = super::simulate(
        &def,
        &case,
        SimOptions {
            seed: req.seed,
            data_flow: true,
            ..SimOptions::default()
        },
    );
    Response {
        history: Some(run.history_json()),
        status: Some(run.status.as_str().to_string()),
        error: run
            .failure
            .as_ref()
            .map(|f| f.error.clone())
            .filter(|e| !e.is_empty()),
        cause: run
            .failure
            .as_ref()
            .map(|f| f.cause.clone())
            .filter(|c| !c.is_empty()),
        defaulted: run.defaulted.clone(),
        problem: None,
        flow: run.flow,
    }
}

/// [`simulate`] over JSON text, for the worker.
pub fn run(request: &str) -> String {
    let response = match serde_json::from_str::<Request>(request) {
        Ok(req) => simulate(&req),
        Err(e) => problem("request", 1, 1, format!("not a simulation request: {e}")),
    };
    serde_json::to_string(&response).unwrap_or_default()
}
