//! Reminders before interviews: queued by the job (driven here with the
//! clock the test chooses) through the outbox, delivered to a real SMTP
//! server on loopback, once per start time however often and from however
//! many callers the job runs.

use chrono::{DateTime, Duration, Utc};
use serde_json::{Value, json};

use crate::helpers::{TestApp, on_each_backend_with, user_with_role};
use crate::interviews::{CANCEL, INVITE, RESCHEDULE, SCHEDULE};
use crate::outbound::{applicant, parse, tick, use_plain_server};
use crate::smtp_server::{Options, SmtpServer};

const REMINDERS: &str = "mutation($i: UpdateInterviewRemindersInput!) {
    updateInterviewReminders(input: $i) { interviewReminders {
        candidateTemplateId candidateHoursBefore participantHoursBefore } } }";

/// Runs the reminder job as an instance would at `at`.
async fn remind(app: &TestApp, at: DateTime<Utc>) -> usize {
    recruitmail::interviews::reminders::queue_due(&app.state.db, &app.state.settings, at)
        .await
        .unwrap()
}

/// Runs the job twice at the same moment, as two instances on one
/// database do: the second on its own connection pool.
async fn remind_twice_at_once(app: &TestApp, at: DateTime<Utc>) -> usize {
    let settings = &app.state.settings;
    let other = recruitmail::db::connect(settings, app.state.metrics.clone())
        .await
        .unwrap();
    let (one, two) = tokio::join!(
        remind(app, at),
        recruitmail::interviews::reminders::queue_due(&other, settings, at)
    );
    one + two.unwrap()
}

/// Delivers what is due; returns (recipient, subject, text) sorted.
async fn deliver_all(app: &TestApp, server: &SmtpServer) -> Vec<(String, String, String)> {
    deliver_at(app, server, Utc::now()).await
}

/// Delivers what is due at `at` (reminders queued at a later clock are due then).
async fn deliver_at(
    app: &TestApp,
    server: &SmtpServer,
    at: DateTime<Utc>,
) -> Vec<(String, String, String)> {
    let seen = server.delivered().len();
    let sent = tick(app, at).await.sent;
    let delivered = server.wait_for(seen + sent);
    let mut out: Vec<(String, String, String)> = delivered[seen..]
        .iter()
        .map(|d| {
            let mail = parse(&d.raw);
            (
                d.rcpt_tos.join(","),
                mail.subject().unwrap_or_default().to_owned(),
                mail.body_text(0).unwrap_or_default().into_owned(),
            )
        })
        .collect();
    out.sort();
    out
}

/// Schedules an interview at `start` (one hour) with `bo` and invites the
/// candidate; returns its ID once everything has left.
async fn invited(
    app: &TestApp,
    server: &SmtpServer,
    application: &str,
    bo: &str,
    start: DateTime<Utc>,
) -> Value {
    let id = app
        .ok(
            &app.admin,
            SCHEDULE,
            json!({ "i": { "applicationId": application, "title": "Talk",
                "startsAt": start.to_rfc3339(), "endsAt": (start + Duration::hours(1)).to_rfc3339(),
                "timeZone": "Europe/Berlin", "location": "Room 2", "participantIds": [bo] } }),
        )
        .await["scheduleInterview"]["interview"]["id"]
        .clone();
    app.ok(
        &app.admin,
        INVITE,
        json!({ "i": { "interviewId": id, "subject": "Invitation", "body": "<p>See you</p>" } }),
    )
    .await;
    assert_eq!(deliver_all(app, server).await.len(), 2);
    id
}

#[tokio::test]
async fn reminders_go_once_before_each_start_and_never_for_a_cancelled_interview() {
    let server = SmtpServer::start(Options::default());
    on_each_backend_with(&[], async |app| {
        let (sub, _, application) = applicant(&app, "Zoé", "zoe@example.com").await;
        use_plain_server(&app, &sub, &server).await;
        let (bo, _, _) =
            user_with_role(&app, &app.admin, "Bo Lead", json!({ "sections": ["INTERVIEWS"] })).await;
        let template = app
            .ok(
                &app.admin,
                "mutation { createEmailTemplate(input: { name: \"Reminder\", interviewRelated: true,
                    subject: \"Soon: {{ interview_title }}\",
                    body: \"<p>Dear {{ first_name }}, see you on {{ interview_date }} at {{ interview_time }}.</p>\" })
                    { emailTemplate { id } } }",
                json!({}),
            )
            .await["createEmailTemplate"]["emailTemplate"]["id"]
            .clone();
        let set = app
            .ok(
                &app.admin,
                REMINDERS,
                json!({ "i": { "candidateTemplateId": template, "candidateHoursBefore": 2,
                    "participantHoursBefore": 2 } }),
            )
            .await;
        assert_eq!(
            set["updateInterviewReminders"]["interviewReminders"],
            json!({ "candidateTemplateId": template, "candidateHoursBefore": 2, "participantHoursBefore": 2 })
        );

        let now = Utc::now();
        // A: in three hours. B: cancelled. C: scheduled 1 h ahead, closer
        // than the two hours: its invitation was the announcement.
        let a = invited(&app, &server, &application, &bo, now + Duration::hours(3)).await;
        let b = invited(&app, &server, &application, &bo, now + Duration::hours(3)).await;
        let _c = invited(&app, &server, &application, &bo, now + Duration::hours(1)).await;
        app.ok(&app.admin, CANCEL, json!({ "i": { "interviewId": b, "notifyCandidate": true } }))
            .await;
        assert_eq!(deliver_all(&app, &server).await.len(), 2, "B's cancellations");

        // Not yet due.
        assert_eq!(remind(&app, now + Duration::minutes(30)).await, 0);
        // Due for A: the candidate's and the participant's, once.
        let due = now + Duration::minutes(61);
        assert_eq!(remind_twice_at_once(&app, due).await, 2);
        assert_eq!(remind(&app, due).await, 0);
        assert_eq!(remind(&app, due + Duration::minutes(1)).await, 0);
        let sent = deliver_at(&app, &server, due).await;
        assert_eq!(sent.len(), 2, "{sent:#?}");
        assert_eq!(sent[0].0, "bo.lead@acme.example");
        assert_eq!(sent[0].1, "Reminder: Talk");
        assert_eq!(sent[1].0, "zoe@example.com");
        assert_eq!(sent[1].1, "Soon: Talk");
        let local = (now + Duration::hours(3)).with_timezone(&chrono_tz::Europe::Berlin);
        assert!(sent[1].2.contains(&local.format("%-I:%M\u{202f}%p").to_string()), "{}", sent[1].2);
        assert_eq!(tick(&app, due + Duration::minutes(1)).await.sent, 0);

        // Moved two hours later: reminded again before the new start only.
        let new_start = now + Duration::hours(5);
        app.ok(
            &app.admin,
            RESCHEDULE,
            json!({ "i": { "interviewId": a, "startsAt": new_start.to_rfc3339(),
                "endsAt": (new_start + Duration::hours(1)).to_rfc3339() } }),
        )
        .await;
        assert_eq!(deliver_all(&app, &server).await.len(), 2, "the updates");
        assert_eq!(remind(&app, due).await, 0);
        let due = now + Duration::minutes(3 * 60 + 1);
        assert_eq!(remind_twice_at_once(&app, due).await, 2);
        assert_eq!(remind(&app, due).await, 0);

        // Moved again while those two reminders wait in the outbox: they
        // would name the old time, so they are withdrawn with the move and
        // only the updates leave; the new start gets its own reminders.
        let last_start = now + Duration::hours(7);
        app.ok(
            &app.admin,
            RESCHEDULE,
            json!({ "i": { "interviewId": a, "startsAt": last_start.to_rfc3339(),
                "endsAt": (last_start + Duration::hours(1)).to_rfc3339() } }),
        )
        .await;
        let sent = deliver_at(&app, &server, due).await;
        assert_eq!(sent.len(), 2, "{sent:#?}");
        assert!(sent.iter().all(|(_, subject, _)| !subject.starts_with("Soon")), "{sent:#?}");
        assert!(sent.iter().all(|(_, subject, _)| !subject.starts_with("Reminder")), "{sent:#?}");
        let due = now + Duration::minutes(5 * 60 + 1);
        assert_eq!(remind(&app, due).await, 2);
        let sent = deliver_at(&app, &server, due).await;
        assert_eq!(sent.len(), 2);
        assert_eq!(sent[0].1, "Reminder: Talk");
        assert_eq!(sent[1].1, "Soon: Talk");
        let local = last_start.with_timezone(&chrono_tz::Europe::Berlin);
        assert!(sent[1].2.contains(&local.format("%-I:%M\u{202f}%p").to_string()), "{}", sent[1].2);
    })
    .await;
}

#[tokio::test]
async fn reminder_settings_are_checked_and_for_admins_only() {
    on_each_backend_with(&[], async |app| {
        let (_, _, token) =
            user_with_role(&app, &app.admin, "Ida", json!({ "sections": ["INTERVIEWS"] })).await;
        let off = json!({ "i": { "participantHoursBefore": 24 } });
        assert_eq!(app.error_code(Some(&token), REMINDERS, off.clone()).await, "FORBIDDEN");
        for (input, field) in [
            (json!({ "participantHoursBefore": 0 }), "participantHoursBefore"),
            (json!({ "candidateHoursBefore": 10000 }), "candidateHoursBefore"),
            (json!({ "candidateHoursBefore": 24 }), "candidateTemplateId"),
            (json!({ "candidateTemplateId": "RW1haWxUZW1wbGF0ZTo5OTk", "candidateHoursBefore": 24 }), "candidateTemplateId"),
        ] {
            let response = app.gql(Some(&app.admin), REMINDERS, json!({ "i": input })).await;
            let error = &response["errors"][0]["extensions"];
            assert_eq!((&error["code"], &error["field"]), (&json!("VALIDATION"), &json!(field)), "{input}");
        }
        let query = "{ viewer { company { interviewReminders { participantHoursBefore } } } }";
        let unset = app.ok(&app.admin, query, json!({})).await;
        assert_eq!(unset["viewer"]["company"]["interviewReminders"]["participantHoursBefore"], Value::Null);
        app.ok(&app.admin, REMINDERS, off).await;
        let set = app.ok(&app.admin, query, json!({})).await;
        assert_eq!(set["viewer"]["company"]["interviewReminders"]["participantHoursBefore"], 24);
        assert_eq!(app.error_code(Some(&token), query, json!({})).await, "FORBIDDEN");
    })
    .await;
}
