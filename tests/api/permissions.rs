//! Every query and mutation field against every kind of caller.
//!
//! The fixture: company A with a recruiter, a hiring manager assigned to one
//! position, and an admin; company B's admin tries A's IDs. Each row names an
//! operation and the outcome expected for each caller.

use std::collections::HashMap;

use serde_json::{Value, json};

use crate::availability::post_calendar;
use crate::helpers::{
    TestApp, create_application, create_candidate, create_position, create_template,
    fields_taking_ids, first_code, on_each_backend, post_upload_as, structure, upload_document,
    user_with_role,
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
        (
            "override_date",
            (chrono::Utc::now() + chrono::Duration::days(20))
                .date_naive()
                .to_string(),
        ),
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
            "{ messages { totalCount nodes { candidate { id } sender { id } batch { id } } } }",
            [Allowed, Allowed, FORBIDDEN, Allowed],
        ),
        case(
            "{ emailBatches { totalCount nodes { messages { totalCount } } } }",
            [Allowed, Allowed, FORBIDDEN, Allowed],
        ),
        case(
            "{ message(id: \"$message_seen\") { candidate { id } sender { id } template { id } batch { id } inReplyTo { id } application { id } } }",
            [Allowed, Allowed, FORBIDDEN, NOT_FOUND],
        ),
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
        // Availability: users change their own, admins anyone's in their company.
        case(
            "mutation { setWorkingHours(input: { userId: \"$recruiter_user\", timeZone: \"Europe/Paris\", weekly: [{ weekday: MONDAY, start: \"09:00\", end: \"17:00\" }] }) { user { id } } }",
            [Allowed, Allowed, FORBIDDEN, NOT_FOUND],
        ),
        case(
            "mutation { setAvailabilityOverride(input: { userId: \"$recruiter_user\", date: \"$override_date\", spans: [] }) { user { id } } }",
            [Allowed, Allowed, FORBIDDEN, NOT_FOUND],
        ),
        case(
            "mutation { clearWorkingHours(input: { userId: \"$hm_user\" }) { user { id } } }",
            [Allowed, FORBIDDEN, Allowed, NOT_FOUND],
        ),
        case(
            "mutation { setCompanyWorkingHours(input: { timeZone: \"UTC\", weekly: [] }) { company { id } } }",
            ADMINS,
        ),
        case(
            "{ node(id: \"$recruiter_user\") { ... on User { workingHours { timeZone } } } }",
            [Allowed, Allowed, Allowed, NOT_FOUND],
        ),
        case(
            "{ node(id: \"$recruiter_user\") { ... on User { externalCalendars { id } } } }",
            [Allowed, Allowed, FORBIDDEN, NOT_FOUND],
        ),
        case(
            "{ node(id: \"$recruiter_user\") { ... on User { busyTimes(from: \"$later_start\", to: \"$later_end\") { startsAt } } } }",
            [Allowed, Allowed, FORBIDDEN, NOT_FOUND],
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
        // A template outside the caller's scope answers like a made-up one.
        case(
            "{ previewEmail(input: { templateId: \"$template\", candidateId: \"$seen\" }) { subject } }",
            [Allowed, Allowed, NOT_FOUND, NOT_FOUND],
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
        case(
            "{ viewer { unreadMessages { totalCount } } }",
            [Allowed, Allowed, FORBIDDEN, Allowed],
        ),
        case(
            "{ candidate(id: \"$seen\") { unreadCount } }",
            [Allowed, Allowed, FORBIDDEN, NOT_FOUND],
        ),
        case(
            "mutation { markMessagesRead(input: { messageIds: [\"$message_seen\"] }) { changed } }",
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
        // Reminders before interviews: recruiting admins set and read them.
        case(
            "mutation { updateInterviewReminders(input: { participantHoursBefore: 24 }) { interviewReminders { participantHoursBefore } } }",
            ADMINS,
        ),
        case(
            "{ viewer { company { interviewReminders { candidateHoursBefore } } } }",
            ADMINS,
        ),
        case(
            "mutation { rotateInboundToken(input: { confirm: true }) { company { id } } }",
            ADMINS,
        ),
        case(
            "mutation { updateCompany(input: { defaultTimeZone: \"UTC\" }) { company { id } } }",
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
            "{ interview(id: \"$interview_seen\") { participantResponses { user { id } response respondedAt } } }",
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
        // Scheduling links: the Interviews section, about applications the
        // caller sees; the company's rules are the admins' (the candidate's
        // operations need no token: see tests/api/scheduling_links.rs).
        case(
            "mutation { createSchedulingLink(input: { applicationId: \"$seen_application\", participantIds: [\"$hm_user\"], durationMinutes: 30, from: \"$later_start\", to: \"$moved_end\", expiresAt: \"$moved_end\", location: \"Room 1\" }) { url } }",
            [Allowed, Allowed, Allowed, NOT_FOUND],
        ),
        case(
            "mutation { createSchedulingLink(input: { applicationId: \"$unseen_application\", participantIds: [\"$hm_user\"], durationMinutes: 30, from: \"$later_start\", to: \"$moved_end\", expiresAt: \"$moved_end\", location: \"Room 1\" }) { url } }",
            [Allowed, Allowed, NOT_FOUND, NOT_FOUND],
        ),
        case(
            "{ schedulingLinks(applicationId: \"$seen_application\") { interviewId } }",
            [Allowed, Allowed, Allowed, NOT_FOUND],
        ),
        case(
            "{ schedulingLinks(applicationId: \"$unseen_application\") { interviewId } }",
            [Allowed, Allowed, NOT_FOUND, NOT_FOUND],
        ),
        case("{ schedulingSettings { changeDeadlineHours } }", ALL),
        case(
            "mutation { updateSchedulingSettings(input: { changeDeadlineHours: 12 }) { settings { changeDeadlineHours } } }",
            ADMINS,
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

/// The callers of the hidden-ID checks: a hiring manager with every section
/// but limited to their assigned position, and a user with only the
/// Interviews section (so limited to their assignments too).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Limited {
    Manager,
    InterviewsOnly,
}

/// Company A seen by [`Limited`] callers assigned to position `p2` only:
/// `c3` applied to `p2` and to the hidden `p1`; `c_hidden` only to `p1`.
/// Every row named in [`Scoped::hidden`] exists but is hidden from the caller.
struct Scoped {
    ids: HashMap<&'static str, String>,
    manager: String,
    interviewer: String,
}

impl Scoped {
    fn token(&self, caller: Limited) -> &str {
        match caller {
            Limited::Manager => &self.manager,
            Limited::InterviewsOnly => &self.interviewer,
        }
    }

    /// Whether fixture row `name` exists but is hidden from `caller`.
    fn hidden(caller: Limited, name: &str) -> bool {
        const FROM_BOTH: [&str; 24] = [
            "admin_calendar",
            "other_calendar",
            "webhook",
            "other_webhook",
            "p1",
            "c_hidden",
            "app_c3_p1",
            "app_hidden",
            "iv_c3_p1",
            "iv_hidden",
            "msg_hidden",
            "msg_hidden_scheduled",
            "batch",
            "doc_hidden",
            "admin_token",
            "other_subsidiary",
            "other_category",
            "other_position",
            "other_candidate",
            "other_application",
            "other_template",
            "other_user",
            "other_role",
            "other_document_category",
        ];
        // Templates and company documents are for the MESSAGES section;
        // INTERVIEWS alone reads interview-related templates only.
        const FROM_INTERVIEWS_ONLY: [&str; 2] = ["t_plain", "doc_company"];
        FROM_BOTH.contains(&name)
            || (caller == Limited::InterviewsOnly && FROM_INTERVIEWS_ONLY.contains(&name))
    }

    /// `operation` with `$ID` set to `id` and every `$name` to its row.
    fn fill(&self, operation: &str, id: &str) -> String {
        let mut text = operation.replace("$ID", id);
        let mut names: Vec<_> = self.ids.keys().collect();
        names.sort_by_key(|n| std::cmp::Reverse(n.len()));
        for name in names {
            text = text.replace(&format!("${name}"), &self.ids[name]);
        }
        text
    }
}

fn id_of(data: &Value, pointer: &str) -> String {
    data.pointer(pointer)
        .and_then(Value::as_str)
        .unwrap_or_else(|| panic!("no ID at {pointer} in {data:#}"))
        .to_owned()
}

async fn scoped_fixture(app: &TestApp) -> Scoped {
    let admin = app.admin.clone();
    let (sub, cat, p1) = structure(app, &admin, "scoped").await;
    let (manager_user, _, manager) = user_with_role(
        app,
        &admin,
        "Limited Manager",
        json!({ "sections": ["CANDIDATES", "MESSAGES", "INTERVIEWS", "BULK_EMAIL"], "assignedPositionsOnly": true }),
    )
    .await;
    let (interviewer_user, _, interviewer) = user_with_role(
        app,
        &admin,
        "Interviewer",
        json!({ "sections": ["INTERVIEWS"] }),
    )
    .await;
    let p2 = create_position(
        app,
        &admin,
        &sub,
        &cat,
        "Assigned position",
        &[&manager_user, &interviewer_user],
    )
    .await;
    let c3 = create_candidate(app, &admin, "Shared", "Applicant", "c3@example.com").await;
    let c_hidden =
        create_candidate(app, &admin, "Only", "Elsewhere", "elsewhere@example.com").await;
    let app_c3_p2 = create_application(app, &admin, &c3, &p2).await;
    let app_c3_p1 = create_application(app, &admin, &c3, &p1).await;
    let app_hidden = create_application(app, &admin, &c_hidden, &p1).await;
    let at = |hours: i64| {
        (chrono::Utc::now() + chrono::Duration::days(30) + chrono::Duration::hours(hours))
            .to_rfc3339()
    };
    let mut interviews = Vec::new();
    for application in [&app_c3_p2, &app_c3_p1, &app_hidden] {
        let data = app
            .ok(
                &admin,
                "mutation($a: ID!, $s: DateTime!, $e: DateTime!) { scheduleInterview(input: { applicationId: $a, title: \"Talk\", startsAt: $s, endsAt: $e, timeZone: \"Europe/Berlin\", location: \"Room 1\" }) { interview { id } } }",
                json!({ "a": application, "s": at(0), "e": at(1) }),
            )
            .await;
        interviews.push(id_of(&data, "/scheduleInterview/interview/id"));
    }
    let t_interview = id_of(
        &app.ok(
            &admin,
            "mutation { createEmailTemplate(input: { name: \"Invitation\", interviewRelated: true, subject: \"Interview: {{ interview_title }}\", body: \"<p>Dear {{ first_name }}, see you {{ interview_date }}.</p>\" }) { emailTemplate { id } } }",
            json!({}),
        )
        .await,
        "/createEmailTemplate/emailTemplate/id",
    );
    let t_plain = create_template(app, &admin, "Plain").await;
    let send = async |candidates: Vec<&str>, at: Option<String>| {
        app.ok(
            &admin,
            "mutation($c: [ID!]!, $at: DateTime) { sendEmail(input: { candidateIds: $c, subject: \"S\", body: \"<p>B</p>\", scheduledAt: $at }) { message { id } batch { id } } }",
            json!({ "c": candidates, "at": at }),
        )
        .await
    };
    let msg_hidden = id_of(&send(vec![&c_hidden], None).await, "/sendEmail/message/id");
    let tomorrow = (chrono::Utc::now() + chrono::Duration::days(1)).to_rfc3339();
    let msg_hidden_scheduled = id_of(
        &send(vec![&c_hidden], Some(tomorrow)).await,
        "/sendEmail/message/id",
    );
    let batch = id_of(
        &send(vec![&c3, &c_hidden], None).await,
        "/sendEmail/batch/id",
    );
    let pdf = b"%PDF-1.4\n% scoped\n".to_vec();
    let doc_hidden = upload_document(app, "cv.pdf", pdf.clone(), Some(&c_hidden)).await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let doc_company = upload_document(app, "brochure.pdf", pdf, None).await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let admin_token = id_of(
        &app.ok(
            &admin,
            "mutation { createApiToken(input: { name: \"spare\" }) { apiToken { id } } }",
            json!({}),
        )
        .await,
        "/createApiToken/apiToken/id",
    );
    let form_key = app
        .ok(&admin, "{ viewer { company { formKey } } }", json!({}))
        .await["viewer"]["company"]["formKey"]
        .as_str()
        .unwrap()
        .to_owned();

    let other = app.other_company("Rival").await;
    let webhook_input =
        json!({ "i": { "url": "http://127.0.0.1:9/", "eventTypes": ["candidate.created"] } });
    let webhook_create = "mutation($i: CreateWebhookEndpointInput!) { createWebhookEndpoint(input: $i) { endpoint { id } } }";
    let webhook = id_of(
        &app.ok(&admin, webhook_create, webhook_input.clone()).await,
        "/createWebhookEndpoint/endpoint/id",
    );
    let other_webhook = id_of(
        &app.ok(&other, webhook_create, webhook_input).await,
        "/createWebhookEndpoint/endpoint/id",
    );
    let (other_subsidiary, other_category, other_position) = structure(app, &other, "rival").await;
    let other_candidate =
        create_candidate(app, &other, "Rival", "Applicant", "rival@example.com").await;
    let other_application =
        create_application(app, &other, &other_candidate, &other_position).await;
    let other_template = create_template(app, &other, "Rival template").await;
    let other_user = id_of(
        &app.ok(&other, "{ viewer { user { id } } }", json!({}))
            .await,
        "/viewer/user/id",
    );
    let other_document_category = id_of(
        &app.ok(
            &other,
            "mutation { createDocumentCategory(input: { name: \"Rival CV\" }) { documentCategory { id } } }",
            json!({}),
        )
        .await,
        "/createDocumentCategory/documentCategory/id",
    );
    let other_role = id_of(
        &app.ok(&other, "{ recruitingRoles { id } }", json!({}))
            .await,
        "/recruitingRoles/0/id",
    );

    let admin_user = id_of(
        &app.ok(&admin, "{ viewer { user { id } } }", json!({}))
            .await,
        "/viewer/user/id",
    );
    let calendar_file = b"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//t//EN\r\nEND:VCALENDAR\r\n";
    let admin_calendar = id_of(
        &post_calendar(app, &admin, &admin_user, calendar_file.to_vec()).await,
        "/data/uploadCalendarFile/calendar/id",
    );
    let other_calendar = id_of(
        &post_calendar(app, &other, &other_user, calendar_file.to_vec()).await,
        "/data/uploadCalendarFile/calendar/id",
    );
    let [iv_visible, iv_c3_p1, iv_hidden] = <[String; 3]>::try_from(interviews).unwrap();
    let ids = HashMap::from([
        ("subsidiary", sub),
        ("category", cat),
        ("p1", p1),
        ("p2", p2),
        ("c3", c3),
        ("c_hidden", c_hidden),
        ("app_c3_p2", app_c3_p2),
        ("app_c3_p1", app_c3_p1),
        ("app_hidden", app_hidden),
        ("iv_visible", iv_visible),
        ("iv_c3_p1", iv_c3_p1),
        ("iv_hidden", iv_hidden),
        ("t_interview", t_interview),
        ("t_plain", t_plain),
        ("msg_hidden", msg_hidden),
        ("msg_hidden_scheduled", msg_hidden_scheduled),
        ("batch", batch),
        ("doc_hidden", doc_hidden),
        ("doc_company", doc_company),
        ("admin_token", admin_token),
        ("form_key", form_key),
        ("manager_user", manager_user),
        ("other_subsidiary", other_subsidiary),
        ("other_category", other_category),
        ("other_position", other_position),
        ("other_candidate", other_candidate),
        ("other_application", other_application),
        ("other_template", other_template),
        ("other_user", other_user),
        ("other_role", other_role),
        ("other_document_category", other_document_category),
        ("webhook", webhook),
        ("other_webhook", other_webhook),
        ("admin_calendar", admin_calendar),
        ("other_calendar", other_calendar),
        ("start", at(48)),
        ("end", at(49)),
    ]);
    Scoped {
        ids,
        manager,
        interviewer,
    }
}

/// An ID of the same type as `id` for a row that does not exist.
fn made_up(id: &str) -> String {
    use base64::Engine as _;
    use base64::engine::general_purpose::URL_SAFE_NO_PAD;
    let text = String::from_utf8(URL_SAFE_NO_PAD.decode(id).unwrap()).unwrap();
    let (kind, _) = text.split_once(':').unwrap();
    URL_SAFE_NO_PAD.encode(format!("{kind}:987654321"))
}

/// A response as compared between a hidden and a made-up ID: everything but
/// where in the document an error points, which moves with the ID's length.
fn comparable(mut response: Value) -> Value {
    if let Some(errors) = response["errors"].as_array_mut() {
        for error in errors {
            if let Some(error) = error.as_object_mut() {
                error.remove("locations");
            }
        }
    }
    response
}

/// One root field that takes an ID: an operation with `$ID` where the ID
/// under test goes, and the fixture rows to try there.
struct IdCase {
    field: &'static str,
    operation: &'static str,
    hidden: &'static [&'static str],
}

const fn id_case(
    field: &'static str,
    operation: &'static str,
    hidden: &'static [&'static str],
) -> IdCase {
    IdCase {
        field,
        operation,
        hidden,
    }
}

/// Every position, candidate, application, interview, message, template or
/// document a limited caller may not see (and another company's rows).
const EVERY_HIDDEN: &[&str] = &[
    "p1",
    "c_hidden",
    "app_c3_p1",
    "app_hidden",
    "iv_c3_p1",
    "iv_hidden",
    "msg_hidden",
    "batch",
    "doc_hidden",
    "doc_company",
    "t_plain",
    "admin_token",
    "other_subsidiary",
    "other_category",
    "other_position",
    "other_candidate",
    "other_application",
    "other_template",
    "other_user",
    "other_role",
    "other_webhook",
];

/// Webhook endpoints: recruiting admins' only, and per company.
const WEBHOOKS: &[&str] = &["webhook", "other_webhook"];

fn id_cases() -> Vec<IdCase> {
    vec![
        id_case(
            "auditLog",
            "{ auditLog(first: 5, filter: { actorId: \"$ID\" }) { nodes { seq action } } }",
            &["other_user"],
        ),
        id_case(
            "exportCandidateData",
            "mutation { exportCandidateData(input: { candidateId: \"$ID\" }) { export { id } } }",
            &["c_hidden", "other_candidate"],
        ),
        id_case(
            "candidateExports",
            "{ candidateExports(candidateId: \"$ID\") { totalCount } }",
            &["c_hidden", "other_candidate"],
        ),
        id_case(
            "webhookEndpoint",
            "{ webhookEndpoint(id: \"$ID\") { url } }",
            WEBHOOKS,
        ),
        id_case(
            "webhookDeliveries",
            "{ webhookDeliveries(endpointId: \"$ID\") { totalCount } }",
            WEBHOOKS,
        ),
        id_case(
            "updateWebhookEndpoint",
            "mutation { updateWebhookEndpoint(input: { id: \"$ID\", description: \"x\" }) { endpoint { id } } }",
            WEBHOOKS,
        ),
        id_case(
            "deleteWebhookEndpoint",
            "mutation { deleteWebhookEndpoint(input: { id: \"$ID\" }) { deletedId } }",
            WEBHOOKS,
        ),
        id_case(
            "rotateWebhookSecret",
            "mutation { rotateWebhookSecret(input: { id: \"$ID\" }) { secret } }",
            WEBHOOKS,
        ),
        id_case(
            "replayWebhookEvents",
            "mutation { replayWebhookEvents(input: { endpointId: \"$ID\", since: \"$start\" }) { queued } }",
            WEBHOOKS,
        ),
        id_case(
            "sendTestWebhook",
            "mutation { sendTestWebhook(input: { endpointId: \"$ID\" }) { delivery { id } } }",
            WEBHOOKS,
        ),
        // Queries.
        id_case("node", "{ node(id: \"$ID\") { id } }", EVERY_HIDDEN),
        id_case(
            "candidate",
            "{ candidate(id: \"$ID\") { id firstName } }",
            &["c_hidden", "other_candidate"],
        ),
        id_case(
            "candidates",
            "{ candidates(first: 50, filter: { positionId: \"$ID\" }) { totalCount nodes { id firstName lastName email } } }",
            &["p1", "other_position"],
        ),
        id_case(
            "applications",
            "{ applications(first: 50, filter: { positionId: \"$ID\" }) { totalCount nodes { id } } }",
            &["p1", "other_position"],
        ),
        id_case(
            "applications",
            "{ applications(first: 50, filter: { candidateId: \"$ID\" }) { totalCount nodes { id } } }",
            &["c_hidden", "other_candidate"],
        ),
        id_case(
            "positions",
            "{ positions(first: 50, filter: { subsidiaryId: \"$ID\" }) { totalCount nodes { id } } }",
            &["other_subsidiary"],
        ),
        id_case(
            "positions",
            "{ positions(first: 50, filter: { categoryId: \"$ID\" }) { totalCount nodes { id } } }",
            &["other_category"],
        ),
        id_case(
            "interview",
            "{ interview(id: \"$ID\") { id title } }",
            &["iv_c3_p1", "iv_hidden"],
        ),
        id_case(
            "interviews",
            "{ interviews(first: 50, filter: { candidateId: \"$ID\" }) { totalCount nodes { id } } }",
            &["c_hidden", "other_candidate"],
        ),
        id_case(
            "interviews",
            "{ interviews(first: 50, filter: { participantId: \"$ID\" }) { totalCount nodes { id } } }",
            &["other_user"],
        ),
        id_case(
            "message",
            "{ message(id: \"$ID\") { id subject } }",
            &["msg_hidden"],
        ),
        id_case(
            "emailBatch",
            "{ emailBatch(id: \"$ID\") { id total } }",
            &["batch"],
        ),
        id_case(
            "messages",
            "{ messages(first: 50, filter: { candidateId: \"$ID\" }) { totalCount nodes { id subject candidate { id } batch { id } } } }",
            &["c_hidden", "other_candidate"],
        ),
        id_case(
            "emailTemplate",
            "{ emailTemplate(id: \"$ID\") { id subject body } }",
            &["t_plain", "other_template"],
        ),
        id_case(
            "previewEmail",
            "{ previewEmail(input: { templateId: \"$ID\", candidateId: \"$c3\", interviewId: \"$iv_visible\" }) { subject text } }",
            &["t_plain", "other_template"],
        ),
        id_case(
            "previewEmail",
            "{ previewEmail(input: { subject: \"S\", body: \"<p>{{ position_name }}</p>\", candidateId: \"$ID\", interviewId: \"$iv_visible\" }) { subject text } }",
            &["c_hidden", "other_candidate"],
        ),
        id_case(
            "previewEmail",
            "{ previewEmail(input: { subject: \"S\", body: \"<p>{{ position_name }}</p>\", candidateId: \"$c3\", applicationId: \"$ID\" }) { subject text } }",
            &["app_c3_p1", "app_hidden", "other_application"],
        ),
        id_case(
            "previewEmail",
            "{ previewEmail(input: { subject: \"S\", body: \"<p>{{ position_name }}</p>\", candidateId: \"$c3\", interviewId: \"$ID\" }) { subject text } }",
            &["iv_c3_p1", "iv_hidden"],
        ),
        // Company structure and people: recruiting admins only.
        id_case(
            "createPosition",
            "mutation { createPosition(input: { name: \"P\", subsidiaryId: \"$ID\", categoryId: \"$category\" }) { position { id } } }",
            &["other_subsidiary"],
        ),
        id_case(
            "updatePosition",
            "mutation { updatePosition(input: { id: \"$ID\", name: \"Renamed\" }) { position { id } } }",
            &["p1", "other_position"],
        ),
        id_case(
            "deletePosition",
            "mutation { deletePosition(input: { id: \"$ID\" }) { deletedId } }",
            &["p1", "other_position"],
        ),
        id_case(
            "updateSubsidiary",
            "mutation { updateSubsidiary(input: { id: \"$ID\", name: \"Renamed\" }) { subsidiary { id } } }",
            &["other_subsidiary"],
        ),
        id_case(
            "deleteSubsidiary",
            "mutation { deleteSubsidiary(input: { id: \"$ID\" }) { deletedId } }",
            &["other_subsidiary"],
        ),
        id_case(
            "updateCategory",
            "mutation { updateCategory(input: { id: \"$ID\", name: \"Renamed\" }) { category { id } } }",
            &["other_category"],
        ),
        id_case(
            "deleteCategory",
            "mutation { deleteCategory(input: { id: \"$ID\" }) { deletedId } }",
            &["other_category"],
        ),
        id_case(
            "updateCategoryAutoReply",
            "mutation { updateCategoryAutoReply(input: { categoryId: \"$category\", templateId: \"$ID\" }) { category { id } } }",
            &["t_plain", "other_template"],
        ),
        id_case(
            "updateInterviewReminders",
            "mutation { updateInterviewReminders(input: { candidateTemplateId: \"$ID\", candidateHoursBefore: 24 }) { interviewReminders { candidateHoursBefore } } }",
            &["t_plain", "other_template"],
        ),
        id_case(
            "updateRecruitingEmailSettings",
            "mutation { updateRecruitingEmailSettings(input: { subsidiaryId: \"$ID\", emailDisplayName: \"Jobs\" }) { subsidiary { id } } }",
            &["other_subsidiary"],
        ),
        id_case(
            "testSmtpConnection",
            "mutation { testSmtpConnection(input: { subsidiaryId: \"$ID\" }) { result { success } } }",
            &["other_subsidiary"],
        ),
        id_case(
            "createUser",
            "mutation { createUser(input: { email: \"new.user@acme.example\", displayName: \"U\", roleIds: [\"$ID\"] }) { user { id } } }",
            &["other_role"],
        ),
        id_case(
            "updateUser",
            "mutation { updateUser(input: { id: \"$ID\", displayName: \"U\" }) { user { id } } }",
            &["other_user"],
        ),
        id_case(
            "createRecruitingRole",
            "mutation { createRecruitingRole(input: { name: \"R\", documentPermissions: [{ documentCategoryId: \"$ID\", access: VIEW }] }) { role { id } } }",
            &["other_document_category"],
        ),
        id_case(
            "updateRecruitingRole",
            "mutation { updateRecruitingRole(input: { id: \"$ID\", name: \"R\" }) { role { id } } }",
            &["other_role"],
        ),
        id_case(
            "assignRole",
            "mutation { assignRole(input: { userId: \"$manager_user\", roleId: \"$ID\" }) { user { id } } }",
            &["other_role"],
        ),
        id_case(
            "unassignRole",
            "mutation { unassignRole(input: { userId: \"$manager_user\", roleId: \"$ID\" }) { user { id } } }",
            &["other_role"],
        ),
        id_case(
            "createApiToken",
            "mutation { createApiToken(input: { name: \"t\", userId: \"$ID\" }) { token } }",
            &["other_user"],
        ),
        id_case(
            "revokeApiToken",
            "mutation { revokeApiToken(input: { id: \"$ID\" }) { apiToken { id } } }",
            &["admin_token"],
        ),
        // Candidates and applications.
        id_case(
            "updateCandidate",
            "mutation { updateCandidate(input: { id: \"$ID\", phone: \"+1 555\" }) { candidate { id } } }",
            &["c_hidden", "other_candidate"],
        ),
        id_case(
            "deleteCandidate",
            "mutation { deleteCandidate(input: { id: \"$ID\" }) { deletedCandidateId } }",
            &["c_hidden", "other_candidate"],
        ),
        id_case(
            "eraseCandidate",
            "mutation { eraseCandidate(input: { id: \"$ID\", mode: ANONYMISE }) { candidateId } }",
            &["c_hidden", "other_candidate"],
        ),
        id_case(
            "createApplication",
            "mutation { createApplication(input: { candidateId: \"$c3\", positionId: \"$ID\" }) { application { id } } }",
            &["p1", "other_position"],
        ),
        id_case(
            "createApplication",
            "mutation { createApplication(input: { candidateId: \"$ID\", positionId: \"$p2\" }) { application { id } } }",
            &["c_hidden", "other_candidate"],
        ),
        id_case(
            "updateApplicationStatus",
            "mutation { updateApplicationStatus(input: { id: \"$ID\", status: IN_PROCESS }) { application { id } } }",
            &["app_c3_p1", "app_hidden", "other_application"],
        ),
        id_case(
            "submitApplication",
            "mutation { submitApplication(input: { formKey: \"$form_key\", positionId: \"$ID\", firstName: \"Pat\", lastName: \"Public\", email: \"pat@example.com\" }) { received } }",
            &["other_position"],
        ),
        // Templates: recruiting admins only.
        id_case(
            "createEmailTemplate",
            "mutation { createEmailTemplate(input: { name: \"T\", subject: \"S\", body: \"<p>B</p>\", documentIds: [\"$ID\"] }) { emailTemplate { id } } }",
            &["doc_hidden"],
        ),
        id_case(
            "updateEmailTemplate",
            "mutation { updateEmailTemplate(input: { id: \"$ID\", subject: \"S\" }) { emailTemplate { id } } }",
            &["t_plain", "other_template"],
        ),
        id_case(
            "deleteEmailTemplate",
            "mutation { deleteEmailTemplate(input: { id: \"$ID\" }) { deletedId } }",
            &["t_plain", "other_template"],
        ),
        // Mail.
        id_case(
            "sendEmail",
            "mutation { sendEmail(input: { candidateIds: [\"$ID\"], subject: \"S\", body: \"<p>B</p>\", cc: [\"spy@example.org\"] }) { message { id } } }",
            &["c_hidden", "other_candidate"],
        ),
        id_case(
            "sendEmail",
            "mutation { sendEmail(input: { candidateIds: [\"$c3\", \"$ID\"], subject: \"S\", body: \"<p>B</p>\" }) { batch { id } } }",
            &["c_hidden", "other_candidate"],
        ),
        id_case(
            "sendEmail",
            "mutation { sendEmail(input: { applicationIds: [\"$ID\"], subject: \"S\", body: \"<p>{{ position_name }}</p>\" }) { message { id } } }",
            &["app_c3_p1", "app_hidden", "other_application"],
        ),
        id_case(
            "sendEmail",
            "mutation { sendEmail(input: { candidateIds: [\"$c3\"], templateId: \"$ID\", cc: [\"spy@example.org\"] }) { message { id } } }",
            &["t_plain", "other_template"],
        ),
        id_case(
            "sendEmail",
            "mutation { sendEmail(input: { candidateIds: [\"$c3\"], subject: \"S\", body: \"<p>B</p>\", attachmentIds: [\"$ID\"] }) { message { id } } }",
            &["doc_hidden", "doc_company"],
        ),
        id_case(
            "sendEmail",
            "mutation { sendEmail(input: { candidateIds: [\"$c3\"], subject: \"S\", body: \"<p>B</p>\", inReplyToId: \"$ID\" }) { message { id } } }",
            &["msg_hidden"],
        ),
        id_case(
            "assignMessage",
            "mutation { assignMessage(input: { messageId: \"$ID\", candidateId: \"$c3\" }) { message { id } } }",
            &["msg_hidden"],
        ),
        id_case(
            "assignMessage",
            "mutation { assignMessage(input: { messageId: \"$msg_hidden\", candidateId: \"$ID\" }) { message { id } } }",
            &["c_hidden", "other_candidate"],
        ),
        id_case(
            "cancelScheduledMessage",
            "mutation { cancelScheduledMessage(input: { id: \"$ID\" }) { message { status } } }",
            &["msg_hidden_scheduled"],
        ),
        id_case(
            "cancelMessage",
            "mutation { cancelMessage(input: { messageId: \"$ID\" }) { changed message { status } alreadySending { id } } }",
            &["msg_hidden_scheduled"],
        ),
        id_case(
            "sendMessageNow",
            "mutation { sendMessageNow(input: { messageId: \"$ID\" }) { changed message { status } } }",
            &["msg_hidden_scheduled"],
        ),
        id_case(
            "rescheduleMessage",
            "mutation { rescheduleMessage(input: { messageId: \"$ID\", scheduledAt: \"$start\" }) { changed message { status } } }",
            &["msg_hidden_scheduled"],
        ),
        id_case(
            "retryMessage",
            "mutation { retryMessage(input: { messageId: \"$ID\" }) { changed message { status } } }",
            &["msg_hidden"],
        ),
        id_case(
            "cancelEmailBatch",
            "mutation { cancelEmailBatch(input: { batchId: \"$ID\" }) { changed batch { id } alreadySending { id } } }",
            &["batch"],
        ),
        id_case(
            "markMessagesRead",
            "mutation { markMessagesRead(input: { messageIds: [\"$ID\"] }) { changed messages { id } } }",
            &["msg_hidden"],
        ),
        // Documents.
        id_case(
            "documents",
            "{ documents(first: 50, filter: { candidateId: \"$ID\" }) { totalCount nodes { id fileName } } }",
            &["c_hidden", "other_candidate"],
        ),
        id_case(
            "documents",
            "{ documents(first: 50, filter: { documentCategoryId: \"$ID\" }) { totalCount nodes { id fileName } } }",
            &["other_document_category"],
        ),
        id_case(
            "updateDocument",
            "mutation { updateDocument(input: { id: \"$ID\", fileName: \"renamed.pdf\" }) { document { id } } }",
            &["doc_hidden", "doc_company"],
        ),
        id_case(
            "updateDocument",
            "mutation { updateDocument(input: { id: \"$doc_company\", documentCategoryId: \"$ID\" }) { document { id } } }",
            &["other_document_category"],
        ),
        id_case(
            "deleteDocument",
            "mutation { deleteDocument(input: { id: \"$ID\" }) { deletedId } }",
            &["doc_hidden", "doc_company"],
        ),
        id_case(
            "setReceivedDocumentCategory",
            "mutation { setReceivedDocumentCategory(input: { documentCategoryId: \"$ID\" }) { company { id } } }",
            &["other_document_category"],
        ),
        // Interviews.
        id_case(
            "scheduleInterview",
            "mutation { scheduleInterview(input: { applicationId: \"$ID\", title: \"T\", startsAt: \"$start\", endsAt: \"$end\", timeZone: \"UTC\", location: \"Here\" }) { interview { id } } }",
            &["app_c3_p1", "app_hidden", "other_application"],
        ),
        id_case(
            "scheduleInterview",
            "mutation { scheduleInterview(input: { applicationId: \"$app_c3_p2\", title: \"T\", startsAt: \"$start\", endsAt: \"$end\", timeZone: \"UTC\", location: \"Here\", participantIds: [\"$ID\"] }) { interview { id } } }",
            &["other_user"],
        ),
        id_case(
            "suggestInterviewSlots",
            "{ suggestInterviewSlots(input: { participantIds: [\"$ID\"], durationMinutes: 30, from: \"$start\", to: \"$end\", timeZone: \"UTC\" }) { slots { startsAt } } }",
            &["other_user"],
        ),
        id_case(
            "rescheduleInterview",
            "mutation { rescheduleInterview(input: { interviewId: \"$ID\", startsAt: \"$start\", endsAt: \"$end\" }) { interview { id } } }",
            &["iv_c3_p1", "iv_hidden"],
        ),
        id_case(
            "rescheduleInterview",
            "mutation { rescheduleInterview(input: { interviewId: \"$iv_visible\", startsAt: \"$start\", endsAt: \"$end\", participantIds: [\"$ID\"] }) { interview { id } } }",
            &["other_user"],
        ),
        id_case(
            "cancelInterview",
            "mutation { cancelInterview(input: { interviewId: \"$ID\", notifyCandidate: true }) { interview { status } } }",
            &["iv_c3_p1", "iv_hidden"],
        ),
        id_case(
            "sendInterviewInvitation",
            "mutation { sendInterviewInvitation(input: { interviewId: \"$ID\", subject: \"S\", body: \"<p>B</p>\" }) { interview { id } } }",
            &["iv_c3_p1", "iv_hidden"],
        ),
        id_case(
            "sendInterviewInvitation",
            "mutation { sendInterviewInvitation(input: { interviewId: \"$iv_visible\", templateId: \"$ID\", cc: [\"spy@example.org\"] }) { interview { id } } }",
            &["t_plain", "other_template"],
        ),
        id_case(
            "sendInterviewInvitation",
            "mutation { sendInterviewInvitation(input: { interviewId: \"$iv_visible\", subject: \"S\", body: \"<p>B</p>\", attachmentIds: [\"$ID\"] }) { interview { id } } }",
            &["doc_hidden", "doc_company"],
        ),
        id_case(
            "setWorkingHours",
            "mutation { setWorkingHours(input: { userId: \"$ID\", timeZone: \"UTC\", weekly: [] }) { user { id } } }",
            &["other_user"],
        ),
        id_case(
            "clearWorkingHours",
            "mutation { clearWorkingHours(input: { userId: \"$ID\" }) { user { id } } }",
            &["other_user"],
        ),
        id_case(
            "setAvailabilityOverride",
            "mutation { setAvailabilityOverride(input: { userId: \"$ID\", date: \"$override_date\", spans: [] }) { user { id } } }",
            &["other_user"],
        ),
        id_case(
            "removeAvailabilityOverride",
            "mutation { removeAvailabilityOverride(input: { userId: \"$ID\", date: \"$override_date\" }) { user { id } } }",
            &["other_user"],
        ),
        id_case(
            "addCalendarFeed",
            "mutation { addCalendarFeed(input: { userId: \"$ID\", url: \"http://127.0.0.1:9/feed.ics\" }) { calendar { id } } }",
            &["other_user"],
        ),
        id_case(
            "refreshCalendarFeed",
            "mutation { refreshCalendarFeed(input: { id: \"$ID\" }) { calendar { id } } }",
            &["admin_calendar", "other_calendar"],
        ),
        id_case(
            "removeExternalCalendar",
            "mutation { removeExternalCalendar(input: { id: \"$ID\" }) { deletedId } }",
            &["admin_calendar", "other_calendar"],
        ),
        id_case(
            "schedulingLinks",
            "{ schedulingLinks(applicationId: \"$ID\") { interviewId from to } }",
            &["app_c3_p1", "app_hidden", "other_application"],
        ),
        id_case(
            "createSchedulingLink",
            "mutation { createSchedulingLink(input: { applicationId: \"$ID\", participantIds: [\"$manager_user\"], durationMinutes: 30, from: \"$start\", to: \"$end\", expiresAt: \"$end\", location: \"Here\" }) { url } }",
            &["app_c3_p1", "app_hidden", "other_application"],
        ),
        id_case(
            "createSchedulingLink",
            "mutation { createSchedulingLink(input: { applicationId: \"$app_c3_p2\", participantIds: [\"$ID\"], durationMinutes: 30, from: \"$start\", to: \"$end\", expiresAt: \"$end\", location: \"Here\" }) { url } }",
            &["other_user"],
        ),
        id_case(
            "createSchedulingLink",
            "mutation { createSchedulingLink(input: { applicationId: \"$app_c3_p2\", participantIds: [\"$manager_user\"], durationMinutes: 30, from: \"$start\", to: \"$end\", expiresAt: \"$end\", location: \"Here\", templateId: \"$ID\" }) { url } }",
            &["t_plain", "other_template"],
        ),
        id_case(
            "withdrawApplication",
            "mutation { withdrawApplication(input: { token: \"rmp_1_x\", applicationId: \"$ID\" }) { application { id } } }",
            &["app_c3_p1", "app_hidden", "other_application"],
        ),
        // Recruiting admins' only: the limited callers are refused before
        // any lookup; another company's request is tried in privacy_page.rs.
        id_case(
            "resolvePrivacyRequest",
            "mutation { resolvePrivacyRequest(input: { id: \"$ID\" }) { request { id } } }",
            &[],
        ),
        id_case(
            "recordInvitationResponse",
            "mutation { recordInvitationResponse(input: { interviewId: \"$ID\", status: ACCEPTED }) { interview { id } } }",
            &["iv_c3_p1", "iv_hidden"],
        ),
        id_case(
            "updateRetentionSettings",
            "mutation { updateRetentionSettings(input: { subsidiaries: [{ subsidiaryId: \"$ID\", daysAfterClose: 30 }] }) { retentionSettings { daysWithoutApplication } } }",
            &["other_subsidiary"],
        ),
        id_case(
            "setCandidateLegalHold",
            "mutation { setCandidateLegalHold(input: { id: \"$ID\", hold: true, reason: \"r\" }) { candidate { id } } }",
            &["c_hidden", "other_candidate"],
        ),
        id_case(
            "revokePrivacyLinks",
            "mutation { revokePrivacyLinks(input: { candidateId: \"$ID\" }) { candidate { id } } }",
            &["c_hidden", "other_candidate"],
        ),
    ]
}

/// The generic check: for every root field that takes an ID, each row a
/// limited caller may not see gets exactly the answer a made-up ID of the
/// same type gets (data, `totalCount`, error code and message). The list of
/// fields comes from the schema, so a new field needs a case here.
#[tokio::test]
async fn a_hidden_id_answers_exactly_like_a_made_up_one_for_every_field() {
    on_each_backend(async |app| {
        let fixture = scoped_fixture(&app).await;
        let cases = id_cases();
        let covered: std::collections::BTreeSet<String> = cases
            .iter()
            .map(|c| c.field.to_owned())
            .chain(["uploadDocument".to_owned(), "uploadCalendarFile".to_owned()])
            .collect();
        let taking_ids = fields_taking_ids(&app).await;
        let missing: Vec<_> = taking_ids.difference(&covered).collect();
        assert!(
            missing.is_empty(),
            "fields taking an ID without a hidden-ID case: {missing:?}"
        );
        let mut differences = Vec::new();
        let mut compared = 0;
        for caller in [Limited::Manager, Limited::InterviewsOnly] {
            let token = fixture.token(caller);
            for case in &cases {
                for name in case.hidden.iter().filter(|n| Scoped::hidden(caller, n)) {
                    let hidden = &fixture.ids[name];
                    let with_hidden = fixture.fill(case.operation, hidden);
                    let with_made_up = fixture.fill(case.operation, &made_up(hidden));
                    let seen = comparable(app.gql(Some(token), &with_hidden, json!({})).await);
                    let invented =
                        comparable(app.gql(Some(token), &with_made_up, json!({})).await);
                    compared += 1;
                    if seen != invented {
                        differences.push(format!(
                            "{caller:?}, {name} in `{}`:\n  hidden:   {seen}\n  made up:  {invented}",
                            case.operation
                        ));
                    }
                }
            }
            // Calendar uploads, for another company's user.
            let other_user = &fixture.ids["other_user"];
            let calendar_file = b"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nEND:VCALENDAR\r\n".to_vec();
            let seen = comparable(post_calendar(&app, token, other_user, calendar_file.clone()).await);
            let invented =
                comparable(post_calendar(&app, token, &made_up(other_user), calendar_file).await);
            compared += 1;
            if seen != invented {
                differences.push(format!(
                    "{caller:?}, other_user in uploadCalendarFile:\n  hidden:   {seen}\n  made up:  {invented}"
                ));
            }
            // Uploads are multipart requests, so they go apart.
            for name in ["c_hidden", "other_candidate"] {
                let hidden = &fixture.ids[name];
                let upload = async |candidate: &str| -> Value {
                    let response =
                        post_upload_as(&app, token, "cv.pdf", b"%PDF-1.4\n".to_vec(), Some(candidate))
                            .await;
                    comparable(response.json().await.unwrap())
                };
                let (seen, invented) = (upload(hidden).await, upload(&made_up(hidden)).await);
                compared += 1;
                if seen != invented {
                    differences.push(format!(
                        "{caller:?}, {name} in uploadDocument:\n  hidden:   {seen}\n  made up:  {invented}"
                    ));
                }
            }
        }
        assert!(compared > 100, "only {compared} comparisons ran");
        assert!(
            differences.is_empty(),
            "{:?}: {} hidden IDs answered unlike made-up ones:\n{}",
            app.backend,
            differences.len(),
            differences.join("\n")
        );
    })
    .await;
}

#[tokio::test]
async fn a_position_hidden_from_a_hiring_manager_names_none_of_their_candidates() {
    on_each_backend(async |app| {
        let admin = app.admin.clone();
        let (sub, cat, p1) = structure(&app, &admin, "issue").await;
        let (manager_user, _, manager) = user_with_role(
            &app,
            &admin,
            "Candidates Manager",
            json!({ "sections": ["CANDIDATES"], "assignedPositionsOnly": true }),
        )
        .await;
        let p2 = create_position(&app, &admin, &sub, &cat, "Their position", &[&manager_user]).await;
        let c3 = create_candidate(&app, &admin, "Cleo", "Both", "cleo@example.com").await;
        create_application(&app, &admin, &c3, &p2).await;
        create_application(&app, &admin, &c3, &p1).await;

        let positions = app.ok(&manager, "{ positions { nodes { id } } }", json!({})).await;
        assert_eq!(positions["positions"]["nodes"], json!([{ "id": p2 }]));
        let node = app
            .error_code(Some(&manager), "query($id: ID!) { node(id: $id) { id } }", json!({ "id": p1 }))
            .await;
        assert_eq!(node, "NOT_FOUND");
        let applications = app
            .ok(
                &manager,
                "query($p: ID!) { applications(filter: { positionId: $p }) { totalCount } }",
                json!({ "p": p1 }),
            )
            .await;
        assert_eq!(applications["applications"]["totalCount"], 0);

        const CANDIDATES: &str = "query($p: ID!) { candidates(first: 50, filter: { positionId: $p }) { totalCount nodes { id firstName lastName email } } }";
        let through_hidden = app.gql(Some(&manager), CANDIDATES, json!({ "p": p1 })).await;
        let through_made_up = app
            .gql(Some(&manager), CANDIDATES, json!({ "p": made_up(&p1) }))
            .await;
        assert_eq!(
            through_hidden["data"]["candidates"],
            json!({ "totalCount": 0, "nodes": [] }),
            "{through_hidden:#}"
        );
        assert_eq!(through_hidden, through_made_up);
        // Their own position still finds the candidate.
        let through_own = app.ok(&manager, CANDIDATES, json!({ "p": p2 })).await;
        assert_eq!(through_own["candidates"]["totalCount"], 1);
        assert_eq!(through_own["candidates"]["nodes"][0]["id"], json!(c3));
    })
    .await;
}

#[tokio::test]
async fn the_interviews_section_alone_reads_and_sends_only_interview_templates() {
    on_each_backend(async |app| {
        let fixture = scoped_fixture(&app).await;
        let admin = app.admin.clone();
        let interviewer = fixture.token(Limited::InterviewsOnly).to_owned();
        let id = |name: &str| fixture.ids[name].clone();
        let (t_interview, t_plain) = (id("t_interview"), id("t_plain"));

        let listed = app
            .ok(&interviewer, "{ emailTemplates { totalCount nodes { id interviewRelated } } }", json!({}))
            .await;
        assert_eq!(
            listed["emailTemplates"],
            json!({ "totalCount": 1, "nodes": [{ "id": t_interview, "interviewRelated": true }] })
        );
        const READ: &str = "query($t: ID!) { emailTemplate(id: $t) { id } }";
        app.ok(&interviewer, READ, json!({ "t": t_interview })).await;
        assert_eq!(
            app.error_code(Some(&interviewer), READ, json!({ "t": t_plain })).await,
            "NOT_FOUND"
        );

        const PREVIEW: &str = "query($i: PreviewEmailInput!) { previewEmail(input: $i) { subject } }";
        let preview = app
            .ok(
                &interviewer,
                PREVIEW,
                json!({ "i": { "templateId": t_interview, "candidateId": id("c3"), "interviewId": id("iv_visible") } }),
            )
            .await;
        assert_eq!(preview["previewEmail"]["subject"], "Interview: Talk");
        // Only invitations: their template previews before an interview is
        // chosen, free text without an interview needs MESSAGES.
        let unfilled = app
            .ok(
                &interviewer,
                PREVIEW,
                json!({ "i": { "templateId": t_interview, "candidateId": id("c3") } }),
            )
            .await;
        assert_eq!(unfilled["previewEmail"]["subject"], "Interview:");
        let code = app
            .error_code(
                Some(&interviewer),
                PREVIEW,
                json!({ "i": { "subject": "S", "body": "<p>B</p>", "candidateId": id("c3") } }),
            )
            .await;
        assert_eq!(code, "FORBIDDEN");

        // The plain template's text reaches no one, whatever the CC says.
        const INVITE: &str = "mutation($i: SendInterviewInvitationInput!) { sendInterviewInvitation(input: $i) { interview { invitationStatus } } }";
        const THREAD: &str = "query($c: ID!) { candidate(id: $c) { messages { totalCount } } }";
        let before = app.ok(&admin, THREAD, json!({ "c": id("c3") })).await;
        let invite = |template: String| json!({ "i": { "interviewId": id("iv_visible"), "templateId": template, "cc": ["spy@example.org"] } });
        let refused = app.gql(Some(&interviewer), INVITE, invite(t_plain.clone())).await;
        assert_eq!(first_code(&refused).as_deref(), Some("NOT_FOUND"), "{refused:#}");
        let made_up_answer = app.gql(Some(&interviewer), INVITE, invite(made_up(&t_plain))).await;
        assert_eq!(comparable(refused), comparable(made_up_answer));
        assert_eq!(app.ok(&admin, THREAD, json!({ "c": id("c3") })).await, before);
        // The interview template is theirs to send.
        app.ok(&interviewer, INVITE, invite(t_interview.clone())).await;
        let after = app.ok(&admin, THREAD, json!({ "c": id("c3") })).await;
        assert_eq!(
            after["candidate"]["messages"]["totalCount"],
            before["candidate"]["messages"]["totalCount"].as_i64().unwrap() + 1
        );

        // Neither MESSAGES nor INTERVIEWS: no template at all.
        let (_, _, candidates_only) = user_with_role(
            &app,
            &admin,
            "Sourcer",
            json!({ "sections": ["CANDIDATES"] }),
        )
        .await;
        for (query, variables) in [
            ("{ emailTemplates { totalCount } }", json!({})),
            (READ, json!({ "t": t_interview })),
        ] {
            assert_eq!(
                app.error_code(Some(&candidates_only), query, variables).await,
                "FORBIDDEN",
                "{query}"
            );
        }
    })
    .await;
}

/// Who tries the document paths: roles with the CANDIDATES, MESSAGES and
/// INTERVIEWS sections and VIEW, EDIT or no right on the "CV" category; a
/// hiring manager with EDIT on it but assigned to another position than the
/// candidate's; and another company's admin. The editor goes last, because
/// it is the one that deletes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum DocumentCaller {
    Viewer,
    Neither,
    OutsideManager,
    OtherCompany,
    Editor,
}

/// What a document path did for one caller.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Seen {
    /// Succeeded, and the document was there (or the write was made).
    Yes,
    /// Succeeded, without the document in it.
    Hidden,
    /// Refused with this code (for the file endpoint: the HTTP status).
    Refused(&'static str),
}

#[tokio::test]
async fn every_document_path_obeys_the_category_rights() {
    use DocumentCaller::*;
    use Seen::{Hidden, Refused, Yes};
    on_each_backend(async |app| {
        let admin = app.admin.clone();
        let (_, _, p1) = structure(&app, &admin, "docs").await;
        let (sub, cat, _) = structure(&app, &admin, "other").await;
        let cvs = crate::helpers::create_document_category(&app, &admin, "CV").await;
        let candidate = create_candidate(&app, &admin, "Ada", "Lovelace", "ada@example.com").await;
        let application = create_application(&app, &admin, &candidate, &p1).await;
        let upload = |name: &'static str| crate::documents::candidate_document(
            &app, &admin, &candidate, Some(&cvs), name, "application/pdf", crate::documents::pdf_bytes(),
        );
        let document = upload("cv.pdf").await;
        let doomed = upload("old-cv.pdf").await;
        let later = (chrono::Utc::now() + chrono::TimeDelta::days(2)).to_rfc3339();
        let message = app
            .ok(
                &admin,
                "mutation($c: ID!, $d: ID!, $at: DateTime!) { sendEmail(input: { candidateIds: [$c], subject: \"S\", body: \"<p>B</p>\", attachmentIds: [$d], scheduledAt: $at }) { message { id } } }",
                json!({ "c": candidate, "d": document, "at": later }),
            )
            .await["sendEmail"]["message"]["id"]
            .clone();
        let starts = chrono::Utc::now() + chrono::TimeDelta::days(3);
        let interview = app
            .ok(
                &admin,
                "mutation($a: ID!, $s: DateTime!, $e: DateTime!) { scheduleInterview(input: { applicationId: $a, title: \"T\", startsAt: $s, endsAt: $e, timeZone: \"UTC\", location: \"Here\" }) { interview { id } } }",
                json!({ "a": application, "s": starts.to_rfc3339(), "e": (starts + chrono::TimeDelta::hours(1)).to_rfc3339() }),
            )
            .await["scheduleInterview"]["interview"]["id"]
            .clone();

        let sections = json!(["CANDIDATES", "MESSAGES", "INTERVIEWS"]);
        let rights = |access: Option<&str>, limited: bool| {
            let permissions: Vec<Value> = access
                .map(|a| json!({ "documentCategoryId": cvs, "access": a }))
                .into_iter()
                .collect();
            json!({ "sections": sections, "assignedPositionsOnly": limited, "documentPermissions": permissions })
        };
        let (_, _, viewer) = user_with_role(&app, &admin, "Doc viewer", rights(Some("VIEW"), false)).await;
        let (_, _, editor) = user_with_role(&app, &admin, "Doc editor", rights(Some("EDIT"), false)).await;
        let (_, _, neither) = user_with_role(&app, &admin, "Doc nobody", rights(None, false)).await;
        let (manager_id, _, manager) =
            user_with_role(&app, &admin, "Doc manager", rights(Some("EDIT"), true)).await;
        create_position(&app, &admin, &sub, &cat, "Managed elsewhere", &[&manager_id]).await;
        let other = app.other_company("Umbrella").await;
        let token = |caller: DocumentCaller| match caller {
            Viewer => viewer.clone(),
            Editor => editor.clone(),
            Neither => neither.clone(),
            OutsideManager => manager.clone(),
            OtherCompany => other.clone(),
        };

        // Each path, and what it did, from the response.
        let contains = |v: &Value| v.to_string().contains(document.as_str());
        let graphql = async |caller: DocumentCaller, query: &str, vars: Value, check: &dyn Fn(&Value) -> bool| {
            let response = app.gql(Some(&token(caller)), query, vars).await;
            match first_code(&response) {
                Some(code) => Refused(leak(code)),
                None if check(&response["data"]) => Yes,
                None => Hidden,
            }
        };
        let callers = [Viewer, Neither, OutsideManager, OtherCompany, Editor];
        let mut differences = Vec::new();
        let mut expect = |path: &str, caller: DocumentCaller, got: Seen, want: Seen| {
            if got != want {
                differences.push(format!("{path} as {caller:?}: got {got:?}, expected {want:?}"));
            }
        };
        for caller in callers {
            // [Viewer, Neither, OutsideManager, OtherCompany, Editor]
            let pick = |outcomes: [Seen; 5]| outcomes[callers.iter().position(|c| *c == caller).unwrap_or(0)];
            let nf = Refused("NOT_FOUND");
            let forbidden = Refused("FORBIDDEN");

            let got = graphql(caller, "query($id: ID!) { candidate(id: $id) { documents { totalCount nodes { id } } } }", json!({ "id": candidate }), &contains).await;
            expect("Candidate.documents", caller, got, pick([Yes, Hidden, nf, nf, Yes]));

            let got = graphql(caller, "query($id: ID!) { node(id: $id) { ... on Message { attachments { id } } } }", json!({ "id": message }), &contains).await;
            expect("Message.attachments", caller, got, pick([Yes, Hidden, nf, nf, Yes]));

            let got = graphql(caller, "{ documents(first: 50) { totalCount nodes { id } } }", json!({}), &contains).await;
            expect("documents", caller, got, pick([Yes, Hidden, Hidden, Hidden, Yes]));

            let got = graphql(caller, "query($id: ID!) { node(id: $id) { ... on Document { url } } }", json!({ "id": document }), &|d: &Value| d["node"]["url"].is_string()).await;
            expect("Document.url", caller, got, pick([Yes, nf, nf, nf, Yes]));

            // The file endpoint: the caller's own link when they get one, else
            // one signed with the server's key for them.
            let response = app.gql(Some(&token(caller)), "query($id: ID!) { node(id: $id) { ... on Document { url } } }", json!({ "id": document })).await;
            let url = match response["data"]["node"]["url"].as_str() {
                Some(url) => url.to_owned(),
                None => forged_link(&app, &token(caller), &document).await,
            };
            let status = crate::documents::open(&app, &url, None).await.status();
            let got = if status == 200 { Yes } else { Refused(leak(status.as_str().to_owned())) };
            expect("GET /files", caller, got, pick([Yes, Refused("403"), Refused("403"), Refused("403"), Yes]));

            let uploaded = crate::helpers::upload_file(
                &app,
                &token(caller),
                crate::helpers::FileUpload { name: "new.pdf", content_type: "application/pdf", bytes: b"%PDF-1.4".to_vec(), candidate: Some(&candidate), category: Some(&cvs) },
            )
            .await;
            let got = match first_code(&uploaded) {
                Some(code) => Refused(leak(code)),
                None => Yes,
            };
            expect("uploadDocument", caller, got, pick([forbidden, forbidden, nf, nf, Yes]));

            let got = graphql(caller, "mutation($id: ID!) { updateDocument(input: { id: $id, fileName: \"cv.pdf\" }) { document { id } } }", json!({ "id": document }), &contains).await;
            expect("updateDocument", caller, got, pick([forbidden, nf, nf, nf, Yes]));

            let got = graphql(caller, "mutation($c: ID!, $d: ID!, $at: DateTime!) { sendEmail(input: { candidateIds: [$c], subject: \"S\", body: \"<p>B</p>\", attachmentIds: [$d], scheduledAt: $at }) { message { id } } }", json!({ "c": candidate, "d": document, "at": later }), &|d: &Value| d["sendEmail"]["message"]["id"].is_string()).await;
            expect("sendEmail attachment", caller, got, pick([Yes, nf, nf, nf, Yes]));

            let got = graphql(caller, "mutation($i: ID!, $d: ID!, $at: DateTime!) { sendInterviewInvitation(input: { interviewId: $i, subject: \"S\", body: \"<p>B</p>\", attachmentIds: [$d], scheduledAt: $at }) { interview { id } } }", json!({ "i": interview, "d": document, "at": later }), &|d: &Value| d["sendInterviewInvitation"]["interview"]["id"].is_string()).await;
            expect("sendInterviewInvitation attachment", caller, got, pick([Yes, nf, nf, nf, Yes]));

            let got = graphql(caller, "mutation($id: ID!) { deleteDocument(input: { id: $id }) { deletedId } }", json!({ "id": doomed }), &|d: &Value| d.to_string().contains(doomed.as_str())).await;
            expect("deleteDocument", caller, got, pick([forbidden, nf, nf, nf, Yes]));
        }
        assert!(differences.is_empty(), "on {:?}:\n{}", app.backend, differences.join("\n"));
    })
    .await;
}

/// A link for `document` signed with the server's own key, naming the
/// user and token behind `token`: what the file endpoint would get if the
/// caller could mint one.
async fn forged_link(app: &TestApp, token: &str, document: &str) -> String {
    use recruitmail::documents::links::{Disposition, Grant, Signer};
    use sea_orm::{ColumnTrait as _, EntityTrait as _, QueryFilter as _};
    let digest = recruitmail::access::token::digest(token);
    let row = entity::api_token::Entity::find()
        .filter(entity::api_token::Column::TokenHash.eq(digest.as_str()))
        .one(&app.state.db)
        .await
        .unwrap()
        .unwrap();
    let user = entity::user::Entity::find_by_id(row.user_id)
        .one(&app.state.db)
        .await
        .unwrap()
        .unwrap();
    let document_id = recruitmail::graphql::ids::decode(
        &async_graphql::ID(document.to_owned()),
        recruitmail::graphql::ids::Kind::Document,
        "id",
    )
    .unwrap();
    Signer::new(&app.state.settings.secret_key).link(
        document,
        &Grant {
            company_id: user.company_id,
            document_id,
            user_id: user.id,
            token_id: row.id,
            expires: (chrono::Utc::now() + chrono::TimeDelta::minutes(5)).timestamp(),
            disposition: Disposition::Inline,
        },
    )
}
