//! Documents open in a browser tab through signed links: what the browser
//! receives (status, headers, bytes), and what every bad link receives.

use async_graphql::ID;
use recruitmail::documents::links::{Disposition, Grant, Signer};
use recruitmail::graphql::ids::{Kind, decode};
use reqwest::StatusCode;
use reqwest::header::{HeaderMap, RANGE};
use sea_orm::EntityTrait as _;
use serde_json::{Value, json};

use crate::helpers::{
    FileUpload, TestApp, create_candidate, create_document_category, on_each_backend, upload_file,
    user_with_role,
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
        let candidate = create_candidate(&app, &admin, "Ada", "Lovelace", "ada@example.com").await;
        let bytes = pdf_bytes();
        let document = candidate_document(
            &app,
            &admin,
            &candidate,
            None,
            "Lebenslauf Müller.pdf",
            "application/pdf",
            bytes.clone(),
        )
        .await;
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

/// The claims of a link minted by the server: (user, token).
fn claims(url: &str) -> (i64, i64) {
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
        let (path, query) = url.split_once('?').unwrap();
        let mut flipped = url.clone();
        let last = flipped.pop().unwrap();
        flipped.push(if last == 'A' { 'B' } else { 'A' });
        let cases = [
            ("a changed signature", flipped),
            ("no signature", path.to_owned()),
            ("a later expiry", url.replace("&e=", "&e=9")),
            (
                "another user",
                url.replace(&format!("u={user}"), &format!("u={}", user + 1)),
            ),
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
        ];
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
