//! Shared by the hostile-input, hostile-data and isolation suites: a small sandbox ledger from a
//! `SANDBOX_IDENTITIES` file, a snapshot of every table a request could write, the CSRF token of
//! a page, form posts, and a check that an error message is meant for people.

use std::path::PathBuf;

use diesel::prelude::*;
use diesel::sql_types::Text;
use serde_json::{json, Value};

use crate::helpers::*;
use crate::review::{launch_reviewer, page, wait_for_jobs, Reviewer};

/// An individual in the contract's identity shape.
pub fn person(id: &str, first: &str, last: &str, dob: &str, email: &str, city: &str) -> Value {
    json!({
        "identity_id": id,
        "identity_type": "individual",
        "category": "customer",
        "first_name": first,
        "last_name": last,
        "other_names": "",
        "gender": "female",
        "dob": dob,
        "email_address": email,
        "phone_number": "+46701234567",
        "nationality": "SE",
        "street": "Drottninggatan 1",
        "city": city,
        "state": "Stockholm",
        "post_code": "11151",
        "country": "SE",
        "created_at": "2026-01-05T10:00:00Z",
        "meta_data": {}
    })
}

/// A small ledger: two clean people and one exact variant of the bundled sample list's entry
/// 9001 (so there is a screening hit to give a verdict on).
pub fn small_ledger() -> Vec<Value> {
    vec![
        person(
            "idt_clean_1",
            "Mara",
            "Lindqvist",
            "1985-03-02T00:00:00Z",
            "mara.lindqvist@example.com",
            "Stockholm",
        ),
        person(
            "idt_clean_2",
            "Jonas",
            "Berg",
            "1979-11-20T00:00:00Z",
            "jonas.berg@example.com",
            "Uppsala",
        ),
        person(
            "idt_hit_1",
            "Dragomir",
            "Volkanov",
            "1968-06-14T00:00:00Z",
            "d.volkanov@example.com",
            "Kharkiv",
        ),
    ]
}

/// The app with the sandbox serving `identities` (written to a file in the test's temp dir and
/// named by `config.sandbox_identities`, as `SANDBOX_IDENTITIES` would).
pub async fn spawn_with_identities(identities: &[Value]) -> TestApp {
    let body = serde_json::to_string(identities).unwrap();
    spawn_app_with(move |c| {
        let path: PathBuf = c.database_path.parent().unwrap().join("identities.json");
        std::fs::write(&path, body).unwrap();
        c.sandbox_identities = Some(path);
    })
    .await
}

/// Installed on the default sandbox instance, launched, synced, screened, writes delivered.
pub async fn ready_reviewer(app: &TestApp) -> Reviewer {
    let r = launch_reviewer(app, &ALL_SCOPES).await;
    let (status, _) = page(app, &r, "/kyc").await;
    assert_eq!(status, 200);
    wait_for_jobs(app, &r).await;
    drain_outbox(app, 5, 200).await;
    r
}

/// The CSRF token of a page.
pub fn csrf_of(html: &str) -> String {
    html.split("name=\"csrf\" value=\"")
        .nth(1)
        .and_then(|r| r.split('"').next())
        .expect("a csrf field on the page")
        .to_owned()
}

/// Posts a raw body with the reviewer's cookie: (status, body).
pub async fn post_as(
    app: &TestApp,
    r: &Reviewer,
    path: &str,
    content_type: &str,
    body: impl Into<reqwest::Body>,
) -> (u16, String) {
    let resp = app
        .client
        .post(app.url(path))
        .header("cookie", &r.cookie)
        .header("content-type", content_type)
        .body(body)
        .send()
        .await
        .unwrap();
    let status = resp.status().as_u16();
    (status, resp.text().await.unwrap())
}

pub async fn post_form_as(
    app: &TestApp,
    r: &Reviewer,
    path: &str,
    form: &[(&str, &str)],
) -> (u16, String) {
    post_as(
        app,
        r,
        path,
        "application/x-www-form-urlencoded",
        serde_urlencoded::to_string(form).unwrap(),
    )
    .await
}

#[derive(QueryableByName)]
struct V {
    #[diesel(sql_type = Text)]
    v: String,
}

/// What each table a request could write holds: its row count and the columns a change would
/// touch. Equal snapshots mean nothing was written.
pub fn snapshot(app: &TestApp) -> Vec<(&'static str, String)> {
    let tables: [(&str, &str); 10] = [
        ("installs", "installed_app_id || status || updated_at"),
        ("processed_events", "idempotency_key || fingerprint"),
        (
            "launch_tokens",
            "id || secret_hash || expires_at || COALESCE(redeemed_at, '-')",
        ),
        ("portal_sessions", "session_hash || expires_at"),
        ("kyc_decisions", "decision_id"),
        ("kyc_hit_reviews", "identity_id || entity_id || verdict || at"),
        ("kyc_outbox", "id || state || next_attempt_at || attempts"),
        ("kyc_audit", "installed_app_id || seq"),
        (
            "kyc_identities",
            "installed_app_id || identity_id || status || case_version || COALESCE(pending_json, '')",
        ),
        ("kyc_jobs", "installed_app_id || kind || status || updated_at"),
    ];
    tables
        .iter()
        .map(|(table, expr)| {
            let sql = format!(
                "SELECT (SELECT COUNT(*) FROM {table}) || ':' || \
                 COALESCE((SELECT group_concat(x, ',') FROM (SELECT hex({expr}) AS x FROM {table} ORDER BY 1)), '') AS v"
            );
            let row: V = diesel::sql_query(sql).get_result(&mut app.conn()).unwrap();
            (*table, row.v)
        })
        .collect()
}

/// Asserts two snapshots are equal, naming the table that changed.
pub fn assert_unchanged(
    before: &[(&'static str, String)],
    after: &[(&'static str, String)],
    ctx: &str,
) {
    for ((table, a), (_, b)) in before.iter().zip(after) {
        assert_eq!(a, b, "{ctx}: table {table} changed");
    }
}

/// A message meant for people: a few words of text, no control characters, no debug dumps,
/// not an echo of a huge input.
pub fn assert_readable(message: &str, ctx: &str) {
    let m = message.trim();
    assert!(
        (10..=600).contains(&m.chars().count()),
        "{ctx}: message of {} chars: {m:.200}",
        m.chars().count()
    );
    assert!(
        m.split_whitespace().count() >= 3,
        "{ctx}: not a sentence: {m}"
    );
    assert!(
        !m.chars().any(char::is_control),
        "{ctx}: control characters in {m:?}"
    );
    for dump in ["panicked", "RUST_BACKTRACE", "Error {", "Some(", "\\u{"] {
        assert!(!m.contains(dump), "{ctx}: debug output in {m}");
    }
}

/// A JSON error of the machine routes: `{"error": code, "message": text}`.
pub fn assert_json_error(body: &str, ctx: &str) -> String {
    let v: Value = serde_json::from_str(body)
        .unwrap_or_else(|e| panic!("{ctx}: the error is not JSON ({e}): {body:.300}"));
    let code = v["error"].as_str().unwrap_or_else(|| panic!("{ctx}: {v}"));
    assert!(
        !code.is_empty() && code.chars().all(|c| c.is_ascii_lowercase() || c == '_'),
        "{ctx}: code {code:?}"
    );
    assert_readable(v["message"].as_str().unwrap_or_default(), ctx);
    code.to_owned()
}

/// The message of an HTML error page, or of the refusal notice on a re-shown identity page.
pub fn html_message(body: &str) -> String {
    let text = if let Some(rest) = body.split("id=\"decision-error\">").nth(1) {
        rest.split("</p>").next().unwrap_or_default()
    } else if let Some(rest) = body.split("data-testid=\"error-page\"").nth(1) {
        rest.split("</h1>")
            .nth(1)
            .and_then(|r| r.split("<p>").nth(1))
            .and_then(|r| r.split("</p>").next())
            .unwrap_or_default()
    } else {
        ""
    };
    text.replace("&#39;", "'")
        .replace("&#34;", "\"")
        .replace("&#38;", "&")
        .replace("&#60;", "<")
        .replace("&#62;", ">")
}

/// `/healthz` still answers 200 with the database ok.
pub async fn assert_healthy(app: &TestApp) {
    let resp = app.get("/healthz").await;
    assert_eq!(resp.status(), 200);
    let v: Value = resp.json().await.unwrap();
    assert_eq!(v["database"], "ok");
}
