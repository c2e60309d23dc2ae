//! Queue page benchmark: the real server on a random port with a temp SQLite file, an install
//! made through the sandbox dashboard, a session, and an index of N identities (default 20,000;
//! `QUEUE_BENCH_ROWS`). Measures, in the same run, `GET /healthz` and `GET /kyc/queue` (50 rows:
//! default view, filtered views, searches, a late page) and reports mean/p50/p99 and the ratio to
//! `/healthz`, so the figure survives a noisy shared machine. Run: `cargo bench --bench queue`.

use std::net::TcpListener;
use std::time::{Duration, Instant};

use blnk_kyc::clock::Clock;
use blnk_kyc::config::Config;
use blnk_kyc::{db, startup};
use diesel::connection::SimpleConnection;
use diesel::prelude::*;

const REQUESTS: usize = 300;
const SLOW_REQUESTS: usize = 30;

fn stats(mut v: Vec<Duration>) -> (f64, f64, f64) {
    v.sort();
    let us = |d: Duration| d.as_secs_f64() * 1e6;
    let mean = v.iter().map(|d| us(*d)).sum::<f64>() / v.len() as f64;
    (
        mean,
        us(v[v.len() / 2]),
        us(v[(v.len() * 99 / 100).min(v.len() - 1)]),
    )
}

async fn time_get(client: &reqwest::Client, url: &str, cookie: &str) -> Vec<Duration> {
    time_n(client, url, cookie, REQUESTS).await
}

async fn time_n(client: &reqwest::Client, url: &str, cookie: &str, n: usize) -> Vec<Duration> {
    let mut out = Vec::with_capacity(n);
    for _ in 0..n {
        let t = Instant::now();
        let resp = client
            .get(url)
            .header("cookie", cookie)
            .send()
            .await
            .expect("request");
        assert!(resp.status().is_success(), "{url}: {}", resp.status());
        let _ = resp.bytes().await.expect("body");
        out.push(t.elapsed());
    }
    out
}

fn main() {
    let rows: usize = std::env::var("QUEUE_BENCH_ROWS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(20_000);
    actix_web::rt::System::new().block_on(run(rows));
}

async fn run(rows: usize) {
    let dir = tempfile::tempdir().expect("temp dir");
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = listener.local_addr().expect("addr").port();
    let mut config = Config::for_dir(dir.path());
    config.bind_addr = format!("127.0.0.1:{port}");
    config.public_url = url::Url::parse(&format!("http://localhost:{port}")).expect("url");
    let db_path = config.database_path.clone();
    let state = startup::prepare_state(config, Clock::System, port).expect("state");
    let server = startup::serve(listener, state).expect("serve");
    actix_web::rt::spawn(server);
    let base = format!("http://localhost:{port}");
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        // Shorter than the server's keep-alive (5 s): the database-only measurements between two
        // series can leave the connection idle longer, and a request sent on a connection the
        // server is closing fails (seen at 100,000 identities).
        .pool_idle_timeout(Duration::from_secs(2))
        .build()
        .expect("client");

    // Install through the dashboard with alerts:read only (no sync runs), launch, redeem.
    let resp = client
        .post(format!("{base}/sandbox/instances/inst_sandbox/install"))
        .header("content-type", "application/x-www-form-urlencoded")
        .body("alerts:read=on")
        .send()
        .await
        .expect("install");
    assert_eq!(resp.status(), 303);
    let pool = db::open_pool(&db_path, 2).expect("pool");
    let mut conn = pool.get().expect("conn");
    let app_id: String = blnk_kyc::schema::installs::table
        .select(blnk_kyc::schema::installs::installed_app_id)
        .first(&mut conn)
        .expect("install row");
    let v: serde_json::Value = client
        .post(format!("{base}/api/portal"))
        .json(&serde_json::json!({"installed_app_id": app_id, "instance_id": "inst_sandbox"}))
        .send()
        .await
        .expect("portal")
        .json()
        .await
        .expect("json");
    let resp = client
        .get(v["portal_url"].as_str().expect("portal_url"))
        .send()
        .await
        .expect("redeem");
    let cookie = resp
        .headers()
        .get("set-cookie")
        .and_then(|h| h.to_str().ok())
        .and_then(|c| c.split(';').next())
        .expect("cookie")
        .to_owned();

    // N index rows with a spread of statuses, bands, countries, hits and findings. Every row
    // carries a real identity and a real assessment (about 0.5 and 3.3 KB, from a sandbox run),
    // as a sync and a screening leave them: a page reads rows of that size.
    let started = Instant::now();
    conn.batch_execute("BEGIN IMMEDIATE;").expect("begin");
    diesel::sql_query(
        "WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i + 1 < ?), \
           statuses(k, status) AS (VALUES (0, 'unreviewed'), (1, 'in_review'), (2, 'approved'), \
             (3, 'escalated'), (4, 'rejected')), \
           bands(k, band, score) AS (VALUES (0, 'low', 10), (1, 'medium', 50), (2, 'high', 75), \
             (3, 'critical', 90)) \
         INSERT INTO kyc_identities (installed_app_id, identity_id, display_name, identity_kind, \
           email, phone, country, body, content_hash, status, risk_score, risk_band, \
           findings_count, hits_count, assessment, first_seen_at, last_seen_at, refreshed_at) \
         SELECT ?, printf('idt_%08d', i), 'Person Number ' || i, 'individual', \
           'p' || i || '@example.com', printf('+2348000%06d', i), \
           substr('NGGBUSDEKEBRINFR', 1 + 2 * (i % 8), 2), ?, 'h' || i, \
           statuses.status, bands.score, bands.band, i % 3, i % 97 = 0, ?, i, i, i \
         FROM n JOIN statuses ON statuses.k = i % 5 JOIN bands ON bands.k = i % 4",
    )
    .bind::<diesel::sql_types::BigInt, _>(rows as i64)
    .bind::<diesel::sql_types::Text, _>(&app_id)
    .bind::<diesel::sql_types::Text, _>(include_str!("../bench/data/identity-sample.json").trim())
    .bind::<diesel::sql_types::Text, _>(include_str!("../bench/data/assessment-sample.json").trim())
    .execute(&mut conn)
    .expect("seed rows");
    conn.batch_execute("COMMIT;").expect("commit");
    drop(conn);
    println!(
        "indexed {rows} identities in {:.0} ms",
        started.elapsed().as_secs_f64() * 1e3
    );

    // The database work of one page, measured alone.
    {
        use blnk_kyc::kyc::index::{self, QueueQuery};
        let mut conn = pool.get().expect("conn");
        let q = QueueQuery {
            per_page: 50,
            page: 1,
            ..QueueQuery::default()
        };
        let now = chrono::Utc::now().timestamp();
        let mut parts: Vec<(&str, Vec<Duration>)> = vec![
            ("queue()", vec![]),
            ("status_counts()", vec![]),
            ("countries()", vec![]),
            ("count()", vec![]),
        ];
        for _ in 0..50 {
            let t = Instant::now();
            index::queue(&mut conn, &app_id, &q, now).expect("queue");
            parts[0].1.push(t.elapsed());
            let t = Instant::now();
            index::status_counts(&mut conn, &app_id).expect("counts");
            parts[1].1.push(t.elapsed());
            let t = Instant::now();
            index::countries(&mut conn, &app_id).expect("countries");
            parts[2].1.push(t.elapsed());
            let t = Instant::now();
            index::count(&mut conn, &app_id).expect("count");
            parts[3].1.push(t.elapsed());
        }
        for (name, v) in parts {
            let (mean, p50, p99) = stats(v);
            println!("db {name:<18} mean {mean:>8.0} µs  p50 {p50:>8.0} µs  p99 {p99:>8.0} µs");
        }
    }

    // Warm-up, then measure.
    time_get(&client, &format!("{base}/kyc/queue"), &cookie).await;
    let health = stats(time_get(&client, &format!("{base}/healthz"), "").await);
    println!("\n{REQUESTS} sequential requests per view unless noted, {rows} indexed identities, 50 rows per page");
    println!(
        "{:<44} {:>9} {:>9} {:>9} {:>7}",
        "request", "mean µs", "p50 µs", "p99 µs", "×health"
    );
    println!(
        "{:<44} {:>9.0} {:>9.0} {:>9.0} {:>7}",
        "GET /healthz", health.0, health.1, health.2, "1.0"
    );
    // Searches the trigram index cannot narrow (shorter than three characters: every row's
    // name, email and id compared, `12` in many rows and `p0` in one; or in every identity's
    // email) get fewer requests: they take tens of milliseconds at 100,000 identities.
    let views = [
        ("/kyc/queue", REQUESTS),
        ("/kyc/queue?status=all&band=high&country=NG", REQUESTS),
        ("/kyc/queue?status=all&hits=1&sort=hits", REQUESTS),
        ("/kyc/queue?status=all&q=Number%201234", REQUESTS),
        ("/kyc/queue?status=all&sort=name&page=200", REQUESTS),
        ("/kyc/queue?status=all&country=KE", REQUESTS),
        ("/kyc/queue?status=all&issues=1", REQUESTS),
        ("/kyc/queue?due=1", REQUESTS),
        ("/kyc/queue?status=all&q=4321", REQUESTS),
        ("/kyc/queue?status=all&q=12", SLOW_REQUESTS),
        ("/kyc/queue?status=all&q=p0", SLOW_REQUESTS),
        ("/kyc/queue?status=all&q=example", SLOW_REQUESTS),
    ];
    for (path, n) in views {
        let s = stats(time_n(&client, &format!("{base}{path}"), &cookie, n).await);
        println!(
            "{path:<44} {:>9.0} {:>9.0} {:>9.0} {:>7.1}{}",
            s.0,
            s.1,
            s.2,
            s.0 / health.0,
            if n == REQUESTS {
                String::new()
            } else {
                format!("  ({n} requests)")
            }
        );
    }
}
