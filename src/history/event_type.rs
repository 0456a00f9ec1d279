//! What an event is, parsed once from its `type` when the history is read: the family it belongs
//! to and the phase it reports. The timeline matches on this, never on the type's text.

use crate::asl::StateType;

/// The phase an event reports, the last word of its type (`TaskScheduleFailed` → `ScheduleFailed`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Phase {
    Started,
    Scheduled,
    Submitted,
    Succeeded,
    Failed,
    Aborted,
    TimedOut,
    Redriven,
    ScheduleFailed,
    StartFailed,
    SubmitFailed,
}

impl Phase {
    const ALL: [Phase; 11] = [
        Phase::Started,
        Phase::Scheduled,
        Phase::Submitted,
        Phase::Succeeded,
        Phase::Failed,
        Phase::Aborted,
        Phase::TimedOut,
        Phase::Redriven,
        Phase::ScheduleFailed,
        Phase::StartFailed,
        Phase::SubmitFailed,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Phase::Started => "Started",
            Phase::Scheduled => "Scheduled",
            Phase::Submitted => "Submitted",
            Phase::Succeeded => "Succeeded",
            Phase::Failed => "Failed",
            Phase::Aborted => "Aborted",
            Phase::TimedOut => "TimedOut",
            Phase::Redriven => "Redriven",
            Phase::ScheduleFailed => "ScheduleFailed",
            Phase::StartFailed => "StartFailed",
            Phase::SubmitFailed => "SubmitFailed",
        }
    }

    /// The phase that ends `text`, and what comes before it. The longest match wins, so
    /// `ScheduleFailed` is not read as `Failed`.
    fn split(text: &str) -> Option<(&str, Phase)> {
        Phase::ALL
            .iter()
            .filter_map(|&p| text.strip_suffix(p.as_str()).map(|head| (head, p)))
            .min_by_key(|(head, _)| head.len())
    }

    /// Whether the phase ends the work it reports on, well or not.
    pub fn ends(self) -> bool {
        !matches!(
            self,
            Phase::Started | Phase::Scheduled | Phase::Submitted | Phase::Redriven
        )
    }
}

/// Who does a Task's work: the service integration, a legacy Lambda ARN, or an activity worker.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Worker {
    Task,
    LambdaFunction,
    Activity,
}

/// An event's type.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EventType {
    /// `Execution{Started,Succeeded,Failed,Aborted,TimedOut,Redriven}`.
    Execution(Phase),
    /// `{Task,Pass,…}StateEntered`; a type Stepscope doesn't know is `StateType::Unknown`.
    Entered(StateType),
    /// `{Task,Pass,…}StateExited`.
    Exited(StateType),
    /// `TaskStateAborted`, `WaitStateAborted`: a running state cancelled.
    StateAborted(StateType),
    /// `{Map,Parallel}State{Started,Succeeded,Failed,Aborted}`.
    Container(StateType, Phase),
    /// `MapIteration{Started,Succeeded,Failed,Aborted}`.
    Iteration(Phase),
    /// `MapRun{Started,Succeeded,Failed,Aborted,Redriven}` (a Distributed Map's child run).
    MapRun(Phase),
    /// `{Task,LambdaFunction,Activity}{Scheduled,Started,…}`.
    Work(Worker, Phase),
    /// `EvaluationFailed`: a JSONata or JSONPath expression of a state failed.
    EvaluationFailed,
    /// Anything else; the event still shows in the list.
    Other,
}

impl EventType {
    /// Parses an event's `type`.
    pub fn parse(text: &str) -> EventType {
        if text == "EvaluationFailed" {
            return EventType::EvaluationFailed;
        }
        if let Some(head) = text.strip_suffix("StateEntered") {
            return EventType::Entered(StateType::parse(head).unwrap_or(StateType::Unknown));
        }
        if let Some(head) = text.strip_suffix("StateExited") {
            return EventType::Exited(StateType::parse(head).unwrap_or(StateType::Unknown));
        }
        let Some((head, phase)) = Phase::split(text) else {
            return EventType::Other;
        };
        use Phase::*;
        match (head, phase) {
            ("Execution", Started | Succeeded | Failed | Aborted | TimedOut | Redriven) => {
                EventType::Execution(phase)
            }
            ("TaskState", Aborted) => EventType::StateAborted(StateType::Task),
            ("WaitState", Aborted) => EventType::StateAborted(StateType::Wait),
            ("MapState", Started | Succeeded | Failed | Aborted) => {
                EventType::Container(StateType::Map, phase)
            }
            ("ParallelState", Started | Succeeded | Failed | Aborted) => {
                EventType::Container(StateType::Parallel, phase)
            }
            ("MapIteration", Started | Succeeded | Failed | Aborted) => EventType::Iteration(phase),
            ("MapRun", Started | Succeeded | Failed | Aborted | Redriven) => {
                EventType::MapRun(phase)
            }
            (
                "Task",
                Scheduled | Started | Submitted | Succeeded | Failed | TimedOut | StartFailed
                | SubmitFailed,
            ) => EventType::Work(Worker::Task, phase),
            (
                "LambdaFunction",
                Scheduled | Started | Succeeded | Failed | TimedOut | ScheduleFailed | StartFailed,
            ) => EventType::Work(Worker::LambdaFunction, phase),
            ("Activity", Scheduled | Started | Succeeded | Failed | TimedOut | ScheduleFailed) => {
                EventType::Work(Worker::Activity, phase)
            }
            _ => EventType::Other,
        }
    }

    /// Whether a state is entered (any type).
    pub fn is_entered(self) -> bool {
        matches!(self, EventType::Entered(_))
    }

    /// Whether a state is exited (any type).
    pub fn is_exited(self) -> bool {
        matches!(self, EventType::Exited(_))
    }
}

/// The `*EventDetails` key AWS uses for an event of type `kind` (`TaskScheduled` →
/// `taskScheduledEventDetails`; every state's entry and exit share one).
pub fn details_key(kind: &str) -> String {
    match EventType::parse(kind) {
        EventType::Entered(_) => "stateEnteredEventDetails".into(),
        EventType::Exited(_) => "stateExitedEventDetails".into(),
        _ => {
            let mut c = kind.chars();
            match c.next() {
                Some(f) => format!("{}{}EventDetails", f.to_ascii_lowercase(), c.as_str()),
                None => "eventDetails".into(),
            }
        }
    }
}
