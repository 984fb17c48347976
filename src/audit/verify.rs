//! Checking the chains (`recruitmail audit verify`): every company's
//! entries in order, a page at a time so the trail's size does not matter.

use entity::audit_entry;
use sea_orm::{
    ColumnTrait as _, DatabaseConnection, EntityTrait as _, QueryFilter as _, QueryOrder as _,
    QuerySelect as _,
};

use super::chain::{self, Entry};

/// Entries read per query.
const PAGE: u64 = 1000;

/// The outcome of a check.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    Intact {
        entries: u64,
        companies: u64,
    },
    /// The first entry that does not follow from the ones before it.
    Broken {
        company_id: i64,
        row_id: i64,
        seq: i64,
        reason: String,
    },
}

/// Walks every company's chain and stops at the first broken entry.
pub async fn verify(db: &DatabaseConnection) -> anyhow::Result<Verdict> {
    let companies: Vec<i64> = audit_entry::Entity::find()
        .select_only()
        .column(audit_entry::Column::CompanyId)
        .distinct()
        .order_by_asc(audit_entry::Column::CompanyId)
        .into_tuple()
        .all(db)
        .await?;
    let mut entries = 0;
    for &company_id in &companies {
        let mut expected_seq = 1;
        let mut prev_hash = chain::GENESIS.to_owned();
        loop {
            let page = audit_entry::Entity::find()
                .filter(audit_entry::Column::CompanyId.eq(company_id))
                .filter(audit_entry::Column::Seq.gte(expected_seq))
                .order_by_asc(audit_entry::Column::Seq)
                .limit(PAGE)
                .all(db)
                .await?;
            let done = (page.len() as u64) < PAGE;
            for row in page {
                let broken = |reason: String| Verdict::Broken {
                    company_id,
                    row_id: row.id,
                    seq: row.seq,
                    reason,
                };
                if row.seq != expected_seq {
                    return Ok(broken(format!(
                        "entry {expected_seq} is missing (the next one is {})",
                        row.seq
                    )));
                }
                if row.prev_hash != prev_hash {
                    return Ok(broken(
                        "it does not name the hash of the entry before it".into(),
                    ));
                }
                if Entry::from(&row).hash(&prev_hash) != row.hash {
                    return Ok(broken("its content does not match its hash".into()));
                }
                prev_hash = row.hash;
                expected_seq += 1;
                entries += 1;
            }
            if done {
                break;
            }
        }
    }
    Ok(Verdict::Intact {
        entries,
        companies: companies.len() as u64,
    })
}
