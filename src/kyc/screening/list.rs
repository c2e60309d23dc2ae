//! Loader for OFAC's legacy CSV export (`sdn.csv` + `alt.csv`).
//!
//! The files have no header row; `-0-` (often followed by a space) means empty. Parsing is lenient:
//! a row with unbalanced quotes is recovered by a plain comma split when that yields the right number
//! of fields, otherwise it is skipped. Every recovered or skipped row is listed in the
//! [`LoadReport`]; loading never panics on bad content.

use std::collections::HashMap;
use std::fs;
use std::io;
use std::path::{Path, PathBuf};

use chrono::{DateTime, NaiveDate, Utc};
use serde::Serialize;
use sha2::{Digest, Sha256};
use thiserror::Error;

const SDN_FILE: &str = "sdn.csv";
const ALT_FILE: &str = "alt.csv";
const SDN_FIELDS: usize = 12;
const SDN_MIN_FIELDS: usize = 4;
const ALT_FIELDS: usize = 5;
const ALT_MIN_FIELDS: usize = 4;

const SAMPLE_SDN: &str = include_str!("sample/sdn.csv");
const SAMPLE_ALT: &str = include_str!("sample/alt.csv");

/// Why a list directory could not be loaded.
#[derive(Debug, Error)]
pub enum ListError {
    #[error("sanctions list directory {dir} has no sdn.csv (expected OFAC legacy CSV files sdn.csv and alt.csv)")]
    MissingSdn { dir: PathBuf },
    #[error("cannot read sanctions list file {path}: {source}")]
    Unreadable {
        path: PathBuf,
        #[source]
        source: io::Error,
    },
    #[error("sanctions list file {path} contains no usable entries ({bad_rows} bad rows)")]
    Empty { path: PathBuf, bad_rows: usize },
}

/// What kind of party a list entry is (OFAC `SDN_Type`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum EntryKind {
    Individual,
    Entity,
    Vessel,
    Aircraft,
}

/// A date of birth as the list states it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum DobSpec {
    /// `14 Jun 1975`
    Date { date: NaiveDate },
    /// `Jun 1975`
    Month { year: i32, month: u32 },
    /// `1975`
    Year { year: i32 },
    /// `circa 1975` (also `circa 14 Jun 1975`)
    Circa { year: i32 },
    /// `1955 to 1958`, `14 Jun 1975 to 20 Jun 1976`, `circa 1955-1958`
    Range { from: NaiveDate, to: NaiveDate },
}

/// An alias from `alt.csv`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Alias {
    pub alias_id: String,
    /// `aka`, `fka` or `nka`.
    pub alias_type: String,
    pub name: String,
}

/// One entry of the list.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ListEntry {
    /// OFAC `ent_num`.
    pub entity_id: String,
    pub name: String,
    pub kind: EntryKind,
    pub programs: Vec<String>,
    pub title: Option<String>,
    /// Dates of birth parsed from the remarks (`DOB ...; alt. DOB ...`).
    pub dobs: Vec<DobSpec>,
    /// The DOB texts as written (including any that could not be parsed).
    pub dob_text: Vec<String>,
    pub aliases: Vec<Alias>,
    pub remarks: Option<String>,
}

/// What a load found.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct LoadReport {
    /// Entries loaded from `sdn.csv`.
    pub entries: usize,
    /// Aliases loaded from `alt.csv`.
    pub aliases: usize,
    /// Problem rows: (file, 1-based line, reason). The reason starts with `skipped:` when the row was
    /// dropped and `recovered:` when it was loaded after a lenient repair.
    pub bad_rows: Vec<(String, usize, String)>,
    /// How many of `bad_rows` were dropped.
    pub skipped: usize,
}

/// A loaded sanctions list.
#[derive(Debug, Clone)]
pub struct SanctionsList {
    entries: Vec<ListEntry>,
    by_id: HashMap<String, usize>,
    version: String,
    content_hash: String,
    file_date: String,
    report: LoadReport,
}

impl SanctionsList {
    /// Load `sdn.csv` (required) and `alt.csv` (optional; its absence is reported) from `dir`.
    pub fn load_dir(dir: &Path) -> Result<SanctionsList, ListError> {
        let sdn_path = dir.join(SDN_FILE);
        if !sdn_path.is_file() {
            return Err(ListError::MissingSdn {
                dir: dir.to_path_buf(),
            });
        }
        let unreadable = |path: &Path| {
            let path = path.to_path_buf();
            move |source| ListError::Unreadable { path, source }
        };
        let sdn_bytes = fs::read(&sdn_path).map_err(unreadable(&sdn_path))?;
        let modified = fs::metadata(&sdn_path)
            .and_then(|m| m.modified())
            .map_err(unreadable(&sdn_path))?;
        let file_date = DateTime::<Utc>::from(modified)
            .format("%Y-%m-%d")
            .to_string();

        let alt_path = dir.join(ALT_FILE);
        let alt_bytes = if alt_path.is_file() {
            Some(fs::read(&alt_path).map_err(unreadable(&alt_path))?)
        } else {
            None
        };

        let sdn_text = decode(&sdn_bytes, SDN_FILE);
        let alt_text = alt_bytes.as_deref().map(|b| decode(b, ALT_FILE));
        let list = Self::build(
            &sdn_text,
            alt_text.as_deref(),
            &sdn_bytes,
            alt_bytes.as_deref(),
            &file_date,
        );
        if list.entries.is_empty() {
            return Err(ListError::Empty {
                path: sdn_path,
                bad_rows: list.report.bad_rows.len(),
            });
        }
        log::info!(
            "sanctions list {} loaded from {}: {} entries, {} aliases, {} bad rows",
            list.version,
            dir.display(),
            list.report.entries,
            list.report.aliases,
            list.report.bad_rows.len()
        );
        Ok(list)
    }

    /// The small synthetic sample list compiled into the binary.
    pub fn bundled_sample() -> SanctionsList {
        Self::from_csv_strs(SAMPLE_SDN, Some(SAMPLE_ALT), "bundled")
    }

    /// Build a list from CSV text (for fixtures); `file_date` goes into the version string.
    pub fn from_csv_strs(sdn: &str, alt: Option<&str>, file_date: &str) -> SanctionsList {
        Self::build(
            sdn,
            alt,
            sdn.as_bytes(),
            alt.map(|a| a.as_bytes()),
            file_date,
        )
    }

    fn build(
        sdn: &str,
        alt: Option<&str>,
        sdn_bytes: &[u8],
        alt_bytes: Option<&[u8]>,
        file_date: &str,
    ) -> SanctionsList {
        let mut hasher = Sha256::new();
        hasher.update(sdn_bytes);
        hasher.update(b"\n--alt.csv--\n");
        if let Some(a) = alt_bytes {
            hasher.update(a);
        }
        let digest = hasher.finalize();
        let content_hash = crate::crypto::hex(&digest);
        let version = format!("sha256:{}@{}", &content_hash[..16], file_date);

        let mut report = LoadReport::default();
        let mut entries: Vec<ListEntry> = Vec::new();
        let mut by_id: HashMap<String, usize> = HashMap::new();
        let mut first_line: HashMap<String, usize> = HashMap::new();

        for (line_no, row) in rows(sdn, SDN_FILE, SDN_FIELDS, SDN_MIN_FIELDS, &mut report) {
            match entry_from_row(&row) {
                Ok(entry) => {
                    if let Some(first) = first_line.get(&entry.entity_id) {
                        report.bad(
                            SDN_FILE,
                            line_no,
                            format!(
                                "skipped: duplicate ent_num {} (first at line {first})",
                                entry.entity_id
                            ),
                        );
                        continue;
                    }
                    first_line.insert(entry.entity_id.clone(), line_no);
                    by_id.insert(entry.entity_id.clone(), entries.len());
                    entries.push(entry);
                }
                Err(reason) => report.bad(SDN_FILE, line_no, format!("skipped: {reason}")),
            }
        }

        match alt {
            Some(alt) => {
                for (line_no, row) in rows(alt, ALT_FILE, ALT_FIELDS, ALT_MIN_FIELDS, &mut report) {
                    match alias_from_row(&row) {
                        Ok((ent, alias)) => match by_id.get(&ent) {
                            Some(&idx) => {
                                entries[idx].aliases.push(alias);
                                report.aliases += 1;
                            }
                            None => report.bad(
                                ALT_FILE,
                                line_no,
                                format!("skipped: alias for unknown ent_num {ent}"),
                            ),
                        },
                        Err(reason) => report.bad(ALT_FILE, line_no, format!("skipped: {reason}")),
                    }
                }
            }
            None => report.bad(
                ALT_FILE,
                0,
                "skipped: alt.csv not found; no aliases loaded".to_string(),
            ),
        }

        report.entries = entries.len();
        report.bad_rows.sort();
        report.skipped = report
            .bad_rows
            .iter()
            .filter(|(_, _, r)| r.starts_with("skipped"))
            .count();
        SanctionsList {
            entries,
            by_id,
            version,
            content_hash,
            file_date: file_date.to_string(),
            report,
        }
    }

    /// List version: `sha256:<first 16 hex of the content hash>@<sdn.csv file date or "bundled">`.
    pub fn version(&self) -> &str {
        &self.version
    }

    /// Full SHA-256 of `sdn.csv` + `alt.csv`.
    pub fn content_hash(&self) -> &str {
        &self.content_hash
    }

    /// The `sdn.csv` modification date (`YYYY-MM-DD`) or `bundled`.
    pub fn file_date(&self) -> &str {
        &self.file_date
    }

    pub fn report(&self) -> &LoadReport {
        &self.report
    }

    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    pub fn entries(&self) -> &[ListEntry] {
        &self.entries
    }

    pub fn get(&self, entity_id: &str) -> Option<&ListEntry> {
        self.by_id.get(entity_id).map(|&i| &self.entries[i])
    }

    /// A mutable entry, for tests that simulate a list update.
    #[cfg(test)]
    pub(crate) fn entry_mut_for_tests(&mut self, entity_id: &str) -> &mut ListEntry {
        let i = self.by_id[entity_id];
        &mut self.entries[i]
    }
}

impl LoadReport {
    fn bad(&mut self, file: &str, line: usize, reason: String) {
        self.bad_rows.push((file.to_string(), line, reason));
    }
}

/// Decode as UTF-8, falling back to Latin-1 (each byte one character) for older exports.
fn decode(bytes: &[u8], file: &str) -> String {
    match std::str::from_utf8(bytes) {
        Ok(s) => s.to_string(),
        Err(_) => {
            log::warn!("{file} is not valid UTF-8; decoding as Latin-1");
            bytes.iter().map(|&b| b as char).collect()
        }
    }
}

/// Parsed rows with their line numbers; bad rows go to the report.
fn rows(
    text: &str,
    file: &str,
    expected: usize,
    min_fields: usize,
    report: &mut LoadReport,
) -> Vec<(usize, Vec<String>)> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut out = Vec::new();
    for (i, raw) in text.split('\n').enumerate() {
        let line_no = i + 1;
        let line = raw.trim_end_matches('\r');
        // Blank lines and the DOS end-of-file marker (0x1A) that OFAC files end with.
        if line
            .trim_matches(|c: char| c.is_whitespace() || c == '\u{1a}')
            .is_empty()
        {
            continue;
        }
        match parse_row(line, expected, min_fields) {
            RowParse::Ok(fields) => out.push((line_no, fields)),
            RowParse::Recovered(fields, reason) => {
                report.bad(file, line_no, format!("recovered: {reason}"));
                out.push((line_no, fields));
            }
            RowParse::Bad(reason) => report.bad(file, line_no, format!("skipped: {reason}")),
        }
    }
    out
}

enum RowParse {
    Ok(Vec<String>),
    Recovered(Vec<String>, String),
    Bad(String),
}

/// Lenient CSV row parser. Quoted fields may contain commas and `""`; a quote inside a quoted field
/// that is not followed by a separator is kept as a literal and flagged.
fn parse_row(line: &str, expected: usize, min_fields: usize) -> RowParse {
    let mut fields: Vec<String> = Vec::with_capacity(expected);
    let mut cur = String::new();
    let mut in_quotes = false;
    let mut stray_quote = false;
    let chars: Vec<char> = line.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if in_quotes {
            if c == '"' {
                if chars.get(i + 1) == Some(&'"') {
                    cur.push('"');
                    i += 1;
                } else if closes_field(&chars[i + 1..]) {
                    in_quotes = false;
                } else {
                    stray_quote = true;
                    cur.push('"');
                }
            } else {
                cur.push(c);
            }
        } else if c == ',' {
            fields.push(std::mem::take(&mut cur));
        } else if c == '"' && cur.trim().is_empty() {
            cur.clear();
            in_quotes = true;
        } else {
            if c == '"' {
                stray_quote = true;
            }
            cur.push(c);
        }
        i += 1;
    }
    let unterminated = in_quotes;
    fields.push(cur);

    if !stray_quote && !unterminated {
        if fields.len() == expected {
            return RowParse::Ok(clean_fields(fields));
        }
        if fields.len() >= min_fields && fields.len() < expected {
            let found = fields.len();
            fields.resize(expected, String::new());
            return RowParse::Recovered(
                clean_fields(fields),
                format!("short row: expected {expected} fields, found {found}; missing fields left empty"),
            );
        }
        return RowParse::Bad(format!(
            "expected {expected} fields, found {}",
            fields.len()
        ));
    }

    // Quotes are unbalanced: try a plain comma split with outer quotes stripped.
    let problem = if unterminated {
        "unterminated quoted field"
    } else {
        "stray quote inside a quoted field"
    };
    let plain: Vec<String> = line
        .split(',')
        .map(|f| {
            let t = f.trim();
            let t = t.strip_prefix('"').unwrap_or(t);
            t.strip_suffix('"').unwrap_or(t).to_string()
        })
        .collect();
    if plain.len() == expected {
        RowParse::Recovered(
            clean_fields(plain),
            format!("{problem}; recovered by splitting on commas"),
        )
    } else {
        RowParse::Bad(format!(
            "{problem}; expected {expected} fields, found {} (or {} splitting on commas)",
            fields.len(),
            plain.len()
        ))
    }
}

/// After a closing quote only spaces may come before the next comma or the end of the line.
fn closes_field(rest: &[char]) -> bool {
    for &c in rest {
        if c == ',' {
            return true;
        }
        if !c.is_whitespace() {
            return false;
        }
    }
    true
}

fn clean_fields(fields: Vec<String>) -> Vec<String> {
    fields
        .into_iter()
        .map(|f| {
            let t = f.trim();
            if t == "-0-" {
                String::new()
            } else {
                t.to_string()
            }
        })
        .collect()
}

fn non_empty(s: &str) -> Option<String> {
    let t = s.trim();
    if t.is_empty() {
        None
    } else {
        Some(t.to_string())
    }
}

fn parse_ent_num(s: &str) -> Result<String, String> {
    let t = s.trim();
    match t.parse::<u64>() {
        Ok(n) => Ok(n.to_string()),
        Err(_) => Err(format!("invalid ent_num {t:?}")),
    }
}

fn entry_from_row(f: &[String]) -> Result<ListEntry, String> {
    let entity_id = parse_ent_num(&f[0])?;
    let name = non_empty(&f[1]).ok_or_else(|| format!("ent_num {entity_id} has no name"))?;
    let kind = match f[2].trim().to_ascii_lowercase().as_str() {
        "individual" => EntryKind::Individual,
        "vessel" => EntryKind::Vessel,
        "aircraft" => EntryKind::Aircraft,
        _ => EntryKind::Entity,
    };
    let programs = parse_programs(&f[3]);
    let remarks = f.get(11).and_then(|r| non_empty(r));
    let (dobs, dob_text) = match &remarks {
        Some(r) => parse_dobs(r),
        None => (Vec::new(), Vec::new()),
    };
    Ok(ListEntry {
        entity_id,
        name,
        kind,
        programs,
        title: f.get(4).and_then(|t| non_empty(t)),
        dobs,
        dob_text,
        aliases: Vec::new(),
        remarks,
    })
}

fn alias_from_row(f: &[String]) -> Result<(String, Alias), String> {
    let ent = parse_ent_num(&f[0])?;
    let alias_id = f[1].trim().to_string();
    let name = non_empty(&f[3]).ok_or_else(|| format!("alias {alias_id} has no name"))?;
    Ok((
        ent,
        Alias {
            alias_id,
            alias_type: f[2].trim().to_ascii_lowercase(),
            name,
        },
    ))
}

/// `SDGT] [IFSR` → `["SDGT", "IFSR"]`.
pub fn parse_programs(s: &str) -> Vec<String> {
    s.split("] [")
        .map(|p| p.trim_matches(|c: char| c == '[' || c == ']' || c.is_whitespace()))
        .filter(|p| !p.is_empty())
        .map(str::to_string)
        .collect()
}

/// DOBs from a remarks field: `DOB 14 Jun 1975; alt. DOB 1976; POB ...`.
pub fn parse_dobs(remarks: &str) -> (Vec<DobSpec>, Vec<String>) {
    let mut specs = Vec::new();
    let mut texts = Vec::new();
    for part in remarks.split(';') {
        let p = part.trim();
        let p = p.strip_prefix("alt. ").unwrap_or(p);
        let Some(value) = p.strip_prefix("DOB ") else {
            continue;
        };
        let value = value.trim().trim_end_matches('.').trim();
        texts.push(value.to_string());
        if let Some(spec) = parse_dob(value) {
            specs.push(spec);
        }
    }
    (specs, texts)
}

/// Parse one DOB value as OFAC writes it.
pub fn parse_dob(value: &str) -> Option<DobSpec> {
    let v = value.trim();
    if let Some(inner) = v.strip_prefix("circa ") {
        let inner = inner.trim();
        if let Some((a, b)) = inner.split_once('-') {
            let from = parse_partial(a)?.0;
            let to = parse_partial(b)?.1;
            return Some(DobSpec::Range { from, to });
        }
        let (from, _) = parse_partial(inner)?;
        return Some(DobSpec::Circa {
            year: chrono::Datelike::year(&from),
        });
    }
    if let Some((a, b)) = v.split_once(" to ") {
        let from = parse_partial(a)?.0;
        let to = parse_partial(b)?.1;
        if from > to {
            return None;
        }
        return Some(DobSpec::Range { from, to });
    }
    let parts: Vec<&str> = v.split_whitespace().collect();
    match parts.as_slice() {
        [d, m, y] => {
            let date = NaiveDate::from_ymd_opt(year(y)?, month(m)?, d.parse().ok()?)?;
            Some(DobSpec::Date { date })
        }
        [m, y] => Some(DobSpec::Month {
            year: year(y)?,
            month: month(m)?,
        }),
        [y] => Some(DobSpec::Year { year: year(y)? }),
        _ => None,
    }
}

/// The first and last day covered by `14 Jun 1975`, `Jun 1975` or `1975`.
fn parse_partial(s: &str) -> Option<(NaiveDate, NaiveDate)> {
    let parts: Vec<&str> = s.split_whitespace().collect();
    match parts.as_slice() {
        [d, m, y] => {
            let date = NaiveDate::from_ymd_opt(year(y)?, month(m)?, d.parse().ok()?)?;
            Some((date, date))
        }
        [m, y] => {
            let (y, m) = (year(y)?, month(m)?);
            let first = NaiveDate::from_ymd_opt(y, m, 1)?;
            let next = if m == 12 {
                NaiveDate::from_ymd_opt(y + 1, 1, 1)?
            } else {
                NaiveDate::from_ymd_opt(y, m + 1, 1)?
            };
            Some((first, next.pred_opt()?))
        }
        [y] => {
            let y = year(y)?;
            Some((
                NaiveDate::from_ymd_opt(y, 1, 1)?,
                NaiveDate::from_ymd_opt(y, 12, 31)?,
            ))
        }
        _ => None,
    }
}

fn year(s: &str) -> Option<i32> {
    let y: i32 = s.trim().parse().ok()?;
    (1800..=2100).contains(&y).then_some(y)
}

fn month(s: &str) -> Option<u32> {
    let m = s.trim().to_ascii_lowercase();
    let idx = [
        "jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec",
    ]
    .iter()
    .position(|n| m.starts_with(n))?;
    Some(idx as u32 + 1)
}
