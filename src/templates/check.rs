//! What a template may contain, checked on Tera's parsed tree.
//!
//! Templates are user data rendered for many candidates, so they are held to a
//! small subset of Tera whose rendering time and output size are bounded by the
//! template's own size:
//!
//! - `{{ placeholder }}`, optionally through the filters `upper`, `lower`,
//!   `capitalize`, `title` and `trim`;
//! - `{{ gender(m="…", f="…", n="…") }}`, see [`super::gender`];
//! - `{% if … %}`, `{% elif … %}`, `{% else %}`, `{% endif %}`, whose conditions
//!   combine placeholders and quoted text with `and`, `or`, `not`, `==`, `!=`;
//! - `{# comments #}` and `{% raw %}…{% endraw %}`.
//!
//! Everything else is refused when the template is saved: loops (a `range` of a
//! billion), `set`, `include`/`extends`/`import` (no file access), macros, and
//! every other function and filter (`get_env`, `now`, `replace` …).

use std::collections::BTreeSet;

use tera::ast::{Expr, ExprVal, FunctionCall, LogicOperator, Node};

use super::error::{Part, Problem, TemplateError};
use super::gender;
use super::placeholders::{self, Placeholder};
use super::tags;

/// Filters a placeholder may go through: none adds text of its own.
pub const FILTERS: [&str; 5] = ["upper", "lower", "capitalize", "title", "trim"];
/// Most `{{ … }}` tags in one part, which bounds the rendered size.
pub const MAX_PRINTS: usize = 500;
/// Deepest nesting of `if` blocks, and of `and`/`or`/`==` in a condition:
/// rendering recurses once per level on the caller's stack.
pub const MAX_NESTING: usize = 10;

/// What a valid part uses.
#[derive(Debug, Default)]
pub struct Usage {
    pub placeholders: BTreeSet<&'static str>,
    pub gender: bool,
}

/// Checks a parsed part and prepares its gender forms for rendering.
///
/// `source` is the text the tree was parsed from, for error positions.
pub fn check(
    nodes: &mut [Node],
    source: &str,
    part: Part,
    interview_related: bool,
) -> Result<Usage, TemplateError> {
    let mut walk = Walk {
        source,
        part,
        interview_related,
        usage: Usage::default(),
        prints: 0,
    };
    walk.nodes(nodes, 0)?;
    Ok(walk.usage)
}

struct Walk<'s> {
    source: &'s str,
    part: Part,
    interview_related: bool,
    usage: Usage,
    prints: usize,
}

fn too_deep() -> Problem {
    Problem::Limit(format!(
        "conditions nest more than {MAX_NESTING} levels deep"
    ))
}

impl Walk<'_> {
    fn nodes(&mut self, nodes: &mut [Node], depth: usize) -> Result<(), TemplateError> {
        for node in nodes {
            match node {
                Node::Text(_) | Node::Comment(..) | Node::Raw(..) => {}
                Node::VariableBlock(_, expr) => self.print(expr)?,
                Node::If(branches, _) => {
                    if depth >= MAX_NESTING {
                        return Err(self.error(tags::locate_keyword(self.source, "if"), too_deep()));
                    }
                    for (_, condition, body) in &mut branches.conditions {
                        self.condition(condition, 0)?;
                        self.nodes(body, depth + 1)?;
                    }
                    if let Some((_, body)) = &mut branches.otherwise {
                        self.nodes(body, depth + 1)?;
                    }
                }
                other => return Err(self.unsupported_statement(other)),
            }
        }
        Ok(())
    }

    fn print(&mut self, expr: &mut Expr) -> Result<(), TemplateError> {
        self.prints += 1;
        if self.prints > MAX_PRINTS {
            return Err(self.error(
                None,
                Problem::Limit(format!("a template may print at most {MAX_PRINTS} values")),
            ));
        }
        self.filters(&expr.filters)?;
        match &mut expr.val {
            ExprVal::Ident(name) if !expr.negated => self.placeholder(name),
            ExprVal::String(_) if !expr.negated => Ok(()),
            ExprVal::FunctionCall(call) if call.name == gender::FUNCTION && !expr.negated => {
                self.gender(call)
            }
            ExprVal::FunctionCall(call) => Err(self.unsupported_call(&call.name)),
            _ => Err(self.error(
                self.print_position(),
                Problem::Unsupported(
                    "`{{ … }}` may hold a placeholder or a gender form, not an expression".into(),
                ),
            )),
        }
    }

    fn condition(&mut self, expr: &mut Expr, depth: usize) -> Result<(), TemplateError> {
        if depth >= MAX_NESTING {
            return Err(self.error(tags::locate_keyword(self.source, "if"), too_deep()));
        }
        self.filters(&expr.filters)?;
        match &mut expr.val {
            ExprVal::Ident(name) => self.placeholder(name),
            ExprVal::String(_) | ExprVal::Bool(_) => Ok(()),
            ExprVal::Logic(logic)
                if matches!(
                    logic.operator,
                    LogicOperator::And
                        | LogicOperator::Or
                        | LogicOperator::Eq
                        | LogicOperator::NotEq
                ) =>
            {
                self.condition(&mut logic.lhs, depth + 1)?;
                self.condition(&mut logic.rhs, depth + 1)
            }
            ExprVal::FunctionCall(call) => Err(self.unsupported_call(&call.name)),
            _ => Err(self.error(
                tags::locate_keyword(self.source, "if"),
                Problem::Unsupported(
                    "conditions may combine placeholders and quoted text with `and`, `or`, \
                     `not`, `==` and `!=`"
                        .into(),
                ),
            )),
        }
    }

    fn placeholder(&mut self, name: &str) -> Result<(), TemplateError> {
        let problem = match placeholders::find(name) {
            None => Problem::UnknownPlaceholder {
                name: name.to_owned(),
                allowed: placeholders::names_allowed(self.interview_related),
            },
            Some(Placeholder {
                interview: true, ..
            }) if !self.interview_related => Problem::InterviewPlaceholder {
                name: name.to_owned(),
                allowed: placeholders::names_allowed(false),
            },
            Some(found) => {
                self.usage.placeholders.insert(found.name);
                return Ok(());
            }
        };
        let position = tags::locate_word(self.source, name.split('.').next().unwrap_or(name));
        Err(self.error(position, problem))
    }

    fn filters(&self, filters: &[FunctionCall]) -> Result<(), TemplateError> {
        for filter in filters {
            if !FILTERS.contains(&filter.name.as_str()) || !filter.args.is_empty() {
                return Err(self.error(
                    tags::locate_word(self.source, &filter.name),
                    Problem::Unsupported(format!(
                        "the filter `{}` is not available; placeholders may use {}",
                        filter.name,
                        FILTERS.join(", ")
                    )),
                ));
            }
        }
        Ok(())
    }

    fn gender(&mut self, call: &mut FunctionCall) -> Result<(), TemplateError> {
        let position = tags::locate_word(self.source, gender::FUNCTION);
        let refuse = |message: String| self.error(position, Problem::GenderForm(message));
        let usage = "write gender forms as gender(m=\"masculine\", f=\"feminine\") \
                     or with a neutral form: gender(m=\"…\", f=\"…\", n=\"…\")";
        for (name, value) in &call.args {
            if !gender::ARGS.contains(&name.as_str()) {
                return Err(refuse(format!("unknown argument `{name}`; {usage}")));
            }
            match &value.val {
                ExprVal::String(text) if value.filters.is_empty() && !value.negated => {
                    gender::check_form(text).map_err(|e| refuse(format!("`{name}`: {e}")))?;
                }
                _ => return Err(refuse(format!("`{name}` must be quoted text; {usage}"))),
            }
        }
        if !(call.args.contains_key("m") && call.args.contains_key("f")) {
            return Err(refuse(format!("both `m` and `f` are required; {usage}")));
        }
        call.args.insert(
            gender::GENDER_ARG.to_owned(),
            Expr::new(ExprVal::Ident(gender::GENDER_VARIABLE.to_owned())),
        );
        self.usage.gender = true;
        Ok(())
    }

    fn unsupported_call(&self, name: &str) -> TemplateError {
        self.error(
            tags::locate_word(self.source, name),
            Problem::Unsupported(format!(
                "the function `{name}` is not available; the only function is `gender`"
            )),
        )
    }

    fn unsupported_statement(&self, node: &Node) -> TemplateError {
        let (keyword, what) = match node {
            Node::Forloop(..) => ("for", "loops"),
            Node::Set(..) => ("set", "`set`"),
            Node::Include(..) => ("include", "`include`"),
            Node::Extends(..) => ("extends", "`extends`"),
            Node::ImportMacro(..) => ("import", "`import`"),
            Node::MacroDefinition(..) => ("macro", "macros"),
            Node::Block(..) => ("block", "blocks"),
            Node::FilterSection(..) => ("filter", "filter sections"),
            Node::Break(..) => ("break", "`break`"),
            Node::Continue(..) => ("continue", "`continue`"),
            _ => ("super", "`super()`"),
        };
        self.error(
            tags::locate_keyword(self.source, keyword),
            Problem::Unsupported(format!(
                "{what} cannot be used in email templates; statements are limited to \
                 if, elif, else and endif"
            )),
        )
    }

    /// Where the `{{ … }}` being checked starts: prints are walked in order.
    fn print_position(&self) -> Option<(usize, usize)> {
        tags::tags(self.source)
            .filter(|t| t.kind == tags::TagKind::Print)
            .nth(self.prints.saturating_sub(1))
            .map(|t| tags::line_column(self.source, t.offset.saturating_sub(2)))
    }

    fn error(&self, position: Option<(usize, usize)>, problem: Problem) -> TemplateError {
        TemplateError::new(self.part, position, problem)
    }
}
