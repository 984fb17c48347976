//! Control over what waits to leave (`crate::mail::waiting`): cancel a
//! message or a bulk send, send a scheduled message now or later, retry a
//! failed one. Each answer says how many messages changed and names those a
//! dispatcher was already delivering, which are left alone.

use async_graphql::{Context, ID, InputObject, Object, SimpleObject};
use chrono::{DateTime, Utc};

use crate::access::{ContextExt as _, Require, Section};
use crate::error::ApiError;
use crate::graphql::ids::{Kind, decode};
use crate::graphql::state::{db, mail};
use crate::graphql::types::{EmailBatch, Message};
use crate::mail::message_state::Change;
use crate::mail::waiting::{self, Changed};

#[derive(Default)]
pub struct WaitingMutation;

fn count(changed: &Changed) -> i32 {
    i32::try_from(changed.changed.len()).unwrap_or(i32::MAX)
}

/// A payload about one message, for each mutation that changes one.
macro_rules! message_payload {
    ($name:ident) => {
        #[derive(SimpleObject)]
        struct $name {
            /// The message as it is now.
            message: Message,
            /// How many messages were changed: 1, or 0 when a dispatcher was
            /// already delivering it.
            changed: i32,
            /// The message, when a dispatcher was already delivering it
            /// (SENDING): it was left alone and will be delivered.
            already_sending: Vec<Message>,
        }

        impl $name {
            fn of((row, changed): (entity::message::Model, Changed)) -> Self {
                Self {
                    changed: count(&changed),
                    message: Message::new(row),
                    already_sending: Message::page(changed.already_sending),
                }
            }
        }
    };
}

message_payload!(CancelMessagePayload);
message_payload!(SendMessageNowPayload);
message_payload!(RescheduleMessagePayload);
message_payload!(RetryMessagePayload);

#[derive(InputObject)]
struct CancelMessageInput {
    message_id: ID,
}

#[derive(InputObject)]
struct SendMessageNowInput {
    message_id: ID,
}

#[derive(InputObject)]
struct RescheduleMessageInput {
    message_id: ID,
    /// When to send it: in the future, at most a year ahead.
    scheduled_at: DateTime<Utc>,
}

#[derive(InputObject)]
struct RetryMessageInput {
    message_id: ID,
}

#[derive(InputObject)]
struct CancelEmailBatchInput {
    batch_id: ID,
}

#[derive(SimpleObject)]
struct CancelEmailBatchPayload {
    batch: EmailBatch,
    /// How many of its messages were cancelled.
    changed: i32,
    /// Its messages a dispatcher was already delivering (SENDING): they were
    /// left alone and will be delivered.
    already_sending: Vec<Message>,
}

async fn change(
    ctx: &Context<'_>,
    id: &ID,
    change: Change,
) -> Result<(entity::message::Model, Changed), ApiError> {
    let id = decode(id, Kind::Message, "messageId")?;
    waiting::change_message(db(ctx)?, ctx.actor()?, id, change, Utc::now()).await
}

#[Object]
impl WaitingMutation {
    /// Cancels a message that has not been handed to an SMTP server yet:
    /// SCHEDULED, or QUEUED (also while it waits between retries). A message
    /// being delivered (SENDING) is reported in `alreadySending`, not
    /// cancelled; one that has left, failed or was cancelled is a `CONFLICT`.
    #[graphql(guard = "Require::Section(Section::Messages)")]
    async fn cancel_message(
        &self,
        ctx: &Context<'_>,
        input: CancelMessageInput,
    ) -> Result<CancelMessagePayload, ApiError> {
        let done = change(ctx, &input.message_id, Change::Cancel).await?;
        Ok(CancelMessagePayload::of(done))
    }

    /// Cancels every message of a bulk send that has not been handed to an
    /// SMTP server yet, the summary copy to CC and BCC included; those being
    /// delivered are reported in `alreadySending`.
    #[graphql(
        guard = "Require::Section(Section::Messages).and(Require::Section(Section::BulkEmail))"
    )]
    async fn cancel_email_batch(
        &self,
        ctx: &Context<'_>,
        input: CancelEmailBatchInput,
    ) -> Result<CancelEmailBatchPayload, ApiError> {
        let id = decode(&input.batch_id, Kind::EmailBatch, "batchId")?;
        let (batch, changed) =
            waiting::cancel_batch(db(ctx)?, ctx.actor()?, id, Utc::now()).await?;
        Ok(CancelEmailBatchPayload {
            batch: EmailBatch::new(batch),
            changed: count(&changed),
            already_sending: Message::page(changed.already_sending),
        })
    }

    /// Sends a scheduled message at once instead of at its `scheduledAt`.
    #[graphql(guard = "Require::Section(Section::Messages)")]
    async fn send_message_now(
        &self,
        ctx: &Context<'_>,
        input: SendMessageNowInput,
    ) -> Result<SendMessageNowPayload, ApiError> {
        let done = change(ctx, &input.message_id, Change::SendNow).await?;
        if !done.1.changed.is_empty() {
            mail(ctx)?.nudge();
        }
        Ok(SendMessageNowPayload::of(done))
    }

    /// Moves a scheduled message to another time.
    #[graphql(guard = "Require::Section(Section::Messages)")]
    async fn reschedule_message(
        &self,
        ctx: &Context<'_>,
        input: RescheduleMessageInput,
    ) -> Result<RescheduleMessagePayload, ApiError> {
        let to = waiting::reschedule_to(input.scheduled_at, Utc::now())?;
        let done = change(ctx, &input.message_id, to).await?;
        Ok(RescheduleMessagePayload::of(done))
    }

    /// Queues a FAILED message again, to be delivered at once. `attempts`
    /// keeps counting, so a message given up after the most attempts has one
    /// more; one that failed on a permanent refusal has the usual retries
    /// for a temporary failure. A BOUNCED message is not retried (`CONFLICT`): the
    /// recipient's server accepted it and sent it back, so the same message
    /// would most likely bounce again; send a new one instead.
    #[graphql(guard = "Require::Section(Section::Messages)")]
    async fn retry_message(
        &self,
        ctx: &Context<'_>,
        input: RetryMessageInput,
    ) -> Result<RetryMessagePayload, ApiError> {
        let done = change(ctx, &input.message_id, Change::Retry).await?;
        if !done.1.changed.is_empty() {
            mail(ctx)?.nudge();
        }
        Ok(RetryMessagePayload::of(done))
    }
}
