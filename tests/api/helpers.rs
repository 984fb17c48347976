//! Starting the application against a throwaway database, and calling it.

use recruitmail::app::{AppState, Application};
use recruitmail::settings::{Settings, Source};
use sea_orm::{ConnectionTrait as _, Database};
use serde_json::{Value, json};

/// Which database a test runs against.
#[derive(Clone, Debug)]
pub enum Backend {
    Sqlite,
    Postgres(String),
}

/// The backends to run each test on: SQLite, and PostgreSQL when
/// `TEST_DATABASE_URL` names a server (each test gets its own database there).
pub fn backends() -> Vec<Backend> {
    let mut all = vec![Backend::Sqlite];
    if let Ok(url) = std::env::var("TEST_DATABASE_URL")
        && !url.trim().is_empty()
    {
        all.push(Backend::Postgres(url));
    }
    all
}

/// Runs `test` once per backend, each time against a fresh application.
pub async fn on_each_backend(test: impl AsyncFn(TestApp)) {
    on_each_backend_with(&[], test).await;
}

/// Like [`on_each_backend`], with more settings (`RECRUITMAIL_…` pairs).
pub async fn on_each_backend_with(settings: &[(&str, String)], test: impl AsyncFn(TestApp)) {
    for backend in backends() {
        let app = TestApp::spawn_with(&backend, settings).await;
        let cleanup = app.cleanup.clone();
        test(app).await;
        if let Some((admin_url, name)) = cleanup {
            let admin = Database::connect(admin_url)
                .await
                .expect("admin connection");
            admin
                .execute_unprepared(&format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)"))
                .await
                .expect("drop test database");
        }
    }
}

/// A running application with a bootstrapped company.
pub struct TestApp {
    pub base: String,
    /// The inbound SMTP listener's port, when `RECRUITMAIL_SMTP_LISTEN` is set.
    pub smtp_port: Option<u16>,
    /// The data folder (outbox, blobs, secret key, SQLite file).
    pub data_dir: std::path::PathBuf,
    pub backend: Backend,
    pub state: actix_web::web::Data<AppState>,
    /// The first company's admin token.
    pub admin: String,
    pub client: reqwest::Client,
    _data_dir: tempfile::TempDir,
    cleanup: Option<(String, String)>,
}

impl TestApp {
    pub async fn spawn(backend: &Backend) -> Self {
        Self::spawn_with(backend, &[]).await
    }

    /// An application with more settings. The dispatcher's job is off: tests
    /// run its ticks themselves, with the clock they choose.
    pub async fn spawn_with(backend: &Backend, extra: &[(&str, String)]) -> Self {
        let data_dir = tempfile::tempdir().expect("temp dir");
        let dir = data_dir.path().to_str().expect("utf-8 path").to_owned();
        let mut pairs = vec![
            ("RECRUITMAIL_LISTEN".to_owned(), "127.0.0.1:0".to_owned()),
            ("RECRUITMAIL_DATA_DIR".to_owned(), dir),
            ("RECRUITMAIL_DB_MAX_CONNECTIONS".to_owned(), "5".to_owned()),
            ("RECRUITMAIL_DISPATCHER".to_owned(), "off".to_owned()),
            // The tests' SMTP servers listen on loopback.
            (
                "RECRUITMAIL_SMTP_ALLOW_PRIVATE_HOSTS".to_owned(),
                "on".to_owned(),
            ),
        ];
        pairs.extend(extra.iter().map(|(k, v)| ((*k).to_owned(), v.clone())));
        let mut cleanup = None;
        if let Backend::Postgres(url) = backend {
            let name = format!("rm_test_{}", hex_id());
            let admin = Database::connect(url.clone())
                .await
                .expect("TEST_DATABASE_URL must accept connections");
            admin
                .execute_unprepared(&format!("CREATE DATABASE \"{name}\""))
                .await
                .expect("create test database");
            pairs.push(("DATABASE_URL".to_owned(), with_database(url, &name)));
            cleanup = Some((url.clone(), name));
        }
        let settings = Settings::load(&Source::from_pairs(
            pairs.iter().map(|(k, v)| (k.as_str(), v.as_str())),
        ))
        .expect("settings");
        let application = Application::build(settings)
            .await
            .expect("application builds");
        let base = format!("http://127.0.0.1:{}", application.port());
        let smtp_port = application.smtp_port();
        let state = application.state();
        tokio::spawn(application.run_until_stopped());
        let boot =
            recruitmail::companies::bootstrap(&state.db, "Acme Recruiting", "admin@acme.example")
                .await
                .expect("bootstrap");
        Self {
            base,
            smtp_port,
            data_dir: data_dir.path().to_owned(),
            backend: backend.clone(),
            state,
            admin: boot.token,
            client: reqwest::Client::new(),
            _data_dir: data_dir,
            cleanup,
        }
    }

    /// On PostgreSQL, the server's URL and this test's database name.
    pub fn postgres_database(&self) -> Option<(&str, &str)> {
        self.cleanup
            .as_ref()
            .map(|(url, name)| (url.as_str(), name.as_str()))
    }

    /// The `DATABASE_URL` the binary needs to use this test's database: on
    /// PostgreSQL its own database; on SQLite none, the data folder's file.
    pub fn database_url(&self) -> Option<String> {
        self.postgres_database()
            .map(|(url, name)| with_database(url, name))
    }

    /// Creates another company and returns its admin's token.
    pub async fn other_company(&self, name: &str) -> String {
        recruitmail::companies::bootstrap(
            &self.state.db,
            name,
            &format!("admin@{}.example", name.to_lowercase()),
        )
        .await
        .expect("second bootstrap")
        .token
    }

    /// Posts a GraphQL request and returns the JSON response.
    pub async fn gql(&self, token: Option<&str>, query: &str, variables: Value) -> Value {
        let mut request = self
            .client
            .post(format!("{}/graphql", self.base))
            .json(&json!({ "query": query, "variables": variables }));
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        let response = request.send().await.expect("request sent");
        response.json().await.expect("JSON response")
    }

    /// Runs an operation that must succeed and returns its `data`.
    pub async fn ok(&self, token: &str, query: &str, variables: Value) -> Value {
        let response = self.gql(Some(token), query, variables).await;
        assert!(
            response.get("errors").is_none(),
            "unexpected errors on {:?}: {response:#}",
            self.backend
        );
        response["data"].clone()
    }

    /// Runs an operation that must fail; returns its first error's code.
    pub async fn error_code(&self, token: Option<&str>, query: &str, variables: Value) -> String {
        let response = self.gql(token, query, variables).await;
        first_code(&response).unwrap_or_else(|| panic!("expected an error, got {response:#}"))
    }

    /// Number of SQL statements executed by this application so far.
    pub fn queries(&self) -> u64 {
        self.state.metrics.query_count()
    }
}

/// `extensions.code` of a response's first error.
pub fn first_code(response: &Value) -> Option<String> {
    response["errors"][0]["extensions"]["code"]
        .as_str()
        .map(str::to_owned)
}

fn hex_id() -> String {
    use std::time::{SystemTime, UNIX_EPOCH};
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or_default();
    format!("{:x}{:x}", nanos, std::process::id())
}

/// `url` with its database name replaced by `name`.
fn with_database(url: &str, name: &str) -> String {
    let (base, query) = url
        .split_once('?')
        .map_or((url, None), |(b, q)| (b, Some(q)));
    let scheme_end = base.find("://").map_or(0, |i| i + 3);
    let prefix = match base[scheme_end..].find('/') {
        Some(slash) => &base[..scheme_end + slash],
        None => base,
    };
    match query {
        Some(q) => format!("{prefix}/{name}?{q}"),
        None => format!("{prefix}/{name}"),
    }
}

/// Creates the usual structure: a subsidiary, a category and a position.
/// Returns (subsidiary id, category id, position id).
pub async fn structure(app: &TestApp, token: &str, suffix: &str) -> (String, String, String) {
    let sub = app
        .ok(
            token,
            "mutation($n: String!) { createSubsidiary(input: { name: $n }) { subsidiary { id } } }",
            json!({ "n": format!("Acme Berlin {suffix}") }),
        )
        .await["createSubsidiary"]["subsidiary"]["id"]
        .as_str()
        .expect("subsidiary id")
        .to_owned();
    let cat = app
        .ok(
            token,
            "mutation($n: String!) { createCategory(input: { name: $n }) { category { id } } }",
            json!({ "n": format!("Engineering {suffix}") }),
        )
        .await["createCategory"]["category"]["id"]
        .as_str()
        .expect("category id")
        .to_owned();
    let pos = create_position(
        app,
        token,
        &sub,
        &cat,
        &format!("Backend Engineer {suffix}"),
        &[],
    )
    .await;
    (sub, cat, pos)
}

pub async fn create_position(
    app: &TestApp,
    token: &str,
    subsidiary: &str,
    category: &str,
    name: &str,
    managers: &[&str],
) -> String {
    app.ok(
        token,
        "mutation($s: ID!, $c: ID!, $n: String!, $m: [ID!]!) {
            createPosition(input: { subsidiaryId: $s, categoryId: $c, name: $n, hiringManagerIds: $m }) { position { id } }
        }",
        json!({ "s": subsidiary, "c": category, "n": name, "m": managers }),
    )
    .await["createPosition"]["position"]["id"]
        .as_str()
        .expect("position id")
        .to_owned()
}

pub async fn create_candidate(
    app: &TestApp,
    token: &str,
    first: &str,
    last: &str,
    email: &str,
) -> String {
    app.ok(
        token,
        "mutation($f: String!, $l: String!, $e: String!) {
            createCandidate(input: { firstName: $f, lastName: $l, email: $e }) { candidate { id } }
        }",
        json!({ "f": first, "l": last, "e": email }),
    )
    .await["createCandidate"]["candidate"]["id"]
        .as_str()
        .expect("candidate id")
        .to_owned()
}

pub async fn create_application(
    app: &TestApp,
    token: &str,
    candidate: &str,
    position: &str,
) -> String {
    app.ok(
        token,
        "mutation($c: ID!, $p: ID!) { createApplication(input: { candidateId: $c, positionId: $p }) { application { id } } }",
        json!({ "c": candidate, "p": position }),
    )
    .await["createApplication"]["application"]["id"]
        .as_str()
        .expect("application id")
        .to_owned()
}

/// Creates a plain email template named `name`; returns its ID.
pub async fn create_template(app: &TestApp, token: &str, name: &str) -> String {
    app.ok(
        token,
        "mutation($n: String!) {
            createEmailTemplate(input: { name: $n, subject: \"Your application as {{ position_name }}\",
                body: \"<p>Dear {{ first_name }},</p><p>thank you.</p>\" }) { emailTemplate { id } }
        }",
        json!({ "n": name }),
    )
    .await["createEmailTemplate"]["emailTemplate"]["id"]
        .as_str()
        .expect("template id")
        .to_owned()
}

/// Posts a file upload as the admin (a GraphQL multipart request), as a
/// candidate's document when `candidate` is given.
pub async fn post_upload(
    app: &TestApp,
    name: &str,
    bytes: Vec<u8>,
    candidate: Option<&str>,
) -> reqwest::Response {
    post_upload_as(app, &app.admin, name, bytes, candidate).await
}

/// [`post_upload`] with the token of any caller.
pub async fn post_upload_as(
    app: &TestApp,
    token: &str,
    name: &str,
    bytes: Vec<u8>,
    candidate: Option<&str>,
) -> reqwest::Response {
    let operations = json!({
        "query": "mutation($f: Upload!, $c: ID) { uploadDocument(input: { file: $f, candidateId: $c }) { document { id fileName sizeBytes sha256 } } }",
        "variables": { "f": null, "c": candidate },
    });
    let form = reqwest::multipart::Form::new()
        .text("operations", operations.to_string())
        .text("map", json!({ "0": ["variables.f"] }).to_string())
        .part(
            "0",
            reqwest::multipart::Part::bytes(bytes)
                .file_name(name.to_owned())
                .mime_str("application/pdf")
                .expect("a MIME type"),
        );
    app.client
        .post(format!("{}/graphql", app.base))
        .bearer_auth(token)
        .multipart(form)
        .send()
        .await
        .expect("upload sent")
}

/// Uploads a file that must be accepted; returns the document.
pub async fn upload_document(
    app: &TestApp,
    name: &str,
    bytes: Vec<u8>,
    candidate: Option<&str>,
) -> Value {
    let response: Value = post_upload(app, name, bytes, candidate)
        .await
        .json()
        .await
        .expect("JSON response");
    let document = response["data"]["uploadDocument"]["document"].clone();
    assert!(document.is_object(), "upload failed: {response:#}");
    document
}

/// Creates a user holding a new role, and a token for them.
/// Returns (user id, role id, token).
pub async fn user_with_role(
    app: &TestApp,
    admin: &str,
    label: &str,
    role: Value,
) -> (String, String, String) {
    let mut role = role;
    role["name"] = json!(format!("{label} role"));
    let role_id = app
        .ok(
            admin,
            "mutation($r: CreateRecruitingRoleInput!) { createRecruitingRole(input: $r) { role { id } } }",
            json!({ "r": role }),
        )
        .await["createRecruitingRole"]["role"]["id"]
        .as_str()
        .expect("role id")
        .to_owned();
    let user_id = app
        .ok(
            admin,
            "mutation($e: String!, $n: String!, $r: [ID!]!) { createUser(input: { email: $e, displayName: $n, roleIds: $r }) { user { id } } }",
            json!({ "e": format!("{}@acme.example", label.to_lowercase().replace(' ', ".")), "n": label, "r": [role_id] }),
        )
        .await["createUser"]["user"]["id"]
        .as_str()
        .expect("user id")
        .to_owned();
    let token = app
        .ok(
            admin,
            "mutation($u: ID!) { createApiToken(input: { name: \"test\", userId: $u }) { token } }",
            json!({ "u": user_id }),
        )
        .await["createApiToken"]["token"]
        .as_str()
        .expect("token")
        .to_owned();
    (user_id, role_id, token)
}

/// The root fields of `Query` and `Mutation` that take an object ID: as an
/// argument, in a list, or anywhere inside an input object. Read from the
/// schema itself, so a new field that takes an ID cannot be forgotten by the
/// tests that go through them all.
pub async fn fields_taking_ids(app: &TestApp) -> std::collections::BTreeSet<String> {
    const TYPE_REF: &str =
        "kind name ofType { kind name ofType { kind name ofType { kind name } } }";
    let query = format!(
        "{{ __schema {{
            queryType {{ fields {{ name args {{ type {{ {TYPE_REF} }} }} }} }}
            mutationType {{ fields {{ name args {{ type {{ {TYPE_REF} }} }} }} }}
            types {{ name kind inputFields {{ type {{ {TYPE_REF} }} }} }}
        }} }}"
    );
    let schema = app.ok(&app.admin, &query, json!({})).await["__schema"].clone();
    /// The named type under any list and non-null wrappers.
    fn named(reference: &Value) -> (String, String) {
        let mut at = reference;
        while at["ofType"].is_object() {
            at = &at["ofType"];
        }
        (
            at["kind"].as_str().unwrap_or_default().to_owned(),
            at["name"].as_str().unwrap_or_default().to_owned(),
        )
    }
    let inputs: std::collections::HashMap<String, Vec<(String, String)>> = schema["types"]
        .as_array()
        .expect("types")
        .iter()
        .filter(|t| t["kind"] == "INPUT_OBJECT")
        .map(|t| {
            let fields = t["inputFields"]
                .as_array()
                .expect("input fields")
                .iter()
                .map(|f| named(&f["type"]))
                .collect();
            (t["name"].as_str().expect("type name").to_owned(), fields)
        })
        .collect();
    fn takes_id(
        (kind, name): &(String, String),
        inputs: &std::collections::HashMap<String, Vec<(String, String)>>,
        seen: &mut std::collections::HashSet<String>,
    ) -> bool {
        match kind.as_str() {
            "SCALAR" => name == "ID",
            "INPUT_OBJECT" if seen.insert(name.clone()) => inputs
                .get(name)
                .is_some_and(|fields| fields.iter().any(|f| takes_id(f, inputs, seen))),
            _ => false,
        }
    }
    let mut found = std::collections::BTreeSet::new();
    for root in ["queryType", "mutationType"] {
        for field in schema[root]["fields"].as_array().expect("root fields") {
            let any = field["args"].as_array().expect("args").iter().any(|arg| {
                takes_id(
                    &named(&arg["type"]),
                    &inputs,
                    &mut std::collections::HashSet::new(),
                )
            });
            if any {
                found.insert(field["name"].as_str().expect("field name").to_owned());
            }
        }
    }
    found
}

#[test]
fn database_urls_are_rewritten() {
    assert_eq!(
        with_database("postgres://u@h:5432/postgres", "x"),
        "postgres://u@h:5432/x"
    );
    assert_eq!(
        with_database("postgres://u@h:5432", "x"),
        "postgres://u@h:5432/x"
    );
    assert_eq!(
        with_database("postgres://h/db?sslmode=disable", "x"),
        "postgres://h/x?sslmode=disable"
    );
}

/// A file to upload with [`upload_file`].
pub struct FileUpload<'a> {
    pub name: &'a str,
    pub content_type: &'a str,
    pub bytes: Vec<u8>,
    pub candidate: Option<&'a str>,
    pub category: Option<&'a str>,
}

/// Posts `uploadDocument` (a GraphQL multipart request) as `token`, and
/// returns the whole JSON response.
pub async fn upload_file(app: &TestApp, token: &str, file: FileUpload<'_>) -> Value {
    let operations = json!({
        "query": "mutation($f: Upload!, $c: ID, $k: ID) { uploadDocument(input: { file: $f, candidateId: $c, documentCategoryId: $k }) { document { id fileName } } }",
        "variables": { "f": null, "c": file.candidate, "k": file.category },
    });
    let form = reqwest::multipart::Form::new()
        .text("operations", operations.to_string())
        .text("map", json!({ "0": ["variables.f"] }).to_string())
        .part(
            "0",
            reqwest::multipart::Part::bytes(file.bytes)
                .file_name(file.name.to_owned())
                .mime_str(file.content_type)
                .expect("a MIME type"),
        );
    app.client
        .post(format!("{}/graphql", app.base))
        .bearer_auth(token)
        .multipart(form)
        .send()
        .await
        .expect("upload sent")
        .json()
        .await
        .expect("JSON response")
}

/// Creates a document category; returns its ID.
pub async fn create_document_category(app: &TestApp, token: &str, name: &str) -> String {
    app.ok(
        token,
        "mutation($n: String!) { createDocumentCategory(input: { name: $n }) { documentCategory { id } } }",
        json!({ "n": name }),
    )
    .await["createDocumentCategory"]["documentCategory"]["id"]
        .as_str()
        .expect("document category id")
        .to_owned()
}
