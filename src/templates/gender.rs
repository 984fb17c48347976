//! Gender forms: `{{ gender(m="Lieber", f="Liebe", n="Hallo") }}`.
//!
//! The masculine form comes first, then the feminine, then an optional neutral
//! form. A MALE candidate gets `m`, a FEMALE one `f`. For DIVERSE and UNKNOWN
//! (the usual case at application time) the neutral form is used; a template
//! without one gets both forms joined by a slash: `Lieber/Liebe`, or with
//! spaces around the slash when a form has several words (`Sehr geehrter Herr
//! / Sehr geehrte Frau`), so the phrase stays readable.

use std::borrow::Cow;
use std::collections::HashMap;

use entity::enums::Gender;
use tera::Value;

/// The function's name in templates.
pub const FUNCTION: &str = "gender";
/// The argument compilation adds to every call: the candidate's gender, read
/// from the context, since Tera functions do not see the context themselves.
pub const GENDER_ARG: &str = "of";
/// The context variable holding the candidate's gender.
pub const GENDER_VARIABLE: &str = "__candidate_gender";
/// The arguments a template may pass.
pub const ARGS: [&str; 3] = ["m", "f", "n"];

/// The form of a gender form for `gender`.
pub fn pick<'a>(gender: Gender, m: &'a str, f: &'a str, n: Option<&'a str>) -> Cow<'a, str> {
    match (gender, n) {
        (Gender::Male, _) => Cow::Borrowed(m),
        (Gender::Female, _) => Cow::Borrowed(f),
        (Gender::Diverse | Gender::Unknown, Some(n)) => Cow::Borrowed(n),
        (Gender::Diverse | Gender::Unknown, None) => {
            let spaced = m.contains(' ') || f.contains(' ');
            Cow::Owned(format!("{m}{}{f}", if spaced { " / " } else { "/" }))
        }
    }
}

/// The context value for `gender`.
pub fn context_value(gender: Gender) -> &'static str {
    match gender {
        Gender::Male => "MALE",
        Gender::Female => "FEMALE",
        Gender::Diverse => "DIVERSE",
        Gender::Unknown => "UNKNOWN",
    }
}

/// Why a gender form's written arguments are refused, if they are.
pub fn check_form(text: &str) -> Result<(), String> {
    if text.trim().is_empty() {
        return Err("a gender form must not be empty".into());
    }
    if text.contains(['<', '>', '{', '}']) || text.chars().any(char::is_control) {
        return Err("a gender form is plain text: no markup, braces or line breaks".into());
    }
    Ok(())
}

/// The Tera function behind `gender(…)`.
#[derive(Debug)]
pub struct GenderFunction;

impl tera::Function for GenderFunction {
    fn call(&self, args: &HashMap<String, Value>) -> tera::Result<Value> {
        let text = |name: &str| args.get(name).and_then(Value::as_str);
        let gender = match text(GENDER_ARG) {
            Some("MALE") => Gender::Male,
            Some("FEMALE") => Gender::Female,
            Some("DIVERSE") => Gender::Diverse,
            _ => Gender::Unknown,
        };
        let (Some(m), Some(f)) = (text("m"), text("f")) else {
            return Err(tera::Error::msg("gender() needs m and f"));
        };
        Ok(Value::String(pick(gender, m, f, text("n")).into_owned()))
    }

    fn is_safe(&self) -> bool {
        false
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_gender_gets_its_form() {
        let with_neutral = |g| pick(g, "Lieber", "Liebe", Some("Hallo")).into_owned();
        assert_eq!(with_neutral(Gender::Male), "Lieber");
        assert_eq!(with_neutral(Gender::Female), "Liebe");
        assert_eq!(with_neutral(Gender::Diverse), "Hallo");
        assert_eq!(with_neutral(Gender::Unknown), "Hallo");
    }

    #[test]
    fn without_a_neutral_form_both_forms_are_joined() {
        let without = |g| pick(g, "Lieber", "Liebe", None).into_owned();
        assert_eq!(without(Gender::Male), "Lieber");
        assert_eq!(without(Gender::Female), "Liebe");
        assert_eq!(without(Gender::Diverse), "Lieber/Liebe");
        assert_eq!(without(Gender::Unknown), "Lieber/Liebe");
        assert_eq!(
            pick(
                Gender::Unknown,
                "Sehr geehrter Herr",
                "Sehr geehrte Frau",
                None
            ),
            "Sehr geehrter Herr / Sehr geehrte Frau"
        );
    }

    #[test]
    fn forms_are_plain_single_line_text() {
        assert!(check_form("Bewerber:in").is_ok());
        for bad in ["", "  ", "<b>x</b>", "{{ x }}", "a\nb"] {
            assert!(check_form(bad).is_err(), "{bad:?}");
        }
    }
}
