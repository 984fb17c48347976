//! The authenticated caller and the union of their roles' rights.

use std::collections::HashMap;
use std::sync::Arc;

use chrono::{TimeDelta, Utc};
use entity::enums::DocumentAccess;
use entity::{
    api_token, position_hiring_manager, recruiting_role, role_assignment, role_document_permission,
    user,
};
use sea_orm::sea_query::{Expr, ExprTrait as _, Query};
use sea_orm::{
    ActiveModelTrait as _, ColumnTrait, Condition, ConnectionTrait, EntityTrait as _,
    IntoActiveModel as _, QueryFilter as _, QuerySelect as _, Set,
};

use crate::error::{ApiError, ApiResult};

use super::cache::ActorCache;

use super::token;

/// A section of the recruiting screens a role may open.
#[derive(Clone, Copy, Debug, PartialEq, Eq, async_graphql::Enum)]
pub enum Section {
    /// Candidates, their applications and documents.
    Candidates,
    /// A candidate's Messages thread: reading and sending email.
    Messages,
    /// Scheduling interviews and sending invitations.
    Interviews,
    /// Emailing many candidates at once.
    BulkEmail,
}

impl Section {
    /// The name clients know the section by.
    pub fn api_name(self) -> &'static str {
        match self {
            Self::Candidates => "CANDIDATES",
            Self::Messages => "MESSAGES",
            Self::Interviews => "INTERVIEWS",
            Self::BulkEmail => "BULK_EMAIL",
        }
    }
}

/// Which positions (and so which applications and candidates) a caller sees.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PositionScope {
    /// Every position of the company.
    All,
    /// Only these positions: a hiring manager's assignments.
    Assigned(Arc<[i64]>),
}

impl PositionScope {
    pub fn allows(&self, position_id: i64) -> bool {
        match self {
            Self::All => true,
            Self::Assigned(ids) => ids.contains(&position_id),
        }
    }

    /// The rows whose position, held in `position_id`, the scope shows.
    ///
    /// Every row-level rule that depends on positions (positions,
    /// applications, and through them candidates, interviews and messages)
    /// is built from this one condition, so a filter that reaches a position
    /// through another table sees no more than the list of positions does.
    pub fn covers(&self, position_id: impl ColumnTrait) -> Condition {
        match self {
            Self::All => Condition::all(),
            Self::Assigned(ids) => Condition::all().add(position_id.is_in(ids.iter().copied())),
        }
    }
}

/// Which email templates a caller may list, read, preview and send from.
///
/// Templates hold the company's wording and attached documents, so they are
/// opened per section: whoever writes candidates' mail (the MESSAGES section,
/// or a recruiting admin) reads them all; whoever only schedules interviews
/// (the INTERVIEWS section) reads the interview-related ones, which are those
/// offered for invitations; anyone else reads none. A template outside the
/// scope answers like one that does not exist.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TemplateScope {
    /// Every template of the company.
    All,
    /// Only interview-related templates.
    InterviewRelated,
    /// No template.
    None,
}

impl TemplateScope {
    /// The scope that `sections` (MESSAGES, INTERVIEWS) and an admin role give.
    fn of(is_admin: bool, messages: bool, interviews: bool) -> Self {
        if is_admin || messages {
            Self::All
        } else if interviews {
            Self::InterviewRelated
        } else {
            Self::None
        }
    }

    /// Whether the caller may read any template at all.
    pub fn any(self) -> bool {
        self != Self::None
    }

    /// The templates in scope, given the column that marks a template as
    /// interview-related.
    pub fn covers(self, interview_related: impl ColumnTrait) -> Condition {
        match self {
            Self::All => Condition::all(),
            Self::InterviewRelated => Condition::all().add(interview_related.eq(true)),
            // A condition no row meets, written so every database reads it.
            Self::None => Condition::all().add(Expr::val(1).eq(0)),
        }
    }
}

/// A signed-in user of one company with the union of their roles' rights.
#[derive(Clone, Debug)]
pub struct Actor {
    pub user_id: i64,
    pub company_id: i64,
    pub is_admin: bool,
    sections: [bool; 4],
    pub positions: PositionScope,
    pub templates: TemplateScope,
    documents: HashMap<i64, DocumentAccess>,
    /// The API token the caller presented: a document link names it, so that
    /// revoking the token closes the links minted through it. `None` for
    /// actors that no token stands behind (automatic messages, tests).
    pub token_id: Option<i64>,
}

impl Actor {
    /// Whether the caller may open `section`. Recruiting admins may open all.
    pub fn can(&self, section: Section) -> bool {
        self.is_admin || self.sections[section as usize]
    }

    /// The caller's access to documents of one category, if any.
    pub fn document_access(&self, category_id: i64) -> Option<DocumentAccess> {
        if self.is_admin {
            return Some(DocumentAccess::Edit);
        }
        self.documents.get(&category_id).copied()
    }

    /// The categories whose documents the caller may see (VIEW or EDIT);
    /// `None` for a recruiting admin, who sees every category.
    pub fn viewable_categories(&self) -> Option<Vec<i64>> {
        (!self.is_admin).then(|| self.documents.keys().copied().collect())
    }

    /// The company writing an automatic message in the name of one of its
    /// users: it sees every candidate, position and template of the company
    /// and holds no section or admin right, so it can render and queue the
    /// message and do nothing else.
    pub fn automatic(company_id: i64, user_id: i64) -> Self {
        Self {
            user_id,
            company_id,
            is_admin: false,
            sections: [false; 4],
            positions: PositionScope::All,
            templates: TemplateScope::All,
            documents: HashMap::new(),
            token_id: None,
        }
    }

    /// Builds the rights of a user from their roles.
    pub fn from_roles(
        user: &user::Model,
        roles: &[recruiting_role::Model],
        documents: &[role_document_permission::Model],
        assigned_positions: Vec<i64>,
    ) -> Self {
        let is_admin = roles.iter().any(|r| r.is_admin);
        let mut sections = [false; 4];
        for role in roles {
            let flags = [
                role.candidates_access,
                role.messages_access,
                role.interviews_access,
                role.bulk_email_access,
            ];
            for (have, grant) in sections.iter_mut().zip(flags) {
                *have |= grant;
            }
        }
        let positions = if limited_to_assignments(roles) {
            PositionScope::Assigned(assigned_positions.into())
        } else {
            PositionScope::All
        };
        let mut access = HashMap::new();
        for permission in documents {
            let entry = access
                .entry(permission.document_category_id)
                .or_insert(permission.access);
            if permission.access == DocumentAccess::Edit {
                *entry = DocumentAccess::Edit;
            }
        }
        let templates = TemplateScope::of(
            is_admin,
            sections[Section::Messages as usize],
            sections[Section::Interviews as usize],
        );
        Self {
            user_id: user.id,
            company_id: user.company_id,
            is_admin,
            sections,
            positions,
            templates,
            documents: access,
            token_id: None,
        }
    }
}

/// Whether a user with `roles` sees only the positions they are assigned to.
///
/// Every position is visible through an admin role or through a role that
/// grants the Candidates section without the assignment limit; otherwise only
/// the assigned ones are (so a limited hiring-manager role is not widened by,
/// say, an unlimited role for Messages only).
fn limited_to_assignments(roles: &[recruiting_role::Model]) -> bool {
    !roles
        .iter()
        .any(|r| r.is_admin || (r.candidates_access && !r.assigned_positions_only))
}

/// How stale `last_used_at` may get before a request refreshes it; keeps reads
/// from turning into a write per request.
const LAST_USED_RESOLUTION: TimeDelta = TimeDelta::minutes(10);

/// Resolves a bearer token to its actor, or `UNAUTHENTICATED`.
pub async fn authenticate(
    db: &impl ConnectionTrait,
    cache: &ActorCache,
    presented: &str,
) -> ApiResult<Arc<Actor>> {
    if !presented.starts_with(token::PREFIX) || presented.len() > 100 {
        return Err(ApiError::Unauthenticated);
    }
    let digest = token::digest(presented);
    if let Some(actor) = cache.get(&digest) {
        return Ok(actor);
    }
    let generation = cache.generation();
    let now = Utc::now();
    let found = api_token::Entity::find()
        .filter(api_token::Column::TokenHash.eq(digest.as_str()))
        .one(db)
        .await?
        .ok_or(ApiError::Unauthenticated)?;
    if found.revoked_at.is_some() || found.expires_at.is_some_and(|at| at <= now) {
        return Err(ApiError::Unauthenticated);
    }
    let user = user::Entity::find_by_id(found.user_id)
        .one(db)
        .await?
        .filter(|u| u.active)
        .ok_or(ApiError::Unauthenticated)?;
    let token_id = found.id;
    let expires_in = found
        .expires_at
        .map(|at| (at - now).to_std().unwrap_or_default());
    if found
        .last_used_at
        .is_none_or(|at| now - at > LAST_USED_RESOLUTION)
    {
        let mut active = found.into_active_model();
        active.last_used_at = Set(Some(now));
        active.update(db).await?;
    }
    let mut actor = load_actor(db, user).await?;
    actor.token_id = Some(token_id);
    let actor = Arc::new(actor);
    cache.insert(digest, actor.clone(), expires_in, generation);
    Ok(actor)
}

/// Whether a token accepted earlier is still good: not revoked, not expired,
/// its user still active. Read from the database, never from the cache, so
/// that a long-lived connection (a subscription) learns of a revocation made
/// through any instance at its next check.
pub async fn still_valid(db: &impl ConnectionTrait, presented: &str) -> ApiResult<bool> {
    let now = Utc::now();
    let active_users = Query::select()
        .column(user::Column::Id)
        .from(user::Entity)
        .and_where(user::Column::Active.eq(true))
        .to_owned();
    let found = api_token::Entity::find()
        .select_only()
        .column(api_token::Column::Id)
        .filter(api_token::Column::TokenHash.eq(token::digest(presented)))
        .filter(api_token::Column::RevokedAt.is_null())
        .filter(
            Condition::any()
                .add(api_token::Column::ExpiresAt.is_null())
                .add(api_token::Column::ExpiresAt.gt(now)),
        )
        .filter(api_token::Column::UserId.in_subquery(active_users))
        .into_tuple::<i64>()
        .one(db)
        .await?;
    Ok(found.is_some())
}

/// Loads the roles of `user` and builds its actor.
pub async fn load_actor(db: &impl ConnectionTrait, user: user::Model) -> ApiResult<Actor> {
    let role_ids = Query::select()
        .column(role_assignment::Column::RoleId)
        .from(role_assignment::Entity)
        .and_where(role_assignment::Column::UserId.eq(user.id))
        .to_owned();
    let roles = recruiting_role::Entity::find()
        .filter(recruiting_role::Column::Id.in_subquery(role_ids))
        .filter(recruiting_role::Column::CompanyId.eq(user.company_id))
        .all(db)
        .await?;
    let documents = if roles.is_empty() {
        Vec::new()
    } else {
        role_document_permission::Entity::find()
            .filter(role_document_permission::Column::RoleId.is_in(roles.iter().map(|r| r.id)))
            .all(db)
            .await?
    };
    let assigned = if limited_to_assignments(&roles) {
        position_hiring_manager::Entity::find()
            .select_only()
            .column(position_hiring_manager::Column::PositionId)
            .filter(position_hiring_manager::Column::UserId.eq(user.id))
            .into_tuple::<i64>()
            .all(db)
            .await?
    } else {
        Vec::new()
    };
    Ok(Actor::from_roles(&user, &roles, &documents, assigned))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn role(is_admin: bool, candidates: bool, limited: bool) -> recruiting_role::Model {
        recruiting_role::Model {
            id: 1,
            company_id: 1,
            name: "r".into(),
            is_admin,
            candidates_access: candidates,
            messages_access: true,
            interviews_access: false,
            bulk_email_access: false,
            assigned_positions_only: limited,
            created_at: Utc::now(),
        }
    }

    #[test]
    fn messages_reads_every_template_and_interviews_alone_the_interview_ones() {
        use TemplateScope::{All, InterviewRelated};
        assert_eq!(TemplateScope::of(true, false, false), All);
        assert_eq!(TemplateScope::of(false, true, false), All);
        assert_eq!(TemplateScope::of(false, true, true), All);
        assert_eq!(TemplateScope::of(false, false, true), InterviewRelated);
        assert_eq!(TemplateScope::of(false, false, false), TemplateScope::None);
        assert!(!TemplateScope::None.any());
    }

    #[test]
    fn a_caller_without_template_rights_matches_no_template_on_either_database() {
        use entity::email_template;
        use sea_orm::{DbBackend, QueryTrait as _};
        for backend in [DbBackend::Sqlite, DbBackend::Postgres] {
            let sql = email_template::Entity::find()
                .filter(TemplateScope::None.covers(email_template::Column::InterviewRelated))
                .build(backend)
                .to_string();
            assert!(sql.ends_with("WHERE 1 = 0"), "{sql}");
        }
    }

    #[test]
    fn only_an_unlimited_candidates_role_or_admin_widens_the_position_scope() {
        let hiring_manager = role(false, true, true);
        assert!(limited_to_assignments(std::slice::from_ref(
            &hiring_manager
        )));
        assert!(limited_to_assignments(&[
            hiring_manager.clone(),
            role(false, false, false)
        ]));
        assert!(!limited_to_assignments(&[
            hiring_manager.clone(),
            role(false, true, false)
        ]));
        assert!(!limited_to_assignments(&[
            hiring_manager,
            role(true, false, true)
        ]));
        assert!(limited_to_assignments(&[]));
    }
}
