//! Field checks shared by the two machine routes: IDs from Cloud are short, printable ASCII.

use crate::error::AppError;

pub const MAX_ID_LEN: usize = 200;

/// An ID from Cloud (`installed_app_id`, `app_id`, `instance_id`, `organization_id`): 1-200
/// characters of letters, digits and `_ - . :`. Anything else is refused before it reaches the
/// database, the logs or a page.
pub fn cloud_id(field: &'static str, value: &str) -> Result<String, AppError> {
    let v = value.trim();
    if v.is_empty() {
        return Err(AppError::bad_request(
            "missing_field",
            format!("`{field}` must not be empty"),
        ));
    }
    if v.len() > MAX_ID_LEN
        || !v
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.' | ':'))
    {
        return Err(AppError::bad_request(
            "invalid_field",
            format!("`{field}` must be 1-{MAX_ID_LEN} characters of letters, digits, `_`, `-`, `.` or `:`"),
        ));
    }
    Ok(v.to_owned())
}

pub fn required_id(field: &'static str, value: Option<&str>) -> Result<String, AppError> {
    match value {
        Some(v) => cloud_id(field, v),
        None => Err(AppError::bad_request(
            "missing_field",
            format!("`{field}` is required"),
        )),
    }
}

pub fn optional_id(field: &'static str, value: Option<&str>) -> Result<Option<String>, AppError> {
    match value.map(str::trim).filter(|v| !v.is_empty()) {
        Some(v) => cloud_id(field, v).map(Some),
        None => Ok(None),
    }
}

/// A Cloud user id: free text from Cloud, shown (escaped) to reviewers. Printable, 1-200 chars.
pub fn optional_user_id(value: Option<&str>) -> Result<Option<String>, AppError> {
    match value.map(str::trim).filter(|v| !v.is_empty()) {
        None => Ok(None),
        Some(v) if v.chars().count() <= MAX_ID_LEN && !v.chars().any(char::is_control) => {
            Ok(Some(v.to_owned()))
        }
        Some(_) => Err(AppError::bad_request(
            "invalid_field",
            "`user_id` must be 1-200 printable characters",
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_accept_cloud_shapes_and_refuse_markup() {
        assert_eq!(
            cloud_id("x", " instapp_01H-ab.c:d ").unwrap(),
            "instapp_01H-ab.c:d"
        );
        for bad in [
            "",
            "a b",
            "<script>",
            "x'; DROP TABLE installs;--",
            "é",
            "a\0b",
        ] {
            assert!(cloud_id("x", bad).is_err(), "{bad:?}");
        }
        assert!(cloud_id("x", &"a".repeat(201)).is_err());
        assert!(cloud_id("x", &"a".repeat(200)).is_ok());
    }

    #[test]
    fn user_ids_allow_text_but_not_control_characters() {
        assert_eq!(
            optional_user_id(Some("user_1")).unwrap().as_deref(),
            Some("user_1")
        );
        assert_eq!(optional_user_id(Some("  ")).unwrap(), None);
        assert!(optional_user_id(Some("a\u{0}b")).is_err());
    }
}
