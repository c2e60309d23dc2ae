//! Attacks on portal sessions beyond `sessions.rs`: replayed and altered launch tokens, a token
//! redeemed late keeps the launch's expiry, session fixation (a session id chosen by the client
//! never becomes a session), CSRF from a foreign origin on every form, and uninstall ending a
//! live session on its very next request in both carriers and on forms.

use blnk_kyc::crypto;
use reqwest::header::{COOKIE, LOCATION, ORIGIN, SET_COOKIE};

use crate::fixtures::*;
use crate::helpers::*;
use crate::review::{page, Reviewer};

fn token_of(url: &str) -> String {
    url.split("token=").nth(1).unwrap().to_owned()
}

#[actix_web::test]
async fn a_replayed_or_altered_launch_token_never_opens_a_second_session() {
    let app = spawn_app().await;
    app.install("instapp_1").await;
    let url = app.launch("instapp_1", Some("user_1")).await;
    let token = token_of(&url);
    // A second launch, still pending: its id with the first token's secret and the other way
    // round must not open it either.
    let pending = app.launch("instapp_1", Some("user_1")).await;
    let (id, secret) = token.split_once('.').unwrap();
    let (pending_id, pending_secret) = token_of(&pending)
        .split_once('.')
        .map(|(a, b)| (a.to_owned(), b.to_owned()))
        .unwrap();
    let first = app.get(&url).await;
    assert_eq!(first.status(), 303);
    let cookie = header(first.headers(), SET_COOKIE)
        .split(';')
        .next()
        .unwrap()
        .to_owned();
    // The session's own end does not make its token usable again.
    let html = app
        .get_with_cookie("/kyc", &cookie)
        .await
        .text()
        .await
        .unwrap();
    let resp = app
        .client
        .post(app.url("/kyc/session/end"))
        .header(COOKIE, &cookie)
        .header("content-type", "application/x-www-form-urlencoded")
        .body(format!("csrf={}", csrf_of(&html)))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    // The first page view started a sync (of an instance the sandbox does not have): let it
    // finish so that only requests change the tables.
    for _ in 0..200 {
        if app.count("kyc_jobs WHERE status = 'running'") == 0 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    let upper = token.to_ascii_uppercase();
    let lower = token.to_ascii_lowercase();
    let last_char = token.chars().last().unwrap();
    let other_last = if last_char == 'A' { 'B' } else { 'A' };
    let altered = format!("{}{other_last}", &token[..token.len() - 1]);
    for (what, t) in [
        ("the same token", token.clone()),
        ("with padding", format!("{token}=")),
        ("with a space", format!("{token}%20")),
        ("upper-cased", upper),
        ("lower-cased", lower),
        ("one character of the secret changed", altered),
        ("truncated", token[..token.len() - 1].to_owned()),
        (
            "its secret under the pending launch's id",
            format!("{pending_id}.{secret}"),
        ),
        (
            "the pending launch's secret under its id",
            format!("{id}.{pending_secret}"),
        ),
        ("its id with a leading zero", format!("0{token}")),
        (
            "percent-encoded",
            token.bytes().map(|b| format!("%{b:02X}")).collect(),
        ),
    ] {
        let before = snapshot(&app);
        let resp = app.get(&format!("/portal?token={t}")).await;
        assert_eq!(resp.status(), 401, "{what}");
        assert!(header(resp.headers(), SET_COOKIE).is_empty(), "{what}");
        assert_unchanged(&before, &snapshot(&app), what);
    }
    assert_eq!(app.count("portal_sessions"), 1);
    assert_eq!(
        app.get(&pending).await.status(),
        303,
        "the pending launch still opens"
    );
}

#[actix_web::test]
async fn a_token_redeemed_late_gives_a_session_that_ends_with_the_launch() {
    let app = spawn_app().await;
    app.install("instapp_1").await;
    let url = app.launch("instapp_1", None).await;
    app.clock.advance(600);
    let resp = app.get(&url).await;
    assert_eq!(resp.status(), 303);
    let cookie = header(resp.headers(), SET_COOKIE);
    assert!(cookie.contains("Max-Age=300"), "{cookie}");
    let cookie = cookie.split(';').next().unwrap().to_owned();
    app.clock.advance(299);
    assert_eq!(app.get_with_cookie("/kyc", &cookie).await.status(), 200);
    app.clock.advance(1);
    assert_eq!(
        app.get_with_cookie("/kyc", &cookie).await.status(),
        410,
        "15 minutes after the launch, not after the redemption"
    );
    // A token that expired unredeemed stays dead after a reinstall.
    let stale = app.launch("instapp_1", None).await;
    app.clock.advance(900);
    let reinstall = install_event("instapp_1", "blnk_key_reinstalled_0001", &ALL_SCOPES);
    assert_eq!(
        app.post_json("/api/callback", &reinstall).await.status(),
        200
    );
    assert_eq!(app.get(&stale).await.status(), 410);
    assert_eq!(app.count("portal_sessions"), 1);
}

#[actix_web::test]
async fn a_session_id_chosen_by_the_client_never_becomes_a_session() {
    let app = spawn_app().await;
    app.install("instapp_1").await;
    let fixed_cookie = "attackerChosenCookieSessionId_0123456789abc";
    let fixed_url = "attackerChosenUrlSessionId_0123456789abcdefg";
    // An attacker plants ids in the victim's cookie and launch link before the victim launches.
    let url = app.launch("instapp_1", Some("victim")).await;
    let resp = app
        .client
        .get(format!("{url}&s={fixed_url}"))
        .header(COOKIE, format!("kyc_session={fixed_cookie}"))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 303);
    let location = header(resp.headers(), LOCATION);
    let issued = location.split("s=").nth(1).unwrap().to_owned();
    let set_cookie = header(resp.headers(), SET_COOKIE);
    assert_ne!(issued, fixed_cookie);
    assert_ne!(issued, fixed_url);
    assert!(
        set_cookie.starts_with(&format!("kyc_session={issued};")),
        "{set_cookie}"
    );
    assert_eq!(issued.len(), 43, "a fresh 32-byte id from the server");
    // Neither planted id is a session, in either carrier, before or after.
    for id in [fixed_cookie, fixed_url] {
        let stored: i64 = {
            use blnk_kyc::schema::portal_sessions::dsl as p;
            use diesel::prelude::*;
            p::portal_sessions
                .filter(p::session_hash.eq(crypto::hash_token(id)))
                .count()
                .get_result(&mut app.conn())
                .unwrap()
        };
        assert_eq!(stored, 0, "{id} stored as a session");
        assert_eq!(
            app.get_with_cookie("/kyc", &format!("kyc_session={id}"))
                .await
                .status(),
            401
        );
        assert_eq!(app.get(&format!("/kyc?s={id}")).await.status(), 401);
    }
    // A planted cookie next to the real id in the URL: the real session is used, the planted
    // one is neither adopted nor refreshed into a cookie.
    let resp = app
        .client
        .get(app.url(&format!("/kyc?s={issued}")))
        .header(COOKIE, format!("kyc_session={fixed_cookie}"))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    assert!(header(resp.headers(), SET_COOKIE).is_empty());
    assert_eq!(app.count("portal_sessions"), 1);
    // Relaunching while holding a live session gets a new id, not the old one again.
    let again = app.launch("instapp_1", Some("victim")).await;
    let resp = app
        .client
        .get(&again)
        .header(COOKIE, format!("kyc_session={issued}"))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 303);
    let second = header(resp.headers(), LOCATION)
        .split("s=")
        .nth(1)
        .unwrap()
        .to_owned();
    assert_ne!(second, issued);
}

/// Each POST form with a valid token, as sent by a browser on a foreign page.
#[actix_web::test]
async fn every_form_refuses_a_foreign_origin_and_writes_nothing() {
    let app = spawn_with_identities(&small_ledger()).await;
    let r = ready_reviewer(&app).await;
    let (_, html) = page(&app, &r, "/kyc/identities/idt_hit_1").await;
    let token = csrf_of(&html);
    let value = |name: &str| {
        html.split(&format!("name=\"{name}\" value=\""))
            .nth(1)
            .and_then(|s| s.split('"').next())
            .unwrap()
            .to_owned()
    };
    let (version, hash) = (value("version"), value("content_hash"));
    let forms: Vec<(&str, Vec<(&str, &str)>)> = vec![
        ("/kyc/sync", vec![("csrf", &token)]),
        (
            "/kyc/identities/idt_hit_1/decision",
            vec![
                ("csrf", &token),
                ("action", "start_review"),
                ("reason_code", ""),
                ("note", "x"),
                ("version", &version),
                ("content_hash", &hash),
            ],
        ),
        (
            "/kyc/identities/idt_hit_1/hits",
            vec![
                ("csrf", &token),
                ("entity_id", "9001"),
                ("verdict", "dismiss"),
                ("note", "x"),
                ("version", &version),
            ],
        ),
        (
            "/kyc/identities/idt_hit_1/writeback/retry",
            vec![("csrf", &token)],
        ),
        ("/kyc/session/end", vec![("csrf", &token)]),
    ];
    let send = |path: &str, form: &[(&str, &str)], origin: &str, fetch_site: Option<&str>| {
        let mut req = app
            .client
            .post(app.url(path))
            .header(COOKIE, &r.cookie)
            .header("content-type", "application/x-www-form-urlencoded")
            .header(ORIGIN, origin)
            .body(serde_urlencoded::to_string(form).unwrap());
        if let Some(s) = fetch_site {
            req = req.header("sec-fetch-site", s);
        }
        req.send()
    };
    let port = app.address.rsplit(':').next().unwrap().to_owned();
    let foreign = [
        ("https://evil.example".to_owned(), Some("cross-site")),
        (
            "https://cloud.blnkfinance.com".to_owned(),
            Some("cross-site"),
        ),
        (format!("http://127.0.0.1:{port}"), Some("same-site")),
        (format!("https://localhost:{port}"), None),
        (format!("http://localhost:{port}.evil.example"), None),
        ("null".to_owned(), Some("cross-site")),
        ("null".to_owned(), None),
    ];
    for (path, form) in &forms {
        for (origin, fetch_site) in &foreign {
            let before = snapshot(&app);
            let resp = send(path, form, origin, *fetch_site).await.unwrap();
            assert_eq!(resp.status(), 403, "{path} from {origin}");
            let body = resp.text().await.unwrap();
            assert_readable(&html_message(&body), path);
            assert_unchanged(&before, &snapshot(&app), &format!("{path} from {origin}"));
        }
    }
    // The same forms from the app's own origin go through (the session ends last; the hit
    // form is left out because the decision before it moved the case version on).
    for (path, form) in forms.iter().filter(|(p, _)| !p.ends_with("/hits")) {
        let resp = send(path, form, &app.address, Some("same-origin"))
            .await
            .unwrap();
        assert!(
            [200, 303].contains(&resp.status().as_u16()),
            "{path} from the app: {}",
            resp.status()
        );
    }
}

#[actix_web::test]
async fn uninstall_ends_a_live_session_on_its_next_request_in_every_carrier_and_form() {
    let app = spawn_with_identities(&small_ledger()).await;
    let r = ready_reviewer(&app).await;
    let (_, html) = page(&app, &r, "/kyc/identities/idt_clean_1").await;
    let token = csrf_of(&html);
    // The same session in URL mode (the id from a fresh launch's redirect).
    let url = {
        let resp = app
            .post_json(
                "/api/portal",
                &serde_json::json!({"installed_app_id": r.installed_app_id}),
            )
            .await;
        let v: serde_json::Value = resp.json().await.unwrap();
        v["portal_url"].as_str().unwrap().to_owned()
    };
    let resp = app.get(&url).await;
    let sid = header(resp.headers(), LOCATION)
        .split("s=")
        .nth(1)
        .unwrap()
        .to_owned();
    assert_eq!(app.get(&format!("/kyc?s={sid}")).await.status(), 200);

    let resp = app
        .client
        .post(app.url(&format!(
            "/sandbox/instances/{}/uninstall",
            blnk_kyc::sandbox::DEFAULT_INSTANCE
        )))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 303, "the sandbox posts the uninstall event");
    let before = snapshot(&app);
    let cookie_reviewer = Reviewer {
        cookie: r.cookie.clone(),
        key: String::new(),
        installed_app_id: r.installed_app_id.clone(),
    };
    for path in [
        "/kyc",
        "/kyc/queue",
        "/kyc/jobs",
        "/kyc/audit.csv",
        "/kyc/identities/idt_clean_1",
    ] {
        let (status, body) = page(&app, &cookie_reviewer, path).await;
        assert_eq!(status, 403, "{path} by cookie");
        assert!(body.contains("uninstalled"), "{path}");
        let resp = app.get(&format!("{path}?s={sid}")).await;
        assert_eq!(resp.status(), 403, "{path} by s=");
    }
    for (path, form) in [
        ("/kyc/sync", vec![("csrf", token.as_str())]),
        (
            "/kyc/identities/idt_clean_1/writeback/retry",
            vec![("csrf", token.as_str())],
        ),
        ("/kyc/session/end", vec![("csrf", token.as_str())]),
    ] {
        let (status, _) = post_form_as(&app, &r, path, &form).await;
        assert_eq!(status, 403, "{path}");
    }
    assert_unchanged(&before, &snapshot(&app), "after uninstall");
}
