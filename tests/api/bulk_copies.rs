//! CC and BCC of a bulk send receive one summary copy, read back from the
//! real SMTP server on loopback with mail-parser.

use chrono::Utc;
use mail_parser::Address;
use serde_json::json;

use crate::helpers::on_each_backend;
use crate::outbound::{applicant, parse, tick, use_plain_server};
use crate::smtp_server::{Options, SmtpServer};
use crate::waiting::bulk_send;

const SEND: &str =
    "mutation($i: SendEmailInput!) { sendEmail(input: $i) { message { id } batch { id total } } }";

const COPIES: [&str; 3] = [
    "archive@acme.example",
    "lea@acme.example",
    "max@acme.example",
];

/// The addresses of a header's mailboxes.
fn addresses(field: Option<&Address<'_>>) -> Vec<String> {
    field
        .map(|a| {
            a.iter()
                .filter_map(|m| m.address().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default()
}

#[tokio::test]
async fn a_bulk_sends_cc_and_bcc_get_one_summary_copy_listing_every_recipient() {
    let server = SmtpServer::start(Options::default());
    on_each_backend(async |app| {
        let (before, batch) = bulk_send(
            &app,
            &server,
            5,
            json!({ "subject": "News for {{ first_name }}",
                "body": "<p>Dear {{ first_name }}, thank you.</p>",
                "cc": ["lea@acme.example", "max@acme.example"], "bcc": ["archive@acme.example"] }),
        )
        .await;
        let done = tick(&app, Utc::now()).await;
        assert_eq!(
            done.sent, 6,
            "five candidates and one summary copy: {done:?}"
        );
        let delivered = server.wait_for(before + 6);
        let ours = &delivered[before..];
        assert_eq!(ours.len(), 6);

        let (copies, candidates): (Vec<_>, Vec<_>) = ours
            .iter()
            .partition(|d| d.rcpt_tos.iter().any(|r| r.ends_with("@acme.example")));
        assert_eq!(candidates.len(), 5);
        let mut reached: Vec<String> = Vec::new();
        for d in &candidates {
            assert_eq!(d.rcpt_tos.len(), 1, "only the candidate: {:?}", d.rcpt_tos);
            let mail = parse(&d.raw);
            assert!(mail.cc().is_none(), "no Cc header");
            assert!(mail.bcc().is_none(), "no Bcc header");
            reached.extend(addresses(mail.to()));
        }
        reached.sort();
        let expected: Vec<String> = (0..5)
            .map(|i| format!("applicant{i}@example.com"))
            .collect();
        assert_eq!(reached, expected);

        assert_eq!(copies.len(), 1, "exactly one summary copy");
        let copy = copies[0];
        let mut rcpt = copy.rcpt_tos.clone();
        rcpt.sort();
        assert_eq!(rcpt, COPIES, "each CC and BCC address once");
        let mail = parse(&copy.raw);
        assert_eq!(
            addresses(mail.cc()),
            ["lea@acme.example", "max@acme.example"]
        );
        assert!(mail.to().is_none(), "addressed to no candidate");
        assert!(mail.bcc().is_none(), "BCC addresses are not shown");
        let subject = mail.subject().unwrap().to_owned();
        let first = subject
            .strip_prefix("News for ")
            .expect("the first candidate's subject");
        let text = mail.body_text(0).unwrap().into_owned();
        assert!(text.contains("sent to 5 recipients"), "{text}");
        for address in &expected {
            assert!(text.contains(address), "{address} listed: {text}");
        }
        assert!(
            text.contains(&format!("Dear {first}, thank you.")),
            "{text}"
        );
        let html = mail.body_html(0).unwrap().into_owned();
        assert!(
            html.contains("<li>First0 Bulk &lt;applicant0@example.com&gt;</li>"),
            "{html}"
        );

        // The send counts its candidates' messages only; theirs carry no copies.
        let counts = app
            .ok(
                &app.admin,
                "query($id: ID!) { emailBatch(id: $id) { total sent queued
                    messages(first: 10) { nodes { candidate { id } cc bcc } } } }",
                json!({ "id": batch["id"] }),
            )
            .await["emailBatch"]
            .clone();
        assert_eq!(
            (&counts["total"], &counts["sent"], &counts["queued"]),
            (&json!(5), &json!(5), &json!(0))
        );
        let nodes = counts["messages"]["nodes"].as_array().unwrap();
        let to_candidates: Vec<_> = nodes.iter().filter(|n| !n["candidate"].is_null()).collect();
        assert_eq!(to_candidates.len(), 5);
        for node in to_candidates {
            assert_eq!((&node["cc"], &node["bcc"]), (&json!([]), &json!([])));
        }
    })
    .await;
}

#[tokio::test]
async fn the_summary_copy_is_written_in_the_companys_language() {
    let server = SmtpServer::start(Options::default());
    on_each_backend(async |app| {
        app.ok(
            &app.admin,
            "mutation { updateCompany(input: { defaultLanguage: \"fr\" }) { company { defaultLanguage } } }",
            json!({}),
        )
        .await;
        let (before, _) = bulk_send(
            &app,
            &server,
            3,
            json!({ "subject": "Nouvelles", "body": "<p>Bonjour</p>", "cc": ["lea@acme.example"] }),
        )
        .await;
        assert_eq!(tick(&app, Utc::now()).await.sent, 4);
        let delivered = server.wait_for(before + 4);
        let copy = delivered[before..]
            .iter()
            .find(|d| d.rcpt_tos == ["lea@acme.example"])
            .expect("the summary copy");
        let text = parse(&copy.raw).body_text(0).unwrap().into_owned();
        assert!(text.contains("envoyé à 3 destinataires"), "{text}");
        assert!(text.contains("Destinataires :"), "{text}");
        assert!(!text.contains("Recipients"), "{text}");
    })
    .await;
}

#[tokio::test]
async fn a_single_send_keeps_its_cc_and_bcc() {
    let server = SmtpServer::start(Options::default());
    on_each_backend(async |app| {
        let (sub, candidate, _) = applicant(&app, "Single", "single@example.com").await;
        use_plain_server(&app, &sub, &server).await;
        let before = server.delivered().len();
        app.ok(
            &app.admin,
            SEND,
            json!({ "i": { "candidateIds": [candidate], "subject": "S", "body": "<p>B</p>",
                "cc": ["lea@acme.example", "max@acme.example"], "bcc": ["archive@acme.example"] } }),
        )
        .await;
        assert_eq!(tick(&app, Utc::now()).await.sent, 1);
        let delivered = server.wait_for(before + 1);
        assert_eq!(delivered.len(), before + 1, "one message");
        let mut rcpt = delivered[before].rcpt_tos.clone();
        rcpt.sort();
        assert_eq!(rcpt, [&COPIES[..], &["single@example.com"]].concat());
        let mail = parse(&delivered[before].raw);
        assert_eq!(addresses(mail.to()), ["single@example.com"]);
        assert_eq!(addresses(mail.cc()), ["lea@acme.example", "max@acme.example"]);
    })
    .await;
}
