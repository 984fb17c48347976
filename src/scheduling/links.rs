//! Scheduling links: a recruiter offers a candidate an interview with a
//! panel within a window, and the candidate picks a time through the link
//! without an account.
//!
//! A link's token is derived from a random salt with HMAC-SHA-256 (RFC 2104)
//! under a key taken from `RECRUITMAIL_SECRET_KEY` with HKDF (RFC 5869), and
//! only the token's SHA-256 digest is stored to find the link. The database
//! alone therefore opens no link, while the server can write the link into
//! an email (`{{ scheduling_link }}`) whenever it is asked to.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{DateTime, Utc};
use entity::enums::{ApplicationStatus, InterviewStatus};
use entity::{interview, scheduling_link};
use ring::hmac;
use sea_orm::{
    ActiveModelTrait as _, ColumnTrait as _, ConnectionTrait, EntityTrait as _, QueryFilter as _,
    QueryOrder as _, QuerySelect as _, Set,
};

use super::panel::SlotRequest;
use crate::access::{Actor, token};
use crate::applications;
use crate::email_templates::MessageContext;
use crate::error::{ApiError, ApiResult};
use crate::settings::{SecretKey, Settings};

/// Tokens start with this prefix so people and secret scanners recognise them.
pub const PREFIX: &str = "rms_";
/// The path of a link's page under the public URL.
pub const PAGE_PATH: &str = "schedule";
/// HKDF's `info`: names this key's one use, and its version.
const KEY_PURPOSE: &[u8] = b"recruitmail scheduling links v1";
/// Longer than any token this server issues; longer input is not looked up.
const MAX_TOKEN_CHARS: usize = 128;
/// Starts offered through a link fall on these multiples after midnight in
/// the candidate's time zone.
pub const STEP_MINUTES: u16 = 15;
/// Most slots a link shows at once.
pub const MAX_SLOTS: usize = 100;
/// The longest a link may stay open.
const MAX_DAYS_OPEN: i64 = 366;

/// Derives link tokens from salts.
struct TokenKey(hmac::Key);

impl TokenKey {
    fn new(key: &SecretKey) -> Self {
        Self(key.derive(KEY_PURPOSE))
    }

    fn token(&self, salt: &str) -> String {
        let tag = hmac::sign(&self.0, salt.as_bytes());
        format!("{PREFIX}{}", URL_SAFE_NO_PAD.encode(tag.as_ref()))
    }
}

/// The token of a stored link.
pub fn token_of(settings: &Settings, link: &scheduling_link::Model) -> String {
    TokenKey::new(&settings.secret_key).token(&link.salt)
}

/// The page a candidate opens: `<public URL>/schedule/<token>`.
pub fn url_of(settings: &Settings, token: &str) -> String {
    let mut url = settings.public_url.clone();
    // A base URL that cannot take a path was refused when settings loaded.
    if let Ok(mut segments) = url.path_segments_mut() {
        segments.pop_if_empty().push(PAGE_PATH).push(token);
    }
    url.to_string()
}

/// The user IDs a link's interview is with.
pub fn participant_ids(link: &scheduling_link::Model) -> Vec<i64> {
    serde_json::from_str(&link.participant_ids).unwrap_or_default()
}

/// The company's user acting for a link: its creator, as the company writes
/// automatic messages in a user's name.
pub fn actor_of(link: &scheduling_link::Model) -> Actor {
    Actor::automatic(link.company_id, link.created_by_id)
}

/// Whether an application still takes interviews.
pub fn is_open(status: ApplicationStatus) -> bool {
    !matches!(
        status,
        ApplicationStatus::Hired | ApplicationStatus::Rejected | ApplicationStatus::Withdrawn
    )
}

/// A new link, validated field by field.
#[derive(Debug)]
pub struct NewSchedulingLink {
    pub application_id: i64,
    pub participant_ids: Vec<i64>,
    pub duration_minutes: u16,
    pub from: DateTime<Utc>,
    pub to: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
    pub location: Option<String>,
    pub video_link: Option<String>,
    pub template_id: Option<i64>,
}

/// A link as created, with the token shown this once.
#[derive(Debug)]
pub struct Created {
    pub link: scheduling_link::Model,
    pub token: String,
    pub url: String,
}

/// Creates a link for one of the actor's visible applications.
pub async fn create(
    db: &impl crate::db::Writable,
    actor: &Actor,
    settings: &Settings,
    new: NewSchedulingLink,
    now: DateTime<Utc>,
) -> ApiResult<Created> {
    // The same bounds as a slot search, which the link runs for the candidate.
    SlotRequest {
        participant_ids: new.participant_ids.clone(),
        duration_minutes: new.duration_minutes,
        from: new.from,
        to: new.to,
        time_zone: chrono_tz::Tz::UTC,
        buffer_minutes: 0,
        minimum_notice_minutes: 0,
        step_minutes: STEP_MINUTES,
        max: MAX_SLOTS,
    }
    .check()?;
    if new.to <= now {
        return Err(ApiError::validation("to", "the window is already over"));
    }
    if new.expires_at <= now {
        return Err(ApiError::validation("expiresAt", "must be in the future"));
    }
    if new.expires_at > now + chrono::Duration::days(MAX_DAYS_OPEN) {
        return Err(ApiError::validation(
            "expiresAt",
            format!("at most {MAX_DAYS_OPEN} days ahead"),
        ));
    }
    if new.location.is_none() && new.video_link.is_none() {
        return Err(ApiError::validation(
            "location",
            "give a location, a video link or both",
        ));
    }
    let mut ids = new.participant_ids.clone();
    ids.sort_unstable();
    ids.dedup();
    let salt = token::random_secret();
    let token = TokenKey::new(&settings.secret_key).token(&salt);
    let digest = token::digest(&token);
    let link = crate::db::write_transaction!(db, |txn| {
        let application = applications::find(txn, actor, new.application_id).await?;
        if !is_open(application.status) {
            return Err(ApiError::conflict(
                "the application is closed; reopen it to offer an interview",
            ));
        }
        crate::interviews::active_users(txn, actor, &new.participant_ids).await?;
        if let Some(id) = new.template_id {
            let template = crate::mail::send::template_for_sending(txn, actor, id).await?;
            if !template.row.interview_related {
                return Err(ApiError::validation(
                    "templateId",
                    "the invitation's template must be interview-related",
                ));
            }
        }
        let row = scheduling_link::ActiveModel {
            company_id: Set(actor.company_id),
            application_id: Set(application.id),
            created_by_id: Set(actor.user_id),
            token_hash: Set(digest.clone()),
            salt: Set(salt.clone()),
            participant_ids: Set(serde_json::json!(ids).to_string()),
            duration_minutes: Set(i32::from(new.duration_minutes)),
            window_from: Set(new.from),
            window_to: Set(new.to),
            expires_at: Set(new.expires_at),
            location: Set(new.location.clone()),
            video_link: Set(new.video_link.clone()),
            template_id: Set(new.template_id),
            interview_id: Set(None),
            closed_at: Set(None),
            created_at: Set(now),
            updated_at: Set(now),
            ..Default::default()
        }
        .insert(txn)
        .await?;
        Ok(row)
    })?;
    let url = url_of(settings, &token);
    Ok(Created { link, token, url })
}

/// The links of one of the actor's visible applications, newest first.
pub async fn of_application(
    db: &impl ConnectionTrait,
    actor: &Actor,
    application_id: i64,
) -> ApiResult<Vec<scheduling_link::Model>> {
    let application = applications::find(db, actor, application_id).await?;
    Ok(scheduling_link::Entity::find()
        .filter(scheduling_link::Column::ApplicationId.eq(application.id))
        .order_by_desc(scheduling_link::Column::CreatedAt)
        .order_by_desc(scheduling_link::Column::Id)
        .all(db)
        .await?)
}

/// A link a presented token opens, with its booked interview if any.
#[derive(Debug)]
pub struct Opened {
    pub link: scheduling_link::Model,
    /// The interview booked through the link, unless it was cancelled since.
    pub interview: Option<interview::Model>,
}

/// The link `token` opens now. A token never issued, a link whose
/// candidate cancelled, and a link past its expiry are all alike
/// `NOT_FOUND`; a booked link stays open until its interview starts, so
/// that the candidate can see and change what they booked.
pub async fn open(
    db: &impl ConnectionTrait,
    token: &str,
    lock: bool,
    now: DateTime<Utc>,
) -> ApiResult<Opened> {
    let not_found = ApiError::NotFound("scheduling link");
    let token = token.trim();
    if token.len() > MAX_TOKEN_CHARS || !token.starts_with(PREFIX) {
        return Err(not_found);
    }
    let mut query = scheduling_link::Entity::find()
        .filter(scheduling_link::Column::TokenHash.eq(token::digest(token)));
    if lock {
        query = query.lock_exclusive();
    }
    let Some(link) = query.one(db).await? else {
        return Err(not_found);
    };
    if link.closed_at.is_some() {
        return Err(not_found);
    }
    let interview = match link.interview_id {
        Some(id) => interview::Entity::find_by_id(id)
            .one(db)
            .await?
            .filter(|i| i.status != InterviewStatus::Cancelled),
        None => None,
    };
    let upcoming = interview.as_ref().is_some_and(|i| i.starts_at > now);
    if now >= link.expires_at && !upcoming {
        return Err(not_found);
    }
    Ok(Opened { link, interview })
}

/// Fills each context's `{{ scheduling_link }}`: the URL of the newest open
/// link of the application the message is about.
pub async fn fill_urls(
    db: &impl ConnectionTrait,
    settings: &Settings,
    contexts: &mut [MessageContext],
    now: DateTime<Utc>,
) -> ApiResult<()> {
    let application_ids: Vec<i64> = contexts
        .iter()
        .filter_map(|c| c.application.as_ref().map(|a| a.id))
        .collect();
    if application_ids.is_empty() {
        return Ok(());
    }
    let mut links = Vec::new();
    for chunk in application_ids.chunks(1000) {
        links.extend(
            scheduling_link::Entity::find()
                .filter(scheduling_link::Column::ApplicationId.is_in(chunk.iter().copied()))
                .filter(scheduling_link::Column::ClosedAt.is_null())
                .filter(scheduling_link::Column::ExpiresAt.gt(now))
                .order_by_desc(scheduling_link::Column::CreatedAt)
                .order_by_desc(scheduling_link::Column::Id)
                .all(db)
                .await?,
        );
    }
    let key = TokenKey::new(&settings.secret_key);
    for context in contexts {
        let Some(application) = &context.application else {
            continue;
        };
        // Newest first, so the first of the application's is the newest.
        if let Some(link) = links.iter().find(|l| l.application_id == application.id) {
            context.scheduling_link = Some(url_of(settings, &key.token(&link.salt)));
        }
    }
    Ok(())
}

/// The error of a message whose template names `{{ scheduling_link }}`
/// for a candidate with no open link: an email must not promise a link it
/// cannot carry.
pub fn missing_link(field: &str, context: &MessageContext) -> ApiError {
    ApiError::validation(
        field,
        format!(
            "{} has no open scheduling link for this application, which the \
             message's {{{{ scheduling_link }}}} needs; create one with createSchedulingLink",
            crate::candidates::full_name(&context.candidate)
        ),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings(public_url: &str) -> Settings {
        let dir = tempfile::tempdir().unwrap();
        let data = dir.path().to_str().unwrap().to_owned();
        Settings::load(&crate::settings::Source::from_pairs([
            ("RECRUITMAIL_DATA_DIR", data.as_str()),
            (
                "RECRUITMAIL_SECRET_KEY",
                "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=",
            ),
            ("RECRUITMAIL_PUBLIC_URL", public_url),
        ]))
        .unwrap()
    }

    #[test]
    fn links_are_pages_under_the_public_url() {
        let token = "rms_abc";
        assert_eq!(
            url_of(&settings("https://jobs.acme.example"), token),
            "https://jobs.acme.example/schedule/rms_abc"
        );
        assert_eq!(
            url_of(&settings("https://acme.example/careers/"), token),
            "https://acme.example/careers/schedule/rms_abc"
        );
    }

    #[test]
    fn a_token_follows_from_its_salt_and_the_servers_key_alone() {
        let key = TokenKey::new(&settings("https://a.example").secret_key);
        let token = key.token("salt-1");
        assert!(token.starts_with(PREFIX));
        assert_eq!(token, key.token("salt-1"));
        assert_ne!(token, key.token("salt-2"));
        let other = TokenKey::new(&crate::settings::SecretKey([7; 32]));
        assert_ne!(token, other.token("salt-1"));
        // URL-safe: it stands in a path segment as it is.
        assert!(
            token
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
        );
    }
}
