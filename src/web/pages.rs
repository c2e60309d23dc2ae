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

    /// A link to `path` that keeps the session in URL mode.
    pub fn link(&self, path: &str) -> String {
        self.session.link(path)
    }
}

fn html(body: String) -> HttpResponse {
    HttpResponse::Ok()
        .content_type(ContentType::html())
        .body(body)
}

fn render(t: &impl Template) -> Result<String, AppError> {
    t.render()
        .map_err(|e| AppError::internal(format!("template: {e}")))
}

#[derive(Template)]
#[template(path = "portal/home.html")]
pub struct HomePage {
    pub nav: Nav,
    pub installed_app_id: String,
    pub scopes: Vec<String>,
    pub missing_scopes: Vec<&'static str>,
}

/// `GET /kyc`: the portal home, behind the session gate.
pub async fn show_home(
    session: PortalSession,
    state: web::Data<AppState>,
) -> Result<HttpResponse, AppError> {
    let now = state.clock.now_ts();
    let scopes = session.install.scopes();
    let page = HomePage {
        installed_app_id: session.install.installed_app_id.clone(),
        missing_scopes: missing_scopes(&scopes),
        scopes,
        nav: Nav::new(&session, now),
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
