//! The plain-text alternative of an HTML body (RFC 2046 §5.1.4).
//!
//! Templates are converted once, when they are compiled: the text keeps the
//! template's tags, so each message's text part is rendered as fast as its
//! HTML part. Links are kept inline as `text <url>`, lists get `-` or `1.`
//! markers, paragraphs are separated by a blank line, quotes get `> `.

use html2text::render::{TaggedLine, TextDecorator};

/// No line is wrapped: clients wrap plain text themselves, and wrapping a
/// template before it is filled would break lines in odd places.
const WIDTH: usize = 10_000;
/// Deeper HTML is refused: the layout step recurses once per level.
pub const MAX_HTML_DEPTH: usize = 64;

/// `html` laid out as readable plain text.
pub fn from_html(html: &str) -> Result<String, String> {
    if html_depth(html) > MAX_HTML_DEPTH {
        return Err(format!(
            "HTML elements nest more than {MAX_HTML_DEPTH} levels deep"
        ));
    }
    let protect = !KEPT_SPACES
        .iter()
        .any(|(_, sentinel)| html.contains(*sentinel));
    let html = if protect {
        swap(html, |(space, sentinel)| (space, sentinel))
    } else {
        html.to_owned()
    };
    let text = html2text::config::with_decorator(MailText::default())
        .allow_width_overflow()
        .string_from_read(html.as_bytes(), WIDTH)
        .map_err(|e| format!("the body could not be laid out as text: {e}"))?;
    let text = if protect {
        swap(&text, |(space, sentinel)| (sentinel, space))
    } else {
        text
    };
    Ok(tidy(&without_repeated_links(&text)))
}

/// The no-break spaces the layout would collapse like ordinary ones (it
/// keeps only U+00A0), each with a noncharacter that stands for it during
/// layout: noncharacters are set aside for a program's internal use
/// (Unicode §23.7) and never stand for text. CLDR writes U+202F in times
/// (`9:00 AM`) and in French punctuation; kept, a time is not broken
/// across lines by the reader's client. HTML already holding one of the
/// noncharacters is laid out as it is.
const KEPT_SPACES: [(char, char); 2] = [('\u{202F}', '\u{FDD0}'), ('\u{2007}', '\u{FDD1}')];

/// `text` with each pair's first character replaced by its second.
fn swap(text: &str, direction: impl Fn((char, char)) -> (char, char)) -> String {
    text.chars()
        .map(|c| {
            KEPT_SPACES
                .iter()
                .map(|pair| direction(*pair))
                .find_map(|(from, to)| (c == from).then_some(to))
                .unwrap_or(c)
        })
        .collect()
}

/// `https://x <https://x>` becomes `https://x`: a link whose text is its
/// target (or a placeholder for it) needs no second copy.
fn without_repeated_links(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find(" <") {
        let after = &rest[at + 2..];
        let Some(end) = after.find('>') else { break };
        let target = &after[..end];
        let before = &rest[..at];
        out.push_str(before);
        if target.is_empty() || !before.ends_with(target) {
            out.push_str(&rest[at..at + 2 + end + 1]);
        }
        rest = &after[end + 1..];
    }
    out.push_str(rest);
    out
}

/// Trailing spaces removed, runs of blank lines collapsed to one, no leading
/// or trailing blank lines. Also applied after rendering, where a false
/// condition can leave an empty paragraph behind.
pub fn tidy(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut blank_run = 0;
    for line in text.lines() {
        let line = line.trim_end();
        if line.is_empty() {
            blank_run += 1;
            continue;
        }
        if !out.is_empty() {
            out.push_str(if blank_run > 0 { "\n\n" } else { "\n" });
        }
        blank_run = 0;
        out.push_str(line);
    }
    out
}

/// How deeply elements nest, estimated from the tags without parsing, in one
/// pass; it stops as soon as the limit is passed. Void elements and
/// self-closed tags do not count.
fn html_depth(html: &str) -> usize {
    const VOID: [&str; 14] = [
        "area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "param",
        "source", "track", "wbr",
    ];
    let (mut depth, mut deepest) = (0usize, 0usize);
    let mut rest = html;
    while let Some(at) = rest.find('<') {
        rest = &rest[at + 1..];
        let end = rest.find(['>', '<']).unwrap_or(rest.len());
        let tag = &rest[..end];
        rest = &rest[end..];
        if let Some(closing) = tag.strip_prefix('/') {
            if !closing.is_empty() {
                depth = depth.saturating_sub(1);
            }
        } else if tag.starts_with(|c: char| c.is_ascii_alphabetic()) && !tag.ends_with('/') {
            let name_end = tag
                .find(|c: char| !c.is_ascii_alphanumeric())
                .unwrap_or(tag.len());
            let name = &tag[..name_end];
            if !VOID.iter().any(|v| v.eq_ignore_ascii_case(name)) {
                depth += 1;
                deepest = deepest.max(depth);
                if deepest > MAX_HTML_DEPTH {
                    break;
                }
            }
        }
    }
    deepest
}

/// Plain-text decorations for mail: no emphasis marks, links inline.
#[derive(Clone, Debug, Default)]
struct MailText {
    /// Targets of the links being rendered, innermost last.
    links: Vec<String>,
}

impl TextDecorator for MailText {
    type Annotation = ();

    fn decorate_link_start(&mut self, url: &str) -> (String, ()) {
        self.links.push(url.to_owned());
        (String::new(), ())
    }

    fn decorate_link_end(&mut self) -> String {
        match self.links.pop() {
            Some(url) if !url.is_empty() && !url.starts_with('#') => {
                format!(" <{}>", url.strip_prefix("mailto:").unwrap_or(&url))
            }
            _ => String::new(),
        }
    }

    fn decorate_em_start(&self) -> (String, ()) {
        (String::new(), ())
    }

    fn decorate_em_end(&self) -> String {
        String::new()
    }

    fn decorate_strong_start(&self) -> (String, ()) {
        (String::new(), ())
    }

    fn decorate_strong_end(&self) -> String {
        String::new()
    }

    fn decorate_strikeout_start(&self) -> (String, ()) {
        (String::new(), ())
    }

    fn decorate_strikeout_end(&self) -> String {
        String::new()
    }

    fn decorate_code_start(&self) -> (String, ()) {
        (String::new(), ())
    }

    fn decorate_code_end(&self) -> String {
        String::new()
    }

    fn decorate_preformat_first(&self) {}

    fn decorate_preformat_cont(&self) {}

    fn decorate_image(&mut self, _src: &str, title: &str) -> (String, ()) {
        (title.to_owned(), ())
    }

    fn header_prefix(&self, _level: usize) -> String {
        String::new()
    }

    fn quote_prefix(&self) -> String {
        "> ".to_owned()
    }

    fn unordered_item_prefix(&self) -> String {
        "- ".to_owned()
    }

    fn ordered_item_prefix(&self, i: i64) -> String {
        format!("{i}. ")
    }

    fn make_subblock_decorator(&self) -> Self {
        Self::default()
    }

    fn finalise(&mut self, _urls: Vec<String>) -> Vec<TaggedLine<()>> {
        Vec::new()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lays_out_what_an_editor_sends() {
        let html = "<h2>Your application</h2><p>Dear Maria,</p><p>thank you &amp; <strong>welcome</strong>.<br>Next steps:</p>\
            <ul><li>Call</li><li>Visit</li></ul><ol><li>One</li><li>Two</li></ol>\
            <blockquote>Quoted</blockquote><p>See <a href=\"https://acme.example/jobs\">our jobs</a> \
            or <a href=\"mailto:jobs@acme.example\">write</a>.</p>";
        assert_eq!(
            from_html(html).unwrap(),
            "Your application\n\nDear Maria,\n\nthank you & welcome.\nNext steps:\n- Call\n- Visit\n\
             1. One\n2. Two\n\n> Quoted\n\nSee our jobs <https://acme.example/jobs> or write <jobs@acme.example>."
        );
    }

    #[test]
    fn keeps_template_tags_as_text() {
        let html = "<p>Hallo {{ first_name }},</p><p>{% if interview_link %}<a href=\"{{ interview_link }}\">Join</a>{% endif %}</p>";
        assert_eq!(
            from_html(html).unwrap(),
            "Hallo {{ first_name }},\n\n{% if interview_link %}Join <{{ interview_link }}>{% endif %}"
        );
    }

    #[test]
    fn a_link_showing_its_own_target_is_not_repeated() {
        let html = "<p><a href=\"https://x.example/a\">https://x.example/a</a> \
            <a href=\"{{ interview_link }}\">{{ interview_link }}</a> \
            <a href=\"mailto:a@x.example\">a@x.example</a> <a href=\"https://x.example\">x</a></p>";
        assert_eq!(
            from_html(html).unwrap(),
            "https://x.example/a {{ interview_link }} a@x.example x <https://x.example>"
        );
    }

    #[test]
    fn refuses_html_nested_too_deep_for_layout() {
        let deep = "<div>".repeat(MAX_HTML_DEPTH + 1);
        assert!(from_html(&deep).unwrap_err().contains("nest"));
        assert!(from_html(&"<p>a</p><br><img src=x>".repeat(200)).is_ok());
    }

    #[test]
    fn the_depth_estimate_is_linear_in_unclosed_tags() {
        // No `>` anywhere: one pass, not one search per `<`.
        let text = "<a".repeat(128_000);
        assert!(html_depth(&text) > MAX_HTML_DEPTH);
    }

    #[test]
    fn cldr_no_break_spaces_survive_the_layout() {
        assert_eq!(
            from_html("<p>9:00\u{202f}AM–10:00\u{202f}AM, Date\u{a0}: 3</p>").unwrap(),
            "9:00\u{202f}AM–10:00\u{202f}AM, Date\u{a0}: 3"
        );
    }

    #[test]
    fn tidy_collapses_blank_lines() {
        assert_eq!(tidy("\n\na  \n\n\n\nb\n\n"), "a\n\nb");
    }
}
