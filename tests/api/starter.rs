//! A company that starts ready: `recruitmail bootstrap` and
//! `createStarterTemplates` make the starter templates, document categories
//! and roles; the acknowledgement answers real form applications; and the
//! recruiter's other first steps: interviewers reading their templates, an
//! SMTP server tried before it is saved, template documents held to the
//! attachment limit.

use std::collections::BTreeMap;
use std::process::Command;

use chrono::Utc;
use recruitmail::graphql::ids::Kind;
use sea_orm::{ActiveModelTrait as _, EntityTrait as _, PaginatorTrait as _, Set};
use serde_json::{Value, json};

use crate::helpers::{
    TestApp, create_candidate, first_code, on_each_backend, on_each_backend_with, structure,
    upload_document, user_with_role,
};
use crate::outbound::{parse, row, tick, trusting, use_plain_port, use_plain_server};
use crate::smtp_server::{Encryption, Options, SmtpServer};

const STARTER: &str = "mutation($i: CreateStarterTemplatesInput!) {
    createStarterTemplates(input: $i) { templatesCreated translationsAdded alreadyPresent
        emailTemplates { id name language starterKind interviewRelated translations { language subject } } }
}";

const TEMPLATES: &str = "query($f: EmailTemplateFilter) {
    emailTemplates(filter: $f) { totalCount nodes { id name starterKind interviewRelated } }
}";

/// Runs `recruitmail bootstrap` against the test's database and data folder.
fn bootstrap_command(
    app: &TestApp,
    company: &str,
    admin: &str,
    language: &str,
) -> std::process::Output {
    let mut command = Command::new(env!("CARGO_BIN_EXE_recruitmail"));
    command
        .args([
            "bootstrap",
            "--company",
            company,
            "--admin",
            admin,
            "--language",
            language,
        ])
        .env("RECRUITMAIL_DATA_DIR", &app.data_dir)
        .env_remove("RECRUITMAIL_CONFIG");
    match app.database_url() {
        Some(url) => command.env("DATABASE_URL", url),
        None => command.env_remove("DATABASE_URL"),
    };
    command.output().unwrap()
}

#[tokio::test]
async fn bootstrap_starts_a_company_with_templates_categories_and_roles() {
    on_each_backend(async |app| {
        let output = bootstrap_command(&app, "Globex GmbH", "hank@globex.example", "de");
        assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
        let token = String::from_utf8(output.stdout).unwrap().trim().to_owned();

        let data = app
            .ok(
                &token,
                "{ viewer { company { defaultLanguage receivedDocumentCategory { name } } }
                   emailTemplates { totalCount nodes { name language starterKind interviewRelated } }
                   documentCategories { id name }
                   recruitingRoles { name isAdmin sections assignedPositionsOnly
                       documentPermissions { documentCategoryId access } } }",
                json!({}),
            )
            .await;
        let company = &data["viewer"]["company"];
        assert_eq!(company["defaultLanguage"], "de");
        assert_eq!(company["receivedDocumentCategory"]["name"], "Other");
        assert_eq!(data["emailTemplates"]["totalCount"], 4);
        assert_eq!(
            data["emailTemplates"]["nodes"],
            json!([
                { "name": "Eingangsbestätigung", "language": "de", "starterKind": "ACKNOWLEDGEMENT", "interviewRelated": false },
                { "name": "Einladung zum Vorstellungsgespräch", "language": "de", "starterKind": "INTERVIEW_INVITATION", "interviewRelated": true },
                { "name": "Absage", "language": "de", "starterKind": "REJECTION", "interviewRelated": false },
                { "name": "Anforderung von Unterlagen", "language": "de", "starterKind": "DOCUMENT_REQUEST", "interviewRelated": false },
            ])
        );
        let categories: BTreeMap<String, String> = data["documentCategories"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| (c["id"].as_str().unwrap().to_owned(), c["name"].as_str().unwrap().to_owned()))
            .collect();
        let mut names: Vec<&str> = categories.values().map(String::as_str).collect();
        names.sort_unstable();
        assert_eq!(names, ["CV", "Certificates", "Cover letter", "Other"]);

        // Each role as (sections, assigned positions only, access per category).
        let roles: BTreeMap<String, Value> = data["recruitingRoles"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| {
                let mut documents: Vec<(String, String)> = r["documentPermissions"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|p| {
                        (
                            categories[p["documentCategoryId"].as_str().unwrap()].clone(),
                            p["access"].as_str().unwrap().to_owned(),
                        )
                    })
                    .collect();
                documents.sort();
                (
                    r["name"].as_str().unwrap().to_owned(),
                    json!([r["isAdmin"], r["sections"], r["assignedPositionsOnly"], documents]),
                )
            })
            .collect();
        let all = |access: &str| {
            json!([["CV", access], ["Certificates", access], ["Cover letter", access], ["Other", access]])
        };
        assert_eq!(roles.len(), 4, "{roles:#?}");
        assert_eq!(roles["Recruiting admin"][0], true);
        assert_eq!(
            roles["Recruiter"],
            json!([false, ["CANDIDATES", "MESSAGES", "INTERVIEWS", "BULK_EMAIL"], false, all("EDIT")])
        );
        assert_eq!(
            roles["Hiring manager"],
            json!([false, ["CANDIDATES", "INTERVIEWS"], true, all("VIEW")])
        );
        assert_eq!(roles["Interviewer"], json!([false, ["INTERVIEWS"], true, []]));

        // A language without starter texts: refused, and nothing is made.
        let companies = entity::company::Entity::find().count(&app.state.db).await.unwrap();
        for bad in ["es", "not a language"] {
            let output = bootstrap_command(&app, "Initech", "boss@initech.example", bad);
            assert!(!output.status.success());
            let stderr = String::from_utf8_lossy(&output.stderr);
            assert!(stderr.contains("language") && stderr.contains("de, en, fr"), "{stderr}");
            assert!(output.stdout.is_empty());
        }
        let after = entity::company::Entity::find().count(&app.state.db).await.unwrap();
        assert_eq!(after, companies);
    })
    .await;
}

#[tokio::test]
async fn starter_templates_in_more_languages_become_translations() {
    on_each_backend(async |app| {
        let admin = app.admin.clone();
        let run = |language: &str| json!({ "i": { "language": language } });
        let german = app.ok(&admin, STARTER, run("de")).await["createStarterTemplates"].clone();
        assert_eq!(
            [&german["templatesCreated"], &german["translationsAdded"], &german["alreadyPresent"]],
            [4, 0, 0]
        );
        let ids: Vec<Value> = german["emailTemplates"].as_array().unwrap().iter().map(|t| t["id"].clone()).collect();
        assert_eq!(german["emailTemplates"][2]["name"], "Absage");

        // An admin renames one; it is still the rejection.
        app.ok(
            &admin,
            "mutation($i: UpdateEmailTemplateInput!) { updateEmailTemplate(input: $i) { emailTemplate { id } } }",
            json!({ "i": { "id": ids[2], "name": "Absage nach Gespräch" } }),
        )
        .await;
        let french = app.ok(&admin, STARTER, run("fr")).await["createStarterTemplates"].clone();
        assert_eq!(
            [&french["templatesCreated"], &french["translationsAdded"], &french["alreadyPresent"]],
            [0, 4, 0]
        );
        let templates = french["emailTemplates"].as_array().unwrap();
        assert_eq!(templates.iter().map(|t| t["id"].clone()).collect::<Vec<_>>(), ids);
        assert_eq!(templates[2]["name"], "Absage nach Gespräch");
        assert_eq!(templates[2]["language"], "de");
        assert_eq!(
            templates[2]["translations"],
            json!([{ "language": "fr", "subject": "Votre candidature au poste de {{ position_name }}" }])
        );
        assert_eq!(templates[1]["starterKind"], "INTERVIEW_INVITATION");
        assert_eq!(templates[1]["interviewRelated"], true);

        // Again, or in a regional form of a language it has: nothing changes.
        for again in ["de", "de-AT", "FR"] {
            let same = app.ok(&admin, STARTER, run(again)).await["createStarterTemplates"].clone();
            assert_eq!(
                [&same["templatesCreated"], &same["translationsAdded"], &same["alreadyPresent"]],
                [0, 0, 4],
                "{again}"
            );
            assert_eq!(same["emailTemplates"], french["emailTemplates"]);
        }
        // Without a language: the company's default one (English).
        let english = app.ok(&admin, STARTER, json!({ "i": {} })).await["createStarterTemplates"].clone();
        assert_eq!(english["translationsAdded"], 4);

        // A deleted starter template is made again.
        app.ok(
            &admin,
            "mutation($i: DeleteEmailTemplateInput!) { deleteEmailTemplate(input: $i) { deletedId } }",
            json!({ "i": { "id": ids[0] } }),
        )
        .await;
        let remade = app.ok(&admin, STARTER, run("fr")).await["createStarterTemplates"].clone();
        assert_eq!(
            [&remade["templatesCreated"], &remade["translationsAdded"], &remade["alreadyPresent"]],
            [1, 0, 3]
        );
        // Listed by kind, the new acknowledgement first.
        assert_eq!(remade["emailTemplates"][0]["name"], "Accusé de réception");
        assert_eq!(remade["emailTemplates"][0]["starterKind"], "ACKNOWLEDGEMENT");
        assert_eq!(remade["emailTemplates"][3]["id"], ids[3]);

        // Languages without texts, and tags that are none, name the ones there are.
        for bad in ["es", "it-CH", "klingon language", ""] {
            let response = app.gql(Some(&admin), STARTER, run(bad)).await;
            let error = &response["errors"][0];
            assert_eq!(error["extensions"]["code"], "VALIDATION", "{bad}: {response:#}");
            assert_eq!(error["extensions"]["field"], "language");
            assert!(error["message"].as_str().unwrap().contains("de, en, fr"), "{response:#}");
        }

        // Another company whose own template has a starter template's name:
        // refused as a whole, nothing half-made.
        let other = app.other_company("Initech").await;
        app.ok(
            &other,
            "mutation { createEmailTemplate(input: { name: \"Refus\", subject: \"S\", body: \"<p>B</p>\" }) { emailTemplate { id } } }",
            json!({}),
        )
        .await;
        assert_eq!(app.error_code(Some(&other), STARTER, run("fr")).await, "CONFLICT");
        let theirs = app.ok(&other, TEMPLATES, json!({})).await;
        assert_eq!(theirs["emailTemplates"]["totalCount"], 1);
        // And the first company's templates are not theirs to see.
        assert_eq!(app.ok(&admin, TEMPLATES, json!({})).await["emailTemplates"]["totalCount"], 4);

        // Only admins.
        let (_, _, recruiter) =
            user_with_role(&app, &admin, "Recruiter", json!({ "sections": ["MESSAGES"] })).await;
        assert_eq!(app.error_code(Some(&recruiter), STARTER, run("de")).await, "FORBIDDEN");
    })
    .await;
}

/// A position whose category answers form applications with `template`,
/// sent by the admin (with a signature) through `server`; returns the position.
async fn answering_form_applications(
    app: &TestApp,
    server: &SmtpServer,
    template: &Value,
) -> String {
    let admin = &app.admin;
    let (sub, category, position) = structure(app, admin, "form").await;
    use_plain_server(app, &sub, server).await;
    app.ok(
        admin,
        "mutation { updateMySignature(input: { signature: \"<p>Mia Recruiter<br>Acme</p>\" }) { user { id } } }",
        json!({}),
    )
    .await;
    let me = app.ok(admin, "{ viewer { user { id } } }", json!({})).await["viewer"]["user"]["id"]
        .clone();
    app.ok(
        admin,
        "mutation($i: UpdateCategoryAutoReplyInput!) { updateCategoryAutoReply(input: $i) { category { id } } }",
        json!({ "i": { "categoryId": category, "onlineApplications": true, "templateId": template, "senderId": me } }),
    )
    .await;
    position
}

/// Applies for `position` through the public form, as Ana Silva of `gender`.
async fn apply(app: &TestApp, position: &str, email: &str, gender: &str) -> Value {
    let key = app
        .ok(&app.admin, "{ viewer { company { formKey } } }", json!({}))
        .await["viewer"]["company"]["formKey"]
        .clone();
    app.gql(
        None,
        "mutation($i: SubmitApplicationInput!) { submitApplication(input: $i) { received } }",
        json!({ "i": { "formKey": key, "positionId": position, "firstName": "Ana", "lastName": "Silva",
            "email": email, "gender": gender } }),
    )
    .await
}

#[tokio::test]
async fn simultaneous_starter_calls_make_each_template_once() {
    on_each_backend(async |app| {
        let call = || {
            app.gql(
                Some(&app.admin),
                STARTER,
                json!({ "i": { "language": "fr" } }),
            )
        };
        let answers = futures_util::future::join_all((0..4).map(|_| call())).await;
        let mut created = 0;
        for answer in &answers {
            match first_code(answer).as_deref() {
                None => {
                    created += answer["data"]["createStarterTemplates"]["templatesCreated"]
                        .as_i64()
                        .unwrap()
                }
                // Lost the race on the unique kind: refused whole.
                Some("CONFLICT") => {}
                other => panic!("{other:?}: {answer:#}"),
            }
        }
        assert_eq!(created, 4, "{answers:#?}");
        let listed = app
            .ok(
                &app.admin,
                "{ emailTemplates { totalCount nodes { translations { language } } } }",
                json!({}),
            )
            .await;
        assert_eq!(listed["emailTemplates"]["totalCount"], 4);
        for template in listed["emailTemplates"]["nodes"].as_array().unwrap() {
            assert_eq!(template["translations"], json!([]));
        }
    })
    .await;
}

#[tokio::test]
async fn the_starter_acknowledgement_answers_form_applications() {
    let server = SmtpServer::start(Options::default());
    on_each_backend(async |app| {
        let admin = app.admin.clone();
        let made = app
            .ok(&admin, STARTER, json!({ "i": { "language": "de" } }))
            .await;
        let acknowledgement = made["createStarterTemplates"]["emailTemplates"][0]["id"].clone();
        // Accepted as an automatic reply: it fills no interview.
        let position = answering_form_applications(&app, &server, &acknowledgement).await;
        let before = server.delivered().len();
        let submitted = apply(&app, &position, "ana.silva@example.org", "FEMALE").await;
        assert_eq!(
            submitted,
            json!({ "data": { "submitApplication": { "received": true } } })
        );
        assert_eq!(tick(&app, Utc::now()).await.sent, 1);
        let delivered = server.wait_for(before + 1);
        assert_eq!(delivered.len(), before + 1);
        assert_eq!(delivered[before].rcpt_tos, ["ana.silva@example.org"]);
        let mail = parse(&delivered[before].raw);
        assert_eq!(
            mail.subject(),
            Some("Ihre Bewerbung als Backend Engineer form")
        );
        assert_eq!(
            mail.header_raw("Auto-Submitted").map(str::trim),
            Some("auto-replied")
        );
        let text = mail.body_text(0).unwrap().replace("\r\n", "\n");
        assert!(
            text.starts_with(
                "Sehr geehrte Frau Ana Silva,\n\nvielen Dank für Ihre Bewerbung auf die Stelle \
                 „Backend Engineer form“ und Ihr Interesse an Acme Recruiting."
            ),
            "{text}"
        );
        assert!(
            text.contains("Mit freundlichen Grüßen\n\n-- \nMia Recruiter\nAcme"),
            "{text}"
        );
        let html = mail.body_html(0).unwrap();
        assert!(
            html.contains("<p>Sehr geehrte Frau Ana Silva,</p>"),
            "{html}"
        );
    })
    .await;
}

#[tokio::test]
async fn interviewers_read_and_preview_only_interview_templates() {
    on_each_backend(async |app| {
        let admin = app.admin.clone();
        let made = app.ok(&admin, STARTER, json!({ "i": { "language": "en" } })).await;
        let templates = made["createStarterTemplates"]["emailTemplates"].clone();
        let (invitation, rejection) = (templates[1]["id"].clone(), templates[2]["id"].clone());
        let candidate = create_candidate(&app, &admin, "Maria", "Schmidt", "maria@example.com").await;
        let (_, _, interviewer) =
            user_with_role(&app, &admin, "Interviewer", json!({ "sections": ["CANDIDATES", "INTERVIEWS"] })).await;

        let filter = |related: Option<bool>| json!({ "f": related.map(|r| json!({ "interviewRelated": r })) });
        let listed = app.ok(&interviewer, TEMPLATES, filter(None)).await;
        assert_eq!(
            listed["emailTemplates"],
            json!({ "totalCount": 1, "nodes": [{ "id": invitation, "name": "Interview invitation",
                "starterKind": "INTERVIEW_INVITATION", "interviewRelated": true }] })
        );
        assert_eq!(app.ok(&interviewer, TEMPLATES, filter(Some(true))).await, listed);
        assert_eq!(
            app.ok(&interviewer, TEMPLATES, filter(Some(false))).await["emailTemplates"],
            json!({ "totalCount": 0, "nodes": [] })
        );
        // The admin's filter splits the four.
        assert_eq!(app.ok(&admin, TEMPLATES, filter(Some(true))).await["emailTemplates"]["totalCount"], 1);
        assert_eq!(app.ok(&admin, TEMPLATES, filter(Some(false))).await["emailTemplates"]["totalCount"], 3);

        // The invitation previews before an interview is chosen; its
        // interview placeholders are reported missing.
        const PREVIEW: &str = "query($i: PreviewEmailInput!) { previewEmail(input: $i) { subject text missingPlaceholders } }";
        let preview = app
            .ok(&interviewer, PREVIEW, json!({ "i": { "templateId": invitation, "candidateId": candidate } }))
            .await["previewEmail"]
            .clone();
        assert_eq!(preview["subject"], "Invitation to an interview:");
        assert!(preview["text"].as_str().unwrap().starts_with("Dear Maria Schmidt,"), "{preview:#}");
        let missing = preview["missingPlaceholders"].as_array().unwrap();
        assert!(missing.contains(&json!("interview_date")), "{preview:#}");
        // Other templates answer like ones that do not exist; free text
        // without an interview needs MESSAGES.
        let hidden = app
            .error_code(Some(&interviewer), PREVIEW, json!({ "i": { "templateId": rejection, "candidateId": candidate } }))
            .await;
        assert_eq!(hidden, "NOT_FOUND");
        let free = app
            .error_code(
                Some(&interviewer),
                PREVIEW,
                json!({ "i": { "subject": "S", "body": "<p>B</p>", "candidateId": candidate } }),
            )
            .await;
        assert_eq!(free, "FORBIDDEN");

        // Without INTERVIEWS or MESSAGES: no templates at all.
        let (_, _, sourcer) =
            user_with_role(&app, &admin, "Sourcer", json!({ "sections": ["CANDIDATES"] })).await;
        assert_eq!(app.error_code(Some(&sourcer), TEMPLATES, filter(Some(true))).await, "FORBIDDEN");
    })
    .await;
}

const TRY: &str = "mutation($i: TestSmtpConnectionInput!) {
    testSmtpConnection(input: $i) { result { success message } }
}";

const SAVED: &str = "query($s: ID!) { node(id: $s) { ... on Subsidiary { recruitingEmailSettings {
    emailAddress useCustomSmtp smtpHost smtpPort smtpSecurity smtpUsername hasPassword } } } }";

/// A loopback port nothing listens on.
fn closed_port() -> u16 {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    listener.local_addr().unwrap().port()
}

#[tokio::test]
async fn smtp_settings_are_tried_without_being_saved() {
    let server = SmtpServer::start(Options {
        encryption: Encryption::StartTls,
        login: Some(("mailer".into(), "s3cret-Passw0rd".into())),
    });
    on_each_backend_with(&trusting(&server), async |app| {
        let admin = app.admin.clone();
        let (sub, _, _) = structure(&app, &admin, "smtp").await;
        let dead = closed_port();
        use_plain_port(&app, &sub, dead).await;
        let saved = app.ok(&admin, SAVED, json!({ "s": sub })).await;
        let result = |data: Value| data["testSmtpConnection"]["result"].clone();

        // The saved settings, as before: nothing listens.
        let old = result(app.ok(&admin, TRY, json!({ "i": { "subsidiaryId": sub } })).await);
        assert_eq!(old["success"], false);
        assert!(old["message"].as_str().unwrap().contains(&format!("127.0.0.1:{dead}")), "{old}");

        let attempt = |password: &str| {
            json!({ "i": { "subsidiaryId": sub, "settings": { "smtpHost": "127.0.0.1", "smtpPort": server.port,
                "smtpSecurity": "STARTTLS", "smtpUsername": "mailer", "smtpPassword": password } } })
        };
        let ok = result(app.ok(&admin, TRY, attempt("s3cret-Passw0rd")).await);
        assert_eq!(ok["success"], true, "{ok}");
        assert_eq!(
            ok["message"],
            format!("connected to 127.0.0.1:{} with STARTTLS and signed in as mailer", server.port)
        );
        let refused = result(app.ok(&admin, TRY, attempt("wrong")).await);
        assert_eq!(refused["success"], false);
        assert!(refused["message"].as_str().unwrap().contains("535"), "{refused}");
        let unreachable = result(
            app.ok(
                &admin,
                TRY,
                json!({ "i": { "subsidiaryId": sub, "settings": { "smtpPort": dead, "smtpSecurity": "NONE" } } }),
            )
            .await,
        );
        assert_eq!(unreachable["success"], false);

        // Nothing was saved: not the server, not the password.
        assert_eq!(app.ok(&admin, SAVED, json!({ "s": sub })).await, saved);
        let stored = entity::subsidiary::Entity::find_by_id(row(&json!(sub), Kind::Subsidiary))
            .one(&app.state.db)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(stored.smtp_password_encrypted, None);
        assert_eq!(stored.smtp_port, Some(i32::from(dead)));

        // Bad settings name their field inside `settings`.
        let response = app
            .gql(Some(&admin), TRY, json!({ "i": { "subsidiaryId": sub, "settings": { "smtpPort": 0 } } }))
            .await;
        assert_eq!(first_code(&response).as_deref(), Some("VALIDATION"));
        assert_eq!(response["errors"][0]["extensions"]["field"], "settings.smtpPort");
        let long = "x".repeat(300);
        let response = app
            .gql(Some(&admin), TRY, json!({ "i": { "subsidiaryId": sub, "settings": { "smtpPassword": long } } }))
            .await;
        assert_eq!(response["errors"][0]["extensions"]["field"], "settings.smtpPassword", "{response:#}");
    })
    .await;

    // Unsaved settings meet the same private-address policy as saved ones.
    let strict = vec![("RECRUITMAIL_SMTP_ALLOW_PRIVATE_HOSTS", "off".to_owned())];
    on_each_backend_with(&strict, async |app| {
        let (sub, _, _) = structure(&app, &app.admin, "strict").await;
        let tried = app
            .ok(
                &app.admin,
                TRY,
                json!({ "i": { "subsidiaryId": sub, "settings": { "smtpHost": "127.0.0.1", "smtpPort": server.port } } }),
            )
            .await;
        let result = &tried["testSmtpConnection"]["result"];
        assert_eq!(result["success"], false);
        assert!(result["message"].as_str().unwrap().contains("private"), "{result}");
    })
    .await;
}

const CREATE_TEMPLATE: &str = "mutation($i: CreateEmailTemplateInput!) {
    createEmailTemplate(input: $i) { emailTemplate { id documents { id } } }
}";

#[tokio::test]
async fn template_documents_are_held_to_the_attachment_limit() {
    let server = SmtpServer::start(Options::default());
    let limit = vec![("RECRUITMAIL_MAX_ATTACHMENT_BYTES", "2048".to_owned())];
    on_each_backend_with(&limit, async |app| {
        let admin = app.admin.clone();
        let document = |name: &'static str| {
            let app = &app;
            async move {
                upload_document(app, name, [b"%PDF-1.4\n".as_slice(), &[b'x'; 1200]].concat(), None)
                    .await["id"]
                    .clone()
            }
        };
        let (brochure, benefits) = (document("brochure.pdf").await, document("benefits.pdf").await);
        let template = |documents: Vec<&Value>| {
            json!({ "i": { "name": "Thanks", "subject": "Your application", "documentIds": documents,
                "body": "<p>Dear {{ full_name }}, please find our brochure attached.</p>" } })
        };
        // Together they would not fit in one message.
        let response = app.gql(Some(&admin), CREATE_TEMPLATE, template(vec![&brochure, &benefits])).await;
        assert_eq!(first_code(&response).as_deref(), Some("PAYLOAD_TOO_LARGE"), "{response:#}");
        assert_eq!(app.ok(&admin, TEMPLATES, json!({})).await["emailTemplates"]["totalCount"], 0);
        let created = app.ok(&admin, CREATE_TEMPLATE, template(vec![&brochure])).await;
        let id = created["createEmailTemplate"]["emailTemplate"]["id"].clone();
        const UPDATE: &str = "mutation($i: UpdateEmailTemplateInput!) { updateEmailTemplate(input: $i) { emailTemplate { id } } }";
        let code = app
            .error_code(Some(&admin), UPDATE, json!({ "i": { "id": id, "name": "Renamed", "documentIds": [brochure, benefits] } }))
            .await;
        assert_eq!(code, "PAYLOAD_TOO_LARGE");
        let stored = app
            .ok(&admin, "query($t: ID!) { emailTemplate(id: $t) { name documents { id } } }", json!({ "t": id }))
            .await;
        assert_eq!(stored["emailTemplate"], json!({ "name": "Thanks", "documents": [{ "id": brochure }] }));

        // A template saved when the limit was higher (linked here directly)
        // is no automatic reply: the application is filed, nothing is queued.
        entity::email_template_document::ActiveModel {
            template_id: Set(row(&id, Kind::EmailTemplate)),
            document_id: Set(row(&benefits, Kind::Document)),
        }
        .insert(&app.state.db)
        .await
        .unwrap();
        let position = answering_form_applications(&app, &server, &id).await;
        let before = server.delivered().len();
        let submitted = apply(&app, &position, "ana@example.org", "UNKNOWN").await;
        assert_eq!(submitted["data"]["submitApplication"]["received"], true, "{submitted:#}");
        let thread = app
            .ok(
                &admin,
                "{ candidates { nodes { applications { id } messages { nodes { direction } } } } }",
                json!({}),
            )
            .await;
        let candidate = &thread["candidates"]["nodes"][0];
        assert_eq!(candidate["applications"].as_array().unwrap().len(), 1);
        let outbound = candidate["messages"]["nodes"].as_array().unwrap().iter().filter(|m| m["direction"] == "OUTBOUND").count();
        assert_eq!(outbound, 0, "{thread:#}");
        assert_eq!(tick(&app, Utc::now()).await.sent, 0);
        assert_eq!(server.delivered().len(), before);
    })
    .await;
}
