//! The event log and webhook deliveries about an erased candidate keep ids
//! only. Payloads are thin already (no names, no addresses), but an
//! erasure leaves nothing to chance: only `id` and the `…Id`/`…Ids` fields
//! stay. Rows are rewritten, never deleted, so the log's ids and each
//! subject's sequence numbers stay whole for consumers' cursors.

use std::collections::HashSet;

use entity::{event, webhook_attempt, webhook_delivery};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait as _, ColumnTrait as _, Condition, DatabaseTransaction, EntityTrait as _,
    IntoActiveModel as _, QueryFilter as _, Set,
};
use serde_json::{Map, Value};

use crate::error::ApiResult;
use crate::graphql::ids::Kind;

/// Rows per `IN (…)` list.
const CHUNK: usize = 500;

/// What was scrubbed.
#[derive(Debug, Default)]
pub struct Scrubbed {
    pub events: u64,
    pub webhook_payloads: u64,
}

/// Scrubs the events about `subjects` (kind and row ids) and the webhook
/// deliveries of those events, with their attempts' error texts.
pub async fn scrub(
    txn: &DatabaseTransaction,
    company_id: i64,
    subjects: &[(Kind, &[i64])],
) -> ApiResult<Scrubbed> {
    let mut scrubbed = Scrubbed::default();
    let mut event_ids = Vec::new();
    for (kind, ids) in subjects {
        for chunk in ids.chunks(CHUNK) {
            let rows = event::Entity::find()
                .filter(event::Column::CompanyId.eq(company_id))
                .filter(event::Column::SubjectType.eq(kind.name()))
                .filter(event::Column::SubjectId.is_in(chunk.iter().copied()))
                .all(txn)
                .await?;
            for row in rows {
                event_ids.push(row.id);
                scrubbed.events += 1;
                let data = scrub_text(&row.data, ids_only);
                if data != row.data {
                    let mut active = row.into_active_model();
                    active.data = Set(data);
                    active.update(txn).await?;
                }
            }
        }
    }
    let mut touched: HashSet<i64> = HashSet::new();
    for chunk in event_ids.chunks(CHUNK) {
        let deliveries = webhook_delivery::Entity::find()
            .filter(webhook_delivery::Column::CompanyId.eq(company_id))
            .filter(webhook_delivery::Column::EventId.is_in(chunk.iter().copied()))
            .all(txn)
            .await?;
        for row in deliveries {
            touched.insert(row.id);
            if let Some(payload) = &row.payload {
                let scrubbed_payload = scrub_text(payload, payload_ids_only);
                if &scrubbed_payload != payload {
                    let mut active = row.into_active_model();
                    active.payload = Set(Some(scrubbed_payload));
                    active.update(txn).await?;
                }
            }
        }
    }
    let touched: Vec<i64> = touched.into_iter().collect();
    for chunk in touched.chunks(CHUNK) {
        // A receiver's error text may echo the payload it was sent.
        webhook_attempt::Entity::update_many()
            .col_expr(
                webhook_attempt::Column::Error,
                Expr::val(Option::<String>::None),
            )
            .filter(
                Condition::all()
                    .add(webhook_attempt::Column::DeliveryId.is_in(chunk.iter().copied()))
                    .add(webhook_attempt::Column::Error.is_not_null()),
            )
            .exec(txn)
            .await?;
    }
    scrubbed.webhook_payloads = touched.len() as u64;
    Ok(scrubbed)
}

/// `text` as JSON passed through `keep`; text that is no JSON object
/// becomes `{}`.
fn scrub_text(text: &str, keep: fn(Map<String, Value>) -> Map<String, Value>) -> String {
    let map = match serde_json::from_str(text) {
        Ok(Value::Object(map)) => map,
        _ => Map::new(),
    };
    Value::Object(keep(map)).to_string()
}

/// Whether `key` names an id, and `value` is one (or a list of them).
fn is_id(key: &str, value: &Value) -> bool {
    let named = key == "id" || key.ends_with("Id") || key.ends_with("Ids");
    let shaped = match value {
        Value::String(_) | Value::Number(_) | Value::Null => true,
        Value::Array(items) => items
            .iter()
            .all(|i| matches!(i, Value::String(_) | Value::Number(_))),
        _ => false,
    };
    named && shaped
}

/// An event's data with its ids only.
fn ids_only(data: Map<String, Value>) -> Map<String, Value> {
    data.into_iter().filter(|(k, v)| is_id(k, v)).collect()
}

/// A webhook body (`type`, `timestamp`, `data`) whose data keeps its ids
/// and the subject's `sequence`.
fn payload_ids_only(body: Map<String, Value>) -> Map<String, Value> {
    body.into_iter()
        .filter_map(|(key, value)| match (key.as_str(), value) {
            ("type" | "timestamp", value @ Value::String(_)) => Some((key, value)),
            ("data", Value::Object(data)) => {
                let kept = data
                    .into_iter()
                    .filter(|(k, v)| is_id(k, v) || (k == "sequence" && v.is_number()))
                    .collect();
                Some((key, Value::Object(kept)))
            }
            _ => None,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn events_keep_their_ids_only() {
        let data = json!({"id": "Q2FuZGlkYXRlOjE", "changed": ["firstName"], "status": "SENT",
            "candidateId": "x", "participantIds": ["a", "b"], "note": {"candidateId": "y"}});
        let scrubbed = scrub_text(&data.to_string(), ids_only);
        assert_eq!(
            serde_json::from_str::<Value>(&scrubbed).unwrap(),
            json!({"id": "Q2FuZGlkYXRlOjE", "candidateId": "x", "participantIds": ["a", "b"]})
        );
        assert_eq!(scrub_text("not json", ids_only), "{}");
    }

    #[test]
    fn payloads_keep_type_time_sequence_and_ids() {
        let body = json!({"type": "candidate.updated", "timestamp": "2026-12-09T10:00:00.000Z",
            "data": {"id": "x", "sequence": 3, "changed": ["email"]}, "extra": "y"});
        let scrubbed = scrub_text(&body.to_string(), payload_ids_only);
        assert_eq!(
            serde_json::from_str::<Value>(&scrubbed).unwrap(),
            json!({"type": "candidate.updated", "timestamp": "2026-12-09T10:00:00.000Z",
                "data": {"id": "x", "sequence": 3}})
        );
    }
}
