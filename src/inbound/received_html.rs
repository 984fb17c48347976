//! Received HTML, from storing it to showing it, through ammonia.
//!
//! What is stored is sanitised (no script, no event handler, no form, no
//! stylesheet) but keeps the message's references to remote images and its
//! `cid:` references to its own parts (RFC 2392), so nothing of the message
//! is lost. What is shown is sanitised again, for one reader:
//!
//! - Remote resources — `src`, `srcset` and `background` addresses, and the
//!   style properties that can load an image — are left out unless the
//!   reader asks for them: a sender's tracking pixel tells the sender when,
//!   where and how often the message was opened.
//! - `cid:` references become links to the message's own attachments, so
//!   inline images show without any request leaving the server.
//! - Relative addresses are dropped: they name nothing in a received email,
//!   and a browser would resolve them against the page showing it (a
//!   scheme-relative `//host/x.gif` is a remote address in disguise).
//!
//! Stylesheets (`<style>`, `<link rel=stylesheet>`) are never kept: their
//! selectors would restyle the page that shows the message, and ammonia
//! does not sanitise selectors. Inline `style` attributes, which mail
//! programs write for exactly that reason, keep a list of properties that
//! cannot position anything over the page.

use std::borrow::Cow;
use std::collections::{HashMap, HashSet};

use ammonia::Builder;

/// Style properties kept: text, colours, boxes and tables. None of them
/// takes a URL, and none places content outside the message's own box
/// (no `position`, no `z-index`).
const TEXT_STYLE: [&str; 56] = [
    "color",
    "background-color",
    "font",
    "font-family",
    "font-size",
    "font-style",
    "font-variant",
    "font-weight",
    "line-height",
    "letter-spacing",
    "word-spacing",
    "text-align",
    "text-decoration",
    "text-indent",
    "text-transform",
    "text-overflow",
    "white-space",
    "word-break",
    "word-wrap",
    "overflow-wrap",
    "vertical-align",
    "direction",
    "margin",
    "margin-top",
    "margin-right",
    "margin-bottom",
    "margin-left",
    "padding",
    "padding-top",
    "padding-right",
    "padding-bottom",
    "padding-left",
    "border",
    "border-top",
    "border-right",
    "border-bottom",
    "border-left",
    "border-color",
    "border-style",
    "border-width",
    "border-collapse",
    "border-spacing",
    "border-radius",
    "width",
    "height",
    "min-width",
    "max-width",
    "min-height",
    "max-height",
    "display",
    "overflow",
    "list-style-type",
    "table-layout",
    "caption-side",
    "empty-cells",
    "text-shadow",
];

/// Style properties that load an image (`url()`, `image-set()`): kept in
/// storage, shown only with remote images.
const IMAGE_STYLE: [&str; 2] = ["background", "background-image"];

/// Attributes whose address the browser loads as it shows the message.
/// `srcset` and `background` are not URL attributes to ammonia, so their
/// schemes are checked here.
fn loads(attribute: &str) -> bool {
    matches!(attribute, "src" | "srcset" | "background")
}

/// Attributes holding one address the reader may follow or that names a
/// source (`href`, `cite`): never loaded, but still no relative ones.
fn names_address(attribute: &str) -> bool {
    matches!(attribute, "href" | "cite")
}

/// How a pass treats addresses.
enum Pass {
    /// Into storage: remote and `cid:` addresses kept, others dropped.
    Store,
    /// For one reader: `cid:` addresses replaced by `inline` (by Content-ID),
    /// remote ones kept only when `remote`.
    Show {
        remote: bool,
        inline: HashMap<String, String>,
    },
}

/// The HTML to store of a received body.
pub fn stored(html: &str) -> String {
    builder(Pass::Store).clean(html).to_string()
}

/// Stored HTML as one reader sees it: remote resources only when
/// `remote_images`, and `cid:` images through `inline`, which maps the
/// Content-IDs (without angle brackets) of the message's attachments the
/// reader may open to links to them. A `cid:` reference to any other part
/// is dropped.
pub fn shown(stored: &str, remote_images: bool, inline: HashMap<String, String>) -> String {
    builder(Pass::Show {
        remote: remote_images,
        inline,
    })
    .clean(stored)
    .to_string()
}

fn builder(pass: Pass) -> Builder<'static> {
    let mut builder = Builder::default();
    let with_images = matches!(pass, Pass::Store | Pass::Show { remote: true, .. });
    let mut style: HashSet<&'static str> = TEXT_STYLE.into_iter().collect();
    if with_images {
        style.extend(IMAGE_STYLE);
    }
    // Relative addresses are judged in `address`, which runs before
    // ammonia's own rule (pass-through, its default), so the links to
    // attachments, paths on this server, survive.
    builder
        .add_tags(&["font"])
        .add_generic_attributes(&["style", "dir"])
        .add_tag_attributes("font", &["color", "face", "size"])
        .add_tag_attributes("img", &["srcset", "border"])
        .add_tag_attributes("table", &TABLE_ATTRIBUTES)
        .add_tag_attributes("td", &CELL_ATTRIBUTES)
        .add_tag_attributes("th", &CELL_ATTRIBUTES)
        .add_tag_attributes("tr", &["valign", "bgcolor"])
        .add_url_schemes(&["cid"])
        .filter_style_properties(style)
        .attribute_filter(move |_element, attribute, value| address(&pass, attribute, value));
    builder
}

/// Layout attributes of tables, as mail programs still write them.
const TABLE_ATTRIBUTES: [&str; 6] = [
    "width",
    "border",
    "cellpadding",
    "cellspacing",
    "bgcolor",
    "background",
];
const CELL_ATTRIBUTES: [&str; 6] = [
    "width",
    "height",
    "valign",
    "bgcolor",
    "background",
    "nowrap",
];

/// The value an attribute keeps in `pass`, or `None` to drop it.
fn address<'v>(pass: &Pass, attribute: &str, value: &'v str) -> Option<Cow<'v, str>> {
    if names_address(attribute) {
        return match kind(value) {
            Address::Relative => None,
            Address::Part(id) => match pass {
                Pass::Store => Some(Cow::Borrowed(value)),
                Pass::Show { inline, .. } => part_link(inline, &id).map(Cow::Owned),
            },
            Address::Remote | Address::Other => Some(Cow::Borrowed(value)),
        };
    }
    if !loads(attribute) {
        return Some(Cow::Borrowed(value));
    }
    if attribute == "srcset" {
        // Candidates are `address [descriptor]`, comma separated; one that
        // is not a plain remote address drops the whole set.
        let remote = value
            .split(',')
            .filter_map(|candidate| candidate.split_whitespace().next())
            .all(|address| matches!(kind(address), Address::Remote));
        let keep = remote && !matches!(pass, Pass::Show { remote: false, .. });
        return keep.then_some(Cow::Borrowed(value));
    }
    match (kind(value), pass) {
        (Address::Remote, Pass::Store | Pass::Show { remote: true, .. }) => {
            Some(Cow::Borrowed(value))
        }
        (Address::Part(_), Pass::Store) => Some(Cow::Borrowed(value)),
        (Address::Part(id), Pass::Show { inline, .. }) => part_link(inline, &id).map(Cow::Owned),
        _ => None,
    }
}

/// What an address points at.
enum Address {
    /// `http:` or `https:`: a request to whoever wrote the message.
    Remote,
    /// `cid:`: a part of the message itself, by Content-ID (percent-decoded,
    /// RFC 2392 §2).
    Part(String),
    /// Relative, scheme-relative or not an address at all.
    Relative,
    /// Any other scheme (`mailto:`, `tel:`): nothing a browser loads.
    Other,
}

fn kind(value: &str) -> Address {
    let value = value.trim();
    match url::Url::parse(value) {
        Ok(url) => match url.scheme() {
            "http" | "https" => Address::Remote,
            "cid" => Address::Part(
                percent_encoding::percent_decode_str(url.path())
                    .decode_utf8_lossy()
                    .into_owned(),
            ),
            _ => Address::Other,
        },
        Err(_) => Address::Relative,
    }
}

/// The link to the attachment with Content-ID `id`: compared exactly, else
/// without regard to case, as some mail programs change the case of one of
/// the two.
fn part_link(inline: &HashMap<String, String>, id: &str) -> Option<String> {
    inline.get(id).cloned().or_else(|| {
        inline
            .iter()
            .find(|(known, _)| known.eq_ignore_ascii_case(id))
            .map(|(_, link)| link.clone())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const MAIL: &str = "<html><head>\
        <link rel=\"stylesheet\" href=\"https://track.example/style.css\">\
        <style>body { background: url(https://track.example/bg.png) }</style>\
        </head><body>\
        <p style=\"color: red; position: fixed; background: url('https://track.example/p.png')\">Hello</p>\
        <img src=\"https://track.example/pixel.gif\" width=\"1\" height=\"1\">\
        <img src=\"cid:logo@mail.example\" alt=\"Logo\">\
        <img src=\"//track.example/relative.gif\">\
        <img srcset=\"https://track.example/a.png 1x, https://track.example/b.png 2x\">\
        <table background=\"https://track.example/table.png\"><tr><td>x</td></tr></table>\
        <a href=\"https://acme.example/jobs\">Jobs</a> <a href=\"/relative\">here</a>\
        </body></html>";

    #[test]
    fn storage_keeps_remote_and_inline_references_but_no_stylesheet() {
        let kept = stored(MAIL);
        for present in [
            "https://track.example/pixel.gif",
            "cid:logo@mail.example",
            "https://track.example/a.png 1x",
            "https://track.example/table.png",
            "https://track.example/p.png",
            "color:red",
            "https://acme.example/jobs",
        ] {
            assert!(kept.contains(present), "{present} missing from {kept}");
        }
        for absent in [
            "style.css",
            "bg.png",
            "relative",
            "position",
            "<style",
            "<link",
        ] {
            assert!(!kept.contains(absent), "{absent} left in {kept}");
        }
    }

    #[test]
    fn a_reader_sees_no_remote_address_unless_asked() {
        let kept = stored(MAIL);
        let inline = HashMap::from([(
            "logo@mail.example".to_owned(),
            "/files/RG9jOjE?s=x".to_owned(),
        )]);
        let blocked = shown(&kept, false, inline.clone());
        assert!(!blocked.contains("track.example"), "{blocked}");
        assert!(blocked.contains("src=\"/files/RG9jOjE?s=x\""), "{blocked}");
        assert!(blocked.contains("color:red"), "{blocked}");
        assert!(blocked.contains("https://acme.example/jobs"), "{blocked}");

        let all = shown(&kept, true, inline);
        for present in [
            "https://track.example/pixel.gif",
            "https://track.example/a.png 1x",
            "https://track.example/table.png",
            "https://track.example/p.png",
            "src=\"/files/RG9jOjE?s=x\"",
        ] {
            assert!(all.contains(present), "{present} missing from {all}");
        }
        assert!(!all.contains("style.css"), "{all}");
    }

    #[test]
    fn an_unknown_part_or_a_disguised_address_is_dropped() {
        let html = "<img src=\"cid:other@mail.example\">\
            <img src=\"CID:Logo%40Mail.example\">\
            <img src=\"ftp://track.example/x.gif\">\
            <img srcset=\"/x.png 1x\">\
            <td background=\"javascript:alert(1)\">";
        let inline = HashMap::from([("logo@mail.example".to_owned(), "/files/a".to_owned())]);
        let shown = shown(&stored(html), true, inline);
        assert_eq!(shown.matches("/files/a").count(), 1, "{shown}");
        for absent in ["other@", "ftp:", "x.png", "javascript"] {
            assert!(!shown.contains(absent), "{absent} left in {shown}");
        }
    }
}
