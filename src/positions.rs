//! Positions and their hiring managers.

use chrono::Utc;
use entity::enums::PositionStatus;
use entity::{position, position_hiring_manager, recruiting_category, subsidiary, user};
use sea_orm::{
    ActiveModelTrait as _, ColumnTrait as _, ConnectionTrait, EntityTrait as _,
    IntoActiveModel as _, PaginatorTrait as _, QueryFilter as _, Select, Set,
};

use crate::access::Actor;
use crate::domain::Name;
use crate::error::{ApiError, ApiResult};

#[derive(Debug)]
pub struct NewPosition {
    pub name: Name,
    pub subsidiary_id: i64,
    pub category_id: i64,
    pub status: PositionStatus,
    pub hiring_manager_ids: Vec<i64>,
}

#[derive(Debug, Default)]
pub struct PositionChange {
    pub name: Option<Name>,
    pub subsidiary_id: Option<i64>,
    pub category_id: Option<i64>,
    pub status: Option<PositionStatus>,
    /// Replaces the whole list when given.
    pub hiring_manager_ids: Option<Vec<i64>>,
}

/// Filters of the `positions` list.
#[derive(Debug, Default)]
pub struct PositionFilter {
    pub status: Option<PositionStatus>,
    pub subsidiary_id: Option<i64>,
    pub category_id: Option<i64>,
}

/// The positions `actor` may see.
pub fn visible(actor: &Actor) -> Select<position::Entity> {
    position::Entity::find()
        .filter(position::Column::CompanyId.eq(actor.company_id))
        .filter(actor.positions.covers(position::Column::Id))
}

pub fn search(actor: &Actor, filter: &PositionFilter) -> Select<position::Entity> {
    let mut query = visible(actor);
    if let Some(status) = filter.status {
        query = query.filter(position::Column::Status.eq(status));
    }
    if let Some(id) = filter.subsidiary_id {
        query = query.filter(position::Column::SubsidiaryId.eq(id));
    }
    if let Some(id) = filter.category_id {
        query = query.filter(position::Column::CategoryId.eq(id));
    }
    query
}

pub async fn find(db: &impl ConnectionTrait, actor: &Actor, id: i64) -> ApiResult<position::Model> {
    visible(actor)
        .filter(position::Column::Id.eq(id))
        .one(db)
        .await?
        .ok_or(ApiError::NotFound("position"))
}

pub async fn create(
    db: &impl crate::db::Writable,
    actor: &Actor,
    new: NewPosition,
) -> ApiResult<position::Model> {
    crate::db::write_transaction!(db, |txn| {
        check_refs(txn, actor, Some(new.subsidiary_id), Some(new.category_id)).await?;
        let row = position::ActiveModel {
            company_id: Set(actor.company_id),
            subsidiary_id: Set(new.subsidiary_id),
            category_id: Set(new.category_id),
            name: Set(new.name.as_str().to_owned()),
            status: Set(new.status),
            created_at: Set(Utc::now()),
            ..Default::default()
        }
        .insert(txn)
        .await?;
        set_hiring_managers(txn, actor, row.id, &new.hiring_manager_ids).await?;
        Ok(row)
    })
}

pub async fn update(
    db: &impl crate::db::Writable,
    actor: &Actor,
    id: i64,
    change: PositionChange,
) -> ApiResult<position::Model> {
    crate::db::write_transaction!(db, |txn| {
        let mut row = find(txn, actor, id).await?.into_active_model();
        check_refs(txn, actor, change.subsidiary_id, change.category_id).await?;
        if let Some(v) = &change.name {
            row.name = Set(v.as_str().to_owned());
        }
        if let Some(v) = change.subsidiary_id {
            row.subsidiary_id = Set(v);
        }
        if let Some(v) = change.category_id {
            row.category_id = Set(v);
        }
        if let Some(v) = change.status {
            row.status = Set(v);
        }
        let row = row.update(txn).await?;
        if let Some(ids) = &change.hiring_manager_ids {
            position_hiring_manager::Entity::delete_many()
                .filter(position_hiring_manager::Column::PositionId.eq(row.id))
                .exec(txn)
                .await?;
            set_hiring_managers(txn, actor, row.id, ids).await?;
        }
        Ok(row)
    })
}

/// The subsidiary and category must be the company's own.
async fn check_refs(
    db: &impl ConnectionTrait,
    actor: &Actor,
    subsidiary_id: Option<i64>,
    category_id: Option<i64>,
) -> ApiResult<()> {
    if let Some(id) = subsidiary_id {
        let found = subsidiary::Entity::find_by_id(id)
            .filter(subsidiary::Column::CompanyId.eq(actor.company_id))
            .count(db)
            .await?;
        if found == 0 {
            return Err(ApiError::NotFound("subsidiary"));
        }
    }
    if let Some(id) = category_id {
        let found = recruiting_category::Entity::find_by_id(id)
            .filter(recruiting_category::Column::CompanyId.eq(actor.company_id))
            .count(db)
            .await?;
        if found == 0 {
            return Err(ApiError::NotFound("category"));
        }
    }
    Ok(())
}

async fn set_hiring_managers(
    db: &impl ConnectionTrait,
    actor: &Actor,
    position_id: i64,
    user_ids: &[i64],
) -> ApiResult<()> {
    let mut ids = user_ids.to_vec();
    ids.sort_unstable();
    ids.dedup();
    if ids.is_empty() {
        return Ok(());
    }
    let found = user::Entity::find()
        .filter(user::Column::Id.is_in(ids.iter().copied()))
        .filter(user::Column::CompanyId.eq(actor.company_id))
        .count(db)
        .await?;
    if found != ids.len() as u64 {
        return Err(ApiError::validation(
            "hiringManagerIds",
            "every hiring manager must be a user of your company",
        ));
    }
    position_hiring_manager::Entity::insert_many(ids.into_iter().map(|user_id| {
        position_hiring_manager::ActiveModel {
            position_id: Set(position_id),
            user_id: Set(user_id),
        }
    }))
    .exec(db)
    .await?;
    Ok(())
}

/// Deletes a position without applications (`CONFLICT` otherwise: close it instead).
pub async fn delete(db: &impl ConnectionTrait, actor: &Actor, id: i64) -> ApiResult<()> {
    let row = find(db, actor, id).await?;
    position::Entity::delete_by_id(row.id)
        .exec(db)
        .await
        .map_err(|e| ApiError::from_write(e, "this position"))?;
    Ok(())
}
