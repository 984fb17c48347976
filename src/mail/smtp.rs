//! Where an SMTP server is and how to reach it: a subsidiary's own server or
//! the server-wide relay.

use entity::enums::SmtpSecurity;
use lettre::transport::smtp::client::{Certificate, TlsParameters};

/// Where and how to connect to an SMTP server.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct SmtpConfig {
    pub host: String,
    pub port: u16,
    pub security: SmtpSecurity,
    pub username: Option<String>,
    pub password: Option<String>,
}

impl std::fmt::Debug for SmtpConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SmtpConfig")
            .field("host", &self.host)
            .field("port", &self.port)
            .field("security", &self.security)
            .field("username", &self.username)
            .finish_non_exhaustive()
    }
}

impl SmtpConfig {
    /// The usual port for a security mode: 465 for implicit TLS (RFC 8314
    /// §3.3), 587 for submission with STARTTLS (RFC 6409), 25 without.
    pub fn default_port(security: SmtpSecurity) -> u16 {
        match security {
            SmtpSecurity::Tls => 465,
            SmtpSecurity::StartTls => 587,
            SmtpSecurity::None => 25,
        }
    }

    /// The server-wide relay's settings from its URL, as lettre reads them:
    /// `smtp://[user[:password]@]host[:port][?tls=required|opportunistic]`
    /// (STARTTLS when `tls` is given, plain otherwise) or `smtps://…` (TLS).
    /// User and password may be percent-encoded.
    pub fn from_url(url: &str) -> Result<Self, String> {
        let bad = |why: &str| {
            format!(
                "`{}` is not an SMTP URL: {why}",
                crate::settings::redact_url(url)
            )
        };
        let (scheme, rest) = url.split_once("://").ok_or_else(|| bad("no scheme"))?;
        let (rest, query) = rest
            .split_once('?')
            .map_or((rest, None), |(r, q)| (r, Some(q)));
        let rest = rest.trim_end_matches('/');
        let (userinfo, hostport) = rest
            .rsplit_once('@')
            .map_or((None, rest), |(u, h)| (Some(u), h));
        let (host, port) = match hostport.rsplit_once(':') {
            Some((host, port)) => (
                host,
                Some(port.parse::<u16>().map_err(|_| bad("bad port"))?),
            ),
            None => (hostport, None),
        };
        if host.is_empty() {
            return Err(bad("no host"));
        }
        let tls = query
            .into_iter()
            .flat_map(|q| q.split('&'))
            .find_map(|pair| pair.strip_prefix("tls="));
        let security = match (scheme, tls) {
            ("smtps", _) => SmtpSecurity::Tls,
            ("smtp", Some("required" | "opportunistic")) => SmtpSecurity::StartTls,
            ("smtp", None | Some("none")) => SmtpSecurity::None,
            ("smtp", Some(_)) => return Err(bad("tls is required, opportunistic or none")),
            _ => return Err(bad("the scheme is smtp or smtps")),
        };
        let (username, password) = match userinfo {
            Some(info) => {
                let (user, password) = info
                    .split_once(':')
                    .map_or((info, None), |(u, p)| (u, Some(p)));
                (
                    Some(percent_decoded(user)?),
                    password.map(percent_decoded).transpose()?,
                )
            }
            None => (None, None),
        };
        Ok(Self {
            host: host.to_owned(),
            port: port.unwrap_or_else(|| Self::default_port(security)),
            security,
            username,
            password,
        })
    }
}

fn percent_decoded(text: &str) -> Result<String, String> {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = text.get(i + 1..i + 3).ok_or("a broken %-escape")?;
            out.push(u8::from_str_radix(hex, 16).map_err(|_| "a broken %-escape")?);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).map_err(|_| "a %-escape that is not UTF-8".to_owned())
}

/// TLS parameters for `host`, trusting `extra_root` (PEM) besides the public roots.
pub fn tls_parameters(host: &str, extra_root: Option<&[u8]>) -> Result<TlsParameters, String> {
    let mut builder = TlsParameters::builder(host.to_owned());
    if let Some(pem) = extra_root {
        let certificate = Certificate::from_pem(pem).map_err(|e| e.to_string())?;
        builder = builder.add_root_certificate(certificate);
    }
    builder.build_rustls().map_err(|e| e.to_string())
}

/// An error with its sources, where lettre keeps the server's reply text.
pub fn describe(error: &dyn std::error::Error) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        let cause_text = cause.to_string();
        if !text.contains(&cause_text) {
            text.push_str(": ");
            text.push_str(&cause_text);
        }
        source = cause.source();
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn relay_urls_are_read_like_lettre_reads_them() {
        let plain = SmtpConfig::from_url("smtp://127.0.0.1:2525").unwrap();
        assert_eq!((plain.port, plain.security), (2525, SmtpSecurity::None));
        let starttls =
            SmtpConfig::from_url("smtp://mailer:p%40ss%3Aword@relay.example?tls=required").unwrap();
        assert_eq!(starttls.host, "relay.example");
        assert_eq!(
            (starttls.port, starttls.security),
            (587, SmtpSecurity::StartTls)
        );
        assert_eq!(starttls.username.as_deref(), Some("mailer"));
        assert_eq!(starttls.password.as_deref(), Some("p@ss:word"));
        let tls = SmtpConfig::from_url("smtps://relay.example").unwrap();
        assert_eq!((tls.port, tls.security), (465, SmtpSecurity::Tls));
        for bad in [
            "relay.example",
            "http://relay.example",
            "smtp://",
            "smtp://h:99999",
            "smtp://h?tls=maybe",
        ] {
            assert!(SmtpConfig::from_url(bad).is_err(), "{bad}");
        }
    }
}
