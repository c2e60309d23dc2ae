//! The automated assessment of one identity: every data check, the sanctions screening and the
//! risk score, in a form that is stored with the index row and rendered on the identity page.
//! It records what it was computed from (content hash, list version, algorithm, threshold) so
//! it can be reproduced, and so only changed identities are re-screened.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use super::checks::{self, DuplicateIndex, HighRiskList};
use super::identity::{Identity, IdentityKind};
use super::risk::{self, Contribution, RiskScore, ScreeningSummary};
use super::screening::{Hit, PartyKind, Screener, ALGORITHM_VERSION};

/// One rule's result, as stored.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CheckResult {
    pub rule_id: String,
    pub severity: String,
    pub passed: bool,
    pub explanation: String,
    pub field: Option<String>,
}

/// What was screened and against what.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ScreeningRecord {
    /// The name screened; `None` when there was nothing screenable (tokenized or empty).
    pub name: Option<String>,
    pub list_version: String,
    pub algorithm: String,
    pub threshold: f64,
    pub hits: Vec<Hit>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Assessment {
    pub content_hash: String,
    pub assessed_on: NaiveDate,
    pub checks: Vec<CheckResult>,
    pub screening: ScreeningRecord,
    pub risk_score: u32,
    pub risk_band: String,
    pub contributions: Vec<Contribution>,
}

impl Assessment {
    /// Failed checks (data issues and other findings).
    pub fn failed_checks(&self) -> usize {
        self.checks.iter().filter(|c| !c.passed).count()
    }

    /// Failed checks of `error` severity: the "data issues" of the queue filter.
    pub fn data_errors(&self) -> usize {
        self.checks
            .iter()
            .filter(|c| !c.passed && c.severity == "error")
            .count()
    }
}

/// The key an assessment is valid for: identity content + list + matcher + threshold. When it
/// changes, the identity is re-screened.
pub fn assessment_key(content_hash: &str, screener: &Screener) -> String {
    format!(
        "{content_hash}|{}|{}|{:.4}",
        screener.list().version(),
        ALGORITHM_VERSION,
        screener.threshold()
    )
}

/// Screens the identity's name (nothing when it is tokenized or empty).
pub fn screen(identity: &Identity, screener: &Screener) -> ScreeningRecord {
    let name = identity.screening_name();
    let kind = match identity.kind {
        IdentityKind::Individual => PartyKind::Individual,
        IdentityKind::Organization => PartyKind::Organization,
        IdentityKind::Unknown(_) => PartyKind::Unknown,
    };
    let hits = name
        .as_deref()
        .map(|n| screener.screen(n, identity.dob.date(), kind))
        .unwrap_or_default();
    ScreeningRecord {
        name,
        list_version: screener.list().version().to_owned(),
        algorithm: ALGORITHM_VERSION.to_owned(),
        threshold: screener.threshold(),
        hits,
    }
}

/// Runs every check and scores the risk with `screening` (fresh, or reused when neither the
/// identity nor the list changed).
pub fn assess(
    identity: &Identity,
    duplicates: &DuplicateIndex,
    high_risk: &HighRiskList,
    today: NaiveDate,
    screening: ScreeningRecord,
) -> Assessment {
    let findings = checks::run_all_checks_indexed(identity, duplicates, today, high_risk);
    let hits = &screening.hits;
    let summary = ScreeningSummary {
        hits: hits.len(),
        top_score: hits.first().map(|h| h.score),
        confirmed: false,
    };
    let RiskScore {
        score,
        band,
        contributions,
    } = risk::score(&findings, &summary, &identity.kind);
    Assessment {
        content_hash: identity.content_hash(),
        assessed_on: today,
        checks: findings
            .into_iter()
            .map(|f| CheckResult {
                rule_id: f.rule_id.to_owned(),
                severity: f.severity.as_str().to_owned(),
                passed: f.passed,
                explanation: f.explanation,
                field: f.field.map(str::to_owned),
            })
            .collect(),
        screening,
        risk_score: score,
        risk_band: band.as_str().to_owned(),
        contributions,
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use serde_json::json;

    use super::*;
    use crate::kyc::screening::SanctionsList;

    fn screener() -> Screener {
        Screener::new(Arc::new(SanctionsList::bundled_sample()), 0.85)
    }

    fn fresh(id: &Identity) -> Assessment {
        let s = screen(id, &screener());
        assess(
            id,
            &DuplicateIndex::default(),
            &HighRiskList::default(),
            today(),
            s,
        )
    }

    fn today() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 11, 24).unwrap()
    }

    #[test]
    fn a_listed_person_with_a_reordered_name_is_a_hit_and_scores_high() {
        let id = Identity::from_json(&json!({
            "identity_id": "idt_1", "identity_type": "individual",
            "first_name": "Volkanov", "last_name": "Dragomir", "dob": "1968-06-14T00:00:00Z",
            "email_address": "d@example.com", "phone_number": "+74951234567", "country": "RU"
        }));
        let a = fresh(&id);
        assert_eq!(a.screening.hits.len(), 1, "{:?}", a.screening);
        assert_eq!(a.screening.hits[0].entity_id, "9001");
        assert!(a.risk_score >= 60, "{a:?}");
        assert!(a
            .contributions
            .iter()
            .any(|c| c.rule.starts_with("sanctions")));
        let back: Assessment = serde_json::from_str(&serde_json::to_string(&a).unwrap()).unwrap();
        assert_eq!(back, a);
    }

    #[test]
    fn a_clean_person_has_no_hits_and_a_low_score() {
        let id = Identity::from_json(&json!({
            "identity_id": "idt_2", "identity_type": "individual",
            "first_name": "Maria", "last_name": "Lindgren", "dob": "1990-02-01",
            "email_address": "maria@example.se", "phone_number": "+46701234567", "country": "SE"
        }));
        let a = fresh(&id);
        assert!(a.screening.hits.is_empty());
        assert_eq!(a.risk_band, "low");
        assert_eq!(a.data_errors(), 0, "{:?}", a.checks);
    }

    #[test]
    fn tokenized_names_are_not_screened() {
        let id = Identity::from_json(&json!({
            "identity_id": "idt_3", "identity_type": "individual",
            "first_name": "tok_9f8e7d", "last_name": "tok_1a2b3c",
            "meta_data": {"tokenized_fields": {"first_name": true, "last_name": true}}
        }));
        let a = fresh(&id);
        assert_eq!(a.screening.name, None);
        assert!(a
            .checks
            .iter()
            .any(|c| c.rule_id == "tokenized.present" && !c.passed));
    }
}
