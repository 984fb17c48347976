//! A subsidiary's recruiting email settings: its sender identity and, if it
//! sends through its own server, the SMTP connection with a sealed password.

use entity::enums::SmtpSecurity;
use entity::subsidiary;
use sea_orm::{
    ActiveModelTrait as _, ConnectionTrait, IntoActiveModel as _, Set, TryIntoModel as _,
};

use super::secrets::{Cipher, OpenError};
use super::smtp::{SmtpConfig, describe};
use super::smtp_pool::SmtpPool;
use crate::access::Actor;
use crate::audit;
use crate::domain::{DomainName, EmailAddress, Name};
use crate::error::{ApiError, ApiResult};
use crate::organisation;

/// A change of settings; `None` leaves a value, `Some(None)` clears it.
#[derive(Default, Clone)]
pub struct EmailSettingsChange {
    pub email_address: Option<Option<EmailAddress>>,
    pub email_display_name: Option<Option<Name>>,
    pub use_custom_smtp: Option<bool>,
    pub smtp_host: Option<Option<DomainName>>,
    pub smtp_port: Option<Option<u16>>,
    pub smtp_security: Option<SmtpSecurity>,
    pub smtp_username: Option<Option<String>>,
    pub smtp_password: Option<Option<String>>,
}

impl std::fmt::Debug for EmailSettingsChange {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EmailSettingsChange")
            .field("email_address", &self.email_address)
            .field("use_custom_smtp", &self.use_custom_smtp)
            .field("smtp_host", &self.smtp_host)
            .field("smtp_port", &self.smtp_port)
            .field("smtp_security", &self.smtp_security)
            .field("smtp_username", &self.smtp_username)
            .field(
                "smtp_password",
                &self
                    .smtp_password
                    .as_ref()
                    .map(|p| p.as_ref().map(|_| "***")),
            )
            .finish_non_exhaustive()
    }
}

/// Longest SMTP user name or password accepted.
const MAX_CREDENTIAL_CHARS: usize = 256;

/// The owner a subsidiary's password is sealed for.
fn owner(subsidiary_id: i64) -> String {
    format!("subsidiary:{subsidiary_id}")
}

/// Applies `change` to a subsidiary of the actor's company. Turning custom SMTP
/// on needs an address to send from and a host.
pub async fn update(
    db: &impl crate::db::Writable,
    actor: &Actor,
    cipher: &Cipher,
    subsidiary_id: i64,
    change: EmailSettingsChange,
) -> ApiResult<subsidiary::Model> {
    crate::db::write_transaction!(db, |txn| {
        let current = organisation::find_subsidiary(txn, actor, subsidiary_id).await?;
        let before = audited(&current);
        let saved = save(txn, current, cipher, change.clone()).await?;
        audit::setting_changed(
            txn,
            actor,
            "email_settings.updated",
            ("Subsidiary", saved.id),
            before,
            audited(&saved),
        )
        .await?;
        Ok(saved)
    })
}

/// A subsidiary's sending settings as the audit trail records them: the
/// password only as set or not (a changed password shows as the same
/// mask; the entry still records who saved the settings).
fn audited(row: &subsidiary::Model) -> serde_json::Value {
    serde_json::json!({
        "emailAddress": row.email_address,
        "emailDisplayName": row.email_display_name,
        "useCustomSmtp": row.use_custom_smtp,
        "smtpHost": row.smtp_host,
        "smtpPort": row.smtp_port,
        "smtpSecurity": format!("{:?}", row.smtp_security),
        "smtpUsername": row.smtp_username,
        "smtpPassword": audit::mask(row.smtp_password_encrypted.as_deref()),
    })
}

async fn save(
    db: &impl ConnectionTrait,
    current: subsidiary::Model,
    cipher: &Cipher,
    change: EmailSettingsChange,
) -> ApiResult<subsidiary::Model> {
    let row = apply(current, cipher, change)?;
    let merged = row.clone().try_into_model()?;
    if merged.use_custom_smtp && merged.email_address.is_none() {
        return Err(ApiError::validation(
            "emailAddress",
            "emailAddress: sending through the subsidiary's own server needs its address",
        ));
    }
    if merged.use_custom_smtp && merged.smtp_host.is_none() {
        return Err(ApiError::validation(
            "smtpHost",
            "smtpHost: sending through the subsidiary's own server needs its host",
        ));
    }
    Ok(row.update(db).await?)
}

/// The settings `current` would have after `change`, not yet saved: what
/// `update` writes and what `test_unsaved` tries. A new password is sealed
/// as it would be stored.
fn apply(
    current: subsidiary::Model,
    cipher: &Cipher,
    change: EmailSettingsChange,
) -> ApiResult<subsidiary::ActiveModel> {
    for (field, value) in [
        ("smtpUsername", &change.smtp_username),
        ("smtpPassword", &change.smtp_password),
    ] {
        if let Some(Some(text)) = value
            && (text.chars().count() > MAX_CREDENTIAL_CHARS || text.chars().any(char::is_control))
        {
            return Err(ApiError::validation(
                field,
                format!("{field}: at most {MAX_CREDENTIAL_CHARS} characters, without line breaks"),
            ));
        }
    }
    let subsidiary_id = current.id;
    let host = match &change.smtp_host {
        Some(host) => host.as_ref().map(|h| h.as_str().to_owned()),
        None => current.smtp_host.clone(),
    };
    let use_custom = change.use_custom_smtp.unwrap_or(current.use_custom_smtp);
    let mut row = current.into_active_model();
    if let Some(v) = change.email_address {
        row.email_address = Set(v.map(|a| a.into_inner()));
    }
    if let Some(v) = change.email_display_name {
        row.email_display_name = Set(v.map(Name::into_inner));
    }
    row.use_custom_smtp = Set(use_custom);
    row.smtp_host = Set(host);
    if let Some(v) = change.smtp_port {
        row.smtp_port = Set(v.map(i32::from));
    }
    if let Some(v) = change.smtp_security {
        row.smtp_security = Set(v);
    }
    if let Some(v) = change.smtp_username {
        row.smtp_username = Set(v.filter(|u| !u.is_empty()));
    }
    if let Some(v) = change.smtp_password {
        row.smtp_password_encrypted = Set(v
            .filter(|p| !p.is_empty())
            .map(|p| cipher.seal(&owner(subsidiary_id), &p)));
    }
    Ok(row)
}

/// Tests the SMTP server `current`'s settings would name after `change`,
/// without saving anything: a field left out keeps its saved value (the
/// saved password included), as `updateRecruitingEmailSettings` would.
/// The server is tried whether or not custom SMTP is switched on yet, under
/// the same private-address policy as saved settings (see [`test_connection`]).
pub async fn test_unsaved(
    cipher: &Cipher,
    extra_root: Option<&[u8]>,
    public_only: bool,
    current: subsidiary::Model,
    change: EmailSettingsChange,
) -> ApiResult<ConnectionTest> {
    // Errors name the field inside the input's `settings`.
    let located = |e| match e {
        ApiError::Validation { field, message } => {
            ApiError::validation(format!("settings.{field}"), format!("settings.{message}"))
        }
        other => other,
    };
    let mut tried = apply(current, cipher, change)
        .map_err(located)?
        .try_into_model()?;
    if tried.smtp_host.is_none() {
        return Err(ApiError::validation(
            "settings.smtpHost",
            "settings.smtpHost: the server to test needs a host",
        ));
    }
    tried.use_custom_smtp = true;
    Ok(test_connection(cipher, extra_root, public_only, &tried).await)
}

/// The subsidiary's own SMTP server, when it sends through one.
pub fn smtp_config(
    cipher: &Cipher,
    subsidiary: &subsidiary::Model,
) -> Result<Option<SmtpConfig>, OpenError> {
    if !subsidiary.use_custom_smtp {
        return Ok(None);
    }
    let Some(host) = subsidiary.smtp_host.clone() else {
        return Ok(None);
    };
    let password = subsidiary
        .smtp_password_encrypted
        .as_deref()
        .map(|sealed| cipher.open(&owner(subsidiary.id), sealed))
        .transpose()?;
    Ok(Some(SmtpConfig {
        host,
        port: subsidiary
            .smtp_port
            .and_then(|p| u16::try_from(p).ok())
            .unwrap_or_else(|| SmtpConfig::default_port(subsidiary.smtp_security)),
        security: subsidiary.smtp_security,
        username: subsidiary.smtp_username.clone(),
        password,
    }))
}

/// The outcome of a connection test, in words an admin can act on.
#[derive(Debug)]
pub struct ConnectionTest {
    pub success: bool,
    pub message: String,
}

/// Connects to the subsidiary's server as configured (EHLO, STARTTLS or TLS,
/// AUTH), ends with NOOP and QUIT, and reports the server's answer.
pub async fn test_connection(
    cipher: &Cipher,
    extra_root: Option<&[u8]>,
    public_only: bool,
    subsidiary: &subsidiary::Model,
) -> ConnectionTest {
    let config = match smtp_config(cipher, subsidiary) {
        Ok(Some(config)) => config,
        Ok(None) => {
            return ConnectionTest {
                success: false,
                message: "the subsidiary does not send through its own SMTP server".into(),
            };
        }
        Err(e) => {
            return ConnectionTest {
                success: false,
                message: format!("{e}; enter the password again"),
            };
        }
    };
    let pool = match SmtpPool::new(config.clone(), extra_root, 1, public_only) {
        Ok(pool) => pool,
        Err(e) => {
            return ConnectionTest {
                success: false,
                message: e,
            };
        }
    };
    let result = pool.test().await;
    let target = format!("{}:{}", config.host, config.port);
    match result {
        Ok(()) => ConnectionTest {
            success: true,
            message: format!(
                "connected to {target}{}{}",
                match config.security {
                    SmtpSecurity::None => " without encryption",
                    SmtpSecurity::StartTls => " with STARTTLS",
                    SmtpSecurity::Tls => " over TLS",
                },
                config
                    .username
                    .as_deref()
                    .map(|u| format!(" and signed in as {u}"))
                    .unwrap_or_default()
            ),
        },
        Err(e) => ConnectionTest {
            success: false,
            message: format!("{target}: {}", describe(&e)),
        },
    }
}
