//! End-to-end browser tests: headless Chromium driven through ChromeDriver (WebDriver), against the
//! real app served in-process on a free port with a temp SQLite file and a manual clock.
//!
//! The sandbox dashboard is opened on `http://127.0.0.1:PORT/sandbox` while the app's `PUBLIC_URL`
//! is `http://localhost:PORT`, so the portal runs in a cross-site iframe, as inside Blnk Cloud.
//! Each test walks install → launch → portal home in the iframe → a second page (the session
//! survives) → session expiry (the manual clock moves; nothing sleeps) → relaunch → uninstall →
//! the open session ends and a relaunch is refused, in one browser cookie mode:
//!
//! - cookies allowed: the partitioned session cookie comes back, the `s=` parameter is dropped by
//!   the clean-up redirect and no "cookieless" badge shows;
//! - cookies blocked: the browser refuses the app's cookies inside the dashboard's iframe, so the
//!   session travels in the URL (`s=`) and the portal shows its "cookieless" badge.
//!
//! Needs `chromium` and `chromedriver` (Debian: `apt-get install chromium chromium-driver`), found
//! on `PATH` or through `CHROME_BIN` / `CHROMEDRIVER`. Without them the tests print a skip note and
//! pass, unless `E2E_REQUIRED=1`, which turns a missing browser into a failure. Screenshots of the
//! portal inside the dashboard are saved to `target/e2e-artifacts/`.

#[path = "../api/helpers.rs"]
#[allow(dead_code)]
mod helpers;

use std::io::Write;
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use blnk_kyc::sandbox::DEFAULT_INSTANCE;
use serde_json::{json, Value};
use thirtyfour::prelude::*;
use thirtyfour::{ChromeCapabilities, ChromiumLikeCapabilities};

use helpers::{spawn_app_with, TestApp};

/// Upper bound of every wait for an element or a page.
const WAIT: Duration = Duration::from_secs(10);
const POLL: Duration = Duration::from_millis(100);
/// The portal session lifetime in these tests (longer than the 2-minute warning, so screenshots show
/// a calm page); the manual clock jumps over it.
const SESSION_TTL_SECS: i64 = 600;

/// ChromeDriver sessions run one at a time: two Chromiums on a 2-core runner make waits flaky.
static BROWSER_LOCK: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum CookieMode {
    /// Third-party cookies allowed: the partitioned session cookie works in the iframe.
    Allowed,
    /// The browser refuses the app's cookies inside the dashboard: the session travels in URLs.
    Blocked,
}

impl CookieMode {
    fn name(self) -> &'static str {
        match self {
            CookieMode::Allowed => "cookies-allowed",
            CookieMode::Blocked => "cookies-blocked",
        }
    }
}

#[actix_web::test]
async fn portal_flow_in_the_dashboard_iframe_with_third_party_cookies_allowed() {
    run_flow(CookieMode::Allowed).await;
}

#[actix_web::test]
async fn portal_flow_in_the_dashboard_iframe_with_third_party_cookies_blocked() {
    run_flow(CookieMode::Blocked).await;
}

async fn run_flow(mode: CookieMode) {
    let Some(tools) = BrowserTools::locate(mode) else {
        return;
    };
    let _one_browser_at_a_time = BROWSER_LOCK.lock().await;
    for stale in ["png", "html", "top.html"] {
        let name = format!("failure-{}.{stale}", mode.name());
        let _ = std::fs::remove_file(artifacts_dir().join(name));
    }
    let started = Instant::now();
    let app = spawn_app_with(|c| c.session_ttl_secs = SESSION_TTL_SECS).await;
    let port = port_of(&app);
    let chromedriver = ChromeDriver::start(&tools.chromedriver, &artifacts_dir(), mode);
    let profile = tempfile::tempdir().expect("browser profile dir");
    let driver = WebDriver::new(
        chromedriver.url(),
        capabilities(&tools.chromium, profile.path(), mode, port),
    )
    .await
    .expect("a ChromeDriver session");
    // The flow runs as its own task so that a failed assertion still leaves the browser to be
    // examined and quit here.
    let flow_driver = driver.clone();
    let outcome =
        actix_web::rt::spawn(async move { flow(&flow_driver, &app, port, mode).await }).await;
    if !matches!(outcome, Ok(Ok(()))) {
        save_failure_artifacts(&driver, mode).await;
    }
    driver.quit().await.expect("quit the browser");
    drop(chromedriver);
    match outcome {
        Ok(Ok(())) => {}
        Ok(Err(e)) => panic!("e2e flow ({}) failed: {e}", mode.name()),
        Err(e) if e.is_panic() => std::panic::resume_unwind(e.into_panic()),
        Err(e) => panic!("e2e flow ({}) did not finish: {e}", mode.name()),
    }
    eprintln!(
        "e2e flow ({}) passed in {:.1?}",
        mode.name(),
        started.elapsed()
    );
}

/// A screenshot and the page source (top level and iframe) of the browser where the flow stopped.
async fn save_failure_artifacts(driver: &WebDriver, mode: CookieMode) {
    let dir = artifacts_dir();
    let name = mode.name();
    if let Ok(png) = driver.screenshot_as_png().await {
        let _ = std::fs::write(dir.join(format!("failure-{name}.png")), png);
    }
    if let Ok(html) = driver.source().await {
        let _ = std::fs::write(dir.join(format!("failure-{name}.html")), html);
    }
    let _ = driver.enter_default_frame().await;
    if let Ok(html) = driver.source().await {
        let _ = std::fs::write(dir.join(format!("failure-{name}.top.html")), html);
    }
    eprintln!("failure artifacts of {name} in {}", dir.display());
}

/// The whole flow in one browser; any WebDriver error or failed assertion ends it.
async fn flow(
    driver: &WebDriver,
    app: &TestApp,
    port: u16,
    mode: CookieMode,
) -> WebDriverResult<()> {
    let dashboard = format!("http://127.0.0.1:{port}/sandbox");
    let install_button = format!("install-{DEFAULT_INSTANCE}");
    let launch_button = format!("launch-{DEFAULT_INSTANCE}");
    let uninstall_button = format!("uninstall-{DEFAULT_INSTANCE}");

    // Install from the dashboard (every permission is pre-checked).
    driver.goto(&dashboard).await?;
    wait(driver, By::Css("[data-status='not-installed']")).await?;
    wait(driver, By::Id(&install_button)).await?.click().await?;
    let flash = wait(driver, By::Id("flash")).await?.text().await?;
    assert!(flash.starts_with("Installed"), "install flash: {flash}");
    wait(driver, By::Css("[data-status='installed']")).await?;

    // Launch: the dashboard opens the portal in its cross-site iframe.
    wait(driver, By::Id(&launch_button)).await?.click().await?;
    let launch_page = driver.window().await?;
    wait(driver, By::Id("app-frame"))
        .await?
        .enter_frame()
        .await?;
    wait(driver, By::Css("[data-testid='portal-home']")).await?;
    let reviewer = wait(driver, By::Css(".reviewer-id")).await?.text().await?;
    assert_eq!(reviewer, "usr_alice");
    let home_url = frame_url(driver).await?;
    assert!(
        home_url.starts_with(&app.url("/kyc")),
        "portal home in the iframe: {home_url}"
    );
    assert_carrier(driver, mode, &home_url).await?;

    // The portal inside the dashboard, for the docs and for whoever debugs a failure.
    driver.enter_default_frame().await?;
    let png = driver.screenshot_as_png().await?;
    let shot = artifacts_dir().join(format!("sandbox-portal-{}.png", mode.name()));
    std::fs::write(&shot, png).expect("write the screenshot");
    eprintln!("screenshot: {}", shot.display());

    // A second page: the session survives the navigation, with the same carrier.
    wait(driver, By::Id("app-frame"))
        .await?
        .enter_frame()
        .await?;
    wait(driver, By::Id("install-link")).await?.click().await?;
    wait(driver, By::Css("[data-testid='portal-install']")).await?;
    let install_url = frame_url(driver).await?;
    assert!(
        install_url.starts_with(&app.url("/kyc/install")),
        "{install_url}"
    );
    assert_carrier(driver, mode, &install_url).await?;
    let installed_app_id = wait(driver, By::Css("[data-testid='installed-app-id']"))
        .await?
        .text()
        .await?;
    assert!(
        installed_app_id.starts_with("instapp_"),
        "{installed_app_id}"
    );

    // The review queue: the first launch synced and screened the sandbox's identities; the
    // "has hits" filter (a GET form, which must keep the session in URL mode) shows the 25 seeded
    // sanctions variants, and one of them opens with its hit explained.
    wait(driver, By::Id("nav-queue")).await?.click().await?;
    wait(driver, By::Css("[data-testid='queue']")).await?;
    // The page reloads itself once the jobs finish; filter after that (the button is enabled).
    wait(driver, By::Css("#sync-now:not([disabled])")).await?;
    wait(driver, By::Id("filter-hits")).await?.click().await?;
    wait(driver, By::Id("apply-filters")).await?.click().await?;
    let mut rows = 0;
    for _ in 0..150 {
        rows = driver.find_all(By::Css("tr[data-identity]")).await?.len();
        if rows == 25 {
            break;
        }
        tokio::time::sleep(POLL).await;
    }
    assert_eq!(
        rows, 25,
        "the hits view lists the seeded sanctions variants"
    );
    let queue_url = frame_url(driver).await?;
    assert!(queue_url.contains("hits=1"), "{queue_url}");
    assert_carrier(driver, mode, &queue_url).await?;
    driver.enter_default_frame().await?;
    let png = driver.screenshot_as_png().await?;
    std::fs::write(
        artifacts_dir().join(format!("sandbox-queue-{}.png", mode.name())),
        png,
    )
    .expect("write the screenshot");
    wait(driver, By::Id("app-frame"))
        .await?
        .enter_frame()
        .await?;
    wait(driver, By::Css("tr[data-identity] a"))
        .await?
        .click()
        .await?;
    wait(driver, By::Css("[data-testid='identity']")).await?;
    wait(driver, By::Css("article.hit")).await?;
    let identity_url = frame_url(driver).await?;
    assert_carrier(driver, mode, &identity_url).await?;

    // Decide in the browser: dismiss the hit with a note, then approve with a reason (form posts
    // from inside the cross-site iframe; in URL mode their actions carry the session).
    wait(driver, By::Css(".hit-form textarea"))
        .await?
        .send_keys("Different date of birth and nationality")
        .await?;
    wait(driver, By::Css(".hit-form button[value='dismiss']"))
        .await?
        .click()
        .await?;
    wait(driver, By::Css("article.hit[data-state='dismissed']")).await?;
    let four_eyes = !driver
        .query(By::Id("four-eyes-note"))
        .nowait()
        .not_exists()
        .await?;
    wait(driver, By::Css("summary[data-action='approve']"))
        .await?
        .click()
        .await?;
    wait(
        driver,
        By::Css("form[data-action='approve'] option[value='false_positive_hits']"),
    )
    .await?
    .click()
    .await?;
    wait(
        driver,
        By::Css("form[data-action='approve'] button[type='submit']"),
    )
    .await?
    .click()
    .await?;
    let expected = if four_eyes {
        "pending_approval"
    } else {
        "approved"
    };
    wait(
        driver,
        By::Css(format!("#case-status[data-status='{expected}']")),
    )
    .await?;
    if four_eyes {
        // The proposer cannot confirm it: the button is disabled and the page says why.
        wait(driver, By::Id("self-confirm-note")).await?;
    }
    let decided_url = frame_url(driver).await?;
    assert_carrier(driver, mode, &decided_url).await?;
    driver.enter_default_frame().await?;
    let png = driver.screenshot_as_png().await?;
    std::fs::write(
        artifacts_dir().join(format!("sandbox-identity-{}.png", mode.name())),
        png,
    )
    .expect("write the screenshot");
    wait(driver, By::Id("app-frame"))
        .await?
        .enter_frame()
        .await?;

    // Clickjacking: a page of a foreign origin (a data: URL's origin is opaque) cannot frame the
    // portal. In another tab, so the dashboard's session above stays as it is.
    driver.enter_default_frame().await?;
    let dashboard_tab = driver.window().await?;
    let launch = app
        .post_json(
            "/api/portal",
            &json!({
                "installed_app_id": installed_app_id,
                "app_id": blnk_kyc::sandbox::dashboard::SANDBOX_APP_ID,
                "instance_id": DEFAULT_INSTANCE,
                "user_id": "usr_mallory",
            }),
        )
        .await;
    let v: Value = launch.json().await.expect("portal_url");
    let portal_url = v["portal_url"].as_str().expect("portal_url").to_owned();
    // The foreign page is served by a server of its own on another port: another origin, not
    // in `frame-ancestors`.
    let evil_page = format!(
        "<!doctype html><title>Not Blnk</title><iframe id=\"evil\" src=\"{portal_url}\"></iframe>"
    );
    let evil_listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let evil_port = evil_listener.local_addr().expect("addr").port();
    let evil_server = actix_web::HttpServer::new(move || {
        let page = evil_page.clone();
        actix_web::App::new().default_service(actix_web::web::to(move || {
            let page = page.clone();
            async move {
                actix_web::HttpResponse::Ok()
                    .content_type("text/html; charset=utf-8")
                    .body(page)
            }
        }))
    })
    .workers(1)
    .listen(evil_listener)
    .expect("listen")
    .run();
    let evil_handle = evil_server.handle();
    actix_web::rt::spawn(evil_server);
    let evil_tab = driver.new_tab().await?;
    driver.switch_to_window(evil_tab).await?;
    driver
        .goto(format!("http://127.0.0.1:{evil_port}/"))
        .await?;
    wait(driver, By::Id("evil")).await?.enter_frame().await?;
    let mut framed = false;
    for _ in 0..30 {
        if !driver
            .query(By::Css("[data-testid='portal-home']"))
            .nowait()
            .not_exists()
            .await?
        {
            framed = true;
            break;
        }
        tokio::time::sleep(POLL).await;
    }
    assert!(!framed, "a foreign page framed the portal");
    driver.enter_default_frame().await?;
    driver.close_window().await?;
    evil_handle.stop(false).await;
    driver.switch_to_window(dashboard_tab).await?;
    wait(driver, By::Id("app-frame"))
        .await?
        .enter_frame()
        .await?;

    // Expiry: the app's clock passes the session's end; the next page is the expiry page.
    app.clock.advance(SESSION_TTL_SECS);
    wait(driver, By::Id("nav-overview")).await?.click().await?;
    let expired = wait(
        driver,
        By::Css("[data-testid='error-page'][data-status='410']"),
    )
    .await?;
    let text = expired.text().await?;
    assert!(
        text.contains("This session has expired"),
        "expiry page: {text}"
    );
    assert!(
        text.contains("Launch app"),
        "the expiry page says how to relaunch: {text}"
    );

    // Relaunching from the dashboard opens a fresh session, which "End session" ends (a form
    // post from inside the cross-site iframe: CSRF token and origin check).
    relaunch(driver, &launch_button, mode).await?;
    wait(driver, By::Id("end-session")).await?.click().await?;
    wait(driver, By::Css("[data-testid='session-ended']")).await?;

    // One more launch, left open for the uninstall.
    relaunch(driver, &launch_button, mode).await?;
    driver.enter_default_frame().await?;

    // A dashboard tab opened before the uninstall still shows "Launch app".
    let stale_tab = driver.new_tab().await?;
    driver.switch_to_window(stale_tab.clone()).await?;
    driver.goto(&dashboard).await?;
    wait(driver, By::Id(&launch_button)).await?;

    // Uninstall from another tab.
    let tab = driver.new_tab().await?;
    driver.switch_to_window(tab).await?;
    driver.goto(&dashboard).await?;
    wait(driver, By::Id(&uninstall_button))
        .await?
        .click()
        .await?;
    let flash = wait(driver, By::Id("flash")).await?.text().await?;
    assert!(flash.starts_with("Uninstalled"), "uninstall flash: {flash}");
    wait(driver, By::Css("[data-status='not-installed']")).await?;
    assert!(
        driver
            .query(By::Id(&launch_button))
            .nowait()
            .not_exists()
            .await?,
        "no Launch button once uninstalled"
    );

    // The session still open in the first tab ended with the uninstall.
    driver.switch_to_window(launch_page).await?;
    wait(driver, By::Id("app-frame"))
        .await?
        .enter_frame()
        .await?;
    wait(driver, By::Id("install-link")).await?.click().await?;
    let refused = wait(
        driver,
        By::Css("[data-testid='error-page'][data-status='403']"),
    )
    .await?;
    let text = refused.text().await?;
    assert!(text.contains("uninstalled"), "page after uninstall: {text}");
    driver.enter_default_frame().await?;

    // A relaunch from the stale tab is refused by the dashboard...
    driver.switch_to_window(stale_tab).await?;
    wait(driver, By::Id(&launch_button)).await?.click().await?;
    let flash = wait(driver, By::Id("flash")).await?.text().await?;
    assert!(
        flash.contains("Install the app"),
        "stale relaunch flash: {flash}"
    );
    assert!(
        driver
            .query(By::Id("app-frame"))
            .nowait()
            .not_exists()
            .await?,
        "no portal opened after the uninstall"
    );
    // ...and by the app itself when asked for a portal URL as Cloud would.
    let resp = app
        .post_json(
            "/api/portal",
            &json!({
                "installed_app_id": installed_app_id,
                "app_id": blnk_kyc::sandbox::dashboard::SANDBOX_APP_ID,
                "instance_id": DEFAULT_INSTANCE,
                "user_id": "usr_alice",
            }),
        )
        .await;
    assert_eq!(resp.status(), 403, "portal request after the uninstall");
    let body: Value = resp.json().await.expect("json error body");
    assert_eq!(body["error"], "install_inactive", "{body}");
    Ok(())
}

/// From inside the portal's iframe: back to the dashboard, "Launch app" again, and the portal home
/// in the new iframe (the driver is left inside it).
async fn relaunch(
    driver: &WebDriver,
    launch_button: &str,
    mode: CookieMode,
) -> WebDriverResult<()> {
    driver.enter_default_frame().await?;
    wait(driver, By::Id("back-to-apps")).await?.click().await?;
    wait(driver, By::Id(launch_button)).await?.click().await?;
    wait(driver, By::Id("app-frame"))
        .await?
        .enter_frame()
        .await?;
    wait(driver, By::Css("[data-testid='portal-home']")).await?;
    let url = frame_url(driver).await?;
    assert_carrier(driver, mode, &url).await
}

/// The session carrier as the page shows it: the "cookieless" badge and `s=` in the frame's
/// URL and links only when the cookie does not come back.
async fn assert_carrier(driver: &WebDriver, mode: CookieMode, url: &str) -> WebDriverResult<()> {
    let badge = driver
        .query(By::Css("[data-testid='cookieless-badge']"))
        .nowait()
        .exists()
        .await?;
    let link = wait(driver, By::Id("nav-install"))
        .await?
        .attr("href")
        .await?
        .unwrap_or_default();
    let url_has_session = has_session_param(url);
    match mode {
        CookieMode::Allowed => {
            assert!(!badge, "no cookieless badge when the cookie works ({url})");
            assert!(
                !url_has_session,
                "the clean-up redirect drops s= from {url}"
            );
            assert!(
                !has_session_param(&link),
                "links carry no s= with the cookie: {link}"
            );
        }
        CookieMode::Blocked => {
            assert!(
                badge,
                "the cookieless badge shows when the cookie is blocked ({url})"
            );
            assert!(url_has_session, "the session travels in the URL: {url}");
            assert!(
                has_session_param(&link),
                "links carry s= without the cookie: {link}"
            );
        }
    }
    Ok(())
}

fn has_session_param(url_or_path: &str) -> bool {
    url_or_path
        .split_once('?')
        .is_some_and(|(_, q)| q.split('&').any(|kv| kv.starts_with("s=")))
}

/// The address of the document in the current frame (WebDriver's current URL is the top-level one).
async fn frame_url(driver: &WebDriver) -> WebDriverResult<String> {
    let ret = driver
        .execute("return window.location.href;", Vec::new())
        .await?;
    Ok(ret.json().as_str().unwrap_or_default().to_owned())
}

/// Polls for an element for at most [`WAIT`].
async fn wait(driver: &WebDriver, by: By) -> WebDriverResult<WebElement> {
    driver.query(by).wait(WAIT, POLL).first().await
}

fn port_of(app: &TestApp) -> u16 {
    app.address
        .rsplit(':')
        .next()
        .and_then(|p| p.parse().ok())
        .expect("port in the app address")
}

/// Headless Chromium with a fresh profile, talking only to this machine.
fn capabilities(
    chromium: &Path,
    profile: &Path,
    mode: CookieMode,
    port: u16,
) -> ChromeCapabilities {
    let mut caps = DesiredCapabilities::chrome();
    caps.set_binary(&chromium.to_string_lossy())
        .expect("binary");
    for arg in [
        "--headless=new",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--no-first-run",
        "--no-default-browser-check",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--disable-quic",
        "--window-size=1280,900",
    ] {
        caps.add_arg(arg).expect("arg");
    }
    caps.add_arg(&format!("--user-data-dir={}", profile.display()))
        .expect("arg");
    caps.add_experimental_option("prefs", cookie_prefs(mode, port))
        .expect("prefs");
    caps
}

/// Chrome profile preferences for a cookie mode.
///
/// Allowed: third-party cookies allowed outright (`cookie_controls_mode` 0; this Chromium build
/// otherwise defaults to blocking unpartitioned third-party cookies, which the partitioned session
/// cookie survives anyway).
///
/// Blocked: neither `--test-third-party-cookie-phaseout` nor the "block third-party cookies"
/// preferences (`cookie_controls_mode` 1, `block_third_party_cookies`) block a *partitioned* (CHIPS)
/// cookie in Chromium 156, so they cannot exercise the fallback. A cookie content-setting
/// exception does: the app's origin (primary pattern) may not use cookies when embedded under
/// the dashboard's origin (secondary pattern), while its first-party cookies still work, which
/// is what Safari, or Chrome with this app's cookies blocked, does to the app inside Cloud.
fn cookie_prefs(mode: CookieMode, port: u16) -> Value {
    match mode {
        CookieMode::Allowed => json!({ "profile": { "cookie_controls_mode": 0 } }),
        CookieMode::Blocked => {
            let pattern = format!("http://localhost:{port},http://127.0.0.1:{port}");
            json!({
                "profile": {
                    "cookie_controls_mode": 1,
                    "content_settings": { "exceptions": { "cookies": { pattern: { "setting": 2 } } } }
                }
            })
        }
    }
}

/// `target/e2e-artifacts/`, created on demand.
fn artifacts_dir() -> PathBuf {
    let tmp = Path::new(env!("CARGO_TARGET_TMPDIR"));
    let dir = tmp.parent().unwrap_or(tmp).join("e2e-artifacts");
    std::fs::create_dir_all(&dir).expect("artifacts dir");
    dir
}

struct BrowserTools {
    chromium: PathBuf,
    chromedriver: PathBuf,
}

impl BrowserTools {
    /// Finds Chromium and ChromeDriver; `None` (after a skip note) when either is missing, unless
    /// `E2E_REQUIRED=1`, which makes a missing browser a failure.
    fn locate(mode: CookieMode) -> Option<BrowserTools> {
        let chromium = from_env_or_path(
            "CHROME_BIN",
            &[
                "chromium",
                "chromium-browser",
                "google-chrome",
                "google-chrome-stable",
            ],
        );
        let chromedriver = from_env_or_path("CHROMEDRIVER", &["chromedriver"]);
        match (chromium, chromedriver) {
            (Some(chromium), Some(chromedriver)) => Some(BrowserTools {
                chromium,
                chromedriver,
            }),
            (chromium, chromedriver) => {
                let missing = [
                    chromium.is_none().then_some("chromium"),
                    chromedriver.is_none().then_some("chromedriver"),
                ]
                .into_iter()
                .flatten()
                .collect::<Vec<_>>()
                .join(" and ");
                if std::env::var("E2E_REQUIRED").is_ok_and(|v| v == "1") {
                    panic!("E2E_REQUIRED=1 but {missing} not found (apt-get install chromium chromium-driver)");
                }
                // Straight to stderr, past the test harness's capture, so a plain `cargo test`
                // shows that the browser tests did not run.
                let _ = writeln!(
                    std::io::stderr(),
                    "SKIPPED e2e ({}): {missing} not found; install chromium and chromium-driver, \
                     or set E2E_REQUIRED=1 to make this a failure",
                    mode.name()
                );
                None
            }
        }
    }
}

fn from_env_or_path(var: &str, names: &[&str]) -> Option<PathBuf> {
    if let Some(p) = std::env::var_os(var).map(PathBuf::from) {
        return p.is_file().then_some(p);
    }
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .flat_map(|dir| names.iter().map(move |n| dir.join(n)))
        .find(|p| p.is_file())
}

/// A ChromeDriver child process on a free local port, killed on drop.
struct ChromeDriver {
    child: Child,
    port: u16,
}

impl ChromeDriver {
    fn start(binary: &Path, log_dir: &Path, mode: CookieMode) -> ChromeDriver {
        let port = TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("a free port")
            .port();
        let log = std::fs::File::create(log_dir.join(format!("chromedriver-{}.log", mode.name())))
            .expect("chromedriver log file");
        let child = Command::new(binary)
            .arg(format!("--port={port}"))
            .stdin(Stdio::null())
            .stdout(log.try_clone().expect("chromedriver log file"))
            .stderr(log)
            .spawn()
            .expect("start chromedriver");
        let driver = ChromeDriver { child, port };
        driver.wait_ready();
        driver
    }

    fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// Waits for the port to accept connections (at most [`WAIT`]).
    fn wait_ready(&self) {
        let deadline = Instant::now() + WAIT;
        let addr = std::net::SocketAddr::from(([127, 0, 0, 1], self.port));
        while std::net::TcpStream::connect_timeout(&addr, POLL).is_err() {
            assert!(
                Instant::now() < deadline,
                "chromedriver did not start within {WAIT:?}"
            );
            std::thread::sleep(POLL);
        }
    }
}

impl Drop for ChromeDriver {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
