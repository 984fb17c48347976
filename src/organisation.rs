//! Subsidiaries, recruiting categories and document categories: the company's
//! structure, managed by recruiting admins.

use chrono::Utc;
use entity::{document_category, recruiting_category, subsidiary};
use sea_orm::{
    ActiveModelTrait as _, ColumnTrait as _, ConnectionTrait, EntityTrait as _,
    IntoActiveModel as _, QueryFilter as _, QueryOrder as _, Set,
};

use crate::access::Actor;
use crate::domain::{EmailAddress, Name};
use crate::error::{ApiError, ApiResult};

/// A subsidiary's name and optional sender identity.
#[derive(Debug, Default)]
pub struct SubsidiaryChange {
    pub name: Option<Name>,
    /// `Some(None)` clears the address.
    pub email_address: Option<Option<EmailAddress>>,
    pub email_display_name: Option<Option<Name>>,
}

pub async fn subsidiaries(
    db: &impl ConnectionTrait,
    actor: &Actor,
) -> ApiResult<Vec<subsidiary::Model>> {
    Ok(subsidiary::Entity::find()
        .filter(subsidiary::Column::CompanyId.eq(actor.company_id))
        .order_by_asc(subsidiary::Column::Name)
        .all(db)
        .await?)
}

pub async fn find_subsidiary(
    db: &impl ConnectionTrait,
    actor: &Actor,
    id: i64,
) -> ApiResult<subsidiary::Model> {
    subsidiary::Entity::find_by_id(id)
        .filter(subsidiary::Column::CompanyId.eq(actor.company_id))
        .one(db)
        .await?
        .ok_or(ApiError::NotFound("subsidiary"))
}

pub async fn create_subsidiary(
    db: &impl ConnectionTrait,
    actor: &Actor,
    name: Name,
    change: SubsidiaryChange,
) -> ApiResult<subsidiary::Model> {
    subsidiary::ActiveModel {
        company_id: Set(actor.company_id),
        name: Set(name.into_inner()),
        email_address: Set(change.email_address.flatten().map(EmailAddress::into_inner)),
        email_display_name: Set(change.email_display_name.flatten().map(Name::into_inner)),
        use_custom_smtp: Set(false),
        smtp_security: Set(entity::enums::SmtpSecurity::StartTls),
        created_at: Set(Utc::now()),
        ..Default::default()
    }
    .insert(db)
    .await
    .map_err(|e| ApiError::from_write(e, "a subsidiary with this name"))
}

pub async fn update_subsidiary(
    db: &impl ConnectionTrait,
    actor: &Actor,
    id: i64,
    change: SubsidiaryChange,
) -> ApiResult<subsidiary::Model> {
    let mut row = find_subsidiary(db, actor, id).await?.into_active_model();
    if let Some(v) = change.name {
        row.name = Set(v.into_inner());
    }
    if let Some(v) = change.email_address {
        row.email_address = Set(v.map(EmailAddress::into_inner));
    }
    if let Some(v) = change.email_display_name {
        row.email_display_name = Set(v.map(Name::into_inner));
    }
    row.update(db)
        .await
        .map_err(|e| ApiError::from_write(e, "a subsidiary with this name"))
}

pub async fn categories(
    db: &impl ConnectionTrait,
    actor: &Actor,
) -> ApiResult<Vec<recruiting_category::Model>> {
    Ok(recruiting_category::Entity::find()
        .filter(recruiting_category::Column::CompanyId.eq(actor.company_id))
        .order_by_asc(recruiting_category::Column::Name)
        .all(db)
        .await?)
}

pub async fn find_category(
    db: &impl ConnectionTrait,
    actor: &Actor,
    id: i64,
) -> ApiResult<recruiting_category::Model> {
    recruiting_category::Entity::find_by_id(id)
        .filter(recruiting_category::Column::CompanyId.eq(actor.company_id))
        .one(db)
        .await?
        .ok_or(ApiError::NotFound("category"))
}

pub async fn create_category(
    db: &impl ConnectionTrait,
    actor: &Actor,
    name: Name,
) -> ApiResult<recruiting_category::Model> {
    recruiting_category::ActiveModel {
        company_id: Set(actor.company_id),
        name: Set(name.into_inner()),
        auto_reply_online: Set(false),
        auto_reply_email: Set(false),
        created_at: Set(Utc::now()),
        ..Default::default()
    }
    .insert(db)
    .await
    .map_err(|e| ApiError::from_write(e, "a category with this name"))
}

pub async fn rename_category(
    db: &impl ConnectionTrait,
    actor: &Actor,
    id: i64,
    name: Name,
) -> ApiResult<recruiting_category::Model> {
    let mut row = find_category(db, actor, id).await?.into_active_model();
    row.name = Set(name.into_inner());
    row.update(db)
        .await
        .map_err(|e| ApiError::from_write(e, "a category with this name"))
}

pub async fn document_categories(
    db: &impl ConnectionTrait,
    actor: &Actor,
) -> ApiResult<Vec<document_category::Model>> {
    Ok(document_category::Entity::find()
        .filter(document_category::Column::CompanyId.eq(actor.company_id))
        .order_by_asc(document_category::Column::Name)
        .all(db)
        .await?)
}

pub async fn find_document_category(
    db: &impl ConnectionTrait,
    actor: &Actor,
    id: i64,
) -> ApiResult<document_category::Model> {
    document_category::Entity::find_by_id(id)
        .filter(document_category::Column::CompanyId.eq(actor.company_id))
        .one(db)
        .await?
        .ok_or(ApiError::NotFound("document category"))
}

pub async fn create_document_category(
    db: &impl ConnectionTrait,
    actor: &Actor,
    name: Name,
) -> ApiResult<document_category::Model> {
    document_category::ActiveModel {
        company_id: Set(actor.company_id),
        name: Set(name.into_inner()),
        created_at: Set(Utc::now()),
        ..Default::default()
    }
    .insert(db)
    .await
    .map_err(|e| ApiError::from_write(e, "a document category with this name"))
}

/// Deletes a subsidiary that no position belongs to (`CONFLICT` otherwise).
pub async fn delete_subsidiary(db: &impl ConnectionTrait, actor: &Actor, id: i64) -> ApiResult<()> {
    let row = find_subsidiary(db, actor, id).await?;
    subsidiary::Entity::delete_by_id(row.id)
        .exec(db)
        .await
        .map_err(|e| ApiError::from_write(e, "this subsidiary"))?;
    Ok(())
}

/// Deletes a category that no position belongs to (`CONFLICT` otherwise).
pub async fn delete_category(db: &impl ConnectionTrait, actor: &Actor, id: i64) -> ApiResult<()> {
    let row = find_category(db, actor, id).await?;
    recruiting_category::Entity::delete_by_id(row.id)
        .exec(db)
        .await
        .map_err(|e| ApiError::from_write(e, "this category"))?;
    Ok(())
}
