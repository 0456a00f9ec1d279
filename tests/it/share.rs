//! Share links: round trips, hostile input, the committed payloads of every version, lengths.

use crate::support::repo;
use stepscope::share::{
    decode_fragment, definition_text, encode_fragment, Redaction, Shared, ViewMode,
};

fn visits(history: &str, definition: &str) -> Vec<(String, String, i64, Option<i64>, usize)> {
    let a = stepscope::pipeline::analyze(&stepscope::source::SourceText::new("d", definition));
    let r = stepscope::pipeline::replay(
        &stepscope::source::SourceText::new("h", history),
        a.machine.as_ref(),
    );
    r.expect("replays")
        .timeline
        .visits
        .iter()
        .map(|v| {
            (
                v.state.clone(),
                v.outcome.as_str().to_string(),
                v.entered_ms,
                v.exited_ms,
                v.attempts.len(),
            )
        })
        .collect()
}

#[test]
fn the_demo_goes_through_a_link_and_back() {
    let def = stepscope::demo::DEFINITION;
    let hist = stepscope::demo::HISTORY;
    let shared = Shared {
        definition: Some(def.into()),
        history: Some(hist.into()),
        t: Some(14_750),
        sel: Some("Charge Card & co/é".into()),
        view: Some(ViewMode::Split),
        theme: Some("dark".into()),
        embed: true,
        mode: Some("heat".into()),
        title: Some("Order processing · v2 & co".into()),
        sim: None,
    };
    for redact in [Redaction::default(), Redaction::all()] {
        let fragment = encode_fragment(&shared, redact);
        let back = decode_fragment(&fragment).expect("decodes");
        assert_eq!(back.t, shared.t);
        assert_eq!(back.sel, shared.sel);
        assert_eq!((&back.mode, &back.title), (&shared.mode, &shared.title));
        assert_eq!(
            (back.view, back.theme.clone(), back.embed),
            (shared.view, shared.theme.clone(), true)
        );
        let d = back.definition.expect("definition");
        assert_eq!(d, definition_text(def, redact));
        let want: serde_json::Value = serde_json::from_str(def).expect("json");
        let got: serde_json::Value = serde_json::from_str(&d).expect("json");
        if !redact.accounts {
            assert_eq!(got, want);
        }
        // The run replays the same: every visit, outcome, time and try.
        assert_eq!(
            visits(&back.history.expect("history"), def),
            visits(hist, def),
            "{redact:?}"
        );
    }
    // Redacted: no account id and no payload survives.
    let fragment = encode_fragment(&shared, Redaction::all());
    let back = decode_fragment(&fragment).expect("decodes");
    let (d, h) = (
        back.definition.unwrap_or_default(),
        back.history.unwrap_or_default(),
    );
    assert!(!d.contains("123456789012") && !h.contains("123456789012"));
    assert!(!h.contains("ord-7f3a91"), "inputs and outputs are dropped");
}

#[test]
fn links_are_short() {
    let def = stepscope::demo::DEFINITION;
    let only = Shared {
        definition: Some(def.into()),
        ..Default::default()
    };
    let with_run = Shared {
        history: Some(stepscope::demo::HISTORY.into()),
        ..only.clone()
    };
    let a = encode_fragment(&only, Redaction::default()).len();
    let b = encode_fragment(&with_run, Redaction::all()).len();
    let plain = stepscope::share::plain_deflate_base64(def).len();
    println!("demo link: definition {a} chars (plain deflate {plain}), with redacted history {b}");
    assert!(a <= 1500, "{a}");
    assert!(b <= 3000, "{b}");
    assert!((a as f64) <= plain as f64 * 0.6, "{a} vs {plain}");
}

#[test]
fn every_committed_payload_version_still_opens() {
    let dir = repo().join("tests/fixtures/links");
    let mut n = 0;
    for entry in std::fs::read_dir(&dir).expect("tests/fixtures/links") {
        let path = entry.expect("entry").path();
        if path.extension().and_then(|e| e.to_str()) != Some("txt") {
            continue;
        }
        n += 1;
        let fragment = std::fs::read_to_string(&path).expect("read");
        let back =
            decode_fragment(fragment.trim()).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        let def = back.definition.expect("definition");
        assert!(
            stepscope::pipeline::analyze(&stepscope::source::SourceText::new("d", def.as_str()))
                .machine
                .is_some()
        );
        if let Some(h) = back.history {
            assert!(!visits(&h, &def).is_empty(), "{}", path.display());
        }
    }
    assert!(n >= 3, "no committed payloads");
    // Both versions of the demo's definition open to the same text.
    let open = |f: &str| {
        let text = std::fs::read_to_string(dir.join(f)).expect("read");
        decode_fragment(text.trim()).expect("decodes").definition
    };
    assert!(open("v2-demo-definition.txt").is_some());
    assert_eq!(
        open("v1-demo-definition.txt"),
        open("v2-demo-definition.txt")
    );
}

/// Payload version 2 (a JSON definition's tokens) gives back exactly the text version 1 would
/// have, for every JSON definition and template of the corpus; links use it whenever it is
/// shorter, which it is for most (the rest are small files version 1's text dictionary suits).
#[test]
fn every_corpus_definition_goes_through_version_2_exactly() {
    let corpus = repo().join("../shared/corpus");
    let mut files = Vec::new();
    let mut stack = vec![corpus.join("definitions"), corpus.join("templates")];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).into_iter().flatten().flatten() {
            let p = e.path();
            if p.is_dir() {
                stack.push(p);
            } else if p.extension().and_then(|e| e.to_str()) == Some("json") {
                files.push(p);
            }
        }
    }
    let (mut json, mut v2) = (0, 0);
    for p in &files {
        let text = std::fs::read_to_string(p).expect("read");
        if serde_json::from_str::<serde_json::Value>(&text).is_err() {
            continue;
        }
        json += 1;
        let minified = definition_text(&text, Redaction::default());
        let fragment = encode_fragment(
            &Shared {
                definition: Some(text.clone()),
                ..Default::default()
            },
            Redaction::default(),
        );
        if fragment.starts_with("d=2") {
            v2 += 1;
        }
        let back = decode_fragment(&fragment).unwrap_or_else(|e| panic!("{}: {e}", p.display()));
        assert_eq!(
            back.definition.as_deref(),
            Some(minified.as_str()),
            "{}",
            p.display()
        );
    }
    assert!(
        json >= 100,
        "only {json} JSON files under {}",
        corpus.display()
    );
    assert!(v2 * 2 >= json, "version 2 for only {v2} of {json}");
}

#[test]
fn damaged_links_give_messages() {
    let good = encode_fragment(
        &Shared {
            definition: Some(stepscope::demo::DEFINITION.into()),
            ..Default::default()
        },
        Redaction::default(),
    );
    for bad in [
        good[..good.len() / 2].to_string(),
        good.replace("d=2", "d=9"),
        good.replace("d=2", "d=2!"),
        good.replace("d=2", "d=1"),
        "t=soon".to_string(),
        "view=sideways".to_string(),
        "sel=%E2%28".to_string(),
        "h=1AAAA".to_string(),
    ] {
        assert!(decode_fragment(&bad).is_err(), "{bad}");
    }
    // Unknown keys are ignored; an empty fragment is an empty view.
    assert_eq!(decode_fragment("#zzz=1&").expect("ok"), Shared::default());
}

mod props {
    use proptest::prelude::*;
    use stepscope::share::{
        decode_fragment, definition_text, encode_fragment, Redaction, Shared, ViewMode,
    };

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(200))]
        #[test]
        fn any_view_goes_through_a_link_and_back(
            def in proptest::option::of(".{0,300}"),
            t in proptest::option::of(-1_000_000i64..100_000_000),
            sel in proptest::option::of(".{0,40}"),
            view in proptest::option::of(0u8..3),
            dark in proptest::option::of(any::<bool>()),
            embed in any::<bool>(),
            mode in proptest::option::of(0u8..2),
            title in proptest::option::of("[^\u{0}]{1,40}"),
            sim in proptest::option::of((0u64..u64::MAX, proptest::option::of("[^\u{0}]{0,12}"), 0i64..1000)),
        ) {
            let shared = Shared {
                definition: def.clone(),
                history: None,
                t,
                sel,
                view: view.map(|v| [ViewMode::Graph, ViewMode::Timeline, ViewMode::Split][v as usize]),
                theme: dark.map(|d| if d { "dark".to_string() } else { "light".to_string() }),
                embed,
                mode: mode.map(|m| stepscope::share::MODES[m as usize].to_string()),
                title: title.clone(),
                sim: sim.clone().map(|(seed, test_case, n)| stepscope::share::SimCase {
                    input: format!("{{\"n\":{n}}}"),
                    mocks: if n % 2 == 0 { String::new() } else { "{\"StateMachines\":{}}".into() },
                    test_case,
                    seed,
                    overrides: if n % 3 == 0 { String::new() } else { format!("{{\"S\":{{\"latencyMs\":{n}}}}}") },
                }),
            };
            let back = decode_fragment(&encode_fragment(&shared, Redaction::default())).expect("decodes");
            prop_assert_eq!(back.definition, def.map(|d| definition_text(&d, Redaction::default())));
            prop_assert_eq!((back.t, back.sel, back.view, back.theme, back.embed), (shared.t, shared.sel, shared.view, shared.theme, shared.embed));
            prop_assert_eq!((back.mode, back.title), (shared.mode, shared.title));
        }

        #[test]
        fn the_decoder_never_panics(s in ".{0,400}") {
            let _ = decode_fragment(&s);
            let _ = decode_fragment(&format!("d=1{s}"));
            let _ = decode_fragment(&format!("d=2{s}"));
            let _ = decode_fragment(&format!("h=1{s}"));
        }

        #[test]
        fn changed_bytes_in_a_payload_never_panic(pos in 0usize..400, byte in 0u8..64) {
            let good = encode_fragment(&Shared { definition: Some(stepscope::demo::DEFINITION.into()), history: Some(stepscope::demo::HISTORY.into()), ..Default::default() }, Redaction::all());
            let mut b = good.into_bytes();
            let i = pos % b.len();
            b[i] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"[byte as usize];
            let _ = decode_fragment(&String::from_utf8_lossy(&b));
        }
    }
}

mod models {
    use proptest::prelude::*;
    use stepscope::share::{decode_fragment, encode_fragment, Redaction, Shared};

    /// A random machine: a chain of states of every simple type, with Choice rules and Catches
    /// that jump ahead, odd names and comments.
    fn machine() -> impl Strategy<Value = String> {
        proptest::collection::vec((0u8..6, "[a-zA-Z0-9 _.:/é&<>\"-]{1,12}", any::<u16>()), 1..14).prop_map(|states| {
            let n = states.len();
            let name = |i: usize, raw: &str| format!("{i}-{raw}");
            let names: Vec<String> = states.iter().enumerate().map(|(i, s)| name(i, &s.1)).collect();
            let mut out = serde_json::Map::new();
            for (i, (kind, _, seed)) in states.iter().enumerate() {
                let next = names.get(i + 1).cloned();
                let later = names[(i + 1 + (*seed as usize % n.max(1))).min(n - 1)].clone();
                let mut st = serde_json::Map::new();
                let last = next.is_none();
                match (kind, last) {
                    (_, true) | (5, _) => {
                        st.insert("Type".into(), "Succeed".into());
                    }
                    (0, _) => {
                        st.insert("Type".into(), "Pass".into());
                    }
                    (1, _) => {
                        st.insert("Type".into(), "Task".into());
                        st.insert("Resource".into(), "arn:aws:states:::lambda:invoke".into());
                        st.insert("Catch".into(), serde_json::json!([{ "ErrorEquals": ["States.ALL"], "Next": later }]));
                    }
                    (2, _) => {
                        st.insert("Type".into(), "Wait".into());
                        st.insert("Seconds".into(), (*seed % 600).into());
                    }
                    _ => {
                        st.insert("Type".into(), "Choice".into());
                        st.insert("Choices".into(), serde_json::json!([{ "Variable": "$.x", "NumericGreaterThan": *seed, "Next": later }]));
                        st.insert("Default".into(), next.clone().unwrap_or_default().into());
                    }
                }
                if !last && !matches!(kind, 3..=5) {
                    st.insert("Next".into(), next.clone().unwrap_or_default().into());
                }
                st.insert("Comment".into(), format!("state {i} of {n}").into());
                out.insert(names[i].clone(), serde_json::Value::Object(st));
            }
            serde_json::to_string_pretty(&serde_json::json!({ "StartAt": names[0], "States": out })).unwrap_or_default()
        })
    }

    fn shape(text: &str) -> Vec<(String, String, Vec<String>)> {
        let a = stepscope::pipeline::analyze(&stepscope::source::SourceText::new("d", text));
        let Some(m) = a.machine else {
            return Vec::new();
        };
        m.states
            .iter()
            .map(|s| {
                (
                    s.name.clone(),
                    s.kind.asl_type().to_string(),
                    m.transitions(s)
                        .iter()
                        .map(|(_, t)| t.name.clone())
                        .collect(),
                )
            })
            .collect()
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(120))]
        #[test]
        fn any_model_goes_through_a_link_and_back(def in machine()) {
            let before = shape(&def);
            prop_assert!(!before.is_empty());
            let shared = Shared { definition: Some(def), ..Default::default() };
            let back = decode_fragment(&encode_fragment(&shared, Redaction::default())).expect("decodes");
            prop_assert_eq!(shape(&back.definition.unwrap_or_default()), before);
        }
    }
}

/// A simulated run travels as what made it: its link holds `s=` and no `h=`, and opens to the
/// same case; its replay file says it was simulated, and carries the case beside the history.
#[test]
fn a_simulation_travels_as_its_case() {
    let case = stepscope::share::SimCase {
        input: "{\n  \"order\": 1\n}".into(),
        mocks: "{\"StateMachines\": {}}".into(),
        test_case: Some("RetriesThenShips".into()),
        seed: 7,
        overrides: "{\"ChargeCard\":{\"error\":\"CardDeclined\"}}".into(),
    };
    let shared = Shared {
        definition: Some(stepscope::demo::DEFINITION.into()),
        history: Some(stepscope::demo::HISTORY.into()),
        sim: Some(case.clone()),
        ..Default::default()
    };
    let fragment = encode_fragment(&shared, Redaction::all());
    assert!(
        fragment.split('&').any(|p| p.starts_with("s=")),
        "{fragment}"
    );
    assert!(
        !fragment.split('&').any(|p| p.starts_with("h=")),
        "{fragment}"
    );
    let back = decode_fragment(&fragment).expect("decodes");
    let got = back.sim.expect("the case");
    assert_eq!(got.input, "{\"order\":1}");
    assert_eq!((got.test_case, got.seed), (case.test_case.clone(), 7));
    assert_eq!(got.overrides, case.overrides);
    assert_eq!(back.history, None);
    let file = stepscope::share::replay_file(&shared);
    let v: serde_json::Value = serde_json::from_str(&file).expect("json");
    assert_eq!(v["runSource"], "simulated");
    assert_eq!(v["simulation"]["seed"], 7);
    let reopened = stepscope::share::open_file(&file)
        .expect("a replay file")
        .expect("opens");
    assert_eq!(reopened.sim.map(|c| c.seed), Some(7));
    assert!(reopened.history.is_some());
}
