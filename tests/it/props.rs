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
