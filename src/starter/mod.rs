//! A company that starts ready: the starter templates (acknowledgement,
//! interview invitation, rejection, request for documents) in the company's
//! language, and, for a company made by `recruitmail bootstrap`, the usual
//! document categories and recruiting roles.
//!
//! The templates' texts are data (see [`texts`]); what is made from them is
//! an ordinary template that admins change as they like. A template made
//! here remembers its [`StarterKind`], which is how a later
//! `createStarterTemplates` in another language finds it again.

mod texts;

use chrono::{DateTime, Utc};
use entity::enums::{DocumentAccess, StarterKind};
use entity::{
    company, document_category, email_template, email_template_variant, recruiting_role,
    role_document_permission,
};
use sea_orm::{
    ActiveModelTrait as _, ColumnTrait as _, ConnectionTrait, EntityTrait as _,
    IntoActiveModel as _, Iterable as _, QueryFilter as _, QueryOrder as _, Set,
};

pub use texts::{Texts, available as languages, for_language as texts};

use crate::access::Actor;
use crate::audit::{self, Change};
use crate::email_templates::{self, MAX_TRANSLATIONS, Template};
use crate::error::{ApiError, ApiResult};
use crate::templates::Compiled;

/// Whether a starter template of `kind` is interview-related: only the
/// invitation, so the acknowledgement can be a category's automatic reply,
/// which may not use interview placeholders.
pub fn interview_related(kind: StarterKind) -> bool {
    kind == StarterKind::InterviewInvitation
}

/// What [`create_starter_templates`] did, one count per kind of template.
#[derive(Debug, Default)]
pub struct StarterOutcome {
    /// Kinds the company had no starter template of: made in the language.
    pub templates_created: usize,
    /// Starter templates that gained a translation in the language.
    pub translations_added: usize,
    /// Starter templates that already had a variant in the language.
    pub already_present: usize,
    /// The company's starter templates, one per kind, in the order of
    /// [`StarterKind`].
    pub templates: Vec<Template>,
}

/// Adds the starter templates in `language` (the company's default language
/// when `None`) to the actor's company, in one transaction. Per kind:
///
/// - without a starter template of that kind (none was made, or it was
///   deleted), one is made with the language's name, subject and body; if
///   an admin's own template already has that name, the whole call is
///   refused with `CONFLICT`, since two templates cannot share a name;
/// - a starter template of that kind (found even when renamed) without a
///   variant in the language gains one as a translation;
/// - one that has a variant in the language (matched by primary subtag, so
///   `de-AT` counts for `de`) is left exactly as the admins edited it.
///
/// So calling it twice changes nothing the second time, and calling it in
/// another language makes each starter template bilingual. Variants are
/// stored under the texts' primary subtag (`de`), which candidates with any
/// regional tag (`de-CH`) are matched to.
pub async fn create_starter_templates(
    db: &impl crate::db::Writable,
    actor: &Actor,
    language: Option<&str>,
) -> ApiResult<StarterOutcome> {
    if let Some(language) = language {
        texts(language)?;
    }
    crate::db::write_transaction!(db, |txn| {
        let company = company::Entity::find_by_id(actor.company_id)
            .one(txn)
            .await?
            .ok_or(ApiError::NotFound("company"))?;
        let texts = texts(language.unwrap_or(&company.default_language))?;
        let mut outcome = add_templates(txn, company.id, &texts, Utc::now()).await?;
        let rows = email_template::Entity::find()
            .filter(email_template::Column::CompanyId.eq(company.id))
            .filter(email_template::Column::StarterKind.is_not_null())
            .order_by_asc(email_template::Column::Id)
            .all(txn)
            .await?;
        let mut templates = email_templates::complete(txn, rows).await?;
        templates.sort_by_key(|t| StarterKind::iter().position(|k| Some(k) == t.row.starter_kind));
        outcome.templates = templates;
        if outcome.templates_created + outcome.translations_added > 0 {
            let change = Change::new("starter_templates.created")
                .with("language", texts.language)
                .with("templatesCreated", outcome.templates_created)
                .with("translationsAdded", outcome.translations_added)
                .with(
                    "templateIds",
                    outcome
                        .templates
                        .iter()
                        .map(|t| t.row.id)
                        .collect::<Vec<_>>(),
                );
            audit::record(txn, company.id, Some(actor), change, Utc::now()).await?;
        }
        Ok(outcome)
    })
}

/// Adds the starter templates of `texts` to a company (see
/// [`create_starter_templates`] for the rule), in the caller's transaction.
async fn add_templates(
    db: &impl ConnectionTrait,
    company_id: i64,
    texts: &Texts,
    now: DateTime<Utc>,
) -> ApiResult<StarterOutcome> {
    let mut outcome = StarterOutcome::default();
    for kind in StarterKind::iter() {
        let text = texts.of(kind);
        let existing = email_template::Entity::find()
            .filter(email_template::Column::CompanyId.eq(company_id))
            .filter(email_template::Column::StarterKind.eq(kind))
            .one(db)
            .await?;
        let template_id = match existing {
            Some(row) => {
                let variants = email_template_variant::Entity::find()
                    .filter(email_template_variant::Column::TemplateId.eq(row.id))
                    .all(db)
                    .await?;
                let primary = |tag: &str| tag.split('-').next().unwrap_or(tag).to_ascii_lowercase();
                if variants
                    .iter()
                    .any(|v| primary(&v.language) == texts.language)
                {
                    outcome.already_present += 1;
                    continue;
                }
                if variants.len() > MAX_TRANSLATIONS {
                    return Err(ApiError::conflict(format!(
                        "the starter template “{}” already has {MAX_TRANSLATIONS} translations",
                        row.name
                    )));
                }
                check(text, row.interview_related, &row.name)?;
                let id = row.id;
                let mut touched = row.into_active_model();
                touched.updated_at = Set(now);
                touched.update(db).await?;
                outcome.translations_added += 1;
                id
            }
            None => {
                let taken = email_template::Entity::find()
                    .filter(email_template::Column::CompanyId.eq(company_id))
                    .filter(email_template::Column::Name.eq(text.name.as_str()))
                    .one(db)
                    .await?;
                if taken.is_some() {
                    return Err(ApiError::conflict(format!(
                        "a template named “{}” already exists; rename it to add the starter templates",
                        text.name
                    )));
                }
                let interview_related = interview_related(kind);
                check(text, interview_related, &text.name)?;
                let row = email_template::ActiveModel {
                    company_id: Set(company_id),
                    name: Set(text.name.clone()),
                    interview_related: Set(interview_related),
                    starter_kind: Set(Some(kind)),
                    created_at: Set(now),
                    updated_at: Set(now),
                    ..Default::default()
                }
                .insert(db)
                .await
                .map_err(|e| ApiError::from_write(e, "this starter template"))?;
                outcome.templates_created += 1;
                row.id
            }
        };
        email_template_variant::ActiveModel {
            template_id: Set(template_id),
            language: Set(texts.language.to_owned()),
            subject: Set(text.subject.clone()),
            body: Set(text.body.clone()),
            ..Default::default()
        }
        .insert(db)
        .await
        .map_err(|e| ApiError::from_write(e, "a variant in this language"))?;
    }
    Ok(outcome)
}

/// Checks a starter text as saving a template would. The texts are tested
/// to pass; a starter template whose admins made the invitation no longer
/// interview-related cannot take the invitation's text, and says so.
fn check(text: &texts::Text, interview_related: bool, template: &str) -> ApiResult<()> {
    Compiled::new(&text.subject, &text.body, interview_related).map_err(|e| {
        ApiError::conflict(format!(
            "the starter text cannot be added to the template “{template}”: {e}"
        ))
    })?;
    Ok(())
}

/// Document categories a bootstrapped company starts with. "CV" and "Cover
/// letter" are the names the application form files into; "Other" becomes
/// the category received files go to.
pub const DOCUMENT_CATEGORIES: [&str; 4] = ["CV", "Cover letter", "Certificates", "Other"];
/// The category of [`DOCUMENT_CATEGORIES`] received files are filed in.
const RECEIVED_CATEGORY: &str = "Other";

/// A role a bootstrapped company starts with.
struct StarterRole {
    name: &'static str,
    candidates: bool,
    messages: bool,
    interviews: bool,
    bulk_email: bool,
    assigned_positions_only: bool,
    /// Access to every starter document category.
    documents: Option<DocumentAccess>,
}

/// Recruiters work every candidate; hiring managers see their assigned
/// positions' candidates and interviews and read their documents;
/// interviewers schedule and send invitations for their assigned positions
/// (and so read the interview-related templates) and see nothing else.
const ROLES: [StarterRole; 3] = [
    StarterRole {
        name: "Recruiter",
        candidates: true,
        messages: true,
        interviews: true,
        bulk_email: true,
        assigned_positions_only: false,
        documents: Some(DocumentAccess::Edit),
    },
    StarterRole {
        name: "Hiring manager",
        candidates: true,
        messages: false,
        interviews: true,
        bulk_email: false,
        assigned_positions_only: true,
        documents: Some(DocumentAccess::View),
    },
    StarterRole {
        name: "Interviewer",
        candidates: false,
        messages: false,
        interviews: true,
        bulk_email: false,
        // Said outright: without CANDIDATES a role sees only the positions
        // its holder is assigned to anyway (see `access::actor`).
        assigned_positions_only: true,
        documents: None,
    },
];

/// Furnishes a new company, in the transaction that made it: the document
/// categories ("Other" as the received-document category), the starter
/// roles, and the starter templates in `texts`' language.
pub async fn furnish(
    db: &impl ConnectionTrait,
    company: company::Model,
    texts: &Texts,
    now: DateTime<Utc>,
) -> ApiResult<company::Model> {
    let mut categories = Vec::with_capacity(DOCUMENT_CATEGORIES.len());
    for name in DOCUMENT_CATEGORIES {
        let category = document_category::ActiveModel {
            company_id: Set(company.id),
            name: Set(name.to_owned()),
            created_at: Set(now),
            ..Default::default()
        }
        .insert(db)
        .await?;
        categories.push(category);
    }
    for spec in &ROLES {
        let role = recruiting_role::ActiveModel {
            company_id: Set(company.id),
            name: Set(spec.name.to_owned()),
            is_admin: Set(false),
            candidates_access: Set(spec.candidates),
            messages_access: Set(spec.messages),
            interviews_access: Set(spec.interviews),
            bulk_email_access: Set(spec.bulk_email),
            assigned_positions_only: Set(spec.assigned_positions_only),
            created_at: Set(now),
            ..Default::default()
        }
        .insert(db)
        .await?;
        for (category, access) in categories.iter().zip(std::iter::repeat(spec.documents)) {
            let Some(access) = access else { break };
            role_document_permission::ActiveModel {
                role_id: Set(role.id),
                document_category_id: Set(category.id),
                access: Set(access),
            }
            .insert(db)
            .await?;
        }
    }
    add_templates(db, company.id, texts, now).await?;
    let received = categories
        .iter()
        .find(|c| c.name == RECEIVED_CATEGORY)
        .map(|c| c.id);
    let mut row = company.into_active_model();
    row.received_document_category_id = Set(received);
    Ok(row.update(db).await?)
}
