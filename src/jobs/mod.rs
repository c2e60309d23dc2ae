//! Background jobs per install, with progress the UI shows as a bar:
//! - `sync`: pages through the Cloud Data API into the local index (resumes from the last page
//!   after a restart), then starts `screen`;
//! - `screen`: runs the checks over every indexed identity and screens the ones whose content,
//!   the list, the matcher or the threshold changed since their last screening.
//!
//! Job rows live in `kyc_jobs`; a process-wide registry makes sure one job of a kind runs per
//! install at a time.

use std::collections::HashSet;
use std::sync::Mutex;

use actix_web::web;
use diesel::prelude::*;
use diesel::sqlite::SqliteConnection;

use crate::db;
use crate::error::AppError;
use crate::kyc::assessment::{self, Assessment};
use crate::kyc::cases;
use crate::kyc::checks::DuplicateIndex;
use crate::kyc::index;
use crate::lifecycle::installs;
use crate::schema::kyc_jobs;
use crate::startup::AppState;

pub const SYNC: &str = "sync";
pub const SCREEN: &str = "screen";

pub const RUNNING: &str = "running";
pub const DONE: &str = "done";
pub const FAILED: &str = "failed";

/// Identities per Data API page (the contract documents no maximum; it advises ≤ 100).
pub const PAGE_SIZE: u32 = 100;
/// Identities assessed per blocking batch (and per progress update).
const SCREEN_BATCH: usize = 250;

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = kyc_jobs)]
pub struct Job {
    pub installed_app_id: String,
    pub kind: String,
    pub status: String,
    pub done: i64,
    pub total: i64,
    pub next_page: i64,
    pub started_at: i64,
    pub updated_at: i64,
    pub finished_at: Option<i64>,
    pub error: Option<String>,
}

impl Job {
    pub fn is_running(&self) -> bool {
        self.status == RUNNING
    }
    /// Progress in percent (0–100).
    pub fn percent(&self) -> i64 {
        if self.total <= 0 {
            if self.status == DONE {
                100
            } else {
                0
            }
        } else {
            (self.done * 100 / self.total).clamp(0, 100)
        }
    }
}

/// Which jobs run in this process right now.
#[derive(Default)]
pub struct JobRegistry {
    running: Mutex<HashSet<(String, &'static str)>>,
}

impl JobRegistry {
    fn claim(&self, installed_app_id: &str, kind: &'static str) -> bool {
        self.running
            .lock()
            .map(|mut r| r.insert((installed_app_id.to_owned(), kind)))
            .unwrap_or(false)
    }
    fn release(&self, installed_app_id: &str, kind: &'static str) {
        if let Ok(mut r) = self.running.lock() {
            r.remove(&(installed_app_id.to_owned(), kind));
        }
    }
    pub fn is_running(&self, installed_app_id: &str, kind: &'static str) -> bool {
        self.running
            .lock()
            .map(|r| r.contains(&(installed_app_id.to_owned(), kind)))
            .unwrap_or(false)
    }
}

pub fn find_job(
    conn: &mut SqliteConnection,
    installed_app_id: &str,
    kind: &str,
) -> QueryResult<Option<Job>> {
    use crate::schema::kyc_jobs::dsl as j;
    j::kyc_jobs
        .filter(j::installed_app_id.eq(installed_app_id))
        .filter(j::kind.eq(kind))
        .select(Job::as_select())
        .first(conn)
        .optional()
}

fn begin(
    conn: &mut SqliteConnection,
    installed_app_id: &str,
    kind: &str,
    resume: bool,
    now: i64,
) -> QueryResult<Job> {
    use crate::schema::kyc_jobs::dsl as j;
    let existing = find_job(conn, installed_app_id, kind)?;
    match existing {
        Some(job) if resume && job.is_running() => Ok(job),
        Some(_) => {
            diesel::update(
                j::kyc_jobs
                    .filter(j::installed_app_id.eq(installed_app_id))
                    .filter(j::kind.eq(kind)),
            )
            .set((
                j::status.eq(RUNNING),
                j::done.eq(0),
                j::total.eq(0),
                j::next_page.eq(1),
                j::started_at.eq(now),
                j::updated_at.eq(now),
                j::finished_at.eq(None::<i64>),
                j::error.eq(None::<String>),
            ))
            .execute(conn)?;
            find_job(conn, installed_app_id, kind)?.ok_or(diesel::result::Error::NotFound)
        }
        None => {
            diesel::insert_into(j::kyc_jobs)
                .values((
                    j::installed_app_id.eq(installed_app_id),
                    j::kind.eq(kind),
                    j::status.eq(RUNNING),
                    j::started_at.eq(now),
                    j::updated_at.eq(now),
                ))
                .execute(conn)?;
            find_job(conn, installed_app_id, kind)?.ok_or(diesel::result::Error::NotFound)
        }
    }
}

fn progress(
    conn: &mut SqliteConnection,
    installed_app_id: &str,
    kind: &str,
    done: i64,
    total: i64,
    next_page: i64,
    now: i64,
) -> QueryResult<usize> {
    use crate::schema::kyc_jobs::dsl as j;
    diesel::update(
        j::kyc_jobs
            .filter(j::installed_app_id.eq(installed_app_id))
            .filter(j::kind.eq(kind)),
    )
    .set((
        j::done.eq(done),
        j::total.eq(total),
        j::next_page.eq(next_page),
        j::updated_at.eq(now),
    ))
    .execute(conn)
}

fn finish(
    conn: &mut SqliteConnection,
    installed_app_id: &str,
    kind: &str,
    error: Option<String>,
    now: i64,
) -> QueryResult<usize> {
    use crate::schema::kyc_jobs::dsl as j;
    diesel::update(
        j::kyc_jobs
            .filter(j::installed_app_id.eq(installed_app_id))
            .filter(j::kind.eq(kind)),
    )
    .set((
        j::status.eq(if error.is_some() { FAILED } else { DONE }),
        j::error.eq(error),
        j::finished_at.eq(now),
        j::updated_at.eq(now),
    ))
    .execute(conn)
}

/// Starts a sync of the install in the background unless one is already running here.
/// `resume` continues a job left `running` by a previous process from its next page.
pub fn start_sync(state: web::Data<AppState>, installed_app_id: String, resume: bool) -> bool {
    if !state.jobs.claim(&installed_app_id, SYNC) {
        return false;
    }
    actix_web::rt::spawn(async move {
        let result = run_sync(&state, &installed_app_id, resume).await;
        state.jobs.release(&installed_app_id, SYNC);
        match result {
            Ok(()) => {
                start_screen(state, installed_app_id);
            }
            Err(e) => log::warn!("identity sync failed: {e}"),
        }
    });
    true
}

/// Starts an assessment run over the install's index unless one is already running here.
pub fn start_screen(state: web::Data<AppState>, installed_app_id: String) -> bool {
    if !state.jobs.claim(&installed_app_id, SCREEN) {
        return false;
    }
    actix_web::rt::spawn(async move {
        if let Err(e) = run_screen(&state, &installed_app_id).await {
            log::warn!("screening run failed: {e}");
        }
        state.jobs.release(&installed_app_id, SCREEN);
    });
    true
}

/// Resumes the jobs a stopped process left running.
pub fn resume_all(state: web::Data<AppState>) {
    use crate::schema::kyc_jobs::dsl as j;
    let jobs: Vec<Job> = match state.pool.get() {
        Ok(mut conn) => j::kyc_jobs
            .filter(j::status.eq(RUNNING))
            .select(Job::as_select())
            .load(&mut conn)
            .unwrap_or_default(),
        Err(_) => return,
    };
    for job in jobs {
        log::info!("resuming the {} job of an install", job.kind);
        if job.kind == SYNC {
            start_sync(state.clone(), job.installed_app_id, true);
        } else {
            start_screen(state.clone(), job.installed_app_id);
        }
    }
}

async fn run_sync(state: &AppState, installed_app_id: &str, resume: bool) -> Result<(), AppError> {
    let id = installed_app_id.to_owned();
    let now = state.clock.now_ts();
    let (install, job) = db::write(&state.pool, move |conn| {
        let install = installs::find(conn, &id)?
            .ok_or_else(|| AppError::not_found("install_unknown", "unknown install"))?;
        let job = crate::db::immediate(conn, |c| begin(c, &id, SYNC, resume, now))?;
        Ok((install, job))
    })
    .await?;
    let outcome = sync_pages(state, &install, job).await;
    let id = installed_app_id.to_owned();
    let error = outcome.as_ref().err().map(ToString::to_string);
    let now = state.clock.now_ts();
    db::write(&state.pool, move |conn| {
        Ok(finish(conn, &id, SYNC, error, now)?)
    })
    .await?;
    outcome
}

async fn sync_pages(
    state: &AppState,
    install: &installs::Install,
    job: Job,
) -> Result<(), AppError> {
    let cloud = state.cloud.session(install, &state.keyring)?;
    let mut page = u32::try_from(job.next_page.max(1)).unwrap_or(1);
    let mut done = job.done;
    loop {
        let result = cloud.list_identities(page, PAGE_SIZE, &[]).await?;
        let n = result.data.len();
        let total = i64::try_from(result.total).unwrap_or(i64::MAX);
        let id = install.installed_app_id.clone();
        let now = state.clock.now_ts();
        done += n as i64;
        let next = i64::from(page) + 1;
        db::write(&state.pool, move |conn| {
            crate::db::immediate(conn, |c| {
                for body in &result.data {
                    index::upsert_identity(c, &id, body, now)?;
                }
                progress(c, &id, SYNC, done, total, next, now)
            })?;
            Ok(())
        })
        .await?;
        if n == 0 || done >= total || n < PAGE_SIZE as usize {
            return Ok(());
        }
        page += 1;
    }
}

async fn run_screen(state: &web::Data<AppState>, installed_app_id: &str) -> Result<(), AppError> {
    let id = installed_app_id.to_owned();
    let now = state.clock.now_ts();
    let (install, rows) = db::run(&state.pool, move |conn| {
        let install = installs::find(conn, &id)?
            .ok_or_else(|| AppError::not_found("install_unknown", "unknown install"))?;
        crate::db::immediate(conn, |c| begin(c, &id, SCREEN, false, now))?;
        Ok((install, index::all_rows(conn, &id)?))
    })
    .await?;
    let install = std::sync::Arc::new(install);
    let total = rows.len() as i64;
    let identities: Vec<_> = rows.iter().map(index::IndexRow::identity).collect();
    let duplicates = std::sync::Arc::new(DuplicateIndex::build(&identities));
    let mut done = 0i64;
    let mut failure = None;
    for chunk in rows.chunks(SCREEN_BATCH) {
        let chunk = chunk.to_vec();
        let st = state.clone();
        let dups = duplicates.clone();
        let id = installed_app_id.to_owned();
        let install = install.clone();
        // Assess off the executor on every core, then store the batch in one short write.
        let assessed = actix_web::web::block(move || {
            let today = st.clock.now().date_naive();
            let results = assess_parallel(&st, &chunk, &dups, today);
            (st, chunk, results)
        })
        .await;
        let result = match assessed {
            Err(e) => Err(AppError::internal(format!("blocking task failed: {e}"))),
            Ok((_, _, None)) => Err(AppError::internal("assessing a batch panicked")),
            Ok((st, chunk, Some(results))) => {
                db::write(&state.pool, move |conn| {
                    let now = st.clock.now_ts();
                    let n = results.len() as i64;
                    crate::db::immediate(conn, |c| {
                        for (row, (identity_id, a, key)) in chunk.iter().zip(&results) {
                            index::save_assessment(c, &id, identity_id, a, key)?;
                            cases::alert_on_new_hits(
                                c,
                                &install,
                                row,
                                row.assessment().as_ref(),
                                a,
                                now,
                            )?;
                        }
                        progress(c, &id, SCREEN, done + n, total, 0, now)
                    })?;
                    Ok(n)
                })
                .await
            }
        };
        match result {
            Ok(n) => done += n,
            Err(e) => {
                failure = Some(e.to_string());
                break;
            }
        }
    }
    let id = installed_app_id.to_owned();
    let now = state.clock.now_ts();
    let detail = format!(
        "screened {done} of {total} identities against list {} (algorithm {}, threshold {:.2}){}",
        state.screener.list().version(),
        crate::kyc::screening::ALGORITHM_VERSION,
        state.screener.threshold(),
        failure
            .as_deref()
            .map(|f| format!("; failed: {f}"))
            .unwrap_or_default()
    );
    let st = state.clone();
    db::write(&state.pool, move |conn| {
        crate::db::immediate(conn, |c| {
            finish(c, &id, SCREEN, failure, now)?;
            crate::kyc::audit_log::note(c, &id, now, "system", "screening", None, detail)?;
            crate::kyc::stats::snapshot_backlog(c, &id, st.clock.now())
        })?;
        // Approved cases whose data changed (or whose date passed) are due again.
        cases::sweep_review_due(conn, &st.case_context(&install))?;
        Ok(())
    })
    .await?;
    state.outbox_wake.notify_one();
    Ok(())
}

/// [`reassess`] over `rows`, split across the machine's cores; results in `rows` order, or
/// `None` when a worker thread panicked.
fn assess_parallel(
    state: &AppState,
    rows: &[index::IndexRow],
    duplicates: &DuplicateIndex,
    today: chrono::NaiveDate,
) -> Option<Vec<(String, Assessment, String)>> {
    let threads = std::thread::available_parallelism()
        .map(std::num::NonZeroUsize::get)
        .unwrap_or(1)
        .clamp(1, 8);
    if threads == 1 || rows.len() < 2 * threads {
        return Some(
            rows.iter()
                .map(|row| reassess(state, row, duplicates, today))
                .collect(),
        );
    }
    let per = rows.len().div_ceil(threads);
    std::thread::scope(|scope| {
        let parts: Vec<_> = rows
            .chunks(per)
            .map(|part| {
                scope.spawn(move || {
                    part.iter()
                        .map(|row| reassess(state, row, duplicates, today))
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        let mut all = Vec::with_capacity(rows.len());
        for part in parts {
            all.extend(part.join().ok()?);
        }
        Some(all)
    })
}

/// Re-runs the checks (cheap; duplicates depend on the other identities) and re-screens only
/// when the assessment key changed.
pub fn reassess(
    state: &AppState,
    row: &index::IndexRow,
    duplicates: &DuplicateIndex,
    today: chrono::NaiveDate,
) -> (String, Assessment, String) {
    let identity = row.identity();
    let key = assessment::assessment_key(&row.content_hash, &state.screener);
    let screening = match (row.assessed_key.as_deref(), row.assessment()) {
        (Some(k), Some(previous)) if k == key => previous.screening,
        _ => assessment::screen(&identity, &state.screener),
    };
    let a = assessment::assess(&identity, duplicates, &state.high_risk, today, screening);
    (row.identity_id.clone(), a, key)
}
