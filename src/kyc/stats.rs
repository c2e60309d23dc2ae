//! The dashboard numbers of the queue page (issue 5 §7): backlog by status, the oldest
//! unreviewed case, decisions per reviewer this week, hits confirmed vs dismissed, writes
//! waiting for Blnk, and a small server-rendered SVG chart of decisions and backlog per day.
//! Every query is indexed and bounded (14 days, one install), so the page stays fast.

use std::fmt::Write as _;

use chrono::{DateTime, Datelike, Duration, NaiveDate, Utc};
use diesel::prelude::*;
use diesel::sqlite::SqliteConnection;

use super::index::NEEDS_ATTENTION;
use crate::schema::{kyc_backlog_daily, kyc_decisions, kyc_identities};

/// Days the chart covers, ending today.
pub const CHART_DAYS: usize = 14;

/// Actions that count as decisions (not "start review" or "decline the proposal").
const DECIDING: [&str; 5] = [
    "approve",
    "reject",
    "request_resubmission",
    "escalate",
    "confirm_pending",
];

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DayPoint {
    pub day: NaiveDate,
    pub decisions: i64,
    /// Cases needing attention at the end of the day (carried over days without activity);
    /// `None` before the first record.
    pub backlog: Option<i64>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Dashboard {
    pub backlog: i64,
    /// Age in days of the oldest unreviewed case.
    pub oldest_unreviewed_days: Option<i64>,
    /// `(reviewer, decisions)` since Monday 00:00 UTC, most first.
    pub by_reviewer: Vec<(String, i64)>,
    pub hits_confirmed: i64,
    pub hits_dismissed: i64,
    pub writes_pending: i64,
    pub writes_failed: i64,
    pub days: Vec<DayPoint>,
}

fn day_key(d: NaiveDate) -> String {
    d.format("%Y-%m-%d").to_string()
}

/// The current backlog of an install.
pub fn backlog(conn: &mut SqliteConnection, installed_app_id: &str) -> QueryResult<i64> {
    Ok(super::index::status_counts(conn, installed_app_id)?
        .iter()
        .filter(|(s, _)| NEEDS_ATTENTION.contains(&s.as_str()))
        .map(|(_, n)| n)
        .sum())
}

/// Records today's backlog (call after anything that changes statuses).
pub fn snapshot_backlog(
    conn: &mut SqliteConnection,
    installed_app_id: &str,
    now: DateTime<Utc>,
) -> QueryResult<()> {
    let n = backlog(conn, installed_app_id)?;
    diesel::replace_into(kyc_backlog_daily::table)
        .values((
            kyc_backlog_daily::installed_app_id.eq(installed_app_id),
            kyc_backlog_daily::day.eq(day_key(now.date_naive())),
            kyc_backlog_daily::backlog.eq(n),
        ))
        .execute(conn)?;
    Ok(())
}

/// Everything the dashboard shows, at `now`.
pub fn dashboard(
    conn: &mut SqliteConnection,
    installed_app_id: &str,
    now: DateTime<Utc>,
) -> QueryResult<Dashboard> {
    use kyc_identities::dsl as k;
    let backlog_now = backlog(conn, installed_app_id)?;
    let oldest: Option<i64> = k::kyc_identities
        .filter(k::installed_app_id.eq(installed_app_id))
        .filter(k::status.eq("unreviewed"))
        .select(diesel::dsl::min(k::first_seen_at))
        .first(conn)?;

    let today = now.date_naive();
    let monday = today - Duration::days(i64::from(today.weekday().num_days_from_monday()));
    let week_start = monday
        .and_hms_opt(0, 0, 0)
        .map_or(0, |d| d.and_utc().timestamp());
    use kyc_decisions::dsl as d;
    let by_reviewer: Vec<(Option<String>, i64)> = d::kyc_decisions
        .filter(d::installed_app_id.eq(installed_app_id))
        .filter(d::at.ge(week_start))
        .filter(d::action.eq_any(DECIDING))
        .group_by(d::reviewer)
        .select((d::reviewer, diesel::dsl::count_star()))
        .load(conn)?;
    let mut by_reviewer: Vec<(String, i64)> = by_reviewer
        .into_iter()
        .map(|(r, n)| (r.unwrap_or_else(|| "unknown reviewer".into()), n))
        .collect();
    by_reviewer.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));

    let first_day = today - Duration::days(CHART_DAYS as i64 - 1);
    let chart_start = first_day
        .and_hms_opt(0, 0, 0)
        .map_or(0, |d| d.and_utc().timestamp());
    let decided_at: Vec<i64> = d::kyc_decisions
        .filter(d::installed_app_id.eq(installed_app_id))
        .filter(d::at.ge(chart_start))
        .filter(d::action.eq_any(DECIDING))
        .select(d::at)
        .load(conn)?;
    use kyc_backlog_daily::dsl as b;
    let snapshots: Vec<(String, i64)> = b::kyc_backlog_daily
        .filter(b::installed_app_id.eq(installed_app_id))
        .filter(b::day.le(day_key(today)))
        .order(b::day.desc())
        .limit(CHART_DAYS as i64 + 60)
        .select((b::day, b::backlog))
        .load(conn)?;
    let (hits_confirmed, hits_dismissed) = super::hits::verdict_counts(conn, installed_app_id, 0)?;
    let (writes_pending, writes_failed) = crate::writeback::backlog(conn, installed_app_id)?;

    Ok(Dashboard {
        backlog: backlog_now,
        oldest_unreviewed_days: oldest.map(|t| ((now.timestamp() - t) / 86_400).max(0)),
        by_reviewer,
        hits_confirmed,
        hits_dismissed,
        writes_pending,
        writes_failed,
        days: days(first_day, today, &decided_at, &snapshots, backlog_now),
    })
}

/// One point per day from `first` to `today`: decisions counted by day; the backlog from the
/// latest snapshot at or before the day (today's is the live figure).
fn days(
    first: NaiveDate,
    today: NaiveDate,
    decided_at: &[i64],
    snapshots: &[(String, i64)],
    backlog_now: i64,
) -> Vec<DayPoint> {
    let mut out = Vec::with_capacity(CHART_DAYS);
    let mut day = first;
    while day <= today {
        let key = day_key(day);
        let decisions = decided_at
            .iter()
            .filter(|t| DateTime::from_timestamp(**t, 0).is_some_and(|d| d.date_naive() == day))
            .count() as i64;
        let backlog = if day == today {
            Some(backlog_now)
        } else {
            snapshots.iter().find(|(d, _)| *d <= key).map(|(_, n)| *n)
        };
        out.push(DayPoint {
            day,
            decisions,
            backlog,
        });
        day += Duration::days(1);
    }
    out
}

/// The chart: decisions as bars (left scale), backlog as a line (right scale). Only numbers
/// and dates go into it, so it needs no escaping.
pub fn svg_chart(days: &[DayPoint]) -> String {
    const W: f64 = 560.0;
    const H: f64 = 150.0;
    const PAD_L: f64 = 34.0;
    const PAD_R: f64 = 40.0;
    const PAD_T: f64 = 12.0;
    const PAD_B: f64 = 22.0;
    let plot_w = W - PAD_L - PAD_R;
    let plot_h = H - PAD_T - PAD_B;
    let n = days.len().max(1) as f64;
    let slot = plot_w / n;
    let max_dec = days.iter().map(|d| d.decisions).max().unwrap_or(0).max(1) as f64;
    let max_back = days
        .iter()
        .filter_map(|d| d.backlog)
        .max()
        .unwrap_or(0)
        .max(1) as f64;
    let y = |v: f64, max: f64| PAD_T + plot_h - v / max * plot_h;

    let total: i64 = days.iter().map(|d| d.decisions).sum();
    let mut s = String::new();
    let _ = write!(
        s,
        r#"<svg class="chart" id="activity-chart" viewBox="0 0 {W} {H}" role="img" aria-labelledby="chart-title"><title id="chart-title">Decisions per day (bars, left scale) and backlog (line, right scale) over the last {} days: {total} decisions; backlog now {}.</title>"#,
        days.len(),
        days.last().and_then(|d| d.backlog).unwrap_or(0)
    );
    // Axes and scale labels.
    let _ = write!(
        s,
        r#"<line class="axis" x1="{PAD_L}" y1="{b}" x2="{r}" y2="{b}"/><text class="tick" x="{lx}" y="{ty}" text-anchor="end">{md}</text><text class="tick" x="{lx}" y="{b}" text-anchor="end">0</text><text class="tick tick-line" x="{rx}" y="{ty}">{mb}</text>"#,
        b = PAD_T + plot_h,
        r = W - PAD_R,
        lx = PAD_L - 4.0,
        ty = PAD_T + 8.0,
        md = max_dec as i64,
        rx = W - PAD_R + 4.0,
        mb = max_back as i64,
    );
    for (i, d) in days.iter().enumerate() {
        let x = PAD_L + slot * i as f64;
        let top = y(d.decisions as f64, max_dec);
        let _ = write!(
            s,
            r#"<rect class="bar" x="{:.1}" y="{top:.1}" width="{:.1}" height="{:.1}" data-day="{}" data-decisions="{}"><title>{}: {} decision(s), backlog {}</title></rect>"#,
            x + slot * 0.15,
            slot * 0.7,
            PAD_T + plot_h - top,
            day_key(d.day),
            d.decisions,
            d.day.format("%a %d %b"),
            d.decisions,
            d.backlog
                .map_or_else(|| "not recorded".to_owned(), |b| b.to_string())
        );
        if i % 2 == 0 || days.len() <= 7 {
            let _ = write!(
                s,
                r#"<text class="tick" x="{:.1}" y="{}" text-anchor="middle">{}</text>"#,
                x + slot / 2.0,
                H - 6.0,
                d.day.format("%d")
            );
        }
    }
    let points: Vec<String> = days
        .iter()
        .enumerate()
        .filter_map(|(i, d)| {
            d.backlog.map(|b| {
                format!(
                    "{:.1},{:.1}",
                    PAD_L + slot * (i as f64 + 0.5),
                    y(b as f64, max_back)
                )
            })
        })
        .collect();
    // A single day draws as a dot.
    if let [only] = points.as_slice() {
        if let Some((cx, cy)) = only.split_once(',') {
            let _ = write!(s, r#"<circle class="dot" cx="{cx}" cy="{cy}" r="3"/>"#);
        }
    }
    let _ = write!(
        s,
        r#"<polyline class="line" fill="none" points="{}"/></svg>"#,
        points.join(" ")
    );
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    fn date(d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 11, d).expect("date")
    }

    fn ts(d: u32, h: u32) -> i64 {
        date(d)
            .and_hms_opt(h, 0, 0)
            .expect("time")
            .and_utc()
            .timestamp()
    }

    #[test]
    fn days_count_decisions_and_carry_the_backlog_over_quiet_days() {
        let decided = [ts(20, 9), ts(20, 23), ts(22, 0), ts(10, 1)];
        let snaps = vec![
            ("2026-11-21".to_string(), 40),
            ("2026-11-19".to_string(), 55),
        ];
        let points = days(date(18), date(23), &decided, &snaps, 33);
        let got: Vec<(u32, i64, Option<i64>)> = points
            .iter()
            .map(|p| (p.day.day(), p.decisions, p.backlog))
            .collect();
        assert_eq!(
            got,
            vec![
                (18, 0, None),
                (19, 0, Some(55)),
                (20, 2, Some(55)),
                (21, 0, Some(40)),
                (22, 1, Some(40)),
                (23, 0, Some(33)),
            ]
        );
    }

    #[test]
    fn the_chart_has_a_bar_per_day_a_line_and_an_accessible_title() {
        let points = days(date(10), date(23), &[ts(23, 1), ts(23, 2)], &[], 7);
        assert_eq!(points.len(), CHART_DAYS);
        let svg = svg_chart(&points);
        assert!(svg.starts_with("<svg"));
        assert!(svg.ends_with("</svg>"));
        assert_eq!(svg.matches("<rect class=\"bar\"").count(), CHART_DAYS);
        assert!(svg.contains("data-day=\"2026-11-23\" data-decisions=\"2\""));
        assert!(svg.contains("<polyline"));
        assert!(
            svg.contains("<circle class=\"dot\""),
            "one recorded day is a dot"
        );
        assert!(svg.contains("2 decisions; backlog now 7."));
        // The tallest bar reaches the top of the plot.
        assert!(svg.contains("y=\"12.0\""));
    }

    #[test]
    fn an_empty_chart_still_renders() {
        let svg = svg_chart(&[]);
        assert!(svg.contains("0 decisions"));
        assert!(svg.ends_with("</svg>"));
    }
}
