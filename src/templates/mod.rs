//! Email templates: the small language recruiting admins write, checked when a
//! template is saved and rendered once per message.
//!
//! A template has a subject (plain text) and a body (HTML, as a rich-text
//! editor sends it), per language. Placeholders are written `{{ first_name }}`;
//! gender forms `{{ gender(m="Lieber", f="Liebe", n="Hallo") }}`; optional
//! parts `{% if interview_link %}…{% endif %}`. [`check`] lists exactly what is
//! allowed and why the rest is refused.
//!
//! [`Compiled::new`] parses a variant once into three Tera templates (subject,
//! HTML body, and a plain-text body derived from the HTML); [`Compiled::render`]
//! fills them for one candidate, reports placeholders without a value, and
//! appends the sender's [`Signature`].

mod check;
mod compiled;
pub mod dates;
mod error;
mod gender;
mod language;
mod placeholders;
mod plain_text;
mod signature;
mod tags;

pub(crate) use compiled::escape_html;
pub use compiled::{Compiled, MAX_BODY_BYTES, MAX_SUBJECT_CHARS, Rendered};
pub use error::{Part, Problem, RenderError, TemplateError};
pub use language::choose as choose_variant;
pub use placeholders::{InterviewValues, PLACEHOLDERS, Placeholder, Values};
pub use signature::Signature;

#[cfg(test)]
mod tests;
