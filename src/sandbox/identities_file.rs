//! Loads the identities named by `SANDBOX_IDENTITIES`: a JSON array of identity objects in the
//! Cloud shape (contract §6). Each item needs a non-empty string `identity_id`, unique in the file;
//! items without `meta_data` get `{}`; every other field is kept as given.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde_json::{Map, Value};

/// Why the identities file cannot be used. Shown at startup, so each message says what to fix.
#[derive(Debug, thiserror::Error)]
pub enum IdentitiesFileError {
    #[error("cannot read identities file {}: {source}", path.display())]
    Unreadable {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error(
        "identities file {} is not valid JSON (line {line}, column {column}): {message}",
        path.display()
    )]
    NotJson {
        path: PathBuf,
        line: usize,
        column: usize,
        message: String,
    },
    #[error("identities file {} must contain a JSON array of identity objects, found {found}", path.display())]
    NotAnArray { path: PathBuf, found: &'static str },
    #[error("identities file {} contains an empty array: add at least one identity", path.display())]
    Empty { path: PathBuf },
    #[error("identities file {}: item {index} is {found}, not an identity object", path.display())]
    ItemNotObject {
        path: PathBuf,
        index: usize,
        found: &'static str,
    },
    #[error(
        "identities file {}: item {index} has no identity_id (a non-empty string is required)",
        path.display()
    )]
    MissingIdentityId { path: PathBuf, index: usize },
    #[error(
        "identities file {}: duplicate identity_id {identity_id:?} at item {index} (first used at item {first_index})",
        path.display()
    )]
    DuplicateIdentityId {
        path: PathBuf,
        identity_id: String,
        index: usize,
        first_index: usize,
    },
}

/// Reads and validates the file. Item numbers in errors count from 0, like JSON array indexes.
pub fn load(path: &Path) -> Result<Vec<Value>, IdentitiesFileError> {
    let text = std::fs::read_to_string(path).map_err(|source| IdentitiesFileError::Unreadable {
        path: path.to_path_buf(),
        source,
    })?;
    // A UTF-8 byte-order mark is common in files saved by desktop editors.
    let text = text.strip_prefix('\u{feff}').unwrap_or(&text);
    let root: Value = serde_json::from_str(text).map_err(|e| IdentitiesFileError::NotJson {
        path: path.to_path_buf(),
        line: e.line(),
        column: e.column(),
        message: e.to_string(),
    })?;
    let items = match root {
        Value::Array(items) => items,
        other => {
            return Err(IdentitiesFileError::NotAnArray {
                path: path.to_path_buf(),
                found: kind(&other),
            })
        }
    };
    if items.is_empty() {
        return Err(IdentitiesFileError::Empty {
            path: path.to_path_buf(),
        });
    }
    let mut seen: BTreeMap<String, usize> = BTreeMap::new();
    let mut out = Vec::with_capacity(items.len());
    for (index, item) in items.into_iter().enumerate() {
        let mut obj: Map<String, Value> = match item {
            Value::Object(obj) => obj,
            other => {
                return Err(IdentitiesFileError::ItemNotObject {
                    path: path.to_path_buf(),
                    index,
                    found: kind(&other),
                })
            }
        };
        let id = match obj.get("identity_id") {
            Some(Value::String(s)) if !s.trim().is_empty() => s.clone(),
            _ => {
                return Err(IdentitiesFileError::MissingIdentityId {
                    path: path.to_path_buf(),
                    index,
                })
            }
        };
        if let Some(&first_index) = seen.get(&id) {
            return Err(IdentitiesFileError::DuplicateIdentityId {
                path: path.to_path_buf(),
                identity_id: id,
                index,
                first_index,
            });
        }
        seen.insert(id, index);
        if obj.get("meta_data").is_none_or(Value::is_null) {
            obj.insert("meta_data".to_string(), Value::Object(Map::new()));
        }
        out.push(Value::Object(obj));
    }
    Ok(out)
}

fn kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;
    use std::sync::atomic::{AtomicUsize, Ordering};

    /// A file under the system temp dir, removed on drop.
    struct TempFile(PathBuf);

    impl TempFile {
        fn with(contents: &str) -> Self {
            static COUNTER: AtomicUsize = AtomicUsize::new(0);
            let n = COUNTER.fetch_add(1, Ordering::SeqCst);
            let nanos = std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map(|d| d.as_nanos())
                .unwrap_or(0);
            let path = std::env::temp_dir().join(format!(
                "blnk-kyc-identities-test-{}-{nanos}-{n}.json",
                std::process::id()
            ));
            std::fs::write(&path, contents).unwrap();
            TempFile(path)
        }
    }

    impl Drop for TempFile {
        fn drop(&mut self) {
            let _ = std::fs::remove_file(&self.0);
        }
    }

    fn load_str(contents: &str) -> Result<Vec<Value>, IdentitiesFileError> {
        let f = TempFile::with(contents);
        load(&f.0)
    }

    #[test]
    fn loads_valid_file_and_defaults_meta_data() {
        let body = json!([
            {"identity_id": "idt_a", "first_name": "Ada", "custom_field": {"x": 1}},
            {"identity_id": "idt_b", "meta_data": {"kyc": {"status": "approved"}}},
            {"identity_id": "idt_c", "meta_data": null}
        ]);
        let items = load_str(&body.to_string()).unwrap();
        assert_eq!(items.len(), 3);
        assert_eq!(items[0]["meta_data"], json!({}));
        assert_eq!(items[0]["custom_field"], json!({"x": 1}));
        assert_eq!(items[0]["first_name"], "Ada");
        assert_eq!(items[1]["meta_data"]["kyc"]["status"], "approved");
        assert_eq!(items[2]["meta_data"], json!({}));
    }

    #[test]
    fn accepts_a_byte_order_mark() {
        let items = load_str("\u{feff}[{\"identity_id\": \"idt_1\"}]").unwrap();
        assert_eq!(items.len(), 1);
    }

    #[test]
    fn unreadable_file() {
        let path = std::env::temp_dir().join("blnk-kyc-identities-test-does-not-exist.json");
        let err = load(&path).unwrap_err();
        assert!(matches!(err, IdentitiesFileError::Unreadable { .. }));
        let msg = err.to_string();
        assert!(
            msg.contains("cannot read") && msg.contains("does-not-exist"),
            "{msg}"
        );
        assert!(std::error::Error::source(&err).is_some());
    }

    #[test]
    fn not_json_reports_line_and_column() {
        let err = load_str("[\n  {\"identity_id\": \"idt_1\",}\n]").unwrap_err();
        match &err {
            IdentitiesFileError::NotJson { line, .. } => assert_eq!(*line, 2),
            other => panic!("unexpected {other:?}"),
        }
        let msg = err.to_string();
        assert!(
            msg.contains("not valid JSON") && msg.contains("line 2"),
            "{msg}"
        );
    }

    #[test]
    fn not_an_array() {
        let err = load_str("{\"data\": []}").unwrap_err();
        assert!(matches!(
            err,
            IdentitiesFileError::NotAnArray {
                found: "an object",
                ..
            }
        ));
        assert!(err.to_string().contains("JSON array"));
    }

    #[test]
    fn empty_array() {
        let err = load_str("  [ ]  ").unwrap_err();
        assert!(matches!(err, IdentitiesFileError::Empty { .. }));
        assert!(err.to_string().contains("empty array"));
    }

    #[test]
    fn item_not_an_object() {
        let err = load_str("[{\"identity_id\": \"idt_1\"}, \"idt_2\"]").unwrap_err();
        assert!(matches!(
            err,
            IdentitiesFileError::ItemNotObject { index: 1, .. }
        ));
        let msg = err.to_string();
        assert!(msg.contains("item 1") && msg.contains("a string"), "{msg}");
    }

    #[test]
    fn missing_or_empty_identity_id() {
        for bad in [
            json!([{"identity_id": "idt_1"}, {"first_name": "x"}]),
            json!([{"identity_id": "idt_1"}, {"identity_id": ""}]),
            json!([{"identity_id": "idt_1"}, {"identity_id": "  "}]),
            json!([{"identity_id": "idt_1"}, {"identity_id": 7}]),
        ] {
            let err = load_str(&bad.to_string()).unwrap_err();
            assert!(
                matches!(err, IdentitiesFileError::MissingIdentityId { index: 1, .. }),
                "{err:?}"
            );
            let msg = err.to_string();
            assert!(
                msg.contains("item 1") && msg.contains("identity_id"),
                "{msg}"
            );
        }
    }

    #[test]
    fn duplicate_identity_id() {
        let body = json!([
            {"identity_id": "idt_1"}, {"identity_id": "idt_2"}, {"identity_id": "idt_1"}
        ]);
        let err = load_str(&body.to_string()).unwrap_err();
        match &err {
            IdentitiesFileError::DuplicateIdentityId {
                identity_id,
                index,
                first_index,
                ..
            } => {
                assert_eq!(identity_id, "idt_1");
                assert_eq!((*index, *first_index), (2, 0));
            }
            other => panic!("unexpected {other:?}"),
        }
        let msg = err.to_string();
        assert!(
            msg.contains("duplicate identity_id \"idt_1\" at item 2"),
            "{msg}"
        );
    }
}
