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
    const USAGE: &str = "\
stepscope - see AWS Step Functions workflows and replay their runs

Usage:
  stepscope check [--format text|json] [--machine NAME] FILE...
      Check definitions (ASL JSON/YAML, describe-state-machine output, CloudFormation,
      SAM, Serverless or Terraform). Prints FILE:LINE:COL: SEVERITY[CODE]: MESSAGE.
      Exit status: 0 all valid, 1 any error, 2 a file could not be read.
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
    }

    fn parse_opts(args: &[String]) -> Result<Opts, String> {
        let mut o = Opts {
            format: "text".into(),
            machine: None,
            files: Vec::new(),
        };
        let mut it = args.iter();
        while let Some(a) = it.next() {
            match a.as_str() {
                "--format" => o.format = it.next().ok_or("--format needs a value")?.clone(),
                "--machine" => {
                    o.machine = Some(it.next().ok_or("--machine needs a value")?.clone())
                }
                s if s.starts_with("--format=") => o.format = s["--format=".len()..].to_string(),
                s if s.starts_with("--machine=") => {
                    o.machine = Some(s["--machine=".len()..].to_string())
                }
                s if s.starts_with("--") => return Err(format!("unknown option '{s}'")),
                _ => o.files.push(a.clone()),
            }
        }
        if !matches!(o.format.as_str(), "text" | "json") {
            return Err(format!("--format must be text or json, not '{}'", o.format));
        }
        Ok(o)
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
        let opts = match parse_opts(args) {
            Ok(o) => o,
            Err(e) => {
                eprintln!("stepscope check: {e}");
                return 2;
            }
        };
        if opts.files.is_empty() {
            eprintln!("stepscope check: no FILE given\n\n{USAGE}");
            return 2;
        }
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
                    "form": analysis.form.id(),
                    "valid": valid,
                    "machines": analysis.machines,
                    "diagnostics": analysis.diagnostics.iter().map(|d| diag_json(d, &text, &index)).collect::<Vec<_>>(),
                }));
            } else {
                for d in &analysis.diagnostics {
                    let (line, col) = d.line_col(&text, &index);
                    println!(
                        "{file}:{line}:{col}: {}[{}]: {}",
                        d.severity.as_str(),
                        d.code,
                        d.message
                    );
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

    /// Runs the CLI and returns its exit status.
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
            Some(other) => {
                eprintln!("stepscope: unknown command '{other}'\n\n{USAGE}");
                2
            }
        }
    }
}
