//! Security headers (spec §2.8). Portal pages live inside Cloud's iframe, so framing is governed
//! by CSP `frame-ancestors` alone: `X-Frame-Options` would forbid the iframe and is never sent.

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{self, HeaderValue};
use actix_web::middleware::Next;
use actix_web::web;

use crate::startup::AppState;

pub async fn security_headers(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let is_static = req.path().starts_with("/static/");
    let csp = req
        .app_data::<web::Data<AppState>>()
        .map(|s| s.portal_csp());
    let mut res = next.call(req).await?;
    let h = res.headers_mut();
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    h.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    h.remove(header::X_FRAME_OPTIONS);
    if !is_static {
        h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    if !h.contains_key(header::CONTENT_SECURITY_POLICY) {
        if let Some(v) = csp.and_then(|c| HeaderValue::from_str(&c).ok()) {
            h.insert(header::CONTENT_SECURITY_POLICY, v);
        }
    }
    Ok(res)
}
