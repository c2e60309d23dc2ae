//! Page handlers and their template structs: the landing page, the portal home, the
//! session-ended page, and the health check.

use actix_web::http::header::ContentType;
use actix_web::{web, HttpResponse};
use askama::Template;
use diesel::connection::SimpleConnection;

use crate::config::SandboxMode;
use crate::db;
use crate::error::AppError;
use crate::lifecycle::callback::missing_scopes;
use crate::lifecycle::sessions::{Carrier, PortalSession};
use crate::startup::AppState;

/// What the top bar of every portal page shows, and how its links carry the session.
pub struct Nav {
    pub instance_id: String,
    pub user_id: Option<String>,
    pub expires_at: i64,
    pub now: i64,
    pub minutes_left: i64,
    pub url_mode: bool,
    pub csrf: String,
    session: PortalSession,
}

impl Nav {
    pub fn new(session: &PortalSession, now: i64) -> Nav {
        let secs_left = (session.expires_at - now).max(0);
        Nav {
            instance_id: session.install.instance_id.clone(),
            user_id: session.user_id.clone(),
            expires_at: session.expires_at,
            now,
            minutes_left: (secs_left + 59) / 60,
            url_mode: session.carrier == Carrier::Url,
            csrf: session.csrf_token(),
            session: session.clone(),
        }
    }

    /// The session id when it travels in URLs (for GET forms, which drop the action's query).
    pub fn session_param(&self) -> Option<String> {
        self.url_mode.then(|| self.session.id().expose().to_owned())
    }

    /// A link to `path` that keeps the session in URL mode.
    pub fn link(&self, path: &str) -> String {
        self.session.link(path)
    }
}

pub(crate) fn html(body: String) -> HttpResponse {
    HttpResponse::Ok()
        .content_type(ContentType::html())
        .body(body)
}

pub(crate) fn render(t: &impl Template) -> Result<String, AppError> {
    t.render()
        .map_err(|e| AppError::internal(format!("template: {e}")))
}

#[derive(Template)]
#[template(path = "portal/home.html")]
pub struct HomePage {
    pub nav: Nav,
    pub missing_scopes: Vec<&'static str>,
}

/// `GET /kyc`: the portal home, behind the session gate.
pub async fn show_home(
    session: PortalSession,
    state: web::Data<AppState>,
) -> Result<HttpResponse, AppError> {
    // The first launch of an install starts reading its identities in the background.
    crate::web::queue::ensure_first_sync(&state, &session).await?;
    let page = HomePage {
        missing_scopes: missing_scopes(&session.install.scopes()),
        nav: Nav::new(&session, state.clock.now_ts()),
    };
    Ok(html(render(&page)?))
}

pub struct Permission {
    pub scope: &'static str,
    pub granted: bool,
    pub purpose: &'static str,
}

#[derive(Template)]
#[template(path = "portal/install.html")]
pub struct InstallPage {
    pub nav: Nav,
    pub installed_app_id: String,
    pub permissions: Vec<Permission>,
    pub missing_scopes: Vec<&'static str>,
}

/// What each scope is used for, as shown to reviewers.
const SCOPE_PURPOSES: [(&str, &str); 4] = [
    (
        "data:read",
        "reading the ledger's identities for the review queue",
    ),
    (
        "data:write",
        "writing KYC results to each identity's metadata",
    ),
    ("alerts:read", "showing the alerts this app raised"),
    ("alerts:write", "raising and updating alerts in Blnk Cloud"),
];

/// `GET /kyc/install`: the install, its permissions and what each one enables.
pub async fn show_install(
    session: PortalSession,
    state: web::Data<AppState>,
) -> Result<HttpResponse, AppError> {
    let scopes = session.install.scopes();
    let permissions = SCOPE_PURPOSES
        .iter()
        .map(|(scope, purpose)| Permission {
            scope,
            granted: scopes.iter().any(|s| s == scope),
            purpose,
        })
        .collect();
    let page = InstallPage {
        installed_app_id: session.install.installed_app_id.clone(),
        missing_scopes: missing_scopes(&scopes),
        permissions,
        nav: Nav::new(&session, state.clock.now_ts()),
    };
    Ok(html(render(&page)?))
}

#[derive(Template)]
#[template(path = "portal/session_ended.html")]
struct SessionEndedPage;

pub fn session_ended_page() -> Result<HttpResponse, AppError> {
    Ok(html(render(&SessionEndedPage)?))
}

#[derive(Template)]
#[template(path = "landing.html")]
struct LandingPage {
    public_url: String,
    sandbox: bool,
}

/// `GET /`: what this service is and how to register it in Blnk Cloud.
pub async fn show_landing(state: web::Data<AppState>) -> Result<HttpResponse, AppError> {
    let page = LandingPage {
        public_url: state.config.public_link(""),
        sandbox: state.config.sandbox == SandboxMode::On,
    };
    Ok(html(render(&page)?))
}

/// `GET /healthz`: 200 when the database answers, 503 otherwise.
pub async fn check_health(state: web::Data<AppState>) -> HttpResponse {
    let db_ok = db::run(&state.pool, |conn| {
        conn.batch_execute("SELECT 1").map_err(AppError::from)
    })
    .await
    .is_ok();
    let body = serde_json::json!({
        "status": if db_ok { "ok" } else { "unavailable" },
        "database": if db_ok { "ok" } else { "unavailable" },
        "sandbox": state.config.sandbox == SandboxMode::On,
        "version": env!("CARGO_PKG_VERSION"),
    });
    if db_ok {
        HttpResponse::Ok().json(body)
    } else {
        HttpResponse::ServiceUnavailable().json(body)
    }
}
