//! Users' external calendars: iCalendar feeds fetched every
//! [`REFRESH_EVERY`], and uploaded `.ics` files.
//!
//! Each calendar's busy intervals are replaced whole, in one transaction,
//! when its content is read again; a fetch that fails keeps the last good
//! intervals and records its error, so the calendar shows both its error
//! and the age of its data. Fetches run on any instance: a conditional
//! UPDATE claims the feed's row for [`CLAIM_FOR`], and the intervals are
//! stored only while the claim still holds, so two instances never store
//! the same feed at once.

use std::collections::HashMap;

use chrono::{DateTime, Duration, Utc};
use entity::{busy_interval, external_calendar};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait as _, ColumnTrait as _, Condition, ConnectionTrait, EntityTrait as _,
    PaginatorTrait as _, QueryFilter as _, QueryOrder as _, QuerySelect as _, Set,
};

use super::feed_fetch::{self, Fetched, Fetcher, Validators};
use super::ical_busy::{self, BusyRead, Window};
use super::working_hours;
use crate::access::Actor;
use crate::error::{ApiError, ApiResult};
use crate::mail::secrets::Cipher;

/// A feed fetched from its URL.
pub const FEED: &str = "FEED";
/// A file the user uploaded.
pub const UPLOAD: &str = "UPLOAD";

/// How often a feed is fetched.
pub const REFRESH_EVERY: Duration = Duration::minutes(15);

/// A feed whose last good fetch is older than this (or that never had one)
/// is stale: the slot search says so rather than trusting it.
pub const STALE_AFTER: Duration = Duration::hours(1);

/// After this long, a feed is fetched without validators, so that the window
/// of busy intervals moves on even while the server keeps answering 304.
pub const REREAD_AFTER: Duration = Duration::days(7);

/// How long a fetch holds its feed: longer than the fetch and its storing.
pub const CLAIM_FOR: Duration = Duration::minutes(2);

/// Feeds one user may have.
pub const MAX_FEEDS_PER_USER: u64 = 5;

/// The largest uploaded calendar file.
pub const MAX_UPLOAD_BYTES: usize = 10 * 1024 * 1024;

/// Feeds one round of the scheduler's job fetches.
const DUE_PER_ROUND: u64 = 100;

/// Feeds fetched at once by the job.
const FETCHES_AT_ONCE: usize = 4;

/// Rows per INSERT.
const INSERT_CHUNK: usize = 500;

/// Longest error kept.
const MAX_ERROR_CHARS: usize = 500;

/// The key a feed's URL is sealed under: bound to its user, so a sealed URL
/// copied to another user's row does not open there.
fn sealing_owner(user_id: i64) -> String {
    format!("calendar-feed:user:{user_id}")
}

/// What the slot search needs to know of a calendar it relies on.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CalendarHealth {
    pub calendar_id: i64,
    /// [`FEED`] or [`UPLOAD`].
    pub kind: String,
    pub last_success_at: Option<DateTime<Utc>>,
    pub last_error: Option<String>,
    /// A feed without a good fetch for [`STALE_AFTER`]; uploads never are.
    pub stale: bool,
}

/// Whether a calendar's data can no longer be trusted at `now`.
pub fn is_stale(calendar: &external_calendar::Model, now: DateTime<Utc>) -> bool {
    calendar.kind == FEED
        && calendar
            .last_success_at
            .is_none_or(|at| now - at > STALE_AFTER)
}

/// The calendars of the company's users among `user_ids`, oldest first, in
/// one statement.
pub async fn calendars_of(
    db: &impl ConnectionTrait,
    company_id: i64,
    user_ids: &[i64],
) -> ApiResult<Vec<external_calendar::Model>> {
    if user_ids.is_empty() {
        return Ok(Vec::new());
    }
    Ok(external_calendar::Entity::find()
        .filter(external_calendar::Column::CompanyId.eq(company_id))
        .filter(external_calendar::Column::UserId.is_in(user_ids.iter().copied()))
        .order_by_asc(external_calendar::Column::Id)
        .all(db)
        .await?)
}

/// The health of each user's calendars at `now`, in one statement; users
/// without calendars have no entry.
pub async fn calendar_health(
    db: &impl ConnectionTrait,
    company_id: i64,
    user_ids: &[i64],
    now: DateTime<Utc>,
) -> ApiResult<HashMap<i64, Vec<CalendarHealth>>> {
    let mut health: HashMap<i64, Vec<CalendarHealth>> = HashMap::new();
    for calendar in calendars_of(db, company_id, user_ids).await? {
        health
            .entry(calendar.user_id)
            .or_default()
            .push(CalendarHealth {
                calendar_id: calendar.id,
                stale: is_stale(&calendar, now),
                kind: calendar.kind,
                last_success_at: calendar.last_success_at,
                last_error: calendar.last_error,
            });
    }
    Ok(health)
}

/// One calendar of the caller's company, if the caller may manage it (its
/// user, or a recruiting admin); to anyone else it does not exist, as its
/// very existence is the user's business.
pub async fn find_editable(
    db: &impl ConnectionTrait,
    actor: &Actor,
    id: i64,
) -> ApiResult<external_calendar::Model> {
    external_calendar::Entity::find_by_id(id)
        .filter(external_calendar::Column::CompanyId.eq(actor.company_id))
        .one(db)
        .await?
        .filter(|c| c.user_id == actor.user_id || actor.is_admin)
        .ok_or(ApiError::NotFound("calendar"))
}

/// Adds a feed to a user's calendars and fetches it once; the calendar
/// shows how that went.
pub async fn add_feed(
    db: &impl crate::db::Writable,
    actor: &Actor,
    cipher: &Cipher,
    fetcher: &Fetcher,
    user_id: i64,
    url: &str,
    now: DateTime<Utc>,
) -> ApiResult<external_calendar::Model> {
    let target = working_hours::editable_user(db, actor, user_id).await?;
    let url = feed_fetch::parse_feed_url(url).map_err(|e| ApiError::validation("url", e))?;
    crate::webhooks::address::check_reachable(&url, fetcher.allows_private())
        .await
        .map_err(|e| ApiError::validation("url", e))?;
    let row = crate::db::write_transaction!(db, |txn| {
        let feeds = external_calendar::Entity::find()
            .filter(external_calendar::Column::UserId.eq(target.id))
            .filter(external_calendar::Column::Kind.eq(FEED))
            .count(txn)
            .await?;
        if feeds >= MAX_FEEDS_PER_USER {
            return Err(ApiError::validation(
                "url",
                format!("at most {MAX_FEEDS_PER_USER} calendar feeds per user"),
            ));
        }
        Ok(external_calendar::ActiveModel {
            company_id: Set(target.company_id),
            user_id: Set(target.id),
            kind: Set(FEED.into()),
            url_sealed: Set(Some(cipher.seal(&sealing_owner(target.id), url.as_str()))),
            url_hint: Set(Some(feed_fetch::url_hint(&url))),
            next_fetch_at: Set(Some(now)),
            interval_count: Set(0),
            truncated: Set(false),
            created_at: Set(now),
            ..Default::default()
        }
        .insert(txn)
        .await?)
    })?;
    refresh_feed(db, cipher, fetcher, row.id, now).await?;
    reload(db, row.id).await
}

/// Fetches one of the caller's feeds now.
pub async fn refresh(
    db: &impl crate::db::Writable,
    actor: &Actor,
    cipher: &Cipher,
    fetcher: &Fetcher,
    id: i64,
    now: DateTime<Utc>,
) -> ApiResult<external_calendar::Model> {
    let calendar = find_editable(db, actor, id).await?;
    if calendar.kind != FEED {
        return Err(ApiError::validation(
            "id",
            "an uploaded calendar is refreshed by uploading it again",
        ));
    }
    if refresh_feed(db, cipher, fetcher, id, now).await? == Refreshed::Busy {
        return Err(ApiError::conflict(
            "this feed is being fetched right now; try again in a minute",
        ));
    }
    reload(db, id).await
}

/// Removes one of the caller's calendars and its busy intervals.
pub async fn remove(db: &impl crate::db::Writable, actor: &Actor, id: i64) -> ApiResult<()> {
    let calendar = find_editable(db, actor, id).await?;
    crate::db::write_transaction!(db, |txn| {
        busy_interval::Entity::delete_many()
            .filter(busy_interval::Column::CalendarId.eq(calendar.id))
            .exec(txn)
            .await?;
        external_calendar::Entity::delete_by_id(calendar.id)
            .exec(txn)
            .await?;
        Ok(())
    })
}

/// The feed's URL, for its user and recruiting admins.
pub fn feed_url(cipher: &Cipher, calendar: &external_calendar::Model) -> Option<String> {
    let sealed = calendar.url_sealed.as_deref()?;
    cipher.open(&sealing_owner(calendar.user_id), sealed).ok()
}

/// Reads an uploaded `.ics` file (events and/or VFREEBUSY) into a user's
/// busy intervals, replacing those of their previous upload.
pub async fn upload(
    db: &impl crate::db::Writable,
    actor: &Actor,
    user_id: i64,
    file_name: &str,
    content: &[u8],
    now: DateTime<Utc>,
) -> ApiResult<external_calendar::Model> {
    if content.len() > MAX_UPLOAD_BYTES {
        return Err(ApiError::PayloadTooLarge(format!(
            "a calendar file may have at most {} MB",
            MAX_UPLOAD_BYTES / (1024 * 1024)
        )));
    }
    let target = working_hours::editable_user(db, actor, user_id).await?;
    let zone = working_hours::time_zones(db, target.company_id, &[target.id])
        .await?
        .get(&target.id)
        .copied()
        .unwrap_or(chrono_tz::Tz::UTC);
    let text = String::from_utf8_lossy(content);
    let read = read_in_background(text.into_owned(), zone, Window::around(now))
        .await?
        .map_err(|e| ApiError::validation("file", e))?;
    let file_name: String = file_name
        .chars()
        .filter(|c| !c.is_control())
        .take(200)
        .collect();
    let id: i64 = crate::db::write_transaction!(db, |txn| {
        let existing = external_calendar::Entity::find()
            .filter(external_calendar::Column::UserId.eq(target.id))
            .filter(external_calendar::Column::Kind.eq(UPLOAD))
            .lock_exclusive_on_postgres(txn)
            .one(txn)
            .await?;
        let calendar = match existing {
            Some(row) => {
                let mut row: external_calendar::ActiveModel = row.into();
                row.file_name = Set(Some(file_name.clone()));
                row.update(txn).await?
            }
            None => {
                external_calendar::ActiveModel {
                    company_id: Set(target.company_id),
                    user_id: Set(target.id),
                    kind: Set(UPLOAD.into()),
                    file_name: Set(Some(file_name.clone())),
                    interval_count: Set(0),
                    truncated: Set(false),
                    created_at: Set(now),
                    ..Default::default()
                }
                .insert(txn)
                .await?
            }
        };
        replace_intervals(txn, &calendar, &read).await?;
        external_calendar::Entity::update_many()
            .col_expr(external_calendar::Column::LastSuccessAt, Expr::value(now))
            .col_expr(external_calendar::Column::ReadAt, Expr::value(now))
            .col_expr(
                external_calendar::Column::LastError,
                Expr::value(Option::<String>::None),
            )
            .col_expr(
                external_calendar::Column::IntervalCount,
                Expr::value(interval_count(&read)),
            )
            .col_expr(
                external_calendar::Column::Truncated,
                Expr::value(read.truncated),
            )
            .filter(external_calendar::Column::Id.eq(calendar.id))
            .exec(txn)
            .await?;
        Ok::<_, ApiError>(calendar.id)
    })?;
    reload(db, id).await
}

/// Locking a selected row for the rest of the transaction on PostgreSQL;
/// SQLite's write transaction already holds the whole database.
trait LockOnPostgres: Sized {
    fn lock_exclusive_on_postgres(self, db: &impl ConnectionTrait) -> Self;
}

impl LockOnPostgres for sea_orm::Select<external_calendar::Entity> {
    fn lock_exclusive_on_postgres(self, db: &impl ConnectionTrait) -> Self {
        if db.get_database_backend() == sea_orm::DbBackend::Postgres {
            self.lock_exclusive()
        } else {
            self
        }
    }
}

fn interval_count(read: &BusyRead) -> i32 {
    i32::try_from(read.intervals.len()).unwrap_or(i32::MAX)
}

/// Reads calendar text off the async runtime: a large calendar is seconds
/// of work.
async fn read_in_background(
    text: String,
    zone: chrono_tz::Tz,
    window: Window,
) -> ApiResult<Result<BusyRead, String>> {
    tokio::task::spawn_blocking(move || ical_busy::read_busy(&text, zone, window))
        .await
        .map_err(|e| ApiError::Internal(anyhow::anyhow!("reading a calendar failed: {e}")))
}

/// Replaces a calendar's intervals by `read`'s.
async fn replace_intervals(
    txn: &impl ConnectionTrait,
    calendar: &external_calendar::Model,
    read: &BusyRead,
) -> ApiResult<()> {
    busy_interval::Entity::delete_many()
        .filter(busy_interval::Column::CalendarId.eq(calendar.id))
        .exec(txn)
        .await?;
    for chunk in read.intervals.chunks(INSERT_CHUNK) {
        let rows = chunk
            .iter()
            .map(|(starts_at, ends_at)| busy_interval::ActiveModel {
                calendar_id: Set(calendar.id),
                company_id: Set(calendar.company_id),
                user_id: Set(calendar.user_id),
                starts_at: Set(*starts_at),
                ends_at: Set(*ends_at),
                ..Default::default()
            });
        busy_interval::Entity::insert_many(rows)
            .exec_without_returning(txn)
            .await?;
    }
    Ok(())
}

async fn reload(db: &impl ConnectionTrait, id: i64) -> ApiResult<external_calendar::Model> {
    external_calendar::Entity::find_by_id(id)
        .one(db)
        .await?
        .ok_or(ApiError::NotFound("calendar"))
}

/// How a refresh went.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Refreshed {
    /// New content was read and stored.
    Read,
    /// The server said the feed is unchanged; the intervals stay.
    NotModified,
    /// The fetch or the reading failed; the last good intervals stay.
    Failed,
    /// Another fetch holds the feed (or it is no longer there).
    Busy,
}

/// Fetches one feed now and stores what it says, if no other fetch holds it.
pub async fn refresh_feed(
    db: &impl crate::db::Writable,
    cipher: &Cipher,
    fetcher: &Fetcher,
    id: i64,
    now: DateTime<Utc>,
) -> ApiResult<Refreshed> {
    refresh_if(db, cipher, fetcher, id, now, false).await
}

/// Fetches one feed if no other fetch holds it and, with `only_if_due`, if
/// it is still due: another instance may have fetched it since it was
/// listed as due.
async fn refresh_if(
    db: &impl crate::db::Writable,
    cipher: &Cipher,
    fetcher: &Fetcher,
    id: i64,
    now: DateTime<Utc>,
    only_if_due: bool,
) -> ApiResult<Refreshed> {
    let claim = crate::mail::outbox::token();
    let due = if only_if_due {
        Condition::all().add(external_calendar::Column::NextFetchAt.lte(now))
    } else {
        Condition::all()
    };
    let claimed = external_calendar::Entity::update_many()
        .col_expr(
            external_calendar::Column::ClaimedUntil,
            Expr::value(now + CLAIM_FOR),
        )
        .col_expr(external_calendar::Column::Claim, Expr::value(claim.clone()))
        .col_expr(external_calendar::Column::LastAttemptAt, Expr::value(now))
        .filter(external_calendar::Column::Id.eq(id))
        .filter(external_calendar::Column::Kind.eq(FEED))
        .filter(due)
        .filter(
            Condition::any()
                .add(external_calendar::Column::ClaimedUntil.is_null())
                .add(external_calendar::Column::ClaimedUntil.lte(now)),
        )
        .exec(db)
        .await?;
    if claimed.rows_affected == 0 {
        return Ok(Refreshed::Busy);
    }
    let calendar = reload(db, id).await?;
    let outcome = fetch_and_read(db, cipher, fetcher, &calendar, now).await;
    store(db, &calendar, &claim, outcome, now).await
}

/// What one fetch produced.
enum Outcome {
    Read {
        read: BusyRead,
        validators: Validators,
    },
    NotModified,
    Failed(String),
}

async fn fetch_and_read(
    db: &impl ConnectionTrait,
    cipher: &Cipher,
    fetcher: &Fetcher,
    calendar: &external_calendar::Model,
    now: DateTime<Utc>,
) -> Outcome {
    let Some(url) = feed_url(cipher, calendar) else {
        return Outcome::Failed(
            "the feed's URL cannot be decrypted with this server's key; add the feed again".into(),
        );
    };
    let zone = match working_hours::time_zones(db, calendar.company_id, &[calendar.user_id]).await {
        Ok(zones) => zones
            .get(&calendar.user_id)
            .copied()
            .unwrap_or(chrono_tz::Tz::UTC),
        Err(e) => return Outcome::Failed(format!("the user's time zone cannot be read: {e}")),
    };
    // Validators only while the stored intervals are recent enough to keep.
    let validators = match calendar.read_at {
        Some(read_at) if now - read_at < REREAD_AFTER => Validators {
            etag: calendar.etag.clone(),
            last_modified: calendar.last_modified.clone(),
        },
        _ => Validators::default(),
    };
    match fetcher.fetch(&url, &validators).await {
        Ok(Fetched::NotModified) if calendar.read_at.is_some() => Outcome::NotModified,
        Ok(Fetched::NotModified) => {
            Outcome::Failed("the server answered 304 to a request without validators".into())
        }
        Ok(Fetched::Body {
            bytes,
            etag,
            last_modified,
        }) => {
            let text = String::from_utf8_lossy(&bytes).into_owned();
            match read_in_background(text, zone, Window::around(now)).await {
                Ok(Ok(read)) => Outcome::Read {
                    read,
                    validators: Validators {
                        etag,
                        last_modified,
                    },
                },
                Ok(Err(e)) => Outcome::Failed(e),
                Err(e) => Outcome::Failed(e.to_string()),
            }
        }
        Err(e) => Outcome::Failed(e),
    }
}

/// Stores a fetch's outcome while its claim holds, and releases the claim.
async fn store(
    db: &impl crate::db::Writable,
    calendar: &external_calendar::Model,
    claim: &str,
    outcome: Outcome,
    now: DateTime<Utc>,
) -> ApiResult<Refreshed> {
    let next = now + REFRESH_EVERY;
    crate::db::write_transaction!(db, |txn| {
        // Taking the row first serialises storing with any other fetch, and
        // stores nothing once the claim has passed to another instance.
        let mut update = external_calendar::Entity::update_many()
            .col_expr(external_calendar::Column::NextFetchAt, Expr::value(next))
            .col_expr(
                external_calendar::Column::ClaimedUntil,
                Expr::value(Option::<DateTime<Utc>>::None),
            )
            .col_expr(
                external_calendar::Column::Claim,
                Expr::value(Option::<String>::None),
            );
        let refreshed = match &outcome {
            Outcome::Read { read, validators } => {
                update = update
                    .col_expr(external_calendar::Column::LastSuccessAt, Expr::value(now))
                    .col_expr(external_calendar::Column::ReadAt, Expr::value(now))
                    .col_expr(
                        external_calendar::Column::LastError,
                        Expr::value(Option::<String>::None),
                    )
                    .col_expr(
                        external_calendar::Column::Etag,
                        Expr::value(validators.etag.clone()),
                    )
                    .col_expr(
                        external_calendar::Column::LastModified,
                        Expr::value(validators.last_modified.clone()),
                    )
                    .col_expr(
                        external_calendar::Column::IntervalCount,
                        Expr::value(interval_count(read)),
                    )
                    .col_expr(
                        external_calendar::Column::Truncated,
                        Expr::value(read.truncated),
                    );
                Refreshed::Read
            }
            Outcome::NotModified => {
                update = update
                    .col_expr(external_calendar::Column::LastSuccessAt, Expr::value(now))
                    .col_expr(
                        external_calendar::Column::LastError,
                        Expr::value(Option::<String>::None),
                    );
                Refreshed::NotModified
            }
            Outcome::Failed(error) => {
                let error: String = error.chars().take(MAX_ERROR_CHARS).collect();
                update = update.col_expr(external_calendar::Column::LastError, Expr::value(error));
                Refreshed::Failed
            }
        };
        let held = update
            .filter(external_calendar::Column::Id.eq(calendar.id))
            .filter(external_calendar::Column::Claim.eq(claim))
            .exec(txn)
            .await?;
        if held.rows_affected == 0 {
            return Ok(Refreshed::Busy);
        }
        if let Outcome::Read { read, .. } = &outcome {
            replace_intervals(txn, calendar, read).await?;
        }
        Ok(refreshed)
    })
}

/// Fetches the feeds that are due and not held by another fetch: the
/// scheduler's job, on every instance.
pub async fn refresh_due_feeds(
    db: &sea_orm::DatabaseConnection,
    cipher: &Cipher,
    fetcher: &Fetcher,
    now: DateTime<Utc>,
) -> ApiResult<usize> {
    use futures_util::StreamExt as _;
    let due: Vec<i64> = external_calendar::Entity::find()
        .select_only()
        .column(external_calendar::Column::Id)
        .filter(external_calendar::Column::Kind.eq(FEED))
        .filter(external_calendar::Column::NextFetchAt.lte(now))
        .filter(
            Condition::any()
                .add(external_calendar::Column::ClaimedUntil.is_null())
                .add(external_calendar::Column::ClaimedUntil.lte(now)),
        )
        .order_by_asc(external_calendar::Column::NextFetchAt)
        .limit(DUE_PER_ROUND)
        .into_tuple()
        .all(db)
        .await?;
    let outcomes: Vec<ApiResult<Refreshed>> = futures_util::stream::iter(due)
        .map(|id| refresh_if(db, cipher, fetcher, id, now, true))
        .buffer_unordered(FETCHES_AT_ONCE)
        .collect()
        .await;
    let mut fetched = 0;
    for outcome in outcomes {
        match outcome {
            Ok(Refreshed::Busy) => {}
            Ok(_) => fetched += 1,
            Err(e) => tracing::warn!(error = %e, "a calendar feed could not be refreshed"),
        }
    }
    Ok(fetched)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn calendar(kind: &str, last_success_at: Option<DateTime<Utc>>) -> external_calendar::Model {
        external_calendar::Model {
            id: 1,
            company_id: 1,
            user_id: 1,
            kind: kind.into(),
            url_sealed: None,
            url_hint: None,
            file_name: None,
            etag: None,
            last_modified: None,
            next_fetch_at: None,
            claimed_until: None,
            claim: None,
            last_attempt_at: None,
            last_success_at,
            last_error: None,
            read_at: None,
            interval_count: 0,
            truncated: false,
            created_at: Utc::now(),
        }
    }

    #[test]
    fn a_feed_is_stale_an_hour_after_its_last_good_fetch_and_uploads_never() {
        let now = Utc::now();
        assert!(is_stale(&calendar(FEED, None), now));
        assert!(is_stale(
            &calendar(FEED, Some(now - Duration::minutes(61))),
            now
        ));
        assert!(!is_stale(
            &calendar(FEED, Some(now - Duration::minutes(20))),
            now
        ));
        assert!(!is_stale(&calendar(UPLOAD, None), now));
    }
}
