//! `POST /api/callback`: install and uninstall events (contract §3).

use blnk_kyc::schema::{installs, processed_events};
use diesel::prelude::*;
use serde_json::{json, Value};

use crate::helpers::*;

fn install_row(app: &TestApp, id: &str) -> (String, Option<Vec<u8>>, Option<String>, String, i64) {
    installs::table
        .find(id)
        .select((
            installs::status,
            installs::api_key_ciphertext,
            installs::api_key_kid,
            installs::granted_permissions,
            installs::updated_at,
        ))
        .first(&mut app.conn())
        .expect("install row")
}

#[actix_web::test]
async fn install_event_without_organization_id_is_stored_with_the_key_encrypted() {
    let app = spawn_app().await;
    let key = "blnk_live_SECRETKEY_abcdef0123456789";
    let resp = app
        .post_json(
            "/api/callback",
            &install_event("instapp_1", key, &["data:read", "alerts:write"]),
        )
        .await;
    assert_eq!(resp.status(), 200);
    let (status, ciphertext, kid, scopes, _) = install_row(&app, "instapp_1");
    assert_eq!(status, "active");
    assert_eq!(kid.as_deref(), Some("k1"));
    let ciphertext = ciphertext.expect("ciphertext");
    assert!(!contains(&ciphertext, key));
    assert_eq!(
        serde_json::from_str::<Vec<String>>(&scopes).unwrap(),
        ["data:read", "alerts:write"]
    );
    assert!(
        !contains(&app.database_bytes(), key),
        "API key found in plaintext in the database files"
    );
    assert!(!contains(&app.database_bytes(), "SECRETKEY"));
}

#[actix_web::test]
async fn older_install_payload_with_organization_id_and_unknown_fields_is_accepted() {
    let app = spawn_app().await;
    let mut ev = install_event("instapp_2", "blnk_key_older_version_1", &["data:read"]);
    ev["organization_id"] = json!("org_9");
    ev["installed_by"] = json!({"user": "u1", "extra": [1, 2]});
    assert_eq!(app.post_json("/api/callback", &ev).await.status(), 200);
    let org: Option<String> = installs::table
        .find("instapp_2")
        .select(installs::organization_id)
        .first(&mut app.conn())
        .unwrap();
    assert_eq!(org.as_deref(), Some("org_9"));
}

#[actix_web::test]
async fn duplicate_install_event_is_acknowledged_without_side_effects() {
    let app = spawn_app().await;
    let ev = install_event("instapp_1", "blnk_key_duplicate_0001", &ALL_SCOPES);
    assert_eq!(app.post_json("/api/callback", &ev).await.status(), 200);
    let before = install_row(&app, "instapp_1");
    app.clock.advance(60);
    assert_eq!(app.post_json("/api/callback", &ev).await.status(), 200);
    let after = install_row(&app, "instapp_1");
    assert_eq!(before.4, after.4, "a duplicate must not touch the row");
    assert_eq!(before.1, after.1, "a duplicate must not re-encrypt the key");
    assert_eq!(app.count("processed_events"), 1);
}

#[actix_web::test]
async fn concurrent_duplicate_deliveries_give_one_effect_and_two_200s() {
    let app = spawn_app().await;
    let ev = install_event("instapp_c", "blnk_key_concurrent_0001", &ALL_SCOPES);
    let sends = (0..8).map(|_| app.post_json("/api/callback", &ev));
    let responses = futures_util::future::join_all(sends).await;
    for r in responses {
        assert_eq!(r.status(), 200);
    }
    assert_eq!(app.count("processed_events"), 1);
    assert_eq!(app.count("installs"), 1);
}

#[actix_web::test]
async fn uninstall_marks_inactive_and_destroys_the_key() {
    let app = spawn_app().await;
    app.install("instapp_1").await;
    assert_eq!(
        app.post_json("/api/callback", &uninstall_event("instapp_1"))
            .await
            .status(),
        200
    );
    let (status, ciphertext, kid, _, _) = install_row(&app, "instapp_1");
    assert_eq!(status, "uninstalled");
    assert!(
        ciphertext.is_none() && kid.is_none(),
        "the key must be destroyed"
    );
    // a repeat of the uninstall is a no-op 200
    assert_eq!(
        app.post_json("/api/callback", &uninstall_event("instapp_1"))
            .await
            .status(),
        200
    );
    assert_eq!(app.count("processed_events"), 2);
}

#[actix_web::test]
async fn uninstall_of_an_unknown_install_is_acknowledged() {
    let app = spawn_app().await;
    assert_eq!(
        app.post_json("/api/callback", &uninstall_event("never_seen"))
            .await
            .status(),
        200
    );
    assert_eq!(app.count("installs"), 0);
}

#[actix_web::test]
async fn reinstall_after_uninstall_reactivates_with_the_new_key_and_scopes() {
    let app = spawn_app().await;
    app.post_json(
        "/api/callback",
        &install_event("instapp_1", "blnk_key_first_000001", &["data:read"]),
    )
    .await;
    app.post_json("/api/callback", &uninstall_event("instapp_1"))
        .await;
    app.clock.advance(10);
    // Cloud reuses `install:<id>` as the idempotency key of the new install.
    let resp = app
        .post_json(
            "/api/callback",
            &install_event("instapp_1", "blnk_key_second_00002", &ALL_SCOPES),
        )
        .await;
    assert_eq!(resp.status(), 200);
    let (status, ciphertext, _, scopes, _) = install_row(&app, "instapp_1");
    assert_eq!(status, "active");
    assert!(ciphertext.is_some());
    assert_eq!(
        serde_json::from_str::<Vec<String>>(&scopes).unwrap().len(),
        4
    );
    // and the new key is the one stored
    let install = blnk_kyc::lifecycle::installs::find(&mut app.conn(), "instapp_1")
        .unwrap()
        .unwrap();
    let ring = blnk_kyc::startup::load_keyring(
        &blnk_kyc::config::Config::for_dir(app.dir.path()),
        &app.pool,
    )
    .unwrap();
    assert_eq!(
        install.api_key(&ring).unwrap().expose(),
        "blnk_key_second_00002"
    );
}

#[actix_web::test]
async fn an_install_id_bound_to_another_instance_is_a_conflict() {
    let app = spawn_app().await;
    app.install("instapp_1").await;
    let mut ev = install_event("instapp_1", "blnk_key_other_000001", &ALL_SCOPES);
    ev["instance_id"] = json!("inst_other");
    ev["idempotency_key"] = json!("install:instapp_1:again");
    let resp = app.post_json("/api/callback", &ev).await;
    assert_eq!(resp.status(), 409);
    let v: Value = resp.json().await.unwrap();
    assert_eq!(v["error"], "install_conflict");
}

#[actix_web::test]
async fn malformed_or_wrongly_typed_payloads_are_400_and_nothing_is_stored() {
    let app = spawn_app().await;
    let cases: &[(&str, &str)] = &[
        ("not json", "invalid_payload"),
        ("[1,2]", "invalid_payload"),
        (
            r#"{"installed_app_id": 12, "api_key": "k"}"#,
            "invalid_payload",
        ),
        (
            r#"{"installed_app_id":"i","app_id":"a","instance_id":"n","api_key":"k","granted_permissions":"data:read"}"#,
            "invalid_payload",
        ),
        (r#"{"installed_app_id":"i"}"#, "unrecognised_event"),
        (
            r#"{"event":"ping","installed_app_id":"i"}"#,
            "unknown_event",
        ),
        (
            r#"{"app_id":"a","instance_id":"n","api_key":"k","idempotency_key":"install:x"}"#,
            "missing_field",
        ),
    ];
    for (body, code) in cases {
        let resp = app
            .post_raw("/api/callback", "application/json", body.to_string())
            .await;
        assert_eq!(resp.status(), 400, "{body}");
        assert!(resp
            .headers()
            .get("content-type")
            .unwrap()
            .to_str()
            .unwrap()
            .contains("json"));
        let v: Value = resp.json().await.unwrap();
        assert_eq!(v["error"], *code, "{body}");
        assert!(!v["message"].as_str().unwrap_or("").is_empty());
    }
    assert_eq!(app.count("installs"), 0);
    assert_eq!(app.count("processed_events"), 0);
}

#[actix_web::test]
async fn oversized_body_is_413_and_wrong_content_type_is_415() {
    let app = spawn_app().await;
    let mut ev = install_event("instapp_big", "blnk_key_big_0000001", &ALL_SCOPES);
    ev["padding"] = json!("x".repeat(70 * 1024));
    let resp = app.post_json("/api/callback", &ev).await;
    assert_eq!(resp.status(), 413);
    let v: Value = resp.json().await.unwrap();
    assert_eq!(v["error"], "payload_too_large");
    let body = install_event("instapp_form", "blnk_key_form_000001", &ALL_SCOPES).to_string();
    let resp = app
        .post_raw("/api/callback", "application/x-www-form-urlencoded", body)
        .await;
    assert_eq!(resp.status(), 415);
    assert_eq!(app.count("installs"), 0);
    assert_eq!(
        processed_events::table
            .count()
            .get_result::<i64>(&mut app.conn())
            .unwrap(),
        0
    );
}

#[actix_web::test]
async fn callback_secret_is_required_when_configured() {
    let app = spawn_app_with(|c| {
        c.callback_secret = Some(blnk_kyc::crypto::Secret::new("s3cret-shared-value-xyz"));
    })
    .await;
    let ev = install_event("instapp_1", "blnk_key_secret_00001", &ALL_SCOPES);
    assert_eq!(app.post_json("/api/callback", &ev).await.status(), 401);
    assert_eq!(
        app.post_json("/api/callback?secret=wrong", &ev)
            .await
            .status(),
        401
    );
    assert_eq!(app.count("installs"), 0);
    let resp = app
        .post_json("/api/callback?secret=s3cret-shared-value-xyz", &ev)
        .await;
    assert_eq!(resp.status(), 200);
    assert_eq!(app.count("installs"), 1);
}

#[actix_web::test]
async fn a_late_replay_of_the_original_install_does_not_undo_an_uninstall() {
    let app = spawn_app().await;
    let ev = install_event("instapp_1", "blnk_key_original_0001", &ALL_SCOPES);
    app.post_json("/api/callback", &ev).await;
    app.post_json("/api/callback", &uninstall_event("instapp_1"))
        .await;
    assert_eq!(app.post_json("/api/callback", &ev).await.status(), 200);
    assert_eq!(install_row(&app, "instapp_1").0, "uninstalled");
}
