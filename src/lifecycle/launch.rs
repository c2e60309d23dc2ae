//! `POST /api/portal`: the portal generator (contract §4). Confirms the install, mints a fresh
//! one-time launch token (only its SHA-256 is stored) and answers `{"portal_url": ...}`.
//!
//! A launch token reads `<id>.<secret>`: `secret` is 32 random bytes from the OS, base64url, and
//! the database stores only its SHA-256; `id` is the token's row, a rising number that locates it
//! without a lookup by hash. (Rows keyed by a hash land on random pages of the table, and every
//! launch then cost a 4 KiB page write to the WAL and to the database file; see the migration
//! `launch_token_ids`.) The id is not a secret: it says how many launches the app has minted.

use actix_web::{web, HttpRequest, HttpResponse};
use diesel::prelude::*;
use diesel::sqlite::SqliteConnection;
use serde::Deserialize;

use crate::crypto;
use crate::db;
use crate::error::{ApiError, AppError};
use crate::lifecycle::callback::read_cloud_request;
use crate::lifecycle::{installs, validate};
use crate::schema::launch_tokens;
use crate::startup::AppState;
use crate::web::request_log;

#[derive(Debug, Deserialize)]
pub struct PortalPayload {
    installed_app_id: Option<String>,
    app_id: Option<String>,
    instance_id: Option<String>,
    organization_id: Option<String>,
    user_id: Option<String>,
}

/// A validated launch request.
#[derive(Debug, Clone)]
pub struct LaunchRequest {
    pub installed_app_id: String,
    pub app_id: Option<String>,
    pub instance_id: Option<String>,
    pub organization_id: Option<String>,
    pub user_id: Option<String>,
}

impl TryFrom<PortalPayload> for LaunchRequest {
    type Error = AppError;
    fn try_from(p: PortalPayload) -> Result<Self, AppError> {
        Ok(LaunchRequest {
            installed_app_id: validate::required_id(
                "installed_app_id",
                p.installed_app_id.as_deref(),
            )?,
            app_id: validate::optional_id("app_id", p.app_id.as_deref())?,
            instance_id: validate::optional_id("instance_id", p.instance_id.as_deref())?,
            organization_id: validate::optional_id(
                "organization_id",
                p.organization_id.as_deref(),
            )?,
            user_id: validate::optional_user_id(p.user_id.as_deref())?,
        })
    }
}

pub fn parse_launch(body: &[u8]) -> Result<LaunchRequest, AppError> {
    let payload: PortalPayload = serde_json::from_slice(body).map_err(|e| {
        AppError::bad_request(
            "invalid_payload",
            if e.is_data() {
                format!("a field has the wrong type or appears twice: {e}")
            } else {
                format!("the body is not a JSON object: {e}")
            },
        )
    })?;
    LaunchRequest::try_from(payload)
}

/// The launch token for the URL: the row id, a dot, the secret.
pub fn compose_token(id: i64, secret: &str) -> String {
    format!("{id}.{secret}")
}

/// Splits a token from a URL into its row id and its secret. `None` for anything that is not
/// `<id>.<secret>` with the id written as [`compose_token`] writes it (no sign, no leading zero).
pub fn split_token(token: &str) -> Option<(i64, &str)> {
    let (digits, secret) = token.split_once('.')?;
    if secret.is_empty() || digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let id: i64 = digits.parse().ok()?;
    (id >= 1 && id.to_string() == digits).then_some((id, secret))
}

/// Checks the install and stores the hash of a fresh launch token's secret; returns the token's
/// id. The caller draws the secret and hashes it off the writer thread (where every microsecond
/// is one that every other write waits for), and puts the plaintext in the URL only.
pub fn store_launch_token(
    conn: &mut SqliteConnection,
    request: &LaunchRequest,
    secret_hash: &[u8],
    now: i64,
    ttl_secs: i64,
) -> Result<i64, AppError> {
    let install = installs::find(conn, &request.installed_app_id)?.ok_or_else(|| {
        AppError::forbidden("install_not_found", "no install with this installed_app_id")
    })?;
    if !install.is_active() {
        return Err(AppError::forbidden(
            "install_inactive",
            "this install has been uninstalled",
        ));
    }
    let mismatch = [
        (request.app_id.as_deref(), Some(install.app_id.as_str())),
        (
            request.instance_id.as_deref(),
            Some(install.instance_id.as_str()),
        ),
        (
            request.organization_id.as_deref(),
            install.organization_id.as_deref(),
        ),
    ]
    .iter()
    .any(|(sent, stored)| matches!((sent, stored), (Some(a), Some(b)) if a != b));
    if mismatch {
        return Err(AppError::forbidden(
            "install_mismatch",
            "the IDs in the request do not match the install",
        ));
    }
    Ok(diesel::insert_into(launch_tokens::table)
        .values((
            launch_tokens::secret_hash.eq(secret_hash),
            launch_tokens::installed_app_id.eq(&install.installed_app_id),
            launch_tokens::user_id.eq(&request.user_id),
            launch_tokens::created_at.eq(now),
            launch_tokens::expires_at.eq(now.saturating_add(ttl_secs)),
        ))
        .returning(launch_tokens::id)
        .get_result(conn)?)
}

pub async fn generate_portal(
    req: HttpRequest,
    payload: web::Payload,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let body = read_cloud_request(&req, payload, &state).await?;
    let request = parse_launch(&body)?;
    let now = state.clock.now_ts();
    let ttl = state.config.session_ttl_secs;
    let id = request.installed_app_id.clone();
    let secret = crypto::random_token().map_err(|e| AppError::internal(e.to_string()))?;
    let secret_hash = crypto::hash_token(secret.expose());
    let token_id = db::write(&state.pool, move |conn| {
        store_launch_token(conn, &request, &secret_hash, now, ttl)
    })
    .await?;
    let portal_url = format!(
        "{}?token={}",
        state.config.public_link("/portal"),
        compose_token(token_id, secret.expose())
    );
    Ok(request_log::with_detail(
        HttpResponse::Ok().json(serde_json::json!({ "portal_url": portal_url })),
        format!("launch minted installed_app_id={id}"),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_token_splits_back_into_what_composed_it() {
        let token = compose_token(42, "c2VjcmV0.LWRvdA");
        assert_eq!(token, "42.c2VjcmV0.LWRvdA");
        assert_eq!(split_token(&token), Some((42, "c2VjcmV0.LWRvdA")));
        assert_eq!(
            split_token(&compose_token(i64::MAX, "s")),
            Some((i64::MAX, "s"))
        );
    }

    #[test]
    fn anything_else_is_not_a_token() {
        for bad in [
            "",
            ".",
            "42",
            "42.",
            ".secret",
            "0.secret",
            "042.secret",
            "+42.secret",
            "-42.secret",
            "4 2.secret",
            "٤٢.secret",
            "9223372036854775808.secret",
            "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
        ] {
            assert_eq!(split_token(bad), None, "{bad:?}");
        }
    }
}
