//! When users work: weekly hours in their own IANA zone, dated overrides, and
//! the company's defaults for users who set none.
//!
//! Users set their own; recruiting admins set anyone's in their company and
//! the company's defaults. A company that set no defaults works Monday to
//! Friday, 09:00–17:00 in its default time zone ([`product_default`]).

use std::collections::{BTreeMap, HashMap};

use chrono::{NaiveDate, Utc, Weekday};
use chrono_tz::Tz;
use entity::{availability_override, company, company_working_hours, user, working_hours};
use sea_orm::sea_query::OnConflict;
use sea_orm::{
    ColumnTrait as _, ConnectionTrait, EntityTrait as _, JoinType, PaginatorTrait as _,
    QueryFilter as _, QuerySelect as _, Set,
};

use super::week::{DAY_MINUTES, LocalSpan, WorkingTime};
use crate::access::Actor;
use crate::error::{ApiError, ApiResult};

/// Spans one day may have (a split day has two or three).
pub const MAX_SPANS_PER_DAY: usize = 8;

/// Overrides one user may have stored.
pub const MAX_OVERRIDES: usize = 400;

/// How far from today an override's date may be.
const MAX_OVERRIDE_DAYS: i64 = 2 * 366;

/// Most users one call reads, so that the IN lists stay bounded.
pub const MAX_USERS: usize = 500;

/// Working hours for a company that set none: Monday to Friday, 09:00–17:00,
/// in the company's default time zone (`updateCompany`); a company sets
/// another zone with its own defaults.
pub fn product_default(time_zone: Tz) -> WorkingTime {
    let day = vec![LocalSpan {
        start: 9 * 60,
        end: 17 * 60,
    }];
    WorkingTime {
        time_zone,
        weekly: [
            day.clone(),
            day.clone(),
            day.clone(),
            day.clone(),
            day,
            Vec::new(),
            Vec::new(),
        ],
        overrides: BTreeMap::new(),
    }
}

/// A local time of day, `HH:MM` (24-hour); `24:00` is midnight at the end
/// of the day and is accepted only as an end.
pub fn parse_clock(text: &str, is_end: bool) -> Result<u16, String> {
    let bad = || format!("`{text}` is not a time of day such as 09:00");
    let (hours, minutes) = text.trim().split_once(':').ok_or_else(bad)?;
    if hours.is_empty() || hours.len() > 2 || minutes.len() != 2 {
        return Err(bad());
    }
    let hours: u16 = hours.parse().map_err(|_| bad())?;
    let minutes: u16 = minutes.parse().map_err(|_| bad())?;
    if minutes >= 60 || hours > 24 || (hours == 24 && (minutes != 0 || !is_end)) {
        return Err(bad());
    }
    Ok(hours * 60 + minutes)
}

/// `HH:MM` of minutes after midnight.
pub fn format_clock(minutes: u16) -> String {
    format!("{:02}:{:02}", minutes / 60, minutes % 60)
}

/// One span as typed: start and end times of day.
#[derive(Clone, Debug)]
pub struct SpanInput {
    pub start: String,
    pub end: String,
}

/// Checks the spans of one day: each within the day, at most
/// [`MAX_SPANS_PER_DAY`], none overlapping another; returns them sorted.
/// `field` names the input list in errors.
pub fn day_spans(spans: &[SpanInput], field: &str) -> ApiResult<Vec<LocalSpan>> {
    if spans.len() > MAX_SPANS_PER_DAY {
        return Err(ApiError::validation(
            field,
            format!("at most {MAX_SPANS_PER_DAY} spans per day"),
        ));
    }
    let mut parsed = Vec::with_capacity(spans.len());
    for (i, span) in spans.iter().enumerate() {
        let at = |what: &str, e: String| ApiError::validation(format!("{field}.{i}.{what}"), e);
        let start = parse_clock(&span.start, false).map_err(|e| at("start", e))?;
        let end = parse_clock(&span.end, true).map_err(|e| at("end", e))?;
        let span = LocalSpan::new(start, end).ok_or_else(|| {
            at(
                "end",
                format!(
                    "the span must end after it starts ({} to {})",
                    span.start, span.end
                ),
            )
        })?;
        parsed.push(span);
    }
    parsed.sort();
    if let Some(pair) = parsed.windows(2).find(|w| w[1].start < w[0].end) {
        return Err(ApiError::validation(
            field,
            format!(
                "spans overlap: {}–{} and {}–{}",
                format_clock(pair[0].start),
                format_clock(pair[0].end),
                format_clock(pair[1].start),
                format_clock(pair[1].end)
            ),
        ));
    }
    Ok(parsed)
}

/// Weekly hours from spans tagged with their weekday.
pub fn weekly_spans(spans: &[(Weekday, SpanInput)], field: &str) -> ApiResult<[Vec<LocalSpan>; 7]> {
    if spans.len() > 7 * MAX_SPANS_PER_DAY {
        return Err(ApiError::validation(
            field,
            format!("at most {} spans a week", 7 * MAX_SPANS_PER_DAY),
        ));
    }
    let mut weekly: [Vec<LocalSpan>; 7] = Default::default();
    for (index, day) in weekly.iter_mut().enumerate() {
        let of_day: Vec<SpanInput> = spans
            .iter()
            .filter(|(weekday, _)| weekday.num_days_from_monday() as usize == index)
            .map(|(_, span)| span.clone())
            .collect();
        let name = chrono::Weekday::try_from(index as u8)
            .map(|d| format!("{d:?}"))
            .unwrap_or_default();
        *day = day_spans(&of_day, &format!("{field}[{name}]"))?;
    }
    Ok(weekly)
}

/// The zone of working hours, an IANA name.
pub fn parse_zone(text: &str, field: &str) -> ApiResult<Tz> {
    crate::interviews::parse_time_zone(text).map_err(|e| ApiError::validation(field, e))
}

fn encode_spans(spans: &[LocalSpan]) -> String {
    let pairs: Vec<[u16; 2]> = spans.iter().map(|s| [s.start, s.end]).collect();
    serde_json::to_string(&pairs).unwrap_or_else(|_| "[]".into())
}

fn encode_weekly(weekly: &[Vec<LocalSpan>; 7]) -> String {
    let days: Vec<Vec<[u16; 2]>> = weekly
        .iter()
        .map(|day| day.iter().map(|s| [s.start, s.end]).collect())
        .collect();
    serde_json::to_string(&days).unwrap_or_else(|_| "[]".into())
}

fn decode_spans(text: &str) -> ApiResult<Vec<LocalSpan>> {
    let pairs: Vec<[u16; 2]> = serde_json::from_str(text)
        .map_err(|e| ApiError::Internal(anyhow::anyhow!("stored spans unreadable: {e}")))?;
    Ok(pairs
        .into_iter()
        .filter_map(|[start, end]| LocalSpan::new(start, end.min(DAY_MINUTES)))
        .collect())
}

fn decode_weekly(text: &str) -> ApiResult<[Vec<LocalSpan>; 7]> {
    let days: Vec<Vec<[u16; 2]>> = serde_json::from_str(text)
        .map_err(|e| ApiError::Internal(anyhow::anyhow!("stored hours unreadable: {e}")))?;
    let mut weekly: [Vec<LocalSpan>; 7] = Default::default();
    for (day, spans) in weekly.iter_mut().zip(days) {
        *day = spans
            .into_iter()
            .filter_map(|[start, end]| LocalSpan::new(start, end))
            .collect();
    }
    Ok(weekly)
}

fn decode_zone(text: &str) -> Tz {
    text.parse().unwrap_or(Tz::UTC)
}

/// A user's working time and where its weekly hours come from.
#[derive(Clone, Debug, PartialEq)]
pub struct Availability {
    pub working_time: WorkingTime,
    /// Whether the weekly hours are the company's defaults (the user set none).
    pub company_default: bool,
}

/// The company's default working time, and whether the company set it.
pub async fn company_working_time(
    db: &impl ConnectionTrait,
    company_id: i64,
) -> ApiResult<(WorkingTime, bool)> {
    // One statement: the company's zone, and its own hours if it set them.
    let hours_of_company = company_working_hours::Entity::belongs_to(company::Entity)
        .from(company_working_hours::Column::CompanyId)
        .to(company::Column::Id)
        .into();
    let row: Option<(String, Option<String>, Option<String>)> =
        company::Entity::find_by_id(company_id)
            .select_only()
            .column(company::Column::DefaultTimeZone)
            .column(company_working_hours::Column::TimeZone)
            .column(company_working_hours::Column::Weekly)
            .join_rev(JoinType::LeftJoin, hours_of_company)
            .into_tuple()
            .one(db)
            .await?;
    Ok(match row {
        Some((_, Some(zone), Some(weekly))) => (
            WorkingTime {
                time_zone: decode_zone(&zone),
                weekly: decode_weekly(&weekly)?,
                overrides: BTreeMap::new(),
            },
            true,
        ),
        Some((company_zone, _, _)) => (product_default(decode_zone(&company_zone)), false),
        None => (product_default(Tz::UTC), false),
    })
}

/// The availability of the company's users among `user_ids`, in four
/// statements whatever their number; users of other companies are left out.
pub async fn availability(
    db: &impl ConnectionTrait,
    company_id: i64,
    user_ids: &[i64],
) -> ApiResult<HashMap<i64, Availability>> {
    if user_ids.is_empty() {
        return Ok(HashMap::new());
    }
    if user_ids.len() > MAX_USERS {
        return Err(ApiError::validation(
            "userIds",
            format!("at most {MAX_USERS} users at once"),
        ));
    }
    let users: Vec<i64> = user::Entity::find()
        .select_only()
        .column(user::Column::Id)
        .filter(user::Column::CompanyId.eq(company_id))
        .filter(user::Column::Id.is_in(user_ids.iter().copied()))
        .into_tuple()
        .all(db)
        .await?;
    let (default, _) = company_working_time(db, company_id).await?;
    let own: HashMap<i64, working_hours::Model> = working_hours::Entity::find()
        .filter(working_hours::Column::CompanyId.eq(company_id))
        .filter(working_hours::Column::UserId.is_in(users.iter().copied()))
        .all(db)
        .await?
        .into_iter()
        .map(|row| (row.user_id, row))
        .collect();
    let mut overrides: HashMap<i64, BTreeMap<NaiveDate, Vec<LocalSpan>>> = HashMap::new();
    for row in availability_override::Entity::find()
        .filter(availability_override::Column::CompanyId.eq(company_id))
        .filter(availability_override::Column::UserId.is_in(users.iter().copied()))
        .all(db)
        .await?
    {
        overrides
            .entry(row.user_id)
            .or_default()
            .insert(row.date, decode_spans(&row.spans)?);
    }
    let mut found = HashMap::with_capacity(users.len());
    for user_id in users {
        let (time_zone, weekly, company_default) = match own.get(&user_id) {
            Some(row) => (
                decode_zone(&row.time_zone),
                decode_weekly(&row.weekly)?,
                false,
            ),
            None => (default.time_zone, default.weekly.clone(), true),
        };
        found.insert(
            user_id,
            Availability {
                working_time: WorkingTime {
                    time_zone,
                    weekly,
                    overrides: overrides.remove(&user_id).unwrap_or_default(),
                },
                company_default,
            },
        );
    }
    Ok(found)
}

/// The working time of each of the company's users among `user_ids`, the
/// company's defaults applied to those who set none; users of other
/// companies are left out. Four statements whatever the number of users.
pub async fn working_times(
    db: &impl ConnectionTrait,
    company_id: i64,
    user_ids: &[i64],
) -> ApiResult<HashMap<i64, WorkingTime>> {
    Ok(availability(db, company_id, user_ids)
        .await?
        .into_iter()
        .map(|(id, a)| (id, a.working_time))
        .collect())
}

/// The zone of each user's working hours (their own, else the company's).
pub async fn time_zones(
    db: &impl ConnectionTrait,
    company_id: i64,
    user_ids: &[i64],
) -> ApiResult<HashMap<i64, Tz>> {
    let (default, _) = company_working_time(db, company_id).await?;
    let own: HashMap<i64, Tz> = working_hours::Entity::find()
        .filter(working_hours::Column::CompanyId.eq(company_id))
        .filter(working_hours::Column::UserId.is_in(user_ids.iter().copied()))
        .all(db)
        .await?
        .into_iter()
        .map(|row| (row.user_id, decode_zone(&row.time_zone)))
        .collect();
    Ok(user_ids
        .iter()
        .map(|id| (*id, own.get(id).copied().unwrap_or(default.time_zone)))
        .collect())
}

/// Finds a user of the caller's company whose availability the caller may
/// change: their own, or anyone's for a recruiting admin.
pub async fn editable_user(
    db: &impl ConnectionTrait,
    actor: &Actor,
    user_id: i64,
) -> ApiResult<user::Model> {
    let found = crate::people::find_user(db, actor, user_id).await?;
    if found.id != actor.user_id && !actor.is_admin {
        return Err(ApiError::forbidden(
            "only the user themselves or a recruiting admin may change this",
        ));
    }
    Ok(found)
}

/// Sets a user's weekly hours.
pub async fn set_working_hours(
    db: &impl ConnectionTrait,
    actor: &Actor,
    user_id: i64,
    time_zone: Tz,
    weekly: [Vec<LocalSpan>; 7],
) -> ApiResult<()> {
    let target = editable_user(db, actor, user_id).await?;
    working_hours::Entity::insert(working_hours::ActiveModel {
        user_id: Set(target.id),
        company_id: Set(target.company_id),
        time_zone: Set(time_zone.name().to_owned()),
        weekly: Set(encode_weekly(&weekly)),
        updated_at: Set(Utc::now()),
    })
    .on_conflict(
        OnConflict::column(working_hours::Column::UserId)
            .update_columns([
                working_hours::Column::TimeZone,
                working_hours::Column::Weekly,
                working_hours::Column::UpdatedAt,
            ])
            .to_owned(),
    )
    .exec_without_returning(db)
    .await?;
    Ok(())
}

/// Forgets a user's own weekly hours: the company's defaults apply again.
pub async fn clear_working_hours(
    db: &impl ConnectionTrait,
    actor: &Actor,
    user_id: i64,
) -> ApiResult<()> {
    let target = editable_user(db, actor, user_id).await?;
    working_hours::Entity::delete_many()
        .filter(working_hours::Column::UserId.eq(target.id))
        .exec(db)
        .await?;
    Ok(())
}

/// Sets the company's default hours. Recruiting admins only.
pub async fn set_company_working_hours(
    db: &impl ConnectionTrait,
    actor: &Actor,
    time_zone: Tz,
    weekly: [Vec<LocalSpan>; 7],
) -> ApiResult<()> {
    if !actor.is_admin {
        return Err(ApiError::forbidden("recruiting admin rights are required"));
    }
    company_working_hours::Entity::insert(company_working_hours::ActiveModel {
        company_id: Set(actor.company_id),
        time_zone: Set(time_zone.name().to_owned()),
        weekly: Set(encode_weekly(&weekly)),
        updated_at: Set(Utc::now()),
    })
    .on_conflict(
        OnConflict::column(company_working_hours::Column::CompanyId)
            .update_columns([
                company_working_hours::Column::TimeZone,
                company_working_hours::Column::Weekly,
                company_working_hours::Column::UpdatedAt,
            ])
            .to_owned(),
    )
    .exec_without_returning(db)
    .await?;
    Ok(())
}

/// Sets a user's hours on one date (no spans: a day off), replacing any
/// override of that date.
pub async fn set_override(
    db: &impl crate::db::Writable,
    actor: &Actor,
    user_id: i64,
    date: NaiveDate,
    spans: Vec<LocalSpan>,
) -> ApiResult<()> {
    let today = Utc::now().date_naive();
    if (date - today).num_days().abs() > MAX_OVERRIDE_DAYS {
        return Err(ApiError::validation(
            "date",
            format!("the date must be within {MAX_OVERRIDE_DAYS} days of today"),
        ));
    }
    crate::db::write_transaction!(db, |txn| {
        let target = editable_user(txn, actor, user_id).await?;
        let stored = availability_override::Entity::find()
            .filter(availability_override::Column::UserId.eq(target.id))
            .filter(availability_override::Column::Date.ne(date))
            .count(txn)
            .await?;
        if stored >= MAX_OVERRIDES as u64 {
            return Err(ApiError::validation(
                "date",
                format!("at most {MAX_OVERRIDES} dated overrides per user; remove old ones first"),
            ));
        }
        availability_override::Entity::insert(availability_override::ActiveModel {
            company_id: Set(target.company_id),
            user_id: Set(target.id),
            date: Set(date),
            spans: Set(encode_spans(&spans)),
            updated_at: Set(Utc::now()),
            ..Default::default()
        })
        .on_conflict(
            OnConflict::columns([
                availability_override::Column::UserId,
                availability_override::Column::Date,
            ])
            .update_columns([
                availability_override::Column::Spans,
                availability_override::Column::UpdatedAt,
            ])
            .to_owned(),
        )
        .exec_without_returning(txn)
        .await?;
        Ok(())
    })
}

/// Removes a user's override of one date: their weekly hours apply again.
pub async fn remove_override(
    db: &impl ConnectionTrait,
    actor: &Actor,
    user_id: i64,
    date: NaiveDate,
) -> ApiResult<()> {
    let target = editable_user(db, actor, user_id).await?;
    let removed = availability_override::Entity::delete_many()
        .filter(availability_override::Column::UserId.eq(target.id))
        .filter(availability_override::Column::Date.eq(date))
        .exec(db)
        .await?;
    if removed.rows_affected == 0 {
        return Err(ApiError::NotFound("availability override"));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn span(start: &str, end: &str) -> SpanInput {
        SpanInput {
            start: start.into(),
            end: end.into(),
        }
    }

    #[test]
    fn clock_times_are_hours_and_minutes_of_one_day() {
        assert_eq!(parse_clock("09:00", false), Ok(540));
        assert_eq!(parse_clock("9:30", false), Ok(570));
        assert_eq!(parse_clock("24:00", true), Ok(1440));
        for bad in [
            "24:00", "25:00", "09:60", "0900", "9", "", "ab:cd", "-1:00", "09:5",
        ] {
            assert!(parse_clock(bad, false).is_err(), "{bad}");
        }
        assert!(parse_clock("24:30", true).is_err());
        assert_eq!(format_clock(1440), "24:00");
        assert_eq!(format_clock(545), "09:05");
    }

    #[test]
    fn spans_are_sorted_and_must_not_overlap() {
        let sorted = day_spans(&[span("13:00", "17:00"), span("08:00", "12:00")], "spans").unwrap();
        assert_eq!(
            sorted,
            vec![
                LocalSpan::new(480, 720).unwrap(),
                LocalSpan::new(780, 1020).unwrap()
            ]
        );
        // Touching spans are fine; overlapping ones are not.
        assert!(day_spans(&[span("08:00", "12:00"), span("12:00", "13:00")], "s").is_ok());
        let err = day_spans(&[span("08:00", "12:00"), span("11:00", "13:00")], "s").unwrap_err();
        assert_eq!(err.code(), "VALIDATION");
        assert!(err.to_string().contains("overlap"), "{err}");
        let err = day_spans(&[span("17:00", "09:00")], "spans").unwrap_err();
        assert_eq!(err.field().as_deref(), Some("spans.0.end"));
        let many: Vec<SpanInput> = (0..9)
            .map(|h| span(&format!("{h:02}:00"), &format!("{h:02}:30")))
            .collect();
        assert!(day_spans(&many, "s").is_err());
    }

    #[test]
    fn weekly_spans_go_to_their_weekday() {
        let weekly = weekly_spans(
            &[
                (Weekday::Mon, span("09:00", "17:00")),
                (Weekday::Sun, span("10:00", "12:00")),
            ],
            "weekly",
        )
        .unwrap();
        assert_eq!(weekly[0], vec![LocalSpan::new(540, 1020).unwrap()]);
        assert!(weekly[1..6].iter().all(Vec::is_empty));
        assert_eq!(weekly[6], vec![LocalSpan::new(600, 720).unwrap()]);
        assert_eq!(decode_weekly(&encode_weekly(&weekly)).unwrap(), weekly);
        let err = weekly_spans(
            &[
                (Weekday::Tue, span("09:00", "12:00")),
                (Weekday::Tue, span("10:00", "11:00")),
            ],
            "weekly",
        )
        .unwrap_err();
        assert!(err.to_string().contains("overlap"));
    }

    #[test]
    fn the_product_default_is_weekdays_nine_to_five_in_the_companys_zone() {
        let default = product_default(Tz::Europe__Paris);
        assert_eq!(default.time_zone, Tz::Europe__Paris);
        let monday = NaiveDate::from_ymd_opt(2026, 12, 7).unwrap();
        let saturday = NaiveDate::from_ymd_opt(2026, 12, 12).unwrap();
        assert_eq!(
            default.spans_on(monday),
            &[LocalSpan::new(540, 1020).unwrap()]
        );
        assert!(default.spans_on(saturday).is_empty());
    }
}
