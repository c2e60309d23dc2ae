//! Name scoring and the [`Screener`].
//!
//! Score of a query name against one list name (primary name or alias, each also in a compound
//! variant, see [`normalize::name_variants`](super::normalize::name_variants)):
//!
//! 1. Every query token is compared with every listed token by Jaro-Winkler (an initial pairs with a
//!    token starting with the same letter at 0.90). Pairs below [`PAIR_MIN`] are ignored.
//! 2. Best pairs are taken greedily (highest similarity first, each token used once).
//! 3. `name_score = Σ s·w_q / (Σ_paired w_q + λq·Σ_unpaired-query w + λl·Σ_unpaired-listed w)` where
//!    `w` is the token weight (particles, legal forms and generic words weigh less), λq =
//!    [`QUERY_UNMATCHED_PENALTY`], λl = [`LISTED_UNMATCHED_PENALTY`].
//! 4. A hit needs at least [`MIN_SIGNIFICANT_PAIRS`] pairs of significant tokens: one-word names
//!    (or one word plus particles/initials/legal forms) never hit on their own.
//! 5. When both sides have a DOB (individuals only) the DOB adjustment is added (see
//!    [`dob_adjustment`]); the result is clamped to 0..1 and rounded to 4 decimals.

use std::cmp::Ordering;
use std::collections::HashMap;
use std::sync::Arc;

use chrono::{Datelike, NaiveDate};
use serde::{Deserialize, Serialize};

use super::index::{NearCache, ScreeningIndex};
use super::jaro::jaro_winkler;
use super::list::{DobSpec, EntryKind, SanctionsList};
use super::normalize::{classify, name_variants, TokenClass};

/// Identifies the matching algorithm and its parameters; recorded with every screening.
pub const ALGORITHM_VERSION: &str =
    "token-jw/1 (jw p=0.1; pair>=0.80; initial=0.90; lq=0.25; ll=0.15; min 2 significant pairs; dob +0.05/-0.10)";
/// Default hit threshold (`SCREENING_THRESHOLD`).
pub const DEFAULT_THRESHOLD: f64 = 0.85;
/// Token pairs below this Jaro-Winkler similarity are not paired.
pub const PAIR_MIN: f64 = 0.80;
/// Similarity of an initial to a token starting with the same letter.
pub const INITIAL_SCORE: f64 = 0.90;
/// Penalty weight of unpaired query tokens. Must be ≥ 1 − PAIR_MIN for the index bound to hold.
pub const QUERY_UNMATCHED_PENALTY: f64 = 0.25;
/// Penalty weight of unpaired listed tokens (lists often carry extra middle names and patronymics).
pub const LISTED_UNMATCHED_PENALTY: f64 = 0.15;
/// A hit needs at least this many pairs of significant tokens.
pub const MIN_SIGNIFICANT_PAIRS: usize = 2;
/// Largest DOB boost (exact date match).
pub const DOB_MAX_BOOST: f64 = 0.05;
/// DOB penalty for a clear mismatch.
pub const DOB_MISMATCH_PENALTY: f64 = -0.10;

/// The kind of party being screened.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum PartyKind {
    /// Screened against individuals only.
    Individual,
    /// Screened against entities, vessels and aircraft.
    Organization,
    /// Screened against everything.
    Unknown,
}

impl PartyKind {
    pub(crate) fn accepts(self, kind: EntryKind) -> bool {
        match self {
            PartyKind::Individual => kind == EntryKind::Individual,
            PartyKind::Organization => kind != EntryKind::Individual,
            PartyKind::Unknown => true,
        }
    }
}

/// One paired token of a hit.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TokenPair {
    /// Normalised query token.
    pub query: String,
    /// Normalised listed token.
    pub listed: String,
    /// Similarity, rounded to 4 decimals.
    pub score: f64,
}

/// A list entry whose name (or alias) scored at or above the threshold.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Hit {
    pub entity_id: String,
    /// The entry's primary name as listed.
    pub listed_name: String,
    /// The alias that matched, when the best match was an alias.
    pub matched_alias: Option<String>,
    pub programs: Vec<String>,
    /// Final score, 0..1, rounded to 4 decimals: `name_score + dob_adjustment`, clamped.
    pub score: f64,
    /// Name-only score, rounded to 4 decimals.
    pub name_score: f64,
    /// DOB adjustment (0 when either side has no DOB).
    pub dob_adjustment: f64,
    /// Which query token paired with which listed token.
    pub pairs: Vec<TokenPair>,
    /// Unpaired tokens: the query's first, then the listed name's.
    pub unmatched: Vec<String>,
}

/// A prepared (normalised, classified) token.
#[derive(Debug, Clone)]
pub(crate) struct Tok {
    pub text: String,
    pub chars: Vec<char>,
    pub class: TokenClass,
    pub weight: f64,
}

impl Tok {
    pub fn new(text: String) -> Tok {
        let class = classify(&text);
        Tok {
            chars: text.chars().collect(),
            weight: class.weight(),
            class,
            text,
        }
    }

    pub fn is_significant(&self) -> bool {
        self.class.is_significant()
    }
}

pub(crate) fn prepare(tokens: Vec<String>) -> Vec<Tok> {
    tokens.into_iter().map(Tok::new).collect()
}

/// Similarity of two prepared tokens.
pub(crate) fn token_similarity(a: &Tok, b: &Tok) -> f64 {
    if a.chars.len() == 1 || b.chars.len() == 1 {
        return match (a.chars.first(), b.chars.first()) {
            (Some(x), Some(y)) if x == y => {
                if a.chars.len() == b.chars.len() {
                    1.0
                } else {
                    INITIAL_SCORE
                }
            }
            _ => 0.0,
        };
    }
    jaro_winkler(&a.chars, &b.chars)
}

/// Result of comparing a query name with one listed name.
#[derive(Debug, Clone)]
pub(crate) struct NameScore {
    pub score: f64,
    /// (query index, listed index, similarity)
    pub pairs: Vec<(usize, usize, f64)>,
    pub significant_pairs: usize,
    pub unmatched_query: Vec<usize>,
    pub unmatched_listed: Vec<usize>,
}

/// Score a query name against a listed name (both prepared).
pub(crate) fn score_name(query: &[Tok], listed: &[Tok]) -> NameScore {
    let mut cands: Vec<(f64, usize, usize)> = Vec::with_capacity(query.len() * listed.len());
    for (i, q) in query.iter().enumerate() {
        for (j, l) in listed.iter().enumerate() {
            let s = token_similarity(q, l);
            if s >= PAIR_MIN {
                cands.push((s, i, j));
            }
        }
    }
    cands.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)).then(a.2.cmp(&b.2)));
    let mut q_used = vec![false; query.len()];
    let mut l_used = vec![false; listed.len()];
    let mut pairs = Vec::new();
    let mut num = 0.0;
    let mut den = 0.0;
    let mut significant_pairs = 0;
    for (s, i, j) in cands {
        if q_used[i] || l_used[j] {
            continue;
        }
        q_used[i] = true;
        l_used[j] = true;
        let w = query[i].weight;
        num += s * w;
        den += w;
        if query[i].is_significant() && listed[j].is_significant() {
            significant_pairs += 1;
        }
        pairs.push((i, j, s));
    }
    let unmatched_query: Vec<usize> = (0..query.len()).filter(|&i| !q_used[i]).collect();
    let unmatched_listed: Vec<usize> = (0..listed.len()).filter(|&j| !l_used[j]).collect();
    den += QUERY_UNMATCHED_PENALTY
        * unmatched_query
            .iter()
            .map(|&i| query[i].weight)
            .sum::<f64>();
    den += LISTED_UNMATCHED_PENALTY
        * unmatched_listed
            .iter()
            .map(|&j| listed[j].weight)
            .sum::<f64>();
    pairs.sort_by_key(|&(i, j, _)| (i, j));
    let score = if den > 0.0 { (num / den).min(1.0) } else { 0.0 };
    NameScore {
        score,
        pairs,
        significant_pairs,
        unmatched_query,
        unmatched_listed,
    }
}

/// DOB adjustment for a query DOB against the list's DOBs (the most favourable one counts).
///
/// Exact date +0.05; same month and year (month-only DOB) +0.04; same year (year-only DOB), inside a
/// range, or day/month swapped +0.03; within ±2 years of a `circa` year +0.02; same year but another
/// day 0; one year off −0.03; anything further −0.10. No list DOB → 0.
pub fn dob_adjustment(query: NaiveDate, list: &[DobSpec]) -> f64 {
    list.iter()
        .map(|spec| dob_adjustment_one(query, spec))
        .fold(None, |acc: Option<f64>, v| {
            Some(acc.map_or(v, |a| a.max(v)))
        })
        .unwrap_or(0.0)
}

fn dob_adjustment_one(q: NaiveDate, spec: &DobSpec) -> f64 {
    let by_year_gap = |gap: i32| -> f64 {
        if gap <= 1 {
            -0.03
        } else {
            DOB_MISMATCH_PENALTY
        }
    };
    match *spec {
        DobSpec::Date { date } => {
            if date == q {
                DOB_MAX_BOOST
            } else if date.year() == q.year() {
                if date.month() == q.day() && date.day() == q.month() {
                    0.03
                } else {
                    0.0
                }
            } else {
                by_year_gap((date.year() - q.year()).abs())
            }
        }
        DobSpec::Month { year, month } => {
            if year == q.year() && month == q.month() {
                0.04
            } else if year == q.year() {
                0.0
            } else {
                by_year_gap((year - q.year()).abs())
            }
        }
        DobSpec::Year { year } => {
            if year == q.year() {
                0.03
            } else {
                by_year_gap((year - q.year()).abs())
            }
        }
        DobSpec::Circa { year } => {
            let gap = (year - q.year()).abs();
            if gap <= 2 {
                0.02
            } else if gap <= 4 {
                0.0
            } else if gap <= 5 {
                -0.03
            } else {
                DOB_MISMATCH_PENALTY
            }
        }
        DobSpec::Range { from, to } => {
            if q >= from && q <= to {
                0.03
            } else {
                let gap_days = if q < from {
                    (from - q).num_days()
                } else {
                    (q - to).num_days()
                };
                if gap_days <= 366 {
                    0.0
                } else {
                    DOB_MISMATCH_PENALTY
                }
            }
        }
    }
}

pub(crate) fn round4(x: f64) -> f64 {
    (x * 10_000.0).round() / 10_000.0
}

/// Screens names against a [`SanctionsList`] using a token index.
#[derive(Debug)]
pub struct Screener {
    list: Arc<SanctionsList>,
    threshold: f64,
    index: ScreeningIndex,
}

/// The best match found so far for one entry.
struct Best {
    key: (f64, usize, u8, usize),
    name_id: u32,
    query_variant: usize,
    name: NameScore,
    score: f64,
    dob_adjustment: f64,
}

impl Screener {
    /// Build the index for `list`. A threshold outside 0..=1 (or NaN) falls back to the default.
    pub fn new(list: Arc<SanctionsList>, threshold: f64) -> Screener {
        let threshold = if (0.0..=1.0).contains(&threshold) {
            threshold
        } else {
            log::warn!("screening threshold {threshold} out of range; using {DEFAULT_THRESHOLD}");
            DEFAULT_THRESHOLD
        };
        let index = ScreeningIndex::build(&list);
        Screener {
            list,
            threshold,
            index,
        }
    }

    pub fn threshold(&self) -> f64 {
        self.threshold
    }

    pub fn list(&self) -> &Arc<SanctionsList> {
        &self.list
    }

    /// Number of distinct indexed tokens.
    pub fn indexed_tokens(&self) -> usize {
        self.index.distinct_tokens()
    }

    /// Number of common list tokens whose near tokens were computed with the index.
    pub fn warm_tokens(&self) -> usize {
        self.index.warm_tokens()
    }

    /// Number of indexed names (primary names and aliases, with compound variants).
    pub fn indexed_names(&self) -> usize {
        self.index.names.len()
    }

    /// Screen one party; hits at or above the threshold, best first.
    pub fn screen(&self, name: &str, dob: Option<NaiveDate>, kind: PartyKind) -> Vec<Hit> {
        self.run(name, dob, kind, self.threshold, false)
    }

    /// Like [`screen`](Self::screen) with another threshold (used by the evaluation sweep).
    pub fn screen_at(
        &self,
        name: &str,
        dob: Option<NaiveDate>,
        kind: PartyKind,
        threshold: f64,
    ) -> Vec<Hit> {
        self.run(name, dob, kind, threshold, false)
    }

    /// Reference implementation without the index: scores every list name. Same output as
    /// [`screen`](Self::screen), much slower; used by tests and the benchmark.
    pub fn screen_exhaustive(
        &self,
        name: &str,
        dob: Option<NaiveDate>,
        kind: PartyKind,
    ) -> Vec<Hit> {
        self.run(name, dob, kind, self.threshold, true)
    }

    fn run(
        &self,
        name: &str,
        dob: Option<NaiveDate>,
        kind: PartyKind,
        threshold: f64,
        exhaustive: bool,
    ) -> Vec<Hit> {
        let dob = if kind == PartyKind::Organization {
            None
        } else {
            dob
        };
        let variants: Vec<Vec<Tok>> = name_variants(name, true).into_iter().map(prepare).collect();
        let boost = if dob.is_some() { DOB_MAX_BOOST } else { 0.0 };
        let mut best: HashMap<u32, Best> = HashMap::new();
        let mut near_cache = NearCache::new();

        for (qv, query) in variants.iter().enumerate() {
            if query.iter().filter(|t| t.is_significant()).count() < MIN_SIGNIFICANT_PAIRS {
                continue;
            }
            let ids: Vec<u32> = if exhaustive {
                self.index.all_names(kind)
            } else {
                // Scores are rounded to 4 decimals: keep a small margin below the threshold.
                self.index
                    .candidates(query, kind, threshold - boost - 1e-3, &mut near_cache)
            };
            for id in ids {
                let Some(rec) = self.index.names.get(id as usize) else {
                    continue;
                };
                let ns = score_name(query, &rec.tokens);
                if ns.significant_pairs < MIN_SIGNIFICANT_PAIRS {
                    continue;
                }
                let Some(entry) = self.list.entries().get(rec.entry as usize) else {
                    continue;
                };
                let adj = match dob {
                    Some(d) if entry.kind == EntryKind::Individual && !entry.dobs.is_empty() => {
                        dob_adjustment(d, &entry.dobs)
                    }
                    _ => 0.0,
                };
                let score = round4((ns.score + adj).clamp(0.0, 1.0));
                if score + 1e-12 < threshold {
                    continue;
                }
                let alias_rank = rec.alias.map_or(0, |a| a as usize + 1);
                let key = (score, alias_rank, rec.variant, qv);
                let candidate = Best {
                    key,
                    name_id: id,
                    query_variant: qv,
                    name: ns,
                    score,
                    dob_adjustment: adj,
                };
                match best.get(&rec.entry) {
                    Some(b) if !better(&candidate.key, &b.key) => {}
                    _ => {
                        best.insert(rec.entry, candidate);
                    }
                }
            }
        }

        let mut hits: Vec<Hit> = best
            .into_values()
            .filter_map(|b| self.make_hit(&variants, b))
            .collect();
        hits.sort_by(|a, b| {
            b.score
                .total_cmp(&a.score)
                .then(a.entity_id.len().cmp(&b.entity_id.len()))
                .then(a.entity_id.cmp(&b.entity_id))
        });
        hits
    }

    fn make_hit(&self, variants: &[Vec<Tok>], b: Best) -> Option<Hit> {
        let rec = self.index.names.get(b.name_id as usize)?;
        let entry = self.list.entries().get(rec.entry as usize)?;
        let query = variants.get(b.query_variant)?;
        let matched_alias = rec
            .alias
            .and_then(|a| entry.aliases.get(a as usize))
            .map(|a| a.name.clone());
        let pairs = b
            .name
            .pairs
            .iter()
            .filter_map(|&(i, j, s)| {
                Some(TokenPair {
                    query: query.get(i)?.text.clone(),
                    listed: rec.tokens.get(j)?.text.clone(),
                    score: round4(s),
                })
            })
            .collect();
        let unmatched = b
            .name
            .unmatched_query
            .iter()
            .filter_map(|&i| query.get(i).map(|t| t.text.clone()))
            .chain(
                b.name
                    .unmatched_listed
                    .iter()
                    .filter_map(|&j| rec.tokens.get(j).map(|t| t.text.clone())),
            )
            .collect();
        Some(Hit {
            entity_id: entry.entity_id.clone(),
            listed_name: entry.name.clone(),
            matched_alias,
            programs: entry.programs.clone(),
            score: b.score,
            name_score: round4(b.name.score),
            dob_adjustment: round4(b.dob_adjustment),
            pairs,
            unmatched,
        })
    }
}

/// Higher score wins; on a tie the primary name beats aliases (lower alias index first), then the
/// plain variant beats the compound one, then the first query variant.
fn better(a: &(f64, usize, u8, usize), b: &(f64, usize, u8, usize)) -> bool {
    match a.0.total_cmp(&b.0) {
        Ordering::Greater => true,
        Ordering::Less => false,
        Ordering::Equal => (a.1, a.2, a.3) < (b.1, b.2, b.3),
    }
}
