//! Secrets at rest and on the wire: the AES-256-GCM keyring for stored API keys, random tokens,
//! SHA-256 hashes of tokens and session ids, and constant-time comparison.

use std::collections::HashMap;
use std::fmt;

use aes_gcm::aead::{Aead, KeyInit, Payload};
use aes_gcm::Aes256Gcm;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use base64::Engine;
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

/// A string that must never be printed: `Debug` and `Display` show `***`.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    pub fn new(value: impl Into<String>) -> Self {
        Self(value.into())
    }
    /// The plaintext, for the one place that needs it (an outbound header, a cookie value).
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(***)")
    }
}

impl fmt::Display for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("***")
    }
}

#[derive(Debug, thiserror::Error)]
pub enum CryptoError {
    #[error("entry {0} is not `kid:base64key`")]
    BadEntry(usize),
    #[error("key id `{0}` must be 1-32 letters, digits, `_` or `-`")]
    BadKeyId(String),
    #[error("key `{0}` is not base64 of exactly 32 bytes")]
    BadKey(String),
    #[error("key id `{0}` appears twice")]
    DuplicateKeyId(String),
    #[error("no keys given")]
    Empty,
    #[error("no key with id `{0}` in the keyring")]
    UnknownKeyId(String),
    #[error("decryption failed (wrong key or tampered data)")]
    Decrypt,
    #[error("encryption failed")]
    Encrypt,
    #[error("the operating system's random source failed")]
    Random,
}

/// Ciphertext of one stored secret, with what is needed to open it again.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sealed {
    pub kid: String,
    pub nonce: Vec<u8>,
    pub ciphertext: Vec<u8>,
}

/// Named AES-256 keys; the first one encrypts new writes, all of them decrypt (key rotation).
pub struct Keyring {
    primary: String,
    keys: HashMap<String, Aes256Gcm>,
    order: Vec<String>,
}

impl fmt::Debug for Keyring {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Keyring")
            .field("key_ids", &self.order)
            .finish()
    }
}

impl Keyring {
    /// Parses `kid:base64key,kid2:base64key2` (newlines also separate entries).
    pub fn parse(spec: &str) -> Result<Keyring, CryptoError> {
        let mut keys = HashMap::new();
        let mut order = Vec::new();
        let entries = spec
            .split([',', '\n'])
            .map(str::trim)
            .filter(|e| !e.is_empty() && !e.starts_with('#'));
        for (i, entry) in entries.enumerate() {
            let (kid, b64) = entry.split_once(':').ok_or(CryptoError::BadEntry(i + 1))?;
            let (kid, b64) = (kid.trim(), b64.trim());
            if kid.is_empty()
                || kid.len() > 32
                || !kid
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
            {
                return Err(CryptoError::BadKeyId(kid.to_owned()));
            }
            let bytes = STANDARD
                .decode(b64)
                .map_err(|_| CryptoError::BadKey(kid.to_owned()))?;
            if bytes.len() != 32 {
                return Err(CryptoError::BadKey(kid.to_owned()));
            }
            let cipher = Aes256Gcm::new_from_slice(&bytes)
                .map_err(|_| CryptoError::BadKey(kid.to_owned()))?;
            if keys.insert(kid.to_owned(), cipher).is_some() {
                return Err(CryptoError::DuplicateKeyId(kid.to_owned()));
            }
            order.push(kid.to_owned());
        }
        let primary = order.first().cloned().ok_or(CryptoError::Empty)?;
        Ok(Keyring {
            primary,
            keys,
            order,
        })
    }

    /// A fresh `kid:base64key` entry from the OS random source.
    pub fn generate_entry(kid: &str) -> Result<Secret, CryptoError> {
        let mut key = [0u8; 32];
        getrandom::fill(&mut key).map_err(|_| CryptoError::Random)?;
        Ok(Secret::new(format!("{kid}:{}", STANDARD.encode(key))))
    }

    pub fn primary_kid(&self) -> &str {
        &self.primary
    }

    pub fn key_ids(&self) -> &[String] {
        &self.order
    }

    pub fn has_kid(&self, kid: &str) -> bool {
        self.keys.contains_key(kid)
    }

    /// Encrypts under the primary key with a random 96-bit nonce, binding `associated_data`
    /// (the `installed_app_id`) so a ciphertext cannot be moved to another row.
    pub fn seal(&self, plaintext: &[u8], associated_data: &[u8]) -> Result<Sealed, CryptoError> {
        let cipher = self
            .keys
            .get(&self.primary)
            .ok_or_else(|| CryptoError::UnknownKeyId(self.primary.clone()))?;
        let mut nonce = [0u8; 12];
        getrandom::fill(&mut nonce).map_err(|_| CryptoError::Random)?;
        let ciphertext = cipher
            .encrypt(
                &nonce.into(),
                Payload {
                    msg: plaintext,
                    aad: associated_data,
                },
            )
            .map_err(|_| CryptoError::Encrypt)?;
        Ok(Sealed {
            kid: self.primary.clone(),
            nonce: nonce.to_vec(),
            ciphertext,
        })
    }

    pub fn open(&self, sealed: &Sealed, associated_data: &[u8]) -> Result<Vec<u8>, CryptoError> {
        let cipher = self
            .keys
            .get(&sealed.kid)
            .ok_or_else(|| CryptoError::UnknownKeyId(sealed.kid.clone()))?;
        let nonce: [u8; 12] = sealed
            .nonce
            .as_slice()
            .try_into()
            .map_err(|_| CryptoError::Decrypt)?;
        cipher
            .decrypt(
                &nonce.into(),
                Payload {
                    msg: &sealed.ciphertext,
                    aad: associated_data,
                },
            )
            .map_err(|_| CryptoError::Decrypt)
    }
}

/// 32 random bytes from the OS, base64url without padding (43 characters).
pub fn random_token() -> Result<Secret, CryptoError> {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes).map_err(|_| CryptoError::Random)?;
    Ok(Secret::new(URL_SAFE_NO_PAD.encode(bytes)))
}

/// SHA-256 of a token or session id: what the database stores instead of the value.
pub fn hash_token(token: &str) -> Vec<u8> {
    Sha256::digest(token.as_bytes()).to_vec()
}

/// Lowercase hex of bytes, two digits each. (A table lookup: `format!("{b:02x}")` per byte
/// was 5% of a callback's CPU time, for the two digests it hashes.)
pub fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut out = String::with_capacity(bytes.len() * 2);
    for &b in bytes {
        out.push(char::from(DIGITS[usize::from(b >> 4)]));
        out.push(char::from(DIGITS[usize::from(b & 0x0f)]));
    }
    out
}

/// Lowercase hex SHA-256 of arbitrary bytes.
pub fn sha256_hex(bytes: &[u8]) -> String {
    hex(&Sha256::digest(bytes))
}

/// The CSRF token of a session, derived from the session id so it needs no storage and reveals
/// nothing about the id (a different hash domain from the stored `hash_token`).
pub fn csrf_token_for(session_id: &str) -> String {
    let mut h = Sha256::new();
    h.update(b"blnk-kyc csrf v1\0");
    h.update(session_id.as_bytes());
    URL_SAFE_NO_PAD.encode(h.finalize())
}

/// Compares two strings in time independent of where they differ.
pub fn constant_time_eq(a: &str, b: &str) -> bool {
    constant_time_eq_bytes(a.as_bytes(), b.as_bytes())
}

/// [`constant_time_eq`] for bytes, e.g. two digests.
pub fn constant_time_eq_bytes(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && bool::from(a.ct_eq(b))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ring(spec: &str) -> Keyring {
        Keyring::parse(spec).unwrap()
    }

    #[test]
    fn sealed_secret_opens_only_with_the_same_associated_data() {
        let k = ring(Keyring::generate_entry("k1").unwrap().expose());
        let sealed = k.seal(b"blnk_secret_key", b"instapp_1").unwrap();
        assert_eq!(sealed.kid, "k1");
        assert_eq!(sealed.nonce.len(), 12);
        assert!(!sealed
            .ciphertext
            .windows(b"blnk_secret_key".len())
            .any(|w| w == b"blnk_secret_key"));
        assert_eq!(k.open(&sealed, b"instapp_1").unwrap(), b"blnk_secret_key");
        assert!(matches!(
            k.open(&sealed, b"instapp_2"),
            Err(CryptoError::Decrypt)
        ));
    }

    #[test]
    fn each_seal_uses_a_fresh_nonce() {
        let k = ring(Keyring::generate_entry("k1").unwrap().expose());
        let a = k.seal(b"x", b"id").unwrap();
        let b = k.seal(b"x", b"id").unwrap();
        assert_ne!(a.nonce, b.nonce);
        assert_ne!(a.ciphertext, b.ciphertext);
    }

    #[test]
    fn rotation_decrypts_old_keys_and_encrypts_with_the_first() {
        let old = Keyring::generate_entry("old").unwrap();
        let new = Keyring::generate_entry("new").unwrap();
        let before = ring(old.expose());
        let sealed = before.seal(b"key", b"id").unwrap();
        let after = ring(&format!("{},{}", new.expose(), old.expose()));
        assert_eq!(after.primary_kid(), "new");
        assert_eq!(after.open(&sealed, b"id").unwrap(), b"key");
        assert_eq!(after.seal(b"key", b"id").unwrap().kid, "new");
    }

    #[test]
    fn a_wrong_key_with_the_same_id_is_refused() {
        let a = ring(Keyring::generate_entry("k1").unwrap().expose());
        let b = ring(Keyring::generate_entry("k1").unwrap().expose());
        let sealed = a.seal(b"key", b"id").unwrap();
        assert!(matches!(b.open(&sealed, b"id"), Err(CryptoError::Decrypt)));
    }

    #[test]
    fn malformed_keyrings_are_refused_with_a_reason() {
        assert!(matches!(Keyring::parse(""), Err(CryptoError::Empty)));
        assert!(matches!(
            Keyring::parse("nokid"),
            Err(CryptoError::BadEntry(1))
        ));
        assert!(matches!(
            Keyring::parse("k1:AAAA"),
            Err(CryptoError::BadKey(_))
        ));
        assert!(matches!(
            Keyring::parse("bad id:AAAA"),
            Err(CryptoError::BadKeyId(_))
        ));
        let e = Keyring::generate_entry("k1").unwrap();
        let twice = format!("{},{}", e.expose(), e.expose());
        assert!(matches!(
            Keyring::parse(&twice),
            Err(CryptoError::DuplicateKeyId(_))
        ));
    }

    #[test]
    fn tokens_are_random_urlsafe_and_hashed() {
        let a = random_token().unwrap();
        let b = random_token().unwrap();
        assert_eq!(a.expose().len(), 43);
        assert_ne!(a, b);
        assert!(a
            .expose()
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_'));
        assert_eq!(hash_token(a.expose()).len(), 32);
        assert_ne!(
            csrf_token_for(a.expose()),
            URL_SAFE_NO_PAD.encode(hash_token(a.expose()))
        );
    }

    #[test]
    fn secrets_do_not_print() {
        let s = Secret::new("blnk_live_key");
        assert_eq!(format!("{s:?} {s}"), "Secret(***) ***");
    }

    #[test]
    fn constant_time_eq_compares_content() {
        assert!(constant_time_eq("abc", "abc"));
        assert!(!constant_time_eq("abc", "abd"));
        assert!(!constant_time_eq("abc", "abcd"));
    }

    #[test]
    fn hex_writes_two_lowercase_digits_per_byte() {
        assert_eq!(hex(&[]), "");
        assert_eq!(hex(&[0x00, 0x0f, 0xa5, 0xff]), "000fa5ff");
    }

    #[test]
    fn sha256_hex_matches_the_published_value_for_abc() {
        assert_eq!(
            sha256_hex(b"abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }
}
