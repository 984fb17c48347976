//! The optional SMTP listener of the inbound domain (`RECRUITMAIL_SMTP_LISTEN`):
//! the domain's mail exchanger, or the company's own server, delivers mail
//! for `<slug>-jobs[+token]@<inbound domain>` over SMTP (RFC 5321) instead of
//! posting it to `/inbound/{slug}`. Each message goes through the same
//! filing as a posted one, once per company it is addressed to.
//!
//! What it speaks: EHLO/HELO, MAIL, RCPT, DATA, RSET, NOOP, VRFY (252),
//! QUIT, with SIZE (RFC 1870), 8BITMIME (RFC 6152) and enhanced status codes
//! (RFC 2034). No TLS and no relaying: it accepts mail for the inbound
//! domain only, and is meant to sit behind the organisation's own MX or on
//! a private network.

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use entity::company;
use sea_orm::{ColumnTrait as _, DatabaseConnection, EntityTrait as _, QueryFilter as _};
use tokio::io::{AsyncBufRead, AsyncBufReadExt as _, AsyncReadExt as _, AsyncWriteExt as _};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::Semaphore;

use crate::blobs::BlobStore;
use crate::companies::{InboundAddress, parse_inbound_address};
use crate::error::ApiError;
use crate::settings::Settings;

/// RFC 5321 §4.5.3.2.7: a server waits at least five minutes for a command.
const COMMAND_TIMEOUT: Duration = Duration::from_secs(300);
/// RFC 5321 §4.5.3.2.6: ten minutes between data blocks.
const DATA_TIMEOUT: Duration = Duration::from_secs(600);
/// RFC 5321 §4.5.3.1.4: a command line is at most 512 octets; some room for
/// the SIZE and BODY parameters clients add.
const MAX_COMMAND_LINE: usize = 1024;
/// RFC 5321 §4.5.3.1.6 says 1000 octets per text line; tolerate what sloppy
/// senders write, within bounds.
const MAX_TEXT_LINE: usize = 64 * 1024;
/// RFC 5321 §4.5.3.1.8: at least 100 recipients must be accepted.
const MAX_RECIPIENTS: usize = 100;
/// Sessions served at once; more are told to come back later.
const MAX_SESSIONS: usize = 64;
/// Longest session; a client that keeps one open longer (NOOP after NOOP)
/// gives its place to others.
const SESSION_LIMIT: Duration = Duration::from_secs(30 * 60);
/// Refused commands in a row after which the session is closed.
const MAX_ERRORS: usize = 20;
/// A reply the client does not read within this time ends the session.
const REPLY_TIMEOUT: Duration = Duration::from_secs(60);
/// Longest EHLO/HELO argument kept.
const MAX_HELO_CHARS: usize = 255;

/// What sessions share.
pub struct Receiver {
    db: DatabaseConnection,
    settings: Arc<Settings>,
    blobs: BlobStore,
    sessions: Arc<Semaphore>,
}

impl Receiver {
    pub fn new(db: DatabaseConnection, settings: Arc<Settings>, blobs: BlobStore) -> Arc<Self> {
        Arc::new(Self {
            db,
            settings,
            blobs,
            sessions: Arc::new(Semaphore::new(MAX_SESSIONS)),
        })
    }

    fn domain(&self) -> &str {
        self.settings.inbound_domain.as_str()
    }

    /// The largest message taken: the attachment limit in base64 with its
    /// line breaks, plus headers and bodies.
    fn max_message_bytes(&self) -> usize {
        super::max_message_bytes(&self.settings)
    }
}

/// Accepts sessions until the task is dropped.
pub async fn serve(listener: TcpListener, receiver: Arc<Receiver>) {
    loop {
        let (socket, peer) = match listener.accept().await {
            Ok(accepted) => accepted,
            Err(err) => {
                // Out of file descriptors and the like: pause, then go on.
                tracing::warn!(error = %err, "the SMTP listener could not accept a connection");
                tokio::time::sleep(Duration::from_millis(100)).await;
                continue;
            }
        };
        let receiver = receiver.clone();
        tokio::spawn(async move {
            let Ok(_permit) = receiver.sessions.clone().try_acquire_owned() else {
                let mut socket = socket;
                let _ = socket
                    .write_all(b"421 4.3.2 Too many connections, try again later\r\n")
                    .await;
                return;
            };
            let session = Session::new(&receiver, peer).run(socket);
            match tokio::time::timeout(SESSION_LIMIT, session).await {
                Ok(Ok(())) => {}
                Ok(Err(err)) => tracing::debug!(error = %err, %peer, "SMTP session ended"),
                Err(_) => tracing::debug!(%peer, "SMTP session closed after its time limit"),
            }
        });
    }
}

/// One recipient accepted by RCPT.
struct Recipient {
    address: String,
    company: company::Model,
}

struct Session<'a> {
    receiver: &'a Receiver,
    peer: SocketAddr,
    helo: Option<String>,
    /// Set by MAIL; `Some("")` for the null reverse-path of reports.
    sender: Option<String>,
    recipients: Vec<Recipient>,
}

/// A line read from the client.
enum Line {
    Text(Vec<u8>),
    TooLong,
    Closed,
}

impl<'a> Session<'a> {
    fn new(receiver: &'a Receiver, peer: SocketAddr) -> Self {
        Self {
            receiver,
            peer,
            helo: None,
            sender: None,
            recipients: Vec::new(),
        }
    }

    async fn run(mut self, socket: TcpStream) -> std::io::Result<()> {
        let _ = socket.set_nodelay(true);
        let (read, mut write) = socket.into_split();
        let mut reader = tokio::io::BufReader::new(read);
        let domain = self.receiver.domain().to_owned();
        reply(&mut write, &format!("220 {domain} recruitmail ESMTP ready")).await?;
        let mut errors = 0;
        loop {
            let line = match tokio::time::timeout(
                COMMAND_TIMEOUT,
                read_line(&mut reader, MAX_COMMAND_LINE),
            )
            .await
            {
                Ok(line) => line?,
                Err(_) => {
                    reply(&mut write, "421 4.4.2 Timeout, closing connection").await?;
                    return Ok(());
                }
            };
            let line = match line {
                Line::Closed => return Ok(()),
                Line::TooLong => {
                    errors += 1;
                    reply(&mut write, "500 5.5.2 Line too long").await?;
                    continue;
                }
                Line::Text(bytes) => String::from_utf8_lossy(&bytes).trim_end().to_owned(),
            };
            let (verb, argument) = match line.split_once(' ') {
                Some((verb, argument)) => (verb.to_ascii_uppercase(), argument.trim()),
                None => (line.to_ascii_uppercase(), ""),
            };
            let answer = match verb.as_str() {
                "EHLO" => self.hello(argument, true),
                "HELO" => self.hello(argument, false),
                "MAIL" => self.mail(argument),
                "RCPT" => self.recipient(argument).await,
                "DATA" => {
                    let answer = self.data(&mut reader, &mut write).await?;
                    self.reset();
                    answer
                }
                "RSET" => {
                    self.reset();
                    "250 2.0.0 OK".to_owned()
                }
                "NOOP" => "250 2.0.0 OK".to_owned(),
                "VRFY" => "252 2.5.0 Cannot verify, but will accept the message".to_owned(),
                "QUIT" => {
                    reply(
                        &mut write,
                        &format!("221 2.0.0 {domain} closing connection"),
                    )
                    .await?;
                    return Ok(());
                }
                _ => "502 5.5.1 Command not implemented".to_owned(),
            };
            errors = if answer.starts_with('5') {
                errors + 1
            } else {
                0
            };
            if errors >= MAX_ERRORS {
                reply(&mut write, "421 4.7.0 Too many errors, closing connection").await?;
                return Ok(());
            }
            reply(&mut write, &answer).await?;
        }
    }

    fn reset(&mut self) {
        self.sender = None;
        self.recipients.clear();
    }

    fn hello(&mut self, argument: &str, extended: bool) -> String {
        // It ends up in a reply and in a trace header: printable ASCII only.
        let helo: String = argument
            .chars()
            .filter(char::is_ascii_graphic)
            .take(MAX_HELO_CHARS)
            .collect();
        if helo.is_empty() {
            return "501 5.5.4 A domain or address literal is required".to_owned();
        }
        self.reset();
        let domain = self.receiver.domain();
        let answer = if extended {
            format!(
                "250-{domain} greets {helo}\r\n250-SIZE {}\r\n250-8BITMIME\r\n250 ENHANCEDSTATUSCODES",
                self.receiver.max_message_bytes()
            )
        } else {
            format!("250 {domain}")
        };
        self.helo = Some(helo);
        answer
    }

    fn mail(&mut self, argument: &str) -> String {
        if self.helo.is_none() {
            return "503 5.5.1 Say EHLO first".to_owned();
        }
        if self.sender.is_some() {
            return "503 5.5.1 Sender already given".to_owned();
        }
        let Some(rest) = strip_prefix_ignore_case(argument, "FROM:") else {
            return "501 5.5.4 Syntax: MAIL FROM:<address>".to_owned();
        };
        let Some((path, parameters)) = path_and_parameters(rest) else {
            return "501 5.1.7 Syntax: MAIL FROM:<address>".to_owned();
        };
        let declared = parameters
            .split_whitespace()
            .filter_map(|p| strip_prefix_ignore_case(p, "SIZE="))
            .find_map(|size| size.parse::<usize>().ok());
        if declared.is_some_and(|size| size > self.receiver.max_message_bytes()) {
            return "552 5.3.4 Message too big".to_owned();
        }
        if !path.is_empty() && !mailbox_path(path) {
            return "501 5.1.7 Bad sender address syntax".to_owned();
        }
        self.sender = Some(path.to_owned());
        "250 2.1.0 OK".to_owned()
    }

    async fn recipient(&mut self, argument: &str) -> String {
        if self.sender.is_none() {
            return "503 5.5.1 Need MAIL before RCPT".to_owned();
        }
        let Some(rest) = strip_prefix_ignore_case(argument, "TO:") else {
            return "501 5.5.4 Syntax: RCPT TO:<address>".to_owned();
        };
        let Some((address, _)) = path_and_parameters(rest).filter(|(a, _)| mailbox_path(a)) else {
            return "501 5.1.3 Syntax: RCPT TO:<address>".to_owned();
        };
        if self.recipients.len() >= MAX_RECIPIENTS {
            return "452 4.5.3 Too many recipients".to_owned();
        }
        let Some(InboundAddress { slug, .. }) =
            parse_inbound_address(address, self.receiver.domain())
        else {
            return "550 5.7.1 Relaying denied: not an address of this domain".to_owned();
        };
        let found = company::Entity::find()
            .filter(company::Column::Slug.eq(slug.as_str()))
            .one(&self.receiver.db)
            .await;
        match found {
            Ok(Some(company)) => {
                self.recipients.push(Recipient {
                    address: address.to_owned(),
                    company,
                });
                "250 2.1.5 OK".to_owned()
            }
            Ok(None) => "550 5.1.1 No such mailbox".to_owned(),
            Err(err) => {
                tracing::error!(error = %err, "SMTP recipient lookup failed");
                "451 4.3.0 Temporary failure, try again later".to_owned()
            }
        }
    }

    async fn data<R, W>(&mut self, reader: &mut R, write: &mut W) -> std::io::Result<String>
    where
        R: AsyncBufRead + Unpin,
        W: tokio::io::AsyncWrite + Unpin,
    {
        if self.sender.is_none() {
            return Ok("503 5.5.1 Need MAIL first".to_owned());
        }
        if self.recipients.is_empty() {
            return Ok("554 5.5.1 No valid recipients".to_owned());
        }
        reply(write, "354 End data with <CR><LF>.<CR><LF>").await?;
        let max = self.receiver.max_message_bytes();
        let Some(content) = read_content(reader, max).await? else {
            return Ok("552 5.3.4 Message too big".to_owned());
        };
        Ok(self.file(content).await)
    }

    /// Files the message for each company addressed, with a trace line
    /// (RFC 5321 §4.4) and the envelope recipients as `Delivered-To`, which
    /// may carry the reply token the headers lost.
    async fn file(&self, content: Vec<u8>) -> String {
        let mut by_company: BTreeMap<i64, (&company::Model, Vec<&str>)> = BTreeMap::new();
        for recipient in &self.recipients {
            by_company
                .entry(recipient.company.id)
                .or_insert_with(|| (&recipient.company, Vec::new()))
                .1
                .push(recipient.address.as_str());
        }
        let now = chrono::Utc::now();
        // RFC 5321 §4.4: the final delivery records the reverse-path; a
        // null one marks a report or an automatic message.
        let return_path = format!(
            "Return-Path: <{}>\r\n",
            self.sender.as_deref().unwrap_or_default()
        );
        let received = format!(
            "Received: from {} ([{}])\r\n\tby {} (recruitmail) with ESMTP;\r\n\t{}\r\n",
            self.helo.as_deref().unwrap_or("unknown"),
            self.peer.ip(),
            self.receiver.domain(),
            now.to_rfc2822()
        );
        let mut worst: Option<ApiError> = None;
        for (company, addresses) in by_company.values() {
            let mut raw = Vec::with_capacity(content.len() + 512);
            raw.extend_from_slice(return_path.as_bytes());
            for address in addresses {
                raw.extend_from_slice(format!("Delivered-To: {address}\r\n").as_bytes());
            }
            raw.extend_from_slice(received.as_bytes());
            raw.extend_from_slice(&content);
            let filed = super::receive(
                &self.receiver.db,
                &self.receiver.settings,
                &self.receiver.blobs,
                company,
                raw.into(),
                now,
            )
            .await;
            if let Err(err) = filed {
                // A temporary failure outranks a permanent one: the sender
                // retries, and what was filed is recognised as a duplicate.
                if worst
                    .as_ref()
                    .is_none_or(|w| !matches!(w, ApiError::Internal(_)))
                {
                    worst = Some(err);
                }
            }
        }
        match worst {
            None => "250 2.0.0 Message accepted".to_owned(),
            Some(ApiError::PayloadTooLarge(message)) => format!("552 5.3.4 {message}"),
            Some(ApiError::Internal(err)) => {
                tracing::error!(error = %err, "an email received over SMTP could not be filed");
                "451 4.3.0 Temporary failure, try again later".to_owned()
            }
            Some(other) => format!("554 5.6.0 {}", one_line(&other.to_string())),
        }
    }
}

/// Reads the message after DATA up to the lone dot, undoing dot-stuffing
/// (RFC 5321 §4.5.2). `None` when it is larger than `max` (read to its end
/// all the same, so the session can go on).
async fn read_content<R: AsyncBufRead + Unpin>(
    reader: &mut R,
    max: usize,
) -> std::io::Result<Option<Vec<u8>>> {
    let mut content = Vec::new();
    let mut too_big = false;
    loop {
        let line = match tokio::time::timeout(DATA_TIMEOUT, read_line(reader, MAX_TEXT_LINE)).await
        {
            Ok(line) => line?,
            Err(_) => return Err(std::io::ErrorKind::TimedOut.into()),
        };
        let mut line = match line {
            Line::Closed => return Err(std::io::ErrorKind::UnexpectedEof.into()),
            Line::TooLong => {
                too_big = true;
                continue;
            }
            Line::Text(line) => line,
        };
        if line == b".\r\n" || line == b".\n" {
            break;
        }
        if line.first() == Some(&b'.') {
            line.remove(0);
        }
        if !line.ends_with(b"\r\n") {
            // A bare LF line end becomes CRLF, as RFC 5322 writes them.
            line.pop();
            line.extend_from_slice(b"\r\n");
        }
        if too_big || content.len() + line.len() > max {
            too_big = true;
            content = Vec::new();
            continue;
        }
        content.extend_from_slice(&line);
    }
    Ok((!too_big).then_some(content))
}

/// One line with its end, at most `max` bytes; a longer one is read to its
/// end and reported as too long.
async fn read_line<R: AsyncBufRead + Unpin>(reader: &mut R, max: usize) -> std::io::Result<Line> {
    let mut line = Vec::new();
    let limit = u64::try_from(max).unwrap_or(u64::MAX);
    let read = (&mut *reader)
        .take(limit)
        .read_until(b'\n', &mut line)
        .await?;
    if read == 0 {
        return Ok(Line::Closed);
    }
    if line.ends_with(b"\n") {
        return Ok(Line::Text(line));
    }
    if read < max {
        // The connection closed in the middle of a line.
        return Ok(Line::Closed);
    }
    loop {
        let mut rest = Vec::new();
        let read = (&mut *reader)
            .take(limit)
            .read_until(b'\n', &mut rest)
            .await?;
        if read == 0 {
            return Ok(Line::Closed);
        }
        if rest.ends_with(b"\n") {
            return Ok(Line::TooLong);
        }
    }
}

/// Writes one reply; a client that does not read it in time is gone.
async fn reply<W: tokio::io::AsyncWrite + Unpin>(write: &mut W, text: &str) -> std::io::Result<()> {
    let mut line = Vec::with_capacity(text.len() + 2);
    line.extend_from_slice(text.as_bytes());
    line.extend_from_slice(b"\r\n");
    let sent = async {
        write.write_all(&line).await?;
        write.flush().await
    };
    tokio::time::timeout(REPLY_TIMEOUT, sent)
        .await
        .map_err(|_| std::io::Error::from(std::io::ErrorKind::TimedOut))?
}

/// Whether a path is `local@domain` in printable ASCII, short enough for
/// RFC 5321 §4.5.3.1.3, and so safe to write into a header.
fn mailbox_path(path: &str) -> bool {
    path.len() <= 254 && path.contains('@') && path.chars().all(|c| c.is_ascii_graphic())
}

/// `<path>` and what follows it in a MAIL or RCPT argument.
fn path_and_parameters(argument: &str) -> Option<(&str, &str)> {
    let argument = argument.trim_start();
    let rest = argument.strip_prefix('<')?;
    let (path, parameters) = rest.split_once('>')?;
    Some((path.trim(), parameters.trim()))
}

fn strip_prefix_ignore_case<'t>(text: &'t str, prefix: &str) -> Option<&'t str> {
    let head = text.get(..prefix.len())?;
    head.eq_ignore_ascii_case(prefix)
        .then(|| &text[prefix.len()..])
}

fn one_line(text: &str) -> String {
    text.chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .take(400)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn content_is_unstuffed_and_bounded() {
        let data = b"Subject: x\r\n\r\n..leading dot\nbare LF\r\n.\r\nQUIT\r\n";
        let mut reader = tokio::io::BufReader::new(&data[..]);
        let content = read_content(&mut reader, 1000).await.expect("reads");
        assert_eq!(
            content.as_deref(),
            Some(&b"Subject: x\r\n\r\n.leading dot\r\nbare LF\r\n"[..])
        );
        let mut rest = String::new();
        reader.read_to_string(&mut rest).await.expect("reads");
        assert_eq!(rest, "QUIT\r\n");

        let mut reader = tokio::io::BufReader::new(&data[..]);
        assert_eq!(read_content(&mut reader, 10).await.expect("reads"), None);
    }

    #[tokio::test]
    async fn long_lines_are_refused_whole() {
        let mut data = vec![b'a'; 3000];
        data.extend_from_slice(b"\r\nNOOP\r\n");
        let mut reader = tokio::io::BufReader::new(&data[..]);
        assert!(matches!(
            read_line(&mut reader, 1024).await.expect("reads"),
            Line::TooLong
        ));
        assert!(
            matches!(read_line(&mut reader, 1024).await.expect("reads"), Line::Text(l) if l == b"NOOP\r\n")
        );
        assert!(matches!(
            read_line(&mut reader, 1024).await.expect("reads"),
            Line::Closed
        ));
    }
}
