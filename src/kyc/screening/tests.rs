//! Unit tests for sanctions screening. Tests that need the full OFAC 2021 list read it from
//! `SCREENING_FULL_LIST_DIR` or `<crate>/../shared/data/ofac-sdn-2021` and are skipped (with a note)
//! when it is absent.

use std::path::{Path, PathBuf};
use std::sync::{Arc, OnceLock};

use chrono::NaiveDate;

use super::eval::{evaluate, evaluate_sweep, labelled_set, Rng};
use super::jaro::{jaro, jaro_winkler, jaro_winkler_str, jaro_winkler_upper_bound};
use super::list::{parse_dob, parse_programs};
use super::normalize::{classify, fold, name_variants, normalize_name, TokenClass};
use super::*;

fn r4(x: f64) -> f64 {
    (x * 10_000.0).round() / 10_000.0
}

fn date(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap()
}

fn sample() -> &'static Screener {
    static S: OnceLock<Screener> = OnceLock::new();
    S.get_or_init(|| Screener::new(Arc::new(SanctionsList::bundled_sample()), DEFAULT_THRESHOLD))
}

fn ids(hits: &[Hit]) -> Vec<&str> {
    hits.iter().map(|h| h.entity_id.as_str()).collect()
}

fn top(name: &str, dob: Option<NaiveDate>, kind: PartyKind) -> Option<Hit> {
    sample().screen(name, dob, kind).into_iter().next()
}

/// A scratch directory under the system temp dir, unique per test.
fn temp_dir(tag: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!(
        "blnk-screening-test-{}-{}",
        std::process::id(),
        tag
    ));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

// ---------------------------------------------------------------- Jaro-Winkler

#[test]
fn jaro_winkler_standard_values() {
    assert_eq!(r4(jaro_winkler_str("MARTHA", "MARHTA")), 0.9611);
    assert_eq!(r4(jaro_winkler_str("DWAYNE", "DUANE")), 0.84);
    assert_eq!(r4(jaro_winkler_str("DIXON", "DICKSONX")), 0.8133);
    let c = |s: &str| s.chars().collect::<Vec<_>>();
    assert_eq!(r4(jaro(&c("MARTHA"), &c("MARHTA"))), 0.9444);
    assert_eq!(r4(jaro(&c("DWAYNE"), &c("DUANE"))), 0.8222);
    assert_eq!(r4(jaro(&c("DIXON"), &c("DICKSONX"))), 0.7667);
}

#[test]
fn jaro_winkler_edge_cases() {
    assert_eq!(jaro_winkler_str("", ""), 1.0);
    assert_eq!(jaro_winkler_str("abc", ""), 0.0);
    assert_eq!(jaro_winkler_str("abc", "abc"), 1.0);
    assert_eq!(jaro_winkler_str("abc", "xyz"), 0.0);
    // Symmetric.
    for (a, b) in [
        ("volkanov", "wolkanow"),
        ("crate", "trace"),
        ("ab", "ba"),
        ("a", "ab"),
    ] {
        assert_eq!(jaro_winkler_str(a, b), jaro_winkler_str(b, a), "{a}/{b}");
    }
    // Long inputs use the heap path.
    let long_a = "a".repeat(100) + "b";
    let long_b = "a".repeat(100) + "c";
    let s = jaro_winkler_str(&long_a, &long_b);
    assert!(s > 0.98 && s < 1.0, "{s}");
}

#[test]
fn jaro_winkler_upper_bound_never_underestimates() {
    let mut rng = Rng::new(7);
    let alphabet: Vec<char> = "aeinorstlmkb".chars().collect();
    for _ in 0..20_000 {
        let word = |rng: &mut Rng| -> Vec<char> {
            let n = 1 + rng.below(9);
            (0..n)
                .map(|_| alphabet[rng.below(alphabet.len())])
                .collect()
        };
        let a = word(&mut rng);
        let b = word(&mut rng);
        let common: usize = alphabet
            .iter()
            .map(|c| {
                let x = a.iter().filter(|y| *y == c).count();
                let y = b.iter().filter(|y| *y == c).count();
                x.min(y)
            })
            .sum();
        let prefix = super::jaro::common_prefix(&a, &b);
        let ub = jaro_winkler_upper_bound(common, a.len(), b.len(), prefix);
        let jw = jaro_winkler(&a, &b);
        assert!(ub + 1e-12 >= jw, "{a:?} {b:?}: ub {ub} < jw {jw}");
    }
}

// ---------------------------------------------------------------- normalisation

#[test]
fn folds_case_and_diacritics() {
    assert_eq!(normalize_name("Straße", true), vec!["strasse"]);
    assert_eq!(normalize_name("Ærø Øresund", true), vec!["aero", "oresund"]);
    assert_eq!(normalize_name("Łódź", true), vec!["lodz"]);
    assert_eq!(
        normalize_name("Nguyễn Thị Đào", true),
        vec!["nguyen", "thi", "dao"]
    );
    assert_eq!(
        normalize_name("Ștefan Țiriac", true),
        vec!["stefan", "tiriac"]
    );
    assert_eq!(normalize_name("Œuvre Þór", true), vec!["oeuvre", "thor"]);
    assert_eq!(
        normalize_name("Jose\u{301} Nun\u{303}ez", true),
        vec!["jose", "nunez"]
    );
    assert_eq!(
        normalize_name("ÅSA BÄCKSTRÖM", true),
        vec!["asa", "backstrom"]
    );
    assert_eq!(fold("Müller"), "muller");
    // Non-Latin letters are kept (lowercased), not dropped.
    assert_eq!(normalize_name("Владимир", true), vec!["владимир"]);
}

#[test]
fn handles_punctuation_hyphens_and_abbreviations() {
    assert_eq!(normalize_name("O'Brien", true), vec!["obrien"]);
    assert_eq!(normalize_name("O’Brien", true), vec!["obrien"]);
    assert_eq!(
        normalize_name("MÜLLER-GRÜNEWALD, Jürgen", true),
        vec!["jurgen", "muller", "grunewald"]
    );
    assert_eq!(
        normalize_name("BANCO AURORA DEL CARIBE S.A.", true),
        vec!["banco", "aurora", "del", "caribe", "sa"]
    );
    assert_eq!(
        normalize_name("GOLDEN CRESCENT GENERAL TRADING L.L.C.", true),
        vec!["golden", "crescent", "general", "trading", "llc"]
    );
    assert_eq!(normalize_name("J. R. Smith", true), vec!["j", "r", "smith"]);
    assert_eq!(normalize_name("J. R. Smith", false), vec!["smith"]);
    assert!(normalize_name("  ,;  ", true).is_empty());
}

#[test]
fn reorders_last_comma_first() {
    assert_eq!(
        normalize_name("VOLKANOV, Dragomir Ilyich", true),
        vec!["dragomir", "ilyich", "volkanov"]
    );
    // A legal form after the comma is not a first name.
    assert_eq!(
        normalize_name("ANGLO-CARIBBEAN CO., LTD.", true),
        vec!["anglo", "caribbean", "co", "ltd"]
    );
    // More than one comma: order kept.
    assert_eq!(normalize_name("A, B, C", true), vec!["a", "b", "c"]);
}

#[test]
fn compound_variants() {
    assert_eq!(
        name_variants("AL-RASHIDI, Tariq Hamdan", false),
        vec![
            vec!["tariq", "hamdan", "al", "rashidi"],
            vec!["tariq", "hamdan", "alrashidi"]
        ]
    );
    assert_eq!(
        name_variants("Usama bin Laden", true),
        vec![vec!["usama", "bin", "laden"], vec!["usama", "binladen"]]
    );
    assert_eq!(name_variants("John Smith", true).len(), 1);
}

#[test]
fn token_classes() {
    assert_eq!(classify("al"), TokenClass::Particle);
    assert_eq!(classify("ltd"), TokenClass::LegalForm);
    assert_eq!(classify("trading"), TokenClass::Generic);
    assert_eq!(classify("the"), TokenClass::Stopword);
    assert_eq!(classify("j"), TokenClass::Initial);
    assert_eq!(classify("volkanov"), TokenClass::Significant);
}

// ---------------------------------------------------------------- list loading

#[test]
fn bundled_sample_loads_with_broken_row_reported() {
    let list = SanctionsList::bundled_sample();
    assert_eq!(list.len(), 38);
    assert!(!list.is_empty());
    let r = list.report();
    assert_eq!(r.entries, 38);
    assert_eq!(r.aliases, 18);
    assert_eq!(r.skipped, 0);
    assert_eq!(r.bad_rows.len(), 1, "{:?}", r.bad_rows);
    let (file, line, reason) = &r.bad_rows[0];
    assert_eq!((file.as_str(), *line), ("sdn.csv", 38));
    assert!(reason.starts_with("recovered:"), "{reason}");
    let broken = list.get("9113").unwrap();
    assert_eq!(broken.name, "BROKEN \"QUOTE\" EXPORTS");
    assert_eq!(broken.programs, vec!["SDGT"]);
    assert!(list.version().starts_with("sha256:"));
    assert!(list.version().ends_with("@bundled"));
    assert_eq!(list.file_date(), "bundled");
    assert_eq!(list.content_hash().len(), 64);
}

#[test]
fn sample_fields_are_parsed() {
    let list = SanctionsList::bundled_sample();
    let e = list.get("9002").unwrap();
    assert_eq!(e.kind, EntryKind::Individual);
    assert_eq!(e.programs, vec!["SDGT", "IFSR"]);
    assert_eq!(
        e.dobs,
        vec![DobSpec::Date {
            date: date(1975, 3, 2)
        }]
    );
    assert_eq!(e.aliases.len(), 2);
    assert_eq!(e.aliases[0].alias_type, "aka");
    assert_eq!(
        list.get("9004").unwrap().dobs,
        vec![DobSpec::Year { year: 1979 }]
    );
    assert_eq!(
        list.get("9006").unwrap().dobs,
        vec![DobSpec::Circa { year: 1962 }]
    );
    assert_eq!(
        list.get("9008").unwrap().dobs,
        vec![DobSpec::Range {
            from: date(1955, 1, 1),
            to: date(1958, 12, 31)
        }]
    );
    assert_eq!(list.get("9005").unwrap().aliases[0].alias_type, "fka");
    assert_eq!(list.get("9109").unwrap().kind, EntryKind::Vessel);
    assert_eq!(list.get("9101").unwrap().kind, EntryKind::Entity);
    assert_eq!(list.get("9103").unwrap().remarks, None);
    assert_eq!(list.get("9109").unwrap().title, None);
}

#[test]
fn dob_and_program_parsing() {
    assert_eq!(
        parse_dob("Jun 1975"),
        Some(DobSpec::Month {
            year: 1975,
            month: 6
        })
    );
    assert_eq!(
        parse_dob("14 Jun 1975 to 20 Jun 1976"),
        Some(DobSpec::Range {
            from: date(1975, 6, 14),
            to: date(1976, 6, 20)
        })
    );
    assert_eq!(
        parse_dob("Feb 1960 to Mar 1961"),
        Some(DobSpec::Range {
            from: date(1960, 2, 1),
            to: date(1961, 3, 31)
        })
    );
    assert_eq!(
        parse_dob("circa 1955-1958"),
        Some(DobSpec::Range {
            from: date(1955, 1, 1),
            to: date(1958, 12, 31)
        })
    );
    assert_eq!(
        parse_dob("circa 14 Jun 1975"),
        Some(DobSpec::Circa { year: 1975 })
    );
    assert_eq!(parse_dob("31 Feb 1975"), None);
    assert_eq!(parse_dob("unknown"), None);
    assert_eq!(parse_dob("1960 to 1950"), None);
    let (specs, texts) = list::parse_dobs("DOB 1960; alt. DOB 1961; POB Cairo; DOB bogus.");
    assert_eq!(
        specs,
        vec![DobSpec::Year { year: 1960 }, DobSpec::Year { year: 1961 }]
    );
    assert_eq!(texts, vec!["1960", "1961", "bogus"]);
    assert_eq!(parse_programs("[SDGT] [IFSR]"), vec!["SDGT", "IFSR"]);
    assert!(parse_programs("").is_empty());
}

#[test]
fn lenient_parsing_reports_bad_rows() {
    let sdn = concat!(
        "1,\"GOOD, Name\",\"individual\",\"SDGT\",-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,\"DOB 1970.\"\r\n",
        "x2,\"BAD ID\",-0- ,\"SDGT\",-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- \r\n",
        "3,\"UNTERMINATED, NAME,-0- ,\"SDGT\",-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- \r\n",
        "4,\"SHORT ROW LTD\",-0- ,\"IRAN\"\r\n",
        "1,\"DUPLICATE\",-0- ,\"IRAN\",-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- \r\n",
        "5,-0- ,-0- ,\"IRAN\",-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- \r\n",
        "6,\"TOO\",\"MANY\",1,2,3,4,5,6,7,8,9,10,11\r\n",
        "7,\"QUOTE \"\"INSIDE\"\" CO\",-0- ,\"IRAN\",-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- \r\n",
        "8,\"NEVER CLOSED,-0- ,IRAN\r\n",
        "\r\n",
        "\u{1a}"
    );
    let alt = concat!(
        "1,10,\"aka\",\"GOOD, Other\",-0- \n",
        "99,11,\"aka\",\"ORPHAN\",-0- \n",
        "1,12,\"aka\",-0- ,-0- \n",
        "garbage\n",
    );
    let list = SanctionsList::from_csv_strs(sdn, Some(alt), "2021-07-01");
    let ids: Vec<&str> = list
        .entries()
        .iter()
        .map(|e| e.entity_id.as_str())
        .collect();
    assert_eq!(ids, vec!["1", "4", "7"]);
    assert_eq!(list.get("7").unwrap().name, "QUOTE \"INSIDE\" CO");
    assert_eq!(list.get("1").unwrap().aliases.len(), 1);
    let r = list.report();
    assert_eq!((r.entries, r.aliases), (3, 1));
    let lines: Vec<(&str, usize)> = r
        .bad_rows
        .iter()
        .map(|(f, l, _)| (f.as_str(), *l))
        .collect();
    assert_eq!(
        lines,
        vec![
            ("alt.csv", 2),
            ("alt.csv", 3),
            ("alt.csv", 4),
            ("sdn.csv", 2),
            ("sdn.csv", 3),
            ("sdn.csv", 4),
            ("sdn.csv", 5),
            ("sdn.csv", 6),
            ("sdn.csv", 7),
            ("sdn.csv", 9),
        ]
    );
    // Only the short row was recovered; everything else was skipped.
    assert_eq!(r.skipped, 9);
    let reason = |line: usize| {
        r.bad_rows
            .iter()
            .find(|(f, l, _)| f == "sdn.csv" && *l == line)
            .map(|(_, _, r)| r.clone())
            .unwrap()
    };
    assert!(reason(2).contains("invalid ent_num"));
    assert!(reason(3).contains("stray quote"), "{}", reason(3));
    assert!(reason(4).starts_with("recovered: short row"));
    assert!(reason(5).contains("duplicate ent_num 1"));
    assert!(reason(6).contains("no name"));
    assert!(reason(7).contains("expected 12 fields"));
    assert!(reason(9).contains("unterminated"), "{}", reason(9));
    assert!(list.version().ends_with("@2021-07-01"));
}

#[test]
fn load_dir_errors_and_versions() {
    let missing = temp_dir("missing");
    let err = SanctionsList::load_dir(&missing).unwrap_err();
    assert!(matches!(err, ListError::MissingSdn { .. }));
    assert!(err.to_string().contains("sdn.csv"), "{err}");

    let empty = temp_dir("empty");
    std::fs::write(empty.join("sdn.csv"), "garbage\n").unwrap();
    let err = SanctionsList::load_dir(&empty).unwrap_err();
    assert!(
        matches!(err, ListError::Empty { bad_rows: 2, .. }),
        "{err:?}"
    );

    // Latin-1 bytes, CRLF, no alt.csv.
    let dir = temp_dir("latin1");
    let mut bytes = b"1,\"M".to_vec();
    bytes.push(0xDC); // Ü in Latin-1
    bytes.extend_from_slice(
        b"LLER, J\xFCrgen\",\"individual\",\"SDGT\",-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- \r\n",
    );
    std::fs::write(dir.join("sdn.csv"), &bytes).unwrap();
    let list = SanctionsList::load_dir(&dir).unwrap();
    assert_eq!(list.get("1").unwrap().name, "MÜLLER, Jürgen");
    assert_eq!(list.report().bad_rows.len(), 1);
    assert!(list.report().bad_rows[0].2.contains("alt.csv not found"));
    let v1 = list.version().to_string();
    assert!(v1.starts_with("sha256:"));
    let date_part = v1.rsplit('@').next().unwrap();
    assert!(
        NaiveDate::parse_from_str(date_part, "%Y-%m-%d").is_ok(),
        "{v1}"
    );

    // Adding alt.csv changes the content hash.
    std::fs::write(dir.join("alt.csv"), "1,2,\"aka\",\"MUELLER, J\",-0- \n").unwrap();
    let list2 = SanctionsList::load_dir(&dir).unwrap();
    assert_ne!(list2.content_hash(), list.content_hash());
    assert_eq!(list2.report().aliases, 1);
    assert!(list2.report().bad_rows.is_empty());

    for d in [missing, empty, dir] {
        let _ = std::fs::remove_dir_all(d);
    }
}

// ---------------------------------------------------------------- matching

#[test]
fn exact_and_reordered_names_hit() {
    let s = sample();
    for q in [
        "Dragomir Ilyich Volkanov",
        "VOLKANOV, Dragomir Ilyich",
        "Volkanov Dragomir Ilyich",
        "volkanov dragomir ilyich",
    ] {
        let hits = s.screen(q, None, PartyKind::Individual);
        assert_eq!(ids(&hits), vec!["9001"], "{q}");
        assert_eq!(hits[0].score, 1.0, "{q}");
        assert!(hits[0].unmatched.is_empty());
        assert_eq!(hits[0].pairs.len(), 3);
    }
}

#[test]
fn accents_and_misspellings_hit() {
    let cases = [
        ("Åsa Margareta Bäckström", "9005"),
        ("Asa Backstrom", "9005"),
        ("Amelie Francoise Delacroix", "9013"),
        ("Jürgen Müller Grünewald", "9012"),
        ("Juergen Mueller-Gruenewald", "9012"),
        ("Jurgen Mullergrunewald", "9012"),
        ("Dragomir Volkanow", "9001"),
        ("Joakin Mendosa Carillo", "9003"),
        ("Tariq Alrashidi", "9002"),
        ("Chidiebere Okonkwo Bello", "9004"),
        ("Yekaterina Sokolova", "9015"),
        ("Oleksandr Kovalenko", "9018"),
        ("Marcelo Augusto Ferreira da Silva", "9010"),
    ];
    for (q, id) in cases {
        let hit = top(q, None, PartyKind::Individual);
        assert_eq!(
            hit.as_ref().map(|h| h.entity_id.as_str()),
            Some(id),
            "{q}: {hit:?}"
        );
    }
}

#[test]
fn aliases_hit_and_are_named() {
    let hit = top("Sameer Haddad", None, PartyKind::Individual).unwrap();
    assert_eq!(hit.entity_id, "9008");
    assert_eq!(hit.listed_name, "HADDAD, Samir Youssef");
    assert_eq!(hit.matched_alias.as_deref(), Some("HADDAD, Sameer"));
    assert_eq!(hit.score, 1.0);

    let hit = top("Wei-Ming Chou", None, PartyKind::Unknown).unwrap();
    assert_eq!(hit.entity_id, "9011");
    assert_eq!(hit.matched_alias.as_deref(), Some("CHOU, Wei-Ming"));

    let hit = top("Krasnaya Step Energiya", None, PartyKind::Organization).unwrap();
    assert_eq!(hit.entity_id, "9104");

    // The primary name wins over an alias on a tie.
    let hit = top("Dragomir Volkanov", None, PartyKind::Individual).unwrap();
    assert_eq!(hit.matched_alias, None);
}

#[test]
fn one_word_names_never_hit() {
    let s = sample();
    for q in [
        "Qasimi",
        "Ahmed Qasimi",
        "Volkanov",
        "Mr Volkanov",
        "J Volkanov",
        "GCTC",
        "GCTC Ltd",
        "Tanaka",
        "Tanaka Ltd",
    ] {
        let hits = s.screen(q, None, PartyKind::Unknown);
        assert!(hits.is_empty(), "{q}: {hits:?}");
    }
    // Even at a very low threshold.
    let low = Screener::new(s.list().clone(), 0.1);
    assert!(low.screen("Qasimi", None, PartyKind::Unknown).is_empty());
    assert!(low.screen("Volkanov", None, PartyKind::Unknown).is_empty());
}

#[test]
fn innocent_names_do_not_hit() {
    let s = sample();
    for q in [
        "John Smith",
        "Maria Garcia Lopez",
        "Hiroshi Yamamoto",
        "Peter Mwangi Otieno",
        "Blue River Logistics Ltd",
        "Dragan Petrovic",
        "",
        "!!!",
    ] {
        let hits = s.screen(q, None, PartyKind::Unknown);
        assert!(hits.is_empty(), "{q}: {hits:?}");
    }
}

#[test]
fn entities_and_kinds() {
    let s = sample();
    let hits = s.screen("Golden Crescent Trading Co", None, PartyKind::Organization);
    assert_eq!(ids(&hits), vec!["9102"]);
    let hits = s.screen(
        "Northwind Maritime Holdings Limited",
        None,
        PartyKind::Organization,
    );
    assert_eq!(ids(&hits), vec!["9101"]);
    let hits = s.screen("Trans Andean Logistics SAS", None, PartyKind::Unknown);
    assert_eq!(ids(&hits), vec!["9112"]);
    // A vessel is not screened for an individual, but is for an organisation or unknown.
    assert!(s
        .screen("Eastern Amber", None, PartyKind::Individual)
        .is_empty());
    assert_eq!(
        ids(&s.screen("Eastern Amber", None, PartyKind::Organization)),
        vec!["9109"]
    );
    assert_eq!(
        ids(&s.screen("Eastern Amber", None, PartyKind::Unknown)),
        vec!["9109"]
    );
    // An individual listed name is not screened for an organisation.
    assert!(s
        .screen("Dragomir Volkanov", None, PartyKind::Organization)
        .is_empty());
}

#[test]
fn dob_raises_and_lowers() {
    let s = sample();
    let base = top("Dragomir Volkanow", None, PartyKind::Individual).unwrap();
    assert_eq!(base.dob_adjustment, 0.0);
    let same = top(
        "Dragomir Volkanow",
        Some(date(1968, 6, 14)),
        PartyKind::Individual,
    )
    .unwrap();
    assert_eq!(same.dob_adjustment, 0.05);
    assert_eq!(same.name_score, base.name_score);
    assert!(same.score > base.score || same.score == 1.0);
    let wrong = top(
        "Dragomir Volkanow",
        Some(date(1990, 1, 1)),
        PartyKind::Individual,
    );
    if let Some(h) = wrong {
        assert_eq!(h.dob_adjustment, -0.1);
        assert!(h.score < base.score);
    }
    // A borderline name is pushed over the threshold by a matching DOB and out by a wrong one.
    let q = "Dritan Berrisha";
    let plain = s.screen_at(q, None, PartyKind::Individual, 0.0);
    let with_dob = s.screen(q, Some(date(1976, 5, 25)), PartyKind::Individual);
    let wrong_dob = s.screen(q, Some(date(1950, 1, 1)), PartyKind::Individual);
    assert!(!plain.is_empty());
    assert_eq!(ids(&with_dob), vec!["9023"]);
    assert!(wrong_dob.is_empty(), "{wrong_dob:?}");
    // DOB is ignored for organisations and for entries without a DOB.
    let org = top(
        "Golden Crescent Trading",
        Some(date(1990, 1, 1)),
        PartyKind::Organization,
    )
    .unwrap();
    assert_eq!(org.dob_adjustment, 0.0);
}

#[test]
fn dob_adjustment_rules() {
    let q = date(1975, 3, 2);
    let adj = |spec: DobSpec| dob_adjustment(q, &[spec]);
    assert_eq!(adj(DobSpec::Date { date: q }), 0.05);
    assert_eq!(
        adj(DobSpec::Date {
            date: date(1975, 2, 3)
        }),
        0.03
    );
    assert_eq!(
        adj(DobSpec::Date {
            date: date(1975, 7, 9)
        }),
        0.0
    );
    assert_eq!(
        adj(DobSpec::Date {
            date: date(1976, 3, 2)
        }),
        -0.03
    );
    assert_eq!(
        adj(DobSpec::Date {
            date: date(1960, 3, 2)
        }),
        -0.10
    );
    assert_eq!(
        adj(DobSpec::Month {
            year: 1975,
            month: 3
        }),
        0.04
    );
    assert_eq!(
        adj(DobSpec::Month {
            year: 1975,
            month: 8
        }),
        0.0
    );
    assert_eq!(adj(DobSpec::Year { year: 1975 }), 0.03);
    assert_eq!(adj(DobSpec::Year { year: 1974 }), -0.03);
    assert_eq!(adj(DobSpec::Year { year: 1990 }), -0.10);
    assert_eq!(adj(DobSpec::Circa { year: 1973 }), 0.02);
    assert_eq!(adj(DobSpec::Circa { year: 1971 }), 0.0);
    assert_eq!(adj(DobSpec::Circa { year: 1960 }), -0.10);
    let range = |a: i32, b: i32| DobSpec::Range {
        from: date(a, 1, 1),
        to: date(b, 12, 31),
    };
    assert_eq!(adj(range(1970, 1980)), 0.03);
    assert_eq!(adj(range(1976, 1980)), 0.0);
    assert_eq!(adj(range(1990, 1995)), -0.10);
    // The most favourable DOB counts; none → 0.
    assert_eq!(
        dob_adjustment(
            q,
            &[DobSpec::Year { year: 1990 }, DobSpec::Date { date: q }]
        ),
        0.05
    );
    assert_eq!(dob_adjustment(q, &[]), 0.0);
}

#[test]
fn hit_shape_and_explanation() {
    let s = sample();
    let hits = s.screen(
        "Tariq Hamdan Al-Rashidi Mustafa",
        Some(date(1975, 3, 2)),
        PartyKind::Individual,
    );
    let h = &hits[0];
    assert_eq!(h.entity_id, "9002");
    assert_eq!(h.programs, vec!["SDGT", "IFSR"]);
    assert!(h.unmatched.contains(&"mustafa".to_string()), "{h:?}");
    assert!(h
        .pairs
        .iter()
        .any(|p| p.query == "tariq" && p.listed == "tariq" && p.score == 1.0));
    assert!(h.score <= 1.0 && h.score >= s.threshold());
    assert_eq!(h.score, r4(h.score));
    assert_eq!(h.name_score, r4(h.name_score));
    let json = serde_json::to_value(h).unwrap();
    for key in [
        "entity_id",
        "listed_name",
        "matched_alias",
        "programs",
        "score",
        "name_score",
        "dob_adjustment",
        "pairs",
        "unmatched",
    ] {
        assert!(json.get(key).is_some(), "{key}");
    }
}

#[test]
fn hits_sorted_thresholded_and_deterministic() {
    let s = sample();
    let low = Screener::new(s.list().clone(), 0.5);
    for q in [
        "Hamdan Haddad",
        "Samir Rahmani",
        "Golden Pacific Trading",
        "Marcelo Silva",
    ] {
        let a = low.screen(q, None, PartyKind::Unknown);
        let b = low.screen(q, None, PartyKind::Unknown);
        assert_eq!(a, b);
        assert!(a.windows(2).all(|w| w[0].score >= w[1].score), "{q}");
        assert!(a.iter().all(|h| h.score >= 0.5));
        let strict: Vec<Hit> = a.iter().filter(|h| h.score >= 0.85).cloned().collect();
        assert_eq!(s.screen(q, None, PartyKind::Unknown), strict, "{q}");
    }
    let other = Screener::new(Arc::new(SanctionsList::bundled_sample()), DEFAULT_THRESHOLD);
    assert_eq!(
        other.screen("Sameer Haddad", None, PartyKind::Unknown),
        s.screen("Sameer Haddad", None, PartyKind::Unknown)
    );
}

#[test]
fn threshold_configuration() {
    let list = Arc::new(SanctionsList::bundled_sample());
    assert_eq!(Screener::new(list.clone(), 0.9).threshold(), 0.9);
    assert_eq!(
        Screener::new(list.clone(), 1.5).threshold(),
        DEFAULT_THRESHOLD
    );
    assert_eq!(
        Screener::new(list.clone(), f64::NAN).threshold(),
        DEFAULT_THRESHOLD
    );
    let s = Screener::new(list.clone(), 0.95);
    assert_eq!(s.list().version(), list.version());
    assert!(
        s.screen("Dragomir Volkanow", None, PartyKind::Unknown)
            .is_empty()
            || {
                s.screen("Dragomir Volkanow", None, PartyKind::Unknown)
                    .iter()
                    .all(|h| h.score >= 0.95)
            }
    );
    assert!(!ALGORITHM_VERSION.is_empty());
}

#[test]
fn index_matches_exhaustive_scan_on_sample() {
    let s = Screener::new(Arc::new(SanctionsList::bundled_sample()), 0.6);
    let set = labelled_set(s.list(), 300, 300, 11);
    for q in &set {
        assert_eq!(
            s.screen(&q.name, q.dob, q.kind),
            s.screen_exhaustive(&q.name, q.dob, q.kind),
            "{}",
            q.name
        );
    }
}

// ---------------------------------------------------------------- evaluation

#[test]
fn labelled_set_is_deterministic() {
    let list = SanctionsList::bundled_sample();
    let a = labelled_set(&list, 100, 100, 5);
    let b = labelled_set(&list, 100, 100, 5);
    assert_eq!(a, b);
    assert_eq!(a.len(), 200);
    assert_eq!(a.iter().filter(|q| q.expected.is_some()).count(), 100);
    assert_ne!(a, labelled_set(&list, 100, 100, 6));
}

#[test]
fn precision_and_recall_on_sample() {
    let s = sample();
    let set = labelled_set(s.list(), 400, 400, 42);
    let r = evaluate(s, &set);
    eprintln!(
        "sample list @ {}: precision {:.4} recall {:.4} (tp {} fn {} fp {})",
        r.threshold, r.precision, r.recall, r.true_positives, r.false_negatives, r.false_positives
    );
    assert_eq!(r.positives, 400);
    assert_eq!(r.negatives, 400);
    assert!(r.recall >= 0.95, "{r:?}");
    assert!(r.precision >= 0.95, "{r:?}");
    let sweep = evaluate_sweep(s, &set, &[0.8, 0.85, 0.9]);
    assert_eq!(sweep.len(), 3);
    assert_eq!(sweep[1].true_positives, r.true_positives);
    assert!(sweep[0].recall >= sweep[2].recall);
}

// ---------------------------------------------------------------- full OFAC 2021 list

fn full_list_dir() -> Option<PathBuf> {
    if let Ok(dir) = std::env::var("SCREENING_FULL_LIST_DIR") {
        let p = PathBuf::from(dir);
        if p.join("sdn.csv").is_file() {
            return Some(p);
        }
    }
    let p = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/data/ofac-sdn-2021");
    p.join("sdn.csv").is_file().then_some(p)
}

fn full() -> Option<&'static Screener> {
    static FULL: OnceLock<Option<Screener>> = OnceLock::new();
    let s = FULL
        .get_or_init(|| {
            let dir = full_list_dir()?;
            let list = SanctionsList::load_dir(&dir).ok()?;
            Some(Screener::new(Arc::new(list), DEFAULT_THRESHOLD))
        })
        .as_ref();
    if s.is_none() {
        eprintln!(
            "note: full OFAC list not found (set SCREENING_FULL_LIST_DIR or provide \
             ../shared/data/ofac-sdn-2021); skipping full-list test"
        );
    }
    s
}

#[test]
fn full_list_loads() {
    let Some(s) = full() else { return };
    let list = s.list();
    let r = list.report();
    // The 2021 snapshot has 8,976 sdn.csv rows and 11,910 alt.csv rows (its README says 8,975 and
    // 11,909, i.e. the line counts minus one). All parse; the trailing 0x1A marker is ignored.
    assert_eq!(list.len(), 8976);
    assert_eq!(r.entries, 8976);
    assert_eq!(r.aliases, 11910);
    assert!(r.bad_rows.is_empty(), "{:?}", r.bad_rows);
    let individuals = list
        .entries()
        .iter()
        .filter(|e| e.kind == EntryKind::Individual)
        .count();
    assert_eq!(individuals, 4620);
    assert!(
        list.version().starts_with("sha256:a599a4271ba98cf0@"),
        "{}",
        list.version()
    );
    let maduro = list.get("22790").unwrap();
    assert_eq!(maduro.name, "MADURO MOROS, Nicolas");
    assert!(!maduro.dobs.is_empty());
}

#[test]
fn full_list_finds_known_names_misspelled_and_reordered() {
    let Some(s) = full() else { return };
    let cases = [
        ("Nicolas Maduro Moros", "22790", PartyKind::Individual),
        ("Nikolas Maduro Moros", "22790", PartyKind::Individual),
        ("Maduro Moros Nicolás", "22790", PartyKind::Individual),
        ("Usama bin Ladin", "6365", PartyKind::Individual),
        ("Osama Bin Laden", "6365", PartyKind::Individual),
        ("Jong Un Kim", "20157", PartyKind::Individual),
        (
            "Yevgeniy Viktorovich Prigozhin",
            "21171",
            PartyKind::Individual,
        ),
        ("Yevgeny Prigozhin", "21171", PartyKind::Individual),
        ("Oleg Deripaska", "24283", PartyKind::Individual),
        (
            "Oleg Vladimirovich Deripasca",
            "24283",
            PartyKind::Individual,
        ),
        ("Joaquin Guzman Loera", "6861", PartyKind::Individual),
        ("Joaquín Guzmán Loera", "6861", PartyKind::Individual),
        ("Aerocaribean Airlines", "36", PartyKind::Organization),
        ("Banco Nacional de Cuba", "306", PartyKind::Organization),
        ("National Bank of Cuba", "306", PartyKind::Organization),
    ];
    for (q, id, kind) in cases {
        let hits = s.screen(q, None, kind);
        assert!(
            hits.iter().any(|h| h.entity_id == id),
            "{q} should hit {id}: {:?}",
            hits.iter()
                .map(|h| (&h.entity_id, &h.listed_name, h.score))
                .collect::<Vec<_>>()
        );
    }
}

#[test]
fn full_list_index_matches_exhaustive_scan() {
    let Some(s) = full() else { return };
    let set = labelled_set(s.list(), 60, 60, 3);
    for q in &set {
        assert_eq!(
            s.screen(&q.name, q.dob, q.kind),
            s.screen_exhaustive(&q.name, q.dob, q.kind),
            "{}",
            q.name
        );
    }
}

#[test]
fn full_list_precision_recall() {
    let Some(s) = full() else { return };
    let set = labelled_set(s.list(), 1000, 1000, 42);
    let r = evaluate(s, &set);
    eprintln!(
        "full list @ {}: precision {:.4} recall {:.4} (tp {} fn {} fp {})",
        r.threshold, r.precision, r.recall, r.true_positives, r.false_negatives, r.false_positives
    );
    assert!(r.recall >= 0.95, "{r:?}");
    assert!(r.precision >= 0.95, "{r:?}");
}

/// Property tests: loading never panics, whatever the files hold, and what it loads is consistent.
mod list_properties {
    use std::sync::Arc;

    use proptest::prelude::*;

    use super::super::*;

    /// One CSV cell as OFAC files have them, and as they break: numbers, `-0-`, quoted text with
    /// commas and doubled quotes, unterminated and stray quotes, DOB remarks, anything.
    fn cell() -> impl Strategy<Value = String> {
        prop_oneof![
            "[0-9]{1,6}",
            Just("-0- ".to_owned()),
            "\"[A-Z][a-z]{0,8}, [A-Z][a-z]{0,8}\"",
            "\"[^\"\n]{0,12}",
            "[^,\n]{0,3}\"[^,\n]{0,3}",
            Just("\"\"".to_owned()),
            Just("\"a\"\"b\" \"".to_owned()),
            Just("individual".to_owned()),
            Just("\"SDGT] [IFSR\"".to_owned()),
            "\"DOB (circa )?[0-9]{1,2} (Jan|Feb|Xyz) [0-9]{1,4}( to [0-9]{4})?; alt. DOB [0-9-]{0,9}\\.?\"",
            "\\PC{0,16}",
            Just("\u{1a}".to_owned()),
            Just("\u{feff}".to_owned()),
        ]
    }

    /// Rows with too few, the right number of, or too many cells, joined by LF or CRLF.
    fn csv(width: usize) -> impl Strategy<Value = String> {
        let row = prop::collection::vec(cell(), 0..width + 3).prop_map(|cells| cells.join(","));
        (prop::collection::vec(row, 0..10), any::<bool>())
            .prop_map(|(rows, crlf)| rows.join(if crlf { "\r\n" } else { "\n" }))
    }

    fn check(list: &SanctionsList) {
        assert_eq!(list.len(), list.report().entries);
        assert!(list.version().starts_with("sha256:"));
        let aliases: usize = list.entries().iter().map(|e| e.aliases.len()).sum();
        assert_eq!(aliases, list.report().aliases);
        for e in list.entries() {
            assert!(e.entity_id.parse::<u64>().is_ok(), "{:?}", e.entity_id);
            assert!(!e.name.trim().is_empty());
            assert!(std::ptr::eq(list.get(&e.entity_id).unwrap(), e));
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 200, ..ProptestConfig::default() })]

        #[test]
        fn arbitrary_text_never_panics(
            sdn in any::<String>(),
            alt in proptest::option::of(any::<String>()),
            date in "\\PC{0,12}",
        ) {
            check(&SanctionsList::from_csv_strs(&sdn, alt.as_deref(), &date));
        }

        #[test]
        fn structured_but_broken_rows_never_panic_and_screening_them_does_not_either(
            sdn in csv(12),
            alt in csv(5),
            name in "[A-Za-z]{1,8} [A-Za-z]{1,8}",
        ) {
            let list = SanctionsList::from_csv_strs(&sdn, Some(&alt), "2026-01-01");
            check(&list);
            let screener = Screener::new(Arc::new(list), DEFAULT_THRESHOLD);
            for hit in screener.screen(&name, None, PartyKind::Individual) {
                prop_assert!(hit.score <= 1.0 + 1e-9);
            }
        }
    }
}
