//! Map states: the processor's mode, items and their sources, batching, concurrency, tolerance
//! and the ResultWriter.

use super::*;
use crate::diag::DiagnosticCode;

impl Lowerer {
    pub(super) fn map_fields(&mut self, node: &Node, path: &str, ql: QueryLanguage) -> Map {
        self.exclusive(node, path, "ItemsPath", "Items");
        self.exclusive(node, path, "ItemSelector", "Parameters");
        self.exclusive(node, path, "MaxConcurrency", "MaxConcurrencyPath");
        self.exclusive(
            node,
            path,
            "ToleratedFailureCount",
            "ToleratedFailureCountPath",
        );
        self.exclusive(
            node,
            path,
            "ToleratedFailurePercentage",
            "ToleratedFailurePercentagePath",
        );
        let processor = node.get("ItemProcessor").or_else(|| node.get("Iterator"));
        let config = processor.and_then(|p| p.get("ProcessorConfig"));
        let mode = match config.and_then(|c| c.get("Mode")).and_then(Node::as_str) {
            Some("DISTRIBUTED") => MapMode::Distributed,
            Some("INLINE") | None => MapMode::Inline,
            Some(other) => {
                let span = config
                    .and_then(|c| c.get("Mode"))
                    .map_or(node.span, |n| n.span);
                self.error(
                    DiagnosticCode::InvalidValue,
                    format!("'Mode' must be \"INLINE\" or \"DISTRIBUTED\", not \"{other}\""),
                    &pointer(path, "ItemProcessor/ProcessorConfig/Mode"),
                    span,
                );
                MapMode::Inline
            }
        };
        let execution_type = config
            .and_then(|c| c.get("ExecutionType"))
            .and_then(Node::as_str)
            .map(String::from);
        if let Some(et) = config.and_then(|c| c.get("ExecutionType")) {
            if !matches!(et.as_str(), Some("STANDARD" | "EXPRESS")) {
                self.error(
                    DiagnosticCode::InvalidValue,
                    "'ExecutionType' must be \"STANDARD\" or \"EXPRESS\"",
                    &pointer(path, "ItemProcessor/ProcessorConfig/ExecutionType"),
                    et.span,
                );
            }
        }
        if let Some(m) = node.get("MaxConcurrency") {
            self.check_whole(m, &pointer(path, "MaxConcurrency"), 0.0, "MaxConcurrency");
        }
        if let Some(t) = node.get("ToleratedFailureCount") {
            self.check_whole(
                t,
                &pointer(path, "ToleratedFailureCount"),
                0.0,
                "ToleratedFailureCount",
            );
        }
        if let Some(t) = node.get("ToleratedFailurePercentage") {
            match t.as_f64() {
                Some(n) if (0.0..=100.0).contains(&n) => {}
                Some(n) => self.error(
                    DiagnosticCode::OutOfRange,
                    format!("'ToleratedFailurePercentage' must be between 0 and 100, not {n}"),
                    &pointer(path, "ToleratedFailurePercentage"),
                    t.span,
                ),
                None if t.as_str().is_some_and(|s| s.starts_with("{%")) => {}
                None => self.error(
                    DiagnosticCode::InvalidType,
                    "'ToleratedFailurePercentage' must be a number",
                    &pointer(path, "ToleratedFailurePercentage"),
                    t.span,
                ),
            }
        }
        if ql == QueryLanguage::JsonPath {
            for f in [
                "MaxConcurrencyPath",
                "ToleratedFailureCountPath",
                "ToleratedFailurePercentagePath",
            ] {
                if let Some(v) = node.get(f) {
                    self.check_path_field(v, &pointer(path, f), f, false);
                }
            }
        }
        let mut item_source = node
            .get("ItemsPath")
            .and_then(Node::as_str)
            .map(String::from)
            .or_else(|| {
                node.get("Items").map(|i| {
                    i.as_str()
                        .map_or_else(|| "literal items".to_string(), String::from)
                })
            });
        if let Some(reader) = node.get("ItemReader") {
            let rp = pointer(path, "ItemReader");
            let res = reader.get("Resource").and_then(Node::as_str).unwrap_or("");
            let action = res.rsplit(':').next().unwrap_or(res);
            let input = reader
                .get("ReaderConfig")
                .and_then(|c| c.get("InputType"))
                .and_then(Node::as_str);
            item_source = Some(match input {
                Some(t) => format!("s3:{action} ({t})"),
                None => format!("s3:{action}"),
            });
            if let Some(rc) = reader.get("ReaderConfig") {
                self.exclusive(
                    rc,
                    &pointer(&rp, "ReaderConfig"),
                    "MaxItems",
                    "MaxItemsPath",
                );
            }
            if ql == QueryLanguage::JsonPath {
                if let Some(p) = reader.get("Parameters") {
                    self.check_template(p, &pointer(&rp, "Parameters"), 0);
                }
            }
        }
        if let Some(b) = node.get("ItemBatcher") {
            let bp = pointer(path, "ItemBatcher");
            self.check_duplicate_keys(b, &bp, "field");
            self.exclusive(b, &bp, "MaxItemsPerBatch", "MaxItemsPerBatchPath");
            self.exclusive(b, &bp, "MaxInputBytesPerBatch", "MaxInputBytesPerBatchPath");
        }
        if let Some(w) = node.get("ResultWriter") {
            if ql == QueryLanguage::JsonPath {
                if let Some(p) = w.get("Parameters") {
                    self.check_template(
                        p,
                        &pointer(&pointer(path, "ResultWriter"), "Parameters"),
                        0,
                    );
                }
            }
        }
        if let Some(items) = node.member("ItemsPath") {
            if items.value.is_null() {
                self.error(
                    DiagnosticCode::InvalidType,
                    "'ItemsPath' must be a path, not null",
                    &pointer(path, "ItemsPath"),
                    items.value.span,
                );
            }
        }
        let label = node.get("Label").and_then(Node::as_str).map(String::from);
        if let Some(l) = node.get("Label") {
            let lp = pointer(path, "Label");
            match l.as_str() {
                Some("") => self.error(
                    DiagnosticCode::InvalidLabel,
                    "'Label' cannot be empty",
                    &lp,
                    l.span,
                ),
                Some(s) if s.chars().count() > 40 => self.error(
                    DiagnosticCode::InvalidLabel,
                    "'Label' cannot exceed 40 characters",
                    &lp,
                    l.span,
                ),
                Some(s)
                    if s.chars().any(|c| {
                        c.is_whitespace() || c.is_control() || "?*<>{}[]:;,\\|^~$#%&`\"".contains(c)
                    }) =>
                {
                    self.error(
                        DiagnosticCode::InvalidLabel,
                        "'Label' contains an invalid character",
                        &lp,
                        l.span,
                    )
                }
                Some(_) => {}
                None => self.error(
                    DiagnosticCode::InvalidType,
                    "'Label' must be a string",
                    &lp,
                    l.span,
                ),
            }
        }
        if mode == MapMode::Inline {
            for f in [
                "ItemReader",
                "ItemBatcher",
                "ResultWriter",
                "ToleratedFailureCount",
                "ToleratedFailurePercentage",
                "Label",
            ] {
                if let Some(m) = node.member(f) {
                    self.warning(
                        DiagnosticCode::DistributedOnlyField,
                        format!("'{f}' only applies to a DISTRIBUTED Map"),
                        &pointer(path, f),
                        m.key_span,
                    );
                }
            }
        }
        Map {
            processor: None,
            mode,
            execution_type,
            max_concurrency: node
                .get("MaxConcurrency")
                .map(|n| {
                    n.as_str()
                        .map_or_else(|| n.to_json().to_string(), String::from)
                })
                .or_else(|| {
                    node.get("MaxConcurrencyPath")
                        .and_then(Node::as_str)
                        .map(String::from)
                }),
            item_source,
            label,
            tolerated_failures: node
                .get("ToleratedFailurePercentage")
                .map(|n| format!("{}%", n.to_json()))
                .or_else(|| {
                    node.get("ToleratedFailureCount")
                        .map(|n| n.to_json().to_string())
                }),
            has_item_batcher: node.get("ItemBatcher").is_some(),
            has_result_writer: node.get("ResultWriter").is_some(),
        }
    }
}
