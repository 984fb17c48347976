use async_graphql::{Context, ID, InputObject, MaybeUndefined, Object, SimpleObject};
use entity::enums::{ApplicationStatus as StoredStatus, Gender as StoredGender};

use crate::access::{ContextExt as _, Require, Section};
use crate::applications;
use crate::candidates::{self, CandidateChange, NewCandidate, Phone};
use crate::domain::{EmailAddress, LanguageTag, Name};
use crate::error::ApiError;
use crate::graphql::ids::{Kind, decode};
use crate::graphql::input::{change, optional, parse};
use crate::graphql::state::db;
use crate::graphql::types::{Application, ApplicationStatus, Candidate, Gender};

#[derive(Default)]
pub struct RecruitingMutation;

#[derive(InputObject)]
struct CreateCandidateInput {
    first_name: String,
    last_name: String,
    /// Unique within the company.
    email: String,
    /// `UNKNOWN` unless given.
    gender: Option<Gender>,
    /// BCP 47 tag such as `de` or `en-GB`.
    preferred_language: Option<String>,
    phone: Option<String>,
}

#[derive(InputObject)]
struct UpdateCandidateInput {
    id: ID,
    first_name: Option<String>,
    last_name: Option<String>,
    email: Option<String>,
    gender: Option<Gender>,
    /// `null` clears it.
    preferred_language: MaybeUndefined<String>,
    /// `null` clears it.
    phone: MaybeUndefined<String>,
}

#[derive(SimpleObject)]
struct CandidatePayload {
    candidate: Candidate,
}

#[derive(InputObject)]
struct DeleteCandidateInput {
    id: ID,
}

#[derive(SimpleObject)]
struct DeleteCandidatePayload {
    deleted_candidate_id: ID,
}

#[derive(InputObject)]
struct CreateApplicationInput {
    candidate_id: ID,
    position_id: ID,
    /// `NEW` unless given.
    status: Option<ApplicationStatus>,
}

#[derive(InputObject)]
struct UpdateApplicationStatusInput {
    id: ID,
    status: ApplicationStatus,
}

#[derive(SimpleObject)]
struct ApplicationPayload {
    application: Application,
}

#[Object]
impl RecruitingMutation {
    /// Adds a candidate by hand.
    #[graphql(guard = "Require::Section(Section::Candidates)")]
    async fn create_candidate(
        &self,
        ctx: &Context<'_>,
        input: CreateCandidateInput,
    ) -> Result<CandidatePayload, ApiError> {
        let new = NewCandidate {
            first_name: parse(&input.first_name, "firstName", Name::parse)?,
            last_name: parse(&input.last_name, "lastName", Name::parse)?,
            email: parse(&input.email, "email", EmailAddress::parse)?,
            gender: input.gender.map_or(StoredGender::Unknown, Into::into),
            preferred_language: optional(
                input.preferred_language.as_deref(),
                "preferredLanguage",
                LanguageTag::parse,
            )?,
            phone: optional(input.phone.as_deref(), "phone", Phone::parse)?,
        };
        let row = candidates::create(db(ctx)?, ctx.actor()?, new).await?;
        Ok(CandidatePayload {
            candidate: Candidate::one(row),
        })
    }

    /// Changes the given fields of a candidate the caller may see.
    #[graphql(guard = "Require::Section(Section::Candidates)")]
    async fn update_candidate(
        &self,
        ctx: &Context<'_>,
        input: UpdateCandidateInput,
    ) -> Result<CandidatePayload, ApiError> {
        let id = decode(&input.id, Kind::Candidate, "id")?;
        let change = CandidateChange {
            first_name: optional(input.first_name.as_deref(), "firstName", Name::parse)?,
            last_name: optional(input.last_name.as_deref(), "lastName", Name::parse)?,
            email: optional(input.email.as_deref(), "email", EmailAddress::parse)?,
            gender: input.gender.map(Into::into),
            preferred_language: change(
                &input.preferred_language,
                "preferredLanguage",
                LanguageTag::parse,
            )?,
            phone: change(&input.phone, "phone", Phone::parse)?,
        };
        let row = candidates::update(db(ctx)?, ctx.actor()?, id, change).await?;
        Ok(CandidatePayload {
            candidate: Candidate::one(row),
        })
    }

    /// Erases a candidate with their applications, documents and messages:
    /// `eraseCandidate` with mode `DELETE`, without adding the address to
    /// the do-not-contact list. Recruiting admins only.
    #[graphql(guard = "Require::Admin")]
    async fn delete_candidate(
        &self,
        ctx: &Context<'_>,
        input: DeleteCandidateInput,
    ) -> Result<DeleteCandidatePayload, ApiError> {
        let id = decode(&input.id, Kind::Candidate, "id")?;
        super::erasure::erase(ctx, id, crate::erasure::Mode::Delete, false).await?;
        Ok(DeleteCandidatePayload {
            deleted_candidate_id: input.id,
        })
    }

    /// Files a candidate's application to a position (source `MANUAL`: no
    /// automatic reply). One application per candidate and position.
    #[graphql(guard = "Require::Section(Section::Candidates)")]
    async fn create_application(
        &self,
        ctx: &Context<'_>,
        input: CreateApplicationInput,
    ) -> Result<ApplicationPayload, ApiError> {
        let candidate_id = decode(&input.candidate_id, Kind::Candidate, "candidateId")?;
        let position_id = decode(&input.position_id, Kind::Position, "positionId")?;
        let status = input.status.map_or(StoredStatus::New, Into::into);
        let row =
            applications::create_manual(db(ctx)?, ctx.actor()?, candidate_id, position_id, status)
                .await?;
        Ok(ApplicationPayload {
            application: Application::one(row),
        })
    }

    /// Moves an application to another status.
    #[graphql(guard = "Require::Section(Section::Candidates)")]
    async fn update_application_status(
        &self,
        ctx: &Context<'_>,
        input: UpdateApplicationStatusInput,
    ) -> Result<ApplicationPayload, ApiError> {
        let id = decode(&input.id, Kind::Application, "id")?;
        let row = applications::set_status(db(ctx)?, ctx.actor()?, id, input.status.into()).await?;
        Ok(ApplicationPayload {
            application: Application::one(row),
        })
    }
}
