use async_graphql::{Context, ID, InputObject, MaybeUndefined, Object, SimpleObject, Upload};
use chrono::{DateTime, Utc};

use crate::access::{ContextExt as _, Require, Section};
use crate::documents;
use crate::domain::{DomainName, EmailAddress, Name};
use crate::error::ApiError;
use crate::graphql::ids::{Kind, decode, decode_up_to};
use crate::graphql::input::{addresses, change, content, read_upload};
use crate::graphql::state::{db, mail, settings};
use crate::graphql::types::{
    Document, EmailBatch, Message, SmtpConnectionTest, SmtpSecurity, Subsidiary,
};
use crate::mail::email_settings::{self, EmailSettingsChange};
use crate::mail::message_state::Change;
use crate::mail::read_state;
use crate::mail::send::{self, MAX_ATTACHMENTS, MAX_RECIPIENTS, SendRequest, Sent, Targets};
use crate::mail::waiting;
use crate::organisation;

#[derive(Default)]
pub struct MailMutation;

/// A subsidiary's recruiting email settings; a field left out keeps its
/// saved value.
#[derive(InputObject)]
struct RecruitingEmailSettingsInput {
    /// The subsidiary's own sender address; `null` removes it.
    email_address: MaybeUndefined<String>,
    email_display_name: MaybeUndefined<String>,
    /// Send through the SMTP server below instead of the default transport.
    use_custom_smtp: Option<bool>,
    smtp_host: MaybeUndefined<String>,
    /// Defaults to the usual port of `smtpSecurity` (465, 587 or 25).
    smtp_port: MaybeUndefined<i32>,
    smtp_security: Option<SmtpSecurity>,
    smtp_username: MaybeUndefined<String>,
    /// Stored encrypted and never returned; `null` removes it.
    smtp_password: MaybeUndefined<String>,
}

impl RecruitingEmailSettingsInput {
    /// The change as the service reads it; `prefix` leads error fields to
    /// where the settings stand in the input.
    fn change(self, prefix: &str) -> Result<EmailSettingsChange, ApiError> {
        let field = |name: &str| format!("{prefix}{name}");
        let smtp_port = match self.smtp_port {
            MaybeUndefined::Undefined => None,
            MaybeUndefined::Null => Some(None),
            MaybeUndefined::Value(port) => Some(Some(
                u16::try_from(port).ok().filter(|p| *p > 0).ok_or_else(|| {
                    let field = field("smtpPort");
                    ApiError::validation(field.clone(), format!("{field}: a port from 1 to 65535"))
                })?,
            )),
        };
        Ok(EmailSettingsChange {
            email_address: change(
                &self.email_address,
                &field("emailAddress"),
                EmailAddress::parse,
            )?,
            email_display_name: change(
                &self.email_display_name,
                &field("emailDisplayName"),
                Name::parse,
            )?,
            use_custom_smtp: self.use_custom_smtp,
            smtp_host: change(&self.smtp_host, &field("smtpHost"), DomainName::parse)?,
            smtp_port,
            smtp_security: self.smtp_security.map(Into::into),
            smtp_username: text_change(&self.smtp_username),
            smtp_password: text_change(&self.smtp_password),
        })
    }
}

#[derive(InputObject)]
struct UpdateRecruitingEmailSettingsInput {
    subsidiary_id: ID,
    #[graphql(flatten)]
    settings: RecruitingEmailSettingsInput,
}

#[derive(SimpleObject)]
struct UpdateRecruitingEmailSettingsPayload {
    subsidiary: Subsidiary,
}

#[derive(InputObject)]
struct TestSmtpConnectionInput {
    subsidiary_id: ID,
    /// Settings to try without saving them, as `updateRecruitingEmailSettings`
    /// takes them: a field left out keeps its saved value (the password
    /// too), and the server is tried even while custom SMTP is off. Without
    /// them, the saved settings are tested.
    settings: Option<RecruitingEmailSettingsInput>,
}

#[derive(SimpleObject)]
struct TestSmtpConnectionPayload {
    result: SmtpConnectionTest,
}

#[derive(InputObject)]
struct SendEmailInput {
    /// One message per candidate, about their latest application.
    candidate_ids: Option<Vec<ID>>,
    /// One message per application's candidate, about that application.
    application_ids: Option<Vec<ID>>,
    /// A stored template; or give `subject` and `body`.
    template_id: Option<ID>,
    subject: Option<String>,
    /// HTML with placeholders.
    body: Option<String>,
    #[graphql(default)]
    cc: Vec<String>,
    #[graphql(default)]
    bcc: Vec<String>,
    /// Documents to attach (uploads, or documents already sent or received),
    /// besides the template's.
    #[graphql(default)]
    attachment_ids: Vec<ID>,
    /// Deliver at this time instead of now.
    scheduled_at: Option<DateTime<Utc>>,
    /// Sending again with the same key returns the first result and sends nothing.
    idempotency_key: Option<String>,
    /// A message of the candidate's thread that this one answers: it
    /// carries `In-Reply-To` and `References` (RFC 5322 §3.6.4), so the
    /// candidate's mail program shows it in the same conversation. Only
    /// when one candidate is addressed.
    in_reply_to_id: Option<ID>,
}

#[derive(SimpleObject)]
struct SendEmailPayload {
    /// The message, when one candidate was addressed.
    message: Option<Message>,
    /// The bulk send, when several were.
    batch: Option<EmailBatch>,
}

#[derive(InputObject)]
struct CancelScheduledMessageInput {
    id: ID,
}

#[derive(SimpleObject)]
struct CancelScheduledMessagePayload {
    message: Message,
}

#[derive(InputObject)]
struct MarkMessagesReadInput {
    /// At most 500 messages. Messages the company sent may be named: they
    /// have no read state and stay as they are.
    message_ids: Vec<ID>,
    /// `false` marks them unread again.
    #[graphql(default = true)]
    read: bool,
}

#[derive(SimpleObject)]
struct MarkMessagesReadPayload {
    /// The messages named, in the order given.
    messages: Vec<Message>,
    /// How many changed: those not already read (or unread).
    changed: u64,
}

#[derive(InputObject)]
struct UploadDocumentInput {
    file: Upload,
    /// Files it as this candidate's document; without it, the document can be
    /// attached to messages and templates.
    candidate_id: Option<ID>,
    document_category_id: Option<ID>,
}

#[derive(SimpleObject)]
struct UploadDocumentPayload {
    document: Document,
}

fn text_change(raw: &MaybeUndefined<String>) -> Option<Option<String>> {
    match raw {
        MaybeUndefined::Undefined => None,
        MaybeUndefined::Null => Some(None),
        MaybeUndefined::Value(v) => Some(Some(v.clone())),
    }
}

#[Object]
impl MailMutation {
    /// Changes a subsidiary's sender identity and SMTP server. Recruiting admins only.
    #[graphql(guard = "Require::Admin")]
    async fn update_recruiting_email_settings(
        &self,
        ctx: &Context<'_>,
        input: UpdateRecruitingEmailSettingsInput,
    ) -> Result<UpdateRecruitingEmailSettingsPayload, ApiError> {
        let id = decode(&input.subsidiary_id, Kind::Subsidiary, "subsidiaryId")?;
        let change = input.settings.change("")?;
        let row =
            email_settings::update(db(ctx)?, ctx.actor()?, &mail(ctx)?.cipher, id, change).await?;
        Ok(UpdateRecruitingEmailSettingsPayload {
            subsidiary: Subsidiary(row),
        })
    }

    /// Connects to the subsidiary's SMTP server as configured, or as
    /// `settings` would configure it (nothing is saved), through EHLO,
    /// STARTTLS or TLS and AUTH, and reports what happened. Recruiting admins only.
    #[graphql(guard = "Require::Admin")]
    async fn test_smtp_connection(
        &self,
        ctx: &Context<'_>,
        input: TestSmtpConnectionInput,
    ) -> Result<TestSmtpConnectionPayload, ApiError> {
        let id = decode(&input.subsidiary_id, Kind::Subsidiary, "subsidiaryId")?;
        let change = input.settings.map(|s| s.change("settings.")).transpose()?;
        let subsidiary = organisation::find_subsidiary(db(ctx)?, ctx.actor()?, id).await?;
        let (settings, cipher) = (settings(ctx)?, &mail(ctx)?.cipher);
        let (extra_root, public_only) = (
            settings.smtp_ca_pem.as_deref(),
            !settings.smtp_allow_private_hosts,
        );
        let test = match change {
            Some(change) => {
                email_settings::test_unsaved(cipher, extra_root, public_only, subsidiary, change)
                    .await?
            }
            None => {
                email_settings::test_connection(cipher, extra_root, public_only, &subsidiary).await
            }
        };
        Ok(TestSmtpConnectionPayload {
            result: SmtpConnectionTest {
                success: test.success,
                message: test.message,
            },
        })
    }

    /// Sends (or schedules) one personalised message per candidate. Several
    /// candidates make a bulk send and need the BULK_EMAIL section too.
    #[graphql(guard = "Require::Section(Section::Messages)")]
    async fn send_email(
        &self,
        ctx: &Context<'_>,
        input: SendEmailInput,
    ) -> Result<SendEmailPayload, ApiError> {
        let targets = match (input.candidate_ids, input.application_ids) {
            (Some(ids), None) => Targets::Candidates(decode_up_to(
                &ids,
                Kind::Candidate,
                "candidateIds",
                MAX_RECIPIENTS,
            )?),
            (None, Some(ids)) => Targets::Applications(decode_up_to(
                &ids,
                Kind::Application,
                "applicationIds",
                MAX_RECIPIENTS,
            )?),
            _ => {
                return Err(ApiError::validation(
                    "candidateIds",
                    "give either candidateIds or applicationIds",
                ));
            }
        };
        let content = content(input.template_id.as_ref(), input.subject, input.body)?;
        let request = SendRequest {
            targets,
            content,
            cc: addresses(&input.cc, "cc")?,
            bcc: addresses(&input.bcc, "bcc")?,
            attachment_ids: decode_up_to(
                &input.attachment_ids,
                Kind::Document,
                "attachmentIds",
                MAX_ATTACHMENTS,
            )?,
            scheduled_at: input.scheduled_at,
            idempotency_key: input.idempotency_key,
            in_reply_to: input
                .in_reply_to_id
                .as_ref()
                .map(|id| decode(id, Kind::Message, "inReplyToId"))
                .transpose()?,
        };
        let now = Utc::now();
        let due_now = request.scheduled_at.is_none_or(|at| at <= now);
        let sent = send::send(db(ctx)?, ctx.actor()?, settings(ctx)?, request, now).await?;
        if due_now {
            mail(ctx)?.nudge();
        }
        Ok(match sent {
            Sent::One(message) => SendEmailPayload {
                message: Some(Message::new(*message)),
                batch: None,
            },
            Sent::Batch(batch) => SendEmailPayload {
                message: None,
                batch: Some(EmailBatch::new(batch)),
            },
        })
    }

    /// Cancels a message that has not started to leave; refused (`CONFLICT`)
    /// once it has, also while it is being delivered. `cancelMessage` says
    /// the same with counts.
    #[graphql(
        guard = "Require::Section(Section::Messages)",
        deprecation = "use cancelMessage, which also reports a message being delivered"
    )]
    async fn cancel_scheduled_message(
        &self,
        ctx: &Context<'_>,
        input: CancelScheduledMessageInput,
    ) -> Result<CancelScheduledMessagePayload, ApiError> {
        let id = decode(&input.id, Kind::Message, "id")?;
        let (row, changed) =
            waiting::change_message(db(ctx)?, ctx.actor()?, id, Change::Cancel, Utc::now()).await?;
        if changed.changed.is_empty() {
            return Err(waiting::refusal(Change::Cancel, row.status));
        }
        Ok(CancelScheduledMessagePayload {
            message: Message::new(row),
        })
    }

    /// Marks received messages read, or unread again, for everyone at the
    /// company: read state belongs to the message, as the recruiting
    /// mailbox is shared. A message already read keeps when it was first
    /// read. One the caller may not see is `NOT_FOUND`, and then none is
    /// marked.
    #[graphql(guard = "Require::Section(Section::Messages)")]
    async fn mark_messages_read(
        &self,
        ctx: &Context<'_>,
        input: MarkMessagesReadInput,
    ) -> Result<MarkMessagesReadPayload, ApiError> {
        let ids = decode_up_to(
            &input.message_ids,
            Kind::Message,
            "messageIds",
            read_state::MAX_MARKED,
        )?;
        let marked = read_state::mark(db(ctx)?, ctx.actor()?, &ids, input.read, Utc::now()).await?;
        Ok(MarkMessagesReadPayload {
            messages: Message::page(marked.messages),
            changed: marked.changed,
        })
    }

    /// Stores an uploaded file (GraphQL multipart request) as a document.
    #[graphql(guard = "Require::SignedIn")]
    async fn upload_document(
        &self,
        ctx: &Context<'_>,
        input: UploadDocumentInput,
    ) -> Result<UploadDocumentPayload, ApiError> {
        let candidate_id = input
            .candidate_id
            .map(|id| decode(&id, Kind::Candidate, "candidateId"))
            .transpose()?;
        let category_id = input
            .document_category_id
            .map(|id| decode(&id, Kind::DocumentCategory, "documentCategoryId"))
            .transpose()?;
        let (file_name, content_type, content) = read_upload(ctx, &input.file, "file")?;
        let content_type = content_type.unwrap_or_else(|| "application/octet-stream".to_owned());
        let settings = settings(ctx)?;
        let row = documents::upload(
            db(ctx)?,
            ctx.actor()?,
            &mail(ctx)?.blobs,
            settings.max_attachment_bytes,
            documents::Upload {
                file_name,
                content_type,
                content,
            },
            candidate_id,
            category_id,
        )
        .await?;
        Ok(UploadDocumentPayload {
            document: Document::one(row),
        })
    }
}
