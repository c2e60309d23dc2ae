//! The route table: every URL the app answers, in one place.

use actix_web::{web, HttpRequest};

use crate::error::{ApiError, AppError};
use crate::lifecycle::{callback, launch, sessions};
use crate::sandbox::{self, faults};
use crate::startup::static_dir;
use crate::web::{audit, identity, pages, queue, review};
use actix_web::middleware::from_fn;

/// Largest form body accepted from portal pages.
const FORM_LIMIT: usize = 64 * 1024;

/// The app's routes; the sandbox's only when it is on (otherwise `/sandbox` is a 404).
pub fn configure(cfg: &mut web::ServiceConfig, sandbox_on: bool) {
    if sandbox_on {
        cfg.service(
            web::scope("/sandbox/api")
                .wrap(from_fn(faults::inject_faults))
                .configure(sandbox::api::configure),
        )
        .service(web::scope("/sandbox").configure(sandbox::dashboard::configure));
    }
    cfg.app_data(
        web::FormConfig::default()
            .limit(FORM_LIMIT)
            .error_handler(|err, _req| form_error(err).into()),
    )
    .app_data(web::QueryConfig::default().error_handler(|err, _req| {
        AppError::bad_request("invalid_query", format!("bad query parameters: {err}")).into()
    }))
    .route("/", web::get().to(pages::show_landing))
    .route("/healthz", web::get().to(pages::check_health))
    // Blnk Cloud → app (JSON)
    .route("/api/callback", web::post().to(callback::receive_callback))
    .route("/api/portal", web::post().to(launch::generate_portal))
    // The browser, inside Cloud's iframe
    .route("/portal", web::get().to(sessions::redeem_portal))
    .route("/kyc", web::get().to(pages::show_home))
    .route("/kyc/install", web::get().to(pages::show_install))
    .route("/kyc/queue", web::get().to(queue::show_queue))
    .route("/kyc/queue.csv", web::get().to(queue::export_queue_csv))
    .route("/kyc/sync", web::post().to(queue::start_sync))
    .route("/kyc/jobs", web::get().to(queue::show_jobs))
    .route("/kyc/audit", web::get().to(audit::show_audit))
    .route("/kyc/audit.csv", web::get().to(audit::export_audit_csv))
    .route(
        "/kyc/identities/{identity_id}",
        web::get().to(identity::show_identity),
    )
    .route(
        "/kyc/identities/{identity_id}/decision",
        web::post().to(review::submit_decision),
    )
    .route(
        "/kyc/identities/{identity_id}/hits",
        web::post().to(review::submit_hit_verdict),
    )
    .route(
        "/kyc/identities/{identity_id}/writeback/retry",
        web::post().to(review::retry_writes),
    )
    .route(
        "/kyc/identities/{identity_id}/audit.csv",
        web::get().to(review::export_identity_audit),
    )
    .route(
        "/kyc/session/end",
        web::post().to(sessions::end_portal_session),
    )
    .service(actix_files::Files::new("/static", static_dir()))
    .default_service(web::to(not_found));
}

/// A form that could not be read: too large → 413 and not a form → 415, as on the JSON routes;
/// anything else (missing or mistyped fields, duplicates) → 400.
fn form_error(err: actix_web::error::UrlencodedError) -> AppError {
    use actix_web::error::UrlencodedError;
    match err {
        UrlencodedError::Overflow { .. } => AppError::PayloadTooLarge {
            message: format!(
                "The form is larger than {} KiB and was not read.",
                FORM_LIMIT / 1024
            ),
        },
        UrlencodedError::ContentType => AppError::UnsupportedMediaType {
            message: "Send this form as application/x-www-form-urlencoded, as the page does."
                .into(),
        },
        other => AppError::bad_request(
            "invalid_form",
            format!("the form could not be read: {other}"),
        ),
    }
}

async fn not_found(req: HttpRequest) -> actix_web::HttpResponse {
    use actix_web::ResponseError;
    let e = AppError::not_found("not_found", "There is no page at this address.");
    if req.path().starts_with("/api/") {
        ApiError(e).error_response()
    } else {
        e.error_response()
    }
}
