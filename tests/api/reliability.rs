//! Reliability and secret hygiene (issue 7): parallel decisions on one case, sustained mixed load
//! without 5xx, the real binary killed with SIGKILL at random moments under load (nothing
//! acknowledged is lost, the file stays sound, pending writes are delivered after restart), no
//! secret in the database file, the WAL, the logs or any response, and the rate limit of the
//! public POST routes.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use diesel::prelude::*;
use diesel::sql_types::Text;
use serde_json::{json, Value};

use crate::cli::{command, free_port, start, Running};
use crate::helpers::*;
use crate::review::{launch_reviewer, page, session_as, wait_for_jobs, Reviewer};

#[derive(QueryableByName)]
struct IdRow {
    #[diesel(sql_type = Text)]
    identity_id: String,
}

fn low_risk(app: &TestApp, r: &Reviewer) -> Vec<String> {
    diesel::sql_query(
        "SELECT identity_id FROM kyc_identities WHERE installed_app_id = ? \
         AND risk_band = 'low' AND hits_count = 0 AND status = 'unreviewed' ORDER BY identity_id",
    )
    .bind::<Text, _>(&r.installed_app_id)
    .load::<IdRow>(&mut app.conn())
    .unwrap()
    .into_iter()
    .map(|r| r.identity_id)
    .collect()
}

fn csrf_of(html: &str) -> String {
    html.split("name=\"csrf\" value=\"")
        .nth(1)
        .unwrap()
        .split('"')
        .next()
        .unwrap()
        .to_owned()
}

#[derive(QueryableByName)]
struct Fields {
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    case_version: i64,
    #[diesel(sql_type = Text)]
    content_hash: String,
}

fn fields(app: &TestApp, id: &str) -> Fields {
    diesel::sql_query("SELECT case_version, content_hash FROM kyc_identities WHERE identity_id = ?")
        .bind::<Text, _>(id)
        .get_result(&mut app.conn())
        .unwrap()
}

/// A decision form as the identity page would post it.
fn decision_body(csrf: &str, f: &Fields, action: &str, reason: &str) -> String {
    serde_urlencoded::to_string([
        ("csrf", csrf),
        ("action", action),
        ("reason_code", reason),
        ("note", "checked"),
        ("version", &f.case_version.to_string()),
        ("content_hash", &f.content_hash),
    ])
    .unwrap()
}

async fn post_decision(app: &TestApp, r: &Reviewer, id: &str, body: String) -> u16 {
    app.client
        .post(app.url(&format!("/kyc/identities/{id}/decision")))
        .header("cookie", &r.cookie)
        .header("content-type", "application/x-www-form-urlencoded")
        .body(body)
        .send()
        .await
        .map(|r| r.status().as_u16())
        .unwrap_or(0)
}

#[actix_web::test]
async fn parallel_decisions_on_one_case_let_exactly_one_win() {
    let app = spawn_app().await;
    let alice = launch_reviewer(&app, &ALL_SCOPES).await;
    page(&app, &alice, "/kyc").await;
    wait_for_jobs(&app, &alice).await;
    let bob = session_as(&app, &alice, Some("usr_bob")).await;
    let id = low_risk(&app, &alice).remove(0);
    let (_, html) = page(&app, &alice, &format!("/kyc/identities/{id}")).await;
    let alice_csrf = csrf_of(&html);
    let (_, html) = page(&app, &bob, &format!("/kyc/identities/{id}")).await;
    let bob_csrf = csrf_of(&html);
    let f = fields(&app, &id);
    // Both reviewers submit different decisions, several times each, all at once.
    let sends = (0..8).map(|i| {
        let (who, csrf, action, reason) = if i % 2 == 0 {
            (&alice, &alice_csrf, "approve", "verified_documents")
        } else {
            (&bob, &bob_csrf, "reject", "policy")
        };
        post_decision(&app, who, &id, decision_body(csrf, &f, action, reason))
    });
    let statuses = futures_util::future::join_all(sends).await;
    let won = statuses.iter().filter(|s| **s == 303).count();
    let stale = statuses.iter().filter(|s| **s == 409).count();
    assert_eq!((won, stale), (1, 7), "{statuses:?}");
    assert_eq!(
        app.count(&format!("kyc_decisions WHERE identity_id = '{id}'")),
        1
    );
    assert_eq!(fields(&app, &id).case_version, f.case_version + 1);
}

#[actix_web::test]
async fn sustained_mixed_load_gets_no_5xx_and_no_locked_database() {
    let app = spawn_app().await;
    let alice = launch_reviewer(&app, &ALL_SCOPES).await;
    page(&app, &alice, "/kyc").await;
    wait_for_jobs(&app, &alice).await;
    let ids = low_risk(&app, &alice);
    let (_, html) = page(&app, &alice, "/kyc").await;
    let csrf = csrf_of(&html);
    let deadline = Instant::now() + Duration::from_secs(6);
    let mut statuses: Vec<u16> = Vec::new();
    let mut round = 0usize;
    // Rounds of 16 concurrent requests: installs, launches and redemptions, page views and
    // decisions, until the deadline (bounded: at most 60 rounds).
    while Instant::now() < deadline && round < 60 {
        let mut batch: Vec<std::pin::Pin<Box<dyn std::future::Future<Output = u16>>>> = Vec::new();
        for k in 0..4 {
            let id = format!("instapp_load_{round}_{k}");
            let ev = install_event(&id, &format!("blnk_key_{id}_0123456789"), &["data:read"]);
            let app = &app;
            batch.push(Box::pin(async move {
                app.post_json("/api/callback", &ev).await.status().as_u16()
            }));
        }
        for _ in 0..4 {
            let app = &app;
            let body = json!({"installed_app_id": alice.installed_app_id,
                              "instance_id": blnk_kyc::sandbox::DEFAULT_INSTANCE, "user_id": "usr_load"});
            batch.push(Box::pin(async move {
                let resp = app.post_json("/api/portal", &body).await;
                if resp.status() != 200 {
                    return resp.status().as_u16();
                }
                let v: Value = resp.json().await.unwrap();
                app.get(v["portal_url"].as_str().unwrap())
                    .await
                    .status()
                    .as_u16()
            }));
        }
        for path in ["/kyc/queue", "/kyc/queue?hits=1", "/kyc/audit", "/kyc/jobs"] {
            let (app, r) = (&app, &alice);
            batch.push(Box::pin(async move { page(app, r, path).await.0 }));
        }
        for k in 0..4 {
            let Some(id) = ids.get(round * 4 + k) else {
                break;
            };
            let (app, r, csrf) = (&app, &alice, &csrf);
            let f = fields(app, id);
            batch.push(Box::pin(async move {
                post_decision(
                    app,
                    r,
                    id,
                    decision_body(csrf, &f, "approve", "verified_documents"),
                )
                .await
            }));
        }
        statuses.extend(futures_util::future::join_all(batch).await);
        round += 1;
    }
    assert!(statuses.len() >= 100, "enough load: {}", statuses.len());
    let server_errors: Vec<&u16> = statuses.iter().filter(|s| **s >= 500 || **s == 0).collect();
    assert!(
        server_errors.is_empty(),
        "5xx or failed requests: {server_errors:?}"
    );
    assert!(
        statuses.iter().all(|s| matches!(s, 200 | 303)),
        "every request of the mix succeeds: {:?}",
        statuses
            .iter()
            .filter(|s| !matches!(s, 200 | 303))
            .collect::<Vec<_>>()
    );
    assert_eq!(app.get("/healthz").await.status(), 200);
    // The per-status and per-country counts the triggers keep match the index after the mix.
    #[derive(QueryableByName, PartialEq, Debug)]
    struct Count {
        #[diesel(sql_type = Text)]
        installed_app_id: String,
        #[diesel(sql_type = Text)]
        dimension: String,
        #[diesel(sql_type = Text)]
        value: String,
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        n: i64,
    }
    let kept: Vec<Count> = diesel::sql_query(
        "SELECT installed_app_id, dimension, value, n FROM kyc_counts WHERE n > 0 ORDER BY 1, 2, 3",
    )
    .load(&mut app.conn())
    .unwrap();
    let actual: Vec<Count> = diesel::sql_query(
        "SELECT installed_app_id, 'country' AS dimension, country AS value, COUNT(*) AS n FROM kyc_identities GROUP BY 1, 3 \
         UNION ALL SELECT installed_app_id, 'status', status, COUNT(*) FROM kyc_identities GROUP BY 1, 3 ORDER BY 1, 2, 3",
    )
    .load(&mut app.conn())
    .unwrap();
    assert!(
        kept.iter().any(|c| c.value == "approved" && c.n > 0),
        "decisions moved statuses"
    );
    assert_eq!(kept, actual);
}

#[actix_web::test]
async fn the_public_post_routes_are_rate_limited_per_address() {
    // 2 per second with bursts of 20, so the test stays small.
    let app = spawn_app_with(|c| c.rate_limit_per_sec = 2).await;
    app.install("instapp_rl").await;
    let body = json!({"installed_app_id": "instapp_rl", "instance_id": "inst_1"});
    let mut ok = 0;
    let mut limited = None;
    for _ in 0..40 {
        let resp = app.post_json("/api/portal", &body).await;
        match resp.status().as_u16() {
            200 => ok += 1,
            429 => {
                limited = Some(resp);
                break;
            }
            other => panic!("unexpected {other}"),
        }
    }
    // One token went to the install above.
    assert_eq!(ok, 19, "the burst is allowed");
    let resp = limited.expect("the flood is limited");
    assert_eq!(header(resp.headers(), reqwest::header::RETRY_AFTER), "1");
    let v: Value = resp.json().await.unwrap();
    assert_eq!(v["error"], "rate_limited");
    let tokens = app.count("launch_tokens");
    assert_eq!(tokens, 19, "a limited request writes nothing");
    // The callback shares the budget; pages and the health check do not.
    let ev = install_event("instapp_rl2", "blnk_key_rl2_0123456789", &ALL_SCOPES);
    assert_eq!(app.post_json("/api/callback", &ev).await.status(), 429);
    assert_eq!(app.get("/healthz").await.status(), 200);
    assert_eq!(app.get("/").await.status(), 200);
}

/// The real binary on `dir` (its database in `dir/kyc.db`), and a test handle on it.
pub(crate) fn run_binary(dir: &Path, extra: &[(&str, &str)]) -> (Running, String) {
    let port = free_port();
    let mut cmd = command(dir);
    cmd.env("BIND_ADDR", format!("127.0.0.1:{port}"))
        .env("DATABASE_URL", dir.join("kyc.db"))
        .env("CLOUD_TIMEOUT_SECS", "2");
    for (k, v) in extra {
        cmd.env(k, v);
    }
    (start(cmd), format!("http://localhost:{port}"))
}

/// The HTTP client of a [`handle`].
pub(crate) fn handle_client() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .timeout(Duration::from_secs(20))
        .build()
        .unwrap()
}

pub(crate) fn handle(address: &str, dir: tempfile::TempDir) -> TestApp {
    let db_path: PathBuf = dir.path().join("kyc.db");
    TestApp {
        address: address.to_owned(),
        client: handle_client(),
        // The binary keeps real time; this clock is not used.
        clock: blnk_kyc::clock::Clock::manual(chrono::Utc::now()),
        pool: blnk_kyc::db::open_pool(&db_path, 2).unwrap(),
        db_path,
        dir,
    }
}

pub(crate) fn integrity_ok(app: &TestApp) {
    #[derive(QueryableByName)]
    struct Check {
        #[diesel(sql_type = Text)]
        integrity_check: String,
    }
    let c: Check = diesel::sql_query("PRAGMA integrity_check")
        .get_result(&mut app.conn())
        .unwrap();
    assert_eq!(c.integrity_check, "ok");
}

/// A small deterministic generator for kill moments (the seed is printed for a rerun).
struct Lcg(u64);
impl Lcg {
    fn below(&mut self, n: u64) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        (self.0 >> 33) % n
    }
}

#[actix_web::test]
async fn sigkill_at_random_moments_under_load_loses_nothing_acknowledged() {
    let dir = tempfile::tempdir().unwrap();
    let cwd = dir.path().to_owned();
    let (first, address) = run_binary(&cwd, &[]);
    let mut running = Some(first);
    let mut app = handle(&address, dir);
    let alice = launch_reviewer(&app, &ALL_SCOPES).await;
    page(&app, &alice, "/kyc").await;
    wait_for_jobs(&app, &alice).await;
    let mut ids = low_risk(&app, &alice).into_iter();
    let seed = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(7, |d| d.as_nanos() as u64);
    eprintln!("kill-moment seed: {seed}");
    let mut rng = Lcg(seed);
    let mut acked_installs: Vec<String> = Vec::new();
    let mut acked_decisions: Vec<String> = Vec::new();

    for cycle in 0..3 {
        let (_, html) = page(&app, &alice, "/kyc").await;
        let csrf = csrf_of(&html);
        // Load: installs and decisions in flight, then SIGKILL after a random moment.
        let kill_after = Duration::from_millis(150 + rng.below(600));
        let started = Instant::now();
        let mut n = 0;
        while started.elapsed() < kill_after {
            let install_id = format!("instapp_crash_{cycle}_{n}");
            let ev = install_event(
                &install_id,
                &format!("blnk_key_{install_id}_0123456789"),
                &["data:read"],
            );
            let Some(id) = ids.next() else { break };
            let f = fields(&app, &id);
            let body = decision_body(&csrf, &f, "approve", "verified_documents");
            let (installed, decided) = futures_util::join!(
                app.post_json("/api/callback", &ev),
                post_decision(&app, &alice, &id, body)
            );
            if installed.status() == 200 {
                acked_installs.push(install_id);
            }
            if decided == 303 {
                acked_decisions.push(id);
            }
            n += 1;
        }
        // Requests still in flight when the process dies are not acknowledged; fire a few.
        let flight_events: Vec<Value> = (0..4)
            .map(|k| {
                let id = format!("instapp_crash_{cycle}_flight_{k}");
                install_event(&id, &format!("blnk_key_{id}_0123456789"), &["data:read"])
            })
            .collect();
        let in_flight: Vec<_> = flight_events
            .iter()
            .map(|ev| app.client.post(app.url("/api/callback")).json(ev).send())
            .collect();
        let kill = async {
            tokio::time::sleep(Duration::from_millis(rng.below(5))).await;
            drop(running.take());
        };
        let _ = futures_util::join!(
            futures_util::future::join_all(in_flight.into_iter().map(|f| async move {
                // A killed server answers nothing; that is expected here.
                let _ = tokio::time::timeout(Duration::from_secs(5), f).await;
            })),
            kill
        );
        integrity_ok(&app);
        for id in &acked_installs {
            assert_eq!(
                app.count(&format!("installs WHERE installed_app_id = '{id}'")),
                1,
                "acknowledged install {id} survived (cycle {cycle}, seed {seed})"
            );
        }
        for id in &acked_decisions {
            assert_eq!(
                app.count(&format!("kyc_decisions WHERE identity_id = '{id}'")),
                1,
                "acknowledged decision on {id} survived (cycle {cycle}, seed {seed})"
            );
            assert!(
                app.count(&format!(
                    "kyc_outbox WHERE identity_id = '{id}' AND kind = 'metadata'"
                )) >= 1,
                "its write to Blnk is queued"
            );
        }
        // Restart on the same file.
        let (next, address) = run_binary(&cwd, &[]);
        running = Some(next);
        app.address = address;
        // A new client: the old one may hold keep-alive connections to the killed process, and
        // the new one may have been given the same port, where such a connection fails the
        // first request sent on it.
        app.client = handle_client();
    }
    assert!(
        acked_decisions.len() >= 3,
        "the load made decisions: {acked_decisions:?}"
    );
    // The restarted worker delivers every pending write.
    let mut pending = i64::MAX;
    for _ in 0..300 {
        pending = app.count("kyc_outbox WHERE state = 'pending'");
        if pending == 0 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(pending, 0, "pending writes delivered after the restarts");
    for id in &acked_decisions {
        let status: String = diesel::sql_query(
            "SELECT json_extract(body, '$.meta_data.kyc.status') AS identity_id FROM sandbox_identities WHERE identity_id = ?",
        )
        .bind::<Text, _>(id)
        .get_result::<IdRow>(&mut app.conn())
        .unwrap()
        .identity_id;
        assert_eq!(status, "approved", "{id} reached Blnk");
    }
    drop(running);
}

#[actix_web::test]
async fn no_secret_reaches_the_database_the_wal_the_logs_or_a_response() {
    let dir = tempfile::tempdir().unwrap();
    let cwd = dir.path().to_owned();
    let (running, address) = run_binary(&cwd, &[("RUST_LOG", "debug")]);
    let app = handle(&address, dir);
    let mut bodies: Vec<String> = Vec::new();

    // The sandbox issues a key at install; read it back the way the app does.
    let alice = launch_reviewer(&app, &ALL_SCOPES).await;
    let api_key = alice.key.clone();
    assert!(api_key.len() >= 20);
    // A launch: the token is in the portal_url (the one place it may appear).
    let resp = app
        .post_json(
            "/api/portal",
            &json!({"installed_app_id": alice.installed_app_id,
                    "instance_id": blnk_kyc::sandbox::DEFAULT_INSTANCE, "user_id": "usr_alice"}),
        )
        .await;
    let v: Value = resp.json().await.unwrap();
    let portal_url = v["portal_url"].as_str().unwrap().to_owned();
    let token = portal_url.split("token=").nth(1).unwrap().to_owned();
    // `<id>.<secret>`: the id locates the row and is no secret; the rest is.
    let token_secret = token.split_once('.').unwrap().1.to_owned();
    let resp = app.get(&portal_url).await;
    let session_id = header(resp.headers(), reqwest::header::LOCATION)
        .split("s=")
        .nth(1)
        .unwrap()
        .to_owned();
    let cookie = header(resp.headers(), reqwest::header::SET_COOKIE)
        .split(';')
        .next()
        .unwrap()
        .to_owned();
    bodies.push(resp.text().await.unwrap());
    let r = Reviewer {
        cookie,
        key: api_key.clone(),
        installed_app_id: alice.installed_app_id.clone(),
    };
    page(&app, &r, "/kyc").await;
    wait_for_jobs(&app, &r).await;
    let id = low_risk(&app, &r).remove(0);
    for path in [
        "/kyc".to_owned(),
        "/kyc/queue".to_owned(),
        "/kyc/queue?hits=1".to_owned(),
        "/kyc/install".to_owned(),
        format!("/kyc/identities/{id}"),
        "/kyc/audit".to_owned(),
        "/kyc/audit.csv".to_owned(),
        "/kyc/queue.csv".to_owned(),
        "/kyc/jobs".to_owned(),
        format!("/kyc/identities/{id}/audit.csv"),
    ] {
        let (status, body) = page(&app, &r, &path).await;
        assert_eq!(status, 200, "{path}");
        bodies.push(body);
    }
    let (_, html) = page(&app, &r, &format!("/kyc/identities/{id}")).await;
    let f = fields(&app, &id);
    assert_eq!(
        post_decision(
            &app,
            &r,
            &id,
            decision_body(&csrf_of(&html), &f, "approve", "verified_documents")
        )
        .await,
        303
    );
    // Let the write-back run (it uses the key), then a few error pages.
    for _ in 0..100 {
        if app.count("kyc_outbox WHERE state = 'pending'") == 0 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    for bad in [portal_url.clone(), app.url("/kyc/queue?status=nope")] {
        bodies.push(app.get(&bad).await.text().await.unwrap());
    }
    bodies.push(
        app.post_json("/api/callback", &json!({"api_key": api_key}))
            .await
            .text()
            .await
            .unwrap(),
    );

    let logs = crate::cli::stderr_of(running);
    assert!(logs.contains("/kyc/queue"), "the request log was captured");
    let db = app.database_bytes();
    for (name, secret) in [
        ("API key", &api_key),
        ("launch token", &token),
        ("launch token's secret", &token_secret),
        ("session id", &session_id),
    ] {
        assert!(!contains(&db, secret), "{name} in the database file or WAL");
        assert!(!logs.contains(secret.as_str()), "{name} in the logs");
        for body in &bodies {
            assert!(!body.contains(secret.as_str()), "{name} in a response body");
        }
    }
}

/// Under sustained writes the WAL file stays bounded: the background thread copies it into the
/// database and the writer restarts it between batches (SQLite's own checkpoint ran inside the
/// commit; the app turned it off on the writer, so without the two the WAL grows by every page
/// written: 107 MiB here when both were switched off; restarted past 32 MiB, it stays under
/// 64). Every acknowledged row is there and the file is sound.
#[actix_web::test]
async fn the_wal_stays_bounded_under_sustained_writes() {
    use blnk_kyc::db;
    use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
    use std::sync::Arc;

    const TASKS: usize = 32;
    const WRITES: usize = 500;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("wal.db");
    let pool = db::open_pool(&path, 4).unwrap();
    db::run_migrations(&pool).unwrap();

    let wal_path = dir.path().join("wal.db-wal");
    let done = Arc::new(AtomicBool::new(false));
    let largest = Arc::new(AtomicU64::new(0));
    let sampler = {
        let (done, largest, wal_path) = (done.clone(), largest.clone(), wal_path.clone());
        std::thread::spawn(move || {
            while !done.load(Ordering::Relaxed) {
                if let Ok(meta) = std::fs::metadata(&wal_path) {
                    largest.fetch_max(meta.len(), Ordering::Relaxed);
                }
                std::thread::sleep(Duration::from_millis(2));
            }
        })
    };
    let writers: Vec<_> = (0..TASKS)
        .map(|t| {
            let pool = pool.clone();
            actix_web::rt::spawn(async move {
                for i in 0..WRITES {
                    db::write(&pool, move |conn| {
                        // Keys in no particular order, as Cloud's idempotency keys are.
                        let key = blnk_kyc::crypto::sha256_hex(format!("{t}/{i}").as_bytes());
                        diesel::sql_query(
                            "INSERT INTO processed_events (idempotency_key, fingerprint, \
                             installed_app_id, kind, received_at) VALUES (?, ?, ?, 'install', 0)",
                        )
                        .bind::<Text, _>(&key)
                        .bind::<Text, _>(blnk_kyc::crypto::sha256_hex(key.as_bytes()))
                        .bind::<Text, _>(format!("instapp_wal_{t}"))
                        .execute(conn)?;
                        Ok(())
                    })
                    .await
                    .unwrap();
                }
            })
        })
        .collect();
    for w in writers {
        w.await.unwrap();
    }
    done.store(true, Ordering::Relaxed);
    sampler.join().unwrap();

    #[derive(QueryableByName)]
    struct Count {
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        n: i64,
    }
    let mut conn = pool.get().unwrap();
    let count: Count = diesel::sql_query("SELECT count(*) AS n FROM processed_events")
        .get_result(&mut conn)
        .unwrap();
    assert_eq!(
        count.n,
        (TASKS * WRITES) as i64,
        "every acknowledged write is there"
    );
    let largest = largest.load(Ordering::Relaxed);
    assert!(largest > 0, "the WAL file was seen");
    assert!(
        largest < 64 * 1024 * 1024,
        "the WAL grew to {} MiB under sustained writes",
        largest / (1024 * 1024)
    );
    #[derive(QueryableByName)]
    struct Check {
        #[diesel(sql_type = Text)]
        integrity_check: String,
    }
    let c: Check = diesel::sql_query("PRAGMA integrity_check")
        .get_result(&mut conn)
        .unwrap();
    assert_eq!(c.integrity_check, "ok");
}

/// A write job is its own savepoint inside the writer's shared transaction: a job that fails
/// leaves nothing behind and the next jobs commit. A job whose savepoint cannot be undone (here
/// it released the savepoint itself before failing) makes the writer roll its whole batch back
/// rather than commit half of it, and the writer goes on with the next batch.
#[actix_web::test]
async fn a_failed_write_job_leaves_nothing_and_the_writer_goes_on() {
    use blnk_kyc::db;
    use blnk_kyc::error::AppError;
    use diesel::connection::SimpleConnection;

    let dir = tempfile::tempdir().unwrap();
    let pool = db::open_pool(&dir.path().join("jobs.db"), 2).unwrap();
    db::run_migrations(&pool).unwrap();
    let insert = |conn: &mut SqliteConnection, key: &str| {
        diesel::sql_query(
            "INSERT INTO processed_events (idempotency_key, fingerprint, installed_app_id, kind, \
             received_at) VALUES (?, 'f', 'instapp_jobs', 'install', 0)",
        )
        .bind::<Text, _>(key.to_owned())
        .execute(conn)
    };
    let keys = |pool: &db::DbPool| -> Vec<String> {
        #[derive(QueryableByName)]
        struct Key {
            #[diesel(sql_type = Text)]
            idempotency_key: String,
        }
        diesel::sql_query("SELECT idempotency_key FROM processed_events ORDER BY 1")
            .load::<Key>(&mut pool.get().unwrap())
            .unwrap()
            .into_iter()
            .map(|k| k.idempotency_key)
            .collect()
    };

    let failed = db::write(&pool, move |conn| {
        db::immediate(conn, |conn| {
            insert(conn, "failed")?;
            Err::<(), _>(AppError::conflict("test", "the job fails after writing"))
        })
    })
    .await;
    assert!(failed.is_err());
    db::write(&pool, move |conn| {
        db::immediate(conn, |conn| insert(conn, "kept").map_err(AppError::from))
    })
    .await
    .unwrap();
    assert_eq!(keys(&pool), ["kept"], "the failed job's row was undone");

    let broken = db::write(&pool, move |conn| {
        db::immediate(conn, |conn| {
            insert(conn, "half")?;
            // Releasing its own savepoint merges the row into the batch: it cannot be undone.
            conn.batch_execute("RELEASE kyc_write")?;
            Err::<(), _>(AppError::conflict("test", "the job fails after writing"))
        })
    })
    .await;
    assert!(broken.is_err());
    assert_eq!(
        keys(&pool),
        ["kept"],
        "the batch was rolled back, not half kept"
    );
    db::write(&pool, move |conn| {
        db::immediate(conn, |conn| insert(conn, "after").map_err(AppError::from))
    })
    .await
    .unwrap();
    assert_eq!(keys(&pool), ["after", "kept"], "the writer goes on");
}

/// A write job that panics takes only its batch down: the writer rolls it back, forgets the
/// transaction the panic left open, and the next job runs in a fresh batch transaction (one
/// level deep, as every job's).
#[actix_web::test]
async fn a_panicking_write_job_does_not_stop_the_writer() {
    use blnk_kyc::db;
    use blnk_kyc::error::AppError;
    use diesel::connection::{AnsiTransactionManager, TransactionManager};

    let dir = tempfile::tempdir().unwrap();
    let pool = db::open_pool(&dir.path().join("panic.db"), 2).unwrap();
    db::run_migrations(&pool).unwrap();
    let depth = |pool: db::DbPool| async move {
        db::write(&pool, |conn| {
            let depth = AnsiTransactionManager::transaction_manager_status_mut(conn)
                .transaction_depth()
                .map_err(AppError::from)?;
            Ok(depth.map(|d| d.get()))
        })
        .await
        .unwrap()
    };
    assert_eq!(depth(pool.clone()).await, Some(1));
    let panicked = db::write(&pool, |_conn| -> Result<(), AppError> {
        panic!("a bug in a write job")
    })
    .await;
    assert!(panicked.is_err());
    assert_eq!(
        depth(pool.clone()).await,
        Some(1),
        "a fresh batch transaction"
    );
}
