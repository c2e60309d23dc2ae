//! Automated data-quality, duplicate and jurisdiction checks (product spec §3).
//!
//! Every check is a pure function returning a [`Finding`] with a stable rule id (see [`rules`]),
//! a pass/fail result and a specific, human explanation. Passing findings have severity
//! [`Severity::Info`]; a failing finding carries the rule's own severity. A check that does not
//! apply passes with an explanation starting `not applicable:`; a check that cannot run because
//! the field holds tokenized ciphertext passes with the explanation [`SKIPPED_TOKENIZED`].
//!
//! [`run_all_checks`] returns one finding per rule, in [`rules::ALL`] order, so the UI can list
//! every check. For a whole instance, build a [`DuplicateIndex`] once and use
//! [`run_all_checks_indexed`].

use std::collections::{BTreeSet, HashMap};

use chrono::{Datelike, NaiveDate};
use serde::Serialize;

use super::countries::{
    calling_codes, country_for_phone, country_name, fold_text, normalize_country,
};
use super::identity::{fields, DobField, Identity, IdentityKind};

/// Stable rule ids.
pub mod rules {
    pub const TYPE_UNKNOWN: &str = "identity.type_unknown";
    pub const NAME_MISSING: &str = "name.missing";
    pub const ORG_NAME_MISSING: &str = "org.name_missing";
    pub const FIELDS_MISSING: &str = "fields.missing";
    pub const DOB_MISSING: &str = "dob.missing";
    pub const DOB_UNPARSEABLE: &str = "dob.unparseable";
    pub const DOB_FUTURE: &str = "dob.future";
    pub const DOB_MINOR: &str = "dob.minor";
    pub const DOB_TOO_OLD: &str = "dob.too_old";
    pub const EMAIL_INVALID: &str = "email.invalid";
    pub const PHONE_NOT_E164: &str = "phone.not_e164";
    pub const PHONE_COUNTRY_MISMATCH: &str = "phone.country_mismatch";
    pub const COUNTRY_UNMAPPABLE: &str = "country.unmappable";
    pub const NATIONALITY_UNMAPPABLE: &str = "nationality.unmappable";
    pub const TOKENIZED_PRESENT: &str = "tokenized.present";
    pub const DUPLICATE_EMAIL: &str = "duplicate.email";
    pub const DUPLICATE_PHONE: &str = "duplicate.phone";
    pub const DUPLICATE_NAME_DOB: &str = "duplicate.name_dob";
    pub const JURISDICTION_HIGH_RISK: &str = "jurisdiction.high_risk";

    /// Every rule, in the order [`super::run_all_checks`] reports them.
    pub const ALL: &[&str] = &[
        TYPE_UNKNOWN,
        NAME_MISSING,
        ORG_NAME_MISSING,
        FIELDS_MISSING,
        DOB_MISSING,
        DOB_UNPARSEABLE,
        DOB_FUTURE,
        DOB_MINOR,
        DOB_TOO_OLD,
        EMAIL_INVALID,
        PHONE_NOT_E164,
        PHONE_COUNTRY_MISMATCH,
        COUNTRY_UNMAPPABLE,
        NATIONALITY_UNMAPPABLE,
        TOKENIZED_PRESENT,
        DUPLICATE_EMAIL,
        DUPLICATE_PHONE,
        DUPLICATE_NAME_DOB,
        JURISDICTION_HIGH_RISK,
    ];
}

/// The explanation of a check skipped because its field is tokenized.
pub const SKIPPED_TOKENIZED: &str = "skipped: field tokenized";

/// Adults only: the `dob.minor` threshold.
pub const MIN_AGE: u32 = 18;
/// Older than this is implausible: the `dob.too_old` threshold.
pub const MAX_AGE: u32 = 120;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    Info,
    Warning,
    Error,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Info => "info",
            Severity::Warning => "warning",
            Severity::Error => "error",
        }
    }
}

/// The result of one rule for one identity.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Finding {
    pub rule_id: &'static str,
    pub severity: Severity,
    pub passed: bool,
    pub explanation: String,
    /// The Blnk field the rule looks at, when there is one.
    pub field: Option<&'static str>,
}

impl Finding {
    /// A passing result (severity `Info`).
    pub fn pass(
        rule_id: &'static str,
        field: Option<&'static str>,
        explanation: impl Into<String>,
    ) -> Finding {
        Finding {
            rule_id,
            severity: Severity::Info,
            passed: true,
            explanation: explanation.into(),
            field,
        }
    }

    /// A failing result.
    pub fn fail(
        rule_id: &'static str,
        severity: Severity,
        field: Option<&'static str>,
        explanation: impl Into<String>,
    ) -> Finding {
        Finding {
            rule_id,
            severity,
            passed: false,
            explanation: explanation.into(),
            field,
        }
    }

    fn not_applicable(rule_id: &'static str, field: Option<&'static str>, why: &str) -> Finding {
        Finding::pass(rule_id, field, format!("not applicable: {why}"))
    }

    fn skipped_tokenized(rule_id: &'static str, field: &'static str) -> Finding {
        Finding::pass(rule_id, Some(field), SKIPPED_TOKENIZED)
    }

    /// Whether the check was skipped because its field is tokenized.
    pub fn is_skipped_tokenized(&self) -> bool {
        self.explanation == SKIPPED_TOKENIZED
    }
}

fn country_label(alpha2: &str) -> String {
    match country_name(alpha2) {
        Some(name) => format!("{alpha2} ({name})"),
        None => alpha2.to_string(),
    }
}

fn quoted(s: &str) -> String {
    const MAX: usize = 80;
    if s.chars().count() > MAX {
        let cut: String = s.chars().take(MAX).collect();
        format!("\"{cut}…\"")
    } else {
        format!("\"{s}\"")
    }
}

// ---------------------------------------------------------------------------------------------
// Type and names

/// `identity.type_unknown` (error): neither `identity_type` nor `category` says individual or
/// organization, and it could not be inferred.
pub fn check_type(identity: &Identity) -> Finding {
    let rule = rules::TYPE_UNKNOWN;
    let field = Some(fields::IDENTITY_TYPE);
    match &identity.kind {
        IdentityKind::Unknown(_) => {
            let show = |v: &Option<String>| match v {
                Some(s) => quoted(s),
                None => "empty".to_string(),
            };
            Finding::fail(
                rule,
                Severity::Error,
                field,
                format!(
                    "identity_type is {} and category is {}; neither says individual or organization",
                    show(&identity.identity_type),
                    show(&identity.category)
                ),
            )
        }
        kind => {
            let how = if identity
                .identity_type
                .as_deref()
                .is_some_and(|t| t.eq_ignore_ascii_case(kind.as_str()))
            {
                "from identity_type".to_string()
            } else if identity
                .category
                .as_deref()
                .is_some_and(|t| t.eq_ignore_ascii_case(kind.as_str()))
            {
                "from category (identity_type and category are swapped)".to_string()
            } else if identity.identity_type.is_some() || identity.category.is_some() {
                "from identity_type/category".to_string()
            } else {
                "inferred from organization_name".to_string()
            };
            Finding::pass(
                rule,
                field,
                format!("Identity is an {} ({how})", kind.as_str()),
            )
        }
    }
}

/// `name.missing` (error): an individual without a first or last name.
pub fn check_name(identity: &Identity) -> Finding {
    let rule = rules::NAME_MISSING;
    if identity.kind != IdentityKind::Individual {
        return Finding::not_applicable(rule, None, "not an individual");
    }
    let missing: Vec<&str> = [
        (fields::FIRST_NAME, &identity.first_name),
        (fields::LAST_NAME, &identity.last_name),
    ]
    .iter()
    .filter(|(_, v)| v.is_none())
    .map(|(f, _)| *f)
    .collect();
    match missing.as_slice() {
        [] => Finding::pass(rule, None, "First and last name are present"),
        [one] => Finding::fail(
            rule,
            Severity::Error,
            Some(one),
            format!("Individual has no {one}"),
        ),
        _ => Finding::fail(
            rule,
            Severity::Error,
            Some(fields::FIRST_NAME),
            "Individual has neither first_name nor last_name",
        ),
    }
}

/// `org.name_missing` (error): an organization without `organization_name`.
pub fn check_org_name(identity: &Identity) -> Finding {
    let rule = rules::ORG_NAME_MISSING;
    let field = Some(fields::ORGANIZATION_NAME);
    if identity.kind != IdentityKind::Organization {
        return Finding::not_applicable(rule, field, "not an organization");
    }
    if identity.organization_name.is_some() {
        Finding::pass(rule, field, "organization_name is present")
    } else {
        Finding::fail(
            rule,
            Severity::Error,
            field,
            "Organization has no organization_name",
        )
    }
}

/// The required fields that are missing, by identity type: individuals need first_name,
/// last_name, dob (the zero date counts as missing), country, and email_address or phone_number;
/// organizations need organization_name and country.
pub fn missing_required_fields(identity: &Identity) -> Vec<&'static str> {
    let mut missing = Vec::new();
    match identity.kind {
        IdentityKind::Individual => {
            if identity.first_name.is_none() {
                missing.push(fields::FIRST_NAME);
            }
            if identity.last_name.is_none() {
                missing.push(fields::LAST_NAME);
            }
            if matches!(identity.dob, DobField::Missing | DobField::ZeroDate) {
                missing.push(fields::DOB);
            }
            if identity.country.is_none() {
                missing.push(fields::COUNTRY);
            }
            if identity.email.is_none() && identity.phone.is_none() {
                missing.push("email_address or phone_number");
            }
        }
        IdentityKind::Organization => {
            if identity.organization_name.is_none() {
                missing.push(fields::ORGANIZATION_NAME);
            }
            if identity.country.is_none() {
                missing.push(fields::COUNTRY);
            }
        }
        IdentityKind::Unknown(_) => {}
    }
    missing
}

/// `fields.missing` (error): required fields by identity type (see [`missing_required_fields`]).
pub fn check_required_fields(identity: &Identity) -> Finding {
    let rule = rules::FIELDS_MISSING;
    if let IdentityKind::Unknown(_) = identity.kind {
        return Finding::not_applicable(
            rule,
            None,
            "identity type unknown, so the required fields are unknown",
        );
    }
    let missing = missing_required_fields(identity);
    if missing.is_empty() {
        Finding::pass(
            rule,
            None,
            format!(
                "All fields required for an {} are present",
                identity.kind.as_str()
            ),
        )
    } else {
        let field = match missing[0] {
            fields::FIRST_NAME => Some(fields::FIRST_NAME),
            fields::LAST_NAME => Some(fields::LAST_NAME),
            fields::DOB => Some(fields::DOB),
            fields::COUNTRY => Some(fields::COUNTRY),
            fields::ORGANIZATION_NAME => Some(fields::ORGANIZATION_NAME),
            _ => Some(fields::EMAIL),
        };
        Finding::fail(
            rule,
            Severity::Error,
            field,
            format!(
                "Missing required field{} for an {}: {}",
                if missing.len() == 1 { "" } else { "s" },
                identity.kind.as_str(),
                missing.join(", ")
            ),
        )
    }
}

// ---------------------------------------------------------------------------------------------
// Date of birth

/// Completed years from `dob` to `today` (0 when `today` is before `dob`). A birthday counts on
/// the day itself; someone born on 29 February turns a year older on 1 March in non-leap years.
pub fn age_on(dob: NaiveDate, today: NaiveDate) -> u32 {
    if today <= dob {
        return 0;
    }
    let mut years = today.year() - dob.year();
    if (today.month(), today.day()) < (dob.month(), dob.day()) {
        years -= 1;
    }
    u32::try_from(years).unwrap_or(0)
}

/// Why the dob checks other than `dob.missing` do not run, if they don't.
fn dob_precondition(identity: &Identity, rule: &'static str) -> Result<NaiveDate, Finding> {
    let field = Some(fields::DOB);
    if identity.kind == IdentityKind::Organization {
        return Err(Finding::not_applicable(
            rule,
            field,
            "organizations have no date of birth",
        ));
    }
    if identity.is_tokenized(fields::DOB) {
        return Err(Finding::skipped_tokenized(rule, fields::DOB));
    }
    match &identity.dob {
        DobField::Date(d) => Ok(*d),
        DobField::Missing | DobField::ZeroDate => Err(Finding::not_applicable(
            rule,
            field,
            "no date of birth (see dob.missing)",
        )),
        DobField::Unparseable(_) => Err(Finding::not_applicable(
            rule,
            field,
            "date of birth unreadable (see dob.unparseable)",
        )),
    }
}

/// `dob.missing` (error): an individual's dob is absent, empty or the zero date
/// `0001-01-01T00:00:00Z`.
pub fn check_dob_missing(identity: &Identity) -> Finding {
    let rule = rules::DOB_MISSING;
    let field = Some(fields::DOB);
    match identity.kind {
        IdentityKind::Organization => {
            return Finding::not_applicable(rule, field, "organizations have no date of birth")
        }
        IdentityKind::Unknown(_)
            if matches!(identity.dob, DobField::Missing | DobField::ZeroDate) =>
        {
            return Finding::not_applicable(rule, field, "identity type unknown")
        }
        _ => {}
    }
    match &identity.dob {
        DobField::Missing => {
            Finding::fail(rule, Severity::Error, field, "Date of birth is missing")
        }
        DobField::ZeroDate => Finding::fail(
            rule,
            Severity::Error,
            field,
            "Date of birth is the zero date 0001-01-01, which Blnk uses for \"not set\"",
        ),
        _ if identity.is_tokenized(fields::DOB) => {
            Finding::pass(rule, field, "Date of birth is present (tokenized)")
        }
        DobField::Date(d) => Finding::pass(rule, field, format!("Date of birth is {d}")),
        DobField::Unparseable(_) => Finding::pass(
            rule,
            field,
            "Date of birth is present (but unreadable, see dob.unparseable)",
        ),
    }
}

/// `dob.unparseable` (error): dob present but not an RFC 3339 timestamp or `YYYY-MM-DD` date.
pub fn check_dob_unparseable(identity: &Identity) -> Finding {
    let rule = rules::DOB_UNPARSEABLE;
    let field = Some(fields::DOB);
    if identity.kind == IdentityKind::Organization {
        return Finding::not_applicable(rule, field, "organizations have no date of birth");
    }
    if identity.is_tokenized(fields::DOB) {
        return Finding::skipped_tokenized(rule, fields::DOB);
    }
    match &identity.dob {
        DobField::Unparseable(raw) => Finding::fail(
            rule,
            Severity::Error,
            field,
            format!(
                "Date of birth {} is not a date (expected YYYY-MM-DD or an RFC 3339 timestamp)",
                quoted(raw)
            ),
        ),
        DobField::Date(d) => Finding::pass(rule, field, format!("Date of birth {d} is readable")),
        DobField::Missing | DobField::ZeroDate => {
            Finding::not_applicable(rule, field, "no date of birth (see dob.missing)")
        }
    }
}

/// `dob.future` (error): date of birth after `today`.
pub fn check_dob_future(identity: &Identity, today: NaiveDate) -> Finding {
    let rule = rules::DOB_FUTURE;
    let field = Some(fields::DOB);
    let dob = match dob_precondition(identity, rule) {
        Ok(d) => d,
        Err(f) => return f,
    };
    if dob > today {
        Finding::fail(
            rule,
            Severity::Error,
            field,
            format!("Date of birth {dob} is after today ({today})"),
        )
    } else {
        Finding::pass(
            rule,
            field,
            format!("Date of birth {dob} is not in the future"),
        )
    }
}

/// `dob.minor` (error): younger than [`MIN_AGE`] on `today`.
pub fn check_dob_minor(identity: &Identity, today: NaiveDate) -> Finding {
    let rule = rules::DOB_MINOR;
    let field = Some(fields::DOB);
    let dob = match dob_precondition(identity, rule) {
        Ok(d) => d,
        Err(f) => return f,
    };
    if dob > today {
        return Finding::not_applicable(
            rule,
            field,
            "date of birth is in the future (see dob.future)",
        );
    }
    let age = age_on(dob, today);
    if age < MIN_AGE {
        Finding::fail(
            rule,
            Severity::Error,
            field,
            format!("Age {age} on {today} (born {dob}) is under {MIN_AGE}"),
        )
    } else {
        Finding::pass(
            rule,
            field,
            format!("Age {age} on {today} (born {dob}) is {MIN_AGE} or over"),
        )
    }
}

/// `dob.too_old` (error): older than [`MAX_AGE`] on `today`.
pub fn check_dob_too_old(identity: &Identity, today: NaiveDate) -> Finding {
    let rule = rules::DOB_TOO_OLD;
    let field = Some(fields::DOB);
    let dob = match dob_precondition(identity, rule) {
        Ok(d) => d,
        Err(f) => return f,
    };
    if dob > today {
        return Finding::not_applicable(
            rule,
            field,
            "date of birth is in the future (see dob.future)",
        );
    }
    let age = age_on(dob, today);
    if age > MAX_AGE {
        Finding::fail(
            rule,
            Severity::Error,
            field,
            format!("Age {age} on {today} (born {dob}) is over {MAX_AGE}, which is implausible"),
        )
    } else {
        Finding::pass(
            rule,
            field,
            format!("Age {age} on {today} (born {dob}) is {MAX_AGE} or under"),
        )
    }
}

// ---------------------------------------------------------------------------------------------
// Email and phone

fn valid_local_char(c: char) -> bool {
    c.is_alphanumeric() || "!#$%&'*+/=?^_`{|}~.-".contains(c)
}

/// Pragmatic email syntax: exactly one `@`; no spaces or control characters; local part 1–64
/// characters from the usual set without leading, trailing or doubled dots; a domain of at most
/// 253 characters with at least one dot, labels of 1–63 letters, digits or hyphens (not at either
/// end), and an alphabetic (or `xn--`) top-level label of two or more characters. `Err` says what
/// is wrong.
pub fn validate_email(email: &str) -> Result<(), String> {
    if email.is_empty() {
        return Err("it is empty".into());
    }
    if email.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err("it contains spaces or control characters".into());
    }
    if email.chars().count() > 254 {
        return Err("it is longer than 254 characters".into());
    }
    let ats = email.matches('@').count();
    if ats != 1 {
        return Err(if ats == 0 {
            "it has no @".into()
        } else {
            format!("it has {ats} @ signs; exactly one is allowed")
        });
    }
    let (local, domain) = email.split_once('@').unwrap_or((email, ""));
    if local.is_empty() {
        return Err("the part before @ is empty".into());
    }
    if local.chars().count() > 64 {
        return Err(format!(
            "the part before @ is {} characters; at most 64 are allowed",
            local.chars().count()
        ));
    }
    if let Some(bad) = local.chars().find(|c| !valid_local_char(*c)) {
        return Err(format!("the part before @ contains {bad:?}"));
    }
    if local.starts_with('.') || local.ends_with('.') || local.contains("..") {
        return Err("the part before @ starts or ends with a dot or has two dots in a row".into());
    }
    if domain.is_empty() {
        return Err("the domain after @ is empty".into());
    }
    if domain.chars().count() > 253 {
        return Err("the domain is longer than 253 characters".into());
    }
    if !domain.contains('.') {
        return Err(format!("the domain {} has no dot", quoted(domain)));
    }
    let labels: Vec<&str> = domain.split('.').collect();
    for label in &labels {
        if label.is_empty() {
            return Err(format!("the domain {} has an empty label", quoted(domain)));
        }
        if label.chars().count() > 63 {
            return Err("a domain label is longer than 63 characters".into());
        }
        if let Some(bad) = label.chars().find(|c| !(c.is_alphanumeric() || *c == '-')) {
            return Err(format!("the domain contains {bad:?}"));
        }
        if label.starts_with('-') || label.ends_with('-') {
            return Err(format!(
                "the domain label {} starts or ends with a hyphen",
                quoted(label)
            ));
        }
    }
    let tld = labels.last().copied().unwrap_or_default();
    let tld_ok = tld.chars().count() >= 2
        && (tld.chars().all(char::is_alphabetic) || tld.to_ascii_lowercase().starts_with("xn--"));
    if !tld_ok {
        return Err(format!("the top-level domain {} is not valid", quoted(tld)));
    }
    Ok(())
}

/// `email.invalid` (error): see [`validate_email`].
pub fn check_email(identity: &Identity) -> Finding {
    let rule = rules::EMAIL_INVALID;
    let field = Some(fields::EMAIL);
    if identity.is_tokenized(fields::EMAIL) {
        return Finding::skipped_tokenized(rule, fields::EMAIL);
    }
    let Some(email) = identity.email.as_deref() else {
        return Finding::not_applicable(rule, field, "no email address");
    };
    match validate_email(email) {
        Ok(()) => Finding::pass(
            rule,
            field,
            format!("Email {} is well formed", quoted(email)),
        ),
        Err(why) => Finding::fail(
            rule,
            Severity::Error,
            field,
            format!("Email {} is not valid: {why}", quoted(email)),
        ),
    }
}

/// Minimum and maximum digit counts of an E.164 number as checked here.
pub const E164_MIN_DIGITS: usize = 7;
pub const E164_MAX_DIGITS: usize = 15;

/// Whether `phone` is exactly E.164: `+`, a first digit 1–9, 7–15 digits in all, nothing else.
pub fn is_e164(phone: &str) -> bool {
    e164_problem(phone).is_none()
}

/// What keeps `phone` from being exact E.164 (`^\+[1-9]\d{6,14}$`), or `None` when it is.
pub fn e164_problem(phone: &str) -> Option<String> {
    if phone.is_empty() {
        return Some("it is empty".into());
    }
    let formatting = |c: char| c.is_whitespace() || matches!(c, '-' | '(' | ')' | '.' | '/');
    let digits: String = phone.chars().filter(char::is_ascii_digit).collect();
    let others: Vec<char> = phone
        .chars()
        .filter(|c| !c.is_ascii_digit() && *c != '+' && !formatting(*c))
        .collect();
    if let Some(bad) = others.first() {
        return Some(format!("it contains {bad:?}, which is not a digit"));
    }
    let plus_count = phone.matches('+').count();
    if plus_count > 1 || (plus_count == 1 && !phone.starts_with('+')) {
        return Some("the + may only appear once, at the start".into());
    }
    let has_formatting = phone.chars().any(formatting);
    if !phone.starts_with('+') {
        if let Some(rest) = digits.strip_prefix("00") {
            return Some(format!(
                "it uses the 00 international prefix instead of + (E.164 would be +{rest})"
            ));
        }
        return Some("it has no leading + and country code".into());
    }
    if digits.starts_with('0') {
        return Some("the country code after + cannot start with 0".into());
    }
    let n = digits.len();
    if n < E164_MIN_DIGITS {
        return Some(format!(
            "it is too short: {n} digits (E.164 allows {E164_MIN_DIGITS}–{E164_MAX_DIGITS})"
        ));
    }
    if n > E164_MAX_DIGITS {
        return Some(format!(
            "it is too long: {n} digits (E.164 allows {E164_MIN_DIGITS}–{E164_MAX_DIGITS})"
        ));
    }
    if has_formatting {
        return Some(format!(
            "it contains spaces or punctuation; E.164 is + and digits only (+{digits})"
        ));
    }
    None
}

/// `phone.not_e164` (error): see [`e164_problem`].
pub fn check_phone_e164(identity: &Identity) -> Finding {
    let rule = rules::PHONE_NOT_E164;
    let field = Some(fields::PHONE);
    if identity.is_tokenized(fields::PHONE) {
        return Finding::skipped_tokenized(rule, fields::PHONE);
    }
    let Some(phone) = identity.phone.as_deref() else {
        return Finding::not_applicable(rule, field, "no phone number");
    };
    match e164_problem(phone) {
        None => Finding::pass(
            rule,
            field,
            format!("Phone {} is in E.164 format", quoted(phone)),
        ),
        Some(why) => Finding::fail(
            rule,
            Severity::Error,
            field,
            format!("Phone {} is not in E.164 format: {why}", quoted(phone)),
        ),
    }
}

/// `phone.country_mismatch` (warning): the phone's calling code (longest prefix) does not belong
/// to the normalised `country`. Runs only on an E.164 phone and a mappable country.
pub fn check_phone_country(identity: &Identity) -> Finding {
    let rule = rules::PHONE_COUNTRY_MISMATCH;
    let field = Some(fields::PHONE);
    if identity.is_tokenized(fields::PHONE) {
        return Finding::skipped_tokenized(rule, fields::PHONE);
    }
    let Some(phone) = identity.phone.as_deref() else {
        return Finding::not_applicable(rule, field, "no phone number");
    };
    if !is_e164(phone) {
        return Finding::not_applicable(
            rule,
            field,
            "phone is not in E.164 format (see phone.not_e164)",
        );
    }
    let Some(country) = identity.country.as_deref().and_then(normalize_country) else {
        return Finding::not_applicable(rule, field, "no mappable country");
    };
    let phone_countries = country_for_phone(phone);
    let expected = calling_codes(country);
    let expected_text = if expected.is_empty() {
        "no calling code".to_string()
    } else {
        expected
            .iter()
            .map(|c| format!("+{c}"))
            .collect::<Vec<_>>()
            .join(", ")
    };
    if phone_countries.is_empty() {
        return Finding::fail(
            rule,
            Severity::Warning,
            field,
            format!(
                "Phone {} starts with no assigned country calling code; country {} uses {expected_text}",
                quoted(phone),
                country_label(country)
            ),
        );
    }
    if phone_countries.contains(&country) {
        Finding::pass(
            rule,
            field,
            format!(
                "Phone {} has a calling code of country {}",
                quoted(phone),
                country_label(country)
            ),
        )
    } else {
        Finding::fail(
            rule,
            Severity::Warning,
            field,
            format!(
                "Phone {} is a number of {} but country is {} ({expected_text})",
                quoted(phone),
                phone_countries.join("/"),
                country_label(country)
            ),
        )
    }
}

// ---------------------------------------------------------------------------------------------
// Country and nationality

fn check_mappable(
    rule: &'static str,
    field: &'static str,
    value: Option<&str>,
    severity: Severity,
) -> Finding {
    let Some(raw) = value else {
        return Finding::not_applicable(rule, Some(field), &format!("no {field}"));
    };
    match normalize_country(raw) {
        Some(code) => Finding::pass(
            rule,
            Some(field),
            format!("{field} {} is {}", quoted(raw), country_label(code)),
        ),
        None => Finding::fail(
            rule,
            severity,
            Some(field),
            format!(
                "{field} {} is not an ISO 3166-1 code, country name or nationality we recognise",
                quoted(raw)
            ),
        ),
    }
}

/// `country.unmappable` (error): `country` present but not mappable to ISO 3166-1 alpha-2.
pub fn check_country(identity: &Identity) -> Finding {
    check_mappable(
        rules::COUNTRY_UNMAPPABLE,
        fields::COUNTRY,
        identity.country.as_deref(),
        Severity::Error,
    )
}

/// `nationality.unmappable` (warning): `nationality` present but not mappable.
pub fn check_nationality(identity: &Identity) -> Finding {
    check_mappable(
        rules::NATIONALITY_UNMAPPABLE,
        fields::NATIONALITY,
        identity.nationality.as_deref(),
        Severity::Warning,
    )
}

// ---------------------------------------------------------------------------------------------
// Tokenized fields

const NAME_FIELDS: &[&str] = &[
    fields::FIRST_NAME,
    fields::LAST_NAME,
    fields::OTHER_NAMES,
    fields::ORGANIZATION_NAME,
];

/// `tokenized.present`: fails when `meta_data.tokenized_fields` lists any field. Severity
/// `Warning` when a name field is tokenized (sanctions screening is incomplete until it is
/// detokenized), else `Info` (only the checks on those fields were skipped).
pub fn check_tokenized(identity: &Identity) -> Finding {
    let rule = rules::TOKENIZED_PRESENT;
    if identity.tokenized_fields.is_empty() {
        return Finding::pass(rule, None, "No tokenized fields");
    }
    let list: Vec<&str> = identity
        .tokenized_fields
        .iter()
        .map(String::as_str)
        .collect();
    let names_tokenized = list.iter().any(|f| NAME_FIELDS.contains(f));
    let (severity, consequence) = if names_tokenized {
        (
            Severity::Warning,
            "sanctions screening is incomplete until the name is detokenized; checks on these fields were skipped",
        )
    } else {
        (
            Severity::Info,
            "checks on these fields were skipped until they are detokenized",
        )
    };
    Finding::fail(
        rule,
        severity,
        None,
        format!("Tokenized fields: {}; {consequence}", list.join(", ")),
    )
}

// ---------------------------------------------------------------------------------------------
// Duplicates

fn email_key(identity: &Identity) -> Option<String> {
    if identity.is_tokenized(fields::EMAIL) {
        return None;
    }
    let key: String = identity
        .email
        .as_deref()?
        .chars()
        .filter(|c| !c.is_whitespace())
        .flat_map(char::to_lowercase)
        .collect();
    (!key.is_empty()).then_some(key)
}

fn phone_key(identity: &Identity) -> Option<String> {
    if identity.is_tokenized(fields::PHONE) {
        return None;
    }
    let digits: String = identity
        .phone
        .as_deref()?
        .chars()
        .filter(char::is_ascii_digit)
        .collect();
    (digits.len() >= E164_MIN_DIGITS).then_some(digits)
}

/// Folded first + last name tokens in sorted order (so swapped first/last still match), and the
/// date of birth. `None` for organizations, tokenized names, or no real dob.
fn name_dob_key(identity: &Identity) -> Option<String> {
    if identity.kind == IdentityKind::Organization
        || identity.is_tokenized(fields::FIRST_NAME)
        || identity.is_tokenized(fields::LAST_NAME)
        || identity.is_tokenized(fields::DOB)
    {
        return None;
    }
    let dob = identity.dob.date()?;
    let first = identity.first_name.as_deref()?;
    let last = identity.last_name.as_deref()?;
    let folded = fold_text(&format!("{first} {last}"));
    let mut tokens: Vec<&str> = folded.split(' ').filter(|t| !t.is_empty()).collect();
    if tokens.is_empty() {
        return None;
    }
    tokens.sort_unstable();
    Some(format!("{}|{dob}", tokens.join(" ")))
}

/// Identities grouped by email, phone and name + dob keys, for duplicate lookups across an
/// instance in O(1) per identity.
#[derive(Debug, Clone, Default)]
pub struct DuplicateIndex {
    by_email: HashMap<String, Vec<String>>,
    by_phone: HashMap<String, Vec<String>>,
    by_name_dob: HashMap<String, Vec<String>>,
    size: usize,
}

const NO_ID: &str = "(identity without id)";

impl DuplicateIndex {
    pub fn build(identities: &[Identity]) -> DuplicateIndex {
        let mut index = DuplicateIndex::default();
        for identity in identities {
            index.add(identity);
        }
        index
    }

    pub fn add(&mut self, identity: &Identity) {
        let id = identity
            .identity_id
            .clone()
            .unwrap_or_else(|| NO_ID.to_string());
        self.size += 1;
        if let Some(k) = email_key(identity) {
            self.by_email.entry(k).or_default().push(id.clone());
        }
        if let Some(k) = phone_key(identity) {
            self.by_phone.entry(k).or_default().push(id.clone());
        }
        if let Some(k) = name_dob_key(identity) {
            self.by_name_dob.entry(k).or_default().push(id);
        }
    }

    /// How many identities were added.
    pub fn len(&self) -> usize {
        self.size
    }

    pub fn is_empty(&self) -> bool {
        self.size == 0
    }

    /// The three duplicate findings (`duplicate.email`, `duplicate.phone`, `duplicate.name_dob`)
    /// for `target`. Entries with the target's own `identity_id` are ignored.
    pub fn find(&self, target: &Identity) -> Vec<Finding> {
        let own = target.identity_id.as_deref();
        let others = |map: &HashMap<String, Vec<String>>, key: &str| -> Vec<String> {
            let ids: BTreeSet<String> = map
                .get(key)
                .map(|v| {
                    v.iter()
                        .filter(|id| Some(id.as_str()) != own)
                        .cloned()
                        .collect()
                })
                .unwrap_or_default();
            ids.into_iter().collect()
        };
        let n = self.size;
        let email = {
            let rule = rules::DUPLICATE_EMAIL;
            let field = Some(fields::EMAIL);
            if target.is_tokenized(fields::EMAIL) {
                Finding::skipped_tokenized(rule, fields::EMAIL)
            } else if let Some(key) = email_key(target) {
                let ids = others(&self.by_email, &key);
                duplicate_finding(
                    rule,
                    field,
                    ids,
                    "the same email address (case and spaces ignored)",
                    n,
                )
            } else {
                Finding::not_applicable(rule, field, "no email address")
            }
        };
        let phone = {
            let rule = rules::DUPLICATE_PHONE;
            let field = Some(fields::PHONE);
            if target.is_tokenized(fields::PHONE) {
                Finding::skipped_tokenized(rule, fields::PHONE)
            } else if let Some(key) = phone_key(target) {
                let ids = others(&self.by_phone, &key);
                duplicate_finding(
                    rule,
                    field,
                    ids,
                    "the same phone number (digits compared)",
                    n,
                )
            } else {
                Finding::not_applicable(rule, field, "no phone number with enough digits")
            }
        };
        let name_dob = {
            let rule = rules::DUPLICATE_NAME_DOB;
            let field = Some(fields::LAST_NAME);
            if target.kind == IdentityKind::Organization {
                Finding::not_applicable(rule, field, "organizations have no date of birth")
            } else if let Some(tok) = [fields::FIRST_NAME, fields::LAST_NAME, fields::DOB]
                .into_iter()
                .find(|f| target.is_tokenized(f))
            {
                Finding::skipped_tokenized(rule, tok)
            } else if let Some(key) = name_dob_key(target) {
                let ids = others(&self.by_name_dob, &key);
                duplicate_finding(
                    rule,
                    field,
                    ids,
                    "the same name and date of birth (case, accents and order ignored)",
                    n,
                )
            } else {
                Finding::not_applicable(
                    rule,
                    field,
                    "needs first name, last name and date of birth",
                )
            }
        };
        vec![email, phone, name_dob]
    }
}

fn duplicate_finding(
    rule: &'static str,
    field: Option<&'static str>,
    ids: Vec<String>,
    what: &str,
    compared: usize,
) -> Finding {
    const SHOW: usize = 10;
    if ids.is_empty() {
        return Finding::pass(
            rule,
            field,
            format!("No other identity ({compared} compared) has {what}"),
        );
    }
    let mut listed = ids
        .iter()
        .take(SHOW)
        .cloned()
        .collect::<Vec<_>>()
        .join(", ");
    if ids.len() > SHOW {
        listed.push_str(&format!(" and {} more", ids.len() - SHOW));
    }
    Finding::fail(
        rule,
        Severity::Warning,
        field,
        format!(
            "{} other identit{} {what}: {listed}",
            ids.len(),
            if ids.len() == 1 { "y has" } else { "ies have" }
        ),
    )
}

/// `duplicate.email`, `duplicate.phone`, `duplicate.name_dob` (warnings) for `target` against
/// `others` (which may include the target itself; the same `identity_id` is ignored). Emails are
/// compared case- and whitespace-insensitively, phones by digits only, names folded (case,
/// accents, punctuation, first/last order) together with the exact date of birth. Tokenized
/// fields are never compared.
pub fn find_duplicates(target: &Identity, others: &[Identity]) -> Vec<Finding> {
    DuplicateIndex::build(others).find(target)
}

// ---------------------------------------------------------------------------------------------
// High-risk jurisdictions

/// Errors building a [`HighRiskList`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum HighRiskListError {
    #[error("high-risk list: {0:?} is not a country we recognise")]
    UnknownCountry(String),
    #[error("high-risk list: {0:?} is not a YYYY-MM-DD date")]
    BadDate(String),
    #[error("high-risk list: expected \"YYYY-MM-DD:CC,CC,...\", got {0:?}")]
    Malformed(String),
}

/// A dated list of high-risk jurisdictions (ISO alpha-2 codes).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct HighRiskList {
    /// When the list was last reviewed against its source.
    pub as_of: NaiveDate,
    pub codes: BTreeSet<String>,
}

/// Date of the default list.
pub const DEFAULT_HIGH_RISK_AS_OF: (i32, u32, u32) = (2025, 6, 13);
/// The default list's codes: the FATF "call for action" jurisdictions (KP, IR, MM) and a subset
/// of its "increased monitoring" list (SY, YE, SS, HT, VE, CD), as published after the
/// June 2025 plenary. A starting point only: replace it with your compliance policy's list.
pub const DEFAULT_HIGH_RISK_CODES: &[&str] =
    &["KP", "IR", "MM", "SY", "YE", "SS", "HT", "VE", "CD"];

impl Default for HighRiskList {
    fn default() -> Self {
        let (y, m, d) = DEFAULT_HIGH_RISK_AS_OF;
        HighRiskList {
            as_of: NaiveDate::from_ymd_opt(y, m, d).unwrap_or(NaiveDate::MIN),
            codes: DEFAULT_HIGH_RISK_CODES
                .iter()
                .map(|c| c.to_string())
                .collect(),
        }
    }
}

impl HighRiskList {
    /// A list from any country spellings (codes, names), normalised to alpha-2.
    pub fn new<I, S>(as_of: NaiveDate, entries: I) -> Result<HighRiskList, HighRiskListError>
    where
        I: IntoIterator<Item = S>,
        S: AsRef<str>,
    {
        let mut codes = BTreeSet::new();
        for entry in entries {
            let e = entry.as_ref().trim();
            if e.is_empty() {
                continue;
            }
            let code = normalize_country(e)
                .ok_or_else(|| HighRiskListError::UnknownCountry(e.to_string()))?;
            codes.insert(code.to_string());
        }
        Ok(HighRiskList { as_of, codes })
    }

    /// Parse `"YYYY-MM-DD:KP,IR,MM"` (as a configuration value would carry it).
    pub fn parse(spec: &str) -> Result<HighRiskList, HighRiskListError> {
        let (date, list) = spec
            .trim()
            .split_once(':')
            .ok_or_else(|| HighRiskListError::Malformed(spec.to_string()))?;
        let as_of = NaiveDate::parse_from_str(date.trim(), "%Y-%m-%d")
            .map_err(|_| HighRiskListError::BadDate(date.trim().to_string()))?;
        HighRiskList::new(as_of, list.split(','))
    }

    pub fn contains(&self, alpha2: &str) -> bool {
        self.codes.contains(&alpha2.trim().to_ascii_uppercase())
    }
}

/// `jurisdiction.high_risk` (warning): normalised `country` or `nationality` on the list.
pub fn check_high_risk(identity: &Identity, list: &HighRiskList) -> Finding {
    let rule = rules::JURISDICTION_HIGH_RISK;
    let country = identity.country.as_deref().and_then(normalize_country);
    let nationality = identity.nationality.as_deref().and_then(normalize_country);
    if country.is_none() && nationality.is_none() {
        return Finding::not_applicable(
            rule,
            Some(fields::COUNTRY),
            "no mappable country or nationality",
        );
    }
    let mut hits = Vec::new();
    let mut field = None;
    if let Some(c) = country.filter(|c| list.contains(c)) {
        hits.push(format!("country {}", country_label(c)));
        field = Some(fields::COUNTRY);
    }
    if let Some(n) = nationality.filter(|n| list.contains(n)) {
        hits.push(format!("nationality {}", country_label(n)));
        field = field.or(Some(fields::NATIONALITY));
    }
    if hits.is_empty() {
        let checked: Vec<String> = [("country", country), ("nationality", nationality)]
            .iter()
            .filter_map(|(label, code)| code.map(|c| format!("{label} {c}")))
            .collect();
        Finding::pass(
            rule,
            Some(fields::COUNTRY),
            format!(
                "{} not on the high-risk jurisdiction list dated {}",
                checked.join(" and "),
                list.as_of
            ),
        )
    } else {
        Finding::fail(
            rule,
            Severity::Warning,
            field,
            format!(
                "{} on the high-risk jurisdiction list dated {}",
                hits.join(" and "),
                list.as_of
            ),
        )
    }
}

// ---------------------------------------------------------------------------------------------
// All checks

/// Every rule's finding for `identity` (passed ones too), in [`rules::ALL`] order; duplicates are
/// looked for in `others`.
pub fn run_all_checks(
    identity: &Identity,
    others: &[Identity],
    today: NaiveDate,
    high_risk: &HighRiskList,
) -> Vec<Finding> {
    run_all_checks_indexed(identity, &DuplicateIndex::build(others), today, high_risk)
}

/// [`run_all_checks`] with a prebuilt [`DuplicateIndex`] (build it once per instance).
pub fn run_all_checks_indexed(
    identity: &Identity,
    duplicates: &DuplicateIndex,
    today: NaiveDate,
    high_risk: &HighRiskList,
) -> Vec<Finding> {
    let mut out = vec![
        check_type(identity),
        check_name(identity),
        check_org_name(identity),
        check_required_fields(identity),
        check_dob_missing(identity),
        check_dob_unparseable(identity),
        check_dob_future(identity, today),
        check_dob_minor(identity, today),
        check_dob_too_old(identity, today),
        check_email(identity),
        check_phone_e164(identity),
        check_phone_country(identity),
        check_country(identity),
        check_nationality(identity),
        check_tokenized(identity),
    ];
    out.extend(duplicates.find(identity));
    out.push(check_high_risk(identity, high_risk));
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::{json, Value};

    fn ymd(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    fn person(extra: Value) -> Identity {
        let mut base = json!({
            "identity_id": "idt_target",
            "identity_type": "individual",
            "first_name": "Ada", "last_name": "Lovelace",
            "dob": "1990-05-17T00:00:00Z",
            "email_address": "ada@example.com",
            "phone_number": "+447911123456",
            "country": "GB", "nationality": "British",
        });
        if let (Some(b), Some(e)) = (base.as_object_mut(), extra.as_object()) {
            for (k, v) in e {
                b.insert(k.clone(), v.clone());
            }
        }
        Identity::from_json(&base)
    }

    fn find<'a>(findings: &'a [Finding], rule: &str) -> &'a Finding {
        findings.iter().find(|f| f.rule_id == rule).unwrap()
    }

    #[test]
    fn age_on_birthdays() {
        let dob = ymd(2000, 6, 15);
        assert_eq!(age_on(dob, ymd(2018, 6, 14)), 17);
        assert_eq!(age_on(dob, ymd(2018, 6, 15)), 18);
        assert_eq!(age_on(dob, ymd(2018, 6, 16)), 18);
        assert_eq!(age_on(dob, ymd(2000, 6, 15)), 0);
        assert_eq!(age_on(dob, ymd(1999, 1, 1)), 0);
        assert_eq!(age_on(ymd(2000, 12, 31), ymd(2001, 1, 1)), 0);
        assert_eq!(age_on(ymd(2000, 1, 1), ymd(2000, 12, 31)), 0);
    }

    #[test]
    fn age_on_leap_day() {
        let dob = ymd(2008, 2, 29);
        assert_eq!(age_on(dob, ymd(2026, 2, 28)), 17);
        assert_eq!(age_on(dob, ymd(2026, 3, 1)), 18);
        assert_eq!(age_on(dob, ymd(2028, 2, 28)), 19);
        assert_eq!(age_on(dob, ymd(2028, 2, 29)), 20);
        // Someone born 1 March is not older on 29 Feb of a leap year.
        assert_eq!(age_on(ymd(2000, 3, 1), ymd(2018, 2, 28)), 17);
        assert_eq!(age_on(ymd(2000, 3, 1), ymd(2020, 2, 29)), 19);
    }

    #[test]
    fn minor_and_too_old_edges() {
        let today = ymd(2026, 11, 24);
        let f = check_dob_minor(&person(json!({"dob": "2010-03-01"})), today);
        assert!(!f.passed);
        assert_eq!(
            f.explanation,
            "Age 16 on 2026-11-24 (born 2010-03-01) is under 18"
        );
        assert!(!check_dob_minor(&person(json!({"dob": "2008-11-25"})), today).passed);
        assert!(check_dob_minor(&person(json!({"dob": "2008-11-24"})), today).passed);
        // 29 Feb 2008: 18 only from 1 Mar 2026.
        let leap = person(json!({"dob": "2008-02-29"}));
        assert!(!check_dob_minor(&leap, ymd(2026, 2, 28)).passed);
        assert!(check_dob_minor(&leap, ymd(2026, 3, 1)).passed);

        assert!(check_dob_too_old(&person(json!({"dob": "1906-11-24"})), today).passed);
        let old = check_dob_too_old(&person(json!({"dob": "1906-11-23"})), today);
        assert!(old.passed); // 120 exactly
        let older = check_dob_too_old(&person(json!({"dob": "1905-11-24"})), today);
        assert!(!older.passed);
        assert!(older.explanation.contains("Age 121"));
        assert!(check_dob_too_old(&person(json!({"dob": "1905-11-25"})), today).passed);
    }

    #[test]
    fn dob_missing_zero_future_unparseable() {
        let today = ymd(2026, 1, 1);
        let zero = person(json!({"dob": "0001-01-01T00:00:00Z"}));
        let f = check_dob_missing(&zero);
        assert!(!f.passed);
        assert!(f.explanation.contains("zero date"));
        assert!(check_dob_minor(&zero, today).passed);
        assert!(check_dob_minor(&zero, today)
            .explanation
            .starts_with("not applicable"));
        assert!(!check_required_fields(&zero).passed);
        let none = person(json!({"dob": null}));
        assert!(!check_dob_missing(&none).passed);

        let future = person(json!({"dob": "2026-01-02"}));
        assert!(!check_dob_future(&future, today).passed);
        assert!(check_dob_minor(&future, today).passed);
        assert!(check_dob_future(&person(json!({"dob": "2026-01-01"})), today).passed);

        let bad = person(json!({"dob": "17/05/1990"}));
        let f = check_dob_unparseable(&bad);
        assert!(!f.passed);
        assert!(f.explanation.contains("17/05/1990"));
        assert!(check_dob_missing(&bad).passed);
        assert!(check_dob_unparseable(&person(json!({}))).passed);
    }

    #[test]
    fn names_and_types() {
        let f = check_name(&person(json!({"last_name": ""})));
        assert!(!f.passed);
        assert_eq!(f.field, Some("last_name"));
        assert!(check_name(&person(json!({}))).passed);
        let org = Identity::from_json(&json!({"identity_type": "organization", "country": "NG"}));
        assert!(!check_org_name(&org).passed);
        let rf = check_required_fields(&org);
        assert!(!rf.passed);
        assert!(rf.explanation.contains("organization_name"));
        assert!(check_name(&org).passed);
        let unknown = Identity::from_json(&json!({"identity_type": "customer", "category": "vip"}));
        let t = check_type(&unknown);
        assert!(!t.passed);
        assert!(t.explanation.contains("\"customer\""));
        let swapped =
            Identity::from_json(&json!({"identity_type": "customer", "category": "individual"}));
        assert!(check_type(&swapped).explanation.contains("swapped"));
    }

    #[test]
    fn required_fields_by_type() {
        let f = check_required_fields(&person(
            json!({"email_address": null, "phone_number": "", "country": null}),
        ));
        assert!(!f.passed);
        assert_eq!(
            f.explanation,
            "Missing required fields for an individual: country, email_address or phone_number"
        );
        assert!(check_required_fields(&person(json!({"email_address": null}))).passed);
        let org = Identity::from_json(
            &json!({"identity_type": "organization", "organization_name": "Acme", "country": "NG"}),
        );
        assert!(check_required_fields(&org).passed);
    }

    #[test]
    fn email_syntax() {
        for ok in [
            "a@b.co",
            "john.doe+tag@example.com",
            "o'brien@mail.example.ie",
            "user@xn--bcher-kva.example",
            "ünï@exämple.de",
        ] {
            assert!(validate_email(ok).is_ok(), "{ok}");
        }
        let local64 = format!("{}@example.com", "a".repeat(64));
        let local65 = format!("{}@example.com", "a".repeat(65));
        assert!(validate_email(&local64).is_ok());
        assert!(validate_email(&local65).unwrap_err().contains("65"));
        for bad in [
            "",
            "plain",
            "a@@b.com",
            "a@b@c.com",
            "a b@c.com",
            "ab@c .com",
            "@example.com",
            "a@",
            "a@localhost",
            "a@-x.com",
            "a@x-.com",
            "a@x..com",
            "a.@x.com",
            ".a@x.com",
            "a..b@x.com",
            "a@x.c",
            "a@x.123",
            "a@[1.2.3.4]",
            "a<b>@x.com",
        ] {
            assert!(validate_email(bad).is_err(), "{bad}");
        }
        let f = check_email(&person(json!({"email_address": "ada@@example.com"})));
        assert!(!f.passed);
        assert!(f.explanation.contains("2 @ signs"));
    }

    #[test]
    fn e164_bounds() {
        assert!(is_e164("+1234567")); // 7 digits
        assert!(!is_e164("+123456")); // 6
        assert!(is_e164("+123456789012345")); // 15
        assert!(!is_e164("+1234567890123456")); // 16
        assert!(e164_problem("+123456")
            .unwrap()
            .contains("too short: 6 digits"));
        assert!(e164_problem("+1234567890123456")
            .unwrap()
            .contains("too long: 16 digits"));
        assert!(e164_problem("+0123456789")
            .unwrap()
            .contains("cannot start with 0"));
        assert!(e164_problem("2348031234567")
            .unwrap()
            .contains("no leading +"));
        assert!(e164_problem("002348031234567")
            .unwrap()
            .contains("+2348031234567"));
        assert!(e164_problem("+44 7911 123456")
            .unwrap()
            .contains("+447911123456"));
        assert!(e164_problem("+1 (212) 555-0100")
            .unwrap()
            .contains("spaces or punctuation"));
        assert!(e164_problem("+44791112345x").unwrap().contains("'x'"));
        assert!(e164_problem("+44+7911123456").is_some());
        assert!(e164_problem("").is_some());
        let f = check_phone_e164(&person(json!({"phone_number": "07911 123456"})));
        assert!(!f.passed);
        assert_eq!(f.severity, Severity::Error);
    }

    #[test]
    fn phone_country_consistency() {
        assert!(check_phone_country(&person(json!({}))).passed);
        let f = check_phone_country(&person(json!({"phone_number": "+2348031234567"})));
        assert!(!f.passed);
        assert!(f.explanation.contains("NG"));
        assert!(f.explanation.contains("+44"));
        assert!(
            check_phone_country(&person(
                json!({"phone_number": "+12125550100", "country": "Canada"})
            ))
            .passed
        );
        assert!(
            !check_phone_country(&person(
                json!({"phone_number": "+18765550100", "country": "USA"})
            ))
            .passed
        );
        assert!(
            check_phone_country(&person(
                json!({"phone_number": "+18765550100", "country": "Jamaica"})
            ))
            .passed
        );
        assert!(
            check_phone_country(&person(
                json!({"phone_number": "+77012345678", "country": "KZ"})
            ))
            .passed
        );
        let unassigned = check_phone_country(&person(json!({"phone_number": "+9991234567"})));
        assert!(!unassigned.passed);
        // Not applicable when the phone is malformed or the country unmappable.
        assert!(check_phone_country(&person(json!({"phone_number": "0791"}))).passed);
        assert!(check_phone_country(&person(json!({"country": "Narnia"}))).passed);
    }

    #[test]
    fn country_mapping_findings() {
        assert!(check_country(&person(json!({"country": "UK"}))).passed);
        assert!(check_country(&person(json!({"country": "GBR"})))
            .explanation
            .contains("GB"));
        assert!(check_country(&person(json!({"country": "Côte d’Ivoire"}))).passed);
        let f = check_country(&person(json!({"country": "Narnia"})));
        assert!(!f.passed);
        assert_eq!(f.severity, Severity::Error);
        let n = check_nationality(&person(json!({"nationality": "Martian"})));
        assert!(!n.passed);
        assert_eq!(n.severity, Severity::Warning);
        assert!(check_nationality(&person(json!({"nationality": "Nigerian"}))).passed);
        assert!(check_country(&person(json!({"country": null})))
            .explanation
            .starts_with("not applicable"));
    }

    #[test]
    fn tokenized_fields_skip_checks() {
        let id = person(json!({
            "first_name": "tok_1", "email_address": "tok_2", "phone_number": "tok_3",
            "meta_data": {"tokenized_fields": {"first_name": true, "email_address": true, "phone_number": true}}
        }));
        let t = check_tokenized(&id);
        assert!(!t.passed);
        assert_eq!(t.severity, Severity::Warning);
        assert!(t
            .explanation
            .contains("email_address, first_name, phone_number"));
        assert!(t.explanation.contains("screening is incomplete"));
        for f in [
            check_email(&id),
            check_phone_e164(&id),
            check_phone_country(&id),
        ] {
            assert!(f.passed);
            assert_eq!(f.explanation, SKIPPED_TOKENIZED);
            assert!(f.is_skipped_tokenized());
        }
        let only_email = person(json!({"meta_data": {"tokenized_fields": ["email"]}}));
        assert_eq!(check_tokenized(&only_email).severity, Severity::Info);
        assert!(check_tokenized(&person(json!({}))).passed);
    }

    #[test]
    fn duplicates_are_found_and_named() {
        let target = person(json!({}));
        let others = vec![
            target.clone(),
            person(
                json!({"identity_id": "idt_email", "email_address": "  ADA@Example.COM ",
                          "phone_number": "+15555550100", "first_name": "Other"}),
            ),
            person(
                json!({"identity_id": "idt_phone", "email_address": "x@y.com",
                          "phone_number": "+44 7911 123456", "first_name": "Other"}),
            ),
            person(
                json!({"identity_id": "idt_name", "email_address": "z@y.com",
                          "phone_number": "+15555550101", "first_name": "LOVELACE",
                          "last_name": "Ádá", "dob": "1990-05-17"}),
            ),
            person(
                json!({"identity_id": "idt_near", "email_address": "q@y.com",
                          "phone_number": "+15555550102", "dob": "1990-05-18"}),
            ),
        ];
        let f = find_duplicates(&target, &others);
        assert_eq!(f.len(), 3);
        let email = find(&f, rules::DUPLICATE_EMAIL);
        assert!(!email.passed);
        assert!(
            email.explanation.ends_with(": idt_email"),
            "{}",
            email.explanation
        );
        let phone = find(&f, rules::DUPLICATE_PHONE);
        assert!(!phone.passed);
        assert!(phone.explanation.ends_with(": idt_phone"));
        let nd = find(&f, rules::DUPLICATE_NAME_DOB);
        assert!(!nd.passed);
        assert!(nd.explanation.ends_with(": idt_name"), "{}", nd.explanation);

        let alone = find_duplicates(&target, std::slice::from_ref(&target));
        assert!(alone.iter().all(|f| f.passed));

        let tokenized =
            person(json!({"meta_data": {"tokenized_fields": ["email_address", "last_name"]}}));
        let f = find_duplicates(&tokenized, &others);
        assert_eq!(
            find(&f, rules::DUPLICATE_EMAIL).explanation,
            SKIPPED_TOKENIZED
        );
        assert_eq!(
            find(&f, rules::DUPLICATE_NAME_DOB).explanation,
            SKIPPED_TOKENIZED
        );
        assert!(!find(&f, rules::DUPLICATE_PHONE).passed);
    }

    #[test]
    fn tokenized_others_are_never_compared() {
        let target = person(json!({}));
        let ciphertext_twin = person(json!({
            "identity_id": "idt_tok",
            "meta_data": {"tokenized_fields": {"email_address": true, "phone_number": true,
                                               "first_name": true}}
        }));
        let f = find_duplicates(&target, &[ciphertext_twin]);
        assert!(f.iter().all(|f| f.passed), "{f:#?}");
    }

    #[test]
    fn phone_check_on_identity_at_length_bounds() {
        let p = |n: &str| check_phone_e164(&person(json!({ "phone_number": n })));
        assert!(p("+4479111").passed); // 7 digits
        assert!(!p("+447911").passed); // 6 digits
        assert!(p("+447911123456789").passed); // 15 digits
        let long = p("+4479111234567890"); // 16 digits
        assert!(!long.passed);
        assert!(long.explanation.contains("too long: 16 digits"));
        assert!(p("").passed); // empty -> not applicable (parsed as absent)
    }

    #[test]
    fn many_duplicates_are_summarised() {
        let target = person(json!({}));
        let others: Vec<Identity> = (0..13)
            .map(|i| person(json!({"identity_id": format!("idt_{i:02}")})))
            .collect();
        let f = find_duplicates(&target, &others);
        let email = find(&f, rules::DUPLICATE_EMAIL);
        assert!(email.explanation.starts_with("13 other identities"));
        assert!(email.explanation.ends_with("and 3 more"));
    }

    #[test]
    fn high_risk_list() {
        let list = HighRiskList::default();
        assert_eq!(list.as_of, ymd(2025, 6, 13));
        assert!(list.contains("kp") && list.contains("IR") && list.contains("MM"));
        let f = check_high_risk(
            &person(json!({"country": "Iran", "nationality": "IRN"})),
            &list,
        );
        assert!(!f.passed);
        assert!(f.explanation.contains("country IR"));
        assert!(f.explanation.contains("nationality IR"));
        assert!(f.explanation.contains("2025-06-13"));
        let g = check_high_risk(&person(json!({"nationality": "Burmese"})), &list);
        assert!(!g.passed);
        assert_eq!(g.field, Some("nationality"));
        assert!(check_high_risk(&person(json!({})), &list).passed);

        let custom = HighRiskList::parse("2026-01-31: Nigeria, gb ,").unwrap();
        assert_eq!(custom.as_of, ymd(2026, 1, 31));
        assert_eq!(
            custom.codes.iter().cloned().collect::<Vec<_>>(),
            vec!["GB", "NG"]
        );
        assert!(!check_high_risk(&person(json!({})), &custom).passed);
        assert!(matches!(
            HighRiskList::parse("2026-01-31:Narnia"),
            Err(HighRiskListError::UnknownCountry(_))
        ));
        assert!(matches!(
            HighRiskList::parse("KP,IR"),
            Err(HighRiskListError::Malformed(_))
        ));
        assert!(matches!(
            HighRiskList::parse("2026-13-01:KP"),
            Err(HighRiskListError::BadDate(_))
        ));
    }

    #[test]
    fn run_all_reports_every_rule_in_order() {
        let today = ymd(2026, 11, 24);
        let id = person(json!({}));
        let f = run_all_checks(&id, &[], today, &HighRiskList::default());
        let ids: Vec<&str> = f.iter().map(|f| f.rule_id).collect();
        assert_eq!(ids, rules::ALL);
        assert!(f.iter().all(|f| f.passed), "{f:#?}");
        assert!(f.iter().all(|f| f.severity == Severity::Info));

        let messy = Identity::from_json(&json!({
            "identity_id": "idt_messy", "identity_type": "individual", "first_name": "Kid",
            "dob": "2015-01-01", "email_address": "nope", "phone_number": "123",
            "country": "Narnia", "nationality": "KP"
        }));
        let f = run_all_checks(&messy, &[], today, &HighRiskList::default());
        let failed: Vec<&str> = f.iter().filter(|f| !f.passed).map(|f| f.rule_id).collect();
        assert_eq!(
            failed,
            vec![
                rules::NAME_MISSING,
                rules::FIELDS_MISSING,
                rules::DOB_MINOR,
                rules::EMAIL_INVALID,
                rules::PHONE_NOT_E164,
                rules::COUNTRY_UNMAPPABLE,
                rules::JURISDICTION_HIGH_RISK,
            ]
        );
        let json = serde_json::to_value(&f[0]).unwrap();
        assert_eq!(json["rule_id"], "identity.type_unknown");
        assert_eq!(json["severity"], "info");
    }

    #[test]
    fn organizations_skip_person_rules() {
        let org = Identity::from_json(&json!({
            "identity_id": "idt_org", "identity_type": "organization",
            "organization_name": "Acme Trading Ltd", "country": "Nigeria",
            "phone_number": "+2348031234567"
        }));
        let f = run_all_checks(&org, &[], ymd(2026, 1, 1), &HighRiskList::default());
        assert!(f.iter().all(|f| f.passed), "{f:#?}");
        assert!(find(&f, rules::DOB_MISSING)
            .explanation
            .starts_with("not applicable"));
    }
}
