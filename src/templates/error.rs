//! Why a template was refused or could not be rendered.

use std::fmt;

/// The part of a template an error is in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Part {
    Subject,
    Body,
}

impl Part {
    /// The input field holding this part.
    pub fn field(self) -> &'static str {
        match self {
            Self::Subject => "subject",
            Self::Body => "body",
        }
    }
}

/// A template that cannot be saved, with where the problem is.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TemplateError {
    pub part: Part,
    /// 1-based line and column (in characters), when the problem has a place.
    pub position: Option<(usize, usize)>,
    pub problem: Problem,
}

/// What is wrong.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Problem {
    /// The text is not valid template syntax; Tera's expectation.
    Syntax(String),
    /// A name that is not a placeholder.
    UnknownPlaceholder {
        name: String,
        allowed: Vec<&'static str>,
    },
    /// An interview placeholder in a template not marked interview-related.
    InterviewPlaceholder {
        name: String,
        allowed: Vec<&'static str>,
    },
    /// A construct templates may not use (loops, includes, other functions …).
    Unsupported(String),
    /// A malformed gender form.
    GenderForm(String),
    /// Over a size, depth or count limit.
    Limit(String),
}

impl TemplateError {
    pub fn new(part: Part, position: Option<(usize, usize)>, problem: Problem) -> Self {
        Self {
            part,
            position,
            problem,
        }
    }

    /// The placeholder the error is about, if any.
    pub fn placeholder(&self) -> Option<&str> {
        match &self.problem {
            Problem::UnknownPlaceholder { name, .. }
            | Problem::InterviewPlaceholder { name, .. } => Some(name),
            _ => None,
        }
    }

    /// The placeholders that would have been valid, for errors about one.
    pub fn allowed(&self) -> &[&'static str] {
        match &self.problem {
            Problem::UnknownPlaceholder { allowed, .. }
            | Problem::InterviewPlaceholder { allowed, .. } => allowed,
            _ => &[],
        }
    }
}

impl fmt::Display for TemplateError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.part.field())?;
        if let Some((line, column)) = self.position {
            write!(f, ", line {line}, column {column}")?;
        }
        f.write_str(": ")?;
        match &self.problem {
            Problem::Syntax(expected) => write!(f, "the template does not parse: {expected}"),
            Problem::UnknownPlaceholder { name, allowed } => write!(
                f,
                "unknown placeholder `{name}`; valid placeholders are {}",
                allowed.join(", ")
            ),
            Problem::InterviewPlaceholder { name, allowed } => write!(
                f,
                "`{name}` can only be used in a template marked as interview-related; \
                 valid placeholders here are {}",
                allowed.join(", ")
            ),
            Problem::Unsupported(what) | Problem::GenderForm(what) | Problem::Limit(what) => {
                f.write_str(what)
            }
        }
    }
}

impl std::error::Error for TemplateError {}

/// A compiled template that could not be rendered for one message.
#[derive(Debug, thiserror::Error)]
pub enum RenderError {
    #[error("the rendered message would be larger than {0} bytes")]
    TooLarge(usize),
    #[error("the template could not be rendered: {0}")]
    Engine(String),
}
