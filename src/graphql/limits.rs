//! Bounds on what a query may ask for, checked before async-graphql validates
//! it: its size once fragments are expanded, the depth of its data fields, and
//! the shape of its introspection.
//!
//! async-graphql's validators walk a fragment again at every spread, so a small
//! document of nested spreads (`...F1 ...F1 ...F1` in each of thirty fragments)
//! would cost 3^30 visits and hold a worker. Measuring with one result per
//! fragment costs one visit per selection written.
//!
//! Depth is a cost of data: each level of fields is, at worst, one more
//! database query per parent row. Introspection (`__schema`, `__type`) reads
//! the schema in memory, and the standard introspection queries of
//! graphql-js, graphql-core and GraphiQL nest fifteen levels deep only because
//! a type reference is spelt out as nine `ofType` levels. So the data depth
//! limit skips introspection fields, and introspection gets bounds of its own
//! that fit every tool's query and refuse what costs: many copies of the whole
//! schema (aliases of `__schema`), and lists of lists of lists
//! (`types { fields { type { fields { args … } } } }`) that multiply the
//! schema by itself. Complexity stays async-graphql's: an introspection
//! selection counts 1 there, so a standard introspection query costs about
//! 250 of the 10,000.

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

/// Deepest nesting of data fields (introspection aside); the deepest useful
/// query of this API nests 8 levels.
pub const MAX_DEPTH: usize = 12;

/// Most `__schema` and `__type` fields one document may hold (aliases and
/// fragment spreads counted each time). Every tool sends one; a few more leave
/// room for a client that asks for several types by name.
pub const MAX_INTROSPECTION_ROOTS: usize = 5;

/// Deepest nesting inside one introspection field, counting it as 1. The
/// standard queries reach 15 (`__schema types fields args type` and nine
/// `ofType` levels with their `name`); no type of this schema needs more than
/// five `ofType` levels (`[[T!]!]!`).
pub const MAX_INTROSPECTION_DEPTH: usize = 20;

/// Most introspection lists nested in one another. The standard queries nest
/// three (`types { fields { args } }`); a fourth multiplies the answer by the
/// schema's size once more.
pub const MAX_INTROSPECTION_LISTS: usize = 3;

/// Introspection fields that return lists (the `__Schema`, `__Type`,
/// `__Field` and `__Directive` fields of the GraphQL specification, §4.2).
const INTROSPECTION_LISTS: [&str; 9] = [
    "types",
    "directives",
    "fields",
    "args",
    "inputFields",
    "interfaces",
    "possibleTypes",
    "enumValues",
    "locations",
];

/// Refuses a request over any of the bounds above with a `VALIDATION` error
/// naming the bound. A document that does not parse passes here: execution
/// reports the syntax error.
pub fn check(request: &mut Request) -> Result<(), ApiError> {
    let Ok(document) = request.parsed_query() else {
        return Ok(());
    };
    let mut measurer = Measurer {
        document,
        known: HashMap::new(),
        expanding: Vec::new(),
    };
    let mut total = Measure::default();
    let operations: Vec<&SelectionSet> = match &document.operations {
        DocumentOperations::Single(op) => vec![&op.node.selection_set.node],
        DocumentOperations::Multiple(ops) => {
            ops.values().map(|op| &op.node.selection_set.node).collect()
        }
    };
    for set in operations {
        total = total.beside(measurer.set(set, false));
    }
    let refuse = |message: String| Err(ApiError::validation("query", message));
    if total.selections > MAX_EXPANDED_SELECTIONS {
        return refuse(format!(
            "the query makes more than {MAX_EXPANDED_SELECTIONS} selections once its fragments are expanded"
        ));
    }
    if total.depth > MAX_DEPTH {
        return refuse(format!(
            "the query is nested too deep: {} levels of fields, at most {MAX_DEPTH} (introspection aside)",
            total.depth
        ));
    }
    if total.introspection_roots > MAX_INTROSPECTION_ROOTS {
        return refuse(format!(
            "the query asks for introspection (__schema, __type) {} times, at most {MAX_INTROSPECTION_ROOTS}",
            total.introspection_roots
        ));
    }
    if total.introspection_depth > MAX_INTROSPECTION_DEPTH {
        return refuse(format!(
            "the introspection is nested too deep: {} levels, at most {MAX_INTROSPECTION_DEPTH}",
            total.introspection_depth
        ));
    }
    if total.introspection_lists > MAX_INTROSPECTION_LISTS {
        return refuse(format!(
            "the introspection nests {} lists in one another, at most {MAX_INTROSPECTION_LISTS}",
            total.introspection_lists
        ));
    }
    Ok(())
}

/// What a selection set costs, with its fragments expanded.
#[derive(Clone, Copy, Debug, Default)]
struct Measure {
    /// Selections, counted once per time they would be executed.
    selections: usize,
    /// Deepest nesting of data fields.
    depth: usize,
    /// `__schema` and `__type` fields.
    introspection_roots: usize,
    /// Deepest nesting inside an introspection field.
    introspection_depth: usize,
    /// Most introspection lists on one path.
    introspection_lists: usize,
}

impl Measure {
    /// Two selections side by side: sizes add, depths take the deeper.
    fn beside(self, other: Self) -> Self {
        Self {
            selections: self.selections.saturating_add(other.selections),
            depth: self.depth.max(other.depth),
            introspection_roots: self
                .introspection_roots
                .saturating_add(other.introspection_roots),
            introspection_depth: self.introspection_depth.max(other.introspection_depth),
            introspection_lists: self.introspection_lists.max(other.introspection_lists),
        }
    }
}

struct Measurer<'a> {
    document: &'a ExecutableDocument,
    /// Measure of each fragment already measured, in data or in introspection
    /// (the same field name means different things in each).
    known: HashMap<(&'a str, bool), Measure>,
    /// Fragments being measured, to stop at cycles (validation reports them).
    expanding: Vec<&'a str>,
}

impl<'a> Measurer<'a> {
    /// Measures `set`; `introspecting` says whether it lies inside an
    /// introspection field.
    fn set(&mut self, set: &'a SelectionSet, introspecting: bool) -> Measure {
        let mut total = Measure::default();
        for item in &set.items {
            let measure = match &item.node {
                Selection::Field(field) => {
                    let name = field.node.name.node.as_str();
                    let children = &field.node.selection_set.node;
                    if introspecting {
                        let inner = self.set(children, true);
                        let list = usize::from(INTROSPECTION_LISTS.contains(&name));
                        Measure {
                            selections: inner.selections.saturating_add(1),
                            introspection_depth: inner.introspection_depth.saturating_add(1),
                            introspection_lists: inner.introspection_lists.saturating_add(list),
                            ..inner
                        }
                    } else if name == "__schema" || name == "__type" {
                        let inner = self.set(children, true);
                        Measure {
                            selections: inner.selections.saturating_add(1),
                            depth: 0,
                            introspection_roots: inner.introspection_roots.saturating_add(1),
                            introspection_depth: inner.introspection_depth.saturating_add(1),
                            introspection_lists: inner.introspection_lists,
                        }
                    } else {
                        let inner = self.set(children, false);
                        Measure {
                            selections: inner.selections.saturating_add(1),
                            depth: inner.depth.saturating_add(1),
                            ..inner
                        }
                    }
                }
                Selection::InlineFragment(inline) => {
                    self.set(&inline.node.selection_set.node, introspecting)
                }
                Selection::FragmentSpread(spread) => {
                    self.fragment(spread.node.fragment_name.node.as_str(), introspecting)
                }
            };
            total = total.beside(measure);
        }
        total
    }

    fn fragment(&mut self, name: &'a str, introspecting: bool) -> Measure {
        if let Some(measure) = self.known.get(&(name, introspecting)) {
            return *measure;
        }
        if self.expanding.contains(&name) {
            return Measure::default();
        }
        let Some((key, definition)) = self.document.fragments.get_key_value(name) else {
            return Measure::default();
        };
        self.expanding.push(key.as_str());
        let measure = self.set(&definition.node.selection_set.node, introspecting);
        self.expanding.pop();
        self.known.insert((key.as_str(), introspecting), measure);
        measure
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

    fn refusal(text: &str) -> Option<String> {
        check(&mut Request::new(text)).err().map(|e| e.to_string())
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

    fn nested(field: &str, levels: usize, leaf: &str) -> String {
        format!(
            "{}{leaf}{}",
            format!("{field} {{ ").repeat(levels),
            " }".repeat(levels)
        )
    }

    #[test]
    fn data_depth_counts_fields_through_fragments() {
        assert!(refusal(&format!("{{ {} }}", nested("a", 11, "b"))).is_none());
        let deep = refusal(&format!("{{ {} }}", nested("a", 12, "b"))).unwrap();
        assert!(deep.contains("nested too deep: 13 levels"), "{deep}");
        let through_fragment = format!(
            "{{ {} }} fragment F on T {{ {} }}",
            nested("a", 6, "...F"),
            nested("b", 6, "c")
        );
        assert!(refusal(&through_fragment).unwrap().contains("13 levels"));
    }

    #[test]
    fn introspection_depth_is_not_data_depth() {
        let type_ref = nested("ofType", 12, "name");
        assert!(refusal(&format!("{{ __type(name: \"Query\") {{ {type_ref} }} }}")).is_none());
        let too_deep = nested("ofType", 19, "name");
        let refused = refusal(&format!("{{ __type(name: \"Query\") {{ {too_deep} }} }}")).unwrap();
        assert!(
            refused.contains("introspection is nested too deep"),
            "{refused}"
        );
    }

    #[test]
    fn repeated_introspection_is_refused() {
        let aliases: String = (0..6)
            .map(|i| format!("s{i}: __schema {{ types {{ name }} }} "))
            .collect();
        let refused = refusal(&format!("{{ {aliases} }}")).unwrap();
        let five: String = (0..5)
            .map(|i| format!("s{i}: __schema {{ types {{ name }} }} "))
            .collect();
        assert!(refusal(&format!("{{ {five} }}")).is_none());
        assert!(refused.contains("6 times"), "{refused}");
        let through_spreads =
            "{ ...S ...S ...S ...S ...S ...S } fragment S on Query { __schema { types { name } } }";
        assert!(refusal(through_spreads).unwrap().contains("6 times"));
    }

    #[test]
    fn lists_of_lists_of_introspection_are_refused() {
        assert!(refusal("{ __schema { types { fields { args { name } } } } }").is_none());
        let refused =
            refusal("{ __schema { types { fields { type { fields { args { name } } } } } } }")
                .unwrap();
        assert!(refused.contains("4 lists"), "{refused}");
    }

    #[test]
    fn a_data_field_named_like_an_introspection_list_is_data() {
        // `fields` is only an introspection list inside introspection.
        let text = format!("{{ {} }}", nested("fields", 5, "name"));
        assert!(refusal(&text).is_none());
    }
}
