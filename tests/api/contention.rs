//! Writers that meet. For 20 seconds, requests of every kind that writes —
//! single and bulk sends, one after the other and eight at once, candidates
//! and applications, inbound mail, the public form and template edits — run
//! while the dispatcher delivers to a real SMTP server. No request may answer
//! `INTERNAL`, each refused request carries the code of its own fault, and
//! every accepted message reaches the server exactly once.

use std::collections::BTreeMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use futures_util::future::join_all;
use rand::Rng as _;
use serde_json::{Value, json};

use crate::helpers::{
    TestApp, create_application, create_candidate, create_template, first_code, on_each_backend,
    on_each_backend_with, structure,
};
use crate::outbound::parse;
use crate::smtp_server::{Options, SmtpServer};

/// How long the mixed load runs on each backend.
const LOAD: Duration = Duration::from_secs(20);
/// Candidates with an application, the addressees of the sends.
const CANDIDATES: usize = 50;
/// Clients sending at the same time.
const CONCURRENT_SENDERS: usize = 8;

const SEND: &str = "mutation($i: SendEmailInput!) {
    sendEmail(input: $i) { message { id } batch { id total } }
}";

/// What the load works on.
struct Setup {
    /// `(id, email)` of each candidate with an application.
    candidates: Vec<(String, String)>,
    position: String,
    template: String,
    form_key: String,
    slug: String,
    inbound_token: String,
}

/// Every answer, by operation and code (`ok` for success), and the messages
/// the accepted sends promised: `(subject, recipient)`.
#[derive(Default)]
struct Tally {
    answers: BTreeMap<(&'static str, String), usize>,
    unexpected: Vec<String>,
    promised: Vec<(String, String)>,
}

/// Shared by every client of the load.
struct Load<'a> {
    app: &'a TestApp,
    setup: &'a Setup,
    until: Instant,
    tally: Mutex<Tally>,
}

impl Load<'_> {
    fn running(&self) -> bool {
        Instant::now() < self.until
    }

    /// Records an answer; `expected` is the code the request must get, or
    /// `None` when it must succeed. Returns whether it succeeded.
    fn record(&self, operation: &'static str, response: &Value, expected: Option<&str>) -> bool {
        let code = first_code(response).unwrap_or_else(|| "ok".to_owned());
        let mut tally = self.tally.lock().unwrap();
        *tally.answers.entry((operation, code.clone())).or_default() += 1;
        if code != expected.unwrap_or("ok") {
            tally
                .unexpected
                .push(format!("{operation} expected {expected:?}: {response}"));
        }
        code == "ok"
    }

    fn promise(&self, subject: &str, recipients: impl IntoIterator<Item = String>) {
        let mut tally = self.tally.lock().unwrap();
        for to in recipients {
            tally.promised.push((subject.to_owned(), to));
        }
    }

    async fn pause(&self, most_ms: u64) {
        let ms = rand::rng().random_range(0..=most_ms);
        tokio::time::sleep(Duration::from_millis(ms)).await;
    }

    /// A single free-form send to the `n`th candidate; every tenth has a
    /// malformed copy address and must be refused with `VALIDATION`.
    async fn send_one(&self, subject: String, n: usize) {
        let (id, email) = &self.setup.candidates[n % CANDIDATES];
        let bad = n % 10 == 9;
        let cc: Vec<&str> = if bad { vec!["not an address"] } else { vec![] };
        let response = self
            .app
            .gql(
                Some(&self.app.admin),
                SEND,
                json!({ "i": { "candidateIds": [id], "subject": subject, "body": "<p>Hello</p>", "cc": cc } }),
            )
            .await;
        if self.record("sendEmail", &response, bad.then_some("VALIDATION")) {
            self.promise(&subject, [email.clone()]);
        }
    }

    /// One message to each candidate, through the stored template.
    async fn send_bulk(&self, subject_tag: String) {
        let ids: Vec<&str> = self
            .setup
            .candidates
            .iter()
            .map(|(id, _)| id.as_str())
            .collect();
        let response = self
            .app
            .gql(
                Some(&self.app.admin),
                SEND,
                json!({ "i": { "candidateIds": ids, "subject": subject_tag, "body": "<p>Dear {{ first_name }}</p>" } }),
            )
            .await;
        if self.record("sendEmail (bulk)", &response, None) {
            let emails = self.setup.candidates.iter().map(|(_, e)| e.clone());
            self.promise(&subject_tag, emails);
        }
    }

    /// Single sends one after the other, 0–30 ms apart.
    async fn sequential_sender(&self) {
        let mut n = 0;
        while self.running() {
            self.send_one(format!("Sequential {n}"), n).await;
            n += 1;
            self.pause(30).await;
        }
    }

    /// One of the concurrent clients: single sends, and a bulk of 50 now and then.
    async fn concurrent_sender(&self, client: usize) {
        let mut n = 0;
        while self.running() {
            if n % 60 == 5 {
                self.send_bulk(format!("Bulk {client}-{n}")).await;
            } else {
                self.send_one(format!("Client {client} {n}"), n + client)
                    .await;
            }
            n += 1;
            self.pause(40).await;
        }
    }

    /// New candidates with an application; every fifth repeats an address
    /// and must be refused with `CONFLICT`.
    async fn recruiter(&self) {
        let mut n = 0;
        while self.running() {
            let email = if n % 5 == 4 {
                self.setup.candidates[0].1.clone()
            } else {
                format!("new{n}@example.com")
            };
            let response = self
                .app
                .gql(
                    Some(&self.app.admin),
                    "mutation($e: String!) { createCandidate(input: { firstName: \"New\", lastName: \"Person\", email: $e }) { candidate { id } } }",
                    json!({ "e": email }),
                )
                .await;
            let duplicate = (n % 5 == 4).then_some("CONFLICT");
            if self.record("createCandidate", &response, duplicate) {
                let candidate = &response["data"]["createCandidate"]["candidate"]["id"];
                let response = self
                    .app
                    .gql(
                        Some(&self.app.admin),
                        "mutation($c: ID!, $p: ID!) { createApplication(input: { candidateId: $c, positionId: $p }) { application { id } } }",
                        json!({ "c": candidate, "p": self.setup.position }),
                    )
                    .await;
                self.record("createApplication", &response, None);
            }
            n += 1;
            self.pause(30).await;
        }
    }

    /// Replies from candidates, posted to `/inbound` as a forwarder would.
    async fn mail_forwarder(&self) {
        let mut n = 0;
        while self.running() {
            let (_, email) = &self.setup.candidates[n % CANDIDATES];
            let raw = format!(
                "From: {email}\r\nTo: {slug}-jobs@inbound.localhost\r\nSubject: Re: my application {n}\r\n\
                 Message-ID: <reply-{n}@example.com>\r\nDate: Mon, 7 Dec 2026 10:00:00 +0000\r\n\r\nThank you!\r\n",
                slug = self.setup.slug
            );
            let response = self
                .app
                .client
                .post(format!("{}/inbound/{}", self.app.base, self.setup.slug))
                .bearer_auth(&self.setup.inbound_token)
                .header("Content-Type", "message/rfc822")
                .body(raw)
                .send()
                .await
                .unwrap();
            let status = response.status().as_u16();
            let body: Value = response.json().await.unwrap();
            {
                let mut tally = self.tally.lock().unwrap();
                let outcome = body["data"]["inbound"]["outcome"]
                    .as_str()
                    .map_or_else(|| format!("HTTP {status}"), str::to_owned);
                *tally.answers.entry(("inbound", outcome)).or_default() += 1;
                if status != 200 {
                    tally
                        .unexpected
                        .push(format!("inbound: HTTP {status} {body}"));
                }
            }
            n += 1;
            self.pause(30).await;
        }
    }

    /// Applications from the career page, without a token.
    async fn applicant(&self) {
        let mut n = 0;
        while self.running() {
            let response = self
                .app
                .gql(
                    None,
                    "mutation($i: SubmitApplicationInput!) { submitApplication(input: $i) { received } }",
                    json!({ "i": { "formKey": self.setup.form_key, "positionId": self.setup.position,
                        "firstName": "Form", "lastName": "Applicant", "email": format!("form{n}@example.com") } }),
                )
                .await;
            self.record("submitApplication", &response, None);
            n += 1;
            self.pause(30).await;
        }
    }

    /// Edits of the stored template; every fifth names an unknown
    /// placeholder and must be refused with `VALIDATION`.
    async fn template_editor(&self) {
        let mut n = 0;
        while self.running() {
            let bad = n % 5 == 4;
            let subject = if bad {
                "{{ no_such_placeholder }}".to_owned()
            } else {
                format!("Your application ({n})")
            };
            let response = self
                .app
                .gql(
                    Some(&self.app.admin),
                    "mutation($i: UpdateEmailTemplateInput!) { updateEmailTemplate(input: $i) { emailTemplate { id } } }",
                    json!({ "i": { "id": self.setup.template, "subject": subject } }),
                )
                .await;
            self.record(
                "updateEmailTemplate",
                &response,
                bad.then_some("VALIDATION"),
            );
            n += 1;
            self.pause(30).await;
        }
    }
}

async fn set_up(app: &TestApp) -> Setup {
    let (_, _, position) = structure(app, &app.admin, "Load").await;
    let mut candidates = Vec::new();
    for n in 0..CANDIDATES {
        let email = format!("candidate{n}@example.com");
        let id = create_candidate(app, &app.admin, &format!("C{n}"), "Example", &email).await;
        create_application(app, &app.admin, &id, &position).await;
        candidates.push((id, email));
    }
    let template = create_template(app, &app.admin, "Load template").await;
    let company = app
        .ok(
            &app.admin,
            "{ viewer { company { slug inboundToken formKey } } }",
            json!({}),
        )
        .await["viewer"]["company"]
        .clone();
    let text = |key: &str| company[key].as_str().unwrap().to_owned();
    Setup {
        candidates,
        position,
        template,
        form_key: text("formKey"),
        slug: text("slug"),
        inbound_token: text("inboundToken"),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn writers_that_meet_wait_their_turn_and_every_accepted_message_leaves_once() {
    let server = SmtpServer::start(Options::default());
    let settings = [
        ("RECRUITMAIL_DISPATCHER", "on".to_owned()),
        (
            "RECRUITMAIL_SMTP_RELAY",
            format!("smtp://127.0.0.1:{}", server.port),
        ),
        ("RECRUITMAIL_FORM_RATE_PER_ADDRESS", "100000".to_owned()),
        ("RECRUITMAIL_FORM_RATE_PER_KEY", "100000".to_owned()),
    ];
    on_each_backend_with(&settings, async |app| {
        let before = server.delivered().len();
        let setup = set_up(&app).await;
        let load = Load {
            app: &app,
            setup: &setup,
            until: Instant::now() + LOAD,
            tally: Mutex::default(),
        };
        let mut clients: Vec<std::pin::Pin<Box<dyn Future<Output = ()> + '_>>> = vec![
            Box::pin(load.sequential_sender()),
            Box::pin(load.recruiter()),
            Box::pin(load.mail_forwarder()),
            Box::pin(load.applicant()),
            Box::pin(load.template_editor()),
        ];
        for client in 0..CONCURRENT_SENDERS {
            clients.push(Box::pin(load.concurrent_sender(client)));
        }
        join_all(clients).await;
        let tally = load.tally.into_inner().unwrap();
        eprintln!("{:?}: answers {:#?}", app.backend, tally.answers);
        assert!(
            tally.unexpected.is_empty(),
            "{} unexpected answers, the first: {:#?}",
            tally.unexpected.len(),
            &tally.unexpected[..tally.unexpected.len().min(5)]
        );
        for ((operation, code), count) in &tally.answers {
            assert_ne!(code, "INTERNAL", "{operation}: {count} answers were INTERNAL");
        }
        for operation in ["sendEmail", "sendEmail (bulk)", "createCandidate", "createApplication", "submitApplication", "updateEmailTemplate"] {
            assert!(
                tally.answers.contains_key(&(operation, "ok".to_owned())),
                "{operation} never succeeded: {:?}",
                tally.answers
            );
        }

        // Every accepted message arrives once, and nothing else arrives.
        let mut promised: BTreeMap<(String, String), usize> = BTreeMap::new();
        for key in tally.promised {
            *promised.entry(key).or_default() += 1;
        }
        let total: usize = promised.values().sum();
        let deadline = Instant::now() + Duration::from_secs(120);
        while server.delivered().len() < before + total && Instant::now() < deadline {
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
        // Long enough for a second copy to arrive, were one sent.
        tokio::time::sleep(Duration::from_secs(2)).await;
        let mut delivered: BTreeMap<(String, String), usize> = BTreeMap::new();
        for mail in &server.delivered()[before..] {
            let subject = parse(&mail.raw).subject().unwrap_or_default().to_owned();
            for to in &mail.rcpt_tos {
                *delivered.entry((subject.clone(), to.clone())).or_default() += 1;
            }
        }
        let missing: Vec<_> = promised.keys().filter(|k| !delivered.contains_key(*k)).take(5).collect();
        let twice: Vec<_> = delivered.iter().filter(|(_, n)| **n > 1).take(5).collect();
        let unasked: Vec<_> = delivered.keys().filter(|k| !promised.contains_key(*k)).take(5).collect();
        assert!(
            missing.is_empty() && twice.is_empty() && unasked.is_empty(),
            "of {total} accepted messages: missing {missing:?}, twice {twice:?}, never accepted {unasked:?}"
        );
        assert_eq!(delivered, promised);
    })
    .await;
}

/// `count` candidates, each with an application to `position`, written
/// straight into the database (the API would take minutes in a debug
/// build). Returns the applications' IDs.
async fn many_applicants(app: &TestApp, position: &str, count: usize) -> Vec<String> {
    use entity::enums::{ApplicationSource, ApplicationStatus, Gender};
    use entity::{application, candidate};
    use recruitmail::graphql::ids::Kind;
    use sea_orm::{ColumnTrait as _, EntityTrait as _, QueryFilter as _, QueryOrder as _, Set};

    let db = &app.state.db;
    let position = crate::outbound::row(&json!(position), Kind::Position);
    let company = entity::position::Entity::find_by_id(position)
        .one(db)
        .await
        .unwrap()
        .unwrap()
        .company_id;
    let now = chrono::Utc::now();
    for chunk in (0..count).collect::<Vec<_>>().chunks(1_000) {
        candidate::Entity::insert_many(chunk.iter().map(|n| candidate::ActiveModel {
            company_id: Set(company),
            first_name: Set(format!("Many{n}")),
            last_name: Set("Example".to_owned()),
            email: Set(format!("many{n}@example.com")),
            gender: Set(Gender::Unknown),
            created_at: Set(now),
            updated_at: Set(now),
            ..Default::default()
        }))
        .exec(db)
        .await
        .unwrap();
    }
    let candidates = candidate::Entity::find()
        .filter(candidate::Column::Email.like("many%@example.com"))
        .order_by_asc(candidate::Column::Id)
        .all(db)
        .await
        .unwrap();
    for chunk in candidates.chunks(1_000) {
        application::Entity::insert_many(chunk.iter().map(|c| application::ActiveModel {
            company_id: Set(company),
            candidate_id: Set(c.id),
            position_id: Set(position),
            source: Set(ApplicationSource::Manual),
            status: Set(ApplicationStatus::New),
            created_at: Set(now),
            updated_at: Set(now),
            ..Default::default()
        }))
        .exec(db)
        .await
        .unwrap();
    }
    application::Entity::find()
        .filter(application::Column::PositionId.eq(position))
        .order_by_asc(application::Column::Id)
        .all(db)
        .await
        .unwrap()
        .iter()
        .map(|a| Kind::Application.id(a.id).to_string())
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_bulk_of_ten_thousand_blocks_no_reader_and_fails_no_other_writer() {
    on_each_backend(async |app| {
        let (_, _, position) = structure(&app, &app.admin, "Bulk").await;
        let applications = many_applicants(&app, &position, 10_000).await;
        assert_eq!(applications.len(), 10_000);
        let other = create_candidate(&app, &app.admin, "Other", "Example", "other@example.com").await;
        create_application(&app, &app.admin, &other, &position).await;
        let template = create_template(&app, &app.admin, "Bulk template").await;

        let started = Instant::now();
        let bulk = async {
            let response = app
                .gql(
                    Some(&app.admin),
                    SEND,
                    json!({ "i": { "applicationIds": applications, "templateId": template } }),
                )
                .await;
            (response, started.elapsed())
        };
        let others = async {
            // Reads and single sends while the bulk is being written.
            tokio::time::sleep(Duration::from_millis(300)).await;
            let mut reads = Vec::new();
            let mut sends = Vec::new();
            while started.elapsed() < Duration::from_secs(60) {
                let read = Instant::now();
                let answer = app
                    .ok(&app.admin, "{ positions(first: 1) { totalCount } }", json!({}))
                    .await;
                assert_eq!(answer["positions"]["totalCount"], 1);
                reads.push((read.elapsed(), started.elapsed()));
                let sent = app
                    .gql(
                        Some(&app.admin),
                        SEND,
                        json!({ "i": { "candidateIds": [other], "subject": "Meanwhile", "body": "<p>Hi</p>" } }),
                    )
                    .await;
                sends.push((first_code(&sent), started.elapsed()));
                if sends.len() >= 5 {
                    break;
                }
            }
            (reads, sends)
        };
        let ((bulk, took), (reads, sends)) = tokio::join!(bulk, others);
        eprintln!("{:?}: bulk {took:?}, reads {reads:?}, sends {sends:?}", app.backend);
        assert_eq!(bulk["data"]["sendEmail"]["batch"]["total"], 10_000, "{bulk}");
        // The first read started while the bulk was being written and did
        // not wait for it (WAL on SQLite, row versions on PostgreSQL).
        assert!(
            reads[0].1 < took,
            "the first read ended at {:?}, after the bulk's {took:?}",
            reads[0].1
        );
        assert!(
            sends.iter().all(|(code, _)| code.is_none()),
            "a send beside the bulk failed: {sends:?}"
        );
    })
    .await;
}
