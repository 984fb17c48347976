//! A candidate's answer to an invitation, as their calendar sends it: an
//! iTIP REPLY (RFC 5546 §3.2.3) whose one ATTENDEE carries a PARTSTAT.
//!
//! Which invitation a reply answers is told by the event's UID, which is
//! the interview's and is only ever sent to its candidate and
//! participants. The reply answers for the candidate whose invitation
//! carried that UID when its ATTENDEE is their address now, or an address
//! one of their invitations to the interview was sent to: a candidate
//! whose address changed since still answers the invitation they hold,
//! from either address. Its SEQUENCE says which revision it answers
//! (RFC 5546 §2.1.4): an answer to an older revision than the candidate
//! holds is filed in their thread but changes nothing.

use entity::enums::{InvitationStatus, MessageDirection, RecipientKind};
use entity::{interview, message, message_recipient};
use icalendar::parser::{Component, read_calendar, unfold};
use sea_orm::sea_query::{Expr, ExprTrait as _, Func, Query};
use sea_orm::{
    ColumnTrait as _, ConnectionTrait, EntityTrait as _, QueryFilter as _, QueryOrder as _,
    QuerySelect as _, QueryTrait as _,
};

use crate::error::ApiResult;

/// Deeper nesting than any reply has (VCALENDAR, VEVENT, VALARM); refusing
/// it before parsing bounds the parser's recursion on hostile input.
const MAX_DEPTH: usize = 4;

/// What a REPLY says.
#[derive(Debug, PartialEq, Eq)]
pub struct CalendarReply {
    /// The event's UID: the interview's.
    pub uid: String,
    /// The attendee who answers, lower case, without `mailto:`.
    pub attendee: String,
    pub answer: InvitationStatus,
    /// The revision of the invitation answered (RFC 5546 §2.1.4); 0 when
    /// the reply does not say.
    pub sequence: i32,
}

/// The reply in `text`, or `None` when it is no REPLY with an answer we
/// record (NEEDS-ACTION and DELEGATED are not).
pub fn read(text: &str) -> Option<CalendarReply> {
    let unfolded = unfold(text);
    if !shallow(&unfolded) {
        return None;
    }
    let calendar = read_calendar(&unfolded).ok()?;
    let method = calendar
        .properties
        .iter()
        .find(|p| p.name.as_str().eq_ignore_ascii_case("METHOD"))?;
    if !method.val.as_str().trim().eq_ignore_ascii_case("REPLY") {
        return None;
    }
    let event = calendar
        .components
        .iter()
        .find(|c| c.name.as_str().eq_ignore_ascii_case("VEVENT"))?;
    let uid = property(event, "UID")?.val.as_str().trim().to_owned();
    let sequence = match property(event, "SEQUENCE") {
        Some(p) => p.val.as_str().trim().parse().ok()?,
        None => 0,
    };
    let attendee = property(event, "ATTENDEE")?;
    let partstat = attendee
        .params
        .iter()
        .find(|p| p.key.as_str().eq_ignore_ascii_case("PARTSTAT"))?
        .val
        .as_ref()?
        .as_str()
        .trim()
        .to_ascii_uppercase();
    let answer = match partstat.as_str() {
        "ACCEPTED" => InvitationStatus::Accepted,
        "DECLINED" => InvitationStatus::Declined,
        "TENTATIVE" => InvitationStatus::Tentative,
        _ => return None,
    };
    let address = attendee.val.as_str().trim();
    let address = address
        .get(..7)
        .filter(|scheme| scheme.eq_ignore_ascii_case("mailto:"))
        .map_or(address, |_| &address[7..]);
    let plain = |text: &str| !text.is_empty() && !text.chars().any(char::is_control);
    if !plain(&uid) || uid.len() > 255 || !plain(address) || address.len() > 254 {
        return None;
    }
    Some(CalendarReply {
        uid,
        attendee: address.to_lowercase(),
        answer,
        sequence,
    })
}

/// The latest invitation (or update) of the company's interview with the
/// reply's UID that was sent to the candidate at the reply's ATTENDEE
/// address: the message whose thread the reply belongs to, and proof that
/// the attendee is the candidate it was sent to.
pub async fn invitation_answered(
    db: &impl ConnectionTrait,
    company_id: i64,
    reply: &CalendarReply,
) -> ApiResult<Option<message::Model>> {
    let interviews = interview::Entity::find()
        .select_only()
        .column(interview::Column::Id)
        .filter(interview::Column::CompanyId.eq(company_id))
        .filter(interview::Column::Uid.eq(reply.uid.as_str()))
        .into_query();
    // Correlated, so only the recipients of the interview's invitations
    // are read. The attendee is in lower case; the address as written.
    let to_attendee = Query::select()
        .expr(Expr::val(1))
        .from(message_recipient::Entity)
        .and_where(
            Expr::col((
                message_recipient::Entity,
                message_recipient::Column::MessageId,
            ))
            .equals((message::Entity, message::Column::Id)),
        )
        .and_where(
            Expr::col((message_recipient::Entity, message_recipient::Column::Kind))
                .eq(sea_orm::ActiveEnum::to_value(&RecipientKind::To)),
        )
        .and_where(
            Expr::expr(Func::lower(Expr::col((
                message_recipient::Entity,
                message_recipient::Column::Address,
            ))))
            .eq(reply.attendee.as_str()),
        )
        .to_owned();
    Ok(message::Entity::find()
        .filter(message::Column::CompanyId.eq(company_id))
        .filter(message::Column::InterviewId.in_subquery(interviews))
        .filter(message::Column::Direction.eq(MessageDirection::Outbound))
        .filter(message::Column::CalendarMethod.eq("REQUEST"))
        .filter(message::Column::ParticipantUserId.is_null())
        .filter(message::Column::CandidateId.is_not_null())
        .filter(Expr::exists(to_attendee))
        .order_by_desc(message::Column::Id)
        .one(db)
        .await?)
}

/// Whether components nest at most [`MAX_DEPTH`] deep. Property names are
/// case-insensitive (RFC 5545 §3.1), and so is the parser.
fn shallow(unfolded: &str) -> bool {
    let mut depth = 0usize;
    for line in unfolded.lines() {
        let name = line.split([':', ';']).next().unwrap_or_default().trim();
        if name.eq_ignore_ascii_case("BEGIN") {
            depth += 1;
            if depth > MAX_DEPTH {
                return false;
            }
        } else if name.eq_ignore_ascii_case("END") {
            depth = depth.saturating_sub(1);
        }
    }
    true
}

fn property<'a>(
    component: &'a Component<'a>,
    name: &str,
) -> Option<&'a icalendar::parser::Property<'a>> {
    component
        .properties
        .iter()
        .find(|p| p.name.as_str().eq_ignore_ascii_case(name))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reply(partstat: &str) -> String {
        format!(
            "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//Example//Calendar//EN\r\n\
             METHOD:REPLY\r\nBEGIN:VEVENT\r\nUID:3f2a@inbound.localhost\r\n\
             DTSTAMP:20261202T100000Z\r\nSEQUENCE:1\r\n\
             ATTENDEE;PARTSTAT={partstat};CN=Ada Lovelace:\r\n mailto:Ada@Example.org\r\n\
             END:VEVENT\r\nEND:VCALENDAR\r\n"
        )
    }

    #[test]
    fn each_answer_is_read_with_its_attendee() {
        for (partstat, answer) in [
            ("ACCEPTED", InvitationStatus::Accepted),
            ("DECLINED", InvitationStatus::Declined),
            ("TENTATIVE", InvitationStatus::Tentative),
        ] {
            assert_eq!(
                read(&reply(partstat)),
                Some(CalendarReply {
                    uid: "3f2a@inbound.localhost".into(),
                    attendee: "ada@example.org".into(),
                    answer,
                    sequence: 1,
                }),
                "{partstat}"
            );
        }
    }

    #[test]
    fn no_answer_is_read_from_anything_else() {
        let request = reply("ACCEPTED").replace("METHOD:REPLY", "METHOD:REQUEST");
        let nested = "BEGIN:VCALENDAR\r\n".repeat(100_000);
        // The parser reads names in any case, and lines unfolded.
        let lower = "begin:VCALENDAR\r\n".repeat(100_000);
        let folded = "BEG\r\n IN:VCALENDAR\r\n".repeat(100_000);
        for text in [
            reply("NEEDS-ACTION"),
            request,
            "not a calendar".to_owned(),
            nested,
            lower,
            folded,
        ] {
            assert_eq!(read(&text), None, "{}", &text[..text.len().min(80)]);
        }
    }
}
