//! Who is calling and what they may do.
//!
//! A request's bearer token resolves to an [`Actor`]: a user of one company and
//! the union of their recruiting roles. GraphQL fields declare what they need
//! with [`Require`] guards; row-level limits (the company, a hiring manager's
//! positions) come from the actor's [`PositionScope`] in every query, and
//! which templates they may read from its [`TemplateScope`]. An object outside
//! them answers exactly like one that does not exist, wherever its ID is given.

mod actor;
mod cache;
mod guard;
pub mod token;

pub use actor::{
    Actor, PositionScope, Section, TemplateScope, authenticate, load_actor, still_valid,
};
pub use cache::ActorCache;
pub use guard::{ContextExt, Require};
