//! The request log: ONE line per request, written by actix's `Logger` when the response has
//! gone, e.g. `POST /api/callback 200 11 0.913000ms installed_app_id=… outcome=Installed`.
//!
//! A handler with something worth logging (which install, what happened) attaches it to its
//! response with [`with_detail`] instead of writing a line of its own: at 20k requests a second,
//! a second line per request cost as much CPU as the handler's own work.
//!
//! `%U` is the path without the query string, so launch tokens and `s=` never reach the log.

use actix_web::dev::ServiceResponse;
use actix_web::middleware::Logger;
use actix_web::HttpResponse;

/// Words a handler adds to its request's log line (never a secret).
struct LogDetail(String);

/// Adds `detail` to the end of the response's request log line.
pub fn with_detail(mut resp: HttpResponse, detail: String) -> HttpResponse {
    resp.extensions_mut().insert(LogDetail(detail));
    resp
}

fn detail_of(res: &ServiceResponse) -> String {
    res.response()
        .extensions()
        .get::<LogDetail>()
        .map(|d| format!(" {}", d.0))
        .unwrap_or_default()
}

/// The middleware: method, path, status, body size, server time, then the handler's detail.
pub fn logger() -> Logger {
    Logger::new("%{method}xi %U %s %b %Dms%{detail}xo")
        .custom_request_replace("method", |req| req.method().to_string())
        .custom_response_replace("detail", detail_of)
}
