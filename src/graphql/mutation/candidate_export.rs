use async_graphql::{Context, ID, InputObject, Object, SimpleObject};
use chrono::Utc;

use crate::access::{ContextExt as _, Require};
use crate::candidate_export as export;
use crate::error::ApiError;
use crate::graphql::ids::{Kind, decode};
use crate::graphql::state::db;
use crate::graphql::types::CandidateExport;

#[derive(Default)]
pub struct CandidateExportMutation;

#[derive(InputObject)]
struct ExportCandidateDataInput {
    candidate_id: ID,
}

#[derive(SimpleObject)]
struct ExportCandidateDataPayload {
    export: CandidateExport,
}

#[Object]
impl CandidateExportMutation {
    /// Starts building an archive of everything stored about a candidate,
    /// for their right of access and to data portability (GDPR Art. 15 and
    /// 20). The export is QUEUED and built in the background; poll
    /// `candidateExports` (or `node`) until it is READY, then download it
    /// from `url`. It is deleted seven days after it is ready. Recruiting
    /// admins only, since it holds every document and message of the
    /// candidate; recorded in the audit trail. CONFLICT while another
    /// export of the candidate is queued or being built.
    #[graphql(guard = "Require::Admin")]
    async fn export_candidate_data(
        &self,
        ctx: &Context<'_>,
        input: ExportCandidateDataInput,
    ) -> Result<ExportCandidateDataPayload, ApiError> {
        let id = decode(&input.candidate_id, Kind::Candidate, "candidateId")?;
        let row = export::request(db(ctx)?, ctx.actor()?, id, Utc::now()).await?;
        Ok(ExportCandidateDataPayload {
            export: CandidateExport(row),
        })
    }
}
