//! `POST /api/portal`: the portal generator (contract §4).

use blnk_kyc::schema::launch_tokens;
use diesel::prelude::*;
use serde_json::{json, Value};

use crate::helpers::*;

#[actix_web::test]
async fn launch_returns_a_fresh_portal_url_on_public_url_and_stores_only_the_hash() {
    let app = spawn_app().await;
    app.install("instapp_1").await;
    let a = app.launch("instapp_1", Some("user_7")).await;
    let b = app.launch("instapp_1", None).await;
    let prefix = format!("{}/portal?token=", app.address);
    assert!(a.starts_with(&prefix), "{a}");
    assert_ne!(a, b, "every launch gets its own token");
    let token = a.trim_start_matches(&prefix);
    // `<id>.<secret>`: the row's id, then 32 random bytes, base64url.
    let (id, secret) = token.split_once('.').unwrap();
    let id: i64 = id.parse().unwrap();
    assert_eq!(secret.len(), 43, "32 bytes base64url: {token}");
    assert!(secret
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_'));
    assert!(
        !contains(&app.database_bytes(), secret),
        "the token's secret is stored in plaintext"
    );
    let stored: Vec<u8> = launch_tokens::table
        .find(id)
        .select(launch_tokens::secret_hash)
        .get_result(&mut app.conn())
        .unwrap();
    assert_eq!(
        stored,
        blnk_kyc::crypto::hash_token(secret),
        "only its SHA-256"
    );
    let users: Vec<Option<String>> = launch_tokens::table
        .select(launch_tokens::user_id)
        .order(launch_tokens::created_at)
        .load(&mut app.conn())
        .unwrap();
    assert!(users.contains(&Some("user_7".into())) && users.contains(&None));
}

#[actix_web::test]
async fn bad_launch_requests_get_clear_json_errors() {
    let app = spawn_app().await;
    app.install("instapp_1").await;
    let cases = [
        (json!({}), 400, "missing_field"),
        (json!({"installed_app_id": 5}), 400, "invalid_payload"),
        (
            json!({"installed_app_id": "nope"}),
            403,
            "install_not_found",
        ),
        (
            json!({"installed_app_id": "instapp_1", "instance_id": "inst_other"}),
            403,
            "install_mismatch",
        ),
        (
            json!({"installed_app_id": "instapp_1", "app_id": "another_app"}),
            403,
            "install_mismatch",
        ),
    ];
    for (body, status, code) in cases {
        let resp = app.post_json("/api/portal", &body).await;
        assert_eq!(resp.status(), status, "{body}");
        let v: Value = resp.json().await.unwrap();
        assert_eq!(v["error"], code, "{body}");
    }
    assert_eq!(app.count("launch_tokens"), 0);
}

#[actix_web::test]
async fn launch_after_uninstall_is_refused() {
    let app = spawn_app().await;
    app.install("instapp_1").await;
    app.post_json("/api/callback", &uninstall_event("instapp_1"))
        .await;
    let resp = app
        .post_json("/api/portal", &json!({"installed_app_id": "instapp_1"}))
        .await;
    assert_eq!(resp.status(), 403);
    let v: Value = resp.json().await.unwrap();
    assert_eq!(v["error"], "install_inactive");
}

#[actix_web::test]
async fn the_callback_secret_also_guards_the_portal_generator() {
    let app = spawn_app_with(|c| {
        c.callback_secret = Some(blnk_kyc::crypto::Secret::new("portal-secret-0123456789"))
    })
    .await;
    let resp = app
        .post_json(
            "/api/callback?secret=portal-secret-0123456789",
            &install_event("i1", "blnk_key_x_000000001", &ALL_SCOPES),
        )
        .await;
    assert_eq!(resp.status(), 200);
    assert_eq!(
        app.post_json("/api/portal", &json!({"installed_app_id": "i1"}))
            .await
            .status(),
        401
    );
    let ok = app
        .post_json(
            "/api/portal?secret=portal-secret-0123456789",
            &json!({"installed_app_id": "i1"}),
        )
        .await;
    assert_eq!(ok.status(), 200);
}
