use async_graphql::{Context, ID, InputObject, MaybeUndefined, Object, SimpleObject};
use entity::enums::PositionStatus as StoredPositionStatus;

use crate::access::{ContextExt as _, Require};
use crate::companies::{self, CompanyChange};
use crate::domain::{EmailAddress, Name};
use crate::error::ApiError;
use crate::graphql::ids::{Kind, decode, decode_all};
use crate::graphql::input::{change, optional, parse};
use crate::graphql::state::{db, rights_changed};
use crate::graphql::types::{
    Category, Company, DocumentCategory, Position, PositionStatus, Subsidiary,
};
use crate::interviews::parse_time_zone;
use crate::organisation::{self, SubsidiaryChange};
use crate::positions::{self, NewPosition, PositionChange};

#[derive(Default)]
pub struct OrganisationMutation;

/// What to change about the company; what is left out stays as it is.
#[derive(InputObject)]
struct UpdateCompanyInput {
    /// The company's name. Its slug and inbound address stay as they are.
    name: Option<String>,
    /// BCP 47 tag of a language recruitmail writes in (`en`, `de`, `fr`,
    /// `es`, `it`, `nl`, or a regional form such as `fr-CA`): what
    /// candidates without a preferred language are written to in.
    default_language: Option<String>,
    /// IANA time zone (e.g. `Europe/Paris`) of the company's defaults, such
    /// as its working hours while it set none of its own.
    default_time_zone: Option<String>,
}

#[derive(SimpleObject)]
struct UpdateCompanyPayload {
    company: Company,
}

#[derive(InputObject)]
struct CreateSubsidiaryInput {
    name: String,
    /// The subsidiary's own recruiting address (sender of its positions' mail).
    email_address: Option<String>,
    email_display_name: Option<String>,
}

#[derive(InputObject)]
struct UpdateSubsidiaryInput {
    id: ID,
    name: Option<String>,
    /// `null` removes the address.
    email_address: MaybeUndefined<String>,
    email_display_name: MaybeUndefined<String>,
}

#[derive(SimpleObject)]
struct SubsidiaryPayload {
    subsidiary: Subsidiary,
}

#[derive(InputObject)]
struct CreateCategoryInput {
    name: String,
}

#[derive(InputObject)]
struct UpdateCategoryInput {
    id: ID,
    name: String,
}

#[derive(SimpleObject)]
struct CategoryPayload {
    category: Category,
}

#[derive(InputObject)]
struct CreateDocumentCategoryInput {
    name: String,
}

#[derive(SimpleObject)]
struct CreateDocumentCategoryPayload {
    document_category: DocumentCategory,
}

#[derive(InputObject)]
struct CreatePositionInput {
    name: String,
    subsidiary_id: ID,
    category_id: ID,
    /// `OPEN` unless given.
    status: Option<PositionStatus>,
    /// Users who may see this position's applications when their roles are
    /// limited to assigned positions.
    #[graphql(default)]
    hiring_manager_ids: Vec<ID>,
}

#[derive(InputObject)]
struct UpdatePositionInput {
    id: ID,
    name: Option<String>,
    subsidiary_id: Option<ID>,
    category_id: Option<ID>,
    status: Option<PositionStatus>,
    /// Replaces the list when given.
    hiring_manager_ids: Option<Vec<ID>>,
}

#[derive(SimpleObject)]
struct PositionPayload {
    position: Position,
}

/// Names the object to delete.
#[derive(InputObject)]
struct DeleteInput {
    id: ID,
}

/// The ID of the deleted object.
#[derive(SimpleObject)]
struct DeletePayload {
    deleted_id: ID,
}

fn subsidiary_change(
    email_address: &MaybeUndefined<String>,
    email_display_name: &MaybeUndefined<String>,
) -> Result<SubsidiaryChange, ApiError> {
    Ok(SubsidiaryChange {
        name: None,
        email_address: change(email_address, "emailAddress", EmailAddress::parse)?,
        email_display_name: change(email_display_name, "emailDisplayName", Name::parse)?,
    })
}

fn to_maybe(value: Option<String>) -> MaybeUndefined<String> {
    value.map_or(MaybeUndefined::Undefined, MaybeUndefined::Value)
}

#[Object]
impl OrganisationMutation {
    /// Renames the company or changes its default language and time zone.
    /// Recruiting admins only.
    #[graphql(guard = "Require::Admin")]
    async fn update_company(
        &self,
        ctx: &Context<'_>,
        input: UpdateCompanyInput,
    ) -> Result<UpdateCompanyPayload, ApiError> {
        let change = CompanyChange {
            name: optional(input.name.as_deref(), "name", Name::parse)?,
            default_language: optional(
                input.default_language.as_deref(),
                "defaultLanguage",
                companies::default_language,
            )?,
            default_time_zone: optional(
                input.default_time_zone.as_deref(),
                "defaultTimeZone",
                parse_time_zone,
            )?,
        };
        let row = companies::update(db(ctx)?, ctx.actor()?, change).await?;
        Ok(UpdateCompanyPayload {
            company: Company(row),
        })
    }

    /// Adds a subsidiary (legal entity). Recruiting admins only.
    #[graphql(guard = "Require::Admin")]
    async fn create_subsidiary(
        &self,
        ctx: &Context<'_>,
        input: CreateSubsidiaryInput,
    ) -> Result<SubsidiaryPayload, ApiError> {
        let name = parse(&input.name, "name", Name::parse)?;
        let details = subsidiary_change(
            &to_maybe(input.email_address),
            &to_maybe(input.email_display_name),
        )?;
        let row = organisation::create_subsidiary(db(ctx)?, ctx.actor()?, name, details).await?;
        Ok(SubsidiaryPayload {
            subsidiary: Subsidiary(row),
        })
    }

    /// Renames a subsidiary or changes its sender identity. Recruiting admins only.
    #[graphql(guard = "Require::Admin")]
    async fn update_subsidiary(
        &self,
        ctx: &Context<'_>,
        input: UpdateSubsidiaryInput,
    ) -> Result<SubsidiaryPayload, ApiError> {
        let id = decode(&input.id, Kind::Subsidiary, "id")?;
        let mut details = subsidiary_change(&input.email_address, &input.email_display_name)?;
        details.name = optional(input.name.as_deref(), "name", Name::parse)?;
        let row = organisation::update_subsidiary(db(ctx)?, ctx.actor()?, id, details).await?;
        Ok(SubsidiaryPayload {
            subsidiary: Subsidiary(row),
        })
    }

    /// Adds a recruiting category. Recruiting admins only.
    #[graphql(guard = "Require::Admin")]
    async fn create_category(
        &self,
        ctx: &Context<'_>,
        input: CreateCategoryInput,
    ) -> Result<CategoryPayload, ApiError> {
        let name = parse(&input.name, "name", Name::parse)?;
        let row = organisation::create_category(db(ctx)?, ctx.actor()?, name).await?;
        Ok(CategoryPayload {
            category: Category(row),
        })
    }

    /// Renames a recruiting category. Recruiting admins only.
    #[graphql(guard = "Require::Admin")]
    async fn update_category(
        &self,
        ctx: &Context<'_>,
        input: UpdateCategoryInput,
    ) -> Result<CategoryPayload, ApiError> {
        let id = decode(&input.id, Kind::Category, "id")?;
        let name = parse(&input.name, "name", Name::parse)?;
        let row = organisation::rename_category(db(ctx)?, ctx.actor()?, id, name).await?;
        Ok(CategoryPayload {
            category: Category(row),
        })
    }

    /// Adds a kind of candidate document. Recruiting admins only.
    #[graphql(guard = "Require::Admin")]
    async fn create_document_category(
        &self,
        ctx: &Context<'_>,
        input: CreateDocumentCategoryInput,
    ) -> Result<CreateDocumentCategoryPayload, ApiError> {
        let name = parse(&input.name, "name", Name::parse)?;
        let row = organisation::create_document_category(db(ctx)?, ctx.actor()?, name).await?;
        Ok(CreateDocumentCategoryPayload {
            document_category: DocumentCategory(row),
        })
    }

    /// Opens a position in a subsidiary and category. Recruiting admins only.
    #[graphql(guard = "Require::Admin")]
    async fn create_position(
        &self,
        ctx: &Context<'_>,
        input: CreatePositionInput,
    ) -> Result<PositionPayload, ApiError> {
        let new = NewPosition {
            name: parse(&input.name, "name", Name::parse)?,
            subsidiary_id: decode(&input.subsidiary_id, Kind::Subsidiary, "subsidiaryId")?,
            category_id: decode(&input.category_id, Kind::Category, "categoryId")?,
            status: input.status.map_or(StoredPositionStatus::Open, Into::into),
            hiring_manager_ids: decode_all(
                &input.hiring_manager_ids,
                Kind::User,
                "hiringManagerIds",
            )?,
        };
        let row = positions::create(db(ctx)?, ctx.actor()?, new).await?;
        rights_changed(ctx);
        Ok(PositionPayload {
            position: Position::one(row),
        })
    }

    /// Changes a position; `hiringManagerIds` replaces the list. Recruiting admins only.
    #[graphql(guard = "Require::Admin")]
    async fn update_position(
        &self,
        ctx: &Context<'_>,
        input: UpdatePositionInput,
    ) -> Result<PositionPayload, ApiError> {
        let id = decode(&input.id, Kind::Position, "id")?;
        let change = PositionChange {
            name: optional(input.name.as_deref(), "name", Name::parse)?,
            subsidiary_id: input
                .subsidiary_id
                .map(|v| decode(&v, Kind::Subsidiary, "subsidiaryId"))
                .transpose()?,
            category_id: input
                .category_id
                .map(|v| decode(&v, Kind::Category, "categoryId"))
                .transpose()?,
            status: input.status.map(Into::into),
            hiring_manager_ids: input
                .hiring_manager_ids
                .map(|ids| decode_all(&ids, Kind::User, "hiringManagerIds"))
                .transpose()?,
        };
        let row = positions::update(db(ctx)?, ctx.actor()?, id, change).await?;
        rights_changed(ctx);
        Ok(PositionPayload {
            position: Position::one(row),
        })
    }

    /// Deletes a subsidiary no position belongs to. Recruiting admins only.
    #[graphql(guard = "Require::Admin")]
    async fn delete_subsidiary(
        &self,
        ctx: &Context<'_>,
        input: DeleteInput,
    ) -> Result<DeletePayload, ApiError> {
        let id = decode(&input.id, Kind::Subsidiary, "id")?;
        organisation::delete_subsidiary(db(ctx)?, ctx.actor()?, id).await?;
        Ok(DeletePayload {
            deleted_id: input.id,
        })
    }

    /// Deletes a category no position belongs to. Recruiting admins only.
    #[graphql(guard = "Require::Admin")]
    async fn delete_category(
        &self,
        ctx: &Context<'_>,
        input: DeleteInput,
    ) -> Result<DeletePayload, ApiError> {
        let id = decode(&input.id, Kind::Category, "id")?;
        organisation::delete_category(db(ctx)?, ctx.actor()?, id).await?;
        Ok(DeletePayload {
            deleted_id: input.id,
        })
    }

    /// Deletes a position that has no applications (close it otherwise).
    /// Recruiting admins only.
    #[graphql(guard = "Require::Admin")]
    async fn delete_position(
        &self,
        ctx: &Context<'_>,
        input: DeleteInput,
    ) -> Result<DeletePayload, ApiError> {
        let id = decode(&input.id, Kind::Position, "id")?;
        positions::delete(db(ctx)?, ctx.actor()?, id).await?;
        rights_changed(ctx);
        Ok(DeletePayload {
            deleted_id: input.id,
        })
    }
}
