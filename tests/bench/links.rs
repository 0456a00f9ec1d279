//! `make bench`: share-link lengths for the demo and the corpus, against plain deflate and
//! base64url of the same JSON (Mermaid's `pako:` links). Never pass/fail.

use std::path::Path;
use stepscope::share::{encode_fragment, plain_deflate_base64, Redaction, Shared};

fn files(dir: &Path, suffix: &str) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).into_iter().flatten().flatten() {
            let p = e.path();
            if p.is_dir() {
                stack.push(p);
            } else if p.to_string_lossy().ends_with(suffix) {
                out.push(p);
            }
        }
    }
    out.sort();
    out
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(|a, b| a.total_cmp(b));
    v.get(v.len() / 2).copied().unwrap_or(0.0)
}

fn main() {
    let def = stepscope::demo::DEFINITION;
    let hist = stepscope::demo::HISTORY;
    let only = encode_fragment(
        &Shared {
            definition: Some(def.into()),
            ..Default::default()
        },
        Redaction::default(),
    );
    let run = encode_fragment(
        &Shared {
            definition: Some(def.into()),
            history: Some(hist.into()),
            ..Default::default()
        },
        Redaction::all(),
    );
    let run_full = encode_fragment(
        &Shared {
            definition: Some(def.into()),
            history: Some(hist.into()),
            ..Default::default()
        },
        Redaction::default(),
    );
    let plain_def = plain_deflate_base64(def).len();
    let plain_run = plain_def + plain_deflate_base64(hist).len();
    println!(
        "links: demo definition {} chars vs plain deflate {} ({:.0}% shorter; target 1,500 or less)",
        only.len(),
        plain_def,
        100.0 * (1.0 - only.len() as f64 / plain_def as f64)
    );
    println!(
        "links: demo definition + redacted history {} chars (target 3,000 or less); with inputs and outputs {}; plain deflate of both {} ({:.0}% shorter)",
        run.len(),
        run_full.len(),
        plain_run,
        100.0 * (1.0 - run.len() as f64 / plain_run as f64)
    );
    let corpus = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/corpus");
    if !corpus.exists() {
        println!("links: ../shared/corpus is absent; corpus figures skipped");
        return;
    }
    let defs: Vec<String> = files(&corpus.join("definitions"), ".json")
        .iter()
        .filter_map(|p| std::fs::read_to_string(p).ok())
        .filter(|t| {
            stepscope::pipeline::analyze(&stepscope::source::SourceText::new("d", t.as_str()))
                .machine
                .is_some()
        })
        .collect();
    let mut by_size: Vec<&String> = defs.iter().collect();
    by_size.sort_by_key(|t| t.len());
    if let Some(m) = by_size.get(by_size.len() / 2) {
        let ours = encode_fragment(
            &Shared {
                definition: Some((*m).clone()),
                ..Default::default()
            },
            Redaction::default(),
        )
        .len();
        let plain = plain_deflate_base64(m).len();
        println!(
            "links: median-size corpus definition ({} bytes): {ours} chars vs plain deflate {plain} ({:.0}% shorter)",
            m.len(),
            100.0 * (1.0 - ours as f64 / plain as f64)
        );
    }
    let ratios: Vec<f64> = defs
        .iter()
        .map(|d| {
            let ours = encode_fragment(
                &Shared {
                    definition: Some(d.clone()),
                    ..Default::default()
                },
                Redaction::default(),
            )
            .len();
            1.0 - ours as f64 / plain_deflate_base64(d).len() as f64
        })
        .collect();
    println!(
        "links: {} corpus definitions: median {:.0}% shorter than plain deflate",
        ratios.len(),
        100.0 * median(ratios)
    );
    // Issue 19's yardstick: Mermaid's scheme, base64url of zlib level 9 of the minified JSON,
    // per size bucket of the minified definition.
    let mut buckets: [(&str, Vec<f64>); 3] = [
        ("under 1 KB", vec![]),
        ("1-4 KB", vec![]),
        ("over 4 KB", vec![]),
    ];
    let mut all = Vec::new();
    for d in &defs {
        let Ok(v) = serde_json::from_str::<serde_json::Value>(d) else {
            continue;
        };
        let min = v.to_string();
        let mermaid = stepscope::share::base64url(&miniz_oxide::deflate::compress_to_vec_zlib(
            min.as_bytes(),
            9,
        ))
        .len();
        let ours = encode_fragment(
            &Shared {
                definition: Some(d.clone()),
                ..Default::default()
            },
            Redaction::default(),
        )
        .len()
            - "d=".len();
        let r = ours as f64 / mermaid as f64;
        let b = match min.len() {
            n if n < 1024 => 0,
            n if n < 4096 => 1,
            _ => 2,
        };
        buckets[b].1.push(r);
        all.push(r);
    }
    println!(
        "links: {} JSON corpus definitions against Mermaid's scheme (base64url of zlib -9 of the minified JSON): median {:.2} of its length; {}",
        all.len(),
        median(all),
        buckets
            .iter()
            .map(|(name, v)| format!("{name} {:.2} ({} files)", median(v.clone()), v.len()))
            .collect::<Vec<_>>()
            .join(", ")
    );
    let runs: Vec<(usize, usize)> = files(&corpus.join("histories"), ".history.json")
        .iter()
        .filter_map(|p| {
            let h = std::fs::read_to_string(p).ok()?;
            let d =
                std::fs::read_to_string(p.to_string_lossy().replace(".history.json", ".asl.json"))
                    .ok()?;
            let ours = encode_fragment(
                &Shared {
                    definition: Some(d.clone()),
                    history: Some(h.clone()),
                    ..Default::default()
                },
                Redaction::all(),
            )
            .len();
            Some((
                ours,
                plain_deflate_base64(&d).len() + plain_deflate_base64(&h).len(),
            ))
        })
        .collect();
    let ours: Vec<f64> = runs.iter().map(|r| r.0 as f64).collect();
    let chat_safe = runs.iter().filter(|r| r.0 <= 2000).count();
    println!(
        "links: {} corpus runs with redacted history: median {:.0} chars, {} of them 2,000 or less; median {:.0}% shorter than plain deflate",
        runs.len(),
        median(ours),
        chat_safe,
        100.0 * median(runs.iter().map(|r| 1.0 - r.0 as f64 / r.1 as f64).collect())
    );
}
