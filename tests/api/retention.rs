//! Retention: periods per subsidiary and company, `Candidate.retainUntil`
//! for every kind of candidate, legal holds, the preview, and the daily run
//! anonymising exactly the candidates whose time is up — once, even when
//! two runs race, and never a candidate put on hold meanwhile.

use base64::Engine as _;
use chrono::{DateTime, Duration, Utc};
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait as _, EntityTrait as _, QueryFilter as _};
use serde_json::{Value, json};

use crate::helpers::{
    TestApp, create_application, create_candidate, create_position, on_each_backend, structure,
    user_with_role,
};

const SETTINGS: &str = "{ retentionSettings { daysWithoutApplication
    subsidiaries { subsidiary { id name } daysAfterClose } } }";

const UPDATE: &str = "mutation($i: UpdateRetentionSettingsInput!) {
    updateRetentionSettings(input: $i) { retentionSettings { daysWithoutApplication
    subsidiaries { subsidiary { id } daysAfterClose } } } }";

const HOLD: &str = "mutation($i: SetCandidateLegalHoldInput!) {
    setCandidateLegalHold(input: $i) { candidate { id retainUntil
    legalHold { since reason setBy { email } } } } }";

const CANDIDATE: &str = "query($id: ID!) { candidate(id: $id) { retainUntil updatedAt
    legalHold { since setBy { email } } applications { id status closedAt } } }";

const AUDIT: &str = "query($a: String!) { auditLog(first: 100, filter: { action: $a }) {
    nodes { action actorId subjectType subjectId details } } }";

/// The row number inside a global ID (`Kind:row`, base64url).
fn row(id: &str) -> i64 {
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(id)
        .unwrap();
    let text = String::from_utf8(bytes).unwrap();
    text.split_once(':').unwrap().1.parse().unwrap()
}

fn time(value: &Value) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(value.as_str().unwrap())
        .unwrap()
        .with_timezone(&Utc)
}

/// `at` cut to whole seconds, as retention counts.
fn whole_seconds(at: DateTime<Utc>) -> DateTime<Utc> {
    DateTime::from_timestamp(at.timestamp(), 0).unwrap()
}

async fn audit(app: &TestApp, action: &str) -> Vec<Value> {
    app.ok(&app.admin, AUDIT, json!({ "a": action })).await["auditLog"]["nodes"]
        .as_array()
        .unwrap()
        .clone()
}

async fn set_status(app: &TestApp, application: &str, status: &str) -> Value {
    app.ok(
        &app.admin,
        "mutation($id: ID!, $s: ApplicationStatus!) {
            updateApplicationStatus(input: { id: $id, status: $s }) { application { status closedAt } } }",
        json!({ "id": application, "s": status }),
    )
    .await["updateApplicationStatus"]["application"]
        .clone()
}

async fn candidate(app: &TestApp, id: &str) -> Value {
    app.ok(&app.admin, CANDIDATE, json!({ "id": id })).await["candidate"].clone()
}

async fn days_after_close(app: &TestApp, subsidiary: &str, days: i32) {
    app.ok(
        &app.admin,
        UPDATE,
        json!({ "i": { "subsidiaries": [{ "subsidiaryId": subsidiary, "daysAfterClose": days }] } }),
    )
    .await;
}

#[tokio::test]
async fn periods_are_changed_by_admins_only_and_audited_with_before_and_after() {
    on_each_backend(async |app| {
        let admin = app.admin.clone();
        let (berlin, _, _) = structure(&app, &admin, "B").await;
        let (munich, _, _) = structure(&app, &admin, "M").await;
        let data = app.ok(&admin, SETTINGS, json!({})).await;
        assert_eq!(data["retentionSettings"]["daysWithoutApplication"], 180);
        let subsidiaries = data["retentionSettings"]["subsidiaries"].as_array().unwrap();
        assert_eq!(subsidiaries.len(), 2);
        assert!(subsidiaries.iter().all(|s| s["daysAfterClose"] == 180));

        let data = app
            .ok(
                &admin,
                UPDATE,
                json!({ "i": { "daysWithoutApplication": 90,
                    "subsidiaries": [{ "subsidiaryId": munich, "daysAfterClose": 30 }] } }),
            )
            .await;
        let saved = &data["updateRetentionSettings"]["retentionSettings"];
        assert_eq!(saved["daysWithoutApplication"], 90);
        let period = |id: &str| {
            saved["subsidiaries"]
                .as_array()
                .unwrap()
                .iter()
                .find(|s| s["subsidiary"]["id"] == id)
                .unwrap()["daysAfterClose"]
                .clone()
        };
        assert_eq!(period(&munich), 30);
        assert_eq!(period(&berlin), 180);
        // Stored, not only answered.
        let again = app.ok(&admin, SETTINGS, json!({})).await;
        assert_eq!(again["retentionSettings"]["daysWithoutApplication"], 90);

        let entries = audit(&app, "retention_settings.updated").await;
        assert_eq!(entries.len(), 1);
        let key = format!("daysAfterClose.subsidiary.{}", row(&munich));
        assert_eq!(
            entries[0]["details"],
            json!({ "before": { "daysWithoutApplication": 180, key.clone(): 180 },
                    "after": { "daysWithoutApplication": 90, key: 30 } })
        );
        assert_eq!(entries[0]["subjectType"], "Company");
        assert!(entries[0]["actorId"].is_string());
        // Saving the same periods again changes nothing and records nothing.
        app.ok(&admin, UPDATE, json!({ "i": { "daysWithoutApplication": 90 } }))
            .await;
        assert_eq!(audit(&app, "retention_settings.updated").await.len(), 1);

        // Bad input: named fields, nothing stored.
        for (input, field) in [
            (json!({ "daysWithoutApplication": 0 }), "daysWithoutApplication"),
            (json!({ "daysWithoutApplication": 3651 }), "daysWithoutApplication"),
            (
                json!({ "subsidiaries": [{ "subsidiaryId": berlin, "daysAfterClose": -5 }] }),
                "subsidiaries.0.daysAfterClose",
            ),
            (
                json!({ "subsidiaries": [{ "subsidiaryId": berlin, "daysAfterClose": 10 },
                                         { "subsidiaryId": berlin, "daysAfterClose": 20 }] }),
                "subsidiaries.1.subsidiaryId",
            ),
            (
                json!({ "subsidiaries": [{ "subsidiaryId": "bm90LWFuLWlk", "daysAfterClose": 10 }] }),
                "subsidiaries.0.subsidiaryId",
            ),
        ] {
            let response = app.gql(Some(&admin), UPDATE, json!({ "i": input })).await;
            assert_eq!(response["errors"][0]["extensions"]["code"], "VALIDATION");
            assert_eq!(response["errors"][0]["extensions"]["field"], field);
        }
        // Another company's subsidiary is unknown here; the change before
        // it in the same request is not kept.
        let other = app.other_company("Globex").await;
        let (foreign, _, _) = structure(&app, &other, "G").await;
        let code = app
            .error_code(
                Some(&admin),
                UPDATE,
                json!({ "i": { "daysWithoutApplication": 45,
                    "subsidiaries": [{ "subsidiaryId": foreign, "daysAfterClose": 10 }] } }),
            )
            .await;
        assert_eq!(code, "NOT_FOUND");
        let again = app.ok(&admin, SETTINGS, json!({})).await;
        assert_eq!(again["retentionSettings"]["daysWithoutApplication"], 90);
        assert_eq!(audit(&app, "retention_settings.updated").await.len(), 1);
        // The other company's periods are its own.
        let theirs = app.ok(&other, SETTINGS, json!({})).await;
        assert_eq!(theirs["retentionSettings"]["daysWithoutApplication"], 180);

        // Recruiters who are not admins neither read nor change them.
        let (_, _, recruiter) =
            user_with_role(&app, &admin, "Rita", json!({ "sections": ["CANDIDATES"] })).await;
        assert_eq!(
            app.error_code(Some(&recruiter), SETTINGS, json!({})).await,
            "FORBIDDEN"
        );
        assert_eq!(
            app.error_code(
                Some(&recruiter),
                UPDATE,
                json!({ "i": { "daysWithoutApplication": 30 } })
            )
            .await,
            "FORBIDDEN"
        );
    })
    .await;
}

#[tokio::test]
async fn retain_until_counts_from_the_last_closed_application_or_the_last_activity() {
    on_each_backend(async |app| {
        let admin = app.admin.clone();
        let (berlin, category, berlin_job) = structure(&app, &admin, "B").await;
        let (munich, _, munich_job) = structure(&app, &admin, "M").await;
        let berlin_other = create_position(&app, &admin, &berlin, &category, "Tester", &[]).await;
        days_after_close(&app, &berlin, 30).await;
        days_after_close(&app, &munich, 60).await;
        app.ok(&admin, UPDATE, json!({ "i": { "daysWithoutApplication": 90 } }))
            .await;

        // Rejected at Berlin: 30 days after the rejection.
        let rejected = create_candidate(&app, &admin, "Rene", "Rejected", "r@example.com").await;
        let application = create_application(&app, &admin, &rejected, &berlin_job).await;
        let closed = set_status(&app, &application, "REJECTED").await;
        let closed_at = time(&closed["closedAt"]);
        let data = candidate(&app, &rejected).await;
        assert_eq!(
            time(&data["retainUntil"]),
            whole_seconds(closed_at) + Duration::days(30)
        );
        // Withdrawn after being rejected: still closed since the rejection.
        let withdrawn = set_status(&app, &application, "WITHDRAWN").await;
        assert_eq!(time(&withdrawn["closedAt"]), closed_at);

        // Withdrawn at Munich: that subsidiary's 60 days.
        let withdrew = create_candidate(&app, &admin, "Wanda", "Withdrew", "w@example.com").await;
        let application = create_application(&app, &admin, &withdrew, &munich_job).await;
        let closed_at = time(&set_status(&app, &application, "WITHDRAWN").await["closedAt"]);
        let data = candidate(&app, &withdrew).await;
        assert_eq!(
            time(&data["retainUntil"]),
            whole_seconds(closed_at) + Duration::days(60)
        );

        // Closed at both: the later end counts, here Munich's though
        // Berlin's rejection came last.
        let both = create_candidate(&app, &admin, "Bo", "Both", "b@example.com").await;
        let at_munich = create_application(&app, &admin, &both, &munich_job).await;
        let at_berlin = create_application(&app, &admin, &both, &berlin_other).await;
        let munich_closed = time(&set_status(&app, &at_munich, "REJECTED").await["closedAt"]);
        // One application still open: nothing ends.
        assert!(candidate(&app, &both).await["retainUntil"].is_null());
        let berlin_closed = time(&set_status(&app, &at_berlin, "REJECTED").await["closedAt"]);
        let expected = (whole_seconds(munich_closed) + Duration::days(60))
            .max(whole_seconds(berlin_closed) + Duration::days(30));
        assert_eq!(time(&candidate(&app, &both).await["retainUntil"]), expected);
        // Reopened: open again, no end; closing again counts from then.
        let reopened = set_status(&app, &at_berlin, "IN_PROCESS").await;
        assert!(reopened["closedAt"].is_null());
        assert!(candidate(&app, &both).await["retainUntil"].is_null());

        // Open applications (new, in process, hired) never end.
        let open = create_candidate(&app, &admin, "Otto", "Open", "o@example.com").await;
        create_application(&app, &admin, &open, &berlin_job).await;
        assert!(candidate(&app, &open).await["retainUntil"].is_null());
        let hired = create_candidate(&app, &admin, "Hilde", "Hired", "h@example.com").await;
        let application = create_application(&app, &admin, &hired, &berlin_job).await;
        assert!(set_status(&app, &application, "HIRED").await["closedAt"].is_null());
        assert!(candidate(&app, &hired).await["retainUntil"].is_null());

        // No application: the company's 90 days after the last change.
        let loose = create_candidate(&app, &admin, "Lou", "Loose", "l@example.com").await;
        let data = candidate(&app, &loose).await;
        let updated = time(&data["updatedAt"]);
        assert_eq!(
            time(&data["retainUntil"]),
            whole_seconds(updated) + Duration::days(90)
        );
        app.ok(
            &admin,
            "mutation($id: ID!) { updateCandidate(input: { id: $id, phone: \"+49 30 1\" }) { candidate { id } } }",
            json!({ "id": loose }),
        )
        .await;
        let data = candidate(&app, &loose).await;
        assert!(time(&data["updatedAt"]) >= updated);
        assert_eq!(
            time(&data["retainUntil"]),
            whole_seconds(time(&data["updatedAt"])) + Duration::days(90)
        );
        // A shorter period applies to what is stored already.
        days_after_close(&app, &munich, 10).await;
        let data = candidate(&app, &withdrew).await;
        assert_eq!(
            time(&data["retainUntil"]),
            whole_seconds(closed_at) + Duration::days(10)
        );

        // A hold stops retention; releasing it restores the end.
        let held = app
            .ok(&admin, HOLD, json!({ "i": { "id": rejected, "hold": true, "reason": "Klage 12 O 34/26" } }))
            .await;
        let hold = &held["setCandidateLegalHold"]["candidate"];
        assert!(hold["retainUntil"].is_null());
        assert_eq!(hold["legalHold"]["reason"], "Klage 12 O 34/26");
        assert_eq!(hold["legalHold"]["setBy"]["email"], "admin@acme.example");
        let released = app
            .ok(&admin, HOLD, json!({ "i": { "id": rejected, "hold": false } }))
            .await;
        let released = &released["setCandidateLegalHold"]["candidate"];
        assert!(released["legalHold"].is_null());
        assert!(released["retainUntil"].is_string());
    })
    .await;
}

#[tokio::test]
async fn retain_until_and_holds_cost_the_same_statements_for_any_page_size() {
    on_each_backend(async |app| {
        let admin = app.admin.clone();
        let (_, _, job) = structure(&app, &admin, "N").await;
        for i in 0..12 {
            let id = create_candidate(
                &app,
                &admin,
                &format!("C{i}"),
                "Load",
                &format!("c{i}@example.com"),
            )
            .await;
            let application = create_application(&app, &admin, &id, &job).await;
            if i % 2 == 0 {
                set_status(&app, &application, "REJECTED").await;
            }
            if i % 3 == 0 {
                app.ok(
                    &admin,
                    HOLD,
                    json!({ "i": { "id": id, "hold": true, "reason": "r" } }),
                )
                .await;
            }
        }
        let query = "query($first: Int!) { candidates(first: $first) { nodes { id retainUntil
            legalHold { since reason setBy { email } } } } }";
        let mut costs = Vec::new();
        for first in [2, 12] {
            let before = app.queries();
            let data = app.ok(&admin, query, json!({ "first": first })).await;
            costs.push(app.queries() - before);
            let nodes = data["candidates"]["nodes"].as_array().unwrap();
            assert_eq!(nodes.len(), first);
            for (i, node) in nodes.iter().enumerate() {
                assert_eq!(node["legalHold"].is_object(), i % 3 == 0, "{node}");
                assert_eq!(
                    node["retainUntil"].is_string(),
                    i % 2 == 0 && i % 3 != 0,
                    "{node}"
                );
            }
        }
        assert_eq!(costs[0], costs[1], "statements for 2 vs 12 candidates");
    })
    .await;
}

#[tokio::test]
async fn legal_holds_are_for_admins_need_a_reason_and_audit_only_its_length() {
    on_each_backend(async |app| {
        let admin = app.admin.clone();
        let id = create_candidate(&app, &admin, "Hanna", "Held", "hanna@example.com").await;
        let reason = "Lawsuit by Hanna Held, Landgericht Berlin";
        let bad = |input: Value, field: &'static str| {
            let app = &app;
            let admin = admin.clone();
            async move {
                let response = app.gql(Some(&admin), HOLD, json!({ "i": input })).await;
                assert_eq!(
                    response["errors"][0]["extensions"]["code"], "VALIDATION",
                    "{response}"
                );
                assert_eq!(response["errors"][0]["extensions"]["field"], field);
            }
        };
        bad(json!({ "id": id, "hold": true }), "reason").await;
        bad(json!({ "id": id, "hold": true, "reason": "   " }), "reason").await;
        bad(
            json!({ "id": id, "hold": true, "reason": "x".repeat(1001) }),
            "reason",
        )
        .await;
        bad(
            json!({ "id": id, "hold": false, "reason": "why" }),
            "reason",
        )
        .await;
        bad(json!({ "id": "bm9wZQ", "hold": false }), "id").await;
        assert!(candidate(&app, &id).await["legalHold"].is_null());

        let (_, _, recruiter) =
            user_with_role(&app, &admin, "Rita", json!({ "sections": ["CANDIDATES"] })).await;
        let refused = app
            .error_code(
                Some(&recruiter),
                HOLD,
                json!({ "i": { "id": id, "hold": true, "reason": "r" } }),
            )
            .await;
        assert_eq!(refused, "FORBIDDEN");
        let other = app.other_company("Globex").await;
        let foreign = app
            .error_code(
                Some(&other),
                HOLD,
                json!({ "i": { "id": id, "hold": true, "reason": "r" } }),
            )
            .await;
        assert_eq!(foreign, "NOT_FOUND");

        let data = app
            .ok(
                &admin,
                HOLD,
                json!({ "i": { "id": id, "hold": true, "reason": reason } }),
            )
            .await;
        let since = time(&data["setCandidateLegalHold"]["candidate"]["legalHold"]["since"]);
        // Set again: a new reason, the same beginning.
        let data = app
            .ok(
                &admin,
                HOLD,
                json!({ "i": { "id": id, "hold": true, "reason": "Authority request" } }),
            )
            .await;
        let hold = &data["setCandidateLegalHold"]["candidate"]["legalHold"];
        assert_eq!(time(&hold["since"]), since);
        assert_eq!(hold["reason"], "Authority request");
        // Recruiters see that a hold stands and since when, not why.
        let seen = app
            .gql(
                Some(&recruiter),
                "query($id: ID!) { candidate(id: $id) { legalHold { since } } }",
                json!({ "id": id }),
            )
            .await;
        assert_eq!(
            time(&seen["data"]["candidate"]["legalHold"]["since"]),
            since
        );
        let why = app
            .error_code(
                Some(&recruiter),
                "query($id: ID!) { candidate(id: $id) { legalHold { reason } } }",
                json!({ "id": id }),
            )
            .await;
        assert_eq!(why, "FORBIDDEN");

        app.ok(&admin, HOLD, json!({ "i": { "id": id, "hold": false } }))
            .await;
        // Releasing what is not held changes and records nothing.
        app.ok(&admin, HOLD, json!({ "i": { "id": id, "hold": false } }))
            .await;
        let set = audit(&app, "candidate.legal_hold_set").await;
        assert_eq!(set.len(), 2);
        assert_eq!(set[0]["subjectType"], "Candidate");
        assert_eq!(set[0]["subjectId"], id);
        assert_eq!(
            set[0]["details"],
            json!({ "reasonLength": reason.chars().count() })
        );
        let released = audit(&app, "candidate.legal_hold_released").await;
        assert_eq!(released.len(), 1);
        for entry in set.iter().chain(&released) {
            let text = entry.to_string();
            assert!(
                !text.contains("Hanna") && !text.contains("Lawsuit") && !text.contains("Authority")
            );
        }
        // Integrations hear that the candidate changed, not how.
        let events = app
            .ok(
                &admin,
                "{ events(first: 100) { nodes { type data } } }",
                json!({}),
            )
            .await;
        let changed: Vec<&Value> = events["events"]["nodes"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|e| e["type"] == "candidate.updated")
            .collect();
        assert_eq!(changed.len(), 3);
        assert!(
            changed
                .iter()
                .all(|e| e["data"]["changed"] == json!(["legalHold"]))
        );
    })
    .await;
}
