//! Decisions over HTTP against the sandbox: the state machine's transitions, four-eyes,
//! stale-data refusal, hit dismissal memory, review falling due, the write-back outbox through
//! injected faults (exactly once, nothing lost), scope-less installs, and the identity's audit
//! trail.

use std::time::Duration;

use blnk_kyc::sandbox::DEFAULT_INSTANCE;
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Text};
use serde_json::{json, Value};

use crate::helpers::*;
use crate::review::{launch_reviewer, page, session_as, wait_for_jobs, Reviewer};

/// A synced and screened install with alice's session.
async fn ready(app: &TestApp, scopes: &[&str]) -> Reviewer {
    let r = launch_reviewer(app, scopes).await;
    let (status, _) = page(app, &r, "/kyc").await;
    assert_eq!(status, 200);
    wait_for_jobs(app, &r).await;
    r
}

#[derive(QueryableByName)]
struct IdRow {
    #[diesel(sql_type = Text)]
    identity_id: String,
}

/// Identities of the install matching an SQL condition on `kyc_identities`, by id.
fn ids(app: &TestApp, r: &Reviewer, condition: &str) -> Vec<String> {
    diesel::sql_query(format!(
        "SELECT identity_id FROM kyc_identities WHERE installed_app_id = ? AND {condition} ORDER BY identity_id"
    ))
    .bind::<Text, _>(&r.installed_app_id)
    .load::<IdRow>(&mut app.conn())
    .unwrap()
    .into_iter()
    .map(|r| r.identity_id)
    .collect()
}

fn low_risk(app: &TestApp, r: &Reviewer) -> Vec<String> {
    ids(
        app,
        r,
        "risk_band = 'low' AND hits_count = 0 AND status = 'unreviewed'",
    )
}

fn attr(html: &str, name: &str) -> String {
    html.split(&format!("name=\"{name}\" value=\""))
        .nth(1)
        .unwrap_or_else(|| panic!("no {name} field"))
        .split('"')
        .next()
        .unwrap()
        .to_owned()
}

/// What a form on the identity page carries: (csrf, case version, content hash). The token is
/// read from the page (every page has it); version and hash from the index, so a test can post
/// even when the page offers no form for the case's status.
async fn form_fields(app: &TestApp, r: &Reviewer, id: &str) -> (String, String, String) {
    let (status, html) = page(app, r, &format!("/kyc/identities/{id}")).await;
    assert_eq!(status, 200, "{html}");
    #[derive(QueryableByName)]
    struct Fields {
        #[diesel(sql_type = BigInt)]
        case_version: i64,
        #[diesel(sql_type = Text)]
        content_hash: String,
    }
    let f: Fields = diesel::sql_query(
        "SELECT case_version, content_hash FROM kyc_identities WHERE installed_app_id = ? AND identity_id = ?",
    )
    .bind::<Text, _>(&r.installed_app_id)
    .bind::<Text, _>(id)
    .get_result(&mut app.conn())
    .unwrap();
    if html.contains("name=\"version\" value=\"") {
        assert_eq!(
            attr(&html, "version"),
            f.case_version.to_string(),
            "the page shows the stored version"
        );
    }
    (
        attr(&html, "csrf"),
        f.case_version.to_string(),
        f.content_hash,
    )
}

async fn post_form(
    app: &TestApp,
    r: &Reviewer,
    path: &str,
    form: &[(&str, &str)],
) -> (u16, String) {
    let resp = app
        .client
        .post(app.url(path))
        .header("cookie", &r.cookie)
        .header("content-type", "application/x-www-form-urlencoded")
        .body(serde_urlencoded::to_string(form).unwrap())
        .send()
        .await
        .unwrap();
    let status = resp.status().as_u16();
    (status, resp.text().await.unwrap())
}

/// Submits a decision with the given form fields.
async fn post_decision(
    app: &TestApp,
    r: &Reviewer,
    id: &str,
    (csrf, version, hash): &(String, String, String),
    action: &str,
    reason: &str,
    note: &str,
) -> (u16, String) {
    post_form(
        app,
        r,
        &format!("/kyc/identities/{id}/decision"),
        &[
            ("csrf", csrf),
            ("action", action),
            ("reason_code", reason),
            ("note", note),
            ("version", version),
            ("content_hash", hash),
        ],
    )
    .await
}

/// Loads the page, then submits `action` with its current version and hash.
async fn decide(
    app: &TestApp,
    r: &Reviewer,
    id: &str,
    action: &str,
    reason: &str,
    note: &str,
) -> (u16, String) {
    let fields = form_fields(app, r, id).await;
    post_decision(app, r, id, &fields, action, reason, note).await
}

#[derive(QueryableByName, Debug)]
struct CaseRow {
    #[diesel(sql_type = Text)]
    status: String,
    #[diesel(sql_type = BigInt)]
    case_version: i64,
}

fn case(app: &TestApp, r: &Reviewer, id: &str) -> (String, i64) {
    let c: CaseRow = diesel::sql_query(
        "SELECT status, case_version FROM kyc_identities WHERE installed_app_id = ? AND identity_id = ?",
    )
    .bind::<Text, _>(&r.installed_app_id)
    .bind::<Text, _>(id)
    .get_result(&mut app.conn())
    .unwrap();
    (c.status, c.case_version)
}

fn count_where(app: &TestApp, table: &str, condition: &str) -> i64 {
    app.count(&format!("{table} WHERE {condition}"))
}

/// The identity as the sandbox Cloud holds it.
async fn cloud_identity(app: &TestApp, r: &Reviewer, id: &str) -> Value {
    app.client
        .get(app.url(&format!(
            "/sandbox/api/data/identities/{id}?instance_id={DEFAULT_INSTANCE}"
        )))
        .bearer_auth(&r.key)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap()
}

/// The sandbox's alerts for an identity.
async fn cloud_alerts(app: &TestApp, r: &Reviewer, id: &str) -> Vec<Value> {
    let v: Value = app
        .client
        .get(app.url(&format!(
            "/sandbox/api/alerts?instance_id={DEFAULT_INSTANCE}"
        )))
        .bearer_auth(&r.key)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let list = v.get("data").unwrap_or(&v).as_array().unwrap().clone();
    list.into_iter()
        .filter(|a| {
            a["affected_identities"]
                .as_array()
                .is_some_and(|ids| ids.iter().any(|x| x == id))
        })
        .collect()
}

async fn set_faults(app: &TestApp, faults: Value) {
    assert_eq!(
        app.post_json("/sandbox/faults", &faults).await.status(),
        200
    );
}

#[actix_web::test]
async fn a_reviewer_approves_a_low_risk_identity_and_blnk_gets_the_whole_kyc_namespace() {
    let app = spawn_app().await;
    let r = ready(&app, &ALL_SCOPES).await;
    drain_outbox(&app, 5, 200).await;
    let id = low_risk(&app, &r).remove(0);
    let before = cloud_identity(&app, &r, &id).await;
    let decided_at = app.clock.now().to_rfc3339();
    let (status, body) = decide(&app, &r, &id, "approve", "verified_documents", "").await;
    assert_eq!(status, 303, "{body}");
    assert_eq!(case(&app, &r, &id), ("approved".into(), 1));

    let (_, html) = page(&app, &r, &format!("/kyc/identities/{id}")).await;
    assert!(html.contains("data-status=\"approved\""));
    assert!(
        html.contains("Documents verified"),
        "the history names the reason"
    );
    assert!(
        html.contains("re-review due 2029-11-24"),
        "low risk: 36 months"
    );

    drain_outbox(&app, 5, 200).await;
    let after = cloud_identity(&app, &r, &id).await;
    let kyc = &after["meta_data"]["kyc"];
    assert_eq!(kyc["status"], "approved");
    assert_eq!(kyc["decided_by"], "usr_alice");
    assert_eq!(kyc["risk_band"], "low");
    assert!(kyc["risk_score"].is_number());
    assert_eq!(kyc["decided_at"], decided_at.as_str());
    assert!(kyc["review_due_at"]
        .as_str()
        .unwrap()
        .starts_with("2029-11-24"));
    assert!(kyc["decision_id"].as_str().unwrap().starts_with("dec_"));
    assert_eq!(kyc["screening"]["hits"], 0);
    assert!(kyc["screening"]["list_version"].is_string());
    // Other metadata is kept (the write merges the `kyc` key only).
    assert_eq!(
        after["meta_data"]["sandbox"], before["meta_data"]["sandbox"],
        "the sandbox's own metadata survives"
    );
    // The decision, its write-back and the view are all in an intact chain.
    let (_, audit) = page(&app, &r, "/kyc/audit").await;
    assert!(audit.contains("Chain intact"), "{audit}");
    assert_eq!(
        count_where(
            &app,
            "kyc_audit",
            &format!("kind = 'decision' AND identity_id = '{id}'")
        ),
        1
    );
    assert_eq!(
        count_where(
            &app,
            "kyc_audit",
            &format!("kind = 'write_back' AND identity_id = '{id}'")
        ),
        1
    );
    let (_, html) = page(&app, &r, &format!("/kyc/identities/{id}")).await;
    assert!(
        html.contains("data-state=\"synced\""),
        "the write shows as synced"
    );
}

#[actix_web::test]
async fn only_the_allowed_transitions_happen_and_refusals_change_nothing() {
    let app = spawn_app().await;
    let r = ready(&app, &ALL_SCOPES).await;
    let id = low_risk(&app, &r).remove(0);
    let decisions_now = || count_where(&app, "kyc_decisions", "1 = 1");

    assert_eq!(decide(&app, &r, &id, "start_review", "", "").await.0, 303);
    assert_eq!(case(&app, &r, &id), ("in_review".into(), 1));

    // Starting again is not a transition of in_review: 409 naming what is possible.
    let (status, html) = decide(&app, &r, &id, "start_review", "", "").await;
    assert_eq!(status, 409);
    assert!(
        html.contains("You cannot start review a case that is &#34;In review&#34;")
            || html.contains("You cannot start review a case that is &quot;In review&quot;"),
        "{html}"
    );
    assert!(html.contains("id=\"decision-error\""));
    assert_eq!(case(&app, &r, &id), ("in_review".into(), 1));

    // Escalating needs a reason and a note; the refusal keeps the draft note.
    let (status, html) = decide(&app, &r, &id, "escalate", "", "draft text kept").await;
    assert_eq!(status, 400);
    assert!(html.contains("Choose a reason code to escalate"), "{html}");
    assert!(html.contains("draft text kept"));
    let (status, _) = decide(&app, &r, &id, "escalate", "pep", "").await;
    assert_eq!(status, 400, "a note is required to escalate");
    assert_eq!(case(&app, &r, &id), ("in_review".into(), 1));

    assert_eq!(
        decide(
            &app,
            &r,
            &id,
            "escalate",
            "pep",
            "Possible PEP, check with compliance"
        )
        .await
        .0,
        303
    );
    assert_eq!(case(&app, &r, &id).0, "escalated");
    // From escalated only approve or reject.
    assert_eq!(
        decide(&app, &r, &id, "request_resubmission", "data_mismatch", "")
            .await
            .0,
        409
    );
    let (status, _) = decide(
        &app,
        &r,
        &id,
        "reject",
        "policy",
        "Outside our risk appetite",
    )
    .await;
    assert_eq!(status, 303);
    assert_eq!(case(&app, &r, &id).0, "rejected");
    // Rejected is final for reviewers.
    for action in ["approve", "start_review", "escalate"] {
        assert_eq!(
            decide(&app, &r, &id, action, "pep", "n").await.0,
            409,
            "{action}"
        );
    }
    // Unknown actions are bad input.
    assert_eq!(decide(&app, &r, &id, "delete", "", "").await.0, 400);
    assert_eq!(
        decisions_now(),
        3,
        "start, escalate, reject; refusals stored nothing"
    );
    assert_eq!(case(&app, &r, &id), ("rejected".into(), 3));

    // Resubmission from unreviewed goes through in_review implicitly and can start again.
    let other = low_risk(&app, &r).remove(0);
    assert_eq!(
        decide(
            &app,
            &r,
            &other,
            "request_resubmission",
            "document_unreadable",
            ""
        )
        .await
        .0,
        303
    );
    assert_eq!(case(&app, &r, &other).0, "resubmission_requested");
    assert_eq!(
        decide(&app, &r, &other, "start_review", "", "").await.0,
        303
    );
    assert_eq!(case(&app, &r, &other).0, "in_review");

    // A form without the CSRF token is refused before anything is read.
    let (_, version, hash) = form_fields(&app, &r, &other).await;
    let (status, _) = post_decision(
        &app,
        &r,
        &other,
        &("forged".to_owned(), version, hash),
        "approve",
        "verified_documents",
        "",
    )
    .await;
    assert_eq!(status, 403);
    assert_eq!(case(&app, &r, &other).0, "in_review");
}

#[actix_web::test]
async fn high_risk_needs_a_second_different_reviewer_and_unknown_reviewers_are_told() {
    let app = spawn_app().await;
    let alice = ready(&app, &ALL_SCOPES).await;
    let risky = ids(
        &app,
        &alice,
        "risk_band IN ('high', 'critical') AND status = 'unreviewed'",
    );
    assert!(risky.len() >= 2, "the seed has high-risk identities");
    let id = &risky[0];

    let (status, body) = decide(
        &app,
        &alice,
        id,
        "approve",
        "false_positive_hits",
        "Same name, different person: DOB and nationality differ",
    )
    .await;
    assert_eq!(status, 303, "{body}");
    assert_eq!(case(&app, &alice, id).0, "pending_approval");
    let (_, html) = page(&app, &alice, &format!("/kyc/identities/{id}")).await;
    assert!(html.contains("id=\"pending-proposal\""));
    assert!(html.contains("id=\"self-confirm-note\""));

    // Alice cannot confirm her own proposal.
    let (status, html) = decide(&app, &alice, id, "confirm_pending", "", "").await;
    assert_eq!(status, 409);
    assert!(
        html.contains("You proposed this decision yourself"),
        "{html}"
    );
    assert_eq!(case(&app, &alice, id).0, "pending_approval");

    // Bob can.
    let bob = session_as(&app, &alice, Some("usr_bob")).await;
    let (_, html) = page(&app, &bob, &format!("/kyc/identities/{id}")).await;
    assert!(!html.contains("id=\"self-confirm-note\""));
    assert_eq!(
        decide(&app, &bob, id, "confirm_pending", "", "Agreed")
            .await
            .0,
        303
    );
    assert_eq!(case(&app, &alice, id).0, "approved");
    assert_eq!(
        count_where(&app, "kyc_decisions", &format!("identity_id = '{id}' AND four_eyes = 'confirmed:usr_alice+usr_bob' AND reviewer = 'usr_bob'")),
        1
    );

    // Without a user id four-eyes cannot be enforced: the page says so and the record too.
    let anon = session_as(&app, &alice, None).await;
    let other = &risky[1];
    let (_, html) = page(&app, &anon, &format!("/kyc/identities/{other}")).await;
    assert!(html.contains("id=\"four-eyes-unavailable\""));
    assert!(html.contains("id=\"reviewer-unknown\""));
    let (status, body) = decide(
        &app,
        &anon,
        other,
        "reject",
        "sanctions_match",
        "Listed party",
    )
    .await;
    assert_eq!(status, 303, "{body}");
    assert_eq!(case(&app, &alice, other).0, "rejected");
    assert_eq!(
        count_where(
            &app,
            "kyc_decisions",
            &format!(
                "identity_id = '{other}' AND four_eyes = 'unenforceable' AND reviewer IS NULL"
            )
        ),
        1
    );
    assert_eq!(
        count_where(
            &app,
            "kyc_status_history",
            &format!("identity_id = '{other}' AND note LIKE '%four-eyes could not be enforced%'")
        ),
        1
    );

    // The queue's dashboard counts these decisions per reviewer and draws today's bar.
    let (status, html) = page(&app, &alice, "/kyc/queue").await;
    assert_eq!(status, 200);
    for (who, n) in [("usr_alice", 1), ("usr_bob", 1), ("unknown reviewer", 1)] {
        assert!(
            html.contains(&format!(
                "<tr><td>{who}</td><td class=\"num\">{n}</td></tr>"
            )),
            "{who}: {html}"
        );
    }
    let today = app.clock.now().format("%Y-%m-%d").to_string();
    assert!(html.contains(&format!("data-day=\"{today}\" data-decisions=\"3\"")));
    let backlog = app.count(&format!(
        "kyc_identities WHERE installed_app_id = '{}' AND status IN ('unreviewed','in_review','escalated','review_due','pending_approval')",
        alice.installed_app_id
    ));
    assert!(html.contains(&format!(
        "<div class=\"stat\" id=\"stat-backlog\"><span class=\"stat-n\">{backlog}</span>"
    )));
}

#[actix_web::test]
async fn a_decision_made_on_stale_data_is_refused_with_an_explanation() {
    let app = spawn_app().await;
    let alice = ready(&app, &ALL_SCOPES).await;
    let bob = session_as(&app, &alice, Some("usr_bob")).await;
    let id = low_risk(&app, &alice).remove(0);
    // Alice opens the page; Bob then starts the review.
    let (csrf, version, hash) = form_fields(&app, &alice, &id).await;
    assert_eq!(decide(&app, &bob, &id, "start_review", "", "").await.0, 303);
    let (status, html) = post_decision(
        &app,
        &alice,
        &id,
        &(csrf, version, hash),
        "approve",
        "verified_documents",
        "",
    )
    .await;
    assert_eq!(status, 409);
    assert!(html.contains("changed since the page was loaded"), "{html}");
    assert_eq!(
        case(&app, &alice, &id),
        ("in_review".into(), 1),
        "Bob's change stands"
    );

    // The identity's data changes in the index (a sync read new data) after Alice loaded it.
    let (csrf, version, hash) = form_fields(&app, &alice, &id).await;
    diesel::sql_query(
        "UPDATE kyc_identities SET content_hash = 'changed-by-sync' WHERE identity_id = ?",
    )
    .bind::<Text, _>(&id)
    .execute(&mut app.conn())
    .unwrap();
    let (status, html) = post_decision(
        &app,
        &alice,
        &id,
        &(csrf, version, hash),
        "approve",
        "verified_documents",
        "",
    )
    .await;
    assert_eq!(status, 409);
    assert!(
        html.contains("data changed in Blnk since the page was loaded"),
        "{html}"
    );
    assert_eq!(case(&app, &alice, &id).0, "in_review");
    assert_eq!(count_where(&app, "kyc_decisions", "1 = 1"), 1);
}

#[actix_web::test]
async fn a_dismissed_hit_stays_dismissed_until_the_identity_changes() {
    let app = spawn_app().await;
    let r = ready(&app, &ALL_SCOPES).await;
    let id = ids(&app, &r, "hits_count = 1").remove(0);
    let (_, html) = page(&app, &r, &format!("/kyc/identities/{id}")).await;
    assert!(html.contains("data-state=\"open\""));
    let entity = html
        .split("name=\"entity_id\" value=\"")
        .nth(1)
        .unwrap()
        .split('"')
        .next()
        .unwrap()
        .to_owned();
    let (csrf, version, _) = form_fields(&app, &r, &id).await;
    let hits_path = format!("/kyc/identities/{id}/hits");
    // A note is required.
    let (status, _) = post_form(
        &app,
        &r,
        &hits_path,
        &[
            ("csrf", &csrf),
            ("entity_id", &entity),
            ("verdict", "dismiss"),
            ("note", " "),
            ("version", &version),
        ],
    )
    .await;
    assert_eq!(status, 400);
    let (status, body) = post_form(
        &app,
        &r,
        &hits_path,
        &[
            ("csrf", &csrf),
            ("entity_id", &entity),
            ("verdict", "dismiss"),
            ("note", "Different date of birth and nationality"),
            ("version", &version),
        ],
    )
    .await;
    assert_eq!(status, 303, "{body}");
    let (_, html) = page(&app, &r, &format!("/kyc/identities/{id}")).await;
    assert!(html.contains("data-state=\"dismissed\""), "{html}");
    assert!(html.contains("Dismissed by usr_alice"));
    assert!(html.contains("id=\"open-hits\">0 open"));
    // Reopening the page (a fresh read from Cloud with the same data) keeps the dismissal.
    let (_, html) = page(&app, &r, &format!("/kyc/identities/{id}")).await;
    assert!(html.contains("data-state=\"dismissed\""));
    assert_eq!(
        count_where(
            &app,
            "kyc_audit",
            &format!("kind = 'hit_dismissed' AND identity_id = '{id}'")
        ),
        1
    );

    // The identity's date of birth changes in the ledger: the dismissal no longer applies.
    diesel::sql_query(
        "UPDATE sandbox_identities SET body = json_set(body, '$.dob', '1961-03-04T00:00:00Z') WHERE identity_id = ?",
    )
    .bind::<Text, _>(&id)
    .execute(&mut app.conn())
    .unwrap();
    let (_, html) = page(&app, &r, &format!("/kyc/identities/{id}")).await;
    assert!(html.contains("data-state=\"reopened\""), "{html}");
    assert!(html.contains("id=\"open-hits\">1 open"));
}

#[actix_web::test]
async fn an_approval_falls_due_when_its_date_passes_or_the_data_changes() {
    let app = spawn_app().await;
    let r = ready(&app, &ALL_SCOPES).await;
    let mut low = low_risk(&app, &r);
    let (dated, changed) = (low.remove(0), low.remove(0));
    for id in [&dated, &changed] {
        assert_eq!(
            decide(&app, &r, id, "approve", "low_risk_profile", "")
                .await
                .0,
            303
        );
    }
    // The data of one changes in the ledger; opening it shows it due at once.
    diesel::sql_query(
        "UPDATE sandbox_identities SET body = json_set(body, '$.street', '1 New Street') WHERE identity_id = ?",
    )
    .bind::<Text, _>(&changed)
    .execute(&mut app.conn())
    .unwrap();
    let (_, html) = page(&app, &r, &format!("/kyc/identities/{changed}")).await;
    assert!(html.contains("data-status=\"review_due\""), "{html}");
    assert!(html.contains("identity data changed since the decision"));
    assert_eq!(case(&app, &r, &dated).0, "approved");
    // 36 months and a day later the other one is due too.
    app.clock.advance(60 * 60 * 24 * (365 * 3 + 2));
    let r = session_as(&app, &r, Some("usr_alice")).await;
    let (_, html) = page(&app, &r, &format!("/kyc/identities/{dated}")).await;
    assert!(html.contains("data-status=\"review_due\""), "{html}");
    assert!(html.contains("re-review date passed"));
    // Blnk learns the new status.
    drain_outbox(&app, 5, 400).await;
    let v = cloud_identity(&app, &r, &dated).await;
    assert_eq!(v["meta_data"]["kyc"]["status"], "review_due");
    // And the case can be reviewed again.
    assert_eq!(
        decide(&app, &r, &dated, "start_review", "", "").await.0,
        303
    );
    assert_eq!(case(&app, &r, &dated).0, "in_review");
}

#[actix_web::test]
async fn writes_reach_blnk_exactly_once_through_429_500_timeouts_and_lost_answers() {
    let app = spawn_app_with(|c| c.cloud_timeout_secs = 1).await;
    let r = ready(&app, &ALL_SCOPES).await;
    // The first screening raised an alert per identity with hits; let those land first.
    drain_outbox(&app, 5, 400).await;
    let flagged = ids(&app, &r, "hits_count > 0");
    for id in &flagged {
        assert_eq!(
            cloud_alerts(&app, &r, id).await.len(),
            1,
            "one screening alert for {id}"
        );
    }

    let mut low = low_risk(&app, &r);
    // A storm of 429s, 500s, hangs and lost answers on a batch of decisions.
    set_faults(
        &app,
        json!({"rate_429": 0.2, "rate_500": 0.2, "hang_rate": 0.1, "lose_rate": 0.1}),
    )
    .await;
    let escalated: Vec<String> = low.drain(..3).collect();
    let approved: Vec<String> = low.drain(..3).collect();
    for id in &escalated {
        assert_eq!(
            decide(&app, &r, id, "escalate", "adverse_media", "Press reports")
                .await
                .0,
            303
        );
    }
    for id in &approved {
        assert_eq!(
            decide(&app, &r, id, "approve", "verified_documents", "")
                .await
                .0,
            303
        );
    }
    // Let the faults bite for a while, then let Cloud recover.
    for _ in 0..30 {
        app.clock.advance(10);
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    set_faults(&app, json!({})).await;
    drain_outbox(&app, 30, 400).await;
    assert_eq!(count_where(&app, "kyc_outbox", "state <> 'delivered'"), 0);
    for id in &escalated {
        let alerts = cloud_alerts(&app, &r, id).await;
        assert_eq!(alerts.len(), 1, "exactly one alert for {id}: {alerts:?}");
        let kept: String = diesel::sql_query(
            "SELECT anomaly_id AS identity_id FROM kyc_alerts WHERE identity_id = ?",
        )
        .bind::<Text, _>(id)
        .get_result::<IdRow>(&mut app.conn())
        .unwrap()
        .identity_id;
        assert_eq!(
            alerts[0]["anomaly_id"],
            kept.as_str(),
            "the anomaly id is kept"
        );
        assert_eq!(
            cloud_identity(&app, &r, id).await["meta_data"]["kyc"]["status"],
            "escalated"
        );
    }
    for id in &approved {
        assert_eq!(
            cloud_identity(&app, &r, id).await["meta_data"]["kyc"]["status"],
            "approved"
        );
    }
    // Resolving an escalated case resolves its alert.
    let id = &escalated[0];
    assert_eq!(
        decide(
            &app,
            &r,
            id,
            "approve",
            "false_positive_hits",
            "Reports were about a namesake"
        )
        .await
        .0,
        303
    );
    drain_outbox(&app, 5, 100).await;
    let alerts = cloud_alerts(&app, &r, id).await;
    assert_eq!(alerts.len(), 1);
    assert_eq!(alerts[0]["status"], "RESOLVED");
    let (_, audit) = page(&app, &r, "/kyc/audit").await;
    assert!(audit.contains("Chain intact"));
}

#[actix_web::test]
async fn a_failed_write_shows_its_reason_and_the_retry_button_sends_it_again() {
    let app = spawn_app().await;
    let r = ready(&app, &ALL_SCOPES).await;
    drain_outbox(&app, 5, 400).await;
    let id = low_risk(&app, &r).remove(0);
    assert_eq!(
        decide(&app, &r, &id, "approve", "verified_documents", "")
            .await
            .0,
        303
    );
    // Make the row fail permanently: the identity is gone from the ledger (404).
    diesel::sql_query(
        "UPDATE sandbox_identities SET identity_id = identity_id || '-moved' WHERE identity_id = ?",
    )
    .bind::<Text, _>(&id)
    .execute(&mut app.conn())
    .unwrap();
    for _ in 0..100 {
        if count_where(
            &app,
            "kyc_outbox",
            &format!("identity_id = '{id}' AND state = 'failed'"),
        ) == 1
        {
            break;
        }
        app.clock.advance(5);
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let (_, html) = page(&app, &r, &format!("/kyc/identities/{id}")).await;
    assert!(html.contains("data-state=\"failed\""), "{html}");
    assert!(html.contains("Not found in the ledger"));
    assert!(html.contains("id=\"retry-writes\""));
    // Back in the ledger; the reviewer retries.
    diesel::sql_query("UPDATE sandbox_identities SET identity_id = ? WHERE identity_id = ?")
        .bind::<Text, _>(&id)
        .bind::<Text, _>(format!("{id}-moved"))
        .execute(&mut app.conn())
        .unwrap();
    let (csrf, _, _) = form_fields(&app, &r, &id).await;
    let (status, _) = post_form(
        &app,
        &r,
        &format!("/kyc/identities/{id}/writeback/retry"),
        &[("csrf", &csrf)],
    )
    .await;
    assert_eq!(status, 303);
    drain_outbox(&app, 5, 100).await;
    assert_eq!(
        cloud_identity(&app, &r, &id).await["meta_data"]["kyc"]["status"],
        "approved"
    );
    assert_eq!(
        count_where(
            &app,
            "kyc_audit",
            &format!("kind = 'write_back_retry' AND identity_id = '{id}'")
        ),
        1
    );
}

#[actix_web::test]
async fn an_install_without_write_scopes_decides_locally_and_says_why_nothing_is_written() {
    let app = spawn_app().await;
    let r = ready(&app, &["data:read"]).await;
    let id = low_risk(&app, &r).remove(0);
    let (_, html) = page(&app, &r, &format!("/kyc/identities/{id}")).await;
    assert!(html.contains("not granted `data:write`"), "{html}");
    assert!(html.contains("not granted `alerts:write`"));
    assert_eq!(
        decide(&app, &r, &id, "escalate", "pep", "Check").await.0,
        303
    );
    assert_eq!(case(&app, &r, &id).0, "escalated");
    assert_eq!(
        app.count("kyc_outbox"),
        0,
        "nothing queued without the scopes"
    );
    let v = cloud_identity(&app, &r, &id).await;
    assert!(v["meta_data"].get("kyc").is_none());
}

#[actix_web::test]
async fn the_identity_audit_trail_exports_as_csv_and_the_export_is_recorded() {
    let app = spawn_app().await;
    let r = ready(&app, &ALL_SCOPES).await;
    let id = low_risk(&app, &r).remove(0);
    assert_eq!(
        decide(&app, &r, &id, "approve", "verified_documents", "ok")
            .await
            .0,
        303
    );
    let resp = app
        .get_with_cookie(&format!("/kyc/identities/{id}/audit.csv"), &r.cookie)
        .await;
    assert_eq!(resp.status(), 200);
    assert!(header(resp.headers(), reqwest::header::CONTENT_TYPE).starts_with("text/csv"));
    let csv = resp.text().await.unwrap();
    assert!(csv.contains(",decision,"), "{csv}");
    assert!(csv.contains("exported the identity's audit trail as CSV"));
    assert!(
        csv.lines().skip(1).all(|l| l.contains(&id)),
        "only this identity's events"
    );
    // Another install's identity id is not found through this session.
    let resp = app
        .get_with_cookie("/kyc/identities/idt_not_here/audit.csv", &r.cookie)
        .await;
    assert_eq!(resp.status(), 404);
}

#[actix_web::test]
async fn an_alert_whose_answer_was_lost_is_found_again_not_raised_twice() {
    let app = spawn_app_with(|c| c.cloud_timeout_secs = 1).await;
    // Alerts only (no metadata row ahead of the alert in the identity's line).
    let r = ready(&app, &["data:read", "alerts:read", "alerts:write"]).await;
    drain_outbox(&app, 5, 400).await;
    let id = low_risk(&app, &r).remove(0);
    set_faults(&app, json!({"lose_rate": 1.0})).await;
    assert_eq!(
        decide(
            &app,
            &r,
            &id,
            "escalate",
            "unusual_activity",
            "Check the source of funds"
        )
        .await
        .0,
        303
    );
    let mut attempted = false;
    for _ in 0..100 {
        if count_where(
            &app,
            "kyc_outbox",
            &format!("identity_id = '{id}' AND attempts > 0"),
        ) > 0
        {
            attempted = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(attempted, "the worker tried while answers were being lost");
    assert_eq!(
        cloud_alerts(&app, &r, &id).await.len(),
        1,
        "Cloud raised it"
    );
    set_faults(&app, json!({})).await;
    drain_outbox(&app, 5, 400).await;
    assert_eq!(
        cloud_alerts(&app, &r, &id).await.len(),
        1,
        "no duplicate alert"
    );
    assert_eq!(
        count_where(
            &app,
            "kyc_audit",
            &format!(
                "kind = 'write_back' AND identity_id = '{id}' AND detail LIKE '%answer was lost%'"
            )
        ),
        1
    );
    assert_eq!(
        count_where(
            &app,
            "kyc_alerts",
            &format!("identity_id = '{id}' AND state = 'open'")
        ),
        1
    );
}

#[derive(QueryableByName)]
struct TextRow {
    #[diesel(sql_type = diesel::sql_types::Nullable<Text>)]
    value: Option<String>,
}

/// Polls (bounded, real time) until `sql` (one text column named `value`) returns `want`.
async fn wait_for_value(app: &TestApp, sql: &str, bind: &str, want: &str, secs: u64) {
    let mut last = None;
    for _ in 0..secs * 10 {
        last = diesel::sql_query(sql)
            .bind::<Text, _>(bind)
            .get_result::<TextRow>(&mut app.conn())
            .ok()
            .and_then(|r| r.value);
        if last.as_deref() == Some(want) {
            return;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("{sql} with {bind}: wanted {want:?}, last saw {last:?}");
}

#[actix_web::test]
async fn writes_left_pending_by_a_killed_process_are_delivered_after_restart() {
    use crate::reliability::{handle, integrity_ok, run_binary};
    let dir = tempfile::tempdir().unwrap();
    let cwd = dir.path().to_owned();
    let (first, address) = run_binary(&cwd, &[("CLOUD_TIMEOUT_SECS", "1")]);
    let app = handle(&address, dir);
    let r = ready(&app, &ALL_SCOPES).await;
    let id = low_risk(&app, &r).remove(0);

    // Cloud goes down; the decision is acknowledged and its write waits in the outbox.
    set_faults(&app, json!({"rate_500": 1.0})).await;
    assert_eq!(
        decide(&app, &r, &id, "approve", "verified_documents", "")
            .await
            .0,
        303
    );
    let outbox_row = "SELECT CASE WHEN attempts > 0 THEN state ELSE 'untried' END AS value \
                      FROM kyc_outbox WHERE kind = 'metadata' AND identity_id = ?";
    wait_for_value(&app, outbox_row, &id, "pending", 30).await;

    // kill -9, then check the file and start again on the same database.
    drop(first);
    integrity_ok(&app);
    assert_eq!(
        count_where(&app, "kyc_decisions", &format!("identity_id = '{id}'")),
        1,
        "the acknowledged decision survived"
    );
    let _second = run_binary(&cwd, &[("CLOUD_TIMEOUT_SECS", "1")]);
    // The restarted worker delivers it (the new process's Cloud has no faults).
    wait_for_value(&app, outbox_row, &id, "delivered", 60).await;
    wait_for_value(
        &app,
        "SELECT json_extract(body, '$.meta_data.kyc.status') AS value FROM sandbox_identities WHERE identity_id = ?",
        &id,
        "approved",
        10,
    )
    .await;
    assert_eq!(
        count_where(
            &app,
            "kyc_audit",
            &format!("kind = 'write_back' AND identity_id = '{id}'")
        ),
        1
    );
}
