//! Webhooks for integrations, following the Standard Webhooks specification
//! 1.0: a company's endpoints receive its events, signed, retried and
//! recorded.
//!
//! - [`endpoints`]: managing endpoints and their secrets, replays, tests;
//! - [`signature`]: `whsec_` secrets and `v1,` signatures;
//! - [`address`]: which URLs may be called (no private networks);
//! - [`fanout`]: from the event log to one delivery per endpoint and event;
//! - [`delivery`]: the request, how its answer is judged, the record;
//! - [`worker`]: the loop that claims and sends deliveries in `serve`.

pub mod address;
pub mod delivery;
pub mod endpoints;
pub mod fanout;
pub mod signature;
pub mod worker;

pub use worker::{Running, Worker};
