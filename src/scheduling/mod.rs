//! Scheduling against everyone's availability: working hours, busy times from
//! recruitmail's own interviews and from users' calendars, and the slots when
//! a whole panel is free.

pub mod ical_busy;
pub mod week;

pub use week::{Busy, BusySource, LocalSpan, WorkingTime};
