//! The sandbox: a local stand-in for Blnk Cloud in the same binary (spec §4). It serves the
//! documented Cloud API under `/sandbox/api` (`api`), with fault knobs (`faults`), keeps its state
//! in its own tables (`store`), seeds deterministic identities (`seed`) or loads a user's file
//! (`identities_file`), and plays the Cloud dashboard at `/sandbox` (`dashboard`): install,
//! launch in a cross-site iframe, uninstall, alerts and metadata.

pub mod api;
pub mod dashboard;
pub mod faults;
pub mod identities_file;
pub mod query;
pub mod seed;
pub mod store;

use std::sync::Mutex;

use serde_json::Value;

use crate::error::AppError;
use faults::Faults;

/// The fixed seed of the generated identities: every run shows the same ledger.
pub const SEED: u64 = 20_261_124;
/// How many identities a new sandbox instance gets.
pub const SEED_COUNT: usize = 300;
/// The instance created on first start, so the dashboard is usable at once.
pub const DEFAULT_INSTANCE: &str = "inst_sandbox";

/// Runtime state of the sandbox (present in `AppState` only when the sandbox is on).
pub struct SandboxState {
    faults: Mutex<Faults>,
    /// Client for the sandbox's own calls to the app (install events, portal requests).
    pub http: reqwest::Client,
    /// Where the sandbox reaches the app, server to server (`http://127.0.0.1:PORT`).
    pub app_base: String,
    /// Identities from `SANDBOX_IDENTITIES`, or `None` to generate them.
    pub identities_file: Option<Vec<Value>>,
}

impl SandboxState {
    pub fn new(app_base: String, identities_file: Option<Vec<Value>>) -> Result<Self, AppError> {
        let http = reqwest::Client::builder()
            .timeout(std::time::Duration::from_secs(10))
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .map_err(|e| AppError::internal(format!("sandbox HTTP client: {e}")))?;
        Ok(Self {
            faults: Mutex::new(Faults::default()),
            http,
            app_base,
            identities_file,
        })
    }

    pub fn faults(&self) -> Faults {
        self.faults.lock().map(|f| *f).unwrap_or_default()
    }

    pub fn set_faults(&self, faults: Faults) {
        if let Ok(mut f) = self.faults.lock() {
            *f = faults;
        }
    }

    /// The identities a new instance starts with.
    pub fn initial_identities(&self, now: chrono::DateTime<chrono::Utc>) -> Vec<Value> {
        match &self.identities_file {
            Some(list) => list.clone(),
            None => seed::generate(SEED, SEED_COUNT, now, &seed::sample_sanctioned_names()),
        }
    }
}
