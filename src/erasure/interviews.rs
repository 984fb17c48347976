//! The candidate's interviews, their invitations and scheduling links.

use entity::{application, interview, invitation, scheduling_link};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ColumnTrait as _, DatabaseTransaction, EntityTrait as _, PaginatorTrait as _, QueryFilter as _,
    QuerySelect as _,
};

use crate::error::ApiResult;

/// Ids per `IN (…)` list.
const CHUNK: usize = 500;

/// What hangs off the candidate's applications.
#[derive(Debug, Default)]
pub struct Reached {
    pub applications: Vec<i64>,
    pub interviews: Vec<i64>,
    pub invitations: u64,
    pub scheduling_links: u64,
}

pub async fn reach(txn: &DatabaseTransaction, candidate_id: i64) -> ApiResult<Reached> {
    let applications: Vec<i64> = application::Entity::find()
        .select_only()
        .column(application::Column::Id)
        .filter(application::Column::CandidateId.eq(candidate_id))
        .into_tuple()
        .all(txn)
        .await?;
    let mut reached = Reached {
        applications,
        ..Reached::default()
    };
    for chunk in reached.applications.chunks(CHUNK) {
        let interviews: Vec<i64> = interview::Entity::find()
            .select_only()
            .column(interview::Column::Id)
            .filter(interview::Column::ApplicationId.is_in(chunk.iter().copied()))
            .into_tuple()
            .all(txn)
            .await?;
        reached.interviews.extend(interviews);
        reached.scheduling_links += scheduling_link::Entity::find()
            .filter(scheduling_link::Column::ApplicationId.is_in(chunk.iter().copied()))
            .count(txn)
            .await?;
    }
    for chunk in reached.interviews.chunks(CHUNK) {
        reached.invitations += invitation::Entity::find()
            .filter(invitation::Column::InterviewId.is_in(chunk.iter().copied()))
            .count(txn)
            .await?;
    }
    Ok(reached)
}

/// Blanks the texts that may name the candidate: interview titles,
/// locations and video links, the invitations' stored subject and body
/// sources; closes their scheduling links (nobody books for an erased
/// candidate) and blanks their locations.
pub async fn anonymise(
    txn: &DatabaseTransaction,
    reached: &Reached,
    now: chrono::DateTime<chrono::Utc>,
) -> ApiResult<()> {
    let none = || Expr::value(Option::<String>::None);
    for chunk in reached.interviews.chunks(CHUNK) {
        interview::Entity::update_many()
            .col_expr(interview::Column::Title, Expr::value(""))
            .col_expr(interview::Column::Location, none())
            .col_expr(interview::Column::VideoLink, none())
            .col_expr(interview::Column::UpdatedAt, Expr::value(now))
            .filter(interview::Column::Id.is_in(chunk.iter().copied()))
            .exec(txn)
            .await?;
        invitation::Entity::update_many()
            .col_expr(invitation::Column::SubjectSource, none())
            .col_expr(invitation::Column::BodySource, none())
            .filter(invitation::Column::InterviewId.is_in(chunk.iter().copied()))
            .exec(txn)
            .await?;
    }
    for chunk in reached.applications.chunks(CHUNK) {
        scheduling_link::Entity::update_many()
            .col_expr(scheduling_link::Column::Location, none())
            .col_expr(scheduling_link::Column::VideoLink, none())
            .col_expr(scheduling_link::Column::UpdatedAt, Expr::value(now))
            .filter(scheduling_link::Column::ApplicationId.is_in(chunk.iter().copied()))
            .exec(txn)
            .await?;
        scheduling_link::Entity::update_many()
            .col_expr(scheduling_link::Column::ClosedAt, Expr::value(Some(now)))
            .filter(scheduling_link::Column::ApplicationId.is_in(chunk.iter().copied()))
            .filter(scheduling_link::Column::ClosedAt.is_null())
            .exec(txn)
            .await?;
    }
    Ok(())
}
