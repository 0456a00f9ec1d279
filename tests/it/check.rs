//! Definitions: input forms, the model, diagnostics, the `check` CLI, and the shared corpus.

use crate::cli::stepscope;
use crate::support::{corpus, files, repo};
use std::path::Path;
use stepscope::diag::Severity;
use stepscope::pipeline::{analyze, analyze_machine, Analysis};
use stepscope::source::{LineIndex, SourceText};

fn check_file(path: &Path) -> Analysis {
    let text = String::from_utf8_lossy(&std::fs::read(path).unwrap_or_default()).into_owned();
    analyze(&SourceText::new(path.display().to_string(), text))
}

fn errors(a: &Analysis) -> Vec<&'static str> {
    a.diagnostics
        .iter()
        .filter(|d| d.severity == Severity::Error)
        .map(|d| d.code.as_str())
        .collect()
}

fn fixtures(kind: &str) -> Vec<std::path::PathBuf> {
    let list = files(&repo().join("tests/fixtures/definitions").join(kind), &[]);
    assert!(list.len() >= 8, "too few {kind} fixtures");
    list
}

#[test]
fn ok_fixtures_have_no_errors_and_a_model() {
    for path in fixtures("ok") {
        let a = check_file(&path);
        assert!(
            errors(&a).is_empty(),
            "{}: {:#?}",
            path.display(),
            a.diagnostics
        );
        let m = a
            .machine
            .as_ref()
            .unwrap_or_else(|| panic!("{}: no model", path.display()));
        assert!(!m.states.is_empty(), "{}", path.display());
    }
}

#[test]
fn err_fixtures_report_the_code_in_their_name() {
    for path in fixtures("err") {
        let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
        let code = name
            .split("--")
            .next()
            .unwrap_or("")
            .split('.')
            .next()
            .unwrap_or("");
        let a = check_file(&path);
        assert!(
            errors(&a).contains(&code),
            "{name}: expected error {code}, got {:#?}",
            a.diagnostics
        );
    }
}

/// Every diagnostic of every definition fixture, pinned: line, column, severity and code, so an
/// extra or a moved one fails too. `STEPSCOPE_BLESS=1 cargo test --test it fixture_diagnostics`
/// rewrites the file; read its diff before committing it.
#[test]
fn fixture_diagnostics_are_pinned() {
    let mut got = String::new();
    for kind in ["err", "ok"] {
        for path in fixtures(kind) {
            let text =
                String::from_utf8_lossy(&std::fs::read(&path).unwrap_or_default()).into_owned();
            let a = check_file(&path);
            let index = LineIndex::new(&text);
            got.push_str(&format!(
                "== {kind}/{}\n",
                path.file_name().and_then(|n| n.to_str()).unwrap_or("")
            ));
            for d in &a.diagnostics {
                let (line, col) = d.line_col(&text, &index);
                got.push_str(&format!(
                    "{line}:{col} {} {}\n",
                    d.severity.as_str(),
                    d.code
                ));
            }
        }
    }
    let file = repo().join("tests/fixtures/definitions/diagnostics.txt");
    if std::env::var_os("STEPSCOPE_BLESS").is_some() {
        std::fs::write(&file, &got).unwrap();
    }
    let want = std::fs::read_to_string(&file).unwrap_or_default();
    if got != want {
        let diff: Vec<String> = diff_lines(&want, &got);
        panic!(
            "fixture diagnostics differ from {} (- pinned, + now):\n{}",
            file.display(),
            diff.join("\n")
        );
    }
}

/// The lines only one of two texts has, marked `-` (only in `a`) or `+` (only in `b`), under
/// the `==` header of their section.
fn diff_lines(a: &str, b: &str) -> Vec<String> {
    let sections = |t: &str| -> Vec<(String, Vec<String>)> {
        let mut out: Vec<(String, Vec<String>)> = Vec::new();
        for line in t.lines() {
            if line.starts_with("== ") {
                out.push((line.to_string(), Vec::new()));
            } else if let Some(last) = out.last_mut() {
                last.1.push(line.to_string());
            }
        }
        out
    };
    let (sa, sb) = (sections(a), sections(b));
    let mut out = Vec::new();
    let heads: std::collections::BTreeSet<&String> =
        sa.iter().chain(sb.iter()).map(|(h, _)| h).collect();
    for h in heads {
        let la = sa
            .iter()
            .find(|(x, _)| x == h)
            .map(|(_, l)| l.clone())
            .unwrap_or_default();
        let lb = sb
            .iter()
            .find(|(x, _)| x == h)
            .map(|(_, l)| l.clone())
            .unwrap_or_default();
        if la == lb {
            continue;
        }
        out.push(h.clone());
        out.extend(
            la.iter()
                .filter(|l| !lb.contains(l))
                .map(|l| format!("- {l}")),
        );
        out.extend(
            lb.iter()
                .filter(|l| !la.contains(l))
                .map(|l| format!("+ {l}")),
        );
    }
    out
}

#[test]
fn forms_are_detected() {
    let dir = repo().join("tests/fixtures/definitions/ok");
    for (file, form) in [
        ("jsonata.asl.json", "asl-json"),
        ("anchors.asl.yaml", "asl-yaml"),
        ("describe-state-machine.json", "describe-state-machine"),
        ("sam-sub.template.yaml", "sam"),
        ("cfn-join.template.json", "cloudformation"),
        ("serverless.yml", "serverless"),
        ("main.tf", "terraform"),
    ] {
        assert_eq!(check_file(&dir.join(file)).form.as_str(), form, "{file}");
    }
}

#[test]
fn templates_with_several_machines_can_be_picked() {
    let path = repo().join("tests/fixtures/definitions/ok/sam-sub.template.yaml");
    let text = std::fs::read_to_string(&path).unwrap_or_default();
    let first = analyze(&SourceText::new("t", text.clone()));
    assert_eq!(
        first.machines,
        vec!["First".to_string(), "Second".to_string()]
    );
    // The first machine's Resource came from a literal DefinitionSubstitution.
    let m = first.machine.expect("first machine");
    let call = m.find("Call").expect("Call");
    match &call.kind {
        stepscope::asl::StateKind::Task(t) => {
            assert_eq!(
                t.resource.arn,
                "arn:aws:lambda:us-east-1:123456789012:function:hello"
            );
            assert_eq!(t.resource.pattern, stepscope::asl::Integration::LambdaArn);
        }
        other => panic!("Call is {other:?}"),
    }
    // The second keeps its unknown placeholder visible, as a warning.
    let second = analyze_machine(&SourceText::new("t", text.clone()), Some("Second"));
    assert_eq!(second.selected, 1);
    let go = second
        .machine
        .as_ref()
        .and_then(|m| m.find("Go"))
        .expect("Go");
    assert!(
        matches!(&go.kind, stepscope::asl::StateKind::Task(t) if t.resource.arn == "${Unknown}")
    );
    assert!(second
        .diagnostics
        .iter()
        .any(|d| d.code == "placeholder" && d.severity == Severity::Warning));
    // A placeholder in a DefinitionString points at its line in the template.
    let d = second
        .diagnostics
        .iter()
        .find(|d| d.code == "placeholder")
        .expect("placeholder");
    let (line, _) = d.line_col(&text, &LineIndex::new(&text));
    assert_eq!(line, 23, "placeholder line");
    let missing = analyze_machine(&SourceText::new("t", text), Some("Nope"));
    assert!(errors(&missing).contains(&"unknown-machine"));
}

#[test]
fn diagnostics_point_at_line_and_column() {
    let dir = repo().join("tests/fixtures/definitions/err");
    for (file, code, line, col) in [
        ("syntax--trailing-comma.asl.json", "syntax", 5, 3),
        ("next-and-end.asl.yaml", "next-and-end", 6, 5),
        (
            "unknown-next-target--describe.json",
            "unknown-next-target",
            5,
            118,
        ),
    ] {
        let text = std::fs::read_to_string(dir.join(file)).unwrap_or_default();
        let a = analyze(&SourceText::new(file, text.clone()));
        let d = a
            .diagnostics
            .iter()
            .find(|d| d.code == code)
            .unwrap_or_else(|| panic!("{file}: no {code}"));
        assert_eq!(
            d.line_col(&text, &LineIndex::new(&text)),
            (line, col),
            "{file}"
        );
        // The span covers the offending text: here, the state name 'Missing'.
        if code == "unknown-next-target" {
            let span = d.span.expect("span");
            assert_eq!(&text[span.start..span.end], "\\\"Missing\\\"");
        }
    }
}

#[test]
fn every_problem_is_reported_not_just_the_first() {
    let text = r#"{"StartAt": "A", "States": {
        "A": {"Type": "Pass", "Next": "Nope"},
        "B": {"Type": "Wait", "Next": "A"},
        "C": {"Type": "Bogus"}
    }}"#;
    let a = analyze(&SourceText::new("x", text));
    let codes = errors(&a);
    for want in [
        "unknown-next-target",
        "wait-duration",
        "unreachable-state",
        "unknown-type",
        "no-terminal-state",
    ] {
        assert!(codes.contains(&want), "missing {want} in {codes:?}");
    }
    assert!(
        a.machine.is_some(),
        "the model comes back alongside the diagnostics"
    );
}

fn exceptions() -> Vec<(String, bool)> {
    let text = std::fs::read_to_string(repo().join("tests/fixtures/corpus-exceptions.txt"))
        .unwrap_or_default();
    text.lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
        .map(|l| {
            let mut parts = l.split('|').map(str::trim);
            let path = parts.next().unwrap_or("").to_string();
            let has_errors = parts.next() == Some("errors");
            (path, has_errors)
        })
        .collect()
}

#[test]
fn corpus_definitions_agree_with_their_folder() {
    let Some(corpus) = corpus() else { return };
    let root = corpus.join("definitions");
    let exceptions = exceptions();
    let (mut valid, mut valid_ok, mut invalid, mut invalid_flagged) = (0, 0, 0, 0);
    let mut wrong = Vec::new();
    for path in files(&root, &[".json", ".yaml", ".yml"]) {
        let rel = path
            .strip_prefix(&root)
            .unwrap_or(&path)
            .to_string_lossy()
            .replace('\\', "/");
        let expect_errors = if rel.starts_with("valid/") {
            valid += 1;
            false
        } else if rel.starts_with("invalid/") {
            invalid += 1;
            true
        } else {
            continue;
        };
        let a = check_file(&path);
        let has_errors = a.has_errors();
        if has_errors == expect_errors {
            if expect_errors {
                invalid_flagged += 1
            } else {
                valid_ok += 1
            }
        }
        let expected = exceptions
            .iter()
            .find(|(p, _)| *p == rel)
            .map_or(expect_errors, |(_, e)| *e);
        if has_errors != expected {
            wrong.push(format!("{rel}: errors={has_errors} {:?}", errors(&a)));
        }
        if has_errors {
            // Every error in the corpus points at a real place.
            assert!(
                a.diagnostics.iter().any(|d| d.span.is_some()),
                "{rel}: errors without a place"
            );
        }
    }
    eprintln!(
        "corpus: {valid_ok}/{valid} valid accepted, {invalid_flagged}/{invalid} invalid flagged"
    );
    assert!(
        wrong.is_empty(),
        "disagreements not in corpus-exceptions.txt:\n{}",
        wrong.join("\n")
    );
    assert!(invalid_flagged >= 71, "{invalid_flagged} invalid flagged");
    assert!(
        exceptions.len() * 100 <= (valid + invalid) * 3,
        "too many exceptions"
    );
}

#[test]
fn corpus_templates_yield_machines_or_clear_messages() {
    let Some(corpus) = corpus() else { return };
    let clear = [
        "definition-in-file",
        "no-definition",
        "terraform-jsonencode",
        "no-state-machine",
        "syntax",
    ];
    let (mut total, mut with_machine) = (0, 0);
    for path in files(&corpus.join("templates"), &[]) {
        total += 1;
        let a = check_file(&path);
        if a.machine.is_some() {
            with_machine += 1;
            continue;
        }
        let codes = errors(&a);
        assert!(
            codes.iter().any(|c| clear.contains(c)),
            "{}: {:#?}",
            path.display(),
            a.diagnostics
        );
    }
    eprintln!("templates: {with_machine}/{total} yield a machine; the rest give a message");
    assert!(with_machine >= 6, "{with_machine}");
}

#[test]
fn no_corpus_file_panics() {
    // Histories, API responses and logs are not definitions: they must still come back calmly.
    let Some(corpus) = corpus() else { return };
    let mut n = 0;
    for path in files(&corpus, &[]) {
        let a = check_file(&path);
        n += 1;
        if a.machine.is_none() {
            assert!(
                !a.diagnostics.is_empty(),
                "{}: no model and no diagnostic",
                path.display()
            );
        }
    }
    assert!(n > 2000, "{n}");
}

#[test]
fn cli_check_text_json_and_exit_codes() {
    let ok = repo().join("tests/fixtures/definitions/ok/jsonata.asl.json");
    let err = repo().join("tests/fixtures/definitions/err/next-and-end.asl.yaml");
    let (code, out, _) = stepscope(&["check", ok.to_str().unwrap_or("")]);
    assert_eq!((code, out.as_str()), (0, ""));
    let (code, out, _) = stepscope(&[
        "check",
        ok.to_str().unwrap_or(""),
        err.to_str().unwrap_or(""),
    ]);
    assert_eq!(code, 1);
    let line = out.lines().next().unwrap_or("");
    assert!(
        line.ends_with(
            "6:5: error[next-and-end]: state 'A' has both 'Next' and 'End'; use exactly one"
        ),
        "{line}"
    );
    let (code, out, _) = stepscope(&["check", "--format", "json", err.to_str().unwrap_or("")]);
    assert_eq!(code, 1);
    let v: serde_json::Value = serde_json::from_str(&out).expect("json");
    let r = &v[0];
    assert_eq!(r["form"], "asl-yaml");
    assert_eq!(r["valid"], false);
    let d = &r["diagnostics"][0];
    assert_eq!(
        (
            d["code"].as_str(),
            d["severity"].as_str(),
            d["line"].as_u64(),
            d["column"].as_u64()
        ),
        (Some("next-and-end"), Some("error"), Some(6), Some(5))
    );
    assert_eq!(d["path"], "/States/A/End");
    let (code, _, err_out) = stepscope(&["check", "/nonexistent/file.json"]);
    assert_eq!(code, 2, "{err_out}");
    let sam = repo().join("tests/fixtures/definitions/ok/sam-sub.template.yaml");
    let (code, out, _) = stepscope(&["check", "--machine", "Second", sam.to_str().unwrap_or("")]);
    assert_eq!(code, 0);
    assert!(out.contains("warning[placeholder]"), "{out}");
}

#[test]
fn every_corpus_template_reads_as_libyaml_reads_it() {
    let Some(corpus) = corpus() else { return };
    let mut read = 0;
    for path in files(&corpus.join("templates"), &[".yaml", ".yml", ".json"]) {
        let a = check_file(&path);
        let syntax: Vec<_> = a
            .diagnostics
            .iter()
            .filter(|d| d.code == "syntax")
            .collect();
        assert!(syntax.is_empty(), "{}: {:?}", path.display(), syntax);
        assert_ne!(
            a.form.label(),
            "ASL · YAML",
            "{} is a template",
            path.display()
        );
        read += 1;
    }
    assert!(read >= 60, "{read} templates");
}

#[test]
fn a_template_that_breaks_partway_is_still_a_template() {
    let text = "AWSTemplateFormatVersion: '2010-09-09'\nTransform: AWS::Serverless-2016-10-31\nResources:\n  M:\n    Type: AWS::Serverless::StateMachine\n    Properties:\n      Definition: {StartAt: A\n";
    let a = stepscope::pipeline::analyze(&stepscope::source::SourceText::new("t", text));
    let label = stepscope::view::form_label(&a, text);
    assert!(
        label.starts_with("SAM template · YAML error at "),
        "{label}"
    );
}

/// Every code is in the README's table of diagnostic codes, which tools that read
/// `stepscope check --format json` rely on.
#[test]
fn every_code_is_documented() {
    let readme = std::fs::read_to_string(crate::support::repo().join("README.md")).unwrap();
    let table = readme
        .split("### Diagnostic codes")
        .nth(1)
        .and_then(|rest| rest.split("\n#").next())
        .expect("README has a '### Diagnostic codes' section");
    let missing: Vec<&str> = stepscope::diag::DiagnosticCode::ALL
        .iter()
        .map(|c| c.as_str())
        .filter(|c| !table.contains(&format!("`{c}`")))
        .collect();
    assert!(
        missing.is_empty(),
        "codes missing from the README: {missing:?}"
    );
}

/// A replay's diagnostics come back from the worker with their codes unchanged, whatever they are.
#[test]
fn every_code_crosses_the_worker_unchanged() {
    use stepscope::diag::{Diagnostic, DiagnosticCode};
    let hist = std::fs::read_to_string(
        crate::support::repo().join("src/demo/order-processing.history.json"),
    )
    .unwrap();
    let mut run =
        stepscope::pipeline::replay(&stepscope::source::SourceText::new("h", hist), None).unwrap();
    run.diagnostics = DiagnosticCode::ALL
        .iter()
        .map(|&c| Diagnostic::warning(c, "m", "", None))
        .collect();
    let back = stepscope::wire::decode_replay(&stepscope::wire::encode_replay(&run)).unwrap();
    let codes: Vec<DiagnosticCode> = back.diagnostics.iter().map(|d| d.code).collect();
    assert_eq!(codes, DiagnosticCode::ALL.to_vec());
}

/// One rule for unknown fields, the README's, in states, retriers and catchers alike: a warning,
/// or an error when it looks like a typo of a real field.
#[test]
fn unknown_fields_follow_one_rule_everywhere() {
    use stepscope::diag::Severity;
    let task = |extra: &str| {
        format!(
            r#"{{"StartAt":"T","States":{{"T":{{"Type":"Task","Resource":"arn:aws:states:::lambda:invoke","End":true,{extra}}}}}}}"#
        )
    };
    for (text, severity) in [
        (task(r#""Flavour":1"#), Severity::Warning),
        (
            task(r#""Retry":[{"ErrorEquals":["States.ALL"],"Flavour":1}]"#),
            Severity::Warning,
        ),
        (
            task(r#""Catch":[{"ErrorEquals":["States.ALL"],"Next":"T","Flavour":1}]"#),
            Severity::Warning,
        ),
        (task(r#""TimeoutSecond":1"#), Severity::Error),
        (
            task(r#""Retry":[{"ErrorEquals":["States.ALL"],"MaxAttempt":1}]"#),
            Severity::Error,
        ),
        (
            task(r#""Catch":[{"ErrorEquals":["States.ALL"],"Next":"T","ResultPth":"$.e"}]"#),
            Severity::Error,
        ),
    ] {
        let a =
            stepscope::pipeline::analyze(&stepscope::source::SourceText::new("t", text.as_str()));
        let d: Vec<_> = a
            .diagnostics
            .iter()
            .filter(|d| d.code == "unknown-field")
            .collect();
        assert_eq!(d.len(), 1, "{text}: {:?}", a.diagnostics);
        assert_eq!(d[0].severity, severity, "{text}");
    }
}

/// JSONPath inside a JSONata expression is an error, at the expression, saying what to write.
#[test]
fn jsonpath_filters_in_jsonata_are_errors() {
    let def = r#"{"QueryLanguage": "JSONata", "StartAt": "P", "States": {"P": {"Type": "Pass", "Output": "{% $.store.book[?(@.price < 10)].title %}", "End": true}}}"#;
    let a = analyze(&SourceText::new("t", def));
    let d = a
        .diagnostics
        .iter()
        .find(|d| d.code == "invalid-jsonata")
        .unwrap_or_else(|| panic!("{:?}", a.diagnostics));
    assert!(d.message.contains("JSONPath filter"), "{}", d.message);
    assert_eq!(d.line_col(def, &LineIndex::new(def)), (1, 89));
}

/// A definition analysed in the worker reaches the page whole: every corpus definition and
/// template (and the demo) comes back from the wire form equal to what was sent, name index
/// included, and a damaged message reads as nothing rather than as part of a machine.
#[test]
fn every_analysis_crosses_the_worker_whole() {
    let mut paths = vec![repo().join("src/demo/order-processing.asl.json")];
    if let Some(c) = corpus() {
        paths.extend(files(&c.join("definitions"), &[".json", ".yaml", ".yml"]));
        paths.extend(files(&c.join("templates"), &[]));
    }
    let mut machines = 0;
    for p in &paths {
        let a = check_file(p);
        let bytes = stepscope::wire::encode_analysis(&a);
        let back = stepscope::wire::decode_analysis(&bytes)
            .unwrap_or_else(|| panic!("{} did not decode", p.display()));
        assert_eq!(back, a, "{}", p.display());
        if let Some(m) = &back.machine {
            machines += 1;
            if let Some(s) = m.states.last() {
                assert_eq!(
                    m.find(&s.name).map(|f| f.name.as_str()),
                    Some(s.name.as_str())
                );
            }
        }
        if bytes.len() > 8 {
            assert!(stepscope::wire::decode_analysis(&bytes[..bytes.len() / 2]).is_none());
        }
    }
    assert!(machines > 500 || corpus().is_none(), "{machines} machines");
}
