//! The flow graph: what to draw, independent of where. One node per state, edges for `Next`,
//! Choice rules and `Default`, and Catch routes, with parallel edges merged. Built from the model.

use crate::asl::{
    Condition, Integration, ScopeId, ScopeKind, StateId, StateKind, StateMachine, StateType,
    TransitionKind,
};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EdgeKind {
    Next,
    Choice,
    Default,
    Catch,
}

impl EdgeKind {
    pub fn as_str(self) -> &'static str {
        match self {
            EdgeKind::Next => "next",
            EdgeKind::Choice => "choice",
            EdgeKind::Default => "default",
            EdgeKind::Catch => "catch",
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct GraphEdge {
    pub from: StateId,
    pub to: StateId,
    pub kind: EdgeKind,
    /// A compact label (`$.x == "A"`, `default`, `States.ALL`); empty for plain `Next`.
    pub label: String,
    pub scope: ScopeId,
}

#[derive(Debug, Clone, PartialEq)]
pub struct GraphNode {
    pub state: StateId,
    pub name: String,
    /// Its type; `kind.class()` is the CSS class and the JSON `kind`.
    pub kind: StateType,
    /// A second line: `lambda:invoke`, `Wait 10s`, `inline · max 2`, ...
    pub detail: String,
    /// The retry badge, when the state retries.
    pub retry: Option<RetryBadge>,
    pub scope: ScopeId,
    /// The scopes drawn inside this node (Parallel branches, Map processor).
    pub children: Vec<ScopeId>,
    /// What a screen reader says: its type and where it leads.
    pub description: String,
}

/// A state's retry badge: its short text (`↻ ×3 · 1s · ×2`) and the whole policy, for the tooltip.
#[derive(Debug, Clone, PartialEq)]
pub struct RetryBadge {
    pub text: String,
    pub policy: String,
}

/// A scope as the layout sees it.
#[derive(Debug, Clone, PartialEq)]
pub struct GraphScope {
    /// Its StartAt state, when it resolves.
    pub start: Option<StateId>,
    /// Its states, in source order.
    pub states: Vec<StateId>,
    pub kind: ScopeKind,
}

#[derive(Debug, Clone, PartialEq)]
pub struct FlowGraph {
    pub nodes: Vec<GraphNode>,
    pub edges: Vec<GraphEdge>,
    pub scopes: Vec<GraphScope>,
}

impl FlowGraph {
    pub fn node(&self, id: StateId) -> Option<&GraphNode> {
        self.nodes.get(id.0 as usize)
    }
}

/// Longest labels are cut here; the full text stays in the tooltip.
pub const MAX_LABEL: usize = 32;

pub fn ellipsize(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        s.to_string()
    } else {
        let cut: String = s.chars().take(max.saturating_sub(1)).collect();
        format!("{cut}…")
    }
}

fn detail(kind: &StateKind) -> String {
    match kind {
        StateKind::Task(t) => {
            let r = &t.resource;
            let base = match r.pattern {
                Integration::LambdaArn => format!("lambda:{}", r.action),
                Integration::Activity => format!("activity:{}", r.action),
                Integration::Placeholder | Integration::Unknown if r.service.is_empty() => {
                    r.action.clone()
                }
                _ => format!("{}:{}", r.service, r.action),
            };
            let suffix = match r.pattern {
                Integration::Sync => " · sync",
                Integration::WaitForTaskToken => " · callback",
                _ => "",
            };
            format!("{base}{suffix}")
        }
        StateKind::Wait(w) => match &w.duration {
            crate::asl::WaitFor::Seconds(s) => format!("wait {s}s"),
            crate::asl::WaitFor::Timestamp(t) => format!("until {t}"),
            crate::asl::WaitFor::SecondsPath(p) => format!("wait {p} s"),
            crate::asl::WaitFor::TimestampPath(p) => format!("until {p}"),
            crate::asl::WaitFor::Missing => "wait".into(),
        },
        StateKind::Map(map) => {
            let mut parts = vec![match map.mode {
                crate::asl::MapMode::Inline => "inline".to_string(),
                crate::asl::MapMode::Distributed => "distributed".to_string(),
            }];
            if let Some(c) = &map.max_concurrency {
                parts.push(format!("max {c}"));
            }
            if let Some(src) = &map.item_source {
                parts.push(src.clone());
            }
            parts.join(" · ")
        }
        StateKind::Parallel { branches } => format!("{} branches", branches.len()),
        StateKind::Choice(c) => format!(
            "{} rule{}",
            c.rules.len(),
            if c.rules.len() == 1 { "" } else { "s" }
        ),
        StateKind::Fail { error, .. } => error.clone().unwrap_or_default(),
        StateKind::Unknown(t) => t.clone(),
        StateKind::Pass | StateKind::Succeed => String::new(),
    }
}

/// A sentence about a state for assistive technology, such as
/// "Choice CheckStock: 2 rules, default → Backorder".
pub fn describe(s: &crate::asl::State) -> String {
    let name_of = |t: &crate::asl::Transition| t.name.clone();
    let mut parts: Vec<String> = Vec::new();
    match &s.kind {
        StateKind::Choice(c) => {
            let targets: Vec<String> = c
                .rules
                .iter()
                .filter_map(|r| r.next.as_ref().map(name_of))
                .collect();
            parts.push(format!(
                "{} rule{} → {}",
                c.rules.len(),
                if c.rules.len() == 1 { "" } else { "s" },
                targets.join(", ")
            ));
            if let Some(d) = &c.default {
                parts.push(format!("default → {}", d.name));
            }
        }
        StateKind::Succeed => parts.push("ends the run successfully".into()),
        StateKind::Fail { error, .. } => parts.push(format!(
            "fails the run{}",
            error
                .as_ref()
                .map(|e| format!(" with {e}"))
                .unwrap_or_default()
        )),
        _ => {
            let d = detail(&s.kind);
            if !d.is_empty() {
                parts.push(d);
            }
            match (&s.next, s.end) {
                (Some(n), _) => parts.push(format!("→ {}", n.name)),
                (None, true) => parts.push("ends".into()),
                _ => {}
            }
        }
    }
    if !s.retriers.is_empty() {
        parts.push(format!(
            "retries {}",
            s.retriers
                .iter()
                .map(|r| r.error_equals.join(" or "))
                .collect::<Vec<_>>()
                .join("; ")
        ));
    }
    for c in &s.catchers {
        if let Some(n) = &c.next {
            parts.push(format!("on {} → {}", c.error_equals.join(" or "), n.name));
        }
    }
    format!("{} {}: {}", s.kind.asl_type(), s.name, parts.join(", "))
}

/// Builds the flow graph of a machine. Edges to unresolved targets are left out (the diagnostics
/// say why), and edges between the same two states with the same kind are merged.
pub fn build_graph(m: &StateMachine) -> FlowGraph {
    let mut nodes = Vec::with_capacity(m.states.len());
    let mut edges: Vec<GraphEdge> = Vec::new();
    for s in &m.states {
        let children = match &s.kind {
            StateKind::Parallel { branches } => branches.clone(),
            StateKind::Map(map) => map.processor.into_iter().collect(),
            _ => Vec::new(),
        };
        let retry = if s.retriers.is_empty() {
            None
        } else {
            let first = s.retriers.first();
            let attempts: f64 = s
                .retriers
                .iter()
                .map(|r| r.max_attempts)
                .fold(0.0, f64::max);
            let badge = match first {
                Some(r) => format!(
                    "↻ ×{attempts} · {}s · ×{}",
                    r.interval_seconds, r.backoff_rate
                ),
                None => String::new(),
            };
            let full = s
                .retriers
                .iter()
                .map(|r| r.describe())
                .collect::<Vec<_>>()
                .join("\n");
            Some(RetryBadge {
                text: badge,
                policy: full,
            })
        };
        let description = describe(s);
        nodes.push(GraphNode {
            description,
            state: s.id,
            name: s.name.clone(),
            kind: s.kind.state_type(),
            detail: detail(&s.kind),
            retry,
            scope: s.scope,
            children,
        });
        for (kind, t) in m.transitions(s) {
            let Some(to) = t.target else { continue };
            let (kind, label) = match kind {
                TransitionKind::Next => (EdgeKind::Next, String::new()),
                TransitionKind::ChoiceRule(i) => {
                    let label = match &s.kind {
                        StateKind::Choice(c) => c
                            .rules
                            .get(i)
                            .map(|r| r.condition.label())
                            .unwrap_or_default(),
                        _ => String::new(),
                    };
                    (
                        EdgeKind::Choice,
                        if label.is_empty() || label == Condition::Invalid.label() {
                            format!("rule {}", i + 1)
                        } else {
                            label
                        },
                    )
                }
                TransitionKind::ChoiceDefault => (EdgeKind::Default, "default".to_string()),
                TransitionKind::Catch(i) => (
                    EdgeKind::Catch,
                    s.catchers
                        .get(i)
                        .map(|c| c.error_equals.join(", "))
                        .unwrap_or_default(),
                ),
            };
            // Merge parallel edges of the same kind: labels join, so layout sees one edge.
            if let Some(e) = edges
                .iter_mut()
                .find(|e| e.from == s.id && e.to == to && e.kind == kind)
            {
                if !label.is_empty() {
                    e.label = format!("{} | {label}", e.label);
                }
                continue;
            }
            edges.push(GraphEdge {
                from: s.id,
                to,
                kind,
                label,
                scope: s.scope,
            });
        }
    }
    let scopes = m
        .scopes
        .iter()
        .map(|sc| GraphScope {
            start: sc.start_at.as_ref().and_then(|t| t.target),
            states: sc.states.clone(),
            kind: sc.kind,
        })
        .collect();
    FlowGraph {
        nodes,
        edges,
        scopes,
    }
}
