//! Phase 0: the layout cache. A scope's layout is keyed by everything that can change it (its
//! states' text and sizes, its edges, the keys of its nested scopes), so a redraw lays out only
//! the scopes that changed.

use super::scope::ScopeLayout;
use crate::asl::{ScopeId, StateId};
use crate::graph::{FlowGraph, GraphNode};
use std::collections::hash_map::DefaultHasher;
use std::collections::HashMap;
use std::hash::{Hash, Hasher};

/// Layouts of scopes by content, so a redraw lays out only the scopes that changed.
#[derive(Default)]
pub struct LayoutCache {
    pub(super) entries: HashMap<u64, ScopeLayout>,
    pub hits: usize,
    pub misses: usize,
    /// When set, every flat graph handed to the engine is recorded (sizes, edges, scope depth),
    /// so benchmarks can give other engines exactly the same input.
    pub trace: Option<Vec<EngineInput>>,
}

/// One flat graph as the engine saw it.
#[derive(Debug, Clone, PartialEq)]
pub struct EngineInput {
    pub depth: usize,
    pub sizes: Vec<(f64, f64)>,
    pub edges: Vec<(usize, usize)>,
}

impl LayoutCache {
    /// A cache that also records every engine input (see `trace`).
    pub fn tracing() -> Self {
        LayoutCache {
            trace: Some(Vec::new()),
            ..LayoutCache::default()
        }
    }

    /// Forgets everything when it grows past `max` scopes.
    pub fn trim(&mut self, max: usize) {
        if self.entries.len() > max {
            self.entries.clear();
        }
    }

    /// The layout stored under `key`, counted as a hit or a miss.
    pub(super) fn get(&mut self, key: u64) -> Option<ScopeLayout> {
        let hit = self.entries.get(&key).cloned();
        if hit.is_some() {
            self.hits += 1;
        } else {
            self.misses += 1;
        }
        hit
    }

    pub(super) fn record(&mut self, input: impl FnOnce() -> EngineInput) {
        if let Some(trace) = self.trace.as_mut() {
            trace.push(input());
        }
    }
}

/// The key of one scope's layout, fed while its states are sized.
pub(super) struct ScopeKey(DefaultHasher);

impl ScopeKey {
    pub(super) fn new(
        scope: ScopeId,
        owner: Option<StateId>,
        lr: bool,
        start: Option<StateId>,
    ) -> Self {
        let mut h = DefaultHasher::new();
        (scope.0, owner.map(|o| o.0), lr, start.map(|s| s.0)).hash(&mut h);
        ScopeKey(h)
    }

    /// A nested scope's own key: its content is part of this one's.
    pub(super) fn nested(&mut self, key: u64) {
        key.hash(&mut self.0);
    }

    /// A state's text and its box's size.
    pub(super) fn state(&mut self, id: StateId, n: &GraphNode, size: (f64, f64)) {
        (
            id.0,
            &n.name,
            &n.kind,
            &n.detail,
            n.retry.as_ref().map(|r| &r.text),
            size.0.to_bits(),
            size.1.to_bits(),
        )
            .hash(&mut self.0);
    }

    /// The scope's edges (an edge belongs to the scope of the state it leaves), then the key.
    pub(super) fn finish(mut self, g: &FlowGraph, scope: ScopeId) -> u64 {
        for (i, e) in g.edges.iter().enumerate().filter(|(_, e)| e.scope == scope) {
            (i, e.from.0, e.to.0, e.kind.as_str(), &e.label).hash(&mut self.0);
        }
        self.0.finish()
    }
}
