//! Users, recruiting roles, role assignments and API tokens.

use chrono::{DateTime, Utc};
use entity::enums::DocumentAccess;
use entity::{
    api_token, document_category, recruiting_role, role_assignment, role_document_permission, user,
};
use sea_orm::sea_query::Query;
use sea_orm::{
    ActiveModelTrait as _, ColumnTrait as _, ConnectionTrait, EntityTrait as _,
    IntoActiveModel as _, PaginatorTrait as _, QueryFilter as _, QueryOrder as _, Select, Set,
    TransactionSession as _, TransactionTrait,
};

use crate::access::{Actor, token};
use crate::domain::{EmailAddress, Name};
use crate::error::{ApiError, ApiResult};

pub async fn users(db: &impl ConnectionTrait, actor: &Actor) -> ApiResult<Vec<user::Model>> {
    Ok(user::Entity::find()
        .filter(user::Column::CompanyId.eq(actor.company_id))
        .order_by_asc(user::Column::DisplayName)
        .all(db)
        .await?)
}

pub async fn find_user(
    db: &impl ConnectionTrait,
    actor: &Actor,
    id: i64,
) -> ApiResult<user::Model> {
    user::Entity::find_by_id(id)
        .filter(user::Column::CompanyId.eq(actor.company_id))
        .one(db)
        .await?
        .ok_or(ApiError::NotFound("user"))
}

/// Creates a user holding `role_ids`.
pub async fn create_user(
    db: &impl TransactionTrait,
    actor: &Actor,
    email: EmailAddress,
    display_name: Name,
    role_ids: &[i64],
) -> ApiResult<user::Model> {
    let txn = db.begin().await?;
    let row = user::ActiveModel {
        company_id: Set(actor.company_id),
        email: Set(email.normalized()),
        display_name: Set(display_name.into_inner()),
        active: Set(true),
        created_at: Set(Utc::now()),
        ..Default::default()
    }
    .insert(&txn)
    .await
    .map_err(|e| ApiError::from_write(e, "a user with this email address"))?;
    for role_id in role_ids {
        assign_role(&txn, actor, row.id, *role_id).await?;
    }
    txn.commit().await?;
    Ok(row)
}

pub async fn update_user(
    db: &impl ConnectionTrait,
    actor: &Actor,
    id: i64,
    display_name: Option<Name>,
    active: Option<bool>,
) -> ApiResult<user::Model> {
    let mut row = find_user(db, actor, id).await?.into_active_model();
    if let Some(v) = display_name {
        row.display_name = Set(v.into_inner());
    }
    if let Some(v) = active {
        if !v && id == actor.user_id {
            return Err(ApiError::validation(
                "active",
                "you cannot deactivate yourself",
            ));
        }
        row.active = Set(v);
    }
    Ok(row.update(db).await?)
}

/// A validated role definition.
#[derive(Debug)]
pub struct RoleSpec {
    pub name: Name,
    pub is_admin: bool,
    pub candidates: bool,
    pub messages: bool,
    pub interviews: bool,
    pub bulk_email: bool,
    pub assigned_positions_only: bool,
    pub documents: Vec<(i64, DocumentAccess)>,
}

/// A role with its document permissions.
pub type RoleWithDocuments = (recruiting_role::Model, Vec<role_document_permission::Model>);

pub async fn roles(db: &impl ConnectionTrait, actor: &Actor) -> ApiResult<Vec<RoleWithDocuments>> {
    let roles = recruiting_role::Entity::find()
        .filter(recruiting_role::Column::CompanyId.eq(actor.company_id))
        .order_by_asc(recruiting_role::Column::Name)
        .all(db)
        .await?;
    let mut permissions = role_document_permission::Entity::find()
        .filter(role_document_permission::Column::RoleId.is_in(roles.iter().map(|r| r.id)))
        .all(db)
        .await?;
    Ok(roles
        .into_iter()
        .map(|role| {
            let (mine, rest) = permissions.drain(..).partition(|p| p.role_id == role.id);
            permissions = rest;
            (role, mine)
        })
        .collect())
}

pub async fn find_role(
    db: &impl ConnectionTrait,
    actor: &Actor,
    id: i64,
) -> ApiResult<RoleWithDocuments> {
    let role = recruiting_role::Entity::find_by_id(id)
        .filter(recruiting_role::Column::CompanyId.eq(actor.company_id))
        .one(db)
        .await?
        .ok_or(ApiError::NotFound("recruiting role"))?;
    let documents = role_document_permission::Entity::find()
        .filter(role_document_permission::Column::RoleId.eq(role.id))
        .all(db)
        .await?;
    Ok((role, documents))
}

pub async fn create_role(
    db: &impl TransactionTrait,
    actor: &Actor,
    spec: RoleSpec,
) -> ApiResult<RoleWithDocuments> {
    let txn = db.begin().await?;
    let row = recruiting_role::ActiveModel {
        company_id: Set(actor.company_id),
        created_at: Set(Utc::now()),
        ..Default::default()
    };
    let role = apply_spec(row, &spec)
        .insert(&txn)
        .await
        .map_err(|e| ApiError::from_write(e, "a role with this name"))?;
    let documents = set_documents(&txn, actor, role.id, &spec.documents).await?;
    txn.commit().await?;
    Ok((role, documents))
}

pub async fn update_role(
    db: &impl TransactionTrait,
    actor: &Actor,
    id: i64,
    spec: RoleSpec,
) -> ApiResult<RoleWithDocuments> {
    let txn = db.begin().await?;
    let (existing, _) = find_role(&txn, actor, id).await?;
    let was_admin = existing.is_admin;
    let role = apply_spec(existing.into_active_model(), &spec)
        .update(&txn)
        .await
        .map_err(|e| ApiError::from_write(e, "a role with this name"))?;
    if was_admin && !role.is_admin {
        ensure_an_admin_remains(&txn, actor).await?;
    }
    role_document_permission::Entity::delete_many()
        .filter(role_document_permission::Column::RoleId.eq(role.id))
        .exec(&txn)
        .await?;
    let documents = set_documents(&txn, actor, role.id, &spec.documents).await?;
    txn.commit().await?;
    Ok((role, documents))
}

fn apply_spec(
    mut row: recruiting_role::ActiveModel,
    spec: &RoleSpec,
) -> recruiting_role::ActiveModel {
    row.name = Set(spec.name.as_str().to_owned());
    row.is_admin = Set(spec.is_admin);
    row.candidates_access = Set(spec.candidates);
    row.messages_access = Set(spec.messages);
    row.interviews_access = Set(spec.interviews);
    row.bulk_email_access = Set(spec.bulk_email);
    row.assigned_positions_only = Set(spec.assigned_positions_only && !spec.is_admin);
    row
}

async fn set_documents(
    db: &impl ConnectionTrait,
    actor: &Actor,
    role_id: i64,
    documents: &[(i64, DocumentAccess)],
) -> ApiResult<Vec<role_document_permission::Model>> {
    let mut rows = Vec::with_capacity(documents.len());
    for (i, (category_id, access)) in documents.iter().enumerate() {
        let known = document_category::Entity::find_by_id(*category_id)
            .filter(document_category::Column::CompanyId.eq(actor.company_id))
            .count(db)
            .await?;
        if known == 0 {
            return Err(ApiError::validation(
                format!("documentPermissions.{i}.documentCategoryId"),
                "no such document category in your company",
            ));
        }
        let row = role_document_permission::ActiveModel {
            role_id: Set(role_id),
            document_category_id: Set(*category_id),
            access: Set(*access),
        }
        .insert(db)
        .await
        .map_err(|e| ApiError::from_write(e, "a permission for this document category"))?;
        rows.push(row);
    }
    Ok(rows)
}

/// Gives `user_id` the role `role_id`; both must be the actor's company's.
pub async fn assign_role(
    db: &impl ConnectionTrait,
    actor: &Actor,
    user_id: i64,
    role_id: i64,
) -> ApiResult<()> {
    find_user(db, actor, user_id).await?;
    find_role(db, actor, role_id).await?;
    role_assignment::ActiveModel {
        user_id: Set(user_id),
        role_id: Set(role_id),
        created_at: Set(Utc::now()),
    }
    .insert(db)
    .await
    .map_err(|e| ApiError::from_write(e, "this role assignment"))?;
    Ok(())
}

/// Takes a role away, refusing to leave the company without an admin.
pub async fn unassign_role(
    db: &impl TransactionTrait,
    actor: &Actor,
    user_id: i64,
    role_id: i64,
) -> ApiResult<()> {
    let txn = db.begin().await?;
    find_user(&txn, actor, user_id).await?;
    find_role(&txn, actor, role_id).await?;
    let deleted = role_assignment::Entity::delete_by_id((user_id, role_id))
        .exec(&txn)
        .await?;
    if deleted.rows_affected == 0 {
        return Err(ApiError::NotFound("role assignment"));
    }
    ensure_an_admin_remains(&txn, actor).await?;
    txn.commit().await?;
    Ok(())
}

async fn ensure_an_admin_remains(db: &impl ConnectionTrait, actor: &Actor) -> ApiResult<()> {
    let admin_roles = Query::select()
        .column(recruiting_role::Column::Id)
        .from(recruiting_role::Entity)
        .and_where(recruiting_role::Column::CompanyId.eq(actor.company_id))
        .and_where(recruiting_role::Column::IsAdmin.eq(true))
        .to_owned();
    let admins = role_assignment::Entity::find()
        .filter(role_assignment::Column::RoleId.in_subquery(admin_roles))
        .count(db)
        .await?;
    if admins == 0 {
        return Err(ApiError::conflict(
            "the company must keep at least one recruiting admin",
        ));
    }
    Ok(())
}

/// A new token for `user_id`; the secret is returned once and only its digest stored.
pub async fn create_api_token(
    db: &impl ConnectionTrait,
    actor: &Actor,
    user_id: i64,
    name: Name,
    expires_at: Option<DateTime<Utc>>,
) -> ApiResult<(api_token::Model, String)> {
    let owner = find_user(db, actor, user_id).await?;
    if owner.id != actor.user_id && !actor.is_admin {
        return Err(ApiError::forbidden(
            "only recruiting admins create tokens for other users",
        ));
    }
    let now = Utc::now();
    if expires_at.is_some_and(|at| at <= now) {
        return Err(ApiError::validation("expiresAt", "must be in the future"));
    }
    let (secret, digest) = token::generate();
    let row = api_token::ActiveModel {
        user_id: Set(owner.id),
        name: Set(name.into_inner()),
        token_hash: Set(digest),
        expires_at: Set(expires_at),
        created_at: Set(now),
        ..Default::default()
    }
    .insert(db)
    .await?;
    Ok((row, secret))
}

/// The tokens the actor may manage: their own, or everyone's for admins.
fn manageable_tokens(actor: &Actor) -> Select<api_token::Entity> {
    let users = Query::select()
        .column(user::Column::Id)
        .from(user::Entity)
        .and_where(user::Column::CompanyId.eq(actor.company_id))
        .to_owned();
    let mut query = api_token::Entity::find().filter(api_token::Column::UserId.in_subquery(users));
    if !actor.is_admin {
        query = query.filter(api_token::Column::UserId.eq(actor.user_id));
    }
    query
}

pub async fn api_tokens(
    db: &impl ConnectionTrait,
    actor: &Actor,
) -> ApiResult<Vec<api_token::Model>> {
    Ok(manageable_tokens(actor)
        .order_by_asc(api_token::Column::Id)
        .all(db)
        .await?)
}

pub async fn find_api_token(
    db: &impl ConnectionTrait,
    actor: &Actor,
    id: i64,
) -> ApiResult<api_token::Model> {
    manageable_tokens(actor)
        .filter(api_token::Column::Id.eq(id))
        .one(db)
        .await?
        .ok_or(ApiError::NotFound("API token"))
}

pub async fn revoke_api_token(
    db: &impl ConnectionTrait,
    actor: &Actor,
    id: i64,
) -> ApiResult<api_token::Model> {
    let mut row = find_api_token(db, actor, id).await?.into_active_model();
    row.revoked_at = Set(Some(Utc::now()));
    Ok(row.update(db).await?)
}
