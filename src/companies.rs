//! Companies: the tenants. Created by `recruitmail bootstrap` with a first admin.

use chrono::Utc;
use entity::{company, recruiting_role, role_assignment, user};
use sea_orm::{
    ActiveModelTrait as _, ColumnTrait as _, ConnectionTrait, EntityTrait as _,
    IntoActiveModel as _, QueryFilter as _, Set,
};

use crate::access::{Actor, token};
use crate::audit;
use crate::domain::{EmailAddress, LanguageTag, Name, Slug};
use crate::error::{ApiError, ApiResult};
use crate::{people, starter};

/// Name of the role every company starts with, held by its first user.
pub const ADMIN_ROLE: &str = "Recruiting admin";

/// What `bootstrap` created.
#[derive(Debug)]
pub struct Bootstrapped {
    pub company: company::Model,
    pub admin: user::Model,
    /// The admin's API token, shown once.
    pub token: String,
}

/// Creates a bare company, its admin role and first admin user, and an API
/// token for that user, in one transaction. Its default language is English
/// and it has nothing else yet; `recruitmail bootstrap` uses
/// [`bootstrap_ready`] instead.
pub async fn bootstrap(
    db: &impl crate::db::Writable,
    name: &str,
    admin_email: &str,
) -> ApiResult<Bootstrapped> {
    create(db, name, admin_email, None).await
}

/// Like [`bootstrap`], and the company starts ready (see [`starter::furnish`]):
/// `language` (a BCP 47 tag) is its default language, its starter templates
/// are written in it, and it has the usual document categories and roles.
/// A language without starter texts is refused on the field `language`
/// before anything is written.
pub async fn bootstrap_ready(
    db: &impl crate::db::Writable,
    name: &str,
    admin_email: &str,
    language: &str,
) -> ApiResult<Bootstrapped> {
    let texts = starter::texts(language)?;
    let tag = LanguageTag::parse(language).map_err(|m| ApiError::validation("language", m))?;
    create(db, name, admin_email, Some((tag, texts))).await
}

async fn create(
    db: &impl crate::db::Writable,
    name: &str,
    admin_email: &str,
    ready: Option<(LanguageTag, starter::Texts)>,
) -> ApiResult<Bootstrapped> {
    let name = Name::parse(name).map_err(|m| ApiError::validation("company", m))?;
    let email = EmailAddress::parse(admin_email).map_err(|m| ApiError::validation("admin", m))?;
    let slug = Slug::from_name(name.as_str()).map_err(|m| ApiError::validation("company", m))?;
    crate::db::write_transaction!(db, |txn| {
        let slug = free_slug(txn, &slug).await?;
        let now = Utc::now();
        let company = company::ActiveModel {
            name: Set(name.as_str().to_owned()),
            slug: Set(slug),
            inbound_token: Set(token::random_secret()),
            form_key: Set(token::random_secret()),
            default_language: Set(ready
                .as_ref()
                .map_or("en", |(tag, _)| tag.as_str())
                .to_owned()),
            default_time_zone: Set("UTC".into()),
            created_at: Set(now),
            ..Default::default()
        }
        .insert(txn)
        .await
        .map_err(|e| ApiError::from_write(e, "a company with this slug"))?;
        let company = match &ready {
            Some((_, texts)) => starter::furnish(txn, company, texts, now).await?,
            None => company,
        };
        let role = recruiting_role::ActiveModel {
            company_id: Set(company.id),
            name: Set(ADMIN_ROLE.into()),
            is_admin: Set(true),
            candidates_access: Set(true),
            messages_access: Set(true),
            interviews_access: Set(true),
            bulk_email_access: Set(true),
            assigned_positions_only: Set(false),
            created_at: Set(now),
            ..Default::default()
        }
        .insert(txn)
        .await?;
        let admin = user::ActiveModel {
            company_id: Set(company.id),
            email: Set(email.normalized()),
            display_name: Set(email
                .as_str()
                .split('@')
                .next()
                .unwrap_or_default()
                .to_owned()),
            signature_html: Set(None),
            active: Set(true),
            created_at: Set(now),
            ..Default::default()
        }
        .insert(txn)
        .await?;
        role_assignment::ActiveModel {
            user_id: Set(admin.id),
            role_id: Set(role.id),
            created_at: Set(now),
        }
        .insert(txn)
        .await?;
        let (_, secret) = people::issue(txn, admin.id, "bootstrap", None).await?;
        Ok(Bootstrapped {
            company,
            admin,
            token: secret,
        })
    })
}

/// `slug`, or `slug-2`, `slug-3` … if taken.
async fn free_slug(db: &impl ConnectionTrait, slug: &Slug) -> ApiResult<String> {
    let taken: Vec<String> = company::Entity::find()
        .filter(company::Column::Slug.starts_with(slug.as_str()))
        .all(db)
        .await?
        .into_iter()
        .map(|c| c.slug)
        .collect();
    let candidate = |n: usize| {
        if n == 1 {
            slug.as_str().to_owned()
        } else {
            format!("{}-{n}", slug.as_str())
        }
    };
    Ok((1..)
        .map(candidate)
        .find(|s| !taken.contains(s))
        .unwrap_or_else(|| slug.as_str().to_owned()))
}

/// The company's inbound address `<slug>-jobs@<inbound domain>`.
pub fn inbound_address(slug: &str, inbound_domain: &str) -> String {
    format!("{slug}-jobs@{inbound_domain}")
}

/// The Reply-To of a message: the inbound address with the message's
/// reply token, `<slug>-jobs+<token>@<inbound domain>`, which threads the
/// answer back to it.
pub fn reply_address(slug: &str, token: &str, inbound_domain: &str) -> String {
    format!("{slug}-jobs+{token}@{inbound_domain}")
}

/// An address of the inbound domain, read back.
#[derive(Debug, PartialEq, Eq)]
pub struct InboundAddress {
    pub slug: String,
    /// A reply token, when the address carries one (lower case).
    pub token: Option<String>,
}

/// Reads `<slug>-jobs[+token]@<inbound domain>`; `None` for any other
/// address. Local parts are compared in lower case, as mail servers may
/// change their case.
pub fn parse_inbound_address(address: &str, inbound_domain: &str) -> Option<InboundAddress> {
    let (local, host) = address.rsplit_once('@')?;
    if !host.eq_ignore_ascii_case(inbound_domain) {
        return None;
    }
    let local = local.to_ascii_lowercase();
    let (base, token) = match local.split_once('+') {
        Some((base, token)) => (base, Some(token.to_owned())),
        None => (local.as_str(), None),
    };
    let slug = base.strip_suffix("-jobs")?;
    (!slug.is_empty() && slug.len() <= 100).then(|| InboundAddress {
        slug: slug.to_owned(),
        token,
    })
}

/// What `updateCompany` changes; `None` leaves a value as it is.
#[derive(Debug, Default)]
pub struct CompanyChange {
    pub name: Option<Name>,
    /// One of the languages recruitmail writes in ([`default_language`]).
    pub default_language: Option<LanguageTag>,
    pub default_time_zone: Option<chrono_tz::Tz>,
}

/// A company's default language: a well-formed BCP 47 tag (RFC 5646) whose
/// language recruitmail writes in (`fr`, `fr-CA` …), since every notice the
/// company's candidates get without a language of their own is written in
/// it.
pub fn default_language(raw: &str) -> Result<LanguageTag, String> {
    let tag = LanguageTag::parse(raw)?;
    if crate::languages::Language::supported(tag.as_str()).is_none() {
        let codes: Vec<&str> = crate::languages::codes().collect();
        return Err(format!(
            "recruitmail writes in {}; `{}` is none of them",
            codes.join(", "),
            tag.as_str()
        ));
    }
    Ok(tag)
}

/// The company's default time zone: where times are given without one.
/// A stored name that no longer parses (a zone removed from the database)
/// is UTC.
pub async fn time_zone(db: &impl ConnectionTrait, company_id: i64) -> ApiResult<chrono_tz::Tz> {
    let company = company::Entity::find_by_id(company_id)
        .one(db)
        .await?
        .ok_or(ApiError::NotFound("company"))?;
    Ok(company
        .default_time_zone
        .parse::<chrono_tz::Tz>()
        .unwrap_or(chrono_tz::UTC))
}

/// Renames the actor's company or changes its defaults. The slug, and so
/// the inbound address, stays: the company's mail server forwards to it.
pub async fn update(
    db: &impl crate::db::Writable,
    actor: &Actor,
    change: CompanyChange,
) -> ApiResult<company::Model> {
    crate::db::write_transaction!(db, |txn| {
        let found = company::Entity::find_by_id(actor.company_id)
            .one(txn)
            .await?
            .ok_or(ApiError::NotFound("company"))?;
        if change.name.is_none()
            && change.default_language.is_none()
            && change.default_time_zone.is_none()
        {
            return Ok(found);
        }
        let audited = |row: &company::Model| {
            serde_json::json!({
                "name": row.name,
                "defaultLanguage": row.default_language,
                "defaultTimeZone": row.default_time_zone,
            })
        };
        let before = audited(&found);
        let mut row = found.into_active_model();
        if let Some(name) = &change.name {
            row.name = Set(name.as_str().to_owned());
        }
        if let Some(language) = &change.default_language {
            row.default_language = Set(language.as_str().to_owned());
        }
        if let Some(zone) = change.default_time_zone {
            row.default_time_zone = Set(zone.name().to_owned());
        }
        let saved = row.update(txn).await?;
        audit::setting_changed(
            txn,
            actor,
            "company.updated",
            ("Company", saved.id),
            before,
            audited(&saved),
        )
        .await?;
        Ok(saved)
    })
}

/// A company's secret that an admin can replace.
#[derive(Clone, Copy, Debug)]
pub enum Secret {
    /// The public key of the career page's form.
    FormKey,
    /// The token the company's mail server posts inbound mail with.
    InboundToken,
}

/// Replaces one of the company's secrets with a new random one; whatever
/// used the old one is refused from now on.
pub async fn replace_secret(
    db: &impl ConnectionTrait,
    company_id: i64,
    secret: Secret,
) -> ApiResult<company::Model> {
    let found = company::Entity::find_by_id(company_id)
        .one(db)
        .await?
        .ok_or(ApiError::NotFound("company"))?;
    let mut row = found.into_active_model();
    let fresh = token::random_secret();
    match secret {
        Secret::FormKey => row.form_key = Set(fresh),
        Secret::InboundToken => row.inbound_token = Set(fresh),
    }
    Ok(row.update(db).await?)
}

#[cfg(test)]
mod address_tests {
    use super::*;

    #[test]
    fn inbound_addresses_are_read_back_as_written() {
        let domain = "inbound.example";
        let read = |address: &str| parse_inbound_address(address, domain);
        assert_eq!(
            read(&inbound_address("acme", domain)),
            Some(InboundAddress {
                slug: "acme".into(),
                token: None
            })
        );
        assert_eq!(
            read(&reply_address("acme", "0a1b", domain)),
            Some(InboundAddress {
                slug: "acme".into(),
                token: Some("0a1b".into())
            })
        );
        assert_eq!(
            read("Acme-Jobs+0A1B@INBOUND.example"),
            Some(InboundAddress {
                slug: "acme".into(),
                token: Some("0a1b".into())
            })
        );
        assert_eq!(
            read("acme-jobs-jobs@inbound.example")
                .map(|a| a.slug)
                .as_deref(),
            Some("acme-jobs")
        );
        for other in [
            "acme@inbound.example",
            "-jobs@inbound.example",
            "acme-jobs@elsewhere.example",
            "acme-jobs",
        ] {
            assert_eq!(read(other), None, "{other}");
        }
    }
}
