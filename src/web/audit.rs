//! The audit log page: whether the install's hash chain is intact (or where it breaks), the
//! latest events, and the CSV export of the whole chain (the export is itself audited).

use actix_web::{web, HttpResponse};
use askama::Template;

use crate::db;
use crate::error::AppError;
use crate::kyc::audit::{self, AuditEvent};
use crate::kyc::audit_log;
use crate::lifecycle::sessions::PortalSession;
use crate::startup::AppState;
use crate::web::pages::{html, render, Nav};
use crate::web::queue::csv_attachment;

/// Events shown on the page (newest first); the CSV has all of them.
const SHOWN: usize = 200;

pub struct EventView {
    pub seq: i64,
    pub at: String,
    pub actor: String,
    pub kind: String,
    pub identity_id: String,
    pub detail: String,
    pub hash: String,
}

#[derive(Template)]
#[template(path = "kyc/audit.html")]
pub struct AuditPage {
    pub nav: Nav,
    pub intact: bool,
    pub verdict: String,
    pub total: usize,
    pub events: Vec<EventView>,
    pub csv_link: String,
}

fn view(e: &AuditEvent) -> EventView {
    EventView {
        seq: e.seq,
        at: chrono::DateTime::from_timestamp(e.at, 0)
            .map(|d| d.format("%Y-%m-%d %H:%M:%S UTC").to_string())
            .unwrap_or_default(),
        actor: e.actor.clone(),
        kind: e.kind.clone(),
        identity_id: e.identity_id.clone().unwrap_or_default(),
        detail: e.detail.clone(),
        hash: e.hash.chars().take(12).collect(),
    }
}

/// `GET /kyc/audit`.
pub async fn show_audit(
    session: PortalSession,
    state: web::Data<AppState>,
) -> Result<HttpResponse, AppError> {
    let id = session.install.installed_app_id.clone();
    let events = db::run(&state.pool, move |conn| Ok(audit_log::chain(conn, &id)?)).await?;
    let check = audit::verify(&session.install.installed_app_id, &events);
    let nav = Nav::new(&session, state.clock.now_ts());
    let page = AuditPage {
        intact: check.is_ok(),
        verdict: match &check {
            Ok(n) => format!("Chain intact: all {n} events verify."),
            Err(b) => format!("Chain broken: {b}."),
        },
        total: events.len(),
        events: events.iter().rev().take(SHOWN).map(view).collect(),
        csv_link: nav.link("/kyc/audit.csv"),
        nav,
    };
    Ok(html(render(&page)?))
}

/// `GET /kyc/audit.csv`: the whole chain; the export is recorded first, so it is in the file.
pub async fn export_audit_csv(
    session: PortalSession,
    state: web::Data<AppState>,
) -> Result<HttpResponse, AppError> {
    let id = session.install.installed_app_id.clone();
    let now = state.clock.now_ts();
    let actor = audit_log::actor(session.user_id.as_deref());
    let events = db::write(&state.pool, move |conn| {
        crate::db::immediate(conn, |c| {
            audit_log::note(
                c,
                &id,
                now,
                &actor,
                "export",
                None,
                "exported the audit log as CSV",
            )
        })?;
        Ok(audit_log::chain(conn, &id)?)
    })
    .await?;
    Ok(csv_attachment("kyc-audit", &state, audit::to_csv(&events)))
}
