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
/// runs them inside one immediate transaction, commits once, and only then answers each job
/// (group commit). Under load many writes share a commit; alone, a write costs what it did.
/// `busy_timeout` still covers writers outside it (reads, background work, other processes).
///
/// Checkpoints (copying the WAL back into the database file, with two fsyncs) are kept off the
/// writer's path: see [`checkpoint_loop`].
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

/// The background checkpoint runs this long after a commit (so that one checkpoint covers the
/// commits of that time, not one each).
const CHECKPOINT_DELAY: Duration = Duration::from_millis(20);

/// WAL size (in pages) past which the WAL is restarted (written again from its beginning): the
/// checkpoint thread prepares it and the writer finishes it between two batches. 8,000 pages of
/// 4 KiB = 32 MiB of disk. Each restart costs the writer a checkpoint of the last frames and
/// two syncs (5-10 ms, every write waiting); under a load of unique install callbacks the WAL
/// grows by 15k-20k pages a second, so at 4,000 pages that was 4-5 times a second and 5% of the
/// process's CPU (measured with `perf`). 8,000 and 16,000 pages measured alike, both a few %
/// more callbacks per second than 4,000. See bench/README.md (fifth pass).
const WAL_RESTART_PAGES: i64 = 8_000;

/// Past this size the writer restarts the WAL even if the checkpoint thread has not prepared it
/// (a safety net: that thread failing must not let the WAL grow without bound).
const WAL_FORCE_RESTART_PAGES: i64 = 2 * WAL_RESTART_PAGES;

/// While preparing a restart, the checkpoint thread checkpoints again at once while more than
/// this many frames arrived during its previous pass, at most [`CATCH_UP_ROUNDS`] times: each pass
/// is shorter than the one before, and what is left is the writer's share.
const CATCH_UP_FRAMES: i64 = 64;
const CATCH_UP_ROUNDS: usize = 4;

/// The writer's own checkpoints are at least this far apart (a reader holding an old snapshot
/// can keep one from completing; the writer then does not retry after every batch).
const WRITER_CHECKPOINT_SPACING: Duration = Duration::from_millis(100);

/// What the checkpoint thread tells the writer about the WAL.
#[derive(Default)]
struct WalState {
    /// Pages in the WAL file since its last restart, as of the last checkpoint.
    pages: std::sync::atomic::AtomicI64,
    /// The WAL is due for a restart and nearly all of it is copied and synced to the database
    /// file: the writer's checkpoint has only the last few frames left to copy.
    restart_ready: std::sync::atomic::AtomicBool,
}

/// The row of `PRAGMA wal_checkpoint`.
#[derive(diesel::QueryableByName)]
struct CheckpointRow {
    #[diesel(sql_type = diesel::sql_types::Integer)]
    busy: i32,
    #[diesel(sql_type = diesel::sql_types::Integer)]
    log: i32,
    #[diesel(sql_type = diesel::sql_types::Integer)]
    checkpointed: i32,
}

/// A PASSIVE checkpoint: copies what it can without waiting for anyone. Returns the WAL's size
/// in pages and whether everything in it was copied.
fn checkpoint(conn: &mut SqliteConnection) -> Result<(i64, bool), diesel::result::Error> {
    use diesel::RunQueryDsl;
    let row: CheckpointRow =
        diesel::sql_query("PRAGMA wal_checkpoint(PASSIVE)").get_result(conn)?;
    Ok((
        i64::from(row.log),
        row.busy == 0 && row.log == row.checkpointed,
    ))
}

/// The checkpoint thread. SQLite's default is that the committing connection checkpoints every
/// 1,000 WAL pages, inside its commit, so every write of that batch waited for the disk (the
/// writer's slowest batches, measured: 10–30 ms). Here the writer's automatic checkpoint is off
/// and this thread copies the WAL in the background shortly after commits (PASSIVE: it blocks
/// neither the writer nor readers).
///
/// Only a checkpoint with no write in between lets the next write start the WAL from its
/// beginning, so that one is the writer's, between two batches. It used to take 8–30 ms
/// (measured), every write waiting meanwhile: it copied what arrived during this thread's last
/// pass and, being the first complete checkpoint since the last restart, it was the one that
/// synced the database file, with everything copied since then. So when the WAL passes
/// [`WAL_RESTART_PAGES`], this thread syncs the database file itself, then catches up with what
/// arrived during the sync (passes back to back, each shorter); only then does it tell the
/// writer, whose share is the last few frames and a small sync.
fn checkpoint_loop(
    mut conn: SqliteConnection,
    db_file: Option<std::fs::File>,
    commits: std::sync::mpsc::Receiver<()>,
    wal: std::sync::Arc<WalState>,
) {
    use std::sync::atomic::Ordering::Relaxed;
    while commits.recv().is_ok() {
        std::thread::sleep(CHECKPOINT_DELAY);
        let mut pages = match checkpoint(&mut conn) {
            Ok((pages, _)) => pages,
            Err(e) => {
                log::warn!("background WAL checkpoint failed: {e}");
                continue;
            }
        };
        wal.pages.store(pages, Relaxed);
        if pages < WAL_RESTART_PAGES || wal.restart_ready.load(Relaxed) {
            continue;
        }
        // PASSIVE checkpoints that end before the WAL's end (writes arrived meanwhile) leave
        // what they copied unsynced; SQLite syncs it in the first complete one. Sync it here,
        // then catch up with what arrived meanwhile (passes back to back, each shorter).
        if let Some(file) = &db_file {
            if let Err(e) = file.sync_data() {
                log::warn!("syncing the database file failed: {e}");
                continue;
            }
        }
        for _ in 0..CATCH_UP_ROUNDS {
            match checkpoint(&mut conn) {
                Ok((now, _)) => {
                    let arrived = now - pages;
                    pages = now;
                    if arrived <= CATCH_UP_FRAMES {
                        break;
                    }
                }
                Err(e) => {
                    log::warn!("background WAL checkpoint failed: {e}");
                    break;
                }
            }
        }
        wal.pages.store(pages, Relaxed);
        wal.restart_ready.store(true, Relaxed);
    }
}

/// A write waiting for the writer thread: run it (inside the batch's transaction), then tell it
/// how the commit went.
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

fn writer_loop(
    mut conn: SqliteConnection,
    jobs: std::sync::mpsc::Receiver<Box<dyn WriteJob>>,
    committed: std::sync::mpsc::SyncSender<()>,
    wal: std::sync::Arc<WalState>,
) {
    let mut last_checkpoint = std::time::Instant::now();
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
                savepoint::take_failure();
                for job in &mut batch {
                    job.run(c);
                }
                if savepoint::take_failure() {
                    // A job's changes could not be undone: keep none of the batch's.
                    return Err(diesel::result::Error::RollbackTransaction);
                }
                Ok(())
            })
        }));
        let commit = match run {
            Ok(Ok(())) => Ok(()),
            Ok(Err(e)) => Err(e.to_string()),
            Err(_) => {
                log::error!("a write job panicked; its batch was rolled back");
                // The connection's transaction state is unknown after a panic: start afresh,
                // in SQLite and in Diesel's count of open transactions (which the panic skipped;
                // left as is, every later batch would open a savepoint instead of BEGIN IMMEDIATE).
                let _ = conn.batch_execute("ROLLBACK");
                {
                    use diesel::connection::{AnsiTransactionManager, TransactionManager};
                    *AnsiTransactionManager::transaction_manager_status_mut(&mut conn) =
                        Default::default();
                }
                savepoint::take_failure();
                Err("a write in the same batch failed".to_owned())
            }
        };
        for job in batch {
            job.finish(commit.clone());
        }
        // Wake the checkpoint thread (a no-op when it already has a wake-up pending).
        let _ = committed.try_send(());
        let ready = wal.restart_ready.load(std::sync::atomic::Ordering::Relaxed);
        let pages = wal.pages.load(std::sync::atomic::Ordering::Relaxed);
        if (ready || pages >= WAL_FORCE_RESTART_PAGES)
            && last_checkpoint.elapsed() >= WRITER_CHECKPOINT_SPACING
        {
            last_checkpoint = std::time::Instant::now();
            match checkpoint(&mut conn) {
                // Everything copied: the next write restarts the WAL.
                Ok((_, true)) => wal.pages.store(0, std::sync::atomic::Ordering::Relaxed),
                // A reader holds an older snapshot: the checkpoint thread prepares it again.
                Ok((pages, false)) => wal.pages.store(pages, std::sync::atomic::Ordering::Relaxed),
                Err(e) => log::warn!("WAL checkpoint by the writer failed: {e}"),
            }
            wal.restart_ready
                .store(false, std::sync::atomic::Ordering::Relaxed);
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
    let mut writer_conn = connect(path)?;
    writer_conn
        .batch_execute("PRAGMA wal_autocheckpoint = 0;")
        .map_err(|e| DbSetupError::Open {
            path: path.display().to_string(),
            message: e.to_string(),
        })?;
    let checkpoint_conn = connect(path)?;
    // For syncing the database file from the checkpoint thread (any descriptor of the file
    // flushes its pages). Without it, the writer's checkpoints do that sync, as SQLite would.
    let db_file = std::fs::File::open(path)
        .map_err(|e| log::warn!("cannot open {} for syncing: {e}", path.display()))
        .ok();
    let wal = std::sync::Arc::new(WalState::default());
    let (writer, jobs) = std::sync::mpsc::channel::<Box<dyn WriteJob>>();
    let (committed, commits) = std::sync::mpsc::sync_channel::<()>(1);
    let spawn = |name: &str, f: Box<dyn FnOnce() + Send>| {
        std::thread::Builder::new()
            .name(name.into())
            .spawn(f)
            .map(|_| ())
            .map_err(|e| DbSetupError::Open {
                path: path.display().to_string(),
                message: format!("cannot start the {name} thread: {e}"),
            })
    };
    let checkpoint_wal = wal.clone();
    spawn(
        "db-checkpoint",
        Box::new(move || checkpoint_loop(checkpoint_conn, db_file, commits, checkpoint_wal)),
    )?;
    // The writer owns the only sender of `commits`: when it stops, the checkpoint thread does.
    spawn(
        "db-writer",
        Box::new(move || writer_loop(writer_conn, jobs, committed, wal)),
    )?;
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
    if depth.is_none() {
        return conn.immediate_transaction(f);
    }
    savepoint::run(conn, f)
}

/// A write job's savepoint inside the writer's batch transaction, through statements that stay
/// prepared. Diesel's own nested transaction sends `SAVEPOINT diesel_savepoint_1` as text, which
/// SQLite compiles anew for every job (measured under the callback load: 4% of the writer
/// thread's time was that compilation).
///
/// SQLite keeps savepoints as a stack of names, so these nest with each other and with Diesel's.
/// If undoing or releasing one fails, what the transaction holds is unknown: the writer then
/// rolls its whole batch back (see [`savepoint::take_failure`]) instead of committing half a job.
mod savepoint {
    use std::cell::Cell;

    use diesel::query_builder::{AstPass, QueryFragment, QueryId};
    use diesel::sqlite::{Sqlite, SqliteConnection};
    use diesel::RunQueryDsl;

    macro_rules! statement {
        ($name:ident, $sql:literal) => {
            #[derive(Debug, Clone, Copy, QueryId)]
            struct $name;

            impl QueryFragment<Sqlite> for $name {
                fn walk_ast<'b>(
                    &'b self,
                    mut out: AstPass<'_, 'b, Sqlite>,
                ) -> diesel::QueryResult<()> {
                    out.push_sql($sql);
                    Ok(())
                }
            }

            impl RunQueryDsl<SqliteConnection> for $name {}
        };
    }

    statement!(Open, "SAVEPOINT kyc_write");
    statement!(Release, "RELEASE kyc_write");
    statement!(Undo, "ROLLBACK TO kyc_write");

    thread_local! {
        /// Set when a savepoint of this thread could not be undone or released.
        static FAILED: Cell<bool> = const { Cell::new(false) };
    }

    /// Whether a savepoint failed to close since the last call (and clears it). The writer asks
    /// after running a batch's jobs, on its own thread.
    pub(super) fn take_failure() -> bool {
        FAILED.with(|f| f.replace(false))
    }

    pub(super) fn run<T, E, F>(conn: &mut SqliteConnection, f: F) -> Result<T, E>
    where
        F: FnOnce(&mut SqliteConnection) -> Result<T, E>,
        E: From<diesel::result::Error>,
    {
        Open.execute(conn)?;
        let result = f(conn);
        let closed = match &result {
            Ok(_) => Release.execute(conn),
            Err(_) => Undo.execute(conn).and_then(|_| Release.execute(conn)),
        };
        match (result, closed) {
            (result, Ok(_)) => result,
            (Ok(_), Err(e)) => {
                FAILED.with(|f| f.set(true));
                Err(e.into())
            }
            // The job's own error says more than the failed undo; both end the batch.
            (Err(job_error), Err(e)) => {
                log::error!("undoing a failed write job's savepoint failed: {e}");
                FAILED.with(|f| f.set(true));
                Err(job_error)
            }
        }
    }
}
