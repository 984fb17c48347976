//! Availability end to end: working hours and overrides with their rights,
//! calendar feeds served by a real HTTP server on loopback (200 with an
//! ETag, 304, errors, a server that never answers, a 50 MB feed), uploaded
//! `.ics` files, and the busy times the slot search reads.

use std::sync::{Arc, Mutex};
use std::time::Duration as StdDuration;

use base64::Engine as _;
use chrono::{DateTime, Duration, NaiveDate, Utc};
use recruitmail::scheduling::calendars::{self, Refreshed};
use recruitmail::scheduling::feed_fetch::Fetcher;
use recruitmail::scheduling::{BusySource, busy_times, calendar_health, working_times};
use serde_json::{Value, json};
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};

use crate::helpers::{
    TestApp, create_application, create_candidate, on_each_backend, on_each_backend_with,
    structure, user_with_role,
};

/// The row number of a global ID.
fn row(id: &str) -> i64 {
    let text = String::from_utf8(
        base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(id)
            .unwrap(),
    )
    .unwrap();
    text.split_once(':').unwrap().1.parse().unwrap()
}

async fn viewer_user(app: &TestApp, token: &str) -> String {
    app.ok(token, "{ viewer { user { id } } }", json!({})).await["viewer"]["user"]["id"]
        .as_str()
        .unwrap()
        .to_owned()
}

async fn company_id(app: &TestApp, user: &str) -> i64 {
    use sea_orm::EntityTrait as _;
    entity::user::Entity::find_by_id(row(user))
        .one(&app.state.db)
        .await
        .unwrap()
        .unwrap()
        .company_id
}

const HOURS: &str = "query($u: ID!) { node(id: $u) { ... on User { workingHours {
    timeZone companyDefault weekly { weekday start end } overrides { date dayOff spans { start end } } } } } }";

const SET_HOURS: &str = "mutation($i: SetWorkingHoursInput!) { setWorkingHours(input: $i) {
    workingHours { timeZone companyDefault weekly { weekday start end } } } }";

const SET_OVERRIDE: &str = "mutation($i: SetAvailabilityOverrideInput!) {
    setAvailabilityOverride(input: $i) { workingHours { overrides { date dayOff spans { start end } } } } }";

const REMOVE_OVERRIDE: &str = "mutation($i: RemoveAvailabilityOverrideInput!) {
    removeAvailabilityOverride(input: $i) { workingHours { overrides { date } } } }";

async fn hours(app: &TestApp, token: &str, user: &str) -> Value {
    app.ok(token, HOURS, json!({ "u": user })).await["node"]["workingHours"].clone()
}

#[tokio::test]
async fn working_hours_are_set_by_the_user_or_an_admin_and_no_one_else() {
    on_each_backend(async |app| {
        let admin = app.admin.clone();
        let (anna, _, anna_token) =
            user_with_role(&app, &admin, "Anna Interviewer", json!({ "sections": ["INTERVIEWS"] })).await;
        let (ben, _, ben_token) =
            user_with_role(&app, &admin, "Ben Interviewer", json!({ "sections": ["INTERVIEWS"] })).await;

        // Until anyone sets anything: the product default.
        let default = hours(&app, &anna_token, &anna).await;
        assert_eq!(default["timeZone"], "UTC");
        assert_eq!(default["companyDefault"], true);
        assert_eq!(default["weekly"].as_array().unwrap().len(), 5);
        assert_eq!(default["weekly"][0], json!({ "weekday": "MONDAY", "start": "09:00", "end": "17:00" }));

        // Her own, a split Monday given out of order.
        let set = app
            .ok(
                &anna_token,
                SET_HOURS,
                json!({ "i": { "userId": anna, "timeZone": "Europe/Berlin", "weekly": [
                    { "weekday": "MONDAY", "start": "13:00", "end": "17:00" },
                    { "weekday": "MONDAY", "start": "09:00", "end": "12:00" },
                    { "weekday": "FRIDAY", "start": "08:00", "end": "24:00" } ] } }),
            )
            .await["setWorkingHours"]["workingHours"]
            .clone();
        assert_eq!(set["timeZone"], "Europe/Berlin");
        assert_eq!(set["companyDefault"], false);
        assert_eq!(
            set["weekly"],
            json!([
                { "weekday": "MONDAY", "start": "09:00", "end": "12:00" },
                { "weekday": "MONDAY", "start": "13:00", "end": "17:00" },
                { "weekday": "FRIDAY", "start": "08:00", "end": "24:00" }
            ])
        );
        // Someone else's: forbidden to a colleague, allowed to an admin.
        let for_ben = json!({ "i": { "userId": ben, "timeZone": "America/New_York",
            "weekly": [{ "weekday": "TUESDAY", "start": "10:00", "end": "16:00" }] } });
        assert_eq!(app.error_code(Some(&anna_token), SET_HOURS, for_ben.clone()).await, "FORBIDDEN");
        app.ok(&admin, SET_HOURS, for_ben).await;
        assert_eq!(hours(&app, &ben_token, &ben).await["timeZone"], "America/New_York");

        // Bad input, each refused with nothing stored.
        for (zone, start, end) in [
            ("Mars/Olympus", "09:00", "17:00"),
            ("Europe/Paris", "25:00", "26:00"),
            ("Europe/Paris", "17:00", "09:00"),
            ("Europe/Paris", "09:00", "24:30"),
            ("Europe/Paris", "9h", "17:00"),
        ] {
            let code = app
                .error_code(
                    Some(&anna_token),
                    SET_HOURS,
                    json!({ "i": { "userId": anna, "timeZone": zone,
                        "weekly": [{ "weekday": "MONDAY", "start": start, "end": end }] } }),
                )
                .await;
            assert_eq!(code, "VALIDATION", "{zone} {start} {end}");
        }
        let overlap = app
            .gql(
                Some(&anna_token),
                SET_HOURS,
                json!({ "i": { "userId": anna, "timeZone": "Europe/Paris", "weekly": [
                    { "weekday": "MONDAY", "start": "09:00", "end": "12:00" },
                    { "weekday": "MONDAY", "start": "11:00", "end": "13:00" } ] } }),
            )
            .await;
        assert_eq!(overlap["errors"][0]["extensions"]["code"], "VALIDATION");
        assert!(overlap["errors"][0]["message"].as_str().unwrap().contains("overlap"));
        let too_many: Vec<Value> = (0..9)
            .map(|h| json!({ "weekday": "MONDAY", "start": format!("{h:02}:00"), "end": format!("{h:02}:30") }))
            .collect();
        let code = app
            .error_code(
                Some(&anna_token),
                SET_HOURS,
                json!({ "i": { "userId": anna, "timeZone": "Europe/Paris", "weekly": too_many } }),
            )
            .await;
        assert_eq!(code, "VALIDATION");
        assert_eq!(hours(&app, &anna_token, &anna).await["timeZone"], "Europe/Berlin");

        // Overrides: a day off, then other hours that day, then removed.
        let day = (Utc::now() + Duration::days(30)).date_naive().to_string();
        let off = app
            .ok(&anna_token, SET_OVERRIDE, json!({ "i": { "userId": anna, "date": day, "spans": [] } }))
            .await["setAvailabilityOverride"]["workingHours"]["overrides"]
            .clone();
        assert_eq!(off, json!([{ "date": day, "dayOff": true, "spans": [] }]));
        let other = app
            .ok(
                &admin,
                SET_OVERRIDE,
                json!({ "i": { "userId": anna, "date": day, "spans": [{ "start": "14:00", "end": "16:00" }] } }),
            )
            .await["setAvailabilityOverride"]["workingHours"]["overrides"]
            .clone();
        assert_eq!(
            other,
            json!([{ "date": day, "dayOff": false, "spans": [{ "start": "14:00", "end": "16:00" }] }])
        );
        assert_eq!(
            app.error_code(
                Some(&ben_token),
                SET_OVERRIDE,
                json!({ "i": { "userId": anna, "date": day, "spans": [] } })
            )
            .await,
            "FORBIDDEN"
        );
        assert_eq!(
            app.error_code(
                Some(&anna_token),
                SET_OVERRIDE,
                json!({ "i": { "userId": anna, "date": day,
                    "spans": [{ "start": "10:00", "end": "12:00" }, { "start": "11:00", "end": "13:00" }] } })
            )
            .await,
            "VALIDATION"
        );
        assert_eq!(
            app.error_code(
                Some(&anna_token),
                SET_OVERRIDE,
                json!({ "i": { "userId": anna, "date": "2099-01-01", "spans": [] } })
            )
            .await,
            "VALIDATION"
        );

        // What the slot search reads, in four statements for any number of users.
        let company = company_id(&app, &anna).await;
        let admin_user = viewer_user(&app, &admin).await;
        let before = app.queries();
        let times = working_times(&app.state.db, company, &[row(&anna), row(&ben), row(&admin_user)])
            .await
            .unwrap();
        assert_eq!(app.queries() - before, 4);
        let date: NaiveDate = day.parse().unwrap();
        assert_eq!(times[&row(&anna)].time_zone, chrono_tz::Europe::Berlin);
        assert_eq!(times[&row(&anna)].spans_on(date).len(), 1);
        assert_eq!(times[&row(&ben)].time_zone, chrono_tz::America::New_York);
        assert_eq!(times[&row(&admin_user)].time_zone, chrono_tz::UTC);
        // Another company's user is left out.
        let other_admin = app.other_company("Rival").await;
        let rival = viewer_user(&app, &other_admin).await;
        assert!(!working_times(&app.state.db, company, &[row(&rival)]).await.unwrap().contains_key(&row(&rival)));

        let removed = app
            .ok(&anna_token, REMOVE_OVERRIDE, json!({ "i": { "userId": anna, "date": day } }))
            .await;
        assert_eq!(removed["removeAvailabilityOverride"]["workingHours"]["overrides"], json!([]));
        assert_eq!(
            app.error_code(Some(&anna_token), REMOVE_OVERRIDE, json!({ "i": { "userId": anna, "date": day } }))
                .await,
            "NOT_FOUND"
        );

        // The company's defaults: admins only; users without their own follow them.
        const COMPANY: &str = "mutation($i: SetCompanyWorkingHoursInput!) {
            setCompanyWorkingHours(input: $i) { company { defaultWorkingHours { timeZone weekly { weekday } } } } }";
        let defaults = json!({ "i": { "timeZone": "Europe/Paris",
            "weekly": [{ "weekday": "WEDNESDAY", "start": "08:30", "end": "12:30" }] } });
        assert_eq!(app.error_code(Some(&anna_token), COMPANY, defaults.clone()).await, "FORBIDDEN");
        let company_hours = app.ok(&admin, COMPANY, defaults).await;
        assert_eq!(
            company_hours["setCompanyWorkingHours"]["company"]["defaultWorkingHours"],
            json!({ "timeZone": "Europe/Paris", "weekly": [{ "weekday": "WEDNESDAY" }] })
        );
        let admin_hours = hours(&app, &admin, &admin_user).await;
        assert_eq!(admin_hours["timeZone"], "Europe/Paris");
        assert_eq!(admin_hours["companyDefault"], true);
        // Clearing her own hours puts Anna on the defaults too.
        app.ok(
            &anna_token,
            "mutation($u: ID!) { clearWorkingHours(input: { userId: $u }) { user { id } } }",
            json!({ "u": anna }),
        )
        .await;
        assert_eq!(hours(&app, &anna_token, &anna).await["timeZone"], "Europe/Paris");
        assert_eq!(hours(&app, &ben_token, &ben).await["timeZone"], "America/New_York");
    })
    .await;
}

/// How the test feed server answers.
#[derive(Clone)]
enum Mode {
    /// 200 with this body and ETag, or 304 when the request names the ETag.
    Serve { body: String, etag: String },
    /// 500.
    Fail,
    /// Reads the request and never answers.
    Hang,
    /// Declares 50 MB and sends them.
    Huge { declare_length: bool },
}

struct FeedServer {
    url: String,
    mode: Arc<Mutex<Mode>>,
    /// The head of each request received.
    requests: Arc<Mutex<Vec<String>>>,
    /// Body bytes written for the last huge answer.
    sent: Arc<Mutex<usize>>,
}

const FIFTY_MB: usize = 50 * 1024 * 1024;

impl FeedServer {
    async fn start(mode: Mode) -> Self {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!(
            "http://{}/private/abc123/basic.ics",
            listener.local_addr().unwrap()
        );
        let mode = Arc::new(Mutex::new(mode));
        let requests = Arc::new(Mutex::new(Vec::new()));
        let sent = Arc::new(Mutex::new(0));
        let (m, r, s) = (mode.clone(), requests.clone(), sent.clone());
        tokio::spawn(async move {
            loop {
                let Ok((mut socket, _)) = listener.accept().await else {
                    return;
                };
                let (m, r, s) = (m.clone(), r.clone(), s.clone());
                tokio::spawn(async move {
                    let mut head = Vec::new();
                    let mut buf = [0u8; 1024];
                    while !head.windows(4).any(|w| w == b"\r\n\r\n") {
                        match socket.read(&mut buf).await {
                            Ok(0) | Err(_) => return,
                            Ok(n) => head.extend_from_slice(&buf[..n]),
                        }
                    }
                    let head = String::from_utf8_lossy(&head).to_lowercase();
                    r.lock().unwrap().push(head.clone());
                    let mode = m.lock().unwrap().clone();
                    match mode {
                        Mode::Serve { body, etag } => {
                            let answer = if head.contains(&format!("if-none-match: {etag}")) {
                                format!(
                                    "HTTP/1.1 304 Not Modified\r\nETag: {etag}\r\nContent-Length: 0\r\n\r\n"
                                )
                            } else {
                                format!(
                                    "HTTP/1.1 200 OK\r\nContent-Type: text/calendar\r\nETag: {etag}\r\nContent-Length: {}\r\n\r\n{body}",
                                    body.len()
                                )
                            };
                            let _ = socket.write_all(answer.as_bytes()).await;
                        }
                        Mode::Fail => {
                            let _ = socket
                                .write_all(b"HTTP/1.1 500 Internal Server Error\r\nContent-Length: 0\r\n\r\n")
                                .await;
                        }
                        Mode::Hang => {
                            tokio::time::sleep(StdDuration::from_secs(60)).await;
                        }
                        Mode::Huge { declare_length } => {
                            let head = if declare_length {
                                format!(
                                    "HTTP/1.1 200 OK\r\nContent-Type: text/calendar\r\nContent-Length: {FIFTY_MB}\r\n\r\n"
                                )
                            } else {
                                "HTTP/1.1 200 OK\r\nContent-Type: text/calendar\r\nConnection: close\r\n\r\n".to_owned()
                            };
                            if socket.write_all(head.as_bytes()).await.is_err() {
                                return;
                            }
                            let chunk = vec![b'X'; 64 * 1024];
                            let mut written = 0;
                            while written < FIFTY_MB {
                                if socket.write_all(&chunk).await.is_err() {
                                    break;
                                }
                                written += chunk.len();
                                *s.lock().unwrap() = written;
                            }
                        }
                    }
                    let _ = socket.shutdown().await;
                });
            }
        });
        Self {
            url,
            mode,
            requests,
            sent,
        }
    }

    fn set(&self, mode: Mode) {
        *self.mode.lock().unwrap() = mode;
    }

    fn last_request(&self) -> String {
        self.requests
            .lock()
            .unwrap()
            .last()
            .cloned()
            .unwrap_or_default()
    }
}

/// A calendar with a weekly event (three occurrences) and a single one, in
/// the coming weeks.
fn feed_body(weeks_ahead: i64, count: u32) -> String {
    let start = (Utc::now() + Duration::weeks(weeks_ahead)).format("%Y%m%dT100000Z");
    format!(
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//test//EN\r\n\
         BEGIN:VEVENT\r\nUID:weekly@test\r\nSUMMARY:Secret project\r\nATTENDEE:mailto:boss@example.com\r\n\
         DTSTART:{start}\r\nDURATION:PT1H\r\nRRULE:FREQ=WEEKLY;COUNT={count}\r\nEND:VEVENT\r\n\
         END:VCALENDAR\r\n"
    )
}

const CALENDAR_FIELDS: &str = "id kind url urlHint lastAttemptAt lastSuccessAt lastError dataReadAt stale intervalCount truncated";

async fn calendar(app: &TestApp, token: &str, id: &str) -> Value {
    app.ok(
        token,
        &format!("query($id: ID!) {{ node(id: $id) {{ ... on ExternalCalendar {{ {CALENDAR_FIELDS} }} }} }}"),
        json!({ "id": id }),
    )
    .await["node"]
        .clone()
}

async fn busy(
    app: &TestApp,
    token: &str,
    user: &str,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
) -> Value {
    app.ok(
        token,
        "query($u: ID!, $f: DateTime!, $t: DateTime!) { node(id: $u) { ... on User {
            busyTimes(from: $f, to: $t) { startsAt endsAt source } } } }",
        json!({ "u": user, "f": from, "t": to }),
    )
    .await["node"]["busyTimes"]
        .clone()
}

#[tokio::test]
async fn a_feed_is_fetched_conditionally_and_keeps_its_last_good_data_when_it_fails() {
    on_each_backend(async |app| {
        let admin = app.admin.clone();
        let me = viewer_user(&app, &admin).await;
        let server = FeedServer::start(Mode::Serve { body: feed_body(1, 3), etag: "\"v1\"".into() }).await;

        const ADD: &str = "mutation($i: AddCalendarFeedInput!) { addCalendarFeed(input: $i) { calendar {
            id kind url urlHint lastSuccessAt lastError dataReadAt stale intervalCount truncated } } }";
        let added = app
            .ok(&admin, ADD, json!({ "i": { "userId": me, "url": server.url } }))
            .await["addCalendarFeed"]["calendar"]
            .clone();
        assert_eq!(added["kind"], "FEED");
        assert_eq!(added["url"], server.url.as_str());
        assert!(!added["urlHint"].as_str().unwrap().contains("abc123"), "{added}");
        assert_eq!(added["lastError"], Value::Null);
        assert_eq!(added["stale"], false);
        assert_eq!(added["intervalCount"], 3);
        let id = added["id"].as_str().unwrap().to_owned();
        let first_read = added["dataReadAt"].clone();
        assert!(!server.last_request().contains("if-none-match"));

        // Only times are kept: nothing of the title or attendees.
        let (from, to) = (Utc::now(), Utc::now() + Duration::days(60));
        let intervals = busy(&app, &admin, &me, from, to).await;
        assert_eq!(intervals.as_array().unwrap().len(), 3);
        assert!(intervals.as_array().unwrap().iter().all(|b| b["source"] == "CALENDAR"));
        let stored = format!("{:?}", {
            use sea_orm::EntityTrait as _;
            entity::external_calendar::Entity::find().all(&app.state.db).await.unwrap()
        });
        assert!(!stored.contains("Secret") && !stored.contains("boss") && !stored.contains("abc123"));

        // Unchanged: a conditional request, answered 304, data kept.
        const REFRESH: &str = "mutation($id: ID!) { refreshCalendarFeed(input: { id: $id }) { calendar {
            lastError intervalCount dataReadAt lastSuccessAt } } }";
        let refreshed = app.ok(&admin, REFRESH, json!({ "id": id })).await["refreshCalendarFeed"]["calendar"].clone();
        assert!(server.last_request().contains("if-none-match: \"v1\""), "{}", server.last_request());
        assert_eq!(refreshed["lastError"], Value::Null);
        assert_eq!(refreshed["intervalCount"], 3);
        assert_eq!(refreshed["dataReadAt"], first_read);

        // Failing: the error and the age of the data show, the data stays.
        server.set(Mode::Fail);
        let failed = app.ok(&admin, REFRESH, json!({ "id": id })).await["refreshCalendarFeed"]["calendar"].clone();
        assert!(failed["lastError"].as_str().unwrap().contains("HTTP 500"), "{failed}");
        assert_eq!(failed["dataReadAt"], first_read);
        assert_eq!(busy(&app, &admin, &me, from, to).await.as_array().unwrap().len(), 3);

        // A server that never answers: the fetch gives up at its deadline.
        server.set(Mode::Hang);
        let db = &app.state.db;
        let cipher = &app.state.mail.cipher;
        let impatient = Fetcher::with_limits(true, StdDuration::from_secs(1), 1024 * 1024).unwrap();
        let started = std::time::Instant::now();
        let outcome = calendars::refresh_feed(db, cipher, &impatient, row(&id), Utc::now()).await.unwrap();
        assert_eq!(outcome, Refreshed::Failed);
        assert!(started.elapsed() < StdDuration::from_secs(10));
        let shown = calendar(&app, &admin, &id).await;
        assert!(shown["lastError"].as_str().unwrap().contains("within 1 s"), "{shown}");
        assert_eq!(shown["intervalCount"], 3);

        // 50 MB declared: refused before reading, through the API's limits.
        server.set(Mode::Huge { declare_length: true });
        let huge = app.ok(&admin, REFRESH, json!({ "id": id })).await["refreshCalendarFeed"]["calendar"].clone();
        assert!(huge["lastError"].as_str().unwrap().contains("larger than 10 MB"), "{huge}");
        // 50 MB undeclared: read up to the cap, then the connection is dropped.
        server.set(Mode::Huge { declare_length: false });
        let outcome = calendars::refresh_feed(db, cipher, &impatient, row(&id), Utc::now()).await.unwrap();
        assert_eq!(outcome, Refreshed::Failed);
        tokio::time::sleep(StdDuration::from_millis(300)).await;
        let sent = *server.sent.lock().unwrap();
        assert!(sent < FIFTY_MB / 2, "the server got to send {sent} bytes");
        let shown = calendar(&app, &admin, &id).await;
        assert!(shown["lastError"].as_str().unwrap().contains("larger than 1 MB"), "{shown}");
        assert_eq!(busy(&app, &admin, &me, from, to).await.as_array().unwrap().len(), 3);

        // Not a calendar: a clear error, data kept.
        server.set(Mode::Serve { body: "<html>login</html>".into(), etag: "\"html\"".into() });
        let bad = app.ok(&admin, REFRESH, json!({ "id": id })).await["refreshCalendarFeed"]["calendar"].clone();
        assert!(bad["lastError"].as_str().unwrap().contains("iCalendar"), "{bad}");
        assert_eq!(bad["intervalCount"], 3);

        // The health the slot search reads: fresh now, stale in two hours
        // without a good fetch; one statement.
        let company = company_id(&app, &me).await;
        let before = app.queries();
        let health = calendar_health(db, company, &[row(&me)], Utc::now()).await.unwrap();
        assert_eq!(app.queries() - before, 1);
        assert!(!health[&row(&me)][0].stale);
        assert!(health[&row(&me)][0].last_error.is_some());
        let later = calendar_health(db, company, &[row(&me)], Utc::now() + Duration::hours(2)).await.unwrap();
        assert!(later[&row(&me)][0].stale);

        // The scheduler's job: nothing is due yet; in 16 minutes the feed
        // is, and two rounds at once fetch it once.
        server.set(Mode::Serve { body: feed_body(2, 2), etag: "\"v2\"".into() });
        let fetcher = Fetcher::new(true).unwrap();
        assert_eq!(calendars::refresh_due_feeds(db, cipher, &fetcher, Utc::now()).await.unwrap(), 0);
        let due = Utc::now() + Duration::minutes(16);
        let requests_before = server.requests.lock().unwrap().len();
        let (a, b) = tokio::join!(
            calendars::refresh_due_feeds(db, cipher, &fetcher, due),
            calendars::refresh_due_feeds(db, cipher, &fetcher, due)
        );
        assert_eq!(a.unwrap() + b.unwrap(), 1);
        assert_eq!(server.requests.lock().unwrap().len(), requests_before + 1);
        let shown = calendar(&app, &admin, &id).await;
        assert_eq!(shown["lastError"], Value::Null);
        assert_eq!(shown["intervalCount"], 2);
        assert_eq!(busy(&app, &admin, &me, from, to).await.as_array().unwrap().len(), 2);

        // Removing the feed removes its busy times.
        app.ok(
            &admin,
            "mutation($id: ID!) { removeExternalCalendar(input: { id: $id }) { deletedId } }",
            json!({ "id": id }),
        )
        .await;
        assert_eq!(busy(&app, &admin, &me, from, to).await, json!([]));
    })
    .await;
}

/// The running server's own job, not a call from the test: a feed that
/// comes due is fetched by the scheduler within its period.
#[tokio::test]
async fn the_scheduler_fetches_a_feed_when_it_comes_due() {
    let feeds_on = [("RECRUITMAIL_CALENDAR_FEEDS", "on".to_owned())];
    on_each_backend_with(&feeds_on, async |app| {
        let admin = app.admin.clone();
        let me = viewer_user(&app, &admin).await;
        let server = FeedServer::start(Mode::Serve { body: feed_body(1, 3), etag: "\"v1\"".into() }).await;
        let added = app
            .ok(
                &admin,
                "mutation($i: AddCalendarFeedInput!) { addCalendarFeed(input: $i) { calendar { id intervalCount } } }",
                json!({ "i": { "userId": me, "url": server.url } }),
            )
            .await["addCalendarFeed"]["calendar"]
            .clone();
        assert_eq!(added["intervalCount"], 3);
        let id = added["id"].as_str().unwrap().to_owned();

        // The feed changes and its next fetch is due now.
        server.set(Mode::Serve { body: feed_body(2, 2), etag: "\"v2\"".into() });
        {
            use sea_orm::{ActiveModelTrait as _, EntityTrait as _, IntoActiveModel as _, Set};
            let stored = entity::external_calendar::Entity::find_by_id(row(&id))
                .one(&app.state.db)
                .await
                .unwrap()
                .unwrap();
            let mut due = stored.into_active_model();
            due.next_fetch_at = Set(Some(Utc::now() - Duration::seconds(1)));
            due.update(&app.state.db).await.unwrap();
        }
        let requests_before = server.requests.lock().unwrap().len();
        let deadline = std::time::Instant::now() + StdDuration::from_secs(30);
        loop {
            if calendar(&app, &admin, &id).await["intervalCount"] == 2 {
                break;
            }
            assert!(std::time::Instant::now() < deadline, "the job did not fetch the due feed");
            tokio::time::sleep(StdDuration::from_millis(250)).await;
        }
        assert_eq!(server.requests.lock().unwrap().len(), requests_before + 1);
        assert!(server.last_request().contains("if-none-match: \"v1\""));
    })
    .await;
}

#[tokio::test]
async fn feeds_are_their_users_business_and_private_addresses_are_refused() {
    on_each_backend(async |app| {
        let admin = app.admin.clone();
        let me = viewer_user(&app, &admin).await;
        let (anna, _, anna_token) =
            user_with_role(&app, &admin, "Anna Feed", json!({ "sections": ["INTERVIEWS"] })).await;
        let server = FeedServer::start(Mode::Serve { body: feed_body(1, 1), etag: "\"a\"".into() }).await;
        const ADD: &str = "mutation($i: AddCalendarFeedInput!) { addCalendarFeed(input: $i) { calendar { id url } } }";
        // Her own feed; not the admin's.
        let own = app
            .ok(&anna_token, ADD, json!({ "i": { "userId": anna, "url": server.url } }))
            .await["addCalendarFeed"]["calendar"]["id"]
            .as_str()
            .unwrap()
            .to_owned();
        assert_eq!(
            app.error_code(Some(&anna_token), ADD, json!({ "i": { "userId": me, "url": server.url } })).await,
            "FORBIDDEN"
        );
        // The admin's feed does not exist for her; her calendars and busy
        // times are hers and the admins'.
        let admins = app
            .ok(&admin, ADD, json!({ "i": { "userId": me, "url": server.url } }))
            .await["addCalendarFeed"]["calendar"]["id"]
            .as_str()
            .unwrap()
            .to_owned();
        for mutation in ["refreshCalendarFeed", "removeExternalCalendar"] {
            let operation = format!("mutation($id: ID!) {{ {mutation}(input: {{ id: $id }}) {{ __typename }} }}");
            assert_eq!(app.error_code(Some(&anna_token), &operation, json!({ "id": admins })).await, "NOT_FOUND");
        }
        assert_eq!(
            app.error_code(
                Some(&anna_token),
                "query($u: ID!) { node(id: $u) { ... on User { externalCalendars { id } } } }",
                json!({ "u": me })
            )
            .await,
            "FORBIDDEN"
        );
        let theirs = app
            .ok(&admin, "query($u: ID!) { node(id: $u) { ... on User { externalCalendars { id url } } } }", json!({ "u": anna }))
            .await;
        assert_eq!(theirs["node"]["externalCalendars"][0]["id"], own.as_str());
        assert_eq!(theirs["node"]["externalCalendars"][0]["url"], server.url.as_str());
        assert_eq!(
            app.error_code(
                Some(&anna_token),
                "query($u: ID!) { node(id: $u) { ... on User { busyTimes(from: \"2030-01-01T00:00:00Z\", to: \"2030-01-02T00:00:00Z\") { startsAt } } } }",
                json!({ "u": me })
            )
            .await,
            "FORBIDDEN"
        );
        // Bad URLs.
        for url in ["ftp://calendar.example.com/x.ics", "not a url", "https://u:p@calendar.example.com/x.ics"] {
            assert_eq!(
                app.error_code(Some(&anna_token), ADD, json!({ "i": { "userId": anna, "url": url } })).await,
                "VALIDATION",
                "{url}"
            );
        }
        // Without RECRUITMAIL_SMTP_ALLOW_PRIVATE_HOSTS, the loopback server
        // is not fetched.
        let strict = Fetcher::new(false).unwrap();
        let error = strict
            .fetch(&server.url, &Default::default())
            .await
            .unwrap_err();
        assert!(error.contains("private"), "{error}");
    })
    .await;
}

/// Posts a calendar file as `token` for `user`.
pub async fn post_calendar(app: &TestApp, token: &str, user: &str, bytes: Vec<u8>) -> Value {
    let operations = json!({
        "query": "mutation($f: Upload!, $u: ID!) { uploadCalendarFile(input: { file: $f, userId: $u }) { calendar { id kind fileName intervalCount lastError } } }",
        "variables": { "f": null, "u": user },
    });
    let form = reqwest::multipart::Form::new()
        .text("operations", operations.to_string())
        .text("map", json!({ "0": ["variables.f"] }).to_string())
        .part(
            "0",
            reqwest::multipart::Part::bytes(bytes)
                .file_name("busy.ics")
                .mime_str("text/calendar")
                .unwrap(),
        );
    app.client
        .post(format!("{}/graphql", app.base))
        .bearer_auth(token)
        .multipart(form)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap()
}

fn ics_at(day: NaiveDate, hours: &[u32]) -> Vec<u8> {
    let mut text = String::from("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//test//EN\r\n");
    for (i, hour) in hours.iter().enumerate() {
        text.push_str(&format!(
            "BEGIN:VEVENT\r\nUID:u{i}\r\nDTSTART:{d}T{hour:02}0000Z\r\nDTEND:{d}T{hour:02}3000Z\r\nEND:VEVENT\r\n",
            d = day.format("%Y%m%d")
        ));
    }
    text.push_str(&format!(
        "BEGIN:VFREEBUSY\r\nFREEBUSY:{d}T200000Z/PT1H\r\nFREEBUSY;FBTYPE=FREE:{d}T210000Z/PT1H\r\nEND:VFREEBUSY\r\n",
        d = day.format("%Y%m%d")
    ));
    text.push_str("END:VCALENDAR\r\n");
    text.into_bytes()
}

#[tokio::test]
async fn an_uploaded_calendar_replaces_the_previous_upload() {
    on_each_backend(async |app| {
        let admin = app.admin.clone();
        let me = viewer_user(&app, &admin).await;
        let (_, _, anna_token) =
            user_with_role(&app, &admin, "Anna Upload", json!({ "sections": ["INTERVIEWS"] })).await;
        let day = (Utc::now() + Duration::days(10)).date_naive();
        let (from, to) = (Utc::now(), Utc::now() + Duration::days(30));

        let first = post_calendar(&app, &admin, &me, ics_at(day, &[9, 11])).await;
        let first = &first["data"]["uploadCalendarFile"]["calendar"];
        assert_eq!(first["kind"], "UPLOAD");
        assert_eq!(first["fileName"], "busy.ics");
        assert_eq!(first["intervalCount"], 3);
        assert_eq!(busy(&app, &admin, &me, from, to).await.as_array().unwrap().len(), 3);

        let second = post_calendar(&app, &admin, &me, ics_at(day, &[14])).await;
        let second = &second["data"]["uploadCalendarFile"]["calendar"];
        assert_eq!(second["id"], first["id"]);
        let intervals = busy(&app, &admin, &me, from, to).await;
        assert_eq!(
            intervals,
            json!([
                { "startsAt": format!("{day}T14:00:00+00:00"), "endsAt": format!("{day}T14:30:00+00:00"), "source": "CALENDAR" },
                { "startsAt": format!("{day}T20:00:00+00:00"), "endsAt": format!("{day}T21:00:00+00:00"), "source": "CALENDAR" }
            ])
        );

        // A file that is not a calendar: refused, the last upload stays.
        let bad = post_calendar(&app, &admin, &me, b"%PDF-1.4 not a calendar".to_vec()).await;
        assert_eq!(bad["errors"][0]["extensions"]["code"], "VALIDATION", "{bad:#}");
        assert_eq!(busy(&app, &admin, &me, from, to).await, intervals);
        // Someone else's: forbidden.
        let forbidden = post_calendar(&app, &anna_token, &me, ics_at(day, &[8])).await;
        assert_eq!(forbidden["errors"][0]["extensions"]["code"], "FORBIDDEN");
        assert_eq!(busy(&app, &admin, &me, from, to).await, intervals);
        let calendars = app
            .ok(&admin, "query($u: ID!) { node(id: $u) { ... on User { externalCalendars { id } } } }", json!({ "u": me }))
            .await;
        assert_eq!(calendars["node"]["externalCalendars"].as_array().unwrap().len(), 1);
    })
    .await;
}

#[tokio::test]
async fn busy_times_join_interviews_and_calendars_in_two_statements() {
    on_each_backend(async |app| {
        let admin = app.admin.clone();
        let me = viewer_user(&app, &admin).await;
        let (anna, _, _) = user_with_role(&app, &admin, "Anna Busy", json!({ "sections": ["INTERVIEWS"] })).await;
        let (ben, _, _) = user_with_role(&app, &admin, "Ben Busy", json!({ "sections": ["INTERVIEWS"] })).await;
        let (_, _, position) = structure(&app, &admin, "busy").await;
        let candidate = create_candidate(&app, &admin, "Cara", "Busy", "cara.busy@example.com").await;
        let application = create_application(&app, &admin, &candidate, &position).await;
        let day = (Utc::now() + Duration::days(5)).date_naive();
        let at = |hour: u32| format!("{day}T{hour:02}:00:00Z");
        const SCHEDULE: &str = "mutation($i: ScheduleInterviewInput!) { scheduleInterview(input: $i) { interview { id } } }";
        let kept = app
            .ok(&admin, SCHEDULE, json!({ "i": { "applicationId": application, "title": "First",
                "startsAt": at(9), "endsAt": at(10), "timeZone": "Europe/Paris", "location": "Room 1", "participantIds": [me, anna] } }))
            .await["scheduleInterview"]["interview"]["id"]
            .as_str()
            .unwrap()
            .to_owned();
        let cancelled = app
            .ok(&admin, SCHEDULE, json!({ "i": { "applicationId": application, "title": "Second",
                "startsAt": at(12), "endsAt": at(13), "timeZone": "Europe/Paris", "location": "Room 2", "participantIds": [anna] } }))
            .await["scheduleInterview"]["interview"]["id"]
            .as_str()
            .unwrap()
            .to_owned();
        app.ok(
            &admin,
            "mutation($i: ID!) { cancelInterview(input: { interviewId: $i, notifyCandidate: false }) { interview { status } } }",
            json!({ "i": cancelled }),
        )
        .await;
        post_calendar(&app, &admin, &anna, ics_at(day, &[15])).await;

        let company = company_id(&app, &me).await;
        let (from, to) = (Utc::now(), Utc::now() + Duration::days(30));
        let before = app.queries();
        let busy_one = busy_times(&app.state.db, company, &[row(&anna)], from, to).await.unwrap();
        let one = app.queries() - before;
        let before = app.queries();
        let all = busy_times(&app.state.db, company, &[row(&me), row(&anna), row(&ben)], from, to)
            .await
            .unwrap();
        assert_eq!(app.queries() - before, one);
        assert_eq!(one, 2);
        assert_eq!(busy_one[&row(&anna)], all[&row(&anna)]);

        let anna_busy = &all[&row(&anna)];
        assert_eq!(anna_busy.len(), 3, "{anna_busy:?}");
        assert_eq!(anna_busy[0].source, BusySource::Interview(row(&kept)));
        assert_eq!(anna_busy[0].starts_at.to_rfc3339(), format!("{day}T09:00:00+00:00"));
        assert!(matches!(anna_busy[1].source, BusySource::Calendar(_)));
        assert_eq!(anna_busy[1].starts_at.to_rfc3339(), format!("{day}T15:00:00+00:00"));
        assert_eq!(all[&row(&me)].len(), 1);
        assert!(!all.contains_key(&row(&ben)));
        // Only what overlaps the window.
        let narrow = busy_times(
            &app.state.db,
            company,
            &[row(&anna)],
            format!("{day}T09:30:00Z").parse().unwrap(),
            format!("{day}T15:00:00Z").parse().unwrap(),
        )
        .await
        .unwrap();
        assert_eq!(narrow[&row(&anna)].len(), 1);
        // Through GraphQL, for the admin: only start, end and kind.
        let shown = busy(&app, &admin, &anna, from, to).await;
        assert_eq!(shown[0]["source"], "INTERVIEW");
        assert_eq!(shown.as_array().unwrap().len(), 3);
        // A window of five years is refused.
        let code = app
            .error_code(
                Some(&admin),
                "query($u: ID!) { node(id: $u) { ... on User { busyTimes(from: \"2027-01-01T00:00:00Z\", to: \"2032-01-01T00:00:00Z\") { startsAt } } } }",
                json!({ "u": anna }),
            )
            .await;
        assert_eq!(code, "VALIDATION");
    })
    .await;
}
