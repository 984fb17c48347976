//! API tokens: created for a user, shown once, revocable.

use chrono::{DateTime, Utc};
use entity::{api_token, user};
use sea_orm::sea_query::Query;
use sea_orm::{
    ActiveModelTrait as _, ColumnTrait as _, ConnectionTrait, EntityTrait as _,
    IntoActiveModel as _, QueryFilter as _, QueryOrder as _, Select, Set,
};

use super::find_user;
use crate::access::{Actor, token};
use crate::audit::{self, Change};
use crate::domain::Name;
use crate::error::{ApiError, ApiResult};

/// A new token for `user_id`; the secret is returned once and only its digest stored.
pub async fn create_api_token(
    db: &impl crate::db::Writable,
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
    crate::db::write_transaction!(db, |txn| {
        let (row, secret) = issue(txn, owner.id, name.as_str(), expires_at).await?;
        let change = Change::new("api_token.created")
            .on("ApiToken", row.id)
            .with("userId", owner.id)
            .with("expiresAt", expires_at.map(|at| at.to_rfc3339()));
        audit::record(txn, actor.company_id, Some(actor), change, now).await?;
        Ok((row, secret))
    })
}

/// Stores a new token for `user_id` without checking rights; the caller has.
/// Returns the row and the secret, which exists nowhere else afterwards.
pub async fn issue(
    db: &impl ConnectionTrait,
    user_id: i64,
    name: &str,
    expires_at: Option<DateTime<Utc>>,
) -> ApiResult<(api_token::Model, String)> {
    let (secret, digest) = token::generate();
    let row = api_token::ActiveModel {
        user_id: Set(user_id),
        name: Set(name.to_owned()),
        token_hash: Set(digest),
        expires_at: Set(expires_at),
        created_at: Set(Utc::now()),
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
    db: &impl crate::db::Writable,
    actor: &Actor,
    id: i64,
) -> ApiResult<api_token::Model> {
    crate::db::write_transaction!(db, |txn| {
        let found = find_api_token(txn, actor, id).await?;
        let owner = found.user_id;
        let mut row = found.into_active_model();
        let now = Utc::now();
        row.revoked_at = Set(Some(now));
        let row = row.update(txn).await?;
        let change = Change::new("api_token.revoked")
            .on("ApiToken", row.id)
            .with("userId", owner);
        audit::record(txn, actor.company_id, Some(actor), change, now).await?;
        Ok(row)
    })
}
