//! Recruiting roles, their document permissions, and who holds them.

use chrono::Utc;
use entity::enums::DocumentAccess;
use entity::{document_category, recruiting_role, role_assignment, role_document_permission, user};
use sea_orm::sea_query::Query;
use sea_orm::{
    ActiveModelTrait as _, ColumnTrait as _, ConnectionTrait, EntityTrait as _,
    IntoActiveModel as _, PaginatorTrait as _, QueryFilter as _, QueryOrder as _, Set,
};

use serde_json::{Value, json};

use super::find_user;
use crate::access::Actor;
use crate::audit::{self, Change};
use crate::domain::Name;
use crate::error::{ApiError, ApiResult};

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
    db: &impl crate::db::Writable,
    actor: &Actor,
    spec: RoleSpec,
) -> ApiResult<RoleWithDocuments> {
    crate::db::write_transaction!(db, |txn| {
        let row = recruiting_role::ActiveModel {
            company_id: Set(actor.company_id),
            created_at: Set(Utc::now()),
            ..Default::default()
        };
        let role = apply_spec(row, &spec)
            .insert(txn)
            .await
            .map_err(|e| ApiError::from_write(e, "a role with this name"))?;
        let documents = set_documents(txn, actor, role.id, &spec.documents).await?;
        let change = Change::new("recruiting_role.created")
            .on("RecruitingRole", role.id)
            .with("after", audited(&role, &documents));
        audit::record(txn, actor.company_id, Some(actor), change, Utc::now()).await?;
        Ok((role, documents))
    })
}

/// A role's rights as the audit trail records them.
fn audited(role: &recruiting_role::Model, documents: &[role_document_permission::Model]) -> Value {
    json!({
        "name": role.name,
        "isAdmin": role.is_admin,
        "candidates": role.candidates_access,
        "messages": role.messages_access,
        "interviews": role.interviews_access,
        "bulkEmail": role.bulk_email_access,
        "assignedPositionsOnly": role.assigned_positions_only,
        "documents": documents
            .iter()
            .map(|d| json!({ "documentCategoryId": d.document_category_id, "access": format!("{:?}", d.access) }))
            .collect::<Vec<_>>(),
    })
}

pub async fn update_role(
    db: &impl crate::db::Writable,
    actor: &Actor,
    id: i64,
    spec: RoleSpec,
) -> ApiResult<RoleWithDocuments> {
    crate::db::write_transaction!(db, |txn| {
        let (existing, documents_before) = find_role(txn, actor, id).await?;
        let before = audited(&existing, &documents_before);
        let was_admin = existing.is_admin;
        let role = apply_spec(existing.into_active_model(), &spec)
            .update(txn)
            .await
            .map_err(|e| ApiError::from_write(e, "a role with this name"))?;
        if was_admin && !role.is_admin {
            ensure_an_admin_remains(txn, actor).await?;
        }
        role_document_permission::Entity::delete_many()
            .filter(role_document_permission::Column::RoleId.eq(role.id))
            .exec(txn)
            .await?;
        let documents = set_documents(txn, actor, role.id, &spec.documents).await?;
        audit::setting_changed(
            txn,
            actor,
            "recruiting_role.updated",
            ("RecruitingRole", role.id),
            before,
            audited(&role, &documents),
        )
        .await?;
        Ok((role, documents))
    })
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
    db: &impl crate::db::Writable,
    actor: &Actor,
    user_id: i64,
    role_id: i64,
) -> ApiResult<()> {
    crate::db::write_transaction!(db, |txn| {
        find_user(txn, actor, user_id).await?;
        find_role(txn, actor, role_id).await?;
        role_assignment::ActiveModel {
            user_id: Set(user_id),
            role_id: Set(role_id),
            created_at: Set(Utc::now()),
        }
        .insert(txn)
        .await
        .map_err(|e| ApiError::from_write(e, "this role assignment"))?;
        let change = Change::new("role.assigned")
            .on("User", user_id)
            .with("roleId", role_id);
        audit::record(txn, actor.company_id, Some(actor), change, Utc::now()).await?;
        Ok(())
    })
}

/// Takes a role away, refusing to leave the company without an admin.
pub async fn unassign_role(
    db: &impl crate::db::Writable,
    actor: &Actor,
    user_id: i64,
    role_id: i64,
) -> ApiResult<()> {
    crate::db::write_transaction!(db, |txn| {
        find_user(txn, actor, user_id).await?;
        find_role(txn, actor, role_id).await?;
        let deleted = role_assignment::Entity::delete_by_id((user_id, role_id))
            .exec(txn)
            .await?;
        if deleted.rows_affected == 0 {
            return Err(ApiError::NotFound("role assignment"));
        }
        ensure_an_admin_remains(txn, actor).await?;
        let change = Change::new("role.unassigned")
            .on("User", user_id)
            .with("roleId", role_id);
        audit::record(txn, actor.company_id, Some(actor), change, Utc::now()).await?;
        Ok(())
    })
}

/// Refuses a change that would leave the company without an active admin.
pub(super) async fn ensure_an_admin_remains(
    db: &impl ConnectionTrait,
    actor: &Actor,
) -> ApiResult<()> {
    let admin_roles = Query::select()
        .column(recruiting_role::Column::Id)
        .from(recruiting_role::Entity)
        .and_where(recruiting_role::Column::CompanyId.eq(actor.company_id))
        .and_where(recruiting_role::Column::IsAdmin.eq(true))
        .to_owned();
    let active_users = Query::select()
        .column(user::Column::Id)
        .from(user::Entity)
        .and_where(user::Column::CompanyId.eq(actor.company_id))
        .and_where(user::Column::Active.eq(true))
        .to_owned();
    let admins = role_assignment::Entity::find()
        .filter(role_assignment::Column::RoleId.in_subquery(admin_roles))
        .filter(role_assignment::Column::UserId.in_subquery(active_users))
        .count(db)
        .await?;
    if admins == 0 {
        return Err(ApiError::conflict(
            "the company must keep at least one recruiting admin",
        ));
    }
    Ok(())
}
