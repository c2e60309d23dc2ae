//! Review decisions: statuses, actions, the allowed transitions and four-eyes (product spec §3
//! "Decisions").
//!
//! Pure logic, no I/O: the caller loads the [`Case`], builds a [`DecisionRequest`] from the form
//! and calls [`decide`]; the returned [`Outcome`] says what to store (new status, new version, the
//! pending proposal if any). Time is never read here; [`review_due_reason`] takes `now`.
//!
//! Transitions (anything else is refused with a 409):
//!
//! | from                     | action                | to                                   |
//! |--------------------------|-----------------------|--------------------------------------|
//! | `unreviewed`             | start review          | `in_review`                          |
//! | `in_review`              | approve               | `approved` (or `pending_approval`)   |
//! | `in_review`              | reject                | `rejected` (or `pending_approval`)   |
//! | `in_review`              | request resubmission  | `resubmission_requested`             |
//! | `in_review`              | escalate              | `escalated`                          |
//! | `escalated`              | approve / reject      | `approved` / `rejected` (or pending) |
//! | `approved`               | (system)              | `review_due`, see [`review_due_reason`] |
//! | `review_due`             | start review          | `in_review`                          |
//! | `resubmission_requested` | start review          | `in_review`                          |
//! | `pending_approval`       | confirm (other person)| the proposed `approved` / `rejected` |
//! | `pending_approval`       | decline               | `in_review`                          |
//!
//! From `unreviewed` and `review_due`, approve / reject / request resubmission / escalate are also
//! accepted directly: the case passes through `in_review` implicitly and the outcome records
//! `via_in_review: true`, so reviewers need not click "start review" first.
//!
//! Four-eyes: at a band that [`RiskBand::requires_four_eyes`], an approval or rejection by a known
//! reviewer becomes a proposal (`pending_approval`) that a second, different known reviewer must
//! confirm. When the reviewer is unknown (Cloud sent no `user_id`), four-eyes cannot be enforced:
//! the decision applies directly and the outcome says [`FourEyes::Unenforceable`] so the UI can
//! tell the reviewer.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use super::risk::RiskBand;

/// Longest accepted note, in characters (after trimming).
pub const MAX_NOTE_CHARS: usize = 2000;

/// The KYC status of an identity.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    Unreviewed,
    InReview,
    Approved,
    Rejected,
    ResubmissionRequested,
    Escalated,
    ReviewDue,
    PendingApproval,
}

impl Status {
    pub const ALL: [Status; 8] = [
        Status::Unreviewed,
        Status::InReview,
        Status::Approved,
        Status::Rejected,
        Status::ResubmissionRequested,
        Status::Escalated,
        Status::ReviewDue,
        Status::PendingApproval,
    ];

    /// The stable snake_case name (database, metadata, URLs).
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Unreviewed => "unreviewed",
            Status::InReview => "in_review",
            Status::Approved => "approved",
            Status::Rejected => "rejected",
            Status::ResubmissionRequested => "resubmission_requested",
            Status::Escalated => "escalated",
            Status::ReviewDue => "review_due",
            Status::PendingApproval => "pending_approval",
        }
    }

    /// A human label for the UI.
    pub fn label(self) -> &'static str {
        match self {
            Status::Unreviewed => "Unreviewed",
            Status::InReview => "In review",
            Status::Approved => "Approved",
            Status::Rejected => "Rejected",
            Status::ResubmissionRequested => "Resubmission requested",
            Status::Escalated => "Escalated",
            Status::ReviewDue => "Re-review due",
            Status::PendingApproval => "Awaiting second reviewer",
        }
    }
}

impl fmt::Display for Status {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A string that is not a status name.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0:?} is not a KYC status (unreviewed, in_review, approved, rejected, resubmission_requested, escalated, review_due, pending_approval)")]
pub struct UnknownStatus(pub String);

impl FromStr for Status {
    type Err = UnknownStatus;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let wanted = s.trim().to_ascii_lowercase();
        Status::ALL
            .into_iter()
            .find(|st| st.as_str() == wanted)
            .ok_or_else(|| UnknownStatus(s.to_string()))
    }
}

/// What a reviewer asks to do with a case.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Action {
    StartReview,
    Approve,
    Reject,
    RequestResubmission,
    Escalate,
    ConfirmPending,
    DeclinePending,
}

impl Action {
    pub const ALL: [Action; 7] = [
        Action::StartReview,
        Action::Approve,
        Action::Reject,
        Action::RequestResubmission,
        Action::Escalate,
        Action::ConfirmPending,
        Action::DeclinePending,
    ];

    /// The stable snake_case name (form values, audit log).
    pub fn as_str(self) -> &'static str {
        match self {
            Action::StartReview => "start_review",
            Action::Approve => "approve",
            Action::Reject => "reject",
            Action::RequestResubmission => "request_resubmission",
            Action::Escalate => "escalate",
            Action::ConfirmPending => "confirm_pending",
            Action::DeclinePending => "decline_pending",
        }
    }

    /// A human label (buttons, error messages).
    pub fn label(self) -> &'static str {
        match self {
            Action::StartReview => "start review",
            Action::Approve => "approve",
            Action::Reject => "reject",
            Action::RequestResubmission => "request resubmission",
            Action::Escalate => "escalate",
            Action::ConfirmPending => "confirm the pending decision",
            Action::DeclinePending => "decline the pending decision",
        }
    }
}

impl fmt::Display for Action {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A string that is not an action name.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0:?} is not a review action (start_review, approve, reject, request_resubmission, escalate, confirm_pending, decline_pending)")]
pub struct UnknownAction(pub String);

impl FromStr for Action {
    type Err = UnknownAction;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let wanted = s.trim().to_ascii_lowercase();
        Action::ALL
            .into_iter()
            .find(|a| a.as_str() == wanted)
            .ok_or_else(|| UnknownAction(s.to_string()))
    }
}

/// Reason codes accepted per action. Actions not listed take no reason code.
pub const REASON_CODES: [(Action, &[&str]); 4] = [
    (
        Action::Approve,
        &[
            "verified_documents",
            "low_risk_profile",
            "false_positive_hits",
        ],
    ),
    (
        Action::Reject,
        &[
            "sanctions_match",
            "fraud_suspected",
            "incomplete_data",
            "policy",
        ],
    ),
    (
        Action::RequestResubmission,
        &[
            "document_unreadable",
            "data_mismatch",
            "missing_information",
        ],
    ),
    (
        Action::Escalate,
        &[
            "possible_sanctions_match",
            "pep",
            "adverse_media",
            "unusual_activity",
        ],
    ),
];

/// The reason codes accepted for `action` (empty when the action takes none).
pub fn reason_codes(action: Action) -> &'static [&'static str] {
    REASON_CODES
        .iter()
        .find(|(a, _)| *a == action)
        .map_or(&[], |(_, codes)| *codes)
}

/// A human label for a reason code, for the UI; `None` for unknown codes.
pub fn reason_label(code: &str) -> Option<&'static str> {
    Some(match code {
        "verified_documents" => "Documents verified",
        "low_risk_profile" => "Low-risk profile",
        "false_positive_hits" => "Screening hits are false positives",
        "sanctions_match" => "Sanctions match",
        "fraud_suspected" => "Fraud suspected",
        "incomplete_data" => "Incomplete data",
        "policy" => "Outside policy",
        "document_unreadable" => "Document unreadable",
        "data_mismatch" => "Data does not match documents",
        "missing_information" => "Missing information",
        "possible_sanctions_match" => "Possible sanctions match",
        "pep" => "Politically exposed person",
        "adverse_media" => "Adverse media",
        "unusual_activity" => "Unusual activity",
        _ => return None,
    })
}

/// A proposed approval or rejection waiting for a second reviewer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Pending {
    /// `Approved` or `Rejected`.
    pub proposed: Status,
    /// Who proposed it.
    pub by: Option<String>,
    pub reason_code: Option<String>,
    pub note: String,
}

/// The case as currently stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Case {
    pub status: Status,
    /// Optimistic-concurrency version, bumped by every decision.
    pub version: i64,
    /// Set exactly when `status` is `PendingApproval`.
    pub pending: Option<Pending>,
}

/// What the reviewer submitted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DecisionRequest {
    pub action: Action,
    /// The launching Cloud `user_id`, when Cloud sent one. Blank counts as unknown.
    pub reviewer: Option<String>,
    pub reason_code: Option<String>,
    pub note: String,
    /// Screening hits neither confirmed nor dismissed.
    pub open_hits: usize,
    pub band: RiskBand,
    /// The case version the page was rendered with.
    pub expected_version: i64,
}

/// The four-eyes state of a decision.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum FourEyes {
    /// The band or the action does not need a second reviewer.
    NotRequired,
    /// Needed, but the reviewer is unknown, so it could not be enforced; the decision applied.
    Unenforceable,
    /// Proposed; waiting for a second, different reviewer.
    Pending,
    /// Proposed by `first`, confirmed by `second`.
    Confirmed { first: String, second: String },
}

/// The result of an accepted decision: what to store and record.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Outcome {
    pub from: Status,
    pub to: Status,
    /// The case passed through `in_review` implicitly (decided from `unreviewed`/`review_due`).
    pub via_in_review: bool,
    pub four_eyes: FourEyes,
    /// The proposal to store when `to` is `PendingApproval`; `None` otherwise (clear it).
    pub pending: Option<Pending>,
    /// The canonical reason code recorded with the decision (for a confirmation, the proposal's).
    pub reason_code: Option<String>,
    /// The trimmed note of this request.
    pub note: String,
    pub new_version: i64,
}

/// Why a decision was refused. Messages are for the reviewer and say what to do.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DecisionError {
    #[error("{}", not_allowed_message(*from, *action))]
    NotAllowed { from: Status, action: Action },
    #[error("This case changed since the page was loaded (version {expected} expected, now {actual}). Reload the page to see the current state, then decide again.")]
    Stale { expected: i64, actual: i64 },
    #[error("{}", note_required_message(*.0))]
    NoteRequired(Action),
    #[error("The note is {len} characters long; shorten it to at most {max} characters.")]
    NoteTooLong { len: usize, max: usize },
    #[error("{}", NOTE_CONTROL_MESSAGE)]
    NoteHasControlCharacters,
    #[error("{}", reason_message(*action, given.as_deref()))]
    ReasonRequired {
        action: Action,
        given: Option<String>,
    },
    #[error("You proposed this decision yourself; a second, different reviewer must confirm it. Ask a colleague to open this case, or decline the proposal to change it.")]
    SelfConfirmation,
    #[error("Confirming a pending decision needs both reviewers to be known, and {0}. Relaunch the app from Blnk Cloud so your user id is passed, or decline the proposal and decide again.")]
    UnknownReviewer(&'static str),
    #[error("There is no pending decision on this case to confirm or decline. Reload the page to see its current state.")]
    NothingPending,
}

impl DecisionError {
    /// 409 for conflicts with the case state, 400 for invalid input.
    pub fn http_status(&self) -> u16 {
        match self {
            DecisionError::NotAllowed { .. }
            | DecisionError::Stale { .. }
            | DecisionError::SelfConfirmation
            | DecisionError::UnknownReviewer(_)
            | DecisionError::NothingPending => 409,
            DecisionError::NoteRequired(_)
            | DecisionError::NoteTooLong { .. }
            | DecisionError::NoteHasControlCharacters
            | DecisionError::ReasonRequired { .. } => 400,
        }
    }
}

fn not_allowed_message(from: Status, action: Action) -> String {
    let allowed = allowed_actions(from);
    let what_now = if allowed.is_empty() {
        match from {
            Status::Approved => "No reviewer action is available; the case comes back as \"Re-review due\" when its re-review date passes or the identity's data changes.".to_string(),
            _ => "No further action is available on it.".to_string(),
        }
    } else {
        let names: Vec<&str> = allowed.iter().map(|a| a.label()).collect();
        format!("From here you can: {}.", names.join(", "))
    };
    format!(
        "You cannot {} a case that is \"{}\". {} Reload the page if it looks out of date.",
        action.label(),
        from.label(),
        what_now
    )
}

fn note_required_message(action: Action) -> String {
    let why = match action {
        Action::Approve | Action::ConfirmPending => {
            "approving while screening hits are still open (confirm or dismiss them, or explain why they do not matter)"
        }
        Action::Reject => "a rejection",
        Action::Escalate => "an escalation",
        _ => "this action",
    };
    format!("Add a note explaining {why}; it is kept in the audit log.")
}

fn reason_message(action: Action, given: Option<&str>) -> String {
    let codes = reason_codes(action).join(", ");
    match given.map(str::trim).filter(|g| !g.is_empty()) {
        Some(g) => format!(
            "{g:?} is not a reason code for \"{}\"; choose one of: {codes}.",
            action.label()
        ),
        None => format!("Choose a reason code to {}: {codes}.", action.label()),
    }
}

/// The actions a reviewer may take on a case in `status`, in button order.
pub fn allowed_actions(status: Status) -> Vec<Action> {
    match status {
        Status::Unreviewed | Status::ReviewDue => vec![
            Action::StartReview,
            Action::Approve,
            Action::Reject,
            Action::RequestResubmission,
            Action::Escalate,
        ],
        Status::InReview => vec![
            Action::Approve,
            Action::Reject,
            Action::RequestResubmission,
            Action::Escalate,
        ],
        Status::Escalated => vec![Action::Approve, Action::Reject],
        Status::ResubmissionRequested => vec![Action::StartReview],
        Status::PendingApproval => vec![Action::ConfirmPending, Action::DeclinePending],
        Status::Approved | Status::Rejected => Vec::new(),
    }
}

/// Where `action` takes a case in `from`, and whether it passes through `in_review` implicitly.
/// `None` when not allowed. Pending confirmations are handled separately.
fn target(from: Status, action: Action) -> Option<(Status, bool)> {
    let decided = match action {
        Action::Approve => Status::Approved,
        Action::Reject => Status::Rejected,
        Action::RequestResubmission => Status::ResubmissionRequested,
        Action::Escalate => Status::Escalated,
        Action::StartReview => {
            return matches!(
                from,
                Status::Unreviewed | Status::ReviewDue | Status::ResubmissionRequested
            )
            .then_some((Status::InReview, false));
        }
        Action::ConfirmPending | Action::DeclinePending => return None,
    };
    match from {
        Status::InReview => Some((decided, false)),
        Status::Unreviewed | Status::ReviewDue => Some((decided, true)),
        Status::Escalated if matches!(action, Action::Approve | Action::Reject) => {
            Some((decided, false))
        }
        _ => None,
    }
}

fn known(id: Option<&str>) -> Option<&str> {
    id.map(str::trim).filter(|s| !s.is_empty())
}

/// Why a note with control characters is refused.
pub const NOTE_CONTROL_MESSAGE: &str = "The note contains control characters (such as NUL or escape codes); remove them and write it as plain text.";

/// Whether a note holds control characters other than line breaks and tabs: they have no place
/// in a note, and would reach pages, CSV exports and the audit log.
pub fn note_has_control_characters(note: &str) -> bool {
    note.chars()
        .any(|c| c.is_control() && !matches!(c, '\n' | '\r' | '\t'))
}

/// Trimmed note, refused when too long, holding control characters, or empty when `required`.
fn check_note(note: &str, required: bool, action: Action) -> Result<String, DecisionError> {
    if note_has_control_characters(note) {
        return Err(DecisionError::NoteHasControlCharacters);
    }
    let note = note.trim();
    let len = note.chars().count();
    if len > MAX_NOTE_CHARS {
        return Err(DecisionError::NoteTooLong {
            len,
            max: MAX_NOTE_CHARS,
        });
    }
    if required && note.is_empty() {
        return Err(DecisionError::NoteRequired(action));
    }
    Ok(note.to_string())
}

/// The canonical reason code for `action`, or `None` for actions that take none.
fn check_reason(action: Action, given: Option<&str>) -> Result<Option<String>, DecisionError> {
    let codes = reason_codes(action);
    if codes.is_empty() {
        return Ok(None);
    }
    let wanted = given.map(|g| g.trim().to_ascii_lowercase());
    match wanted
        .as_deref()
        .and_then(|w| codes.iter().find(|c| **c == w))
    {
        Some(code) => Ok(Some((*code).to_string())),
        None => Err(DecisionError::ReasonRequired {
            action,
            given: given.map(str::to_string),
        }),
    }
}

/// Checks `req` against `case` and says what the decision does. Nothing is stored here.
pub fn decide(case: &Case, req: &DecisionRequest) -> Result<Outcome, DecisionError> {
    if req.expected_version != case.version {
        return Err(DecisionError::Stale {
            expected: req.expected_version,
            actual: case.version,
        });
    }
    let new_version = case.version.saturating_add(1);
    let reviewer = known(req.reviewer.as_deref());

    match req.action {
        Action::ConfirmPending | Action::DeclinePending => {
            let pending = match (&case.pending, case.status) {
                (Some(p), Status::PendingApproval) => p,
                _ => return Err(DecisionError::NothingPending),
            };
            if req.action == Action::DeclinePending {
                let note = check_note(&req.note, false, req.action)?;
                return Ok(Outcome {
                    from: case.status,
                    to: Status::InReview,
                    via_in_review: false,
                    four_eyes: FourEyes::NotRequired,
                    pending: None,
                    reason_code: None,
                    note,
                    new_version,
                });
            }
            if !matches!(pending.proposed, Status::Approved | Status::Rejected) {
                return Err(DecisionError::NothingPending);
            }
            let first = known(pending.by.as_deref()).ok_or(DecisionError::UnknownReviewer(
                "the proposer is not recorded",
            ))?;
            let second = reviewer.ok_or(DecisionError::UnknownReviewer(
                "your reviewer id is unknown",
            ))?;
            if first == second {
                return Err(DecisionError::SelfConfirmation);
            }
            // Hits may have opened since the proposal: an approval with open hits needs a note
            // from one of the two reviewers.
            let needs_note = pending.proposed == Status::Approved
                && req.open_hits > 0
                && pending.note.trim().is_empty();
            let note = check_note(&req.note, needs_note, req.action)?;
            Ok(Outcome {
                from: case.status,
                to: pending.proposed,
                via_in_review: false,
                four_eyes: FourEyes::Confirmed {
                    first: first.to_string(),
                    second: second.to_string(),
                },
                pending: None,
                reason_code: pending.reason_code.clone(),
                note,
                new_version,
            })
        }
        action => {
            let (to, via_in_review) =
                target(case.status, action).ok_or(DecisionError::NotAllowed {
                    from: case.status,
                    action,
                })?;
            let reason_code = check_reason(action, req.reason_code.as_deref())?;
            let note_required = match action {
                Action::Reject | Action::Escalate => true,
                Action::Approve => req.open_hits > 0,
                _ => false,
            };
            let note = check_note(&req.note, note_required, action)?;

            let four_eyes_needed =
                req.band.requires_four_eyes() && matches!(action, Action::Approve | Action::Reject);
            let (to, four_eyes, pending) = match (four_eyes_needed, reviewer) {
                (false, _) => (to, FourEyes::NotRequired, None),
                (true, None) => (to, FourEyes::Unenforceable, None),
                (true, Some(by)) => (
                    Status::PendingApproval,
                    FourEyes::Pending,
                    Some(Pending {
                        proposed: to,
                        by: Some(by.to_string()),
                        reason_code: reason_code.clone(),
                        note: note.clone(),
                    }),
                ),
            };
            Ok(Outcome {
                from: case.status,
                to,
                via_in_review,
                four_eyes,
                pending,
                reason_code,
                note,
                new_version,
            })
        }
    }
}

/// Why an approved case is due for re-review, or `None` when it is not.
///
/// Only `Approved` cases become due: when `review_due_at` (same clock as `now`) is at or before
/// `now`, or when the identity's content hash differs from the one recorded at the decision.
/// Without a recorded hash a data change cannot be detected.
pub fn review_due_reason(
    status: Status,
    review_due_at: Option<i64>,
    decided_hash: Option<&str>,
    current_hash: &str,
    now: i64,
) -> Option<&'static str> {
    if status != Status::Approved {
        return None;
    }
    if review_due_at.is_some_and(|due| due <= now) {
        return Some("re-review date passed");
    }
    if decided_hash.is_some_and(|h| h != current_hash) {
        return Some("identity data changed since the decision");
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn case(status: Status) -> Case {
        Case {
            status,
            version: 7,
            pending: None,
        }
    }

    fn pending_case(proposed: Status, by: Option<&str>) -> Case {
        Case {
            status: Status::PendingApproval,
            version: 7,
            pending: Some(Pending {
                proposed,
                by: by.map(str::to_string),
                reason_code: Some(
                    if proposed == Status::Approved {
                        "verified_documents"
                    } else {
                        "policy"
                    }
                    .to_string(),
                ),
                note: "first look".to_string(),
            }),
        }
    }

    /// A request that passes validation for `action` (reason code and note filled in).
    fn req(action: Action) -> DecisionRequest {
        DecisionRequest {
            action,
            reviewer: Some("alice".to_string()),
            reason_code: reason_codes(action).first().map(|c| c.to_string()),
            note: "checked".to_string(),
            open_hits: 0,
            band: RiskBand::Low,
            expected_version: 7,
        }
    }

    fn by(r: DecisionRequest, reviewer: Option<&str>) -> DecisionRequest {
        DecisionRequest {
            reviewer: reviewer.map(str::to_string),
            ..r
        }
    }

    fn at(r: DecisionRequest, band: RiskBand) -> DecisionRequest {
        DecisionRequest { band, ..r }
    }

    // ---- names ----

    #[test]
    fn status_names_round_trip() {
        for s in Status::ALL {
            assert_eq!(s.as_str().parse::<Status>(), Ok(s));
            assert_eq!(s.to_string(), s.as_str());
            assert!(!s.label().is_empty());
        }
        assert_eq!(" In_Review ".parse::<Status>(), Ok(Status::InReview));
        assert!("done".parse::<Status>().is_err());
        assert!("".parse::<Status>().is_err());
    }

    #[test]
    fn status_labels_are_human() {
        assert_eq!(
            Status::ResubmissionRequested.label(),
            "Resubmission requested"
        );
        assert_eq!(Status::InReview.label(), "In review");
    }

    #[test]
    fn action_names_round_trip() {
        for a in Action::ALL {
            assert_eq!(a.as_str().parse::<Action>(), Ok(a));
            assert_eq!(a.to_string(), a.as_str());
        }
        assert_eq!(
            "request_resubmission".parse::<Action>(),
            Ok(Action::RequestResubmission)
        );
        let err = "approve!".parse::<Action>().unwrap_err();
        assert!(err.to_string().contains("not a review action"));
    }

    #[test]
    fn serde_names_match_as_str() {
        for s in Status::ALL {
            let json = serde_json::to_string(&s).unwrap();
            assert_eq!(json, format!("\"{}\"", s.as_str()));
            assert_eq!(serde_json::from_str::<Status>(&json).unwrap(), s);
        }
        for a in Action::ALL {
            let json = serde_json::to_string(&a).unwrap();
            assert_eq!(json, format!("\"{}\"", a.as_str()));
        }
        let json = serde_json::to_string(&FourEyes::Confirmed {
            first: "a".to_string(),
            second: "b".to_string(),
        })
        .unwrap();
        assert_eq!(json, r#"{"state":"confirmed","first":"a","second":"b"}"#);
    }

    #[test]
    fn reason_codes_per_action() {
        assert!(reason_codes(Action::Approve).contains(&"false_positive_hits"));
        assert!(reason_codes(Action::Reject).contains(&"sanctions_match"));
        assert!(reason_codes(Action::RequestResubmission).contains(&"document_unreadable"));
        assert!(reason_codes(Action::Escalate).contains(&"pep"));
        assert!(reason_codes(Action::StartReview).is_empty());
        assert!(reason_codes(Action::ConfirmPending).is_empty());
        for (_, codes) in REASON_CODES {
            for code in codes {
                assert!(reason_label(code).is_some(), "{code} has no label");
            }
        }
        assert_eq!(reason_label("nope"), None);
    }

    // ---- allowed transitions, one test each ----

    fn assert_moves(from: Status, action: Action, to: Status, via: bool) {
        let out = decide(&case(from), &req(action))
            .unwrap_or_else(|e| panic!("{from} --{action}--> refused: {e}"));
        assert_eq!(out.from, from);
        assert_eq!(out.to, to, "{from} --{action}-->");
        assert_eq!(out.via_in_review, via, "{from} --{action}--> via");
        assert_eq!(out.four_eyes, FourEyes::NotRequired);
        assert_eq!(out.pending, None);
        assert_eq!(out.new_version, 8);
    }

    #[test]
    fn unreviewed_start_review() {
        assert_moves(
            Status::Unreviewed,
            Action::StartReview,
            Status::InReview,
            false,
        );
    }

    #[test]
    fn in_review_approve() {
        assert_moves(Status::InReview, Action::Approve, Status::Approved, false);
    }

    #[test]
    fn in_review_reject() {
        assert_moves(Status::InReview, Action::Reject, Status::Rejected, false);
    }

    #[test]
    fn in_review_request_resubmission() {
        assert_moves(
            Status::InReview,
            Action::RequestResubmission,
            Status::ResubmissionRequested,
            false,
        );
    }

    #[test]
    fn in_review_escalate() {
        assert_moves(Status::InReview, Action::Escalate, Status::Escalated, false);
    }

    #[test]
    fn escalated_approve_and_reject() {
        assert_moves(Status::Escalated, Action::Approve, Status::Approved, false);
        assert_moves(Status::Escalated, Action::Reject, Status::Rejected, false);
    }

    #[test]
    fn review_due_start_review() {
        assert_moves(
            Status::ReviewDue,
            Action::StartReview,
            Status::InReview,
            false,
        );
    }

    #[test]
    fn resubmission_requested_start_review() {
        assert_moves(
            Status::ResubmissionRequested,
            Action::StartReview,
            Status::InReview,
            false,
        );
    }

    #[test]
    fn direct_decisions_from_unreviewed_and_review_due_go_via_in_review() {
        for from in [Status::Unreviewed, Status::ReviewDue] {
            assert_moves(from, Action::Approve, Status::Approved, true);
            assert_moves(from, Action::Reject, Status::Rejected, true);
            assert_moves(
                from,
                Action::RequestResubmission,
                Status::ResubmissionRequested,
                true,
            );
            assert_moves(from, Action::Escalate, Status::Escalated, true);
        }
    }

    #[test]
    fn pending_confirm_and_decline() {
        let c = pending_case(Status::Approved, Some("alice"));
        let out = decide(&c, &by(req(Action::ConfirmPending), Some("bob"))).unwrap();
        assert_eq!(
            (out.from, out.to),
            (Status::PendingApproval, Status::Approved)
        );
        let out = decide(&c, &req(Action::DeclinePending)).unwrap();
        assert_eq!(
            (out.from, out.to),
            (Status::PendingApproval, Status::InReview)
        );
    }

    /// decide accepts exactly the actions allowed_actions lists, for every status.
    #[test]
    fn decide_agrees_with_allowed_actions() {
        for status in Status::ALL {
            let c = if status == Status::PendingApproval {
                pending_case(Status::Rejected, Some("alice"))
            } else {
                case(status)
            };
            let allowed = allowed_actions(status);
            for action in Action::ALL {
                let r = by(req(action), Some("bob"));
                let result = decide(&c, &r);
                assert_eq!(
                    result.is_ok(),
                    allowed.contains(&action),
                    "{status} --{action}--> gave {result:?}"
                );
                if let Err(e) = result {
                    assert_eq!(e.http_status(), 409, "{status} --{action}-->");
                }
            }
        }
    }

    #[test]
    fn allowed_actions_per_status() {
        assert_eq!(allowed_actions(Status::InReview).len(), 4);
        assert_eq!(
            allowed_actions(Status::Escalated),
            vec![Action::Approve, Action::Reject]
        );
        assert_eq!(
            allowed_actions(Status::ResubmissionRequested),
            vec![Action::StartReview]
        );
        assert!(allowed_actions(Status::Approved).is_empty());
        assert!(allowed_actions(Status::Rejected).is_empty());
        assert_eq!(
            allowed_actions(Status::PendingApproval),
            vec![Action::ConfirmPending, Action::DeclinePending]
        );
        assert_eq!(allowed_actions(Status::Unreviewed)[0], Action::StartReview);
    }

    // ---- forbidden transitions ----

    fn assert_refused(from: Status, action: Action) {
        match decide(&case(from), &req(action)) {
            Err(e @ DecisionError::NotAllowed { .. }) => {
                assert_eq!(e, DecisionError::NotAllowed { from, action });
                assert_eq!(e.http_status(), 409);
            }
            other => panic!("{from} --{action}--> expected NotAllowed, got {other:?}"),
        }
    }

    #[test]
    fn forbidden_from_unreviewed() {
        // Confirm/decline without a pending proposal.
        assert_eq!(
            decide(&case(Status::Unreviewed), &req(Action::ConfirmPending)),
            Err(DecisionError::NothingPending)
        );
        assert_eq!(
            decide(&case(Status::Unreviewed), &req(Action::DeclinePending)),
            Err(DecisionError::NothingPending)
        );
    }

    #[test]
    fn forbidden_from_in_review() {
        assert_refused(Status::InReview, Action::StartReview);
        assert_eq!(
            decide(&case(Status::InReview), &req(Action::ConfirmPending)),
            Err(DecisionError::NothingPending)
        );
    }

    #[test]
    fn forbidden_from_approved() {
        for a in [
            Action::StartReview,
            Action::Approve,
            Action::Reject,
            Action::RequestResubmission,
            Action::Escalate,
        ] {
            assert_refused(Status::Approved, a);
        }
    }

    #[test]
    fn forbidden_from_rejected() {
        for a in [Action::StartReview, Action::Approve, Action::Escalate] {
            assert_refused(Status::Rejected, a);
        }
    }

    #[test]
    fn forbidden_from_resubmission_requested() {
        for a in [
            Action::Approve,
            Action::Reject,
            Action::Escalate,
            Action::RequestResubmission,
        ] {
            assert_refused(Status::ResubmissionRequested, a);
        }
    }

    #[test]
    fn forbidden_from_escalated() {
        for a in [
            Action::StartReview,
            Action::Escalate,
            Action::RequestResubmission,
        ] {
            assert_refused(Status::Escalated, a);
        }
    }

    #[test]
    fn forbidden_from_review_due() {
        assert_eq!(
            decide(&case(Status::ReviewDue), &req(Action::DeclinePending)),
            Err(DecisionError::NothingPending)
        );
    }

    #[test]
    fn forbidden_from_pending_approval() {
        let c = pending_case(Status::Approved, Some("alice"));
        for a in [
            Action::StartReview,
            Action::Approve,
            Action::Reject,
            Action::Escalate,
            Action::RequestResubmission,
        ] {
            assert_eq!(
                decide(&c, &by(req(a), Some("bob"))),
                Err(DecisionError::NotAllowed {
                    from: Status::PendingApproval,
                    action: a
                })
            );
        }
    }

    #[test]
    fn not_allowed_message_lists_allowed_actions() {
        let msg = DecisionError::NotAllowed {
            from: Status::Escalated,
            action: Action::Escalate,
        }
        .to_string();
        assert!(msg.contains("cannot escalate"), "{msg}");
        assert!(msg.contains("\"Escalated\""), "{msg}");
        assert!(msg.contains("approve, reject"), "{msg}");
        let msg = DecisionError::NotAllowed {
            from: Status::Approved,
            action: Action::Reject,
        }
        .to_string();
        assert!(msg.contains("Re-review due"), "{msg}");
        let msg = DecisionError::NotAllowed {
            from: Status::Rejected,
            action: Action::Approve,
        }
        .to_string();
        assert!(msg.contains("No further action"), "{msg}");
    }

    // ---- four-eyes ----

    #[test]
    fn high_risk_approval_becomes_pending() {
        for band in [RiskBand::High, RiskBand::Critical] {
            let out = decide(&case(Status::InReview), &at(req(Action::Approve), band)).unwrap();
            assert_eq!(out.to, Status::PendingApproval);
            assert_eq!(out.four_eyes, FourEyes::Pending);
            assert_eq!(
                out.pending,
                Some(Pending {
                    proposed: Status::Approved,
                    by: Some("alice".to_string()),
                    reason_code: Some("verified_documents".to_string()),
                    note: "checked".to_string(),
                })
            );
            assert_eq!(out.new_version, 8);
        }
    }

    #[test]
    fn high_risk_rejection_from_unreviewed_becomes_pending_via_in_review() {
        let out = decide(
            &case(Status::Unreviewed),
            &at(req(Action::Reject), RiskBand::Critical),
        )
        .unwrap();
        assert_eq!(out.to, Status::PendingApproval);
        assert!(out.via_in_review);
        assert_eq!(out.pending.map(|p| p.proposed), Some(Status::Rejected));
    }

    #[test]
    fn four_eyes_not_required_for_low_medium_or_other_actions() {
        for band in [RiskBand::Low, RiskBand::Medium] {
            let out = decide(&case(Status::InReview), &at(req(Action::Approve), band)).unwrap();
            assert_eq!(out.to, Status::Approved);
            assert_eq!(out.four_eyes, FourEyes::NotRequired);
        }
        for a in [Action::Escalate, Action::RequestResubmission] {
            let out = decide(&case(Status::InReview), &at(req(a), RiskBand::Critical)).unwrap();
            assert_eq!(out.four_eyes, FourEyes::NotRequired);
            assert_ne!(out.to, Status::PendingApproval);
        }
    }

    #[test]
    fn confirm_by_other_reviewer_applies_proposal() {
        let c = pending_case(Status::Rejected, Some("alice"));
        let out = decide(
            &c,
            &at(by(req(Action::ConfirmPending), Some("bob")), RiskBand::High),
        )
        .unwrap();
        assert_eq!(out.to, Status::Rejected);
        assert_eq!(
            out.four_eyes,
            FourEyes::Confirmed {
                first: "alice".to_string(),
                second: "bob".to_string()
            }
        );
        assert_eq!(out.pending, None);
        assert_eq!(out.reason_code.as_deref(), Some("policy"));
        assert_eq!(out.new_version, 8);
    }

    #[test]
    fn self_confirmation_refused() {
        let c = pending_case(Status::Approved, Some("alice"));
        let err = decide(&c, &by(req(Action::ConfirmPending), Some(" alice "))).unwrap_err();
        assert_eq!(err, DecisionError::SelfConfirmation);
        assert_eq!(err.http_status(), 409);
        assert!(err.to_string().contains("different reviewer"));
    }

    #[test]
    fn confirm_needs_known_reviewers() {
        let c = pending_case(Status::Approved, Some("alice"));
        for who in [None, Some("  ")] {
            let err = decide(&c, &by(req(Action::ConfirmPending), who)).unwrap_err();
            assert!(matches!(err, DecisionError::UnknownReviewer(_)), "{err:?}");
            assert_eq!(err.http_status(), 409);
        }
        let c = pending_case(Status::Approved, None);
        let err = decide(&c, &by(req(Action::ConfirmPending), Some("bob"))).unwrap_err();
        assert!(matches!(err, DecisionError::UnknownReviewer(_)), "{err:?}");
    }

    #[test]
    fn confirm_approval_with_new_open_hits_needs_a_note() {
        let mut c = pending_case(Status::Approved, Some("alice"));
        if let Some(p) = c.pending.as_mut() {
            p.note = String::new();
        }
        let mut r = by(req(Action::ConfirmPending), Some("bob"));
        r.open_hits = 1;
        r.note = " ".to_string();
        assert_eq!(
            decide(&c, &r),
            Err(DecisionError::NoteRequired(Action::ConfirmPending))
        );
        r.note = "hit is a namesake".to_string();
        assert_eq!(decide(&c, &r).map(|o| o.to), Ok(Status::Approved));
    }

    #[test]
    fn decline_returns_to_in_review() {
        let c = pending_case(Status::Approved, Some("alice"));
        // Anyone may decline, the proposer included, and without a reason code.
        for who in [Some("alice"), Some("bob"), None] {
            let mut r = by(req(Action::DeclinePending), who);
            r.reason_code = None;
            r.note = String::new();
            let out = decide(&c, &r).unwrap();
            assert_eq!(out.to, Status::InReview);
            assert_eq!(out.pending, None);
            assert_eq!(out.new_version, 8);
        }
    }

    #[test]
    fn pending_status_without_proposal_is_nothing_pending() {
        let c = Case {
            status: Status::PendingApproval,
            version: 7,
            pending: None,
        };
        let err = decide(&c, &by(req(Action::ConfirmPending), Some("bob"))).unwrap_err();
        assert_eq!(err, DecisionError::NothingPending);
        assert_eq!(err.http_status(), 409);
    }

    #[test]
    fn unknown_reviewer_makes_four_eyes_unenforceable() {
        for who in [None, Some(""), Some("   ")] {
            for a in [Action::Approve, Action::Reject] {
                let out = decide(
                    &case(Status::InReview),
                    &at(by(req(a), who), RiskBand::Critical),
                )
                .unwrap();
                assert_eq!(out.four_eyes, FourEyes::Unenforceable);
                assert_ne!(out.to, Status::PendingApproval);
                assert_eq!(out.pending, None);
            }
        }
        // Low risk with an unknown reviewer: nothing to enforce.
        let out = decide(&case(Status::InReview), &by(req(Action::Approve), None)).unwrap();
        assert_eq!(out.four_eyes, FourEyes::NotRequired);
    }

    // ---- versions ----

    #[test]
    fn stale_version_refused() {
        let mut r = req(Action::Approve);
        r.expected_version = 6;
        let err = decide(&case(Status::InReview), &r).unwrap_err();
        assert_eq!(
            err,
            DecisionError::Stale {
                expected: 6,
                actual: 7
            }
        );
        assert_eq!(err.http_status(), 409);
        assert!(err.to_string().contains("Reload"));
    }

    #[test]
    fn stale_checked_before_transition_and_validation() {
        let mut r = req(Action::Reject);
        r.expected_version = 8;
        r.note = String::new();
        assert!(matches!(
            decide(&case(Status::Approved), &r),
            Err(DecisionError::Stale { .. })
        ));
        // A stale confirmation is refused too.
        let c = pending_case(Status::Approved, Some("alice"));
        let mut r = by(req(Action::ConfirmPending), Some("bob"));
        r.expected_version = 3;
        assert!(matches!(decide(&c, &r), Err(DecisionError::Stale { .. })));
    }

    // ---- notes ----

    #[test]
    fn note_required_for_reject_and_escalate() {
        for a in [Action::Reject, Action::Escalate] {
            for note in ["", "   \n\t"] {
                let mut r = req(a);
                r.note = note.to_string();
                let err = decide(&case(Status::InReview), &r).unwrap_err();
                assert_eq!(err, DecisionError::NoteRequired(a));
                assert_eq!(err.http_status(), 400);
            }
        }
    }

    #[test]
    fn note_required_for_approve_only_with_open_hits() {
        let mut r = req(Action::Approve);
        r.note = String::new();
        assert!(decide(&case(Status::InReview), &r).is_ok());
        r.open_hits = 2;
        let err = decide(&case(Status::InReview), &r).unwrap_err();
        assert_eq!(err, DecisionError::NoteRequired(Action::Approve));
        assert!(err.to_string().contains("screening hits"));
        r.note = "namesake, different DOB".to_string();
        assert!(decide(&case(Status::InReview), &r).is_ok());
    }

    #[test]
    fn note_optional_for_resubmission_and_start_review() {
        for a in [Action::RequestResubmission, Action::StartReview] {
            let mut r = req(a);
            r.note = String::new();
            r.open_hits = 3;
            assert!(decide(&case(Status::Unreviewed), &r).is_ok(), "{a}");
        }
    }

    #[test]
    fn note_is_trimmed_and_limited() {
        let mut r = req(Action::Reject);
        r.note = format!("  {}  ", "é".repeat(MAX_NOTE_CHARS));
        let out = decide(&case(Status::InReview), &r).unwrap();
        assert_eq!(out.note.chars().count(), MAX_NOTE_CHARS);
        r.note = "x".repeat(MAX_NOTE_CHARS + 1);
        let err = decide(&case(Status::InReview), &r).unwrap_err();
        assert_eq!(
            err,
            DecisionError::NoteTooLong {
                len: MAX_NOTE_CHARS + 1,
                max: MAX_NOTE_CHARS
            }
        );
        assert_eq!(err.http_status(), 400);
        // Also for actions where the note is optional.
        let mut r = req(Action::StartReview);
        r.note = "x".repeat(MAX_NOTE_CHARS + 1);
        assert!(matches!(
            decide(&case(Status::Unreviewed), &r),
            Err(DecisionError::NoteTooLong { .. })
        ));
    }

    // ---- reason codes ----

    #[test]
    fn reason_required_for_decisions() {
        for a in [
            Action::Approve,
            Action::Reject,
            Action::RequestResubmission,
            Action::Escalate,
        ] {
            for code in [None, Some(""), Some("  ")] {
                let mut r = req(a);
                r.reason_code = code.map(str::to_string);
                let err = decide(&case(Status::InReview), &r).unwrap_err();
                assert!(
                    matches!(err, DecisionError::ReasonRequired { action, .. } if action == a),
                    "{err:?}"
                );
                assert_eq!(err.http_status(), 400);
                assert!(err.to_string().contains(reason_codes(a)[0]), "{err}");
            }
        }
    }

    #[test]
    fn reason_must_belong_to_the_action() {
        let mut r = req(Action::Approve);
        r.reason_code = Some("sanctions_match".to_string());
        let err = decide(&case(Status::InReview), &r).unwrap_err();
        let msg = err.to_string();
        assert!(
            msg.contains("\"sanctions_match\" is not a reason code"),
            "{msg}"
        );
        assert!(msg.contains("verified_documents"), "{msg}");
        r.reason_code = Some("made_up".to_string());
        assert!(matches!(
            decide(&case(Status::InReview), &r),
            Err(DecisionError::ReasonRequired { .. })
        ));
    }

    #[test]
    fn reason_is_normalised() {
        let mut r = req(Action::Escalate);
        r.reason_code = Some(" PEP ".to_string());
        let out = decide(&case(Status::InReview), &r).unwrap();
        assert_eq!(out.reason_code.as_deref(), Some("pep"));
    }

    #[test]
    fn every_listed_reason_is_accepted() {
        for (action, codes) in REASON_CODES {
            for code in codes {
                let mut r = req(action);
                r.reason_code = Some(code.to_string());
                let out = decide(&case(Status::InReview), &r).unwrap();
                assert_eq!(out.reason_code.as_deref(), Some(*code));
            }
        }
    }

    #[test]
    fn start_review_needs_no_reason() {
        let mut r = req(Action::StartReview);
        r.reason_code = None;
        let out = decide(&case(Status::Unreviewed), &r).unwrap();
        assert_eq!(out.reason_code, None);
    }

    #[test]
    fn transition_checked_before_validation() {
        let mut r = req(Action::Reject);
        r.reason_code = None;
        r.note = String::new();
        assert!(matches!(
            decide(&case(Status::Rejected), &r),
            Err(DecisionError::NotAllowed { .. })
        ));
    }

    // ---- review due ----

    const NOW: i64 = 1_700_000_000;

    #[test]
    fn review_due_when_date_passed_or_equal() {
        let due = review_due_reason(Status::Approved, Some(NOW), Some("h"), "h", NOW);
        assert_eq!(due, Some("re-review date passed"));
        let due = review_due_reason(Status::Approved, Some(NOW - 1), Some("h"), "h", NOW);
        assert_eq!(due, Some("re-review date passed"));
        let due = review_due_reason(Status::Approved, Some(NOW + 1), Some("h"), "h", NOW);
        assert_eq!(due, None);
        assert_eq!(
            review_due_reason(Status::Approved, None, Some("h"), "h", NOW),
            None
        );
    }

    #[test]
    fn review_due_when_hash_changed() {
        let due = review_due_reason(Status::Approved, Some(NOW + 100), Some("old"), "new", NOW);
        assert_eq!(due, Some("identity data changed since the decision"));
        let due = review_due_reason(Status::Approved, None, Some("old"), "new", NOW);
        assert_eq!(due, Some("identity data changed since the decision"));
        // No hash recorded: a change cannot be detected.
        assert_eq!(
            review_due_reason(Status::Approved, None, None, "new", NOW),
            None
        );
    }

    #[test]
    fn review_due_date_reported_first_when_both_apply() {
        let due = review_due_reason(Status::Approved, Some(NOW), Some("old"), "new", NOW);
        assert_eq!(due, Some("re-review date passed"));
    }

    #[test]
    fn review_due_only_for_approved() {
        for s in Status::ALL {
            if s == Status::Approved {
                continue;
            }
            assert_eq!(
                review_due_reason(s, Some(NOW - 10), Some("old"), "new", NOW),
                None,
                "{s}"
            );
        }
    }

    #[test]
    fn new_version_does_not_overflow() {
        let c = Case {
            status: Status::Unreviewed,
            version: i64::MAX,
            pending: None,
        };
        let mut r = req(Action::StartReview);
        r.expected_version = i64::MAX;
        assert_eq!(decide(&c, &r).map(|o| o.new_version), Ok(i64::MAX));
    }
}
