//! The outbox worker: delivers due rows, one at a time, first in line per identity.
//!
//! It wakes when a change queues a write and otherwise every [`TICK`]. Each attempt is a single
//! request (no retries inside the client); the worker's own backoff (2 s doubling to 5 min,
//! measured on the app clock) spaces the next one. Transient failures (network, timeout, 429,
//! 423, 5xx) keep the row pending for ever: an outage loses nothing. Answers that cannot be read
//! are retried a few times, then the row fails. Permanent failures (the ledger rejected the
//! write, a scope is missing, the install is gone) mark it failed with the reason.

use std::time::Duration;

use actix_web::web;
use diesel::prelude::*;
use diesel::sqlite::SqliteConnection;
use serde_json::{json, Value};

use super::{OutboxRow, ALERT_FLAG, ALERT_UPDATE, METADATA, REF_MARKER};
use crate::blnk::{scopes, AlertPatch, CloudError, CloudSession};
use crate::db;
use crate::error::AppError;
use crate::kyc::audit_log;
use crate::lifecycle::installs;
use crate::startup::AppState;

/// How often the worker looks for due rows when nothing wakes it.
pub const TICK: Duration = Duration::from_millis(500);
/// Rows taken per pass.
const BATCH: i64 = 25;
/// Unreadable answers are retried this many times before the row fails.
const MAX_BAD_RESPONSES: i32 = 5;

/// Starts the worker in the background.
pub fn spawn(state: web::Data<AppState>) {
    actix_web::rt::spawn(async move {
        loop {
            let delivered = match deliver_due(&state).await {
                Ok(n) => n,
                Err(e) => {
                    log::warn!("outbox pass failed: {e}");
                    0
                }
            };
            if delivered == 0 {
                tokio::select! {
                    () = state.outbox_wake.notified() => {}
                    () = tokio::time::sleep(TICK) => {}
                }
            }
        }
    });
}

/// One pass: attempts every due row once. Returns how many rows were attempted.
pub async fn deliver_due(state: &AppState) -> Result<usize, AppError> {
    let now = state.clock.now_ts();
    let rows = db::run(&state.pool, move |conn| Ok(super::due(conn, now, BATCH)?)).await?;
    let n = rows.len();
    for row in rows {
        deliver(state, row).await?;
    }
    Ok(n)
}

/// What a delivered row records.
struct Delivered {
    result: Option<String>,
    detail: String,
    /// An alert Cloud raised: `(anomaly_id, title)`.
    raised: Option<(String, String)>,
    /// An alert that is resolved now.
    resolved: Option<String>,
}

async fn deliver(state: &AppState, row: OutboxRow) -> Result<(), AppError> {
    let app_id = row.installed_app_id.clone();
    let install = db::run(&state.pool, move |conn| Ok(installs::find(conn, &app_id)?)).await?;
    let outcome = match install.filter(installs::Install::is_active) {
        None => Err(Attempt::Permanent(
            "the app was uninstalled from this Blnk instance, so Blnk no longer accepts its writes"
                .into(),
        )),
        Some(install) => match state.cloud_once.session(&install, &state.keyring) {
            Err(e) => Err(Attempt::Permanent(e.to_string())),
            Ok(cloud) => attempt(state, &cloud, &row).await,
        },
    };
    let now = state.clock.now_ts();
    db::write(&state.pool, move |conn| {
        crate::db::immediate(conn, |c| record(c, &row, outcome, now))?;
        Ok(())
    })
    .await
}

enum Attempt {
    Transient(String),
    Permanent(String),
}

impl From<CloudError> for Attempt {
    fn from(e: CloudError) -> Self {
        if e.is_transient() {
            Attempt::Transient(e.to_string())
        } else if matches!(e, CloudError::BadResponse(_)) {
            Attempt::Transient(format!("{e} (unreadable answer)"))
        } else {
            Attempt::Permanent(e.to_string())
        }
    }
}

async fn attempt(
    state: &AppState,
    cloud: &CloudSession,
    row: &OutboxRow,
) -> Result<Delivered, Attempt> {
    let payload = row.payload();
    let text = |k: &str| payload.get(k).and_then(Value::as_str).unwrap_or_default();
    match row.kind.as_str() {
        METADATA => {
            let namespace = text("namespace").to_owned();
            let object = payload.get("object").cloned().unwrap_or(Value::Null);
            let status = object
                .get("status")
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_owned();
            cloud
                .update_metadata(&row.identity_id, json!({ namespace.clone(): object }))
                .await?;
            Ok(Delivered {
                result: None,
                detail: format!("wrote meta_data.{namespace} (status {status}) to the identity"),
                raised: None,
                resolved: None,
            })
        }
        ALERT_FLAG => {
            let title = text("title").to_owned();
            // After an attempt whose answer may have been lost, the alert may exist already.
            if row.attempts > 0 && cloud.has_scope(scopes::ALERTS_READ) {
                if let Some(anomaly_id) = find_by_ref(cloud, &row.reference).await? {
                    return Ok(Delivered {
                        detail: format!("alert {anomaly_id} was raised by an earlier attempt whose answer was lost; kept it"),
                        result: Some(anomaly_id.clone()),
                        raised: Some((anomaly_id, title)),
                        resolved: None,
                    });
                }
            }
            let description = format!("{}\n\n{REF_MARKER}{}", text("description"), row.reference);
            let alert = cloud
                .flag_alert(&row.identity_id, &title, &description)
                .await?;
            Ok(Delivered {
                detail: format!("raised alert {} ({title})", alert.anomaly_id),
                result: Some(alert.anomaly_id.clone()),
                raised: Some((alert.anomaly_id, title)),
                resolved: None,
            })
        }
        ALERT_UPDATE => {
            let (app, identity) = (row.installed_app_id.clone(), row.identity_id.clone());
            let open = db::run(&state.pool, move |conn| {
                Ok(super::open_alert(conn, &app, &identity)?)
            })
            .await
            .map_err(|e| Attempt::Transient(e.to_string()))?;
            let Some(open) = open else {
                return Ok(Delivered {
                    result: None,
                    detail: "no open alert to update".into(),
                    raised: None,
                    resolved: None,
                });
            };
            let patch: AlertPatch =
                serde_json::from_value(payload.get("patch").cloned().unwrap_or(Value::Null))
                    .map_err(|e| {
                        Attempt::Permanent(format!("the queued update is invalid: {e}"))
                    })?;
            let resolve = payload.get("resolve").and_then(Value::as_bool) == Some(true);
            cloud.update_alert(&open.anomaly_id, &patch).await?;
            Ok(Delivered {
                detail: format!(
                    "{} alert {}",
                    if resolve { "resolved" } else { "updated" },
                    open.anomaly_id
                ),
                result: Some(open.anomaly_id.clone()),
                raised: None,
                resolved: resolve.then_some(open.anomaly_id),
            })
        }
        other => Err(Attempt::Permanent(format!("unknown write kind {other:?}"))),
    }
}

/// The anomaly id of an alert whose description carries `reference`, if Cloud has one.
async fn find_by_ref(cloud: &CloudSession, reference: &str) -> Result<Option<String>, Attempt> {
    let listed = cloud.list_alerts().await?;
    let items = listed
        .get("data")
        .or_else(|| listed.get("alerts"))
        .unwrap_or(&listed);
    let needle = format!("{REF_MARKER}{reference}");
    Ok(items.as_array().and_then(|all| {
        all.iter()
            .find(|a| {
                a.get("description")
                    .and_then(Value::as_str)
                    .is_some_and(|d| d.contains(&needle))
            })
            .and_then(|a| a.get("anomaly_id").and_then(Value::as_str))
            .map(str::to_owned)
    }))
}

fn record(
    conn: &mut SqliteConnection,
    row: &OutboxRow,
    outcome: Result<Delivered, Attempt>,
    now: i64,
) -> QueryResult<()> {
    // A reviewer may have retried or the row may be gone; only a pending row is updated.
    match super::find(conn, row.id)? {
        Some(current) if current.state == super::PENDING => {}
        _ => return Ok(()),
    }
    match outcome {
        Ok(done) => {
            super::mark_delivered(conn, row.id, done.result.as_deref(), now)?;
            if let Some((anomaly_id, title)) = done.raised {
                diesel::replace_into(crate::schema::kyc_alerts::table)
                    .values(super::AlertRow {
                        installed_app_id: row.installed_app_id.clone(),
                        anomaly_id,
                        identity_id: row.identity_id.clone(),
                        title,
                        state: "open".into(),
                        created_at: now,
                        resolved_at: None,
                    })
                    .execute(conn)?;
            }
            if let Some(anomaly_id) = done.resolved {
                use crate::schema::kyc_alerts::dsl as a;
                diesel::update(
                    a::kyc_alerts
                        .filter(a::installed_app_id.eq(&row.installed_app_id))
                        .filter(a::anomaly_id.eq(anomaly_id)),
                )
                .set((a::state.eq("resolved"), a::resolved_at.eq(now)))
                .execute(conn)?;
            }
            audit_log::note(
                conn,
                &row.installed_app_id,
                now,
                "system",
                "write_back",
                Some(&row.identity_id),
                format!("{} (attempt {})", done.detail, row.attempts + 1),
            )?;
        }
        Err(Attempt::Transient(reason))
            if !reason.ends_with("(unreadable answer)") || row.attempts + 1 < MAX_BAD_RESPONSES =>
        {
            let next = now + super::backoff_secs(row.attempts + 1);
            super::mark_retry(conn, row.id, &reason, next)?;
        }
        Err(Attempt::Transient(reason) | Attempt::Permanent(reason)) => {
            super::mark_failed(conn, row.id, &reason)?;
            audit_log::note(
                conn,
                &row.installed_app_id,
                now,
                "system",
                "write_back_failed",
                Some(&row.identity_id),
                format!("{}: {reason}", row.label()),
            )?;
        }
    }
    Ok(())
}
