//! A user's signature, appended to every message rendered for them as sender.

use super::plain_text;

/// Largest signature, in bytes of HTML.
pub const MAX_BYTES: usize = 16 * 1024;

/// A signature in both forms, converted once per sender rather than per message.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Signature {
    html: String,
    text: String,
}

impl Signature {
    /// The signature a user wrote, as HTML from a rich-text editor.
    pub fn new(html: &str) -> Result<Self, String> {
        if html.len() > MAX_BYTES {
            return Err(format!("must be at most {} KiB", MAX_BYTES / 1024));
        }
        let text = plain_text::from_html(html)?;
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
    fn refuses_empty_and_oversized_signatures() {
        assert!(Signature::new("<p> </p>").is_err());
        assert!(Signature::new(&"x".repeat(MAX_BYTES + 1)).is_err());
    }
}
