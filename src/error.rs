//! One error type for the whole app. `Display` is the public message; causes of 5xx are logged,
//! never shown. Pages render `error.html`; JSON routes wrap the error in [`ApiError`] and answer
//! `{"error": "<code>", "message": "<human text>"}`.

use actix_web::http::header::{ContentType, CACHE_CONTROL};
use actix_web::http::StatusCode;
use actix_web::{HttpResponse, ResponseError};
use askama::Template;

#[derive(Debug, thiserror::Error)]
pub enum AppError {
    #[error("{message}")]
    BadRequest { code: &'static str, message: String },
    #[error("{message}")]
    Unauthorized { code: &'static str, message: String },
    #[error("{message}")]
    Forbidden { code: &'static str, message: String },
    #[error("{message}")]
    NotFound { code: &'static str, message: String },
    #[error("{message}")]
    Conflict { code: &'static str, message: String },
    #[error("{message}")]
    Gone { code: &'static str, message: String },
    #[error("{message}")]
    PayloadTooLarge { message: String },
    #[error("{message}")]
    UnsupportedMediaType { message: String },
    #[error("{message}")]
    TooManyRequests { message: String },
    /// Blnk Cloud failed or answered something unusable; the message says what, for people.
    #[error("{message}")]
    Cloud { message: String },
    /// The database or a dependency is momentarily unavailable; the cause is logged.
    #[error("The service is busy right now; please try again in a moment.")]
    Unavailable(String),
    /// A bug or an unexpected failure; the cause is logged.
    #[error("Something went wrong on our side. It has been logged; please try again.")]
    Internal(String),
}

impl AppError {
    pub fn bad_request(code: &'static str, message: impl Into<String>) -> Self {
        Self::BadRequest {
            code,
            message: message.into(),
        }
    }
    pub fn unauthorized(code: &'static str, message: impl Into<String>) -> Self {
        Self::Unauthorized {
            code,
            message: message.into(),
        }
    }
    pub fn forbidden(code: &'static str, message: impl Into<String>) -> Self {
        Self::Forbidden {
            code,
            message: message.into(),
        }
    }
    pub fn not_found(code: &'static str, message: impl Into<String>) -> Self {
        Self::NotFound {
            code,
            message: message.into(),
        }
    }
    pub fn conflict(code: &'static str, message: impl Into<String>) -> Self {
        Self::Conflict {
            code,
            message: message.into(),
        }
    }
    pub fn gone(code: &'static str, message: impl Into<String>) -> Self {
        Self::Gone {
            code,
            message: message.into(),
        }
    }
    pub fn internal(cause: impl Into<String>) -> Self {
        Self::Internal(cause.into())
    }

    pub fn code(&self) -> &'static str {
        match self {
            Self::BadRequest { code, .. }
            | Self::Unauthorized { code, .. }
            | Self::Forbidden { code, .. }
            | Self::NotFound { code, .. }
            | Self::Conflict { code, .. }
            | Self::Gone { code, .. } => code,
            Self::PayloadTooLarge { .. } => "payload_too_large",
            Self::UnsupportedMediaType { .. } => "unsupported_media_type",
            Self::TooManyRequests { .. } => "rate_limited",
            Self::Cloud { .. } => "cloud_error",
            Self::Unavailable(_) => "unavailable",
            Self::Internal(_) => "internal_error",
        }
    }

    fn status(&self) -> StatusCode {
        match self {
            Self::BadRequest { .. } => StatusCode::BAD_REQUEST,
            Self::Unauthorized { .. } => StatusCode::UNAUTHORIZED,
            Self::Forbidden { .. } => StatusCode::FORBIDDEN,
            Self::NotFound { .. } => StatusCode::NOT_FOUND,
            Self::Conflict { .. } => StatusCode::CONFLICT,
            Self::Gone { .. } => StatusCode::GONE,
            Self::PayloadTooLarge { .. } => StatusCode::PAYLOAD_TOO_LARGE,
            Self::UnsupportedMediaType { .. } => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            Self::TooManyRequests { .. } => StatusCode::TOO_MANY_REQUESTS,
            Self::Cloud { .. } => StatusCode::BAD_GATEWAY,
            Self::Unavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
            Self::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn log_cause(&self) {
        match self {
            Self::Internal(cause) => log::error!("internal error: {cause}"),
            Self::Unavailable(cause) => log::warn!("service unavailable: {cause}"),
            Self::Cloud { message } => log::warn!("Blnk Cloud: {message}"),
            _ => {}
        }
    }

    /// The heading of the HTML error page.
    fn title(&self) -> &'static str {
        match self {
            Self::Unauthorized { .. } => "This link is not valid",
            Self::Gone { .. } => "This session has expired",
            Self::Forbidden { .. } => "Access refused",
            Self::NotFound { .. } => "Not found",
            Self::Conflict { .. } => "Not possible right now",
            Self::Unavailable(_) => "Busy",
            Self::Cloud { .. } => "Blnk Cloud did not answer properly",
            Self::Internal(_) => "Something went wrong",
            _ => "Request refused",
        }
    }

    /// Whether the way forward is to relaunch the app from Blnk Cloud.
    fn relaunch_hint(&self) -> bool {
        matches!(self, Self::Unauthorized { .. } | Self::Gone { .. })
            || matches!(self, Self::Forbidden { code, .. } if code.starts_with("session") || code.starts_with("install"))
    }
}

impl From<diesel::result::Error> for AppError {
    fn from(e: diesel::result::Error) -> Self {
        let text = e.to_string();
        if text.contains("database is locked") || text.contains("database is busy") {
            AppError::Unavailable(text)
        } else {
            AppError::Internal(format!("database: {text}"))
        }
    }
}

#[derive(Template)]
#[template(path = "error.html")]
struct ErrorPage<'a> {
    status: u16,
    title: &'a str,
    message: String,
    relaunch: bool,
}

impl ResponseError for AppError {
    fn status_code(&self) -> StatusCode {
        self.status()
    }

    fn error_response(&self) -> HttpResponse {
        self.log_cause();
        let page = ErrorPage {
            status: self.status().as_u16(),
            title: self.title(),
            message: self.to_string(),
            relaunch: self.relaunch_hint(),
        };
        let body = page
            .render()
            .unwrap_or_else(|_| format!("{} {}", self.status().as_u16(), self.title()));
        HttpResponse::build(self.status())
            .content_type(ContentType::html())
            .insert_header((CACHE_CONTROL, "no-store"))
            .body(body)
    }
}

/// An [`AppError`] answered as JSON, for the machine routes (`/api/*`).
#[derive(Debug, thiserror::Error)]
#[error(transparent)]
pub struct ApiError(#[from] pub AppError);

#[derive(serde::Serialize)]
struct ErrorBody<'a> {
    error: &'a str,
    message: String,
}

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        self.0.status()
    }

    fn error_response(&self) -> HttpResponse {
        self.0.log_cause();
        HttpResponse::build(self.0.status())
            .insert_header((CACHE_CONTROL, "no-store"))
            .json(ErrorBody {
                error: self.0.code(),
                message: self.0.to_string(),
            })
    }
}

impl From<diesel::result::Error> for ApiError {
    fn from(e: diesel::result::Error) -> Self {
        ApiError(e.into())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use actix_web::body::MessageBody;

    fn body_text(resp: HttpResponse) -> String {
        let bytes = resp.into_body().try_into_bytes().unwrap_or_default();
        String::from_utf8_lossy(&bytes).into_owned()
    }

    #[test]
    fn json_errors_have_code_and_message() {
        let e = ApiError(AppError::bad_request(
            "invalid_payload",
            "field `x` is wrong",
        ));
        let resp = e.error_response();
        assert_eq!(resp.status(), StatusCode::BAD_REQUEST);
        let v: serde_json::Value = serde_json::from_str(&body_text(resp)).unwrap();
        assert_eq!(v["error"], "invalid_payload");
        assert_eq!(v["message"], "field `x` is wrong");
    }

    #[test]
    fn internal_causes_are_not_shown() {
        let e = ApiError(AppError::internal("disk /secret/path failed"));
        let text = body_text(e.error_response());
        assert!(!text.contains("/secret/path"));
        assert!(text.contains("internal_error"));
        let page = body_text(AppError::internal("disk /secret/path failed").error_response());
        assert!(!page.contains("/secret/path"));
    }

    #[test]
    fn html_error_pages_escape_the_message() {
        let page =
            body_text(AppError::bad_request("x", "<script>alert(1)</script>").error_response());
        assert!(!page.contains("<script>alert(1)"));
        assert!(
            page.contains("&lt;script") || page.contains("&#60;script"),
            "{page}"
        );
    }

    #[test]
    fn every_status_maps() {
        let cases = [
            (AppError::bad_request("a", "m"), 400),
            (AppError::unauthorized("a", "m"), 401),
            (AppError::forbidden("a", "m"), 403),
            (AppError::not_found("a", "m"), 404),
            (AppError::conflict("a", "m"), 409),
            (AppError::gone("a", "m"), 410),
            (
                AppError::PayloadTooLarge {
                    message: "m".into(),
                },
                413,
            ),
            (
                AppError::UnsupportedMediaType {
                    message: "m".into(),
                },
                415,
            ),
            (AppError::Unavailable("c".into()), 503),
            (AppError::internal("c"), 500),
        ];
        for (e, status) in cases {
            assert_eq!(e.status_code().as_u16(), status, "{e:?}");
        }
    }
}
