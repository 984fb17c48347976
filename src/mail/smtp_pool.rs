//! Pooled SMTP connections to one server, built on lettre's connection type.
//!
//! lettre's own pooled transport writes a message's body and its closing
//! `.` line in two writes on a socket with Nagle's algorithm on; the second
//! waits for the server's delayed ACK, about 40 ms per message on Linux.
//! Connections made here set `TCP_NODELAY` (RFC 896's delay is meant for
//! interactive traffic, not for a client that always waits for the reply),
//! implicit TLS included (`implicit_tls`).

use std::net::SocketAddr;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use lettre::address::Envelope;
use lettre::transport::smtp::authentication::{Credentials, Mechanism};
use lettre::transport::smtp::client::{AsyncSmtpConnection, TlsParameters};
use lettre::transport::smtp::commands::{Data, Mail, Rcpt, Rset};
use lettre::transport::smtp::extension::{ClientId, Extension, MailBodyParameter, MailParameter};
use tokio::net::TcpStream;
use tokio::sync::Semaphore;

use super::implicit_tls::ImplicitTls;
use super::smtp::{SmtpConfig, describe};
use crate::network::is_private;
use entity::enums::SmtpSecurity;

/// Longest a whole connect (with TLS and AUTH) or a whole send may take.
const STEP_TIMEOUT: Duration = Duration::from_secs(60);
/// An idle connection older than this is closed rather than reused: servers
/// drop idle clients after a few minutes (RFC 5321 §4.5.3.2.7 asks for five).
pub const MAX_IDLE: Duration = Duration::from_secs(60);

/// Longest a QUIT on an idle connection may take before it is just dropped.
const QUIT_TIMEOUT: Duration = Duration::from_secs(5);

/// Why sending failed.
#[derive(Debug, thiserror::Error)]
pub enum SendError {
    #[error(transparent)]
    Smtp(#[from] lettre::transport::smtp::Error),
    #[error("connection to {0} failed: {1}")]
    Connect(String, std::io::Error),
    #[error("{0} did not answer within {1:?}")]
    Timeout(String, Duration),
    #[error("{0} accepted the connection but did not answer NOOP")]
    NoAnswer(String),
    #[error("the connection pool for {0} is closed")]
    Closed(String),
    #[error(
        "{0} is a loopback, private or link-local address, which this server does not connect to"
    )]
    PrivateAddress(String),
    /// The server lacks an extension the message needs.
    #[error("{0}")]
    Unsupported(String),
    /// The connection failed once the message was being handed over (during
    /// DATA, before the server's reply to the final `.`): the server may or
    /// may not have taken it. Sending it again at once, on a fresh
    /// connection, is how a message arrives twice without any crash.
    #[error(
        "the connection to {0} failed while the message was handed over ({1}); \
         whether the server accepted it is unknown, so it is sent again after \
         the usual wait, with the same Message-ID"
    )]
    UnknownOutcome(String, String),
}

impl SendError {
    /// Trying again will not help: a 5xx reply (RFC 5321 §4.2.1), or a
    /// message the server cannot take (non-ASCII addresses without SMTPUTF8).
    pub fn is_permanent(&self) -> bool {
        match self {
            Self::Smtp(e) => e.is_permanent() || e.is_client(),
            Self::Unsupported(_) => true,
            _ => false,
        }
    }

    /// The server could not be reached at all (nothing was sent).
    pub fn is_unreachable(&self) -> bool {
        matches!(
            self,
            Self::Connect(..) | Self::Timeout(..) | Self::PrivateAddress(..)
        )
    }
}

/// How a connection is secured (RFC 3207 STARTTLS, RFC 8314 implicit TLS).
enum Security {
    Plain,
    StartTls(TlsParameters),
    Implicit(ImplicitTls),
}

/// Connections to one SMTP server, at most `size` at once.
pub struct SmtpPool {
    config: SmtpConfig,
    security: Security,
    credentials: Option<Credentials>,
    hello: ClientId,
    idle: Mutex<Vec<(AsyncSmtpConnection, Instant)>>,
    permits: Semaphore,
    /// Refuse servers on private addresses (see `RECRUITMAIL_SMTP_ALLOW_PRIVATE_HOSTS`).
    public_only: bool,
}

impl std::fmt::Debug for SmtpPool {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SmtpPool")
            .field("config", &self.config)
            .finish_non_exhaustive()
    }
}

impl SmtpPool {
    /// A pool for `config`, trusting `extra_root` (PEM) besides the public roots.
    pub fn new(
        config: SmtpConfig,
        extra_root: Option<&[u8]>,
        size: usize,
        public_only: bool,
    ) -> Result<Self, String> {
        let security = match config.security {
            SmtpSecurity::None => Security::Plain,
            SmtpSecurity::StartTls => {
                Security::StartTls(super::smtp::tls_parameters(&config.host, extra_root)?)
            }
            SmtpSecurity::Tls => Security::Implicit(ImplicitTls::new(&config.host, extra_root)?),
        };
        let credentials = config
            .username
            .clone()
            .map(|user| Credentials::new(user, config.password.clone().unwrap_or_default()));
        Ok(Self {
            config,
            security,
            credentials,
            hello: ClientId::default(),
            idle: Mutex::new(Vec::new()),
            permits: Semaphore::new(size.max(1)),
            public_only,
        })
    }

    fn target(&self) -> String {
        format!("{}:{}", self.config.host, self.config.port)
    }

    /// Opens a connection: greeting, EHLO, STARTTLS or TLS, AUTH.
    pub async fn connect(&self) -> Result<AsyncSmtpConnection, SendError> {
        tokio::time::timeout(STEP_TIMEOUT, self.connect_inner())
            .await
            .map_err(|_| SendError::Timeout(self.target(), STEP_TIMEOUT))?
    }

    /// The server's address, checked once resolved; the connection goes to
    /// that very address, so a name cannot resolve to another one later.
    async fn address(&self) -> Result<SocketAddr, SendError> {
        let mut addresses = tokio::net::lookup_host((self.config.host.as_str(), self.config.port))
            .await
            .map_err(|e| SendError::Connect(self.target(), e))?;
        let first = addresses.next().ok_or_else(|| {
            SendError::Connect(
                self.target(),
                std::io::Error::new(std::io::ErrorKind::NotFound, "the name has no address"),
            )
        })?;
        if self.public_only && is_private(first.ip()) {
            return Err(SendError::PrivateAddress(self.target()));
        }
        Ok(first)
    }

    async fn connect_inner(&self) -> Result<AsyncSmtpConnection, SendError> {
        let address = self.address().await?;
        let socket = TcpStream::connect(address)
            .await
            .map_err(|e| SendError::Connect(self.target(), e))?;
        socket
            .set_nodelay(true)
            .map_err(|e| SendError::Connect(self.target(), e))?;
        let mut connection = match &self.security {
            Security::Plain => {
                AsyncSmtpConnection::connect_with_transport(Box::new(socket), &self.hello).await?
            }
            Security::StartTls(tls) => {
                let mut connection =
                    AsyncSmtpConnection::connect_with_transport(Box::new(socket), &self.hello)
                        .await?;
                connection.starttls(tls.clone(), &self.hello).await?;
                connection
            }
            Security::Implicit(tls) => {
                let socket = tls
                    .handshake(socket)
                    .await
                    .map_err(|e| SendError::Connect(self.target(), e))?;
                AsyncSmtpConnection::connect_with_transport(Box::new(socket), &self.hello).await?
            }
        };
        if let Some(credentials) = &self.credentials {
            connection
                .auth(&[Mechanism::Plain, Mechanism::Login], credentials)
                .await?;
        }
        Ok(connection)
    }

    /// Sends one message on a pooled connection. The first `primary`
    /// recipients must all be accepted; a copy (CC, BCC) the server refuses is
    /// reported in the result and the others still get the message. A reused
    /// connection that turns out to be dead is replaced once before the
    /// failure counts.
    pub async fn send(
        &self,
        envelope: &Envelope,
        primary: usize,
        email: &[u8],
    ) -> Result<Refused, SendError> {
        let Ok(_permit) = self.permits.acquire().await else {
            return Err(SendError::Closed(self.target()));
        };
        let reused = self.checkout();
        let fresh = reused.is_none();
        let mut connection = match reused {
            Some(connection) => connection,
            None => self.connect().await?,
        };
        match self
            .send_on(&mut connection, envelope, primary, email)
            .await
        {
            Ok(response) => {
                self.checkin(connection);
                Ok(response)
            }
            Err(SendError::Smtp(e))
                if !fresh && !e.is_permanent() && !e.is_transient() && !e.is_client() =>
            {
                // The server closed the idle connection: one more try, anew.
                let mut connection = self.connect().await?;
                let response = self
                    .send_on(&mut connection, envelope, primary, email)
                    .await?;
                self.checkin(connection);
                Ok(response)
            }
            Err(e) => Err(e),
        }
    }

    async fn send_on(
        &self,
        connection: &mut AsyncSmtpConnection,
        envelope: &Envelope,
        primary: usize,
        email: &[u8],
    ) -> Result<Refused, SendError> {
        let mut handing_over = false;
        let outcome = tokio::time::timeout(
            STEP_TIMEOUT,
            transaction(connection, envelope, primary, email, &mut handing_over),
        )
        .await;
        match outcome {
            Ok(Err(SendError::Smtp(e))) if handing_over && !is_reply(&e) => {
                tokio::time::timeout(QUIT_TIMEOUT, connection.abort())
                    .await
                    .ok();
                Err(SendError::UnknownOutcome(self.target(), describe(&e)))
            }
            Ok(done) => done,
            Err(_) if handing_over => {
                tokio::time::timeout(QUIT_TIMEOUT, connection.abort())
                    .await
                    .ok();
                Err(SendError::UnknownOutcome(
                    self.target(),
                    format!("no reply within {STEP_TIMEOUT:?}"),
                ))
            }
            Err(_) => Err(SendError::Timeout(self.target(), STEP_TIMEOUT)),
        }
    }

    fn checkout(&self) -> Option<AsyncSmtpConnection> {
        let mut idle = self.idle.lock().ok()?;
        while let Some((connection, since)) = idle.pop() {
            if since.elapsed() < MAX_IDLE && !connection.has_broken() {
                return Some(connection);
            }
        }
        None
    }

    /// Says QUIT (RFC 5321 §4.1.1.10) on idle connections that will not be
    /// reused, those idle since before `now - MAX_IDLE` or already broken, so
    /// that a finished bulk send does not keep sockets open on the server
    /// until it times them out. Returns how many were closed.
    pub async fn close_idle(&self, now: Instant) -> usize {
        let stale: Vec<AsyncSmtpConnection> = match self.idle.lock() {
            Ok(mut idle) => {
                let (stale, kept) =
                    std::mem::take(&mut *idle)
                        .into_iter()
                        .partition(|(connection, since)| {
                            now.saturating_duration_since(*since) >= MAX_IDLE
                                || connection.has_broken()
                        });
                *idle = kept;
                stale
                    .into_iter()
                    .map(|(connection, _)| connection)
                    .collect()
            }
            Err(_) => return 0,
        };
        let closed = stale.len();
        futures_util::future::join_all(stale.into_iter().map(|mut connection| async move {
            tokio::time::timeout(QUIT_TIMEOUT, connection.abort())
                .await
                .ok();
        }))
        .await;
        closed
    }

    fn checkin(&self, connection: AsyncSmtpConnection) {
        if connection.has_broken() {
            return;
        }
        if let Ok(mut idle) = self.idle.lock() {
            idle.push((connection, Instant::now()));
        }
    }

    /// Connects, checks the server answers NOOP, and says QUIT.
    pub async fn test(&self) -> Result<(), SendError> {
        let mut connection = self.connect().await?;
        let answered = connection.test_connected().await;
        connection.quit().await.ok();
        if answered {
            Ok(())
        } else {
            Err(SendError::NoAnswer(self.target()))
        }
    }
}

/// Copies the server refused: each address with the server's reply.
pub type Refused = Vec<(String, String)>;

/// One mail transaction (RFC 5321 §3.3): MAIL, RCPT per recipient, DATA.
/// Unlike lettre's `send`, a refused copy does not end the transaction.
///
/// `handing_over` is set once DATA was accepted: from then on, a broken
/// connection leaves the outcome unknown.
async fn transaction(
    connection: &mut AsyncSmtpConnection,
    envelope: &Envelope,
    primary: usize,
    email: &[u8],
    handing_over: &mut bool,
) -> Result<Refused, SendError> {
    let mut options = Vec::new();
    let non_ascii_address = envelope
        .to()
        .iter()
        .chain(envelope.from())
        .any(|a| !AsRef::<str>::as_ref(a).is_ascii());
    if non_ascii_address {
        if !connection
            .server_info()
            .supports_feature(Extension::SmtpUtfEight)
        {
            return Err(SendError::Unsupported(
                "an address is not ASCII and the server does not offer SMTPUTF8 (RFC 6531)".into(),
            ));
        }
        options.push(MailParameter::SmtpUtfEight);
    }
    if !email.is_ascii() {
        if !connection
            .server_info()
            .supports_feature(Extension::EightBitMime)
        {
            return Err(SendError::Unsupported(
                "the message is not 7-bit and the server does not offer 8BITMIME (RFC 6152)".into(),
            ));
        }
        options.push(MailParameter::Body(MailBodyParameter::EightBitMime));
    }
    connection
        .command(Mail::new(envelope.from().cloned(), options))
        .await?;
    let mut refused = Vec::new();
    for (i, address) in envelope.to().iter().enumerate() {
        if let Err(e) = connection.command(Rcpt::new(address.clone(), vec![])).await {
            if i < primary || connection.has_broken() {
                connection.command(Rset).await.ok();
                return Err(e.into());
            }
            refused.push((address.to_string(), describe(&e)));
        }
    }
    connection.command(Data).await?;
    *handing_over = true;
    connection.message(email).await?;
    Ok(refused)
}

/// The server answered (4xx, 5xx): the outcome is known, unlike a broken
/// connection or an unreadable reply.
fn is_reply(error: &lettre::transport::smtp::Error) -> bool {
    error.is_permanent() || error.is_transient()
}
