//! Property tests: no input, however broken, panics the analysis.

use proptest::prelude::*;
use stepscope::pipeline::analyze;
use stepscope::source::SourceText;

fn corpus_texts() -> Vec<String> {
    let Some(corpus) = crate::support::corpus() else {
        return Vec::new();
    };
    crate::support::files(&corpus.join("definitions"), &[".json", ".yaml"])
        .into_iter()
        .step_by(7)
        .chain(
            crate::support::files(&corpus.join("templates"), &[])
                .into_iter()
                .step_by(5),
        )
        .filter_map(|p| std::fs::read_to_string(p).ok())
        .collect()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn arbitrary_text_never_panics(text in ".{0,400}") {
        let a = analyze(&SourceText::new("p", text));
        prop_assert!(a.machine.is_some() || !a.diagnostics.is_empty());
    }

    #[test]
    fn asl_shaped_text_never_panics(text in r#"[{}\[\]":,\n a-zA-Z$.%!&*|>-]{0,300}"#) {
        let _ = analyze(&SourceText::new("p", format!("{{\"StartAt\": \"A\", \"States\": {text}")));
        let _ = analyze(&SourceText::new("p", format!("StartAt: A\nStates:\n  {text}")));
    }
}

#[test]
fn mutated_corpus_files_never_panic() {
    let texts = corpus_texts();
    let mut runner = proptest::test_runner::TestRunner::new(ProptestConfig {
        cases: 64,
        ..ProptestConfig::default()
    });
    for text in texts.iter().take(60) {
        let len = text.len().max(1);
        runner
            .run(
                &(0..len, 0..len, any::<u8>(), 0usize..3),
                |(a, b, byte, op)| {
                    let mut bytes = text.clone().into_bytes();
                    let (lo, hi) = (a.min(b), a.max(b).min(bytes.len()));
                    match op {
                        0 => {
                            bytes.drain(lo..hi);
                        }
                        1 => {
                            if let Some(x) = bytes.get_mut(lo) {
                                *x = byte;
                            }
                        }
                        _ => bytes.truncate(lo),
                    }
                    let mutated = String::from_utf8_lossy(&bytes).into_owned();
                    let _ = analyze(&SourceText::new("m", mutated));
                    Ok(())
                },
            )
            .unwrap_or_else(|e| panic!("{e}"));
    }
}

// ---- The budgets (issue 14) ---------------------------------------------------------------------

/// YAML of `levels` anchors, each an array of `fan` aliases to the one before, over a `leaf`-byte
/// string: the tree it stands for holds leaf × fan^levels bytes.
fn alias_tree(levels: usize, fan: usize, leaf: usize) -> String {
    let mut y = format!("a0: &a0 \"{}\"\n", "x".repeat(leaf));
    for l in 1..=levels {
        let items = vec![format!("*a{}", l - 1); fan].join(", ");
        y.push_str(&format!("a{l}: &a{l} [{items}]\n"));
    }
    y
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

    /// Aliases expand to what the text stands for when that fits the budget, and are refused by name
    /// when it doesn't; never a tree past the budget, whatever the shape.
    #[test]
    fn aliases_expand_within_the_byte_budget(levels in 1usize..12, fan in 1usize..12, leaf in 0usize..4096) {
        let text = alias_tree(levels, fan, leaf);
        // What the expansion holds at the least (48 bytes a node) and at the most (a member's
        // size a node, the top level copied once more for its anchor, the levels below it).
        let nodes = (fan as f64).powi(levels as i32);
        let expanded = (leaf as f64 + 48.0) * nodes;
        let at_most = (leaf as f64 + 160.0) * nodes * 3.0;
        let a = analyze(&SourceText::new("y", text));
        let refused = a.diagnostics.iter().any(|d| d.message.contains("past 64 MB"));
        if expanded > 2.0 * stepscope::limits::MAX_EXPANDED_BYTES as f64 {
            prop_assert!(refused, "{levels}×{fan}×{leaf}");
        }
        if at_most < stepscope::limits::MAX_EXPANDED_BYTES as f64 {
            prop_assert!(!refused, "{levels}×{fan}×{leaf}");
        }
    }

    /// A link's run opens to at most MAX_EVENTS events, or says why not.
    #[test]
    fn a_links_run_never_opens_past_the_event_budget(n in 0usize..400_000, every in 1usize..50_000) {
        // Sparse sizes: a full 400,000-event payload for every case would cost the time box.
        let n = (n / every.max(1)) * every.max(1) % 400_000;
        let events = vec![r#"[1,"PassStateEntered",1,0]"#; n].join(",");
        let fragment = format!("h={}", stepscope::share::payload(&format!(r#"{{"s":0,"e":[{events}]}}"#)));
        match stepscope::share::decode_fragment(&fragment) {
            Ok(s) => {
                prop_assert!(n <= stepscope::limits::MAX_EVENTS);
                prop_assert!(s.history.unwrap().len() <= stepscope::limits::MAX_EXPANDED_BYTES);
            }
            Err(e) => prop_assert!(n > stepscope::limits::MAX_EVENTS && e.contains("Stepscope reads runs of up to 250,000"), "{n}: {e}"),
        }
    }

    /// Whatever the timestamps, the run lasts at most two years and its axis has at most MAX_TICKS.
    #[test]
    fn any_timestamps_give_a_bounded_run(stamps in proptest::collection::vec(-1.0e300f64..1.0e300, 2..8), scale in 0u32..300) {
        let events: Vec<String> = stamps
            .iter()
            .enumerate()
            .map(|(i, t)| {
                let t = if i % 2 == 0 { *t } else { 1.7e9 + t / 10f64.powi(scale as i32) };
                format!(r#"{{"id":{},"type":"PassStateEntered","timestamp":{t:e},"stateEnteredEventDetails":{{"name":"S{i}"}}}}"#, i + 1)
            })
            .collect();
        let text = format!(r#"{{"events":[{}]}}"#, events.join(","));
        let run = stepscope::pipeline::replay(&SourceText::new("h", text), None).expect("a run");
        prop_assert!(run.timeline.duration_ms <= 2 * 366 * 86_400_000);
        let g = stepscope::replay::gantt(&run.timeline, &Default::default());
        prop_assert!(g.svg.matches("class=\"tick\"").count() <= stepscope::limits::MAX_TICKS);
    }

    /// Substitutions never expand past the budget, however they name each other.
    #[test]
    fn substitutions_stay_within_the_budget(chain in 1usize..60, refs in 1usize..300, value in 0usize..200_000) {
        let mut subs = serde_json::Map::new();
        for i in 0..chain {
            subs.insert(format!("V{i}"), format!("${{V{}}}${{V{}}}", i + 1, i + 1).into());
        }
        subs.insert(format!("V{chain}"), "x".repeat(value).into());
        let comment = "${V0}".repeat(refs) + &format!("${{V{chain}}}").repeat(refs);
        let def = serde_json::json!({"StartAt": "A", "Comment": comment, "States": {"A": {"Type": "Pass", "End": true}}});
        let text = serde_json::json!({"Resources": {"M": {"Type": "AWS::StepFunctions::StateMachine",
            "Properties": {"DefinitionString": def.to_string(), "DefinitionSubstitutions": subs}}}}).to_string();
        let a = analyze(&SourceText::new("t", text));
        let refused = a.diagnostics.iter().any(|d| d.code == "too-big");
        // Each ${V0} becomes the ten characters of "${V1}${V1}" (once, never again); each last one
        // becomes its value. Near the limit the rest of the text decides, so only clear cases count.
        let expanded = (refs * (10 + value)) as f64;
        let limit = stepscope::limits::MAX_EXPANDED_BYTES as f64;
        if expanded > limit * 1.01 {
            prop_assert!(refused, "{} {} {}", chain, refs, value);
        } else if expanded < limit * 0.99 {
            prop_assert!(!refused, "{} {} {}", chain, refs, value);
        }
    }
}

/// A random but valid-looking state machine from `seed`: `n` states of every type, Next and
/// Choice targets anywhere in their scope (loops included), Catches into shared targets, and
/// Parallel branches and Map processors that are machines of their own, to depth 2.
fn random_machine(seed: u64, n: usize, depth: usize, names: &mut usize) -> serde_json::Value {
    use serde_json::{json, Map, Value};
    let mut x = seed | 1;
    let mut next = move |m: usize| -> usize {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        (x % m.max(1) as u64) as usize
    };
    // Names are unique in the whole machine, as ASL requires.
    let first = *names;
    *names += n;
    let name = move |i: usize| {
        format!(
            "S{} {}",
            first + i,
            ["Load", "Check", "Retry the payment", "Go"][i % 4]
        )
    };
    let mut states = Map::new();
    for i in 0..n {
        let target = |k: usize| Value::String(name(k));
        let kinds = if depth < 2 { 8 } else { 6 };
        let mut s = match next(kinds) {
            0 | 1 => json!({"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke"}),
            2 => json!({"Type": "Pass"}),
            3 => json!({"Type": "Wait", "Seconds": 1 + next(30)}),
            4 => {
                let rules: Vec<Value> = (0..1 + next(4))
                    .map(
                        |r| json!({"Variable": "$.x", "NumericEquals": r, "Next": target(next(n))}),
                    )
                    .collect();
                json!({"Type": "Choice", "Choices": rules, "Default": target(next(n))})
            }
            5 => {
                let end = ["Succeed", "Fail"][next(2)];
                json!({ "Type": end })
            }
            6 => {
                let branches: Vec<Value> = (0..1 + next(3))
                    .map(|b| {
                        random_machine(
                            seed.wrapping_add(b as u64 * 7919),
                            1 + next(4),
                            depth + 1,
                            names,
                        )
                    })
                    .collect();
                json!({"Type": "Parallel", "Branches": branches})
            }
            _ => {
                json!({"Type": "Map", "ItemProcessor": random_machine(seed.wrapping_mul(31), 1 + next(4), depth + 1, names)})
            }
        };
        let ty = s["Type"].as_str().unwrap_or("").to_string();
        if matches!(ty.as_str(), "Task" | "Pass" | "Wait" | "Parallel" | "Map") {
            if i + 1 < n && next(5) > 0 {
                s["Next"] = target(if next(4) == 0 { next(n) } else { i + 1 });
            } else {
                s["End"] = json!(true);
            }
        }
        if matches!(ty.as_str(), "Task" | "Parallel" | "Map") && next(3) == 0 {
            s["Catch"] = json!([{"ErrorEquals": ["States.ALL"], "Next": target(next(n))}]);
        }
        if ty == "Task" && next(3) == 0 {
            s["Retry"] = json!([{"ErrorEquals": ["States.Timeout"], "MaxAttempts": 1 + next(5)}]);
        }
        states.insert(name(i), s);
    }
    json!({"StartAt": name(0), "States": states})
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    /// The layout's invariants (render.rs's `check_drawing`: the SVG parses, ids are unique,
    /// text and labels inside the drawing, no label on a box, no boxes overlapping, edges end
    /// at their boxes) hold on random graphs, both directions.
    #[test]
    fn random_graphs_keep_the_layout_invariants(seed in any::<u64>(), n in 1usize..16) {
        use stepscope::pipeline::Direction;
        let text = serde_json::to_string_pretty(&random_machine(seed, n, 0, &mut 0)).unwrap_or_default();
        for direction in [Direction::TopToBottom, Direction::LeftToRight] {
            let r = crate::render::draw(&text, direction);
            prop_assert!(r.is_some(), "not drawn:\n{text}");
            if let Some(r) = r {
                let checked = crate::render::check_drawing(&r);
                prop_assert!(checked.is_ok(), "{direction:?}: {}\n{text}", checked.err().unwrap_or_default());
            }
        }
    }
}

/// JSONata made of random tokens: the checker and jsonata-core's parser (the oracle) agree on
/// what parses, and the checker never panics.
#[test]
fn the_jsonata_checker_agrees_with_the_parser_on_random_tokens() {
    use stepscope::asl::{check_jsonata, Jsonata};
    const WORDS: [&str; 52] = [
        "a",
        "b",
        "$x",
        "$",
        "1",
        "2.5",
        "\"s\"",
        "true",
        ".",
        "[",
        "]",
        "(",
        ")",
        "{",
        "}",
        ",",
        ":",
        ";",
        "+",
        "-",
        "*",
        "**",
        "%",
        "@",
        "#",
        "^",
        "?",
        "?:",
        "??",
        ":=",
        "~>",
        "|",
        "function",
        "<",
        ">",
        "=",
        "and",
        "/re/",
        "..",
        "$f",
        "function($v){$v}",
        "<n-n>",
        "λ",
        "`b c`",
        "[]",
        "0",
        "null",
        "or",
        "!=",
        "&",
        "/",
        "'q'",
    ];
    let mut runner = proptest::test_runner::TestRunner::new(ProptestConfig {
        cases: 20000,
        ..ProptestConfig::default()
    });
    let found = std::cell::RefCell::new(Vec::new());
    runner
        .run(&proptest::collection::vec(0..WORDS.len(), 1..14), |picks| {
            let body: Vec<&str> = picks.iter().map(|&i| WORDS[i]).collect();
            let body = body.join(" ");
            // Between two slashes the checker scans a regular expression as jsonata-js (the
            // service) does, bracket-aware and with only the flags i and m; jsonata-core does
            // not. Those are compared on the suite and the corpus, not here.
            if body.matches('/').count() > 1 {
                return Ok(());
            }
            let oracle = jsonata_core::parser::parse(&body).is_ok();
            let ours = matches!(check_jsonata(&format!("{{% {body} %}}")), Jsonata::Valid);
            if oracle != ours {
                found
                    .borrow_mut()
                    .push(format!("{body:?}: parser {oracle}, checker {ours}"));
            }
            Ok(())
        })
        .expect("neither parser panics");
    let mut disagree = found.into_inner();
    disagree.sort();
    disagree.dedup();
    assert!(
        disagree.is_empty(),
        "{} disagree:\n{}",
        disagree.len(),
        disagree.join("\n")
    );
}

/// Long and deep JSONata is checked in linear time and refused past jsonata-core's limits, as
/// jsonata-core refuses it, without overflowing the stack.
#[test]
fn long_and_deep_jsonata_is_checked_and_bounded() {
    use stepscope::asl::{check_jsonata, Jsonata};
    let wrap = |body: String| format!("{{% {body} %}}");
    let agree = |body: String| {
        let oracle = jsonata_core::parser::parse(&body).is_ok();
        let ours = matches!(check_jsonata(&wrap(body.clone())), Jsonata::Valid);
        assert_eq!(ours, oracle, "{}…", &body[..body.len().min(60)]);
    };
    // Chains under and over jsonata-core's 1,000.
    agree(vec!["a"; 900].join("."));
    agree(vec!["a"; 1200].join("."));
    agree(vec!["1"; 900].join("+"));
    agree(vec!["1"; 1200].join("+"));
    agree(vec!["%"; 900].join("+"));
    agree(format!("a{}", ".%".repeat(400)));
    // Wide is fine: 100,000 items in one array.
    agree(format!("[{}]", vec!["1"; 100_000].join(",")));
    // Deep nesting past the checker's stack bound is refused, not a crash.
    let deep = format!("{}1{}", "(".repeat(20_000), ")".repeat(20_000));
    assert!(matches!(check_jsonata(&wrap(deep)), Jsonata::Invalid(_)));
    let deep = format!("{}1{}", "[".repeat(20_000), "]".repeat(20_000));
    assert!(matches!(check_jsonata(&wrap(deep)), Jsonata::Invalid(_)));
    // A megabyte of path is refused quickly (a quadratic check would take minutes).
    assert!(matches!(
        check_jsonata(&wrap(vec!["ab"; 350_000].join("."))),
        Jsonata::Invalid(_)
    ));
}

/// Cases a review found, with the answer the service (jsonata-js) gives; where jsonata-core
/// agrees, it is asked too.
#[test]
fn jsonata_review_cases() {
    use stepscope::asl::{check_jsonata, Jsonata};
    let cases = [
        // A slash inside brackets does not end a regular expression (jsonata-core disagrees).
        ("$match(a, /[^/]+$/)", true, false),
        ("/a/g", false, false),
        ("a{'k': 1}.b{'j': 2}", false, true),
        ("a{'k': 1}^(x){'j': 2}", false, true),
        ("a.$x{'k': 1}[0]", true, true),
        ("a.*{'k': 1}[0]", true, true),
        ("function($x[0]){1}", false, true),
        ("function($x@$y){1}", false, true),
        ("a.undefined", true, true),
        ("undefined.x", true, true),
        ("'s'[%.x]", false, true),
        ("*[%.x]", false, true),
        ("Age.function($x, $y)<n-n:n>{$x + $y}(6)", true, true),
    ];
    for (body, valid, ask_oracle) in cases {
        let ours = matches!(check_jsonata(&format!("{{% {body} %}}")), Jsonata::Valid);
        assert_eq!(ours, valid, "{body}");
        if ask_oracle {
            assert_eq!(
                jsonata_core::parser::parse(body).is_ok(),
                valid,
                "oracle on {body}"
            );
        }
    }
}

/// Random machines the property test above once failed on, kept as fixed cases.
#[test]
fn random_graphs_that_once_failed_keep_the_layout_invariants() {
    use stepscope::pipeline::Direction;
    for (seed, n) in [(13_558_959_927_463_745_020u64, 2usize)] {
        let text =
            serde_json::to_string_pretty(&random_machine(seed, n, 0, &mut 0)).unwrap_or_default();
        for direction in [Direction::TopToBottom, Direction::LeftToRight] {
            let r = crate::render::draw(&text, direction).expect("drawn");
            if let Err(e) = crate::render::check_drawing(&r) {
                std::fs::write("/tmp/fail_machine.json", &text).ok();
                panic!("{direction:?}: {e}");
            }
        }
    }
}
