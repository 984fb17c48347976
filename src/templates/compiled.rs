//! A template parsed and checked once, rendered for many messages.

use std::collections::BTreeSet;

use tera::{Context, Tera};

use super::check::{self, Usage};
use super::error::{Part, Problem, RenderError, TemplateError};
use super::gender;
use super::placeholders::{self, Values};
use super::plain_text;
use super::signature::Signature;
use super::tags;

/// Longest subject a template may have, in characters.
pub const MAX_SUBJECT_CHARS: usize = 500;
/// Largest body a template may have, in bytes.
pub const MAX_BODY_BYTES: usize = 256 * 1024;
/// Most brackets and statement tags in one part: a bound of how deeply Tera's
/// parser may recurse (see [`tags::parser_depth_bound`]).
pub const MAX_PARSER_DEPTH: usize = 1000;
/// Stack of the thread that parses: enough for [`MAX_PARSER_DEPTH`] levels with
/// room to spare, in debug builds too.
const PARSER_STACK_BYTES: usize = 64 * 1024 * 1024;
/// Largest HTML or text part a render may produce, in bytes. With no loops in
/// templates, only very long values can come near it.
pub const MAX_OUTPUT_BYTES: usize = 4 * 1024 * 1024;

const SUBJECT: &str = "subject";
// Tera escapes the output of templates whose name ends in `.html`.
const HTML: &str = "body.html";
const TEXT: &str = "body.txt";

/// One language variant of a template (or a free-form message), ready to render.
#[derive(Debug)]
pub struct Compiled {
    tera: Tera,
    placeholders: Vec<&'static placeholders::Placeholder>,
    gender: bool,
}

/// One message's subject and bodies.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Rendered {
    /// One line: line breaks from values are folded into spaces.
    pub subject: String,
    pub html: String,
    pub text: String,
    /// Placeholders the template uses that had no value, in catalogue order.
    pub missing: Vec<&'static str>,
}

impl Compiled {
    /// Parses and checks `subject` (plain text) and `body` (HTML).
    ///
    /// Interview placeholders are refused unless `interview_related`. Parsing
    /// runs on a thread of its own with a large stack, since Tera's parser
    /// recurses once per nesting level; the caller waits for it (about a
    /// millisecond for a usual template).
    pub fn new(subject: &str, body: &str, interview_related: bool) -> Result<Self, TemplateError> {
        let (subject, body) = (subject.to_owned(), body.to_owned());
        let parse = move || compile(&subject, &body, interview_related);
        let failed = || {
            TemplateError::new(
                Part::Body,
                None,
                Problem::Limit("the template could not be compiled".into()),
            )
        };
        std::thread::Builder::new()
            .name("template-parse".into())
            .stack_size(PARSER_STACK_BYTES)
            .spawn(parse)
            .map_err(|_| failed())?
            .join()
            .map_err(|_| failed())?
    }

    /// The placeholders the template uses, in catalogue order.
    pub fn placeholders(&self) -> impl Iterator<Item = &'static str> + '_ {
        self.placeholders.iter().map(|p| p.name)
    }

    /// The message for one candidate, signed by `signature` when given.
    pub fn render(
        &self,
        values: &Values,
        signature: Option<&Signature>,
    ) -> Result<Rendered, RenderError> {
        let mut context = Context::new();
        let mut missing = Vec::new();
        for placeholder in &self.placeholders {
            let value = placeholder.value(values).unwrap_or_else(|| {
                missing.push(placeholder.name);
                ""
            });
            context.insert(placeholder.name, value);
        }
        if self.gender {
            context.insert(
                gender::GENDER_VARIABLE,
                gender::context_value(values.gender),
            );
        }
        let engine = |e: tera::Error| RenderError::Engine(describe(&e));
        let subject = one_line(&self.tera.render(SUBJECT, &context).map_err(engine)?);
        let mut html = self.tera.render(HTML, &context).map_err(engine)?;
        let mut text = plain_text::tidy(&self.tera.render(TEXT, &context).map_err(engine)?);
        if let Some(signature) = signature {
            signature.append(&mut html, &mut text);
        }
        if html.len() > MAX_OUTPUT_BYTES || text.len() > MAX_OUTPUT_BYTES {
            return Err(RenderError::TooLarge(MAX_OUTPUT_BYTES));
        }
        Ok(Rendered {
            subject,
            html,
            text,
            missing,
        })
    }
}

fn compile(subject: &str, body: &str, interview_related: bool) -> Result<Compiled, TemplateError> {
    check_subject_text(subject)?;
    if body.len() > MAX_BODY_BYTES {
        return Err(TemplateError::new(
            Part::Body,
            None,
            Problem::Limit(format!(
                "the body is larger than {} KiB",
                MAX_BODY_BYTES / 1024
            )),
        ));
    }
    let tidied = tags::tidy(body);
    let mut tera = Tera::default();
    let subject_use = add(
        &mut tera,
        SUBJECT,
        subject,
        subject,
        Part::Subject,
        interview_related,
    )?;
    let html_use = add(
        &mut tera,
        HTML,
        &tidied,
        body,
        Part::Body,
        interview_related,
    )?;
    let text = plain_text::from_html(&tidied)
        .map_err(|e| TemplateError::new(Part::Body, None, Problem::Limit(e)))?;
    // The text is the HTML laid out, so it must use exactly what the HTML
    // does. It differs when a tag was written with character references
    // (`&#123;&#123;`) or cut by markup, which the HTML shows as text.
    let differs = || {
        TemplateError::new(
            Part::Body,
            None,
            Problem::Syntax(
                "a tag is written with HTML character references or split by markup; \
                 write each {{ … }} and {% … %} as plain text"
                    .into(),
            ),
        )
    };
    let text_use = match add(&mut tera, TEXT, &text, &text, Part::Body, interview_related) {
        Ok(usage) => usage,
        Err(e) if matches!(e.problem, Problem::Syntax(_)) => return Err(differs()),
        Err(e) => return Err(e),
    };
    if text_use.placeholders != html_use.placeholders || text_use.gender != html_use.gender {
        return Err(differs());
    }
    tera.build_inheritance_chains()
        .map_err(|e| TemplateError::new(Part::Body, None, Problem::Syntax(describe(&e))))?;
    tera.register_function(gender::FUNCTION, gender::GenderFunction);
    tera.set_escape_fn(escape_html);

    let used: BTreeSet<&str> = subject_use
        .placeholders
        .union(&html_use.placeholders)
        .copied()
        .collect();
    Ok(Compiled {
        tera,
        placeholders: placeholders::PLACEHOLDERS
            .iter()
            .filter(|p| used.contains(p.name))
            .collect(),
        gender: subject_use.gender || html_use.gender,
    })
}

fn check_subject_text(subject: &str) -> Result<(), TemplateError> {
    let refuse = |problem| Err(TemplateError::new(Part::Subject, None, problem));
    if subject.trim().is_empty() {
        return refuse(Problem::Limit("the subject must not be empty".into()));
    }
    if subject.chars().count() > MAX_SUBJECT_CHARS {
        return refuse(Problem::Limit(format!(
            "the subject is longer than {MAX_SUBJECT_CHARS} characters"
        )));
    }
    if subject.chars().any(char::is_control) {
        // A line break in a subject would end the header (RFC 5322 §2.2).
        return refuse(Problem::Limit(
            "the subject must be one line without control characters".into(),
        ));
    }
    Ok(())
}

/// Parses `source` into `tera` as `name` and checks it; positions of errors
/// are looked up in `as_written`, the text the author sees.
fn add(
    tera: &mut Tera,
    name: &str,
    source: &str,
    as_written: &str,
    part: Part,
    interview_related: bool,
) -> Result<Usage, TemplateError> {
    if tags::parser_depth_bound(source) > MAX_PARSER_DEPTH {
        return Err(TemplateError::new(
            part,
            None,
            Problem::Limit(format!(
                "the template has more than {MAX_PARSER_DEPTH} brackets and statements"
            )),
        ));
    }
    // Parsed on its own rather than through `Tera::add_raw_template`, which
    // would first try to resolve `extends` and `import` against other templates.
    let mut template =
        tera::Template::new(name, None, source).map_err(|e| syntax_error(&e, part))?;
    let usage = check::check(&mut template.ast, as_written, part, interview_related)?;
    tera.templates.insert(name.to_owned(), template);
    Ok(usage)
}

/// Tera's parse error as position and expectation: its source reads
/// ` --> 3:14`, then the line, then `= expected …`.
fn syntax_error(error: &tera::Error, part: Part) -> TemplateError {
    let detail = describe(error);
    let position = detail.split_once("--> ").and_then(|(_, rest)| {
        let (line, rest) = rest.split_once(':')?;
        let column: String = rest.chars().take_while(char::is_ascii_digit).collect();
        Some((line.trim().parse().ok()?, column.parse().ok()?))
    });
    let expected = detail
        .lines()
        .find_map(|l| l.trim_start().strip_prefix("= "))
        .unwrap_or("unexpected text")
        .to_owned();
    TemplateError::new(part, position, Problem::Syntax(expected))
}

/// An error with its sources, which hold Tera's details.
fn describe(error: &tera::Error) -> String {
    let mut text = error.to_string();
    let mut source = std::error::Error::source(error);
    while let Some(cause) = source {
        text.push('\n');
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}

/// Escapes a value for HTML text and quoted attributes. Tera's own escaping
/// also turns `/` into `&#x2F;`, which needlessly garbles dates and URLs in the
/// source of every message.
pub(crate) fn escape_html(value: &str) -> String {
    let mut out = String::with_capacity(value.len() + value.len() / 8);
    for c in value.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// Folds whitespace runs, line breaks included, into single spaces, so that no
/// value can add a header to the message.
fn one_line(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for word in text.split(|c: char| c.is_whitespace() || c.is_control()) {
        if word.is_empty() {
            continue;
        }
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(word);
    }
    out
}
