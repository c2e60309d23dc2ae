//! Portal sessions (spec §2): redemption, the cookie and URL carriers, expiry, CSRF, headers.

use blnk_kyc::lifecycle::sessions::purge_expired;
use reqwest::header::{LOCATION, SET_COOKIE};

use crate::helpers::*;

#[actix_web::test]
async fn redeeming_a_launch_sets_a_partitioned_cookie_and_drops_the_token_from_the_url() {
    let app = spawn_app().await;
    app.install("instapp_1").await;
    let url = app.launch("instapp_1", Some("user_1")).await;
    let resp = app.get(&url).await;
    assert_eq!(resp.status(), 303);
    let location = header(resp.headers(), LOCATION);
    assert!(location.starts_with("/kyc?s="), "{location}");
    let token = url.split("token=").nth(1).unwrap();
    assert!(!location.contains(token));
    let cookie = header(resp.headers(), SET_COOKIE);
    for attr in [
        "kyc_session=",
        "SameSite=None",
        "Secure",
        "HttpOnly",
        "Partitioned",
        "Path=/",
    ] {
        assert!(cookie.contains(attr), "{cookie} lacks {attr}");
    }
    let sid = location.trim_start_matches("/kyc?s=");
    assert!(
        !contains(&app.database_bytes(), sid),
        "session id stored in plaintext"
    );
}

#[actix_web::test]
async fn a_launch_token_works_once() {
    let app = spawn_app().await;
    app.install("instapp_1").await;
    let url = app.launch("instapp_1", None).await;
    assert_eq!(app.get(&url).await.status(), 303);
    let again = app.get(&url).await;
    assert_eq!(again.status(), 401);
    let page = again.text().await.unwrap();
    assert!(
        page.contains("Launch app"),
        "the 401 page tells the user to relaunch"
    );
}

#[actix_web::test]
async fn concurrent_redemptions_of_one_token_open_one_session() {
    let app = spawn_app().await;
    app.install("instapp_1").await;
    let url = app.launch("instapp_1", None).await;
    let results = futures_util::future::join_all((0..6).map(|_| app.get(&url))).await;
    let ok = results.iter().filter(|r| r.status() == 303).count();
    let refused = results.iter().filter(|r| r.status() == 401).count();
    assert_eq!((ok, refused), (1, 5));
    assert_eq!(app.count("portal_sessions"), 1);
}

#[actix_web::test]
async fn an_expired_launch_token_is_410_and_unknown_or_missing_ones_are_401_and_400() {
    let app = spawn_app().await;
    app.install("instapp_1").await;
    let url = app.launch("instapp_1", None).await;
    app.clock.advance(901);
    let resp = app.get(&url).await;
    assert_eq!(resp.status(), 410);
    assert!(resp.text().await.unwrap().contains("expired"));
    assert_eq!(
        app.get("/portal?token=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA")
            .await
            .status(),
        401
    );
    assert_eq!(app.get("/portal").await.status(), 400);
    assert_eq!(app.count("portal_sessions"), 0);
}

#[actix_web::test]
async fn with_the_cookie_the_url_is_cleaned_and_links_carry_no_session() {
    let app = spawn_app().await;
    app.install("instapp_1").await;
    let s = app.open_session("instapp_1").await;
    let resp = app
        .get_with_cookie(&format!("/kyc?s={}", s.id), &s.cookie)
        .await;
    assert_eq!(resp.status(), 303);
    assert_eq!(header(resp.headers(), LOCATION), "/kyc");
    let page = app.get_with_cookie("/kyc", &s.cookie).await;
    assert_eq!(page.status(), 200);
    let html = page.text().await.unwrap();
    assert!(html.contains("inst_1") && html.contains("user_42"));
    assert!(
        !html.contains(&s.id),
        "the session id must not be in the page in cookie mode"
    );
    assert!(!html.contains("cookieless"));
}

#[actix_web::test]
async fn without_the_cookie_the_session_travels_in_links_and_forms() {
    let app = spawn_app().await;
    app.install("instapp_1").await;
    let s = app.open_session("instapp_1").await;
    let page = app.get(&format!("/kyc?s={}", s.id)).await;
    assert_eq!(page.status(), 200);
    let html = page.text().await.unwrap();
    assert!(html.contains(&format!("href=\"/kyc?s={}\"", s.id)));
    assert!(html.contains(&format!("action=\"/kyc/session/end?s={}\"", s.id)));
    assert!(html.contains("cookieless"));
}

#[actix_web::test]
async fn portal_pages_need_a_session() {
    let app = spawn_app().await;
    let resp = app.get("/kyc").await;
    assert_eq!(resp.status(), 401);
    assert!(resp.text().await.unwrap().contains("Blnk Cloud"));
    assert_eq!(app.get("/kyc?s=forged").await.status(), 401);
}

#[actix_web::test]
async fn an_expired_session_shows_the_expiry_page() {
    let app = spawn_app().await;
    app.install("instapp_1").await;
    let s = app.open_session("instapp_1").await;
    app.clock.advance(899);
    assert_eq!(app.get_with_cookie("/kyc", &s.cookie).await.status(), 200);
    app.clock.advance(1);
    let resp = app.get_with_cookie("/kyc", &s.cookie).await;
    assert_eq!(resp.status(), 410);
    assert!(resp.text().await.unwrap().contains("Launch app"));
    assert_eq!(app.get(&format!("/kyc?s={}", s.id)).await.status(), 410);
}

#[actix_web::test]
async fn uninstall_ends_live_sessions_and_pending_tokens_at_once() {
    let app = spawn_app().await;
    app.install("instapp_a").await;
    app.install("instapp_b").await;
    let a = app.open_session("instapp_a").await;
    let b = app.open_session("instapp_b").await;
    let pending = app.launch("instapp_a", None).await;
    app.post_json("/api/callback", &uninstall_event("instapp_a"))
        .await;
    let resp = app.get_with_cookie("/kyc", &a.cookie).await;
    assert_eq!(resp.status(), 403);
    assert!(resp.text().await.unwrap().contains("uninstalled"));
    assert_eq!(app.get(&pending).await.status(), 403);
    assert_eq!(
        app.get_with_cookie("/kyc", &b.cookie).await.status(),
        200,
        "install B is unaffected"
    );
    // a reinstall (Cloud issues a new key) does not revive the old session
    let reinstall = install_event("instapp_a", "blnk_key_reinstalled_01", &ALL_SCOPES);
    assert_eq!(
        app.post_json("/api/callback", &reinstall).await.status(),
        200
    );
    assert_eq!(app.get_with_cookie("/kyc", &a.cookie).await.status(), 410);
}

#[actix_web::test]
async fn ending_a_session_needs_the_csrf_token_and_the_apps_origin() {
    let app = spawn_app().await;
    app.install("instapp_1").await;
    let s = app.open_session("instapp_1").await;
    let html = app
        .get_with_cookie("/kyc", &s.cookie)
        .await
        .text()
        .await
        .unwrap();
    let csrf = html
        .split("name=\"csrf\" value=\"")
        .nth(1)
        .and_then(|r| r.split('"').next())
        .expect("csrf field")
        .to_owned();
    let post = |token: String, origin: Option<String>| {
        let mut req = app
            .client
            .post(app.url("/kyc/session/end"))
            .header(reqwest::header::COOKIE, &s.cookie)
            .header(
                reqwest::header::CONTENT_TYPE,
                "application/x-www-form-urlencoded",
            )
            .body(serde_urlencoded::to_string([("csrf", token)]).unwrap());
        if let Some(o) = origin {
            req = req.header(reqwest::header::ORIGIN, o);
        }
        req.send()
    };
    assert_eq!(post("wrong".into(), None).await.unwrap().status(), 403);
    assert_eq!(
        post(csrf.clone(), Some("https://evil.example".into()))
            .await
            .unwrap()
            .status(),
        403
    );
    assert_eq!(
        app.get_with_cookie("/kyc", &s.cookie).await.status(),
        200,
        "refused posts change nothing"
    );
    let ok = post(csrf, Some(app.address.clone())).await.unwrap();
    assert_eq!(ok.status(), 200);
    let cleared = header(ok.headers(), SET_COOKIE);
    assert!(cleared.contains("Max-Age=0") && cleared.contains("Partitioned"));
    assert_eq!(app.get_with_cookie("/kyc", &s.cookie).await.status(), 410);
}

#[actix_web::test]
async fn portal_and_error_pages_send_the_security_headers() {
    let app = spawn_app().await;
    app.install("instapp_1").await;
    let s = app.open_session("instapp_1").await;
    for resp in [
        app.get_with_cookie("/kyc", &s.cookie).await,
        app.get("/kyc").await,
        app.get("/portal?token=x").await,
    ] {
        let h = resp.headers();
        let csp = header(h, "content-security-policy");
        assert!(csp.contains("default-src 'self'"), "{csp}");
        assert!(
            csp.contains(
                "frame-ancestors 'self' https://cloud.blnkfinance.com https://*.blnkfinance.com"
            ),
            "{csp}"
        );
        assert!(!csp.contains("unsafe-inline"));
        assert!(h.get("x-frame-options").is_none());
        assert_eq!(header(h, "x-content-type-options"), "nosniff");
        assert_eq!(header(h, "referrer-policy"), "no-referrer");
        assert_eq!(header(h, "cache-control"), "no-store");
    }
}

#[actix_web::test]
async fn frame_ancestors_comes_from_the_configuration() {
    let app = spawn_app_with(|c| {
        c.frame_ancestors = "https://cloud.example.com".into();
        c.sandbox = blnk_kyc::config::SandboxMode::Off;
    })
    .await;
    let csp = header(app.get("/").await.headers(), "content-security-policy");
    assert!(
        csp.ends_with("frame-ancestors https://cloud.example.com"),
        "{csp}"
    );
}

#[actix_web::test]
async fn expired_tokens_and_sessions_are_purged_after_a_grace_period() {
    let app = spawn_app().await;
    app.install("instapp_1").await;
    let _s = app.open_session("instapp_1").await;
    let _pending = app.launch("instapp_1", None).await;
    let now = app.clock.now_ts();
    assert_eq!(purge_expired(&mut app.conn(), now).unwrap(), (0, 0));
    assert_eq!(
        purge_expired(&mut app.conn(), now + 900 + 3599).unwrap(),
        (0, 0)
    );
    assert_eq!(
        purge_expired(&mut app.conn(), now + 900 + 3600).unwrap(),
        (2, 1)
    );
    assert_eq!(app.count("launch_tokens") + app.count("portal_sessions"), 0);
}

#[actix_web::test]
async fn health_check_reports_the_database() {
    let app = spawn_app().await;
    let resp = app.get("/healthz").await;
    assert_eq!(resp.status(), 200);
    let v: serde_json::Value = resp.json().await.unwrap();
    assert_eq!(v["database"], "ok");
    assert_eq!(app.get("/no/such/page").await.status(), 404);
}

/// Chrome posts forms of a `Referrer-Policy: no-referrer` page with `Origin: null`, even to the
/// page's own origin; `Sec-Fetch-Site` tells whether the form was the app's own.
#[actix_web::test]
async fn ending_a_session_from_a_no_referrer_page_sends_origin_null_and_is_accepted() {
    let app = spawn_app().await;
    app.install("instapp_1").await;
    let s = app.open_session("instapp_1").await;
    let html = app
        .get_with_cookie("/kyc", &s.cookie)
        .await
        .text()
        .await
        .unwrap();
    let csrf = html
        .split("name=\"csrf\" value=\"")
        .nth(1)
        .and_then(|r| r.split('"').next())
        .expect("csrf field")
        .to_owned();
    let post = |fetch_site: &'static str| {
        app.client
            .post(app.url("/kyc/session/end"))
            .header(reqwest::header::COOKIE, &s.cookie)
            .header(
                reqwest::header::CONTENT_TYPE,
                "application/x-www-form-urlencoded",
            )
            .header(reqwest::header::ORIGIN, "null")
            .header("sec-fetch-site", fetch_site)
            .body(serde_urlencoded::to_string([("csrf", csrf.clone())]).unwrap())
            .send()
    };
    for foreign in ["cross-site", "same-site"] {
        assert_eq!(
            post(foreign).await.unwrap().status(),
            403,
            "Origin: null from a {foreign} context"
        );
    }
    assert_eq!(app.get_with_cookie("/kyc", &s.cookie).await.status(), 200);
    assert_eq!(post("same-origin").await.unwrap().status(), 200);
    assert_eq!(app.get_with_cookie("/kyc", &s.cookie).await.status(), 410);
}
