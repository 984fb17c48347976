//! Batch loading of nested lists: one query per level, whatever the page size.
//!
//! Every object remembers the *set* of sibling rows it was loaded with (a page
//! of candidates, the applications of those candidates …). The first sibling
//! that resolves a relation loads it for the whole set in one query; the others
//! wait for that same result. This is the DataLoader idea without its timer:
//! a timer-based loader splits a batch whenever resolving a level takes longer
//! than its delay (as under load), while a set is complete before any of its
//! members resolves anything, so the statement count is exact and no request
//! waits for a timer.
//!
//! Every load is limited to the caller's company, and applications to the
//! caller's positions, so nested lists obey the same rules as top-level ones.

use std::collections::HashMap;
use std::sync::Arc;

use async_graphql::Lookahead;
use entity::{
    application, candidate, document, document_category, position, position_hiring_manager,
    recruiting_category, subsidiary, user,
};
use sea_orm::{
    ColumnTrait as _, DatabaseConnection, EntityTrait, QueryFilter as _, QueryOrder as _,
};
use tokio::sync::OnceCell;

use crate::access::Actor;
use crate::error::ApiError;

/// Candidates loaded together.
pub struct CandidateSet {
    pub rows: Vec<candidate::Model>,
    applications: OnceCell<Arc<ApplicationSet>>,
    documents: OnceCell<CandidatesDocuments>,
    unread: OnceCell<HashMap<i64, i64>>,
    do_not_contact: OnceCell<HashMap<i64, entity::do_not_contact::Model>>,
    retain_until: OnceCell<HashMap<i64, chrono::DateTime<chrono::Utc>>>,
    legal_holds: OnceCell<HashMap<i64, LegalHoldRow>>,
}

/// A candidate's legal hold with the user who set it.
pub type LegalHoldRow = (
    entity::candidate_legal_hold::Model,
    Option<entity::user::Model>,
);

/// The documents of a set of candidates: one [`DocumentSet`] for all of
/// them, and each candidate's documents as positions in it, oldest first.
pub struct CandidatesDocuments {
    pub set: Arc<DocumentSet>,
    pub by_candidate: HashMap<i64, Vec<usize>>,
}

/// Documents loaded together (a page, a candidate's list, a message's
/// attachments): their categories, uploaders, candidates and whether the
/// caller may open them are each loaded once for all of them.
pub struct DocumentSet {
    pub rows: Vec<document::Model>,
    categories: OnceCell<HashMap<i64, document_category::Model>>,
    uploaders: OnceCell<HashMap<i64, user::Model>>,
    candidates: OnceCell<HashMap<i64, candidate::Model>>,
    openable: OnceCell<std::collections::HashSet<i64>>,
}

impl DocumentSet {
    pub fn new(rows: Vec<document::Model>) -> Arc<Self> {
        Arc::new(Self {
            rows,
            categories: OnceCell::new(),
            uploaders: OnceCell::new(),
            candidates: OnceCell::new(),
            openable: OnceCell::new(),
        })
    }

    /// The categories of the set's documents, by ID.
    pub async fn categories(
        &self,
        db: &DatabaseConnection,
        actor: &Actor,
    ) -> Result<&HashMap<i64, document_category::Model>, ApiError> {
        self.categories
            .get_or_try_init(|| async {
                let ids = self.rows.iter().filter_map(|d| d.document_category_id);
                let rows = document_category::Entity::find()
                    .filter(document_category::Column::Id.is_in(ids))
                    .filter(document_category::Column::CompanyId.eq(actor.company_id))
                    .all(db)
                    .await?;
                Ok::<_, ApiError>(rows.into_iter().map(|c| (c.id, c)).collect())
            })
            .await
    }

    /// The users who uploaded the set's documents, by ID.
    pub async fn uploaders(
        &self,
        db: &DatabaseConnection,
        actor: &Actor,
    ) -> Result<&HashMap<i64, user::Model>, ApiError> {
        self.uploaders
            .get_or_try_init(|| async {
                let ids = self.rows.iter().filter_map(|d| d.uploaded_by_id);
                let rows = user::Entity::find()
                    .filter(user::Column::Id.is_in(ids))
                    .filter(user::Column::CompanyId.eq(actor.company_id))
                    .all(db)
                    .await?;
                Ok::<_, ApiError>(rows.into_iter().map(|u| (u.id, u)).collect())
            })
            .await
    }

    /// The candidates of the set's documents that the caller sees, by ID.
    pub async fn candidates(
        &self,
        db: &DatabaseConnection,
        actor: &Actor,
    ) -> Result<&HashMap<i64, candidate::Model>, ApiError> {
        self.candidates
            .get_or_try_init(|| async {
                let ids = self.rows.iter().filter_map(|d| d.candidate_id);
                let rows = crate::candidates::visible(actor)
                    .filter(candidate::Column::Id.is_in(ids))
                    .all(db)
                    .await?;
                Ok::<_, ApiError>(rows.into_iter().map(|c| (c.id, c)).collect())
            })
            .await
    }

    /// Which of the set's documents the caller may open (the rule of
    /// [`crate::documents::visible`]), in one query.
    pub async fn openable(
        &self,
        db: &DatabaseConnection,
        actor: &Actor,
    ) -> Result<&std::collections::HashSet<i64>, ApiError> {
        self.openable
            .get_or_try_init(|| {
                crate::documents::openable(db, actor, self.rows.iter().map(|d| d.id))
            })
            .await
    }
}

/// Most documents listed on one candidate.
pub const MAX_DOCUMENTS_PER_CANDIDATE: usize = 200;

/// Applications loaded together.
pub struct ApplicationSet {
    pub rows: Vec<application::Model>,
    candidates: OnceCell<Arc<CandidateSet>>,
    positions: OnceCell<Arc<PositionSet>>,
}

/// Positions loaded together.
pub struct PositionSet {
    pub rows: Vec<position::Model>,
    subsidiaries: OnceCell<HashMap<i64, subsidiary::Model>>,
    categories: OnceCell<HashMap<i64, recruiting_category::Model>>,
    hiring_managers: OnceCell<HashMap<i64, Vec<user::Model>>>,
}

impl CandidateSet {
    pub fn new(rows: Vec<candidate::Model>) -> Arc<Self> {
        Arc::new(Self {
            rows,
            applications: OnceCell::new(),
            documents: OnceCell::new(),
            unread: OnceCell::new(),
            do_not_contact: OnceCell::new(),
            retain_until: OnceCell::new(),
            legal_holds: OnceCell::new(),
        })
    }

    /// The do-not-contact entries of the set's candidates' addresses, by
    /// candidate.
    pub async fn do_not_contact(
        &self,
        db: &DatabaseConnection,
        actor: &Actor,
        key: &crate::settings::SecretKey,
    ) -> Result<&HashMap<i64, entity::do_not_contact::Model>, ApiError> {
        self.do_not_contact
            .get_or_try_init(|| {
                crate::do_not_contact::of_candidates(db, key, actor.company_id, &self.rows)
            })
            .await
    }

    /// When retention ends for each candidate in the set whose retention
    /// ends (see `crate::retention::rule`), in one statement.
    pub async fn retain_until(
        &self,
        db: &DatabaseConnection,
        actor: &Actor,
    ) -> Result<&HashMap<i64, chrono::DateTime<chrono::Utc>>, ApiError> {
        self.retain_until
            .get_or_try_init(|| {
                let ids = self.rows.iter().map(|c| c.id);
                crate::retention::rule::retain_until_of(db, actor.company_id, ids)
            })
            .await
    }

    /// The legal holds of the candidates in the set, by candidate.
    pub async fn legal_holds(
        &self,
        db: &DatabaseConnection,
        actor: &Actor,
    ) -> Result<&HashMap<i64, LegalHoldRow>, ApiError> {
        self.legal_holds
            .get_or_try_init(|| async {
                let ids = self.rows.iter().map(|c| c.id);
                let rows =
                    crate::retention::legal_hold::of_candidates(db, actor.company_id, ids).await?;
                Ok::<_, ApiError>(
                    rows.into_iter()
                        .map(|row| (row.0.candidate_id, row))
                        .collect(),
                )
            })
            .await
    }

    /// Unread received messages of each candidate in the set that has any.
    pub async fn unread(
        &self,
        db: &DatabaseConnection,
        actor: &Actor,
    ) -> Result<&HashMap<i64, i64>, ApiError> {
        self.unread
            .get_or_try_init(|| {
                let ids: Vec<i64> = self.rows.iter().map(|c| c.id).collect();
                async move { crate::mail::read_state::unread_counts(db, actor, &ids).await }
            })
            .await
    }

    /// The documents of every candidate in the set that the caller may see,
    /// by candidate, oldest first: the rights are part of the one query, so
    /// each candidate's list is filtered before it is paged.
    pub async fn documents(
        &self,
        db: &DatabaseConnection,
        actor: &Actor,
    ) -> Result<&CandidatesDocuments, ApiError> {
        self.documents
            .get_or_try_init(|| async {
                let rows = crate::documents::visible(actor)
                    .filter(document::Column::CandidateId.is_in(self.rows.iter().map(|c| c.id)))
                    .order_by_asc(document::Column::Id)
                    .all(db)
                    .await?;
                let mut kept = Vec::new();
                let mut by_candidate: HashMap<i64, Vec<usize>> = HashMap::new();
                for row in rows {
                    if let Some(candidate) = row.candidate_id {
                        let list = by_candidate.entry(candidate).or_default();
                        if list.len() < MAX_DOCUMENTS_PER_CANDIDATE {
                            list.push(kept.len());
                            kept.push(row);
                        }
                    }
                }
                Ok::<_, ApiError>(CandidatesDocuments {
                    set: DocumentSet::new(kept),
                    by_candidate,
                })
            })
            .await
    }

    /// The visible applications of every candidate in the set.
    pub async fn applications(
        &self,
        db: &DatabaseConnection,
        actor: &Actor,
    ) -> Result<Arc<ApplicationSet>, ApiError> {
        self.applications
            .get_or_try_init(|| async {
                let query = crate::applications::visible(actor)
                    .filter(application::Column::CandidateId.is_in(self.rows.iter().map(|c| c.id)))
                    .order_by_asc(application::Column::Id);
                Ok(ApplicationSet::new(query.all(db).await?))
            })
            .await
            .cloned()
    }
}

impl ApplicationSet {
    pub fn new(rows: Vec<application::Model>) -> Arc<Self> {
        Arc::new(Self {
            rows,
            candidates: OnceCell::new(),
            positions: OnceCell::new(),
        })
    }

    /// The candidates of every application in the set.
    pub async fn candidates(
        &self,
        db: &DatabaseConnection,
        actor: &Actor,
    ) -> Result<Arc<CandidateSet>, ApiError> {
        self.candidates
            .get_or_try_init(|| async {
                let ids = distinct(self.rows.iter().map(|a| a.candidate_id));
                let (id, company) = (candidate::Column::Id, candidate::Column::CompanyId);
                let rows = within_company::<candidate::Entity>(db, actor, ids, id, company).await?;
                Ok(CandidateSet::new(rows))
            })
            .await
            .cloned()
    }

    /// The positions of every application in the set.
    pub async fn positions(
        &self,
        db: &DatabaseConnection,
        actor: &Actor,
    ) -> Result<Arc<PositionSet>, ApiError> {
        self.positions
            .get_or_try_init(|| async {
                let ids = distinct(self.rows.iter().map(|a| a.position_id));
                let (id, company) = (position::Column::Id, position::Column::CompanyId);
                let rows = within_company::<position::Entity>(db, actor, ids, id, company).await?;
                Ok(PositionSet::new(rows))
            })
            .await
            .cloned()
    }
}

impl PositionSet {
    pub fn new(rows: Vec<position::Model>) -> Arc<Self> {
        Arc::new(Self {
            rows,
            subsidiaries: OnceCell::new(),
            categories: OnceCell::new(),
            hiring_managers: OnceCell::new(),
        })
    }

    /// The subsidiaries of every position in the set, by id.
    pub async fn subsidiaries(
        &self,
        db: &DatabaseConnection,
        actor: &Actor,
    ) -> Result<&HashMap<i64, subsidiary::Model>, ApiError> {
        self.subsidiaries
            .get_or_try_init(|| {
                let ids = distinct(self.rows.iter().map(|p| p.subsidiary_id));
                let (id, company) = (subsidiary::Column::Id, subsidiary::Column::CompanyId);
                by_id::<subsidiary::Entity>(db, actor, ids, id, company, |r| r.id)
            })
            .await
    }

    /// The categories of every position in the set, by id.
    pub async fn categories(
        &self,
        db: &DatabaseConnection,
        actor: &Actor,
    ) -> Result<&HashMap<i64, recruiting_category::Model>, ApiError> {
        self.categories
            .get_or_try_init(|| {
                let ids = distinct(self.rows.iter().map(|p| p.category_id));
                let (id, company) = (
                    recruiting_category::Column::Id,
                    recruiting_category::Column::CompanyId,
                );
                by_id::<recruiting_category::Entity>(db, actor, ids, id, company, |r| r.id)
            })
            .await
    }

    /// The hiring managers of every position in the set, by position id.
    pub async fn hiring_managers(
        &self,
        db: &DatabaseConnection,
        actor: &Actor,
    ) -> Result<&HashMap<i64, Vec<user::Model>>, ApiError> {
        self.hiring_managers
            .get_or_try_init(|| async {
                let links = position_hiring_manager::Entity::find()
                    .filter(
                        position_hiring_manager::Column::PositionId
                            .is_in(self.rows.iter().map(|p| p.id)),
                    )
                    .all(db)
                    .await?;
                let users: HashMap<i64, user::Model> = user::Entity::find()
                    .filter(user::Column::Id.is_in(distinct(links.iter().map(|l| l.user_id))))
                    .filter(user::Column::CompanyId.eq(actor.company_id))
                    .order_by_asc(user::Column::DisplayName)
                    .all(db)
                    .await?
                    .into_iter()
                    .map(|u| (u.id, u))
                    .collect();
                let mut grouped: HashMap<i64, Vec<user::Model>> = HashMap::new();
                for link in links {
                    if let Some(user) = users.get(&link.user_id) {
                        grouped
                            .entry(link.position_id)
                            .or_default()
                            .push(user.clone());
                    }
                }
                Ok::<_, ApiError>(grouped)
            })
            .await
    }
}

/// Loads, before any field resolves, the relations a query selects below a
/// set: nested resolvers then find them ready instead of waiting, one by one,
/// for the first sibling's load. What is not prefetched still loads lazily.
pub async fn prefetch_candidates(
    set: &CandidateSet,
    selection: Lookahead<'_>,
    db: &DatabaseConnection,
    actor: &Actor,
) -> Result<(), ApiError> {
    let applications = selection.field("applications");
    if applications.exists() {
        let loaded = set.applications(db, actor).await?;
        Box::pin(prefetch_applications(&loaded, applications, db, actor)).await?;
    }
    Ok(())
}

/// See [`prefetch_candidates`].
pub async fn prefetch_applications(
    set: &ApplicationSet,
    selection: Lookahead<'_>,
    db: &DatabaseConnection,
    actor: &Actor,
) -> Result<(), ApiError> {
    let candidate = selection.field("candidate");
    if candidate.exists() {
        let loaded = set.candidates(db, actor).await?;
        Box::pin(prefetch_candidates(&loaded, candidate, db, actor)).await?;
    }
    let position = selection.field("position");
    if position.exists() {
        let loaded = set.positions(db, actor).await?;
        prefetch_positions(&loaded, position, db, actor).await?;
    }
    Ok(())
}

/// See [`prefetch_candidates`].
pub async fn prefetch_positions(
    set: &PositionSet,
    selection: Lookahead<'_>,
    db: &DatabaseConnection,
    actor: &Actor,
) -> Result<(), ApiError> {
    if selection.field("subsidiary").exists() {
        set.subsidiaries(db, actor).await?;
    }
    if selection.field("category").exists() {
        set.categories(db, actor).await?;
    }
    if selection.field("hiringManagers").exists() {
        set.hiring_managers(db, actor).await?;
    }
    Ok(())
}

/// Rows of `E` with the given ids, within the caller's company.
async fn within_company<E: EntityTrait>(
    db: &DatabaseConnection,
    actor: &Actor,
    ids: Vec<i64>,
    id: E::Column,
    company: E::Column,
) -> Result<Vec<E::Model>, ApiError> {
    Ok(E::find()
        .filter(id.is_in(ids))
        .filter(company.eq(actor.company_id))
        .all(db)
        .await?)
}

/// [`within_company`], by id.
async fn by_id<E: EntityTrait>(
    db: &DatabaseConnection,
    actor: &Actor,
    ids: Vec<i64>,
    id: E::Column,
    company: E::Column,
    key: fn(&E::Model) -> i64,
) -> Result<HashMap<i64, E::Model>, ApiError> {
    let rows = within_company::<E>(db, actor, ids, id, company).await?;
    Ok(rows.into_iter().map(|row| (key(&row), row)).collect())
}

fn distinct(ids: impl Iterator<Item = i64>) -> Vec<i64> {
    let mut ids: Vec<i64> = ids.collect();
    ids.sort_unstable();
    ids.dedup();
    ids
}

/// A foreign key whose row is missing: the schema's constraints make this a bug.
pub fn dangling(what: &str, id: i64) -> ApiError {
    ApiError::Internal(anyhow::anyhow!("dangling reference to {what} {id}"))
}
