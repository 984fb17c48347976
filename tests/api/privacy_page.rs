//! The candidate's privacy page: `{{ privacy_link }}` in a real mail opens
//! it; through it the candidate withdraws their own applications and asks
//! for erasure (which stops mail at once) or a copy of their data; admins
//! list the requests with their due dates and resolve them, audited; forged
//! tokens answer like missing ones; the public operations are rate-limited.

use chrono::{DateTime, Months, Utc};
use reqwest::header;
use serde_json::{Value, json};

use crate::helpers::{
    TestApp, create_application, create_candidate, first_code, on_each_backend,
    on_each_backend_with, structure, user_with_role,
};
use crate::outbound::{parse, tick};

const PAGE: &str = "query($t: String!) { privacyPage(token: $t) { firstName companyName language
    applications { id positionName status canWithdraw } openRequests { kind createdAt dueAt } } }";
const WITHDRAW: &str = "mutation($t: String!, $a: ID!) {
    withdrawApplication(input: { token: $t, applicationId: $a }) { application { id status canWithdraw } } }";
const ERASE: &str = "mutation($t: String!) {
    requestErasure(input: { token: $t }) { request { kind createdAt dueAt } } }";
const EXPORT: &str = "mutation($t: String!) {
    requestDataExport(input: { token: $t }) { request { kind createdAt dueAt } } }";
const REQUESTS: &str = "query($f: PrivacyRequestFilter) { privacyRequests(first: 50, filter: $f) {
    totalCount nodes { id kind status createdAt dueAt resolvedAt resolvedBy { email } candidate { id } } } }";
const RESOLVE: &str = "mutation($id: ID!) {
    resolvePrivacyRequest(input: { id: $id }) { request { id status resolvedAt resolvedBy { email } } } }";
const SEND: &str = "mutation($i: SendEmailInput!) { sendEmail(input: $i) { message { id } } }";

/// A candidate with an application to a new position; returns (candidate,
/// application).
async fn applicant(app: &TestApp, name: &str) -> (String, String) {
    let (_, _, position) = structure(app, &app.admin, name).await;
    let email = format!("{}@example.org", name.to_lowercase());
    let candidate = create_candidate(app, &app.admin, name, "Example", &email).await;
    let application = create_application(app, &app.admin, &candidate, &position).await;
    (candidate, application)
}

/// The link `{{ privacy_link }}` writes for `candidate`, read from a preview.
async fn privacy_link(app: &TestApp, candidate: &str) -> String {
    let preview = app
        .ok(
            &app.admin,
            "query($i: PreviewEmailInput!) { previewEmail(input: $i) { text missingPlaceholders } }",
            json!({ "i": { "candidateId": candidate, "subject": "S",
                "body": "<p>Your data: {{ privacy_link }}</p>" } }),
        )
        .await;
    assert_eq!(preview["previewEmail"]["missingPlaceholders"], json!([]));
    link_in(preview["previewEmail"]["text"].as_str().unwrap())
}

/// The first privacy-page URL in `text`.
fn link_in(text: &str) -> String {
    text.split_whitespace()
        .find(|word| word.contains("/privacy/"))
        .unwrap_or_else(|| panic!("no privacy link in {text}"))
        .trim_end_matches(['.', ',', ')', '>'])
        .to_owned()
}

fn token_of(link: &str) -> String {
    link.rsplit('/').next().unwrap().to_owned()
}

async fn page(app: &TestApp, token: &str) -> Value {
    app.gql(None, PAGE, json!({ "t": token })).await
}

fn instant(value: &Value) -> DateTime<Utc> {
    value.as_str().unwrap().parse().unwrap()
}

async fn audit(app: &TestApp, action: &str) -> Vec<Value> {
    app.ok(
        &app.admin,
        "query($a: String!) { auditLog(first: 100, filter: { action: $a }) {
            nodes { action actor { email } subjectType subjectId details } } }",
        json!({ "a": action }),
    )
    .await["auditLog"]["nodes"]
        .as_array()
        .unwrap()
        .clone()
}

async fn events(app: &TestApp, kind: &str) -> Vec<Value> {
    app.ok(
        &app.admin,
        "query($t: [String!]) { events(first: 100, types: $t) { nodes { type subjectType subjectId data } } }",
        json!({ "t": [kind] }),
    )
    .await["events"]["nodes"]
        .as_array()
        .unwrap()
        .clone()
}

#[tokio::test]
async fn the_link_in_a_real_mail_opens_the_candidates_page() {
    on_each_backend(async |app| {
        let (candidate, application) = applicant(&app, "Maria").await;
        let template = app
            .ok(
                &app.admin,
                "mutation { createEmailTemplate(input: { name: \"Privacy\", subject: \"Your data\",
                    body: \"<p>Dear {{ first_name }}, see {{ privacy_link }} for your data.</p>\" })
                    { emailTemplate { id } } }",
                json!({}),
            )
            .await["createEmailTemplate"]["emailTemplate"]["id"]
            .clone();
        app.ok(
            &app.admin,
            SEND,
            json!({ "i": { "candidateIds": [candidate], "templateId": template } }),
        )
        .await;
        assert_eq!(tick(&app, Utc::now()).await.sent, 1);
        let files: Vec<_> = std::fs::read_dir(app.data_dir.join("outbox"))
            .unwrap()
            .map(|e| e.unwrap().path())
            .collect();
        assert_eq!(files.len(), 1, "{files:?}");
        let raw = std::fs::read(&files[0]).unwrap();
        let mail = parse(&raw);
        let link = link_in(&mail.body_text(0).unwrap());
        assert!(mail.body_html(0).unwrap().contains(&link));
        let url = url::Url::parse(&link).unwrap();
        assert!(url.path().starts_with("/privacy/rmp_"), "{link}");

        let response = app
            .client
            .get(format!("{}{}", app.base, url.path()))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 200);
        let headers = response.headers();
        assert_eq!(headers[header::REFERRER_POLICY], "no-referrer");
        assert_eq!(headers[header::CACHE_CONTROL], "no-store");
        assert_eq!(headers[header::X_FRAME_OPTIONS], "DENY");
        let policy = headers[header::CONTENT_SECURITY_POLICY].to_str().unwrap();
        assert!(policy.contains("default-src 'none'") && policy.contains("frame-ancestors 'none'"));
        let html = response.text().await.unwrap();
        assert!(html.contains("/public/privacy.js"));
        assert!(!html.contains(&token_of(&link)));
        let script = app
            .client
            .get(format!("{}/public/privacy.js", app.base))
            .send()
            .await
            .unwrap();
        assert_eq!(script.status(), 200);
        assert!(script.text().await.unwrap().contains("privacyPage"));

        let seen = page(&app, &token_of(&link)).await;
        assert!(seen.get("errors").is_none(), "{seen}");
        assert_eq!(
            seen["data"]["privacyPage"],
            json!({ "firstName": "Maria", "companyName": "Acme Recruiting", "language": "en",
                "applications": [{ "id": application, "positionName": "Backend Engineer Maria",
                    "status": "NEW", "canWithdraw": true }],
                "openRequests": [] })
        );
        // Every candidate has their page: the preview shows the same link.
        assert_eq!(privacy_link(&app, &candidate).await, link);
        let listed = app
            .ok(
                &app.admin,
                "{ placeholders { name interviewOnly } }",
                json!({}),
            )
            .await;
        assert!(
            listed["placeholders"]
                .as_array()
                .unwrap()
                .contains(&json!({ "name": "privacy_link", "interviewOnly": false })),
            "{listed}"
        );
    })
    .await;
}

#[tokio::test]
async fn a_candidate_withdraws_their_own_applications_only() {
    on_each_backend(async |app| {
        let (ann, first) = applicant(&app, "Ann").await;
        let (_, _, position) = structure(&app, &app.admin, "Two").await;
        let second = create_application(&app, &app.admin, &ann, &position).await;
        let (_, bobs) = applicant(&app, "Bob").await;
        let token = token_of(&privacy_link(&app, &ann).await);

        let withdrawn = app
            .gql(None, WITHDRAW, json!({ "t": token, "a": first }))
            .await;
        assert_eq!(
            withdrawn["data"]["withdrawApplication"]["application"],
            json!({ "id": first, "status": "WITHDRAWN", "canWithdraw": false }),
            "{withdrawn}"
        );
        // The recruiter sees it, and so do integrations.
        let seen = app
            .ok(
                &app.admin,
                "query($id: ID!) { node(id: $id) { ... on Application { status } } }",
                json!({ "id": first }),
            )
            .await;
        assert_eq!(seen["node"]["status"], "WITHDRAWN");
        let changed = events(&app, "application.status_changed").await;
        assert_eq!(changed.len(), 1, "{changed:?}");
        assert_eq!(changed[0]["data"]["id"], first);
        assert_eq!(changed[0]["data"]["status"], "WITHDRAWN");
        assert_eq!(changed[0]["data"]["previousStatus"], "NEW");
        assert_eq!(changed[0]["data"]["candidateId"], ann);
        // Again: nothing changes, no second event.
        let again = app
            .gql(None, WITHDRAW, json!({ "t": token, "a": first }))
            .await;
        assert_eq!(again["data"]["withdrawApplication"]["application"]["status"], "WITHDRAWN");
        assert_eq!(events(&app, "application.status_changed").await.len(), 1);

        // Someone else's application is not there for this token.
        let foreign = app
            .gql(None, WITHDRAW, json!({ "t": token, "a": bobs }))
            .await;
        assert_eq!(first_code(&foreign).as_deref(), Some("NOT_FOUND"), "{foreign}");
        let bob_status = app
            .ok(
                &app.admin,
                "query($id: ID!) { node(id: $id) { ... on Application { status } } }",
                json!({ "id": bobs }),
            )
            .await;
        assert_eq!(bob_status["node"]["status"], "NEW");
        let not_an_application = app
            .gql(None, WITHDRAW, json!({ "t": token, "a": ann }))
            .await;
        assert_eq!(first_code(&not_an_application).as_deref(), Some("VALIDATION"));

        // A process that ended cannot be withdrawn from.
        app.ok(
            &app.admin,
            "mutation($id: ID!) { updateApplicationStatus(input: { id: $id, status: HIRED }) { application { status } } }",
            json!({ "id": second }),
        )
        .await;
        let hired = app
            .gql(None, WITHDRAW, json!({ "t": token, "a": second }))
            .await;
        assert_eq!(first_code(&hired).as_deref(), Some("CONFLICT"), "{hired}");
        // The recruiter's change has its event too.
        let changed = events(&app, "application.status_changed").await;
        assert_eq!(changed.len(), 2, "{changed:?}");
        let listed = page(&app, &token).await["data"]["privacyPage"]["applications"].clone();
        assert_eq!(listed[0]["status"], "WITHDRAWN");
        assert_eq!(listed[1]["status"], "HIRED");
        assert_eq!(listed[1]["canWithdraw"], false);
    })
    .await;
}

#[tokio::test]
async fn an_erasure_request_is_listed_with_its_due_date_and_stops_mail_at_once() {
    on_each_backend(async |app| {
        let (cy, _) = applicant(&app, "Cy").await;
        let token = token_of(&privacy_link(&app, &cy).await);
        let asked = app.gql(None, ERASE, json!({ "t": token })).await;
        let request = asked["data"]["requestErasure"]["request"].clone();
        assert_eq!(request["kind"], "ERASURE", "{asked}");
        let created = instant(&request["createdAt"]);
        assert_eq!(
            instant(&request["dueAt"]),
            created.checked_add_months(Months::new(1)).unwrap()
        );
        // Asking again while it waits returns the same request.
        let again = app.gql(None, ERASE, json!({ "t": token })).await;
        assert_eq!(again["data"]["requestErasure"]["request"], request);
        let shown = page(&app, &token).await["data"]["privacyPage"]["openRequests"].clone();
        assert_eq!(shown, json!([request]));

        // The address is on the do-not-contact list for the candidate's own request.
        let refused = app
            .gql(
                Some(&app.admin),
                SEND,
                json!({ "i": { "candidateIds": [cy], "subject": "S", "body": "<p>B</p>" } }),
            )
            .await;
        assert_eq!(
            first_code(&refused).as_deref(),
            Some("DO_NOT_CONTACT"),
            "{refused}"
        );
        assert_eq!(
            refused["errors"][0]["extensions"]["reason"],
            "CANDIDATE_REQUEST"
        );

        let exported = app.gql(None, EXPORT, json!({ "t": token })).await;
        assert_eq!(
            exported["data"]["requestDataExport"]["request"]["kind"],
            "EXPORT"
        );

        let all = app.ok(&app.admin, REQUESTS, json!({})).await["privacyRequests"].clone();
        assert_eq!(all["totalCount"], 2, "{all}");
        let erasure = all["nodes"][0].clone();
        assert_eq!(erasure["kind"], "ERASURE");
        assert_eq!(erasure["status"], "OPEN");
        assert_eq!(erasure["candidate"]["id"], cy);
        assert_eq!(erasure["dueAt"], request["dueAt"]);
        assert_eq!(erasure["resolvedAt"], Value::Null);
        let exports = app
            .ok(&app.admin, REQUESTS, json!({ "f": { "kind": "EXPORT" } }))
            .await["privacyRequests"]["nodes"]
            .clone();
        assert_eq!(exports.as_array().unwrap().len(), 1);
        assert_eq!(exports[0]["kind"], "EXPORT");

        let created_events = events(&app, "privacy_request.created").await;
        assert_eq!(created_events.len(), 2, "{created_events:?}");
        assert_eq!(created_events[0]["subjectType"], "PrivacyRequest");
        assert_eq!(created_events[0]["data"]["kind"], "ERASURE");
        assert_eq!(created_events[0]["data"]["candidateId"], cy);
        let trail = audit(&app, "privacy_request.created").await;
        assert_eq!(trail.len(), 2, "{trail:?}");
        assert_eq!(trail[0]["actor"], Value::Null);
        assert_eq!(trail[0]["subjectType"], "PrivacyRequest");
        let text = serde_json::to_string(&trail).unwrap().to_lowercase();
        assert!(
            !text.contains("cy@") && !text.contains("example.org"),
            "{text}"
        );

        // Resolved by an admin, audited, and no longer open.
        let resolved = app
            .ok(&app.admin, RESOLVE, json!({ "id": erasure["id"] }))
            .await["resolvePrivacyRequest"]["request"]
            .clone();
        assert_eq!(resolved["status"], "RESOLVED");
        assert_eq!(resolved["resolvedBy"]["email"], "admin@acme.example");
        assert!(resolved["resolvedAt"].is_string());
        let twice = app
            .gql(Some(&app.admin), RESOLVE, json!({ "id": erasure["id"] }))
            .await;
        assert_eq!(first_code(&twice).as_deref(), Some("CONFLICT"));
        let trail = audit(&app, "privacy_request.resolved").await;
        assert_eq!(trail.len(), 1, "{trail:?}");
        assert_eq!(trail[0]["actor"]["email"], "admin@acme.example");
        assert_eq!(trail[0]["details"]["kind"], "ERASURE");
        assert_eq!(events(&app, "privacy_request.resolved").await.len(), 1);
        let open = app
            .ok(&app.admin, REQUESTS, json!({ "f": { "status": "OPEN" } }))
            .await["privacyRequests"]["nodes"]
            .clone();
        assert_eq!(open.as_array().unwrap().len(), 1);
        assert_eq!(open[0]["kind"], "EXPORT");
        let done = app
            .ok(
                &app.admin,
                REQUESTS,
                json!({ "f": { "status": "RESOLVED" } }),
            )
            .await["privacyRequests"]["nodes"]
            .clone();
        assert_eq!(done[0]["id"], erasure["id"]);
        let shown = page(&app, &token).await["data"]["privacyPage"]["openRequests"].clone();
        assert_eq!(shown.as_array().unwrap().len(), 1);
        assert_eq!(shown[0]["kind"], "EXPORT");
        // Once resolved, a new erasure request is a new one.
        let anew = app.gql(None, ERASE, json!({ "t": token })).await;
        assert_ne!(anew["data"]["requestErasure"]["request"], request);
        assert_eq!(
            app.ok(&app.admin, REQUESTS, json!({})).await["privacyRequests"]["totalCount"],
            3
        );
    })
    .await;
}

/// The answers of the page and of each public operation with `token`.
async fn every_operation(app: &TestApp, token: &str, application: &str) -> [Value; 4] {
    [
        page(app, token).await,
        app.gql(None, WITHDRAW, json!({ "t": token, "a": application }))
            .await,
        app.gql(None, ERASE, json!({ "t": token })).await,
        app.gql(None, EXPORT, json!({ "t": token })).await,
    ]
}

/// Asserts that `token` opens nothing: the page and every operation answer
/// NOT_FOUND with the very message a token never issued gets.
async fn assert_opens_nothing(app: &TestApp, token: &str, application: &str) {
    let missing = page(app, "rmp_1_missing").await;
    assert_eq!(first_code(&missing).as_deref(), Some("NOT_FOUND"));
    for response in every_operation(app, token, application).await {
        assert_eq!(
            first_code(&response).as_deref(),
            Some("NOT_FOUND"),
            "{token}: {response}"
        );
        assert_eq!(
            response["errors"][0]["message"], missing["errors"][0]["message"],
            "{token}"
        );
    }
}

#[tokio::test]
async fn a_forged_token_answers_exactly_like_a_missing_one() {
    // Many tries from one address: above the default rate.
    let loose = [("RECRUITMAIL_SCHEDULING_RATE_PER_ADDRESS", "1000".to_owned())];
    on_each_backend_with(&loose, async |app| {
        let (dee, application) = applicant(&app, "Dee").await;
        let (eli, _) = applicant(&app, "Eli").await;
        let real = token_of(&privacy_link(&app, &dee).await);
        let elis = token_of(&privacy_link(&app, &eli).await);
        let dee_id = real.split('_').nth(1).unwrap().to_owned();
        let eli_id = elis.split('_').nth(1).unwrap().to_owned();
        let mut truncated = real.clone();
        truncated.pop();
        let tokens = [
            String::new(),
            "rmp_guess".to_owned(),
            "rmp_999999_AAAA".to_owned(),
            truncated,
            // Eli's tag with Dee's ID, and Dee's tag with Eli's ID.
            elis.replacen(&format!("rmp_{eli_id}_"), &format!("rmp_{dee_id}_"), 1),
            real.replacen(&format!("rmp_{dee_id}_"), &format!("rmp_{eli_id}_"), 1),
            format!("{real}x"),
            "x".repeat(500),
        ];
        for token in &tokens {
            assert_opens_nothing(&app, token, &application).await;
        }
        // Nothing was written through them.
        assert_eq!(
            app.ok(&app.admin, REQUESTS, json!({})).await["privacyRequests"]["totalCount"],
            0
        );
        assert!(events(&app, "application.status_changed").await.is_empty());
        // Once the candidate is deleted, their token opens nothing.
        app.ok(
            &app.admin,
            "mutation($id: ID!) { deleteCandidate(input: { id: $id }) { deletedCandidateId } }",
            json!({ "id": dee }),
        )
        .await;
        assert_eq!(
            first_code(&page(&app, &real).await).as_deref(),
            Some("NOT_FOUND")
        );
    })
    .await;
}

const REVOKE: &str = "mutation($c: ID!) {
    revokePrivacyLinks(input: { candidateId: $c }) { candidate { id } } }";

#[tokio::test]
async fn an_admin_revokes_a_candidates_links_and_new_mail_carries_a_new_one() {
    on_each_backend(async |app| {
        let (hal, application) = applicant(&app, "Hal").await;
        let (ivy, _) = applicant(&app, "Ivy").await;
        let old = token_of(&privacy_link(&app, &hal).await);
        let ivys = token_of(&privacy_link(&app, &ivy).await);
        assert!(page(&app, &old).await.get("errors").is_none());
        // The same candidate's link is the same in every mail until revoked.
        assert_eq!(token_of(&privacy_link(&app, &hal).await), old);

        // Only recruiting admins revoke, and only their own company's.
        let (_, _, recruiter) = user_with_role(
            &app,
            &app.admin,
            "Rex",
            json!({ "sections": ["CANDIDATES", "MESSAGES"] }),
        )
        .await;
        let refused = app.gql(Some(&recruiter), REVOKE, json!({ "c": hal })).await;
        assert_eq!(
            first_code(&refused).as_deref(),
            Some("FORBIDDEN"),
            "{refused}"
        );
        let other = app.other_company("Initech").await;
        let theirs = app.gql(Some(&other), REVOKE, json!({ "c": hal })).await;
        assert_eq!(
            first_code(&theirs).as_deref(),
            Some("NOT_FOUND"),
            "{theirs}"
        );
        assert!(page(&app, &old).await.get("errors").is_none());

        let revoked = app.ok(&app.admin, REVOKE, json!({ "c": hal })).await;
        assert_eq!(revoked["revokePrivacyLinks"]["candidate"]["id"], json!(hal));
        // The old link opens nothing, exactly like a forged one, and does
        // nothing either.
        assert_opens_nothing(&app, &old, &application).await;
        assert_eq!(
            app.ok(&app.admin, REQUESTS, json!({})).await["privacyRequests"]["totalCount"],
            0
        );
        // New mail carries a new link, which opens the page.
        let new = token_of(&privacy_link(&app, &hal).await);
        assert_ne!(new, old);
        let seen = page(&app, &new).await;
        assert_eq!(seen["data"]["privacyPage"]["firstName"], "Hal", "{seen}");
        // Revoking again retires that one too; another candidate's link is
        // untouched throughout.
        app.ok(&app.admin, REVOKE, json!({ "c": hal })).await;
        assert_eq!(
            first_code(&page(&app, &new).await).as_deref(),
            Some("NOT_FOUND")
        );
        assert!(page(&app, &ivys).await.get("errors").is_none());

        let entries = audit(&app, "candidate.privacy_links_revoked").await;
        assert_eq!(entries.len(), 2, "{entries:?}");
        assert_eq!(entries[0]["subjectType"], "Candidate");
        assert_eq!(entries[0]["actor"]["email"], "admin@acme.example");
        let text = serde_json::to_string(&entries).unwrap();
        assert!(!text.contains("Hal") && !text.contains("hal@"), "{text}");
    })
    .await;
}

#[tokio::test]
async fn an_anonymised_candidates_link_opens_nothing() {
    on_each_backend(async |app| {
        let (jo, application) = applicant(&app, "Jo").await;
        let token = token_of(&privacy_link(&app, &jo).await);
        app.ok(
            &app.admin,
            "mutation($a: ID!) {
                updateApplicationStatus(input: { id: $a, status: REJECTED }) { application { id } } }",
            json!({ "a": application }),
        )
        .await;
        app.ok(
            &app.admin,
            "mutation($id: ID!) { eraseCandidate(input: { id: $id, mode: ANONYMISE }) { erasedAt } }",
            json!({ "id": jo }),
        )
        .await;
        assert_opens_nothing(&app, &token, &application).await;
    })
    .await;
}

#[tokio::test]
async fn only_recruiting_admins_see_and_resolve_requests() {
    on_each_backend(async |app| {
        let (fay, _) = applicant(&app, "Fay").await;
        let token = token_of(&privacy_link(&app, &fay).await);
        app.gql(None, EXPORT, json!({ "t": token })).await;
        let id = app.ok(&app.admin, REQUESTS, json!({})).await["privacyRequests"]["nodes"][0]["id"]
            .clone();
        let (_, _, recruiter) = user_with_role(
            &app,
            &app.admin,
            "Rita",
            json!({ "sections": ["CANDIDATES", "MESSAGES", "INTERVIEWS"] }),
        )
        .await;
        for response in [
            app.gql(Some(&recruiter), REQUESTS, json!({})).await,
            app.gql(Some(&recruiter), RESOLVE, json!({ "id": id }))
                .await,
            app.gql(
                Some(&recruiter),
                "query($id: ID!) { node(id: $id) { id } }",
                json!({ "id": id }),
            )
            .await,
        ] {
            assert_eq!(
                first_code(&response).as_deref(),
                Some("FORBIDDEN"),
                "{response}"
            );
        }
        // Without any bearer token, neither.
        assert_eq!(
            first_code(&app.gql(None, REQUESTS, json!({})).await).as_deref(),
            Some("UNAUTHENTICATED")
        );
        let node = app
            .ok(
                &app.admin,
                "query($id: ID!) { node(id: $id) { ... on PrivacyRequest { kind status } } }",
                json!({ "id": id }),
            )
            .await;
        assert_eq!(node["node"], json!({ "kind": "EXPORT", "status": "OPEN" }));
        // Another company's admin does not see it.
        let other = app.other_company("Globex").await;
        let theirs = app.ok(&other, REQUESTS, json!({})).await;
        assert_eq!(theirs["privacyRequests"]["totalCount"], 0);
        let resolve = app.gql(Some(&other), RESOLVE, json!({ "id": id })).await;
        assert_eq!(first_code(&resolve).as_deref(), Some("NOT_FOUND"));
    })
    .await;
}

#[tokio::test]
async fn the_privacy_page_is_rate_limited_per_address() {
    let tight = [("RECRUITMAIL_SCHEDULING_RATE_PER_ADDRESS", "3".to_owned())];
    on_each_backend_with(&tight, async |app| {
        let (gus, application) = applicant(&app, "Gus").await;
        let token = token_of(&privacy_link(&app, &gus).await);
        assert!(page(&app, &token).await.get("errors").is_none());
        // Guesses count like any request.
        assert_eq!(
            first_code(&page(&app, "rmp_1_guess").await).as_deref(),
            Some("NOT_FOUND")
        );
        assert!(page(&app, &token).await.get("errors").is_none());
        for response in every_operation(&app, &token, &application).await {
            assert_eq!(
                first_code(&response).as_deref(),
                Some("RATE_LIMITED"),
                "{response}"
            );
        }
        assert_eq!(
            app.ok(&app.admin, REQUESTS, json!({})).await["privacyRequests"]["totalCount"],
            0
        );
    })
    .await;
}
