//! Portal sessions (spec §2): one-time redemption of launch tokens, the session carried in a
//! partitioned cookie or — where the browser blocks third-party cookies — in an `s=` parameter,
//! the [`PortalSession`] extractor that gates every portal page, CSRF protection for forms, and
//! the purge of expired rows.

use std::future::Future;
use std::pin::Pin;

use actix_web::dev::Payload;
use actix_web::http::header::{self, HeaderValue};
use actix_web::http::StatusCode;
use actix_web::{web, FromRequest, HttpMessage, HttpRequest, HttpResponse, ResponseError};
use cookie::{Cookie, SameSite};
use diesel::prelude::*;
use diesel::sqlite::SqliteConnection;

use crate::crypto::{self, Secret};
use crate::db;
use crate::error::AppError;
use crate::lifecycle::installs::{self, Install};
use crate::schema::{launch_tokens, portal_sessions};
use crate::startup::AppState;
use crate::web::request_log;

/// The cookie name. No `__Host-` prefix: Chrome has been seen to refuse prefixed cookies on
/// `http://localhost`, which the sandbox uses.
pub const COOKIE_NAME: &str = "kyc_session";
/// The query parameter that carries the session when the cookie does not come back.
pub const URL_PARAM: &str = "s";
/// Expired rows are kept this long so a late visitor is told "expired" rather than "unknown".
pub const PURGE_GRACE_SECS: i64 = 3600;

/// How the session reached the server on this request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Carrier {
    Cookie,
    /// The `s=` parameter: every link and form on the page must carry it.
    Url,
}

/// A live portal session, resolved from the request. Asking for one in a handler's signature is
/// what gates the handler.
#[derive(Debug, Clone)]
pub struct PortalSession {
    id: Secret,
    pub install: Install,
    pub user_id: Option<String>,
    pub expires_at: i64,
    pub carrier: Carrier,
}

impl PortalSession {
    /// The session id, for building URL-mode links only.
    pub fn id(&self) -> &Secret {
        &self.id
    }

    pub fn csrf_token(&self) -> String {
        crypto::csrf_token_for(self.id.expose())
    }

    /// `path` with the session appended when it travels in URLs.
    pub fn link(&self, path: &str) -> String {
        match self.carrier {
            Carrier::Cookie => path.to_owned(),
            Carrier::Url => with_session_param(path, self.id.expose()),
        }
    }

    /// Checks a form post: the `Origin` header, when sent, must be the app's own origin, and
    /// the form's CSRF token must be this session's.
    pub fn verify_form(
        &self,
        req: &HttpRequest,
        form_token: &str,
        public_origin: &str,
    ) -> Result<(), AppError> {
        verify_origin(req, public_origin)?;
        if crypto::constant_time_eq(form_token, &self.csrf_token()) {
            Ok(())
        } else {
            Err(AppError::forbidden(
                "csrf_token_invalid",
                "This form is out of date or did not come from the app. Reload the page and try again.",
            ))
        }
    }
}

/// Appends `s=<id>` to a path that may already have a query string.
pub fn with_session_param(path: &str, session_id: &str) -> String {
    let sep = if path.contains('?') { '&' } else { '?' };
    format!("{path}{sep}{URL_PARAM}={session_id}")
}

/// `Origin` must be absent (browsers omit it on some same-origin navigations) or the app's origin.
/// `Origin: null` counts as the app's own only when the browser says the request is same-origin
/// (see [`is_same_origin_null`]).
pub fn verify_origin(req: &HttpRequest, public_origin: &str) -> Result<(), AppError> {
    match req.headers().get(header::ORIGIN) {
        None => Ok(()),
        Some(v)
            if v.to_str()
                .map(|o| o.eq_ignore_ascii_case(public_origin))
                .unwrap_or(false) =>
        {
            Ok(())
        }
        Some(_) if is_same_origin_null(req) => Ok(()),
        Some(_) => Err(AppError::forbidden(
            "origin_mismatch",
            "This form was sent from another site and has been refused.",
        )),
    }
}

/// Whether the request carries `Origin: null` from a same-origin form. Pages served with
/// `Referrer-Policy: no-referrer` (every page of this app) make browsers send `Origin: null` even
/// on same-origin form posts (Fetch standard, "serialize a request origin"; seen in Chromium 156);
/// `Sec-Fetch-Site`, which no page script can set, then says whether the form was the site's own.
/// An opaque origin from anywhere else (a sandboxed frame, a `data:` page) comes with
/// `Sec-Fetch-Site: cross-site` and stays refused.
pub fn is_same_origin_null(req: &HttpRequest) -> bool {
    let header_is = |name: &str, value: &str| {
        req.headers()
            .get(name)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.eq_ignore_ascii_case(value))
    };
    header_is("origin", "null") && header_is("sec-fetch-site", "same-origin")
}

/// A fresh session made by redeeming a launch token.
#[derive(Debug)]
pub struct NewSession {
    pub id: Secret,
    pub installed_app_id: String,
    pub expires_at: i64,
}

/// A launch token's row, as redemption reads it.
#[derive(Queryable, Selectable)]
#[diesel(table_name = launch_tokens)]
struct StoredLaunch {
    secret_hash: Vec<u8>,
    installed_app_id: String,
    user_id: Option<String>,
    expires_at: i64,
    redeemed_at: Option<i64>,
}

/// Redeems a launch token once, atomically, and opens a session with the token's expiry.
/// Unknown or used → 401; install inactive → 403; expired → 410.
pub fn redeem_launch_token(
    conn: &mut SqliteConnection,
    token: &str,
    now: i64,
) -> Result<NewSession, AppError> {
    // Not `<id>.<secret>`: no row can match, and nothing is read.
    let Some((token_id, secret)) = crate::lifecycle::launch::split_token(token) else {
        return Err(invalid_link());
    };
    let secret_hash = crypto::hash_token(secret);
    crate::db::immediate(conn, |conn| {
        let row = launch_tokens::table
            .find(token_id)
            .select(StoredLaunch::as_select())
            // A key lookup: no `.first()`, whose `LIMIT ?` makes SQLite plan the statement
            // anew every time (see `installs::find`).
            .load(conn)?
            .pop();
        // A wrong secret for a real id is an unknown token: same answer, nothing changes.
        let Some(StoredLaunch {
            installed_app_id,
            user_id,
            expires_at,
            redeemed_at,
            ..
        }) = row.filter(|r| crypto::constant_time_eq_bytes(&r.secret_hash, &secret_hash))
        else {
            return Err(invalid_link());
        };
        if redeemed_at.is_some() {
            return Err(invalid_link());
        }
        let install = installs::find(conn, &installed_app_id)?;
        if !install.as_ref().is_some_and(Install::is_active) {
            return Err(install_gone());
        }
        if expires_at <= now {
            return Err(AppError::gone(
                "launch_expired",
                "This launch link has expired. Launch links are short-lived and work once.",
            ));
        }
        // The guard on `redeemed_at` makes redemption single-use even if two requests got here.
        let claimed = diesel::update(
            launch_tokens::table
                .find(token_id)
                .filter(launch_tokens::redeemed_at.is_null()),
        )
        .set(launch_tokens::redeemed_at.eq(Some(now)))
        .execute(conn)?;
        if claimed != 1 {
            return Err(invalid_link());
        }
        let id = crypto::random_token().map_err(|e| AppError::internal(e.to_string()))?;
        diesel::insert_into(portal_sessions::table)
            .values((
                portal_sessions::session_hash.eq(crypto::hash_token(id.expose())),
                portal_sessions::installed_app_id.eq(&installed_app_id),
                portal_sessions::user_id.eq(&user_id),
                portal_sessions::created_at.eq(now),
                portal_sessions::expires_at.eq(expires_at),
            ))
            .execute(conn)?;
        crate::kyc::audit_log::note(
            conn,
            &installed_app_id,
            now,
            &crate::kyc::audit_log::actor(user_id.as_deref()),
            "launch",
            None,
            "opened the app from Blnk Cloud",
        )?;
        Ok(NewSession {
            id,
            installed_app_id,
            expires_at,
        })
    })
}

fn invalid_link() -> AppError {
    AppError::unauthorized(
        "launch_invalid",
        "This launch link is not valid or has already been used. Each launch link opens the app once.",
    )
}

fn install_gone() -> AppError {
    AppError::forbidden(
        "install_inactive",
        "The KYC review app has been uninstalled from this Blnk Cloud instance, so this session has ended.",
    )
}

/// Looks a session up by id: unknown → 401, install inactive → 403, expired → 410.
pub fn load_session(
    conn: &mut SqliteConnection,
    session_id: &str,
    now: i64,
) -> Result<(Install, Option<String>, i64), AppError> {
    let row: Option<(String, Option<String>, i64)> = portal_sessions::table
        .find(crypto::hash_token(session_id))
        .select((
            portal_sessions::installed_app_id,
            portal_sessions::user_id,
            portal_sessions::expires_at,
        ))
        .load(conn)?
        .pop();
    let Some((installed_app_id, user_id, expires_at)) = row else {
        return Err(AppError::unauthorized(
            "session_unknown",
            "There is no open session for this page. Sessions start when you launch the app.",
        ));
    };
    let install = match installs::find(conn, &installed_app_id)? {
        Some(i) if i.is_active() => i,
        _ => return Err(install_gone()),
    };
    if expires_at <= now {
        return Err(AppError::gone(
            "session_expired",
            "Your session has ended. For security, sessions last a few minutes after each launch.",
        ));
    }
    Ok((install, user_id, expires_at))
}

/// Ends a session now (the "End session" button).
pub fn end_session(conn: &mut SqliteConnection, session_id: &str, now: i64) -> QueryResult<usize> {
    diesel::update(portal_sessions::table.find(crypto::hash_token(session_id)))
        .set(portal_sessions::expires_at.eq(now))
        .execute(conn)
}

/// Deletes tokens and sessions that expired more than [`PURGE_GRACE_SECS`] ago; returns
/// (tokens, sessions) deleted.
pub fn purge_expired(conn: &mut SqliteConnection, now: i64) -> QueryResult<(usize, usize)> {
    let cutoff = now - PURGE_GRACE_SECS;
    let tokens = diesel::delete(launch_tokens::table.filter(launch_tokens::expires_at.le(cutoff)))
        .execute(conn)?;
    let sessions =
        diesel::delete(portal_sessions::table.filter(portal_sessions::expires_at.le(cutoff)))
            .execute(conn)?;
    Ok((tokens, sessions))
}

/// The `Set-Cookie` value for a session. Built with the `cookie` 0.18 crate because the version
/// re-exported by actix-web cannot write `Partitioned` (CHIPS), which Chrome needs to keep a
/// third-party cookie inside Cloud's iframe.
pub fn session_cookie(session_id: &str, max_age_secs: i64) -> String {
    Cookie::build((COOKIE_NAME, session_id.to_owned()))
        .path("/")
        .secure(true)
        .http_only(true)
        .same_site(SameSite::None)
        .partitioned(true)
        .max_age(cookie::time::Duration::seconds(max_age_secs.max(0)))
        .build()
        .to_string()
}

/// A removal cookie: same name and attributes, or the browser keeps the original.
pub fn removal_cookie() -> String {
    Cookie::build((COOKIE_NAME, ""))
        .path("/")
        .secure(true)
        .http_only(true)
        .same_site(SameSite::None)
        .partitioned(true)
        .max_age(cookie::time::Duration::ZERO)
        .expires(cookie::time::OffsetDateTime::UNIX_EPOCH)
        .build()
        .to_string()
}

/// The session id from the cookie, then from the `s` parameter.
fn carried_ids(req: &HttpRequest) -> (Option<String>, Option<String>) {
    let from_cookie = req
        .cookie(COOKIE_NAME)
        .map(|c| c.value().to_owned())
        .filter(|v| !v.is_empty());
    let from_url = url_param(req.query_string(), URL_PARAM);
    (from_cookie, from_url)
}

fn url_param(query: &str, name: &str) -> Option<String> {
    url::form_urlencoded::parse(query.as_bytes())
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.into_owned())
        .filter(|v| !v.is_empty())
}

/// The query string without the `s` parameter.
fn query_without_session(query: &str) -> String {
    let kept: Vec<(String, String)> = url::form_urlencoded::parse(query.as_bytes())
        .filter(|(k, _)| k != URL_PARAM)
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect();
    url::form_urlencoded::Serializer::new(String::new())
        .extend_pairs(kept)
        .finish()
}

/// Why the extractor did not produce a session: a page error, or a redirect to the same page
/// without `s=` once the cookie is known to work.
#[derive(Debug)]
pub enum SessionRejection {
    Page(AppError),
    CleanUrl(String),
}

impl std::fmt::Display for SessionRejection {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Page(e) => write!(f, "{e}"),
            Self::CleanUrl(_) => write!(f, "redirecting to the page without the session parameter"),
        }
    }
}

impl ResponseError for SessionRejection {
    fn status_code(&self) -> StatusCode {
        match self {
            Self::Page(e) => e.status_code(),
            Self::CleanUrl(_) => StatusCode::SEE_OTHER,
        }
    }

    fn error_response(&self) -> HttpResponse {
        match self {
            Self::Page(e) => e.error_response(),
            Self::CleanUrl(location) => HttpResponse::SeeOther()
                .insert_header((header::LOCATION, location.as_str()))
                .insert_header((header::CACHE_CONTROL, "no-store"))
                .finish(),
        }
    }
}

impl From<AppError> for SessionRejection {
    fn from(e: AppError) -> Self {
        Self::Page(e)
    }
}

impl FromRequest for PortalSession {
    type Error = SessionRejection;
    type Future = Pin<Box<dyn Future<Output = Result<Self, Self::Error>>>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let req = req.clone();
        Box::pin(async move {
            if let Some(cached) = req.extensions().get::<PortalSession>() {
                return Ok(cached.clone());
            }
            let state = req
                .app_data::<web::Data<AppState>>()
                .cloned()
                .ok_or_else(|| AppError::internal("application state missing"))?;
            let (from_cookie, from_url) = carried_ids(&req);
            let now = state.clock.now_ts();

            // The cookie wins when it names a live session; otherwise the URL parameter.
            let mut last_error = None;
            for (id, carrier) in [
                (from_cookie.clone(), Carrier::Cookie),
                (from_url.clone(), Carrier::Url),
            ] {
                let Some(id) = id else { continue };
                let lookup_id = id.clone();
                match db::run(&state.pool, move |conn| load_session(conn, &lookup_id, now)).await {
                    Ok((install, user_id, expires_at)) => {
                        if carrier == Carrier::Cookie
                            && from_url.is_some()
                            && req.method() == actix_web::http::Method::GET
                        {
                            // The cookie came back: drop the session id from the address bar.
                            let query = query_without_session(req.query_string());
                            let location = if query.is_empty() {
                                req.path().to_owned()
                            } else {
                                format!("{}?{query}", req.path())
                            };
                            return Err(SessionRejection::CleanUrl(location));
                        }
                        let session = PortalSession {
                            id: Secret::new(id),
                            install,
                            user_id,
                            expires_at,
                            carrier,
                        };
                        req.extensions_mut().insert(session.clone());
                        return Ok(session);
                    }
                    Err(e) => last_error = Some(e),
                }
            }
            Err(last_error
                .unwrap_or_else(|| {
                    AppError::unauthorized(
                        "session_missing",
                        "This page needs a session. Sessions start when you launch the app from Blnk Cloud.",
                    )
                })
                .into())
        })
    }
}

/// `GET /portal?token=…`: redeem the launch token, set the cookie, and redirect to the home page
/// with the session id in the URL once; the next request shows whether the cookie came back
/// (then the URL is cleaned) or not (then the session keeps travelling in links).
pub async fn redeem_portal(
    req: HttpRequest,
    state: web::Data<AppState>,
) -> Result<HttpResponse, AppError> {
    let Some(token) = url_param(req.query_string(), "token") else {
        return Err(AppError::bad_request(
            "launch_token_missing",
            "This address needs a launch token. Open the app from Blnk Cloud with Launch app.",
        ));
    };
    let now = state.clock.now_ts();
    let session = db::write(&state.pool, move |conn| {
        redeem_launch_token(conn, &token, now)
    })
    .await?;
    let cookie = session_cookie(session.id.expose(), session.expires_at - now);
    let mut resp = HttpResponse::SeeOther()
        .insert_header((
            header::LOCATION,
            with_session_param("/kyc", session.id.expose()),
        ))
        .finish();
    if let Ok(v) = HeaderValue::from_str(&cookie) {
        resp.headers_mut().append(header::SET_COOKIE, v);
    }
    Ok(request_log::with_detail(
        resp,
        format!(
            "portal session opened installed_app_id={}",
            session.installed_app_id
        ),
    ))
}

#[derive(Debug, serde::Deserialize)]
pub struct EndSessionForm {
    pub csrf: String,
}

/// `POST /kyc/session/end`: ends the session and clears the cookie.
pub async fn end_portal_session(
    req: HttpRequest,
    session: PortalSession,
    form: web::Form<EndSessionForm>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, AppError> {
    session.verify_form(&req, &form.csrf, &state.config.public_origin())?;
    let now = state.clock.now_ts();
    let id = session.id().expose().to_owned();
    db::write(&state.pool, move |conn| Ok(end_session(conn, &id, now)?)).await?;
    let mut resp = crate::web::pages::session_ended_page()?;
    if let Ok(v) = HeaderValue::from_str(&removal_cookie()) {
        resp.headers_mut().append(header::SET_COOKIE, v);
    }
    Ok(resp)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn session_cookie_has_every_attribute_the_iframe_needs() {
        let c = session_cookie("abc", 900);
        for part in [
            "kyc_session=abc",
            "Path=/",
            "Secure",
            "HttpOnly",
            "SameSite=None",
            "Partitioned",
            "Max-Age=900",
        ] {
            assert!(c.contains(part), "{c} lacks {part}");
        }
        let r = removal_cookie();
        for part in [
            "kyc_session=",
            "Path=/",
            "Secure",
            "HttpOnly",
            "SameSite=None",
            "Partitioned",
            "Max-Age=0",
        ] {
            assert!(r.contains(part), "{r} lacks {part}");
        }
    }

    #[test]
    fn links_carry_the_session_only_in_url_mode() {
        assert_eq!(with_session_param("/kyc", "X"), "/kyc?s=X");
        assert_eq!(with_session_param("/kyc?page=2", "X"), "/kyc?page=2&s=X");
        assert_eq!(query_without_session("s=X&page=2"), "page=2");
        assert_eq!(query_without_session("s=X"), "");
        assert_eq!(url_param("a=1&token=t%2B", "token").as_deref(), Some("t+"));
        assert_eq!(url_param("token=", "token"), None);
    }
}
