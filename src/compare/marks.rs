//! What the graph shows in the two comparison views, decided here and painted by the shell:
//! per state a class and a badge, per edge a class and a width.
//!
//! - Two runs: each state is `cmp-both`, `cmp-only-a`, `cmp-only-b` or `cmp-neither` (the
//!   contract), the first divergence also `cmp-diverge`; the badge is the time delta and the
//!   tries ("+1.2 s · ×2 tries"); edges taken by one run only are `cmp-edge-a` / `cmp-edge-b`.
//! - Many runs: heat by each state's share of the time all runs spent (`runs-heat-0`…`4`),
//!   a badge "p50 1.2 s · 37 ✗", and edges as wide as the share of all runs that took them.

use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};

use super::{Comparison, Divergence, Stats};
use crate::replay::{format_duration, Timeline};

/// The four classes of the comparison contract.
pub const CMP_CLASSES: [&str; 4] = ["cmp-both", "cmp-only-a", "cmp-only-b", "cmp-neither"];

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StateMark {
    pub state: String,
    /// Space-separated classes.
    pub class: String,
    pub badge: String,
    /// The longer text a tooltip gives.
    pub title: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EdgeMark {
    pub from: String,
    pub to: String,
    pub class: String,
    /// The stroke width, when the view sets one.
    pub width: Option<f64>,
}

#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct Marks {
    pub states: Vec<StateMark>,
    pub edges: Vec<EdgeMark>,
}

/// "At Ship, A went to Done and B to Refund."
pub fn divergence_text(d: &Divergence) -> String {
    let side = |n: &Option<String>| match n {
        Some(n) => format!("went to {n}"),
        None => "ended there".to_string(),
    };
    format!(
        "At {}, A {} and B {}.",
        d.state,
        side(&d.a_next),
        match &d.b_next {
            Some(n) => format!("to {n}"),
            None => "ended there".to_string(),
        }
    )
}

fn tries(t: &Timeline) -> BTreeMap<&str, usize> {
    let mut m: BTreeMap<&str, usize> = BTreeMap::new();
    for v in &t.visits {
        *m.entry(v.state.as_str()).or_default() += v.attempts.len().max(1);
    }
    m
}

fn taken(t: &Timeline) -> BTreeSet<(&str, &str)> {
    t.visits
        .iter()
        .filter_map(|v| {
            let n = t.visits.get(v.next?)?;
            Some((v.state.as_str(), n.state.as_str()))
        })
        .collect()
}

/// A time difference with its sign: "+1.2 s", "−300 ms", "±0".
pub fn signed(ms: i64) -> String {
    if ms > 0 {
        format!("+{}", format_duration(ms))
    } else if ms < 0 {
        format!("−{}", format_duration(-ms))
    } else {
        "±0".to_string()
    }
}

/// The comparison of `a` and `b` on the graph whose states are `names`.
pub fn comparison<'n>(
    names: impl IntoIterator<Item = &'n str>,
    a: &Timeline,
    b: &Timeline,
    c: &Comparison,
) -> Marks {
    let by: BTreeMap<&str, &super::StateDelta> =
        c.states.iter().map(|d| (d.state.as_str(), d)).collect();
    let (ta, tb) = (tries(a), tries(b));
    let diverge = c.first_divergence.as_ref().map(|d| d.state.as_str());
    let mut seen = BTreeSet::new();
    let mut states = Vec::new();
    for name in names {
        if !seen.insert(name) {
            continue;
        }
        let d = by.get(name);
        let (av, bv) = d.map_or((0, 0), |d| (d.a_visits, d.b_visits));
        let class = match (av > 0, bv > 0) {
            (true, true) => "cmp-both",
            (true, false) => "cmp-only-a",
            (false, true) => "cmp-only-b",
            (false, false) => "cmp-neither",
        };
        let mut badge = Vec::new();
        let mut title = Vec::new();
        // Histories without timestamps have an order, not times.
        if let Some(d) = d.filter(|_| a.timed && b.timed) {
            match (d.a_ms, d.b_ms) {
                (Some(x), Some(y)) => {
                    badge.push(signed(y - x));
                    title.push(format!(
                        "A {} · B {} ({})",
                        format_duration(x),
                        format_duration(y),
                        signed(y - x)
                    ));
                }
                (Some(x), None) => title.push(format!("only A ran it: {}", format_duration(x))),
                (None, Some(y)) => title.push(format!("only B ran it: {}", format_duration(y))),
                (None, None) => {}
            }
        }
        let (na, nb) = (
            ta.get(name).copied().unwrap_or(0),
            tb.get(name).copied().unwrap_or(0),
        );
        if av > 0 && bv > 0 && na != nb {
            badge.push(format!("tries {na}→{nb}"));
            title.push(format!("tries: A {na}, B {nb}"));
        } else if av != bv && av > 0 && bv > 0 {
            title.push(format!("visits: A {av}, B {bv}"));
        }
        match class {
            "cmp-only-a" => badge.push("A only".into()),
            "cmp-only-b" => badge.push("B only".into()),
            _ => {}
        }
        let mut class = class.to_string();
        if diverge == Some(name) {
            class.push_str(" cmp-diverge");
            if let Some(dv) = &c.first_divergence {
                title.push(divergence_text(dv));
            }
        }
        states.push(StateMark {
            state: name.to_string(),
            class,
            badge: badge.join(" · "),
            title: title.join("\n"),
        });
    }
    let (ea, eb) = (taken(a), taken(b));
    let edges = ea
        .union(&eb)
        .map(|&(from, to)| {
            let class = match (ea.contains(&(from, to)), eb.contains(&(from, to))) {
                (true, true) => "cmp-edge-both",
                (true, false) => "cmp-edge-a",
                _ => "cmp-edge-b",
            };
            EdgeMark {
                from: from.to_string(),
                to: to.to_string(),
                class: class.to_string(),
                width: None,
            }
        })
        .collect();
    Marks { states, edges }
}

/// The thinnest and widest edge of the many-runs view, in the drawing's units.
pub const EDGE_MIN: f64 = 1.4;
pub const EDGE_MAX: f64 = 7.0;

/// Many runs on the graph whose states are `names`; a state's heat is its share of the time all
/// runs spent (its `total_ms` over the hottest state's).
pub fn many<'n>(names: impl IntoIterator<Item = &'n str>, s: &Stats) -> Marks {
    let by: BTreeMap<&str, &super::StateStats> =
        s.states.iter().map(|x| (x.state.as_str(), x)).collect();
    let hottest = s
        .states
        .iter()
        .map(|x| x.total_ms)
        .max()
        .unwrap_or(0)
        .max(1);
    let mut seen = BTreeSet::new();
    let mut states = Vec::new();
    for name in names {
        if !seen.insert(name) {
            continue;
        }
        let Some(st) = by.get(name) else {
            states.push(StateMark {
                state: name.to_string(),
                class: "runs-none".into(),
                badge: String::new(),
                title: format!("no run of the {} entered it", s.runs),
            });
            continue;
        };
        let t = st.total_ms;
        let level = ((t as f64 / hottest as f64) * 4.0).ceil().clamp(0.0, 4.0) as u8;
        let failed: usize = st.errors.iter().map(|e| e.count).sum();
        let mut badge = st
            .p50_ms
            .map(|p| format!("p50 {}", format_duration(p)))
            .unwrap_or_default();
        if failed > 0 {
            badge.push_str(&format!(" · {failed} ✗"));
        }
        let ms = |x: Option<i64>| x.map_or("–".to_string(), format_duration);
        let mut title = format!(
            "{} of {} runs · {} visits · p50 {} · p95 {} · max {}",
            st.runs,
            s.runs,
            st.visits,
            ms(st.p50_ms),
            ms(st.p95_ms),
            ms(st.max_ms)
        );
        for e in st.errors.iter().take(3) {
            title.push_str(&format!(
                "\n{}{} ×{}",
                e.error,
                e.cause
                    .as_ref()
                    .map(|c| format!(": {c}"))
                    .unwrap_or_default(),
                e.count
            ));
        }
        states.push(StateMark {
            state: name.to_string(),
            class: format!("runs-heat-{level}"),
            badge,
            title,
        });
    }
    let most = s.runs.max(1);
    let edges = s
        .edges
        .iter()
        .map(|e| EdgeMark {
            from: e.from.clone(),
            to: e.to.clone(),
            class: "runs-edge".into(),
            width: Some(EDGE_MIN + (EDGE_MAX - EDGE_MIN) * e.runs as f64 / most as f64),
        })
        .collect();
    Marks { states, edges }
}
