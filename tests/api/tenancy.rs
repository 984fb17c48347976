//! A company never reads or writes another company's rows, even with guessed IDs.

use serde_json::json;

use crate::helpers::{
    create_application, create_candidate, on_each_backend, structure, user_with_role,
};

#[tokio::test]
async fn another_company_cannot_reach_rows_by_guessed_ids() {
    on_each_backend(async |app| {
        let a = app.admin.clone();
        let (sub, cat, position) = structure(&app, &a, "A").await;
        let candidate = create_candidate(&app, &a, "Ada", "Private", "ada.private@example.com").await;
        let application = create_application(&app, &a, &candidate, &position).await;
        let (a_user, a_role, _) = user_with_role(&app, &a, "A Person", json!({ "sections": ["CANDIDATES"] })).await;

        let b = app.other_company("Umbrella").await;
        let (b_sub, b_cat, b_position) = structure(&app, &b, "B").await;
        let b_candidate = create_candidate(&app, &b, "Bob", "Other", "ada.private@example.com").await;

        // Lists hold only B's rows (the same email address is a different person in B).
        let lists = app
            .ok(&b, "{ candidates { totalCount edges { node { firstName } } } applications { totalCount } positions { totalCount } subsidiaries { name } categories { name } users { email } }", json!({}))
            .await;
        assert_eq!(lists["candidates"]["totalCount"], 1);
        assert_eq!(lists["candidates"]["edges"][0]["node"]["firstName"], "Bob");
        assert_eq!(lists["applications"]["totalCount"], 0);
        assert_eq!(lists["positions"]["totalCount"], 1);
        assert_eq!(lists["subsidiaries"], json!([{ "name": "Acme Berlin B" }]));
        assert_eq!(lists["users"], json!([{ "email": "admin@umbrella.example" }]));

        for (operation, vars) in [
            ("query($id: ID!) { candidate(id: $id) { id } }", json!({ "id": candidate })),
            ("query($id: ID!) { node(id: $id) { id } }", json!({ "id": application })),
            ("query($id: ID!) { node(id: $id) { id } }", json!({ "id": a_user })),
            ("mutation($id: ID!) { updateCandidate(input: { id: $id, firstName: \"Mallory\" }) { candidate { id } } }", json!({ "id": candidate })),
            ("mutation($id: ID!) { deleteCandidate(input: { id: $id }) { deletedCandidateId } }", json!({ "id": candidate })),
            ("mutation($c: ID!, $p: ID!) { createApplication(input: { candidateId: $c, positionId: $p }) { application { id } } }", json!({ "c": b_candidate, "p": position })),
            ("mutation($c: ID!, $p: ID!) { createApplication(input: { candidateId: $c, positionId: $p }) { application { id } } }", json!({ "c": candidate, "p": b_position })),
            ("mutation($s: ID!, $c: ID!) { createPosition(input: { name: \"X\", subsidiaryId: $s, categoryId: $c }) { position { id } } }", json!({ "s": sub, "c": b_cat })),
            ("mutation($s: ID!, $c: ID!) { createPosition(input: { name: \"X\", subsidiaryId: $s, categoryId: $c }) { position { id } } }", json!({ "s": b_sub, "c": cat })),
            ("mutation($u: ID!, $r: ID!) { assignRole(input: { userId: $u, roleId: $r }) { user { id } } }", json!({ "u": a_user, "r": a_role })),
            ("mutation($id: ID!) { updateApplicationStatus(input: { id: $id, status: REJECTED }) { application { id } } }", json!({ "id": application })),
        ] {
            assert_eq!(app.error_code(Some(&b), operation, vars.clone()).await, "NOT_FOUND", "{operation} {vars}");
        }
        let code = app
            .error_code(Some(&b), "mutation($p: ID!, $u: ID!) { updatePosition(input: { id: $p, hiringManagerIds: [$u] }) { position { id } } }", json!({ "p": b_position, "u": a_user }))
            .await;
        assert_eq!(code, "VALIDATION");

        // A's rows are untouched.
        let seen = app
            .ok(&a, "query($id: ID!) { candidate(id: $id) { firstName applications { status } } }", json!({ "id": candidate }))
            .await;
        assert_eq!(seen["candidate"], json!({ "firstName": "Ada", "applications": [{ "status": "NEW" }] }));
    })
    .await;
}
