//! Reading received mail as a recruiter does: HTML without the sender's
//! remote images unless asked for, the message's own inline images through
//! document links, and read state shared by everyone at the company.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use serde_json::{Value, json};

use crate::documents::open;
use crate::helpers::{
    TestApp, create_application, create_candidate, on_each_backend, structure, user_with_role,
};
use crate::inbound::{NOW_HEADERS, deliver};
use crate::outbound::{applicant, send_plain};

/// The bytes of the inline image: a PNG signature and some data.
fn logo() -> Vec<u8> {
    let mut png = b"\x89PNG\r\n\x1a\n".to_vec();
    png.extend((0..300u32).map(|i| (i % 253) as u8));
    png
}

/// An HTML email from `from` with a tracking pixel, a remote stylesheet and
/// an inline image (multipart/related, RFC 2387) shown through `cid:`.
pub(crate) fn html_mail(from: &str, n: u32) -> String {
    let image = STANDARD.encode(logo());
    format!(
        "From: {from}\r\nTo: jobs@acme.example\r\nSubject: My portfolio {n}\r\n\
         Message-ID: <portfolio-{n}@example.org>\r\n{NOW_HEADERS}\
         Content-Type: multipart/related; boundary=\"rel\"; type=\"text/html\"\r\n\r\n\
         --rel\r\nContent-Type: text/html; charset=utf-8\r\n\r\n\
         <html><head><link rel=\"stylesheet\" href=\"https://track.example/style.css\"></head>\r\n\
         <body><p style=\"color: #333366\">Hello, here is my work.</p>\r\n\
         <img src=\"cid:logo.{n}@mail.example.org\" alt=\"Logo\">\r\n\
         <img src=\"https://track.example/open.gif?who=ada\" width=\"1\" height=\"1\">\r\n\
         </body></html>\r\n\
         --rel\r\nContent-Type: image/png\r\nContent-Transfer-Encoding: base64\r\n\
         Content-ID: <logo.{n}@mail.example.org>\r\nContent-Disposition: inline\r\n\r\n\
         {image}\r\n--rel--\r\n"
    )
}

/// The value of the first `src` attribute pointing at `/files/`, as a
/// browser reads it (HTML escapes undone).
fn inline_src(html: &str) -> String {
    let start = html.find("src=\"/files/").expect("a /files/ image") + "src=\"".len();
    let end = start + html[start..].find('"').expect("a closing quote");
    html[start..end].replace("&amp;", "&")
}

#[tokio::test]
async fn received_html_loads_nothing_remote_unless_asked_and_shows_its_own_images() {
    on_each_backend(async |app| {
        applicant(&app, "Ada", "ada@example.org").await;
        let filed = deliver(&app, &html_mail("Ada Example <ada@example.org>", 1)).await;
        assert_eq!(filed["outcome"], "FILED", "{filed:#}");
        let message = app
            .ok(
                &app.admin,
                "query($id: ID!) { message(id: $id) { blocked: htmlBody
                    shown: htmlBody(remoteImages: true) attachments { id contentType } } }",
                json!({ "id": filed["messageId"] }),
            )
            .await["message"]
            .clone();

        let blocked = message["blocked"].as_str().unwrap();
        for remote in ["http:", "https:", "//track", "track.example", "style.css"] {
            assert!(!blocked.contains(remote), "{remote} in {blocked}");
        }
        assert!(blocked.contains("Hello, here is my work."), "{blocked}");
        assert!(blocked.contains("color:#333366"), "{blocked}");

        let shown = message["shown"].as_str().unwrap();
        assert!(
            shown.contains("src=\"https://track.example/open.gif?who=ada\""),
            "{shown}"
        );
        // A stylesheet would restyle the page showing the message: never kept.
        assert!(!shown.contains("style.css"), "{shown}");

        // The inline image is the message's attachment, opened by its link.
        assert_eq!(
            message["attachments"],
            json!([{ "id": message["attachments"][0]["id"], "contentType": "image/png" }])
        );
        for html in [blocked, shown] {
            let link = inline_src(html);
            let response = open(&app, &link, None).await;
            assert_eq!(response.status(), 200, "{link}");
            assert_eq!(response.headers()["content-type"], "image/png");
            assert_eq!(response.bytes().await.unwrap().to_vec(), logo());
        }

        // Someone who may read her mail but not open her documents (no
        // access to their category) gets no link, and still nothing remote.
        let (_, _, messages_only) = user_with_role(
            &app,
            &app.admin,
            "Mailroom",
            json!({ "sections": ["CANDIDATES", "MESSAGES"] }),
        )
        .await;
        let theirs = app
            .ok(
                &messages_only,
                "query($id: ID!) { message(id: $id) { htmlBody } }",
                json!({ "id": filed["messageId"] }),
            )
            .await["message"]["htmlBody"]
            .as_str()
            .unwrap()
            .to_owned();
        assert!(!theirs.contains("/files/"), "{theirs}");
        assert!(!theirs.contains("track.example"), "{theirs}");
        assert!(theirs.contains("alt=\"Logo\""), "{theirs}");
    })
    .await;
}

const MARK: &str = "mutation($ids: [ID!]!, $read: Boolean!) {
    markMessagesRead(input: { messageIds: $ids, read: $read }) { changed messages { id readAt } }
}";

const UNREAD: &str = "{ viewer { unreadMessages(first: 10) { totalCount nodes { id } } }
    candidates(first: 10) { nodes { email unreadCount } } }";

/// What `token` sees waiting: the unread messages' IDs, and each
/// candidate's unread count by email.
async fn waiting(app: &TestApp, token: &str) -> (Vec<Value>, Vec<(String, i64)>) {
    let data = app.ok(token, UNREAD, json!({})).await;
    let ids = data["viewer"]["unreadMessages"]["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n["id"].clone())
        .collect::<Vec<_>>();
    assert_eq!(
        data["viewer"]["unreadMessages"]["totalCount"],
        json!(ids.len())
    );
    let counts = data["candidates"]["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            (
                c["email"].as_str().unwrap().to_owned(),
                c["unreadCount"].as_i64().unwrap(),
            )
        })
        .collect();
    (ids, counts)
}

fn counts(ada: i64, bo: i64) -> Vec<(String, i64)> {
    vec![
        ("ada@example.org".to_owned(), ada),
        ("bo@example.org".to_owned(), bo),
    ]
}

#[tokio::test]
async fn read_state_is_shared_by_the_company_and_counted_per_candidate() {
    on_each_backend(async |app| {
        let (_, ada, _) = applicant(&app, "Ada", "ada@example.org").await;
        applicant(&app, "Bo", "bo@example.org").await;
        let sent = send_plain(&app, &ada).await;
        let mut received = Vec::new();
        for (from, n) in [
            ("Ada Example <ada@example.org>", 1),
            ("Ada Example <ada@example.org>", 2),
            ("Bo Example <bo@example.org>", 3),
        ] {
            received.push(deliver(&app, &html_mail(from, n)).await["messageId"].clone());
        }
        let (first, second, bos) = (&received[0], &received[1], &received[2]);
        assert_eq!(
            waiting(&app, &app.admin).await,
            (received.clone(), counts(2, 1))
        );

        let marked = app
            .ok(
                &app.admin,
                MARK,
                json!({ "ids": [first, sent["id"]], "read": true }),
            )
            .await["markMessagesRead"]
            .clone();
        assert_eq!(marked["changed"], 1, "{marked:#}");
        assert_eq!(marked["messages"][0]["id"], *first);
        let read_at = marked["messages"][0]["readAt"].clone();
        assert!(read_at.is_string(), "{marked:#}");
        // Mail the company sent has no read state.
        assert_eq!(marked["messages"][1]["readAt"], Value::Null);

        // Another recruiter sees the same mailbox.
        let (_, _, colleague) = user_with_role(
            &app,
            &app.admin,
            "Colleague",
            json!({ "sections": ["CANDIDATES", "MESSAGES"] }),
        )
        .await;
        let rest = vec![second.clone(), bos.clone()];
        assert_eq!(
            waiting(&app, &colleague).await,
            (rest.clone(), counts(1, 1))
        );

        // Read again: nothing changes, the first reading's time stays.
        let again = app
            .ok(
                &colleague,
                MARK,
                json!({ "ids": [first, first], "read": true }),
            )
            .await["markMessagesRead"]
            .clone();
        assert_eq!(
            again,
            json!({ "changed": 0, "messages": [{ "id": first, "readAt": read_at }] })
        );

        // A message the caller cannot name fails the whole request.
        let other = app.other_company("Globex").await;
        let (_, _, position) = structure(&app, &other, "Globex").await;
        let theirs = create_candidate(&app, &other, "Mal", "X", "mal@example.org").await;
        create_application(&app, &other, &theirs, &position).await;
        let their_message = send_plain_as(&app, &other, &theirs).await;
        let refused = app
            .gql(
                Some(&app.admin),
                MARK,
                json!({ "ids": [second, their_message], "read": true }),
            )
            .await;
        assert_eq!(
            crate::helpers::first_code(&refused).as_deref(),
            Some("NOT_FOUND")
        );
        assert_eq!(waiting(&app, &app.admin).await, (rest, counts(1, 1)));

        // Unread again.
        let unread = app
            .ok(&app.admin, MARK, json!({ "ids": [first], "read": false }))
            .await["markMessagesRead"]
            .clone();
        assert_eq!(
            unread,
            json!({ "changed": 1, "messages": [{ "id": first, "readAt": null }] })
        );
        assert_eq!(
            waiting(&app, &app.admin).await,
            (received.clone(), counts(2, 1))
        );

        let too_many: Vec<Value> = (0..501).map(|_| first.clone()).collect();
        let refused = app
            .gql(
                Some(&app.admin),
                MARK,
                json!({ "ids": too_many, "read": true }),
            )
            .await;
        assert_eq!(
            crate::helpers::first_code(&refused).as_deref(),
            Some("VALIDATION")
        );
        assert_eq!(refused["errors"][0]["extensions"]["field"], "messageIds");
    })
    .await;
}

/// A short message from `token`'s company to its candidate; its ID.
async fn send_plain_as(app: &TestApp, token: &str, candidate: &str) -> Value {
    app.ok(
        token,
        "mutation($c: ID!) { sendEmail(input: { candidateIds: [$c], subject: \"S\", body: \"<p>B</p>\" }) { message { id } } }",
        json!({ "c": candidate }),
    )
    .await["sendEmail"]["message"]["id"]
        .clone()
}
