//! Nested lists are batched: a page of 50 costs as many SQL statements as a page of 5.

use serde_json::{Value, json};

use crate::helpers::{
    TestApp, create_application, create_candidate, create_position, on_each_backend, structure,
    upload_document, user_with_role,
};

const QUERY: &str = "query($first: Int!) { candidates(first: $first) { edges { node { id firstName
    applications { id status position { name subsidiary { name } category { name } hiringManagers { displayName } } } } } } }";

/// The same shape through fragments, which the prefetch must see through.
const FRAGMENTS: &str =
    "query($first: Int!) { candidates(first: $first) { edges { node { ...Person } } } }
    fragment Person on Candidate { id applications { ...Applied } }
    fragment Applied on Application { id position { ... on Position { name category { name } } } }";

/// From the other side: applications, their candidates, and those candidates' applications.
const REVERSE: &str = "query($first: Int!) { applications(first: $first) { nodes { id
    candidate { email applications { position { name subsidiary { name } } } } } } }";

/// Each candidate's documents, with what they name and their links.
const DOCUMENTS: &str = "query($first: Int!) { candidates(first: $first) { nodes { email documents(first: 2) { totalCount nodes { fileName source url
    category { name } uploadedBy { email } candidate { email } } } } } }";

/// Statements one request costs, and its data.
async fn cost(app: &TestApp, token: &str, query: &str, first: usize) -> (u64, Value) {
    let before = app.queries();
    let data = app.ok(token, query, json!({ "first": first })).await;
    (app.queries() - before, data)
}

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
            // Documents on the first three candidates and on later ones, so
            // a page of 50 holds more candidates with documents than one of 5.
            if i < 3 || i % 10 == 7 {
                let name = format!("cv-{i}.pdf");
                upload_document(&app, &name, b"%PDF-1.4".to_vec(), Some(&candidate)).await;
            }
        }

        // The page, then one batch per nested level (hiring managers take two).
        for (query, statements) in [(QUERY, 7), (FRAGMENTS, 4)] {
            let (small, _) = cost(&app, &admin, query, 5).await;
            let (large, data) = cost(&app, &admin, query, 50).await;
            let edges = data["candidates"]["edges"].as_array().unwrap();
            assert_eq!(edges.len(), 50);
            assert!(
                edges
                    .iter()
                    .all(|e| e["node"]["applications"].as_array().unwrap().len() == 2)
            );
            assert_eq!(small, large, "statements for 5 vs 50 candidates");
            assert_eq!(large, statements, "statements for {query}");
            // Each application carries its own position and category.
            let name = |p: usize| match p {
                0 => "Backend Engineer N".to_owned(),
                p => format!("Role {}", p - 1),
            };
            for (i, edge) in edges.iter().enumerate() {
                let applied: Vec<(&str, &str)> = edge["node"]["applications"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|a| {
                        let position = &a["position"];
                        let category = position["category"]["name"].as_str().unwrap();
                        (position["name"].as_str().unwrap(), category)
                    })
                    .collect();
                let (first, second) = (name(i % 5), name((i + 1) % 5));
                assert_eq!(
                    applied,
                    [
                        (first.as_str(), "Engineering N"),
                        (second.as_str(), "Engineering N")
                    ],
                    "candidate {i}"
                );
            }
        }

        let (small, _) = cost(&app, &admin, DOCUMENTS, 5).await;
        let (large, data) = cost(&app, &admin, DOCUMENTS, 50).await;
        assert_eq!(
            small, large,
            "statements for the documents of 5 vs 50 candidates"
        );
        let listed: Vec<usize> = data["candidates"]["nodes"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c["documents"]["nodes"].as_array().unwrap().len())
            .collect();
        assert_eq!(listed.iter().sum::<usize>(), 8, "{listed:?}");
        assert_eq!(
            data["candidates"]["nodes"][0]["documents"]["nodes"][0]["fileName"],
            "cv-0.pdf"
        );

        let (small, _) = cost(&app, &admin, REVERSE, 5).await;
        let (large, data) = cost(&app, &admin, REVERSE, 50).await;
        assert_eq!(data["applications"]["nodes"].as_array().unwrap().len(), 50);
        assert_eq!(small, large, "statements for 5 vs 50 applications");
    })
    .await;
}

#[tokio::test]
async fn the_template_list_costs_the_same_for_two_templates_or_twenty() {
    on_each_backend(async |app| {
        let admin = app.admin.clone();
        let query = "{ emailTemplates(first: 50) { nodes { id subject translations { language } documents { id } } } }";
        let create = "mutation($n: String!) { createEmailTemplate(input: { name: $n, subject: \"S\",
            body: \"<p>B</p>\", translations: [{ language: \"de\", subject: \"S\", body: \"<p>B</p>\" }] }) { emailTemplate { id } } }";
        for i in 0..2 {
            app.ok(&admin, create, json!({ "n": format!("T{i}") })).await;
        }
        let before = app.queries();
        app.ok(&admin, query, json!({})).await;
        let two = app.queries() - before;
        for i in 2..20 {
            app.ok(&admin, create, json!({ "n": format!("T{i}") })).await;
        }
        let before = app.queries();
        let data = app.ok(&admin, query, json!({})).await;
        let twenty = app.queries() - before;
        let listed = data["emailTemplates"]["nodes"].as_array().unwrap();
        assert_eq!(listed.len(), 20);
        assert!(listed.iter().all(|t| t["translations"][0]["language"] == "de"));
        assert_eq!(two, twenty, "{:?}", app.backend);
    })
    .await;
}

#[tokio::test]
async fn a_thread_costs_the_same_for_two_messages_or_ten() {
    on_each_backend(async |app| {
        let admin = app.admin.clone();
        let candidate = create_candidate(&app, &admin, "Thread", "Reader", "thread@example.com").await;
        let document = upload_document(&app, "cv.pdf", b"%PDF-1.4 cv".to_vec(), Some(&candidate)).await;
        let send = "mutation($c: ID!, $d: ID!) { sendEmail(input: { candidateIds: [$c], subject: \"S\", body: \"<p>B</p>\", cc: [\"lea@acme.example\"], attachmentIds: [$d] }) { message { id } } }";
        let query = "query($id: ID!) { candidate(id: $id) { messages(first: 50) { nodes { subject to cc bcc textBody attachments { fileName } } } } }";
        let cost = async || {
            let before = app.queries();
            let data = app.ok(&admin, query, json!({ "id": candidate })).await;
            (app.queries() - before, data)
        };
        for _ in 0..2 {
            app.ok(&admin, send, json!({ "c": candidate, "d": document["id"] })).await;
        }
        let (two, _) = cost().await;
        for _ in 0..8 {
            app.ok(&admin, send, json!({ "c": candidate, "d": document["id"] })).await;
        }
        let (ten, data) = cost().await;
        let nodes = data["candidate"]["messages"]["nodes"].as_array().unwrap();
        assert_eq!(nodes.len(), 10);
        assert!(nodes.iter().all(|m| m["cc"] == json!(["lea@acme.example"])));
        assert!(nodes.iter().all(|m| m["textBody"] == "B"));
        assert!(nodes.iter().all(|m| m["attachments"] == json!([{ "fileName": "cv.pdf" }])));
        assert_eq!(two, ten, "{:?}", app.backend);
    })
    .await;
}

/// A page of the inbox with every link a list of messages shows.
const INBOX: &str = "query($first: Int!) { messages(first: $first) { nodes { subject
    candidate { email applications { id } } sender { displayName }
    template { name translations { language } documents { id } }
    batch { total queued } application { id position { name } } inReplyTo { subject }
} } }";

#[tokio::test]
async fn a_page_of_messages_with_its_links_costs_the_same_for_eight_or_fifty() {
    on_each_backend(async |app| {
        let admin = app.admin.clone();
        let (_, _, position) = structure(&app, &admin, "Inbox").await;
        let mut candidates = Vec::new();
        for i in 0..60 {
            let email = format!("inbox{i}@example.com");
            let candidate = create_candidate(&app, &admin, &format!("I{i}"), "Inbox", &email).await;
            create_application(&app, &admin, &candidate, &position).await;
            candidates.push(candidate);
        }
        let template = crate::helpers::create_template(&app, &admin, "Inbox template").await;
        let send = "mutation($i: SendEmailInput!) { sendEmail(input: $i) { message { id } } }";
        // Replies first, so that both page sizes hold some.
        for candidate in &candidates[..3] {
            let first = app
                .ok(
                    &admin,
                    send,
                    json!({ "i": { "candidateIds": [candidate], "subject": "Hello", "body": "<p>H</p>" } }),
                )
                .await;
            let reply = json!({ "i": { "candidateIds": [candidate], "templateId": template,
                "inReplyToId": first["sendEmail"]["message"]["id"] } });
            app.ok(&admin, send, reply).await;
        }
        // Three bulk sends of twenty, from the template.
        for chunk in candidates.chunks(20) {
            let bulk = json!({ "i": { "candidateIds": chunk, "templateId": template } });
            app.ok(&admin, send, bulk).await;
        }

        // Eight reach into the first bulk send, so both pages hold every link.
        let (small, _) = cost(&app, &admin, INBOX, 8).await;
        let (large, data) = cost(&app, &admin, INBOX, 50).await;
        let nodes = data["messages"]["nodes"].as_array().unwrap();
        assert_eq!(nodes.len(), 50);
        assert_eq!(small, large, "statements for 8 vs 50 messages");
        // The page, then one statement per link: candidates and their
        // applications, senders, templates with their variants and
        // documents, batches and their progress, applications and their
        // positions, the messages answered.
        assert_eq!(large, 12, "statements for a page of messages");
        // Each link is the message's own.
        assert_eq!(nodes[1]["inReplyTo"]["subject"], "Hello");
        assert_eq!(nodes[1]["template"]["name"], "Inbox template");
        assert_eq!(nodes[0]["template"], Value::Null);
        for (i, node) in nodes[6..].iter().enumerate() {
            assert_eq!(node["candidate"]["email"], format!("inbox{i}@example.com"));
            assert_eq!(node["batch"], json!({ "total": 20, "queued": 20 }));
            assert_eq!(node["sender"]["displayName"], nodes[0]["sender"]["displayName"]);
            assert_eq!(node["application"]["position"]["name"], "Backend Engineer Inbox");
            assert_eq!(node["candidate"]["applications"].as_array().unwrap().len(), 1);
        }
    })
    .await;
}

#[tokio::test]
async fn the_user_list_with_working_hours_costs_the_same_for_two_users_or_twelve() {
    on_each_backend(async |app| {
        let admin = app.admin.clone();
        let query = "{ users { email workingHours { timeZone companyDefault
            weekly { weekday start end } overrides { date } } } }";
        let set = "mutation($i: SetWorkingHoursInput!) { setWorkingHours(input: $i) {
            workingHours { timeZone } } }";
        let first = user_with_role(&app, &admin, "First", json!({ "sections": ["INTERVIEWS"] }))
            .await
            .0;
        app.ok(
            &admin,
            set,
            json!({ "i": { "userId": first, "timeZone": "Europe/Berlin",
                "weekly": [{ "weekday": "MONDAY", "start": "08:00", "end": "12:00" }] } }),
        )
        .await;
        let before = app.queries();
        app.ok(&admin, query, json!({})).await;
        let two = app.queries() - before;
        for i in 0..10 {
            user_with_role(
                &app,
                &admin,
                &format!("More {i}"),
                json!({ "sections": [] }),
            )
            .await;
        }
        let before = app.queries();
        let data = app.ok(&admin, query, json!({})).await;
        let twelve = app.queries() - before;
        let users = data["users"].as_array().unwrap();
        assert_eq!(users.len(), 12);
        // Each user still gets their own hours: one set, the rest default.
        let own: Vec<&Value> = users
            .iter()
            .filter(|u| !u["workingHours"]["companyDefault"].as_bool().unwrap())
            .collect();
        assert_eq!(own.len(), 1, "{users:#?}");
        assert_eq!(own[0]["workingHours"]["timeZone"], "Europe/Berlin");
        assert_eq!(own[0]["workingHours"]["weekly"][0]["start"], "08:00");
        assert_eq!(two, twelve, "{:?}", app.backend);
    })
    .await;
}

/// Unread counts on a page of candidates, and a page of unread mail with
/// its HTML (inline images through links) and read state.
const UNREAD: &str = "query($first: Int!) { candidates(first: $first) { nodes { email unreadCount } }
    viewer { unreadMessages(first: $first) { totalCount nodes { readAt htmlBody attachments { id } } } } }";

#[tokio::test]
async fn unread_mail_costs_the_same_for_three_candidates_or_twelve() {
    on_each_backend(async |app| {
        let admin = app.admin.clone();
        for i in 0..12 {
            let email = format!("reader{i}@example.com");
            create_candidate(&app, &admin, &format!("R{i}"), "Reader", &email).await;
            crate::inbound::deliver(&app, &crate::reading::html_mail(&email, i)).await;
        }
        let (small, _) = cost(&app, &admin, UNREAD, 3).await;
        let (large, data) = cost(&app, &admin, UNREAD, 12).await;
        assert_eq!(
            small, large,
            "statements for 3 vs 12 candidates and messages"
        );
        let candidates = data["candidates"]["nodes"].as_array().unwrap();
        assert_eq!(candidates.len(), 12);
        assert!(
            candidates.iter().all(|c| c["unreadCount"] == 1),
            "{candidates:?}"
        );
        let unread = &data["viewer"]["unreadMessages"];
        assert_eq!(unread["totalCount"], 12);
        for message in unread["nodes"].as_array().unwrap() {
            assert_eq!(message["readAt"], Value::Null);
            let html = message["htmlBody"].as_str().unwrap();
            assert!(html.contains("src=\"/files/"), "{html}");
            assert!(!html.contains("track.example"), "{html}");
        }
    })
    .await;
}
