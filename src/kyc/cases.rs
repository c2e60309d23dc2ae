//! Storing review work: decisions (through the pure state machine of [`super::decisions`]),
//! hit verdicts, cases falling due for re-review, and alerts on new screening hits. Each change
//! is one immediate transaction holding the change, its status history, its audit event and the
//! outbox rows that tell Blnk (see [`crate::writeback`]), so none can exist without the others.

use chrono::{DateTime, Months, Utc};
use diesel::prelude::*;
use diesel::sqlite::SqliteConnection;
use serde_json::{json, Value};

use super::assessment::Assessment;
use super::audit::NewEvent;
use super::decisions::{
    self, Action, Case, DecisionError, DecisionRequest, FourEyes, Pending, Status,
};
use super::hits::{self, HitReview, HitState};
use super::index::{self, IndexRow};
use super::risk::{ReReviewIntervals, RiskBand};
use super::screening::SanctionsList;
use super::{audit_log, identity::Identity};
use crate::blnk::scopes;
use crate::error::AppError;
use crate::lifecycle::installs::Install;
use crate::schema::kyc_decisions;
use crate::writeback;

/// What the change needs from the app around it.
pub struct Context<'a> {
    pub install: &'a Install,
    pub list: &'a SanctionsList,
    pub namespace: &'a str,
    pub intervals: &'a ReReviewIntervals,
    pub now: DateTime<Utc>,
}

impl Context<'_> {
    fn ts(&self) -> i64 {
        self.now.timestamp()
    }
    fn app(&self) -> &str {
        &self.install.installed_app_id
    }
}

/// A decision as submitted from the identity page.
#[derive(Debug, Clone)]
pub struct DecisionInput {
    pub identity_id: String,
    pub action: Action,
    pub reason_code: Option<String>,
    pub note: String,
    /// The case version the page showed.
    pub expected_version: i64,
    /// The identity's content hash the page showed.
    pub expected_hash: String,
    /// The session's Cloud `user_id`, when Cloud sent one.
    pub reviewer: Option<String>,
}

/// Why a change was refused.
#[derive(Debug, thiserror::Error)]
pub enum CaseError {
    #[error("There is no identity with this id in this install's ledger.")]
    NotFound,
    #[error(
        "This screening hit is no longer on the identity; reload the page to see its current hits."
    )]
    HitNotFound,
    #[error("The identity's data changed in Blnk since the page was loaded. Reload the page, check what changed, then decide again.")]
    DataChanged,
    #[error("This identity has not been screened yet; wait for the screening run to finish, then decide.")]
    NotAssessed,
    #[error("{0}")]
    Invalid(String),
    #[error(transparent)]
    Decision(#[from] DecisionError),
    #[error("database: {0}")]
    Db(#[from] diesel::result::Error),
}

impl From<CaseError> for AppError {
    fn from(e: CaseError) -> Self {
        let message = e.to_string();
        match e {
            CaseError::NotFound => AppError::not_found("identity_not_found", message),
            CaseError::HitNotFound => AppError::not_found("hit_not_found", message),
            CaseError::DataChanged => AppError::conflict("stale_identity", message),
            CaseError::NotAssessed => AppError::conflict("not_assessed", message),
            CaseError::Invalid(_) => AppError::bad_request("invalid_input", message),
            CaseError::Decision(d) if d.http_status() == 400 => {
                AppError::bad_request("invalid_decision", message)
            }
            CaseError::Decision(_) => AppError::conflict("decision_refused", message),
            CaseError::Db(d) => d.into(),
        }
    }
}

/// The reviewer's id when Cloud sent one (blank counts as unknown).
pub fn known_reviewer(user_id: Option<&str>) -> Option<String> {
    user_id
        .map(str::trim)
        .filter(|u| !u.is_empty())
        .map(str::to_owned)
}

/// The stored case of an index row.
pub fn case_of(row: &IndexRow) -> Case {
    Case {
        status: row.status.parse().unwrap_or(Status::Unreviewed),
        version: row.case_version,
        pending: row
            .pending_json
            .as_deref()
            .and_then(|p| serde_json::from_str::<Pending>(p).ok()),
    }
}

/// The band the row was assessed at.
pub fn band_of(row: &IndexRow) -> RiskBand {
    row.risk_band.parse().unwrap_or(RiskBand::Low)
}

/// The hits of `row` with their verdicts.
pub fn hit_states(
    conn: &mut SqliteConnection,
    row: &IndexRow,
    list: &SanctionsList,
) -> QueryResult<Vec<(super::screening::Hit, HitState)>> {
    let Some(a) = row.assessment() else {
        return Ok(Vec::new());
    };
    let reviews = hits::reviews(conn, &row.installed_app_id, &row.identity_id)?;
    Ok(hits::states(&row.identity(), &a, &reviews, list))
}

/// A stored decision.
#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = kyc_decisions)]
pub struct DecisionRow {
    pub decision_id: String,
    pub installed_app_id: String,
    pub identity_id: String,
    pub action: String,
    pub from_status: String,
    pub to_status: String,
    pub reviewer: Option<String>,
    pub reason_code: Option<String>,
    pub note: String,
    pub four_eyes: String,
    pub content_hash: String,
    pub risk_score: i32,
    pub risk_band: String,
    pub at: i64,
}

/// The result of an accepted decision.
#[derive(Debug, Clone)]
pub struct Decided {
    pub outcome: decisions::Outcome,
    pub decision_id: String,
    /// Writes queued for Blnk, as labels; and the ones skipped for a missing scope.
    pub queued: Vec<&'static str>,
    pub skipped: Vec<String>,
}

fn rfc3339(ts: Option<i64>) -> Value {
    ts.and_then(|t| DateTime::from_timestamp(t, 0))
        .map_or(Value::Null, |d| Value::String(d.to_rfc3339()))
}

/// The whole KYC namespace object written to the identity's metadata (spec §3).
pub fn metadata_object(row: &IndexRow, standing_hits: usize, list_version: &str) -> Value {
    json!({
        "status": row.status,
        "risk_score": row.risk_score,
        "risk_band": row.risk_band,
        "decided_at": rfc3339(row.decided_at),
        "decided_by": row.decided_by,
        "decision_id": row.decision_id,
        "screening": { "list_version": list_version, "hits": standing_hits },
        "review_due_at": rfc3339(row.review_due_at),
    })
}

fn four_eyes_name(f: &FourEyes) -> String {
    match f {
        FourEyes::NotRequired => "not_required".into(),
        FourEyes::Unenforceable => "unenforceable".into(),
        FourEyes::Pending => "pending".into(),
        FourEyes::Confirmed { first, second } => format!("confirmed:{first}+{second}"),
    }
}

fn review_due_at(
    status: Status,
    band: RiskBand,
    intervals: &ReReviewIntervals,
    now: DateTime<Utc>,
) -> Option<i64> {
    (status == Status::Approved).then(|| {
        now.checked_add_months(Months::new(intervals.months(band)))
            .unwrap_or(now)
            .timestamp()
    })
}

/// Checks and stores a decision with its history, audit event and writes to Blnk.
pub fn decide(
    conn: &mut SqliteConnection,
    ctx: &Context<'_>,
    input: &DecisionInput,
) -> Result<Decided, CaseError> {
    crate::db::immediate(conn, |c| decide_in(c, ctx, input))
}

fn decide_in(
    conn: &mut SqliteConnection,
    ctx: &Context<'_>,
    input: &DecisionInput,
) -> Result<Decided, CaseError> {
    let now = ctx.ts();
    let row = index::find(conn, ctx.app(), &input.identity_id)?.ok_or(CaseError::NotFound)?;
    let case = case_of(&row);
    // The version check first: it names what changed. Then the identity's data.
    if input.expected_version != case.version {
        return Err(DecisionError::Stale {
            expected: input.expected_version,
            actual: case.version,
        }
        .into());
    }
    if input.expected_hash != row.content_hash {
        return Err(CaseError::DataChanged);
    }
    if row.assessment.is_none() && input.action != Action::StartReview {
        return Err(CaseError::NotAssessed);
    }
    let states = hit_states(conn, &row, ctx.list)?;
    let band = band_of(&row);
    let outcome = decisions::decide(
        &case,
        &DecisionRequest {
            action: input.action,
            reviewer: input.reviewer.clone(),
            reason_code: input.reason_code.clone(),
            note: input.note.clone(),
            open_hits: hits::open_count(&states),
            band,
            expected_version: input.expected_version,
        },
    )?;
    let decision_id = format!("dec_{}", uuid::Uuid::new_v4().simple());
    let reviewer = known_reviewer(input.reviewer.as_deref());
    let actor = audit_log::actor(reviewer.as_deref());
    let is_decision = !matches!(input.action, Action::StartReview | Action::DeclinePending);

    {
        use crate::schema::kyc_identities::dsl as k;
        let target = k::kyc_identities
            .filter(k::installed_app_id.eq(ctx.app()))
            .filter(k::identity_id.eq(&input.identity_id));
        diesel::update(target)
            .set((
                k::status.eq(outcome.to.as_str()),
                k::case_version.eq(outcome.new_version),
                k::pending_json.eq(outcome
                    .pending
                    .as_ref()
                    .and_then(|p| serde_json::to_string(p).ok())),
            ))
            .execute(conn)?;
        if is_decision {
            diesel::update(target)
                .set((
                    k::last_decision.eq(outcome.to.as_str()),
                    k::decided_at.eq(now),
                    k::decided_by.eq(&reviewer),
                    k::decision_id.eq(&decision_id),
                    k::decided_hash.eq(&row.content_hash),
                    k::review_due_at.eq(review_due_at(outcome.to, band, ctx.intervals, ctx.now)),
                ))
                .execute(conn)?;
        }
    }
    diesel::insert_into(kyc_decisions::table)
        .values(DecisionRow {
            decision_id: decision_id.clone(),
            installed_app_id: ctx.app().to_owned(),
            identity_id: input.identity_id.clone(),
            action: input.action.as_str().to_owned(),
            from_status: outcome.from.as_str().to_owned(),
            to_status: outcome.to.as_str().to_owned(),
            reviewer: reviewer.clone(),
            reason_code: outcome.reason_code.clone(),
            note: outcome.note.clone(),
            four_eyes: four_eyes_name(&outcome.four_eyes),
            content_hash: row.content_hash.clone(),
            risk_score: row.risk_score,
            risk_band: row.risk_band.clone(),
            at: now,
        })
        .execute(conn)?;
    let mut history_note = input.action.label().to_owned();
    if let Some(code) = &outcome.reason_code {
        history_note.push_str(&format!(
            " — {}",
            decisions::reason_label(code).unwrap_or(code)
        ));
    }
    if outcome.via_in_review {
        history_note.push_str(" (review started with this decision)");
    }
    match &outcome.four_eyes {
        FourEyes::Pending => history_note.push_str("; awaiting a second reviewer"),
        FourEyes::Unenforceable => {
            history_note.push_str("; four-eyes could not be enforced: the reviewer's id is unknown")
        }
        FourEyes::Confirmed { first, .. } => {
            history_note.push_str(&format!("; confirms the proposal of {first}"))
        }
        FourEyes::NotRequired => {}
    }
    if !outcome.note.is_empty() {
        history_note.push_str(&format!(": {}", outcome.note));
    }
    index::record_status(
        conn,
        ctx.app(),
        &input.identity_id,
        Some(outcome.from.as_str()),
        outcome.to.as_str(),
        &actor,
        &history_note,
        now,
    )?;
    audit_log::record(
        conn,
        ctx.app(),
        NewEvent {
            at: now,
            actor: actor.clone(),
            kind: "decision".into(),
            identity_id: Some(input.identity_id.clone()),
            before: Some(json!({
                "status": case.status,
                "version": case.version,
                "pending": case.pending,
            })),
            after: Some(json!({
                "status": outcome.to,
                "version": outcome.new_version,
                "pending": outcome.pending,
                "action": input.action,
                "reason_code": outcome.reason_code,
                "note": outcome.note,
                "four_eyes": outcome.four_eyes,
                "decision_id": decision_id,
                "content_hash": row.content_hash,
                "risk_score": row.risk_score,
                "risk_band": row.risk_band,
            })),
            detail: history_note,
        },
    )?;

    super::stats::snapshot_backlog(conn, ctx.app(), ctx.now)?;

    // Tell Blnk.
    let after = index::find(conn, ctx.app(), &input.identity_id)?.ok_or(CaseError::NotFound)?;
    let mut queued = Vec::new();
    let mut skipped = Vec::new();
    if ctx.install.has_scope(scopes::DATA_WRITE) {
        writeback::enqueue_metadata(
            conn,
            ctx.app(),
            &input.identity_id,
            ctx.namespace,
            metadata_object(&after, hits::standing_count(&states), ctx.list.version()),
            now,
        )?;
        queued.push("metadata");
    } else {
        skipped.push(format!(
            "The decision was not written to the identity's metadata: this install was not granted `{}`.",
            scopes::DATA_WRITE
        ));
    }
    let alert_change = match outcome.to {
        Status::Escalated => Some(true),
        Status::Approved | Status::Rejected => Some(false),
        _ => None,
    };
    match (alert_change, ctx.install.has_scope(scopes::ALERTS_WRITE)) {
        (Some(true), true) => {
            let reason = outcome
                .reason_code
                .as_deref()
                .map(|c| decisions::reason_label(c).unwrap_or(c))
                .unwrap_or("escalated");
            writeback::enqueue_alert(
                conn,
                ctx.app(),
                &input.identity_id,
                &format!("KYC escalation: {}", after.display_name),
                &format!(
                    "Escalated by {actor} ({reason}): {}\nRisk {} ({}). Decision {decision_id}.",
                    outcome.note, after.risk_score, after.risk_band
                ),
                now,
            )?;
            queued.push("alert");
        }
        (Some(false), true) => {
            if writeback::enqueue_resolution(
                conn,
                ctx.app(),
                &input.identity_id,
                &format!(
                    "Resolved: KYC case {} by {actor}. Decision {decision_id}.",
                    outcome.to.as_str()
                ),
                now,
            )? {
                queued.push("alert resolution");
            }
        }
        (Some(_), false) => skipped.push(format!(
            "No alert was raised or updated in Blnk: this install was not granted `{}`.",
            scopes::ALERTS_WRITE
        )),
        (None, _) => {}
    }
    Ok(Decided {
        outcome,
        decision_id,
        queued,
        skipped,
    })
}

/// A verdict on one hit, as submitted.
#[derive(Debug, Clone)]
pub struct HitInput {
    pub identity_id: String,
    pub entity_id: String,
    /// [`hits::CONFIRMED`] or [`hits::DISMISSED`].
    pub verdict: String,
    pub note: String,
    pub expected_version: i64,
    pub reviewer: Option<String>,
}

/// Stores a verdict on a hit (remembered against the compared fields) and audits it.
pub fn review_hit(
    conn: &mut SqliteConnection,
    ctx: &Context<'_>,
    input: &HitInput,
) -> Result<(), CaseError> {
    let verdict = match input.verdict.as_str() {
        "confirm" | hits::CONFIRMED => hits::CONFIRMED,
        "dismiss" | hits::DISMISSED => hits::DISMISSED,
        other => {
            return Err(CaseError::Invalid(format!(
                "{other:?} is not a verdict; use confirm or dismiss"
            )))
        }
    };
    if decisions::note_has_control_characters(&input.note) {
        return Err(CaseError::Invalid(
            decisions::NOTE_CONTROL_MESSAGE.to_owned(),
        ));
    }
    let note = input.note.trim();
    if note.is_empty() {
        return Err(CaseError::Invalid(format!(
            "Add a note saying why the hit is {verdict}; it is kept in the audit log."
        )));
    }
    if note.chars().count() > decisions::MAX_NOTE_CHARS {
        return Err(CaseError::Invalid(format!(
            "The note is too long; shorten it to at most {} characters.",
            decisions::MAX_NOTE_CHARS
        )));
    }
    crate::db::immediate(conn, |conn| {
        let now = ctx.ts();
        let row = index::find(conn, ctx.app(), &input.identity_id)?.ok_or(CaseError::NotFound)?;
        if row.case_version != input.expected_version {
            return Err(DecisionError::Stale {
                expected: input.expected_version,
                actual: row.case_version,
            }
            .into());
        }
        let a: Assessment = row.assessment().ok_or(CaseError::NotAssessed)?;
        let hit = a
            .screening
            .hits
            .iter()
            .find(|h| h.entity_id == input.entity_id)
            .ok_or(CaseError::HitNotFound)?;
        let identity: Identity = row.identity();
        let fields_hash = hits::fields_hash(&identity, hit, ctx.list);
        let before = hits::reviews(conn, ctx.app(), &input.identity_id)?
            .into_iter()
            .find(|r| r.entity_id == input.entity_id);
        let reviewer = known_reviewer(input.reviewer.as_deref());
        let actor = audit_log::actor(reviewer.as_deref());
        hits::save(
            conn,
            &HitReview {
                installed_app_id: ctx.app().to_owned(),
                identity_id: input.identity_id.clone(),
                entity_id: input.entity_id.clone(),
                fields_hash: fields_hash.clone(),
                verdict: verdict.to_owned(),
                note: note.to_owned(),
                reviewer,
                at: now,
            },
        )?;
        use crate::schema::kyc_identities::dsl as k;
        diesel::update(
            k::kyc_identities
                .filter(k::installed_app_id.eq(ctx.app()))
                .filter(k::identity_id.eq(&input.identity_id)),
        )
        .set(k::case_version.eq(row.case_version + 1))
        .execute(conn)?;
        audit_log::record(
            conn,
            ctx.app(),
            NewEvent {
                at: now,
                actor,
                kind: format!("hit_{verdict}"),
                identity_id: Some(input.identity_id.clone()),
                before: before.map(|b| json!({ "verdict": b.verdict, "note": b.note, "fields_hash": b.fields_hash })),
                after: Some(json!({
                    "entity_id": hit.entity_id,
                    "listed_name": hit.listed_name,
                    "score": hit.score,
                    "verdict": verdict,
                    "note": note,
                    "fields_hash": fields_hash,
                })),
                detail: format!(
                    "{verdict} hit {} ({}, score {:.3}): {note}",
                    hit.entity_id, hit.listed_name, hit.score
                ),
            },
        )?;
        Ok(())
    })
}

/// Moves approved cases whose re-review date passed or whose data changed since the decision
/// to `review_due` (spec §3), with history, audit and the metadata write. Returns how many.
pub fn sweep_review_due(conn: &mut SqliteConnection, ctx: &Context<'_>) -> QueryResult<usize> {
    use crate::schema::kyc_identities::dsl as k;
    let now = ctx.ts();
    // Narrowed in SQL (date passed, or data changed since the decision); the pure rule decides.
    // Two queries, each a range of an index: the date through `kyc_identities_status`, the
    // changed data through the partial index `kyc_identities_stale`. One query with OR read
    // every approved row of the install, on every queue page.
    let mut approved: Vec<IndexRow> = k::kyc_identities
        .filter(k::installed_app_id.eq(ctx.app()))
        .filter(k::status.eq(Status::Approved.as_str()))
        .filter(k::review_due_at.le(now))
        .select(IndexRow::as_select())
        .load(conn)?;
    let changed: Vec<IndexRow> = k::kyc_identities
        .filter(k::installed_app_id.eq(ctx.app()))
        .filter(k::status.eq(Status::Approved.as_str()))
        .filter(k::decided_hash.is_not_null())
        .filter(k::decided_hash.ne(k::content_hash.nullable()))
        .select(IndexRow::as_select())
        .load(conn)?;
    let seen: std::collections::HashSet<String> =
        approved.iter().map(|r| r.identity_id.clone()).collect();
    approved.extend(
        changed
            .into_iter()
            .filter(|r| !seen.contains(&r.identity_id)),
    );
    let due: Vec<(IndexRow, &'static str)> = approved
        .into_iter()
        .filter_map(|r| {
            decisions::review_due_reason(
                Status::Approved,
                r.review_due_at,
                r.decided_hash.as_deref(),
                &r.content_hash,
                now,
            )
            .map(|why| (r, why))
        })
        .collect();
    if due.is_empty() {
        return Ok(0);
    }
    crate::db::immediate(conn, |conn| {
        let mut n = 0;
        for (row, why) in &due {
            // Only if still approved (another request may have moved it meanwhile).
            let changed = diesel::update(
                k::kyc_identities
                    .filter(k::installed_app_id.eq(ctx.app()))
                    .filter(k::identity_id.eq(&row.identity_id))
                    .filter(k::status.eq(Status::Approved.as_str())),
            )
            .set((
                k::status.eq(Status::ReviewDue.as_str()),
                k::case_version.eq(row.case_version + 1),
            ))
            .execute(conn)?;
            if changed == 0 {
                continue;
            }
            n += 1;
            index::record_status(
                conn,
                ctx.app(),
                &row.identity_id,
                Some(Status::Approved.as_str()),
                Status::ReviewDue.as_str(),
                "system",
                why,
                now,
            )?;
            audit_log::record(
                conn,
                ctx.app(),
                NewEvent {
                    at: now,
                    actor: "system".into(),
                    kind: "review_due".into(),
                    identity_id: Some(row.identity_id.clone()),
                    before: Some(json!({ "status": "approved", "version": row.case_version })),
                    after: Some(json!({ "status": "review_due", "version": row.case_version + 1 })),
                    detail: format!("re-review due: {why}"),
                },
            )?;
            if ctx.install.has_scope(scopes::DATA_WRITE) {
                if let Some(after) = index::find(conn, ctx.app(), &row.identity_id)? {
                    let standing = hit_states(conn, &after, ctx.list)
                        .map(|s| hits::standing_count(&s))
                        .unwrap_or(0);
                    writeback::enqueue_metadata(
                        conn,
                        ctx.app(),
                        &row.identity_id,
                        ctx.namespace,
                        metadata_object(&after, standing, ctx.list.version()),
                        now,
                    )?;
                }
            }
        }
        super::stats::snapshot_backlog(conn, ctx.app(), ctx.now)?;
        Ok(n)
    })
}

/// After a new assessment is saved: raise (or update) the identity's alert when screening
/// found hits it did not have before. Call inside the transaction that saved it. Returns
/// whether an alert was queued.
pub fn alert_on_new_hits(
    conn: &mut SqliteConnection,
    install: &Install,
    row: &IndexRow,
    before: Option<&Assessment>,
    after: &Assessment,
    now: i64,
) -> QueryResult<bool> {
    if !install.has_scope(scopes::ALERTS_WRITE) {
        return Ok(false);
    }
    let new: Vec<&super::screening::Hit> = after
        .screening
        .hits
        .iter()
        .filter(|h| {
            before.is_none_or(|b| !b.screening.hits.iter().any(|o| o.entity_id == h.entity_id))
        })
        .collect();
    let Some(best) = new.iter().max_by(|a, b| a.score.total_cmp(&b.score)) else {
        return Ok(false);
    };
    writeback::enqueue_alert(
        conn,
        &install.installed_app_id,
        &row.identity_id,
        &format!("Sanctions screening hit: {}", row.display_name),
        &format!(
            "{} new hit(s) at or above the threshold {:.2} against list {}. Best: {} (entry {}, programs {}), score {:.3}.",
            new.len(),
            after.screening.threshold,
            after.screening.list_version,
            best.listed_name,
            best.entity_id,
            best.programs.join(", "),
            best.score
        ),
        now,
    )?;
    Ok(true)
}

/// An identity's decisions, newest first.
pub fn decisions_of(
    conn: &mut SqliteConnection,
    installed_app_id: &str,
    identity_id: &str,
) -> QueryResult<Vec<DecisionRow>> {
    use crate::schema::kyc_decisions::dsl as d;
    d::kyc_decisions
        .filter(d::installed_app_id.eq(installed_app_id))
        .filter(d::identity_id.eq(identity_id))
        .order(d::at.desc())
        .select(DecisionRow::as_select())
        .load(conn)
}
