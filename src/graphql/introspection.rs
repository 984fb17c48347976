//! Older spellings of introspection fields that tools still send.
//!
//! The GraphQL specification of June 2018 had no `specifiedByURL`; graphql-js
//! 15 added the field as `specifiedByUrl`, and the specification of October
//! 2021 (§4.2.3, `__Type`) named it `specifiedByURL`, which async-graphql
//! serves. `getIntrospectionQuery({ specifiedByUrl: true })` of graphql-js 15,
//! still used by code generators and IDE plugins, asks for the old name and
//! would be refused whole. So inside introspection the old name is read as
//! the new one, answered under the name the client asked for.

use async_graphql::parser::types::{DocumentOperations, Selection, SelectionSet};
use async_graphql::{Name, Request};

/// The name graphql-js 15 gives `__Type.specifiedByURL`.
const OLD_SPECIFIED_BY: &str = "specifiedByUrl";
const SPECIFIED_BY: &str = "specifiedByURL";

/// Rewrites `specifiedByUrl` inside introspection to
/// `specifiedByUrl: specifiedByURL`. Documents without the old name (all but
/// graphql-js 15's) are left untouched and uncopied; one that does not parse
/// is left to execution to report.
pub fn accept_old_names(request: &mut Request) {
    if !request.query.contains(OLD_SPECIFIED_BY) {
        return;
    }
    let Ok(document) = request.parsed_query() else {
        return;
    };
    let mut document = document.clone();
    match &mut document.operations {
        DocumentOperations::Single(op) => rename(&mut op.node.selection_set.node, false),
        DocumentOperations::Multiple(ops) => {
            for op in ops.values_mut() {
                rename(&mut op.node.selection_set.node, false);
            }
        }
    }
    for fragment in document.fragments.values_mut() {
        let introspecting = fragment.node.type_condition.node.on.node.starts_with("__");
        rename(&mut fragment.node.selection_set.node, introspecting);
    }
    request.set_parsed_query(document);
}

/// Renames in `set`; `introspecting` says whether it selects from an
/// introspection type (`__Schema`, `__Type` …, whose names start with `__`).
fn rename(set: &mut SelectionSet, introspecting: bool) {
    for item in &mut set.items {
        match &mut item.node {
            Selection::Field(field) => {
                let field = &mut field.node;
                if introspecting && field.name.node == OLD_SPECIFIED_BY {
                    if field.alias.is_none() {
                        field.alias = Some(field.name.clone());
                    }
                    field.name.node = Name::new(SPECIFIED_BY);
                }
                let inner =
                    introspecting || field.name.node == "__schema" || field.name.node == "__type";
                rename(&mut field.selection_set.node, inner);
            }
            Selection::InlineFragment(inline) => {
                let inline = &mut inline.node;
                let inner = introspecting
                    || inline
                        .type_condition
                        .as_ref()
                        .is_some_and(|tc| tc.node.on.node.starts_with("__"));
                rename(&mut inline.selection_set.node, inner);
            }
            Selection::FragmentSpread(_) => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn selected(request: &mut Request) -> Vec<(Option<String>, String)> {
        fn walk(set: &SelectionSet, out: &mut Vec<(Option<String>, String)>) {
            for item in &set.items {
                match &item.node {
                    Selection::Field(f) => {
                        out.push((
                            f.node.alias.as_ref().map(|a| a.node.to_string()),
                            f.node.name.node.to_string(),
                        ));
                        walk(&f.node.selection_set.node, out);
                    }
                    Selection::InlineFragment(i) => walk(&i.node.selection_set.node, out),
                    Selection::FragmentSpread(_) => {}
                }
            }
        }
        let document = request.parsed_query().unwrap();
        let mut out = Vec::new();
        for (_, op) in document.operations.iter() {
            walk(&op.node.selection_set.node, &mut out);
        }
        let mut fragments: Vec<_> = document.fragments.iter().collect();
        fragments.sort_by_key(|(name, _)| name.to_string());
        for (_, fragment) in fragments {
            walk(&fragment.node.selection_set.node, &mut out);
        }
        out
    }

    #[test]
    fn the_old_name_is_read_as_the_new_inside_introspection_only() {
        let mut request = Request::new(
            "{ __type(name: \"DateTime\") { specifiedByUrl } thing { specifiedByUrl } ...T } \
             fragment T on __Type { url: specifiedByUrl }",
        );
        accept_old_names(&mut request);
        let fields = selected(&mut request);
        let pair = |alias: Option<&str>, name: &str| (alias.map(str::to_owned), name.to_owned());
        assert!(
            fields.contains(&pair(Some("specifiedByUrl"), "specifiedByURL")),
            "{fields:?}"
        );
        assert!(
            fields.contains(&pair(Some("url"), "specifiedByURL")),
            "{fields:?}"
        );
        // A data field of that name is not introspection.
        assert!(fields.contains(&pair(None, "specifiedByUrl")), "{fields:?}");
    }

    #[test]
    fn other_documents_are_untouched() {
        let mut request = Request::new("{ __schema { types { specifiedByURL } } }");
        accept_old_names(&mut request);
        assert_eq!(
            selected(&mut request),
            vec![
                (None, "__schema".to_owned()),
                (None, "types".to_owned()),
                (None, "specifiedByURL".to_owned())
            ]
        );
    }
}
