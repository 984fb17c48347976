//! Schema changes keep what is stored: a database of the previous release,
//! upgraded, holds the same messages, and the step back restores them.

use migration::{Migrator, MigratorTrait as _};
use sea_orm::{ConnectionTrait as _, DatabaseConnection, Statement};

use crate::helpers::on_each_backend;

/// Migrations to undo to reach the schema before `message_contents`: that
/// one and those after it.
fn steps_back() -> u32 {
    let names: Vec<String> = Migrator::migrations()
        .iter()
        .map(|m| m.name().to_owned())
        .collect();
    let at = names
        .iter()
        .position(|n| n == "m20261202_000001_message_contents")
        .expect("the message_contents migration");
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
