//! The languages recruitmail writes in: a candidate's language (or the
//! company's) decides the dates, times, detail labels and notices of the mail
//! that reaches the real SMTP server on loopback, read back with mail-parser
//! and two iCalendar parsers; `updateCompany` sets the company's defaults.

use chrono::{Datelike as _, NaiveDate};
use serde_json::{Value, json};

use crate::helpers::{TestApp, on_each_backend, on_each_backend_with, user_with_role};
use crate::interview_participants::deliver_all;
use crate::interviews::{
    CANCEL, INVITE, LOCATION, RESCHEDULE, TITLE, at, calendars, friday, ical, monday,
    read_calendar, read_with_python, schedule, text_value, value,
};
use crate::outbound::{applicant, parse, use_plain_server};
use crate::smtp_server::{Options, SmtpServer};

const UPDATE_COMPANY: &str = "mutation($i: UpdateCompanyInput!) {
    updateCompany(input: $i) { company { name slug inboundAddress defaultLanguage defaultTimeZone
        defaultWorkingHours { timeZone } } }
}";
const COMPANY: &str = "{ viewer { company { name slug defaultLanguage defaultTimeZone
    defaultWorkingHours { timeZone } } } }";

/// The interview days' months as each language writes them: the Friday is
/// always in March, the Monday after in March or April.
fn month(day: NaiveDate, language: &str) -> &'static str {
    match (language, day.month()) {
        ("fr", 3) => "mars",
        ("nl", 3) => "maart",
        ("nl", 4) => "april",
        ("it", 3) => "marzo",
        ("it", 4) => "aprile",
        other => panic!("no month name for {other:?}"),
    }
}

/// A candidate of a new position who reads `language`; returns (subsidiary,
/// application).
async fn reader_of(app: &TestApp, first: &str, email: &str, language: &str) -> (String, String) {
    let (sub, candidate, application) = applicant(app, first, email).await;
    let updated = app
        .ok(
            &app.admin,
            "mutation($c: ID!, $l: String!) { updateCandidate(input: { id: $c, preferredLanguage: $l }) {
                candidate { preferredLanguage } } }",
            json!({ "c": candidate, "l": language }),
        )
        .await;
    assert_eq!(
        updated["updateCandidate"]["candidate"]["preferredLanguage"],
        language
    );
    (sub, application)
}

/// The one email to `to` among `delivered`: its subject and plain text.
fn mail_to(delivered: &[(String, Vec<u8>)], to: &str) -> (String, String, Vec<u8>) {
    let found: Vec<&(String, Vec<u8>)> = delivered.iter().filter(|(r, _)| r == to).collect();
    assert_eq!(found.len(), 1, "one email to {to}");
    let mail = parse(&found[0].1);
    (
        mail.subject().unwrap_or_default().to_owned(),
        mail.body_text(0).unwrap().replace("\r\n", "\n"),
        found[0].1.clone(),
    )
}

/// The calendar of `raw`, read by both parsers: its method, the event's
/// SEQUENCE and start, after checking that its description is `text`.
fn calendar_of(raw: &[u8], text: &str) -> (String, String, String) {
    let (method, inline, file) = calendars(&parse(raw));
    assert_eq!(inline, file);
    let calendar = read_calendar(&inline);
    assert_eq!(value(&calendar.properties, "METHOD"), method);
    let event = &calendar.events[0].properties;
    assert_eq!(text_value(event, "SUMMARY"), TITLE);
    assert_eq!(text_value(event, "DESCRIPTION").trim_end(), text.trim_end());
    let python = read_with_python(&inline);
    assert_eq!(python["method"], method);
    assert_eq!(
        python["events"][0]["description"]
            .as_str()
            .unwrap()
            .trim_end(),
        text.trim_end()
    );
    (method, value(event, "SEQUENCE"), value(event, "DTSTART"))
}

#[tokio::test]
async fn a_french_candidate_reads_the_invitation_in_french() {
    let server = SmtpServer::start(Options::default());
    on_each_backend_with(&[], async |app| {
        let (sub, application) = reader_of(&app, "Zoé", "zoe@example.com", "fr-FR").await;
        use_plain_server(&app, &sub, &server).await;
        let interview = schedule(&app, &application, &[]).await;
        let day = format!("vendredi {} {} {}", friday().day(), month(friday(), "fr"), friday().year());
        let details = format!(
            "Date\u{a0}: {day}\nHeure\u{a0}: 09:00–10:00 Europe/Paris (CET) (1 h)\n\
             Lieu\u{a0}: {LOCATION}\nLien visio\u{a0}: https://meet.example/abc-def?pwd=1"
        );
        assert_eq!(interview["detailsText"], format!("{TITLE}\n{details}"));

        // A free-form invitation with the date placeholders and the details
        // pasted in as HTML.
        let body = format!(
            "<p>Bonjour {{{{ first_name }}}},</p><p>nous vous attendons le {{{{ interview_date }}}} \
             à {{{{ interview_time }}}}.</p><p>{}</p>",
            interview["detailsHtml"].as_str().unwrap()
        );
        let sent = app
            .ok(
                &app.admin,
                INVITE,
                json!({ "i": { "interviewId": interview["id"], "subject": "Entretien le {{ interview_date }}",
                    "body": body } }),
            )
            .await["sendInterviewInvitation"]["message"]
            .clone();
        assert_eq!(sent["subject"], format!("Entretien le {day}"));

        let delivered = deliver_all(&app, &server).await;
        let (subject, text, raw) = mail_to(&delivered, "zoe@example.com");
        assert_eq!(subject, format!("Entretien le {day}"));
        assert!(
            text.starts_with(&format!("Bonjour Zoé,\n\nnous vous attendons le {day} à 09:00.\n\n")),
            "{text}"
        );
        // The title's braces are kept from opening a tag (see `detailsHtml`).
        assert!(text.ends_with(&format!("\n{details}")), "{text}");
        let (method, sequence, start) = calendar_of(&raw, &text);
        assert_eq!((method.as_str(), sequence.as_str()), ("REQUEST", "0"));
        assert_eq!(start, ical(friday(), 8));
    })
    .await;
}

#[tokio::test]
async fn notices_of_a_move_and_a_cancellation_follow_each_readers_language() {
    let server = SmtpServer::start(Options::default());
    on_each_backend_with(&[], async |app| {
        // The company writes Italian to those with no language of their own:
        // its employees; the candidate reads Dutch (Belgian).
        app.ok(&app.admin, UPDATE_COMPANY, json!({ "i": { "defaultLanguage": "it" } })).await;
        let (sub, application) = reader_of(&app, "Noor", "noor@example.com", "nl-BE").await;
        use_plain_server(&app, &sub, &server).await;
        let section = json!({ "sections": ["INTERVIEWS"] });
        let (bo, _, _) = user_with_role(&app, &app.admin, "Bo Lead", section).await;
        let interview = schedule(&app, &application, &[&bo]).await;
        let id = interview["id"].clone();
        let bo_mail = deliver_all(&app, &server).await;
        let (subject, text, _) = mail_to(&bo_mail, "bo.lead@acme.example");
        assert_eq!(subject, format!("Colloquio: {TITLE}"));
        let italian_friday =
            format!("venerdì {} {} {}", friday().day(), month(friday(), "it"), friday().year());
        assert!(text.starts_with("Buongiorno,\n\npartecipa a questo colloquio con Noor Example:"), "{text}");
        assert!(text.contains(&format!("Data: {italian_friday}\nOra: 09:00–10:00 Europe/Paris (CET) (1 h)")), "{text}");

        app.ok(
            &app.admin,
            INVITE,
            json!({ "i": { "interviewId": id, "subject": "Uitnodiging", "body": "<p>Tot dan!</p>" } }),
        )
        .await;
        deliver_all(&app, &server).await;

        // Moved across the change to summer time.
        let moved = app
            .ok(
                &app.admin,
                RESCHEDULE,
                json!({ "i": { "interviewId": id, "startsAt": at(monday(), 7), "endsAt": at(monday(), 8) } }),
            )
            .await["rescheduleInterview"]
            .clone();
        assert_eq!(moved["message"]["subject"], format!("Gewijzigd: {TITLE}"));
        let dutch_monday =
            format!("maandag {} {} {}", monday().day(), month(monday(), "nl"), monday().year());
        let delivered = deliver_all(&app, &server).await;
        let (subject, text, raw) = mail_to(&delivered, "noor@example.com");
        assert_eq!(subject, format!("Gewijzigd: {TITLE}"));
        assert!(text.starts_with("Beste Noor Example,\n\nUw gesprek is verplaatst. De nieuwe gegevens:"), "{text}");
        assert!(
            text.contains(&format!(
                "Datum: {dutch_monday}\nTijd: 09:00–10:00 Europe/Paris (CEST) (1 u)\nLocatie: {LOCATION}"
            )),
            "{text}"
        );
        assert!(text.contains("Deze e-mail werkt het item in uw agenda bij."), "{text}");
        let (method, sequence, start) = calendar_of(&raw, &text);
        assert_eq!((method.as_str(), sequence.as_str()), ("REQUEST", "1"));
        assert_eq!(start, ical(monday(), 7));
        let (subject, text, _) = mail_to(&delivered, "bo.lead@acme.example");
        assert_eq!(subject, format!("Modificato: {TITLE}"));
        let italian_monday =
            format!("lunedì {} {} {}", monday().day(), month(monday(), "it"), monday().year());
        assert!(text.contains(&format!("Data: {italian_monday}\n")), "{text}");

        let cancelled = app
            .ok(&app.admin, CANCEL, json!({ "i": { "interviewId": id, "notifyCandidate": true } }))
            .await["cancelInterview"]
            .clone();
        assert_eq!(cancelled["message"]["subject"], format!("Geannuleerd: {TITLE}"));
        let delivered = deliver_all(&app, &server).await;
        let (subject, text, raw) = mail_to(&delivered, "noor@example.com");
        assert_eq!(subject, format!("Geannuleerd: {TITLE}"));
        assert!(
            text.contains("Helaas moeten wij u laten weten dat dit gesprek is geannuleerd:"),
            "{text}"
        );
        assert_eq!(calendar_of(&raw, &text).0, "CANCEL");
        let (subject, text, _) = mail_to(&delivered, "bo.lead@acme.example");
        assert_eq!(subject, format!("Annullato: {TITLE}"));
        assert!(text.contains("è stato annullato"), "{text}");
    })
    .await;
}

#[tokio::test]
async fn details_fall_back_to_the_company_language_for_one_recruitmail_does_not_write() {
    on_each_backend(async |app| {
        app.ok(&app.admin, UPDATE_COMPANY, json!({ "i": { "defaultLanguage": "de-AT" } })).await;
        let (_, _, application) = applicant(&app, "Ana", "ana@example.com").await;
        let id = schedule(&app, &application, &[]).await["id"].clone();
        let details = |language: &str| {
            let app = &app;
            let id = id.clone();
            let language = language.to_owned();
            async move {
                app.gql(
                    Some(&app.admin),
                    "query($id: ID!, $l: String) { interview(id: $id) { detailsText(language: $l) } }",
                    json!({ "id": id, "l": language }),
                )
                .await
            }
        };
        for (language, expected) in [
            ("ja", "Datum: "),
            ("es-MX", "Fecha: "),
            ("it", "Data: "),
            ("en-GB", "Date: "),
        ] {
            let answer = details(language).await;
            let text = answer["data"]["interview"]["detailsText"].as_str().unwrap_or_default();
            assert!(text.contains(&format!("\n{expected}")), "{language}: {answer:#}");
        }
        let answer = details("not a tag").await;
        assert_eq!(answer["errors"][0]["extensions"]["code"], "VALIDATION", "{answer:#}");
        assert_eq!(answer["errors"][0]["extensions"]["field"], "language");
    })
    .await;
}

#[tokio::test]
async fn an_admin_sets_the_companys_name_language_and_time_zone() {
    on_each_backend(async |app| {
        let before = app.ok(&app.admin, COMPANY, json!({})).await["viewer"]["company"].clone();
        assert_eq!(before["defaultLanguage"], "en");
        assert_eq!(before["defaultTimeZone"], "UTC");
        assert_eq!(before["defaultWorkingHours"]["timeZone"], "UTC");

        let updated = app
            .ok(
                &app.admin,
                UPDATE_COMPANY,
                json!({ "i": { "name": "Acme France SAS", "defaultLanguage": "FR_ca",
                    "defaultTimeZone": " Europe/Paris " } }),
            )
            .await["updateCompany"]["company"]
            .clone();
        assert_eq!(updated["name"], "Acme France SAS");
        assert_eq!(updated["defaultLanguage"], "fr-CA");
        assert_eq!(updated["defaultTimeZone"], "Europe/Paris");
        // The company's working hours, while it set none, are in its zone.
        assert_eq!(updated["defaultWorkingHours"]["timeZone"], "Europe/Paris");
        // The inbound address the company's mail server forwards to stays.
        assert_eq!(updated["slug"], before["slug"]);

        // What is left out stays as it is.
        let renamed = app
            .ok(
                &app.admin,
                UPDATE_COMPANY,
                json!({ "i": { "defaultLanguage": "nl" } }),
            )
            .await["updateCompany"]["company"]
            .clone();
        assert_eq!(
            (
                &renamed["name"],
                &renamed["defaultLanguage"],
                &renamed["defaultTimeZone"]
            ),
            (
                &json!("Acme France SAS"),
                &json!("nl"),
                &json!("Europe/Paris")
            )
        );
        let unchanged = app.ok(&app.admin, UPDATE_COMPANY, json!({ "i": {} })).await;
        assert_eq!(
            unchanged["updateCompany"]["company"]["defaultLanguage"],
            "nl"
        );

        // Times given without a zone are in the company's.
        let (_, _, application) = applicant(&app, "Zoned", "zoned@example.com").await;
        let interview = app
            .ok(
                &app.admin,
                "mutation($a: ID!, $s: DateTime!, $e: DateTime!) { scheduleInterview(input: {
                    applicationId: $a, title: \"Talk\", startsAt: $s, endsAt: $e,
                    location: \"Room 1\" }) { interview { timeZone } } }",
                json!({ "a": application,
                    "s": (chrono::Utc::now() + chrono::Duration::days(30)).to_rfc3339(),
                    "e": (chrono::Utc::now() + chrono::Duration::days(30) + chrono::Duration::hours(1)).to_rfc3339() }),
            )
            .await;
        assert_eq!(
            interview["scheduleInterview"]["interview"]["timeZone"],
            "Europe/Paris"
        );
        let me = app.ok(&app.admin, "{ viewer { user { id } } }", json!({})).await["viewer"]
            ["user"]["id"]
            .clone();
        let hours = app
            .ok(
                &app.admin,
                "mutation($u: ID!) { setWorkingHours(input: { userId: $u,
                    weekly: [{ weekday: MONDAY, start: \"08:00\", end: \"12:00\" }] }) {
                    workingHours { timeZone } } }",
                json!({ "u": me }),
            )
            .await;
        assert_eq!(
            hours["setWorkingHours"]["workingHours"]["timeZone"],
            "Europe/Paris"
        );
        app.ok(
            &app.admin,
            "mutation { setCompanyWorkingHours(input: {
                weekly: [{ weekday: TUESDAY, start: \"10:00\", end: \"16:00\" }] }) { company { id } } }",
            json!({}),
        )
        .await;
        let company = app.ok(&app.admin, COMPANY, json!({})).await["viewer"]["company"].clone();
        assert_eq!(company["defaultWorkingHours"]["timeZone"], "Europe/Paris");
    })
    .await;
}

/// What is sent, the code and field expected, and a word the message says.
type BadInput = (
    &'static str,
    Value,
    &'static str,
    Option<&'static str>,
    Option<&'static str>,
);

#[tokio::test]
async fn a_bad_language_or_time_zone_is_refused_and_changes_nothing() {
    on_each_backend(async |app| {
        let (_, _, recruiter) = user_with_role(
            &app,
            &app.admin,
            "Rita Recruiter",
            json!({ "sections": ["CANDIDATES", "MESSAGES", "INTERVIEWS"] }),
        )
        .await;
        let cases: [BadInput; 6] = [
            (
                "not a tag",
                json!({ "name": "X", "defaultLanguage": "français" }),
                "VALIDATION",
                Some("defaultLanguage"),
                Some("language tag"),
            ),
            (
                "unsupported language",
                json!({ "name": "X", "defaultLanguage": "ja-JP" }),
                "VALIDATION",
                Some("defaultLanguage"),
                Some("en, de, fr, es, it, nl"),
            ),
            (
                "bad time zone",
                json!({ "name": "X", "defaultTimeZone": "Mars/Olympus" }),
                "VALIDATION",
                Some("defaultTimeZone"),
                Some("IANA"),
            ),
            (
                "offset, not a zone",
                json!({ "defaultTimeZone": "+02:00" }),
                "VALIDATION",
                Some("defaultTimeZone"),
                None,
            ),
            (
                "empty name",
                json!({ "name": "  ", "defaultTimeZone": "Europe/Rome" }),
                "VALIDATION",
                Some("name"),
                None,
            ),
            (
                "a non-admin",
                json!({ "defaultLanguage": "de" }),
                "FORBIDDEN",
                None,
                None,
            ),
        ];
        for (what, input, code, field, says) in cases {
            let token = if code == "FORBIDDEN" {
                &recruiter
            } else {
                &app.admin
            };
            let response = app
                .gql(Some(token), UPDATE_COMPANY, json!({ "i": input }))
                .await;
            let error = &response["errors"][0];
            assert_eq!(error["extensions"]["code"], code, "{what}: {response:#}");
            if let Some(field) = field {
                assert_eq!(error["extensions"]["field"], field, "{what}: {response:#}");
            }
            if let Some(says) = says {
                assert!(
                    error["message"].as_str().unwrap().contains(says),
                    "{what}: {response:#}"
                );
            }
            assert!(response["data"].is_null(), "{what}: {response:#}");
        }
        let after = app.ok(&app.admin, COMPANY, json!({})).await["viewer"]["company"].clone();
        assert_eq!(
            (
                &after["name"],
                &after["defaultLanguage"],
                &after["defaultTimeZone"]
            ),
            (&json!("Acme Recruiting"), &json!("en"), &json!("UTC"))
        );
    })
    .await;
}
