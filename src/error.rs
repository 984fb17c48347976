//! The one error type at the API boundary.
//!
//! Each variant maps to an `extensions.code` of the API contract. Internal causes are
//! logged with their whole chain and never sent to the client: the message a
//! client reads is written for the client.
//!
//! Resolvers return `ApiError` through `?`; async-graphql keeps it as the
//! error's source, and [`crate::graphql::errors`] turns it into extensions.

use sea_orm::{DbErr, SqlErr};

use crate::templates::TemplateError;

/// An error a GraphQL operation reports to its caller.
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    /// `UNAUTHENTICATED`: no bearer token, or one that is unknown, expired or revoked.
    #[error("a valid bearer token is required")]
    Unauthenticated,
    /// `FORBIDDEN`: the caller is signed in but their roles do not allow this.
    #[error("{0}")]
    Forbidden(String),
    /// `NOT_FOUND`: no such object, or one the caller may not see (the two are
    /// indistinguishable so that IDs of other companies reveal nothing).
    #[error("{0} not found")]
    NotFound(&'static str),
    /// `VALIDATION`: an input value is malformed; `field` names it (dotted path).
    #[error("{message}")]
    Validation { field: String, message: String },
    /// `VALIDATION` of a template text. The field is `prefix` and the part
    /// (`body`, `translations.0.subject`); the error names the placeholder and
    /// its line and column where it has them.
    #[error("{prefix}{error}")]
    Template {
        prefix: String,
        error: Box<TemplateError>,
    },
    /// `CONFLICT`: the change contradicts stored data (a duplicate, a row in use).
    #[error("{0}")]
    Conflict(String),
    /// `PAYLOAD_TOO_LARGE`: attachments or a body over the configured limit.
    #[error("{0}")]
    PayloadTooLarge(String),
    /// `RATE_LIMITED`: a public operation called too often; try again later.
    #[error("{0}")]
    RateLimited(String),
    /// `DO_NOT_CONTACT`: the message would go to an address on the company's
    /// do-not-contact list; `extensions.reason` says why it is there.
    #[error("{0}")]
    DoNotContact(crate::do_not_contact::Refusal),
    /// `INTERNAL`: anything else; the cause is logged, not returned.
    #[error("internal error")]
    Internal(#[source] anyhow::Error),
}

impl ApiError {
    pub fn validation(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self::Validation {
            field: field.into(),
            message: message.into(),
        }
    }

    /// A template error in the part of the input that `prefix` leads to.
    pub fn template(prefix: impl Into<String>, error: TemplateError) -> Self {
        Self::Template {
            prefix: prefix.into(),
            error: Box::new(error),
        }
    }

    /// The input field a `VALIDATION` error is about.
    pub fn field(&self) -> Option<String> {
        match self {
            Self::Validation { field, .. } => Some(field.clone()),
            Self::Template { prefix, error } => Some(format!("{prefix}{}", error.part.field())),
            _ => None,
        }
    }

    pub fn forbidden(message: impl Into<String>) -> Self {
        Self::Forbidden(message.into())
    }

    pub fn conflict(message: impl Into<String>) -> Self {
        Self::Conflict(message.into())
    }

    /// The `extensions.code` this error carries.
    pub fn code(&self) -> &'static str {
        match self {
            Self::Unauthenticated => "UNAUTHENTICATED",
            Self::Forbidden(_) => "FORBIDDEN",
            Self::NotFound(_) => "NOT_FOUND",
            Self::Validation { .. } | Self::Template { .. } => "VALIDATION",
            Self::Conflict(_) => "CONFLICT",
            Self::PayloadTooLarge(_) => "PAYLOAD_TOO_LARGE",
            Self::RateLimited(_) => "RATE_LIMITED",
            Self::DoNotContact(_) => "DO_NOT_CONTACT",
            Self::Internal(_) => "INTERNAL",
        }
    }

    /// Turns a database error into `CONFLICT` when it is a unique or foreign-key
    /// violation, described for the client by `what`; anything else is internal.
    pub fn from_write(err: DbErr, what: &str) -> Self {
        match err.sql_err() {
            Some(SqlErr::UniqueConstraintViolation(_)) => {
                Self::conflict(format!("{what} already exists"))
            }
            Some(SqlErr::ForeignKeyConstraintViolation(_)) => {
                Self::conflict(format!("{what} is still referenced by other records"))
            }
            // SQLite reports an `ON DELETE RESTRICT` violation with the extended
            // code SQLITE_CONSTRAINT_TRIGGER (1811), which sea-orm does not map.
            _ if err.to_string().contains("FOREIGN KEY constraint failed") => {
                Self::conflict(format!("{what} is still referenced by other records"))
            }
            _ => Self::Internal(err.into()),
        }
    }
}

impl From<DbErr> for ApiError {
    fn from(err: DbErr) -> Self {
        match err {
            // The row was deleted between reading and updating it.
            DbErr::RecordNotUpdated => Self::NotFound("record"),
            err => Self::Internal(err.into()),
        }
    }
}

impl From<anyhow::Error> for ApiError {
    fn from(err: anyhow::Error) -> Self {
        Self::Internal(err)
    }
}

impl crate::db::Contention for ApiError {
    fn is_contention(&self) -> bool {
        matches!(self, Self::Internal(cause) if cause.is_contention())
    }
}

/// Result of a business operation.
pub type ApiResult<T> = Result<T, ApiError>;
