//! `auditLog`: the company's audit trail, for recruiting admins.

use async_graphql::{Context, ID, InputObject, Object};
use chrono::{DateTime, Utc};
use entity::audit_entry;
use sea_orm::{ColumnTrait as _, EntityTrait as _, QueryFilter as _};

use crate::access::{ContextExt as _, Require};
use crate::error::ApiError;
use crate::graphql::ids::{Kind, decode};
use crate::graphql::pagination::{Conn, Page, paginate};
use crate::graphql::state::{db, max_page_size};
use crate::graphql::types::AuditEntry;

#[derive(Default)]
pub struct AuditQuery;

/// Narrows `auditLog`; all given conditions must hold.
#[derive(InputObject, Default)]
struct AuditLogFilter {
    /// Exactly this action, e.g. `message.sent`.
    action: Option<String>,
    /// Taken by this user.
    actor_id: Option<ID>,
    /// At or after this time.
    from: Option<DateTime<Utc>>,
    /// Before this time.
    to: Option<DateTime<Utc>>,
}

#[Object]
impl AuditQuery {
    /// The company's audit trail, oldest first: every send, settings
    /// change, token and data-protection action, with who took it. Recruiting
    /// admins only.
    #[graphql(
        guard = "Require::Admin",
        complexity = "(first.unwrap_or(20).clamp(1, 100) as usize).saturating_mul(child_complexity)"
    )]
    async fn audit_log(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
        filter: Option<AuditLogFilter>,
    ) -> Result<Conn<AuditEntry>, ApiError> {
        let page = Page::new(first, after.as_deref(), max_page_size(ctx)?)?;
        let actor = ctx.actor()?;
        let filter = filter.unwrap_or_default();
        let mut select =
            audit_entry::Entity::find().filter(audit_entry::Column::CompanyId.eq(actor.company_id));
        if let Some(action) = filter.action {
            select = select.filter(audit_entry::Column::Action.eq(action));
        }
        if let Some(id) = filter.actor_id {
            let user = decode(&id, Kind::User, "filter.actorId")?;
            select = select.filter(audit_entry::Column::ActorUserId.eq(user));
        }
        if let Some(from) = filter.from {
            select = select.filter(audit_entry::Column::At.gte(from));
        }
        if let Some(to) = filter.to {
            select = select.filter(audit_entry::Column::At.lt(to));
        }
        paginate(
            db(ctx)?,
            select,
            audit_entry::Column::Id,
            page,
            AuditEntry::page,
        )
        .await
    }
}
