//! Filters over identity objects, as the Cloud Data API (`{field}_{op}=value` query parameters)
//! and the Filters API (`{"filters": [...]}` body) accept them (contract §6).
//!
//! A field is a dot path into the identity (`country`, `meta_data.kyc.status`). Values are compared
//! by kind: when both sides are JSON-style numbers they compare numerically, when both are
//! `true`/`false` as booleans, when both are dates or RFC 3339 timestamps as instants, otherwise as
//! strings (so `gt`/`lt` on RFC 3339 text is chronological as well).

use std::cmp::Ordering;
use std::fmt;

use chrono::{DateTime, NaiveDate, Utc};
use serde_json::Value;

/// Query keys that are never filters.
const RESERVED_KEYS: [&str; 3] = ["instance_id", "page", "pageSize"];

/// A filter that could not be understood; the message names the field or operator at fault.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QueryError {
    message: String,
}

impl QueryError {
    fn new(message: impl Into<String>) -> Self {
        Self {
            message: message.into(),
        }
    }

    /// The human-readable explanation (same text as `Display`).
    pub fn message(&self) -> &str {
        &self.message
    }
}

impl fmt::Display for QueryError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "invalid filter: {}", self.message)
    }
}

impl std::error::Error for QueryError {}

/// A filter operator.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Operator {
    Eq,
    Ne,
    Gt,
    Gte,
    Lt,
    Lte,
    In,
    Between,
    Like,
    ILike,
    IsNull,
    IsNotNull,
    Exists,
    NotExists,
}

impl Operator {
    /// Operators of the Data API query string.
    const QUERY: [Operator; 10] = [
        Operator::Eq,
        Operator::Ne,
        Operator::Gt,
        Operator::Gte,
        Operator::Lt,
        Operator::Lte,
        Operator::In,
        Operator::Between,
        Operator::Like,
        Operator::ILike,
    ];

    /// The operator's wire name.
    pub fn name(self) -> &'static str {
        match self {
            Operator::Eq => "eq",
            Operator::Ne => "ne",
            Operator::Gt => "gt",
            Operator::Gte => "gte",
            Operator::Lt => "lt",
            Operator::Lte => "lte",
            Operator::In => "in",
            Operator::Between => "between",
            Operator::Like => "like",
            Operator::ILike => "ilike",
            Operator::IsNull => "isnull",
            Operator::IsNotNull => "isnotnull",
            Operator::Exists => "exists",
            Operator::NotExists => "notexists",
        }
    }

    fn from_query_suffix(s: &str) -> Option<Operator> {
        Operator::QUERY.into_iter().find(|op| op.name() == s)
    }

    fn from_body_name(s: &str) -> Option<Operator> {
        let lower = s.trim().to_ascii_lowercase();
        Operator::QUERY
            .into_iter()
            .chain([
                Operator::IsNull,
                Operator::IsNotNull,
                Operator::Exists,
                Operator::NotExists,
            ])
            .find(|op| op.name() == lower)
    }

    /// How many values the operator takes.
    fn arity(self) -> Arity {
        match self {
            Operator::In => Arity::List,
            Operator::Between => Arity::Pair,
            Operator::IsNull | Operator::IsNotNull | Operator::Exists | Operator::NotExists => {
                Arity::None
            }
            _ => Arity::One,
        }
    }
}

impl fmt::Display for Operator {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Arity {
    None,
    One,
    Pair,
    List,
}

/// A scalar operand of a filter.
#[derive(Debug, Clone, PartialEq)]
enum Operand {
    Text(String),
    Number(serde_json::Number),
    Bool(bool),
}

impl Operand {
    fn text(&self) -> String {
        match self {
            Operand::Text(s) => s.clone(),
            Operand::Number(n) => n.to_string(),
            Operand::Bool(b) => b.to_string(),
        }
    }
}

/// One parsed filter: a field path, an operator and its operands.
#[derive(Debug, Clone, PartialEq)]
pub struct Filter {
    field: String,
    path: Vec<String>,
    operator: Operator,
    operands: Vec<Operand>,
}

impl Filter {
    fn new(field: &str, operator: Operator, operands: Vec<Operand>) -> Result<Self, QueryError> {
        let field = field.trim();
        let path: Vec<String> = field.split('.').map(str::to_string).collect();
        if field.is_empty() || path.iter().any(String::is_empty) {
            return Err(QueryError::new(format!(
                "field path {field:?} is empty or has an empty segment (operator {operator})"
            )));
        }
        Ok(Self {
            field: field.to_string(),
            path,
            operator,
            operands,
        })
    }

    /// The field as given (a dot path).
    pub fn field(&self) -> &str {
        &self.field
    }

    /// The operator.
    pub fn operator(&self) -> Operator {
        self.operator
    }

    /// Whether `identity` satisfies this filter.
    pub fn matches(&self, identity: &Value) -> bool {
        let found = lookup(identity, &self.path);
        match self.operator {
            Operator::Exists => found.is_some(),
            Operator::NotExists => found.is_none(),
            Operator::IsNull => is_nullish(found),
            Operator::IsNotNull => !is_nullish(found),
            Operator::Ne => match found {
                None | Some(Value::Null) => true,
                Some(actual) => !any_scalar(actual, |a| self.first_equals(a)),
            },
            _ => match found {
                None | Some(Value::Null) => false,
                Some(actual) => any_scalar(actual, |a| self.test_scalar(a)),
            },
        }
    }

    fn first_equals(&self, actual: &str) -> bool {
        self.operands
            .first()
            .is_some_and(|o| compare(actual, &o.text()) == Some(Ordering::Equal))
    }

    fn test_scalar(&self, actual: &str) -> bool {
        let ord = |i: usize| {
            self.operands
                .get(i)
                .and_then(|o| compare(actual, &o.text()))
        };
        match self.operator {
            Operator::Eq => ord(0) == Some(Ordering::Equal),
            Operator::Gt => ord(0) == Some(Ordering::Greater),
            Operator::Gte => matches!(ord(0), Some(Ordering::Greater | Ordering::Equal)),
            Operator::Lt => ord(0) == Some(Ordering::Less),
            Operator::Lte => matches!(ord(0), Some(Ordering::Less | Ordering::Equal)),
            Operator::In => (0..self.operands.len()).any(|i| ord(i) == Some(Ordering::Equal)),
            Operator::Between => {
                matches!(ord(0), Some(Ordering::Greater | Ordering::Equal))
                    && matches!(ord(1), Some(Ordering::Less | Ordering::Equal))
            }
            Operator::Like => self
                .operands
                .first()
                .is_some_and(|p| like(actual, &p.text(), false)),
            Operator::ILike => self
                .operands
                .first()
                .is_some_and(|p| like(actual, &p.text(), true)),
            // Handled in `matches`.
            Operator::Ne
            | Operator::IsNull
            | Operator::IsNotNull
            | Operator::Exists
            | Operator::NotExists => false,
        }
    }
}

/// Parses Data API query parameters (`{field}_{op}=value`). The keys `instance_id`, `page` and
/// `pageSize` are skipped; any other key must end in `_{op}` with a known operator.
pub fn parse_query_filters(pairs: &[(String, String)]) -> Result<Vec<Filter>, QueryError> {
    let mut filters = Vec::new();
    for (key, value) in pairs {
        if RESERVED_KEYS.contains(&key.as_str()) {
            continue;
        }
        let (field, op) = key
            .rsplit_once('_')
            .and_then(|(field, suffix)| Some((field, Operator::from_query_suffix(suffix)?)))
            .ok_or_else(|| {
                QueryError::new(format!(
                    "query parameter {key:?} does not end in _<operator> with a known operator \
                     (eq, ne, gt, gte, lt, lte, in, between, like, ilike)"
                ))
            })?;
        if field.trim().is_empty() {
            return Err(QueryError::new(format!(
                "query parameter {key:?} has no field before _{op}"
            )));
        }
        let operands = match op.arity() {
            Arity::List => {
                let items = split_list(value, ',');
                if items.is_empty() {
                    return Err(QueryError::new(format!(
                        "{field}_in needs at least one comma-separated value"
                    )));
                }
                items
            }
            Arity::Pair => split_pair(field, value, '|')?,
            Arity::One | Arity::None => vec![Operand::Text(value.clone())],
        };
        filters.push(Filter::new(field, op, operands)?);
    }
    Ok(filters)
}

/// Parses a Filters API body: `{"filters": [{"field", "operator", "value" | "values"}, ...]}`.
pub fn parse_filter_body(body: &Value) -> Result<Vec<Filter>, QueryError> {
    let list = body
        .get("filters")
        .and_then(Value::as_array)
        .ok_or_else(|| QueryError::new("the body must be an object with a \"filters\" array"))?;
    list.iter()
        .enumerate()
        .map(|(i, item)| parse_body_filter(i, item))
        .collect()
}

fn parse_body_filter(index: usize, item: &Value) -> Result<Filter, QueryError> {
    let obj = item
        .as_object()
        .ok_or_else(|| QueryError::new(format!("filters[{index}] is not an object")))?;
    let field = obj
        .get("field")
        .and_then(Value::as_str)
        .filter(|f| !f.trim().is_empty())
        .ok_or_else(|| {
            QueryError::new(format!(
                "filters[{index}] needs a non-empty string \"field\""
            ))
        })?;
    let op_name = obj.get("operator").and_then(Value::as_str).ok_or_else(|| {
        QueryError::new(format!(
            "filters[{index}] (field {field:?}) needs a string \"operator\""
        ))
    })?;
    let op = Operator::from_body_name(op_name).ok_or_else(|| {
        QueryError::new(format!(
            "filters[{index}] (field {field:?}): unknown operator {op_name:?} (expected eq, ne, gt, \
             gte, lt, lte, in, between, like, ilike, isnull, isnotnull, exists or notexists)"
        ))
    })?;
    let value = obj.get("value").filter(|v| !v.is_null());
    let values = obj.get("values").filter(|v| !v.is_null());
    let context = format!("filters[{index}] (field {field:?}, operator {op})");
    let operands = match op.arity() {
        Arity::None => Vec::new(),
        Arity::One => {
            let v = value.ok_or_else(|| {
                QueryError::new(format!(
                    "{context} needs a non-null \"value\" (to match a missing or null field use isnull / isnotnull)"
                ))
            })?;
            vec![scalar_operand(v, &context)?]
        }
        Arity::List => {
            let items = match (values, value) {
                (Some(Value::Array(a)), _) | (None, Some(Value::Array(a))) => a
                    .iter()
                    .map(|v| scalar_operand(v, &context))
                    .collect::<Result<Vec<_>, _>>()?,
                (None, Some(Value::String(s))) => split_list(s, ','),
                (None, Some(v)) => vec![scalar_operand(v, &context)?],
                (Some(_), _) => {
                    return Err(QueryError::new(format!(
                        "{context}: \"values\" must be an array"
                    )))
                }
                (None, None) => Vec::new(),
            };
            if items.is_empty() {
                return Err(QueryError::new(format!(
                    "{context} needs a non-empty \"values\" array"
                )));
            }
            items
        }
        Arity::Pair => match (values, value) {
            (Some(Value::Array(a)), _) | (None, Some(Value::Array(a))) if a.len() == 2 => a
                .iter()
                .map(|v| scalar_operand(v, &context))
                .collect::<Result<Vec<_>, _>>()?,
            (None, Some(Value::String(s))) => split_pair(field, s, '|')?,
            _ => {
                return Err(QueryError::new(format!(
                    "{context} needs \"values\": [low, high] (or \"value\": \"low|high\")"
                )))
            }
        },
    };
    Filter::new(field, op, operands)
}

fn scalar_operand(v: &Value, context: &str) -> Result<Operand, QueryError> {
    match v {
        Value::String(s) => Ok(Operand::Text(s.clone())),
        Value::Number(n) => Ok(Operand::Number(n.clone())),
        Value::Bool(b) => Ok(Operand::Bool(*b)),
        Value::Null => Err(QueryError::new(format!(
            "{context}: null is not a value (use isnull / isnotnull)"
        ))),
        Value::Array(_) | Value::Object(_) => Err(QueryError::new(format!(
            "{context}: values must be strings, numbers or booleans"
        ))),
    }
}

fn split_list(s: &str, sep: char) -> Vec<Operand> {
    s.split(sep)
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .map(|p| Operand::Text(p.to_string()))
        .collect()
}

fn split_pair(field: &str, s: &str, sep: char) -> Result<Vec<Operand>, QueryError> {
    match s.split_once(sep) {
        Some((lo, hi)) if !hi.contains(sep) && !lo.trim().is_empty() && !hi.trim().is_empty() => {
            Ok(vec![
                Operand::Text(lo.trim().to_string()),
                Operand::Text(hi.trim().to_string()),
            ])
        }
        _ => Err(QueryError::new(format!(
            "{field}_between needs two values as low{sep}high, got {s:?}"
        ))),
    }
}

/// Whether every filter matches (an empty list matches everything).
pub fn matches(identity: &Value, filters: &[Filter]) -> bool {
    filters.iter().all(|f| f.matches(identity))
}

/// Follows a dot path; a numeric segment also indexes into an array.
fn lookup<'a>(root: &'a Value, path: &[String]) -> Option<&'a Value> {
    path.iter().try_fold(root, |node, seg| match node {
        Value::Object(map) => map.get(seg),
        Value::Array(items) => seg.parse::<usize>().ok().and_then(|i| items.get(i)),
        _ => None,
    })
}

fn is_nullish(v: Option<&Value>) -> bool {
    match v {
        None | Some(Value::Null) => true,
        Some(Value::String(s)) => s.is_empty(),
        Some(_) => false,
    }
}

/// Applies `test` to the value's text; an array matches when any element does.
fn any_scalar(v: &Value, test: impl Fn(&str) -> bool + Copy) -> bool {
    match v {
        Value::Null => false,
        Value::String(s) => test(s),
        Value::Number(n) => test(&n.to_string()),
        Value::Bool(b) => test(if *b { "true" } else { "false" }),
        Value::Array(items) => items.iter().any(|i| any_scalar(i, test)),
        Value::Object(_) => test(&v.to_string()),
    }
}

/// Compares two texts by their common kind (number, boolean, instant, else string).
fn compare(a: &str, b: &str) -> Option<Ordering> {
    if let (Some(x), Some(y)) = (as_number(a), as_number(b)) {
        return x.partial_cmp(&y);
    }
    if let (Some(x), Some(y)) = (as_bool(a), as_bool(b)) {
        return Some(x.cmp(&y));
    }
    if let (Some(x), Some(y)) = (as_instant(a), as_instant(b)) {
        return Some(x.cmp(&y));
    }
    Some(a.cmp(b))
}

/// A number written the way JSON writes one (no `+`, no leading zeros, finite), so that phone
/// numbers with `+` and post codes with leading zeros stay strings.
fn as_number(s: &str) -> Option<f64> {
    let body = s.strip_prefix('-').unwrap_or(s);
    let int_len = body.bytes().take_while(u8::is_ascii_digit).count();
    if int_len == 0 || (int_len > 1 && body.starts_with('0')) {
        return None;
    }
    let mut rest = &body[int_len..];
    if let Some(frac) = rest.strip_prefix('.') {
        let n = frac.bytes().take_while(u8::is_ascii_digit).count();
        if n == 0 {
            return None;
        }
        rest = &frac[n..];
    }
    if let Some(exp) = rest.strip_prefix(['e', 'E']) {
        let exp = exp.strip_prefix(['+', '-']).unwrap_or(exp);
        let n = exp.bytes().take_while(u8::is_ascii_digit).count();
        if n == 0 {
            return None;
        }
        rest = &exp[n..];
    }
    if !rest.is_empty() {
        return None;
    }
    s.parse::<f64>().ok().filter(|f| f.is_finite())
}

fn as_bool(s: &str) -> Option<bool> {
    match s {
        "true" => Some(true),
        "false" => Some(false),
        _ => None,
    }
}

/// An RFC 3339 timestamp, or a plain `YYYY-MM-DD` date taken as midnight UTC.
fn as_instant(s: &str) -> Option<DateTime<Utc>> {
    if let Ok(t) = DateTime::parse_from_rfc3339(s) {
        return Some(t.with_timezone(&Utc));
    }
    if s.len() == 10 {
        return NaiveDate::parse_from_str(s, "%Y-%m-%d")
            .ok()
            .and_then(|d| d.and_hms_opt(0, 0, 0))
            .map(|t| t.and_utc());
    }
    None
}

/// SQL `LIKE`: `%` any run, `_` one character, `\` escapes the next character.
fn like(text: &str, pattern: &str, case_insensitive: bool) -> bool {
    let fold = |s: &str| -> Vec<char> {
        if case_insensitive {
            s.chars().flat_map(char::to_lowercase).collect()
        } else {
            s.chars().collect()
        }
    };
    let text = fold(text);
    let mut tokens = Vec::new();
    let mut chars = fold(pattern).into_iter();
    while let Some(c) = chars.next() {
        tokens.push(match c {
            '%' => LikeToken::Any,
            '_' => LikeToken::One,
            '\\' => LikeToken::Lit(chars.next().unwrap_or('\\')),
            c => LikeToken::Lit(c),
        });
    }
    // reachable[j]: the first i text chars can be matched by the first j pattern tokens.
    let mut reachable = vec![false; tokens.len() + 1];
    reachable[0] = true;
    for (j, t) in tokens.iter().enumerate() {
        reachable[j + 1] = reachable[j] && *t == LikeToken::Any;
    }
    for c in &text {
        let mut next = vec![false; tokens.len() + 1];
        for (j, t) in tokens.iter().enumerate() {
            next[j + 1] = match t {
                LikeToken::Any => next[j] || reachable[j + 1],
                LikeToken::One => reachable[j],
                LikeToken::Lit(l) => reachable[j] && l == c,
            };
        }
        reachable = next;
    }
    reachable[tokens.len()]
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum LikeToken {
    Any,
    One,
    Lit(char),
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn identity() -> Value {
        json!({
            "identity_id": "idt_1",
            "identity_type": "individual",
            "first_name": "Amélie",
            "last_name": "O'Neil",
            "email_address": "amelie.oneil@example.com",
            "phone_number": "+447700900123",
            "post_code": "01234",
            "country": "GB",
            "dob": "1990-05-17T00:00:00Z",
            "created_at": "2025-03-01T10:00:00.123456789Z",
            "other_names": "",
            "nickname": null,
            "meta_data": {
                "kyc": {"status": "approved", "risk_score": 42, "pep": false},
                "sandbox": {"scenario": "minor"},
                "tags": ["vip", "manual"]
            }
        })
    }

    fn q(pairs: &[(&str, &str)]) -> Result<Vec<Filter>, QueryError> {
        let owned: Vec<(String, String)> = pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        parse_query_filters(&owned)
    }

    fn qm(pairs: &[(&str, &str)]) -> bool {
        matches(&identity(), &q(pairs).unwrap())
    }

    fn bm(body: Value) -> bool {
        matches(&identity(), &parse_filter_body(&body).unwrap())
    }

    #[test]
    fn splits_on_the_last_underscore() {
        let f = q(&[("identity_type_eq", "individual")]).unwrap();
        assert_eq!(f[0].field(), "identity_type");
        assert_eq!(f[0].operator(), Operator::Eq);
        let f = q(&[("meta_data.kyc.status_eq", "approved")]).unwrap();
        assert_eq!(f[0].field(), "meta_data.kyc.status");
        let f = q(&[("email_address_like", "%@example.com")]).unwrap();
        assert_eq!(f[0].field(), "email_address");
        assert_eq!(f[0].operator(), Operator::Like);
    }

    #[test]
    fn reserved_keys_are_ignored() {
        let f = q(&[("instance_id", "x"), ("page", "2"), ("pageSize", "20")]).unwrap();
        assert!(f.is_empty());
    }

    #[test]
    fn unknown_keys_and_operators_are_errors() {
        let e = q(&[("country", "US")]).unwrap_err();
        assert!(e.to_string().contains("\"country\""), "{e}");
        let e = q(&[("country_equals", "US")]).unwrap_err();
        assert!(e.to_string().contains("country_equals"), "{e}");
        assert!(q(&[("_eq", "US")]).is_err());
        assert!(q(&[("meta_data..kyc_eq", "x")]).is_err());
        // body-only operators are not query suffixes
        assert!(q(&[("country_isnull", "")]).is_err());
        assert!(q(&[("page_size", "20")]).is_err());
    }

    #[test]
    fn eq_ne_on_strings_and_nested_paths() {
        assert!(qm(&[("country_eq", "GB")]));
        assert!(!qm(&[("country_eq", "gb")]));
        assert!(qm(&[("country_ne", "US")]));
        assert!(!qm(&[("country_ne", "GB")]));
        assert!(qm(&[("meta_data.kyc.status_eq", "approved")]));
        assert!(qm(&[("meta_data.sandbox.scenario_eq", "minor")]));
        assert!(!qm(&[("meta_data.kyc.status_eq", "pending")]));
        // ne on a missing field or path is true; eq is false
        assert!(qm(&[("meta_data.nothing.here_ne", "x")]));
        assert!(qm(&[("middle_name_ne", "x")]));
        assert!(!qm(&[("middle_name_eq", "x")]));
        assert!(qm(&[("nickname_ne", "x")]));
    }

    #[test]
    fn numbers_booleans_and_leading_zeros() {
        assert!(qm(&[("meta_data.kyc.risk_score_eq", "42")]));
        assert!(qm(&[("meta_data.kyc.risk_score_eq", "42.0")]));
        assert!(qm(&[("meta_data.kyc.risk_score_gt", "9")])); // numeric, not "42" < "9"
        assert!(qm(&[("meta_data.kyc.risk_score_between", "40|50")]));
        assert!(!qm(&[("meta_data.kyc.risk_score_lt", "42")]));
        assert!(qm(&[("meta_data.kyc.risk_score_lte", "42")]));
        assert!(qm(&[("meta_data.kyc.pep_eq", "false")]));
        assert!(!qm(&[("meta_data.kyc.pep_eq", "true")]));
        // post codes and phone numbers stay strings
        assert!(!qm(&[("post_code_eq", "1234")]));
        assert!(qm(&[("post_code_eq", "01234")]));
        assert!(!qm(&[("phone_number_eq", "447700900123")]));
    }

    #[test]
    fn dates_compare_chronologically() {
        assert!(qm(&[("dob_gt", "1990-01-01T00:00:00Z")]));
        assert!(qm(&[("dob_lt", "2000-01-01")]));
        assert!(qm(&[("dob_eq", "1990-05-17")]));
        assert!(qm(&[("created_at_gte", "2025-03-01T10:00:00Z")]));
        assert!(!qm(&[("created_at_lt", "2025-03-01T11:00:00+01:00")]));
        assert!(qm(&[("created_at_between", "2025-01-01|2025-12-31")]));
        assert!(!qm(&[("created_at_between", "2024-01-01|2024-12-31")]));
    }

    #[test]
    fn in_and_between_parsing() {
        assert!(qm(&[("country_in", "US, CA,GB")]));
        assert!(!qm(&[("country_in", "US,CA")]));
        assert!(q(&[("country_in", " , ")]).is_err());
        let e = q(&[("dob_between", "1990-01-01")]).unwrap_err();
        assert!(e.to_string().contains("dob_between"), "{e}");
        assert!(q(&[("dob_between", "a|b|c")]).is_err());
    }

    #[test]
    fn like_and_ilike_follow_sql() {
        assert!(qm(&[("email_address_like", "%@example.com")]));
        assert!(!qm(&[("email_address_like", "example")])); // no wildcard: whole value
        assert!(qm(&[("email_address_like", "amelie.oneil@example.com")]));
        assert!(qm(&[("first_name_like", "Am_lie")]));
        assert!(!qm(&[("first_name_like", "am%")]));
        assert!(qm(&[("first_name_ilike", "am%")]));
        assert!(qm(&[("first_name_ilike", "AMÉLIE")]));
        assert!(qm(&[("last_name_like", "O'%")]));
        assert!(like("50%", "50\\%", false));
        assert!(!like("500", "50\\%", false));
        assert!(like("a_b", "a\\_b", false));
        assert!(!like("axb", "a\\_b", false));
        assert!(like("", "%", false));
        assert!(!like("", "_", false));
        assert!(like("abc", "%%c", false));
        assert!(!like("abc", "%b", false));
    }

    #[test]
    fn arrays_match_any_element() {
        assert!(qm(&[("meta_data.tags_eq", "vip")]));
        assert!(!qm(&[("meta_data.tags_ne", "vip")]));
        assert!(qm(&[("meta_data.tags.1_eq", "manual")]));
    }

    #[test]
    fn filters_are_anded() {
        assert!(qm(&[
            ("country_eq", "GB"),
            ("identity_type_eq", "individual")
        ]));
        assert!(!qm(&[
            ("country_eq", "GB"),
            ("identity_type_eq", "organization")
        ]));
    }

    #[test]
    fn body_filters() {
        assert!(bm(json!({"filters": []})));
        assert!(bm(json!({"filters": [
            {"field": "meta_data.kyc.status", "operator": "eq", "value": "approved"},
            {"field": "country", "operator": "in", "values": ["US", "GB"]}
        ]})));
        assert!(!bm(json!({"filters": [
            {"field": "country", "operator": "in", "values": ["US", "CA"]}
        ]})));
        assert!(bm(json!({"filters": [
            {"field": "meta_data.kyc.risk_score", "operator": "GTE", "value": 42}
        ]})));
        assert!(bm(json!({"filters": [
            {"field": "meta_data.kyc.pep", "operator": "eq", "value": false}
        ]})));
        assert!(bm(json!({"filters": [
            {"field": "dob", "operator": "between", "values": ["1990-01-01", "1990-12-31"]}
        ]})));
    }

    #[test]
    fn body_null_and_existence_operators() {
        let one =
            |field: &str, op: &str| bm(json!({"filters": [{"field": field, "operator": op}]}));
        // exists: present even if null; notexists: absent
        assert!(one("nickname", "exists"));
        assert!(!one("nickname", "notexists"));
        assert!(one("middle_name", "notexists"));
        assert!(!one("middle_name", "exists"));
        assert!(one("meta_data.kyc", "exists"));
        // isnull: absent, null or ""
        assert!(one("nickname", "isnull"));
        assert!(one("middle_name", "isnull"));
        assert!(one("other_names", "isnull"));
        assert!(!one("country", "isnull"));
        assert!(one("country", "isnotnull"));
        assert!(!one("other_names", "isnotnull"));
        assert!(one("meta_data.kyc.pep", "isnotnull"));
    }

    #[test]
    fn body_errors_are_clear() {
        let err = |b: Value| parse_filter_body(&b).unwrap_err().to_string();
        assert!(err(json!({})).contains("filters"));
        assert!(err(json!({"filters": {}})).contains("filters"));
        assert!(err(json!({"filters": [1]})).contains("filters[0]"));
        assert!(err(json!({"filters": [{"operator": "eq", "value": 1}]})).contains("field"));
        let e =
            err(json!({"filters": [{"field": "country", "operator": "like_ish", "value": "x"}]}));
        assert!(e.contains("like_ish") && e.contains("country"), "{e}");
        let e = err(json!({"filters": [{"field": "country", "operator": "eq"}]}));
        assert!(e.contains("value") && e.contains("country"), "{e}");
        assert!(
            err(json!({"filters": [{"field": "country", "operator": "eq", "value": null}]}))
                .contains("isnull")
        );
        assert!(
            err(json!({"filters": [{"field": "country", "operator": "in"}]})).contains("values")
        );
        assert!(
            err(json!({"filters": [{"field": "country", "operator": "in", "values": []}]}))
                .contains("values")
        );
        assert!(err(
            json!({"filters": [{"field": "dob", "operator": "between", "values": ["a"]}]})
        )
        .contains("between"));
        assert!(
            err(json!({"filters": [{"field": "x", "operator": "eq", "value": {"a": 1}}]}))
                .contains("strings, numbers or booleans")
        );
    }

    #[test]
    fn query_error_is_a_std_error() {
        let e: Box<dyn std::error::Error> = Box::new(q(&[("bogus", "1")]).unwrap_err());
        assert!(e.to_string().starts_with("invalid filter:"));
    }

    #[test]
    fn json_number_detection() {
        assert_eq!(as_number("42"), Some(42.0));
        assert_eq!(as_number("-0.5e2"), Some(-50.0));
        assert_eq!(as_number("+42"), None);
        assert_eq!(as_number("042"), None);
        assert_eq!(as_number("1."), None);
        assert_eq!(as_number("inf"), None);
        assert_eq!(as_number("NaN"), None);
        assert_eq!(as_number(""), None);
    }
}
