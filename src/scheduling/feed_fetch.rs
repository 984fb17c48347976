//! Fetching a user's iCalendar feed over HTTP.
//!
//! The address policy is that of webhooks and subsidiaries' SMTP servers: a
//! feed URL is typed by a user, so unless the operator allows it
//! (`RECRUITMAIL_SMTP_ALLOW_PRIVATE_HOSTS`) it must not reach the server's
//! own networks. Names are resolved through the guarded resolver, literal
//! addresses are checked before connecting, and so is every redirect.
//!
//! Requests are conditional (RFC 9110 §13.1.2 `If-None-Match` with the last
//! `ETag`, §13.1.3 `If-Modified-Since` with the last `Last-Modified`), so an
//! unchanged feed answers 304 without a body. The whole exchange has a
//! deadline and the body is read up to a cap, never further.

use std::time::Duration;

use crate::webhooks::address;

/// How long one fetch may take, body included.
pub const TIMEOUT: Duration = Duration::from_secs(20);

/// The largest feed read; a larger one is refused.
pub const MAX_FEED_BYTES: usize = 10 * 1024 * 1024;

/// Redirects followed before giving up.
const MAX_REDIRECTS: usize = 5;

/// What a feed's server answered.
#[derive(Debug, PartialEq, Eq)]
pub enum Fetched {
    /// 304: the feed is unchanged since the validators sent.
    NotModified,
    /// The feed's content and its new validators.
    Body {
        bytes: Vec<u8>,
        etag: Option<String>,
        last_modified: Option<String>,
    },
}

/// The validators of the last good answer.
#[derive(Clone, Debug, Default)]
pub struct Validators {
    pub etag: Option<String>,
    pub last_modified: Option<String>,
}

/// The HTTP client of feeds: the guarded resolver, no proxy, redirects
/// checked, rustls on ring with the public roots.
#[derive(Clone)]
pub struct Fetcher {
    client: reqwest013::Client,
    allow_private: bool,
    timeout: Duration,
    max_bytes: usize,
}

impl std::fmt::Debug for Fetcher {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Fetcher")
            .field("allow_private", &self.allow_private)
            .field("timeout", &self.timeout)
            .field("max_bytes", &self.max_bytes)
            .finish()
    }
}

impl Fetcher {
    pub fn new(allow_private: bool) -> anyhow::Result<Self> {
        Self::with_limits(allow_private, TIMEOUT, MAX_FEED_BYTES)
    }

    /// A client with another deadline and size cap.
    pub fn with_limits(
        allow_private: bool,
        timeout: Duration,
        max_bytes: usize,
    ) -> anyhow::Result<Self> {
        let roots = rustls::RootCertStore {
            roots: webpki_roots::TLS_SERVER_ROOTS.to_vec(),
        };
        let provider = std::sync::Arc::new(rustls::crypto::ring::default_provider());
        let tls = rustls::ClientConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()?
            .with_root_certificates(roots)
            .with_no_client_auth();
        let redirects = reqwest013::redirect::Policy::custom(move |attempt| {
            if attempt.previous().len() >= MAX_REDIRECTS {
                return attempt.error(format!("more than {MAX_REDIRECTS} redirects"));
            }
            match redirect_target(attempt.url(), allow_private) {
                Ok(()) => attempt.follow(),
                Err(e) => attempt.error(e),
            }
        });
        let client = reqwest013::Client::builder()
            .tls_backend_preconfigured(tls)
            .redirect(redirects)
            // A proxy would connect where the resolver cannot look.
            .no_proxy()
            .dns_resolver(address::GuardedResolver { allow_private })
            .connect_timeout(timeout)
            .timeout(timeout)
            .user_agent(concat!("recruitmail-calendar/", env!("CARGO_PKG_VERSION")))
            .build()?;
        Ok(Self {
            client,
            allow_private,
            timeout,
            max_bytes,
        })
    }

    /// Whether private addresses may be fetched
    /// (`RECRUITMAIL_SMTP_ALLOW_PRIVATE_HOSTS`).
    pub fn allows_private(&self) -> bool {
        self.allow_private
    }

    /// Fetches `url`, conditionally on `validators`; the error is a short
    /// message for the feed's owner.
    pub async fn fetch(&self, url: &str, validators: &Validators) -> Result<Fetched, String> {
        match tokio::time::timeout(self.timeout, self.try_fetch(url, validators)).await {
            Ok(outcome) => outcome,
            Err(_) => Err(self.too_slow()),
        }
    }

    fn too_slow(&self) -> String {
        format!("no complete answer within {} s", self.timeout.as_secs())
    }

    fn failure(&self, error: &reqwest013::Error) -> String {
        if error.is_timeout() {
            self.too_slow()
        } else {
            describe(error)
        }
    }

    async fn try_fetch(&self, url: &str, validators: &Validators) -> Result<Fetched, String> {
        let parsed = address::parse(url)?;
        redirect_target(&parsed, self.allow_private)?;
        let mut request = self
            .client
            .get(parsed)
            .header("accept", "text/calendar, */*;q=0.5");
        if let Some(etag) = &validators.etag {
            request = request.header("if-none-match", etag);
        }
        if let Some(at) = &validators.last_modified {
            request = request.header("if-modified-since", at);
        }
        let mut response = request.send().await.map_err(|e| self.failure(&e))?;
        let status = response.status().as_u16();
        if status == 304 {
            return Ok(Fetched::NotModified);
        }
        if !(200..300).contains(&status) {
            return Err(format!("the server answered HTTP {status}"));
        }
        let too_large = || {
            format!(
                "the feed is larger than {} MB, the most read",
                self.max_bytes / (1024 * 1024)
            )
        };
        if response
            .content_length()
            .is_some_and(|length| length > self.max_bytes as u64)
        {
            return Err(too_large());
        }
        let header = |name: &str| {
            response
                .headers()
                .get(name)
                .and_then(|v| v.to_str().ok())
                .map(str::to_owned)
        };
        let etag = header("etag");
        let last_modified = header("last-modified");
        let mut bytes: Vec<u8> = Vec::new();
        while let Some(chunk) = response.chunk().await.map_err(|e| self.failure(&e))? {
            if bytes.len() + chunk.len() > self.max_bytes {
                // Dropping the response closes the connection unread.
                return Err(too_large());
            }
            bytes.extend_from_slice(&chunk);
        }
        Ok(Fetched::Body {
            bytes,
            etag,
            last_modified,
        })
    }
}

/// Whether a (first or redirected) URL may be connected to: `http` or
/// `https`, and not a literal private address unless allowed. Names are
/// checked by the resolver when connecting.
fn redirect_target(url: &url::Url, allow_private: bool) -> Result<(), String> {
    if !matches!(url.scheme(), "https" | "http") {
        return Err("only https:// and http:// feeds are fetched".into());
    }
    if !allow_private && address::literal_ip(url).is_some_and(crate::network::is_private) {
        return Err(address::PRIVATE.into());
    }
    Ok(())
}

/// An error with its causes, for the feed's owner.
fn describe(error: &(dyn std::error::Error + 'static)) -> String {
    let mut text = error.to_string();
    let mut cause = error.source();
    while let Some(inner) = cause {
        let more = inner.to_string();
        if !text.contains(&more) {
            text.push_str(": ");
            text.push_str(&more);
        }
        cause = inner.source();
    }
    text
}

/// A feed URL as typed: `webcal://` (the scheme calendar apps subscribe
/// with) is read as `https://`; otherwise the webhook rules apply.
pub fn parse_feed_url(text: &str) -> Result<url::Url, String> {
    let text = text.trim();
    let rewritten = match text.get(..9) {
        Some(head) if head.eq_ignore_ascii_case("webcal://") => format!("https://{}", &text[9..]),
        _ => text.to_owned(),
    };
    address::parse(&rewritten)
}

/// A feed URL without its path and query, which often carry a private
/// token: what may be shown to people other than its owner.
pub fn url_hint(url: &url::Url) -> String {
    let host = url.host_str().unwrap_or_default();
    match url.port() {
        Some(port) => format!("{}://{host}:{port}/…", url.scheme()),
        None => format!("{}://{host}/…", url.scheme()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn webcal_urls_are_fetched_over_https_and_hints_hide_the_token() {
        let url = parse_feed_url("webcal://calendar.example.com/private/abc123/basic.ics").unwrap();
        assert_eq!(url.scheme(), "https");
        assert_eq!(url_hint(&url), "https://calendar.example.com/…");
        let url = parse_feed_url("http://127.0.0.1:8080/feed.ics?token=x").unwrap();
        assert_eq!(url_hint(&url), "http://127.0.0.1:8080/…");
        assert!(parse_feed_url("ftp://calendar.example.com/x.ics").is_err());
        assert!(parse_feed_url("https://user:pw@calendar.example.com/x.ics").is_err());
    }

    #[tokio::test]
    async fn a_private_address_is_refused_unless_allowed() {
        let fetcher = Fetcher::new(false).unwrap();
        let error = fetcher
            .fetch("http://127.0.0.1:9/feed.ics", &Validators::default())
            .await
            .unwrap_err();
        assert!(error.contains("private"), "{error}");
        let error = fetcher
            .fetch("http://localhost:9/feed.ics", &Validators::default())
            .await
            .unwrap_err();
        assert!(
            error.contains("private") || error.contains("RECRUITMAIL"),
            "{error}"
        );
    }
}
