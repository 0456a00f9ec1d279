//! `make bench` (never a pass/fail test): how each piece of work grows with its input.
//!
//! For every input a user can grow, the time at n and at 10n, side by side in one run, and their
//! ratio: 10 is linear, 100 quadratic. Issue 14's targets: history work (a link, `render
//! --history`, the app's SVG export) at 100,000 events in 1 s or less, and layout and render of
//! any definition within the service's 1 MB limit in 1 s or less, a wide Choice included.

use std::time::Instant;
use stepscope::layout::{EstimateMeasure, LayoutOptions};
use stepscope::pipeline::{analyze, export_svg, render, replay};
use stepscope::share::{encode_fragment, Redaction, Shared};
use stepscope::source::SourceText;

const MAP: &str = r#"{"StartAt":"M","States":{"M":{"Type":"Map","ItemProcessor":{"StartAt":"P","States":{"P":{"Type":"Pass","End":true}}},"End":true}}}"#;

/// A CLI v2 history of an inline Map over `items` items: 4 events per item, plus 7.
fn map_history(items: usize) -> String {
    let mut ev = Vec::with_capacity(items * 4 + 8);
    let mut id = 0u64;
    let mut push = |kind: &str, details: String| {
        id += 1;
        let ms = 1_700_000_000_000u64 + id;
        let ts = stepscope::history::format_iso(ms as i64);
        let d = if details.is_empty() {
            String::new()
        } else {
            format!(",{details}")
        };
        ev.push(format!(
            r#"{{"timestamp":"{ts}","type":"{kind}","id":{id},"previousEventId":{}{d}}}"#,
            id - 1
        ));
    };
    push(
        "ExecutionStarted",
        r#""executionStartedEventDetails":{"input":"{}"}"#.into(),
    );
    push(
        "MapStateEntered",
        r#""stateEnteredEventDetails":{"name":"M","input":"{}"}"#.into(),
    );
    push(
        "MapStateStarted",
        format!(r#""mapStateStartedEventDetails":{{"length":{items}}}"#),
    );
    for k in 0..items {
        push(
            "MapIterationStarted",
            format!(r#""mapIterationStartedEventDetails":{{"name":"M","index":{k}}}"#),
        );
        push(
            "PassStateEntered",
            r#""stateEnteredEventDetails":{"name":"P","input":"{}"}"#.into(),
        );
        push(
            "PassStateExited",
            r#""stateExitedEventDetails":{"name":"P","output":"{}"}"#.into(),
        );
        push(
            "MapIterationSucceeded",
            format!(r#""mapIterationSucceededEventDetails":{{"name":"M","index":{k}}}"#),
        );
    }
    push("MapStateSucceeded", String::new());
    push(
        "MapStateExited",
        r#""stateExitedEventDetails":{"name":"M","output":"[]"}"#.into(),
    );
    push(
        "ExecutionSucceeded",
        r#""executionSucceededEventDetails":{"output":"[]"}"#.into(),
    );
    format!("{{\"events\":[\n{}\n]}}", ev.join(",\n"))
}

/// A chain of `n` Pass states with long names.
fn chain(n: usize) -> String {
    let states: Vec<String> = (0..n)
        .map(|i| {
            format!(
                r#""State number {i}":{{"Type":"Pass","Next":"State number {}"}}"#,
                i + 1
            )
        })
        .chain([format!(r#""State number {n}":{{"Type":"Succeed"}}"#)])
        .collect();
    format!(
        r#"{{"StartAt":"State number 0","States":{{{}}}}}"#,
        states.join(",")
    )
}

/// One Choice of `n` rules, each to a state of its own.
fn wide_choice(n: usize) -> String {
    let rules: Vec<String> = (0..n)
        .map(|i| format!(r#"{{"Variable":"$.x","NumericEquals":{i},"Next":"T{i}"}}"#))
        .collect();
    let targets: Vec<String> = (0..n)
        .map(|i| format!(r#""T{i}":{{"Type":"Succeed"}}"#))
        .collect();
    format!(
        r#"{{"StartAt":"C","States":{{"C":{{"Type":"Choice","Choices":[{}],"Default":"T0"}},{}}}}}"#,
        rules.join(","),
        targets.join(",")
    )
}

/// Tasks with catches and Choices that skip ahead: many long edges and crossings.
fn mixed(n: usize) -> String {
    let mut st = Vec::with_capacity(n + 1);
    for i in 0..n {
        let s = |k: usize| format!("S{}", (i + k).min(n));
        st.push(if i % 10 == 0 {
            format!(r#""S{i}":{{"Type":"Choice","Choices":[{{"Variable":"$.x","BooleanEquals":true,"Next":"{}"}},{{"Variable":"$.y","BooleanEquals":true,"Next":"{}"}}],"Default":"{}"}}"#, s(1), s(5), s(3))
        } else if i % 7 == 0 {
            format!(r#""S{i}":{{"Type":"Task","Resource":"arn:aws:states:::lambda:invoke","Next":"{}","Catch":[{{"ErrorEquals":["States.ALL"],"Next":"{}"}}]}}"#, s(1), s(4))
        } else {
            format!(r#""S{i}":{{"Type":"Pass","Next":"{}"}}"#, s(1))
        });
    }
    st.push(format!(r#""S{n}":{{"Type":"Succeed"}}"#));
    format!(r#"{{"StartAt":"S0","States":{{{}}}}}"#, st.join(","))
}

/// A Parallel of `n` branches of 13 states each: many small scopes.
fn parallel(n: usize) -> String {
    let branches: Vec<String> = (0..n)
        .map(|b| {
            let st: Vec<String> = (0..12)
                .map(|i| format!(r#""B{b}S{i}":{{"Type":"Pass","Next":"B{b}S{}"}}"#, i + 1))
                .chain([format!(r#""B{b}S12":{{"Type":"Succeed"}}"#)])
                .collect();
            format!(r#"{{"StartAt":"B{b}S0","States":{{{}}}}}"#, st.join(","))
        })
        .collect();
    format!(
        r#"{{"StartAt":"P","States":{{"P":{{"Type":"Parallel","Branches":[{}],"End":true}}}}}}"#,
        branches.join(",")
    )
}

/// `n` states that lead nowhere (each `End`, none reached but the first): one rank of thousands.
fn isolated(n: usize) -> String {
    let st: Vec<String> = (0..n)
        .map(|i| format!(r#""S{i}":{{"Type":"Pass","End":true}}"#))
        .collect();
    format!(r#"{{"StartAt":"S0","States":{{{}}}}}"#, st.join(","))
}

fn ms(f: &mut dyn FnMut()) -> f64 {
    // The best of three for quick work, one run for slow work.
    let mut best = f64::INFINITY;
    for _ in 0..3 {
        let t = Instant::now();
        f();
        let took = t.elapsed().as_secs_f64() * 1000.0;
        best = best.min(took);
        if took > 300.0 {
            break;
        }
    }
    best
}

fn row(what: &str, n: usize, size: &dyn Fn(usize) -> String, work: &dyn Fn(&str)) {
    let (small, big) = (size(n), size(10 * n));
    let a = ms(&mut || work(&small));
    let b = ms(&mut || work(&big));
    println!(
        "growth: {what:<34} n={n:<7} {a:>8.1} ms   10n {b:>8.1} ms ({:>5.0} KB)   ratio {:>5.1}",
        big.len() / 1024,
        b / a
    );
}

fn draw(text: &str) {
    let a = analyze(&SourceText::new("bench", text));
    let r = render(&a, &LayoutOptions::default(), &EstimateMeasure).expect("drawn");
    std::hint::black_box(r.svg_with_problems("g", &a));
}

fn main() {
    println!(
        "growth: time at n and at 10n, one run side by side; ratio 10 is linear, 100 quadratic"
    );
    row(
        "link --history (events)",
        10_000,
        &|n| map_history(n / 4),
        &|h| {
            let s = Shared {
                definition: Some(MAP.into()),
                history: Some(h.into()),
                ..Default::default()
            };
            std::hint::black_box(encode_fragment(&s, Redaction::all()));
        },
    );
    row(
        "render --history / export (events)",
        10_000,
        &|n| map_history(n / 4),
        &|h| {
            let a = analyze(&SourceText::new("d", MAP));
            let r = render(&a, &LayoutOptions::default(), &EstimateMeasure).expect("drawn");
            let run = replay(&SourceText::new("h", h), a.machine.as_ref()).expect("a run");
            let end = run.timeline.duration_ms;
            let source = encode_fragment(
                &Shared {
                    definition: Some(MAP.into()),
                    history: Some(h.into()),
                    t: Some(end),
                    ..Default::default()
                },
                Redaction::all(),
            );
            std::hint::black_box(export_svg(
                &r,
                &a,
                Some((&run.timeline, end)),
                &source,
                None,
            ));
        },
    );
    row("render: a chain (states)", 1_600, &chain, &draw);
    row("render: a wide Choice (rules)", 1_200, &wide_choice, &draw);
    row("render: catches and skips (states)", 1_400, &mixed, &draw);
    row("render: a Parallel (branches of 13)", 160, &parallel, &draw);
    row("render: states that lead nowhere", 2_500, &isolated, &draw);
}
