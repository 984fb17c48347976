//! Messages, bulk sends and a subsidiary's recruiting email settings.

use async_graphql::{Context, ID, Object, SimpleObject};
use chrono::{DateTime, Utc};
use entity::enums::{MessageStatus as Stored, RecipientKind};
use std::collections::HashMap;
use std::sync::Arc;

use entity::{email_batch, message, message_content, message_recipient, subsidiary};
use sea_orm::{ColumnTrait as _, EntityTrait as _, QueryFilter as _, QuerySelect as _};
use tokio::sync::OnceCell;

use super::{Document, MessageDirection, MessageStatus, SmtpSecurity, loading};
use crate::documents;
use crate::error::ApiError;
use crate::graphql::ids::Kind;
use crate::graphql::state::settings;
use crate::mail::messages;

/// One email, sent or received.
pub struct Message {
    row: Box<message::Model>,
    /// The messages loaded with this one: their recipients, contents and
    /// attachments are read for all of them at once, when first asked for.
    page: Arc<MessagePage>,
}

#[derive(Default)]
struct MessagePage {
    ids: Vec<i64>,
    recipients: OnceCell<HashMap<i64, Vec<message_recipient::Model>>>,
    contents: OnceCell<HashMap<i64, message_content::Model>>,
    attachments: OnceCell<HashMap<i64, Vec<entity::document::Model>>>,
}

impl Message {
    pub fn new(row: message::Model) -> Self {
        let mut page = Self::page(vec![row]);
        page.swap_remove(0)
    }

    /// Messages shown together, such as a page of a thread.
    pub fn page(rows: Vec<message::Model>) -> Vec<Self> {
        let page = Arc::new(MessagePage {
            ids: rows.iter().map(|r| r.id).collect(),
            ..Default::default()
        });
        rows.into_iter()
            .map(|row| Self {
                row: Box::new(row),
                page: page.clone(),
            })
            .collect()
    }

    /// This message's entries in a list read once for the whole page by `load`
    /// (a future, so only polled by the first field that needs it).
    async fn of_page<'a, T>(
        &self,
        cell: &'a OnceCell<HashMap<i64, Vec<T>>>,
        load: impl Future<Output = Result<HashMap<i64, Vec<T>>, ApiError>>,
    ) -> Result<&'a [T], ApiError> {
        let all = cell.get_or_try_init(|| load).await?;
        Ok(all.get(&self.row.id).map(Vec::as_slice).unwrap_or_default())
    }

    async fn addresses(
        &self,
        ctx: &Context<'_>,
        kind: RecipientKind,
    ) -> Result<Vec<String>, ApiError> {
        let (db, _) = loading(ctx)?;
        let recipients = self
            .of_page(
                &self.page.recipients,
                messages::recipients(db, &self.page.ids),
            )
            .await?;
        Ok(recipients
            .iter()
            .filter(|r| r.kind == kind)
            .map(|r| mailbox(&r.address, r.name.as_deref()))
            .collect())
    }

    async fn content(&self, ctx: &Context<'_>) -> Result<&message_content::Model, ApiError> {
        let (db, _) = loading(ctx)?;
        let all = self
            .page
            .contents
            .get_or_try_init(|| messages::contents(db, &self.page.ids))
            .await?;
        all.get(&self.row.id)
            .ok_or_else(|| crate::graphql::batch::dangling("message content", self.row.id))
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
    async fn text_body(&self, ctx: &Context<'_>) -> Result<&str, ApiError> {
        Ok(&self.content(ctx).await?.text_body)
    }
    async fn html_body(&self, ctx: &Context<'_>) -> Result<Option<&str>, ApiError> {
        Ok(self.content(ctx).await?.html_body.as_deref())
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
    /// When a received message reached recruitmail.
    async fn received_at(&self) -> Option<DateTime<Utc>> {
        self.row.received_at
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
        let attached = self
            .of_page(
                &self.page.attachments,
                messages::attachments(db, &self.page.ids),
            )
            .await?;
        Ok(Document::all(
            attached
                .iter()
                .filter(|d| documents::readable_on_message(actor, d))
                .cloned()
                .collect(),
        ))
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
pub struct EmailBatch {
    row: email_batch::Model,
    /// Messages per status, counted once for all the progress fields.
    counts: OnceCell<HashMap<Stored, i64>>,
}

impl EmailBatch {
    pub fn new(row: email_batch::Model) -> Self {
        Self {
            row,
            counts: OnceCell::new(),
        }
    }

    async fn count(&self, ctx: &Context<'_>, statuses: &[Stored]) -> Result<i64, ApiError> {
        let counts = self
            .counts
            .get_or_try_init(|| async {
                let (db, _) = loading(ctx)?;
                let rows: Vec<(Stored, i64)> = message::Entity::find()
                    .select_only()
                    .column(message::Column::Status)
                    .column_as(message::Column::Id.count(), "count")
                    .filter(message::Column::BatchId.eq(self.row.id))
                    .group_by(message::Column::Status)
                    .into_tuple()
                    .all(db)
                    .await?;
                Ok::<_, ApiError>(rows.into_iter().collect::<HashMap<_, _>>())
            })
            .await?;
        Ok(statuses.iter().filter_map(|s| counts.get(s)).sum())
    }
}

#[Object]
impl EmailBatch {
    pub async fn id(&self) -> ID {
        Kind::EmailBatch.id(self.row.id)
    }
    /// Messages in the send.
    async fn total(&self) -> i32 {
        self.row.total
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
        self.row.created_at
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
            inbound_address: crate::companies::inbound_address(slug, &domain),
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
