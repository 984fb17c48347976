//! One run of a periodic job, keyed by the job and its period (a day), so
//! that a period's run is claimed by exactly one process.

use sea_orm::entity::prelude::*;
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "job_runs")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub job: String,
    /// The period the run is for, e.g. `2026-12-09`.
    pub run_key: String,
    /// Who holds the run: an instance or a command-line process.
    pub claimed_by: String,
    /// The holder renews this while it works; once it has passed on an
    /// unfinished run, the holder is taken for dead and another may claim it.
    pub lease_until: DateTimeUtc,
    pub attempts: i32,
    pub started_at: DateTimeUtc,
    pub finished_at: Option<DateTimeUtc>,
    /// What the run did, a JSON object of counts.
    pub outcome: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
