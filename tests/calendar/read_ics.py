"""Reads an iCalendar object from stdin with the Python `icalendar` package
(an independent implementation of RFC 5545) and prints what a calendar client
would take from it, as JSON, for the Rust tests to compare."""

import json
import sys

from icalendar import Calendar


def text(value):
    return None if value is None else str(value)


def person(prop):
    return {
        "address": str(prop),
        "cn": prop.params.get("CN"),
        "role": prop.params.get("ROLE"),
        "partstat": prop.params.get("PARTSTAT"),
        "rsvp": prop.params.get("RSVP"),
    }


def main():
    calendar = Calendar.from_ical(sys.stdin.buffer.read())
    events = []
    for event in calendar.walk("VEVENT"):
        attendees = event.get("ATTENDEE", [])
        if not isinstance(attendees, list):
            attendees = [attendees]
        events.append(
            {
                "uid": text(event.get("UID")),
                "sequence": int(event.get("SEQUENCE", 0)),
                "status": text(event.get("STATUS")),
                "start": event.decoded("DTSTART").isoformat(),
                "end": event.decoded("DTEND").isoformat(),
                "stamp": event.decoded("DTSTAMP").isoformat(),
                "summary": text(event.get("SUMMARY")),
                "description": text(event.get("DESCRIPTION")),
                "location": text(event.get("LOCATION")),
                "url": text(event.get("URL")),
                "organizer": person(event["ORGANIZER"]),
                "attendees": [person(a) for a in attendees],
            }
        )
    print(
        json.dumps(
            {
                "version": text(calendar.get("VERSION")),
                "prodid": text(calendar.get("PRODID")),
                "method": text(calendar.get("METHOD")),
                "timezones": len(calendar.walk("VTIMEZONE")),
                "events": events,
            }
        )
    )


if __name__ == "__main__":
    main()
