//! Where a webhook may be sent: an `http` or `https` URL without
//! credentials, on a public address unless the operator allows private ones
//! (`RECRUITMAIL_SMTP_ALLOW_PRIVATE_HOSTS`, the policy of subsidiaries' SMTP
//! servers).
//!
//! The address is checked when an endpoint is saved, for a clear error, and
//! again on every delivery, on the addresses actually connected to: the
//! HTTP client resolves names through [`GuardedResolver`], which drops
//! private addresses, so a name whose DNS record changes after it was saved
//! still cannot reach the server's own networks (Standard Webhooks 1.0,
//! "Server side request forgery").

use std::net::{IpAddr, SocketAddr};

use url::{Host, Url};

use crate::network::is_private;

/// How long saving an endpoint waits for its host to resolve.
const RESOLVE_WITHIN: std::time::Duration = std::time::Duration::from_secs(5);

/// Longest URL accepted.
pub const MAX_URL_CHARS: usize = 2048;

/// Parses and checks the form of an endpoint's URL; the message is for the
/// admin who typed it.
pub fn parse(text: &str) -> Result<Url, String> {
    let text = text.trim();
    if text.chars().count() > MAX_URL_CHARS {
        return Err(format!("at most {MAX_URL_CHARS} characters"));
    }
    let url = Url::parse(text).map_err(|e| format!("not a URL ({e})"))?;
    if !matches!(url.scheme(), "https" | "http") {
        return Err("only https:// and http:// URLs are accepted".into());
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err("credentials in the URL are not accepted".into());
    }
    if url.host().is_none() {
        return Err("the URL names no host".into());
    }
    Ok(url)
}

/// The address of a URL that names an IP address rather than a host name:
/// such a URL is connected to without resolving anything.
pub fn literal_ip(url: &Url) -> Option<IpAddr> {
    match url.host()? {
        Host::Ipv4(ip) => Some(IpAddr::V4(ip)),
        Host::Ipv6(ip) => Some(IpAddr::V6(ip)),
        Host::Domain(_) => None,
    }
}

/// Resolves the URL's host and refuses it when an address is private and
/// private addresses are not allowed.
pub async fn check_reachable(url: &Url, allow_private: bool) -> Result<(), String> {
    let addresses: Vec<IpAddr> = match literal_ip(url) {
        Some(ip) => vec![ip],
        None => {
            let host = url.host_str().unwrap_or_default().to_owned();
            let port = url.port_or_known_default().unwrap_or(443);
            let cannot = || format!("the host `{host}` cannot be resolved");
            tokio::time::timeout(
                RESOLVE_WITHIN,
                tokio::net::lookup_host((host.as_str(), port)),
            )
            .await
            .map_err(|_| cannot())?
            .map_err(|_| cannot())?
            .map(|a| a.ip())
            .collect()
        }
    };
    if addresses.is_empty() {
        return Err("the host has no address".into());
    }
    if !allow_private && addresses.iter().any(|ip| is_private(*ip)) {
        return Err(PRIVATE.into());
    }
    Ok(())
}

/// Why a private address is refused.
pub const PRIVATE: &str = "the URL points to a private, loopback or link-local address, \
     which this server does not call (RECRUITMAIL_SMTP_ALLOW_PRIVATE_HOSTS)";

/// The addresses a connection may use: all of them when private ones are
/// allowed, else the public ones, and an error when none is left.
pub fn permitted(
    addresses: impl IntoIterator<Item = SocketAddr>,
    allow_private: bool,
) -> Result<Vec<SocketAddr>, std::io::Error> {
    let kept: Vec<SocketAddr> = addresses
        .into_iter()
        .filter(|a| allow_private || !is_private(a.ip()))
        .collect();
    if kept.is_empty() {
        return Err(std::io::Error::new(
            std::io::ErrorKind::PermissionDenied,
            PRIVATE,
        ));
    }
    Ok(kept)
}

/// The HTTP client's resolver: the system's, minus private addresses.
#[derive(Clone, Copy, Debug)]
pub struct GuardedResolver {
    pub allow_private: bool,
}

impl reqwest013::dns::Resolve for GuardedResolver {
    fn resolve(&self, name: reqwest013::dns::Name) -> reqwest013::dns::Resolving {
        let host = name.as_str().to_owned();
        let allow_private = self.allow_private;
        Box::pin(async move {
            let found = tokio::net::lookup_host((host.as_str(), 0)).await?;
            let kept = permitted(found, allow_private)?;
            let addresses: reqwest013::dns::Addrs = Box::new(kept.into_iter());
            Ok(addresses)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_plain_web_urls_without_credentials() {
        assert!(parse("https://hooks.example.com/recruitmail?x=1").is_ok());
        assert!(parse("http://hooks.example.com:8080/").is_ok());
        for bad in [
            "ftp://hooks.example.com/",
            "file:///etc/passwd",
            "https://user:pw@hooks.example.com/",
            "https://user@hooks.example.com/",
            "hooks.example.com/path",
            "",
        ] {
            assert!(parse(bad).is_err(), "{bad}");
        }
        assert!(parse(&format!("https://a.example/{}", "x".repeat(MAX_URL_CHARS))).is_err());
    }

    #[test]
    fn a_name_that_resolves_to_a_private_address_is_not_connected_to() {
        let public: SocketAddr = "93.184.216.34:443".parse().unwrap();
        let private: SocketAddr = "10.0.0.5:443".parse().unwrap();
        let loopback: SocketAddr = "[::1]:443".parse().unwrap();
        assert_eq!(permitted([private, public], false).unwrap(), vec![public]);
        assert!(permitted([private, loopback], false).is_err());
        assert_eq!(
            permitted([private, loopback], true).unwrap(),
            vec![private, loopback]
        );
    }

    #[tokio::test]
    async fn the_resolver_refuses_a_name_of_the_loopback() {
        use reqwest013::dns::Resolve as _;
        let name: reqwest013::dns::Name = "localhost".parse().unwrap();
        assert!(
            GuardedResolver {
                allow_private: false
            }
            .resolve(name)
            .await
            .is_err()
        );
        let name: reqwest013::dns::Name = "localhost".parse().unwrap();
        let found: Vec<SocketAddr> = GuardedResolver {
            allow_private: true,
        }
        .resolve(name)
        .await
        .unwrap()
        .collect();
        assert!(found.iter().all(|a| a.ip().is_loopback()) && !found.is_empty());
    }

    #[tokio::test]
    async fn literal_and_named_private_hosts_are_refused_when_saved() {
        for url in [
            "http://127.0.0.1:9/",
            "http://[::1]:9/",
            "http://localhost:9/",
        ] {
            let url = parse(url).unwrap();
            assert!(check_reachable(&url, false).await.is_err(), "{url}");
            assert!(check_reachable(&url, true).await.is_ok(), "{url}");
        }
    }
}
