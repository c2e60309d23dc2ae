//! Hostile input (spec §6 "Bad input"): a corpus of malformed, wrongly typed, oversized, nested,
//! NUL-carrying, odd-Unicode, SQL and script payloads and wrong content types against the two
//! machine routes, the launch redemption and every portal form. Each is answered with the exact
//! 4xx and a message for people, writes nothing to any table, and the app stays healthy.

use std::io::{Read, Write};

use serde_json::{json, Value};

use crate::fixtures::*;
use crate::helpers::*;
use crate::review::{page, Reviewer};

const JSON: &str = "application/json";

/// `[[[…]]]` nested `depth` deep.
fn nested(depth: usize) -> String {
    format!("{}{}", "[".repeat(depth), "]".repeat(depth))
}

fn with(base: &Value, f: impl FnOnce(&mut serde_json::Map<String, Value>)) -> Vec<u8> {
    let mut v = base.clone();
    f(v.as_object_mut().unwrap());
    serde_json::to_vec(&v).unwrap()
}

/// The hostile bodies both JSON routes must refuse the same way: (what, content type, body,
/// status, error code).
fn common_json_corpus(valid: &Value) -> Vec<(String, &'static str, Vec<u8>, u16, &'static str)> {
    let v = valid;
    let valid_text = serde_json::to_string(v).unwrap();
    let mut padded = v.clone();
    padded["padding"] = json!("x".repeat(65 * 1024));
    let c: Vec<(String, &'static str, Vec<u8>, u16, &'static str)> = vec![
        ("empty body".into(), JSON, vec![], 400, "invalid_payload"),
        (
            "truncated JSON".into(),
            JSON,
            br#"{"installed_app_id": "a"#.to_vec(),
            400,
            "invalid_payload",
        ),
        (
            "an array".into(),
            JSON,
            b"[]".to_vec(),
            400,
            "invalid_payload",
        ),
        (
            "a string".into(),
            JSON,
            br#""install""#.to_vec(),
            400,
            "invalid_payload",
        ),
        (
            "null".into(),
            JSON,
            b"null".to_vec(),
            400,
            "invalid_payload",
        ),
        (
            "a number".into(),
            JSON,
            b"12345".to_vec(),
            400,
            "invalid_payload",
        ),
        (
            "trailing garbage".into(),
            JSON,
            format!("{valid_text} xyz").into_bytes(),
            400,
            "invalid_payload",
        ),
        (
            "two objects".into(),
            JSON,
            format!("{valid_text}{valid_text}").into_bytes(),
            400,
            "invalid_payload",
        ),
        (
            "single quotes".into(),
            JSON,
            valid_text.replace('"', "'").into_bytes(),
            400,
            "invalid_payload",
        ),
        (
            "id as a number".into(),
            JSON,
            with(v, |m| {
                m.insert("installed_app_id".into(), json!(5));
            }),
            400,
            "invalid_payload",
        ),
        (
            "id as a bool".into(),
            JSON,
            with(v, |m| {
                m.insert("installed_app_id".into(), json!(true));
            }),
            400,
            "invalid_payload",
        ),
        (
            "id as an array".into(),
            JSON,
            with(v, |m| {
                m.insert("installed_app_id".into(), json!(["instapp_1"]));
            }),
            400,
            "invalid_payload",
        ),
        (
            "id as an object".into(),
            JSON,
            with(v, |m| {
                m.insert("installed_app_id".into(), json!({"$ne": ""}));
            }),
            400,
            "invalid_payload",
        ),
        (
            "missing installed_app_id".into(),
            JSON,
            with(v, |m| {
                m.remove("installed_app_id");
            }),
            400,
            "missing_field",
        ),
        (
            "blank installed_app_id".into(),
            JSON,
            with(v, |m| {
                m.insert("installed_app_id".into(), json!("   "));
            }),
            400,
            "missing_field",
        ),
        (
            "an id of 60,000 characters".into(),
            JSON,
            with(v, |m| {
                m.insert("installed_app_id".into(), json!("a".repeat(60_000)));
            }),
            400,
            "invalid_field",
        ),
        (
            "a NUL inside the id".into(),
            JSON,
            with(v, |m| {
                m.insert("installed_app_id".into(), json!("instapp\u{0}_1"));
            }),
            400,
            "invalid_field",
        ),
        (
            "a bidi override in the id".into(),
            JSON,
            with(v, |m| {
                m.insert("installed_app_id".into(), json!("instapp_\u{202e}1"));
            }),
            400,
            "invalid_field",
        ),
        (
            "a zero-width space in the id".into(),
            JSON,
            with(v, |m| {
                m.insert("installed_app_id".into(), json!("instapp\u{200b}_1"));
            }),
            400,
            "invalid_field",
        ),
        (
            "accents in the id".into(),
            JSON,
            with(v, |m| {
                m.insert("installed_app_id".into(), json!("instäpp_1"));
            }),
            400,
            "invalid_field",
        ),
        (
            "SQL in the id".into(),
            JSON,
            with(v, |m| {
                m.insert(
                    "installed_app_id".into(),
                    json!("x'); DROP TABLE installs;--"),
                );
            }),
            400,
            "invalid_field",
        ),
        (
            "SQL tautology in the id".into(),
            JSON,
            with(v, |m| {
                m.insert("installed_app_id".into(), json!("' OR '1'='1"));
            }),
            400,
            "invalid_field",
        ),
        (
            "script in the id".into(),
            JSON,
            with(v, |m| {
                m.insert(
                    "installed_app_id".into(),
                    json!("<script>alert(1)</script>"),
                );
            }),
            400,
            "invalid_field",
        ),
        (
            "script in app_id".into(),
            JSON,
            with(v, |m| {
                m.insert("app_id".into(), json!("\"><img src=x onerror=alert(1)>"));
            }),
            400,
            "invalid_field",
        ),
        (
            "SQL in instance_id".into(),
            JSON,
            with(v, |m| {
                m.insert("instance_id".into(), json!("inst_1; DELETE FROM installs"));
            }),
            400,
            "invalid_field",
        ),
        (
            "script in organization_id".into(),
            JSON,
            with(v, |m| {
                m.insert("organization_id".into(), json!("<b>org</b>"));
            }),
            400,
            "invalid_field",
        ),
        (
            "organization_id as a number".into(),
            JSON,
            with(v, |m| {
                m.insert("organization_id".into(), json!(42));
            }),
            400,
            "invalid_payload",
        ),
        (
            "a lone surrogate escape".into(),
            JSON,
            valid_text
                .replacen(
                    "\"installed_app_id\":\"",
                    "\"installed_app_id\":\"\\ud800",
                    1,
                )
                .into_bytes(),
            400,
            "invalid_payload",
        ),
        (
            "a raw NUL byte between tokens".into(),
            JSON,
            valid_text.replacen('{', "{\u{0}", 1).into_bytes(),
            400,
            "invalid_payload",
        ),
        (
            "a raw control character inside a string".into(),
            JSON,
            valid_text
                .replacen("\"installed_app_id\":\"", "\"installed_app_id\":\"\u{7}", 1)
                .into_bytes(),
            400,
            "invalid_payload",
        ),
        (
            "bytes that are not UTF-8".into(),
            JSON,
            {
                let mut b = valid_text.clone().into_bytes();
                let at = valid_text.find("instapp").unwrap();
                b[at] = 0xff;
                b[at + 1] = 0xfe;
                b
            },
            400,
            "invalid_payload",
        ),
        (
            "a byte-order mark".into(),
            JSON,
            format!("\u{feff}{valid_text}").into_bytes(),
            400,
            "invalid_payload",
        ),
        (
            "duplicate installed_app_id keys".into(),
            JSON,
            valid_text
                .replacen('{', "{\"installed_app_id\":\"instapp_other\",", 1)
                .into_bytes(),
            400,
            "invalid_payload",
        ),
        (
            "nesting 100,000 deep in an extra field (over 64 KiB)".into(),
            JSON,
            valid_text
                .replacen('{', &format!("{{\"extra\":{},", nested(50_000)), 1)
                .into_bytes(),
            413,
            "payload_too_large",
        ),
        (
            "nesting 1,000 deep in a known field".into(),
            JSON,
            valid_text
                .replacen(
                    "\"installed_app_id\":",
                    &format!("\"installed_app_id\":{},\"x\":", nested(1_000)),
                    1,
                )
                .into_bytes(),
            400,
            "invalid_payload",
        ),
        (
            "nesting 20,000 deep at the top".into(),
            JSON,
            nested(20_000).into_bytes(),
            400,
            "invalid_payload",
        ),
        (
            "objects nested 5,000 deep in a known field".into(),
            JSON,
            valid_text
                .replacen(
                    "\"installed_app_id\":",
                    &format!(
                        "\"installed_app_id\":{}1{},\"x\":",
                        "{\"a\":".repeat(5_000),
                        "}".repeat(5_000)
                    ),
                    1,
                )
                .into_bytes(),
            400,
            "invalid_payload",
        ),
        (
            "a body just over 64 KiB".into(),
            JSON,
            serde_json::to_vec(&padded).unwrap(),
            413,
            "payload_too_large",
        ),
        (
            "a body of 300 KiB".into(),
            JSON,
            vec![b' '; 300 * 1024],
            413,
            "payload_too_large",
        ),
        (
            "text/plain".into(),
            "text/plain",
            valid_text.clone().into_bytes(),
            415,
            "unsupported_media_type",
        ),
        (
            "a form content type".into(),
            "application/x-www-form-urlencoded",
            valid_text.clone().into_bytes(),
            415,
            "unsupported_media_type",
        ),
        (
            "multipart".into(),
            "multipart/form-data; boundary=x",
            valid_text.clone().into_bytes(),
            415,
            "unsupported_media_type",
        ),
        (
            "XML".into(),
            "application/xml",
            b"<install id='instapp_1'/>".to_vec(),
            415,
            "unsupported_media_type",
        ),
        (
            "HTML".into(),
            "text/html",
            b"<script>alert(1)</script>".to_vec(),
            415,
            "unsupported_media_type",
        ),
        (
            "a JSON look-alike type".into(),
            "application/jsonp",
            valid_text.clone().into_bytes(),
            415,
            "unsupported_media_type",
        ),
        (
            "an empty content type".into(),
            "",
            valid_text.clone().into_bytes(),
            415,
            "unsupported_media_type",
        ),
    ];
    c
}

/// Sends one case and checks the answer: exact status, JSON error with a code and a message
/// for people, nothing written.
async fn refuse_json(
    app: &TestApp,
    path: &str,
    (what, ct, body, status, code): &(String, &'static str, Vec<u8>, u16, &'static str),
) {
    let before = snapshot(app);
    let resp = app
        .client
        .post(app.url(path))
        .header("content-type", *ct)
        .body(body.clone())
        .send()
        .await
        .unwrap();
    let got = resp.status().as_u16();
    assert!(
        header(resp.headers(), "content-type").starts_with("application/json"),
        "{path} {what}: errors of machine routes are JSON"
    );
    let text = resp.text().await.unwrap();
    assert_eq!(got, *status, "{path} {what}: {text:.300}");
    let got_code = assert_json_error(&text, &format!("{path} {what}"));
    assert_eq!(got_code, *code, "{path} {what}: {text:.300}");
    assert_unchanged(&before, &snapshot(app), &format!("{path} {what}"));
}

#[actix_web::test]
async fn hostile_callback_bodies_are_clear_4xx_and_write_nothing() {
    let app = spawn_app().await;
    app.install("instapp_1").await;
    let valid = install_event("instapp_2", "blnk_key_hostile_0123456", &ALL_SCOPES);
    let mut corpus = common_json_corpus(&valid);
    let v = &valid;
    let mut install_only: Vec<(String, &'static str, Vec<u8>, u16, &'static str)> = vec![
        ("missing app_id".into(), JSON, with(v, |m| { m.remove("app_id"); }), 400, "missing_field"),
        ("missing instance_id".into(), JSON, with(v, |m| { m.remove("instance_id"); }), 400, "missing_field"),
        ("missing api_key".into(), JSON, with(v, |m| { m.remove("api_key"); }), 400, "missing_field"),
        ("an empty api_key".into(), JSON, with(v, |m| { m.insert("api_key".into(), json!("")); }), 400, "missing_field"),
        ("api_key as an object".into(), JSON, with(v, |m| { m.insert("api_key".into(), json!({"k": "v"})); }), 400, "invalid_payload"),
        ("an api_key of 50,000 characters".into(), JSON, with(v, |m| { m.insert("api_key".into(), json!("k".repeat(50_000))); }), 400, "invalid_field"),
        ("a NUL in the api_key".into(), JSON, with(v, |m| { m.insert("api_key".into(), json!("blnk_key\u{0}x")); }), 400, "invalid_field"),
        ("permissions as a string".into(), JSON, with(v, |m| { m.insert("granted_permissions".into(), json!("data:read")); }), 400, "invalid_payload"),
        ("permissions as numbers".into(), JSON, with(v, |m| { m.insert("granted_permissions".into(), json!([1, 2])); }), 400, "invalid_payload"),
        ("permissions nested".into(), JSON, with(v, |m| { m.insert("granted_permissions".into(), json!([["data:read"]])); }), 400, "invalid_payload"),
        ("SQL in a permission".into(), JSON, with(v, |m| { m.insert("granted_permissions".into(), json!(["data:read'; DELETE FROM installs;--"])); }), 400, "invalid_field"),
        ("script in a permission".into(), JSON, with(v, |m| { m.insert("granted_permissions".into(), json!(["<script>"])); }), 400, "invalid_field"),
        ("a permission of 1,000 characters".into(), JSON, with(v, |m| { m.insert("granted_permissions".into(), json!(["d".repeat(1_000)])); }), 400, "invalid_field"),
        ("an idempotency key of 10,000 characters".into(), JSON, with(v, |m| { m.insert("idempotency_key".into(), json!(format!("install:{}", "k".repeat(10_000)))); }), 400, "invalid_field"),
        ("a bell in the idempotency key".into(), JSON, with(v, |m| { m.insert("idempotency_key".into(), json!("install:instapp_2\u{7}")); }), 400, "invalid_field"),
        ("an unknown event".into(), JSON, with(v, |m| { m.insert("event".into(), json!("app.pinged")); }), 400, "unknown_event"),
        ("event as a number".into(), JSON, with(v, |m| { m.insert("event".into(), json!(7)); }), 400, "invalid_payload"),
        ("neither install nor uninstall".into(), JSON, br#"{"installed_app_id":"instapp_2"}"#.to_vec(), 400, "unrecognised_event"),
        ("uninstall with a script time".into(), JSON, br#"{"installed_app_id":"instapp_1","uninstalled_at":"<script>alert(1)</script>","idempotency_key":"uninstall:instapp_1"}"#.to_vec(), 400, "invalid_field"),
        ("uninstall with a numeric time".into(), JSON, br#"{"installed_app_id":"instapp_1","uninstalled_at":1700000000,"idempotency_key":"uninstall:instapp_1"}"#.to_vec(), 400, "invalid_payload"),
        ("uninstall of the live install naming another instance".into(), JSON, br#"{"installed_app_id":"instapp_1","instance_id":"inst_other","uninstalled_at":"2026-11-24T09:30:00Z","idempotency_key":"uninstall:instapp_1:x"}"#.to_vec(), 403, "install_mismatch"),
        ("duplicate api_key keys".into(), JSON, serde_json::to_string(v).unwrap().replacen('{', "{\"api_key\":\"blnk_key_first_000000\",", 1).into_bytes(), 400, "invalid_payload"),
    ];
    corpus.append(&mut install_only);
    for case in &corpus {
        refuse_json(&app, "/api/callback", case).await;
    }
    assert_eq!(app.count("installs"), 1, "only the setup install exists");
    assert_healthy(&app).await;
    // Deep nesting inside a field the contract says to ignore is skipped without recursion (and
    // within the 64 KiB limit): the event itself is applied, the server is unharmed.
    let deep = serde_json::to_string(&install_event(
        "instapp_3",
        "blnk_key_deep_00000001",
        &ALL_SCOPES,
    ))
    .unwrap()
    .replacen('{', &format!("{{\"extra\":{},", nested(20_000)), 1);
    assert_eq!(
        app.post_raw("/api/callback", JSON, deep).await.status(),
        200
    );
    assert_eq!(app.count("installs"), 2);
    assert_healthy(&app).await;
    // The valid event still works afterwards: the refusals were about the input alone.
    assert_eq!(app.post_json("/api/callback", &valid).await.status(), 200);
}

#[actix_web::test]
async fn hostile_portal_generator_bodies_are_clear_4xx_and_mint_no_token() {
    let app = spawn_app().await;
    app.install("instapp_1").await;
    let valid = json!({"installed_app_id": "instapp_1", "app_id": "app_kyc",
                       "instance_id": "inst_1", "user_id": "user_1"});
    let mut corpus = common_json_corpus(&valid);
    let v = &valid;
    let mut launch_only: Vec<(String, &'static str, Vec<u8>, u16, &'static str)> = vec![
        (
            "a user_id of 10,000 characters".into(),
            JSON,
            with(v, |m| {
                m.insert("user_id".into(), json!("u".repeat(10_000)));
            }),
            400,
            "invalid_field",
        ),
        (
            "a NUL in the user_id".into(),
            JSON,
            with(v, |m| {
                m.insert("user_id".into(), json!("user\u{0}1"));
            }),
            400,
            "invalid_field",
        ),
        (
            "a line break in the user_id".into(),
            JSON,
            with(v, |m| {
                m.insert("user_id".into(), json!("user_1\nX-Injected: 1"));
            }),
            400,
            "invalid_field",
        ),
        (
            "user_id as a number".into(),
            JSON,
            with(v, |m| {
                m.insert("user_id".into(), json!(1));
            }),
            400,
            "invalid_payload",
        ),
        (
            "user_id as an object".into(),
            JSON,
            with(v, |m| {
                m.insert("user_id".into(), json!({"id": "u"}));
            }),
            400,
            "invalid_payload",
        ),
        (
            "an install that does not exist".into(),
            JSON,
            with(v, |m| {
                m.insert("installed_app_id".into(), json!("instapp_nope"));
            }),
            403,
            "install_not_found",
        ),
        (
            "another app's id".into(),
            JSON,
            with(v, |m| {
                m.insert("app_id".into(), json!("app_other"));
            }),
            403,
            "install_mismatch",
        ),
        (
            "another instance's id".into(),
            JSON,
            with(v, |m| {
                m.insert("instance_id".into(), json!("inst_2"));
            }),
            403,
            "install_mismatch",
        ),
        (
            "duplicate user_id keys".into(),
            JSON,
            serde_json::to_string(v)
                .unwrap()
                .replacen('{', "{\"user_id\":\"user_admin\",", 1)
                .into_bytes(),
            400,
            "invalid_payload",
        ),
    ];
    corpus.append(&mut launch_only);
    for case in &corpus {
        refuse_json(&app, "/api/portal", case).await;
    }
    assert_eq!(app.count("launch_tokens"), 0);
    assert_healthy(&app).await;
    assert_eq!(app.post_json("/api/portal", &valid).await.status(), 200);
}

#[actix_web::test]
async fn hostile_launch_tokens_are_refused_with_a_page_and_open_no_session() {
    let app = spawn_app().await;
    app.install("instapp_1").await;
    let pending = app.launch("instapp_1", Some("user_1")).await;
    let pending_id = pending
        .split("token=")
        .nth(1)
        .and_then(|t| t.split_once('.'))
        .map(|(id, _)| id.to_owned())
        .unwrap();
    let long = "A".repeat(8_000);
    let cases: Vec<(&str, String, u16)> = vec![
        ("no token", "/portal".into(), 400),
        ("an empty token", "/portal?token=".into(), 400),
        ("token without a value", "/portal?token".into(), 400),
        (
            "an unknown token",
            "/portal?token=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA".into(),
            401,
        ),
        (
            "the id of a pending launch with a wrong secret",
            format!("/portal?token={pending_id}.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"),
            401,
        ),
        (
            "the id of a pending launch with an empty secret",
            format!("/portal?token={pending_id}."),
            401,
        ),
        (
            "the id of a pending launch alone",
            format!("/portal?token={pending_id}"),
            401,
        ),
        (
            "an id out of range",
            "/portal?token=99999999999999999999.AAAA".into(),
            401,
        ),
        (
            "a token of 8,000 characters",
            format!("/portal?token={long}"),
            401,
        ),
        (
            "an id of 8,000 digits",
            format!("/portal?token={}.AAAA", "9".repeat(8_000)),
            401,
        ),
        ("a NUL in the token", "/portal?token=abc%00def".into(), 401),
        (
            "SQL in the token",
            "/portal?token=x%27%20OR%20%271%27%3D%271".into(),
            401,
        ),
        (
            "script in the token",
            "/portal?token=%3Cscript%3Ealert(1)%3C%2Fscript%3E".into(),
            401,
        ),
        (
            "a bidi override in the token",
            "/portal?token=abc%E2%80%AEdef".into(),
            401,
        ),
        (
            "bytes that are not UTF-8",
            "/portal?token=%FF%FE%FD".into(),
            401,
        ),
        ("two tokens", "/portal?token=x&token=y".into(), 401),
        (
            "a session id instead",
            "/portal?s=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA".into(),
            400,
        ),
    ];
    for (what, path, status) in cases {
        let before = snapshot(&app);
        let resp = app.get(&path).await;
        assert_eq!(resp.status().as_u16(), status, "{what}");
        assert!(
            header(resp.headers(), "content-type").starts_with("text/html"),
            "{what}: a page for people"
        );
        assert!(
            header(resp.headers(), "set-cookie").is_empty(),
            "{what}: no cookie"
        );
        let body = resp.text().await.unwrap();
        assert_readable(&html_message(&body), what);
        assert!(!body.contains("<script>alert"), "{what}: reflected script");
        assert!(!body.contains(&long), "{what}: the token is echoed");
        assert_unchanged(&before, &snapshot(&app), what);
    }
    assert_eq!(app.count("portal_sessions"), 0);
    assert_healthy(&app).await;
    // None of the attempts used up the pending launch.
    assert_eq!(app.get(&pending).await.status(), 303);
}

/// A request written by hand: `Transfer-Encoding: chunked` with no `Content-Length`, so the
/// limit must hold while the body streams in.
fn chunked_post(port: u16, path: &str, chunks: usize, chunk: &[u8]) -> (u16, String) {
    let mut s = std::net::TcpStream::connect(("127.0.0.1", port)).unwrap();
    s.set_read_timeout(Some(std::time::Duration::from_secs(10)))
        .unwrap();
    let head = format!(
        "POST {path} HTTP/1.1\r\nHost: localhost:{port}\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n"
    );
    s.write_all(head.as_bytes()).unwrap();
    let prefix = b"{\"padding\":\"";
    s.write_all(format!("{:x}\r\n", prefix.len()).as_bytes())
        .and_then(|_| s.write_all(prefix))
        .and_then(|_| s.write_all(b"\r\n"))
        .unwrap();
    for _ in 0..chunks {
        // The server may answer and close early: later writes may fail, that is fine.
        if s.write_all(format!("{:x}\r\n", chunk.len()).as_bytes())
            .and_then(|_| s.write_all(chunk))
            .and_then(|_| s.write_all(b"\r\n"))
            .is_err()
        {
            break;
        }
    }
    let _ = s.write_all(b"0\r\n\r\n");
    let mut out = Vec::new();
    let _ = s.read_to_end(&mut out);
    let text = String::from_utf8_lossy(&out).into_owned();
    let status = text
        .split_whitespace()
        .nth(1)
        .and_then(|c| c.parse().ok())
        .unwrap_or(0);
    let body = text.split("\r\n\r\n").nth(1).unwrap_or_default().to_owned();
    (status, body)
}

#[actix_web::test]
async fn chunked_bodies_over_64_kib_are_refused_without_a_content_length() {
    let app = spawn_app().await;
    app.install("instapp_1").await;
    let port: u16 = app.address.rsplit(':').next().unwrap().parse().unwrap();
    for path in ["/api/callback", "/api/portal"] {
        let before = snapshot(&app);
        let (status, body) =
            tokio::task::spawn_blocking(move || chunked_post(port, path, 80, &[b'x'; 1024]))
                .await
                .unwrap();
        assert_eq!(status, 413, "{path}: {body:.300}");
        assert!(body.contains("payload_too_large"), "{path}: {body:.300}");
        assert_unchanged(&before, &snapshot(&app), path);
    }
    assert_healthy(&app).await;
}

/// The five portal forms with a valid submission's fields, for a synced ledger.
fn form_routes(csrf: &str, version: &str, hash: &str) -> Vec<(String, Vec<(String, String)>)> {
    let f = |pairs: &[(&str, &str)]| -> Vec<(String, String)> {
        pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect()
    };
    vec![
        ("/kyc/sync".into(), f(&[("csrf", csrf)])),
        ("/kyc/session/end".into(), f(&[("csrf", csrf)])),
        (
            "/kyc/identities/idt_hit_1/decision".into(),
            f(&[
                ("csrf", csrf),
                ("action", "start_review"),
                ("reason_code", ""),
                ("note", "first look"),
                ("version", version),
                ("content_hash", hash),
            ]),
        ),
        (
            "/kyc/identities/idt_hit_1/hits".into(),
            f(&[
                ("csrf", csrf),
                ("entity_id", "9001"),
                ("verdict", "dismiss"),
                ("note", "different person"),
                ("version", version),
            ]),
        ),
        (
            "/kyc/identities/idt_hit_1/writeback/retry".into(),
            f(&[("csrf", csrf)]),
        ),
    ]
}

fn encode(pairs: &[(String, String)]) -> String {
    serde_urlencoded::to_string(pairs).unwrap()
}

fn replace(pairs: &[(String, String)], key: &str, value: &str) -> Vec<(String, String)> {
    pairs
        .iter()
        .map(|(k, v)| {
            if k == key {
                (k.clone(), value.to_owned())
            } else {
                (k.clone(), v.clone())
            }
        })
        .collect()
}

fn without(pairs: &[(String, String)], key: &str) -> Vec<(String, String)> {
    pairs.iter().filter(|(k, _)| k != key).cloned().collect()
}

/// Sends one hostile form and checks: exact status, a page with a message for people, no raw
/// script from the input, nothing written.
async fn refuse_form(
    app: &TestApp,
    r: &Reviewer,
    path: &str,
    what: &str,
    content_type: &str,
    body: String,
    status: u16,
) {
    let before = snapshot(app);
    let (got, text) = post_as(app, r, path, content_type, body).await;
    let ctx = format!("{path} {what}");
    assert_eq!(got, status, "{ctx}: {:.400}", html_message(&text));
    assert_readable(&html_message(&text), &ctx);
    assert!(
        !text.contains("<script>alert"),
        "{ctx}: the input came back as markup"
    );
    assert_unchanged(&before, &snapshot(app), &ctx);
}

#[actix_web::test]
async fn hostile_portal_forms_are_clear_4xx_and_write_nothing() {
    let app = spawn_with_identities(&small_ledger()).await;
    let r = ready_reviewer(&app).await;
    let (status, html) = page(&app, &r, "/kyc/identities/idt_hit_1").await;
    assert_eq!(status, 200);
    assert!(
        html.contains("data-entity=\"9001\""),
        "the ledger has a hit"
    );
    let token = csrf_of(&html);
    let version = html
        .split("name=\"version\" value=\"")
        .nth(1)
        .and_then(|s| s.split('"').next())
        .unwrap()
        .to_owned();
    let hash = html
        .split("name=\"content_hash\" value=\"")
        .nth(1)
        .and_then(|s| s.split('"').next())
        .unwrap()
        .to_owned();
    let form = "application/x-www-form-urlencoded";
    let script = "<script>alert(1)</script>";
    let huge = "n".repeat(70 * 1024);

    for (path, valid) in form_routes(&token, &version, &hash) {
        let valid_body = encode(&valid);
        let mut cases: Vec<(String, &str, String, u16)> = vec![
            ("an empty body".into(), form, String::new(), 400),
            (
                "no csrf field".into(),
                form,
                encode(&without(&valid, "csrf")),
                400,
            ),
            ("garbage".into(), form, "%%%&&&===".into(), 400),
            ("a NUL as the whole body".into(), form, "\u{0}".into(), 400),
            (
                "csrf twice".into(),
                form,
                format!("{valid_body}&csrf={token}"),
                400,
            ),
            (
                "the form as JSON".into(),
                "application/json",
                serde_json::to_string(
                    &valid
                        .iter()
                        .cloned()
                        .collect::<std::collections::BTreeMap<_, _>>(),
                )
                .unwrap(),
                415,
            ),
            (
                "the form as text/plain".into(),
                "text/plain",
                valid_body.clone(),
                415,
            ),
            (
                "the form as multipart".into(),
                "multipart/form-data; boundary=x",
                valid_body.clone(),
                415,
            ),
            (
                "a body over 64 KiB".into(),
                form,
                format!("{valid_body}&padding={huge}"),
                413,
            ),
            (
                "a forged csrf with script".into(),
                form,
                encode(&replace(&valid, "csrf", script)),
                403,
            ),
            (
                "a csrf of 60,000 characters".into(),
                form,
                encode(&replace(&valid, "csrf", &"c".repeat(60_000))),
                403,
            ),
        ];
        if path.contains("/decision") || path.contains("/hits") {
            let note_field = "note";
            cases.extend([
                (
                    "no version".into(),
                    form,
                    encode(&without(&valid, "version")),
                    400,
                ),
                (
                    "a version that is text".into(),
                    form,
                    encode(&replace(&valid, "version", "abc")),
                    400,
                ),
                (
                    "a version of SQL".into(),
                    form,
                    encode(&replace(&valid, "version", "0 OR 1=1")),
                    400,
                ),
                (
                    "a version past i64".into(),
                    form,
                    encode(&replace(&valid, "version", "99999999999999999999999")),
                    400,
                ),
                (
                    "a fractional version".into(),
                    form,
                    encode(&replace(&valid, "version", "0.5")),
                    400,
                ),
                (
                    "a version given twice".into(),
                    form,
                    format!("{valid_body}&version=0"),
                    400,
                ),
                (
                    "a note of 2,001 characters".into(),
                    form,
                    encode(&replace(&valid, note_field, &"n".repeat(2_001))),
                    400,
                ),
                (
                    "a NUL in the note".into(),
                    form,
                    encode(&replace(&valid, note_field, "looks\u{0}fine")),
                    400,
                ),
                (
                    "an escape sequence in the note".into(),
                    form,
                    encode(&replace(&valid, note_field, "ok\u{1b}[2J")),
                    400,
                ),
            ]);
        }
        if path.contains("/decision") {
            cases.extend([
                (
                    "no action".into(),
                    form,
                    encode(&without(&valid, "action")),
                    400,
                ),
                (
                    "an unknown action".into(),
                    form,
                    encode(&replace(&valid, "action", "delete_everything")),
                    400,
                ),
                (
                    "a script action".into(),
                    form,
                    encode(&replace(&valid, "action", script)),
                    400,
                ),
                (
                    "an SQL action".into(),
                    form,
                    encode(&replace(
                        &valid,
                        "action",
                        "approve'; UPDATE kyc_identities SET status='approved';--",
                    )),
                    400,
                ),
                (
                    "no content hash".into(),
                    form,
                    encode(&without(&valid, "content_hash")),
                    400,
                ),
            ]);
        }
        if path.contains("/hits") {
            cases.extend([
                (
                    "no entity".into(),
                    form,
                    encode(&without(&valid, "entity_id")),
                    400,
                ),
                (
                    "a script verdict".into(),
                    form,
                    encode(&replace(&valid, "verdict", script)),
                    400,
                ),
                (
                    "an SQL entity".into(),
                    form,
                    encode(&replace(&valid, "entity_id", "9001' OR '1'='1")),
                    404,
                ),
                (
                    "an entity of 10,000 characters".into(),
                    form,
                    encode(&replace(&valid, "entity_id", &"9".repeat(10_000))),
                    404,
                ),
            ]);
        }
        if path.starts_with("/kyc/identities/") {
            let tail = path.rsplit('/').next().unwrap();
            let tail = if tail == "retry" {
                "writeback/retry"
            } else {
                tail
            };
            for (what, id_path, status) in [
                ("an identity id with a NUL", "idt%00x", 400),
                ("an identity id with a line break", "idt%0Ax", 400),
                ("an identity id of 300 characters", &*"i".repeat(300), 400),
                ("an SQL identity id", "x'%20OR%20'1'%3D'1", 404),
                (
                    "a script identity id",
                    "%3Cscript%3Ealert(1)%3C%2Fscript%3E",
                    404,
                ),
                ("a bidi identity id", "idt_hit_1%E2%80%AE", 404),
                ("a traversal identity id", "..%2F..%2Fhealthz", 404),
            ] {
                refuse_form(
                    &app,
                    &r,
                    &format!("/kyc/identities/{id_path}/{tail}"),
                    what,
                    form,
                    valid_body.clone(),
                    status,
                )
                .await;
            }
        }
        for (what, ct, body, status) in cases {
            refuse_form(&app, &r, &path, &what, ct, body, status).await;
        }
    }
    assert_healthy(&app).await;
    // Still usable: the session is alive and the valid decision goes through.
    let (status, body) = post_as(
        &app,
        &r,
        "/kyc/identities/idt_hit_1/decision",
        form,
        encode(&form_routes(&token, &version, &hash)[2].1),
    )
    .await;
    assert_eq!(status, 303, "{body:.300}");
}
