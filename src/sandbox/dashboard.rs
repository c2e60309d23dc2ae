//! The sandbox dashboard at `/sandbox`: plays the Blnk Cloud dashboard. Install posts a real
//! install event to the app's callback URL, Launch posts a portal request and opens `portal_url`
//! in an iframe, Uninstall posts the uninstall event. Meant to be opened on
//! `http://127.0.0.1:PORT` while the app is `http://localhost:PORT`: a different site, so the
//! browser applies the real cross-site cookie and `frame-ancestors` rules.

use std::sync::Arc;

use actix_web::http::header::{self, ContentType, HeaderValue};
use actix_web::{web, HttpRequest, HttpResponse};
use askama::Template;
use serde::Deserialize;
use serde_json::{json, Value};

use crate::crypto;
use crate::db;
use crate::error::AppError;
use crate::lifecycle::installs::KNOWN_SCOPES;
use crate::sandbox::faults::Faults;
use crate::sandbox::store::{self, Alert, Instance, SandboxInstall};
use crate::sandbox::{SandboxState, DEFAULT_INSTANCE};
use crate::startup::AppState;

/// The app id this sandbox registered the app under.
pub const SANDBOX_APP_ID: &str = "app_kyc_review";

/// The reviewers the dashboard can launch as (two, so four-eyes can be tried).
pub const REVIEWERS: [(&str, &str); 2] = [
    ("usr_alice", "Alice (reviewer)"),
    ("usr_bob", "Bob (approver)"),
];

fn sandbox(state: &AppState) -> Result<Arc<SandboxState>, AppError> {
    state
        .sandbox
        .clone()
        .ok_or_else(|| AppError::not_found("not_found", "The sandbox is off."))
}

/// The dashboard's own CSP: it frames the app (the portal origin) and is framed by nobody.
fn dashboard_response(state: &AppState, body: String) -> HttpResponse {
    let csp = format!(
        "default-src 'self'; frame-src {}; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'",
        state.config.public_origin()
    );
    let mut resp = HttpResponse::Ok()
        .content_type(ContentType::html())
        .body(body);
    if let Ok(v) = HeaderValue::from_str(&csp) {
        resp.headers_mut()
            .insert(header::CONTENT_SECURITY_POLICY, v);
    }
    resp
}

fn render(t: &impl Template) -> Result<String, AppError> {
    t.render()
        .map_err(|e| AppError::internal(format!("template: {e}")))
}

fn see_other(location: &str) -> HttpResponse {
    HttpResponse::SeeOther()
        .insert_header((header::LOCATION, location))
        .finish()
}

fn back_with(message: &str) -> HttpResponse {
    let q = url::form_urlencoded::Serializer::new(String::new())
        .append_pair("msg", message)
        .finish();
    see_other(&format!("/sandbox?{q}"))
}

/// Dashboard forms must come from the dashboard itself (a local tool, but still no CSRF).
fn check_local_origin(req: &HttpRequest) -> Result<(), AppError> {
    let Some(origin) = req
        .headers()
        .get(header::ORIGIN)
        .and_then(|v| v.to_str().ok())
    else {
        return Ok(());
    };
    // The dashboard is served with `Referrer-Policy: no-referrer`, so the browser posts its own
    // forms with `Origin: null`; `Sec-Fetch-Site: same-origin` tells them apart.
    if crate::lifecycle::sessions::is_same_origin_null(req) {
        return Ok(());
    }
    let host = url::Url::parse(origin)
        .ok()
        .and_then(|u| u.host_str().map(str::to_owned));
    match host.as_deref() {
        Some("127.0.0.1") | Some("localhost") | Some("[::1]") => Ok(()),
        _ => Err(AppError::forbidden(
            "origin_mismatch",
            "Dashboard forms must be sent from the dashboard.",
        )),
    }
}

/// Creates the default instance on first start.
pub fn ensure_default_instance(state: &AppState) -> Result<(), AppError> {
    let Some(sb) = &state.sandbox else {
        return Ok(());
    };
    let mut conn = state
        .pool
        .get()
        .map_err(|e| AppError::Unavailable(e.to_string()))?;
    if !store::instances(&mut conn)?.is_empty() {
        return Ok(());
    }
    let now = state.clock.now();
    let instance = Instance {
        instance_id: DEFAULT_INSTANCE.into(),
        name: "Sandbox ledger".into(),
        organization_id: "org_sandbox".into(),
        created_at: now.timestamp(),
    };
    store::create_instance(&mut conn, &instance, &sb.initial_identities(now))
}

pub struct InstanceView {
    pub instance: Instance,
    pub identities: usize,
    pub alerts: usize,
    pub install: Option<SandboxInstall>,
    pub scopes: Vec<String>,
}

impl InstanceView {
    /// Whether the install form pre-checks `scope`: all for a new install, the granted ones after.
    pub fn checked(&self, scope: &str) -> bool {
        self.install.is_none() || self.scopes.iter().any(|s| s == scope)
    }
}

#[derive(Template)]
#[template(path = "sandbox/dashboard.html")]
struct DashboardPage {
    instances: Vec<InstanceView>,
    message: Option<String>,
    known_scopes: [&'static str; 4],
    reviewers: [(&'static str, &'static str); 2],
    faults: Faults,
    app_url: String,
    same_site_warning: bool,
}

/// `GET /sandbox`
pub async fn show_dashboard(
    req: HttpRequest,
    state: web::Data<AppState>,
) -> Result<HttpResponse, AppError> {
    let sb = sandbox(&state)?;
    let instances = db::run(&state.pool, |conn| {
        let mut out = Vec::new();
        for instance in store::instances(conn)? {
            let identities = store::identities(conn, &instance.instance_id)?.len();
            let alerts = store::alerts_of(conn, &instance.instance_id)?.len();
            let install = store::active_install_of(conn, &instance.instance_id)?;
            let scopes = install
                .as_ref()
                .map(SandboxInstall::scopes)
                .unwrap_or_default();
            out.push(InstanceView {
                instance,
                identities,
                alerts,
                install,
                scopes,
            });
        }
        Ok(out)
    })
    .await?;
    let message = url::form_urlencoded::parse(req.query_string().as_bytes())
        .find(|(k, _)| k == "msg")
        .map(|(_, v)| v.into_owned());
    let app_host = state
        .config
        .public_url
        .host_str()
        .unwrap_or_default()
        .to_owned();
    let page = DashboardPage {
        instances,
        message,
        known_scopes: KNOWN_SCOPES,
        reviewers: REVIEWERS,
        faults: sb.faults(),
        app_url: state.config.public_link(""),
        same_site_warning: req.connection_info().host().split(':').next()
            == Some(app_host.as_str()),
    };
    Ok(dashboard_response(&state, render(&page)?))
}

#[derive(Debug, Deserialize)]
pub struct NewInstanceForm {
    name: Option<String>,
}

/// `POST /sandbox/instances`
pub async fn create_instance(
    req: HttpRequest,
    form: web::Form<NewInstanceForm>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, AppError> {
    check_local_origin(&req)?;
    let sb = sandbox(&state)?;
    let now = state.clock.now();
    let suffix = &crypto::sha256_hex(
        crypto::random_token()
            .map_err(|e| AppError::internal(e.to_string()))?
            .expose()
            .as_bytes(),
    )[..10];
    let name = form
        .name
        .as_deref()
        .map(str::trim)
        .filter(|n| !n.is_empty())
        .map(|n| n.chars().take(60).collect::<String>())
        .unwrap_or_else(|| format!("Ledger {suffix}"));
    let instance = Instance {
        instance_id: format!("inst_{suffix}"),
        name,
        organization_id: "org_sandbox".into(),
        created_at: now.timestamp(),
    };
    let identities = sb.initial_identities(now);
    db::run(&state.pool, move |conn| {
        store::create_instance(conn, &instance, &identities)
    })
    .await?;
    Ok(back_with("Instance created with its identities."))
}

#[derive(Debug, Deserialize)]
pub struct InstallForm {
    #[serde(rename = "data:read")]
    data_read: Option<String>,
    #[serde(rename = "data:write")]
    data_write: Option<String>,
    #[serde(rename = "alerts:read")]
    alerts_read: Option<String>,
    #[serde(rename = "alerts:write")]
    alerts_write: Option<String>,
}

impl InstallForm {
    fn scopes(&self) -> Vec<String> {
        [
            (&self.data_read, "data:read"),
            (&self.data_write, "data:write"),
            (&self.alerts_read, "alerts:read"),
            (&self.alerts_write, "alerts:write"),
        ]
        .iter()
        .filter(|(v, _)| v.is_some())
        .map(|(_, s)| (*s).to_owned())
        .collect()
    }
}

fn app_url(sb: &SandboxState, state: &AppState, path: &str) -> String {
    let base = format!("{}{path}", sb.app_base);
    match &state.config.callback_secret {
        Some(s) => format!(
            "{base}?{}",
            url::form_urlencoded::Serializer::new(String::new())
                .append_pair("secret", s.expose())
                .finish()
        ),
        None => base,
    }
}

/// Posts to the app like Cloud does; returns the JSON answer or a message for the dashboard.
async fn post_to_app(
    sb: &SandboxState,
    state: &AppState,
    path: &str,
    body: &Value,
) -> Result<Value, String> {
    let resp = sb
        .http
        .post(app_url(sb, state, path))
        .json(body)
        .send()
        .await
        .map_err(|e| format!("the app did not answer {path}: {e}"))?;
    let status = resp.status();
    let text = resp.text().await.unwrap_or_default();
    if status.is_success() {
        Ok(serde_json::from_str(&text).unwrap_or(Value::Null))
    } else {
        Err(format!(
            "the app answered {path} with {status}: {}",
            text.chars().take(300).collect::<String>()
        ))
    }
}

/// `POST /sandbox/instances/{id}/install`: issues a key and posts the install event. A scope
/// change on an installed app is a reinstall (same `installed_app_id`, new key), as in Cloud.
pub async fn install_app(
    req: HttpRequest,
    path: web::Path<String>,
    form: web::Form<InstallForm>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, AppError> {
    check_local_origin(&req)?;
    let sb = sandbox(&state)?;
    let instance_id = path.into_inner();
    let scopes = form.scopes();
    let now = state.clock.now_ts();
    let key = crypto::random_token().map_err(|e| AppError::internal(e.to_string()))?;
    let api_key = format!("blnk_sbx_{}", key.expose());
    let lookup = instance_id.clone();
    let (instance, previous) = db::run(&state.pool, move |conn| {
        Ok((
            store::instance(conn, &lookup)?,
            store::active_install_of(conn, &lookup)?,
        ))
    })
    .await?;
    let instance = instance
        .ok_or_else(|| AppError::not_found("instance_not_found", "No such sandbox instance."))?;
    let installed_app_id = previous
        .as_ref()
        .map(|p| p.installed_app_id.clone())
        .unwrap_or_else(|| format!("instapp_{}", &crypto::sha256_hex(api_key.as_bytes())[..12]));
    let install = SandboxInstall {
        installed_app_id: installed_app_id.clone(),
        instance_id: instance.instance_id.clone(),
        app_id: SANDBOX_APP_ID.into(),
        api_key_hash: crypto::hash_token(&api_key),
        api_key_prefix: api_key[..12].to_owned(),
        scopes: serde_json::to_string(&scopes).map_err(|e| AppError::internal(e.to_string()))?,
        status: "active".into(),
        installed_at: now,
        uninstalled_at: None,
    };
    let row = install.clone();
    db::run(&state.pool, move |conn| {
        store::delete_install(conn, &row.installed_app_id)?;
        Ok(store::record_install(conn, &row)?)
    })
    .await?;
    let event = json!({
        "installed_app_id": installed_app_id,
        "app_id": SANDBOX_APP_ID,
        "instance_id": instance.instance_id,
        "organization_id": instance.organization_id,
        "api_key": api_key,
        "api_key_prefix": install.api_key_prefix,
        "granted_permissions": scopes,
        "idempotency_key": format!("install:{installed_app_id}"),
    });
    match post_to_app(&sb, &state, "/api/callback", &event).await {
        Ok(_) => Ok(back_with(&format!(
            "Installed on {} with {} permission(s).",
            instance.name,
            scopes.len()
        ))),
        Err(message) => {
            // Cloud cancels an install the app does not confirm and revokes the key.
            let id = installed_app_id.clone();
            db::run(&state.pool, move |conn| {
                Ok(store::delete_install(conn, &id)?)
            })
            .await?;
            Ok(back_with(&format!("Install cancelled: {message}")))
        }
    }
}

/// `POST /sandbox/instances/{id}/uninstall`
pub async fn uninstall_app(
    req: HttpRequest,
    path: web::Path<String>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, AppError> {
    check_local_origin(&req)?;
    let sb = sandbox(&state)?;
    let instance_id = path.into_inner();
    let now = state.clock.now_ts();
    let lookup = instance_id.clone();
    let install = db::run(&state.pool, move |conn| {
        let install = store::active_install_of(conn, &lookup)?;
        if let Some(i) = &install {
            store::mark_uninstalled(conn, &i.installed_app_id, now)?;
        }
        Ok(install)
    })
    .await?;
    let Some(install) = install else {
        return Ok(back_with("The app is not installed on this instance."));
    };
    let event = json!({
        "installed_app_id": install.installed_app_id,
        "app_id": install.app_id,
        "instance_id": install.instance_id,
        "uninstalled_at": store::rfc3339(now),
        "idempotency_key": format!("uninstall:{}", install.installed_app_id),
    });
    match post_to_app(&sb, &state, "/api/callback", &event).await {
        Ok(_) => Ok(back_with("Uninstalled; the API key is revoked.")),
        Err(message) => Ok(back_with(&format!(
            "Uninstalled in the sandbox, but {message}"
        ))),
    }
}

#[derive(Debug, Deserialize)]
pub struct LaunchForm {
    user_id: Option<String>,
}

#[derive(Template)]
#[template(path = "sandbox/launch.html")]
struct LaunchPage {
    instance: Instance,
    portal_url: String,
    user_id: String,
}

/// `POST /sandbox/instances/{id}/launch`: asks the app for a portal URL and opens it in an iframe.
pub async fn launch_app(
    req: HttpRequest,
    path: web::Path<String>,
    form: web::Form<LaunchForm>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, AppError> {
    check_local_origin(&req)?;
    let sb = sandbox(&state)?;
    let instance_id = path.into_inner();
    let lookup = instance_id.clone();
    let (instance, install) = db::run(&state.pool, move |conn| {
        Ok((
            store::instance(conn, &lookup)?,
            store::active_install_of(conn, &lookup)?,
        ))
    })
    .await?;
    let instance = instance
        .ok_or_else(|| AppError::not_found("instance_not_found", "No such sandbox instance."))?;
    let Some(install) = install else {
        return Ok(back_with(
            "Install the app on this instance before launching it.",
        ));
    };
    let user_id = form
        .user_id
        .clone()
        .filter(|u| REVIEWERS.iter().any(|(id, _)| id == u))
        .unwrap_or_else(|| REVIEWERS[0].0.to_owned());
    let request = json!({
        "installed_app_id": install.installed_app_id,
        "app_id": install.app_id,
        "instance_id": install.instance_id,
        "organization_id": instance.organization_id,
        "user_id": user_id,
    });
    match post_to_app(&sb, &state, "/api/portal", &request).await {
        Ok(v) => match v.get("portal_url").and_then(Value::as_str) {
            Some(url) => {
                let page = LaunchPage {
                    instance,
                    portal_url: url.to_owned(),
                    user_id,
                };
                Ok(dashboard_response(&state, render(&page)?))
            }
            None => Ok(back_with("The app's answer had no portal_url.")),
        },
        Err(message) => Ok(back_with(&format!("Launch refused: {message}"))),
    }
}

#[derive(Template)]
#[template(path = "sandbox/identities.html")]
struct IdentitiesPage {
    instance: Instance,
    rows: Vec<IdentityRow>,
}

pub struct IdentityRow {
    pub identity_id: String,
    pub name: String,
    pub scenario: String,
    pub metadata: String,
}

fn text(v: &Value, key: &str) -> String {
    v.get(key)
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_owned()
}

/// `GET /sandbox/instances/{id}/identities`: the ledger's identities with their metadata.
pub async fn show_identities(
    path: web::Path<String>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, AppError> {
    sandbox(&state)?;
    let instance_id = path.into_inner();
    let (instance, identities) = db::run(&state.pool, move |conn| {
        Ok((
            store::instance(conn, &instance_id)?,
            store::identities(conn, &instance_id)?,
        ))
    })
    .await?;
    let instance = instance
        .ok_or_else(|| AppError::not_found("instance_not_found", "No such sandbox instance."))?;
    let rows = identities
        .iter()
        .map(|i| {
            let org = text(i, "organization_name");
            let person = [text(i, "first_name"), text(i, "last_name")]
                .join(" ")
                .trim()
                .to_owned();
            IdentityRow {
                identity_id: text(i, "identity_id"),
                name: if person.is_empty() { org } else { person },
                scenario: i
                    .pointer("/meta_data/sandbox/scenario")
                    .and_then(Value::as_str)
                    .unwrap_or("-")
                    .to_owned(),
                metadata: serde_json::to_string_pretty(i.get("meta_data").unwrap_or(&Value::Null))
                    .unwrap_or_default(),
            }
        })
        .collect();
    Ok(dashboard_response(
        &state,
        render(&IdentitiesPage { instance, rows })?,
    ))
}

#[derive(Template)]
#[template(path = "sandbox/alerts.html")]
struct AlertsPage {
    instance: Instance,
    alerts: Vec<Alert>,
}

/// `GET /sandbox/instances/{id}/alerts`
pub async fn show_alerts(
    path: web::Path<String>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, AppError> {
    sandbox(&state)?;
    let instance_id = path.into_inner();
    let (instance, alerts) = db::run(&state.pool, move |conn| {
        Ok((
            store::instance(conn, &instance_id)?,
            store::alerts_of(conn, &instance_id)?,
        ))
    })
    .await?;
    let instance = instance
        .ok_or_else(|| AppError::not_found("instance_not_found", "No such sandbox instance."))?;
    Ok(dashboard_response(
        &state,
        render(&AlertsPage { instance, alerts })?,
    ))
}

/// `POST /sandbox/faults`: sets the fault knobs (form from the dashboard, or JSON from tests).
pub async fn set_faults(
    req: HttpRequest,
    body: web::Bytes,
    state: web::Data<AppState>,
) -> Result<HttpResponse, AppError> {
    check_local_origin(&req)?;
    let sb = sandbox(&state)?;
    let is_json = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/json"));
    let faults: Faults = if is_json {
        serde_json::from_slice(&body)
            .map_err(|e| AppError::bad_request("invalid_faults", e.to_string()))?
    } else {
        serde_urlencoded::from_bytes(&body)
            .map_err(|e| AppError::bad_request("invalid_faults", e.to_string()))?
    };
    faults
        .validate()
        .map_err(|m| AppError::bad_request("invalid_faults", m))?;
    sb.set_faults(faults);
    log::info!("sandbox faults set: {faults:?}");
    if is_json {
        Ok(HttpResponse::Ok().json(faults))
    } else {
        Ok(back_with("Fault settings saved."))
    }
}

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("", web::get().to(show_dashboard))
        .route("/", web::get().to(show_dashboard))
        .route("/instances", web::post().to(create_instance))
        .route("/instances/{id}/install", web::post().to(install_app))
        .route("/instances/{id}/uninstall", web::post().to(uninstall_app))
        .route("/instances/{id}/launch", web::post().to(launch_app))
        .route("/instances/{id}/identities", web::get().to(show_identities))
        .route("/instances/{id}/alerts", web::get().to(show_alerts))
        .route("/faults", web::post().to(set_faults));
}
