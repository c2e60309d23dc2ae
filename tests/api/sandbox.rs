//! The sandbox: the simulated Cloud API (auth, scopes, filters, metadata, alerts, faults), the
//! dashboard's install/launch/uninstall over real HTTP, and the mode switch.

use std::time::Duration;

use blnk_kyc::config::{Config, SandboxMode};
use blnk_kyc::lifecycle::installs;
use blnk_kyc::sandbox::DEFAULT_INSTANCE;
use blnk_kyc::startup;
use reqwest::header::LOCATION;
use serde_json::{json, Value};

use crate::helpers::*;

async fn cloud_get(app: &TestApp, key: &str, path: &str) -> reqwest::Response {
    app.client
        .get(app.url(&format!("/sandbox/api{path}")))
        .bearer_auth(key)
        .send()
        .await
        .unwrap()
}

async fn cloud_send(
    app: &TestApp,
    method: reqwest::Method,
    key: &str,
    path: &str,
    body: Value,
) -> reqwest::Response {
    app.client
        .request(method, app.url(&format!("/sandbox/api{path}")))
        .bearer_auth(key)
        .json(&body)
        .send()
        .await
        .unwrap()
}

fn q(path: &str) -> String {
    let sep = if path.contains('?') { '&' } else { '?' };
    format!("{path}{sep}instance_id={DEFAULT_INSTANCE}")
}

#[actix_web::test]
async fn data_api_lists_pages_and_gets_identities() {
    let app = spawn_app().await;
    let (key, _) = dashboard_install(&app, &ALL_SCOPES).await;
    let resp = cloud_get(&app, &key, &q("/data/identities?page=2&pageSize=5")).await;
    assert_eq!(resp.status(), 200);
    let v: Value = resp.json().await.unwrap();
    assert_eq!(v["total"], 300);
    let data = v["data"].as_array().unwrap();
    assert_eq!(data.len(), 5);
    let id = data[0]["identity_id"].as_str().unwrap().to_owned();
    for field in [
        "identity_type",
        "first_name",
        "last_name",
        "dob",
        "email_address",
        "phone_number",
        "country",
        "meta_data",
    ] {
        assert!(data[0].get(field).is_some(), "identity lacks {field}");
    }
    let one: Value = cloud_get(&app, &key, &q(&format!("/data/identities/{id}")))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(one["identity_id"], id.as_str());
    let missing = cloud_get(&app, &key, &q("/data/identities/idt_nope")).await;
    assert_eq!(missing.status(), 404);
    let e: Value = missing.json().await.unwrap();
    assert_eq!(e["error_detail"]["code"], "IDT_NOT_FOUND");
    // the default page size is 20
    let v: Value = cloud_get(&app, &key, &q("/data/identities"))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(v["data"].as_array().unwrap().len(), 20);
}

#[actix_web::test]
async fn query_and_body_filters_select_identities() {
    let app = spawn_app().await;
    let (key, _) = dashboard_install(&app, &["data:read"]).await;
    let v: Value = cloud_get(
        &app,
        &key,
        &q("/data/identities?meta_data.sandbox.scenario_eq=dob_zero_date&pageSize=100"),
    )
    .await
    .json()
    .await
    .unwrap();
    let n = v["total"].as_u64().unwrap();
    assert!(n >= 3, "{v}");
    for i in v["data"].as_array().unwrap() {
        assert_eq!(i["dob"], "0001-01-01T00:00:00Z");
    }
    let body = json!({"filters": [
        {"field": "meta_data.sandbox.scenario", "operator": "in", "values": ["dob_zero_date", "minor"]},
        {"field": "meta_data.kyc", "operator": "notexists"}
    ]});
    let v: Value = cloud_send(
        &app,
        reqwest::Method::POST,
        &key,
        &q("/identities/filter?pageSize=100"),
        body,
    )
    .await
    .json()
    .await
    .unwrap();
    assert!(v["total"].as_u64().unwrap() > n);
    let bad = cloud_get(&app, &key, &q("/data/identities?country_zz=US")).await;
    assert_eq!(bad.status(), 400);
    let e: Value = bad.json().await.unwrap();
    assert_eq!(e["error_detail"]["code"], "GEN_VALIDATION_ERROR");
}

#[actix_web::test]
async fn keys_instances_and_scopes_are_enforced() {
    let app = spawn_app().await;
    let (key, _) = dashboard_install(&app, &["data:read"]).await;
    assert_eq!(
        cloud_get(&app, "blnk_wrong", &q("/data/identities"))
            .await
            .status(),
        401
    );
    assert_eq!(
        app.get(&app.url(&q("/sandbox/api/data/identities")))
            .await
            .status(),
        401
    );
    let other = cloud_get(&app, &key, "/data/identities?instance_id=inst_other").await;
    assert_eq!(other.status(), 403);
    assert_eq!(
        cloud_get(&app, &key, "/data/identities").await.status(),
        400
    );
    let write = cloud_send(
        &app,
        reqwest::Method::POST,
        &key,
        &q("/proxy/idt_x/metadata"),
        json!({"meta_data": {}}),
    )
    .await;
    assert_eq!(write.status(), 403);
    let e: Value = write.json().await.unwrap();
    assert_eq!(e["error_detail"]["code"], "INSUFFICIENT_SCOPE");
    assert_eq!(cloud_get(&app, &key, "/alerts").await.status(), 403);
}

#[actix_web::test]
async fn metadata_updates_merge_top_level_keys() {
    let app = spawn_app().await;
    let (key, _) = dashboard_install(&app, &ALL_SCOPES).await;
    let v: Value = cloud_get(&app, &key, &q("/data/identities?pageSize=1"))
        .await
        .json()
        .await
        .unwrap();
    let id = v["data"][0]["identity_id"].as_str().unwrap().to_owned();
    let path = q(&format!("/proxy/{id}/metadata"));
    let r = cloud_send(
        &app,
        reqwest::Method::POST,
        &key,
        &path,
        json!({"meta_data": {"kyc": {"status": "approved", "risk": 12}}}),
    )
    .await;
    assert_eq!(r.status(), 200);
    let merged: Value = r.json().await.unwrap();
    assert_eq!(merged["meta_data"]["kyc"]["status"], "approved");
    assert!(
        merged["meta_data"]["sandbox"].is_object(),
        "other top-level keys are kept"
    );
    // a second write replaces the whole namespace object
    let r = cloud_send(
        &app,
        reqwest::Method::POST,
        &key,
        &path,
        json!({"meta_data": {"kyc": {"status": "rejected"}}}),
    )
    .await;
    let merged: Value = r.json().await.unwrap();
    assert_eq!(merged["meta_data"]["kyc"], json!({"status": "rejected"}));
    let stored: Value = cloud_get(&app, &key, &q(&format!("/data/identities/{id}")))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(stored["meta_data"]["kyc"]["status"], "rejected");
    let filtered: Value = cloud_get(
        &app,
        &key,
        &q("/data/identities?meta_data.kyc.status_eq=rejected"),
    )
    .await
    .json()
    .await
    .unwrap();
    assert_eq!(filtered["total"], 1);
    let bad = cloud_send(&app, reqwest::Method::POST, &key, &path, json!({"kyc": 1})).await;
    assert_eq!(bad.status(), 400);
    let missing = cloud_send(
        &app,
        reqwest::Method::POST,
        &key,
        &q("/proxy/idt_missing/metadata"),
        json!({"meta_data": {}}),
    )
    .await;
    assert_eq!(missing.status(), 404);
}

#[actix_web::test]
async fn alerts_are_flagged_updated_and_listed() {
    let app = spawn_app().await;
    let (key, _) = dashboard_install(&app, &ALL_SCOPES).await;
    let v: Value = cloud_get(&app, &key, &q("/data/identities?pageSize=1"))
        .await
        .json()
        .await
        .unwrap();
    let id = v["data"][0]["identity_id"].as_str().unwrap().to_owned();
    let no_desc = cloud_send(
        &app,
        reqwest::Method::POST,
        &key,
        &format!("/alerts/flag/{id}"),
        json!({"title": "x"}),
    )
    .await;
    assert_eq!(no_desc.status(), 400);
    let created: Value = cloud_send(
        &app,
        reqwest::Method::POST,
        &key,
        &format!("/alerts/flag/{id}"),
        json!({"title": "Sanctions hit", "description": "Confirmed OFAC match"}),
    )
    .await
    .json()
    .await
    .unwrap();
    assert_eq!(created["status"], "FLAGGED");
    assert_eq!(created["affected_identities"], json!([id]));
    let anomaly = created["anomaly_id"].as_str().unwrap().to_owned();
    assert!(anomaly.starts_with("ano_"));
    let updated: Value = cloud_send(
        &app,
        reqwest::Method::PUT,
        &key,
        &format!("/alerts/flag/{anomaly}"),
        json!({"status": "RESOLVED"}),
    )
    .await
    .json()
    .await
    .unwrap();
    assert_eq!(updated["status"], "RESOLVED");
    let one: Value = cloud_get(&app, &key, &format!("/alerts/{anomaly}"))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(one["status"], "RESOLVED");
    let list: Value = cloud_get(&app, &key, "/alerts").await.json().await.unwrap();
    assert_eq!(list["total"], 1);
    let page = app
        .get(&format!("/sandbox/instances/{DEFAULT_INSTANCE}/alerts"))
        .await
        .text()
        .await
        .unwrap();
    assert!(page.contains(&anomaly) && page.contains("RESOLVED"));
}

#[actix_web::test]
async fn fault_knobs_answer_429_500_and_hang() {
    let app = spawn_app().await;
    let (key, _) = dashboard_install(&app, &ALL_SCOPES).await;
    let url = app.url(&q("/sandbox/api/data/identities"));
    let r = app
        .client
        .get(&url)
        .bearer_auth(&key)
        .header("x-sandbox-fail", "429")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 429);
    assert_eq!(header(r.headers(), "retry-after"), "1");
    let e: Value = r.json().await.unwrap();
    assert_eq!(e["error_detail"]["code"], "GEN_RATE_LIMITED");
    let hung = app
        .client
        .get(&url)
        .bearer_auth(&key)
        .header("x-sandbox-hang", "1")
        .timeout(Duration::from_millis(300))
        .send()
        .await;
    assert!(hung.is_err_and(|e| e.is_timeout()));
    // global knobs, as set from the dashboard
    let set = app
        .post_json("/sandbox/faults", &json!({"rate_500": 1.0}))
        .await;
    assert_eq!(set.status(), 200);
    assert_eq!(
        app.client
            .get(&url)
            .bearer_auth(&key)
            .send()
            .await
            .unwrap()
            .status(),
        500
    );
    assert_eq!(
        app.post_json("/sandbox/faults", &json!({"rate_500": 2.0}))
            .await
            .status(),
        400
    );
    app.post_json("/sandbox/faults", &json!({})).await;
    assert_eq!(
        app.client
            .get(&url)
            .bearer_auth(&key)
            .send()
            .await
            .unwrap()
            .status(),
        200
    );
}

#[actix_web::test]
async fn dashboard_launch_frames_the_portal_and_uninstall_revokes_the_key() {
    let app = spawn_app().await;
    let (key, installed_app_id) = dashboard_install(&app, &ALL_SCOPES).await;
    let dashboard = app.get("/sandbox").await;
    let csp = header(dashboard.headers(), "content-security-policy");
    assert!(csp.contains(&format!("frame-src {}", app.address)), "{csp}");
    assert!(dashboard.text().await.unwrap().contains(&installed_app_id));
    let launch = app
        .client
        .post(app.url(&format!("/sandbox/instances/{DEFAULT_INSTANCE}/launch")))
        .header("content-type", "application/x-www-form-urlencoded")
        .body("user_id=usr_bob")
        .send()
        .await
        .unwrap();
    assert_eq!(launch.status(), 200);
    let page = launch.text().await.unwrap();
    let prefix = format!("src=\"{}/portal?token=", app.address);
    assert!(page.contains(&prefix), "{page}");
    // the framed portal accepts the sandbox's origin as an ancestor
    let portal_csp = header(app.get("/kyc").await.headers(), "content-security-policy");
    assert!(portal_csp.contains(&format!(
        "http://127.0.0.1:{}",
        app.address.rsplit(':').next().unwrap()
    )));

    let resp = app
        .client
        .post(app.url(&format!("/sandbox/instances/{DEFAULT_INSTANCE}/uninstall")))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 303);
    let install = installs::find(&mut app.conn(), &installed_app_id)
        .unwrap()
        .unwrap();
    assert!(!install.is_active(), "the app received the uninstall event");
    assert_eq!(
        cloud_get(&app, &key, &q("/data/identities")).await.status(),
        401,
        "the key is revoked"
    );
}

#[actix_web::test]
async fn the_sandbox_is_404_when_off() {
    let app = spawn_app_with(|c| c.sandbox = SandboxMode::Off).await;
    assert_eq!(app.get("/sandbox").await.status(), 404);
    assert_eq!(app.get("/sandbox/api/data/identities").await.status(), 404);
    assert_eq!(app.count("sandbox_instances"), 0);
}

#[actix_web::test]
async fn sandbox_identities_file_replaces_the_seed_and_a_bad_file_stops_startup() {
    let dir = tempfile::tempdir().unwrap();
    let good = dir.path().join("ids.json");
    std::fs::write(&good, r#"[{"identity_id":"idt_1","first_name":"Ada","last_name":"Lovelace"},{"identity_id":"idt_2","organization_name":"Acme"}]"#).unwrap();
    let app = spawn_app_with(|c| c.sandbox_identities = Some(good.clone())).await;
    assert_eq!(app.count("sandbox_identities"), 2);

    let bad = dir.path().join("bad.json");
    std::fs::write(&bad, r#"[{"identity_id":"idt_1"},{"first_name":"no id"}]"#).unwrap();
    let mut config = Config::for_dir(&dir.path().join("other"));
    config.sandbox_identities = Some(bad);
    let err = startup::prepare_state(config, blnk_kyc::clock::Clock::System, 1)
        .err()
        .expect("a bad file stops startup");
    let text = err.to_string();
    assert!(
        text.contains("SANDBOX_IDENTITIES") && text.contains("identity_id"),
        "{text}"
    );
}

#[actix_web::test]
async fn sandbox_state_survives_a_restart() {
    let app = spawn_app().await;
    dashboard_install(&app, &["data:read"]).await;
    let config = Config::for_dir(app.dir.path());
    let again = startup::prepare_state(config, app.clock.clone(), 1).unwrap();
    drop(again);
    assert_eq!(app.count("sandbox_instances"), 1);
    assert_eq!(app.count("sandbox_identities"), 300);
    assert_eq!(app.count("sandbox_installs"), 1);
}

/// The dashboard is served with `Referrer-Policy: no-referrer`, so browsers post its forms with
/// `Origin: null`: accepted when `Sec-Fetch-Site` says same-origin, refused otherwise.
#[actix_web::test]
async fn dashboard_forms_posted_with_origin_null_are_accepted_only_from_the_dashboard() {
    let app = spawn_app().await;
    let install = |fetch_site: &'static str| {
        app.client
            .post(app.url(&format!("/sandbox/instances/{DEFAULT_INSTANCE}/install")))
            .header("content-type", "application/x-www-form-urlencoded")
            .header("origin", "null")
            .header("sec-fetch-site", fetch_site)
            .body("data:read=on")
            .send()
    };
    assert_eq!(install("cross-site").await.unwrap().status(), 403);
    let resp = install("same-origin").await.unwrap();
    assert_eq!(resp.status(), 303);
    assert!(header(resp.headers(), LOCATION).contains("Installed"));
}
