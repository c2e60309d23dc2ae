//! Rate limiting of the public POST routes (`/api/callback`, `/api/portal`): a token bucket per
//! client IP, refilled at `RATE_LIMIT_PER_SEC` with a burst of ten seconds' worth. Blnk Cloud
//! sends an install event per install and a portal request per click, so the default (50 per
//! second, bursts of 500) stays far above legitimate traffic while a flood from one address is
//! answered `429` with `Retry-After` before it reaches the database. `0` turns it off.
//!
//! The buckets are kept in memory, bounded: when the table is full, buckets that have refilled
//! completely (idle clients) are dropped first.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Mutex;
use std::time::Instant;

use actix_web::body::{EitherBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{HeaderValue, RETRY_AFTER};
use actix_web::middleware::Next;
use actix_web::{web, ResponseError};

use crate::error::{ApiError, AppError};
use crate::startup::AppState;

/// Buckets kept at most (one per client address).
const MAX_CLIENTS: usize = 10_000;
/// Seconds of the sustained rate a client may spend at once.
const BURST_SECS: f64 = 10.0;

#[derive(Debug, Clone, Copy)]
struct Bucket {
    tokens: f64,
    at: Instant,
}

/// Per-address token buckets.
#[derive(Debug)]
pub struct RateLimiter {
    per_sec: f64,
    burst: f64,
    buckets: Mutex<HashMap<IpAddr, Bucket>>,
}

impl RateLimiter {
    /// `per_sec == 0` disables the limiter.
    pub fn new(per_sec: u32) -> RateLimiter {
        let per_sec = f64::from(per_sec);
        RateLimiter {
            per_sec,
            burst: (per_sec * BURST_SECS).max(1.0),
            buckets: Mutex::new(HashMap::new()),
        }
    }

    pub fn is_on(&self) -> bool {
        self.per_sec > 0.0
    }

    /// Takes one token for `client` at `now`. `Err(seconds)` says how long until one is back.
    pub fn check(&self, client: IpAddr, now: Instant) -> Result<(), u64> {
        if !self.is_on() {
            return Ok(());
        }
        let mut buckets = self
            .buckets
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if buckets.len() >= MAX_CLIENTS && !buckets.contains_key(&client) {
            let (per_sec, burst) = (self.per_sec, self.burst);
            buckets.retain(|_, b| refilled(b, now, per_sec, burst) < burst);
            if buckets.len() >= MAX_CLIENTS {
                // Every known client is mid-burst: drop the oldest entry.
                if let Some(oldest) = buckets.iter().min_by_key(|(_, b)| b.at).map(|(k, _)| *k) {
                    buckets.remove(&oldest);
                }
            }
        }
        let bucket = buckets.entry(client).or_insert(Bucket {
            tokens: self.burst,
            at: now,
        });
        bucket.tokens = refilled(bucket, now, self.per_sec, self.burst);
        bucket.at = now;
        if bucket.tokens >= 1.0 {
            bucket.tokens -= 1.0;
            Ok(())
        } else {
            let wait = (1.0 - bucket.tokens) / self.per_sec;
            Err(wait.ceil().max(1.0) as u64)
        }
    }
}

fn refilled(b: &Bucket, now: Instant, per_sec: f64, burst: f64) -> f64 {
    let elapsed = now.saturating_duration_since(b.at).as_secs_f64();
    (b.tokens + elapsed * per_sec).min(burst)
}

/// Middleware for the public POST routes.
pub async fn limit_public_posts(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<EitherBody<impl MessageBody>>, actix_web::Error> {
    let limited = req.method() == actix_web::http::Method::POST
        && matches!(req.path(), "/api/callback" | "/api/portal");
    if limited {
        let verdict = match (
            req.app_data::<web::Data<AppState>>(),
            req.peer_addr().map(|a| a.ip()),
        ) {
            (Some(state), Some(ip)) => state.rate_limiter.check(ip, Instant::now()),
            _ => Ok(()),
        };
        if let Err(wait) = verdict {
            let mut resp = ApiError(AppError::TooManyRequests {
                message: format!("Too many requests from this address; try again in {wait} s."),
            })
            .error_response();
            if let Ok(v) = HeaderValue::from_str(&wait.to_string()) {
                resp.headers_mut().insert(RETRY_AFTER, v);
            }
            return Ok(req.into_response(resp).map_into_right_body());
        }
    }
    Ok(next.call(req).await?.map_into_left_body())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    fn ip(n: u8) -> IpAddr {
        IpAddr::from([10, 0, 0, n])
    }

    #[test]
    fn a_burst_is_allowed_then_the_rate_holds() {
        let rl = RateLimiter::new(5);
        let t0 = Instant::now();
        for _ in 0..50 {
            assert!(rl.check(ip(1), t0).is_ok());
        }
        assert_eq!(rl.check(ip(1), t0), Err(1));
        // Another client has its own bucket.
        assert!(rl.check(ip(2), t0).is_ok());
        // A second later five more are allowed, not six.
        let t1 = t0 + Duration::from_secs(1);
        for _ in 0..5 {
            assert!(rl.check(ip(1), t1).is_ok());
        }
        assert!(rl.check(ip(1), t1).is_err());
    }

    #[test]
    fn zero_turns_it_off() {
        let rl = RateLimiter::new(0);
        let t0 = Instant::now();
        for _ in 0..10_000 {
            assert!(rl.check(ip(1), t0).is_ok());
        }
    }

    #[test]
    fn the_table_stays_bounded() {
        let rl = RateLimiter::new(1);
        let t0 = Instant::now();
        for i in 0..(MAX_CLIENTS as u32 + 50) {
            let addr = IpAddr::from(i.to_be_bytes());
            assert!(rl.check(addr, t0).is_ok());
        }
        let n = rl.buckets.lock().map(|b| b.len()).unwrap_or(0);
        assert!(n <= MAX_CLIENTS, "{n}");
    }
}
