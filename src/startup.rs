//! Wiring: the shared state, the one app builder used by `main` and by the tests, and the
//! server with its background jobs.

use std::io::Write;
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use actix_web::body::MessageBody;
use actix_web::dev::{Server, ServiceFactory, ServiceRequest, ServiceResponse};
use actix_web::middleware::from_fn;
use actix_web::{web, App, HttpServer};

use crate::blnk::{CloudClient, RetryPolicy, Timeouts};
use crate::clock::Clock;
use crate::config::{Config, KeySource, SandboxMode};
use crate::crypto::Keyring;
use crate::db::{self, DbPool};
use crate::jobs::JobRegistry;
use crate::kyc::checks::HighRiskList;
use crate::kyc::screening::{SanctionsList, Screener};
use crate::lifecycle::{installs, sessions};
use crate::sandbox::SandboxState;
use crate::web::{headers, routes};

/// Everything a handler may need, shared through `web::Data`.
pub struct AppState {
    pub pool: DbPool,
    pub config: Arc<Config>,
    pub keyring: Arc<Keyring>,
    pub clock: Clock,
    /// `FRAME_ANCESTORS`, plus the sandbox dashboard's origin when the sandbox is on.
    pub frame_ancestors: String,
    /// The simulated Blnk Cloud, when the sandbox is on.
    pub sandbox: Option<Arc<SandboxState>>,
    /// The Cloud API client (the sandbox's API when the sandbox is on).
    pub cloud: CloudClient,
    /// The sanctions list, indexed, with the configured threshold.
    pub screener: Arc<Screener>,
    pub high_risk: HighRiskList,
    /// Background jobs running in this process.
    pub jobs: Arc<JobRegistry>,
    /// The same client without retries inside a call: the outbox worker spaces its own.
    pub cloud_once: CloudClient,
    /// Wakes the outbox worker when a change queues a write.
    pub outbox_wake: Arc<tokio::sync::Notify>,
    /// Per-address limits on the public POST routes.
    pub rate_limiter: crate::web::rate_limit::RateLimiter,
}

impl AppState {
    /// What stored review changes need from the app, for `install`, at the clock's now.
    pub fn case_context<'a>(
        &'a self,
        install: &'a crate::lifecycle::installs::Install,
    ) -> crate::kyc::cases::Context<'a> {
        crate::kyc::cases::Context {
            install,
            list: self.screener.list(),
            namespace: &self.config.metadata_namespace,
            intervals: &self.config.review_intervals,
            now: self.clock.now(),
        }
    }

    /// The Content-Security-Policy of portal pages (spec §2.8): no inline script, framing only
    /// by the configured ancestors.
    pub fn portal_csp(&self) -> String {
        format!(
            "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; \
             object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors {}",
            self.frame_ancestors
        )
    }
}

#[derive(Debug, thiserror::Error)]
pub enum StartupError {
    #[error(transparent)]
    Database(#[from] db::DbSetupError),
    #[error("encryption keys: {0}")]
    Keys(String),
    #[error("sandbox: {0}")]
    Sandbox(String),
    #[error("SANCTIONS_LIST_DIR: {0}")]
    SanctionsList(String),
    #[error("Cloud client: {0}")]
    Cloud(String),
    #[error("cannot listen on {addr}: {source}")]
    Bind {
        addr: String,
        source: std::io::Error,
    },
}

/// The app: routes, middleware and state. `HttpServer::new` runs it, and so do the tests.
pub fn build_app(
    state: web::Data<AppState>,
) -> App<
    impl ServiceFactory<
        ServiceRequest,
        Config = (),
        Response = ServiceResponse<impl MessageBody>,
        Error = actix_web::Error,
        InitError = (),
    >,
> {
    let sandbox_on = state.sandbox.is_some();
    App::new()
        .app_data(state)
        .configure(|cfg| routes::configure(cfg, sandbox_on))
        .wrap(from_fn(crate::web::rate_limit::limit_public_posts))
        .wrap(from_fn(headers::security_headers))
        .wrap(crate::web::request_log::logger())
}

/// Read connections of the pool (writes go through its one writer thread).
const DB_POOL_SIZE: u32 = 8;

/// Blocking threads (database reads, the screening job's assessment) of each HTTP worker. Actix
/// allows 512 shared among the workers; past the pool's size a thread only waits for a
/// connection, and each thread that ever ran keeps its allocator's memory while it idles
/// (measured: 32 concurrent queue pages took the peak RSS from 88 to 233 MiB).
const BLOCKING_THREADS_PER_WORKER: usize = 4;

/// Opens the database, runs migrations, and loads (or on first start creates) the keyring.
pub fn prepare_state(config: Config, clock: Clock, port: u16) -> Result<AppState, StartupError> {
    let pool = db::open_pool(&config.database_path, DB_POOL_SIZE)?;
    let ran = db::run_migrations(&pool)?;
    if ran > 0 {
        log::info!("applied {ran} database migration(s)");
    }
    let keyring = load_keyring(&config, &pool)?;
    let mut frame_ancestors = config.frame_ancestors.clone();
    let mut sandbox = None;
    if config.sandbox == SandboxMode::On {
        // The sandbox dashboard frames the portal from another site (127.0.0.1 vs localhost).
        frame_ancestors.push_str(&format!(" http://127.0.0.1:{port}"));
        let identities = match &config.sandbox_identities {
            Some(path) => Some(
                crate::sandbox::identities_file::load(path)
                    .map_err(|e| StartupError::Sandbox(format!("SANDBOX_IDENTITIES: {e}")))?,
            ),
            None => None,
        };
        let state = SandboxState::new(format!("http://127.0.0.1:{port}"), identities)
            .map_err(|e| StartupError::Sandbox(e.to_string()))?;
        sandbox = Some(Arc::new(state));
    }
    let list = match &config.sanctions_list_dir {
        Some(dir) => {
            SanctionsList::load_dir(dir).map_err(|e| StartupError::SanctionsList(e.to_string()))?
        }
        None => SanctionsList::bundled_sample(),
    };
    for (file, line, reason) in &list.report().bad_rows {
        log::warn!("sanctions list {file} line {line}: {reason}");
    }
    log::info!(
        "sanctions list {} loaded: {} entries, {} aliases",
        list.version(),
        list.report().entries,
        list.report().aliases
    );
    let screener = Arc::new(Screener::new(Arc::new(list), config.screening_threshold));
    let cloud_base = match &config.cloud_api_url {
        Some(url) => url.clone(),
        None => url::Url::parse(&format!("http://127.0.0.1:{port}/sandbox/api"))
            .map_err(|e| StartupError::Cloud(e.to_string()))?,
    };
    let timeouts = Timeouts {
        total: Duration::from_secs(config.cloud_timeout_secs),
        ..Timeouts::default()
    };
    let cloud = CloudClient::new(cloud_base.clone(), timeouts, RetryPolicy::default())
        .map_err(StartupError::Cloud)?;
    let cloud_once = CloudClient::new(
        cloud_base,
        timeouts,
        RetryPolicy {
            max_attempts: 1,
            ..RetryPolicy::default()
        },
    )
    .map_err(StartupError::Cloud)?;
    let state = AppState {
        cloud,
        cloud_once,
        outbox_wake: Arc::new(tokio::sync::Notify::new()),
        rate_limiter: crate::web::rate_limit::RateLimiter::new(config.rate_limit_per_sec),
        screener,
        high_risk: config.high_risk.clone(),
        jobs: Arc::new(JobRegistry::default()),
        pool,
        config: Arc::new(config),
        keyring: Arc::new(keyring),
        clock,
        frame_ancestors,
        sandbox,
    };
    crate::sandbox::dashboard::ensure_default_instance(&state)
        .map_err(|e| StartupError::Sandbox(format!("creating the default instance: {e}")))?;
    Ok(state)
}

/// Reads the keyring from `APP_ENCRYPTION_KEYS` or the key file, generating the file on the
/// first start only. Every stored API key must open with it, or startup stops.
pub fn load_keyring(config: &Config, pool: &DbPool) -> Result<Keyring, StartupError> {
    let mut conn = pool.get().map_err(|e| StartupError::Keys(e.to_string()))?;
    let keyring = match &config.keys {
        KeySource::Env(spec) => {
            Keyring::parse(spec.expose()).map_err(|e| StartupError::Keys(e.to_string()))?
        }
        KeySource::File(path) => {
            if path.exists() {
                read_key_file(path)?
            } else {
                let sealed = installs::count_sealed(&mut conn)
                    .map_err(|e| StartupError::Keys(e.to_string()))?;
                if sealed > 0 {
                    return Err(StartupError::Keys(format!(
                        "the database holds {sealed} encrypted API key(s) but the key file {} is missing; \
                         restore it or set APP_ENCRYPTION_KEYS",
                        path.display()
                    )));
                }
                create_key_file(path)?
            }
        }
    };
    let n = installs::verify_stored_keys(&mut conn, &keyring).map_err(StartupError::Keys)?;
    log::debug!("{n} stored API key(s) verified");
    Ok(keyring)
}

fn read_key_file(path: &Path) -> Result<Keyring, StartupError> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| StartupError::Keys(format!("cannot read {}: {e}", path.display())))?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        if let Ok(meta) = std::fs::metadata(path) {
            if meta.permissions().mode() & 0o077 != 0 {
                log::warn!(
                    "the key file {} is readable by other users; run chmod 600 on it",
                    path.display()
                );
            }
        }
    }
    Keyring::parse(&text).map_err(|e| StartupError::Keys(format!("{}: {e}", path.display())))
}

fn create_key_file(path: &Path) -> Result<Keyring, StartupError> {
    let entry = Keyring::generate_entry("k1").map_err(|e| StartupError::Keys(e.to_string()))?;
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir)
            .map_err(|e| StartupError::Keys(format!("cannot create {}: {e}", dir.display())))?;
    }
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let mut file = options
        .open(path)
        .map_err(|e| StartupError::Keys(format!("cannot create {}: {e}", path.display())))?;
    writeln!(file, "{}", entry.expose())
        .map_err(|e| StartupError::Keys(format!("cannot write {}: {e}", path.display())))?;
    log::warn!(
        "generated an encryption key in {} (mode 0600). It protects the stored API keys: back it up, \
         and in production set APP_ENCRYPTION_KEYS instead (see `blnk-kyc gen-key`)",
        path.display()
    );
    Keyring::parse(entry.expose()).map_err(|e| StartupError::Keys(e.to_string()))
}

/// The folder of static files: `./static` when run from the project, else the source tree's.
pub fn static_dir() -> PathBuf {
    let local = PathBuf::from("static");
    if local.is_dir() {
        local
    } else {
        Path::new(env!("CARGO_MANIFEST_DIR")).join("static")
    }
}

/// Serves the app on `listener` and starts the background purge of expired sessions.
pub fn serve(listener: TcpListener, state: AppState) -> Result<Server, StartupError> {
    let addr = listener
        .local_addr()
        .map(|a| a.to_string())
        .unwrap_or_else(|_| "?".into());
    let state = web::Data::new(state);
    let purge_state = state.clone();
    let server = HttpServer::new(move || build_app(state.clone()))
        .worker_max_blocking_threads(BLOCKING_THREADS_PER_WORKER)
        .listen(listener)
        .map_err(|source| StartupError::Bind { addr, source })?
        .run();
    crate::jobs::resume_all(purge_state.clone());
    crate::writeback::worker::spawn(purge_state.clone());
    actix_web::rt::spawn(purge_loop(purge_state));
    Ok(server)
}

async fn purge_loop(state: web::Data<AppState>) {
    let mut tick = actix_web::rt::time::interval(Duration::from_secs(60));
    loop {
        tick.tick().await;
        let now = state.clock.now_ts();
        match db::run(&state.pool, move |conn| {
            Ok(sessions::purge_expired(conn, now)?)
        })
        .await
        {
            Ok((0, 0)) => {}
            Ok((t, s)) => log::info!("purged {t} expired launch token(s) and {s} session(s)"),
            Err(e) => log::warn!("session purge failed: {e}"),
        }
    }
}

/// Binds `BIND_ADDR`, prepares the state, prints the banner and serves until stopped.
pub async fn run(config: Config) -> Result<(), Box<dyn std::error::Error>> {
    let listener = TcpListener::bind(&config.bind_addr).map_err(|source| StartupError::Bind {
        addr: config.bind_addr.clone(),
        source,
    })?;
    let port = listener.local_addr()?.port();
    let public = config.public_link("");
    let sandbox = config.sandbox;
    let cloud_api = config.cloud_api_url.as_ref().map(|u| u.to_string());
    let state = prepare_state(config, Clock::System, port)?;
    println!("\nBlnk KYC review is running");
    println!("  listening on      {}", listener.local_addr()?);
    println!("  app (PUBLIC_URL)  {public}");
    println!("  callback URL      {public}/api/callback");
    println!("  portal URL        {public}/api/portal");
    if sandbox == SandboxMode::On {
        println!("  mode              SANDBOX: a simulated Blnk Cloud runs in this process (no BLNK_CLOUD_API_URL)");
        println!("  sandbox dashboard http://127.0.0.1:{port}/sandbox   <- open this to install and launch the app");
        println!("  sandbox Cloud API http://127.0.0.1:{port}/sandbox/api");
    } else {
        println!(
            "  mode              PRODUCTION: Blnk Cloud API at {cloud}",
            cloud = cloud_api.as_deref().unwrap_or("(not set)")
        );
    }
    println!("  health            {public}/healthz\n");
    serve(listener, state)?.await?;
    Ok(())
}
