//! Messages, bulk sends and a subsidiary's recruiting email settings.
//!
//! A message links to its candidate, sender, template, bulk send, the
//! message it answers, its application and its interview. Each link is read
//! for the whole page of messages at once, when the first of them asks, and
//! through the same visibility rules as the link's own query: a row the
//! caller may not see resolves to `null`, exactly as if it did not exist.

use async_graphql::{Context, ID, InputObject, Object, SimpleObject};
use chrono::{DateTime, Utc};
use entity::enums::{MessageStatus as Stored, RecipientKind};
use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use entity::{
    email_batch, email_template, interview, message, message_content, message_recipient,
    subsidiary, user,
};
use sea_orm::{ColumnTrait as _, QueryFilter as _};
use tokio::sync::OnceCell;

use super::documents::signed_link;
use super::{
    Application, Candidate, Document, EmailTemplate, Interview, MessageDirection, MessageStatus,
    SmtpSecurity, User, loading,
};
use crate::access::{Require, Section};
use crate::documents::links::Disposition;
use crate::email_templates::{self, Template};
use crate::error::ApiError;
use crate::graphql::batch::{ApplicationSet, CandidateSet};
use crate::graphql::ids::Kind;
use crate::graphql::pagination::{Conn, Page, fetch_page};
use crate::graphql::state::{max_page_size, settings};
use crate::inbound::received_html;
use crate::mail::messages;
use crate::{applications, candidates, documents, interviews};

/// One email, sent or received.
#[derive(Clone)]
pub struct Message {
    /// The messages loaded with this one: their recipients, contents,
    /// attachments and links are read for all of them at once, when first
    /// asked for.
    page: Arc<MessagePage>,
    at: usize,
}

#[derive(Default)]
struct MessagePage {
    rows: Vec<message::Model>,
    recipients: OnceCell<HashMap<i64, Vec<message_recipient::Model>>>,
    contents: OnceCell<HashMap<i64, message_content::Model>>,
    attachments: OnceCell<HashMap<i64, Vec<entity::document::Model>>>,
    inline: OnceCell<InlineParts>,
    candidates: OnceCell<Arc<CandidateSet>>,
    senders: OnceCell<HashMap<i64, user::Model>>,
    templates: OnceCell<HashMap<i64, Template>>,
    batches: OnceCell<Arc<BatchSet>>,
    /// The messages answered, by their Message-ID header.
    answered: OnceCell<HashMap<String, Message>>,
    applications: OnceCell<Arc<ApplicationSet>>,
    interviews: OnceCell<HashMap<i64, Interview>>,
}

/// The page's received messages' inline parts, read once for their HTML
/// bodies.
struct InlineParts {
    /// `(Content-ID, document)` of each message's parts.
    by_message: HashMap<i64, Vec<(String, i64)>>,
    /// The parts' documents the caller may open.
    openable: HashSet<i64>,
}

impl MessagePage {
    fn ids(&self) -> Vec<i64> {
        self.rows.iter().map(|r| r.id).collect()
    }

    /// The distinct values of one link of the page's messages.
    fn links(&self, link: impl Fn(&message::Model) -> Option<i64>) -> Vec<i64> {
        let mut ids: Vec<i64> = self.rows.iter().filter_map(link).collect();
        ids.sort_unstable();
        ids.dedup();
        ids
    }
}

impl Message {
    /// A user the message links to (sender or participant), read once for
    /// the whole page with every other such link.
    async fn user(&self, ctx: &Context<'_>, id: Option<i64>) -> Result<Option<User>, ApiError> {
        let Some(id) = id else {
            return Ok(None);
        };
        let (db, actor) = loading(ctx)?;
        let users = self
            .page
            .senders
            .get_or_try_init(|| async {
                let mut ids = self.page.links(|m| m.sender_user_id);
                ids.extend(self.page.links(|m| m.participant_user_id));
                ids.sort_unstable();
                ids.dedup();
                Ok::<_, ApiError>(
                    crate::people::users_by_id(db, actor, ids)
                        .await?
                        .into_iter()
                        .map(|u| (u.id, u))
                        .collect(),
                )
            })
            .await?;
        Ok(users.get(&id).cloned().map(User::one))
    }

    pub fn new(row: message::Model) -> Self {
        let mut page = Self::page(vec![row]);
        page.swap_remove(0)
    }

    /// Messages shown together, such as a page of a thread.
    pub fn page(rows: Vec<message::Model>) -> Vec<Self> {
        let len = rows.len();
        let page = Arc::new(MessagePage {
            rows,
            ..Default::default()
        });
        (0..len)
            .map(|at| Self {
                page: page.clone(),
                at,
            })
            .collect()
    }

    fn row(&self) -> &message::Model {
        &self.page.rows[self.at]
    }

    /// This message's entries in a list read once for the whole page by `load`
    /// (a future, so only polled by the first field that needs it).
    async fn of_page<'a, T>(
        &self,
        cell: &'a OnceCell<HashMap<i64, Vec<T>>>,
        load: impl Future<Output = Result<HashMap<i64, Vec<T>>, ApiError>>,
    ) -> Result<&'a [T], ApiError> {
        let all = cell.get_or_try_init(|| load).await?;
        Ok(all
            .get(&self.row().id)
            .map(Vec::as_slice)
            .unwrap_or_default())
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
                messages::recipients(db, &self.page.ids()),
            )
            .await?;
        Ok(recipients
            .iter()
            .filter(|r| r.kind == kind)
            .map(|r| mailbox(&r.address, r.name.as_deref()))
            .collect())
    }

    /// Links to this message's inline parts the caller may open, by
    /// Content-ID. Parts and rights are read once for the page; without an
    /// API token there is no link to give.
    async fn inline_links(&self, ctx: &Context<'_>) -> Result<HashMap<String, String>, ApiError> {
        let (db, actor) = loading(ctx)?;
        if actor.token_id.is_none() {
            return Ok(HashMap::new());
        }
        let parts = self
            .page
            .inline
            .get_or_try_init(|| async {
                let received: Vec<i64> = self
                    .page
                    .rows
                    .iter()
                    .filter(|m| m.direction == entity::enums::MessageDirection::Inbound)
                    .map(|m| m.id)
                    .collect();
                let parts = messages::inline_parts(db, &received).await?;
                let documents = parts.values().flatten().map(|(_, document)| *document);
                let openable = documents::openable(db, actor, documents).await?;
                Ok::<_, ApiError>(InlineParts {
                    by_message: parts,
                    openable,
                })
            })
            .await?;
        let mut links = HashMap::new();
        for (content_id, document) in parts.by_message.get(&self.row().id).into_iter().flatten() {
            if parts.openable.contains(document) {
                let link = signed_link(ctx, actor, *document, Disposition::Inline)?;
                links.insert(content_id.clone(), link);
            }
        }
        Ok(links)
    }

    async fn content(&self, ctx: &Context<'_>) -> Result<&message_content::Model, ApiError> {
        let (db, _) = loading(ctx)?;
        let all = self
            .page
            .contents
            .get_or_try_init(|| {
                let ids = self.page.ids();
                async move { messages::contents(db, &ids).await }
            })
            .await?;
        all.get(&self.row().id)
            .ok_or_else(|| crate::graphql::batch::dangling("message content", self.row().id))
    }
}

/// `Name <address>`, or the bare address.
pub(crate) fn mailbox(address: &str, name: Option<&str>) -> String {
    match name {
        Some(name) => format!("{name} <{address}>"),
        None => address.to_owned(),
    }
}

#[Object]
impl Message {
    pub async fn id(&self) -> ID {
        Kind::Message.id(self.row().id)
    }
    async fn direction(&self) -> MessageDirection {
        self.row().direction.into()
    }
    async fn status(&self) -> MessageStatus {
        self.row().status.into()
    }
    async fn subject(&self) -> &str {
        &self.row().subject
    }
    async fn text_body(&self, ctx: &Context<'_>) -> Result<&str, ApiError> {
        Ok(&self.content(ctx).await?.text_body)
    }
    /// The HTML body. On received mail, sanitised for this reader: remote
    /// images and other remote resources (which tell the sender when the
    /// message is opened) are left out unless `remoteImages` is true, and
    /// images the message carries itself (`cid:`) are links to its
    /// attachments, like `Document.url`, for those who may open them.
    /// Stylesheets of received mail are never kept; inline styles are.
    async fn html_body(
        &self,
        ctx: &Context<'_>,
        #[graphql(default = false)] remote_images: bool,
    ) -> Result<Option<String>, ApiError> {
        let Some(html) = self.content(ctx).await?.html_body.as_deref() else {
            return Ok(None);
        };
        if self.row().direction != entity::enums::MessageDirection::Inbound {
            return Ok(Some(html.to_owned()));
        }
        let inline = self.inline_links(ctx).await?;
        Ok(Some(received_html::shown(html, remote_images, inline)))
    }
    /// When a received message was first read, by anyone at the company
    /// (the recruiting mailbox is shared); `null` while unread, and on mail
    /// the company sent.
    async fn read_at(&self) -> Option<DateTime<Utc>> {
        self.row().read_at
    }
    /// The sender as `Name <address>`.
    async fn from(&self) -> String {
        mailbox(&self.row().from_address, self.row().from_name.as_deref())
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
        self.row().scheduled_at
    }
    /// When the mail server accepted it.
    async fn sent_at(&self) -> Option<DateTime<Utc>> {
        self.row().sent_at
    }
    /// When a received message reached recruitmail.
    async fn received_at(&self) -> Option<DateTime<Utc>> {
        self.row().received_at
    }
    /// Delivery attempts made so far: those that reached the mail server or
    /// failed to connect to it.
    async fn attempts(&self) -> i32 {
        self.row().attempts
    }
    /// The mail server's answer to the last failed attempt.
    async fn last_error(&self) -> Option<&str> {
        self.row().last_error.as_deref()
    }
    /// The attached documents the caller may see (a candidate's documents need
    /// access to their category).
    async fn attachments(&self, ctx: &Context<'_>) -> Result<Vec<Document>, ApiError> {
        let (db, actor) = loading(ctx)?;
        let attached = self
            .of_page(
                &self.page.attachments,
                messages::attachments(db, &self.page.ids()),
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
    /// Set on received mail a program sent (a report, an automatic answer,
    /// a list's notice): it is kept out of candidates' threads.
    async fn machine_kind(&self) -> Option<super::MachineMailKind> {
        self.row().machine_kind.map(Into::into)
    }
    /// The Message-ID header (RFC 5322 §3.6.4), replies refer to it.
    async fn internet_message_id(&self) -> Option<&str> {
        self.row().message_id_header.as_deref()
    }
    /// The candidate whose thread the message is in; `null` for mail filed
    /// under no candidate.
    async fn candidate(&self, ctx: &Context<'_>) -> Result<Option<Candidate>, ApiError> {
        let Some(id) = self.row().candidate_id else {
            return Ok(None);
        };
        let (db, actor) = loading(ctx)?;
        let set = self
            .page
            .candidates
            .get_or_try_init(|| async {
                let ids = self.page.links(|m| m.candidate_id);
                let rows = candidates::visible(actor)
                    .filter(entity::candidate::Column::Id.is_in(ids))
                    .all(db)
                    .await?;
                Ok::<_, ApiError>(CandidateSet::new(rows))
            })
            .await?;
        Ok(Candidate::member(set, id))
    }
    /// The user who sent it (for automatic replies, the user they are signed
    /// by); `null` for received mail.
    async fn sender(&self, ctx: &Context<'_>) -> Result<Option<User>, ApiError> {
        self.user(ctx, self.row().sender_user_id).await
    }
    /// On an interview participant's copy of an interview email (their
    /// invitation, update, cancellation or reminder): the employee it is
    /// addressed to. Such copies belong to the candidate's interview but
    /// are not mail to the candidate, so the inbox and
    /// `Candidate.messages` leave them out. `null` on every other message.
    async fn participant(&self, ctx: &Context<'_>) -> Result<Option<User>, ApiError> {
        self.user(ctx, self.row().participant_user_id).await
    }
    /// The template it was written from, if the caller may read it; `null`
    /// for free-form and received mail.
    async fn template(&self, ctx: &Context<'_>) -> Result<Option<EmailTemplate>, ApiError> {
        let Some(id) = self.row().template_id else {
            return Ok(None);
        };
        let (db, actor) = loading(ctx)?;
        let templates = self
            .page
            .templates
            .get_or_try_init(|| async {
                let ids = self.page.links(|m| m.template_id);
                let rows = email_templates::visible(actor)
                    .filter(email_template::Column::Id.is_in(ids))
                    .all(db)
                    .await?;
                Ok::<_, ApiError>(
                    email_templates::complete(db, rows)
                        .await?
                        .into_iter()
                        .map(|t| (t.row.id, t))
                        .collect(),
                )
            })
            .await?;
        Ok(templates.get(&id).cloned().map(EmailTemplate))
    }
    /// The bulk send it belongs to, if the caller may see it (users limited
    /// to their positions see only their own sends).
    async fn batch(&self, ctx: &Context<'_>) -> Result<Option<EmailBatch>, ApiError> {
        let Some(id) = self.row().batch_id else {
            return Ok(None);
        };
        let (db, actor) = loading(ctx)?;
        let set = self
            .page
            .batches
            .get_or_try_init(|| async {
                let ids = self.page.links(|m| m.batch_id);
                let rows = messages::visible_batches(actor)
                    .filter(email_batch::Column::Id.is_in(ids))
                    .all(db)
                    .await?;
                Ok::<_, ApiError>(BatchSet::new(rows))
            })
            .await?;
        Ok(EmailBatch::member(set, id))
    }
    /// The message this one answers (by its `In-Reply-To`), if it is one the
    /// caller may see.
    async fn in_reply_to(&self, ctx: &Context<'_>) -> Result<Option<Message>, ApiError> {
        let Some(header) = self.row().in_reply_to.as_deref() else {
            return Ok(None);
        };
        let (db, actor) = loading(ctx)?;
        let answered = self
            .page
            .answered
            .get_or_try_init(|| async {
                let mut headers: Vec<&str> = self
                    .page
                    .rows
                    .iter()
                    .filter_map(|m| m.in_reply_to.as_deref())
                    .collect();
                headers.sort_unstable();
                headers.dedup();
                let rows = messages::visible(actor)
                    .filter(message::Column::MessageIdHeader.is_in(headers))
                    .all(db)
                    .await?;
                Ok::<_, ApiError>(
                    Message::page(rows)
                        .into_iter()
                        .filter_map(|m| Some((m.row().message_id_header.clone()?, m)))
                        .collect(),
                )
            })
            .await?;
        Ok(answered.get(header).cloned())
    }
    /// The application the message is about, if the caller may see it.
    async fn application(&self, ctx: &Context<'_>) -> Result<Option<Application>, ApiError> {
        let Some(id) = self.row().application_id else {
            return Ok(None);
        };
        let (db, actor) = loading(ctx)?;
        let set = self
            .page
            .applications
            .get_or_try_init(|| async {
                let ids = self.page.links(|m| m.application_id);
                let rows = applications::visible(actor)
                    .filter(entity::application::Column::Id.is_in(ids))
                    .all(db)
                    .await?;
                Ok::<_, ApiError>(ApplicationSet::new(rows))
            })
            .await?;
        Ok(Application::member(set, id))
    }
    /// The interview an invitation, update or cancellation is about, for
    /// those who may see interviews.
    #[graphql(guard = "Require::Section(Section::Interviews)")]
    async fn interview(&self, ctx: &Context<'_>) -> Result<Option<Interview>, ApiError> {
        let Some(id) = self.row().interview_id else {
            return Ok(None);
        };
        let (db, actor) = loading(ctx)?;
        let found = self
            .page
            .interviews
            .get_or_try_init(|| async {
                let ids = self.page.links(|m| m.interview_id);
                let rows = interviews::visible(actor)
                    .filter(interview::Column::Id.is_in(ids))
                    .all(db)
                    .await?;
                Ok::<_, ApiError>(
                    Interview::page(db, actor, rows)
                        .await?
                        .into_iter()
                        .map(|i| (i.row_id(), i))
                        .collect(),
                )
            })
            .await?;
        Ok(found.get(&id).cloned())
    }
    async fn created_at(&self) -> DateTime<Utc> {
        self.row().created_at
    }
}

/// Narrows `EmailBatch.messages`.
#[derive(InputObject, Default)]
pub struct BatchMessagesFilter {
    status: Option<MessageStatus>,
}

/// Bulk sends loaded together: their progress is counted for all at once.
pub struct BatchSet {
    rows: Vec<email_batch::Model>,
    /// Messages per batch and status, counted once for all progress fields.
    counts: OnceCell<HashMap<(i64, Stored), i64>>,
}

impl BatchSet {
    fn new(rows: Vec<email_batch::Model>) -> Arc<Self> {
        Arc::new(Self {
            rows,
            counts: OnceCell::new(),
        })
    }
}

/// One bulk send: its progress, counted from its messages.
pub struct EmailBatch {
    set: Arc<BatchSet>,
    at: usize,
}

impl EmailBatch {
    pub fn new(row: email_batch::Model) -> Self {
        Self {
            set: BatchSet::new(vec![row]),
            at: 0,
        }
    }

    /// A bulk send with its counts as an event reported them (the `sent`,
    /// `failed`, `cancelled` and `pending` of `email_batch.progressed`), so
    /// that every subscriber is told the numbers of that moment without
    /// counting the messages again. Without them, the counts are read.
    pub fn reported(row: email_batch::Model, data: &serde_json::Value) -> Self {
        let count = |field: &str| data.get(field).and_then(serde_json::Value::as_i64);
        let id = row.id;
        let counts = match (
            count("sent"),
            count("failed"),
            count("cancelled"),
            count("pending"),
        ) {
            (Some(sent), Some(failed), Some(cancelled), Some(pending)) => Some(HashMap::from([
                ((id, Stored::Sent), sent),
                ((id, Stored::Failed), failed),
                ((id, Stored::Cancelled), cancelled),
                ((id, Stored::Queued), pending),
            ])),
            _ => None,
        };
        Self {
            set: Arc::new(BatchSet {
                rows: vec![row],
                counts: OnceCell::new_with(counts),
            }),
            at: 0,
        }
    }

    /// Bulk sends listed together, such as a page of `emailBatches`.
    pub fn all(rows: Vec<email_batch::Model>) -> Vec<Self> {
        let len = rows.len();
        let set = BatchSet::new(rows);
        (0..len)
            .map(|at| Self {
                set: set.clone(),
                at,
            })
            .collect()
    }

    /// The member of `set` with this id, if it is in the set.
    fn member(set: &Arc<BatchSet>, id: i64) -> Option<Self> {
        let at = set.rows.iter().position(|b| b.id == id)?;
        Some(Self {
            set: set.clone(),
            at,
        })
    }

    fn row(&self) -> &email_batch::Model {
        &self.set.rows[self.at]
    }

    async fn count(&self, ctx: &Context<'_>, statuses: &[Stored]) -> Result<i64, ApiError> {
        let (db, _) = loading(ctx)?;
        let counts = self
            .set
            .counts
            .get_or_try_init(|| {
                let ids: Vec<i64> = self.set.rows.iter().map(|b| b.id).collect();
                async move { messages::batch_counts(db, &ids).await }
            })
            .await?;
        let id = self.row().id;
        Ok(statuses.iter().filter_map(|s| counts.get(&(id, *s))).sum())
    }
}

#[Object]
impl EmailBatch {
    pub async fn id(&self) -> ID {
        Kind::EmailBatch.id(self.row().id)
    }
    /// Messages in the send.
    async fn total(&self) -> i32 {
        self.row().total
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
    /// The messages of the send the caller may see (users limited to their
    /// positions: those to candidates they see), in the order they were
    /// written.
    #[graphql(
        complexity = "(first.unwrap_or(20).clamp(1, 100) as usize).saturating_mul(child_complexity)"
    )]
    async fn messages(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
        filter: Option<BatchMessagesFilter>,
    ) -> Result<Conn<Message>, ApiError> {
        let page = Page::new(first, after.as_deref(), max_page_size(ctx)?)?;
        let (db, actor) = loading(ctx)?;
        let mut select =
            messages::visible(actor).filter(message::Column::BatchId.eq(self.row().id));
        if let Some(status) = filter.and_then(|f| f.status) {
            select = select.filter(message::Column::Status.eq(Stored::from(status)));
        }
        let rows = fetch_page(db, select, message::Column::Id, page).await?;
        let nodes = Message::page(rows.rows);
        Ok(rows.shape.into_connection(nodes))
    }
    async fn created_at(&self) -> DateTime<Utc> {
        self.row().created_at
    }
    /// Candidates the send left out, and why.
    async fn skipped(&self, ctx: &Context<'_>) -> Result<Vec<SkippedCandidate>, ApiError> {
        let skipped = crate::mail::send::skipped_of(self.row());
        if skipped.is_empty() {
            return Ok(Vec::new());
        }
        let (db, actor) = loading(ctx)?;
        let rows = candidates::visible(actor)
            .filter(entity::candidate::Column::Id.is_in(skipped.iter().map(|s| s.candidate_id)))
            .all(db)
            .await?;
        let set = CandidateSet::new(rows);
        Ok(skipped
            .into_iter()
            .map(|s| SkippedCandidate {
                candidate: Candidate::member(&set, s.candidate_id),
                reason: match s.reason {
                    crate::mail::send::SkipReason::Complained => super::SkipReason::Complained,
                    crate::mail::send::SkipReason::DoNotContact => super::SkipReason::DoNotContact,
                },
            })
            .collect())
    }
}

/// A candidate a bulk send left out.
#[derive(SimpleObject)]
pub struct SkippedCandidate {
    /// `null` when the caller may not see the candidate, or they were
    /// erased since.
    candidate: Option<Candidate>,
    reason: super::SkipReason,
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
