//! Scheduling links: the recruiter's view of a link, and the candidate's
//! page with its free slots and booking.

use async_graphql::{ID, SimpleObject};
use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use entity::scheduling_link;

use super::InterviewSlot;
use crate::graphql::ids::Kind;
use crate::scheduling::booking::{Booking, LinkView};
use crate::scheduling::links;
use crate::scheduling::rules::SchedulingRules;

/// A link through which a candidate books an interview. Its token is shown
/// only when it is created.
#[derive(SimpleObject)]
pub struct SchedulingLink {
    pub application_id: ID,
    pub participant_ids: Vec<ID>,
    pub duration_minutes: i32,
    /// The window the candidate picks a time in.
    pub from: DateTime<Utc>,
    pub to: DateTime<Utc>,
    /// After this, the link opens no more unless an interview was booked
    /// through it and has not started.
    pub expires_at: DateTime<Utc>,
    pub location: Option<String>,
    pub video_link: Option<String>,
    pub template_id: Option<ID>,
    /// The interview booked through the link, if any.
    pub interview_id: Option<ID>,
    /// When the candidate cancelled their booking, which closed the link.
    pub closed_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
}

impl SchedulingLink {
    pub fn new(row: &scheduling_link::Model) -> Self {
        Self {
            application_id: Kind::Application.id(row.application_id),
            participant_ids: links::participant_ids(row)
                .into_iter()
                .map(|id| Kind::User.id(id))
                .collect(),
            duration_minutes: row.duration_minutes,
            from: row.window_from,
            to: row.window_to,
            expires_at: row.expires_at,
            location: row.location.clone(),
            video_link: row.video_link.clone(),
            template_id: row.template_id.map(|id| Kind::EmailTemplate.id(id)),
            interview_id: row.interview_id.map(|id| Kind::Interview.id(id)),
            closed_at: row.closed_at,
            created_at: row.created_at,
        }
    }
}

/// A company's rules for self-scheduling.
#[derive(SimpleObject)]
pub struct SchedulingSettings {
    /// A booking can be moved or cancelled through its link until this many
    /// hours before the interview (default 24).
    pub change_deadline_hours: i32,
    /// No slot a link offers starts sooner than this many hours from now
    /// (default 24).
    pub minimum_notice_hours: i32,
}

impl From<SchedulingRules> for SchedulingSettings {
    fn from(rules: SchedulingRules) -> Self {
        Self {
            change_deadline_hours: rules.change_deadline_hours,
            minimum_notice_hours: rules.minimum_notice_hours,
        }
    }
}

/// The interview a candidate booked through their link.
#[derive(SimpleObject)]
pub struct InterviewBooking {
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
    /// The start on the candidate's clock, with its offset (RFC 3339).
    pub local_start: String,
    pub location: Option<String>,
    pub video_link: Option<String>,
    /// Whether it can still be moved or cancelled through the link.
    pub can_change: bool,
    /// Until when it can be.
    pub change_deadline: DateTime<Utc>,
    pub cancelled: bool,
}

impl InterviewBooking {
    pub fn new(booking: &Booking, zone: Tz) -> Self {
        let row = &booking.interview;
        let cancelled = row.status == entity::enums::InterviewStatus::Cancelled;
        Self {
            starts_at: row.starts_at,
            ends_at: row.ends_at,
            local_start: row.starts_at.with_timezone(&zone).to_rfc3339(),
            location: row.location.clone(),
            video_link: row.video_link.clone(),
            can_change: booking.can_change && !cancelled,
            change_deadline: booking.change_deadline,
            cancelled,
        }
    }
}

/// What a candidate sees through their scheduling link.
#[derive(SimpleObject)]
pub struct PublicSchedulingLink {
    pub position_name: String,
    pub company_name: String,
    pub duration_minutes: i32,
    /// The zone the slots are shown in, as asked.
    pub time_zone: String,
    pub expires_at: DateTime<Utc>,
    /// Times the interview can be booked (or moved) to, earliest first, at
    /// most 100; empty once the booking can no longer change.
    pub slots: Vec<InterviewSlot>,
    /// The interview booked through the link, once it is.
    pub booking: Option<InterviewBooking>,
}

impl PublicSchedulingLink {
    pub fn new(view: LinkView, zone: Tz) -> Self {
        let duration = chrono::Duration::minutes(i64::from(view.duration_minutes));
        Self {
            position_name: view.position_name,
            company_name: view.company_name,
            duration_minutes: i32::from(view.duration_minutes),
            time_zone: zone.name().to_owned(),
            expires_at: view.expires_at,
            slots: view
                .slots
                .iter()
                .map(|start| InterviewSlot::new(*start, duration, zone))
                .collect(),
            booking: view
                .booking
                .as_ref()
                .map(|b| InterviewBooking::new(b, zone)),
        }
    }
}
