//! Scheduling against everyone's availability: working hours, busy times from
//! recruitmail's own interviews and from users' calendars, the slots when
//! a whole panel is free, and links through which candidates book them.

pub mod booking;
pub mod links;
pub mod locks;
pub mod panel;
pub mod public_limits;
pub mod rules;
pub mod slots;
pub mod week;

pub use week::{Busy, BusySource, LocalSpan, WorkingTime};
