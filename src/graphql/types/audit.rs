//! Entries of the audit trail as recruiting admins read them.

use std::collections::HashMap;
use std::sync::Arc;

use async_graphql::{Context, ID, Json, Object};
use chrono::{DateTime, Utc};
use entity::{audit_entry, user};
use sea_orm::{ColumnTrait as _, EntityTrait as _, QueryFilter as _};
use tokio::sync::OnceCell;

use super::{User, loading};
use crate::error::ApiError;
use crate::graphql::ids::Kind;

/// One recorded action: who, what, on which record, and the chain link.
pub struct AuditEntry {
    row: audit_entry::Model,
    actors: Arc<PageActors>,
}

/// The users who acted in one page of entries, loaded once for all of them.
struct PageActors {
    ids: Vec<i64>,
    loaded: OnceCell<HashMap<i64, user::Model>>,
}

impl AuditEntry {
    pub fn page(rows: Vec<audit_entry::Model>) -> Vec<Self> {
        let mut ids: Vec<i64> = rows.iter().filter_map(|r| r.actor_user_id).collect();
        ids.sort_unstable();
        ids.dedup();
        let actors = Arc::new(PageActors {
            ids,
            loaded: OnceCell::new(),
        });
        rows.into_iter()
            .map(|row| Self {
                row,
                actors: actors.clone(),
            })
            .collect()
    }
}

#[Object]
impl AuditEntry {
    /// Position in the company's chain, from 1.
    async fn seq(&self) -> i64 {
        self.row.seq
    }
    async fn at(&self) -> DateTime<Utc> {
        self.row.at
    }
    /// E.g. `message.sent`, `email_template.updated`, `api_token.revoked`.
    async fn action(&self) -> &str {
        &self.row.action
    }
    /// Who did it; `null` for the server's own jobs (and for a user who no
    /// longer exists, whose ID stays in `actorId`).
    async fn actor(&self, ctx: &Context<'_>) -> Result<Option<User>, ApiError> {
        let Some(id) = self.row.actor_user_id else {
            return Ok(None);
        };
        let (db, actor) = loading(ctx)?;
        let users = self
            .actors
            .loaded
            .get_or_try_init(|| async {
                let rows = user::Entity::find()
                    .filter(user::Column::CompanyId.eq(actor.company_id))
                    .filter(user::Column::Id.is_in(self.actors.ids.iter().copied()))
                    .all(db)
                    .await?;
                Ok::<_, ApiError>(rows.into_iter().map(|u| (u.id, u)).collect())
            })
            .await?;
        Ok(users.get(&id).cloned().map(User::one))
    }
    async fn actor_id(&self) -> Option<ID> {
        self.row.actor_user_id.map(|id| Kind::User.id(id))
    }
    /// The API token the action was taken with, if any.
    async fn token_id(&self) -> Option<ID> {
        self.row.actor_token_id.map(|id| Kind::ApiToken.id(id))
    }
    /// The GraphQL type of the record acted on, e.g. `EmailTemplate`.
    async fn subject_type(&self) -> Option<&str> {
        self.row.subject_kind.as_deref()
    }
    /// The record's global ID (it may no longer exist).
    async fn subject_id(&self) -> Option<ID> {
        let kind = Kind::named(self.row.subject_kind.as_deref()?)?;
        Some(kind.id(self.row.subject_id?))
    }
    /// IDs, counts, and `before`/`after` values of changed settings, with
    /// secrets masked. Never candidates' names or addresses.
    async fn details(&self) -> Json<serde_json::Value> {
        Json(serde_json::from_str(&self.row.details).unwrap_or(serde_json::Value::Null))
    }
    /// Hex SHA-256 of the entry before it (zeros for the first).
    async fn prev_hash(&self) -> &str {
        &self.row.prev_hash
    }
    /// Hex SHA-256 of this entry, as `recruitmail audit verify` checks it.
    async fn hash(&self) -> &str {
        &self.row.hash
    }
}
