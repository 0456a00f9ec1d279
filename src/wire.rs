//! The compact binary forms a rebuilt run and an analysed definition take from the Web Worker
//! back to the page: postcard over serde derives. The page needs the timeline, not the raw events, so only their count
//! crosses; inputs and outputs cross as the history's text and are decoded when shown
//! ([`crate::replay::Visit::input_value`]).

use crate::diag::Diagnostic;
use crate::history::{History, HistoryForm};
use crate::pipeline::Replay;
use crate::replay::Timeline;
use serde::{Deserialize, Serialize};

#[derive(Serialize, Deserialize)]
struct WireReplay {
    form: HistoryForm,
    execution_name: Option<String>,
    partial: bool,
    timeline: Timeline,
    #[serde(with = "diagnostics")]
    diagnostics: Vec<Diagnostic>,
}

/// Encodes a replay for the trip from the worker to the page.
pub fn encode_replay(r: &Replay) -> Vec<u8> {
    let wire = WireReplay {
        form: r.history.form,
        execution_name: r.history.execution.as_ref().and_then(|e| e.name.clone()),
        partial: r.history.partial,
        timeline: r.timeline.clone(),
        diagnostics: r.diagnostics.clone(),
    };
    postcard::to_allocvec(&wire).unwrap_or_default()
}

/// Decodes what [`encode_replay`] wrote. The history comes back without its events (the
/// timeline has one entry per event) and with only the execution's name from describe-execution.
pub fn decode_replay(bytes: &[u8]) -> Option<Replay> {
    let wire: WireReplay = postcard::from_bytes(bytes).ok()?;
    Some(Replay {
        history: History {
            form: wire.form,
            events: Vec::new(),
            execution: wire
                .execution_name
                .map(|name| crate::history::ExecutionInfo {
                    name: Some(name),
                    ..Default::default()
                }),
            partial: wire.partial,
        },
        timeline: wire.timeline,
        diagnostics: wire.diagnostics,
    })
}

/// Encodes a definition's analysis for the trip from the worker to the page.
pub fn encode_analysis(a: &crate::pipeline::Analysis) -> Vec<u8> {
    postcard::to_allocvec(a).unwrap_or_default()
}

/// Decodes what [`encode_analysis`] wrote, with the machine's name index built again.
pub fn decode_analysis(bytes: &[u8]) -> Option<crate::pipeline::Analysis> {
    let mut a: crate::pipeline::Analysis = postcard::from_bytes(bytes).ok()?;
    if let Some(m) = a.machine.as_mut() {
        m.index_names();
    }
    Some(a)
}

/// Diagnostics cross as plain fields, their codes as their text (`DiagnosticCode` is serde).
pub(crate) mod diagnostics {
    use crate::diag::{Diagnostic, DiagnosticCode, Severity};
    use crate::source::Span;
    use serde::{Deserialize, Deserializer, Serialize, Serializer};

    type Fields = (Severity, DiagnosticCode, String, String, Option<Span>);

    pub fn serialize<S: Serializer>(list: &[Diagnostic], s: S) -> Result<S::Ok, S::Error> {
        list.iter()
            .map(|d| {
                (
                    d.severity,
                    d.code,
                    d.message.clone(),
                    d.path.clone(),
                    d.span,
                )
            })
            .collect::<Vec<Fields>>()
            .serialize(s)
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<Diagnostic>, D::Error> {
        let fields = Vec::<Fields>::deserialize(d)?;
        Ok(fields
            .into_iter()
            .map(|(severity, code, message, path, span)| {
                Diagnostic::new(severity, code, message, path, span)
            })
            .collect())
    }
}
