//! A Blnk identity, read defensively from the Cloud Data API's JSON (contract §6).
//!
//! [`Identity::from_json`] never fails: absent, `null`, empty or wrongly typed fields become
//! `None` (numbers are accepted where text is expected, e.g. a numeric `post_code`).
//! Quirks handled:
//! - `identity_type` may carry the `category` (`"customer"`) and vice versa; the kind is taken from
//!   whichever of the two says `individual`/`organization`, else inferred as an organisation when
//!   only `organization_name` is filled in, else [`IdentityKind::Unknown`].
//! - `dob` `0001-01-01T00:00:00Z` means "missing" ([`DobField::ZeroDate`]); RFC 3339 timestamps and
//!   plain `YYYY-MM-DD` dates are both accepted.
//! - Fields named in `meta_data.tokenized_fields` (an object of `true` flags or an array of names)
//!   hold ciphertext and must never be checked or screened as plain values.

use std::collections::{BTreeMap, BTreeSet};

use chrono::{DateTime, NaiveDate, NaiveDateTime};
use serde::Serialize;
use serde_json::Value;
use sha2::{Digest, Sha256};

/// Whether the identity is a person or an organisation.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum IdentityKind {
    Individual,
    Organization,
    /// Neither `identity_type` nor `category` said which; carries the raw `identity_type` (or
    /// `category` when the type is empty), possibly empty.
    Unknown(String),
}

impl IdentityKind {
    /// `individual`, `organization` or `unknown`.
    pub fn as_str(&self) -> &'static str {
        match self {
            IdentityKind::Individual => "individual",
            IdentityKind::Organization => "organization",
            IdentityKind::Unknown(_) => "unknown",
        }
    }

    fn from_word(word: &str) -> Option<IdentityKind> {
        match word.trim().to_ascii_lowercase().as_str() {
            "individual" | "person" | "natural_person" | "natural person" => {
                Some(IdentityKind::Individual)
            }
            "organization" | "organisation" | "business" | "company" | "corporate"
            | "legal_entity" | "legal entity" => Some(IdentityKind::Organization),
            _ => None,
        }
    }
}

/// The date of birth as sent.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum DobField {
    /// Absent, `null` or empty.
    Missing,
    /// `0001-01-01…`, Blnk's way of saying "not set".
    ZeroDate,
    Date(NaiveDate),
    /// Present but not a date we can read; carries the raw text.
    Unparseable(String),
}

impl DobField {
    /// Parse a `dob` value: RFC 3339 (`1990-01-01T00:00:00Z`, the date as written, not shifted
    /// to UTC), `YYYY-MM-DDTHH:MM:SS` without zone, or plain `YYYY-MM-DD`.
    pub fn parse(value: Option<&Value>) -> DobField {
        let raw = match value {
            None | Some(Value::Null) => return DobField::Missing,
            Some(Value::String(s)) => s.trim().to_string(),
            Some(other) => return DobField::Unparseable(other.to_string()),
        };
        if raw.is_empty() {
            return DobField::Missing;
        }
        let date = DateTime::parse_from_rfc3339(&raw)
            .map(|dt| dt.date_naive())
            .ok()
            .or_else(|| NaiveDate::parse_from_str(&raw, "%Y-%m-%d").ok())
            .or_else(|| {
                NaiveDateTime::parse_from_str(&raw, "%Y-%m-%dT%H:%M:%S%.f")
                    .ok()
                    .map(|dt| dt.date())
            })
            .or_else(|| {
                NaiveDateTime::parse_from_str(&raw, "%Y-%m-%d %H:%M:%S%.f")
                    .ok()
                    .map(|dt| dt.date())
            });
        match date {
            Some(d) if is_zero_date(d) => DobField::ZeroDate,
            Some(d) => DobField::Date(d),
            None if raw.starts_with("0001-01-01") => DobField::ZeroDate,
            None => DobField::Unparseable(raw),
        }
    }

    /// The date, when there is a real one.
    pub fn date(&self) -> Option<NaiveDate> {
        match self {
            DobField::Date(d) => Some(*d),
            _ => None,
        }
    }

    /// A canonical text form for hashing and display: `YYYY-MM-DD`, `missing`, `zero_date`, or
    /// `raw:<text>`.
    pub fn canonical(&self) -> String {
        match self {
            DobField::Missing => "missing".to_string(),
            DobField::ZeroDate => "zero_date".to_string(),
            DobField::Date(d) => d.format("%Y-%m-%d").to_string(),
            DobField::Unparseable(raw) => format!("raw:{raw}"),
        }
    }
}

/// `0001-01-01`, Blnk's "no date of birth".
fn is_zero_date(d: NaiveDate) -> bool {
    NaiveDate::from_ymd_opt(1, 1, 1) == Some(d)
}

/// Field names as Blnk spells them; used by `is_tokenized`, findings and the content hash.
pub mod fields {
    pub const IDENTITY_TYPE: &str = "identity_type";
    pub const CATEGORY: &str = "category";
    pub const ORGANIZATION_NAME: &str = "organization_name";
    pub const FIRST_NAME: &str = "first_name";
    pub const LAST_NAME: &str = "last_name";
    pub const OTHER_NAMES: &str = "other_names";
    pub const GENDER: &str = "gender";
    pub const DOB: &str = "dob";
    pub const EMAIL: &str = "email_address";
    pub const PHONE: &str = "phone_number";
    pub const NATIONALITY: &str = "nationality";
    pub const COUNTRY: &str = "country";
    pub const STREET: &str = "street";
    pub const CITY: &str = "city";
    pub const STATE: &str = "state";
    pub const POST_CODE: &str = "post_code";
}

/// One identity with the fields the review needs.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Identity {
    pub identity_id: Option<String>,
    pub kind: IdentityKind,
    /// The raw `identity_type` and `category` as sent.
    pub identity_type: Option<String>,
    pub category: Option<String>,
    pub organization_name: Option<String>,
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    pub other_names: Option<String>,
    pub gender: Option<String>,
    pub dob: DobField,
    /// `email_address` (or `email`).
    pub email: Option<String>,
    /// `phone_number` (or `phone`).
    pub phone: Option<String>,
    pub nationality: Option<String>,
    pub country: Option<String>,
    pub street: Option<String>,
    pub city: Option<String>,
    pub state: Option<String>,
    pub post_code: Option<String>,
    pub created_at: Option<String>,
    /// Field names from `meta_data.tokenized_fields` (`email` is read as `email_address`,
    /// `phone` as `phone_number`).
    pub tokenized_fields: BTreeSet<String>,
    /// The whole `meta_data` object (`Value::Null` when absent or not an object).
    pub meta_data: Value,
}

/// A text field: strings trimmed (empty → `None`), numbers and booleans as their text, anything
/// else `None`.
fn text(obj: &serde_json::Map<String, Value>, key: &str) -> Option<String> {
    match obj.get(key)? {
        Value::String(s) => {
            let t = s.trim();
            (!t.is_empty()).then(|| t.to_string())
        }
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

fn text_any(obj: &serde_json::Map<String, Value>, keys: &[&str]) -> Option<String> {
    keys.iter().find_map(|k| text(obj, k))
}

/// Map alternative spellings of a field name onto Blnk's.
fn canonical_field(name: &str) -> String {
    let n = name.trim();
    match n {
        "email" => fields::EMAIL.to_string(),
        "phone" => fields::PHONE.to_string(),
        "date_of_birth" => fields::DOB.to_string(),
        "postcode" | "postal_code" | "zip" => fields::POST_CODE.to_string(),
        _ => n.to_string(),
    }
}

fn parse_tokenized(meta: &Value) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    match meta.get("tokenized_fields") {
        Some(Value::Object(map)) => {
            for (k, v) in map {
                let on = match v {
                    Value::Bool(b) => *b,
                    Value::String(s) => s.eq_ignore_ascii_case("true"),
                    Value::Number(n) => n.as_i64().is_some_and(|i| i != 0),
                    _ => false,
                };
                if on && !k.trim().is_empty() {
                    out.insert(canonical_field(k));
                }
            }
        }
        Some(Value::Array(items)) => {
            for item in items {
                if let Some(s) = item.as_str() {
                    if !s.trim().is_empty() {
                        out.insert(canonical_field(s));
                    }
                }
            }
        }
        _ => {}
    }
    out
}

impl Identity {
    /// Read an identity from the Cloud JSON. Never fails; a non-object gives an empty identity.
    pub fn from_json(value: &Value) -> Identity {
        let empty = serde_json::Map::new();
        let obj = value.as_object().unwrap_or(&empty);
        let meta_data = match obj.get("meta_data") {
            Some(m @ Value::Object(_)) => m.clone(),
            _ => Value::Null,
        };
        let identity_type = text(obj, fields::IDENTITY_TYPE);
        let category = text(obj, fields::CATEGORY);
        let organization_name = text(obj, fields::ORGANIZATION_NAME);
        let first_name = text(obj, fields::FIRST_NAME);
        let last_name = text(obj, fields::LAST_NAME);

        let kind = identity_type
            .as_deref()
            .and_then(IdentityKind::from_word)
            .or_else(|| category.as_deref().and_then(IdentityKind::from_word))
            .unwrap_or_else(|| {
                if organization_name.is_some() && first_name.is_none() && last_name.is_none() {
                    IdentityKind::Organization
                } else {
                    IdentityKind::Unknown(
                        identity_type
                            .clone()
                            .or_else(|| category.clone())
                            .unwrap_or_default(),
                    )
                }
            });

        Identity {
            identity_id: text_any(obj, &["identity_id", "id"]),
            kind,
            identity_type,
            category,
            organization_name,
            first_name,
            last_name,
            other_names: text(obj, fields::OTHER_NAMES),
            gender: text(obj, fields::GENDER),
            dob: DobField::parse(obj.get(fields::DOB).or_else(|| obj.get("date_of_birth"))),
            email: text_any(obj, &[fields::EMAIL, "email"]),
            phone: text_any(obj, &[fields::PHONE, "phone"]),
            nationality: text(obj, fields::NATIONALITY),
            country: text(obj, fields::COUNTRY),
            street: text(obj, fields::STREET),
            city: text(obj, fields::CITY),
            state: text(obj, fields::STATE),
            post_code: text(obj, fields::POST_CODE),
            created_at: text(obj, "created_at"),
            tokenized_fields: parse_tokenized(&meta_data),
            meta_data,
        }
    }

    /// Whether a field (Blnk name; `email`/`phone` also accepted) holds tokenized ciphertext.
    pub fn is_tokenized(&self, field: &str) -> bool {
        self.tokenized_fields.contains(&canonical_field(field))
    }

    /// `true` when any name field that is filled in is tokenized.
    pub fn name_tokenized(&self) -> bool {
        [
            (fields::FIRST_NAME, &self.first_name),
            (fields::LAST_NAME, &self.last_name),
            (fields::OTHER_NAMES, &self.other_names),
            (fields::ORGANIZATION_NAME, &self.organization_name),
        ]
        .iter()
        .any(|(f, v)| v.is_some() && self.is_tokenized(f))
    }

    /// The personal name from its untokenized parts: first, other names, last.
    fn person_name(&self) -> Option<String> {
        let parts: Vec<&str> = [
            (fields::FIRST_NAME, &self.first_name),
            (fields::OTHER_NAMES, &self.other_names),
            (fields::LAST_NAME, &self.last_name),
        ]
        .iter()
        .filter(|(f, _)| !self.is_tokenized(f))
        .filter_map(|(_, v)| v.as_deref())
        .collect();
        (!parts.is_empty()).then(|| parts.join(" "))
    }

    fn org_name(&self) -> Option<String> {
        if self.is_tokenized(fields::ORGANIZATION_NAME) {
            return None;
        }
        self.organization_name.clone()
    }

    /// A label for people: the name (untokenized parts only), else the organisation name, else
    /// "(tokenized name)" / "(no name)" followed by the identity id.
    pub fn display_name(&self) -> String {
        let name = match self.kind {
            IdentityKind::Organization => self.org_name().or_else(|| self.person_name()),
            _ => self.person_name().or_else(|| self.org_name()),
        };
        if let Some(n) = name {
            return n;
        }
        let label = if self.name_tokenized() {
            "(tokenized name)"
        } else {
            "(no name)"
        };
        match &self.identity_id {
            Some(id) => format!("{label} {id}"),
            None => label.to_string(),
        }
    }

    /// The name to screen against sanctions lists, or `None` when it is missing or tokenized
    /// (ciphertext must never be screened). Organisations: `organization_name`. Individuals
    /// (and unknown kinds with a personal name): first, other names, last — `None` if the first
    /// or last name is tokenized; a tokenized `other_names` is left out.
    pub fn screening_name(&self) -> Option<String> {
        match self.kind {
            IdentityKind::Organization => self.org_name(),
            _ => {
                let first_or_last_tokenized = (self.first_name.is_some()
                    && self.is_tokenized(fields::FIRST_NAME))
                    || (self.last_name.is_some() && self.is_tokenized(fields::LAST_NAME));
                if first_or_last_tokenized {
                    return None;
                }
                if self.first_name.is_none() && self.last_name.is_none() {
                    return match self.kind {
                        IdentityKind::Unknown(_) => self.org_name(),
                        _ => None,
                    };
                }
                self.person_name()
            }
        }
    }

    /// The value of a field by its Blnk name (text fields only; `dob` in canonical form).
    pub fn field(&self, name: &str) -> Option<String> {
        let v = match canonical_field(name).as_str() {
            fields::IDENTITY_TYPE => &self.identity_type,
            fields::CATEGORY => &self.category,
            fields::ORGANIZATION_NAME => &self.organization_name,
            fields::FIRST_NAME => &self.first_name,
            fields::LAST_NAME => &self.last_name,
            fields::OTHER_NAMES => &self.other_names,
            fields::GENDER => &self.gender,
            fields::DOB => {
                return match self.dob {
                    DobField::Missing => None,
                    ref d => Some(d.canonical()),
                }
            }
            fields::EMAIL => &self.email,
            fields::PHONE => &self.phone,
            fields::NATIONALITY => &self.nationality,
            fields::COUNTRY => &self.country,
            fields::STREET => &self.street,
            fields::CITY => &self.city,
            fields::STATE => &self.state,
            fields::POST_CODE => &self.post_code,
            _ => return None,
        };
        v.clone()
    }

    /// SHA-256 (lower-case hex) over a canonical serialization of the fields a review looks at:
    /// id, kind, raw type/category, names, gender, dob, contact, nationality, address and the
    /// tokenized-field list. `meta_data` (other than `tokenized_fields`) and `created_at` are left
    /// out, so write-backs of the app's own metadata do not count as a data change. Stable across
    /// JSON key order and surrounding whitespace.
    pub fn content_hash(&self) -> String {
        let mut canon: BTreeMap<&str, Value> = BTreeMap::new();
        let opt = |v: &Option<String>| v.clone().map(Value::String).unwrap_or(Value::Null);
        canon.insert("v", Value::from(1));
        canon.insert("identity_id", opt(&self.identity_id));
        canon.insert("kind", Value::from(self.kind.as_str()));
        canon.insert(fields::IDENTITY_TYPE, opt(&self.identity_type));
        canon.insert(fields::CATEGORY, opt(&self.category));
        canon.insert(fields::ORGANIZATION_NAME, opt(&self.organization_name));
        canon.insert(fields::FIRST_NAME, opt(&self.first_name));
        canon.insert(fields::LAST_NAME, opt(&self.last_name));
        canon.insert(fields::OTHER_NAMES, opt(&self.other_names));
        canon.insert(fields::GENDER, opt(&self.gender));
        canon.insert(fields::DOB, Value::String(self.dob.canonical()));
        canon.insert(fields::EMAIL, opt(&self.email));
        canon.insert(fields::PHONE, opt(&self.phone));
        canon.insert(fields::NATIONALITY, opt(&self.nationality));
        canon.insert(fields::COUNTRY, opt(&self.country));
        canon.insert(fields::STREET, opt(&self.street));
        canon.insert(fields::CITY, opt(&self.city));
        canon.insert(fields::STATE, opt(&self.state));
        canon.insert(fields::POST_CODE, opt(&self.post_code));
        canon.insert(
            "tokenized_fields",
            Value::Array(
                self.tokenized_fields
                    .iter()
                    .map(|f| Value::String(f.clone()))
                    .collect(),
            ),
        );
        // A BTreeMap of plain JSON values always serializes; the fallback is never taken.
        let bytes = serde_json::to_vec(&canon).unwrap_or_default();
        let digest = Sha256::digest(&bytes);
        let mut hex = String::with_capacity(64);
        for b in digest {
            hex.push(char::from_digit(u32::from(b >> 4), 16).unwrap_or('0'));
            hex.push(char::from_digit(u32::from(b & 0x0f), 16).unwrap_or('0'));
        }
        hex
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn example() -> Value {
        json!({
          "identity_id": "idt_3b63c8da-af29-4cc3-ad38-df17d87456e6",
          "identity_type": "individual",
          "organization_name": "",
          "category": "customer",
          "first_name": "John", "last_name": "Doe", "other_names": "",
          "gender": "male", "dob": "1990-01-01T00:00:00Z",
          "email_address": "john@example.com", "phone_number": "+1234567890",
          "nationality": "US", "street": "123 Main St", "city": "New York", "state": "NY",
          "post_code": "10001", "country": "US",
          "created_at": "2024-11-26T08:36:36.238244338Z",
          "meta_data": { "tokenized_fields": {"email_address": true}, "kyc": {"status": "approved"} }
        })
    }

    fn ymd(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    #[test]
    fn parses_contract_example() {
        let i = Identity::from_json(&example());
        assert_eq!(
            i.identity_id.as_deref(),
            Some("idt_3b63c8da-af29-4cc3-ad38-df17d87456e6")
        );
        assert_eq!(i.kind, IdentityKind::Individual);
        assert_eq!(i.organization_name, None);
        assert_eq!(i.other_names, None);
        assert_eq!(i.first_name.as_deref(), Some("John"));
        assert_eq!(i.dob, DobField::Date(ymd(1990, 1, 1)));
        assert_eq!(i.email.as_deref(), Some("john@example.com"));
        assert_eq!(i.phone.as_deref(), Some("+1234567890"));
        assert_eq!(i.post_code.as_deref(), Some("10001"));
        assert!(i.is_tokenized("email_address"));
        assert!(i.is_tokenized("email"));
        assert!(!i.is_tokenized("first_name"));
        assert_eq!(i.display_name(), "John Doe");
        assert_eq!(i.screening_name().as_deref(), Some("John Doe"));
        assert_eq!(i.meta_data["kyc"]["status"], "approved");
    }

    #[test]
    fn never_fails_on_garbage() {
        for v in [
            json!(null),
            json!(42),
            json!("text"),
            json!([1, 2]),
            json!({}),
            json!({"first_name": 5, "dob": 19900101, "meta_data": "x", "country": ["US"]}),
        ] {
            let i = Identity::from_json(&v);
            assert_eq!(i.country, None);
            assert!(i.tokenized_fields.is_empty());
        }
        let i = Identity::from_json(&json!({"first_name": 5, "dob": 19900101}));
        assert_eq!(i.first_name.as_deref(), Some("5"));
        assert_eq!(i.dob, DobField::Unparseable("19900101".into()));
        let i = Identity::from_json(&json!({}));
        assert_eq!(i.kind, IdentityKind::Unknown(String::new()));
        assert_eq!(i.dob, DobField::Missing);
        assert_eq!(i.display_name(), "(no name)");
        assert_eq!(i.screening_name(), None);
    }

    #[test]
    fn kind_resolution() {
        let k = |v: Value| Identity::from_json(&v).kind;
        assert_eq!(
            k(json!({"identity_type": "customer", "category": "individual"})),
            IdentityKind::Individual
        );
        assert_eq!(
            k(json!({"identity_type": "customer", "category": "Organization"})),
            IdentityKind::Organization
        );
        assert_eq!(
            k(json!({"identity_type": "ORGANISATION"})),
            IdentityKind::Organization
        );
        assert_eq!(
            k(json!({"identity_type": "customer", "organization_name": "Acme Ltd"})),
            IdentityKind::Organization
        );
        assert_eq!(
            k(json!({"identity_type": "customer", "organization_name": "Acme", "first_name": "A"})),
            IdentityKind::Unknown("customer".into())
        );
        assert_eq!(
            k(json!({"category": "customer", "first_name": "A"})),
            IdentityKind::Unknown("customer".into())
        );
    }

    #[test]
    fn dob_forms() {
        let p = |v: Value| DobField::parse(Some(&v));
        assert_eq!(p(json!("0001-01-01T00:00:00Z")), DobField::ZeroDate);
        assert_eq!(p(json!("0001-01-01")), DobField::ZeroDate);
        assert_eq!(
            p(json!("0001-01-01T00:00:00.000+00:00")),
            DobField::ZeroDate
        );
        assert_eq!(p(json!("1990-01-01")), DobField::Date(ymd(1990, 1, 1)));
        assert_eq!(
            p(json!(" 1990-01-01T00:00:00Z ")),
            DobField::Date(ymd(1990, 1, 1))
        );
        // The date as written, not shifted to UTC.
        assert_eq!(
            p(json!("1990-01-01T23:30:00-05:00")),
            DobField::Date(ymd(1990, 1, 1))
        );
        assert_eq!(
            p(json!("2000-02-29T00:00:00")),
            DobField::Date(ymd(2000, 2, 29))
        );
        assert_eq!(p(json!("")), DobField::Missing);
        assert_eq!(p(json!(null)), DobField::Missing);
        assert_eq!(DobField::parse(None), DobField::Missing);
        assert_eq!(
            p(json!("01/02/1990")),
            DobField::Unparseable("01/02/1990".into())
        );
        assert_eq!(
            p(json!("1990-02-30")),
            DobField::Unparseable("1990-02-30".into())
        );
    }

    #[test]
    fn tokenized_forms() {
        let i = Identity::from_json(&json!({
            "first_name": "tok_abc", "last_name": "tok_def",
            "meta_data": {"tokenized_fields": ["first_name", "last_name", "phone"]}
        }));
        assert!(i.is_tokenized("first_name"));
        assert!(i.is_tokenized("phone_number"));
        assert!(i.name_tokenized());
        assert_eq!(i.screening_name(), None);
        assert_eq!(i.display_name(), "(tokenized name)");
        let i = Identity::from_json(&json!({
            "first_name": "Ada", "last_name": "Lovelace", "other_names": "tok_x",
            "meta_data": {"tokenized_fields": {"other_names": true, "email_address": false}}
        }));
        assert!(!i.is_tokenized("email_address"));
        assert_eq!(i.screening_name().as_deref(), Some("Ada Lovelace"));
        let org = Identity::from_json(&json!({
            "identity_type": "organization", "organization_name": "tok_zz", "identity_id": "idt_1",
            "meta_data": {"tokenized_fields": {"organization_name": true}}
        }));
        assert_eq!(org.screening_name(), None);
        assert_eq!(org.display_name(), "(tokenized name) idt_1");
    }

    #[test]
    fn screening_name_for_orgs_and_individuals() {
        let org = Identity::from_json(&json!({
            "identity_type": "organization", "organization_name": " Acme Trading LLC "
        }));
        assert_eq!(org.screening_name().as_deref(), Some("Acme Trading LLC"));
        let person = Identity::from_json(&json!({
            "identity_type": "individual", "first_name": "José", "other_names": "María",
            "last_name": "Núñez"
        }));
        assert_eq!(person.screening_name().as_deref(), Some("José María Núñez"));
        let nameless = Identity::from_json(&json!({"identity_type": "individual"}));
        assert_eq!(nameless.screening_name(), None);
    }

    #[test]
    fn content_hash_is_stable_and_sensitive() {
        let a = Identity::from_json(&example());
        let reordered: Value =
            serde_json::from_str(&serde_json::to_string(&example()).unwrap()).unwrap();
        let mut keys: Vec<(String, Value)> =
            reordered.as_object().unwrap().clone().into_iter().collect();
        keys.reverse();
        let rebuilt = Value::Object(keys.into_iter().collect());
        assert_eq!(
            a.content_hash(),
            Identity::from_json(&rebuilt).content_hash()
        );
        assert_eq!(a.content_hash().len(), 64);
        assert!(a.content_hash().chars().all(|c| c.is_ascii_hexdigit()));

        let mut other_meta = example();
        other_meta["meta_data"]["kyc"] = json!({"status": "rejected"});
        other_meta["created_at"] = json!("2025-01-01T00:00:00Z");
        assert_eq!(
            a.content_hash(),
            Identity::from_json(&other_meta).content_hash()
        );

        let mut changed = example();
        changed["last_name"] = json!("Doe-Smith");
        assert_ne!(
            a.content_hash(),
            Identity::from_json(&changed).content_hash()
        );

        let mut tok = example();
        tok["meta_data"]["tokenized_fields"] = json!({"email_address": true, "phone_number": true});
        assert_ne!(a.content_hash(), Identity::from_json(&tok).content_hash());
    }

    #[test]
    fn field_lookup() {
        let i = Identity::from_json(&example());
        assert_eq!(i.field("email").as_deref(), Some("john@example.com"));
        assert_eq!(i.field("dob").as_deref(), Some("1990-01-01"));
        assert_eq!(i.field("nope"), None);
    }
}
