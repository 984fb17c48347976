//! Picking the language variant of a template for one candidate.

/// The variant for a candidate: their preferred language, else the company's
/// default language, else the first variant. A language matches exactly, or by
/// its primary subtag (`de-AT` finds `de`, and `de` finds `de-CH`).
pub fn choose<'v, V>(
    variants: &'v [V],
    language: impl Fn(&V) -> &str,
    preferred: Option<&str>,
    company_default: &str,
) -> Option<&'v V> {
    let exact = |tag: &str| {
        variants
            .iter()
            .find(|v| language(v).eq_ignore_ascii_case(tag))
    };
    let primary = |tag: &str| {
        let wanted = primary_subtag(tag);
        variants
            .iter()
            .find(|v| primary_subtag(language(v)).eq_ignore_ascii_case(wanted))
    };
    preferred
        .into_iter()
        .chain([company_default])
        .find_map(|tag| exact(tag).or_else(|| primary(tag)))
        .or_else(|| variants.first())
}

fn primary_subtag(tag: &str) -> &str {
    tag.split('-').next().unwrap_or(tag)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pick<'a>(
        variants: &'a [&'a str],
        preferred: Option<&str>,
        default: &str,
    ) -> Option<&'a str> {
        choose(variants, |v| v, preferred, default).copied()
    }

    #[test]
    fn prefers_the_candidates_language_then_the_companys_then_the_first() {
        let variants = ["en", "de", "fr-CA"];
        assert_eq!(pick(&variants, Some("de"), "en"), Some("de"));
        assert_eq!(pick(&variants, Some("de-AT"), "en"), Some("de"));
        assert_eq!(pick(&variants, Some("fr"), "en"), Some("fr-CA"));
        assert_eq!(pick(&variants, Some("it"), "de"), Some("de"));
        assert_eq!(pick(&variants, None, "de"), Some("de"));
        assert_eq!(pick(&variants, Some("it"), "es"), Some("en"));
        assert_eq!(pick(&[], Some("it"), "es"), None);
    }

    #[test]
    fn an_exact_match_beats_a_primary_match() {
        let variants = ["de", "de-AT"];
        assert_eq!(pick(&variants, Some("de-AT"), "en"), Some("de-AT"));
        assert_eq!(pick(&variants, Some("DE-at"), "en"), Some("de-AT"));
    }
}
