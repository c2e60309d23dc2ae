//! The Blnk Cloud API client (contract §6): one typed client over reqwest for the Data, Filters,
//! Proxy and Alerts endpoints. It carries an install's decrypted key and `instance_id`, checks the
//! granted scope before every call, retries only what is worth retrying (network errors, 429, 423,
//! 5xx) with backoff and jitter, and turns Cloud's answers into typed errors. The key never leaves
//! this module: it is not in any error, log line or `Debug` output.

mod client;
mod error;
mod retry;

pub use client::{Alert, AlertPatch, CloudClient, CloudSession, IdentityPage, Timeouts};
pub use error::CloudError;
pub use retry::RetryPolicy;

/// The scopes of the contract (§2).
pub mod scopes {
    pub const DATA_READ: &str = "data:read";
    pub const DATA_WRITE: &str = "data:write";
    pub const ALERTS_READ: &str = "alerts:read";
    pub const ALERTS_WRITE: &str = "alerts:write";
}
