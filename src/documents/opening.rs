//! Opening a document through a signed link: who may, and how the browser
//! is told to show it.

use actix_web::http::header::{
    Charset, ContentDisposition, DispositionParam, DispositionType, ExtendedValue,
};
use chrono::{DateTime, Utc};
use entity::{api_token, document, user};
use sea_orm::{ConnectionTrait, EntityTrait as _};

use super::links::{Disposition, Grant, Presented, Signer};
use crate::access::{Actor, load_actor};
use crate::error::{ApiError, ApiResult};

/// A document a link may open, and how.
#[derive(Debug)]
pub struct Opened {
    pub document: document::Model,
    pub disposition: Disposition,
}

/// Checks a presented link at `now`: its signature and expiry, then, from
/// the database, that its token is neither revoked nor expired, that its
/// user is active, and that the user may still see the document (the rule
/// of [`super::find`], which `Document.url` applied when minting it).
///
/// `Ok(None)` is every refusal alike; `Err` is a failure to answer (the
/// database), which the caller reports as such.
pub async fn open(
    db: &impl ConnectionTrait,
    signer: &Signer,
    presented: &Presented,
    now: DateTime<Utc>,
) -> ApiResult<Option<Opened>> {
    let Some((actor, grant)) = signed_in(db, signer, presented, now).await? else {
        return Ok(None);
    };
    match super::find(db, &actor, grant.document_id).await {
        Ok(document) => Ok(Some(Opened {
            document,
            disposition: grant.disposition,
        })),
        Err(ApiError::NotFound(_)) => Ok(None),
        Err(other) => Err(other),
    }
}

/// The caller a presented link speaks for, at `now`: its signature (under
/// the company of the user it names) and expiry hold, its token is neither
/// revoked nor expired, and its user is active. What the user may open is
/// the caller's to check, with the rights loaded here.
///
/// `Ok(None)` is every refusal alike; `Err` is a failure to answer.
pub async fn signed_in(
    db: &impl ConnectionTrait,
    signer: &Signer,
    presented: &Presented,
    now: DateTime<Utc>,
) -> ApiResult<Option<(Actor, Grant)>> {
    let Some(user) = user::Entity::find_by_id(presented.user_id)
        .one(db)
        .await?
        .filter(|u| u.active)
    else {
        return Ok(None);
    };
    let Ok(grant) = signer.check(presented, user.company_id, now) else {
        return Ok(None);
    };
    let token_valid = api_token::Entity::find_by_id(grant.token_id)
        .one(db)
        .await?
        .is_some_and(|t| {
            t.user_id == user.id && t.revoked_at.is_none() && t.expires_at.is_none_or(|at| at > now)
        });
    if !token_valid {
        return Ok(None);
    }
    let mut actor: Actor = load_actor(db, user).await?;
    actor.token_id = Some(grant.token_id);
    Ok(Some((actor, grant)))
}

/// The media type to send: the stored one when it is a well-formed type,
/// else `application/octet-stream` (with `nosniff`, the browser then offers
/// a download rather than guess).
pub fn media_type(stored: &str) -> actix_web::mime::Mime {
    stored
        .parse()
        .unwrap_or(actix_web::mime::APPLICATION_OCTET_STREAM)
}

/// Whether a browser may show this type in the tab: PDF, raster images and
/// plain text render without running anything of the file's. SVG (which
/// can carry scripts), HTML and everything else are downloaded even when
/// `INLINE` is asked for.
pub fn safe_inline(media: &actix_web::mime::Mime) -> bool {
    use actix_web::mime;
    match (media.type_(), media.subtype()) {
        (mime::APPLICATION, mime::PDF) | (mime::TEXT, mime::PLAIN) => true,
        (mime::IMAGE, mime::SVG) => false,
        (mime::IMAGE, _) => media.suffix().is_none(),
        _ => false,
    }
}

/// The `Content-Disposition` header (RFC 6266 §4): the type, an ASCII
/// `filename` for old clients, and the real name as `filename*` in UTF-8,
/// percent-encoded per RFC 8187 §3.2, which every current browser prefers
/// (RFC 6266 §4.3).
pub fn content_disposition(
    file_name: &str,
    asked: Disposition,
    media: &actix_web::mime::Mime,
) -> ContentDisposition {
    let disposition = if asked == Disposition::Inline && safe_inline(media) {
        DispositionType::Inline
    } else {
        DispositionType::Attachment
    };
    ContentDisposition {
        disposition,
        parameters: vec![
            DispositionParam::Filename(ascii_fallback(file_name)),
            DispositionParam::FilenameExt(ExtendedValue {
                charset: Charset::Ext("UTF-8".to_owned()),
                language_tag: None,
                value: file_name.as_bytes().to_vec(),
            }),
        ],
    }
}

/// `name` with every character outside printable ASCII, and the quote and
/// backslash that a quoted-string would have to escape (RFC 9110 §5.6.4),
/// replaced by `_`.
fn ascii_fallback(name: &str) -> String {
    name.chars()
        .map(|c| {
            if c.is_ascii_graphic() && c != '"' && c != '\\' || c == ' ' {
                c
            } else {
                '_'
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn header(name: &str, asked: Disposition, media: &str) -> String {
        content_disposition(name, asked, &media_type(media)).to_string()
    }

    #[test]
    fn only_pdf_raster_images_and_plain_text_open_inline() {
        for inline in [
            "application/pdf",
            "image/png",
            "image/jpeg",
            "text/plain; charset=utf-8",
        ] {
            assert!(safe_inline(&media_type(inline)), "{inline}");
        }
        for attachment in [
            "image/svg+xml",
            "text/html",
            "application/xhtml+xml",
            "application/octet-stream",
            "text/xml",
            "not a type",
        ] {
            assert!(!safe_inline(&media_type(attachment)), "{attachment}");
        }
    }

    #[test]
    fn the_name_is_sent_in_utf8_with_an_ascii_fallback() {
        assert_eq!(
            header(
                "Lebenslauf Müller.pdf",
                Disposition::Inline,
                "application/pdf"
            ),
            "inline; filename=\"Lebenslauf M_ller.pdf\"; filename*=UTF-8''Lebenslauf%20M%C3%BCller.pdf"
        );
        assert_eq!(
            header("a\"b\\c.svg", Disposition::Inline, "image/svg+xml"),
            "attachment; filename=\"a_b_c.svg\"; filename*=UTF-8''a%22b%5Cc.svg"
        );
        assert_eq!(
            header("cv.pdf", Disposition::Attachment, "application/pdf"),
            "attachment; filename=\"cv.pdf\"; filename*=UTF-8''cv.pdf"
        );
    }
}
