//! Stored email templates: a name, language variants of subject and body, and
//! documents attached to every message sent from it. Recruiting admins change
//! them; every variant is checked by the template language before anything is
//! written.

mod preview;
mod values;

pub use preview::{Preview, PreviewRequest, preview};
pub use values::{Addressees, MessageContext, load_context, load_contexts, sender_signature};

use std::collections::{HashMap, HashSet};

use chrono::Utc;
use entity::enums::MessageStatus;
use entity::{
    company, document, email_template, email_template_document, email_template_variant, message,
    recruiting_category,
};
use sea_orm::{
    ActiveModelTrait as _, ColumnTrait as _, ConnectionTrait, EntityTrait as _,
    IntoActiveModel as _, PaginatorTrait as _, QueryFilter as _, QueryOrder as _, QuerySelect as _,
    Select, Set,
};

use crate::access::Actor;
use crate::audit::{self, Change};
use crate::domain::{LanguageTag, Name};
use crate::error::{ApiError, ApiResult};
use crate::templates::{Compiled, RenderError, TemplateError, choose_variant};

/// Most translations one template may have besides its main language.
pub const MAX_TRANSLATIONS: usize = 30;
/// Most documents attached to one template.
pub const MAX_DOCUMENTS: usize = 20;

/// A template with its variants (the main language first) and documents.
#[derive(Clone, Debug)]
pub struct Template {
    pub row: email_template::Model,
    pub variants: Vec<email_template_variant::Model>,
    pub documents: Vec<document::Model>,
}

impl Template {
    /// The variant written in the template's main language.
    pub fn main(&self) -> Option<&email_template_variant::Model> {
        self.variants.first()
    }

    /// The variants in other languages.
    pub fn translations(&self) -> &[email_template_variant::Model] {
        self.variants.get(1..).unwrap_or_default()
    }
}

/// What a message says: a stored template, or a free subject and HTML body
/// (which may use every placeholder).
#[derive(Debug)]
pub enum Content {
    Template(i64),
    Free { subject: String, body: String },
}

impl Content {
    /// Compiles free content; stored templates compile per variant.
    pub fn compile_free(subject: &str, body: &str) -> ApiResult<Compiled> {
        Compiled::new(subject, body, true).map_err(|e| ApiError::template("", e))
    }
}

impl Template {
    /// The variant for a message's context (see [`crate::templates::choose_variant`]).
    pub fn variant_for(
        &self,
        context: &MessageContext,
    ) -> ApiResult<&email_template_variant::Model> {
        choose_variant(
            &self.variants,
            |v| v.language.as_str(),
            context.candidate.preferred_language.as_deref(),
            &context.company.default_language,
        )
        .ok_or(ApiError::NotFound("email template variant"))
    }

    /// Compiles one of the template's variants. A stored template that no
    /// longer compiles (the rules changed since it was saved) is reported on
    /// the input that named it.
    pub fn compile(&self, variant: &email_template_variant::Model) -> ApiResult<Compiled> {
        Compiled::new(&variant.subject, &variant.body, self.row.interview_related).map_err(|e| {
            ApiError::validation(
                "templateId",
                format!(
                    "the stored template “{}” must be corrected before use: {e}",
                    self.row.name
                ),
            )
        })
    }
}

/// A failed render as the API reports it.
pub fn render_error(e: RenderError) -> ApiError {
    match e {
        RenderError::TooLarge(_) => ApiError::PayloadTooLarge(e.to_string()),
        RenderError::Engine(_) => ApiError::Internal(e.into()),
    }
}

/// A subject and body in one language, as entered.
#[derive(Clone, Debug)]
pub struct VariantDraft {
    pub language: LanguageTag,
    pub subject: String,
    pub body: String,
}

/// A new template, as entered.
#[derive(Debug)]
pub struct NewTemplate {
    pub name: Name,
    pub interview_related: bool,
    /// `None`: the company's default language.
    pub language: Option<LanguageTag>,
    pub subject: String,
    pub body: String,
    pub translations: Vec<VariantDraft>,
    pub document_ids: Vec<i64>,
}

/// A change to a template; `None` leaves a part as it is. `translations` and
/// `document_ids` replace the whole list when given.
#[derive(Debug, Default)]
pub struct TemplateChange {
    pub name: Option<Name>,
    pub interview_related: Option<bool>,
    pub language: Option<LanguageTag>,
    pub subject: Option<String>,
    pub body: Option<String>,
    pub translations: Option<Vec<VariantDraft>>,
    pub document_ids: Option<Vec<i64>>,
}

/// The templates `actor` may list, read, preview and send from: the
/// company's, narrowed by the actor's [`crate::access::TemplateScope`]
/// (README, "Access rights"). The template queries, `node`, previews,
/// `sendEmail` and invitations all read templates through here, so none of
/// them shows or sends a template another one refuses.
pub fn visible(actor: &Actor) -> Select<email_template::Entity> {
    of_company(actor.company_id).filter(
        actor
            .templates
            .covers(email_template::Column::InterviewRelated),
    )
}

/// Every template of one company, whoever asks: only for re-rendering a
/// message whose template was chosen earlier by someone who could read it.
pub fn of_company(company_id: i64) -> Select<email_template::Entity> {
    email_template::Entity::find().filter(email_template::Column::CompanyId.eq(company_id))
}

pub async fn find(db: &impl ConnectionTrait, actor: &Actor, id: i64) -> ApiResult<Template> {
    let row = find_row(db, actor, id, false).await?;
    let mut found = complete(db, vec![row]).await?;
    found.pop().ok_or(ApiError::NotFound("email template"))
}

/// The template row; with `locked`, held against concurrent changes until
/// the transaction ends (PostgreSQL; SQLite transactions write one at a time).
async fn find_row(
    db: &impl ConnectionTrait,
    actor: &Actor,
    id: i64,
    locked: bool,
) -> ApiResult<email_template::Model> {
    let query = visible(actor).filter(email_template::Column::Id.eq(id));
    let query = if locked {
        query.lock_exclusive()
    } else {
        query
    };
    query
        .one(db)
        .await?
        .ok_or(ApiError::NotFound("email template"))
}

/// Loads the variants and documents of `rows` in a few statements, keeping
/// their order.
pub async fn complete(
    db: &impl ConnectionTrait,
    rows: Vec<email_template::Model>,
) -> ApiResult<Vec<Template>> {
    let ids: Vec<i64> = rows.iter().map(|r| r.id).collect();
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let mut variants: HashMap<i64, Vec<email_template_variant::Model>> = HashMap::new();
    for variant in email_template_variant::Entity::find()
        .filter(email_template_variant::Column::TemplateId.is_in(ids.clone()))
        .order_by_asc(email_template_variant::Column::Id)
        .all(db)
        .await?
    {
        variants
            .entry(variant.template_id)
            .or_default()
            .push(variant);
    }
    let links = email_template_document::Entity::find()
        .filter(email_template_document::Column::TemplateId.is_in(ids))
        .order_by_asc(email_template_document::Column::DocumentId)
        .all(db)
        .await?;
    let by_id: HashMap<i64, document::Model> = if links.is_empty() {
        HashMap::new()
    } else {
        document::Entity::find()
            .filter(document::Column::Id.is_in(links.iter().map(|l| l.document_id)))
            .all(db)
            .await?
            .into_iter()
            .map(|d| (d.id, d))
            .collect()
    };
    let mut documents: HashMap<i64, Vec<document::Model>> = HashMap::new();
    for link in links {
        if let Some(doc) = by_id.get(&link.document_id) {
            documents
                .entry(link.template_id)
                .or_default()
                .push(doc.clone());
        }
    }
    Ok(rows
        .into_iter()
        .map(|row| Template {
            variants: variants.remove(&row.id).unwrap_or_default(),
            documents: documents.remove(&row.id).unwrap_or_default(),
            row,
        })
        .collect())
}

/// Saves a new template. Its documents travel with every message sent from
/// it, so together they must fit in one message: at most
/// `max_attachment_bytes` (`PAYLOAD_TOO_LARGE`, as for uploads and sends).
pub async fn create(
    db: &impl crate::db::Writable,
    actor: &Actor,
    new: NewTemplate,
    max_attachment_bytes: usize,
) -> ApiResult<Template> {
    crate::db::write_transaction!(db, |txn| {
        let language = match new.language.clone() {
            Some(language) => language,
            None => {
                let company = company::Entity::find_by_id(actor.company_id)
                    .one(txn)
                    .await?
                    .ok_or(ApiError::NotFound("company"))?;
                stored_language(&company.default_language)?
            }
        };
        let main = VariantDraft {
            language,
            subject: new.subject.clone(),
            body: new.body.clone(),
        };
        check_variants(new.interview_related, &main, &new.translations)?;
        check_document_count(&new.document_ids)?;

        let now = Utc::now();
        let row = email_template::ActiveModel {
            company_id: Set(actor.company_id),
            name: Set(new.name.as_str().to_owned()),
            interview_related: Set(new.interview_related),
            created_at: Set(now),
            updated_at: Set(now),
            ..Default::default()
        }
        .insert(txn)
        .await
        .map_err(|e| ApiError::from_write(e, "a template with this name"))?;
        insert_variant(txn, row.id, &main).await?;
        for translation in &new.translations {
            insert_variant(txn, row.id, translation).await?;
        }
        link_documents(txn, actor, row.id, &new.document_ids, max_attachment_bytes).await?;
        let template = find(txn, actor, row.id).await?;
        let change = Change::new("email_template.created")
            .on("EmailTemplate", template.row.id)
            .with("after", audited(&template));
        audit::record(txn, actor.company_id, Some(actor), change, now).await?;
        Ok(template)
    })
}

/// A template as the audit trail records it: its wording per language and
/// the documents it attaches, by ID.
fn audited(template: &Template) -> serde_json::Value {
    serde_json::json!({
        "name": template.row.name,
        "interviewRelated": template.row.interview_related,
        "variants": template
            .variants
            .iter()
            .map(|v| serde_json::json!({ "language": v.language, "subject": v.subject, "body": v.body }))
            .collect::<Vec<_>>(),
        "documentIds": template.documents.iter().map(|d| d.id).collect::<Vec<_>>(),
    })
}

/// Changes a template; new `document_ids` are held to the attachment limit
/// as in [`create`].
pub async fn update(
    db: &impl crate::db::Writable,
    actor: &Actor,
    id: i64,
    change: TemplateChange,
    max_attachment_bytes: usize,
) -> ApiResult<Template> {
    crate::db::write_transaction!(db, |txn| {
        // Locked until commit: two admins editing at once apply one after the other.
        let row = find_row(txn, actor, id, true).await?;
        let current = complete(txn, vec![row])
            .await?
            .pop()
            .ok_or(ApiError::NotFound("email template"))?;
        let Some(main) = current.main() else {
            return Err(anyhow::anyhow!("template {id} has no variant").into());
        };
        let interview_related = change
            .interview_related
            .unwrap_or(current.row.interview_related);
        let new_main = VariantDraft {
            language: match &change.language {
                Some(language) => language.clone(),
                None => stored_language(&main.language)?,
            },
            subject: change
                .subject
                .clone()
                .unwrap_or_else(|| main.subject.clone()),
            body: change.body.clone().unwrap_or_else(|| main.body.clone()),
        };
        let replace_translations = change.translations.is_some();
        let translations = match change.translations.clone() {
            Some(translations) => translations,
            None => {
                let kept = current
                    .translations()
                    .iter()
                    .map(|v| {
                        Ok(VariantDraft {
                            language: stored_language(&v.language)?,
                            subject: v.subject.clone(),
                            body: v.body.clone(),
                        })
                    })
                    .collect::<ApiResult<Vec<_>>>()?;
                if kept.iter().any(|t| t.language == new_main.language) {
                    return Err(ApiError::validation(
                        "language",
                        format!(
                            "language: the template already has a translation in `{}`; \
                             send the translations without it",
                            new_main.language.as_str()
                        ),
                    ));
                }
                kept
            }
        };
        check_variants(interview_related, &new_main, &translations)?;
        if let Some(ids) = &change.document_ids {
            check_document_count(ids)?;
        }

        let mut row = current.row.clone().into_active_model();
        if let Some(name) = &change.name {
            row.name = Set(name.as_str().to_owned());
        }
        row.interview_related = Set(interview_related);
        row.updated_at = Set(Utc::now());
        row.update(txn)
            .await
            .map_err(|e| ApiError::from_write(e, "a template with this name"))?;

        if replace_translations {
            // Translations go first, so the main variant can take a language one
            // of them had.
            email_template_variant::Entity::delete_many()
                .filter(email_template_variant::Column::TemplateId.eq(id))
                .filter(email_template_variant::Column::Id.ne(main.id))
                .exec(txn)
                .await?;
        }
        // The main variant keeps its row, and so stays first.
        let mut main_row = main.clone().into_active_model();
        main_row.language = Set(new_main.language.as_str().to_owned());
        main_row.subject = Set(new_main.subject);
        main_row.body = Set(new_main.body);
        main_row.update(txn).await?;
        if replace_translations {
            for translation in &translations {
                insert_variant(txn, id, translation).await?;
            }
        }
        if let Some(document_ids) = &change.document_ids {
            email_template_document::Entity::delete_many()
                .filter(email_template_document::Column::TemplateId.eq(id))
                .exec(txn)
                .await?;
            link_documents(txn, actor, id, document_ids, max_attachment_bytes).await?;
        }
        let template = find(txn, actor, id).await?;
        audit::setting_changed(
            txn,
            actor,
            "email_template.updated",
            ("EmailTemplate", id),
            audited(&current),
            audited(&template),
        )
        .await?;
        Ok(template)
    })
}

/// A language tag read back from storage, where only valid ones are written.
fn stored_language(tag: &str) -> ApiResult<LanguageTag> {
    Ok(LanguageTag::parse(tag).map_err(anyhow::Error::msg)?)
}

/// Deletes a template that nothing pending depends on. Sent messages keep
/// their text; they only lose the link to the template.
pub async fn delete(db: &impl crate::db::Writable, actor: &Actor, id: i64) -> ApiResult<()> {
    crate::db::write_transaction!(db, |txn| {
        let row = find_row(txn, actor, id, true).await?;
        let categories: Vec<String> = recruiting_category::Entity::find()
            .filter(recruiting_category::Column::CompanyId.eq(actor.company_id))
            .filter(recruiting_category::Column::AutoReplyTemplateId.eq(id))
            .order_by_asc(recruiting_category::Column::Name)
            .all(txn)
            .await?
            .into_iter()
            .map(|c| format!("“{}”", c.name))
            .collect();
        let scheduled = message::Entity::find()
            .filter(message::Column::TemplateId.eq(id))
            .filter(message::Column::Status.eq(MessageStatus::Scheduled))
            .count(txn)
            .await?;
        let mut uses = Vec::new();
        if !categories.is_empty() {
            uses.push(format!(
                "it is the automatic reply of the {} {}",
                if categories.len() == 1 {
                    "category"
                } else {
                    "categories"
                },
                categories.join(", ")
            ));
        }
        if scheduled > 0 {
            uses.push(format!(
                "{scheduled} scheduled {} {} it",
                if scheduled == 1 {
                    "message"
                } else {
                    "messages"
                },
                if scheduled == 1 { "uses" } else { "use" }
            ));
        }
        if !uses.is_empty() {
            return Err(ApiError::conflict(format!(
                "the template “{}” cannot be deleted: {}",
                row.name,
                uses.join("; ")
            )));
        }
        email_template::Entity::delete_by_id(id)
            .exec(txn)
            .await
            .map_err(|e| ApiError::from_write(e, "the template"))?;
        let change = Change::new("email_template.deleted")
            .on("EmailTemplate", id)
            .with("name", row.name.clone());
        audit::record(txn, actor.company_id, Some(actor), change, Utc::now()).await?;
        Ok(())
    })
}

/// Compiles every variant, so that nothing is saved unless all of them render.
fn check_variants(
    interview_related: bool,
    main: &VariantDraft,
    translations: &[VariantDraft],
) -> ApiResult<()> {
    if translations.len() > MAX_TRANSLATIONS {
        return Err(ApiError::validation(
            "translations",
            format!("a template may have at most {MAX_TRANSLATIONS} translations"),
        ));
    }
    let mut languages = HashSet::from([main.language.as_str()]);
    for (i, translation) in translations.iter().enumerate() {
        if !languages.insert(translation.language.as_str()) {
            return Err(ApiError::validation(
                format!("translations.{i}.language"),
                format!(
                    "translations.{i}.language: the template already has a `{}` variant",
                    translation.language.as_str()
                ),
            ));
        }
    }
    let located = |prefix: String| move |e: TemplateError| ApiError::template(prefix, e);
    Compiled::new(&main.subject, &main.body, interview_related).map_err(located(String::new()))?;
    for (i, translation) in translations.iter().enumerate() {
        Compiled::new(&translation.subject, &translation.body, interview_related)
            .map_err(located(format!("translations.{i}.")))?;
    }
    Ok(())
}

fn check_document_count(ids: &[i64]) -> ApiResult<()> {
    if ids.len() > MAX_DOCUMENTS {
        return Err(ApiError::validation(
            "documentIds",
            format!("a template may have at most {MAX_DOCUMENTS} documents"),
        ));
    }
    let distinct: HashSet<_> = ids.iter().collect();
    if distinct.len() < ids.len() {
        return Err(ApiError::validation(
            "documentIds",
            "documentIds: a document is listed twice",
        ));
    }
    Ok(())
}

async fn insert_variant(
    db: &impl ConnectionTrait,
    template_id: i64,
    variant: &VariantDraft,
) -> ApiResult<()> {
    email_template_variant::ActiveModel {
        template_id: Set(template_id),
        language: Set(variant.language.as_str().to_owned()),
        subject: Set(variant.subject.clone()),
        body: Set(variant.body.clone()),
        ..Default::default()
    }
    .insert(db)
    .await
    .map_err(|e| ApiError::from_write(e, "a variant in this language"))?;
    Ok(())
}

/// Attaches documents of the company that belong to no candidate: a
/// candidate's own documents must not travel to other candidates. Together
/// they must fit in one message's `max_attachment_bytes`.
async fn link_documents(
    db: &impl ConnectionTrait,
    actor: &Actor,
    template_id: i64,
    ids: &[i64],
    max_attachment_bytes: usize,
) -> ApiResult<()> {
    let mut total: i64 = 0;
    for (i, id) in ids.iter().enumerate() {
        let found = document::Entity::find_by_id(*id)
            .filter(document::Column::CompanyId.eq(actor.company_id))
            .one(db)
            .await?;
        match found {
            Some(doc) if doc.candidate_id.is_none() => total += doc.size_bytes,
            Some(_) => {
                return Err(ApiError::validation(
                    format!("documentIds.{i}"),
                    format!(
                        "documentIds.{i}: a candidate's document cannot be attached to a template"
                    ),
                ));
            }
            None => return Err(ApiError::NotFound("document")),
        }
        email_template_document::ActiveModel {
            template_id: Set(template_id),
            document_id: Set(*id),
        }
        .insert(db)
        .await
        .map_err(|e| ApiError::from_write(e, "this document on the template"))?;
    }
    check_document_size(total, max_attachment_bytes)
}

/// Refuses documents totalling `total` bytes when a message may not carry
/// them; a template's documents go with every message sent from it.
pub fn check_document_size(total: i64, max_attachment_bytes: usize) -> ApiResult<()> {
    if total > i64::try_from(max_attachment_bytes).unwrap_or(i64::MAX) {
        return Err(ApiError::PayloadTooLarge(format!(
            "the template's documents total {total} bytes; a message may carry at most \
             {max_attachment_bytes} bytes"
        )));
    }
    Ok(())
}
