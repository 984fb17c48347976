use async_graphql::{Context, Guard as _, ID, Object};
use entity::company;
use sea_orm::EntityTrait as _;

use crate::access::{ContextExt as _, Require, Section};
use crate::error::ApiError;
use crate::graphql::ids::{Kind, decode_any};
use crate::graphql::state::db;
use crate::graphql::types::{
    ApiToken, Application, Candidate, CandidateExport, Category, Company, Document,
    DocumentCategory, EmailBatch, EmailTemplate, ExternalCalendar, Interview, Message, Node,
    Position, PrivacyRequest, RecruitingRole, Subsidiary, User, WebhookDelivery, WebhookEndpoint,
};
use crate::mail::messages;
use crate::webhooks::endpoints;
use crate::{
    applications, candidates, documents, email_templates, interviews, organisation, people,
    positions,
};

#[derive(Default)]
pub struct NodeQuery;

#[Object]
impl NodeQuery {
    /// Any object by its global ID, with the same access rules as its own query.
    #[graphql(guard = "Require::SignedIn")]
    async fn node(&self, ctx: &Context<'_>, id: ID) -> async_graphql::Result<Node> {
        let (kind, row) = decode_any(&id, "id")?;
        let required = match kind {
            Kind::Candidate | Kind::Application => Require::Section(Section::Candidates),
            Kind::RecruitingRole => Require::Admin,
            Kind::EmailTemplate => Require::Templates,
            Kind::Message | Kind::EmailBatch => Require::Section(Section::Messages),
            Kind::Interview => Require::Section(Section::Interviews),
            Kind::WebhookEndpoint
            | Kind::WebhookDelivery
            | Kind::CandidateExport
            | Kind::PrivacyRequest => Require::Admin,
            _ => Require::SignedIn,
        };
        required.check(ctx).await?;
        let actor = ctx.actor()?;
        let db = db(ctx)?;
        Ok(match kind {
            Kind::Company => {
                if row != actor.company_id {
                    return Err(ApiError::NotFound("company").into());
                }
                let company = company::Entity::find_by_id(row)
                    .one(db)
                    .await
                    .map_err(ApiError::from)?
                    .ok_or(ApiError::NotFound("company"))?;
                Node::Company(Company(company))
            }
            Kind::Subsidiary => Node::Subsidiary(Subsidiary(
                organisation::find_subsidiary(db, actor, row).await?,
            )),
            Kind::Category => {
                Node::Category(Category(organisation::find_category(db, actor, row).await?))
            }
            Kind::DocumentCategory => Node::DocumentCategory(DocumentCategory(
                organisation::find_document_category(db, actor, row).await?,
            )),
            Kind::Position => Node::Position(Position::one(positions::find(db, actor, row).await?)),
            Kind::Candidate => {
                Node::Candidate(Candidate::one(candidates::find(db, actor, row).await?))
            }
            Kind::Application => {
                Node::Application(Application::one(applications::find(db, actor, row).await?))
            }
            Kind::User => Node::User(User::one(people::find_user(db, actor, row).await?)),
            Kind::RecruitingRole => {
                let (role, documents) = people::find_role(db, actor, row).await?;
                Node::RecruitingRole(RecruitingRole { role, documents })
            }
            Kind::ApiToken => {
                Node::ApiToken(ApiToken(people::find_api_token(db, actor, row).await?))
            }
            Kind::EmailTemplate => {
                Node::EmailTemplate(EmailTemplate(email_templates::find(db, actor, row).await?))
            }
            Kind::Document => Node::Document(Document::one(documents::find(db, actor, row).await?)),
            Kind::Interview => Node::Interview(
                Interview::one(db, actor, interviews::find(db, actor, row).await?).await?,
            ),
            Kind::Message => Node::Message(Message::new(messages::find(db, actor, row).await?)),
            Kind::EmailBatch => {
                Node::EmailBatch(EmailBatch::new(messages::find_batch(db, actor, row).await?))
            }
            Kind::WebhookEndpoint => {
                Node::WebhookEndpoint(WebhookEndpoint(endpoints::find(db, actor, row).await?))
            }
            Kind::WebhookDelivery => Node::WebhookDelivery(WebhookDelivery::new(
                endpoints::find_delivery(db, actor, row).await?,
            )),
            Kind::ExternalCalendar => Node::ExternalCalendar(ExternalCalendar(
                crate::scheduling::calendars::find_editable(db, actor, row).await?,
            )),
            Kind::CandidateExport => Node::CandidateExport(CandidateExport(
                crate::candidate_export::find(db, actor, row).await?,
            )),
            Kind::PrivacyRequest => {
                Node::PrivacyRequest(PrivacyRequest(crate::privacy::find(db, actor, row).await?))
            }
        })
    }
}
