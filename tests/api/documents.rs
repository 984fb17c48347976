//! Documents open in a browser tab through signed links: what the browser
//! receives (status, headers, bytes), and what every bad link receives.

use async_graphql::ID;
use recruitmail::documents::links::{Disposition, Grant, Signer};
use recruitmail::graphql::ids::{Kind, decode};
use reqwest::StatusCode;
use reqwest::header::{HeaderMap, RANGE};
use sea_orm::EntityTrait as _;
use serde_json::{Value, json};
use sha2::Digest as _;

use crate::helpers::{
    FileUpload, TestApp, create_candidate, create_document_category, on_each_backend,
    on_each_backend_with, upload_file, user_with_role,
};

/// A 10 KiB file that starts like a PDF, each byte telling its position.
pub fn pdf_bytes() -> Vec<u8> {
    let mut bytes = b"%PDF-1.4\n".to_vec();
    bytes.extend((0..10 * 1024 - bytes.len()).map(|i| (i % 251) as u8));
    bytes
}

const URL: &str = "query($id: ID!, $d: Disposition!) { node(id: $id) { ... on Document { url(disposition: $d) } } }";

/// A candidate's document, uploaded by `token` into `category`.
pub async fn candidate_document(
    app: &TestApp,
    token: &str,
    candidate: &str,
    category: Option<&str>,
    name: &str,
    content_type: &str,
    bytes: Vec<u8>,
) -> String {
    let response = upload_file(
        app,
        token,
        FileUpload {
            name,
            content_type,
            bytes,
            candidate: Some(candidate),
            category,
        },
    )
    .await;
    response["data"]["uploadDocument"]["document"]["id"]
        .as_str()
        .unwrap_or_else(|| panic!("upload failed: {response:#}"))
        .to_owned()
}

/// Ada's PDF, uploaded by the admin under `name`, and its bytes.
pub async fn adas_pdf(app: &TestApp, name: &str) -> (String, Vec<u8>) {
    let admin = app.admin.clone();
    let candidate = create_candidate(app, &admin, "Ada", "Lovelace", "ada@example.com").await;
    let bytes = pdf_bytes();
    let document = candidate_document(
        app,
        &admin,
        &candidate,
        None,
        name,
        "application/pdf",
        bytes.clone(),
    )
    .await;
    (document, bytes)
}

/// The link `token` gets for a document.
pub async fn link(app: &TestApp, token: &str, document: &str, disposition: &str) -> String {
    let data = app
        .ok(token, URL, json!({ "id": document, "d": disposition }))
        .await;
    let url = data["node"]["url"].as_str().expect("a url").to_owned();
    assert!(url.starts_with("/files/"), "{url}");
    url
}

/// GETs a link without any credentials, as a new browser tab does.
pub async fn open(app: &TestApp, url: &str, range: Option<&str>) -> reqwest::Response {
    let mut request = reqwest::Client::new().get(format!("{}{url}", app.base));
    if let Some(range) = range {
        request = request.header(RANGE, range);
    }
    request.send().await.expect("request sent")
}

fn header<'a>(headers: &'a HeaderMap, name: &str) -> &'a str {
    headers
        .get(name)
        .map(|v| v.to_str().expect("an ASCII header"))
        .unwrap_or_default()
}

/// Asserts a refusal: 403, the error shape with `FORBIDDEN`, nothing of the
/// document in it.
async fn assert_refused(response: reqwest::Response, what: &str) {
    assert_eq!(response.status(), StatusCode::FORBIDDEN, "{what}");
    assert!(
        response.headers().get("content-disposition").is_none(),
        "{what}"
    );
    let body: Value = response.json().await.expect("a JSON body");
    assert_eq!(
        body["errors"][0]["extensions"]["code"], "FORBIDDEN",
        "{what}"
    );
    assert!(!body.to_string().contains("cv"), "{what}: {body}");
}

#[tokio::test]
async fn a_link_opens_the_file_in_a_tab_without_a_bearer_header() {
    on_each_backend(async |app| {
        let admin = app.admin.clone();
        let (document, bytes) = adas_pdf(&app, "Lebenslauf Müller.pdf").await;
        let url = link(&app, &admin, &document, "INLINE").await;
        let response = open(&app, &url, None).await;
        assert_eq!(response.status(), StatusCode::OK);
        let headers = response.headers().clone();
        assert_eq!(header(&headers, "content-type"), "application/pdf");
        assert_eq!(
            header(&headers, "content-disposition"),
            "inline; filename=\"Lebenslauf M_ller.pdf\"; filename*=UTF-8''Lebenslauf%20M%C3%BCller.pdf"
        );
        assert_eq!(header(&headers, "x-content-type-options"), "nosniff");
        assert_eq!(header(&headers, "content-security-policy"), "sandbox");
        assert_eq!(header(&headers, "cache-control"), "private");
        assert_eq!(header(&headers, "accept-ranges"), "bytes");
        assert_eq!(header(&headers, "content-length"), bytes.len().to_string());
        assert_eq!(response.bytes().await.unwrap().as_ref(), bytes.as_slice());

        let download = link(&app, &admin, &document, "ATTACHMENT").await;
        let response = open(&app, &download, None).await;
        assert_eq!(response.status(), StatusCode::OK);
        assert!(
            header(response.headers(), "content-disposition").starts_with("attachment; "),
            "{:?}",
            response.headers()
        );
    })
    .await;
}

/// Behind nginx, the endpoint decides and nginx sends: a valid link gets the
/// headers and the blob's internal path, no body; a bad one the same 403 as
/// ever, with no internal path to follow. (tests/nginx proves it with nginx.)
#[tokio::test]
async fn behind_nginx_a_valid_link_hands_the_blob_to_an_internal_redirect() {
    let settings = [(
        "RECRUITMAIL_FILES_ACCEL_REDIRECT",
        "/_recruitmail_blobs/".to_owned(),
    )];
    on_each_backend_with(&settings, async |app| {
        let admin = app.admin.clone();
        let (document, bytes) = adas_pdf(&app, "cv.pdf").await;
        let url = link(&app, &admin, &document, "INLINE").await;
        let response = open(&app, &url, Some("bytes=0-99")).await;
        assert_eq!(response.status(), StatusCode::OK);
        let headers = response.headers().clone();
        let digest = hex::encode(sha2::Sha256::digest(&bytes));
        assert_eq!(
            header(&headers, "x-accel-redirect"),
            format!("/_recruitmail_blobs/sha256/{}/{digest}", &digest[..2])
        );
        assert!(
            std::path::Path::new(&app.data_dir)
                .join("blobs/sha256")
                .join(&digest[..2])
                .join(&digest)
                .is_file(),
            "the redirect names the blob's file under <data dir>/blobs"
        );
        assert_eq!(header(&headers, "content-type"), "application/pdf");
        assert!(
            header(&headers, "content-disposition").starts_with("inline; filename=\"cv.pdf\""),
            "{headers:?}"
        );
        assert_eq!(header(&headers, "x-content-type-options"), "nosniff");
        assert_eq!(header(&headers, "content-security-policy"), "sandbox");
        assert!(response.bytes().await.unwrap().is_empty());

        let mut forged = url.clone();
        forged.push('0');
        let response = open(&app, &forged, None).await;
        assert!(response.headers().get("x-accel-redirect").is_none());
        assert_refused(response, "a forged link behind nginx").await;
    })
    .await;
}

#[tokio::test]
async fn only_pdf_images_and_plain_text_are_shown_in_the_tab() {
    on_each_backend(async |app| {
        let admin = app.admin.clone();
        let candidate = create_candidate(&app, &admin, "Ada", "Lovelace", "ada@example.com").await;
        for (name, content_type, shown) in [
            ("photo.png", "image/png", "inline"),
            ("notes.txt", "text/plain", "inline"),
            ("page.html", "text/html", "attachment"),
            ("logo.svg", "image/svg+xml", "attachment"),
            (
                "letter.docx",
                "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
                "attachment",
            ),
        ] {
            let body = format!("<script>alert('{name}')</script>").into_bytes();
            let document = candidate_document(
                &app,
                &admin,
                &candidate,
                None,
                name,
                content_type,
                body.clone(),
            )
            .await;
            let url = link(&app, &admin, &document, "INLINE").await;
            let response = open(&app, &url, None).await;
            assert_eq!(response.status(), StatusCode::OK, "{name}");
            let headers = response.headers();
            assert_eq!(header(headers, "content-type"), content_type, "{name}");
            assert!(
                header(headers, "content-disposition")
                    .starts_with(&format!("{shown}; filename=\"{name}\"")),
                "{name}: {headers:?}"
            );
            assert_eq!(header(headers, "content-security-policy"), "sandbox");
            assert_eq!(header(headers, "x-content-type-options"), "nosniff");
            assert_eq!(response.bytes().await.unwrap().as_ref(), body.as_slice());
        }
    })
    .await;
}

#[tokio::test]
async fn ranges_are_answered_as_pdf_viewers_ask_and_bad_ones_do_no_harm() {
    on_each_backend(async |app| {
        let admin = app.admin.clone();
        let candidate = create_candidate(&app, &admin, "Ada", "Lovelace", "ada@example.com").await;
        let bytes = pdf_bytes();
        let size = bytes.len();
        let document = candidate_document(
            &app,
            &admin,
            &candidate,
            None,
            "cv.pdf",
            "application/pdf",
            bytes.clone(),
        )
        .await;
        let url = link(&app, &admin, &document, "INLINE").await;

        for (range, first, last) in [
            ("bytes=0-1023", 0, 1023),
            ("bytes=1000-1999", 1000, 1999),
            ("bytes=-100", size - 100, size - 1),
            ("bytes=10000-", 10000, size - 1),
            ("bytes=10000-99999999", 10000, size - 1),
        ] {
            let response = open(&app, &url, Some(range)).await;
            assert_eq!(response.status(), StatusCode::PARTIAL_CONTENT, "{range}");
            let headers = response.headers().clone();
            assert_eq!(
                header(&headers, "content-range"),
                format!("bytes {first}-{last}/{size}"),
                "{range}"
            );
            assert_eq!(
                header(&headers, "content-length"),
                (last - first + 1).to_string()
            );
            assert_eq!(header(&headers, "content-type"), "application/pdf");
            assert_eq!(
                response.bytes().await.unwrap().as_ref(),
                &bytes[first..=last],
                "{range}"
            );
        }

        for beyond in [
            format!("bytes={size}-"),
            format!("bytes={}-{}", size + 10, size + 20),
        ] {
            let response = open(&app, &url, Some(&beyond)).await;
            assert_eq!(
                response.status(),
                StatusCode::RANGE_NOT_SATISFIABLE,
                "{beyond}"
            );
            assert_eq!(
                header(response.headers(), "content-range"),
                format!("bytes */{size}")
            );
            assert!(response.bytes().await.unwrap().is_empty());
        }

        // Several ranges, a thousand of them, or nonsense: the whole file.
        let thousand = format!(
            "bytes={}",
            (0..1000)
                .map(|i| format!("{i}-{i}"))
                .collect::<Vec<_>>()
                .join(",")
        );
        for whole in [
            thousand.as_str(),
            "bytes=0-1,5-9",
            "bytes=oops",
            "pages=1-2",
            "bytes=9-1",
        ] {
            let response = open(&app, &url, Some(whole)).await;
            assert_eq!(response.status(), StatusCode::OK, "{whole}");
            assert!(response.headers().get("content-range").is_none());
            assert_eq!(response.bytes().await.unwrap().len(), size, "{whole}");
        }

        // An If-Range naming another version asks for the whole file.
        let response = reqwest::Client::new()
            .get(format!("{}{url}", app.base))
            .header(RANGE, "bytes=0-9")
            .header("if-range", "\"another\"")
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::OK);
        let etag = header(response.headers(), "etag").to_owned();
        let response = reqwest::Client::new()
            .get(format!("{}{url}", app.base))
            .header(RANGE, "bytes=0-9")
            .header("if-range", etag)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::PARTIAL_CONTENT);

        // Still serving.
        assert_eq!(open(&app, &url, None).await.status(), StatusCode::OK);
    })
    .await;
}

/// `url` with the last character of its signature changed.
pub fn with_changed_signature(url: &str) -> String {
    let mut changed = url.to_owned();
    let last = changed.pop().unwrap();
    changed.push(if last == 'A' { 'B' } else { 'A' });
    changed
}

/// The forgeries every signed link (documents, exports) must refuse, made
/// from a genuine `url` of `user`: a changed signature, none, a later
/// expiry, another user.
pub fn forged_from(url: &str, user: i64) -> Vec<(&'static str, String)> {
    let path = url.split_once('?').unwrap().0;
    vec![
        ("a changed signature", with_changed_signature(url)),
        ("no signature", path.to_owned()),
        ("a later expiry", url.replace("&e=", "&e=9")),
        (
            "another user",
            url.replace(&format!("u={user}"), &format!("u={}", user + 1)),
        ),
    ]
}

/// The claims of a link minted by the server: (user, token).
pub fn claims(url: &str) -> (i64, i64) {
    let query = url.split_once('?').unwrap().1;
    let value = |key: &str| {
        query
            .split('&')
            .find_map(|pair| pair.strip_prefix(&format!("{key}=")))
            .unwrap()
            .parse::<i64>()
            .unwrap()
    };
    (value("u"), value("t"))
}

/// A link signed with the server's own key for claims the server would
/// never grant.
async fn signed(app: &TestApp, document: &str, user: i64, token: i64, expires: i64) -> String {
    let company = entity::user::Entity::find_by_id(user)
        .one(&app.state.db)
        .await
        .unwrap()
        .unwrap()
        .company_id;
    let document_id = decode(&ID(document.to_owned()), Kind::Document, "id").unwrap();
    Signer::new(&app.state.settings.secret_key).link(
        document,
        &Grant {
            company_id: company,
            document_id,
            user_id: user,
            token_id: token,
            expires,
            disposition: Disposition::Inline,
        },
    )
}

#[tokio::test]
async fn forged_expired_and_other_company_links_get_403_and_reveal_nothing() {
    on_each_backend(async |app| {
        let admin = app.admin.clone();
        let candidate = create_candidate(&app, &admin, "Ada", "Lovelace", "ada@example.com").await;
        let document = candidate_document(
            &app,
            &admin,
            &candidate,
            None,
            "cv.pdf",
            "application/pdf",
            pdf_bytes(),
        )
        .await;
        let url = link(&app, &admin, &document, "INLINE").await;
        let (user, token) = claims(&url);

        let other = app.other_company("Umbrella").await;
        let theirs_candidate =
            create_candidate(&app, &other, "Eve", "Other", "eve@example.com").await;
        let theirs = candidate_document(
            &app,
            &other,
            &theirs_candidate,
            None,
            "cv.pdf",
            "application/pdf",
            pdf_bytes(),
        )
        .await;
        let their_url = link(&app, &other, &theirs, "INLINE").await;

        let now = chrono::Utc::now().timestamp();
        let (_, query) = url.split_once('?').unwrap();
        let mut cases = forged_from(&url, user);
        cases.extend([
            (
                "the query on another company's document",
                format!("/files/{theirs}?{query}"),
            ),
            ("another type of ID", format!("/files/{candidate}?{query}")),
            ("garbage in the path", format!("/files/%00%ff?{query}")),
            (
                "an expired link signed with the server's key",
                signed(&app, &document, user, token, now - 1).await,
            ),
            (
                "another company's document signed with the server's key",
                signed(&app, &theirs, user, token, now + 60).await,
            ),
            (
                "another token of the same user",
                signed(&app, &document, user, token + 1000, now + 60).await,
            ),
        ]);
        for (what, forged) in cases {
            assert_refused(open(&app, &forged, None).await, what).await;
        }
        // Each company's own links still work, the server still serves.
        assert_eq!(open(&app, &url, None).await.status(), StatusCode::OK);
        assert_eq!(open(&app, &their_url, None).await.status(), StatusCode::OK);
    })
    .await;
}

#[tokio::test]
async fn revoking_the_token_or_the_right_closes_links_already_handed_out() {
    on_each_backend(async |app| {
        let admin = app.admin.clone();
        let cvs = create_document_category(&app, &admin, "CV").await;
        let candidate = create_candidate(&app, &admin, "Ada", "Lovelace", "ada@example.com").await;
        let document = candidate_document(
            &app, &admin, &candidate, Some(&cvs), "cv.pdf", "application/pdf", pdf_bytes(),
        )
        .await;
        let role = json!({ "sections": ["CANDIDATES"], "documentPermissions": [{ "documentCategoryId": cvs, "access": "VIEW" }] });
        let (_, role_id, token) = user_with_role(&app, &admin, "Viewer", role).await;

        // The right is taken away: the link stops working.
        let url = link(&app, &token, &document, "INLINE").await;
        assert_eq!(open(&app, &url, None).await.status(), StatusCode::OK);
        app.ok(
            &admin,
            "mutation($id: ID!) { updateRecruitingRole(input: { id: $id, name: \"Viewer role\", sections: [CANDIDATES] }) { role { id } } }",
            json!({ "id": role_id }),
        )
        .await;
        assert_refused(open(&app, &url, None).await, "a right taken away").await;
        let code = app
            .error_code(Some(&token), URL, json!({ "id": document, "d": "INLINE" }))
            .await;
        // The document itself is hidden from them now.
        assert_eq!(code, "NOT_FOUND");

        // The token is revoked.
        app.ok(
            &admin,
            "mutation($id: ID!, $s: [Section!]!, $p: [DocumentPermissionInput!]!) { updateRecruitingRole(input: { id: $id, name: \"Viewer role\", sections: $s, documentPermissions: $p }) { role { id } } }",
            json!({ "id": role_id, "s": ["CANDIDATES"], "p": [{ "documentCategoryId": cvs, "access": "VIEW" }] }),
        )
        .await;
        let url = link(&app, &token, &document, "INLINE").await;
        assert_eq!(open(&app, &url, None).await.status(), StatusCode::OK);
        let (_, token_id) = claims(&url);
        app.ok(
            &admin,
            "mutation($id: ID!) { revokeApiToken(input: { id: $id }) { apiToken { id } } }",
            json!({ "id": Kind::ApiToken.id(token_id) }),
        )
        .await;
        assert_refused(open(&app, &url, None).await, "a revoked token").await;

        // The user is deactivated.
        let url = link(&app, &admin, &document, "INLINE").await;
        assert_eq!(open(&app, &url, None).await.status(), StatusCode::OK);
        let second_admin = json!({ "isAdmin": true });
        let (_, _, other_admin) = user_with_role(&app, &admin, "Second admin", second_admin).await;
        let (admin_user, _) = claims(&url);
        app.ok(
            &other_admin,
            "mutation($id: ID!) { updateUser(input: { id: $id, active: false }) { user { id } } }",
            json!({ "id": Kind::User.id(admin_user) }),
        )
        .await;
        assert_refused(open(&app, &url, None).await, "a deactivated user").await;
    })
    .await;
}

const DOCUMENT: &str = "query($id: ID!) { node(id: $id) { ... on Document { id fileName source category { name } candidate { id } uploadedBy { email } } } }";

const UPDATE: &str = "mutation($id: ID!, $n: String, $k: ID) { updateDocument(input: { id: $id, fileName: $n, documentCategoryId: $k }) { document { fileName category { name } } } }";

const DELETE: &str = "mutation($id: ID!) { deleteDocument(input: { id: $id }) { deletedId } }";

/// A role with the CANDIDATES section and these document rights.
fn role(rights: &[(&str, &str)]) -> Value {
    let permissions: Vec<Value> = rights
        .iter()
        .map(|(category, access)| json!({ "documentCategoryId": category, "access": access }))
        .collect();
    json!({ "sections": ["CANDIDATES", "MESSAGES"], "documentPermissions": permissions })
}

#[tokio::test]
async fn a_document_tells_its_category_candidate_uploader_and_source() {
    on_each_backend(async |app| {
        let admin = app.admin.clone();
        let cvs = create_document_category(&app, &admin, "CV").await;
        let candidate = create_candidate(&app, &admin, "Ada", "Lovelace", "ada@example.com").await;
        let document = candidate_document(
            &app,
            &admin,
            &candidate,
            Some(&cvs),
            "cv.pdf",
            "application/pdf",
            pdf_bytes(),
        )
        .await;
        let data = app.ok(&admin, DOCUMENT, json!({ "id": document })).await;
        assert_eq!(
            data["node"],
            json!({ "id": document, "fileName": "cv.pdf", "source": "UPLOAD",
                "category": { "name": "CV" }, "candidate": { "id": candidate },
                "uploadedBy": { "email": "admin@acme.example" } })
        );
        let company = upload_file(
            &app,
            &admin,
            FileUpload {
                name: "brochure.pdf",
                content_type: "application/pdf",
                bytes: pdf_bytes(),
                candidate: None,
                category: None,
            },
        )
        .await["data"]["uploadDocument"]["document"]["id"]
            .clone();
        let data = app.ok(&admin, DOCUMENT, json!({ "id": company })).await;
        assert_eq!(data["node"]["source"], "TEMPLATE");
        assert_eq!(data["node"]["category"], Value::Null);
        assert_eq!(data["node"]["candidate"], Value::Null);
    })
    .await;
}

#[tokio::test]
async fn renaming_and_moving_a_document_take_edit_on_both_categories() {
    on_each_backend(async |app| {
        let admin = app.admin.clone();
        let cvs = create_document_category(&app, &admin, "CV").await;
        let secret = create_document_category(&app, &admin, "Secret").await;
        let candidate = create_candidate(&app, &admin, "Ada", "Lovelace", "ada@example.com").await;
        let document = candidate_document(
            &app,
            &admin,
            &candidate,
            Some(&cvs),
            "cv.pdf",
            "application/pdf",
            pdf_bytes(),
        )
        .await;
        let (_, _, viewer) = user_with_role(&app, &admin, "Viewer", role(&[(&cvs, "VIEW")])).await;
        let (_, _, editor) = user_with_role(
            &app,
            &admin,
            "Editor",
            role(&[(&cvs, "EDIT"), (&secret, "VIEW")]),
        )
        .await;
        let (_, _, mover) = user_with_role(
            &app,
            &admin,
            "Mover",
            role(&[(&cvs, "EDIT"), (&secret, "EDIT")]),
        )
        .await;

        let rename = json!({ "id": document, "n": "Lebenslauf.pdf" });
        assert_eq!(
            app.error_code(Some(&viewer), UPDATE, rename.clone()).await,
            "FORBIDDEN"
        );
        let data = app.ok(&editor, UPDATE, rename).await;
        assert_eq!(
            data["updateDocument"]["document"]["fileName"],
            "Lebenslauf.pdf"
        );

        let mv = json!({ "id": document, "k": secret });
        assert_eq!(
            app.error_code(Some(&editor), UPDATE, mv.clone()).await,
            "FORBIDDEN"
        );
        let unchanged = app.ok(&admin, DOCUMENT, json!({ "id": document })).await;
        assert_eq!(unchanged["node"]["category"]["name"], "CV");
        let bad_name = json!({ "id": document, "n": " \u{7} " });
        let response = app.gql(Some(&editor), UPDATE, bad_name).await;
        assert_eq!(response["errors"][0]["extensions"]["code"], "VALIDATION");
        assert_eq!(response["errors"][0]["extensions"]["field"], "fileName");
        let wrong_type = json!({ "id": candidate, "n": "x.pdf" });
        let response = app.gql(Some(&editor), UPDATE, wrong_type).await;
        assert_eq!(response["errors"][0]["extensions"]["code"], "VALIDATION");
        assert_eq!(response["errors"][0]["extensions"]["field"], "id");

        let data = app.ok(&mover, UPDATE, mv).await;
        assert_eq!(
            data["updateDocument"]["document"]["category"]["name"],
            "Secret"
        );
        // Now the viewer of CVs no longer sees it at all.
        assert_eq!(
            app.error_code(Some(&viewer), DOCUMENT, json!({ "id": document }))
                .await,
            "NOT_FOUND"
        );
    })
    .await;
}

#[tokio::test]
async fn a_document_a_waiting_message_needs_is_not_deleted_and_a_deleted_one_stops_opening() {
    on_each_backend(async |app| {
        let admin = app.admin.clone();
        let candidate = create_candidate(&app, &admin, "Ada", "Lovelace", "ada@example.com").await;
        let document = candidate_document(
            &app, &admin, &candidate, None, "cv.pdf", "application/pdf", pdf_bytes(),
        )
        .await;
        let at = (chrono::Utc::now() + chrono::TimeDelta::days(1)).to_rfc3339();
        let sent = app
            .ok(
                &admin,
                "mutation($c: ID!, $d: ID!, $at: DateTime!) { sendEmail(input: { candidateIds: [$c], subject: \"S\", body: \"<p>B</p>\", attachmentIds: [$d], scheduledAt: $at }) { message { id } } }",
                json!({ "c": candidate, "d": document, "at": at }),
            )
            .await;
        let message = sent["sendEmail"]["message"]["id"].clone();
        let url = link(&app, &admin, &document, "INLINE").await;

        let response = app.gql(Some(&admin), DELETE, json!({ "id": document })).await;
        assert_eq!(response["errors"][0]["extensions"]["code"], "CONFLICT", "{response:#}");
        assert!(response["errors"][0]["message"].as_str().unwrap().contains("waiting"));
        app.ok(&admin, DOCUMENT, json!({ "id": document })).await;
        assert_eq!(open(&app, &url, None).await.status(), StatusCode::OK);

        app.ok(
            &admin,
            "mutation($id: ID!) { cancelScheduledMessage(input: { id: $id }) { message { status } } }",
            json!({ "id": message }),
        )
        .await;
        let data = app.ok(&admin, DELETE, json!({ "id": document })).await;
        assert_eq!(data["deleteDocument"]["deletedId"], document);
        assert_eq!(
            app.error_code(Some(&admin), DOCUMENT, json!({ "id": document })).await,
            "NOT_FOUND"
        );
        assert_refused(open(&app, &url, None).await, "a deleted document").await;
        // The cancelled message is still there, without the file.
        let thread = app
            .ok(
                &admin,
                "query($id: ID!) { node(id: $id) { ... on Message { status attachments { id } } } }",
                json!({ "id": message }),
            )
            .await;
        assert_eq!(thread["node"], json!({ "status": "CANCELLED", "attachments": [] }));
    })
    .await;
}

#[tokio::test]
async fn document_lists_are_filtered_by_rights_before_they_are_paged() {
    on_each_backend(async |app| {
        let admin = app.admin.clone();
        let cvs = create_document_category(&app, &admin, "CV").await;
        let secret = create_document_category(&app, &admin, "Secret").await;
        let candidate = create_candidate(&app, &admin, "Ada", "Lovelace", "ada@example.com").await;
        // Interleaved, so a page cut before filtering would come out short.
        let mut visible = Vec::new();
        for i in 0..3 {
            let name = format!("secret{i}.pdf");
            candidate_document(&app, &admin, &candidate, Some(&secret), &name, "application/pdf", pdf_bytes()).await;
            let name = format!("cv{i}.pdf");
            visible.push(
                candidate_document(&app, &admin, &candidate, Some(&cvs), &name, "application/pdf", pdf_bytes()).await,
            );
        }
        let (_, _, viewer) = user_with_role(&app, &admin, "Viewer", role(&[(&cvs, "VIEW")])).await;

        let root = "query($after: String, $f: DocumentsFilter) { documents(first: 2, after: $after, filter: $f) { totalCount pageInfo { hasNextPage endCursor } nodes { id } } }";
        let first = app.ok(&viewer, root, json!({})).await["documents"].clone();
        assert_eq!(first["totalCount"], 3);
        assert_eq!(first["nodes"], json!([{ "id": visible[0] }, { "id": visible[1] }]));
        assert_eq!(first["pageInfo"]["hasNextPage"], true);
        let next = app
            .ok(&viewer, root, json!({ "after": first["pageInfo"]["endCursor"] }))
            .await["documents"]
            .clone();
        assert_eq!(next["nodes"], json!([{ "id": visible[2] }]));
        assert_eq!(next["pageInfo"]["hasNextPage"], false);
        let filtered = app
            .ok(&viewer, root, json!({ "f": { "documentCategoryId": secret } }))
            .await;
        assert_eq!(filtered["documents"]["totalCount"], 0);
        let all = app.ok(&admin, root, json!({ "f": { "candidateId": candidate } })).await;
        assert_eq!(all["documents"]["totalCount"], 6);

        let nested = "query($id: ID!, $after: String) { candidate(id: $id) { documents(first: 2, after: $after) { totalCount pageInfo { hasNextPage endCursor } nodes { id } } } }";
        let page = app.ok(&viewer, nested, json!({ "id": candidate })).await["candidate"]["documents"].clone();
        assert_eq!(page["totalCount"], 3);
        assert_eq!(page["nodes"], json!([{ "id": visible[0] }, { "id": visible[1] }]));
        assert_eq!(page["pageInfo"]["hasNextPage"], true);
        let rest = app
            .ok(&viewer, nested, json!({ "id": candidate, "after": page["pageInfo"]["endCursor"] }))
            .await["candidate"]["documents"]
            .clone();
        assert_eq!(rest["nodes"], json!([{ "id": visible[2] }]));
    })
    .await;
}

#[tokio::test]
async fn uploads_without_a_category_go_to_the_chosen_one_and_need_edit_there() {
    on_each_backend(async |app| {
        let admin = app.admin.clone();
        let cvs = create_document_category(&app, &admin, "CV").await;
        let inbox = create_document_category(&app, &admin, "Inbox").await;
        let chosen = app
            .ok(
                &admin,
                "mutation($k: ID!) { setReceivedDocumentCategory(input: { documentCategoryId: $k }) { company { receivedDocumentCategory { name } } } }",
                json!({ "k": inbox }),
            )
            .await;
        assert_eq!(
            chosen["setReceivedDocumentCategory"]["company"]["receivedDocumentCategory"]["name"],
            "Inbox"
        );
        let candidate = create_candidate(&app, &admin, "Ada", "Lovelace", "ada@example.com").await;
        let (_, _, cv_editor) = user_with_role(&app, &admin, "CV editor", role(&[(&cvs, "EDIT"), (&inbox, "VIEW")])).await;
        let (_, _, inbox_editor) = user_with_role(&app, &admin, "Inbox editor", role(&[(&inbox, "EDIT")])).await;
        let file = |bytes: Vec<u8>| FileUpload {
            name: "note.txt",
            content_type: "text/plain",
            bytes,
            candidate: Some(&candidate),
            category: None,
        };
        let refused = upload_file(&app, &cv_editor, file(b"one".to_vec())).await;
        assert_eq!(refused["errors"][0]["extensions"]["code"], "FORBIDDEN", "{refused:#}");
        let count = "{ documents { totalCount } }";
        assert_eq!(app.ok(&admin, count, json!({})).await["documents"]["totalCount"], 0);

        let accepted = upload_file(&app, &inbox_editor, file(b"two".to_vec())).await;
        let id = accepted["data"]["uploadDocument"]["document"]["id"].clone();
        let data = app.ok(&admin, DOCUMENT, json!({ "id": id })).await;
        assert_eq!(data["node"]["category"]["name"], "Inbox");
        // Only admins choose.
        assert_eq!(
            app.error_code(
                Some(&inbox_editor),
                "mutation($k: ID!) { setReceivedDocumentCategory(input: { documentCategoryId: $k }) { company { id } } }",
                json!({ "k": cvs })
            )
            .await,
            "FORBIDDEN"
        );
    })
    .await;
}
