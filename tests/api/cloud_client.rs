//! The Cloud client against wiremock: what it sends, what it retries, how it fails.

use std::time::Duration;

use blnk_kyc::blnk::{AlertPatch, CloudClient, CloudError, CloudSession, RetryPolicy, Timeouts};
use blnk_kyc::crypto::Secret;
use serde_json::json;
use wiremock::matchers::{body_json, header, method, path, query_param};
use wiremock::{Mock, MockServer, ResponseTemplate};

const KEY: &str = "blnk_live_test_key_123";

fn fast_policy(max_attempts: u32) -> RetryPolicy {
    RetryPolicy {
        max_attempts,
        base_delay: Duration::from_millis(5),
        max_delay: Duration::from_millis(20),
    }
}

fn session_for(
    server: &MockServer,
    scopes: &[&str],
    timeouts: Timeouts,
    attempts: u32,
) -> CloudSession {
    let base = url::Url::parse(&format!("{}/v1", server.uri())).unwrap();
    let client = CloudClient::new(base, timeouts, fast_policy(attempts)).unwrap();
    CloudSession::from_parts(
        client,
        Secret::new(KEY),
        "inst_1",
        scopes.iter().map(|s| s.to_string()).collect(),
    )
}

fn session(server: &MockServer, scopes: &[&str]) -> CloudSession {
    session_for(server, scopes, Timeouts::default(), 4)
}

#[tokio::test]
async fn list_identities_sends_key_instance_paging_and_filters() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/v1/data/identities"))
        .and(header("authorization", format!("Bearer {KEY}").as_str()))
        .and(query_param("instance_id", "inst_1"))
        .and(query_param("page", "2"))
        .and(query_param("pageSize", "50"))
        .and(query_param("country_eq", "NG"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "data": [{"identity_id": "idt_1"}, {"identity_id": "idt_2"}], "total": 52
        })))
        .expect(1)
        .mount(&server)
        .await;
    let s = session(&server, &["data:read"]);
    let page = s
        .list_identities(2, 50, &[("country_eq".into(), "NG".into())])
        .await
        .unwrap();
    assert_eq!(page.total, 52);
    assert_eq!(page.data.len(), 2);
    assert_eq!(page.data[1]["identity_id"], "idt_2");
}

#[tokio::test]
async fn identity_ids_are_escaped_as_one_path_segment() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/v1/data/identities/idt%2F..%2Fx"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"identity_id": "idt/../x"})))
        .expect(1)
        .mount(&server)
        .await;
    let s = session(&server, &["data:read"]);
    let v = s.get_identity("idt/../x").await.unwrap();
    assert_eq!(v["identity_id"], "idt/../x");
}

#[tokio::test]
async fn a_missing_scope_is_refused_before_any_request() {
    let server = MockServer::start().await;
    Mock::given(wiremock::matchers::any())
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({})))
        .expect(0)
        .mount(&server)
        .await;
    let s = session(&server, &["data:read"]);
    let err = s
        .update_metadata("idt_1", json!({"kyc": {}}))
        .await
        .unwrap_err();
    assert_eq!(
        err,
        CloudError::MissingScope {
            scope: "data:write"
        }
    );
    let err = s.flag_alert("idt_1", "t", "d").await.unwrap_err();
    assert_eq!(
        err,
        CloudError::MissingScope {
            scope: "alerts:write"
        }
    );
    let none = session(&server, &[]);
    assert!(matches!(
        none.list_identities(1, 20, &[]).await,
        Err(CloudError::MissingScope { scope: "data:read" })
    ));
}

#[tokio::test]
async fn server_errors_and_rate_limits_are_retried_until_success() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/v1/data/identities/idt_1"))
        .respond_with(ResponseTemplate::new(500))
        .up_to_n_times(1)
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/v1/data/identities/idt_1"))
        .respond_with(ResponseTemplate::new(429).insert_header("retry-after", "0"))
        .up_to_n_times(1)
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/v1/data/identities/idt_1"))
        .respond_with(ResponseTemplate::new(423).set_body_json(json!({
            "error": "locked", "error_detail": {"code": "GEN_RESOURCE_LOCKED", "message": "locked"}
        })))
        .up_to_n_times(1)
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/v1/data/identities/idt_1"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"identity_id": "idt_1"})))
        .expect(1)
        .mount(&server)
        .await;
    let s = session(&server, &["data:read"]);
    let v = s.get_identity("idt_1").await.unwrap();
    assert_eq!(v["identity_id"], "idt_1");
}

#[tokio::test]
async fn retries_stop_after_the_policy_and_report_the_last_status() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(503))
        .expect(3)
        .mount(&server)
        .await;
    let s = session_for(&server, &["data:read"], Timeouts::default(), 3);
    let err = s.get_identity("idt_1").await.unwrap_err();
    assert_eq!(
        err,
        CloudError::Unavailable {
            status: 503,
            attempts: 3
        }
    );
    assert!(err.is_transient());
}

#[tokio::test]
async fn client_errors_are_not_retried_and_carry_core_error_detail() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/v1/data/identities/idt_gone"))
        .respond_with(ResponseTemplate::new(404).set_body_json(json!({
            "error": "identity not found",
            "error_detail": {"code": "IDT_NOT_FOUND", "message": "identity idt_gone not found"}
        })))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/v1/proxy/idt_1/metadata"))
        .and(body_json(json!({"meta_data": {"kyc": {"status": "approved"}}})))
        .respond_with(ResponseTemplate::new(400).set_body_json(json!({
            "error": "bad", "error_detail": {"code": "GEN_VALIDATION_ERROR", "message": "meta_data invalid"}
        })))
        .expect(1)
        .mount(&server)
        .await;
    let s = session(&server, &["data:read", "data:write"]);
    let err = s.get_identity("idt_gone").await.unwrap_err();
    assert_eq!(
        err,
        CloudError::NotFound {
            code: "IDT_NOT_FOUND".into(),
            message: "identity idt_gone not found".into()
        }
    );
    let err = s
        .update_metadata("idt_1", json!({"kyc": {"status": "approved"}}))
        .await
        .unwrap_err();
    assert!(
        matches!(&err, CloudError::Rejected { status: 400, code, .. } if code == "GEN_VALIDATION_ERROR")
    );
    assert!(!err.is_transient());
}

#[tokio::test]
async fn unauthorized_and_forbidden_mean_the_install_is_unusable() {
    for status in [401u16, 403] {
        let server = MockServer::start().await;
        Mock::given(method("GET"))
            .respond_with(ResponseTemplate::new(status).set_body_string("nope"))
            .expect(1)
            .mount(&server)
            .await;
        let s = session(&server, &["data:read"]);
        let err = s.list_identities(1, 20, &[]).await.unwrap_err();
        assert_eq!(err, CloudError::InstallUnusable { status, code: None });
        assert!(err.to_string().contains("reinstall"), "{err}");
        assert!(!err.to_string().contains(KEY));
    }
}

#[tokio::test]
async fn a_hanging_cloud_times_out_and_is_retried_a_bounded_number_of_times() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(json!({"data": [], "total": 0}))
                .set_delay(Duration::from_secs(5)),
        )
        .expect(2)
        .mount(&server)
        .await;
    let timeouts = Timeouts {
        connect: Duration::from_millis(500),
        total: Duration::from_millis(200),
    };
    let s = session_for(&server, &["data:read"], timeouts, 2);
    let err = s.list_identities(1, 20, &[]).await.unwrap_err();
    assert_eq!(
        err,
        CloudError::Network {
            reason: "timed out".into(),
            attempts: 2
        }
    );
}

#[tokio::test]
async fn an_unreachable_cloud_is_a_network_error() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    drop(listener);
    let base = url::Url::parse(&format!("http://127.0.0.1:{port}")).unwrap();
    let client = CloudClient::new(base, Timeouts::default(), fast_policy(2)).unwrap();
    let s = CloudSession::from_parts(client, Secret::new(KEY), "inst_1", vec!["data:read".into()]);
    let err = s.get_identity("idt_1").await.unwrap_err();
    assert!(
        matches!(err, CloudError::Network { attempts: 2, .. }),
        "{err:?}"
    );
}

#[tokio::test]
async fn alerts_are_flagged_and_updated_with_typed_answers() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/v1/alerts/flag/idt_1"))
        .and(body_json(json!({"title": "Sanctions hit", "description": "2 hits"})))
        .respond_with(ResponseTemplate::new(201).set_body_json(json!({
            "anomaly_id": "ano_1", "status": "FLAGGED", "type": "Identity", "affected_identities": ["idt_1"]
        })))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("PUT"))
        .and(path("/v1/alerts/flag/ano_1"))
        .and(body_json(json!({"status": "RESOLVED"})))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(json!({"anomaly_id": "ano_1", "status": "RESOLVED"})),
        )
        .expect(1)
        .mount(&server)
        .await;
    let s = session(&server, &["alerts:write"]);
    let alert = s
        .flag_alert("idt_1", "Sanctions hit", "2 hits")
        .await
        .unwrap();
    assert_eq!(alert.anomaly_id, "ano_1");
    assert_eq!(alert.other["affected_identities"], json!(["idt_1"]));
    let patch = AlertPatch {
        status: Some("RESOLVED".into()),
        ..Default::default()
    };
    assert_eq!(
        s.update_alert("ano_1", &patch).await.unwrap().status,
        "RESOLVED"
    );
}

#[tokio::test]
async fn a_malformed_success_body_is_a_bad_response_and_the_key_is_not_in_debug_output() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(200).set_body_string("<html>proxy</html>"))
        .mount(&server)
        .await;
    let s = session(&server, &["data:read"]);
    assert!(matches!(
        s.list_identities(1, 20, &[]).await,
        Err(CloudError::BadResponse(_))
    ));
    assert!(!format!("{s:?}").contains(KEY));
}
