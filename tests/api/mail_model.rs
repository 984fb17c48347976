//! The navigable mail model: from a message to its candidate, sender,
//! template, bulk send, the message it answers, its application and its
//! interview; the inbox across candidates (`messages`), bulk sends and
//! their messages, and the sender a preview shows. Each with the rights of
//! the caller and the bad inputs a client may send.

use serde_json::{Value, json};

use crate::helpers::{
    TestApp, create_application, create_candidate, create_position, create_template,
    on_each_backend, structure, user_with_role,
};

const SEND: &str = "mutation($i: SendEmailInput!) {
    sendEmail(input: $i) { message { id internetMessageId } batch { id } }
}";

/// Every link of a message, as a detail view shows them.
const LINKS: &str = "query($id: ID!) { message(id: $id) {
    id candidate { id email } sender { id displayName } template { id name }
    batch { id total messages { totalCount } } inReplyTo { id subject }
    application { id position { name } } interview { id title }
} }";

async fn send(app: &TestApp, token: &str, input: Value) -> Value {
    app.ok(token, SEND, json!({ "i": input })).await["sendEmail"].clone()
}

fn id(value: &Value) -> String {
    value
        .as_str()
        .unwrap_or_else(|| panic!("not an ID: {value}"))
        .to_owned()
}

/// The IDs of a connection's nodes, in order.
fn ids_of(connection: &Value) -> Vec<String> {
    connection["nodes"]
        .as_array()
        .unwrap_or_else(|| panic!("no nodes in {connection:#}"))
        .iter()
        .map(|n| id(&n["id"]))
        .collect()
}

/// The company's slug and inbound token.
async fn inbound_credentials(app: &TestApp) -> (String, String) {
    let company = app
        .ok(
            &app.admin,
            "{ viewer { company { slug inboundToken } } }",
            json!({}),
        )
        .await["viewer"]["company"]
        .clone();
    (id(&company["slug"]), id(&company["inboundToken"]))
}

/// Posts a received email, addressed to the company's inbound address in
/// place of `jobs@acme.example`; returns the message it was filed as.
async fn receive(app: &TestApp, raw: &str) -> String {
    let (slug, token) = inbound_credentials(app).await;
    let raw = raw.replace(
        "jobs@acme.example",
        &format!("{slug}-jobs@inbound.localhost"),
    );
    let response = app
        .client
        .post(format!("{}/inbound/{slug}", app.base))
        .header("Content-Type", "message/rfc822")
        .bearer_auth(token)
        .body(raw)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 200);
    let body: Value = response.json().await.unwrap();
    id(&body["data"]["inbound"]["messageId"])
}

#[tokio::test]
async fn a_message_leads_to_its_candidate_sender_template_batch_and_application() {
    on_each_backend(async |app| {
        let admin = app.admin.clone();
        let (_, _, position) = structure(&app, &admin, "links").await;
        let ada = create_candidate(&app, &admin, "Ada", "Links", "ada@example.com").await;
        let bob = create_candidate(&app, &admin, "Bob", "Links", "bob@example.com").await;
        let ada_application = create_application(&app, &admin, &ada, &position).await;
        create_application(&app, &admin, &bob, &position).await;
        let template = create_template(&app, &admin, "Thanks").await;
        let me = app.ok(&admin, "{ viewer { user { id displayName } } }", json!({})).await
            ["viewer"]["user"]
            .clone();

        let bulk = send(
            &app,
            &admin,
            json!({ "candidateIds": [ada, bob], "templateId": template }),
        )
        .await;
        let batch = id(&bulk["batch"]["id"]);
        let in_batch = app
            .ok(
                &admin,
                "query($b: ID!) { emailBatch(id: $b) { messages { nodes { id candidate { id } } } } }",
                json!({ "b": batch }),
            )
            .await;
        let to_ada = in_batch["emailBatch"]["messages"]["nodes"]
            .as_array()
            .unwrap()
            .iter()
            .find(|m| m["candidate"]["id"] == json!(ada))
            .map(|m| id(&m["id"]))
            .unwrap();

        let linked = app.ok(&admin, LINKS, json!({ "id": to_ada })).await["message"].clone();
        assert_eq!(linked["candidate"], json!({ "id": ada, "email": "ada@example.com" }));
        assert_eq!(linked["sender"], me);
        assert_eq!(linked["template"], json!({ "id": template, "name": "Thanks" }));
        assert_eq!(
            linked["batch"],
            json!({ "id": batch, "total": 2, "messages": { "totalCount": 2 } })
        );
        assert_eq!(
            linked["application"],
            json!({ "id": ada_application, "position": { "name": "Backend Engineer links" } })
        );
        assert_eq!(linked["inReplyTo"], Value::Null);
        assert_eq!(linked["interview"], Value::Null);

        // A free-form reply to that message: no template and no batch, and
        // it answers the first one.
        let reply = send(
            &app,
            &admin,
            json!({ "candidateIds": [ada], "subject": "Follow-up", "body": "<p>F</p>", "inReplyToId": to_ada }),
        )
        .await;
        let reply = app
            .ok(&admin, LINKS, json!({ "id": reply["message"]["id"] }))
            .await["message"]
            .clone();
        assert_eq!(reply["template"], Value::Null);
        assert_eq!(reply["batch"], Value::Null);
        assert_eq!(reply["inReplyTo"]["id"], json!(to_ada));
        assert_eq!(
            reply["inReplyTo"]["subject"],
            "Your application as Backend Engineer links"
        );

        // A received answer to our reply: no sender, in the same thread.
        let header = app
            .ok(
                &admin,
                "query($id: ID!) { message(id: $id) { internetMessageId } }",
                json!({ "id": reply["id"] }),
            )
            .await["message"]["internetMessageId"]
            .as_str()
            .unwrap()
            .to_owned();
        let received = receive(
            &app,
            &format!(
                "From: Ada Links <ada@example.com>\r\nTo: jobs@acme.example\r\nSubject: Re: Follow-up\r\n\
                 Message-ID: <answer-1@example.com>\r\nIn-Reply-To: {header}\r\n\
                 Date: Wed, 2 Dec 2026 10:00:00 +0100\r\nMIME-Version: 1.0\r\n\
                 Content-Type: text/plain; charset=utf-8\r\n\r\nThank you!\r\n"
            ),
        )
        .await;
        let received = app.ok(&admin, LINKS, json!({ "id": received })).await["message"].clone();
        assert_eq!(received["sender"], Value::Null);
        assert_eq!(received["candidate"]["id"], json!(ada));
        assert_eq!(received["inReplyTo"]["id"], reply["id"]);
    })
    .await;
}

#[tokio::test]
async fn an_invitation_leads_to_its_interview_for_those_who_see_interviews() {
    on_each_backend(async |app| {
        let admin = app.admin.clone();
        let (_, _, position) = structure(&app, &admin, "iv").await;
        let candidate = create_candidate(&app, &admin, "Ivy", "Invited", "ivy@example.com").await;
        let application = create_application(&app, &admin, &candidate, &position).await;
        let at = |hours: i64| {
            (chrono::Utc::now() + chrono::Duration::days(10) + chrono::Duration::hours(hours))
                .to_rfc3339()
        };
        let interview = id(&app
            .ok(
                &admin,
                "mutation($a: ID!, $s: DateTime!, $e: DateTime!) { scheduleInterview(input: { applicationId: $a, title: \"First talk\", startsAt: $s, endsAt: $e, timeZone: \"Europe/Berlin\", location: \"Room 2\" }) { interview { id } } }",
                json!({ "a": application, "s": at(0), "e": at(1) }),
            )
            .await["scheduleInterview"]["interview"]["id"]);
        app.ok(
            &admin,
            "mutation($i: ID!) { sendInterviewInvitation(input: { interviewId: $i, subject: \"Invitation\", body: \"<p>Come</p>\" }) { interview { id } } }",
            json!({ "i": interview }),
        )
        .await;
        const INBOX: &str = "{ messages { nodes { id subject interview { id title } application { id } } } }";
        let inbox = app.ok(&admin, INBOX, json!({})).await;
        assert_eq!(
            inbox["messages"]["nodes"][0]["interview"],
            json!({ "id": interview, "title": "First talk" })
        );
        assert_eq!(inbox["messages"]["nodes"][0]["application"]["id"], json!(application));

        // MESSAGES without INTERVIEWS reads the message, not the interview.
        let (_, _, writer) = user_with_role(
            &app,
            &admin,
            "Writer",
            json!({ "sections": ["CANDIDATES", "MESSAGES"] }),
        )
        .await;
        let response = app.gql(Some(&writer), INBOX, json!({})).await;
        assert_eq!(response["data"]["messages"]["nodes"][0]["subject"], "Invitation");
        assert_eq!(response["data"]["messages"]["nodes"][0]["interview"], Value::Null);
        assert_eq!(response["errors"][0]["extensions"]["code"], "FORBIDDEN");
        assert_eq!(
            response["errors"][0]["path"],
            json!(["messages", "nodes", 0, "interview"])
        );
    })
    .await;
}

/// Three candidates' mail: scheduled, cancelled, queued and received.
struct Inbox {
    ada: String,
    bob: String,
    /// Every message, in the order written.
    all: Vec<String>,
    scheduled: String,
    cancelled: String,
    received: String,
    /// A time after the first two messages were written.
    between: String,
}

async fn inbox_fixture(app: &TestApp) -> Inbox {
    let admin = app.admin.clone();
    let ada = create_candidate(app, &admin, "Ada", "Inbox", "ada@example.com").await;
    let bob = create_candidate(app, &admin, "Bob", "Inbox", "bob@example.com").await;
    let later = (chrono::Utc::now() + chrono::Duration::days(2)).to_rfc3339();
    let free = |candidate: &str, subject: &str, body: &str| json!({ "candidateIds": [candidate], "subject": subject, "body": body });
    let first = send(
        app,
        &admin,
        free(&ada, "Welcome Ada", "<p>Glad you applied.</p>"),
    )
    .await;
    let mut scheduled = free(&bob, "Reminder", "<p>Please send your CERTIFICATES.</p>");
    scheduled["scheduledAt"] = json!(later);
    let scheduled = send(app, &admin, scheduled).await;
    tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    let between = chrono::Utc::now().to_rfc3339();
    tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    let mut to_cancel = free(&bob, "Discount: 50% off", "<p>Percent sign: 100%</p>");
    to_cancel["scheduledAt"] = json!(later);
    let cancelled = send(app, &admin, to_cancel).await;
    app.ok(
        &admin,
        "mutation($id: ID!) { cancelScheduledMessage(input: { id: $id }) { message { status } } }",
        json!({ "id": cancelled["message"]["id"] }),
    )
    .await;
    let underscore = send(app, &admin, free(&ada, "file_name here", "<p>x</p>")).await;
    let quote = send(app, &admin, free(&ada, "O'Brien called", "<p>y</p>")).await;
    let lookalike = send(
        app,
        &admin,
        free(&ada, "500 off, filexname", "<p>OBrien</p>"),
    )
    .await;
    let received = receive(
        app,
        "From: Ada Inbox <ada@example.com>\r\nTo: jobs@acme.example\r\nSubject: My certificates\r\n\
         Message-ID: <certs-1@example.com>\r\nDate: Wed, 2 Dec 2026 10:00:00 +0100\r\n\
         MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nAttached as promised.\r\n",
    )
    .await;
    let message = |sent: &Value| id(&sent["message"]["id"]);
    Inbox {
        all: vec![
            message(&first),
            message(&scheduled),
            message(&cancelled),
            message(&underscore),
            message(&quote),
            message(&lookalike),
            received.clone(),
        ],
        scheduled: message(&scheduled),
        cancelled: message(&cancelled),
        received,
        between,
        ada,
        bob,
    }
}

const INBOX: &str = "query($f: MessagesFilter, $first: Int, $after: String) {
    messages(first: $first, after: $after, filter: $f) {
        totalCount pageInfo { hasNextPage hasPreviousPage endCursor } nodes { id subject status }
    }
}";

#[tokio::test]
async fn the_inbox_lists_every_candidates_mail_and_each_filter_narrows_it() {
    on_each_backend(async |app| {
        let admin = app.admin.clone();
        let inbox = inbox_fixture(&app).await;
        let list = async |filter: Value| {
            app.ok(&admin, INBOX, json!({ "f": filter, "first": 50 }))
                .await["messages"]
                .clone()
        };
        let everything = list(json!({})).await;
        assert_eq!(ids_of(&everything), inbox.all);
        assert_eq!(everything["totalCount"], 7);

        let by = async |filter: Value| ids_of(&list(filter).await);
        assert_eq!(
            by(json!({ "direction": "INBOUND" })).await,
            vec![inbox.received.clone()]
        );
        assert_eq!(by(json!({ "direction": "OUTBOUND" })).await.len(), 6);
        assert_eq!(
            by(json!({ "status": "SCHEDULED" })).await,
            vec![inbox.scheduled.clone()]
        );
        assert_eq!(
            by(json!({ "status": "CANCELLED" })).await,
            vec![inbox.cancelled.clone()]
        );
        assert_eq!(
            by(json!({ "status": "RECEIVED" })).await,
            vec![inbox.received.clone()]
        );
        assert_eq!(
            by(json!({ "candidateId": inbox.bob })).await,
            vec![inbox.scheduled.clone(), inbox.cancelled.clone()]
        );
        assert_eq!(by(json!({ "candidateId": inbox.ada })).await.len(), 5);
        assert_eq!(
            by(json!({ "since": inbox.between })).await,
            inbox.all[2..].to_vec()
        );
        let tomorrow = (chrono::Utc::now() + chrono::Duration::days(1)).to_rfc3339();
        assert!(by(json!({ "since": tomorrow })).await.is_empty());
        // Conditions combine.
        assert_eq!(
            by(json!({ "candidateId": inbox.bob, "since": inbox.between })).await,
            vec![inbox.cancelled.clone()]
        );

        // The subject and the plain-text body, whatever the case.
        assert_eq!(
            by(json!({ "search": "welcome" })).await,
            vec![inbox.all[0].clone()]
        );
        assert_eq!(
            by(json!({ "search": "certificates" })).await,
            vec![inbox.scheduled.clone(), inbox.received.clone()],
            "the body of one and the subject of the other"
        );
        assert_eq!(
            by(json!({ "search": "AS PROMISED" })).await,
            vec![inbox.received.clone()]
        );
        // Counted with the same condition as the page.
        assert_eq!(
            list(json!({ "search": "certificates" })).await["totalCount"],
            2
        );
        assert_eq!(
            by(json!({ "search": "certificates", "direction": "OUTBOUND" })).await,
            vec![inbox.scheduled.clone()]
        );
        // Blank searches match everything, as in the candidate search.
        assert_eq!(by(json!({ "search": "   " })).await.len(), 7);
    })
    .await;
}

#[tokio::test]
async fn like_metacharacters_and_quotes_in_a_search_match_only_themselves() {
    on_each_backend(async |app| {
        let admin = app.admin.clone();
        let inbox = inbox_fixture(&app).await;
        let search = async |text: &str| {
            ids_of(
                &app.ok(
                    &admin,
                    INBOX,
                    json!({ "f": { "search": text }, "first": 50 }),
                )
                .await["messages"],
            )
        };
        // `%` would match every message, and `_` any character.
        assert_eq!(search("%").await, vec![inbox.cancelled.clone()]);
        assert_eq!(search("50%").await, vec![inbox.cancelled.clone()]);
        assert_eq!(search("file_name").await, vec![inbox.all[3].clone()]);
        assert_eq!(search("_").await, vec![inbox.all[3].clone()]);
        assert_eq!(search("o'brien").await, vec![inbox.all[4].clone()]);
        assert_eq!(search("'").await, vec![inbox.all[4].clone()]);
        assert_eq!(search("\\").await, Vec::<String>::new());
        assert_eq!(search("' OR '1'='1").await, Vec::<String>::new());
        assert_eq!(search("%' --").await, Vec::<String>::new());
    })
    .await;
}

#[tokio::test]
async fn the_inbox_pages_by_cursor() {
    on_each_backend(async |app| {
        let admin = app.admin.clone();
        let inbox = inbox_fixture(&app).await;
        let mut seen = Vec::new();
        let mut after: Option<String> = None;
        let mut pages = 0;
        loop {
            let page = app
                .ok(
                    &admin,
                    INBOX,
                    json!({ "first": 3, "after": after, "f": null }),
                )
                .await["messages"]
                .clone();
            assert_eq!(page["totalCount"], 7);
            assert_eq!(page["pageInfo"]["hasPreviousPage"], json!(after.is_some()));
            seen.extend(ids_of(&page));
            pages += 1;
            if page["pageInfo"]["hasNextPage"] == json!(false) {
                break;
            }
            after = Some(id(&page["pageInfo"]["endCursor"]));
        }
        assert_eq!(pages, 3);
        assert_eq!(seen, inbox.all);
    })
    .await;
}

#[tokio::test]
async fn bad_inbox_inputs_are_refused_with_their_code_and_field() {
    on_each_backend(async |app| {
        let admin = app.admin.clone();
        let inbox = inbox_fixture(&app).await;
        let error = async |variables: Value| {
            let response = app.gql(Some(&admin), INBOX, variables).await;
            assert_eq!(response["data"], Value::Null, "{response:#}");
            response["errors"][0]["extensions"].clone()
        };
        let huge = "a".repeat(100 * 1024);
        let extensions = error(json!({ "f": { "search": huge } })).await;
        assert_eq!(extensions["code"], "VALIDATION");
        assert_eq!(extensions["field"], "filter.search");
        let extensions = error(json!({ "f": { "search": "x".repeat(201) } })).await;
        assert_eq!(extensions["field"], "filter.search");
        let extensions = error(json!({ "f": { "search": "two\nlines" } })).await;
        assert_eq!(extensions["field"], "filter.search");
        // 200 characters are fine.
        app.ok(&admin, INBOX, json!({ "f": { "search": "é".repeat(200) } }))
            .await;

        // A message ID where a candidate's goes, and the other way round.
        let extensions = error(json!({ "f": { "candidateId": inbox.received } })).await;
        assert_eq!(extensions["code"], "VALIDATION");
        assert_eq!(extensions["field"], "filter.candidateId");
        let code = app
            .error_code(
                Some(&admin),
                "query($id: ID!) { message(id: $id) { id } }",
                json!({ "id": inbox.ada }),
            )
            .await;
        assert_eq!(code, "VALIDATION");
        let code = app
            .error_code(
                Some(&admin),
                "query($id: ID!) { emailBatch(id: $id) { id } }",
                json!({ "id": inbox.received }),
            )
            .await;
        assert_eq!(code, "VALIDATION");
        let extensions = error(json!({ "f": { "candidateId": "not an id" } })).await;
        assert_eq!(extensions["field"], "filter.candidateId");

        // Values that are no time or status at all.
        for filter in [
            json!({ "since": "yesterday" }),
            json!({ "status": "LOST" }),
            json!({ "direction": "SIDEWAYS" }),
        ] {
            let extensions = error(json!({ "f": filter })).await;
            assert_eq!(extensions["code"], "VALIDATION", "{filter}");
        }

        // Page sizes and cursors as everywhere.
        for (variables, field) in [
            (json!({ "first": 0 }), "first"),
            (json!({ "first": 101 }), "first"),
            (json!({ "after": "bogus" }), "after"),
        ] {
            let extensions = error(variables).await;
            assert_eq!(extensions["code"], "VALIDATION");
            assert_eq!(extensions["field"], field);
        }
        // The server keeps serving.
        let after = app.ok(&admin, INBOX, json!({ "first": 50 })).await;
        assert_eq!(after["messages"]["totalCount"], 7);
    })
    .await;
}

#[tokio::test]
async fn bulk_sends_list_their_messages_by_status_and_page() {
    on_each_backend(async |app| {
        let admin = app.admin.clone();
        let mut candidates = Vec::new();
        for i in 0..5 {
            candidates.push(
                create_candidate(&app, &admin, "Bulk", &format!("N{i}"), &format!("b{i}@example.com"))
                    .await,
            );
        }
        let later = (chrono::Utc::now() + chrono::Duration::days(1)).to_rfc3339();
        let first = id(&send(
            &app,
            &admin,
            json!({ "candidateIds": candidates, "subject": "S", "body": "<p>B</p>", "scheduledAt": later }),
        )
        .await["batch"]["id"]);
        let second = id(&send(
            &app,
            &admin,
            json!({ "candidateIds": &candidates[..2], "subject": "T", "body": "<p>B</p>" }),
        )
        .await["batch"]["id"]);
        const BATCH: &str = "query($b: ID!, $f: BatchMessagesFilter, $after: String) {
            emailBatch(id: $b) { total queued cancelled
                messages(first: 2, after: $after, filter: $f) {
                    totalCount pageInfo { hasNextPage endCursor } nodes { id status batch { id } }
                }
            }
        }";
        let page = app.ok(&admin, BATCH, json!({ "b": first })).await["emailBatch"].clone();
        assert_eq!(page["messages"]["totalCount"], 5);
        assert_eq!(page["messages"]["pageInfo"]["hasNextPage"], true);
        let first_page = ids_of(&page["messages"]);
        assert!(
            page["messages"]["nodes"]
                .as_array()
                .unwrap()
                .iter()
                .all(|m| m["batch"]["id"] == json!(first) && m["status"] == "SCHEDULED")
        );
        let cancelled = first_page[0].clone();
        app.ok(
            &admin,
            "mutation($id: ID!) { cancelScheduledMessage(input: { id: $id }) { message { id } } }",
            json!({ "id": cancelled }),
        )
        .await;
        let next = app
            .ok(
                &admin,
                BATCH,
                json!({ "b": first, "after": page["messages"]["pageInfo"]["endCursor"] }),
            )
            .await["emailBatch"]["messages"]
            .clone();
        assert!(ids_of(&next).iter().all(|m| !first_page.contains(m)));
        let only_cancelled = app
            .ok(&admin, BATCH, json!({ "b": first, "f": { "status": "CANCELLED" } }))
            .await["emailBatch"]
            .clone();
        assert_eq!(ids_of(&only_cancelled["messages"]), [cancelled]);
        assert_eq!(only_cancelled["cancelled"], 1);
        assert_eq!(only_cancelled["queued"], 4);
        let scheduled = app
            .ok(&admin, BATCH, json!({ "b": first, "f": { "status": "SCHEDULED" } }))
            .await;
        assert_eq!(scheduled["emailBatch"]["messages"]["totalCount"], 4);

        // The list of bulk sends, with progress counted for the whole page.
        const BATCHES: &str = "query($after: String) { emailBatches(first: 1, after: $after) {
            totalCount pageInfo { hasNextPage endCursor } nodes { id total queued cancelled }
        } }";
        let one = app.ok(&admin, BATCHES, json!({})).await["emailBatches"].clone();
        assert_eq!(one["totalCount"], 2);
        assert_eq!(
            one["nodes"],
            json!([{ "id": first, "total": 5, "queued": 4, "cancelled": 1 }])
        );
        let two = app
            .ok(&admin, BATCHES, json!({ "after": one["pageInfo"]["endCursor"] }))
            .await["emailBatches"]
            .clone();
        assert_eq!(
            two["nodes"],
            json!([{ "id": second, "total": 2, "queued": 2, "cancelled": 0 }])
        );
        assert_eq!(two["pageInfo"]["hasNextPage"], false);
    })
    .await;
}

#[tokio::test]
async fn a_hiring_manager_sees_only_their_candidates_mail_and_their_own_sends() {
    on_each_backend(async |app| {
        let admin = app.admin.clone();
        let (sub, cat, other_position) = structure(&app, &admin, "hm").await;
        let (manager_user, _, manager) = user_with_role(
            &app,
            &admin,
            "Mail Manager",
            json!({ "sections": ["CANDIDATES", "MESSAGES", "INTERVIEWS", "BULK_EMAIL"], "assignedPositionsOnly": true }),
        )
        .await;
        let theirs =
            create_position(&app, &admin, &sub, &cat, "Their position", &[&manager_user]).await;
        let seen = create_candidate(&app, &admin, "Seen", "Mail", "seen@example.com").await;
        let seen_too = create_candidate(&app, &admin, "Seen", "Too", "too@example.com").await;
        let hidden = create_candidate(&app, &admin, "Hidden", "Mail", "hidden@example.com").await;
        let seen_theirs = create_application(&app, &admin, &seen, &theirs).await;
        create_application(&app, &admin, &seen_too, &theirs).await;
        // Their candidate's latest application is to a position they do not
        // see, so the admin's mail to her is about that one.
        let seen_elsewhere = create_application(&app, &admin, &seen, &other_position).await;
        create_application(&app, &admin, &hidden, &other_position).await;
        let template = create_template(&app, &admin, "Bulk template").await;

        // The admin's bulk send reaches one of theirs and a hidden candidate.
        let admins_batch = id(&send(
            &app,
            &admin,
            json!({ "candidateIds": [seen, hidden], "templateId": template }),
        )
        .await["batch"]["id"]);
        let own_batch = id(&send(
            &app,
            &manager,
            json!({ "candidateIds": [seen, seen_too], "subject": "Mine", "body": "<p>M</p>" }),
        )
        .await["batch"]["id"]);

        let everything = app
            .ok(
                &admin,
                "{ messages(first: 50) { totalCount } emailBatches { totalCount } }",
                json!({}),
            )
            .await;
        assert_eq!(everything["messages"]["totalCount"], 4);
        assert_eq!(everything["emailBatches"]["totalCount"], 2);

        let theirs = app
            .ok(
                &manager,
                "{ messages(first: 50) { totalCount nodes { subject candidate { id } batch { id } template { id } sender { displayName } application { id } } }
                   emailBatches { totalCount nodes { id messages { totalCount } } } }",
                json!({}),
            )
            .await;
        assert_eq!(theirs["messages"]["totalCount"], 3, "{theirs:#}");
        let nodes = theirs["messages"]["nodes"].as_array().unwrap();
        assert!(nodes.iter().all(|m| m["candidate"]["id"] != json!(hidden)));
        // The admin's send is not theirs to see: its batch is null, its
        // template (which MESSAGES reads) is not.
        let from_admin = &nodes[0];
        assert_eq!(from_admin["candidate"]["id"], json!(seen));
        assert_eq!(from_admin["batch"], Value::Null);
        assert_eq!(from_admin["template"]["id"], json!(template));
        assert_eq!(from_admin["application"], Value::Null);
        assert_eq!(nodes[1]["application"]["id"], json!(seen_theirs));
        let admin_view = app
            .ok(
                &admin,
                "{ messages(first: 1) { nodes { application { id } batch { id } } } }",
                json!({}),
            )
            .await;
        assert_eq!(
            admin_view["messages"]["nodes"][0],
            json!({ "application": { "id": seen_elsewhere }, "batch": { "id": admins_batch } })
        );
        assert!(nodes[1..].iter().all(|m| m["batch"]["id"] == json!(own_batch)
            && m["sender"]["displayName"] == "Mail Manager"));
        assert_eq!(
            theirs["emailBatches"],
            json!({ "totalCount": 1, "nodes": [{ "id": own_batch, "messages": { "totalCount": 2 } }] })
        );

        // An invitation to their candidate about the hidden application:
        // the message is theirs to read, its interview and application not.
        let at = |hours: i64| {
            (chrono::Utc::now() + chrono::Duration::days(7) + chrono::Duration::hours(hours))
                .to_rfc3339()
        };
        let interview = id(&app
            .ok(
                &admin,
                "mutation($a: ID!, $s: DateTime!, $e: DateTime!) { scheduleInterview(input: { applicationId: $a, title: \"Elsewhere\", startsAt: $s, endsAt: $e, timeZone: \"UTC\", location: \"Room 9\" }) { interview { id } } }",
                json!({ "a": seen_elsewhere, "s": at(0), "e": at(1) }),
            )
            .await["scheduleInterview"]["interview"]["id"]);
        app.ok(
            &admin,
            "mutation($i: ID!) { sendInterviewInvitation(input: { interviewId: $i, subject: \"Invitation elsewhere\", body: \"<p>B</p>\" }) { interview { id } } }",
            json!({ "i": interview }),
        )
        .await;
        const INVITATIONS: &str = "{ messages(filter: { search: \"invitation elsewhere\" }) { nodes { candidate { id } interview { id } application { id } } } }";
        let invitation = app.ok(&manager, INVITATIONS, json!({})).await;
        assert_eq!(
            invitation["messages"]["nodes"],
            json!([{ "candidate": { "id": seen }, "interview": null, "application": null }])
        );
        let invitation = app.ok(&admin, INVITATIONS, json!({})).await;
        assert_eq!(
            invitation["messages"]["nodes"],
            json!([{ "candidate": { "id": seen }, "interview": { "id": interview }, "application": { "id": seen_elsewhere } }])
        );

        // A hidden candidate filters like a made-up one.
        const BY_CANDIDATE: &str =
            "query($c: ID!) { messages(filter: { candidateId: $c }) { totalCount nodes { id } } }";
        let through_hidden = app.gql(Some(&manager), BY_CANDIDATE, json!({ "c": hidden })).await;
        assert_eq!(
            through_hidden["data"]["messages"],
            json!({ "totalCount": 0, "nodes": [] })
        );
        let admin_sees = app.ok(&admin, BY_CANDIDATE, json!({ "c": hidden })).await;
        assert_eq!(admin_sees["messages"]["totalCount"], 1);

        // The admin's batch answers like a made-up one.
        let code = app
            .error_code(
                Some(&manager),
                "query($b: ID!) { emailBatch(id: $b) { id } }",
                json!({ "b": admins_batch }),
            )
            .await;
        assert_eq!(code, "NOT_FOUND");

        // Another company sees none of it.
        let other = app.other_company("Elsewhere").await;
        let foreign = app
            .ok(
                &other,
                "query($c: ID!) { messages { totalCount } emailBatches { totalCount }
                   byCandidate: messages(filter: { candidateId: $c }) { totalCount } }",
                json!({ "c": seen }),
            )
            .await;
        assert_eq!(
            foreign,
            json!({ "messages": { "totalCount": 0 }, "emailBatches": { "totalCount": 0 },
                    "byCandidate": { "totalCount": 0 } })
        );

        // Without MESSAGES, neither the inbox nor the bulk sends.
        let (_, _, sourcer) = user_with_role(
            &app,
            &admin,
            "Sourcer",
            json!({ "sections": ["CANDIDATES"] }),
        )
        .await;
        for query in ["{ messages { totalCount } }", "{ emailBatches { totalCount } }"] {
            assert_eq!(app.error_code(Some(&sourcer), query, json!({})).await, "FORBIDDEN");
        }
        assert_eq!(
            app.error_code(None, "{ messages { totalCount } }", json!({})).await,
            "UNAUTHENTICATED"
        );
    })
    .await;
}

#[tokio::test]
async fn a_preview_shows_the_address_the_message_will_be_sent_from() {
    on_each_backend(async |app| {
        let admin = app.admin.clone();
        let (sub, _, position) = structure(&app, &admin, "from").await;
        let candidate = create_candidate(&app, &admin, "Fay", "From", "fay@example.com").await;
        let application = create_application(&app, &admin, &candidate, &position).await;
        const PREVIEW: &str = "query($c: ID!) { previewEmail(input: { candidateId: $c, subject: \"S\", body: \"<p>B</p>\" }) { from } }";
        const SENT_FROM: &str = "query($id: ID!) { message(id: $id) { from } }";
        let (slug, _) = inbound_credentials(&app).await;

        // Without an address of its own, the company's recruiting address.
        let preview = app.ok(&admin, PREVIEW, json!({ "c": candidate })).await;
        assert_eq!(
            preview["previewEmail"]["from"],
            format!("Acme Recruiting <{slug}-jobs@inbound.localhost>")
        );
        let free = json!({ "candidateIds": [candidate], "subject": "S", "body": "<p>B</p>" });
        let sent = send(&app, &admin, free.clone()).await;
        let from = app.ok(&admin, SENT_FROM, json!({ "id": sent["message"]["id"] })).await;
        assert_eq!(from["message"]["from"], preview["previewEmail"]["from"]);

        // With one, the subsidiary's.
        app.ok(
            &admin,
            "mutation($s: ID!) { updateSubsidiary(input: { id: $s, emailAddress: \"jobs@berlin.acme.example\", emailDisplayName: \"Acme Berlin Jobs\" }) { subsidiary { id } } }",
            json!({ "s": sub }),
        )
        .await;
        let preview = app.ok(&admin, PREVIEW, json!({ "c": candidate })).await;
        assert_eq!(
            preview["previewEmail"]["from"],
            "Acme Berlin Jobs <jobs@berlin.acme.example>"
        );
        let sent = send(&app, &admin, free).await;
        let from = app.ok(&admin, SENT_FROM, json!({ "id": sent["message"]["id"] })).await;
        assert_eq!(from["message"]["from"], preview["previewEmail"]["from"]);

        // An interview keeps the sender of its first invitation, whatever
        // the subsidiary's address becomes, and its preview says so.
        let at = |hours: i64| {
            (chrono::Utc::now() + chrono::Duration::days(5) + chrono::Duration::hours(hours))
                .to_rfc3339()
        };
        let interview = id(&app
            .ok(
                &admin,
                "mutation($a: ID!, $s: DateTime!, $e: DateTime!) { scheduleInterview(input: { applicationId: $a, title: \"Talk\", startsAt: $s, endsAt: $e, timeZone: \"UTC\", location: \"Room 3\" }) { interview { id } } }",
                json!({ "a": application, "s": at(0), "e": at(1) }),
            )
            .await["scheduleInterview"]["interview"]["id"]);
        app.ok(
            &admin,
            "mutation($i: ID!) { sendInterviewInvitation(input: { interviewId: $i, subject: \"S\", body: \"<p>B</p>\" }) { interview { id } } }",
            json!({ "i": interview }),
        )
        .await;
        app.ok(
            &admin,
            "mutation($s: ID!) { updateSubsidiary(input: { id: $s, emailAddress: \"hr@acme.example\", emailDisplayName: \"Acme HR\" }) { subsidiary { id } } }",
            json!({ "s": sub }),
        )
        .await;
        const INVITATION: &str = "query($c: ID!, $i: ID!) { previewEmail(input: { candidateId: $c, interviewId: $i, subject: \"S\", body: \"<p>B</p>\" }) { from } }";
        let invitation = app
            .ok(&admin, INVITATION, json!({ "c": candidate, "i": interview }))
            .await;
        assert_eq!(
            invitation["previewEmail"]["from"],
            "Acme Berlin Jobs <jobs@berlin.acme.example>"
        );
        let plain = app.ok(&admin, PREVIEW, json!({ "c": candidate })).await;
        assert_eq!(plain["previewEmail"]["from"], "Acme HR <hr@acme.example>");
    })
    .await;
}
