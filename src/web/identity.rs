//! The identity page: every field (tokenized ones marked), every check with its rule id, the
//! screening hits with paired tokens, the risk score with each contribution, and the status
//! history. Opening it refreshes the identity from Cloud first.

use actix_web::{web, HttpResponse};
use askama::Template;

use crate::blnk::CloudError;
use crate::db;
use crate::error::AppError;
use crate::jobs;
use crate::kyc::assessment::{Assessment, CheckResult};
use crate::kyc::checks::DuplicateIndex;
use crate::kyc::index::{self, HistoryRow, IndexRow};
use crate::lifecycle::sessions::PortalSession;
use crate::startup::AppState;
use crate::web::pages::{html, render, Nav};
use crate::web::queue::status_label;

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
    pub history: Vec<HistoryView>,
    pub refresh_notice: Option<String>,
    pub queue_link: String,
    pub refreshed_at: String,
    /// Months between reviews at this risk band (`REVIEW_INTERVAL_MONTHS`), and whether four-eyes applies.
    pub review_months: u32,
    pub four_eyes: bool,
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

/// `GET /kyc/identities/{id}`.
pub async fn show_identity(
    session: PortalSession,
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let identity_id = path.into_inner();
    if identity_id.is_empty() || identity_id.len() > 200 {
        return Err(AppError::bad_request(
            "invalid_identity_id",
            "that is not an identity id",
        ));
    }
    let app_id = session.install.installed_app_id.clone();
    // Refresh from Cloud; on a transient failure show the indexed copy with a notice.
    let mut refresh_notice = None;
    match state.cloud.session(&session.install, &state.keyring) {
        Ok(cloud) => match cloud.get_identity(&identity_id).await {
            Ok(body) => {
                let (id, now) = (app_id.clone(), state.clock.now_ts());
                db::run(&state.pool, move |conn| {
                    conn.immediate_transaction(|c| index::upsert_identity(c, &id, &body, now))?;
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
    let (id, iid) = (app_id.clone(), identity_id.clone());
    let st = state.clone();
    let actor = crate::kyc::audit_log::actor(session.user_id.as_deref());
    let (row, history) = db::run(&state.pool, move |conn| {
        let Some(row) = index::find(conn, &id, &iid)? else {
            return Ok((None, Vec::new()));
        };
        let key = crate::kyc::assessment::assessment_key(&row.content_hash, &st.screener);
        let row = if row.assessed_key.as_deref() != Some(key.as_str()) || row.assessment.is_none() {
            // Changed since the last run (or never assessed): assess it now against the index.
            let others: Vec<_> = index::all_rows(conn, &id)?
                .iter()
                .map(IndexRow::identity)
                .collect();
            let dups = DuplicateIndex::build(&others);
            let (identity_id, a, key) =
                jobs::reassess(&st, &row, &dups, st.clock.now().date_naive());
            conn.immediate_transaction(|c| index::save_assessment(c, &id, &identity_id, &a, &key))?;
            index::find(conn, &id, &iid)?.unwrap_or(row)
        } else {
            row
        };
        let history = index::history(conn, &id, &iid)?;
        conn.immediate_transaction(|c| {
            crate::kyc::audit_log::note(
                c,
                &id,
                st.clock.now_ts(),
                &actor,
                "view",
                Some(&iid),
                "opened the identity",
            )
        })?;
        Ok((Some(row), history))
    })
    .await?;
    let Some(row) = row else {
        return Err(AppError::not_found(
            "identity_not_found",
            "There is no identity with this id in this install's ledger.",
        ));
    };
    let nav = Nav::new(&session, state.clock.now_ts());
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
    let band = assessment
        .as_ref()
        .and_then(|a| a.risk_band.parse::<crate::kyc::risk::RiskBand>().ok())
        .unwrap_or(crate::kyc::risk::RiskBand::Low);
    let (failed, passed) = assessment
        .as_ref()
        .map(|a| a.checks.iter().cloned().partition(|c| !c.passed))
        .unwrap_or_default();
    let page = IdentityPage {
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
        queue_link: nav.link("/kyc/queue"),
        refreshed_at: fmt_ts(row.refreshed_at),
        review_months: state.config.review_intervals.months(band),
        four_eyes: band.requires_four_eyes(),
        nav,
    };
    Ok(html(render(&page)?))
}
