//! Interviews end to end: scheduled through GraphQL, invited, moved and
//! cancelled, each email delivered to a real SMTP server on loopback and read
//! back with mail-parser; every calendar is read back with the `ical` crate,
//! an independent parser, field by field.

use std::collections::HashMap;
use std::io::BufReader;

use chrono::{Datelike as _, Duration, NaiveDate, Utc};
use ical::parser::ical::component::IcalCalendar;
use ical::property::Property;
use mail_parser::{MimeHeaders as _, PartType};
use serde_json::{Value, json};

use crate::helpers::{
    TestApp, create_application, create_candidate, on_each_backend, on_each_backend_with,
    structure, upload_document, user_with_role,
};
use crate::outbound::{applicant, parse, tick, use_plain_server};
use crate::smtp_server::{Options, SmtpServer};

pub(crate) const SCHEDULE: &str = "mutation($i: ScheduleInterviewInput!) {
    scheduleInterview(input: $i) { interview { id title startsAt endsAt timeZone location videoLink
        status sequence invitationStatus detailsText detailsHtml participants { displayName } } }
}";
pub(crate) const RESCHEDULE: &str = "mutation($i: RescheduleInterviewInput!) {
    rescheduleInterview(input: $i) { interview { sequence invitationStatus startsAt detailsText }
        message { id status subject textBody } }
}";
pub(crate) const CANCEL: &str = "mutation($i: CancelInterviewInput!) {
    cancelInterview(input: $i) { interview { status sequence } message { id status subject } }
}";
pub(crate) const INVITE: &str = "mutation($i: SendInterviewInvitationInput!) {
    sendInterviewInvitation(input: $i) { interview { invitationStatus }
        message { id status subject textBody scheduledAt } }
}";
const RESPOND: &str = "mutation($i: RecordInvitationResponseInput!) {
    recordInvitationResponse(input: $i) { interview { invitationStatus } }
}";
const INTERVIEW: &str = "query($id: ID!) { interview(id: $id) { status sequence invitationStatus
    invitations { method sequence status message { status } } } }";

/// The next change to summer time in Europe (the last Sunday of March) that
/// is more than a week away, so the dates stay in the future whenever the
/// tests run.
pub(crate) fn summer_time_change() -> NaiveDate {
    let today = Utc::now().date_naive();
    let mut year = today.year();
    loop {
        let last = NaiveDate::from_ymd_opt(year, 3, 31).unwrap();
        let sunday = last - Duration::days(i64::from(last.weekday().num_days_from_sunday()));
        if sunday - Duration::days(2) > today + Duration::days(7) {
            return sunday;
        }
        year += 1;
    }
}

/// The Friday before the change: 09:00 in Paris is 08:00 UTC (CET).
pub(crate) fn friday() -> NaiveDate {
    summer_time_change() - Duration::days(2)
}

/// The Monday after: 09:00 in Paris is 07:00 UTC (CEST).
pub(crate) fn monday() -> NaiveDate {
    summer_time_change() + Duration::days(1)
}

/// `day` at `hour`:00 UTC, as the API takes it.
pub(crate) fn at(day: NaiveDate, hour: u32) -> String {
    format!("{day}T{hour:02}:00:00Z")
}

/// `day` at `hour`:00 UTC, as the API and Python print it.
pub(crate) fn printed(day: NaiveDate, hour: u32) -> String {
    format!("{day}T{hour:02}:00:00+00:00")
}

/// `day` at `hour`:00 UTC, as iCalendar writes it (RFC 5545 §3.3.5).
pub(crate) fn ical(day: NaiveDate, hour: u32) -> String {
    format!("{}T{hour:02}0000Z", day.format("%Y%m%d"))
}

/// `day` as CLDR writes it in English (`en`, American: month first), e.g.
/// `Friday, March 26, 2027`.
fn spelled(day: NaiveDate) -> String {
    day.format("%A, %B %-d, %Y").to_string()
}

/// 09:00–10:00 as CLDR writes it in English (`en`: 12-hour clock, a narrow
/// no-break space before AM).
const NINE_TO_TEN: &str = "9:00\u{202f}AM–10:00\u{202f}AM";

pub(crate) const TITLE: &str = "Interview: Backend <Rust> & Go, {{ team }}; Paris";
pub(crate) const LOCATION: &str = "Salle 3, 12 rue de la Paix; 2e étage";

/// Schedules the usual interview for `application`.
pub(crate) async fn schedule(app: &TestApp, application: &str, participants: &[&str]) -> Value {
    app.ok(
        &app.admin,
        SCHEDULE,
        json!({ "i": { "applicationId": application, "title": TITLE,
            "startsAt": at(friday(), 8), "endsAt": at(friday(), 9), "timeZone": "Europe/Paris",
            "location": LOCATION, "videoLink": "https://meet.example/abc-def?pwd=1",
            "participantIds": participants } }),
    )
    .await["scheduleInterview"]["interview"]
        .clone()
}

/// Moves the interview to Monday 09:00 in Paris, after the change to summer time.
async fn move_to_monday(app: &TestApp, id: &Value) -> Value {
    app.ok(
        &app.admin,
        RESCHEDULE,
        json!({ "i": { "interviewId": id, "startsAt": at(monday(), 7), "endsAt": at(monday(), 8) } }),
    )
    .await["rescheduleInterview"]
        .clone()
}

/// The signed-in admin's user ID and display name.
pub(crate) async fn viewer(app: &TestApp) -> (String, String) {
    let user = app
        .ok(
            &app.admin,
            "{ viewer { user { id displayName } } }",
            json!({}),
        )
        .await["viewer"]["user"]
        .clone();
    (
        user["id"].as_str().unwrap().to_owned(),
        user["displayName"].as_str().unwrap().to_owned(),
    )
}

/// The MIME tree, e.g. `multipart/mixed[text/plain,application/pdf]`.
pub(crate) fn tree(mail: &mail_parser::Message<'_>, part: u32) -> String {
    let p = &mail.parts[part as usize];
    let kind = p.content_type().map_or("text/plain".to_owned(), |c| {
        format!("{}/{}", c.ctype(), c.subtype().unwrap_or_default())
    });
    match &p.body {
        PartType::Multipart(children) => {
            let inner: Vec<String> = children.iter().map(|c| tree(mail, *c)).collect();
            format!("{kind}[{}]", inner.join(","))
        }
        _ => kind,
    }
}

/// The inline `text/calendar` part's `method` parameter and text, and the
/// `invite.ics` attachment's text.
pub(crate) fn calendars(mail: &mail_parser::Message<'_>) -> (String, String, String) {
    let inline = mail
        .parts
        .iter()
        .find(|p| {
            p.content_type()
                .is_some_and(|c| c.ctype() == "text" && c.subtype() == Some("calendar"))
        })
        .expect("a text/calendar part");
    let content_type = inline.content_type().unwrap();
    assert_eq!(
        content_type
            .attribute("charset")
            .map(str::to_lowercase)
            .as_deref(),
        Some("utf-8")
    );
    let method = content_type
        .attribute("method")
        .expect("method=")
        .to_owned();
    let file = mail
        .attachments()
        .find(|a| a.attachment_name() == Some("invite.ics"))
        .expect("an invite.ics attachment");
    (
        method,
        String::from_utf8(inline.contents().to_vec()).unwrap(),
        String::from_utf8(file.contents().to_vec()).unwrap(),
    )
}

/// The calendar, read by the independent parser; also checks the line rules.
pub(crate) fn read_calendar(text: &str) -> IcalCalendar {
    assert!(text.ends_with("\r\n"), "lines end in CRLF");
    for line in text.trim_end_matches("\r\n").split("\r\n") {
        assert!(
            line.len() <= 75,
            "a line of {} octets: {line:?}",
            line.len()
        );
        assert!(!line.contains('\n') && !line.contains('\r'));
    }
    let mut parser = ical::IcalParser::new(BufReader::new(text.as_bytes()));
    let calendar = parser.next().expect("one VCALENDAR").expect("it parses");
    assert!(parser.next().is_none(), "only one VCALENDAR");
    calendar
}

/// The one property called `name`.
pub(crate) fn one<'a>(properties: &'a [Property], name: &str) -> &'a Property {
    let found: Vec<&Property> = properties.iter().filter(|p| p.name == name).collect();
    assert_eq!(found.len(), 1, "{name}: {found:?}");
    found[0]
}

/// A TEXT value with its RFC 5545 §3.3.11 escapes undone.
pub(crate) fn text_value(properties: &[Property], name: &str) -> String {
    let raw = one(properties, name).value.clone().unwrap_or_default();
    let mut out = String::new();
    let mut chars = raw.chars();
    while let Some(c) = chars.next() {
        if c == '\\' {
            match chars.next() {
                Some('n' | 'N') => out.push('\n'),
                Some(other) => out.push(other),
                None => out.push('\\'),
            }
        } else {
            out.push(c);
        }
    }
    out
}

pub(crate) fn value(properties: &[Property], name: &str) -> String {
    one(properties, name).value.clone().unwrap_or_default()
}

/// A property's parameters, quotes removed.
pub(crate) fn params(property: &Property) -> HashMap<String, String> {
    property
        .params
        .iter()
        .flatten()
        .map(|(k, v)| (k.clone(), v.join(",").trim_matches('"').to_owned()))
        .collect()
}

/// Checks what every calendar of the interview holds and returns its event.
fn check_calendar(text: &str, method: &str) -> Vec<Property> {
    let calendar = read_calendar(text);
    let c = &calendar.properties;
    assert_eq!(value(c, "VERSION"), "2.0");
    assert!(value(c, "PRODID").contains("recruitmail"));
    assert_eq!(value(c, "METHOD"), method);
    assert_eq!(calendar.events.len(), 1);
    assert!(calendar.timezones.is_empty(), "times are in UTC");
    let event = calendar.events[0].properties.clone();
    assert!(value(&event, "UID").ends_with("@inbound.localhost"));
    assert!(value(&event, "DTSTAMP").ends_with('Z'));
    assert_eq!(text_value(&event, "SUMMARY"), TITLE);
    assert_eq!(text_value(&event, "LOCATION"), LOCATION);
    assert_eq!(value(&event, "URL"), "https://meet.example/abc-def?pwd=1");
    let organizer = one(&event, "ORGANIZER");
    assert_eq!(organizer.value.as_deref(), Some("mailto:jobs@acme.example"));
    assert_eq!(params(organizer)["CN"], "Acme Recruiting");
    let attendees: Vec<&Property> = event.iter().filter(|p| p.name == "ATTENDEE").collect();
    assert_eq!(attendees.len(), 3, "{attendees:?}");
    let candidate = attendees
        .iter()
        .find(|a| a.value.as_deref() == Some("mailto:zoe@example.com"))
        .expect("the candidate attends");
    let p = params(candidate);
    assert_eq!(p["CN"], "Zoé Example");
    assert_eq!(p["ROLE"], "REQ-PARTICIPANT");
    if method == "REQUEST" {
        assert_eq!(p["PARTSTAT"], "NEEDS-ACTION");
        assert_eq!(p["RSVP"], "TRUE");
    } else {
        // A cancellation asks for no answer.
        assert!(
            !p.contains_key("PARTSTAT") && !p.contains_key("RSVP"),
            "{p:?}"
        );
    }
    let lead = attendees
        .iter()
        .find(|a| a.value.as_deref() == Some("mailto:bo.lead@acme.example"))
        .expect("a participant attends");
    assert_eq!(params(lead)["CN"], "Bo, Lead");
    event
}

/// Delivers what is due to `server` and reads back the one email among it
/// that went to the candidate (participants' copies leave with it): its
/// MIME tree, both copies of its calendar and the calendar's fields.
/// Returns the event and the email's plain text.
async fn deliver(
    app: &TestApp,
    server: &SmtpServer,
    method: &str,
) -> (Vec<Property>, String, (String, String)) {
    let seen = server.delivered().len();
    let sent = tick(app, Utc::now()).await.sent;
    assert!(sent >= 1);
    let delivered = server.wait_for(seen + sent);
    let to_candidate: Vec<_> = delivered[seen..]
        .iter()
        .filter(|d| d.rcpt_tos == ["zoe@example.com"])
        .collect();
    assert_eq!(to_candidate.len(), 1, "one email to the candidate");
    let mail = parse(&to_candidate[0].raw);
    assert_eq!(
        tree(&mail, 0),
        "multipart/mixed[multipart/alternative[text/plain,text/html,text/calendar],application/ics]"
    );
    let (part_method, inline, file) = calendars(&mail);
    assert_eq!(part_method, method);
    assert_eq!(inline, file, "the attachment repeats the inline calendar");
    let event = check_calendar(&inline, method);
    // The event's description is the email's plain text.
    let text = mail.body_text(0).unwrap().replace("\r\n", "\n");
    assert_eq!(
        text_value(&event, "DESCRIPTION").trim_end(),
        text.trim_end()
    );

    // Python's icalendar reads the same.
    let other = read_with_python(&inline);
    assert_eq!(other["version"], "2.0");
    assert_eq!(other["method"], method);
    assert_eq!(other["timezones"], 0);
    assert_eq!(other["events"].as_array().unwrap().len(), 1);
    let e = &other["events"][0];
    assert_eq!(e["uid"].as_str().unwrap(), value(&event, "UID"));
    assert_eq!(e["sequence"].to_string(), value(&event, "SEQUENCE"));
    assert_eq!(e["status"].as_str().unwrap(), value(&event, "STATUS"));
    assert_eq!(e["summary"], TITLE);
    assert_eq!(e["location"], LOCATION);
    assert_eq!(e["url"], "https://meet.example/abc-def?pwd=1");
    assert_eq!(
        e["description"].as_str().unwrap().trim_end(),
        text.trim_end()
    );
    assert_eq!(e["organizer"]["address"], "mailto:jobs@acme.example");
    assert_eq!(e["organizer"]["cn"], "Acme Recruiting");
    let zoe = e["attendees"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["address"] == "mailto:zoe@example.com")
        .expect("Python finds the candidate");
    assert_eq!(
        (&zoe["cn"], &zoe["role"], &zoe["partstat"], &zoe["rsvp"]),
        (
            &json!("Zoé Example"),
            &json!("REQ-PARTICIPANT"),
            &if method == "REQUEST" {
                json!("NEEDS-ACTION")
            } else {
                Value::Null
            },
            &if method == "REQUEST" {
                json!("TRUE")
            } else {
                Value::Null
            }
        )
    );
    let times = (e["start"].as_str().unwrap(), e["end"].as_str().unwrap());
    (event, text, (times.0.to_owned(), times.1.to_owned()))
}

/// The calendar as Python's `icalendar` package reads it (`tests/calendar/read_ics.py`).
pub(crate) fn read_with_python(text: &str) -> Value {
    use std::io::Write as _;
    use std::process::{Command, Stdio};
    let script =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/calendar/read_ics.py");
    let mut child = Command::new(crate::smtp_server::python())
        .arg(script)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(text.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

#[tokio::test]
async fn schedule_invite_reschedule_and_cancel_reach_the_candidates_calendar() {
    let server = SmtpServer::start(Options::default());
    on_each_backend_with(&[], async |app| {
        let (sub, candidate, application) = applicant(&app, "Zoé", "zoe@example.com").await;
        use_plain_server(&app, &sub, &server).await;
        let (lead, _, _) =
            user_with_role(&app, &app.admin, "Bo Lead", json!({ "sections": ["INTERVIEWS"] })).await;
        app.ok(
            &app.admin,
            "mutation($u: ID!) { updateUser(input: { id: $u, displayName: \"Bo, Lead\" }) { user { id } } }",
            json!({ "u": lead }),
        )
        .await;
        let (me, my_name) = viewer(&app).await;
        let interview = schedule(&app, &application, &[&lead, &me]).await;
        let id = interview["id"].as_str().unwrap().to_owned();
        assert_eq!(interview["status"], "SCHEDULED");
        assert_eq!(interview["sequence"], 0);
        assert_eq!(interview["invitationStatus"], "NOT_SENT");
        assert_eq!(interview["timeZone"], "Europe/Paris");
        let details = interview["detailsText"].as_str().unwrap();
        assert!(
            details.contains(&format!("Date: {}\nTime: {NINE_TO_TEN} Europe/Paris (CET) (1 h)", spelled(friday()))),
            "{details}"
        );
        let mut names = [my_name.as_str(), "Bo, Lead"];
        names.sort_unstable();
        assert!(details.ends_with(&format!("\nParticipants: {}", names.join(", "))), "{details}");

        // The "copy details" path: a free-form body with the details pasted in
        // as they are (markup and braces in the title are escaped).
        let body = format!(
            "<p>Bonjour {{{{ first_name }}}},</p><p>{}</p><p>Please bring an ID; thanks, see you!</p>",
            interview["detailsHtml"].as_str().unwrap()
        );
        let sent = app
            .ok(
                &app.admin,
                INVITE,
                json!({ "i": { "interviewId": id, "subject": "Invitation: {{ interview_title }}", "body": body } }),
            )
            .await["sendInterviewInvitation"]
            .clone();
        assert_eq!(sent["message"]["status"], "QUEUED");
        assert_eq!(sent["interview"]["invitationStatus"], "NOT_SENT");
        assert_eq!(sent["message"]["subject"], format!("Invitation: {TITLE}"));
        let (event, text, times) = deliver(&app, &server, "REQUEST").await;
        assert_eq!(times, (printed(friday(), 8), printed(friday(), 9)));
        let uid = value(&event, "UID");
        assert_eq!(value(&event, "SEQUENCE"), "0");
        assert_eq!(value(&event, "STATUS"), "CONFIRMED");
        assert_eq!(value(&event, "DTSTART"), ical(friday(), 8));
        assert_eq!(value(&event, "DTEND"), ical(friday(), 9));
        assert!(text.contains("Please bring an ID; thanks, see you!"), "{text}");
        assert!(text.contains(&format!("Time: {NINE_TO_TEN} Europe/Paris (CET) (1 h)")), "{text}");

        let status = app.ok(&app.admin, INTERVIEW, json!({ "id": id })).await;
        assert_eq!(status["interview"]["invitationStatus"], "PENDING");
        let answered = app
            .ok(&app.admin, RESPOND, json!({ "i": { "interviewId": id, "status": "ACCEPTED" } }))
            .await;
        assert_eq!(answered["recordInvitationResponse"]["interview"]["invitationStatus"], "ACCEPTED");
        let told = crate::event_log::events_of(&app, &json!(id)).await;
        let last = told.last().unwrap();
        assert_eq!(
            (last.event_type.as_str(), &last.data["answer"]),
            ("invitation.responded", &json!("ACCEPTED"))
        );

        // Moved across the change to summer time: same local hour, an hour
        // earlier in UTC; same UID, SEQUENCE 1, and the answer is asked again.
        let moved = move_to_monday(&app, &json!(id)).await;
        assert_eq!(moved["interview"]["sequence"], 1);
        assert_eq!(moved["interview"]["invitationStatus"], "PENDING");
        assert!(
            moved["interview"]["detailsText"]
                .as_str()
                .unwrap()
                .contains(&format!("Date: {}\nTime: {NINE_TO_TEN} Europe/Paris (CEST) (1 h)", spelled(monday())))
        );
        assert_eq!(moved["message"]["subject"], format!("Updated: {TITLE}"));
        let (event, text, times) = deliver(&app, &server, "REQUEST").await;
        assert_eq!(times, (printed(monday(), 7), printed(monday(), 8)));
        assert_eq!(value(&event, "UID"), uid);
        assert_eq!(value(&event, "SEQUENCE"), "1");
        assert_eq!(value(&event, "DTSTART"), ical(monday(), 7));
        assert_eq!(value(&event, "DTEND"), ical(monday(), 8));
        assert!(text.contains(&format!("{NINE_TO_TEN} Europe/Paris (CEST)")), "{text}");

        // Cancelled with notice: METHOD:CANCEL, STATUS:CANCELLED, SEQUENCE 2.
        let cancelled = app
            .ok(&app.admin, CANCEL, json!({ "i": { "interviewId": id, "notifyCandidate": true } }))
            .await["cancelInterview"]
            .clone();
        assert_eq!(cancelled["interview"]["status"], "CANCELLED");
        assert_eq!(cancelled["interview"]["sequence"], 2);
        assert_eq!(cancelled["message"]["subject"], format!("Cancelled: {TITLE}"));
        let (event, _, _) = deliver(&app, &server, "CANCEL").await;
        assert_eq!(value(&event, "UID"), uid);
        assert_eq!(value(&event, "SEQUENCE"), "2");
        assert_eq!(value(&event, "STATUS"), "CANCELLED");

        let history = app.ok(&app.admin, INTERVIEW, json!({ "id": id })).await["interview"].clone();
        let methods: Vec<(&str, i64, &str)> = history["invitations"]
            .as_array()
            .unwrap()
            .iter()
            .map(|i| {
                (
                    i["method"].as_str().unwrap(),
                    i["sequence"].as_i64().unwrap(),
                    i["message"]["status"].as_str().unwrap(),
                )
            })
            .collect();
        assert_eq!(
            methods,
            vec![("REQUEST", 0, "SENT"), ("REQUEST", 1, "SENT"), ("CANCEL", 2, "SENT")]
        );

        // A cancelled interview takes no more changes.
        for (query, input) in [
            (RESCHEDULE, json!({ "interviewId": id, "startsAt": at(monday(), 7), "endsAt": at(monday(), 8) })),
            (CANCEL, json!({ "interviewId": id, "notifyCandidate": true })),
            (INVITE, json!({ "interviewId": id, "subject": "S", "body": "<p>B</p>" })),
            (RESPOND, json!({ "interviewId": id, "status": "DECLINED" })),
        ] {
            let code = app.error_code(Some(&app.admin), query, json!({ "i": input })).await;
            assert_eq!(code, "CONFLICT", "{query}");
        }
        let candidate_view = app
            .ok(&app.admin, "query($c: ID!) { candidate(id: $c) { interviews { id status } } }", json!({ "c": candidate }))
            .await;
        assert_eq!(candidate_view["candidate"]["interviews"], json!([{ "id": id, "status": "CANCELLED" }]));
    })
    .await;
}

#[tokio::test]
async fn bad_interviews_are_refused_and_nothing_is_written() {
    on_each_backend(async |app| {
        let (_, _, application) = applicant(&app, "Val", "val@example.com").await;
        let rival = app.other_company("Rival").await;
        let stranger = app
            .ok(&rival, "{ viewer { user { id } } }", json!({}))
            .await["viewer"]["user"]["id"]
            .as_str()
            .unwrap()
            .to_owned();
        let (_, _, rival_position) = structure(&app, &rival, "Rival").await;
        let rico = create_candidate(&app, &rival, "Rico", "Rival", "rico@example.com").await;
        let rival_application = create_application(&app, &rival, &rico, &rival_position).await;
        let good = json!({ "applicationId": application, "title": "Interview",
            "startsAt": at(friday(), 8), "endsAt": at(friday(), 9), "timeZone": "Europe/Paris",
            "location": "Room 1" });
        let with = |field: &str, value: Value| {
            let mut input = good.clone();
            input[field] = value;
            input
        };
        let without_place = {
            let mut input = good.clone();
            input.as_object_mut().unwrap().remove("location");
            input
        };
        for (input, code, field) in [
            (with("endsAt", json!(at(friday(), 7))), "VALIDATION", "endsAt"),
            (with("endsAt", json!(at(friday(), 8))), "VALIDATION", "endsAt"),
            (with("endsAt", json!(at(friday() + Duration::days(2), 8))), "VALIDATION", "endsAt"),
            (
                json!({ "applicationId": application, "title": "Interview", "timeZone": "UTC", "location": "Room 1",
                    "startsAt": "2020-01-01T08:00:00Z", "endsAt": "2020-01-01T09:00:00Z" }),
                "VALIDATION",
                "startsAt",
            ),
            (with("timeZone", json!("Europe/Atlantis")), "VALIDATION", "timeZone"),
            (with("timeZone", json!("")), "VALIDATION", "timeZone"),
            (with("title", json!("  ")), "VALIDATION", "title"),
            (with("title", json!("x".repeat(100_000))), "VALIDATION", "title"),
            (with("videoLink", json!("javascript:alert(1)")), "VALIDATION", "videoLink"),
            (with("videoLink", json!("not a link")), "VALIDATION", "videoLink"),
            (with("location", json!("Room\n1")), "VALIDATION", "location"),
            (without_place, "VALIDATION", "location"),
            (with("participantIds", json!([stranger])), "VALIDATION", "participantIds.0"),
            (with("participantIds", json!([application])), "VALIDATION", "participantIds.0"),
            (with("applicationId", json!(rival_application)), "NOT_FOUND", ""),
        ] {
            let response = app.gql(Some(&app.admin), SCHEDULE, json!({ "i": input })).await;
            let error = &response["errors"][0];
            assert_eq!(error["extensions"]["code"], code, "{input}: {response}");
            if !field.is_empty() {
                assert_eq!(error["extensions"]["field"], field, "{input}: {response}");
            }
        }
        let count = app.ok(&app.admin, "{ interviews { totalCount } }", json!({})).await;
        assert_eq!(count["interviews"]["totalCount"], 0);
        let rival_count = app.ok(&rival, "{ interviews { totalCount } }", json!({})).await;
        assert_eq!(rival_count["interviews"]["totalCount"], 0);

        // Rescheduling checks the same rules, and an unsent interview moves
        // without any email.
        let id = schedule(&app, &application, &[]).await["id"].clone();
        let bad = app
            .gql(
                Some(&app.admin),
                RESCHEDULE,
                json!({ "i": { "interviewId": id, "startsAt": at(monday(), 8), "endsAt": at(monday(), 7) } }),
            )
            .await;
        assert_eq!(bad["errors"][0]["extensions"]["field"], "endsAt");
        let bad = app
            .gql(
                Some(&app.admin),
                RESCHEDULE,
                json!({ "i": { "interviewId": id, "startsAt": at(monday(), 7), "endsAt": at(monday(), 8),
                    "location": null, "videoLink": null } }),
            )
            .await;
        assert_eq!(bad["errors"][0]["extensions"]["field"], "location", "{bad}");
        let moved = move_to_monday(&app, &id).await;
        assert_eq!(moved["message"], Value::Null);
        assert_eq!(moved["interview"]["sequence"], 0);
        assert_eq!(moved["interview"]["startsAt"], printed(monday(), 7));
        // No answer can be recorded before an invitation has reached the candidate.
        let code = app
            .error_code(Some(&app.admin), RESPOND, json!({ "i": { "interviewId": id, "status": "ACCEPTED" } }))
            .await;
        assert_eq!(code, "CONFLICT");
        let code = app
            .error_code(Some(&app.admin), RESPOND, json!({ "i": { "interviewId": id, "status": "PENDING" } }))
            .await;
        assert_eq!(code, "VALIDATION");
        // An invitation leaves before the interview starts.
        let code = app
            .error_code(
                Some(&app.admin),
                INVITE,
                json!({ "i": { "interviewId": id, "subject": "S", "body": "<p>B</p>", "scheduledAt": at(monday() + Duration::days(3), 0) } }),
            )
            .await;
        assert_eq!(code, "VALIDATION");
        let messages = app
            .ok(&app.admin, "{ candidates { nodes { messages { totalCount } } } }", json!({}))
            .await;
        assert_eq!(messages["candidates"]["nodes"][0]["messages"]["totalCount"], 0);
    })
    .await;
}

#[tokio::test]
async fn a_template_invitation_fills_the_interview_in_and_its_update_reuses_it() {
    on_each_backend(async |app| {
        let (_, _, application) = applicant(&app, "Tom", "tom@example.com").await;
        let template = app
            .ok(
                &app.admin,
                "mutation($i: CreateEmailTemplateInput!) { createEmailTemplate(input: $i) { emailTemplate { id } } }",
                json!({ "i": { "name": "Invitation", "interviewRelated": true,
                    "subject": "Interview on {{ interview_date }}",
                    "body": "<p>{{ gender(m=\"Dear Mr\", f=\"Dear Ms\", n=\"Dear\") }} {{ last_name }},</p><p>we expect you on {{ interview_date }} at {{ interview_time }} ({{ interview_time_zone }}) in {{ interview_location }}.</p>" } }),
            )
            .await["createEmailTemplate"]["emailTemplate"]["id"]
            .clone();
        let id = schedule(&app, &application, &[]).await["id"].clone();
        let directions = upload_document(&app, "directions.pdf", b"%PDF-1.4 map".to_vec(), None)
            .await["id"]
            .clone();
        let sent = app
            .ok(
                &app.admin,
                INVITE,
                json!({ "i": { "interviewId": id, "templateId": template,
                    "cc": ["lead@acme.example"], "attachmentIds": [directions] } }),
            )
            .await["sendInterviewInvitation"]["message"]
            .clone();
        assert_eq!(sent["subject"], format!("Interview on {}", spelled(friday())));
        let text = sent["textBody"].as_str().unwrap();
        assert!(
            text.starts_with(&format!("Dear Example,\n\nwe expect you on {} at 9:00\u{202f}AM (Europe/Paris (CET)) in Salle 3", spelled(friday()))),
            "{text}"
        );
        // Delivered, then moved: the update is written from the same template.
        assert_eq!(tick(&app, Utc::now()).await.sent, 1);
        let moved = move_to_monday(&app, &id).await["message"].clone();
        assert_eq!(moved["subject"], format!("Interview on {}", spelled(monday())));
        assert!(
            moved["textBody"]
                .as_str()
                .unwrap()
                .contains("at 9:00\u{202f}AM (Europe/Paris (CEST))")
        );

        // Without SMTP both go to the outbox folder, each with its calendar.
        assert_eq!(tick(&app, Utc::now()).await.sent, 1);
        let mut sequences = Vec::new();
        for entry in std::fs::read_dir(app.data_dir.join("outbox")).unwrap() {
            let raw = std::fs::read(entry.unwrap().path()).unwrap();
            let mail = parse(&raw);
            let (method, inline, _) = calendars(&mail);
            assert_eq!(method, "REQUEST");
            let calendar = read_calendar(&inline);
            let sequence = value(&calendar.events[0].properties, "SEQUENCE");
            if sequence == "0" {
                // The invitation carries its copy and attachment; the update
                // written for the candidate alone carries neither.
                assert_eq!(
                    tree(&mail, 0),
                    "multipart/mixed[multipart/alternative[text/plain,text/html,text/calendar],application/ics,application/pdf]"
                );
                let cc = mail.cc().unwrap().first().unwrap().address().unwrap().to_owned();
                assert_eq!(cc, "lead@acme.example");
                let pdf = mail.attachments().find(|a| a.attachment_name() == Some("directions.pdf"));
                assert_eq!(pdf.unwrap().contents(), b"%PDF-1.4 map");
            } else {
                assert!(mail.cc().is_none());
            }
            sequences.push(sequence);
        }
        sequences.sort();
        assert_eq!(sequences, ["0", "1"]);
    })
    .await;
}

#[tokio::test]
async fn a_scheduled_invitation_is_withdrawn_with_its_interview() {
    on_each_backend(async |app| {
        let (_, _, application) = applicant(&app, "Sam", "sam@example.com").await;
        let id = schedule(&app, &application, &[]).await["id"].clone();
        let later = (Utc::now() + chrono::Duration::days(3)).to_rfc3339();
        let input = json!({ "interviewId": id, "subject": "Invitation", "body": "<p>See you</p>",
            "scheduledAt": later, "idempotencyKey": "invite-sam" });
        let sent = app.ok(&app.admin, INVITE, json!({ "i": input })).await["sendInterviewInvitation"]
            ["message"]
            .clone();
        assert_eq!(sent["status"], "SCHEDULED");
        // A retried mutation returns the first invitation.
        let again = app.ok(&app.admin, INVITE, json!({ "i": input })).await["sendInterviewInvitation"]
            ["message"]
            .clone();
        assert_eq!(again["id"], sent["id"]);

        // The candidate never got it: no CANCEL is needed, the invitation is withdrawn.
        let cancelled = app
            .ok(&app.admin, CANCEL, json!({ "i": { "interviewId": id, "notifyCandidate": true } }))
            .await["cancelInterview"]
            .clone();
        assert_eq!(cancelled["message"], Value::Null);
        let after = app.ok(&app.admin, INTERVIEW, json!({ "id": id })).await["interview"].clone();
        assert_eq!(after["status"], "CANCELLED");
        assert_eq!(after["invitationStatus"], "NOT_SENT");
        assert_eq!(after["invitations"][0]["message"]["status"], "CANCELLED");
        assert_eq!(tick(&app, Utc::now() + chrono::Duration::days(4)).await.sent, 0);
    })
    .await;
}

#[tokio::test]
async fn interviews_need_the_interviews_section() {
    on_each_backend(async |app| {
        let (_, candidate, application) = applicant(&app, "Ida", "ida@example.com").await;
        let id = schedule(&app, &application, &[]).await["id"].clone();
        let (_, _, token) = user_with_role(
            &app,
            &app.admin,
            "Messenger",
            json!({ "sections": ["CANDIDATES", "MESSAGES"] }),
        )
        .await;
        for (query, variables) in [
            ("{ interviews { totalCount } }", json!({})),
            ("query($id: ID!) { interview(id: $id) { id } }", json!({ "id": id })),
            ("query($id: ID!) { node(id: $id) { id } }", json!({ "id": id })),
            ("query($c: ID!) { candidate(id: $c) { interviews { id } } }", json!({ "c": candidate })),
            (
                SCHEDULE,
                json!({ "i": { "applicationId": application, "title": "T", "startsAt": at(friday(), 8),
                    "endsAt": at(friday(), 9), "timeZone": "UTC", "location": "Here" } }),
            ),
            (INVITE, json!({ "i": { "interviewId": id, "subject": "S", "body": "<p>B</p>" } })),
            (CANCEL, json!({ "i": { "interviewId": id, "notifyCandidate": false } })),
        ] {
            assert_eq!(app.error_code(Some(&token), query, variables).await, "FORBIDDEN", "{query}");
        }
    })
    .await;
}

#[tokio::test]
async fn interviews_are_listed_by_time_candidate_and_participant() {
    on_each_backend(async |app| {
        let (_, ann, first) = applicant(&app, "Ann", "ann@example.com").await;
        let (_, _, second) = applicant(&app, "Ben", "ben@example.com").await;
        let (lead, _, _) =
            user_with_role(&app, &app.admin, "Cy Lead", json!({ "sections": ["INTERVIEWS"] })).await;
        let slot = |application: &str, start: String, end: String, people: Vec<&str>| {
            json!({ "i": { "applicationId": application, "title": "Talk", "startsAt": start,
                "endsAt": end, "timeZone": "Europe/Berlin", "location": "Room 2", "participantIds": people } })
        };
        let day = |n: i64| Utc::now().date_naive() + Duration::days(30 + n);
        let (one, two, three) = (day(1), day(2), day(3));
        for input in [
            slot(&first, at(one, 8), at(one, 9), vec![&lead]),
            slot(&first, at(three, 8), at(three, 9), vec![]),
            slot(&second, at(two, 8), at(two, 9), vec![&lead]),
        ] {
            app.ok(&app.admin, SCHEDULE, input).await;
        }
        let list = |filter: Value| {
            let app = &app;
            async move {
                let data = app
                    .ok(
                        &app.admin,
                        "query($f: InterviewsFilter) { interviews(filter: $f) { totalCount nodes { startsAt candidate { firstName } } } }",
                        json!({ "f": filter }),
                    )
                    .await;
                let found: Vec<String> = data["interviews"]["nodes"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|n| format!("{} {}", n["candidate"]["firstName"].as_str().unwrap(), &n["startsAt"].as_str().unwrap()[..10]))
                    .collect();
                assert_eq!(data["interviews"]["totalCount"], found.len());
                found
            }
        };
        let (ann1, ann3, ben2) = (format!("Ann {one}"), format!("Ann {three}"), format!("Ben {two}"));
        assert_eq!(list(Value::Null).await, [ann1.clone(), ann3.clone(), ben2.clone()]);
        assert_eq!(
            list(json!({ "from": at(one, 9), "to": at(three, 8) })).await,
            std::slice::from_ref(&ben2)
        );
        assert_eq!(list(json!({ "candidateId": ann })).await, [ann1.clone(), ann3.clone()]);
        assert_eq!(list(json!({ "participantId": lead })).await, [ann1.clone(), ben2.clone()]);
        assert_eq!(list(json!({ "participantId": lead, "candidateId": ann })).await, [ann1]);
        let wrong = app
            .gql(Some(&app.admin), "{ interviews(filter: { candidateId: \"x\" }) { totalCount } }", json!({}))
            .await;
        assert_eq!(wrong["errors"][0]["extensions"]["field"], "filter.candidateId");
    })
    .await;
}

#[tokio::test]
async fn an_invitation_still_waiting_leaves_with_the_new_details() {
    on_each_backend(async |app| {
        let (_, _, application) = applicant(&app, "Wes", "wes@example.com").await;
        let id = schedule(&app, &application, &[]).await["id"].clone();
        let in_three_days = Utc::now() + Duration::days(3);
        let waiting = app
            .ok(
                &app.admin,
                INVITE,
                json!({ "i": { "interviewId": id, "subject": "On {{ interview_date }}",
                    "body": "<p>{{ interview_date }}, {{ interview_time }}</p>",
                    "scheduledAt": in_three_days.to_rfc3339() } }),
            )
            .await["sendInterviewInvitation"]["message"]
            .clone();
        assert_eq!(waiting["subject"], format!("On {}", spelled(friday())));

        // Nothing has reached the candidate: no update is sent, the waiting
        // invitation is written again with the new date and SEQUENCE.
        let moved = move_to_monday(&app, &id).await;
        assert_eq!(moved["message"], Value::Null);
        assert_eq!(moved["interview"]["sequence"], 1);
        assert_eq!(moved["interview"]["invitationStatus"], "NOT_SENT");
        let query = "query($id: ID!) { message(id: $id) { status subject textBody scheduledAt } }";
        let rewritten = app
            .ok(&app.admin, query, json!({ "id": waiting["id"] }))
            .await["message"]
            .clone();
        assert_eq!(rewritten["status"], "SCHEDULED");
        assert_eq!(rewritten["subject"], format!("On {}", spelled(monday())));
        assert_eq!(
            rewritten["textBody"],
            format!("{}, 9:00\u{202f}AM", spelled(monday()))
        );
        assert_eq!(rewritten["scheduledAt"], waiting["scheduledAt"]);

        // Moved to before its sending time: it leaves now instead.
        let sooner = Utc::now() + Duration::days(2);
        let moved = app
            .ok(
                &app.admin,
                RESCHEDULE,
                json!({ "i": { "interviewId": id, "startsAt": sooner.to_rfc3339(),
                    "endsAt": (sooner + Duration::hours(1)).to_rfc3339() } }),
            )
            .await["rescheduleInterview"]
            .clone();
        assert_eq!(moved["message"], Value::Null);
        let rewritten = app
            .ok(&app.admin, query, json!({ "id": waiting["id"] }))
            .await["message"]
            .clone();
        assert_eq!(rewritten["status"], "QUEUED");
        assert_eq!(rewritten["scheduledAt"], Value::Null);
        assert_eq!(tick(&app, Utc::now()).await.sent, 1);
        let files: Vec<_> = std::fs::read_dir(app.data_dir.join("outbox"))
            .unwrap()
            .collect();
        assert_eq!(files.len(), 1);
        let raw = std::fs::read(files[0].as_ref().unwrap().path()).unwrap();
        let mail = parse(&raw);
        let (_, inline, _) = calendars(&mail);
        let event = read_calendar(&inline).events[0].properties.clone();
        assert_eq!(value(&event, "SEQUENCE"), "2");
        assert_eq!(
            value(&event, "DTSTART"),
            sooner.format("%Y%m%dT%H%M%SZ").to_string()
        );
        let after = app.ok(&app.admin, INTERVIEW, json!({ "id": id })).await["interview"].clone();
        assert_eq!(after["invitationStatus"], "PENDING");
    })
    .await;
}

#[tokio::test]
async fn a_queued_invitation_does_not_outlive_its_cancelled_interview() {
    on_each_backend(async |app| {
        let (_, _, application) = applicant(&app, "Quin", "quin@example.com").await;
        let id = schedule(&app, &application, &[]).await["id"].clone();
        let queued = app
            .ok(
                &app.admin,
                INVITE,
                json!({ "i": { "interviewId": id, "subject": "S", "body": "<p>B</p>" } }),
            )
            .await["sendInterviewInvitation"]["message"]
            .clone();
        assert_eq!(queued["status"], "QUEUED");
        let cancelled = app
            .ok(
                &app.admin,
                CANCEL,
                json!({ "i": { "interviewId": id, "notifyCandidate": false } }),
            )
            .await["cancelInterview"]
            .clone();
        assert_eq!(cancelled["message"], Value::Null);
        assert_eq!(tick(&app, Utc::now()).await.sent, 0);
        let after = app.ok(&app.admin, INTERVIEW, json!({ "id": id })).await["interview"].clone();
        assert_eq!(after["invitations"][0]["message"]["status"], "CANCELLED");
    })
    .await;
}

#[tokio::test]
async fn updates_come_from_the_organizer_of_the_first_invitation() {
    on_each_backend(async |app| {
        let (sub, _, application) = applicant(&app, "Olga", "olga@example.com").await;
        let id = schedule(&app, &application, &[]).await["id"].clone();
        let query = "query($id: ID!) { message(id: $id) { from } }";
        let first = app
            .ok(
                &app.admin,
                INVITE,
                json!({ "i": { "interviewId": id, "subject": "S", "body": "<p>B</p>" } }),
            )
            .await["sendInterviewInvitation"]["message"]["id"]
            .clone();
        assert_eq!(tick(&app, Utc::now()).await.sent, 1);
        let original =
            app.ok(&app.admin, query, json!({ "id": first })).await["message"]["from"].clone();
        // The subsidiary's sender address changes after the invitation left.
        app.ok(
            &app.admin,
            crate::outbound::SETTINGS,
            json!({ "i": { "subsidiaryId": sub, "emailAddress": "new@acme.example" } }),
        )
        .await;
        let update = move_to_monday(&app, &id).await["message"]["id"].clone();
        let from =
            app.ok(&app.admin, query, json!({ "id": update })).await["message"]["from"].clone();
        assert_eq!(from, original);
        assert!(!from.as_str().unwrap().contains("new@acme.example"));
    })
    .await;
}
