//! The SQLite pool: per-connection pragmas, embedded migrations, and the one helper through
//! which all Diesel work runs off the async executor.

use std::ops::Deref;
use std::path::Path;
use std::time::Duration;

use diesel::connection::SimpleConnection;
use diesel::r2d2::{ConnectionManager, CustomizeConnection, Pool, PooledConnection};
use diesel::sqlite::SqliteConnection;
use diesel::Connection;
use diesel_migrations::{embed_migrations, EmbeddedMigrations, MigrationHarness};

use crate::error::AppError;

pub type DbConn = PooledConnection<ConnectionManager<SqliteConnection>>;

/// The connection pool of one SQLite file, and the file's writer.
///
/// SQLite lets one writer in at a time; the others wait in its busy handler, which sleeps in
/// steps of up to 100 ms, and every commit is a WAL append (with a checkpoint now and then).
/// Work sent through [`write`] goes instead to one writer thread that takes every job waiting,
/// runs each in its own savepoint inside one immediate transaction, commits once, and only then
/// answers each job (group commit). Under load many writes share a commit; alone, a write costs
/// what it did. `busy_timeout` still covers writers outside it (reads, background work, other
/// processes).
#[derive(Clone)]
pub struct DbPool {
    pool: Pool<ConnectionManager<SqliteConnection>>,
    writer: std::sync::mpsc::Sender<Box<dyn WriteJob>>,
}

impl Deref for DbPool {
    type Target = Pool<ConnectionManager<SqliteConnection>>;
    fn deref(&self) -> &Self::Target {
        &self.pool
    }
}

/// Jobs the writer commits together at most.
const MAX_BATCH: usize = 64;

/// A write waiting for the writer thread: run it (in a savepoint), then tell it how the
/// commit went.
trait WriteJob: Send {
    fn run(&mut self, conn: &mut SqliteConnection);
    fn finish(self: Box<Self>, commit: Result<(), String>);
}

struct Job<T, F> {
    f: Option<F>,
    result: Option<Result<T, AppError>>,
    reply: tokio::sync::oneshot::Sender<Result<T, AppError>>,
}

impl<T, F> WriteJob for Job<T, F>
where
    F: FnOnce(&mut SqliteConnection) -> Result<T, AppError> + Send,
    T: Send,
{
    fn run(&mut self, conn: &mut SqliteConnection) {
        if let Some(f) = self.f.take() {
            // As in autocommit mode: what the job writes through `immediate` is its own
            // savepoint (rolled back if it fails); the commit is shared with the batch.
            self.result = Some(f(conn));
        }
    }

    fn finish(self: Box<Self>, commit: Result<(), String>) {
        let outcome = match (self.result, commit) {
            (Some(Err(e)), _) => Err(e),
            (Some(Ok(v)), Ok(())) => Ok(v),
            (Some(Ok(_)), Err(e)) => Err(AppError::Unavailable(format!("commit failed: {e}"))),
            (None, _) => Err(AppError::internal("a write job was not run")),
        };
        // The caller may have gone (client disconnected); the work is committed either way.
        let _ = self.reply.send(outcome);
    }
}

fn writer_loop(mut conn: SqliteConnection, jobs: std::sync::mpsc::Receiver<Box<dyn WriteJob>>) {
    while let Ok(first) = jobs.recv() {
        let mut batch = vec![first];
        while batch.len() < MAX_BATCH {
            match jobs.try_recv() {
                Ok(job) => batch.push(job),
                Err(_) => break,
            }
        }
        let run = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            conn.immediate_transaction::<_, diesel::result::Error, _>(|c| {
                for job in &mut batch {
                    job.run(c);
                }
                Ok(())
            })
        }));
        let commit = match run {
            Ok(Ok(())) => Ok(()),
            Ok(Err(e)) => Err(e.to_string()),
            Err(_) => {
                log::error!("a write job panicked; its batch was rolled back");
                // The connection's transaction state is unknown after a panic: start afresh.
                let _ = conn.batch_execute("ROLLBACK");
                Err("a write in the same batch failed".to_owned())
            }
        };
        for job in batch {
            job.finish(commit.clone());
        }
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
    let writer_conn = connect(path)?;
    let (writer, jobs) = std::sync::mpsc::channel::<Box<dyn WriteJob>>();
    std::thread::Builder::new()
        .name("db-writer".into())
        .spawn(move || writer_loop(writer_conn, jobs))
        .map_err(|e| DbSetupError::Open {
            path: path.display().to_string(),
            message: format!("cannot start the writer thread: {e}"),
        })?;
    Ok(DbPool { pool, writer })
}

/// A connection of its own (outside the pool) with the pool's pragmas.
fn connect(path: &Path) -> Result<SqliteConnection, DbSetupError> {
    let open_error = |message: String| DbSetupError::Open {
        path: path.display().to_string(),
        message,
    };
    let mut conn = SqliteConnection::establish(&path.to_string_lossy())
        .map_err(|e| open_error(e.to_string()))?;
    Pragmas
        .on_acquire(&mut conn)
        .map_err(|e| open_error(e.to_string()))?;
    Ok(conn)
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

/// Like [`run`], for work that writes: `f` runs on the writer thread inside an immediate
/// transaction (its own savepoint within the batch), and the answer comes after the commit.
/// `f` may open transactions of its own through [`immediate`].
pub async fn write<T, F>(pool: &DbPool, f: F) -> Result<T, AppError>
where
    F: FnOnce(&mut SqliteConnection) -> Result<T, AppError> + Send + 'static,
    T: Send + 'static,
{
    let (reply, answer) = tokio::sync::oneshot::channel();
    let job: Box<dyn WriteJob> = Box::new(Job {
        f: Some(f),
        result: None,
        reply,
    });
    pool.writer
        .send(job)
        .map_err(|_| AppError::Unavailable("the database writer has stopped".into()))?;
    answer
        .await
        .map_err(|_| AppError::Unavailable("the database writer has stopped".into()))?
}

/// An immediate transaction, or a savepoint when `conn` is already in a transaction (as it is
/// inside [`write`]). Use it instead of `immediate_transaction` so the same code works in both.
pub fn immediate<T, E, F>(conn: &mut SqliteConnection, f: F) -> Result<T, E>
where
    F: FnOnce(&mut SqliteConnection) -> Result<T, E>,
    E: From<diesel::result::Error>,
{
    use diesel::connection::{AnsiTransactionManager, TransactionManager};
    let depth = AnsiTransactionManager::transaction_manager_status_mut(conn).transaction_depth()?;
    if depth.is_some() {
        conn.transaction(f)
    } else {
        conn.immediate_transaction(f)
    }
}
