//! Name normalisation: case and diacritic folding, punctuation, `LAST, First` order, token classes.
//!
//! The same normalisation is applied to list names and to screened names, so both sides compare in one
//! canonical form: lowercase ASCII where a Latin transliteration exists (`Müller` → `muller`,
//! `Straße` → `strasse`, `Ærø` → `aero`), apostrophes removed (`O'Brien` → `obrien`), hyphens and other
//! punctuation split tokens, dotted abbreviations joined (`S.A.` → `sa`), and `LAST, First` reordered
//! to `First LAST` when the part after the single comma is not just a legal form (`CO., LTD.`).

use serde::Serialize;

/// How much a token counts when names are compared.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum TokenClass {
    /// An ordinary name token: counts fully and can support a hit.
    Significant,
    /// A generic business word (`trading`, `group`, `bank`): counts, but cannot support a hit alone.
    Generic,
    /// A name particle (`al`, `bin`, `de`, `van`).
    Particle,
    /// A legal form (`ltd`, `llc`, `gmbh`, `jsc`).
    LegalForm,
    /// A stop word (`the`, `and`, `of`).
    Stopword,
    /// A single letter or digit (an initial).
    Initial,
}

impl TokenClass {
    /// Weight of a token of this class in the name score.
    pub fn weight(self) -> f64 {
        match self {
            TokenClass::Significant => 1.0,
            TokenClass::Generic => 0.6,
            TokenClass::Initial => 0.5,
            TokenClass::Particle => 0.3,
            TokenClass::LegalForm => 0.2,
            TokenClass::Stopword => 0.1,
        }
    }

    /// Whether a pair of such tokens counts towards the two-token minimum for a hit.
    pub fn is_significant(self) -> bool {
        matches!(self, TokenClass::Significant)
    }
}

const PARTICLES: &[&str] = &[
    "al", "el", "ul", "bin", "ibn", "bint", "binti", "abu", "abd", "de", "da", "do", "dos", "das",
    "del", "della", "der", "den", "di", "du", "la", "le", "van", "von", "y",
];

const LEGAL_FORMS: &[&str] = &[
    "ltd",
    "limited",
    "llc",
    "inc",
    "incorporated",
    "co",
    "corp",
    "corporation",
    "sa",
    "sas",
    "sarl",
    "srl",
    "spa",
    "ag",
    "gmbh",
    "bv",
    "nv",
    "plc",
    "jsc",
    "ojsc",
    "cjsc",
    "pjsc",
    "oao",
    "zao",
    "ooo",
    "fze",
    "fzco",
    "fzc",
    "fz",
    "llp",
    "lp",
    "pte",
    "pty",
    "bhd",
    "sdn",
    "kg",
    "ab",
    "as",
    "oy",
    "ltda",
    "cia",
    "sl",
    "sae",
    "lda",
    "kft",
    "doo",
    "ad",
];

const STOPWORDS: &[&str] = &["the", "and", "of", "for", "und", "et", "an", "on", "in"];

const GENERIC: &[&str] = &[
    "trading",
    "trade",
    "group",
    "holding",
    "holdings",
    "international",
    "intl",
    "company",
    "general",
    "industries",
    "industrial",
    "industry",
    "enterprise",
    "enterprises",
    "services",
    "service",
    "investment",
    "investments",
    "bank",
    "import",
    "export",
    "exports",
    "commercial",
    "shipping",
    "establishment",
    "organization",
    "organisation",
    "foundation",
    "association",
];

/// Classify a normalised token.
pub fn classify(token: &str) -> TokenClass {
    if token.chars().count() <= 1 {
        TokenClass::Initial
    } else if PARTICLES.contains(&token) {
        TokenClass::Particle
    } else if LEGAL_FORMS.contains(&token) {
        TokenClass::LegalForm
    } else if STOPWORDS.contains(&token) {
        TokenClass::Stopword
    } else if GENERIC.contains(&token) {
        TokenClass::Generic
    } else {
        TokenClass::Significant
    }
}

/// Particles that are also written fused with the next token (`al-rashidi` / `alrashidi`).
const FUSING_PARTICLES: &[&str] = &["al", "el", "ul", "abu", "abd", "bin", "ibn"];

/// What a character becomes after folding.
enum Folded {
    /// Append these lowercase characters.
    Text(&'static str),
    /// Append this character (already lowercase).
    Char(char),
    /// Drop the character (apostrophes, combining marks).
    Drop,
    /// A token separator.
    Space,
    /// A hyphen: separates tokens but keeps them in one compound group.
    Hyphen,
    /// A full stop: abbreviation dots are joined, others separate.
    Dot,
    /// A comma (used for `LAST, First`).
    Comma,
}

fn fold_latin1(c: char) -> Option<&'static str> {
    let s = match c {
        'À'..='Å' | 'à'..='å' => "a",
        'Æ' | 'æ' => "ae",
        'Ç' | 'ç' => "c",
        'È'..='Ë' | 'è'..='ë' => "e",
        'Ì'..='Ï' | 'ì'..='ï' => "i",
        'Ð' | 'ð' => "d",
        'Ñ' | 'ñ' => "n",
        'Ò'..='Ö' | 'ò'..='ö' | 'Ø' | 'ø' => "o",
        'Ù'..='Ü' | 'ù'..='ü' => "u",
        'Ý' | 'ý' | 'ÿ' => "y",
        'Þ' | 'þ' => "th",
        'ß' => "ss",
        _ => return None,
    };
    Some(s)
}

fn fold_latin_ext(c: char) -> Option<&'static str> {
    let s = match c as u32 {
        0x0100..=0x0105 => "a",
        0x0106..=0x010D => "c",
        0x010E..=0x0111 => "d",
        0x0112..=0x011B => "e",
        0x011C..=0x0123 => "g",
        0x0124..=0x0127 => "h",
        0x0128..=0x0131 => "i",
        0x0132..=0x0133 => "ij",
        0x0134..=0x0135 => "j",
        0x0136..=0x0138 => "k",
        0x0139..=0x0142 => "l",
        0x0143..=0x014B => "n",
        0x014C..=0x0151 => "o",
        0x0152..=0x0153 => "oe",
        0x0154..=0x0159 => "r",
        0x015A..=0x0161 | 0x017F | 0x0218..=0x0219 => "s",
        0x0162..=0x0167 | 0x021A..=0x021B => "t",
        0x0168..=0x0173 => "u",
        0x0174..=0x0175 => "w",
        0x0176..=0x0178 => "y",
        0x0179..=0x017E => "z",
        0x0192 => "f",
        0x01A0..=0x01A1 => "o",
        0x01AF..=0x01B0 => "u",
        0x01CD..=0x01CE => "a",
        0x01CF..=0x01D0 => "i",
        0x01D1..=0x01D2 => "o",
        0x01D3..=0x01DC => "u",
        // Latin Extended Additional (Vietnamese and others), grouped by base letter.
        0x1EA0..=0x1EB7 => "a",
        0x1EB8..=0x1EC7 => "e",
        0x1EC8..=0x1ECB => "i",
        0x1ECC..=0x1EE3 => "o",
        0x1EE4..=0x1EF1 => "u",
        0x1EF2..=0x1EF9 => "y",
        _ => return None,
    };
    Some(s)
}

fn fold_char(c: char) -> Folded {
    if c.is_ascii() {
        return match c {
            'A'..='Z' => Folded::Char(c.to_ascii_lowercase()),
            'a'..='z' | '0'..='9' => Folded::Char(c),
            '\'' | '`' => Folded::Drop,
            '-' => Folded::Hyphen,
            '.' => Folded::Dot,
            ',' => Folded::Comma,
            _ => Folded::Space,
        };
    }
    if let Some(s) = fold_latin1(c).or_else(|| fold_latin_ext(c)) {
        return Folded::Text(s);
    }
    match c {
        // Apostrophe-like marks and combining diacritics vanish.
        '\u{2018}' | '\u{2019}' | '\u{00B4}' | '\u{02BC}' | '\u{02BB}' | '\u{02BF}'
        | '\u{02BE}' => Folded::Drop,
        '\u{0300}'..='\u{036F}' => Folded::Drop,
        '\u{2010}'..='\u{2015}' | '\u{2212}' => Folded::Hyphen,
        '\u{FF0C}' | '\u{060C}' => Folded::Comma,
        _ if c.is_alphanumeric() => {
            let mut lower = c.to_lowercase();
            match (lower.next(), lower.next()) {
                (Some(l), None) => Folded::Char(l),
                _ => Folded::Char(c),
            }
        }
        _ => Folded::Space,
    }
}

/// Lowercase and fold diacritics, keeping everything else (useful for display and tests).
pub fn fold(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match fold_char(c) {
            Folded::Text(t) => out.push_str(t),
            Folded::Char(ch) => out.push(ch),
            Folded::Drop => {}
            Folded::Space => out.push(' '),
            Folded::Hyphen => out.push('-'),
            Folded::Dot => out.push('.'),
            Folded::Comma => out.push(','),
        }
    }
    out
}

/// One comma-separated part of a name: groups of tokens (a group = one hyphenated/dotted word).
type Part = Vec<Vec<String>>;

/// Split a name into comma-separated parts of hyphen-groups of tokens.
fn split_parts(raw: &str) -> Vec<Part> {
    let mut parts: Vec<Part> = vec![Vec::new()];
    // Current word: segments separated by hyphens, each a list of dot-separated pieces.
    let mut word: Vec<Vec<String>> = vec![vec![String::new()]];

    fn flush_word(word: &mut Vec<Vec<String>>, part: &mut Part) {
        let mut group = Vec::new();
        for segment in word.drain(..) {
            let pieces: Vec<String> = segment.into_iter().filter(|p| !p.is_empty()).collect();
            if pieces.len() > 1 && pieces.iter().all(|p| p.chars().count() == 1) {
                // Dotted abbreviation: S.A. → sa, L.L.C. → llc.
                group.push(pieces.concat());
            } else {
                group.extend(pieces);
            }
        }
        if !group.is_empty() {
            part.push(group);
        }
        word.push(vec![String::new()]);
    }

    for c in raw.chars() {
        let folded = fold_char(c);
        if let Folded::Comma = folded {
            if let Some(part) = parts.last_mut() {
                flush_word(&mut word, part);
            }
            parts.push(Vec::new());
            continue;
        }
        let Some(part) = parts.last_mut() else {
            break;
        };
        match folded {
            Folded::Text(t) => push_piece(&mut word, t),
            Folded::Char(ch) => {
                let mut buf = [0u8; 4];
                push_piece(&mut word, ch.encode_utf8(&mut buf));
            }
            Folded::Drop | Folded::Comma => {}
            Folded::Space => flush_word(&mut word, part),
            Folded::Hyphen => word.push(vec![String::new()]),
            Folded::Dot => {
                if let Some(seg) = word.last_mut() {
                    seg.push(String::new());
                }
            }
        }
    }
    if let Some(part) = parts.last_mut() {
        flush_word(&mut word, part);
    }
    parts.retain(|p| !p.is_empty());
    parts
}

fn push_piece(word: &mut [Vec<String>], s: &str) {
    if let Some(piece) = word.last_mut().and_then(|seg| seg.last_mut()) {
        piece.push_str(s);
    }
}

/// Parts in comparison order: `LAST, First` becomes `First LAST` unless the part after the comma is
/// only legal forms (`ANGLO-CARIBBEAN CO., LTD.`).
fn ordered_groups(raw: &str) -> Vec<Vec<String>> {
    let mut parts = split_parts(raw);
    if parts.len() == 2 {
        let second_is_legal = parts[1]
            .iter()
            .flatten()
            .all(|t| classify(t) == TokenClass::LegalForm);
        if !second_is_legal {
            parts.swap(0, 1);
        }
    }
    parts.into_iter().flatten().collect()
}

/// Normalised tokens of a name, in comparison order.
///
/// With `keep_initials == false` single-character tokens are dropped (used for list names, where
/// they carry no screening value).
pub fn normalize_name(raw: &str, keep_initials: bool) -> Vec<String> {
    ordered_groups(raw)
        .into_iter()
        .flatten()
        .filter(|t| keep_initials || t.chars().count() > 1)
        .collect()
}

/// The normalised name plus, when it differs, a compound variant where hyphenated words and fusing
/// particles are joined (`al-rashidi` → `alrashidi`, `okonkwo-bello` → `okonkwobello`), so that
/// names written with or without the hyphen or space still pair token for token.
pub fn name_variants(raw: &str, keep_initials: bool) -> Vec<Vec<String>> {
    let groups = ordered_groups(raw);
    let keep = |t: &String| keep_initials || t.chars().count() > 1;
    let primary: Vec<String> = groups
        .iter()
        .flatten()
        .filter(|t| keep(t))
        .cloned()
        .collect();
    let mut joined: Vec<String> = Vec::new();
    let mut pending_particle: Option<String> = None;
    for group in &groups {
        let word: String = group.concat();
        if word.is_empty() {
            continue;
        }
        if let Some(p) = pending_particle.take() {
            joined.push(format!("{p}{word}"));
            continue;
        }
        if group.len() == 1 && FUSING_PARTICLES.contains(&word.as_str()) {
            pending_particle = Some(word);
        } else {
            joined.push(word);
        }
    }
    if let Some(p) = pending_particle {
        joined.push(p);
    }
    joined.retain(|t| keep(t));
    let mut out = vec![primary];
    if !joined.is_empty() && joined != out[0] {
        out.push(joined);
    }
    out
}
