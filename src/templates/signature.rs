//! A user's signature, appended to every message rendered for them as sender.

use super::plain_text;

/// Largest signature, in bytes of HTML.
pub const MAX_BYTES: usize = 16 * 1024;

/// A signature in both forms; a send builds it once for all its messages.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Signature {
    html: String,
    text: String,
}

impl Signature {
    /// The signature a user wrote, as HTML from a rich-text editor. Any user
    /// may write one and it goes into every message they send, so it is
    /// sanitised: scripts, event handlers, forms and unknown tags are removed
    /// and unbalanced tags closed (ammonia's allowlist).
    pub fn new(html: &str) -> Result<Self, String> {
        if html.len() > MAX_BYTES {
            return Err(format!("must be at most {} KiB", MAX_BYTES / 1024));
        }
        let html = ammonia::clean(html);
        let text = plain_text::from_html(&html)?;
        if text.is_empty() {
            return Err("must contain some text".into());
        }
        Ok(Self {
            html: html.trim().to_owned(),
            text,
        })
    }

    pub fn html(&self) -> &str {
        &self.html
    }

    /// Appends the signature under the usual delimiter line, `-- ` (RFC 3676 §4.3),
    /// which lets mail clients recognise it and leave it out of quotes.
    pub fn append(&self, html: &mut String, text: &mut String) {
        html.push_str("\n<div class=\"signature\">-- <br>\n");
        html.push_str(&self.html);
        html.push_str("</div>");
        if !text.is_empty() {
            text.push_str("\n\n");
        }
        text.push_str("-- \n");
        text.push_str(&self.text);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn appends_under_the_signature_delimiter() {
        let signature = Signature::new("<p>Jonas Weber<br>Acme GmbH</p>").unwrap();
        let (mut html, mut text) = ("<p>Hi</p>".to_owned(), "Hi".to_owned());
        signature.append(&mut html, &mut text);
        assert_eq!(text, "Hi\n\n-- \nJonas Weber\nAcme GmbH");
        assert_eq!(
            html,
            "<p>Hi</p>\n<div class=\"signature\">-- <br>\n<p>Jonas Weber<br>Acme GmbH</p></div>"
        );
    }

    #[test]
    fn signatures_are_sanitised() {
        let signature = Signature::new(
            "<p onclick=\"steal()\">Jonas<script>alert(1)</script><img src=x onerror=alert(1)>\
             <form action=https://evil.example><input name=p></form></td></table>",
        )
        .unwrap();
        let html = signature.html();
        for gone in ["onclick", "script", "onerror", "form", "input", "</table>"] {
            assert!(!html.contains(gone), "{gone} in {html}");
        }
        assert!(html.starts_with("<p>Jonas"), "{html}");
    }

    #[test]
    fn refuses_empty_and_oversized_signatures() {
        assert!(Signature::new("<p> </p>").is_err());
        assert!(Signature::new(&"x".repeat(MAX_BYTES + 1)).is_err());
    }
}
