//! The binary itself: the default run on no configuration, startup errors, the subcommands, and
//! what reaches the logs.

use std::io::{BufRead, BufReader, Read};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use blnk_kyc::config::{Config, KeySource};
use blnk_kyc::crypto::{Keyring, Secret};
use blnk_kyc::lifecycle::callback::{apply_event, parse_event};
use blnk_kyc::{db, lifecycle, startup};
use serde_json::Value;

use crate::helpers::contains;

const BIN: &str = env!("CARGO_BIN_EXE_blnk-kyc");

/// The binary with an empty environment (PATH only) in `cwd`.
pub(crate) fn command(cwd: &Path) -> Command {
    let mut c = Command::new(BIN);
    c.current_dir(cwd)
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    c
}

pub(crate) fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

pub(crate) struct Running {
    child: Child,
    banner: String,
}

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Starts `serve` and waits (bounded) for the banner's health line.
pub(crate) fn start(mut cmd: Command) -> Running {
    let mut child = cmd.spawn().expect("spawn the binary");
    let stdout = child.stdout.take().unwrap();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let mut banner = String::new();
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            banner.push_str(&line);
            banner.push('\n');
            if line.contains("health") {
                let _ = tx.send(banner.clone());
            }
        }
    });
    let banner = rx
        .recv_timeout(Duration::from_secs(30))
        .expect("the banner within 30 s");
    Running { child, banner }
}

pub(crate) fn stderr_of(mut r: Running) -> String {
    let _ = r.child.kill();
    let _ = r.child.wait();
    let mut text = String::new();
    if let Some(mut e) = r.child.stderr.take() {
        let _ = e.read_to_string(&mut text);
    }
    text
}

#[actix_web::test]
async fn the_default_run_needs_no_configuration_and_serves_a_curl_launch() {
    let dir = tempfile::tempdir().unwrap();
    let port = free_port();
    let mut cmd = command(dir.path());
    cmd.env("BIND_ADDR", format!("127.0.0.1:{port}"))
        .env("RUST_LOG", "debug");
    let running = start(cmd);
    assert!(
        running
            .banner
            .contains(&format!("http://localhost:{port}/api/callback")),
        "{}",
        running.banner
    );
    assert!(dir.path().join("data/kyc.db").exists());
    let key_file = dir.path().join("data/encryption.key");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(
            std::fs::metadata(&key_file).unwrap().permissions().mode() & 0o777,
            0o600
        );
    }

    // The README's curl launch: install event, portal request, then the portal URL.
    let base = format!("http://localhost:{port}");
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let api_key = "blnk_live_NEVER_LOG_ME_0123456789";
    let install = serde_json::json!({
        "installed_app_id": "ia_cli", "app_id": "app_kyc", "instance_id": "inst_cli",
        "api_key": api_key, "api_key_prefix": "blnk_liv",
        "granted_permissions": ["data:read"], "idempotency_key": "install:ia_cli"
    });
    assert_eq!(
        client
            .post(format!("{base}/api/callback"))
            .json(&install)
            .send()
            .await
            .unwrap()
            .status(),
        200
    );
    let launch: Value = client
        .post(format!("{base}/api/portal"))
        .json(&serde_json::json!({"installed_app_id": "ia_cli", "instance_id": "inst_cli"}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let portal_url = launch["portal_url"].as_str().unwrap().to_owned();
    let token = portal_url.split("token=").nth(1).unwrap().to_owned();
    let redirect = client.get(&portal_url).send().await.unwrap();
    assert_eq!(redirect.status(), 303);
    let location = redirect.headers()["location"].to_str().unwrap().to_owned();
    let sid = location.split("s=").nth(1).unwrap().to_owned();
    let home = client
        .get(format!("{base}{location}"))
        .send()
        .await
        .unwrap();
    assert_eq!(home.status(), 200);
    assert!(home.text().await.unwrap().contains("inst_cli"));

    let logs = stderr_of(running);
    assert!(logs.contains("GET /kyc"), "request log present: {logs}");
    let token_secret = token.split_once('.').unwrap().1;
    for secret in [api_key, token.as_str(), token_secret, sid.as_str()] {
        assert!(!logs.contains(secret), "a secret reached the logs");
    }
    let mut db_bytes = std::fs::read(dir.path().join("data/kyc.db")).unwrap();
    db_bytes.extend(std::fs::read(dir.path().join("data/kyc.db-wal")).unwrap_or_default());
    assert!(!contains(&db_bytes, api_key));
}

#[test]
fn a_bad_value_stops_startup_with_a_message_naming_the_variable() {
    let dir = tempfile::tempdir().unwrap();
    for (var, value) in [
        ("PORTAL_SESSION_TTL_SECS", "0"),
        ("PUBLIC_URL", "not a url"),
        ("BIND_ADDR", "nowhere"),
        ("SANDBOX", "maybe"),
        ("APP_ENCRYPTION_KEYS", "k1:short"),
    ] {
        let out = command(dir.path()).env(var, value).output().unwrap();
        assert!(!out.status.success(), "{var}={value} must stop startup");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(stderr.contains(var), "{var}: {stderr}");
    }
    let out = command(dir.path())
        .env("BLNK_CLOUD_API_URL", "https://cloud.example.com/api")
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("APP_ENCRYPTION_KEYS"));
}

#[test]
fn migrate_and_gen_key_subcommands_work() {
    let dir = tempfile::tempdir().unwrap();
    let out = command(dir.path())
        .env("DATABASE_URL", "admin/kyc.db")
        .arg("migrate")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("migration(s) applied"));
    assert!(dir.path().join("admin/kyc.db").exists());
    let again = command(dir.path())
        .env("DATABASE_URL", "admin/kyc.db")
        .arg("migrate")
        .output()
        .unwrap();
    assert!(String::from_utf8_lossy(&again.stdout).starts_with("0 migration(s)"));

    let out = command(dir.path())
        .args(["gen-key", "--kid", "k7"])
        .output()
        .unwrap();
    let entry = String::from_utf8(out.stdout).unwrap();
    let ring = Keyring::parse(entry.trim()).unwrap();
    assert_eq!(ring.primary_kid(), "k7");
}

fn install_directly(config: &Config, id: &str, key: &str) {
    let pool = db::open_pool(&config.database_path, 1).unwrap();
    db::run_migrations(&pool).unwrap();
    let ring = startup::load_keyring(config, &pool).unwrap();
    let body = crate::helpers::install_event(id, key, &["data:read"]).to_string();
    let event = parse_event(body.as_bytes()).unwrap();
    apply_event(&mut pool.get().unwrap(), &ring, &event, 1_800_000_000).unwrap();
}

#[test]
fn rekey_moves_stored_keys_to_the_new_key_and_a_wrong_key_is_refused_at_startup() {
    let dir = tempfile::tempdir().unwrap();
    let k1 = Keyring::generate_entry("k1").unwrap();
    let k2 = Keyring::generate_entry("k2").unwrap();
    let mut config = Config::for_dir(dir.path());
    config.keys = KeySource::Env(Secret::new(k1.expose()));
    install_directly(&config, "ia_rekey", "blnk_key_rekey_0000001");

    let db_url = config.database_path.to_string_lossy().into_owned();
    let out = command(dir.path())
        .env("DATABASE_URL", &db_url)
        .env(
            "APP_ENCRYPTION_KEYS",
            format!("{},{}", k2.expose(), k1.expose()),
        )
        .arg("rekey")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        String::from_utf8_lossy(&out.stdout).contains("re-encrypted 1 API key(s) under key `k2`")
    );

    // k2 alone now opens the key; k1 alone no longer starts the app.
    let pool = db::open_pool(&config.database_path, 1).unwrap();
    config.keys = KeySource::Env(Secret::new(k2.expose()));
    let ring = startup::load_keyring(&config, &pool).unwrap();
    let install = lifecycle::installs::find(&mut pool.get().unwrap(), "ia_rekey")
        .unwrap()
        .unwrap();
    assert_eq!(install.api_key_kid.as_deref(), Some("k2"));
    assert_eq!(
        install.api_key(&ring).unwrap().expose(),
        "blnk_key_rekey_0000001"
    );
    config.keys = KeySource::Env(Secret::new(k1.expose()));
    let err = startup::load_keyring(&config, &pool)
        .unwrap_err()
        .to_string();
    assert!(err.contains("k2"), "{err}");
    // a different key under the same id is refused too
    let impostor = Keyring::generate_entry("k2").unwrap();
    config.keys = KeySource::Env(Secret::new(impostor.expose()));
    let err = startup::load_keyring(&config, &pool)
        .unwrap_err()
        .to_string();
    assert!(err.contains("does not decrypt"), "{err}");
}

#[test]
fn a_missing_key_file_is_not_silently_regenerated_when_keys_are_stored() {
    let dir = tempfile::tempdir().unwrap();
    let config = Config::for_dir(dir.path());
    install_directly(&config, "ia_file", "blnk_key_file_00000001");
    std::fs::remove_file(dir.path().join("encryption.key")).unwrap();
    let pool = db::open_pool(&config.database_path, 1).unwrap();
    let err = startup::load_keyring(&config, &pool)
        .unwrap_err()
        .to_string();
    assert!(err.contains("missing"), "{err}");
    assert!(!dir.path().join("encryption.key").exists());
}

#[test]
fn the_screen_subcommand_prints_hits_as_text_and_json() {
    let dir = tempfile::tempdir().unwrap();
    let out = command(dir.path())
        .args([
            "screen",
            "VOLKANOV, Dragomir",
            "--dob",
            "1968-06-14",
            "--json",
        ])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["threshold"], 0.85);
    assert!(v["list_version"].as_str().unwrap().ends_with("@bundled"));
    let hits = v["hits"].as_array().unwrap();
    assert_eq!(hits.len(), 1);
    assert_eq!(hits[0]["entity_id"], "9001");
    assert_eq!(hits[0]["name"], "VOLKANOV, Dragomir Ilyich");
    assert!(hits[0]["score"].as_f64().unwrap() >= 0.85);
    assert!(!hits[0]["pairs"].as_array().unwrap().is_empty());

    // The threshold is the app's: SCREENING_THRESHOLD applies.
    let strict = command(dir.path())
        .env("SCREENING_THRESHOLD", "0.99")
        .args(["screen", "Dragomir Volkanov", "--json"])
        .output()
        .unwrap();
    let v: Value = serde_json::from_slice(&strict.stdout).unwrap();
    assert_eq!(v["threshold"], 0.99);
    assert_eq!(v["hits"], serde_json::json!([]));

    let text = command(dir.path())
        .args(["screen", "Dragomir Volkanov"])
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&text.stdout).to_string();
    assert!(text.contains("1 hit(s)") && text.contains("9001"), "{text}");

    let none = command(dir.path())
        .args(["screen", "Maria Lindgren", "--json"])
        .output()
        .unwrap();
    let v: Value = serde_json::from_slice(&none.stdout).unwrap();
    assert_eq!(v["hits"], serde_json::json!([]));

    let bad = command(dir.path())
        .args(["screen", "X Y", "--dob", "14/06/1968"])
        .output()
        .unwrap();
    assert!(!bad.status.success());
    assert!(String::from_utf8_lossy(&bad.stderr).contains("YYYY-MM-DD"));

    let missing = command(dir.path())
        .args(["screen", "X Y", "--list", "/nonexistent/list"])
        .output()
        .unwrap();
    assert!(!missing.status.success());
    assert!(String::from_utf8_lossy(&missing.stderr).contains("sdn.csv"));
}

#[test]
fn screen_batch_assesses_a_file_on_several_threads_and_reports_the_rate() {
    let dir = tempfile::tempdir().unwrap();
    let list = blnk_kyc::kyc::screening::SanctionsList::bundled_sample();
    let listed = list
        .entries()
        .iter()
        .find(|e| {
            e.kind == blnk_kyc::kyc::screening::EntryKind::Individual && e.name.contains(", ")
        })
        .expect("an individual in the sample list");
    let (last, first) = listed.name.split_once(", ").unwrap();
    let identities = serde_json::json!([
        {"identity_id": "idt_b1", "identity_type": "individual", "first_name": first, "last_name": last},
        {"identity_id": "idt_b2", "identity_type": "individual", "first_name": "Ada", "last_name": "Okafor",
         "email_address": "ada@example.com", "country": "NG", "dob": "1990-04-02T00:00:00Z"},
        {"identity_id": "idt_b3", "identity_type": "organization", "organization_name": "Quiet Bakery Ltd",
         "country": "GB"},
    ]);
    let file = dir.path().join("ids.json");
    std::fs::write(&file, identities.to_string()).unwrap();
    let out = command(dir.path())
        .args(["screen-batch", "ids.json", "--threads", "2", "--json"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["identities"], 3);
    assert_eq!(v["threads"], 2);
    assert_eq!(v["with_hits"], 1, "{v}");
    let banded: u64 = v["bands"]
        .as_object()
        .unwrap()
        .values()
        .map(|n| n.as_u64().unwrap())
        .sum();
    assert_eq!(banded, 3);
    assert!(v["identities_per_second"].as_f64().unwrap() > 0.0);

    // A file that is not there: a clear error naming it, exit code 1.
    let out = command(dir.path())
        .args(["screen-batch", "missing.json"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("missing.json"));
}
