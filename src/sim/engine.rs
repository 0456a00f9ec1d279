//! The interpreter. A scope runs state by state from its `StartAt`; each state reads its input
//! through the data-flow fields of its query language, does its work (a mocked task, a wait, a
//! choice, branches, iterations), and hands its output on. Time is virtual: a state takes what
//! its mock says (or a seeded few milliseconds), waits and retry backoffs add their seconds, and
//! Parallel branches and Map iterations run side by side. Every step is an event, written in
//! time order with the ids and `previousEventId`s AWS gives.

use super::jsonata::{self, Scope};
use super::mock::Response;
use super::paths::{self, Sources};
use super::{intrinsics, Case, Failure, Rng, SimOptions};
use crate::history::{format_iso, parse_iso};
use crate::replay::ExecutionStatus;
use serde_json::{json, Map, Value};
use std::cell::RefCell;
use std::collections::{BTreeSet, HashMap};
use std::rc::Rc;

/// The largest input or output a state may pass on: 256 KiB.
const MAX_PAYLOAD: usize = 256 * 1024;
/// How deep Parallel and Map states may nest in a simulated run.
const MAX_NESTING: usize = 32;

/// One simulated run.
#[derive(Debug, Clone)]
pub struct SimRun {
    /// The events, as `get-execution-history` lists them.
    pub events: Vec<Value>,
    pub status: ExecutionStatus,
    pub output: Option<Value>,
    pub failure: Option<super::Failure>,
    /// What each visit did with its data, by its Entered event's id (with `data_flow`): `input`,
    /// `afterInputPath`, `parameters` or `arguments`, `result`, `afterResultSelector`,
    /// `afterResultPath`, `output`, `assigned`, `errorOutput`.
    pub flow: Vec<(u64, Map<String, Value>)>,
    /// Task states no mock answered: they returned a default result.
    pub defaulted: Vec<String>,
    /// Every state entered, in order.
    pub visited: Vec<String>,
}

impl SimRun {
    /// `get-execution-history` JSON, one event per line.
    pub fn history_json(&self) -> String {
        let lines: Vec<String> = self.events.iter().map(|e| format!("  {e}")).collect();
        format!("{{\"events\": [\n{}\n]}}\n", lines.join(",\n"))
    }
}

struct Emitted {
    at: i64,
    seq: usize,
    prev: Option<usize>,
    kind: String,
    details: Option<Value>,
    /// Cut by an abort: a sibling branch or iteration failed before this happened.
    dropped: bool,
}

/// One branch of a Parallel or iteration of an inline Map: its events in `out`.
struct Strand {
    from: usize,
    to: usize,
}

/// Where a thread of the run has got to: its clock and its last event.
#[derive(Debug, Clone, Copy)]
struct Cursor {
    t: i64,
    last: usize,
}

enum Flow {
    Next(String, Value),
    End(Value),
    Failed(Failure),
}

#[derive(Clone, Copy, PartialEq)]
enum Ql {
    JsonPath,
    Jsonata,
}

struct Engine<'a> {
    case: &'a Case,
    opts: SimOptions,
    rng: Rc<RefCell<Rng>>,
    out: Vec<Emitted>,
    counters: HashMap<String, u64>,
    /// Every task invocation: the event it happened after, the state, and whether a mock
    /// answered. An aborted sibling's invocations are taken back (see `abort_strands`).
    calls: Vec<(usize, String, bool)>,
    mocked: Option<&'a std::collections::BTreeMap<String, String>>,
    execution: Value,
    state_machine: Value,
    full: bool,
    /// The entered event of the state whose work runs now, for the causes of its errors.
    entered_seq: usize,
    /// What each visit did with its data, by its Entered event (see `SimRun::flow`).
    flow: HashMap<usize, Map<String, Value>>,
    /// Each event's id, by emission, once `finish` has numbered them.
    ids: Vec<u64>,
    /// When the run timed out: events after it never happened.
    cutoff: Option<i64>,
}

/// Where an entered event's id goes in a cause, until events are numbered.
fn marker(seq: usize) -> String {
    format!("⟦{seq}⟧")
}

/// `text` with every `marker` replaced by its event's id.
fn unmark(text: &str, ids: &[u64]) -> String {
    if !text.contains('⟦') {
        return text.to_string();
    }
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(i) = rest.find('⟦') {
        out.push_str(rest.get(..i).unwrap_or(""));
        let tail = rest.get(i + '⟦'.len_utf8()..).unwrap_or("");
        match tail
            .find('⟧')
            .and_then(|j| Some((j, tail.get(..j)?.parse::<usize>().ok()?)))
        {
            Some((j, seq)) => {
                out.push_str(&ids.get(seq).copied().unwrap_or(0).to_string());
                rest = tail.get(j + '⟧'.len_utf8()..).unwrap_or("");
            }
            None => {
                out.push('⟦');
                rest = tail;
            }
        }
    }
    out.push_str(rest);
    out
}

fn unmark_value(v: &mut Value, ids: &[u64]) {
    match v {
        Value::String(s) => *s = unmark(s, ids),
        Value::Array(a) => a.iter_mut().for_each(|x| unmark_value(x, ids)),
        Value::Object(m) => m.values_mut().for_each(|x| unmark_value(x, ids)),
        _ => {}
    }
}

fn text(v: &Value) -> String {
    v.to_string()
}

/// How deep a value nests past this fails the state: 128 levels is as deep as serde_json (and
/// so the viewer) reads a JSON text back, and deeper values, built a level a loop by a Pass's
/// `Parameters`, would exhaust the stack of whatever walks them next.
pub const MAX_VALUE_DEPTH: usize = 128;

/// How deep `v` nests (a scalar is 0), counted without recursion, stopping past `limit`.
fn nesting(v: &Value, limit: usize) -> usize {
    let mut deepest = 0;
    let mut stack = vec![(v, 0usize)];
    while let Some((v, d)) = stack.pop() {
        let children: Box<dyn Iterator<Item = &Value>> = match v {
            Value::Array(a) => Box::new(a.iter()),
            Value::Object(m) => Box::new(m.values()),
            _ => continue,
        };
        deepest = deepest.max(d + 1);
        if deepest > limit {
            return deepest;
        }
        stack.extend(children.map(|c| (c, d + 1)));
    }
    deepest
}

fn too_big(v: &Value, what: &str) -> Option<Failure> {
    let depth = nesting(v, MAX_VALUE_DEPTH);
    if depth > MAX_VALUE_DEPTH {
        return Some(Failure::new(
            "States.Runtime",
            format!("The state's {what} nests more than {MAX_VALUE_DEPTH} levels deep: the simulator stops there, as deep as a JSON reader reads it back"),
        ));
    }
    let n = v.to_string().len();
    (n > MAX_PAYLOAD).then(|| {
        Failure::new(
            "States.DataLimitExceeded",
            format!("The state/task returned a result with a size exceeding the maximum number of bytes service limit ({what}: {n} bytes; the limit is 262144)"),
        )
    })
}

/// Runs `def` (a state machine definition as JSON) on `case`.
pub fn simulate(def: &Value, case: &Case, opts: SimOptions) -> SimRun {
    let start = case
        .context
        .get("StartTime")
        .and_then(Value::as_str)
        .and_then(parse_iso)
        .unwrap_or(opts.start_ms);
    let name = case
        .context
        .get("Name")
        .and_then(Value::as_str)
        .unwrap_or("simulated")
        .to_string();
    let sm_name = case
        .state_machine
        .clone()
        .unwrap_or_else(|| "StateMachine".to_string());
    let role = case
        .context
        .get("RoleArn")
        .and_then(Value::as_str)
        .unwrap_or("arn:aws:iam::123456789012:role/StepFunctionsRole")
        .to_string();
    let sm_arn = format!("arn:aws:states:us-east-1:123456789012:stateMachine:{sm_name}");
    let reads_context = {
        let text = def.to_string();
        text.contains("$$") || text.contains("states.context")
    };
    let mocked = match (&case.mocks, &case.test_case) {
        (Some(m), Some(c)) => m.case(case.state_machine.as_deref(), c),
        _ => None,
    };
    let mut e = Engine {
        case,
        opts,
        rng: Rc::new(RefCell::new(Rng::new(opts.seed))),
        out: Vec::new(),
        counters: HashMap::new(),
        calls: Vec::new(),
        mocked,
        execution: json!({
            "Id": format!("arn:aws:states:us-east-1:123456789012:execution:{sm_name}:{name}"),
            // The context object carries the execution's input only for definitions that read
            // the context: copying it into every state's context is quadratic in a big Map.
            "Input": if reads_context { case.input.clone() } else { Value::Null },
            "Name": name,
            "RoleArn": role,
            "StartTime": format_iso(start),
            "RedriveCount": 0,
        }),
        state_machine: json!({"Id": sm_arn, "Name": sm_name}),
        full: false,
        entered_seq: 0,
        flow: HashMap::new(),
        ids: Vec::new(),
        cutoff: None,
    };
    let started = e.emit(
        start,
        None,
        "ExecutionStarted",
        Some(json!({"input": text(&case.input), "inputDetails": {"truncated": false}, "roleArn": role})),
    );
    let ql = if def.get("QueryLanguage").and_then(Value::as_str) == Some("JSONata") {
        Ql::Jsonata
    } else {
        Ql::JsonPath
    };
    let mut vars = Map::new();
    let (cur, result) = e.scope(
        def,
        case.input.clone(),
        &mut vars,
        Cursor {
            t: start,
            last: started,
        },
        None,
        ql,
        0,
    );
    let t = cur.t + 1;
    // The machine's TimeoutSeconds: a run still going then times out, and nothing after it happens.
    let deadline = def
        .get("TimeoutSeconds")
        .and_then(Value::as_f64)
        .filter(|s| *s > 0.0)
        .map(|s| start.saturating_add((s * 1000.0) as i64));
    if let Some(d) = deadline.filter(|&d| t > d) {
        e.cutoff = Some(d);
        let last = e
            .out
            .iter()
            .enumerate()
            .filter(|(_, ev)| ev.at <= d && !ev.dropped)
            .max_by_key(|(_, ev)| (ev.at, ev.seq))
            .map(|(i, _)| i);
        let f = Failure::new("States.Timeout", "");
        e.emit(d, last, "ExecutionTimedOut", Some(error_details(&f)));
        let visited = e.visited();
        let defaulted = e.defaulted();
        let events = e.finish();
        let flow = e.flow_by_id();
        return SimRun {
            flow,
            events,
            status: ExecutionStatus::TimedOut,
            output: None,
            failure: Some(f),
            defaulted,
            visited,
        };
    }
    let (status, output, failure) = match result {
        Ok(out) => {
            e.emit(
                t,
                Some(cur.last),
                "ExecutionSucceeded",
                Some(json!({"output": text(&out), "outputDetails": {"truncated": false}})),
            );
            (ExecutionStatus::Succeeded, Some(out), None)
        }
        Err(f) => {
            e.emit(
                t,
                Some(cur.last),
                "ExecutionFailed",
                Some(error_details(&f)),
            );
            (ExecutionStatus::Failed, None, Some(f))
        }
    };
    let visited = e.visited();
    let defaulted = e.defaulted();
    let events = e.finish();
    let flow = e.flow_by_id();
    let failure = failure.map(|f| Failure::new(unmark(&f.error, &e.ids), unmark(&f.cause, &e.ids)));
    let output = output.map(|mut o| {
        unmark_value(&mut o, &e.ids);
        o
    });
    SimRun {
        flow,
        events,
        status,
        output,
        failure,
        defaulted,
        visited,
    }
}

impl Engine<'_> {
    fn emit(&mut self, at: i64, prev: Option<usize>, kind: &str, details: Option<Value>) -> usize {
        if self.out.len() + 64 >= self.opts.max_events {
            self.full = true;
        }
        let seq = self.out.len();
        self.out.push(Emitted {
            at,
            seq,
            prev,
            kind: kind.to_string(),
            details,
            dropped: false,
        });
        seq
    }

    /// A Parallel or an inline Map whose strand `failing` failed at `at`, with `cause` its last
    /// event: the other strands stop then, as the service stops them. Their later events are
    /// dropped, and whatever is still open in any strand (a Task, Wait, Map or Parallel state,
    /// or a Map iteration) is aborted at `when`, outermost first, each after `cause`.
    fn abort_strands(
        &mut self,
        strands: &[Strand],
        failing: usize,
        at: i64,
        when: i64,
        cause: usize,
    ) {
        let mut order: Vec<usize> = (failing..=failing).collect();
        order.extend((0..strands.len()).filter(|&k| k != failing));
        for k in order {
            let Some(s) = strands.get(k) else { continue };
            if k != failing {
                for e in self.out.get_mut(s.from..s.to).into_iter().flatten() {
                    if e.at > at {
                        e.dropped = true;
                    }
                }
                // A task the abort cut off was never called: its mock's next answer is still
                // the next caller's (a retry of the whole state, say).
                for (seq, name, answered) in &self.calls {
                    let cut = (s.from..s.to).contains(seq)
                        && self.out.get(*seq).is_some_and(|e| e.dropped);
                    if cut && *answered {
                        if let Some(n) = self.counters.get_mut(name) {
                            *n = n.saturating_sub(1);
                        }
                    }
                }
            }
            for (kind, details) in self.still_open(s) {
                self.emit(when, Some(cause), &kind, details);
            }
        }
    }

    /// The aborted events a strand's open states and iterations write, outermost first.
    fn still_open(&self, s: &Strand) -> Vec<(String, Option<Value>)> {
        let mut seen: Vec<&Emitted> = self
            .out
            .get(s.from..s.to)
            .into_iter()
            .flatten()
            .filter(|e| !e.dropped)
            .collect();
        seen.sort_by_key(|e| (e.at, e.seq));
        let mut open: Vec<(String, Option<Value>)> = Vec::new();
        let name = |e: &Emitted| {
            e.details
                .as_ref()
                .and_then(|d| d.get("name"))
                .cloned()
                .unwrap_or(Value::Null)
        };
        for e in seen {
            let k = e.kind.as_str();
            if let Some(ty) = k.strip_suffix("StateEntered") {
                open.push((format!("{ty}:{}", name(e)), None));
            } else if let Some(ty) = k
                .strip_suffix("StateExited")
                .or_else(|| k.strip_suffix("StateAborted"))
            {
                let key = if k.ends_with("StateExited") {
                    name(e).to_string()
                } else {
                    String::new()
                };
                if let Some(i) = open.iter().rposition(|(o, _)| {
                    o.starts_with(&format!("{ty}:")) && (key.is_empty() || o.ends_with(&key))
                }) {
                    open.remove(i);
                }
            } else if k == "MapIterationStarted" {
                open.push(("MapIteration".into(), e.details.clone()));
            } else if k.starts_with("MapIteration") {
                let index = e.details.as_ref().and_then(|d| d.get("index")).cloned();
                if let Some(i) = open.iter().rposition(|(o, d)| {
                    o == "MapIteration" && d.as_ref().and_then(|d| d.get("index")).cloned() == index
                }) {
                    open.remove(i);
                }
            }
        }
        open.into_iter()
            .filter_map(|(o, d)| {
                if o == "MapIteration" {
                    return Some(("MapIterationAborted".to_string(), d));
                }
                let ty = o.split(':').next().unwrap_or("");
                matches!(ty, "Task" | "Wait" | "Map" | "Parallel")
                    .then(|| (format!("{ty}StateAborted"), None))
            })
            .collect()
    }

    /// Notes a step of the current visit's data flow (with `data_flow` on).
    fn note(&mut self, step: &str, v: &Value) {
        if self.opts.data_flow {
            self.flow
                .entry(self.entered_seq)
                .or_default()
                .insert(step.to_string(), v.clone());
        }
    }

    /// The data flow by Entered event id, for the visits the history holds.
    fn flow_by_id(&mut self) -> Vec<(u64, Map<String, Value>)> {
        let mut out: Vec<(u64, Map<String, Value>)> = std::mem::take(&mut self.flow)
            .into_iter()
            .filter(|(seq, _)| self.kept(*seq))
            .filter_map(|(seq, f)| Some((*self.ids.get(seq)?, f)))
            .filter(|(id, _)| *id > 0)
            .collect();
        out.sort_by_key(|(id, _)| *id);
        out
    }

    /// Whether event `seq` is in the history: not cut by an abort, nor after the machine's
    /// timeout. (A distributed Map's child events are gone from `out` already.)
    fn kept(&self, seq: usize) -> bool {
        let cutoff = self.cutoff.unwrap_or(i64::MAX);
        self.out
            .get(seq)
            .is_none_or(|e| !e.dropped && e.at <= cutoff)
    }

    /// The task states that returned a default result (no mock answered) in the history.
    fn defaulted(&self) -> Vec<String> {
        let names: BTreeSet<String> = self
            .calls
            .iter()
            .filter(|(seq, _, answered)| !answered && self.kept(*seq))
            .map(|(_, n, _)| n.clone())
            .collect();
        names.into_iter().collect()
    }

    /// The states the history enters, in the order the run took them (depth first: a
    /// Parallel's branches one after another, not interleaved by time).
    fn visited(&self) -> Vec<String> {
        self.out
            .iter()
            .filter(|e| e.kind.ends_with("StateEntered") && self.kept(e.seq))
            .filter_map(|e| e.details.as_ref()?.get("name")?.as_str().map(String::from))
            .collect()
    }

    /// The events in time order, numbered from 1, with their `previousEventId`s.
    fn finish(&mut self) -> Vec<Value> {
        let cutoff = self.cutoff.unwrap_or(i64::MAX);
        let mut order: Vec<usize> = (0..self.out.len())
            .filter(|&i| {
                self.out
                    .get(i)
                    .is_some_and(|e| e.at <= cutoff && !e.dropped)
            })
            .collect();
        order.sort_by_key(|&i| self.out.get(i).map(|e| (e.at, e.seq)));
        let mut id_of = vec![0u64; self.out.len()];
        for (k, &i) in order.iter().enumerate() {
            if let Some(slot) = id_of.get_mut(i) {
                *slot = k as u64 + 1;
            }
        }
        self.ids = id_of.clone();
        order
            .iter()
            .filter_map(|&i| {
                let e = self.out.get(i)?;
                let mut ev = Map::new();
                ev.insert("timestamp".into(), json!(format_iso(e.at)));
                ev.insert("type".into(), json!(e.kind));
                ev.insert("id".into(), json!(id_of.get(i).copied().unwrap_or(0)));
                ev.insert(
                    "previousEventId".into(),
                    // The first state's Entered has 0, as ExecutionStarted does.
                    json!(e
                        .prev
                        .filter(|&p| p != 0 || !e.kind.ends_with("StateEntered"))
                        .and_then(|p| id_of.get(p).copied())
                        .unwrap_or(0)),
                );
                if let Some(d) = &e.details {
                    let mut d = d.clone();
                    unmark_value(&mut d, &id_of);
                    ev.insert(crate::history::details_key(&e.kind), d);
                }
                Some(Value::Object(ev))
            })
            .collect()
    }

    fn ms(&self, lo: i64, hi: i64) -> i64 {
        self.rng.borrow_mut().range(lo, hi)
    }

    /// Runs one scope (the machine, a branch, an iteration) from its StartAt.
    #[allow(clippy::too_many_arguments)]
    fn scope(
        &mut self,
        scope: &Value,
        input: Value,
        vars: &mut Map<String, Value>,
        mut cur: Cursor,
        item: Option<(usize, Value)>,
        ql: Ql,
        depth: usize,
    ) -> (Cursor, Result<Value, Failure>) {
        if depth > MAX_NESTING {
            return (
                cur,
                Err(Failure::runtime(
                    "Parallel and Map states nest too deeply to simulate",
                )),
            );
        }
        let Some(states) = scope.get("States").and_then(Value::as_object) else {
            return (cur, Err(Failure::runtime("a scope has no 'States'")));
        };
        let mut name = scope
            .get("StartAt")
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_string();
        let mut input = input;
        loop {
            if self.full {
                return (
                    cur,
                    Err(Failure::runtime(format!(
                        "the execution history reached {} events, the service's limit: the run stops here (a loop that never ends?)",
                        self.opts.max_events
                    ))),
                );
            }
            let Some(st) = states.get(&name) else {
                return (
                    cur,
                    Err(Failure::runtime(format!(
                        "no state named '{name}' in this scope"
                    ))),
                );
            };
            let (c, flow) = self.state(&name, st, input, vars, cur, item.clone(), ql, depth);
            cur = c;
            match flow {
                Flow::Next(next, out) => {
                    name = next;
                    input = out;
                }
                Flow::End(out) => return (cur, Ok(out)),
                Flow::Failed(f) => return (cur, Err(f)),
            }
        }
    }

    fn context(
        &self,
        name: &str,
        entered: i64,
        retries: u64,
        item: &Option<(usize, Value)>,
    ) -> Value {
        let mut c = json!({
            "Execution": self.execution,
            "StateMachine": self.state_machine,
            "State": {"EnteredTime": format_iso(entered), "Name": name, "RetryCount": retries},
        });
        if let (Some((i, v)), Some(obj)) = (item, c.as_object_mut()) {
            obj.insert("Map".into(), json!({"Item": {"Index": i, "Value": v}}));
        }
        c
    }

    /// One state, from its entry to its way on.
    #[allow(clippy::too_many_arguments, clippy::too_many_lines)]
    fn state(
        &mut self,
        name: &str,
        st: &Value,
        input: Value,
        vars: &mut Map<String, Value>,
        cur: Cursor,
        item: Option<(usize, Value)>,
        machine_ql: Ql,
        depth: usize,
    ) -> (Cursor, Flow) {
        let ty = st.get("Type").and_then(Value::as_str).unwrap_or("");
        let ql = match st.get("QueryLanguage").and_then(Value::as_str) {
            Some("JSONata") => Ql::Jsonata,
            Some("JSONPath") => Ql::JsonPath,
            _ => machine_ql,
        };
        // A what-if input: the state sees it instead of what it was given.
        let input = match self.case.overrides.get(name).and_then(|o| o.input.clone()) {
            Some(i) => i,
            None => input,
        };
        let t0 = cur.t + self.ms(1, 5);
        let entered = self.emit(
            t0,
            Some(cur.last),
            &format!("{ty}StateEntered"),
            Some(
                json!({"name": name, "input": text(&input), "inputDetails": {"truncated": false}}),
            ),
        );
        let mut cur = Cursor {
            t: t0,
            last: entered,
        };
        self.entered_seq = entered;
        self.note("input", &input);
        if let Some(f) = too_big(&input, "input") {
            return (cur, Flow::Failed(f));
        }
        // The state's work, with its retries: the result, or the failure that ends it.
        let mut retries_by: Vec<u64> = Vec::new();
        let mut attempt = 0u64;
        let work = loop {
            let ctx = self.context(name, t0, attempt, &item);
            let (c, r) = self.work(name, ty, st, &input, vars, cur, &ctx, ql, depth);
            cur = c;
            let f = match r {
                Ok(Work::Done(result)) => break Ok(Work::Done(result)),
                Ok(other) => break Ok(other),
                Err(f) => f,
            };
            match self.retry_delay(st, &f, &mut retries_by) {
                // Each attempt counts against the event budget, even one that wrote no event.
                Some(delay_ms)
                    if !f.is_terminal() && !self.full && attempt < self.opts.max_events as u64 =>
                {
                    cur.t = cur.t.saturating_add(delay_ms);
                    attempt += 1;
                }
                _ => break Err(f),
            }
        };
        // Nested states ran in between: this state's errors name its own entry again.
        self.entered_seq = entered;
        // What comes after the work sees the last attempt's context ($$.State.RetryCount).
        let ctx = self.context(name, t0, attempt, &item);
        match work {
            Ok(Work::Done(result)) => {
                self.finish_state(name, ty, st, input, result, vars, cur, &ctx, ql)
            }
            Ok(Work::Choice(next, out, assigned)) => {
                let (cur, flow) =
                    self.exit(name, ty, &json!({"Next": next}), out, assigned, vars, cur);
                (cur, flow)
            }
            Ok(Work::Fail(f)) => (cur, Flow::Failed(f)),
            Err(f) => {
                let cur = self.failed_events(name, ty, &f, cur, true);
                self.catch(name, ty, st, input, f, vars, cur, &ctx, ql)
            }
        }
    }

    /// After the work: ResultSelector, ResultPath, OutputPath (or Output), Assign, the exit.
    #[allow(clippy::too_many_arguments)]
    fn finish_state(
        &mut self,
        name: &str,
        ty: &str,
        st: &Value,
        input: Value,
        result: Value,
        vars: &mut Map<String, Value>,
        cur: Cursor,
        ctx: &Value,
        ql: Ql,
    ) -> (Cursor, Flow) {
        if matches!(ty, "Task" | "Map" | "Parallel") {
            self.note("result", &result);
        }
        let out = match ql {
            Ql::JsonPath => self.jsonpath_output(ty, st, &input, result.clone(), vars, ctx),
            Ql::Jsonata => {
                let states = json!({"input": input, "result": result, "context": ctx});
                match st.get("Output") {
                    Some(o) => self
                        .resolve(o, &states, vars, cur.t, "Output")
                        .and_then(|v| {
                            v.ok_or_else(|| {
                                Failure::new(
                                    "States.QueryEvaluationError",
                                    "the Output expression gave no value",
                                )
                            })
                        }),
                    None => Ok(if matches!(ty, "Task" | "Map" | "Parallel") {
                        result.clone()
                    } else {
                        input.clone()
                    }),
                }
            }
        };
        let out = match out {
            Ok(o) => o,
            Err(f) => {
                let cur = self.failed_events(name, ty, &f, cur, false);
                return self.catch(name, ty, st, input, f, vars, cur, ctx, ql);
            }
        };
        let assigned = match self.assign(st, &input, &result, None, vars, ctx, ql, cur.t) {
            Ok(a) => a,
            Err(f) => {
                let cur = self.failed_events(name, ty, &f, cur, false);
                return self.catch(name, ty, st, input, f, vars, cur, ctx, ql);
            }
        };
        self.exit(name, ty, st, out, assigned, vars, cur)
    }

    #[allow(clippy::too_many_arguments)]
    fn exit(
        &mut self,
        name: &str,
        ty: &str,
        st: &Value,
        out: Value,
        assigned: Option<Map<String, Value>>,
        vars: &mut Map<String, Value>,
        cur: Cursor,
    ) -> (Cursor, Flow) {
        let deep_vars = assigned.as_ref().is_some_and(|a| {
            a.values()
                .any(|v| nesting(v, MAX_VALUE_DEPTH) > MAX_VALUE_DEPTH)
        });
        if let Some(f) = too_big(&out, "output").or_else(|| {
            deep_vars.then(|| {
                Failure::new(
                    "States.Runtime",
                    format!("A variable nests more than {MAX_VALUE_DEPTH} levels deep: the simulator stops there, as deep as a JSON reader reads it back"),
                )
            })
        }) {
            return (cur, Flow::Failed(f));
        }
        self.note("output", &out);
        if let Some(a) = &assigned {
            self.note("assigned", &Value::Object(a.clone()));
        }
        let t = cur.t + self.ms(1, 5);
        let mut details =
            json!({"name": name, "output": text(&out), "outputDetails": {"truncated": false}});
        if let (Some(a), Some(d)) = (&assigned, details.as_object_mut()) {
            let shown: Map<String, Value> =
                a.iter().map(|(k, v)| (k.clone(), json!(text(v)))).collect();
            d.insert("assignedVariables".into(), Value::Object(shown));
            d.insert(
                "assignedVariablesDetails".into(),
                json!({"truncated": false}),
            );
        }
        if let Some(a) = assigned {
            vars.extend(a);
        }
        let last = self.emit(
            t,
            Some(cur.last),
            &format!("{ty}StateExited"),
            Some(details),
        );
        let cur = Cursor { t, last };
        if ty == "Succeed" || st.get("End").and_then(Value::as_bool) == Some(true) {
            return (cur, Flow::End(out));
        }
        match st.get("Next").and_then(Value::as_str) {
            Some(n) => (cur, Flow::Next(n.to_string(), out)),
            None => (cur, Flow::End(out)),
        }
    }

    /// The wait before the next attempt, when a retrier takes failure `f` (None: no retry).
    fn retry_delay(&mut self, st: &Value, f: &Failure, counts: &mut Vec<u64>) -> Option<i64> {
        let retriers = st.get("Retry")?.as_array()?;
        if counts.len() < retriers.len() {
            counts.resize(retriers.len(), 0);
        }
        let (i, r) = retriers.iter().enumerate().find(|(_, r)| matches(r, f))?;
        let max = r.get("MaxAttempts").and_then(Value::as_u64).unwrap_or(3);
        let n = counts.get(i).copied().unwrap_or(0);
        if n >= max {
            return None;
        }
        if let Some(c) = counts.get_mut(i) {
            *c += 1;
        }
        let interval = r
            .get("IntervalSeconds")
            .and_then(Value::as_f64)
            .unwrap_or(1.0);
        let backoff = r.get("BackoffRate").and_then(Value::as_f64).unwrap_or(2.0);
        let mut delay = interval * backoff.powi(n as i32);
        if let Some(m) = r.get("MaxDelaySeconds").and_then(Value::as_f64) {
            delay = delay.min(m);
        }
        if r.get("JitterStrategy").and_then(Value::as_str) == Some("FULL") {
            delay *= self.rng.borrow_mut().unit();
        }
        Some((delay.clamp(0.0, 31_622_400.0) * 1000.0).round() as i64)
    }

    /// A failure the state's work gave: caught (the exit, then the catcher's Next), or passed up.
    #[allow(clippy::too_many_arguments)]
    fn catch(
        &mut self,
        name: &str,
        ty: &str,
        st: &Value,
        input: Value,
        f: Failure,
        vars: &mut Map<String, Value>,
        cur: Cursor,
        ctx: &Value,
        ql: Ql,
    ) -> (Cursor, Flow) {
        let f = self.in_state(name, f);
        let catcher = st
            .get("Catch")
            .and_then(Value::as_array)
            .and_then(|cs| cs.iter().find(|c| matches(c, &f)));
        let Some(c) = catcher else {
            return (cur, Flow::Failed(f));
        };
        // A failure that names no error (a task token failed without fields) reads as nulls.
        let error_output = if f.error.is_empty() && f.cause.is_empty() {
            json!({"Error": null, "Cause": null})
        } else {
            json!({"Error": f.error, "Cause": f.cause})
        };
        self.note("errorOutput", &error_output);
        let out = match ql {
            Ql::JsonPath => match c.get("ResultPath") {
                Some(Value::Null) => Ok(input.clone()),
                Some(Value::String(p)) => paths::write(input.clone(), p, error_output.clone()),
                _ => Ok(error_output.clone()),
            },
            Ql::Jsonata => {
                let states = json!({"input": input, "errorOutput": error_output, "context": ctx});
                match c.get("Output") {
                    Some(o) => self
                        .resolve(o, &states, vars, cur.t, "Output")
                        .map(|v| v.unwrap_or(Value::Null)),
                    None => Ok(error_output.clone()),
                }
            }
        };
        let out = match out {
            Ok(o) => o,
            Err(f2) => return (cur, Flow::Failed(f2)),
        };
        let assigned = match self.assign(
            c,
            &input,
            &Value::Null,
            Some(&error_output),
            vars,
            ctx,
            ql,
            cur.t,
        ) {
            Ok(a) => a,
            Err(f2) => return (cur, Flow::Failed(f2)),
        };
        let (cur, flow) = self.exit(name, ty, &json!({}), out, assigned, vars, cur);
        match (flow, c.get("Next").and_then(Value::as_str)) {
            (Flow::End(out) | Flow::Next(_, out), Some(n)) => (cur, Flow::Next(n.to_string(), out)),
            (flow, _) => (cur, flow),
        }
    }

    /// The events a failing state writes before its Catch (or the run's end): `EvaluationFailed`
    /// for a JSONata error, and, when its work failed, a Parallel's or Map's `*StateFailed`
    /// (once, after its retries, with no details).
    fn failed_events(
        &mut self,
        name: &str,
        ty: &str,
        f: &Failure,
        mut cur: Cursor,
        work: bool,
    ) -> Cursor {
        let f = self.in_state(name, f.clone());
        if f.error == "States.QueryEvaluationError" {
            let location = f
                .cause
                .split_once("specified for the field '")
                .and_then(|(_, r)| r.split_once('\''))
                .map(|(l, _)| l.to_string());
            let mut d = json!({"error": f.error, "cause": f.cause, "state": name});
            if let (Some(l), Some(o)) = (location, d.as_object_mut()) {
                o.insert("location".into(), json!(l));
            }
            cur.last = self.emit(cur.t, Some(cur.last), "EvaluationFailed", Some(d));
        }
        if work && matches!(ty, "Parallel" | "Map") {
            cur.last = self.emit(cur.t, Some(cur.last), &format!("{ty}StateFailed"), None);
        }
        cur
    }

    /// A failure of the simulator's own making, worded as the service words it: "An error
    /// occurred while executing the state 'X' (entered at the event id #N). …".
    fn in_state(&self, name: &str, f: Failure) -> Failure {
        if !matches!(
            f.error.as_str(),
            "States.Runtime" | "States.QueryEvaluationError"
        ) || f
            .cause
            .starts_with("An error occurred while executing the state")
        {
            return f;
        }
        Failure::new(
            f.error,
            format!(
                "An error occurred while executing the state '{name}' (entered at the event id #{}). {}",
                marker(self.entered_seq),
                f.cause
            ),
        )
    }

    /// `Assign`: every value worked out on the state's input and result, then set at once.
    #[allow(clippy::too_many_arguments)]
    fn assign(
        &mut self,
        st: &Value,
        input: &Value,
        result: &Value,
        error_output: Option<&Value>,
        vars: &Map<String, Value>,
        ctx: &Value,
        ql: Ql,
        now: i64,
    ) -> Result<Option<Map<String, Value>>, Failure> {
        let Some(Value::Object(a)) = st.get("Assign") else {
            return Ok(None);
        };
        let mut out = Map::new();
        match ql {
            Ql::Jsonata => {
                let mut states = json!({"input": input, "result": result, "context": ctx});
                if let (Some(e), Some(o)) = (error_output, states.as_object_mut()) {
                    o.insert("errorOutput".into(), e.clone());
                }
                for (k, v) in a {
                    if let Some(x) = self.resolve(v, &states, vars, now, &format!("Assign/{k}"))? {
                        out.insert(k.clone(), x);
                    }
                }
            }
            Ql::JsonPath => {
                let base = error_output.cloned().unwrap_or_else(|| {
                    if result.is_null() {
                        input.clone()
                    } else {
                        result.clone()
                    }
                });
                let v = self.template(&Value::Object(a.clone()), &base, vars, ctx)?;
                if let Value::Object(m) = v {
                    out = m;
                }
            }
        }
        Ok(Some(out))
    }

    /// `v` with its `{% … %}` strings evaluated; `field` names it in errors (`Arguments/x`).
    fn resolve(
        &mut self,
        v: &Value,
        states: &Value,
        vars: &Map<String, Value>,
        now: i64,
        field: &str,
    ) -> Result<Option<Value>, Failure> {
        let scope = Scope {
            states,
            variables: vars,
            now_ms: now,
        };
        jsonata::resolve(v, &scope, &self.rng, field, 0)
    }

    /// A JSONPath payload template: `k.$` keys take a path's or an intrinsic's value.
    fn template(
        &mut self,
        t: &Value,
        input: &Value,
        vars: &Map<String, Value>,
        ctx: &Value,
    ) -> Result<Value, Failure> {
        let src = Sources {
            input,
            context: ctx,
            variables: vars,
        };
        template_in(t, &src, &mut self.rng.borrow_mut(), 0)
    }

    /// The JSONPath data flow after the work: ResultSelector, ResultPath, OutputPath.
    fn jsonpath_output(
        &mut self,
        ty: &str,
        st: &Value,
        input: &Value,
        result: Value,
        vars: &Map<String, Value>,
        ctx: &Value,
    ) -> Result<Value, Failure> {
        let result = match st.get("ResultSelector") {
            Some(sel) if matches!(ty, "Task" | "Map" | "Parallel") => {
                let selected = self.template(sel, &result, vars, ctx)?;
                self.note("afterResultSelector", &selected);
                selected
            }
            _ => result,
        };
        let with_result = if matches!(ty, "Task" | "Map" | "Parallel" | "Pass") {
            match st.get("ResultPath") {
                Some(Value::Null) => input.clone(),
                Some(Value::String(p)) => paths::write(input.clone(), p, result)?,
                _ => result,
            }
        } else {
            result
        };
        if st.get("ResultPath").is_some() {
            self.note("afterResultPath", &with_result);
        }
        io_path(st, "OutputPath", &with_result, vars, ctx)
    }

    /// InputPath and Parameters (JSONPath), or Arguments (JSONata): what the work gets.
    #[allow(clippy::too_many_arguments)]
    fn effective_input(
        &mut self,
        st: &Value,
        input: &Value,
        vars: &Map<String, Value>,
        ctx: &Value,
        ql: Ql,
        now: i64,
        field: &str,
    ) -> Result<Value, Failure> {
        match ql {
            Ql::JsonPath => {
                let after_path = io_path(st, "InputPath", input, vars, ctx)?;
                if st.get("InputPath").is_some() {
                    self.note("afterInputPath", &after_path);
                }
                match st.get(field) {
                    Some(t) => {
                        let p = self.template(t, &after_path, vars, ctx)?;
                        self.note("parameters", &p);
                        Ok(p)
                    }
                    None => Ok(after_path),
                }
            }
            Ql::Jsonata => {
                let states = json!({"input": input, "context": ctx});
                match st.get("Arguments") {
                    Some(a) => {
                        let args = self
                            .resolve(a, &states, vars, now, "Arguments")?
                            .unwrap_or(Value::Null);
                        self.note("arguments", &args);
                        Ok(args)
                    }
                    None => Ok(input.clone()),
                }
            }
        }
    }

    /// The work of one attempt.
    #[allow(clippy::too_many_arguments)]
    fn work(
        &mut self,
        name: &str,
        ty: &str,
        st: &Value,
        input: &Value,
        vars: &mut Map<String, Value>,
        cur: Cursor,
        ctx: &Value,
        ql: Ql,
        depth: usize,
    ) -> (Cursor, Result<Work, Failure>) {
        match ty {
            "Pass" => {
                let r = match (ql, st.get("Result"), st.get("Output")) {
                    (Ql::JsonPath, Some(r), _) => Ok(r.clone()),
                    (Ql::JsonPath, None, _) => {
                        self.effective_input(st, input, vars, ctx, ql, cur.t, "Parameters")
                    }
                    (Ql::Jsonata, _, _) => Ok(input.clone()),
                };
                (cur, r.map(Work::Done))
            }
            "Succeed" => {
                let r = match ql {
                    Ql::JsonPath => self.effective_input(st, input, vars, ctx, ql, cur.t, "-"),
                    Ql::Jsonata => Ok(input.clone()),
                };
                (cur, r.map(Work::Done))
            }
            "Wait" => self.wait(st, input, vars, cur, ctx, ql),
            "Choice" => (cur, self.choice(st, input, vars, ctx, ql, cur.t)),
            "Fail" => (
                cur,
                self.fail_state(st, input, vars, ctx, ql, cur.t)
                    .map(Work::Fail),
            ),
            "Task" => self.task(name, st, input, vars, cur, ctx, ql),
            "Parallel" => self.parallel(st, input, vars, cur, ctx, ql, depth),
            "Map" => self.map(name, st, input, vars, cur, ctx, ql, depth),
            other => (
                cur,
                Err(Failure::runtime(format!(
                    "'{other}' is not a state type Stepscope can run"
                ))),
            ),
        }
    }

    fn wait(
        &mut self,
        st: &Value,
        input: &Value,
        vars: &Map<String, Value>,
        mut cur: Cursor,
        ctx: &Value,
        ql: Ql,
    ) -> (Cursor, Result<Work, Failure>) {
        let src = Sources {
            input,
            context: ctx,
            variables: vars,
        };
        let mut field = |k: &str| -> Result<Option<Value>, Failure> {
            match st.get(k) {
                None => Ok(None),
                Some(v) if ql == Ql::Jsonata => {
                    let states = json!({"input": input, "context": ctx});
                    self.resolve(v, &states, vars, cur.t, k)
                }
                Some(v) => Ok(Some(v.clone())),
            }
        };
        let secs = field("Seconds");
        let stamp = field("Timestamp");
        let bad = |ql: Ql, why: String| {
            if ql == Ql::Jsonata {
                Failure::new("States.QueryEvaluationError", why)
            } else {
                Failure::runtime(why)
            }
        };
        let until: Result<i64, Failure> = match (secs, stamp) {
            (Err(f), _) | (_, Err(f)) => Err(f),
            (Ok(Some(s)), _) => match s.as_f64() {
                Some(n) if n >= 0.0 => Ok(cur.t.saturating_add((n * 1000.0) as i64)),
                _ => Err(bad(ql, format!("The Seconds field must be a non-negative integer, not {s}"))),
            },
            (_, Ok(Some(ts))) => {
                let text = ts.as_str().unwrap_or("").to_string();
                strict_iso(&text).ok_or_else(|| {
                    bad(
                        ql,
                        format!("The Timestamp field cannot be parsed as an ISO-8601 extended offset date-time format string: {}", if ts.is_string() { text.clone() } else { ts.to_string() }),
                    )
                })
            }
            _ => match (st.get("SecondsPath"), st.get("TimestampPath")) {
                (Some(Value::String(p)), _) => match paths::read(p, &src) {
                    Err(_) => Err(Failure::runtime(format!("The SecondsPath parameter does not reference an input value: {p}"))),
                    Ok(v) => match v.as_f64() {
                        Some(n) if n.fract() != 0.0 => Err(Failure::runtime(format!("The SecondsPath parameter cannot be parsed as a long value: {p} == {v}"))),
                        Some(n) if n < 0.0 => Err(Failure::runtime(format!("The SecondsPath parameter references a negative value: {p} == {v}"))),
                        Some(n) => Ok(cur.t.saturating_add((n * 1000.0) as i64)),
                        None => Err(Failure::runtime(format!("The SecondsPath parameter cannot be parsed as a long value: {p} == {v}"))),
                    },
                },
                (_, Some(Value::String(p))) => match paths::read(p, &src) {
                    Err(_) => Err(Failure::runtime(format!("The TimestampPath parameter does not reference an input value: {p}"))),
                    Ok(v) => {
                        let text = v.as_str().map_or_else(|| v.to_string(), String::from);
                        strict_iso(&text).ok_or_else(|| {
                            Failure::runtime(format!("The TimestampPath parameter does not reference a valid ISO-8601 extended offset date-time format string: {p} == {text}"))
                        })
                    }
                },
                _ => Err(Failure::runtime("a Wait state needs Seconds, Timestamp, SecondsPath or TimestampPath")),
            },
        };
        let until = match until {
            Ok(u) => u,
            Err(f) => return (cur, Err(f)),
        };
        // No wait outlasts a year, the longest a run may last.
        cur.t = until.clamp(cur.t, cur.t + 31_622_400_000);
        let r = match ql {
            Ql::JsonPath => self.effective_input(st, input, vars, ctx, ql, cur.t, "-"),
            Ql::Jsonata => Ok(input.clone()),
        };
        (cur, r.map(Work::Done))
    }

    fn fail_state(
        &mut self,
        st: &Value,
        input: &Value,
        vars: &Map<String, Value>,
        ctx: &Value,
        ql: Ql,
        now: i64,
    ) -> Result<Failure, Failure> {
        let mut get = |k: &str, path_k: &str| -> Result<String, Failure> {
            let v = match (ql, st.get(k), st.get(path_k)) {
                (Ql::Jsonata, Some(v), _) => {
                    let states = json!({"input": input, "context": ctx});
                    self.resolve(v, &states, vars, now, k)?
                }
                (_, Some(v), _) => Some(v.clone()),
                (_, _, Some(Value::String(p))) => {
                    let src = Sources {
                        input,
                        context: ctx,
                        variables: vars,
                    };
                    Some(if intrinsics::is_call(p) {
                        intrinsics::eval(p, &src, &mut self.rng.borrow_mut())?
                    } else {
                        paths::read(p, &src).map_err(|f| for_field(f, path_k))?
                    })
                }
                _ => None,
            };
            Ok(match v {
                Some(Value::String(s)) => s,
                Some(Value::Null) | None => String::new(),
                Some(other) => other.to_string(),
            })
        };
        let error = get("Error", "ErrorPath")?;
        let cause = get("Cause", "CausePath")?;
        Ok(Failure::new(error, cause))
    }

    fn choice(
        &mut self,
        st: &Value,
        input: &Value,
        vars: &mut Map<String, Value>,
        ctx: &Value,
        ql: Ql,
        now: i64,
    ) -> Result<Work, Failure> {
        let rules = st
            .get("Choices")
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default();
        let src_input = match ql {
            Ql::JsonPath => io_path(st, "InputPath", input, vars, ctx)?,
            Ql::Jsonata => input.clone(),
        };
        for rule in &rules {
            let hit = match ql {
                Ql::JsonPath => {
                    let src = Sources {
                        input: &src_input,
                        context: ctx,
                        variables: vars,
                    };
                    rule_matches(rule, &src, 0)?
                }
                Ql::Jsonata => {
                    let states = json!({"input": input, "context": ctx});
                    match rule.get("Condition") {
                        Some(c) => match self.resolve(c, &states, vars, now, "Condition")? {
                            Some(Value::Bool(b)) => b,
                            other => {
                                return Err(Failure::new(
                                    "States.QueryEvaluationError",
                                    format!(
                                        "a Choice rule's Condition must be true or false, not {}",
                                        other.map_or("nothing".into(), |v| v.to_string())
                                    ),
                                ))
                            }
                        },
                        None => false,
                    }
                }
            };
            if hit {
                let next = rule
                    .get("Next")
                    .and_then(Value::as_str)
                    .unwrap_or("")
                    .to_string();
                let (out, assigned) =
                    self.choice_output(st, rule, input, &src_input, vars, ctx, ql, now)?;
                return Ok(Work::Choice(next, out, assigned));
            }
        }
        match st.get("Default").and_then(Value::as_str) {
            Some(d) => {
                let (out, assigned) =
                    self.choice_output(st, &json!({}), input, &src_input, vars, ctx, ql, now)?;
                Ok(Work::Choice(d.to_string(), out, assigned))
            }
            None => Err(Failure::new(
                "States.NoChoiceMatched",
                "No Choice Rules matched the input and no Default was given",
            )),
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn choice_output(
        &mut self,
        st: &Value,
        rule: &Value,
        input: &Value,
        after_input: &Value,
        vars: &mut Map<String, Value>,
        ctx: &Value,
        ql: Ql,
        now: i64,
    ) -> Result<(Value, Option<Map<String, Value>>), Failure> {
        let out = match ql {
            Ql::JsonPath => io_path(st, "OutputPath", after_input, vars, ctx)?,
            Ql::Jsonata => {
                let states = json!({"input": input, "context": ctx});
                match rule.get("Output").or_else(|| st.get("Output")) {
                    Some(o) => self
                        .resolve(o, &states, vars, now, "Output")?
                        .unwrap_or(Value::Null),
                    None => input.clone(),
                }
            }
        };
        // The rule's Assign, then the state's, each seeing the variables as they were; they are
        // set at the exit.
        let mut assigned: Option<Map<String, Value>> = None;
        for holder in [rule, st] {
            if let Some(a) = self.assign(holder, input, &Value::Null, None, vars, ctx, ql, now)? {
                assigned.get_or_insert_with(Map::new).extend(a);
            }
        }
        Ok((out, assigned))
    }

    fn invocation(&mut self, name: &str) -> Option<(Response, Option<i64>)> {
        let mocked = self.mocked?;
        let response = mocked.get(name)?;
        let n = self.counters.entry(name.to_string()).or_insert(0);
        let k = *n;
        *n += 1;
        let mocks = self.case.mocks.as_ref()?;
        Some(match mocks.entry(response, k) {
            Some(e) => (e.response.clone(), e.latency_ms),
            None => (
                Response::Throw {
                    error: "States.Runtime".into(),
                    cause: format!("the mocked response '{response}' has no entry for invocation {k} of state '{name}'"),
                },
                None,
            ),
        })
    }

    #[allow(clippy::too_many_arguments)]
    fn task(
        &mut self,
        name: &str,
        st: &Value,
        input: &Value,
        vars: &mut Map<String, Value>,
        mut cur: Cursor,
        ctx: &Value,
        ql: Ql,
    ) -> (Cursor, Result<Work, Failure>) {
        let resource = st.get("Resource").and_then(Value::as_str).unwrap_or("");
        // A callback task's token, in `$$.Task.Token`.
        let mut ctx = ctx.clone();
        if resource.ends_with(".waitForTaskToken") {
            let token = self.rng.borrow_mut().uuid();
            if let Some(o) = ctx.as_object_mut() {
                o.insert("Task".into(), json!({"Token": token}));
            }
        }
        let ctx = &ctx;
        let params = match self.effective_input(st, input, vars, ctx, ql, cur.t, "Parameters") {
            Ok(p) => p,
            Err(f) => return (cur, Err(f)),
        };
        let kind = Integration::of(resource);
        // TimeoutSeconds and HeartbeatSeconds, or their *Path forms read from the state's input.
        let seconds = |k: &str| -> Result<Option<f64>, Failure> {
            let pk = format!("{k}Path");
            let v = match (st.get(k), st.get(&pk).and_then(Value::as_str)) {
                (Some(v), _) => v.clone(),
                (None, Some(p)) => paths::read(
                    p,
                    &Sources {
                        input,
                        context: ctx,
                        variables: vars,
                    },
                )
                .map_err(|_| {
                    Failure::runtime(format!(
                        "The {pk} field references a value that is not in the input: {p}"
                    ))
                })?,
                (None, None) => return Ok(None),
            };
            match v.as_f64() {
                Some(n) if n > 0.0 && n.fract() == 0.0 => Ok(Some(n)),
                _ => Err(Failure::runtime(format!(
                    "The {k} value must be a positive integer, not {v}"
                ))),
            }
        };
        let (timeout, heartbeat_limit) =
            match (seconds("TimeoutSeconds"), seconds("HeartbeatSeconds")) {
                (Ok(t), Ok(h)) => (t, h),
                (Err(f), _) | (_, Err(f)) => return (cur, Err(f)),
            };
        let (scheduled, started, succeeded, failed, timed_out) = kind.events();
        let mut sched = match &kind {
            Integration::Lambda => {
                json!({"resource": resource, "input": text(&params), "inputDetails": {"truncated": false}})
            }
            Integration::Activity => {
                json!({"resource": resource, "input": text(&params), "inputDetails": {"truncated": false}})
            }
            Integration::Service { rtype, action } => {
                json!({"resourceType": rtype, "resource": action, "region": "us-east-1", "parameters": text(&params)})
            }
        };
        if let (Some(t), Some(o)) = (timeout, sched.as_object_mut()) {
            o.insert("timeoutInSeconds".into(), json!(t as i64));
        }
        if let (Some(h), Some(o)) = (heartbeat_limit, sched.as_object_mut()) {
            o.insert("heartbeatInSeconds".into(), json!(h as i64));
        }
        let ids = kind.ids();
        cur.t += self.ms(1, 10);
        cur.last = self.emit(cur.t, Some(cur.last), scheduled, Some(sched));
        cur.t += self.ms(5, 30);
        cur.last = self.emit(cur.t, Some(cur.last), started, ids.clone());
        // A job started with .sync, or a callback sent with .waitForTaskToken, is submitted first.
        if matches!(kind, Integration::Service { .. })
            && (resource.contains(".sync") || resource.ends_with(".waitForTaskToken"))
        {
            cur.t += self.ms(5, 30);
            let mut d = ids.clone().unwrap_or(json!({}));
            if let Some(o) = d.as_object_mut() {
                o.insert("output".into(), json!("{}"));
                o.insert("outputDetails".into(), json!({"truncated": false}));
            }
            cur.last = self.emit(cur.t, Some(cur.last), "TaskSubmitted", Some(d));
        }
        let answered = self.invocation(name);
        self.calls
            .push((cur.last, name.to_string(), answered.is_some()));
        let (mut response, mut latency) = match answered {
            Some(r) => r,
            None => (
                Response::Return(kind.default_result(&params, &mut self.rng.borrow_mut())),
                None,
            ),
        };
        // What-ifs: the task fails, or takes this long, whatever its mock says.
        if let Some(o) = self.case.overrides.get(name) {
            if let Some(error) = &o.error {
                response = Response::Throw {
                    error: error.clone(),
                    cause: o.cause.clone().unwrap_or_default(),
                };
            }
            if let Some(ms) = o.latency_ms {
                latency = Some(ms as i64);
            }
        }
        let latency = latency.unwrap_or_else(|| self.ms(20, 400));
        // A mock sends no heartbeats: a task slower than HeartbeatSeconds misses one. The
        // earlier of the two limits ends it.
        let heartbeat = heartbeat_limit.filter(|h| latency as f64 > h * 1000.0);
        let over = match (timeout.filter(|t| latency as f64 > t * 1000.0), heartbeat) {
            (Some(t), Some(h)) if h < t => Some((h, "States.HeartbeatTimeout")),
            (Some(t), _) => Some((t, "States.Timeout")),
            (None, Some(h)) => Some((h, "States.HeartbeatTimeout")),
            (None, None) => None,
        };
        if let Some((t, error)) = over {
            cur.t = cur.t.saturating_add((t * 1000.0) as i64);
            let f = Failure::new(error, "");
            let mut d = ids.unwrap_or(json!({}));
            if let (Some(o), Value::Object(e)) = (d.as_object_mut(), error_details(&f)) {
                o.extend(e);
            }
            cur.last = self.emit(cur.t, Some(cur.last), timed_out, Some(d));
            return (cur, Err(f));
        }
        cur.t = cur.t.saturating_add(latency);
        match response {
            Response::Return(v) => {
                let mut d = ids.unwrap_or(json!({}));
                // A result over the limit fails the task itself, as the service writes it.
                if v.to_string().len() > MAX_PAYLOAD {
                    let f = Failure::new(
                        "States.DataLimitExceeded",
                        format!("The state/task '{resource}' returned a result with a size exceeding the maximum number of bytes service limit."),
                    );
                    if let (Some(o), Value::Object(e)) = (d.as_object_mut(), error_details(&f)) {
                        o.extend(e);
                    }
                    cur.last = self.emit(cur.t, Some(cur.last), failed, Some(d));
                    return (cur, Err(f));
                }
                if let Some(o) = d.as_object_mut() {
                    o.insert("output".into(), json!(text(&v)));
                    o.insert("outputDetails".into(), json!({"truncated": false}));
                }
                cur.last = self.emit(cur.t, Some(cur.last), succeeded, Some(d));
                (cur, Ok(Work::Done(v)))
            }
            Response::Throw { error, cause } => {
                let f = Failure::new(error, cause);
                let mut d = ids.unwrap_or(json!({}));
                if let (Some(o), Value::Object(e)) = (d.as_object_mut(), error_details(&f)) {
                    o.extend(e);
                }
                // A thrown timeout (as `record` writes a recorded one) is a timeout.
                let kind = if matches!(
                    f.error.as_str(),
                    "States.Timeout" | "States.HeartbeatTimeout"
                ) {
                    timed_out
                } else {
                    failed
                };
                cur.last = self.emit(cur.t, Some(cur.last), kind, Some(d));
                (cur, Err(f))
            }
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn parallel(
        &mut self,
        st: &Value,
        input: &Value,
        vars: &mut Map<String, Value>,
        mut cur: Cursor,
        ctx: &Value,
        ql: Ql,
        depth: usize,
    ) -> (Cursor, Result<Work, Failure>) {
        let branch_input = match self.effective_input(st, input, vars, ctx, ql, cur.t, "Parameters")
        {
            Ok(p) => p,
            Err(f) => return (cur, Err(f)),
        };
        cur.t += self.ms(1, 5);
        let started = self.emit(cur.t, Some(cur.last), "ParallelStateStarted", None);
        let branches = st
            .get("Branches")
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default();
        let mut results = Vec::new();
        let mut end = cur;
        let mut strands = Vec::new();
        // The first branch to fail: its index, when, its last event, and the failure.
        let mut first_failure: Option<(usize, Cursor, Failure)> = None;
        for (k, b) in branches.iter().enumerate() {
            let mut local = vars.clone();
            let from = self.out.len();
            let (c, r) = self.scope(
                b,
                branch_input.clone(),
                &mut local,
                Cursor {
                    t: cur.t,
                    last: started,
                },
                None,
                ql,
                depth + 1,
            );
            strands.push(Strand {
                from,
                to: self.out.len(),
            });
            if c.t >= end.t {
                end = c;
            }
            match r {
                Ok(v) => results.push(v),
                Err(f) => {
                    if first_failure.as_ref().is_none_or(|(_, at, _)| c.t < at.t) {
                        first_failure = Some((k, c, f));
                    }
                    results.push(Value::Null);
                }
            }
        }
        let t = end.t + self.ms(1, 5);
        match first_failure {
            // The other branches stop; the state writes ParallelStateFailed once its retries
            // are spent, after the failing event.
            Some((k, at, f)) => {
                let at = Cursor {
                    t: at.t.max(cur.t),
                    last: at.last,
                };
                self.abort_strands(&strands, k, at.t, at.t, at.last);
                (at, Err(f))
            }
            None => {
                let last = self.emit(t, Some(end.last), "ParallelStateSucceeded", None);
                (Cursor { t, last }, Ok(Work::Done(Value::Array(results))))
            }
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn map(
        &mut self,
        name: &str,
        st: &Value,
        input: &Value,
        vars: &mut Map<String, Value>,
        mut cur: Cursor,
        ctx: &Value,
        ql: Ql,
        depth: usize,
    ) -> (Cursor, Result<Work, Failure>) {
        // What ItemSelector reads: the state's input after InputPath.
        let mut map_input = input.clone();
        let items = match ql {
            Ql::JsonPath => {
                let after = io_path(st, "InputPath", input, vars, ctx);
                map_input = after.clone().unwrap_or(Value::Null);
                after.and_then(|a| match st.get("ItemsPath") {
                    Some(Value::String(p)) => paths::read(
                        p,
                        &Sources {
                            input: &a,
                            context: ctx,
                            variables: vars,
                        },
                    ),
                    _ => Ok(a),
                })
            }
            Ql::Jsonata => {
                let states = json!({"input": input, "context": ctx});
                match st.get("Items") {
                    Some(i) => self
                        .resolve(i, &states, vars, cur.t, "Items")
                        .map(|v| v.unwrap_or(Value::Null)),
                    None => Ok(input.clone()),
                }
            }
        };
        // A reader's items (S3) are not in the input: the case gives them, by state name.
        let items = match st.get("ItemReader") {
            Some(reader) => match self.case.item_reader.get(name) {
                Some(Value::Array(a)) => {
                    let max = reader
                        .pointer("/ReaderConfig/MaxItems")
                        .and_then(Value::as_u64)
                        .map_or(a.len(), |m| m as usize);
                    Ok(Value::Array(a.iter().take(max).cloned().collect()))
                }
                _ => Err(Failure::runtime(format!(
                    "the items of Map '{name}' come from its ItemReader; give them in the case file's \"itemReader\": {{\"{name}\": [...]}}"
                ))),
            },
            None => items,
        };
        // ItemBatcher: each iteration gets a batch, `{"Items": [...], "BatchInput": ...}`.
        let items = match (items, st.get("ItemBatcher")) {
            (Ok(Value::Array(a)), Some(b)) => Ok(Value::Array(batches(a, b))),
            (other, _) => other,
        };
        let items = match items {
            Ok(Value::Array(a)) => a,
            Ok(other) => {
                let f = match (ql, st.get("Items").and_then(Value::as_str).and_then(jsonata::expression)) {
                    (Ql::Jsonata, Some(body)) => Failure::new(
                        "States.QueryEvaluationError",
                        format!(
                            "The JSONata expression '{body}' specified for the field 'Items' returned an unexpected result type. Expected 'array', but was '{}' for value: {other}",
                            json_type(&other)
                        ),
                    ),
                    (Ql::Jsonata, None) => Failure::new(
                        "States.QueryEvaluationError",
                        format!("Map state input must be an array but was: {other}"),
                    ),
                    _ => Failure::runtime(format!("Map state input must be an array but was: {other}")),
                };
                return (cur, Err(f));
            }
            Err(f) => return (cur, Err(f)),
        };
        let processor = st
            .get("ItemProcessor")
            .or_else(|| st.get("Iterator"))
            .cloned()
            .unwrap_or(Value::Null);
        let selector = st
            .get("ItemSelector")
            .or_else(|| st.get("Parameters"))
            .cloned();
        let distributed = processor
            .pointer("/ProcessorConfig/Mode")
            .and_then(Value::as_str)
            == Some("DISTRIBUTED");
        let inner_ql = match processor.get("QueryLanguage").and_then(Value::as_str) {
            Some("JSONata") => Ql::Jsonata,
            Some("JSONPath") => Ql::JsonPath,
            _ => ql,
        };
        cur.t += self.ms(1, 5);
        let started = self.emit(
            cur.t,
            Some(cur.last),
            "MapStateStarted",
            Some(json!({"length": items.len()})),
        );
        let mut from = started;
        if distributed {
            from = self.emit(cur.t + 1, Some(started), "MapRunStarted", Some(json!({"mapRunArn": format!("arn:aws:states:us-east-1:123456789012:mapRun:{}/{name}:1", self.state_machine.get("Name").and_then(Value::as_str).unwrap_or("m"))})));
        }
        let limits = match map_limits(st, &map_input, vars, ctx) {
            Ok(l) => l,
            Err(f) => return (cur, Err(f)),
        };
        let conc = limits
            .concurrency
            .filter(|&c| c > 0)
            .unwrap_or(40)
            .min(1000) as usize;
        let mut slots = vec![cur.t + 1; conc.max(1)];
        let mut results = Vec::with_capacity(items.len());
        let mut end = Cursor {
            t: cur.t,
            last: from,
        };
        let mut failures = 0usize;
        let mut first_failure: Option<Failure> = None;
        let mut strands = Vec::new();
        // The iteration that failed first: its strand, when it failed, and its last event.
        let mut failed_first: Option<(usize, Cursor)> = None;
        // A distributed Map's iterations are child executions: their events are in their own
        // histories, not in this one.
        let (mark, was_full) = (self.out.len(), self.full);
        for (i, item) in items.iter().enumerate() {
            if self.full {
                break;
            }
            let (slot, free) = slots
                .iter()
                .copied()
                .enumerate()
                .min_by_key(|&(_, f)| f)
                .unwrap_or((0, cur.t));
            // An inline Map stops at its first failure: items not started by then never start.
            if !distributed && failed_first.is_some_and(|(_, at)| free > at.t) {
                break;
            }
            let strand_from = self.out.len();
            let it = self.emit(
                free,
                Some(from),
                "MapIterationStarted",
                Some(json!({"name": name, "index": i})),
            );
            let item_ctx = self.context(name, cur.t, 0, &Some((i, item.clone())));
            let item_input = match (&selector, ql) {
                (Some(sel), Ql::JsonPath) => self.template(sel, &map_input, vars, &item_ctx),
                (Some(sel), Ql::Jsonata) => {
                    let states = json!({"input": input, "context": item_ctx});
                    self.resolve(sel, &states, vars, free, "ItemSelector")
                        .map(|v| v.unwrap_or(Value::Null))
                }
                (None, _) => Ok(item.clone()),
            };
            let mut local = if distributed {
                Map::new()
            } else {
                vars.clone()
            };
            let (c, r) = match item_input {
                Ok(x) => self.scope(
                    &processor,
                    x,
                    &mut local,
                    Cursor { t: free, last: it },
                    Some((i, item.clone())),
                    inner_ql,
                    depth + 1,
                ),
                Err(f) => (Cursor { t: free, last: it }, Err(f)),
            };
            let done = c.t + 1;
            let (kind, ok) = match &r {
                Ok(_) => ("MapIterationSucceeded", true),
                Err(_) => ("MapIterationFailed", false),
            };
            let l = self.emit(
                done,
                Some(c.last),
                kind,
                Some(json!({"name": name, "index": i})),
            );
            let l = if distributed { from } else { l };
            strands.push(Strand {
                from: strand_from,
                to: self.out.len(),
            });
            match r {
                Ok(v) => results.push(v),
                Err(f) => {
                    failures += 1;
                    if failed_first.is_none_or(|(_, at)| c.t < at.t) {
                        failed_first = Some((strands.len() - 1, c));
                        first_failure = Some(f);
                    }
                    results.push(Value::Null);
                }
            }
            let _ = ok;
            if let Some(s) = slots.get_mut(slot) {
                *s = done + 1;
            }
            if done >= end.t {
                end = Cursor { t: done, last: l };
            }
            // A child execution has a history (and an event budget) of its own.
            if distributed {
                self.out.truncate(mark);
                self.full = was_full;
                end.last = from;
            }
        }
        // The history filled up before every item ran: the run stops, it doesn't succeed.
        if self.full && results.len() < items.len() {
            return (
                end,
                Err(Failure::runtime(format!(
                    "the execution history reached {} events, the service's limit, in Map '{name}'",
                    self.opts.max_events
                ))),
            );
        }
        let tolerated_count = limits.tolerated_count.map(|c| c as usize);
        let tolerated_pct = limits.tolerated_percentage;
        let tolerated = failures == 0
            || tolerated_count.is_some_and(|c| failures <= c)
            || tolerated_pct.is_some_and(|p| {
                !items.is_empty() && (failures as f64 * 100.0 / items.len() as f64) <= p
            });
        if distributed {
            self.out.truncate(mark);
            end.last = from;
        }
        let t = end.t + self.ms(1, 5);
        let mut last = end.last;
        if distributed {
            let details = (!tolerated).then(|| {
                error_details(&Failure::new(
                    "States.ExceedToleratedFailureThreshold",
                    "The specified tolerated failure threshold was exceeded",
                ))
            });
            last = self.emit(
                t,
                Some(last),
                if tolerated {
                    "MapRunSucceeded"
                } else {
                    "MapRunFailed"
                },
                details,
            );
        }
        if tolerated {
            let last = self.emit(t + 1, Some(last), "MapStateSucceeded", None);
            // With a ResultWriter the results go to S3, and the state's result says where.
            let result = match st.get("ResultWriter") {
                Some(w) => {
                    let arn = format!(
                        "arn:aws:states:us-east-1:123456789012:mapRun:{}/{name}:1",
                        self.state_machine
                            .get("Name")
                            .and_then(Value::as_str)
                            .unwrap_or("m")
                    );
                    let bucket = w
                        .pointer("/Parameters/Bucket")
                        .or_else(|| w.pointer("/Arguments/Bucket"))
                        .cloned()
                        .unwrap_or(Value::Null);
                    let prefix = w
                        .pointer("/Parameters/Prefix")
                        .or_else(|| w.pointer("/Arguments/Prefix"))
                        .and_then(Value::as_str)
                        .unwrap_or("");
                    let run_id = self.rng.borrow_mut().uuid();
                    let key = if prefix.is_empty() {
                        format!("{run_id}/manifest.json")
                    } else {
                        format!("{}/{run_id}/manifest.json", prefix.trim_end_matches('/'))
                    };
                    json!({"MapRunArn": arn, "ResultWriterDetails": {"Bucket": bucket, "Key": key}})
                }
                None => Value::Array(results),
            };
            (Cursor { t: t + 1, last }, Ok(Work::Done(result)))
        } else {
            let f = if tolerated_count.is_some() || tolerated_pct.is_some() || distributed {
                Failure::new(
                    "States.ExceedToleratedFailureThreshold",
                    "The specified tolerated failure threshold was exceeded",
                )
            } else {
                first_failure.unwrap_or_else(|| Failure::new("States.BranchFailed", ""))
            };
            // An inline Map's other iterations stop when one fails; the state writes
            // MapStateFailed once its retries are spent, after the failing event.
            if let (false, Some((k, at))) = (distributed, failed_first) {
                self.abort_strands(&strands, k, at.t, at.t + 1, at.last);
                return (
                    Cursor {
                        t: at.t + 1,
                        last: at.last,
                    },
                    Err(f),
                );
            }
            (Cursor { t, last }, Err(f))
        }
    }
}

/// What one attempt of a state's work gave.
enum Work {
    Done(Value),
    /// The next state, the output, and the variables the rule and the state assigned.
    Choice(String, Value, Option<Map<String, Value>>),
    Fail(Failure),
}

/// An event's `error` and `cause`, each left out when empty, as the service does.
fn error_details(f: &Failure) -> Value {
    let mut d = Map::new();
    if !f.error.is_empty() {
        d.insert("error".into(), json!(f.error));
    }
    if !f.cause.is_empty() {
        d.insert("cause".into(), json!(f.cause));
    }
    Value::Object(d)
}

/// Whether a retrier or catcher (its `ErrorEquals`) takes failure `f`.
fn matches(r: &Value, f: &Failure) -> bool {
    let names: Vec<String> = r
        .get("ErrorEquals")
        .and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .filter_map(Value::as_str)
                .map(String::from)
                .collect()
        })
        .unwrap_or_default();
    // States.Runtime ends the run even where a catcher names it (the corpus's
    // test_catch_states_runtime recording).
    if f.is_terminal() {
        return false;
    }
    crate::asl::any_matches(&names, &f.error)
}

/// How a Task's resource is called, which names its events.
enum Integration {
    Lambda,
    Activity,
    Service { rtype: String, action: String },
}

impl Integration {
    fn of(resource: &str) -> Integration {
        // `arn:<partition>:service:…`: the partition is `aws`, `aws-cn`, `aws-us-gov`, ….
        let mut parts = resource.splitn(3, ':');
        let (arn, service) = (parts.next(), parts.nth(1));
        if arn == Some("arn") && service == Some("lambda") {
            return Integration::Lambda;
        }
        if resource.contains(":activity:") {
            return Integration::Activity;
        }
        let tail = resource
            .split_once(":states:::")
            .map_or(resource, |(_, t)| t);
        // `aws-sdk:s3:getObject` → `aws-sdk:s3` and `getObject`; `states:startExecution.sync:2`
        // → `states` and `startExecution.sync:2`.
        let split = match tail.strip_prefix("aws-sdk:") {
            Some(rest) => rest
                .split_once(':')
                .map(|(svc, action)| (format!("aws-sdk:{svc}"), action.to_string())),
            None => tail
                .split_once(':')
                .map(|(svc, action)| (svc.to_string(), action.to_string())),
        };
        match split {
            Some((rtype, action)) => Integration::Service { rtype, action },
            None => Integration::Service {
                rtype: tail.to_string(),
                action: String::new(),
            },
        }
    }

    /// Scheduled, Started, Succeeded, Failed, TimedOut.
    fn events(
        &self,
    ) -> (
        &'static str,
        &'static str,
        &'static str,
        &'static str,
        &'static str,
    ) {
        match self {
            Integration::Lambda => (
                "LambdaFunctionScheduled",
                "LambdaFunctionStarted",
                "LambdaFunctionSucceeded",
                "LambdaFunctionFailed",
                "LambdaFunctionTimedOut",
            ),
            Integration::Activity => (
                "ActivityScheduled",
                "ActivityStarted",
                "ActivitySucceeded",
                "ActivityFailed",
                "ActivityTimedOut",
            ),
            Integration::Service { .. } => (
                "TaskScheduled",
                "TaskStarted",
                "TaskSucceeded",
                "TaskFailed",
                "TaskTimedOut",
            ),
        }
    }

    /// The fields every event of a service task repeats.
    fn ids(&self) -> Option<Value> {
        match self {
            Integration::Service { rtype, action } => {
                Some(json!({"resourceType": rtype, "resource": action}))
            }
            _ => None,
        }
    }

    /// What an unmocked task returns: a typed stub for the integrations Stepscope knows, or
    /// its input.
    fn default_result(&self, params: &Value, rng: &mut Rng) -> Value {
        match self {
            Integration::Service { rtype, action } => {
                match (rtype.as_str(), action.split('.').next().unwrap_or("")) {
                    ("lambda", "invoke") => json!({
                        "ExecutedVersion": "$LATEST",
                        "Payload": params.get("Payload").cloned().unwrap_or_else(|| params.clone()),
                        "StatusCode": 200,
                    }),
                    ("sns", "publish") => json!({"MessageId": rng.uuid()}),
                    ("sqs", "sendMessage") => json!({"MessageId": rng.uuid()}),
                    ("events", "putEvents") => {
                        json!({"Entries": [{"EventId": rng.uuid()}], "FailedEntryCount": 0})
                    }
                    ("dynamodb", "getItem") => json!({"Item": {}}),
                    ("dynamodb", "putItem" | "updateItem" | "deleteItem") => json!({}),
                    _ => params.clone(),
                }
            }
            _ => params.clone(),
        }
    }
}

/// Items in batches for ItemBatcher: at most `MaxItemsPerBatch` items and `MaxInputBytesPerBatch`
/// bytes each, with `BatchInput` beside them.
fn batches(items: Vec<Value>, b: &Value) -> Vec<Value> {
    let max_items = b
        .get("MaxItemsPerBatch")
        .and_then(Value::as_u64)
        .unwrap_or(u64::MAX)
        .max(1) as usize;
    let max_bytes = b
        .get("MaxInputBytesPerBatch")
        .and_then(Value::as_u64)
        .unwrap_or(256 * 1024) as usize;
    let input = b.get("BatchInput").cloned();
    let mut out = Vec::new();
    let mut batch: Vec<Value> = Vec::new();
    let mut bytes = 0;
    for item in items {
        let n = item.to_string().len();
        if !batch.is_empty() && (batch.len() >= max_items || bytes + n > max_bytes) {
            out.push(std::mem::take(&mut batch));
            bytes = 0;
        }
        bytes += n;
        batch.push(item);
    }
    if !batch.is_empty() {
        out.push(batch);
    }
    out.into_iter()
        .map(|items| {
            let mut m = Map::new();
            if let Some(i) = &input {
                m.insert("BatchInput".into(), i.clone());
            }
            m.insert("Items".into(), Value::Array(items));
            Value::Object(m)
        })
        .collect()
}

/// InputPath or OutputPath (`field`) applied to `input`: `null` gives `{}`, a path reads, and
/// no field leaves the input as it is.
fn io_path(
    st: &Value,
    field: &str,
    input: &Value,
    vars: &Map<String, Value>,
    ctx: &Value,
) -> Result<Value, Failure> {
    match st.get(field) {
        Some(Value::Null) => Ok(json!({})),
        Some(Value::String(p)) => paths::read(
            p,
            &Sources {
                input,
                context: ctx,
                variables: vars,
            },
        ),
        _ => Ok(input.clone()),
    }
}

/// A Map's concurrency and tolerated failures, from their fields or their `*Path` forms.
struct MapLimits {
    concurrency: Option<u64>,
    tolerated_count: Option<u64>,
    tolerated_percentage: Option<f64>,
}

fn map_limits(
    st: &Value,
    input: &Value,
    vars: &Map<String, Value>,
    ctx: &Value,
) -> Result<MapLimits, Failure> {
    let src = Sources {
        input,
        context: ctx,
        variables: vars,
    };
    let shown = |v: &Value| v.as_str().map_or_else(|| v.to_string(), String::from);
    let read = |k: &str, float: bool| -> Result<Option<f64>, Failure> {
        if let Some(v) = st.get(k) {
            return Ok(v.as_f64());
        }
        let pk = format!("{k}Path");
        let Some(Value::String(p)) = st.get(&pk) else {
            return Ok(None);
        };
        let v = paths::read(p, &src)?;
        let n = v.as_f64().filter(|n| float || n.fract() == 0.0);
        n.map(Some).ok_or_else(|| {
            Failure::runtime(format!(
                "The {pk} field refers to value \"{}\" which is not a valid {}: {p}",
                shown(&v),
                if float { "float" } else { "integer" }
            ))
        })
    };
    let concurrency = read("MaxConcurrency", false)?;
    let count = read("ToleratedFailureCount", false)?;
    if count.is_some_and(|c| c < 0.0) {
        return Err(Failure::runtime(
            "ToleratedFailureCount cannot be negative.",
        ));
    }
    let pct = read("ToleratedFailurePercentage", true)?;
    if pct.is_some_and(|p| !(0.0..=100.0).contains(&p)) {
        return Err(Failure::runtime(
            "ToleratedFailurePercentage must be between 0 and 100.",
        ));
    }
    Ok(MapLimits {
        concurrency: concurrency.map(|c| c.max(0.0) as u64),
        tolerated_count: count.map(|c| c as u64),
        tolerated_percentage: pct,
    })
}

/// The JSON type of a value, as the service's messages name it.
fn json_type(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

/// A path's not-found failure, naming the field it was read for, as the service words it.
fn for_field(f: Failure, field: &str) -> Failure {
    match f.cause.split_once("' could not be found in the input") {
        Some((head, tail)) if f.cause.starts_with("The JSONPath '") => Failure::new(
            f.error,
            format!(
                "{head}' specified for the field '{field}' could not be found in the input{tail}"
            ),
        ),
        _ => f,
    }
}

/// An RFC 3339 timestamp as the service takes it (`2016-03-14T01:59:00Z`, with an optional
/// fraction and an offset): epoch milliseconds, or None for anything else (a space for the `T`,
/// month 13, hour 25).
fn strict_iso(s: &str) -> Option<i64> {
    let b = s.as_bytes();
    let digits =
        |r: std::ops::Range<usize>| b.get(r).is_some_and(|d| d.iter().all(u8::is_ascii_digit));
    let num = |r: std::ops::Range<usize>| s.get(r).and_then(|t| t.parse::<u32>().ok());
    let shape = b.len() >= 20
        && digits(0..4)
        && b.get(4) == Some(&b'-')
        && digits(5..7)
        && b.get(7) == Some(&b'-')
        && digits(8..10)
        && b.get(10) == Some(&b'T')
        && digits(11..13)
        && b.get(13) == Some(&b':')
        && digits(14..16)
        && b.get(16) == Some(&b':')
        && digits(17..19);
    let in_range = matches!(num(5..7), Some(1..=12))
        && matches!(num(8..10), Some(1..=31))
        && matches!(num(11..13), Some(0..=23))
        && matches!(num(14..16), Some(0..=59))
        && matches!(num(17..19), Some(0..=59));
    let zone = s.get(19..).is_some_and(|rest| {
        let rest = match rest.strip_prefix('.') {
            Some(f) => f.trim_start_matches(|c: char| c.is_ascii_digit()),
            None => rest,
        };
        rest == "Z"
            || (rest.len() == 6
                && matches!(rest.as_bytes().first(), Some(b'+' | b'-'))
                && rest.as_bytes().get(3) == Some(&b':'))
    });
    if shape && in_range && zone {
        parse_iso(s)
    } else {
        None
    }
}

/// A payload template with `.$` keys resolved against `src`.
fn template_in(t: &Value, src: &Sources, rng: &mut Rng, depth: usize) -> Result<Value, Failure> {
    if depth > 64 {
        return Err(Failure::runtime("a payload template nested too deeply"));
    }
    Ok(match t {
        Value::Object(m) => {
            let mut out = Map::new();
            for (k, v) in m {
                match (k.strip_suffix(".$"), v) {
                    (Some(key), Value::String(p)) => {
                        let val = if intrinsics::is_call(p) {
                            intrinsics::eval(p, src, rng)?
                        } else {
                            paths::read(p, src).map_err(|f| for_field(f, k))?
                        };
                        out.insert(key.to_string(), val);
                    }
                    _ => {
                        out.insert(k.clone(), template_in(v, src, rng, depth + 1)?);
                    }
                }
            }
            Value::Object(out)
        }
        Value::Array(a) => Value::Array(
            a.iter()
                .map(|x| template_in(x, src, rng, depth + 1))
                .collect::<Result<Vec<_>, _>>()?,
        ),
        other => other.clone(),
    })
}

/// Whether a JSONPath Choice rule matches.
fn rule_matches(rule: &Value, src: &Sources, depth: usize) -> Result<bool, Failure> {
    if depth > 32 {
        return Err(Failure::runtime("Choice rules nested too deeply"));
    }
    if let Some(Value::Array(rs)) = rule.get("And") {
        for r in rs {
            if !rule_matches(r, src, depth + 1)? {
                return Ok(false);
            }
        }
        return Ok(true);
    }
    if let Some(Value::Array(rs)) = rule.get("Or") {
        for r in rs {
            if rule_matches(r, src, depth + 1)? {
                return Ok(true);
            }
        }
        return Ok(false);
    }
    if let Some(r) = rule.get("Not") {
        return Ok(!rule_matches(r, src, depth + 1)?);
    }
    let var = rule.get("Variable").and_then(Value::as_str).unwrap_or("$");
    let Some((op, want)) = rule.as_object().and_then(|m| {
        m.iter().find(|(k, _)| {
            !matches!(
                k.as_str(),
                "Variable" | "Next" | "Comment" | "Assign" | "Output"
            )
        })
    }) else {
        return Ok(false);
    };
    let got = paths::read(var, src);
    if op == "IsPresent" {
        return Ok(got.is_ok() == (want == &Value::Bool(true)));
    }
    let got = got?;
    let want = if op.ends_with("Path") && !op.starts_with("Is") {
        paths::read(want.as_str().unwrap_or("$"), src)?
    } else {
        want.clone()
    };
    let op = op
        .strip_suffix("Path")
        .filter(|_| !op.starts_with("Is"))
        .unwrap_or(op);
    let is = |b: bool| Ok(b == (want == Value::Bool(true)));
    let ts = |v: &Value| v.as_str().and_then(strict_iso);
    Ok(match op {
        "IsNull" => return is(got.is_null()),
        "IsNumeric" => return is(got.is_number()),
        "IsString" => return is(got.is_string()),
        "IsBoolean" => return is(got.is_boolean()),
        "IsTimestamp" => return is(ts(&got).is_some()),
        "StringEquals" => got.is_string() && got == want,
        "StringLessThan" => cmp_str(&got, &want).is_some_and(|o| o.is_lt()),
        "StringGreaterThan" => cmp_str(&got, &want).is_some_and(|o| o.is_gt()),
        "StringLessThanEquals" => cmp_str(&got, &want).is_some_and(|o| o.is_le()),
        "StringGreaterThanEquals" => cmp_str(&got, &want).is_some_and(|o| o.is_ge()),
        "StringMatches" => match (got.as_str(), want.as_str()) {
            (Some(g), Some(w)) => glob(g, w),
            _ => false,
        },
        "NumericEquals" => cmp_num(&got, &want).is_some_and(|o| o.is_eq()),
        "NumericLessThan" => cmp_num(&got, &want).is_some_and(|o| o.is_lt()),
        "NumericGreaterThan" => cmp_num(&got, &want).is_some_and(|o| o.is_gt()),
        "NumericLessThanEquals" => cmp_num(&got, &want).is_some_and(|o| o.is_le()),
        "NumericGreaterThanEquals" => cmp_num(&got, &want).is_some_and(|o| o.is_ge()),
        "BooleanEquals" => got.is_boolean() && got == want,
        "TimestampEquals" => matches!((ts(&got), ts(&want)), (Some(a), Some(b)) if a == b),
        "TimestampLessThan" => matches!((ts(&got), ts(&want)), (Some(a), Some(b)) if a < b),
        "TimestampGreaterThan" => matches!((ts(&got), ts(&want)), (Some(a), Some(b)) if a > b),
        "TimestampLessThanEquals" => matches!((ts(&got), ts(&want)), (Some(a), Some(b)) if a <= b),
        "TimestampGreaterThanEquals" => {
            matches!((ts(&got), ts(&want)), (Some(a), Some(b)) if a >= b)
        }
        _ => false,
    })
}

fn cmp_str(a: &Value, b: &Value) -> Option<std::cmp::Ordering> {
    Some(a.as_str()?.cmp(b.as_str()?))
}

fn cmp_num(a: &Value, b: &Value) -> Option<std::cmp::Ordering> {
    a.as_f64()?.partial_cmp(&b.as_f64()?)
}

/// `StringMatches`: `*` matches any run of characters; `\*` and `\\` are literal.
fn glob(text: &str, pattern: &str) -> bool {
    let mut parts: Vec<String> = vec![String::new()];
    let mut chars = pattern.chars();
    while let Some(c) = chars.next() {
        match c {
            '\\' => {
                if let (Some(n), Some(last)) = (chars.next(), parts.last_mut()) {
                    last.push(n);
                }
            }
            '*' => parts.push(String::new()),
            c => {
                if let Some(last) = parts.last_mut() {
                    last.push(c);
                }
            }
        }
    }
    let n = parts.len();
    let mut rest = text;
    for (i, p) in parts.iter().enumerate() {
        if i == 0 {
            match rest.strip_prefix(p.as_str()) {
                Some(r) => rest = r,
                None => return false,
            }
            if n == 1 {
                return rest.is_empty();
            }
        } else if i + 1 == n {
            return rest.len() >= p.len() && rest.ends_with(p.as_str());
        } else {
            match rest.find(p.as_str()) {
                Some(k) => rest = rest.get(k + p.len()..).unwrap_or(""),
                None => return false,
            }
        }
    }
    true
}
