//! Isolation (spec §6): two installs on two sandbox instances at once. A session of install A
//! that puts install B's identity ids in URLs and forms gets 404 and changes none of B's rows;
//! its queue, CSV exports and audit log never show B's data.

use blnk_kyc::sandbox::dashboard::SANDBOX_APP_ID;
use blnk_kyc::sandbox::DEFAULT_INSTANCE;
use diesel::prelude::*;
use diesel::sql_types::Text;
use reqwest::header::{LOCATION, SET_COOKIE};
use serde_json::{json, Value};

use crate::fixtures::*;
use crate::helpers::*;
use crate::review::{page, wait_for_jobs, Reviewer};

#[derive(QueryableByName)]
struct V {
    #[diesel(sql_type = Text)]
    v: String,
}

fn one_text(app: &TestApp, sql: &str) -> String {
    diesel::sql_query(sql)
        .get_result::<V>(&mut app.conn())
        .unwrap()
        .v
}

/// Everything stored for install `id`, table by table.
fn rows_of(app: &TestApp, id: &str) -> Vec<(&'static str, String)> {
    let tables: [(&str, &str); 7] = [
        (
            "kyc_identities",
            "identity_id || status || case_version || content_hash || COALESCE(last_decision, '')",
        ),
        ("kyc_decisions", "decision_id || to_status"),
        (
            "kyc_hit_reviews",
            "identity_id || entity_id || verdict || at",
        ),
        ("kyc_outbox", "id || state || next_attempt_at || attempts"),
        ("kyc_audit", "seq || hash"),
        ("kyc_status_history", "id"),
        ("portal_sessions", "session_hash || expires_at"),
    ];
    tables
        .iter()
        .map(|(t, expr)| {
            let v = diesel::sql_query(format!(
                "SELECT (SELECT COUNT(*) FROM {t} WHERE installed_app_id = ?1) || ':' || \
                 COALESCE((SELECT group_concat(x, ',') FROM (SELECT hex({expr}) AS x FROM {t} \
                 WHERE installed_app_id = ?1 ORDER BY 1)), '') AS v"
            ))
            .bind::<Text, _>(id)
            .get_result::<V>(&mut app.conn())
            .unwrap()
            .v;
            (*t, v)
        })
        .collect()
}

/// Creates a second sandbox instance whose ledger has ids of its own (`b_…`) besides one id
/// both ledgers share, installs the app on it and opens a session as bob.
async fn second_install(app: &TestApp) -> Reviewer {
    let resp = app
        .client
        .post(app.url("/sandbox/instances"))
        .header("content-type", "application/x-www-form-urlencoded")
        .body("name=Ledger+B")
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 303);
    let instance = one_text(
        app,
        &format!("SELECT instance_id AS v FROM sandbox_instances WHERE instance_id <> '{DEFAULT_INSTANCE}'"),
    );
    diesel::sql_query(
        "UPDATE sandbox_identities SET identity_id = 'b_' || identity_id, \
         body = json_set(body, '$.identity_id', 'b_' || identity_id) \
         WHERE instance_id = ? AND identity_id IN ('idt_clean_1', 'idt_hit_1')",
    )
    .bind::<Text, _>(&instance)
    .execute(&mut app.conn())
    .unwrap();
    let scopes: Vec<(&str, &str)> = ALL_SCOPES.iter().map(|s| (*s, "on")).collect();
    let resp = app
        .client
        .post(app.url(&format!("/sandbox/instances/{instance}/install")))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(serde_urlencoded::to_string(&scopes).unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 303);
    assert!(header(resp.headers(), LOCATION).contains("Installed"));
    let installed_app_id = one_text(
        app,
        &format!("SELECT installed_app_id AS v FROM installs WHERE instance_id = '{instance}'"),
    );
    let resp = app
        .post_json(
            "/api/portal",
            &json!({"installed_app_id": installed_app_id, "app_id": SANDBOX_APP_ID,
                    "instance_id": instance, "user_id": "usr_bob"}),
        )
        .await;
    assert_eq!(resp.status(), 200);
    let url: Value = resp.json().await.unwrap();
    let resp = app.get(url["portal_url"].as_str().unwrap()).await;
    assert_eq!(resp.status(), 303);
    let b = Reviewer {
        cookie: header(resp.headers(), SET_COOKIE)
            .split(';')
            .next()
            .unwrap()
            .to_owned(),
        key: String::new(),
        installed_app_id,
    };
    assert_eq!(page(app, &b, "/kyc").await.0, 200);
    wait_for_jobs(app, &b).await;
    drain_outbox(app, 5, 200).await;
    b
}

fn field(html: &str, name: &str) -> String {
    html.split(&format!("name=\"{name}\" value=\""))
        .nth(1)
        .and_then(|s| s.split('"').next())
        .unwrap_or_else(|| panic!("no {name} field"))
        .to_owned()
}

#[actix_web::test]
async fn a_session_of_one_install_cannot_read_or_change_another_installs_data() {
    let app = spawn_with_identities(&small_ledger()).await;
    let a = ready_reviewer(&app).await;
    let b = second_install(&app).await;
    assert_ne!(a.installed_app_id, b.installed_app_id);

    // B works its own cases: a decision, a dismissed hit, and a write that failed.
    let (_, html) = page(&app, &b, "/kyc/identities/b_idt_hit_1").await;
    assert!(
        html.contains("data-entity=\"9001\""),
        "B's ledger has its hit"
    );
    let b_csrf = csrf_of(&html);
    let (status, _) = post_form_as(
        &app,
        &b,
        "/kyc/identities/b_idt_hit_1/hits",
        &[
            ("csrf", &b_csrf),
            ("entity_id", "9001"),
            ("verdict", "dismiss"),
            ("note", "B: different date of birth"),
            ("version", &field(&html, "version")),
        ],
    )
    .await;
    assert_eq!(status, 303);
    let (_, html) = page(&app, &b, "/kyc/identities/b_idt_clean_1").await;
    let (status, _) = post_form_as(
        &app,
        &b,
        "/kyc/identities/b_idt_clean_1/decision",
        &[
            ("csrf", &b_csrf),
            ("action", "start_review"),
            ("reason_code", ""),
            ("note", "B looks"),
            ("version", &field(&html, "version")),
            ("content_hash", &field(&html, "content_hash")),
        ],
    )
    .await;
    assert_eq!(status, 303);
    drain_outbox(&app, 5, 200).await;
    let failed = diesel::sql_query(
        "UPDATE kyc_outbox SET state = 'failed', last_error = 'B: injected' \
         WHERE installed_app_id = ? AND identity_id = 'b_idt_hit_1'",
    )
    .bind::<Text, _>(&b.installed_app_id)
    .execute(&mut app.conn())
    .unwrap();
    assert!(failed >= 1, "B has a write to retry");
    let (_, html) = page(&app, &b, "/kyc/identities/idt_clean_2").await;
    let (b_shared_version, b_shared_hash) = (field(&html, "version"), field(&html, "content_hash"));

    let b_before = rows_of(&app, &b.installed_app_id);
    let (_, a_home) = page(&app, &a, "/kyc").await;
    let a_csrf = csrf_of(&a_home);

    // Reads by id: 404, and nothing of B in the answer.
    for path in [
        "/kyc/identities/b_idt_hit_1",
        "/kyc/identities/b_idt_clean_1",
        "/kyc/identities/b_idt_hit_1/audit.csv",
        "/kyc/identities/b_idt_clean_1/audit.csv",
    ] {
        let (status, body) = page(&app, &a, path).await;
        assert_eq!(status, 404, "{path}");
        assert!(
            !body.contains("B: different") && !body.contains("B looks"),
            "{path}"
        );
    }
    // Changes by id, with A's own valid token and B's version and hash: 404.
    let forms: Vec<(&str, Vec<(&str, &str)>)> = vec![
        (
            "/kyc/identities/b_idt_clean_1/decision",
            vec![
                ("csrf", &a_csrf),
                ("action", "start_review"),
                ("reason_code", ""),
                ("note", "A was here"),
                ("version", "1"),
                ("content_hash", &b_shared_hash),
            ],
        ),
        (
            "/kyc/identities/b_idt_hit_1/decision",
            vec![
                ("csrf", &a_csrf),
                ("action", "start_review"),
                ("reason_code", ""),
                ("note", "A was here"),
                ("version", "1"),
                ("content_hash", &b_shared_hash),
            ],
        ),
        (
            "/kyc/identities/b_idt_hit_1/hits",
            vec![
                ("csrf", &a_csrf),
                ("entity_id", "9001"),
                ("verdict", "confirm"),
                ("note", "A was here"),
                ("version", "1"),
            ],
        ),
        (
            "/kyc/identities/b_idt_hit_1/writeback/retry",
            vec![("csrf", &a_csrf)],
        ),
    ];
    for (path, form) in &forms {
        let (status, body) = post_form_as(&app, &a, path, form).await;
        assert_eq!(status, 404, "{path}: {:.300}", html_message(&body));
        assert_readable(&html_message(&body), path);
    }
    // B's token in A's session, and A's token in B's: refused.
    let (status, _) = post_form_as(
        &app,
        &a,
        "/kyc/identities/idt_clean_2/decision",
        &[
            ("csrf", &b_csrf),
            ("action", "start_review"),
            ("reason_code", ""),
            ("note", "cross token"),
            ("version", &b_shared_version),
            ("content_hash", &b_shared_hash),
        ],
    )
    .await;
    assert_eq!(status, 403, "B's CSRF token is not A's");
    let (status, _) = post_form_as(&app, &b, "/kyc/sync", &[("csrf", &a_csrf)]).await;
    assert_eq!(status, 403, "A's CSRF token is not B's");

    // Lists and exports: only A's rows, whatever the URL adds.
    let smuggle = format!("installed_app_id={}&instance_id=x", b.installed_app_id);
    let (status, queue) = page(&app, &a, &format!("/kyc/queue?status=all&{smuggle}")).await;
    assert_eq!(status, 200);
    assert!(!queue.contains("b_idt_"), "B's ids in A's queue");
    assert!(queue.contains("data-identity=\"idt_clean_1\""));
    let (_, search) = page(&app, &a, "/kyc/queue?status=all&q=b_idt").await;
    assert!(!search.contains("data-identity=\"b_"));
    for path in [
        format!("/kyc/queue.csv?status=all&{smuggle}"),
        format!("/kyc/audit.csv?{smuggle}"),
        format!("/kyc/audit?{smuggle}"),
        "/kyc/jobs".to_owned(),
    ] {
        let (status, body) = page(&app, &a, &path).await;
        assert_eq!(status, 200, "{path}");
        for b_only in [
            "b_idt_",
            "B: different",
            "B looks",
            "usr_bob",
            &b.installed_app_id,
        ] {
            assert!(!body.contains(b_only), "{path} shows B's {b_only}");
        }
    }
    let (_, csv) = page(&app, &a, "/kyc/queue.csv?status=all").await;
    assert_eq!(csv.lines().count(), 1 + 3, "A's three identities only");

    // A works on the id both ledgers share: only A's row moves.
    let (_, html) = page(&app, &a, "/kyc/identities/idt_clean_2").await;
    let (status, _) = post_form_as(
        &app,
        &a,
        "/kyc/identities/idt_clean_2/decision",
        &[
            ("csrf", &a_csrf),
            ("action", "start_review"),
            ("reason_code", ""),
            ("note", "A looks"),
            ("version", &field(&html, "version")),
            ("content_hash", &field(&html, "content_hash")),
        ],
    )
    .await;
    assert_eq!(status, 303);
    let (status, _) = post_form_as(
        &app,
        &a,
        "/kyc/identities/idt_clean_2/writeback/retry",
        &[("csrf", &a_csrf)],
    )
    .await;
    assert_eq!(status, 303, "A may retry its own identity's writes");
    drain_outbox(&app, 5, 200).await;

    assert_unchanged(&b_before, &rows_of(&app, &b.installed_app_id), "install B");
    let (_, b_page) = page(&app, &b, "/kyc/identities/idt_clean_2").await;
    assert!(
        b_page.contains("data-status=\"unreviewed\""),
        "B's copy untouched"
    );
    assert!(!b_page.contains("A looks"));
    assert_healthy(&app).await;
}
