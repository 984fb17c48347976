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

/// Moves a candidate's past back by `days`: their applications' closing
/// and their record's last change, as if that much time had passed.
async fn age(app: &TestApp, candidate: &str, days: i64) {
    let db = &app.state.db;
    let then = Utc::now() - Duration::days(days);
    entity::application::Entity::update_many()
        .col_expr(entity::application::Column::ClosedAt, Expr::value(then))
        .filter(entity::application::Column::CandidateId.eq(row(candidate)))
        .filter(entity::application::Column::ClosedAt.is_not_null())
        .exec(db)
        .await
        .unwrap();
    entity::candidate::Entity::update_many()
        .col_expr(entity::candidate::Column::UpdatedAt, Expr::value(then))
        .col_expr(entity::candidate::Column::CreatedAt, Expr::value(then))
        .filter(entity::candidate::Column::Id.eq(row(candidate)))
        .exec(db)
        .await
        .unwrap();
}

/// A candidate with one application to `position` in `status`.
async fn applicant(app: &TestApp, token: &str, name: &str, position: &str, status: &str) -> String {
    let id = create_candidate(
        app,
        token,
        name,
        "Test",
        &format!("{}@example.com", name.to_lowercase()),
    )
    .await;
    let application = app
        .ok(
            token,
            "mutation($c: ID!, $p: ID!, $s: ApplicationStatus!) { createApplication(input:
                { candidateId: $c, positionId: $p, status: $s }) { application { id } } }",
            json!({ "c": id, "p": position, "s": status }),
        )
        .await;
    assert!(application["createApplication"]["application"]["id"].is_string());
    id
}

const PREVIEW: &str = "query($after: String) { retentionPreview(first: 2, after: $after) {
    totalCount pageInfo { hasNextPage endCursor } nodes { id retainUntil } } }";

/// Every candidate `retentionPreview` lists for `token`, page by page.
async fn preview(app: &TestApp, token: &str) -> (u64, Vec<String>) {
    let (mut ids, mut after) = (Vec::new(), Value::Null);
    loop {
        let data = app.ok(token, PREVIEW, json!({ "after": after })).await;
        let page = &data["retentionPreview"];
        let total = page["totalCount"].as_u64().unwrap();
        for node in page["nodes"].as_array().unwrap() {
            assert!(time(&node["retainUntil"]) <= Utc::now(), "{node}");
            ids.push(node["id"].as_str().unwrap().to_owned());
        }
        if page["pageInfo"]["hasNextPage"] != true {
            return (total, ids);
        }
        after = page["pageInfo"]["endCursor"].clone();
    }
}

fn eraser(app: &TestApp) -> recruitmail::retention::run::Eraser<'_> {
    recruitmail::retention::run::Eraser {
        db: &app.state.db,
        blobs: &app.state.mail.blobs,
        outbox_dir: recruitmail::mail::dispatcher::outbox_dir(&app.state.settings),
    }
}

const ERASED: &str = "query($id: ID!) { candidate(id: $id) { firstName email erasedAt } }";

/// Whether candidate `id` was anonymised: `erasedAt` set and the address
/// the test gave (`…@example.com`) gone, or neither.
async fn erased(app: &TestApp, token: &str, id: &str) -> bool {
    let data = app.ok(token, ERASED, json!({ "id": id })).await;
    let gone = data["candidate"]["erasedAt"].is_string();
    let email = data["candidate"]["email"].as_str().unwrap();
    assert_eq!(gone, !email.ends_with("@example.com"), "{data}");
    gone
}

#[tokio::test]
async fn the_run_anonymises_exactly_the_due_candidates_as_the_preview_said() {
    on_each_backend(async |app| {
        use recruitmail::retention::run::{Counts, Ran, run_day};
        let admin = app.admin.clone();
        let (sub, _, job) = structure(&app, &admin, "B").await;
        days_after_close(&app, &sub, 30).await;
        app.ok(
            &admin,
            UPDATE,
            json!({ "i": { "daysWithoutApplication": 60 } }),
        )
        .await;

        let rejected = applicant(&app, &admin, "Rejected", &job, "REJECTED").await;
        age(&app, &rejected, 31).await;
        let withdrew = applicant(&app, &admin, "Withdrew", &job, "WITHDRAWN").await;
        age(&app, &withdrew, 40).await;
        let loose = create_candidate(&app, &admin, "Loose", "Test", "loose@example.com").await;
        age(&app, &loose, 61).await;
        // Not yet due: closed 29 days ago; no application, 59 days quiet.
        let recent = applicant(&app, &admin, "Recent", &job, "REJECTED").await;
        age(&app, &recent, 29).await;
        let quiet = create_candidate(&app, &admin, "Quiet", "Test", "quiet@example.com").await;
        age(&app, &quiet, 59).await;
        // Never due: an open application, however old; a hold.
        let open = applicant(&app, &admin, "Open", &job, "IN_PROCESS").await;
        age(&app, &open, 400).await;
        let held = applicant(&app, &admin, "Held", &job, "REJECTED").await;
        age(&app, &held, 400).await;
        app.ok(
            &admin,
            HOLD,
            json!({ "i": { "id": held, "hold": true, "reason": "Klage" } }),
        )
        .await;
        // Another company's due candidate is theirs to see, and run too.
        let other = app.other_company("Globex").await;
        let (_, _, their_job) = structure(&app, &other, "G").await;
        let theirs = applicant(&app, &other, "Theirs", &their_job, "REJECTED").await;
        age(&app, &theirs, 181).await;

        let (total, listed) = preview(&app, &admin).await;
        let mut due = vec![rejected.clone(), withdrew.clone(), loose.clone()];
        due.sort_by_key(|id| row(id));
        assert_eq!(listed, due);
        assert_eq!(total, 3);
        assert_eq!(preview(&app, &other).await.1, vec![theirs.clone()]);
        // The preview changes nothing.
        assert_eq!(preview(&app, &admin).await.1, due);
        let (_, _, recruiter) =
            user_with_role(&app, &admin, "Rita", json!({ "sections": ["CANDIDATES"] })).await;
        assert_eq!(
            app.error_code(Some(&recruiter), PREVIEW, json!({})).await,
            "FORBIDDEN"
        );

        let now = Utc::now();
        let ran = run_day(&eraser(&app), "test-instance", now).await.unwrap();
        let expected = Counts {
            anonymised: 4,
            skipped: 0,
            failed: 0,
        };
        assert_eq!(
            ran,
            Ran::Done {
                run_key: recruitmail::retention::run::run_key(now),
                counts: expected
            }
        );
        for id in &due {
            assert!(erased(&app, &admin, id).await, "{id} was due");
        }
        assert!(erased(&app, &other, &theirs).await);
        for id in [&recent, &quiet, &open, &held] {
            assert!(!erased(&app, &admin, id).await, "{id} was not due");
        }
        assert_eq!(preview(&app, &admin).await, (0, vec![]));

        // The trail: one summary per company, one erasure per candidate,
        // all by the server itself.
        let ran = audit(&app, "retention.ran").await;
        assert_eq!(ran.len(), 1);
        assert_eq!(ran[0]["details"]["anonymised"], 3);
        assert_eq!(ran[0]["details"]["skipped"], 0);
        assert!(ran[0]["actorId"].is_null());
        let erasures = audit(&app, "candidate.erased").await;
        assert_eq!(erasures.len(), 3);
        let mut subjects: Vec<String> = erasures
            .iter()
            .map(|e| e["subjectId"].as_str().unwrap().to_owned())
            .collect();
        subjects.sort_by_key(|id| row(id));
        assert_eq!(subjects, due);
        assert!(erasures.iter().all(|e| e["actorId"].is_null()));

        // The day's run happened; trying again does nothing.
        let again = run_day(&eraser(&app), "another-instance", now)
            .await
            .unwrap();
        assert_eq!(again, Ran::Finished);
        assert_eq!(audit(&app, "retention.ran").await.len(), 1);
    })
    .await;
}

#[tokio::test]
async fn racing_runs_anonymise_each_candidate_once_and_a_dead_run_is_taken_over() {
    on_each_backend(async |app| {
        use recruitmail::retention::run::{JOB, Ran, run_day, run_key};
        let admin = app.admin.clone();
        let (sub, _, job) = structure(&app, &admin, "B").await;
        days_after_close(&app, &sub, 1).await;
        let mut due = Vec::new();
        for i in 0..25 {
            let id = applicant(&app, &admin, &format!("Due{i}"), &job, "REJECTED").await;
            age(&app, &id, 2).await;
            due.push(id);
        }
        let now = Utc::now();
        // Two processes try the same day's run at once: one runs it.
        let eraser = eraser(&app);
        let (a, b) = tokio::join!(run_day(&eraser, "a", now), run_day(&eraser, "b", now));
        let (a, b) = (a.unwrap(), b.unwrap());
        let done: Vec<&Ran> = [&a, &b]
            .into_iter()
            .filter(|r| matches!(r, Ran::Done { .. }))
            .collect();
        assert_eq!(done.len(), 1, "{a:?} {b:?}");
        assert!(
            [&a, &b]
                .iter()
                .any(|r| matches!(r, Ran::Running | Ran::Finished)),
            "{a:?} {b:?}"
        );
        assert_eq!(audit(&app, "candidate.erased").await.len(), 25);

        // Runs of two days overlapping (a late run and the next day's):
        // both go through the same candidates, each is anonymised once.
        let mut more = Vec::new();
        for i in 0..25 {
            let id = applicant(&app, &admin, &format!("More{i}"), &job, "WITHDRAWN").await;
            age(&app, &id, 3).await;
            more.push(id);
        }
        let later = now + Duration::days(1);
        let (c, d) = tokio::join!(
            run_day(&eraser, "c", later),
            run_day(&eraser, "d", later + Duration::days(1))
        );
        let counts = |r: Ran| match r {
            Ran::Done { counts, .. } => counts,
            other => panic!("expected a run, got {other:?}"),
        };
        let (c, d) = (counts(c.unwrap()), counts(d.unwrap()));
        assert_eq!(c.anonymised + d.anonymised, 25, "{c:?} {d:?}");
        assert_eq!(c.failed + d.failed, 0);
        assert_eq!(audit(&app, "candidate.erased").await.len(), 50);
        for id in due.iter().chain(&more) {
            assert!(erased(&app, &admin, id).await);
        }

        // A run whose holder died (its lease passed) is taken over.
        let stale = now + Duration::days(5);
        let dead = recruitmail::job_runs::claim(
            &app.state.db,
            JOB,
            &run_key(stale),
            "dead",
            std::time::Duration::from_secs(60),
            stale - Duration::minutes(10),
        )
        .await
        .unwrap();
        assert!(dead.is_ok());
        // While its lease is current, nobody else may run it.
        let early = run_day(&eraser, "e", stale - Duration::minutes(9))
            .await
            .unwrap();
        assert_eq!(early, Ran::Running);
        let taken = run_day(&eraser, "e", stale).await.unwrap();
        assert!(matches!(taken, Ran::Done { .. }), "{taken:?}");
        let row = entity::job_run::Entity::find()
            .filter(entity::job_run::Column::RunKey.eq(run_key(stale)))
            .one(&app.state.db)
            .await
            .unwrap()
            .unwrap();
        assert_eq!((row.claimed_by.as_str(), row.attempts), ("e", 2));
        assert!(row.finished_at.is_some());
        // The dead holder, were it to wake up, can neither renew nor finish.
        let dead = dead.unwrap();
        assert!(!dead.renew(&app.state.db, stale).await.unwrap());
    })
    .await;
}

#[tokio::test]
async fn a_hold_or_a_new_application_after_the_preview_wins_over_the_run() {
    on_each_backend(async |app| {
        use recruitmail::erasure::{Erasure, Mode, Precondition, erase};
        use recruitmail::retention::run::{Ran, run_day};
        let admin = app.admin.clone();
        let (sub, category, job) = structure(&app, &admin, "B").await;
        let second_job = create_position(&app, &admin, &sub, &category, "Second", &[]).await;
        days_after_close(&app, &sub, 1).await;
        let held = applicant(&app, &admin, "Held", &job, "REJECTED").await;
        let returning = applicant(&app, &admin, "Returning", &job, "REJECTED").await;
        let gone = applicant(&app, &admin, "Gone", &job, "REJECTED").await;
        for id in [&held, &returning, &gone] {
            age(&app, id, 2).await;
        }
        assert_eq!(preview(&app, &admin).await.0, 3);

        // Between the preview and the run: a hold, and a new application.
        app.ok(&admin, HOLD, json!({ "i": { "id": held, "hold": true, "reason": "Klage" } }))
            .await;
        create_application(&app, &admin, &returning, &second_job).await;
        // The check under the candidate's lock refuses both, as it would
        // if they came while the run was reading its batch.
        let now = Utc::now();
        for id in [&held, &returning] {
            let company_id = entity::candidate::Entity::find_by_id(row(id))
                .one(&app.state.db)
                .await
                .unwrap()
                .unwrap()
                .company_id;
            let erasure = Erasure {
                company_id,
                actor: None,
                candidate_id: row(id),
                mode: Mode::Anonymise,
                precondition: Precondition::Retention { due_at: now },
                do_not_contact: None,
                now,
            };
            let refused = erase(
                &app.state.db,
                &app.state.mail.blobs,
                &recruitmail::mail::dispatcher::outbox_dir(&app.state.settings),
                erasure,
            )
            .await;
            assert!(matches!(refused, Err(recruitmail::error::ApiError::Conflict(_))), "{refused:?}");
        }
        assert_eq!(preview(&app, &admin).await.1, vec![gone.clone()]);
        let ran = run_day(&eraser(&app), "test", now).await.unwrap();
        assert!(matches!(ran, Ran::Done { counts, .. } if counts.anonymised == 1), "{ran:?}");
        assert!(erased(&app, &admin, &gone).await);
        assert!(!erased(&app, &admin, &held).await);
        assert!(!erased(&app, &admin, &returning).await);

        // An admin's explicit erasure of a held candidate is refused too.
        let code = app
            .error_code(
                Some(&admin),
                "mutation($id: ID!) { eraseCandidate(input: { id: $id, mode: ANONYMISE }) { candidateId } }",
                json!({ "id": held }),
            )
            .await;
        assert_eq!(code, "CONFLICT");
        // So is deleting them, the other mode of erasure.
        let code = app
            .error_code(
                Some(&admin),
                "mutation($id: ID!) { deleteCandidate(input: { id: $id }) { deletedCandidateId } }",
                json!({ "id": held }),
            )
            .await;
        assert_eq!(code, "CONFLICT");
        assert!(!erased(&app, &admin, &held).await);
        // Released, the admin's erasure goes through.
        app.ok(&admin, HOLD, json!({ "i": { "id": held, "hold": false } }))
            .await;
        app.ok(
            &admin,
            "mutation($id: ID!) { eraseCandidate(input: { id: $id, mode: ANONYMISE }) { candidateId } }",
            json!({ "id": held }),
        )
        .await;
        assert!(erased(&app, &admin, &held).await);
        // Nothing personal is left to hold.
        let code = app
            .error_code(Some(&admin), HOLD, json!({ "i": { "id": held, "hold": true, "reason": "late" } }))
            .await;
        assert_eq!(code, "CONFLICT");
    })
    .await;
}

#[tokio::test]
async fn the_command_line_runs_the_day_once() {
    on_each_backend(async |app| {
        let admin = app.admin.clone();
        let (sub, _, job) = structure(&app, &admin, "B").await;
        days_after_close(&app, &sub, 1).await;
        let due = applicant(&app, &admin, "Due", &job, "REJECTED").await;
        age(&app, &due, 2).await;
        let run = || {
            let output = std::process::Command::new(env!("CARGO_BIN_EXE_recruitmail"))
                .args(["retention", "run"])
                .env("RECRUITMAIL_DATA_DIR", &app.data_dir)
                .env("DATABASE_URL", &app.state.settings.database_url)
                .env_remove("RECRUITMAIL_CONFIG")
                .output()
                .unwrap();
            assert!(output.status.success(), "{output:?}");
            serde_json::from_slice::<Value>(&output.stdout).unwrap()
        };
        let first = run();
        assert_eq!(first["status"], "done", "{first}");
        assert_eq!(first["anonymised"], 1);
        assert!(first["statements"].as_u64().unwrap() > 0);
        assert!(erased(&app, &admin, &due).await);
        assert_eq!(run()["status"], "finished");
    })
    .await;
}
