//! Control over what waits to leave, against the real SMTP server on
//! loopback: cancelling messages in backoff and whole bulk sends, sending a
//! scheduled message now or later, retrying a failed one, and leaving alone a
//! message a dispatcher is already delivering.

use chrono::Utc;
use sea_orm::{ColumnTrait as _, EntityTrait as _, QueryFilter as _};
use serde_json::{Value, json};

use crate::helpers::{TestApp, create_candidate, on_each_backend};
use crate::outbound::{
    applicant, many_applicants, other_instance, send_plain, tick, use_plain_server,
};
use crate::smtp_server::{Options, SmtpServer};

const MESSAGE: &str = "query($id: ID!) { message(id: $id) { status scheduledAt attempts } }";

const CANCEL: &str = "mutation($id: ID!) { cancelMessage(input: { messageId: $id }) {
    changed message { id status } alreadySending { id status } } }";

const CANCEL_BATCH: &str = "mutation($id: ID!) { cancelEmailBatch(input: { batchId: $id }) {
    changed batch { id total queued sent cancelled } alreadySending { id status } } }";

const SEND_NOW: &str = "mutation($id: ID!) { sendMessageNow(input: { messageId: $id }) {
    changed message { status scheduledAt } alreadySending { id } } }";

const RESCHEDULE: &str = "mutation($id: ID!, $at: DateTime!) {
    rescheduleMessage(input: { messageId: $id, scheduledAt: $at }) {
    changed message { status scheduledAt } alreadySending { id } } }";

const RETRY: &str = "mutation($id: ID!) { retryMessage(input: { messageId: $id }) {
    changed message { status } alreadySending { id } } }";

const SEND: &str = "mutation($i: SendEmailInput!) { sendEmail(input: $i) { message { id status } batch { id total } } }";

async fn status(app: &TestApp, id: &Value) -> Value {
    app.ok(&app.admin, MESSAGE, json!({ "id": id })).await["message"]["status"].clone()
}

/// The types of the events about `id`, in order.
async fn event_types(app: &TestApp, id: &Value) -> Vec<String> {
    crate::event_log::history(app, id)
        .await
        .into_iter()
        .map(|(t, _, _)| t)
        .collect()
}

/// The message of the `CONFLICT` that `query` answers with.
async fn conflict(app: &TestApp, query: &str, variables: Value) -> String {
    let response = app.gql(Some(&app.admin), query, variables).await;
    assert_eq!(
        response["errors"][0]["extensions"]["code"], "CONFLICT",
        "{response}"
    );
    response["errors"][0]["message"]
        .as_str()
        .unwrap()
        .to_owned()
}

/// A bulk send through `server` to `count` new applicants, with `input`'s
/// fields besides; returns the number of mails `server` had before, and the
/// send.
pub(crate) async fn bulk_send(
    app: &TestApp,
    server: &SmtpServer,
    count: usize,
    mut input: Value,
) -> (usize, Value) {
    let (sub, applications) = many_applicants(app, count, false).await;
    use_plain_server(app, &sub, server).await;
    let before = server.delivered().len();
    input["applicationIds"] = json!(applications);
    let batch = app.ok(&app.admin, SEND, json!({ "i": input })).await["sendEmail"]["batch"].clone();
    assert_eq!(batch["total"], count);
    (before, batch)
}

/// Sends `subject` to one candidate at `at`; returns the message's ID.
async fn schedule(app: &TestApp, candidate: &str, at: chrono::DateTime<Utc>) -> Value {
    let sent = app
        .ok(
            &app.admin,
            SEND,
            json!({ "i": { "candidateIds": [candidate], "subject": "Later", "body": "<p>Hi</p>",
                "scheduledAt": at.to_rfc3339() } }),
        )
        .await;
    assert_eq!(sent["sendEmail"]["message"]["status"], "SCHEDULED");
    sent["sendEmail"]["message"]["id"].clone()
}

#[tokio::test]
async fn a_message_cancelled_between_retries_never_arrives_after_the_server_recovers() {
    let server = SmtpServer::start(Options::default());
    on_each_backend(async |app| {
        let (sub, candidate, _) = applicant(&app, "Backoff", "backoff@example.com").await;
        use_plain_server(&app, &sub, &server).await;
        let before = server.delivered().len();
        server.set_mode("tempfail");
        let id = send_plain(&app, &candidate).await["id"].clone();
        let now = Utc::now();
        assert_eq!(tick(&app, now).await.retried, 1);
        assert_eq!(status(&app, &id).await, "QUEUED", "waiting between retries");

        let cancelled =
            app.ok(&app.admin, CANCEL, json!({ "id": id })).await["cancelMessage"].clone();
        assert_eq!(cancelled["changed"], 1);
        assert_eq!(cancelled["message"]["status"], "CANCELLED");
        assert_eq!(cancelled["alreadySending"], json!([]));

        server.set_mode("accept");
        let later = tick(&app, now + chrono::Duration::hours(3)).await;
        assert_eq!(later.sent, 0, "{later:?}");
        std::thread::sleep(std::time::Duration::from_millis(200));
        assert_eq!(server.delivered().len(), before, "nothing arrives");
        assert_eq!(status(&app, &id).await, "CANCELLED");
        assert_eq!(
            event_types(&app, &id).await,
            ["message.queued", "message.cancelled"]
        );
        // Cancelled once, it cannot be cancelled again.
        let message = conflict(&app, CANCEL, json!({ "id": id })).await;
        assert!(message.contains("CANCELLED"), "{message}");
    })
    .await;
}

#[tokio::test]
async fn cancelling_a_scheduled_bulk_send_cancels_every_message_and_delivers_none() {
    let server = SmtpServer::start(Options::default());
    on_each_backend(async |app| {
        let at = Utc::now() + chrono::Duration::hours(1);
        let (before, batch) = bulk_send(
            &app,
            &server,
            4,
            json!({ "subject": "S", "body": "<p>B</p>", "scheduledAt": at.to_rfc3339() }),
        )
        .await;

        let done = app.ok(&app.admin, CANCEL_BATCH, json!({ "id": batch["id"] })).await
            ["cancelEmailBatch"]
            .clone();
        assert_eq!(done["changed"], 4);
        assert_eq!(done["alreadySending"], json!([]));
        assert_eq!(
            done["batch"],
            json!({ "id": batch["id"], "total": 4, "queued": 0, "sent": 0, "cancelled": 4 })
        );
        assert_eq!(tick(&app, at + chrono::Duration::seconds(1)).await.sent, 0);
        assert_eq!(server.delivered().len(), before, "nothing delivered");

        let messages = app
            .ok(
                &app.admin,
                "query($id: ID!) { emailBatch(id: $id) { messages(first: 10) { nodes { id status } } } }",
                json!({ "id": batch["id"] }),
            )
            .await["emailBatch"]["messages"]["nodes"]
            .as_array()
            .unwrap()
            .clone();
        assert_eq!(messages.len(), 4);
        for message in &messages {
            assert_eq!(message["status"], "CANCELLED");
            assert_eq!(
                event_types(&app, &message["id"]).await,
                ["message.queued", "message.cancelled"]
            );
        }
        let batch_events = event_types(&app, &batch["id"]).await;
        assert_eq!(
            batch_events,
            ["email_batch.progressed", "email_batch.completed"],
            "the send's progress tells of the cancellation"
        );
        // Nothing is left waiting: a second cancellation changes nothing.
        let again = app.ok(&app.admin, CANCEL_BATCH, json!({ "id": batch["id"] })).await;
        assert_eq!(again["cancelEmailBatch"]["changed"], 0);
    })
    .await;
}

#[tokio::test]
async fn a_message_being_delivered_is_reported_not_cancelled_and_still_arrives() {
    let server = SmtpServer::start(Options::default());
    on_each_backend(async |app| {
        let (before, batch) =
            bulk_send(&app, &server, 3, json!({ "subject": "S", "body": "<p>B</p>" })).await;
        // Another instance claims one message (it is SENDING) and stops
        // beating before it delivers it.
        let now = Utc::now();
        let other = other_instance(&app, now).await;
        let claimed = other.dispatcher.claim(now, 1).await.unwrap();
        assert_eq!(claimed.len(), 1);
        let sending = json!(recruitmail::graphql::ids::Kind::Message.id(claimed[0].id).0);

        let one = app.ok(&app.admin, CANCEL, json!({ "id": sending })).await["cancelMessage"].clone();
        assert_eq!(one["changed"], 0);
        assert_eq!(one["message"]["status"], "SENDING");
        assert_eq!(one["alreadySending"], json!([{ "id": sending, "status": "SENDING" }]));
        let legacy = conflict(
            &app,
            "mutation($id: ID!) { cancelScheduledMessage(input: { id: $id }) { message { status } } }",
            json!({ "id": sending }),
        )
        .await;
        assert!(legacy.contains("SENDING"), "{legacy}");

        let all = app.ok(&app.admin, CANCEL_BATCH, json!({ "id": batch["id"] })).await
            ["cancelEmailBatch"]
            .clone();
        assert_eq!(all["changed"], 2, "the two that waited");
        assert_eq!(all["alreadySending"], json!([{ "id": sending, "status": "SENDING" }]));
        assert_eq!(event_types(&app, &sending).await, ["message.queued"]);

        // Its claim is taken over once the other instance is seen dead:
        // the message the cancellation left alone is delivered, and only it.
        let stale = chrono::Duration::from_std(recruitmail::instances::STALE_AFTER).unwrap();
        let taken_over = tick(&app, now + stale + chrono::Duration::seconds(1)).await;
        assert_eq!(taken_over.sent, 1, "{taken_over:?}");
        let delivered = server.wait_for(before + 1);
        assert_eq!(delivered.len(), before + 1);
        let candidate = entity::candidate::Entity::find_by_id(claimed[0].candidate_id.unwrap())
            .one(&app.state.db)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(delivered[before].rcpt_tos, [candidate.email]);
        assert_eq!(status(&app, &sending).await, "SENT");
    })
    .await;
}

#[tokio::test]
async fn a_scheduled_message_sent_now_leaves_on_the_next_tick() {
    let server = SmtpServer::start(Options::default());
    on_each_backend(async |app| {
        let (sub, candidate, _) = applicant(&app, "Soon", "soon@example.com").await;
        use_plain_server(&app, &sub, &server).await;
        let before = server.delivered().len();
        let id = schedule(&app, &candidate, Utc::now() + chrono::Duration::days(1)).await;
        let now = app.ok(&app.admin, SEND_NOW, json!({ "id": id })).await["sendMessageNow"].clone();
        assert_eq!(
            now,
            json!({ "changed": 1, "message": { "status": "QUEUED", "scheduledAt": null }, "alreadySending": [] })
        );
        assert_eq!(tick(&app, Utc::now()).await.sent, 1);
        let delivered = server.wait_for(before + 1);
        assert_eq!(delivered[before].rcpt_tos, ["soon@example.com"]);
        assert_eq!(status(&app, &id).await, "SENT");
        assert_eq!(
            event_types(&app, &id).await,
            ["message.queued", "message.queued", "message.sent"]
        );
        // A message that has left cannot be sent now again.
        let message = conflict(&app, SEND_NOW, json!({ "id": id })).await;
        assert!(message.contains("SENT"), "{message}");
    })
    .await;
}

#[tokio::test]
async fn a_rescheduled_message_leaves_at_its_new_time_and_not_at_the_old_one() {
    let server = SmtpServer::start(Options::default());
    on_each_backend(async |app| {
        let (sub, candidate, _) = applicant(&app, "Moved", "moved@example.com").await;
        use_plain_server(&app, &sub, &server).await;
        let before = server.delivered().len();
        let old = Utc::now() + chrono::Duration::hours(1);
        let new = old + chrono::Duration::hours(2);
        let id = schedule(&app, &candidate, old).await;

        let past = app
            .gql(
                Some(&app.admin),
                RESCHEDULE,
                json!({ "id": id, "at": (Utc::now() - chrono::Duration::minutes(1)).to_rfc3339() }),
            )
            .await;
        assert_eq!(
            past["errors"][0]["extensions"]["code"], "VALIDATION",
            "{past}"
        );
        assert_eq!(past["errors"][0]["extensions"]["field"], "scheduledAt");
        let too_far = app
            .gql(
                Some(&app.admin),
                RESCHEDULE,
                json!({ "id": id, "at": (Utc::now() + chrono::Duration::days(400)).to_rfc3339() }),
            )
            .await;
        assert_eq!(
            too_far["errors"][0]["extensions"]["field"], "scheduledAt",
            "{too_far}"
        );

        let moved = app
            .ok(
                &app.admin,
                RESCHEDULE,
                json!({ "id": id, "at": new.to_rfc3339() }),
            )
            .await["rescheduleMessage"]
            .clone();
        assert_eq!(moved["changed"], 1);
        assert_eq!(moved["message"]["status"], "SCHEDULED");
        let at: chrono::DateTime<Utc> = moved["message"]["scheduledAt"]
            .as_str()
            .unwrap()
            .parse()
            .unwrap();
        assert_eq!(at.timestamp(), new.timestamp());

        assert_eq!(
            tick(&app, old + chrono::Duration::seconds(1)).await.sent,
            0,
            "not at the old time"
        );
        assert_eq!(server.delivered().len(), before);
        assert_eq!(
            tick(&app, new + chrono::Duration::seconds(1)).await.sent,
            1,
            "at the new time"
        );
        assert_eq!(
            server.wait_for(before + 1)[before].rcpt_tos,
            ["moved@example.com"]
        );
        assert_eq!(
            event_types(&app, &id).await,
            ["message.queued", "message.rescheduled", "message.sent"]
        );
        let message = conflict(
            &app,
            RESCHEDULE,
            json!({ "id": id, "at": new.to_rfc3339() }),
        )
        .await;
        assert!(
            message.contains("only a scheduled message") && message.contains("SENT"),
            "{message}"
        );
    })
    .await;
}

#[tokio::test]
async fn a_failed_message_is_delivered_when_retried() {
    let server = SmtpServer::start(Options::default());
    on_each_backend(async |app| {
        let (sub, candidate, _) = applicant(&app, "Again", "again@example.com").await;
        use_plain_server(&app, &sub, &server).await;
        let before = server.delivered().len();
        server.set_mode("reject");
        let id = send_plain(&app, &candidate).await["id"].clone();
        assert_eq!(tick(&app, Utc::now()).await.failed, 1);
        server.set_mode("accept");
        assert_eq!(status(&app, &id).await, "FAILED");

        let retried = app.ok(&app.admin, RETRY, json!({ "id": id })).await["retryMessage"].clone();
        assert_eq!(
            retried,
            json!({ "changed": 1, "message": { "status": "QUEUED" }, "alreadySending": [] })
        );
        assert_eq!(tick(&app, Utc::now()).await.sent, 1);
        assert_eq!(
            server.wait_for(before + 1)[before].rcpt_tos,
            ["again@example.com"]
        );
        let done = app.ok(&app.admin, MESSAGE, json!({ "id": id })).await;
        assert_eq!(done["message"]["status"], "SENT");
        assert_eq!(
            done["message"]["attempts"], 2,
            "the failed attempt still counts"
        );
        assert_eq!(
            event_types(&app, &id).await,
            [
                "message.queued",
                "message.failed",
                "message.queued",
                "message.sent"
            ]
        );
        let message = conflict(&app, RETRY, json!({ "id": id })).await;
        assert!(
            message.contains("only a failed message") && message.contains("SENT"),
            "{message}"
        );
        // A delivery report came back for it: bounced mail is not retried.
        let row = crate::outbound::row(&id, recruitmail::graphql::ids::Kind::Message);
        entity::message::Entity::update_many()
            .col_expr(
                entity::message::Column::Status,
                sea_orm::sea_query::Expr::value(entity::enums::MessageStatus::Bounced),
            )
            .filter(entity::message::Column::Id.eq(row))
            .exec(&app.state.db)
            .await
            .unwrap();
        let bounced = conflict(&app, RETRY, json!({ "id": id })).await;
        assert!(bounced.contains("bounced"), "{bounced}");
        assert_eq!(status(&app, &id).await, "BOUNCED");
    })
    .await;
}

#[tokio::test]
async fn another_companys_bulk_send_is_not_found_like_a_made_up_one() {
    on_each_backend(async |app| {
        let other = app.other_company("Rival").await;
        let first = create_candidate(&app, &other, "Rival", "One", "one@rival.example").await;
        let second = create_candidate(&app, &other, "Rival", "Two", "two@rival.example").await;
        let at = Utc::now() + chrono::Duration::days(1);
        let theirs = app
            .ok(
                &other,
                SEND,
                json!({ "i": { "candidateIds": [first, second], "subject": "S", "body": "<p>B</p>",
                    "scheduledAt": at.to_rfc3339() } }),
            )
            .await["sendEmail"]["batch"]["id"]
            .clone();
        let made_up = json!(
            recruitmail::graphql::ids::Kind::EmailBatch
                .id(987_654_321)
                .0
        );
        let answer = |id: Value| {
            let app = &app;
            async move {
                let mut response = app
                    .gql(Some(&app.admin), CANCEL_BATCH, json!({ "id": id }))
                    .await;
                response["errors"][0]
                    .as_object_mut()
                    .unwrap()
                    .remove("locations");
                response
            }
        };
        let hidden = answer(theirs.clone()).await;
        assert_eq!(
            hidden["errors"][0]["extensions"]["code"], "NOT_FOUND",
            "{hidden}"
        );
        assert_eq!(hidden, answer(made_up).await);
        // Their send is untouched.
        let still = app
            .ok(
                &other,
                "query($id: ID!) { emailBatch(id: $id) { queued cancelled } }",
                json!({ "id": theirs }),
            )
            .await;
        assert_eq!(still["emailBatch"], json!({ "queued": 2, "cancelled": 0 }));
    })
    .await;
}

#[tokio::test]
async fn a_cancellation_racing_a_claim_never_lets_both_take_a_message() {
    on_each_backend(async |app| {
        let (_, applications) = many_applicants(&app, 40, false).await;
        let batch = app
            .ok(
                &app.admin,
                SEND,
                json!({ "i": { "applicationIds": applications, "subject": "S", "body": "<p>B</p>" } }),
            )
            .await["sendEmail"]["batch"]["id"]
            .clone();
        let now = Utc::now();
        let other = other_instance(&app, now).await;
        let (cancelled, claimed) = tokio::join!(
            app.gql(Some(&app.admin), CANCEL_BATCH, json!({ "id": batch })),
            other.dispatcher.claim(now, 500)
        );
        let claimed: Vec<i64> = claimed.unwrap().into_iter().map(|m| m.id).collect();
        let answer = &cancelled["data"]["cancelEmailBatch"];
        let changed = answer["changed"].as_u64().unwrap() as usize;
        assert_eq!(changed + claimed.len(), 40, "each message taken once: {answer}");
        for reported in answer["alreadySending"].as_array().unwrap() {
            let id = crate::outbound::row(&reported["id"], recruitmail::graphql::ids::Kind::Message);
            assert!(claimed.contains(&id), "only claimed messages are reported");
        }
        let rows = entity::message::Entity::find().all(&app.state.db).await.unwrap();
        let of = |status| rows.iter().filter(|m| m.status == status).count();
        assert_eq!(of(entity::enums::MessageStatus::Cancelled), changed);
        assert_eq!(of(entity::enums::MessageStatus::Sending), claimed.len());
    })
    .await;
}
