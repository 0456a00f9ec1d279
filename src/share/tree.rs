//! Payload version 2 of a JSON definition: the JSON as a stream of tokens, then deflate. Deflate
//! alone spends most of a mid-size definition on its structure: `"Type":"Task","Next":"` and
//! every state's name again in `Next`, `Default` and `StartAt`. Here
//! - a field name of ASL (or of the service parameters most definitions carry) is one byte, its
//!   `.$` suffix a bit of it;
//! - a value ASL repeats (the state types, error names, paths, query languages, modes, service
//!   resources) is one byte;
//! - any other string is written once: later it is its number in the order strings first came;
//! - a `States` object lists its names first, then the states; a `Next` (or any string) naming
//!   the state after its own is one byte.
//!
//! The tables come from the ASL specification's vocabulary, not from any corpus, so they hold on
//! definitions the project has never seen. They are part of payload version 2: changing them is
//! a new version (`tests/fixtures/links/` pins each one). Reading is bounded: by the depth, by
//! the bytes it may write (a string's number can repeat a long string), and by the input, which
//! every element takes at least a byte of.

use crate::limits::MAX_DEPTH;
use serde_json::{Map, Number, Value};
use std::collections::HashMap;

/// Field names: one byte each (below [`KEY_TEXT`]); the top bit adds `.$`.
const KEYS: &[&str] = &[
    "Comment",
    "StartAt",
    "States",
    "Type",
    "Next",
    "End",
    "Resource",
    "Parameters",
    "Arguments",
    "ResultPath",
    "OutputPath",
    "InputPath",
    "ResultSelector",
    "Output",
    "Assign",
    "QueryLanguage",
    "Retry",
    "Catch",
    "ErrorEquals",
    "IntervalSeconds",
    "MaxAttempts",
    "BackoffRate",
    "MaxDelaySeconds",
    "JitterStrategy",
    "TimeoutSeconds",
    "TimeoutSecondsPath",
    "HeartbeatSeconds",
    "HeartbeatSecondsPath",
    "Choices",
    "Default",
    "Variable",
    "Condition",
    "And",
    "Or",
    "Not",
    "StringEquals",
    "StringEqualsPath",
    "StringLessThan",
    "StringGreaterThan",
    "StringLessThanEquals",
    "StringGreaterThanEquals",
    "StringMatches",
    "NumericEquals",
    "NumericEqualsPath",
    "NumericLessThan",
    "NumericLessThanPath",
    "NumericGreaterThan",
    "NumericGreaterThanPath",
    "NumericLessThanEquals",
    "NumericGreaterThanEquals",
    "BooleanEquals",
    "BooleanEqualsPath",
    "TimestampEquals",
    "TimestampLessThan",
    "TimestampGreaterThan",
    "TimestampLessThanEquals",
    "TimestampGreaterThanEquals",
    "IsNull",
    "IsPresent",
    "IsNumeric",
    "IsString",
    "IsBoolean",
    "IsTimestamp",
    "Seconds",
    "SecondsPath",
    "Timestamp",
    "TimestampPath",
    "Error",
    "ErrorPath",
    "Cause",
    "CausePath",
    "Result",
    "Branches",
    "Iterator",
    "ItemProcessor",
    "ProcessorConfig",
    "Mode",
    "ExecutionType",
    "ItemsPath",
    "Items",
    "ItemSelector",
    "MaxConcurrency",
    "MaxConcurrencyPath",
    "ItemReader",
    "ReaderConfig",
    "InputType",
    "CSVHeaderLocation",
    "MaxItems",
    "ItemBatcher",
    "MaxItemsPerBatch",
    "BatchInput",
    "ResultWriter",
    "WriterConfig",
    "ToleratedFailurePercentage",
    "ToleratedFailureCount",
    "Label",
    "Credentials",
    "RoleArn",
    "Version",
    "FunctionName",
    "Payload",
    "TableName",
    "Key",
    "Item",
    "TopicArn",
    "Message",
    "QueueUrl",
    "MessageBody",
    "StateMachineArn",
    "Input",
    "Name",
    "Bucket",
    "Prefix",
    "Entries",
    "Detail",
    "DetailType",
    "Source",
    "EventBusName",
    "Cluster",
    "TaskDefinition",
    "LaunchType",
    "JobName",
    "TaskToken",
    "S",
    "N",
];
/// A key given as a string (its top bit, again, adds `.$`).
const KEY_TEXT: u8 = 0x7F;
const DOLLAR: u8 = 0x80;

/// Values: one byte each, from [`FIRST_VALUE`] on.
const VALUES: &[&str] = &[
    "Task",
    "Pass",
    "Choice",
    "Wait",
    "Succeed",
    "Fail",
    "Parallel",
    "Map",
    "$",
    "$.Payload",
    "$$.Map.Item.Value",
    "$$.Task.Token",
    "$$.Execution.Id",
    "$$.Execution.Input",
    "JSONata",
    "JSONPath",
    "INLINE",
    "DISTRIBUTED",
    "STANDARD",
    "EXPRESS",
    "FULL",
    "NONE",
    "CSV",
    "JSON",
    "JSONL",
    "MANIFEST",
    "FIRST_ROW",
    "GIVEN",
    "States.ALL",
    "States.TaskFailed",
    "States.Timeout",
    "States.HeartbeatTimeout",
    "States.Runtime",
    "States.Permissions",
    "States.ResultPathMatchFailure",
    "States.ParameterPathFailure",
    "States.BranchFailed",
    "States.NoChoiceMatched",
    "States.IntrinsicFailure",
    "States.ExceedToleratedFailureThreshold",
    "States.ItemReaderFailed",
    "States.ResultWriterFailed",
    "Lambda.ServiceException",
    "Lambda.AWSLambdaException",
    "Lambda.SdkClientException",
    "Lambda.TooManyRequestsException",
    "Lambda.Unknown",
    "{% $states.input %}",
    "{% $states.result %}",
    "{% $states.result.Payload %}",
    "{% $states.errorOutput %}",
    "arn:aws:states:::lambda:invoke",
    "arn:aws:states:::lambda:invoke.waitForTaskToken",
    "arn:aws:states:::dynamodb:putItem",
    "arn:aws:states:::dynamodb:getItem",
    "arn:aws:states:::dynamodb:updateItem",
    "arn:aws:states:::dynamodb:deleteItem",
    "arn:aws:states:::sns:publish",
    "arn:aws:states:::sqs:sendMessage",
    "arn:aws:states:::sqs:sendMessage.waitForTaskToken",
    "arn:aws:states:::events:putEvents",
    "arn:aws:states:::states:startExecution",
    "arn:aws:states:::states:startExecution.sync",
    "arn:aws:states:::states:startExecution.sync:2",
    "arn:aws:states:::ecs:runTask",
    "arn:aws:states:::ecs:runTask.sync",
    "arn:aws:states:::glue:startJobRun",
    "arn:aws:states:::glue:startJobRun.sync",
    "arn:aws:states:::batch:submitJob.sync",
    "arn:aws:states:::http:invoke",
    "arn:aws:states:::s3:getObject",
    "arn:aws:states:::s3:listObjectsV2",
    "arn:aws:states:::bedrock:invokeModel",
    "arn:aws:states:::apigateway:invoke",
    "FARGATE",
    "$.error",
    "$.result",
    "$.input",
    "$.output",
    "$.status",
    "$.body",
];
const NULL: u8 = 0;
const FALSE: u8 = 1;
const TRUE: u8 = 2;
/// A whole number from 0, then its LEB128.
const INT: u8 = 3;
/// A negative whole number `-1 - n`, then n's LEB128.
const NEG: u8 = 4;
/// Any other number as JSON text: its length, then it.
const NUM: u8 = 5;
/// A string first seen: its length in bytes, then it.
const STR: u8 = 6;
/// A string seen before: its number, in the order strings first came.
const REF: u8 = 7;
const ARRAY: u8 = 8;
const OBJECT: u8 = 9;
/// A `States` object: its count, its names, then its states.
const STATES: u8 = 10;
/// The name of the state after this one in its `States` object.
const FOLLOWING: u8 = 11;
const FIRST_VALUE: u8 = 12;
const _: () =
    assert!(KEYS.len() <= KEY_TEXT as usize && VALUES.len() <= 256 - FIRST_VALUE as usize);

/// A skeleton of the ASL vocabulary (every state type, a service Task with Retry and Catch, a
/// Choice, a Map, a JSONata Task), encoded: what payload version 2's deflate is primed with after
/// the text dictionary. Written from the specification, not from any corpus.
pub const SKELETON: &str = r#"{"Comment":"","StartAt":"A","States":{"A":{"Type":"Pass","Result":{},"ResultPath":"$.result","Next":"B"},"B":{"Type":"Task","Resource":"arn:aws:states:::lambda:invoke","Parameters":{"FunctionName":"","Payload.$":"$"},"OutputPath":"$.Payload","Retry":[{"ErrorEquals":["Lambda.ServiceException","Lambda.AWSLambdaException","Lambda.SdkClientException","Lambda.TooManyRequestsException"],"IntervalSeconds":1,"MaxAttempts":3,"BackoffRate":2}],"Catch":[{"ErrorEquals":["States.ALL"],"ResultPath":"$.error","Next":"F"}],"Next":"C"},"C":{"Type":"Choice","Choices":[{"Variable":"$.status","StringEquals":"","Next":"D"},{"And":[{"Variable":"$.","IsPresent":true},{"Variable":"$.","NumericGreaterThan":0}],"Next":"E"}],"Default":"D"},"D":{"Type":"Wait","Seconds":10,"Next":"E"},"E":{"Type":"Map","ItemsPath":"$.","MaxConcurrency":10,"ItemProcessor":{"ProcessorConfig":{"Mode":"INLINE"},"StartAt":"G","States":{"G":{"Type":"Task","Resource":"arn:aws:states:::dynamodb:putItem","Parameters":{"TableName":"","Item":{}},"End":true}}},"Next":"H"},"H":{"Type":"Parallel","Branches":[{"StartAt":"I","States":{"I":{"Type":"Task","QueryLanguage":"JSONata","Resource":"arn:aws:states:::lambda:invoke","Arguments":{"FunctionName":"","Payload":"{% $states.input %}"},"Output":"{% $states.result.Payload %}","End":true}}}],"Next":"J"},"J":{"Type":"Succeed"},"F":{"Type":"Fail","Error":"","Cause":""}}}"#;

fn push_varint(out: &mut Vec<u8>, mut n: u64) {
    loop {
        let b = (n & 0x7F) as u8;
        n >>= 7;
        if n == 0 {
            out.push(b);
            return;
        }
        out.push(b | 0x80);
    }
}

/// Encodes a JSON value (a definition) as payload version 2's tokens.
pub fn encode(v: &Value) -> Vec<u8> {
    let mut e = Encoder {
        out: Vec::new(),
        seen: HashMap::new(),
    };
    e.value(v, None);
    e.out
}

struct Encoder {
    out: Vec<u8>,
    seen: HashMap<String, u64>,
}

impl Encoder {
    fn string(&mut self, s: &str) {
        if let Some(&n) = self.seen.get(s) {
            self.out.push(REF);
            push_varint(&mut self.out, n);
        } else {
            self.out.push(STR);
            push_varint(&mut self.out, s.len() as u64);
            self.out.extend_from_slice(s.as_bytes());
            let n = self.seen.len() as u64;
            self.seen.insert(s.to_string(), n);
        }
    }

    fn key(&mut self, k: &str) {
        let (base, dollar) = k.strip_suffix(".$").map_or((k, 0), |b| (b, DOLLAR));
        match KEYS.iter().position(|&x| x == base) {
            Some(p) => self.out.push(p as u8 | dollar),
            None => {
                self.out.push(KEY_TEXT | dollar);
                self.string(base);
            }
        }
    }

    fn value(&mut self, v: &Value, following: Option<&str>) {
        match v {
            Value::Null => self.out.push(NULL),
            Value::Bool(b) => self.out.push(if *b { TRUE } else { FALSE }),
            Value::Number(n) => match n.as_i64() {
                Some(i) if i >= 0 => {
                    self.out.push(INT);
                    push_varint(&mut self.out, i as u64);
                }
                Some(i) => {
                    self.out.push(NEG);
                    push_varint(&mut self.out, (-(i + 1)) as u64);
                }
                None => {
                    let text = n.to_string();
                    self.out.push(NUM);
                    push_varint(&mut self.out, text.len() as u64);
                    self.out.extend_from_slice(text.as_bytes());
                }
            },
            Value::String(s) if following == Some(s.as_str()) => self.out.push(FOLLOWING),
            Value::String(s) => match VALUES.iter().position(|&x| x == s) {
                Some(p) => self.out.push(FIRST_VALUE + p as u8),
                None => self.string(s),
            },
            Value::Array(items) => {
                self.out.push(ARRAY);
                push_varint(&mut self.out, items.len() as u64);
                for item in items {
                    self.value(item, following);
                }
            }
            Value::Object(o) => {
                self.out.push(OBJECT);
                push_varint(&mut self.out, o.len() as u64);
                for (k, v) in o {
                    self.key(k);
                    match v {
                        Value::Object(states)
                            if k == "States" && states.values().all(Value::is_object) =>
                        {
                            self.states(states)
                        }
                        v => self.value(v, following),
                    }
                }
            }
        }
    }

    fn states(&mut self, states: &Map<String, Value>) {
        self.out.push(STATES);
        push_varint(&mut self.out, states.len() as u64);
        let names: Vec<&String> = states.keys().collect();
        for name in &names {
            self.string(name);
        }
        for (i, state) in states.values().enumerate() {
            self.value(state, names.get(i + 1).map(|s| s.as_str()));
        }
    }
}

/// Decodes payload version 2's tokens, writing at most `limit` bytes of JSON's worth.
pub fn decode(bytes: &[u8], limit: usize) -> Result<Value, String> {
    let mut d = Decoder {
        bytes,
        at: 0,
        seen: Vec::new(),
        budget: limit,
        limit,
    };
    let v = d.value(None, 0)?;
    if d.at != bytes.len() {
        return Err("the data goes on after the definition".into());
    }
    Ok(v)
}

struct Decoder<'a> {
    bytes: &'a [u8],
    at: usize,
    seen: Vec<String>,
    /// What may still be written.
    budget: usize,
    limit: usize,
}

impl Decoder<'_> {
    fn byte(&mut self) -> Result<u8, String> {
        let b = *self.bytes.get(self.at).ok_or("the data is cut short")?;
        self.at += 1;
        Ok(b)
    }

    fn varint(&mut self) -> Result<u64, String> {
        let mut n = 0u64;
        for shift in (0..64).step_by(7) {
            let b = self.byte()?;
            n |= u64::from(b & 0x7F) << shift;
            if b & 0x80 == 0 {
                return Ok(n);
            }
        }
        Err("the data is damaged (a number runs on)".into())
    }

    fn spend(&mut self, n: usize) -> Result<(), String> {
        self.budget = self.budget.checked_sub(n).ok_or_else(|| {
            format!(
                "it expands past {}, the limit for definitions in links",
                crate::limits::size(self.limit)
            )
        })?;
        Ok(())
    }

    /// A count of elements, each of which takes at least a byte of what is left.
    fn count(&mut self) -> Result<usize, String> {
        let n = self.varint()?;
        let left = (self.bytes.len() - self.at) as u64;
        if n > left {
            return Err("the data is cut short".into());
        }
        Ok(n as usize)
    }

    fn raw(&mut self) -> Result<&[u8], String> {
        let n = self.count()?;
        let raw = &self.bytes[self.at..self.at + n];
        self.at += n;
        Ok(raw)
    }

    fn string_after(&mut self, tag: u8) -> Result<String, String> {
        let s = match tag {
            STR => {
                let raw = self.raw()?;
                let s = std::str::from_utf8(raw)
                    .map_err(|_| "the data is not UTF-8 text")?
                    .to_string();
                self.seen.push(s.clone());
                s
            }
            REF => {
                let n = self.varint()?;
                usize::try_from(n)
                    .ok()
                    .and_then(|n| self.seen.get(n))
                    .ok_or("the data is damaged (a string it names is not there)")?
                    .clone()
            }
            _ => return Err("the data is damaged (a string was expected)".into()),
        };
        self.spend(s.len() + 2)?;
        Ok(s)
    }

    fn key(&mut self) -> Result<String, String> {
        let b = self.byte()?;
        let base = match b & !DOLLAR {
            KEY_TEXT => {
                let tag = self.byte()?;
                self.string_after(tag)?
            }
            k => {
                let k = KEYS
                    .get(usize::from(k))
                    .ok_or("the data is damaged (an unknown field)")?;
                self.spend(k.len() + 4)?;
                (*k).to_string()
            }
        };
        Ok(if b & DOLLAR != 0 { base + ".$" } else { base })
    }

    fn value(&mut self, following: Option<&str>, depth: usize) -> Result<Value, String> {
        if depth > MAX_DEPTH {
            return Err(format!("it nests deeper than {MAX_DEPTH} levels"));
        }
        // What each value costs is about what it takes as JSON text (with its comma), so version
        // 2 builds no more than a version 1 text of `limit` bytes would: `null` is 5, a number
        // its digits, a container its brackets.
        self.spend(2)?;
        let tag = self.byte()?;
        self.spend(match tag {
            NULL | TRUE => 3,
            FALSE => 4,
            INT | NEG => 1,
            _ => 0,
        })?;
        Ok(match tag {
            NULL => Value::Null,
            FALSE => Value::Bool(false),
            TRUE => Value::Bool(true),
            INT => {
                let n = self.varint()?;
                self.spend(n.checked_ilog10().unwrap_or(0) as usize)?;
                Value::from(n)
            }
            NEG => {
                let n = self.varint()?;
                self.spend(n.checked_ilog10().unwrap_or(0) as usize + 1)?;
                let n = i64::try_from(n).map_err(|_| "the data is damaged (a number)")?;
                Value::from(-1 - n)
            }
            NUM => {
                let raw = self.raw()?;
                let len = raw.len();
                let n: Number = std::str::from_utf8(raw)
                    .ok()
                    .and_then(|t| t.parse().ok())
                    .ok_or("the data is damaged (a number)")?;
                self.spend(len)?;
                Value::Number(n)
            }
            STR | REF => Value::String(self.string_after(tag)?),
            FOLLOWING => {
                let s = following
                    .ok_or("the data is damaged (a next state that is not there)")?
                    .to_string();
                self.spend(s.len() + 2)?;
                Value::String(s)
            }
            ARRAY => {
                let n = self.count()?;
                let mut items = Vec::with_capacity(n.min(1024));
                for _ in 0..n {
                    items.push(self.value(following, depth + 1)?);
                }
                Value::Array(items)
            }
            OBJECT => {
                let n = self.count()?;
                let mut o = Map::with_capacity(n.min(1024));
                for _ in 0..n {
                    let k = self.key()?;
                    let v = self.value(following, depth + 1)?;
                    o.insert(k, v);
                }
                Value::Object(o)
            }
            STATES => {
                let n = self.count()?;
                let mut names = Vec::with_capacity(n.min(1024));
                for _ in 0..n {
                    let tag = self.byte()?;
                    names.push(self.string_after(tag)?);
                }
                let mut o = Map::with_capacity(n.min(1024));
                for i in 0..n {
                    let next = names.get(i + 1).map(String::as_str);
                    let v = self.value(next, depth + 1)?;
                    o.insert(names[i].clone(), v);
                }
                Value::Object(o)
            }
            t => {
                let s = VALUES
                    .get(usize::from(t - FIRST_VALUE))
                    .ok_or("the data is damaged (an unknown value)")?;
                self.spend(s.len() + 2)?;
                Value::String((*s).to_string())
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_give_back_the_value_and_are_shorter_than_its_text() {
        let v: Value = serde_json::from_str(SKELETON).expect("skeleton");
        let tokens = encode(&v);
        assert_eq!(decode(&tokens, 1 << 20).expect("decodes"), v);
        assert!(
            tokens.len() * 2 < SKELETON.len(),
            "{} vs {}",
            tokens.len(),
            SKELETON.len()
        );
        let odd = serde_json::json!({"a.$": [-1, 0, 1.5, -9007199254740993i64, u64::MAX, null, true, "é"], "States": {"x": 1}});
        assert_eq!(decode(&encode(&odd), 1 << 20).expect("decodes"), odd);
    }

    #[test]
    fn damaged_tokens_are_errors_never_panics_or_bombs() {
        // Ten million nulls in one array: 50 MB of JSON, past a 1 MB limit long before the end.
        let mut nulls = vec![ARRAY];
        push_varint(&mut nulls, 10_000_000);
        nulls.extend(std::iter::repeat_n(NULL, 10_000_000));
        let e = decode(&nulls, 1 << 20).expect_err("too many");
        assert!(e.contains("expands past"), "{e}");
        // One long string, then an array naming it a hundred thousand times: 10 GB of JSON.
        let mut bomb = vec![ARRAY];
        push_varint(&mut bomb, 100_001);
        bomb.push(STR);
        push_varint(&mut bomb, 100_000);
        bomb.extend(std::iter::repeat_n(b'x', 100_000));
        for _ in 0..100_000 {
            bomb.extend([REF, 0]);
        }
        let e = decode(&bomb, 1 << 20).expect_err("a bomb");
        assert!(e.contains("expands past"), "{e}");
        // Nesting past the limit.
        let deep = [ARRAY, 1].repeat(MAX_DEPTH + 5);
        assert!(decode(&deep, 1 << 20).is_err());
        // Counts past the input, references to nothing, unknown tokens, trailing bytes.
        for bad in [
            vec![OBJECT, 0xFF, 0xFF, 0xFF, 0x7F],
            vec![REF, 3],
            vec![FOLLOWING],
            vec![OBJECT, 1, 0x7E, NULL],
            vec![NULL, NULL],
            vec![STR, 2, 0xFF, 0xFE],
            vec![
                INT, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF,
            ],
        ] {
            assert!(decode(&bad, 1 << 20).is_err(), "{bad:?}");
        }
        for cut in 0..64 {
            let v: Value = serde_json::from_str(SKELETON).expect("skeleton");
            let tokens = encode(&v);
            let _ = decode(&tokens[..cut], 1 << 20);
        }
    }
}
