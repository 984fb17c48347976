//! A company's rules for self-scheduling: how long before an interview a
//! candidate may still move or cancel it through their link, and how soon a
//! slot offered through a link may start. Companies that never changed them
//! have no row and get the defaults.

use chrono::{DateTime, Duration, Utc};
use entity::scheduling_setting;
use sea_orm::sea_query::OnConflict;
use sea_orm::{ConnectionTrait, EntityTrait as _, Set};

use crate::access::Actor;
use crate::audit;
use crate::error::{ApiError, ApiResult};

/// Hours before the interview until which a booking can be changed.
pub const DEFAULT_CHANGE_DEADLINE_HOURS: i32 = 24;
/// Hours from now before the first slot a link offers.
pub const DEFAULT_MINIMUM_NOTICE_HOURS: i32 = 24;
/// The most either rule may be: a month.
pub const MAX_HOURS: i32 = 31 * 24;

/// The rules in force for one company.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SchedulingRules {
    pub change_deadline_hours: i32,
    pub minimum_notice_hours: i32,
}

impl Default for SchedulingRules {
    fn default() -> Self {
        Self {
            change_deadline_hours: DEFAULT_CHANGE_DEADLINE_HOURS,
            minimum_notice_hours: DEFAULT_MINIMUM_NOTICE_HOURS,
        }
    }
}

impl SchedulingRules {
    /// The last moment a booking of an interview starting at `starts_at`
    /// can be changed through its link.
    pub fn change_deadline(&self, starts_at: DateTime<Utc>) -> DateTime<Utc> {
        starts_at - Duration::hours(i64::from(self.change_deadline_hours))
    }

    pub fn minimum_notice_minutes(&self) -> u32 {
        u32::try_from(self.minimum_notice_hours).unwrap_or(0) * 60
    }
}

/// A change to the rules; `None` leaves one as it is.
#[derive(Debug, Default)]
pub struct RulesChange {
    pub change_deadline_hours: Option<i32>,
    pub minimum_notice_hours: Option<i32>,
}

pub async fn rules(db: &impl ConnectionTrait, company_id: i64) -> ApiResult<SchedulingRules> {
    Ok(scheduling_setting::Entity::find_by_id(company_id)
        .one(db)
        .await?
        .map_or_else(SchedulingRules::default, |row| SchedulingRules {
            change_deadline_hours: row.change_deadline_hours,
            minimum_notice_hours: row.minimum_notice_hours,
        }))
}

/// Changes the actor's company's rules. Recruiting admins only.
pub async fn update(
    db: &impl crate::db::Writable,
    actor: &Actor,
    change: RulesChange,
    now: DateTime<Utc>,
) -> ApiResult<SchedulingRules> {
    if !actor.is_admin {
        return Err(ApiError::forbidden(
            "only recruiting admins change the scheduling rules",
        ));
    }
    let check = |field: &str, hours: Option<i32>| match hours {
        Some(h) if !(0..=MAX_HOURS).contains(&h) => Err(ApiError::validation(
            field,
            format!("between 0 and {MAX_HOURS} hours"),
        )),
        _ => Ok(()),
    };
    check("changeDeadlineHours", change.change_deadline_hours)?;
    check("minimumNoticeHours", change.minimum_notice_hours)?;
    crate::db::write_transaction!(db, |txn| {
        let current = rules(txn, actor.company_id).await?;
        let new = SchedulingRules {
            change_deadline_hours: change
                .change_deadline_hours
                .unwrap_or(current.change_deadline_hours),
            minimum_notice_hours: change
                .minimum_notice_hours
                .unwrap_or(current.minimum_notice_hours),
        };
        scheduling_setting::Entity::insert(scheduling_setting::ActiveModel {
            company_id: Set(actor.company_id),
            change_deadline_hours: Set(new.change_deadline_hours),
            minimum_notice_hours: Set(new.minimum_notice_hours),
            updated_at: Set(now),
        })
        .on_conflict(
            OnConflict::column(scheduling_setting::Column::CompanyId)
                .update_columns([
                    scheduling_setting::Column::ChangeDeadlineHours,
                    scheduling_setting::Column::MinimumNoticeHours,
                    scheduling_setting::Column::UpdatedAt,
                ])
                .to_owned(),
        )
        .exec(txn)
        .await?;
        let audited = |rules: &SchedulingRules| {
            serde_json::json!({
                "changeDeadlineHours": rules.change_deadline_hours,
                "minimumNoticeHours": rules.minimum_notice_hours,
            })
        };
        audit::setting_changed(
            txn,
            actor,
            "scheduling_settings.updated",
            ("Company", actor.company_id),
            audited(&current),
            audited(&new),
        )
        .await?;
        Ok(new)
    })
}
