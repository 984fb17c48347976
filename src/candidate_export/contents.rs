//! What an export holds, read from the database and written into the
//! archive: `candidate.json` first (the candidate, their applications with
//! positions and statuses, interviews, messages' and documents' metadata,
//! the events about them), then `documents/<id>-<name>` streamed from the
//! blob store, then `messages/<id>.eml`, a page of messages at a time.
//!
//! IDs are the API's global IDs, so that what the archive names can be
//! looked up through the API.

use std::collections::HashMap;

use bytes::Bytes;
use chrono::{DateTime, SecondsFormat, Utc};
use entity::{
    application, candidate, candidate_export, document, document_category, event, interview,
    message, message_attachment, message_content, message_recipient, position,
};
use sea_orm::{
    ActiveEnum as _, ColumnTrait as _, DatabaseConnection, EntityTrait as _, QueryFilter as _,
    QueryOrder as _,
};
use serde_json::{Value, json};

use super::archive::{ArchiveWriter, safe_name};
use super::eml;
use crate::blobs::BlobStore;
use crate::graphql::ids::Kind;

/// Rows looked up with one `IN` list at most, far under SQLite's limit.
const CHUNK: usize = 500;

/// Messages whose contents are held at once while their files are written.
const MESSAGE_PAGE: usize = 100;

/// The format of `candidate.json`, for readers of old archives.
const FORMAT: u32 = 1;

fn time(at: DateTime<Utc>) -> String {
    at.to_rfc3339_opts(SecondsFormat::Secs, true)
}

fn id(kind: Kind, row: i64) -> String {
    kind.id(row).0
}

/// The archive path of a document: its ID keeps names unique.
fn document_path(row: &document::Model) -> String {
    format!("documents/{}-{}", row.id, safe_name(&row.file_name))
}

fn message_path(row: &message::Model) -> String {
    format!("messages/{}.eml", row.id)
}

/// Writes the whole export of `export`'s candidate into `archive`.
pub async fn write(
    db: &DatabaseConnection,
    blobs: &BlobStore,
    export: &candidate_export::Model,
    archive: &mut ArchiveWriter,
    now: DateTime<Utc>,
) -> anyhow::Result<()> {
    let candidate = candidate::Entity::find_by_id(export.candidate_id)
        .filter(candidate::Column::CompanyId.eq(export.company_id))
        .one(db)
        .await?
        .ok_or_else(|| anyhow::anyhow!("the candidate no longer exists"))?;
    let applications = application::Entity::find()
        .filter(application::Column::CandidateId.eq(candidate.id))
        .order_by_asc(application::Column::Id)
        .all(db)
        .await?;
    let application_ids: Vec<i64> = applications.iter().map(|a| a.id).collect();
    let positions: HashMap<i64, position::Model> = position::Entity::find()
        .filter(position::Column::Id.is_in(applications.iter().map(|a| a.position_id)))
        .all(db)
        .await?
        .into_iter()
        .map(|p| (p.id, p))
        .collect();
    let mut interviews = Vec::new();
    for ids in application_ids.chunks(CHUNK) {
        interviews.extend(
            interview::Entity::find()
                .filter(interview::Column::ApplicationId.is_in(ids.to_vec()))
                .order_by_asc(interview::Column::Id)
                .all(db)
                .await?,
        );
    }
    let documents = document::Entity::find()
        .filter(document::Column::CandidateId.eq(candidate.id))
        .order_by_asc(document::Column::Id)
        .all(db)
        .await?;
    let categories: HashMap<i64, String> = document_category::Entity::find()
        .filter(
            document_category::Column::Id
                .is_in(documents.iter().filter_map(|d| d.document_category_id)),
        )
        .all(db)
        .await?
        .into_iter()
        .map(|c| (c.id, c.name))
        .collect();
    let messages = message::Entity::find()
        .filter(message::Column::CandidateId.eq(candidate.id))
        .order_by_asc(message::Column::Id)
        .all(db)
        .await?;
    let message_ids: Vec<i64> = messages.iter().map(|m| m.id).collect();
    let mut recipients: HashMap<i64, Vec<message_recipient::Model>> = HashMap::new();
    let mut attachments: HashMap<i64, Vec<message_attachment::Model>> = HashMap::new();
    for ids in message_ids.chunks(CHUNK) {
        for r in message_recipient::Entity::find()
            .filter(message_recipient::Column::MessageId.is_in(ids.to_vec()))
            .order_by_asc(message_recipient::Column::Id)
            .all(db)
            .await?
        {
            recipients.entry(r.message_id).or_default().push(r);
        }
        for a in message_attachment::Entity::find()
            .filter(message_attachment::Column::MessageId.is_in(ids.to_vec()))
            .order_by_asc(message_attachment::Column::Position)
            .all(db)
            .await?
        {
            attachments.entry(a.message_id).or_default().push(a);
        }
    }
    let attached_ids: Vec<i64> = attachments
        .values()
        .flatten()
        .map(|a| a.document_id)
        .collect();
    let mut attached: HashMap<i64, document::Model> = HashMap::new();
    for ids in attached_ids.chunks(CHUNK) {
        attached.extend(
            document::Entity::find()
                .filter(document::Column::Id.is_in(ids.to_vec()))
                .all(db)
                .await?
                .into_iter()
                .map(|d| (d.id, d)),
        );
    }
    let subjects = [
        (Kind::Candidate, vec![candidate.id]),
        (Kind::Application, application_ids.clone()),
        (Kind::Interview, interviews.iter().map(|i| i.id).collect()),
        (Kind::Message, message_ids.clone()),
    ];
    let mut events = Vec::new();
    for (kind, ids) in subjects {
        for ids in ids.chunks(CHUNK) {
            events.extend(
                event::Entity::find()
                    .filter(event::Column::CompanyId.eq(export.company_id))
                    .filter(event::Column::SubjectType.eq(kind.name()))
                    .filter(event::Column::SubjectId.is_in(ids.to_vec()))
                    .all(db)
                    .await?,
            );
        }
    }
    events.sort_by_key(|e| e.id);

    let summary = json!({
        "format": FORMAT,
        "exportedAt": time(now),
        "candidate": {
            "id": id(Kind::Candidate, candidate.id),
            "firstName": candidate.first_name,
            "lastName": candidate.last_name,
            "email": candidate.email,
            "phone": candidate.phone,
            "gender": candidate.gender.to_value(),
            "preferredLanguage": candidate.preferred_language,
            "createdAt": time(candidate.created_at),
            "updatedAt": time(candidate.updated_at),
            "complainedAt": candidate.complained_at.map(time),
        },
        "applications": applications.iter().map(|a| json!({
            "id": id(Kind::Application, a.id),
            "position": positions.get(&a.position_id).map(|p| json!({
                "id": id(Kind::Position, p.id),
                "name": p.name,
            })),
            "status": a.status.to_value(),
            "source": a.source.to_value(),
            "createdAt": time(a.created_at),
            "updatedAt": time(a.updated_at),
        })).collect::<Vec<_>>(),
        "interviews": interviews.iter().map(|i| json!({
            "id": id(Kind::Interview, i.id),
            "applicationId": id(Kind::Application, i.application_id),
            "title": i.title,
            "startsAt": time(i.starts_at),
            "endsAt": time(i.ends_at),
            "timeZone": i.time_zone,
            "location": i.location,
            "videoLink": i.video_link,
            "status": i.status.to_value(),
        })).collect::<Vec<_>>(),
        "messages": messages.iter().map(|m| {
            let of_kind = |kind| recipients.get(&m.id).into_iter().flatten()
                .filter(|r| r.kind == kind)
                .map(|r| json!({"address": r.address, "name": r.name}))
                .collect::<Vec<_>>();
            json!({
                "id": id(Kind::Message, m.id),
                "file": message_path(m),
                "direction": m.direction.to_value(),
                "status": m.status.to_value(),
                "subject": m.subject,
                "from": {"address": m.from_address, "name": m.from_name},
                "to": of_kind(entity::enums::RecipientKind::To),
                "cc": of_kind(entity::enums::RecipientKind::Cc),
                "messageId": m.message_id_header,
                "applicationId": m.application_id.map(|a| id(Kind::Application, a)),
                "interviewId": m.interview_id.map(|i| id(Kind::Interview, i)),
                "createdAt": time(m.created_at),
                "sentAt": m.sent_at.map(time),
                "receivedAt": m.received_at.map(time),
                "attachments": attachments.get(&m.id).into_iter().flatten().map(|a| {
                    let file = attached.get(&a.document_id);
                    json!({
                        "documentId": id(Kind::Document, a.document_id),
                        "fileName": file.map(|d| d.file_name.clone()),
                        "file": file
                            .filter(|d| d.candidate_id == Some(candidate.id))
                            .map(document_path),
                    })
                }).collect::<Vec<_>>(),
            })
        }).collect::<Vec<_>>(),
        "documents": documents.iter().map(|d| json!({
            "id": id(Kind::Document, d.id),
            "file": document_path(d),
            "fileName": d.file_name,
            "contentType": d.content_type,
            "sizeBytes": d.size_bytes,
            "sha256": d.sha256,
            "category": d.document_category_id.and_then(|c| categories.get(&c)),
            "source": d.source.to_value(),
            "createdAt": time(d.created_at),
        })).collect::<Vec<_>>(),
        "events": events.iter().map(|e| json!({
            "type": e.event_type,
            "subject": e.subject_type,
            "subjectId": Kind::named(&e.subject_type).map(|k| id(k, e.subject_id)),
            "occurredAt": time(e.occurred_at),
            "data": serde_json::from_str::<Value>(&e.data).unwrap_or(Value::Null),
        })).collect::<Vec<_>>(),
    });
    archive
        .add(
            "candidate.json".to_owned(),
            Bytes::from(serde_json::to_vec_pretty(&summary)?),
        )
        .await?;
    drop(summary);

    for d in &documents {
        let gid = id(Kind::Document, d.id);
        let stream = blobs
            .stream(&d.blob_key, None)
            .await
            .map_err(|e| anyhow::anyhow!("the content of document {gid} cannot be read: {e}"))?;
        let size = u64::try_from(d.size_bytes).unwrap_or_default();
        archive
            .add_stream(document_path(d), size, stream)
            .await
            .map_err(|e| anyhow::anyhow!("document {gid} could not be written: {e}"))?;
    }

    for page in messages.chunks(MESSAGE_PAGE) {
        let contents: HashMap<i64, message_content::Model> = message_content::Entity::find()
            .filter(message_content::Column::MessageId.is_in(page.iter().map(|m| m.id)))
            .all(db)
            .await?
            .into_iter()
            .map(|c| (c.message_id, c))
            .collect();
        for m in page {
            let none = Vec::new();
            let bytes = eml::write(
                m,
                contents.get(&m.id),
                recipients.get(&m.id).unwrap_or(&none),
            )
            .map_err(|e| {
                anyhow::anyhow!(
                    "message {} cannot be written as a mail file: {e}",
                    id(Kind::Message, m.id)
                )
            })?;
            archive.add(message_path(m), Bytes::from(bytes)).await?;
        }
    }
    Ok(())
}
