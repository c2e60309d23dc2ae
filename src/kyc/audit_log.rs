//! Storage of the audit chain (`kyc_audit`): append an event inside the caller's immediate
//! transaction (so it commits with the effect it records), read an install's chain, verify it.

use diesel::prelude::*;
use diesel::sqlite::SqliteConnection;
use serde_json::Value;

use super::audit::{self, AuditEvent, ChainBreak, NewEvent};
use crate::schema::kyc_audit;

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = kyc_audit)]
struct Row {
    installed_app_id: String,
    seq: i64,
    at: i64,
    actor: String,
    kind: String,
    identity_id: Option<String>,
    before_json: Option<String>,
    after_json: Option<String>,
    detail: String,
    prev_hash: String,
    hash: String,
}

fn parse_json(s: Option<String>) -> Option<Value> {
    s.map(|t| serde_json::from_str(&t).unwrap_or(Value::String(t)))
}

impl From<Row> for AuditEvent {
    fn from(r: Row) -> Self {
        AuditEvent {
            seq: r.seq,
            installed_app_id: r.installed_app_id,
            at: r.at,
            actor: r.actor,
            kind: r.kind,
            identity_id: r.identity_id,
            before: parse_json(r.before_json),
            after: parse_json(r.after_json),
            detail: r.detail,
            prev_hash: r.prev_hash,
            hash: r.hash,
        }
    }
}

/// Appends an event. Call it inside an immediate transaction: reading the last event and
/// inserting the next must not interleave with another writer.
pub fn record(
    conn: &mut SqliteConnection,
    installed_app_id: &str,
    event: NewEvent,
) -> QueryResult<AuditEvent> {
    use crate::schema::kyc_audit::dsl as a;
    let last: Option<AuditEvent> = a::kyc_audit
        .filter(a::installed_app_id.eq(installed_app_id))
        .order(a::seq.desc())
        .select(Row::as_select())
        .first(conn)
        .optional()?
        .map(AuditEvent::from);
    let e = audit::append(last.as_ref(), installed_app_id, event);
    diesel::insert_into(a::kyc_audit)
        .values(Row {
            installed_app_id: e.installed_app_id.clone(),
            seq: e.seq,
            at: e.at,
            actor: e.actor.clone(),
            kind: e.kind.clone(),
            identity_id: e.identity_id.clone(),
            before_json: e.before.as_ref().map(audit::canonical_json),
            after_json: e.after.as_ref().map(audit::canonical_json),
            detail: e.detail.clone(),
            prev_hash: e.prev_hash.clone(),
            hash: e.hash.clone(),
        })
        .execute(conn)?;
    Ok(e)
}

/// A shorthand for events without before/after.
pub fn note(
    conn: &mut SqliteConnection,
    installed_app_id: &str,
    at: i64,
    actor: &str,
    kind: &str,
    identity_id: Option<&str>,
    detail: impl Into<String>,
) -> QueryResult<AuditEvent> {
    record(
        conn,
        installed_app_id,
        NewEvent {
            at,
            actor: actor.to_owned(),
            kind: kind.to_owned(),
            identity_id: identity_id.map(str::to_owned),
            before: None,
            after: None,
            detail: detail.into(),
        },
    )
}

/// The whole chain of an install, in order.
pub fn chain(conn: &mut SqliteConnection, installed_app_id: &str) -> QueryResult<Vec<AuditEvent>> {
    use crate::schema::kyc_audit::dsl as a;
    Ok(a::kyc_audit
        .filter(a::installed_app_id.eq(installed_app_id))
        .order(a::seq.asc())
        .select(Row::as_select())
        .load(conn)?
        .into_iter()
        .map(AuditEvent::from)
        .collect())
}

/// The chain's state: `Ok(n)` events intact, or the first break.
pub fn verify(
    conn: &mut SqliteConnection,
    installed_app_id: &str,
) -> QueryResult<Result<usize, ChainBreak>> {
    Ok(audit::verify(
        installed_app_id,
        &chain(conn, installed_app_id)?,
    ))
}

/// The actor of an event made through a portal session.
pub fn actor(user_id: Option<&str>) -> String {
    user_id.map_or_else(|| "reviewer (unknown id)".to_owned(), str::to_owned)
}

/// The events about one identity, in chain order.
pub fn events_of(
    conn: &mut SqliteConnection,
    installed_app_id: &str,
    identity_id: &str,
) -> QueryResult<Vec<AuditEvent>> {
    use crate::schema::kyc_audit::dsl as a;
    Ok(a::kyc_audit
        .filter(a::installed_app_id.eq(installed_app_id))
        .filter(a::identity_id.eq(identity_id))
        .order(a::seq.asc())
        .select(Row::as_select())
        .load(conn)?
        .into_iter()
        .map(AuditEvent::from)
        .collect())
}
