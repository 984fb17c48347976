//! `suggestInterviewSlots` through GraphQL: free times of a whole panel
//! around the interviews they already have, the reasons when there are none,
//! and the bounds that keep one search cheap.

use chrono::{Datelike as _, Duration, NaiveDate, Utc, Weekday};
use serde_json::{Value, json};

use crate::helpers::{TestApp, on_each_backend, user_with_role};
use crate::outbound::applicant;

const SUGGEST: &str = "query($i: SuggestInterviewSlotsInput!) { suggestInterviewSlots(input: $i) {
    slots { startsAt endsAt localStart } obstacles { participant { id } constraint } shortfall } }";

const SCHEDULE: &str = "mutation($i: ScheduleInterviewInput!) {
    scheduleInterview(input: $i) { interview { id } } }";

/// A Monday more than a week ahead, so the tests' times stay in the future.
fn monday() -> NaiveDate {
    let mut day = Utc::now().date_naive() + Duration::days(8);
    while day.weekday() != Weekday::Mon {
        day += Duration::days(1);
    }
    day
}

fn at(day: NaiveDate, hour: u32, minute: u32) -> String {
    format!("{day}T{hour:02}:{minute:02}:00Z")
}

/// A user who may schedule interviews; returns their ID and token.
async fn interviewer(app: &TestApp, name: &str) -> (String, String) {
    let (id, _, token) =
        user_with_role(app, &app.admin, name, json!({ "sections": ["INTERVIEWS"] })).await;
    (id, token)
}

/// Schedules an interview with these participants; returns its ID.
async fn interview(
    app: &TestApp,
    application: &str,
    people: &[&str],
    from: String,
    to: String,
) -> Value {
    app.ok(
        &app.admin,
        SCHEDULE,
        json!({ "i": { "applicationId": application, "title": "Interview", "startsAt": from,
            "endsAt": to, "timeZone": "UTC", "location": "Room 1", "participantIds": people } }),
    )
    .await["scheduleInterview"]["interview"]["id"]
        .clone()
}

/// A day's search for a 45-minute slot on the half hour in UTC.
fn day_search(people: &[&str], day: NaiveDate) -> Value {
    json!({ "participantIds": people, "durationMinutes": 45, "from": at(day, 0, 0),
        "to": at(day + Duration::days(1), 0, 0), "timeZone": "UTC", "stepMinutes": 30, "max": 100 })
}

async fn suggest(app: &TestApp, token: &str, input: Value) -> Value {
    app.ok(token, SUGGEST, json!({ "i": input })).await["suggestInterviewSlots"].clone()
}

fn starts(found: &Value) -> Vec<String> {
    found["slots"]
        .as_array()
        .unwrap()
        .iter()
        .map(|slot| slot["startsAt"].as_str().unwrap().to_owned())
        .collect()
}

/// `hour:minute` UTC on `day` as the API prints a time.
fn printed(day: NaiveDate, hour: u32, minute: u32) -> String {
    format!("{day}T{hour:02}:{minute:02}:00+00:00")
}

#[tokio::test]
async fn slots_avoid_the_panels_interviews_and_their_buffers() {
    on_each_backend(async |app| {
        let (_, _, application) = applicant(&app, "Ana", "ana@example.com").await;
        let (lead, lead_token) = interviewer(&app, "Lia Lead").await;
        let (peer, _) = interviewer(&app, "Pit Peer").await;
        let day = monday();
        let booked = interview(&app, &application, &[&lead], at(day, 10, 0), at(day, 11, 0)).await;

        let mut search = day_search(&[&lead, &peer], day);
        search["bufferMinutes"] = json!(15);
        let found = suggest(&app, &lead_token, search.clone()).await;
        // 09:00–17:00; the interview with its buffer takes 09:45–11:15.
        let mut expected = vec![printed(day, 9, 0)];
        for half_hours in 23..=32 {
            expected.push(printed(day, half_hours / 2, (half_hours % 2) * 30));
        }
        assert_eq!(starts(&found), expected, "{found}");
        assert_eq!(found["slots"][0]["endsAt"], printed(day, 9, 45));
        assert_eq!(found["obstacles"], json!([]));
        assert_eq!(found["shortfall"], Value::Null);

        // In a zone half an hour off UTC, hourly starts fall on UTC's half hours.
        let mut kolkata = search.clone();
        kolkata["timeZone"] = json!("Asia/Kolkata");
        kolkata["stepMinutes"] = json!(60);
        let found = suggest(&app, &lead_token, kolkata).await;
        assert_eq!(found["slots"][0]["startsAt"], printed(day, 11, 30));
        assert_eq!(found["slots"][0]["localStart"], format!("{day}T17:00:00+05:30"));

        // A cancelled interview frees its time.
        app.ok(
            &app.admin,
            "mutation($i: ID!) { cancelInterview(input: { interviewId: $i, notifyCandidate: false }) { interview { status } } }",
            json!({ "i": booked }),
        )
        .await;
        let found = suggest(&app, &lead_token, search).await;
        assert_eq!(starts(&found).len(), 15, "{found}");
    })
    .await;
}

#[tokio::test]
async fn an_empty_answer_names_the_participant_and_the_reason() {
    on_each_backend(async |app| {
        let (_, _, application) = applicant(&app, "Bea", "bea@example.com").await;
        let (lead, lead_token) = interviewer(&app, "Lea Lead").await;
        let (peer, _) = interviewer(&app, "Pia Peer").await;
        let day = monday() + Duration::days(1);
        for hour in [8, 10, 12, 14, 16] {
            interview(
                &app,
                &application,
                &[&peer],
                at(day, hour, 0),
                at(day, hour + 2, 0),
            )
            .await;
        }
        let found = suggest(&app, &lead_token, day_search(&[&lead, &peer], day)).await;
        assert_eq!(found["slots"], json!([]));
        assert_eq!(
            found["obstacles"],
            json!([{ "participant": { "id": peer }, "constraint": "BUSY" }])
        );
        assert_eq!(found["shortfall"], Value::Null);

        // On a Saturday nobody works.
        let saturday = monday() + Duration::days(5);
        let found = suggest(&app, &lead_token, day_search(&[&lead], saturday)).await;
        assert_eq!(
            found["obstacles"],
            json!([{ "participant": { "id": lead }, "constraint": "OUTSIDE_HOURS" }])
        );

        // A window that is over leaves no time after the notice.
        let past = Utc::now().date_naive() - Duration::days(3);
        let found = suggest(&app, &lead_token, day_search(&[&lead], past)).await;
        assert_eq!(found["shortfall"], "NOTICE");
        assert_eq!(found["slots"], json!([]));

        // The minimum notice moves the first start.
        let mut noticed = day_search(&[&lead], monday());
        let until_monday = monday().and_hms_opt(12, 0, 0).unwrap().and_utc() - Utc::now();
        noticed["minimumNoticeMinutes"] = json!(until_monday.num_minutes() + 1);
        let found = suggest(&app, &lead_token, noticed).await;
        assert_eq!(
            found["slots"][0]["startsAt"],
            printed(monday(), 12, 30),
            "{found}"
        );
    })
    .await;
}

#[tokio::test]
async fn bad_searches_are_refused_with_the_field_named() {
    on_each_backend(async |app| {
        let (lead, lead_token) = interviewer(&app, "Lou Lead").await;
        let (_, _, application) = applicant(&app, "Cem", "cem@example.com").await;
        let rival = app.other_company("Rival").await;
        let stranger = app
            .ok(&rival, "{ viewer { user { id } } }", json!({}))
            .await["viewer"]["user"]["id"]
            .clone();
        let day = monday();
        let good = day_search(&[&lead], day);
        let with = |field: &str, value: Value| {
            let mut input = good.clone();
            input[field] = value;
            input
        };
        let crowd: Vec<String> = (0..200).map(|_| lead.clone()).collect();
        for (input, field) in [
            (
                with("to", json!(at(day + Duration::days(5 * 365), 0, 0))),
                "to",
            ),
            (with("to", json!(at(day, 0, 0))), "to"),
            (with("participantIds", json!(crowd)), "participantIds"),
            (with("participantIds", json!([])), "participantIds"),
            (
                with("participantIds", json!([stranger])),
                "participantIds.0",
            ),
            (
                with("participantIds", json!([application])),
                "participantIds.0",
            ),
            (with("timeZone", json!("Europe/Atlantis")), "timeZone"),
            (with("durationMinutes", json!(2)), "durationMinutes"),
            (with("durationMinutes", json!(24 * 60)), "durationMinutes"),
            (with("stepMinutes", json!(0)), "stepMinutes"),
            (with("bufferMinutes", json!(10_000)), "bufferMinutes"),
            (with("max", json!(0)), "max"),
            (with("max", json!(1000)), "max"),
        ] {
            let response = app
                .gql(Some(&lead_token), SUGGEST, json!({ "i": input }))
                .await;
            let error = &response["errors"][0];
            assert_eq!(
                error["extensions"]["code"], "VALIDATION",
                "{input}: {response}"
            );
            assert_eq!(error["extensions"]["field"], field, "{input}: {response}");
        }

        // Only people who may schedule interviews may look for slots.
        let (_, _, clerk) = user_with_role(
            &app,
            &app.admin,
            "Cy Clerk",
            json!({ "sections": ["CANDIDATES"] }),
        )
        .await;
        assert_eq!(
            app.error_code(Some(&clerk), SUGGEST, json!({ "i": good }))
                .await,
            "FORBIDDEN"
        );
        assert_eq!(
            app.error_code(None, SUGGEST, json!({ "i": good })).await,
            "UNAUTHENTICATED"
        );
    })
    .await;
}

#[tokio::test]
async fn a_search_costs_the_same_statements_however_busy_the_panel_is() {
    on_each_backend(async |app| {
        let (_, _, application) = applicant(&app, "Dan", "dan@example.com").await;
        let day = monday();
        let mut panel = Vec::new();
        for i in 0..10 {
            panel.push(interviewer(&app, &format!("Pan {i}")).await.0);
        }
        let people: Vec<&str> = panel.iter().map(String::as_str).collect();
        interview(
            &app,
            &application,
            &people[..1],
            at(day, 9, 0),
            at(day, 9, 30),
        )
        .await;
        for (i, person) in people.iter().enumerate() {
            for slot in 0..5 {
                let start = day + Duration::days(slot);
                let minute = (i as u32 % 4) * 15;
                interview(
                    &app,
                    &application,
                    &[person],
                    at(start, 13, minute),
                    at(start, 14, minute),
                )
                .await;
            }
        }
        let cost = |input: Value| {
            let app = &app;
            async move {
                let before = app.queries();
                let found = suggest(app, &app.admin, input).await;
                (app.queries() - before, found)
            }
        };
        let (alone, _) = cost(day_search(&people[..1], day)).await;
        let mut week = day_search(&people, day);
        week["to"] = json!(at(day + Duration::days(7), 0, 0));
        let (everyone, found) = cost(week).await;
        assert_eq!(alone, everyone, "statements for 1 and for 10 participants");
        // Each day, 13:00–14:45 is taken by someone.
        let taken = starts(&found)
            .iter()
            .filter(|start| {
                ["T12:30", "T13:00", "T13:30", "T14:00", "T14:30"]
                    .iter()
                    .any(|t| start.contains(t))
            })
            .count();
        assert_eq!(taken, 0, "{found}");
    })
    .await;
}

#[tokio::test]
async fn scheduling_at_a_busy_time_warns_and_still_schedules() {
    on_each_backend(async |app| {
        let (_, _, application) = applicant(&app, "Eda", "eda@example.com").await;
        let (lead, _) = interviewer(&app, "Ken Lead").await;
        let (peer, _) = interviewer(&app, "Ida Peer").await;
        let day = monday() + Duration::days(2);
        interview(&app, &application, &[&peer], at(day, 10, 0), at(day, 11, 0)).await;
        let schedule = |from: String, to: String| {
            let (app, application, lead, peer) = (&app, &application, &lead, &peer);
            async move {
                app.ok(
                    &app.admin,
                    "mutation($i: ScheduleInterviewInput!) { scheduleInterview(input: $i) {
                        interview { id status } warnings { participant { id } constraint } } }",
                    json!({ "i": { "applicationId": application, "title": "Panel", "startsAt": from,
                        "endsAt": to, "timeZone": "UTC", "location": "Room 2", "participantIds": [lead, peer] } }),
                )
                .await["scheduleInterview"]
                    .clone()
            }
        };
        let clash = schedule(at(day, 10, 30), at(day, 11, 30)).await;
        assert_eq!(clash["interview"]["status"], "SCHEDULED");
        assert_eq!(clash["warnings"], json!([{ "participant": { "id": peer }, "constraint": "BUSY" }]));

        let evening = schedule(at(day, 18, 0), at(day, 19, 0)).await;
        let mut outside: Vec<Value> = evening["warnings"].as_array().unwrap().clone();
        outside.sort_by_key(|w| w["participant"]["id"].as_str().unwrap().to_owned());
        let mut expected = vec![
            json!({ "participant": { "id": lead }, "constraint": "OUTSIDE_HOURS" }),
            json!({ "participant": { "id": peer }, "constraint": "OUTSIDE_HOURS" }),
        ];
        expected.sort_by_key(|w| w["participant"]["id"].as_str().unwrap().to_owned());
        assert_eq!(outside, expected);

        // Moving the evening interview into free time clears the warnings;
        // the interview does not clash with its own old time.
        let moved = app
            .ok(
                &app.admin,
                "mutation($i: RescheduleInterviewInput!) { rescheduleInterview(input: $i) {
                    warnings { participant { id } constraint } } }",
                json!({ "i": { "interviewId": evening["interview"]["id"], "startsAt": at(day, 14, 0),
                    "endsAt": at(day, 15, 0) } }),
            )
            .await;
        assert_eq!(moved["rescheduleInterview"]["warnings"], json!([]));
        let nudged = app
            .ok(
                &app.admin,
                "mutation($i: RescheduleInterviewInput!) { rescheduleInterview(input: $i) {
                    warnings { participant { id } constraint } } }",
                json!({ "i": { "interviewId": evening["interview"]["id"], "startsAt": at(day, 14, 30),
                    "endsAt": at(day, 15, 30) } }),
            )
            .await;
        assert_eq!(nudged["rescheduleInterview"]["warnings"], json!([]));
        let back = app
            .ok(
                &app.admin,
                "mutation($i: RescheduleInterviewInput!) { rescheduleInterview(input: $i) {
                    warnings { participant { id } constraint } } }",
                json!({ "i": { "interviewId": clash["interview"]["id"], "startsAt": at(day, 10, 30),
                    "endsAt": at(day, 11, 0) } }),
            )
            .await;
        assert_eq!(
            back["rescheduleInterview"]["warnings"],
            json!([{ "participant": { "id": peer }, "constraint": "BUSY" }])
        );
    })
    .await;
}

/// The last Sunday of `month` in `year`.
fn last_sunday(year: i32, month: u32) -> NaiveDate {
    let mut day = NaiveDate::from_ymd_opt(year, month + 1, 1).unwrap() - Duration::days(1);
    while day.weekday() != Weekday::Sun {
        day -= Duration::days(1);
    }
    day
}

/// The next year whose European changes of clock (last Sundays of March and
/// October) are both more than a week away.
fn change_year() -> i32 {
    let soon = Utc::now().date_naive() + Duration::days(7);
    let year = soon.year();
    if last_sunday(year, 3) > soon {
        year
    } else {
        year + 1
    }
}

/// Works Monday to Friday, 09:00 to 17:00, in `zone`.
async fn office_hours(app: &TestApp, user: &str, zone: &str) {
    let weekly: Vec<Value> = ["MONDAY", "TUESDAY", "WEDNESDAY", "THURSDAY", "FRIDAY"]
        .iter()
        .map(|day| json!({ "weekday": day, "start": "09:00", "end": "17:00" }))
        .collect();
    app.ok(
        &app.admin,
        "mutation($i: SetWorkingHoursInput!) { setWorkingHours(input: $i) { user { id } } }",
        json!({ "i": { "userId": user, "timeZone": zone, "weekly": weekly } }),
    )
    .await;
}

#[tokio::test]
async fn a_panel_across_zones_keeps_its_local_hours_through_both_clock_changes() {
    on_each_backend(async |app| {
        let (paris, _) = interviewer(&app, "Pau Paris").await;
        let (berlin, _) = interviewer(&app, "Ben Berlin").await;
        let (new_york, _) = interviewer(&app, "Nia York").await;
        office_hours(&app, &paris, "Europe/Paris").await;
        office_hours(&app, &berlin, "Europe/Berlin").await;
        office_hours(&app, &new_york, "America/New_York").await;
        let year = change_year();
        let spring = last_sunday(year, 3);
        let autumn = last_sunday(year, 10);
        let search = |day: NaiveDate| {
            let mut input = day_search(&[&paris, &new_york], day);
            input["timeZone"] = json!("Europe/Paris");
            input
        };
        let cases = [
            // Friday before the European spring change: Paris on CET
            // (08:00–16:00 UTC), New York already on EDT (13:00–21:00 UTC).
            (spring - Duration::days(2), (13, 0), (15, 0), "T14:00:00+01:00"),
            // Monday after: Paris on CEST (07:00–15:00 UTC).
            (spring + Duration::days(1), (13, 0), (14, 0), "T15:00:00+02:00"),
            // Monday after the European autumn change, New York still on EDT.
            (autumn + Duration::days(1), (13, 0), (15, 0), "T14:00:00+01:00"),
            // A week later New York is on EST too (14:00–22:00 UTC).
            (autumn + Duration::days(8), (14, 0), (15, 0), "T15:00:00+01:00"),
        ];
        for (day, first, last, local) in cases {
            let found = suggest(&app, &app.admin, search(day)).await;
            let starts = starts(&found);
            assert_eq!(starts.first(), Some(&printed(day, first.0, first.1)), "{day}: {found}");
            assert_eq!(starts.last(), Some(&printed(day, last.0, last.1)), "{day}: {found}");
            assert_eq!(found["slots"][0]["localStart"], format!("{day}{local}"), "{day}");
        }

        // Berlin's uploaded calendar is busy 13:00–14:00 UTC on the Monday
        // after the spring change: the three of them meet only at 14:00.
        let monday = spring + Duration::days(1);
        let ics = format!(
            "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//test//EN\r\nBEGIN:VEVENT\r\nUID:b1\r\n\
             DTSTAMP:20270101T000000Z\r\nDTSTART;TZID=Europe/Berlin:{d}T150000\r\n\
             DTEND;TZID=Europe/Berlin:{d}T160000\r\nSUMMARY:Dentist\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n",
            d = monday.format("%Y%m%d")
        );
        let uploaded = crate::availability::post_calendar(&app, &app.admin, &berlin, ics.into_bytes()).await;
        assert_eq!(uploaded["data"]["uploadCalendarFile"]["calendar"]["intervalCount"], 1, "{uploaded}");
        let mut everyone = search(monday);
        everyone["participantIds"] = json!([paris, berlin, new_york]);
        let found = suggest(&app, &app.admin, everyone).await;
        assert_eq!(starts(&found), vec![printed(monday, 14, 0)], "{found}");
    })
    .await;
}
