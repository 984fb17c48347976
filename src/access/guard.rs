//! The one guard mechanism: every protected GraphQL field names what it needs.

use std::sync::Arc;

use async_graphql::{Context, Guard};

use crate::error::ApiError;

use super::{Actor, Section};

/// What a GraphQL field requires of its caller.
#[derive(Clone, Copy, Debug)]
pub enum Require {
    /// Any signed-in user of a company.
    SignedIn,
    /// A recruiting admin (settings, templates, categories, SMTP, roles, users).
    Admin,
    /// Access to one section of the recruiting screens.
    Section(Section),
    /// Reading email templates: the MESSAGES or INTERVIEWS section (see
    /// [`super::TemplateScope`] for which templates each one reads).
    Templates,
}

impl Guard for Require {
    async fn check(&self, ctx: &Context<'_>) -> async_graphql::Result<()> {
        let actor = ctx.actor()?;
        let allowed = match self {
            Self::SignedIn => true,
            Self::Admin => actor.is_admin,
            Self::Section(section) => actor.can(*section),
            Self::Templates => actor.templates.any(),
        };
        if allowed {
            Ok(())
        } else {
            Err(ApiError::forbidden(match self {
                Self::SignedIn => "signed-in users only".to_owned(),
                Self::Admin => "recruiting admin rights are required".to_owned(),
                Self::Section(section) => {
                    format!("access to the {} section is required", section.api_name())
                }
                Self::Templates => {
                    "access to the MESSAGES or INTERVIEWS section is required".to_owned()
                }
            })
            .into())
        }
    }
}

/// Reading the caller from a resolver's context.
pub trait ContextExt {
    /// The signed-in caller, or `UNAUTHENTICATED`.
    fn actor(&self) -> Result<&Actor, ApiError>;
}

impl ContextExt for Context<'_> {
    fn actor(&self) -> Result<&Actor, ApiError> {
        self.data_opt::<Arc<Actor>>()
            .map(Arc::as_ref)
            .ok_or(ApiError::Unauthenticated)
    }
}
