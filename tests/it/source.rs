//! The spanned JSON and YAML readers, and line/column conversion.

use stepscope::source::{parse_json, parse_yaml, LineIndex, Value};

fn line_col(text: &str, offset: usize) -> (usize, usize) {
    LineIndex::new(text).line_col(text, offset)
}

#[test]
fn json_spans_point_at_values() {
    let text = "{\n  \"a\": [1, \"x\"],\n  \"b\": {\"c\": null}\n}";
    let root = parse_json(text).expect("valid json");
    let a = root.get("a").expect("a");
    assert_eq!(&text[a.span.start..a.span.end], "[1, \"x\"]");
    assert_eq!(line_col(text, a.span.start), (2, 8));
    let c = root.get("b").and_then(|b| b.get("c")).expect("c");
    assert!(c.is_null());
    assert_eq!(line_col(text, c.span.start), (3, 14));
}

#[test]
fn json_errors_have_places() {
    for (text, line, col) in [
        ("{\n  \"a\": 1,\n}", 3, 1),
        ("{\"a\" 1}", 1, 6),
        ("[1, 2", 1, 6),
        ("{\"a\": tru}", 1, 7),
        ("{'a': 1}", 1, 2),
    ] {
        let err = parse_json(text).expect_err(text);
        assert_eq!(
            line_col(text, err.span.start),
            (line, col),
            "{text}: {}",
            err.message
        );
    }
}

#[test]
fn json_strings_and_numbers() {
    let root =
        parse_json(r#"{"s": "a\"\u00e9\ud83d\ude00", "n": -1.5e3, "i": 12345678901234567890}"#)
            .expect("valid");
    assert_eq!(root.get("s").and_then(|s| s.as_str()), Some("a\"é😀"));
    assert_eq!(root.get("n").and_then(|n| n.as_f64()), Some(-1500.0));
    assert!(
        matches!(&root.get("i").unwrap().value, Value::Number(_, raw) if raw == "12345678901234567890")
    );
}

#[test]
fn deep_nesting_is_an_error_not_a_crash() {
    let text = "[".repeat(100_000);
    assert!(parse_json(&text).is_err());
    assert!(parse_yaml(&text).is_err());
}

#[test]
fn yaml_tags_anchors_merges_and_places() {
    let text =
        "base: &b\n  Type: Pass\n  End: true\nS:\n  <<: *b\n  Comment: !Sub '${X}'\nN: 3\nF: ~\n";
    let root = parse_yaml(text).expect("valid yaml");
    let s = root.get("S").expect("S");
    assert_eq!(s.get("Type").and_then(|t| t.as_str()), Some("Pass"));
    assert_eq!(s.get("End").and_then(|t| t.as_bool()), Some(true));
    let c = s.get("Comment").expect("Comment");
    assert_eq!(c.tag.as_deref(), Some("!Sub"));
    assert_eq!(c.as_str(), Some("${X}"));
    assert_eq!(root.get("N").and_then(|n| n.as_f64()), Some(3.0));
    assert!(root.get("F").is_some_and(|f| f.is_null()));
    let n = root.member("N").expect("N");
    assert_eq!(line_col(text, n.key_span.start), (7, 1));
}

#[test]
fn yaml_errors_have_places() {
    let text = "a: 1\nb: [1, 2\nc: 3\n";
    let err = parse_yaml(text).expect_err("unclosed flow sequence");
    let (line, _) = line_col(text, err.span.start);
    assert!(line >= 2, "error at line {line}: {}", err.message);
}

#[test]
fn yaml_alias_bomb_is_refused() {
    let mut text = String::from("a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n");
    for i in 1..9 {
        let prev = i - 1;
        text.push_str(&format!(
            "a{i}: &a{i} [*a{prev}, *a{prev}, *a{prev}, *a{prev}, *a{prev}, *a{prev}, *a{prev}, *a{prev}, *a{prev}, *a{prev}]\n"
        ));
    }
    let err = parse_yaml(&text).expect_err("alias bomb");
    assert!(err.message.contains("alias"), "{}", err.message);
}

#[test]
fn utf16_offsets() {
    let text = "a😀b";
    assert_eq!(LineIndex::utf16_offset(text, 5), 3);
    assert_eq!(LineIndex::byte_of_utf16(text, 3), 5);
    assert_eq!(line_col(text, 5), (1, 3));
}

#[test]
fn corpus_json_reads_like_serde_json() {
    // Our spanned reader must agree with serde_json on every JSON file of the shared corpus:
    // same acceptance, same values.
    let Some(corpus) = crate::support::corpus() else {
        return;
    };
    let files = crate::support::files(&corpus, &[".json"]);
    assert!(
        files.len() > 1000,
        "expected the whole corpus, found {}",
        files.len()
    );
    for path in files {
        let text = std::fs::read_to_string(&path).unwrap_or_default();
        let ours = parse_json(&text);
        let theirs = serde_json::from_str::<serde_json::Value>(&text);
        match (ours, theirs) {
            (Ok(a), Ok(b)) => assert_eq!(a.to_json(), b, "{}", path.display()),
            (Err(_), Err(_)) => {}
            (a, b) => panic!(
                "{}: ours {:?}, serde_json {:?}",
                path.display(),
                a.err(),
                b.err()
            ),
        }
    }
}

#[test]
fn one_json_unescape_for_the_reader_and_the_offset_map() {
    use stepscope::source::decode_escape;
    assert_eq!(decode_escape(b"n rest"), Ok(('\n', 1)));
    assert_eq!(decode_escape(br"ud83d\ude80"), Ok(('🚀', 11)));
    assert_eq!(decode_escape(b"u00e9"), Ok(('é', 5)));
    assert_eq!(decode_escape(b"x"), Err(("invalid escape in string", 0)));
    assert!(decode_escape(b"u12").is_err());
    // A template's DefinitionString with an escaped pair: the state is found at its place.
    let def = r#"{"StartAt":"Go \ud83d\ude80","States":{"Go \ud83d\ude80":{"Type":"Succeed"},"X":{"Type":"Pass","Next":"Nowhere"}}}"#;
    let template = format!(
        r#"{{"Resources":{{"M":{{"Type":"AWS::StepFunctions::StateMachine","Properties":{{"DefinitionString":{}}}}}}}}}"#,
        serde_json::to_string(def).unwrap()
    );
    let a =
        stepscope::pipeline::analyze(&stepscope::source::SourceText::new("t", template.as_str()));
    let m = a.machine.as_ref().expect("a machine");
    assert!(m.find("Go 🚀").is_some());
    let d = a
        .diagnostics
        .iter()
        .find(|d| d.code == "unknown-next-target")
        .expect("the bad Next");
    let span = d.span.expect("a place");
    // In the template the quotes are escaped: the span covers them as written.
    assert_eq!(&template[span.start..span.end], r#"\"Nowhere\""#);
}

#[test]
fn columns_on_a_long_line_are_counted_in_characters() {
    use stepscope::source::LineIndex;
    // Multi-byte characters on both sides of the index's 4 KB marks.
    let text: String = (0..30_000)
        .map(|i| if i % 7 == 0 { 'é' } else { 'a' })
        .collect();
    let text = format!("x\n{text}\ny");
    let index = LineIndex::new(&text);
    for offset in [
        2,
        4097,
        4098,
        8191,
        9000,
        20_001,
        text.len() - 3,
        text.len(),
    ] {
        let naive = {
            let o = (0..=offset)
                .rev()
                .find(|&o| text.is_char_boundary(o))
                .unwrap();
            let start = text[..o].rfind('\n').map_or(0, |i| i + 1);
            (
                text[..o].matches('\n').count() + 1,
                text[start..o].chars().count() + 1,
            )
        };
        assert_eq!(index.line_col(&text, offset), naive, "at {offset}");
    }
}

/// A tag that ends at a ',' in a flow collection, as libyaml allows: libyaml-safer 0.3.0
/// panicked on it (vendor/libyaml-safer/PATCHES.md); now it reads, or gives a syntax error.
#[test]
fn a_tag_before_a_comma_in_flow_is_read_not_a_panic() {
    for text in ["StartAt: A\nStates:\n  A\n{!,", "{a: !x, b: 1}", "[!, 1]"] {
        let result = std::panic::catch_unwind(|| parse_yaml(text));
        assert!(result.is_ok(), "{text:?} panicked");
    }
    let tree = parse_yaml("{a: !x , b: 1}").expect("reads");
    assert!(tree.get("b").is_some());
}
