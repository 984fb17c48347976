use async_graphql::{Context, ID, InputObject, Object};
use chrono::{DateTime, Duration, Utc};

use crate::access::{ContextExt as _, Require, Section};
use crate::error::ApiError;
use crate::graphql::ids::{Kind, decode_up_to};
use crate::graphql::input::parse;
use crate::graphql::state::db;
use crate::graphql::types::{InterviewSlot, InterviewSlotSuggestions, SlotObstacle};
use crate::interviews::{MAX_PARTICIPANTS, parse_time_zone};
use crate::scheduling::panel::{self, SlotRequest};

#[derive(Default)]
pub struct SlotsQuery;

/// What a slot search looks for.
#[derive(InputObject)]
struct SuggestInterviewSlotsInput {
    /// Users of the company who must all be free.
    participant_ids: Vec<ID>,
    duration_minutes: u16,
    /// The window searched; at most 62 days long.
    from: DateTime<Utc>,
    to: DateTime<Utc>,
    /// IANA zone the slots are aligned and shown in, e.g. `Europe/Paris`.
    time_zone: String,
    /// Kept free before and after each interview a participant already has.
    #[graphql(default = 0)]
    buffer_minutes: u16,
    /// No slot starts sooner than this after now.
    #[graphql(default = 0)]
    minimum_notice_minutes: u32,
    /// Starts fall on multiples of this after midnight in `timeZone`.
    #[graphql(default = 15)]
    step_minutes: u16,
    /// At most this many slots (1 to 100).
    #[graphql(default = 20)]
    max: u16,
}

#[Object]
impl SlotsQuery {
    /// Start times when every participant is free within their working
    /// hours, earliest first; with none, why per participant. Needs the
    /// INTERVIEWS section; it shows when people are free, never what they
    /// are doing.
    #[graphql(guard = "Require::Section(Section::Interviews)")]
    async fn suggest_interview_slots(
        &self,
        ctx: &Context<'_>,
        input: SuggestInterviewSlotsInput,
    ) -> Result<InterviewSlotSuggestions, ApiError> {
        let request = SlotRequest {
            participant_ids: decode_up_to(
                &input.participant_ids,
                Kind::User,
                "participantIds",
                MAX_PARTICIPANTS,
            )?,
            duration_minutes: input.duration_minutes,
            from: input.from,
            to: input.to,
            time_zone: parse(&input.time_zone, "timeZone", parse_time_zone)?,
            buffer_minutes: input.buffer_minutes,
            minimum_notice_minutes: input.minimum_notice_minutes,
            step_minutes: input.step_minutes,
            max: usize::from(input.max),
        };
        let (db, actor) = (db(ctx)?, ctx.actor()?);
        let found = panel::suggest(db, actor, &request, Utc::now()).await?;
        let duration = Duration::minutes(i64::from(request.duration_minutes));
        Ok(InterviewSlotSuggestions {
            slots: found
                .suggestion
                .starts
                .iter()
                .map(|start| InterviewSlot::new(*start, duration, request.time_zone))
                .collect(),
            obstacles: SlotObstacle::list(panel::named(found.suggestion.obstacles, &found.users)),
            shortfall: found.suggestion.shortfall.map(Into::into),
        })
    }
}
