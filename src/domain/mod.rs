//! Validated value types. Input strings become these at the API's edge, so code
//! below a resolver only ever sees valid values. No I/O here.

mod domain_name;
mod email_address;
mod language_tag;
mod text;

pub use domain_name::DomainName;
pub use email_address::EmailAddress;
pub use language_tag::LanguageTag;
pub use text::{Name, Slug};
