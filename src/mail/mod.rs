//! Outbound mail: subsidiaries' SMTP settings with sealed passwords, the
//! outbox every message is written to, and the dispatcher that delivers it.

pub mod compose;
pub mod dispatcher;
pub mod email_settings;
pub mod messages;
pub mod outbox;
pub mod secrets;
pub mod smtp;
