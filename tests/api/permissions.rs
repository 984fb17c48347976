//! Every query and mutation field against every kind of caller.
//!
//! The fixture: company A with a recruiter, a hiring manager assigned to one
//! position, and an admin; company B's admin tries A's IDs. Each row names an
//! operation and the outcome expected for each caller.

use std::collections::HashMap;

use serde_json::{Value, json};

use crate::helpers::{
    TestApp, create_application, create_candidate, create_position, create_template, first_code,
    on_each_backend, structure, user_with_role,
};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
enum Caller {
    Admin,
    Recruiter,
    HiringManager,
    Anonymous,
    OtherAdmin,
}

use Caller::*;

const CALLERS: [Caller; 5] = [Admin, Recruiter, HiringManager, Anonymous, OtherAdmin];

/// Expected outcome for one caller.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Outcome {
    Allowed,
    Denied(&'static str),
}

use Outcome::{Allowed, Denied};

const FORBIDDEN: Outcome = Denied("FORBIDDEN");
const NOT_FOUND: Outcome = Denied("NOT_FOUND");

/// IDs of company A's fixture, by name, for `$name` placeholders.
struct Fixture {
    ids: HashMap<&'static str, String>,
    tokens: HashMap<Caller, Option<String>>,
}

async fn fixture(app: &TestApp) -> Fixture {
    let admin = app.admin.clone();
    let mut ids = HashMap::new();
    let (sub, cat, open_position) = structure(app, &admin, "fixture").await;
    let (hm_user, _, hm_token) = user_with_role(
        app,
        &admin,
        "Hiring Manager",
        json!({ "sections": ["CANDIDATES", "INTERVIEWS"], "assignedPositionsOnly": true }),
    )
    .await;
    let (recruiter_user, recruiter_role, recruiter_token) = user_with_role(
        app,
        &admin,
        "Recruiter",
        json!({ "sections": ["CANDIDATES", "MESSAGES", "INTERVIEWS", "BULK_EMAIL"] }),
    )
    .await;
    let managed = create_position(app, &admin, &sub, &cat, "Managed position", &[&hm_user]).await;
    let seen = create_candidate(app, &admin, "Seen", "ByManager", "seen@example.com").await;
    let unseen = create_candidate(app, &admin, "Hidden", "FromManager", "hidden@example.com").await;
    let seen_application = create_application(app, &admin, &seen, &managed).await;
    let unseen_application = create_application(app, &admin, &unseen, &open_position).await;
    let doc_cat = app
        .ok(&admin, "mutation { createDocumentCategory(input: { name: \"CV\" }) { documentCategory { id } } }", json!({}))
        .await["createDocumentCategory"]["documentCategory"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let template = create_template(app, &admin, "Fixture template").await;
    let send = |ids: Vec<&str>, at: Option<&str>| {
        let admin = admin.clone();
        let ids: Vec<String> = ids.into_iter().map(str::to_owned).collect();
        let at = at.map(str::to_owned);
        async move {
            app.ok(
                &admin,
                "mutation($c: [ID!]!, $at: DateTime) { sendEmail(input: { candidateIds: $c, subject: \"S\", body: \"<p>B</p>\", scheduledAt: $at }) { message { id } batch { id } } }",
                json!({ "c": ids, "at": at }),
            )
            .await["sendEmail"]
                .clone()
        }
    };
    let message_seen = send(vec![&seen], None).await["message"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let batch = send(vec![&seen, &unseen], None).await["batch"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let later = (chrono::Utc::now() + chrono::Duration::days(1)).to_rfc3339();
    for caller in CALLERS {
        let scheduled = send(vec![&seen], Some(&later)).await["message"]["id"]
            .as_str()
            .unwrap()
            .to_owned();
        ids.insert(leak(format!("sched_{caller:?}")), scheduled);
    }
    // Interview times a month ahead, whenever the tests run.
    let soon = |hours: i64| {
        (chrono::Utc::now() + chrono::Duration::days(30) + chrono::Duration::hours(hours))
            .to_rfc3339()
    };
    let schedule = |application: String| {
        let admin = admin.clone();
        async move {
            app.ok(
                &admin,
                "mutation($a: ID!, $s: DateTime!, $e: DateTime!) { scheduleInterview(input: { applicationId: $a, title: \"Fixture interview\", startsAt: $s, endsAt: $e, timeZone: \"Europe/Berlin\", location: \"Room 1\" }) { interview { id } } }",
                json!({ "a": application, "s": soon(0), "e": soon(1) }),
            )
            .await["scheduleInterview"]["interview"]["id"]
                .as_str()
                .unwrap()
                .to_owned()
        }
    };
    let interview_seen = schedule(seen_application.clone()).await;
    let interview_unseen = schedule(unseen_application.clone()).await;
    app.ok(
        &admin,
        "mutation($i: ID!) { sendInterviewInvitation(input: { interviewId: $i, subject: \"S\", body: \"<p>B</p>\" }) { message { id } } }",
        json!({ "i": interview_seen }),
    )
    .await;
    app.state
        .mail
        .dispatcher
        .tick(chrono::Utc::now())
        .await
        .unwrap();
    for caller in CALLERS {
        let interview = schedule(seen_application.clone()).await;
        ids.insert(leak(format!("iv_{caller:?}")), interview);
    }
    let other = app.other_company("Rival").await;
    // Per-caller targets for operations that consume them (delete, unassign).
    for caller in CALLERS {
        let label = format!("{caller:?}");
        let victim = create_candidate(
            app,
            &admin,
            "Victim",
            &label,
            &format!("victim.{label}@example.com"),
        )
        .await;
        create_application(app, &admin, &victim, &managed).await;
        ids.insert(leak(format!("victim_{label}")), victim);
        let (holder, _, _) = user_with_role(
            app,
            &admin,
            &format!("Holder {label}"),
            json!({ "sections": [] }),
        )
        .await;
        ids.insert(leak(format!("holder_{label}")), holder);
        let outsider = create_candidate(
            app,
            &admin,
            "Outsider",
            &label,
            &format!("outsider.{label}@example.com"),
        )
        .await;
        create_application(app, &admin, &outsider, &open_position).await;
        ids.insert(leak(format!("outsider_{label}")), outsider);
        let spare = create_position(app, &admin, &sub, &cat, &format!("Spare {label}"), &[]).await;
        ids.insert(leak(format!("spare_{label}")), spare);
        let spare_template = create_template(app, &admin, &format!("Spare {label}")).await;
        ids.insert(leak(format!("template_{label}")), spare_template);
    }
    let own_token = |token: &str| {
        let token = token.to_owned();
        async move {
            app.ok(
                &token,
                "mutation { createApiToken(input: { name: \"spare\" }) { apiToken { id } } }",
                json!({}),
            )
            .await["createApiToken"]["apiToken"]["id"]
                .as_str()
                .unwrap()
                .to_owned()
        }
    };
    for (caller, token) in [
        (Admin, &admin),
        (Recruiter, &recruiter_token),
        (HiringManager, &hm_token),
        (OtherAdmin, &other),
    ] {
        ids.insert(leak(format!("token_{caller:?}")), own_token(token).await);
    }
    ids.extend([
        ("subsidiary", sub),
        ("category", cat),
        ("open_position", open_position),
        ("managed_position", managed),
        ("seen", seen),
        ("unseen", unseen),
        ("seen_application", seen_application),
        ("unseen_application", unseen_application),
        ("recruiter_user", recruiter_user),
        ("recruiter_role", recruiter_role),
        ("hm_user", hm_user),
        ("doc_cat", doc_cat),
        ("template", template),
        ("message_seen", message_seen),
        ("batch", batch),
        ("later_start", soon(24)),
        ("later_end", soon(25)),
        ("moved_start", soon(48)),
        ("moved_end", soon(49)),
        ("interview_seen", interview_seen),
        ("interview_unseen", interview_unseen),
    ]);
    let tokens = HashMap::from([
        (Admin, Some(admin)),
        (Recruiter, Some(recruiter_token)),
        (HiringManager, Some(hm_token)),
        (Anonymous, None),
        (OtherAdmin, Some(other)),
    ]);
    Fixture { ids, tokens }
}

fn leak(s: String) -> &'static str {
    Box::leak(s.into_boxed_str())
}

/// One operation and what each caller gets: `[admin, recruiter, hiring manager,
/// other company's admin]`; anonymous callers always get `UNAUTHENTICATED`.
struct Case {
    operation: &'static str,
    expect: [Outcome; 4],
}

const fn case(operation: &'static str, expect: [Outcome; 4]) -> Case {
    Case { operation, expect }
}

const ALL: [Outcome; 4] = [Allowed; 4];
const ADMINS: [Outcome; 4] = [Allowed, FORBIDDEN, FORBIDDEN, Allowed];
/// Admin-only, on company A's rows: the other company's admin finds nothing.
const ADMIN_OF_A: [Outcome; 4] = [Allowed, FORBIDDEN, FORBIDDEN, NOT_FOUND];

fn cases() -> Vec<Case> {
    vec![
        // Queries.
        case("{ viewer { isAdmin } }", ALL),
        case("{ users { id } }", ALL),
        case("{ apiTokens { id } }", ALL),
        case(
            "{ subsidiaries { id } categories { id } documentCategories { id } }",
            ALL,
        ),
        case("{ positions { totalCount } }", ALL),
        case("{ recruitingRoles { id } }", ADMINS),
        case("{ candidates { totalCount } }", ALL),
        case("{ applications { totalCount } }", ALL),
        case(
            "{ candidate(id: \"$seen\") { id } }",
            [Allowed, Allowed, Allowed, NOT_FOUND],
        ),
        case(
            "{ candidate(id: \"$unseen\") { id } }",
            [Allowed, Allowed, NOT_FOUND, NOT_FOUND],
        ),
        case(
            "{ node(id: \"$seen_application\") { id } }",
            [Allowed, Allowed, Allowed, NOT_FOUND],
        ),
        case(
            "{ node(id: \"$unseen_application\") { id } }",
            [Allowed, Allowed, NOT_FOUND, NOT_FOUND],
        ),
        case(
            "{ node(id: \"$open_position\") { id } }",
            [Allowed, Allowed, NOT_FOUND, NOT_FOUND],
        ),
        case(
            "{ node(id: \"$managed_position\") { id } }",
            [Allowed, Allowed, Allowed, NOT_FOUND],
        ),
        case(
            "{ node(id: \"$subsidiary\") { id } }",
            [Allowed, Allowed, Allowed, NOT_FOUND],
        ),
        case(
            "{ node(id: \"$recruiter_user\") { id } }",
            [Allowed, Allowed, Allowed, NOT_FOUND],
        ),
        case("{ node(id: \"$recruiter_role\") { id } }", ADMIN_OF_A),
        case(
            "{ viewer { company { formKey } } }",
            [Allowed, FORBIDDEN, FORBIDDEN, Allowed],
        ),
        case(
            "{ viewer { company { inboundToken } } }",
            [Allowed, FORBIDDEN, FORBIDDEN, Allowed],
        ),
        // Company structure: recruiting admins only.
        case(
            "mutation { createSubsidiary(input: { name: \"Sub $caller\" }) { subsidiary { id } } }",
            ADMINS,
        ),
        case(
            "mutation { updateSubsidiary(input: { id: \"$subsidiary\", emailDisplayName: \"$caller\" }) { subsidiary { id } } }",
            ADMIN_OF_A,
        ),
        case(
            "mutation { createCategory(input: { name: \"Cat $caller\" }) { category { id } } }",
            ADMINS,
        ),
        case(
            "mutation { updateCategory(input: { id: \"$category\", name: \"Renamed $caller\" }) { category { id } } }",
            ADMIN_OF_A,
        ),
        case(
            "mutation { createDocumentCategory(input: { name: \"Doc $caller\" }) { documentCategory { id } } }",
            ADMINS,
        ),
        case(
            "mutation { createPosition(input: { name: \"P $caller\", subsidiaryId: \"$subsidiary\", categoryId: \"$category\" }) { position { id } } }",
            ADMIN_OF_A,
        ),
        case(
            "mutation { updatePosition(input: { id: \"$open_position\", name: \"Renamed $caller\" }) { position { id } } }",
            ADMIN_OF_A,
        ),
        case(
            "mutation { deletePosition(input: { id: \"$spare_$caller\" }) { deletedId } }",
            ADMIN_OF_A,
        ),
        case(
            "mutation { deleteCategory(input: { id: \"$category\" }) { deletedId } }",
            [Denied("CONFLICT"), FORBIDDEN, FORBIDDEN, NOT_FOUND],
        ),
        case(
            "mutation { deleteSubsidiary(input: { id: \"$subsidiary\" }) { deletedId } }",
            [Denied("CONFLICT"), FORBIDDEN, FORBIDDEN, NOT_FOUND],
        ),
        // Candidates and applications: the Candidates section, scoped.
        case(
            "mutation { createCandidate(input: { firstName: \"New\", lastName: \"$caller\", email: \"new.$caller@example.com\" }) { candidate { id } } }",
            ALL,
        ),
        case(
            "mutation { updateCandidate(input: { id: \"$seen\", phone: \"+1 555 0100\" }) { candidate { id } } }",
            [Allowed, Allowed, Allowed, NOT_FOUND],
        ),
        case(
            "mutation { updateCandidate(input: { id: \"$unseen\", phone: \"+1 555\" }) { candidate { id } } }",
            [Allowed, Allowed, NOT_FOUND, NOT_FOUND],
        ),
        case(
            "mutation { deleteCandidate(input: { id: \"$victim_$caller\" }) { deletedCandidateId } }",
            ADMIN_OF_A,
        ),
        case(
            "mutation { createApplication(input: { candidateId: \"$outsider_$caller\", positionId: \"$managed_position\", status: NEW }) { application { id } } }",
            [Allowed, Allowed, NOT_FOUND, NOT_FOUND],
        ),
        case(
            "mutation { updateApplicationStatus(input: { id: \"$seen_application\", status: IN_PROCESS }) { application { id } } }",
            [Allowed, Allowed, Allowed, NOT_FOUND],
        ),
        case(
            "mutation { updateApplicationStatus(input: { id: \"$unseen_application\", status: IN_PROCESS }) { application { id } } }",
            [Allowed, Allowed, NOT_FOUND, NOT_FOUND],
        ),
        // People: recruiting admins only.
        case(
            "mutation { createUser(input: { email: \"u.$caller@acme.example\", displayName: \"U\" }) { user { id } } }",
            ADMINS,
        ),
        case(
            "mutation { updateUser(input: { id: \"$recruiter_user\", displayName: \"R $caller\" }) { user { id } } }",
            ADMIN_OF_A,
        ),
        case(
            "mutation { createRecruitingRole(input: { name: \"Role $caller\" }) { role { id } } }",
            ADMINS,
        ),
        case(
            "mutation { updateRecruitingRole(input: { id: \"$recruiter_role\", name: \"Recruiter role\", sections: [CANDIDATES, MESSAGES, INTERVIEWS, BULK_EMAIL] }) { role { id } } }",
            ADMIN_OF_A,
        ),
        case(
            "mutation { assignRole(input: { userId: \"$holder_$caller\", roleId: \"$recruiter_role\" }) { user { id } } }",
            ADMIN_OF_A,
        ),
        // Runs after assignRole: the admin's holder has the role to take away.
        case(
            "mutation { unassignRole(input: { userId: \"$holder_$caller\", roleId: \"$recruiter_role\" }) { user { id } } }",
            ADMIN_OF_A,
        ),
        case(
            "mutation { createApiToken(input: { name: \"mine\" }) { token } }",
            ALL,
        ),
        case(
            "mutation { createApiToken(input: { name: \"theirs\", userId: \"$recruiter_user\" }) { token } }",
            [Allowed, Allowed, FORBIDDEN, NOT_FOUND],
        ),
        case(
            "mutation { createApiToken(input: { name: \"theirs\", userId: \"$hm_user\" }) { token } }",
            [Allowed, FORBIDDEN, Allowed, NOT_FOUND],
        ),
        case(
            "mutation { revokeApiToken(input: { id: \"$token_$caller\" }) { apiToken { id } } }",
            ALL,
        ),
        case(
            "mutation { revokeApiToken(input: { id: \"$token_Recruiter\" }) { apiToken { id } } }",
            [Allowed, Allowed, NOT_FOUND, NOT_FOUND],
        ),
        // Templates: recruiting admins change them; the Messages section reads
        // and previews them all, the Interviews section (the hiring manager
        // here) only the interview-related ones, which this one is not.
        case("{ placeholders { name } }", ALL),
        case(
            "{ emailTemplates { nodes { id subject } } }",
            [Allowed, Allowed, Allowed, Allowed],
        ),
        case(
            "{ emailTemplate(id: \"$template\") { id } }",
            [Allowed, Allowed, NOT_FOUND, NOT_FOUND],
        ),
        case(
            "{ node(id: \"$template\") { id } }",
            [Allowed, Allowed, NOT_FOUND, NOT_FOUND],
        ),
        case(
            "{ previewEmail(input: { templateId: \"$template\", candidateId: \"$seen\" }) { subject } }",
            [Allowed, Allowed, FORBIDDEN, NOT_FOUND],
        ),
        case(
            "{ previewEmail(input: { subject: \"Hi\", body: \"<p>{{ first_name }}</p>\", candidateId: \"$unseen\" }) { text } }",
            [Allowed, Allowed, FORBIDDEN, NOT_FOUND],
        ),
        case(
            "mutation { createEmailTemplate(input: { name: \"T $caller\", subject: \"S\", body: \"<p>B</p>\" }) { emailTemplate { id } } }",
            ADMINS,
        ),
        case(
            "mutation { updateEmailTemplate(input: { id: \"$template\", subject: \"New $caller\" }) { emailTemplate { id } } }",
            ADMIN_OF_A,
        ),
        case(
            "mutation { deleteEmailTemplate(input: { id: \"$template_$caller\" }) { deletedId } }",
            ADMIN_OF_A,
        ),
        case(
            "mutation { updateMySignature(input: { signature: \"<p>$caller</p>\" }) { user { signature } } }",
            ALL,
        ),
        // Mail: recruiting admins configure it; the Messages section sends and
        // reads it; several candidates at once need BULK_EMAIL.
        case(
            "{ subsidiaries { recruitingEmailSettings { hasPassword inboundAddress } } }",
            [Allowed, FORBIDDEN, FORBIDDEN, Allowed],
        ),
        case(
            "mutation { updateRecruitingEmailSettings(input: { subsidiaryId: \"$subsidiary\", emailDisplayName: \"Jobs $caller\" }) { subsidiary { id } } }",
            ADMIN_OF_A,
        ),
        case(
            "mutation { testSmtpConnection(input: { subsidiaryId: \"$subsidiary\" }) { result { success } } }",
            ADMIN_OF_A,
        ),
        case(
            "{ message(id: \"$message_seen\") { status to } }",
            [Allowed, Allowed, FORBIDDEN, NOT_FOUND],
        ),
        case(
            "{ node(id: \"$message_seen\") { id } }",
            [Allowed, Allowed, FORBIDDEN, NOT_FOUND],
        ),
        case(
            "{ emailBatch(id: \"$batch\") { total sent } }",
            [Allowed, Allowed, FORBIDDEN, NOT_FOUND],
        ),
        case(
            "{ candidate(id: \"$seen\") { messages { totalCount } } }",
            [Allowed, Allowed, FORBIDDEN, NOT_FOUND],
        ),
        case(
            "mutation { sendEmail(input: { candidateIds: [\"$seen\"], subject: \"Hi\", body: \"<p>x</p>\" }) { message { id } } }",
            [Allowed, Allowed, FORBIDDEN, NOT_FOUND],
        ),
        case(
            "mutation { sendEmail(input: { candidateIds: [\"$seen\", \"$unseen\"], subject: \"Hi\", body: \"<p>x</p>\" }) { batch { id } } }",
            [Allowed, Allowed, FORBIDDEN, NOT_FOUND],
        ),
        case(
            "mutation { cancelScheduledMessage(input: { id: \"$sched_$caller\" }) { message { status } } }",
            [Allowed, Allowed, FORBIDDEN, NOT_FOUND],
        ),
        // Automatic replies and the public form: recruiting admins set them
        // up (`submitApplication` needs no token: see tests/api/intake.rs).
        case(
            "{ categories { autoReply { onlineApplications emailApplications sender { id } } } }",
            ALL,
        ),
        case(
            "{ categories { autoReply { template { id } } } }",
            [Allowed, Allowed, FORBIDDEN, Allowed],
        ),
        case(
            "mutation { updateCategoryAutoReply(input: { categoryId: \"$category\", emailApplications: false }) { category { id } } }",
            ADMIN_OF_A,
        ),
        case(
            "mutation { rotateFormKey(input: { confirm: true }) { company { id } } }",
            ADMINS,
        ),
        case(
            "mutation { rotateInboundToken(input: { confirm: true }) { company { id } } }",
            ADMINS,
        ),
        // Interviews: the Interviews section; hiring managers only about
        // applications to their positions.
        case("{ interviews { totalCount } }", ALL),
        case(
            "{ interview(id: \"$interview_seen\") { id detailsText participants { id } } }",
            [Allowed, Allowed, Allowed, NOT_FOUND],
        ),
        case(
            "{ interview(id: \"$interview_unseen\") { id } }",
            [Allowed, Allowed, NOT_FOUND, NOT_FOUND],
        ),
        case(
            "{ node(id: \"$interview_seen\") { id } }",
            [Allowed, Allowed, Allowed, NOT_FOUND],
        ),
        case(
            "{ candidate(id: \"$seen\") { interviews { id invitationStatus } } }",
            [Allowed, Allowed, Allowed, NOT_FOUND],
        ),
        case(
            "{ interview(id: \"$interview_seen\") { invitations { message { status } } } }",
            [Allowed, Allowed, FORBIDDEN, NOT_FOUND],
        ),
        case(
            "mutation { scheduleInterview(input: { applicationId: \"$seen_application\", title: \"$caller\", startsAt: \"$later_start\", endsAt: \"$later_end\", timeZone: \"UTC\", videoLink: \"https://meet.example/x\" }) { interview { id } } }",
            [Allowed, Allowed, Allowed, NOT_FOUND],
        ),
        case(
            "mutation { scheduleInterview(input: { applicationId: \"$unseen_application\", title: \"$caller\", startsAt: \"$later_start\", endsAt: \"$later_end\", timeZone: \"UTC\", videoLink: \"https://meet.example/x\" }) { interview { id } } }",
            [Allowed, Allowed, NOT_FOUND, NOT_FOUND],
        ),
        case(
            "mutation { sendInterviewInvitation(input: { interviewId: \"$interview_seen\", subject: \"S\", body: \"<p>B</p>\" }) { interview { invitationStatus } } }",
            [Allowed, Allowed, Allowed, NOT_FOUND],
        ),
        case(
            "mutation { recordInvitationResponse(input: { interviewId: \"$interview_seen\", status: TENTATIVE }) { interview { invitationStatus } } }",
            [Allowed, Allowed, Allowed, NOT_FOUND],
        ),
        case(
            "mutation { rescheduleInterview(input: { interviewId: \"$interview_seen\", startsAt: \"$moved_start\", endsAt: \"$moved_end\" }) { interview { sequence } } }",
            [Allowed, Allowed, Allowed, NOT_FOUND],
        ),
        case(
            "mutation { rescheduleInterview(input: { interviewId: \"$interview_unseen\", startsAt: \"$moved_start\", endsAt: \"$moved_end\" }) { interview { sequence } } }",
            [Allowed, Allowed, NOT_FOUND, NOT_FOUND],
        ),
        case(
            "mutation { cancelInterview(input: { interviewId: \"$iv_$caller\", notifyCandidate: true }) { interview { status } } }",
            [Allowed, Allowed, Allowed, NOT_FOUND],
        ),
    ]
}

/// Replaces `$name` placeholders (longest first) with fixture IDs and `$caller`.
fn fill(operation: &str, fixture: &Fixture, caller: Caller) -> String {
    let mut text = operation.replace("$caller", &format!("{caller:?}"));
    let mut names: Vec<_> = fixture.ids.keys().collect();
    names.sort_by_key(|n| std::cmp::Reverse(n.len()));
    for name in names {
        text = text.replace(&format!("${name}"), &fixture.ids[name]);
    }
    text
}

fn outcome_of(response: &Value) -> Result<(), String> {
    match first_code(response) {
        None if response["data"].is_object() => Ok(()),
        None => Err(format!("no data and no code: {response}")),
        Some(code) => Err(code),
    }
}

#[tokio::test]
async fn every_field_checks_the_callers_rights() {
    on_each_backend(async |app| {
        let fixture = fixture(&app).await;
        let mut failures = Vec::new();
        for case in cases() {
            for (i, caller) in CALLERS.into_iter().enumerate() {
                let expected = match caller {
                    Anonymous => Denied("UNAUTHENTICATED"),
                    _ => case.expect[if i > 3 { 3 } else { i }],
                };
                let operation = fill(case.operation, &fixture, caller);
                let token = fixture.tokens[&caller].as_deref();
                let response = app.gql(token, &operation, json!({})).await;
                let got = outcome_of(&response);
                let ok = match (expected, &got) {
                    (Allowed, Ok(())) => true,
                    (Denied(code), Err(got)) => code == got,
                    _ => false,
                };
                if !ok {
                    failures.push(format!(
                        "{caller:?} on `{}`: expected {expected:?}, got {got:?}",
                        case.operation
                    ));
                }
            }
        }
        assert!(
            failures.is_empty(),
            "{:?}: {} mismatches:\n{}",
            app.backend,
            failures.len(),
            failures.join("\n")
        );
    })
    .await;
}

#[tokio::test]
async fn a_hiring_manager_sees_only_their_positions_in_nested_lists() {
    on_each_backend(async |app| {
        let fixture = fixture(&app).await;
        let hm = fixture.tokens[&HiringManager].clone().unwrap();
        let data = app
            .ok(&hm, "{ candidates(first: 50) { totalCount edges { node { lastName applications { position { name } } } } } positions { edges { node { name } } } }", json!({}))
            .await;
        let names: Vec<&str> = data["candidates"]["edges"].as_array().unwrap().iter().map(|e| e["node"]["lastName"].as_str().unwrap()).collect();
        assert!(names.contains(&"ByManager"));
        assert!(!names.contains(&"FromManager"), "{names:?}");
        for edge in data["candidates"]["edges"].as_array().unwrap() {
            for application in edge["node"]["applications"].as_array().unwrap() {
                assert_eq!(application["position"]["name"], "Managed position");
            }
        }
        assert_eq!(data["positions"]["edges"], json!([{ "node": { "name": "Managed position" } }]));
    })
    .await;
}
