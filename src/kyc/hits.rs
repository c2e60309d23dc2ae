//! Reviewer verdicts on screening hits (spec §3 "Per hit: confirm or dismiss"): a verdict is
//! remembered per identity and list entry together with a hash of the fields that were compared
//! (the identity's screened name, kind and date of birth; the entry's names, aliases, programs
//! and dates of birth). When either side changes the hash no longer matches and the hit is open
//! again; a new list version with the same entry keeps the verdict.

use diesel::prelude::*;
use diesel::sqlite::SqliteConnection;
use serde_json::json;

use super::assessment::Assessment;
use super::identity::Identity;
use super::screening::{Hit, SanctionsList};
use crate::schema::kyc_hit_reviews;

pub const CONFIRMED: &str = "confirmed";
pub const DISMISSED: &str = "dismissed";

/// A stored verdict.
#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable, Insertable)]
#[diesel(table_name = kyc_hit_reviews)]
pub struct HitReview {
    pub installed_app_id: String,
    pub identity_id: String,
    pub entity_id: String,
    pub fields_hash: String,
    pub verdict: String,
    pub note: String,
    pub reviewer: Option<String>,
    pub at: i64,
}

/// Where a hit stands for the reviewer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HitState {
    /// Never reviewed.
    Open,
    /// Reviewed, and neither side changed since.
    Reviewed(HitReview),
    /// Reviewed, but the identity or the list entry changed since: open again.
    Reopened(HitReview),
}

impl HitState {
    /// Open hits need a verdict (and a note to approve past them).
    pub fn is_open(&self) -> bool {
        !matches!(self, HitState::Reviewed(_))
    }

    pub fn is_dismissed(&self) -> bool {
        matches!(self, HitState::Reviewed(r) if r.verdict == DISMISSED)
    }
}

/// The hash of the compared fields of `hit` for `identity`.
pub fn fields_hash(identity: &Identity, hit: &Hit, list: &SanctionsList) -> String {
    let listed = match list.get(&hit.entity_id) {
        Some(entry) => {
            let mut aliases: Vec<&str> = entry.aliases.iter().map(|a| a.name.as_str()).collect();
            aliases.sort_unstable();
            json!({
                "name": entry.name,
                "aliases": aliases,
                "programs": entry.programs,
                "dob": entry.dob_text,
            })
        }
        // The entry is not in the loaded list (the hit came from another list version): fall
        // back to what the hit itself recorded.
        None => json!({
            "name": hit.listed_name,
            "aliases": hit.matched_alias.iter().collect::<Vec<_>>(),
            "programs": hit.programs,
        }),
    };
    let canonical = json!({
        "identity": {
            "name": identity.screening_name(),
            "kind": identity.kind.as_str(),
            "dob": format!("{:?}", identity.dob),
        },
        "entity_id": hit.entity_id,
        "listed": listed,
    });
    crate::crypto::sha256_hex(canonical.to_string().as_bytes())
}

/// The state of each hit of `assessment`, in the assessment's order.
pub fn states(
    identity: &Identity,
    assessment: &Assessment,
    reviews: &[HitReview],
    list: &SanctionsList,
) -> Vec<(Hit, HitState)> {
    assessment
        .screening
        .hits
        .iter()
        .map(|hit| {
            let state = match reviews.iter().find(|r| r.entity_id == hit.entity_id) {
                None => HitState::Open,
                Some(r) if r.fields_hash == fields_hash(identity, hit, list) => {
                    HitState::Reviewed(r.clone())
                }
                Some(r) => HitState::Reopened(r.clone()),
            };
            (hit.clone(), state)
        })
        .collect()
}

/// How many hits still need a verdict.
pub fn open_count(states: &[(Hit, HitState)]) -> usize {
    states.iter().filter(|(_, s)| s.is_open()).count()
}

/// How many hits are not dismissed (the `hits` figure written back to Blnk).
pub fn standing_count(states: &[(Hit, HitState)]) -> usize {
    states.iter().filter(|(_, s)| !s.is_dismissed()).count()
}

/// An identity's verdicts.
pub fn reviews(
    conn: &mut SqliteConnection,
    installed_app_id: &str,
    identity_id: &str,
) -> QueryResult<Vec<HitReview>> {
    use crate::schema::kyc_hit_reviews::dsl as h;
    h::kyc_hit_reviews
        .filter(h::installed_app_id.eq(installed_app_id))
        .filter(h::identity_id.eq(identity_id))
        .select(HitReview::as_select())
        .load(conn)
}

/// Stores a verdict, replacing an earlier one for the same entry.
pub fn save(conn: &mut SqliteConnection, review: &HitReview) -> QueryResult<usize> {
    use crate::schema::kyc_hit_reviews::dsl as h;
    diesel::replace_into(h::kyc_hit_reviews)
        .values(review)
        .execute(conn)
}

/// Hits confirmed and dismissed by reviewers of an install since `since` (dashboard).
pub fn verdict_counts(
    conn: &mut SqliteConnection,
    installed_app_id: &str,
    since: i64,
) -> QueryResult<(i64, i64)> {
    use crate::schema::kyc_hit_reviews::dsl as h;
    let rows: Vec<(String, i64)> = h::kyc_hit_reviews
        .filter(h::installed_app_id.eq(installed_app_id))
        .filter(h::at.ge(since))
        .group_by(h::verdict)
        .select((h::verdict, diesel::dsl::count_star()))
        .load(conn)?;
    let get = |v: &str| rows.iter().find(|(r, _)| r == v).map_or(0, |(_, n)| *n);
    Ok((get(CONFIRMED), get(DISMISSED)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kyc::screening::Screener;
    use std::sync::Arc;

    fn list() -> SanctionsList {
        SanctionsList::bundled_sample()
    }

    fn identity(first: &str, last: &str, dob: &str) -> Identity {
        Identity::from_json(&json!({
            "identity_id": "idt_1",
            "identity_type": "individual",
            "first_name": first,
            "last_name": last,
            "dob": dob,
        }))
    }

    /// A real hit: screen a listed individual's name from the sample list.
    fn hit_for(identity: &Identity, list: &SanctionsList) -> Hit {
        let screener = Screener::new(Arc::new(list.clone()), 0.85);
        let rec = crate::kyc::assessment::screen(identity, &screener);
        rec.hits
            .into_iter()
            .next()
            .expect("the sample list has a hit")
    }

    fn listed_individual(list: &SanctionsList) -> (String, String) {
        let e = list
            .entries()
            .iter()
            .find(|e| {
                e.kind == crate::kyc::screening::EntryKind::Individual && e.name.contains(", ")
            })
            .expect("an individual in the sample");
        let (last, first) = e.name.split_once(", ").expect("LAST, First");
        (first.to_owned(), last.to_owned())
    }

    /// The identity assessed against `list`, with exactly `hit`.
    fn assessed_with(id: &Identity, hit: &Hit, list: &SanctionsList) -> Assessment {
        let mut a = crate::kyc::assessment::assess(
            id,
            &crate::kyc::checks::DuplicateIndex::build(&[]),
            &crate::kyc::checks::HighRiskList::default(),
            chrono::NaiveDate::from_ymd_opt(2026, 11, 24).expect("date"),
            crate::kyc::assessment::screen(id, &Screener::new(Arc::new(list.clone()), 0.85)),
        );
        a.screening.hits = vec![hit.clone()];
        a
    }

    fn review(hash: &str, verdict: &str, entity: &str) -> HitReview {
        HitReview {
            installed_app_id: "app".into(),
            identity_id: "idt_1".into(),
            entity_id: entity.into(),
            fields_hash: hash.into(),
            verdict: verdict.into(),
            note: "checked".into(),
            reviewer: Some("u1".into()),
            at: 1,
        }
    }

    #[test]
    fn the_hash_is_stable_and_changes_with_either_side() {
        let list = list();
        let (first, last) = listed_individual(&list);
        let id = identity(&first, &last, "1970-01-01");
        let hit = hit_for(&id, &list);
        let h = fields_hash(&id, &hit, &list);
        assert_eq!(h, fields_hash(&id, &hit, &list));
        // Identity side: another date of birth.
        let other_dob = identity(&first, &last, "1980-05-05");
        assert_ne!(h, fields_hash(&other_dob, &hit, &list));
        // Identity side: the name.
        let other_name = identity(&format!("{first}x"), &last, "1970-01-01");
        assert_ne!(h, fields_hash(&other_name, &hit, &list));
        // List side: the entry gains an alias.
        let mut changed = list.clone();
        changed
            .entry_mut_for_tests(&hit.entity_id)
            .aliases
            .push(crate::kyc::screening::Alias {
                alias_id: "9".into(),
                alias_type: "aka".into(),
                name: "NEW ALIAS".into(),
            });
        assert_ne!(h, fields_hash(&id, &hit, &changed));
    }

    #[test]
    fn a_dismissal_holds_until_the_data_changes_then_reopens() {
        let list = list();
        let (first, last) = listed_individual(&list);
        let id = identity(&first, &last, "1970-01-01");
        let hit = hit_for(&id, &list);
        let a = assessed_with(&id, &hit, &list);

        let none = states(&id, &a, &[], &list);
        assert_eq!(none[0].1, HitState::Open);
        assert_eq!(open_count(&none), 1);
        assert_eq!(standing_count(&none), 1);

        let dismissed = review(&fields_hash(&id, &hit, &list), DISMISSED, &hit.entity_id);
        let s = states(&id, &a, std::slice::from_ref(&dismissed), &list);
        assert!(s[0].1.is_dismissed());
        assert_eq!(open_count(&s), 0);
        assert_eq!(standing_count(&s), 0);

        // The identity's date of birth changed: the same verdict no longer applies.
        let moved = identity(&first, &last, "1991-02-03");
        let s = states(&moved, &a, &[dismissed], &list);
        assert!(matches!(s[0].1, HitState::Reopened(_)));
        assert_eq!(open_count(&s), 1);
    }

    #[test]
    fn a_confirmed_hit_is_not_open_but_still_stands() {
        let list = list();
        let (first, last) = listed_individual(&list);
        let id = identity(&first, &last, "");
        let hit = hit_for(&id, &list);
        let a = assessed_with(&id, &hit, &list);
        let confirmed = review(&fields_hash(&id, &hit, &list), CONFIRMED, &hit.entity_id);
        let s = states(&id, &a, &[confirmed], &list);
        assert_eq!(open_count(&s), 0);
        assert_eq!(standing_count(&s), 1);
        // A verdict on another entry does not cover this hit.
        let other = review("x", DISMISSED, "some-other-entry");
        assert_eq!(open_count(&states(&id, &a, &[other], &list)), 1);
    }
}
