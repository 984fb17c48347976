//! How long candidates are kept: per subsidiary after their last
//! application there closed, per company when they have no application.

use entity::{company, subsidiary};
use sea_orm::{
    ActiveModelTrait as _, ColumnTrait as _, ConnectionTrait, EntityTrait as _,
    IntoActiveModel as _, QueryFilter as _, QueryOrder as _, Set,
};
use serde_json::{Map, Value};

use crate::access::Actor;
use crate::audit;
use crate::error::{ApiError, ApiResult};

/// A retention period in whole days: at least one, at most ten years.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Days(i32);

impl Days {
    pub const MAX: i32 = 3650;

    pub fn parse(days: i32) -> Result<Self, String> {
        if (1..=Self::MAX).contains(&days) {
            Ok(Self(days))
        } else {
            Err(format!(
                "must be between 1 and {} days, got {days}",
                Self::MAX
            ))
        }
    }

    pub fn get(self) -> i32 {
        self.0
    }
}

/// A company's retention periods.
#[derive(Clone, Debug)]
pub struct RetentionSettings {
    pub days_without_application: i32,
    /// Every subsidiary of the company, by name.
    pub subsidiaries: Vec<subsidiary::Model>,
}

/// A validated change; what is not named stays.
#[derive(Clone, Debug, Default)]
pub struct SettingsChange {
    pub days_without_application: Option<Days>,
    /// Subsidiary id and its new period; each subsidiary at most once.
    pub days_after_close: Vec<(i64, Days)>,
}

pub async fn load(db: &impl ConnectionTrait, company_id: i64) -> ApiResult<RetentionSettings> {
    let company = company::Entity::find_by_id(company_id)
        .one(db)
        .await?
        .ok_or(ApiError::NotFound("company"))?;
    let subsidiaries = subsidiary::Entity::find()
        .filter(subsidiary::Column::CompanyId.eq(company_id))
        .order_by_asc(subsidiary::Column::Name)
        .order_by_asc(subsidiary::Column::Id)
        .all(db)
        .await?;
    Ok(RetentionSettings {
        days_without_application: company.retention_days_without_application,
        subsidiaries,
    })
}

/// The settings as the audit trail records them: one key per period, so
/// an entry names exactly the periods that changed.
fn audited(settings: &RetentionSettings) -> Value {
    let mut out = Map::new();
    out.insert(
        "daysWithoutApplication".into(),
        settings.days_without_application.into(),
    );
    for row in &settings.subsidiaries {
        out.insert(
            format!("daysAfterClose.subsidiary.{}", row.id),
            row.retention_days_after_close.into(),
        );
    }
    Value::Object(out)
}

/// Applies `change` to the actor's company, recorded as
/// `retention_settings.updated` with the periods before and after.
/// `NOT_FOUND` for a subsidiary of another company (or none).
pub async fn update(
    db: &impl crate::db::Writable,
    actor: &Actor,
    change: SettingsChange,
) -> ApiResult<RetentionSettings> {
    crate::db::write_transaction!(db, |txn| {
        let before = load(txn, actor.company_id).await?;
        for (id, _) in &change.days_after_close {
            if !before.subsidiaries.iter().any(|s| s.id == *id) {
                return Err(ApiError::NotFound("subsidiary"));
            }
        }
        if let Some(days) = change.days_without_application
            && days.get() != before.days_without_application
        {
            company::Entity::update_many()
                .col_expr(
                    company::Column::RetentionDaysWithoutApplication,
                    days.get().into(),
                )
                .filter(company::Column::Id.eq(actor.company_id))
                .exec(txn)
                .await?;
        }
        for (id, days) in &change.days_after_close {
            let Some(row) = before.subsidiaries.iter().find(|s| s.id == *id) else {
                continue;
            };
            if row.retention_days_after_close != days.get() {
                let mut row = row.clone().into_active_model();
                row.retention_days_after_close = Set(days.get());
                row.update(txn).await?;
            }
        }
        let after = load(txn, actor.company_id).await?;
        let (old, new) = (audited(&before), audited(&after));
        if old != new {
            audit::setting_changed(
                txn,
                actor,
                "retention_settings.updated",
                ("Company", actor.company_id),
                old,
                new,
            )
            .await?;
        }
        Ok(after)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn periods_are_between_a_day_and_ten_years() {
        assert_eq!(Days::parse(180).map(Days::get), Ok(180));
        assert!(Days::parse(1).is_ok());
        assert!(Days::parse(Days::MAX).is_ok());
        for bad in [0, -1, Days::MAX + 1] {
            assert!(Days::parse(bad).is_err(), "{bad}");
        }
    }
}
