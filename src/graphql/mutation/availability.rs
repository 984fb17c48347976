//! Changing working hours, dated overrides and users' external calendars.

use async_graphql::{Context, ID, InputObject, Object, SimpleObject, Upload};
use chrono::{NaiveDate, Utc};
use sea_orm::EntityTrait as _;

use crate::access::{ContextExt as _, Require};
use crate::error::ApiError;
use crate::graphql::ids::{Kind, decode};
use crate::graphql::input::read_upload;
use crate::graphql::state::{db, mail, settings};
use crate::graphql::types::{Company, ExternalCalendar, User, Weekday, WorkingHours};
use crate::scheduling::feed_fetch::Fetcher;
use crate::scheduling::working_hours::{self, SpanInput};
use crate::scheduling::{LocalSpan, calendars};

#[derive(Default)]
pub struct AvailabilityMutation;

/// Hours on one weekday, `HH:MM` local time (`24:00` ends at midnight).
#[derive(InputObject)]
struct WorkingSpanInput {
    weekday: Weekday,
    start: String,
    end: String,
}

/// A stretch of one day, `HH:MM` local time (`24:00` ends at midnight).
#[derive(InputObject)]
struct TimeSpanInput {
    start: String,
    end: String,
}

#[derive(InputObject)]
struct SetWorkingHoursInput {
    user_id: ID,
    /// An IANA time zone such as `Europe/Paris`; the company's default
    /// time zone when left out.
    time_zone: Option<String>,
    /// The weekly hours; days without spans are not worked. At most 8
    /// spans a day, none overlapping.
    weekly: Vec<WorkingSpanInput>,
}

#[derive(SimpleObject)]
struct WorkingHoursPayload {
    user: User,
    working_hours: WorkingHours,
}

#[derive(InputObject)]
struct ClearWorkingHoursInput {
    user_id: ID,
}

#[derive(InputObject)]
struct SetCompanyWorkingHoursInput {
    /// An IANA time zone such as `Europe/Paris`; the company's default
    /// time zone when left out.
    time_zone: Option<String>,
    weekly: Vec<WorkingSpanInput>,
}

#[derive(SimpleObject)]
struct SetCompanyWorkingHoursPayload {
    company: Company,
}

#[derive(InputObject)]
struct SetAvailabilityOverrideInput {
    user_id: ID,
    /// The date in the user's time zone.
    date: NaiveDate,
    /// The hours worked that day; none for a day off.
    spans: Vec<TimeSpanInput>,
}

#[derive(InputObject)]
struct RemoveAvailabilityOverrideInput {
    user_id: ID,
    date: NaiveDate,
}

#[derive(InputObject)]
struct AddCalendarFeedInput {
    user_id: ID,
    /// An `https://`, `http://` or `webcal://` URL of an iCalendar feed, on
    /// a public address.
    url: String,
}

#[derive(SimpleObject)]
struct ExternalCalendarPayload {
    calendar: ExternalCalendar,
}

#[derive(InputObject)]
struct ExternalCalendarIdInput {
    id: ID,
}

#[derive(SimpleObject)]
struct RemoveExternalCalendarPayload {
    deleted_id: ID,
}

#[derive(InputObject)]
struct UploadCalendarFileInput {
    user_id: ID,
    /// An iCalendar file (`.ics`) with events and/or VFREEBUSY; it replaces
    /// the user's previous upload.
    file: Upload,
}

fn weekly(spans: Vec<WorkingSpanInput>, field: &str) -> Result<[Vec<LocalSpan>; 7], ApiError> {
    let spans: Vec<(chrono::Weekday, SpanInput)> = spans
        .into_iter()
        .map(|s| {
            (
                s.weekday.into(),
                SpanInput {
                    start: s.start,
                    end: s.end,
                },
            )
        })
        .collect();
    working_hours::weekly_spans(&spans, field)
}

/// `zone` checked, or the company's default time zone when left out.
async fn zone_or_company(ctx: &Context<'_>, zone: Option<&str>) -> Result<chrono_tz::Tz, ApiError> {
    match zone {
        Some(zone) => Ok(working_hours::parse_zone(zone, "timeZone")?),
        None => Ok(crate::companies::time_zone(db(ctx)?, ctx.actor()?.company_id).await?),
    }
}

async fn payload(ctx: &Context<'_>, user_id: i64) -> Result<WorkingHoursPayload, ApiError> {
    let db = db(ctx)?;
    let actor = ctx.actor()?;
    let user = crate::people::find_user(db, actor, user_id).await?;
    let availability = working_hours::availability(db, actor.company_id, &[user_id])
        .await?
        .remove(&user_id)
        .ok_or(ApiError::NotFound("user"))?;
    Ok(WorkingHoursPayload {
        user: User::one(user),
        working_hours: WorkingHours(availability),
    })
}

fn fetcher(ctx: &Context<'_>) -> Result<Fetcher, ApiError> {
    Ok(Fetcher::new(settings(ctx)?.smtp_allow_private_hosts)?)
}

#[Object]
impl AvailabilityMutation {
    /// Sets a user's weekly working hours in their time zone. The user
    /// themselves or a recruiting admin.
    #[graphql(guard = "Require::SignedIn")]
    async fn set_working_hours(
        &self,
        ctx: &Context<'_>,
        input: SetWorkingHoursInput,
    ) -> Result<WorkingHoursPayload, ApiError> {
        let user_id = decode(&input.user_id, Kind::User, "userId")?;
        let zone = zone_or_company(ctx, input.time_zone.as_deref()).await?;
        let weekly = weekly(input.weekly, "weekly")?;
        working_hours::set_working_hours(db(ctx)?, ctx.actor()?, user_id, zone, weekly).await?;
        payload(ctx, user_id).await
    }

    /// Forgets a user's own weekly hours: the company's defaults apply
    /// again. The user themselves or a recruiting admin.
    #[graphql(guard = "Require::SignedIn")]
    async fn clear_working_hours(
        &self,
        ctx: &Context<'_>,
        input: ClearWorkingHoursInput,
    ) -> Result<WorkingHoursPayload, ApiError> {
        let user_id = decode(&input.user_id, Kind::User, "userId")?;
        working_hours::clear_working_hours(db(ctx)?, ctx.actor()?, user_id).await?;
        payload(ctx, user_id).await
    }

    /// Sets the working hours of users who set none of their own.
    /// Recruiting admins only.
    #[graphql(guard = "Require::Admin")]
    async fn set_company_working_hours(
        &self,
        ctx: &Context<'_>,
        input: SetCompanyWorkingHoursInput,
    ) -> Result<SetCompanyWorkingHoursPayload, ApiError> {
        let zone = zone_or_company(ctx, input.time_zone.as_deref()).await?;
        let weekly = weekly(input.weekly, "weekly")?;
        let db = db(ctx)?;
        let actor = ctx.actor()?;
        working_hours::set_company_working_hours(db, actor, zone, weekly).await?;
        Ok(SetCompanyWorkingHoursPayload {
            company: Company(
                entity::company::Entity::find_by_id(actor.company_id)
                    .one(db)
                    .await?
                    .ok_or(ApiError::NotFound("company"))?,
            ),
        })
    }

    /// Sets a user's hours on one date, replacing their weekly hours that
    /// day; no spans is a day off. The user themselves or a recruiting admin.
    #[graphql(guard = "Require::SignedIn")]
    async fn set_availability_override(
        &self,
        ctx: &Context<'_>,
        input: SetAvailabilityOverrideInput,
    ) -> Result<WorkingHoursPayload, ApiError> {
        let user_id = decode(&input.user_id, Kind::User, "userId")?;
        let spans: Vec<SpanInput> = input
            .spans
            .into_iter()
            .map(|s| SpanInput {
                start: s.start,
                end: s.end,
            })
            .collect();
        let spans = working_hours::day_spans(&spans, "spans")?;
        working_hours::set_override(db(ctx)?, ctx.actor()?, user_id, input.date, spans).await?;
        payload(ctx, user_id).await
    }

    /// Removes a user's override of one date. The user themselves or a
    /// recruiting admin.
    #[graphql(guard = "Require::SignedIn")]
    async fn remove_availability_override(
        &self,
        ctx: &Context<'_>,
        input: RemoveAvailabilityOverrideInput,
    ) -> Result<WorkingHoursPayload, ApiError> {
        let user_id = decode(&input.user_id, Kind::User, "userId")?;
        working_hours::remove_override(db(ctx)?, ctx.actor()?, user_id, input.date).await?;
        payload(ctx, user_id).await
    }

    /// Adds an iCalendar feed to a user's calendars and fetches it once;
    /// it is then fetched every 15 minutes. The calendar shows how the
    /// fetch went. The user themselves or a recruiting admin.
    #[graphql(guard = "Require::SignedIn")]
    async fn add_calendar_feed(
        &self,
        ctx: &Context<'_>,
        input: AddCalendarFeedInput,
    ) -> Result<ExternalCalendarPayload, ApiError> {
        let user_id = decode(&input.user_id, Kind::User, "userId")?;
        let calendar = calendars::add_feed(
            db(ctx)?,
            ctx.actor()?,
            &mail(ctx)?.cipher,
            &fetcher(ctx)?,
            user_id,
            &input.url,
            Utc::now(),
        )
        .await?;
        Ok(ExternalCalendarPayload {
            calendar: ExternalCalendar(calendar),
        })
    }

    /// Fetches a feed now. The feed's user or a recruiting admin.
    #[graphql(guard = "Require::SignedIn")]
    async fn refresh_calendar_feed(
        &self,
        ctx: &Context<'_>,
        input: ExternalCalendarIdInput,
    ) -> Result<ExternalCalendarPayload, ApiError> {
        let id = decode(&input.id, Kind::ExternalCalendar, "id")?;
        let calendar = calendars::refresh(
            db(ctx)?,
            ctx.actor()?,
            &mail(ctx)?.cipher,
            &fetcher(ctx)?,
            id,
            Utc::now(),
        )
        .await?;
        Ok(ExternalCalendarPayload {
            calendar: ExternalCalendar(calendar),
        })
    }

    /// Reads an uploaded `.ics` file into a user's busy times, replacing
    /// their previous upload. The user themselves or a recruiting admin.
    #[graphql(guard = "Require::SignedIn")]
    async fn upload_calendar_file(
        &self,
        ctx: &Context<'_>,
        input: UploadCalendarFileInput,
    ) -> Result<ExternalCalendarPayload, ApiError> {
        let user_id = decode(&input.user_id, Kind::User, "userId")?;
        let (file_name, _, content) = read_upload(ctx, &input.file, "file")?;
        let calendar = calendars::upload(
            db(ctx)?,
            ctx.actor()?,
            user_id,
            &file_name,
            &content,
            Utc::now(),
        )
        .await?;
        Ok(ExternalCalendarPayload {
            calendar: ExternalCalendar(calendar),
        })
    }

    /// Removes a feed or an upload and its busy times. The calendar's user
    /// or a recruiting admin.
    #[graphql(guard = "Require::SignedIn")]
    async fn remove_external_calendar(
        &self,
        ctx: &Context<'_>,
        input: ExternalCalendarIdInput,
    ) -> Result<RemoveExternalCalendarPayload, ApiError> {
        let id = decode(&input.id, Kind::ExternalCalendar, "id")?;
        calendars::remove(db(ctx)?, ctx.actor()?, id).await?;
        Ok(RemoveExternalCalendarPayload {
            deleted_id: input.id,
        })
    }
}
