//! Retention: candidates are anonymised once the company no longer needs
//! them, as German recruiting practice expects six months after a
//! rejection (the period in which a rejected candidate may bring a claim
//! under the AGG, §15(4) and §61b ArbGG), and as GDPR Art. 5(1)(e) requires
//! of any personal data ("kept … no longer than is necessary").
//!
//! - [`settings`]: the periods, per subsidiary and per company
//!   (`retentionSettings`, `updateRetentionSettings`).
//! - [`rule`]: when a candidate's retention ends, as one SQL expression
//!   (`Candidate.retainUntil`, `retentionPreview`, the run).
//! - [`legal_hold`]: holds that stop it (`setCandidateLegalHold`).
//! - [`run`]: the daily run that anonymises the candidates whose
//!   retention has ended (also `recruitmail retention run`).

pub mod legal_hold;
pub mod rule;
pub mod run;
pub mod settings;
