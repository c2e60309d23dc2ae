//! Risk score, bands and re-review dates (product spec §3 "Risk score" and "Decisions").
//!
//! The score is the sum of named contributions, each shown to the reviewer, clamped to 0–100.
//! Default weights ([`RiskWeights::default`]):
//!
//! | contribution             | points          | when                                                        |
//! |--------------------------|-----------------|-------------------------------------------------------------|
//! | `sanctions.hit`          | 60              | at least one screening hit at or above the threshold        |
//! | `sanctions.strong_match` | +25             | and the top hit scores ≥ 0.95                               |
//! | `sanctions.confirmed`    | 100             | a reviewer confirmed a hit (the score is then 100)          |
//! | `jurisdiction.high_risk` | 30              | country or nationality on the high-risk list                |
//! | `tokenized.present`      | 15              | a name field is tokenized, so screening is incomplete       |
//! | `data_errors`            | 10 each, max 30 | each failing data-quality rule of severity `error`          |
//! | `duplicates`             | 15              | any of `duplicate.email` / `.phone` / `.name_dob` failed    |
//! | `dob.minor`              | 40              | under 18                                                    |
//! | `organization.baseline`  | 10              | the identity is an organization                             |
//!
//! Data-quality rules are every rule except `dob.minor`, `duplicate.*`, `jurisdiction.high_risk`
//! and `tokenized.present`, which have their own weights. Warnings (`phone.country_mismatch`,
//! `nationality.unmappable`) add nothing.
//!
//! Bands: low 0–39, medium 40–69, high 70–84, critical 85–100. High and critical need four-eyes.
//! Default re-review intervals: low 36 months, medium 24, high 12, critical 6.

use std::fmt;
use std::str::FromStr;

use chrono::{Months, NaiveDate};
use serde::{Deserialize, Serialize};

use super::checks::{rules, Finding, Severity};
use super::identity::IdentityKind;

/// Contribution names that are not rule ids.
pub mod contributions {
    pub const SANCTIONS_HIT: &str = "sanctions.hit";
    pub const SANCTIONS_STRONG_MATCH: &str = "sanctions.strong_match";
    pub const SANCTIONS_CONFIRMED: &str = "sanctions.confirmed";
    pub const DATA_ERRORS: &str = "data_errors";
    pub const DUPLICATES: &str = "duplicates";
    pub const ORGANIZATION_BASELINE: &str = "organization.baseline";
}

/// The sanctions screening outcome the score needs.
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize)]
pub struct ScreeningSummary {
    /// Hits at or above the screening threshold (dismissed hits excluded).
    pub hits: usize,
    /// The best hit's score (0–1), if any.
    pub top_score: Option<f64>,
    /// A reviewer confirmed a hit.
    pub confirmed: bool,
}

/// One named part of the score.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Contribution {
    pub rule: String,
    pub points: u32,
    pub reason: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum RiskBand {
    Low,
    Medium,
    High,
    Critical,
}

impl RiskBand {
    pub const ALL: [RiskBand; 4] = [
        RiskBand::Low,
        RiskBand::Medium,
        RiskBand::High,
        RiskBand::Critical,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            RiskBand::Low => "low",
            RiskBand::Medium => "medium",
            RiskBand::High => "high",
            RiskBand::Critical => "critical",
        }
    }

    /// 0–39 low, 40–69 medium, 70–84 high, 85 and above critical.
    pub fn from_score(score: u32) -> RiskBand {
        match score {
            0..=39 => RiskBand::Low,
            40..=69 => RiskBand::Medium,
            70..=84 => RiskBand::High,
            _ => RiskBand::Critical,
        }
    }

    /// Approvals and rejections at this band need a second, different reviewer.
    pub fn requires_four_eyes(self) -> bool {
        matches!(self, RiskBand::High | RiskBand::Critical)
    }
}

impl fmt::Display for RiskBand {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A string that is not a risk band name.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0:?} is not a risk band (low, medium, high, critical)")]
pub struct UnknownRiskBand(pub String);

impl FromStr for RiskBand {
    type Err = UnknownRiskBand;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().to_ascii_lowercase().as_str() {
            "low" => Ok(RiskBand::Low),
            "medium" => Ok(RiskBand::Medium),
            "high" => Ok(RiskBand::High),
            "critical" => Ok(RiskBand::Critical),
            _ => Err(UnknownRiskBand(s.to_string())),
        }
    }
}

/// The score with its band and every contribution.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RiskScore {
    /// 0–100: the sum of `contributions`, clamped at 100.
    pub score: u32,
    pub band: RiskBand,
    pub contributions: Vec<Contribution>,
}

/// The weights of the score (see the module table for the defaults).
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct RiskWeights {
    pub sanctions_hit: u32,
    pub sanctions_strong_match: u32,
    /// Top-score at or above which `sanctions_strong_match` applies.
    pub strong_match_score: f64,
    pub sanctions_confirmed: u32,
    pub high_risk_jurisdiction: u32,
    pub tokenized_screening_incomplete: u32,
    pub data_error_each: u32,
    pub data_error_cap: u32,
    pub duplicates: u32,
    pub minor: u32,
    pub organization_baseline: u32,
}

impl Default for RiskWeights {
    fn default() -> Self {
        RiskWeights {
            sanctions_hit: 60,
            sanctions_strong_match: 25,
            strong_match_score: 0.95,
            sanctions_confirmed: 100,
            high_risk_jurisdiction: 30,
            tokenized_screening_incomplete: 15,
            data_error_each: 10,
            data_error_cap: 30,
            duplicates: 15,
            minor: 40,
            organization_baseline: 10,
        }
    }
}

/// The maximum score.
pub const MAX_SCORE: u32 = 100;

/// Rules with their own weight, so not counted as data errors.
fn has_own_weight(rule_id: &str) -> bool {
    rule_id == rules::DOB_MINOR
        || rule_id == rules::JURISDICTION_HIGH_RISK
        || rule_id == rules::TOKENIZED_PRESENT
        || rule_id.starts_with("duplicate.")
}

/// Score with the default weights.
pub fn score(findings: &[Finding], screening: &ScreeningSummary, kind: &IdentityKind) -> RiskScore {
    score_with(findings, screening, kind, &RiskWeights::default())
}

/// Score with explicit weights. Contributions are listed in table order; zero-point parts are
/// left out.
pub fn score_with(
    findings: &[Finding],
    screening: &ScreeningSummary,
    kind: &IdentityKind,
    w: &RiskWeights,
) -> RiskScore {
    let mut parts: Vec<Contribution> = Vec::new();
    let mut add = |rule: &str, points: u32, reason: String| {
        if points > 0 {
            parts.push(Contribution {
                rule: rule.to_string(),
                points,
                reason,
            });
        }
    };
    let failed = |rule: &str| findings.iter().find(|f| !f.passed && f.rule_id == rule);

    // Sanctions.
    if screening.hits > 0 {
        add(
            contributions::SANCTIONS_HIT,
            w.sanctions_hit,
            format!(
                "{} sanctions screening hit{} at or above the threshold",
                screening.hits,
                if screening.hits == 1 { "" } else { "s" }
            ),
        );
        if let Some(top) = screening.top_score.filter(|s| *s >= w.strong_match_score) {
            add(
                contributions::SANCTIONS_STRONG_MATCH,
                w.sanctions_strong_match,
                format!(
                    "top hit scores {top:.2}, at or above {:.2}",
                    w.strong_match_score
                ),
            );
        }
    }
    if screening.confirmed {
        add(
            contributions::SANCTIONS_CONFIRMED,
            w.sanctions_confirmed,
            "a reviewer confirmed a sanctions hit".to_string(),
        );
    }

    // Jurisdiction.
    if let Some(f) = failed(rules::JURISDICTION_HIGH_RISK) {
        add(
            rules::JURISDICTION_HIGH_RISK,
            w.high_risk_jurisdiction,
            f.explanation.clone(),
        );
    }

    // Tokenized names: screening incomplete.
    if let Some(f) = failed(rules::TOKENIZED_PRESENT).filter(|f| f.severity >= Severity::Warning) {
        add(
            rules::TOKENIZED_PRESENT,
            w.tokenized_screening_incomplete,
            f.explanation.clone(),
        );
    }

    // Data errors.
    let errors: Vec<&str> = findings
        .iter()
        .filter(|f| !f.passed && f.severity == Severity::Error && !has_own_weight(f.rule_id))
        .map(|f| f.rule_id)
        .collect();
    if !errors.is_empty() {
        let n = u32::try_from(errors.len()).unwrap_or(u32::MAX);
        let raw = n.saturating_mul(w.data_error_each);
        let points = raw.min(w.data_error_cap);
        let capped = if raw > points {
            format!(", capped at {}", w.data_error_cap)
        } else {
            String::new()
        };
        add(
            contributions::DATA_ERRORS,
            points,
            format!(
                "{n} data error{} ({}) × {}{capped}",
                if n == 1 { "" } else { "s" },
                errors.join(", "),
                w.data_error_each
            ),
        );
    }

    // Duplicates.
    let dups: Vec<&str> = findings
        .iter()
        .filter(|f| !f.passed && f.rule_id.starts_with("duplicate."))
        .map(|f| f.rule_id)
        .collect();
    if !dups.is_empty() {
        add(
            contributions::DUPLICATES,
            w.duplicates,
            format!(
                "possible duplicate of another identity ({})",
                dups.join(", ")
            ),
        );
    }

    // Minor.
    if let Some(f) = failed(rules::DOB_MINOR) {
        add(rules::DOB_MINOR, w.minor, f.explanation.clone());
    }

    // Organization baseline.
    if *kind == IdentityKind::Organization {
        add(
            contributions::ORGANIZATION_BASELINE,
            w.organization_baseline,
            "organizations start with a baseline (beneficial owners are not screened here)"
                .to_string(),
        );
    }

    let total = parts
        .iter()
        .fold(0u32, |acc, c| acc.saturating_add(c.points))
        .min(MAX_SCORE);
    RiskScore {
        score: total,
        band: RiskBand::from_score(total),
        contributions: parts,
    }
}

/// Months until the next review, per band.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct ReReviewIntervals {
    pub low_months: u32,
    pub medium_months: u32,
    pub high_months: u32,
    pub critical_months: u32,
}

impl Default for ReReviewIntervals {
    fn default() -> Self {
        ReReviewIntervals {
            low_months: 36,
            medium_months: 24,
            high_months: 12,
            critical_months: 6,
        }
    }
}

impl ReReviewIntervals {
    pub fn months(&self, band: RiskBand) -> u32 {
        match band {
            RiskBand::Low => self.low_months,
            RiskBand::Medium => self.medium_months,
            RiskBand::High => self.high_months,
            RiskBand::Critical => self.critical_months,
        }
    }
}

/// Add calendar months, clamping the day to the end of a shorter month (31 Jan + 1 month →
/// 28/29 Feb). Saturates at the last representable date.
pub fn add_months(date: NaiveDate, months: u32) -> NaiveDate {
    date.checked_add_months(Months::new(months))
        .unwrap_or(NaiveDate::MAX)
}

/// When an identity decided on `decided_at` at `band` is due for re-review.
pub fn review_due(
    decided_at: NaiveDate,
    band: RiskBand,
    intervals: &ReReviewIntervals,
) -> NaiveDate {
    add_months(decided_at, intervals.months(band))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ymd(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    fn failed(rule: &'static str, severity: Severity) -> Finding {
        Finding::fail(rule, severity, None, format!("{rule} failed"))
    }

    fn passed(rule: &'static str) -> Finding {
        Finding::pass(rule, None, "ok")
    }

    fn none() -> ScreeningSummary {
        ScreeningSummary::default()
    }

    #[test]
    fn band_boundaries() {
        let cases = [
            (0, RiskBand::Low),
            (39, RiskBand::Low),
            (40, RiskBand::Medium),
            (69, RiskBand::Medium),
            (70, RiskBand::High),
            (84, RiskBand::High),
            (85, RiskBand::Critical),
            (100, RiskBand::Critical),
            (1000, RiskBand::Critical),
        ];
        for (s, band) in cases {
            assert_eq!(RiskBand::from_score(s), band, "{s}");
        }
        assert!(!RiskBand::Low.requires_four_eyes());
        assert!(!RiskBand::Medium.requires_four_eyes());
        assert!(RiskBand::High.requires_four_eyes());
        assert!(RiskBand::Critical.requires_four_eyes());
        for b in RiskBand::ALL {
            assert_eq!(b.as_str().parse::<RiskBand>(), Ok(b));
            assert_eq!(b.to_string(), b.as_str());
        }
        assert!("severe".parse::<RiskBand>().is_err());
        assert_eq!(serde_json::to_value(RiskBand::High).unwrap(), "high");
    }

    #[test]
    fn clean_individual_scores_zero() {
        let findings = vec![passed(rules::EMAIL_INVALID), passed(rules::DOB_MINOR)];
        let s = score(&findings, &none(), &IdentityKind::Individual);
        assert_eq!(s.score, 0);
        assert_eq!(s.band, RiskBand::Low);
        assert!(s.contributions.is_empty());
    }

    #[test]
    fn organization_baseline() {
        let s = score(&[], &none(), &IdentityKind::Organization);
        assert_eq!(s.score, 10);
        assert_eq!(s.contributions[0].rule, "organization.baseline");
    }

    #[test]
    fn data_errors_are_capped() {
        let two = vec![
            failed(rules::EMAIL_INVALID, Severity::Error),
            failed(rules::PHONE_NOT_E164, Severity::Error),
            failed(rules::NATIONALITY_UNMAPPABLE, Severity::Warning),
        ];
        assert_eq!(score(&two, &none(), &IdentityKind::Individual).score, 20);
        let five: Vec<Finding> = [
            rules::EMAIL_INVALID,
            rules::PHONE_NOT_E164,
            rules::COUNTRY_UNMAPPABLE,
            rules::DOB_MISSING,
            rules::FIELDS_MISSING,
        ]
        .into_iter()
        .map(|r| failed(r, Severity::Error))
        .collect();
        let s = score(&five, &none(), &IdentityKind::Individual);
        assert_eq!(s.score, 30);
        assert_eq!(s.contributions.len(), 1);
        assert!(s.contributions[0].reason.contains("capped at 30"));
        assert!(s.contributions[0].reason.starts_with("5 data errors"));
    }

    #[test]
    fn own_weights_and_sum() {
        let findings = vec![
            failed(rules::JURISDICTION_HIGH_RISK, Severity::Warning),
            failed(rules::DUPLICATE_EMAIL, Severity::Warning),
            failed(rules::DUPLICATE_PHONE, Severity::Warning),
            failed(rules::TOKENIZED_PRESENT, Severity::Warning),
        ];
        let s = score(&findings, &none(), &IdentityKind::Individual);
        // 30 + 15 (duplicates once) + 15 (tokenized names)
        assert_eq!(s.score, 60);
        assert_eq!(s.band, RiskBand::Medium);
        assert_eq!(
            s.contributions.iter().map(|c| c.points).sum::<u32>(),
            s.score
        );
        // Only-email tokenized (Info) does not add.
        let info = vec![failed(rules::TOKENIZED_PRESENT, Severity::Info)];
        assert_eq!(score(&info, &none(), &IdentityKind::Individual).score, 0);
        // Minor: 40 → medium; minor + high risk jurisdiction → 70 high.
        let minor = vec![failed(rules::DOB_MINOR, Severity::Error)];
        let s = score(&minor, &none(), &IdentityKind::Individual);
        assert_eq!((s.score, s.band), (40, RiskBand::Medium));
        let both = vec![
            failed(rules::DOB_MINOR, Severity::Error),
            failed(rules::JURISDICTION_HIGH_RISK, Severity::Warning),
        ];
        let s = score(&both, &none(), &IdentityKind::Individual);
        assert_eq!((s.score, s.band), (70, RiskBand::High));
    }

    #[test]
    fn sanctions_contributions() {
        let hit = ScreeningSummary {
            hits: 1,
            top_score: Some(0.9),
            confirmed: false,
        };
        let s = score(&[], &hit, &IdentityKind::Individual);
        assert_eq!((s.score, s.band), (60, RiskBand::Medium));
        let strong = ScreeningSummary {
            hits: 2,
            top_score: Some(0.95),
            confirmed: false,
        };
        let s = score(&[], &strong, &IdentityKind::Individual);
        assert_eq!((s.score, s.band), (85, RiskBand::Critical));
        let s = score(&[], &strong, &IdentityKind::Organization);
        assert_eq!(s.score, 95);
        // A high top score without a hit at the threshold adds nothing.
        let no_hit = ScreeningSummary {
            hits: 0,
            top_score: Some(0.99),
            confirmed: false,
        };
        assert_eq!(score(&[], &no_hit, &IdentityKind::Individual).score, 0);
        let confirmed = ScreeningSummary {
            hits: 1,
            top_score: Some(0.88),
            confirmed: true,
        };
        let s = score(
            &[failed(rules::JURISDICTION_HIGH_RISK, Severity::Warning)],
            &confirmed,
            &IdentityKind::Individual,
        );
        assert_eq!((s.score, s.band), (100, RiskBand::Critical));
        assert!(s
            .contributions
            .iter()
            .any(|c| c.rule == "sanctions.confirmed"));
        // Hit + jurisdiction = 90, critical.
        let s = score(
            &[failed(rules::JURISDICTION_HIGH_RISK, Severity::Warning)],
            &hit,
            &IdentityKind::Individual,
        );
        assert_eq!((s.score, s.band), (90, RiskBand::Critical));
    }

    #[test]
    fn custom_weights() {
        let w = RiskWeights {
            organization_baseline: 0,
            ..RiskWeights::default()
        };
        let s = score_with(&[], &none(), &IdentityKind::Organization, &w);
        assert_eq!(s.score, 0);
        assert!(s.contributions.is_empty());
    }

    #[test]
    fn review_due_by_band_with_month_clamping() {
        let iv = ReReviewIntervals::default();
        let d = ymd(2026, 1, 15);
        assert_eq!(review_due(d, RiskBand::Low, &iv), ymd(2029, 1, 15));
        assert_eq!(review_due(d, RiskBand::Medium, &iv), ymd(2028, 1, 15));
        assert_eq!(review_due(d, RiskBand::High, &iv), ymd(2027, 1, 15));
        assert_eq!(review_due(d, RiskBand::Critical, &iv), ymd(2026, 7, 15));
        // 31 Aug + 6 months → end of February.
        assert_eq!(
            review_due(ymd(2026, 8, 31), RiskBand::Critical, &iv),
            ymd(2027, 2, 28)
        );
        assert_eq!(
            review_due(ymd(2027, 8, 31), RiskBand::Critical, &iv),
            ymd(2028, 2, 29)
        );
        // 31 Dec + 6 months → 30 June.
        assert_eq!(
            review_due(ymd(2026, 12, 31), RiskBand::Critical, &iv),
            ymd(2027, 6, 30)
        );
        // 29 Feb + 12 months → 28 Feb.
        assert_eq!(
            review_due(ymd(2028, 2, 29), RiskBand::High, &iv),
            ymd(2029, 2, 28)
        );
        let custom = ReReviewIntervals {
            low_months: 1,
            ..iv
        };
        assert_eq!(
            review_due(ymd(2026, 1, 31), RiskBand::Low, &custom),
            ymd(2026, 2, 28)
        );
        assert_eq!(add_months(NaiveDate::MAX, 1), NaiveDate::MAX);
    }

    #[test]
    fn serializes() {
        let s = score(&[], &none(), &IdentityKind::Organization);
        let v = serde_json::to_value(&s).unwrap();
        assert_eq!(v["band"], "low");
        assert_eq!(v["contributions"][0]["points"], 10);
    }
}
