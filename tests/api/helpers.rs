//! `spawn_app()`: the real app on a random port with a temp database, a manual clock, and an
//! HTTP client that does not follow redirects.

use std::net::TcpListener;
use std::path::PathBuf;

use blnk_kyc::clock::Clock;
use blnk_kyc::config::Config;
use blnk_kyc::db::{self, DbConn, DbPool};
use blnk_kyc::sandbox::DEFAULT_INSTANCE;
use blnk_kyc::startup;
use chrono::TimeZone;
use reqwest::header::{HeaderMap, CONTENT_TYPE, LOCATION, SET_COOKIE};
use reqwest::{redirect, Response};
use serde_json::{json, Value};
use tempfile::TempDir;

pub struct TestApp {
    /// `http://localhost:PORT` (= PUBLIC_URL).
    pub address: String,
    pub client: reqwest::Client,
    pub clock: Clock,
    pub pool: DbPool,
    pub db_path: PathBuf,
    pub dir: TempDir,
}

pub async fn spawn_app() -> TestApp {
    spawn_app_with(|_| {}).await
}

pub async fn spawn_app_with(customise: impl FnOnce(&mut Config)) -> TestApp {
    let dir = tempfile::tempdir().expect("temp dir");
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = listener.local_addr().expect("addr").port();
    let mut config = Config::for_dir(dir.path());
    config.bind_addr = format!("127.0.0.1:{port}");
    config.public_url = url::Url::parse(&format!("http://localhost:{port}")).expect("url");
    customise(&mut config);
    let db_path = config.database_path.clone();
    let clock = Clock::manual(chrono::Utc.with_ymd_and_hms(2026, 11, 24, 9, 0, 0).unwrap());
    let state = startup::prepare_state(config, clock.clone(), port).expect("state");
    let server = startup::serve(listener, state).expect("serve");
    actix_web::rt::spawn(server);
    let pool = db::open_pool(&db_path, 4).expect("test pool");
    let client = reqwest::Client::builder()
        .redirect(redirect::Policy::none())
        .build()
        .expect("client");
    TestApp {
        address: format!("http://localhost:{port}"),
        client,
        clock,
        pool,
        db_path,
        dir,
    }
}

pub fn install_event(id: &str, key: &str, scopes: &[&str]) -> Value {
    json!({
        "installed_app_id": id,
        "app_id": "app_kyc",
        "instance_id": "inst_1",
        "api_key": key,
        "api_key_prefix": &key[..key.len().min(8)],
        "granted_permissions": scopes,
        "idempotency_key": format!("install:{id}"),
    })
}

pub fn uninstall_event(id: &str) -> Value {
    json!({
        "installed_app_id": id,
        "app_id": "app_kyc",
        "instance_id": "inst_1",
        "uninstalled_at": "2026-11-24T09:30:00Z",
        "idempotency_key": format!("uninstall:{id}"),
    })
}

pub const ALL_SCOPES: [&str; 4] = ["data:read", "data:write", "alerts:read", "alerts:write"];

impl TestApp {
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.address)
    }

    pub fn conn(&self) -> DbConn {
        self.pool.get().expect("conn")
    }

    pub async fn post_json(&self, path: &str, body: &Value) -> Response {
        self.client
            .post(self.url(path))
            .json(body)
            .send()
            .await
            .expect("request")
    }

    pub async fn post_raw(
        &self,
        path: &str,
        content_type: &str,
        body: impl Into<reqwest::Body>,
    ) -> Response {
        self.client
            .post(self.url(path))
            .header(CONTENT_TYPE, content_type)
            .body(body)
            .send()
            .await
            .expect("request")
    }

    pub async fn get(&self, path_or_url: &str) -> Response {
        let url = if path_or_url.starts_with("http") {
            path_or_url.to_owned()
        } else {
            self.url(path_or_url)
        };
        self.client.get(url).send().await.expect("request")
    }

    pub async fn get_with_cookie(&self, path: &str, cookie: &str) -> Response {
        self.client
            .get(self.url(path))
            .header(reqwest::header::COOKIE, cookie)
            .send()
            .await
            .expect("request")
    }

    /// Installs `id` with every scope and checks it worked.
    pub async fn install(&self, id: &str) {
        let resp = self
            .post_json(
                "/api/callback",
                &install_event(id, &format!("blnk_key_{id}_0123456789"), &ALL_SCOPES),
            )
            .await;
        assert_eq!(resp.status(), 200, "install of {id}");
    }

    /// A launch: returns the `portal_url`.
    pub async fn launch(&self, id: &str, user_id: Option<&str>) -> String {
        let mut body =
            json!({"installed_app_id": id, "app_id": "app_kyc", "instance_id": "inst_1"});
        if let Some(u) = user_id {
            body["user_id"] = json!(u);
        }
        let resp = self.post_json("/api/portal", &body).await;
        assert_eq!(resp.status(), 200, "launch of {id}");
        let v: Value = resp.json().await.expect("json");
        v["portal_url"].as_str().expect("portal_url").to_owned()
    }

    /// Install + launch + redeem: returns (session id, cookie header value).
    pub async fn open_session(&self, id: &str) -> Session {
        let url = self.launch(id, Some("user_42")).await;
        let resp = self.get(&url).await;
        assert_eq!(resp.status(), 303);
        let location = header(resp.headers(), LOCATION);
        let sid = location
            .split("s=")
            .nth(1)
            .expect("s= in redirect")
            .to_owned();
        let set_cookie = header(resp.headers(), SET_COOKIE);
        let cookie = set_cookie
            .split(';')
            .next()
            .expect("cookie pair")
            .to_owned();
        Session { id: sid, cookie }
    }

    /// Every byte of the database files (main file and WAL), for "never in plaintext" checks.
    pub fn database_bytes(&self) -> Vec<u8> {
        let mut all = Vec::new();
        for suffix in ["", "-wal", "-shm"] {
            let mut p = self.db_path.clone().into_os_string();
            p.push(suffix);
            if let Ok(b) = std::fs::read(PathBuf::from(p)) {
                all.extend(b);
            }
        }
        all
    }

    pub fn count(&self, sql_table: &str) -> i64 {
        use diesel::prelude::*;
        use diesel::sql_types::BigInt;
        #[derive(QueryableByName)]
        struct N {
            #[diesel(sql_type = BigInt)]
            n: i64,
        }
        diesel::sql_query(format!("SELECT COUNT(*) AS n FROM {sql_table}"))
            .get_result::<N>(&mut self.conn())
            .expect("count")
            .n
    }
}

pub struct Session {
    pub id: String,
    pub cookie: String,
}

pub fn header(h: &HeaderMap, name: impl reqwest::header::AsHeaderName) -> String {
    h.get(name)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned()
}

pub fn contains(haystack: &[u8], needle: &str) -> bool {
    haystack
        .windows(needle.len())
        .any(|w| w == needle.as_bytes())
}

/// Installs the app on the default sandbox instance through the dashboard; returns the key the
/// sandbox issued (read back the way the app would: decrypted from its own store) and the
/// installed_app_id.
pub async fn dashboard_install(app: &TestApp, scopes: &[&str]) -> (String, String) {
    let form: Vec<(&str, &str)> = scopes.iter().map(|s| (*s, "on")).collect();
    let resp = app
        .client
        .post(app.url(&format!("/sandbox/instances/{DEFAULT_INSTANCE}/install")))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(serde_urlencoded::to_string(&form).unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 303);
    let location = header(resp.headers(), LOCATION);
    assert!(location.contains("Installed"), "{location}");
    let ring = blnk_kyc::startup::load_keyring(
        &blnk_kyc::config::Config::for_dir(app.dir.path()),
        &app.pool,
    )
    .unwrap();
    let all: Vec<blnk_kyc::lifecycle::installs::Install> = {
        use blnk_kyc::schema::installs::dsl;
        use diesel::prelude::*;
        dsl::installs
            .select(blnk_kyc::lifecycle::installs::Install::as_select())
            .load(&mut app.conn())
            .unwrap()
    };
    let install = all
        .into_iter()
        .find(|i| i.is_active())
        .expect("the app received the install event");
    assert_eq!(install.instance_id, DEFAULT_INSTANCE);
    assert_eq!(
        install.scopes(),
        scopes.iter().map(|s| s.to_string()).collect::<Vec<_>>()
    );
    (
        install.api_key(&ring).unwrap().expose().to_owned(),
        install.installed_app_id,
    )
}

/// Moves the app clock on (so backoffs end) until no write is pending; bounded.
pub async fn drain_outbox(app: &TestApp, step_secs: i64, max_rounds: usize) {
    for _ in 0..max_rounds {
        if app.count("kyc_outbox WHERE state = 'pending'") == 0 {
            return;
        }
        app.clock.advance(step_secs);
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    use diesel::prelude::*;
    use diesel::sql_types::{BigInt, Text};
    #[derive(QueryableByName, Debug)]
    #[allow(dead_code)] // read through Debug in the panic message
    struct Pending {
        #[diesel(sql_type = Text)]
        kind: String,
        #[diesel(sql_type = BigInt)]
        attempts: i64,
        #[diesel(sql_type = diesel::sql_types::Nullable<Text>)]
        last_error: Option<String>,
    }
    let rows: Vec<Pending> = diesel::sql_query(
        "SELECT kind, attempts, last_error FROM kyc_outbox WHERE state = 'pending' LIMIT 5",
    )
    .load(&mut app.conn())
    .unwrap();
    panic!("writes still pending after {max_rounds} rounds: {rows:?}");
}
