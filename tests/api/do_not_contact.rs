//! The do-not-contact list as admins and senders meet it: addresses kept
//! only as keyed hashes, single sends and invitations refused with
//! `DO_NOT_CONTACT` and its reason, bulk sends leaving the address out, a
//! spam report listing the address, a new application lifting the list for
//! its own mail only, and every change in the audit trail without the
//! address.

use sea_orm::EntityTrait as _;
use serde_json::{Value, json};

use crate::helpers::{
    TestApp, create_application, create_candidate, create_position, on_each_backend, structure,
    user_with_role,
};
use crate::outbound::{applicant, row, tick};
use recruitmail::graphql::ids::Kind;

const ADD: &str = "mutation($i: AddDoNotContactInput!) { addDoNotContact(input: $i) {
    entry { reason since addedBy { email } } } }";
const REMOVE: &str = "mutation($i: RemoveDoNotContactInput!) { removeDoNotContact(input: $i) {
    entry { reason } } }";
const LOOKUP: &str = "query($e: String!) { doNotContact(email: $e) { reason since } }";
const SEND: &str = "mutation($i: SendEmailInput!) { sendEmail(input: $i) {
    message { id applicationId: application { id } }
    batch { total skipped { candidate { id } reason } messages { nodes { candidate { id } } } } } }";

async fn add(app: &TestApp, email: &str) -> Value {
    app.ok(&app.admin, ADD, json!({ "i": { "email": email } }))
        .await["addDoNotContact"]["entry"]
        .clone()
}

/// A free-form send to candidates; the whole response.
async fn send_to(app: &TestApp, targets: Value) -> Value {
    let mut input = json!({ "subject": "News", "body": "<p>Hello {{ first_name }}</p>" });
    for (key, value) in targets.as_object().unwrap() {
        input[key] = value.clone();
    }
    app.gql(Some(&app.admin), SEND, json!({ "i": input })).await
}

fn refusal(response: &Value) -> (&str, &str) {
    let ext = &response["errors"][0]["extensions"];
    (
        ext["code"]
            .as_str()
            .unwrap_or_else(|| panic!("{response:#}")),
        ext["reason"].as_str().unwrap_or_default(),
    )
}

/// Every stored row of the list, every column, as text.
async fn stored_rows(app: &TestApp) -> String {
    let rows = entity::do_not_contact::Entity::find()
        .all(&app.state.db)
        .await
        .unwrap();
    format!("{rows:?}")
}

#[tokio::test]
async fn the_list_keeps_hashes_only_and_refuses_a_single_send_with_its_reason() {
    on_each_backend(async |app| {
        let (_, ann, _) = applicant(&app, "Ann", "ann@example.org").await;
        let later = (chrono::Utc::now() + chrono::Duration::days(2)).to_rfc3339();
        let waiting = send_to(&app, json!({ "candidateIds": [ann], "scheduledAt": later })).await;
        let waiting = waiting["data"]["sendEmail"]["message"]["id"].clone();
        // Any case and surrounding spaces name the same address.
        let entry = add(&app, "  Ann@EXAMPLE.org ").await;
        // What was still waiting to leave does not leave.
        let status = app
            .ok(
                &app.admin,
                "query($id: ID!) { message(id: $id) { status } }",
                json!({ "id": waiting }),
            )
            .await;
        assert_eq!(status["message"]["status"], "CANCELLED");
        assert_eq!(entry["reason"], "RECRUITER");
        assert_eq!(entry["addedBy"]["email"], "admin@acme.example");
        let rows = entity::do_not_contact::Entity::find()
            .all(&app.state.db)
            .await
            .unwrap();
        assert_eq!(rows.len(), 1);
        assert_eq!(rows[0].address_hash.len(), 64);
        assert!(rows[0].address_hash.bytes().all(|b| b.is_ascii_hexdigit()));
        let text = stored_rows(&app).await.to_lowercase();
        assert!(
            !text.contains("ann@") && !text.contains("example.org"),
            "{text}"
        );

        let refused = send_to(&app, json!({ "candidateIds": [ann] })).await;
        assert_eq!(
            refusal(&refused),
            ("DO_NOT_CONTACT", "RECRUITER"),
            "{refused:#}"
        );
        let message = refused["errors"][0]["message"].as_str().unwrap();
        assert!(message.contains("do-not-contact"), "{message}");
        // Nothing was queued.
        assert_eq!(tick(&app, chrono::Utc::now()).await.sent, 0);

        let seen = app
            .ok(
                &app.admin,
                "query($id: ID!) { candidate(id: $id) { doNotContact { reason since } } }",
                json!({ "id": ann }),
            )
            .await;
        assert_eq!(seen["candidate"]["doNotContact"]["reason"], "RECRUITER");
        let found = app
            .ok(&app.admin, LOOKUP, json!({ "e": "ANN@example.org" }))
            .await;
        assert_eq!(
            found["doNotContact"]["since"],
            seen["candidate"]["doNotContact"]["since"]
        );
        let absent = app
            .ok(&app.admin, LOOKUP, json!({ "e": "bob@example.org" }))
            .await;
        assert_eq!(absent["doNotContact"], Value::Null);

        // Added again, the first entry stays.
        let again = add(&app, "ann@example.org").await;
        assert_eq!(again["since"], entry["since"]);
        assert_eq!(stored_rows(&app).await.matches("address_hash").count(), 1);

        let removed = app
            .ok(
                &app.admin,
                REMOVE,
                json!({ "i": { "email": "ann@example.org" } }),
            )
            .await;
        assert_eq!(
            removed["removeDoNotContact"]["entry"]["reason"],
            "RECRUITER"
        );
        let sent = send_to(&app, json!({ "candidateIds": [ann] })).await;
        assert!(
            sent["data"]["sendEmail"]["message"]["id"].is_string(),
            "{sent:#}"
        );
        let gone = app
            .error_code(
                Some(&app.admin),
                REMOVE,
                json!({ "i": { "email": "ann@example.org" } }),
            )
            .await;
        assert_eq!(gone, "NOT_FOUND");
    })
    .await;
}

#[tokio::test]
async fn only_admins_change_or_look_up_the_list_and_each_change_is_audited_without_the_address() {
    on_each_backend(async |app| {
        let (_, _, recruiter) = user_with_role(
            &app,
            &app.admin,
            "Rita",
            json!({ "sections": ["CANDIDATES", "MESSAGES", "BULK_EMAIL"] }),
        )
        .await;
        let input = json!({ "i": { "email": "cy@example.org" } });
        assert_eq!(app.error_code(Some(&recruiter), ADD, input.clone()).await, "FORBIDDEN");
        assert_eq!(app.error_code(Some(&recruiter), REMOVE, input.clone()).await, "FORBIDDEN");
        assert_eq!(
            app.error_code(Some(&recruiter), LOOKUP, json!({ "e": "cy@example.org" }))
                .await,
            "FORBIDDEN"
        );
        assert_eq!(app.error_code(None, ADD, input.clone()).await, "UNAUTHENTICATED");
        let bad = app
            .gql(Some(&app.admin), ADD, json!({ "i": { "email": "not an address" } }))
            .await;
        assert_eq!(bad["errors"][0]["extensions"]["code"], "VALIDATION");
        assert_eq!(bad["errors"][0]["extensions"]["field"], "email");
        assert_eq!(stored_rows(&app).await, "[]");

        let entry = app
            .ok(
                &app.admin,
                ADD,
                json!({ "i": { "email": "cy@example.org", "reason": "ERASURE" } }),
            )
            .await;
        assert_eq!(entry["addDoNotContact"]["entry"]["reason"], "ERASURE");
        app.ok(&app.admin, REMOVE, input).await;

        let log = app
            .ok(
                &app.admin,
                "{ auditLog(first: 100) { nodes { action actor { email } subjectType subjectId details } } }",
                json!({}),
            )
            .await["auditLog"]["nodes"]
            .clone();
        let ours: Vec<&Value> = log
            .as_array()
            .unwrap()
            .iter()
            .filter(|e| e["action"].as_str().unwrap().starts_with("do_not_contact."))
            .collect();
        let actions: Vec<&str> = ours.iter().map(|e| e["action"].as_str().unwrap()).collect();
        assert_eq!(actions.len(), 2, "{log:#}");
        assert!(actions.contains(&"do_not_contact.added"), "{actions:?}");
        assert!(actions.contains(&"do_not_contact.removed"), "{actions:?}");
        for entry in &ours {
            assert_eq!(entry["actor"]["email"], "admin@acme.example");
            assert_eq!(entry["subjectType"], "DoNotContact");
            assert_eq!(entry["details"]["reason"], "ERASURE");
            let prefix = entry["details"]["hashPrefix"].as_str().unwrap();
            assert_eq!(prefix.len(), 8, "{entry:#}");
            let text = entry.to_string().to_lowercase();
            assert!(!text.contains("cy@") && !text.contains("example.org"), "{text}");
        }
    })
    .await;
}

#[tokio::test]
async fn a_bulk_send_leaves_listed_candidates_out_and_counts_them() {
    on_each_backend(async |app| {
        let ann = create_candidate(&app, &app.admin, "Ann", "Example", "ann@example.org").await;
        let bo = create_candidate(&app, &app.admin, "Bo", "Example", "bo@example.org").await;
        add(&app, "ann@example.org").await;
        let sent = send_to(&app, json!({ "candidateIds": [ann, bo] })).await;
        let batch = &sent["data"]["sendEmail"]["batch"];
        assert_eq!(batch["total"], 1, "{sent:#}");
        assert_eq!(
            batch["skipped"],
            json!([{ "candidate": { "id": ann }, "reason": "DO_NOT_CONTACT" }])
        );
        assert_eq!(
            batch["messages"]["nodes"],
            json!([{ "candidate": { "id": bo } }])
        );
        assert_eq!(tick(&app, chrono::Utc::now()).await.sent, 1);
    })
    .await;
}

#[tokio::test]
async fn a_new_application_lifts_the_list_for_its_own_mail_only() {
    on_each_backend(async |app| {
        let (sub, cat, first_position) = structure(&app, &app.admin, "lift").await;
        let ann = create_candidate(&app, &app.admin, "Ann", "Example", "ann@example.org").await;
        let before = create_application(&app, &app.admin, &ann, &first_position).await;
        add(&app, "ann@example.org").await;
        let second_position = create_position(&app, &app.admin, &sub, &cat, "Designer", &[]).await;
        let after = create_application(&app, &app.admin, &ann, &second_position).await;

        let about_new = send_to(&app, json!({ "applicationIds": [after] })).await;
        let message = &about_new["data"]["sendEmail"]["message"];
        assert_eq!(message["applicationId"]["id"], after, "{about_new:#}");
        let about_old = send_to(&app, json!({ "applicationIds": [before] })).await;
        assert_eq!(refusal(&about_old), ("DO_NOT_CONTACT", "RECRUITER"));
        // Mail to the person, not about the new application, stays refused.
        let to_person = send_to(&app, json!({ "candidateIds": [ann] })).await;
        assert_eq!(refusal(&to_person), ("DO_NOT_CONTACT", "RECRUITER"));
        // An interview about the earlier application is not offered either.
        let (me, _) = crate::interviews::viewer(&app).await;
        let interview = crate::interviews::schedule(&app, &before, &[&me]).await;
        let invite = app
            .gql(
                Some(&app.admin),
                crate::interviews::INVITE,
                json!({ "i": { "interviewId": interview["id"], "subject": "S", "body": "<p>B</p>" } }),
            )
            .await;
        assert_eq!(refusal(&invite), ("DO_NOT_CONTACT", "RECRUITER"));
        let new_interview = crate::interviews::schedule(&app, &after, &[&me]).await;
        app.ok(
            &app.admin,
            crate::interviews::INVITE,
            json!({ "i": { "interviewId": new_interview["id"], "subject": "S", "body": "<p>B</p>" } }),
        )
        .await;
        // Ann's thread holds only the two messages about the new application.
        let thread = app
            .ok(
                &app.admin,
                "query($id: ID!) { candidate(id: $id) { messages { nodes { application { id } } } } }",
                json!({ "id": ann }),
            )
            .await;
        assert_eq!(
            thread["candidate"]["messages"]["nodes"],
            json!([{ "application": { "id": after } }, { "application": { "id": after } }])
        );
    })
    .await;
}

#[tokio::test]
async fn a_spam_report_puts_the_address_on_the_list() {
    on_each_backend(async |app| {
        let (_, ada, _) = applicant(&app, "Ada", "ada@example.org").await;
        let sent = crate::outbound::send_plain(&app, &ada).await;
        assert_eq!(tick(&app, chrono::Utc::now()).await.sent, 1);
        let our_id = entity::message::Entity::find_by_id(row(&sent["id"], Kind::Message))
            .one(&app.state.db)
            .await
            .unwrap()
            .unwrap()
            .message_id_header
            .unwrap();
        let complaint = crate::machine_mail::fixture(
            "arf_complaint.eml",
            &[("MESSAGE_ID", &our_id), ("RECIPIENT", "ada@example.org")],
        );
        let answer = crate::inbound::deliver(&app, &complaint).await;
        assert_eq!(answer["outcome"], "COMPLAINT", "{answer:#}");
        let seen = app
            .ok(
                &app.admin,
                "query($id: ID!) { candidate(id: $id) { complainedAt doNotContact { reason since addedBy { id } } } }",
                json!({ "id": ada }),
            )
            .await;
        let entry = &seen["candidate"]["doNotContact"];
        assert_eq!(entry["reason"], "COMPLAINT", "{seen:#}");
        assert_eq!(entry["addedBy"], Value::Null);
        let text = stored_rows(&app).await;
        assert!(!text.to_lowercase().contains("ada@"), "{text}");
        // Written to alone, they are refused now too.
        let refused = send_to(&app, json!({ "candidateIds": [ada] })).await;
        assert_eq!(refusal(&refused), ("DO_NOT_CONTACT", "COMPLAINT"));
    })
    .await;
}

#[tokio::test]
async fn a_listed_candidate_still_gets_a_cancellation_but_no_reminder() {
    use chrono::{Duration, Utc};
    on_each_backend(async |app| {
        let (_, _, application) = applicant(&app, "Zoé", "zoe@example.com").await;
        let (bo, _, _) =
            user_with_role(&app, &app.admin, "Bo Lead", json!({ "sections": ["INTERVIEWS"] })).await;
        let template = app
            .ok(
                &app.admin,
                "mutation { createEmailTemplate(input: { name: \"Reminder\", interviewRelated: true,
                    subject: \"Soon\", body: \"<p>See you</p>\" }) { emailTemplate { id } } }",
                json!({}),
            )
            .await["createEmailTemplate"]["emailTemplate"]["id"]
            .clone();
        app.ok(
            &app.admin,
            "mutation($i: UpdateInterviewRemindersInput!) { updateInterviewReminders(input: $i) {
                interviewReminders { candidateHoursBefore } } }",
            json!({ "i": { "candidateTemplateId": template, "candidateHoursBefore": 2,
                "participantHoursBefore": 2 } }),
        )
        .await;
        let now = Utc::now();
        let mut interviews = Vec::new();
        for _ in 0..2 {
            let start = now + Duration::hours(3);
            let id = app
                .ok(
                    &app.admin,
                    crate::interviews::SCHEDULE,
                    json!({ "i": { "applicationId": application, "title": "Talk",
                        "startsAt": start.to_rfc3339(), "endsAt": (start + Duration::hours(1)).to_rfc3339(),
                        "timeZone": "Europe/Berlin", "location": "Room 2", "participantIds": [bo] } }),
                )
                .await["scheduleInterview"]["interview"]["id"]
                .clone();
            app.ok(
                &app.admin,
                crate::interviews::INVITE,
                json!({ "i": { "interviewId": id, "subject": "Invitation", "body": "<p>Come</p>" } }),
            )
            .await;
            interviews.push(id);
        }
        assert!(tick(&app, Utc::now()).await.sent >= 2);
        add(&app, "zoe@example.com").await;

        let cancelled = app
            .ok(
                &app.admin,
                "mutation($i: CancelInterviewInput!) { cancelInterview(input: $i) {
                    message { status to } } }",
                json!({ "i": { "interviewId": interviews[1], "notifyCandidate": true } }),
            )
            .await;
        let message = &cancelled["cancelInterview"]["message"];
        assert_eq!(message["status"], "QUEUED", "{cancelled:#}");
        assert_eq!(message["to"], json!(["Zoé Example <zoe@example.com>"]));

        // Before the first interview, only Bo is reminded.
        let due = now + Duration::minutes(61);
        let queued = recruitmail::interviews::reminders::queue_due(&app.state.db, &app.state.settings, due)
            .await
            .unwrap();
        assert_eq!(queued, 1);
        let reminded = entity::message::Entity::find()
            .all(&app.state.db)
            .await
            .unwrap()
            .into_iter()
            .filter(|m| m.subject == "Soon")
            .count();
        assert_eq!(reminded, 0);
    })
    .await;
}
