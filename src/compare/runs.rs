//! Many runs read at once (issue 18): the files a user drops (histories, a Distributed Map's
//! ResultWriter `manifest.json` and its result files, `ListExecutions` or `describe-execution`
//! output) become one list of runs, each with its status, length, error and cause, and the
//! histories among them feed [`super::StatsBuilder`] one at a time. The page's worker holds a
//! [`RunSet`], adds each file as it is read, and sends the [`RunsView`] back at the end.

use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};

use super::{percentile, ErrorGroup, Stats, StatsBuilder};

/// Input and output kept per run for the drill-down, at most this many bytes each.
pub const KEEP_TEXT: usize = 600;
/// How many of the slowest runs the view lists.
pub const SLOWEST: usize = 10;

/// Where a run's row came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Source {
    /// An execution history: the run's states are in the per-state numbers.
    History,
    /// A ResultWriter result file (`SUCCEEDED_0.json`, …).
    ResultFile,
    /// `ListExecutions` output (one page of it).
    ListExecutions,
    /// `describe-execution` output.
    Describe,
}

/// One run (a Distributed Map's item, when the runs are a map run's children).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RunRow {
    pub name: String,
    /// The file it was read from.
    pub file: String,
    pub source: Source,
    pub status: String,
    /// Epoch ms.
    pub start_ms: Option<i64>,
    pub duration_ms: Option<i64>,
    pub error: Option<String>,
    pub cause: Option<String>,
    pub input: Option<String>,
    pub output: Option<String>,
    /// The execution's ARN, when the list gives it (histories don't).
    #[serde(skip)]
    pub arn: Option<String>,
    /// The history file of this run, when one was dropped too (a history row names itself).
    pub history_file: Option<String>,
}

/// The map run a manifest describes, and the result files it names that were not dropped.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
pub struct MapRun {
    pub arn: Option<String>,
    pub result_files: usize,
    pub missing: Vec<String>,
}

/// What the many-runs view shows.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RunsView {
    /// Every run, in the order read.
    pub rows: Vec<RunRow>,
    /// Runs by status, over every row.
    pub status: BTreeMap<String, usize>,
    /// Over the rows that have a length.
    pub duration_ms: super::Spread,
    /// Run-level failures grouped by error and cause, most first.
    pub errors: Vec<ErrorGroup>,
    /// Indexes into `rows`, slowest first.
    pub slowest: Vec<usize>,
    /// The row whose history has the median length (nearest rank), to compare others with.
    pub median: Option<usize>,
    /// Per state, over the histories.
    pub stats: Stats,
    /// A definition found among the files.
    pub definition: Option<String>,
    pub map_run: Option<MapRun>,
    /// Files that could not be read, with why.
    pub problems: Vec<String>,
}

/// Runs being read.
#[derive(Default)]
pub struct RunSet {
    rows: Vec<RunRow>,
    builder: StatsBuilder,
    definition: Option<String>,
    manifest: Option<(Option<String>, Vec<String>)>,
    files: BTreeSet<String>,
    problems: Vec<String>,
}

fn base(path: &str) -> &str {
    path.rsplit(['/', '\\']).next().unwrap_or(path)
}

fn stem(path: &str) -> &str {
    let b = base(path);
    b.split('.').next().unwrap_or(b)
}

fn kept(v: Option<&Value>) -> Option<String> {
    let text = match v? {
        Value::Null => return None,
        Value::String(s) => s.clone(),
        other => other.to_string(),
    };
    if text.len() <= KEEP_TEXT {
        return Some(text);
    }
    let mut end = KEEP_TEXT;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    Some(format!("{}…", &text[..end]))
}

/// Epoch ms from an API date: ISO text (`2024-05-01T10:00:00.123Z`, `… +0000 UTC`) or epoch
/// seconds.
fn date(v: Option<&Value>) -> Option<i64> {
    match v? {
        Value::Number(n) => {
            let f = n.as_f64()?;
            Some(if f > 1e11 {
                f as i64
            } else {
                (f * 1000.0) as i64
            })
        }
        Value::String(s) => {
            let t = s
                .trim()
                .trim_end_matches(" UTC")
                .replace(" +", "+")
                .replace(" -", "-");
            crate::history::parse_iso(&t)
        }
        _ => None,
    }
}

/// A field in either of the API's spellings (`status` in the CLI's output, `Status` in result
/// files).
fn field<'a>(o: &'a serde_json::Map<String, Value>, camel: &str) -> Option<&'a Value> {
    o.get(camel).or_else(|| {
        let mut c = camel.chars();
        let pascal: String = c
            .next()
            .map(|f| f.to_ascii_uppercase())
            .into_iter()
            .chain(c)
            .collect();
        o.get(&pascal)
    })
}

fn string(o: &serde_json::Map<String, Value>, key: &str) -> Option<String> {
    field(o, key).and_then(Value::as_str).map(str::to_string)
}

impl RunSet {
    /// Reads one file; returns what it was ("history", "result-file", "list-executions",
    /// "describe-execution", "manifest", "definition", or "unreadable").
    pub fn add(&mut self, file: &str, text: &str) -> &'static str {
        self.files.insert(base(file).to_string());
        let head = text.trim_start();
        if text.contains("\"ResultFiles\"") {
            if let Ok(Value::Object(o)) = serde_json::from_str::<Value>(text) {
                if let Some(Value::Object(groups)) = o.get("ResultFiles") {
                    let keys = groups
                        .values()
                        .filter_map(Value::as_array)
                        .flatten()
                        .filter_map(|f| f.get("Key").and_then(Value::as_str))
                        .map(str::to_string)
                        .collect();
                    let arn = o
                        .get("MapRunArn")
                        .and_then(Value::as_str)
                        .map(str::to_string);
                    self.manifest = Some((arn, keys));
                    return "manifest";
                }
            }
        }
        // Only what looks like a list of runs is parsed as one: a history is parsed once.
        if (head.starts_with('[') || head.starts_with('{')) && is_run_list(text) {
            if let Some(kind) = self.executions(file, text) {
                return kind;
            }
        }
        if text.contains("\"StartAt\"") && self.definition.is_none() {
            self.definition = Some(text.to_string());
            return "definition";
        }
        let (h, diagnostics) = crate::history::parse_history(text);
        let Some(h) = h else {
            let why = diagnostics
                .first()
                .map(|d| d.message.clone())
                .unwrap_or_else(|| "not a history".into());
            self.problems.push(format!("{}: {why}", base(file)));
            return "unreadable";
        };
        let t = crate::replay::build_timeline(&h, None);
        self.builder.add(&t);
        self.rows.push(RunRow {
            name: stem(file).to_string(),
            file: file.to_string(),
            source: Source::History,
            status: t.status.as_str().to_string(),
            start_ms: t.start_epoch_ms,
            duration_ms: t.timed.then_some(t.duration_ms),
            error: t.error.clone(),
            cause: t.cause.clone(),
            input: None,
            output: None,
            arn: None,
            history_file: Some(file.to_string()),
        });
        "history"
    }

    /// Result files (a JSON array, or JSON Lines), `ListExecutions` and `describe-execution`.
    fn executions(&mut self, file: &str, text: &str) -> Option<&'static str> {
        let (items, source): (Vec<Value>, Source) = match serde_json::from_str::<Value>(text) {
            Ok(Value::Array(a)) => (a, Source::ResultFile),
            Ok(Value::Object(mut o)) => match o.remove("executions") {
                Some(Value::Array(a)) => (a, Source::ListExecutions),
                _ if field(&o, "executionArn").is_some() && field(&o, "status").is_some() => {
                    (vec![Value::Object(o)], Source::Describe)
                }
                _ => return None,
            },
            Ok(_) => return None,
            // JSON Lines (a result file written with `OutputType: JSONL`).
            Err(_) => {
                let lines: Result<Vec<Value>, _> = text
                    .lines()
                    .filter(|l| !l.trim().is_empty())
                    .map(serde_json::from_str)
                    .collect();
                (lines.ok()?, Source::ResultFile)
            }
        };
        let is_run = |v: &Value| {
            v.as_object()
                .is_some_and(|o| field(o, "executionArn").is_some() && field(o, "status").is_some())
        };
        if items.is_empty() || !items.iter().all(is_run) {
            // An empty result file (`[]`, as `PENDING_0.json` often is) is still one.
            return (items.is_empty() && source == Source::ResultFile).then_some("result-file");
        }
        for v in &items {
            let Some(o) = v.as_object() else { continue };
            let arn = string(o, "executionArn").unwrap_or_default();
            let name = string(o, "name")
                .unwrap_or_else(|| arn.rsplit(':').next().unwrap_or(&arn).to_string());
            let start = date(field(o, "startDate"));
            let stop = date(field(o, "stopDate"));
            self.rows.push(RunRow {
                name,
                file: file.to_string(),
                source,
                status: string(o, "status").unwrap_or_default(),
                start_ms: start,
                duration_ms: start.zip(stop).map(|(a, b)| (b - a).max(0)),
                error: string(o, "error"),
                cause: string(o, "cause"),
                input: kept(field(o, "input")),
                output: kept(field(o, "output")),
                arn: Some(arn),
                history_file: None,
            });
        }
        Some(match source {
            Source::ResultFile => "result-file",
            Source::ListExecutions => "list-executions",
            _ => "describe-execution",
        })
    }

    /// The view: histories matched to the map run's items by name, counts, groups, the slowest.
    pub fn finish(self) -> RunsView {
        // The same execution in two lists (overlapping ListExecutions pages, a page and a result
        // file) is one run: the first row stays, taking what the later ones add.
        let mut rows: Vec<RunRow> = Vec::with_capacity(self.rows.len());
        let mut by_arn: BTreeMap<String, usize> = BTreeMap::new();
        for r in self.rows {
            let arn = r.arn.clone().filter(|a| !a.is_empty());
            match arn.as_ref().and_then(|a| by_arn.get(a)) {
                Some(&i) => {
                    let it = &mut rows[i];
                    it.error = it.error.take().or(r.error);
                    it.cause = it.cause.take().or(r.cause);
                    it.input = it.input.take().or(r.input);
                    it.output = it.output.take().or(r.output);
                    it.duration_ms = it.duration_ms.or(r.duration_ms);
                }
                None => {
                    if let Some(a) = arn {
                        by_arn.insert(a, rows.len());
                    }
                    rows.push(r);
                }
            }
        }
        // A child's history dropped beside the result files or ListExecutions output joins its
        // item when its file is named after the execution (`<name>.history.json`, as
        // `get-execution-history` users save them), rather than counting the run twice. The
        // first such history joins; any other stays a row of its own.
        let items: BTreeMap<String, usize> = rows
            .iter()
            .enumerate()
            .filter(|(_, r)| r.source != Source::History)
            .map(|(i, r)| (r.name.clone(), i))
            .collect();
        if !items.is_empty() {
            let mut joined = BTreeSet::new();
            let mut taken = BTreeSet::new();
            for h in 0..rows.len() {
                if rows[h].source != Source::History {
                    continue;
                }
                let s = stem(&rows[h].file).to_string();
                let Some(&i) = items.get(&s) else { continue };
                if !taken.insert(i) {
                    continue;
                }
                let (file, d) = (rows[h].file.clone(), rows[h].duration_ms);
                let (e, c) = (rows[h].error.clone(), rows[h].cause.clone());
                let it = &mut rows[i];
                it.history_file = Some(file);
                it.duration_ms = it.duration_ms.or(d);
                it.error = it.error.take().or(e);
                it.cause = it.cause.take().or(c);
                joined.insert(h);
            }
            let mut k = 0;
            rows.retain(|_| {
                k += 1;
                !joined.contains(&(k - 1))
            });
        }
        let mut status: BTreeMap<String, usize> = BTreeMap::new();
        let mut errors: BTreeMap<(String, Option<String>), usize> = BTreeMap::new();
        for r in &rows {
            *status.entry(r.status.clone()).or_default() += 1;
            if let Some(e) = &r.error {
                *errors.entry((e.clone(), r.cause.clone())).or_default() += 1;
            }
        }
        let errors = super::error_groups(errors);
        let mut slowest: Vec<usize> = (0..rows.len())
            .filter(|&i| rows[i].duration_ms.is_some())
            .collect();
        slowest.sort_by_key(|&i| std::cmp::Reverse(rows[i].duration_ms));
        let duration_ms = super::spread(
            slowest
                .iter()
                .filter_map(|&i| rows[i].duration_ms)
                .collect(),
        );
        // The median among the runs that can be opened.
        let mut openable: Vec<usize> = (0..rows.len())
            .filter(|&i| rows[i].history_file.is_some() && rows[i].duration_ms.is_some())
            .collect();
        openable.sort_by_key(|&i| rows[i].duration_ms);
        let ds: Vec<i64> = openable
            .iter()
            .filter_map(|&i| rows[i].duration_ms)
            .collect();
        // Histories without timestamps have no length: then the first that opens stands in.
        let median = percentile(&ds, 50.0)
            .and_then(|p| {
                openable
                    .iter()
                    .copied()
                    .find(|&i| rows[i].duration_ms == Some(p))
            })
            .or_else(|| (0..rows.len()).find(|&i| rows[i].history_file.is_some()));
        slowest.truncate(SLOWEST);
        let map_run = self.manifest.map(|(arn, keys)| MapRun {
            arn,
            result_files: keys.len(),
            missing: keys
                .iter()
                .filter(|k| !self.files.contains(base(k)))
                .cloned()
                .collect(),
        });
        RunsView {
            rows,
            status,
            duration_ms,
            errors,
            slowest,
            median,
            stats: self.builder.finish(),
            definition: self.definition,
            map_run,
            problems: self.problems,
        }
    }
}

/// True when the text is one of the files that list runs rather than hold one: a ResultWriter
/// manifest or result file, or `ListExecutions` output. A cheap look, for sorting a drop.
pub fn is_run_list(text: &str) -> bool {
    let head = text.trim_start();
    text.contains("\"ResultFiles\"")
        || (head.starts_with('[') && text.contains("\"ExecutionArn\""))
        || (head.starts_with('{')
            && text.contains("\"ExecutionArn\"")
            && text.contains("\"StateMachineArn\"")
            && !text.contains("\"events\""))
        || (text.contains("\"executions\"") && text.contains("\"executionArn\""))
        || (head.starts_with('{')
            && text.contains("\"executionArn\"")
            && text.contains("\"status\"")
            && !text.contains("\"events\""))
        // JSON Lines of result entries.
        || (head.starts_with('{') && head.contains("\"ExecutionArn\"") && head.lines().nth(1).is_some())
}
