//! The bundled demo: an order-processing state machine and one recorded-looking run of it.
//!
//! The app loads these on the first visit, and tests use them as a realistic fixture.

/// The demo definition (Amazon States Language, JSON).
pub const DEFINITION: &str = include_str!("demo/order-processing.asl.json");

/// A `get-execution-history` output (CLI v2 style, ISO-8601 timestamps) for one run of [`DEFINITION`].
pub const HISTORY: &str = include_str!("demo/order-processing.history.json");

/// True when `text` is the demo definition, however it is formatted (a share link minifies it).
pub fn is_demo(text: &str) -> bool {
    text == DEFINITION
        || (text.len() < DEFINITION.len() * 2
            && serde_json::from_str::<serde_json::Value>(text).ok()
                == serde_json::from_str::<serde_json::Value>(DEFINITION).ok())
}

/// The name shown for the demo machine.
pub const NAME: &str = "order-processing";

/// One entry of the app's "Load example" menu.
#[derive(Debug, Clone, PartialEq)]
pub struct Example {
    pub name: &'static str,
    pub definition: String,
    pub history: String,
}

/// A machine with a JSONata Choice and an aws-sdk task, for the examples menu.
pub const JSONATA_DEFINITION: &str = r#"{
  "Comment": "Refund routing written in JSONata",
  "QueryLanguage": "JSONata",
  "StartAt": "Route",
  "States": {
    "Route": {
      "Type": "Choice",
      "Choices": [
        { "Condition": "{% $states.input.kind = 'refund' and $states.input.amount > 1000 %}", "Next": "StartReview" },
        { "Condition": "{% $states.input.kind = 'refund' %}", "Next": "Refund" }
      ],
      "Default": "Done"
    },
    "StartReview": {
      "Type": "Task",
      "Resource": "arn:aws:states:::aws-sdk:sfn:startExecution",
      "Arguments": { "StateMachineArn": "arn:aws:states:eu-west-1:123456789012:stateMachine:review", "Input": "{% $string($states.input) %}" },
      "Retry": [{ "ErrorEquals": ["Sfn.SfnException"], "MaxAttempts": 2 }],
      "Next": "Refund"
    },
    "Refund": {
      "Type": "Task",
      "Resource": "arn:aws:states:::lambda:invoke",
      "Arguments": { "FunctionName": "refund", "Payload": "{% $states.input %}" },
      "Output": "{% $states.result.Payload %}",
      "Next": "Done"
    },
    "Done": { "Type": "Succeed" }
  }
}"#;

/// A distributed-style big inline Map, for the examples menu.
pub const BIG_MAP_DEFINITION: &str = r#"{
  "Comment": "Resize every uploaded image",
  "StartAt": "ResizeAll",
  "States": {
    "ResizeAll": {
      "Type": "Map",
      "ItemsPath": "$.images",
      "MaxConcurrency": 20,
      "ItemProcessor": {
        "StartAt": "Resize",
        "States": {
          "Resize": {
            "Type": "Task",
            "Resource": "arn:aws:states:::lambda:invoke",
            "Retry": [{ "ErrorEquals": ["Lambda.TooManyRequestsException"], "IntervalSeconds": 1, "MaxAttempts": 3, "BackoffRate": 2 }],
            "Catch": [{ "ErrorEquals": ["States.ALL"], "Next": "MarkBroken" }],
            "Next": "Store"
          },
          "Store": { "Type": "Task", "Resource": "arn:aws:states:::s3:putObject", "End": true },
          "MarkBroken": { "Type": "Pass", "End": true }
        }
      },
      "Next": "Report"
    },
    "Report": { "Type": "Task", "Resource": "arn:aws:states:::sns:publish", "End": true }
  }
}"#;

/// The examples menu's entries, in order: the demo, a failing run of it, a big Map, and a JSONata
/// machine. `example(i)` builds entry `i`.
pub const EXAMPLE_NAMES: [&str; 4] = [
    "Order processing (succeeds, one caught error)",
    "Order processing (fails)",
    "Big Map (1,000 images)",
    "JSONata refund routing",
];

/// Example `i` of `EXAMPLE_NAMES`, with its run. Runs other than the demo's are generated,
/// deterministically, so only the one asked for is built.
pub fn example(i: usize) -> Option<Example> {
    use crate::pipeline::analyze;
    use crate::replay::{generate, GenOptions};
    use crate::source::SourceText;
    let run = |def: &str, opts: GenOptions, want_failure: bool| -> String {
        let Some(m) = analyze(&SourceText::new("example", def)).machine else {
            return String::new();
        };
        let mut last = String::new();
        for seed in 1..200 {
            let g = generate(&m, GenOptions { seed, ..opts });
            let failed = g.status == crate::replay::ExecutionStatus::Failed;
            last = g.history;
            if failed == want_failure {
                break;
            }
        }
        pretty(&last)
    };
    let (definition, history) = match i {
        0 => (DEFINITION, HISTORY.to_string()),
        1 => (
            DEFINITION,
            run(
                DEFINITION,
                GenOptions {
                    failure_rate: 0.5,
                    ..GenOptions::default()
                },
                true,
            ),
        ),
        2 => (
            BIG_MAP_DEFINITION,
            run(
                BIG_MAP_DEFINITION,
                GenOptions {
                    map_items: 1000,
                    failure_rate: 0.03,
                    ..GenOptions::default()
                },
                false,
            ),
        ),
        3 => (
            JSONATA_DEFINITION,
            run(
                JSONATA_DEFINITION,
                GenOptions {
                    failure_rate: 0.3,
                    ..GenOptions::default()
                },
                false,
            ),
        ),
        _ => return None,
    };
    Some(Example {
        name: EXAMPLE_NAMES[i],
        definition: definition.to_string(),
        history,
    })
}

/// Every example, in menu order.
pub fn examples() -> Vec<Example> {
    (0..EXAMPLE_NAMES.len()).filter_map(example).collect()
}

fn pretty(json: &str) -> String {
    serde_json::from_str::<serde_json::Value>(json)
        .ok()
        .and_then(|v| serde_json::to_string_pretty(&v).ok())
        .unwrap_or_else(|| json.to_string())
}
