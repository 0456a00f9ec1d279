//! A seeded, time-boxed mutation fuzzer over every reader the core has: definition forms,
//! history forms, link fragments and payloads, replay files, SVG metadata and what an embed's
//! host may `load`. Its seeds are the corpus plus the hostile cases of issue 14.
//!
//! `make test` runs it for a few seconds; `make fuzz` for as long as you like:
//! `STEPSCOPE_FUZZ_SECS=600 STEPSCOPE_FUZZ_SEED=7 cargo test --release --test fuzz -- --nocapture`.
//!
//! It fails on a panic, on an allocation past its memory cap (a counting allocator: live bytes
//! over `CAP` abort the case), on any case slower than `SLOW`, and on any output past a budget
//! in `stepscope::limits`. A failing input is written to `target/fuzz-failures/` with its seed.
#![cfg(not(target_arch = "wasm32"))]

use std::alloc::{GlobalAlloc, Layout, System};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use stepscope::limits::{MAX_EVENTS, MAX_EXPANDED_BYTES, MAX_STATES, MAX_TICKS};

/// The repository and corpus helpers the integration tests use.
#[path = "it/support.rs"]
mod support;
use stepscope::source::SourceText;

/// The most live heap the whole test may hold: its seeds and a case within every budget fit in
/// well under this (the peak is printed); an input that gets past a budget does not.
const CAP: usize = 1536 * 1024 * 1024;
/// The slowest a case may be in an unoptimised build before it counts as a hang.
const SLOW: Duration = Duration::from_secs(20);

struct Capped;
static LIVE: AtomicUsize = AtomicUsize::new(0);
static PEAK: AtomicUsize = AtomicUsize::new(0);
static OVER: AtomicBool = AtomicBool::new(false);

unsafe impl GlobalAlloc for Capped {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let now = LIVE.fetch_add(layout.size(), Ordering::Relaxed) + layout.size();
        PEAK.fetch_max(now, Ordering::Relaxed);
        if now > CAP {
            OVER.store(true, Ordering::Relaxed);
            LIVE.fetch_sub(layout.size(), Ordering::Relaxed);
            return std::ptr::null_mut();
        }
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        LIVE.fetch_sub(layout.size(), Ordering::Relaxed);
        unsafe { System.dealloc(ptr, layout) }
    }
}

#[global_allocator]
static ALLOC: Capped = Capped;

/// xorshift64*: small, seeded, the same everywhere.
struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

/// Tokens a mutation may insert: the syntax of every reader, and the values issue 14 found.
const TOKENS: &[&str] = &[
    "{",
    "}",
    "[",
    "]",
    "\"",
    ",",
    ":",
    "- ",
    "\n  ",
    "&a ",
    "*a",
    "<<: *a",
    "!Sub ",
    "${V}",
    "${!X}",
    "1e400",
    "-9.3e15",
    "1e300",
    "9999-12-31T23:59:59.000Z",
    "\"Type\":\"Map\"",
    "\"Type\":\"Parallel\"",
    "\"Next\":\"A\"",
    "\"End\":true",
    "\"StartAt\":\"A\"",
    "null",
    "\"events\":",
    "\"timestamp\":",
    "\"id\":0",
    "StateEntered",
    "#d=1",
    "&h=1",
    "embed=1",
    "<metadata id=\"stepscope-source\">",
    "</metadata>",
    "\"stepscope\":1",
    "\u{feff}",
    "\\u0000",
    "\u{202e}",
    "%ZZ",
    "%E2%82",
];

fn mutate(rng: &mut Rng, input: &[u8], seeds: &[Vec<u8>]) -> Vec<u8> {
    let mut out = input.to_vec();
    for _ in 0..1 + rng.below(4) {
        let at = rng.below(out.len() + 1);
        match rng.below(8) {
            0 if !out.is_empty() => {
                let i = rng.below(out.len());
                out[i] ^= 1 << rng.below(8);
            }
            1 => {
                let t = TOKENS[rng.below(TOKENS.len())].as_bytes();
                out.splice(at..at, t.iter().copied());
            }
            2 if !out.is_empty() => {
                let end = (at + rng.below(64)).min(out.len());
                out.drain(at.min(end)..end);
            }
            3 if !out.is_empty() => {
                // Repeat a chunk: amplification.
                let start = rng.below(out.len());
                let end = (start + 1 + rng.below(32)).min(out.len());
                let chunk = out[start..end].to_vec();
                let times = 1 + rng.below(200);
                for _ in 0..times {
                    out.splice(end..end, chunk.iter().copied());
                }
            }
            4 => {
                // Deep nesting, in one of the syntaxes.
                let (open, close) = [("[", "]"), ("{\"a\":", "}"), ("- ", "")][rng.below(3)];
                let depth = 1 + rng.below(600);
                let mut s = open.repeat(depth).into_bytes();
                s.extend_from_slice(b"1");
                s.extend_from_slice(close.repeat(depth).as_bytes());
                out.splice(at..at, s);
            }
            5 if !seeds.is_empty() => {
                let other = &seeds[rng.below(seeds.len())];
                let from = rng.below(other.len());
                let to = (from + rng.below(512)).min(other.len());
                out.splice(at..at, other[from..to].iter().copied());
            }
            6 if !out.is_empty() => out.truncate(at),
            _ => {
                let t = TOKENS[rng.below(TOKENS.len())].as_bytes();
                let end = (at + t.len()).min(out.len());
                out.splice(at..end, t.iter().copied());
            }
        }
    }
    out.truncate(2 * 1024 * 1024);
    out
}

/// The hostile cases issue 14 reproduced, small enough to mutate.
fn hostile() -> Vec<String> {
    let mut subs = serde_json::Map::new();
    for i in 0..39 {
        subs.insert(
            format!("V{i}"),
            format!("${{V{}}}${{V{}}}", i + 1, i + 1).into(),
        );
    }
    subs.insert("V39".into(), "x".into());
    let chain = serde_json::json!({"Resources": {"M": {"Type": "AWS::StepFunctions::StateMachine",
        "Properties": {"Definition": {"StartAt": "${V0}", "States": {"A": {"Type": "Pass", "End": true}}},
        "DefinitionSubstitutions": subs}}}});
    let mut alias = format!("big: &b \"{}\"\nlist:\n", "a".repeat(10_000));
    alias.push_str(&"  - *b\n".repeat(10_000));
    let compact = format!(
        r#"{{"s":0,"e":[{}]}}"#,
        vec![r#"[1,"PassStateEntered",1,{"name":"A"}]"#; 310_000].join(",")
    );
    vec![
        // Found by this fuzzer: libyaml-safer panicked at the end of a block scalar.
        "AWSTemplateFormatVersion: '2010-09-09'\nDescription: >\n  A workflow ".into(),
        "a: \"\\".into(),
        format!("{}x\n", "- ".repeat(30_000)),
        alias,
        chain.to_string(),
        format!("h={}", stepscope::share::payload(&compact)),
        format!("d={}", stepscope::share::payload(&"a".repeat(51 * 1024 * 1024))),
        r#"{"events":[{"id":1,"type":"ExecutionStarted","timestamp":"2026-01-01T00:00:00Z"},{"id":2,"type":"PassStateEntered","timestamp":"9999-12-31T23:59:59Z","stateEnteredEventDetails":{"name":"A"}}]}"#.into(),
        r#"{"events":[{"id":1,"type":"ExecutionStarted","timestamp":1e300},{"id":2,"type":"ExecutionSucceeded","timestamp":-9.3e15}]}"#.into(),
        r#"{"StartAt":"T","States":{"T":{"Type":"Task","Resource":"arn:aws:states:::lambda:invoke","TimeoutSeconds":1e400,"End":true,"Retry":[{"ErrorEquals":["States.ALL"],"BackoffRate":1e300,"IntervalSeconds":1e20,"MaxAttempts":9.2e18}]}}}"#.into(),
    ]
}

/// Every reader on one input. Returns the first budget an output went past.
fn run_readers(text: &str) -> Result<(), String> {
    let src = SourceText::new("fuzz", text);
    let a = stepscope::pipeline::analyze(&src);
    if let Some(m) = &a.machine {
        if m.states.len() > MAX_STATES {
            return Err(format!("{} states drawn", m.states.len()));
        }
        // Drawing is the slow part: a case's drawing is capped so a run covers more inputs.
        if m.states.len() <= 400 {
            let measure = stepscope::layout::EstimateMeasure;
            if let Some(r) = stepscope::pipeline::render(&a, &Default::default(), &measure) {
                let _ = r.svg_with_problems("f", &a);
            }
        }
    }
    if let Ok(run) = stepscope::pipeline::replay(&src, a.machine.as_ref()) {
        if run.timeline.events.len() > MAX_EVENTS {
            return Err(format!("{} events", run.timeline.events.len()));
        }
        let g = stepscope::replay::gantt(&run.timeline, &Default::default());
        let ticks = g.svg.matches("class=\"tick\"").count();
        if ticks > MAX_TICKS {
            return Err(format!("{ticks} ticks"));
        }
    }
    for fragment in [
        text.to_string(),
        format!("d={}", stepscope::share::payload(text)),
        format!("h={}", stepscope::share::payload(text)),
    ] {
        if let Ok(s) = stepscope::share::decode_fragment(&fragment) {
            for t in [&s.definition, &s.history].into_iter().flatten() {
                if t.len() > MAX_EXPANDED_BYTES {
                    return Err(format!("a link opened to {} bytes", t.len()));
                }
            }
            if let Some(d) = &s.definition {
                let _ = stepscope::pipeline::analyze(&SourceText::new("link", d.as_str()));
            }
        }
    }
    if let Some(Ok(s)) = stepscope::share::open_file(text) {
        if let Some(h) = &s.history {
            let _ = stepscope::history::parse_history(h);
        }
    }
    let _ = stepscope::view::is_history(text);
    Ok(())
}

fn save_failure(seed: u64, case: usize, input: &[u8], why: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("target/fuzz-failures");
    let _ = std::fs::create_dir_all(&dir);
    let path = dir.join(format!("seed{seed}-case{case}.txt"));
    let _ = std::fs::write(&path, input);
    let _ = std::fs::write(path.with_extension("why"), why);
    path
}

#[test]
fn fuzz_every_reader() {
    let secs: u64 = std::env::var("STEPSCOPE_FUZZ_SECS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(5);
    let seed: u64 = std::env::var("STEPSCOPE_FUZZ_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(14);
    let exts = [".json", ".yaml", ".yml", ".tf", ".asl"];
    let repo = support::repo();
    let mut paths: Vec<PathBuf> = support::corpus()
        .map(|c| support::files(&c, &exts))
        .unwrap_or_default();
    paths.extend(support::files(&repo.join("src/demo"), &exts));
    paths.extend(support::files(&repo.join("tests/fixtures"), &exts));
    paths.sort();
    let mut rng = Rng(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1);
    // A sample of the corpus, the same for a seed: reading all 1,000+ files costs the time box.
    let mut seeds: Vec<Vec<u8>> = Vec::new();
    for p in &paths {
        if rng.below(4) == 0 || seeds.len() < 8 {
            if let Ok(b) = std::fs::read(p) {
                if b.len() < 256 * 1024 {
                    seeds.push(b);
                }
            }
        }
    }
    let hostile = hostile();
    assert!(!seeds.is_empty(), "no seeds: is ../shared/corpus there?");
    std::panic::set_hook(Box::new(|_| {}));
    let started = Instant::now();
    let mut cases = 0usize;
    let mut failures = Vec::new();
    // The hostile cases first, as they are; then mutations of everything until time is up.
    let next_input = |rng: &mut Rng, case: usize| -> Vec<u8> {
        if let Some(h) = hostile.get(case) {
            return h.clone().into_bytes();
        }
        let pool = rng.below(10);
        let base: &[u8] = if pool == 0 {
            hostile[rng.below(hostile.len())].as_bytes()
        } else {
            &seeds[rng.below(seeds.len())]
        };
        mutate(rng, base, &seeds)
    };
    while cases < hostile.len() || started.elapsed() < Duration::from_secs(secs) {
        let input = next_input(&mut rng, cases);
        let text = String::from_utf8_lossy(&input).into_owned();
        let t0 = Instant::now();
        let result = std::panic::catch_unwind(|| run_readers(&text));
        let took = t0.elapsed();
        let why = match result {
            Err(p) => Some(format!(
                "panic: {}",
                p.downcast_ref::<String>()
                    .cloned()
                    .or_else(|| p.downcast_ref::<&str>().map(|s| s.to_string()))
                    .unwrap_or_default()
            )),
            Ok(Err(budget)) => Some(format!("past a budget: {budget}")),
            Ok(Ok(())) if OVER.swap(false, Ordering::Relaxed) => {
                Some("allocated past the memory cap".into())
            }
            Ok(Ok(())) if took > SLOW => Some(format!("took {took:?}")),
            Ok(Ok(())) => None,
        };
        if let Some(why) = why {
            let path = save_failure(seed, cases, &input, &why);
            failures.push(format!("case {cases}: {why} ({})", path.display()));
        }
        cases += 1;
    }
    let _ = std::panic::take_hook();
    println!(
        "fuzz: seed {seed}, {cases} cases in {:.1} s over {} seeds and {} hostile inputs; peak heap {} MB",
        started.elapsed().as_secs_f64(),
        seeds.len(),
        hostile.len(),
        PEAK.load(Ordering::Relaxed) / (1024 * 1024)
    );
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
