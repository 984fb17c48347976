//! Interview participants' own calendar invitations, end to end: every email
//! delivered to a real SMTP server on loopback, every calendar read back by
//! the `ical` crate and by Python's `icalendar`, answers posted as received
//! mail.

use chrono::Utc;
use ical::property::Property;
use sea_orm::EntityTrait as _;
use serde_json::{Value, json};

use crate::helpers::{TestApp, on_each_backend_with, user_with_role};
use crate::interviews::{
    CANCEL, INVITE, LOCATION, TITLE, at, calendars, friday, ical, monday, one, params,
    read_calendar, read_with_python, schedule, text_value, value,
};
use crate::outbound::{applicant, parse, tick, use_plain_server};
use crate::smtp_server::{Options, SmtpServer};

const ZOE: &str = "zoe@example.com";
const BO: &str = "bo.lead@acme.example";
const CY: &str = "cy.chair@acme.example";

/// Delivers what is due and returns the emails that left, by recipient.
pub(crate) async fn deliver_all(app: &TestApp, server: &SmtpServer) -> Vec<(String, Vec<u8>)> {
    let seen = server.delivered().len();
    let sent = tick(app, Utc::now()).await.sent;
    let delivered = server.wait_for(seen + sent);
    assert_eq!(delivered.len(), seen + sent);
    let mut out: Vec<(String, Vec<u8>)> = delivered[seen..]
        .iter()
        .map(|d| {
            assert_eq!(d.rcpt_tos.len(), 1, "each copy has one recipient");
            (d.rcpt_tos[0].clone(), d.raw.clone())
        })
        .collect();
    out.sort();
    out
}

/// The participant's copy, read by both parsers: the event's properties
/// after the checks every copy passes, with Python's reading of it.
fn participant_calendar(raw: &[u8], me: &str, method: &str, panel: &[&str]) -> Vec<Property> {
    let mail = parse(raw);
    let (part_method, inline, file) = calendars(&mail);
    assert_eq!(part_method, method);
    assert_eq!(inline, file);
    let calendar = read_calendar(&inline);
    assert_eq!(value(&calendar.properties, "METHOD"), method);
    assert_eq!(calendar.events.len(), 1);
    let event = calendar.events[0].properties.clone();
    assert_eq!(text_value(&event, "SUMMARY"), TITLE);
    assert_eq!(text_value(&event, "LOCATION"), LOCATION);
    let organizer = one(&event, "ORGANIZER");
    assert_eq!(organizer.value.as_deref(), Some("mailto:jobs@acme.example"));
    let attendees: Vec<(String, std::collections::HashMap<String, String>)> = event
        .iter()
        .filter(|p| p.name == "ATTENDEE")
        .map(|p| {
            (
                p.value
                    .clone()
                    .unwrap()
                    .trim_start_matches("mailto:")
                    .to_owned(),
                params(p),
            )
        })
        .collect();
    let mut addresses: Vec<&str> = attendees.iter().map(|(a, _)| a.as_str()).collect();
    addresses.sort_unstable();
    let mut expected: Vec<&str> = panel.iter().copied().chain([ZOE]).collect();
    expected.sort_unstable();
    assert_eq!(addresses, expected, "the candidate and the panel attend");
    for (address, p) in &attendees {
        assert_eq!(p["ROLE"], "REQ-PARTICIPANT");
        if method == "REQUEST" {
            // Only the recipient's own entry asks for an answer.
            let rsvp = p.get("RSVP").map(String::as_str);
            assert_eq!(rsvp == Some("TRUE"), address == me, "{address}: {p:?}");
        } else {
            assert!(!p.contains_key("RSVP"), "{p:?}");
        }
    }
    // The email's text is the description, and its first line addresses the participant.
    let text = mail.body_text(0).unwrap().replace("\r\n", "\n");
    assert_eq!(
        text_value(&event, "DESCRIPTION").trim_end(),
        text.trim_end()
    );
    assert!(text.contains("Zoé Example"), "{text}");

    let other = read_with_python(&inline);
    assert_eq!(other["method"], method);
    let e = &other["events"][0];
    assert_eq!(e["uid"].as_str().unwrap(), value(&event, "UID"));
    assert_eq!(e["sequence"].to_string(), value(&event, "SEQUENCE"));
    assert_eq!(e["organizer"]["address"], "mailto:jobs@acme.example");
    let mut python: Vec<String> = e["attendees"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| {
            a["address"]
                .as_str()
                .unwrap()
                .trim_start_matches("mailto:")
                .to_owned()
        })
        .collect();
    python.sort();
    assert_eq!(python, expected);
    if method == "REQUEST" {
        let mine = e["attendees"]
            .as_array()
            .unwrap()
            .iter()
            .find(|a| a["address"] == format!("mailto:{me}"))
            .unwrap();
        assert_eq!(mine["rsvp"], "TRUE");
        assert_eq!(mine["partstat"], "NEEDS-ACTION");
    }
    event
}

/// A calendar's REPLY (RFC 5546 §3.2.3) from `from` for `attendee`.
fn answer(from: &str, attendee: &str, uid: &str, sequence: u32, partstat: &str, n: u32) -> String {
    format!(
        "From: {from}\r\nTo: jobs@acme.example\r\nSubject: {partstat}: Interview\r\n\
         Message-ID: <panel-answer-{n}@example.org>\r\n{}\
         Content-Type: multipart/alternative; boundary=\"a\"\r\n\r\n\
         --a\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n{partstat}.\r\n\
         --a\r\nContent-Type: text/calendar; charset=utf-8; method=REPLY\r\n\r\n\
         BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//Example Calendar//EN\r\nMETHOD:REPLY\r\n\
         BEGIN:VEVENT\r\nUID:{uid}\r\nDTSTAMP:20261202T090000Z\r\nSEQUENCE:{sequence}\r\n\
         ATTENDEE;PARTSTAT={partstat}:mailto:{attendee}\r\n\
         END:VEVENT\r\nEND:VCALENDAR\r\n--a--\r\n",
        crate::inbound::NOW_HEADERS
    )
}

const PANEL: &str = "query($id: ID!) { interview(id: $id) { sequence invitationStatus
    participantResponses { user { email } response respondedAt } } }";

#[tokio::test]
async fn every_participant_gets_their_own_invitation_updates_and_cancellation() {
    let server = SmtpServer::start(Options::default());
    on_each_backend_with(&[], async |app| {
        let (sub, candidate, application) = applicant(&app, "Zoé", ZOE).await;
        use_plain_server(&app, &sub, &server).await;
        let section = json!({ "sections": ["INTERVIEWS"] });
        let (bo, _, _) = user_with_role(&app, &app.admin, "Bo Lead", section.clone()).await;
        let (cy, _, _) = user_with_role(&app, &app.admin, "Cy Chair", section).await;

        // Scheduling invites the panel; the candidate's invitation follows:
        // three invitations, one UID, SEQUENCE 0.
        let interview = schedule(&app, &application, &[&bo, &cy]).await;
        let id = interview["id"].clone();
        let panel_mail = deliver_all(&app, &server).await;
        assert_eq!(
            panel_mail.iter().map(|(to, _)| to.as_str()).collect::<Vec<_>>(),
            [BO, CY]
        );
        app.ok(
            &app.admin,
            INVITE,
            json!({ "i": { "interviewId": id, "subject": "Invitation", "body": "<p>See you</p>" } }),
        )
        .await;
        let to_zoe = deliver_all(&app, &server).await;
        assert_eq!(to_zoe.len(), 1);
        assert_eq!(to_zoe[0].0, ZOE);
        let (_, zoe_calendar, _) = calendars(&parse(&to_zoe[0].1));
        let zoe_event = read_calendar(&zoe_calendar).events[0].properties.clone();
        let uid = value(&zoe_event, "UID");
        for (to, raw) in &panel_mail {
            let event = participant_calendar(raw, to, "REQUEST", &[BO, CY]);
            assert_eq!(value(&event, "UID"), uid);
            assert_eq!(value(&event, "SEQUENCE"), "0");
            assert_eq!(value(&event, "SEQUENCE"), value(&zoe_event, "SEQUENCE"));
            assert_eq!(value(&event, "DTSTART"), ical(friday(), 8));
        }

        // None of these copies is mail to the candidate.
        let thread = app
            .ok(
                &app.admin,
                "query($c: ID!) { candidate(id: $c) { messages { nodes { to } } }
                 messages(filter: { candidateId: $c }) { totalCount } }",
                json!({ "c": candidate }),
            )
            .await;
        let nodes = thread["candidate"]["messages"]["nodes"].as_array().unwrap().clone();
        assert_eq!(nodes.len(), 1, "{nodes:?}");
        assert!(nodes[0]["to"][0].as_str().unwrap().contains(ZOE));
        assert_eq!(thread["messages"]["totalCount"], 1);

        // Moved, without Cy: Bo gets an update at the new time, Cy a CANCEL,
        // the candidate her update; all with SEQUENCE 1.
        app.ok(
            &app.admin,
            crate::interviews::RESCHEDULE,
            json!({ "i": { "interviewId": id, "startsAt": at(monday(), 7), "endsAt": at(monday(), 8),
                "participantIds": [bo] } }),
        )
        .await;
        let moved = deliver_all(&app, &server).await;
        assert_eq!(
            moved.iter().map(|(to, _)| to.as_str()).collect::<Vec<_>>(),
            [BO, CY, ZOE]
        );
        let update = participant_calendar(&moved[0].1, BO, "REQUEST", &[BO]);
        assert_eq!(value(&update, "UID"), uid);
        assert_eq!(value(&update, "SEQUENCE"), "1");
        assert_eq!(value(&update, "DTSTART"), ical(monday(), 7));
        assert_eq!(value(&update, "DTEND"), ical(monday(), 8));
        let removed = participant_calendar(&moved[1].1, CY, "CANCEL", &[BO, CY]);
        assert_eq!(value(&removed, "UID"), uid);
        assert_eq!(value(&removed, "SEQUENCE"), "1");
        assert_eq!(value(&removed, "STATUS"), "CANCELLED");

        // Bo's calendar accepts: his answer is recorded, not the candidate's.
        let status = app.ok(&app.admin, PANEL, json!({ "id": id })).await["interview"].clone();
        assert_eq!(status["invitationStatus"], "PENDING");
        assert_eq!(status["participantResponses"][0]["response"], "NEEDS_ACTION");
        let posted =
            crate::inbound::deliver(&app, &answer(BO, BO, &uid, 1, "ACCEPTED", 1)).await;
        assert_eq!(posted["outcome"], "PARTICIPANT_ANSWER", "{posted:#}");
        assert_eq!(posted["interviewId"], id);
        assert_eq!(posted["recorded"], true);
        let status = app.ok(&app.admin, PANEL, json!({ "id": id })).await["interview"].clone();
        assert_eq!(status["invitationStatus"], "PENDING");
        let bo_row = &status["participantResponses"][0];
        assert_eq!((&bo_row["user"]["email"], &bo_row["response"]), (&json!(BO), &json!("ACCEPTED")));
        assert!(bo_row["respondedAt"].is_string());
        let told: Vec<Value> = crate::event_log::events_of(&app, &id)
            .await
            .into_iter()
            .filter(|e| e.event_type == "invitation.responded")
            .map(|e| json!([e.data["answer"], e.data["participantId"]]))
            .collect();
        assert_eq!(told, [json!(["ACCEPTED", bo])]);

        // An answer to an older SEQUENCE, one from Cy (no longer on the panel)
        // and one from a stranger change nothing.
        let old = crate::inbound::deliver(&app, &answer(BO, BO, &uid, 0, "DECLINED", 2)).await;
        assert_eq!((&old["outcome"], &old["recorded"]), (&json!("PARTICIPANT_ANSWER"), &json!(false)));
        let gone = crate::inbound::deliver(&app, &answer(CY, CY, &uid, 1, "DECLINED", 3)).await;
        assert_ne!(gone["outcome"], "PARTICIPANT_ANSWER");
        let stranger =
            crate::inbound::deliver(&app, &answer("x@example.org", "x@example.org", &uid, 1, "DECLINED", 4))
                .await;
        assert_ne!(stranger["outcome"], "PARTICIPANT_ANSWER");
        assert_eq!(stranger["interviewId"], Value::Null);
        // Bo's address named by someone else's email is not Bo answering.
        let forged = crate::inbound::deliver(&app, &answer(ZOE, BO, &uid, 1, "DECLINED", 5)).await;
        assert_ne!(forged["outcome"], "PARTICIPANT_ANSWER");
        let status = app.ok(&app.admin, PANEL, json!({ "id": id })).await["interview"].clone();
        assert_eq!(status["participantResponses"][0]["response"], "ACCEPTED");
        assert_eq!(status["participantResponses"].as_array().unwrap().len(), 1);
        assert_eq!(status["invitationStatus"], "PENDING");

        // Cancelled without telling the candidate: Bo's calendar is still told.
        let cancelled = app
            .ok(&app.admin, CANCEL, json!({ "i": { "interviewId": id, "notifyCandidate": false } }))
            .await;
        assert_eq!(cancelled["cancelInterview"]["interview"]["sequence"], 2);
        let last = deliver_all(&app, &server).await;
        assert_eq!(last.len(), 1);
        assert_eq!(last[0].0, BO);
        let event = participant_calendar(&last[0].1, BO, "CANCEL", &[BO]);
        assert_eq!(value(&event, "UID"), uid);
        assert_eq!(value(&event, "SEQUENCE"), "2");

        // The copies are the panel's mail, linked to the participant.
        let copies = entity::message::Entity::find()
            .all(&app.state.db)
            .await
            .unwrap()
            .into_iter()
            .filter(|m| m.participant_user_id.is_some())
            .count();
        assert_eq!(copies, 5);
    })
    .await;
}
