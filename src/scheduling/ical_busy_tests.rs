use super::*;

fn utc(text: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(text)
        .unwrap()
        .with_timezone(&Utc)
}

fn window(from: &str, to: &str) -> Window {
    Window {
        start: utc(from),
        end: utc(to),
    }
}

fn calendar(body: &str) -> String {
    format!("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//test//EN\r\n{body}END:VCALENDAR\r\n")
}

fn event(lines: &[&str]) -> String {
    let mut text = String::from("BEGIN:VEVENT\r\n");
    for line in lines {
        text.push_str(line);
        text.push_str("\r\n");
    }
    text.push_str("END:VEVENT\r\n");
    text
}

fn read(text: &str, zone: Tz, w: Window) -> BusyRead {
    read_busy(text, zone, w).unwrap()
}

fn starts(read: &BusyRead) -> Vec<String> {
    read.intervals
        .iter()
        .map(|(s, _)| s.format("%Y-%m-%dT%H:%MZ").to_string())
        .collect()
}

#[test]
fn a_weekly_paris_event_stays_at_ten_local_across_both_dst_changes() {
    let text = calendar(&event(&[
        "UID:weekly-paris",
        "SUMMARY:Team sync",
        "DTSTART;TZID=Europe/Paris:20260305T100000",
        "DTEND;TZID=Europe/Paris:20260305T110000",
        "RRULE:FREQ=WEEKLY;COUNT=40",
    ]));
    let busy = read(
        &text,
        Tz::UTC,
        window("2026-03-01T00:00:00Z", "2026-12-31T00:00:00Z"),
    );
    assert_eq!(busy.intervals.len(), 40);
    assert!(!busy.truncated);
    for (start, end) in &busy.intervals {
        let local = start.with_timezone(&chrono_tz::Europe::Paris);
        assert_eq!(local.format("%H:%M").to_string(), "10:00", "{start}");
        assert_eq!(*end - *start, Duration::hours(1));
    }
    let all = starts(&busy);
    // Before the change of 29 March (UTC+1), after it (UTC+2), and after
    // the change back on 25 October (UTC+1 again).
    assert!(all.contains(&"2026-03-26T09:00Z".to_owned()), "{all:?}");
    assert!(all.contains(&"2026-04-02T08:00Z".to_owned()), "{all:?}");
    assert!(all.contains(&"2026-10-22T08:00Z".to_owned()), "{all:?}");
    assert!(all.contains(&"2026-10-29T09:00Z".to_owned()), "{all:?}");
}

#[test]
fn exdate_removes_and_recurrence_id_moves_an_occurrence() {
    let master = event(&[
        "UID:standup",
        "DTSTART;TZID=Europe/Berlin:20261102T093000",
        "DTEND;TZID=Europe/Berlin:20261102T100000",
        "RRULE:FREQ=WEEKLY;BYDAY=MO;UNTIL=20261130T235959Z",
        "EXDATE;TZID=Europe/Berlin:20261109T093000",
    ]);
    let moved = event(&[
        "UID:standup",
        "RECURRENCE-ID;TZID=Europe/Berlin:20261116T093000",
        "DTSTART;TZID=Europe/Berlin:20261117T140000",
        "DTEND;TZID=Europe/Berlin:20261117T143000",
    ]);
    let busy = read(
        &calendar(&format!("{master}{moved}")),
        Tz::UTC,
        window("2026-11-01T00:00:00Z", "2026-12-31T00:00:00Z"),
    );
    assert_eq!(
        starts(&busy),
        vec![
            "2026-11-02T08:30Z",
            // 9 November excluded; 16 November moved to the 17th at 14:00.
            "2026-11-17T13:00Z",
            "2026-11-23T08:30Z",
            "2026-11-30T08:30Z",
        ]
    );
    let moved_interval = busy.intervals[1];
    assert_eq!(moved_interval.1 - moved_interval.0, Duration::minutes(30));
}

#[test]
fn a_cancelled_occurrence_frees_its_time() {
    let master = event(&[
        "UID:weekly",
        "DTSTART:20261102T090000Z",
        "DURATION:PT1H",
        "RRULE:FREQ=WEEKLY;COUNT=3",
    ]);
    let cancelled = event(&[
        "UID:weekly",
        "RECURRENCE-ID:20261109T090000Z",
        "DTSTART:20261109T090000Z",
        "DURATION:PT1H",
        "STATUS:CANCELLED",
    ]);
    let busy = read(
        &calendar(&format!("{master}{cancelled}")),
        Tz::UTC,
        window("2026-11-01T00:00:00Z", "2026-12-31T00:00:00Z"),
    );
    assert_eq!(
        starts(&busy),
        vec!["2026-11-02T09:00Z", "2026-11-16T09:00Z"]
    );
}

#[test]
fn transparent_and_cancelled_events_are_free() {
    let text = calendar(&format!(
        "{}{}{}",
        event(&[
            "UID:a",
            "DTSTART:20261201T090000Z",
            "DTEND:20261201T100000Z",
            "TRANSP:TRANSPARENT",
        ]),
        event(&[
            "UID:b",
            "DTSTART:20261201T110000Z",
            "DTEND:20261201T120000Z",
            "STATUS:CANCELLED",
        ]),
        event(&[
            "UID:c",
            "DTSTART:20261201T130000Z",
            "DTEND:20261201T140000Z",
            "TRANSP:OPAQUE",
            "STATUS:CONFIRMED",
        ]),
    ));
    let busy = read(
        &text,
        Tz::UTC,
        window("2026-11-01T00:00:00Z", "2026-12-31T00:00:00Z"),
    );
    assert_eq!(starts(&busy), vec!["2026-12-01T13:00Z"]);
}

#[test]
fn vfreebusy_periods_are_busy_except_free_ones() {
    let text = calendar(
        "BEGIN:VFREEBUSY\r\n\
         DTSTART:20261201T000000Z\r\n\
         DTEND:20261208T000000Z\r\n\
         FREEBUSY:20261201T090000Z/20261201T100000Z,20261202T090000Z/PT30M\r\n\
         FREEBUSY;FBTYPE=BUSY-TENTATIVE:20261203T150000Z/20261203T160000Z\r\n\
         FREEBUSY;FBTYPE=FREE:20261204T090000Z/20261204T170000Z\r\n\
         END:VFREEBUSY\r\n",
    );
    let busy = read(
        &text,
        Tz::UTC,
        window("2026-11-01T00:00:00Z", "2026-12-31T00:00:00Z"),
    );
    assert_eq!(
        busy.intervals,
        vec![
            (utc("2026-12-01T09:00:00Z"), utc("2026-12-01T10:00:00Z")),
            (utc("2026-12-02T09:00:00Z"), utc("2026-12-02T09:30:00Z")),
            (utc("2026-12-03T15:00:00Z"), utc("2026-12-03T16:00:00Z")),
        ]
    );
}

#[test]
fn a_tzid_that_does_not_exist_falls_back_without_panicking() {
    let text = calendar(&format!(
        "BEGIN:VTIMEZONE\r\nTZID:Office Time\r\nX-LIC-LOCATION:America/New_York\r\n\
         BEGIN:STANDARD\r\nDTSTART:19701101T020000\r\nTZOFFSETFROM:-0400\r\nTZOFFSETTO:-0500\r\nEND:STANDARD\r\n\
         END:VTIMEZONE\r\n{}{}{}",
        event(&[
            "UID:unknown",
            "DTSTART;TZID=Mars/Olympus_Mons:20261201T090000",
            "DTEND;TZID=Mars/Olympus_Mons:20261201T100000",
        ]),
        event(&[
            "UID:vtimezone",
            "DTSTART;TZID=Office Time:20261202T090000",
            "DTEND;TZID=Office Time:20261202T100000",
        ]),
        event(&[
            "UID:prefixed",
            "DTSTART;TZID=/mozilla.org/20050126_1/Europe/Paris:20261203T090000",
            "DTEND;TZID=/mozilla.org/20050126_1/Europe/Paris:20261203T100000",
        ]),
    ));
    let busy = read(
        &text,
        chrono_tz::Europe::Berlin,
        window("2026-11-01T00:00:00Z", "2026-12-31T00:00:00Z"),
    );
    assert_eq!(
        starts(&busy),
        vec![
            // Unknown zone: the user's (Berlin, UTC+1).
            "2026-12-01T08:00Z",
            // The VTIMEZONE's location (New York, UTC-5).
            "2026-12-02T14:00Z",
            // The IANA tail of a vendor's name (Paris, UTC+1).
            "2026-12-03T08:00Z",
        ]
    );
}

#[test]
fn an_rrule_without_end_stops_at_the_window() {
    let text = calendar(&event(&[
        "UID:daily",
        "DTSTART;TZID=Europe/Paris:20200101T080000",
        "DTEND;TZID=Europe/Paris:20200101T083000",
        "RRULE:FREQ=DAILY",
    ]));
    let w = window("2026-12-01T00:00:00Z", "2027-01-01T00:00:00Z");
    let busy = read(&text, Tz::UTC, w);
    assert_eq!(busy.intervals.len(), 31);
    assert!(!busy.truncated);
    assert!(
        busy.intervals
            .iter()
            .all(|(s, e)| *s >= w.start && *e <= w.end)
    );
}

#[test]
fn ten_thousand_recurring_events_are_bounded_work() {
    let mut body = String::new();
    for i in 0..10_000 {
        body.push_str(&event(&[
            &format!("UID:event-{i}"),
            &format!(
                "DTSTART:2026{:02}01T{:02}{:02}00Z",
                1 + i % 12,
                i % 24,
                i % 60
            ),
            "DURATION:PT15M",
            "RRULE:FREQ=DAILY",
        ]));
    }
    let text = calendar(&body);
    let started = std::time::Instant::now();
    let busy = read(
        &text,
        Tz::UTC,
        window("2026-12-01T00:00:00Z", "2027-06-01T00:00:00Z"),
    );
    assert!(busy.truncated);
    assert!(!busy.intervals.is_empty());
    assert!(busy.intervals.len() <= MAX_INTERVALS);
    assert!(
        started.elapsed() < std::time::Duration::from_secs(60),
        "{:?}",
        started.elapsed()
    );
}

#[test]
fn all_day_events_take_whole_days_in_the_users_zone() {
    let text = calendar(&format!(
        "{}{}",
        event(&[
            "UID:holiday",
            "DTSTART;VALUE=DATE:20261224",
            "DTEND;VALUE=DATE:20261226",
        ]),
        event(&["UID:one-day", "DTSTART;VALUE=DATE:20261228"]),
    ));
    let busy = read(
        &text,
        chrono_tz::America::New_York,
        window("2026-12-01T00:00:00Z", "2027-01-31T00:00:00Z"),
    );
    assert_eq!(
        busy.intervals,
        vec![
            (utc("2026-12-24T05:00:00Z"), utc("2026-12-26T05:00:00Z")),
            (utc("2026-12-28T05:00:00Z"), utc("2026-12-29T05:00:00Z")),
        ]
    );
}

#[test]
fn a_weekly_all_day_event_with_a_date_until_includes_its_last_day() {
    let text = calendar(&event(&[
        "UID:gym",
        "DTSTART;VALUE=DATE:20261204",
        "DTEND;VALUE=DATE:20261205",
        "RRULE:FREQ=WEEKLY;UNTIL=20261218",
    ]));
    let busy = read(
        &text,
        chrono_tz::Europe::Paris,
        window("2026-12-01T00:00:00Z", "2027-01-31T00:00:00Z"),
    );
    assert_eq!(
        starts(&busy),
        vec![
            "2026-12-03T23:00Z",
            "2026-12-10T23:00Z",
            "2026-12-17T23:00Z"
        ]
    );
}

#[test]
fn floating_times_are_in_the_users_zone_and_utc_stays_utc() {
    let text = calendar(&format!(
        "{}{}",
        event(&["UID:f", "DTSTART:20261201T090000", "DTEND:20261201T100000"]),
        event(&["UID:u", "DTSTART:20261202T090000Z", "DURATION:PT45M"]),
    ));
    let busy = read(
        &text,
        chrono_tz::Asia::Tokyo,
        window("2026-11-01T00:00:00Z", "2026-12-31T00:00:00Z"),
    );
    assert_eq!(
        busy.intervals,
        vec![
            (utc("2026-12-01T00:00:00Z"), utc("2026-12-01T01:00:00Z")),
            (utc("2026-12-02T09:00:00Z"), utc("2026-12-02T09:45:00Z")),
        ]
    );
}

#[test]
fn rdates_add_occurrences_and_overlaps_merge() {
    let text = calendar(&format!(
        "{}{}",
        event(&[
            "UID:r",
            "DTSTART:20261201T090000Z",
            "DTEND:20261201T100000Z",
            "RDATE:20261203T090000Z,20261205T090000Z",
        ]),
        event(&[
            "UID:o",
            "DTSTART:20261201T093000Z",
            "DTEND:20261201T110000Z"
        ]),
    ));
    let busy = read(
        &text,
        Tz::UTC,
        window("2026-11-01T00:00:00Z", "2026-12-31T00:00:00Z"),
    );
    assert_eq!(
        busy.intervals,
        vec![
            (utc("2026-12-01T09:00:00Z"), utc("2026-12-01T11:00:00Z")),
            (utc("2026-12-03T09:00:00Z"), utc("2026-12-03T10:00:00Z")),
            (utc("2026-12-05T09:00:00Z"), utc("2026-12-05T10:00:00Z")),
        ]
    );
}

#[test]
fn a_local_time_skipped_by_the_clocks_uses_the_offset_before() {
    // 02:30 does not exist in Paris on 28 March 2027: read with UTC+1.
    let text = calendar(&event(&[
        "UID:gap",
        "DTSTART;TZID=Europe/Paris:20270328T023000",
        "DURATION:PT30M",
    ]));
    let busy = read(
        &text,
        Tz::UTC,
        window("2027-03-01T00:00:00Z", "2027-04-30T00:00:00Z"),
    );
    assert_eq!(starts(&busy), vec!["2027-03-28T01:30Z"]);
}

#[test]
fn only_the_window_is_kept_and_zero_length_events_are_free() {
    let text = calendar(&format!(
        "{}{}{}",
        event(&[
            "UID:old",
            "DTSTART:20200101T090000Z",
            "DTEND:20200101T100000Z"
        ]),
        event(&["UID:point", "DTSTART:20261201T090000Z"]),
        event(&[
            "UID:straddle",
            "DTSTART:20261130T230000Z",
            "DTEND:20261201T010000Z"
        ]),
    ));
    let busy = read(
        &text,
        Tz::UTC,
        window("2026-12-01T00:00:00Z", "2026-12-31T00:00:00Z"),
    );
    assert_eq!(
        busy.intervals,
        vec![(utc("2026-11-30T23:00:00Z"), utc("2026-12-01T01:00:00Z"))]
    );
}

#[test]
fn bad_input_is_an_error_not_a_panic() {
    let w = window("2026-12-01T00:00:00Z", "2026-12-31T00:00:00Z");
    assert!(read_busy("this is not a calendar", Tz::UTC, w).is_err());
    assert!(read_busy("", Tz::UTC, w).is_err());
    let deep = format!(
        "{}{}",
        "BEGIN:VCALENDAR\r\n".repeat(50),
        "END:VCALENDAR\r\n".repeat(50)
    );
    assert!(read_busy(&deep, Tz::UTC, w).unwrap_err().contains("nested"));
    // Lines that begin with characters of several bytes.
    assert!(read_busy("éééé:x\r\nBEGé:\r\n€\r\n", Tz::UTC, w).is_err());
    let accented = calendar(&event(&[
        "UID:é",
        "SUMMARY:Réunion",
        "DTSTART:20261201T090000Z",
        "DURATION:PT1H",
    ]));
    assert_eq!(read(&accented, Tz::UTC, w).intervals.len(), 1);
    // Broken values inside a valid calendar are skipped.
    let text = calendar(&format!(
        "{}{}{}",
        event(&["UID:x", "DTSTART:2026-12-01", "DTEND:20261201T100000Z"]),
        event(&["UID:y", "DTSTART:20261201T090000Z", "DURATION:-PT1H"]),
        event(&[
            "UID:z",
            "DTSTART:20261201T090000Z",
            "DURATION:PT1H",
            "RRULE:FREQ=SOMETIMES;UNTIL=garbage",
        ]),
    ));
    let busy = read(&text, Tz::UTC, w);
    // The unreadable rule leaves its first occurrence.
    assert_eq!(starts(&busy), vec!["2026-12-01T09:00Z"]);
    // An empty calendar is a calendar with nothing busy.
    assert_eq!(read(&calendar(""), Tz::UTC, w), BusyRead::default());
}

#[test]
fn durations_follow_rfc_5545() {
    assert_eq!(
        parse_duration("PT1H30M"),
        Some(Length {
            days: 0,
            seconds: 5400
        })
    );
    assert_eq!(
        parse_duration("P1W"),
        Some(Length {
            days: 7,
            seconds: 0
        })
    );
    assert_eq!(
        parse_duration("P1DT2H"),
        Some(Length {
            days: 1,
            seconds: 7200
        })
    );
    assert_eq!(parse_duration("-PT1H"), None);
    assert_eq!(parse_duration("PT"), None);
    assert_eq!(parse_duration("P1H"), None);
    assert_eq!(parse_duration("1H"), None);
}

#[test]
fn a_one_day_duration_is_a_local_day_across_a_change_of_clocks() {
    let text = calendar(&event(&[
        "UID:d",
        "DTSTART;TZID=Europe/Paris:20261024T120000",
        "DURATION:P1D",
    ]));
    let busy = read(
        &text,
        Tz::UTC,
        window("2026-10-01T00:00:00Z", "2026-11-30T00:00:00Z"),
    );
    let (start, end) = busy.intervals[0];
    assert_eq!(end - start, Duration::hours(25));
}
