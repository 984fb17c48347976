//! Scheduling against everyone's availability: working hours, busy times from
//! recruitmail's own interviews and from users' calendars, the slots when
//! a whole panel is free, and links through which candidates book them.
//!
//! What the slot search reads, each in a constant number of statements
//! whatever the number of users and intervals: [`working_times`],
//! [`busy_times`] and [`calendar_health`].

pub mod booking;
pub mod busy_times;
pub mod calendars;
pub mod feed_fetch;
pub mod ical_busy;
pub mod links;
pub mod locks;
pub mod panel;
pub mod public_limits;
pub mod rules;
pub mod slots;
pub mod week;
pub mod working_hours;

pub use busy_times::busy_times;
pub use calendars::{CalendarHealth, calendar_health};
pub use week::{Busy, BusySource, LocalSpan, WorkingTime};
pub use working_hours::working_times;
