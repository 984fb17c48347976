//! Email templates through GraphQL: saving with validation, translations,
//! documents, deleting with its conflicts, signatures and previews.

use chrono::{TimeZone as _, Utc};
use entity::enums::{InterviewStatus, MessageDirection, MessageStatus};
use recruitmail::graphql::ids::{Kind, decode};
use sea_orm::{ActiveModelTrait as _, EntityTrait as _, PaginatorTrait as _, Set};
use serde_json::{Value, json};

use crate::helpers::{
    TestApp, create_application, create_candidate, create_position, create_template,
    on_each_backend, structure, user_with_role,
};

const CREATE: &str = "mutation($i: CreateEmailTemplateInput!) {
    createEmailTemplate(input: $i) { emailTemplate {
        id name interviewRelated language subject body
        translations { language subject body } documents { id fileName }
    } }
}";

const UPDATE: &str = "mutation($i: UpdateEmailTemplateInput!) {
    updateEmailTemplate(input: $i) { emailTemplate {
        id name interviewRelated language subject body translations { language subject }
        documents { id }
    } }
}";

const PREVIEW: &str = "query($i: PreviewEmailInput!) {
    previewEmail(input: $i) { subject html text missingPlaceholders language }
}";

fn row_id(id: &Value, kind: Kind) -> i64 {
    decode(
        &async_graphql::ID(id.as_str().unwrap().to_owned()),
        kind,
        "id",
    )
    .unwrap()
}

async fn template_count(app: &TestApp) -> u64 {
    entity::email_template::Entity::find()
        .count(&app.state.db)
        .await
        .unwrap()
}

#[tokio::test]
async fn templates_are_created_read_updated_and_deleted() {
    on_each_backend(async |app| {
        let admin = app.admin.clone();
        let created = app
            .ok(
                &admin,
                CREATE,
                json!({ "i": {
                    "name": "Acknowledgement",
                    "subject": "Ihre Bewerbung als {{ position_name }}",
                    "body": "<p>{{ gender(m=\"Lieber\", f=\"Liebe\", n=\"Hallo\") }} {{ first_name }},</p>",
                    "translations": [{ "language": "en_gb", "subject": "Your application", "body": "<p>Dear {{ first_name }},</p>" }],
                }}),
            )
            .await["createEmailTemplate"]["emailTemplate"]
            .clone();
        assert_eq!(created["name"], "Acknowledgement");
        assert_eq!(created["interviewRelated"], false);
        // No language given: the company's default.
        assert_eq!(created["language"], "en");
        assert_eq!(created["translations"][0]["language"], "en-GB");
        let id = created["id"].clone();

        let listed = app
            .ok(
                &admin,
                "{ emailTemplates(first: 10) { totalCount nodes { id name subject } } }",
                json!({}),
            )
            .await;
        assert_eq!(listed["emailTemplates"]["nodes"][0]["id"], id);
        assert_eq!(listed["emailTemplates"]["totalCount"], 1);

        let updated = app
            .ok(
                &admin,
                UPDATE,
                json!({ "i": { "id": id, "name": "Eingangsbestätigung", "language": "de",
                    "translations": [
                        { "language": "en", "subject": "Your application", "body": "<p>Dear {{ first_name }}</p>" },
                        { "language": "fr", "subject": "Votre candidature", "body": "<p>Bonjour {{ first_name }}</p>" },
                    ] } }),
            )
            .await["updateEmailTemplate"]["emailTemplate"]
            .clone();
        assert_eq!(updated["name"], "Eingangsbestätigung");
        assert_eq!(updated["language"], "de");
        assert_eq!(
            updated["subject"], "Ihre Bewerbung als {{ position_name }}",
            "the subject was not part of the change"
        );
        let languages: Vec<_> = updated["translations"]
            .as_array()
            .unwrap()
            .iter()
            .map(|t| t["language"].as_str().unwrap())
            .collect();
        assert_eq!(languages, ["en", "fr"]);

        // A rename leaves the variants alone.
        let renamed = app
            .ok(&admin, UPDATE, json!({ "i": { "id": id, "name": "Eingang" } }))
            .await["updateEmailTemplate"]["emailTemplate"]
            .clone();
        assert_eq!(renamed["translations"], updated["translations"]);
        assert_eq!(renamed["language"], "de");
        // The main language cannot take a translation's language unless the
        // translations are sent along.
        let response = app
            .gql(Some(&admin), UPDATE, json!({ "i": { "id": id, "language": "fr" } }))
            .await;
        assert_eq!(response["errors"][0]["extensions"]["field"], "language", "{response:#}");
        let swapped = app
            .ok(
                &admin,
                UPDATE,
                json!({ "i": { "id": id, "name": "Eingangsbestätigung", "language": "fr",
                    "translations": [{ "language": "de", "subject": "S", "body": "<p>B</p>" }] } }),
            )
            .await["updateEmailTemplate"]["emailTemplate"]
            .clone();
        assert_eq!(swapped["language"], "fr");
        assert_eq!(swapped["translations"][0]["language"], "de");

        // A second template may not take the same name.
        let duplicate = app
            .error_code(
                Some(&admin),
                CREATE,
                json!({ "i": { "name": "Eingangsbestätigung", "subject": "S", "body": "<p>B</p>" } }),
            )
            .await;
        assert_eq!(duplicate, "CONFLICT");

        let deleted = app
            .ok(
                &admin,
                "mutation($id: ID!) { deleteEmailTemplate(input: { id: $id }) { deletedId } }",
                json!({ "id": id }),
            )
            .await;
        assert_eq!(deleted["deleteEmailTemplate"]["deletedId"], id);
        assert_eq!(template_count(&app).await, 0);
        let variants = entity::email_template_variant::Entity::find()
            .count(&app.state.db)
            .await
            .unwrap();
        assert_eq!(variants, 0, "variants go with their template");
    })
    .await;
}

#[tokio::test]
async fn an_invalid_template_is_refused_with_its_place_and_nothing_is_saved() {
    on_each_backend(async |app| {
        let admin = app.admin.clone();
        let response = app
            .gql(
                Some(&admin),
                CREATE,
                json!({ "i": { "name": "Broken", "subject": "Hello",
                    "body": "<p>Dear {{ first_name }},</p>\n<p>your {{ postion_name }}</p>" } }),
            )
            .await;
        let error = &response["errors"][0];
        let ext = &error["extensions"];
        assert_eq!(ext["code"], "VALIDATION", "{response:#}");
        assert_eq!(ext["field"], "body");
        assert_eq!(ext["placeholder"], "postion_name");
        assert_eq!((ext["line"].as_u64(), ext["column"].as_u64()), (Some(2), Some(12)));
        let valid: Vec<_> = ext["validPlaceholders"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_str().unwrap())
            .collect();
        assert!(valid.contains(&"position_name"));
        assert!(!valid.contains(&"interview_date"));
        let message = error["message"].as_str().unwrap();
        assert!(message.contains("unknown placeholder `postion_name`"), "{message}");
        assert_eq!(template_count(&app).await, 0);

        // Interview placeholders need an interview-related template, in every variant.
        let response = app
            .gql(
                Some(&admin),
                CREATE,
                json!({ "i": { "name": "Invite", "subject": "Hello", "body": "<p>Hi</p>",
                    "translations": [{ "language": "de", "subject": "Am {{ interview_date }}", "body": "<p>x</p>" }] } }),
            )
            .await;
        let ext = &response["errors"][0]["extensions"];
        assert_eq!(ext["field"], "translations.0.subject", "{response:#}");
        assert_eq!(ext["placeholder"], "interview_date");
        assert!(
            response["errors"][0]["message"]
                .as_str()
                .unwrap()
                .contains("interview-related")
        );
        assert_eq!(template_count(&app).await, 0);

        let code = app
            .error_code(
                Some(&admin),
                CREATE,
                json!({ "i": { "name": "Loop", "subject": "S",
                    "body": "{% for i in range(end=100000000) %}x{% endfor %}" } }),
            )
            .await;
        assert_eq!(code, "VALIDATION");
        let code = app
            .error_code(
                Some(&admin),
                CREATE,
                json!({ "i": { "name": "Twice", "subject": "S", "body": "<p>x</p>", "language": "de",
                    "translations": [{ "language": "DE", "subject": "S", "body": "<p>y</p>" }] } }),
            )
            .await;
        assert_eq!(code, "VALIDATION");
        assert_eq!(template_count(&app).await, 0);
    })
    .await;
}

#[tokio::test]
async fn an_update_is_checked_as_a_whole_and_leaves_the_template_alone_when_refused() {
    on_each_backend(async |app| {
        let admin = app.admin.clone();
        let id = app
            .ok(
                &admin,
                CREATE,
                json!({ "i": { "name": "Invite", "interviewRelated": true, "subject": "Interview",
                    "body": "<p>See you on {{ interview_date }}</p>" } }),
            )
            .await["createEmailTemplate"]["emailTemplate"]["id"]
            .clone();
        // Turning the flag off would leave an interview placeholder behind.
        let response = app
            .gql(
                Some(&admin),
                UPDATE,
                json!({ "i": { "id": id, "interviewRelated": false, "name": "Renamed" } }),
            )
            .await;
        let ext = &response["errors"][0]["extensions"];
        assert_eq!(ext["code"], "VALIDATION", "{response:#}");
        assert_eq!(ext["placeholder"], "interview_date");
        let stored = app
            .ok(
                &admin,
                "query($id: ID!) { emailTemplate(id: $id) { name interviewRelated } }",
                json!({ "id": id }),
            )
            .await;
        assert_eq!(stored["emailTemplate"]["name"], "Invite");
        assert_eq!(stored["emailTemplate"]["interviewRelated"], true);
    })
    .await;
}

#[tokio::test]
async fn a_template_in_use_cannot_be_deleted_and_the_error_says_by_what() {
    on_each_backend(async |app| {
        let admin = app.admin.clone();
        let (_, category, _) = structure(&app, &admin, "x").await;
        let template = create_template(&app, &admin, "Auto reply").await;
        let template_row = row_id(&json!(template), Kind::EmailTemplate);
        let mut row: entity::recruiting_category::ActiveModel =
            entity::recruiting_category::Entity::find_by_id(row_id(
                &json!(category),
                Kind::Category,
            ))
            .one(&app.state.db)
            .await
            .unwrap()
            .unwrap()
            .into();
        row.auto_reply_template_id = Set(Some(template_row));
        row.update(&app.state.db).await.unwrap();
        let delete = "mutation($id: ID!) { deleteEmailTemplate(input: { id: $id }) { deletedId } }";
        let response = app
            .gql(Some(&admin), delete, json!({ "id": template }))
            .await;
        assert_eq!(response["errors"][0]["extensions"]["code"], "CONFLICT");
        let message = response["errors"][0]["message"].as_str().unwrap();
        assert!(
            message.contains("automatic reply of the category “Engineering x”"),
            "{message}"
        );

        let scheduled = create_template(&app, &admin, "Scheduled").await;
        let company = entity::company::Entity::find()
            .one(&app.state.db)
            .await
            .unwrap()
            .unwrap();
        entity::message::ActiveModel {
            company_id: Set(company.id),
            template_id: Set(Some(row_id(&json!(scheduled), Kind::EmailTemplate))),
            direction: Set(MessageDirection::Outbound),
            status: Set(MessageStatus::Scheduled),
            subject: Set("Later".into()),
            from_address: Set("jobs@acme.example".into()),
            scheduled_at: Set(Some(Utc::now() + chrono::Duration::days(1))),
            attempts: Set(0),
            created_at: Set(Utc::now()),
            ..Default::default()
        }
        .insert(&app.state.db)
        .await
        .unwrap();
        let response = app
            .gql(Some(&admin), delete, json!({ "id": scheduled }))
            .await;
        assert_eq!(response["errors"][0]["extensions"]["code"], "CONFLICT");
        let message = response["errors"][0]["message"].as_str().unwrap();
        assert!(message.contains("1 scheduled message uses it"), "{message}");
        assert_eq!(template_count(&app).await, 2);
    })
    .await;
}

/// Inserts a stored file of the company; `candidate` makes it a candidate's.
async fn document(app: &TestApp, name: &str, candidate: Option<i64>) -> String {
    let company = entity::company::Entity::find()
        .one(&app.state.db)
        .await
        .unwrap()
        .unwrap();
    let row = entity::document::ActiveModel {
        company_id: Set(company.id),
        candidate_id: Set(candidate),
        file_name: Set(name.into()),
        content_type: Set("application/pdf".into()),
        size_bytes: Set(1234),
        sha256: Set("ab".repeat(32)),
        blob_key: Set(format!("blobs/{name}")),
        created_at: Set(Utc::now()),
        ..Default::default()
    }
    .insert(&app.state.db)
    .await
    .unwrap();
    Kind::Document.id(row.id).to_string()
}

#[tokio::test]
async fn templates_carry_company_documents_but_never_a_candidates() {
    on_each_backend(async |app| {
        let admin = app.admin.clone();
        let brochure = document(&app, "brochure.pdf", None).await;
        let benefits = document(&app, "benefits.pdf", None).await;
        let candidate = create_candidate(&app, &admin, "Ada", "L", "ada@example.com").await;
        let cv = document(
            &app,
            "cv.pdf",
            Some(row_id(&json!(candidate), Kind::Candidate)),
        )
        .await;

        let created = app
            .ok(
                &admin,
                CREATE,
                json!({ "i": { "name": "With files", "subject": "S", "body": "<p>B</p>",
                    "documentIds": [brochure, benefits] } }),
            )
            .await["createEmailTemplate"]["emailTemplate"]
            .clone();
        let names: Vec<_> = created["documents"]
            .as_array()
            .unwrap()
            .iter()
            .map(|d| d["fileName"].as_str().unwrap())
            .collect();
        assert_eq!(names, ["brochure.pdf", "benefits.pdf"]);

        let response = app
            .gql(
                Some(&admin),
                UPDATE,
                json!({ "i": { "id": created["id"], "documentIds": [brochure, cv] } }),
            )
            .await;
        assert_eq!(response["errors"][0]["extensions"]["code"], "VALIDATION");
        assert_eq!(
            response["errors"][0]["extensions"]["field"],
            "documentIds.1"
        );

        let updated = app
            .ok(
                &admin,
                UPDATE,
                json!({ "i": { "id": created["id"], "documentIds": [benefits] } }),
            )
            .await;
        assert_eq!(
            updated["updateEmailTemplate"]["emailTemplate"]["documents"],
            json!([{ "id": benefits }])
        );
    })
    .await;
}

#[tokio::test]
async fn signatures_are_set_validated_and_cleared() {
    on_each_backend(async |app| {
        let admin = app.admin.clone();
        let set = "mutation($s: String) { updateMySignature(input: { signature: $s }) { user { signature } } }";
        let data = app
            .ok(&admin, set, json!({ "s": "<p>Jonas Weber<br>Recruiting</p>" }))
            .await;
        assert_eq!(
            data["updateMySignature"]["user"]["signature"],
            "<p>Jonas Weber<br>Recruiting</p>"
        );
        let viewer = app.ok(&admin, "{ viewer { user { signature } } }", json!({})).await;
        assert_eq!(
            viewer["viewer"]["user"]["signature"],
            "<p>Jonas Weber<br>Recruiting</p>"
        );
        let data = app
            .ok(&admin, set, json!({ "s": "<p>Jonas<img src=x onerror=alert(1)></p><script>x()</script>" }))
            .await;
        let stored = data["updateMySignature"]["user"]["signature"].as_str().unwrap();
        assert!(!stored.contains("onerror") && !stored.contains("script"), "{stored}");
        let too_big = "<p>x</p>".repeat(5000);
        let response = app.gql(Some(&admin), set, json!({ "s": too_big })).await;
        assert_eq!(response["errors"][0]["extensions"]["field"], "signature");
        let data = app.ok(&admin, set, json!({ "s": null })).await;
        assert_eq!(data["updateMySignature"]["user"]["signature"], Value::Null);
    })
    .await;
}

/// A candidate with an application, a stored interview with a participant, and
/// the admin's signature. Returns (candidate, application, interview IDs).
async fn interview_fixture(
    app: &TestApp,
    gender: &str,
    language: Option<&str>,
) -> (String, String, String) {
    let admin = app.admin.clone();
    let (_, _, position) = structure(app, &admin, "p").await;
    let candidate = create_candidate(app, &admin, "Maria", "Schmidt", "maria@example.com").await;
    app.ok(
        &admin,
        "mutation($id: ID!, $g: Gender!, $l: String) { updateCandidate(input: { id: $id, gender: $g, preferredLanguage: $l }) { candidate { id } } }",
        json!({ "id": candidate, "g": gender, "l": language }),
    )
    .await;
    let application = create_application(app, &admin, &candidate, &position).await;
    app.ok(
        &admin,
        "mutation { updateMySignature(input: { signature: \"<p>Jonas Weber</p>\" }) { user { id } } }",
        json!({}),
    )
    .await;
    let company = entity::company::Entity::find()
        .one(&app.state.db)
        .await
        .unwrap()
        .unwrap();
    let admin_user = entity::user::Entity::find()
        .one(&app.state.db)
        .await
        .unwrap()
        .unwrap();
    let interview = entity::interview::ActiveModel {
        company_id: Set(company.id),
        application_id: Set(row_id(&json!(application), Kind::Application)),
        title: Set("Technical interview".into()),
        // Europe/Paris switches to summer time at 01:00 UTC on 29 March 2026.
        starts_at: Set(Utc.with_ymd_and_hms(2026, 3, 29, 8, 0, 0).unwrap()),
        ends_at: Set(Utc.with_ymd_and_hms(2026, 3, 29, 9, 30, 0).unwrap()),
        time_zone: Set("Europe/Paris".into()),
        location: Set(Some("12 rue de Rivoli, Paris".into())),
        video_link: Set(None),
        status: Set(InterviewStatus::Scheduled),
        sequence: Set(0),
        uid: Set("interview-1@test".into()),
        created_at: Set(Utc::now()),
        updated_at: Set(Utc::now()),
        ..Default::default()
    }
    .insert(&app.state.db)
    .await
    .unwrap();
    entity::interview_participant::ActiveModel {
        interview_id: Set(interview.id),
        user_id: Set(admin_user.id),
        ..Default::default()
    }
    .insert(&app.state.db)
    .await
    .unwrap();
    (
        candidate,
        application,
        Kind::Interview.id(interview.id).to_string(),
    )
}

#[tokio::test]
async fn a_preview_renders_the_candidates_language_with_interview_and_signature() {
    on_each_backend(async |app| {
        let admin = app.admin.clone();
        let (candidate, _, interview) = interview_fixture(&app, "FEMALE", Some("de-AT")).await;
        let template = app
            .ok(
                &admin,
                CREATE,
                json!({ "i": { "name": "Invitation", "interviewRelated": true,
                    "subject": "Interview on {{ interview_date }}",
                    "body": "<p>Dear {{ first_name }},</p>",
                    "translations": [{ "language": "de",
                        "subject": "Gespräch am {{ interview_date }} um {{ interview_time }}",
                        "body": "<p>{{ gender(m=\"Lieber\", f=\"Liebe\", n=\"Hallo\") }} {{ first_name }},</p><p>{{ interview_location }}, {{ interview_time_zone }}, mit {{ interview_participants }}. {% if interview_link %}Link: {{ interview_link }}{% endif %}</p>" }] } }),
            )
            .await["createEmailTemplate"]["emailTemplate"]["id"]
            .clone();
        let preview = app
            .ok(
                &admin,
                PREVIEW,
                json!({ "i": { "templateId": template, "candidateId": candidate, "interviewId": interview } }),
            )
            .await["previewEmail"]
            .clone();
        assert_eq!(preview["language"], "de");
        assert_eq!(preview["subject"], "Gespräch am Sonntag, 29. März 2026 um 10:00");
        let text = preview["text"].as_str().unwrap();
        assert!(
            text.starts_with("Liebe Maria,\n\n12 rue de Rivoli, Paris, Europe/Paris (CEST), mit "),
            "{text}"
        );
        assert!(text.ends_with(".\n\n-- \nJonas Weber"), "{text}");
        assert!(preview["html"].as_str().unwrap().contains("<p>Liebe Maria,</p>"));
        assert_eq!(preview["missingPlaceholders"], json!(["interview_link"]));
        assert_eq!(template_count(&app).await, 1, "a preview stores nothing");
        let messages = entity::message::Entity::find()
            .count(&app.state.db)
            .await
            .unwrap();
        assert_eq!(messages, 0, "a preview sends nothing");
    })
    .await;
}

#[tokio::test]
async fn a_free_form_preview_reports_placeholders_without_values() {
    on_each_backend(async |app| {
        let admin = app.admin.clone();
        // A candidate without an application: no position, no interview.
        let candidate = create_candidate(&app, &admin, "Ada", "Lovelace", "ada@example.com").await;
        let preview = app
            .ok(
                &admin,
                PREVIEW,
                json!({ "i": { "subject": "{{ full_name }}: {{ position_name }}",
                    "body": "<p>{{ gender(m=\"Dear Sir\", f=\"Dear Madam\") }}, see you {{ interview_date }}.</p>",
                    "candidateId": candidate } }),
            )
            .await["previewEmail"]
            .clone();
        assert_eq!(preview["subject"], "Ada Lovelace:");
        assert_eq!(preview["text"], "Dear Sir / Dear Madam, see you .");
        assert_eq!(
            preview["missingPlaceholders"],
            json!(["position_name", "interview_date"])
        );
        assert_eq!(preview["language"], "en");

        // Either a template or a subject and body.
        let response = app
            .gql(
                Some(&admin),
                PREVIEW,
                json!({ "i": { "subject": "only a subject", "candidateId": candidate } }),
            )
            .await;
        assert_eq!(response["errors"][0]["extensions"]["code"], "VALIDATION");
        // A free body is checked like a template.
        let response = app
            .gql(
                Some(&admin),
                PREVIEW,
                json!({ "i": { "subject": "S", "body": "<p>{{ salary }}</p>", "candidateId": candidate } }),
            )
            .await;
        assert_eq!(response["errors"][0]["extensions"]["placeholder"], "salary");
    })
    .await;
}

#[tokio::test]
async fn a_preview_refuses_an_application_of_another_candidate() {
    on_each_backend(async |app| {
        let admin = app.admin.clone();
        let (_, application, _) = interview_fixture(&app, "UNKNOWN", None).await;
        let other = create_candidate(&app, &admin, "Other", "Person", "other@example.com").await;
        let template = create_template(&app, &admin, "Plain").await;
        let response = app
            .gql(
                Some(&admin),
                PREVIEW,
                json!({ "i": { "templateId": template, "candidateId": other, "applicationId": application } }),
            )
            .await;
        assert_eq!(response["errors"][0]["extensions"]["code"], "VALIDATION");
        assert_eq!(response["errors"][0]["extensions"]["field"], "applicationId");
    })
    .await;
}

#[tokio::test]
async fn placeholders_are_listed_with_descriptions_and_examples() {
    on_each_backend(async |app| {
        let data = app
            .ok(
                &app.admin,
                "{ placeholders { name description example interviewOnly } }",
                json!({}),
            )
            .await;
        let list = data["placeholders"].as_array().unwrap();
        let names: Vec<_> = list.iter().map(|p| p["name"].as_str().unwrap()).collect();
        for required in [
            "first_name",
            "last_name",
            "full_name",
            "email",
            "position_name",
            "company_name",
            "subsidiary_name",
            "sender_name",
            "interview_date",
            "interview_time",
            "interview_time_zone",
            "interview_location",
            "interview_link",
            "interview_participants",
        ] {
            assert!(names.contains(&required), "{required} missing");
        }
        let date = list.iter().find(|p| p["name"] == "interview_date").unwrap();
        assert_eq!(date["interviewOnly"], true);
        assert!(!date["example"].as_str().unwrap().is_empty());
    })
    .await;
}

#[tokio::test]
async fn previews_respect_the_callers_positions_and_sections() {
    on_each_backend(async |app| {
        let admin = app.admin.clone();
        let (candidate, _, interview) = interview_fixture(&app, "UNKNOWN", None).await;
        let (sub, cat, _) = structure(&app, &admin, "q").await;
        let (manager, _, manager_token) = user_with_role(
            &app,
            &admin,
            "Messages Manager",
            json!({ "sections": ["MESSAGES", "CANDIDATES"], "assignedPositionsOnly": true }),
        )
        .await;
        let managed = create_position(&app, &admin, &sub, &cat, "Managed", &[&manager]).await;
        let seen = create_candidate(&app, &admin, "Seen", "One", "seen@example.com").await;
        create_application(&app, &admin, &seen, &managed).await;
        let template = create_template(&app, &admin, "Plain").await;
        let preview = |candidate: &str| json!({ "i": { "templateId": template, "candidateId": candidate } });

        let seen_preview = app.ok(&manager_token, PREVIEW, preview(&seen)).await;
        assert_eq!(
            seen_preview["previewEmail"]["subject"],
            "Your application as Managed"
        );
        // A candidate outside the manager's positions does not exist for them.
        let code = app
            .error_code(Some(&manager_token), PREVIEW, preview(&candidate))
            .await;
        assert_eq!(code, "NOT_FOUND");
        // Interview details need the Interviews section.
        let code = app
            .error_code(
                Some(&manager_token),
                PREVIEW,
                json!({ "i": { "templateId": template, "candidateId": seen, "interviewId": interview } }),
            )
            .await;
        assert_eq!(code, "FORBIDDEN");
    })
    .await;
}
