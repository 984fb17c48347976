use async_graphql::{Context, ID, InputObject, Object, SimpleObject};
use chrono::{DateTime, Utc};

use crate::access::{ContextExt as _, Require, Section};
use crate::domain::{EmailAddress, Name};
use crate::error::ApiError;
use crate::graphql::ids::{Kind, decode, decode_all};
use crate::graphql::input::{optional, parse};
use crate::graphql::state::{db, rights_changed};
use crate::graphql::types::{ApiToken, DocumentAccess, RecruitingRole, User};
use crate::people::{self, RoleSpec};

#[derive(Default)]
pub struct PeopleMutation;

#[derive(InputObject)]
struct CreateUserInput {
    email: String,
    display_name: String,
    /// Roles to assign right away.
    #[graphql(default)]
    role_ids: Vec<ID>,
}

#[derive(InputObject)]
struct UpdateUserInput {
    id: ID,
    display_name: Option<String>,
    /// `false` deactivates the user: their tokens stop working.
    active: Option<bool>,
}

#[derive(SimpleObject)]
struct UserPayload {
    user: User,
}

/// Access to the documents of one category.
#[derive(InputObject)]
struct DocumentPermissionInput {
    document_category_id: ID,
    access: DocumentAccess,
}

/// A role's full definition; an update replaces all of it.
#[derive(InputObject)]
struct RoleDefinition {
    name: String,
    /// Recruiting admins manage settings, templates, categories, SMTP, users and roles.
    #[graphql(default)]
    is_admin: bool,
    #[graphql(default)]
    sections: Vec<Section>,
    /// Holders see only positions they are assigned to as hiring managers.
    #[graphql(default)]
    assigned_positions_only: bool,
    #[graphql(default)]
    document_permissions: Vec<DocumentPermissionInput>,
}

#[derive(InputObject)]
struct CreateRecruitingRoleInput {
    #[graphql(flatten)]
    role: RoleDefinition,
}

#[derive(InputObject)]
struct UpdateRecruitingRoleInput {
    id: ID,
    #[graphql(flatten)]
    role: RoleDefinition,
}

#[derive(SimpleObject)]
struct RecruitingRolePayload {
    role: RecruitingRole,
}

#[derive(InputObject)]
struct AssignRoleInput {
    user_id: ID,
    role_id: ID,
}

#[derive(SimpleObject)]
struct AssignRolePayload {
    user: User,
    role: RecruitingRole,
}

#[derive(InputObject)]
struct CreateApiTokenInput {
    /// What the token is for, e.g. "ATS sync".
    name: String,
    /// The user the token acts as; another user's only for recruiting admins.
    /// The caller when absent.
    user_id: Option<ID>,
    expires_at: Option<DateTime<Utc>>,
}

#[derive(SimpleObject)]
struct CreateApiTokenPayload {
    api_token: ApiToken,
    /// The secret, shown this once: send it as `Authorization: Bearer <token>`.
    token: String,
}

#[derive(InputObject)]
struct RevokeApiTokenInput {
    id: ID,
}

#[derive(SimpleObject)]
struct RevokeApiTokenPayload {
    api_token: ApiToken,
}

fn role_spec(input: RoleDefinition) -> Result<RoleSpec, ApiError> {
    if input.document_permissions.len() > crate::graphql::ids::MAX_IDS {
        return Err(ApiError::validation(
            "documentPermissions",
            "at most 100 document permissions are accepted",
        ));
    }
    let documents = input
        .document_permissions
        .iter()
        .enumerate()
        .map(|(i, p)| {
            let field = format!("documentPermissions.{i}.documentCategoryId");
            decode(&p.document_category_id, Kind::DocumentCategory, &field)
                .map(|id| (id, p.access.into()))
        })
        .collect::<Result<Vec<_>, _>>()?;
    Ok(RoleSpec {
        name: parse(&input.name, "name", Name::parse)?,
        is_admin: input.is_admin,
        candidates: input.sections.contains(&Section::Candidates),
        messages: input.sections.contains(&Section::Messages),
        interviews: input.sections.contains(&Section::Interviews),
        bulk_email: input.sections.contains(&Section::BulkEmail),
        assigned_positions_only: input.assigned_positions_only,
        documents,
    })
}

#[Object]
impl PeopleMutation {
    /// Adds a user to the company. Recruiting admins only.
    #[graphql(guard = "Require::Admin")]
    async fn create_user(
        &self,
        ctx: &Context<'_>,
        input: CreateUserInput,
    ) -> Result<UserPayload, ApiError> {
        let email = parse(&input.email, "email", EmailAddress::parse)?;
        let name = parse(&input.display_name, "displayName", Name::parse)?;
        let role_ids = decode_all(&input.role_ids, Kind::RecruitingRole, "roleIds")?;
        let row = people::create_user(db(ctx)?, ctx.actor()?, email, name, &role_ids).await?;
        Ok(UserPayload {
            user: User::one(row),
        })
    }

    /// Renames, deactivates or reactivates a user. Recruiting admins only.
    #[graphql(guard = "Require::Admin")]
    async fn update_user(
        &self,
        ctx: &Context<'_>,
        input: UpdateUserInput,
    ) -> Result<UserPayload, ApiError> {
        let id = decode(&input.id, Kind::User, "id")?;
        let name = optional(input.display_name.as_deref(), "displayName", Name::parse)?;
        let row = people::update_user(db(ctx)?, ctx.actor()?, id, name, input.active).await?;
        rights_changed(ctx);
        Ok(UserPayload {
            user: User::one(row),
        })
    }

    /// Defines a recruiting role. Recruiting admins only.
    #[graphql(guard = "Require::Admin")]
    async fn create_recruiting_role(
        &self,
        ctx: &Context<'_>,
        input: CreateRecruitingRoleInput,
    ) -> Result<RecruitingRolePayload, ApiError> {
        let spec = role_spec(input.role)?;
        let (role, documents) = people::create_role(db(ctx)?, ctx.actor()?, spec).await?;
        Ok(RecruitingRolePayload {
            role: RecruitingRole { role, documents },
        })
    }

    /// Replaces a role's definition. Recruiting admins only.
    #[graphql(guard = "Require::Admin")]
    async fn update_recruiting_role(
        &self,
        ctx: &Context<'_>,
        input: UpdateRecruitingRoleInput,
    ) -> Result<RecruitingRolePayload, ApiError> {
        let id = decode(&input.id, Kind::RecruitingRole, "id")?;
        let spec = role_spec(input.role)?;
        let (role, documents) = people::update_role(db(ctx)?, ctx.actor()?, id, spec).await?;
        rights_changed(ctx);
        Ok(RecruitingRolePayload {
            role: RecruitingRole { role, documents },
        })
    }

    /// Gives a user a role. Recruiting admins only.
    #[graphql(guard = "Require::Admin")]
    async fn assign_role(
        &self,
        ctx: &Context<'_>,
        input: AssignRoleInput,
    ) -> Result<AssignRolePayload, ApiError> {
        let user_id = decode(&input.user_id, Kind::User, "userId")?;
        let role_id = decode(&input.role_id, Kind::RecruitingRole, "roleId")?;
        let (db, actor) = (db(ctx)?, ctx.actor()?);
        people::assign_role(db, actor, user_id, role_id).await?;
        rights_changed(ctx);
        assignment_payload(db, actor, user_id, role_id).await
    }

    /// Takes a role from a user; the company always keeps one recruiting admin.
    #[graphql(guard = "Require::Admin")]
    async fn unassign_role(
        &self,
        ctx: &Context<'_>,
        input: AssignRoleInput,
    ) -> Result<AssignRolePayload, ApiError> {
        let user_id = decode(&input.user_id, Kind::User, "userId")?;
        let role_id = decode(&input.role_id, Kind::RecruitingRole, "roleId")?;
        let (db, actor) = (db(ctx)?, ctx.actor()?);
        people::unassign_role(db, actor, user_id, role_id).await?;
        rights_changed(ctx);
        assignment_payload(db, actor, user_id, role_id).await
    }

    /// Creates an API token and shows its secret once.
    #[graphql(guard = "Require::SignedIn")]
    async fn create_api_token(
        &self,
        ctx: &Context<'_>,
        input: CreateApiTokenInput,
    ) -> Result<CreateApiTokenPayload, ApiError> {
        let actor = ctx.actor()?;
        let name = parse(&input.name, "name", Name::parse)?;
        let user_id = match &input.user_id {
            Some(id) => decode(id, Kind::User, "userId")?,
            None => actor.user_id,
        };
        let (row, token) =
            people::create_api_token(db(ctx)?, actor, user_id, name, input.expires_at).await?;
        Ok(CreateApiTokenPayload {
            api_token: ApiToken(row),
            token,
        })
    }

    /// Revokes one of the caller's tokens (any of the company's, for admins).
    #[graphql(guard = "Require::SignedIn")]
    async fn revoke_api_token(
        &self,
        ctx: &Context<'_>,
        input: RevokeApiTokenInput,
    ) -> Result<RevokeApiTokenPayload, ApiError> {
        let id = decode(&input.id, Kind::ApiToken, "id")?;
        let row = people::revoke_api_token(db(ctx)?, ctx.actor()?, id).await?;
        rights_changed(ctx);
        Ok(RevokeApiTokenPayload {
            api_token: ApiToken(row),
        })
    }
}

async fn assignment_payload(
    db: &sea_orm::DatabaseConnection,
    actor: &crate::access::Actor,
    user_id: i64,
    role_id: i64,
) -> Result<AssignRolePayload, ApiError> {
    let user = people::find_user(db, actor, user_id).await?;
    let (role, documents) = people::find_role(db, actor, role_id).await?;
    Ok(AssignRolePayload {
        user: User::one(user),
        role: RecruitingRole { role, documents },
    })
}
