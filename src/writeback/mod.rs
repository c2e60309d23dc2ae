//! Write-back to Blnk Cloud through a durable outbox (spec §3 "Write-back to Blnk").
//!
//! A change that Blnk must learn about (a decision, a review falling due, new screening hits)
//! adds rows to `kyc_outbox` in the same immediate transaction as the change itself, so a crash
//! or a Cloud outage cannot lose it. The [`worker`] delivers them in order per identity, with
//! retries and backoff on transient failures (network, timeouts, 429, 423, 5xx); permanent
//! failures stop as `failed` with the reason and wait for a reviewer's *Retry*.
//!
//! Kinds:
//! - `metadata`: `POST /proxy/{identity_id}/metadata` with the whole KYC namespace object
//!   (`data:write`);
//! - `alert_flag`: `POST /alerts/flag/{identity_id}` (`alerts:write`); the `anomaly_id` Cloud
//!   returns is kept in `kyc_alerts`. The description carries the row's reference, so a retry
//!   after an answer that was lost can find the alert it already raised instead of raising a
//!   second one;
//! - `alert_update`: `PUT /alerts/flag/{anomaly_id}` on the identity's open alert (escalating
//!   again, or resolving it when the case is decided).

pub mod worker;

use diesel::prelude::*;
use diesel::sqlite::SqliteConnection;
use serde_json::{json, Value};

use crate::schema::{kyc_alerts, kyc_outbox};

pub const METADATA: &str = "metadata";
pub const ALERT_FLAG: &str = "alert_flag";
pub const ALERT_UPDATE: &str = "alert_update";

pub const PENDING: &str = "pending";
pub const DELIVERED: &str = "delivered";
pub const FAILED: &str = "failed";

/// The marker written into alert descriptions, followed by the outbox row's reference.
pub const REF_MARKER: &str = "KYC ref: ";

#[derive(Debug, Clone, Queryable, Selectable, QueryableByName)]
#[diesel(table_name = kyc_outbox)]
pub struct OutboxRow {
    pub id: i32,
    pub installed_app_id: String,
    pub identity_id: String,
    pub kind: String,
    pub payload: String,
    pub reference: String,
    pub state: String,
    pub attempts: i32,
    pub next_attempt_at: i64,
    pub last_error: Option<String>,
    pub result: Option<String>,
    pub created_at: i64,
    pub delivered_at: Option<i64>,
}

impl OutboxRow {
    pub fn payload(&self) -> Value {
        serde_json::from_str(&self.payload).unwrap_or(Value::Null)
    }

    /// What the row writes, for people.
    pub fn label(&self) -> &'static str {
        match self.kind.as_str() {
            METADATA => "KYC metadata on the identity",
            ALERT_FLAG => "Alert raised in Blnk",
            ALERT_UPDATE => {
                if self.payload().get("resolve").and_then(Value::as_bool) == Some(true) {
                    "Alert resolved in Blnk"
                } else {
                    "Alert updated in Blnk"
                }
            }
            _ => "Write to Blnk",
        }
    }

    /// `synced`, `pending` or `failed`, as the UI says it.
    pub fn ui_state(&self) -> &'static str {
        match self.state.as_str() {
            DELIVERED => "synced",
            FAILED => "failed",
            _ => "pending",
        }
    }
}

/// An alert raised in Cloud.
#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = kyc_alerts)]
pub struct AlertRow {
    pub installed_app_id: String,
    pub anomaly_id: String,
    pub identity_id: String,
    pub title: String,
    pub state: String,
    pub created_at: i64,
    pub resolved_at: Option<i64>,
}

/// Adds a row; returns its reference.
pub fn enqueue(
    conn: &mut SqliteConnection,
    installed_app_id: &str,
    identity_id: &str,
    kind: &str,
    payload: &Value,
    now: i64,
) -> QueryResult<String> {
    use crate::schema::kyc_outbox::dsl as o;
    let reference = format!("kyc_{}", uuid::Uuid::new_v4().simple());
    diesel::insert_into(o::kyc_outbox)
        .values((
            o::installed_app_id.eq(installed_app_id),
            o::identity_id.eq(identity_id),
            o::kind.eq(kind),
            o::payload.eq(payload.to_string()),
            o::reference.eq(&reference),
            o::state.eq(PENDING),
            o::next_attempt_at.eq(now),
            o::created_at.eq(now),
        ))
        .execute(conn)?;
    Ok(reference)
}

/// Queues the metadata write of `object` under `namespace`.
pub fn enqueue_metadata(
    conn: &mut SqliteConnection,
    installed_app_id: &str,
    identity_id: &str,
    namespace: &str,
    object: Value,
    now: i64,
) -> QueryResult<String> {
    enqueue(
        conn,
        installed_app_id,
        identity_id,
        METADATA,
        &json!({ "namespace": namespace, "object": object }),
        now,
    )
}

/// Queues an alert for the identity: a new one, or, when one is open (or about to be raised),
/// an update of that one, so an identity has at most one open KYC alert.
pub fn enqueue_alert(
    conn: &mut SqliteConnection,
    installed_app_id: &str,
    identity_id: &str,
    title: &str,
    description: &str,
    now: i64,
) -> QueryResult<String> {
    if has_alert(conn, installed_app_id, identity_id)? {
        enqueue(
            conn,
            installed_app_id,
            identity_id,
            ALERT_UPDATE,
            &json!({ "patch": { "title": title, "description": description }, "resolve": false }),
            now,
        )
    } else {
        enqueue(
            conn,
            installed_app_id,
            identity_id,
            ALERT_FLAG,
            &json!({ "title": title, "description": description }),
            now,
        )
    }
}

/// Queues the resolution of the identity's open alert, when it has one. Returns whether it did.
pub fn enqueue_resolution(
    conn: &mut SqliteConnection,
    installed_app_id: &str,
    identity_id: &str,
    description: &str,
    now: i64,
) -> QueryResult<bool> {
    if !has_alert(conn, installed_app_id, identity_id)? {
        return Ok(false);
    }
    enqueue(
        conn,
        installed_app_id,
        identity_id,
        ALERT_UPDATE,
        &json!({ "patch": { "status": "RESOLVED", "description": description }, "resolve": true }),
        now,
    )?;
    Ok(true)
}

/// Whether the identity has an open alert, or one queued to be raised.
pub fn has_alert(
    conn: &mut SqliteConnection,
    installed_app_id: &str,
    identity_id: &str,
) -> QueryResult<bool> {
    Ok(open_alert(conn, installed_app_id, identity_id)?.is_some()
        || pending_flag(conn, installed_app_id, identity_id)?)
}

fn pending_flag(
    conn: &mut SqliteConnection,
    installed_app_id: &str,
    identity_id: &str,
) -> QueryResult<bool> {
    use crate::schema::kyc_outbox::dsl as o;
    let n: i64 = o::kyc_outbox
        .filter(o::installed_app_id.eq(installed_app_id))
        .filter(o::identity_id.eq(identity_id))
        .filter(o::kind.eq(ALERT_FLAG))
        .filter(o::state.ne(DELIVERED))
        .count()
        .get_result(conn)?;
    Ok(n > 0)
}

/// The identity's open alert.
pub fn open_alert(
    conn: &mut SqliteConnection,
    installed_app_id: &str,
    identity_id: &str,
) -> QueryResult<Option<AlertRow>> {
    use crate::schema::kyc_alerts::dsl as a;
    a::kyc_alerts
        .filter(a::installed_app_id.eq(installed_app_id))
        .filter(a::identity_id.eq(identity_id))
        .filter(a::state.eq("open"))
        .order(a::created_at.desc())
        .select(AlertRow::as_select())
        .first(conn)
        .optional()
}

/// Every alert raised for the identity, newest first.
pub fn alerts_of(
    conn: &mut SqliteConnection,
    installed_app_id: &str,
    identity_id: &str,
) -> QueryResult<Vec<AlertRow>> {
    use crate::schema::kyc_alerts::dsl as a;
    a::kyc_alerts
        .filter(a::installed_app_id.eq(installed_app_id))
        .filter(a::identity_id.eq(identity_id))
        .order(a::created_at.desc())
        .select(AlertRow::as_select())
        .load(conn)
}

/// The identity's writes, newest first.
pub fn rows_of(
    conn: &mut SqliteConnection,
    installed_app_id: &str,
    identity_id: &str,
) -> QueryResult<Vec<OutboxRow>> {
    use crate::schema::kyc_outbox::dsl as o;
    o::kyc_outbox
        .filter(o::installed_app_id.eq(installed_app_id))
        .filter(o::identity_id.eq(identity_id))
        .order(o::id.desc())
        .select(OutboxRow::as_select())
        .load(conn)
}

/// Writes of an install per state (`pending`, `failed`), for the dashboard.
pub fn backlog(conn: &mut SqliteConnection, installed_app_id: &str) -> QueryResult<(i64, i64)> {
    use crate::schema::kyc_outbox::dsl as o;
    let rows: Vec<(String, i64)> = o::kyc_outbox
        .filter(o::installed_app_id.eq(installed_app_id))
        .filter(o::state.ne(DELIVERED))
        .group_by(o::state)
        .select((o::state, diesel::dsl::count_star()))
        .load(conn)?;
    let get = |s: &str| rows.iter().find(|(r, _)| r == s).map_or(0, |(_, n)| *n);
    Ok((get(PENDING), get(FAILED)))
}

/// Puts the identity's failed writes back in the queue, due now. Returns how many.
pub fn retry_failed(
    conn: &mut SqliteConnection,
    installed_app_id: &str,
    identity_id: &str,
    now: i64,
) -> QueryResult<usize> {
    use crate::schema::kyc_outbox::dsl as o;
    diesel::update(
        o::kyc_outbox
            .filter(o::installed_app_id.eq(installed_app_id))
            .filter(o::identity_id.eq(identity_id))
            .filter(o::state.ne(DELIVERED)),
    )
    .set((o::state.eq(PENDING), o::next_attempt_at.eq(now)))
    .execute(conn)
}

/// Rows due for delivery: pending, due by `now`, and first in line for their identity (an
/// earlier pending row of the same identity, even one waiting for its backoff, goes first).
pub fn due(conn: &mut SqliteConnection, now: i64, limit: i64) -> QueryResult<Vec<OutboxRow>> {
    use diesel::sql_types::BigInt;
    diesel::sql_query(
        "SELECT o.* FROM kyc_outbox o \
         WHERE o.state = 'pending' AND o.next_attempt_at <= ? \
           AND NOT EXISTS (SELECT 1 FROM kyc_outbox p \
                           WHERE p.installed_app_id = o.installed_app_id \
                             AND p.identity_id = o.identity_id \
                             AND p.state = 'pending' AND p.id < o.id) \
         ORDER BY o.next_attempt_at, o.id LIMIT ?",
    )
    .bind::<BigInt, _>(now)
    .bind::<BigInt, _>(limit)
    .load(conn)
}

/// The row now, if it still exists.
pub fn find(conn: &mut SqliteConnection, id: i32) -> QueryResult<Option<OutboxRow>> {
    use crate::schema::kyc_outbox::dsl as o;
    o::kyc_outbox
        .find(id)
        .select(OutboxRow::as_select())
        .first(conn)
        .optional()
}

pub fn mark_delivered(
    conn: &mut SqliteConnection,
    id: i32,
    result: Option<&str>,
    now: i64,
) -> QueryResult<usize> {
    use crate::schema::kyc_outbox::dsl as o;
    diesel::update(o::kyc_outbox.find(id))
        .set((
            o::state.eq(DELIVERED),
            o::attempts.eq(o::attempts + 1),
            o::result.eq(result),
            o::last_error.eq(None::<String>),
            o::delivered_at.eq(now),
        ))
        .execute(conn)
}

/// A transient failure: try again at `next_at`.
pub fn mark_retry(
    conn: &mut SqliteConnection,
    id: i32,
    error: &str,
    next_at: i64,
) -> QueryResult<usize> {
    use crate::schema::kyc_outbox::dsl as o;
    diesel::update(o::kyc_outbox.find(id))
        .set((
            o::attempts.eq(o::attempts + 1),
            o::last_error.eq(error),
            o::next_attempt_at.eq(next_at),
        ))
        .execute(conn)
}

/// A permanent failure: stop until a reviewer retries.
pub fn mark_failed(conn: &mut SqliteConnection, id: i32, error: &str) -> QueryResult<usize> {
    use crate::schema::kyc_outbox::dsl as o;
    diesel::update(o::kyc_outbox.find(id))
        .set((
            o::state.eq(FAILED),
            o::attempts.eq(o::attempts + 1),
            o::last_error.eq(error),
        ))
        .execute(conn)
}

/// Seconds to wait after `attempts` failed attempts: 2, 4, 8 … capped at 5 minutes.
pub fn backoff_secs(attempts: i32) -> i64 {
    let exp = u32::try_from(attempts.clamp(1, 16)).unwrap_or(1);
    2i64.saturating_pow(exp).min(300)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_and_is_capped() {
        assert_eq!(backoff_secs(0), 2);
        assert_eq!(backoff_secs(1), 2);
        assert_eq!(backoff_secs(2), 4);
        assert_eq!(backoff_secs(5), 32);
        assert_eq!(backoff_secs(9), 300);
        assert_eq!(backoff_secs(1000), 300);
    }
}
