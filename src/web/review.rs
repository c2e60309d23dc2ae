//! What reviewers submit from the identity page: decisions, verdicts on hits, retrying failed
//! writes to Blnk; and the identity's audit trail as CSV. Every form carries the CSRF token;
//! a refused submission shows the identity page again with the reason (409 or 400) and the
//! reviewer's note kept.

use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse, ResponseError};
use serde::Deserialize;

use crate::db;
use crate::error::AppError;
use crate::kyc::audit;
use crate::kyc::audit_log;
use crate::kyc::cases::{self, CaseError, DecisionInput, HitInput};
use crate::kyc::decisions::Action;
use crate::lifecycle::sessions::PortalSession;
use crate::startup::AppState;
use crate::web::identity::{identity_path, page_response, valid_identity_id, PageMode};
use crate::web::queue::csv_attachment;
use crate::writeback;

#[derive(Deserialize)]
pub struct DecisionForm {
    pub csrf: String,
    pub action: String,
    #[serde(default)]
    pub reason_code: String,
    #[serde(default)]
    pub note: String,
    pub version: i64,
    pub content_hash: String,
}

#[derive(Deserialize)]
pub struct HitForm {
    pub csrf: String,
    pub entity_id: String,
    pub verdict: String,
    #[serde(default)]
    pub note: String,
    pub version: i64,
}

#[derive(Deserialize)]
pub struct CsrfForm {
    pub csrf: String,
}

fn back_to(session: &PortalSession, identity_id: &str) -> HttpResponse {
    HttpResponse::SeeOther()
        .insert_header(("location", session.link(&identity_path(identity_id))))
        .finish()
}

/// A refused change: not-found stays an error page; the rest re-render the identity page.
async fn refused(
    state: &web::Data<AppState>,
    session: &PortalSession,
    identity_id: String,
    error: CaseError,
    draft_note: String,
) -> Result<HttpResponse, AppError> {
    let app_error: AppError = error.into();
    let status = app_error.status_code();
    if status == StatusCode::NOT_FOUND && app_error.code() == "identity_not_found" {
        return Err(app_error);
    }
    if status.is_server_error() {
        return Err(app_error);
    }
    page_response(
        state,
        session,
        identity_id,
        PageMode::Refused {
            status,
            message: app_error.to_string(),
            draft_note,
        },
    )
    .await
}

/// `POST /kyc/identities/{id}/decision`.
pub async fn submit_decision(
    req: HttpRequest,
    session: PortalSession,
    state: web::Data<AppState>,
    path: web::Path<String>,
    form: web::Form<DecisionForm>,
) -> Result<HttpResponse, AppError> {
    let identity_id = path.into_inner();
    valid_identity_id(&identity_id)?;
    session.verify_form(&req, &form.csrf, &state.config.public_origin())?;
    let form = form.into_inner();
    let action: Action =
        form.action
            .parse()
            .map_err(|e: crate::kyc::decisions::UnknownAction| {
                AppError::bad_request("invalid_action", e.to_string())
            })?;
    let input = DecisionInput {
        identity_id: identity_id.clone(),
        action,
        reason_code: Some(form.reason_code.clone()).filter(|r| !r.trim().is_empty()),
        note: form.note.clone(),
        expected_version: form.version,
        expected_hash: form.content_hash.clone(),
        reviewer: session.user_id.clone(),
    };
    let st = state.clone();
    let install = session.install.clone();
    let result = db::write(&state.pool, move |conn| {
        Ok(cases::decide(conn, &st.case_context(&install), &input))
    })
    .await?;
    match result {
        Ok(_) => {
            state.outbox_wake.notify_one();
            Ok(back_to(&session, &identity_id))
        }
        Err(e) => refused(&state, &session, identity_id, e, form.note).await,
    }
}

/// `POST /kyc/identities/{id}/hits`: confirm or dismiss one hit.
pub async fn submit_hit_verdict(
    req: HttpRequest,
    session: PortalSession,
    state: web::Data<AppState>,
    path: web::Path<String>,
    form: web::Form<HitForm>,
) -> Result<HttpResponse, AppError> {
    let identity_id = path.into_inner();
    valid_identity_id(&identity_id)?;
    session.verify_form(&req, &form.csrf, &state.config.public_origin())?;
    let form = form.into_inner();
    let input = HitInput {
        identity_id: identity_id.clone(),
        entity_id: form.entity_id.clone(),
        verdict: form.verdict.clone(),
        note: form.note.clone(),
        expected_version: form.version,
        reviewer: session.user_id.clone(),
    };
    let st = state.clone();
    let install = session.install.clone();
    let result = db::write(&state.pool, move |conn| {
        Ok(cases::review_hit(conn, &st.case_context(&install), &input))
    })
    .await?;
    match result {
        Ok(()) => Ok(back_to(&session, &identity_id)),
        Err(e) => refused(&state, &session, identity_id, e, form.note).await,
    }
}

/// `POST /kyc/identities/{id}/writeback/retry`: failed (and waiting) writes go again now.
pub async fn retry_writes(
    req: HttpRequest,
    session: PortalSession,
    state: web::Data<AppState>,
    path: web::Path<String>,
    form: web::Form<CsrfForm>,
) -> Result<HttpResponse, AppError> {
    let identity_id = path.into_inner();
    valid_identity_id(&identity_id)?;
    session.verify_form(&req, &form.csrf, &state.config.public_origin())?;
    let (app, iid) = (
        session.install.installed_app_id.clone(),
        identity_id.clone(),
    );
    let now = state.clock.now_ts();
    let actor = audit_log::actor(session.user_id.as_deref());
    db::write(&state.pool, move |conn| {
        if crate::kyc::index::find(conn, &app, &iid)?.is_none() {
            return Err(AppError::not_found(
                "identity_not_found",
                "There is no identity with this id in this install's ledger.",
            ));
        }
        crate::db::immediate(conn, |c| {
            let n = writeback::retry_failed(c, &app, &iid, now)?;
            if n > 0 {
                audit_log::note(
                    c,
                    &app,
                    now,
                    &actor,
                    "write_back_retry",
                    Some(&iid),
                    format!("asked to retry {n} write(s) to Blnk"),
                )?;
            }
            diesel::QueryResult::Ok(())
        })?;
        Ok(())
    })
    .await?;
    state.outbox_wake.notify_one();
    Ok(back_to(&session, &identity_id))
}

/// `GET /kyc/identities/{id}/audit.csv`: the identity's events; the export is recorded first.
pub async fn export_identity_audit(
    session: PortalSession,
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let identity_id = path.into_inner();
    valid_identity_id(&identity_id)?;
    let (app, iid) = (
        session.install.installed_app_id.clone(),
        identity_id.clone(),
    );
    let now = state.clock.now_ts();
    let actor = audit_log::actor(session.user_id.as_deref());
    let events = db::write(&state.pool, move |conn| {
        if crate::kyc::index::find(conn, &app, &iid)?.is_none() {
            return Err(AppError::not_found(
                "identity_not_found",
                "There is no identity with this id in this install's ledger.",
            ));
        }
        crate::db::immediate(conn, |c| {
            audit_log::note(
                c,
                &app,
                now,
                &actor,
                "export",
                Some(&iid),
                "exported the identity's audit trail as CSV",
            )
        })?;
        Ok(audit_log::events_of(conn, &app, &iid)?)
    })
    .await?;
    Ok(csv_attachment(
        "kyc-audit-identity",
        &state,
        audit::to_csv(&events),
    ))
}
