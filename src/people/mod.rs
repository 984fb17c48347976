//! Users, recruiting roles, role assignments and API tokens.

mod roles;
mod tokens;
mod users;

pub use roles::{
    RoleSpec, RoleWithDocuments, assign_role, create_role, find_role, roles, unassign_role,
    update_role,
};
pub use tokens::{api_tokens, create_api_token, find_api_token, issue, revoke_api_token};
pub use users::{create_user, find_user, set_signature, update_user, users, users_by_id};
