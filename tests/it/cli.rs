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
