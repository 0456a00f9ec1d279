//! Prints the share-link payload (`d=` or `h=` value) of a file's text, as it is: the end-to-end
//! tests use it to build links no real run makes (a compact history of 310,000 events).
//! `cargo run --example payload -- FILE`

fn main() {
    let Some(path) = std::env::args().nth(1) else {
        eprintln!("usage: payload FILE");
        std::process::exit(2);
    };
    match std::fs::read_to_string(&path) {
        Ok(text) => println!("{}", stepscope::share::payload(&text)),
        Err(e) => {
            eprintln!("{path}: {e}");
            std::process::exit(2);
        }
    }
}
