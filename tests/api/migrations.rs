//! Schema changes keep what is stored: a database of the previous release,
//! upgraded, holds the same messages, and the step back restores them.

use migration::{Migrator, MigratorTrait as _};
use sea_orm::{ConnectionTrait as _, DatabaseConnection, Statement};

use crate::helpers::on_each_backend;

/// Migrations to undo to reach the schema before `message_contents`: that
/// one and those after it.
fn steps_back() -> u32 {
    steps_back_to("m20261202_000001_message_contents")
}

/// Migrations to undo to reach the schema before migration `name`.
fn steps_back_to(name: &str) -> u32 {
    let names: Vec<String> = Migrator::migrations()
        .iter()
        .map(|m| m.name().to_owned())
        .collect();
    let at = names
        .iter()
        .position(|n| n == name)
        .unwrap_or_else(|| panic!("no migration {name}"));
    u32::try_from(names.len() - at).unwrap()
}

/// `(id, text_body, html_body, calendar)` of the messages, read with `sql`.
async fn bodies(
    db: &DatabaseConnection,
    sql: &str,
) -> Vec<(i64, String, Option<String>, Option<String>)> {
    let backend = db.get_database_backend();
    db.query_all_raw(Statement::from_string(backend, sql))
        .await
        .unwrap()
        .into_iter()
        .map(|row| {
            (
                row.try_get_by_index(0).unwrap(),
                row.try_get_by_index(1).unwrap(),
                row.try_get_by_index(2).unwrap(),
                row.try_get_by_index(3).unwrap(),
            )
        })
        .collect()
}

#[tokio::test]
async fn message_bodies_survive_the_move_to_their_own_table_and_back() {
    on_each_backend(async |app| {
        let db = &app.state.db;
        Migrator::down(db, Some(steps_back())).await.unwrap();
        db.execute_unprepared(
            "INSERT INTO messages (company_id, direction, status, subject, text_body, html_body, \
             calendar, calendar_method, from_address, attempts, created_at) VALUES \
             (1, 'OUTBOUND', 'SENT', 'Invitation', 'See you', '<p>See you</p>', \
              'BEGIN:VCALENDAR', 'REQUEST', 'jobs@acme.example', 1, CURRENT_TIMESTAMP), \
             (1, 'INBOUND', 'RECEIVED', 'Question', 'When?', NULL, NULL, NULL, \
              'ada@example.org', 0, CURRENT_TIMESTAMP)",
        )
        .await
        .unwrap();
        let before = bodies(
            db,
            "SELECT id, text_body, html_body, calendar FROM messages ORDER BY id",
        )
        .await;
        assert_eq!(before.len(), 2);

        Migrator::up(db, None).await.unwrap();
        let moved = bodies(
            db,
            "SELECT message_id, text_body, html_body, calendar FROM message_contents \
             ORDER BY message_id",
        )
        .await;
        assert_eq!(moved, before);
        let left = db
            .query_all_raw(Statement::from_string(
                db.get_database_backend(),
                "SELECT text_body FROM messages",
            ))
            .await;
        assert!(left.is_err(), "the old columns must be gone");

        Migrator::down(db, Some(steps_back())).await.unwrap();
        let back = bodies(
            db,
            "SELECT id, text_body, html_body, calendar FROM messages ORDER BY id",
        )
        .await;
        assert_eq!(back, before);
        Migrator::up(db, None).await.unwrap();
    })
    .await;
}

#[tokio::test]
async fn existing_documents_get_the_source_their_rows_imply() {
    on_each_backend(async |app| {
        let admin = app.admin.clone();
        let candidate =
            crate::helpers::create_candidate(&app, &admin, "Ada", "L", "ada@example.com").await;
        let candidate = recruitmail::graphql::ids::decode(
            &async_graphql::ID(candidate),
            recruitmail::graphql::ids::Kind::Candidate,
            "id",
        )
        .unwrap();
        let db = &app.state.db;
        Migrator::down(db, Some(steps_back_to("m20261206_000002_document_sources")))
            .await
            .unwrap();
        let document = |id: i64, candidate: &str, uploader: &str, name: &str| {
            format!(
                "({id}, 1, {candidate}, NULL, '{name}', 'application/pdf', 1, 'ab', 'sha256/ab/ab', \
                 {uploader}, CURRENT_TIMESTAMP)"
            )
        };
        let rows = [
            document(101, &candidate.to_string(), "1", "upload.pdf"),
            document(102, "NULL", "1", "brochure.pdf"),
            document(103, &candidate.to_string(), "NULL", "mailed.pdf"),
            document(104, &candidate.to_string(), "NULL", "form.pdf"),
        ];
        db.execute_unprepared(&format!(
            "INSERT INTO documents (id, company_id, candidate_id, document_category_id, file_name, \
             content_type, size_bytes, sha256, blob_key, uploaded_by_id, created_at) VALUES {}",
            rows.join(", ")
        ))
        .await
        .unwrap();
        db.execute_unprepared(
            "INSERT INTO messages (id, company_id, direction, status, subject, from_address, \
             attempts, created_at) VALUES (201, 1, 'INBOUND', 'RECEIVED', 'CV', \
             'ada@example.com', 0, CURRENT_TIMESTAMP)",
        )
        .await
        .unwrap();
        db.execute_unprepared(
            "INSERT INTO message_attachments (message_id, document_id, position) VALUES (201, 103, 0)",
        )
        .await
        .unwrap();
        Migrator::up(db, None).await.unwrap();
        let sources: Vec<(String, String)> = db
            .query_all_raw(Statement::from_string(
                db.get_database_backend(),
                "SELECT file_name, source FROM documents WHERE id > 100 ORDER BY id",
            ))
            .await
            .unwrap()
            .into_iter()
            .map(|row| (row.try_get_by_index(0).unwrap(), row.try_get_by_index(1).unwrap()))
            .collect();
        let expected = [
            ("upload.pdf", "UPLOAD"),
            ("brochure.pdf", "TEMPLATE"),
            ("mailed.pdf", "INBOUND"),
            ("form.pdf", "FORM"),
        ]
        .map(|(n, s)| (n.to_owned(), s.to_owned()));
        assert_eq!(sources, expected);
    })
    .await;
}
