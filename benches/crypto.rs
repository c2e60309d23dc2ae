//! Token and crypto micro-benchmark (plain `fn main`, `harness = false`): the per-request work of
//! the portal, the launch, every portal page and the callback that needs no database, each
//! operation alone, so a profile's share can be put in nanoseconds.
//!
//! Each operation runs `CRYPTO_BENCH_BATCHES` batches (default 30) of enough iterations to last
//! about 2 ms, after a warm-up; the table shows the median batch's nanoseconds per operation, the
//! fastest and slowest batch, and the ratio to the reference row (SHA-256 of a 43-character
//! token) measured in the same run, which is what to compare between machines or runs.
//!
//! Run: `cargo bench --bench crypto`.

use std::hint::black_box;
use std::time::{Duration, Instant};

use blnk_kyc::crypto::{self, Keyring};
use blnk_kyc::lifecycle::{callback, launch};

const TARGET_BATCH: Duration = Duration::from_millis(2);

struct Row {
    name: &'static str,
    what: &'static str,
    median_ns: f64,
    min_ns: f64,
    max_ns: f64,
}

/// Nanoseconds per call of `op`: the median, fastest and slowest of `batches` batches.
fn measure<R>(batches: usize, mut op: impl FnMut() -> R) -> (f64, f64, f64) {
    // Warm-up, and a first estimate of the cost to size the batches.
    let started = Instant::now();
    let mut warm = 0u64;
    while started.elapsed() < Duration::from_millis(50) {
        black_box(op());
        warm += 1;
    }
    let per_call = started.elapsed().as_secs_f64() / warm as f64;
    let iters = ((TARGET_BATCH.as_secs_f64() / per_call) as u64).max(1);
    let mut per_op: Vec<f64> = (0..batches)
        .map(|_| {
            let t = Instant::now();
            for _ in 0..iters {
                black_box(op());
            }
            t.elapsed().as_secs_f64() * 1e9 / iters as f64
        })
        .collect();
    per_op.sort_by(f64::total_cmp);
    (
        per_op[per_op.len() / 2],
        per_op[0],
        per_op[per_op.len() - 1],
    )
}

fn main() {
    let batches: usize = std::env::var("CRYPTO_BENCH_BATCHES")
        .ok()
        .and_then(|v| v.parse().ok())
        .filter(|n| *n > 0)
        .unwrap_or(30);
    let entry = Keyring::generate_entry("bench").expect("key");
    let keyring = Keyring::parse(entry.expose()).expect("keyring");
    let token = crypto::random_token().expect("token");
    let token_hash = crypto::hash_token(token.expose());
    let api_key = "blnk_live_3f9a1c0d5e7b2a4f6c8d0e1f2a3b4c5d_1234";
    let app_id = "instapp_bench_1_1234";
    let sealed = keyring
        .seal(api_key.as_bytes(), app_id.as_bytes())
        .expect("seal");
    let install_body = format!(
        r#"{{"installed_app_id":"{app_id}","app_id":"app_kyc","instance_id":"inst_bench_1","api_key":"{api_key}","api_key_prefix":"blnk_live_3f9a","granted_permissions":["data:read","data:write","alerts:read","alerts:write"],"idempotency_key":"install:{app_id}"}}"#
    );
    let event = callback::parse_event(install_body.as_bytes()).expect("install event");
    let portal_body = format!(r#"{{"installed_app_id":"{app_id}","instance_id":"inst_bench_1"}}"#);
    let launch_url_token = launch::compose_token(123_456, token.expose());

    let mut rows = Vec::new();
    let mut add = |name, what, (median_ns, min_ns, max_ns): (f64, f64, f64)| {
        rows.push(Row {
            name,
            what,
            median_ns,
            min_ns,
            max_ns,
        })
    };
    add(
        "reference: SHA-256 of a token",
        "hash_token(43 chars) (the ratio's unit)",
        measure(batches, || crypto::hash_token(black_box(token.expose()))),
    );
    add(
        "OS random, 32 bytes",
        "getrandom: one system call",
        measure(batches, || {
            let mut b = [0u8; 32];
            getrandom::fill(&mut b).map(|_| b)
        }),
    );
    add(
        "new token",
        "random_token(): 32 random bytes, base64url",
        measure(batches, crypto::random_token),
    );
    add(
        "portal: parse the request",
        "launch::parse_launch",
        measure(batches, || {
            launch::parse_launch(black_box(portal_body.as_bytes()))
        }),
    );
    add(
        "portal: mint a launch token",
        "random_token + hash_token + compose_token",
        measure(batches, || {
            crypto::random_token().map(|t| {
                (
                    crypto::hash_token(t.expose()),
                    launch::compose_token(123_456, t.expose()),
                )
            })
        }),
    );
    add(
        "launch: check a token",
        "split_token + hash_token + constant-time compare",
        measure(batches, || {
            launch::split_token(black_box(&launch_url_token)).map(|(_, secret)| {
                crypto::constant_time_eq_bytes(&crypto::hash_token(secret), &token_hash)
            })
        }),
    );
    add(
        "page: session and CSRF",
        "hash_token(session id) + csrf_token_for + compare",
        measure(batches, || {
            let stored = crypto::hash_token(black_box(token.expose()));
            let csrf = crypto::csrf_token_for(token.expose());
            crypto::constant_time_eq_bytes(&stored, &token_hash)
                && crypto::constant_time_eq(&csrf, black_box(&csrf))
        }),
    );
    add(
        "seal an API key",
        "Keyring::seal: AES-256-GCM, random nonce",
        measure(batches, || {
            keyring.seal(black_box(api_key.as_bytes()), app_id.as_bytes())
        }),
    );
    add(
        "open an API key",
        "Keyring::open (before each Cloud call)",
        measure(batches, || {
            keyring.open(black_box(&sealed), app_id.as_bytes())
        }),
    );
    add(
        "callback: parse an install",
        "callback::parse_event (4 scopes)",
        measure(batches, || {
            callback::parse_event(black_box(install_body.as_bytes()))
        }),
    );
    add(
        "callback: prepare an install",
        "prepare_event: seal + fingerprint",
        measure(batches, || {
            callback::prepare_event(&keyring, black_box(&event))
        }),
    );

    let unit = rows[0].median_ns;
    println!("token and crypto paths, {batches} batches of ~2 ms each, ns per operation");
    println!(
        "{:<32} {:>9} {:>9} {:>9} {:>8}  what",
        "operation", "median", "fastest", "slowest", "x ref"
    );
    for r in &rows {
        println!(
            "{:<32} {:>9.0} {:>9.0} {:>9.0} {:>8.2}  {}",
            r.name,
            r.median_ns,
            r.min_ns,
            r.max_ns,
            r.median_ns / unit,
            r.what
        );
    }
}
