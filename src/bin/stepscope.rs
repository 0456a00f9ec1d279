//! The native command-line tool: runs the same core as the app, for docs pipelines and CI.
//!
//! Never compiled into the browser bundle; on `wasm32` its `main` is empty.

#[cfg(not(target_arch = "wasm32"))]
fn main() {
    std::process::exit(cli::run(std::env::args().skip(1).collect()));
}

#[cfg(target_arch = "wasm32")]
fn main() {}

#[cfg(not(target_arch = "wasm32"))]
mod cli {
    // Output goes through these, not std's macros, which panic when the reader has gone away
    // (`stepscope timeline … | head`): a closed pipe ends the command quietly with status 0.
    macro_rules! println {
        ($($t:tt)*) => { out(&format!("{}\n", format_args!($($t)*))) };
    }
    macro_rules! print {
        ($($t:tt)*) => { out(&format!($($t)*)) };
    }
    macro_rules! eprintln {
        ($($t:tt)*) => { err(&format!("{}\n", format_args!($($t)*))) };
    }

    /// Writes to standard output; a closed pipe exits 0 at once, another failure exits 2.
    fn out(text: &str) {
        use std::io::Write;
        let mut stdout = std::io::stdout().lock();
        if let Err(e) = stdout
            .write_all(text.as_bytes())
            .and_then(|()| stdout.flush())
        {
            std::process::exit(if e.kind() == std::io::ErrorKind::BrokenPipe {
                0
            } else {
                2
            });
        }
    }

    /// Writes to standard error; nothing is left to tell if that fails.
    fn err(text: &str) {
        use std::io::Write;
        let _ = std::io::stderr().lock().write_all(text.as_bytes());
    }
    const USAGE: &str = "\
stepscope - see AWS Step Functions workflows and replay their runs

Usage:
  stepscope check [--format text|json] [--machine NAME] FILE...
      Check definitions (ASL JSON/YAML, describe-state-machine output, CloudFormation,
      SAM, Serverless or Terraform). Prints FILE:LINE:COL: SEVERITY[CODE]: MESSAGE.
      Exit status: 0 all valid, 1 any error, 2 a file could not be read.
  stepscope render FILE [--machine NAME] [--direction TB|LR] [--format svg|json]
                   [--history H] [--at MS] [-o OUT]
      Draw a definition: the same SVG the app exports (with a history, the run's status at
      --at milliseconds, the end by default), or its geometry as JSON. The SVG carries its
      source, so dropping it on the app reopens the view.
      Exit status: 0, or 1 when the file holds no usable definition.
  stepscope timeline HISTORY [--definition FILE] [--format json|text]
      Rebuild a run from get-execution-history output (CLI v1 or v2, SDK dumps, pages),
      CloudWatch Logs records or describe-execution output. Exit status: 0, or 1 when
      the file holds no usable history.
  stepscope generate FILE [--items N] [--seed S] [--failure-rate R] [--max-events N]
      Print a synthetic, realistic history of one run of a definition (for tests and demos).
  stepscope link FILE [--history H] [--base URL] [--at MS] [--select NAME] [--no-redact]
      Print a share URL that opens the app on this definition (and run): everything is in
      the URL's fragment, which browsers never send to a server. With a history, inputs
      and outputs are dropped and account ids masked unless --no-redact is given. The
      default base is http://127.0.0.1:8080/ (what `make serve` serves).
  stepscope compare A B [--definition D] [--format json|text]
      Compare two runs of one machine: each state's visits and time in A and in B, the delta,
      and the first state after which they went different ways.
  stepscope stats HISTORY... [--definition D] [--format json|text|ndjson]
      Read many runs at once: runs by status, duration percentiles (nearest rank), and per
      state its visits, p50/p95/max and failures grouped by error and cause, and how many
      runs took each edge. ndjson writes one visit per line (for DuckDB or Athena).
  stepscope simulate DEFINITION [--machine NAME] [--input JSON|@FILE] [--case CASE]
                   [--mock-config FILE --test-case NAME [--state-machine NAME]] [--seed N] [-o OUT]
      Run a definition without AWS, on a virtual clock, and print the run's history
      (get-execution-history JSON). Tasks answer from the mocks (an AWS MockConfigFile, or a
      case file from `stepscope record`); a task no mock answers returns a default result, and
      the run says which. Exit status: 0 whatever the run's status, 1 when there is no usable
      definition, 2 when a file can't be read.
  stepscope record HISTORY [--definition FILE] [-o CASE]
      Write a case file from a real run: its input, its context, and a MockConfigFile with
      every task's results in order, so `simulate --case` replays it.
  stepscope test DEFINITION --mock-config FILE [--expect FILE]
      Run every test case of a MockConfigFile and check the expectations (status, output,
      states visited). One line per case; exit status 1 on any failure.
  stepscope --help       print this help
  stepscope --version    print the version
";

    use stepscope::diag::Diagnostic;
    use stepscope::pipeline::analyze_machine;
    use stepscope::source::{LineIndex, SourceText};

    /// Options and file arguments, parsed by hand (the CLI is small).
    struct Opts {
        format: String,
        machine: Option<String>,
        files: Vec<String>,
        direction: String,
        output: Option<String>,
        definition: Option<String>,
        history: Option<String>,
        base: Option<String>,
        at: Option<i64>,
        select: Option<String>,
        no_redact: bool,
    }

    fn parse_opts(args: &[String]) -> Result<Opts, String> {
        let mut o = Opts {
            format: String::new(),
            machine: None,
            files: Vec::new(),
            direction: "TB".into(),
            output: None,
            definition: None,
            history: None,
            base: None,
            at: None,
            select: None,
            no_redact: false,
        };
        let mut it = args.iter();
        while let Some(a) = it.next() {
            match a.as_str() {
                "--format" => o.format = it.next().ok_or("--format needs a value")?.clone(),
                "--machine" => {
                    o.machine = Some(it.next().ok_or("--machine needs a value")?.clone())
                }
                "--direction" => {
                    o.direction = it.next().ok_or("--direction needs a value")?.to_uppercase()
                }
                "--definition" => {
                    o.definition = Some(it.next().ok_or("--definition needs a file")?.clone())
                }
                "-o" | "--output" => o.output = Some(it.next().ok_or("-o needs a file")?.clone()),
                "--history" => o.history = Some(it.next().ok_or("--history needs a file")?.clone()),
                "--base" => o.base = Some(it.next().ok_or("--base needs a URL")?.clone()),
                "--select" => {
                    o.select = Some(it.next().ok_or("--select needs a state name")?.clone())
                }
                "--no-redact" => o.no_redact = true,
                "--at" => {
                    let v = it.next().ok_or("--at needs milliseconds")?;
                    o.at = Some(
                        v.parse()
                            .map_err(|_| format!("--at must be milliseconds, not '{v}'"))?,
                    );
                }
                s if s.starts_with("--format=") => o.format = s["--format=".len()..].to_string(),
                s if s.starts_with("--machine=") => {
                    o.machine = Some(s["--machine=".len()..].to_string())
                }
                s if s.starts_with("--") => return Err(format!("unknown option '{s}'")),
                _ => o.files.push(a.clone()),
            }
        }
        if !matches!(o.direction.as_str(), "TB" | "LR") {
            return Err(format!(
                "--direction must be TB or LR, not '{}'",
                o.direction
            ));
        }
        Ok(o)
    }

    /// One diagnostic as the text contract says: `FILE:LINE:COL: SEVERITY[CODE]: MESSAGE`.
    fn diag_line(file: &str, d: &Diagnostic, text: &str, index: &LineIndex) -> String {
        let (line, col) = d.line_col(text, index);
        format!(
            "{file}:{line}:{col}: {}[{}]: {}",
            d.severity.as_str(),
            d.code,
            d.message
        )
    }

    fn diag_json(d: &Diagnostic, text: &str, index: &LineIndex) -> serde_json::Value {
        let (line, column) = d.line_col(text, index);
        serde_json::json!({
            "code": d.code,
            "severity": d.severity.as_str(),
            "message": d.message,
            "path": d.path,
            "line": line,
            "column": column,
        })
    }

    fn check(args: &[String]) -> i32 {
        let opts = match opts_for("check", args, &["text", "json"], false) {
            Ok(o) => o,
            Err(code) => return code,
        };
        let mut status = 0;
        let mut reports = Vec::new();
        for file in &opts.files {
            let text = match std::fs::read(file) {
                Ok(bytes) => String::from_utf8_lossy(&bytes).into_owned(),
                Err(e) => {
                    eprintln!("{file}: cannot read: {e}");
                    status = 2;
                    continue;
                }
            };
            let analysis = analyze_machine(
                &SourceText::new(file.clone(), text.clone()),
                opts.machine.as_deref(),
            );
            let index = LineIndex::new(&text);
            let valid = !analysis.has_errors();
            if !valid && status == 0 {
                status = 1;
            }
            if opts.format == "json" {
                reports.push(serde_json::json!({
                    "file": file,
                    "form": analysis.form.as_str(),
                    "valid": valid,
                    "machines": analysis.machines,
                    "diagnostics": analysis.diagnostics.iter().map(|d| diag_json(d, &text, &index)).collect::<Vec<_>>(),
                }));
            } else {
                for d in &analysis.diagnostics {
                    println!("{}", diag_line(file, d, &text, &index));
                }
            }
        }
        if opts.format == "json" {
            println!(
                "{}",
                serde_json::to_string_pretty(&reports).unwrap_or_else(|_| "[]".into())
            );
        }
        status
    }

    /// Parses a subcommand's options; `formats` are the accepted `--format` values (the first is
    /// the default) and `one_file` says whether exactly one FILE is required.
    fn opts_for(cmd: &str, args: &[String], formats: &[&str], one_file: bool) -> Result<Opts, i32> {
        let parsed = parse_opts(args).and_then(|o| {
            let link_only = o.base.is_some() || o.select.is_some() || o.no_redact;
            let run = o.history.is_some() || o.at.is_some();
            if link_only && cmd != "link" {
                Err("--base, --select and --no-redact belong to `stepscope link`".into())
            } else if run && !matches!(cmd, "link" | "render") {
                Err("--history and --at belong to `stepscope render` and `stepscope link`".into())
            } else {
                Ok(o)
            }
        });
        match parsed {
            Ok(mut o)
                if (o.format.is_empty() || formats.contains(&o.format.as_str()))
                    && !o.files.is_empty()
                    && (!one_file || o.files.len() == 1) =>
            {
                if o.format.is_empty() {
                    o.format = formats.first().copied().unwrap_or("").to_string();
                }
                Ok(o)
            }
            Ok(o) if o.files.is_empty() || (one_file && o.files.len() != 1) => {
                eprintln!(
                    "stepscope {cmd}: give {} FILE\n\n{USAGE}",
                    if one_file { "one" } else { "at least one" }
                );
                Err(2)
            }
            Ok(o) => {
                eprintln!(
                    "stepscope {cmd}: --format must be {}, not '{}'",
                    formats.join(" or "),
                    o.format
                );
                Err(2)
            }
            Err(e) => {
                eprintln!("stepscope {cmd}: {e}");
                Err(2)
            }
        }
    }

    fn render(args: &[String]) -> i32 {
        use stepscope::layout::{Direction, EstimateMeasure, LayoutOptions};
        let opts = match opts_for("render", args, &["svg", "json"], true) {
            Ok(o) => o,
            Err(code) => return code,
        };
        let file = opts.files.first().cloned().unwrap_or_default();
        let text = match std::fs::read(&file) {
            Ok(b) => String::from_utf8_lossy(&b).into_owned(),
            Err(e) => {
                eprintln!("{file}: cannot read: {e}");
                return 2;
            }
        };
        let analysis = analyze_machine(
            &SourceText::new(file.clone(), text.clone()),
            opts.machine.as_deref(),
        );
        let index = LineIndex::new(&text);
        for d in analysis.diagnostics.iter().filter(|d| d.is_error()) {
            eprintln!("{}", diag_line(&file, d, &text, &index));
        }
        let direction = if opts.direction == "LR" {
            Direction::LeftToRight
        } else {
            Direction::TopToBottom
        };
        let Some(rendered) =
            stepscope::pipeline::render(&analysis, &LayoutOptions { direction }, &EstimateMeasure)
        else {
            eprintln!("{file}: no usable state machine definition");
            return 1;
        };
        // With a run: its overlay at --at (default: the end), as the app exports it.
        let history = match &opts.history {
            Some(h) => match std::fs::read(h) {
                Ok(b) => Some(String::from_utf8_lossy(&b).into_owned()),
                Err(e) => {
                    eprintln!("{h}: cannot read: {e}");
                    return 2;
                }
            },
            None => None,
        };
        let replay = history.as_ref().and_then(|h| {
            stepscope::pipeline::replay(
                &SourceText::new("history", h.clone()),
                analysis.machine.as_ref(),
            )
            .ok()
        });
        if history.is_some() && replay.is_none() {
            eprintln!(
                "{}: no usable history",
                opts.history.clone().unwrap_or_default()
            );
            return 1;
        }
        let t = replay.as_ref().map(|r| {
            opts.at
                .unwrap_or(r.timeline.duration_ms)
                .clamp(0, r.timeline.duration_ms)
        });
        let body = if opts.format == "json" {
            serde_json::to_string_pretty(&rendered.geometry_json()).unwrap_or_default()
        } else {
            let source = stepscope::share::encode_fragment(
                &stepscope::share::Shared {
                    definition: Some(text.clone()),
                    history: history.clone(),
                    t,
                    ..Default::default()
                },
                stepscope::share::Redaction {
                    payloads: true,
                    accounts: false,
                },
            );
            stepscope::pipeline::export_svg(
                &rendered,
                &analysis,
                replay.as_ref().zip(t).map(|(r, t)| (&r.timeline, t)),
                &source,
                None,
            )
        };
        match &opts.output {
            Some(path) => {
                if let Err(e) = std::fs::write(path, body) {
                    eprintln!("{path}: cannot write: {e}");
                    return 2;
                }
            }
            None => println!("{body}"),
        }
        0
    }

    /// `--definition`'s analysis, when given (exit status 2 when it can't be read).
    fn definition_analysis(opts: &Opts) -> Result<Option<stepscope::pipeline::Analysis>, i32> {
        let Some(d) = &opts.definition else {
            return Ok(None);
        };
        match std::fs::read(d) {
            Ok(b) => Ok(Some(analyze_machine(
                &SourceText::new(d.clone(), String::from_utf8_lossy(&b).into_owned()),
                opts.machine.as_deref(),
            ))),
            Err(e) => {
                eprintln!("{d}: cannot read: {e}");
                Err(2)
            }
        }
    }

    /// The runs of `opts.files` rebuilt, checked against `opts.definition` when given.
    fn timelines(
        cmd: &str,
        opts: &Opts,
    ) -> Result<Vec<(String, stepscope::replay::Timeline)>, i32> {
        let read = |f: &str| std::fs::read(f).map(|b| String::from_utf8_lossy(&b).into_owned());
        let analysis = definition_analysis(opts)?;
        let machine = analysis.as_ref().and_then(|a| a.machine.as_ref());
        let mut out = Vec::new();
        for file in &opts.files {
            let Ok(text) = read(file) else {
                eprintln!("stepscope {cmd}: {file}: cannot read");
                return Err(2);
            };
            match stepscope::pipeline::replay(&SourceText::new(file.clone(), text.clone()), machine)
            {
                Ok(r) => out.push((file.clone(), r.timeline)),
                Err(diags) => {
                    let index = LineIndex::new(&text);
                    for d in &diags {
                        eprintln!("{}", diag_line(file, d, &text, &index));
                    }
                    return Err(1);
                }
            }
        }
        Ok(out)
    }

    fn ms_text(ms: Option<i64>) -> String {
        ms.map_or("—".into(), |m| {
            stepscope::replay::format_duration_exact(m)
        })
    }

    fn compare(args: &[String]) -> i32 {
        let opts = match opts_for("compare", args, &["json", "text"], false) {
            Ok(o) => o,
            Err(code) => return code,
        };
        if opts.files.len() != 2 {
            eprintln!("stepscope compare: give two histories, A and B\n\n{USAGE}");
            return 2;
        }
        let runs = match timelines("compare", &opts) {
            Ok(r) => r,
            Err(code) => return code,
        };
        let c = stepscope::compare::compare(&runs[0].1, &runs[1].1);
        if opts.format == "text" {
            println!(
                "A {} · {}    B {} · {}",
                c.a.status,
                ms_text(Some(c.a.duration_ms)),
                c.b.status,
                ms_text(Some(c.b.duration_ms))
            );
            for s in &c.states {
                let delta = s.delta_ms.map_or(String::new(), |d| {
                    format!(
                        " ({}{})",
                        if d >= 0 { "+" } else { "−" },
                        ms_text(Some(d.abs()))
                    )
                });
                println!(
                    "{:<32} A {}×{:<10} B {}×{}{delta}",
                    s.state,
                    s.a_visits,
                    ms_text(s.a_ms),
                    s.b_visits,
                    ms_text(s.b_ms)
                );
            }
            match &c.first_divergence {
                Some(d) => println!(
                    "first divergence: at {}, A went to {} and B to {}",
                    d.state,
                    d.a_next.as_deref().unwrap_or("the end"),
                    d.b_next.as_deref().unwrap_or("the end")
                ),
                None => println!("the runs took the same path"),
            }
        } else {
            println!("{}", serde_json::to_string_pretty(&c).unwrap_or_default());
        }
        0
    }

    fn stats(args: &[String]) -> i32 {
        let opts = match opts_for("stats", args, &["json", "text", "ndjson"], false) {
            Ok(o) => o,
            Err(code) => return code,
        };
        let runs = match timelines("stats", &opts) {
            Ok(r) => r,
            Err(code) => return code,
        };
        if opts.format == "ndjson" {
            use std::io::Write;
            let mut out = std::io::BufWriter::new(std::io::stdout().lock());
            for (file, t) in &runs {
                for v in &t.visits {
                    if writeln!(out, "{}", stepscope::compare::visit_line(file, v)).is_err() {
                        return 0;
                    }
                }
            }
            return 0;
        }
        let st = stepscope::compare::stats(runs.iter().map(|(_, t)| t));
        if opts.format == "text" {
            let status: Vec<String> = st.status.iter().map(|(k, n)| format!("{k} {n}")).collect();
            println!(
                "{} runs · {} · duration p50 {} p95 {} max {}",
                st.runs,
                status.join(", "),
                ms_text(st.duration_ms.p50),
                ms_text(st.duration_ms.p95),
                ms_text(st.duration_ms.max)
            );
            for s in &st.states {
                println!(
                    "{:<32} {} runs · {} visits · p50 {} p95 {} max {}",
                    s.state,
                    s.runs,
                    s.visits,
                    ms_text(s.p50_ms),
                    ms_text(s.p95_ms),
                    ms_text(s.max_ms)
                );
                for e in &s.errors {
                    println!(
                        "    {}{} ×{}",
                        e.error,
                        e.cause
                            .as_deref()
                            .map(|c| format!(": {c}"))
                            .unwrap_or_default(),
                        e.count
                    );
                }
            }
        } else {
            println!("{}", serde_json::to_string_pretty(&st).unwrap_or_default());
        }
        0
    }

    fn timeline(args: &[String]) -> i32 {
        let opts = match opts_for("timeline", args, &["json", "text"], true) {
            Ok(o) => o,
            Err(code) => return code,
        };
        let read = |f: &str| std::fs::read(f).map(|b| String::from_utf8_lossy(&b).into_owned());
        let file = opts.files.first().cloned().unwrap_or_default();
        let Ok(text) = read(&file) else {
            eprintln!("{file}: cannot read");
            return 2;
        };
        let analysis = match definition_analysis(&opts) {
            Ok(a) => a,
            Err(code) => return code,
        };
        let machine = analysis.as_ref().and_then(|a| a.machine.as_ref());
        let replay =
            stepscope::pipeline::replay(&SourceText::new(file.clone(), text.clone()), machine);
        let replay = match replay {
            Ok(r) => r,
            Err(diags) => {
                let index = LineIndex::new(&text);
                for d in &diags {
                    eprintln!("{}", diag_line(&file, d, &text, &index));
                }
                return 1;
            }
        };
        let tl = &replay.timeline;
        if opts.format == "text" {
            println!(
                "{} · {} · {} events · {}",
                tl.status,
                fmt_ms(tl.duration_ms),
                replay.history.events.len(),
                replay.history.form.label()
            );
            println!(
                "{:<40} {:>10} {:>10} {:<10} {:>3}  error",
                "state", "entered", "duration", "outcome", "try"
            );
            for (i, v) in tl.visits.iter().enumerate() {
                let indent = "  ".repeat(tl.depth(i));
                let tag = match (v.branch, v.iteration) {
                    (Some(b), _) => format!(" [branch {b}]"),
                    (_, Some(it)) => format!(" [item {it}]"),
                    _ => String::new(),
                };
                let name = format!("{indent}{}{tag}", v.state);
                let dur = v
                    .exited_ms
                    .map(|x| fmt_ms(x - v.entered_ms))
                    .unwrap_or_else(|| "…".into());
                println!(
                    "{:<40} {:>10} {:>10} {:<10} {:>3}  {}",
                    name,
                    fmt_ms(v.entered_ms),
                    dur,
                    v.outcome.as_str(),
                    v.attempts.len(),
                    v.error.clone().unwrap_or_default()
                );
            }
            for w in &tl.warnings {
                println!("warning[{}]: {}", w.code, w.message);
            }
        } else {
            println!(
                "{}",
                serde_json::to_string_pretty(&tl.to_json()).unwrap_or_default()
            );
        }
        0
    }

    fn generate(args: &[String]) -> i32 {
        use stepscope::replay::GenOptions;
        let mut o = GenOptions::default();
        let mut file = None;
        let mut it = args.iter();
        while let Some(a) = it.next() {
            let mut num = |name: &str| {
                it.next()
                    .and_then(|v| v.parse::<f64>().ok())
                    .ok_or(format!("{name} needs a number"))
            };
            let r = match a.as_str() {
                "--items" => num("--items").map(|v| o.map_items = v as usize),
                "--seed" => num("--seed").map(|v| o.seed = v as u64),
                "--failure-rate" => num("--failure-rate").map(|v| o.failure_rate = v),
                "--max-events" => num("--max-events").map(|v| o.max_events = v as usize),
                _ => {
                    file = Some(a.clone());
                    Ok(())
                }
            };
            if let Err(e) = r {
                eprintln!("stepscope generate: {e}");
                return 2;
            }
        }
        let Some(file) = file else {
            eprintln!("stepscope generate: no FILE given\n\n{USAGE}");
            return 2;
        };
        let text = match read_text(&file) {
            Ok(t) => t,
            Err(code) => return code,
        };
        let analysis = analyze_machine(&SourceText::new(file.clone(), text), None);
        let Some(m) = analysis.machine.as_ref() else {
            eprintln!("{file}: no usable state machine definition");
            return 1;
        };
        println!("{}", stepscope::replay::generate(m, o).history);
        0
    }

    fn fmt_ms(ms: i64) -> String {
        stepscope::replay::format_duration_exact(ms)
    }

    /// Runs the CLI and returns its exit status.
    fn link(args: &[String]) -> i32 {
        use stepscope::share::{Redaction, Shared};
        let opts = match opts_for("link", args, &["url"], true) {
            Ok(o) => o,
            Err(code) => return code,
        };
        let read = |f: &str| {
            std::fs::read(f)
                .map(|b| String::from_utf8_lossy(&b).into_owned())
                .map_err(|e| eprintln!("{f}: cannot read: {e}"))
        };
        let Ok(definition) = read(&opts.files[0]) else {
            return 2;
        };
        let history = match &opts.history {
            Some(h) => match read(h) {
                Ok(t) => Some(t),
                Err(()) => return 2,
            },
            None => None,
        };
        let redact = if history.is_some() && !opts.no_redact {
            Redaction::all()
        } else {
            Redaction::default()
        };
        let shared = Shared {
            definition: Some(definition),
            history,
            t: opts.at,
            sel: opts.select.clone(),
            ..Default::default()
        };
        let url = stepscope::share::link(
            opts.base.as_deref().unwrap_or("http://127.0.0.1:8080/"),
            &shared,
            redact,
        );
        println!("{url}");
        eprintln!(
            "{} characters: {}",
            url.len(),
            stepscope::share::length_advice(url.len())
        );
        0
    }

    /// A file's text, or the message and exit status 2.
    fn read_text(file: &str) -> Result<String, i32> {
        std::fs::read(file)
            .map(|b| String::from_utf8_lossy(&b).into_owned())
            .map_err(|e| {
                eprintln!("{file}: cannot read: {e}");
                2
            })
    }

    fn read_json(file: &str) -> Result<serde_json::Value, i32> {
        let text = read_text(file)?;
        serde_json::from_str(&text).map_err(|e| {
            eprintln!("{file}: not JSON: {e}");
            2
        })
    }

    /// The definition to simulate, or the exit status: 2 unreadable, 1 unusable.
    fn definition(file: &str, machine: Option<&str>) -> Result<serde_json::Value, i32> {
        let text = read_text(file)?;
        let src = SourceText::new(file.to_string(), text);
        let (analysis, value) = stepscope::pipeline::definition_value(&src, machine);
        match value {
            Some(v) => Ok(v),
            None => {
                let index = LineIndex::new(&src.text);
                for d in analysis.diagnostics.iter().filter(|d| d.is_error()) {
                    eprintln!("{}", diag_line(file, d, &src.text, &index));
                }
                eprintln!("{file}: no usable state machine definition to simulate");
                Err(1)
            }
        }
    }

    fn simulate(args: &[String]) -> i32 {
        use stepscope::sim::{self, Case, SimOptions};
        let mut opts = SimOptions::default();
        let (
            mut file,
            mut machine,
            mut input,
            mut case_file,
            mut mock_file,
            mut test_case,
            mut sm,
            mut out,
        ) = (None, None, None, None, None, None, None, None);
        let mut it = args.iter();
        while let Some(a) = it.next() {
            let mut val = |name: &str| it.next().cloned().ok_or(format!("{name} needs a value"));
            let r: Result<(), String> = match a.as_str() {
                "--machine" => val("--machine").map(|v| machine = Some(v)),
                "--input" => val("--input").map(|v| input = Some(v)),
                "--case" => val("--case").map(|v| case_file = Some(v)),
                "--mock-config" => val("--mock-config").map(|v| mock_file = Some(v)),
                "--test-case" => val("--test-case").map(|v| test_case = Some(v)),
                "--state-machine" => val("--state-machine").map(|v| sm = Some(v)),
                "-o" | "--output" => val("-o").map(|v| out = Some(v)),
                "--seed" => val("--seed").and_then(|v| {
                    v.parse()
                        .map(|s| opts.seed = s)
                        .map_err(|_| format!("--seed must be a number, not '{v}'"))
                }),
                s if s.starts_with("--") => Err(format!("unknown option '{s}'")),
                _ => {
                    file = Some(a.clone());
                    Ok(())
                }
            };
            if let Err(e) = r {
                eprintln!("stepscope simulate: {e}");
                return 2;
            }
        }
        let Some(file) = file else {
            eprintln!("stepscope simulate: give one DEFINITION\n\n{USAGE}");
            return 2;
        };
        let def = match definition(&file, machine.as_deref()) {
            Ok(d) => d,
            Err(code) => return code,
        };
        let mut case = match &case_file {
            Some(f) => match read_json(f).map(|v| sim::case_from_json(&v)) {
                Ok(Ok(c)) => c,
                Ok(Err(e)) => {
                    eprintln!("{f}: {e}");
                    return 2;
                }
                Err(code) => return code,
            },
            None => Case::default(),
        };
        if let Some(m) = &mock_file {
            match read_json(m).map(|v| sim::MockConfig::parse(&v)) {
                Ok(Ok(c)) => case.mocks = Some(c),
                Ok(Err(e)) => {
                    eprintln!("{m}: {e}");
                    return 2;
                }
                Err(code) => return code,
            }
            if test_case.is_none() {
                eprintln!("stepscope simulate: --mock-config needs --test-case NAME");
                return 2;
            }
        }
        if test_case.is_some() {
            case.test_case = test_case;
        }
        if sm.is_some() {
            case.state_machine = sm;
        }
        if let Some(i) = input {
            let text = match i.strip_prefix('@') {
                Some(f) => match read_text(f) {
                    Ok(t) => t,
                    Err(code) => return code,
                },
                None => i,
            };
            match serde_json::from_str(&text) {
                Ok(v) => case.input = v,
                Err(e) => {
                    eprintln!("stepscope simulate: --input is not JSON: {e}");
                    return 2;
                }
            }
        } else if case_file.is_none() {
            case.input = serde_json::json!({});
        }
        if let (Some(m), Some(tc)) = (&case.mocks, &case.test_case) {
            if m.case(case.state_machine.as_deref(), tc).is_none() {
                eprintln!(
                    "stepscope simulate: the mocks have no test case '{tc}'{}",
                    case.state_machine
                        .as_deref()
                        .map(|s| format!(" for state machine '{s}'"))
                        .unwrap_or_default()
                );
                return 2;
            }
        }
        let run = sim::simulate(&def, &case, opts);
        for s in &run.defaulted {
            eprintln!("stepscope simulate: no mock answered '{s}': it returned a default result");
        }
        let text = run.history_json();
        match out {
            Some(o) => {
                if let Err(e) = std::fs::write(&o, text) {
                    eprintln!("{o}: cannot write: {e}");
                    return 2;
                }
            }
            None => print!("{text}"),
        }
        0
    }

    fn record(args: &[String]) -> i32 {
        let (mut file, mut def_file, mut out) = (None, None, None);
        let mut it = args.iter();
        while let Some(a) = it.next() {
            match a.as_str() {
                "--definition" => def_file = it.next().cloned(),
                "-o" | "--output" => out = it.next().cloned(),
                s if s.starts_with("--") => {
                    eprintln!("stepscope record: unknown option '{s}'");
                    return 2;
                }
                _ => file = Some(a.clone()),
            }
        }
        let Some(file) = file else {
            eprintln!("stepscope record: give one HISTORY\n\n{USAGE}");
            return 2;
        };
        let text = match read_text(&file) {
            Ok(t) => t,
            Err(code) => return code,
        };
        let (history, diags) = stepscope::history::parse_history(&text);
        let Some(history) = history else {
            for d in &diags {
                eprintln!("{file}: {}[{}]: {}", d.severity.as_str(), d.code, d.message);
            }
            return 1;
        };
        let name = def_file
            .as_deref()
            .and_then(|f| std::path::Path::new(f).file_stem())
            .and_then(|s| s.to_str())
            .map(|s| s.trim_end_matches(".asl").to_string())
            .unwrap_or_else(|| "StateMachine".into());
        let case = stepscope::sim::record::record(&history, &name);
        let text = serde_json::to_string_pretty(&case).unwrap_or_default() + "\n";
        match out {
            Some(o) => {
                if let Err(e) = std::fs::write(&o, text) {
                    eprintln!("{o}: cannot write: {e}");
                    return 2;
                }
            }
            None => print!("{text}"),
        }
        0
    }

    fn test(args: &[String]) -> i32 {
        use serde_json::Value;
        use stepscope::sim::{self, Case, SimOptions};
        let (mut file, mut mock_file, mut expect_file, mut machine) = (None, None, None, None);
        let mut it = args.iter();
        while let Some(a) = it.next() {
            match a.as_str() {
                "--mock-config" => mock_file = it.next().cloned(),
                "--expect" => expect_file = it.next().cloned(),
                "--machine" => machine = it.next().cloned(),
                s if s.starts_with("--") => {
                    eprintln!("stepscope test: unknown option '{s}'");
                    return 2;
                }
                _ => file = Some(a.clone()),
            }
        }
        let (Some(file), Some(mock_file)) = (file, mock_file) else {
            eprintln!("stepscope test: give a DEFINITION and --mock-config FILE\n\n{USAGE}");
            return 2;
        };
        let def = match definition(&file, machine.as_deref()) {
            Ok(d) => d,
            Err(code) => return code,
        };
        let mocks = match read_json(&mock_file).map(|v| sim::MockConfig::parse(&v)) {
            Ok(Ok(m)) => m,
            Ok(Err(e)) => {
                eprintln!("{mock_file}: {e}");
                return 2;
            }
            Err(code) => return code,
        };
        let expect = match &expect_file {
            Some(f) => match read_json(f) {
                Ok(v) => v,
                Err(code) => return code,
            },
            None => Value::Null,
        };
        let mut failed = 0;
        let cases = mocks.cases();
        for (sm, name) in &cases {
            let want = expect.get(name).cloned().unwrap_or(Value::Null);
            let case = Case {
                input: want.get("input").cloned().unwrap_or(serde_json::json!({})),
                context: Value::Null,
                mocks: Some(mocks.clone()),
                test_case: Some(name.clone()),
                state_machine: Some(sm.clone()),
                ..Case::default()
            };
            let run = sim::simulate(&def, &case, SimOptions::default());
            let mut problems = Vec::new();
            if let Some(s) = want.get("status").and_then(Value::as_str) {
                if s != run.status.as_str() {
                    problems.push(format!("status {} (expected {s})", run.status.as_str()));
                }
            }
            if let Some(o) = want.get("output") {
                if run.output.as_ref() != Some(o) {
                    problems.push(format!(
                        "output {} (expected {o})",
                        run.output.as_ref().map_or("none".into(), |v| v.to_string())
                    ));
                }
            }
            if let Some(Value::Array(states)) = want.get("states") {
                let want: Vec<&str> = states.iter().filter_map(Value::as_str).collect();
                let got: Vec<&str> = run.visited.iter().map(String::as_str).collect();
                if want != got {
                    problems.push(format!(
                        "visited {} (expected {})",
                        got.join(" → "),
                        want.join(" → ")
                    ));
                }
            }
            if let Some(e) = want.get("error").and_then(Value::as_str) {
                let got = run.failure.as_ref().map_or("", |f| f.error.as_str());
                if got != e {
                    problems.push(format!("error '{got}' (expected '{e}')"));
                }
            }
            let summary = match (&run.output, &run.failure) {
                (Some(o), _) => format!("{} · output {o}", run.status.as_str()),
                (None, Some(f)) => format!("{} · {}: {}", run.status.as_str(), f.error, f.cause),
                (None, None) => run.status.as_str().to_string(),
            };
            if problems.is_empty() {
                println!("ok   {name}: {summary} · {} states", run.visited.len());
            } else {
                failed += 1;
                println!("FAIL {name}: {}", problems.join("; "));
            }
        }
        println!("{} passed, {failed} failed", cases.len() - failed);
        i32::from(failed > 0)
    }

    pub fn run(args: Vec<String>) -> i32 {
        match args.first().map(String::as_str) {
            None | Some("-h") | Some("--help") | Some("help") => {
                print!("{USAGE}");
                0
            }
            Some("-V") | Some("--version") => {
                println!("stepscope {}", env!("CARGO_PKG_VERSION"));
                0
            }
            Some("check") => check(&args[1..]),
            Some("render") => render(&args[1..]),
            Some("timeline") => timeline(&args[1..]),
            Some("generate") => generate(&args[1..]),
            Some("link") => link(&args[1..]),
            Some("simulate") => simulate(&args[1..]),
            Some("compare") => compare(&args[1..]),
            Some("stats") => stats(&args[1..]),
            Some("record") => record(&args[1..]),
            Some("test") => test(&args[1..]),
            Some(other) => {
                eprintln!("stepscope: unknown command '{other}'\n\n{USAGE}");
                2
            }
        }
    }
}
