//! The app's domain decisions, kept in the core: arrow-key neighbours, the state at an editor
//! offset, a run's first failure, which text is a history, and whether a run belongs to a
//! definition.

use stepscope::demo;
use stepscope::pipeline::{analyze, replay};
use stepscope::source::SourceText;
use stepscope::view;

fn demo_machine() -> stepscope::asl::StateMachine {
    analyze(&SourceText::new("d", demo::DEFINITION))
        .machine
        .expect("the demo parses")
}

#[test]
fn arrow_keys_follow_transitions_into_and_out_of_branches() {
    let m = demo_machine();
    assert_eq!(
        view::neighbour(&m, None, true).as_deref(),
        Some("ValidateOrder")
    );
    assert_eq!(
        view::neighbour(&m, Some("ValidateOrder"), true).as_deref(),
        Some("CheckStock")
    );
    assert_eq!(
        view::neighbour(&m, Some("CheckStock"), false).as_deref(),
        Some("ValidateOrder")
    );
    // A Parallel leads into its first branch, and a branch's start leads back to it.
    let inner = view::neighbour(&m, Some("ProcessPayment"), true).expect("into the branch");
    assert_eq!(
        view::neighbour(&m, Some(&inner), false).as_deref(),
        Some("ProcessPayment")
    );
}

#[test]
fn the_state_at_an_offset_is_the_innermost_one() {
    let m = demo_machine();
    let at = demo::DEFINITION
        .find("\"ChargeCard\": {")
        .expect("in the demo")
        + 3;
    assert_eq!(view::state_at_offset(&m, at).as_deref(), Some("ChargeCard"));
    assert_eq!(view::state_at_offset(&m, 0), None);
}

#[test]
fn first_failure_histories_and_runs_that_do_not_belong() {
    let failing = &demo::examples()[1];
    let m = analyze(&SourceText::new("d", &failing.definition))
        .machine
        .expect("parses");
    let run = replay(&SourceText::new("h", &failing.history), Some(&m)).expect("a run");
    let (state, at) = view::first_failure(&run.timeline).expect("the failing example fails");
    assert!(m.find(&state).is_some());
    assert!(at >= 0 && at <= run.timeline.duration_ms);
    assert!(view::is_history(demo::HISTORY));
    assert!(!view::is_history(demo::DEFINITION));
    // The demo's run against its own definition, and against another machine's.
    assert!(view::missing_states(&m, &run.timeline).is_empty());
    let other = analyze(&SourceText::new(
        "o",
        r#"{"StartAt":"A","States":{"A":{"Type":"Succeed"}}}"#,
    ))
    .machine
    .expect("parses");
    let missing = view::missing_states(&other, &run.timeline);
    assert_eq!(missing.first().map(String::as_str), Some("ValidateOrder"));
    let mut sorted = missing.clone();
    sorted.sort();
    sorted.dedup();
    assert_eq!(sorted.len(), missing.len(), "each state named once");
    assert!(view::name_some(&missing, 2).ends_with(&format!("and {} more", missing.len() - 2)));
}

#[test]
fn a_kept_layout_cache_draws_what_a_fresh_one_draws() {
    use stepscope::layout::{EstimateMeasure, LayoutCache, LayoutOptions};
    use stepscope::pipeline::{render, render_cached};
    let a = analyze(&SourceText::new("d", demo::DEFINITION));
    let opts = LayoutOptions::default();
    let fresh = render(&a, &opts, &EstimateMeasure).expect("draws");
    let mut cache = LayoutCache::default();
    for _ in 0..2 {
        let kept = render_cached(&a, &opts, &EstimateMeasure, &mut cache).expect("draws");
        assert_eq!(kept.svg("g"), fresh.svg("g"));
    }
}

#[test]
fn the_examples_menu_names_every_example_in_order() {
    for (i, name) in demo::EXAMPLE_NAMES.iter().enumerate() {
        let ex = demo::example(i).expect("an example per name");
        assert_eq!(ex.name, *name);
        assert!(!ex.history.is_empty(), "{name} has a run");
    }
    assert!(demo::example(demo::EXAMPLE_NAMES.len()).is_none());
}
