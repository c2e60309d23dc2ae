//! Cloud answering nonsense (issue 7 §8): malformed JSON and wrong shapes from the Cloud API
//! show as clear messages in the pages, nothing panics, the server stays healthy, and a decision
//! made meanwhile is kept with its write to Blnk marked failed with the reason.

use std::time::Duration;

use blnk_kyc::config::SandboxMode;
use serde_json::json;
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::helpers::*;

async fn cloud_app(server: &MockServer) -> TestApp {
    let base = url::Url::parse(&server.uri()).unwrap();
    spawn_app_with(move |c| {
        c.cloud_api_url = Some(base);
        c.sandbox = SandboxMode::Off;
        c.cloud_timeout_secs = 2;
    })
    .await
}

async fn page_with(app: &TestApp, cookie: &str, path: &str) -> (u16, String) {
    let resp = app.get_with_cookie(path, cookie).await;
    (resp.status().as_u16(), resp.text().await.unwrap())
}

/// Polls the jobs endpoint (bounded) until the sync has ended; returns its JSON.
async fn sync_outcome(app: &TestApp, cookie: &str) -> serde_json::Value {
    for _ in 0..200 {
        let (_, body) = page_with(app, cookie, "/kyc/jobs").await;
        let v: serde_json::Value = serde_json::from_str(&body).unwrap();
        if let Some(job) = v["jobs"]
            .as_array()
            .and_then(|jobs| jobs.iter().find(|j| j["kind"] == "sync"))
        {
            if job["status"] != "running" {
                return job.clone();
            }
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("the sync did not end");
}

#[actix_web::test]
async fn malformed_and_wrongly_shaped_cloud_answers_become_clear_messages() {
    for (what, body) in [
        (
            "malformed JSON",
            ResponseTemplate::new(200).set_body_string("{\"data\": ["),
        ),
        (
            "wrong shape",
            ResponseTemplate::new(200).set_body_json(json!({"data": "nope", "total": "x"})),
        ),
        (
            "HTML error page",
            ResponseTemplate::new(200).set_body_string("<html>gateway</html>"),
        ),
    ] {
        let server = MockServer::start().await;
        Mock::given(method("GET"))
            .and(path("/data/identities"))
            .respond_with(body)
            .mount(&server)
            .await;
        let app = cloud_app(&server).await;
        app.install("instapp_cf").await;
        let s = app.open_session("instapp_cf").await;
        let (status, _) = page_with(&app, &s.cookie, "/kyc").await;
        assert_eq!(status, 200, "{what}");
        let job = sync_outcome(&app, &s.cookie).await;
        assert_eq!(job["status"], "failed", "{what}: {job}");
        let (status, queue) = page_with(&app, &s.cookie, "/kyc/queue").await;
        assert_eq!(status, 200, "{what}");
        assert!(
            queue.contains("Blnk Cloud sent an answer the app does not understand"),
            "{what}: {queue}"
        );
        assert_eq!(app.get("/healthz").await.status(), 200, "{what}");
    }
}

#[actix_web::test]
async fn with_cloud_answering_nonsense_a_decision_is_kept_and_its_write_fails_with_the_reason() {
    let server = MockServer::start().await;
    let identity = json!({
        "identity_id": "idt_cf_1", "identity_type": "individual", "first_name": "Ada",
        "last_name": "Okafor", "email_address": "ada@example.com", "country": "NG",
        "dob": "1990-04-02T00:00:00Z", "phone_number": "+2348012345678"
    });
    Mock::given(method("GET"))
        .and(path("/data/identities"))
        .respond_with(
            ResponseTemplate::new(200).set_body_json(json!({"data": [identity], "total": 1})),
        )
        .mount(&server)
        .await;
    // Reading one identity and writing its metadata get answers of the wrong shape.
    Mock::given(method("GET"))
        .and(path("/data/identities/idt_cf_1"))
        .respond_with(ResponseTemplate::new(200).set_body_string("not json at all"))
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/proxy/idt_cf_1/metadata"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"unexpected": true})))
        .mount(&server)
        .await;
    let app = cloud_app(&server).await;
    app.install("instapp_cf").await;
    let s = app.open_session("instapp_cf").await;
    page_with(&app, &s.cookie, "/kyc").await;
    assert_eq!(sync_outcome(&app, &s.cookie).await["status"], "done");
    // Wait (bounded) for the screening of the one identity.
    for _ in 0..200 {
        if app.count("kyc_identities WHERE assessment IS NOT NULL") == 1 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }

    // The identity page says the refresh failed and shows the indexed copy.
    let (status, html) = page_with(&app, &s.cookie, "/kyc/identities/idt_cf_1").await;
    assert_eq!(status, 200);
    assert!(html.contains("Could not refresh from Blnk"), "{html}");
    assert!(html.contains("does not understand"));
    assert!(html.contains("Showing the last copy read"));

    // A decision is kept; its write keeps failing on the unreadable answer, then stops with
    // the reason shown.
    let csrf = html
        .split("name=\"csrf\" value=\"")
        .nth(1)
        .unwrap()
        .split('"')
        .next()
        .unwrap()
        .to_owned();
    let attr = |name: &str| {
        html.split(&format!("name=\"{name}\" value=\""))
            .nth(1)
            .unwrap()
            .split('"')
            .next()
            .unwrap()
            .to_owned()
    };
    let form = serde_urlencoded::to_string([
        ("csrf", csrf.as_str()),
        ("action", "approve"),
        ("reason_code", "verified_documents"),
        ("note", ""),
        ("version", &attr("version")),
        ("content_hash", &attr("content_hash")),
    ])
    .unwrap();
    let resp = app
        .client
        .post(app.url("/kyc/identities/idt_cf_1/decision"))
        .header("cookie", &s.cookie)
        .header("content-type", "application/x-www-form-urlencoded")
        .body(form)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 303);
    assert_eq!(app.count("kyc_decisions"), 1, "the decision is kept");
    for _ in 0..200 {
        if app.count("kyc_outbox WHERE state = 'failed'") == 1 {
            break;
        }
        app.clock.advance(60);
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(app.count("kyc_outbox WHERE state = 'failed'"), 1);
    // (The clock moved past the session's end; launch again.)
    let s = app.open_session("instapp_cf").await;
    let (status, html) = page_with(&app, &s.cookie, "/kyc/identities/idt_cf_1").await;
    assert_eq!(status, 200);
    assert!(html.contains("data-state=\"failed\""));
    assert!(html.contains("unreadable answer"), "{html}");
    assert!(html.contains("id=\"retry-writes\""));
    assert_eq!(app.get("/healthz").await.status(), 200);
}
