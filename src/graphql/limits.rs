//! A bound on a query's size once its fragments are expanded, checked before
//! async-graphql validates the query.
//!
//! async-graphql's validators walk a fragment again at every spread, so a small
//! document of nested spreads (`...F1 ...F1 ...F1` in each of thirty fragments)
//! would cost 3^30 visits and hold a worker. Counting with one result per
//! fragment costs one visit per selection written.

use std::collections::HashMap;

use async_graphql::Request;
use async_graphql::parser::types::{
    DocumentOperations, ExecutableDocument, Selection, SelectionSet,
};

use crate::error::ApiError;

/// Most selections a query may make once fragments are expanded; far above any
/// screen's needs (a page of 100 candidates with a dozen nested fields each is
/// about 2,000), far below what would keep a worker busy.
pub const MAX_EXPANDED_SELECTIONS: usize = 20_000;

/// Refuses a request whose expanded selections exceed the bound. A document
/// that does not parse passes here: execution reports the syntax error.
pub fn check(request: &mut Request) -> Result<(), ApiError> {
    let Ok(document) = request.parsed_query() else {
        return Ok(());
    };
    let mut counter = Counter {
        document,
        sizes: HashMap::new(),
        expanding: Vec::new(),
    };
    let total = match &document.operations {
        DocumentOperations::Single(op) => counter.size(&op.node.selection_set.node),
        DocumentOperations::Multiple(ops) => ops
            .values()
            .map(|op| counter.size(&op.node.selection_set.node))
            .fold(0, usize::saturating_add),
    };
    if total > MAX_EXPANDED_SELECTIONS {
        return Err(ApiError::validation(
            "query",
            format!(
                "the query makes more than {MAX_EXPANDED_SELECTIONS} selections once its fragments are expanded"
            ),
        ));
    }
    Ok(())
}

struct Counter<'a> {
    document: &'a ExecutableDocument,
    /// Expanded size of each fragment already counted.
    sizes: HashMap<&'a str, usize>,
    /// Fragments being counted, to stop at cycles (validation reports them).
    expanding: Vec<&'a str>,
}

impl<'a> Counter<'a> {
    fn size(&mut self, set: &'a SelectionSet) -> usize {
        let mut total: usize = 0;
        for item in &set.items {
            let size = match &item.node {
                Selection::Field(field) => {
                    1usize.saturating_add(self.size(&field.node.selection_set.node))
                }
                Selection::InlineFragment(inline) => self.size(&inline.node.selection_set.node),
                Selection::FragmentSpread(spread) => {
                    self.fragment(spread.node.fragment_name.node.as_str())
                }
            };
            total = total.saturating_add(size);
        }
        total
    }

    fn fragment(&mut self, name: &'a str) -> usize {
        if let Some(size) = self.sizes.get(name) {
            return *size;
        }
        if self.expanding.contains(&name) {
            return 0;
        }
        let Some((key, definition)) = self.document.fragments.get_key_value(name) else {
            return 0;
        };
        self.expanding.push(key.as_str());
        let size = self.size(&definition.node.selection_set.node);
        self.expanding.pop();
        self.sizes.insert(key.as_str(), size);
        size
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fan_out(levels: usize, width: usize) -> String {
        let spreads = |i: usize| vec![format!("...F{}", i + 1); width].join(" ");
        let mut text = String::from("{ ...F0 }\n");
        for i in 0..levels {
            text.push_str(&format!("fragment F{i} on Query {{ {} }}\n", spreads(i)));
        }
        text.push_str(&format!("fragment F{levels} on Query {{ __typename }}\n"));
        text
    }

    #[test]
    fn fragment_fan_out_is_counted_without_expanding_it() {
        let mut bomb = Request::new(fan_out(30, 3));
        let err = check(&mut bomb).unwrap_err();
        assert_eq!(err.code(), "VALIDATION");
        let mut small = Request::new(fan_out(3, 3));
        assert!(check(&mut small).is_ok());
    }

    #[test]
    fn cycles_and_syntax_errors_are_left_to_validation() {
        let mut cycle =
            Request::new("{ ...A } fragment A on Query { ...B } fragment B on Query { ...A }");
        assert!(check(&mut cycle).is_ok());
        let mut broken = Request::new("{ viewer {");
        assert!(check(&mut broken).is_ok());
    }
}
