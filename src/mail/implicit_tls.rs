//! Implicit TLS (RFC 8314 §3.3, "submissions" on port 465) on a socket we
//! open ourselves.
//!
//! lettre's own implicit-TLS connect opens its socket with Nagle's algorithm
//! on, and a message's last TLS record then waits for the server's delayed
//! ACK (see `smtp_pool`). Here the handshake runs with rustls on our socket
//! and lettre gets the encrypted stream as a ready transport. The trust is
//! the same as for STARTTLS: the public web roots plus the operator's CA file.

use std::io;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use lettre::transport::smtp::client::AsyncTokioStream;
use rustls::pki_types::pem::PemObject as _;
use rustls::pki_types::{CertificateDer, ServerName};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::TcpStream;
use tokio_rustls::TlsConnector;
use tokio_rustls::client::TlsStream;

/// The certificates of an operator's CA file (`RECRUITMAIL_SMTP_CA_FILE`):
/// every one in it, and at least one. Start-up checks the file with this, so
/// a file that trusts nothing fails there rather than at the first send.
pub fn extra_roots(pem: &[u8]) -> Result<Vec<CertificateDer<'static>>, String> {
    let certificates = CertificateDer::pem_slice_iter(pem)
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| format!("the CA file: {e}"))?;
    if certificates.is_empty() {
        return Err("the CA file holds no PEM certificate".into());
    }
    Ok(certificates)
}

/// What a TLS session to one server needs: the verifying configuration and
/// the name the certificate must carry.
#[derive(Clone)]
pub struct ImplicitTls {
    connector: TlsConnector,
    server: ServerName<'static>,
}

impl std::fmt::Debug for ImplicitTls {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ImplicitTls")
            .field("server", &self.server)
            .finish_non_exhaustive()
    }
}

impl ImplicitTls {
    /// TLS to `host` (a name or an IP address), trusting every certificate
    /// in `extra_root` (PEM) besides the public roots.
    pub fn new(host: &str, extra_root: Option<&[u8]>) -> Result<Self, String> {
        let mut roots = rustls::RootCertStore {
            roots: webpki_roots::TLS_SERVER_ROOTS.to_vec(),
        };
        if let Some(pem) = extra_root {
            for certificate in extra_roots(pem)? {
                roots
                    .add(certificate)
                    .map_err(|e| format!("the CA file: {e}"))?;
            }
        }
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let config = rustls::ClientConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .map_err(|e| e.to_string())?
            .with_root_certificates(roots)
            .with_no_client_auth();
        let server = ServerName::try_from(host.to_owned())
            .map_err(|_| format!("{host:?} is neither a host name nor an IP address"))?;
        Ok(Self {
            connector: TlsConnector::from(Arc::new(config)),
            server,
        })
    }

    /// The TLS handshake on `socket`; the server's greeting comes after it.
    pub async fn handshake(&self, socket: TcpStream) -> io::Result<TlsSocket> {
        let stream = self.connector.connect(self.server.clone(), socket).await?;
        Ok(TlsSocket(stream))
    }
}

/// An encrypted connection, in the shape lettre takes a transport.
#[derive(Debug)]
pub struct TlsSocket(TlsStream<TcpStream>);

impl AsyncTokioStream for TlsSocket {
    fn peer_addr(&self) -> io::Result<SocketAddr> {
        self.0.get_ref().0.peer_addr()
    }
}

impl AsyncRead for TlsSocket {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        Pin::new(&mut self.0).poll_read(cx, buf)
    }
}

impl AsyncWrite for TlsSocket {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.0).poll_write(cx, buf)
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.0).poll_write_vectored(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        self.0.is_write_vectored()
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.0).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.0).poll_shutdown(cx)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_addresses_are_accepted_and_a_bad_ca_file_is_named() {
        assert!(ImplicitTls::new("smtp.example.com", None).is_ok());
        assert!(ImplicitTls::new("127.0.0.1", None).is_ok());
        assert!(ImplicitTls::new("bad host", None).is_err());
        let error = ImplicitTls::new("smtp.example.com", Some(b"not a certificate")).unwrap_err();
        assert!(error.contains("no PEM certificate"), "{error}");
    }
}
