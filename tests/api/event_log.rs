//! The event log as its consumers read it: one event per change, in commit
//! order, numbered per subject, and never carrying personal data.

use std::collections::HashMap;

use chrono::Utc;
use recruitmail::events::Event;
use sea_orm::{EntityTrait as _, QueryOrder as _};
use serde_json::{Value, json};

use crate::helpers::{TestApp, create_application, create_candidate, on_each_backend, structure};
use crate::outbound::tick;

async fn log(app: &TestApp) -> Vec<Event> {
    entity::event::Entity::find()
        .order_by_asc(entity::event::Column::Id)
        .all(&app.state.db)
        .await
        .unwrap()
        .into_iter()
        .map(Event::from)
        .collect()
}

/// `(type, sequence, status)` of each event about the object with global
/// id `id`, in order.
pub(crate) async fn history(app: &TestApp, id: &Value) -> Vec<(String, i64, Value)> {
    log(app)
        .await
        .into_iter()
        .filter(|e| e.data["id"] == *id)
        .map(|e| (e.event_type, e.sequence, e.data["status"].clone()))
        .collect()
}

/// Every event about the object with global id `id`, in order.
pub(crate) async fn events_of(app: &TestApp, id: &Value) -> Vec<Event> {
    log(app)
        .await
        .into_iter()
        .filter(|e| e.data["id"] == *id)
        .collect()
}

/// `history` as `(type, status)` pairs, numbered from 1 in order.
pub(crate) fn numbered(list: &[(&str, &str)]) -> Vec<(String, i64, Value)> {
    list.iter()
        .enumerate()
        .map(|(i, (t, s))| ((*t).to_owned(), i as i64 + 1, json!(s)))
        .collect()
}

#[tokio::test]
async fn every_change_appends_one_thin_event_numbered_per_subject() {
    on_each_backend(async |app| {
        let admin = app.admin.clone();
        let (_, _, position) = structure(&app, &admin, "log").await;
        let ada = create_candidate(&app, &admin, "Adalind", "Quorvex", "adalind@example.com").await;
        let bo = create_candidate(&app, &admin, "Bonifaz", "Quorvex", "bonifaz@example.com").await;
        app.ok(
            &admin,
            "mutation($i: UpdateCandidateInput!) { updateCandidate(input: $i) { candidate { id } } }",
            json!({ "i": { "id": ada, "phone": "+49 30 1234567" } }),
        )
        .await;
        let application = create_application(&app, &admin, &ada, &position).await;
        let other = create_application(&app, &admin, &bo, &position).await;
        let batch = app
            .ok(
                &admin,
                "mutation($i: SendEmailInput!) { sendEmail(input: $i) { batch { id } } }",
                json!({ "i": { "applicationIds": [application, other],
                    "subject": "Secret subject Zebulon", "body": "<p>Secret body Xanthippe</p>" } }),
            )
            .await["sendEmail"]["batch"]["id"]
            .clone();
        let sent = tick(&app, Utc::now()).await;
        assert_eq!(sent.sent, 2);
        let start = Utc::now() + chrono::Duration::days(3);
        let interview = app
            .ok(
                &admin,
                "mutation($i: ScheduleInterviewInput!) { scheduleInterview(input: $i) { interview { id } } }",
                json!({ "i": { "applicationId": application, "title": "First talk",
                    "startsAt": start, "endsAt": start + chrono::Duration::hours(1),
                    "timeZone": "Europe/Berlin", "location": "Room 1" } }),
            )
            .await["scheduleInterview"]["interview"]["id"]
            .clone();
        let later = start + chrono::Duration::days(1);
        app.ok(
            &admin,
            "mutation($i: RescheduleInterviewInput!) { rescheduleInterview(input: $i) { interview { id } } }",
            json!({ "i": { "interviewId": interview, "startsAt": later,
                "endsAt": later + chrono::Duration::hours(1), "notifyCandidate": false } }),
        )
        .await;
        app.ok(
            &admin,
            "mutation($i: CancelInterviewInput!) { cancelInterview(input: $i) { interview { id } } }",
            json!({ "i": { "interviewId": interview, "notifyCandidate": false } }),
        )
        .await;
        app.ok(
            &admin,
            "mutation($i: DeleteCandidateInput!) { deleteCandidate(input: $i) { deletedCandidateId } }",
            json!({ "i": { "id": bo } }),
        )
        .await;

        let events = log(&app).await;
        let of = |subject: &Value| -> Vec<(String, i64)> {
            events
                .iter()
                .filter(|e| e.data["id"] == *subject)
                .map(|e| (e.event_type.clone(), e.sequence))
                .collect()
        };
        let pairs = |list: &[&str]| -> Vec<(String, i64)> {
            list.iter()
                .enumerate()
                .map(|(i, t)| ((*t).to_owned(), i as i64 + 1))
                .collect()
        };
        assert_eq!(
            of(&json!(ada)),
            pairs(&["candidate.created", "candidate.updated"])
        );
        assert_eq!(
            of(&json!(bo)),
            pairs(&["candidate.created", "candidate.deleted", "candidate.erased"])
        );
        assert_eq!(of(&json!(application)), pairs(&["application.created"]));
        assert_eq!(
            of(&interview),
            pairs(&[
                "interview.scheduled",
                "interview.rescheduled",
                "interview.cancelled"
            ])
        );
        let progress: Vec<(String, Value)> = events
            .iter()
            .filter(|e| e.data["id"] == batch)
            .map(|e| (e.event_type.clone(), e.data["sent"].clone()))
            .collect();
        assert_eq!(
            progress.last(),
            Some(&("email_batch.completed".to_owned(), json!(2))),
            "{progress:?}"
        );
        let messages: Vec<&Event> = events
            .iter()
            .filter(|e| e.subject == "Message")
            .collect();
        let mut per_message: HashMap<i64, Vec<(String, i64, Value)>> = HashMap::new();
        let mut erased = Vec::new();
        for e in &messages {
            if e.data["candidateId"] == json!(bo) {
                erased.push(e.subject_id);
            }
            per_message.entry(e.subject_id).or_default().push((
                e.event_type.clone(),
                e.sequence,
                e.data["status"].clone(),
            ));
        }
        assert_eq!(per_message.len(), 2);
        for (message, history) in &per_message {
            // The erased candidate's events keep their ids only.
            let status = |s: &str| {
                if erased.contains(message) {
                    Value::Null
                } else {
                    json!(s)
                }
            };
            assert_eq!(
                history,
                &vec![
                    ("message.queued".to_owned(), 1, status("QUEUED")),
                    ("message.sent".to_owned(), 2, status("SENT")),
                ]
            );
        }
        assert_eq!(erased.len(), 2, "both events of Bo's message");
        let updated = events
            .iter()
            .find(|e| e.event_type == "candidate.updated")
            .unwrap();
        assert_eq!(updated.data["changed"], json!(["phone"]));
        let created = events
            .iter()
            .find(|e| e.event_type == "application.created")
            .unwrap();
        assert_eq!(created.data["source"], "MANUAL");
        assert_eq!(created.data["candidateId"], json!(ada));
        // In commit order, and thin: nothing a person could be found by.
        assert!(events.windows(2).all(|w| w[0].id < w[1].id));
        let text = serde_json::to_string(&events.iter().map(Event::payload).collect::<Vec<_>>())
            .unwrap();
        for personal in [
            "Adalind",
            "Bonifaz",
            "Quorvex",
            "example.com",
            "1234567",
            "Zebulon",
            "Xanthippe",
            "First talk",
            "Room 1",
        ] {
            assert!(!text.contains(personal), "{personal} in {text}");
        }
        // The Standard Webhooks payload shape.
        let payload = events[0].payload();
        assert_eq!(payload["type"], "candidate.created");
        assert!(payload["timestamp"].as_str().unwrap().ends_with('Z'));
        assert_eq!(payload["data"]["sequence"], 1);
    })
    .await;
}

#[tokio::test]
async fn a_change_that_fails_leaves_no_event() {
    on_each_backend(async |app| {
        let admin = app.admin.clone();
        create_candidate(&app, &admin, "Ann", "One", "ann@example.com").await;
        let before = log(&app).await.len();
        let code = app
            .error_code(
                Some(&admin),
                "mutation { createCandidate(input: { firstName: \"Ann\", lastName: \"Two\", email: \"ann@example.com\" }) { candidate { id } } }",
                json!({}),
            )
            .await;
        assert_eq!(code, "CONFLICT");
        assert_eq!(log(&app).await.len(), before);
    })
    .await;
}
