//! The simulated Cloud API under `/sandbox/api` (contract §6): Data API, Filters API, Proxy
//! metadata, Alerts. Bearer keys are the ones the sandbox issued at install; `instance_id` must
//! be the install's; every route checks its scope. Errors use Core's shape:
//! `{"error": "...", "error_detail": {"code": "...", "message": "..."}}`.

use actix_web::http::header::AUTHORIZATION;
use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use serde::Deserialize;
use serde_json::{json, Map, Value};

use crate::crypto;
use crate::db;
use crate::error::AppError;
use crate::sandbox::query;
use crate::sandbox::store::{self, Alert, SandboxInstall};
use crate::startup::AppState;

/// A Core-style error response.
pub fn core_error(status: u16, code: &str, message: &str) -> HttpResponse {
    let status = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    HttpResponse::build(status).json(json!({
        "error": message,
        "error_detail": {"code": code, "message": message},
    }))
}

/// An error of the simulated API.
#[derive(Debug)]
pub struct CloudError {
    status: u16,
    code: &'static str,
    message: String,
}

impl CloudError {
    fn new(status: u16, code: &'static str, message: impl Into<String>) -> Self {
        Self {
            status,
            code,
            message: message.into(),
        }
    }
    fn validation(message: impl Into<String>) -> Self {
        Self::new(400, "GEN_VALIDATION_ERROR", message)
    }
    fn identity_not_found(id: &str) -> Self {
        Self::new(404, "IDT_NOT_FOUND", format!("identity {id} not found"))
    }
}

impl std::fmt::Display for CloudError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} {}: {}", self.status, self.code, self.message)
    }
}

impl actix_web::ResponseError for CloudError {
    fn status_code(&self) -> StatusCode {
        StatusCode::from_u16(self.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR)
    }
    fn error_response(&self) -> HttpResponse {
        core_error(self.status, self.code, &self.message)
    }
}

impl From<AppError> for CloudError {
    fn from(e: AppError) -> Self {
        use actix_web::ResponseError;
        let status = e.status_code().as_u16();
        Self::new(
            status,
            if status == 503 {
                "GEN_RESOURCE_LOCKED"
            } else {
                "GEN_INTERNAL"
            },
            e.to_string(),
        )
    }
}

fn query_pairs(req: &HttpRequest) -> Vec<(String, String)> {
    url::form_urlencoded::parse(req.query_string().as_bytes())
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect()
}

fn param(pairs: &[(String, String)], name: &str) -> Option<String> {
    pairs
        .iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.clone())
}

/// Bearer key → active install; `instance_id` (required on Data/Filters/Proxy) must match; the
/// scope must be granted.
async fn authorize(
    req: &HttpRequest,
    state: &AppState,
    scope: &'static str,
    instance_required: bool,
) -> Result<SandboxInstall, CloudError> {
    let key = req
        .headers()
        .get(AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(str::trim)
        .filter(|k| !k.is_empty())
        .ok_or_else(|| CloudError::new(401, "UNAUTHORIZED", "missing bearer API key"))?
        .to_owned();
    let install = db::run(&state.pool, move |conn| {
        Ok(store::install_by_key(conn, &key)?)
    })
    .await?
    .filter(SandboxInstall::is_active)
    .ok_or_else(|| CloudError::new(401, "UNAUTHORIZED", "invalid or revoked API key"))?;
    match param(&query_pairs(req), "instance_id") {
        Some(id) if id != install.instance_id => {
            return Err(CloudError::new(
                403,
                "FORBIDDEN",
                "this API key does not belong to this instance",
            ))
        }
        None if instance_required => return Err(CloudError::validation("instance_id is required")),
        _ => {}
    }
    if !install.has_scope(scope) {
        return Err(CloudError::new(
            403,
            "INSUFFICIENT_SCOPE",
            format!("this API key lacks the `{scope}` permission"),
        ));
    }
    Ok(install)
}

fn page_params(pairs: &[(String, String)]) -> Result<(usize, usize), CloudError> {
    let parse = |name: &str, default: usize| -> Result<usize, CloudError> {
        match param(pairs, name) {
            None => Ok(default),
            Some(v) => v
                .parse::<usize>()
                .map_err(|_| CloudError::validation(format!("{name} must be a positive integer"))),
        }
    };
    let page = parse("page", 1)?;
    let size = parse("pageSize", 20)?;
    if page == 0 {
        return Err(CloudError::validation("page starts at 1"));
    }
    Ok((page, size.clamp(1, 100)))
}

fn listing(all: Vec<Value>, page: usize, size: usize) -> HttpResponse {
    let total = all.len();
    let data: Vec<Value> = all
        .into_iter()
        .skip((page - 1).saturating_mul(size))
        .take(size)
        .collect();
    HttpResponse::Ok().json(json!({ "data": data, "total": total }))
}

fn json_body(body: &[u8]) -> Result<Value, CloudError> {
    serde_json::from_slice(body)
        .map_err(|e| CloudError::validation(format!("invalid JSON body: {e}")))
}

/// `GET /data/identities`
pub async fn list_identities(
    req: HttpRequest,
    state: web::Data<AppState>,
) -> Result<HttpResponse, CloudError> {
    let install = authorize(&req, &state, "data:read", true).await?;
    let pairs = query_pairs(&req);
    let (page, size) = page_params(&pairs)?;
    let filters =
        query::parse_query_filters(&pairs).map_err(|e| CloudError::validation(e.to_string()))?;
    let instance = install.instance_id.clone();
    let all = db::run(&state.pool, move |conn| store::identities(conn, &instance)).await?;
    let matching = all
        .into_iter()
        .filter(|i| query::matches(i, &filters))
        .collect();
    Ok(listing(matching, page, size))
}

/// `GET /data/identities/{id}`
pub async fn get_identity(
    req: HttpRequest,
    path: web::Path<String>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, CloudError> {
    let install = authorize(&req, &state, "data:read", true).await?;
    let id = path.into_inner();
    let lookup = id.clone();
    let found = db::run(&state.pool, move |conn| {
        store::identity(conn, &install.instance_id, &lookup)
    })
    .await?;
    found
        .map(|i| HttpResponse::Ok().json(i))
        .ok_or_else(|| CloudError::identity_not_found(&id))
}

/// `POST /identities/filter`
pub async fn filter_identities(
    req: HttpRequest,
    body: web::Bytes,
    state: web::Data<AppState>,
) -> Result<HttpResponse, CloudError> {
    let install = authorize(&req, &state, "data:read", true).await?;
    let (page, size) = page_params(&query_pairs(&req))?;
    let filters = query::parse_filter_body(&json_body(&body)?)
        .map_err(|e| CloudError::validation(e.to_string()))?;
    let all = db::run(&state.pool, move |conn| {
        store::identities(conn, &install.instance_id)
    })
    .await?;
    let matching = all
        .into_iter()
        .filter(|i| query::matches(i, &filters))
        .collect();
    Ok(listing(matching, page, size))
}

/// `POST /proxy/{id}/metadata`: top-level merge into the identity's metadata.
pub async fn update_metadata(
    req: HttpRequest,
    path: web::Path<String>,
    body: web::Bytes,
    state: web::Data<AppState>,
) -> Result<HttpResponse, CloudError> {
    let install = authorize(&req, &state, "data:write", true).await?;
    let id = path.into_inner();
    let patch: Map<String, Value> = match json_body(&body)?.get("meta_data") {
        Some(Value::Object(m)) => m.clone(),
        _ => {
            return Err(CloudError::validation(
                "body must be {\"meta_data\": {...}}",
            ))
        }
    };
    let now = state.clock.now_ts();
    let lookup = id.clone();
    let merged = db::run(&state.pool, move |conn| {
        store::merge_metadata(conn, &install.instance_id, &lookup, &patch, now)
    })
    .await?;
    merged
        .map(|m| HttpResponse::Ok().json(json!({ "meta_data": m })))
        .ok_or_else(|| CloudError::identity_not_found(&id))
}

#[derive(Debug, Deserialize)]
pub struct AlertPayload {
    title: Option<String>,
    description: Option<String>,
    status: Option<String>,
}

fn parse_alert(body: &[u8]) -> Result<AlertPayload, CloudError> {
    serde_json::from_slice(body)
        .map_err(|e| CloudError::validation(format!("invalid alert body: {e}")))
}

/// `POST /alerts/flag/{identity_id}`
pub async fn flag_identity(
    req: HttpRequest,
    path: web::Path<String>,
    body: web::Bytes,
    state: web::Data<AppState>,
) -> Result<HttpResponse, CloudError> {
    let install = authorize(&req, &state, "alerts:write", false).await?;
    let identity_id = path.into_inner();
    let payload = parse_alert(&body)?;
    let description = payload
        .description
        .filter(|d| !d.trim().is_empty())
        .ok_or_else(|| CloudError::validation("description is required"))?;
    let now = state.clock.now_ts();
    let suffix = crypto::random_token().map_err(|e| AppError::internal(e.to_string()))?;
    let alert = Alert {
        anomaly_id: format!(
            "ano_{}",
            &crypto::sha256_hex(suffix.expose().as_bytes())[..24]
        ),
        instance_id: install.instance_id.clone(),
        identity_id: identity_id.clone(),
        title: payload.title.unwrap_or_else(|| "Identity flagged".into()),
        description,
        status: "FLAGGED".into(),
        created_at: now,
        updated_at: now,
    };
    let created = db::run(&state.pool, move |conn| {
        if store::identity(conn, &alert.instance_id, &alert.identity_id)?.is_none() {
            return Ok(None);
        }
        store::create_alert(conn, &alert)?;
        Ok(Some(alert))
    })
    .await?;
    created
        .map(|a| HttpResponse::Ok().json(a.to_json()))
        .ok_or_else(|| CloudError::identity_not_found(&identity_id))
}

/// `PUT /alerts/flag/{anomaly_id}`
pub async fn update_alert(
    req: HttpRequest,
    path: web::Path<String>,
    body: web::Bytes,
    state: web::Data<AppState>,
) -> Result<HttpResponse, CloudError> {
    let install = authorize(&req, &state, "alerts:write", false).await?;
    let anomaly_id = path.into_inner();
    let p = parse_alert(&body)?;
    if p.title.is_none() && p.description.is_none() && p.status.is_none() {
        return Err(CloudError::validation(
            "send at least one of title, description, status",
        ));
    }
    if let Some(s) = &p.status {
        if s.is_empty() || s.len() > 40 || !s.chars().all(|c| c.is_ascii_uppercase() || c == '_') {
            return Err(CloudError::validation(
                "status must be an upper-case word such as RESOLVED",
            ));
        }
    }
    let now = state.clock.now_ts();
    let id = anomaly_id.clone();
    let updated = db::run(&state.pool, move |conn| {
        match store::alert(conn, &id)? {
            Some(a) if a.instance_id == install.instance_id => {}
            _ => return Ok(None),
        }
        Ok(store::update_alert(
            conn,
            &id,
            p.title.as_deref(),
            p.description.as_deref(),
            p.status.as_deref(),
            now,
        )?)
    })
    .await?;
    updated
        .map(|a| HttpResponse::Ok().json(a.to_json()))
        .ok_or_else(|| {
            CloudError::new(
                404,
                "ALERT_NOT_FOUND",
                format!("alert {anomaly_id} not found"),
            )
        })
}

/// `GET /alerts`
pub async fn list_alerts(
    req: HttpRequest,
    state: web::Data<AppState>,
) -> Result<HttpResponse, CloudError> {
    let install = authorize(&req, &state, "alerts:read", false).await?;
    let alerts = db::run(&state.pool, move |conn| {
        Ok(store::alerts_of(conn, &install.instance_id)?)
    })
    .await?;
    let data: Vec<Value> = alerts.iter().map(Alert::to_json).collect();
    Ok(HttpResponse::Ok().json(json!({ "data": data, "total": data.len() })))
}

/// `GET /alerts/{anomaly_id}`
pub async fn get_alert(
    req: HttpRequest,
    path: web::Path<String>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, CloudError> {
    let install = authorize(&req, &state, "alerts:read", false).await?;
    let id = path.into_inner();
    let lookup = id.clone();
    let found = db::run(&state.pool, move |conn| Ok(store::alert(conn, &lookup)?)).await?;
    match found {
        Some(a) if a.instance_id == install.instance_id => Ok(HttpResponse::Ok().json(a.to_json())),
        _ => Err(CloudError::new(
            404,
            "ALERT_NOT_FOUND",
            format!("alert {id} not found"),
        )),
    }
}

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/data/identities", web::get().to(list_identities))
        .route("/data/identities/{id}", web::get().to(get_identity))
        .route("/identities/filter", web::post().to(filter_identities))
        .route("/proxy/{id}/metadata", web::post().to(update_metadata))
        .route("/alerts/flag/{identity_id}", web::post().to(flag_identity))
        .route("/alerts/flag/{anomaly_id}", web::put().to(update_alert))
        .route("/alerts", web::get().to(list_alerts))
        .route("/alerts/{anomaly_id}", web::get().to(get_alert))
        .default_service(web::to(|| async {
            core_error(404, "NOT_FOUND", "no such sandbox API route")
        }));
}
