//! Nested lists are batched: a page of 50 costs as many SQL statements as a page of 5.

use serde_json::json;

use crate::helpers::{
    create_application, create_candidate, create_position, on_each_backend, structure,
};

const QUERY: &str = "query($first: Int!) { candidates(first: $first) { edges { node { id firstName
    applications { id status position { name subsidiary { name } category { name } hiringManagers { displayName } } } } } } }";

#[tokio::test]
async fn statement_count_does_not_grow_with_the_page_size() {
    on_each_backend(async |app| {
        let admin = app.admin.clone();
        let (sub, cat, first_position) = structure(&app, &admin, "N").await;
        let mut positions = vec![first_position];
        for i in 0..4 {
            positions
                .push(create_position(&app, &admin, &sub, &cat, &format!("Role {i}"), &[]).await);
        }
        for i in 0..60 {
            let candidate = create_candidate(
                &app,
                &admin,
                &format!("C{i}"),
                "Load",
                &format!("c{i}@example.com"),
            )
            .await;
            create_application(&app, &admin, &candidate, &positions[i % 5]).await;
            create_application(&app, &admin, &candidate, &positions[(i + 1) % 5]).await;
        }

        let mut counts = Vec::new();
        for first in [5, 50] {
            let before = app.queries();
            let data = app.ok(&admin, QUERY, json!({ "first": first })).await;
            counts.push(app.queries() - before);
            let edges = data["candidates"]["edges"].as_array().unwrap();
            assert_eq!(edges.len(), first);
            assert!(
                edges
                    .iter()
                    .all(|e| e["node"]["applications"].as_array().unwrap().len() == 2)
            );
        }
        assert_eq!(
            counts[0], counts[1],
            "statements for 5 vs 50 candidates: {counts:?}"
        );
        // Authentication, the page, then one batch per nested level.
        assert!(counts[1] <= 12, "{counts:?}");
    })
    .await;
}
