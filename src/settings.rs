//! Every setting of the server, read from the environment (and an optional
//! TOML file) and validated once at start.
//!
//! Each error names the variable that is wrong, so an operator can fix the
//! deployment without reading code. Environment variables win over the file.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;

use crate::domain::DomainName;

/// The validated configuration of one server process.
#[derive(Clone)]
pub struct Settings {
    /// `RECRUITMAIL_LISTEN`: address of the HTTP server (default `127.0.0.1:8080`;
    /// port 0 picks a free port).
    pub listen: SocketAddr,
    /// `RECRUITMAIL_DATA_DIR`: folder for the embedded database, blobs, the
    /// outbox of `.eml` files and the generated secret key (default `./data`).
    pub data_dir: PathBuf,
    /// `DATABASE_URL`: `sqlite://…` or `postgres://…` (default an SQLite file in
    /// the data folder).
    pub database_url: String,
    /// `RECRUITMAIL_DB_MAX_CONNECTIONS`: size of the database pool (default 10).
    pub db_max_connections: u32,
    /// `RECRUITMAIL_SECRET_KEY`: 32 bytes, base64 or hex, that encrypt secrets at
    /// rest. Without it, a key is generated once into `<data dir>/secret.key`.
    pub secret_key: SecretKey,
    /// `RECRUITMAIL_INBOUND_DOMAIN`: domain of the companies' inbound addresses
    /// (default `inbound.localhost`).
    pub inbound_domain: DomainName,
    /// `RECRUITMAIL_SMTP_LISTEN`: address of the optional inbound SMTP listener.
    pub smtp_listen: Option<SocketAddr>,
    /// `RECRUITMAIL_MAX_PAGE_SIZE`: largest `first` a connection accepts (default 100).
    pub max_page_size: usize,
    /// `RECRUITMAIL_MAX_ATTACHMENT_BYTES`: largest total of one message's
    /// attachments, in or out (default 10 MiB).
    pub max_attachment_bytes: usize,
    /// `RECRUITMAIL_SMTP_RELAY`: the server-wide relay for mail of subsidiaries
    /// without their own SMTP server, as a URL (`smtp://user:pass@host:587?tls=required`,
    /// `smtps://host:465`). Without it, such mail is written as `.eml` files to
    /// `<data dir>/outbox`.
    pub smtp_relay: Option<String>,
    /// `RECRUITMAIL_SMTP_CA_FILE`: PEM file of extra root certificates trusted
    /// for SMTP servers (a private CA), besides the public ones.
    pub smtp_ca_pem: Option<Vec<u8>>,
    /// `RECRUITMAIL_SMTP_CONCURRENCY`: messages sent at once through one SMTP
    /// server, each on its own pooled connection (default 4).
    pub smtp_concurrency: usize,
    /// `RECRUITMAIL_FORM_RATE_PER_ADDRESS`: applications one client address
    /// may submit per hour through `submitApplication` (default 20).
    pub form_rate_per_address: u32,
    /// `RECRUITMAIL_FORM_RATE_PER_KEY`: applications one company's form key
    /// may take per minute, from all addresses together (default 120).
    pub form_rate_per_key: u32,
    /// `RECRUITMAIL_DISPATCHER`: `on` (default) runs the job that delivers the
    /// outbox every second; `off` for instances that only serve the API.
    pub dispatcher: bool,
    /// `RECRUITMAIL_WEBHOOKS`: `on` runs the loop that delivers webhooks;
    /// `off` for instances that only serve the API. Defaults to
    /// `RECRUITMAIL_DISPATCHER`.
    pub webhooks: bool,
    /// `RECRUITMAIL_CALENDAR_FEEDS`: `on` runs the job that fetches users'
    /// calendar feeds every 15 minutes; `off` for instances that only serve
    /// the API. Defaults to `RECRUITMAIL_DISPATCHER`.
    pub calendar_feeds: bool,
    /// Where file contents go: `<data dir>/blobs`, or an S3-compatible store
    /// when `RECRUITMAIL_S3_BUCKET` is set.
    pub blob_store: BlobStoreSettings,
    /// `RECRUITMAIL_SMTP_ALLOW_PRIVATE_HOSTS`: `off` (default) refuses
    /// subsidiaries' SMTP servers and webhook endpoints on loopback, private
    /// or link-local addresses, so company admins cannot probe the server's
    /// own network; `on` where such servers are legitimate. The relay is
    /// always allowed.
    pub smtp_allow_private_hosts: bool,
    /// `RECRUITMAIL_PUBLIC_URL`: where candidates reach the career site, an
    /// absolute `https://` or `http://` URL (default `http://<listen>`).
    /// Scheduling links sent to candidates are `<public URL>/schedule/<token>`.
    pub public_url: url::Url,
    /// `RECRUITMAIL_SCHEDULING_RATE_PER_ADDRESS`: requests one client address
    /// may make per minute to the public scheduling operations
    /// (`schedulingLink`, `bookInterviewSlot`, `cancelInterviewBooking`;
    /// default 30).
    pub scheduling_rate_per_address: u32,
    /// `RECRUITMAIL_FILES_ACCEL_REDIRECT`: behind nginx, the URI prefix of an
    /// `internal` location that aliases `<data dir>/blobs` (e.g.
    /// `/_recruitmail_blobs/`). The file endpoint then checks the link and
    /// answers with the headers and `X-Accel-Redirect`, and nginx sends the
    /// bytes itself (with `sendfile`, ranges included). Local blobs only.
    pub files_accel_redirect: Option<String>,
}

/// Where blobs are stored.
#[derive(Clone)]
pub enum BlobStoreSettings {
    /// `<data dir>/blobs`.
    Local,
    /// An S3-compatible bucket: `RECRUITMAIL_S3_BUCKET`, `RECRUITMAIL_S3_REGION`
    /// (default `us-east-1`), `RECRUITMAIL_S3_ENDPOINT` (for stores other than
    /// AWS; `http://` allowed), `RECRUITMAIL_S3_ACCESS_KEY_ID` and
    /// `RECRUITMAIL_S3_SECRET_ACCESS_KEY` (else the usual `AWS_*` variables).
    S3 {
        bucket: String,
        region: String,
        endpoint: Option<String>,
        access_key_id: Option<String>,
        secret_access_key: Option<String>,
    },
}

impl std::fmt::Debug for BlobStoreSettings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Local => f.write_str("Local"),
            Self::S3 {
                bucket,
                region,
                endpoint,
                ..
            } => f
                .debug_struct("S3")
                .field("bucket", bucket)
                .field("region", region)
                .field("endpoint", endpoint)
                .finish_non_exhaustive(),
        }
    }
}

/// The key that encrypts secrets at rest. Its bytes never appear in `Debug`.
#[derive(Clone)]
pub struct SecretKey(pub [u8; 32]);

impl std::fmt::Debug for SecretKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SecretKey(..)")
    }
}

impl SecretKey {
    /// An HMAC-SHA-256 key for one use, named by `purpose` (HKDF's `info`,
    /// RFC 5869): each use gets its own key, so the key that seals SMTP
    /// passwords is never used for anything else, and a value made for one
    /// use means nothing to another.
    pub fn derive(&self, purpose: &[u8]) -> ring::hmac::Key {
        use ring::{hkdf, hmac};
        let prk = hkdf::Salt::new(hkdf::HKDF_SHA256, &[]).extract(&self.0);
        // `expand` fails only when asked for more than 255 hash lengths; one
        // HMAC-SHA-256 key is one.
        match prk.expand(&[purpose], hmac::HMAC_SHA256) {
            Ok(okm) => hmac::Key::from(okm),
            Err(_) => hmac::Key::new(hmac::HMAC_SHA256, &self.0),
        }
    }
}

impl std::fmt::Debug for Settings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Settings")
            .field("listen", &self.listen)
            .field("data_dir", &self.data_dir)
            .field("database_url", &redact_url(&self.database_url))
            .field("db_max_connections", &self.db_max_connections)
            .field("inbound_domain", &self.inbound_domain.as_str())
            .field("smtp_listen", &self.smtp_listen)
            .field("max_page_size", &self.max_page_size)
            .field("max_attachment_bytes", &self.max_attachment_bytes)
            .field("smtp_relay", &self.smtp_relay.as_deref().map(redact_url))
            .field("smtp_concurrency", &self.smtp_concurrency)
            .field("form_rate_per_address", &self.form_rate_per_address)
            .field("form_rate_per_key", &self.form_rate_per_key)
            .field("dispatcher", &self.dispatcher)
            .field("webhooks", &self.webhooks)
            .field("calendar_feeds", &self.calendar_feeds)
            .field("blob_store", &self.blob_store)
            .field("smtp_allow_private_hosts", &self.smtp_allow_private_hosts)
            .field("public_url", &self.public_url.as_str())
            .field(
                "scheduling_rate_per_address",
                &self.scheduling_rate_per_address,
            )
            .finish_non_exhaustive()
    }
}

/// A setting that could not be used; the message names the variable.
#[derive(Debug, thiserror::Error)]
#[error("{variable}: {message}")]
pub struct SettingsError {
    pub variable: &'static str,
    pub message: String,
}

fn invalid(variable: &'static str, message: impl Into<String>) -> SettingsError {
    SettingsError {
        variable,
        message: message.into(),
    }
}

/// Where raw values come from: the process environment over an optional file.
pub struct Source {
    values: HashMap<String, String>,
}

impl Source {
    /// The process environment, over the TOML file named by `RECRUITMAIL_CONFIG`
    /// if set. The file's keys are the variable names in lower case without the
    /// `RECRUITMAIL_` prefix (`listen = "0.0.0.0:8080"`, `database_url = …`).
    pub fn from_env() -> Result<Self, SettingsError> {
        let env: HashMap<String, String> = std::env::vars().collect();
        let mut values = HashMap::new();
        if let Some(path) = env.get("RECRUITMAIL_CONFIG") {
            values = read_file(Path::new(path))?;
        }
        values.extend(env);
        Ok(Self { values })
    }

    /// Exactly these values, for tests.
    pub fn from_pairs<'a>(pairs: impl IntoIterator<Item = (&'a str, &'a str)>) -> Self {
        Self {
            values: pairs
                .into_iter()
                .map(|(k, v)| (k.to_owned(), v.to_owned()))
                .collect(),
        }
    }

    fn get(&self, variable: &str) -> Option<&str> {
        self.values
            .get(variable)
            .map(|v| v.trim())
            .filter(|v| !v.is_empty())
    }
}

fn read_file(path: &Path) -> Result<HashMap<String, String>, SettingsError> {
    const VAR: &str = "RECRUITMAIL_CONFIG";
    let text = std::fs::read_to_string(path)
        .map_err(|e| invalid(VAR, format!("cannot read {}: {e}", path.display())))?;
    let table: toml::Table = text
        .parse()
        .map_err(|e| invalid(VAR, format!("{} is not valid TOML: {e}", path.display())))?;
    let mut values = HashMap::new();
    for (key, value) in table {
        let text = match value {
            toml::Value::String(s) => s,
            toml::Value::Integer(i) => i.to_string(),
            other => {
                return Err(invalid(
                    VAR,
                    format!(
                        "key `{key}` must be a string or an integer, not a {}",
                        other.type_str()
                    ),
                ));
            }
        };
        let variable = if key == "database_url" {
            "DATABASE_URL".to_owned()
        } else {
            format!("RECRUITMAIL_{}", key.to_uppercase())
        };
        values.insert(variable, text);
    }
    Ok(values)
}

impl Settings {
    /// Reads and validates every setting. May create the data folder and, in
    /// embedded mode, the secret-key file in it.
    pub fn load(source: &Source) -> Result<Self, SettingsError> {
        let listen = parse_addr(source, "RECRUITMAIL_LISTEN")?
            .unwrap_or(SocketAddr::from(([127, 0, 0, 1], 8080)));
        let data_dir = PathBuf::from(source.get("RECRUITMAIL_DATA_DIR").unwrap_or("./data"));
        std::fs::create_dir_all(&data_dir).map_err(|e| {
            invalid(
                "RECRUITMAIL_DATA_DIR",
                format!("cannot create {}: {e}", data_dir.display()),
            )
        })?;
        let database_url = match source.get("DATABASE_URL") {
            Some(url) if url.starts_with("sqlite:") || url.starts_with("postgres") => {
                url.to_owned()
            }
            Some(_) => {
                return Err(invalid(
                    "DATABASE_URL",
                    "must start with sqlite: or postgres:// (postgresql:// also works)",
                ));
            }
            None => format!(
                "sqlite://{}?mode=rwc",
                data_dir.join("recruitmail.db").display()
            ),
        };
        let db_max_connections =
            parse_number(source, "RECRUITMAIL_DB_MAX_CONNECTIONS", 1, 1000)?.unwrap_or(10) as u32;
        let secret_key = match source.get("RECRUITMAIL_SECRET_KEY") {
            Some(text) => decode_key(text).map_err(|m| invalid("RECRUITMAIL_SECRET_KEY", m))?,
            None => embedded_key(&data_dir)?,
        };
        let inbound_domain = DomainName::parse(
            source
                .get("RECRUITMAIL_INBOUND_DOMAIN")
                .unwrap_or("inbound.localhost"),
        )
        .map_err(|m| invalid("RECRUITMAIL_INBOUND_DOMAIN", m))?;
        let smtp_listen = parse_addr(source, "RECRUITMAIL_SMTP_LISTEN")?;
        let max_page_size =
            parse_number(source, "RECRUITMAIL_MAX_PAGE_SIZE", 1, 1000)?.unwrap_or(100) as usize;
        let max_attachment_bytes = parse_number(
            source,
            "RECRUITMAIL_MAX_ATTACHMENT_BYTES",
            1024,
            100 * 1024 * 1024,
        )?
        .unwrap_or(10 * 1024 * 1024) as usize;
        let smtp_relay = match source.get("RECRUITMAIL_SMTP_RELAY") {
            Some(url) => {
                crate::mail::smtp::SmtpConfig::from_url(url)
                    .map_err(|e| invalid("RECRUITMAIL_SMTP_RELAY", e))?;
                Some(url.to_owned())
            }
            None => None,
        };
        let smtp_ca_pem = match source.get("RECRUITMAIL_SMTP_CA_FILE") {
            Some(path) => {
                let pem = std::fs::read(path).map_err(|e| {
                    invalid(
                        "RECRUITMAIL_SMTP_CA_FILE",
                        format!("cannot read {path}: {e}"),
                    )
                })?;
                crate::mail::implicit_tls::extra_roots(&pem)
                    .map_err(|e| invalid("RECRUITMAIL_SMTP_CA_FILE", format!("{path}: {e}")))?;
                Some(pem)
            }
            None => None,
        };
        let smtp_concurrency =
            parse_number(source, "RECRUITMAIL_SMTP_CONCURRENCY", 1, 64)?.unwrap_or(4) as usize;
        let form_rate_per_address =
            parse_number(source, "RECRUITMAIL_FORM_RATE_PER_ADDRESS", 1, 100_000)?.unwrap_or(20)
                as u32;
        let form_rate_per_key = parse_number(source, "RECRUITMAIL_FORM_RATE_PER_KEY", 1, 100_000)?
            .unwrap_or(120) as u32;
        let dispatcher = parse_switch(source, "RECRUITMAIL_DISPATCHER", true)?;
        let webhooks = parse_switch(source, "RECRUITMAIL_WEBHOOKS", dispatcher)?;
        let calendar_feeds = parse_switch(source, "RECRUITMAIL_CALENDAR_FEEDS", dispatcher)?;
        let smtp_allow_private_hosts =
            parse_switch(source, "RECRUITMAIL_SMTP_ALLOW_PRIVATE_HOSTS", false)?;
        let public_url = parse_public_url(source, listen)?;
        let scheduling_rate_per_address = parse_number(
            source,
            "RECRUITMAIL_SCHEDULING_RATE_PER_ADDRESS",
            1,
            100_000,
        )?
        .unwrap_or(30) as u32;
        let blob_store = match source.get("RECRUITMAIL_S3_BUCKET") {
            None => BlobStoreSettings::Local,
            Some(bucket) => {
                let endpoint = source.get("RECRUITMAIL_S3_ENDPOINT").map(str::to_owned);
                if let Some(e) = &endpoint
                    && !(e.starts_with("http://") || e.starts_with("https://"))
                {
                    return Err(invalid(
                        "RECRUITMAIL_S3_ENDPOINT",
                        "must be an http:// or https:// URL",
                    ));
                }
                BlobStoreSettings::S3 {
                    bucket: bucket.to_owned(),
                    region: source
                        .get("RECRUITMAIL_S3_REGION")
                        .unwrap_or("us-east-1")
                        .to_owned(),
                    endpoint,
                    access_key_id: source
                        .get("RECRUITMAIL_S3_ACCESS_KEY_ID")
                        .map(str::to_owned),
                    secret_access_key: source
                        .get("RECRUITMAIL_S3_SECRET_ACCESS_KEY")
                        .map(str::to_owned),
                }
            }
        };
        let files_accel_redirect = parse_accel_prefix(source, &blob_store)?;
        Ok(Self {
            listen,
            data_dir,
            database_url,
            db_max_connections,
            secret_key,
            inbound_domain,
            smtp_listen,
            max_page_size,
            max_attachment_bytes,
            smtp_relay,
            smtp_ca_pem,
            smtp_concurrency,
            form_rate_per_address,
            form_rate_per_key,
            dispatcher,
            webhooks,
            calendar_feeds,
            blob_store,
            smtp_allow_private_hosts,
            public_url,
            scheduling_rate_per_address,
            files_accel_redirect,
        })
    }

    /// Whether the database is the embedded SQLite file.
    pub fn is_sqlite(&self) -> bool {
        self.database_url.starts_with("sqlite:")
    }
}

fn parse_addr(
    source: &Source,
    variable: &'static str,
) -> Result<Option<SocketAddr>, SettingsError> {
    source
        .get(variable)
        .map(|text| {
            text.parse().map_err(|_| {
                invalid(
                    variable,
                    format!("`{text}` is not an address like 127.0.0.1:8080"),
                )
            })
        })
        .transpose()
}

fn parse_switch(
    source: &Source,
    variable: &'static str,
    default: bool,
) -> Result<bool, SettingsError> {
    match source.get(variable) {
        None => Ok(default),
        Some("on") => Ok(true),
        Some("off") => Ok(false),
        Some(other) => Err(invalid(
            variable,
            format!("`{other}` is neither `on` nor `off`"),
        )),
    }
}

/// The public base URL: absolute, `https` or `http`, with a host and no
/// query or fragment, so that paths can be appended to it.
fn parse_public_url(source: &Source, listen: SocketAddr) -> Result<url::Url, SettingsError> {
    const VAR: &str = "RECRUITMAIL_PUBLIC_URL";
    let raw = match source.get(VAR) {
        Some(raw) => raw.to_owned(),
        None => format!("http://{listen}"),
    };
    let url = url::Url::parse(&raw).map_err(|e| invalid(VAR, format!("not a URL: {e}")))?;
    if !matches!(url.scheme(), "https" | "http") || url.host_str().is_none() {
        return Err(invalid(VAR, "must be an https:// or http:// URL"));
    }
    if url.query().is_some() || url.fragment().is_some() {
        return Err(invalid(VAR, "must not have a query or a fragment"));
    }
    Ok(url)
}

/// The prefix is put in front of a blob's key (`sha256/ab/ab…`) in a header,
/// so it is kept to plain path characters: nothing that would need escaping
/// or that nginx would read as a query or an argument.
fn parse_accel_prefix(
    source: &Source,
    blob_store: &BlobStoreSettings,
) -> Result<Option<String>, SettingsError> {
    const VAR: &str = "RECRUITMAIL_FILES_ACCEL_REDIRECT";
    let Some(prefix) = source.get(VAR) else {
        return Ok(None);
    };
    if matches!(blob_store, BlobStoreSettings::S3 { .. }) {
        return Err(invalid(
            VAR,
            "works with blobs in the local folder only, not with RECRUITMAIL_S3_BUCKET",
        ));
    }
    let plain = prefix
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'/' | b'_' | b'-' | b'.'));
    if !plain || !prefix.starts_with('/') || !prefix.ends_with('/') || prefix.contains("..") {
        return Err(invalid(
            VAR,
            "must be a path like /_recruitmail_blobs/: starting and ending with /, \
             of letters, digits, _, - and . only",
        ));
    }
    Ok(Some(prefix.to_owned()))
}

fn parse_number(
    source: &Source,
    variable: &'static str,
    min: u64,
    max: u64,
) -> Result<Option<u64>, SettingsError> {
    source
        .get(variable)
        .map(|text| match text.parse::<u64>() {
            Ok(n) if (min..=max).contains(&n) => Ok(n),
            _ => Err(invalid(
                variable,
                format!("`{text}` is not a whole number from {min} to {max}"),
            )),
        })
        .transpose()
}

fn decode_key(text: &str) -> Result<SecretKey, String> {
    let bytes = if text.len() == 64 && text.bytes().all(|b| b.is_ascii_hexdigit()) {
        hex::decode(text).map_err(|e| e.to_string())?
    } else {
        BASE64
            .decode(text)
            .map_err(|_| "must be 32 bytes written as base64 or 64 hex digits".to_owned())?
    };
    let key: [u8; 32] = bytes
        .try_into()
        .map_err(|_| "must be exactly 32 bytes (base64 or 64 hex digits)".to_owned())?;
    Ok(SecretKey(key))
}

/// Reads `<data dir>/secret.key`, creating it with a random key on first use.
fn embedded_key(data_dir: &Path) -> Result<SecretKey, SettingsError> {
    const VAR: &str = "RECRUITMAIL_SECRET_KEY";
    let path = data_dir.join("secret.key");
    match std::fs::read_to_string(&path) {
        Ok(text) => decode_key(text.trim()).map_err(|m| {
            invalid(
                VAR,
                format!("unset, and {} is damaged: {m}", path.display()),
            )
        }),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            let key: [u8; 32] = rand::random();
            write_private(&path, &BASE64.encode(key)).map_err(|e| {
                invalid(
                    VAR,
                    format!("unset, and {} cannot be written: {e}", path.display()),
                )
            })?;
            Ok(SecretKey(key))
        }
        Err(e) => Err(invalid(
            VAR,
            format!("unset, and {} cannot be read: {e}", path.display()),
        )),
    }
}

/// Creates a file only its owner can read (where the platform has permissions).
fn write_private(path: &Path, contents: &str) -> std::io::Result<()> {
    use std::io::Write as _;
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt as _;
        options.mode(0o600);
    }
    let mut file = options.open(path)?;
    file.write_all(contents.as_bytes())?;
    file.write_all(b"\n")
}

/// The URL with any password replaced, for logs.
pub fn redact_url(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme_end), Some(at)) if at > scheme_end => {
            let userinfo = &url[scheme_end + 3..at];
            match userinfo.split_once(':') {
                Some((user, _)) => format!("{}{user}:***{}", &url[..scheme_end + 3], &url[at..]),
                None => url.to_owned(),
            }
        }
        _ => url.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn load(pairs: &[(&str, &str)]) -> Result<Settings, SettingsError> {
        let dir = tempfile::tempdir().unwrap();
        let data = dir.path().to_str().unwrap().to_owned();
        let mut all = vec![("RECRUITMAIL_DATA_DIR", data.as_str())];
        all.extend_from_slice(pairs);
        Settings::load(&Source::from_pairs(all))
    }

    #[test]
    fn defaults_are_embedded() {
        let settings = load(&[]).unwrap();
        assert_eq!(settings.listen.to_string(), "127.0.0.1:8080");
        assert!(settings.is_sqlite());
        assert!(settings.database_url.ends_with("recruitmail.db?mode=rwc"));
        assert_eq!(settings.inbound_domain.as_str(), "inbound.localhost");
        assert_eq!(settings.max_page_size, 100);
    }

    #[test]
    fn the_public_url_is_an_absolute_web_address() {
        assert_eq!(
            load(&[]).unwrap().public_url.as_str(),
            "http://127.0.0.1:8080/"
        );
        let set = load(&[(
            "RECRUITMAIL_PUBLIC_URL",
            "https://jobs.acme.example/careers",
        )]);
        assert_eq!(
            set.unwrap().public_url.as_str(),
            "https://jobs.acme.example/careers"
        );
        for bad in [
            "jobs.acme.example",
            "ftp://acme.example",
            "https://a.example/?x=1",
        ] {
            let err = load(&[("RECRUITMAIL_PUBLIC_URL", bad)]).unwrap_err();
            assert_eq!(err.variable, "RECRUITMAIL_PUBLIC_URL", "{bad}");
        }
    }

    #[test]
    fn the_accel_redirect_prefix_is_a_plain_path_for_local_blobs() {
        const VAR: &str = "RECRUITMAIL_FILES_ACCEL_REDIRECT";
        assert_eq!(load(&[]).unwrap().files_accel_redirect, None);
        assert_eq!(
            load(&[(VAR, "/_recruitmail_blobs/")])
                .unwrap()
                .files_accel_redirect
                .as_deref(),
            Some("/_recruitmail_blobs/")
        );
        for bad in ["_blobs/", "/_blobs", "/a/../b/", "/a b/", "/a?x=/", "/%2e/"] {
            let err = load(&[(VAR, bad)]).expect_err(bad);
            assert_eq!(err.variable, VAR, "{bad}");
        }
        let err =
            load(&[(VAR, "/_blobs/"), ("RECRUITMAIL_S3_BUCKET", "b")]).expect_err("S3 with accel");
        assert!(err.message.contains("local folder"), "{}", err.message);
    }

    #[test]
    fn webhooks_follow_the_dispatcher_unless_set() {
        assert!(load(&[]).unwrap().webhooks);
        assert!(!load(&[("RECRUITMAIL_DISPATCHER", "off")]).unwrap().webhooks);
        let own = load(&[
            ("RECRUITMAIL_DISPATCHER", "off"),
            ("RECRUITMAIL_WEBHOOKS", "on"),
        ])
        .unwrap();
        assert!(own.webhooks && !own.dispatcher);
    }

    #[test]
    fn embedded_secret_key_is_generated_once_and_reused() {
        let dir = tempfile::tempdir().unwrap();
        let data = dir.path().to_str().unwrap();
        let source = Source::from_pairs([("RECRUITMAIL_DATA_DIR", data)]);
        let first = Settings::load(&source).unwrap().secret_key.0;
        let second = Settings::load(&source).unwrap().secret_key.0;
        assert_eq!(first, second);
    }

    #[test]
    fn each_error_names_its_variable() {
        for (variable, value) in [
            ("RECRUITMAIL_LISTEN", "localhost"),
            ("DATABASE_URL", "mysql://x"),
            ("RECRUITMAIL_SECRET_KEY", "too-short"),
            ("RECRUITMAIL_INBOUND_DOMAIN", "not a domain"),
            ("RECRUITMAIL_SMTP_LISTEN", "25"),
            ("RECRUITMAIL_DB_MAX_CONNECTIONS", "0"),
            ("RECRUITMAIL_MAX_PAGE_SIZE", "many"),
            ("RECRUITMAIL_WEBHOOKS", "yes"),
        ] {
            let err = load(&[(variable, value)]).err().unwrap();
            assert_eq!(err.variable, variable, "{err}");
            assert!(err.to_string().starts_with(variable));
        }
    }

    #[test]
    fn a_ca_file_without_certificates_is_refused_at_start() {
        let dir = tempfile::tempdir().unwrap();
        let empty = dir.path().join("empty.pem");
        std::fs::write(&empty, "no certificate here\n").unwrap();
        let err = load(&[("RECRUITMAIL_SMTP_CA_FILE", empty.to_str().unwrap())])
            .err()
            .unwrap();
        assert_eq!(err.variable, "RECRUITMAIL_SMTP_CA_FILE");
        assert!(err.to_string().contains("no PEM certificate"), "{err}");
    }

    #[test]
    fn secret_key_accepts_hex_and_base64() {
        let hex_key = "11".repeat(32);
        assert_eq!(
            load(&[("RECRUITMAIL_SECRET_KEY", &hex_key)])
                .unwrap()
                .secret_key
                .0,
            [0x11; 32]
        );
        let b64 = BASE64.encode([7u8; 32]);
        assert_eq!(
            load(&[("RECRUITMAIL_SECRET_KEY", &b64)])
                .unwrap()
                .secret_key
                .0,
            [7; 32]
        );
    }

    #[test]
    fn a_config_file_is_read_and_the_environment_wins() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("recruitmail.toml");
        std::fs::write(
            &file,
            "listen = \"127.0.0.1:9000\"\ninbound_domain = \"jobs.example.com\"\nmax_page_size = 50\n",
        )
        .unwrap();
        let values = read_file(&file).unwrap();
        assert_eq!(values["RECRUITMAIL_LISTEN"], "127.0.0.1:9000");
        assert_eq!(values["RECRUITMAIL_MAX_PAGE_SIZE"], "50");

        let mut source = Source { values };
        source.values.insert(
            "RECRUITMAIL_DATA_DIR".into(),
            dir.path().to_str().unwrap().into(),
        );
        source
            .values
            .insert("RECRUITMAIL_LISTEN".into(), "127.0.0.1:9001".into());
        let settings = Settings::load(&source).unwrap();
        assert_eq!(settings.listen.to_string(), "127.0.0.1:9001");
        assert_eq!(settings.inbound_domain.as_str(), "jobs.example.com");
        assert_eq!(settings.max_page_size, 50);

        std::fs::write(&file, "listen = [1, 2]\n").unwrap();
        assert_eq!(read_file(&file).unwrap_err().variable, "RECRUITMAIL_CONFIG");
    }

    #[test]
    fn passwords_are_redacted_from_database_urls() {
        assert_eq!(
            redact_url("postgres://app:hunter2@db:5432/rm"),
            "postgres://app:***@db:5432/rm"
        );
        assert_eq!(redact_url("sqlite://x.db"), "sqlite://x.db");
    }
}
