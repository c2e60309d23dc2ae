//! The typed client. `CloudClient` is shared by the whole app (one connection pool);
//! `CloudSession` binds it to one install's key, instance and scopes for a series of calls.

use std::time::Duration;

use reqwest::{Method, StatusCode};
use serde::{Deserialize, Serialize};
use serde_json::{json, Map, Value};
use url::Url;

use super::error::CloudError;
use super::retry::{parse_retry_after, RetryPolicy};
use super::scopes;
use crate::crypto::{Keyring, Secret};
use crate::error::AppError;
use crate::lifecycle::installs::Install;

/// Connect and total timeouts of one attempt.
#[derive(Debug, Clone, Copy)]
pub struct Timeouts {
    pub connect: Duration,
    pub total: Duration,
}

impl Default for Timeouts {
    fn default() -> Self {
        Self {
            connect: Duration::from_secs(5),
            total: Duration::from_secs(20),
        }
    }
}

/// The app-wide client: base URL, HTTP pool, retry policy.
#[derive(Clone)]
pub struct CloudClient {
    http: reqwest::Client,
    base: Url,
    policy: RetryPolicy,
}

impl std::fmt::Debug for CloudClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CloudClient")
            .field("base", &self.base.as_str())
            .finish()
    }
}

/// One page of the Data or Filters API.
#[derive(Debug, Clone, Deserialize)]
pub struct IdentityPage {
    #[serde(default)]
    pub data: Vec<Value>,
    #[serde(default)]
    pub total: u64,
}

/// A Cloud alert (only the fields the app relies on are typed; the rest is kept).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Alert {
    pub anomaly_id: String,
    #[serde(default)]
    pub status: String,
    #[serde(flatten)]
    pub other: Map<String, Value>,
}

/// Fields of `PUT /alerts/flag/{anomaly_id}`; absent ones are not sent.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct AlertPatch {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status: Option<String>,
}

impl CloudClient {
    /// `base` is the API root, e.g. `https://api.cloud.blnkfinance.com` or the sandbox's
    /// `http://127.0.0.1:8080/sandbox/api`.
    pub fn new(base: Url, timeouts: Timeouts, policy: RetryPolicy) -> Result<Self, String> {
        let http = reqwest::Client::builder()
            .connect_timeout(timeouts.connect)
            .timeout(timeouts.total)
            .redirect(reqwest::redirect::Policy::none())
            .user_agent(concat!("blnk-kyc/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| format!("cannot build the Cloud HTTP client: {e}"))?;
        Ok(Self { http, base, policy })
    }

    pub fn base(&self) -> &Url {
        &self.base
    }

    /// Binds the client to an install: decrypts its key (it stays inside the session).
    pub fn session(&self, install: &Install, keyring: &Keyring) -> Result<CloudSession, AppError> {
        if !install.is_active() {
            return Err(AppError::forbidden(
                "install_inactive",
                "This app was uninstalled from Blnk Cloud.",
            ));
        }
        Ok(CloudSession {
            client: self.clone(),
            key: install.api_key(keyring)?,
            instance_id: install.instance_id.clone(),
            scopes: install.scopes(),
        })
    }
}

/// The client bound to one install.
pub struct CloudSession {
    client: CloudClient,
    key: Secret,
    instance_id: String,
    scopes: Vec<String>,
}

impl std::fmt::Debug for CloudSession {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CloudSession")
            .field("instance_id", &self.instance_id)
            .field("scopes", &self.scopes)
            .field("key", &"***")
            .finish()
    }
}

impl CloudSession {
    /// A session from raw parts (tests and tools).
    pub fn from_parts(
        client: CloudClient,
        key: Secret,
        instance_id: impl Into<String>,
        scopes: Vec<String>,
    ) -> Self {
        Self {
            client,
            key,
            instance_id: instance_id.into(),
            scopes,
        }
    }

    pub fn has_scope(&self, scope: &str) -> bool {
        self.scopes.iter().any(|s| s == scope)
    }

    fn require(&self, scope: &'static str) -> Result<(), CloudError> {
        if self.has_scope(scope) {
            Ok(())
        } else {
            Err(CloudError::MissingScope { scope })
        }
    }

    /// `GET /data/identities` with paging and Data API query filters (`field_op=value`).
    pub async fn list_identities(
        &self,
        page: u32,
        page_size: u32,
        filters: &[(String, String)],
    ) -> Result<IdentityPage, CloudError> {
        self.require(scopes::DATA_READ)?;
        let mut query = vec![
            ("page".to_owned(), page.to_string()),
            ("pageSize".to_owned(), page_size.to_string()),
        ];
        query.extend(filters.iter().cloned());
        let v = self
            .call(Method::GET, &["data", "identities"], &query, None)
            .await?;
        parse(v)
    }

    /// `GET /data/identities/{id}`: the bare identity object.
    pub async fn get_identity(&self, identity_id: &str) -> Result<Value, CloudError> {
        self.require(scopes::DATA_READ)?;
        let v = self
            .call(Method::GET, &["data", "identities", identity_id], &[], None)
            .await?;
        if v.is_object() {
            Ok(v)
        } else {
            Err(CloudError::BadResponse("identity is not an object".into()))
        }
    }

    /// `POST /identities/filter` with `{"filters": [...]}`.
    pub async fn filter_identities(
        &self,
        filters: Value,
        page: u32,
        page_size: u32,
    ) -> Result<IdentityPage, CloudError> {
        self.require(scopes::DATA_READ)?;
        let query = [
            ("page".to_owned(), page.to_string()),
            ("pageSize".to_owned(), page_size.to_string()),
        ];
        let body = json!({ "filters": filters });
        let v = self
            .call(Method::POST, &["identities", "filter"], &query, Some(&body))
            .await?;
        parse(v)
    }

    /// `POST /proxy/{id}/metadata`: merges top-level keys; returns the identity's whole metadata.
    pub async fn update_metadata(
        &self,
        identity_id: &str,
        meta_data: Value,
    ) -> Result<Value, CloudError> {
        self.require(scopes::DATA_WRITE)?;
        let body = json!({ "meta_data": meta_data });
        let v = self
            .call(
                Method::POST,
                &["proxy", identity_id, "metadata"],
                &[],
                Some(&body),
            )
            .await?;
        v.get("meta_data")
            .cloned()
            .ok_or_else(|| CloudError::BadResponse("no meta_data in the answer".into()))
    }

    /// `POST /alerts/flag/{identity_id}`.
    pub async fn flag_alert(
        &self,
        identity_id: &str,
        title: &str,
        description: &str,
    ) -> Result<Alert, CloudError> {
        self.require(scopes::ALERTS_WRITE)?;
        let body = json!({ "title": title, "description": description });
        let v = self
            .call(
                Method::POST,
                &["alerts", "flag", identity_id],
                &[],
                Some(&body),
            )
            .await?;
        parse(v)
    }

    /// `PUT /alerts/flag/{anomaly_id}`.
    pub async fn update_alert(
        &self,
        anomaly_id: &str,
        patch: &AlertPatch,
    ) -> Result<Alert, CloudError> {
        self.require(scopes::ALERTS_WRITE)?;
        let body =
            serde_json::to_value(patch).map_err(|e| CloudError::BadResponse(e.to_string()))?;
        let v = self
            .call(
                Method::PUT,
                &["alerts", "flag", anomaly_id],
                &[],
                Some(&body),
            )
            .await?;
        parse(v)
    }

    /// `GET /alerts/{anomaly_id}`.
    pub async fn get_alert(&self, anomaly_id: &str) -> Result<Alert, CloudError> {
        self.require(scopes::ALERTS_READ)?;
        let v = self
            .call(Method::GET, &["alerts", anomaly_id], &[], None)
            .await?;
        parse(v)
    }

    /// `GET /alerts`, as sent (its list shape is not documented).
    pub async fn list_alerts(&self) -> Result<Value, CloudError> {
        self.require(scopes::ALERTS_READ)?;
        self.call(Method::GET, &["alerts"], &[], None).await
    }

    fn url(&self, segments: &[&str], query: &[(String, String)]) -> Result<Url, CloudError> {
        let mut url = self.client.base.clone();
        {
            let mut path = url.path_segments_mut().map_err(|_| {
                CloudError::BadResponse("the Cloud base URL cannot take a path".into())
            })?;
            path.pop_if_empty();
            for s in segments {
                path.push(s);
            }
        }
        {
            let mut q = url.query_pairs_mut();
            q.append_pair("instance_id", &self.instance_id);
            for (k, v) in query {
                q.append_pair(k, v);
            }
        }
        Ok(url)
    }

    /// One logical call: attempts, backoff, error mapping.
    async fn call(
        &self,
        method: Method,
        segments: &[&str],
        query: &[(String, String)],
        body: Option<&Value>,
    ) -> Result<Value, CloudError> {
        let url = self.url(segments, query)?;
        let policy = self.client.policy;
        let mut attempt = 0;
        loop {
            attempt += 1;
            let mut req = self
                .client
                .http
                .request(method.clone(), url.clone())
                .bearer_auth(self.key.expose());
            if let Some(b) = body {
                req = req.json(b);
            }
            let (retry_after, failure) = match req.send().await {
                Ok(resp) => {
                    let status = resp.status();
                    let retry_after = parse_retry_after(
                        resp.headers()
                            .get(reqwest::header::RETRY_AFTER)
                            .and_then(|v| v.to_str().ok()),
                    );
                    let text = match resp.text().await {
                        Ok(t) => t,
                        Err(e) => {
                            let err = network_error(&e, attempt);
                            if attempt < policy.max_attempts {
                                tokio::time::sleep(policy.delay(attempt, None)).await;
                                continue;
                            }
                            return Err(err);
                        }
                    };
                    if status.is_success() {
                        if text.trim().is_empty() {
                            return Ok(Value::Null);
                        }
                        return serde_json::from_str(&text)
                            .map_err(|e| CloudError::BadResponse(format!("not JSON: {e}")));
                    }
                    if !is_retryable_status(status) {
                        return Err(error_for(status, &text));
                    }
                    (
                        retry_after,
                        CloudError::Unavailable {
                            status: status.as_u16(),
                            attempts: attempt,
                        },
                    )
                }
                Err(e) => (None, network_error(&e, attempt)),
            };
            if attempt >= policy.max_attempts {
                return Err(failure);
            }
            log::warn!(
                "Cloud call {} /{} failed ({}); retry {} of {}",
                method,
                segments.first().copied().unwrap_or_default(),
                failure.code(),
                attempt,
                policy.max_attempts - 1
            );
            tokio::time::sleep(policy.delay(attempt, retry_after)).await;
        }
    }
}

fn parse<T: serde::de::DeserializeOwned>(v: Value) -> Result<T, CloudError> {
    serde_json::from_value(v).map_err(|e| CloudError::BadResponse(e.to_string()))
}

fn is_retryable_status(status: StatusCode) -> bool {
    status == StatusCode::TOO_MANY_REQUESTS
        || status == StatusCode::LOCKED
        || status.is_server_error()
}

fn network_error(e: &reqwest::Error, attempts: u32) -> CloudError {
    let reason = if e.is_timeout() {
        "timed out"
    } else if e.is_connect() {
        "connection failed"
    } else if e.is_body() || e.is_decode() {
        "the answer was cut off"
    } else {
        "network error"
    };
    CloudError::Network {
        reason: reason.to_owned(),
        attempts,
    }
}

/// Maps a non-retryable error answer, reading Core's `error_detail` when present.
fn error_for(status: StatusCode, body: &str) -> CloudError {
    let v: Value = serde_json::from_str(body).unwrap_or(Value::Null);
    let code = v
        .pointer("/error_detail/code")
        .and_then(Value::as_str)
        .map(str::to_owned);
    let message = v
        .pointer("/error_detail/message")
        .or_else(|| v.get("error"))
        .and_then(Value::as_str)
        .map(|m| m.chars().take(300).collect::<String>())
        .unwrap_or_else(|| format!("HTTP {}", status.as_u16()));
    match status.as_u16() {
        401 | 403 => CloudError::InstallUnusable {
            status: status.as_u16(),
            code,
        },
        404 => CloudError::NotFound {
            code: code.unwrap_or_else(|| "NOT_FOUND".into()),
            message,
        },
        s => CloudError::Rejected {
            status: s,
            code: code.unwrap_or_else(|| format!("HTTP_{s}")),
            message,
        },
    }
}
