//! What a message to one candidate is personalised with, loaded once and
//! turned into placeholder values.

use std::sync::Arc;

use chrono::{NaiveDate, Utc};
use entity::{
    application, candidate, company, interview, interview_participant, position, subsidiary, user,
};
use sea_orm::{
    ColumnTrait as _, ConnectionTrait, EntityTrait as _, QueryFilter as _, QueryOrder as _,
};

use crate::access::Actor;
use crate::error::{ApiError, ApiResult};
use crate::interviews::details;
use crate::languages::Language;
use crate::templates::{Signature, Values};
use crate::{applications, candidates};

/// The rows a message to one candidate draws on.
#[derive(Clone, Debug)]
pub struct MessageContext {
    pub candidate: candidate::Model,
    /// The application the message is about: the one named, the interview's,
    /// or else the candidate's latest visible one.
    pub application: Option<application::Model>,
    // Shared by every message of a bulk send, hence behind `Arc`s.
    pub position: Option<Arc<position::Model>>,
    pub subsidiary: Option<Arc<subsidiary::Model>>,
    pub company: Arc<company::Model>,
    pub interview: Option<interview::Model>,
    /// Display names of the interview's participants, by name.
    pub participants: Vec<String>,
    pub sender: Arc<user::Model>,
    /// The URL of the application's newest open scheduling link, once
    /// [`crate::scheduling::links::fill_urls`] has looked.
    pub scheduling_link: Option<String>,
    /// The candidate's privacy page, once
    /// [`crate::privacy::links::fill_urls`] has written it.
    pub privacy_link: Option<String>,
}

impl MessageContext {
    /// The placeholder values for a message in `language`, written on `today`.
    /// A tag recruitmail does not write in falls back to the company's
    /// default language ([`Self::written_in`]).
    pub fn values(&self, language: &str, today: NaiveDate) -> Values {
        let language = self.written_in(language);
        let c = &self.candidate;
        Values {
            first_name: Some(c.first_name.clone()),
            last_name: Some(c.last_name.clone()),
            full_name: Some(crate::candidates::full_name(c)),
            email: Some(c.email.clone()),
            position_name: self.position.as_ref().map(|p| p.name.clone()),
            company_name: Some(self.company.name.clone()),
            subsidiary_name: self.subsidiary.as_ref().map(|s| s.name.clone()),
            sender_name: Some(self.sender.display_name.clone()),
            sender_email: Some(self.sender.email.clone()),
            application_date: self
                .application
                .as_ref()
                .map(|a| language.date(a.created_at.date_naive())),
            today: Some(language.date(today)),
            interview: self
                .interview
                .as_ref()
                .map(|i| details::values(i, &self.participants, &language)),
            scheduling_link: self.scheduling_link.clone(),
            privacy_link: self.privacy_link.clone(),
            ..Values::for_gender(c.gender)
        }
    }

    /// The language to write in when nothing else decides: the candidate's
    /// preferred language, else the company's default.
    pub fn language(&self) -> &str {
        self.candidate
            .preferred_language
            .as_deref()
            .unwrap_or(&self.company.default_language)
    }

    /// The language recruitmail writes its own words in for a message in
    /// `tag` (a template variant's, or [`Self::language`]): that one, else
    /// the company's default, else English.
    pub fn written_in(&self, tag: &str) -> Language {
        Language::resolve(Some(tag), &self.company.default_language)
    }

    /// Values for today.
    pub fn values_now(&self, language: &str) -> Values {
        self.values(language, Utc::now().date_naive())
    }
}

/// The sender's signature, if they have written one.
pub fn sender_signature(sender: &user::Model) -> Option<Signature> {
    let html = sender.signature_html.as_deref()?;
    // Stored signatures were checked when saved; one that no longer passes is
    // left out rather than failing every message of its author.
    Signature::new(html).ok()
}

/// Loads what a message from `actor` to a candidate draws on, checking that
/// the application and interview belong to the candidate and are visible.
pub async fn load_context(
    db: &impl ConnectionTrait,
    actor: &Actor,
    candidate_id: i64,
    application_id: Option<i64>,
    interview_id: Option<i64>,
) -> ApiResult<MessageContext> {
    let candidate = candidates::find(db, actor, candidate_id).await?;
    let interview = match interview_id {
        Some(id) => Some(
            interview::Entity::find_by_id(id)
                .filter(interview::Column::CompanyId.eq(actor.company_id))
                .one(db)
                .await?
                .ok_or(ApiError::NotFound("interview"))?,
        ),
        None => None,
    };
    // The interview's application must be visible before anything about it
    // is told, so that an interview ID of someone else's candidate reveals nothing.
    let interview_application = match &interview {
        Some(i) => Some(
            applications::find(db, actor, i.application_id)
                .await
                .map_err(|e| match e {
                    ApiError::NotFound(_) => ApiError::NotFound("interview"),
                    other => other,
                })?,
        ),
        None => None,
    };
    let application = match (application_id, interview_application) {
        (Some(given), Some(of_interview)) if given != of_interview.id => {
            return Err(ApiError::validation(
                "applicationId",
                "applicationId: the interview belongs to another application",
            ));
        }
        (_, Some(of_interview)) => Some(of_interview),
        (Some(given), None) => Some(applications::find(db, actor, given).await?),
        (None, None) => {
            applications::visible(actor)
                .filter(application::Column::CandidateId.eq(candidate.id))
                .order_by_desc(application::Column::CreatedAt)
                .order_by_desc(application::Column::Id)
                .one(db)
                .await?
        }
    };
    if let Some(found) = &application
        && found.candidate_id != candidate.id
    {
        return Err(ApiError::validation(
            if interview_id.is_some() {
                "interviewId"
            } else {
                "applicationId"
            },
            "the application belongs to another candidate",
        ));
    }
    let position = match &application {
        Some(a) => position::Entity::find_by_id(a.position_id).one(db).await?,
        None => None,
    };
    let subsidiary = match &position {
        Some(p) => {
            subsidiary::Entity::find_by_id(p.subsidiary_id)
                .one(db)
                .await?
        }
        None => None,
    };
    let (company, sender) = company_and_sender(db, actor).await?;
    let participants = match &interview {
        Some(i) => participant_names(db, i.id).await?,
        None => Vec::new(),
    };
    Ok(MessageContext {
        candidate,
        application,
        position: position.map(Arc::new),
        subsidiary: subsidiary.map(Arc::new),
        company: Arc::new(company),
        interview,
        participants,
        sender: Arc::new(sender),
        scheduling_link: None,
        privacy_link: None,
    })
}

/// The actor's company and user row: the same for every message of a send.
async fn company_and_sender(
    db: &impl ConnectionTrait,
    actor: &Actor,
) -> ApiResult<(company::Model, user::Model)> {
    let company = company::Entity::find_by_id(actor.company_id)
        .one(db)
        .await?
        .ok_or(ApiError::NotFound("company"))?;
    let sender = user::Entity::find_by_id(actor.user_id)
        .one(db)
        .await?
        .ok_or(ApiError::Unauthenticated)?;
    Ok((company, sender))
}

async fn participant_names(db: &impl ConnectionTrait, interview_id: i64) -> ApiResult<Vec<String>> {
    let user_ids: Vec<i64> = interview_participant::Entity::find()
        .filter(interview_participant::Column::InterviewId.eq(interview_id))
        .all(db)
        .await?
        .into_iter()
        .map(|p| p.user_id)
        .collect();
    if user_ids.is_empty() {
        return Ok(Vec::new());
    }
    Ok(user::Entity::find()
        .filter(user::Column::Id.is_in(user_ids))
        .order_by_asc(user::Column::DisplayName)
        .all(db)
        .await?
        .into_iter()
        .map(|u| u.display_name)
        .collect())
}

/// Who a bulk send addresses: candidates (each about their latest visible
/// application) or applications (each about itself, to its candidate).
#[derive(Debug)]
pub enum Addressees<'a> {
    Candidates(&'a [i64]),
    Applications(&'a [i64]),
}

/// Rows per `IN (…)` list, well within SQLite's and PostgreSQL's parameter limits.
const CHUNK: usize = 1000;

/// What messages to many candidates draw on, loaded in a few statements per
/// thousand candidates rather than several per candidate. Each candidate is
/// addressed once; an ID the actor may not see is `NOT_FOUND`, as one by one.
pub async fn load_contexts(
    db: &impl ConnectionTrait,
    actor: &Actor,
    addressees: Addressees<'_>,
) -> ApiResult<Vec<MessageContext>> {
    let mut pairs: Vec<(i64, Option<application::Model>)> = Vec::new();
    let mut seen = std::collections::HashSet::new();
    match addressees {
        Addressees::Applications(ids) => {
            let mut found = std::collections::HashMap::new();
            for chunk in ids.chunks(CHUNK) {
                for a in applications::visible(actor)
                    .filter(application::Column::Id.is_in(chunk.iter().copied()))
                    .all(db)
                    .await?
                {
                    found.insert(a.id, a);
                }
            }
            for id in ids {
                let a = found.remove(id).ok_or(ApiError::NotFound("application"))?;
                if seen.insert(a.candidate_id) {
                    pairs.push((a.candidate_id, Some(a)));
                }
            }
        }
        Addressees::Candidates(ids) => {
            let mut latest: std::collections::HashMap<i64, application::Model> =
                std::collections::HashMap::new();
            for chunk in ids.chunks(CHUNK) {
                for a in applications::visible(actor)
                    .filter(application::Column::CandidateId.is_in(chunk.iter().copied()))
                    .all(db)
                    .await?
                {
                    let newer = latest
                        .get(&a.candidate_id)
                        .is_none_or(|b| (a.created_at, a.id) > (b.created_at, b.id));
                    if newer {
                        latest.insert(a.candidate_id, a);
                    }
                }
            }
            for id in ids {
                if seen.insert(*id) {
                    pairs.push((*id, latest.remove(id)));
                }
            }
        }
    }
    let mut candidates = std::collections::HashMap::new();
    let candidate_ids: Vec<i64> = pairs.iter().map(|(c, _)| *c).collect();
    for chunk in candidate_ids.chunks(CHUNK) {
        for c in candidates::visible(actor)
            .filter(candidate::Column::Id.is_in(chunk.iter().copied()))
            .all(db)
            .await?
        {
            candidates.insert(c.id, c);
        }
    }
    let position_ids: std::collections::BTreeSet<i64> = pairs
        .iter()
        .filter_map(|(_, a)| a.as_ref().map(|a| a.position_id))
        .collect();
    let positions: std::collections::HashMap<i64, Arc<position::Model>> = position::Entity::find()
        .filter(position::Column::Id.is_in(position_ids))
        .all(db)
        .await?
        .into_iter()
        .map(|p| (p.id, Arc::new(p)))
        .collect();
    let subsidiaries: std::collections::HashMap<i64, Arc<subsidiary::Model>> =
        subsidiary::Entity::find()
            .filter(subsidiary::Column::Id.is_in(positions.values().map(|p| p.subsidiary_id)))
            .all(db)
            .await?
            .into_iter()
            .map(|s| (s.id, Arc::new(s)))
            .collect();
    let (company, sender) = company_and_sender(db, actor).await?;
    let (company, sender) = (Arc::new(company), Arc::new(sender));
    pairs
        .into_iter()
        .map(|(candidate_id, application)| {
            let candidate = candidates
                .get(&candidate_id)
                .cloned()
                .ok_or(ApiError::NotFound("candidate"))?;
            let position = application
                .as_ref()
                .and_then(|a| positions.get(&a.position_id))
                .cloned();
            let subsidiary = position
                .as_ref()
                .and_then(|p| subsidiaries.get(&p.subsidiary_id))
                .cloned();
            Ok(MessageContext {
                candidate,
                application,
                position,
                subsidiary,
                company: company.clone(),
                interview: None,
                participants: Vec::new(),
                sender: sender.clone(),
                scheduling_link: None,
                privacy_link: None,
            })
        })
        .collect()
}
