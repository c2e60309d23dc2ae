//! Fault knobs of the simulated Cloud API: added latency, a fraction of 429 / 500 answers, and
//! hanging requests (for client timeouts). Set globally from the dashboard or `POST
//! /sandbox/faults`, or per request with `x-sandbox-latency-ms`, `x-sandbox-fail: 429|500`,
//! `x-sandbox-hang: 1` and `x-sandbox-lose: 1` (done, answer lost) headers.

use std::time::Duration;

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::middleware::Next;
use actix_web::web;
use serde::{Deserialize, Serialize};

use crate::startup::AppState;

/// How long a "hanging" request waits before answering; longer than any sane client timeout.
pub const HANG_SECS: u64 = 120;

#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
pub struct Faults {
    #[serde(default)]
    pub latency_ms: u64,
    /// Fraction (0..=1) of requests answered 429.
    #[serde(default)]
    pub rate_429: f64,
    /// Fraction (0..=1) of requests answered 500.
    #[serde(default)]
    pub rate_500: f64,
    /// Fraction (0..=1) of requests that hang.
    #[serde(default)]
    pub hang_rate: f64,
    /// Fraction (0..=1) of requests that are carried out but whose answer never comes back
    /// (the connection hangs after the change is made): a client retry must not repeat it.
    #[serde(default)]
    pub lose_rate: f64,
}

impl Faults {
    /// Checks the values; returns a message naming the bad field.
    pub fn validate(&self) -> Result<(), String> {
        if self.latency_ms > 60_000 {
            return Err("latency_ms must be at most 60000".into());
        }
        for (name, v) in [
            ("rate_429", self.rate_429),
            ("rate_500", self.rate_500),
            ("hang_rate", self.hang_rate),
            ("lose_rate", self.lose_rate),
        ] {
            if !(0.0..=1.0).contains(&v) || v.is_nan() {
                return Err(format!("{name} must be between 0 and 1"));
            }
        }
        Ok(())
    }
}

enum Action {
    Pass,
    Fail(u16),
    Hang,
    /// Carry the request out, then hang instead of answering.
    Lose,
}

/// A uniform number in [0, 1) from the OS random source.
fn roll() -> f64 {
    let mut b = [0u8; 4];
    if getrandom::fill(&mut b).is_err() {
        return 1.0;
    }
    f64::from(u32::from_le_bytes(b)) / (f64::from(u32::MAX) + 1.0)
}

fn header<'a>(req: &'a ServiceRequest, name: &str) -> Option<&'a str> {
    req.headers().get(name).and_then(|v| v.to_str().ok())
}

fn decide(req: &ServiceRequest, faults: &Faults) -> (u64, Action) {
    let latency = header(req, "x-sandbox-latency-ms")
        .and_then(|v| v.parse::<u64>().ok())
        .map(|v| v.min(60_000))
        .unwrap_or(faults.latency_ms);
    if header(req, "x-sandbox-hang") == Some("1") {
        return (latency, Action::Hang);
    }
    if header(req, "x-sandbox-lose") == Some("1") {
        return (latency, Action::Lose);
    }
    match header(req, "x-sandbox-fail") {
        Some("429") => return (latency, Action::Fail(429)),
        Some("500") => return (latency, Action::Fail(500)),
        _ => {}
    }
    let r = roll();
    let action = if r < faults.hang_rate {
        Action::Hang
    } else if r < faults.hang_rate + faults.rate_429 {
        Action::Fail(429)
    } else if r < faults.hang_rate + faults.rate_429 + faults.rate_500 {
        Action::Fail(500)
    } else if r < faults.hang_rate + faults.rate_429 + faults.rate_500 + faults.lose_rate {
        Action::Lose
    } else {
        Action::Pass
    };
    (latency, action)
}

pub async fn inject_faults(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let faults = req
        .app_data::<web::Data<AppState>>()
        .and_then(|s| s.sandbox.as_ref().map(|sb| sb.faults()))
        .unwrap_or_default();
    let (latency, action) = decide(&req, &faults);
    if latency > 0 {
        actix_web::rt::time::sleep(Duration::from_millis(latency)).await;
    }
    let failure = match action {
        Action::Pass => None,
        Action::Lose => {
            let done = next.call(req).await?;
            actix_web::rt::time::sleep(Duration::from_secs(HANG_SECS)).await;
            return Ok(done.map_into_left_body());
        }
        Action::Hang => {
            actix_web::rt::time::sleep(Duration::from_secs(HANG_SECS)).await;
            Some(super::api::core_error(
                504,
                "GEN_TIMEOUT",
                "the sandbox held this request (hang fault)",
            ))
        }
        Action::Fail(429) => {
            let mut r = super::api::core_error(
                429,
                "GEN_RATE_LIMITED",
                "rate limit exceeded (sandbox fault)",
            );
            r.headers_mut().insert(
                actix_web::http::header::RETRY_AFTER,
                actix_web::http::header::HeaderValue::from_static("1"),
            );
            Some(r)
        }
        Action::Fail(_) => Some(super::api::core_error(
            500,
            "GEN_INTERNAL",
            "internal error (sandbox fault)",
        )),
    };
    match failure {
        Some(resp) => Ok(req.into_response(resp).map_into_right_body()),
        None => Ok(next.call(req).await?.map_into_left_body()),
    }
}
