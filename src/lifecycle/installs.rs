//! Installs as stored: the row, the scopes granted, and access to the decrypted API key.

use diesel::prelude::*;
use diesel::sqlite::SqliteConnection;

use crate::crypto::{Keyring, Sealed, Secret};
use crate::error::AppError;
use crate::schema::installs;

pub const STATUS_ACTIVE: &str = "active";
pub const STATUS_UNINSTALLED: &str = "uninstalled";

#[derive(Debug, Clone, Queryable, Selectable, Identifiable)]
#[diesel(table_name = installs, primary_key(installed_app_id))]
pub struct Install {
    pub installed_app_id: String,
    pub app_id: String,
    pub instance_id: String,
    pub organization_id: Option<String>,
    pub api_key_prefix: Option<String>,
    pub api_key_ciphertext: Option<Vec<u8>>,
    pub api_key_nonce: Option<Vec<u8>>,
    pub api_key_kid: Option<String>,
    pub granted_permissions: String,
    pub status: String,
    pub installed_at: i64,
    pub uninstalled_at: Option<i64>,
    pub updated_at: i64,
}

/// The scopes this app may ask for; anything else granted is kept but has no effect.
pub const KNOWN_SCOPES: [&str; 4] = ["data:read", "data:write", "alerts:read", "alerts:write"];

impl Install {
    pub fn is_active(&self) -> bool {
        self.status == STATUS_ACTIVE
    }

    pub fn scopes(&self) -> Vec<String> {
        serde_json::from_str(&self.granted_permissions).unwrap_or_default()
    }

    pub fn has_scope(&self, scope: &str) -> bool {
        self.scopes().iter().any(|s| s == scope)
    }

    fn sealed_key(&self) -> Option<Sealed> {
        match (
            &self.api_key_kid,
            &self.api_key_nonce,
            &self.api_key_ciphertext,
        ) {
            (Some(kid), Some(nonce), Some(ct)) => Some(Sealed {
                kid: kid.clone(),
                nonce: nonce.clone(),
                ciphertext: ct.clone(),
            }),
            _ => None,
        }
    }

    /// The plaintext API key, for the one outbound call that needs it.
    pub fn api_key(&self, keyring: &Keyring) -> Result<Secret, AppError> {
        let sealed = self.sealed_key().ok_or_else(|| {
            AppError::forbidden(
                "install_inactive",
                "This install has no API key any more (it was uninstalled).",
            )
        })?;
        let bytes = keyring
            .open(&sealed, self.installed_app_id.as_bytes())
            .map_err(|e| {
                AppError::internal(format!("cannot decrypt the API key of an install: {e}"))
            })?;
        String::from_utf8(bytes)
            .map(Secret::new)
            .map_err(|_| AppError::internal("a stored API key is not UTF-8"))
    }
}

/// The install with this id, if any.
///
/// A key lookup loads without `.first()`: its `LIMIT ?` lets SQLite look at the bound limit when
/// it plans, so it marks the prepared statement stale each time the limit is bound and parses and
/// plans it again on every run (measured: 46% of the writer thread under the portal load). This
/// runs on every portal request, install event and portal page.
pub fn find(conn: &mut SqliteConnection, installed_app_id: &str) -> QueryResult<Option<Install>> {
    Ok(installs::table
        .find(installed_app_id)
        .select(Install::as_select())
        .load(conn)?
        .pop())
}

/// Every stored key must open with the configured keyring, or startup stops: a wrong key is
/// refused, never silently replaced.
pub fn verify_stored_keys(conn: &mut SqliteConnection, keyring: &Keyring) -> Result<usize, String> {
    let rows: Vec<Install> = installs::table
        .filter(installs::api_key_ciphertext.is_not_null())
        .select(Install::as_select())
        .load(conn)
        .map_err(|e| e.to_string())?;
    for row in &rows {
        if let Some(sealed) = row.sealed_key() {
            if !keyring.has_kid(&sealed.kid) {
                return Err(format!(
                    "stored API keys use key id `{}`, which is not in the keyring (keys: {})",
                    sealed.kid,
                    keyring.key_ids().join(", ")
                ));
            }
            keyring
                .open(&sealed, row.installed_app_id.as_bytes())
                .map_err(|_| {
                    format!(
                        "the key with id `{}` does not decrypt the stored API keys (wrong key?)",
                        sealed.kid
                    )
                })?;
        }
    }
    Ok(rows.len())
}

pub fn count_sealed(conn: &mut SqliteConnection) -> QueryResult<i64> {
    installs::table
        .filter(installs::api_key_ciphertext.is_not_null())
        .count()
        .get_result(conn)
}

/// Re-encrypts every stored API key under the keyring's first key; returns how many.
pub fn rekey_all(
    conn: &mut SqliteConnection,
    keyring: &Keyring,
    now: i64,
) -> Result<usize, String> {
    crate::db::immediate(conn, |conn| {
        let rows: Vec<Install> = installs::table
            .filter(installs::api_key_ciphertext.is_not_null())
            .select(Install::as_select())
            .load(conn)?;
        let mut n = 0;
        for row in rows {
            let Some(sealed) = row.sealed_key() else {
                continue;
            };
            let aad = row.installed_app_id.as_bytes();
            let plain = keyring
                .open(&sealed, aad)
                .map_err(|e| RekeyError(format!("{}: {e}", row.installed_app_id)))?;
            let fresh = keyring
                .seal(&plain, aad)
                .map_err(|e| RekeyError(e.to_string()))?;
            diesel::update(installs::table.find(&row.installed_app_id))
                .set((
                    installs::api_key_ciphertext.eq(fresh.ciphertext),
                    installs::api_key_nonce.eq(fresh.nonce),
                    installs::api_key_kid.eq(fresh.kid),
                    installs::updated_at.eq(now),
                ))
                .execute(conn)?;
            n += 1;
        }
        Ok::<_, RekeyError>(n)
    })
    .map_err(|e| e.0)
}

struct RekeyError(String);

impl From<diesel::result::Error> for RekeyError {
    fn from(e: diesel::result::Error) -> Self {
        RekeyError(e.to_string())
    }
}
