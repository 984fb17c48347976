//! Mail arriving at the inbound endpoint as a company's mail server posts it:
//! raw RFC 5322 messages filed in candidates' threads, applications by email,
//! calendar answers, delivery reports, and everything refused with its code.

use chrono::Utc;
use entity::enums::MessageStatus;
use recruitmail::graphql::ids::Kind;
use sea_orm::EntityTrait as _;
use serde_json::{Value, json};

use crate::helpers::{TestApp, create_candidate, on_each_backend, on_each_backend_with, structure};
use crate::intake::enable;
use crate::outbound::{applicant, parse, row, send_plain, tick, use_plain_server};
use crate::smtp_server::{Options, SmtpServer};

/// The company's slug and inbound token, as an admin reads them.
async fn inbound(app: &TestApp, token: &str) -> (String, String) {
    let company = app
        .ok(
            token,
            "{ viewer { company { slug inboundToken } } }",
            json!({}),
        )
        .await["viewer"]["company"]
        .clone();
    (
        company["slug"].as_str().unwrap().to_owned(),
        company["inboundToken"].as_str().unwrap().to_owned(),
    )
}

/// Posts `raw` to `/inbound/{slug}`; returns the HTTP status and the JSON.
async fn post(app: &TestApp, slug: &str, token: Option<&str>, raw: &[u8]) -> (u16, Value) {
    let mut request = app
        .client
        .post(format!("{}/inbound/{slug}", app.base))
        .header("Content-Type", "message/rfc822")
        .body(raw.to_vec());
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    let response = request.send().await.expect("request sent");
    let status = response.status().as_u16();
    (status, response.json().await.expect("JSON response"))
}

/// Posts `raw` with the first company's token; it must be accepted.
pub(crate) async fn deliver(app: &TestApp, raw: &str) -> Value {
    let (slug, token) = inbound(app, &app.admin).await;
    let (status, body) = post(app, &slug, Some(&token), raw.as_bytes()).await;
    assert_eq!(status, 200, "{body:#}");
    body["data"]["inbound"].clone()
}

/// The candidate's messages, oldest first, with what a thread view shows.
async fn thread(app: &TestApp, candidate: &str) -> Vec<Value> {
    app.ok(
        &app.admin,
        "query($id: ID!) { candidate(id: $id) { messages(first: 20) { nodes {
            id direction status subject from to textBody htmlBody receivedAt internetMessageId
            attachments { fileName contentType sizeBytes }
        } } } }",
        json!({ "id": candidate }),
    )
    .await["candidate"]["messages"]["nodes"]
        .as_array()
        .unwrap()
        .clone()
}

/// The reply token and Message-ID of one of our messages.
async fn our_headers(app: &TestApp, message: &Value) -> (String, String) {
    let stored = entity::message::Entity::find_by_id(row(message, Kind::Message))
        .one(&app.state.db)
        .await
        .unwrap()
        .unwrap();
    (
        stored.reply_token.unwrap(),
        stored.message_id_header.unwrap(),
    )
}

pub(crate) const NOW_HEADERS: &str =
    "Date: Wed, 2 Dec 2026 10:00:00 +0100\r\nMIME-Version: 1.0\r\n";

#[tokio::test]
async fn replies_find_their_thread_by_token_by_references_and_by_sender() {
    on_each_backend(async |app| {
        let (_, candidate, application) = applicant(&app, "Ada", "ada@example.org").await;
        let sent = send_plain(&app, &candidate).await;
        let (token, our_id) = our_headers(&app, &sent["id"]).await;
        let (slug, _) = inbound(&app, &app.admin).await;

        // 1. From another address of hers, to the Reply-To with the token.
        let by_token = deliver(
            &app,
            &format!(
                "From: Ada L <ada.private@example.net>\r\nTo: Acme <{slug}-jobs+{token}@inbound.localhost>\r\n\
                 Subject: Re: S\r\nMessage-ID: <r1@example.net>\r\n{NOW_HEADERS}\
                 Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n\
                 Gr=C3=BC=C3=9Fe, I am available on Monday.\r\n"
            ),
        )
        .await;
        assert_eq!(by_token["outcome"], "FILED", "{by_token:#}");
        assert_eq!(by_token["candidateId"], candidate.as_str());
        assert_eq!(by_token["applicationId"], Value::Null);
        assert_eq!(
            crate::event_log::history(&app, &by_token["messageId"]).await,
            crate::event_log::numbered(&[("message.received", "RECEIVED")])
        );

        // 2. Forwarded by the company's mailbox without the token, but
        //    answering our Message-ID.
        let by_reference = deliver(
            &app,
            &format!(
                "From: someone@elsewhere.example\r\nTo: jobs@acme.example\r\n\
                 Subject: Fwd: S\r\nMessage-ID: <r2@elsewhere.example>\r\n\
                 In-Reply-To: <unknown@elsewhere.example>\r\nReferences: {our_id} <unknown@elsewhere.example>\r\n\
                 {NOW_HEADERS}\r\nForwarding this.\r\n"
            ),
        )
        .await;
        assert_eq!(by_reference["candidateId"], candidate.as_str());

        // 3. A new email from her known address.
        let by_sender = deliver(
            &app,
            &format!(
                "From: ADA@example.org\r\nTo: {slug}-jobs@inbound.localhost\r\nSubject: Question\r\n\
                 Message-ID: <r3@example.org>\r\n{NOW_HEADERS}\r\nOne more question.\r\n"
            ),
        )
        .await;
        assert_eq!(by_sender["outcome"], "FILED");
        assert_eq!(by_sender["candidateId"], candidate.as_str());

        let messages = thread(&app, &candidate).await;
        let summary: Vec<(&str, &str, &str)> = messages
            .iter()
            .map(|m| {
                (
                    m["direction"].as_str().unwrap(),
                    m["status"].as_str().unwrap(),
                    m["subject"].as_str().unwrap(),
                )
            })
            .collect();
        assert_eq!(
            summary,
            [
                ("OUTBOUND", "QUEUED", "S"),
                ("INBOUND", "RECEIVED", "Re: S"),
                ("INBOUND", "RECEIVED", "Fwd: S"),
                ("INBOUND", "RECEIVED", "Question"),
            ]
        );
        let first = &messages[1];
        assert_eq!(first["id"], by_token["messageId"]);
        assert_eq!(first["from"], "Ada L <ada.private@example.net>");
        assert_eq!(first["to"], json!([format!("Acme <{slug}-jobs+{token}@inbound.localhost>")]));
        assert_eq!(
            first["textBody"].as_str().unwrap().trim(),
            "Grüße, I am available on Monday."
        );
        assert_eq!(first["internetMessageId"], "<r1@example.net>");
        assert!(first["receivedAt"].is_string());
        // The reply by token belongs to the application the message was about.
        let stored = entity::message::Entity::find_by_id(row(&first["id"], Kind::Message))
            .one(&app.state.db)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(stored.application_id, Some(row(&json!(application), Kind::Application)));
        assert_eq!(stored.in_reply_to, None);
    })
    .await;
}

const PDF: &[u8] = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer\n%%EOF\n";

/// An application by email: HTML with a script, a text part and a PDF.
fn application_email(subject: &str, message_id: &str) -> String {
    use base64::Engine as _;
    let pdf = base64::engine::general_purpose::STANDARD.encode(PDF);
    format!(
        "From: \"Lovelace, Ada\" <Ada@Example.org>\r\nTo: jobs@acme.example\r\n\
         Subject: {subject}\r\nMessage-ID: {message_id}\r\n{NOW_HEADERS}\
         Content-Type: multipart/mixed; boundary=\"outer\"\r\n\r\n\
         --outer\r\nContent-Type: multipart/alternative; boundary=\"inner\"\r\n\r\n\
         --inner\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nPlease find my CV attached.\r\n\
         --inner\r\nContent-Type: text/html; charset=utf-8\r\n\r\n\
         <p>Please find my <b>CV</b> attached.<script>alert(1)</script></p>\
         <img src=x onerror=\"alert(2)\">\r\n\
         --inner--\r\n\
         --outer\r\nContent-Type: application/pdf; name=\"Ada CV.pdf\"\r\n\
         Content-Disposition: attachment; filename=\"Ada CV.pdf\"\r\n\
         Content-Transfer-Encoding: base64\r\n\r\n{pdf}\r\n--outer--\r\n"
    )
}

#[tokio::test]
async fn an_unknown_sender_applies_by_email_with_documents_and_is_acknowledged() {
    on_each_backend(async |app| {
        let (_, category, position) = structure(&app, &app.admin, "mail").await;
        enable(&app, &category, false, true).await;
        let raw = application_email(
            "Application: backend engineer MAIL (ref 12)",
            "<apply-1@example.org>",
        );
        let first = deliver(&app, &raw).await;
        assert_eq!(first["outcome"], "NEW_CANDIDATE", "{first:#}");
        assert!(first["applicationId"].is_string(), "{first:#}");
        let candidate = first["candidateId"].as_str().unwrap().to_owned();

        // The forwarder retries: the same email is filed once.
        let again = deliver(&app, &raw).await;
        assert_eq!(
            again,
            json!({ "outcome": "DUPLICATE", "messageId": first["messageId"] })
        );

        let data = app
            .ok(
                &app.admin,
                "query($id: ID!) { candidate(id: $id) { firstName lastName email gender
                    applications { id source status position { id } } } candidates { totalCount } }",
                json!({ "id": candidate }),
            )
            .await;
        assert_eq!(data["candidates"]["totalCount"], 1);
        let person = &data["candidate"];
        assert_eq!(
            (&person["firstName"], &person["lastName"], &person["email"], &person["gender"]),
            (&json!("Ada"), &json!("Lovelace"), &json!("ada@example.org"), &json!("UNKNOWN"))
        );
        assert_eq!(
            person["applications"],
            json!([{ "id": first["applicationId"], "source": "EMAIL", "status": "NEW",
                "position": { "id": position } }])
        );

        let messages = thread(&app, &candidate).await;
        // The application, and the acknowledgement its category asks for.
        assert_eq!(messages.len(), 2, "{messages:#?}");
        assert_eq!(messages[1]["direction"], "OUTBOUND");
        assert_eq!(messages[1]["subject"], "Your application as Backend Engineer mail");
        let received = &messages[0];
        assert_eq!(received["id"], first["messageId"]);
        assert_eq!(received["textBody"].as_str().unwrap().trim(), "Please find my CV attached.");
        let html = received["htmlBody"].as_str().unwrap();
        assert!(html.contains("<b>CV</b>"), "{html}");
        for bad in ["script", "alert", "onerror"] {
            assert!(!html.contains(bad), "{bad} left in {html}");
        }
        assert_eq!(
            received["attachments"],
            json!([{ "fileName": "Ada CV.pdf", "contentType": "application/pdf",
                "sizeBytes": PDF.len() }])
        );
        let documents = app
            .ok(
                &app.admin,
                "query($id: ID!) { candidate(id: $id) { documents { nodes { fileName source category { name } uploadedBy { id } } } } }",
                json!({ "id": candidate }),
            )
            .await;
        assert_eq!(
            documents["candidate"]["documents"]["nodes"],
            json!([{ "fileName": "Ada CV.pdf", "source": "INBOUND",
                "category": { "name": "Other documents" }, "uploadedBy": null }])
        );
        let stored: Vec<entity::document::Model> =
            entity::document::Entity::find().all(&app.state.db).await.unwrap();
        assert_eq!(stored.len(), 1, "the duplicate stored no second document");
        let content = app.state.mail.blobs.get(&stored[0].blob_key).await.unwrap();
        assert_eq!(content.as_ref(), PDF);

        // An email naming no open position makes no candidate: it waits in
        // `unassignedMessages` for a recruiter.
        let unsolicited = deliver(
            &app,
            &format!(
                "From: Grace Hopper <grace@example.org>\r\nTo: jobs@acme.example\r\n\
                 Subject: Unsolicited application\r\nMessage-ID: <g1@example.org>\r\n{NOW_HEADERS}\r\nHello!\r\n"
            ),
        )
        .await;
        assert_eq!(unsolicited["outcome"], "UNASSIGNED", "{unsolicited:#}");
        assert_eq!(unsolicited["candidateId"], Value::Null);
        assert_eq!(unsolicited["applicationId"], Value::Null);
        let waiting = app
            .ok(
                &app.admin,
                "{ unassignedMessages { nodes { id from candidate { id } } } candidates { totalCount } }",
                json!({}),
            )
            .await;
        assert_eq!(
            waiting["unassignedMessages"]["nodes"],
            json!([{ "id": unsolicited["messageId"], "from": "Grace Hopper <grace@example.org>",
                "candidate": null }])
        );
        assert_eq!(waiting["candidates"]["totalCount"], 1);

        // A job board's automatic forward applies too, but is not answered
        // (RFC 3834 §2).
        let forwarded = application_email("Backend Engineer mail", "<board-7@jobs.example>")
            .replace(
                "From: \"Lovelace, Ada\" <Ada@Example.org>\r\n",
                "From: Linus T <linus@example.org>\r\nAuto-Submitted: auto-generated\r\n",
            );
        let board = deliver(&app, &forwarded).await;
        assert_eq!(board["outcome"], "NEW_CANDIDATE", "{board:#}");
        assert!(board["applicationId"].is_string(), "{board:#}");
        let linus = thread(&app, board["candidateId"].as_str().unwrap()).await;
        assert_eq!(linus.len(), 1, "{linus:#?}");
    })
    .await;
}

#[tokio::test]
async fn a_delivery_report_marks_our_message_bounced() {
    on_each_backend(async |app| {
        let (_, candidate, _) = applicant(&app, "Bo", "bo@example.org").await;
        let sent = send_plain(&app, &candidate).await;
        let (_, our_id) = our_headers(&app, &sent["id"]).await;
        let report = |id: &str| {
            format!(
                "From: Mail Delivery System <MAILER-DAEMON@mx.example.org>\r\nTo: jobs@acme.example\r\n\
                 Subject: Undelivered Mail Returned to Sender\r\nMessage-ID: <dsn-{}@mx.example.org>\r\n{NOW_HEADERS}\
                 Content-Type: multipart/report; report-type=delivery-status; boundary=\"r\"\r\n\r\n\
                 --r\r\nContent-Type: text/plain\r\n\r\nYour message could not be delivered.\r\n\
                 --r\r\nContent-Type: message/delivery-status\r\n\r\n\
                 Reporting-MTA: dns; mx.example.org\r\n\r\n\
                 Final-Recipient: rfc822; bo@example.org\r\nAction: failed\r\nStatus: 5.1.1\r\n\
                 Diagnostic-Code: smtp; 550 5.1.1 User unknown\r\n\r\n\
                 --r\r\nContent-Type: text/rfc822-headers\r\n\r\n\
                 From: jobs@acme.example\r\nMessage-ID: {id}\r\nSubject: S\r\n\
                 --r--\r\n",
                id.len()
            )
        };
        let cc_failed = report(&our_id).replace("rfc822; bo@example.org", "rfc822; colleague@acme.example");
        // Not left yet: a report about it is no reason to give up on it.
        let early = deliver(&app, &report(&our_id)).await;
        assert_eq!(early["outcome"], "REPORT", "{early:#}");
        assert_eq!(tick(&app, Utc::now()).await.sent, 1);

        // A recipient other than the candidate failed: not a bounce of it.
        assert_eq!(deliver(&app, &cc_failed).await["outcome"], "REPORT");
        let bounced = deliver(&app, &report(&our_id)).await;
        assert_eq!(bounced["outcome"], "BOUNCED", "{bounced:#}");
        assert_eq!(bounced["messageId"], sent["id"]);
        let message = app
            .ok(
                &app.admin,
                "query($id: ID!) { message(id: $id) { status lastError } }",
                json!({ "id": sent["id"] }),
            )
            .await["message"]
            .clone();
        assert_eq!(message["status"], "BOUNCED");
        assert_eq!(
            message["lastError"],
            "bounced: bo@example.org: 5.1.1 (smtp; 550 5.1.1 User unknown)"
        );
        // The report is not a message of the candidate's.
        assert_eq!(thread(&app, &candidate).await.len(), 1);

        // A report about a message that is not ours is kept aside, and does
        // not touch ours even though its recipient failed.
        let stranger = deliver(&app, &report("<not-ours@acme.example>")).await;
        assert_eq!(stranger["outcome"], "UNKNOWN_REPORT", "{stranger:#}");
        assert_eq!(stranger["machineKind"], "DELIVERY_REPORT");
        assert_eq!(stranger["candidateId"], Value::Null);
        let stored = entity::message::Entity::find_by_id(row(&sent["id"], Kind::Message))
            .one(&app.state.db)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(stored.status, MessageStatus::Bounced);
        assert_eq!(
            crate::event_log::history(&app, &sent["id"]).await,
            crate::event_log::numbered(&[
                ("message.queued", "QUEUED"),
                ("message.sent", "SENT"),
                ("message.bounced", "BOUNCED"),
            ])
        );
    })
    .await;
}

/// A calendar's answer to an invitation (RFC 5546 §3.2.3) in an email.
fn calendar_answer(from: &str, attendee: &str, uid: &str, partstat: &str, n: u32) -> String {
    format!(
        "From: {from}\r\nTo: jobs@acme.example\r\nSubject: {partstat}: Interview\r\n\
         Message-ID: <answer-{n}@example.org>\r\n{NOW_HEADERS}\
         Content-Type: multipart/alternative; boundary=\"a\"\r\n\r\n\
         --a\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nMy answer is {partstat}.\r\n\
         --a\r\nContent-Type: text/calendar; charset=utf-8; method=REPLY\r\n\r\n\
         BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//Example Calendar//EN\r\nMETHOD:REPLY\r\n\
         BEGIN:VEVENT\r\nUID:{uid}\r\nDTSTAMP:20261202T090000Z\r\nSEQUENCE:0\r\n\
         ATTENDEE;PARTSTAT={partstat};CN=Zoe:mailto:{attendee}\r\n\
         END:VEVENT\r\nEND:VCALENDAR\r\n--a--\r\n"
    )
}

#[tokio::test]
async fn a_calendar_answer_sets_the_invitation_status() {
    on_each_backend(async |app| {
        let (_, candidate, application) = applicant(&app, "Zoe", "zoe@example.com").await;
        let interview = app
            .ok(
                &app.admin,
                "mutation($i: ScheduleInterviewInput!) { scheduleInterview(input: $i) { interview { id } } }",
                json!({ "i": { "applicationId": application, "title": "Interview",
                    "startsAt": "2026-12-11T08:00:00Z", "endsAt": "2026-12-11T09:00:00Z",
                    "timeZone": "Europe/Paris", "location": "Office", "participantIds": [] } }),
            )
            .await["scheduleInterview"]["interview"]["id"]
            .clone();
        app.ok(
            &app.admin,
            "mutation($i: SendInterviewInvitationInput!) { sendInterviewInvitation(input: $i) { message { id } } }",
            json!({ "i": { "interviewId": interview, "subject": "Invitation", "body": "<p>See you</p>" } }),
        )
        .await;
        // Written to the outbox folder by the default transport: it has left.
        assert_eq!(tick(&app, Utc::now()).await.sent, 1);
        let uid = entity::interview::Entity::find_by_id(row(&interview, Kind::Interview))
            .one(&app.state.db)
            .await
            .unwrap()
            .unwrap()
            .uid;
        let status = async || {
            app.ok(
                &app.admin,
                "query($id: ID!) { interview(id: $id) { invitationStatus } }",
                json!({ "id": interview }),
            )
            .await["interview"]["invitationStatus"]
                .clone()
        };
        assert_eq!(status().await, "PENDING");

        let zoe = "Zoe <zoe@example.com>";
        let accepted = deliver(&app, &calendar_answer(zoe, "Zoe@Example.com", &uid, "ACCEPTED", 1)).await;
        assert_eq!(accepted["outcome"], "FILED", "{accepted:#}");
        assert_eq!(accepted["interviewId"], interview);
        assert_eq!(status().await, "ACCEPTED");

        // Someone else's answer, or one about an unknown event, is filed
        // but changes nothing.
        let other = calendar_answer(zoe, "bo@example.com", &uid, "DECLINED", 2);
        assert_eq!(deliver(&app, &other).await["interviewId"], Value::Null);
        let unknown = calendar_answer(zoe, "zoe@example.com", "nope@example", "DECLINED", 3);
        assert_eq!(deliver(&app, &unknown).await["interviewId"], Value::Null);
        assert_eq!(status().await, "ACCEPTED");

        let tentative = calendar_answer(zoe, "zoe@example.com", &uid, "TENTATIVE", 4);
        assert_eq!(deliver(&app, &tentative).await["interviewId"], interview);
        assert_eq!(status().await, "TENTATIVE");
        // Each answer that counted was told once, in order; the others not.
        let answers: Vec<(String, Value)> = crate::event_log::events_of(&app, &interview)
            .await
            .into_iter()
            .filter(|e| e.event_type == "invitation.responded")
            .map(|e| (e.event_type, e.data["answer"].clone()))
            .collect();
        assert_eq!(
            answers,
            vec![
                ("invitation.responded".to_owned(), json!("ACCEPTED")),
                ("invitation.responded".to_owned(), json!("TENTATIVE")),
            ]
        );
        // Each answer is in her thread, with its calendar part kept.
        let received = thread(&app, &candidate).await;
        assert_eq!(
            received.iter().filter(|m| m["direction"] == "INBOUND").count(),
            4
        );
        let kept = entity::message_content::Entity::find_by_id(row(
            &accepted["messageId"],
            Kind::Message,
        ))
        .one(&app.state.db)
        .await
        .unwrap()
        .unwrap()
        .calendar
        .unwrap();
        assert!(kept.contains("PARTSTAT=ACCEPTED"), "{kept}");

        // Rescheduled: the update (SEQUENCE 1) is what she holds now, and
        // a late answer to the first invitation does not count for it.
        app.ok(
            &app.admin,
            "mutation($i: RescheduleInterviewInput!) { rescheduleInterview(input: $i) { interview { sequence } } }",
            json!({ "i": { "interviewId": interview, "startsAt": "2026-12-14T08:00:00Z",
                "endsAt": "2026-12-14T09:00:00Z" } }),
        )
        .await;
        assert_eq!(tick(&app, Utc::now()).await.sent, 1);
        assert_eq!(status().await, "PENDING");
        let late = calendar_answer(zoe, "zoe@example.com", &uid, "DECLINED", 5);
        assert_eq!(deliver(&app, &late).await["interviewId"], Value::Null);
        assert_eq!(status().await, "PENDING");
        let current = calendar_answer(zoe, "zoe@example.com", &uid, "DECLINED", 6)
            .replace("SEQUENCE:0", "SEQUENCE:1");
        assert_eq!(deliver(&app, &current).await["interviewId"], interview);
        assert_eq!(status().await, "DECLINED");
    })
    .await;
}

/// What is wrong, the company slug, the token, the body, and the expected
/// HTTP status and `extensions.code`.
type BadDelivery<'a> = (&'a str, &'a str, Option<&'a str>, &'a [u8], u16, &'a str);

#[tokio::test]
async fn bad_deliveries_are_refused_with_their_code_and_nothing_is_stored() {
    let limit = [("RECRUITMAIL_MAX_ATTACHMENT_BYTES", "1024".to_owned())];
    on_each_backend_with(&limit, async |app| {
        let (slug, token) = inbound(&app, &app.admin).await;
        let other = app.other_company("Globex").await;
        let (other_slug, other_token) = inbound(&app, &other).await;
        let fine = b"From: ada@example.org\r\nSubject: Hi\r\n\r\nHello\r\n";
        let count = async || entity::message::Entity::find().all(&app.state.db).await.unwrap().len();
        let before = count().await;
        let big_attachment = {
            use base64::Engine as _;
            let content = base64::engine::general_purpose::STANDARD.encode(vec![b'x'; 2000]);
            format!(
                "From: ada@example.org\r\nSubject: Big\r\nMIME-Version: 1.0\r\n\
                 Content-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\nContent-Type: text/plain\r\n\r\nCV\r\n\
                 --b\r\nContent-Type: application/pdf\r\nContent-Disposition: attachment; filename=cv.pdf\r\n\
                 Content-Transfer-Encoding: base64\r\n\r\n{content}\r\n--b--\r\n"
            )
        };
        let huge = vec![b'a'; 3 * 1024 * 1024];
        let cases: Vec<BadDelivery<'_>> = vec![
            ("no token", &slug, None, fine, 401, "UNAUTHENTICATED"),
            ("wrong token", &slug, Some("wrong"), fine, 401, "UNAUTHENTICATED"),
            ("another company's token", &slug, Some(&other_token), fine, 401, "UNAUTHENTICATED"),
            ("unknown company", "no-such-company", Some(&token), fine, 401, "UNAUTHENTICATED"),
            ("not an email", &slug, Some(&token), b"\x00\x01binary garbage", 400, "VALIDATION"),
            ("no sender", &slug, Some(&token), b"Subject: Hi\r\n\r\nHello\r\n", 400, "VALIDATION"),
            ("attachments over the limit", &slug, Some(&token), big_attachment.as_bytes(), 413, "PAYLOAD_TOO_LARGE"),
            ("body over the limit", &slug, Some(&token), &huge, 413, "PAYLOAD_TOO_LARGE"),
        ];
        for (what, to, token, raw, status, code) in cases {
            let (got, body) = post(&app, to, token, raw).await;
            assert_eq!(got, status, "{what}: {body:#}");
            assert_eq!(body["errors"][0]["extensions"]["code"], code, "{what}: {body:#}");
        }
        assert_eq!(count().await, before, "nothing was filed");
        let candidates = app.ok(&app.admin, "{ candidates { totalCount } }", json!({})).await;
        assert_eq!(candidates["candidates"]["totalCount"], 0);
        // A sender no one can write back to: kept for a recruiter to read,
        // but no candidate can be made of it.
        let unusable = b"From: \"a b\"@example.org\r\nSubject: Hi\r\n\r\nHi\r\n";
        let (got, body) = post(&app, &slug, Some(&token), unusable).await;
        assert_eq!(got, 200, "{body:#}");
        assert_eq!(body["data"]["inbound"]["outcome"], "UNASSIGNED");
        let code = app
            .error_code(
                Some(&app.admin),
                "mutation($i: AssignMessageInput!) { assignMessage(input: $i) { candidate { id } } }",
                json!({ "i": { "messageId": body["data"]["inbound"]["messageId"],
                    "newCandidate": { "firstName": "A", "lastName": "B" } } }),
            )
            .await;
        assert_eq!(code, "VALIDATION");
        let candidates = app.ok(&app.admin, "{ candidates { totalCount } }", json!({})).await;
        assert_eq!(candidates["candidates"]["totalCount"], 0);

        // One email sent to both companies is filed by each.
        let both = b"From: ada@example.org\r\nSubject: Hi\r\nMessage-ID: <both@example.org>\r\n\r\nHello\r\n";
        for (slug, token) in [(&slug, &token), (&other_slug, &other_token)] {
            let (status, body) = post(&app, slug, Some(token), both).await;
            assert_eq!(status, 200, "{body:#}");
            assert_eq!(body["data"]["inbound"]["outcome"], "UNASSIGNED");
        }

        // A replaced token is refused at once; the new one works.
        let rotated = app
            .ok(
                &app.admin,
                "mutation { rotateInboundToken(input: { confirm: true }) { company { inboundToken } } }",
                json!({}),
            )
            .await["rotateInboundToken"]["company"]["inboundToken"]
            .as_str()
            .unwrap()
            .to_owned();
        assert_ne!(rotated, token);
        assert_eq!(post(&app, &slug, Some(&token), fine).await.0, 401);
        assert_eq!(post(&app, &slug, Some(&rotated), fine).await.0, 200);
        let unconfirmed = app
            .error_code(
                Some(&app.admin),
                "mutation { rotateInboundToken(input: { confirm: false }) { company { id } } }",
                json!({}),
            )
            .await;
        assert_eq!(unconfirmed, "VALIDATION");
    })
    .await;
}

/// Settings with the inbound SMTP listener on a free loopback port.
fn with_smtp_listener() -> [(&'static str, String); 1] {
    [("RECRUITMAIL_SMTP_LISTEN", "127.0.0.1:0".to_owned())]
}

#[tokio::test]
async fn mail_delivered_over_smtp_is_filed_like_posted_mail() {
    use lettre::AsyncTransport as _;
    on_each_backend_with(&with_smtp_listener(), async |app| {
        let port = app.smtp_port.expect("the SMTP listener is on");
        let (_, candidate, _) = applicant(&app, "Ada", "ada@example.org").await;
        let sent = send_plain(&app, &candidate).await;
        let (token, _) = our_headers(&app, &sent["id"]).await;
        let (slug, _) = inbound(&app, &app.admin).await;
        // The company's mailbox forwards the reply: the token is only in
        // the envelope, as `RCPT TO`.
        let raw = "From: Ada L <ada.private@example.net>\r\nTo: jobs@acme.example\r\n\
                   Subject: Re: S\r\nMessage-ID: <smtp-1@example.net>\r\n\
                   Date: Wed, 2 Dec 2026 10:00:00 +0100\r\n\r\n\
                   Monday works.\r\n.A line that starts with a dot.\r\n";
        let envelope = lettre::address::Envelope::new(
            Some("ada.private@example.net".parse().unwrap()),
            vec![
                format!("{slug}-jobs+{token}@inbound.localhost")
                    .parse()
                    .unwrap(),
            ],
        )
        .unwrap();
        let mailer =
            lettre::AsyncSmtpTransport::<lettre::Tokio1Executor>::builder_dangerous("127.0.0.1")
                .port(port)
                .build();
        mailer.send_raw(&envelope, raw.as_bytes()).await.unwrap();

        let messages = thread(&app, &candidate).await;
        assert_eq!(messages.len(), 2, "{messages:#?}");
        let received = &messages[1];
        assert_eq!(received["direction"], "INBOUND");
        assert_eq!(received["from"], "Ada L <ada.private@example.net>");
        assert_eq!(
            received["textBody"].as_str().unwrap().trim_end(),
            "Monday works.\r\n.A line that starts with a dot."
        );
        // A second delivery of the same email (a retry) files nothing new.
        mailer.send_raw(&envelope, raw.as_bytes()).await.unwrap();
        assert_eq!(thread(&app, &candidate).await.len(), 2);
    })
    .await;
}

/// A plain SMTP client that says exactly what the test writes.
struct Client {
    reader: tokio::io::BufReader<tokio::net::tcp::OwnedReadHalf>,
    writer: tokio::net::tcp::OwnedWriteHalf,
}

impl Client {
    async fn connect(port: u16) -> (Self, String) {
        let socket = tokio::net::TcpStream::connect(("127.0.0.1", port))
            .await
            .unwrap();
        let (read, writer) = socket.into_split();
        let mut client = Self {
            reader: tokio::io::BufReader::new(read),
            writer,
        };
        let greeting = client.reply().await;
        (client, greeting)
    }

    /// The server's reply, its lines joined by `|`.
    async fn reply(&mut self) -> String {
        use tokio::io::AsyncBufReadExt as _;
        let mut lines = Vec::new();
        loop {
            let mut line = String::new();
            self.reader.read_line(&mut line).await.unwrap();
            let line = line.trim_end().to_owned();
            let last = line.as_bytes().get(3) != Some(&b'-');
            lines.push(line);
            if last {
                return lines.join("|");
            }
        }
    }

    /// MAIL, `rcpt` and DATA, each accepted.
    async fn begin(&mut self, rcpt: &str) {
        for (command, expected) in [
            ("MAIL FROM:<ada@example.org>", "250 2.1.0"),
            (rcpt, "250 2.1.5"),
            ("DATA", "354"),
        ] {
            let answer = self.say(command).await;
            assert!(answer.starts_with(expected), "{command}: {answer}");
        }
    }

    async fn say(&mut self, text: &str) -> String {
        use tokio::io::AsyncWriteExt as _;
        self.writer.write_all(text.as_bytes()).await.unwrap();
        self.writer.write_all(b"\r\n").await.unwrap();
        self.reply().await
    }
}

#[tokio::test]
async fn the_smtp_listener_refuses_what_it_cannot_take_and_keeps_serving() {
    let settings = [
        ("RECRUITMAIL_SMTP_LISTEN", "127.0.0.1:0".to_owned()),
        ("RECRUITMAIL_MAX_ATTACHMENT_BYTES", "1024".to_owned()),
    ];
    on_each_backend_with(&settings, async |app| {
        let (slug, _) = inbound(&app, &app.admin).await;
        let (mut smtp, greeting) = Client::connect(app.smtp_port.unwrap()).await;
        assert!(greeting.starts_with("220 inbound.localhost"), "{greeting}");
        let max = 1024 * 78 / 57 + 1 + 1024 * 1024;
        let steps = [
            ("MAIL FROM:<ada@example.org>", "503 5.5.1"),
            ("EHLO", "501 5.5.4"),
            (
                "EHLO client.example",
                "250-inbound.localhost greets client.example",
            ),
            ("RCPT TO:<x@example.org>", "503 5.5.1"),
            ("DATA", "503 5.5.1"),
            ("MAIL FROM:<> SIZE=99999999", "552 5.3.4"),
            ("MAIL FROM:<>", "250 2.1.0"),
            ("MAIL FROM:<>", "503 5.5.1"),
            ("RCPT TO:<someone@elsewhere.example>", "550 5.7.1"),
            ("RCPT TO:<nobody-jobs@inbound.localhost>", "550 5.1.1"),
            ("DATA", "554 5.5.1"),
            ("VRFY someone", "252 2.5.0"),
            ("STARTTLS", "502 5.5.1"),
            (&"X".repeat(2000), "500 5.5.2"),
            ("NOOP", "250 2.0.0"),
        ];
        for (command, expected) in steps {
            let answer = smtp.say(command).await;
            assert!(answer.starts_with(expected), "{command:.40}: {answer}");
        }
        let ehlo = smtp.say("EHLO client.example").await;
        assert!(ehlo.contains(&format!("250-SIZE {max}")), "{ehlo}");
        assert!(ehlo.ends_with("250 ENHANCEDSTATUSCODES"), "{ehlo}");

        // A message without a sender is refused after DATA; nothing stored.
        let rcpt = format!("RCPT TO:<{slug}-jobs@inbound.localhost>");
        smtp.begin(&rcpt).await;
        let refused = smtp.say("Subject: no sender\r\n\r\nHello\r\n.").await;
        assert!(refused.starts_with("554 5.6.0"), "{refused}");
        // Too big: read to its end, refused, and the session goes on.
        smtp.begin(&rcpt).await;
        let line = "y".repeat(998);
        let body = vec![line.as_str(); 2000].join("\r\n");
        let too_big = smtp
            .say(&format!(
                "From: ada@example.org\r\nSubject: big\r\n\r\n{body}\r\n."
            ))
            .await;
        assert!(too_big.starts_with("552 5.3.4"), "{too_big}");
        assert_eq!(
            entity::message::Entity::find()
                .all(&app.state.db)
                .await
                .unwrap()
                .len(),
            0
        );
        // Then a good one, and goodbye.
        smtp.begin(&rcpt).await;
        let accepted = smtp
            .say("From: Ada <ada@example.org>\r\nSubject: Hello\r\n\r\nHi there\r\n.")
            .await;
        assert!(accepted.starts_with("250 2.0.0"), "{accepted}");
        // A null reverse-path (RFC 5321 §4.5.5) marks automatic mail: taken,
        // but not made a candidate when it answers nothing.
        for (command, expected) in [
            ("MAIL FROM:<>", "250"),
            (rcpt.as_str(), "250"),
            ("DATA", "354"),
        ] {
            let answer = smtp.say(command).await;
            assert!(answer.starts_with(expected), "{command}: {answer}");
        }
        let automatic = smtp
            .say("From: Vacation Bot <bot@example.net>\r\nSubject: Away\r\n\r\nI am away\r\n.")
            .await;
        assert!(automatic.starts_with("250 2.0.0"), "{automatic}");
        assert!(smtp.say("QUIT").await.starts_with("221"));
        // Neither made a candidate: the person's mail waits to be assigned,
        // the automatic one is kept aside as a machine's.
        let kept = app
            .ok(
                &app.admin,
                "{ candidates { totalCount } people: unassignedMessages { nodes { subject machineKind } }
                   machines: unassignedMessages(machine: true) { nodes { subject machineKind } } }",
                json!({}),
            )
            .await;
        assert_eq!(kept["candidates"]["totalCount"], 0);
        assert_eq!(
            kept["people"]["nodes"],
            json!([{ "subject": "Hello", "machineKind": null }])
        );
        assert_eq!(
            kept["machines"]["nodes"],
            json!([{ "subject": "Away", "machineKind": "AUTO_REPLY" }])
        );
    })
    .await;
}

#[tokio::test]
async fn odd_mail_is_filed_safely_or_set_aside() {
    on_each_backend(async |app| {
        let (_, candidate, _) = applicant(&app, "Ada", "ada@example.org").await;
        let sent = send_plain(&app, &candidate).await;
        let (_, our_id) = our_headers(&app, &sent["id"]).await;

        // The company's mailbox was in Bcc of our own message: a copy of it.
        let copy = deliver(
            &app,
            &format!(
                "From: Acme <jobs@acme.example>\r\nTo: ada@example.org\r\nSubject: S\r\n\
                 Message-ID: {our_id}\r\n{NOW_HEADERS}\r\nB\r\n"
            ),
        )
        .await;
        assert_eq!(
            copy,
            json!({ "outcome": "OWN_MESSAGE", "messageId": sent["id"] })
        );

        // NUL characters (which PostgreSQL cannot store), a Message-ID with a
        // control character, and 2,000 recipients.
        let crowd: Vec<String> = (0..2000).map(|i| format!("p{i}@example.org")).collect();
        let odd = deliver(
            &app,
            &format!(
                "From: ada@example.org\r\nTo: {}\r\nSubject: Odd\r\nMessage-ID: <a\x01b@example.org>\r\n\
                 {NOW_HEADERS}Content-Type: text/plain; charset=utf-8\r\n\
                 Content-Transfer-Encoding: quoted-printable\r\n\r\nnul=00here\r\n",
                crowd.join(", ")
            ),
        )
        .await;
        assert_eq!(odd["outcome"], "FILED", "{odd:#}");
        let stored = thread(&app, &candidate).await;
        let odd_message = stored.last().unwrap();
        assert_eq!(odd_message["textBody"].as_str().unwrap().trim(), "nulhere");
        assert_eq!(odd_message["to"].as_array().unwrap().len(), 500);
        let derived = odd_message["internetMessageId"].as_str().unwrap();
        assert!(derived.ends_with("@derived.recruitmail.invalid>"), "{derived}");

        // Without a Message-ID, the same email twice is filed once.
        let anonymous = "From: ada@example.org\r\nSubject: No ID\r\n\
                         Date: Wed, 2 Dec 2026 11:00:00 +0100\r\n\r\nHello again\r\n";
        let first = deliver(&app, anonymous).await;
        assert_eq!(first["outcome"], "FILED");
        let again = deliver(&app, anonymous).await;
        assert_eq!(again, json!({ "outcome": "DUPLICATE", "messageId": first["messageId"] }));

        // A mail system's notice that answers nothing of ours is set aside,
        // not made a candidate.
        let notice = deliver(
            &app,
            &format!(
                "From: Mail Delivery Subsystem <MAILER-DAEMON@mx.example.org>\r\n\
                 Subject: Undeliverable: Backend Engineer Ada\r\nMessage-ID: <n1@mx.example.org>\r\n\
                 {NOW_HEADERS}\r\nSomething went wrong.\r\n"
            ),
        )
        .await;
        assert_eq!(notice["outcome"], "UNKNOWN_REPORT", "{notice:#}");
        assert_eq!(notice["machineKind"], "DELIVERY_REPORT");
        let everyone = app
            .ok(&app.admin, "{ candidates { totalCount } }", json!({}))
            .await;
        assert_eq!(everyone["candidates"]["totalCount"], 1);
    })
    .await;
}

#[tokio::test]
async fn an_answer_to_received_mail_is_in_the_same_conversation_for_the_candidate() {
    let server = SmtpServer::start(Options::default());
    on_each_backend_with(&[], async |app| {
        let (sub, candidate, _) = applicant(&app, "Ada", "ada@example.org").await;
        use_plain_server(&app, &sub, &server).await;
        let question = deliver(
            &app,
            &format!(
                "From: ada@example.org\r\nSubject: Question\r\nMessage-ID: <q1@example.org>\r\n\
                 References: <older@example.org>\r\n{NOW_HEADERS}\r\nWhen do we meet?\r\n"
            ),
        )
        .await;
        let send = "mutation($i: SendEmailInput!) { sendEmail(input: $i) { message { id } } }";
        let answer = |candidates: Value, answered: &Value| {
            json!({ "i": { "candidateIds": candidates, "subject": "Re: Question",
                "body": "<p>On Monday.</p>", "inReplyToId": answered } })
        };
        let before = server.delivered().len();
        app.ok(
            &app.admin,
            send,
            answer(json!([candidate]), &question["messageId"]),
        )
        .await;
        assert_eq!(tick(&app, Utc::now()).await.sent, 1);
        let delivered = server.wait_for(before + 1);
        let mail = parse(&delivered[before].raw);
        assert_eq!(mail.in_reply_to().as_text(), Some("q1@example.org"));
        let references: Vec<&str> = mail
            .references()
            .as_text_list()
            .unwrap()
            .iter()
            .map(AsRef::as_ref)
            .collect();
        assert_eq!(references, ["older@example.org", "q1@example.org"]);

        // Only to the candidate whose thread it is, and only one.
        let other = create_candidate(&app, &app.admin, "Bo", "Other", "bo@example.org").await;
        for candidates in [json!([other]), json!([candidate, other])] {
            let code = app
                .error_code(
                    Some(&app.admin),
                    send,
                    answer(candidates, &question["messageId"]),
                )
                .await;
            assert_eq!(code, "VALIDATION");
        }
        let missing = json!(Kind::Message.id(999_999).to_string());
        let code = app
            .error_code(Some(&app.admin), send, answer(json!([candidate]), &missing))
            .await;
        assert_eq!(code, "NOT_FOUND");
    })
    .await;
}
