//! mail-parser reads nested `message/rfc822` parts without recursion, but
//! dropping the result recurses once per level: an email nested a few ten
//! thousand levels deep would overflow the stack and abort the process.
//! [`FlatMessage`] takes nested messages apart one by one before they drop.

use std::ops::Deref;

use mail_parser::{Message, MessageParser, MessagePart, PartType};

/// A parsed message that drops without recursion.
pub struct FlatMessage<'x>(Message<'x>);

impl<'x> FlatMessage<'x> {
    /// Parses `raw`; `None` when it has no header at all.
    pub fn parse(raw: &'x [u8]) -> Option<Self> {
        MessageParser::default()
            .parse(raw)
            .map(Self)
            .filter(|m| !m.headers().is_empty())
    }
}

impl<'x> Deref for FlatMessage<'x> {
    type Target = Message<'x>;

    fn deref(&self) -> &Message<'x> {
        &self.0
    }
}

impl Drop for FlatMessage<'_> {
    fn drop(&mut self) {
        let mut pending: Vec<Vec<MessagePart<'_>>> = vec![std::mem::take(&mut self.0.parts)];
        while let Some(parts) = pending.pop() {
            for mut part in parts {
                if let PartType::Message(inner) = &mut part.body {
                    pending.push(std::mem::take(&mut inner.parts));
                }
                // `part` drops here with no nested parts left in it.
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_deeply_nested_email_is_read_and_dropped_on_a_small_stack() {
        let level = "From: a@example.org\r\nContent-Type: message/rfc822\r\n\r\n";
        let mut raw = level.repeat(50_000);
        raw.push_str("From: a@example.org\r\nSubject: inner\r\n\r\nbody\r\n");
        let worker = std::thread::Builder::new()
            .stack_size(256 * 1024)
            .spawn(move || {
                let message = FlatMessage::parse(raw.as_bytes()).expect("parses");
                message.parts.len()
            })
            .expect("thread starts");
        assert!(worker.join().expect("no stack overflow") > 0);
    }
}
