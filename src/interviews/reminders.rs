//! Reminders before interviews, per company: to the candidate from a
//! template (which may use the interview placeholders), and to the
//! participants with a built-in text, each some hours before the start.
//!
//! The scheduler's job ([`queue_due`], once a minute) queues them through
//! the outbox. Each reminder is claimed by a row unique per (interview,
//! recipient, start) inserted in the transaction that queues its messages,
//! after the interview's row is locked: however many instances run the job,
//! and across restarts, a reminder is queued once for a given start.
//!
//! Rules:
//! - A moved interview is reminded of at its new start (the start is part of
//!   the claim) and a reminder of the old start still waiting in the outbox
//!   is withdrawn by the move; a cancelled one never (only SCHEDULED
//!   interviews are read, and cancelling withdraws waiting reminders).
//! - A reminder is due N hours before the start, and sent only when the
//!   interview's time was set before that moment: an interview scheduled or
//!   moved less than N hours ahead was just announced by its invitation or
//!   update, and a reminder right after would only repeat it.
//! - The candidate is reminded only once an invitation has reached them
//!   (they are not told of an interview for the first time by a reminder);
//!   participants who declined are not reminded.
//! - A job that was down sends the reminders it missed late, while the
//!   interview is still ahead.

use chrono::{DateTime, Duration, Utc};
use entity::enums::{InterviewStatus, ParticipantResponse, ReminderRecipient};
use entity::{interview, interview_reminder, interview_reminder_setting, user};
use sea_orm::sea_query::{Expr, ExprTrait as _, Query};
use sea_orm::{
    ActiveModelTrait as _, ColumnTrait as _, ConnectionTrait, DatabaseConnection, EntityTrait as _,
    QueryFilter as _, QueryOrder as _, QuerySelect as _, Set, TryInsertResult,
};

use super::invitations::{context, organizer, standing};
use super::notices::ParticipantNotice;
use crate::access::Actor;
use crate::audit;
use crate::email_templates::{render_error, sender_signature};
use crate::error::{ApiError, ApiResult};
use crate::mail::message_state;
use crate::mail::outbox::{Addressee, NewMessage};
use crate::mail::send;
use crate::settings::Settings;

/// Longest time before an interview a reminder may leave: two weeks.
pub const MAX_HOURS_BEFORE: i32 = 14 * 24;

/// A company's reminder settings; `None` hours mean no reminder.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ReminderSettings {
    pub candidate_template_id: Option<i64>,
    pub candidate_hours_before: Option<i32>,
    pub participant_hours_before: Option<i32>,
}

impl From<interview_reminder_setting::Model> for ReminderSettings {
    fn from(row: interview_reminder_setting::Model) -> Self {
        Self {
            candidate_template_id: row.candidate_template_id,
            candidate_hours_before: row.candidate_hours_before,
            participant_hours_before: row.participant_hours_before,
        }
    }
}

impl ReminderSettings {
    /// As the audit trail records them.
    fn audited(&self) -> serde_json::Value {
        serde_json::json!({
            "candidateTemplateId": self.candidate_template_id,
            "candidateHoursBefore": self.candidate_hours_before,
            "participantHoursBefore": self.participant_hours_before,
        })
    }
}

/// The company's reminder settings (all off until set).
pub async fn settings_of(
    db: &impl ConnectionTrait,
    company_id: i64,
) -> ApiResult<ReminderSettings> {
    Ok(interview_reminder_setting::Entity::find_by_id(company_id)
        .one(db)
        .await?
        .map(ReminderSettings::from)
        .unwrap_or_default())
}

fn check_hours(hours: Option<i32>, field: &str) -> ApiResult<()> {
    match hours {
        Some(h) if !(1..=MAX_HOURS_BEFORE).contains(&h) => Err(ApiError::validation(
            field,
            format!("between 1 and {MAX_HOURS_BEFORE} hours, or null for no reminder"),
        )),
        _ => Ok(()),
    }
}

/// Replaces the company's reminder settings. The candidate's reminder
/// needs a template the actor may send from; its hours without one, or a
/// template without hours, are refused rather than silently ignored.
pub async fn update_settings(
    db: &impl crate::db::Writable,
    actor: &Actor,
    new: ReminderSettings,
    now: DateTime<Utc>,
) -> ApiResult<ReminderSettings> {
    check_hours(new.candidate_hours_before, "candidateHoursBefore")?;
    check_hours(new.participant_hours_before, "participantHoursBefore")?;
    match (new.candidate_template_id, new.candidate_hours_before) {
        (None, Some(_)) => {
            return Err(ApiError::validation(
                "candidateTemplateId",
                "a reminder to the candidate needs the template it is written from",
            ));
        }
        (Some(_), None) => {
            return Err(ApiError::validation(
                "candidateHoursBefore",
                "say how many hours before the interview the candidate's reminder leaves",
            ));
        }
        _ => {}
    }
    crate::db::write_transaction!(db, |txn| {
        if let Some(id) = new.candidate_template_id {
            match send::template_for_sending(txn, actor, id).await {
                Ok(_) => {}
                Err(ApiError::NotFound(_)) => {
                    return Err(ApiError::validation(
                        "candidateTemplateId",
                        "no template of this company has this ID",
                    ));
                }
                Err(other) => return Err(other),
            }
        }
        let row = interview_reminder_setting::ActiveModel {
            company_id: Set(actor.company_id),
            candidate_template_id: Set(new.candidate_template_id),
            candidate_hours_before: Set(new.candidate_hours_before),
            participant_hours_before: Set(new.participant_hours_before),
            updated_at: Set(now),
        };
        let existing = interview_reminder_setting::Entity::find_by_id(actor.company_id)
            .lock_exclusive()
            .one(txn)
            .await?;
        let before = existing
            .clone()
            .map(ReminderSettings::from)
            .unwrap_or_default();
        let saved = if existing.is_some() {
            row.update(txn).await?
        } else {
            row.insert(txn).await?
        };
        let saved = ReminderSettings::from(saved);
        audit::setting_changed(
            txn,
            actor,
            "interview_reminders.updated",
            ("Company", actor.company_id),
            before.audited(),
            saved.audited(),
        )
        .await?;
        Ok(saved)
    })
}

/// Queues every reminder due at `now`; returns how many interviews were
/// reminded of. Run by the scheduler once a minute; safe to run at once on
/// several instances and again after a restart.
pub async fn queue_due(
    db: &DatabaseConnection,
    settings: &Settings,
    now: DateTime<Utc>,
) -> ApiResult<usize> {
    let companies = interview_reminder_setting::Entity::find()
        .filter(
            sea_orm::Condition::any()
                .add(interview_reminder_setting::Column::CandidateHoursBefore.is_not_null())
                .add(interview_reminder_setting::Column::ParticipantHoursBefore.is_not_null()),
        )
        .all(db)
        .await?;
    let mut reminded = 0;
    for company in companies {
        for (recipient, hours) in [
            (ReminderRecipient::Candidate, company.candidate_hours_before),
            (
                ReminderRecipient::Participants,
                company.participant_hours_before,
            ),
        ] {
            let Some(hours) = hours else { continue };
            for due in due_interviews(db, company.company_id, recipient, hours, now).await? {
                let sent = crate::db::write_transaction!(db, |txn| {
                    remind(txn, settings, &company, recipient, &due, now).await
                });
                match sent {
                    Ok(true) => reminded += 1,
                    Ok(false) => {}
                    // One interview's failure (a template that no longer
                    // renders) must not hold up the others' reminders.
                    Err(ApiError::Internal(e)) => return Err(ApiError::Internal(e)),
                    Err(e) => {
                        tracing::warn!(interview = due.id, error = %e, "an interview reminder could not be written; not sent");
                    }
                }
            }
        }
    }
    Ok(reminded)
}

/// The company's scheduled interviews whose reminder to `recipient` is due
/// and not yet queued for their current start.
async fn due_interviews(
    db: &impl ConnectionTrait,
    company_id: i64,
    recipient: ReminderRecipient,
    hours: i32,
    now: DateTime<Utc>,
) -> ApiResult<Vec<interview::Model>> {
    let before = Duration::hours(i64::from(hours));
    let candidates = interview::Entity::find()
        .filter(interview::Column::CompanyId.eq(company_id))
        .filter(interview::Column::Status.eq(InterviewStatus::Scheduled))
        .filter(interview::Column::StartsAt.gt(now))
        .filter(interview::Column::StartsAt.lte(now + before))
        .filter(
            interview::Column::Id.not_in_subquery(
                Query::select()
                    .column(interview_reminder::Column::InterviewId)
                    .from(interview_reminder::Entity)
                    .and_where(
                        Expr::col((
                            interview_reminder::Entity,
                            interview_reminder::Column::InterviewId,
                        ))
                        .equals((interview::Entity, interview::Column::Id)),
                    )
                    .and_where(interview_reminder::Column::Recipient.eq(recipient))
                    .and_where(
                        Expr::col((
                            interview_reminder::Entity,
                            interview_reminder::Column::StartsAt,
                        ))
                        .equals((interview::Entity, interview::Column::StartsAt)),
                    )
                    .to_owned(),
            ),
        )
        .order_by_asc(interview::Column::StartsAt)
        .all(db)
        .await?;
    // Set less than N hours ahead: announced just now, no reminder.
    Ok(candidates
        .into_iter()
        .filter(|i| i.updated_at <= i.starts_at - before)
        .collect())
}

/// Claims the reminder to `recipient` for the interview's current start:
/// `false` when it was claimed before, by this or another instance.
async fn claim(
    db: &sea_orm::DatabaseTransaction,
    interview: &interview::Model,
    recipient: ReminderRecipient,
    now: DateTime<Utc>,
) -> ApiResult<bool> {
    let claimed = interview_reminder::Entity::insert(interview_reminder::ActiveModel {
        interview_id: Set(interview.id),
        recipient: Set(recipient),
        starts_at: Set(interview.starts_at),
        created_at: Set(now),
        ..Default::default()
    })
    .on_conflict_do_nothing_on([
        interview_reminder::Column::InterviewId,
        interview_reminder::Column::Recipient,
        interview_reminder::Column::StartsAt,
    ])
    .exec_without_returning(db)
    .await?;
    if !matches!(claimed, TryInsertResult::Inserted(n) if n > 0) {
        return Ok(false);
    }
    Ok(true)
}

/// Claims and queues one reminder in the caller's transaction. Returns
/// whether it was queued now (`false`: another run claimed it, the
/// interview changed meanwhile, or there is no one to remind).
async fn remind(
    db: &sea_orm::DatabaseTransaction,
    settings: &Settings,
    company: &interview_reminder_setting::Model,
    recipient: ReminderRecipient,
    due: &interview::Model,
    now: DateTime<Utc>,
) -> ApiResult<bool> {
    // Locked, as a reschedule or a cancellation locks it: either they see
    // this reminder queued (and withdraw it) or it sees them.
    let Some(found) = interview::Entity::find_by_id(due.id)
        .filter(interview::Column::Status.eq(InterviewStatus::Scheduled))
        .filter(interview::Column::StartsAt.eq(due.starts_at))
        .lock_exclusive()
        .one(db)
        .await?
    else {
        return Ok(false);
    };
    // The reminder is written in the name of who scheduled the interview.
    let sender = match found.created_by_id {
        Some(id) => user::Entity::find_by_id(id)
            .one(db)
            .await?
            .filter(|u| u.active),
        None => None,
    };
    let Some(sender) = sender else {
        tracing::warn!(
            interview = found.id,
            "the interview's author is gone or deactivated; no reminder sent"
        );
        return Ok(false);
    };
    let actor = Actor::automatic(found.company_id, sender.id);
    match recipient {
        ReminderRecipient::Participants => {
            let panel: Vec<user::Model> = super::participants(db, &[found.id])
                .await?
                .into_iter()
                .filter(|(link, u)| link.response != ParticipantResponse::Declined && u.active)
                .map(|(_, u)| u)
                .collect();
            if panel.is_empty() || !claim(db, &found, recipient, now).await? {
                return Ok(false);
            }
            super::participants::send(
                db,
                &actor,
                settings,
                &found,
                &panel,
                ParticipantNotice::Reminder,
                now,
            )
            .await?;
            Ok(true)
        }
        ReminderRecipient::Candidate => {
            let Some(template_id) = company.candidate_template_id else {
                return Ok(false);
            };
            if standing(db, found.id).await?.reached.is_none()
                || !claim(db, &found, recipient, now).await?
            {
                return Ok(false);
            }
            let context = context(db, &actor, settings, &found, now).await?;
            let refused = crate::do_not_contact::refusal(
                db,
                &settings.secret_key,
                found.company_id,
                &context.candidate.email,
                context.application.as_ref(),
            );
            if refused.await?.is_some() {
                tracing::info!(interview = found.id, "do-not-contact; no reminder sent");
                return Ok(false);
            }
            let template = send::kept_template(db, &actor, template_id).await?;
            let variant = template.variant_for(&context)?;
            let compiled = template.compile(variant)?;
            let values = context.values(&variant.language, now.date_naive());
            let rendered = compiled
                .render(&values, sender_signature(&sender).as_ref())
                .map_err(render_error)?;
            let from = organizer(db, &found, &context, settings).await?;
            message_state::enqueue(
                db,
                vec![NewMessage {
                    company_id: found.company_id,
                    candidate_id: Some(context.candidate.id),
                    application_id: Some(found.application_id),
                    subsidiary_id: context.subsidiary.as_ref().map(|s| s.id),
                    sender_user_id: Some(sender.id),
                    template_id: Some(template.row.id),
                    batch_id: None,
                    interview_id: Some(found.id),
                    subject: rendered.subject,
                    text_body: rendered.text,
                    html_body: Some(rendered.html),
                    from,
                    to: vec![Addressee::candidate(&context.candidate)],
                    cc: Vec::new(),
                    bcc: Vec::new(),
                    attachment_ids: template.documents.iter().map(|d| d.id).collect(),
                    scheduled_at: None,
                    idempotency_key: None,
                    calendar: None,
                    auto_reply: false,
                    threading: None,
                    participant_user_id: None,
                }],
                settings.inbound_domain.as_str(),
                now,
            )
            .await?;
            Ok(true)
        }
    }
}
