//! The `recruitmail` binary: parse the command line, load settings, run.

use std::process::ExitCode;

use clap::{Parser, Subcommand};
use recruitmail::app::Application;
use recruitmail::settings::{Settings, Source};
use recruitmail::{audit, companies, db, graphql, metrics::Metrics, retention};
use tracing_subscriber::EnvFilter;

/// mimalloc: a GraphQL response allocates for every field it resolves, and the
/// system allocator spent a fifth of the server's time under load. Its v2
/// returns freed pages to the system after 10 ms (v3 waits a second), which
/// keeps a bulk send's peak memory about 25 MB lower at the same speed.
/// `no_thp`: where the kernel gives transparent huge pages on request
/// (`madvise`), mimalloc asks for them on its arenas, and each touched byte
/// then makes 2 MiB resident; without, the server's peak memory halves.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// Recruiting-communication backend with a GraphQL API.
#[derive(Parser)]
#[command(version, about)]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand)]
enum Command {
    /// Run the API server and the mail scheduler (the default).
    Serve,
    /// Apply pending database migrations and exit.
    Migrate,
    /// Print the GraphQL schema (SDL) that `schema.graphql` must equal.
    ExportSchema,
    /// Create a company ready to use (starter templates, document categories,
    /// roles) and its first admin; print the admin's API token.
    Bootstrap {
        /// The company's name.
        #[arg(long)]
        company: String,
        /// The first admin's email address.
        #[arg(long)]
        admin: String,
        /// The company's default language (BCP 47), in which its starter
        /// templates are written: de, en or fr.
        #[arg(long, default_value = "en")]
        language: String,
    },
    /// Work with the audit trail.
    Audit {
        #[command(subcommand)]
        command: AuditCommand,
    },
    /// Work with retention.
    Retention {
        #[command(subcommand)]
        command: RetentionCommand,
    },
}

#[derive(Subcommand)]
enum RetentionCommand {
    /// Perform today's retention run now, unless it has run today or
    /// another process is running it (the same run the servers start);
    /// print what it did as JSON.
    Run,
}

#[derive(Subcommand)]
enum AuditCommand {
    /// Check every company's hash chain; name the first broken entry and
    /// exit non-zero if there is one.
    Verify,
}

#[actix_web::main]
async fn main() -> ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(
            EnvFilter::try_from_env("RECRUITMAIL_LOG").unwrap_or_else(|_| {
                EnvFilter::new("info,sqlx=warn,sea_orm=warn,tokio_cron_scheduler=warn")
            }),
        )
        .with_writer(std::io::stderr)
        .init();
    match run(Cli::parse()).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("error: {err:#}");
            ExitCode::FAILURE
        }
    }
}

#[expect(
    clippy::print_stdout,
    reason = "export-schema, bootstrap, audit verify and retention run print their result"
)]
async fn run(cli: Cli) -> anyhow::Result<()> {
    let command = cli.command.unwrap_or(Command::Serve);
    if let Command::ExportSchema = command {
        print!("{}", graphql::sdl());
        return Ok(());
    }
    let settings = Settings::load(&Source::from_env()?)?;
    match command {
        Command::Serve => {
            Application::build(settings)
                .await?
                .run_until_stopped()
                .await
        }
        Command::Migrate => {
            let conn = db::connect(&settings, Metrics::new().into()).await?;
            db::migrate(&conn).await?;
            eprintln!("migrations applied");
            Ok(())
        }
        Command::Bootstrap {
            company,
            admin,
            language,
        } => {
            let conn = db::connect(&settings, Metrics::new().into()).await?;
            db::migrate(&conn).await?;
            let created = companies::bootstrap_ready(&conn, &company, &admin, &language).await?;
            eprintln!(
                "created company `{}` (inbound address {}) with admin {}",
                created.company.name,
                companies::inbound_address(&created.company.slug, settings.inbound_domain.as_str()),
                created.admin.email
            );
            println!("{}", created.token);
            Ok(())
        }
        Command::Audit {
            command: AuditCommand::Verify,
        } => {
            let conn = db::connect(&settings, Metrics::new().into()).await?;
            db::migrate(&conn).await?;
            match audit::verify::verify(&conn).await? {
                audit::verify::Verdict::Intact { entries, companies } => {
                    println!(
                        "audit trail intact: {entries} entries in {companies} companies' chains"
                    );
                    Ok(())
                }
                audit::verify::Verdict::Broken {
                    company_id,
                    row_id,
                    seq,
                    reason,
                } => anyhow::bail!(
                    "audit trail broken at company {company_id}, entry {seq} (row {row_id}): {reason}"
                ),
            }
        }
        Command::Retention {
            command: RetentionCommand::Run,
        } => {
            let metrics = std::sync::Arc::new(Metrics::new());
            let conn = db::connect(&settings, metrics.clone()).await?;
            db::migrate(&conn).await?;
            let blobs = recruitmail::blobs::BlobStore::from_settings(&settings)?;
            let eraser = retention::run::Eraser {
                db: &conn,
                blobs: &blobs,
                outbox_dir: recruitmail::mail::dispatcher::outbox_dir(&settings),
            };
            let before = metrics.query_count();
            let started = std::time::Instant::now();
            let holder = format!("cli-{}", std::process::id());
            let ran = retention::run::run_day(&eraser, &holder, chrono::Utc::now()).await?;
            let mut report = match ran {
                retention::run::Ran::Done { run_key, counts } => {
                    serde_json::json!({ "status": "done", "runKey": run_key,
                        "anonymised": counts.anonymised, "skipped": counts.skipped,
                        "failed": counts.failed })
                }
                retention::run::Ran::Lost { run_key, counts } => {
                    serde_json::json!({ "status": "lost", "runKey": run_key,
                        "anonymised": counts.anonymised, "skipped": counts.skipped,
                        "failed": counts.failed })
                }
                retention::run::Ran::Finished => serde_json::json!({ "status": "finished" }),
                retention::run::Ran::Running => serde_json::json!({ "status": "running" }),
            };
            report["statements"] = (metrics.query_count() - before).into();
            report["seconds"] = started.elapsed().as_secs_f64().into();
            println!("{report}");
            Ok(())
        }
        Command::ExportSchema => Ok(()),
    }
}
