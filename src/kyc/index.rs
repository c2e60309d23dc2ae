//! The local identity index (spec §3): one row per identity of an install, filled by the sync
//! and by opening an identity, holding the review fields, the identity as last read, its content
//! hash and the latest assessment. Queue queries (filters, search, sort, pages, counts) run here.
//! Every function is scoped by `installed_app_id`, so one install never sees another's rows.

use diesel::prelude::*;
use diesel::sqlite::SqliteConnection;
use serde_json::Value;

use super::assessment::Assessment;
use super::identity::Identity;
use crate::schema::{kyc_identities, kyc_status_history};

pub const STATUS_UNREVIEWED: &str = "unreviewed";
/// Every status of spec §3, in display order.
pub const STATUSES: [&str; 8] = [
    "unreviewed",
    "in_review",
    "pending_approval",
    "escalated",
    "review_due",
    "resubmission_requested",
    "approved",
    "rejected",
];

/// What a queue page and its CSV export show of an identity: the index's short columns, without
/// the stored identity and assessment documents (kilobytes of JSON a row, read only by the
/// identity page and the jobs).
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = kyc_identities)]
pub struct QueueRow {
    pub identity_id: String,
    pub display_name: String,
    pub identity_kind: String,
    pub country: String,
    pub status: String,
    pub risk_score: i32,
    pub risk_band: String,
    pub findings_count: i32,
    pub hits_count: i32,
    #[diesel(select_expression = kyc_identities::assessment.is_not_null())]
    #[diesel(select_expression_type = diesel::dsl::IsNotNull<kyc_identities::assessment>)]
    pub assessed: bool,
    pub last_decision: Option<String>,
    pub review_due_at: Option<i64>,
}

impl QueueRow {
    pub fn is_due(&self, now: i64) -> bool {
        is_due(&self.status, self.review_due_at, now)
    }
}

/// Due for re-review: marked so, or its review date has passed.
fn is_due(status: &str, review_due_at: Option<i64>, now: i64) -> bool {
    status == "review_due" || review_due_at.is_some_and(|d| d <= now)
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = kyc_identities)]
pub struct IndexRow {
    pub installed_app_id: String,
    pub identity_id: String,
    pub display_name: String,
    pub identity_kind: String,
    pub email: String,
    pub phone: String,
    pub country: String,
    pub body: String,
    pub content_hash: String,
    pub status: String,
    pub risk_score: i32,
    pub risk_band: String,
    pub findings_count: i32,
    pub hits_count: i32,
    pub assessment: Option<String>,
    pub assessed_key: Option<String>,
    pub last_decision: Option<String>,
    pub decided_at: Option<i64>,
    pub review_due_at: Option<i64>,
    pub first_seen_at: i64,
    pub last_seen_at: i64,
    pub refreshed_at: i64,
    pub case_version: i64,
    pub pending_json: Option<String>,
    pub decided_hash: Option<String>,
    pub decided_by: Option<String>,
    pub decision_id: Option<String>,
}

impl IndexRow {
    pub fn assessment(&self) -> Option<Assessment> {
        self.assessment
            .as_deref()
            .and_then(|a| serde_json::from_str(a).ok())
    }

    pub fn identity(&self) -> Identity {
        Identity::from_json(&serde_json::from_str(&self.body).unwrap_or(Value::Null))
    }

    pub fn is_due(&self, now: i64) -> bool {
        is_due(&self.status, self.review_due_at, now)
    }
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = kyc_status_history)]
pub struct HistoryRow {
    pub from_status: Option<String>,
    pub to_status: String,
    pub actor: String,
    pub note: String,
    pub at: i64,
}

/// Writes the identity as just read from Cloud. Returns `true` when it is new or its content
/// changed (so it needs a fresh assessment).
pub fn upsert_identity(
    conn: &mut SqliteConnection,
    installed_app_id: &str,
    body: &Value,
    now: i64,
) -> QueryResult<bool> {
    use crate::schema::kyc_identities::dsl as k;
    let identity = Identity::from_json(body);
    let Some(identity_id) = identity.identity_id.clone() else {
        return Ok(false);
    };
    let hash = identity.content_hash();
    let existing: Option<String> = k::kyc_identities
        .filter(k::installed_app_id.eq(installed_app_id))
        .filter(k::identity_id.eq(&identity_id))
        .select(k::content_hash)
        .first(conn)
        .optional()?;
    let body_text = body.to_string();
    let country = identity
        .country
        .as_deref()
        .map(|c| {
            super::countries::normalize_country(c)
                .map(str::to_owned)
                .unwrap_or_else(|| c.to_owned())
        })
        .unwrap_or_default();
    match existing {
        Some(old) if old == hash => {
            diesel::update(
                k::kyc_identities
                    .filter(k::installed_app_id.eq(installed_app_id))
                    .filter(k::identity_id.eq(&identity_id)),
            )
            .set((k::last_seen_at.eq(now), k::body.eq(&body_text)))
            .execute(conn)?;
            Ok(false)
        }
        Some(_) => {
            diesel::update(
                k::kyc_identities
                    .filter(k::installed_app_id.eq(installed_app_id))
                    .filter(k::identity_id.eq(&identity_id)),
            )
            .set((
                k::display_name.eq(identity.display_name()),
                k::identity_kind.eq(identity.kind.as_str()),
                k::email.eq(identity.email.clone().unwrap_or_default()),
                k::phone.eq(identity.phone.clone().unwrap_or_default()),
                k::country.eq(&country),
                k::body.eq(&body_text),
                k::content_hash.eq(&hash),
                k::last_seen_at.eq(now),
                k::refreshed_at.eq(now),
            ))
            .execute(conn)?;
            Ok(true)
        }
        None => {
            diesel::insert_into(k::kyc_identities)
                .values((
                    k::installed_app_id.eq(installed_app_id),
                    k::identity_id.eq(&identity_id),
                    k::display_name.eq(identity.display_name()),
                    k::identity_kind.eq(identity.kind.as_str()),
                    k::email.eq(identity.email.clone().unwrap_or_default()),
                    k::phone.eq(identity.phone.clone().unwrap_or_default()),
                    k::country.eq(&country),
                    k::body.eq(&body_text),
                    k::content_hash.eq(&hash),
                    k::status.eq(STATUS_UNREVIEWED),
                    k::first_seen_at.eq(now),
                    k::last_seen_at.eq(now),
                    k::refreshed_at.eq(now),
                ))
                .execute(conn)?;
            record_status(
                conn,
                installed_app_id,
                &identity_id,
                None,
                STATUS_UNREVIEWED,
                "system",
                "first seen in the ledger",
                now,
            )?;
            Ok(true)
        }
    }
}

#[allow(clippy::too_many_arguments)]
pub fn record_status(
    conn: &mut SqliteConnection,
    installed_app_id: &str,
    identity_id: &str,
    from: Option<&str>,
    to: &str,
    actor: &str,
    note: &str,
    now: i64,
) -> QueryResult<usize> {
    use crate::schema::kyc_status_history::dsl as h;
    diesel::insert_into(h::kyc_status_history)
        .values((
            h::installed_app_id.eq(installed_app_id),
            h::identity_id.eq(identity_id),
            h::from_status.eq(from),
            h::to_status.eq(to),
            h::actor.eq(actor),
            h::note.eq(note),
            h::at.eq(now),
        ))
        .execute(conn)
}

pub fn history(
    conn: &mut SqliteConnection,
    installed_app_id: &str,
    identity_id: &str,
) -> QueryResult<Vec<HistoryRow>> {
    use crate::schema::kyc_status_history::dsl as h;
    h::kyc_status_history
        .filter(h::installed_app_id.eq(installed_app_id))
        .filter(h::identity_id.eq(identity_id))
        .order(h::id.desc())
        .select(HistoryRow::as_select())
        .load(conn)
}

/// Stores an assessment and the denormalised columns the queue filters on.
pub fn save_assessment(
    conn: &mut SqliteConnection,
    installed_app_id: &str,
    identity_id: &str,
    assessment: &Assessment,
    key: &str,
) -> QueryResult<usize> {
    use crate::schema::kyc_identities::dsl as k;
    let json = serde_json::to_string(assessment).unwrap_or_default();
    diesel::update(
        k::kyc_identities
            .filter(k::installed_app_id.eq(installed_app_id))
            .filter(k::identity_id.eq(identity_id)),
    )
    .set((
        k::risk_score.eq(i32::try_from(assessment.risk_score).unwrap_or(100)),
        k::risk_band.eq(&assessment.risk_band),
        k::findings_count.eq(i32::try_from(assessment.failed_checks()).unwrap_or(i32::MAX)),
        k::hits_count.eq(i32::try_from(assessment.screening.hits.len()).unwrap_or(i32::MAX)),
        k::assessment.eq(json),
        k::assessed_key.eq(key),
    ))
    .execute(conn)
}

pub fn find(
    conn: &mut SqliteConnection,
    installed_app_id: &str,
    identity_id: &str,
) -> QueryResult<Option<IndexRow>> {
    use crate::schema::kyc_identities::dsl as k;
    k::kyc_identities
        .filter(k::installed_app_id.eq(installed_app_id))
        .filter(k::identity_id.eq(identity_id))
        .select(IndexRow::as_select())
        .first(conn)
        .optional()
}

/// Every row of an install (for assessment runs).
pub fn all_rows(conn: &mut SqliteConnection, installed_app_id: &str) -> QueryResult<Vec<IndexRow>> {
    use crate::schema::kyc_identities::dsl as k;
    k::kyc_identities
        .filter(k::installed_app_id.eq(installed_app_id))
        .order(k::identity_id.asc())
        .select(IndexRow::as_select())
        .load(conn)
}

pub fn count(conn: &mut SqliteConnection, installed_app_id: &str) -> QueryResult<i64> {
    use crate::schema::kyc_identities::dsl as k;
    k::kyc_identities
        .filter(k::installed_app_id.eq(installed_app_id))
        .count()
        .get_result(conn)
}

/// The queue's view: filters, search, sort and page.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct QueueQuery {
    /// `None` = the default "needs attention" view; `Some("all")` = every status.
    pub status: Option<String>,
    pub band: Option<String>,
    pub country: Option<String>,
    pub has_hits: bool,
    pub has_issues: bool,
    pub due: bool,
    pub search: Option<String>,
    pub sort: QueueSort,
    pub page: i64,
    pub per_page: i64,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum QueueSort {
    #[default]
    RiskDesc,
    RiskAsc,
    Name,
    Newest,
    Hits,
}

impl QueueSort {
    pub fn parse(s: &str) -> Option<QueueSort> {
        Some(match s {
            "risk" | "risk_desc" => QueueSort::RiskDesc,
            "risk_asc" => QueueSort::RiskAsc,
            "name" => QueueSort::Name,
            "newest" => QueueSort::Newest,
            "hits" => QueueSort::Hits,
            _ => return None,
        })
    }
    pub fn as_str(self) -> &'static str {
        match self {
            QueueSort::RiskDesc => "risk",
            QueueSort::RiskAsc => "risk_asc",
            QueueSort::Name => "name",
            QueueSort::Newest => "newest",
            QueueSort::Hits => "hits",
        }
    }
}

/// The statuses of the default view.
pub const NEEDS_ATTENTION: [&str; 5] = [
    "unreviewed",
    "in_review",
    "escalated",
    "review_due",
    "pending_approval",
];

/// Searches of at least this many characters go through the trigram index (`kyc_search`); a
/// trigram index cannot answer shorter ones, which compare the name, email and id of every
/// identity of the install (read from the name index, which holds the three).
const MIN_INDEXED_SEARCH: usize = 3;

/// A `due` view reads its rows through its [`DueSet`] when the set holds at most this many: each
/// is read and the page sorted, about 1.3 µs a row at 100,000 identities (2.7 ms at this size).
/// A bigger set is walked in the view's order, where at least one row in fifty is due at 100,000
/// identities, and fewer are walked the fewer there are. Walked, an empty set read every row of
/// the install: 20 ms a page at 100,000 identities.
const DUE_SET_MAX: i64 = 2_000;

/// The rows the `due` filter keeps (marked `review_due`, or any status whose review date passed),
/// counted and found through index ranges: the `review_due` rows of `kyc_identities_age`, and,
/// for each status of the install, its passed dates in `kyc_identities_status`.
#[derive(Debug)]
struct DueSet {
    /// How many rows the set holds.
    size: i64,
    /// The statuses (other than `review_due`) that have rows with a passed date, as a JSON array
    /// (bound once, read with `json_each`, so the statement's text does not depend on them).
    passed_statuses: String,
}

/// The identities of one status whose review date passed (a range of `kyc_identities_status`).
fn passed_dates(
    conn: &mut SqliteConnection,
    installed_app_id: &str,
    status: &str,
    now: i64,
) -> QueryResult<i64> {
    use crate::schema::kyc_identities::dsl as k;
    k::kyc_identities
        .filter(k::installed_app_id.eq(installed_app_id))
        .filter(k::status.eq(status))
        .filter(k::review_due_at.le(now))
        .count()
        .get_result(conn)
}

/// Counts the `due` filter's rows, status by status, from the trigger-kept counts and ranges of
/// `kyc_identities_status`.
fn due_set(conn: &mut SqliteConnection, installed_app_id: &str, now: i64) -> QueryResult<DueSet> {
    let mut size = 0;
    let mut passed = Vec::new();
    for (status, n) in counts_of(conn, installed_app_id, "status")? {
        if status == "review_due" {
            size += n;
            continue;
        }
        let due = passed_dates(conn, installed_app_id, &status, now)?;
        if due > 0 {
            size += due;
            passed.push(status);
        }
    }
    Ok(DueSet {
        size,
        passed_statuses: serde_json::to_string(&passed).unwrap_or_else(|_| "[]".into()),
    })
}

/// A search's matches are looked up first, up to one more than this many. When there are no
/// more, their rowids are bound into the count and the page, which read only those rows. When
/// there are more, most rows match, so the view's own index is walked and each row tested: a
/// page fills from the first rows it walks, and the count reads index entries rather than each
/// match's row. (At 100,000 identities, all matching a trigram phrase: 106 ms -> 39 ms for the
/// count and 112 ms -> 23 ms for a page, database work alone.)
const SEARCH_SET_MAX: usize = 2_000;

/// How a view finds its rows, worked out once per request from cheap counts.
#[derive(Debug)]
struct ViewPlan {
    /// The `due` filter's set, when the view has it (read or walked: see [`DUE_SET_MAX`]).
    due: Option<DueSet>,
    /// The search's matches, when the view has a search.
    search: Option<SearchMatches>,
}

/// The rows a search matches, looked up once per request.
#[derive(Debug)]
enum SearchMatches {
    /// At most [`SEARCH_SET_MAX`] matches (in every install for a trigram phrase, in this one
    /// for a short search): their rowids as a JSON array, bound once and read with `json_each`,
    /// so the count and the page do not search again.
    Few(String),
    /// More, for a trigram phrase: each row the view walks is tested against the phrase.
    ManyIndexed(String),
    /// More, for a search under three characters (`LIKE` pattern): each row the view walks is
    /// compared.
    ManyCompared(String),
}

fn view_plan(
    conn: &mut SqliteConnection,
    installed_app_id: &str,
    q: &QueueQuery,
    now: i64,
) -> QueryResult<ViewPlan> {
    use diesel::dsl::sql;
    use diesel::sql_types::{BigInt, Text};
    let due = if q.due {
        Some(due_set(conn, installed_app_id, now)?)
    } else {
        None
    };
    let bound = SEARCH_SET_MAX as i64 + 1;
    let few = |rowids: &[i64]| {
        (rowids.len() <= SEARCH_SET_MAX)
            .then(|| serde_json::to_string(rowids).unwrap_or_else(|_| "[]".into()))
    };
    let search = if let Some(phrase) = indexed_phrase(q) {
        // The full-text index's matches in every install (the query stops at the bound).
        let rowids: Vec<i64> =
            sql::<BigInt>("SELECT rowid FROM kyc_search WHERE kyc_search MATCH ")
                .bind::<Text, _>(phrase.as_str())
                .sql(" LIMIT ")
                .bind::<BigInt, _>(bound)
                .load(conn)?;
        Some(few(&rowids).map_or(SearchMatches::ManyIndexed(phrase), SearchMatches::Few))
    } else if let Some(text) = search_text(q) {
        // The install's name index holds the three searched columns: a read of it alone.
        let pattern = format!("%{}%", escape_like(text));
        let rowids: Vec<i64> =
            sql::<BigInt>("SELECT rowid FROM kyc_identities WHERE installed_app_id = ")
                .bind::<Text, _>(installed_app_id)
                .sql(" AND (display_name LIKE ")
                .bind::<Text, _>(pattern.as_str())
                .sql(" ESCAPE '\\' OR email LIKE ")
                .bind::<Text, _>(pattern.as_str())
                .sql(" ESCAPE '\\' OR identity_id LIKE ")
                .bind::<Text, _>(pattern.as_str())
                .sql(" ESCAPE '\\') LIMIT ")
                .bind::<BigInt, _>(bound)
                .load(conn)?;
        Some(few(&rowids).map_or(SearchMatches::ManyCompared(pattern), SearchMatches::Few))
    } else {
        None
    };
    Ok(ViewPlan { due, search })
}

/// The view's search, trimmed; `None` when empty.
fn search_text(q: &QueueQuery) -> Option<&str> {
    q.search.as_deref().map(str::trim).filter(|s| !s.is_empty())
}

/// The trigram-index phrase of a search of at least [`MIN_INDEXED_SEARCH`] characters: the text
/// as typed, any part of a name, email or id.
fn indexed_phrase(q: &QueueQuery) -> Option<String> {
    search_text(q)
        .filter(|s| s.chars().count() >= MIN_INDEXED_SEARCH)
        .map(|s| format!("\"{}\"", s.replace('"', "\"\"")))
}

fn filtered<'a>(
    installed_app_id: &'a str,
    q: &'a QueueQuery,
    now: i64,
    plan: &'a ViewPlan,
) -> kyc_identities::BoxedQuery<'a, diesel::sqlite::Sqlite> {
    use crate::schema::kyc_identities::dsl as k;
    use diesel::dsl::sql;
    use diesel::sql_types::{BigInt, Bool, Text};
    let due_rows = plan.due.as_ref().filter(|d| d.size <= DUE_SET_MAX);
    let read_matches = matches!(plan.search, Some(SearchMatches::Few(_)));
    let mut query = if read_matches || due_rows.is_some() {
        // The unary `+` keeps SQLite from walking the install's rows and testing each against
        // the matches or the due set: those (few) are read first, then their rows.
        k::kyc_identities
            .filter(
                sql::<Bool>("+kyc_identities.installed_app_id = ")
                    .bind::<Text, _>(installed_app_id),
            )
            .into_boxed()
    } else {
        k::kyc_identities
            .filter(k::installed_app_id.eq(installed_app_id))
            .into_boxed()
    };
    match q.status.as_deref() {
        None => {
            query = query.filter(
                k::status
                    .eq_any(NEEDS_ATTENTION)
                    .or(k::review_due_at.le(now)),
            )
        }
        Some("all") => {}
        Some(s) => query = query.filter(k::status.eq(s)),
    }
    if let Some(b) = &q.band {
        query = query.filter(k::risk_band.eq(b));
    }
    if let Some(c) = &q.country {
        query = query.filter(k::country.eq(c));
    }
    if q.has_hits {
        query = query.filter(k::hits_count.gt(0));
    }
    if q.has_issues {
        query = query.filter(k::findings_count.gt(0));
    }
    if q.due {
        query = query.filter(k::status.eq("review_due").or(k::review_due_at.le(now)));
    }
    if let Some(set) = due_rows {
        query = query.filter(
            sql::<Bool>(
                "kyc_identities.rowid IN (SELECT rowid FROM kyc_identities \
                 WHERE installed_app_id = ",
            )
            .bind::<Text, _>(installed_app_id)
            .sql(
                " AND status = 'review_due' UNION ALL SELECT rowid FROM kyc_identities \
                 WHERE installed_app_id = ",
            )
            .bind::<Text, _>(installed_app_id)
            .sql(" AND status IN (SELECT value FROM json_each(")
            .bind::<Text, _>(set.passed_statuses.as_str())
            .sql(")) AND review_due_at <= ")
            .bind::<BigInt, _>(now)
            .sql(")"),
        );
    }
    if let Some(matches) = &plan.search {
        query = match matches {
            // Read from the matches (the `+` on the install above).
            SearchMatches::Few(rowids) => query.filter(
                sql::<Bool>("kyc_identities.rowid IN (SELECT value FROM json_each(")
                    .bind::<Text, _>(rowids.as_str())
                    .sql("))"),
            ),
            // Tested on each row the view's index walks (the `+` here: the matches are not
            // read first).
            SearchMatches::ManyIndexed(phrase) => query.filter(
                sql::<Bool>(
                    "+kyc_identities.rowid IN \
                     (SELECT rowid FROM kyc_search WHERE kyc_search MATCH ",
                )
                .bind::<Text, _>(phrase.as_str())
                .sql(")"),
            ),
            SearchMatches::ManyCompared(pattern) => query.filter(
                k::display_name
                    .like(pattern.as_str())
                    .escape('\\')
                    .or(k::email.like(pattern.as_str()).escape('\\'))
                    .or(k::identity_id.like(pattern.as_str()).escape('\\')),
            ),
        };
    }
    query
}

fn escape_like(s: &str) -> String {
    s.replace('\\', "\\\\")
        .replace('%', "\\%")
        .replace('_', "\\_")
}

/// One page of the queue and the number of rows the view holds.
pub fn queue(
    conn: &mut SqliteConnection,
    installed_app_id: &str,
    q: &QueueQuery,
    now: i64,
) -> QueryResult<(Vec<QueueRow>, i64)> {
    let plan = view_plan(conn, installed_app_id, q, now)?;
    let total = view_total(conn, installed_app_id, q, now, &plan)?;
    let (_, offset) = page_window(q);
    if offset >= total {
        // Past the last row, or an empty view: nothing to read. (The page of an empty view
        // walks the whole range of its index to find no row.)
        return Ok((Vec::new(), total));
    }
    Ok((page(conn, installed_app_id, q, now, &plan)?, total))
}

/// The page's size and the rows before it.
fn page_window(q: &QueueQuery) -> (i64, i64) {
    let per_page = q.per_page.clamp(1, 500);
    (per_page, (q.page.max(1) - 1).saturating_mul(per_page))
}

/// The rows of one page of a view, in the view's order.
fn page(
    conn: &mut SqliteConnection,
    installed_app_id: &str,
    q: &QueueQuery,
    now: i64,
    plan: &ViewPlan,
) -> QueryResult<Vec<QueueRow>> {
    use crate::schema::kyc_identities::dsl as k;
    let mut query = filtered(installed_app_id, q, now, plan).select(QueueRow::as_select());
    query = match q.sort {
        QueueSort::RiskDesc => query.order((k::risk_score.desc(), k::display_name.asc())),
        QueueSort::RiskAsc => query.order((k::risk_score.asc(), k::display_name.asc())),
        QueueSort::Name => query.order((k::display_name.asc(), k::identity_id.asc())),
        QueueSort::Newest => query.order((k::first_seen_at.desc(), k::identity_id.asc())),
        QueueSort::Hits => query.order((k::hits_count.desc(), k::risk_score.desc())),
    };
    let (per_page, offset) = page_window(q);
    query.limit(per_page).offset(offset).load(conn)
}

/// The number of rows a view holds. A view filtered by status alone (the default "needs
/// attention" view, "all", one status) is worked out from the counts the triggers keep, plus, for
/// the default view, the approved or rejected rows whose review date passed (a range of
/// `kyc_identities_status`). Counting the view's rows instead read every one of them: 5 ms at
/// 20,000 identities (measured), on every page. Views with any other filter are counted, from
/// the filter's index (migration `kyc_queue_filters`) or the search's matches.
fn view_total(
    conn: &mut SqliteConnection,
    installed_app_id: &str,
    q: &QueueQuery,
    now: i64,
    plan: &ViewPlan,
) -> QueryResult<i64> {
    let other_filters = q.band.is_some()
        || q.country.is_some()
        || q.has_hits
        || q.has_issues
        || q.search.as_deref().is_some_and(|s| !s.trim().is_empty());
    if let (Some(set), false, None | Some("all")) =
        (plan.due.as_ref(), other_filters, q.status.as_deref())
    {
        // Due rows are all in the default view (`review_due` is one of its statuses, and a
        // passed date is its other condition): the view is the set.
        return Ok(set.size);
    }
    if other_filters || q.due {
        return filtered(installed_app_id, q, now, plan)
            .count()
            .get_result(conn);
    }
    let counts = counts_of(conn, installed_app_id, "status")?;
    match q.status.as_deref() {
        Some("all") => Ok(counts.iter().map(|(_, n)| n).sum()),
        Some(s) => Ok(counts.iter().find(|(v, _)| v == s).map_or(0, |(_, n)| *n)),
        None => {
            let mut total = 0;
            for (status, n) in &counts {
                if NEEDS_ATTENTION.contains(&status.as_str()) {
                    total += n;
                } else {
                    total += passed_dates(conn, installed_app_id, status, now)?;
                }
            }
            Ok(total)
        }
    }
}

/// Every row of the view (CSV export), in the view's order.
pub fn queue_all(
    conn: &mut SqliteConnection,
    installed_app_id: &str,
    q: &QueueQuery,
    now: i64,
) -> QueryResult<Vec<QueueRow>> {
    let mut all = q.clone();
    all.page = 1;
    all.per_page = 500;
    let plan = view_plan(conn, installed_app_id, q, now)?;
    let mut out = Vec::new();
    loop {
        // Pages without the view's total (a filtered view's count reads all its rows): a short
        // page is the last.
        let rows = page(conn, installed_app_id, &all, now, &plan)?;
        let n = rows.len();
        out.extend(rows);
        if (n as i64) < all.per_page {
            return Ok(out);
        }
        all.page += 1;
    }
}

/// One dimension of the trigger-kept counts (`kyc_counts`), values with at least one row.
fn counts_of(
    conn: &mut SqliteConnection,
    installed_app_id: &str,
    dimension: &str,
) -> QueryResult<Vec<(String, i64)>> {
    use crate::schema::kyc_counts::dsl as c;
    c::kyc_counts
        .filter(c::installed_app_id.eq(installed_app_id))
        .filter(c::dimension.eq(dimension))
        .filter(c::n.gt(0))
        .order(c::value.asc())
        .select((c::value, c::n))
        .load(conn)
}

/// Rows per status for the install (statuses with none are included with 0). Read from the
/// counts the triggers keep, not by scanning the index.
pub fn status_counts(
    conn: &mut SqliteConnection,
    installed_app_id: &str,
) -> QueryResult<Vec<(String, i64)>> {
    let rows = counts_of(conn, installed_app_id, "status")?;
    Ok(STATUSES
        .iter()
        .map(|s| {
            let n = rows.iter().find(|(r, _)| r == s).map_or(0, |(_, n)| *n);
            ((*s).to_owned(), n)
        })
        .collect())
}

/// Identities of the install (from the kept counts).
pub fn indexed_count(conn: &mut SqliteConnection, installed_app_id: &str) -> QueryResult<i64> {
    Ok(counts_of(conn, installed_app_id, "status")?
        .iter()
        .map(|(_, n)| n)
        .sum())
}

/// The distinct countries of an install, for the filter's choices (from the kept counts).
pub fn countries(conn: &mut SqliteConnection, installed_app_id: &str) -> QueryResult<Vec<String>> {
    Ok(counts_of(conn, installed_app_id, "country")?
        .into_iter()
        .map(|(c, _)| c)
        .filter(|c| !c.is_empty())
        .collect())
}
