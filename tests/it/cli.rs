//! The `stepscope` binary, run as a user would.

use std::process::Command;

pub fn stepscope(args: &[&str]) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_stepscope"))
        .args(args)
        .output()
        .expect("run stepscope");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn help_and_version() {
    let (code, out, _) = stepscope(&["--help"]);
    assert_eq!(code, 0);
    assert!(out.contains("Usage:"), "{out}");
    let (code, out, _) = stepscope(&["--version"]);
    assert_eq!(code, 0);
    assert_eq!(
        out.trim(),
        format!("stepscope {}", env!("CARGO_PKG_VERSION"))
    );
}

#[test]
fn unknown_command_is_a_usage_error() {
    let (code, _, err) = stepscope(&["frobnicate"]);
    assert_eq!(code, 2);
    assert!(err.contains("unknown command"), "{err}");
}

#[test]
fn subcommands_without_a_file_are_usage_errors() {
    for cmd in ["check", "render", "timeline"] {
        let (code, _, err) = stepscope(&[cmd]);
        assert_eq!(code, 2, "{cmd}: {err}");
        assert!(err.contains("FILE"), "{cmd}: {err}");
    }
    let (code, _, err) = stepscope(&["render", "--format", "png", "x.json"]);
    assert_eq!(code, 2);
    assert!(err.contains("--format must be svg or json"), "{err}");
}

#[test]
fn link_prints_a_url_that_opens_the_same_view() {
    let def = crate::support::repo().join("src/demo/order-processing.asl.json");
    let hist = crate::support::repo().join("src/demo/order-processing.history.json");
    let (code, out, err) = stepscope(&[
        "link",
        def.to_str().unwrap_or(""),
        "--history",
        hist.to_str().unwrap_or(""),
        "--at",
        "14750",
        "--select",
        "ChargeCard",
        "--base",
        "https://example.org/stepscope/",
    ]);
    assert_eq!(code, 0, "{err}");
    let url = out.trim();
    let (base, fragment) = url.split_once('#').expect("a fragment");
    assert_eq!(base, "https://example.org/stepscope/");
    assert!(err.contains("characters"), "{err}");
    let back = stepscope::share::decode_fragment(fragment).expect("decodes");
    assert_eq!(
        (back.t, back.sel.as_deref()),
        (Some(14750), Some("ChargeCard"))
    );
    assert!(back.history.is_some() && back.definition.is_some());
    // The default base is what `make serve` serves.
    let (_, out, _) = stepscope(&["link", def.to_str().unwrap_or("")]);
    assert!(out.starts_with("http://127.0.0.1:8080/#d=2"), "{out}");
    // Link options belong to link.
    let (code, _, err) = stepscope(&["check", def.to_str().unwrap_or(""), "--at", "5"]);
    assert_eq!(code, 2, "{err}");
}

/// `stepscope test` runs every case of a MockConfigFile against its expectations: the example's
/// three cases (retries, a caught error, a Choice), one of them wrong on purpose.
#[test]
fn test_runs_every_mock_case() {
    let (code, out, err) = stepscope(&[
        "test",
        "examples/simulate/order.asl.json",
        "--mock-config",
        "examples/simulate/order.mocks.json",
        "--expect",
        "examples/simulate/order.expect.json",
    ]);
    assert_eq!(code, 1, "{out}{err}");
    assert!(out.contains("ok   RetriesThenShips: SUCCEEDED"), "{out}");
    assert!(
        out.contains("ok   CardDeclined: FAILED · OrderDeclined: insufficient funds"),
        "{out}"
    );
    assert!(out.contains("FAIL OutOfStock: visited ChargeCard → InStock? → Refund (expected ChargeCard → InStock? → Ship)"), "{out}");
    assert!(out.trim_end().ends_with("2 passed, 1 failed"), "{out}");
    // simulate prints a history `stepscope timeline` reads; record turns it back into a case.
    let (code, hist, _) = stepscope(&[
        "simulate",
        "examples/simulate/order.asl.json",
        "--mock-config",
        "examples/simulate/order.mocks.json",
        "--test-case",
        "CardDeclined",
        "--input",
        "{\"order\":2}",
    ]);
    assert_eq!(code, 0);
    let dir = std::env::temp_dir().join(format!("stepscope-sim-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let h = dir.join("run.json");
    std::fs::write(&h, &hist).unwrap();
    let (code, text, _) = stepscope(&["timeline", h.to_str().unwrap(), "--format", "text"]);
    assert_eq!(code, 0);
    assert!(text.starts_with("FAILED"), "{text}");
    let (code, case, _) = stepscope(&["record", h.to_str().unwrap()]);
    assert_eq!(code, 0);
    let case: serde_json::Value = serde_json::from_str(&case).unwrap();
    assert_eq!(case["stepscopeCase"], 1);
    assert_eq!(case["input"], serde_json::json!({"order": 2}));
    assert_eq!(
        case["mockConfig"]["MockedResponses"]["ChargeCard"]["0"]["Throw"]["Error"],
        "CardDeclined"
    );
    let (code, _, err) = stepscope(&["simulate", "no-such-file.json"]);
    assert_eq!(code, 2, "{err}");
}
