//! Creating, reading, updating and paging through the company's records.

use serde_json::json;

use crate::helpers::{create_application, create_candidate, on_each_backend, structure};

#[tokio::test]
async fn candidates_are_created_updated_found_and_deleted() {
    on_each_backend(async |app| {
        let admin = app.admin.as_str();
        let created = app
            .ok(
                admin,
                "mutation { createCandidate(input: { firstName: \" Zoë \", lastName: \"Müller\", email: \"Zoe.Mueller@Example.com\",
                    gender: FEMALE, preferredLanguage: \"de_at\", phone: \"+43 1 234\" }) {
                    candidate { id firstName lastName fullName email gender preferredLanguage phone applications { id } } } }",
                json!({}),
            )
            .await;
        let candidate = &created["createCandidate"]["candidate"];
        assert_eq!(candidate["firstName"], "Zoë");
        assert_eq!(candidate["fullName"], "Zoë Müller");
        assert_eq!(candidate["email"], "zoe.mueller@example.com");
        assert_eq!(candidate["gender"], "FEMALE");
        assert_eq!(candidate["preferredLanguage"], "de-AT");
        assert_eq!(candidate["applications"], json!([]));
        let id = candidate["id"].as_str().unwrap();

        let duplicate = app
            .error_code(
                Some(admin),
                "mutation { createCandidate(input: { firstName: \"Z\", lastName: \"M\", email: \"zoe.mueller@EXAMPLE.com\" }) { candidate { id } } }",
                json!({}),
            )
            .await;
        assert_eq!(duplicate, "CONFLICT");

        let updated = app
            .ok(
                admin,
                "mutation($id: ID!) { updateCandidate(input: { id: $id, lastName: \"Schmidt\", phone: null }) {
                    candidate { lastName phone gender preferredLanguage } } }",
                json!({ "id": id }),
            )
            .await;
        assert_eq!(
            updated["updateCandidate"]["candidate"],
            json!({ "lastName": "Schmidt", "phone": null, "gender": "FEMALE", "preferredLanguage": "de-AT" })
        );

        let found = app
            .ok(admin, "query($id: ID!) { candidate(id: $id) { lastName } node(id: $id) { id ... on Candidate { email } } }", json!({ "id": id }))
            .await;
        assert_eq!(found["candidate"]["lastName"], "Schmidt");
        assert_eq!(found["node"]["email"], "zoe.mueller@example.com");

        let deleted = app
            .ok(admin, "mutation($id: ID!) { deleteCandidate(input: { id: $id }) { deletedCandidateId } }", json!({ "id": id }))
            .await;
        assert_eq!(deleted["deleteCandidate"]["deletedCandidateId"], id);
        let gone = app
            .error_code(Some(admin), "query($id: ID!) { candidate(id: $id) { id } }", json!({ "id": id }))
            .await;
        assert_eq!(gone, "NOT_FOUND");
    })
    .await;
}

#[tokio::test]
async fn candidate_lists_page_with_cursors_and_filter() {
    on_each_backend(async |app| {
        let admin = app.admin.as_str();
        let (_, _, position) = structure(&app, admin, "A").await;
        for i in 0..7 {
            let id = create_candidate(&app, admin, &format!("Person{i}"), "Tester", &format!("p{i}@example.com")).await;
            if i % 2 == 0 {
                create_application(&app, admin, &id, &position).await;
            }
        }
        create_candidate(&app, admin, "Ada", "Lovelace", "ada@analytical.example").await;
        create_candidate(&app, admin, "Per%cent", "Literal", "percent@example.com").await;

        let query = "query($after: String, $filter: CandidatesFilter) {
            candidates(first: 3, after: $after, filter: $filter) {
                totalCount pageInfo { hasNextPage hasPreviousPage endCursor } edges { cursor node { firstName } } } }";
        let mut names = Vec::new();
        let mut after = serde_json::Value::Null;
        let mut pages = 0;
        loop {
            let page = app.ok(admin, query, json!({ "after": after })).await;
            let conn = &page["candidates"];
            assert_eq!(conn["totalCount"], 9);
            assert_eq!(conn["pageInfo"]["hasPreviousPage"], pages > 0);
            for edge in conn["edges"].as_array().unwrap() {
                names.push(edge["node"]["firstName"].as_str().unwrap().to_owned());
            }
            pages += 1;
            if conn["pageInfo"]["hasNextPage"] == false {
                break;
            }
            after = conn["pageInfo"]["endCursor"].clone();
        }
        assert_eq!(pages, 3);
        assert_eq!(names.len(), 9);
        assert_eq!(names[0], "Person0");
        assert_eq!(names[8], "Per%cent");

        let search = |filter: serde_json::Value| {
            let app = &app;
            async move {
                let data = app.ok(admin, query, json!({ "filter": filter })).await;
                data["candidates"]["edges"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|e| e["node"]["firstName"].as_str().unwrap().to_owned())
                    .collect::<Vec<_>>()
            }
        };
        assert_eq!(search(json!({ "search": "LOVE" })).await, ["Ada"]);
        assert_eq!(search(json!({ "search": "analytical" })).await, ["Ada"]);
        assert_eq!(search(json!({ "search": "%" })).await, ["Per%cent"]);
        assert_eq!(search(json!({ "email": "ADA@analytical.example" })).await, ["Ada"]);
        assert_eq!(search(json!({ "positionId": position })).await, ["Person0", "Person2", "Person4"]);
    })
    .await;
}

#[tokio::test]
async fn applications_are_unique_per_candidate_and_position() {
    on_each_backend(async |app| {
        let admin = app.admin.as_str();
        let (_, _, position) = structure(&app, admin, "B").await;
        let candidate = create_candidate(&app, admin, "Grace", "Hopper", "grace@example.com").await;
        let application = create_application(&app, admin, &candidate, &position).await;
        let again = app
            .error_code(
                Some(admin),
                "mutation($c: ID!, $p: ID!) { createApplication(input: { candidateId: $c, positionId: $p }) { application { id } } }",
                json!({ "c": candidate, "p": position }),
            )
            .await;
        assert_eq!(again, "CONFLICT");

        let moved = app
            .ok(
                admin,
                "mutation($id: ID!) { updateApplicationStatus(input: { id: $id, status: IN_PROCESS }) {
                    application { status source candidate { firstName } position { name category { name } subsidiary { name } } } } }",
                json!({ "id": application }),
            )
            .await;
        assert_eq!(
            moved["updateApplicationStatus"]["application"],
            json!({ "status": "IN_PROCESS", "source": "MANUAL", "candidate": { "firstName": "Grace" },
                    "position": { "name": "Backend Engineer B", "category": { "name": "Engineering B" }, "subsidiary": { "name": "Acme Berlin B" } } })
        );
        let listed = app
            .ok(admin, "query($p: ID!) { applications(filter: { positionId: $p, status: IN_PROCESS }) { totalCount } }", json!({ "p": position }))
            .await;
        assert_eq!(listed["applications"]["totalCount"], 1);
    })
    .await;
}

#[tokio::test]
async fn organisation_roles_users_and_tokens_can_be_managed() {
    on_each_backend(async |app| {
        let admin = app.admin.as_str();
        let (sub, cat, position) = structure(&app, admin, "C").await;
        let renamed = app
            .ok(
                admin,
                "mutation($s: ID!, $c: ID!) {
                    updateSubsidiary(input: { id: $s, name: \"Acme Munich\", emailAddress: \"jobs@munich.acme.example\", emailDisplayName: \"Acme Jobs\" }) {
                        subsidiary { name emailAddress emailDisplayName } }
                    updateCategory(input: { id: $c, name: \"Sales\" }) { category { name } }
                    createDocumentCategory(input: { name: \"CV\" }) { documentCategory { id name } } }",
                json!({ "s": sub, "c": cat }),
            )
            .await;
        assert_eq!(renamed["updateSubsidiary"]["subsidiary"]["emailAddress"], "jobs@munich.acme.example");
        assert_eq!(renamed["updateCategory"]["category"]["name"], "Sales");
        let cv = renamed["createDocumentCategory"]["documentCategory"]["id"].as_str().unwrap();

        let role = app
            .ok(
                admin,
                "mutation($cv: ID!) { createRecruitingRole(input: { name: \"Hiring manager\", sections: [CANDIDATES, INTERVIEWS],
                    assignedPositionsOnly: true, documentPermissions: [{ documentCategoryId: $cv, access: VIEW }] }) {
                    role { id name isAdmin sections assignedPositionsOnly documentPermissions { documentCategoryId access } } } }",
                json!({ "cv": cv }),
            )
            .await;
        let role = &role["createRecruitingRole"]["role"];
        assert_eq!(role["sections"], json!(["CANDIDATES", "INTERVIEWS"]));
        assert_eq!(role["documentPermissions"], json!([{ "documentCategoryId": cv, "access": "VIEW" }]));
        let role_id = role["id"].as_str().unwrap();

        let user = app
            .ok(admin, "mutation { createUser(input: { email: \"hm@acme.example\", displayName: \"Hanna\" }) { user { id } } }", json!({}))
            .await["createUser"]["user"]["id"]
            .as_str()
            .unwrap()
            .to_owned();
        let assigned = app
            .ok(admin, "mutation($u: ID!, $r: ID!) { assignRole(input: { userId: $u, roleId: $r }) { user { displayName } role { name } } }", json!({ "u": user, "r": role_id }))
            .await;
        assert_eq!(assigned["assignRole"]["role"]["name"], "Hiring manager");
        let updated = app
            .ok(admin, "mutation($p: ID!, $u: ID!) { updatePosition(input: { id: $p, status: CLOSED, hiringManagerIds: [$u] }) {
                position { status hiringManagers { displayName } } } }", json!({ "p": position, "u": user }))
            .await;
        assert_eq!(updated["updatePosition"]["position"], json!({ "status": "CLOSED", "hiringManagers": [{ "displayName": "Hanna" }] }));

        let token = app
            .ok(admin, "mutation($u: ID!) { createApiToken(input: { name: \"sync\", userId: $u }) { token apiToken { id name } } }", json!({ "u": user }))
            .await;
        let secret = token["createApiToken"]["token"].as_str().unwrap().to_owned();
        let token_id = token["createApiToken"]["apiToken"]["id"].as_str().unwrap().to_owned();
        let viewer = app.ok(&secret, "{ viewer { isAdmin sections limitedToAssignedPositions user { displayName } } }", json!({})).await;
        assert_eq!(viewer["viewer"], json!({ "isAdmin": false, "sections": ["CANDIDATES", "INTERVIEWS"], "limitedToAssignedPositions": true, "user": { "displayName": "Hanna" } }));

        app.ok(admin, "mutation($id: ID!) { revokeApiToken(input: { id: $id }) { apiToken { revokedAt } } }", json!({ "id": token_id })).await;
        assert_eq!(app.error_code(Some(&secret), "{ viewer { isAdmin } }", json!({})).await, "UNAUTHENTICATED");

        // Rows still in use are not deleted; unused ones are.
        let applicant = create_candidate(&app, admin, "Applied", "Once", "applied@example.com").await;
        create_application(&app, admin, &applicant, &position).await;
        let spare = app.ok(admin, "mutation { createCategory(input: { name: \"Spare\" }) { category { id } } }", json!({})).await;
        let spare = spare["createCategory"]["category"]["id"].clone();
        let in_use = app.error_code(Some(admin), "mutation($id: ID!) { deleteCategory(input: { id: $id }) { deletedId } }", json!({ "id": cat })).await;
        assert_eq!(in_use, "CONFLICT");
        let deleted = app.ok(admin, "mutation($id: ID!) { deleteCategory(input: { id: $id }) { deletedId } }", json!({ "id": spare })).await;
        assert_eq!(deleted["deleteCategory"]["deletedId"], spare);
        let in_use = app.error_code(Some(admin), "mutation($id: ID!) { deleteSubsidiary(input: { id: $id }) { deletedId } }", json!({ "id": sub })).await;
        assert_eq!(in_use, "CONFLICT");
        let in_use = app.error_code(Some(admin), "mutation($id: ID!) { deletePosition(input: { id: $id }) { deletedId } }", json!({ "id": position })).await;
        assert_eq!(in_use, "CONFLICT", "a position with applications is closed, not deleted");

        // The company keeps its last admin.
        let me = app.ok(admin, "{ viewer { user { id } } recruitingRoles { id isAdmin } }", json!({})).await;
        let admin_role = me["recruitingRoles"].as_array().unwrap().iter().find(|r| r["isAdmin"] == true).unwrap()["id"].clone();
        let code = app
            .error_code(Some(admin), "mutation($u: ID!, $r: ID!) { unassignRole(input: { userId: $u, roleId: $r }) { user { id } } }",
                json!({ "u": me["viewer"]["user"]["id"], "r": admin_role }))
            .await;
        assert_eq!(code, "CONFLICT");
        app.ok(admin, "{ viewer { isAdmin } }", json!({})).await;

        // A deactivated user's tokens stop working.
        let (hm_user, _, hm_token) = crate::helpers::user_with_role(&app, admin, "Deactivated", json!({ "sections": ["CANDIDATES"] })).await;
        app.ok(&hm_token, "{ viewer { isAdmin } }", json!({})).await;
        // A change of rights applies to the very next request.
        app.ok(
            admin,
            "mutation($u: ID!, $r: ID!) { assignRole(input: { userId: $u, roleId: $r }) { user { id } } }",
            json!({ "u": hm_user, "r": admin_role }),
        )
        .await;
        let promoted = app.ok(&hm_token, "{ viewer { isAdmin } }", json!({})).await;
        assert_eq!(promoted["viewer"]["isAdmin"], true);
        app.ok(admin, "mutation($u: ID!) { updateUser(input: { id: $u, active: false }) { user { active } } }", json!({ "u": hm_user })).await;
        assert_eq!(app.error_code(Some(&hm_token), "{ viewer { isAdmin } }", json!({})).await, "UNAUTHENTICATED");
    })
    .await;
}

#[tokio::test]
async fn erasing_a_candidate_removes_their_messages_and_sent_documents() {
    use entity::enums::{MessageDirection, MessageStatus};
    use entity::{document, message, message_attachment, message_content};
    use sea_orm::{ActiveModelTrait as _, EntityTrait as _, PaginatorTrait as _, Set};

    on_each_backend(async |app| {
        let admin = app.admin.as_str();
        let (_, _, position) = structure(&app, admin, "E").await;
        let id = create_candidate(&app, admin, "Erase", "Me", "erase@example.com").await;
        create_application(&app, admin, &id, &position).await;
        let row_id: i64 = {
            use base64::Engine as _;
            let raw = base64::engine::general_purpose::URL_SAFE_NO_PAD
                .decode(&id)
                .unwrap();
            String::from_utf8(raw)
                .unwrap()
                .rsplit(':')
                .next()
                .unwrap()
                .parse()
                .unwrap()
        };
        // A sent message with the candidate's CV attached (mail arrives in a later
        // feature; the rows are written directly here).
        let db = &app.state.db;
        let now = chrono::Utc::now();
        let cv = document::ActiveModel {
            company_id: Set(1),
            candidate_id: Set(Some(row_id)),
            file_name: Set("cv.pdf".into()),
            content_type: Set("application/pdf".into()),
            size_bytes: Set(3),
            sha256: Set("0".repeat(64)),
            blob_key: Set("blobs/0".into()),
            created_at: Set(now),
            ..Default::default()
        }
        .insert(db)
        .await
        .unwrap();
        let sent = message::ActiveModel {
            company_id: Set(1),
            candidate_id: Set(Some(row_id)),
            direction: Set(MessageDirection::Outbound),
            status: Set(MessageStatus::Sent),
            subject: Set("Your application".into()),
            from_address: Set("jobs@acme.example".into()),
            attempts: Set(1),
            created_at: Set(now),
            ..Default::default()
        }
        .insert(db)
        .await
        .unwrap();
        message_content::ActiveModel {
            message_id: Set(sent.id),
            text_body: Set("Thank you".into()),
            html_body: Set(None),
            calendar: Set(None),
        }
        .insert(db)
        .await
        .unwrap();
        message_attachment::ActiveModel {
            message_id: Set(sent.id),
            document_id: Set(cv.id),
            position: Set(0),
            content_id: Set(None),
        }
        .insert(db)
        .await
        .unwrap();

        app.ok(
            admin,
            "mutation($id: ID!) { deleteCandidate(input: { id: $id }) { deletedCandidateId } }",
            json!({ "id": id }),
        )
        .await;
        assert_eq!(message::Entity::find().count(db).await.unwrap(), 0);
        assert_eq!(document::Entity::find().count(db).await.unwrap(), 0);
        assert_eq!(
            message_attachment::Entity::find().count(db).await.unwrap(),
            0
        );
        assert_eq!(message_content::Entity::find().count(db).await.unwrap(), 0);
    })
    .await;
}
