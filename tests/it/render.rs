//! Graph, layout and SVG: properties over every corpus definition, hostile names, and goldens.

use crate::support::{corpus, files, repo};
use stepscope::layout::{
    Direction, EstimateMeasure, Layout, LayoutOptions, Rect, TextMeasure, SMALL_FONT,
};
use stepscope::pipeline::{analyze, render, Rendered};
use stepscope::source::SourceText;

pub(crate) fn draw(text: &str, direction: Direction) -> Option<Rendered> {
    let a = analyze(&SourceText::new("t", text));
    render(&a, &LayoutOptions { direction }, &EstimateMeasure)
}

/// Checks every drawing property; returns a description of the first failure.
pub(crate) fn check_drawing(r: &Rendered) -> Result<(), String> {
    let l: &Layout = &r.layout;
    let svg = r.svg("t");
    // The SVG parses as XML, ids are unique, one node per state.
    let doc = roxmltree::Document::parse(&svg).map_err(|e| format!("svg does not parse: {e}"))?;
    let mut ids = std::collections::BTreeSet::new();
    for n in doc.descendants().filter(|n| n.is_element()) {
        if let Some(id) = n.attribute("id") {
            if !ids.insert(id.to_string()) {
                return Err(format!("duplicate id {id}"));
            }
        }
    }
    let states = doc
        .descendants()
        .filter(|n| n.attribute("data-state").is_some())
        .count();
    if states != r.graph.nodes.len() {
        return Err(format!(
            "{states} nodes with data-state for {} states",
            r.graph.nodes.len()
        ));
    }
    if doc
        .descendants()
        .any(|n| n.attribute("data-stub-for").is_some() && n.attribute("data-state").is_some())
    {
        return Err("a stub carries data-state".into());
    }
    // Every transition is drawn, once: to its target or to the target's stub.
    let mut drawn = vec![0usize; r.graph.edges.len()];
    for e in &l.edges {
        if let Some(c) = drawn.get_mut(e.edge) {
            *c += 1;
        }
    }
    if let Some(i) = drawn.iter().position(|&c| c != 1) {
        let e = &r.graph.edges[i];
        let name = |id| r.graph.node(id).map_or("?", |n| n.name.as_str());
        return Err(format!(
            "the transition {} -> {} is drawn {} times",
            name(e.from),
            name(e.to),
            drawn[i]
        ));
    }
    // Everything is inside the drawing's bounds: every text (by its estimated extent) in the
    // viewBox, every label's text inside its box, and no label on a state, a stub or a label.
    let bounds = Rect {
        x: 0.0,
        y: 0.0,
        w: l.width,
        h: l.height,
    };
    for t in doc.descendants().filter(|n| n.has_tag_name("text")) {
        let num = |a: &str| t.attribute(a).and_then(|v| v.parse::<f64>().ok());
        let (Some(x), Some(y)) = (num("x"), num("y")) else {
            continue;
        };
        let text = t.text().unwrap_or("");
        let w = EstimateMeasure.width(text, SMALL_FONT);
        let x0 = match t.attribute("text-anchor") {
            Some("middle") => x - w / 2.0,
            Some("end") => x - w,
            _ => x,
        };
        if x0 < -0.5 || x0 + w > l.width + 0.5 || y < 0.0 || y > l.height {
            return Err(format!(
                "text {text:?} at ({x}, {y}) is outside the {}x{} drawing",
                l.width, l.height
            ));
        }
    }
    let mut labels: Vec<(&str, Rect)> = Vec::new();
    for e in &l.edges {
        let Some((r, text)) = &e.label else { continue };
        let w = EstimateMeasure.width(text, SMALL_FONT);
        if w > r.w + 0.5 || SMALL_FONT > r.h {
            return Err(format!(
                "label {text:?} ({w:.0} px) overflows its box {r:?}"
            ));
        }
        if !bounds.contains(r) {
            return Err(format!("label {text:?} {r:?} is outside the drawing"));
        }
        labels.push((text, *r));
    }
    for (i, (ta, a)) in labels.iter().enumerate() {
        for (tb, b) in labels.iter().skip(i + 1) {
            if a.intersects(b) {
                return Err(format!("label {ta:?} {a:?} overlaps label {tb:?} {b:?}"));
            }
        }
        for (k, n) in l.nodes.iter().enumerate() {
            let container = r.graph.nodes.get(k).is_some_and(|g| !g.children.is_empty());
            if n.rect.intersects(a) && !(container && n.rect.contains(a)) {
                let name = r.graph.nodes.get(k).map_or("", |g| g.name.as_str());
                return Err(format!(
                    "label {ta:?} {a:?} lies on state {name} {:?}",
                    n.rect
                ));
            }
        }
        for s in &l.stubs {
            if s.rect.intersects(a) {
                return Err(format!("label {ta:?} {a:?} lies on a stub {:?}", s.rect));
            }
        }
    }
    // No two boxes overlap, unless one contains the other (containers).
    let mut boxes: Vec<(String, Rect, Option<usize>)> = Vec::new();
    for (i, n) in l.nodes.iter().enumerate() {
        boxes.push((
            format!(
                "state {}",
                r.graph.nodes.get(i).map_or("", |g| g.name.as_str())
            ),
            n.rect,
            Some(i),
        ));
    }
    for (i, s) in l.stubs.iter().enumerate() {
        boxes.push((format!("stub {i}"), s.rect, None));
    }
    for (i, (na, a, _)) in boxes.iter().enumerate() {
        if !(a.w > 0.0 && a.h > 0.0 && a.x.is_finite() && a.y.is_finite()) {
            return Err(format!("{na} has a bad box {a:?}"));
        }
        for (nb, b, _) in boxes.iter().skip(i + 1) {
            if a.intersects(b) && !a.contains(b) && !b.contains(a) {
                return Err(format!("{na} {a:?} overlaps {nb} {b:?}"));
            }
        }
    }
    // No edge passes through a box other than its ends and their containers.
    for e in &l.edges {
        let Some(ge) = r.graph.edges.get(e.edge) else {
            continue;
        };
        let ancestors = |mut s: Option<stepscope::asl::StateId>| {
            let mut v = Vec::new();
            while let Some(id) = s {
                v.push(id.0 as usize);
                s = l.nodes.get(id.0 as usize).and_then(|n| n.parent);
                if v.len() > 64 {
                    break;
                }
            }
            v
        };
        let mut allowed = ancestors(Some(ge.from));
        allowed.extend(ancestors(Some(ge.to)));
        for w in e.points.windows(2) {
            let (Some(p), Some(q)) = (w.first(), w.get(1)) else {
                continue;
            };
            for (name, b, idx) in &boxes {
                if idx.is_some_and(|i| allowed.contains(&i)) || idx.is_none() && e.to_stub.is_some()
                {
                    continue;
                }
                let inner = Rect {
                    x: b.x + 1.0,
                    y: b.y + 1.0,
                    w: b.w - 2.0,
                    h: b.h - 2.0,
                };
                if segment_hits(*p, *q, &inner) {
                    return Err(format!(
                        "edge {} -> {} passes through {name}",
                        ge.from.0, ge.to.0
                    ));
                }
            }
        }
    }
    Ok(())
}

/// Whether an axis-parallel segment crosses the inside of a rectangle.
fn segment_hits(p: (f64, f64), q: (f64, f64), r: &Rect) -> bool {
    let (x0, x1) = (p.0.min(q.0), p.0.max(q.0));
    let (y0, y1) = (p.1.min(q.1), p.1.max(q.1));
    x1 > r.x && x0 < r.x + r.w && y1 > r.y && y0 < r.y + r.h
}

#[test]
fn every_corpus_definition_draws_cleanly() {
    let Some(corpus) = corpus() else { return };
    let mut drawn = 0;
    let mut failures = Vec::new();
    for path in files(&corpus.join("definitions"), &[".json", ".yaml"]) {
        let text = std::fs::read_to_string(&path).unwrap_or_default();
        for direction in [Direction::TopToBottom, Direction::LeftToRight] {
            let Some(r) = draw(&text, direction) else {
                continue;
            };
            if direction == Direction::TopToBottom {
                drawn += 1;
            }
            if let Err(e) = check_drawing(&r) {
                failures.push(format!("{} ({direction:?}): {e}", path.display()));
            }
        }
    }
    assert!(drawn > 600, "{drawn}");
    assert!(
        failures.is_empty(),
        "{} drawings fail:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[test]
fn hostile_names_are_escaped_and_laid_out() {
    let long = "N".repeat(80);
    let names = [
        "</text><script>alert(1)</script>",
        "a \"quoted\" 'name'",
        "fish & chips",
        "\u{202e}right-to-left\u{202c}",
        "emoji 🚀🔥",
        &long,
    ];
    let mut states = String::new();
    for (i, n) in names.iter().enumerate() {
        let next = names.get(i + 1).map_or(r#""End": true"#.to_string(), |m| {
            format!(
                r#""Next": {}"#,
                serde_json::to_string(m).unwrap_or_default()
            )
        });
        states.push_str(&format!(
            r#"{}: {{"Type": "Pass", {next}}},"#,
            serde_json::to_string(n).unwrap_or_default()
        ));
    }
    states.pop();
    let text = format!(
        r#"{{"StartAt": {}, "States": {{{states}}}}}"#,
        serde_json::to_string(names[0]).unwrap_or_default()
    );
    let r = draw(&text, Direction::TopToBottom).expect("drawn");
    check_drawing(&r).unwrap_or_else(|e| panic!("{e}"));
    let svg = r.svg("h");
    assert!(!svg.contains("<script"), "unescaped markup");
    assert!(svg.contains("&lt;/text&gt;&lt;script&gt;"));
    let doc = roxmltree::Document::parse(&svg).expect("xml");
    let found: Vec<&str> = doc
        .descendants()
        .filter_map(|n| n.attribute("data-state"))
        .collect();
    for n in names {
        assert!(found.contains(&n), "{n} missing");
    }
}

#[test]
fn two_diagrams_on_one_page_have_distinct_ids() {
    let r = draw(stepscope::demo::DEFINITION, Direction::TopToBottom).expect("demo");
    let both = format!("<root>{}{}</root>", r.svg("a"), r.svg("b"));
    let doc = roxmltree::Document::parse(&both).expect("xml");
    let ids: Vec<&str> = doc
        .descendants()
        .filter_map(|n| n.attribute("id"))
        .collect();
    let unique: std::collections::BTreeSet<&&str> = ids.iter().collect();
    assert_eq!(ids.len(), unique.len());
}

#[test]
fn demo_geometry_json_follows_the_contract() {
    let r = draw(stepscope::demo::DEFINITION, Direction::TopToBottom).expect("demo");
    let j = r.geometry_json();
    let nodes = j["nodes"].as_array().expect("nodes");
    assert_eq!(nodes.len(), 16);
    let charge = nodes
        .iter()
        .find(|n| n["state"] == "ChargeCard")
        .expect("ChargeCard");
    assert_eq!(charge["parent"], "ProcessPayment");
    assert_eq!(charge["kind"], "task");
    assert!(nodes
        .iter()
        .find(|n| n["state"] == "ValidateOrder")
        .is_some_and(|n| n["parent"].is_null()));
    let edges = j["edges"].as_array().expect("edges");
    let kinds: std::collections::BTreeSet<&str> =
        edges.iter().filter_map(|e| e["kind"].as_str()).collect();
    assert_eq!(
        kinds,
        ["catch", "choice", "default", "next"].into_iter().collect()
    );
    let stubbed = edges
        .iter()
        .find(|e| e["to_stub"] == true)
        .expect("a stub edge");
    assert_eq!(
        (
            stubbed["from"].as_str(),
            stubbed["to"].as_str(),
            stubbed["kind"].as_str()
        ),
        (Some("ValidateOrder"), Some("NotifyFailure"), Some("catch"))
    );
    assert_eq!(j["stubs"][0]["state"], "NotifyFailure");
    let choice = edges
        .iter()
        .find(|e| e["kind"] == "choice" && e["to"] == "ProcessPayment")
        .expect("choice edge");
    assert_eq!(choice["label"], "$.stock.available == true");
}

#[test]
fn goldens() {
    // Geometry and SVG of small fixtures; review changes with `cargo insta review` (or rerun
    // with INSTA_UPDATE=always and read the diff).
    let dir = repo().join("tests/fixtures/definitions/ok");
    for path in files(&dir, &[".json", ".yaml", ".yml", ".tf"]) {
        let text = std::fs::read_to_string(&path).unwrap_or_default();
        let name = path
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or("x")
            .replace('.', "_");
        let r = draw(&text, Direction::TopToBottom).expect("drawn");
        check_drawing(&r).unwrap_or_else(|e| panic!("{name}: {e}"));
        insta::assert_snapshot!(
            format!("{name}_geometry"),
            serde_json::to_string_pretty(&r.geometry_json()).unwrap_or_default()
        );
        // Without the shared stylesheet, so the goldens show only what this drawing adds.
        let svg = stepscope::svg::write_svg(
            &r.graph,
            &r.layout,
            &stepscope::svg::SvgOptions {
                id_prefix: "g",
                inline_style: false,
                ..Default::default()
            },
        );
        // One element per line, so a change shows as the elements it touches.
        insta::assert_snapshot!(format!("{name}_svg"), svg.replace("><", ">\n<"));
    }
}

#[test]
fn cli_render_writes_svg_and_json() {
    let demo = repo().join("src/demo/order-processing.asl.json");
    let (code, out, _) = crate::cli::stepscope(&["render", demo.to_str().unwrap_or("")]);
    assert_eq!(code, 0);
    assert!(out.starts_with("<svg"), "{}", &out[..out.len().min(80)]);
    let (code, out, _) = crate::cli::stepscope(&[
        "render",
        "--format",
        "json",
        "--direction",
        "LR",
        demo.to_str().unwrap_or(""),
    ]);
    assert_eq!(code, 0);
    let j: serde_json::Value = serde_json::from_str(&out).expect("json");
    assert!(
        j["width"].as_f64() > j["height"].as_f64(),
        "LR is wider than tall"
    );
    let bad = repo().join("tests/fixtures/definitions/err/syntax--trailing-comma.asl.json");
    let (code, _, err) = crate::cli::stepscope(&["render", bad.to_str().unwrap_or("")]);
    assert_eq!(code, 1, "{err}");
}

#[test]
fn the_drawing_checker_catches_overlaps_and_crossings() {
    let good = draw(stepscope::demo::DEFINITION, Direction::TopToBottom).expect("demo");
    assert!(check_drawing(&good).is_ok());
    // Move one box onto another: an overlap.
    let mut overlap = good.clone();
    let first = overlap
        .layout
        .nodes
        .first()
        .map(|n| n.rect)
        .expect("a node");
    if let Some(n) = overlap.layout.nodes.get_mut(1) {
        n.rect = Rect {
            x: first.x + 10.0,
            y: first.y + 10.0,
            ..first
        };
    }
    assert!(check_drawing(&overlap).is_err_and(|e| e.contains("overlaps")));
    // Route an edge straight through an unrelated box.
    let mut crossing = good.clone();
    let target = crossing
        .layout
        .nodes
        .iter()
        .find(|n| {
            n.parent.is_none()
                && crossing
                    .graph
                    .node(n.state)
                    .is_some_and(|g| g.name == "OrderFailed")
        })
        .map(|n| n.rect)
        .expect("OrderFailed");
    if let Some(e) = crossing.layout.edges.first_mut() {
        e.points = vec![
            (target.x - 10.0, target.y + target.h / 2.0),
            (target.x + target.w + 10.0, target.y + target.h / 2.0),
        ];
    }
    let result = check_drawing(&crossing);
    assert!(
        result.as_ref().is_err_and(|e| e.contains("passes through")),
        "{result:?}"
    );
}

#[test]
fn layout_cache_reuses_unchanged_scopes() {
    use stepscope::layout::{layout, layout_cached, LayoutCache};
    let a = analyze(&SourceText::new("d", stepscope::demo::DEFINITION));
    let m = a.machine.expect("demo");
    let g = stepscope::graph::build_graph(&m);
    let opts = LayoutOptions::default();
    let mut cache = LayoutCache::default();
    let first = layout_cached(&g, &opts, &EstimateMeasure, &mut cache);
    assert_eq!(
        first,
        layout(&g, &opts, &EstimateMeasure),
        "cached and uncached layouts agree"
    );
    let misses = cache.misses;
    let again = layout_cached(&g, &opts, &EstimateMeasure, &mut cache);
    assert_eq!(first, again);
    assert_eq!(
        cache.misses, misses,
        "nothing changed, nothing laid out again"
    );
    // Edit a state inside the Map's processor: its scope and the root change, the branches don't.
    let edited = stepscope::demo::DEFINITION.replace("\"PrintLabel\"", "\"PrintShippingLabel\"");
    let m2 = analyze(&SourceText::new("d", edited))
        .machine
        .expect("edited");
    let g2 = stepscope::graph::build_graph(&m2);
    let hits = cache.hits;
    let changed = layout_cached(&g2, &opts, &EstimateMeasure, &mut cache);
    assert_eq!(changed, layout(&g2, &opts, &EstimateMeasure));
    assert_eq!(
        cache.hits - hits,
        2,
        "both Parallel branches came from the cache"
    );
}

#[test]
fn cli_render_with_a_history_draws_the_run_at_t_and_carries_its_source() {
    let demo = repo().join("src/demo/order-processing.asl.json");
    let hist = repo().join("src/demo/order-processing.history.json");
    let (code, svg, err) = crate::cli::stepscope(&[
        "render",
        demo.to_str().unwrap_or(""),
        "--history",
        hist.to_str().unwrap_or(""),
        "--at",
        "14750",
    ]);
    assert_eq!(code, 0, "{err}");
    let doc = roxmltree::Document::parse(&svg).expect("xml");
    let class_of = |name: &str| {
        doc.descendants()
            .find(|n| n.attribute("data-state") == Some(name))
            .and_then(|n| n.attribute("class"))
            .unwrap_or("")
            .to_string()
    };
    assert!(
        class_of("ChargeCard").contains("status-retrying"),
        "{}",
        class_of("ChargeCard")
    );
    assert!(class_of("ValidateOrder").contains("status-succeeded"));
    assert!(class_of("ShipItems").contains("status-notrun"));
    assert!(doc
        .descendants()
        .any(|n| n.attribute("class") == Some("edge next taken")));
    let badges: Vec<&str> = doc
        .descendants()
        .filter(|n| n.attribute("class") == Some("run-badge"))
        .filter_map(|n| n.text())
        .collect();
    // One badge per state entered by then: ValidateOrder took 786 ms.
    assert_eq!(badges.len(), 8, "{badges:?}");
    assert!(badges.contains(&"786 ms"), "{badges:?}");
    // The source inside reopens the same view.
    let back = stepscope::share::open_file(&svg)
        .expect("a source")
        .expect("decodes");
    assert_eq!(back.t, Some(14750));
    assert!(back.history.is_some());
    assert!(stepscope::demo::is_demo(
        &back.definition.unwrap_or_default()
    ));
    // Without a history: the definition only, every state as drawn.
    let (_, plain, _) = crate::cli::stepscope(&["render", demo.to_str().unwrap_or("")]);
    // No element carries a status class (the inline stylesheet names them, so look at classes).
    let statused: Vec<&str> = plain
        .split("class=\"")
        .skip(1)
        .filter_map(|rest| rest.split('"').next())
        .filter(|classes| classes.split(' ').any(|c| c.starts_with("status-")))
        .collect();
    assert!(statused.is_empty(), "{statused:?}");
    assert!(plain.contains("class=\"state task"), "the states are drawn");
    assert!(
        stepscope::share::open_file(&plain).is_some_and(|r| r.is_ok_and(|s| s.history.is_none()))
    );
}

#[test]
fn a_drawing_splits_into_top_level_elements_that_rebuild_it() {
    for example in stepscope::demo::examples() {
        let def = example.definition;
        let a = stepscope::pipeline::analyze(&stepscope::source::SourceText::new("d", def));
        let r = stepscope::pipeline::render(
            &a,
            &stepscope::layout::LayoutOptions::default(),
            &stepscope::layout::EstimateMeasure,
        )
        .expect("drawn");
        let svg = r.svg_with_problems("g", &a);
        let (shell, parts) = stepscope::svg::split_top_level(&svg).expect("splits");
        assert!(shell.ends_with("></svg>"));
        let states = parts
            .iter()
            .filter(|p| p.starts_with(r#"<g class="state "#))
            .count();
        assert_eq!(states, a.machine.as_ref().map_or(0, |m| m.states.len()));
        // Shell and parts, joined, are the drawing again.
        let rebuilt = format!(
            "{}{}</svg>",
            shell.trim_end_matches("</svg>"),
            parts.concat()
        );
        assert_eq!(
            roxmltree::Document::parse(&rebuilt)
                .expect("xml")
                .descendants()
                .count(),
            roxmltree::Document::parse(&svg)
                .expect("xml")
                .descendants()
                .count()
        );
        assert_eq!(rebuilt.len(), svg.len());
    }
    assert!(stepscope::svg::split_top_level("<svg><g></svg>").is_none());
}

/// The export is written in one pass, theme and run included: no SVG text is parsed again.
#[test]
fn the_export_writes_its_theme_run_and_source_in_one_pass() {
    use stepscope::pipeline::{analyze, export_svg, render, replay};
    let a = analyze(&SourceText::new("d", stepscope::demo::DEFINITION));
    let r = render(&a, &Default::default(), &stepscope::layout::EstimateMeasure).unwrap();
    let run = replay(
        &SourceText::new("h", stepscope::demo::HISTORY),
        a.machine.as_ref(),
    )
    .unwrap();
    let svg = export_svg(
        &r,
        &a,
        Some((&run.timeline, 5_000)),
        "d=1x",
        Some("theme-dark"),
    );
    assert!(svg.starts_with(
        r#"<svg xmlns="http://www.w3.org/2000/svg" class="stepscope-graph theme-dark""#
    ));
    assert!(svg.contains(r#"<metadata id="stepscope-source">d=1x</metadata>"#));
    assert!(svg.contains(r#"data-state="WaitForRestock""#));
    assert!(
        svg.contains(r#"<g class="state wait status-running" data-state="WaitForRestock""#),
        "{}",
        &svg[..400]
    );
    assert!(svg.contains(r#"<g class="run-overlay">"#));
    assert!(roxmltree::Document::parse(&svg).is_ok());
}

/// A big drawing goes into the page what-you-see first: its first slice holds the focus state
/// and its neighbours, and little else; putting every slice's groups in before their markers
/// gives back the drawing's elements in the drawing's order (its stacking order).
#[test]
fn a_big_drawing_is_cut_with_what_the_view_shows_first() {
    let mut states = serde_json::Map::new();
    let n = 400;
    for i in 0..n {
        let mut s = serde_json::json!({
            "Type": "Task", "Resource": "arn:aws:states:::lambda:invoke",
            "Retry": [{"ErrorEquals": ["States.ALL"], "MaxAttempts": 2}],
            "Catch": [{"ErrorEquals": ["States.ALL"], "Next": "Failed"}]
        });
        if i + 1 < n {
            s["Next"] = format!("Step{}", i + 1).into();
        } else {
            s["End"] = true.into();
        }
        states.insert(format!("Step{i}"), s);
    }
    states.insert("Failed".into(), serde_json::json!({"Type": "Fail"}));
    let def = serde_json::json!({"StartAt": "Step0", "States": states}).to_string();
    let a = analyze(&SourceText::new("d", def));
    let r = render(
        &a,
        &LayoutOptions::default(),
        &stepscope::layout::EstimateMeasure,
    )
    .expect("drawn");
    let svg = r.svg_with_problems("g", &a);
    let whole: Vec<String> = {
        let (_, parts) = stepscope::svg::split_top_level(&svg).expect("splits");
        parts.iter().map(|p| p.to_string()).collect()
    };
    for focus in [Some("Step0"), Some("Step200")] {
        let cut =
            stepscope::svg::progressive(&svg, focus, (1280.0, 800.0), 64 * 1024).expect("cuts");
        assert!(cut.slices.len() > 3, "{} slices", cut.slices.len());
        // After the opening view, each slice is about twice the one before (each one costs a
        // frame): so few slices, and the first ones short.
        let bytes: Vec<usize> = cut
            .slices
            .iter()
            .map(|s| s.iter().map(|(_, t)| t.len()).sum())
            .collect();
        for k in 2..bytes.len() - 1 {
            assert!(
                bytes[k] >= bytes[k - 1] * 3 / 2,
                "slice {k} holds {} bytes after {}",
                bytes[k],
                bytes[k - 1]
            );
        }
        assert!(
            bytes[1] < 2 * 64 * 1024,
            "the first slice after the view: {}",
            bytes[1]
        );
        let first: String = cut.slices[0].iter().map(|(_, t)| t.as_str()).collect();
        let want = format!("data-state=\"{}\"", focus.unwrap_or_default());
        assert!(first.contains(&want), "the first slice lacks {want}");
        assert!(!first.contains("data-state=\"Step399\""));
        assert!(
            first.len() * 10 < svg.len(),
            "{} of {}",
            first.len(),
            svg.len()
        );
        // Rebuild: each group before its marker, slice after slice.
        let mut layers: Vec<Vec<String>> = Vec::new();
        for slice in &cut.slices {
            for (k, text) in slice {
                if layers.len() <= *k {
                    layers.resize(k + 1, Vec::new());
                }
                layers[*k].push(text.clone());
            }
        }
        let markers = cut.shell.matches("data-layer=").count();
        assert_eq!(markers, layers.len());
        let body: String = layers.iter().flatten().map(String::as_str).collect();
        let rebuilt = format!(
            "{}{body}</svg>",
            cut.shell.split("<g data-layer").next().unwrap_or("")
        );
        let (_, parts) = stepscope::svg::split_top_level(&rebuilt).expect("rebuilt splits");
        let mut got: Vec<String> = parts.iter().map(|p| p.to_string()).collect();
        let mut sorted_whole = whole.clone();
        // Same elements; and within each layer, each slice's parts in the drawing's order.
        got.sort();
        sorted_whole.sort();
        assert_eq!(got, sorted_whole);
    }
}
