//! SMTP transports: a subsidiary's own server or the server-wide relay, built
//! with lettre and pooled, and what their errors mean for a message.

use std::time::Duration;

use entity::enums::SmtpSecurity;
use lettre::transport::smtp::PoolConfig;
use lettre::transport::smtp::authentication::Credentials;
use lettre::transport::smtp::client::{Certificate, Tls, TlsParameters};
use lettre::{AsyncSmtpTransport, Tokio1Executor};

/// How long one SMTP command may take before the attempt counts as failed.
const COMMAND_TIMEOUT: Duration = Duration::from_secs(30);

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

    /// A pooled transport for this server, trusting `extra_root` besides the
    /// public roots.
    pub fn transport(
        &self,
        extra_root: Option<&[u8]>,
        pool_size: u32,
    ) -> Result<AsyncSmtpTransport<Tokio1Executor>, String> {
        let tls = match self.security {
            SmtpSecurity::None => Tls::None,
            SmtpSecurity::StartTls => Tls::Required(tls_parameters(&self.host, extra_root)?),
            SmtpSecurity::Tls => Tls::Wrapper(tls_parameters(&self.host, extra_root)?),
        };
        let mut builder = AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(&self.host)
            .port(self.port)
            .tls(tls)
            .timeout(Some(COMMAND_TIMEOUT))
            .pool_config(
                PoolConfig::new()
                    .max_size(pool_size)
                    .idle_timeout(Duration::from_secs(60)),
            );
        if let Some(username) = &self.username {
            builder = builder.credentials(Credentials::new(
                username.clone(),
                self.password.clone().unwrap_or_default(),
            ));
        }
        Ok(builder.build())
    }
}

fn tls_parameters(host: &str, extra_root: Option<&[u8]>) -> Result<TlsParameters, String> {
    let mut builder = TlsParameters::builder(host.to_owned());
    if let Some(pem) = extra_root {
        let certificate = Certificate::from_pem(pem).map_err(|e| e.to_string())?;
        builder = builder.add_root_certificate(certificate);
    }
    builder.build_rustls().map_err(|e| e.to_string())
}

/// What an SMTP failure means for the message.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Failure {
    /// A 5xx reply (RFC 5321 §4.2.1): trying again will not help.
    Permanent,
    /// A 4xx reply, a refused or dropped connection, a timeout: try later.
    Temporary,
}

/// Classifies a lettre error and describes it with the server's own words.
pub fn failure(error: &lettre::transport::smtp::Error) -> (Failure, String) {
    let kind = if error.is_permanent() {
        Failure::Permanent
    } else {
        Failure::Temporary
    };
    (kind, describe(error))
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
