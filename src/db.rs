//! The SQLite pool: per-connection pragmas, embedded migrations, and the one helper through
//! which all Diesel work runs off the async executor.

use std::ops::Deref;
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use diesel::connection::SimpleConnection;
use diesel::r2d2::{ConnectionManager, CustomizeConnection, Pool, PooledConnection};
use diesel::sqlite::SqliteConnection;
use diesel_migrations::{embed_migrations, EmbeddedMigrations, MigrationHarness};

use crate::error::AppError;

pub type DbConn = PooledConnection<ConnectionManager<SqliteConnection>>;

/// The connection pool of one SQLite file, with the file's write gate.
///
/// SQLite lets one writer in at a time; the others wait in its busy handler, which sleeps in
/// steps of up to 100 ms. Under load that sleeping, not the writing, dominated the time of the
/// write routes (p99 in the hundreds of ms). Writes made through [`write`] queue on an in-process
/// mutex instead and go one after another without sleeping; `busy_timeout` still covers writers
/// outside the gate (and other processes).
#[derive(Clone)]
pub struct DbPool {
    pool: Pool<ConnectionManager<SqliteConnection>>,
    writes: Arc<Mutex<()>>,
}

impl Deref for DbPool {
    type Target = Pool<ConnectionManager<SqliteConnection>>;
    fn deref(&self) -> &Self::Target {
        &self.pool
    }
}

pub const MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations");

/// `busy_timeout` first, so that even the `journal_mode` switch waits instead of failing when
/// another connection holds the lock.
#[derive(Debug, Clone, Copy)]
struct Pragmas;

impl CustomizeConnection<SqliteConnection, diesel::r2d2::Error> for Pragmas {
    fn on_acquire(&self, conn: &mut SqliteConnection) -> Result<(), diesel::r2d2::Error> {
        conn.batch_execute(
            "PRAGMA busy_timeout = 5000;
             PRAGMA journal_mode = WAL;
             PRAGMA synchronous = NORMAL;
             PRAGMA foreign_keys = ON;",
        )
        .map_err(diesel::r2d2::Error::QueryError)
    }
}

#[derive(Debug, thiserror::Error)]
pub enum DbSetupError {
    #[error("cannot create the database folder {path}: {source}")]
    Folder {
        path: String,
        source: std::io::Error,
    },
    #[error("cannot open the database {path}: {message}")]
    Open { path: String, message: String },
    #[error("migrations failed: {0}")]
    Migrations(String),
}

/// Opens (creating the file and its folder if needed) a pool on the SQLite file.
pub fn open_pool(path: &Path, max_size: u32) -> Result<DbPool, DbSetupError> {
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).map_err(|source| DbSetupError::Folder {
            path: dir.display().to_string(),
            source,
        })?;
    }
    let manager = ConnectionManager::<SqliteConnection>::new(path.to_string_lossy());
    let pool = Pool::builder()
        .max_size(max_size)
        .connection_timeout(Duration::from_secs(10))
        .connection_customizer(Box::new(Pragmas))
        .build(manager)
        .map_err(|e| DbSetupError::Open {
            path: path.display().to_string(),
            message: e.to_string(),
        })?;
    Ok(DbPool {
        pool,
        writes: Arc::new(Mutex::new(())),
    })
}

/// Runs every pending embedded migration; returns how many ran.
pub fn run_migrations(pool: &DbPool) -> Result<usize, DbSetupError> {
    let mut conn = pool
        .get()
        .map_err(|e| DbSetupError::Migrations(e.to_string()))?;
    conn.run_pending_migrations(MIGRATIONS)
        .map(|v| v.len())
        .map_err(|e| DbSetupError::Migrations(e.to_string()))
}

/// Runs `f` with a pooled connection on the blocking thread pool. The connection is released
/// before the future resolves, so no connection is ever held across an `.await`.
pub async fn run<T, F>(pool: &DbPool, f: F) -> Result<T, AppError>
where
    F: FnOnce(&mut SqliteConnection) -> Result<T, AppError> + Send + 'static,
    T: Send + 'static,
{
    let pool = pool.clone();
    actix_web::web::block(move || {
        let mut conn = pool
            .get()
            .map_err(|e| AppError::Unavailable(e.to_string()))?;
        f(&mut conn)
    })
    .await
    .map_err(|e| AppError::internal(format!("blocking task failed: {e}")))?
}

/// Like [`run`], for work that writes: `f` runs while holding the pool's write gate, so writers
/// of this process take turns instead of sleeping in SQLite's busy handler. The gate is taken
/// before the connection, so a writer waiting for its turn holds no connection.
pub async fn write<T, F>(pool: &DbPool, f: F) -> Result<T, AppError>
where
    F: FnOnce(&mut SqliteConnection) -> Result<T, AppError> + Send + 'static,
    T: Send + 'static,
{
    let pool = pool.clone();
    actix_web::web::block(move || {
        // A panic inside another writer poisons nothing we rely on: the gate guards no data.
        let _turn = pool
            .writes
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let mut conn = pool
            .get()
            .map_err(|e| AppError::Unavailable(e.to_string()))?;
        f(&mut conn)
    })
    .await
    .map_err(|e| AppError::internal(format!("blocking task failed: {e}")))?
}
