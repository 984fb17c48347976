//! An SMTP server on loopback for the moments a real one is hard to catch
//! in: it speaks the commands a client sends for a message (RFC 5321), can
//! take its time before each final reply, and can break the connection
//! after reading a message's final `.` and before replying — when a client
//! cannot know whether the message was taken.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::io::{AsyncBufReadExt as _, AsyncWriteExt as _, BufReader};
use tokio::net::TcpListener;

/// How the server behaves.
#[derive(Clone, Copy, Default)]
pub struct Behaviour {
    /// The first this many messages are read, then the connection is broken.
    pub vanish_first: usize,
    /// A pause before the reply to each final `.`.
    pub reply_delay: Duration,
}

pub struct LoopbackSmtp {
    pub port: u16,
    /// Each message read up to its final `.`, in order.
    seen: Arc<Mutex<Vec<String>>>,
}

impl LoopbackSmtp {
    pub async fn start(behaviour: Behaviour) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let seen = Arc::new(Mutex::new(Vec::new()));
        let shared = seen.clone();
        tokio::spawn(async move {
            while let Ok((socket, _)) = listener.accept().await {
                tokio::spawn(converse(socket, shared.clone(), behaviour));
            }
        });
        Self { port, seen }
    }

    /// Every message read so far (whether or not it was then accepted).
    pub fn messages(&self) -> Vec<String> {
        self.seen.lock().unwrap().clone()
    }

    /// The Message-ID header of every message read so far.
    pub fn message_ids(&self) -> Vec<String> {
        self.messages()
            .iter()
            .filter_map(|m| {
                m.lines()
                    .find_map(|l| l.strip_prefix("Message-ID: "))
                    .map(str::to_owned)
            })
            .collect()
    }
}

async fn converse(socket: tokio::net::TcpStream, seen: Arc<Mutex<Vec<String>>>, how: Behaviour) {
    let (read, mut write) = socket.into_split();
    let mut lines = BufReader::new(read).lines();
    write.write_all(b"220 loopback ESMTP\r\n").await.ok();
    while let Ok(Some(line)) = lines.next_line().await {
        let verb = line.get(..4).unwrap_or_default().to_ascii_uppercase();
        let reply: &[u8] = match verb.as_str() {
            "EHLO" => b"250-loopback\r\n250 8BITMIME\r\n",
            "HELO" | "MAIL" | "RCPT" | "RSET" | "NOOP" => b"250 OK\r\n",
            "QUIT" => {
                write.write_all(b"221 Bye\r\n").await.ok();
                return;
            }
            "DATA" => {
                write.write_all(b"354 Go ahead\r\n").await.ok();
                let mut body = String::new();
                while let Ok(Some(part)) = lines.next_line().await {
                    if part == "." {
                        break;
                    }
                    body.push_str(&part);
                    body.push('\n');
                }
                let number = {
                    let mut seen = seen.lock().unwrap();
                    seen.push(body);
                    seen.len()
                };
                if number <= how.vanish_first {
                    // Read, and gone without a word.
                    return;
                }
                tokio::time::sleep(how.reply_delay).await;
                b"250 Queued\r\n"
            }
            _ => b"502 Not implemented\r\n",
        };
        if write.write_all(reply).await.is_err() {
            return;
        }
    }
}
