//! Messages, bulk sends and a subsidiary's recruiting email settings.

use async_graphql::{Context, ID, Object, SimpleObject};
use chrono::{DateTime, Utc};
use entity::enums::{MessageStatus as Stored, RecipientKind};
use std::collections::HashMap;
use std::sync::Arc;

use entity::{email_batch, message, message_recipient, subsidiary};
use sea_orm::{
    ColumnTrait as _, ConnectionTrait, EntityTrait as _, QueryFilter as _, QueryOrder as _,
    QuerySelect as _,
};

use super::{Document, MessageDirection, MessageStatus, SmtpSecurity, loading};
use crate::documents;
use crate::error::ApiError;
use crate::graphql::ids::Kind;
use crate::graphql::state::settings;
use crate::mail::messages;

/// One email, sent or received.
pub struct Message {
    row: Box<message::Model>,
    /// Recipients loaded for a whole page at once; loaded per message otherwise.
    recipients: Option<Arc<HashMap<i64, Vec<message_recipient::Model>>>>,
}

impl Message {
    pub fn new(row: message::Model) -> Self {
        Self {
            row: Box::new(row),
            recipients: None,
        }
    }

    /// A page of messages whose recipients are read in one statement.
    pub async fn page(
        db: &impl ConnectionTrait,
        rows: Vec<message::Model>,
    ) -> Result<Vec<Self>, ApiError> {
        let ids: Vec<i64> = rows.iter().map(|r| r.id).collect();
        let mut by_message: HashMap<i64, Vec<message_recipient::Model>> = HashMap::new();
        for r in message_recipient::Entity::find()
            .filter(message_recipient::Column::MessageId.is_in(ids))
            .order_by_asc(message_recipient::Column::Id)
            .all(db)
            .await?
        {
            by_message.entry(r.message_id).or_default().push(r);
        }
        let shared = Arc::new(by_message);
        Ok(rows
            .into_iter()
            .map(|row| Self {
                row: Box::new(row),
                recipients: Some(shared.clone()),
            })
            .collect())
    }
}

impl Message {
    async fn addresses(
        &self,
        ctx: &Context<'_>,
        kind: RecipientKind,
    ) -> Result<Vec<String>, ApiError> {
        let listed = match &self.recipients {
            Some(page) => page
                .get(&self.row.id)
                .map(|all| all.iter().filter(|r| r.kind == kind).cloned().collect())
                .unwrap_or_default(),
            None => {
                let (db, _) = loading(ctx)?;
                messages::recipients(db, self.row.id, kind).await?
            }
        };
        Ok(listed
            .into_iter()
            .map(|r| mailbox(&r.address, r.name.as_deref()))
            .collect())
    }
}

/// `Name <address>`, or the bare address.
fn mailbox(address: &str, name: Option<&str>) -> String {
    match name {
        Some(name) => format!("{name} <{address}>"),
        None => address.to_owned(),
    }
}

#[Object]
impl Message {
    pub async fn id(&self) -> ID {
        Kind::Message.id(self.row.id)
    }
    async fn direction(&self) -> MessageDirection {
        self.row.direction.into()
    }
    async fn status(&self) -> MessageStatus {
        self.row.status.into()
    }
    async fn subject(&self) -> &str {
        &self.row.subject
    }
    async fn text_body(&self) -> &str {
        &self.row.text_body
    }
    async fn html_body(&self) -> Option<&str> {
        self.row.html_body.as_deref()
    }
    /// The sender as `Name <address>`.
    async fn from(&self) -> String {
        mailbox(&self.row.from_address, self.row.from_name.as_deref())
    }
    async fn to(&self, ctx: &Context<'_>) -> Result<Vec<String>, ApiError> {
        self.addresses(ctx, RecipientKind::To).await
    }
    async fn cc(&self, ctx: &Context<'_>) -> Result<Vec<String>, ApiError> {
        self.addresses(ctx, RecipientKind::Cc).await
    }
    async fn bcc(&self, ctx: &Context<'_>) -> Result<Vec<String>, ApiError> {
        self.addresses(ctx, RecipientKind::Bcc).await
    }
    /// When a scheduled message is due.
    async fn scheduled_at(&self) -> Option<DateTime<Utc>> {
        self.row.scheduled_at
    }
    /// When the mail server accepted it.
    async fn sent_at(&self) -> Option<DateTime<Utc>> {
        self.row.sent_at
    }
    /// Delivery attempts made so far.
    async fn attempts(&self) -> i32 {
        self.row.attempts
    }
    /// The mail server's answer to the last failed attempt.
    async fn last_error(&self) -> Option<&str> {
        self.row.last_error.as_deref()
    }
    /// The attached documents the caller may see (a candidate's documents need
    /// access to their category).
    async fn attachments(&self, ctx: &Context<'_>) -> Result<Vec<Document>, ApiError> {
        let (db, actor) = loading(ctx)?;
        Ok(messages::attachments(db, self.row.id)
            .await?
            .into_iter()
            .filter(|d| documents::readable_on_message(actor, d))
            .map(Document)
            .collect())
    }
    /// The Message-ID header (RFC 5322 §3.6.4), replies refer to it.
    async fn internet_message_id(&self) -> Option<&str> {
        self.row.message_id_header.as_deref()
    }
    async fn created_at(&self) -> DateTime<Utc> {
        self.row.created_at
    }
}

/// One bulk send: its progress, counted from its messages.
pub struct EmailBatch(pub email_batch::Model);

impl EmailBatch {
    async fn count(&self, ctx: &Context<'_>, statuses: &[Stored]) -> Result<i64, ApiError> {
        let (db, _) = loading(ctx)?;
        let count: Option<i64> = message::Entity::find()
            .select_only()
            .column_as(message::Column::Id.count(), "count")
            .filter(message::Column::BatchId.eq(self.0.id))
            .filter(message::Column::Status.is_in(statuses.iter().copied()))
            .into_tuple()
            .one(db)
            .await?;
        Ok(count.unwrap_or(0))
    }
}

#[Object]
impl EmailBatch {
    pub async fn id(&self) -> ID {
        Kind::EmailBatch.id(self.0.id)
    }
    /// Messages in the send.
    async fn total(&self) -> i32 {
        self.0.total
    }
    /// Messages not yet sent: scheduled, queued or being sent.
    async fn queued(&self, ctx: &Context<'_>) -> Result<i64, ApiError> {
        self.count(ctx, &[Stored::Scheduled, Stored::Queued, Stored::Sending])
            .await
    }
    async fn sent(&self, ctx: &Context<'_>) -> Result<i64, ApiError> {
        self.count(ctx, &[Stored::Sent]).await
    }
    async fn failed(&self, ctx: &Context<'_>) -> Result<i64, ApiError> {
        self.count(ctx, &[Stored::Failed, Stored::Bounced]).await
    }
    async fn cancelled(&self, ctx: &Context<'_>) -> Result<i64, ApiError> {
        self.count(ctx, &[Stored::Cancelled]).await
    }
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }
}

/// Where a subsidiary's recruiting mail comes from and goes through.
pub struct RecruitingEmailSettings {
    pub subsidiary: subsidiary::Model,
    pub inbound_address: String,
}

#[Object]
impl RecruitingEmailSettings {
    /// The subsidiary's own address; without one, mail comes from the
    /// company's inbound address.
    async fn email_address(&self) -> Option<&str> {
        self.subsidiary.email_address.as_deref()
    }
    async fn email_display_name(&self) -> Option<&str> {
        self.subsidiary.email_display_name.as_deref()
    }
    /// Whether mail goes through the subsidiary's own SMTP server rather than
    /// the default transport.
    async fn use_custom_smtp(&self) -> bool {
        self.subsidiary.use_custom_smtp
    }
    async fn smtp_host(&self) -> Option<&str> {
        self.subsidiary.smtp_host.as_deref()
    }
    async fn smtp_port(&self) -> Option<i32> {
        self.subsidiary.smtp_port
    }
    async fn smtp_security(&self) -> SmtpSecurity {
        self.subsidiary.smtp_security.into()
    }
    async fn smtp_username(&self) -> Option<&str> {
        self.subsidiary.smtp_username.as_deref()
    }
    /// Whether a password is stored; the password itself is never returned.
    async fn has_password(&self) -> bool {
        self.subsidiary.smtp_password_encrypted.is_some()
    }
    /// Where the company forwards its recruiting mailbox.
    async fn inbound_address(&self) -> &str {
        &self.inbound_address
    }
}

impl RecruitingEmailSettings {
    pub fn of(
        ctx: &Context<'_>,
        subsidiary: subsidiary::Model,
        slug: &str,
    ) -> Result<Self, ApiError> {
        let domain = settings(ctx)?.inbound_domain.as_str().to_owned();
        Ok(Self {
            subsidiary,
            inbound_address: format!("{slug}-jobs@{domain}"),
        })
    }
}

/// The outcome of `testSmtpConnection`.
#[derive(SimpleObject)]
pub struct SmtpConnectionTest {
    pub success: bool,
    /// What happened, with the server's own reply when it refused.
    pub message: String,
}
