//! The sandbox's storage: simulated instances, the installs the sandbox made (with the hash of
//! the key it issued), identities as JSON documents, and alerts.

use diesel::prelude::*;
use diesel::sqlite::SqliteConnection;
use serde_json::{Map, Value};

use crate::crypto;
use crate::error::AppError;
use crate::schema::{sandbox_alerts, sandbox_identities, sandbox_installs, sandbox_instances};

#[derive(Debug, Clone, Queryable, Selectable, serde::Serialize)]
#[diesel(table_name = sandbox_instances)]
pub struct Instance {
    pub instance_id: String,
    pub name: String,
    pub organization_id: String,
    pub created_at: i64,
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = sandbox_installs)]
pub struct SandboxInstall {
    pub installed_app_id: String,
    pub instance_id: String,
    pub app_id: String,
    pub api_key_hash: Vec<u8>,
    pub api_key_prefix: String,
    pub scopes: String,
    pub status: String,
    pub installed_at: i64,
    pub uninstalled_at: Option<i64>,
}

impl SandboxInstall {
    pub fn is_active(&self) -> bool {
        self.status == "active"
    }
    pub fn scopes(&self) -> Vec<String> {
        serde_json::from_str(&self.scopes).unwrap_or_default()
    }
    pub fn has_scope(&self, scope: &str) -> bool {
        self.scopes().iter().any(|s| s == scope)
    }
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = sandbox_alerts)]
pub struct Alert {
    pub anomaly_id: String,
    pub instance_id: String,
    pub identity_id: String,
    pub title: String,
    pub description: String,
    pub status: String,
    pub created_at: i64,
    pub updated_at: i64,
}

impl Alert {
    /// The alert object as Cloud returns it.
    pub fn to_json(&self) -> Value {
        serde_json::json!({
            "anomaly_id": self.anomaly_id,
            "status": self.status,
            "type": "Identity",
            "title": self.title,
            "description": self.description,
            "affected_identities": [self.identity_id],
            "instance_id": self.instance_id,
            "created_at": rfc3339(self.created_at),
            "updated_at": rfc3339(self.updated_at),
        })
    }
}

pub fn rfc3339(ts: i64) -> String {
    chrono::DateTime::from_timestamp(ts, 0)
        .map(|d| d.to_rfc3339_opts(chrono::SecondsFormat::Secs, true))
        .unwrap_or_default()
}

pub fn instances(conn: &mut SqliteConnection) -> QueryResult<Vec<Instance>> {
    sandbox_instances::table
        .order(sandbox_instances::created_at.asc())
        .select(Instance::as_select())
        .load(conn)
}

pub fn instance(conn: &mut SqliteConnection, instance_id: &str) -> QueryResult<Option<Instance>> {
    sandbox_instances::table
        .find(instance_id)
        .select(Instance::as_select())
        .first(conn)
        .optional()
}

/// Creates an instance and fills it with `identities` (in order), in one transaction.
pub fn create_instance(
    conn: &mut SqliteConnection,
    instance: &Instance,
    identities: &[Value],
) -> Result<(), AppError> {
    crate::db::immediate(conn, |conn| {
        diesel::insert_into(sandbox_instances::table)
            .values((
                sandbox_instances::instance_id.eq(&instance.instance_id),
                sandbox_instances::name.eq(&instance.name),
                sandbox_instances::organization_id.eq(&instance.organization_id),
                sandbox_instances::created_at.eq(instance.created_at),
            ))
            .execute(conn)?;
        let mut rows = Vec::with_capacity(identities.len());
        for (i, identity) in identities.iter().enumerate() {
            let id = identity
                .get("identity_id")
                .and_then(Value::as_str)
                .ok_or_else(|| AppError::internal("a seeded identity has no identity_id"))?;
            rows.push((
                sandbox_identities::instance_id.eq(instance.instance_id.clone()),
                sandbox_identities::identity_id.eq(id.to_owned()),
                sandbox_identities::position.eq(i as i32),
                sandbox_identities::body.eq(identity.to_string()),
                sandbox_identities::updated_at.eq(instance.created_at),
            ));
        }
        for chunk in rows.chunks(200) {
            diesel::insert_into(sandbox_identities::table)
                .values(chunk)
                .execute(conn)?;
        }
        Ok(())
    })
}

pub fn installs_of(
    conn: &mut SqliteConnection,
    instance_id: &str,
) -> QueryResult<Vec<SandboxInstall>> {
    sandbox_installs::table
        .filter(sandbox_installs::instance_id.eq(instance_id))
        .order(sandbox_installs::installed_at.desc())
        .select(SandboxInstall::as_select())
        .load(conn)
}

pub fn active_install_of(
    conn: &mut SqliteConnection,
    instance_id: &str,
) -> QueryResult<Option<SandboxInstall>> {
    sandbox_installs::table
        .filter(sandbox_installs::instance_id.eq(instance_id))
        .filter(sandbox_installs::status.eq("active"))
        .select(SandboxInstall::as_select())
        .first(conn)
        .optional()
}

pub fn install_by_key(
    conn: &mut SqliteConnection,
    api_key: &str,
) -> QueryResult<Option<SandboxInstall>> {
    sandbox_installs::table
        .filter(sandbox_installs::api_key_hash.eq(crypto::hash_token(api_key)))
        .select(SandboxInstall::as_select())
        .first(conn)
        .optional()
}

pub fn record_install(conn: &mut SqliteConnection, install: &SandboxInstall) -> QueryResult<usize> {
    diesel::insert_into(sandbox_installs::table)
        .values((
            sandbox_installs::installed_app_id.eq(&install.installed_app_id),
            sandbox_installs::instance_id.eq(&install.instance_id),
            sandbox_installs::app_id.eq(&install.app_id),
            sandbox_installs::api_key_hash.eq(&install.api_key_hash),
            sandbox_installs::api_key_prefix.eq(&install.api_key_prefix),
            sandbox_installs::scopes.eq(&install.scopes),
            sandbox_installs::status.eq(&install.status),
            sandbox_installs::installed_at.eq(install.installed_at),
        ))
        .execute(conn)
}

/// Deletes an install that the app refused (Cloud cancels an install the app does not confirm).
pub fn delete_install(conn: &mut SqliteConnection, installed_app_id: &str) -> QueryResult<usize> {
    diesel::delete(sandbox_installs::table.find(installed_app_id)).execute(conn)
}

pub fn mark_uninstalled(
    conn: &mut SqliteConnection,
    installed_app_id: &str,
    now: i64,
) -> QueryResult<usize> {
    diesel::update(sandbox_installs::table.find(installed_app_id))
        .set((
            sandbox_installs::status.eq("uninstalled"),
            sandbox_installs::uninstalled_at.eq(Some(now)),
        ))
        .execute(conn)
}

/// All identities of an instance, in seed order.
pub fn identities(conn: &mut SqliteConnection, instance_id: &str) -> Result<Vec<Value>, AppError> {
    let bodies: Vec<String> = sandbox_identities::table
        .filter(sandbox_identities::instance_id.eq(instance_id))
        .order(sandbox_identities::position.asc())
        .select(sandbox_identities::body)
        .load(conn)?;
    bodies
        .iter()
        .map(|b| {
            serde_json::from_str(b).map_err(|e| AppError::internal(format!("stored identity: {e}")))
        })
        .collect()
}

pub fn identity(
    conn: &mut SqliteConnection,
    instance_id: &str,
    identity_id: &str,
) -> Result<Option<Value>, AppError> {
    let body: Option<String> = sandbox_identities::table
        .find((instance_id, identity_id))
        .select(sandbox_identities::body)
        .first(conn)
        .optional()?;
    body.map(|b| {
        serde_json::from_str(&b).map_err(|e| AppError::internal(format!("stored identity: {e}")))
    })
    .transpose()
}

/// Merges top-level keys of `patch` into the identity's `meta_data` (as Blnk Core does) and
/// returns the merged metadata; `None` when the identity does not exist.
pub fn merge_metadata(
    conn: &mut SqliteConnection,
    instance_id: &str,
    identity_id: &str,
    patch: &Map<String, Value>,
    now: i64,
) -> Result<Option<Value>, AppError> {
    crate::db::immediate(conn, |conn| {
        let Some(mut identity) = identity(conn, instance_id, identity_id)? else {
            return Ok(None);
        };
        let obj = identity
            .as_object_mut()
            .ok_or_else(|| AppError::internal("stored identity is not an object"))?;
        let meta = obj
            .entry("meta_data")
            .or_insert_with(|| Value::Object(Map::new()));
        if !meta.is_object() {
            *meta = Value::Object(Map::new());
        }
        if let Some(m) = meta.as_object_mut() {
            for (k, v) in patch {
                m.insert(k.clone(), v.clone());
            }
        }
        let merged = meta.clone();
        diesel::update(sandbox_identities::table.find((instance_id, identity_id)))
            .set((
                sandbox_identities::body.eq(identity.to_string()),
                sandbox_identities::updated_at.eq(now),
            ))
            .execute(conn)?;
        Ok(Some(merged))
    })
}

pub fn create_alert(conn: &mut SqliteConnection, alert: &Alert) -> QueryResult<usize> {
    diesel::insert_into(sandbox_alerts::table)
        .values((
            sandbox_alerts::anomaly_id.eq(&alert.anomaly_id),
            sandbox_alerts::instance_id.eq(&alert.instance_id),
            sandbox_alerts::identity_id.eq(&alert.identity_id),
            sandbox_alerts::title.eq(&alert.title),
            sandbox_alerts::description.eq(&alert.description),
            sandbox_alerts::status.eq(&alert.status),
            sandbox_alerts::created_at.eq(alert.created_at),
            sandbox_alerts::updated_at.eq(alert.updated_at),
        ))
        .execute(conn)
}

pub fn alert(conn: &mut SqliteConnection, anomaly_id: &str) -> QueryResult<Option<Alert>> {
    sandbox_alerts::table
        .find(anomaly_id)
        .select(Alert::as_select())
        .first(conn)
        .optional()
}

pub fn alerts_of(conn: &mut SqliteConnection, instance_id: &str) -> QueryResult<Vec<Alert>> {
    sandbox_alerts::table
        .filter(sandbox_alerts::instance_id.eq(instance_id))
        .order(sandbox_alerts::created_at.desc())
        .select(Alert::as_select())
        .load(conn)
}

pub fn update_alert(
    conn: &mut SqliteConnection,
    anomaly_id: &str,
    title: Option<&str>,
    description: Option<&str>,
    status: Option<&str>,
    now: i64,
) -> QueryResult<Option<Alert>> {
    crate::db::immediate(conn, |conn| {
        let Some(mut a) = alert(conn, anomaly_id)? else {
            return Ok(None);
        };
        if let Some(t) = title {
            a.title = t.to_owned();
        }
        if let Some(d) = description {
            a.description = d.to_owned();
        }
        if let Some(s) = status {
            a.status = s.to_owned();
        }
        a.updated_at = now;
        diesel::update(sandbox_alerts::table.find(anomaly_id))
            .set((
                sandbox_alerts::title.eq(&a.title),
                sandbox_alerts::description.eq(&a.description),
                sandbox_alerts::status.eq(&a.status),
                sandbox_alerts::updated_at.eq(now),
            ))
            .execute(conn)?;
        Ok(Some(a))
    })
}
