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
  stepscope --help       print this help
  stepscope --version    print the version
";

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
            Some(other) => {
                eprintln!("stepscope: unknown command '{other}'\n\n{USAGE}");
                2
            }
        }
    }
}
