//! The application: built from settings, served until stopped. Tests build the
//! same application on port 0 against their own database.

use std::net::TcpListener;
use std::sync::Arc;

use actix_web::dev::Server;
use actix_web::{App, HttpServer, web};
use anyhow::Context as _;
use sea_orm::DatabaseConnection;
use tokio_cron_scheduler::{Job, JobScheduler};

use crate::access::ActorCache;
use crate::events::hub::Hub;
use crate::graphql::{self, AppSchema};
use crate::mail::Mail;
use crate::metrics::Metrics;
use crate::settings::Settings;
use crate::{db, http};

/// What every HTTP handler shares; cloned cheaply per worker.
pub struct AppState {
    pub db: DatabaseConnection,
    pub schema: AppSchema,
    pub settings: Arc<Settings>,
    pub metrics: Arc<Metrics>,
    /// Recently authenticated callers; also in the schema's data, so that
    /// mutations changing rights can clear it.
    pub actors: Arc<ActorCache>,
    /// Secrets, blobs and the outbox dispatcher; also in the schema's data.
    pub mail: Arc<Mail>,
}

/// A built, not yet running, server.
pub struct Application {
    port: u16,
    server: Server,
    state: web::Data<AppState>,
    /// The inbound SMTP listener, bound when `RECRUITMAIL_SMTP_LISTEN` is set.
    smtp: Option<TcpListener>,
}

impl Application {
    /// Connects to the database, applies migrations, builds the schema once and
    /// binds the listener.
    pub async fn build(settings: Settings) -> anyhow::Result<Self> {
        let metrics = Arc::new(Metrics::new());
        let db = db::connect(&settings, metrics.clone()).await?;
        db::migrate(&db).await?;
        Self::with_database(settings, db, metrics)
    }

    /// Builds on an already migrated connection.
    pub fn with_database(
        settings: Settings,
        db: DatabaseConnection,
        metrics: Arc<Metrics>,
    ) -> anyhow::Result<Self> {
        let settings = Arc::new(settings);
        let actors = Arc::new(ActorCache::default());
        let mail = Arc::new(Mail::new(db.clone(), settings.clone())?);
        mail.dispatcher.report_to(metrics.clone());
        // Reads the event log for this process's subscriptions.
        let hub = Arc::new(Hub::start(db.clone()));
        let schema = graphql::build(
            db.clone(),
            settings.clone(),
            actors.clone(),
            mail.clone(),
            hub,
        );
        let state = web::Data::new(AppState {
            db,
            schema,
            settings: settings.clone(),
            metrics,
            actors,
            mail,
        });
        let listener = TcpListener::bind(settings.listen)
            .with_context(|| format!("RECRUITMAIL_LISTEN: cannot listen on {}", settings.listen))?;
        let port = listener.local_addr()?.port();
        let shared = state.clone();
        let server =
            HttpServer::new(move || App::new().app_data(shared.clone()).configure(http::routes))
                .listen(listener)?
                .run();
        let smtp = match settings.smtp_listen {
            Some(address) => {
                let listener = TcpListener::bind(address).with_context(|| {
                    format!("RECRUITMAIL_SMTP_LISTEN: cannot listen on {address}")
                })?;
                listener.set_nonblocking(true)?;
                Some(listener)
            }
            None => None,
        };
        Ok(Self {
            port,
            server,
            state,
            smtp,
        })
    }

    /// The port actually bound (useful with port 0).
    pub fn port(&self) -> u16 {
        self.port
    }

    /// The port the inbound SMTP listener bound, when it is on.
    pub fn smtp_port(&self) -> Option<u16> {
        self.smtp
            .as_ref()
            .and_then(|listener| listener.local_addr().ok())
            .map(|address| address.port())
    }

    /// Shared state, for tests that look inside (database, metrics).
    pub fn state(&self) -> web::Data<AppState> {
        self.state.clone()
    }

    /// Serves until the process receives Ctrl-C or SIGTERM, delivering the
    /// outbox every second unless `RECRUITMAIL_DISPATCHER=off`, webhooks
    /// unless `RECRUITMAIL_WEBHOOKS=off`, and taking
    /// inbound mail over SMTP when `RECRUITMAIL_SMTP_LISTEN` is set.
    pub async fn run_until_stopped(self) -> anyhow::Result<()> {
        let scheduler = if self.state.settings.dispatcher {
            Some(
                start_dispatching(
                    self.state.mail.clone(),
                    self.state.db.clone(),
                    self.state.settings.clone(),
                )
                .await?,
            )
        } else {
            None
        };
        let webhooks = if self.state.settings.webhooks {
            let worker = crate::webhooks::Worker::new(
                self.state.db.clone(),
                self.state.mail.cipher.clone(),
                self.state.metrics.clone(),
                self.state.mail.instance.clone(),
                self.state.settings.smtp_allow_private_hosts,
            )?;
            Some(Arc::new(worker).start())
        } else {
            None
        };
        let calendar_feeds = if self.state.settings.calendar_feeds {
            Some(
                start_calendar_feeds(
                    self.state.db.clone(),
                    self.state.mail.clone(),
                    &self.state.settings,
                )
                .await?,
            )
        } else {
            None
        };
        // Candidate exports are background work like the outbox: built on
        // the instances that deliver.
        let exports = self.state.settings.dispatcher.then(|| {
            Arc::new(crate::candidate_export::worker::Builder::new(
                self.state.db.clone(),
                self.state.mail.blobs.clone(),
                self.state.mail.instance.clone(),
                &self.state.settings.data_dir,
            ))
            .start()
        });
        let settings = &self.state.settings;
        let heartbeat = (settings.dispatcher || settings.webhooks)
            .then(|| tokio::spawn(beat(self.state.mail.clone())));
        let smtp = match self.smtp {
            Some(listener) => {
                let listener = tokio::net::TcpListener::from_std(listener)?;
                tracing::info!(address = ?listener.local_addr().ok(), "inbound SMTP is listening");
                let receiver = crate::inbound::smtp_listener::Receiver::new(
                    self.state.db.clone(),
                    self.state.settings.clone(),
                    self.state.mail.blobs.clone(),
                );
                Some(tokio::spawn(crate::inbound::smtp_listener::serve(
                    listener, receiver,
                )))
            }
            None => None,
        };
        tracing::info!(port = self.port, "recruitmail is listening");
        let served = self.server.await.context("HTTP server failed");
        if let Some(smtp) = smtp {
            smtp.abort();
        }
        if let Some(mut calendar_feeds) = calendar_feeds {
            calendar_feeds.shutdown().await.ok();
        }
        if let Some(exports) = exports {
            // A build cut off here is claimed again once this instance
            // has signed off (below).
            exports.stop().await;
        }
        if let Some(webhooks) = webhooks {
            // Deliveries in flight are recorded, not sent again after a restart.
            webhooks.stop().await;
        }
        if let Some(mut scheduler) = scheduler {
            // Deliveries under way finish and are recorded; what was claimed
            // but not started goes back to the queue for the other instances.
            // Before the scheduler stops: stopping it drops the running tick,
            // which would cut deliveries off after their final `.`.
            self.state.mail.dispatcher.stop().await;
            scheduler.shutdown().await.ok();
        }
        if let Some(heartbeat) = heartbeat {
            heartbeat.abort();
            if let Err(e) = self.state.mail.instance.deregister(&self.state.db).await {
                tracing::warn!(error = %e, "the instance could not sign off");
            }
        }
        served
    }
}

/// Writes this instance's heartbeat every few seconds, on its own task so
/// that a long delivery round never makes the instance look dead; the first
/// beat also clears out instances that have been dead for long.
async fn beat(mail: Arc<Mail>) {
    let mut every = tokio::time::interval(crate::instances::BEAT_EVERY);
    let mut first = true;
    loop {
        every.tick().await;
        let now = chrono::Utc::now();
        if let Err(e) = mail.dispatcher.beat(now).await {
            tracing::warn!(error = %e, "the heartbeat could not be written");
        }
        if first {
            first = false;
            if let Err(e) = crate::instances::forget_dead(mail.dispatcher.database(), now).await {
                tracing::warn!(error = %e, "dead instances could not be forgotten");
            }
        }
    }
}

/// Runs the dispatcher's tick every second (UTC), on the clock of the
/// machine, and queues the interview reminders due once a minute.
async fn start_dispatching(
    mail: Arc<Mail>,
    db: DatabaseConnection,
    settings: Arc<Settings>,
) -> anyhow::Result<JobScheduler> {
    let scheduler = JobScheduler::new().await?;
    let retention = (db.clone(), mail.clone(), settings.clone());
    let told = mail.clone();
    let reminders = Job::new_async("0 * * * * *", move |_, _| {
        let (db, settings, mail) = (db.clone(), settings.clone(), told.clone());
        Box::pin(async move {
            match crate::interviews::reminders::queue_due(&db, &settings, chrono::Utc::now()).await
            {
                Ok(0) => {}
                Ok(_) => mail.nudge(),
                Err(e) => tracing::error!(error = ?e, "interview reminders could not be queued"),
            }
        })
    })?;
    scheduler.add(reminders).await?;
    let job = Job::new_async("* * * * * *", move |_, _| {
        let mail = mail.clone();
        Box::pin(async move {
            if let Err(e) = mail.dispatcher.tick(chrono::Utc::now()).await {
                tracing::error!(error = ?e, "the outbox could not be delivered");
            }
        })
    })?;
    scheduler.add(job).await?;
    scheduler.add(retention_job(retention)?).await?;
    scheduler.start().await?;
    Ok(scheduler)
}

/// Tries the day's retention run every five minutes: the first instance to
/// try on a UTC day runs it (one statement finds it done on later tries),
/// and one that finds a dead instance's run takes it over.
fn retention_job(
    (db, mail, settings): (DatabaseConnection, Arc<Mail>, Arc<Settings>),
) -> anyhow::Result<Job> {
    Ok(Job::new_async("0 */5 * * * *", move |_, _| {
        let (db, mail, settings) = (db.clone(), mail.clone(), settings.clone());
        Box::pin(async move {
            let eraser = crate::retention::run::Eraser {
                db: &db,
                blobs: &mail.blobs,
                outbox_dir: crate::mail::dispatcher::outbox_dir(&settings),
            };
            match crate::retention::run::run_day(&eraser, &mail.instance.id, chrono::Utc::now())
                .await
            {
                Ok(crate::retention::run::Ran::Done { run_key, counts }) => {
                    tracing::info!(%run_key, ?counts, "the retention run finished");
                }
                Ok(_) => {}
                Err(e) => tracing::error!(error = ?e, "the retention run failed"),
            }
        })
    })?)
}

/// Fetches the calendar feeds that are due: each feed every 15 minutes, by
/// whichever instance claims it first. Due feeds are looked for every ten
/// seconds (one indexed query), so a feed is read close to its due time.
async fn start_calendar_feeds(
    db: DatabaseConnection,
    mail: Arc<Mail>,
    settings: &Settings,
) -> anyhow::Result<JobScheduler> {
    let fetcher = Arc::new(crate::scheduling::feed_fetch::Fetcher::new(
        settings.smtp_allow_private_hosts,
    )?);
    let scheduler = JobScheduler::new().await?;
    let job = Job::new_async("*/10 * * * * *", move |_, _| {
        let (db, mail, fetcher) = (db.clone(), mail.clone(), fetcher.clone());
        Box::pin(async move {
            let now = chrono::Utc::now();
            if let Err(e) =
                crate::scheduling::calendars::refresh_due_feeds(&db, &mail.cipher, &fetcher, now)
                    .await
            {
                tracing::error!(error = ?e, "calendar feeds could not be refreshed");
            }
        })
    })?;
    scheduler.add(job).await?;
    scheduler.start().await?;
    Ok(scheduler)
}
