//! Deterministic labelled evaluation set and precision/recall.
//!
//! Positives are list names (primary names or aliases of individuals and entities) altered the way
//! customer data differs from list data: one typo (substitution, deletion, insertion or adjacent
//! transposition), natural or surname-first order, added accents, a dropped middle name, lowercase
//! without punctuation, or combinations. Each positive expects its own entry among the hits. List
//! names with fewer than two significant tokens are not used (by design they can never hit).
//!
//! Negatives are generated innocent names (first/middle/last names from several cultures and
//! generated company names). A generated name whose normalised tokens equal a listed name's tokens
//! exactly is regenerated: it would be a genuine namesake, not an innocent.
//!
//! Metrics are query-level: a positive whose expected entry is hit is a true positive, otherwise a
//! false negative; a negative with any hit is a false positive. precision = TP / (TP + FP),
//! recall = TP / (TP + FN).

use std::collections::{BTreeMap, HashSet};

use chrono::NaiveDate;
use serde::Serialize;

use super::list::{DobSpec, EntryKind, ListEntry, SanctionsList};
use super::matcher::{PartyKind, Screener};
use super::normalize::{classify, normalize_name};

/// One labelled query.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LabelledQuery {
    pub name: String,
    pub dob: Option<NaiveDate>,
    pub kind: PartyKind,
    /// The entity that must be hit (None for negatives).
    pub expected: Option<String>,
    /// How the positive was derived (`typo`, `reorder`, ...) or `negative`.
    pub variant: String,
}

/// Recall for one kind of alteration.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct VariantRecall {
    pub variant: String,
    pub total: usize,
    pub found: usize,
    pub recall: f64,
}

/// Precision/recall at one threshold.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct EvalReport {
    pub threshold: f64,
    pub positives: usize,
    pub negatives: usize,
    pub true_positives: usize,
    pub false_negatives: usize,
    pub false_positives: usize,
    pub true_negatives: usize,
    pub precision: f64,
    pub recall: f64,
    pub f1: f64,
    /// Positives that also hit some other entry (e.g. relatives or namesakes on the list).
    pub positives_with_other_hits: usize,
    pub per_variant: Vec<VariantRecall>,
    /// Up to 20 missed positives (`query → expected entity`), for inspection.
    pub missed_examples: Vec<String>,
    /// Up to 20 false positives (`query → hit entity (score)`), for inspection.
    pub false_positive_examples: Vec<String>,
}

/// SplitMix64: small, fast, deterministic.
#[derive(Debug, Clone)]
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Rng {
        Rng(seed)
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in 0..n (n > 0; returns 0 for n == 0).
    pub fn below(&mut self, n: usize) -> usize {
        if n == 0 {
            0
        } else {
            (self.next_u64() % n as u64) as usize
        }
    }

    pub fn chance(&mut self, percent: u64) -> bool {
        self.next_u64() % 100 < percent
    }

    pub fn pick<'a, T>(&mut self, items: &'a [T]) -> Option<&'a T> {
        items.get(self.below(items.len()))
    }
}

const FIRST_NAMES: &[&str] = &[
    "James",
    "Mary",
    "Robert",
    "Patricia",
    "John",
    "Jennifer",
    "Michael",
    "Linda",
    "David",
    "Elizabeth",
    "William",
    "Barbara",
    "Richard",
    "Susan",
    "Joseph",
    "Jessica",
    "Thomas",
    "Sarah",
    "Charles",
    "Karen",
    "Daniel",
    "Nancy",
    "Matthew",
    "Lisa",
    "Emma",
    "Olivia",
    "Lukas",
    "Sophie",
    "Jonas",
    "Hannah",
    "Pierre",
    "Camille",
    "Louis",
    "Chloé",
    "Giulia",
    "Marco",
    "Francesca",
    "Luca",
    "Alejandro",
    "Sofía",
    "Javier",
    "Lucía",
    "João",
    "Ana",
    "Pedro",
    "Beatriz",
    "Piotr",
    "Agnieszka",
    "Tomasz",
    "Katarzyna",
    "Priya",
    "Rahul",
    "Ananya",
    "Arjun",
    "Wei",
    "Mei",
    "Haruto",
    "Yuki",
    "Sakura",
    "Min-jun",
    "Seo-yeon",
    "Chinedu",
    "Ngozi",
    "Emeka",
    "Kwame",
    "Ama",
    "Mehmet",
    "Elif",
    "Ayşe",
    "Emre",
    "Omar",
    "Layla",
    "Youssef",
    "Fatima",
    "Karim",
    "Nadia",
    "Lars",
    "Ingrid",
    "Sven",
    "Astrid",
    "Olga",
    "Ivan",
    "Natalia",
    "Mikhail",
    "Oksana",
    "Bogdan",
];

const SURNAMES: &[&str] = &[
    "Smith",
    "Johnson",
    "Williams",
    "Brown",
    "Jones",
    "Miller",
    "Davis",
    "Wilson",
    "Anderson",
    "Taylor",
    "Moore",
    "Martin",
    "Jackson",
    "Thompson",
    "White",
    "Harris",
    "Clark",
    "Lewis",
    "Walker",
    "Müller",
    "Schmidt",
    "Schneider",
    "Fischer",
    "Weber",
    "Becker",
    "Dubois",
    "Lefèvre",
    "Moreau",
    "Laurent",
    "Rossi",
    "Russo",
    "Ferrari",
    "Esposito",
    "Bianchi",
    "García",
    "Fernández",
    "González",
    "Rodríguez",
    "López",
    "Martínez",
    "Silva",
    "Santos",
    "Oliveira",
    "Pereira",
    "Kowalski",
    "Nowak",
    "Wiśniewski",
    "Patel",
    "Sharma",
    "Gupta",
    "Iyer",
    "Wang",
    "Zhang",
    "Liu",
    "Chen",
    "Yamamoto",
    "Suzuki",
    "Takahashi",
    "Kim",
    "Park",
    "Okafor",
    "Adeyemi",
    "Mensah",
    "Boateng",
    "Yılmaz",
    "Kaya",
    "Demir",
    "Mansour",
    "Khalil",
    "Saleh",
    "Farouk",
    "Andersson",
    "Lindqvist",
    "Hansen",
    "Petrov",
    "Ivanova",
    "Shevchenko",
    "Novak",
    "O'Connor",
    "Van der Berg",
];

const ORG_WORDS: &[&str] = &[
    "Blue",
    "River",
    "Northern",
    "Star",
    "Green",
    "Valley",
    "Summit",
    "Atlas",
    "Harbor",
    "Maple",
    "Silver",
    "Oak",
    "Bright",
    "Coastal",
    "Pioneer",
    "Cedar",
    "Falcon",
    "Granite",
    "Horizon",
    "Lakeside",
    "Meadow",
    "Orchid",
    "Prairie",
    "Quarry",
    "Redwood",
    "Sunrise",
    "Tidewater",
    "Unity",
    "Vertex",
    "Willow",
];

const ORG_GENERIC: &[&str] = &[
    "Logistics",
    "Consulting",
    "Foods",
    "Textiles",
    "Software",
    "Partners",
    "Trading",
    "Holdings",
    "Capital",
    "Energy",
    "Shipping",
    "Bakery",
    "Dental",
    "Media",
    "Builders",
];

const ORG_LEGAL: &[&str] = &["Ltd", "LLC", "GmbH", "S.A.", "Inc.", "PLC", "B.V.", ""];

const VARIANTS: &[&str] = &[
    "typo",
    "reorder",
    "accents",
    "typo+reorder",
    "omit-middle",
    "alias-typo",
    "lowercase-nopunct",
];

fn significant_count(name: &str) -> usize {
    normalize_name(name, false)
        .iter()
        .filter(|t| classify(t).is_significant())
        .count()
}

fn token_key(name: &str) -> String {
    let mut t = normalize_name(name, false);
    t.sort();
    t.join(" ")
}

/// Words of a list name in natural order (`LAST, First Middle` → `First Middle LAST`).
fn natural_words(name: &str, individual: bool) -> Vec<String> {
    if !individual {
        return name.split_whitespace().map(str::to_string).collect();
    }
    let parts: Vec<&str> = name.split(',').map(str::trim).collect();
    let ordered: Vec<&str> = if parts.len() == 2 && !parts[1].is_empty() {
        vec![parts[1], parts[0]]
    } else {
        parts
    };
    ordered
        .iter()
        .flat_map(|p| p.split_whitespace())
        .map(str::to_string)
        .collect()
}

fn title_case(word: &str) -> String {
    let mut out = String::new();
    let mut start = true;
    for c in word.chars() {
        if start {
            out.extend(c.to_uppercase());
        } else {
            out.extend(c.to_lowercase());
        }
        start = !c.is_alphabetic();
    }
    out
}

/// Apply one typo to a word (letters only; keeps case of neighbours simple by working lowercase).
fn typo(word: &str, rng: &mut Rng) -> String {
    let mut chars: Vec<char> = word.to_lowercase().chars().collect();
    let letters: Vec<usize> = (0..chars.len())
        .filter(|&i| chars[i].is_alphabetic())
        .collect();
    if letters.len() < 3 {
        return title_case(word);
    }
    let pos = letters[rng.below(letters.len())];
    let letter = (b'a' + rng.below(26) as u8) as char;
    match rng.below(4) {
        0 => chars[pos] = if chars[pos] == letter { 'x' } else { letter },
        1 => {
            chars.remove(pos);
        }
        2 => chars.insert(pos, letter),
        _ => {
            let p = if pos + 1 < chars.len() { pos } else { pos - 1 };
            chars.swap(p, p + 1);
        }
    }
    title_case(&chars.into_iter().collect::<String>())
}

fn accent(word: &str, rng: &mut Rng) -> String {
    let table: &[(char, &[char])] = &[
        ('a', &['á', 'à', 'ä', 'â', 'å']),
        ('e', &['é', 'è', 'ë', 'ê']),
        ('i', &['í', 'ï', 'î']),
        ('o', &['ó', 'ö', 'ø', 'ô']),
        ('u', &['ú', 'ü', 'û']),
        ('n', &['ñ']),
        ('c', &['ç', 'č']),
        ('s', &['š', 'ş']),
        ('z', &['ž']),
        ('y', &['ý']),
    ];
    let mut chars: Vec<char> = title_case(word).chars().collect();
    let positions: Vec<usize> = (0..chars.len())
        .filter(|&i| {
            table
                .iter()
                .any(|(c, _)| *c == chars[i].to_ascii_lowercase())
        })
        .collect();
    let changes = 1 + rng.below(2);
    for _ in 0..changes {
        let Some(&pos) = rng.pick(&positions) else {
            break;
        };
        let base = chars[pos].to_ascii_lowercase();
        if let Some((_, options)) = table.iter().find(|(c, _)| *c == base) {
            if let Some(&acc) = rng.pick(options) {
                chars[pos] = if chars[pos].is_uppercase() {
                    acc.to_uppercase().next().unwrap_or(acc)
                } else {
                    acc
                };
            }
        }
    }
    chars.into_iter().collect()
}

/// Index of a word worth altering (a significant one with ≥ 4 letters if possible).
fn pick_word(words: &[String], rng: &mut Rng) -> usize {
    let good: Vec<usize> = (0..words.len())
        .filter(|&i| {
            let n = normalize_name(&words[i], false);
            n.iter()
                .any(|t| classify(t).is_significant() && t.chars().count() >= 4)
        })
        .collect();
    match rng.pick(&good) {
        Some(&i) => i,
        None => rng.below(words.len()),
    }
}

fn positive(entry: &ListEntry, variant: &str, rng: &mut Rng) -> (String, String) {
    let individual = entry.kind == EntryKind::Individual;
    let mut variant = variant.to_string();
    let mut source = entry.name.clone();
    if variant == "alias-typo" {
        let aliases: Vec<&str> = entry
            .aliases
            .iter()
            .map(|a| a.name.as_str())
            .filter(|n| significant_count(n) >= 2)
            .collect();
        match rng.pick(&aliases) {
            Some(a) => source = a.to_string(),
            None => variant = "typo".to_string(),
        }
    }
    let mut words: Vec<String> = natural_words(&source, individual)
        .iter()
        .map(|w| if individual { title_case(w) } else { w.clone() })
        .collect();
    if words.is_empty() {
        return (source, variant);
    }
    match variant.as_str() {
        "typo" | "alias-typo" => {
            let i = pick_word(&words, rng);
            words[i] = typo(&words[i], rng);
        }
        "reorder" => reorder(&mut words, individual, rng),
        "accents" => {
            let i = pick_word(&words, rng);
            words[i] = accent(&words[i], rng);
            if rng.chance(50) {
                let j = pick_word(&words, rng);
                words[j] = accent(&words[j], rng);
            }
        }
        "typo+reorder" => {
            let i = pick_word(&words, rng);
            words[i] = typo(&words[i], rng);
            reorder(&mut words, individual, rng);
        }
        "omit-middle" => {
            let middle: Vec<usize> = (1..words.len().saturating_sub(1))
                .filter(|&i| classify(&words[i].to_lowercase()).is_significant())
                .collect();
            if individual && words.len() >= 4 && !middle.is_empty() {
                let i = middle[rng.below(middle.len())];
                words.remove(i);
            } else {
                variant = "typo".to_string();
                let i = pick_word(&words, rng);
                words[i] = typo(&words[i], rng);
            }
        }
        _ => {
            // lowercase without punctuation
            words = words
                .iter()
                .map(|w| {
                    w.to_lowercase()
                        .chars()
                        .map(|c| if c.is_alphanumeric() { c } else { ' ' })
                        .collect::<String>()
                })
                .collect();
        }
    }
    let name = words
        .join(" ")
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ");
    (name, variant)
}

fn reorder(words: &mut Vec<String>, individual: bool, rng: &mut Rng) {
    if words.len() < 2 {
        return;
    }
    if individual {
        // Surname first, without a comma.
        if let Some(last) = words.pop() {
            words.insert(0, last);
        }
    } else {
        let i = rng.below(words.len() - 1);
        words.swap(i, i + 1);
    }
}

fn random_dob(rng: &mut Rng) -> Option<NaiveDate> {
    let year = 1940 + rng.below(61) as i32;
    let month = 1 + rng.below(12) as u32;
    let day = 1 + rng.below(28) as u32;
    NaiveDate::from_ymd_opt(year, month, day)
}

fn negative(rng: &mut Rng) -> (String, PartyKind) {
    if rng.chance(80) {
        let first = rng.pick(FIRST_NAMES).copied().unwrap_or("Alex");
        let last = rng.pick(SURNAMES).copied().unwrap_or("Doe");
        let name = if rng.chance(30) {
            let middle = rng.pick(FIRST_NAMES).copied().unwrap_or("Lee");
            format!("{first} {middle} {last}")
        } else {
            format!("{first} {last}")
        };
        (name, PartyKind::Individual)
    } else {
        let a = rng.pick(ORG_WORDS).copied().unwrap_or("Blue");
        let b = rng.pick(ORG_WORDS).copied().unwrap_or("River");
        let g = rng.pick(ORG_GENERIC).copied().unwrap_or("Trading");
        let l = rng.pick(ORG_LEGAL).copied().unwrap_or("");
        let name = format!("{a} {b} {g} {l}").trim().to_string();
        (name, PartyKind::Organization)
    }
}

/// Generate `positives` + `negatives` labelled queries from `list`, deterministically for a seed.
pub fn labelled_set(
    list: &SanctionsList,
    positives: usize,
    negatives: usize,
    seed: u64,
) -> Vec<LabelledQuery> {
    let mut rng = Rng::new(seed);
    let eligible: Vec<&ListEntry> = list
        .entries()
        .iter()
        .filter(|e| matches!(e.kind, EntryKind::Individual | EntryKind::Entity))
        .filter(|e| significant_count(&e.name) >= 2)
        .collect();
    let mut out = Vec::with_capacity(positives + negatives);
    if !eligible.is_empty() {
        for k in 0..positives {
            let Some(entry) = rng.pick(&eligible).copied() else {
                break;
            };
            let wanted = VARIANTS[k % VARIANTS.len()];
            let (name, variant) = positive(entry, wanted, &mut rng);
            let individual = entry.kind == EntryKind::Individual;
            let dob = if individual && rng.chance(50) {
                entry.dobs.iter().find_map(|d| match d {
                    DobSpec::Date { date } => Some(*date),
                    _ => None,
                })
            } else {
                None
            };
            out.push(LabelledQuery {
                name,
                dob,
                kind: if individual {
                    PartyKind::Individual
                } else {
                    PartyKind::Organization
                },
                expected: Some(entry.entity_id.clone()),
                variant,
            });
        }
    }

    let listed: HashSet<String> = list
        .entries()
        .iter()
        .flat_map(|e| std::iter::once(&e.name).chain(e.aliases.iter().map(|a| &a.name)))
        .map(|n| token_key(n))
        .collect();
    let mut made = 0;
    let mut attempts = 0;
    while made < negatives && attempts < negatives * 20 + 100 {
        attempts += 1;
        let (name, kind) = negative(&mut rng);
        if listed.contains(&token_key(&name)) {
            continue;
        }
        let dob = if kind == PartyKind::Individual && rng.chance(50) {
            random_dob(&mut rng)
        } else {
            None
        };
        out.push(LabelledQuery {
            name,
            dob,
            kind,
            expected: None,
            variant: "negative".to_string(),
        });
        made += 1;
    }
    out
}

/// Precision/recall of `screener` (at its own threshold) on `set`.
pub fn evaluate(screener: &Screener, set: &[LabelledQuery]) -> EvalReport {
    let t = screener.threshold();
    evaluate_sweep(screener, set, &[t])
        .into_iter()
        .next()
        .unwrap_or_else(|| empty_report(t))
}

fn empty_report(threshold: f64) -> EvalReport {
    EvalReport {
        threshold,
        positives: 0,
        negatives: 0,
        true_positives: 0,
        false_negatives: 0,
        false_positives: 0,
        true_negatives: 0,
        precision: 0.0,
        recall: 0.0,
        f1: 0.0,
        positives_with_other_hits: 0,
        per_variant: Vec::new(),
        missed_examples: Vec::new(),
        false_positive_examples: Vec::new(),
    }
}

/// Precision/recall at several thresholds (one screening per query, at the lowest threshold).
pub fn evaluate_sweep(
    screener: &Screener,
    set: &[LabelledQuery],
    thresholds: &[f64],
) -> Vec<EvalReport> {
    let min_t = thresholds.iter().copied().fold(f64::INFINITY, f64::min);
    if !min_t.is_finite() {
        return Vec::new();
    }
    let results: Vec<Vec<(String, f64)>> = set
        .iter()
        .map(|q| {
            screener
                .screen_at(&q.name, q.dob, q.kind, min_t)
                .into_iter()
                .map(|h| (h.entity_id, h.score))
                .collect()
        })
        .collect();

    thresholds
        .iter()
        .map(|&t| {
            let mut r = empty_report(t);
            let mut per: BTreeMap<String, (usize, usize)> = BTreeMap::new();
            for (q, hits) in set.iter().zip(&results) {
                let hits: Vec<&(String, f64)> = hits.iter().filter(|(_, s)| *s >= t).collect();
                match &q.expected {
                    Some(expected) => {
                        r.positives += 1;
                        let found = hits.iter().any(|(id, _)| id == expected);
                        let e = per.entry(q.variant.clone()).or_insert((0, 0));
                        e.0 += 1;
                        if found {
                            e.1 += 1;
                            r.true_positives += 1;
                        } else {
                            r.false_negatives += 1;
                            if r.missed_examples.len() < 20 {
                                r.missed_examples
                                    .push(format!("{} → {} ({})", q.name, expected, q.variant));
                            }
                        }
                        if hits.iter().any(|(id, _)| id != expected) {
                            r.positives_with_other_hits += 1;
                        }
                    }
                    None => {
                        r.negatives += 1;
                        if let Some((id, score)) = hits.first() {
                            r.false_positives += 1;
                            if r.false_positive_examples.len() < 20 {
                                r.false_positive_examples
                                    .push(format!("{} → {} ({:.4})", q.name, id, score));
                            }
                        } else {
                            r.true_negatives += 1;
                        }
                    }
                }
            }
            let ratio = |a: usize, b: usize| if b == 0 { 0.0 } else { a as f64 / b as f64 };
            r.precision = ratio(r.true_positives, r.true_positives + r.false_positives);
            r.recall = ratio(r.true_positives, r.positives);
            r.f1 = if r.precision + r.recall > 0.0 {
                2.0 * r.precision * r.recall / (r.precision + r.recall)
            } else {
                0.0
            };
            r.per_variant = per
                .into_iter()
                .map(|(variant, (total, found))| VariantRecall {
                    variant,
                    total,
                    found,
                    recall: ratio(found, total),
                })
                .collect();
            r
        })
        .collect()
}
