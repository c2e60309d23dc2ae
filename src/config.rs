//! Configuration from the environment (spec §5). Every variable is parsed and checked here, once;
//! a bad value stops startup with a message naming the variable.

use std::net::{SocketAddr, ToSocketAddrs};
use std::path::{Path, PathBuf};

use url::Url;

use crate::crypto::Secret;
use crate::kyc::checks::HighRiskList;
use crate::kyc::risk::ReReviewIntervals;

/// Where the encryption keys come from.
#[derive(Debug, Clone)]
pub enum KeySource {
    /// `APP_ENCRYPTION_KEYS=kid:base64key,...` (first key encrypts new writes).
    Env(Secret),
    /// No variable: a key file next to the database, generated on first start (0600).
    File(PathBuf),
}

/// Whether the built-in Blnk Cloud simulator is served.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SandboxMode {
    On,
    Off,
}

#[derive(Debug, Clone)]
pub struct Config {
    pub bind_addr: String,
    /// Base of `portal_url` and links, without a trailing slash.
    pub public_url: Url,
    pub database_path: PathBuf,
    pub keys: KeySource,
    pub session_ttl_secs: i64,
    pub frame_ancestors: String,
    pub callback_secret: Option<Secret>,
    pub cloud_api_url: Option<Url>,
    pub sandbox: SandboxMode,
    pub sanctions_list_dir: Option<PathBuf>,
    /// `SANDBOX_IDENTITIES`: a JSON file of identities the sandbox loads instead of its seed.
    pub sandbox_identities: Option<PathBuf>,
    pub screening_threshold: f64,
    pub metadata_namespace: String,
    /// Months until re-review per risk band (`REVIEW_INTERVAL_MONTHS`).
    pub review_intervals: ReReviewIntervals,
    /// The dated list of high-risk jurisdictions (`HIGH_RISK_COUNTRIES`).
    pub high_risk: HighRiskList,
    /// `CLOUD_TIMEOUT_SECS`: the whole-request timeout of Cloud API calls (default 20).
    pub cloud_timeout_secs: u64,
    /// `RATE_LIMIT_PER_SEC`: requests per second per client address on the public POST routes
    /// (bursts of ten seconds' worth); 0 = off.
    pub rate_limit_per_sec: u32,
}

#[derive(Debug, thiserror::Error)]
#[error("{variable}: {message}")]
pub struct ConfigError {
    pub variable: &'static str,
    pub message: String,
}

impl ConfigError {
    fn new(variable: &'static str, message: impl Into<String>) -> Self {
        Self {
            variable,
            message: message.into(),
        }
    }
}

/// Requests per second per client address on `/api/callback` and `/api/portal`.
pub const DEFAULT_RATE_LIMIT_PER_SEC: u32 = 50;

/// Seconds a Cloud API request may take in all.
pub const DEFAULT_CLOUD_TIMEOUT_SECS: u64 = 20;

pub const DEFAULT_FRAME_ANCESTORS: &str =
    "'self' https://cloud.blnkfinance.com https://*.blnkfinance.com";

impl Config {
    /// Reads the process environment.
    pub fn from_env() -> Result<(Config, Vec<String>), ConfigError> {
        Self::from_lookup(|name| std::env::var(name).ok())
    }

    /// Parses configuration from any lookup (the environment, or a map in tests). Returns the
    /// configuration and the warnings to log.
    pub fn from_lookup(
        get: impl Fn(&str) -> Option<String>,
    ) -> Result<(Config, Vec<String>), ConfigError> {
        let mut warnings = Vec::new();
        let var = |name: &str| {
            get(name)
                .map(|v| v.trim().to_owned())
                .filter(|v| !v.is_empty())
        };

        let bind_addr = var("BIND_ADDR").unwrap_or_else(|| "127.0.0.1:8080".into());
        let bind = parse_bind_addr(&bind_addr)?;

        // Without PUBLIC_URL the app is reached on localhost at the bound port, so that a local
        // run on another port still builds working portal links.
        let public_url = parse_base_url(
            "PUBLIC_URL",
            &var("PUBLIC_URL").unwrap_or_else(|| format!("http://localhost:{}", bind.port())),
        )?;

        let database_path = PathBuf::from(
            var("DATABASE_URL")
                .map(|v| strip_sqlite_scheme(&v).to_owned())
                .unwrap_or_else(|| "data/kyc.db".into()),
        );
        if database_path.as_os_str().is_empty() || database_path.to_string_lossy() == ":memory:" {
            return Err(ConfigError::new(
                "DATABASE_URL",
                "must be the path of a SQLite file (in-memory databases cannot be shared by the pool)",
            ));
        }

        let cloud_api_url = match var("BLNK_CLOUD_API_URL") {
            Some(v) => Some(parse_base_url("BLNK_CLOUD_API_URL", &v)?),
            None => None,
        };

        let keys = match get("APP_ENCRYPTION_KEYS").filter(|v| !v.trim().is_empty()) {
            Some(v) => {
                crate::crypto::Keyring::parse(&v)
                    .map_err(|e| ConfigError::new("APP_ENCRYPTION_KEYS", e.to_string()))?;
                KeySource::Env(Secret::new(v))
            }
            None if cloud_api_url.is_some() => {
                return Err(ConfigError::new(
                    "APP_ENCRYPTION_KEYS",
                    "is required when BLNK_CLOUD_API_URL is set (production); create one with `blnk-kyc gen-key`",
                ))
            }
            None => KeySource::File(default_key_file(&database_path)),
        };

        let session_ttl_secs = match var("PORTAL_SESSION_TTL_SECS") {
            None => 900,
            Some(v) => {
                let n: i64 = v.parse().map_err(|_| {
                    ConfigError::new(
                        "PORTAL_SESSION_TTL_SECS",
                        format!("`{v}` is not a whole number of seconds"),
                    )
                })?;
                if n < 1 {
                    return Err(ConfigError::new(
                        "PORTAL_SESSION_TTL_SECS",
                        "must be at least 1",
                    ));
                }
                if !(300..=900).contains(&n) {
                    warnings.push(format!(
                        "PORTAL_SESSION_TTL_SECS={n} is outside Blnk's advice of 300-900 seconds"
                    ));
                }
                n
            }
        };

        let frame_ancestors =
            var("FRAME_ANCESTORS").unwrap_or_else(|| DEFAULT_FRAME_ANCESTORS.into());
        if frame_ancestors
            .chars()
            .any(|c| c == ';' || c == ',' || c.is_control())
        {
            return Err(ConfigError::new(
                "FRAME_ANCESTORS",
                "must be a space-separated list of CSP sources (no `;`, `,` or control characters)",
            ));
        }

        let callback_secret = var("CALLBACK_SECRET").map(Secret::new);
        if let Some(s) = &callback_secret {
            if s.expose().len() < 16 {
                warnings.push("CALLBACK_SECRET is shorter than 16 characters".into());
            }
        }

        let sandbox = match var("SANDBOX")
            .as_deref()
            .map(str::to_ascii_lowercase)
            .as_deref()
        {
            None | Some("auto") => {
                if cloud_api_url.is_some() {
                    SandboxMode::Off
                } else {
                    SandboxMode::On
                }
            }
            Some("on") | Some("true") | Some("1") => SandboxMode::On,
            Some("off") | Some("false") | Some("0") => SandboxMode::Off,
            Some(other) => {
                return Err(ConfigError::new(
                    "SANDBOX",
                    format!("`{other}` is not one of on, off, auto"),
                ))
            }
        };
        if sandbox == SandboxMode::On && cloud_api_url.is_some() {
            warnings.push(
                "SANDBOX=on with BLNK_CLOUD_API_URL set: the simulator is served but the app talks to the real Cloud"
                    .into(),
            );
        }

        let sanctions_list_dir = var("SANCTIONS_LIST_DIR").map(PathBuf::from);
        if let Some(dir) = &sanctions_list_dir {
            if !dir.join("sdn.csv").is_file() {
                return Err(ConfigError::new(
                    "SANCTIONS_LIST_DIR",
                    format!("{} has no sdn.csv", dir.display()),
                ));
            }
        }

        let sandbox_identities = var("SANDBOX_IDENTITIES").map(PathBuf::from);
        if let Some(file) = &sandbox_identities {
            if !file.is_file() {
                return Err(ConfigError::new(
                    "SANDBOX_IDENTITIES",
                    format!("{} is not a readable file", file.display()),
                ));
            }
        }

        let screening_threshold = match var("SCREENING_THRESHOLD") {
            None => 0.85,
            Some(v) => match v.parse::<f64>() {
                Ok(t) if t > 0.0 && t <= 1.0 => t,
                _ => {
                    return Err(ConfigError::new(
                        "SCREENING_THRESHOLD",
                        format!("`{v}` is not a number in (0, 1]"),
                    ))
                }
            },
        };

        let review_intervals = match var("REVIEW_INTERVAL_MONTHS") {
            None => ReReviewIntervals::default(),
            Some(v) => Self::parse_intervals(&v).ok_or_else(|| {
                ConfigError::new(
                    "REVIEW_INTERVAL_MONTHS",
                    format!("`{v}` is not four month counts 1-120 for low,medium,high,critical (e.g. 36,24,12,6)"),
                )
            })?,
        };

        let high_risk = match var("HIGH_RISK_COUNTRIES") {
            None => HighRiskList::default(),
            Some(v) => HighRiskList::parse(&v)
                .map_err(|e| ConfigError::new("HIGH_RISK_COUNTRIES", e.to_string()))?,
        };

        let cloud_timeout_secs = match var("CLOUD_TIMEOUT_SECS") {
            None => DEFAULT_CLOUD_TIMEOUT_SECS,
            Some(v) => v
                .trim()
                .parse::<u64>()
                .ok()
                .filter(|n| (1..=120).contains(n))
                .ok_or_else(|| {
                    ConfigError::new(
                        "CLOUD_TIMEOUT_SECS",
                        format!("`{v}` is not a number of seconds from 1 to 120"),
                    )
                })?,
        };

        let rate_limit_per_sec = match var("RATE_LIMIT_PER_SEC") {
            None => DEFAULT_RATE_LIMIT_PER_SEC,
            Some(v) => v
                .parse::<u32>()
                .ok()
                .filter(|n| *n <= 1_000_000)
                .ok_or_else(|| {
                    ConfigError::new(
                        "RATE_LIMIT_PER_SEC",
                        format!("`{v}` is not a whole number of requests per second (0 turns the limit off)"),
                    )
                })?,
        };

        let metadata_namespace = var("KYC_METADATA_NAMESPACE").unwrap_or_else(|| "kyc".into());
        if metadata_namespace.len() > 64
            || !metadata_namespace
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
        {
            return Err(ConfigError::new(
                "KYC_METADATA_NAMESPACE",
                "must be 1-64 characters of letters, digits, `_` or `-`",
            ));
        }

        Ok((
            Config {
                bind_addr,
                public_url,
                database_path,
                keys,
                session_ttl_secs,
                frame_ancestors,
                callback_secret,
                cloud_api_url,
                sandbox,
                sanctions_list_dir,
                sandbox_identities,
                screening_threshold,
                metadata_namespace,
                review_intervals,
                high_risk,
                cloud_timeout_secs,
                rate_limit_per_sec,
            },
            warnings,
        ))
    }

    /// `low,medium,high,critical` month counts, each 1-120.
    fn parse_intervals(v: &str) -> Option<ReReviewIntervals> {
        let n: Vec<u32> = v
            .split(',')
            .map(|p| {
                p.trim()
                    .parse::<u32>()
                    .ok()
                    .filter(|m| (1..=120).contains(m))
            })
            .collect::<Option<Vec<_>>>()?;
        match n[..] {
            [low_months, medium_months, high_months, critical_months] => Some(ReReviewIntervals {
                low_months,
                medium_months,
                high_months,
                critical_months,
            }),
            _ => None,
        }
    }

    /// A configuration for tests and tools: everything default, the database and key file in `dir`.
    pub fn for_dir(dir: &Path) -> Config {
        let database_path = dir.join("kyc.db");
        Config {
            bind_addr: "127.0.0.1:0".into(),
            public_url: Url::parse("http://localhost:8080").unwrap_or_else(|_| unreachable_url()),
            keys: KeySource::File(default_key_file(&database_path)),
            database_path,
            session_ttl_secs: 900,
            frame_ancestors: DEFAULT_FRAME_ANCESTORS.into(),
            callback_secret: None,
            cloud_api_url: None,
            sandbox: SandboxMode::On,
            sanctions_list_dir: None,
            sandbox_identities: None,
            screening_threshold: 0.85,
            metadata_namespace: "kyc".into(),
            review_intervals: ReReviewIntervals::default(),
            high_risk: HighRiskList::default(),
            cloud_timeout_secs: DEFAULT_CLOUD_TIMEOUT_SECS,
            rate_limit_per_sec: DEFAULT_RATE_LIMIT_PER_SEC,
        }
    }

    /// The public origin (`scheme://host[:port]`) that POST forms must come from.
    pub fn public_origin(&self) -> String {
        self.public_url.origin().ascii_serialization()
    }

    /// `PUBLIC_URL` joined with an absolute path (`/portal`), never producing a double slash.
    pub fn public_link(&self, path: &str) -> String {
        let base = self.public_url.as_str().trim_end_matches('/');
        format!("{base}{path}")
    }
}

fn unreachable_url() -> Url {
    // `for_dir` parses a literal that always parses; this keeps the code free of `expect`.
    Url::parse("http://localhost/").unwrap_or_else(|_| std::process::abort())
}

fn strip_sqlite_scheme(v: &str) -> &str {
    v.strip_prefix("sqlite://")
        .or_else(|| v.strip_prefix("sqlite:"))
        .unwrap_or(v)
}

/// The generated key file lives in the database's folder (`data/encryption.key` by default).
pub fn default_key_file(database_path: &Path) -> PathBuf {
    database_path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or_else(|| Path::new("."))
        .join("encryption.key")
}

fn parse_bind_addr(v: &str) -> Result<SocketAddr, ConfigError> {
    v.to_socket_addrs()
        .ok()
        .and_then(|mut a| a.next())
        .ok_or_else(|| ConfigError::new("BIND_ADDR", format!("`{v}` is not a host:port address")))
}

fn parse_base_url(variable: &'static str, v: &str) -> Result<Url, ConfigError> {
    let url = Url::parse(v)
        .map_err(|e| ConfigError::new(variable, format!("`{v}` is not a URL ({e})")))?;
    if !matches!(url.scheme(), "http" | "https") || url.host_str().is_none() {
        return Err(ConfigError::new(
            variable,
            format!("`{v}` must be an http(s) URL with a host"),
        ));
    }
    if url.query().is_some() || url.fragment().is_some() {
        return Err(ConfigError::new(
            variable,
            format!("`{v}` must not have a query or fragment"),
        ));
    }
    Ok(url)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn parse(vars: &[(&str, &str)]) -> Result<(Config, Vec<String>), ConfigError> {
        let map: HashMap<String, String> = vars
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        Config::from_lookup(|k| map.get(k).cloned())
    }

    #[test]
    fn no_variables_gives_the_documented_defaults() {
        let (c, warnings) = parse(&[]).unwrap();
        assert_eq!(c.bind_addr, "127.0.0.1:8080");
        assert_eq!(c.public_url.as_str(), "http://localhost:8080/");
        assert_eq!(c.database_path, PathBuf::from("data/kyc.db"));
        assert!(matches!(c.keys, KeySource::File(ref p) if p == Path::new("data/encryption.key")));
        assert_eq!(c.session_ttl_secs, 900);
        assert_eq!(c.frame_ancestors, DEFAULT_FRAME_ANCESTORS);
        assert!(c.callback_secret.is_none());
        assert_eq!(c.sandbox, SandboxMode::On);
        assert_eq!(c.screening_threshold, 0.85);
        assert_eq!(c.metadata_namespace, "kyc");
        assert!(warnings.is_empty());
    }

    #[test]
    fn bad_values_name_the_variable() {
        for (var, value) in [
            ("BIND_ADDR", "nonsense"),
            ("PUBLIC_URL", "ftp://x"),
            ("PUBLIC_URL", "not a url"),
            ("PORTAL_SESSION_TTL_SECS", "0"),
            ("PORTAL_SESSION_TTL_SECS", "ten"),
            ("SCREENING_THRESHOLD", "1.5"),
            ("SANDBOX", "maybe"),
            ("KYC_METADATA_NAMESPACE", "a b"),
            ("FRAME_ANCESTORS", "'self'; script-src *"),
            ("APP_ENCRYPTION_KEYS", "k1:short"),
            ("DATABASE_URL", ":memory:"),
            ("SANCTIONS_LIST_DIR", "/definitely/not/here"),
            ("REVIEW_INTERVAL_MONTHS", "36,24,12"),
            ("REVIEW_INTERVAL_MONTHS", "36,24,12,0"),
            ("REVIEW_INTERVAL_MONTHS", "a,b,c,d"),
            ("HIGH_RISK_COUNTRIES", "KP,IR"),
            ("HIGH_RISK_COUNTRIES", "2025-13-01:KP"),
        ] {
            let err = parse(&[(var, value)]).unwrap_err();
            assert_eq!(err.variable, var, "{var}={value}");
            assert!(err.to_string().starts_with(var));
        }
    }

    #[test]
    fn review_intervals_and_high_risk_countries_are_configurable() {
        let (c, _) = parse(&[
            ("REVIEW_INTERVAL_MONTHS", "24, 12,6,3"),
            ("HIGH_RISK_COUNTRIES", "2026-10-24:KP,ir"),
        ])
        .unwrap();
        assert_eq!(
            c.review_intervals
                .months(crate::kyc::risk::RiskBand::Medium),
            12
        );
        assert_eq!(
            c.review_intervals
                .months(crate::kyc::risk::RiskBand::Critical),
            3
        );
        assert!(c.high_risk.contains("IR") && !c.high_risk.contains("MM"));
        let (d, _) = parse(&[]).unwrap();
        assert_eq!(d.review_intervals, ReReviewIntervals::default());
        assert!(d.high_risk.contains("KP"));
    }

    #[test]
    fn ttl_outside_advice_is_accepted_with_a_warning() {
        let (c, warnings) = parse(&[("PORTAL_SESSION_TTL_SECS", "5")]).unwrap();
        assert_eq!(c.session_ttl_secs, 5);
        assert!(warnings
            .iter()
            .any(|w| w.contains("PORTAL_SESSION_TTL_SECS")));
    }

    #[test]
    fn production_requires_encryption_keys_and_turns_the_sandbox_off() {
        let err =
            parse(&[("BLNK_CLOUD_API_URL", "https://api.cloud.blnkfinance.com")]).unwrap_err();
        assert_eq!(err.variable, "APP_ENCRYPTION_KEYS");
        let key = crate::crypto::Keyring::generate_entry("k1").unwrap();
        let (c, _) = parse(&[
            ("BLNK_CLOUD_API_URL", "https://api.cloud.blnkfinance.com"),
            ("APP_ENCRYPTION_KEYS", key.expose()),
        ])
        .unwrap();
        assert_eq!(c.sandbox, SandboxMode::Off);
        let (c, _) = parse(&[
            ("BLNK_CLOUD_API_URL", "https://api.cloud.blnkfinance.com"),
            ("APP_ENCRYPTION_KEYS", key.expose()),
            ("SANDBOX", "on"),
        ])
        .unwrap();
        assert_eq!(c.sandbox, SandboxMode::On);
        let (c, _) = parse(&[("SANDBOX", "off")]).unwrap();
        assert_eq!(c.sandbox, SandboxMode::Off);
    }

    #[test]
    fn sqlite_scheme_is_accepted_in_database_url() {
        let (c, _) = parse(&[("DATABASE_URL", "sqlite:///tmp/x/kyc.db")]).unwrap();
        assert_eq!(c.database_path, PathBuf::from("/tmp/x/kyc.db"));
        assert!(
            matches!(c.keys, KeySource::File(ref p) if p == Path::new("/tmp/x/encryption.key"))
        );
    }

    #[test]
    fn public_link_joins_without_double_slashes() {
        let (c, _) = parse(&[("PUBLIC_URL", "https://kyc.example.com/")]).unwrap();
        assert_eq!(c.public_link("/portal"), "https://kyc.example.com/portal");
        assert_eq!(c.public_origin(), "https://kyc.example.com");
    }
}
