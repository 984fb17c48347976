//! Candidate self-scheduling: a recruiter creates a link, the candidate sees
//! the free slots without an account, books, moves and cancels; concurrent
//! bookings of one interviewer leave exactly one interview; the public
//! operations are rate-limited; `{{ scheduling_link }}` writes the link.

use chrono::{DateTime, Datelike as _, Duration, NaiveDate, TimeZone as _, Utc};
use sea_orm::{ColumnTrait as _, EntityTrait as _, QueryFilter as _};
use serde_json::{Value, json};

use crate::helpers::{
    TestApp, create_application, create_candidate, first_code, on_each_backend,
    on_each_backend_with, structure, user_with_role,
};
use crate::interviews::{calendars, params, read_calendar, read_with_python, text_value, value};
use crate::outbound::{parse, tick, use_plain_server};
use crate::smtp_server::{Options, SmtpServer};

const CREATE: &str = "mutation($i: CreateSchedulingLinkInput!) {
    createSchedulingLink(input: $i) { token url link { applicationId participantIds
        durationMinutes from to expiresAt interviewId } }
}";
const PAGE: &str = "query($t: String!, $z: String!) {
    schedulingLink(token: $t, timeZone: $z) { positionName companyName durationMinutes timeZone
        slots { startsAt endsAt localStart }
        booking { startsAt endsAt localStart canChange changeDeadline cancelled location } }
}";
const BOOK: &str = "mutation($i: BookInterviewSlotInput!) {
    bookInterviewSlot(input: $i) { booking { startsAt endsAt localStart canChange cancelled } }
}";
const CANCEL: &str = "mutation($t: String!) {
    cancelInterviewBooking(input: { token: $t }) { booking { cancelled startsAt } }
}";
const SETTINGS: &str = "mutation($i: UpdateSchedulingSettingsInput!) {
    updateSchedulingSettings(input: $i) { settings { changeDeadlineHours minimumNoticeHours } }
}";
const INTERVIEWS: &str = "{ interviews { nodes { id title status startsAt timeZone location
    participants { id } invitations { method message { subject textBody } } } } }";

/// The first Monday at least three days away: its working hours (09:00 to
/// 17:00 UTC) are beyond the default notice and change deadline.
fn monday() -> NaiveDate {
    let mut day = Utc::now().date_naive() + Duration::days(3);
    while day.weekday() != chrono::Weekday::Mon {
        day += Duration::days(1);
    }
    day
}

fn at(day: NaiveDate, hour: u32, minute: u32) -> DateTime<Utc> {
    Utc.from_utc_datetime(&day.and_hms_opt(hour, minute, 0).unwrap())
}

/// A time as the API takes and prints it.
fn text(time: DateTime<Utc>) -> String {
    time.to_rfc3339()
}

/// The row ID of a user's global ID.
fn user_row(id: &str) -> i64 {
    recruitmail::graphql::ids::decode(
        &async_graphql::ID::from(id),
        recruitmail::graphql::ids::Kind::User,
        "id",
    )
    .unwrap()
}

/// The admin's own user ID.
async fn admin_user(app: &TestApp) -> String {
    app.ok(&app.admin, "{ viewer { user { id } } }", json!({}))
        .await["viewer"]["user"]["id"]
        .as_str()
        .unwrap()
        .to_owned()
}

/// A candidate with an application to a new position; returns (candidate,
/// application).
async fn applicant(app: &TestApp, name: &str) -> (String, String) {
    let (_, _, position) = structure(app, &app.admin, name).await;
    let candidate = create_candidate(
        app,
        &app.admin,
        name,
        "Example",
        &format!("{}@example.com", name.to_lowercase()),
    )
    .await;
    let application = create_application(app, &app.admin, &candidate, &position).await;
    (candidate, application)
}

/// A link for the week of [`monday`] with `participants`, 45 minutes.
fn link_input(application: &str, participants: &[&str]) -> Value {
    let day = monday();
    json!({ "applicationId": application, "participantIds": participants,
        "durationMinutes": 45, "from": text(at(day, 0, 0)), "to": text(at(day + Duration::days(5), 0, 0)),
        "expiresAt": text(at(day, 0, 0)), "location": "Acme, Hauptstraße 1, Berlin" })
}

async fn create_link(app: &TestApp, input: Value) -> (String, String) {
    let created =
        app.ok(&app.admin, CREATE, json!({ "i": input })).await["createSchedulingLink"].clone();
    (
        created["token"].as_str().unwrap().to_owned(),
        created["url"].as_str().unwrap().to_owned(),
    )
}

/// The candidate's page, without a bearer token.
async fn page(app: &TestApp, token: &str, zone: &str) -> Value {
    app.gql(None, PAGE, json!({ "t": token, "z": zone })).await
}

async fn book(app: &TestApp, token: &str, starts_at: DateTime<Utc>, zone: &str) -> Value {
    app.gql(
        None,
        BOOK,
        json!({ "i": { "token": token, "startsAt": text(starts_at), "timeZone": zone } }),
    )
    .await
}

#[tokio::test]
async fn a_candidate_books_moves_and_cancels_through_the_link() {
    on_each_backend(async |app| {
        let me = admin_user(&app).await;
        let (colleague, _, _) = user_with_role(
            &app,
            &app.admin,
            "Lea Panel",
            json!({ "sections": ["INTERVIEWS"] }),
        )
        .await;
        let (_, application) = applicant(&app, "Zoe").await;
        let (token, url) = create_link(&app, link_input(&application, &[&me, &colleague])).await;
        assert!(token.starts_with("rms_"), "{token}");
        let base = app
            .state
            .settings
            .public_url
            .as_str()
            .trim_end_matches('/')
            .to_owned();
        assert_eq!(url, format!("{base}/schedule/{token}"));
        // Only a digest of the token is stored.
        let row = entity::scheduling_link::Entity::find()
            .one(&app.state.db)
            .await
            .unwrap()
            .unwrap();
        assert_ne!(row.token_hash, token);
        assert!(!format!("{row:?}").contains(&token));

        // The candidate's page: no bearer token, slots in their zone.
        let shown = page(&app, &token, "Europe/Paris").await;
        assert!(shown.get("errors").is_none(), "{shown}");
        let link = &shown["data"]["schedulingLink"];
        assert_eq!(link["positionName"], "Backend Engineer Zoe", "{link}");
        assert_eq!(link["companyName"], "Acme Recruiting");
        assert_eq!(link["durationMinutes"], 45);
        assert_eq!(link["booking"], Value::Null);
        let slots = link["slots"].as_array().unwrap();
        assert_eq!(slots.len(), 100, "the first hundred slots of the week");
        let first = at(monday(), 9, 0);
        assert_eq!(slots[0]["startsAt"], text(first));
        assert_eq!(slots[0]["endsAt"], text(first + Duration::minutes(45)));
        assert_eq!(
            slots[0]["localStart"],
            first.with_timezone(&chrono_tz::Europe::Paris).to_rfc3339()
        );
        assert_eq!(slots[1]["startsAt"], text(at(monday(), 9, 15)));
        // 16:15 is the last start that ends by 17:00.
        assert_eq!(slots[29]["startsAt"], text(at(monday(), 16, 15)));
        assert_eq!(
            slots[30]["startsAt"],
            text(at(monday() + Duration::days(1), 9, 0))
        );
        // Nothing about the participants or other candidates.
        let all = shown.to_string();
        assert!(!all.contains("Lea") && !all.contains("@"), "{all}");

        // Booking: the interview, and the invitation through the usual flow.
        let booked = book(&app, &token, at(monday(), 10, 0), "Europe/Paris").await;
        assert!(booked.get("errors").is_none(), "{booked}");
        let booking = &booked["data"]["bookInterviewSlot"]["booking"];
        assert_eq!(booking["startsAt"], text(at(monday(), 10, 0)));
        assert_eq!(booking["canChange"], true);
        let interviews =
            app.ok(&app.admin, INTERVIEWS, json!({})).await["interviews"]["nodes"].clone();
        assert_eq!(interviews.as_array().unwrap().len(), 1);
        let interview = &interviews[0];
        assert_eq!(interview["title"], "Backend Engineer Zoe");
        assert_eq!(interview["status"], "SCHEDULED");
        assert_eq!(interview["timeZone"], "Europe/Paris");
        assert_eq!(interview["location"], "Acme, Hauptstraße 1, Berlin");
        let mut participants: Vec<&str> = interview["participants"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| p["id"].as_str().unwrap())
            .collect();
        participants.sort_unstable();
        let mut expected = vec![me.as_str(), colleague.as_str()];
        expected.sort_unstable();
        assert_eq!(participants, expected);
        let invitation = &interview["invitations"][0];
        assert_eq!(invitation["method"], "REQUEST");
        assert_eq!(
            invitation["message"]["subject"],
            "Invitation: Backend Engineer Zoe"
        );
        assert!(
            invitation["message"]["textBody"]
                .as_str()
                .unwrap()
                .contains("Dear Zoe Example"),
            "{invitation}"
        );
        let row = entity::interview::Entity::find()
            .one(&app.state.db)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(
            row.created_by_id,
            Some(user_row(&me)),
            "scheduled in the name of the link's creator"
        );

        // The page shows the booking, and the booked time is taken.
        let shown = page(&app, &token, "America/New_York").await["data"]["schedulingLink"].clone();
        assert_eq!(shown["booking"]["startsAt"], text(at(monday(), 10, 0)));
        assert_eq!(shown["booking"]["canChange"], true);
        assert_eq!(shown["timeZone"], "America/New_York");
        let starts: Vec<&str> = shown["slots"]
            .as_array()
            .unwrap()
            .iter()
            .map(|s| s["startsAt"].as_str().unwrap())
            .collect();
        assert!(!starts.contains(&text(at(monday(), 10, 0)).as_str()));
        assert!(
            !starts.contains(&text(at(monday(), 9, 30)).as_str()),
            "overlaps the booking"
        );
        assert!(starts.contains(&text(at(monday(), 9, 0)).as_str()));

        // Moving: the same interview, rescheduled, the invitation rewritten.
        let moved = book(
            &app,
            &token,
            at(monday() + Duration::days(1), 14, 30),
            "Europe/Berlin",
        )
        .await;
        assert!(moved.get("errors").is_none(), "{moved}");
        let interviews =
            app.ok(&app.admin, INTERVIEWS, json!({})).await["interviews"]["nodes"].clone();
        assert_eq!(
            interviews.as_array().unwrap().len(),
            1,
            "moved, not booked twice"
        );
        assert_eq!(interviews[0]["id"], interview["id"]);
        assert_eq!(
            interviews[0]["startsAt"],
            text(at(monday() + Duration::days(1), 14, 30))
        );
        assert_eq!(interviews[0]["timeZone"], "Europe/Berlin");

        // The recruiter sees what was booked through the link, not its token.
        let listed = app
            .ok(
                &app.admin,
                "query($a: ID!) { schedulingLinks(applicationId: $a) { interviewId durationMinutes closedAt } }",
                json!({ "a": application }),
            )
            .await["schedulingLinks"]
            .clone();
        assert_eq!(
            listed,
            json!([{ "interviewId": interview["id"], "durationMinutes": 45, "closedAt": null }])
        );

        // Cancelling: the interview is cancelled and the link opens no more.
        let cancelled = app.gql(None, CANCEL, json!({ "t": token })).await;
        assert!(cancelled.get("errors").is_none(), "{cancelled}");
        assert_eq!(
            cancelled["data"]["cancelInterviewBooking"]["booking"]["cancelled"],
            true
        );
        let interviews =
            app.ok(&app.admin, INTERVIEWS, json!({})).await["interviews"]["nodes"].clone();
        assert_eq!(interviews[0]["status"], "CANCELLED");
        assert_eq!(
            first_code(&page(&app, &token, "UTC").await).as_deref(),
            Some("NOT_FOUND")
        );
        let again = book(&app, &token, at(monday(), 11, 0), "UTC").await;
        assert_eq!(first_code(&again).as_deref(), Some("NOT_FOUND"));
    })
    .await;
}

#[tokio::test]
async fn changes_close_at_the_company_deadline_and_closed_applications_do_not_book() {
    on_each_backend(async |app| {
        let me = admin_user(&app).await;
        let (_, application) = applicant(&app, "Ada").await;
        let (token, _) = create_link(&app, link_input(&application, &[&me])).await;
        let booked = book(&app, &token, at(monday(), 9, 0), "UTC").await;
        assert!(booked.get("errors").is_none(), "{booked}");

        // A deadline of a month: the booking, days ahead, is past it.
        let settings = app
            .ok(&app.admin, SETTINGS, json!({ "i": { "changeDeadlineHours": 744 } }))
            .await["updateSchedulingSettings"]["settings"]
            .clone();
        assert_eq!(settings, json!({ "changeDeadlineHours": 744, "minimumNoticeHours": 24 }));
        let shown = page(&app, &token, "UTC").await["data"]["schedulingLink"].clone();
        assert_eq!(shown["booking"]["canChange"], false);
        assert_eq!(shown["slots"], json!([]));
        let moved = book(&app, &token, at(monday(), 11, 0), "UTC").await;
        assert_eq!(first_code(&moved).as_deref(), Some("CONFLICT"), "{moved}");
        assert!(moved["errors"][0]["message"].as_str().unwrap().contains("744 hours"));
        let cancelled = app.gql(None, CANCEL, json!({ "t": token })).await;
        assert_eq!(first_code(&cancelled).as_deref(), Some("CONFLICT"));
        let settings = app
            .gql(Some(&app.admin), SETTINGS, json!({ "i": { "changeDeadlineHours": 745 } }))
            .await;
        assert_eq!(first_code(&settings).as_deref(), Some("VALIDATION"));
        app.ok(&app.admin, SETTINGS, json!({ "i": { "changeDeadlineHours": 24 } }))
            .await;

        // A closed application books nothing, and takes no new link.
        let (_, other) = applicant(&app, "Bea").await;
        let (other_token, _) = create_link(&app, link_input(&other, &[&me])).await;
        app.ok(
            &app.admin,
            "mutation($a: ID!) { updateApplicationStatus(input: { id: $a, status: REJECTED }) { application { id } } }",
            json!({ "a": other }),
        )
        .await;
        let refused = book(&app, &other_token, at(monday(), 14, 0), "UTC").await;
        assert_eq!(first_code(&refused).as_deref(), Some("CONFLICT"), "{refused}");
        let shown = page(&app, &other_token, "UTC").await["data"]["schedulingLink"].clone();
        assert_eq!(shown["slots"], json!([]));
        let create = app
            .gql(Some(&app.admin), CREATE, json!({ "i": link_input(&other, &[&me]) }))
            .await;
        assert_eq!(first_code(&create).as_deref(), Some("CONFLICT"));
        let interviews = entity::interview::Entity::find()
            .all(&app.state.db)
            .await
            .unwrap();
        assert_eq!(interviews.len(), 1, "only Ada's booking");
    })
    .await;
}

#[tokio::test]
async fn bad_links_and_bad_bookings_are_refused() {
    on_each_backend(async |app| {
        let me = admin_user(&app).await;
        let (_, application) = applicant(&app, "Cy").await;
        let refused = async |change: Value, field: &str| {
            let mut input = link_input(&application, &[&me]);
            for (key, value) in change.as_object().unwrap() {
                input[key] = value.clone();
            }
            let response = app.gql(Some(&app.admin), CREATE, json!({ "i": input })).await;
            assert_eq!(first_code(&response).as_deref(), Some("VALIDATION"), "{response}");
            assert_eq!(response["errors"][0]["extensions"]["field"], field, "{response}");
        };
        let day = monday();
        refused(json!({ "to": text(at(day + Duration::days(63), 0, 0)) }), "to").await;
        refused(json!({ "to": text(at(day, 0, 0)) }), "to").await;
        refused(json!({ "durationMinutes": 2 }), "durationMinutes").await;
        refused(json!({ "expiresAt": text(Utc::now() - Duration::hours(1)) }), "expiresAt").await;
        refused(json!({ "location": null }), "location").await;
        let many: Vec<String> = (0..51).map(|_| me.clone()).collect();
        refused(json!({ "participantIds": many }), "participantIds").await;
        assert_eq!(
            entity::scheduling_link::Entity::find()
                .all(&app.state.db)
                .await
                .unwrap()
                .len(),
            0,
            "nothing stored"
        );

        let (token, _) = create_link(&app, link_input(&application, &[&me])).await;
        // Guessed tokens are not found, like expired links.
        for guess in ["rms_guessed", "nothing", &"rms_x".repeat(100)] {
            assert_eq!(first_code(&page(&app, guess, "UTC").await).as_deref(), Some("NOT_FOUND"));
        }
        assert_eq!(
            first_code(&book(&app, "rms_guessed", at(day, 9, 0), "UTC").await).as_deref(),
            Some("NOT_FOUND")
        );
        let bad_zone = page(&app, &token, "Mars/Olympus").await;
        assert_eq!(first_code(&bad_zone).as_deref(), Some("VALIDATION"));
        // Off the step, outside the window, outside working hours.
        for (start, code) in [
            (at(day, 9, 7), "VALIDATION"),
            (at(day - Duration::days(1), 9, 0), "VALIDATION"),
            (at(day + Duration::days(5), 9, 0), "VALIDATION"),
            (at(day, 16, 30), "CONFLICT"),
            (at(day + Duration::days(5) - Duration::days(1), 20, 0), "CONFLICT"),
        ] {
            let response = book(&app, &token, start, "UTC").await;
            assert_eq!(first_code(&response).as_deref(), Some(code), "{start}: {response}");
        }
        assert!(entity::interview::Entity::find().all(&app.state.db).await.unwrap().is_empty());

        // A time a recruiter scheduled meanwhile is taken: CONFLICT, with
        // the free slots as they are now.
        app.ok(
            &app.admin,
            "mutation($i: ScheduleInterviewInput!) { scheduleInterview(input: $i) { interview { id } } }",
            json!({ "i": { "applicationId": application, "title": "Phone screen",
                "startsAt": text(at(day, 9, 0)), "endsAt": text(at(day, 10, 0)), "timeZone": "UTC",
                "location": "Phone", "participantIds": [me] } }),
        )
        .await;
        let taken = book(&app, &token, at(day, 9, 30), "UTC").await;
        assert_eq!(first_code(&taken).as_deref(), Some("CONFLICT"), "{taken}");
        let free = taken["errors"][0]["extensions"]["freeSlots"].as_array().unwrap().clone();
        assert_eq!(free[0], json!(at(day, 10, 0).to_rfc3339()), "{taken}");

        // An expired link is not found.
        let mut input = link_input(&application, &[&me]);
        input["expiresAt"] = json!(text(Utc::now() + Duration::seconds(2)));
        let (short, _) = create_link(&app, input).await;
        assert!(page(&app, &short, "UTC").await.get("errors").is_none());
        tokio::time::sleep(std::time::Duration::from_millis(2500)).await;
        assert_eq!(first_code(&page(&app, &short, "UTC").await).as_deref(), Some("NOT_FOUND"));
        assert_eq!(
            first_code(&book(&app, &short, at(day, 11, 0), "UTC").await).as_deref(),
            Some("NOT_FOUND")
        );
    })
    .await;
}

/// Links of `n` candidates, all with the interviewer `shared`.
async fn links_sharing(app: &TestApp, shared: &str, n: usize, prefix: &str) -> Vec<String> {
    let mut tokens = Vec::new();
    for i in 0..n {
        let (_, application) = applicant(app, &format!("{prefix}{i}")).await;
        tokens.push(
            create_link(app, link_input(&application, &[shared]))
                .await
                .0,
        );
    }
    tokens
}

#[tokio::test]
async fn concurrent_bookings_of_one_interviewer_leave_exactly_one_interview() {
    let generous = [(
        "RECRUITMAIL_SCHEDULING_RATE_PER_ADDRESS",
        "10000".to_owned(),
    )];
    on_each_backend_with(&generous, async |app| {
        let me = admin_user(&app).await;
        let shared = user_row(&me);
        for (round, hour) in [(0u32, 9u32), (1, 11), (2, 13)] {
            let tokens = links_sharing(&app, &me, 8, &format!("R{round}c")).await;
            // Every candidate books a start in the same hour at once; each
            // 45-minute slot overlaps every other.
            let requests = tokens.iter().enumerate().map(|(i, token)| {
                let minute = u32::try_from(i % 3).unwrap() * 15;
                let start = at(monday(), hour, minute);
                let app = &app;
                async move { book(app, token, start, "Europe/Paris").await }
            });
            let answers = futures_util::future::join_all(requests).await;
            let won: Vec<&Value> = answers
                .iter()
                .filter(|a| a.get("errors").is_none())
                .collect();
            assert_eq!(won.len(), 1, "round {round}: {answers:#?}");
            for lost in answers.iter().filter(|a| a.get("errors").is_some()) {
                assert_eq!(first_code(lost).as_deref(), Some("CONFLICT"), "{lost}");
                assert!(
                    lost["errors"][0]["extensions"]["freeSlots"].is_array(),
                    "{lost}"
                );
            }
            let from = at(monday(), hour, 0);
            let overlapping = entity::interview::Entity::find()
                .filter(entity::interview::Column::StartsAt.lt(from + Duration::hours(1)))
                .filter(entity::interview::Column::EndsAt.gt(from))
                .all(&app.state.db)
                .await
                .unwrap();
            assert_eq!(overlapping.len(), 1, "round {round}");
            let taking_part = entity::interview_participant::Entity::find()
                .filter(entity::interview_participant::Column::InterviewId.eq(overlapping[0].id))
                .all(&app.state.db)
                .await
                .unwrap();
            assert_eq!(taking_part.len(), 1);
            assert_eq!(taking_part[0].user_id, shared);
            let booked = entity::scheduling_link::Entity::find()
                .filter(entity::scheduling_link::Column::InterviewId.is_not_null())
                .all(&app.state.db)
                .await
                .unwrap();
            assert_eq!(
                booked.len(),
                usize::try_from(round).unwrap() + 1,
                "one link booked per round"
            );
        }
    })
    .await;
}

#[tokio::test]
async fn public_scheduling_is_rate_limited_per_address() {
    let tight = [("RECRUITMAIL_SCHEDULING_RATE_PER_ADDRESS", "3".to_owned())];
    on_each_backend_with(&tight, async |app| {
        let me = admin_user(&app).await;
        let (_, application) = applicant(&app, "Dan").await;
        let (token, _) = create_link(&app, link_input(&application, &[&me])).await;
        assert!(page(&app, &token, "UTC").await.get("errors").is_none());
        // Guesses count like any request.
        assert_eq!(
            first_code(&page(&app, "rms_guess", "UTC").await).as_deref(),
            Some("NOT_FOUND")
        );
        assert!(page(&app, &token, "UTC").await.get("errors").is_none());
        for response in [
            page(&app, &token, "UTC").await,
            book(&app, &token, at(monday(), 9, 0), "UTC").await,
            app.gql(None, CANCEL, json!({ "t": token })).await,
        ] {
            assert_eq!(
                first_code(&response).as_deref(),
                Some("RATE_LIMITED"),
                "{response}"
            );
        }
        assert!(
            entity::interview::Entity::find()
                .all(&app.state.db)
                .await
                .unwrap()
                .is_empty()
        );
        // Signed-in recruiters are not held up by the candidates' limit.
        app.ok(
            &app.admin,
            "{ schedulingSettings { changeDeadlineHours } }",
            json!({}),
        )
        .await;
    })
    .await;
}

#[tokio::test]
async fn the_placeholder_writes_the_newest_open_link_or_refuses_to_send() {
    on_each_backend(async |app| {
        let me = admin_user(&app).await;
        let (candidate, application) = applicant(&app, "Eve").await;
        let send = json!({ "i": { "candidateIds": [candidate], "subject": "Pick a time",
            "body": "<p>Book here: {{ scheduling_link }}</p>" } });
        const SEND: &str =
            "mutation($i: SendEmailInput!) { sendEmail(input: $i) { message { textBody } } }";
        let refused = app.gql(Some(&app.admin), SEND, send.clone()).await;
        assert_eq!(
            first_code(&refused).as_deref(),
            Some("VALIDATION"),
            "{refused}"
        );
        let message = refused["errors"][0]["message"].as_str().unwrap();
        assert!(
            message.contains("Eve Example") && message.contains("createSchedulingLink"),
            "{message}"
        );
        assert!(
            entity::message::Entity::find()
                .all(&app.state.db)
                .await
                .unwrap()
                .is_empty()
        );
        let preview = app
            .ok(
                &app.admin,
                "query($i: PreviewEmailInput!) { previewEmail(input: $i) { missingPlaceholders } }",
                json!({ "i": { "candidateId": candidate, "subject": "S",
                    "body": "<p>{{ scheduling_link }}</p>" } }),
            )
            .await;
        assert_eq!(
            preview["previewEmail"]["missingPlaceholders"],
            json!(["scheduling_link"])
        );

        let (_, older) = create_link(&app, link_input(&application, &[&me])).await;
        let (_, newer) = create_link(&app, link_input(&application, &[&me])).await;
        assert_ne!(older, newer);
        let sent = app.ok(&app.admin, SEND, send).await;
        let body = sent["sendEmail"]["message"]["textBody"].as_str().unwrap();
        assert!(body.contains(&newer), "{body}");
        assert!(!body.contains(&older), "{body}");
        // The placeholder is listed for every template.
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
                .contains(&json!({ "name": "scheduling_link", "interviewOnly": false })),
            "{listed}"
        );
    })
    .await;
}

#[tokio::test]
async fn the_booked_invitation_puts_the_slot_in_the_candidates_calendar() {
    let server = SmtpServer::start(Options::default());
    on_each_backend(async |app| {
        let me = admin_user(&app).await;
        let (sub, _, application) =
            crate::outbound::applicant(&app, "Ida", "ida@example.com").await;
        use_plain_server(&app, &sub, &server).await;
        let (token, _) = create_link(&app, link_input(&application, &[&me])).await;
        let start = at(monday(), 10, 0);
        let booked = book(&app, &token, start, "Europe/Paris").await;
        assert!(booked.get("errors").is_none(), "{booked}");
        let before = server.delivered().len();
        // The candidate's invitation, and the participant's own copy.
        assert_eq!(tick(&app, Utc::now()).await.sent, 2);
        let delivered = server.wait_for(before + 2);
        let to_candidate: Vec<_> = delivered[before..]
            .iter()
            .filter(|mail| mail.rcpt_tos == vec!["ida@example.com".to_owned()])
            .collect();
        assert_eq!(to_candidate.len(), 1);
        let mail = parse(&to_candidate[0].raw);
        let (method, inline, file) = calendars(&mail);
        assert_eq!(method, "REQUEST");
        assert_eq!(inline, file);
        let calendar = read_calendar(&inline);
        assert_eq!(value(&calendar.properties, "METHOD"), "REQUEST");
        let event = &calendar.events[0].properties;
        let ical = |t: DateTime<Utc>| t.format("%Y%m%dT%H%M%SZ").to_string();
        assert_eq!(value(event, "DTSTART"), ical(start));
        assert_eq!(value(event, "DTEND"), ical(start + Duration::minutes(45)));
        assert_eq!(text_value(event, "SUMMARY"), "Backend Engineer Ida");
        assert_eq!(text_value(event, "LOCATION"), "Acme, Hauptstraße 1, Berlin");
        let candidate = event
            .iter()
            .find(|p| p.name == "ATTENDEE" && p.value.as_deref() == Some("mailto:ida@example.com"))
            .expect("the candidate attends");
        assert_eq!(params(candidate)["PARTSTAT"], "NEEDS-ACTION");
        // Python's icalendar reads the same.
        let copy = inline.clone();
        let other = tokio::task::spawn_blocking(move || read_with_python(&copy))
            .await
            .unwrap();
        assert_eq!(other["method"], "REQUEST");
        let e = &other["events"][0];
        assert_eq!(e["summary"], "Backend Engineer Ida");
        assert_eq!(e["start"], json!(start.to_rfc3339()));
        assert_eq!(
            e["end"],
            json!((start + Duration::minutes(45)).to_rfc3339())
        );
        assert_eq!(e["uid"].as_str().unwrap(), value(event, "UID"));
    })
    .await;
}
