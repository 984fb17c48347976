#!/usr/bin/env python3
"""Slot search benchmark for recruitmail: `suggestInterviewSlots` for a
panel of 10 whose calendars are full.

Each of the 10 participants works Monday to Friday 08:00-18:00 in their own
zone (Paris, Berlin or New York) and has 500 busy intervals over the 30 days
searched, read from an uploaded iCalendar file: 250 single events and 250
occurrences of 10 recurring events (RRULE with a TZID start, one EXDATE and
one moved occurrence each). Then the same 30-day search for a 45-minute
slot, 15-minute steps and 10-minute buffers runs `--requests` times in a
row; latency is measured by the client around each HTTP request.

Statements per search come from the server's own counter
(`recruitmail_db_queries_total` on /metrics), minus what reading /metrics
itself costs: once for one participant with no calendar, once for the ten.

Usage: bench.py --bin target/release/recruitmail --backend sqlite|postgres
       [--requests 300] [--pg-url postgres://postgres@127.0.0.1:5432]
"""

import argparse
import json
import os
import statistics
import sys
import time
from datetime import date, datetime, timedelta, timezone

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from harness import Server, log, percentile  # noqa: E402

ZONES = ["Europe/Paris"] * 5 + ["Europe/Berlin"] * 3 + ["America/New_York"] * 2
WEEKDAYS = ["MONDAY", "TUESDAY", "WEDNESDAY", "THURSDAY", "FRIDAY"]

SUGGEST = """query($i: SuggestInterviewSlotsInput!) { suggestInterviewSlots(input: $i) {
    slots { startsAt } obstacles { constraint } shortfall } }"""


def stamp(moment):
    return moment.strftime("%Y%m%dT%H%M%S")


def calendar(first_day, zone):
    """An iCalendar file with 500 busy intervals inside 30 days that neither
    overlap nor touch (so none are merged): 10 daily events at HH:00-HH:30
    local, 08:00 to 17:00, of 26 occurrences with one EXDATE and one moved
    to HH:10-HH:40 (250 intervals), and 250 single events at HH:45-HH:55."""
    lines = ["BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//recruitmail bench//EN"]
    for n in range(10):
        start = datetime(first_day.year, first_day.month, first_day.day, 8 + n, 0)
        end = start + timedelta(minutes=30)
        excluded = start + timedelta(days=2)
        moved = start + timedelta(days=4)
        lines += ["BEGIN:VEVENT", f"UID:daily-{n}@bench", f"DTSTAMP:{stamp(start)}Z",
                  f"DTSTART;TZID={zone}:{stamp(start)}", f"DTEND;TZID={zone}:{stamp(end)}",
                  "RRULE:FREQ=DAILY;COUNT=26", f"EXDATE;TZID={zone}:{stamp(excluded)}",
                  "SUMMARY:Stand-up", "END:VEVENT",
                  "BEGIN:VEVENT", f"UID:daily-{n}@bench", f"DTSTAMP:{stamp(start)}Z",
                  f"RECURRENCE-ID;TZID={zone}:{stamp(moved)}",
                  f"DTSTART;TZID={zone}:{stamp(moved + timedelta(minutes=10))}",
                  f"DTEND;TZID={zone}:{stamp(moved + timedelta(minutes=40))}",
                  "SUMMARY:Stand-up (moved)", "END:VEVENT"]
    for n in range(250):
        day = first_day + timedelta(days=n % 30)
        start = datetime(day.year, day.month, day.day, 7 + (n // 30) + (n % 3), 45)
        end = start + timedelta(minutes=10)
        lines += ["BEGIN:VEVENT", f"UID:single-{n}@bench", f"DTSTAMP:{stamp(start)}Z",
                  f"DTSTART;TZID={zone}:{stamp(start)}", f"DTEND;TZID={zone}:{stamp(end)}",
                  "SUMMARY:Busy", "END:VEVENT"]
    lines.append("END:VCALENDAR")
    return ("\r\n".join(lines) + "\r\n").encode()


def statements(server, input_):
    """SQL statements one search runs, from the server's counter."""
    name = "recruitmail_db_queries_total"
    first = server.metric(name)
    second = server.metric(name)
    own = second - first  # what one read of /metrics runs
    server.gql(SUGGEST, {"i": input_})
    return int(server.metric(name) - second - own)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--bin", required=True)
    parser.add_argument("--backend", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--requests", type=int, default=300)
    parser.add_argument("--pg-url", default="postgres://postgres@127.0.0.1:5432")
    args = parser.parse_args()
    today = datetime.now(timezone.utc).date()
    first_day = today + timedelta(days=(7 - today.weekday()) % 7 or 7)
    with Server(args.bin, args.backend, args.pg_url, "slots") as server:
        def person(n, zone):
            user = server.gql("""mutation($e: String!, $n: String!) { createUser(input: {
                email: $e, displayName: $n }) { user { id } } }""",
                {"e": f"panel{n}@bench.example", "n": f"Panel {n}"})["createUser"]["user"]["id"]
            server.gql("""mutation($i: SetWorkingHoursInput!) { setWorkingHours(input: $i) {
                user { id } } }""", {"i": {"userId": user, "timeZone": zone, "weekly": [
                    {"weekday": day, "start": "08:00", "end": "18:00"} for day in WEEKDAYS]}})
            return user

        bare = person(0, "Europe/Paris")
        panel, intervals = [], []
        for n, zone in enumerate(ZONES, start=1):
            user = person(n, zone)
            uploaded = server.upload(
                """mutation($f: Upload!, $u: ID!) { uploadCalendarFile(input: { userId: $u, file: $f }) {
                    calendar { intervalCount } } }""",
                {"u": user}, "f", "busy.ics", calendar(first_day, zone))
            intervals.append(uploaded["uploadCalendarFile"]["calendar"]["intervalCount"])
            panel.append(user)
        start = datetime(first_day.year, first_day.month, first_day.day, tzinfo=timezone.utc)
        search = {"participantIds": panel, "durationMinutes": 45, "timeZone": "Europe/Paris",
                  "from": start.isoformat(), "to": (start + timedelta(days=30)).isoformat(),
                  "bufferMinutes": 10, "stepMinutes": 15, "max": 20}
        alone = dict(search, participantIds=[bare])
        statements_alone = statements(server, alone)
        statements_panel = statements(server, search)
        found = server.gql(SUGGEST, {"i": search})["suggestInterviewSlots"]
        log(f"{args.backend}: {len(found['slots'])} slots, obstacles {found['obstacles']}; "
            f"timing {args.requests} searches")
        times = []
        for _ in range(args.requests):
            began = time.perf_counter()
            server.gql(SUGGEST, {"i": search})
            times.append(time.perf_counter() - began)
        print(json.dumps({
            "backend": args.backend,
            "participants": len(panel),
            "busy_intervals_read": intervals,
            "slots_found": len(found["slots"]),
            "requests": args.requests,
            "p50_ms": round(statistics.median(times) * 1000, 2),
            "p99_ms": round(percentile(times, 99) * 1000, 2),
            "max_ms": round(max(times) * 1000, 2),
            "statements_one_participant_no_calendar": statements_alone,
            "statements_ten_participants_500_each": statements_panel,
        }), flush=True)


if __name__ == "__main__":
    main()
