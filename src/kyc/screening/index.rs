//! Token index and candidate pre-filter.
//!
//! Every list name (primary and aliases, plus compound variants) is tokenised once. Each distinct
//! token keeps a posting list of the names containing it and a 32-bucket character histogram.
//!
//! For a query, each significant query token is compared with the distinct list tokens. A cheap upper
//! bound of Jaro-Winkler from the histograms (shared characters) and the common prefix skips most of
//! them; the rest get the exact Jaro-Winkler, and those at or above [`PAIR_MIN`] ("near" tokens) feed
//! their postings. A name becomes a candidate only if
//! - at least [`MIN_SIGNIFICANT_PAIRS`] different significant query tokens are near one of its
//!   significant tokens (a hit needs that many significant pairs), and
//! - an optimistic score bound (every query token paired at its best similarity, listed-side penalty
//!   ignored) reaches the threshold minus the largest DOB boost.
//!
//! Both conditions are necessary for a hit, so the index returns exactly the hits of a brute-force
//! scan (checked by tests), only faster.

use std::cell::RefCell;
use std::collections::HashMap;
use std::sync::OnceLock;

use super::jaro::{jaro_winkler, jaro_winkler_upper_bound, PREFIX_SCALE};
use super::list::{EntryKind, SanctionsList};
use super::matcher::{
    prepare, PartyKind, Tok, LISTED_UNMATCHED_PENALTY, MIN_SIGNIFICANT_PAIRS, PAIR_MIN,
    QUERY_UNMATCHED_PENALTY,
};
use super::normalize::name_variants;

/// One indexed list name.
#[derive(Debug, Clone)]
pub(crate) struct NameRecord {
    /// Index into the list's entries.
    pub entry: u32,
    /// Index into the entry's aliases (None = primary name).
    pub alias: Option<u32>,
    /// 0 = plain tokens, 1 = compound variant.
    pub variant: u8,
    pub tokens: Vec<Tok>,
    /// Token ids of `tokens`, in the same order.
    pub token_ids: Vec<u32>,
}

/// Distinct list tokens, stored column-wise so the pre-filter scan reads contiguous memory.
#[derive(Debug, Default)]
struct TokenTable {
    chars: Vec<Vec<char>>,
    /// First four characters (padded with a value no query character has).
    head: Vec<[u32; 4]>,
    len: Vec<u32>,
    significant: Vec<bool>,
    postings: Vec<Vec<u32>>,
    /// `by_char[bucket * MAX_REPEAT + k - 1]`: tokens with at least `k` characters in `bucket`.
    by_char: Vec<Vec<u32>>,
    /// Token text → token id.
    lookup: HashMap<String, u32>,
    /// Near tokens of each list token, computed the first time a query contains that token
    /// (query tokens spelled like a list token are common: `muhammad`, `ahmed`, `ltd`).
    near_memo: Vec<OnceLock<Vec<(u32, f64)>>>,
}

/// At most this many list tokens get their near lists when the index is built ...
const WARM_TOKENS: usize = 4_000;
/// ... and only tokens found in at least this many names.
const WARM_MIN_NAMES: usize = 4;

const TOKEN_PAD: u32 = u32::MAX;
const QUERY_PAD: u32 = u32::MAX - 1;
const BUCKETS: usize = 32;
/// Repeats of one character bucket tracked by `by_char`; more in a query token are added to every
/// token's shared count, which keeps the count an upper bound.
const MAX_REPEAT: usize = 8;

fn head(chars: &[char], pad: u32) -> [u32; 4] {
    let mut h = [pad; 4];
    for (slot, &c) in h.iter_mut().zip(chars) {
        *slot = c as u32;
    }
    h
}

fn bucket(c: char) -> usize {
    match c {
        'a'..='z' => c as usize - 'a' as usize,
        '0'..='9' => 26,
        _ => 27 + (c as usize % 5),
    }
}

fn histogram(chars: &[char]) -> [usize; BUCKETS] {
    let mut h = [0usize; BUCKETS];
    for &c in chars {
        h[bucket(c)] += 1;
    }
    h
}

/// For each common-prefix length p (0..=4): the Jaro-Winkler upper bound
/// `j + 0.1·p·(1 − j)` with `j = (c/la + c/lb + 1)/3` reaches PAIR_MIN iff
/// `c/la + c/lb ≥ 3·J(p) − 1` where `J(p) = (PAIR_MIN − 0.1p)/(1 − 0.1p)`; multiplied out:
/// `c·(la+lb) ≥ (3·J(p) − 1)·la·lb`. A small margin keeps the test conservative.
fn pair_limits() -> [f64; 5] {
    let mut k = [0.0; 5];
    for (p, slot) in k.iter_mut().enumerate() {
        let boost = PREFIX_SCALE * p as f64;
        let j = (PAIR_MIN - boost) / (1.0 - boost);
        *slot = 3.0 * j - 1.0 - 1e-9;
    }
    k
}

/// Near list tokens of one query token: (token id, similarity).
pub(crate) type NearList = Vec<(u32, f64)>;

/// Near list tokens per query token text.
pub(crate) type NearCache = HashMap<String, NearList>;

/// Per-thread scratch buffers, all zero between calls.
#[derive(Default)]
struct Scratch {
    shared: Vec<u16>,
    tok_sim: Vec<f64>,
    survivors: Vec<(u32, u32)>,
    acc_num: Vec<f64>,
    acc_w: Vec<f64>,
    sig: Vec<u8>,
    near_count: Vec<u8>,
    best: Vec<f64>,
    best_sig: Vec<bool>,
}

impl Scratch {
    fn fit(&mut self, names: usize, tokens: usize) {
        if self.shared.len() < tokens {
            self.shared.resize(tokens, 0);
            self.tok_sim.resize(tokens, 0.0);
        }
        if self.acc_num.len() < names {
            self.acc_num.resize(names, 0.0);
            self.acc_w.resize(names, 0.0);
            self.sig.resize(names, 0);
            self.near_count.resize(names, 0);
            self.best.resize(names, 0.0);
            self.best_sig.resize(names, false);
        }
    }
}

thread_local! {
    static SCRATCH: RefCell<Scratch> = RefCell::new(Scratch::default());
}

#[derive(Debug)]
pub(crate) struct ScreeningIndex {
    pub names: Vec<NameRecord>,
    kinds: Vec<EntryKind>,
    /// Total token weight of each name.
    listed_w: Vec<f64>,
    tokens: TokenTable,
}

impl ScreeningIndex {
    pub fn build(list: &SanctionsList) -> ScreeningIndex {
        let mut names = Vec::new();
        let mut kinds = Vec::new();
        let mut listed_w = Vec::new();
        let mut tokens = TokenTable {
            by_char: vec![Vec::new(); BUCKETS * MAX_REPEAT],
            ..TokenTable::default()
        };
        let mut lookup: HashMap<String, u32> = HashMap::new();

        for (ei, entry) in list.entries().iter().enumerate() {
            let all_names = std::iter::once((None, entry.name.as_str())).chain(
                entry
                    .aliases
                    .iter()
                    .enumerate()
                    .map(|(ai, a)| (Some(ai as u32), a.name.as_str())),
            );
            for (alias, name) in all_names {
                for (vi, toks) in name_variants(name, false).into_iter().enumerate() {
                    if toks.is_empty() {
                        continue;
                    }
                    let id = names.len() as u32;
                    let prepared = prepare(toks);
                    let mut token_ids = Vec::with_capacity(prepared.len());
                    for t in &prepared {
                        let tid = match lookup.get(&t.text) {
                            Some(&tid) => tid,
                            None => {
                                let tid = tokens.chars.len() as u32;
                                for (b, &count) in histogram(&t.chars).iter().enumerate() {
                                    for k in 0..count.min(MAX_REPEAT) {
                                        tokens.by_char[b * MAX_REPEAT + k].push(tid);
                                    }
                                }
                                tokens.chars.push(t.chars.clone());
                                tokens.head.push(head(&t.chars, TOKEN_PAD));
                                tokens.len.push(t.chars.len() as u32);
                                tokens.significant.push(t.is_significant());
                                tokens.postings.push(Vec::new());
                                lookup.insert(t.text.clone(), tid);
                                tid
                            }
                        };
                        token_ids.push(tid);
                        let postings = &mut tokens.postings[tid as usize];
                        if postings.last() != Some(&id) {
                            postings.push(id);
                        }
                    }
                    listed_w.push(prepared.iter().map(|t| t.weight).sum::<f64>());
                    names.push(NameRecord {
                        entry: ei as u32,
                        alias,
                        variant: vi.min(u8::MAX as usize) as u8,
                        tokens: prepared,
                        token_ids,
                    });
                    kinds.push(entry.kind);
                }
            }
        }
        tokens.near_memo = (0..tokens.chars.len()).map(|_| OnceLock::new()).collect();
        tokens.lookup = lookup;
        let index = ScreeningIndex {
            names,
            kinds,
            listed_w,
            tokens,
        };
        index.warm_common_tokens();
        index
    }

    /// Computes the near lists of the list tokens found in at least [`WARM_MIN_NAMES`] names
    /// (at most [`WARM_TOKENS`], most common first), on every core, so that the first identities
    /// screened do not pay for the common name parts (`muhammad`, `ali`, `al`, `abd`, `ltd`):
    /// each costs 0.1-0.5 ms the first time, and a long name made of them took over 2 ms on a
    /// fresh index. Other tokens are still computed on first use. On the 2021 OFAC list that
    /// is 3,553 of 19,698 tokens, and the index build takes about 0.6 s longer on 2 cores
    /// (0.14 s without): first-pass p99 2.17 ms → 1.61 ms, mean 0.52 → 0.39 ms.
    fn warm_common_tokens(&self) {
        let table = &self.tokens;
        let mut common: Vec<usize> = (0..table.chars.len())
            .filter(|&tid| table.significant[tid] && table.postings[tid].len() >= WARM_MIN_NAMES)
            .collect();
        common.sort_by_key(|&tid| std::cmp::Reverse(table.postings[tid].len()));
        common.truncate(WARM_TOKENS);
        if common.is_empty() {
            return;
        }
        let threads = std::thread::available_parallelism()
            .map(usize::from)
            .unwrap_or(1)
            .clamp(1, 8);
        let per_thread = common.len().div_ceil(threads);
        std::thread::scope(|scope| {
            for chunk in common.chunks(per_thread) {
                scope.spawn(move || {
                    let mut shared = vec![0u16; table.chars.len()];
                    let mut survivors = Vec::new();
                    for &tid in chunk {
                        let mut near = Vec::new();
                        self.near_tokens(&mut shared, &mut survivors, &table.chars[tid], &mut near);
                        let _ = table.near_memo[tid].set(near);
                    }
                });
            }
        });
    }

    /// List tokens whose near lists the index computes when it is built.
    pub fn warm_tokens(&self) -> usize {
        self.tokens
            .near_memo
            .iter()
            .filter(|m| m.get().is_some())
            .count()
    }

    /// Number of distinct tokens.
    pub fn distinct_tokens(&self) -> usize {
        self.tokens.chars.len()
    }

    /// Every name of a compatible kind (for the brute-force reference).
    pub fn all_names(&self, kind: PartyKind) -> Vec<u32> {
        (0..self.names.len() as u32)
            .filter(|&i| kind.accepts(self.kinds[i as usize]))
            .collect()
    }

    /// Names that can possibly score `min_score` or more against `query`, sorted by id.
    ///
    /// `cache` keeps near tokens per query token across calls (e.g. for the compound variant of
    /// the same query).
    pub fn candidates(
        &self,
        query: &[Tok],
        kind: PartyKind,
        min_score: f64,
        cache: &mut NearCache,
    ) -> Vec<u32> {
        SCRATCH.with(|cell| match cell.try_borrow_mut() {
            Ok(mut scratch) => self.candidates_with(&mut scratch, query, kind, min_score, cache),
            Err(_) => self.candidates_with(&mut Scratch::default(), query, kind, min_score, cache),
        })
    }

    /// Distinct list tokens whose Jaro-Winkler similarity to `q` is at least PAIR_MIN.
    fn near_tokens(
        &self,
        shared: &mut [u16],
        survivors: &mut Vec<(u32, u32)>,
        q: &[char],
        out: &mut Vec<(u32, f64)>,
    ) {
        let table = &self.tokens;
        let n_tokens = table.len.len();
        let la = q.len();
        let qh = histogram(q);
        // Count, for every list token, the characters it shares with q (bucket multiset
        // intersection), via the per-bucket repeat postings.
        let mut extra = 0usize;
        for (b, &count) in qh.iter().enumerate() {
            for k in 0..count.min(MAX_REPEAT) {
                for &tid in &table.by_char[b * MAX_REPEAT + k] {
                    shared[tid as usize] += 1;
                }
            }
            extra += count.saturating_sub(MAX_REPEAT);
        }
        let limits = pair_limits();
        let qhead = head(q, QUERY_PAD);
        let shared = &mut shared[..n_tokens];
        let lens = &table.len[..n_tokens];
        // Pass 1 (branch-free): keep tokens whose bound with the largest possible prefix reaches
        // PAIR_MIN. limits[4] is 1 − ε, so for integers the test is `c·(la+lb) ≥ la·lb`.
        survivors.clear();
        survivors.resize(n_tokens, (0, 0));
        let mut kept = 0usize;
        for tid in 0..n_tokens {
            let lb = lens[tid] as usize;
            let c = (shared[tid] as usize + extra).min(la).min(lb);
            shared[tid] = 0;
            survivors[kept] = (tid as u32, c as u32);
            kept += usize::from(c * (la + lb) >= la * lb);
        }
        survivors.truncate(kept);
        // Pass 2: exact prefix, prefix-specific bound, then Jaro-Winkler.
        for &(tid, c) in survivors.iter() {
            let (tid, c) = (tid as usize, c as usize);
            let lb = lens[tid] as usize;
            let th = &table.head[tid];
            let prefix = qhead.iter().zip(th).take_while(|(a, b)| a == b).count();
            let lhs = (c * (la + lb)) as f64;
            let rhs = (la * lb) as f64;
            if lhs < limits[prefix] * rhs {
                continue;
            }
            debug_assert!(jaro_winkler_upper_bound(c, la, lb, prefix) >= PAIR_MIN - 1e-9);
            let s = jaro_winkler(q, &table.chars[tid]);
            if s >= PAIR_MIN {
                out.push((tid as u32, s));
            }
        }
    }

    fn candidates_with(
        &self,
        scratch: &mut Scratch,
        query: &[Tok],
        kind: PartyKind,
        min_score: f64,
        cache: &mut NearCache,
    ) -> Vec<u32> {
        scratch.fit(self.names.len(), self.tokens.len.len());
        let total_w: f64 = query.iter().map(|t| t.weight).sum();
        // Non-significant query tokens are assumed to pair perfectly.
        let (opt_num, opt_w) = query
            .iter()
            .filter(|t| !t.is_significant())
            .fold((0.0, 0.0), |(a, b), t| (a + t.weight, b + t.weight));
        let optimistic_tokens = query.iter().filter(|t| !t.is_significant()).count();

        let Scratch {
            shared,
            tok_sim,
            survivors,
            acc_num,
            acc_w,
            sig,
            near_count,
            best,
            best_sig,
        } = scratch;
        let mut touched: Vec<u32> = Vec::new();
        let mut touched_q: Vec<u32> = Vec::new();
        // Near tokens of every significant query token (memoised for list tokens).
        let mut sig_tokens: Vec<(&Tok, NearList, usize)> = Vec::new();
        for q in query.iter().filter(|t| t.is_significant()) {
            let compute = || {
                let mut near = Vec::new();
                self.near_tokens(shared, survivors, &q.chars, &mut near);
                near
            };
            let near: &[(u32, f64)] = match self.tokens.lookup.get(&q.text) {
                Some(&tid) => self.tokens.near_memo[tid as usize].get_or_init(compute),
                None => cache.entry(q.text.clone()).or_insert_with(compute),
            };
            let volume = near
                .iter()
                .map(|&(tid, _)| self.tokens.postings[tid as usize].len())
                .sum();
            sig_tokens.push((q, near.to_vec(), volume));
        }

        // Skip the posting lists of the most common query tokens as long as a name matching only
        // those tokens (perfectly) still could not reach `min_score`: every candidate then matches
        // at least one of the other tokens, and the skipped tokens are checked on those names only.
        let mut order: Vec<usize> = (0..sig_tokens.len()).collect();
        order.sort_by(|&a, &b| sig_tokens[b].2.cmp(&sig_tokens[a].2).then(a.cmp(&b)));
        let mut skipped = vec![false; sig_tokens.len()];
        let mut skipped_w = 0.0;
        for &k in &order {
            let w = skipped_w + sig_tokens[k].0.weight;
            let paired = w + opt_w;
            let den = paired + QUERY_UNMATCHED_PENALTY * (total_w - paired).max(0.0);
            let only_these = if den > 0.0 { (w + opt_num) / den } else { 0.0 };
            if only_these + 1e-9 < min_score && skipped.iter().filter(|x| !**x).count() > 1 {
                skipped[k] = true;
                skipped_w = w;
            } else {
                break;
            }
        }

        for (k, (q, near, _)) in sig_tokens.iter().enumerate() {
            if skipped[k] {
                continue;
            }
            for &(tid, s) in near {
                let significant = self.tokens.significant[tid as usize];
                for &id in &self.tokens.postings[tid as usize] {
                    let i = id as usize;
                    if !kind.accepts(self.kinds[i]) {
                        continue;
                    }
                    if best[i] == 0.0 {
                        touched_q.push(id);
                    }
                    if s > best[i] {
                        best[i] = s;
                    }
                    if significant {
                        best_sig[i] = true;
                    }
                }
            }
            for id in touched_q.drain(..) {
                let i = id as usize;
                if acc_w[i] == 0.0 {
                    touched.push(id);
                }
                acc_num[i] += best[i] * q.weight;
                acc_w[i] += q.weight;
                near_count[i] = near_count[i].saturating_add(1);
                if best_sig[i] {
                    sig[i] = sig[i].saturating_add(1);
                }
                best[i] = 0.0;
                best_sig[i] = false;
            }
        }

        // The skipped tokens, checked directly on the names touched so far.
        for (k, (q, near, _)) in sig_tokens.iter().enumerate() {
            if !skipped[k] {
                continue;
            }
            for &(tid, s) in near {
                tok_sim[tid as usize] = s;
            }
            for &id in &touched {
                let i = id as usize;
                let mut b = 0.0f64;
                let mut b_sig = false;
                for &tid in &self.names[i].token_ids {
                    let s = tok_sim[tid as usize];
                    if s > 0.0 {
                        b = b.max(s);
                        b_sig |= self.tokens.significant[tid as usize];
                    }
                }
                if b > 0.0 {
                    acc_num[i] += b * q.weight;
                    acc_w[i] += q.weight;
                    near_count[i] = near_count[i].saturating_add(1);
                    if b_sig {
                        sig[i] = sig[i].saturating_add(1);
                    }
                }
            }
            for &(tid, _) in near {
                tok_sim[tid as usize] = 0.0;
            }
        }

        let mut out: Vec<u32> = Vec::new();
        for id in touched {
            let i = id as usize;
            if sig[i] as usize >= MIN_SIGNIFICANT_PAIRS {
                let paired_w = acc_w[i] + opt_w;
                // At most one listed token per pairable query token can be paired, each of weight
                // at most 1: the rest of the listed weight stays unpaired whatever the pairing.
                let pairable = near_count[i] as usize + optimistic_tokens;
                let listed_unpaired = (self.listed_w[i] - pairable as f64).max(0.0);
                let den = paired_w
                    + QUERY_UNMATCHED_PENALTY * (total_w - paired_w).max(0.0)
                    + LISTED_UNMATCHED_PENALTY * listed_unpaired;
                let bound = if den > 0.0 {
                    (acc_num[i] + opt_num) / den
                } else {
                    0.0
                };
                if bound + 1e-9 >= min_score {
                    out.push(id);
                }
            }
            acc_num[i] = 0.0;
            acc_w[i] = 0.0;
            sig[i] = 0;
            near_count[i] = 0;
        }
        out.sort_unstable();
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn near_lists_computed_with_the_index_are_the_ones_computed_on_first_use() {
        // `MUHAMMAD` and `AL` are in five names each; the other tokens in one.
        let sdn: String = ["ALI", "HASSAN", "OMAR", "KARIM", "YUSUF"]
            .iter()
            .enumerate()
            .map(|(i, n)| {
                format!(
                    "{},\"AL-{n}, MUHAMMAD {n}SON\",individual,SDGT,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- \n",
                    i + 1
                )
            })
            .collect();
        let index = ScreeningIndex::build(&SanctionsList::from_csv_strs(&sdn, None, "2026-01-01"));
        let table = &index.tokens;
        let warm: Vec<usize> = (0..table.chars.len())
            .filter(|&tid| table.near_memo[tid].get().is_some())
            .collect();
        assert_eq!(warm.len(), index.warm_tokens());
        let texts: Vec<String> = warm
            .iter()
            .map(|&t| table.chars[t].iter().collect())
            .collect();
        assert!(texts.contains(&"muhammad".to_owned()), "{texts:?}");
        for &tid in &warm {
            assert!(table.significant[tid] && table.postings[tid].len() >= WARM_MIN_NAMES);
            let mut shared = vec![0u16; table.chars.len()];
            let mut fresh = Vec::new();
            index.near_tokens(&mut shared, &mut Vec::new(), &table.chars[tid], &mut fresh);
            assert_eq!(table.near_memo[tid].get(), Some(&fresh), "token {tid}");
            // A token is always near itself.
            assert!(fresh.iter().any(|&(t, s)| t as usize == tid && s == 1.0));
        }
        // Rarer tokens are left for their first use.
        assert!((0..table.chars.len()).any(|tid| table.near_memo[tid].get().is_none()));
    }
}
