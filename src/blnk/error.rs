//! What can go wrong talking to Cloud, as types the rest of the app can act on.

use crate::error::AppError;

/// A failed Cloud call. Messages are written for reviewers: they never carry raw upstream text
/// beyond Core's own `error_detail.message`, and never the key.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum CloudError {
    /// The install was not granted the scope this call needs; checked before any request.
    #[error("This install was not granted the `{scope}` permission, so the app cannot do this.")]
    MissingScope { scope: &'static str },
    /// Cloud refused the key (401) or the instance/scope (403): the install is no longer usable.
    #[error("Blnk Cloud no longer accepts this install's key (HTTP {status}); reinstall the app from Blnk Cloud.")]
    InstallUnusable { status: u16, code: Option<String> },
    /// Core answered `IDT_NOT_FOUND` or another 404.
    #[error("Not found in the ledger: {message}")]
    NotFound { code: String, message: String },
    /// Core rejected the request itself (400 / 409 / other 4xx); retrying will not help.
    #[error("The ledger rejected the request ({code}): {message}")]
    Rejected {
        status: u16,
        code: String,
        message: String,
    },
    /// 429, 423 or 5xx still failing after every retry.
    #[error(
        "Blnk Cloud is unavailable (HTTP {status}) after {attempts} attempts; try again shortly."
    )]
    Unavailable { status: u16, attempts: u32 },
    /// Connect failure or timeout still failing after every retry.
    #[error("Blnk Cloud could not be reached ({reason}) after {attempts} attempts.")]
    Network { reason: String, attempts: u32 },
    /// Cloud answered 2xx with a body that is not the documented shape.
    #[error("Blnk Cloud sent an answer the app does not understand: {0}")]
    BadResponse(String),
}

impl CloudError {
    /// Whether a later retry (e.g. by the outbox) may succeed.
    pub fn is_transient(&self) -> bool {
        matches!(self, Self::Unavailable { .. } | Self::Network { .. })
    }

    /// A short machine code for logs, outbox rows and JSON errors.
    pub fn code(&self) -> &'static str {
        match self {
            Self::MissingScope { .. } => "missing_scope",
            Self::InstallUnusable { .. } => "install_unusable",
            Self::NotFound { .. } => "not_found",
            Self::Rejected { .. } => "rejected",
            Self::Unavailable { .. } => "cloud_unavailable",
            Self::Network { .. } => "cloud_unreachable",
            Self::BadResponse(_) => "bad_response",
        }
    }
}

impl From<CloudError> for AppError {
    fn from(e: CloudError) -> Self {
        let code = e.code();
        let message = e.to_string();
        match e {
            CloudError::MissingScope { .. } | CloudError::InstallUnusable { .. } => {
                AppError::forbidden(code, message)
            }
            CloudError::NotFound { .. } => AppError::not_found(code, message),
            CloudError::Rejected { .. } => AppError::conflict(code, message),
            CloudError::Unavailable { .. }
            | CloudError::Network { .. }
            | CloudError::BadResponse(_) => AppError::Cloud { message },
        }
    }
}
