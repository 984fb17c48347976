//! What becomes of an interview invitation once it has left through a real
//! SMTP server on loopback: a delivery report that it bounced, and the
//! candidate's calendar answering it after their address changed, in
//! `text/calendar` and in `application/ics` parts.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use chrono::Utc;
use serde_json::{Value, json};

use crate::helpers::{TestApp, create_candidate, on_each_backend};
use crate::inbound::{NOW_HEADERS, deliver};
use crate::interviews::{
    INVITE, RESCHEDULE, at, calendars, monday, read_calendar, schedule, value,
};
use crate::outbound::{applicant, parse, tick, use_plain_server};
use crate::smtp_server::{Options, SmtpServer};

/// An interview of a new applicant at `email`, invited through `server`;
/// returns (candidate, interview, the invitation as delivered).
async fn invited(app: &TestApp, server: &SmtpServer, email: &str) -> (String, Value, Vec<u8>) {
    let (sub, candidate, application) = applicant(app, "Zoe", email).await;
    use_plain_server(app, &sub, server).await;
    let interview = schedule(app, &application, &[]).await["id"].clone();
    app.ok(
        &app.admin,
        INVITE,
        json!({ "i": { "interviewId": interview, "subject": "Invitation", "body": "<p>See you</p>" } }),
    )
    .await;
    assert_eq!(tick(app, Utc::now()).await.sent, 1);
    let delivered = server.wait_for(1).pop().expect("the invitation arrived");
    assert_eq!(delivered.rcpt_tos, [email]);
    (candidate, interview, delivered.raw)
}

async fn invitation_status(app: &TestApp, interview: &Value) -> Value {
    app.ok(
        &app.admin,
        "query($id: ID!) { interview(id: $id) { invitationStatus } }",
        json!({ "id": interview }),
    )
    .await["interview"]["invitationStatus"]
        .clone()
}

#[tokio::test]
async fn a_bounced_invitation_says_so() {
    on_each_backend(async |app| {
        let server = SmtpServer::start(Options::default());
        let (_, interview, raw) = invited(&app, &server, "zoe@example.com").await;
        let message_id = format!("<{}>", parse(&raw).message_id().expect("a Message-ID"));
        assert_eq!(invitation_status(&app, &interview).await, "PENDING");

        let report = format!(
            "From: Mail Delivery System <MAILER-DAEMON@mx.example.com>\r\nTo: jobs@acme.example\r\n\
             Subject: Undelivered Mail Returned to Sender\r\nMessage-ID: <dsn-1@mx.example.com>\r\n\
             {NOW_HEADERS}\
             Content-Type: multipart/report; report-type=delivery-status; boundary=\"r\"\r\n\r\n\
             --r\r\nContent-Type: text/plain\r\n\r\nThis is the mail system at mx.example.com.\r\n\
             --r\r\nContent-Type: message/delivery-status\r\n\r\n\
             Reporting-MTA: dns; mx.example.com\r\n\r\n\
             Final-Recipient: rfc822; zoe@example.com\r\nAction: failed\r\nStatus: 5.1.1\r\n\
             Diagnostic-Code: smtp; 550 5.1.1 <zoe@example.com>: User unknown\r\n\r\n\
             --r\r\nContent-Type: text/rfc822-headers\r\n\r\n\
             From: jobs@acme.example\r\nTo: zoe@example.com\r\nMessage-ID: {message_id}\r\n\
             Subject: Invitation\r\n\
             --r--\r\n"
        );
        let outcome = deliver(&app, &report).await;
        assert_eq!(outcome["outcome"], "BOUNCED", "{outcome:#}");
        assert_eq!(invitation_status(&app, &interview).await, "BOUNCED");
        let invitations = app
            .ok(
                &app.admin,
                "query($id: ID!) { interview(id: $id) { invitations { status message { status lastError } } } }",
                json!({ "id": interview }),
            )
            .await["interview"]["invitations"]
            .clone();
        assert_eq!(invitations[0]["status"], "BOUNCED", "{invitations:#}");
        assert_eq!(invitations[0]["message"]["status"], "BOUNCED");
        assert!(
            invitations[0]["message"]["lastError"]
                .as_str()
                .unwrap()
                .contains("User unknown")
        );
        // A bounced invitation is no answer a recruiter can record.
        let code = app
            .error_code(
                Some(&app.admin),
                "mutation($i: ID!) { recordInvitationResponse(input: { interviewId: $i, status: BOUNCED }) { interview { id } } }",
                json!({ "i": interview }),
            )
            .await;
        assert_eq!(code, "VALIDATION");
    })
    .await;
}

/// A calendar's answer (RFC 5546 §3.2.3) for `attendee`, sent from `from`
/// with no threading header: only the event names what it answers. As
/// `text/calendar`, or as an `application/ics` file (base64), the way some
/// mail programs send it.
fn answer(
    from: &str,
    attendee: &str,
    uid: &str,
    sequence: u32,
    partstat: &str,
    ics: bool,
) -> String {
    let calendar = format!(
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//Example Mail//EN\r\nMETHOD:REPLY\r\n\
         BEGIN:VEVENT\r\nUID:{uid}\r\nDTSTAMP:20261202T090000Z\r\nSEQUENCE:{sequence}\r\n\
         ATTENDEE;PARTSTAT={partstat};CN=Zoe:mailto:{attendee}\r\n\
         END:VEVENT\r\nEND:VCALENDAR\r\n"
    );
    let part = if ics {
        format!(
            "Content-Type: application/ics; name=\"invite.ics\"\r\n\
             Content-Disposition: attachment; filename=\"invite.ics\"\r\n\
             Content-Transfer-Encoding: base64\r\n\r\n{}\r\n",
            STANDARD.encode(calendar)
        )
    } else {
        format!("Content-Type: text/calendar; charset=utf-8; method=REPLY\r\n\r\n{calendar}")
    };
    format!(
        "From: {from}\r\nTo: jobs@acme.example\r\nSubject: {partstat}: Interview\r\n\
         Message-ID: <{partstat}-{sequence}-{ics}@example.net>\r\n{NOW_HEADERS}\
         Content-Type: multipart/mixed; boundary=\"a\"\r\n\r\n\
         --a\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nMy answer is {partstat}.\r\n\
         --a\r\n{part}--a--\r\n"
    )
}

#[tokio::test]
async fn an_answer_counts_by_its_event_after_the_candidate_changed_address() {
    on_each_backend(async |app| {
        let server = SmtpServer::start(Options::default());
        let (old, new) = ("zoe@example.com", "zoe.new@example.net");
        let (candidate, interview, raw) = invited(&app, &server, old).await;
        let (_, inline, _) = calendars(&parse(&raw));
        let event = &read_calendar(&inline).events[0];
        let uid = value(&event.properties, "UID");
        assert_eq!(value(&event.properties, "SEQUENCE"), "0");

        app.ok(
            &app.admin,
            "mutation($i: UpdateCandidateInput!) { updateCandidate(input: $i) { candidate { email } } }",
            json!({ "i": { "id": candidate, "email": new } }),
        )
        .await;
        let candidates = async || {
            app.ok(&app.admin, "{ candidates { totalCount } }", json!({}))
                .await["candidates"]["totalCount"]
                .clone()
        };
        let before = candidates().await;

        // Her calendar answers for the address the invitation went to,
        // from her new address.
        let accepted = deliver(&app, &answer(new, old, &uid, 0, "ACCEPTED", false)).await;
        assert_eq!(accepted["outcome"], "FILED", "{accepted:#}");
        assert_eq!(accepted["candidateId"], candidate);
        assert_eq!(accepted["interviewId"], interview);
        assert_eq!(invitation_status(&app, &interview).await, "ACCEPTED");

        // Moved: the update (SEQUENCE 1) goes to her new address.
        app.ok(
            &app.admin,
            RESCHEDULE,
            json!({ "i": { "interviewId": interview, "startsAt": at(monday(), 7), "endsAt": at(monday(), 8) } }),
        )
        .await;
        assert_eq!(tick(&app, Utc::now()).await.sent, 1);
        let update = server.wait_for(2).pop().expect("the update arrived");
        assert_eq!(update.rcpt_tos, [new]);
        assert_eq!(invitation_status(&app, &interview).await, "PENDING");

        // A late answer to the first invitation, as an application/ics
        // file from an address we never knew: filed in her thread by its
        // event, but it answers an older revision and changes nothing.
        let unknown = "Zoe's calendar <calendar@zoe.example>";
        let stale = deliver(&app, &answer(unknown, old, &uid, 0, "DECLINED", true)).await;
        assert_eq!(stale["outcome"], "FILED", "{stale:#}");
        assert_eq!(stale["candidateId"], candidate);
        assert_eq!(stale["interviewId"], Value::Null);
        assert_eq!(invitation_status(&app, &interview).await, "PENDING");

        // Another candidate answering with her event changes nothing.
        create_candidate(&app, &app.admin, "Mallory", "X", "mallory@example.org").await;
        let mallory = answer("mallory@example.org", "mallory@example.org", &uid, 1, "DECLINED", true);
        let theirs = deliver(&app, &mallory).await;
        assert_ne!(theirs["candidateId"], candidate, "{theirs:#}");
        assert_eq!(theirs["interviewId"], Value::Null);
        assert_eq!(invitation_status(&app, &interview).await, "PENDING");

        // Her answer to the update, as application/ics.
        let current = deliver(&app, &answer(new, new, &uid, 1, "ACCEPTED", true)).await;
        assert_eq!(current["candidateId"], candidate, "{current:#}");
        assert_eq!(current["interviewId"], interview);
        assert_eq!(invitation_status(&app, &interview).await, "ACCEPTED");

        // Besides Mallory, added by hand, no answer made anyone a candidate.
        assert_eq!(candidates().await, json!(before.as_i64().unwrap() + 1));
        // The calendar file is read, not kept as one of her documents.
        let documents = app
            .ok(
                &app.admin,
                "query($id: ID!) { candidate(id: $id) { documents { totalCount } } }",
                json!({ "id": candidate }),
            )
            .await["candidate"]["documents"]["totalCount"]
            .clone();
        assert_eq!(documents, 0);
    })
    .await;
}
