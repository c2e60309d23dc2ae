//! The identity page: every field (tokenized ones marked), every check with its rule id, the
//! screening hits with paired tokens and their verdicts, the risk score with each contribution,
//! the decision forms (with four-eyes), the write-back state, the status history and the
//! identity's audit trail. Opening it refreshes the identity from Cloud first.

use actix_web::http::StatusCode;
use actix_web::{web, HttpResponse};
use askama::Template;

use crate::blnk::{scopes, CloudError};
use crate::db;
use crate::error::AppError;
use crate::jobs;
use crate::kyc::assessment::{Assessment, CheckResult};
use crate::kyc::audit_log;
use crate::kyc::cases;
use crate::kyc::checks::DuplicateIndex;
use crate::kyc::decisions::{self, Action, Status};
use crate::kyc::hits::{self, HitState};
use crate::kyc::index::{self, HistoryRow, IndexRow};
use crate::kyc::screening::Hit;
use crate::lifecycle::sessions::PortalSession;
use crate::startup::AppState;
use crate::web::pages::{render, Nav};
use crate::web::queue::{status_label, urlencode};
use crate::writeback;

pub struct FieldView {
    pub label: &'static str,
    pub value: String,
    pub tokenized: bool,
}

pub struct HistoryView {
    pub at: String,
    pub from: String,
    pub to: String,
    pub actor: String,
    pub note: String,
}

/// A hit with where it stands.
pub struct HitView {
    pub hit: Hit,
    /// `open`, `confirmed`, `dismissed` or `reopened`.
    pub state: &'static str,
    /// Who reviewed it, when and why (empty when open).
    pub review: String,
}

/// One decision button with its form.
pub struct ActionView {
    pub action: &'static str,
    pub label: String,
    pub reasons: Vec<(&'static str, &'static str)>,
    pub note_required: bool,
    pub note_hint: &'static str,
}

pub struct PendingView {
    pub proposed: String,
    pub by: String,
    pub reason: String,
    pub note: String,
    /// The viewer proposed it (so may not confirm it).
    pub mine: bool,
}

pub struct WriteView {
    pub label: &'static str,
    /// `synced`, `pending` or `failed`.
    pub state: &'static str,
    pub attempts: i32,
    pub error: String,
    pub created: String,
    pub delivered: String,
}

pub struct AlertView {
    pub anomaly_id: String,
    pub title: String,
    pub state: String,
    pub created: String,
}

pub struct EventView {
    pub seq: i64,
    pub at: String,
    pub actor: String,
    pub kind: String,
    pub detail: String,
}

#[derive(Template)]
#[template(path = "kyc/identity.html")]
pub struct IdentityPage {
    pub nav: Nav,
    pub identity_id: String,
    pub name: String,
    pub kind: String,
    pub status: String,
    pub status_label: String,
    pub fields: Vec<FieldView>,
    pub failed: Vec<CheckResult>,
    pub passed: Vec<CheckResult>,
    pub assessment: Option<Assessment>,
    pub hits: Vec<HitView>,
    pub open_hits: usize,
    pub history: Vec<HistoryView>,
    pub refresh_notice: Option<String>,
    /// Why the last submission was refused (the page is answered with a 4xx then).
    pub error: Option<String>,
    /// The note the refused submission carried, so the reviewer does not lose it.
    pub draft_note: String,
    pub queue_link: String,
    pub refreshed_at: String,
    /// Months between reviews at this risk band (`REVIEW_INTERVAL_MONTHS`), and whether four-eyes applies.
    pub review_months: u32,
    pub four_eyes: bool,
    /// Four-eyes applies but cannot be enforced: the reviewer's id is unknown.
    pub four_eyes_unenforceable: bool,
    pub reviewer: Option<String>,
    pub version: i64,
    pub content_hash: String,
    pub actions: Vec<ActionView>,
    pub pending: Option<PendingView>,
    pub decide_action: String,
    pub hit_action: String,
    pub retry_action: String,
    pub audit_csv: String,
    pub review_due_at: String,
    pub writes: Vec<WriteView>,
    pub alerts: Vec<AlertView>,
    pub can_retry: bool,
    pub scope_notes: Vec<String>,
    pub events: Vec<EventView>,
}

const FIELDS: [(&str, &str); 17] = [
    ("identity_type", "Type"),
    ("category", "Category"),
    ("organization_name", "Organisation name"),
    ("first_name", "First name"),
    ("last_name", "Last name"),
    ("other_names", "Other names"),
    ("gender", "Gender"),
    ("dob", "Date of birth"),
    ("email_address", "Email"),
    ("phone_number", "Phone"),
    ("nationality", "Nationality"),
    ("street", "Street"),
    ("city", "City"),
    ("state", "State"),
    ("post_code", "Post code"),
    ("country", "Country"),
    ("created_at", "Created in Blnk"),
];

fn fmt_ts(ts: i64) -> String {
    chrono::DateTime::from_timestamp(ts, 0)
        .map(|d| d.format("%Y-%m-%d %H:%M UTC").to_string())
        .unwrap_or_default()
}

/// Checks an identity id from a URL.
pub fn valid_identity_id(identity_id: &str) -> Result<(), AppError> {
    if identity_id.is_empty()
        || identity_id.len() > 200
        || identity_id.chars().any(char::is_control)
    {
        return Err(AppError::bad_request(
            "invalid_identity_id",
            "that is not an identity id",
        ));
    }
    Ok(())
}

/// The identity page's own path.
pub fn identity_path(identity_id: &str) -> String {
    format!("/kyc/identities/{}", urlencode(identity_id))
}

/// `GET /kyc/identities/{id}`.
pub async fn show_identity(
    session: PortalSession,
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let identity_id = path.into_inner();
    valid_identity_id(&identity_id)?;
    let app_id = session.install.installed_app_id.clone();
    // Refresh from Cloud; on a transient failure show the indexed copy with a notice.
    let mut refresh_notice = None;
    match state.cloud.session(&session.install, &state.keyring) {
        Ok(cloud) => match cloud.get_identity(&identity_id).await {
            Ok(body) => {
                let (id, now) = (app_id.clone(), state.clock.now_ts());
                db::write(&state.pool, move |conn| {
                    crate::db::immediate(conn, |c| index::upsert_identity(c, &id, &body, now))?;
                    Ok(())
                })
                .await?;
            }
            Err(CloudError::NotFound { .. }) => {
                refresh_notice = Some(
                    "This identity is no longer in the ledger; showing the last copy read.".into(),
                );
            }
            Err(e @ CloudError::InstallUnusable { .. }) => return Err(e.into()),
            Err(e) => {
                refresh_notice = Some(format!(
                    "Could not refresh from Blnk: {e} Showing the last copy read."
                ))
            }
        },
        Err(e) => return Err(e),
    }
    page_response(
        &state,
        &session,
        identity_id,
        PageMode::View { refresh_notice },
    )
    .await
}

/// How the page is being shown.
pub enum PageMode {
    /// A reviewer opened it: reassess if needed, sweep due reviews, record the view.
    View { refresh_notice: Option<String> },
    /// A submission was refused: show why with the draft note, answered with `status`.
    Refused {
        status: StatusCode,
        message: String,
        draft_note: String,
    },
}

/// Everything the page reads from the database in one go.
struct Loaded {
    row: IndexRow,
    hits: Vec<(Hit, HitState)>,
    history: Vec<HistoryRow>,
    writes: Vec<writeback::OutboxRow>,
    alerts: Vec<writeback::AlertRow>,
    events: Vec<crate::kyc::audit::AuditEvent>,
}

/// Events of the identity shown on its page (the CSV has all of them).
const EVENTS_SHOWN: usize = 30;

/// Loads and renders the page.
pub async fn page_response(
    state: &web::Data<AppState>,
    session: &PortalSession,
    identity_id: String,
    mode: PageMode,
) -> Result<HttpResponse, AppError> {
    let st = state.clone();
    let install = session.install.clone();
    let actor = audit_log::actor(session.user_id.as_deref());
    let viewing = matches!(mode, PageMode::View { .. });
    let iid = identity_id.clone();
    let loaded = db::run(&state.pool, move |conn| {
        let id = install.installed_app_id.clone();
        let Some(row) = index::find(conn, &id, &iid)? else {
            return Ok(None);
        };
        if viewing {
            let key = crate::kyc::assessment::assessment_key(&row.content_hash, &st.screener);
            if row.assessed_key.as_deref() != Some(key.as_str()) || row.assessment.is_none() {
                // Changed since the last run (or never assessed): assess it now against the index.
                let others: Vec<_> = index::all_rows(conn, &id)?
                    .iter()
                    .map(IndexRow::identity)
                    .collect();
                let dups = DuplicateIndex::build(&others);
                let (identity_id, a, key) =
                    jobs::reassess(&st, &row, &dups, st.clock.now().date_naive());
                let now = st.clock.now_ts();
                crate::db::immediate(conn, |c| {
                    index::save_assessment(c, &id, &identity_id, &a, &key)?;
                    cases::alert_on_new_hits(c, &install, &row, row.assessment().as_ref(), &a, now)
                })?;
            }
            cases::sweep_review_due(conn, &st.case_context(&install))?;
            crate::db::immediate(conn, |c| {
                audit_log::note(
                    c,
                    &id,
                    st.clock.now_ts(),
                    &actor,
                    "view",
                    Some(&iid),
                    "opened the identity",
                )
            })?;
        }
        let Some(row) = index::find(conn, &id, &iid)? else {
            return Ok(None);
        };
        Ok(Some(Loaded {
            hits: cases::hit_states(conn, &row, st.screener.list())?,
            history: index::history(conn, &id, &iid)?,
            writes: writeback::rows_of(conn, &id, &iid)?,
            alerts: writeback::alerts_of(conn, &id, &iid)?,
            events: audit_log::events_of(conn, &id, &iid)?,
            row,
        }))
    })
    .await?;
    state.outbox_wake.notify_one();
    let Some(loaded) = loaded else {
        return Err(AppError::not_found(
            "identity_not_found",
            "There is no identity with this id in this install's ledger.",
        ));
    };
    let (status, refresh_notice, error, draft_note) = match mode {
        PageMode::View { refresh_notice } => (StatusCode::OK, refresh_notice, None, String::new()),
        PageMode::Refused {
            status,
            message,
            draft_note,
        } => (status, None, Some(message), draft_note),
    };
    let page = build_page(state, session, loaded, refresh_notice, error, draft_note);
    Ok(HttpResponse::build(status)
        .content_type(actix_web::http::header::ContentType::html())
        .body(render(&page)?))
}

fn hit_view(hit: Hit, state: HitState) -> HitView {
    let describe = |r: &hits::HitReview| {
        format!(
            "{} by {} on {}: {}",
            if r.verdict == hits::DISMISSED {
                "Dismissed"
            } else {
                "Confirmed"
            },
            r.reviewer.as_deref().unwrap_or("an unknown reviewer"),
            fmt_ts(r.at),
            r.note
        )
    };
    let (state, review) = match &state {
        HitState::Open => ("open", String::new()),
        HitState::Reviewed(r) if r.verdict == hits::DISMISSED => ("dismissed", describe(r)),
        HitState::Reviewed(r) => ("confirmed", describe(r)),
        HitState::Reopened(r) => (
            "reopened",
            format!(
                "Open again: the identity or the list entry changed since this verdict. {}",
                describe(r)
            ),
        ),
    };
    HitView { hit, state, review }
}

fn action_view(action: Action, open_hits: usize) -> ActionView {
    let (note_required, note_hint) = match action {
        Action::Reject => (true, "Required: why the identity is rejected."),
        Action::Escalate => (true, "Required: what the next reviewer should look at."),
        Action::Approve if open_hits > 0 => (
            true,
            "Required: screening hits are still open; explain why they do not stand in the way.",
        ),
        _ => (false, "Optional."),
    };
    ActionView {
        action: action.as_str(),
        label: {
            let l = action.label();
            let mut c = l.chars();
            c.next()
                .map(|f| f.to_uppercase().collect::<String>() + c.as_str())
                .unwrap_or_default()
        },
        reasons: decisions::reason_codes(action)
            .iter()
            .map(|c| (*c, decisions::reason_label(c).unwrap_or(c)))
            .collect(),
        note_required,
        note_hint,
    }
}

fn build_page(
    state: &AppState,
    session: &PortalSession,
    loaded: Loaded,
    refresh_notice: Option<String>,
    error: Option<String>,
    draft_note: String,
) -> IdentityPage {
    let Loaded {
        row,
        hits: hit_states,
        history,
        writes,
        alerts,
        events,
    } = loaded;
    let nav = Nav::new(session, state.clock.now_ts());
    let identity = row.identity();
    let body: serde_json::Value = serde_json::from_str(&row.body).unwrap_or_default();
    let fields = FIELDS
        .iter()
        .map(|(key, label)| FieldView {
            label,
            value: match body.get(*key) {
                Some(serde_json::Value::String(s)) => s.clone(),
                Some(serde_json::Value::Null) | None => String::new(),
                Some(other) => other.to_string(),
            },
            tokenized: identity.is_tokenized(key),
        })
        .collect();
    let assessment = row.assessment();
    let band = cases::band_of(&row);
    let (failed, passed) = assessment
        .as_ref()
        .map(|a| a.checks.iter().cloned().partition(|c| !c.passed))
        .unwrap_or_default();
    let case = cases::case_of(&row);
    let open_hits = hits::open_count(&hit_states);
    let reviewer = cases::known_reviewer(session.user_id.as_deref());
    let actions = if assessment.is_some() {
        decisions::allowed_actions(case.status)
            .into_iter()
            .filter(|a| !matches!(a, Action::ConfirmPending | Action::DeclinePending))
            .map(|a| action_view(a, open_hits))
            .collect()
    } else {
        Vec::new()
    };
    let pending = case.pending.as_ref().map(|p| PendingView {
        proposed: p.proposed.label().to_owned(),
        by: p.by.clone().unwrap_or_else(|| "an unknown reviewer".into()),
        reason: p
            .reason_code
            .as_deref()
            .map(|c| decisions::reason_label(c).unwrap_or(c).to_owned())
            .unwrap_or_default(),
        note: p.note.clone(),
        mine: reviewer.is_some() && p.by == reviewer,
    });
    let mut scope_notes = Vec::new();
    if !session.install.has_scope(scopes::DATA_WRITE) {
        scope_notes.push(format!(
            "Decisions are kept here but not written to the identity's metadata in Blnk: this install was not granted `{}`. Reinstall the app with that permission to turn write-back on.",
            scopes::DATA_WRITE
        ));
    }
    if !session.install.has_scope(scopes::ALERTS_WRITE) {
        scope_notes.push(format!(
            "Escalations and screening hits do not raise alerts in Blnk: this install was not granted `{}`.",
            scopes::ALERTS_WRITE
        ));
    }
    let path = identity_path(&row.identity_id);
    IdentityPage {
        identity_id: row.identity_id.clone(),
        name: if row.display_name.is_empty() {
            "(no name)".into()
        } else {
            row.display_name.clone()
        },
        kind: row.identity_kind.clone(),
        status_label: status_label(&row.status),
        status: row.status.clone(),
        fields,
        failed,
        passed,
        assessment,
        hits: hit_states
            .into_iter()
            .map(|(h, s)| hit_view(h, s))
            .collect(),
        open_hits,
        history: history
            .into_iter()
            .map(|h: HistoryRow| HistoryView {
                at: fmt_ts(h.at),
                from: h
                    .from_status
                    .map(|s| status_label(&s))
                    .unwrap_or_else(|| "—".into()),
                to: status_label(&h.to_status),
                actor: h.actor,
                note: h.note,
            })
            .collect(),
        refresh_notice,
        error,
        draft_note,
        queue_link: nav.link("/kyc/queue"),
        refreshed_at: fmt_ts(row.refreshed_at),
        review_months: state.config.review_intervals.months(band),
        four_eyes: band.requires_four_eyes(),
        four_eyes_unenforceable: band.requires_four_eyes() && reviewer.is_none(),
        reviewer,
        version: case.version,
        content_hash: row.content_hash.clone(),
        actions,
        pending: (case.status == Status::PendingApproval)
            .then_some(pending)
            .flatten(),
        decide_action: nav.link(&format!("{path}/decision")),
        hit_action: nav.link(&format!("{path}/hits")),
        retry_action: nav.link(&format!("{path}/writeback/retry")),
        audit_csv: nav.link(&format!("{path}/audit.csv")),
        review_due_at: row.review_due_at.map(fmt_ts).unwrap_or_default(),
        can_retry: writes.iter().any(|w| {
            w.state == writeback::FAILED
                || (w.state == writeback::PENDING && w.last_error.is_some())
        }),
        writes: writes
            .iter()
            .map(|w| WriteView {
                label: w.label(),
                state: w.ui_state(),
                attempts: w.attempts,
                error: w.last_error.clone().unwrap_or_default(),
                created: fmt_ts(w.created_at),
                delivered: w.delivered_at.map(fmt_ts).unwrap_or_default(),
            })
            .collect(),
        alerts: alerts
            .into_iter()
            .map(|a| AlertView {
                anomaly_id: a.anomaly_id,
                title: a.title,
                state: a.state,
                created: fmt_ts(a.created_at),
            })
            .collect(),
        scope_notes,
        events: events
            .iter()
            .rev()
            .take(EVENTS_SHOWN)
            .map(|e| EventView {
                seq: e.seq,
                at: fmt_ts(e.at),
                actor: e.actor.clone(),
                kind: e.kind.clone(),
                detail: e.detail.clone(),
            })
            .collect(),
        nav,
    }
}
