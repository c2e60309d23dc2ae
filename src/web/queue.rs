//! The review queue (spec §3): filters, search, sort, pages, counts per status, the sync and
//! screening progress, and the CSV export of the current view.

use actix_web::http::header::{ContentDisposition, ContentType, DispositionParam, DispositionType};
use actix_web::{web, HttpRequest, HttpResponse};
use askama::Template;
use serde::Deserialize;

use crate::db;
use crate::error::AppError;
use crate::jobs::{self, Job};
use crate::kyc::index::{self, QueueQuery, QueueRow, QueueSort, STATUSES};
use crate::lifecycle::sessions::PortalSession;
use crate::startup::AppState;
use crate::web::pages::{html, render, Nav};

pub const PER_PAGE: i64 = 50;
pub const BANDS: [&str; 4] = ["low", "medium", "high", "critical"];

/// Query parameters of `/kyc/queue` and `/kyc/queue.csv` (unknown ones, like `s`, are ignored).
#[derive(Debug, Default, Deserialize)]
pub struct QueueParams {
    pub status: Option<String>,
    pub band: Option<String>,
    pub country: Option<String>,
    pub hits: Option<String>,
    pub issues: Option<String>,
    pub due: Option<String>,
    pub q: Option<String>,
    pub sort: Option<String>,
    pub page: Option<i64>,
}

fn flag(v: &Option<String>) -> bool {
    matches!(v.as_deref(), Some("1" | "on" | "true" | "yes"))
}

fn non_empty(v: &Option<String>) -> Option<String> {
    v.as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
}

impl QueueParams {
    /// Checks every value; a bad one is a 400 naming it.
    pub fn to_query(&self) -> Result<QueueQuery, AppError> {
        let status = non_empty(&self.status);
        if let Some(s) = &status {
            if s != "all" && !STATUSES.contains(&s.as_str()) {
                return Err(AppError::bad_request(
                    "invalid_status",
                    format!(
                        "unknown status `{s}`; use one of {} or all",
                        STATUSES.join(", ")
                    ),
                ));
            }
        }
        let band = non_empty(&self.band);
        if let Some(b) = &band {
            if !BANDS.contains(&b.as_str()) {
                return Err(AppError::bad_request(
                    "invalid_band",
                    format!("unknown risk band `{b}`; use low, medium, high or critical"),
                ));
            }
        }
        let sort = match non_empty(&self.sort) {
            None => QueueSort::default(),
            Some(s) => QueueSort::parse(&s).ok_or_else(|| {
                AppError::bad_request(
                    "invalid_sort",
                    format!("unknown sort `{s}`; use risk, risk_asc, name, newest or hits"),
                )
            })?,
        };
        let search = non_empty(&self.q);
        if search.as_ref().is_some_and(|s| s.chars().count() > 200) {
            return Err(AppError::bad_request(
                "invalid_search",
                "the search is longer than 200 characters",
            ));
        }
        if search
            .as_ref()
            .is_some_and(|s| s.chars().any(char::is_control))
        {
            return Err(AppError::bad_request(
                "invalid_search",
                "the search holds a control character",
            ));
        }
        let country = non_empty(&self.country).map(|c| c.to_uppercase());
        if country.as_ref().is_some_and(|c| c.len() > 60) {
            return Err(AppError::bad_request(
                "invalid_country",
                "the country filter is too long",
            ));
        }
        let page = self.page.unwrap_or(1);
        if !(1..=1_000_000).contains(&page) {
            return Err(AppError::bad_request(
                "invalid_page",
                "page must be between 1 and 1000000",
            ));
        }
        Ok(QueueQuery {
            status,
            band,
            country,
            has_hits: flag(&self.hits),
            has_issues: flag(&self.issues),
            due: flag(&self.due),
            search,
            sort,
            page,
            per_page: PER_PAGE,
        })
    }
}

/// The query string of a view (without the session), for links that keep the filters.
pub fn view_query(q: &QueueQuery, page: i64) -> String {
    let mut pairs: Vec<(&str, String)> = Vec::new();
    if let Some(s) = &q.status {
        pairs.push(("status", s.clone()));
    }
    if let Some(b) = &q.band {
        pairs.push(("band", b.clone()));
    }
    if let Some(c) = &q.country {
        pairs.push(("country", c.clone()));
    }
    if q.has_hits {
        pairs.push(("hits", "1".into()));
    }
    if q.has_issues {
        pairs.push(("issues", "1".into()));
    }
    if q.due {
        pairs.push(("due", "1".into()));
    }
    if let Some(s) = &q.search {
        pairs.push(("q", s.clone()));
    }
    if q.sort != QueueSort::default() {
        pairs.push(("sort", q.sort.as_str().into()));
    }
    if page > 1 {
        pairs.push(("page", page.to_string()));
    }
    serde_urlencoded::to_string(&pairs).unwrap_or_default()
}

fn with_query(path: &str, query: &str) -> String {
    if query.is_empty() {
        path.to_owned()
    } else {
        format!("{path}?{query}")
    }
}

/// A job's progress for the page and for `/kyc/jobs`.
#[derive(Debug, Clone, serde::Serialize)]
pub struct JobView {
    pub kind: String,
    pub label: &'static str,
    pub status: String,
    pub done: i64,
    pub total: i64,
    pub percent: i64,
    pub error: Option<String>,
}

impl JobView {
    pub fn from_job(job: &Job) -> JobView {
        JobView {
            kind: job.kind.clone(),
            label: if job.kind == jobs::SYNC {
                "Reading identities from Blnk"
            } else {
                "Checking and screening identities"
            },
            status: job.status.clone(),
            done: job.done,
            total: job.total,
            percent: job.percent(),
            error: job.error.clone(),
        }
    }
    pub fn is_running(&self) -> bool {
        self.status == jobs::RUNNING
    }
}

pub struct QueueRowView {
    pub identity_id: String,
    pub link: String,
    pub name: String,
    pub kind: String,
    pub country: String,
    pub status: String,
    pub status_label: String,
    pub risk_score: i32,
    pub risk_band: String,
    pub findings: i32,
    pub hits: i32,
    pub assessed: bool,
    pub last_decision: String,
    pub due: bool,
}

/// The human label of a stored status name (the raw name when it is not one).
pub fn status_label(s: &str) -> String {
    s.parse::<crate::kyc::decisions::Status>()
        .map(|st| st.label().to_owned())
        .unwrap_or_else(|_| s.replace('_', " "))
}

#[derive(Template)]
#[template(path = "kyc/queue.html")]
pub struct QueuePage {
    pub nav: Nav,
    pub counts: Vec<(String, String, i64, String)>,
    pub attention_link: String,
    pub all_link: String,
    pub rows: Vec<QueueRowView>,
    pub total: i64,
    pub indexed: i64,
    pub page: i64,
    pub pages: i64,
    pub prev_link: Option<String>,
    pub next_link: Option<String>,
    pub csv_link: String,
    pub sync_action: String,
    pub jobs: Vec<JobView>,
    pub any_running: bool,
    pub can_read: bool,
    pub countries: Vec<String>,
    pub statuses: Vec<(String, String)>,
    pub bands: Vec<&'static str>,
    pub f_status: String,
    pub f_band: String,
    pub f_country: String,
    pub f_hits: bool,
    pub f_issues: bool,
    pub f_due: bool,
    pub f_q: String,
    pub f_sort: String,
    pub session_param: Option<String>,
    pub view_title: String,
    pub dashboard: crate::kyc::stats::Dashboard,
    /// The activity chart (numbers and dates only; rendered unescaped).
    pub chart: String,
}

struct QueueData {
    rows: Vec<QueueRow>,
    total: i64,
    indexed: i64,
    counts: Vec<(String, i64)>,
    countries: Vec<String>,
    dashboard: crate::kyc::stats::Dashboard,
    jobs: Vec<Job>,
}

async fn load_queue(
    state: &web::Data<AppState>,
    install: &crate::lifecycle::installs::Install,
    q: &QueueQuery,
) -> Result<QueueData, AppError> {
    let id = install.installed_app_id.clone();
    let install = install.clone();
    let q = q.clone();
    let now = state.clock.now_ts();
    let st = state.clone();
    db::run(&state.pool, move |conn| {
        // Approved cases whose date passed (or whose data changed) show as due from now on.
        if crate::kyc::cases::sweep_review_due(conn, &st.case_context(&install))? > 0 {
            st.outbox_wake.notify_one();
        }
        let (rows, total) = index::queue(conn, &id, &q, now)?;
        let mut jobs_found = Vec::new();
        for kind in [jobs::SYNC, jobs::SCREEN] {
            if let Some(j) = jobs::find_job(conn, &id, kind)? {
                jobs_found.push(j);
            }
        }
        Ok(QueueData {
            rows,
            total,
            indexed: index::indexed_count(conn, &id)?,
            counts: index::status_counts(conn, &id)?,
            countries: index::countries(conn, &id)?,
            dashboard: crate::kyc::stats::dashboard(conn, &id, st.clock.now())?,
            jobs: jobs_found,
        })
    })
    .await
}

/// Starts the first sync of an install the first time anyone opens it.
pub async fn ensure_first_sync(
    state: &web::Data<AppState>,
    session: &PortalSession,
) -> Result<(), AppError> {
    if !session.install.has_scope(crate::blnk::scopes::DATA_READ) {
        return Ok(());
    }
    let id = session.install.installed_app_id.clone();
    let existing = db::run(&state.pool, move |conn| {
        Ok(jobs::find_job(conn, &id, jobs::SYNC)?)
    })
    .await?;
    if existing.is_none() {
        jobs::start_sync(
            state.clone(),
            session.install.installed_app_id.clone(),
            false,
        );
    }
    Ok(())
}

/// `GET /kyc/queue`.
pub async fn show_queue(
    session: PortalSession,
    state: web::Data<AppState>,
    params: web::Query<QueueParams>,
) -> Result<HttpResponse, AppError> {
    let q = params.to_query()?;
    ensure_first_sync(&state, &session).await?;
    let data = load_queue(&state, &session.install, &q).await?;
    let nav = Nav::new(&session, state.clock.now_ts());
    let now = state.clock.now_ts();
    let pages = ((data.total + PER_PAGE - 1) / PER_PAGE).max(1);
    let link_for = |query: &QueueQuery, page: i64| {
        nav.link(&with_query("/kyc/queue", &view_query(query, page)))
    };
    let counts = data
        .counts
        .iter()
        .map(|(s, n)| {
            let mut v = QueueQuery {
                status: Some(s.clone()),
                ..QueueQuery::default()
            };
            v.per_page = PER_PAGE;
            (s.clone(), status_label(s), *n, link_for(&v, 1))
        })
        .collect();
    let all = QueueQuery {
        status: Some("all".into()),
        per_page: PER_PAGE,
        ..QueueQuery::default()
    };
    let attention = QueueQuery {
        per_page: PER_PAGE,
        ..QueueQuery::default()
    };
    let rows = data
        .rows
        .iter()
        .map(|r| QueueRowView {
            identity_id: r.identity_id.clone(),
            link: nav.link(&format!("/kyc/identities/{}", urlencode(&r.identity_id))),
            name: if r.display_name.is_empty() {
                "(no name)".into()
            } else {
                r.display_name.clone()
            },
            kind: r.identity_kind.clone(),
            country: r.country.clone(),
            status: r.status.clone(),
            status_label: status_label(&r.status),
            risk_score: r.risk_score,
            risk_band: r.risk_band.clone(),
            findings: r.findings_count,
            hits: r.hits_count,
            assessed: r.assessed,
            last_decision: r.last_decision.clone().unwrap_or_default(),
            due: r.is_due(now),
        })
        .collect();
    let jobs: Vec<JobView> = data.jobs.iter().map(JobView::from_job).collect();
    let view_title = match q.status.as_deref() {
        None => "Needs attention".to_owned(),
        Some("all") => "All identities".to_owned(),
        Some(s) => format!("Status: {}", status_label(s)),
    };
    let page = QueuePage {
        counts,
        attention_link: link_for(&attention, 1),
        all_link: link_for(&all, 1),
        rows,
        total: data.total,
        indexed: data.indexed,
        page: q.page,
        pages,
        prev_link: (q.page > 1).then(|| link_for(&q, q.page - 1)),
        next_link: (q.page < pages).then(|| link_for(&q, q.page + 1)),
        csv_link: nav.link(&with_query("/kyc/queue.csv", &view_query(&q, 1))),
        sync_action: nav.link("/kyc/sync"),
        any_running: jobs.iter().any(JobView::is_running),
        jobs,
        can_read: session.install.has_scope(crate::blnk::scopes::DATA_READ),
        countries: data.countries,
        statuses: STATUSES
            .iter()
            .map(|s| ((*s).to_owned(), status_label(s)))
            .collect(),
        bands: BANDS.to_vec(),
        f_status: q.status.clone().unwrap_or_default(),
        f_band: q.band.clone().unwrap_or_default(),
        f_country: q.country.clone().unwrap_or_default(),
        f_hits: q.has_hits,
        f_issues: q.has_issues,
        f_due: q.due,
        f_q: q.search.clone().unwrap_or_default(),
        f_sort: q.sort.as_str().to_owned(),
        session_param: nav.session_param(),
        view_title,
        chart: crate::kyc::stats::svg_chart(&data.dashboard.days),
        dashboard: data.dashboard,
        nav,
    };
    Ok(html(render(&page)?))
}

pub fn urlencode(s: &str) -> String {
    url::form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

/// `GET /kyc/queue.csv`: every row of the current view.
pub async fn export_queue_csv(
    session: PortalSession,
    state: web::Data<AppState>,
    params: web::Query<QueueParams>,
) -> Result<HttpResponse, AppError> {
    let q = params.to_query()?;
    let id = session.install.installed_app_id.clone();
    let now = state.clock.now_ts();
    let actor = crate::kyc::audit_log::actor(session.user_id.as_deref());
    let view = view_query(&q, 1);
    let rows = db::run(&state.pool, move |conn| {
        let rows = index::queue_all(conn, &id, &q, now)?;
        let what = if view.is_empty() {
            "needs attention".to_owned()
        } else {
            view
        };
        crate::db::immediate(conn, |c| {
            crate::kyc::audit_log::note(
                c,
                &id,
                now,
                &actor,
                "export",
                None,
                format!(
                    "exported the queue as CSV ({} rows; view: {what})",
                    rows.len()
                ),
            )
        })?;
        Ok(rows)
    })
    .await?;
    let mut out = String::from(
        "identity_id,name,type,country,status,risk_score,risk_band,failed_checks,hits,last_decision,review_due\r\n",
    );
    for r in &rows {
        let cells = [
            r.identity_id.clone(),
            r.display_name.clone(),
            r.identity_kind.clone(),
            r.country.clone(),
            r.status.clone(),
            r.risk_score.to_string(),
            r.risk_band.clone(),
            r.findings_count.to_string(),
            r.hits_count.to_string(),
            r.last_decision.clone().unwrap_or_default(),
            if r.is_due(now) {
                "yes".into()
            } else {
                "no".into()
            },
        ];
        crate::kyc::csv::push_row(&mut out, &cells);
    }
    Ok(csv_attachment("kyc-queue", &state, out))
}

/// A CSV download named `<stem>-<YYYYMMDD-HHMM>.csv`.
pub fn csv_attachment(stem: &str, state: &AppState, body: String) -> HttpResponse {
    let filename = format!("{stem}-{}.csv", state.clock.now().format("%Y%m%d-%H%M"));
    HttpResponse::Ok()
        .content_type("text/csv; charset=utf-8")
        .insert_header(ContentDisposition {
            disposition: DispositionType::Attachment,
            parameters: vec![DispositionParam::Filename(filename)],
        })
        .body(body)
}

#[derive(Deserialize)]
pub struct SyncForm {
    pub csrf: String,
}

/// `POST /kyc/sync`: re-reads every identity from Cloud (then re-screens what changed).
pub async fn start_sync(
    req: HttpRequest,
    session: PortalSession,
    state: web::Data<AppState>,
    form: web::Form<SyncForm>,
) -> Result<HttpResponse, AppError> {
    session.verify_form(&req, &form.csrf, &state.config.public_origin())?;
    if !session.install.has_scope(crate::blnk::scopes::DATA_READ) {
        return Err(AppError::forbidden(
            "missing_scope",
            "This install was not granted `data:read`, so it cannot read identities.",
        ));
    }
    jobs::start_sync(
        state.clone(),
        session.install.installed_app_id.clone(),
        false,
    );
    Ok(HttpResponse::SeeOther()
        .insert_header(("location", session.link("/kyc/queue")))
        .finish())
}

/// `GET /kyc/jobs`: progress of the install's jobs, polled by the progress bar.
pub async fn show_jobs(
    session: PortalSession,
    state: web::Data<AppState>,
) -> Result<HttpResponse, AppError> {
    let id = session.install.installed_app_id.clone();
    let found = db::run(&state.pool, move |conn| {
        let mut v = Vec::new();
        for kind in [jobs::SYNC, jobs::SCREEN] {
            if let Some(j) = jobs::find_job(conn, &id, kind)? {
                v.push(JobView::from_job(&j));
            }
        }
        Ok(v)
    })
    .await?;
    Ok(HttpResponse::Ok()
        .content_type(ContentType::json())
        .insert_header(("cache-control", "no-store"))
        .json(serde_json::json!({
            "running": found.iter().any(JobView::is_running),
            "jobs": found,
        })))
}
