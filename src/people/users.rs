//! The company's users.

use chrono::Utc;
use entity::user;
use sea_orm::{
    ActiveModelTrait as _, ColumnTrait as _, ConnectionTrait, EntityTrait as _,
    IntoActiveModel as _, QueryFilter as _, QueryOrder as _, Set,
};

use super::assign_role;
use super::roles::ensure_an_admin_remains;
use crate::access::Actor;
use crate::domain::{EmailAddress, Name};
use crate::error::{ApiError, ApiResult};
use crate::templates::Signature;

pub async fn users(db: &impl ConnectionTrait, actor: &Actor) -> ApiResult<Vec<user::Model>> {
    Ok(user::Entity::find()
        .filter(user::Column::CompanyId.eq(actor.company_id))
        .order_by_asc(user::Column::DisplayName)
        .all(db)
        .await?)
}

/// The company's users among `ids`, in one statement: every signed-in user
/// may see the company's users, so only the company limits them.
pub async fn users_by_id(
    db: &impl ConnectionTrait,
    actor: &Actor,
    ids: Vec<i64>,
) -> ApiResult<Vec<user::Model>> {
    Ok(user::Entity::find()
        .filter(user::Column::Id.is_in(ids))
        .filter(user::Column::CompanyId.eq(actor.company_id))
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
    db: &impl crate::db::Writable,
    actor: &Actor,
    email: EmailAddress,
    display_name: Name,
    role_ids: &[i64],
) -> ApiResult<user::Model> {
    crate::db::write_transaction!(db, |txn| {
        let row = user::ActiveModel {
            company_id: Set(actor.company_id),
            email: Set(email.normalized()),
            display_name: Set(display_name.as_str().to_owned()),
            active: Set(true),
            created_at: Set(Utc::now()),
            ..Default::default()
        }
        .insert(txn)
        .await
        .map_err(|e| ApiError::from_write(e, "a user with this email address"))?;
        for role_id in role_ids {
            assign_role(txn, actor, row.id, *role_id).await?;
        }
        Ok(row)
    })
}

/// Renames, deactivates or reactivates a user; the company keeps an active admin.
pub async fn update_user(
    db: &impl crate::db::Writable,
    actor: &Actor,
    id: i64,
    display_name: Option<Name>,
    active: Option<bool>,
) -> ApiResult<user::Model> {
    crate::db::write_transaction!(db, |txn| {
        let mut row = find_user(txn, actor, id).await?.into_active_model();
        if let Some(v) = &display_name {
            row.display_name = Set(v.as_str().to_owned());
        }
        if active == Some(false) && id == actor.user_id {
            return Err(ApiError::validation(
                "active",
                "you cannot deactivate yourself",
            ));
        }
        if let Some(v) = active {
            row.active = Set(v);
        }
        let row = row.update(txn).await?;
        if active == Some(false) {
            ensure_an_admin_remains(txn, actor).await?;
        }
        Ok(row)
    })
}

/// Sets or (with `None`) removes the caller's own signature.
pub async fn set_signature(
    db: &impl ConnectionTrait,
    actor: &Actor,
    html: Option<&str>,
) -> ApiResult<user::Model> {
    let html = match html.map(str::trim).filter(|h| !h.is_empty()) {
        Some(html) => Some(
            Signature::new(html)
                .map_err(|e| ApiError::validation("signature", format!("signature: {e}")))?
                .html()
                .to_owned(),
        ),
        None => None,
    };
    let mut row = find_user(db, actor, actor.user_id)
        .await?
        .into_active_model();
    row.signature_html = Set(html);
    Ok(row.update(db).await?)
}
