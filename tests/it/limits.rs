//! Hostile and unlucky inputs (issue 14): every budget in `limits` answers with a message that
//! names it, and nothing crashes, hangs or allocates in proportion to an attacker's amplification.
//! Each test here is one finding; the fuzz harness (tests/fuzz.rs) runs the readers at random.

use crate::cli::stepscope;
use stepscope::limits::{MAX_DEPTH, MAX_EVENTS, MAX_STATES, MAX_TICKS};
use stepscope::pipeline::{analyze, replay};
use stepscope::replay::{build_timeline, gantt, GanttOptions};
use stepscope::share::{decode_fragment, payload};
use stepscope::source::SourceText;

fn errors(text: &str) -> Vec<String> {
    analyze(&SourceText::new("t", text))
        .diagnostics
        .iter()
        .filter(|d| d.severity == stepscope::diag::Severity::Error)
        .map(|d| format!("[{}] {}", d.code, d.message))
        .collect()
}

/// Runs `f` on a thread with a 1 MB stack, what a wasm32 build gets: a reader that recursed per
/// level of the input (30,000 here) would overflow it, even in this unoptimised build.
fn small_stack<T: Send + 'static>(f: impl FnOnce() -> T + Send + 'static) -> T {
    std::thread::Builder::new()
        .stack_size(1024 * 1024)
        .spawn(f)
        .expect("spawn")
        .join()
        .expect("no stack overflow")
}

#[test]
fn block_yaml_nesting_is_refused_at_the_depth_limit() {
    for text in [
        format!("{}x\n", "- ".repeat(30_000)),
        (0..5_000)
            .map(|i| format!("{}k:\n", " ".repeat(i)))
            .collect(),
        format!("{}1{}", "[".repeat(30_000), "]".repeat(30_000)),
    ] {
        let errs = small_stack(move || errors(&text));
        assert!(
            errs.iter()
                .any(|e| e.contains(&format!("nesting deeper than {MAX_DEPTH} levels"))),
            "{errs:?}"
        );
    }
    // JSON, in a history too.
    let text = format!("{}{}", "[".repeat(30_000), "]".repeat(30_000));
    let run = small_stack(move || replay(&SourceText::new("h", text), None));
    assert!(run.is_err_and(|diags| !diags.is_empty()));
}

#[test]
fn aliases_are_counted_in_bytes_before_they_are_copied() {
    // A 1 MB string aliased 100,000 times: 100 GB if expanded.
    let mut text = format!("big: &b \"{}\"\nlist:\n", "a".repeat(1_000_000));
    text.push_str(&"  - *b\n".repeat(100_000));
    let errs = errors(&text);
    assert!(
        errs.iter()
            .any(|e| e.contains("aliases expand this text past 64 MB")),
        "{errs:?}"
    );
    // The classic billion laughs, nine levels of ten.
    let mut lol = String::from(
        "a: &a [\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\"]\n",
    );
    for (i, c) in ('b'..='j').enumerate() {
        let prev = char::from(b'a' + i as u8);
        lol.push_str(&format!(
            "{c}: &{c} [{}]\n",
            vec![format!("*{prev}"); 9].join(",")
        ));
    }
    assert!(errors(&lol).iter().any(|e| e.contains("past 64 MB")));
    // Honest anchors still work.
    let ok = "StartAt: A\nStates:\n  A:\n    Type: &t Pass\n    Next: B\n  B:\n    Type: *t\n    End: true\n";
    assert!(errors(ok).is_empty(), "{:?}", errors(ok));
}

fn template(subs: &serde_json::Value, definition: serde_json::Value) -> String {
    serde_json::json!({"Resources": {"M": {"Type": "AWS::StepFunctions::StateMachine",
        "Properties": {"Definition": definition, "DefinitionSubstitutions": subs}}}})
    .to_string()
}

#[test]
fn substitutions_apply_once_and_within_the_budget() {
    // V0 = ${V1}${V1}, ..., V39 = x: replacing again and again doubles the text 39 times.
    let mut subs = serde_json::Map::new();
    for i in 0..39 {
        subs.insert(
            format!("V{i}"),
            format!("${{V{}}}${{V{}}}", i + 1, i + 1).into(),
        );
    }
    subs.insert("V39".into(), "x".into());
    let subs = serde_json::Value::Object(subs);
    let def =
        serde_json::json!({"StartAt": "${V0}", "States": {"A": {"Type": "Pass", "End": true}}});
    let errs = errors(&template(&subs, def.clone()));
    assert!(
        errs.iter().any(|e| e.contains("'${V1}${V1}'")),
        "replaced once, as CloudFormation does: {errs:?}"
    );
    // As a DefinitionString too.
    let string_form = serde_json::json!({"Resources": {"M": {"Type": "AWS::StepFunctions::StateMachine",
        "Properties": {"DefinitionString": def.to_string(), "DefinitionSubstitutions": subs}}}});
    assert!(errors(&string_form.to_string())
        .iter()
        .any(|e| e.contains("'${V1}${V1}'")));
    // One 1 MB value named 100 times: 100 MB.
    let big = serde_json::json!({"B": "y".repeat(1_000_000)});
    let def = serde_json::json!({"StartAt": "A", "Comment": "${B}".repeat(100),
        "States": {"A": {"Type": "Pass", "End": true}}});
    for text in [
        template(&big, def.clone()),
        serde_json::json!({"Resources": {"M": {"Type": "AWS::StepFunctions::StateMachine",
            "Properties": {"DefinitionString": def.to_string(), "DefinitionSubstitutions": big}}}})
        .to_string(),
    ] {
        let errs = errors(&text);
        assert!(
            errs.iter().any(|e| e.contains("[too-big]")
                && e.contains("expand this definition past 64 MB")),
            "{errs:?}"
        );
    }
}

/// A compact history of `n` events, as a link carries it.
fn compact(n: usize) -> String {
    let mut e = vec![r#"[0,"ExecutionStarted",0,{"input":"{}"}]"#.to_string()];
    e.extend((1..n).map(|_| r#"[1,"PassStateEntered",1,{"name":"A"}]"#.to_string()));
    format!(r#"{{"s":0,"e":[{}]}}"#, e.join(","))
}

#[test]
fn a_links_run_is_held_to_the_event_and_byte_budgets() {
    // A few kilobytes of link that would expand to 310,000 events.
    let h = payload(&compact(310_000));
    assert!(h.len() < 64_000, "{}", h.len());
    let err = decode_fragment(&format!("h={h}")).unwrap_err();
    assert!(
        err.contains("310,000 events") && err.contains(&stepscope::limits::count(MAX_EVENTS)),
        "{err}"
    );
    // Within the event budget, details that would expand past 64 MB.
    let fat = format!(
        r#"{{"s":0,"e":[{}]}}"#,
        vec![
            format!(
                r#"[1,"PassStateEntered",1,{{"name":"{}"}}]"#,
                "n".repeat(150)
            );
            240_000
        ]
        .join(",")
    );
    let err = decode_fragment(&format!("h={}", payload(&fat))).unwrap_err();
    assert!(
        err.contains("expands past 16 MB, the limit for runs in links"),
        "{err}"
    );
    // What fits opens, and round-trips into events.
    let ok = decode_fragment(&format!("h={}", payload(&compact(1_000)))).unwrap();
    let run = replay(&SourceText::new("h", ok.history.unwrap()), None);
    assert_eq!(run.unwrap().timeline.events.len(), 1_000);
}

#[test]
fn a_links_definition_is_held_to_the_input_limit_with_a_message_that_says_so() {
    // 51 MB of one letter deflates to a short link.
    let d = payload(&"a".repeat(51 * 1024 * 1024));
    let err = decode_fragment(&format!("d={d}")).unwrap_err();
    assert!(
        err.contains("expands past 50 MB, the limit for definitions in links"),
        "{err}"
    );
    assert!(!err.contains("HasMoreOutput"), "{err}");
}

#[test]
fn histories_and_definitions_past_their_budgets_are_refused_by_name() {
    let mut events = vec![r#"{"id":1,"type":"ExecutionStarted","timestamp":1.0}"#.to_string()];
    events
        .extend((2..=MAX_EVENTS + 1).map(|i| format!(r#"{{"id":{i},"type":"PassStateEntered"}}"#)));
    let text = format!(r#"{{"events":[{}]}}"#, events.join(","));
    let diags = replay(&SourceText::new("h", text), None).unwrap_err();
    assert!(
        diags
            .iter()
            .any(|d| d.code == "too-big" && d.message.contains("250,001 events")),
        "{diags:?}"
    );
    let n = MAX_STATES + 1;
    let states: Vec<String> = (0..n)
        .map(|i| format!(r#""S{i}":{{"Type":"Pass","Next":"S{}"}}"#, (i + 1) % n))
        .collect();
    let text = format!(r#"{{"StartAt":"S0","States":{{{}}}}}"#, states.join(","));
    let a = analyze(&SourceText::new("d", text));
    assert!(a.machine.is_none());
    assert!(a.diagnostics.iter().any(|d| d.code == "too-big"
        && d.message
            .contains(&format!("{} states", stepscope::limits::count(n)))));
    let big = " ".repeat(51 * 1024 * 1024);
    assert!(errors(&big)
        .iter()
        .any(|e| e.contains("reads inputs up to 50 MB")));
}

fn history(stamps: &[&str]) -> String {
    let kinds = [
        ("ExecutionStarted", ""),
        (
            "PassStateEntered",
            r#","stateEnteredEventDetails":{"name":"A"}"#,
        ),
        (
            "PassStateExited",
            r#","stateExitedEventDetails":{"name":"A"}"#,
        ),
        ("ExecutionSucceeded", ""),
    ];
    let events: Vec<String> = stamps
        .iter()
        .zip(kinds)
        .enumerate()
        .map(|(i, (t, (k, d)))| {
            format!(
                r#"{{"id":{},"previousEventId":{i},"type":"{k}","timestamp":{t}{d}}}"#,
                i + 1
            )
        })
        .collect();
    format!(r#"{{"events":[{}]}}"#, events.join(","))
}

#[test]
fn a_far_future_timestamp_is_clamped_with_a_warning_and_the_axis_stays_bounded() {
    for outlier in [
        r#""9999-12-31T23:59:59.000Z""#,
        r#""2125-01-01T00:00:00.000Z""#,
        "1e300",
        "-9.3e15",
    ] {
        let text = history(&[
            r#""2026-01-01T00:00:00.000Z""#,
            r#""2026-01-01T00:00:01.000Z""#,
            outlier,
            r#""2026-01-01T00:00:03.000Z""#,
        ]);
        let run = replay(&SourceText::new("h", text), None).unwrap();
        let diags = &run.diagnostics;
        assert!(
            diags
                .iter()
                .chain(&run.timeline.warnings)
                .any(|d| d.code == "clock-outlier"),
            "{outlier}: {diags:?}"
        );
        assert_eq!(run.timeline.duration_ms, 3_000, "{outlier}");
        let g = gantt(
            &run.timeline,
            &GanttOptions {
                width: 900.0,
                ..Default::default()
            },
        );
        assert!(g.svg.matches("class=\"tick\"").count() <= 10, "{outlier}");
    }
}

#[test]
fn the_axis_never_draws_more_than_its_tick_budget() {
    // A run that really lasts a year (the longest a Standard run may) is not an outlier.
    let text = history(&[
        r#""2026-01-01T00:00:00.000Z""#,
        r#""2026-01-01T00:00:01.000Z""#,
        r#""2026-12-31T00:00:00.000Z""#,
        r#""2026-12-31T00:00:01.000Z""#,
    ]);
    let run = replay(&SourceText::new("h", text), None).unwrap();
    assert!(run.timeline.duration_ms > 360 * 86_400_000);
    let g = gantt(
        &run.timeline,
        &GanttOptions {
            width: 900.0,
            ..Default::default()
        },
    );
    let ticks = g.svg.matches("class=\"tick\"").count();
    assert!((2..=MAX_TICKS.min(16)).contains(&ticks), "{ticks}");
}

#[test]
fn a_visit_that_exits_before_it_enters_is_a_warning() {
    let text = history(&[
        r#""2026-01-01T00:00:00.000Z""#,
        r#""2026-01-01T00:00:05.000Z""#,
        r#""2026-01-01T00:00:02.000Z""#,
        r#""2026-01-01T00:00:06.000Z""#,
    ]);
    let h = stepscope::history::parse_history(&text).0.unwrap();
    let tl = build_timeline(&h, None);
    let w = tl.warnings.iter().find(|d| d.code == "ends-before-start");
    assert!(
        w.is_some_and(|w| w.message.contains("'A' exits 3.0 s before it was entered")),
        "{:?}",
        tl.warnings
    );
}

#[test]
fn numbers_past_the_service_limits_are_errors_that_say_so() {
    let task = |extra: &str| {
        format!(
            r#"{{"StartAt":"T","States":{{"T":{{"Type":"Task","Resource":"arn:aws:states:::lambda:invoke","End":true{extra}}}}}}}"#
        )
    };
    let cases = [
        (
            task(r#","TimeoutSeconds":1e400"#),
            "'TimeoutSeconds' is 1e400, too large",
        ),
        (
            task(r#","TimeoutSeconds":1.8e23"#),
            "'TimeoutSeconds' must be at most 99,999,999",
        ),
        (
            task(r#","Retry":[{"ErrorEquals":["States.ALL"],"IntervalSeconds":1e20}]"#),
            "'IntervalSeconds' must be at most 99,999,999",
        ),
        (
            task(r#","Retry":[{"ErrorEquals":["States.ALL"],"MaxAttempts":9.2e18}]"#),
            "'MaxAttempts' must be at most 99,999,999",
        ),
        (
            task(r#","Retry":[{"ErrorEquals":["States.ALL"],"MaxDelaySeconds":40000000}]"#),
            "'MaxDelaySeconds' must be at most 31,622,400",
        ),
        (
            task(r#","Retry":[{"ErrorEquals":["States.ALL"],"BackoffRate":1e400}]"#),
            "'BackoffRate' is 1e400, too large",
        ),
    ];
    for (text, want) in cases {
        let errs = errors(&text);
        assert!(errs.iter().any(|e| e.contains(want)), "{want}: {errs:?}");
        assert!(!errs.iter().any(|e| e.contains("not null")), "{errs:?}");
    }
    // The largest allowed values are allowed.
    let ok = task(
        r#","TimeoutSeconds":99999999,"Retry":[{"ErrorEquals":["States.ALL"],"MaxAttempts":99999999,"MaxDelaySeconds":31622400}]"#,
    );
    assert!(errors(&ok).is_empty(), "{:?}", errors(&ok));
}

#[test]
fn generate_keeps_its_clock_within_a_year_whatever_the_backoff() {
    let dir = std::env::temp_dir().join(format!("stepscope-gen-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let def = dir.join("backoff.asl.json");
    std::fs::write(
        &def,
        r#"{"StartAt":"T","States":{"T":{"Type":"Task","Resource":"arn:aws:states:::lambda:invoke","End":true,
            "Retry":[{"ErrorEquals":["States.ALL"],"MaxAttempts":5,"BackoffRate":1e300}]}}}"#,
    )
    .unwrap();
    let (code, out, err) = stepscope(&[
        "generate",
        def.to_str().unwrap(),
        "--failure-rate",
        "1",
        "--seed",
        "3",
    ]);
    assert_eq!(code, 0, "{err}");
    let (h, _) = stepscope::history::parse_history(&out);
    let at: Vec<i64> = h.unwrap().events.iter().filter_map(|e| e.at).collect();
    let span = at.iter().max().unwrap() - at.iter().min().unwrap();
    assert!(span <= 5 * 366 * 86_400_000, "{span}");
    assert!(!out.contains("-292274"), "no year -292274999");
}

#[test]
fn a_closed_pipe_ends_the_cli_quietly_with_status_0() {
    use std::io::Read;
    use std::process::{Command, Stdio};
    // Outputs bigger than a pipe's buffer (64 KB), so the writer meets the closed end.
    let dir = std::env::temp_dir().join(format!("stepscope-pipe-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let states: Vec<String> = (0..2_000)
        .map(|i| format!(r#""State {i}":{{"Type":"Pass","Next":"State {}"}}"#, i + 1))
        .chain([r#""State 2000":{"Type":"Succeed"}"#.to_string()])
        .collect();
    let def = dir.join("long.asl.json");
    std::fs::write(
        &def,
        format!(
            r#"{{"StartAt":"State 0","States":{{{}}}}}"#,
            states.join(",")
        ),
    )
    .unwrap();
    let mut events = vec![r#"{"id":1,"type":"ExecutionStarted","timestamp":1.0}"#.to_string()];
    for i in 0..2_000 {
        let id = 2 + 2 * i;
        events.push(format!(r#"{{"id":{id},"type":"PassStateEntered","timestamp":2.0,"stateEnteredEventDetails":{{"name":"State {i}"}}}}"#));
        events.push(format!(r#"{{"id":{},"type":"PassStateExited","timestamp":3.0,"stateExitedEventDetails":{{"name":"State {i}"}}}}"#, id + 1));
    }
    let hist = dir.join("long.history.json");
    std::fs::write(&hist, format!(r#"{{"events":[{}]}}"#, events.join(","))).unwrap();
    let (def, hist) = (def.to_str().unwrap(), hist.to_str().unwrap());
    for args in [
        vec!["timeline", hist, "--format", "text"],
        vec!["timeline", hist],
        vec!["render", def],
        vec!["render", def, "--format", "json"],
    ] {
        let mut child = Command::new(env!("CARGO_BIN_EXE_stepscope"))
            .args(&args)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        // Read one byte, then hang up, as `| head -c 1` does.
        let mut out = child.stdout.take().unwrap();
        let mut one = [0u8; 1];
        let _ = out.read(&mut one);
        drop(out);
        let status = child.wait().unwrap();
        let mut err = String::new();
        child
            .stderr
            .take()
            .unwrap()
            .read_to_string(&mut err)
            .unwrap();
        assert!(!err.contains("panicked"), "{args:?}: {err}");
        assert_eq!(status.code(), Some(0), "{args:?}: {err}");
    }
}

#[test]
fn yaml_that_ends_inside_a_block_scalar_or_an_escape_is_read_not_a_panic() {
    // Found by the fuzzer: libyaml-safer panics at the end of input in these; a text without a
    // final line break is common (editors and `echo -n`).
    for text in [
        "a: >\n  b ",
        "a: |\n  b",
        "a: >-\n  x\n  y",
        "a: |2\n   x",
        "? |\n  k",
        "\"\\",
        "a: \"\\",
        "StartAt: A\nStates:\n  A:\n    Type: Pass\n    Comment: |\n      last line",
    ] {
        let a = analyze(&SourceText::new("y", text));
        assert!(a.machine.is_some() || !a.diagnostics.is_empty(), "{text:?}");
    }
    let a = analyze(&SourceText::new(
        "y",
        "StartAt: A\nStates:\n  A:\n    Type: Pass\n    End: true\n    Comment: |\n      last line",
    ));
    assert!(a.diagnostics.is_empty(), "{:?}", a.diagnostics);
}

#[test]
fn join_separators_and_nested_anchors_are_held_to_the_budget() {
    // A 1 MB separator between 100,000 empty parts: 100 GB if joined.
    let parts = vec!["\"\""; 100_000].join(",");
    let text = format!(
        r#"{{"Resources":{{"M":{{"Type":"AWS::StepFunctions::StateMachine","Properties":{{"DefinitionString":{{"Fn::Join":["{}",[{parts}]]}}}}}}}}}}"#,
        "s".repeat(1_000_000)
    );
    let errs = errors(&text);
    assert!(errs.iter().any(|e| e.contains("[too-big]")), "{errs:?}");
    // Anchors alone, nested: each keeps a copy of a 1 MB string, 200 copies without one alias.
    let mut y = String::new();
    for i in 0..200 {
        y.push_str(&format!("{}- &a{i}\n", "  ".repeat(i)));
    }
    y.push_str(&format!(
        "{}- \"{}\"\n",
        "  ".repeat(200),
        "b".repeat(1_000_000)
    ));
    let errs = small_stack(move || errors(&y));
    assert!(errs.iter().any(|e| e.contains("past 64 MB")), "{errs:?}");
}
