//! Template tags as they stand in the source text.
//!
//! Tera's parsed tree has no positions, so errors find their line and column
//! here. This scan also runs before Tera's parser: it bounds nesting (the parser
//! recurses once per level, and a request must not be able to exhaust a worker's
//! stack) and tidies what rich-text editors put inside tags.

use std::borrow::Cow;

/// The three kinds of Tera tag.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TagKind {
    /// `{{ … }}`
    Print,
    /// `{% … %}`
    Statement,
    /// `{# … #}`
    Comment,
}

/// One tag: its kind, its text between the delimiters, and where it starts.
#[derive(Clone, Copy, Debug)]
pub struct Tag<'a> {
    pub kind: TagKind,
    pub inner: &'a str,
    /// Byte offset of `inner` in the source.
    pub offset: usize,
}

impl Tag<'_> {
    /// The statement keyword (`if`, `for`, `endif` …), without whitespace control.
    pub fn keyword(&self) -> &str {
        let inner = self.inner.trim_start_matches('-').trim_start();
        let end = inner
            .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
            .unwrap_or(inner.len());
        &inner[..end]
    }
}

/// The tags of `source`, in order. An unclosed tag runs to the end of the text.
pub fn tags(source: &str) -> Tags<'_> {
    Tags { source, at: 0 }
}

#[derive(Debug)]
pub struct Tags<'a> {
    source: &'a str,
    at: usize,
}

impl<'a> Iterator for Tags<'a> {
    type Item = Tag<'a>;

    fn next(&mut self) -> Option<Tag<'a>> {
        loop {
            let rest = &self.source[self.at..];
            let i = rest.find('{')?;
            let kind = match rest.as_bytes().get(i + 1) {
                Some(b'{') => TagKind::Print,
                Some(b'%') => TagKind::Statement,
                Some(b'#') => TagKind::Comment,
                _ => {
                    self.at += i + 1;
                    continue;
                }
            };
            let start = self.at + i + 2;
            let close = match kind {
                TagKind::Print => "}}",
                TagKind::Statement => "%}",
                TagKind::Comment => "#}",
            };
            let body = &self.source[start..];
            let len = closing(body, close, kind != TagKind::Comment).unwrap_or(body.len());
            self.at = (start + len + close.len()).min(self.source.len());
            return Some(Tag {
                kind,
                inner: &body[..len],
                offset: start,
            });
        }
    }
}

/// Where `close` ends a tag body, skipping quoted strings in expressions.
fn closing(body: &str, close: &str, expression: bool) -> Option<usize> {
    let mut quote = None;
    for (i, c) in body.char_indices() {
        match quote {
            Some(q) if c == q => quote = None,
            Some(_) => {}
            None if expression && matches!(c, '"' | '\'' | '`') => quote = Some(c),
            None if body[i..].starts_with(close) => return Some(i),
            None => {}
        }
    }
    None
}

/// 1-based line and column (in characters) of a byte offset.
pub fn line_column(source: &str, offset: usize) -> (usize, usize) {
    let before = source.get(..offset).unwrap_or(source);
    let line = before.matches('\n').count() + 1;
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    (line, before[line_start..].chars().count() + 1)
}

/// Where `word` first appears as an identifier in an expression tag, outside
/// quoted strings.
pub fn locate_word(source: &str, word: &str) -> Option<(usize, usize)> {
    tags(source)
        .filter(|tag| tag.kind != TagKind::Comment)
        .find_map(|tag| word_offset(tag.inner, word).map(|i| tag.offset + i))
        .map(|offset| line_column(source, offset))
}

/// Where the first statement tag with `keyword` starts.
pub fn locate_keyword(source: &str, keyword: &str) -> Option<(usize, usize)> {
    tags(source)
        .find(|tag| tag.kind == TagKind::Statement && tag.keyword() == keyword)
        .map(|tag| line_column(source, tag.offset.saturating_sub(2)))
}

/// Whether the text after an identifier makes it a keyword argument's name.
fn is_argument_name(after: &str) -> bool {
    let after = after.trim_start();
    after.starts_with('=') && !after.starts_with("==")
}

fn word_offset(inner: &str, word: &str) -> Option<usize> {
    let is_ident = |c: char| c.is_ascii_alphanumeric() || c == '_';
    let mut quote = None;
    let mut token_start = None;
    for (i, c) in inner.char_indices().chain([(inner.len(), ' ')]) {
        if let Some(q) = quote {
            if c == q {
                quote = None;
            }
            continue;
        }
        if is_ident(c) {
            token_start.get_or_insert(i);
            continue;
        }
        if let Some(start) = token_start.take()
            && &inner[start..i] == word
            && !is_argument_name(&inner[i..])
        {
            return Some(start);
        }
        if matches!(c, '"' | '\'' | '`') {
            quote = Some(c);
        }
    }
    None
}

/// An upper bound of how deeply Tera's parser can recurse on `source`: every
/// bracket and every statement tag counted, wherever it stands. It counts
/// prose and quoted text too, which only makes it larger, so no way of
/// hiding a tag from this scan (quotes, raw blocks) can make it too small.
pub fn parser_depth_bound(source: &str) -> usize {
    let bytes = source.as_bytes();
    let brackets = bytes.iter().filter(|b| matches!(b, b'(' | b'[')).count();
    let statements = bytes.windows(2).filter(|w| w == b"{%").count();
    brackets + statements
}

/// Undoes, inside tags only, what rich-text editors do to typed text: markup
/// wrapped around part of a tag (`{{ <b>first_name</b> }}`), non-breaking
/// spaces and HTML-escaped quotes. Text outside tags is left alone.
pub fn tidy(source: &str) -> Cow<'_, str> {
    let needs = tags(source)
        .any(|tag| tag.kind != TagKind::Comment && tag.inner.contains(['<', '&', '\u{a0}']));
    if !needs {
        return Cow::Borrowed(source);
    }
    let mut out = String::with_capacity(source.len());
    let mut copied = 0;
    for tag in tags(source).filter(|tag| tag.kind != TagKind::Comment) {
        out.push_str(&source[copied..tag.offset]);
        out.push_str(&tidy_inner(tag.inner));
        copied = tag.offset + tag.inner.len();
    }
    out.push_str(&source[copied..]);
    Cow::Owned(out)
}

fn tidy_inner(inner: &str) -> String {
    let mut without_markup = String::with_capacity(inner.len());
    let mut in_markup = false;
    for c in inner.chars() {
        match c {
            '<' => in_markup = true,
            '>' if in_markup => in_markup = false,
            _ if in_markup => {}
            _ => without_markup.push(c),
        }
    }
    without_markup
        .replace(['\u{a0}'], " ")
        .replace("&nbsp;", " ")
        .replace("&#160;", " ")
        .replace("&quot;", "\"")
        .replace("&#34;", "\"")
        .replace("&#39;", "'")
        .replace("&apos;", "'")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&amp;", "&")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_tags_with_their_kind_and_offset() {
        let source = "Hi {{ first_name }},\n{% if x %}{# note #}{% endif %} {x} {";
        let found: Vec<_> = tags(source).map(|t| (t.kind, t.inner, t.offset)).collect();
        assert_eq!(
            found,
            [
                (TagKind::Print, " first_name ", 5),
                (TagKind::Statement, " if x ", 23),
                (TagKind::Comment, " note ", 33),
                (TagKind::Statement, " endif ", 43),
            ]
        );
    }

    #[test]
    fn quoted_delimiters_do_not_close_a_tag() {
        let tag = tags(r#"{{ gender(m="}}", f="%}") }} tail"#).next().unwrap();
        assert_eq!(tag.inner, r#" gender(m="}}", f="%}") "#);
    }

    #[test]
    fn locates_words_by_line_and_character_column() {
        let source = "Grüße,\n  {{ frist_name }} und {{ x | upper }}";
        assert_eq!(locate_word(source, "frist_name"), Some((2, 6)));
        assert_eq!(locate_word(source, "upper"), Some((2, 31)));
        assert_eq!(locate_word(source, "Grüße"), None);
        assert_eq!(
            locate_word(r#"{{ gender(m="name") }} {{ name }}"#, "name"),
            Some((1, 27))
        );
        assert_eq!(locate_keyword("a\n {%- for i in x %}", "for"), Some((2, 2)));
    }

    #[test]
    fn the_depth_bound_counts_every_bracket_and_statement() {
        assert_eq!(parser_depth_bound("plain (prose)"), 1);
        assert_eq!(
            parser_depth_bound("{% if a %}{% if b %}{% endif %}{% endif %}"),
            4
        );
        assert_eq!(parser_depth_bound("{{ f(a=[(1)]) }}"), 3);
        // Quotes and raw blocks hide nothing from it.
        assert_eq!(
            parser_depth_bound("{% raw %}{{ \"{% endraw %}{%if a%}{%if a%}"),
            4
        );
    }

    #[test]
    fn many_braces_that_open_no_tag_are_skipped_without_recursion() {
        let source = "{}".repeat(200_000) + "{{ x }}";
        assert_eq!(tags(&source).count(), 1);
    }

    #[test]
    fn tidies_editor_markup_inside_tags_only() {
        assert_eq!(
            tidy("<p>{{&nbsp;<b>first_name</b>\u{a0}}} &amp; {{ gender(m=&quot;Herr&quot;) }}</p>"),
            "<p>{{ first_name }} &amp; {{ gender(m=\"Herr\") }}</p>"
        );
        assert!(matches!(tidy("<p>{{ first_name }}</p>"), Cow::Borrowed(_)));
    }
}
