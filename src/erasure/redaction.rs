//! Taking a candidate's names and address out of text that is not theirs:
//! the summary copy of a bulk send lists everyone it went to, and colleagues
//! keep it for the others.

use crate::templates::escape_html;

/// What stands where a name or an address was.
pub const ERASED: &str = "[erased]";

/// The words that identify a candidate in text: their address, full name
/// and each name, longest first (so the full name goes before its parts),
/// with their HTML-escaped forms.
pub fn identifiers(first_name: &str, last_name: &str, email: &str) -> Vec<String> {
    let full = format!("{first_name} {last_name}");
    let mut words: Vec<String> = [email, full.as_str(), first_name, last_name]
        .into_iter()
        .map(str::trim)
        .filter(|w| !w.is_empty())
        .flat_map(|w| [w.to_owned(), escape_html(w)])
        .collect();
    words.sort_by_key(|w| std::cmp::Reverse(w.chars().count()));
    words.dedup();
    words
}

/// `text` with every whole-word occurrence of `words` (case-insensitive)
/// replaced by [`ERASED`]. Whole words only: erasing "Ann" leaves "Annual".
pub fn redact(text: &str, words: &[String]) -> String {
    let mut out = text.to_owned();
    for word in words {
        out = replace_word(&out, word);
    }
    out
}

fn replace_word(text: &str, word: &str) -> String {
    let lower_text = text.to_lowercase();
    let lower_word = word.to_lowercase();
    // Lower-casing may change byte lengths (e.g. 'İ'); then offsets of the
    // lowered text do not fit the original, and the match is exact-case.
    let (haystack, needle) = if lower_text.len() == text.len() && lower_word.len() == word.len() {
        (lower_text.as_str(), lower_word.as_str())
    } else {
        (text, word)
    };
    let mut out = String::with_capacity(text.len());
    let mut at = 0;
    while let Some(found) = haystack[at..].find(needle) {
        let start = at + found;
        let end = start + needle.len();
        let before = text[..start].chars().next_back();
        let after = text[end..].chars().next();
        let whole =
            !before.is_some_and(char::is_alphanumeric) && !after.is_some_and(char::is_alphanumeric);
        out.push_str(&text[at..start]);
        out.push_str(if whole { ERASED } else { &text[start..end] });
        at = end;
    }
    out.push_str(&text[at..]);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn erases_names_and_addresses_as_whole_words_only() {
        let words = identifiers("Ann", "O'Neil", "ann@example.com");
        let text = "Annual report to Ann O'Neil <ANN@example.com>; ann said hi. Joanna stays.";
        assert_eq!(
            redact(text, &words),
            "Annual report to [erased] <[erased]>; [erased] said hi. Joanna stays."
        );
        let html = "<li>Ann O&#39;Neil &lt;ann@example.com&gt;</li>";
        let escaped = redact(html, &words);
        assert!(!escaped.contains("Neil"), "{escaped}");
        assert!(!escaped.contains("ann@"), "{escaped}");
    }

    #[test]
    fn empty_names_erase_nothing() {
        assert_eq!(redact("some text", &identifiers(" ", "", "")), "some text");
    }
}
