//! The iCalendar object an invitation email carries: one VEVENT in an iTIP
//! REQUEST or CANCEL (RFC 5546 §3.2.2, §3.2.5) sent by email (RFC 6047).
//!
//! The `icalendar` crate writes the object and escapes TEXT values (RFC 5545
//! §3.3.11). What it leaves to us: values that may not appear at all, such as
//! a carriage return in a text or a double quote in a parameter (§3.2 has no
//! escape for it), and folding, which we redo because the crate's lets a
//! continuation line reach 76 octets when exactly 75 remain.
//!
//! Times are written in UTC (RFC 5545 §3.3.5, form 2) rather than with a TZID
//! and a VTIMEZONE we would have to generate from our time-zone database: an
//! instant in UTC means the same in every client, whatever its own rules for
//! the zone say, and clients show it in the reader's zone anyway. The
//! interview's own zone is written out in the description's details.

use chrono::{DateTime, Utc};
use icalendar::{
    Attendee, CUType, Calendar, Component as _, Event, EventLike as _, EventStatus, PartStat,
    Property, Role,
};

use crate::mail::outbox::Addressee;

/// Names this product in PRODID (RFC 5545 §3.7.3).
const PRODID: &str = "-//recruitmail//Interview invitations//EN";

/// The iTIP method (RFC 5546 §1.4) of an invitation email.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Method {
    /// A new or changed event: the attendee's client adds or updates it.
    Request,
    /// The event no longer takes place.
    Cancel,
}

impl Method {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Request => "REQUEST",
            Self::Cancel => "CANCEL",
        }
    }
}

/// What one invitation says.
#[derive(Debug)]
pub struct Invitation<'a> {
    pub method: Method,
    /// Stable for the interview's life, so updates replace the event.
    pub uid: &'a str,
    /// Raised by every update; clients ignore an older one (RFC 5546 §2.1.4).
    pub sequence: u32,
    pub stamp: DateTime<Utc>,
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
    pub title: &'a str,
    /// The email's plain text, so the calendar entry says what the email says.
    pub description: &'a str,
    pub location: Option<&'a str>,
    pub video_link: Option<&'a str>,
    /// The sending address: where the candidate's client sends its reply.
    pub organizer: &'a Addressee,
    pub candidate: &'a Addressee,
    /// The company's people taking part.
    pub participants: &'a [Addressee],
    /// The attendee this copy is sent to, whose answer it asks for
    /// (`RSVP=TRUE`): the candidate, or one participant in their own copy.
    pub recipient: &'a str,
    /// Copied for information (the email's CC): their clients list them
    /// rather than treating them as uninvited.
    pub copied: &'a [Addressee],
}

/// The VCALENDAR text, lines ending in CRLF.
pub fn build(invitation: &Invitation<'_>) -> String {
    let i = invitation;
    let mut event = Event::new();
    event
        .uid(i.uid)
        .sequence(i.sequence)
        .timestamp(i.stamp)
        .starts(i.starts_at)
        .ends(i.ends_at)
        .summary(&text(i.title))
        .description(&text(i.description))
        .status(match i.method {
            Method::Request => EventStatus::Confirmed,
            Method::Cancel => EventStatus::Cancelled,
        });
    // Outlook and Google show LOCATION but not URL: a call without a room
    // gets its link as the location, so the entry says where to join.
    if let Some(location) = i.location.or(i.video_link) {
        event.location(&text(location));
    }
    if let Some(link) = i.video_link {
        event.url(link);
    }
    let mut organizer = Property::new("ORGANIZER", mailto(&i.organizer.address));
    if let Some(name) = &i.organizer.name {
        organizer.add_parameter("CN", &parameter(name));
    }
    event.append_property(organizer.done());
    // A cancellation names who it concerns (RFC 5546 §3.2.5) and asks nothing.
    let asking = i.method == Method::Request;
    let answer = |a: Attendee, rsvp: bool| {
        if asking {
            a.partstat(PartStat::NeedsAction).rsvp(rsvp)
        } else {
            a
        }
    };
    let asked = |person: &Addressee| person.address.eq_ignore_ascii_case(i.recipient);
    event.attendee(answer(
        attendee(i.candidate, Role::ReqParticipant),
        asked(i.candidate),
    ));
    for participant in i.participants {
        event.attendee(answer(
            attendee(participant, Role::ReqParticipant),
            asked(participant),
        ));
    }
    for copy in i.copied {
        event.attendee(attendee(copy, Role::NonParticipant));
    }

    let mut calendar = Calendar::empty();
    calendar
        .append_property(Property::new("PRODID", PRODID))
        .append_property(Property::new("VERSION", "2.0"))
        .append_property(Property::new("CALSCALE", "GREGORIAN"))
        .append_property(Property::new("METHOD", i.method.as_str()))
        .push(event.done());
    fold(&calendar.done().to_string())
}

/// Folds every content line at 75 octets (RFC 5545 §3.1): the first part of
/// a line carries up to 75, each continuation a space and up to 74, never
/// splitting a UTF-8 character. Lines folded before are unfolded first.
fn fold(object: &str) -> String {
    const LIMIT: usize = 75;
    let unfolded = object.replace("\r\n ", "").replace("\r\n\t", "");
    let mut out = String::with_capacity(unfolded.len() + unfolded.len() / 24);
    for line in unfolded.split_terminator("\r\n") {
        let mut rest = line;
        let mut room = LIMIT;
        loop {
            if rest.len() <= room {
                out.push_str(rest);
                out.push_str("\r\n");
                break;
            }
            let cut = cut_before(rest, room);
            let (head, tail) = rest.split_at(cut);
            out.push_str(head);
            out.push_str("\r\n ");
            rest = tail;
            room = LIMIT - 1;
        }
    }
    out
}

/// Where to fold `line` so its first part holds at most `room` octets: on a
/// character boundary, and not next to a space or tab where one can be
/// found, because some parsers trim the whitespace around a fold.
fn cut_before(line: &str, room: usize) -> usize {
    let boundary = |mut at: usize| {
        while !line.is_char_boundary(at) {
            at -= 1;
        }
        at
    };
    let blank = |c: Option<char>| matches!(c, Some(' ' | '\t'));
    let mut cut = boundary(room);
    let first = cut;
    while cut > room / 2
        && (blank(line[cut..].chars().next()) || blank(line[..cut].chars().next_back()))
    {
        cut = boundary(cut - 1);
    }
    if cut > room / 2 { cut } else { first }
}

fn attendee(person: &Addressee, role: Role) -> Attendee {
    let attendee = Attendee::new(mailto(&person.address))
        .cutype(CUType::Individual)
        .role(role);
    match &person.name {
        Some(name) => attendee.cn(parameter(name)),
        None => attendee,
    }
}

/// A CAL-ADDRESS (RFC 5545 §3.3.3). Addresses were validated on input.
fn mailto(address: &str) -> String {
    format!("mailto:{address}")
}

/// A TEXT value: line ends become LF (the crate writes them as `\n`); other
/// control characters, which §3.3.11 does not allow, are dropped.
fn text(value: &str) -> String {
    value
        .replace("\r\n", "\n")
        .chars()
        .filter(|c| *c == '\n' || *c == '\t' || !c.is_control())
        .collect()
}

/// A parameter value (RFC 5545 §3.1): no control characters and no double
/// quote, which cannot be escaped there. The crate quotes the value when it
/// holds a colon, semicolon or comma.
fn parameter(value: &str) -> String {
    value
        .chars()
        .filter(|c| !c.is_control())
        .map(|c| if c == '"' { '\'' } else { c })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone as _;

    fn person(address: &str, name: &str) -> Addressee {
        Addressee {
            address: address.to_owned(),
            name: Some(name.to_owned()),
        }
    }

    fn sample(method: Method, description: &str) -> String {
        let organizer = person("jobs@acme.example", "ACME, \"Recruiting\"");
        let candidate = person("ana@example.org", "Ana Müller");
        let participants = [person("lead@acme.example", "Bo; Lead")];
        build(&Invitation {
            method,
            uid: "abc@inbound.localhost",
            sequence: 2,
            stamp: Utc.with_ymd_and_hms(2026, 3, 1, 8, 0, 0).unwrap(),
            starts_at: Utc.with_ymd_and_hms(2026, 3, 30, 7, 0, 0).unwrap(),
            ends_at: Utc.with_ymd_and_hms(2026, 3, 30, 8, 0, 0).unwrap(),
            title: "Interview: Backend, Rust; remote",
            description,
            location: Some("Room 1, Main St. 5"),
            video_link: Some("https://meet.example/abc"),
            organizer: &organizer,
            candidate: &candidate,
            participants: &participants,
            recipient: "ana@example.org",
            copied: &[],
        })
    }

    #[test]
    fn lines_end_in_crlf_and_fold_at_75_octets() {
        let long = "é".repeat(200);
        let ics = sample(Method::Request, &long);
        assert!(ics.ends_with("END:VCALENDAR\r\n"));
        for line in ics.split("\r\n") {
            assert!(line.len() <= 75, "{} octets: {line}", line.len());
            assert!(!line.contains('\n') && !line.contains('\r'));
        }
    }

    #[test]
    fn every_length_folds_within_75_octets_and_unfolds_to_the_same_text() {
        for length in 40..420 {
            for unit in ["a", "é", "€", "😀"] {
                let description: String = unit.repeat(length / unit.len());
                let ics = sample(Method::Request, &description);
                for line in ics.split("\r\n") {
                    assert!(line.len() <= 75, "{length} × {unit}: {} octets", line.len());
                }
                let unfolded = ics.replace("\r\n ", "");
                assert!(unfolded.contains(&format!("DESCRIPTION:{description}\r\n")));
                let spaced = format!("{}x", "ab ".repeat(length / 3));
                let ics = sample(Method::Request, &spaced);
                for line in ics.split("\r\n") {
                    assert!(line.len() <= 75);
                    assert!(!line.ends_with(' ') && !line.starts_with("  "), "{line:?}");
                }
                let unfolded = ics.replace("\r\n ", "");
                assert!(unfolded.contains(&format!("DESCRIPTION:{spaced}\r\n")));
            }
        }
    }

    #[test]
    fn text_is_escaped_and_stray_controls_dropped() {
        let ics = sample(Method::Request, "Hi,\r\nsee you; bring ID\u{7}");
        let unfolded = ics.replace("\r\n ", "");
        assert!(unfolded.contains("DESCRIPTION:Hi\\,\\nsee you\\; bring ID\r\n"));
        assert!(unfolded.contains("SUMMARY:Interview: Backend\\, Rust\\; remote\r\n"));
        assert!(unfolded.contains("CN=\"ACME, 'Recruiting'\""));
        assert!(unfolded.contains("CN=\"Bo; Lead\""));
    }

    #[test]
    fn method_and_status_follow_the_kind_of_message() {
        let request = sample(Method::Request, "x");
        assert!(request.contains("METHOD:REQUEST\r\n"));
        assert!(request.contains("STATUS:CONFIRMED\r\n"));
        let cancel = sample(Method::Cancel, "x");
        assert!(cancel.contains("METHOD:CANCEL\r\n"));
        assert!(cancel.contains("STATUS:CANCELLED\r\n"));
        assert!(cancel.contains("DTSTART:20260330T070000Z\r\n"));
        assert!(cancel.contains("SEQUENCE:2\r\n"));
    }
}
