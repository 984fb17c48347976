//! Users, their roles and their API tokens.

use std::collections::HashMap;
use std::sync::Arc;

use async_graphql::{Context, ID, Object, SimpleObject};
use chrono::{DateTime, Utc};
use entity::{api_token, company, message, recruiting_role, role_document_permission, user};

use super::{BusyTime, Company, DocumentAccess, ExternalCalendar, Message, WorkingHours, loading};
use crate::access::{Actor, Require, Section};
use crate::error::ApiError;
use crate::graphql::ids::Kind;
use crate::graphql::pagination::{Conn, Page, paginate};
use crate::graphql::state::max_page_size;
use crate::mail::read_state;
use crate::scheduling::calendars;
use crate::scheduling::working_hours::{self, Availability};
use tokio::sync::OnceCell;

/// The caller: who they are, their company and what they may do.
pub struct Viewer {
    pub actor: Actor,
    pub user: user::Model,
    pub company: company::Model,
}

#[Object]
impl Viewer {
    async fn user(&self) -> User {
        User::one(self.user.clone())
    }
    async fn company(&self) -> Company {
        Company(self.company.clone())
    }
    /// Whether the caller holds recruiting admin rights.
    async fn is_admin(&self) -> bool {
        self.actor.is_admin
    }
    /// The sections the caller may open.
    async fn sections(&self) -> Vec<Section> {
        [
            Section::Candidates,
            Section::Messages,
            Section::Interviews,
            Section::BulkEmail,
        ]
        .into_iter()
        .filter(|s| self.actor.can(*s))
        .collect()
    }
    /// Whether the caller sees only the positions they are assigned to.
    async fn limited_to_assigned_positions(&self) -> bool {
        matches!(
            self.actor.positions,
            crate::access::PositionScope::Assigned(_)
        )
    }
    /// Received messages the caller may see that nobody at the company has
    /// read yet (read state is shared: see `markMessagesRead`), oldest
    /// first; `totalCount` is the number waiting.
    #[graphql(
        guard = "Require::Section(Section::Messages)",
        complexity = "(first.unwrap_or(20).clamp(1, 100) as usize).saturating_mul(child_complexity)"
    )]
    async fn unread_messages(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
    ) -> Result<Conn<Message>, ApiError> {
        let page = Page::new(first, after.as_deref(), max_page_size(ctx)?)?;
        let (db, _) = loading(ctx)?;
        let select = read_state::unread(&self.actor);
        paginate(db, select, message::Column::Id, page, Message::page).await
    }
}

/// A person at the company who uses recruitmail, with the users it was
/// loaded with: what is loaded per user (working hours) is loaded once for
/// all of them, so a list of users costs the same statements as one.
pub struct User {
    row: user::Model,
    siblings: Arc<UserSet>,
}

/// Users loaded together and what was loaded for all of them.
struct UserSet {
    ids: Vec<i64>,
    availability: OnceCell<HashMap<i64, Availability>>,
}

impl User {
    /// The user `id` of `company_id`, if there is one: who added or
    /// resolved something, when anyone did and is still there.
    pub async fn of_company(
        db: &sea_orm::DatabaseConnection,
        company_id: i64,
        id: Option<i64>,
    ) -> Result<Option<Self>, ApiError> {
        use sea_orm::{ColumnTrait as _, EntityTrait as _, QueryFilter as _};
        let Some(id) = id else {
            return Ok(None);
        };
        Ok(user::Entity::find_by_id(id)
            .filter(user::Column::CompanyId.eq(company_id))
            .one(db)
            .await?
            .map(Self::one))
    }

    /// A user loaded alone.
    pub fn one(row: user::Model) -> Self {
        let siblings = Arc::new(UserSet {
            ids: vec![row.id],
            availability: OnceCell::new(),
        });
        Self { row, siblings }
    }

    /// Users loaded together (a list, an interview's panel).
    pub fn all(rows: Vec<user::Model>) -> Vec<Self> {
        let siblings = Arc::new(UserSet {
            ids: rows.iter().map(|row| row.id).collect(),
            availability: OnceCell::new(),
        });
        rows.into_iter()
            .map(|row| Self {
                row,
                siblings: siblings.clone(),
            })
            .collect()
    }

    pub fn row(&self) -> &user::Model {
        &self.row
    }
}

#[Object]
impl User {
    pub async fn id(&self) -> ID {
        Kind::User.id(self.row.id)
    }
    async fn email(&self) -> &str {
        &self.row.email
    }
    async fn display_name(&self) -> &str {
        &self.row.display_name
    }
    /// Deactivated users cannot sign in; their history stays.
    async fn active(&self) -> bool {
        self.row.active
    }
    /// HTML appended to every message this user sends, under a `-- ` line.
    async fn signature(&self) -> Option<&str> {
        self.row.signature_html.as_deref()
    }
    async fn created_at(&self) -> DateTime<Utc> {
        self.row.created_at
    }
    /// When the user works: their own weekly hours, else the company's
    /// defaults, and their dated overrides. Everyone at the company sees
    /// them, as whoever schedules an interview needs them.
    async fn working_hours(&self, ctx: &Context<'_>) -> Result<WorkingHours, ApiError> {
        let (db, actor) = loading(ctx)?;
        let all = self
            .siblings
            .availability
            .get_or_try_init(|| async {
                let mut all = HashMap::with_capacity(self.siblings.ids.len());
                for ids in self.siblings.ids.chunks(working_hours::MAX_USERS) {
                    all.extend(working_hours::availability(db, actor.company_id, ids).await?);
                }
                Ok::<_, ApiError>(all)
            })
            .await?;
        all.get(&self.row.id)
            .cloned()
            .map(WorkingHours)
            .ok_or(ApiError::NotFound("user"))
    }
    /// The user's calendars outside recruitmail. The user and recruiting
    /// admins only: a feed's URL is the user's secret.
    async fn external_calendars(
        &self,
        ctx: &Context<'_>,
    ) -> Result<Vec<ExternalCalendar>, ApiError> {
        let (db, actor) = loading(ctx)?;
        own_or_admin(actor, self.row.id)?;
        Ok(
            calendars::calendars_of(db, actor.company_id, &[self.row.id])
                .await?
                .into_iter()
                .map(ExternalCalendar)
                .collect(),
        )
    }
    /// When the user is busy between `from` and `to` (at most 191 days):
    /// their interviews and their calendars, earliest first, saying only
    /// where each interval comes from. The user and recruiting admins only.
    async fn busy_times(
        &self,
        ctx: &Context<'_>,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> Result<Vec<BusyTime>, ApiError> {
        let (db, actor) = loading(ctx)?;
        own_or_admin(actor, self.row.id)?;
        let busy =
            crate::scheduling::busy_times(db, actor.company_id, &[self.row.id], from, to).await?;
        Ok(busy
            .get(&self.row.id)
            .map(|intervals| intervals.iter().map(BusyTime::from).collect())
            .unwrap_or_default())
    }
}

/// Refuses a caller who is neither the user `user_id` nor a recruiting admin.
fn own_or_admin(actor: &Actor, user_id: i64) -> Result<(), ApiError> {
    if actor.user_id == user_id || actor.is_admin {
        Ok(())
    } else {
        Err(ApiError::forbidden(
            "only the user themselves or a recruiting admin may see this",
        ))
    }
}

/// A named set of rights: sections, document access, and whether its holders
/// see only the positions they are assigned to (hiring managers).
pub struct RecruitingRole {
    pub role: recruiting_role::Model,
    pub documents: Vec<role_document_permission::Model>,
}

#[Object]
impl RecruitingRole {
    pub async fn id(&self) -> ID {
        Kind::RecruitingRole.id(self.role.id)
    }
    async fn name(&self) -> &str {
        &self.role.name
    }
    /// Recruiting admins manage settings, templates, categories, SMTP, users and roles.
    async fn is_admin(&self) -> bool {
        self.role.is_admin
    }
    async fn sections(&self) -> Vec<Section> {
        let r = &self.role;
        [
            (r.candidates_access, Section::Candidates),
            (r.messages_access, Section::Messages),
            (r.interviews_access, Section::Interviews),
            (r.bulk_email_access, Section::BulkEmail),
        ]
        .into_iter()
        .filter_map(|(granted, section)| granted.then_some(section))
        .collect()
    }
    async fn assigned_positions_only(&self) -> bool {
        self.role.assigned_positions_only
    }
    async fn document_permissions(&self) -> Vec<DocumentPermission> {
        self.documents
            .iter()
            .map(|p| DocumentPermission {
                document_category_id: Kind::DocumentCategory.id(p.document_category_id),
                access: p.access.into(),
            })
            .collect()
    }
}

/// Access to the documents of one category.
#[derive(SimpleObject)]
pub struct DocumentPermission {
    pub document_category_id: ID,
    pub access: DocumentAccess,
}

/// A bearer token acting as one user. The secret is shown only when created.
pub struct ApiToken(pub api_token::Model);

#[Object]
impl ApiToken {
    pub async fn id(&self) -> ID {
        Kind::ApiToken.id(self.0.id)
    }
    async fn name(&self) -> &str {
        &self.0.name
    }
    async fn user_id(&self) -> ID {
        Kind::User.id(self.0.user_id)
    }
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }
    /// Updated at most every few minutes.
    async fn last_used_at(&self) -> Option<DateTime<Utc>> {
        self.0.last_used_at
    }
    async fn expires_at(&self) -> Option<DateTime<Utc>> {
        self.0.expires_at
    }
    async fn revoked_at(&self) -> Option<DateTime<Utc>> {
        self.0.revoked_at
    }
}
