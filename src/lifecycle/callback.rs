//! `POST /api/callback`: install and uninstall events from Blnk Cloud (contract §3).
//!
//! Order: size-limited raw body → optional shared secret → parse (unknown fields ignored) →
//! domain event (parse, don't validate) → one immediate transaction that records the
//! idempotency key and applies the effect → `200 {"ok": true}`.

use actix_web::http::header::ContentType;
use actix_web::{web, HttpRequest, HttpResponse};
use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel::sqlite::SqliteConnection;
use futures_util::StreamExt;
use serde::Deserialize;
use sha2::{Digest, Sha256};

use crate::crypto::{self, Keyring, Sealed, Secret};
use crate::db;
use crate::error::{ApiError, AppError};
use crate::lifecycle::installs::{self, KNOWN_SCOPES, STATUS_ACTIVE, STATUS_UNINSTALLED};
use crate::lifecycle::validate;
use crate::schema::{installs as installs_t, launch_tokens, portal_sessions, processed_events};
use crate::startup::AppState;
use crate::web::request_log;

/// Bodies larger than this are refused with 413 before they are parsed.
pub const MAX_BODY_BYTES: usize = 64 * 1024;

/// The wire shape: every documented field of both documentation versions, all optional so that
/// one version's fields are never required; unknown fields are ignored.
#[derive(Debug, Deserialize)]
pub struct CallbackPayload {
    event: Option<String>,
    #[serde(rename = "type")]
    event_type: Option<String>,
    installed_app_id: Option<String>,
    app_id: Option<String>,
    instance_id: Option<String>,
    organization_id: Option<String>,
    api_key: Option<String>,
    api_key_prefix: Option<String>,
    granted_permissions: Option<Vec<String>>,
    uninstalled_at: Option<String>,
    idempotency_key: Option<String>,
}

pub struct InstallEvent {
    pub installed_app_id: String,
    pub app_id: String,
    pub instance_id: String,
    pub organization_id: Option<String>,
    pub api_key: Secret,
    pub api_key_prefix: Option<String>,
    pub scopes: Vec<String>,
    pub idempotency_key: String,
}

pub struct UninstallEvent {
    pub installed_app_id: String,
    pub app_id: Option<String>,
    pub instance_id: Option<String>,
    pub organization_id: Option<String>,
    pub uninstalled_at: Option<DateTime<Utc>>,
    pub idempotency_key: String,
}

pub enum CallbackEvent {
    Install(InstallEvent),
    Uninstall(UninstallEvent),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Install,
    Uninstall,
}

/// What applying an event did.
#[derive(Debug, PartialEq, Eq)]
pub enum Outcome {
    Installed,
    Reinstalled,
    Uninstalled,
    /// The same event was already applied: acknowledged, nothing changed.
    Duplicate,
    /// Uninstall of an install we never had: acknowledged, as the contract asks.
    UnknownInstall,
}

fn bad(code: &'static str, message: impl Into<String>) -> AppError {
    AppError::bad_request(code, message)
}

/// Tells install from uninstall: an explicit `event`/`type` field, else the idempotency key
/// prefix (what Blnk's own handlers use), else the shape.
fn classify(p: &CallbackPayload) -> Result<Kind, AppError> {
    if let Some(ev) = p.event.as_deref().or(p.event_type.as_deref()) {
        let ev = ev.trim().to_ascii_lowercase();
        return if ev.contains("uninstall") {
            Ok(Kind::Uninstall)
        } else if ev.contains("install") {
            Ok(Kind::Install)
        } else {
            Err(bad(
                "unknown_event",
                "the `event`/`type` field names neither an install nor an uninstall",
            ))
        };
    }
    if let Some(key) = p.idempotency_key.as_deref() {
        if key.starts_with("uninstall:") {
            return Ok(Kind::Uninstall);
        }
        if key.starts_with("install:") {
            return Ok(Kind::Install);
        }
    }
    match (p.api_key.is_some(), p.uninstalled_at.is_some()) {
        (true, false) => Ok(Kind::Install),
        (false, true) => Ok(Kind::Uninstall),
        _ => Err(bad(
            "unrecognised_event",
            "the payload is neither an install event (with `api_key`) nor an uninstall event (with `uninstalled_at`)",
        )),
    }
}

fn idempotency_key(
    p: &CallbackPayload,
    kind: Kind,
    installed_app_id: &str,
) -> Result<String, AppError> {
    match p.idempotency_key.as_deref().map(str::trim) {
        Some(k) if !k.is_empty() => {
            if k.len() > 256 || k.chars().any(char::is_control) {
                Err(bad(
                    "invalid_field",
                    "`idempotency_key` must be 1-256 printable characters",
                ))
            } else {
                Ok(k.to_owned())
            }
        }
        _ => Ok(match kind {
            Kind::Install => format!("install:{installed_app_id}"),
            Kind::Uninstall => format!("uninstall:{installed_app_id}"),
        }),
    }
}

impl TryFrom<CallbackPayload> for CallbackEvent {
    type Error = AppError;

    fn try_from(p: CallbackPayload) -> Result<Self, AppError> {
        let kind = classify(&p)?;
        let installed_app_id =
            validate::required_id("installed_app_id", p.installed_app_id.as_deref())?;
        let idempotency_key = idempotency_key(&p, kind, &installed_app_id)?;
        let organization_id =
            validate::optional_id("organization_id", p.organization_id.as_deref())?;
        match kind {
            Kind::Install => {
                let api_key = p
                    .api_key
                    .as_deref()
                    .map(str::trim)
                    .filter(|k| !k.is_empty())
                    .ok_or_else(|| {
                        bad("missing_field", "`api_key` is required in an install event")
                    })?;
                if api_key.len() > 1024
                    || api_key.chars().any(|c| c.is_whitespace() || c.is_control())
                {
                    return Err(bad(
                        "invalid_field",
                        "`api_key` must be 1-1024 characters without spaces",
                    ));
                }
                let api_key_prefix = match p.api_key_prefix.as_deref().map(str::trim) {
                    Some(v) if !v.is_empty() => Some(validate::cloud_id("api_key_prefix", v)?),
                    _ => None,
                };
                let mut scopes = Vec::new();
                for s in p.granted_permissions.unwrap_or_default() {
                    let s = s.trim().to_owned();
                    if s.is_empty()
                        || s.len() > 64
                        || !s
                            .chars()
                            .all(|c| c.is_ascii_lowercase() || c == ':' || c == '_')
                    {
                        return Err(bad(
                            "invalid_field",
                            "`granted_permissions` must be a list of scopes such as \"data:read\"",
                        ));
                    }
                    if !scopes.contains(&s) {
                        scopes.push(s);
                    }
                }
                Ok(CallbackEvent::Install(InstallEvent {
                    app_id: validate::required_id("app_id", p.app_id.as_deref())?,
                    instance_id: validate::required_id("instance_id", p.instance_id.as_deref())?,
                    installed_app_id,
                    organization_id,
                    api_key: Secret::new(api_key),
                    api_key_prefix,
                    scopes,
                    idempotency_key,
                }))
            }
            Kind::Uninstall => {
                let uninstalled_at = match p.uninstalled_at.as_deref().map(str::trim) {
                    Some(v) if !v.is_empty() => Some(
                        DateTime::parse_from_rfc3339(v)
                            .map_err(|_| {
                                bad("invalid_field", "`uninstalled_at` must be an RFC 3339 time")
                            })?
                            .with_timezone(&Utc),
                    ),
                    _ => None,
                };
                Ok(CallbackEvent::Uninstall(UninstallEvent {
                    app_id: validate::optional_id("app_id", p.app_id.as_deref())?,
                    instance_id: validate::optional_id("instance_id", p.instance_id.as_deref())?,
                    installed_app_id,
                    organization_id,
                    uninstalled_at,
                    idempotency_key,
                }))
            }
        }
    }
}

/// Parses a raw body into a domain event; every failure is a 400 with a precise message.
pub fn parse_event(body: &[u8]) -> Result<CallbackEvent, AppError> {
    let payload: CallbackPayload = serde_json::from_slice(body).map_err(|e| {
        let message = if e.is_data() {
            format!("a field has the wrong type or appears twice: {e}")
        } else if e.is_eof() {
            "the body is empty or truncated JSON".to_owned()
        } else {
            format!("the body is not a JSON object: {e}")
        };
        bad("invalid_payload", message)
    })?;
    CallbackEvent::try_from(payload)
}

impl CallbackEvent {
    fn installed_app_id(&self) -> &str {
        match self {
            CallbackEvent::Install(e) => &e.installed_app_id,
            CallbackEvent::Uninstall(e) => &e.installed_app_id,
        }
    }

    /// Identifies the event's content: a repeat delivery has the same fingerprint; a reinstall
    /// reusing the idempotency key carries a new API key or scopes and differs.
    fn fingerprint(&self) -> String {
        // SHA-256 of the parts joined by NUL, fed to the hasher part by part (the digest is the
        // one stored by earlier versions, which joined copies of the parts into one string).
        let mut hasher = Sha256::new();
        let mut parts = 0usize;
        let mut part = |bytes: &[u8]| {
            if parts > 0 {
                hasher.update([0u8]);
            }
            parts += 1;
            hasher.update(bytes);
        };
        match self {
            CallbackEvent::Install(e) => {
                let mut scopes: Vec<&str> = e.scopes.iter().map(String::as_str).collect();
                scopes.sort_unstable();
                part(b"install");
                part(e.installed_app_id.as_bytes());
                part(e.app_id.as_bytes());
                part(e.instance_id.as_bytes());
                part(e.organization_id.as_deref().unwrap_or_default().as_bytes());
                part(crypto::sha256_hex(e.api_key.expose().as_bytes()).as_bytes());
                part(scopes.join(" ").as_bytes());
            }
            CallbackEvent::Uninstall(e) => {
                part(b"uninstall");
                part(e.installed_app_id.as_bytes());
                part(
                    e.uninstalled_at
                        .map(|t| t.to_rfc3339())
                        .unwrap_or_default()
                        .as_bytes(),
                );
            }
        }
        crypto::hex(&hasher.finalize())
    }
}

/// What an event needs that is worked out before the write: the API key sealed with the
/// keyring, and the content fingerprint. Neither needs the database, so neither holds the writer.
pub struct PreparedEvent {
    sealed: Option<Sealed>,
    fingerprint: String,
}

pub fn prepare_event(keyring: &Keyring, event: &CallbackEvent) -> Result<PreparedEvent, AppError> {
    let sealed = match event {
        CallbackEvent::Install(e) => Some(
            keyring
                .seal(e.api_key.expose().as_bytes(), e.installed_app_id.as_bytes())
                .map_err(|err| AppError::internal(format!("encrypting an API key: {err}")))?,
        ),
        CallbackEvent::Uninstall(_) => None,
    };
    Ok(PreparedEvent {
        sealed,
        fingerprint: event.fingerprint(),
    })
}

/// Applies an event in ONE immediate transaction with the record of its idempotency key, so two
/// concurrent deliveries of the same event give one effect.
pub fn apply_event(
    conn: &mut SqliteConnection,
    keyring: &Keyring,
    event: &CallbackEvent,
    now: i64,
) -> Result<Outcome, AppError> {
    let prepared = prepare_event(keyring, event)?;
    store_event(conn, event, &prepared, now)
}

/// The database half of [`apply_event`], for an event already prepared.
pub fn store_event(
    conn: &mut SqliteConnection,
    event: &CallbackEvent,
    prepared: &PreparedEvent,
    now: i64,
) -> Result<Outcome, AppError> {
    crate::db::immediate(conn, |conn| {
        let (key, kind) = match event {
            CallbackEvent::Install(e) => (&e.idempotency_key, "install"),
            CallbackEvent::Uninstall(e) => (&e.idempotency_key, "uninstall"),
        };
        let recorded = diesel::insert_or_ignore_into(processed_events::table)
            .values((
                processed_events::idempotency_key.eq(key),
                processed_events::fingerprint.eq(&prepared.fingerprint),
                processed_events::installed_app_id.eq(event.installed_app_id()),
                processed_events::kind.eq(kind),
                processed_events::received_at.eq(now),
            ))
            .execute(conn)?;
        if recorded == 0 {
            return Ok(Outcome::Duplicate);
        }
        match (event, prepared.sealed.as_ref()) {
            (CallbackEvent::Install(e), Some(sealed)) => {
                let scopes_json = serde_json::to_string(&e.scopes)
                    .map_err(|err| AppError::internal(err.to_string()))?;
                let row = NewInstall {
                    installed_app_id: &e.installed_app_id,
                    app_id: &e.app_id,
                    instance_id: &e.instance_id,
                    organization_id: e.organization_id.as_deref(),
                    api_key_prefix: e.api_key_prefix.as_deref(),
                    api_key_ciphertext: &sealed.ciphertext,
                    api_key_nonce: &sealed.nonce,
                    api_key_kid: &sealed.kid,
                    granted_permissions: &scopes_json,
                    status: STATUS_ACTIVE,
                    installed_at: now,
                    uninstalled_at: None,
                    updated_at: now,
                };
                // A new install is one plain insert (a statement Diesel keeps prepared). Only
                // when the id is taken is the stored row read: a reinstall of the same app and
                // instance reactivates it with the new key and scopes; anything else is refused.
                // Not an upsert: its UPDATE half names the key column, and SQLite then compiles
                // a scan of every table that references installs, for every statement (Diesel
                // does not keep upserts prepared).
                match diesel::insert_into(installs_t::table)
                    .values(&row)
                    .execute(conn)
                {
                    Ok(_) => return Ok(Outcome::Installed),
                    Err(diesel::result::Error::DatabaseError(
                        diesel::result::DatabaseErrorKind::UniqueViolation,
                        _,
                    )) => {}
                    Err(err) => return Err(err.into()),
                }
                let Some(old) = installs::find(conn, &e.installed_app_id)? else {
                    return Err(AppError::internal(
                        "an install id was taken but its row cannot be read",
                    ));
                };
                if old.app_id != e.app_id || old.instance_id != e.instance_id {
                    return Err(AppError::conflict(
                        "install_conflict",
                        "this installed_app_id is already bound to another app or instance",
                    ));
                }
                diesel::update(installs_t::table.find(&e.installed_app_id))
                    .set(&row)
                    .execute(conn)?;
                Ok(Outcome::Reinstalled)
            }
            (CallbackEvent::Uninstall(e), _) => {
                let Some(old) = installs::find(conn, event.installed_app_id())? else {
                    return Ok(Outcome::UnknownInstall);
                };
                let mismatch = [
                    (e.app_id.as_deref(), Some(old.app_id.as_str())),
                    (e.instance_id.as_deref(), Some(old.instance_id.as_str())),
                    (e.organization_id.as_deref(), old.organization_id.as_deref()),
                ]
                .iter()
                .any(|(sent, stored)| matches!((sent, stored), (Some(a), Some(b)) if a != b));
                if mismatch {
                    return Err(AppError::forbidden(
                        "install_mismatch",
                        "the IDs in this uninstall event do not match the install",
                    ));
                }
                end_install(
                    conn,
                    &old.installed_app_id,
                    e.uninstalled_at.map(|t| t.timestamp()).unwrap_or(now),
                    now,
                )?;
                Ok(Outcome::Uninstalled)
            }
            (CallbackEvent::Install(_), None) => {
                Err(AppError::internal("install event without sealed key"))
            }
        }
    })
}

/// An install row as written by an install event. As a changeset (a reinstall) it leaves out
/// the key column, as Diesel does with a struct's primary key. `None` is written as NULL in both
/// (as an insert, Diesel would otherwise leave the column out, so the SQL text would depend on
/// the values and the statement could not be kept prepared).
#[derive(Insertable, AsChangeset)]
#[diesel(
    table_name = installs_t,
    primary_key(installed_app_id),
    treat_none_as_null = true,
    treat_none_as_default_value = false
)]
struct NewInstall<'a> {
    installed_app_id: &'a str,
    app_id: &'a str,
    instance_id: &'a str,
    organization_id: Option<&'a str>,
    api_key_prefix: Option<&'a str>,
    api_key_ciphertext: &'a [u8],
    api_key_nonce: &'a [u8],
    api_key_kid: &'a str,
    granted_permissions: &'a str,
    status: &'a str,
    installed_at: i64,
    uninstalled_at: Option<i64>,
    updated_at: i64,
}

/// Marks the install inactive, destroys its stored key, and ends its sessions and tokens.
pub fn end_install(
    conn: &mut SqliteConnection,
    installed_app_id: &str,
    uninstalled_at: i64,
    now: i64,
) -> QueryResult<()> {
    diesel::update(installs_t::table.find(installed_app_id))
        .set((
            installs_t::status.eq(STATUS_UNINSTALLED),
            installs_t::api_key_ciphertext.eq(None::<Vec<u8>>),
            installs_t::api_key_nonce.eq(None::<Vec<u8>>),
            installs_t::api_key_kid.eq(None::<String>),
            installs_t::uninstalled_at.eq(Some(uninstalled_at)),
            installs_t::updated_at.eq(now),
        ))
        .execute(conn)?;
    // Sessions and tokens are ended by expiring them now rather than deleting them, so that a
    // reviewer still holding one is told the app was uninstalled (403) instead of "unknown link".
    // The background purge removes them later; a reinstall cannot revive them.
    diesel::update(
        portal_sessions::table
            .filter(portal_sessions::installed_app_id.eq(installed_app_id))
            .filter(portal_sessions::expires_at.gt(now)),
    )
    .set(portal_sessions::expires_at.eq(now))
    .execute(conn)?;
    diesel::update(
        launch_tokens::table
            .filter(launch_tokens::installed_app_id.eq(installed_app_id))
            .filter(launch_tokens::expires_at.gt(now)),
    )
    .set(launch_tokens::expires_at.eq(now))
    .execute(conn)?;
    Ok(())
}

/// Reads the body up to [`MAX_BODY_BYTES`]; larger bodies are refused without reading them all.
pub async fn read_limited_body(
    req: &HttpRequest,
    mut payload: web::Payload,
) -> Result<Vec<u8>, AppError> {
    let too_large = || AppError::PayloadTooLarge {
        message: format!("the body is larger than {} KiB", MAX_BODY_BYTES / 1024),
    };
    if let Some(len) = req
        .headers()
        .get(actix_web::http::header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<usize>().ok())
    {
        if len > MAX_BODY_BYTES {
            return Err(too_large());
        }
    }
    let mut body = Vec::new();
    while let Some(chunk) = payload.next().await {
        let chunk = chunk.map_err(|_| bad("invalid_body", "the request body could not be read"))?;
        if body.len() + chunk.len() > MAX_BODY_BYTES {
            return Err(too_large());
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body)
}

/// JSON routes accept `application/json` (any charset) or no content type at all.
pub fn require_json(req: &HttpRequest) -> Result<(), AppError> {
    match req.headers().get(actix_web::http::header::CONTENT_TYPE) {
        None => Ok(()),
        Some(v) => {
            let ct = v.to_str().unwrap_or("").to_ascii_lowercase();
            let mime = ct.split(';').next().unwrap_or("").trim();
            if mime == "application/json"
                || (mime.starts_with("application/") && mime.ends_with("+json"))
            {
                Ok(())
            } else {
                Err(AppError::UnsupportedMediaType {
                    message: "send the body as application/json".into(),
                })
            }
        }
    }
}

/// The optional `CALLBACK_SECRET`, carried as the `secret` query parameter of the URL
/// registered in Cloud, compared in constant time.
pub fn check_shared_secret(req: &HttpRequest, state: &AppState) -> Result<(), AppError> {
    let Some(expected) = &state.config.callback_secret else {
        return Ok(());
    };
    let given =
        web::Query::<std::collections::HashMap<String, String>>::from_query(req.query_string())
            .ok()
            .and_then(|q| q.get("secret").cloned())
            .unwrap_or_default();
    if crypto::constant_time_eq(&given, expected.expose()) {
        Ok(())
    } else {
        Err(AppError::unauthorized(
            "invalid_secret",
            "the `secret` query parameter is missing or wrong",
        ))
    }
}

/// The common front of the machine routes: shared secret, content type, size-limited body.
pub async fn read_cloud_request(
    req: &HttpRequest,
    payload: web::Payload,
    state: &AppState,
) -> Result<Vec<u8>, AppError> {
    check_shared_secret(req, state)?;
    require_json(req)?;
    read_limited_body(req, payload).await
}

pub async fn receive_callback(
    req: HttpRequest,
    payload: web::Payload,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let body = read_cloud_request(&req, payload, &state).await?;
    let event = parse_event(&body)?;
    let now = state.clock.now_ts();
    // Sealing the key and hashing the event need no database: done here, on this worker.
    let prepared = prepare_event(&state.keyring, &event)?;
    let (id, prefix) = match &event {
        CallbackEvent::Install(e) => (e.installed_app_id.clone(), e.api_key_prefix.clone()),
        CallbackEvent::Uninstall(e) => (e.installed_app_id.clone(), None),
    };
    let outcome = db::write(&state.pool, move |conn| {
        store_event(conn, &event, &prepared, now)
    })
    .await?;
    let detail = format!(
        "installed_app_id={id} api_key_prefix={} outcome={outcome:?}",
        prefix.as_deref().unwrap_or("-")
    );
    let ok = HttpResponse::Ok()
        .content_type(ContentType::json())
        .body(r#"{"ok":true}"#);
    Ok(request_log::with_detail(ok, detail))
}

/// The scopes this app knows, for pages that explain what is missing.
pub fn missing_scopes(granted: &[String]) -> Vec<&'static str> {
    KNOWN_SCOPES
        .iter()
        .copied()
        .filter(|s| !granted.iter().any(|g| g == s))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kind_of(json: &str) -> Result<&'static str, String> {
        match parse_event(json.as_bytes()) {
            Ok(CallbackEvent::Install(_)) => Ok("install"),
            Ok(CallbackEvent::Uninstall(_)) => Ok("uninstall"),
            Err(e) => Err(e.code().to_owned()),
        }
    }

    const INSTALL: &str = r#"{"installed_app_id":"instapp_1","app_id":"app_1","instance_id":"inst_1","api_key":"blnk_k","api_key_prefix":"blnk_abc","granted_permissions":["data:read"],"idempotency_key":"install:instapp_1"}"#;

    #[test]
    fn events_are_told_apart_as_the_contract_says() {
        assert_eq!(kind_of(INSTALL), Ok("install"));
        assert_eq!(
            kind_of(
                r#"{"installed_app_id":"i","app_id":"a","instance_id":"n","uninstalled_at":"2026-04-21T12:00:00Z","idempotency_key":"uninstall:i"}"#
            ),
            Ok("uninstall")
        );
        // explicit event field wins over the prefix
        assert_eq!(
            kind_of(
                r#"{"event":"app.uninstalled","installed_app_id":"i","idempotency_key":"install:i"}"#
            ),
            Ok("uninstall")
        );
        assert_eq!(
            kind_of(
                r#"{"type":"install","installed_app_id":"i","app_id":"a","instance_id":"n","api_key":"k"}"#
            ),
            Ok("install")
        );
        // no key, no event: by shape
        assert_eq!(
            kind_of(r#"{"installed_app_id":"i","app_id":"a","instance_id":"n","api_key":"k"}"#),
            Ok("install")
        );
        assert_eq!(
            kind_of(r#"{"installed_app_id":"i","uninstalled_at":"2026-04-21T12:00:00Z"}"#),
            Ok("uninstall")
        );
        assert_eq!(
            kind_of(r#"{"installed_app_id":"i"}"#),
            Err("unrecognised_event".into())
        );
        assert_eq!(
            kind_of(r#"{"event":"ping","installed_app_id":"i"}"#),
            Err("unknown_event".into())
        );
    }

    #[test]
    fn older_payloads_with_organization_id_and_unknown_fields_are_accepted() {
        let json = r#"{"installed_app_id":"instapp_1","app_id":"app_1","instance_id":"inst_1","organization_id":"org_1","api_key":"k","granted_permissions":[],"idempotency_key":"install:instapp_1","new_field":{"x":[1,2]}}"#;
        match parse_event(json.as_bytes()) {
            Ok(CallbackEvent::Install(e)) => {
                assert_eq!(e.organization_id.as_deref(), Some("org_1"))
            }
            _ => panic!("expected an install"),
        }
    }

    #[test]
    fn malformed_and_wrongly_typed_payloads_are_clear_400s() {
        for (json, code) in [
            ("", "invalid_payload"),
            ("[]", "invalid_payload"),
            ("{", "invalid_payload"),
            (
                r#"{"installed_app_id": 5, "api_key":"k"}"#,
                "invalid_payload",
            ),
            (
                r#"{"installed_app_id":"i","installed_app_id":"j","api_key":"k"}"#,
                "invalid_payload",
            ),
            (
                r#"{"installed_app_id":"i","app_id":"a","instance_id":"n","api_key":"k","granted_permissions":"data:read"}"#,
                "invalid_payload",
            ),
            (
                r#"{"installed_app_id":"i","app_id":"a","instance_id":"n","api_key":"k","granted_permissions":["<b>"]}"#,
                "invalid_field",
            ),
            (
                r#"{"app_id":"a","instance_id":"n","api_key":"k","idempotency_key":"install:x"}"#,
                "missing_field",
            ),
            (
                r#"{"installed_app_id":"i","instance_id":"n","api_key":"k","idempotency_key":"install:x"}"#,
                "missing_field",
            ),
            (
                r#"{"installed_app_id":"<script>","app_id":"a","instance_id":"n","api_key":"k"}"#,
                "invalid_field",
            ),
            (
                r#"{"installed_app_id":"i","uninstalled_at":"yesterday","idempotency_key":"uninstall:i"}"#,
                "invalid_field",
            ),
        ] {
            assert_eq!(kind_of(json), Err(code.to_owned()), "{json}");
        }
    }

    /// Fingerprints are stored: a change of their recipe would make every repeat delivery of an
    /// event recorded before an upgrade look like a new event. The recipe: SHA-256 (hex) of the
    /// parts joined by NUL, the API key itself as its own SHA-256 hex, scopes sorted.
    #[test]
    fn the_fingerprint_recipe_is_the_stored_one() {
        let install = parse_event(
            r#"{"installed_app_id":"instapp_1","app_id":"app_1","instance_id":"inst_1","organization_id":"org_1","api_key":"blnk_k","granted_permissions":["data:write","alerts:read"]}"#
                .as_bytes(),
        )
        .unwrap();
        let key = crypto::sha256_hex(b"blnk_k");
        let joined =
            format!("install\0instapp_1\0app_1\0inst_1\0org_1\0{key}\0alerts:read data:write");
        assert_eq!(install.fingerprint(), crypto::sha256_hex(joined.as_bytes()));

        let uninstall = parse_event(
            br#"{"installed_app_id":"instapp_1","uninstalled_at":"2026-04-21T12:00:00Z"}"#,
        )
        .unwrap();
        assert_eq!(
            uninstall.fingerprint(),
            crypto::sha256_hex(b"uninstall\x00instapp_1\x002026-04-21T12:00:00+00:00")
        );
        let no_time =
            parse_event(br#"{"installed_app_id":"instapp_1","idempotency_key":"uninstall:x"}"#)
                .unwrap();
        assert_eq!(
            no_time.fingerprint(),
            crypto::sha256_hex(b"uninstall\0instapp_1\0")
        );
    }

    #[test]
    fn a_repeat_has_the_same_fingerprint_and_a_reinstall_does_not() {
        let a = parse_event(INSTALL.as_bytes()).unwrap();
        let b = parse_event(INSTALL.as_bytes()).unwrap();
        assert_eq!(a.fingerprint(), b.fingerprint());
        let c = parse_event(INSTALL.replace("blnk_k", "blnk_new").as_bytes()).unwrap();
        assert_ne!(a.fingerprint(), c.fingerprint());
        assert!(!a.fingerprint().contains("blnk_k"));
    }

    mod properties {
        use super::*;
        use actix_web::ResponseError;
        use proptest::prelude::*;
        use serde_json::Value;

        const KEYS: [&str; 13] = [
            "event",
            "type",
            "installed_app_id",
            "app_id",
            "instance_id",
            "organization_id",
            "api_key",
            "api_key_prefix",
            "granted_permissions",
            "uninstalled_at",
            "idempotency_key",
            "extra",
            "installed_app_id ",
        ];

        /// Strings that reach every branch: Cloud-looking ids, the event names and prefixes the
        /// classifier reads, scopes, times, and anything at all (NUL, bidi, emoji, long).
        fn text() -> impl Strategy<Value = String> {
            prop_oneof![
                "[a-z0-9_:.-]{0,12}",
                Just("install".to_owned()),
                Just("app.uninstalled".to_owned()),
                Just("install:instapp_1".to_owned()),
                Just("uninstall:instapp_1".to_owned()),
                Just("data:read".to_owned()),
                Just("2026-04-21T12:00:00Z".to_owned()),
                "\\PC{0,40}",
                any::<String>(),
                "[a]{190,260}",
            ]
        }

        fn value() -> impl Strategy<Value = Value> {
            let leaf = prop_oneof![
                Just(Value::Null),
                any::<bool>().prop_map(Value::from),
                any::<i64>().prop_map(Value::from),
                any::<f64>().prop_map(
                    |f| serde_json::Number::from_f64(f).map_or(Value::Null, Value::Number)
                ),
                text().prop_map(Value::from),
            ];
            leaf.prop_recursive(4, 24, 4, |inner| {
                prop_oneof![
                    prop::collection::vec(inner.clone(), 0..4).prop_map(Value::from),
                    prop::collection::btree_map(text(), inner, 0..3)
                        .prop_map(|m| Value::Object(m.into_iter().collect())),
                ]
            })
        }

        fn payload() -> impl Strategy<Value = Value> {
            prop::collection::btree_map(prop::sample::select(KEYS.to_vec()), value(), 0..10)
                .prop_map(|m| {
                    Value::Object(m.into_iter().map(|(k, v)| (k.to_owned(), v)).collect())
                })
        }

        /// What an accepted event must look like, whatever the input was.
        fn check_accepted(event: &CallbackEvent) {
            let ok_id = |s: &str| {
                !s.is_empty()
                    && s.len() <= validate::MAX_ID_LEN
                    && s.chars()
                        .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.' | ':'))
            };
            match event {
                CallbackEvent::Install(e) => {
                    assert!(
                        ok_id(&e.installed_app_id) && ok_id(&e.app_id) && ok_id(&e.instance_id)
                    );
                    let key = e.api_key.expose();
                    assert!(!key.is_empty() && key.len() <= 1024);
                    assert!(!key.chars().any(|c| c.is_whitespace() || c.is_control()));
                    assert!(e.scopes.iter().all(|s| !s.is_empty()
                        && s.chars()
                            .all(|c| c.is_ascii_lowercase() || c == ':' || c == '_')));
                    assert!(!e.idempotency_key.chars().any(char::is_control));
                }
                CallbackEvent::Uninstall(e) => {
                    assert!(ok_id(&e.installed_app_id));
                    assert!(e.idempotency_key.len() <= 256 + 12 + validate::MAX_ID_LEN);
                    assert!(!e.idempotency_key.chars().any(char::is_control));
                }
            }
        }

        proptest! {
            #![proptest_config(ProptestConfig { cases: 300, ..ProptestConfig::default() })]

            #[test]
            fn arbitrary_bytes_never_panic(body in prop::collection::vec(any::<u8>(), 0..600)) {
                if let Ok(event) = parse_event(&body) {
                    check_accepted(&event);
                }
            }

            #[test]
            fn json_shaped_payloads_never_panic_and_accepted_ones_are_clean(p in payload()) {
                let body = serde_json::to_vec(&p).unwrap();
                match parse_event(&body) {
                    Ok(event) => check_accepted(&event),
                    Err(e) => {
                        prop_assert_eq!(e.status_code().as_u16(), 400);
                        prop_assert!(!e.to_string().is_empty());
                    }
                }
            }

            #[test]
            fn broken_variants_of_a_valid_event_never_panic(cut in 0usize..300, byte in any::<u8>(), at in 0usize..300) {
                let mut body = INSTALL.as_bytes().to_vec();
                let at = at % body.len();
                body[at] = byte;
                body.truncate(cut.max(1).min(body.len()));
                if let Ok(event) = parse_event(&body) {
                    check_accepted(&event);
                }
            }
        }
    }
}
